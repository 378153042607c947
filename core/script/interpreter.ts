/**
 * Runs resolved script statements on the model, turning the model's findings and failed
 * expectations into positioned diagnostics, and recording what every read returned (for inlay
 * hints, the register view and the debugger later).
 */
import type { Activity } from '../engine/activity';
import type { Engine } from '../engine/engine';
import { GuestMemoryLimitError, type GuestMemory } from '../model/memory';
import { formatBytes } from '../base/files';
import { runAction, type ScriptState } from './actions';
import { startLine, type Range, type ScriptDiagnostic } from '../base/diagnostics';
import { counted } from '../text/plural';
import type { ResolvedStatement } from './resolve';
import { ACCESS } from './statements/access';
import { MEM } from './statements/memory';
import { addCounts, noCounts, type Observation, type RunCounts, type StepState } from './run-state';

export { addCounts, noCounts, type Observation, type RunCounts } from './run-state';

export interface RunResult {
  readonly diagnostics: ScriptDiagnostic[];
  readonly observations: Observation[];
  readonly failedExpectations: number;
  readonly counts: RunCounts;
  readonly memory: GuestMemory;
  /** The line (0-based) of the statement at which the model stopped before the end (a bound hit). */
  readonly stoppedAt?: number;
}

/** The diagnostic of a statement that needed more guest memory than the model may hold. */
function memoryFull(e: GuestMemoryLimitError, range: Range): ScriptDiagnostic {
  return {
    severity: 'error',
    code: 'run.memory-limit',
    message: `the model stopped here: this statement needs more than ${formatBytes(e.limitBytes)} of guest memory (distinct 4 KB pages written), the limit (\`--max-guest-memory\`, setting smmu.model.maxGuestMemory); the statements after it were not executed`,
    range,
  };
}

/**
 * Whether a statement carries an expectation: `== v` / `!= v` after a read, `poll`, `dma` or `pri`,
 * and `expect` lines. Summaries count these (met, failed, never run).
 */
export function hasExpectation(s: ResolvedStatement): boolean {
  if (s.kind === 'include') return false;
  if (s.kind === 'action') return s.verb === 'expect' || s.expect !== undefined;
  if (s.kind === 'access' && s.abort !== undefined) return true;
  return s.op === 'read' && s.expect !== undefined;
}

/**
 * A summary as one flat string. Summaries are built by concatenation, which V8 holds as a tree of
 * pieces (about eight objects each) until the string is first read; observations are kept while
 * their script is open, so the pieces cost more memory than the text. Reading a character makes
 * V8 flatten the string in place (measured: 1.7 MB less per 10,000-line script).
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

/**
 * An action's observation whose summary `make` makes when it is first read, then kept. Inlay
 * hints ask only for the lines on screen, and a check keeps every line's observation: a `cmd`
 * line's text needs its command decoded, which is otherwise not done when the command is legal
 * (commands.ts).
 *
 * A class, with the getter on its prototype: an object literal's getter is defined by a runtime
 * call for each object in the baseline code a cold check runs (about 2 % of the bench's first
 * check, docs/performance.md). `summary` is therefore not an own property: JSON gets it from
 * toJSON, and nothing spreads an observation.
 */
class ObservedAction {
  declare readonly line: number;
  declare readonly kind: 'action';
  declare readonly value: bigint;
  declare readonly ok: boolean;
  declare activity?: readonly Activity[];
  declare private text: string | undefined;
  declare private make: (() => string) | undefined;

  constructor(line: number, make: () => string) {
    this.line = line;
    this.kind = 'action';
    this.value = 0n;
    this.ok = true;
    this.text = undefined;
    this.make = make;
  }

  get summary(): string {
    if (this.text === undefined) {
      this.text = flat((this.make as () => string)());
      // What made it may hold a command's words or a walk's result: not needed once made.
      this.make = undefined;
    }
    return this.text;
  }

  /** The plain observation, summary included, as an object literal's getter gave it. */
  toJSON(): Observation {
    const o = { line: this.line, kind: this.kind, value: this.value, ok: this.ok, summary: this.summary };
    return this.activity ? { ...o, activity: this.activity } : o;
  }
}

/**
 * Run statements on the engine. `shared` and `lastWrite` carry the script's state across calls
 * when a script runs in slices (runSliced).
 */
