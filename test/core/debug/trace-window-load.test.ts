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
import { DebugRuntime, isLoading } from '../../../core/debug/runtime';
import { LineReader } from '../../../core/debug/trace-file';
import { TraceMachine } from '../../../core/debug/trace-program';
import { WindowedTrace } from '../../../core/debug/trace-window';
import type { RandomAccessFile } from '../../../core/base/files';
import { splitLines } from '../../../core/script/lexer';
import { fileHost } from '../../../server/file-host';
import { root } from '../../harness/root';
import { handshakeLines } from '../../bench/trace-gen';

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
