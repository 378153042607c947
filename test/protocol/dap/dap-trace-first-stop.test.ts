/**
 * The first stop of a large trace comes as soon as the replay reaches it (core/debug/trace-window.ts,
 * server/dap/session.ts), through the real protocol (`node dist/cli.js dap`): on a generated
 * 1,000,000-record trace, the stop on entry, a breakpoint at an early line and the divergence on
 * an early record all come before the replay has ended (no progressEnd, no "the replay ended"
 * line yet); what only the end gives (the record count, the summary, a breakpoint further on) is
 * shown pending, then resolved. On a multi-vCPU trace whose first divergence is judged 16,384
 * lines after its read, every stop of a walk from the early first stop shows what the whole
 * replay in memory shows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launchInitialized, launchOn, startClient, steppingOn } from '../../harness/dap-harness';

import { handshakeLines } from '../../bench/trace-gen';

let dir: string;
/** 1,000,000 records and more; its lines, every one a record. */
let big: string;
let bigLines = 0;
/** 1-based lines in `big`: an early record, the early divergence (CR0ACK.PRIQEN never written), one far on. */
const EARLY_LINE = 10;
let divergenceLine = 0;
const FAR_LINE = 900_001;
/** A multi-vCPU trace of about 100,000 lines (under the 4 MiB replayed whole in memory). */
let mvcpu: string;
let mixedLine = 0;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-dap-first-stop-'));
  big = path.join(dir, 'big.smmutrace');
  const head = handshakeLines(30);
  head.push('W 0x20 4 0x0', 'R 0x24 4 0x2');
  divergenceLine = head.length;
  const body = handshakeLines(100_006).slice(6);
  const fd = fs.openSync(big, 'w');
  try {
    fs.writeSync(fd, head.join('\n') + '\n');
    bigLines = head.length;
    const chunk = body.join('\n') + '\n';
    while (bigLines < 1_000_000) {
      fs.writeSync(fd, chunk);
      bigLines += body.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  // vCPU 1 reads SMMU_CR1 as a mix of two writers' values: judged when its window closes, 16,384 lines on.
  mvcpu = path.join(dir, 'mvcpu.smmutrace');
  const lines = handshakeLines(40).map((l, i) => (i < 6 ? l : `${l} 0`));
  lines.push('R 0x28 4 0x555 1');
  mixedLine = lines.length;
  lines.push(
    ...handshakeLines(100_000)
      .slice(6)
      .map((l) => `${l} 0`),
  );
  fs.writeFileSync(mvcpu, lines.join('\n') + '\n');
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

type Seen = { readonly event: string; readonly body: Record<string, unknown> };

async function client(): Promise<{ dc: DebugClient; seen: Seen[] }> {
  const dc = await startClient();
  dc.defaultTimeout = 120_000;
  const seen: Seen[] = [];
  for (const event of ['progressStart', 'progressEnd', 'stopped', 'output', 'breakpoint', 'terminated'])
    dc.on(event, (e: DebugProtocol.Event) => seen.push({ event, body: (e.body ?? {}) as Record<string, unknown> }));
  await dc.initializeRequest({
    adapterID: 'smmu',
    pathFormat: 'path',
    linesStartAt1: true,
    columnsStartAt1: true,
    supportsProgressReporting: true,
  });
  return { dc, seen };
}

/** The replay has not ended: no progressEnd and no "the replay ended" line so far. */
function replayGoesOn(seen: readonly Seen[], what: string): void {
  assert.ok(!seen.some((s) => s.event === 'progressEnd'), `${what}: before the progress ended`);
  assert.ok(
    !seen.some((s) => s.event === 'output' && String(s.body.output).startsWith('the replay ended')),
    `${what}: before the replay ended`,
  );
}

/** The variables of the scope named `name` at the top frame, as name = value. */
async function scope(dc: DebugClient, name: string): Promise<Record<string, string> | undefined> {
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const s = (await dc.scopesRequest({ frameId: frames[0]?.id ?? 0 })).body.scopes.find((x) => x.name === name);
  if (!s) return undefined;
  const vars = (await dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
  return Object.fromEntries(vars.map((v) => [v.name, v.value]));
}

async function line(dc: DebugClient): Promise<number | undefined> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]?.line;
}

/** Resolves once `seen` has an event that `is` accepts. */
function eventually(seen: readonly Seen[], is: (s: Seen) => boolean): Promise<Seen> {
  return new Promise((resolve) => {
    const check = () => {
      const s = seen.find(is);
      if (s) resolve(s);
      else setTimeout(check, 20);
    };
    check();
  });
}

test('1,000,000 records: the stop on entry, an early breakpoint and an early divergence come before the replay ends; the count, the summary and a far breakpoint are pending, then resolved', async () => {
  const { dc, seen } = await client();
  try {
    let bps: DebugProtocol.SetBreakpointsResponse | undefined;
    const entry = await launchInitialized(
      dc,
      { program: big, stopOnEntry: true },
      async () =>
        (bps = await dc.setBreakpointsRequest({
          source: { path: big },
          breakpoints: [{ line: EARLY_LINE }, { line: FAR_LINE }],
        })),
    );
    assert.ok(seen.some((s) => s.event === 'progressStart'));
    assert.equal(entry.body.reason, 'entry');
    replayGoesOn(seen, 'the stop on entry');
    assert.equal(await line(dc), 1);
    // The early breakpoint is on a record judged already; the far one waits for the replay.
    const [early, far] = (bps as DebugProtocol.SetBreakpointsResponse).body.breakpoints;
    assert.equal(early?.verified, true);
    assert.equal(early?.line, EARLY_LINE);
    assert.equal(far?.verified, false);
    assert.match(String(far?.message), /^pending: the replay has not reached this line yet/);
    // What only the end gives, said pending.
    const launchLine = seen.find((s) => s.event === 'output' && /^SMMU model: /.test(String(s.body.output)));
    assert.match(
      String(launchLine?.body.output),
      /trace, replay under way: the record count, the divergences and the summary are not known yet/,
    );
    const pending = await scope(dc, 'Trace replay');
    assert.match(String(pending?.state), /^replaying: line [\d,]+, \d+% of the file$/);
    assert.match(String(pending?.records), /^[\d,]+ judged for good so far; the total is pending/);
    assert.equal(pending?.summary, 'pending (not known until the replay ends)');

    const atEarly = await steppingOn(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.equal(atEarly.body.reason, 'breakpoint');
    assert.equal(await line(dc), EARLY_LINE);
    replayGoesOn(seen, 'the early breakpoint');

    const atDivergence = await steppingOn(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.equal(atDivergence.body.reason, 'exception');
    assert.match(String(atDivergence.body.description), /PRIQEN must not be acknowledged/);
    assert.equal(await line(dc), divergenceLine);
    replayGoesOn(seen, 'the early divergence');
    // Step back works on the history kept so far.
    await steppingOn(dc, () => dc.stepBackRequest({ threadId: 1 }));
    assert.equal(await line(dc), divergenceLine);
    assert.equal((await scope(dc, `Trace record (line ${divergenceLine - 1})`))?.line, String(divergenceLine - 1));

    // The end: the progress ends, the Debug Console gives the summary, the far breakpoint is verified.
    await eventually(seen, (s) => s.event === 'progressEnd');
    const ended = await eventually(
      seen,
      (s) => s.event === 'output' && String(s.body.output).startsWith('the replay ended: '),
    );
    assert.match(
      String(ended.body.output),
      new RegExp(`^the replay ended: trace, ${bigLines} records .*; first divergence at line ${divergenceLine};`),
    );
    const changed = await eventually(
      seen,
      (s) => s.event === 'breakpoint' && (s.body.breakpoint as DebugProtocol.Breakpoint).id === far?.id,
    );
    const resolved = changed.body.breakpoint as DebugProtocol.Breakpoint;
    assert.equal(resolved.verified, true);
    assert.equal(resolved.line, FAR_LINE);
    const known = await scope(dc, `Trace replay`);
    assert.equal(known?.state, 'replayed to the end');
    assert.equal(known?.records, bigLines.toLocaleString('en-US'));
    assert.match(
      String(known?.summary),
      new RegExp(`^${bigLines} records .*first divergence at line ${divergenceLine}$`),
    );
    // Continue stops on the divergence again (stepped back before it), then at the far breakpoint.
    const again = await steppingOn(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.equal(again.body.reason, 'exception');
    assert.equal(await line(dc), divergenceLine);
    const atFar = await steppingOn(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.equal(atFar.body.reason, 'breakpoint');
    assert.equal(await line(dc), FAR_LINE);
  } finally {
    await dc.stop();
  }
});

/**
 * Everything a stop shows but the Trace replay scope: why, the frames, each cheap scope's variables.
 * The streamed replay's note that a read was judged at the end of its multi-vCPU window
 * (`mvcpu.window`, core/trace/serial.ts) is left out: the whole replay in memory has no window.
 */
async function shown(dc: DebugClient, stop: DebugProtocol.StoppedEvent): Promise<unknown> {
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const scopes = (await dc.scopesRequest({ frameId: frames[0]?.id ?? 0 })).body.scopes;
  const vars: [string, string[]][] = [];
  for (const s of scopes) {
    if (s.expensive || s.name === 'Trace replay') continue;
    const v = (await dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
    vars.push([s.name, v.map((x) => `${x.name}=${x.value}`).filter((x) => !/^info \d+=.*\[mvcpu\.window\]$/.test(x))]);
  }
  return {
    reason: stop.body.reason,
    description: stop.body.description,
    frames: frames.map((f) => `${f.name}@${f.line}`),
    vars,
  };
}

test('a multi-vCPU divergence judged 16,384 lines after its read: the early first stop, and each stop after it, show what the whole replay shows', async () => {
  const [w, m] = await Promise.all([startClient(), startClient()]);
  try {
    for (const dc of [w, m]) {
      dc.defaultTimeout = 120_000;
      await dc.initializeRequest({ adapterID: 'smmu', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    }
    // Windowed (the debugging begins before the replay ends) and whole in memory (checkTrace).
    const [sw, sm] = await Promise.all([
      launchOn(w, { program: mvcpu, traceWindow: 4096 }, undefined, 120_000),
      launchOn(m, { program: mvcpu }, undefined, 120_000),
    ]);
    const began = (await w.scopesRequest({ frameId: 0 })).body.scopes.some((s) => s.name === 'Trace replay');
    assert.ok(began, 'the windowed session began before its replay ended');
    assert.equal(sw.body.reason, 'exception');
    assert.match(String(sw.body.description), /a mix of 0x00000000 from the reset value and 0x00000D75/);
    assert.equal(await line(w), mixedLine);
    assert.deepEqual(await shown(w, sw), await shown(m, sm), 'at the first stop');
    const acts: [string, (dc: DebugClient) => Promise<unknown>][] = [
      ['next', (dc) => dc.nextRequest({ threadId: 1 })],
      ['stepIn', (dc) => dc.stepInRequest({ threadId: 1 })],
      ['stepBack', (dc) => dc.stepBackRequest({ threadId: 1 })],
      ['stepBack', (dc) => dc.stepBackRequest({ threadId: 1 })],
      ['stepBack', (dc) => dc.stepBackRequest({ threadId: 1 })],
      ['reverseContinue', (dc) => dc.reverseContinueRequest({ threadId: 1 })],
      ['continue', (dc) => dc.continueRequest({ threadId: 1 })],
      ['stepIn', (dc) => dc.stepInRequest({ threadId: 1 })],
    ];
    for (const [i, [name, act]] of acts.entries()) {
      const [aw, am] = await Promise.all([steppingOn(w, () => act(w)), steppingOn(m, () => act(m))]);
      assert.deepEqual(
        await shown(w, aw),
        await shown(m, am),
        `after ${acts
          .slice(0, i + 1)
          .map((a) => a[0])
          .join(', ')} (${name})`,
      );
    }
  } finally {
    await Promise.all([w.stop(), m.stop()]);
  }
});
