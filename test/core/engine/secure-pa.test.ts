/**
 * The two PA spaces (§3.10: each Security state has its own physical address space): the model
 * keeps a Secure PA space apart from the Non-secure one, and every SMMU access goes to the space
 * the architecture names (§3.10.2: the Secure Stream table and queues in the Secure space, a
 * Secure stream's CDs as Secure PAs; §13.4.2: stage 1 tables in the space CD.NSCFGx and NSTable
 * give; §3.10.2.2: a nested Secure stream's tables below NSTable = 1 are Non-secure IPAs,
 * translated through S2TTB; a Non-secure stream only ever reaches the Non-secure space). Scripts
 * run through the real parser, resolver and interpreter on the smmuv3.3-secure-ats preset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS } from '../../../core/config/presets';
import type { ResolvedConfig } from '../../../core/config/types';
import type { Engine } from '../../../core/engine/engine';
import { ENABLED_SECURE_SMMU, runEngineScript } from '../../harness/engine-script';

const SECURE_ATS = (PRESETS.get('smmuv3.3-secure-ats') as { config: ResolvedConfig }).config;

/** Both interfaces enabled: the Non-secure Stream table at 0x40000000, the Secure one at 0x4E000000. */
const PRELUDE = `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=3
write32 CR2 RECINVSID
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
${ENABLED_SECURE_SMMU}
tables 0x4F000000
`;

