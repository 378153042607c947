/**
 * Secure stage 2 and the S-EL2 StreamWorlds (§3.10.2.2, §5.2, §4.4; SMMU_S_IDR1.SEL2): a Secure
 * stream's two IPA spaces walk their own tables (S_S2TTB, S2TTB) and report the PA spaces S2SW,
 * S2SA, S2NSW and S2NSA select; the entries carry the Secure VMID and their own regime, so only the
 * invalidations the architecture names remove them, and a missing one is reported as stale.tlb.
 * Scripts run through the real resolver and interpreter on the smmuv3.3-secure-ats preset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS } from '../../../core/config/presets';
import type { ResolvedConfig } from '../../../core/config/types';
import { Engine } from '../../../core/engine/engine';
import { run } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import { secureStage2Spaces } from '../../../core/engine/secure-stage2';
import { encodeStructure } from '../../../core/structures/encode';
import { checkSte, decodeSte, SECURE_STE } from '../../../core/structures/ste';
import { decodeSecureStage2 } from '../../../core/structures/ste-secure';

const SECURE_ATS = (PRESETS.get('smmuv3.3-secure-ats') as { config: ResolvedConfig }).config;
/** With SMMU_IDR1.ATTR_PERMS_OVR [26]: STE.NSCFG exists and chooses a stage-2-only IPA space (§5.2 NSCFG). */
const ATTR_PERMS: ResolvedConfig = {
  ...SECURE_ATS,
  ids: { ...SECURE_ATS.ids, IDR1: ((SECURE_ATS.ids.IDR1 ?? 0) | (1 << 26)) >>> 0 },
};

/** Both interfaces enabled, each with a Command queue; tables allocated from 0x4F000000. */
const PRELUDE = `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=3
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
write64 S_STRTAB_BASE 0x4E000000
write32 S_STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4
write64 S_CMDQ_BASE 0x4E100000 | LOG2SIZE=4
write64 S_EVENTQ_BASE 0x4E200000 | LOG2SIZE=3
write32 S_CR2 RECINVSID
write32 S_CR0 SMMUEN|EVENTQEN|CMDQEN
tables 0x4F000000
`;

/** A 40-bit IPA, 4 KB granule, starting at level 1; the S_S2TTB and S2TTB tables given. */
const S2 = 'S2T0SZ=24 S2SL0=1 S2TG=0 S2PS=4 S2AA64 S2R';
const S_S2 = 'S_S2T0SZ=24 S_S2SL0=1 S_S2TG=0';
const MAP2 = 'stage=2 tsz=24 sl0=1';

interface Ran {
  readonly engine: Engine;
  /** Errors and warnings, as `code: message`. */
  readonly problems: readonly string[];
  /** The trace line of each `dma`. */
  readonly dma: readonly string[];
}

function runScript(body: string, cfg: ResolvedConfig = SECURE_ATS): Ran {
  const script = PRELUDE + body;
  const resolved = analyzeScript(script);
  const engine = new Engine(cfg);
  const result = run(resolved.statements, engine);
  const lines = script.split('\n');
  return {
    engine,
    problems: [...resolved.diagnostics, ...result.diagnostics]
      .filter((d) => d.severity === 'error' || d.severity === 'warning')
      .map((d) => `${d.code}: ${d.message}`),
    dma: result.observations.flatMap((o) =>
      o.summary !== undefined && lines[o.line]?.startsWith('dma ') ? [o.summary] : [],
    ),
  };
}

const codes = (r: Ran) => r.problems.map((p) => p.split(':')[0]);

