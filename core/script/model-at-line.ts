/**
 * "Run the script up to line N": the model after a script's statements up to a line ran, under the
 * rule every check follows (nothing on or after the earliest error of syntax, names or
 * configuration runs; check.ts). The Registers and queue views, the code actions and the "What
 * happened here" hover read the model through this.
 *
 * The model is deterministic, so a run can start from a copy of an earlier run's state instead of
 * from line 1: `ModelRuns` keeps, for one document, snapshots taken every `interval` top-level
 * statements (the engine, the script's own state, the last-write map, counts, and what the run
 * reported on the way), and a later call restores the nearest one at or before its line and runs
 * forward. A cursor move in a long script then runs at most `interval` statements.
 *
 * The snapshots are taken by these runs, not by the check on open and edit: a check runs the
 * engine with its activity log off (check.ts, newEngine), and the log's length is part of the
 * state (the script's event cursor and TLB entries' sequence numbers index it), so a check's
 * engine is not the engine this module runs.
 */
import type { Activity } from '../engine/activity';
import { Engine } from '../engine/engine';
import { cloneState, pagesOf, PAGE_BYTES, restoreEngine, snapshotEngine } from '../engine/snapshot';
import type { ResolvedConfig } from '../config/types';
import { sameData } from '../base/equal';
import { startLine, type Range, type ScriptDiagnostic } from '../base/diagnostics';
import { addCounts, noCounts, run, RUN_SLICE, type Observation, type RunCounts, type RunResult } from './interpreter';
import type { ScriptState } from './actions';
import type { ResolvedStatement } from './resolve';
import type { ScriptCheck } from './check';

/** The model after a script's statements up to a line ran (modelAtLine). */
export interface ModelAtLine {
  readonly engine: Engine;
  readonly result: RunResult;
  /** The script's own state after the run (its copy of CMDQ_PROD, the event cursor). */
  readonly state: ScriptState;
  /**
   * Where each register was last written with an access that succeeded (the line a guarded
   * write's "set here" points at), as the run's interpreter kept it.
   */
  readonly lastWrite: ReadonlyMap<string, Range>;
  /** Set when the earliest error of the script lies at or before the line: the model stopped before it. */
  readonly stoppedBy?: ScriptDiagnostic;
}

/** What a run reported between two snapshots (between the start and the first). */
interface Segment {
  readonly observations: readonly Observation[];
  readonly diagnostics: readonly ScriptDiagnostic[];
  /** The engine's activity log in that stretch (the snapshot's engine is kept without it). */
  readonly activity: readonly Activity[];
}

/** Lengths of a run's observations, diagnostics and activity log. */
interface Totals {
  readonly observations: number;
  readonly diagnostics: number;
  readonly activity: number;
}

/** The state after the first `index` top-level statements ran. */
interface Checkpoint {
  readonly index: number;
  /** A copy nobody runs: restoring copies it again. Its activity log is empty (see `since`). */
  readonly engine: Engine;
  readonly state: ScriptState;
  readonly lastWrite: ReadonlyMap<string, Range>;
  readonly counts: RunCounts;
  readonly failedExpectations: number;
  /** Reported since the previous checkpoint; a dropped checkpoint's segment joins the next one's. */
  since: Segment;
  /** How much had been reported from the start up to here (where the next segment begins). */
  readonly totals: Totals;
  /** Estimated bytes of the copies (engine, state, last-write map) besides memory pages. */
  readonly bytes: number;
  /** The engine's memory pages (shared with other snapshots where unchanged: counted once). */
  readonly pages: readonly Uint32Array[];
}

/** How a run went, for tests and `smmu/serverStats`. */
export interface RunStats {
  /** Top-level statements already run by the snapshot it started from (0: a fresh model). */
  readonly restoredFrom: number;
  /** Top-level statements it ran itself. */
  readonly ran: number;
}

