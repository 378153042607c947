/**
 * A trace of any size in the step debugger, in bounded memory (issue #19): the file is read twice
 * at launch and never held whole.
 *
 * 1. The streamed replay (core/trace/stream.ts, what `smmu replay` runs) judges it a line at a
 *    time. What the debugger keeps of it is small: per line one byte of flags (a divergence, a
 *    finding, the model differing from the emulation), the first `keep` findings and
 *    differing accesses in full, a code for each finding past them, and the registers the model
 *    took from the emulation (16 bytes each, docs/performance.md gives the figures).
 * 2. An index: the byte offset, line and parser state of every `window`-th record's line.
 *
 * A record is then read back on demand: its window (the records between two index entries) is
 * parsed again from the file, and the last two windows read are kept. The file's stamp (size and
 * modification time) is checked at each read: a trace changed or truncated while it is debugged
 * is said in words (TraceFileError), never shown wrong.
 */
import type { ResolvedConfig } from '../config/types';
import type { TraceStreamOptions } from '../trace/stream';
import { TraceStream, type ConfigLineLoad } from '../trace/stream';
import { LineTraceParser } from '../trace/parse-line';
import { parseQemuLines, type QemuParse } from '../trace/parse-qemu';
import type { Adoption, LineReplay, ReplaySummary } from '../trace/replay';
import type { TraceDiagnostic, TraceFormat, TraceRecord } from '../trace/types';
import type { RegisterName } from '../registers/types';
import type { IdView } from '../registers/codec';
import { agreedLine, lowerBound, type TraceData } from './trace-data';
import { readLines, TraceFileError, type RandomAccessFile } from './trace-file';

/** Records per window (the unit read back from the file). */
export const DEFAULT_WINDOW = 4096;
/** Findings and differing accesses kept in full; past them, a finding keeps its code only. */
export const DEFAULT_KEEP = 10_000;

/** Rules whose errors are divergences of the emulation (not the guest's own mistakes). */
export const DIVERGENCE = /^(replay|mvcpu)\./;

const F_DIVERGE = 1;
const F_FINDING = 2;
const F_DIFFERS = 4;
/** A finding at this line is past the kept ones: its code and severity are in `codes`. */
const F_NOT_KEPT = 8;
const F_ERROR = 16;
const F_WARNING = 32;

