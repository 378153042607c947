/**
 * A trace read back from its file a window of records at a time (core/debug/trace-window.ts),
 * through the real protocol (`node dist/cli.js dap` driven by @vscode/debugadapter-testsupport's
 * DebugClient): on random small traces with windows of one to five records, every stop, frame and
 * variable of a random walk (step in, step over, step back, continue, reverse continue, with line
 * breakpoints and the divergence filter) is what the whole replay in memory shows; breakpoints
 * across windows; a trace changed or truncated while it is debugged says so, and the session
 * goes on answering.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launchOn, startClient, steppingOn } from '../../harness/dap-harness';
import { handshakeLines, PROBE } from '../../bench/trace-gen';

let dir: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-dap-window-'));
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Lines a random trace is made of: conforming handshakes, divergences, SMMU-owned indexes, comments. */
const PIECES = [
  ['W 0x20 4 0x0', 'R 0x24 4 0x0'],
  ['W 0x20 4 0xC', 'R 0x24 4 0xC'],
  ['W 0x28 4 0xd75', 'R 0x28 4 0xd75'],
  ['R 0x24 4 0x2'], // CR0ACK acknowledges what was never written: a divergence
  ['R 0x28 4 0x5'], // CR1 read back wrong: a divergence
  ['W 0x90 8 0x40100004', 'W 0x98 4 0x1', 'R 0x9C 4 0x1'], // CMDQ_CONS taken from the trace
  ['R 0x60 4 0x0'],
  ['# a comment', ''],
  ['W 0xA0 8 0x40000007', 'R 0xA0 8 0x40000007'],
  ['R 0x2C 4 0x0 1', 'W 0x3C 4 0x0 1'],
];

type Action = 'stepIn' | 'next' | 'stepBack' | 'continue' | 'reverseContinue';
const ACTIONS: readonly Action[] = ['stepIn', 'next', 'stepBack', 'continue', 'reverseContinue'];

/** Everything a stop shows: why, the frames, and each cheap scope's variables (one level down). */
async function shown(dc: DebugClient, stop: DebugProtocol.StoppedEvent): Promise<unknown> {
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const scopes = (await dc.scopesRequest({ frameId: frames[0]?.id ?? 0 })).body.scopes;
  const vars: [string, string[]][] = [];
  for (const s of scopes) {
    const v = (await dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
    vars.push([s.name, v.map((x) => `${x.name}=${x.value}`)]);
  }
  return {
    reason: stop.body.reason,
    description: stop.body.description,
    text: stop.body.text,
    frames: frames.map((f) => `${f.name}@${f.line}`),
    vars,
  };
}

async function act(dc: DebugClient, a: Action): Promise<DebugProtocol.StoppedEvent> {
  const args = { threadId: 1 };
  return steppingOn(dc, () =>
    a === 'stepIn'
      ? dc.stepInRequest(args)
      : a === 'next'
        ? dc.nextRequest(args)
        : a === 'stepBack'
          ? dc.stepBackRequest(args)
          : a === 'continue'
            ? dc.continueRequest(args)
            : dc.reverseContinueRequest(args),
  );
}

async function launchWith(
  dc: DebugClient,
  program: string,
  breakpoints: readonly number[],
  window?: number,
): Promise<DebugProtocol.StoppedEvent> {
  return launchOn(
    dc,
    { program, stopOnEntry: true, ...(window ? { traceWindow: window } : {}) },
    () => dc.setBreakpointsRequest({ source: { path: program }, breakpoints: breakpoints.map((line) => ({ line })) }),
    20_000,
  );
}

test('windowed and whole: every stop of a random walk shows the same frames, record and registers (windows of 1 to 5 records)', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.boolean(),
      fc.array(fc.nat(PIECES.length - 1), { minLength: 2, maxLength: 14 }),
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.constantFrom(...ACTIONS), { minLength: 4, maxLength: 14 }),
      fc.array(fc.nat(40), { maxLength: 3 }),
      async (probe, pieces, window, actions, bps) => {
        const lines = [...(probe ? PROBE : []), ...pieces.flatMap((i) => PIECES[i] as string[])];
        const file = path.join(dir, `random-${n++}.smmutrace`);
        fs.writeFileSync(file, lines.join('\n') + '\n');
        const breakpoints = bps.map((b) => 1 + (b % lines.length));
        const [w, m] = await Promise.all([startClient(), startClient()]);
        try {
          const said = w.waitForEvent('output', 20_000) as Promise<DebugProtocol.OutputEvent>;
          const [sw, sm] = await Promise.all([
            launchWith(w, file, breakpoints, window),
            launchWith(m, file, breakpoints),
          ]);
          assert.match((await said).body.output, new RegExp(`windowed: \\d+ windows? of ${window} records?`));
          assert.deepEqual(await shown(w, sw), await shown(m, sm), `${file}: at entry`);
          for (const [i, a] of actions.entries()) {
            const [aw, am] = await Promise.all([act(w, a), act(m, a)]);
            assert.deepEqual(
              await shown(w, aw),
              await shown(m, am),
              `${file}, window ${window}: after ${actions.slice(0, i + 1).join(', ')}`,
            );
          }
        } finally {
          await Promise.all([w.stop(), m.stop()]);
        }
      },
    ),
    { numRuns: 10 },
  );
});

