/**
 * Parser of the `.smmu` language: one statement a line (docs/script-language.md).
 *
 * Error recovery is by line: the first error of a line is reported on the offending token and the
 * rest of that line is skipped, so every other line still parses. The parser never throws and is
 * linear in the input; nesting of parentheses, `~` and `FIELD=` is bounded by MAX_DEPTH so deep
 * input cannot exhaust the stack.
 *
 * Which statement a line is comes from the statement registry (core/script/statements/): each
 * definition's keywords and syntax (`engine` statements with their operand and expectation).
 */
import {
  ACCESS_SECURITY_WORDS,
  type AccessBits,
  type AccessSecurityWord,
  type ActionStatement,
  type BinaryOp,
  type Expect,
  type Expr,
  type Group,
  type NameRef,
  type NumberLit,
  type ParsedScript,
  type Range,
  type ScriptDiagnostic,
  type Statement,
  type Target,
  type Token,
} from './ast';
import { lexLine, shorten, splitLines } from './lexer';
import { fastEngineLine } from './fast-line';
import { LineRange, spanRanges } from '../base/diagnostics';
import { closestNames, didYouMean } from '../text/suggest';
import { ACCESS_BITS } from './statements/access';
import { RESERVED_KEYWORDS, STATEMENT_TABLE, type EngineDef, type StatementTable } from './statements';

export { closestNames, didYouMean } from '../text/suggest';

/** Deepest nesting of `(`, `~` and `FIELD=` an expression may have. */
export const MAX_DEPTH = 32;

/**
 * The parser's shortcuts, on by default. A test turns one off to compare what the parser gives
 * with and without it (test/core/script/simple-args.test.ts, fast-lines.test.ts); nothing else
 * writes this.
 */
export const PARSER_PATHS = { simpleArgs: true, fastLines: true };

/**
 * Most binary operators a line may have. Far above what anyone writes, and it keeps every tree
 * shallow enough for recursive walkers (resolver, hovers, semantic tokens) on any input.
 */
export const MAX_OPERATORS = 256;

// The statements' keywords are the registry's (core/script/statements/): the parser has no list of its own.
export { ACCESS_BITS, ACCESS_KEYWORDS } from './statements/access';
export { ACTION_KEYWORDS, RESERVED_KEYWORDS, STATEMENT_KEYWORDS } from './statements';

/**
 * The "after '…'" part of an error message, built only when an error needs it: most lines parse,
 * and building the text for each would cost an allocation per expression.
 */
type After = string | (() => string);
const afterText = (a: After): string => (typeof a === 'string' ? a : a());

/** Internal: thrown to abandon the current line after its error has been recorded. */
class LineError {
  constructor(readonly diagnostic: ScriptDiagnostic) {}
}

const span = spanRanges;

/** How a token is named in "found …". */
function describe(t: Token | undefined): string {
  if (!t) return 'the end of the line';
  if (t.kind === 'string') return `the string ${shorten(t.text)}`;
  return `'${shorten(t.text)}'`;
}

/** Binary operators by precedence level, loosest first (see ast.ts). */
function binaryLevel(op: string): number {
  switch (op) {
    case '|':
      return 0;
    case '&':
      return 1;
    case '<<':
    case '>>':
      return 2;
    case '+':
    case '-':
      return 3;
    case '*':
    case '/':
    case '%':
      return 4;
    default:
      return -1;
  }
}

/** Parses one line's tokens (comments removed). */
class LineParser {
  private pos = 0;
  private depth = 0;
  private operators = 0;

  /**
   * `tokens[0..count)` are the line's code (a trailing comment is not passed on); `endCharacter`
   * is just after the last of them.
   */
  constructor(
    private readonly tokens: readonly Token[],
    private readonly count: number,
    private readonly line: number,
    private readonly endCharacter: number,
    private readonly table: StatementTable,
  ) {}

  private peek(): Token | undefined {
    return this.pos < this.count ? this.tokens[this.pos] : undefined;
  }

