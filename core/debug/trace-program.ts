/**
 * Stepping through a trace (`.smmutrace`, or a QEMU log) like a script: one record per step, on
 * the trace file's own lines, so line breakpoints, step back, data breakpoints and the console
 * work as they do for a script (runtime.ts).
 *
 * The trace is first replayed whole (core/trace/check.ts): that is the judge, so the debugger
 * stops exactly where `smmu replay` and the editor report a divergence, with the same rule, and
 * never on an allowed choice. The debugger's own model then re-executes the records one by one
 * as the replay did: writes the emulation took are written (an aborted write is not), reads are
 * read, `M` records go to guest memory, and wherever the replay took the emulation's value (an
 * allowed CONSTRAINED UNPREDICTABLE choice, an UNKNOWN reset value, an SMMU-owned index it cannot
 * predict without guest memory, docs/trace-replay.md) the model takes it too, so its state at
 * every step is the replay's state.
 *
 * Without `M` records the model does not consume commands (it has no queue contents: §3.5, the
 * replay takes CMDQ_CONS from the trace); with them, a doorbell's commands are stepped into one by
 * one as in a script.
 */
import { bitRanges, decode, hex } from '../registers/codec';
import { widthMask } from '../registers/table';
import type { ScriptDiagnostic } from '../base/diagnostics';
import type { ScriptHost } from '../script/check';
import { checkTrace, loadTraceConfig } from '../trace/check';
import { kindOf } from '../files/kind';
import { summaryText, type LineReplay, type TraceDiagnostic } from '../trace/replay';
import { WholeTrace, type TraceData } from './trace-data';
import { TraceFileError, type RandomAccessFile } from './trace-file';
import {
  DIVERGENCE,
  WindowedTrace,
  type LoadProgress,
  type WindowedLaunch,
  type WindowedOptions,
} from './trace-window';
import { Machine, type Op, type OpResult } from './machine';
import type { ScopeView, VarNode } from './views';

/** Trace problems that make a trace undebuggable (bad input, as a script's syntax errors are). */
const FATAL = new Set(['trace.syntax', 'trace.config-late']);
const LINE0 = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function both(l: LineReplay | undefined): string {
  if (!l || l.record.dir !== 'R') return '';
  const bits = l.record.size === 8 ? 64 : 32;
  const v = (x: bigint | 'abort' | 'any') =>
    typeof x === 'bigint' ? hex(x, bits) : x === 'abort' ? 'an abort' : 'any value (the architecture allows it)';
  return `the emulation returned ${v(l.emulation)}, the model ${v(l.model)}: `;
}

export class TraceMachine extends Machine {
  private readonly consumes: boolean;

  constructor(readonly data: TraceData) {
    super(data.config, []);
    this.consumes = data.consumes;
  }

  /**
   * One line for the Debug Console: what the replay found and where it diverges first; while the
   * replay goes on (the debugging began before its end), that these are not known yet.
   */
  summaryText(): string {
    const s = this.data.summary;
    if (!s)
      return `trace, replay under way: the record count, the divergences and the summary are not known yet (the Debug Console gives them when the replay ends; the "Trace replay" scope shows how far it is)${this.data.note}`;
    const first = s.firstDivergence ? `; first divergence at line ${s.firstDivergence.line + 1}` : '';
    return `trace, ${summaryText(s)}${first}${this.data.note}`;
  }

  /**
   * The next record is not judged for good yet (the replay goes on, trace-window.ts): nothing can
   * run until it is. A stop needs the line of the record after the one executed, so the record
   * after the next must be known too (or the trace be complete).
   */
  get starved(): boolean {
    return !this.data.complete && this.state.pc + 1 >= this.data.count;
  }

  /** The end of the trace, once it is known: while the replay goes on, more records may come. */
  override get ended(): boolean {
    return this.data.complete && super.ended;
  }

  /**
   * The "Trace replay" scope: how far the replay is, and the facts only its end gives (the record
   * count, the divergences) said to be pending until then, never guessed.
   */
  replayScope(): ScopeView {
    const d = this.data;
    const leaf = (name: string, value: string): VarNode => ({ name, value });
    const children = (): VarNode[] => {
      const s = d.summary;
      const known = `${d.count.toLocaleString('en-US')} judged for good so far`;
      if (d.cancelledAt !== undefined)
        return [
          leaf(
            'state',
            `cancelled at line ${(d.cancelledAt + 1).toLocaleString('en-US')}: the lines from there on were never replayed`,
          ),
          leaf('records', `${known}; the total is not known (the replay was cancelled)`),
          leaf('summary', 'not known (the replay was cancelled)'),
        ];
      if (!s || !d.complete) {
        const p = d.progress;
        return [
          leaf(
            'state',
            p
              ? `replaying: line ${p.lines.toLocaleString('en-US')}, ${p.size > 0 ? Math.floor((p.bytes / p.size) * 100) : 100}% of the file`
              : 'replaying',
          ),
          leaf('records', `${known}; the total is pending (not known until the replay ends)`),
          leaf('summary', 'pending (not known until the replay ends)'),
        ];
      }
      return [
        leaf('state', 'replayed to the end'),
        leaf('records', d.count.toLocaleString('en-US')),
        leaf(
          'summary',
          `${summaryText(s)}${s.firstDivergence ? `; first divergence at line ${s.firstDivergence.line + 1}` : ''}`,
        ),
      ];
    };
    return { name: 'Trace replay', expensive: false, node: { name: 'replay', value: '', children } };
  }

