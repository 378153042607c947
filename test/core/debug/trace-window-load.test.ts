/**
 * A windowed trace's launch a slice at a time (core/debug/trace-window.ts, DebugRuntime.begin):
 * the lines read in slices of any size are the lines of the file (line breaks across the reader's
 * 1 MiB pieces included), and the index built in the replay's pass reads back exactly the records
 * the whole-file parse makes, for the line format and QEMU logs, whatever the slices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { DebugRuntime, isLoading, type LaunchResult } from '../../../core/debug/runtime';
import { LineReader } from '../../../core/debug/trace-file';
import { TraceMachine } from '../../../core/debug/trace-program';
import { WindowedTrace } from '../../../core/debug/trace-window';
import type { RandomAccessFile } from '../../../core/base/files';
import { splitLines } from '../../../core/script/lexer';
import { fileHost } from '../../../server/file-host';
import { root } from '../../harness/root';
import { handshakeLines } from '../../bench/trace-gen';
import { LOOKAHEAD_LINES } from '../../../core/trace/stream';

/** `bytes` as a file in memory. */
function inMemory(bytes: Uint8Array): RandomAccessFile {
  const decoder = new TextDecoder();
  return {
    size: bytes.length,
    read: (position, length) => bytes.subarray(position, Math.min(bytes.length, position + length)),
    text: (b, start, end) => decoder.decode(b.subarray(start, end)),
    stamp: () => 'in memory',
    close: () => undefined,
  };
}

const MIB = 1 << 20;

test('lines read a slice at a time are the lines of the file, with a line break split across the 1 MiB pieces', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('\n', '\r\n', '\r'),
      fc.integer({ min: -3, max: 3 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }),
      (eol, shift, slices) => {
        // A line that ends at the piece boundary (give or take `shift` bytes), then short ones.
        const text = 'x'.repeat(MIB - 1 + shift) + eol + 'R 0x0 4 0x0' + eol + 'é\r\n\rlast';
        const bytes = new TextEncoder().encode(text);
        const reader = new LineReader(inMemory(bytes), 0);
        const got: string[] = [];
        const offsets: number[] = [];
        let done = false;
        for (let k = 0; !done; k++)
          done = reader.read(slices[k % slices.length] as number, (line, offset) => {
            got.push(line);
            offsets.push(offset);
          });
        assert.deepEqual(got, splitLines(text));
        // Each offset is where its line's bytes start.
        for (const [i, o] of offsets.entries())
          assert.equal(
            Buffer.from(bytes.subarray(o))
              .toString('utf8')
              .startsWith(got[i] as string),
            true,
          );
        assert.equal(reader.offset, bytes.length - Buffer.byteLength('last'));
      },
    ),
    { numRuns: 30 },
  );
});

/** Launch `file` windowed, its pass run in slices of `slice` lines; the runtime. */
function windowed(file: string, window: number, slice: number): DebugRuntime {
  const begun = DebugRuntime.begin(file, fileHost, { traceWindow: window });
  assert.ok(isLoading(begun), `${file}: a windowed launch is left to run a slice at a time`);
  for (;;) {
    const before: number = begun.progress.lines;
    const done = begun.step(slice);
    if (done) {
      assert.ok(done.runtime, done.error);
      return done.runtime;
    }
    // A slice reads exactly `slice` lines until the last.
    assert.equal(begun.progress.lines - before, slice);
    assert.ok(begun.progress.bytes <= begun.progress.size);
  }
}

function records(rt: DebugRuntime): unknown[] {
  const m = rt.machine;
  assert.ok(m instanceof TraceMachine);
  const out: unknown[] = [];
  for (let i = 0; i < m.data.count; i++) out.push(m.data.record(i));
  return out;
}

test('QEMU logs: the index built in the replay pass reads back the records of the whole-file parse, in any slices', () => {
  for (const name of [
    'linux-6.1-boot.qemu-7.2.log',
    'translations-memory.qemu-7.2.log',
    'register-probe.qemu-7.2.log',
  ]) {
    const file = path.join(root, 'test', 'fixtures', 'qemu', name);
    const whole = DebugRuntime.launch(file, fileHost).runtime;
    assert.ok(whole && !((whole.machine as TraceMachine).data instanceof WindowedTrace));
    const expected = records(whole);
    assert.ok(expected.length > 10, name);
    for (const [window, slice] of [
      [1, 1],
      [3, 7],
      [64, 1000],
    ] as const)
      assert.deepEqual(
        records(windowed(file, window, slice)),
        expected,
        `${name}, window ${window}, slices of ${slice}`,
      );
  }
});