  private next(): Token | undefined {
    return this.pos < this.count ? this.tokens[this.pos++] : undefined;
  }

  private isPunct(text: string, t = this.peek()): boolean {
    return t !== undefined && t.kind === 'punct' && t.text === text;
  }

  /** Where an error about "the end of the line" points: just after the last token. */
  private rangeOf(t: Token | undefined): Range {
    return t ? t.range : new LineRange(this.line, this.endCharacter, this.endCharacter);
  }

  private fail(code: string, message: string, range: Range): never {
    throw new LineError({ severity: 'error', code, message, range });
  }

  private expected(what: string, after: After, t = this.peek()): never {
    this.fail(
      'syntax.expected',
      `expected ${what} after '${shorten(afterText(after))}', found ${describe(t)}`,
      this.rangeOf(t),
    );
  }

  /** Text of the tokens from `from` to the current position, for "after 'write32 CR0'". */
  private textSince(from: number, to = this.pos): string {
    return this.tokens
      .slice(from, to)
      .map((t) => t.text)
      .join(' ');
  }

  parseLine(): Statement | undefined {
    const first = this.next();
    if (!first) return undefined;
    let stmt: Statement;
    if (first.kind !== 'word') {
      this.fail('syntax.expected', `expected a statement (${this.table.hint}), found ${describe(first)}`, first.range);
    }
    const kw = first.text;
    // A two-word statement (`mem abort`) before the one its first word starts (`mem`).
    const second = this.peek();
    const phrase = second?.kind === 'word' ? this.table.phrases.get(kw)?.get(second.text) : undefined;
    const def = phrase ?? this.table.byKeyword.get(kw);
    if (!def) this.unknownStatement(first);
    switch (def.syntax) {
      case 'include':
      case 'config': {
        const s = this.next();
        if (!s || s.kind !== 'string' || s.string === undefined) this.expected('a quoted file name', kw, s);
        stmt = {
          kind: def.syntax,
          range: span(first.range, s.range),
          keyword: first.range,
          path: { kind: 'string', range: s.range, value: s.string },
        };
        break;
      }
      case 'const': {
        const name = this.next();
        if (!name || name.kind !== 'word') this.expected('a constant name', kw, name);
        if (this.table.keywords.includes(name.text) || RESERVED_KEYWORDS.includes(name.text)) {
          this.fail('syntax.keyword-name', `'${name.text}' is a keyword and cannot name a constant`, name.range);
        }
        if (!this.isPunct('=')) this.expected("'='", `const ${name.text}`);
        this.next();
        const value = this.expr(`const ${name.text} =`);
        stmt = {
          kind: 'const',
          range: span(first.range, value.range),
          keyword: first.range,
          name: { kind: 'name', range: name.range, name: name.text },
          value,
        };
        break;
      }
      case 'engine':
        if (phrase) this.next();
        stmt = this.engineStatement(def, first, phrase ? `${kw} ${(second as Token).text}` : kw);
        break;
      case 'memory': {
        const opTok = this.next();
        const access = opTok?.kind === 'word' ? accessKeyword(opTok.text) : undefined;
        if (!opTok || !access) this.expected('read8…read64 or write8…write64', kw, opTok);
        const start = this.pos;
        const address = this.address(`${kw} ${opTok.text}`);
        const end = this.pos;
        // `secure` / `ns` (the PA space) after the address (reads) or the value (writes), before any `==`.
        let space = access.op === 'read' ? this.securityWord() : undefined;
        const tail = this.valueOrExpect(
          access.op,
          () => `${kw} ${opTok.text} ${this.textSince(start, end)}`,
          () => (space = this.securityWord()),
        );
        const last = space && !tail.part.expect ? space.range : tail.last;
        stmt = {
          kind: 'mem',
          range: span(first.range, last),
          op: access.op,
          bits: access.bits,
          keyword: first.range,
          opKeyword: opTok.range,
          address,
          ...tail.part,
          ...(space ? { security: space } : {}),
        };
        break;
      }
      case 'register': {
        const access = accessKeyword(kw);
        if (!access) this.unknownStatement(first);
        const start = this.pos;
        const target = this.target(kw, access.op);
        const end = this.pos;
        // `secure` / `ns` after the target (reads) or the value (writes), before any `==`.
        let security = access.op === 'read' ? this.securityWord() : undefined;
        const tail = this.valueOrExpect(
          access.op,
          () => `${kw} ${this.textSince(start, end)}`,
          () => (security = this.securityWord()),
        );
        const last = security && !tail.part.expect ? security.range : tail.last;
        stmt = {
          kind: 'register',
          range: span(first.range, last),
          op: access.op,
          bits: access.bits,
          keyword: first.range,
          target,
          ...tail.part,
          ...(security ? { security } : {}),
        };
        break;
      }
    }
    const extra = this.peek();
    if (extra) {
      const joinable = extra.kind === 'word' || extra.kind === 'number' || extra.text === ',';
      const hint = joinable && stmt.kind !== 'config' && stmt.kind !== 'include' ? ": join values with '|'" : '';
      this.fail(
        'syntax.unexpected',
        `unexpected ${describe(extra)} after the end of the statement${hint}`,
        extra.range,
      );
    }
    return stmt;
  }