test('§3.10.2.2: a Secure stage-2-only stream walks S_S2TTB for a Secure IPA and S2TTB for a Non-secure one (the input NS attribute), and says which PA spaces', () => {
  const r = runScript(`
ste 6 secure V Config=S2_TRANS S2VMID=5 ${S2} ${S_S2} S2TTB=0x46000000 S_S2TTB=0x47000000 S2SA
map ttb=0x47000000 iova=0x10000000 pa=0x8E000000 ${MAP2} secure
map ttb=0x46000000 iova=0x10000000 pa=0x80000000 ${MAP2} secure
dma read sid=6 iova=0x10000010 secure == 0x8E000010
dma read sid=6 iova=0x10000010 secure ns == 0x80000010
`);
  assert.deepEqual(r.problems, []);
  assert.match(
    r.dma[0] ?? '',
    /Secure IPA space \(the input NS attribute, 0\), its table S_S2TTB read in the Secure PA space \(S2SW = 0\), output to the Non-secure PA space \(S2SA = 1\)/,
  );
  // §3.10.2.2: S2SA = 1 makes the Non-secure IPA space's output Non-secure whatever S2NSA says.
  assert.match(
    r.dma[1] ?? '',
    /Non-secure IPA space \(the input NS attribute, 1\), its table S2TTB read in the Secure PA space \(S2NSW = 0\), output to the Non-secure PA space \(S2SW, S2SA or S2NSW is 1\)/,
  );
  // Each IPA space's entry under its own tag, with the Secure VMID (STE.S2VMID).
  assert.deepEqual(
    r.engine.tlb
      .entries()
      .map((e) => `${e.regime}/${e.vmid}/${e.stages}`)
      .sort(),
    ['S/5/2', 'S_NSIPA/5/2'],
  );
});

test('§3.10.2.2, §5.2 S2NSA/S2SA: the output PA space of each IPA space follows S2SW, S2SA, S2NSW and S2NSA', () => {
  const spaces = (fields: Record<string, bigint>) => {
    const w = encodeStructure(SECURE_STE, new Map(Object.entries({ V: 1n, Config: 0b110n, ...fields }))).words;
    const ste = { ...decodeSte(w), secureS2: decodeSecureStage2(w) };
    const s = secureStage2Spaces(ste, 'secure');
    const n = secureStage2Spaces(ste, 'non-secure');
    return `S:${s.walk}->${s.output} NS:${n.walk}->${n.output}`;
  };
  assert.equal(spaces({}), 'S:secure->secure NS:secure->secure');
  assert.equal(spaces({ S2NSA: 1n }), 'S:secure->secure NS:secure->non-secure');
  assert.equal(spaces({ S2SA: 1n }), 'S:secure->non-secure NS:secure->non-secure');
  // S2SW = 1: Secure IPA walks and output Non-secure (S2SA IGNORED, effective 1), so the
  // Non-secure IPA output is Non-secure even with S2NSA = 0.
  assert.equal(spaces({ S2SW: 1n }), 'S:non-secure->non-secure NS:secure->non-secure');
  assert.equal(spaces({ S2NSW: 1n }), 'S:secure->secure NS:non-secure->non-secure');
});

test('§5.2 NSCFG, §3.10.2.2: with SMMU_IDR1.ATTR_PERMS_OVR, STE.NSCFG chooses the IPA space of a stage-2-only Secure stream', () => {
  const body = (nscfg: number) => `
ste 6 secure V Config=S2_TRANS NSCFG=${nscfg} ${S2} ${S_S2} S2TTB=0x46000000 S_S2TTB=0x47000000
map ttb=0x47000000 iova=0x10000000 pa=0x8E000000 ${MAP2} secure
map ttb=0x46000000 iova=0x10000000 pa=0x80000000 ${MAP2} secure
dma read sid=6 iova=0x10000010 secure
`;
  const ns = runScript(body(3), ATTR_PERMS);
  assert.match(ns.dma[0] ?? '', /→ 0x0*80000010 .*Non-secure IPA space \(STE\.NSCFG = 0b11\)/);
  const s = runScript(body(2) + 'dma read sid=6 iova=0x10000010 secure ns\n', ATTR_PERMS);
  assert.match(s.dma[1] ?? '', /→ 0x0*8E000010 .*Secure IPA space \(STE\.NSCFG = 0b10\)/);
  // Without ATTR_PERMS_OVR NSCFG is RES0: the input NS attribute (0 here) chooses.
  const res0 = runScript(body(3));
  assert.match(res0.dma[0] ?? '', /→ 0x0*8E000010 .*Secure IPA space \(the input NS attribute, 0\)/);
});

