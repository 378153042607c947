/**
 * JSON plumbing for configuration files: a syntax tree with offsets (jsonc-parser), offsets →
 * LSP positions, and the number syntax configurations accept. Nothing here knows about SMMUs.
 */
import { createScanner, parseTree, ParseErrorCode, SyntaxKind, type Node, type ParseError } from 'jsonc-parser';

import type { Position, Range } from '../base/diagnostics';
import { thousands } from '../text/plural';

/** 0-based line and UTF-16 character, as LSP counts them (core/base/diagnostics.ts). */
export type { Position, Range } from '../base/diagnostics';

export type { Node };

/** JSON values as documents hold them. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** Offset ↔ position for one text. Lines end at \n, \r\n or \r, as LSP counts them. */
export class TextPositions {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10 /* \n */) this.starts.push(i + 1);
    }
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(Number.isFinite(offset) ? Math.floor(offset) : 0, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    // An offset inside a line break (between \r and \n) is the end of the line's content.
    return { line: lo, character: Math.min(o, this.contentEnd(lo)) - this.starts[lo] };
  }

  /** Offset just past the last character of `line`, before its line break. */
  contentEnd(line: number): number {
    if (line + 1 >= this.starts.length) return this.text.length;
    const next = this.starts[line + 1];
    return this.text.charCodeAt(next - 1) === 10 && this.text.charCodeAt(next - 2) === 13 ? next - 2 : next - 1;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  range(offset: number, length: number): Range {
    const start = this.position(offset);
    const end = this.position(offset + Math.max(0, length));
    return { start, end };
  }

  nodeRange(node: Node): Range {
    return this.range(node.offset, node.length);
  }
}

export interface ParsedJson {
  readonly root?: Node;
  readonly errors: readonly { readonly message: string; readonly offset: number; readonly length: number }[];
}

function syntaxMessage(e: ParseError, text: string): string {
  const at = text.slice(e.offset, e.offset + Math.max(1, e.length));
  const before = text.slice(0, e.offset).trimEnd();
  switch (e.error) {
    case ParseErrorCode.PropertyNameExpected:
    case ParseErrorCode.ValueExpected:
      if (before.endsWith(',') && (at.startsWith('}') || at.startsWith(']')))
        return 'trailing comma: JSON does not allow a comma before a closing bracket';
      return e.error === ParseErrorCode.PropertyNameExpected
        ? 'expected a property name in double quotes'
        : 'expected a value';
    case ParseErrorCode.InvalidCommentToken:
      return 'comments are not allowed in JSON (use a "description" string instead)';
    case ParseErrorCode.ColonExpected:
      return "expected ':' after the property name";
    case ParseErrorCode.CommaExpected:
      return "expected ',' between values";
    case ParseErrorCode.CloseBraceExpected:
      return "expected '}'";
    case ParseErrorCode.CloseBracketExpected:
      return "expected ']'";
    case ParseErrorCode.EndOfFileExpected:
      return 'unexpected text after the end of the JSON value';
    case ParseErrorCode.InvalidNumberFormat:
      return 'invalid number (hexadecimal needs quotes: "0x1A")';
    case ParseErrorCode.UnexpectedEndOfString:
      return 'unterminated string';
    case ParseErrorCode.UnexpectedEndOfComment:
      return 'unterminated comment';
    case ParseErrorCode.UnexpectedEndOfNumber:
      return 'unterminated number';
    case ParseErrorCode.InvalidUnicode:
      return 'invalid \\u escape';
    case ParseErrorCode.InvalidEscapeCharacter:
      return 'invalid escape character in string';
    case ParseErrorCode.InvalidCharacter:
      return 'invalid character in string (control characters must be escaped)';
    default:
      return `unexpected ${JSON.stringify(at)}`;
  }
}