export function run(
  statements: readonly ResolvedStatement[],
  engine: Engine,
  shared?: ScriptState,
  lastWrite: Map<string, Range> = new Map(),
): RunResult {
  const diagnostics: ScriptDiagnostic[] = [];
  const observations: Observation[] = [];
  const memory = engine.memory;
  const state: ScriptState = shared ?? { eventCursor: 0 };
  const counts = noCounts();
  // What the statements executed with their definitions (access, mem) update.
  const st: StepState = { engine, diagnostics, observations, counts, lastWrite, failed: 0 };
  // The statement loop is the check's hot path: no closure per statement and no object spreads
  // (V8 copies spread properties one by one).
  const activitySince = (before: number) =>
    engine.activity.length > before ? engine.activity.slice(before) : undefined;
  let stoppedAt: number | undefined;
  // Indexed loops here and below: a cold start runs this in V8's interpreter, where `for…of`
  // allocates an iterator result per element (docs/performance.md).
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i] as ResolvedStatement;
    const before = engine.activity.length;
    try {
      if (s.kind === 'include') {
        // The included statements run in place, on the same model and script state; what they
        // report is shown on the include line, pointing into the included file.
        const inner = run(s.statements, engine, state);
        st.failed += inner.failedExpectations;
        addCounts(counts, inner.counts);
        if (inner.stoppedAt !== undefined) stoppedAt = startLine(s.range);
        const file = s.path.split(/[\\/]/).pop() ?? s.path;
        for (const d of inner.diagnostics) {
          if (d.severity === 'info') continue;
          diagnostics.push({
            severity: d.severity,
            code: d.code,
            message: `in ${file}:${d.range.start.line + 1}: ${d.message}`,
            range: s.range,
            related: [{ message: d.message, range: d.range, path: s.path }],
          });
        }
        observations.push({
          line: startLine(s.range),
          kind: 'action',
          value: 0n,
          ok: true,
          summary: `${file}: ${counted(inner.observations.length, 'statement')} run`,
        });
        if (stoppedAt !== undefined) break;
        continue;
      }
      if (s.kind === 'action') {
        let o;
        try {
          o = runAction(engine, state, s);
        } catch (e) {
          if (e instanceof GuestMemoryLimitError) throw e;
          // A model bug must not take the editor down: report it on the line.
          o = {
            diagnostics: [
              {
                severity: 'error' as const,
                code: 'internal',
                message: `internal error while running this statement: ${String(e)}`,
                range: s.range,
              },
            ],
          };
        }
        for (let k = 0; k < o.diagnostics.length; k++) diagnostics.push(o.diagnostics[k] as ScriptDiagnostic);
        if ('failedExpectation' in o && o.failedExpectation) st.failed++;
        if (hasExpectation(s)) {
          counts.expectationsRun++;
          if ('metExpectation' in o && o.metExpectation) counts.expectationsMet++;
        }
        const act = activitySince(before);
        // What the SMMU reported on its own during the statement (stale entries, lost events).
        for (let k = 0; act !== undefined && k < act.length; k++) {
          const a = act[k] as Activity;
          if (a.reported || !a.severity || a.severity === 'info') continue;
          diagnostics.push({
            severity: a.severity,
            code: a.code ?? a.kind,
            message: a.section ? `${a.text} (§${a.section})` : a.text,
            range: s.range,
            ...(a.section ? { section: a.section } : {}),
          });
        }
        const summary = 'summary' in o ? o.summary : undefined;
        const obs: {
          line: number;
          kind: 'action';
          value: bigint;
          ok: boolean;
          readonly summary?: string;
          activity?: readonly Activity[];
        } =
          typeof summary === 'function'
            ? new ObservedAction(startLine(s.range), summary)
            : summary
              ? { line: startLine(s.range), kind: 'action', value: 0n, ok: true, summary: flat(summary) }
              : { line: startLine(s.range), kind: 'action', value: 0n, ok: true };
        if (act) obs.activity = act;
        observations.push(obs);
        continue;
      }
      if (s.kind === 'mem') {
        MEM.execute(st, s);
        continue;
      }
      ACCESS.execute(st, s, before);
    } catch (e) {
      if (!(e instanceof GuestMemoryLimitError)) throw e;
      diagnostics.push(memoryFull(e, s.range));
      stoppedAt = startLine(s.range);
      break;
    }
  }
  const failedExpectations = st.failed;
  return stoppedAt === undefined
    ? { diagnostics, observations, failedExpectations, counts, memory }
    : { diagnostics, observations, failedExpectations, counts, memory, stoppedAt };
}

/** The note on the first statement a time-limited run did not reach. */
export function timeLimitStop(range: Range, ms: number): ScriptDiagnostic {
  return {
    severity: 'warning',
    code: 'run.time-limit',
    message: `the model stopped here after ${ms / 1000} s, the editor's limit for one run; this statement and the ones after it were not executed (\`smmu run\` has no time limit)`,
    range,
  };
}

/** Statements run between two chances to stop: about a millisecond of work. */
export const RUN_SLICE = 256;

/**
 * `run` in slices, giving the caller's event loop a turn between slices (`pause`) and stopping
 * when `cancelled()` says so: an editor must be able to drop a check made stale by a newer edit,
 * or a request the client cancelled. Undefined when stopped; otherwise the same result as `run`.
 */
export async function runSliced(
  statements: readonly ResolvedStatement[],
  engine: Engine,
  pause: () => Promise<void>,
  cancelled: () => boolean,
  timeLimitMs?: number,
  state: ScriptState = { eventCursor: 0 },
): Promise<RunResult | undefined> {
  const lastWrite = new Map<string, Range>();
  const diagnostics: ScriptDiagnostic[] = [];
  const observations: Observation[] = [];
  let failedExpectations = 0;
  const counts = noCounts();
  const started = Date.now();
  for (let i = 0; i < statements.length; i += RUN_SLICE) {
    if (i > 0) {
      await pause();
      if (cancelled()) return undefined;
      if (timeLimitMs !== undefined && Date.now() - started > timeLimitMs) {
        const next = statements[i] as ResolvedStatement;
        diagnostics.push(timeLimitStop(next.range, timeLimitMs));
        return {
          diagnostics,
          observations,
          failedExpectations,
          counts,
          memory: engine.memory,
          stoppedAt: startLine(next.range),
        };
      }
    }
    const r = run(statements.slice(i, i + RUN_SLICE), engine, state, lastWrite);
    for (const d of r.diagnostics) diagnostics.push(d);
    for (const o of r.observations) observations.push(o);
    failedExpectations += r.failedExpectations;
    addCounts(counts, r.counts);
    if (r.stoppedAt !== undefined)
      return { diagnostics, observations, failedExpectations, counts, memory: engine.memory, stoppedAt: r.stoppedAt };
  }
  return { diagnostics, observations, failedExpectations, counts, memory: engine.memory };
}