test('§3.10.2.2: a nested Secure stream fetches its CD and translates its stage 1 output as Secure IPAs, through S_S2TTB', () => {
  const r = runScript(`
map ttb=0x47000000 iova=0x40000000 pa=0x40000000 size=0x40000000 ${MAP2} secure
map ttb=0x47000000 iova=0x0E000000 pa=0x8E000000 ${MAP2} secure
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000
map ttb=0x4E400000 iova=0x20000000 pa=0x0E000000 secure
ste 7 secure V Config=NESTED S1ContextPtr=0x4E300000 S2VMID=9 ${S2} ${S_S2} S2TTB=0x46000000 S_S2TTB=0x47000000
dma read sid=7 iova=0x20000010 secure == 0x8E000010
`);
  assert.deepEqual(r.problems, []);
  // The S2TTB table at 0x46000000 is empty: only S_S2TTB could have translated the CD pointer and the output.
  assert.match(r.dma[0] ?? '', /stage 1 \+ stage 2 walk.*Secure IPA space, its table S_S2TTB/);
  assert.deepEqual(
    r.engine.tlb.entries().map((e) => `${e.regime}/${e.vmid}/${e.asid}/${e.stages}`),
    ['S/9/1/12'],
  );
});

test('§3.10.2.2, §13.4.2: a nested Secure stream whose stage 1 output is Non-secure (NS = 1) translates it as a Non-secure IPA, through S2TTB', () => {
  // The same IPA 0x0E000000 in both IPA spaces: S_S2TTB maps it to 0x8E000000, S2TTB to 0x9E000000.
  const r = runScript(`
map ttb=0x47000000 iova=0x40000000 pa=0x40000000 size=0x40000000 ${MAP2} secure
map ttb=0x47000000 iova=0x0E000000 pa=0x8E000000 ${MAP2} secure
map ttb=0x46000000 iova=0x0E000000 pa=0x9E000000 ${MAP2} secure
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000
map ttb=0x4E400000 iova=0x20000000 pa=0x0E000000 ns secure
map ttb=0x4E400000 iova=0x30000000 pa=0x0E000000 secure
ste 7 secure V Config=NESTED S1ContextPtr=0x4E300000 S2VMID=9 ${S2} ${S_S2} S2TTB=0x46000000 S_S2TTB=0x47000000
dma read sid=7 iova=0x20000010 secure == 0x9E000010
dma read sid=7 iova=0x30000010 secure == 0x8E000010
`);
  assert.deepEqual(r.problems, []);
  assert.match(r.dma[0] ?? '', /Non-secure IPA space, its table S2TTB/);
  assert.match(r.dma[1] ?? '', /Secure IPA space, its table S_S2TTB/);
});

test("§3.10.2.2, §4.4.3.3: a stale Secure stage 2 entry names CMD_TLBI_S_S2_IPA on the Secure queue; the Non-secure queue's CMD_TLBI_S2_IPA and the Secure NH_ALL leave it, S_S2_IPA removes it", () => {
  const r = runScript(`
ste 6 secure V Config=S2_TRANS S2VMID=5 ${S2} ${S_S2} S2TTB=0x46000000 S_S2TTB=0x47000000
map ttb=0x47000000 iova=0x10000000 pa=0x8E000000 ${MAP2} secure
dma read sid=6 iova=0x10000010 secure == 0x8E000010
map ttb=0x47000000 iova=0x10000000 pa=0x8F000000 ${MAP2} secure
cmd TLBI_S2_IPA VMID=5 Address=0x10000000
cmd SYNC
doorbell
cmd TLBI_NH_ALL VMID=5 secure
cmd SYNC secure
doorbell secure
dma read sid=6 iova=0x10000010 secure == 0x8E000010
cmd TLBI_S_S2_IPA VMID=4 Address=0x10000000 secure
cmd SYNC secure
doorbell secure
dma read sid=6 iova=0x10000010 secure == 0x8E000010
cmd TLBI_S_S2_IPA VMID=5 Address=0x10000000 secure
cmd SYNC secure
doorbell secure
dma read sid=6 iova=0x10000010 secure == 0x8F000010
`);
  assert.deepEqual(codes(r), ['stale.tlb', 'stale.tlb'], r.problems.join('\n'));
  assert.match(
    r.problems[0] ?? '',
    /Secure StreamID 6 .*a CMD_TLBI_S_S2_IPA \(NS = 0, Secure IPA\) on the Secure Command queue then CMD_SYNC is missing/,
  );
});

