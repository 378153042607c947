/**
 * The MMIO front end against the architecture's register rules (§6.2, §6.3). Each test names the
 * rule and its section; values are written out literally.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Smmu } from '../../../core/model/smmu';
import type { AccessResult } from '../../../core/model/access';
import { config, IDR0_PRI_ATS_VMW } from '../../harness/helpers';

const codes = (r: AccessResult) => r.findings.map((f) => f.code);

test('§6.2 32-bit access to a 32-bit register reads and writes it', () => {
  const m = new Smmu(config());
  assert.deepEqual(codes(m.write(0x20, 4, 0x9n)), []);
  assert.equal(m.read(0x20, 4).value, 0x9n);
  assert.equal(m.read(0x24, 4).value, 0x9n);
});

test('§6.2 8- and 16-bit accesses are illegal: reported, RAZ/WI by default', () => {
  const m = new Smmu(config());
  for (const size of [1, 2] as const) {
    const w = m.write(0x20, size, 0x1n);
    assert.ok(codes(w).includes('access.size'), `size ${size}`);
    assert.equal(w.ok, true);
    assert.equal(m.peek('CR0'), 0n);
    const r = m.read(0x00, size);
    assert.equal(r.value, 0n);
    assert.ok(codes(r).includes('access.size'));
  }
});

test('§6.2 an unaligned access is illegal', () => {
  const m = new Smmu(config());
  const w = m.write(0x22, 4, 0x1n);
  assert.deepEqual(codes(w), ['access.unaligned']);
  assert.equal(m.peek('CR0'), 0n);
  assert.deepEqual(codes(m.read(0x84, 8)), ['access.unaligned']);
});

test('§6.2 illegal accesses abort when the configuration chooses abort', () => {
  const m = new Smmu(config({}, { illegalAccess: 'abort' }));
  assert.equal(m.write(0x20, 2, 1n).ok, false);
  assert.equal(m.read(0x21, 4).ok, false);
  assert.equal(m.read(0x20, 8).ok, false);
});

test('§6.2 illegal 64-bit accesses have their own choice: QEMU aborts 8/16-bit and unaligned accesses but reads 64-bit ones to 32-bit registers as zero', () => {
  const m = new Smmu(config({}, { illegalAccess: 'abort', illegal64BitAccess: 'raz-wi' }));
  m.write(0x20, 4, 0x8n);
  assert.equal(m.write(0x20, 2, 1n).ok, false, '16-bit: abort');
  assert.equal(m.read(0x22, 4).ok, false, 'unaligned: abort');
  const span = m.read(0x20, 8);
  assert.deepEqual([span.ok, span.value, codes(span)], [true, 0n, ['access.span']], 'over CR0 and CR0ACK: RAZ');
  assert.match(span.findings[0]!.message, /treats it as RAZ\/WI/);
  const w = m.write(0x88, 8, 0xffn);
  assert.deepEqual([w.ok, codes(w)], [true, ['access.size']], 'to the 32-bit STRTAB_BASE_CFG: WI');
  assert.equal(m.peek('STRTAB_BASE_CFG'), 0n);
  assert.equal(m.peek('CR0'), 0x8n);
  const reverse = new Smmu(config({}, { illegalAccess: 'raz-wi', illegal64BitAccess: 'abort' }));
  assert.equal(reverse.read(0x20, 8).ok, false);
  assert.equal(reverse.read(0x20, 2).ok, true);
});

test('§6.2 a 64-bit access spanning two 32-bit registers is flagged and not performed', () => {
  const m = new Smmu(config());
  const w = m.write(0x20, 8, 0x0000_0001_0000_0009n);
  assert.deepEqual(codes(w), ['access.span']);
  assert.match(w.findings[0].message, /SMMU_CR0 and SMMU_CR0ACK/);
  assert.equal(m.peek('CR0'), 0n);
});

test('§6.2 a 64-bit register takes a 64-bit access and two 32-bit halves (high half at +4)', () => {
  const m = new Smmu(config());
  assert.deepEqual(codes(m.write(0x80, 8, 0x4000_0000_8000_0040n)), []);
  assert.equal(m.read(0x80, 8).value, 0x4000_0000_8000_0040n);
  assert.equal(m.read(0x80, 4).value, 0x8000_0040n);
  assert.equal(m.read(0x84, 4).value, 0x4000_0000n);
  m.write(0x84, 4, 0x0000_0012n);
  assert.equal(m.peek('STRTAB_BASE'), 0x0000_0012_8000_0040n);
});

test('§6.2 undefined page-0 locations are RES0: read zero, writes ignored', () => {
  const m = new Smmu(config());
  const r = m.read(0x0f00, 4);
  assert.equal(r.value, 0n);
  assert.deepEqual(codes(r), ['offset.undefined']);
  const w = m.write(0x0f00, 4, 0xffn);
  assert.ok(codes(w).includes('write.res0'));
  assert.equal(w.ok, true);
  assert.equal(m.read(0x0f00, 4).value, 0n);
});

test('§6.2 undefined page-1 locations: RES0 by default, or alias of page 0 when chosen', () => {
  const res0 = new Smmu(config());
  res0.write(0x20, 4, 0x8n);
  const r = res0.read(0x10020, 4);
  assert.equal(r.value, 0n);
  assert.deepEqual(codes(r), ['page1.undefined']);
  const alias = new Smmu(config({}, { page1Undefined: 'alias-page0' }));
  alias.write(0x20, 4, 0x8n);
  assert.equal(alias.read(0x10020, 4).value, 0x8n);
});

test('§6.2.2 EVENTQ_PROD/CONS live in page 1 (0x100A8/0x100AC); page-0 0xA8/0xAC are reserved', () => {
  const m = new Smmu(config());
  m.write(0xa0, 8, 0x8000_0000n | 4n); // EVENTQ_BASE, LOG2SIZE 4
  assert.deepEqual(codes(m.write(0x100ac, 4, 0x3n)), []);
  assert.equal(m.peek('EVENTQ_CONS'), 0x3n);
  const w = m.write(0xac, 4, 0x5n);
  assert.deepEqual(codes(w), ['page0.page1-offset']);
  assert.match(w.findings[0].message, /SMMU_EVENTQ_CONS.*0x100AC/);
  assert.equal(m.peek('EVENTQ_CONS'), 0x3n, 'RAZ/WI by default');
  assert.equal(m.read(0xac, 4).value, 0n);
  const alias = new Smmu(config({}, { page0AliasOfPage1: 'alias' }));
  alias.write(0xa0, 8, 0x8000_0000n | 4n);
  alias.write(0xac, 4, 0x5n);
  assert.equal(alias.peek('EVENTQ_CONS'), 0x5n);
});

test('§6.2 writes to read-only registers are ignored and reported', () => {
  const m = new Smmu(config());
  for (const off of [0x00, 0x04, 0x18, 0x1c, 0x24, 0x54, 0x60]) {
    const before = m.read(off, 4).value;
    const w = m.write(off, 4, 0xffff_ffffn);
    assert.deepEqual(codes(w), ['write.ro'], `offset 0x${off.toString(16)}`);
    assert.equal(m.read(off, 4).value, before);
  }
  assert.equal(m.read(0x00, 4).value, 0x0d44101an);
});

test('§6.3.9 CR0: RES0 bits and unadvertised fields are not stored nor acknowledged', () => {
  const m = new Smmu(config());
  const w = m.write(0x20, 4, 0xffff_ffffn);
  const c = codes(w);
  assert.ok(c.includes('write.res0'));
  const unadvertised = w.findings
    .filter((f) => f.code === 'write.unadvertised')
    .map((f) => f.field)
    .sort();
  assert.deepEqual(unadvertised, ['ATSCHK', 'DPT_WALK_EN', 'PRIQEN', 'VMW']);
  // QEMU's IDR0 advertises none of PRI, ATS, VMW; IDR3 no DPT: only SMMUEN, EVENTQEN, CMDQEN remain.
  assert.equal(m.peek('CR0'), 0xdn);
  assert.equal(m.peek('CR0ACK'), 0xdn);
});

test('§6.3.9 CR0: PRIQEN, ATSCHK and VMW are acknowledged when IDR0 advertises PRI, ATS and VMW', () => {
  const m = new Smmu(config({ IDR0: IDR0_PRI_ATS_VMW }));
  const w = m.write(0x20, 4, BigInt(0x1 | 0x2 | 0x10 | (0x3 << 6)));
  assert.deepEqual(codes(w), []);
  assert.equal(m.peek('CR0ACK'), BigInt(0x1 | 0x2 | 0x10 | (0x3 << 6)));
  const dpt = m.write(0x20, 4, 0x400n);
  assert.deepEqual(
    dpt.findings.map((f) => f.field),
    ['DPT_WALK_EN'],
  );
});

test('§6.3.16 IRQ_CTRL is acknowledged in IRQ_CTRLACK; PRIQ_IRQEN only with IDR0.PRI', () => {
  const m = new Smmu(config());
  const w = m.write(0x50, 4, 0x7n);
  assert.deepEqual(
    w.findings.map((f) => `${f.code}:${f.field}`),
    ['write.unadvertised:PRIQ_IRQEN'],
  );
  assert.equal(m.read(0x54, 4).value, 0x5n);
  const p = new Smmu(config({ IDR0: IDR0_PRI_ATS_VMW }));
  p.write(0x50, 4, 0x7n);
  assert.equal(p.read(0x54, 4).value, 0x7n);
});

test('§6.3.20 GERRORN: toggling an inactive error is CONSTRAINED UNPREDICTABLE and reported', () => {
  const m = new Smmu(config());
  const w = m.write(0x64, 4, 0x1n);
  assert.deepEqual(codes(w), ['gerrorn.inactive-toggle']);
  assert.match(w.findings[0].message, /CMDQ_ERR/);
  assert.equal(m.read(0x64, 4).value, 0x1n, 'GERRORN reads what was last written');
});

test('§6.3.14.1 GBPA: a write without Update is ignored; with Update it applies and Update reads 0', () => {
  const m = new Smmu(config());
  assert.equal(m.read(0x44, 4).value, 0x1000n);
  const w = m.write(0x44, 4, 0x0010_0000n);
  assert.deepEqual(codes(w), ['gbpa.no-update']);
  assert.equal(m.read(0x44, 4).value, 0x1000n);
  assert.deepEqual(codes(m.write(0x44, 4, 0x8010_0000n)), []);
  assert.equal(m.read(0x44, 4).value, 0x0010_0000n);
});

test('§6.3.26 CMDQ_BASE: LOG2SIZE above IDR1.CMDQS reads back as written and is reported', () => {
  const m = new Smmu(config({ IDR1: (8 << 21) | (8 << 16) | 16 }));
  const w = m.write(0x90, 8, 0x8000_0000n | 12n);
  assert.deepEqual(codes(w), ['queue.log2size']);
  assert.equal(m.read(0x90, 8).value & 0x1fn, 12n);
});

test('§6.3.26 CMDQ_BASE: address bits below the queue size are reported as treated as zero', () => {
  const m = new Smmu(config());
  assert.deepEqual(codes(m.write(0x90, 8, 0x8000_0100n | 8n)), ['queue.alignment']);
});

test('§6.2 CMDQ_BASE is Guarded by CR0.CMDQEN: a write while enabled is ignored', () => {
  const m = new Smmu(config());
  m.write(0x90, 8, 0x8000_0000n | 8n);
  m.write(0x20, 4, 0x8n);
  const w = m.write(0x90, 8, 0x9000_0000n | 8n);
  assert.deepEqual(codes(w), ['write.guarded']);
  assert.equal(m.peek('CMDQ_BASE'), 0x8000_0008n);
  assert.deepEqual(codes(m.write(0x9c, 4, 0n)), ['write.guarded'], 'CMDQ_CONS too');
  assert.deepEqual(codes(m.write(0x98, 4, 1n)), [], 'CMDQ_PROD is always writable');
});

test('§6.3.27 PROD/CONS: index in [QS-1:0], wrap at [QS]; higher bits are not stored', () => {
  const m = new Smmu(config());
  m.write(0x90, 8, 0x8000_0000n | 3n);
  const w = m.write(0x98, 4, 0x1fn);
  assert.deepEqual(codes(w), ['queue.index-range']);
  assert.equal(m.peek('CMDQ_PROD'), 0xfn);
});

test('§6.3.27 an index write keeps the register bits outside the index: EVENTQ_CONS.OVACKFLG, bit 31', () => {
  const m = new Smmu(config());
  m.write(0xa0, 8, 0x8000_0000n | 2n);
  // Index 0x1d with LOG2SIZE 2: bits [1:0] index, [2] wrap; 0x18 is dropped, OVACKFLG stays.
  assert.deepEqual(codes(m.write(0x100ac, 4, 0x8000_001dn)), ['queue.index-range']);
  assert.equal(m.peek('EVENTQ_CONS'), 0x8000_0005n);
  assert.deepEqual(codes(m.write(0x100ac, 4, 0x8000_0003n)), []);
  assert.equal(m.peek('EVENTQ_CONS'), 0x8000_0003n);
});

test('§3.5 PROD more than one queue size ahead of CONS is an impossible state', () => {
  const m = new Smmu(config());
  m.write(0x90, 8, 0x8000_0000n | 3n);
  m.write(0x9c, 4, 0x0n);
  assert.deepEqual(codes(m.write(0x98, 4, 0x9n)), [], 'not checked while the queue is disabled');
  m.write(0x98, 4, 0x0n);
  m.write(0x20, 4, 0x8n);
  assert.deepEqual(codes(m.write(0x98, 4, 0x8n)), [], 'full queue: index equal, wrap different');
  assert.deepEqual(codes(m.write(0x98, 4, 0x9n)), ['queue.index-state']);
});

test('§6.3.25 STRTAB_BASE_CFG is Guarded by CR0.SMMUEN', () => {
  const m = new Smmu(config());
  m.write(0x88, 4, 16n);
  m.write(0x20, 4, 0x1n);
  assert.deepEqual(codes(m.write(0x88, 4, 8n)), ['write.guarded']);
  assert.equal(m.peek('STRTAB_BASE_CFG'), 16n);
});

test('registers of unadvertised features are undefined locations (PRIQ_BASE without IDR0.PRI)', () => {
  const m = new Smmu(config());
  const w = m.write(0xc0, 8, 0x8000_0000n);
  assert.deepEqual(codes(w), ['register.unimplemented']);
  assert.equal(m.read(0xc0, 8).value, 0n);
  const p = new Smmu(config({ IDR0: IDR0_PRI_ATS_VMW, IDR1: 0x02730010 | (8 << 11) }));
  assert.deepEqual(codes(p.write(0xc0, 8, 0x8000_0000n | 4n)), []);
  assert.deepEqual(codes(p.write(0x100c8, 4, 0n)), []);
});

test('a value wider than the access is reported and truncated', () => {
  const m = new Smmu(config());
  const w = m.write(0x20, 4, 0x1_0000_0008n);
  assert.deepEqual(codes(w), ['value.width']);
  assert.equal(m.peek('CR0'), 0x8n);
});

test('every access is recorded with its findings and changes', () => {
  const m = new Smmu(config());
  m.write(0x20, 4, 0x9n);
  m.read(0x24, 4);
  assert.equal(m.history.length, 2);
  assert.deepEqual(
    m.history[0].result.changes.map((c) => c.register),
    ['CR0', 'CR0ACK'],
  );
  assert.equal(m.history[1].register, 'CR0ACK');
  assert.equal(m.history[1].value, 0x9n);
});

test('§6.3.25 STRTAB_BASE_CFG.SPLIT is RES0 when IDR0.ST_LEVEL == 0b00: not stored, reads 0, reported', () => {
  // QEMU's IDR0 with ST_LEVEL [28:27] cleared: a linear-only Stream table.
  const linearOnly = new Smmu(config({ IDR0: 0x0d44101a & ~(3 << 27), IDR1: 0x02730006 }));
  const w = linearOnly.write(0x88, 4, (8n << 6n) | 6n);
  assert.deepEqual(codes(w), ['write.unadvertised']);
  assert.equal(w.findings[0]!.field, 'SPLIT');
  assert.match(w.findings[0]!.message, /SMMU_STRTAB_BASE_CFG\.SPLIT is RES0 .*SMMU_IDR0\.ST_LEVEL/);
  assert.equal(linearOnly.read(0x88, 4).value, 6n, 'LOG2SIZE kept, SPLIT reads 0');
  // With the 2-level format advertised, SPLIT is a field: stored and read back.
  const twoLevel = new Smmu(config());
  assert.deepEqual(codes(twoLevel.write(0x88, 4, (1n << 16n) | (8n << 6n) | 16n)), []);
  assert.equal(twoLevel.read(0x88, 4).value, (1n << 16n) | (8n << 6n) | 16n);
});

test('§6.3.2, §6.3.24, §6.3.25 TABLES_PRESET: STRTAB_BASE and STRTAB_BASE_CFG read the preset values and are read-only', () => {
  const presetBases = { STRTAB_BASE: 0x4000_0000n | (1n << 62n), STRTAB_BASE_CFG: (1n << 16n) | (8n << 6n) | 16n };
  const m = new Smmu({ ...config({ IDR1: 0x02730010 | (1 << 30) }), presetBases });
  assert.equal(m.read(0x80, 8).value, 0x4000_0000n | (1n << 62n));
  assert.equal(m.read(0x88, 4).value, 0x10210n);
  const w = m.write(0x80, 8, 0x5000_0000n);
  assert.deepEqual(codes(w), ['write.preset']);
  assert.equal(w.findings[0]!.severity, 'warning');
  assert.match(
    w.findings[0]!.message,
    /SMMU_STRTAB_BASE is read-only because SMMU_IDR1\.TABLES_PRESET == 1 fixes it .*the write is ignored/,
  );
  assert.deepEqual(codes(m.write(0x88, 4, 8n)), ['write.preset']);
  // The 32-bit fast path (no recording) ignores the write too.
  m.recording = false;
  assert.equal(m.write32(0x80, 0x1234_0000), false);
  assert.equal(m.peek('STRTAB_BASE'), 0x4000_0000n | (1n << 62n));
  assert.equal(m.peek('STRTAB_BASE_CFG'), 0x10210n);
  // Without the preset bit the registers are software's: UNKNOWN at reset (0 here), written freely.
  const free = new Smmu({ ...config(), presetBases });
  assert.equal(free.read(0x80, 8).value, 0n);
  assert.deepEqual(codes(free.write(0x80, 8, 0x5000_0000n)), []);
  assert.equal(free.peek('STRTAB_BASE'), 0x5000_0000n);
});

test('§6.3.2, §6.3.26, §6.3.29, §6.3.33 QUEUES_PRESET: the queue bases read the preset values and are read-only; the PROD/CONS indexes stay writable', () => {
  const presetBases = { CMDQ_BASE: 0x4010_0000n | 8n, EVENTQ_BASE: 0x4020_0000n | 7n, PRIQ_BASE: 0x4030_0000n | 6n };
  const m = new Smmu({ ...config({ IDR0: IDR0_PRI_ATS_VMW, IDR1: 0x02730010 | (8 << 11) | (1 << 29) }), presetBases });
  assert.equal(m.read(0x90, 8).value, 0x4010_0008n);
  assert.equal(m.read(0xa0, 8).value, 0x4020_0007n);
  assert.equal(m.read(0xc0, 8).value, 0x4030_0006n);
  for (const off of [0x90, 0xa0, 0xc0, 0x94])
    assert.deepEqual(codes(m.write(off, 4, 0x10n)), ['write.preset'], `offset ${off.toString(16)}`);
  assert.equal(m.peek('CMDQ_BASE'), 0x4010_0008n);
  assert.deepEqual(codes(m.write(0x98, 4, 3n)), []);
  assert.equal(m.peek('CMDQ_PROD'), 3n);
  // TABLES_PRESET is clear here: the Stream table registers are writable.
  assert.deepEqual(codes(m.write(0x88, 4, 8n)), []);
});

test('§6.2.1 registers of advertised features are modelled (S_AGBPA, VATOS_SEL, GATOS_*, ECMDQ); without the feature they are undefined locations', () => {
  // IDR0.ATOS [15], IDR0.VATOS [20] and IDR1.ECMDQ [31] advertised, and S_IDR1.SECURE_IMPL [31].
  const base = config({ IDR0: 0x0d44101a | (1 << 15) | (1 << 20), IDR1: 0x02730010 | (1 << 31) });
  const m = new Smmu({ ...base, ids: { ...base.ids, S_IDR1: 1 << 31 } });
  // SMMU_S_AGBPA is modelled (§6.3.64): it holds what a Secure access writes, and says nothing.
  assert.deepEqual(codes(m.write(0x8048, 4, 9n, 'secure')), []);
  const r = m.read(0x8048, 4, 'secure');
  assert.deepEqual([r.value, codes(r)], [9n, []]);
  // SMMU_VATOS_SEL is modelled (§6.3.44): it holds what is written, and says nothing.
  assert.deepEqual(codes(m.write(0x180, 4, 7n)), []);
  assert.equal(m.read(0x180, 4).value, 7n);
  // SMMU_GATOS_* are modelled (§6.3.37–§6.3.40): GATOS_SID holds what is written, and says nothing.
  assert.deepEqual(codes(m.write(0x108, 8, 5n)), []);
  assert.equal(m.read(0x108, 8).value, 5n);
  // ECMDQ is modelled: with SMMU_IDR6 = 0 there is one control page, so CFG1 is beyond it (§6.3.45).
  assert.match(m.write(0x4028, 4, 1n).findings[0]!.message, /^0x4028 is SMMU_CMDQ_CONTROL_PAGE_CFG1, beyond the 1 /);
  // MPAM is not advertised here: MPAMIDR (modelled, §6.3.41) is an undefined location, and it says whose.
  const d = m.read(0x130, 4);
  assert.deepEqual(codes(d), ['register.unimplemented']);
  assert.match(
    d.findings[0]!.message,
    /SMMU_MPAMIDR is not implemented: SMMU_IDR3\.MPAM == 1 does not hold in this configuration, so 0x0130 is an undefined location/,
  );
  // Between the arrays' registers (0x4010 is not a register of control page 0) the location stays undefined.
  assert.deepEqual(codes(m.read(0x4010, 4)), ['offset.undefined']);
});

/** QEMU-like IDs with ATS (IDR0 [10]) and DPT (IDR3 [15]), as a DPT needs (§6.3.4). */
const DPT_IDS = { IDR0: 0x0d44101a | (1 << 10), IDR3: 0x00001404 | (1 << 15) };

