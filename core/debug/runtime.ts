/**
 * The step debugger's runtime (Mock Debug's split: no DAP types here; server/dap maps requests to
 * these calls). It loads a `.smmu` script or a `.smmuq` command queue, steps statements and
 * commands, keeps the history for step back, checks line, data and exception breakpoints, and
 * evaluates expressions and console statements on the model.
 */
import { shorten } from '../script/lexer';
import { cannotRead } from '../base/files';
import { blockingErrors, loadConfig } from '../config/load';
import type { DefaultConfig } from '../config/default';
import { checkQueueFile } from '../queue-file/check';
import { depositField, hex, symbolic } from '../registers/codec';
import type { FieldDef, RegisterDef } from '../registers/types';
import type { AccessSize } from '../model/access';
import { checkScript, type ScriptHost } from '../script/check';
import { decodeValue } from '../script/decode-value';
import { formatDecoded } from '../registers/codec';
import { registerOffset } from '../registers/placement';
import { parseScript } from '../script/parser';
import { resolveScript } from '../script/resolve';
import { cmdqPending } from '../engine/command-queue';
import { F } from '../engine/registers';
import { compileExpr, ExprError, type CompiledExpr, type ExprState } from './expr';
import { History, type HistoryOptions } from './history';
import {
  beginWindowedTrace,
  isTracePath,
  loadTrace,
  TraceMachine,
  type Loading,
  type TraceLaunch,
} from './trace-program';
import type { ScopeView } from './views';
import { CMD, Machine, STMT, STMT_INTO, WALK, type Op, type OpResult, type Snapshot } from './machine';

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'exception' | 'data breakpoint' | 'pause' | 'goto';

export interface Stop {
  readonly reason: StopReason;
  /** Short text for the UI (the exception, the data breakpoint's change, "end of script"). */
  readonly description?: string;
  readonly breakpointIds?: readonly number[];
}

export interface Frame {
  readonly name: string;
  /** 0-based line in the launched file. */
  readonly line: number;
  readonly kind: 'script' | 'command' | 'walk';
}

export interface BreakpointRequest {
  readonly line: number;
  readonly condition?: string;
  readonly hitCondition?: string;
  readonly logMessage?: string;
}

export interface BreakpointResult {
  readonly id: number;
  readonly verified: boolean;
  readonly line: number;
  readonly message?: string;
}

/** Exception breakpoint filters (DAP exceptionBreakpointFilters). */
export const EXCEPTION_FILTERS = [
  {
    filter: 'gerror',
    label: 'GERROR set',
    description: 'A global error became active in SMMU_GERROR (§7.5).',
    default: true,
  },
  {
    filter: 'event',
    label: 'Event record written',
    description: 'The SMMU wrote (or discarded) an event record (§7.3).',
    default: false,
  },
  {
    filter: 'expectation',
    label: 'Failed expectation',
    description: 'A read, poll, dma or expect statement did not see what it expected.',
    default: true,
  },
  {
    filter: 'unpredictable',
    label: 'CONSTRAINED UNPREDICTABLE or unadvertised access',
    description:
      'An access the architecture calls CONSTRAINED UNPREDICTABLE (§6.2) or one to a feature the configuration does not advertise.',
    default: false,
  },
] as const;
export type ExceptionFilter = (typeof EXCEPTION_FILTERS)[number]['filter'];

const UNADVERTISED_CODES = new Set([
  'write.unadvertised',
  'register.unimplemented',
  'access.size',
  'access.unaligned',
  'access.offset',
  'access.span',
  'page1.undefined',
  'page0.page1-offset',
]);

interface LineBreakpoint {
  readonly id: number;
  /** The line it stops at; the line asked for while `pending`. */
  line: number;
  /**
   * Asked for at a line the replay has not reached yet (a trace debugged while its replay goes
   * on): where it stops is known once the replay has judged a record at or after that line
   * (resolveBreakpoints); until then it stops nowhere and is shown unverified.
   */
  pending?: boolean;
  readonly condition?: CompiledExpr;
  readonly hit?: (n: number) => boolean;
  readonly logMessage?: string;
  hits: number;
}

interface DataBreakpoint {
  readonly id: string;
  readonly expr: CompiledExpr;
  readonly condition?: CompiledExpr;
}

export interface LaunchResult {
  readonly runtime?: DebugRuntime;
  /** Why the file cannot be debugged, with its position (`file:line:col: message`). */
  readonly error?: string;
}

export interface LaunchOptions {
  readonly config?: string;
  readonly trace?: boolean;
  readonly defaultConfig?: DefaultConfig;
  /** A trace read back from the file in windows of this many records, whatever its size (trace-window.ts). */
  readonly traceWindow?: number;
  /** Step-back positions kept at most for a trace (TRACE_HISTORY). */
  readonly traceHistory?: number;
}

/** A launch left to run a slice at a time (DebugRuntime.begin), rather than loaded. */
export function isLoading(l: LaunchResult | Loading<LaunchResult | undefined>): l is Loading<LaunchResult | undefined> {
  return 'step' in l;
}

export interface ExceptionInfo {
  readonly id: string;
  readonly description: string;
}

