/**
 * PCIe ATS (core/engine/ats.ts, docs/engine.md#ats): Translation Requests and their completions
 * (§3.9.1.2, §13.7.1), Translated transactions against CR0.ATSCHK and STE.EATS (§3.9.1.3), the
 * endpoints' ATCs and CMD_ATC_INV (§4.5.1), and `stale.atc`. Scripts run through the real parser,
 * resolver and interpreter: the expectations inside them hold (no error) and the assertions here
 * look at what the model did besides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScriptDiagnostic } from '../../../core/base/diagnostics';
import { Engine } from '../../../core/engine/engine';
import { decodeEvent } from '../../../core/events/codec';
import { getRegister } from '../../../core/registers/table';
import { run, type Observation } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import { config, QEMU_IDS } from '../../harness/helpers';

/** QEMU's ID registers with ATS (IDR0.ATS, bit 10) and stage 2 (S2P) for nesting. */
const ATS_IDS = { IDR0: QEMU_IDS.IDR0 | (1 << 10) | 1 };

const prelude = (cr0: string, cr2 = 'RECINVSID') => `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=5
write32 CR2 ${cr2}
write32 CR0 ${cr0}
tables 0x48000000
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000
map ttb=0x45000000 iova=0x10000000 pa=0x80005000
map ttb=0x45000000 iova=0x10002000 pa=0x80003000 ro
`;
const CHECKED = prelude('SMMUEN|CMDQEN|EVENTQEN|ATSCHK');
const UNCHECKED = prelude('SMMUEN|CMDQEN|EVENTQEN');

interface Ran {
  readonly engine: Engine;
  readonly errors: readonly ScriptDiagnostic[];
  /** Diagnostics of line `n` of the body (1-based). */
  at(n: number): string[];
  summary(n: number): string | undefined;
  /** Event records written to the event queue, by name. */
  events(): string[];
}

function runScript(head: string, body: string, ids: Partial<typeof QEMU_IDS> = ATS_IDS): Ran {
  const text = head + body;
  const resolved = analyzeScript(text);
  assert.deepEqual(
    resolved.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line + 1}: ${d.message}`),
    [],
    'the script resolves',
  );
  const engine = new Engine(config(ids));
  const r = run(resolved.statements, engine);
  const line = (n: number) => head.split('\n').length - 1 + n - 1;
  return {
    engine,
    errors: r.diagnostics.filter((d) => d.severity === 'error'),
    at: (n) => r.diagnostics.filter((d) => d.range.start.line === line(n)).map((d) => `${d.code}: ${d.message}`),
    summary: (n) => r.observations.find((o: Observation) => o.line === line(n))?.summary,
    events: () =>
      engine.activity.filter((a) => a.code === 'event.written').map((a) => /← (\w+)/.exec(a.text)?.[1] ?? a.text),
  };
}

const errors = (r: Ran) => r.errors.map((d) => `${d.range.start.line + 1}: ${d.code}: ${d.message}`);

test('§3.9.1.2 / §13.7: a Full ATS request gets the PA; a read asks No-Write, so W is granted only to a write', () => {
  const r = runScript(
    CHECKED,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=1
dma read sid=5 iova=0x10000010 ats == 0x80005010
dma read sid=5 iova=0x10000020 ats == 0x80005020
dma write sid=5 iova=0x10000010 ats data=0x55
mem read64 0x80005010 == 0x55
`,
  );
  assert.deepEqual(errors(r), []);
  assert.match(r.summary(2) ?? '', /Translation Completion PA 0x0000000080005010, R=1 W=0 Exe=0/);
  assert.match(r.summary(3) ?? '', /ATC hit/, 'the second read of the page uses the ATC');
  // The cached R-only entry does not cover the write: a second request, without No-Write.
  assert.match(r.summary(4) ?? '', /Translation Completion PA 0x0000000080005010, R=1 W=1/);
  assert.deepEqual(r.events(), []);
});

