/**
 * The VMSAv8-64 walker (core/translation) against the table walk rules: SMMU §3.4 (address
 * sizes), §3.13 (Access flag, dirty state), §5.2 / §5.4 (STE / CD fields), §7.3.22 (fault order),
 * and the Arm ARM's VMSAv8-64 chapter D8 (descriptor formats, levels, permissions). Tables are
 * built by hand in a map-backed memory; each test names its rule and section.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  Access,
  Granule,
  WalkFault,
  WalkMemory,
  WalkOk,
  WalkParams,
  WalkResult,
} from '../../../core/translation/types';
import {
  granuleFromS2Tg,
  granuleFromTg0,
  granuleFromTg1,
  inputRangeOk,
  ipsBits,
  psBits,
  selectTtb,
  startLevelS1,
  startLevelS2,
  walk,
} from '../../../core/translation/walk';

class Mem implements WalkMemory {
  readonly m = new Map<bigint, bigint>();
  readonly aborts = new Set<bigint>();
  readonly writes: [bigint, bigint][] = [];
  tableAddress?: WalkMemory['tableAddress'];
  read64(pa: bigint): bigint | 'abort' {
    return this.aborts.has(pa) ? 'abort' : (this.m.get(pa) ?? 0n);
  }
  write64(pa: bigint, v: bigint): 'ok' | 'abort' {
    if (this.aborts.has(pa)) return 'abort';
    this.writes.push([pa, v]);
    this.m.set(pa, v);
    return 'ok';
  }
  set(pa: bigint, v: bigint): void {
    this.m.set(pa, v);
  }
  get(pa: bigint): bigint {
    return this.m.get(pa) ?? 0n;
  }
}

const R: Access = { read: true, write: false, exec: false, priv: false };
const W: Access = { read: false, write: true, exec: false, priv: false };
const X: Access = { read: true, write: false, exec: true, priv: false };
const PR: Access = { ...R, priv: true };
const PW: Access = { ...W, priv: true };
const PX: Access = { ...X, priv: true };

// Descriptor bits (Arm ARM D8.3): [1:0] type, AttrIndx [4:2], AP [7:6], SH [9:8], AF 10, nG 11,
// DBM 51, Contiguous 52, PXN 53, UXN 54; tables: PXNTable 59, UXNTable 60, APTable [62:61].
const TABLE = 3n;
const PAGE = 3n;
const BLOCK = 1n;
const AF = 1n << 10n;
const AP1 = 1n << 6n; // stage 1 EL0 access / stage 2 S2AP[0] read
const AP2 = 1n << 7n; // stage 1 read-only / stage 2 S2AP[1] write
const DBM = 1n << 51n;
const PXN = 1n << 53n;
const UXN = 1n << 54n;
/** A user read-write leaf attribute set. */
const RW_USER = AF | AP1;
/** Stage 2 read-write. */
const S2RW = AF | AP1 | AP2;

function s1(granule: Granule, tsz: number, ttb: bigint, extra: Partial<WalkParams> = {}): WalkParams {
  return { stage: 1, granule, tsz, ttb, outputBits: 48, ha: false, hd: false, ...extra };
}

function s2(
  granule: Granule,
  tsz: number,
  startLevel: number,
  ttb: bigint,
  extra: Partial<WalkParams> = {},
): WalkParams {
  return { stage: 2, granule, tsz, startLevel, ttb, outputBits: 48, ha: false, hd: false, ...extra };
}

function ok(r: WalkResult, what = ''): WalkOk {
  assert.ok(r.ok, r.ok ? '' : `${what ? `${what}: ` : ''}unexpected ${r.kind} fault at level ${r.level}: ${r.message}`);
  return r;
}

function failed(r: WalkResult): WalkFault {
  assert.ok(!r.ok, 'expected a fault');
  return r;
}

/** [kind, level, stage] of a fault. */
function faultOf(r: WalkResult): [string, number, 1 | 2] {
  const f = failed(r);
  return [f.kind, f.level, f.stage];
}

/** A 4 KB, 48-bit (level 0 start) stage 1 chain for VA 0: L0 0x1000 → L1 0x2000 → L2 0x3000 → L3 0x4000. */
function chain4k(m: Mem, leaf: bigint): void {
  m.set(0x1000n, 0x2000n | TABLE);
  m.set(0x2000n, 0x3000n | TABLE);
  m.set(0x3000n, 0x4000n | TABLE);
  m.set(0x4000n, leaf);
}

// --- helpers --------------------------------------------------------------------------------

test('Arm ARM D8.2 stage 1 starting level from TnSZ: 4 KB 48/39/30-bit → 0/1/2; 16 KB 48/47/36 → 0/1/2; 64 KB 52/48/42 → 1/1/2', () => {
  assert.equal(startLevelS1(4, 16), 0);
  assert.equal(startLevelS1(4, 24), 0, '40 bits: level 0 with 2 entries');
  assert.equal(startLevelS1(4, 25), 1);
  assert.equal(startLevelS1(4, 34), 2);
  assert.equal(startLevelS1(4, 43), 3, 'FEAT_TTST: 21 bits start at level 3');
  assert.equal(startLevelS1(16, 16), 0, '48 bits: level 0 with 2 entries');
  assert.equal(startLevelS1(16, 17), 1);
  assert.equal(startLevelS1(16, 28), 2);
  assert.equal(startLevelS1(64, 12), 1, '52 bits (FEAT_LPA): level 1 with 1024 entries');
  assert.equal(startLevelS1(64, 16), 1);
  assert.equal(startLevelS1(64, 22), 2);
  assert.equal(startLevelS1(64, 35), 3);
});

test('§3.4 item 1.b.ii: TnSZ below 16 (4 KB / 16 KB without DS) or 12 (64 KB) has no starting level', () => {
  assert.equal(startLevelS1(4, 15), undefined);
  assert.equal(startLevelS1(16, 12), undefined);
  assert.equal(startLevelS1(64, 11), undefined);
  assert.equal(startLevelS2(1, 4, 15), undefined);
});

test('§5.2 S2SL0 (VTCR_EL2.SL0 encoding): 4 KB 0/1/2 → level 2/1/0; 16 KB and 64 KB 0/1/2 → 3/2/1', () => {
  assert.equal(startLevelS2(0, 4, 34), 2);
  assert.equal(startLevelS2(1, 4, 24), 1);
  assert.equal(startLevelS2(2, 4, 16), 0);
  assert.equal(startLevelS2(0, 16, 39), 3);
  assert.equal(startLevelS2(1, 16, 28), 2);
  assert.equal(startLevelS2(2, 16, 17), 1);
  assert.equal(startLevelS2(0, 64, 36), 3);
  assert.equal(startLevelS2(1, 64, 22), 2);
  assert.equal(startLevelS2(2, 64, 16), 1);
});

test('§5.2 S2SL0: reserved encodings are ILLEGAL: 4 KB 3 without STT, 16 KB 3 (needs S2DS), 64 KB 3', () => {
  assert.equal(startLevelS2(3, 4, 40), undefined);
  assert.equal(startLevelS2(3, 4, 40, { stt: true }), 3, 'FEAT_TTST: 4 KB S2SL0 = 3 starts at level 3');
  assert.equal(startLevelS2(3, 16, 16), undefined);
  assert.equal(startLevelS2(3, 64, 16), undefined);
  assert.equal(startLevelS2(4, 4, 24), undefined);
});

