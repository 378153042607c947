/**
 * Streamed replay: a trace of any size, a line at a time, in bounded memory. What is kept is the
 * model's state, the multi-vCPU judge's window (serial.ts) and the diagnostics not yet released
 * (report.ts); records are replayed and dropped as they come.
 *
 * Three things the whole-file replay (replay.ts) decides from the whole trace are decided here
 * from a look ahead of the first `lookahead` lines (or fewer, when the input pauses, `settle`):
 * the format (a QEMU log if a line is a QEMU trace event), the configuration (inferred from the ID
 * registers read, unless one is given) and whether the model predicts the commands (memory
 * records). The look ahead closes at once when nothing is left to decide: a QEMU log with a
 * configuration given, or with every ID register read. On a trace no longer than the look ahead,
 * the streamed replay reports exactly what the whole-file replay does (a property test checks
 * it); past it, a `trace.window` note says where a later line would have changed a decision.
 */
import type { Range, ScriptDiagnostic } from '../base/diagnostics';
import type { ResolvedConfig } from '../config/types';
import { ID_REGISTERS } from './infer';
import { LineTraceParser, scanAccess, scannedAccess } from './parse-line';
import { parseQemuLines, type QemuParse } from './parse-qemu';
import { GROUP, Replayer, startReplay, summarize, type Adoption, type LineReplay, type ReplaySummary } from './replay';
import { ReportOrder, Tally } from './report';
import type { SerialOptions } from './serial';
import type { TraceDiagnostic, TraceFormat, TraceRecord } from './types';

/** Lines read before the format, the configuration and command prediction are decided. */
export const LOOKAHEAD_LINES = 10_000;

/** The multi-vCPU window: a diverging read is judged this many lines after it at the latest. */
export const DEFAULT_SERIAL: SerialOptions = { window: 16_384, keep: 20_000 };

/** A trace's `config "FILE"` line, loaded by the caller (it knows the files). */
export interface ConfigLineLoad {
  readonly config?: ResolvedConfig;
  readonly configPath?: string;
  readonly diagnostics: readonly ScriptDiagnostic[];
}

export interface TraceStreamOptions {
  /** The format, when known; otherwise decided from the look ahead. */
  readonly format?: TraceFormat;
  /** Replay against this configuration (`--config`), with problems loading it. */
  readonly config?: ResolvedConfig;
  readonly configSource?: string;
  readonly configPath?: string;
  readonly configDiagnostics?: readonly ScriptDiagnostic[];
  /** Load the configuration a `config` line names (a `.smmutrace`'s own), when none is given. */
  readonly loadConfigLine?: (c: { readonly path: string; readonly range: Range }) => ConfigLineLoad;
  readonly maxGuestMemory?: number;
  /**
   * The caller shows only the first this many diagnostics of each code: past them the replay
   * counts a diagnostic without making its message (ReplaySetup.maxMessages).
   */
  readonly maxMessages?: number;
  readonly lookahead?: number;
  readonly serial?: SerialOptions;
  /**
   * Whether the trace has guest memory records, when the caller knows it in advance (`smmu qemu`
   * knows from the program whether the guest reports stores): with the format and the
   * configuration given, nothing is left to look ahead for.
   */
  readonly hasMemory?: boolean;
  /**
   * Replay the commonest access lines without making a record when the model's fast path takes
   * them (scanAccess, Replayer.fastLine); default true. The property tests turn it off to
   * compare.
   */
  readonly fastLines?: boolean;
}

export interface TraceStreamSink {
  /** Each diagnostic, in trace order, once final. */
  diagnostic(d: TraceDiagnostic): void;
  /** Both sides of each access, as replayed (optional). */
  line?(l: LineReplay): void;
  /** The registers the model took from the emulation at a line (the step debugger, optional). */
  adopted?(line: number, a: Adoption): void;
  /** The look ahead closed: the format and configuration are known (before the first diagnostic). */
  started?(s: TraceStreamStart): void;
  /**
   * A diagnostic of `code` at `line` past its cap (`maxMessages`), in its place in trace order
   * (nothing before it is still held): true when the sink counted it without showing it, as
   * `diagnostic` would have; false, and it comes to `diagnostic` (with its message not made).
   */
  counted?(code: string, line: number): boolean;
}

export interface TraceStreamStart {
  readonly format: TraceFormat;
  readonly config: ResolvedConfig;
  readonly configSource: string;
  readonly configPath?: string;
}