/** `hitCondition`: `N` or `== N` (the Nth hit), `>= N`, `> N`, `% N` (every Nth). */
function parseHitCondition(text: string): ((n: number) => boolean) | string {
  // Trimmed first: `^\s*(op)?\s*` took time quadratic in a run of blanks before something else.
  const m = /^(==|>=|>|%)?\s*(\d+)$/.exec(text.trim());
  if (!m) return `hit count '${shorten(text)}' is not understood: use N, == N, >= N, > N or % N`;
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=':
      return (k) => k >= n;
    case '>':
      return (k) => k > n;
    case '%':
      return (k) => n > 0 && k % n === 0;
    default:
      return (k) => k === n;
  }
}

/**
 * Traces larger than this, in bytes, are debugged windowed (trace-window.ts: read back from the
 * file a window of records at a time, judged by the streamed replay as `smmu replay` judges them);
 * smaller ones are replayed whole in memory (checkTrace, the editor's judge). 4 MiB is about
 * 130,000 lines, about 85 MB of heap whole.
 */
export const IN_MEMORY_TRACE_BYTES = 4 * 1024 * 1024;

/**
 * Step-back positions a trace's history keeps (History.maxPositions): 16 bytes each in the log,
 * 8 MB at most, whatever the trace's length; stepping back further than the last 250,000 to
 * 500,000 steps stops at the oldest kept (docs/debugger.md).
 */
export const TRACE_HISTORY = 500_000;

/**
 * Model snapshots a trace's history keeps (History.maxSnapshots): a snapshot copies the engine's
 * state, about 50 KB on a trace without guest memory, so 256 of them are about 13 MB; over a full
 * history (TRACE_HISTORY) they are 2,048 steps apart at most, what a step back re-executes.
 */
export const TRACE_SNAPSHOTS = 256;

/** What is wrong with the configuration file `file` (launch `config`), or undefined when it loads. */
function badConfig(host: ScriptHost, file: string): string | undefined {
  const c = host.readFile(file, 'config');
  if (typeof c !== 'string') return cannotRead('configuration', file, c);
  const loaded = loadConfig(c);
  const e = blockingErrors(loaded.diagnostics)[0];
  if (e || !loaded.config)
    return e
      ? `${file}:${e.range.start.line + 1}:${e.range.start.character + 1}: ${e.message}`
      : `${file}: not a configuration`;
  return undefined;
}

export class DebugRuntime {
  readonly machine: Machine;
  readonly history: History<Op, Snapshot>;
  /** Current position in the history (less than history.position after a step back). */
  private pos = 0;
  private breakpoints: LineBreakpoint[] = [];
  private dataBreakpoints: DataBreakpoint[] = [];
  private filters = new Set<ExceptionFilter>(EXCEPTION_FILTERS.filter((f) => f.default).map((f) => f.filter));
  private nextId = 1;
  private pauseRequested = false;
  /** The last exception stop, for exceptionInfo. */
  lastException?: ExceptionInfo;
  /**
   * Set by an exception or data breakpoint stop: the frames of what caused it (the statement,
   * record or command just executed), shown instead of the next statement while the session is
   * at `pos`. A stop is on what did it, with its effect in the state; the next step goes on to
   * the next statement without executing anything (stepIn, next).
   */
  private raised?: { readonly pos: number; readonly frames: readonly Frame[] };
  /** Logpoint output and console messages go here. */
  onOutput: (text: string, line?: number) => void = () => undefined;

  private constructor(
    machine: Machine,
    readonly kind: 'script' | 'queue' | 'trace',
    readonly path: string,
    readonly configName: string,
    history: HistoryOptions = {},
  ) {
    this.machine = machine;
    this.history = new History<Op, Snapshot>(history);
    this.history.start(machine.snapshot(), machine.where());
  }

  /** Load `path` (a `.smmu` script, a `.smmuq` command queue descriptor, or a trace: trace-program.ts). */
  /** `defaultConfig`: the configuration of a script or queue descriptor without a `config` line (the editor's `smmu.configuration`). */
  static launch(path: string, host: ScriptHost, options: LaunchOptions = {}): LaunchResult {
    const begun = DebugRuntime.begin(path, host, options);
    if (!isLoading(begun)) return begun;
    for (;;) {
      const done = begun.step(Infinity);
      if (done) return done;
    }
  }

