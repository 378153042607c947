/**
 * A replay's report as it is made: diagnostics put in trace order (ReportOrder) and counted
 * (Tally). The streamed replay (stream.ts) releases a line's diagnostics once nothing can come
 * before them any more, so a reader sees them while the trace is still being read; the whole-file
 * replay releases them all at its end. Both give the same order: by line, column, then the order
 * in which they were made (parse, configuration, replay).
 */
import type { Unshown } from './serial';
import type { TraceDiagnostic } from './types';

/** The message of a diagnostic past its code's cap, which no one shows (ReplaySetup.maxMessages). */
export const NOT_SHOWN = '(not shown: past the cap of its code)';

/** A judgement past its code's cap (Unshown) as a diagnostic, at the place of the one it replaces. */
export function unshownDiagnostic(old: TraceDiagnostic, u: Unshown): TraceDiagnostic {
  return {
    range: old.range,
    line: old.line,
    section: u.section,
    severity: u.severity,
    code: u.code,
    message: NOT_SHOWN,
  };
}

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
  /** Judged past its code's cap (`replaceUnshown`): released as this, at `d`'s place. */
  unshown?: Unshown;
}

function position(a: TraceDiagnostic, b: TraceDiagnostic): number {
  return a.line - b.line || a.range.start.character - b.range.start.character;
}

function before(a: Held, b: Held): number {
  return position(a.d, b.d) || a.group - b.group || a.seq - b.seq;
}

/**
 * Diagnostics held until no later line can precede them, kept sorted (by `before`, a total order:
 * `seq` is unique), so a release takes the sorted prefix before its line and costs what it
 * releases. Diagnostics come almost in order: each is put after the last held one, or, when it
 * belongs earlier, inserted where a binary search says. (Splitting everything held on every
 * release cost the multi-vCPU replay, which holds the diagnostics of a window's 16,384 lines, a
 * pass over them per line: docs/performance.md.)
 */
export class ReportOrder {
  /** Held diagnostics, sorted, from `head` on (those before it were released). */
  private held: Held[] = [];
  private head = 0;
  private seq = 0;

  constructor(
    private readonly out: (d: TraceDiagnostic) => void,
    /**
     * A judgement no one shows (`replaceUnshown`), released in its place: true when counted
     * without an object; false, and it comes to `out` as a diagnostic (unshownDiagnostic).
     */
    private readonly count?: (code: string, severity: TraceDiagnostic['severity'], line: number) => boolean,
  ) {}

  add(d: TraceDiagnostic, group: number): void {
    this.insert({ d, group, seq: this.seq++ });
  }

  private insert(h: Held): void {
    const held = this.held;
    const last = held[held.length - 1];
    if (held.length === this.head || before(last as Held, h) < 0) {
      held.push(h);
      return;
    }
    // The first held one that comes after `h`.
    let lo = this.head;
    let hi = held.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(held[mid] as Held, h) < 0) lo = mid + 1;
      else hi = mid;
    }
    held.splice(lo, 0, h);
  }

  /** A held diagnostic judged again: the new one takes its place. */
  replace(old: TraceDiagnostic, d: TraceDiagnostic): void {
    const h = this.find(old);
    if (!h) return;
    h.d = d;
    // A judgement at another position (none is made today) moves it there.
    if (position(d, old) !== 0) {
      this.held.splice(this.held.indexOf(h, this.head), 1);
      this.insert(h);
    }
  }

  /**
   * A held diagnostic judged again, past its code's cap: released as a count where the sink can
   * count it (the constructor's `count`), without a diagnostic or a message made for it.
   */
  replaceUnshown(old: TraceDiagnostic, u: Unshown): void {
    const h = this.find(old);
    if (h) h.unshown = u;
  }

  /** The held entry of a diagnostic. */
  private find(old: TraceDiagnostic): Held | undefined {
    const held = this.held;
    // The multi-vCPU judge replaces the oldest held read's, first or nearly: looked for there first.
    for (let i = this.head, end = Math.min(held.length, this.head + 4); i < end; i++) {
      const h = held[i] as Held;
      if (h.d === old) return h.unshown ? undefined : h;
    }
    // The first held one at or after the old one's position (a binary search).
    let lo = this.head;
    let hi = held.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (position((held[mid] as Held).d, old) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < held.length; i++) {
      const h = held[i] as Held;
      if (position(h.d, old) !== 0) return undefined;
      // (One judged past its cap is no longer `old`: it stands for its judgement.)
      if (h.d === old && !h.unshown) return h;
    }
    return undefined;
  }

  /** Release, in order, every diagnostic before line `line` (Infinity: all). */
  release(line: number): void {
    const held = this.held;
    let i = this.head;
    while (i < held.length && (held[i] as Held).d.line < line) {
      const h = held[i++] as Held;
      this.head = i;
      const u = h.unshown;
      if (!u) this.out(h.d);
      else if (!this.count?.(u.code, u.severity, h.d.line)) this.out(unshownDiagnostic(h.d, u));
    }
    this.head = i;
    // Released ones are dropped in batches (not on every line: truncating reallocates).
    if (i > 1024 && i * 2 > held.length) {
      held.splice(0, i);
      this.head = 0;
    }
  }

  get size(): number {
    return this.held.length - this.head;
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
    if (!this.countable(d.code, d.severity)) this.firstDivergence = d;
    this.count(d.code, d.severity);
  }

  /** Whether `count` stands for `add` of a diagnostic of this code and severity: it would not be the first divergence. */
  countable(code: string, severity: TraceDiagnostic['severity']): boolean {
    return this.firstDivergence !== undefined || severity === 'info' || !this.isOurs(code) || code.startsWith('trace.');
  }

  /** A diagnostic counted without its object (a code past its cap, stream.ts): `countable` must hold. */
  count(code: string, severity: TraceDiagnostic['severity']): void {
    if (severity === 'error') this.errors++;
    else if (severity === 'warning') this.warnings++;
    else this.infos++;
    if (this.isOurs(code)) this.counts[code] = (this.counts[code] ?? 0) + 1;
  }

  private isOurs(code: string): boolean {
    let ours = this.ours.get(code);
    if (ours === undefined) this.ours.set(code, (ours = /^(replay|mvcpu|trace)\./.test(code)));
    return ours;
  }
}