test('§5.2 S2T0SZ vs S2SL0 (Arm ARM AArch64.S2InconsistentSL): the start level resolves 1..stride+4 bits (up to 16 concatenated tables)', () => {
  assert.equal(startLevelS2(0, 4, 24), undefined, '40 bits from level 2 would need 512 concatenated tables');
  assert.equal(startLevelS2(1, 4, 34), undefined, '30 bits leave nothing for level 1');
  assert.equal(startLevelS2(1, 4, 21), 1, '43 bits from level 1: 16 concatenated tables');
  assert.equal(startLevelS2(1, 4, 20), undefined, '44 bits from level 1: 32 tables');
  assert.equal(startLevelS2(0, 16, 35), 3, '29 bits from level 3: 16 tables of 2048');
  assert.equal(startLevelS2(0, 16, 34), undefined, '30 bits from level 3: 32 tables');
  assert.equal(startLevelS2(1, 64, 18), 2, '46 bits from level 2: 16 tables of 8192');
  assert.equal(startLevelS2(1, 64, 17), undefined, '47 bits need level 1');
});

test('§5.2 S2T0SZ range and Arm ARM AArch64.S2InvalidSL: checks that depend on STT, IAS and OAS apply when given', () => {
  assert.equal(startLevelS2(0, 4, 40), 2, 'no implementation facts: not checked');
  assert.equal(startLevelS2(0, 4, 40, { stt: false }), undefined, 'S2T0SZ > 39 needs SMMU_IDR3.STT');
  assert.equal(startLevelS2(0, 4, 40, { stt: true }), 2);
  assert.equal(startLevelS2(2, 4, 16, { ias: 44 }), undefined, 'S2T0SZ below 64 - IAS');
  assert.equal(startLevelS2(2, 4, 20, { oas: 40 }), undefined, '4 KB level 0 needs a 44-bit PA');
  assert.equal(startLevelS2(2, 4, 20, { oas: 44 }), 0);
  assert.equal(startLevelS2(2, 16, 24, { oas: 40 }), undefined, '16 KB level 1 needs a 42-bit PA');
  assert.equal(startLevelS2(2, 64, 16, { oas: 42 }), undefined, '64 KB level 1 needs a 44-bit PA');
  assert.equal(startLevelS2(2, 64, 16, { oas: 48 }), 1);
});

test('§5.4 TG0/TG1, §5.2 S2TG and S2PS / IPS encodings', () => {
  assert.deepEqual([0, 1, 2, 3].map(granuleFromTg0), [4, 64, 16, undefined]);
  assert.deepEqual([0, 1, 2, 3].map(granuleFromS2Tg), [4, 64, 16, undefined]);
  assert.deepEqual([0, 1, 2, 3].map(granuleFromTg1), [undefined, 16, 4, 64]);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map(ipsBits),
    [32, 36, 40, 42, 44, 48, 52, 56],
    '§5.4 IPS: 0b111 is 56 bits (capped by the OAS where used)',
  );
  assert.equal(psBits(5), 48);
});

test('§3.4.1 TTB selection: VA[55] chooses; [63:64-TnSZ] must match it; TBI leaves [63:56] unchecked', () => {
  assert.equal(selectTtb(0x0000_1234_5678_0000n, 16, 16, 0), 0);
  assert.equal(selectTtb(0x0000_ffff_ffff_ffffn, 16, 16, 0), 0, 'the §3.4.1 example: inside the 49-bit range');
  assert.equal(selectTtb(0xffff_0000_0000_0000n, 16, 16, 0), 1, 'the §3.4.1 example: inside');
  assert.equal(selectTtb(0x0001_0000_0000_0000n, 16, 16, 0), 'fault', 'the §3.4.1 example: outside');
  assert.equal(selectTtb(0xfffe_0000_0000_0000n, 16, 16, 0), 'fault', 'the §3.4.1 example: outside');
  assert.equal(selectTtb(0xab00_1234_0000_0000n, 16, 16, 0), 'fault');
  assert.equal(selectTtb(0xab00_1234_0000_0000n, 16, 16, 1), 0, 'TBI0');
  assert.equal(selectTtb(0x12ff_ff7f_0000_0000n, 16, 25, 2), 'fault', 'TBI1 but T1SZ 25: VA[54:39] must be ones');
  assert.equal(selectTtb(0x12ff_ff80_0000_0000n, 16, 25, 2), 1, 'TBI1 with a 39-bit TTB1 region');
  assert.equal(inputRangeOk(0xff_ffff_ffffn, 24), true);
  assert.equal(inputRangeOk(0x100_0000_0000n, 24), false);
});

// --- walks per granule and level ------------------------------------------------------------

test('Arm ARM D8.3 4 KB granule, 48-bit: a page at level 3 after four lookups; attributes returned', () => {
  const m = new Mem();
  const va = 0x12_3456_7000n;
  m.set(0x1000n + 8n * ((va >> 39n) & 511n), 0x2000n | TABLE);
  m.set(0x2000n + 8n * ((va >> 30n) & 511n), 0x3000n | TABLE);
  m.set(0x3000n + 8n * ((va >> 21n) & 511n), 0x4000n | TABLE);
  const leafAddr = 0x4000n + 8n * ((va >> 12n) & 511n);
  m.set(leafAddr, 0x8888_0000n | PAGE | RW_USER | (5n << 2n) | (3n << 8n) | (1n << 11n) | (1n << 52n));
  const r = ok(walk(s1(4, 16, 0x1000n), va + 0x123n, R, m));
  assert.equal(r.oa, 0x8888_0123n);
  assert.deepEqual([r.level, r.size, r.attrIndx, r.sh, r.nG, r.contiguous], [3, 4096n, 5, 3, true, true]);
  assert.deepEqual(
    r.steps.map((s) => [s.level, s.address]),
    [
      [0, 0x1000n + 8n * 0n],
      [1, 0x2000n + 8n * 72n],
      [2, 0x3000n + 8n * 418n],
      [3, leafAddr],
    ],
  );
  assert.equal(r.descriptorAddress, leafAddr);
  assert.deepEqual(r.perms, { r: true, w: true, x: true });
});

test('Arm ARM D8.3 4 KB granule: a 1 GB block at level 1 and a 2 MB block at level 2', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  m.set(0x2000n + 8n, 0x8000_0000n | BLOCK | RW_USER); // VA 0x4000_0000 → 1 GB block
  m.set(0x2000n + 16n, 0x3000n | TABLE);
  m.set(0x3000n + 8n * 3n, 0x1_0060_0000n | BLOCK | RW_USER); // VA 0x8060_0000 → 2 MB block
  const a = ok(walk(s1(4, 16, 0x1000n), 0x4123_4567n, R, m));
  assert.deepEqual([a.oa, a.level, a.size], [0x8123_4567n, 1, 1n << 30n]);
  const b = ok(walk(s1(4, 16, 0x1000n), 0x8061_2345n, R, m));
  assert.deepEqual([b.oa, b.level, b.size], [0x1_0061_2345n, 2, 1n << 21n]);
});

test('Arm ARM D8.3 block descriptor output bits below the block size are ignored (RES0)', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  m.set(0x2000n, 0x8000_0000n | 0x1234_5000n | BLOCK | RW_USER); // junk in [29:12]
  assert.equal(ok(walk(s1(4, 16, 0x1000n), 0x10n, R, m)).oa, 0x8000_0010n);
});

test('Arm ARM D8.2 4 KB granule, 39-bit VA (T0SZ 25): the walk starts at level 1', () => {
  const m = new Mem();
  const va = 0x40_0020_3000n; // bit 38 set: L1 index 256
  m.set(0x5000n + 8n * 256n, 0x6000n | TABLE);
  m.set(0x6000n + 8n * 1n, 0x7000n | TABLE);
  m.set(0x7000n + 8n * 3n, 0xabc_d000n | PAGE | RW_USER);
  const r = ok(walk(s1(4, 25, 0x5000n), va + 0x44n, R, m));
  assert.deepEqual([r.oa, r.level, r.steps.length, r.steps[0].level], [0xabc_d044n, 3, 3, 1]);
});