function runScript(body: string) {
  const r = runEngineScript(PRELUDE + body, SECURE_ATS);
  return { ...r, problems: r.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.code}: ${d.message}`) };
}

const fetches = (e: Engine) => e.activity.filter((a) => a.kind === 'fetch').map((a) => a.text);

test('§3.10, §13.4.2: a Secure stream walks tables that are only in the Secure PA space; the same addresses in the Non-secure PA space are other memory', () => {
  const r = runScript(`
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 secure
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
cd 0x4E300000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000
map ttb=0x4E400000 iova=0x10000000 pa=0x80000000
ste 2 V Config=S1_TRANS S1ContextPtr=0x4E300000
dma read sid=2 iova=0x10000010 secure == 0x8E000010
dma read sid=2 iova=0x10000010 secure == secure_pa
dma read sid=2 iova=0x10000010 == 0x80000010
mem read64 0x4E400000 secure != 0
`);
  assert.deepEqual(r.problems, []);
  const f = fetches(r.engine);
  // The Secure stream's CD and its four table levels came from the Secure PA space, the
  // Non-secure stream's from the Non-secure one, at the same addresses.
  assert.equal(f.filter((t) => /^fetched CD 0 of Secure StreamID 2 .*\(Secure PA space\)$/.test(t)).length, 1);
  assert.equal(f.filter((t) => /^stage-1 descriptor .*\(Secure PA space\)$/.test(t)).length, 4);
  assert.equal(f.filter((t) => /^stage-1 descriptor /.test(t)).length, 8);
  // The two spaces hold different level 0 descriptors at 0x4E400000 (different pool tables).
  const secure = r.engine.memory.secureSpace();
  assert.notEqual(secure.read(0x4e40_0000n, 8), r.engine.memory.read(0x4e40_0000n, 8));
});

test('§3.10: a Secure table that is written only in the Secure PA space is not there for the Non-secure space, and the other way round', () => {
  // The Secure stream's tables exist only in the Secure space: a Non-secure CD pointing at the
  // same TTB finds an empty table (F_TRANSLATION); the Non-secure stream's only in the Non-secure
  // space, so the Secure walk from a Secure start (NSCFG0 = 0) finds none.
  const r = runScript(`
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 secure
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=2 TTB0=0x4E400000
ste 3 V Config=S1_TRANS S1ContextPtr=0x44000000
dma read sid=3 iova=0x10000010 == F_TRANSLATION
dma read sid=2 iova=0x10000010 secure == 0x8E000010
cd 0x4E500000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=3 TTB0=0x45000000
ste 4 secure V Config=S1_TRANS S1ContextPtr=0x4E500000
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
dma read sid=4 iova=0x10000010 secure == F_TRANSLATION
`);
  assert.deepEqual(r.problems, []);
});

test('§3.10.2.2: a Non-secure stream never reads the Secure PA space, even where only Secure memory holds its structures', () => {
  const r = runScript(`
cd 0x44000000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000
map ttb=0x45000000 iova=0x10000000 pa=0x80000000 secure
ste 2 V Config=S1_TRANS S1ContextPtr=0x44000000
dma read sid=2 iova=0x10000010 == C_BAD_CD
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000
cmd CFGI_CD SID=2
cmd SYNC
doorbell
dma read sid=2 iova=0x10000010 == F_TRANSLATION
`);
  assert.deepEqual(r.problems, []);
  const f = fetches(r.engine);
  assert.ok(f.length >= 3, f.join('\n'));
  assert.deepEqual(
    f.filter((t) => /Secure PA space/.test(t)),
    [],
  );
});

test('§3.13, §3.10: a Secure walk sets the Access flag of a Secure table in the Secure PA space', () => {
  // Tables from 0x4F000000: levels 1, 2 and 3 at 0x4F000000, 0x4F001000 and 0x4F002000, the leaf
  // for 0x10000000 at index 0 of level 3.
  const r = runScript(`
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000 HA
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 noaf secure
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
mem read64 0x4F002000 secure == 0x8E000B43
dma read sid=2 iova=0x10000010 secure == 0x8E000010
mem read64 0x4F002000 secure == 0x8E000F43
mem read64 0x4F002000 == 0
`);
  assert.deepEqual(r.problems, []);
});

/** Secure stage 2 with a 40-bit IPA starting at level 1, 4 KB granule; the Non-secure IPA space outputs to the Non-secure PA space. */
const S2 = 'S2T0SZ=24 S2SL0=1 S2TG=0 S2PS=4 S2AA64 S2R S2NSA';
const S_S2 = 'S_S2T0SZ=24 S_S2SL0=1 S_S2TG=0';
const MAP2 = 'stage=2 tsz=24 sl0=1';

test('§3.10.2.2, §13.4.2: a nested Secure stream reads its stage 1 tables below an NSTable = 1 descriptor as Non-secure IPAs, through S2TTB', () => {
  // S_S2TTB maps the Secure IPAs 0x40000000-0x7FFFFFFF to the same Secure PAs; S2TTB maps the
  // Non-secure IPAs 0x4F000000-0x4F1FFFFF to the same Non-secure PAs (S2NSA = 1) and 0x0E000000 to
  // 0x9E000000. The stage 1 level 0 table is a Secure IPA; NSTable makes the levels below Non-secure
  // IPAs, which `map … secure nstable` wrote in the Non-secure PA space (the pool, 0x4F00xxxx).
  const r = runScript(`
map ttb=0x47000000 iova=0x40000000 pa=0x40000000 size=0x40000000 ${MAP2} secure
map ttb=0x46000000 iova=0x0E000000 pa=0x9E000000 ${MAP2} secure
map ttb=0x46000000 iova=0x4F000000 pa=0x4F000000 size=0x200000 ${MAP2} secure
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000
map ttb=0x4E400000 iova=0x20000000 pa=0x0E000000 secure nstable
ste 7 secure V Config=NESTED S1ContextPtr=0x4E300000 S2VMID=9 ${S2} ${S_S2} S2TTB=0x46000000 S_S2TTB=0x47000000
dma read sid=7 iova=0x20000010 secure == 0x9E000010
dma read sid=7 iova=0x20000010 secure == nonsecure_pa
`);
  assert.deepEqual(r.problems, []);
  const s1 = fetches(r.engine).filter((t) => t.startsWith('stage-1 descriptor'));
  // Level 0 from the Secure PA space (through S_S2TTB), levels 1-3 from the Non-secure one (through S2TTB).
  assert.equal(s1.length, 4, s1.join('\n'));
  assert.match(s1[0] ?? '', /read from 0x000000004E400000 \(Secure PA space\)$/);
  for (const t of s1.slice(1)) assert.match(t, /read from 0x000000004F00[0-9A-F]{4}$/);
  // The stage 2 walks of the Non-secure IPAs (S2TTB) are tagged apart from the Secure IPA space's.
  const regimes = new Set(r.engine.tlb.walks.entries().map((e) => e.regime));
  assert.ok(regimes.has('S_NSIPA'), [...regimes].join(', '));
});

test('§3.10.2.2: a nested Secure stream whose CD.NSCFG0 is 1 starts its stage 1 walk in the Non-secure IPA space, through S2TTB', () => {
  // The level 0 table at IPA 0x4F100000 is mapped only by S2TTB (to the same Non-secure PA).
  const r = runScript(`
map ttb=0x47000000 iova=0x40000000 pa=0x40000000 size=0x40000000 ${MAP2} secure
map ttb=0x46000000 iova=0x0E000000 pa=0x9E000000 ${MAP2} secure
map ttb=0x46000000 iova=0x4F000000 pa=0x4F000000 size=0x200000 ${MAP2} secure
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4F100000 NSCFG0
map ttb=0x4F100000 iova=0x20000000 pa=0x0E000000
ste 7 secure V Config=NESTED S1ContextPtr=0x4E300000 S2VMID=9 ${S2} ${S_S2} S2TTB=0x46000000 S_S2TTB=0x47000000
dma read sid=7 iova=0x20000010 secure == 0x9E000010
`);
  assert.deepEqual(r.problems, []);
  const s1 = fetches(r.engine).filter((t) => t.startsWith('stage-1 descriptor'));
  assert.equal(s1.length, 4, s1.join('\n'));
  for (const t of s1) assert.doesNotMatch(t, /Secure PA space/);
});
