/**
 * The engine lines most scripts are made of, read without tokens: `KEYWORD ARG… [== VALUE]
 * [# comment]`, each argument a name (`Leaf`), a plain number or `NAME=number`, with single
 * spaces or runs of spaces between them (`map ttb=0x45000000 iova=0x10000000 pa=0x80000000`,
 * `dma read sid=1 iova=0x10000010 == 0x80000010`). A check that keeps no tokens (the first
 * check of a file, checkScriptStreamed) lexes and parses each line once; for these lines the token
 * objects and the parser's walk over them were most of that cost in the baseline code a cold
 * check runs (docs/performance.md).
 *
 * The result is the tree parseLine builds, node for node, property order and ranges included:
 * test/core/script/fast-lines.test.ts compares the two on the examples' lines, generated scripts
 * and lines made to sit on this reader's edges. Anything else (tabs, operators, groups, other
 * literals, a statement with an operand or a two-word keyword, an error of any kind) is
 * undefined here, and the parser reads it.
 */
import { LineRange } from '../base/diagnostics';
import type { ActionStatement, Expect, Expr, NameRef, NumberLit } from './ast';
import { bigOf, intern, QUICK_NUMBER, wordEnd } from './lexer';
import type { StatementTable } from './statements';

// Letters, `_` and digits are tested by their codes here, the lexer's WORD_START and DIGIT
// classes spelled out: reading the lexer's CLASS table through its module cost 1 % more of a cold
// check's instructions (a property load of the module per character), measured. The test
// compares this reader's trees with the lexer's and parser's, so the two cannot drift apart.
const SPACE = 32;
const HASH = 35;
const EQUALS = 61;
const BANG = 33;

/** The parser's limit: a 65th argument is its error (`syntax.too-long`), so this reader stops there. */
const MAX_ARGS = 64;

/** Where the run of spaces from `i` ends. */
function skipSpaces(text: string, i: number): number {
  const n = text.length;
  while (i < n && text.charCodeAt(i) === SPACE) i++;
  return i;
}

/** The parse of `text` (line `line`) when it is such an engine line, else undefined. */
export function fastEngineLine(text: string, line: number, table: StatementTable): ActionStatement | undefined {
  const n = text.length;
  let i = skipSpaces(text, 0);
  if (i >= n) return undefined;
  let c = text.charCodeAt(i);
  // A keyword is a word: a letter or `_` first (the lexer's WORD_START).
  if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95)) return undefined;
  const kwEnd = wordEnd(text, i + 1);
  const kw = text.slice(i, kwEnd);
  const def = table.byKeyword.get(kw);
  if (def === undefined || def.syntax !== 'engine' || def.operand !== undefined || table.phrases.has(kw))
    return undefined;
  const keyword = new LineRange(line, i, kwEnd);
  const args: Expr[] = [];
  let expect: Expect | undefined;
  i = kwEnd;
  for (;;) {
    // After a token: the end, a comment, or spaces and then the next token.
    if (i >= n) break;
    c = text.charCodeAt(i);
    if (c === HASH) break;
    if (c !== SPACE) return undefined;
    i = skipSpaces(text, i);
    if (i >= n) break;
    c = text.charCodeAt(i);
    if (c === HASH) break;
    // Nothing but a comment may follow the expectation (the parser reads arguments after it).
    if (expect !== undefined) return undefined;
    if ((c === EQUALS || c === BANG) && text.charCodeAt(i + 1) === EQUALS) {
      if (def.expectation === 'none' || text.charCodeAt(i + 2) !== SPACE) return undefined;
      const opRange = new LineRange(line, i, i + 2);
      const at = skipSpaces(text, i + 2);
      const value = operand(text, line, at);
      if (value === undefined) return undefined;
      const end = (value.range as LineRange).to;
      expect = { range: new LineRange(line, i, end), op: c === EQUALS ? '==' : '!=', opRange, value };
      i = end;
      continue;
    }
    if (args.length >= MAX_ARGS) return undefined;
    if (c >= 48 && c <= 57) {
      const number = operand(text, line, i);
      if (number === undefined) return undefined;
      args.push(number);
      i = (number.range as LineRange).to;
      continue;
    }
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95)) return undefined;
    const end = wordEnd(text, i + 1);
    const nameRange = new LineRange(line, i, end);
    const name = intern(text.slice(i, end));
    if (text.charCodeAt(end) !== EQUALS) {
      args.push({ kind: 'name', range: nameRange, name });
      i = end;
      continue;
    }
    // `NAME=number`; `NAME==…`, `NAME=WORD` and `NAME=(…)` are the parser's.
    const d = text.charCodeAt(end + 1);
    if (!(d >= 48 && d <= 57)) return undefined;
    const value = operand(text, line, end + 1);
    if (value === undefined) return undefined;
    const field: NameRef = { kind: 'name', range: nameRange, name };
    const to = (value.range as LineRange).to;
    args.push({ kind: 'assign', range: new LineRange(line, nameRange.from, to), field, value });
    i = to;
  }
  if (def.expectation === 'required' && expect === undefined) return undefined;
  // As the parser's: the statement's range from the keyword to its last node, the arguments in an
  // array of exactly their number, and the same properties in the same order.
  const last = expect !== undefined ? expect.range : args.length > 0 ? (args[args.length - 1] as Expr).range : keyword;
  const range = last === keyword ? keyword : new LineRange(line, keyword.from, (last as LineRange).to);
  return expect !== undefined
    ? { kind: 'action', range, verb: def.verb, keyword, args: args.slice(), expect }
    : { kind: 'action', range, verb: def.verb, keyword, args: args.slice() };
}

/** A plain number at `i` (the lexer's QUICK_NUMBER), or a name when `i` starts a word; undefined for anything else. */
function operand(text: string, line: number, i: number): NumberLit | NameRef | undefined {
  const c = text.charCodeAt(i);
  const end = wordEnd(text, i + 1);
  if (c >= 48 && c <= 57) {
    const t = text.slice(i, end);
    if (!QUICK_NUMBER.test(t)) return undefined;
    return { kind: 'number', range: new LineRange(line, i, end), value: bigOf(Number(t)), text: t };
  }
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95)
    return { kind: 'name', range: new LineRange(line, i, end), name: intern(text.slice(i, end)) };
  return undefined;
}
