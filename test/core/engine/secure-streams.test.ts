/**
 * Secure streams (§3.10): a transaction with SEC_SID = 1 is configured through the Secure
 * programming interface (SMMU_S_CR0.SMMUEN, SMMU_S_GBPA, the Secure Stream table) and its events go
 * to the Secure Event queue; Secure STEs follow the Secure rules of §5.2; configuration caches and
 * the TLB keep the two Security states apart. Scripts run through the real parser, resolver and
 * interpreter on the smmuv3.3-secure-ats preset (SMMU_S_IDR1: SECURE_IMPL, SEL2, S_SIDSIZE 16).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../core/engine/engine';
import { run } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import type { ScriptDiagnostic } from '../../../core/base/diagnostics';
import { PRESETS } from '../../../core/config/presets';
import type { ResolvedConfig } from '../../../core/config/types';
import { cacheKeyText, invalidateCds, invalidateStreams, steKey, cdKey } from '../../../core/engine/config-cache';
import { checkSte } from '../../../core/structures/ste';
import { encodeStructure } from '../../../core/structures/encode';
import { STE } from '../../../core/structures/ste';
import { config } from '../../harness/helpers';
import { currentStreamTable } from '../../../core/engine/stream-table';
import { SECURE } from '../../../core/engine/security';

const SECURE_ATS = (PRESETS.get('smmuv3.3-secure-ats') as { config: ResolvedConfig }).config;
/** The same SMMU without Secure stage 2 (SMMU_S_IDR1.SEL2 [29] = 0; SECURE_IMPL [31], S_SIDSIZE [5:0] 16). */
const NO_SEL2: ResolvedConfig = { ...SECURE_ATS, ids: { ...SECURE_ATS.ids, S_IDR1: 0x8000_0010 } };
/** The same SMMU with SMMU_IDR1.ATTR_PERMS_OVR [26]: STE.NSCFG and SMMU_S_GBPA.NSCFG exist (§5.2, §6.3.63). */
const ATTR_PERMS: ResolvedConfig = {
  ...SECURE_ATS,
  ids: { ...SECURE_ATS.ids, IDR1: ((SECURE_ATS.ids.IDR1 ?? 0) | (1 << 26)) >>> 0 },
};

/** Both interfaces enabled: the Non-secure one with its tables at 0x40000000, the Secure one at 0x4E000000. */
const PRELUDE = `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=3
write32 CR2 RECINVSID
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
write64 S_STRTAB_BASE 0x4E000000
write32 S_STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4
write64 S_EVENTQ_BASE 0x4E200000 | LOG2SIZE=3
write32 S_CR2 RECINVSID
write32 S_CR0 SMMUEN|EVENTQEN
read32 S_CR0ACK == SMMUEN|EVENTQEN
`;

interface Ran {
  readonly engine: Engine;
  readonly diagnostics: readonly ScriptDiagnostic[];
  /** What each engine statement did (the `--trace` line). */
  readonly summaries: readonly string[];
  /** Errors and warnings, as `code: message`. */
  readonly problems: readonly string[];
}

function runScript(body: string, cfg: ResolvedConfig = SECURE_ATS, prelude = PRELUDE): Ran {
  const resolved = analyzeScript(prelude + body);
  const engine = new Engine(cfg);
  const result = run(resolved.statements, engine);
  const diagnostics = result.diagnostics;
  return {
    engine,
    diagnostics,
    summaries: result.observations.flatMap((o) => (o.summary ? [o.summary] : [])),
    problems: [...resolved.diagnostics, ...diagnostics]
      .filter((d) => d.severity === 'error' || d.severity === 'warning')
      .map((d) => `${d.code}: ${d.message}`),
  };
}

const eventTexts = (e: Engine) => e.activity.filter((a) => a.kind === 'event').map((a) => a.text);

