/**
 * Incremental parsing for the editor. The language is line-oriented (a token never spans a line
 * break and a statement is one line), so a line's parse depends on its text and its number only.
 * An edit changes a run of lines: the lines before it are kept as they are, the lines after it are
 * kept and moved by the change in line count, and only the run itself is parsed again. The result
 * is the same as parseScript's on the whole text (a property test checks this on random edits).
 */
import type { ParsedScript, ScriptDiagnostic, Statement } from './ast';
import { LineRange } from '../base/diagnostics';
import { splitLines } from './lexer';
import { parseLine, type LineParse } from './parser';

/** A copy of `value` with every position's line moved by `delta` (positions are `{line, character}`). */
function moveLines<T>(value: T, delta: number): T {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof LineRange) return new LineRange(value.line + delta, value.from, value.to) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => moveLines(v, delta)) as T;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(src)) out[key] = moveLines(src[key], delta);
  if (typeof src.line === 'number' && typeof src.character === 'number') out.line = src.line + delta;
  return out as T;
}

export class IncrementalParser {
  private lines: readonly string[] = [];
  private results: readonly LineParse[] = [];
  /** Lines parsed again and lines moved by the last call (the benchmark and tests read these). */
  lastParsed = 0;
  lastMoved = 0;

  parse(text: string): ParsedScript {
    const lines = splitLines(text);
    const old = this.lines;
    const oldResults = this.results;
    const common = Math.min(lines.length, old.length);
    let prefix = 0;
    while (prefix < common && lines[prefix] === old[prefix]) prefix++;
    let suffix = 0;
    while (suffix < common - prefix && lines[lines.length - 1 - suffix] === old[old.length - 1 - suffix]) suffix++;
    const delta = lines.length - old.length;
    const results: LineParse[] = new Array<LineParse>(lines.length);
    for (let i = 0; i < prefix; i++) results[i] = oldResults[i] as LineParse;
    const firstKept = lines.length - suffix;
    for (let i = prefix; i < firstKept; i++) results[i] = parseLine(lines[i] as string, i);
    for (let i = firstKept; i < lines.length; i++) {
      const r = oldResults[i - delta] as LineParse;
      results[i] = delta === 0 ? r : moveLines(r, delta);
    }
    this.lines = lines;
    this.results = results;
    this.lastParsed = firstKept - prefix;
    this.lastMoved = delta === 0 ? 0 : suffix;

    const statements: Statement[] = [];
    const diagnostics: ScriptDiagnostic[] = [];
    for (const r of results) {
      if (r.statement) statements.push(r.statement);
      if (r.diagnostic) diagnostics.push(r.diagnostic);
    }
    return { statements, diagnostics, tokens: [], lineLengths: lines.map((l) => l.length) };
  }
}
