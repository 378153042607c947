/**
 * The debug adapter through the real protocol: `node dist/cli.js dap` driven by
 * @vscode/debugadapter-testsupport's DebugClient (launch, breakpoints, every step kind, step back,
 * scopes and variables, evaluate, data and exception breakpoints, memory, the custom request).
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
import { STREAM5_STAGE1 } from '../../harness/dma-fixture';

let dir: string;
let script: string;
let dc: DebugClient;

// 1-based lines, as DAP clients count them.
const FIXTURE = `# fixture for the debugger tests
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write32 CR0 CMDQEN

ste 3 V Config=BYPASS
cmd CFGI_STE sid=3 Leaf
cmd TLBI_NSNH_ALL
cmd SYNC
doorbell
read32 CMDQ_CONS.RD == 3
cmd TLBI_EL2_ALL
doorbell
read32 GERROR.CMDQ_ERR == 0
write32 CR2 0
`;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-dap-'));
  script = path.join(dir, 'bringup.smmu');
  fs.writeFileSync(script, FIXTURE);
});

beforeEach(async () => {
  dc = await startClient();
});

afterEach(async () => {
  await dc.stop();
});

const launch = (args: Record<string, unknown>, setup?: () => Promise<unknown>, timeout = 5000) =>
  launchOn(dc, args, setup, timeout);

async function frames(): Promise<DebugProtocol.StackFrame[]> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
}

const evaluate = (expression: string, context = 'watch') => evaluateOn(dc, expression, context);

const stepping = (send: () => Promise<unknown>) => steppingOn(dc, send);

async function variables(ref: number): Promise<DebugProtocol.Variable[]> {
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

async function scope(name: string): Promise<DebugProtocol.Variable[]> {
  const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  const s = scopes.find((x) => x.name === name);
  assert.ok(s, `no scope ${name} in ${scopes.map((x) => x.name).join(', ')}`);
  return variables(s.variablesReference);
}

test('launch with stopOnEntry stops at the first statement', async () => {
  const e = await launch({ program: script, stopOnEntry: true });
  assert.equal(e.body.reason, 'entry');
  const f = await frames();
  assert.equal(f.length, 1);
  assert.equal(f[0]?.line, 2);
  assert.equal(f[0]?.source?.path, script);
});

test('initialize without pathFormat: the DAP default, "path", is taken and a launch works', async () => {
  // Clients may omit pathFormat (the protocol says it defaults to 'path'); the adapter library rejected that.
  const init = await dc.initializeRequest({ adapterID: 'smmu', linesStartAt1: true, columnsStartAt1: true });
  assert.equal(init.success, true);
  assert.equal(init.body?.supportsConfigurationDoneRequest, true);
  const stopped = dc.waitForEvent('stopped');
  await Promise.all([
    dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()),
    dc.launchRequest({ program: script, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments),
  ]);
  await stopped;
  const f = await frames();
  assert.equal(f[0]?.line, 2);
  assert.equal(f[0]?.source?.path, script);
});

test('breakpoints are moved to the next statement or rejected with a reason', async () => {
  let bps: DebugProtocol.Breakpoint[] = [];
  await launch({ program: script, stopOnEntry: true }, async () => {
    bps = (
      await dc.setBreakpointsRequest({
        source: { path: script },
        breakpoints: [
          { line: 1 },
          { line: 6 },
          { line: 11 },
          { line: 40 },
          { line: 12, condition: 'CMDQ_CONS.NOPE == 1' },
        ],
      })
    ).body.breakpoints;
  });
  assert.deepEqual(
    bps.map((b) => [b.verified, b.line]),
    [
      [true, 2],
      [true, 7],
      [true, 11],
      [false, 40],
      [false, 12],
    ],
  );
  assert.match(bps[0]?.message ?? '', /moved to line 2/);
  assert.match(bps[3]?.message ?? '', /no statement at or after this line/);
  assert.match(bps[4]?.message ?? '', /CMDQ_CONS has no field 'NOPE'/);
});

test('continue to a breakpoint; step into a doorbell: one command per step, with a CMDQ frame above the script', async () => {
  const e = await launch({ program: script }, () =>
    dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 11 }] }),
  );
  assert.equal(e.body.reason, 'breakpoint');
  assert.equal((await frames())[0]?.line, 11);
  await stepping(() => dc.stepInRequest({ threadId: 1 }));
  let f = await frames();
  assert.equal(f.length, 2);
  // The command frame: named by slot and opcode, on the `cmd` line that enqueued it; the doorbell below.
  assert.deepEqual(
    f.map((x) => [x.name, x.line]),
    [
      ['CMDQ[0] CFGI_STE', 8],
      ['doorbell', 11],
    ],
  );
  assert.equal(await evaluate('CMDQ_CONS.RD'), '0');
  await stepping(() => dc.stepInRequest({ threadId: 1 }));
  f = await frames();
  assert.deepEqual([f[0]?.name, f[0]?.line], ['CMDQ[1] TLBI_NSNH_ALL', 9]);
  assert.equal(await evaluate('CMDQ_CONS.RD'), '1');
  // Step over inside the doorbell is one command too; step out consumes the rest.
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.name, 'CMDQ[2] SYNC');
  assert.equal((await frames())[0]?.line, 10);
  await stepping(() => dc.stepOutRequest({ threadId: 1 }));
  f = await frames();
  assert.equal(f.length, 1);
  assert.equal(f[0]?.line, 12);
  assert.equal(await evaluate('CMDQ_CONS.RD'), '3');
});

test('step over a doorbell consumes its commands; step back and reverse continue go back in time', async () => {
  await launch({ program: script }, () =>
    dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 8 }] }),
  );
  assert.equal((await frames())[0]?.line, 8);
  for (let i = 0; i < 3; i++) await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.line, 11);
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.line, 12);
  assert.equal(await evaluate('CMDQ_CONS.RD'), '3');
  const back = await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(back.body.reason, 'step');
  assert.equal((await frames())[0]?.line, 11);
  assert.equal(await evaluate('CMDQ_CONS.RD'), '0');
  assert.equal(await evaluate('CMDQ_PROD'), '0x00000000 (0)');
  const rc = await stepping(() => dc.reverseContinueRequest({ threadId: 1 }));
  assert.equal(rc.body.reason, 'breakpoint');
  assert.equal((await frames())[0]?.line, 8);
  // Forward again: the same model state as before.
  for (let i = 0; i < 4; i++) await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.line, 12);
  assert.equal(await evaluate('CMDQ_CONS.RD'), '3');
});

test('reverse continue stops at data breakpoints and exception filters too', async () => {
  await launch({ program: script }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    await dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 16 }] });
  });
  assert.equal((await frames())[0]?.line, 16);
  await dc.setExceptionBreakpointsRequest({ filters: ['gerror'] });
  const g = await stepping(() => dc.reverseContinueRequest({ threadId: 1 }));
  assert.equal(g.body.reason, 'exception');
  assert.match(g.body.text ?? '', /GERROR\.CMDQ_ERR activated/);
  // On the command that raised it (line 13, consumed by the doorbell of line 14).
  assert.deepEqual(
    (await frames()).map((f) => [f.name, f.line]),
    [
      ['CMDQ[3] TLBI_EL2_ALL', 13],
      ['doorbell', 14],
    ],
  );
  assert.equal(await evaluate('GERROR.CMDQ_ERR'), '1');
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'CMDQ_CONS.RD' }] });
  const d = await stepping(() => dc.reverseContinueRequest({ threadId: 1 }));
  assert.equal(d.body.reason, 'data breakpoint');
  assert.match(d.body.text ?? '', /CMDQ_CONS.RD changed: 0x0*2 → 0x0*3/);
  assert.equal(await evaluate('CMDQ_CONS.RD'), '3');
  const e = await stepping(() => dc.reverseContinueRequest({ threadId: 1 }));
  assert.equal(e.body.reason, 'data breakpoint');
  assert.equal(await evaluate('CMDQ_CONS.RD'), '2');
});

test('exception filters: GERROR set, then a failed expectation', async () => {
  const e = await launch({ program: script }, () =>
    dc.setExceptionBreakpointsRequest({ filters: ['gerror', 'expectation'] }),
  );
  assert.equal(e.body.reason, 'exception');
  assert.match(e.body.text ?? '', /GERROR\.CMDQ_ERR activated/);
  const info = await dc.exceptionInfoRequest({ threadId: 1 });
  assert.equal(info.body.exceptionId, 'gerror');
  // Stops are on what did it: the illegal command (line 13), then the failed read (line 15).
  assert.equal((await frames())[0]?.line, 13);
  const e2 = await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(e2.body.reason, 'exception');
  assert.match(e2.body.text ?? '', /GERROR\.CMDQ_ERR is 1, expected 0/);
  assert.equal((await frames())[0]?.line, 15);
  // Step over from a stop on a statement goes on to the next one, running nothing.
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.line, 16);
});

test('the conformance forms step one statement at a time; a failed abort expectation stops with its message', async () => {
  const p = path.join(dir, 'aborts.smmu');
  // The default configuration is QEMU's: an 8-bit access aborts, a legal 32-bit one never does.
  fs.writeFileSync(p, 'read8 0x0021 == abort\nwrite32 CR0 2 * 6 / 12\nread32 CR0 == abort\nread32 CR0ACK == 1\n');
  await launch({ program: p, stopOnEntry: true });
  assert.equal((await frames())[0]?.line, 1);
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.line, 2);
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.line, 3);
  assert.equal(await evaluate('CR0.SMMUEN'), '1 (ENABLED)');
  await dc.setExceptionBreakpointsRequest({ filters: ['expectation'] });
  const e = await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(e.body.reason, 'exception');
  assert.match(
    e.body.text ?? '',
    /failed expectation: the 32-bit read at SMMU_CR0 \(0x0020\) did not abort, and no configuration choice makes it abort/,
  );
  assert.equal((await frames())[0]?.line, 3);
  // Step back undoes the write of line 2 (2 * 6 / 12 = 1).
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(await evaluate('CR0.SMMUEN'), '0 (DISABLED)');
});

test('event and unadvertised-access filters', async () => {
  const p = path.join(dir, 'unadvertised.smmu');
  fs.writeFileSync(p, 'read32 CR0\nwrite32 CR0 PRIQEN\nread32 CR0\n');
  const e = await launch({ program: p }, () =>
    dc.setExceptionBreakpointsRequest({ filters: ['unpredictable', 'event'] }),
  );
  assert.equal(e.body.reason, 'exception');
  assert.match(e.body.text ?? '', /PRIQEN/);
  assert.equal((await frames())[0]?.line, 2);
});

test('counts in the variables read as English: a one-entry command queue, empty caches', async () => {
  const one = path.join(dir, 'one-entry.smmu');
  fs.writeFileSync(one, 'write64 CMDQ_BASE 0x40100000 | LOG2SIZE=0\nwrite32 CR0 CMDQEN\nread32 CR0ACK\n');
  await launch({ program: one }, () => dc.setBreakpointsRequest({ source: { path: one }, breakpoints: [{ line: 3 }] }));
  const q = await scope('Command queue');
  assert.match(q.find((v) => v.name === 'entries')?.value ?? '', /^1 entry at 0x/);
  const caches = await scope('Caches');
  assert.equal(caches.find((c) => c.name === 'STE cache')?.value, '0 entries');
});

test('the event filter stops after the DMA that wrote a record; the Event queue scope decodes it', async () => {
  const example = path.join(root, 'examples', 'linux-bringup.smmu');
  const lines = fs.readFileSync(example, 'utf8').split('\n');
  const dma = lines.findIndex((l) => l.startsWith('dma write sid=8 iova=0x1000')) + 1;
  const e = await launch({ program: example }, () => dc.setExceptionBreakpointsRequest({ filters: ['event'] }));
  assert.equal(e.body.reason, 'exception');
  assert.match(e.body.text ?? '', /F_TRANSLATION/);
  assert.equal((await frames())[0]?.line, dma);
  const q = await scope('Event queue');
  assert.match(q.find((v) => v.name === 'unread')?.value ?? '', /^1 record /);
  const entries = await variables(q.find((v) => v.name === 'entries')?.variablesReference ?? 0);
  assert.match(entries[0]?.value ?? '', /^F_TRANSLATION .*StreamID=0x8.*\(unread\)$/);
  const fields = await variables(entries[0]?.variablesReference ?? 0);
  assert.equal(fields.find((f) => f.name === 'InputAddr')?.value, '0x1000');
});

test('Context descriptors, and a cached STE marked stale after the console rewrites it without a CFGI', async () => {
  const example = path.join(root, 'examples', 'linux-bringup.smmu');
  const lines = fs.readFileSync(example, 'utf8').split('\n');
  const dma = lines.findIndex((l) => l.startsWith('dma write sid=8 iova=0x1000')) + 1;
  await launch({ program: example }, () =>
    dc.setBreakpointsRequest({ source: { path: example }, breakpoints: [{ line: dma }] }),
  );
  const cds = await scope('Context descriptors');
  assert.deepEqual(
    cds.map((c) => [c.name, c.value]),
    [['StreamID 8 SSID 0', 'ASID=1 TTB0=0x40380000']],
  );
  const steCache = async () => {
    const caches = await scope('Caches');
    return variables(caches.find((c) => c.name === 'STE cache')?.variablesReference ?? 0);
  };
  assert.deepEqual(
    (await steCache()).map((v) => [v.name, v.value]),
    [['StreamID 8', 'from 0x40010200']],
  );
  assert.match(await evaluate('ste 8 V Config=BYPASS', 'repl'), /STE written at 0x0000000040010200/);
  assert.deepEqual(
    (await steCache()).map((v) => v.value),
    ['from 0x40010200  [stale: memory changed since it was cached; invalidate it]'],
  );
});

test('conditional breakpoints, hit counts and logpoints', async () => {
  const output: string[] = [];
  dc.on('output', (ev: DebugProtocol.OutputEvent) => output.push(ev.body.output));
  const e = await launch({ program: script }, async () => {
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    return dc.setBreakpointsRequest({
      source: { path: script },
      breakpoints: [
        { line: 8, condition: 'CMDQ_CONS.RD == 3' },
        { line: 12, logMessage: 'RD={CMDQ_CONS.RD} CR0={CR0}' },
        { line: 13, condition: 'CMDQ_CONS.RD == 3' },
        { line: 15, hitCondition: '2' },
      ],
    });
  });
  assert.equal(e.body.reason, 'breakpoint');
  assert.equal((await frames())[0]?.line, 13);
  assert.ok(
    output.some((o) => o.includes('RD=3 CR0=0x00000008 (CMDQEN)')),
    output.join(''),
  );
  // Line 15 is reached once: a hit count of 2 never stops there.
  const end = await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(end.body.reason, 'step');
  assert.equal(end.body.description, 'end of script');
});

test('data breakpoints on a register and on a field', async () => {
  await launch({ program: script, stopOnEntry: true }, async () => {
    const info = await dc.dataBreakpointInfoRequest({ name: 'CMDQ_CONS' });
    assert.equal(info.body.dataId, 'CMDQ_CONS');
    const bad = await dc.dataBreakpointInfoRequest({ name: 'mem32(0)' });
    assert.equal(bad.body.dataId, null);
    const set = await dc.setDataBreakpointsRequest({
      breakpoints: [{ dataId: 'CMDQ_CONS' }, { dataId: 'GERROR.CMDQ_ERR' }],
    });
    assert.deepEqual(
      set.body.breakpoints.map((b) => b.verified),
      [true, true],
    );
  });
  const e = await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(e.body.reason, 'data breakpoint');
  assert.match(e.body.text ?? '', /SMMU_CMDQ_CONS changed: 0x00000000 → 0x00000001/);
  // On the command whose consumption moved CMDQ_CONS, on its `cmd` line.
  assert.deepEqual([(await frames())[0]?.name, (await frames())[0]?.line], ['CMDQ[0] CFGI_STE', 8]);
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.name, 'CMDQ[1] TLBI_NSNH_ALL');
});

test('scopes: registers with fields, the command queue decoded, the stream table, caches', async () => {
  await launch({ program: script }, () =>
    dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 11 }] }),
  );
  const all = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  const scopes = all.map((s) => s.name);
  assert.deepEqual(scopes, [
    'Registers (page 0)',
    'Registers (page 1)',
    'Command queue',
    'Event queue',
    'Stream table',
    'Context descriptors',
    'Caches',
    'Memory',
  ]);
  // VS Code expands the first scope that is not expensive at every stop, over the user's collapse:
  // the model's scopes are all expensive (large), so what the user opened or closed stays so.
  assert.deepEqual(
    all.filter((s) => !s.expensive).map((s) => s.name),
    [],
  );
  const regs = await scope('Registers (page 0)');
  const cr0 = regs.find((v) => v.name === 'CR0');
  assert.equal(cr0?.value, '0x00000008  CMDQEN');
  const fields = await variables(cr0?.variablesReference ?? 0);
  assert.equal(fields.find((f) => f.name === 'CMDQEN')?.value, '1 (ENABLED)');
  const page1 = await scope('Registers (page 1)');
  assert.ok(page1.some((v) => v.name === 'EVENTQ_PROD'));
  const q = await scope('Command queue');
  assert.match(q.find((v) => v.name === 'pending')?.value ?? '', /^0 commands/);
  const entries = q.find((v) => v.name === 'entries');
  assert.equal(entries?.indexedVariables, 16);
  await stepping(() => dc.stepInRequest({ threadId: 1 }));
  const q2 = await scope('Command queue');
  assert.match(q2.find((v) => v.name === 'pending')?.value ?? '', /^3 commands/);
  const list = await variables(q2.find((v) => v.name === 'entries')?.variablesReference ?? 0);
  assert.equal(list[0]?.value, 'CMD_CFGI_STE StreamID=0x3 Leaf=1  (pending)');
  assert.equal(list[3]?.value, '—  (empty)');
  const ste = await scope('Stream table');
  assert.equal(ste.length, 1);
  assert.equal(ste[0]?.name, 'STE 3');
  assert.equal(ste[0]?.memoryReference, '0x400000C0');
  const caches = await scope('Caches');
  assert.deepEqual(
    caches.map((c) => c.name),
    ['STE cache', 'CD cache', 'L1 caches', 'TLB', 'Walk cache', 'ATCs'],
  );
  const memory = await scope('Memory');
  assert.deepEqual(
    memory.map((m) => [m.name, m.memoryReference]),
    [
      ['0x40000000', '0x40000000'],
      ['0x40100000', '0x40100000'],
    ],
  );
  assert.equal(memory[1]?.value, '4 KB page, 5 non-zero words');
});

test('evaluate: names, fields, decode, memory, and script statements recorded in the history', async () => {
  await launch({ program: script }, () =>
    dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 12 }] }),
  );
  assert.equal(await evaluate('CR0'), '0x00000008 (CMDQEN)');
  assert.equal(await evaluate('CR0.CMDQEN == ENABLED'), '1');
  assert.match(await evaluate('decode CR0 0x1f', 'repl'), /SMMUEN\[0\] = 1 \(ENABLED\)/);
  assert.equal(await evaluate('mem32(0x40100000) & 0xFF'), '3');
  await assert.rejects(() => evaluate('CR0 +'), /expected a value before the end \(at column 6\)/);
  await assert.rejects(() => evaluate('('.repeat(5000) + '1' + ')'.repeat(5000)), /longer than 4096 characters/);
  await assert.rejects(
    () => evaluate('('.repeat(100) + '1' + ')'.repeat(100)),
    /nested more than 64 deep \(at column 65\)/,
  );
  await assert.rejects(() => evaluate('CR0.'), /expected a field of CR0 after '\.'/);
  await assert.rejects(() => evaluate('write32 CR2 RECINVSID', 'watch'), /unknown name 'write32'|unexpected/);
  assert.equal(await evaluate('write32 CR2 RECINVSID', 'repl'), 'CR2 ← 0x2');
  assert.equal(await evaluate('CR2.RECINVSID'), '1 (ENABLED)');
  assert.match(await evaluate('read32 CR2', 'repl'), /CR2 = 0x2/);
  // The console write is in the history: step back undoes it.
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(await evaluate('CR2.RECINVSID'), '0 (DISABLED)');
});

test('setVariable writes registers and fields like a guest', async () => {
  await launch({ program: script, stopOnEntry: true });
  const regs = await scope('Registers (page 0)');
  const ref = (await dc.scopesRequest({ frameId: 0 })).body.scopes[0]?.variablesReference ?? 0;
  const cr2 = regs.find((v) => v.name === 'CR2');
  const r = await dc.setVariableRequest({
    variablesReference: cr2?.variablesReference ?? 0,
    name: 'RECINVSID',
    value: '1',
  });
  assert.equal(r.body.value, '1');
  assert.equal(await evaluate('CR2'), '0x00000002 (RECINVSID)' /* RECINVSID is CR2[1] (§6.3.12) */);
  const output: string[] = [];
  dc.on('output', (ev: DebugProtocol.OutputEvent) => output.push(ev.body.output));
  const ro = await dc.setVariableRequest({ variablesReference: ref, name: 'IDR0', value: '0' });
  assert.notEqual(ro.body.value, '0x00000000 (0)');
  assert.ok(
    output.some((o) => /SMMU_IDR0: warning: SMMU_IDR0 is read-only: the write is ignored/.test(o)),
    output.join(''),
  );
  // A symbolic value, as in a script; then a write the guard refuses (§6.2 Guarded).
  const cr0 = await dc.setVariableRequest({ variablesReference: ref, name: 'CR0', value: 'CMDQEN' });
  assert.equal(cr0.body.value, '0x00000008 (CMDQEN)');
  await dc.setVariableRequest({ variablesReference: ref, name: 'CMDQ_BASE', value: '0x40200000' });
  assert.ok(
    output.some((o) => /SMMU_CMDQ_BASE: error: .*Guarded by/.test(o)),
    output.join(''),
  );
  assert.equal(await evaluate('CMDQ_BASE'), '0x0000000000000000 (0)');
  await assert.rejects(
    () => dc.setVariableRequest({ variablesReference: cr2?.variablesReference ?? 0, name: 'RECINVSID', value: '2' }),
    /does not fit CR2.RECINVSID/,
  );
});