  /**
   * An engine statement: `KEYWORD args [== value args]`, or with a register operand first
   * (`poll REG == value args`); whether `==` may or must follow is the definition's `expectation`.
   */
  private engineStatement(def: EngineDef, first: Token, kw: string): ActionStatement {
    const verb = def.verb;
    let target: Target | undefined;
    if (def.operand === 'register') target = this.target(kw, 'read');
    const args = def.operand ? [] : this.args(kw);
    let expect: Expect | undefined;
    const t = this.peek();
    const compares = t !== undefined && (this.isPunct('==', t) || this.isPunct('!=', t));
    if (def.expectation === 'none' && compares) {
      // Said here rather than as text after the statement: an expectation nothing evaluates would
      // otherwise read as one that held.
      this.fail(
        'syntax.no-expectation',
        `'${kw}' takes no expectation: nothing it does is compared with '${t.text}'; check its effect with a read (read32 REG == VALUE), poll or expect`,
        t.range,
      );
    }
    if (def.expectation !== 'none' && t && compares) {
      this.next();
      const value = this.expr(() => `${kw} … ${t.text}`, 'the expected value');
      expect = { range: span(t.range, value.range), op: t.text === '==' ? '==' : '!=', opRange: t.range, value };
    } else if (def.expectation === 'required') {
      this.expected(
        "'==' or '!='",
        `${kw} ${tokenText(target?.base ?? { kind: 'name', range: first.range, name: '' })}`,
        t,
      );
    }
    const more = def.operand || expect ? this.args(kw) : [];
    const all = more.length ? [...args, ...more] : args;
    const lastRange = more.length
      ? (more[more.length - 1] as Expr).range
      : (expect?.range ?? (args.length ? (args[args.length - 1] as Expr).range : (target?.range ?? first.range)));
    return {
      kind: 'action',
      range: span(first.range, lastRange),
      verb,
      keyword: first.range,
      ...(target ? { target } : {}),
      args: all,
      ...(expect ? { expect } : {}),
    };
  }

  /** Arguments of an engine statement: expressions up to `==`, `!=` or the end of the line. */
  private args(after: After): Expr[] {
    const out: Expr[] = [];
    for (;;) {
      // peek() and isPunct() spelled out: calls, per argument, in a cold check's baseline code.
      const t = this.pos < this.count ? (this.tokens[this.pos] as Token) : undefined;
      // A copy of exactly its length: an array grown by push keeps room for 16 more elements,
      // which in a tree that stays while the script is open is most of its arrays' memory.
      if (!t || (t.kind === 'punct' && (t.text === '==' || t.text === '!='))) return out.slice();
      if (out.length >= 64) this.fail('syntax.too-long', 'more than 64 arguments', t.range);
      out.push((PARSER_PATHS.simpleArgs ? this.simpleArg(t) : undefined) ?? this.expr(after, 'an argument'));
    }
  }