test('§3.9.1.2: translation faults answer Success with R == W == 0 and record nothing; the device does not access', () => {
  const r = runScript(
    CHECKED,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=1
dma write sid=5 iova=0x10002000 ats == denied
dma read sid=5 iova=0x10003000 ats == denied
dma read sid=5 iova=0x10003000 == F_TRANSLATION
`,
  );
  assert.deepEqual(errors(r), []);
  assert.match(r.summary(2) ?? '', /grants R=1 W=0 Exe=0: the device does not make the write/);
  assert.match(r.summary(3) ?? '', /R=0 W=0 Exe=0.*no event is recorded/);
  // Only the ordinary transaction of line 4 records its fault.
  assert.deepEqual(r.events(), ['F_TRANSLATION']);
});

test('§3.9.1.2: ATS disabled for the stream is Unsupported Request with F_BAD_ATS_TREQ; Config 0b000 has no event', () => {
  const r = runScript(
    CHECKED,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000
ste 6 V Config=BYPASS EATS=1
ste 7 V Config=ABORT
dma read sid=5 iova=0x10000000 ats == ur
expect event F_BAD_ATS_TREQ StreamID=5
dma read sid=6 iova=0x10000000 ats == ur
expect event F_BAD_ATS_TREQ StreamID=6
dma read sid=7 iova=0x10000000 ats == ur
`,
  );
  assert.deepEqual(errors(r), []);
  assert.deepEqual(r.events(), ['F_BAD_ATS_TREQ', 'F_BAD_ATS_TREQ']);
});

test('§5.2 EATS: Split-stage (0b10) with CR0.ATSCHK == 0 behaves as 0b00', () => {
  const body = `tables 0x49000000
map ttb=0x46000000 iova=0 pa=0x40000000 size=0x40000000 stage=2 tsz=24 sl0=1
ste 5 V Config=NESTED S1ContextPtr=0x44000000 EATS=2 S2VMID=1 S2T0SZ=24 S2SL0=1 S2TG=0 S2PS=4 S2AA64 S2R S2TTB=0x46000000
dma read sid=5 iova=0x10000010 ats == ur
expect event F_BAD_ATS_TREQ StreamID=5
`;
  assert.deepEqual(errors(runScript(UNCHECKED, body)), []);
});

test('§3.9.1.2: a configuration error is Completer Abort, recorded only with CR2.REC_CFG_ATS', () => {
  const body = `dma read sid=9 iova=0x10000000 ats == ca
`;
  const quiet = runScript(CHECKED, body);
  assert.deepEqual(errors(quiet), []);
  assert.deepEqual(quiet.events(), [], 'C_BAD_STE is not recorded without REC_CFG_ATS');
  // ATSRECERR (IDR0 bit 23) makes CR2.REC_CFG_ATS writable (§6.3.1, §6.3.12).
  const ids = { IDR0: ATS_IDS.IDR0 | (1 << 23) };
  const loud = runScript(prelude('SMMUEN|CMDQEN|EVENTQEN|ATSCHK', 'RECINVSID|REC_CFG_ATS'), body, ids);
  assert.deepEqual(errors(loud), []);
  assert.deepEqual(loud.events(), ['C_BAD_STE']);
});

test('§3.9.1.3: Translated transactions bypass without ATSCHK; with it, EATS decides (F_TRANSL_FORBIDDEN)', () => {
  const body = `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=1
ste 6 V Config=S1_TRANS S1ContextPtr=0x44000000
ste 7 V Config=BYPASS EATS=1
dma write sid=6 iova=0x80005000 translated data=1 == F_TRANSL_FORBIDDEN
expect event F_TRANSL_FORBIDDEN StreamID=6 InputAddr=0x80005000 RnW=WRITE
dma read sid=7 iova=0x80005000 translated == F_TRANSL_FORBIDDEN
dma read sid=5 iova=0x80005000 translated == bypass
dma read sid=5 iova=0x100000000000 translated == abort
`;
  const checked = runScript(CHECKED, body);
  assert.deepEqual(errors(checked), []);
  assert.match(checked.summary(8) ?? '', /beyond the 44-bit output address size: aborted without an event/);
  const unchecked = runScript(
    UNCHECKED,
    `ste 6 V Config=S1_TRANS S1ContextPtr=0x44000000
dma write sid=6 iova=0x80005000 translated data=0x77 == bypass
mem read64 0x80005000 == 0x77
`,
  );
  assert.deepEqual(errors(unchecked), []);
  assert.deepEqual(unchecked.events(), []);
});

