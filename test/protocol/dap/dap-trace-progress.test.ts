/**
 * A windowed trace's launch reads the file once (core/debug/trace-window.ts), a slice of
 * LAUNCH_SLICE lines at a time (server/dap/session.ts); the debugging begins once the replay has
 * judged the first records, and the rest is replayed meanwhile. Through the real protocol (`node
 * dist/cli.js dap`): progress events in order with growing figures for a client that shows
 * progress, none for one that does not; `threads` and `pause` answered while it reads before the
 * debugging can begin; `cancel` of the progress then ends the session cleanly.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { startClient } from '../../harness/dap-harness';
import { handshakeLines } from '../../bench/trace-gen';
import { LAUNCH_SLICE } from '../../../server/dap/session';

let dir: string;
let file: string;
/** A trace whose first record comes after many slices of comments: the debugging cannot begin before them. */
let late: string;
/** Records of the generated trace: enough for about ten slices. */
const RECORDS = 10 * LAUNCH_SLICE;
/** Its lines, every one a record. */
let lineCount = 0;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-dap-progress-'));
  file = path.join(dir, 'progress.smmutrace');
  const lines = handshakeLines(RECORDS);
  // A divergence at the end: without a stop on entry, the launch runs to it.
  lines.push('W 0x20 4 0x0', 'R 0x24 4 0x2');
  lineCount = lines.length;
  fs.writeFileSync(file, lines.join('\n') + '\n');
  late = path.join(dir, 'late.smmutrace');
  fs.writeFileSync(late, '# not a record\n'.repeat(12 * LAUNCH_SLICE) + lines.join('\n') + '\n');
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

type Seen = { readonly event: string; readonly body: Record<string, unknown> };

/** Start a client, initialize (with or without progress), record every event in order. */
async function client(progress: boolean): Promise<{ dc: DebugClient; seen: Seen[] }> {
  const dc = await startClient();
  const seen: Seen[] = [];
  for (const event of [
    'progressStart',
    'progressUpdate',
    'progressEnd',
    'stopped',
    'output',
    'terminated',
    'initialized',
  ])
    dc.on(event, (e: DebugProtocol.Event) => seen.push({ event, body: (e.body ?? {}) as Record<string, unknown> }));
  await dc.initializeRequest({
    adapterID: 'smmu',
    pathFormat: 'path',
    linesStartAt1: true,
    columnsStartAt1: true,
    ...(progress ? { supportsProgressReporting: true } : {}),
  });
  dc.once('initialized', () => void dc.configurationDoneRequest());
  return { dc, seen };
}

/** The windowed launch of the generated trace (windows of 4,096 records, whatever its size). */
function launch(dc: DebugClient, stopOnEntry = true, program = file): Promise<DebugProtocol.LaunchResponse> {
  return dc.launchRequest({ program, stopOnEntry, traceWindow: 4096 } as DebugProtocol.LaunchRequestArguments);
}

/** The records in a progress message ("12,345 records replayed (…)"). */
function recordsIn(message: unknown): number {
  const m = /^([\d,]+) records replayed \(line [\d,]+, (\d+)% of [\d.]+ MB\), ([\d,]+) records\/s/.exec(
    String(message),
  );
  assert.ok(m, `a progress message with records, percent and rate: ${String(message)}`);
  return Number((m[1] as string).replace(/,/g, ''));
}

test('progress while the trace is read: start, updates with growing records and percent, end; the stop', async () => {
  const { dc, seen } = await client(true);
  try {
    const stopped = dc.waitForEvent('stopped', 120_000);
    const ended = dc.waitForEvent('progressEnd', 120_000);
    await launch(dc);
    await stopped;
    await ended;
    const progress = seen.filter((s) => s.event.startsWith('progress'));
    assert.equal(progress[0]?.event, 'progressStart');
    assert.equal(progress.at(-1)?.event, 'progressEnd');
    const start = (progress[0] as Seen).body;
    assert.equal(start.cancellable, true);
    assert.equal(start.percentage, 0);
    assert.match(String(start.title), /Replaying progress\.smmutrace/);
    const id = start.progressId;
    assert.ok(
      progress.every((p) => p.body.progressId === id),
      'one progress',
    );
    const updates = progress.slice(1, -1);
    assert.ok(
      updates.every((u) => u.event === 'progressUpdate'),
      'only updates between start and end',
    );
    // A slice of LAUNCH_SLICE lines each: ten slices' worth of records.
    assert.ok(updates.length >= 8, `${updates.length} updates`);
    const records = updates.map((u) => recordsIn(u.body.message));
    const percent = updates.map((u) => u.body.percentage as number);
    for (let i = 1; i < updates.length; i++) {
      assert.ok((records[i] as number) > (records[i - 1] as number), `records grow: ${records.join(', ')}`);
      assert.ok((percent[i] as number) > (percent[i - 1] as number), `percent grows: ${percent.join(', ')}`);
    }
    assert.ok((percent.at(-1) as number) < 100);
    // The end: every record, the whole file.
    const end = String((progress.at(-1) as Seen).body.message);
    assert.equal(recordsIn(end), lineCount);
    assert.match(end, /100% of .*; replayed to the end$/);
    const stop = seen.find((s) => s.event === 'stopped') as Seen;
    assert.equal(stop.body.reason, 'entry');
  } finally {
    await dc.stop();
  }
});