  /**
   * `launch`, where a windowed trace's pass through its file is left to the caller, a slice of
   * lines at a time (the debug adapter yields between slices and reports progress,
   * server/dap/session.ts); anything else is loaded at once.
   */
  static begin(
    path: string,
    host: ScriptHost,
    options: LaunchOptions = {},
  ): LaunchResult | Loading<LaunchResult | undefined> {
    const configPath = options.config;
    if (!path.endsWith('.smmuq') && host.openRandomAccess) {
      // A trace past IN_MEMORY_TRACE_BYTES is read back a window at a time, never whole.
      const file = host.openRandomAccess(path);
      if ('unreadable' in file) return { error: cannotRead('', path, file) };
      if (options.traceWindow !== undefined || file.size > IN_MEMORY_TRACE_BYTES) {
        const first = file.read(0, 64 * 1024);
        const head = file.text(first, 0, first.length);
        if (options.trace === true || isTracePath(path, head)) {
          const bad = configPath ? badConfig(host, configPath) : undefined;
          if (bad) {
            file.close();
            return { error: bad };
          }
          const t = beginWindowedTrace(file, path, host, configPath, {
            ...(options.traceWindow !== undefined ? { window: options.traceWindow } : {}),
          });
          // One runtime for the machine, whether handed out before the end (`ready`) or at it.
          let runtime: DebugRuntime | undefined;
          const launched = (l: TraceLaunch): LaunchResult =>
            l.machine
              ? { runtime: (runtime ??= DebugRuntime.traceRuntime(l.machine, path, options.traceHistory)) }
              : { error: l.error ?? `cannot debug ${path}` };
          if (!('step' in t)) return launched(t);
          return {
            get progress() {
              return t.progress;
            },
            step: (lines) => {
              const l = t.step(lines);
              return l && launched(l);
            },
            ready: () => {
              const l = t.ready();
              return l && launched(l);
            },
            cancel: () => t.cancel(),
            stopHere: () => t.stopHere(),
          };
        }
      }
      file.close();
    }
    // The kind is known only once the text is read (a trace may be any .log): the largest limit.
    const text = host.readFile(path, path.endsWith('.smmuq') ? 'queue' : 'trace');
    if (typeof text !== 'string') return { error: cannotRead('', path, text) };
    const where = (d: { range: { start: { line: number; character: number } }; message: string }) =>
      `${path}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`;
    if (path.endsWith('.smmuq')) {
      const q = checkQueueFile(text, path, host, options.defaultConfig ? { defaultConfig: options.defaultConfig } : {});
      // A command the SMMU will refuse (CERROR_ILL) is what one steps to, not a reason not to launch.
      const err = q.diagnostics.find((d) => d.severity === 'error' && d.code !== 'smmuq.cerror-ill');
      if (err) return { error: where(err) };
      if (q.kind !== 'cmdq')
        return {
          error: `${path}:1:1: only command queue descriptors (queue cmdq) can be stepped: the SMMU consumes commands, software consumes events and PRI requests`,
        };
      // The base the check parsed (a regex of its own found `base` after a U+2028 in a comment, and BigInt threw).
      const machine = Machine.fromQueue(q, q.base ?? 0x4010_0000n);
      return { runtime: new DebugRuntime(machine, 'queue', path, q.config.name) };
    }
    if (configPath) {
      const bad = badConfig(host, configPath);
      if (bad) return { error: bad };
    }
    if (options.trace === true || isTracePath(path, text)) {
      const t = loadTrace(text, path, host, configPath);
      if (!t.machine) return { error: t.error ?? `cannot debug ${path}` };
      return { runtime: DebugRuntime.traceRuntime(t.machine, path, options.traceHistory) };
    }
    const check = checkScript(
      text,
      path,
      host,
      'syntax',
      configPath ? { configPath } : options.defaultConfig ? { defaultConfig: options.defaultConfig } : {},
    );
    const err = check.diagnostics.find((d) => d.severity === 'error');
    if (err) return { error: where(err) };
    const machine = new Machine(check.config, check.resolved.statements);
    return { runtime: new DebugRuntime(machine, 'script', path, check.config.name) };
  }

  /**
   * A trace's runtime: named by its configuration, and where that came from unless the name
   * says it already (an inferred configuration is named "inferred from the trace"; a preset's
   * source is its name). Its history keeps at most `maxPositions` steps.
   */
  private static traceRuntime(machine: TraceMachine, path: string, maxPositions = TRACE_HISTORY): DebugRuntime {
    const { config, configSource } = machine.data;
    return new DebugRuntime(
      machine,
      'trace',
      path,
      configSource.startsWith(config.name) ? configSource : `${config.name} (${configSource})`,
      { maxPositions, maxSnapshots: TRACE_SNAPSHOTS },
    );
  }

  // --- where we are -------------------------------------------------------------------------

  get ended(): boolean {
    return this.machine.ended;
  }

  /**
   * A trace debugged while its replay goes on has reached the records judged so far: nothing can
   * run until the replay judges more (the debug adapter waits for its next slice, then resumes).
   */
  get starved(): boolean {
    return this.machine instanceof TraceMachine && this.machine.starved;
  }

  get position(): number {
    return this.pos;
  }

  frames(): Frame[] {
    if (this.raised && this.raised.pos === this.pos) return [...this.raised.frames];
    const m = this.machine;
    const frames: Frame[] = [];
    const walk = m.state.walk;
    if (walk) {
      const step = walk.steps[walk.index];
      if (step) frames.push({ name: step.frame, line: walk.line, kind: 'walk' });
      if (step?.parent) frames.push({ name: step.parent, line: walk.line, kind: 'walk' });
      frames.push({ name: 'dma', line: walk.line, kind: 'script' });
      return frames;
    }
    if (m.hasWork()) {
      const c = m.nextCommand();
      return this.commandFrames(c.text, c.line);
    }
    if (this.kind !== 'queue') {
      const line = m.statementLine(m.state.pc);
      if (line !== undefined) frames.push({ name: this.scriptName(), line, kind: 'script' });
      else
        frames.push({
          name: this.kind === 'trace' ? 'end of trace' : 'end of script',
          line: m.endLine(),
          kind: 'script',
        });
    } else {
      // The frame names the state in a few words; the stop's description says why (queueState).
      const cons = m.engine.fieldNum(F.CMDQ_RD) & ((1 << m.engine.geometry('CMDQ').log2) - 1);
      const waiting = cmdqPending(m.engine);
      frames.push({
        name: waiting === 0 ? 'queue empty' : `queue stopped, ${waiting} pending`,
        line: m.entryLines?.get(cons) ?? m.state.doorbellLine,
        kind: 'command',
      });
    }
    return frames;
  }