test('§6.3.46, §6.3.47 with SMMU_IDR3.DPT the DPT_BASE and DPT_BASE_CFG registers hold what software writes, and are read-only while CR0.DPT_WALK_EN is 1', () => {
  const m = new Smmu(config(DPT_IDS));
  const base = 0x4800_0000n | (1n << 62n);
  const cfg = (9n << 20n) | 5n; // L0DPTSZ 39 bits, DPTGS 4 KB, DPTPS 48 bits
  assert.deepEqual(codes(m.write(0x200, 8, base)), []);
  assert.deepEqual(codes(m.write(0x208, 4, cfg)), []);
  assert.equal(m.read(0x200, 8).value, base);
  assert.equal(m.read(0x208, 4).value, cfg);
  // Bits [11:0] of DPT_BASE and [13:3] of DPT_BASE_CFG are RES0 (§6.3.46, §6.3.47).
  assert.deepEqual(codes(m.write(0x200, 8, base | 0xfffn)), ['write.res0']);
  assert.equal(m.read(0x200, 8).value, base);
  // DPT_WALK_EN [10] set: both registers are read-only (their "Accessing" sections).
  assert.deepEqual(codes(m.write(0x20, 4, 1n << 10n)), []);
  assert.equal(m.read(0x24, 4).value, 1n << 10n, 'CR0ACK acknowledges DPT_WALK_EN');
  assert.deepEqual(codes(m.write(0x200, 8, 0x4900_0000n)), ['write.guarded']);
  assert.deepEqual(codes(m.write(0x208, 4, 0n)), ['write.guarded']);
  assert.equal(m.read(0x200, 8).value, base);
  assert.equal(m.read(0x208, 4).value, cfg);
});

