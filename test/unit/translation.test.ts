/**
 * The VMSAv8-64 walker (Arm ARM D8, SMMU §3.4, §3.13): tables built by hand in a map-backed
 * memory, one test per granule, level and fault kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Access, WalkMemory, WalkParams, WalkResult } from '../../core/translation/types';
import { selectTtb, startLevelS1, startLevelS2, walk } from '../../core/translation/walk';

class Mem implements WalkMemory {
  readonly m = new Map<bigint, bigint>();
  readonly aborts = new Set<bigint>();
  tableAddress?: WalkMemory['tableAddress'];
  read64(pa: bigint): bigint | 'abort' {
    return this.aborts.has(pa) ? 'abort' : this.m.get(pa) ?? 0n;
  }
  write64(pa: bigint, v: bigint): 'ok' | 'abort' {
    if (this.aborts.has(pa)) return 'abort';
    this.m.set(pa, v);
    return 'ok';
  }
  set(pa: bigint, v: bigint): void {
    this.m.set(pa, v);
  }
}

const R: Access = { read: true, write: false, exec: false, priv: false };
const W: Access = { read: false, write: true, exec: false, priv: false };
const X: Access = { read: true, write: false, exec: true, priv: false };
const TABLE = 3n;
const PAGE = 3n | (1n << 10n) | (1n << 6n); // AF, AP[1] (EL0 access), read-write
const BLOCK = 1n | (1n << 10n) | (1n << 6n);

function s1(granule: 4 | 16 | 64, tsz: number, ttb: bigint, extra: Partial<WalkParams> = {}): WalkParams {
  return { stage: 1, granule, tsz, ttb, outputBits: 48, ha: false, hd: false, ...extra };
}

function ok(r: WalkResult): Extract<WalkResult, { ok: true }> {
  assert.ok(r.ok, r.ok ? '' : `${r.kind} at level ${r.level}: ${r.message}`);
  return r;
}

function faultOf(r: WalkResult): [string, number, 1 | 2] {
  assert.ok(!r.ok, 'expected a fault');
  return [r.kind, r.level, r.stage];
}

test('D8 starting levels: 4 KB 48-bit → 0, 39-bit → 1; 16 KB 48-bit → 0, 47-bit → 1; 64 KB 48-bit → 1, 42-bit → 2', () => {
  assert.equal(startLevelS1(4, 16), 0);
  assert.equal(startLevelS1(4, 25), 1);
  assert.equal(startLevelS1(16, 16), 0);
  assert.equal(startLevelS1(16, 17), 1);
  assert.equal(startLevelS1(64, 16), 1);
  assert.equal(startLevelS1(64, 22), 2);
});

test('§5.2 S2SL0: 4 KB SL0 0/1/2 → level 2/1/0; 64 KB SL0 0/1/2 → 3/2/1; inconsistent combinations are rejected', () => {
  assert.equal(startLevelS2(1, 4, 24), 1);
  assert.equal(startLevelS2(0, 4, 24), undefined, '40 bits from level 2 needs 512 concatenated tables');
  assert.equal(startLevelS2(0, 4, 34), 2);
  assert.equal(startLevelS2(2, 4, 16), 0);
  assert.equal(startLevelS2(1, 64, 22), 2);
  assert.equal(startLevelS2(3, 4, 24), undefined);
  assert.equal(startLevelS2(2, 64, 16), 1);
});

test('4 KB granule, 4 levels: a page at level 3', () => {
  const m = new Mem();
  const va = 0x12_3456_7000n;
  m.set(0x1000n + 8n * ((va >> 39n) & 511n), 0x2000n | TABLE);
  m.set(0x2000n + 8n * ((va >> 30n) & 511n), 0x3000n | TABLE);
  m.set(0x3000n + 8n * ((va >> 21n) & 511n), 0x4000n | TABLE);
  m.set(0x4000n + 8n * ((va >> 12n) & 511n), 0x8888_0000n | PAGE);
  const r = ok(walk(s1(4, 16, 0x1000n), va + 0x123n, R, m));
  assert.equal(r.oa, 0x8888_0123n);
  assert.equal(r.level, 3);
  assert.equal(r.size, 4096n);
  assert.equal(r.steps.length, 4);
});

test('4 KB granule: 1 GB block at level 1 and 2 MB block at level 2', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  m.set(0x2000n + 8n, 0x8000_0000n | BLOCK); // VA 0x4000_0000 → 1 GB block
  m.set(0x2000n + 16n, 0x3000n | TABLE);
  m.set(0x3000n + 8n * 3n, 0x1_0060_0000n | BLOCK); // VA 0x8060_0000 → 2 MB block
  const a = ok(walk(s1(4, 16, 0x1000n), 0x4123_4567n, R, m));
  assert.deepEqual([a.oa, a.level, a.size], [0x8123_4567n, 1, 1n << 30n]);
  const b = ok(walk(s1(4, 16, 0x1000n), 0x8061_2345n, R, m));
  assert.deepEqual([b.oa, b.level, b.size], [0x1_0061_2345n, 2, 1n << 21n]);
});

test('16 KB granule: a 32 MB block at level 2 and a page at level 3 (47-bit VA starts at level 1)', () => {
  const m = new Mem();
  const va = 0x2_0200_4000n;
  m.set(0x10000n + 8n * ((va >> 36n) & 2047n), 0x14000n | TABLE);
  m.set(0x14000n + 8n * ((va >> 25n) & 2047n), 0x18000n | TABLE);
  m.set(0x18000n + 8n * ((va >> 14n) & 2047n), 0x9000_0000n | PAGE);
  const r = ok(walk(s1(16, 17, 0x10000n), va + 5n, R, m));
  assert.deepEqual([r.oa, r.level, r.size], [0x9000_0005n, 3, 16384n]);
  m.set(0x14000n + 8n * ((va >> 25n) & 2047n), 0xa000_0000n | BLOCK);
  const b = ok(walk(s1(16, 17, 0x10000n), va, R, m));
  assert.deepEqual([b.level, b.size, b.oa], [2, 1n << 25n, 0xa000_0000n + (va & ((1n << 25n) - 1n))]);
});

test('64 KB granule: 512 MB block at level 2, 64 KB page at level 3', () => {
  const m = new Mem();
  const va = 0x1_2345_0000n;
  m.set(0x10000n + 8n * ((va >> 42n) & 63n), 0x20000n | TABLE);
  m.set(0x20000n + 8n * ((va >> 29n) & 8191n), 0x30000n | TABLE);
  m.set(0x30000n + 8n * ((va >> 16n) & 8191n), 0x7_0000_0000n | PAGE);
  const r = ok(walk(s1(64, 16, 0x10000n), va + 0xabcdn, R, m));
  assert.deepEqual([r.oa, r.level, r.size], [0x7_0000_abcdn, 3, 65536n]);
  m.set(0x20000n + 8n * ((va >> 29n) & 8191n), 0x4000_0000n | BLOCK);
  const b = ok(walk(s1(64, 16, 0x10000n), va, R, m));
  assert.deepEqual([b.level, b.size], [2, 1n << 29n]);
});

test('translation faults: invalid descriptor (with its level), block at level 3, input beyond the range, level-0 block with 4 KB', () => {
  const m = new Mem();
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x1000n, R, m)), ['translation', 0, 1]);
  m.set(0x1000n, 0x2000n | TABLE);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x1000n, R, m)), ['translation', 1, 1]);
  m.set(0x2000n, 0x3000n | TABLE);
  m.set(0x3000n, 0x4000n | TABLE);
  m.set(0x4000n, 0x5000n | 1n | (1n << 10n));
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x0n, R, m)), ['translation', 3, 1]);
  m.set(0x1000n, 0x8000_0000n | BLOCK);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x0n, R, m)), ['translation', 0, 1]);
  const s2: WalkParams = { stage: 2, granule: 4, tsz: 24, startLevel: 1, ttb: 0x1000n, outputBits: 40, ha: false, hd: false };
  const f = walk(s2, 1n << 41n, R, m);
  assert.deepEqual(faultOf(f), ['translation', 1, 2]);
  assert.equal(!f.ok && f.ipa, 1n << 41n);
});

test('§3.4 address size faults: a leaf or table address beyond the output size', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  m.set(0x2000n, 0x100_0000_0000n | BLOCK); // 1 TB: beyond 40 bits
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { outputBits: 40 }), 0x0n, R, m)), ['addressSize', 1, 1]);
  m.set(0x2000n, 0x200_0000_0000n | TABLE);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { outputBits: 40 }), 0x0n, R, m)), ['addressSize', 1, 1]);
});

test('§3.13.2 Access flag: AF == 0 faults; HA sets it; AFFD disables the fault', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  m.set(0x2000n, 0x4000_0000n | 1n | (1n << 6n)); // block, AF = 0
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0x10n, R, m)), ['accessFlag', 1, 1]);
  ok(walk(s1(4, 16, 0x1000n, { affd: true }), 0x10n, R, m));
  assert.equal(m.m.get(0x2000n)! & (1n << 10n), 0n, 'AFFD does not write');
  ok(walk(s1(4, 16, 0x1000n, { ha: true }), 0x10n, R, m));
  assert.equal(m.m.get(0x2000n)! & (1n << 10n), 1n << 10n, 'HA set AF in memory');
});

test('permissions: AP[2] read-only, AP[1] EL0 access, UXN/PXN, WXN, APTable', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  const leaf = (d: bigint) => m.set(0x2000n, 0x4000_0000n | 1n | (1n << 10n) | d);
  leaf(1n << 6n | 1n << 7n); // read-only, EL0
  ok(walk(s1(4, 16, 0x1000n), 0n, R, m));
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, W, m)), ['permission', 1, 1]);
  leaf(0n); // privileged only
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, R, m)), ['permission', 1, 1]);
  ok(walk(s1(4, 16, 0x1000n), 0n, { ...R, priv: true }, m));
  leaf((1n << 6n) | (1n << 54n)); // UXN
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, X, m)), ['permission', 1, 1]);
  leaf(1n << 6n); // writable: with WXN not executable
  ok(walk(s1(4, 16, 0x1000n), 0n, X, m));
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n, { wxn: true }), 0n, X, m)), ['permission', 1, 1]);
  m.set(0x1000n, 0x2000n | TABLE | (1n << 62n)); // APTable[1]: read-only below
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, W, m)), ['permission', 1, 1]);
});

test('§3.13.3 dirty state: HD turns a writable-clean (DBM, AP[2]=1) page dirty on a write', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  const clean = 0x4000_0000n | 1n | (1n << 10n) | (1n << 6n) | (1n << 7n) | (1n << 51n);
  m.set(0x2000n, clean);
  assert.deepEqual(faultOf(walk(s1(4, 16, 0x1000n), 0n, W, m)), ['permission', 1, 1], 'without HD it is read-only');
  ok(walk(s1(4, 16, 0x1000n, { ha: true, hd: true }), 0n, W, m));
  assert.equal(m.m.get(0x2000n), clean & ~(1n << 7n));
});

test('stage 2: S2AP read/write, XN, and the IPA in the fault', () => {
  const m = new Mem();
  // A 40-bit IPA from level 1 uses two concatenated tables (1024 entries): the base is 8 KB aligned.
  const p: WalkParams = { stage: 2, granule: 4, tsz: 24, startLevel: 1, ttb: 0x10000n, outputBits: 40, ha: false, hd: false };
  m.set(0x10000n + 8n, 0x20000n | TABLE); // IPA 0x4000_0000
  m.set(0x20000n, 0x8000_0000n | 1n | (1n << 10n) | (1n << 6n)); // S2AP read only
  ok(walk(p, 0x4000_1000n, R, m));
  const f = walk(p, 0x4000_1000n, W, m);
  assert.deepEqual(faultOf(f), ['permission', 2, 2]);
  assert.equal(!f.ok && f.ipa, 0x4000_1000n);
  m.set(0x20000n, 0x8000_0000n | 1n | (1n << 10n) | (3n << 6n) | (1n << 54n));
  assert.deepEqual(faultOf(walk(p, 0x4000_1000n, X, m)), ['permission', 2, 2]);
});

test('nested: stage 1 table fetches go through stage 2; a stage 2 fault there is marked', () => {
  const m = new Mem();
  // Stage 2: IPA 0x0..0x4000_0000 identity-mapped + 0x1000_0000 offset with a 1 GB block.
  const s2: WalkParams = { stage: 2, granule: 4, tsz: 24, startLevel: 1, ttb: 0x100_0000n, outputBits: 40, ha: false, hd: false };
  m.set(0x100_0000n, 0x1_0000_0000n | 1n | (1n << 10n) | (3n << 6n));
  const nested = new Mem();
  for (const [k, v] of m.m) nested.set(k, v);
  // Stage 1 tables at IPA 0x1000.. → PA 0x1_0000_1000..
  nested.set(0x1_0000_1000n, 0x2000n | TABLE);
  nested.set(0x1_0000_2000n, 0x4000_0000n | BLOCK);
  nested.tableAddress = (ipa) => {
    const r = walk(s2, ipa, R, m);
    return r.ok ? r.oa : r;
  };
  const r = ok(walk(s1(4, 16, 0x1000n), 0x55n, R, nested));
  assert.equal(r.oa, 0x4000_0055n, 'stage 1 output (an IPA)');
  nested.tableAddress = (ipa) => {
    const r2 = walk(s2, ipa | (1n << 35n), R, m);
    return r2.ok ? r2.oa : r2;
  };
  const f = walk(s1(4, 16, 0x1000n), 0x55n, R, nested);
  assert.ok(!f.ok && f.s2OnS1Walk && f.stage === 2 && f.kind === 'translation');
});

test('external abort on a descriptor read is F_WALK_EABT with the descriptor address', () => {
  const m = new Mem();
  m.set(0x1000n, 0x2000n | TABLE);
  m.aborts.add(0x2000n);
  const f = walk(s1(4, 16, 0x1000n), 0n, R, m);
  assert.deepEqual(faultOf(f), ['walkEabt', 1, 1]);
  assert.equal(!f.ok && f.fetchAddr, 0x2000n);
});

test('TTB selection: bit 55 chooses, the top bits must match, TBI ignores [63:56]', () => {
  assert.equal(selectTtb(0x0000_1234_5678_0000n, 16, 16, 0), 0);
  assert.equal(selectTtb(0xffff_8000_0000_0000n, 16, 16, 0), 1);
  assert.equal(selectTtb(0x0001_0000_0000_0000n, 16, 16, 0), 'fault');
  assert.equal(selectTtb(0xab00_1234_0000_0000n, 16, 16, 0), 'fault');
  assert.equal(selectTtb(0xab00_1234_0000_0000n, 16, 16, 1), 0);
});
