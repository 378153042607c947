/**
 * The output PA space of Secure streams and the EL3 StreamWorld (§3.10.2, §13.4.2, §13.5, §5.4
 * NSCFG0/NSCFG1, §6.3.57 SIF, §5.2 STRW): a Secure stage 1 walk starts in the PA space CD.NSCFGx
 * selects and applies NSTable and NS hierarchically (Arm ARM D8.3, "as on the PE"); SMMU_S_CR0.SIF
 * makes a Secure stream's Non-secure instruction fetch a Permission fault; STRW 0b01 walks the EL3
 * regime with TLB entries of its own, which CMD_TLBI_EL3_ALL and CMD_TLBI_EL3_VA remove. Scripts
 * run through the real parser, resolver and interpreter on the smmuv3.3-secure-ats preset: the
 * expectations inside them hold (no error), and the assertions here look at what the model did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../../../core/engine/engine';
import { PRESETS } from '../../../core/config/presets';
import type { ResolvedConfig } from '../../../core/config/types';
import { describeResult } from '../../../core/engine/dma';
import { checkCd, CD } from '../../../core/structures/cd';
import { encodeStructure } from '../../../core/structures/encode';
import { runEngineScript } from '../../harness/engine-script';

const SECURE_ATS = (PRESETS.get('smmuv3.3-secure-ats') as { config: ResolvedConfig }).config;

/** The Secure interface enabled with its Stream table at 0x4E000000 and its Command and Event queues. */
const PRELUDE = `
write64 S_STRTAB_BASE 0x4E000000
write32 S_STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4
write64 S_CMDQ_BASE 0x4E100000 | LOG2SIZE=4
write64 S_EVENTQ_BASE 0x4E200000 | LOG2SIZE=3
write32 S_CR2 RECINVSID
tables 0x4F000000
`;
const ENABLE = `
write32 S_CR0 SMMUEN|EVENTQEN|CMDQEN
read32 S_CR0ACK == SMMUEN|EVENTQEN|CMDQEN
`;
const ENABLE_SIF = `
write32 S_CR0 SMMUEN|EVENTQEN|CMDQEN|SIF
read32 S_CR0ACK == SMMUEN|EVENTQEN|CMDQEN|SIF
`;

/** A Secure stage 1 CD (TTB0 at 0x4E400000) and Secure STE 2 pointing at it. */
const SECURE_S1 = (cd = 'ASID=1', ste = '') => `
cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A TTB0=0x4E400000 ${cd}
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000 ${ste}
`;

function runScript(body: string, enable = ENABLE) {
  return runEngineScript(PRELUDE + enable + body, SECURE_ATS);
}

const events = (e: Engine) => e.activity.filter((a) => a.kind === 'event').map((a) => a.text);
const warnings = (r: ReturnType<typeof runScript>) =>
  r.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.code}: ${d.message}`);

test('§13.4.2: a Secure stage 1 leaf with NS = 1 outputs to the Non-secure PA space, with NS = 0 to the Secure one; the TLB keeps the PA space', () => {
  const r = runScript(`${SECURE_S1()}
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 secure
map ttb=0x4E400000 iova=0x10001000 pa=0x8E001000 ns secure
dma read sid=2 iova=0x10000010 secure == secure_pa
dma read sid=2 iova=0x10001010 secure == nonsecure_pa
dma read sid=2 iova=0x10001010 secure == nonsecure_pa
dma read sid=2 iova=0x10001010 secure == 0x8E001010
`);
  assert.deepEqual(r.errors, []);
  const spaces = r.engine.tlb
    .entries()
    .map((t) => `${t.regime} ${t.oa.toString(16)} ${t.ns}`)
    .sort();
  assert.deepEqual(spaces, ['S 8e000000 false', 'S 8e001000 true']);
});

test('§13.4.2: a Non-secure stream ignores the NS and NSTable bits: its output is always Non-secure and the result claims no Secure PA space', () => {
  const r = runEngineScript(
    `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write32 CR0 SMMUEN