  /**
   * Scopes of what the top frame is at, before the model's: inside a DMA, the fetch in full (the
   * frame's name is cut short); in a trace, the record just executed (trace-program.ts).
   */
  stepScopes(): ScopeView[] {
    const walk = this.raised?.pos === this.pos ? undefined : this.machine.state.walk;
    const out: ScopeView[] = [];
    const step = walk?.steps[walk.index];
    if (step) {
      out.push({
        name: step.scope,
        expensive: false,
        node: { name: step.kind, value: '', children: () => [{ name: step.kind, value: step.text }] },
      });
    }
    if (this.machine instanceof TraceMachine) {
      const record = this.machine.recordScope();
      if (record) out.push(record);
      // A trace debugged before its replay ended: how far the replay is, and what only its end gives.
      if (this.machine.data.debuggedBeforeEnd) out.push(this.machine.replayScope());
    }
    return out;
  }

  private scriptName(): string {
    return this.path.split(/[\\/]/).pop() ?? 'script';
  }

  /**
   * A command's frame (on the line that enqueued it: the `cmd` statement, or the descriptor's
   * entry) and, in a script or trace, the doorbell that made it pending below it. The frame is
   * named by its slot and opcode only (`CMDQ[2] CFGI_STE`): the Call Stack has room for a few
   * words, and the Command queue scope decodes every field.
   */
  private commandFrames(text: string, line: number): Frame[] {
    const frames: Frame[] = [{ name: text.split(' ').slice(0, 2).join(' '), line, kind: 'command' }];
    if (this.kind !== 'queue') frames.push({ name: 'doorbell', line: this.machine.state.doorbellLine, kind: 'script' });
    return frames;
  }

  /**
   * What the operation at history position `pos - 1` executed, as frames: where an exception or a
   * data breakpoint that operation caused is shown (the statement, record or command that did
   * it), rather than the next statement.
   */
  private framesOf(op: Op, r: OpResult): Frame[] | undefined {
    if (r.line === undefined) return undefined;
    if (op.k === 'cmd') return this.commandFrames(r.command ?? 'command', r.line);
    if (op.k === 'stmt') return [{ name: this.scriptName(), line: r.line, kind: 'script' }];
    return undefined;
  }

  // --- breakpoints ---------------------------------------------------------------------------

  /** The first line at or after `line` a breakpoint can stop at: a statement or record, or a pending queue entry. */
  private stoppableLine(line: number): number | undefined {
    const m = this.machine;
    if (this.kind === 'queue') return [...(m.pendingLines ?? [])].sort((a, b) => a - b).find((l) => l >= line);
    const i = m.statementAtOrAfter(line);
    return i === undefined ? undefined : m.statementLine(i);
  }

  setBreakpoints(requests: readonly BreakpointRequest[]): BreakpointResult[] {
    this.breakpoints = [];
    return requests.map((r) => {
      const id = this.nextId++;
      if (
        this.kind === 'queue' &&
        !this.machine.pendingLines?.has(r.line) &&
        [...(this.machine.entryLines?.values() ?? [])].includes(r.line)
      ) {
        return {
          id,
          verified: false,
          line: r.line,
          message: 'this entry is not pending (outside CONS..PROD): the SMMU does not fetch it',
        };
      }
      const at = this.stoppableLine(r.line);
      // Past the records judged so far, while the replay goes on: known later (resolveBreakpoints).
      const pending = at === undefined && this.machine instanceof TraceMachine && !this.machine.data.complete;
      const line = at ?? (pending ? r.line : undefined);
      if (line === undefined)
        return {
          id,
          verified: false,
          line: r.line,
          message:
            this.kind === 'queue'
              ? 'no pending queue entry at or after this line'
              : this.kind === 'trace'
                ? 'no record at or after this line: comments, config and base lines are not records'
                : 'no statement at or after this line: comments, const lines and config lines (but one directly after a reset) do not execute',
        };
      let condition: CompiledExpr | undefined;
      if (r.condition?.trim()) {
        try {
          condition = compileExpr(r.condition);
        } catch (e) {
          return { id, verified: false, line, message: `condition: ${e instanceof Error ? e.message : String(e)}` };
        }
      }
      let hit: ((n: number) => boolean) | undefined;
      if (r.hitCondition?.trim()) {
        const h = parseHitCondition(r.hitCondition);
        if (typeof h === 'string') return { id, verified: false, line, message: h };
        hit = h;
      }
      this.breakpoints.push({
        id,
        line,
        ...(condition ? { condition } : {}),
        ...(hit ? { hit } : {}),
        ...(r.logMessage ? { logMessage: r.logMessage } : {}),
        ...(pending ? { pending } : {}),
        hits: 0,
      });
      if (pending) return { id, verified: false, line, message: this.pendingMessage() };
      return {
        id,
        verified: true,
        line,
        ...(line !== r.line
          ? {
              message: `moved to line ${line + 1}, the next ${this.kind === 'queue' ? 'pending queue entry' : this.kind === 'trace' ? 'record' : 'statement'}`,
            }
          : {}),
      };
    });
  }