test('readMemory and writeMemory over guest memory', async () => {
  await launch({ program: script }, () =>
    dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 12 }] }),
  );
  const r = await dc.customRequest('readMemory', { memoryReference: '0x40100000', count: 16 });
  const bytes = Buffer.from((r.body as { data: string }).data, 'base64');
  assert.equal(bytes.length, 16);
  assert.equal(bytes[0], 0x03); // CMD_CFGI_STE's opcode (§4.3.2)
  assert.equal(bytes[8], 0x01); // Leaf
  await dc.customRequest('writeMemory', {
    memoryReference: '0x50000000',
    offset: 4,
    data: Buffer.from([0xef, 0xbe, 0xad, 0xde]).toString('base64'),
  });
  assert.equal(await evaluate('mem32(0x50000004)'), '0xDEADBEEF');
  await assert.rejects(
    () => dc.customRequest('readMemory', { memoryReference: 'nowhere', count: 4 }),
    /not an address/,
  );
  // Malformed requests get a message, and the session goes on.
  await assert.rejects(() => dc.customRequest('readMemory', { count: 4 }), /is not an address/);
  await assert.rejects(() => dc.customRequest('writeMemory', { memoryReference: '0x0' }), /"data" must be base64 text/);
  await assert.rejects(() => dc.customRequest('evaluate', { context: 'repl' }), /"expression" must be a string/);
  await assert.rejects(() => dc.customRequest('smmu/nothing'), /unknown request smmu\/nothing/);
  const empty = await dc.customRequest('readMemory', { memoryReference: '0x40100000', count: 'lots' });
  assert.equal((empty.body as { data: string }).data, '');
  assert.equal(await evaluate('mem32(0x40100000) & 0xFF'), '3');
});