/**
 * Objects and arrays nested deeper than this are refused before parsing: jsonc-parser recurses
 * once a level (parseTree, getLocation), so a few thousand `[` overflow the stack. The presets
 * nest three levels.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Offset of the `{` or `[` that opens level MAX_JSON_DEPTH + 1, or -1. Tokens are jsonc-parser's
 * own (brackets in strings and comments do not count) and only a matching bracket closes a level,
 * so the count is never below the depth the parser would reach.
 */
export function tooDeepAt(text: string): number {
  const scanner = createScanner(text, true);
  const open: SyntaxKind[] = [];
  for (let k = scanner.scan(); k !== SyntaxKind.EOF; k = scanner.scan()) {
    if (k === SyntaxKind.OpenBraceToken || k === SyntaxKind.OpenBracketToken) {
      open.push(k);
      if (open.length > MAX_JSON_DEPTH) return scanner.getTokenOffset();
    } else if (
      (k === SyntaxKind.CloseBraceToken && open[open.length - 1] === SyntaxKind.OpenBraceToken) ||
      (k === SyntaxKind.CloseBracketToken && open[open.length - 1] === SyntaxKind.OpenBracketToken)
    )
      open.pop();
  }
  return -1;
}

/** Parse strict JSON (no comments, no trailing commas), keeping a tree even when there are errors. */
export function parseJson(text: string): ParsedJson {
  const errors: ParseError[] = [];
  // A byte-order mark is not JSON but editors write it; blank it out so offsets stay the same.
  const src = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  const deep = tooDeepAt(src);
  if (deep >= 0)
    return {
      errors: [
        {
          message: `objects and arrays nested more than ${MAX_JSON_DEPTH} levels deep, far deeper than any configuration`,
          offset: deep,
          length: 1,
        },
      ],
    };
  const root = parseTree(src, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return { root, errors: listedErrors(errors, src) };
}

/** Lines with syntax errors listed for one file; one more error counts those after them. */
export const MAX_SYNTAX_ERROR_LINES = 100;

/**
 * The syntax errors reported for a file: the first on each line, its message counting the others
 * on that line, for at most MAX_SYNTAX_ERROR_LINES lines, then one error that counts the rest.
 * jsonc-parser reports every token it skips, so a line of 20,000 stray characters made 20,000
 * errors (and as many lines of `smmu check` output) where the first one is what needs fixing.
 */
function listedErrors(errors: readonly ParseError[], src: string): ParsedJson['errors'] {
  const out: { message: string; offset: number; length: number }[] = [];
  let i = 0;
  while (i < errors.length && out.length < MAX_SYNTAX_ERROR_LINES) {
    const first = errors[i] as ParseError;
    const end = lineEndAt(src, first.offset + Math.max(0, first.length - 1));
    let j = i + 1;
    while (j < errors.length && (errors[j] as ParseError).offset < end) j++;
    const more = j - i - 1;
    const message = syntaxMessage(first, src);
    out.push({
      message: more
        ? `${message} (and ${thousands(more)} more syntax ${more === 1 ? 'error' : 'errors'} after it on this line)`
        : message,
      offset: first.offset,
      length: first.length,
    });
    i = j;
  }
  if (i < errors.length) {
    const next = errors[i] as ParseError;
    const rest = errors.length - i;
    out.push({
      message: `${thousands(rest)} more syntax ${rest === 1 ? 'error from here on is' : 'errors from here on are'} not listed: fix the ones above and check again`,
      offset: next.offset,
      length: next.length,
    });
  }
  return out;
}

/** Offset of the line break that ends the line holding `offset` (the text's length on the last line). */
function lineEndAt(text: string, offset: number): number {
  for (let i = Math.max(0, offset); i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return text.length;
}

/** Property nodes of an object node: [key node, value node | undefined]. */
export function properties(obj: Node): { key: Node; name: string; value?: Node }[] {
  const out: { key: Node; name: string; value?: Node }[] = [];
  for (const p of obj.children ?? []) {
    if (p.type !== 'property') continue;
    const key = p.children?.[0];
    if (!key) continue;
    const name: unknown = key.value;
    out.push({ key, name: typeof name === 'string' ? name : String(name), value: p.children?.[1] });
  }
  return out;
}

export function nodeType(n: Node): string {
  if (n.type === 'number') return 'a number';
  if (n.type === 'string') return 'a string';
  if (n.type === 'boolean') return 'a boolean';
  if (n.type === 'null') return 'null';
  if (n.type === 'array') return 'an array';
  if (n.type === 'object') return 'an object';
  return n.type;
}

export function stringValue(n: Node): string | undefined {
  const v: unknown = n.value;
  return n.type === 'string' && typeof v === 'string' ? v : undefined;
}

export function booleanValue(n: Node): boolean | undefined {
  const v: unknown = n.value;
  return n.type === 'boolean' && typeof v === 'boolean' ? v : undefined;
}

/** `type`: not a number at all; `range`: a number, but negative, fractional or too large. */
export type IntResult =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly problem: 'type' | 'range'; readonly message: string };

/**
 * An unsigned integer written as a JSON number or as a string: "0x0D44_101A", "0b101", "42".
 * Values are limited to 2^53 − 1 (register values to 32 bits by the caller).
 */
export function intValue(n: Node): IntResult {
  const r = bigIntValue(n);
  if (!r.ok) return r;
  if (r.value > BigInt(Number.MAX_SAFE_INTEGER))
    return {
      ok: false,
      problem: 'range',
      message: `${n.type === 'string' ? `"${String(n.value)}"` : String(n.value)} is too large`,
    };
  return { ok: true, value: Number(r.value) };
}

export type BigIntResult =
  | { readonly ok: true; readonly value: bigint }
  | { readonly ok: false; readonly problem: 'type' | 'range'; readonly message: string };

/**
 * As intValue, for 64-bit register values: a string may hold any unsigned integer (the caller
 * limits its width); a JSON number is exact only up to 2^53 − 1, so a larger one is refused.
 */
export function bigIntValue(n: Node): BigIntResult {
  const v: unknown = n.value;
  if (n.type === 'number' && typeof v === 'number') {
    if (!Number.isFinite(v) || !Number.isInteger(v))
      return { ok: false, problem: 'range', message: `${v} is not an integer` };
    if (v < 0) return { ok: false, problem: 'range', message: `${v} is negative` };
    if (!Number.isSafeInteger(v)) return { ok: false, problem: 'range', message: `${v} is too large` };
    return { ok: true, value: BigInt(v) };
  }
  if (n.type === 'string' && typeof v === 'string') {
    const s = v.trim();
    const m = /^(0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*|0[bB][01](?:_?[01])*|[0-9](?:_?[0-9])*)$/.exec(s);
    if (!m) return { ok: false, problem: 'type', message: `"${v}" is not a number (write 42, "0x2A" or "0b101010")` };
    return { ok: true, value: BigInt(s.replace(/_/g, '')) };
  }
  return { ok: false, problem: 'type', message: `expected a number or a "0x…" string, found ${nodeType(n)}` };
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[n];
}

/** The closest candidate (case-insensitive), if it is close enough to be a plausible typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const cl = c.toLowerCase();
    const d = cl === w ? 0 : editDistance(w, cl);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** JSON with two-space indentation, arrays of plain values on one line (as people write them). */
export function jsonText(value: Json, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    const items: readonly Json[] = value;
    if (items.every((x) => x === null || typeof x !== 'object'))
      return `[${items.map((x) => JSON.stringify(x)).join(', ')}]`;
    return items.length ? `[\n${items.map((x) => inner + jsonText(x, inner)).join(',\n')}\n${indent}]` : '[]';
  }
  const entries = Object.entries(value);
  return entries.length
    ? `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${jsonText(v, inner)}`).join(',\n')}\n${indent}}`
    : '{}';
}