  private pendingMessage(): string {
    return 'pending: the replay has not reached this line yet (the debugging began before its end); verified when it does';
  }

  /**
   * Breakpoints asked for past the records judged so far, now that the replay has gone further:
   * those it has reached, verified at their record's line (or refused: no record at or after
   * their line, once the replay has ended). Call after each slice of the replay.
   */
  resolveBreakpoints(): BreakpointResult[] {
    const out: BreakpointResult[] = [];
    const complete = !(this.machine instanceof TraceMachine) || this.machine.data.complete;
    for (const b of this.breakpoints) {
      if (!b.pending) continue;
      const line = this.stoppableLine(b.line);
      if (line === undefined && !complete) continue;
      b.pending = false;
      if (line === undefined) {
        out.push({
          id: b.id,
          verified: false,
          line: b.line,
          message: 'no record at or after this line: comments, config and base lines are not records',
        });
        continue;
      }
      const asked = b.line;
      b.line = line;
      out.push({
        id: b.id,
        verified: true,
        line,
        ...(line !== asked ? { message: `moved to line ${line + 1}, the next record` } : {}),
      });
    }
    this.breakpoints = this.breakpoints.filter((b) => b.pending || out.every((o) => o.id !== b.id || o.verified));
    return out;
  }

  setExceptionFilters(filters: readonly string[]): string[] {
    const known = new Set<string>(EXCEPTION_FILTERS.map((f) => f.filter));
    this.filters = new Set(filters.filter((f) => known.has(f)) as ExceptionFilter[]);
    return filters.filter((f) => !known.has(f));
  }

  /** Can `name` (a register or REG.FIELD) be watched? Returns its data id or why not. */
  dataBreakpointInfo(name: string): { dataId?: string; description: string } {
    try {
      const e = compileExpr(name);
      if (!e.lvalue)
        return {
          description: `'${name}' is not a register or field: data breakpoints watch SMMU registers and fields`,
        };
      const id = e.lvalue.field ? `${e.lvalue.reg.name}.${e.lvalue.field.name}` : e.lvalue.reg.name;
      return { dataId: id, description: `when SMMU_${id} changes` };
    } catch (e) {
      return { description: e instanceof Error ? e.message : String(e) };
    }
  }

  setDataBreakpoints(
    requests: readonly { dataId: string; condition?: string }[],
  ): { verified: boolean; message?: string }[] {
    this.dataBreakpoints = [];
    return requests.map((r) => {
      try {
        const expr = compileExpr(r.dataId);
        if (!expr.lvalue) return { verified: false, message: `${r.dataId} is not a register or field` };
        const condition = r.condition?.trim() ? compileExpr(r.condition) : undefined;
        this.dataBreakpoints.push({ id: r.dataId, expr, ...(condition ? { condition } : {}) });
        return { verified: true };
      } catch (e) {
        return { verified: false, message: e instanceof Error ? e.message : String(e) };
      }
    });
  }

  // --- state for expressions ----------------------------------------------------------------

  readonly exprState: ExprState = {
    register: (reg) => this.machine.engine.smmu.peek(reg.name),
    // The Secure PA space reads as zeros until something is placed there (§3.10; it is made on first use).
    memory: (address, bytes, secure) =>
      secure
        ? (this.machine.engine.memory.secureIfUsed?.read(address, bytes) ?? 0n)
        : this.machine.engine.memory.read(address, bytes),
  };

  // --- stepping ------------------------------------------------------------------------------

  /** Execute one operation at the current position, record it, and check exception and data breakpoints. */
  private advance(op: Op): Stop | undefined {
    const m = this.machine;
    if (this.pos < this.history.position) this.history.truncate(this.pos);
    const watched = this.dataBreakpoints.map((d) => d.expr.evaluate(this.exprState));
    const gerrorBefore = this.activeGlobalErrors();
    const r = m.exec(op);
    this.history.push(op, m.where(), (prev) => m.snapshot(prev));
    this.pos = this.history.position;
    if (op.k === 'eval' || op.k === 'reg' || op.k === 'mem') return undefined;
    return this.raise(op, r, this.exceptionStop(r, gerrorBefore) ?? this.dataStop(watched));
  }

  /** An exception or data breakpoint stop caused by `op` (which brought the session to `pos`) is shown on what `op` executed. */
  private raise(op: Op, r: OpResult, stop: Stop | undefined): Stop | undefined {
    const frames = stop ? this.framesOf(op, r) : undefined;
    if (frames) this.raised = { pos: this.pos, frames };
    return stop;
  }

  /** Leave a raised stop (any request that moves on); true if the session was at one. */
  private leaveRaised(): boolean {
    const was = this.raised !== undefined && this.raised.pos === this.pos;
    this.raised = undefined;
    return was;
  }

  private activeGlobalErrors(): bigint {
    const s = this.machine.engine.smmu;
    return s.peek('GERROR') ^ s.peek('GERRORN');
  }