test('§3.10.1, §3.10.2.1: SEC_SID = 1 indexes the Secure Stream table; the same StreamID without `secure` is a Non-secure stream', () => {
  const r = runScript(`
ste 3 secure V Config=BYPASS
ste 3 V Config=ABORT
dma read sid=3 iova=0x80000000 secure == bypass
dma read sid=3 iova=0x80000000 == abort
dma read sid=3 iova=0x80000000 secure == bypass
`);
  assert.deepEqual(r.problems, []);
  // The Secure STE is at S_STRTAB_BASE + 64 × 3, the Non-secure one at STRTAB_BASE + 64 × 3.
  const fetched = r.engine.activity.filter((a) => a.kind === 'fetch').map((a) => a.text);
  assert.deepEqual(fetched, [
    'fetched Secure STE 3 from 0x000000004E0000C0 (Secure PA space)',
    'fetched STE 3 from 0x00000000400000C0',
  ]);
});

test('§3.10.2: a Secure stream follows SMMU_S_CR0.SMMUEN and SMMU_S_GBPA, not SMMU_CR0 and SMMU_GBPA', () => {
  const r = runScript(
    `
write32 S_GBPA Update|ABORT
dma read sid=1 iova=0x80000000 secure == abort
dma read sid=1 iova=0x80000000 == bypass
write32 S_GBPA Update|NSCFG=3
dma read sid=1 iova=0x80000000 secure == bypass
write32 GBPA Update|ABORT
dma read sid=1 iova=0x80000000 == abort
dma read sid=1 iova=0x80000000 secure == bypass
`,
    ATTR_PERMS,
    '',
  );
  assert.deepEqual(r.problems, []);
  // S_GBPA.NSCFG = 0b11: the bypass targets the Non-secure PA space (§6.3.63).
  assert.ok(
    r.summaries.some((m) => /SMMU_S_GBPA attributes, to the Non-secure PA space \(NSCFG = 0b11\)/.test(m)),
    r.summaries.join('\n'),
  );
});

test('§6.3.73: a Secure StreamID beyond SMMU_S_STRTAB_BASE_CFG.LOG2SIZE is C_BAD_STREAMID, recorded per SMMU_S_CR2.RECINVSID in the Secure Event queue', () => {
  const r = runScript(`
dma read sid=16 iova=0 secure == C_BAD_STREAMID
expect event C_BAD_STREAMID StreamID=16
read32 S_EVENTQ_PROD.WR == 1
read32 EVENTQ_PROD.WR == 0
write32 S_CR0 EVENTQEN
write32 S_CR2 0
write32 S_CR0 SMMUEN|EVENTQEN
dma read sid=17 iova=0 secure == C_BAD_STREAMID
read32 S_EVENTQ_PROD.WR == 1
`);
  assert.deepEqual(r.problems, []);
  assert.match(
    eventTexts(r.engine)[0] ?? '',
    /^S_EVENTQ\[0\] ← C_BAD_STREAMID StreamID=0x10 .*outside the Secure stream table/,
  );
});

test('§6.3.53 S_SIDSIZE, §6.3.73: the Secure Stream table is capped at SMMU_S_IDR1.S_SIDSIZE, the Non-secure one at SMMU_IDR1.SIDSIZE', () => {
  // S_SIDSIZE 6 (SECURE_IMPL [31], SEL2 [29]): 64 Secure StreamIDs; SIDSIZE stays 16.
  const sid6: ResolvedConfig = { ...SECURE_ATS, ids: { ...SECURE_ATS.ids, S_IDR1: 0xa000_0006 } };
  const r = runScript(
    `
ste 63 secure V Config=BYPASS
ste 64 secure V Config=BYPASS
ste 64 V Config=BYPASS
dma read sid=63 iova=0x1000 secure == bypass
dma read sid=64 iova=0x1000 secure == C_BAD_STREAMID
dma read sid=64 iova=0x1000 == bypass
`,
    sid6,
    PRELUDE.replace('S_STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4', 'S_STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8'),
  );
  assert.equal(currentStreamTable(r.engine, SECURE).log2, 6);
  assert.equal(currentStreamTable(r.engine).log2, 8);
  assert.deepEqual(r.problems, []);
});