export interface ModelRunsOptions {
  /** Statements between snapshots at first (default SNAPSHOT_INTERVAL). */
  readonly interval?: number;
  /** Snapshots kept at most (default MAX_SNAPSHOTS). */
  readonly maxSnapshots?: number;
  /** Estimated bytes the snapshots' copies may take (default SNAPSHOT_BYTES). */
  readonly maxBytes?: number;
}

/**
 * Statements between snapshots at first. Measured on the benchmark's 10,000-line script (docs/
 * performance.md): a statement takes 10-13 µs with the activity log on, and a snapshot 0.08 ms
 * once the code is optimised (0.3 ms before) and 6-8 KB plus the memory pages written since the
 * previous one. Every 128 statements, a cursor move re-runs at most about 1.5 ms of statements
 * (medians of 0.6-1.3 ms with the restore, in two measurements; every 64: 0.4 ms against 0.6 in
 * the same one), and the 70 snapshots of a first run to line 9,000 cost 6-21 ms of its 150-180 ms
 * (every 64: twice that).
 */
export const SNAPSHOT_INTERVAL = 128;
/**
 * Snapshots kept at most; above it every other one goes and the interval doubles (as the
 * debugger's history does), so a script of any length keeps at most this many and a cursor move
 * re-runs at most about 1/64 of it: 10,000 statements keep 78 at the first interval.
 */
export const MAX_SNAPSHOTS = 128;
/**
 * The byte budget of one document's snapshots (cloneState's estimate, each memory page once):
 * guest memory is the part that can grow (a page written between two snapshots is copied;
 * unchanged pages are shared). Past it no snapshots are taken (ModelRuns.add). The results
 * reported on the way (observations, diagnostics, the activity log) are not in it: they are one
 * run's own results, up to the furthest snapshot, and a restored run's results start with them.
 */
export const SNAPSHOT_BYTES = 32 * 1024 * 1024;

/**
 * The snapshots of one document's runs. They are valid for the statements and the configuration
 * they were taken with: given a newer check (an edit, an included file that changed), the ones
 * whose preceding statements are unchanged are kept — compared by content, so an edit at line L
 * keeps the snapshots before L, and a `const` or `include` line whose change alters a later
 * statement's meaning changes that statement too — and a different configuration drops them all.
 */
export class ModelRuns {
  private checkpoints: Checkpoint[] = [];
  /** The statements the snapshots are for (each check resolves into a new array); runs of others take none. */
  private statements: readonly ResolvedStatement[] | undefined;
  private config: ResolvedConfig | undefined;
  interval: number;
  private readonly firstInterval: number;
  readonly maxSnapshots: number;
  readonly maxBytes: number;
  /** Snapshots holding each memory page, and the estimated bytes of the copies. */
  private readonly pageRefs = new Map<Uint32Array, number>();
  private objectBytes = 0;
  private pageBytes = 0;
  /** Set when a snapshot would have gone over the byte budget: none are taken further on. */
  private full = false;
  /** The last run's figures. */
  last: RunStats = { restoredFrom: 0, ran: 0 };

  constructor(options: ModelRunsOptions = {}) {
    this.interval = this.firstInterval = Math.max(1, options.interval ?? SNAPSHOT_INTERVAL);
    this.maxSnapshots = Math.max(1, options.maxSnapshots ?? MAX_SNAPSHOTS);
    this.maxBytes = options.maxBytes ?? SNAPSHOT_BYTES;
  }

  get snapshotCount(): number {
    return this.checkpoints.length;
  }

  /**
   * Estimated bytes the snapshots' copies take, each memory page once (the segments they keep
   * are a run's own results: see SNAPSHOT_BYTES).
   */
  get bytes(): number {
    return this.objectBytes + this.pageBytes;
  }

  private track(c: Checkpoint, sign: 1 | -1): void {
    this.objectBytes += sign * c.bytes;
    for (const p of c.pages) {
      const n = (this.pageRefs.get(p) ?? 0) + sign;
      if (n === 0) {
        this.pageRefs.delete(p);
        this.pageBytes -= PAGE_BYTES;
      } else {
        if (n === 1 && sign === 1) this.pageBytes += PAGE_BYTES;
        this.pageRefs.set(p, n);
      }
    }
  }