  /**
   * The "Trace record" scope: the record just executed (the one a stop is about), what the
   * emulation answered and what the model answers, field by field with differing fields marked ≠
   * (the editor hover's side-by-side, core/trace/side-by-side.ts), and the replay's findings there.
   */
  recordScope(): ScopeView | undefined {
    const rec = this.data.record(this.state.pc - 1);
    if (!rec) return undefined;
    const leaf = (name: string, value: string): VarNode => ({ name, value });
    const findings = this.data
      .findings(rec.line)
      .map((d, i) => leaf(`${d.severity} ${i + 1}`, `${d.message} [${d.code}]`));
    const children = (): VarNode[] => {
      const out: VarNode[] = [leaf('line', String(rec.line + 1))];
      const l = this.data.lineReplay(rec, this.engine.ids);
      if (rec.kind === 'access' && !l)
        out.push(
          leaf(
            'model',
            'not kept: past the accesses the debugger keeps where the model differed (`smmu replay` reports it)',
          ),
        );
      if (rec.kind === 'access' && l) {
        const width = rec.size === 8 ? 64 : 32;
        const show = (v: bigint | 'abort' | 'any') =>
          typeof v === 'bigint' ? hex(v, width) : v === 'any' ? 'any (CONSTRAINED UNPREDICTABLE)' : 'abort';
        out.push(
          leaf(
            'access',
            `${rec.dir === 'R' ? 'read' : 'write'} of ${rec.size * 8} bits at ${hex(BigInt(rec.offset))}${l.register || l.arrayRegister ? ` (SMMU_${l.register?.name ?? l.arrayRegister}${l.byte ? ', high half' : ''})` : ''}${rec.vcpu !== undefined ? ` by vCPU ${rec.vcpu}` : ''}`,
          ),
        );
        if (rec.dir === 'W') out.push(leaf('written', rec.abort ? 'aborted by the emulation' : show(rec.value ?? 0n)));
        else out.push(leaf('emulation', show(l.emulation)), leaf('model', show(l.model)));
        const reg = l.register;
        if (rec.dir === 'R' && reg && typeof l.emulation === 'bigint') {
          const shift = BigInt(l.byte * 8);
          const mask = rec.size === 8 ? widthMask(reg) : (0xffff_ffffn << shift) & widthMask(reg);
          const e = decode(reg, (l.emulation << shift) & mask, this.engine.ids);
          const m = typeof l.model === 'bigint' ? decode(reg, (l.model << shift) & mask, this.engine.ids) : undefined;
          for (const f of e.fields) {
            const fm = ((1n << BigInt(f.field.msb - f.field.lsb + 1)) - 1n) << BigInt(f.field.lsb);
            if ((fm & mask) === 0n) continue;
            const mf = m?.fields.find((x) => x.field === f.field);
            const v = (x: { value: bigint; enumValue?: { name: string } }) =>
              `${x.value > 9n ? '0x' + x.value.toString(16).toUpperCase() : x.value}${x.enumValue ? ` (${x.enumValue.name})` : ''}`;
            out.push(
              leaf(
                `${mf && mf.value !== f.value ? '≠ ' : ''}${f.field.name}`,
                `emulation ${v(f)}${f.unadvertised && f.value !== 0n ? ' ⚠ not advertised' : ''}, model ${mf ? v(mf) : '—'}`,
              ),
            );
          }
          if (e.reservedBits !== 0n) out.push(leaf('≠ RES0', `emulation sets ${bitRanges(e.reservedBits)}, model 0`));
        }
      } else if (rec.kind === 'memory')
        out.push(
          leaf(
            'guest memory write',
            `${hex(rec.value, rec.size === 8 ? 64 : 32)} (${rec.size} bytes) at ${hex(rec.address, 64)}`,
          ),
        );
      else if (rec.kind === 'command')
        out.push(leaf('command consumed', rec.name ?? (rec.dwords ?? []).map((d) => hex(d, 64)).join(' ')));
      else if (rec.kind === 'translation')
        out.push(
          leaf(
            'translation reported',
            `StreamID ${hex(BigInt(rec.sid))} IOVA ${hex(rec.iova, 64)}: ${rec.outcome === 'translated' ? `translated to ${hex(rec.pa ?? 0n, 64)}` : rec.outcome === 'disabled' ? 'passed through (SMMUEN = 0)' : rec.outcome === 'bypass' ? 'passed through (STE bypass)' : 'aborted'} (${rec.event})`,
          ),
        );
      else if (rec.kind === 'event')
        out.push(
          leaf(
            'event written',
            rec.name
              ? `${rec.name}${rec.sid !== undefined ? ` sid=${rec.sid}` : ''}`
              : (rec.dwords ?? []).map((d) => hex(d, 64)).join(' '),
          ),
        );
      return [...out, ...findings];
    };
    return {
      name: `Trace record (line ${rec.line + 1})`,
      expensive: false,
      node: { name: 'record', value: '', children },
    };
  }