test('a client without progress support gets no progress events, and the same stop', async () => {
  const { dc, seen } = await client(false);
  try {
    const stopped = dc.waitForEvent('stopped', 120_000);
    await launch(dc);
    assert.equal(((await stopped) as DebugProtocol.StoppedEvent).body.reason, 'entry');
    assert.deepEqual(
      seen.filter((s) => s.event.startsWith('progress')),
      [],
    );
    // The replay's end is said in the Debug Console, with the windows read back.
    await new Promise<void>((resolve) => {
      const check = () => {
        if (
          seen.some(
            (s) => s.event === 'output' && /^the replay ended: .*windowed: \d+ windows/.test(String(s.body.output)),
          )
        )
          resolve();
        else setTimeout(check, 50);
      };
      check();
    });
  } finally {
    await dc.stop();
  }
});

test('cancel of the progress before the debugging began: the launch answers "cancelled", says so, and the session ends; nothing stops', async () => {
  const { dc, seen } = await client(true);
  try {
    const update = dc.waitForEvent('progressUpdate', 120_000);
    // DebugClient rejects a failed response with its message: "cancelled" is DAP's word for a cancelled request.
    const launched = launch(dc, true, late).then(
      () => 'launched',
      (e: Error) => e.message,
    );
    await update;
    const terminated = dc.waitForEvent('terminated', 120_000);
    const id = (seen.find((s) => s.event === 'progressStart') as Seen).body.progressId as string;
    const cancel = await dc.customRequest('cancel', { progressId: id });
    assert.equal(cancel.success, true);
    await terminated;
    assert.equal(await launched, 'cancelled');
    const end = seen.find((s) => s.event === 'progressEnd') as Seen;
    assert.match(String(end.body.message), /^cancelled at [\d,]+ records replayed/);
    // Cancelled before the first record: among the comments.
    assert.equal(recordsIn(String(end.body.message).replace(/^cancelled at /, '')), 0);
    assert.ok(
      seen.some(
        (s) =>
          s.event === 'output' &&
          /the launch was cancelled while the trace was read: nothing was debugged/.test(String(s.body.output)),
      ),
    );
    assert.ok(!seen.some((s) => s.event === 'stopped' || s.event === 'initialized'));
    // The adapter is alive and answers (no crash), then disconnects as a client does after `terminated`.
    const threads = await dc.threadsRequest();
    assert.equal(threads.body.threads.length, 1);
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
});

test('while the trace is read before the debugging can begin: threads is answered, and pause stops at the first record', async () => {
  const { dc, seen } = await client(true);
  try {
    const stopped = dc.waitForEvent('stopped', 120_000);
    // No stop on entry: without the pause, the session would run to the divergence at the end.
    const launched = launch(dc, false, late);
    await dc.waitForEvent('progressUpdate', 120_000);
    const threads = await dc.threadsRequest();
    assert.equal(threads.body.threads.length, 1);
    const updatesBefore = seen.filter((s) => s.event === 'progressUpdate').length;
    assert.ok(!seen.some((s) => s.event === 'progressEnd'), 'threads answered while the trace is read');
    const pause = await dc.pauseRequest({ threadId: 1 });
    assert.equal(pause.success, true);
    await launched;
    const stop = (await stopped) as DebugProtocol.StoppedEvent;
    assert.equal(stop.body.reason, 'pause');
    assert.ok(updatesBefore >= 1);
    const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frames[0]?.line, 12 * LAUNCH_SLICE + 1);
  } finally {
    await dc.stop();
  }
});
