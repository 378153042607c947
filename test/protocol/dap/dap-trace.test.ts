/**
 * Stepping through a trace with the debug adapter, through the real protocol (`node dist/cli.js
 * dap` driven by @vscode/debugadapter-testsupport's DebugClient): a hand-written `.smmutrace` with
 * a divergence, breakpoints on its own lines, stepping, step back, reverse continue, data
 * breakpoints, the console, and a QEMU log from test/fixtures/qemu.
 */
import { test, beforeEach, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { evaluateOn, launchOn, startClient, steppingOn } from '../../harness/dap-harness';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { root } from '../../harness/root';

const qemuProbe = path.join(root, 'test', 'fixtures', 'qemu', 'register-probe.qemu-7.2.log');

// 1-based lines, as DAP clients count them. The emulation's ID values are QEMU 7.2's (the
// configuration is inferred from them); line 15 is the divergence.
const TRACE = `# a vSMMU bring-up as the emulation answered it
R 0x0 4 0x0D40101A     # IDR0
R 0x4 4 0x02730010     # IDR1
R 0xC 4 0x00001404     # IDR3
R 0x14 4 0x00000074    # IDR5
R 0x18 4 0x0000043B    # IIDR
R 0x1C 4 0x1           # AIDR: SMMUv3.1

W 0x90 8 0x40100004    # CMDQ_BASE, 16 entries
W 0x20 4 0x8           # CR0: CMDQEN
R 0x24 4 0x8           # CR0ACK
W 0x98 4 0x1           # CMDQ_PROD: one command, no guest memory in the trace
R 0x9C 4 0x1           # CMDQ_CONS: the emulation consumed it
W 0x20 4 0xC           # CR0: EVENTQEN|CMDQEN
R 0x24 4 0x4           # CR0ACK: neither the old value nor the new one
R 0x28 4 0x0           # CR1
`;

let dir: string;
let trace: string;
let dc: DebugClient;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-dap-trace-'));
  trace = path.join(dir, 'bringup.smmutrace');
  fs.writeFileSync(trace, TRACE);
});

beforeEach(async () => {
  dc = await startClient();
});

afterEach(async () => {
  await dc.stop();
});

const launch = (args: Record<string, unknown>, setup?: () => Promise<unknown>) => launchOn(dc, args, setup, 10000);

async function line(): Promise<number | undefined> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]?.line;
}

const evaluate = (expression: string, context = 'watch') => evaluateOn(dc, expression, context);

const stepping = (send: () => Promise<unknown>) => steppingOn(dc, send);

test('a trace launches on its first record; breakpoints go on records, moved past comments and blank lines', async () => {
  let bps: DebugProtocol.Breakpoint[] = [];
  const out = dc.waitForEvent('output');
  const e = await launch({ program: trace, stopOnEntry: true }, async () => {
    bps = (
      await dc.setBreakpointsRequest({
        source: { path: trace },
        breakpoints: [{ line: 1 }, { line: 8 }, { line: 12 }, { line: 30 }],
      })
    ).body.breakpoints;
  });
  assert.equal(e.body.reason, 'entry');
  assert.equal(await line(), 2);
  assert.match(
    ((await out) as DebugProtocol.OutputEvent).body.output,
    /inferred from the trace's ID register reads.*; trace, 14 records \(10 reads, 4 writes\): 1 error, 0 warnings, \d+ notes?; first divergence at line 15/,
  );
  assert.deepEqual(
    bps.map((b) => [b.verified, b.line]),
    [
      [true, 2],
      [true, 9],
      [true, 12],
      [false, 30],
    ],
  );
  assert.match(bps[1]?.message ?? '', /moved to line 9, the next record/);
  assert.match(bps[3]?.message ?? '', /no record at or after this line/);
});

