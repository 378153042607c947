/**
 * E0PD (§5.4 CD.E0PD0 and CD.E0PD1, SMMU_IDR3.E0PD; FEAT_E0PD of the A-profile architecture): an
 * unprivileged access to an address that TTBx translates, with E0PDx = 1, is a Translation fault at
 * level 0 and no walk is made. Scripts run through the real parser, resolver and interpreter: the
 * expectations inside them hold (no error), and the assertions here look at what the model did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../core/engine/engine';
import { run } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import { config, QEMU_IDS } from '../../harness/helpers';

/** IDR3.E0PD, bit [13] (§6.3.4), on top of QEMU's IDs. */
const E0PD = { IDR3: QEMU_IDS.IDR3 | (1 << 13) };

/** An enabled SMMU with a linear stream table and the queues; CR2 is written before SMMUEN (§6.3.12). */
const prelude = (cr2 = 'RECINVSID') => `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=5
write32 CR2 ${cr2}
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
tables 0x48000000
`;

/** A stage-1 CD with both TTBs (4 KB granule, 48-bit ranges) and `extra` fields. */
const CD = (extra: string) =>
  `cd 0x44000000 V T0SZ=16 TG0=GRAN4K T1SZ=16 TG1=GRAN4K IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 TTB1=0x46000000 ${extra}`;
/** 0x10000000 → 0x80000000 through TTB0, 0xFFFF000010000000 → 0x90000000 through TTB1. */
const MAPS = `
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
map ttb=0x46000000 iova=0xFFFF000010000000 pa=0x90000000
`;