test('smmu/registers returns the register state in the language server shape', async () => {
  await launch({ program: script }, () =>
    dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 12 }] }),
  );
  const r = await dc.customRequest('smmu/registers');
  const body = r.body as {
    registers: { name: string; value: string; fields: { name: string; value: string; meaning?: string }[] }[];
    line: number;
  };
  assert.equal(body.line, 11);
  const cons = body.registers.find((x) => x.name === 'CMDQ_CONS');
  assert.equal(cons?.value, '0x00000003');
  assert.equal(cons?.fields.find((f) => f.name === 'RD')?.value, '3');
});

test('smmu/setRegister writes a register or a field as a guest would: validated, reported, undoable', async () => {
  await launch({ program: script }, () =>
    dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 12 }] }),
  );
  const set = async (args: object) =>
    (await dc.customRequest('smmu/setRegister', args)).body as { value: string; findings: string[] };
  const regs = async () =>
    ((await dc.customRequest('smmu/registers')).body as { registers: { name: string; value: string }[] }).registers;
  const r = await set({ register: 'IRQ_CTRL', value: 'GERROR_IRQEN' });
  assert.match(r.value, /^0x00000001/);
  assert.equal((await regs()).find((x) => x.name === 'IRQ_CTRL')?.value, '0x00000001');
  // A RES0 bit: the model keeps it clear and says why.
  const bad = await set({ register: 'CR2', value: '0x80000000' });
  assert.ok(
    bad.findings.some((f) => /RES0/.test(f)),
    bad.findings.join('\n'),
  );
  // A guarded field: the write is ignored and the model says which guard.
  const guarded = await set({ register: 'CR1', field: 'QUEUE_SH', value: 'ISH' });
  assert.equal(guarded.value, '0');
  assert.ok(
    guarded.findings.some((x) => /guard|CMDQEN|SMMUEN/.test(x)),
    guarded.findings.join('\n'),
  );
  // One field, the others kept.
  assert.equal((await set({ register: 'IRQ_CTRL', field: 'EVENTQ_IRQEN', value: '1' })).value, '1');
  assert.equal((await regs()).find((x) => x.name === 'IRQ_CTRL')?.value, '0x00000005');
  // The writes are steps in history: stepping back undoes the last one.
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal((await regs()).find((x) => x.name === 'IRQ_CTRL')?.value, '0x00000001');
  await assert.rejects(() => set({ register: 'NOPE', value: '1' }), /NOPE is not a register/);
  await assert.rejects(() => set({ register: 'CR0', field: 'NOPE', value: '1' }), /not a field of SMMU_CR0/);
  await assert.rejects(() => set({ register: 'CR0' }), /"value" must be a string/);
});

