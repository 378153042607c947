/**
 * The guest's report judged while QEMU runs (`smmu qemu`): the UART as it grows, a piece at a
 * time, each whole line replayed as it comes through the streamed replay `smmu replay -` uses
 * (core/trace/stream.ts), each finding moved to the script's line as judge.ts moves it and handed
 * on at once.
 *
 * What is judged here is what a line decides on its own: the replay's rules at register accesses,
 * `== abort` / `!= abort`, memory read back. The rest needs the end of the run and stays in
 * judgeReport (judge.ts), which judges the whole report again once QEMU has exited and is the
 * judgement of record: the DMAs (QEMU's trace per transfer, the records a transfer wrote), event
 * records (all four doublewords, and where an earlier transfer moved them), and how far the guest
 * got. What is found here is what judgeReport finds of those kinds (test/cli/qemu-live.test.ts
 * checks it on the bundled examples, whole and cut in the middle of a line); the caller prints the
 * rest of judgeReport's findings after QEMU exits. One difference is possible: a guest that stops
 * before its first store, in a program that makes stores, is replayed here as one whose report has
 * guest memory (the model consumes the commands itself), at the end as one without.
 *
 * The configuration is decided as judgeReport decides it, from the ID registers the program
 * reads: nothing is judged before the last operation that reads one (the first eight operations,
 * and any later read of an ID register the inference takes into account, IDR6 or a CoreSight ID
 * register), or before QEMU has exited when the guest does not get that far. Whether the model
 * consumes the commands itself (guest memory records, stream.ts) is decided from the program: it
 * reports stores if it makes any.
 */
import type { ScriptDiagnostic } from '../base/diagnostics';
import type { ResolvedConfig } from '../config/types';
import { REPORT_END, REPORT_START } from '../guest/ops';
import { ID_REGISTERS as INFERRED_ID_REGISTERS } from '../trace/infer';
import { LineSplitter } from '../trace/lines';
import { LineTraceParser } from '../trace/parse-line';
import { TraceStream } from '../trace/stream';
import { ID_REGISTERS, type CompiledScript } from './compile';
import {
  abortFinding,
  idReadsOf,
  judgedConfig,
  memoryFinding,
  MEMORY_LINE,
  opOfLine,
  scriptFinding,
  type JudgeOptions,
} from './judge';

export interface LiveSink {
  /** The configuration the emulation is judged against is known (before the first finding). */
  configuration(source: string, config: ResolvedConfig): void;
  /** A finding at the script's line, as soon as it is final. */
  diagnostic(d: ScriptDiagnostic): void;
}

const START_LINE = REPORT_START.replace(/\n$/, '');
const END_LINE = REPORT_END.replace(/\n$/, '');

export class LiveJudge {
  private readonly split = new LineSplitter((l) => this.line(l));
  private phase: 'before' | 'report' | 'ended' = 'before';
  /** Each report line's operation (-1: none), for moving the replay's findings to the script; line 0 is the one after the start line, as judgeReport counts them. */
  private readonly lineOps: number[] = [];
  /** The report's lines up to the last ID register read, while the configuration is not decided. */
  private pending: string[] | undefined = [];
  private stream?: TraceStream;
  /** The operation after whose report line the configuration is decided (the last that reads an ID register). */
  private readonly decideAt: number;

  constructor(
    private readonly compiled: CompiledScript,
    private readonly options: Pick<JudgeOptions, 'config' | 'configSource' | 'maxGuestMemory'>,
    private readonly sink: LiveSink,
  ) {
    // The inference takes the first read of each ID register (core/trace/infer.ts): a later read
    // of one counts when it is the first (IDR6, a CoreSight ID register, or one whose read aborted).
    const idOffsets = new Set(INFERRED_ID_REGISTERS.map((r) => BigInt(r.offset)));
    let at = ID_REGISTERS.length - 1;
    compiled.ops.forEach((op, i) => {
      if ((op.kind === 'read' || op.kind === 'poll') && op.space === 'smmu' && idOffsets.has(op.address))
        at = Math.max(at, i);
    });
    this.decideAt = at;
  }

  /** The next piece of the UART, as QEMU wrote it (latin1: bytes as they are). */
  push(piece: string): void {
    if (this.phase !== 'ended') this.split.push(piece);
  }

  /**
   * QEMU exited: what is held is released. A last line without its line break (QEMU stopped in
   * the middle of it) is not an observation and is not judged, as in judgeReport.
   */
  end(): void {
    if (this.phase === 'ended') return;
    const started = this.phase === 'report';
    this.phase = 'ended';
    // The guest stopped before the last ID register read: the whole report is here to decide
    // from. Without a report (QEMU did not start, the guest printed nothing) nothing is said here.
    if (this.pending && started) this.decide();
    this.stream?.end();
  }

  private line(text: string): void {
    if (this.phase === 'before') {
      if (text.endsWith(START_LINE)) this.phase = 'report';
      return;
    }
    if (this.phase !== 'report') return;
    const endAt = text.indexOf(END_LINE);
    if (endAt >= 0) {
      // judgeReport's report ends where the end line starts, even within a line.
      if (endAt > 0) this.reportLine(text.slice(0, endAt));
      this.end();
      return;
    }
    this.reportLine(text);
  }

  private reportLine(text: string): void {
    const op = opOfLine(text, this.compiled.ops.length);
    this.lineOps.push(op);
    if (this.pending) {
      this.pending.push(text);
      if (op >= this.decideAt) this.decide();
      return;
    }
    this.judgeLine(text, op);
  }

  private decide(): void {
    const lines = this.pending as string[];
    this.pending = undefined;
    const parser = new LineTraceParser();
    lines.forEach((l, i) => parser.line(l, i));
    const idReads = idReadsOf(parser.records, this.lineOps);
    const o = this.options;
    const { config, configSource, diagnostics } = judgedConfig(this.compiled, idReads, parser.records, o);
    this.sink.configuration(configSource, config);
    for (const d of diagnostics) this.sink.diagnostic(d);
    this.stream = new TraceStream(
      {
        format: 'smmutrace',
        config,
        configSource,
        hasMemory: this.compiled.ops.some((op) => op.kind === 'store'),
        ...(o.maxGuestMemory !== undefined ? { maxGuestMemory: o.maxGuestMemory } : {}),
      },
      {
        diagnostic: (d) => {
          const found = scriptFinding(this.compiled, d, this.lineOps[d.line] ?? -1);
          if (found) this.sink.diagnostic(found);
        },
        line: (l) => {
          const op = this.lineOps[l.record.line] ?? -1;
          const wrong = op >= 0 ? abortFinding(this.compiled, op, l) : undefined;
          if (wrong) this.sink.diagnostic(wrong);
        },
      },
    );
    lines.forEach((l, i) => this.judgeLine(l, this.lineOps[i] ?? -1));
  }

  private judgeLine(text: string, op: number): void {
    (this.stream as TraceStream).push(text);
    if (op < 0) return;
    const m = MEMORY_LINE.exec(text);
    const model = this.compiled.expectations[op]?.memory;
    if (!m || model === undefined) return;
    const wrong = memoryFinding(
      this.compiled,
      op,
      m[1] as string,
      m[3] === 'abort' ? 'abort' : BigInt(m[3] as string),
      model,
    );
    if (wrong) this.sink.diagnostic(wrong);
  }
}
