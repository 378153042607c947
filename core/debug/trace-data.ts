/**
 * What the trace debugger (trace-program.ts) asks of a trace and its replay: the records by
 * number, and per line the replay's findings, both sides of an access and the registers the model
 * took from the emulation. Two sources give it: the whole replay in memory (a small trace, this
 * file) and a windowed trace that re-reads the file a window of records at a time
 * (trace-window.ts, a trace of any size).
 */
import type { ResolvedConfig } from '../config/types';
import { decodeAccess } from '../model/decode-access';
import type { IdView } from '../registers/codec';
import type { TraceCheck } from '../trace/check';
import type { Adoption, LineReplay, ReplaySummary } from '../trace/replay';
import type { TraceDiagnostic, TraceRecord } from '../trace/types';

/** How far a launch's pass through the file is (a windowed trace, trace-window.ts). */
export interface LoadProgress {
  readonly lines: number;
  readonly records: number;
  /** Bytes of the lines read, of `size`. */
  readonly bytes: number;
  readonly size: number;
}

export interface TraceData {
  readonly config: ResolvedConfig;
  /** Where the configuration came from (a file, the trace's ID register reads, a preset). */
  readonly configSource: string;
  /** The replay's summary: undefined while the replay goes on (a windowed trace debugged before its end). */
  readonly summary: ReplaySummary | undefined;
  /** Records in the trace: those the replay has judged for good, while it goes on (`complete` false). */
  readonly count: number;
  /** The replay has read the whole trace (or was cancelled: `cancelledAt`): `count` is all the records there are. */
  readonly complete: boolean;
  /** The replay was cancelled while the trace was debugged: it never read this 0-based line or later ones. */
  readonly cancelledAt?: number | undefined;
  /** The debugging began before the replay's end (the "Trace replay" scope says how far it is). */
  readonly debuggedBeforeEnd?: boolean;
  /** How far the replay is while it goes on. */
  readonly progress?: LoadProgress | undefined;
  /** Record `i` (0-based); may throw TraceFileError (trace-file.ts) when the file changed. */
  record(i: number): TraceRecord | undefined;
  /** The number of the first record on or after 0-based `line`. */
  recordAtOrAfter(line: number): number | undefined;
  /** The replay's findings at a line, in report order. */
  findings(line: number): readonly TraceDiagnostic[];
  /** Both sides of an access record, as the replay saw them; undefined when not kept. */
  lineReplay(rec: TraceRecord, ids: IdView): LineReplay | undefined;
  /** Where the replay took the emulation's value at a line. */
  adoptions(line: number): readonly Adoption[];
  /** The model consumes the commands itself (the trace has guest memory, §3.5). */
  readonly consumes: boolean;
  /** Where the trace is held, for the Debug Console's launch line (empty for the whole replay in memory). */
  readonly note: string;
}

/** The first index in `0..n` whose `key` is at least `x` (keys ascending). */
export function lowerBound(n: number, key: (i: number) => number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** An access the replay agreed with: both sides are the trace's value (the register as the model decodes the offset). */
export function agreedLine(rec: TraceRecord, config: ResolvedConfig, ids: IdView): LineReplay | undefined {
  if (rec.kind !== 'access') return undefined;
  const t = decodeAccess(rec.offset, rec.size, config, ids);
  const emulation = rec.abort || rec.value === undefined ? 'abort' : rec.value;
  return {
    record: rec,
    ...(t?.kind === 'register' ? { register: t.reg } : {}),
    byte: t?.kind === 'register' ? t.byte : 0,
    emulation,
    model: emulation,
  };
}

/** The whole replay of a trace held in memory (checkTrace: the editor's and `smmu check`'s judge). */
export class WholeTrace implements TraceData {
  private readonly byLine: ReadonlyMap<number, readonly TraceDiagnostic[]>;
  private readonly records: readonly TraceRecord[];
  readonly consumes: boolean;
  readonly note = '';
  readonly complete = true;

  constructor(readonly check: TraceCheck) {
    this.records = check.parsed.records;
    const by = new Map<number, TraceDiagnostic[]>();
    for (const d of check.diagnostics) by.set(d.line, [...(by.get(d.line) ?? []), d]);
    this.byLine = by;
    this.consumes = this.records.some((r) => r.kind === 'memory');
  }

  get config(): ResolvedConfig {
    return this.check.config;
  }

  get configSource(): string {
    return this.check.configSource;
  }

  get summary(): ReplaySummary {
    return this.check.summary;
  }

  get count(): number {
    return this.records.length;
  }

  record(i: number): TraceRecord | undefined {
    return this.records[i];
  }

  recordAtOrAfter(line: number): number | undefined {
    const i = lowerBound(this.records.length, (k) => (this.records[k] as TraceRecord).line, line);
    return i < this.records.length ? i : undefined;
  }

  findings(line: number): readonly TraceDiagnostic[] {
    return this.byLine.get(line) ?? [];
  }

  lineReplay(rec: TraceRecord): LineReplay | undefined {
    return this.check.lines.get(rec.line);
  }

  adoptions(line: number): readonly Adoption[] {
    return this.check.adopted?.get(line) ?? [];
  }
}
