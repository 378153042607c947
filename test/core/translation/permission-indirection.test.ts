/**
 * The Indirect Permission Scheme (§3.26) in the walker: PIIndex and POIndex from the leaf
 * descriptor (Arm ARM D8.3), CD.PIIP / CD.PIIU (§5.4), SMMU_S2PII (§6.3.17) and STE.S2POI (§5.2),
 * the combination of base and overlay permissions (Arm ARM D8.4.2.2.4), the dirty state (Arm ARM
 * D8.5.2) and the SMMU's own rules where it differs from the PE (§3.26.1: PAN whatever EPAN, no
 * WXN, no stage 1 overlay). Each walk is one 1 GB block read at level 1 (4 KB granule, 39-bit input).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Access, WalkFault, WalkMemory, WalkParams, WalkResult } from '../../../core/translation/types';
import { walk } from '../../../core/translation/walk';
import { combineS2, piIndex, poIndex } from '../../../core/translation/permission-indirection';

interface TestMemory extends WalkMemory {
  /** The leaf descriptor now (after any hardware update). */
  leaf(): bigint;
  readonly writes: number;
}

/** The leaf at 0x1000 (a level 1 walk), or with `table` there, at 0x2000 below it (a level 0 walk). */
function memory(leaf: bigint, table?: bigint): TestMemory {
  const m = new Map<bigint, bigint>();
  const at = table === undefined ? 0x1000n : 0x2000n;
  if (table !== undefined) m.set(0x1000n, table);
  m.set(at, leaf);
  let writes = 0;
  return {
    read64: (pa) => m.get(pa) ?? 0n,
    write64: (pa, v) => {
      writes++;
      m.set(pa, v);
      return 'ok';
    },
    leaf: () => m.get(at) ?? 0n,
    get writes() {
      return writes;
    },
  };
}

const BLOCK = 0x4000_0000n | 1n | (1n << 10n); // OA 1 GB, block, AF
const AP1 = 1n << 6n; // PIIndex[0]
const BIT7 = 1n << 7n; // stage 1 nDirty, stage 2 Dirty
const DBM = 1n << 51n; // PIIndex[1]
const PXN = 1n << 53n; // PIIndex[2]
const UXN = 1n << 54n; // PIIndex[3]

const R: Access = { read: true, write: false, exec: false, priv: false };
const W: Access = { read: false, write: true, exec: false, priv: false };
const X: Access = { read: true, write: false, exec: true, priv: false };
const PR: Access = { ...R, priv: true };
const PW: Access = { ...W, priv: true };
const PX: Access = { ...X, priv: true };

/** 3-bit interpretations: `at` maps PIIndex → encoding, the others 0 (No Access). */
const pii3 = (at: Record<number, number>): number =>
  Object.entries(at).reduce((v, [i, e]) => v + e * 2 ** (3 * Number(i)), 0);
/** 4-bit interpretations. */
const pii4 = (at: Record<number, number>): bigint =>
  Object.entries(at).reduce((v, [i, e]) => v | (BigInt(e) << BigInt(4 * Number(i))), 0n);

function s1(extra: Partial<WalkParams>): WalkParams {
  return { stage: 1, granule: 4, tsz: 25, ttb: 0x1000n, outputBits: 48, ha: false, hd: false, ...extra };
}
function s2(extra: Partial<WalkParams>): WalkParams {
  return { stage: 2, granule: 4, tsz: 25, startLevel: 1, ttb: 0x1000n, outputBits: 48, ha: false, hd: false, ...extra };
}

const okay = (r: WalkResult): boolean => r.ok;
function fault(r: WalkResult): WalkFault {
  assert.ok(!r.ok, 'expected a Permission fault');
  assert.equal(r.kind, 'permission', r.message);
  return r;
}

test('Arm ARM D8.3: PIIndex[3:0] is descriptor bits {54, 53, 51, 6}; stage 2 POIndex[3:0] is bits [62:59]', () => {
  assert.equal(piIndex(0n), 0);
  assert.equal(piIndex(AP1), 1);
  assert.equal(piIndex(DBM), 2);
  assert.equal(piIndex(PXN), 4);
  assert.equal(piIndex(UXN), 8);
  assert.equal(piIndex(UXN | PXN | DBM | AP1 | BIT7 | (1n << 52n)), 15, 'bits 7 and 52 are not part of it');
  assert.equal(poIndex(0xfn << 59n), 15);
  assert.equal(poIndex(1n << 59n), 1);
  assert.equal(poIndex(1n << 62n), 8);
  assert.equal(poIndex(1n << 63n), 0);
});