test('§6.3.48 DPT_CFG_FAR resets to 0; a write is IGNORED unless it clears FAULT, and clearing FAULT clears the whole register', () => {
  const m = new Smmu(config(DPT_IDS));
  assert.equal(m.read(0x210, 8).value, 0n);
  // Writing FAULT = 1 does not make a fault active; nor do writes to the RO fields.
  const w = m.write(0x210, 8, 0x4800_0000n | (1n << 4n) | 1n);
  assert.deepEqual(codes(w), ['write.ignored']);
  assert.match(w.findings[0]!.message, /SMMU_DPT_CFG_FAR: a write is IGNORED unless it clears FAULT while FAULT is 1/);
  assert.equal(m.read(0x210, 8).value, 0n);
  // A recorded fault (the SMMU's update): level 1 DPT_EABT at 0x48001000.
  const fault = 0x4800_1000n | (3n << 4n) | (1n << 1n) | 1n;
  m.setOwned('DPT_CFG_FAR', fault);
  assert.deepEqual(codes(m.write(0x210, 8, fault)), [], 'a write that keeps FAULT changes nothing');
  assert.equal(m.read(0x210, 8).value, fault);
  assert.deepEqual(codes(m.write(0x210, 4, fault & ~1n & 0xffff_ffffn)), []);
  assert.equal(m.read(0x210, 8).value, 0n, 'clearing FAULT clears FADDR, DPT_FAULTCODE and LEVEL too');
});

test('§6.3.46–§6.3.48 without SMMU_IDR3.DPT the DPT registers are undefined locations', () => {
  const m = new Smmu(config());
  for (const [off, size] of [
    [0x200, 8],
    [0x208, 4],
    [0x210, 8],
  ] as const) {
    const r = m.read(off, size);
    assert.deepEqual([r.value, codes(r)], [0n, ['register.unimplemented']], `0x${off.toString(16)}`);
  }
});
