/**
 * Time travel for the step debugger. Every step the debugger takes is an operation appended to a
 * log (execute the next statement, consume one command, run a statement typed in the console,
 * write a register or memory); the model is deterministic, so the state at any position is a
 * snapshot taken at or before it plus the operations since. Snapshots are taken every `interval`
 * operations; when there are more than `maxSnapshots`, every other one is dropped and the interval
 * doubles, so memory stays bounded and re-execution stays short (bench: test/bench/debug.bench.ts).
 * With `maxPositions` the log itself is bounded too (a trace of millions of records): past it the
 * oldest half is forgotten, from a snapshot on, and step back stops at the oldest position kept.
 */

export interface Checkpoint<S> {
  readonly pos: number;
  readonly snap: S;
}

export interface HistoryOptions {
  /** Operations between snapshots at first (default 64). */
  readonly interval?: number;
  /** Snapshots kept at most (default 1024). */
  readonly maxSnapshots?: number;
  /** Positions kept at most (default: all); past it the oldest half is forgotten. */
  readonly maxPositions?: number;
}

export class History<Op, S> {
  /** ops[i] took the machine from position i to i + 1. */
  readonly ops: Op[] = [];
  /** What the debugger shows at each position (its top frame), for reverse continue; positions 0..ops.length. */
  readonly where: number[] = [];
  private checkpoints: Checkpoint<S>[] = [];
  interval: number;
  readonly maxSnapshots: number;
  readonly maxPositions: number;
  /** Positions forgotten from the start of the log (maxPositions). */
  forgotten = 0;

  constructor(options: HistoryOptions = {}) {
    this.maxSnapshots = options.maxSnapshots ?? 1024;
    this.maxPositions = Math.max(4, options.maxPositions ?? Infinity);
    // Snapshots closer than a quarter of the log, so that forgetting always finds one to start from.
    this.interval = Math.min(options.interval ?? 64, Math.floor(this.maxPositions / 4));
  }

  get position(): number {
    return this.ops.length;
  }

  get snapshotCount(): number {
    return this.checkpoints.length;
  }

  /** Record the initial state (position 0). */
  start(snap: S, where: number): void {
    this.checkpoints = [{ pos: 0, snap }];
    this.where.length = 0;
    this.where.push(where);
  }

  /** An operation was executed at the end of the log; `snapshot` is asked for when one is due. */
  push(op: Op, where: number, snapshot: (previous: S | undefined) => S): void {
    this.ops.push(op);
    this.where.push(where);
    const pos = this.ops.length;
    if (pos % this.interval !== 0) return;
    const last = this.checkpoints[this.checkpoints.length - 1];
    this.checkpoints.push({ pos, snap: snapshot(last?.snap) });
    if (this.checkpoints.length > this.maxSnapshots) {
      this.interval *= 2;
      this.checkpoints = this.checkpoints.filter((c) => c.pos % this.interval === 0);
    }
    if (pos > this.maxPositions) this.forget();
  }

  /**
   * Forget the oldest positions: the log starts again at the snapshot nearest to half of
   * `maxPositions` back, so about half is kept (and every snapshot position stays a multiple
   * of the interval). Positions shift down by what was forgotten.
   */
  private forget(): void {
    const from = this.checkpointAt(this.ops.length - Math.floor(this.maxPositions / 2)).pos;
    if (from === 0) return;
    this.ops.splice(0, from);
    this.where.splice(0, from);
    this.checkpoints = this.checkpoints.filter((c) => c.pos >= from).map((c) => ({ pos: c.pos - from, snap: c.snap }));
    this.forgotten += from;
  }

  /** Forget everything after `pos` (a new operation diverges from the recorded future). */
  truncate(pos: number): void {
    this.ops.length = pos;
    this.where.length = pos + 1;
    this.checkpoints = this.checkpoints.filter((c) => c.pos <= pos);
  }

  /** The last snapshot at or before `pos`. */
  checkpointAt(pos: number): Checkpoint<S> {
    let best = this.checkpoints[0] as Checkpoint<S>;
    for (const c of this.checkpoints) {
      if (c.pos <= pos) best = c;
      else break;
    }
    return best;
  }
}