  private exceptionStop(r: OpResult, gerrorBefore: bigint): Stop | undefined {
    const hit = (id: string, description: string): Stop => {
      this.lastException = { id, description };
      return { reason: 'exception', description };
    };
    if (this.filters.has('expectation') && r.failedExpectations > 0) {
      const d = r.diagnostics.find(
        (x) => x.code === 'expect.failed' || x.code.startsWith('expect') || x.severity === 'error',
      );
      return hit('expectation', `failed expectation: ${d?.message ?? 'an expectation was not met'}`);
    }
    if (this.filters.has('gerror')) {
      const newly = this.activeGlobalErrors() & ~gerrorBefore;
      if (newly !== 0n) {
        const a = r.activity.find((x) => x.kind === 'gerror');
        return hit('gerror', a ? a.text : `GERROR bits ${hex(newly)} activated`);
      }
    }
    if (this.filters.has('event')) {
      const a = r.activity.find((x) => x.kind === 'event');
      if (a) return hit('event', a.text);
    }
    if (this.filters.has('unpredictable')) {
      const d = r.diagnostics.find(
        (x) => UNADVERTISED_CODES.has(x.code) || x.message.includes('CONSTRAINED UNPREDICTABLE'),
      );
      if (d) return hit('unpredictable', d.message);
    }
    return undefined;
  }

  private dataStop(before: readonly bigint[]): Stop | undefined {
    for (let i = 0; i < this.dataBreakpoints.length; i++) {
      const d = this.dataBreakpoints[i] as DataBreakpoint;
      const now = d.expr.evaluate(this.exprState);
      if (now === before[i]) continue;
      if (d.condition && d.condition.evaluate(this.exprState) === 0n) continue;
      return {
        reason: 'data breakpoint',
        description: `SMMU_${d.id} changed: ${hex(before[i] as bigint, 64).replace(/^0x0{8}/, '0x')} → ${hex(now, 64).replace(/^0x0{8}/, '0x')}`,
      };
    }
    return undefined;
  }

  /** The line breakpoint to stop at here, after conditions, hit counts and logpoints. */
  private breakpointStop(): Stop | undefined {
    const w = this.machine.where();
    const line = w >> 1;
    const inCmd = (w & 1) === 1;
    if (this.kind !== 'queue' && inCmd) return undefined;
    if (this.machine.ended) return undefined;
    const ids: number[] = [];
    for (const b of this.breakpoints) {
      if (b.line !== line || b.pending) continue;
      if (b.condition) {
        try {
          if (b.condition.evaluate(this.exprState) === 0n) continue;
        } catch (e) {
          this.onOutput(
            `breakpoint condition at line ${line + 1}: ${e instanceof Error ? e.message : String(e)}\n`,
            line,
          );
          continue;
        }
      }
      b.hits++;
      if (b.hit && !b.hit(b.hits)) continue;
      if (b.logMessage !== undefined) {
        this.onOutput(this.interpolate(b.logMessage) + '\n', line);
        continue;
      }
      ids.push(b.id);
    }
    return ids.length ? { reason: 'breakpoint', breakpointIds: ids } : undefined;
  }

  /** A logpoint's `{expression}` parts replaced by their values. */
  interpolate(message: string): string {
    // `[^{}]`, not `[^}]`: a message of many `{` without a `}` took quadratic time to scan.
    return message.replace(/\{([^{}]*)\}/g, (_m, e: string) => {
      try {
        const x = compileExpr(e);
        return this.formatValue(x, x.evaluate(this.exprState));
      } catch (err) {
        return `<${err instanceof Error ? err.message : String(err)}>`;
      }
    });
  }

  private endStop(): Stop {
    const cut = this.machine instanceof TraceMachine ? this.machine.data.cancelledAt : undefined;
    if (cut !== undefined)
      return {
        reason: 'step',
        description: `end of what was replayed: the replay was cancelled at line ${(cut + 1).toLocaleString('en-US')}`,
      };
    return {
      reason: 'step',
      description:
        this.kind === 'trace' ? 'end of trace' : this.kind === 'script' ? 'end of script' : this.machine.queueState(),
    };
  }

  /** Step into: one statement, or one command when commands are pending. */
  stepIn(): Stop {
    const m = this.machine;
    // From a stop shown on the statement that raised it: on to the next statement, executing nothing.
    if (this.leaveRaised() || m.ended) return this.stepped();
    return this.advance(m.state.walk ? WALK : m.hasWork() ? CMD : STMT_INTO) ?? this.stepped();
  }

  private stepped(): Stop {
    return this.machine.ended ? this.endStop() : { reason: 'step' };
  }

  /** Step over: one statement and the commands it makes pending; inside a doorbell, one command. */
  next(budget = Infinity): Stop | undefined {
    const m = this.machine;
    if (this.leaveRaised() || m.ended) return this.stepped();
    if (m.state.walk) return this.advance(WALK) ?? this.stepped();
    if (m.hasWork()) return this.advance(CMD) ?? this.stepped();
    const s = this.advance(STMT);
    if (s) return s;
    return this.runUntil('drain', budget);
  }

  /** Step out: inside a doorbell, consume the rest of the commands; at the script level, continue. */
  stepOut(budget = Infinity): Stop | undefined {
    this.leaveRaised();
    const m = this.machine;
    if (m.state.walk) {
      while (m.state.walk) this.advance(WALK);
      return this.stepped();
    }
    if (m.hasWork() && this.kind !== 'queue') return this.runUntil('drain', budget);
    return this.continue(budget);
  }

  pause(): void {
    this.pauseRequested = true;
  }