test('§3.10.2.1: events of a Secure stream are written to the Secure Event queue, with its interrupt and MSI; Non-secure ones to the Non-secure queue', () => {
  const r = runScript(`
write64 S_EVENTQ_IRQ_CFG0 0x4E900000
write32 S_EVENTQ_IRQ_CFG1 0x77
write32 S_IRQ_CTRL EVENTQ_IRQEN
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
dma read sid=2 iova=0x1000 secure == C_BAD_CD
expect event C_BAD_CD StreamID=2
expect irq S_EVENTQ
expect msi addr=0x4E900000 data=0x77
read32 S_EVENTQ_PROD.WR == 1
read32 EVENTQ_PROD.WR == 0
ste 2 V Config=S1_TRANS S1ContextPtr=0x44000000
dma read sid=2 iova=0x1000 == C_BAD_CD
read32 EVENTQ_PROD.WR == 1
read32 S_EVENTQ_PROD.WR == 1
`);
  assert.deepEqual(r.problems, []);
  // The record is in the Secure PA space at SMMU_S_EVENTQ_BASE (§3.10.2): C_BAD_CD is event 0x0A,
  // StreamID in word 1; the same address of the Non-secure PA space is untouched.
  const secure = r.engine.memory.secureSpace();
  assert.equal(secure.read32(0x4e20_0000), 0x0a);
  assert.equal(secure.read32(0x4e20_0004), 2);
  assert.equal(r.engine.memory.read32(0x4e20_0000), 0);
  assert.equal(r.engine.memory.read32(0x4020_0000), 0x0a);
  assert.equal(secure.read32(0x4020_0000), 0);
});

test('§3.10.2.1, §7.4: the Secure Event queue has its own enable and its own GERROR: S_CR0.EVENTQEN = 0 discards; an abort sets SMMU_S_GERROR.EVENTQ_ABT_ERR, not SMMU_GERROR', () => {
  const r = runScript(`
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
write32 S_CR0 SMMUEN
dma read sid=2 iova=0x1000 secure == C_BAD_CD
read32 S_EVENTQ_PROD.WR == 0
write32 S_CR0 SMMUEN|EVENTQEN
mem abort 0x4E200000 0x100
dma read sid=2 iova=0x1000 secure == C_BAD_CD
read32 S_GERROR.EVENTQ_ABT_ERR == 1
read32 GERROR == 0
`);
  assert.deepEqual(
    r.problems.filter((p) => !p.startsWith('event.') && !p.startsWith('gerror.') && !p.startsWith('s_gerror.')),
    [],
  );
  assert.match(eventTexts(r.engine)[0] ?? '', /discarded: S_CR0\.EVENTQEN is 0/);
  assert.ok(r.engine.activity.some((a) => a.kind === 'gerror' && /^S_GERROR\.EVENTQ_ABT_ERR activated/.test(a.text)));
});

test('§5.2 NSCFG: a Secure STE in bypass targets the PA space NSCFG selects (with SMMU_IDR1.ATTR_PERMS_OVR), else the input NS attribute', () => {
  const body = `
ste 3 secure V Config=BYPASS NSCFG=3
ste 4 secure V Config=BYPASS NSCFG=2
ste 5 secure V Config=BYPASS
dma read sid=3 iova=0x1000 secure
dma read sid=4 iova=0x1000 secure ns
dma read sid=5 iova=0x1000 secure ns
dma read sid=5 iova=0x1000 secure
`;
  const spaces = (cfg: ResolvedConfig) =>
    runScript(body, cfg)
      .summaries.map((m) => /bypass to the (\S+) PA space/.exec(m)?.[1])
      .filter((x) => x !== undefined);
  // NSCFG 0b11 Non-secure, 0b10 Secure, 0b00 the input NS attribute (`ns`: Non-secure).
  assert.deepEqual(spaces(ATTR_PERMS), ['Non-secure', 'Secure', 'Non-secure', 'Secure']);
  // Without ATTR_PERMS_OVR NSCFG is RES0 and the input NS attribute passes (§5.2 NSCFG).
  assert.equal(((SECURE_ATS.ids.IDR1 ?? 0) >>> 26) & 1, 0);
  assert.deepEqual(spaces(SECURE_ATS), ['Secure', 'Non-secure', 'Non-secure', 'Secure']);
});