test('§13.6.3 Split-stage ATS: the completion carries the IPA; the Translated transaction is translated at stage 2', () => {
  const r = runScript(
    CHECKED,
    `tables 0x49000000
map ttb=0x46000000 iova=0 pa=0x40000000 size=0x40000000 stage=2 tsz=24 sl0=1
cd 0x44000000 V T0SZ=16 TG0=0 EPD1 IPS=5 AA64 R A ASID=1 TTB0=0x05000000
ste 5 V Config=NESTED S1ContextPtr=0x04000000 EATS=2 S2VMID=1 S2T0SZ=24 S2SL0=1 S2TG=0 S2PS=4 S2AA64 S2R S2TTB=0x46000000
mem write64 0x45000000 0x05001003
mem write64 0x45001000 0x05002003
mem write64 0x45002400 0x05003003
mem write64 0x45003000 0x00001443
dma read sid=5 iova=0x10000010 ats == 0x40001010
dma read sid=5 iova=0x1010 translated == 0x40001010
dma read sid=5 iova=0x7FFFF000 translated == F_TRANSLATION
`,
  );
  assert.deepEqual(errors(r), []);
  assert.match(r.summary(9) ?? '', /Translation Completion IPA 0x0000000000001010/);
  // A stage 2 fault of a Translated transaction is recorded as for any transaction (§3.9.1.3).
  assert.deepEqual(r.events(), ['F_TRANSLATION']);
});

test('§4.5.1 / §3.9.1: a changed translation without CMD_ATC_INV is stale.atc; the invalidation ends it', () => {
  const r = runScript(
    CHECKED,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=1
dma read sid=5 iova=0x10000010 ats == 0x80005010
map ttb=0x45000000 iova=0x10000000 pa=0x80007000
cmd TLBI_NH_VA ASID=1 Address=0x10000000
cmd SYNC
doorbell
dma read sid=5 iova=0x10000010 ats
cmd ATC_INV StreamID=5 Address=0x10000000 Size=0
cmd SYNC
doorbell
dma read sid=5 iova=0x10000010 ats == 0x80007010
`,
  );
  assert.deepEqual(errors(r), []);
  assert.deepEqual(
    r.at(7).map((d) => d.split(':')[0]),
    ['stale.atc'],
  );
  assert.match(
    r.at(7)[0] ?? '',
    /still has 0x0000000080005010 .* would now give 0x0000000080007010; a CMD_ATC_INV \(StreamID 5\)/,
  );
  assert.deepEqual(r.at(11), []);
});

test('§4.5.1 CMD_ATC_INV: the span is 4 KB × 2^Size aligned; without SSV it reaches PASID entries too; IGNORED while SMMUEN is 0', () => {
  const ids = { IDR0: ATS_IDS.IDR0, IDR1: QEMU_IDS.IDR1 | (8 << 6) };
  const r = runScript(
    CHECKED,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 S1CDMax=0 EATS=1
dma read sid=5 iova=0x10000010 ats
dma read sid=5 iova=0x10002010 ats
cmd ATC_INV StreamID=5 Address=0x10003000 Size=1
cmd SYNC
doorbell
`,
    ids,
  );
  assert.deepEqual(errors(r), []);
  // Pages 0x10002 and 0x10003 make the aligned 2-page span: the 0x10000 page stays.
  assert.equal(r.engine.atc.size, 1);
  assert.ok(r.engine.atc.lookup(5, undefined, false, 0x10000));
  assert.equal(r.engine.atc.invalidate(5, 3, 0, Infinity), 0, 'a PASID invalidation misses entries cached without one');
  r.engine.atc.insert({
    sid: 5,
    ssid: 3,
    priv: false,
    page: 0x10000,
    translated: 0x80005000n,
    r: true,
    w: false,
    x: false,
    split: false,
    seq: 0,
  });
  assert.equal(r.engine.atc.invalidate(5, undefined, 0x10000, 1), 2, 'without a PASID both entries of the page go');

  const off = runScript(
    CHECKED,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=1
dma read sid=5 iova=0x10000010 ats
write32 CR0 CMDQEN|EVENTQEN|ATSCHK
cmd ATC_INV StreamID=5 Address=0x10000000 Size=52
cmd SYNC
doorbell
`,
  );
  assert.deepEqual(errors(off), []);
  assert.equal(off.engine.atc.size, 1, 'the invalidation was IGNORED');
});

test('§3.9.1.2: a Translation Request never stalls, whatever the stall configuration', () => {
  const ids = { IDR0: (ATS_IDS.IDR0 & ~(3 << 24)) | (0 << 24) };
  const r = runScript(
    CHECKED,
    `cd 0x44001000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 S R A ASID=2 TTB0=0x45000000
ste 5 V Config=S1_TRANS S1ContextPtr=0x44001000 EATS=1
dma read sid=5 iova=0x10003000 ats == denied
dma read sid=5 iova=0x10003000 == stall
`,
    ids,
  );
  assert.deepEqual(errors(r), []);
  assert.equal(r.engine.stalled.size, 1, 'only the ordinary transaction stalled');
});

test('`ats` and `translated` need IDR0.ATS, and not both at once', () => {
  const none = runScript(UNCHECKED, `dma read sid=5 iova=0x10000000 ats\n`, {});
  assert.deepEqual(
    none.at(1).map((d) => d.split(':')[0]),
    ['dma.ats'],
  );
  const both = runScript(UNCHECKED, `dma read sid=5 iova=0x10000000 ats translated\n`);
  assert.deepEqual(
    both.at(1).map((d) => d.split(':')[0]),
    ['dma.route'],
  );
});

test('a payload through ATS: one Translation Request per page, the bytes where the completions say', () => {
  const r = runScript(
    CHECKED,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=1
map ttb=0x45000000 iova=0x10001000 pa=0x80009000
dma write sid=5 iova=0x10000FF8 size=16 data=0x1111 step=0x1111 ats
mem read64 0x80005FF8 == 0x1111
mem read64 0x80009000 == 0x2222
`,
  );
  assert.deepEqual(errors(r), []);
  assert.equal(r.engine.atc.size, 2);
});

