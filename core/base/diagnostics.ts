/** Positions and diagnostics shared by the script language, configurations and the model's findings (LSP-style, 0-based). */

/** How bad a finding is: an error breaks a rule, a warning is CONSTRAINED UNPREDICTABLE or suspicious, info explains. */
export type Severity = 'error' | 'warning' | 'info';

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/**
 * A range inside one line, held as three numbers. Scripts are line-oriented (a token never spans
 * a line break), so every token and syntax node has one of these; a 10,000-line script has about
 * 80,000. As `{start: {…}, end: {…}}` literals that is three objects each, which the garbage
 * collector copies while the tree is young and which made up half of a tree's objects.
 * `start` and `end` are built when read (rarely: diagnostics, hovers) and `toJSON` gives the
 * protocol's plain form, so it can be used wherever a Range is.
 */
export class LineRange implements Range {
  // Declared, and set in the constructor: parameter properties compile (ES2022 class fields) to an
  // initializer that V8 calls at each construction before the constructor's own stores, and a
  // cold check builds about seven ranges a line (docs/performance.md).
  declare readonly line: number;
  declare readonly from: number;
  declare readonly to: number;

  constructor(line: number, from: number, to: number) {
    this.line = line;
    this.from = from;
    this.to = to;
  }

  get start(): Position {
    return { line: this.line, character: this.from };
  }

  get end(): Position {
    return { line: this.line, character: this.to };
  }

  toJSON(): { start: Position; end: Position } {
    return { start: this.start, end: this.end };
  }
}

/** The line a range starts on, without building a Position when it is a LineRange (hot loops). */
export function startLine(range: Range): number {
  return range instanceof LineRange ? range.line : range.start.line;
}

/** Order of two ranges by their start (sorting diagnostics and symbols), without building Positions for LineRanges. */
export function compareRanges(a: Range, b: Range): number {
  if (a instanceof LineRange && b instanceof LineRange) return a.line - b.line || a.from - b.from;
  return a.start.line - b.start.line || a.start.character - b.start.character;
}

/** Whether `p` lies in `r`, both ends included (a hover just after a token still belongs to it); no Position is built for a LineRange. */
export function rangeContains(r: Range, p: Position): boolean {
  if (r instanceof LineRange) return p.line === r.line && p.character >= r.from && p.character <= r.to;
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}

/**
 * The index of the first of `items` whose line is `line` or later, in items sorted by line (a
 * script's statements, symbols and observations are): a binary search, so that a request about
 * one line or one screen of a long script does not walk the whole script.
 */
export function firstFromLine<T>(items: readonly T[], line: number, lineOf: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lineOf(items[mid] as T) < line) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** From the start of `a` to the end of `b`: one LineRange when both lie on one line. */
export function spanRanges(a: Range, b: Range): Range {
  if (a === b) return a; // a one-token span (a bare register name as a target): no copy
  if (a instanceof LineRange && b instanceof LineRange && a.line === b.line) return new LineRange(a.line, a.from, b.to);
  return { start: a.start, end: b.end };
}

export interface RelatedInfo {
  readonly message: string;
  readonly range: Range;
  /** Another file, when the related place is not in this document. */
  readonly path?: string;
}

export interface ScriptDiagnostic {
  readonly severity: Severity;
  /** Stable code (docs/rules.md). */
  readonly code: string;
  readonly message: string;
  readonly range: Range;
  /** Architecture section of the rule, when it comes from one. */
  readonly section?: string;
  readonly related?: readonly RelatedInfo[];
}

/** A diagnostic whose message ends with its architecture section, when the architecture says it. */
export function diag(
  severity: ScriptDiagnostic['severity'],
  code: string,
  message: string,
  range: Range,
  section?: string,
): ScriptDiagnostic {
  return {
    severity,
    code,
    message: section ? `${message} (§${section})` : message,
    range,
    ...(section ? { section } : {}),
  };
}
