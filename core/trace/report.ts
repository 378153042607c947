/**
 * A replay's report as it is made: diagnostics put in trace order (ReportOrder) and counted
 * (Tally). The streamed replay (stream.ts) releases a line's diagnostics once nothing can come
 * before them any more, so a reader sees them while the trace is still being read; the whole-file
 * replay releases them all at its end. Both give the same order: by line, column, then the order
 * in which they were made (parse, configuration, replay).
 */
import type { TraceDiagnostic } from './types';

/** Diagnostics shown per code (`smmu replay --max-diagnostics`, the editor's trace diagnostics). */
export const DEFAULT_MAX_DIAGNOSTICS = 100;

/**
 * The first `max` diagnostics of each code, and for each code with more, one note at the first
 * one not shown saying how many were not and where they were: a million divergences stay readable
 * (and a language client is not sent a million diagnostics).
 */
export function capPerCode(all: readonly TraceDiagnostic[], max = DEFAULT_MAX_DIAGNOSTICS): TraceDiagnostic[] {
  const seen = new Map<string, number>();
  const hidden = new Map<string, { first: TraceDiagnostic; count: number; last: number }>();
  const out: TraceDiagnostic[] = [];
  for (const d of all) {
    const n = (seen.get(d.code) ?? 0) + 1;
    seen.set(d.code, n);
    if (n <= max) {
      out.push(d);
      continue;
    }
    const h = hidden.get(d.code);
    if (h) {
      h.count++;
      h.last = d.line;
    } else hidden.set(d.code, { first: d, count: 1, last: d.line });
  }
  for (const [code, h] of hidden)
    out.push({
      severity: 'info',
      code: 'trace.capped',
      message: `${h.count} more ${code} diagnostic${h.count === 1 ? '' : 's'} not shown (the first ${max} are), from here to line ${h.last + 1}; \`smmu replay\` counts them all`,
      range: h.first.range,
      line: h.first.line,
    });
  return out;
}

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
    // Usually everything held is before `line` (one vCPU): released as it is, without splitting.
    let all = line === Infinity;
    if (!all) {
      all = true;
      for (let i = 0; i < ready.length && all; i++) all = (ready[i] as Held).d.line < line;
    }
    if (!all) {
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
  /** Whether a code is the replay's own (counted per rule), by code: asked once per code. */
  private readonly ours = new Map<string, boolean>();

  add(d: TraceDiagnostic): void {
    if (d.severity === 'error') this.errors++;
    else if (d.severity === 'warning') this.warnings++;
    else this.infos++;
    let ours = this.ours.get(d.code);
    if (ours === undefined) this.ours.set(d.code, (ours = /^(replay|mvcpu|trace)\./.test(d.code)));
    if (ours) this.counts[d.code] = (this.counts[d.code] ?? 0) + 1;
    if (!this.firstDivergence && ours && d.severity !== 'info' && !d.code.startsWith('trace.'))
      this.firstDivergence = d;
  }
}