  /**
   * The arguments most lines are made of, read without the expression parser's climb through its
   * levels: a name (`Leaf`), a number, or `NAME=number`, followed by the end of the line or by a
   * token that is not punctuation, so no operator can follow. The nodes, and the position after
   * them, are the ones expr() gives (test/core/script/simple-args.test.ts compares the two on
   * every argument of the examples and of generated lines). Undefined for anything else, which
   * expr() reads.
   */
  private simpleArg(t: Token): Expr | undefined {
    const i = this.pos;
    const n = this.count;
    const next = i + 1 < n ? (this.tokens[i + 1] as Token) : undefined;
    if (t.kind === 'number') {
      if (t.number === undefined || (next !== undefined && next.kind === 'punct')) return undefined;
      this.pos = i + 1;
      return { kind: 'number', range: t.range, value: t.number, text: t.text };
    }
    if (t.kind !== 'word') return undefined;
    if (next === undefined || next.kind !== 'punct') {
      this.pos = i + 1;
      return { kind: 'name', range: t.range, name: t.text };
    }
    if (next.text !== '=') return undefined;
    const v = i + 2 < n ? (this.tokens[i + 2] as Token) : undefined;
    if (v === undefined || v.kind !== 'number' || v.number === undefined) return undefined;
    const after = i + 3 < n ? (this.tokens[i + 3] as Token) : undefined;
    if (after !== undefined && after.kind === 'punct') return undefined;
    this.pos = i + 3;
    const field: NameRef = { kind: 'name', range: t.range, name: t.text };
    const value: NumberLit = { kind: 'number', range: v.range, value: v.number, text: v.text };
    return { kind: 'assign', range: span(t.range, v.range), field, value };
  }

  private unknownStatement(first: Token): never {
    const kw = first.text;
    if (RESERVED_KEYWORDS.includes(kw)) {
      this.fail('syntax.reserved', `'${kw}' is reserved for a later version of the script language`, first.range);
    }
    if (this.isPunct(':', this.peek())) {
      this.fail(
        'syntax.reserved',
        `labels ('${shorten(kw)}:') are reserved for a later version of the script language`,
        first.range,
      );
    }
    const lower = kw.toLowerCase();
    if (this.table.keywords.includes(lower)) {
      this.fail(
        'syntax.unknown-statement',
        `unknown statement '${shorten(kw)}': keywords are lower case, write '${lower}'`,
        first.range,
      );
    }
    const near = closestNames(lower, this.table.keywords, 1);
    const hint = near.length ? didYouMean(near) : ` (a line starts with ${this.table.hint})`;
    this.fail('syntax.unknown-statement', `unknown statement '${shorten(kw)}'${hint}`, first.range);
  }

  /**
   * After a write: the value, then nothing or `== abort` / `!= abort`. After a read: nothing, or
   * `== v` / `!= v` (`abort` alone as the value is the abort expectation).
   */
  /** An access's Security state word (`secure`, `ns`; ACCESS_SECURITY_WORDS), when one comes next. */
  private securityWord(): { word: AccessSecurityWord; range: Range } | undefined {
    const t = this.peek();
    const word = t?.kind === 'word' ? ACCESS_SECURITY_WORDS.find((w) => w === t.text) : undefined;
    if (!t || !word) return undefined;
    this.next();
    return { word, range: t.range };
  }