test('a .smmuq command queue steps through its pending entries', async () => {
  const q = path.join(dir, 'queue.smmuq');
  fs.writeFileSync(
    q,
    'queue cmdq\nbase 0x40100000\nlog2size 3\nprod 0x4\ncons 0x2\n0: CFGI_ALL\n1: SYNC\n2: CFGI_STE StreamID=8 Leaf\n3: TLBI_NH_ASID ASID=1\n',
  );
  await launch({ program: q, stopOnEntry: true }, async () => {
    const bps = (
      await dc.setBreakpointsRequest({ source: { path: q }, breakpoints: [{ line: 5 }, { line: 6 }, { line: 9 }] })
    ).body.breakpoints;
    assert.deepEqual(
      bps.map((b) => [b.verified, b.line]),
      [
        [true, 8],
        [false, 6],
        [true, 9],
      ],
    );
    assert.match(bps[1]?.message ?? '', /not pending/);
  });
  let f = await frames();
  assert.equal(f[0]?.name, 'CMDQ[2] CFGI_STE');
  // Continue stops at the breakpoint on entry 3, before it is consumed.
  const bp = await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(bp.body.reason, 'breakpoint');
  assert.equal(await evaluate('CMDQ_CONS.RD'), '3');
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(f[0]?.line, 8);
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  f = await frames();
  assert.equal(f[0]?.name, 'CMDQ[3] TLBI_NH_ASID');
  assert.equal(f[0]?.line, 9);
  const end = await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.match(end.body.description ?? '', /queue is empty/);
  assert.equal(await evaluate('CMDQ_CONS.RD'), '4');
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(await evaluate('CMDQ_CONS.RD'), '3');
});