test('§5.2 Config, §3.10.2.2: a Secure STE with stage 2 is ILLEGAL without SMMU_S_IDR1.SEL2; with SEL2 it is legal and walked (secure-stage2.test.ts)', () => {
  const body = `
ste 6 secure V Config=S2_TRANS S2T0SZ=24 S2SL0=1 S2TG=0 S2PS=4 S2AA64 S2TTB=0x4E500000 S_S2T0SZ=24 S_S2SL0=1 S_S2TTB=0x4E500000
dma read sid=6 iova=0x1000 secure
`;
  const without = runScript(body, NO_SEL2);
  assert.ok(
    without.problems.some((p) => /^ste\.illegal: .*SMMU_S_IDR1\.SEL2 is 0/.test(p)),
    without.problems.join('\n'),
  );
  assert.match(eventTexts(without.engine)[0] ?? '', /C_BAD_STE StreamID=0x6/);
  const withSel2 = runScript(body);
  assert.ok(!withSel2.problems.some((p) => p.startsWith('ste.illegal')), withSel2.problems.join('\n'));
  // S_S2TTB at 0x4E500000 holds no valid descriptor: a stage 2 Translation fault (no walk.not-modelled
  // note), which S2R = 0 does not record (§5.5).
  assert.deepEqual(
    withSel2.problems.map((p) => p.split(':')[0]),
    ['dma.fault'],
  );
  assert.match(withSel2.problems[0] ?? '', /F_TRANSLATION at stage 2, level 1: the level 1 descriptor at 0x4E500000/);
  assert.deepEqual(eventTexts(withSel2.engine), []);
});

test('§5.2 STRW: in a Secure STE 0b01 is EL3 (legal), 0b10 needs SMMU_S_IDR1.SEL2, 0b11 is ILLEGAL; in a Non-secure STE 0b01 is ILLEGAL', () => {
  const w = (fields: Record<string, bigint>) => encodeStructure(STE, new Map(Object.entries(fields))).words;
  const s1 = { V: 1n, Config: 0b101n, S1ContextPtr: 0x4e30_0000n };
  const ids = new Engine(SECURE_ATS).ids;
  const noSel2 = new Engine(NO_SEL2).ids;
  const secure = { secure: { sel2: true }, stallModel: 0 };
  const reasons = (v: { illegal: readonly { message: string }[] }) => v.illegal.map((p) => p.message);
  assert.deepEqual(reasons(checkSte(w({ ...s1, STRW: 1n }), ids, secure)), []);
  assert.match(reasons(checkSte(w({ ...s1, STRW: 1n }), ids)).join(), /STRW = 0b01 is reserved/);
  assert.match(
    reasons(checkSte(w({ ...s1, STRW: 3n }), ids, secure)).join(),
    /STRW = 0b11 is reserved in a Secure STE/,
  );
  assert.deepEqual(reasons(checkSte(w({ ...s1, STRW: 2n }), ids, secure)), []);
  assert.match(
    reasons(checkSte(w({ ...s1, STRW: 2n }), noSel2, { secure: { sel2: false }, stallModel: 0 })).join(),
    /STRW = 0b10 \(S-EL2\) but SMMU_S_IDR1\.SEL2 is 0/,
  );
  // §5.2 EATS: RES0 in a Secure STE (effective 0b00), so split-stage ATS without stage 2 is not ILLEGAL there.
  assert.match(reasons(checkSte(w({ ...s1, EATS: 2n }), ids)).join(), /EATS = 0b10/);
  assert.deepEqual(reasons(checkSte(w({ ...s1, EATS: 2n }), ids, secure)), []);
});