  /** `afterValue`: what may come between a write's value and its `==` (the Security state word). */
  private valueOrExpect(
    op: 'read' | 'write',
    context: After,
    afterValue?: () => void,
  ): { part: { value?: Expr; expect?: Expect }; last: Range } {
    if (op === 'write') {
      const value = this.expr(context, 'a value');
      afterValue?.();
      const t = this.peek();
      if (!t || !(this.isPunct('==', t) || this.isPunct('!=', t))) return { part: { value }, last: value.range };
      this.next();
      const expect = this.abortExpectation(t);
      if (!expect) {
        this.fail(
          'syntax.expected',
          `expected 'abort' after '${t.text}', found ${describe(this.peek())}: a write returns no value to compare, only whether it took an external abort ('${t.text} abort')`,
          this.rangeOf(this.peek()),
        );
      }
      return { part: { value, expect }, last: expect.range };
    }
    const t = this.peek();
    if (!t) return { part: {}, last: (this.tokens[this.pos - 1] as Token).range };
    if (this.isPunct('==', t) || this.isPunct('!=', t)) {
      this.next();
      const aborts = this.abortExpectation(t);
      if (aborts) return { part: { expect: aborts }, last: aborts.range };
      const value = this.expr(() => `${afterText(context)} ${t.text}`, 'the expected value');
      const expect: Expect = {
        range: span(t.range, value.range),
        op: t.text === '==' ? '==' : '!=',
        opRange: t.range,
        value,
      };
      return { part: { expect }, last: value.range };
    }
    if (this.isPunct('=', t)) {
      this.fail(
        'syntax.expected',
        `expected '==' or '!=' after '${shorten(afterText(context))}', found '=': an expectation compares with '=='`,
        t.range,
      );
    }
    this.expected("'==', '!=' or the end of the line", context, t);
  }

  /**
   * `abort` as the whole expected value after `op` (the keyword is lower case, as every keyword;
   * `ABORT` stays a name, e.g. the field GBPA.ABORT), consumed; otherwise nothing is consumed.
   */
  private abortExpectation(op: Token): Expect | undefined {
    const w = this.peek();
    if (!w || w.kind !== 'word' || w.text !== 'abort' || this.pos + 1 < this.count) return undefined;
    this.next();
    const value: NameRef = { kind: 'name', range: w.range, name: w.text };
    return {
      range: span(op.range, w.range),
      op: op.text === '==' ? '==' : '!=',
      opRange: op.range,
      value,
      abort: true,
    };
  }

  private target(keyword: string, op: 'read' | 'write'): Target {
    const base = this.operand(keyword, 'a register name or offset');
    let plus: NumberLit | undefined;
    if (base.kind === 'name' && this.isPunct('+')) {
      const p = this.next() as Token;
      const n = this.next();
      if (!n || n.kind !== 'number' || n.number === undefined)
        this.expected('a byte offset (4 for the high half)', `${base.name}${p.text}`, n);
      plus = { kind: 'number', range: n.range, value: n.number, text: n.text };
    }
    let field: NameRef | undefined;
    if (this.isPunct('.')) {
      const dot = this.next() as Token;
      const f = this.next();
      if (!f || f.kind !== 'word') this.expected('a field name', dot.text, f);
      field = { kind: 'name', range: f.range, name: f.text };
      if (op === 'write') {
        this.fail(
          'syntax.field-write',
          `a write sets the whole register: write the field in the value, e.g. '${keyword} ${tokenText(base)} ${f.text}=…'`,
          span(dot.range, f.range),
        );
      }
    }
    const last = field?.range ?? plus?.range ?? base.range;
    return { range: span(base.range, last), base, plus, field };
  }

  /** A memory address: like a register operand, `NAME + N` included (values never start with '+'). */
  private address(after: After): Expr {
    const base = this.operand(after, 'an address');
    if (base.kind !== 'name' || !this.isPunct('+')) return base;
    const p = this.next() as Token;
    const n = this.next();
    if (!n || n.kind !== 'number' || n.number === undefined) this.expected('a number', `${base.name}${p.text}`, n);
    const right: NumberLit = { kind: 'number', range: n.range, value: n.number, text: n.text };
    return { kind: 'binary', range: span(base.range, n.range), op: '+', opRange: p.range, left: base, right };
  }