/**
 * Step into the DMA at 1-based `line` until the debugger leaves it (at the next line): at each step
 * the frames above the script's (every one on the DMA's line), and the first scope with its first
 * variable (`DMA fetch 1/7: fetch = …`).
 */
async function stepThroughDma(line: number): Promise<{ frames: string[]; scope: string }[]> {
  const out: { frames: string[]; scope: string }[] = [];
  for (;;) {
    await stepping(() => dc.stepInRequest({ threadId: 1 }));
    const f = await frames();
    if (f.length === 1) {
      assert.equal(f[0]?.line, line + 1);
      return out;
    }
    assert.deepEqual(
      f.map((x) => x.line),
      f.map(() => line),
      'every frame of the walk is on the dma line',
    );
    const s = (await dc.scopesRequest({ frameId: 0 })).body.scopes[0];
    const v = (await variables(s?.variablesReference ?? 0))[0];
    out.push({ frames: f.slice(0, -1).map((x) => x.name), scope: `${s?.name}: ${v?.name} = ${v?.value}` });
  }
}

test('step into a DMA: one fetch per step (STE, CD, then one table descriptor per walk level, levels 0-3)', async () => {
  const example = path.join(root, 'examples', 'linux-bringup.smmu');
  const lines = fs.readFileSync(example, 'utf8').split('\n');
  const dma = lines.findIndex((l) => l.startsWith('dma read sid=8 iova=0xFFFF0010')) + 1;
  await launch({ program: example }, () =>
    dc.setBreakpointsRequest({ source: { path: example }, breakpoints: [{ line: dma }] }),
  );
  assert.equal((await frames())[0]?.line, dma);
  const steps = await stepThroughDma(dma);
  const names = steps.map((x) => x.frames[0] ?? '');
  // The frame's name is short; the first scope holds the fetch in full.
  const fetches = steps.map((x) => x.scope.replace(/: fetch = /, ': '));
  assert.deepEqual(names, [
    'DMA fetch 1/7: L1STD 0',
    'DMA fetch 2/7: STE 8',
    'DMA fetch 3/7: CD 0 of StreamID 8',
    'DMA fetch 4/7: stage-1 level 0 descriptor',
    'DMA fetch 5/7: stage-1 level 1 descriptor',
    'DMA fetch 6/7: stage-1 level 2 descriptor',
    'DMA fetch 7/7: stage-1 level 3 descriptor',
  ]);
  assert.deepEqual(fetches, [
    'DMA fetch 1/7: fetched L1STD 0 from 0x0000000040000000',
    'DMA fetch 2/7: fetched STE 8 from 0x0000000040010200',
    'DMA fetch 3/7: fetched CD 0 of StreamID 8 from 0x0000000040300000',
    'DMA fetch 4/7: stage-1 level 0 descriptor 0x0000000040400003 read from 0x0000000040380000',
    'DMA fetch 5/7: stage-1 level 1 descriptor 0x0000000040401003 read from 0x0000000040400018',
    'DMA fetch 6/7: stage-1 level 2 descriptor 0x0000000040402003 read from 0x0000000040401FF8',
    'DMA fetch 7/7: stage-1 level 3 descriptor 0x0000000080000F43 read from 0x0000000040402F80',
  ]);
  // Step back at the script level returns to the DMA statement; in again, then out of the walk.
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  let f = await frames();
  assert.equal(f.length, 1);
  assert.equal(f[0]?.line, dma);
  await stepping(() => dc.stepInRequest({ threadId: 1 }));
  await stepping(() => dc.stepInRequest({ threadId: 1 }));
  f = await frames();
  assert.match(f[0]?.name ?? '', /^DMA fetch 2\/7/);
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.match((await frames())[0]?.name ?? '', /^DMA fetch 1\/7/);
  await stepping(() => dc.stepOutRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.line, dma + 1);
});