// --- STE.PRIVCFG and INSTCFG (§5.2, §13.1.4 Table 13.4, §13.7.1) ----------------------------

/** ATS_IDS with SMMU_IDR1.ATTR_PERMS_OVR (bit 26): the STE's PRIVCFG and INSTCFG are not RES0. */
const OVR_IDS = { ...ATS_IDS, IDR1: QEMU_IDS.IDR1 | (1 << 26) };
const OVR_TABLES = `map ttb=0x45000000 iova=0x10004000 pa=0x80004000 priv
map ttb=0x45000000 iova=0x10006000 pa=0x80006000 xn
`;

/** PnU and InD of the event records written, in order (§7.3: after the STE override). */
function eventAttributes(r: Ran): string[] {
  return r.engine.activity
    .filter((a) => a.code === 'event.written' && a.words !== undefined)
    .map((a) => {
      const d = decodeEvent(a.words ?? []);
      const v = (name: string) => d.fields.find((f) => f.field.name === name)?.value;
      return `${d.def?.name} PnU=${v('PnU')} InD=${v('InD')}`;
    });
}

test('§13.1.4 Table 13.4: STE.PRIVCFG replaces the incoming PRIV of every transaction, before the permission check', () => {
  const body = (privcfg: string) => `${OVR_TABLES}ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 PRIVCFG=${privcfg}
dma read sid=5 iova=0x10004010
dma write sid=5 iova=0x10004010 priv
`;
  const incoming = runScript(CHECKED, body('INCOMING'), OVR_IDS);
  assert.match(incoming.summary(4) ?? '', /F_PERMISSION/, 'an unprivileged read of a privileged-only page faults');
  assert.match(incoming.summary(5) ?? '', /0x0*80004010/);
  const privileged = runScript(CHECKED, body('PRIVILEGED'), OVR_IDS);
  assert.match(privileged.summary(4) ?? '', /0x0*80004010/, 'PRIVCFG == Privileged: the read is privileged');
  const unprivileged = runScript(CHECKED, body('UNPRIVILEGED'), OVR_IDS);
  assert.match(unprivileged.summary(5) ?? '', /F_PERMISSION/, 'PRIVCFG == Unprivileged: the privileged write is not');
  assert.deepEqual(eventAttributes(unprivileged), ['F_PERMISSION PnU=0 InD=0', 'F_PERMISSION PnU=0 InD=0']);
  // 0b01 is Reserved and behaves as Use incoming (§5.2).
  const reserved = runScript(CHECKED, body('PRIVCFG_RESERVED'), OVR_IDS);
  assert.match(reserved.summary(4) ?? '', /F_PERMISSION/);
  assert.match(reserved.summary(5) ?? '', /0x0*80004010/);
});

