/**
 * A trace of any size in the step debugger, in bounded memory (issue #19): the file is read once
 * at launch, a slice of lines at a time (WindowedLoad: the debug adapter reports progress and
 * answers requests between slices), and never held whole. Each line goes to two things:
 *
 * 1. The streamed replay (core/trace/stream.ts, what `smmu replay` runs) judges it a line at a
 *    time. What the debugger keeps of it is small: per line one byte of flags (a divergence, a
 *    finding, the model differing from the emulation), the first `keep` findings and
 *    differing accesses in full, a code for each finding past them, and the registers the model
 *    took from the emulation (16 bytes each, docs/performance.md gives the figures).
 * 2. An index (Indexer): the byte offset, line and parser state of every `window`-th record's
 *    line. It was a second pass over the file; built in the replay's pass, the launch reads the
 *    file once.
 *
 * A record is then read back on demand: its window (the records between two index entries) is
 * parsed again from the file, and the last two windows read are kept. The file's stamp (size and
 * modification time) is checked at each read: a trace changed or truncated while it is debugged
 * is said in words (TraceFileError), never shown wrong.
 *
 * The debugger need not wait for the end of the pass (WindowedLoad.ready): once the replay has
 * started, the trace's records are those the replay has judged for good (TraceStream.finalLine:
 * no later line changes their findings, a multi-vCPU verdict included), and `count` grows as the
 * pass goes on, a slice at a time, while the user debugs. Until the pass ends (`complete`) the
 * total record count and the summary are not known, and are said to be pending.
 */
import type { ResolvedConfig } from '../config/types';
import type { TraceStreamOptions, TraceStreamResult, TraceStreamSink } from '../trace/stream';
import { TraceStream, type ConfigLineLoad } from '../trace/stream';
import { LineTraceParser, scanAccess, scannedAccess } from '../trace/parse-line';
import { parseQemuLines, type QemuParse } from '../trace/parse-qemu';
import type { Adoption, LineReplay, ReplaySummary } from '../trace/replay';
import type { TraceDiagnostic, TraceFormat, TraceRecord } from '../trace/types';
import type { RegisterName } from '../registers/types';
import type { IdView } from '../registers/codec';
import { agreedLine, lowerBound, type LoadProgress, type TraceData } from './trace-data';
import { LineReader, readLines, TraceFileError, type RandomAccessFile } from './trace-file';

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

/** What the streamed replay is given: the configuration, or how to load the trace's own `config` line. */
export type WindowedStream = Pick<
  TraceStreamOptions,
  'config' | 'configSource' | 'configPath' | 'configDiagnostics'
> & {
  readonly loadConfigLine?: (c: { readonly path: string; readonly range: TraceDiagnostic['range'] }) => ConfigLineLoad;
};