  /**
   * Run until a breakpoint, an exception, a data breakpoint, a pause or the end. At most `budget`
   * operations: returns undefined when the budget ran out (the caller yields, then calls
   * `resume`, so a pause request can arrive).
   */
  continue(budget = Infinity): Stop | undefined {
    return this.runUntil('run', budget);
  }

  /** What `resume` is doing: running on, or consuming the commands of the doorbell stepped over. */
  private target: 'run' | 'drain' = 'run';

  private runUntil(target: 'run' | 'drain', budget: number): Stop | undefined {
    this.leaveRaised();
    this.target = target;
    this.pauseRequested = false;
    return this.resume(budget);
  }

  resume(budget = Infinity): Stop | undefined {
    let n = 0;
    const drain = this.target === 'drain';
    for (;;) {
      if (drain ? !this.machine.hasWork() : this.machine.ended) return drain ? this.stepped() : this.endStop();
      if (this.pauseRequested) {
        this.pauseRequested = false;
        return { reason: 'pause' };
      }
      if (n++ >= budget) return undefined;
      // The replay has not judged the next record yet: the caller waits for it, then resumes.
      if (this.starved) return undefined;
      const s = drain ? this.advance(CMD) : (this.advance(this.machine.nextOp()) ?? this.breakpointStop());
      if (s) return s;
    }
  }

  /** Checks breakpoints at the start (stopOnEntry false: the first statement may have one). */
  entryBreakpoint(): Stop | undefined {
    return this.breakpointStop();
  }

  // --- time travel ---------------------------------------------------------------------------

  /** Re-create the state at history position `target` from the nearest snapshot. */
  goTo(target: number): void {
    this.raised = undefined;
    const c = this.history.checkpointAt(target);
    this.machine.restore(c.snap);
    for (let i = c.pos; i < target; i++) this.machine.exec(this.history.ops[i] as Op);
    this.pos = target;
  }

  /** The stop at position 0: the start, or the oldest step kept when the history forgot older ones (TRACE_HISTORY). */
  private startOfHistory(): Stop {
    const f = this.history.forgotten;
    return {
      reason: 'entry',
      description: f
        ? `at the oldest step kept: the history keeps at most ${this.history.maxPositions.toLocaleString('en-US')} steps, and forgot the ${f.toLocaleString('en-US')} before this one`
        : 'at the start of the history',
    };
  }

  get canStepBack(): boolean {
    return this.pos > 0;
  }

  /** Back to where the previous step of the same kind stopped: one statement, or one command inside a doorbell. */
  stepBack(): Stop {
    if (this.pos === 0) return this.startOfHistory();
    // From a stop shown on what raised it: undo exactly that statement or command.
    if (this.leaveRaised()) {
      this.goTo(this.pos - 1);
      return { reason: 'step' };
    }
    // In a queue descriptor every step is one command.
    const inCmd = this.kind === 'queue' || ((this.history.where[this.pos] as number) & 1) === 1;
    let t = this.pos - 1;
    if (!inCmd)
      while (t > 0 && (((this.history.where[t] as number) & 1) === 1 || this.history.ops[t]?.k === 'eval')) t--;
    this.goTo(t);
    return { reason: 'step' };
  }

  /**
   * Back to the last position where going forward would have stopped: a line breakpoint whose
   * condition holds, a data breakpoint's change, or an exception filter; else the start. Each
   * window between snapshots is re-executed forward once, from the newest window back.
   */
  reverseContinue(): Stop {
    let end = this.pos;
    while (end > 0) {
      const c = this.history.checkpointAt(end - 1);
      this.machine.restore(c.snap);
      let found: { t: number; stop: Stop; raised?: Frame[] } | undefined;
      for (let t = c.pos; t < end; t++) {
        const watched = this.dataBreakpoints.map((d) => d.expr.evaluate(this.exprState));
        const gerrorBefore = this.activeGlobalErrors();
        const op = this.history.ops[t] as Op;
        const r = this.machine.exec(op);
        if (t + 1 >= this.pos) break;
        const user = op.k === 'eval' || op.k === 'reg' || op.k === 'mem';
        const raised = user ? undefined : (this.exceptionStop(r, gerrorBefore) ?? this.dataStop(watched));
        const stop = raised ?? this.lineBreakpointHere();
        if (stop) found = { t: t + 1, stop, ...(raised ? { raised: this.framesOf(op, r) } : {}) };
      }
      if (found) {
        this.goTo(found.t);
        if (found.raised) this.raised = { pos: found.t, frames: found.raised };
        return found.stop;
      }
      end = c.pos;
    }
    this.goTo(0);
    return this.startOfHistory();
  }

  /** A line breakpoint (not a logpoint) here whose condition holds; hit counts do not apply backwards. */
  private lineBreakpointHere(): Stop | undefined {
    const w = this.machine.where();
    if ((this.kind !== 'queue' && (w & 1) === 1) || this.machine.ended) return undefined;
    const ids = this.breakpoints
      .filter(
        (b) =>
          b.line === w >> 1 &&
          !b.pending &&
          !b.logMessage &&
          (!b.condition || b.condition.evaluate(this.exprState) !== 0n),
      )
      .map((b) => b.id);
    return ids.length ? { reason: 'breakpoint', breakpointIds: ids } : undefined;
  }