export interface TraceStreamResult extends TraceStreamStart {
  readonly summary: ReplaySummary;
  /** Lines read. */
  readonly lines: number;
}

const QEMU_LINE = /^(?:\d+@\d+\.\d+:)?smmuv3_\w+ /;
const ID_OFFSETS = new Map(ID_REGISTERS.map((r) => [r.offset, r.name]));

export class TraceStream {
  private n = 0;
  /** Raw lines of the look ahead, while it is open. */
  private ahead: string[] | undefined = [];
  private qemuSeen = false;
  private format: TraceFormat | undefined;
  private lineParser?: LineTraceParser;
  private qemuOut?: QemuParse;
  private rp?: Replayer;
  private start?: TraceStreamStart;
  private readonly order: ReportOrder;
  private readonly tally = new Tally();
  private records = 0;
  private readonly vcpus = new Set<number>();
  /** What the look ahead decided and a later line contradicted, said once each. */
  private readonly noted = new Set<string>();
  private idsRead?: Set<string>;
  private hasMemory = false;
  private inferred = false;
  private readonly lookahead: number;
  /** Lines of the look ahead already parsed (a QEMU log's, to see its ID reads as they come). */
  private parsedAhead?: number;
  /** The line after the look ahead. */
  private closedAt = 0;
  private readonly fastLines: boolean;
  /** The access line scanAccess read last. */
  private readonly scanned = scannedAccess();
  /** What release() let go: lines before it are final (finalLine). */
  private released = 0;

  constructor(
    private readonly options: TraceStreamOptions,
    private readonly sink: TraceStreamSink,
  ) {
    this.order = new ReportOrder(
      (d) => {
        this.tally.add(d);
        sink.diagnostic(d);
      },
      // A multi-vCPU judgement past its code's cap, released in its place: counted as `counted` does.
      sink.counted
        ? (code, severity, line) => {
            if (!this.tally.countable(code, severity) || !sink.counted?.(code, line)) return false;
            this.tally.count(code, severity);
            return true;
          }
        : undefined,
    );
    this.lookahead = options.lookahead ?? LOOKAHEAD_LINES;
    this.format = options.format;
    this.fastLines = options.fastLines ?? true;
  }

  /** Lines read so far. */
  get lineCount(): number {
    return this.n;
  }

  get recordCount(): number {
    return this.records;
  }

  /**
   * Lines before this one are judged for good: their diagnostics have all been given to the sink
   * (none is held back, report.ts) and their records replayed, so no later line changes what the
   * sink was told about them. 0 while the look ahead is open; it lags the lines read by the oldest
   * read the multi-vCPU judge still holds (at most its window, DEFAULT_SERIAL). The step debugger
   * stops on a record only once it is final (core/debug/trace-window.ts).
   */
  get finalLine(): number {
    return this.released;
  }

  /** The look ahead found guest memory records: the model consumes the commands itself (decided when it closed). */
  get predictsCommands(): boolean {
    return this.hasMemory;
  }

  /** The next line of the trace, without its line break. */
  push(text: string): void {
    const n = this.n++;
    if (this.ahead) {
      this.ahead.push(text);
      if (!this.format && QEMU_LINE.test(text)) this.qemuSeen = true;
      if (this.ahead.length >= this.lookahead || this.decided()) this.close();
      return;
    }
    this.parse(text, n);
    this.release();
  }

  /** The input paused: decide from what was read (a live trace shows its divergences). */
  settle(): void {
    if (this.ahead) this.close();
  }

  /** The trace ended. */
  end(): TraceStreamResult {
    if (this.ahead) this.close();
    this.rp?.serial.end();
    this.order.release(Infinity);
    this.released = this.n;
    const start = this.start as TraceStreamStart;
    return {
      ...start,
      summary: summarize(this.tally, this.records, this.rp, [...this.vcpus]),
      lines: this.n,
    };
  }