test('Arm ARM D8.3 16 KB granule, 47-bit VA: starts at level 1; a 32 MB block at level 2 and a 16 KB page at level 3', () => {
  const m = new Mem();
  const va = 0x2_0200_4000n;
  m.set(0x10000n + 8n * ((va >> 36n) & 2047n), 0x14000n | TABLE);
  m.set(0x14000n + 8n * ((va >> 25n) & 2047n), 0x18000n | TABLE);
  m.set(0x18000n + 8n * ((va >> 14n) & 2047n), 0x9000_0000n | PAGE | RW_USER);
  const r = ok(walk(s1(16, 17, 0x10000n), va + 5n, R, m));
  assert.deepEqual([r.oa, r.level, r.size, r.steps[0].level], [0x9000_0005n, 3, 16384n, 1]);
  m.set(0x14000n + 8n * ((va >> 25n) & 2047n), 0xa000_0000n | BLOCK | RW_USER);
  const b = ok(walk(s1(16, 17, 0x10000n), va, R, m));
  assert.deepEqual([b.level, b.size, b.oa], [2, 1n << 25n, 0xa000_0000n + (va & ((1n << 25n) - 1n))]);
});

test('Arm ARM D8.2 16 KB granule, 48-bit VA: level 0 has 2 entries; VA[47] picks the second', () => {
  const m = new Mem();
  const va = 0x8000_0000_0000n;
  m.set(0x10000n + 8n, 0x14000n | TABLE);
  m.set(0x14000n, 0x18000n | TABLE);
  m.set(0x18000n, 0x1c000n | TABLE);
  m.set(0x1c000n, 0x4000_0000n | PAGE | RW_USER);
  const r = ok(walk(s1(16, 16, 0x10000n), va + 0x10n, R, m));
  assert.deepEqual([r.oa, r.steps.length, r.steps[0].address], [0x4000_0010n, 4, 0x10008n]);
});

test('Arm ARM D8.3 16 KB granule: a block at level 1 is not allowed (without LPA2): translation fault at level 1', () => {
  const m = new Mem();
  m.set(0x10000n, 0x14000n | TABLE);
  m.set(0x14000n, 0x10_0000_0000n | BLOCK | RW_USER);
  assert.deepEqual(faultOf(walk(s1(16, 16, 0x10000n), 0n, R, m)), ['translation', 1, 1]);
});

test('Arm ARM D8.3 64 KB granule, 48-bit: starts at level 1; a 512 MB block at level 2 and a 64 KB page at level 3', () => {
  const m = new Mem();
  const va = 0x1_2345_0000n;
  m.set(0x10000n + 8n * ((va >> 42n) & 63n), 0x20000n | TABLE);
  m.set(0x20000n + 8n * ((va >> 29n) & 8191n), 0x30000n | TABLE);
  m.set(0x30000n + 8n * ((va >> 16n) & 8191n), 0x7_0000_0000n | PAGE | RW_USER);
  const r = ok(walk(s1(64, 16, 0x10000n), va + 0xabcdn, R, m));
  assert.deepEqual([r.oa, r.level, r.size, r.steps.length], [0x7_0000_abcdn, 3, 65536n, 3]);
  m.set(0x20000n + 8n * ((va >> 29n) & 8191n), 0x4000_0000n | BLOCK | RW_USER);
  const b = ok(walk(s1(64, 16, 0x10000n), va, R, m));
  assert.deepEqual([b.level, b.size, b.oa], [2, 1n << 29n, 0x4000_0000n + (va & ((1n << 29n) - 1n))]);
});

test('Arm ARM D8.2 64 KB granule, 42-bit VA (T0SZ 22): the walk starts at level 2', () => {
  const m = new Mem();
  const va = 0x200_0001_0000n; // bit 41: L2 index 4096, L3 index 1
  m.set(0x40000n + 8n * 4096n, 0x50000n | TABLE);
  m.set(0x50000n + 8n, 0x6_0000_0000n | PAGE | RW_USER);
  const r = ok(walk(s1(64, 22, 0x40000n), va + 7n, R, m));
  assert.deepEqual([r.oa, r.steps.length, r.steps[0].level], [0x6_0000_0007n, 2, 2]);
});

test('Arm ARM D8.3 64 KB granule: a level 1 block (4 TB) needs a 52-bit PA (FEAT_LPA); otherwise translation fault at level 1', () => {
  const m = new Mem();
  m.set(0x10000n, 0x400_0000_0000n | BLOCK | RW_USER);
  assert.deepEqual(faultOf(walk(s1(64, 16, 0x10000n), 0x1234n, R, m)), ['translation', 1, 1]);
  const r = ok(walk(s1(64, 16, 0x10000n, { outputBits: 52 }), 0x1234n, R, m));
  assert.deepEqual([r.oa, r.level, r.size], [0x400_0000_1234n, 1, 1n << 42n]);
  ok(walk(s1(64, 16, 0x10000n, { lpa: true }), 0x1234n, R, m), '52-bit PA implemented, IPS 48');
});

test('Arm ARM D8.3 / §5.4 IPS: 64 KB granule with a 52-bit output takes OA[51:48] from descriptor bits [15:12]', () => {
  const m = new Mem();
  // Table at 0x5_0000_0002_0000 (bits [15:12] = 5), page at 0xa_0000_0123_0000.
  m.set(0x10000n, 0x0000_0002_0000n | 0x5000n | TABLE);
  m.set(0x5_0000_0002_0000n + 8n * 0n, (0x5_0000_0003_0000n & 0xffff_ffff_ffffn) | 0x5000n | TABLE); // L2 → L3 table
  m.set(0x5_0000_0003_0000n, 0x0000_0123_0000n | 0xa000n | PAGE | RW_USER);
  const r = ok(walk(s1(64, 12, 0x10000n, { outputBits: 52 }), 0x42n, R, m));
  assert.equal(r.oa, 0xa_0000_0123_0042n);
  assert.deepEqual(
    r.steps.map((s) => s.address),
    [0x10000n, 0x5_0000_0002_0000n, 0x5_0000_0003_0000n],
  );
});

test('§5.4 IPS / Arm ARM D8.3: descriptor bits [15:12] are OA[51:48] only with a 52-bit output size; else RES0 and ignored', () => {
  const m = new Mem();
  m.set(0x10000n, 0x20000n | TABLE);
  m.set(0x20000n, 0x30000n | TABLE);
  m.set(0x30000n, 0x4000_0000n | 0x1000n | PAGE | RW_USER); // bits [15:12] = 1
  assert.equal(ok(walk(s1(64, 16, 0x10000n, { lpa: true }), 0n, R, m)).oa, 0x4000_0000n, '52-bit PA, IPS 48');
  assert.equal(ok(walk(s1(64, 16, 0x10000n, { outputBits: 52 }), 0n, R, m)).oa, 0x1_0000_4000_0000n, 'IPS 52');
});

test('§5.4 TTB0: with a 52-bit output the start table is at least 64-byte aligned; otherwise aligned to its size', () => {
  const m = new Mem();
  // 64 KB, T0SZ 35 (29 bits): level 3 start with 8192 entries → 64 KB aligned: TTB bits [15:0] ignored.
  m.set(0x30000n + 8n * 2n, 0x7_0000_0000n | PAGE | RW_USER);
  assert.equal(ok(walk(s1(64, 35, 0x3_1230n), 0x2_0009n, R, m)).oa, 0x7_0000_0009n);
  // 4 KB, T0SZ 24 (40 bits): level 0 table of 2 entries (16 bytes); with 52-bit output 64-byte aligned.
  m.set(0x1018n, 0x2000n | TABLE);
  m.set(0x1008n, 0x2000n | TABLE);
  m.set(0x2000n, 0x3000_0000n | BLOCK | RW_USER);
  assert.equal(
    ok(walk(s1(4, 24, 0x1010n), 0x80_0000_0005n, R, m)).steps[0].address,
    0x1018n,
    '16-byte alignment: base 0x1010',
  );
  assert.equal(
    ok(walk(s1(4, 24, 0x1030n, { outputBits: 52 }), 0x80_0000_0005n, R, m)).steps[0].address,
    0x1008n,
    '64-byte alignment: base 0x1000',
  );
});