  override get statementCount(): number {
    return this.data.count;
  }

  override statementLine(i: number): number | undefined {
    return this.data.record(i)?.line;
  }

  override statementAtOrAfter(line: number): number | undefined {
    return this.data.recordAtOrAfter(line);
  }

  override endLine(): number {
    const last = this.data.record(this.data.count - 1);
    return last ? last.line + 1 : 0;
  }

  /** Without guest memory in the trace the model cannot know the commands, so it consumes none. */
  override hasWork(): boolean {
    return this.consumes && super.hasWork();
  }

  override exec(op: Op): OpResult {
    if (op.k !== 'stmt') return super.exec(op);
    const rec = this.data.record(this.state.pc);
    if (!rec) return { diagnostics: [], failedExpectations: 0, activity: [] };
    this.state.pc++;
    const e = this.engine;
    const before = e.activity.length;
    if (rec.kind === 'access' && !(rec.dir === 'W' && rec.abort)) {
      if (rec.dir === 'W') e.smmu.write(rec.offset, rec.size, rec.value ?? 0n);
      else e.smmu.read(rec.offset, rec.size);
    } else if (rec.kind === 'memory') e.memory.space(rec.secure !== true).write(rec.address, rec.size, rec.value);
    for (const a of this.data.adoptions(rec.line)) e.smmu.setOwned(a.register, a.value);
    if (this.hasWork()) this.state.doorbellLine = rec.line;
    // The replay's verdict on this line: a divergence first (the failed-expectation filter reports
    // the first error), then warnings (CONSTRAINED UNPREDICTABLE choices) and notes.
    const found = this.data.findings(rec.line);
    const errors = found.filter((d) => d.severity === 'error' && DIVERGENCE.test(d.code));
    const shown = errors.length ? both(this.data.lineReplay(rec, e.ids)) : '';
    const diagnostics: ScriptDiagnostic[] = [
      ...errors.map((d) => ({
        ...d,
        code: `expect.${d.code}`,
        message: `line ${rec.line + 1}: ${shown}${d.message} [${d.code}]`,
      })),
      ...found.filter((d) => !errors.includes(d)),
    ];
    return { diagnostics, failedExpectations: errors.length, activity: e.activity.slice(before), line: rec.line };
  }
}

export interface TraceLaunch {
  readonly machine?: TraceMachine;
  readonly error?: string;
}

/**
 * The longest trace the debugger replays whole in memory, in lines, when the host cannot read the
 * file back a window at a time (hosts without `openRandomAccess`): the whole replay keeps every
 * record and both sides of every access, about 650 bytes a record (620 MB of heap measured at
 * 1 M records, docs/performance.md). The debug adapter's host windows a larger trace instead
 * (trace-window.ts).
 */
export const MAX_DEBUG_TRACE_LINES = 1_000_000;