test('§13.1.2 / Table 13.4: STE.INSTCFG changes reads only; writes are always Data', () => {
  const body = (instcfg: string) => `${OVR_TABLES}ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 INSTCFG=${instcfg}
dma exec sid=5 iova=0x10006010
dma read sid=5 iova=0x10006010
dma write sid=5 iova=0x10006010
`;
  const incoming = runScript(CHECKED, body('INCOMING'), OVR_IDS);
  assert.match(incoming.summary(4) ?? '', /F_PERMISSION/, 'a fetch from an XN page faults');
  assert.match(incoming.summary(5) ?? '', /0x0*80006010/);
  const data = runScript(CHECKED, body('DATA'), OVR_IDS);
  assert.match(data.summary(4) ?? '', /0x0*80006010/, 'INSTCFG == Data: the fetch is a data read');
  const inst = runScript(CHECKED, body('INSTRUCTION'), OVR_IDS);
  assert.match(inst.summary(5) ?? '', /F_PERMISSION/, 'INSTCFG == Instruction: the read is a fetch');
  assert.match(inst.summary(6) ?? '', /0x0*80006010/, 'the write stays Data');
  assert.deepEqual(eventAttributes(inst), ['F_PERMISSION PnU=0 InD=1', 'F_PERMISSION PnU=0 InD=1']);
});

test('§5.2: without SMMU_IDR1.ATTR_PERMS_OVR, PRIVCFG and INSTCFG are RES0 and the incoming attributes are used', () => {
  const r = runScript(
    CHECKED,
    `${OVR_TABLES}ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 PRIVCFG=PRIVILEGED INSTCFG=DATA
dma read sid=5 iova=0x10004010
dma exec sid=5 iova=0x10006010
`,
    ATS_IDS,
  );
  assert.match(r.summary(4) ?? '', /F_PERMISSION/);
  assert.match(r.summary(5) ?? '', /F_PERMISSION/);
});