// --- translation faults ---------------------------------------------------------------------

test('§7.3.13 / Arm ARM D8.3 translation fault on an invalid descriptor, reported at its level (0, 1, 2, 3)', () => {
  const m = new Mem();
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x1000n, R, m)), ['translation', 0, 1]);
  m.set(0x1000n, 0x2000n | TABLE);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x1000n, R, m)), ['translation', 1, 1]);
  m.set(0x2000n, 0x3000n | TABLE);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x1000n, R, m)), ['translation', 2, 1]);
  m.set(0x3000n, 0x4000n | TABLE);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x1000n, R, m)), ['translation', 3, 1]);
  m.set(0x4008n, 0x5000n | 2n | RW_USER); // bit 0 clear: invalid whatever the other bits
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x1000n, R, m)), ['translation', 3, 1]);
});

test('Arm ARM D8.3 bits[1:0] = 0b01 at level 3 are reserved: translation fault at level 3', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | BLOCK | RW_USER);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, R, m)), ['translation', 3, 1]);
});

test('Arm ARM D8.3 4 KB granule: a block at level 0 is not allowed (without LPA2): translation fault at level 0', () => {
  const m = new Mem();
  m.set(0x1000n, 0x80_0000_0000n | BLOCK | RW_USER);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, R, m)), ['translation', 0, 1]);
});

test('§3.4 check 1 / §7.3.22 item 1: a stage 1 VA outside the TnSZ range is a translation fault (level 0) before any fetch', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | RW_USER);
  assert.deepEqual(
    faultOf(walk(s1(4, 25, 0x1000n), 0x80_0000_0000n, R, m)),
    ['translation', 0, 1],
    'bit 39 set with a 39-bit TTB0',
  );
  assert.deepEqual(
    faultOf(walk(s1(4, 16, 0x1000n), 0xff00_0000_0000_0000n, R, m)),
    ['translation', 0, 1],
    'not sign-extended',
  );
  ok(walk(s1(4, 16, 0x1000n, { tbi: true }), 0xab00_0000_0000_0000n, R, m), 'TBI: VA[63:56] ignored');
  ok(walk(s1(4, 16, 0x1000n), 0xffff_0000_0000_0000n, R, m), 'TTB1 VA: sign-extended ones, indexed by [47:0]');
});

test('§3.4 stage 2 check 1: an IPA beyond S2T0SZ is a stage 2 translation fault (level 0) carrying the IPA', () => {
  const m = new Mem();
  const f = failed(walk(s2(4, 24, 1, 0x10000n), 1n << 41n, R, m));
  assert.deepEqual([f.kind, f.level, f.stage, f.ipa], ['translation', 0, 2, 1n << 41n]);
});

test('Arm ARM D8.2 a starting level that cannot resolve the input size is a translation fault at level 0', () => {
  const m = new Mem();
  assert.deepEqual(faultOf(walk(s2(4, 24, 2, 0x10000n), 0n, R, m)), ['translation', 0, 2]);
  assert.deepEqual(
    faultOf(walk(s1(4, 16, 0x1000n, { startLevel: 1 }), 0n, R, m)),
    ['translation', 0, 1],
    'stage 1 cannot concatenate',
  );
  assert.deepEqual(
    faultOf(walk(s1(64, 16, 0x1000n, { startLevel: 0 }), 0n, R, m)),
    ['translation', 0, 1],
    '64 KB has no level 0',
  );
});

// --- address size faults --------------------------------------------------------------------

test('§3.4 check 2 / §7.3.14: a leaf output beyond the IPS is a stage 1 Address size fault at the leaf level', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  m.set(0x2000n, 0x100_0000_0000n | BLOCK | RW_USER); // 1 TB: beyond 40 bits
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { outputBits: 40 }), 0n, R, m)), ['addressSize', 1, 1]);
  ok(walk(s1(4, 16, 0x1000n, { outputBits: 44 }), 0n, R, m));
  chain4k(m, 0x1_0000_0000n | PAGE | RW_USER);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { outputBits: 32 }), 0n, R, m)), ['addressSize', 3, 1]);
});

test("§3.4.3 / §7.3.14: a table descriptor pointing beyond the output size is an Address size fault at that table's level", () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  m.set(0x2000n, 0x200_0000_0000n | TABLE);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { outputBits: 40 }), 0n, R, m)), ['addressSize', 1, 1]);
  m.set(0x1000n, 0x10_0000_0000n | TABLE);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { outputBits: 36 }), 0n, R, m)), ['addressSize', 0, 1]);
});

test('§3.4.3 / §7.3.14: a TTB beyond the output size (C_BAD_CD / C_BAD_STE in the SMMU) is an Address size fault at level 0 if walked', () => {
  const m = new Mem();
  const f = failed(walk(s2(4, 24, 1, 0x100_0000_0000n, { outputBits: 40 }), 0n, R, m));
  assert.deepEqual([f.kind, f.level, f.stage], ['addressSize', 0, 2]);
  assert.match(f.message, /C_BAD_STE/);
});

test('§5.2 S2PS: a stage 2 output beyond the effective S2PS is a stage 2 Address size fault with the IPA', () => {
  const m = new Mem();
  m.set(0x10000n + 8n, 0x1_0000_0000n | BLOCK | S2RW); // IPA 0x4000_0000 → PA 4 GB
  const f = failed(walk(s2(4, 24, 1, 0x10000n, { outputBits: 32 }), 0x4000_0010n, R, m));
  assert.deepEqual([f.kind, f.level, f.stage, f.ipa], ['addressSize', 1, 2, 0x4000_0010n]);
});

// --- external abort -------------------------------------------------------------------------

test('§7.3.12 an external abort on a descriptor read is F_WALK_EABT at that level with the fetch PA', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  m.aborts.add(0x2000n);
  const f = failed(walk(s1(4, 16, 0x1000n), 0n, R, m));
  assert.deepEqual([f.kind, f.level, f.stage, f.fetchAddr], ['walkEabt', 1, 1, 0x2000n]);
});

test('§7.3.12 an external abort on a hardware descriptor update ("or updating") is F_WALK_EABT', () => {
  const m = new Mem();
  const aborting: WalkMemory = { read64: (pa) => m.read64(pa), write64: () => 'abort' };
  chain4k(m, 0x5000n | PAGE | AP1);
  const f = failed(walk(s1(4, 16, 0x1000n, { ha: true }), 0n, R, aborting));
  assert.deepEqual([f.kind, f.level, f.fetchAddr], ['walkEabt', 3, 0x4000n]);
});

// --- Access flag ----------------------------------------------------------------------------

test('§3.13.1 / §7.3.15 AF == 0 with HA == 0 and AFFD == 0 is F_ACCESS at the leaf level', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  m.set(0x2000n, 0x4000_0000n | BLOCK | AP1); // block, AF = 0
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x10n, R, m)), ['accessFlag', 1, 1]);
  chain4k(m, 0x5000n | PAGE | AP1);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, R, m)), ['accessFlag', 3, 1]);
});

test('§5.4 AFFD: AF is considered 1, no fault and no descriptor write', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AP1);
  const r = ok(walk(s1(4, 16, 0x1000n, { affd: true }), 0n, R, m));
  assert.equal(r.oa, 0x5000n);
  assert.equal(m.writes.length, 0);
  assert.equal(r.steps[3].written, undefined);
});