function runScript(body: string, ids: Partial<typeof QEMU_IDS> = E0PD, cr2?: string) {
  const resolved = analyzeScript(prelude(cr2) + body);
  assert.deepEqual(
    resolved.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
    'the script resolves',
  );
  const engine = new Engine(config(ids));
  const r = run(resolved.statements, engine);
  return {
    engine,
    errors: r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line + 1}: ${d.message}`),
  };
}

test('§5.4 CD.E0PD0: an unprivileged access through TTB0 is a level 0 F_TRANSLATION, made without a walk; a privileged one is translated', () => {
  const r = runScript(`
${CD('E0PD0')}
ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000
${MAPS}
dma read sid=5 iova=0x10000000 priv == 0x80000000
dma read sid=5 iova=0x10000000 == F_TRANSLATION
expect event F_TRANSLATION StreamID=5 InputAddr=0x10000000 PnU=UNPRIVILEGED RnW=READ CLASS=IN S2=0
dma write sid=5 iova=0x10000123 == F_TRANSLATION
expect event F_TRANSLATION StreamID=5 InputAddr=0x10000123 PnU=UNPRIVILEGED RnW=WRITE
dma read sid=5 iova=0xFFFF000010000000 == 0x90000000
`);
  assert.deepEqual(r.errors, []);
  const a = r.engine.activity;
  const faults = a.filter((x) => x.kind === 'event' && /F_TRANSLATION/.test(x.text));
  assert.equal(faults.length, 2);
  for (const f of faults) assert.match(f.text, /at stage 1, level 0: CD\.E0PD0 is 1/);
  // No descriptor is read for the unprivileged accesses: the only walk reads before the first
  // fault are the privileged access's four, and the TTB1 access reads its own after the faults.
  const firstFault = a.indexOf(faults[0] as (typeof a)[number]);
  const lastFault = a.indexOf(faults[1] as (typeof a)[number]);
  const reads = (from: number, to: number) =>
    a.slice(from, to).filter((x) => x.kind === 'fetch' && /stage-1 .*descriptor/.test(x.text)).length;
  assert.equal(reads(0, firstFault), 4, 'the privileged access walks four levels');
  assert.equal(reads(firstFault, lastFault + 1), 0, 'the unprivileged accesses read no descriptor');
});

test('§5.4 CD.E0PD1 applies to the addresses TTB1 translates only, and E0PD0 to those of TTB0 only', () => {
  const r = runScript(`
${CD('E0PD1')}
ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000
${MAPS}
dma read sid=5 iova=0x10000000 == 0x80000000
dma read sid=5 iova=0xFFFF000010000000 priv == 0x90000000
dma read sid=5 iova=0xFFFF000010000000 == F_TRANSLATION
expect event F_TRANSLATION StreamID=5 InputAddr=0xFFFF000010000000 PnU=UNPRIVILEGED
expect no event
`);
  assert.deepEqual(r.errors, []);
  assert.match(r.engine.activity.find((x) => x.kind === 'event')?.text ?? '', /level 0: CD\.E0PD1 is 1/);
});

test('§5.4: E0PD0 and E0PD1 are RES0 without SMMU_IDR3.E0PD: unprivileged accesses are translated', () => {
  const r = runScript(
    `
${CD('E0PD0 E0PD1')}
ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000
${MAPS}
dma read sid=5 iova=0x10000000 == 0x80000000
dma read sid=5 iova=0xFFFF000010000000 == 0x90000000
expect no event
`,
    {},
  );
  assert.deepEqual(r.errors, []);
});

test('§5.4: E0PDx is RES0 in the EL2 StreamWorld and applies in EL2-E2H', () => {
  // IDR0.HYP (bit [9]) for the EL2 StreamWorlds (STE.STRW = NS_EL2, §5.2), chosen by SMMU_CR2.E2H.
  const ids = { ...E0PD, IDR0: QEMU_IDS.IDR0 | (1 << 9) };
  const body = (then: string) => `
${CD('E0PD0')}
ste 5 V STRW=NS_EL2 Config=S1_TRANS S1ContextPtr=0x44000000
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
dma read sid=5 iova=0x10000000 == ${then}
`;
  assert.deepEqual(runScript(body('0x80000000'), ids, 'RECINVSID').errors, []);
  assert.deepEqual(runScript(body('F_TRANSLATION'), ids, 'RECINVSID|E2H').errors, []);
});

test('§5.4 StreamWorld EL2: one translation table (TTB0; the TTB1 range faults, EPD0 is IGNORED) and every access privileged; EL2-E2H has both and two privilege levels', () => {
  const ids = { IDR0: QEMU_IDS.IDR0 | (1 << 9) };
  const body = (results: readonly string[]) => `
${CD('EPD0')}
ste 5 V STRW=NS_EL2 Config=S1_TRANS S1ContextPtr=0x44000000
map ttb=0x45000000 iova=0x10000000 pa=0x80000000 priv
map ttb=0x46000000 iova=0xFFFF000010000000 pa=0x90000000
dma read sid=5 iova=0x10000000 == ${results[0]}
dma read sid=5 iova=0xFFFF000010000000 == ${results[1]}
`;
  // EL2: EPD0 = 1 does not disable TTB0, an unprivileged access reads the privileged-only page,
  // and an address in the TTB1 range is a level 0 F_TRANSLATION (TTB1 is RES0).
  assert.deepEqual(runScript(body(['0x80000000', 'F_TRANSLATION']), ids, 'RECINVSID').errors, []);
  // EL2-E2H: EPD0 = 1 disables TTB0 (a level 0 F_TRANSLATION), and TTB1 translates.
  assert.deepEqual(runScript(body(['F_TRANSLATION', '0x90000000']), ids, 'RECINVSID|E2H').errors, []);
});

test('§5.4 with §13.1.4 STE.PRIVCFG: the privilege E0PD checks is the one after the STE override', () => {
  // IDR1.ATTR_PERMS_OVR (bit [26], §6.3.2) makes STE.PRIVCFG effective.
  const ids = { ...E0PD, IDR1: QEMU_IDS.IDR1 | (1 << 26) };
  const r = runScript(
    `
${CD('E0PD0')}
ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 PRIVCFG=PRIVILEGED
ste 6 V Config=S1_TRANS S1ContextPtr=0x44000000 PRIVCFG=UNPRIVILEGED
${MAPS}
dma read sid=5 iova=0x10000000 == 0x80000000
dma read sid=6 iova=0x10000000 priv == F_TRANSLATION
expect event F_TRANSLATION StreamID=6 InputAddr=0x10000000 PnU=UNPRIVILEGED
`,
    ids,
  );
  assert.deepEqual(r.errors, []);
});
