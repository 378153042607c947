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
  new LineReader(file, from).read(Infinity, line);
}

/**
 * readLines a slice at a time: `read` gives up to `max` lines and returns, and the next call goes
 * on from there, so a long read (the windowed debugger's launch, trace-window.ts) can yield to the
 * debug adapter's message loop between slices.
 */
export class LineReader {
  /** The bytes read and not yet split: from `base`, lines from `start`, scanned up to `i`. */
  private buf: Uint8Array = new Uint8Array(0);
  private base: number;
  private start = 0;
  private i = 0;
  /** Where the next piece is read from. */
  private pos: number;
  private eof = false;
  /** The last line was given (or `line` said stop). */
  done = false;

  constructor(
    private readonly file: RandomAccessFile,
    from: number,
  ) {
    this.pos = from;
    this.base = from;
  }

  /** Where the next line starts: the bytes of the lines given so far. */
  get offset(): number {
    return this.base + this.start;
  }

  /** Give up to `max` more lines to `line`; true once the last line was given (or `line` returned false). */
  read(max: number, line: (text: string, offset: number) => boolean | void): boolean {
    let given = 0;
    while (!this.done && given < max) {
      const buf = this.buf;
      const n = buf.length;
      let i = this.i;
      while (i < n && given < max) {
        const c = buf[i] as number;
        if (c !== 10 && c !== 13) {
          i++;
          continue;
        }
        // A \r as the last byte read: wait for the next piece to see whether a \n follows it.
        if (c === 13 && i + 1 === n && !this.eof) break;
        given++;
        const stop = line(this.file.text(buf, this.start, i), this.base + this.start) === false;
        i += c === 13 && buf[i + 1] === 10 ? 2 : 1;
        this.start = i;
        if (stop) {
          this.done = true;
          break;
        }
      }
      this.i = i;
      if (this.done || given >= max) break;
      if (this.eof) {
        // The last line (empty after a final line break, as splitLines gives it).
        line(this.file.text(buf, this.start, n), this.base + this.start);
        this.done = true;
        break;
      }
      const got = this.file.read(this.pos, CHUNK);
      this.pos += got.length;
      this.eof = got.length === 0;
      // Carry the unfinished line over into the next piece.
      const carry = buf.subarray(this.start);
      this.buf = carry.length ? concat(carry, got) : got;
      this.base += this.start;
      this.i -= this.start;
      this.start = 0;
    }
    return this.done;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