tables 0x4F000000
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 NSCFG0
ste 4 V Config=S1_TRANS S1ContextPtr=0x44000000
map ttb=0x45000000 iova=0x10000000 pa=0x80000000 ns nstable
dma read sid=4 iova=0x10000010 == 0x80000010
dma read sid=4 iova=0x10000010 == nonsecure_pa
dma read sid=4 iova=0x10000010 != secure_pa
`,
    SECURE_ATS,
  );
  assert.deepEqual(r.errors, []);
  assert.equal(r.engine.tlb.entries()[0]?.ns, undefined);
});

test('§13.4.2, Arm ARM NSTable: NSTable = 1 in a table descriptor makes the later levels Non-secure, and their NS = 0 does not make the output Secure again', () => {
  const r = runScript(`${SECURE_S1()}
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 nstable secure
dma read sid=2 iova=0x10000010 secure == nonsecure_pa
`);
  assert.deepEqual(r.errors, []);
  const read = { read: true, write: false, exec: false, priv: false };
  assert.match(
    describeResult(r.engine.translate({ sid: 2, address: 0x1000_0010n, access: read, secure: true })),
    /^translated → 0x000000008E000010 in the Non-secure PA space \(TLB hit\)$/,
  );
});

test('§3.21.1, §13.4.2: a walk that starts below a cached table descriptor keeps the NSTable of the levels above it', () => {
  const r = runScript(`${SECURE_S1()}
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 nstable secure
map ttb=0x4E400000 iova=0x10001000 pa=0x8E001000 secure
dma read sid=2 iova=0x10000010 secure == nonsecure_pa
dma read sid=2 iova=0x10001010 secure == nonsecure_pa
`);
  assert.deepEqual(r.errors, []);
  // The second walk used the walk cache (its level 2 table descriptor), not memory, for the levels above.
  assert.ok(r.engine.tlb.walks.size > 0);
  assert.match(
    r.engine.activity
      .filter((a) => a.kind === 'fetch')
      .map((a) => a.text)
      .join('\n'),
    /from the walk cache/,
  );
});

test('§5.4 NSCFG0, NSCFG1: the walk through TTB0 or TTB1 starts in the PA space its NSCFGx selects', () => {
  const r = runScript(`
cd 0x4E300000 secure V T0SZ=16 T1SZ=16 TG0=GRAN4K TG1=GRAN4K IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000 TTB1=0x4E500000 NSCFG0
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000
map ttb=0x4E500000 iova=0xFFFF000010000000 pa=0x8E001000 secure
dma read sid=2 iova=0x10000010 secure == nonsecure_pa
dma read sid=2 iova=0xFFFF000010000010 secure == secure_pa
`);
  assert.deepEqual(r.errors, []);
  const r1 = runScript(`
cd 0x4E300000 secure V T0SZ=16 T1SZ=16 TG0=GRAN4K TG1=GRAN4K IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000 TTB1=0x4E500000 NSCFG1
ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 secure
map ttb=0x4E500000 iova=0xFFFF000010000000 pa=0x8E001000
dma read sid=2 iova=0x10000010 secure == secure_pa
dma read sid=2 iova=0xFFFF000010000010 secure == nonsecure_pa
`);
  assert.deepEqual(r1.errors, []);
});

test('§6.3.57 SIF: a Secure stream instruction fetch whose stage 1 output is Non-secure is a stage 1 F_PERMISSION (CLASS IN) under CD.{A,R,S}; data accesses and Secure outputs pass', () => {
  const body = `${SECURE_S1()}
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 ns secure
map ttb=0x4E400000 iova=0x10001000 pa=0x8E001000 secure
dma read sid=2 iova=0x10000010 secure == nonsecure_pa
dma exec sid=2 iova=0x10001010 secure == secure_pa
`;
  const off = runScript(`${body}dma exec sid=2 iova=0x10000010 secure == translated\n`);
  assert.deepEqual(off.errors, []);
  const on = runScript(`${body}dma exec sid=2 iova=0x10000010 secure == F_PERMISSION\n`, ENABLE_SIF);
  assert.deepEqual(on.errors, []);
  const ev = events(on.engine);
  assert.equal(ev.length, 1, ev.join('\n'));
  assert.match(ev[0] ?? '', /F_PERMISSION/);
  assert.doesNotMatch(ev[0] ?? '', /S2=1/);
  assert.match(ev[0] ?? '', /CLASS=IN/);
  assert.match(ev[0] ?? '', /InD=INSTRUCTION/);
  // The event went to the Secure Event queue (§3.10.2.1): its PROD moved, the Non-secure one did not.
  assert.equal(on.engine.smmu.read(0x80a8, 4).value, 1n);
  assert.equal(on.engine.smmu.read(0x100a8, 4).value, 0n);
});

test('§6.3.57 SIF: a Secure stream fetch that bypasses to the Non-secure PA space is F_PERMISSION and aborted; with SMMU_S_CR0.SMMUEN = 0 it is aborted without an event', () => {
  const bypass = runScript(
    `