test('§3.13.2 HA: the SMMU sets AF == 1 in the descriptor instead of faulting (AFFD is IGNORED)', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AP1);
  const r = ok(walk(s1(4, 16, 0x1000n, { ha: true, affd: true }), 0n, R, m));
  assert.deepEqual(m.writes, [[0x4000n, 0x5000n | PAGE | AP1 | AF]]);
  assert.equal(r.descriptor, 0x5000n | PAGE | AP1 | AF);
  assert.equal(r.steps[3].descriptor, 0x5000n | PAGE | AP1, 'the step shows what was read');
  assert.equal(r.steps[3].written, 0x5000n | PAGE | AP1 | AF);
  ok(walk(s1(4, 16, 0x1000n, { ha: true }), 0n, R, m));
  assert.equal(m.writes.length, 1, 'AF already 1: no second update');
});

test('§3.13.1 an Access flag fault takes priority over a Permission fault', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AP1 | AP2); // read-only, AF = 0
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, W, m)), ['accessFlag', 3, 1]);
});

test('§3.13.2: with HA a transaction that then takes a Permission fault leaves AF as it was (UNKNOWN in the spec; not updated here)', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AP1 | AP2);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { ha: true }), 0n, W, m)), ['permission', 3, 1]);
  assert.equal(m.writes.length, 0);
});

test('§5.2 S2AFFD / S2HA: stage 2 Access flag fault with the IPA; S2AFFD suppresses it; S2HA sets AF', () => {
  const m = new Mem();
  m.set(0x10000n + 8n, 0x8000_0000n | BLOCK | AP1 | AP2); // IPA 1 GB → PA 2 GB, AF = 0
  const f = failed(walk(s2(4, 24, 1, 0x10000n), 0x4000_0000n, R, m));
  assert.deepEqual([f.kind, f.level, f.stage, f.ipa], ['accessFlag', 1, 2, 0x4000_0000n]);
  ok(walk(s2(4, 24, 1, 0x10000n, { affd: true }), 0x4000_0000n, R, m));
  assert.equal(m.writes.length, 0);
  ok(walk(s2(4, 24, 1, 0x10000n, { ha: true }), 0x4000_0000n, R, m));
  assert.equal(m.get(0x10008n) & AF, AF);
});

// --- dirty state ----------------------------------------------------------------------------

test('§3.13.3.1 HD: a write to a writable-clean page (DBM = 1, AP[2] = 1) clears AP[2] in memory and proceeds', () => {
  const m = new Mem();
  const clean = 0x5000n | PAGE | AF | AP1 | AP2 | DBM;
  chain4k(m, clean);
  assert.deepEqual(
    faultOf(walk(s1(4, 16, 0x1000n), 0n, W, m)),
    ['permission', 3, 1],
    'without HD a writable-clean page is read-only',
  );
  ok(walk(s1(4, 16, 0x1000n, { ha: true, hd: true }), 0n, R, m));
  assert.equal(m.writes.length, 0, 'a read does not dirty the page');
  const r = ok(walk(s1(4, 16, 0x1000n, { ha: true, hd: true }), 0n, W, m));
  assert.equal(m.get(0x4000n), clean & ~AP2);
  assert.equal(r.perms.w, true);
});

test('§3.13.3.1 HD: a read-only page without DBM still faults; DBM is never changed', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AF | AP1 | AP2);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { ha: true, hd: true }), 0n, W, m)), ['permission', 3, 1]);
  assert.equal(m.writes.length, 0);
});

test('§5.4 HA: {HD, HA} = {1, 0} behaves as HTTU disabled: no dirty update', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AF | AP1 | AP2 | DBM);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { hd: true }), 0n, W, m)), ['permission', 3, 1]);
  assert.equal(m.writes.length, 0);
});

test('§3.13.3.1 HD does not apply when APTable, or missing EL0 access, makes the page non-writable: fault, nothing written', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AF | AP1 | AP2 | DBM);
  m.set(0x3000n, 0x4000n | TABLE | (1n << 62n)); // APTable[1]: no writes below
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { ha: true, hd: true }), 0n, W, m)), ['permission', 3, 1]);
  m.set(0x3000n, 0x4000n | TABLE);
  m.set(0x4000n, 0x5000n | PAGE | AF | AP2 | DBM); // privileged read-only, writable-clean
  assert.deepEqual(
    faultOf(walk(s1(4, 16, 0x1000n, { ha: true, hd: true }), 0n, W, m)),
    ['permission', 3, 1],
    'no EL0 access',
  );
  assert.equal(m.writes.length, 0);
  ok(walk(s1(4, 16, 0x1000n, { ha: true, hd: true }), 0n, PW, m));
  assert.equal(m.get(0x4000n) & AP2, 0n, 'a privileged write dirties it');
});

test('§3.13.2 a dirty update of a descriptor with AF == 0 sets AF in the same (single) write', () => {
  const m = new Mem();
  const clean = 0x5000n | PAGE | AP1 | AP2 | DBM;
  chain4k(m, clean);
  ok(walk(s1(4, 16, 0x1000n, { ha: true, hd: true }), 0n, W, m));
  assert.deepEqual(m.writes, [[0x4000n, (clean | AF) & ~AP2]]);
});

test('§3.13.3.1 stage 2 HD: a write to S2AP[1] = 0 with DBM sets S2AP[1]; the SMMU never clears it', () => {
  const m = new Mem();
  const clean = 0x8000_0000n | BLOCK | AF | AP1 | DBM; // read-only, writable-clean
  m.set(0x10000n + 8n, clean);
  const p = s2(4, 24, 1, 0x10000n);
  const f = failed(walk(p, 0x4000_0000n, W, m));
  assert.deepEqual([f.kind, f.stage, f.ipa], ['permission', 2, 0x4000_0000n]);
  ok(walk({ ...p, ha: true, hd: true }, 0x4000_0000n, W, m));
  assert.equal(m.get(0x10008n), clean | AP2);
  ok(walk({ ...p, ha: true, hd: true }, 0x4000_0000n, W, m));
  assert.equal(m.writes.length, 1);
});

// --- stage 1 permissions --------------------------------------------------------------------

test('Arm ARM D8.4 AP[2:1]: 00 privileged RW; 01 RW at both; 10 privileged RO; 11 RO at both', () => {
  const m = new Mem();
  const cases: [bigint, string][] = [
    [0n, 'pr pw'],
    [AP1, 'pr pw ur uw'],
    [AP2, 'pr'],
    [AP1 | AP2, 'pr ur'],
  ];
  for (const [ap, want] of cases) {
    chain4k(m, 0x5000n | PAGE | AF | ap | UXN | PXN);
    const got = [
      walk(s1(4, 16, 0x1000n), 0n, PR, m).ok ? 'pr' : '',
      walk(s1(4, 16, 0x1000n), 0n, PW, m).ok ? 'pw' : '',
      walk(s1(4, 16, 0x1000n), 0n, R, m).ok ? 'ur' : '',
      walk(s1(4, 16, 0x1000n), 0n, W, m).ok ? 'uw' : '',
    ]
      .filter(Boolean)
      .join(' ');
    assert.equal(got, want, `AP = ${ap >> 6n}`);
  }
});

test('Arm ARM D8.4 UXN / PXN; EL0-writable memory is never privileged-executable', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AF | AP1 | AP2 | UXN);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, X, m)), ['permission', 3, 1]);
  ok(walk(s1(4, 16, 0x1000n), 0n, PX, m));
  chain4k(m, 0x5000n | PAGE | AF | AP1 | AP2 | PXN);
  ok(walk(s1(4, 16, 0x1000n), 0n, X, m));
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, PX, m)), ['permission', 3, 1]);
  chain4k(m, 0x5000n | PAGE | AF | AP1); // EL0 read-write
  ok(walk(s1(4, 16, 0x1000n), 0n, X, m));
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, PX, m)), ['permission', 3, 1]);
});

test('§13.7 / Arm ARM D8.4 execute-only: an instruction fetch needs execute permission, not read (AP = 00, UXN = 0 at EL0)', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AF | PXN); // privileged-only data, EL0 executable
  ok(walk(s1(4, 16, 0x1000n), 0n, X, m));
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, R, m)), ['permission', 3, 1]);
});