  /** Nothing left for the look ahead to decide: everything given, or a QEMU log (no memory records) whose configuration is known. */
  private decided(): boolean {
    if (this.options.hasMemory !== undefined && this.options.config && this.format) return true;
    if ((this.format ?? (this.qemuSeen ? 'qemu' : undefined)) !== 'qemu') return false;
    if (this.options.config) return true;
    // Every ID register read: the inference has all it uses (first reads only).
    if (!this.qemuOut) {
      this.qemuOut = { records: [], diagnostics: [], ignored: 0 };
      this.idsRead = new Set();
    }
    // Parse the look ahead's QEMU lines as they come, to see the ID reads (kept for the close).
    const ahead = this.ahead as string[];
    const parsed = this.qemuOut.records.length;
    const out = this.qemuOut;
    const first = this.n - ahead.length;
    const from = (this.parsedAhead ??= 0);
    parseQemuLines(ahead.slice(from), first + from, out);
    this.parsedAhead = ahead.length;
    for (let i = parsed; i < out.records.length; i++) {
      const r = out.records[i] as TraceRecord;
      if (r.kind === 'access' && r.dir === 'R' && !r.abort && r.size === 4) {
        const name = ID_OFFSETS.get(r.offset);
        if (name) this.idsRead?.add(name);
      }
    }
    return (this.idsRead?.size ?? 0) === ID_REGISTERS.length;
  }

  /** Decide the format, the configuration and command prediction; replay the look ahead. */
  private close(): void {
    const ahead = this.ahead as string[];
    this.ahead = undefined;
    const first = this.n - ahead.length;
    const format: TraceFormat = this.format ?? (this.qemuSeen ? 'qemu' : 'smmutrace');
    this.format = format;
    let records: TraceRecord[];
    if (format === 'qemu') {
      const out = this.qemuOut ?? { records: [], diagnostics: [], ignored: 0 };
      parseQemuLines(ahead.slice(this.parsedAhead ?? 0), first + (this.parsedAhead ?? 0), out);
      this.qemuOut = { records: [], diagnostics: [], ignored: out.ignored };
      records = out.records;
      for (const d of out.diagnostics) this.order.add({ ...d, line: d.range.start.line }, GROUP.parse);
    } else {
      const p = (this.lineParser = new LineTraceParser());
      for (let i = 0; i < ahead.length; i++) p.line(ahead[i] as string, first + i);
      records = p.records.splice(0);
      for (const d of p.diagnostics.splice(0)) this.order.add({ ...d, line: d.range.start.line }, GROUP.parse);
    }
    const o = this.options;
    let config = o.config;
    let configSource = o.configSource;
    let configPath = o.configPath;
    const configDiagnostics = [...(o.configDiagnostics ?? [])];
    const own = this.lineParser?.config;
    if (!config && own && o.loadConfigLine) {
      const loaded = o.loadConfigLine(own);
      configDiagnostics.push(...loaded.diagnostics);
      if (loaded.config) {
        config = loaded.config;
        configPath = loaded.configPath;
        configSource = loaded.configPath;
      }
    }
    const started = startReplay(records, { config, configSource, configDiagnostics }, (d, g) => this.order.add(d, g));
    this.start = {
      format,
      config: started.config,
      configSource: started.configSource,
      ...(configPath && config ? { configPath } : {}),
    };
    this.sink.started?.(this.start);
    this.hasMemory = o.hasMemory ?? records.some((r) => r.kind === 'memory');
    this.inferred = started.setup?.inferredIds ?? false;
    if (this.inferred) this.idsRead = new Set(started.setup?.firstIdReads.keys());
    if (started.setup)
      this.rp = new Replayer(
        {
          ...started.setup,
          hasMemory: this.hasMemory,
          serial: o.serial ?? DEFAULT_SERIAL,
          ...(o.maxGuestMemory !== undefined ? { maxGuestMemory: o.maxGuestMemory } : {}),
          ...(o.maxMessages !== undefined ? { maxMessages: o.maxMessages } : {}),
        },
        {
          diagnostic: (d, g) => this.order.add(d, g),
          replace: (old, d) => this.order.replace(old, d),
          replaceUnshown: (old, u) => this.order.replaceUnshown(old, u),
          ...(this.sink.counted ? { counted: (code, severity, line) => this.counted(code, severity, line) } : {}),
          ...(this.sink.line ? { line: this.sink.line } : {}),
          ...(this.sink.adopted ? { adopted: this.sink.adopted } : {}),
        },
      );
    this.closedAt = this.n;
    for (const r of records) this.replay(r, false);
    this.release();
  }