/** A byte array that grows (flags per line). */
class Bytes {
  data = new Uint8Array(1024);
  or(i: number, bits: number): void {
    if (i >= this.data.length) {
      const next = new Uint8Array(Math.max(i + 1, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[i] = (this.data[i] as number) | bits;
  }
  at(i: number): number {
    return this.data[i] ?? 0;
  }
}

/** Where a window starts: the line of its first record, the line's byte offset, and the parser's state there. */
interface WindowStart {
  readonly record: number;
  readonly line: number;
  readonly offset: number;
  readonly base: bigint;
}

export interface WindowedOptions {
  readonly window?: number;
  readonly keep?: number;
}

export interface WindowedLaunch {
  readonly trace?: WindowedTrace;
  /** The first problem that makes the trace undebuggable, with its line (0-based) and column. */
  readonly fatal?: TraceDiagnostic;
  readonly configSource?: string;
}

export class WindowedTrace implements TraceData {
  private readonly cache = new Map<number, readonly TraceRecord[]>();
  /** Adoptions in line order: lines, register names (by index into `names`) and values. */
  private adoptLines = new Int32Array(64);
  private adoptNames = new Uint16Array(64);
  private adoptValues = new BigUint64Array(64);
  private adoptCount = 0;
  private readonly names: RegisterName[] = [];
  private readonly flags = new Bytes();
  private readonly codes = new Bytes();
  private readonly codeNames: string[] = [];
  private readonly kept = new Map<number, TraceDiagnostic[]>();
  private readonly differing = new Map<number, LineReplay>();
  private starts: WindowStart[] = [];
  count = 0;
  config!: ResolvedConfig;
  configSource = '';
  summary!: ReplaySummary;
  consumes = false;
  format: TraceFormat = 'smmutrace';
  private stampAtLaunch = '';
  readonly window: number;
  private readonly keep: number;

  private constructor(
    private readonly file: RandomAccessFile,
    readonly path: string,
    options: WindowedOptions,
  ) {
    this.window = Math.max(1, Math.floor(options.window ?? DEFAULT_WINDOW));
    this.keep = options.keep ?? DEFAULT_KEEP;
  }

  get note(): string {
    return `; windowed: ${this.starts.length.toLocaleString('en-US')} windows of ${this.window.toLocaleString('en-US')} records read back from the file as stepped`;
  }

  /**
   * Replay and index the trace in `file`. `configLine` loads the trace's own `config` line, `given`
   * is `--config` (launch `config`) when there is one.
   */
  static open(
    file: RandomAccessFile,
    path: string,
    stream: Pick<TraceStreamOptions, 'config' | 'configSource' | 'configPath' | 'configDiagnostics'> & {
      readonly loadConfigLine?: (c: {
        readonly path: string;
        readonly range: TraceDiagnostic['range'];
      }) => ConfigLineLoad;
    },
    options: WindowedOptions = {},
  ): WindowedLaunch | string {
    const t = new WindowedTrace(file, path, options);
    const stamp = file.stamp();
    if (typeof stamp !== 'string') return `${path}: cannot be read: ${stamp.unreadable}`;
    t.stampAtLaunch = stamp;
    let fatal: TraceDiagnostic | undefined;
    const s = new TraceStream(
      { ...stream, maxMessages: t.keep },
      {
        diagnostic: (d) => {
          if (!fatal && d.severity === 'error' && (d.code === 'trace.syntax' || d.code === 'trace.config-late'))
            fatal = d;
          t.noteFinding(d);
        },
        line: (l) => {
          if (l.model === l.emulation) return;
          t.flags.or(l.record.line, F_DIFFERS);
          if (t.differing.size < t.keep) t.differing.set(l.record.line, l);
        },
        adopted: (line, a) => t.noteAdoption(line, a),
      },
    );
    readLines(file, 0, (text) => s.push(text));
    const end = s.end();
    t.config = end.config;
    t.configSource = end.configSource;
    t.summary = end.summary;
    t.format = end.format;
    t.consumes = s.predictsCommands;
    if (fatal) return { fatal };
    const noConfig = [...t.kept.values()].flat().find((d) => d.severity === 'error' && d.code === 'trace.config');
    if (noConfig && end.configSource === 'none') return { fatal: noConfig, configSource: end.configSource };
    t.index();
    if (t.count !== end.summary.records)
      throw new TraceFileError(
        `${path} changed while it was read at launch (${end.summary.records} records, then ${t.count}); launch again`,
      );
    return { trace: t };
  }

  private noteFinding(d: TraceDiagnostic): void {
    let bits = F_FINDING;
    if (d.severity === 'error' && DIVERGENCE.test(d.code)) bits |= F_DIVERGE;
    const list = this.kept.get(d.line);
    if (list) list.push(d);
    else if (this.kept.size < this.keep) this.kept.set(d.line, [d]);
    else if (!(this.flags.at(d.line) & F_NOT_KEPT)) {
      // Past the kept findings: the first one's code and severity only (the message is `smmu replay`'s to give).
      bits |= F_NOT_KEPT | (d.severity === 'error' ? F_ERROR : d.severity === 'warning' ? F_WARNING : 0);
      let c = this.codeNames.indexOf(d.code);
      if (c < 0 && this.codeNames.length < 255) c = this.codeNames.push(d.code) - 1;
      this.codes.or(d.line, c + 1);
    }
    this.flags.or(d.line, bits);
  }

  private noteAdoption(line: number, a: Adoption): void {
    let n = this.names.indexOf(a.register);
    if (n < 0) n = this.names.push(a.register) - 1;
    if (this.adoptCount === this.adoptLines.length) {
      const grow = <A extends Int32Array | Uint16Array | BigUint64Array>(x: A, make: (n: number) => A): A => {
        const y = make(x.length * 2);
        y.set(x as never);
        return y;
      };
      this.adoptLines = grow(this.adoptLines, (k) => new Int32Array(k));
      this.adoptNames = grow(this.adoptNames, (k) => new Uint16Array(k));
      this.adoptValues = grow(this.adoptValues, (k) => new BigUint64Array(k));
    }
    const i = this.adoptCount++;
    this.adoptLines[i] = line;
    this.adoptNames[i] = n;
    this.adoptValues[i] = a.value;
  }

  /** The second pass: where each window starts. */
  private index(): void {
    const starts: WindowStart[] = [];
    let n = 0;
    let next = 0;
    const p = new LineTraceParser();
    const q: QemuParse = { records: [], diagnostics: [], ignored: 0 };
    readLines(this.file, 0, (text, offset) => {
      const before = this.format === 'qemu' ? this.count : p.position.records;
      if (before >= next) {
        starts.push({ record: before, line: n, offset, base: p.position.base });
        next = before + this.window;
      }
      if (this.format === 'qemu') {
        if (text.trim()) parseQemuLines([text], n, q);
        this.count += q.records.length;
        q.records.length = 0;
        q.diagnostics.length = 0;
      } else {
        p.line(text, n);
        p.records.length = 0;
        p.diagnostics.length = 0;
      }
      n++;
    });
    if (this.format !== 'qemu') this.count = p.position.records;
    // A window start past the last record (trailing lines) has nothing to read.
    while (starts.length > 1 && (starts[starts.length - 1] as WindowStart).record >= this.count) starts.pop();
    this.starts = starts;
  }

  private check(): void {
    const now = this.file.stamp();
    if (typeof now !== 'string')
      throw new TraceFileError(`${this.path} cannot be read any more (${now.unreadable}); launch again`);
    if (now !== this.stampAtLaunch)
      throw new TraceFileError(
        `${this.path} changed on disk since the debugger read it at launch (${this.stampAtLaunch} then, ${now} now): the records are read back from the file as they are stepped, so the session cannot go on; launch again to debug the trace as it is now`,
      );
  }

  /** The records of window `k`, parsed again from the file. */
  private windowAt(k: number): readonly TraceRecord[] {
    const hit = this.cache.get(k);
    if (hit) return hit;
    this.check();
    const s = this.starts[k] as WindowStart;
    const end = this.starts[k + 1]?.record ?? this.count;
    const need = end - s.record;
    const out: TraceRecord[] = [];
    let n = s.line;
    const p = new LineTraceParser();
    p.resume({ base: s.base, records: s.record });
    const q: QemuParse = { records: out, diagnostics: [], ignored: 0 };
    readLines(this.file, s.offset, (text) => {
      if (this.format === 'qemu') {
        if (text.trim()) parseQemuLines([text], n, q);
        q.diagnostics.length = 0;
      } else {
        p.line(text, n);
        for (const r of p.records) out.push(r);
        p.records.length = 0;
        p.diagnostics.length = 0;
      }
      n++;
      return out.length < need;
    });
    if (out.length < need)
      throw new TraceFileError(
        `${this.path} is shorter than when the debugger read it at launch: record ${end.toLocaleString('en-US')} is gone (the file was truncated); launch again`,
      );
    out.length = need;
    // The two windows read last: stepping across a boundary, and back, reads nothing again.
    if (this.cache.size >= 2) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(k, out);
    return out;
  }

  private windowOf(i: number): number {
    return lowerBound(this.starts.length, (k) => (this.starts[k] as WindowStart).record, i + 1) - 1;
  }

  record(i: number): TraceRecord | undefined {
    if (i < 0 || i >= this.count) return undefined;
    const k = this.windowOf(i);
    return this.windowAt(k)[i - (this.starts[k] as WindowStart).record];
  }

  recordAtOrAfter(line: number): number | undefined {
    // The window whose first line is at or before `line`, then forward through the records.
    let k = Math.max(0, lowerBound(this.starts.length, (j) => (this.starts[j] as WindowStart).line, line + 1) - 1);
    for (; k < this.starts.length; k++) {
      const w = this.windowAt(k);
      const at = lowerBound(w.length, (j) => (w[j] as TraceRecord).line, line);
      if (at < w.length) return (this.starts[k] as WindowStart).record + at;
    }
    return undefined;
  }

  findings(line: number): readonly TraceDiagnostic[] {
    const list = this.kept.get(line) ?? [];
    const f = this.flags.at(line);
    if (!(f & F_NOT_KEPT)) return list;
    const code = this.codeNames[this.codes.at(line) - 1] ?? 'replay';
    const at = { start: { line, character: 0 }, end: { line, character: 0 } };
    return [
      ...list,
      {
        severity: f & F_ERROR ? 'error' : f & F_WARNING ? 'warning' : 'info',
        code,
        message: `a finding of rule ${code} past the first ${this.keep.toLocaleString('en-US')} the debugger keeps in full (\`smmu replay\` gives its message)`,
        range: at,
        line,
      },
    ];
  }

  lineReplay(rec: TraceRecord, ids: IdView): LineReplay | undefined {
    const kept = this.differing.get(rec.line);
    if (kept) return kept;
    // An access the model did not differ on: both sides are the trace's value.
    return this.flags.at(rec.line) & F_DIFFERS ? undefined : agreedLine(rec, this.config, ids);
  }

  adoptions(line: number): readonly Adoption[] {
    const out: Adoption[] = [];
    const n = this.adoptCount;
    for (let i = lowerBound(n, (k) => this.adoptLines[k] as number, line); i < n && this.adoptLines[i] === line; i++)
      out.push({
        register: this.names[this.adoptNames[i] as number] as RegisterName,
        value: this.adoptValues[i] as bigint,
      });
    return out;
  }

  close(): void {
    this.file.close();
  }
}