test('§5.4 WXN: writable at the accessing privilege is execute-never', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AF | AP1);
  ok(walk(s1(4, 16, 0x1000n), 0n, X, m));
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { wxn: true }), 0n, X, m)), ['permission', 3, 1]);
  chain4k(m, 0x5000n | PAGE | AF); // privileged RW, executable at both (XO at EL0): not EL0-writable
  ok(walk(s1(4, 16, 0x1000n), 0n, PX, m));
  ok(walk(s1(4, 16, 0x1000n, { wxn: true }), 0n, X, m), 'EL0 fetch: the page is not EL0-writable');
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { wxn: true }), 0n, PX, m)), ['permission', 3, 1]);
  chain4k(m, 0x5000n | PAGE | AF | AP2 | UXN); // privileged read-only: WXN does not apply
  ok(walk(s1(4, 16, 0x1000n, { wxn: true }), 0n, PX, m));
});

test('§5.4 UWXN is IGNORED for VMSAv8-64 CDs', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AF | AP1 | AP2);
  ok(walk(s1(4, 16, 0x1000n, { uwxn: true }), 0n, PX, m));
});

test('Arm ARM D8.4.2 hierarchical APTable / UXNTable / PXNTable from any table level; CD.HADx ignores them', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | RW_USER);
  m.set(0x1000n, 0x2000n | TABLE | (1n << 62n)); // APTable[1] at level 0: read-only below
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, PW, m)), ['permission', 3, 1]);
  ok(walk(s1(4, 16, 0x1000n), 0n, R, m));
  ok(walk(s1(4, 16, 0x1000n, { had: true }), 0n, PW, m), 'HAD: APTable ignored');
  m.set(0x1000n, 0x2000n | TABLE);
  m.set(0x2000n, 0x3000n | TABLE | (1n << 61n)); // APTable[0] at level 1: no EL0 access
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, R, m)), ['permission', 3, 1]);
  ok(walk(s1(4, 16, 0x1000n), 0n, PW, m));
  m.set(0x2000n, 0x3000n | TABLE);
  m.set(0x3000n, 0x4000n | TABLE | (1n << 60n)); // UXNTable at level 2
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, X, m)), ['permission', 3, 1]);
  m.set(0x3000n, 0x4000n | TABLE | (1n << 59n)); // PXNTable
  chain4k(m, 0x5000n | PAGE | AF | AP1 | AP2);
  m.set(0x3000n, 0x4000n | TABLE | (1n << 59n));
  ok(walk(s1(4, 16, 0x1000n), 0n, X, m));
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, PX, m)), ['permission', 3, 1]);
});

test('§5.4 PAN: privileged data accesses to EL0-accessible pages fault; fetches do not; EPAN adds EL0-executable pages', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AF | AP1 | AP2 | PXN);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { pan: true }), 0n, PR, m)), ['permission', 3, 1]);
  ok(walk(s1(4, 16, 0x1000n, { pan: true }), 0n, R, m), 'unprivileged access unaffected');
  chain4k(m, 0x5000n | PAGE | AF | AP1 | AP2);
  const fetch = ok(walk(s1(4, 16, 0x1000n, { pan: true }), 0n, PX, m), 'instruction fetch unaffected');
  assert.deepEqual(fetch.perms, { r: false, w: false, x: true }, 'the reported data permissions still show PAN');
  chain4k(m, 0x5000n | PAGE | AF | PXN); // privileged-only data, EL0 executable
  ok(walk(s1(4, 16, 0x1000n, { pan: true }), 0n, PR, m));
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { pan: true, epan: true }), 0n, PR, m)), ['permission', 3, 1]);
});

test('§13.1.1 an atomic (read and write) needs both permissions', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AF | AP1 | AP2);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, { read: true, write: true, exec: false, priv: false }, m)), [
    'permission',
    3,
    1,
  ]);
});

test('Arm ARM D8.4 one privilege level (StreamWorld EL2 / EL3): AP[1] ignored; XN is bit 54', () => {
  const m = new Mem();
  chain4k(m, 0x5000n | PAGE | AF | PXN); // AP = 00
  const p = s1(4, 16, 0x1000n, { singlePrivilege: true });
  ok(walk(p, 0n, PW, m));
  ok(walk(p, 0n, PX, m), 'bit 53 is not PXN here');
  chain4k(m, 0x5000n | PAGE | AF | AP2 | UXN);
  assert.deepEqual(faultOf(walk(p, 0n, PW, m)), ['permission', 3, 1]);
  assert.deepEqual(faultOf(walk(p, 0n, PX, m)), ['permission', 3, 1]);
});

// --- stage 2 --------------------------------------------------------------------------------

test('Arm ARM D8.4.3 S2AP[1:0]: bit 6 read, bit 7 write; the fault carries the IPA', () => {
  const m = new Mem();
  const p = s2(4, 24, 1, 0x10000n);
  m.set(0x10000n + 8n, 0x20000n | TABLE); // IPA 0x4000_0000
  const cases: [bigint, boolean, boolean][] = [
    [0n, false, false],
    [AP1, true, false],
    [AP2, false, true],
    [AP1 | AP2, true, true],
  ];
  for (const [s2ap, rd, wr] of cases) {
    m.set(0x20000n, 0x8000_0000n | BLOCK | AF | s2ap);
    assert.equal(walk(p, 0x4000_1000n, R, m).ok, rd, `S2AP ${s2ap >> 6n} read`);
    assert.equal(walk(p, 0x4000_1000n, W, m).ok, wr, `S2AP ${s2ap >> 6n} write`);
  }
  m.set(0x20000n, 0x8000_0000n | BLOCK | AF | AP1);
  const f = failed(walk(p, 0x4000_1000n, W, m));
  assert.deepEqual([f.kind, f.level, f.stage, f.ipa], ['permission', 2, 2, 0x4000_1000n]);
});

test('Arm ARM D8.4.3 stage 2 XN: bit 54 without XNX; XN[1:0] with SMMU_IDR3.XNX', () => {
  const m = new Mem();
  const p = s2(4, 24, 1, 0x10000n);
  const leaf = (xn: bigint) => m.set(0x10000n, 0x8000_0000n | BLOCK | S2RW | (xn << 53n));
  leaf(2n);
  assert.equal(walk(p, 0n, X, m).ok, false);
  leaf(1n);
  assert.equal(walk(p, 0n, PX, m).ok, true, 'without XNX bit 53 is RES0');
  const expect: [bigint, boolean, boolean][] = [
    [0n, true, true],
    [1n, false, true],
    [2n, false, false],
    [3n, true, false],
  ];
  for (const [xn, el1, el0] of expect) {
    leaf(xn);
    assert.equal(walk({ ...p, xnx: true }, 0n, PX, m).ok, el1, `XN ${xn} EL1`);
    assert.equal(walk({ ...p, xnx: true }, 0n, X, m).ok, el0, `XN ${xn} EL0`);
  }
});

test('Arm ARM D8.3 stage 2 leaf attributes: MemAttr[3:0] and SH', () => {
  const m = new Mem();
  m.set(0x10000n, 0x8000_0000n | BLOCK | S2RW | (0xfn << 2n) | (2n << 8n));
  const r = ok(walk(s2(4, 24, 1, 0x10000n), 0n, R, m));
  assert.deepEqual([r.attrIndx, r.sh, r.nG], [15, 2, false]);
});

test('Arm ARM D8.2 stage 2 concatenated start tables: 40-bit IPA from level 1 is two 4 KB tables (8 KB aligned)', () => {
  const m = new Mem();
  // IPA bit 39 selects entry 512, in the second concatenated table. S2TTB bits [12:0] are ignored.
  m.set(0x10000n + 8n * 512n, 0x20000n | TABLE);
  m.set(0x20000n + 8n * 1n, 0x9000_0000n | BLOCK | S2RW);
  const r = ok(walk(s2(4, 24, 1, 0x11ff0n), 0x80_0020_0000n + 0x33n, R, m));
  assert.deepEqual([r.oa, r.level, r.steps[0].address], [0x9000_0033n, 2, 0x11000n]);
});