  /** A single-token operand (name or number) or a parenthesised expression. */
  private operand(after: After, what: string): NameRef | NumberLit | Group {
    const t = this.peek();
    if (t?.kind === 'word') {
      this.next();
      return { kind: 'name', range: t.range, name: t.text };
    }
    if ((t?.kind === 'number' && t.number !== undefined) || this.isPunct('(', t)) {
      const e = this.primary(after, what);
      if (e.kind === 'number' || e.kind === 'group') return e;
    }
    this.expected(what, after, t);
  }

  private expr(after: After, what = 'a value'): Expr {
    return this.binary(0, after, what);
  }

  /**
   * Binary operators of level `min` and above (precedence climbing): an operator's right operand
   * takes only the operators that bind tighter, so operators of one level associate to the left.
   * Long chains of one level loop rather than deepen the stack. One call reads a plain operand,
   * not one call per level: a cold start interprets this for every value (docs/performance.md).
   */
  private binary(min: number, after: After, what: string): Expr {
    let left = this.unary(after, what);
    for (;;) {
      const t = this.peek();
      if (!t || t.kind !== 'punct') return left;
      const level = binaryLevel(t.text);
      if (level < min) return left;
      const op = t.text as BinaryOp;
      if (++this.operators > MAX_OPERATORS)
        this.fail('syntax.too-long', `more than ${MAX_OPERATORS} operators on one line`, t.range);
      this.next();
      const right = this.binary(level + 1, op, 'a value');
      left = { kind: 'binary', range: span(left.range, right.range), op, opRange: t.range, left, right };
    }
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_DEPTH)
      this.fail('syntax.too-deep', `expression nested deeper than ${MAX_DEPTH} levels`, t.range);
  }

  private unary(after: After, what: string): Expr {
    const t = this.peek();
    if (t && this.isPunct('~', t)) {
      this.next();
      this.enter(t);
      const operand = this.unary('~', 'a value');
      this.depth--;
      return { kind: 'unary', range: span(t.range, operand.range), op: '~', operand };
    }
    return this.primary(after, what);
  }

  private primary(after: After, what: string): Expr {
    const t = this.peek();
    if (!t) this.expected(what, after, t);
    if (t.kind === 'number' && t.number !== undefined) {
      this.next();
      return { kind: 'number', range: t.range, value: t.number, text: t.text };
    }
    if (t.kind === 'word') {
      this.next();
      const name: NameRef = { kind: 'name', range: t.range, name: t.text };
      const eq = this.peek();
      if (!eq || !this.isPunct('=', eq)) return name;
      // `FIELD=value`: the value runs to the next `|` or `&` (levels 2+), see ast.ts.
      this.next();
      this.enter(eq);
      const value = this.binary(2, () => `${t.text}=`, 'a field value');
      this.depth--;
      return { kind: 'assign', range: span(t.range, value.range), field: name, value };
    }
    if (this.isPunct('(', t)) {
      this.next();
      this.enter(t);
      const inner = this.expr('(');
      const close = this.peek();
      if (!close || !this.isPunct(')', close)) {
        this.fail(
          'syntax.expected',
          `expected ')' to close the '(' at character ${t.range.start.character + 1}, found ${describe(close)}`,
          this.rangeOf(close),
        );
      }
      this.next();
      this.depth--;
      return { kind: 'group', range: span(t.range, close.range), expr: inner };
    }
    this.expected(what, after, t);
  }
}

function tokenText(e: NameRef | NumberLit | Group): string {
  return e.kind === 'name' ? e.name : e.kind === 'number' ? e.text : '(…)';
}

type Access = { readonly op: 'read' | 'write'; readonly bits: AccessBits };
const ACCESS: ReadonlyMap<string, Access> = new Map(
  ACCESS_BITS.flatMap((bits): [string, Access][] => [
    [`read${bits}`, { op: 'read', bits }],
    [`write${bits}`, { op: 'write', bits }],
  ]),
);

/** `read32` → {read, 32}; anything else → undefined. */
export function accessKeyword(word: string): Access | undefined {
  return ACCESS.get(word);
}

/** What one line parses to: its statement, or the line's syntax error; the tokens when asked for. */
export interface LineParse {
  readonly statement?: Statement;
  readonly diagnostic?: ScriptDiagnostic;
  readonly tokens?: readonly Token[];
}