test('§3.26.1 / §5.4: each PIIndex bit selects another CD.PIIP (privileged) / CD.PIIU (unprivileged) entry', () => {
  // Only PIIndex 5 (bits 53 and 6) grants anything: read-write to both privileges.
  const s1pi = { piip: pii3({ 5: 0b101 }), piiu: pii3({ 5: 0b101 }) };
  assert.ok(okay(walk(s1({ s1pi }), 0n, W, memory(BLOCK | PXN | AP1))));
  assert.ok(okay(walk(s1({ s1pi }), 0n, PW, memory(BLOCK | PXN | AP1))));
  for (const other of [PXN, AP1, PXN | AP1 | DBM, PXN | AP1 | UXN]) {
    const f = fault(walk(s1({ s1pi }), 0n, R, memory(BLOCK | other)));
    assert.match(f.message, new RegExp(`PIIndex ${piIndex(other)} selects PIIU<${piIndex(other)}> = 0b000`));
  }
  // The privilege picks the set: PIIU<1> read-only, PIIP<1> read-write.
  const split = { piip: pii3({ 1: 0b101 }), piiu: pii3({ 1: 0b001 }) };
  assert.ok(okay(walk(s1({ s1pi: split }), 0n, PW, memory(BLOCK | AP1))));
  assert.ok(okay(walk(s1({ s1pi: split }), 0n, R, memory(BLOCK | AP1))));
  fault(walk(s1({ s1pi: split }), 0n, W, memory(BLOCK | AP1)));
});

test('§5.4 PIIx encodings: 0b001 read, 0b010 execute, 0b011 read-execute, 0b101 read-write, 0b111 all; 0b000 nothing', () => {
  const cases: [number, boolean, boolean, boolean][] = [
    [0b000, false, false, false],
    [0b001, true, false, false],
    [0b010, false, false, true],
    [0b011, true, false, true],
    [0b101, true, true, false],
    [0b111, true, true, true],
  ];
  for (const [enc, r, w, x] of cases) {
    const s1pi = { piip: 0, piiu: pii3({ 0: enc }) };
    const got = [R, W, X].map((a) => okay(walk(s1({ s1pi }), 0n, a, memory(BLOCK))));
    assert.deepEqual(got, [r, w, x], `PIIU<0> = 0b${enc.toString(2)}`);
  }
});

test('§3.26.1: the Direct permission bits do not count: AP[2], UXN, PXN and APTable are PIIndex bits or ignored', () => {
  const s1pi = { piip: pii3({ 12: 0b111 }), piiu: 0 };
  // UXN and PXN set: Direct permissions would forbid execution; PIIP<12> allows it.
  assert.ok(okay(walk(s1({ s1pi }), 0n, PX, memory(BLOCK | UXN | PXN))));
  // A table descriptor with APTable = 0b10 (no write) and PXNTable: hierarchical permissions are
  // disabled with Indirect permissions (Arm ARM D8.4.1.3, TCR_ELx.HPDn RES1).
  const table = 0x2000n | 3n | (1n << 62n) | (1n << 59n);
  const p = s1({ s1pi, tsz: 16 }); // 48-bit: level 0 table at 0x1000 → level 1 block at 0x2000
  const m = memory(BLOCK | UXN | PXN, table);
  assert.ok(okay(walk(p, 0n, PW, m)), 'APTable[1] does not remove write');
  assert.ok(okay(walk(p, 0n, PX, m)), 'PXNTable does not remove execute');
  // Without the scheme, the same tables refuse both.
  assert.equal(okay(walk({ ...p, s1pi: undefined }, 0n, PW, m)), false);
});

test('§3.26.1: CD.WXN has no effect with Indirect permissions (a writable, executable entry stays executable)', () => {
  const s1pi = { piip: pii3({ 0: 0b111 }), piiu: 0 };
  assert.ok(okay(walk(s1({ s1pi, wxn: true }), 0n, PX, memory(BLOCK))));
  // The Direct scheme applies WXN to the same writable leaf.
  assert.equal(okay(walk(s1({ wxn: true }), 0n, PX, memory(BLOCK))), false);
});

test('§3.26.1 step 2: with CD.PAN any unprivileged permission removes privileged read and write, whatever CD.EPAN; not execute', () => {
  // PIIU<0> is execute-only: with Direct permissions PAN needs EPAN for that; here it does not.
  const s1pi = { piip: pii3({ 0: 0b111 }), piiu: pii3({ 0: 0b010 }) };
  const f = fault(walk(s1({ s1pi, pan: true, epan: false }), 0n, PR, memory(BLOCK)));
  assert.match(f.message, /CD\.PAN removes privileged data access/);
  fault(walk(s1({ s1pi, pan: true }), 0n, PW, memory(BLOCK)));
  assert.ok(okay(walk(s1({ s1pi, pan: true }), 0n, PX, memory(BLOCK))), 'privileged execute is kept');
  assert.ok(okay(walk(s1({ s1pi, pan: false }), 0n, PR, memory(BLOCK))), 'without PAN');
  // PIIU<0> No Access: PAN has nothing to act on.
  const priv = { piip: pii3({ 0: 0b101 }), piiu: 0 };
  assert.ok(okay(walk(s1({ s1pi: priv, pan: true }), 0n, PW, memory(BLOCK))));
});