test('§4.4.3.4, §4.4.4.2: CMD_TLBI_S_S12_VMALL removes the Secure entries of its VMID in both IPA spaces; CMD_TLBI_SNH_ALL all of them; neither touches Non-secure ones', () => {
  const body = `
ste 6 secure V Config=S2_TRANS S2VMID=5 ${S2} ${S_S2} S2TTB=0x46000000 S_S2TTB=0x47000000
ste 6 V Config=S2_TRANS S2VMID=5 ${S2} S2TTB=0x46000000
map ttb=0x47000000 iova=0x10000000 pa=0x8E000000 ${MAP2} secure
map ttb=0x46000000 iova=0x10000000 pa=0x80000000 ${MAP2}
map ttb=0x46000000 iova=0x10000000 pa=0x80000000 ${MAP2} secure
dma read sid=6 iova=0x10000010 secure == 0x8E000010
dma read sid=6 iova=0x10000010 secure ns == 0x80000010
dma read sid=6 iova=0x10000010 == 0x80000010
`;
  const left = (cmd: string) =>
    runScript(`${body}cmd ${cmd} secure\ncmd SYNC secure\ndoorbell secure\n`)
      .engine.tlb.entries()
      .map((e) => e.regime)
      .sort();
  assert.deepEqual(left('TLBI_S_S12_VMALL VMID=4'), ['NH', 'S', 'S_NSIPA']);
  assert.deepEqual(left('TLBI_S_S12_VMALL VMID=5'), ['NH']);
  assert.deepEqual(left('TLBI_SNH_ALL'), ['NH']);
  // §4.4.4.1: CMD_TLBI_NSNH_ALL from the Secure queue is the Non-secure one.
  assert.deepEqual(left('TLBI_NSNH_ALL'), ['S', 'S_NSIPA']);
});

test('§3.10.2.2, §4.4.2.1: with Secure stage 2, Secure stage 1 entries carry VMID 0 and the Secure CMD_TLBI_NH_ALL matches the VMID', () => {
  const body = `
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000
ste 4 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 secure
dma read sid=4 iova=0x10000010 secure == 0x8E000010
`;
  const after = (vmid: number) =>
    runScript(`${body}cmd TLBI_NH_ALL VMID=${vmid} secure\ncmd SYNC secure\ndoorbell secure\n`).engine.tlb.entries();
  assert.deepEqual(
    after(1).map((e) => `${e.regime}/${e.vmid}`),
    ['S/0'],
  );
  assert.deepEqual(after(0), []);
});

test('§5.2 STRW, §4.4.2.11–§4.4.2.14: a Secure STRW 0b10 stream is S-EL2 (S-EL2-E2H with SMMU_S_CR2.E2H); only the S_EL2 invalidations remove its entries', () => {
  const body = (e2h: boolean) => `
write32 S_CR0 0
write32 S_CR2 ${e2h ? 'E2H|' : ''}RECINVSID
write32 S_CR0 SMMUEN|EVENTQEN|CMDQEN
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=3 TTB0=0x4E400000
ste 4 secure V Config=S1_TRANS STRW=0b10 S1ContextPtr=0x4E300000
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 secure
dma read sid=4 iova=0x10000010 secure == 0x8E000010
cmd TLBI_NH_ALL secure
cmd TLBI_EL2_ALL secure
cmd SYNC secure
doorbell secure
`;
  const el2 = runScript(body(false));
  assert.deepEqual(el2.problems, []);
  assert.deepEqual(
    el2.engine.tlb.entries().map((e) => `${e.regime}/${e.vmid}`),
    ['S_EL2/-1'],
    'NH_ALL (Secure) and EL2_ALL (NS-EL2) leave S-EL2 entries',
  );
  const gone = runScript(body(false) + 'cmd TLBI_S_EL2_ALL secure\ncmd SYNC secure\ndoorbell secure\n');
  assert.deepEqual(gone.engine.tlb.entries(), []);
  const e2h = runScript(body(true) + 'cmd TLBI_S_EL2_ASID ASID=2 secure\ncmd SYNC secure\ndoorbell secure\n');
  assert.deepEqual(
    e2h.engine.tlb.entries().map((e) => `${e.regime}/${e.asid}`),
    ['S_EL2_E2H/3'],
  );
  const e2hGone = runScript(body(true) + 'cmd TLBI_S_EL2_ASID ASID=3 secure\ncmd SYNC secure\ndoorbell secure\n');
  assert.deepEqual(e2hGone.engine.tlb.entries(), []);
});