test('§5.2 S2SL0 with 16 KB: S2SL0 = 0 starts at level 3 (a one-lookup walk), 16 concatenated tables at most', () => {
  const sl = startLevelS2(0, 16, 35);
  assert.equal(sl, 3);
  const m = new Mem();
  const ipa = 0x1fff_c000n; // 29 bits: the last entry (0x7fff) of 16 concatenated tables
  m.set(0x100000n + 8n * 0x7fffn, 0x7_0000_0000n | PAGE | S2RW);
  const r = ok(walk(s2(16, 35, sl!, 0x100000n), ipa + 9n, R, m));
  assert.deepEqual([r.oa, r.level, r.steps.length], [0x7_0000_0009n, 3, 1]);
});

test('§5.2 S2SL0 with 64 KB: S2SL0 = 2 starts at level 1 for a 48-bit IPA', () => {
  const sl = startLevelS2(2, 64, 16);
  assert.equal(sl, 1);
  const m = new Mem();
  m.set(0x10000n + 8n * 63n, 0x20000n | TABLE);
  m.set(0x20000n + 8n * 8191n, (0x1230_0000_0000n & ~((1n << 29n) - 1n)) | BLOCK | S2RW);
  const r = ok(walk(s2(64, 16, sl!, 0x10000n), 0xffff_ffff_fff0n, R, m));
  assert.deepEqual([r.level, r.size, r.oa], [2, 1n << 29n, 0x1230_0000_0000n + 0x1fff_fff0n]);
});

// --- nested ---------------------------------------------------------------------------------

/**
 * A nested setup: stage 2 maps IPA [0, 1 GB) to PA [4 GB, 5 GB) with one level 1 block; the stage 1
 * tables live at IPAs 0x1000.. (PAs 0x1_0000_1000..). tableAddress runs the stage 2 walk.
 */
function nested(s2ap: bigint = AP1 | AP2) {
  const m = new Mem();
  const s2p = s2(4, 24, 1, 0x100_0000n, { outputBits: 40 });
  m.set(0x100_0000n, 0x1_0000_0000n | BLOCK | AF | s2ap);
  // Stage 2 reads the same memory but has no tableAddress of its own.
  const phys: WalkMemory = { read64: (pa) => m.read64(pa), write64: (pa, v) => m.write64(pa, v) };
  m.tableAddress = (ipa, write) => {
    const r = walk(s2p, ipa, { read: !write, write: !!write, exec: false, priv: true }, phys);
    return r.ok ? r.oa : r;
  };
  return m;
}

test('§3.13.5 / §7.3.22 item 2 nested: stage 1 descriptor IPAs are translated by stage 2 before the fetch; the result is an IPA', () => {
  const m = nested();
  m.set(0x1_0000_1000n, 0x2000n | TABLE);
  m.set(0x1_0000_2000n, 0x4000_0000n | BLOCK | RW_USER);
  const r = ok(walk(s1(4, 16, 0x1000n), 0x55n, R, m));
  assert.equal(r.oa, 0x4000_0055n, 'stage 1 output (an IPA)');
  assert.deepEqual(
    r.steps.map((s) => s.address),
    [0x1_0000_1000n, 0x1_0000_2000n],
    'steps record PAs',
  );
});

test('§7.3.13 nested: a stage 2 fault on a stage 1 table access is a stage 2 fault (CLASS TT) with the descriptor IPA', () => {
  const m = nested();
  m.set(0x1_0000_1000n, 0x4000_0000n | TABLE); // the level 1 table at IPA 1 GB: unmapped at stage 2
  const f = failed(walk(s1(4, 16, 0x1000n), 0x55n, R, m));
  assert.deepEqual([f.kind, f.stage, f.level, f.s2OnS1Walk, f.ipa], ['translation', 2, 1, true, 0x4000_0000n]);
});

test('§7.3.22 item 2.a nested: a stage 1 table IPA beyond S2T0SZ is a stage 2 translation fault (level 0), CLASS TT', () => {
  const m = nested();
  m.set(0x1_0000_1000n, 0x100_0000_0000n | TABLE); // IPA 1 TB: beyond the 40-bit stage 2 input
  const f = failed(walk(s1(4, 16, 0x1000n), 0x55n, R, m));
  assert.deepEqual([f.kind, f.stage, f.level, f.s2OnS1Walk, f.ipa], ['translation', 2, 0, true, 0x100_0000_0000n]);
});

test('§3.13.5 / §7.3.16 TTRnW nested: a stage 1 Access flag update needs stage 2 write permission; else a stage 2 fault on the walk write', () => {
  const m = nested(AP1); // stage 2 read-only
  m.set(0x1_0000_1000n, 0x2000n | TABLE);
  m.set(0x1_0000_2000n, 0x4000_0000n | BLOCK | AP1); // AF = 0
  const f = failed(walk(s1(4, 16, 0x1000n, { ha: true }), 0x55n, R, m));
  assert.deepEqual([f.kind, f.stage, f.s2OnS1Walk, f.s1WalkWrite, f.ipa], ['permission', 2, true, true, 0x2000n]);
  assert.equal(m.writes.length, 0);
  const rw = nested();
  rw.set(0x1_0000_1000n, 0x2000n | TABLE);
  rw.set(0x1_0000_2000n, 0x4000_0000n | BLOCK | AP1);
  ok(walk(s1(4, 16, 0x1000n, { ha: true }), 0x55n, R, rw));
  assert.deepEqual(rw.writes, [[0x1_0000_2000n, 0x4000_0000n | BLOCK | AP1 | AF]]);
});

// --- FEAT_LPA2: 52-bit addresses with the 4 KB and 16 KB granules (CD.DS, STE.S2DS) ------------

const DS_SH = 2; // CD.SHx / STE.S2SH0 = Outer Shareable: the leaf's Shareability with DS = 1
/** A stage 1 walk with CD.DS = 1 and a 52-bit output (IPS 0b110). */
function s1ds(granule: Granule, tsz: number, ttb: bigint, extra: Partial<WalkParams> = {}): WalkParams {
  return s1(granule, tsz, ttb, { ds: true, dsSh: DS_SH, outputBits: 52, ...extra });
}
/** A descriptor's output address in the LPA2 format: OA[49:12] in place, OA[51:50] in bits [9:8]. */
const lpa2 = (oa: bigint): bigint => (oa & 0x0003_ffff_ffff_f000n) | (((oa >> 50n) & 3n) << 8n);

test('§5.4 DS / Arm ARM D8.2 (FEAT_LPA2): TnSZ down to 12 with 4 KB (start level -1) and 16 KB (start level 0)', () => {
  assert.equal(startLevelS1(4, 12, true), -1, '52 bits, 4 KB: level -1 resolves VA[51:48]');
  assert.equal(startLevelS1(4, 15, true), -1, '49 bits: level -1 with 2 entries');
  assert.equal(startLevelS1(4, 16, true), 0, '48 bits: level 0 as without DS');
  assert.equal(startLevelS1(16, 12, true), 0, '52 bits, 16 KB: level 0 resolves VA[51:47]');
  assert.equal(startLevelS1(16, 16, true), 0);
  assert.equal(startLevelS1(4, 11, true), undefined);
  assert.equal(startLevelS1(4, 12), undefined, 'without DS');
  assert.equal(startLevelS1(16, 12), undefined, 'without DS');
  assert.equal(startLevelS1(64, 12, true), 1, 'DS has no effect with 64 KB');
});