test('§3.26.1 (the SMMU has no stage 1 overlay): descriptor bits [62:60] do not change stage 1 permissions', () => {
  const s1pi = { piip: 0, piiu: pii3({ 0: 0b101 }) };
  assert.ok(okay(walk(s1({ s1pi }), 0n, W, memory(BLOCK | (7n << 60n)))));
});

test('Arm ARM D8.5.2 stage 1: a write to a writable-clean leaf (nDirty = 1) faults with DirtyBit without HD, and HD clears nDirty', () => {
  const s1pi = { piip: 0, piiu: pii3({ 0: 0b101 }) };
  const f = fault(walk(s1({ s1pi }), 0n, W, memory(BLOCK | BIT7)));
  assert.equal(f.dirtyBit, true);
  assert.equal(f.overlay, false);
  assert.match(f.message, /writable-clean \(nDirty = 1\)/);
  // A read is allowed and reports the leaf not writable, so a TLB entry never skips the update.
  const read = walk(s1({ s1pi }), 0n, R, memory(BLOCK | BIT7));
  assert.ok(read.ok && read.perms.r && !read.perms.w);
  const m = memory(BLOCK | BIT7);
  const r = walk(s1({ s1pi, ha: true, hd: true }), 0n, W, m);
  assert.ok(r.ok && r.perms.w);
  assert.equal(m.leaf(), BLOCK, 'nDirty cleared');
  // DBM is PIIndex[1] here, not a dirty-state candidate bit: with it the leaf selects PIIU<2>.
  fault(walk(s1({ s1pi, ha: true, hd: true }), 0n, W, memory(BLOCK | BIT7 | DBM)));
  // A leaf already dirty (nDirty = 0) needs no update.
  const clean = memory(BLOCK);
  assert.ok(okay(walk(s1({ s1pi, ha: true, hd: true }), 0n, W, clean)));
  assert.equal(clean.writes, 0);
});

test('Arm ARM Table D8-82 / §6.3.17: SMMU_S2PII[PIIndex] gives the stage 2 permissions; 0b0001 and 0b0101 are No Access', () => {
  const dirty = BLOCK | BIT7 | AP1; // PIIndex 1, Dirty
  const at = (enc: number, a: Access) => okay(walk(s2({ s2pi: { s2pii: pii4({ 1: enc }) } }), 0n, a, memory(dirty)));
  const rows: [number, string, boolean, boolean, boolean, boolean][] = [
    // enc, name, read, write, unpriv exec, priv exec
    [0b0000, 'No Access', false, false, false, false],
    [0b0001, 'Reserved', false, false, false, false],
    [0b0101, 'Reserved', false, false, false, false],
    [0b0010, 'MRO', true, false, false, false],
    [0b0100, 'WO', false, true, false, false],
    [0b1000, 'RO', true, false, false, false],
    [0b1001, 'RO+uX', true, false, true, false],
    [0b1010, 'RO+pX', true, false, false, true],
    [0b1011, 'RO+puX', true, false, true, true],
    [0b1100, 'RW', true, true, false, false],
    [0b1111, 'RW+puX', true, true, true, true],
  ];
  for (const [enc, name, r, w, ux, px] of rows)
    assert.deepEqual([at(enc, R), at(enc, W), at(enc, X), at(enc, PX)], [r, w, ux, px], name);
});

test('Arm ARM D8.4.2.2.1: MRO permits the SMMU’s own writes (stage 1 descriptor updates) but no data write; WO permits neither its reads', () => {
  const mmuRmw: Access = { read: true, write: true, exec: false, priv: true, mmu: true };
  const mmuRead: Access = { read: true, write: false, exec: false, priv: true, mmu: true };
  const leaf = memory(BLOCK | BIT7 | AP1);
  const p = (enc: number) => s2({ s2pi: { s2pii: pii4({ 1: enc }) } });
  for (const mro of [0b0010, 0b0011, 0b0110, 0b0111]) {
    assert.ok(okay(walk(p(mro), 0n, mmuRmw, leaf)), `MRO ${mro}: descriptor update`);
    assert.equal(okay(walk(p(mro), 0n, PW, leaf)), false, `MRO ${mro}: data write`);
  }
  assert.equal(okay(walk(p(0b0100), 0n, mmuRead, leaf)), false, 'WO: no MMU read');
  assert.equal(okay(walk(p(0b1000), 0n, mmuRmw, leaf)), false, 'RO: no MMU write');
  assert.ok(okay(walk(p(0b1100), 0n, mmuRmw, leaf)), 'RW');
});