test('§4.4.2.12: a stale S-EL2 entry names CMD_TLBI_S_EL2_VA on the Secure queue', () => {
  const r = runScript(`
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=3 TTB0=0x4E400000
ste 4 secure V Config=S1_TRANS STRW=0b10 S1ContextPtr=0x4E300000
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 secure
dma read sid=4 iova=0x10000010 secure == 0x8E000010
map ttb=0x4E400000 iova=0x10000000 pa=0x8F000000 secure
dma read sid=4 iova=0x10000010 secure == 0x8E000010
cmd TLBI_S_EL2_VA Address=0x10000000 secure
cmd SYNC secure
doorbell secure
dma read sid=4 iova=0x10000010 secure == 0x8F000010
`);
  assert.deepEqual(codes(r), ['stale.tlb'], r.problems.join('\n'));
  assert.match(r.problems[0] ?? '', /a CMD_TLBI_S_EL2_VA on the Secure Command queue then CMD_SYNC is missing/);
});

test('§5.2.2 SteIllegal (Secure cases): S_S2TG, S_S2TTB and S_S2T0SZ are checked as S2TG, S2TTB and S2T0SZ are; a bad one is C_BAD_STE naming the field', () => {
  const ids = runScript('').engine.ids;
  const ok = { V: 1n, Config: 0b110n, S2T0SZ: 24n, S2SL0: 1n, S2PS: 4n, S2AA64: 1n, S_S2T0SZ: 24n, S_S2SL0: 1n };
  const reasons = (fields: Record<string, bigint>, secure = true) =>
    checkSte(
      encodeStructure(SECURE_STE, new Map(Object.entries({ ...ok, ...fields }))).words,
      ids,
      secure ? { secure: { sel2: true }, stallModel: 0 } : {},
    ).illegal.map((p) => `${p.field}: ${p.message}`);
  assert.deepEqual(reasons({}), []);
  assert.deepEqual(reasons({ S_S2TG: 3n }), ['S_S2TG: S_S2TG = 3 is reserved']);
  assert.match(reasons({ S_S2T0SZ: 60n }).join(), /^S_S2T0SZ: S_S2T0SZ = 60 is outside/);
  assert.match(reasons({ S_S2SL0: 3n }).join(), /^S_S2SL0: S_S2SL0 = 3 is not a valid starting level/);
  assert.match(
    reasons({ S_S2TTB: 1n << 50n }).join(),
    /^S_S2TTB: S_S2TTB 0x4000000000000 is outside the effective S2PS/,
  );
  // The Non-secure view has no S_S2 table to check.
  assert.deepEqual(reasons({ S_S2TG: 3n }, false), []);
  const r = runScript(`
ste 6 secure V Config=S2_TRANS ${S2} S_S2T0SZ=60 S_S2SL0=1 S2TTB=0x46000000 S_S2TTB=0x47000000
dma read sid=6 iova=0x1000 secure == C_BAD_STE
`);
  assert.ok(
    r.problems.some((p) => /^ste\.illegal: STE is ILLEGAL: S_S2T0SZ = 60 is outside/.test(p)),
    r.problems.join('\n'),
  );
  assert.deepEqual(codes(r), ['ste.illegal']);
});