test('step into a DMA of several pages: each transaction, then what it fetched, under it; the faulting one last', async () => {
  const file = path.join(dir, 'dma-pages.smmu');
  const text = [
    ...STREAM5_STAGE1,
    'map ttb=0x45000000 iova=0x10000000 pa=0x80000000',
    'map ttb=0x45000000 iova=0x10001000 pa=0x90000000',
    'dma write sid=5 iova=0x10000FF8 size=0x1010 data=0x42 == F_TRANSLATION',
    'mem read64 0x80000FF8 == 0x42',
  ];
  fs.writeFileSync(file, text.join('\n') + '\n');
  const dma = text.findIndex((l) => l.startsWith('dma write')) + 1;
  await launch({ program: file }, () =>
    dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: dma }] }),
  );
  assert.equal((await frames())[0]?.line, dma);
  const steps = await stepThroughDma(dma);
  const stacks = steps.map((x) => x.frames.join(' < '));
  const scopes = steps.map((x) => x.scope);
  const t1 = 'DMA transaction 1/3: IOVA 0x10000FF8 → 0x80000FF8';
  const t2 = 'DMA transaction 2/3: IOVA 0x10001000 → 0x90000000';
  const t3 = 'DMA transaction 3/3: IOVA 0x10002000 → abort, F_TRANSLATION';
  assert.deepEqual(stacks, [
    t1,
    `DMA fetch 1/6: STE 5 < ${t1}`,
    `DMA fetch 2/6: CD 0 of StreamID 5 < ${t1}`,
    `DMA fetch 3/6: stage-1 level 0 descriptor < ${t1}`,
    `DMA fetch 4/6: stage-1 level 1 descriptor < ${t1}`,
    `DMA fetch 5/6: stage-1 level 2 descriptor < ${t1}`,
    `DMA fetch 6/6: stage-1 level 3 descriptor < ${t1}`,
    // The next pages share the level 2 table: its descriptor comes from the walk cache (§3.21.1).
    t2,
    `DMA fetch 1/2: stage-1 level 2 descriptor (walk cache) < ${t2}`,
    `DMA fetch 2/2: stage-1 level 3 descriptor < ${t2}`,
    t3,
    `DMA fetch 1/2: stage-1 level 2 descriptor (walk cache) < ${t3}`,
    `DMA fetch 2/2: stage-1 level 3 descriptor < ${t3}`,
  ]);
  // A transaction's scope holds its whole outcome; a fetch's, the fetch.
  assert.equal(
    scopes[7],
    'DMA transaction 2/3: transaction = transaction 2 of 3, IOVA 0x0000000010001000 (4096 bytes): translated → 0x0000000090000000 (stage 1 walk, level 3 4 KB leaf)',
  );
  assert.match(
    scopes[12] ?? '',
    /^DMA fetch 2\/2: fetch = stage-1 level 3 descriptor 0x0000000000000000 read from 0x0000000048002010$/,
  );
  // Back to the DMA, into it again, then out: the model's state is the transfer's, whichever step shows.
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.deepEqual(
    (await frames()).map((x) => x.line),
    [dma],
  );
  await stepping(() => dc.stepInRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.name, t1);
  assert.equal(
    await evaluate('mem64(0x80000FF8) == 0x42 && mem64(0x90000FF8) == 0x42'),
    '1',
    'the transactions before the fault wrote their bytes',
  );
  await stepping(() => dc.stepOutRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.line, dma + 1);
});