test('Arm ARM D8.5.2 stage 2: a write to a writable-clean leaf (Dirty = 0) faults with DirtyBit without S2HD; with it the SMMU sets Dirty', () => {
  const s2pi = { s2pii: pii4({ 1: 0b1100 }) };
  const f = fault(walk(s2({ s2pi }), 0n, W, memory(BLOCK | AP1)));
  assert.equal(f.dirtyBit, true);
  assert.match(f.message, /writable-clean \(Dirty = 0\)/);
  const m = memory(BLOCK | AP1);
  assert.ok(okay(walk(s2({ s2pi, ha: true, hd: true }), 0n, W, m)));
  assert.equal(m.leaf(), BLOCK | AP1 | BIT7);
  // {HD, HA} = {1, 0} behaves as both 0 (§5.2 S2HA).
  assert.equal(fault(walk(s2({ s2pi, hd: true }), 0n, W, memory(BLOCK | AP1))).dirtyBit, true);
});

test('Arm ARM D8.4.2.2.4: base and overlay permissions combine: General by bitwise AND, Special by Tables D8-83 and D8-84', () => {
  const [NA, MRO, TL1, WO, TL0, TL01, RO, ROuX, RW, RWpuX] = [0, 2, 3, 4, 6, 7, 8, 9, 12, 15];
  const rows: [number, number, number][] = [
    [RWpuX, ROuX, ROuX],
    [RW, ROuX, RO],
    [RWpuX, 0b1110, 0b1110],
    [WO, WO, WO],
    [WO, MRO, NA],
    [MRO, MRO, MRO],
    [TL0, MRO, TL0],
    [TL1, MRO, TL1],
    [TL0, TL1, TL01],
    [TL01, MRO, TL01],
    [MRO, NA, NA],
    [WO, NA, NA],
    [MRO, ROuX, RO],
    [TL1, RWpuX, TL1],
    [WO, RO, NA],
    [WO, RWpuX, WO],
    [0b0001, RW, NA],
    [RW, 0b0101, NA],
  ];
  for (const [a, b, want] of rows) {
    assert.equal(combineS2(a, b), want, `${a} with ${b}`);
    assert.equal(combineS2(b, a), want, `${b} with ${a}`);
  }
});

test('§3.26.2 / §7.3.16: STE.S2POI[POIndex] restricts the base permission; a refusal by the overlay has Overlay = 1 and comes first', () => {
  const base = pii4({ 1: 0b1111 }); // RW+puX for PIIndex 1
  const poi = pii4({ 0: 0b1111, 3: 0b1000, 9: 0b0000 }); // POIndex 0 anything, 3 RO, 9 No Access
  const leaf = (po: number) => memory(BLOCK | BIT7 | AP1 | (BigInt(po) << 59n));
  const p = s2({ s2pi: { s2pii: base, s2poi: poi } });
  assert.ok(okay(walk(p, 0n, W, leaf(0))));
  const f = fault(walk(p, 0n, W, leaf(3)));
  assert.equal(f.overlay, true);
  assert.match(f.message, /POIndex 3 selects STE\.S2POI<3> = 0b1000 \(RO\)/);
  assert.ok(okay(walk(p, 0n, R, leaf(3))));
  assert.equal(fault(walk(p, 0n, PX, leaf(3))).overlay, true, 'RO has no execute');
  // Base No Access and overlay No Access: the overlay's fault has the higher priority (Arm ARM D8.15.5.1).
  const none = s2({ s2pi: { s2pii: 0n, s2poi: poi } });
  assert.equal(fault(walk(none, 0n, R, leaf(9))).overlay, true);
  // The overlay allows, the base refuses: Overlay = 0.
  const ro = s2({ s2pi: { s2pii: pii4({ 1: 0b1000 }), s2poi: poi } });
  assert.equal(fault(walk(ro, 0n, W, leaf(0))).overlay, false);
  // Without S2POE (no s2poi) the POIndex bits mean nothing.
  assert.ok(okay(walk(s2({ s2pi: { s2pii: base } }), 0n, W, leaf(9))));
});

test('§3.26.2: the overlay is checked before the dirty state: a refused write to a writable-clean leaf is an Overlay fault, not DirtyBit', () => {
  const p = s2({ s2pi: { s2pii: pii4({ 1: 0b1100 }), s2poi: pii4({ 0: 0b1000 }) } });
  const f = fault(walk(p, 0n, W, memory(BLOCK | AP1)));
  assert.deepEqual([f.overlay, f.dirtyBit], [true, false]);
});