test("§13.7.1: PRIVCFG decides the privilege a Translation Request is checked at; the completion keeps the request's Priv", () => {
  const body = (
    privcfg: string,
  ) => `${OVR_TABLES}ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=1 PRIVCFG=${privcfg}
dma write sid=5 iova=0x10004010 ats
`;
  const incoming = runScript(CHECKED, body('INCOMING'), OVR_IDS);
  assert.match(incoming.summary(4) ?? '', /R=0 W=0 Exe=0/, 'a request without a PASID is Unprivileged');
  const privileged = runScript(CHECKED, body('PRIVILEGED'), OVR_IDS);
  assert.match(privileged.summary(4) ?? '', /PA 0x0*80004010, R=1 W=1 Exe=0 \(/);
  assert.doesNotMatch(privileged.summary(4) ?? '', /privileged \(/, 'TC.Priv is TR.Priv, 0 without a PASID');
});

test('§13.7: Split-stage ATS applies INSTCFG to Translated transactions before stage 2', () => {
  const body = (instcfg: string) => `tables 0x49000000
map ttb=0x46000000 iova=0 pa=0x40000000 size=0x40000000 stage=2 tsz=24 sl0=1 xn
cd 0x44000000 V T0SZ=16 TG0=0 EPD1 IPS=5 AA64 R A ASID=1 TTB0=0x05000000
ste 5 V Config=NESTED S1ContextPtr=0x04000000 EATS=2 S2VMID=1 S2T0SZ=24 S2SL0=1 S2TG=0 S2PS=4 S2AA64 S2R S2TTB=0x46000000 INSTCFG=${instcfg}
dma read sid=5 iova=0x1010 translated
dma write sid=5 iova=0x1010 translated
`;
  const incoming = runScript(CHECKED, body('INCOMING'), OVR_IDS);
  assert.match(incoming.summary(5) ?? '', /0x0*40001010/);
  const inst = runScript(CHECKED, body('INSTRUCTION'), OVR_IDS);
  assert.match(inst.summary(5) ?? '', /F_PERMISSION/, 'the Translated read is an instruction fetch at stage 2');
  assert.match(inst.summary(6) ?? '', /0x0*40001010/, 'a Translated write stays Data');
});

// --- PASIDs on Translated transactions (SMMU_IDR3.PASIDTT, §3.9.1.3) ----------------------------

/** ATS, stage 2, 4-bit SubstreamIDs (IDR1.SSIDSIZE) and, with `pasidtt`, IDR3.PASIDTT (bit 16). */
const pasidIds = (pasidtt: boolean) => ({
  ...ATS_IDS,
  IDR1: QEMU_IDS.IDR1 | (4 << 6),
  IDR3: QEMU_IDS.IDR3 | (pasidtt ? 1 << 16 : 0),
});

test('§3.9.1.3 PASIDTT: a Translated transaction with a PASID keeps its Exe into Split-stage stage 2; without PASIDTT it is Data', () => {
  const body = `tables 0x49000000
map ttb=0x46000000 iova=0 pa=0x40000000 size=0x40000000 stage=2 tsz=24 sl0=1 xn
cd 0x44000000 V T0SZ=16 TG0=0 EPD1 IPS=5 AA64 R A ASID=1 TTB0=0x05000000
cd 0x44000040 V T0SZ=16 TG0=0 EPD1 IPS=5 AA64 R A ASID=2 TTB0=0x05000000
ste 5 V Config=NESTED S1ContextPtr=0x04000000 S1CDMax=1 S1DSS=2 EATS=2 S2VMID=1 S2T0SZ=24 S2SL0=1 S2TG=0 S2PS=4 S2AA64 S2R S2TTB=0x46000000
dma exec sid=5 ssid=1 iova=0x1010 translated
`;
  const withPasid = runScript(CHECKED, body, pasidIds(true));
  assert.match(withPasid.summary(6) ?? '', /F_PERMISSION/, 'the fetch meets stage 2 XN');
  assert.ok(!withPasid.at(6).some((d) => d.startsWith('dma.pasid')), 'no dma.pasid warning with PASIDTT');
  const without = runScript(CHECKED, body, pasidIds(false));
  assert.match(without.summary(6) ?? '', /0x0*40001010/, 'without PASIDTT the fetch is a Data read');
  assert.ok(
    without.at(6).some((d) => d.startsWith('dma.pasid: ')),
    without.at(6).join('\n'),
  );
});

test('§3.9.1.3 PASIDTT: the substream checks of a Translated transaction, configuration events only with REC_CFG_ATS', () => {
  const body = `cd 0x44000040 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=2 TTB0=0x45000000
ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 S1CDMax=2 S1DSS=2 EATS=1
ste 6 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=1
dma read sid=5 ssid=1 iova=0x80005010 translated
dma read sid=5 ssid=2 iova=0x80005010 translated
dma read sid=5 ssid=0 iova=0x80005010 translated
dma read sid=5 ssid=4 iova=0x80005010 translated
dma read sid=6 ssid=1 iova=0x80005010 translated
`;
  const quiet = runScript(CHECKED, body, pasidIds(true));
  assert.match(quiet.summary(4) ?? '', /bypass|0x0*80005010/, 'CD 1 is valid: Full ATS passes the address');
  assert.match(quiet.summary(5) ?? '', /C_BAD_CD/, 'CD 2 is not valid');
  assert.match(quiet.summary(6) ?? '', /F_STREAM_DISABLED/, 'SubstreamID 0 with S1DSS == 0b10');
  assert.match(quiet.summary(7) ?? '', /C_BAD_SUBSTREAMID/, 'SubstreamID 4 ≥ 2^S1CDMax');
  assert.match(quiet.summary(8) ?? '', /C_BAD_SUBSTREAMID/, 'S1CDMax == 0');
  assert.deepEqual(quiet.events(), [], 'without CR2.REC_CFG_ATS nothing is recorded');
  // ATSRECERR (IDR0 bit 23) makes CR2.REC_CFG_ATS writable (§6.3.1, §6.3.12).
  const recorded = runScript(prelude('SMMUEN|CMDQEN|EVENTQEN|ATSCHK', 'RECINVSID|REC_CFG_ATS'), body, {
    ...pasidIds(true),
    IDR0: ATS_IDS.IDR0 | (1 << 23),
  });
  assert.deepEqual(recorded.events(), ['C_BAD_CD', 'F_STREAM_DISABLED', 'C_BAD_SUBSTREAMID', 'C_BAD_SUBSTREAMID']);
  // Without PASIDTT the PASID is not seen: every one of them passes as SSV == 0 traffic of CD 0.
  const without = runScript(CHECKED, body, pasidIds(false));
  for (const n of [4, 5, 6, 7, 8]) assert.match(without.summary(n) ?? '', /0x0*80005010/, `line ${n}`);
});

test('§3.9.1.3: a Translated transaction without a SubstreamID to a stream whose S1DSS disables such traffic is F_STREAM_DISABLED', () => {
  const r = runScript(
    CHECKED,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 S1CDMax=1 S1DSS=0 EATS=1
dma read sid=5 iova=0x80005010 translated
`,
    pasidIds(false),
  );
  assert.match(r.summary(2) ?? '', /F_STREAM_DISABLED/);
});

// --- DPT checks of STE.EATS == 0b11 streams (§3.24, §3.9.1.3) --------------------------------------

/** ATS with SMMU_IDR3.DPT (bit 15). */
const DPT_IDS = { ...ATS_IDS, IDR3: QEMU_IDS.IDR3 | (1 << 15) };
/**
 * A DPT of 32 bits with 1 GB level 0 entries and 4 KB granules: level 0 (4 entries) at 0x47000000,
 * entry 1 (PA 0x40000000-0x7FFFFFFF) a Table entry to the level 1 table at 0x48100000 (2^17
 * entries, 1 MB); entry 2 Invalid (0b10), entry 3 a Block entry. Level 1 entry 2 (PA 0x40004000 and
 * 0x40005000): upper granule readable by any VMID (A = 0b10, AC1 = 0b10, W1 = 0), lower No Access;
 * entry 3 (0x40006000, 0x40007000): upper granule read-write for VMID 7 only (AC1 = 0b00). The
 * DPT registers are written first: they are read-only once DPT_WALK_EN is 1 (§6.3.46).
 */
const dptPrelude = (cr0: string) => `
write64 DPT_BASE 0x47000000
write32 DPT_BASE_CFG L0DPTSZ=L0_30BIT|DPTGS=DPTGS_4KB|DPTPS=DPTPS_32BIT${prelude(cr0)}mem write64 0x47000008 0x48100003
mem write64 0x47000010 0x2
mem write64 0x47000018 0x1
mem write64 0x48100010 0x0000000800000002
mem write64 0x48100018 0x0007001000000002
`;
const DPT_ON = dptPrelude('SMMUEN|CMDQEN|EVENTQEN|ATSCHK|DPT_WALK_EN');

test('§3.24.1: EATS 0b11 Translated traffic passes only where the DPT grants it (No Access, W, VMID)', () => {
  const r = runScript(
    DPT_ON,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=3
ste 6 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=3 DPT_VMATCH=2
dma read sid=5 iova=0x40005010 translated
dma write sid=5 iova=0x40005010 translated
dma read sid=5 iova=0x40004010 translated
dma read sid=5 iova=0x00010000 translated
dma read sid=5 iova=0x40007010 translated
dma write sid=6 iova=0x40007010 translated
`,
    DPT_IDS,
  );
  const s = (n: number) => r.summary(n) ?? '';
  assert.match(s(3), /0x0*40005010.*the DPT grants the read/);
  assert.match(s(4), /F_TRANSL_FORBIDDEN.*Device Access fault.*does not permit writes.*W1 is 0/);
  assert.match(s(5), /F_TRANSL_FORBIDDEN.*No Access to the lower granule/);
  assert.match(s(6), /F_TRANSL_FORBIDDEN.*level 0 entry .* is No Access/);
  assert.match(s(7), /F_TRANSL_FORBIDDEN.*VMID 7.*DPT_VMATCH 0b00 requires STE.S2VMID \(0\) to match/);
  assert.match(s(8), /0x0*40007010/, 'DPT_VMATCH 0b10: the VMID need not match, and W1 is 1');
  assert.deepEqual(r.events(), [
    'F_TRANSL_FORBIDDEN',
    'F_TRANSL_FORBIDDEN',
    'F_TRANSL_FORBIDDEN',
    'F_TRANSL_FORBIDDEN',
  ]);
  assert.equal(r.engine.smmu.value(getRegister('DPT_CFG_FAR')), 0n, 'Device Access faults are not lookup faults');
});

test('§3.24.4: DPT lookup faults go to SMMU_DPT_CFG_FAR (the first while FAULT is 1) and GERROR.DPT_ERR', () => {
  const r = runScript(
    DPT_ON,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=3
dma read sid=5 iova=0x80001000 translated
mem abort 0x48100000 0x1000
dma read sid=5 iova=0x40005010 translated
`,
    DPT_IDS,
  );
  assert.match(r.summary(2) ?? '', /F_TRANSL_FORBIDDEN.*DPT_WALK_FAULT at level 0/);
  assert.match(r.summary(4) ?? '', /F_TRANSL_FORBIDDEN.*DPT_EABT at level 1/);
  // FADDR 0x80001, DPT_FAULTCODE 0b0001 (DPT_WALK_FAULT), LEVEL 0, FAULT 1: the second fault is not recorded.
  assert.equal(r.engine.smmu.value(getRegister('DPT_CFG_FAR')), 0x80001011n);
  assert.equal((r.engine.smmu.value(getRegister('GERROR')) >> 10n) & 1n, 1n);
  const off = runScript(
    dptPrelude('SMMUEN|CMDQEN|EVENTQEN|ATSCHK'),
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=3
dma read sid=5 iova=0x40005010 translated
`,
    DPT_IDS,
  );
  assert.match(off.summary(2) ?? '', /DPT_DISABLED at level 0/);
  assert.equal(off.engine.smmu.value(getRegister('DPT_CFG_FAR')), 0x40005001n);
});

test('§5.2 EATS 0b11: Reserved as 0b00 without SMMU_IDR3.DPT; a Level 0 Block entry is reported as not modelled', () => {
  const r = runScript(
    CHECKED,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=3
dma read sid=5 iova=0x40005010 translated
`,
  );
  assert.match(r.summary(2) ?? '', /F_TRANSL_FORBIDDEN.*EATS is effectively 0b00/);
  const block = runScript(
    DPT_ON,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=3
dma read sid=5 iova=0xC0000010 translated
`,
    DPT_IDS,
  );
  assert.match(block.summary(2) ?? '', /0x0*C0000010/);
  assert.ok(
    block.at(2).some((d) => d.startsWith('dpt.not-modelled: ')),
    block.at(2).join('\n'),
  );
});

test('§3.24.3.1.4: Level 1 entries: a Reserved AC or a set MBZ bit is Invalid; Contig makes AC0/W0/VMID0 govern the region', () => {
  const r = runScript(
    DPT_ON,
    `ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 EATS=3
mem write64 0x48100020 0x000000000000000D
mem write64 0x48100028 0x0000000000000023
mem write64 0x48100030 0x000000000000021B
dma read sid=5 iova=0x40008010 translated
dma read sid=5 iova=0x4000A010 translated
dma write sid=5 iova=0x4000D010 translated
`,
    DPT_IDS,
  );
  assert.match(r.summary(5) ?? '', /DPT_WALK_FAULT at level 1.*AC0 is 0b11, Reserved/);
  assert.match(r.summary(6) ?? '', /DPT_WALK_FAULT at level 1.*an MBZ bit is set/);
  // 0x21B: A = 0b11, AC0 = 0b10, W0 = 1, Contig = 0b0010 (2 MB): the upper granule follows AC0/W0.
  assert.match(r.summary(7) ?? '', /0x0*4000D010.*the DPT grants the write/);
});
