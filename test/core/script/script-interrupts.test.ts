/**
 * `expect irq`, `expect msi` and `expect no irq` (core/script/statements/interrupts.ts) on the
 * interrupts the engine signals (§3.18): which source fires when, wired and MSI, the script's
 * checking off of what was signalled, and failures that say what was signalled instead. Scripts go
 * through the real parser, resolver and interpreter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../core/engine/engine';
import { run } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import type { ScriptDiagnostic } from '../../../core/base/diagnostics';
import { config, QEMU_IDS } from '../../harness/helpers';

const MSI = 1 << 13;
const PRI = 1 << 16;

/** A linear stream table with no valid STE, the command and event queues, everything enabled. */
const PRELUDE = `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=3
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
`;

interface Ran {
  readonly engine: Engine;
  /** `code: message` of each error, with its 1-based line in the body. */
  readonly errors: readonly string[];
  readonly met: number;
  readonly run: number;
}

function runBody(body: string, ids: Partial<typeof QEMU_IDS> = {}): Ran {
  const text = PRELUDE + body;
  const resolved = analyzeScript(text);
  assert.deepEqual(
    resolved.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
    'the script resolves',
  );
  const engine = new Engine(config(ids));
  // As checks run it: no full activity log, only what scripts act on.
  engine.recording = false;
  const r = run(resolved.statements, engine);
  const offset = PRELUDE.split('\n').length - 1;
  const line = (d: ScriptDiagnostic) => d.range.start.line - offset + 1;
  return {
    engine,
    errors: r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${line(d)} ${d.code}: ${d.message}`),
    met: r.counts.expectationsMet,
    run: r.counts.expectationsRun,
  };
}

test('§3.18.2 an event into an empty event queue pulses the EVENTQ wired interrupt when EVENTQ_IRQEN is 1; a second one into a non-empty queue does not', () => {
  const r = runBody(`
write32 IRQ_CTRL EVENTQ_IRQEN
dma read sid=3 iova=0 == C_BAD_STE
expect irq EVENTQ
expect no irq
dma read sid=3 iova=0 == C_BAD_STE
expect no irq
`);
  assert.deepEqual(r.errors, []);
  assert.equal(r.met, 5);
});

test('expect irq fails when nothing fired, and says why: the enable is 0, or the SMMU has no PRI queue', () => {
  const r = runBody(`
dma read sid=3 iova=0 == C_BAD_STE
expect irq EVENTQ
expect irq PRIQ
`);
  assert.deepEqual(r.errors, [
    '3 expect.failed: no EVENTQ wired interrupt was asserted (IRQ_CTRLACK.EVENTQ_IRQEN is 0); none was signalled that an expectation has not checked off (§3.18)',
    '4 expect.failed: no PRIQ wired interrupt was asserted (this SMMU has no PRI queue: IDR0.PRI is 0); none was signalled that an expectation has not checked off (§3.18)',
  ]);
  assert.equal(r.run, 3);
  assert.equal(r.met, 1);
});

test('§6.3.30 with IDR0.MSI and a non-zero EVENTQ_IRQ_CFG0.ADDR the source writes its MSI and still pulses its wired output; expectations check them off in any order', () => {
  const r = runBody(
    `
write64 EVENTQ_IRQ_CFG0 0x50000000
write32 EVENTQ_IRQ_CFG1 0x77
write32 IRQ_CTRL EVENTQ_IRQEN
dma read sid=3 iova=0 == C_BAD_STE
expect msi addr=0x50000000 data=0x77
expect irq EVENTQ
expect no irq
mem read32 0x50000000 == 0x77
`,
    { IDR0: QEMU_IDS.IDR0 | MSI },
  );
  assert.deepEqual(r.errors, []);
  const seen = r.engine.activity.filter((a) => a.interrupt).map((a) => a.interrupt);
  assert.deepEqual(seen, [
    { source: 'EVENTQ', how: 'wired' },
    { source: 'EVENTQ', how: 'msi', address: 0x50000000n, data: 0x77, aborted: false },
  ]);
});

test('expect msi names what was signalled instead: another address or data, or only the wired interrupt without IDR0.MSI', () => {
  const msi = runBody(
    `
write64 EVENTQ_IRQ_CFG0 0x50000000
write32 EVENTQ_IRQ_CFG1 0x77
write32 IRQ_CTRL EVENTQ_IRQEN
dma read sid=3 iova=0 == C_BAD_STE
expect msi addr=0x50000000 data=0x78
expect msi addr=0x50000000
`,
    { IDR0: QEMU_IDS.IDR0 | MSI },
  );
  assert.deepEqual(msi.errors, [
    '6 expect.failed: no MSI of 0x00000078 to 0x0000000050000000 was written; signalled instead: EVENTQ wired interrupt asserted; EVENTQ MSI: wrote 0x00000077 to 0x0000000050000000 (§3.18)',
  ]);
  // Without IDR0.MSI the CFG registers are RES0 (§6.3.30): only the wired output fires.
  const wired = runBody(`
write64 EVENTQ_IRQ_CFG0 0x50000000
write32 IRQ_CTRL EVENTQ_IRQEN
dma read sid=3 iova=0 == C_BAD_STE
expect msi addr=0x50000000
`);
  assert.deepEqual(wired.errors, [
    '5 expect.failed: no MSI to 0x0000000050000000 was written (this SMMU sends no MSIs: IDR0.MSI is 0); signalled instead: EVENTQ wired interrupt asserted (§3.18)',
  ]);
});

test('expect no irq lists every interrupt left unchecked, then clears them', () => {
  const r = runBody(
    `
write64 GERROR_IRQ_CFG0 0x51000000
write32 GERROR_IRQ_CFG1 9
write32 IRQ_CTRL EVENTQ_IRQEN|GERROR_IRQEN
dma read sid=3 iova=0 == C_BAD_STE
cmd raw 0xFF 0
doorbell
expect no irq
expect no irq
`,
    { IDR0: QEMU_IDS.IDR0 | MSI },
  );
  assert.deepEqual(
    r.errors.filter((e) => !e.includes('cmdq')),
    [
      '8 expect.failed: 3 interrupts were signalled: EVENTQ wired interrupt asserted; GERROR wired interrupt asserted; GERROR MSI: wrote 0x00000009 to 0x0000000051000000 (§3.18)',
    ],
  );
});

test('§4.7.3 CMD_SYNC with CS=SIG_IRQ pulses the CMD_SYNC interrupt without any IRQ_CTRL enable; its MSI with IDR0.MSI and a non-zero MSIAddress', () => {
  const r = runBody(
    `
cmd SYNC CS=SIG_IRQ MSIAddress=0x60000000 MSIData=5
cmd SYNC CS=SIG_IRQ MSIAddress=0 MSIData=6
cmd SYNC CS=SIG_NONE MSIAddress=0x60000010 MSIData=7
doorbell
expect irq CMD_SYNC
expect irq CMD_SYNC
expect msi addr=0x60000000 data=5
expect no irq
`,
    { IDR0: QEMU_IDS.IDR0 | MSI },
  );
  assert.deepEqual(r.errors, []);
  assert.equal(r.met, 4);
});

test('§7.5 a GERROR activation raises the GERROR interrupt; an aborted EVENTQ MSI activates MSI_EVENTQ_ABT_ERR and does not count as an MSI written', () => {
  const r = runBody(
    `
mem abort 0x50000000 0x1000
write64 EVENTQ_IRQ_CFG0 0x50000000
write32 IRQ_CTRL EVENTQ_IRQEN|GERROR_IRQEN
dma read sid=3 iova=0 == C_BAD_STE
read32 GERROR.MSI_EVENTQ_ABT_ERR == 1
expect msi addr=0x50000000
expect irq GERROR
expect irq EVENTQ
expect no irq
`,
    { IDR0: QEMU_IDS.IDR0 | MSI },
  );
  assert.deepEqual(r.errors, [
    '7 expect.failed: no MSI to 0x0000000050000000 was written; signalled instead: EVENTQ wired interrupt asserted; EVENTQ MSI write of 0x00000000 to 0x0000000050000000 aborted; GERROR wired interrupt asserted (§3.18)',
    '10 expect.failed: 1 interrupt was signalled: EVENTQ MSI write of 0x00000000 to 0x0000000050000000 aborted (§3.18)',
  ]);
});

test('§6.3.36 PRIQ_IRQ_CFG2.LO: the PRI queue interrupt fires for Last requests only, one discarded by an overflow included', () => {
  const r = runBody(
    `
write64 PRIQ_BASE 0x40300000 | LOG2SIZE=0
write32 PRIQ_IRQ_CFG2 LO=LAST_ONLY
write32 IRQ_CTRL PRIQ_IRQEN
write32 CR0 SMMUEN|CMDQEN|EVENTQEN|PRIQEN
pri sid=4 addr=0x1000 read == queued
expect no irq
pri sid=4 addr=0x2000 read last == discarded
expect irq PRIQ
pri sid=4 addr=0x3000 read == discarded
expect no irq
`,
    { IDR0: QEMU_IDS.IDR0 | MSI | PRI },
  );
  assert.deepEqual(r.errors, []);
  assert.equal(r.met, 6);
});

test('malformed interrupt expectations are errors at the argument, not failed expectations', () => {
  const r = runBody(`
expect irq
expect irq EVNTQ
expect irq EVENTQ 1
expect msi data=1
expect msi addr=0x1000 prio=2
expect no irq please
`);
  assert.deepEqual(r.errors, [
    "2 expect.syntax: expected the interrupt source after 'expect irq': EVENTQ, PRIQ, GERROR, CMD_SYNC, S_EVENTQ, S_GERROR, S_CMD_SYNC",
    "3 expect.unknown-irq: unknown interrupt source 'EVNTQ' (EVENTQ, PRIQ, GERROR, CMD_SYNC, S_EVENTQ, S_GERROR, S_CMD_SYNC); did you mean 'EVENTQ'?",
    "4 expect.syntax: 'expect irq EVENTQ' takes nothing more",
    "5 expect.syntax: expected addr=A after 'expect msi': the address the MSI writes",
    "6 expect.syntax: 'expect msi' takes addr=A and data=D, not 'prio'",
    "7 expect.syntax: 'expect no irq' takes nothing more",
  ]);
  assert.equal(r.met, 0);
});