/** The number of lines of `text` (as the editor counts them), counted up to `max + 1`. */
function linesUpTo(text: string, max: number): number {
  let n = 1;
  for (let at = text.indexOf('\n'); at >= 0 && n <= max; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

/** A launch refused for a problem of the trace: its position and message. */
function refusal(
  path: string,
  check: { diagnostics: readonly TraceDiagnostic[]; configSource: string },
): string | undefined {
  const fatal = check.diagnostics.find(
    (d) =>
      d.severity === 'error' && (FATAL.has(d.code) || (d.code === 'trace.config' && check.configSource === 'none')),
  );
  return fatal
    ? `${path}:${fatal.range.start.line + 1}:${fatal.range.start.character + 1}: ${fatal.message}`
    : undefined;
}

function noRecords(path: string, format: string): string {
  return `${path}:1:1: the trace has no records (R, W, M, C or E lines${format === 'qemu' ? '; smmuv3_read_mmio/smmuv3_write_mmio events in a QEMU log' : ''})`;
}

/** Replay the trace `text` whole and build its machine; a syntax error refuses the launch, with its position. */
export function loadTrace(text: string, path: string, host: ScriptHost, configPath?: string): TraceLaunch {
  if (linesUpTo(text, MAX_DEBUG_TRACE_LINES) > MAX_DEBUG_TRACE_LINES)
    return {
      error: `${path}: the trace has more than ${MAX_DEBUG_TRACE_LINES.toLocaleString('en-US')} lines, the most the debugger replays whole in memory here (this host cannot read the file back a window at a time); replay it with \`smmu replay\`, or debug it in VS Code or with \`smmu dap\`, which window it`,
    };
  const check = checkTrace(text, path, host, configPath ? { configPath } : {});
  const fatal = refusal(path, check);
  if (fatal) return { error: fatal };
  if (!check.parsed.records.length) return { error: noRecords(path, check.parsed.format) };
  return { machine: new TraceMachine(new WholeTrace(check)) };
}

/** A launch under way, a slice of lines at a time (a windowed trace's pass through its file). */
export interface Loading<T> {
  readonly progress: LoadProgress;
  /** Read up to `lines` more lines: the result once done, undefined while lines are left. */
  step(lines: number): T;
  /**
   * What can be debugged before the end: the same result `step` gives at the end, once the
   * replay has judged the first record for good (undefined until then). `step` goes on after it.
   */
  ready(): T;
  /** Give up before the end (the file is closed). */
  cancel(): void;
  /** After `ready`: read no more, and debug the records judged so far (the file stays open). */
  stopHere(): void;
}

/**
 * Replay the trace in `file` streamed and index it (trace-window.ts): a trace of any size, in
 * bounded memory. The configuration is `configPath` (launch `config`), else the trace's own
 * `config` line, else inferred, as `smmu replay` does. The pass through the file is run by the
 * caller, a slice at a time.
 */
export function beginWindowedTrace(
  file: RandomAccessFile,
  path: string,
  host: ScriptHost,
  configPath: string | undefined,
  options: WindowedOptions,
): TraceLaunch | Loading<TraceLaunch | undefined> {
  const given = configPath ? loadTraceConfig(host, configPath, LINE0) : undefined;
  const load = WindowedTrace.begin(
    file,
    path,
    {
      ...(given?.config ? { config: given.config, configSource: given.configPath, configPath: given.configPath } : {}),
      ...(given ? { configDiagnostics: given.diagnostics } : {}),
      ...(configPath ? {} : { loadConfigLine: (c) => loadTraceConfig(host, host.resolvePath(path, c.path), c.range) }),
    },
    options,
  );
  if (typeof load === 'string') {
    file.close();
    return { error: load };
  }
  /** The machine handed out before the end: the end gives the same one (or why the trace cannot be debugged after all). */
  let early: TraceMachine | undefined;
  const refused = (d: TraceDiagnostic): TraceLaunch => {
    file.close();
    return { error: `${path}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}` };
  };
  return {
    get progress() {
      return load.progress;
    },
    step(lines) {
      let opened;
      try {
        opened = load.step(lines);
      } catch (e) {
        file.close();
        if (e instanceof TraceFileError) return { error: e.message };
        throw e;
      }
      // A problem found after the debugging began (a syntax error further on) ends it as it would have refused the launch.
      if (!opened) return early && load.fatal ? refused(load.fatal) : undefined;
      if (early)
        return opened.trace
          ? { machine: early }
          : opened.fatal
            ? refused(opened.fatal)
            : windowedLaunch(opened, path, file);
      return windowedLaunch(opened, path, file);
    },
    ready() {
      if (early) return { machine: early };
      const t = load.ready();
      if (!t) return undefined;
      early = new TraceMachine(t);
      return { machine: early };
    },
    cancel: () => load.cancel(),
    stopHere: () => load.stopHere(),
  };
}

/** The machine of a windowed trace read to its end, or why it cannot be debugged. */
function windowedLaunch(opened: WindowedLaunch, path: string, file: RandomAccessFile): TraceLaunch {
  if (!opened.trace) {
    file.close();
    const d = opened.fatal as TraceDiagnostic;
    return { error: `${path}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}` };
  }
  const t = opened.trace;
  if (!t.count) {
    t.close();
    return { error: noRecords(path, t.format) };
  }
  return { machine: new TraceMachine(t) };
}

/** Is this file a trace (rather than a `.smmu` script)? By its name (any `.log`), or by its content (core/files/kind.ts). */
export function isTracePath(path: string, text: string): boolean {
  return kindOf(path, text) === 'trace';
}
