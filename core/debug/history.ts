/**
 * Time travel for the step debugger. Every step the debugger takes is an operation appended to a
 * log (execute the next statement, consume one command, run a statement typed in the console,
 * write a register or memory); the model is deterministic, so the state at any position is a
 * snapshot taken at or before it plus the operations since. Snapshots are taken every `interval`
 * operations; when there are more than `maxSnapshots`, every other one is dropped and the interval
 * doubles, so memory stays bounded and re-execution stays short (bench: test/bench/debug.bench.ts).
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
}

export class History<Op, S> {
  /** ops[i] took the machine from position i to i + 1. */
  readonly ops: Op[] = [];
  /** What the debugger shows at each position (its top frame), for reverse continue; positions 0..ops.length. */
  readonly where: number[] = [];
  private checkpoints: Checkpoint<S>[] = [];
  interval: number;
  readonly maxSnapshots: number;

  constructor(options: HistoryOptions = {}) {
    this.interval = options.interval ?? 64;
    this.maxSnapshots = options.maxSnapshots ?? 1024;
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