test('a .smmuq with an illegal command: the step that reaches it raises GERROR.CMDQ_ERR', async () => {
  const q = path.join(dir, 'ill.smmuq');
  fs.writeFileSync(
    q,
    'queue cmdq\nbase 0x40100000\nlog2size 3\nprod 0x3\ncons 0x0\n0: CFGI_ALL\n1: TLBI_EL2_ALL\n2: SYNC\n',
  );
  await launch({ program: q, stopOnEntry: true });
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal((await frames())[0]?.name, 'CMDQ[1] TLBI_EL2_ALL');
  const e = await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal(e.body.reason, 'exception');
  assert.match(
    e.body.text ?? '',
    /CMDQ_ERR activated: command processing stopped at CMDQ_CONS = 0x00000001 with CERROR_ILL/,
  );
  assert.equal(await evaluate('CMDQ_CONS.ERR'), '1 (CERROR_ILL)');
  // The stop is on the command the SMMU refused.
  let f = await frames();
  assert.deepEqual([f[0]?.name, f[0]?.line], ['CMDQ[1] TLBI_EL2_ALL', 7]);
  // The queue stops at the command (§7.1) until GERRORN acknowledges the error: the next step
  // says so (a short frame name, the whole reason in the stop's description).
  const stopped = await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal(
    stopped.body.description,
    'the queue is stopped with 2 commands pending: GERROR.CMDQ_ERR is active; acknowledge it in GERRORN to restart (§7.1)',
  );
  f = await frames();
  assert.deepEqual([f[0]?.name, f[0]?.line], ['queue stopped, 2 pending', 7]);
  assert.equal(await evaluate('write32 GERRORN 0x1', 'repl'), 'GERRORN ← 0x1');
  // The SMMU re-fetches the command at CONS: stepping resumes there.
  f = await frames();
  assert.equal(f[0]?.name, 'CMDQ[1] TLBI_EL2_ALL');
});

test('Caches: a TLB entry whose page table entry was cleared without a TLBI is marked stale', async () => {
  const example = path.join(root, 'examples', 'linux-bringup.smmu');
  const lines = fs.readFileSync(example, 'utf8').split('\n');
  const clear = lines.findIndex((l) => l.startsWith('mem write64 0x40402F80 0')) + 1;
  await launch({ program: example }, () =>
    dc.setBreakpointsRequest({ source: { path: example }, breakpoints: [{ line: clear }, { line: clear + 1 }] }),
  );
  const tlbOf = async () => {
    const caches = await scope('Caches');
    return variables(caches.find((c) => c.name === 'TLB')?.variablesReference ?? 0);
  };
  let tlb = await tlbOf();
  assert.equal(tlb.length, 1);
  assert.equal(tlb[0]?.value, 'NH VMID=-1 ASID=1 0xFFFF0000 → 0x80000000 (4 KB, RWX, stage 1, StreamID 8)');
  await stepping(() => dc.continueRequest({ threadId: 1 }));
  tlb = await tlbOf();
  assert.equal(
    tlb[0]?.value,
    'NH VMID=-1 ASID=1 0xFFFF0000 → 0x80000000 (4 KB, RWX, stage 1, StreamID 8)  [stale: the tables now give F_TRANSLATION; a TLBI is missing]',
  );
  // Looking did not change the model: no event, no cache entry, the same TLB.
  assert.equal(await evaluate('EVENTQ_PROD.WR'), '1');
});

test('Caches: the ATCs show what each ATS device cached (examples/ats.smmu)', async () => {
  const example = path.join(root, 'examples', 'ats.smmu');
  const lines = fs.readFileSync(example, 'utf8').split('\n');
  const denied = lines.findIndex((l) => l.startsWith('dma write sid=5 iova=0x10002000 ats')) + 1;
  await launch({ program: example }, () =>
    dc.setBreakpointsRequest({ source: { path: example }, breakpoints: [{ line: denied }] }),
  );
  const caches = await scope('Caches');
  const atcs = caches.find((c) => c.name === 'ATCs');
  assert.equal(atcs?.value, '1 entry');
  const list = await variables(atcs?.variablesReference ?? 0);
  // The read cached R only (No-Write); the write asked again and the entry now has W too.
  assert.deepEqual(
    list.map((v) => v.value),
    ['StreamID 5 0x10000000 → 0x80005000 (RW-)'],
  );
});

test('Caches: the walk cache lists the table descriptors a walk read; one memory changed since is marked stale', async () => {
  const example = path.join(root, 'examples', 'walk-cache.smmu');
  const lines = fs.readFileSync(example, 'utf8').split('\n');
  // Stop before the Leaf = 1 TLBI: the level 2 table descriptor has just been rewritten.
  const tlbi = lines.findIndex((l) => l.startsWith('cmd TLBI_NH_VA asid=1 Address=0x10000000 Leaf')) + 1;
  await launch({ program: example }, () =>
    dc.setBreakpointsRequest({ source: { path: example }, breakpoints: [{ line: tlbi }] }),
  );
  const caches = await scope('Caches');
  const walk = caches.find((c) => c.name === 'Walk cache');
  assert.equal(walk?.value, '3 entries');
  const entries = await variables(walk?.variablesReference ?? 0);
  assert.deepEqual(
    entries.map((v) => v.value),
    [
      'NH VMID=-1 ASID=1 level 0 0x0 (512 GB) → table 0x48000000, descriptor 0x48000003 from 0x45000000 (StreamID 5)',
      'NH VMID=-1 ASID=1 level 1 0x0 (1 GB) → table 0x48001000, descriptor 0x48001003 from 0x48000000 (StreamID 5)',
      'NH VMID=-1 ASID=1 level 2 0x10000000 (2 MB) → table 0x48002000, descriptor 0x48002003 from 0x48001400 (StreamID 5)  [stale: memory now holds 0x48003003; a Leaf = 0 TLBI is missing]',
    ],
  );
  assert.equal(entries[2]?.memoryReference, '0x48001400');
});

