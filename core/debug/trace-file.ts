/**
 * A trace file read a piece at a time (the windowed trace debugger, trace-window.ts): core never
 * touches the disk (core/base/files.ts), so the host opens the file and core reads byte ranges of
 * it. A trace that changes on disk while it is debugged is caught by its stamp (size and
 * modification time) at every read, and said in words: never a crash, never a stale record.
 */
import type { RandomAccessFile } from '../base/files';

export type { RandomAccessFile } from '../base/files';

/** The trace on disk is not the one the debugger indexed at launch (changed, truncated, removed). */
export class TraceFileError extends Error {}

/** Bytes read at a time. */
const CHUNK = 1 << 20;

/**
 * The lines of `file` from byte `from` (a line start), with the byte offset each starts at. Lines
 * end at `\n`, `\r\n` or a lone `\r`, as the editor and the whole-file parsers count them
 * (core/trace/lines.ts). `line` returns false to stop. Text is UTF-8.
 */
export function readLines(
  file: RandomAccessFile,
  from: number,
  line: (text: string, offset: number) => boolean | void,
): void {
  let pos = from;
  let carry = new Uint8Array(0);
  let carryAt = from;
  for (;;) {
    const got = file.read(pos, CHUNK);
    const buf = carry.length ? concat(carry, got) : got;
    const base = carry.length ? carryAt : pos;
    pos += got.length;
    const eof = got.length === 0;
    let start = 0;
    const n = buf.length;
    let i = 0;
    while (i < n) {
      const c = buf[i] as number;
      if (c !== 10 && c !== 13) {
        i++;
        continue;
      }
      // A \r as the last byte read: wait for the next piece to see whether a \n follows it.
      if (c === 13 && i + 1 === n && !eof) break;
      if (line(file.text(buf, start, i), base + start) === false) return;
      i += c === 13 && buf[i + 1] === 10 ? 2 : 1;
      start = i;
    }
    if (eof) {
      // The last line (empty after a final line break, as splitLines gives it).
      line(file.text(buf, start, n), base + start);
      return;
    }
    carry = buf.slice(start);
    carryAt = base + start;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
