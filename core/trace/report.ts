/**
 * A replay's report as it is made: diagnostics put in trace order (ReportOrder) and counted
 * (Tally). The streamed replay (stream.ts) releases a line's diagnostics once nothing can come
 * before them any more, so a reader sees them while the trace is still being read; the whole-file
 * replay releases them all at its end. Both give the same order: by line, column, then the order
 * in which they were made (parse, configuration, replay).
 */
import type { TraceDiagnostic } from './types';

interface Held {
  d: TraceDiagnostic;
  readonly group: number;
  readonly seq: number;
}

function before(a: Held, b: Held): number {
  return (
    a.d.line - b.d.line || a.d.range.start.character - b.d.range.start.character || a.group - b.group || a.seq - b.seq
  );
}

export class ReportOrder {
  private held: Held[] = [];
  private readonly byDiag = new Map<TraceDiagnostic, Held>();
  private seq = 0;

  constructor(private readonly out: (d: TraceDiagnostic) => void) {}

  add(d: TraceDiagnostic, group: number): void {
    const h = { d, group, seq: this.seq++ };
    this.held.push(h);
    this.byDiag.set(d, h);
  }

  /** A held diagnostic judged again: the new one takes its place. */
  replace(old: TraceDiagnostic, d: TraceDiagnostic): void {
    const h = this.byDiag.get(old);
    if (!h) return;
    this.byDiag.delete(old);
    h.d = d;
    this.byDiag.set(d, h);
  }

  /** Release, in order, every diagnostic before line `line` (Infinity: all). */
  release(line: number): void {
    if (!this.held.length) return;
    let ready = this.held;
    let keep: Held[] = [];
    if (line !== Infinity) {
      ready = [];
      for (const h of this.held) (h.d.line < line ? ready : keep).push(h);
    }
    this.held = keep;
    if (ready.length > 1) ready.sort(before);
    for (const h of ready) {
      this.byDiag.delete(h.d);
      this.out(h.d);
    }
    keep = [];
  }

  get size(): number {
    return this.held.length;
  }
}

/** Counts of the diagnostics a replay reported, as the summary gives them. */
export class Tally {
  errors = 0;
  warnings = 0;
  infos = 0;
  readonly counts: Record<string, number> = {};
  firstDivergence?: TraceDiagnostic;

  add(d: TraceDiagnostic): void {
    if (d.severity === 'error') this.errors++;
    else if (d.severity === 'warning') this.warnings++;
    else this.infos++;
    const ours = /^(replay|mvcpu|trace)\./.test(d.code);
    if (ours) this.counts[d.code] = (this.counts[d.code] ?? 0) + 1;
    if (!this.firstDivergence && ours && d.severity !== 'info' && !d.code.startsWith('trace.'))
      this.firstDivergence = d;
  }
}