test('continue stops on the diverging read with the failed-expectation filter, both values in the text', async () => {
  const e = await launch({ program: trace });
  assert.equal(e.body.reason, 'exception');
  // Stopped on the record that diverged, with its effect in the model (as a script stops on a failed read).
  assert.equal(await line(), 15);
  assert.match(
    e.body.text ?? '',
    /^failed expectation: line 15: the emulation returned 0x00000004, the model 0x0000000C: SMMU_CR0ACK returned 0x00000004 but the model has 0x0000000C: CMDQEN = 0 where the model has CMDQEN = 1.*\[replay\.value\]/,
  );
  const info = await dc.exceptionInfoRequest({ threadId: 1 });
  assert.equal(info.body.exceptionId, 'expectation');
  // The first scope is the record the stop is about, both sides field by field.
  const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  assert.equal(scopes[0]?.name, 'Trace record (line 15)');
  // The only scope VS Code expands by itself at a stop (the first that is not expensive).
  assert.deepEqual(
    scopes.filter((x) => !x.expensive).map((x) => x.name),
    ['Trace record (line 15)'],
  );
  assert.ok(scopes.some((x) => x.name === 'Registers (page 0)'));
  const rows = new Map(
    (await dc.variablesRequest({ variablesReference: scopes[0]?.variablesReference ?? 0 })).body.variables.map((v) => [
      v.name,
      v.value,
    ]),
  );
  assert.equal(rows.get('access'), 'read of 32 bits at 0x00000024 (SMMU_CR0ACK)');
  assert.equal(rows.get('emulation'), '0x00000004');
  assert.equal(rows.get('model'), '0x0000000C');
  assert.equal(rows.get('≠ CMDQEN'), 'emulation 0 (DISABLED), model 1 (ENABLED)');
  assert.equal(rows.get('EVENTQEN'), 'emulation 1 (ENABLED), model 1 (ENABLED)');
  assert.match(rows.get('error 1') ?? '', /\[replay\.value\]$/);
  // The model is the replay's: CMDQ_PROD was written with no queue contents in the trace, so the
  // model consumed nothing itself (no CERROR_ILL, no GERROR stop) and took CMDQ_CONS from the trace.
  assert.equal(await evaluate('CMDQ_CONS.RD'), '1');
  assert.equal(await evaluate('GERROR'), '0x00000000 (0)');
  assert.match(await evaluate('CR0ACK'), /^0x0000000C/);
  const end = await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(end.body.description, 'end of trace');
  assert.equal(await line(), 17);
});

test('with the filter off, the divergence does not stop; step over, step back and reverse continue follow the records', async () => {
  await launch({ program: trace }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    await dc.setBreakpointsRequest({ source: { path: trace }, breakpoints: [{ line: 10 }] });
  });
  assert.equal(await line(), 10);
  assert.match(await evaluate('CR0'), /^0x00000000/);
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal(await line(), 11);
  assert.match(await evaluate('CR0'), /^0x00000008/);
  for (let i = 0; i < 3; i++) await stepping(() => dc.stepInRequest({ threadId: 1 }));
  assert.equal(await line(), 14);
  assert.equal(await evaluate('CMDQ_CONS.RD'), '1');
  const back = await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(back.body.reason, 'step');
  assert.equal(await line(), 13);
  assert.equal(await evaluate('CMDQ_CONS.RD'), '0');
  const rc = await stepping(() => dc.reverseContinueRequest({ threadId: 1 }));
  assert.equal(rc.body.reason, 'breakpoint');
  assert.equal(await line(), 10);
  const end = await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(end.body.description, 'end of trace');
});

test('a data breakpoint stops where a record changes the field; the console executes statements on the model', async () => {
  const e = await launch({ program: trace }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'CR0.EVENTQEN' }] });
  });
  assert.equal(e.body.reason, 'data breakpoint');
  assert.match(e.body.text ?? '', /CR0\.EVENTQEN changed: 0x0*0 → 0x0*1/);
  // On the record that wrote it.
  assert.equal(await line(), 14);
  assert.equal(await evaluate('CR0.EVENTQEN'), '1 (ENABLED)');
  // CR1 is Guarded by CR0.CMDQEN/EVENTQEN (§6.3.11), now 1: the model refuses the change, as it should.
  assert.match(await evaluate('write32 CR1 0x15', 'repl'), /SMMU_CR1\.QUEUE_SH is Guarded by .* the change is IGNORED/);
  assert.equal(await evaluate('write32 CR2 RECINVSID', 'repl'), 'CR2 ← 0x2');
  assert.equal(await evaluate('CR2.RECINVSID'), '1 (ENABLED)');
  // The console's writes are in the history: step back undoes them with the CR0 write before them.
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(await line(), 14);
  assert.equal(await evaluate('CR2.RECINVSID'), '0 (DISABLED)');
  assert.equal(await evaluate('CR0.EVENTQEN'), '0 (DISABLED)');
});

test('a QEMU log steps on its own lines and stops at QEMU 7.2 reading back RES0 bits of SMMU_CR0', async () => {
  const e = await launch({ program: qemuProbe });
  assert.equal(e.body.reason, 'exception');
  assert.equal(await line(), 11);
  assert.match(
    e.body.text ?? '',
    /line 11: the emulation returned 0xFFFFFFFF, the model 0x0000000D: SMMU_CR0 returned 0xFFFFFFFF with RES0 bits \[31:11\], 9, 5 set.*\[replay\.res0-bits\]/,
  );
  const next = await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(next.body.reason, 'exception');
  assert.equal(await line(), 12);
  assert.match(next.body.text ?? '', /line 12: the emulation returned 0x000003DF/);
  // Step back undoes the diverging read: the session is before it, on its line.
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(await line(), 12);
  assert.equal((await dc.scopesRequest({ frameId: 0 })).body.scopes[0]?.name, 'Trace record (line 11)');
});