ste 3 secure V Config=BYPASS
dma exec sid=3 iova=0x1000 secure == bypass
dma read sid=3 iova=0x1000 secure ns == nonsecure_pa
dma exec sid=3 iova=0x1000 secure ns == F_PERMISSION
`,
    ENABLE_SIF,
  );
  assert.deepEqual(bypass.errors, []);
  assert.equal(events(bypass.engine).length, 1);
  assert.match(events(bypass.engine)[0] ?? '', /F_PERMISSION.*CLASS=IN/);
  const disabled = runScript(
    `
write32 S_CR0 SIF
read32 S_CR0ACK == SIF
write32 S_GBPA Update
dma exec sid=3 iova=0x1000 secure == bypass
dma exec sid=3 iova=0x1000 secure ns == abort
`,
    '',
  );
  assert.deepEqual(disabled.errors, []);
  assert.deepEqual(events(disabled.engine), []);
});

test('§5.2 STRW 0b01: the EL3 StreamWorld walks TTB0 alone with one privilege level, and tags its TLB entries EL3 without an ASID', () => {
  const r = runScript(`${SECURE_S1('ASID=7', 'STRW=1')}
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 priv global secure
dma read sid=2 iova=0x10000010 secure == 0x8E000010
dma read sid=2 iova=0xFFFF000010000010 secure == F_TRANSLATION
`);
  assert.deepEqual(r.errors, []);
  // AP[1] = 0 (privileged only at EL1) does not refuse an unprivileged access in EL3 (§3.3.3).
  assert.deepEqual(warnings(r), []);
  // EL3 has neither an ASID nor a VMID (§5.2 STRW; secure-stage2.ts secureVmid): global, untagged.
  const tlb = r.engine.tlb.entries();
  assert.deepEqual(
    tlb.map((t) => [t.regime, t.asid, t.vmid]),
    [['EL3', -1, -1]],
  );
});

test('§4.4.2.5, §4.4.2.6: CMD_TLBI_EL3_VA and CMD_TLBI_EL3_ALL from the Secure queue remove EL3 entries; a missing one is stale.tlb, and the Secure NH commands leave EL3 entries', () => {
  const r = runScript(`${SECURE_S1(undefined, 'STRW=1')}
map ttb=0x4E400000 iova=0x20000000 pa=0x8E000000 secure
map ttb=0x4E400000 iova=0x20001000 pa=0x8E100000 secure
dma read sid=2 iova=0x20000010 secure == 0x8E000010
dma read sid=2 iova=0x20001010 secure == 0x8E100010
map ttb=0x4E400000 iova=0x20000000 pa=0x8F000000 secure
cmd TLBI_NH_ALL secure
cmd SYNC secure
doorbell secure
dma read sid=2 iova=0x20000010 secure == 0x8E000010
cmd TLBI_EL3_VA Address=0x20000000 Leaf secure
cmd SYNC secure
doorbell secure
dma read sid=2 iova=0x20000010 secure == 0x8F000010
`);
  assert.deepEqual(r.errors, []);
  const w = warnings(r);
  assert.equal(w.length, 1, w.join('\n'));
  assert.match(
    w[0] ?? '',
    /^stale\.tlb: stale TLB entry used for Secure StreamID 2 .*a CMD_TLBI_EL3_VA on the Secure Command queue then CMD_SYNC is missing/,
  );
  assert.equal(r.engine.tlb.entries().filter((t) => t.regime === 'EL3').length, 2);
  const all = runScript(`${SECURE_S1(undefined, 'STRW=1')}