  // --- the console and edits ------------------------------------------------------------------

  formatValue(e: CompiledExpr, v: bigint): string {
    const reg = e.lvalue && !e.lvalue.field ? e.lvalue.reg : undefined;
    if (reg) return `${hex(v, reg.width)} (${symbolic(reg, v)})`;
    const en = e.lvalue?.field?.values?.find((x) => BigInt(x.value) === v);
    return v > 9n
      ? `0x${v.toString(16).toUpperCase()}${en ? ` (${en.name})` : ''}`
      : `${v}${en ? ` (${en.name})` : ''}`;
  }

  /**
   * Evaluate console input: an expression (`CMDQ_CONS.ERR`, `mem32(0x40100000)`), `decode REG
   * VALUE`, or (with `sideEffects`) any script statement, executed on the model and recorded in
   * the history. Throws Error with a message for the user.
   */
  evaluate(text: string, sideEffects: boolean): string {
    const t = text.trim();
    // The value starts at a non-blank (`\S.*`): with `(.+)` a long run of blanks took quadratic time.
    const dec = /^decode\s+(\S+)\s+(\S.*)$/i.exec(t);
    if (dec) {
      const d = decodeValue(dec[1] as string, dec[2] as string, this.machine.engine.config);
      if (d.error !== undefined) throw new Error(d.error);
      return formatDecoded(d.decoded);
    }
    let exprError: ExprError | undefined;
    try {
      const e = compileExpr(t);
      return this.formatValue(e, e.evaluate(this.exprState));
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      exprError = e;
    }
    if (!sideEffects) throw exprError;
    const resolved = resolveScript(parseScript(t, { keepTokens: false }));
    const err = resolved.diagnostics.find((d) => d.severity === 'error');
    if (err || !resolved.statements.length) {
      // Neither an expression nor a statement: say what each reading found.
      throw new Error(
        err
          ? `${err.message} (column ${err.range.start.character + 1}); as an expression: ${exprError.message}`
          : exprError.message,
      );
    }
    const r = this.record({ k: 'eval', statements: resolved.statements });
    const out = [
      ...(r.lines ?? []),
      ...r.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.severity}: ${d.message}`),
    ];
    return out.join('\n') || 'done';
  }

  private record(op: Op): OpResult {
    this.raised = undefined;
    const m = this.machine;
    if (this.pos < this.history.position) this.history.truncate(this.pos);
    const r = m.exec(op);
    this.history.push(op, m.where(), (prev) => m.snapshot(prev));
    this.pos = this.history.position;
    return r;
  }

  /**
   * Set a register or a field as a guest write would (the whole register is written: read,
   * replace the field, write back), recorded in the history. Returns the value read back and
   * what the model reported about the write.
   */
  setRegister(reg: RegisterDef, field: FieldDef | undefined, valueText: string): { value: string; findings: string[] } {
    let v: bigint;
    const t = valueText.trim();
    const en = field?.values?.find((x) => x.name.toLowerCase() === t.toLowerCase());
    if (en) v = BigInt(en.value);
    else {
      const d = field ? undefined : decodeValue(reg.name, t, this.machine.engine.config);
      if (d && d.error === undefined) v = d.decoded.value;
      else v = compileExpr(t).evaluate(this.exprState);
    }
    const smmu = this.machine.engine.smmu;
    let value = v;
    if (field) {
      const width = field.msb - field.lsb + 1;
      if (v >= 1n << BigInt(width))
        throw new Error(`${hex(v, 64)} does not fit ${reg.name}.${field.name} (${width} bits)`);
      value = depositField(smmu.peek(reg.name), field, v);
    }
    const r = this.record({ k: 'reg', offset: registerOffset(reg, smmu.ids), size: reg.width === 64 ? 8 : 4, value });
    const now = smmu.peek(reg.name);
    const shown = field ? (now >> BigInt(field.lsb)) & ((1n << BigInt(field.msb - field.lsb + 1)) - 1n) : now;
    return {
      value: field
        ? shown > 9n
          ? `0x${shown.toString(16).toUpperCase()}`
          : `${shown}`
        : `${hex(now, reg.width)} (${symbolic(reg, now)})`,
      findings: r.diagnostics.map((d) => `${d.severity}: ${d.message}`),
    };
  }

  /**
   * A register write at `offset` from the SMMU base, of `size` bytes, as a guest makes it,
   * recorded in the history; what the model reported about it, one line each.
   */
  writeRegisterAt(offset: number, size: AccessSize, value: bigint): string[] {
    const r = this.record({ k: 'reg', offset, size, value });
    return r.diagnostics.map((d) => `${d.severity}: ${d.message}`);
  }

  writeMemory(address: bigint, bytes: readonly number[], secure = false): void {
    this.record({ k: 'mem', address, bytes: [...bytes], ...(secure ? { secure } : {}) });
  }

  /** `count` bytes at `address` of the Non-secure PA space, or with `secure` of the Secure one (zeros until used, §3.10). */
  readMemory(address: bigint, count: number, secure = false): Uint8Array {
    const out = new Uint8Array(count);
    const mem = secure ? this.machine.engine.memory.secureIfUsed : this.machine.engine.memory;
    if (!mem) return out;
    for (let i = 0; i < count; i++) out[i] = mem.readByte(address + BigInt(i));
    return out;
  }
}