test('a trace with a syntax error is not launched: the launch fails with its position', async () => {
  const bad = path.join(dir, 'bad.smmutrace');
  fs.writeFileSync(bad, 'R 0x0 4 0x0D40101A\nX 0x20 4 0x1\n');
  await assert.rejects(() => dc.launch({ program: bad }), /bad\.smmutrace:2:1: /);
});

test('"trace": true steps any file as a trace (SMMU Trace documents with other names)', async () => {
  const other = path.join(dir, 'capture.txt');
  fs.writeFileSync(other, TRACE);
  const e = await launch({ program: other, trace: true });
  assert.equal(e.body.reason, 'exception');
  assert.equal(await line(), 15);
});

test('the stop is on the record that diverged (examples/vsmmu-locking.smmutrace); step over goes on to the next record, step back undoes it', async () => {
  const example = path.join(root, 'examples', 'vsmmu-locking.smmutrace');
  const lines = fs.readFileSync(example, 'utf8').split('\n');
  // 1-based, as DAP counts: the torn read-modify-write read (an error) and the next record.
  const torn = lines.findIndex((l) => l.startsWith('R 0x0080 4 0xAAAABBC0')) + 1;
  const after = lines.findIndex((l, i) => i >= torn && /^[RW] /.test(l)) + 1;
  const e = await launch({ program: example });
  assert.equal(e.body.reason, 'exception');
  assert.match(e.body.text ?? '', new RegExp(`^failed expectation: line ${torn}: `));
  const frames = async () => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const recordScope = async () => (await dc.scopesRequest({ frameId: 0 })).body.scopes[0]?.name;
  // The arrow, the exception and the record scope all on the diverging record; its effect in the model.
  assert.deepEqual(
    (await frames()).map((f) => f.line),
    [torn],
  );
  assert.equal(await recordScope(), `Trace record (line ${torn})`);
  assert.match(await evaluate('STRTAB_BASE'), /^0x000000000000BBC0/);
  // Step over from there: on to the next record, which has not run yet.
  const next = await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal(next.body.reason, 'step');
  assert.equal(await line(), after);
  assert.equal(await recordScope(), `Trace record (line ${torn})`);
  assert.match(await evaluate('CMDQ_BASE'), /^0x0000000000000000/);
  // Step back twice: before the diverging record, then before the record ahead of it.
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(await line(), torn);
  assert.equal(await recordScope(), `Trace record (line ${torn - 1})`);
  // Continue stops on it again, and step back from that stop undoes just that record.
  const again = await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(again.body.reason, 'exception');
  assert.equal(await line(), torn);
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(await line(), torn);
  assert.equal(await recordScope(), `Trace record (line ${torn - 1})`);
});

test('the session names its configuration once (an inferred configuration says where it came from only once)', async () => {
  const out = dc.waitForEvent('output');
  await launch({ program: trace, stopOnEntry: true });
  const text = ((await out) as DebugProtocol.OutputEvent).body.output;
  assert.match(text, /^SMMU model: inferred from the trace's ID register reads/);
  assert.doesNotMatch(text, /inferred from the trace \(inferred/);
});

test('a trace of over 1,000,000 lines (19 MB) launches windowed, read back from its file as it is stepped', async () => {
  const big = path.join(dir, 'big.smmutrace');
  fs.writeFileSync(big, 'R 0x0 4 0x0D40101A\n'.repeat(1_000_001));
  // The launch stops on entry once the first records are replayed; the rest of the million lines
  // are replayed and indexed while it is stopped (tens of seconds on a loaded machine).
  dc.defaultTimeout = 120_000;
  const said: string[] = [];
  dc.on('output', (o: DebugProtocol.OutputEvent) => said.push(o.body.output));
  const ended = new Promise<void>((resolve) =>
    dc.on('output', (o: DebugProtocol.OutputEvent) => {
      if (o.body.output.startsWith('the replay ended: ')) resolve();
    }),
  );
  const e = await launchOn(dc, { program: big, stopOnEntry: true }, undefined, 120_000);
  assert.equal(e.body.reason, 'entry');
  // What only the end gives is said to be pending at the launch, then given when the replay ends.
  assert.match(
    said[0] as string,
    /trace, replay under way: the record count, the divergences and the summary are not known yet/,
  );
  await stepping(() => dc.stepInRequest({ threadId: 1 }));
  assert.equal(await line(), 2);
  await ended;
  assert.match(
    said.find((t) => t.startsWith('the replay ended: ')) as string,
    /trace, 1000001 records .*; windowed: 245 windows of 4,096 records read back from the file as stepped/,
  );
});