test('§5.2 S2SL0 / S2SL0_2 with S2DS (VTCR_EL2.{SL2, SL0}): 4 KB 0b100 → level -1; 16 KB 0b11 → level 0; others reserved', () => {
  assert.equal(startLevelS2(0, 4, 12, { ds: true, sl2: 1 }), -1);
  assert.equal(startLevelS2(0, 4, 12, { ds: true, sl2: 1, oas: 48 }), undefined, 'level -1 needs a 52-bit PA');
  assert.equal(startLevelS2(1, 4, 12, { ds: true, sl2: 1 }), undefined, '0b101 is reserved');
  assert.equal(startLevelS2(0, 4, 12, { sl2: 1 }), undefined, 'without S2DS S2SL0_2 is RES0: 0b00 is level 2');
  assert.equal(startLevelS2(2, 4, 12, { ds: true }), 0, '52-bit IPA from level 0: 16 concatenated tables');
  assert.equal(startLevelS2(2, 4, 12), undefined, 'S2T0SZ 12 needs S2DS with 4 KB');
  assert.equal(startLevelS2(3, 16, 12, { ds: true }), 0);
  assert.equal(startLevelS2(3, 16, 12, { ds: true, oas: 48 }), undefined, '16 KB level 0 needs a 52-bit PA');
  assert.equal(startLevelS2(3, 16, 12), undefined, 'without S2DS 16 KB S2SL0 = 3 is reserved');
});

test('Arm ARM D8.3 (FEAT_LPA2) 4 KB, 52-bit VA: a level -1 table, then four levels; OA[51:50] from bits [9:8], SH from the CD', () => {
  const m = new Mem();
  const va = 0xa_bcde_f012_3000n; // VA[51:48] = 0xA: level -1 index 10
  const oa = 0xf_1234_5678_9000n; // OA[51:50] = 0b11, OA[49:48] = 0b11
  const l0 = 0x5_0000_0000_0000n; // a level 0 table above 48 bits: NLTA[51:50] = 0b01 in bits [9:8]
  m.set(0x1000n + 8n * ((va >> 48n) & 15n), lpa2(l0) | TABLE);
  m.set(l0 + 8n * ((va >> 39n) & 511n), 0x3000n | TABLE);
  m.set(0x3000n + 8n * ((va >> 30n) & 511n), 0x4000n | TABLE);
  m.set(0x4000n + 8n * ((va >> 21n) & 511n), 0x5000n | TABLE);
  m.set(0x5000n + 8n * ((va >> 12n) & 511n), lpa2(oa) | PAGE | RW_USER);
  const r = ok(walk(s1ds(4, 12, 0x1000n), va + 0x45n, R, m));
  assert.equal(r.oa, oa + 0x45n);
  assert.deepEqual(
    r.steps.map((s) => s.level),
    [-1, 0, 1, 2, 3],
  );
  assert.equal(r.steps[1]?.address, l0 + 8n * ((va >> 39n) & 511n), 'the level -1 descriptor gave NLTA[51:50]');
  assert.equal(r.sh, DS_SH, 'bits [9:8] are OA[51:50], not SH: the Shareability is CD.SHx');
  // The same tables without DS: T0SZ 12 has no starting level (a level 0 Translation fault).
  assert.deepEqual(faultOf(walk(s1(4, 12, 0x1000n, { outputBits: 52 }), va, R, m)), ['translation', 0, 1]);
});

test('Arm ARM D8.3 (FEAT_LPA2): without DS descriptor bits [9:8] are SH and [49:48] RES0; with DS they are OA bits', () => {
  const m = new Mem();
  chain4k(m, 0x3_0000_8000_0000n | PAGE | RW_USER | (3n << 8n));
  const plain = ok(walk(s1(4, 16, 0x1000n, { outputBits: 52 }), 0x123n, R, m));
  assert.deepEqual([plain.oa, plain.sh], [0x8000_0123n, 3]);
  const ds = ok(walk(s1ds(4, 16, 0x1000n), 0x123n, R, m));
  assert.deepEqual([ds.oa, ds.sh], [0xf_0000_8000_0123n, DS_SH]);
});

test('Arm ARM D8.3 (FEAT_LPA2): a 512 GB block at level 0 (4 KB) and a 64 GB block at level 1 (16 KB)', () => {
  const m = new Mem();
  m.set(0x1000n + 8n * 1n, lpa2(0x8_0000_0000_0000n) | BLOCK | RW_USER);
  const r = ok(walk(s1ds(4, 16, 0x1000n), 0x80_1234_5678n, R, m));
  assert.deepEqual([r.level, r.size, r.oa], [0, 1n << 39n, 0x8_0000_1234_5678n]);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { outputBits: 52 }), 0x80_1234_5678n, R, m)), ['translation', 0, 1]);

  const m16 = new Mem();
  m16.set(0x10000n, 0x14000n | TABLE);
  m16.set(0x14000n + 8n * 1n, lpa2(0xc_0000_0000_0000n) | BLOCK | RW_USER);
  const b = ok(walk(s1ds(16, 16, 0x10000n), 0x10_0000_0abcn, R, m16));
  assert.deepEqual([b.level, b.size, b.oa], [1, 1n << 36n, 0xc_0000_0000_0abcn]);
  assert.deepEqual(faultOf(walk(s1(16, 16, 0x10000n), 0x10_0000_0abcn, R, m16)), ['translation', 1, 1]);
});

test('§5.4 IPS / §7.3.14 (FEAT_LPA2): with DS and a 48-bit IPS, descriptor OA bits [51:48] make an Address size fault', () => {
  const m = new Mem();
  chain4k(m, lpa2(0x1_0000_8000_0000n) | PAGE | RW_USER);
  assert.deepEqual(faultOf(walk(s1ds(4, 16, 0x1000n, { outputBits: 48 }), 0n, R, m)), ['addressSize', 3, 1]);
  assert.equal(ok(walk(s1ds(4, 16, 0x1000n), 0n, R, m)).oa, 0x1_0000_8000_0000n);
});

test('§5.2 S2DS (FEAT_LPA2) stage 2, 16 KB, 52-bit IPA from level 0 (32 entries): OA[51:50] in bits [9:8], SH from STE.S2SH0', () => {
  const m = new Mem();
  const ipa = 0xf_8000_0000_0000n; // IPA[51:47] = 31: the last level 0 entry
  m.set(0x20000n + 8n * 31n, 0x24000n | TABLE);
  m.set(0x24000n, 0x28000n | TABLE);
  m.set(0x28000n, 0x2c000n | TABLE);
  m.set(0x2c000n, lpa2(0xe_0000_0000_4000n) | PAGE | S2RW);
  const p = s2(16, 12, 0, 0x20000n, { ds: true, dsSh: DS_SH, outputBits: 52 });
  const r = ok(walk(p, ipa + 0x10n, R, m));
  assert.deepEqual([r.oa, r.level, r.sh], [0xe_0000_0000_4010n, 3, DS_SH]);
  assert.deepEqual(
    r.steps.map((s) => s.level),
    [0, 1, 2, 3],
  );
});

test('§5.2 S2DS stage 2, 4 KB, S2SL0_2: a level -1 start table of 16 entries for a 52-bit IPA', () => {
  const m = new Mem();
  const ipa = 0x8_0000_0000_0000n; // IPA[51:48] = 8
  m.set(0x1000n + 8n * 8n, 0x2000n | TABLE);
  m.set(0x2000n, 0x3000n | TABLE);
  m.set(0x3000n, 0x4000n | TABLE);
  m.set(0x4000n, 0x5000n | TABLE);
  m.set(0x5000n, 0x9000_0000n | PAGE | S2RW);
  const r = ok(walk(s2(4, 12, -1, 0x1000n, { ds: true, outputBits: 52 }), ipa, R, m));
  assert.deepEqual([r.oa, r.steps.length], [0x9000_0000n, 5]);
  assert.deepEqual(faultOf(walk(s2(4, 12, -1, 0x1000n, { outputBits: 52 }), ipa, R, m)), ['translation', 0, 2]);
});