test('line format with base and comment lines: the same records windowed in any slices as whole', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-window-load-'));
  try {
    const lines = handshakeLines(200);
    lines.splice(40, 0, '# a comment', '', 'R 0x24 4 0xC');
    // A `base` line: later lines give addresses (the index keeps the parser's base at each window start).
    lines.push('base 0x09050000');
    for (let i = 0; i < 12; i++) lines.push('W 0x09050020 4 0x0', 'R 0x09050024 4 0x0', `W 0x09050028 4 0x${i}`);
    const file = path.join(dir, 'based.smmutrace');
    fs.writeFileSync(file, lines.join('\r\n') + '\r\n');
    const whole = DebugRuntime.launch(file, fileHost).runtime;
    assert.ok(whole);
    const expected = records(whole);
    for (const [window, slice] of [
      [1, 1],
      [5, 3],
      [50, 17],
    ] as const)
      assert.deepEqual(records(windowed(file, window, slice)), expected, `window ${window}, slices of ${slice}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * What the debugger is given before the pass ends (Loading.ready, the records judged so far):
 * each record, when it first counts, already has every finding and both sides the whole pass
 * gives it (a multi-vCPU read judged up to a window of lines later included), and its record is
 * the one the end reads back; the record count and summary are pending (undefined) until the end.
 */
test('records handed to the debugger before the end: their findings are final when they first count (multi-vCPU, any slices)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-window-early-'));
  // Accesses of two vCPUs; reads of values nobody wrote are judged at their window's end (serial.ts).
  const access = fc.oneof(
    fc.constantFrom(
      'W 0x20 4 0x0 0',
      'R 0x24 4 0x0 0',
      'W 0x28 4 0xd75 0',
      'R 0x28 4 0xd75 1',
      'W 0x28 4 0x0 1',
      'R 0x24 4 0x2 0',
      '# a comment',
    ),
    fc.integer({ min: 0, max: 0xfff }).map((v) => `R 0x28 4 0x${v.toString(16)} ${v & 1}`),
  );
  let n = 0;
  try {
    fc.assert(
      fc.property(
        fc.array(access, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 700 }),
        (body, slice, window) => {
          const file = path.join(dir, `early-${n++}.smmutrace`);
          // Past the replay's look ahead (LOOKAHEAD_LINES, stream.ts): nothing is judged before it closes.
          fs.writeFileSync(file, [...handshakeLines(LOOKAHEAD_LINES), ...body].join('\n') + '\n');
          // The multi-vCPU window (16,384 lines) covers these traces whole: a held read is judged at the end.
          const begun = DebugRuntime.begin(file, fileHost, { traceWindow: window });
          assert.ok(isLoading(begun));
          const seen: { line: number; findings: string; record: string }[] = [];
          let rt: DebugRuntime | undefined;
          const show = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
          // The look ahead in one slice, then the body in slices of `slice` lines.
          for (let k = 0; ; k++) {
            const done: LaunchResult | undefined = begun.step(k === 0 ? LOOKAHEAD_LINES : slice);
            const early: LaunchResult | undefined = done ? undefined : begun.ready();
            const now: DebugRuntime | undefined = done?.runtime ?? early?.runtime;
            if (now) {
              rt ??= now;
              assert.equal(now, rt, 'one runtime, before and at the end');
              const m = now.machine as TraceMachine;
              if (!done) {
                assert.equal(m.data.complete, false);
                assert.equal(m.data.summary, undefined, 'the summary is pending');
              }
              for (let i = seen.length; i < m.data.count; i++) {
                const r = m.data.record(i);
                assert.ok(r);
                seen.push({ line: r.line, findings: show(m.data.findings(r.line)), record: show(r) });
              }
            }
            if (done) break;
          }
          assert.ok(rt, 'debuggable');
          assert.ok((rt.machine as TraceMachine).data.debuggedBeforeEnd, 'handed over before the end');
          const d = (rt.machine as TraceMachine).data;
          assert.equal(d.complete, true);
          assert.ok(d.summary);
          assert.equal(seen.length, d.count);
          for (const [i, s] of seen.entries()) {
            assert.equal(s.record, show(d.record(i)), `${file}: record ${i}`);
            assert.equal(
              s.findings,
              show(d.findings(s.line)),
              `${file}: the findings at line ${s.line + 1} when it first counted`,
            );
          }
        },
      ),
      { numRuns: 25, seed: 20261205 },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