  /** Keep `kept` (in order) of the snapshots, forgetting the others. */
  private keep(kept: Checkpoint[]): void {
    const set = new Set(kept);
    for (const c of this.checkpoints) if (!set.has(c)) this.track(c, -1);
    this.checkpoints = kept;
  }

  /** Top-level statement indexes of the snapshots (tests). */
  get indexes(): readonly number[] {
    return this.checkpoints.map((c) => c.index);
  }

  /** Keep the snapshots still valid for `check` (see the class comment). */
  adopt(check: ScriptCheck): void {
    const statements = check.resolved.statements;
    if (statements === this.statements && check.config === this.config) return;
    const old = this.statements;
    const count = this.checkpoints.length;
    if (old === undefined || this.config === undefined || !sameData(this.config, check.config)) this.keep([]);
    else {
      const furthest = this.furthest?.index ?? 0;
      let same = 0;
      while (same < furthest && same < statements.length && sameData(old[same], statements[same])) same++;
      this.keep(this.checkpoints.filter((c) => c.index <= same));
    }
    if (this.checkpoints.length < count) this.full = false;
    if (this.checkpoints.length === 0) this.interval = this.firstInterval;
    this.statements = statements;
    this.config = check.config;
  }

  /** How many snapshots from the start lie at or before statement `index`. */
  private countUpTo(index: number): number {
    let lo = 0;
    let hi = this.checkpoints.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.checkpoints[mid] as Checkpoint).index <= index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The nearest snapshot at or before statement `index`, with everything reported before it. */
  restore(index: number): { readonly at: Checkpoint; readonly before: Segment } | undefined {
    const n = this.countUpTo(index);
    if (n === 0) return undefined;
    const observations: Observation[] = [];
    const diagnostics: ScriptDiagnostic[] = [];
    const activity: Activity[] = [];
    for (let i = 0; i < n; i++) {
      const s = (this.checkpoints[i] as Checkpoint).since;
      for (const o of s.observations) observations.push(o);
      for (const d of s.diagnostics) diagnostics.push(d);
      for (const a of s.activity) activity.push(a);
    }
    return { at: this.checkpoints[n - 1] as Checkpoint, before: { observations, diagnostics, activity } };
  }

  /**
   * Whether a run of `check` that has reached statement `index` should leave a snapshot now:
   * only past the furthest one, and only while the snapshots are for its statements (an edit may
   * have come while it paused). Its results hold everything from the start (a restored run begins
   * with what the snapshots reported before), so the new snapshot's segment is what it reported
   * since the furthest one.
   */
  due(check: ScriptCheck, index: number): boolean {
    if (
      this.full ||
      check.resolved.statements !== this.statements ||
      check.config !== this.config ||
      index === 0 ||
      index % this.interval !== 0
    )
      return false;
    return index > (this.furthest?.index ?? 0);
  }

  /** The furthest snapshot (a new one shares unchanged memory pages with it). */
  get furthest(): Checkpoint | undefined {
    return this.checkpoints[this.checkpoints.length - 1];
  }

  /**
   * Keep a new snapshot. Above MAX_SNAPSHOTS every other one goes and the interval doubles; a
   * snapshot that would take the copies over the byte budget is not kept, and none are taken
   * further on until an edit drops some (the earlier ones stay: with memory written once and
   * kept, as bring-up scripts do, a later snapshot holds all the pages an earlier one holds).
   */
  add(c: Checkpoint): void {
    this.checkpoints.push(c);
    this.track(c, 1);
    if (this.bytes > this.maxBytes) {
      this.keep(this.checkpoints.slice(0, -1));
      this.full = true;
      return;
    }
    while (this.checkpoints.length > this.maxSnapshots) {
      this.interval *= 2;
      this.thin();
    }
  }