map ttb=0x4E400000 iova=0x20000000 pa=0x8E000000 secure
dma read sid=2 iova=0x20000010 secure == 0x8E000010
cmd TLBI_EL3_ALL secure
cmd SYNC secure
doorbell secure
`);
  assert.deepEqual(all.errors, []);
  assert.equal(all.engine.tlb.size, 0);
  assert.equal(all.engine.tlb.walks.size, 0);
});

test('§3.3.3, §5.4: a CD reached from the EL3 StreamWorld has one translation table and no ASID; VMSAv8-32 LPAE is ILLEGAL there', () => {
  const w = (fields: Record<string, bigint>) => encodeStructure(CD, new Map(Object.entries(fields))).words;
  const engine = runScript('').engine;
  const el3 = { ste: { config: 0b101, strw: 1, s1Stalld: 0, s2Aa64: 1, s1Pie: 0 }, secure: true };
  const base = { V: 1n, T0SZ: 16n, TG0: 0n, IPS: 4n, AA64: 1n, A: 1n, R: 1n, TTB0: 0x4e40_0000n };
  const reasons = (fields: Record<string, bigint>, opts: object) =>
    checkCd(w(fields), engine.ids, opts).illegal.map((p) => p.message);
  // TTB1 out of range and T1SZ reserved do not matter when TTB1 is unused (§5.4 TTB1: RES0 in EL3).
  assert.deepEqual(reasons({ ...base, T1SZ: 2n, TG1: 0n, TTB1: 1n << 50n }, el3), []);
  assert.notDeepEqual(reasons({ ...base, T1SZ: 2n, TG1: 0n, TTB1: 1n << 50n }, { ste: el3.ste }), []);
  // An ASID beyond 8 bits is IGNORED in EL3 (§5.4 ASID), whatever SMMU_IDR0.ASID16 says.
  assert.deepEqual(reasons({ ...base, EPD1: 1n, ASID: 0x1234n }, el3), []);
  assert.match(reasons({ ...base, EPD1: 1n, AA64: 0n }, el3).join(), /VMSAv8-32 LPAE in the EL3 StreamWorld/);
});

test('§13.4.2, §4.4: a Secure TLB entry whose PA space changed in the tables (NS set, same address) is stale until a TLBI', () => {
  const r = runScript(`${SECURE_S1()}
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 secure
dma read sid=2 iova=0x10000010 secure == secure_pa
map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 ns secure
dma read sid=2 iova=0x10000010 secure == secure_pa
cmd TLBI_NH_VA asid=1 Address=0x10000000 Leaf secure
cmd SYNC secure
doorbell secure
dma read sid=2 iova=0x10000010 secure == nonsecure_pa
`);
  assert.deepEqual(r.errors, []);
  const w = warnings(r);
  assert.equal(w.length, 1, w.join('\n'));
  assert.match(
    w[0] ?? '',
    /^stale\.tlb: .*still maps it to 0x000000008E000010 in the Secure PA space but the page tables now map it to 0x000000008E000010 in the Non-secure PA space; a CMD_TLBI_NH_VA \(ASID 1\) on the Secure Command queue/,
  );
});

test('§3.10.2.2: a leaf a Secure stream reads from the Non-secure IPA space (below NSTable = 1, or from CD.NSCFG0 = 1) is non-global whatever its nG; one read from the Secure space keeps its nG', () => {
  const tags = (body: string, cd = 'ASID=5') => {
    const r = runScript(`${SECURE_S1(cd)}${body}
dma read sid=2 iova=0x10000010 secure == 0x8E000010
`);
    assert.deepEqual(r.errors, [], body);
    return r.engine.tlb.entries().map((t) => `${t.regime} ASID=${t.asid}`);
  };
  // `global` clears nG: in the Secure space the entry is global (ASID -1).
  assert.deepEqual(tags('map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 global secure'), ['S ASID=-1']);
  // The same global leaf below an NSTable = 1 descriptor: tagged with the CD's ASID.
  assert.deepEqual(tags('map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 global nstable secure'), ['S ASID=5']);
  // A walk that starts in the Non-secure space (NSCFG0): the same.
  assert.deepEqual(tags('map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 global', 'ASID=5 NSCFG0'), ['S ASID=5']);
});