/**
 * Parse one line (`line` is its 0-based number). Lines are independent (a token never spans a line
 * break and each statement is one line), which is what lets the editor re-parse only edited lines
 * (incremental.ts).
 */
export function parseLine(
  lineText: string,
  line: number,
  keepTokens = false,
  statements: StatementTable = STATEMENT_TABLE,
): LineParse {
  // The common engine lines without tokens (fast-line.ts), when no tokens are asked for.
  if (!keepTokens && PARSER_PATHS.fastLines) {
    const fast = fastEngineLine(lineText, line, statements);
    if (fast !== undefined) return { statement: fast };
  }
  const lineTokens = lexLine(lineText, line);
  // A comment runs to the end of the line, so it can only be the last token; the parser stops before it.
  let count = lineTokens.length;
  if (count > 0 && (lineTokens[count - 1] as Token).kind === 'comment') count--;
  // "Found the end of the line" points just after the last token, before any comment.
  const last = lineTokens[count - 1];
  // The lexer's ranges are LineRanges: read the character without building a Position.
  const end = last ? (last.range instanceof LineRange ? last.range.to : last.range.end.character) : lineText.length;
  const parser = new LineParser(lineTokens, count, line, end, statements);
  try {
    const statement = parser.parseLine();
    if (!keepTokens) return statement ? { statement } : {};
    return withLineTokens(keepTokens, lineTokens, statement ? { statement } : {});
  } catch (e) {
    if (e instanceof LineError) {
      // A malformed token (bad number, unterminated string, stray character) at or before the
      // place the parse failed explains the failure better than "expected …, found it".
      let bad: Token | undefined;
      for (let i = 0; i < count && !bad; i++) if ((lineTokens[i] as Token).error) bad = lineTokens[i];
      const at = e.diagnostic.range.start.character;
      if (bad?.error && bad.range.start.character <= at)
        return withLineTokens(keepTokens, lineTokens, {
          diagnostic: { severity: 'error', code: bad.error.code, message: bad.error.message, range: bad.range },
        });
      return withLineTokens(keepTokens, lineTokens, { diagnostic: e.diagnostic });
    }
    // A bug must not take the editor down: report it on the line instead of throwing.
    return withLineTokens(keepTokens, lineTokens, {
      diagnostic: {
        severity: 'error',
        code: 'internal',
        message: `internal error while parsing this line: ${String(e)}`,
        range: new LineRange(line, 0, lineText.length),
      },
    });
  }
}

/** A line's parse with its tokens when they are kept (a function, not a closure a line: see parseLine). */
function withLineTokens(
  keepTokens: boolean,
  tokens: readonly Token[],
  r: { statement?: Statement; diagnostic?: ScriptDiagnostic },
): LineParse {
  return keepTokens ? { ...r, tokens } : r;
}

/**
 * Parse a whole document. Never throws; every diagnostic range lies inside the document.
 * `statements` is the statement table to read (the registry's; tests pass their own).
 */
export function parseScript(
  text: string,
  options: { readonly keepTokens?: boolean; readonly statements?: StatementTable } = {},
): ParsedScript {
  const lines = splitLines(text);
  const statements: Statement[] = [];
  const diagnostics: ScriptDiagnostic[] = [];
  const tokens: Token[] = [];
  // Keeping every token alive costs memory and garbage-collection time on large scripts; callers
  // that do not need them (checks) leave them out.
  const keep = options.keepTokens !== false;
  const table = options.statements ?? STATEMENT_TABLE;
  lines.forEach((lineText, line) => {
    const r = parseLine(lineText, line, keep, table);
    if (r.tokens) for (const t of r.tokens) tokens.push(t); // not push(...): a long line has too many for the argument list
    if (r.statement) statements.push(r.statement);
    if (r.diagnostic) diagnostics.push(r.diagnostic);
  });
  return { statements, diagnostics, tokens, lineLengths: lines.map((l) => l.length) };
}
