/**
 * The debug adapter's `cancel` request and the progress path under fuzzing (server/dap/session.ts):
 * arguments that are not DAP's (any JSON value, wrong types, unknown ids), a cancel of a progress
 * that ended, a second cancel of the same progress, a cancel while the session is stopped, with
 * no launch at all and of a request that is not the launch. Each is an error response with a
 * message (never an internal error, a stack trace, a hang or a dead adapter); the one cancel
 * that applies is answered with success and takes effect once.
 */
import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import fc from 'fast-check';
import { launchInitialized, startClient } from '../../harness/dap-harness';
import { assertNoInternal } from '../../fuzz/oracle';
import { handshakeLines } from '../../bench/trace-gen';
import { LAUNCH_SLICE } from '../../../server/dap/session';

const SEED = 20261205;

let dir: string;
/** Enough slices that the replay goes on well after the first stop. */
let file: string;
/** A small trace: replayed whole before the first stop. */
let small: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-dap-cancel-'));
  file = path.join(dir, 'cancel.smmutrace');
  const lines = handshakeLines(40 * LAUNCH_SLICE);
  lines.push('W 0x20 4 0x0', 'R 0x24 4 0x2');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  small = path.join(dir, 'small.smmutrace');
  fs.writeFileSync(small, handshakeLines(100).join('\n') + '\n');
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The answer to `cancel` with `args` (sent as is, whatever they are): 'ok' or the error's message. */
async function cancel(dc: DebugClient, args: unknown): Promise<string> {
  return Promise.race([
    dc.customRequest('cancel', args).then(
      (r) => (r.success ? 'ok' : `failed: ${String(r.message)}`),
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 10 s'), 10_000)),
  ]);
}

/** The adapter still answers. */
async function alive(dc: DebugClient, what: string): Promise<void> {
  assert.equal((await dc.threadsRequest()).body.threads.length, 1, `the adapter answers after ${what}`);
}

/** Arguments a hostile or broken client might send to `cancel`. */
const junk = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.record(
    {
      progressId: fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.integer(),
        fc.constant(null),
        fc.constantFrom('smmu-launch-0', 'smmu-launch-99', 'smmu-launch-1 ', '__proto__', 'constructor'),
        fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
      ),
      requestId: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null), fc.boolean()),
      extra: fc.anything({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
);

test('cancel with junk arguments, before any launch: an error response with a message, and the adapter stays', async () => {
  const dc = await startClient();
  try {
    await dc.initializeRequest({ adapterID: 'smmu', pathFormat: 'path' });
    for (const args of fc.sample(junk, { seed: SEED, numRuns: 60 })) {
      const what = `cancel ${JSON.stringify(args) ?? String(args)}`;
      const answer = await cancel(dc, args);
      assert.match(answer, /^cancel: /, what);
      assertNoInternal(answer, what);
      assert.doesNotMatch(answer, /\bat .*\.js:\d+/, `${what}: no stack trace`);
    }
    await alive(dc, 'junk cancels');
  } finally {
    await dc.stop();
  }
});

test('cancel through a launch: during the replay after the first stop (once), twice, unknown ids, after the end, at a stop', async () => {
  const dc = await startClient();
  dc.defaultTimeout = 120_000;
  const started: DebugProtocol.ProgressStartEvent[] = [];
  const ends: DebugProtocol.ProgressEndEvent[] = [];
  const output: string[] = [];
  dc.on('progressStart', (e: DebugProtocol.ProgressStartEvent) => started.push(e));
  dc.on('progressEnd', (e: DebugProtocol.ProgressEndEvent) => ends.push(e));
  dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
  try {
    await dc.initializeRequest({ adapterID: 'smmu', pathFormat: 'path', supportsProgressReporting: true });
    const stop = await launchInitialized(dc, { program: file, stopOnEntry: true, traceWindow: 4096 });
    assert.equal(stop.body.reason, 'entry');
    const id = started[0]?.body.progressId as string;
    assert.match(id, /^smmu-launch-\d+$/);
    // At the stop, while the replay goes on: junk is refused, an unknown progress is refused.
    for (const args of fc.sample(junk, { seed: SEED + 1, numRuns: 20 })) {
      const what = `cancel ${JSON.stringify(args) ?? String(args)} at a stop`;
      const answer = await cancel(dc, args);
      assert.match(answer, /^cancel: /, what);
      assertNoInternal(answer, what);
    }
    assert.match(await cancel(dc, { progressId: `${id}x` }), /^cancel: no progress "smmu-launch-\d+x" under way/);
    assert.match(await cancel(dc, { requestId: 1 }), /^cancel: request 1 cannot be cancelled/);
    // The replay is still under way (40 slices): the cancel applies, once.
    assert.equal(ends.length, 0, 'the replay goes on at the stop');
    assert.equal(await cancel(dc, { progressId: id }), 'ok');
    assert.match(
      await cancel(dc, { progressId: id }),
      /^cancel: progress "smmu-launch-\d+" (is being cancelled already|has ended)/,
    );
    const deadline = Date.now() + 60_000;
    while (!ends.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(
      String(ends[0]?.body.message),
      /^cancelled at [\d,]+ records replayed .*; the records replayed so far can be debugged$/,
    );
    assert.ok(output.some((o) => /^the replay was cancelled at /.test(o)));
    // After the end: a clear answer, and the session goes on (stepping on what was judged).
    assert.match(
      await cancel(dc, { progressId: id }),
      /^cancel: progress "smmu-launch-\d+" has ended: nothing to cancel$/,
    );
    await alive(dc, 'a cancel after the end');
    const stepped = dc.waitForEvent('stopped');
    await dc.stepInRequest({ threadId: 1 });
    assert.equal(((await stepped) as DebugProtocol.StoppedEvent).body.reason, 'step');
    const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frames[0]?.line, 2);
    // Continue runs to the end of what was replayed, and says so.
    const end = dc.waitForEvent('stopped');
    await dc.continueRequest({ threadId: 1 });
    assert.match(
      String(((await end) as DebugProtocol.StoppedEvent).body.description),
      /^end of what was replayed: the replay was cancelled at line [\d,]+$/,
    );
  } finally {
    await dc.stop();
  }
});

test('cancel of a launch replayed whole before its first stop: its progress has ended', async () => {
  const dc = await startClient();
  const started: DebugProtocol.ProgressStartEvent[] = [];
  dc.on('progressStart', (e: DebugProtocol.ProgressStartEvent) => started.push(e));
  try {
    await dc.initializeRequest({ adapterID: 'smmu', pathFormat: 'path', supportsProgressReporting: true });
    await launchInitialized(dc, { program: small, stopOnEntry: true, traceWindow: 16 });
    const id = started[0]?.body.progressId as string;
    assert.match(
      await cancel(dc, { progressId: id }),
      /^cancel: progress "smmu-launch-\d+" has ended: nothing to cancel$/,
    );
    assert.match(await cancel(dc, { progressId: id }), /has ended: nothing to cancel$/);
    assert.match(await cancel(dc, {}), /^cancel: give "progressId" or "requestId": nothing to cancel$/);
    await alive(dc, 'cancels after the launch');
  } finally {
    await dc.stop();
  }
});