  /** Keep the snapshots at multiples of the interval; a dropped one's segment joins the next kept one's. */
  private thin(): void {
    const kept: Checkpoint[] = [];
    let carried: Segment | undefined;
    for (const c of this.checkpoints) {
      const since: Segment = carried ? joinSegments(carried, c.since) : c.since;
      if (c.index % this.interval === 0) {
        c.since = since;
        kept.push(c);
        carried = undefined;
      } else carried = since;
    }
    this.keep(kept);
  }
}

function joinSegments(a: Segment, b: Segment): Segment {
  return {
    observations: a.observations.concat(b.observations),
    diagnostics: a.diagnostics.concat(b.diagnostics),
    activity: a.activity.concat(b.activity),
  };
}

/** The engine a run up to a line uses: the check's configuration, the per-access history off. */
function freshEngine(config: ResolvedConfig): Engine {
  const engine = new Engine(config);
  engine.smmu.recording = false;
  return engine;
}

/**
 * A run from the start, or from a snapshot, to the statement `target`, in chunks that end at
 * snapshot boundaries; the same results as one `run` of the statements (it carries the script's
 * state and the last-write map across chunks, as runSliced does).
 */
class ForwardRun {
  readonly engine: Engine;
  readonly state: ScriptState;
  readonly lastWrite: Map<string, Range>;
  private readonly diagnostics: ScriptDiagnostic[];
  private readonly observations: Observation[];
  private readonly counts: RunCounts;
  private failedExpectations: number;
  private stoppedAt: number | undefined;
  private index: number;
  private readonly from: number;

  constructor(
    private readonly check: ScriptCheck,
    private readonly target: number,
    private readonly runs: ModelRuns | undefined,
  ) {
    const restored = runs?.restore(target);
    if (restored) {
      const { at, before } = restored;
      this.engine = restoreEngine({
        engine: at.engine,
        activity: before.activity,
        activityLength: before.activity.length,
      });
      this.state = cloneState(at.state);
      this.lastWrite = new Map(at.lastWrite);
      this.diagnostics = [...before.diagnostics];
      this.observations = [...before.observations];
      this.counts = { ...at.counts };
      this.failedExpectations = at.failedExpectations;
      this.index = at.index;
    } else {
      this.engine = freshEngine(check.config);
      this.state = { eventCursor: 0 };
      this.lastWrite = new Map();
      this.diagnostics = [];
      this.observations = [];
      this.counts = noCounts();
      this.failedExpectations = 0;
      this.index = 0;
    }
    this.from = this.index;
  }

  /** Run the next chunk; false once the target is reached or the model stopped (a bound hit). */
  next(): boolean {
    if (this.index >= this.target || this.stoppedAt !== undefined) return false;
    const interval = this.runs?.interval ?? Infinity;
    const boundary = (Math.floor(this.index / interval) + 1) * interval;
    const end = Math.min(this.target, boundary, this.index + RUN_SLICE);
    const r = run(this.check.resolved.statements.slice(this.index, end), this.engine, this.state, this.lastWrite);
    for (const d of r.diagnostics) this.diagnostics.push(d);
    for (const o of r.observations) this.observations.push(o);
    this.failedExpectations += r.failedExpectations;
    addCounts(this.counts, r.counts);
    this.index = end;
    if (r.stoppedAt !== undefined) {
      this.stoppedAt = r.stoppedAt;
      return false;
    }
    if (this.runs?.due(this.check, this.index)) this.snapshot(this.runs);
    return this.index < this.target;
  }

  private snapshot(runs: ModelRuns): void {
    const size = { bytes: 0 };
    const previous = runs.furthest;
    const engine = snapshotEngine(this.engine, previous, size).engine;
    const state = cloneState(this.state, { size });
    const activity = this.engine.activity;
    // The run's results are at the same positions as a run from the start's (ModelRuns.due).
    const start = previous?.totals ?? { observations: 0, diagnostics: 0, activity: 0 };
    const since: Segment = {
      observations: this.observations.slice(start.observations),
      diagnostics: this.diagnostics.slice(start.diagnostics),
      activity: activity.slice(start.activity),
    };
    const totals: Totals = {
      observations: this.observations.length,
      diagnostics: this.diagnostics.length,
      activity: activity.length,
    };
    // The last-write map holds ranges the resolver made (shared): its own table only.
    const bytes = size.bytes + 80 + 24 * this.lastWrite.size;
    runs.add({
      index: this.index,
      engine,
      state,
      lastWrite: new Map(this.lastWrite),
      counts: { ...this.counts },
      failedExpectations: this.failedExpectations,
      since,
      totals,
      bytes,
      pages: pagesOf(engine),
    });
  }

