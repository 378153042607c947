/**
 * The debugger through a `reset` and a `config` line after it (`node dist/cli.js dap`, driven by
 * DebugClient): stepping over them changes the registers and the ID registers; step back, reverse
 * continue and going forward again give the state of each side, from the history's snapshots
 * taken before and after the reset (one every 64 steps).
 */
import { test, beforeEach, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { evaluateOn, launchOn, startClient, steppingOn } from '../../harness/dap-harness';
import { root } from '../../harness/root';

let dir: string;
let script: string;
let dc: DebugClient;

const preset = (name: string) => path.join(root, 'presets', name).replace(/\\/g, '/');

// 1-based lines, as DAP clients count them. The reads after the reset make the history take its
// snapshot at step 64 after the reset, so stepping back from the end restores that one.
const FIXTURE = [
  `config "${preset('qemu.smmu.json')}"`,
  'write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4',
  'write32 CR0 CMDQEN',
  'read32 CR0ACK == CMDQEN',
  'reset',
  '# another configuration',
  `config "${preset('smmuv3.2-full.smmu.json')}"`,
  'read32 CR0 == 0',
  ...Array.from({ length: 70 }, () => 'read32 IDR0'),
  'write32 CR2 0',
].join('\n');
const LAST = FIXTURE.split('\n').length;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-dap-reset-'));
  script = path.join(dir, 'reset.smmu');
  fs.writeFileSync(script, FIXTURE);
});

beforeEach(async () => {
  dc = await startClient();
});

afterEach(async () => {
  await dc.stop();
});

const evaluate = (expression: string) => evaluateOn(dc, expression);
const stepping = (send: () => Promise<unknown>) => steppingOn(dc, send);
const line = async () => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]?.line;

async function registerValue(name: string): Promise<string | undefined> {
  const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  const page0 = scopes.find((s) => s.name === 'Registers (page 0)');
  assert.ok(page0);
  const vars: DebugProtocol.Variable[] = (await dc.variablesRequest({ variablesReference: page0.variablesReference }))
    .body.variables;
  return vars.find((v) => v.name === name)?.value;
}

test('stepping over reset and the config line after it: registers at reset values, then the new ID registers', async () => {
  await launchOn(dc, { program: script }, () =>
    dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 5 }] }),
  );
  assert.equal(await line(), 5);
  assert.match(await evaluate('CR0'), /^0x00000008/);
  assert.match(await evaluate('IDR0.MSI'), /^0\b/);
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  // The config line after the reset is a statement: the debugger stops there.
  assert.equal(await line(), 7);
  assert.match(await evaluate('CR0'), /^0x00000000/);
  assert.match(await evaluate('IDR0.MSI'), /^0\b/, 'still the first configuration');
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal(await line(), 8);
  assert.match(await evaluate('IDR0.MSI'), /^1\b/);
  assert.match((await registerValue('IDR0')) ?? '', /^0x081FF7BF/);
});

test('step back and reverse continue across the reset restore each side, from snapshots before and after it', async () => {
  await launchOn(dc, { program: script }, () =>
    dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 3 }, { line: LAST }] }),
  );
  assert.equal(await line(), 3);
  const cont = await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(cont.body.reason, 'breakpoint');
  assert.equal(await line(), LAST);
  // Back one step: from the snapshot taken after the reset (step 64), in the new configuration.
  await stepping(() => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(await line(), LAST - 1);
  assert.match(await evaluate('IDR0.MSI'), /^1\b/);
  assert.match(await evaluate('CR0'), /^0x00000000/);
  // Back to before the reset: the first configuration, and CR0 as the script left it.
  const rc = await stepping(() => dc.reverseContinueRequest({ threadId: 1 }));
  assert.equal(rc.body.reason, 'breakpoint');
  assert.equal(await line(), 3);
  await stepping(() => dc.nextRequest({ threadId: 1 }));
  assert.equal(await line(), 4);
  assert.match(await evaluate('CR0'), /^0x00000008/);
  assert.match(await evaluate('IDR0.MSI'), /^0\b/);
  assert.match((await registerValue('IDR0')) ?? '', /^0x0D44101A/);
  // The model behaves as the first configuration again: without IDR0.MSI the MSI address is RES0 (§6.3.21).
  await evaluateOn(dc, 'write64 GERROR_IRQ_CFG0 0x1000', 'repl');
  assert.match(await evaluate('GERROR_IRQ_CFG0'), /^0x0000000000000000/);
  // Forward again through the reset: the same state as the first time, and the second configuration's behaviour.
  await stepping(() => dc.continueRequest({ threadId: 1 }));
  assert.equal(await line(), LAST);
  assert.match(await evaluate('IDR0.MSI'), /^1\b/);
  assert.match((await registerValue('IDR0')) ?? '', /^0x081FF7BF/);
  await evaluateOn(dc, 'write64 GERROR_IRQ_CFG0 0x1000', 'repl');
  assert.match(await evaluate('GERROR_IRQ_CFG0'), /^0x0000000000001000/);
});
