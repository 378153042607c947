/**
 * Runs resolved script statements on the model, turning the model's findings and failed
 * expectations into positioned diagnostics, and recording what every read returned (for inlay
 * hints, the register view and the debugger later).
 */
import type { Activity } from '../engine/activity';
import type { Engine } from '../engine/engine';
import type { Finding } from '../model/access';
import { GuestMemoryLimitError, type GuestMemory } from '../model/memory';
import { formatBytes } from '../base/files';
import type { Smmu } from '../model/smmu';
import { runAction, type ScriptState } from './actions';
import { decode, extractField, hex, symbolic } from '../registers/codec';
import type { RegisterDef, RegisterName } from '../registers/types';
import { startLine, type Range, type ScriptDiagnostic } from '../base/diagnostics';
import { counted } from '../text/plural';
import type { ResolvedExpectation, ResolvedStatement } from './resolve';
import { abortExpectationFailure } from './statements/access';

/** What one executed statement observed. */
export interface Observation {
  readonly line: number;
  readonly kind: 'read' | 'write' | 'action';
  readonly register?: RegisterName;
  readonly value: bigint;
  readonly ok: boolean;
  /** What an engine statement did, in one line (inlay hints, `--trace`). */
  readonly summary?: string;
  /** What the SMMU did during this statement (engine.activity[from..to)). */
  readonly activity?: readonly Activity[];
}

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
 * What a run did, included files too: summaries report these, never what the script merely says
 * (a statement after the model stopped did nothing). Reads and writes are MMIO and memory accesses.
 */
export interface RunCounts {
  reads: number;
  writes: number;
  /** Statements with an expectation that were executed, and those whose expectation held. */
  expectationsRun: number;
  expectationsMet: number;
}

export function noCounts(): RunCounts {
  return { reads: 0, writes: 0, expectationsRun: 0, expectationsMet: 0 };
}