test('pause stops a long run', async () => {
  const p = path.join(dir, 'long.smmu');
  // Parsing dominates the launch (about 50 µs a line here); running is about 20 µs a statement.
  fs.writeFileSync(p, 'write32 CR2 0\n'.repeat(50000));
  await launch({ program: p, stopOnEntry: true }, undefined, 30000);
  const stopped = dc.waitForEvent('stopped', 30000) as Promise<DebugProtocol.StoppedEvent>;
  await dc.continueRequest({ threadId: 1 });
  // Breakpoints can be changed while the model runs; inspecting state needs a pause.
  const bps = await dc.setBreakpointsRequest({
    source: { path: p },
    breakpoints: [{ line: 49999, condition: 'CR2 == 1' }],
  });
  assert.equal(bps.body.breakpoints[0]?.verified, true);
  await assert.rejects(
    () => dc.evaluateRequest({ expression: 'CR2', context: 'watch' }),
    /the model is running: pause first/,
  );
  await dc.pauseRequest({ threadId: 1 });
  const e = await stopped;
  assert.equal(e.body.reason, 'pause');
  const line = (await frames())[0]?.line ?? 0;
  assert.ok(line > 1 && line < 50000, `paused at line ${line}`);
});

test('defaultConfig: the configuration of a script without a config line (a preset or a file); the line wins; a missing file is refused', async () => {
  const bare = path.join(dir, 'bare.smmu');
  fs.writeFileSync(bare, 'read32 IDR0\nread32 IDR1\n');
  await launch({ program: bare, stopOnEntry: true, defaultConfig: 'smmuv3.2-full' });
  const full = await evaluate('IDR0');
  await dc.disconnectRequest({});
  dc = await startClient();
  await launch({ program: bare, stopOnEntry: true });
  const qemu = await evaluate('IDR0');
  assert.notEqual(full, qemu, 'the preset gives other ID registers than the built-in default');
  await dc.disconnectRequest({});
  dc = await startClient();
  // A script's own config line wins over defaultConfig.
  const own = path.join(dir, 'own.smmu');
  fs.writeFileSync(own, `config "${path.join(root, 'presets', 'qemu.smmu.json').replace(/\\/g, '/')}"\nread32 IDR0\n`);
  await launch({ program: own, stopOnEntry: true, defaultConfig: 'smmuv3.2-full' });
  assert.equal(await evaluate('IDR0'), qemu);
  await dc.disconnectRequest({});
  dc = await startClient();
  await assert.rejects(
    () =>
      dc.launchRequest({ program: bare, defaultConfig: 'nowhere.smmu.json' } as DebugProtocol.LaunchRequestArguments),
    /bare\.smmu:1:1: .*nowhere\.smmu\.json/,
  );
});

test('launch errors are reported with a position', async () => {
  await dc.initializeRequest();
  await assert.rejects(
    () => dc.launchRequest({ program: path.join(dir, 'missing.smmu') } as DebugProtocol.LaunchRequestArguments),
    /cannot read .*missing\.smmu/,
  );
  const bad = path.join(dir, 'bad.smmu');
  fs.writeFileSync(bad, 'read32 CR0\nwrite32 NOSUCHREG 1\n');
  await assert.rejects(
    () => dc.launchRequest({ program: bad } as DebugProtocol.LaunchRequestArguments),
    /bad\.smmu:2:9: .*NOSUCHREG/,
  );
  const cfg = path.join(dir, 'broken.smmu.json');
  fs.writeFileSync(cfg, '{\n  "name": 3\n}\n');
  await assert.rejects(
    () => dc.launchRequest({ program: script, config: 'broken.smmu.json' } as DebugProtocol.LaunchRequestArguments),
    /broken\.smmu\.json:2:\d+: /,
  );
});

test('Caches and Context descriptors: an NS-EL2 stream’s TLB and walk cache entries, and its CD, show no ASID (§5.4 ASID: IGNORED in any-EL2 and EL3)', async () => {
  const p = path.join(dir, 'el2.smmu');
  const preset = path.join(root, 'presets', 'smmuv3.3-secure-ats.smmu.json').replace(/\\/g, '/');
  fs.writeFileSync(
    p,
    `config "${preset}"
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write32 CR0 SMMUEN
tables 0x48000000
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000
cd 0x44001000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=2 TTB0=0x45000000
ste 5 V Config=S1_TRANS STRW=NS_EL2 S1ContextPtr=0x44000000
ste 6 V Config=S1_TRANS STRW=NS_EL2 S1ContextPtr=0x44001000
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
dma read sid=5 iova=0x10000010 == 0x80000010
dma read sid=6 iova=0x10000010 == 0x80000010
read32 CR0
`,
  );
  await launch({ program: p }, () => dc.setBreakpointsRequest({ source: { path: p }, breakpoints: [{ line: 14 }] }));
  const caches = await scope('Caches');
  const tlb = await variables(caches.find((c) => c.name === 'TLB')?.variablesReference ?? 0);
  // One entry: StreamID 6 (CD ASID 2) hit the one StreamID 5 (CD ASID 1) inserted.
  assert.deepEqual(
    tlb.map((v) => v.value),
    ['EL2 (no VMID, no ASID) 0x10000000 → 0x80000000 (4 KB, RWX, stage 1, StreamID 5)'],
  );
  const walks = await variables(caches.find((c) => c.name === 'Walk cache')?.variablesReference ?? 0);
  assert.ok(walks.length > 0);
  for (const w of walks) assert.match(w.value, /^EL2 \(no VMID, no ASID\) level /);
  const cds = await scope('Context descriptors');
  assert.deepEqual(
    cds.map((v) => `${v.name}: ${v.value}`),
    [
      'StreamID 5 SSID 0: ASID IGNORED (NS-EL2) TTB0=0x45000000',
      'StreamID 6 SSID 0: ASID IGNORED (NS-EL2) TTB0=0x45000000',
    ],
  );
});