  private parse(text: string, n: number): void {
    if (this.format === 'qemu') {
      const out = this.qemuOut as QemuParse;
      parseQemuLines([text], n, out);
      if (out.diagnostics.length)
        for (const d of out.diagnostics.splice(0)) this.order.add({ ...d, line: d.range.start.line }, GROUP.parse);
      if (out.records.length) for (const r of out.records.splice(0)) this.replay(r, true);
      return;
    }
    const p = this.lineParser as LineTraceParser;
    if (this.fastLines && this.rp && !p.based && scanAccess(text, this.scanned)) {
      if (this.fastLine(this.rp, p, n, text.length)) return;
      // The record the parser would make of the line, from what the scan read.
      this.replay(p.scanned(this.scanned, text, n), true);
      return;
    }
    p.line(text, n);
    if (p.diagnostics.length)
      for (const d of p.diagnostics.splice(0)) this.order.add({ ...d, line: d.range.start.line }, GROUP.parse);
    if (p.records.length) for (const r of p.records.splice(0)) this.replay(r, true);
    else if (!this.noted.has('qemu') && QEMU_LINE.test(text)) this.late('qemu', n, 'a QEMU trace event');
  }

  /**
   * An access line the model's fast path takes, replayed without a record: what `replay` does
   * with the record the parser would make of it (a property test checks it). False, with nothing
   * done, when the line needs the record.
   */
  private fastLine(rp: Replayer, p: LineTraceParser, n: number, length: number): boolean {
    const a = this.scanned;
    // The first read of an ID register the look ahead did not see gets a note (`replay`).
    if (this.inferred && a.dir === 'R' && a.size === 4) {
      const name = ID_OFFSETS.get(a.offset);
      if (name && !this.idsRead?.has(name) && !this.noted.has(name)) return false;
    }
    rp.serial.due(n);
    if (!rp.fastLine(a, n, length)) return false;
    p.counted();
    this.records++;
    if (a.vcpu >= 0) this.vcpus.add(a.vcpu);
    return true;
  }

  private replay(r: TraceRecord, late: boolean): void {
    this.records++;
    if (r.kind === 'access' && r.vcpu !== undefined) this.vcpus.add(r.vcpu);
    if (late) {
      if (r.kind === 'memory' && !this.hasMemory && !this.noted.has('memory'))
        this.late('memory', r.line, 'a memory record');
      else if (this.inferred && r.kind === 'access' && r.dir === 'R' && r.size === 4) {
        const name = ID_OFFSETS.get(r.offset);
        if (name && !this.idsRead?.has(name) && !this.noted.has(name))
          this.late(name, r.line, `the first read of SMMU_${name}`);
      }
    }
    // Reads whose window closed before this line are judged on what came before it, as when the
    // lines arrive one by one (the look ahead's records are replayed in one go when it closes).
    this.rp?.serial.due(r.line);
    this.rp?.record(r);
  }

  /**
   * A diagnostic past its code's cap, counted without an object: only when nothing is held (so
   * it would be released next, after everything before it), it is not the summary's first
   * divergence, and the sink would not show it. False: the replay makes the diagnostic.
   */
  private counted(code: string, severity: TraceDiagnostic['severity'], line: number): boolean {
    if (this.order.size !== 0 || !this.tally.countable(code, severity) || !this.sink.counted?.(code, line))
      return false;
    this.tally.count(code, severity);
    return true;
  }

  /** A line after the look ahead that would have changed what it decided. */
  private late(what: string, line: number, thing: string): void {
    this.noted.add(what);
    const decided =
      what === 'qemu'
        ? 'the trace is in the line format'
        : what === 'memory'
          ? 'the trace has no guest memory, so the model does not consume the commands itself'
          : `SMMU_${what} was not read, so the configuration has it as 0`;
    const at = { start: { line, character: 0 }, end: { line, character: 0 } };
    this.order.add(
      {
        severity: 'info',
        code: 'trace.window',
        message: `${thing} after the look ahead of lines 1–${this.closedAt}: the replay decided from those lines that ${decided}, and does not change that (give --config${what === 'qemu' ? ', or put the QEMU events first' : ''})`,
        range: at,
        line,
      },
      GROUP.replay,
    );
  }

  /** Release what no later line can precede: up to this line, or the oldest read the multi-vCPU judge holds. */
  private release(): void {
    const rp = this.rp;
    if (rp) rp.serial.due(this.n);
    const held = rp?.serial.oldest();
    this.released = held === undefined ? this.n : Math.min(held, this.n);
    this.order.release(this.released);
  }
}