test('§3.10.2.1: the configuration cache keeps Secure and Non-secure StreamID 3 apart: a Non-secure CMD_CFGI_STE 3 leaves the Secure STE cached', () => {
  const r = runScript(`
ste 3 secure V Config=BYPASS
ste 3 V Config=BYPASS
dma read sid=3 iova=0x1000 secure == bypass
dma read sid=3 iova=0x1000 == bypass
ste 3 secure V Config=ABORT
ste 3 V Config=ABORT
cmd CFGI_STE StreamID=3
cmd SYNC
doorbell
dma read sid=3 iova=0x1000 == abort
dma read sid=3 iova=0x1000 secure == bypass
`);
  // The Secure STE was not invalidated by the Non-secure command: its old Config still applies, and
  // the model says which invalidation is missing.
  assert.deepEqual(
    r.problems.map((p) => p.split(':')[0]),
    ['stale.ste'],
    r.problems.join('\n'),
  );
  assert.match(r.problems[0] ?? '', /cached STE for Secure StreamID 3.*CMD_CFGI_STE \(SSec = 1/);
});

test('§4.3.1, §4.1.6: CMD_CFGI_STE with SSec = 1 from the Secure Command queue invalidates the Secure STE, and only it', () => {
  const r = runScript(`
write64 S_CMDQ_BASE 0x4E100000 | LOG2SIZE=4
write32 S_CR0 SMMUEN|EVENTQEN|CMDQEN
ste 3 secure V Config=BYPASS
ste 3 V Config=BYPASS
dma read sid=3 iova=0x1000 secure == bypass
dma read sid=3 iova=0x1000 == bypass
ste 3 secure V Config=ABORT
ste 3 V Config=ABORT
cmd CFGI_STE sid=3 SSec secure
cmd SYNC secure
doorbell secure
dma read sid=3 iova=0x1000 secure == abort
dma read sid=3 iova=0x1000 == bypass
`);
  // The Secure STE was fetched again; the Non-secure one, not invalidated, is stale.
  assert.deepEqual(
    r.problems.map((p) => p.split(':')[0]),
    ['stale.ste'],
    r.problems.join('\n'),
  );
  assert.match(r.problems[0] ?? '', /cached STE for StreamID 3/);
  assert.ok(
    r.engine.activity.some((a) =>
      /CMD_CFGI_STE SSec=1 StreamID=0x3: Secure configuration \(SSec = 1\): 1 cached structure invalidated/.test(
        a.text,
      ),
    ),
  );
});

test('§3.10.2.1, §4.3: invalidateStreams and invalidateCds take the Security state a command addresses', () => {
  const e = new Engine(SECURE_ATS);
  const cc = e.configCache;
  const entry = { address: 0, words: new Uint32Array(16), decoded: {}, seq: 0 };
  const fill = () => {
    for (const secure of [false, true]) {
      cc.ste.set(steKey(3, secure), entry);
      cc.ste.set(steKey(4, secure), entry);
      cc.l1st.set(steKey(0, secure), entry);
      cc.cd.set(cdKey(3, 1, secure), entry);
      cc.cd.set(cdKey(3, 2, secure), entry);
      cc.l1cd.set(cdKey(3, 0, secure), entry);
    }
  };
  fill();
  // A Non-secure CMD_CFGI_STE 3, Leaf = 1: its STE and CDs, not the Secure stream's.
  assert.equal(invalidateStreams(cc, false, 3, 1, true), 4);
  assert.ok(cc.ste.get(steKey(3, true)) && cc.cd.get(cdKey(3, 1, true)) && cc.l1cd.get(cdKey(3, 0, true)));
  assert.equal(cc.ste.get(steKey(3, false)), undefined);
  // Secure CMD_CFGI_ALL (Leaf = 0): every Secure entry, L1STDs included; the Non-secure ones stay.
  assert.equal(invalidateStreams(cc, true, 0, 2 ** 32, false), 6);
  assert.deepEqual(
    [cc.ste.size, cc.l1st.size, cc.cd.size, cc.l1cd.size],
    [1, 1, 0, 0],
    'Non-secure STE 4 and the Non-secure L1STD remain',
  );
  cc.clear();
  fill();
  assert.equal(invalidateCds(cc, true, 3, 1, true), 1);
  assert.equal(cc.cd.get(cdKey(3, 1, true)), undefined);
  assert.ok(cc.cd.get(cdKey(3, 1, false)));
  assert.equal(invalidateCds(cc, false, 3, 'all', true), 3, 'CMD_CFGI_CD_ALL: both CDs and the L1CD');
  assert.ok(cc.cd.get(cdKey(3, 2, true)) && cc.l1cd.get(cdKey(3, 0, true)));
});

test('§3.10.2, §3.17: Secure and Non-secure streams with the same ASID do not share TLB entries', () => {
  const r = runScript(`
tables 0x4F000000
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000
ste 4 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
ste 4 V Config=S1_TRANS S1ContextPtr=0x44000000
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 secure
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
dma read sid=4 iova=0x10000010 secure == 0x8E000010
dma read sid=4 iova=0x10000010 == 0x80000010
dma read sid=4 iova=0x10000010 secure == 0x8E000010
`);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.engine.tlb
      .entries()
      .map((t) => t.regime)
      .sort(),
    ['NH', 'S'],
  );
});