  /** Top-level statements this run executed itself. */
  get stats(): RunStats {
    return { restoredFrom: this.from, ran: this.index - this.from };
  }

  result(): RunResult {
    const { diagnostics, observations, failedExpectations, counts, stoppedAt } = this;
    const memory = this.engine.memory;
    return stoppedAt === undefined
      ? { diagnostics, observations, failedExpectations, counts, memory }
      : { diagnostics, observations, failedExpectations, counts, memory, stoppedAt };
  }
}

/**
 * The statements that run for `line`: those up to it, and (the earliest-error rule) none on or
 * after the earliest error. Top-level statements are in line order (the resolver keeps the
 * parser's order), so they are a prefix of the script's statements, given by its length.
 */
function runUpTo(check: ScriptCheck, line: number): { target: number; stoppedBy?: ScriptDiagnostic } {
  const stop = check.firstError ? Math.min(line, check.firstError.range.start.line - 1) : line;
  const statements = check.resolved.statements;
  let target = 0;
  while (target < statements.length && startLine((statements[target] as ResolvedStatement).range) <= stop) target++;
  const stoppedBy = check.firstError && check.firstError.range.start.line <= line ? check.firstError : undefined;
  return { target, ...(stoppedBy ? { stoppedBy } : {}) };
}

function begin(check: ScriptCheck, line: number, runs: ModelRuns | undefined) {
  runs?.adopt(check);
  const { target, stoppedBy } = runUpTo(check, line);
  return { forward: new ForwardRun(check, target, runs), stoppedBy };
}

function finish(
  forward: ForwardRun,
  runs: ModelRuns | undefined,
  stoppedBy: ScriptDiagnostic | undefined,
): ModelAtLine {
  if (runs) runs.last = forward.stats;
  return {
    engine: forward.engine,
    result: forward.result(),
    state: forward.state,
    lastWrite: forward.lastWrite,
    ...(stoppedBy ? { stoppedBy } : {}),
  };
}

/**
 * A model after the statements up to `line` (0-based) ran, under the rule every check follows:
 * nothing on or after the earliest error of syntax, names or configuration runs (so a script
 * whose configuration cannot be loaded shows no state, not the default's). With `runs` (the
 * document's snapshots), it starts from the nearest snapshot at or before the line and leaves
 * new ones on its way; the result is the same as a run from line 1.
 */
export function modelAtLine(check: ScriptCheck, line: number, runs?: ModelRuns): ModelAtLine {
  const { forward, stoppedBy } = begin(check, line, runs);
  while (forward.next());
  return finish(forward, runs, stoppedBy);
}

/**
 * modelAtLine with the model run in slices of about RUN_SLICE statements, giving the caller's
 * event loop a turn between them (`pause`); undefined when `cancelled` stopped it. Snapshots it
 * took before being stopped stay (they are states of the same script).
 */
export async function modelAtLineSliced(
  check: ScriptCheck,
  line: number,
  pause: () => Promise<void>,
  cancelled: () => boolean,
  runs?: ModelRuns,
): Promise<ModelAtLine | undefined> {
  const { forward, stoppedBy } = begin(check, line, runs);
  let sincePause = 0;
  let more = true;
  while (more) {
    if (sincePause >= RUN_SLICE) {
      sincePause = 0;
      await pause();
      if (cancelled()) return undefined;
    }
    const before = forward.stats.ran;
    more = forward.next();
    sincePause += forward.stats.ran - before;
  }
  return finish(forward, runs, stoppedBy);
}