export type { LoadProgress } from './trace-data';

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
  /** Records judged for good: all of them once `complete`, those before the replay's final line until then. */
  count = 0;
  config!: ResolvedConfig;
  configSource = '';
  /** The replay's summary: undefined until the pass has read the whole file. */
  summary: ReplaySummary | undefined;
  /** The pass has read the whole file (or was cancelled: `cancelledAt`); `count` is all there is. */
  complete = false;
  /** The pass was cancelled after the debugging began: lines from this one on were never replayed. */
  cancelledAt: number | undefined;
  /** The debugging began before the pass ended (WindowedLoad.ready). */
  debuggedBeforeEnd = false;
  /** How far the pass is (lines read, of bytes), while it goes on. */
  progress: LoadProgress | undefined;
  consumes = false;
  format: TraceFormat = 'smmutrace';
  private stampAtLaunch = '';
  readonly window: number;
  readonly keep: number;

  private constructor(
    private readonly file: RandomAccessFile,
    readonly path: string,
    options: WindowedOptions,
  ) {
    this.window = Math.max(1, Math.floor(options.window ?? DEFAULT_WINDOW));
    this.keep = options.keep ?? DEFAULT_KEEP;
  }

  get note(): string {
    return this.complete
      ? `; windowed: ${this.starts.length.toLocaleString('en-US')} windows of ${this.window.toLocaleString('en-US')} records read back from the file as stepped`
      : `; windowed: windows of ${this.window.toLocaleString('en-US')} records read back from the file as stepped`;
  }

  /**
   * Start replaying and indexing the trace in `file`; the WindowedLoad reads it a slice at a time.
   * `stream.loadConfigLine` loads the trace's own `config` line, `stream.config` is `--config`
   * (launch `config`) when there is one.
   */
  static begin(
    file: RandomAccessFile,
    path: string,
    stream: WindowedStream,
    options: WindowedOptions = {},
  ): WindowedLoad | string {
    const t = new WindowedTrace(file, path, options);
    const stamp = file.stamp();
    if (typeof stamp !== 'string') return `${path}: cannot be read: ${stamp.unreadable}`;
    t.stampAtLaunch = stamp;
    return new WindowedLoad(t, file, stream, (s) => t.sink(s));
  }

  /** What the streamed replay tells the debugger: its findings, the accesses the model differed on, its adoptions. */
  sink(load: { fatal?: TraceDiagnostic; format?: TraceFormat }): TraceStreamSink {
    return {
      diagnostic: (d) => {
        if (!load.fatal && d.severity === 'error' && (d.code === 'trace.syntax' || d.code === 'trace.config-late'))
          load.fatal = d;
        this.noteFinding(d);
      },
      line: (l) => {
        if (l.model === l.emulation) return;
        this.flags.or(l.record.line, F_DIFFERS);
        if (this.differing.size < this.keep) this.differing.set(l.record.line, l);
      },
      adopted: (line, a) => this.noteAdoption(line, a),
      // The format is known: the index of the other format is dropped (Indexer).
      started: (st) => (load.format = st.format),
    };
  }

  /** The end of the pass: the replay's figures, and the index (the pass is over: no more lines). */
  finish(end: TraceStreamResult, consumes: boolean, starts: WindowStart[], count: number): void {
    this.config = end.config;
    this.configSource = end.configSource;
    this.summary = end.summary;
    this.format = end.format;
    this.consumes = consumes;
    // A window start past the last record (trailing lines) has nothing to read.
    while (starts.length > 1 && (starts[starts.length - 1] as WindowStart).record >= count) starts.pop();
    this.starts = starts;
    this.count = count;
    this.complete = true;
    this.progress = undefined;
    // A window read while the pass went on may have been cut at the count then.
    this.cache.clear();
  }

  /**
   * The replay has started (its configuration is known): the records judged so far are `count`,
   * read back through `starts`, the index as the pass builds it (window starts past `count`
   * are there already: a window is read back only up to `count`).
   */
  grow(
    start: { config: ResolvedConfig; configSource: string; format: TraceFormat },
    consumes: boolean,
    starts: WindowStart[],
    count: number,
  ): void {
    this.config = start.config;
    this.configSource = start.configSource;
    this.format = start.format;
    this.consumes = consumes;
    this.starts = starts;
    if (count !== this.count) {
      // The last window read while the pass went on may have been cut at the old count.
      const last = this.windowOf(Math.max(0, this.count - 1));
      this.cache.delete(last);
      this.count = count;
    }
  }

  /** The pass stopped before the end of the file (cancelled): the records judged so far are all there is. */
  cut(line: number): void {
    this.complete = true;
    this.cancelledAt = line;
    this.progress = undefined;
    const starts = this.starts;
    while (starts.length > 1 && (starts[starts.length - 1] as WindowStart).record >= this.count) starts.pop();
  }

  /** The file is as it was when the launch began (not changed while it was read). */
  unchanged(): boolean {
    return this.file.stamp() === this.stampAtLaunch;
  }

  /** Findings kept, of every line (the launch's refusal for a trace without a configuration). */
  keptFindings(): TraceDiagnostic[] {
    return [...this.kept.values()].flat();
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
    if (!this.starts.length) return 0;
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
    // Only the records judged so far (`count`): the index may be ahead of them while the pass goes on.
    for (; k < this.starts.length && (this.starts[k] as WindowStart).record < this.count; k++) {
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

/**
 * The index, built in the replay's pass: the start of every `window`-th record's line. The format
 * is the replay's to decide (from its look ahead, stream.ts), so until it has, both formats' index
 * is kept (the look ahead's lines at most); then the other is dropped.
 */
class Indexer {
  private readonly p = new LineTraceParser();
  private readonly scanned = scannedAccess();
  private lineRecords = 0;
  private nextLine = 0;
  private lineStarts: WindowStart[] | undefined = [];
  private readonly q: QemuParse = { records: [], diagnostics: [], ignored: 0 };
  private qemuRecords = 0;
  private nextQemu = 0;
  private qemuStarts: WindowStart[] | undefined = [];
  private decided = false;

  constructor(private readonly window: number) {}

  /** Line `n`, at byte `offset`, for each format still possible. */
  line(text: string, n: number, offset: number): void {
    const starts = this.lineStarts;
    if (starts) {
      const p = this.p;
      if (this.lineRecords >= this.nextLine) {
        starts.push({ record: this.lineRecords, line: n, offset, base: p.position.base });
        this.nextLine = this.lineRecords + this.window;
      }
      // The replay's own shortcut (stream.ts): the commonest line is one record, without parsing it.
      if (!p.based && scanAccess(text, this.scanned)) {
        p.counted();
        this.lineRecords++;
      } else {
        p.line(text, n);
        this.lineRecords += p.records.length;
        p.records.length = 0;
        p.diagnostics.length = 0;
      }
    }
    const qs = this.qemuStarts;
    if (qs) {
      if (this.qemuRecords >= this.nextQemu) {
        qs.push({ record: this.qemuRecords, line: n, offset, base: 0n });
        this.nextQemu = this.qemuRecords + this.window;
      }
      if (text.trim()) parseQemuLines([text], n, this.q);
      this.qemuRecords += this.q.records.length;
      this.q.records.length = 0;
      this.q.diagnostics.length = 0;
    }
  }

  /** Records before the next line, in each format (-1 for a format whose index was dropped). */
  get lineRecordsSoFar(): number {
    return this.lineRecords;
  }
  get qemuRecordsSoFar(): number {
    return this.qemuRecords;
  }

  /** The replay decided the format: the other's index is dropped. */
  decide(format: TraceFormat): void {
    if (this.decided) return;
    this.decided = true;
    if (format === 'qemu') this.lineStarts = undefined;
    else this.qemuStarts = undefined;
  }

  result(format: TraceFormat): { starts: WindowStart[]; count: number } {
    return format === 'qemu'
      ? { starts: this.qemuStarts ?? [], count: this.qemuRecords }
      : { starts: this.lineStarts ?? [], count: this.lineRecords };
  }
}

/**
 * A windowed launch under way: the one pass through the file (the streamed replay and the index),
 * `step` by `step`, so that the caller can yield between slices (server/dap/session.ts reports
 * progress then, and may `cancel`).
 */
export class WindowedLoad {
  private readonly reader: LineReader;
  private readonly stream: TraceStream;
  private readonly indexer: Indexer;
  private readonly state: { fatal?: TraceDiagnostic; format?: TraceFormat } = {};
  private n = 0;
  /**
   * Per line read and not yet final (TraceStream.finalLine), the records before it in each format:
   * how many records are final once the replay's final line passes it. At most the lines the
   * replay holds back (its look ahead, or the multi-vCPU window), whatever the trace's size.
   */
  private pendLines: number[] = [];
  private pendLine: number[] = [];
  private pendQemu: number[] = [];
  private pendHead = 0;
  /** Records before the replay's final line, in each format. */
  private finalLineRecords = 0;
  private finalQemuRecords = 0;
  private started?: { config: ResolvedConfig; configSource: string; format: TraceFormat };

  constructor(
    private readonly t: WindowedTrace,
    private readonly file: RandomAccessFile,
    options: WindowedStream,
    sink: (state: { fatal?: TraceDiagnostic; format?: TraceFormat }) => TraceStreamSink,
  ) {
    this.reader = new LineReader(file, 0);
    const s = sink(this.state);
    this.stream = new TraceStream(
      { ...options, maxMessages: t.keep },
      { ...s, started: (st) => ((this.started = st), s.started?.(st)) },
    );
    this.indexer = new Indexer(t.window);
  }

  get progress(): LoadProgress {
    return { lines: this.n, records: this.stream.recordCount, bytes: this.reader.offset, size: this.file.size };
  }

  /** Read up to `lines` more lines: the launch once the file is read, undefined while lines are left. */
  step(lines: number): WindowedLaunch | undefined {
    const done = this.reader.read(lines, (text, offset) => {
      this.pendLines.push(this.n);
      this.pendLine.push(this.indexer.lineRecordsSoFar);
      this.pendQemu.push(this.indexer.qemuRecordsSoFar);
      this.indexer.line(text, this.n, offset);
      this.stream.push(text);
      if (this.state.format) this.indexer.decide(this.state.format);
      this.n++;
    });
    if (done) return this.end();
    this.settle();
    return undefined;
  }

  /** The records before the replay's final line are final: the trace being debugged has them. */
  private settle(): void {
    const final = this.stream.finalLine;
    const lines = this.pendLines;
    let h = this.pendHead;
    while (h < lines.length && (lines[h] as number) < final) h++;
    // Line `final` is the first not final (the lines are consecutive): the records before it are.
    if (h < lines.length) {
      this.finalLineRecords = this.pendLine[h] as number;
      this.finalQemuRecords = this.pendQemu[h] as number;
    } else {
      this.finalLineRecords = this.indexer.lineRecordsSoFar;
      this.finalQemuRecords = this.indexer.qemuRecordsSoFar;
    }
    this.pendHead = h;
    if (h > 4096 && h * 2 > lines.length) {
      lines.splice(0, h);
      this.pendLine.splice(0, h);
      this.pendQemu.splice(0, h);
      this.pendHead = 0;
    }
    const st = this.started;
    if (!st || this.state.fatal) return;
    const { starts } = this.indexer.result(st.format);
    const count = st.format === 'qemu' ? this.finalQemuRecords : this.finalLineRecords;
    this.t.grow(st, this.stream.predictsCommands, starts, count);
    this.t.progress = this.progress;
  }

  /**
   * The trace, before the pass ends, once it can be debugged: the replay has started, judged a
   * record for good, and found nothing that makes the trace undebuggable so far. A trace whose
   * configuration is missing (`trace.config`) waits for the end, which refuses it.
   */
  ready(): WindowedTrace | undefined {
    const st = this.started;
    if (!st || this.state.fatal || st.configSource === 'none' || this.t.count < 1) return undefined;
    this.t.debuggedBeforeEnd = true;
    return this.t;
  }

  /** Stop before the end: the file is closed. */
  cancel(): void {
    this.t.close();
  }

  /**
   * Stop before the end while the trace is debugged: the records judged so far stay (the file
   * stays open); the rest of the file is never replayed.
   */
  stopHere(): void {
    this.t.cut(this.stream.finalLine);
  }

  /** The first problem that makes the trace undebuggable, as soon as the replay reports it. */
  get fatal(): TraceDiagnostic | undefined {
    return this.state.fatal;
  }

  private end(): WindowedLaunch {
    const t = this.t;
    const end = this.stream.end();
    const { starts, count } = this.indexer.result(end.format);
    t.finish(end, this.stream.predictsCommands, starts, count);
    if (this.state.fatal) return { fatal: this.state.fatal };
    const noConfig = t.keptFindings().find((d) => d.severity === 'error' && d.code === 'trace.config');
    if (noConfig && end.configSource === 'none') return { fatal: noConfig, configSource: end.configSource };
    if (!t.unchanged()) throw new TraceFileError(`${t.path} changed while it was read at launch; launch again`);
    // The index and the replay read the same lines: the same records, or the debugger would show the wrong ones.
    if (count !== end.summary.records)
      throw new Error(`the index of ${t.path} counts ${count} records, the replay ${end.summary.records}`);
    return { trace: t };
  }
}