test('`dma … secure` needs the Secure state; `ns` needs `secure`; ATS from a Secure stream is refused', () => {
  const noSecure = runScript('dma read sid=1 iova=0 secure\n', config(), '');
  assert.deepEqual(
    noSecure.problems.map((p) => p.split(':')[0]),
    ['dma.secure'],
  );
  assert.match(noSecure.problems[0] ?? '', /SMMU_S_IDR1\.SECURE_IMPL == 1.*§3\.10\.1/);
  const ns = runScript('dma read sid=1 iova=0 ns\n', SECURE_ATS, '');
  assert.match(ns.problems.join(), /^dma\.secure: 'ns' is the input NS attribute of a Secure stream/);
  const ats = runScript('dma read sid=1 iova=0 secure ats\n', SECURE_ATS, '');
  assert.match(ats.problems.join(), /^dma\.secure: 'ats' from a Secure stream is not modelled/);
  const ste = runScript('ste 1 secure V Config=BYPASS\n', config(), '');
  assert.match(ste.problems.join(), /^ste\.secure: /);
});

test('§3.12.2, §3.10.2: a stalled Secure transaction is kept apart: a Non-secure CMD_STALL_TERM of the same StreamID does not reach it', () => {
  const r = runScript(`
tables 0x4F000000
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R S A ASID=1 TTB0=0x4E400000
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
dma read sid=2 iova=0x20000000 secure == stall
read32 S_EVENTQ_PROD.WR == 1
cmd STALL_TERM StreamID=2
cmd SYNC
doorbell
`);
  assert.deepEqual(r.problems, []);
  // SMMU_S_IDR0.STALL_MODEL [25:24] is 0b00 in the preset: CD.S = 1 stalls.
  assert.equal(((SECURE_ATS.ids.S_IDR0 ?? 0) >>> 24) & 3, 0);
  assert.deepEqual([...r.engine.stalled.keys()], ['S2:0']);
  assert.match(eventTexts(r.engine)[0] ?? '', /^S_EVENTQ\[0\] ← F_TRANSLATION .*Stall=STALLED/);
});