test('breakpoints in several windows: continue stops at each in order, reverse continue at each back', async () => {
  const lines = handshakeLines(60);
  const file = path.join(dir, 'breakpoints.smmutrace');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const dc = await startClient();
  try {
    const out = dc.waitForEvent('output');
    // Windows of 4 records: lines 9, 23, 41 and 57 are in windows 2, 5, 10 and 14.
    await launchWith(dc, file, [9, 23, 41, 57], 4);
    assert.match(((await out) as DebugProtocol.OutputEvent).body.output, /windowed: 16 windows of 4 records/);
    const line = async () => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]?.line;
    const forward: number[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await act(dc, 'continue');
      assert.equal(s.body.reason, 'breakpoint');
      forward.push((await line()) ?? 0);
    }
    assert.deepEqual(forward, [9, 23, 41, 57]);
    const back: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await act(dc, 'reverseContinue');
      assert.equal(s.body.reason, 'breakpoint');
      back.push((await line()) ?? 0);
    }
    assert.deepEqual(back, [41, 23, 9]);
    const start = await act(dc, 'reverseContinue');
    assert.equal(start.body.reason, 'entry');
    assert.equal(await line(), 1);
  } finally {
    await dc.stop();
  }
});

for (const change of ['rewritten', 'truncated', 'removed'] as const)
  test(`a trace ${change} while it is debugged: the step that reads it again says so, and the session goes on answering`, async () => {
    const lines = handshakeLines(40);
    const file = path.join(dir, `changed-${change}.smmutrace`);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const dc = await startClient();
    try {
      await launchWith(dc, file, [], 4);
      // Records 0 to 7 are in the two windows read so far (stepping there reads nothing again).
      await act(dc, 'stepIn');
      if (change === 'rewritten') fs.writeFileSync(file, lines.map((l) => l.replace('0xC', '0x8')).join('\n') + '\n');
      else if (change === 'truncated') fs.truncateSync(file, 100);
      else fs.rmSync(file);
      const stderr = new Promise<string>((resolve) => {
        dc.on('output', (e: DebugProtocol.OutputEvent) => {
          if (e.body.category === 'stderr') resolve(e.body.output);
        });
      });
      const s = await act(dc, 'continue');
      assert.equal(s.body.reason, 'exception');
      const expected =
        change === 'removed'
          ? /changed-removed\.smmutrace cannot be read any more \(no such file\); launch again/
          : new RegExp(
              `changed-${change}\\.smmutrace changed on disk since the debugger read it at launch .*launch again`,
            );
      assert.match(s.body.description ?? '', expected);
      assert.match(await stderr, expected);
      assert.doesNotMatch(s.body.description ?? '', /internal error/);
      // The session is alive: a request that needs the file fails with the same words, one that does not answers.
      const ev = await dc.evaluateRequest({ expression: 'CR0', context: 'watch', frameId: 0 });
      assert.match(ev.body.result, /^0x/);
      await assert.rejects(() => dc.stackTraceRequest({ threadId: 1 }), expected);
    } finally {
      await dc.stop();
    }
  });

test('traceWindow must be a number of records', async () => {
  const file = path.join(dir, 'window-arg.smmutrace');
  fs.writeFileSync(file, 'R 0x0 4 0x0\n');
  const dc = await startClient();
  try {
    await assert.rejects(
      () => dc.launch({ program: file, traceWindow: 0 } as DebugProtocol.LaunchRequestArguments),
      /"traceWindow" 0 is not a number of records from 1 to 1,000,000/,
    );
  } finally {
    await dc.stop();
  }
});