export function addCounts(into: RunCounts, c: RunCounts): void {
  into.reads += c.reads;
  into.writes += c.writes;
  into.expectationsRun += c.expectationsRun;
  into.expectationsMet += c.expectationsMet;
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

function findingToDiagnostic(f: Finding, range: Range, related?: ScriptDiagnostic['related']): ScriptDiagnostic {
  return {
    severity: f.severity,
    code: f.code,
    message: `${f.message} (§${f.section})`,
    range,
    section: f.section,
    ...(related?.length ? { related } : {}),
  };
}

function describeValue(reg: RegisterDef | undefined, byte: number, v: bigint): string {
  if (!reg || byte !== 0) return hex(v);
  return `${hex(v, reg.width)} (${symbolic(reg, v)})`;
}

/** Compare a value with an expectation; the message explains a mismatch field by field. */
function checkExpectation(
  e: ResolvedExpectation,
  got: bigint,
  reg: RegisterDef | undefined,
  byte: number,
  what: string,
  smmu: Smmu,
): string | undefined {
  const actual = (got & e.mask) >> BigInt(e.shift);
  const pass = e.op === '==' ? actual === e.value : actual !== e.value;
  if (pass) return undefined;
  if (e.field)
    return `${what}.${e.field.name} is ${actual}${e.op === '==' ? `, expected ${e.value}` : `, expected anything else`}`;
  if (e.op === '!=') return `${what} is ${describeValue(reg, byte, got)}, expected a different value`;
  let msg = `${what} is ${describeValue(reg, byte, got)}, expected ${describeValue(reg, byte, e.value)}`;
  if (reg && byte === 0) {
    const diffs = decode(reg, got, smmu.ids)
      .fields.filter((f) => extractField(e.value, f.field) !== f.value)
      .map((f) => `${f.field.name} is ${f.value}, expected ${extractField(e.value, f.field)}`);
    if (diffs.length) msg += `: ${diffs.join('; ')}`;
  }
  return msg;
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
  const smmu: Smmu = engine.smmu;
  const memory = engine.memory;
  const state: ScriptState = shared ?? { eventCursor: 0 };
  let failedExpectations = 0;
  const counts = noCounts();
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
        failedExpectations += inner.failedExpectations;
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
        if ('failedExpectation' in o && o.failedExpectation) failedExpectations++;
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
        const obs: {
          line: number;
          kind: 'action';
          value: bigint;
          ok: boolean;
          summary?: string;
          activity?: readonly Activity[];
        } = { line: startLine(s.range), kind: 'action', value: 0n, ok: true };
        if ('summary' in o && o.summary) obs.summary = flat(o.summary);
        if (act) obs.activity = act;
        observations.push(obs);
        continue;
      }
      if (s.kind === 'mem') {
        if (s.op === 'write') memory.write(s.address, s.size, s.value ?? 0n);
        const value = s.op === 'read' ? memory.read(s.address, s.size) : (s.value ?? 0n);
        observations.push({ line: startLine(s.range), kind: s.op, value, ok: true });
        counts[s.op === 'read' ? 'reads' : 'writes']++;
        if (s.op === 'read' && s.expect) {
          counts.expectationsRun++;
          const msg = checkExpectation(s.expect, value, undefined, 0, `memory at ${hex(s.address, 64)}`, smmu);
          if (msg) {
            failedExpectations++;
            diagnostics.push({ severity: 'error', code: 'expect.failed', message: msg, range: s.expect.range });
          } else counts.expectationsMet++;
        }
        continue;
      }
      const reg = s.register;
      const byte = s.byte;
      const aborts = s.abort;
      const r = s.op === 'read' ? smmu.read(s.offset, s.size) : smmu.write(s.offset, s.size, s.value ?? 0n);
      for (let k = 0; k < r.findings.length; k++) {
        const f = r.findings[k] as Finding;
        if (f.severity === 'info' && f.code === 'gerrorn.ack') continue;
        const range = f.code.startsWith('write.') && s.valueRange ? s.valueRange : s.targetRange;
        // A guarded write points at the line that set the guard (§6.2 Guarded).
        const related = (f.guards ?? []).flatMap((g) => {
          const at = lastWrite.get(g.register);
          return at ? [{ message: `SMMU_${g.register}.${g.field} was set here`, range: at }] : [];
        });
        // An access with an abort expectation is illegal on purpose: what the configuration chose
        // for it is what the expectation checks, so the rule is a note, not the script's error.
        diagnostics.push(
          findingToDiagnostic(
            aborts && f.choice !== undefined && f.severity !== 'info' ? { ...f, severity: 'info' } : f,
            range,
            related,
          ),
        );
      }
      if (s.op === 'write' && reg && r.ok) lastWrite.set(reg.name, s.range);
      const value = s.op === 'read' ? r.value : (s.value ?? 0n);
      const act = activitySince(before);
      const obs: {
        line: number;
        kind: 'read' | 'write';
        register: RegisterName | undefined;
        value: bigint;
        ok: boolean;
        activity?: readonly Activity[];
      } = { line: startLine(s.range), kind: s.op, register: reg?.name, value, ok: r.ok };
      if (act) obs.activity = act;
      observations.push(obs);
      counts[s.op === 'read' ? 'reads' : 'writes']++;
      if (aborts) {
        counts.expectationsRun++;
        const msg = abortExpectationFailure(aborts, s, r, smmu.config);
        if (msg) {
          failedExpectations++;
          diagnostics.push({
            severity: 'error',
            code: 'expect.failed',
            message: msg,
            range: aborts.range,
            section: '6.2',
          });
        } else counts.expectationsMet++;
      } else if (!r.ok) {
        diagnostics.push({
          severity: 'error',
          code: 'access.abort',
          message: 'the access was terminated with an abort: the guest takes an external abort',
          range: s.targetRange,
          section: '6.2',
        });
      }
      // An aborted read returned no data: its expectation ran and is not met (the abort is the error).
      if (s.op === 'read' && s.expect) counts.expectationsRun++;
      if (s.op === 'read' && s.expect && r.ok) {
        const what = reg ? `SMMU_${reg.name}${byte ? ` [63:32]` : ''}` : hex(BigInt(s.offset));
        const msg = checkExpectation(s.expect, r.value, reg, byte, what, smmu);
        if (msg) {
          failedExpectations++;
          diagnostics.push({ severity: 'error', code: 'expect.failed', message: msg, range: s.expect.range });
        } else counts.expectationsMet++;
      }
    } catch (e) {
      if (!(e instanceof GuestMemoryLimitError)) throw e;
      diagnostics.push(memoryFull(e, s.range));
      stoppedAt = startLine(s.range);
      break;
    }
  }
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