test("§4.7.1, §4.7.2, §4.1.6: CMD_RESUME and CMD_STALL_TERM with SSec = 1 from the Secure queue reach the Secure stream's stalls only", () => {
  const r = runScript(`
write64 S_CMDQ_BASE 0x4E100000 | LOG2SIZE=4
write32 S_CR0 SMMUEN|EVENTQEN|CMDQEN
tables 0x4F000000
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R S A ASID=1 TTB0=0x4E400000
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R S A ASID=2 TTB0=0x45000000
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
ste 2 V Config=S1_TRANS S1ContextPtr=0x44000000
dma read sid=2 iova=0x20000000 secure == stall
dma read sid=2 iova=0x30000000 == stall
map ttb=0x4E400000 iova=0x20000000 pa=0x8E000000 secure
cmd RESUME StreamID=2 STAG=0 Ac SSec secure
cmd STALL_TERM StreamID=2 SSec secure
cmd SYNC secure
doorbell secure
`);
  assert.deepEqual(r.problems, []);
  // The Secure stall (STAG 0) was retried and translated; the Non-secure one (STAG 1) is untouched.
  assert.deepEqual([...r.engine.stalled.keys()], ['2:1']);
  const texts = r.engine.activity.filter((a) => a.kind === 'command').map((a) => a.text);
  assert.ok(
    texts.some((t) => /stalled transaction Secure StreamID 2 STAG 0 retried: translated → 0x0*8E000000/.test(t)),
    texts.join('\n'),
  );
  assert.ok(
    texts.some((t) => /0 stalled transactions of Secure StreamID 2 terminated/.test(t)),
    texts.join('\n'),
  );
});

test("§4.4.2 table: a Secure stream's stale TLB entry names the Secure queue's CMD_TLBI_NH_VA, which removes it", () => {
  const r = runScript(`
write64 S_CMDQ_BASE 0x4E100000 | LOG2SIZE=4
write32 S_CR0 SMMUEN|EVENTQEN|CMDQEN
tables 0x4F000000
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
map ttb=0x4E400000 iova=0x20000000 pa=0x8E000000 secure
dma read sid=2 iova=0x20000010 secure == 0x8E000010
map ttb=0x4E400000 iova=0x20000000 pa=0x8F000000 secure
dma read sid=2 iova=0x20000010 secure == 0x8E000010
cmd TLBI_NH_VA asid=1 Address=0x20000000 Leaf secure
cmd SYNC secure
doorbell secure
dma read sid=2 iova=0x20000010 secure == 0x8F000010
`);
  assert.deepEqual(
    r.problems.map((p) => p.split(':')[0]),
    ['stale.tlb'],
    r.problems.join('\n'),
  );
  assert.match(
    r.problems[0] ?? '',
    /Secure StreamID 2 .*a CMD_TLBI_NH_VA \(ASID 1\) on the Secure Command queue then CMD_SYNC is missing/,
  );
});

test('§6.3.67, §3.18: an aborted Secure Event queue MSI sets SMMU_S_GERROR.MSI_EVENTQ_ABT_ERR and raises the S_GERROR interrupt, not the Non-secure GERROR', () => {
  const r = runScript(`
write64 S_EVENTQ_IRQ_CFG0 0x4E900000
write32 S_EVENTQ_IRQ_CFG1 0x77
write32 S_IRQ_CTRL EVENTQ_IRQEN|GERROR_IRQEN
mem abort 0x4E900000 0x1000
dma read sid=9 iova=0 secure == C_BAD_STE
expect irq S_EVENTQ
expect irq S_GERROR
read32 S_GERROR.MSI_EVENTQ_ABT_ERR == 1
read32 GERROR == 0
`);
  assert.deepEqual(
    r.problems.filter((p) => !p.startsWith('msi.') && !p.startsWith('gerror.') && !p.startsWith('s_gerror.')),
    [],
  );
});

test('the debugger names cached entries by Security state: Secure StreamID 3 is not StreamID 4294967299', () => {
  assert.equal(cacheKeyText(steKey(3, false), 'ste'), 'StreamID 3');
  assert.equal(cacheKeyText(steKey(3, true), 'ste'), 'Secure StreamID 3');
  assert.equal(cacheKeyText(steKey(1, true), 'l1std'), 'Secure L1STD 1');
  assert.equal(cacheKeyText(cdKey(3, 7, true), 'cd'), 'Secure StreamID 3 SubstreamID 7');
  assert.equal(cacheKeyText(cdKey(0xffff_ffff, 0xf_ffff, false), 'cd'), 'StreamID 4294967295 SubstreamID 1048575');
  assert.equal(
    cacheKeyText(cdKey(0xffff_ffff, 0xf_ffff, true), 'cd'),
    'Secure StreamID 4294967295 SubstreamID 1048575',
  );
});
