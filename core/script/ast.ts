/**
 * Tokens and syntax tree of the `.smmu` register-access language (docs/script-language.md).
 *
 * Every token and node carries an LSP-style range (0-based line, UTF-16 character, end exclusive)
 * so diagnostics, hovers and semantic tokens can point at the exact text. The parser makes them
 * LineRanges (diagnostics.ts): three numbers, since nothing in a script spans a line break.
 * The tree is purely syntactic: names are not looked up here (that is core/script/resolve.ts).
 */
import type { Range, ScriptDiagnostic } from '../base/diagnostics';

export type { Position, Range, ScriptDiagnostic } from '../base/diagnostics';

export type TokenKind =
  /** A name or keyword: `[A-Za-z_][A-Za-z0-9_]*`. */
  | 'word'
  /** A number literal; `value` is set when it is well formed and fits in 64 bits. */
  | 'number'
  /** `"…"`; `value` holds the text between the quotes. */
  | 'string'
  /** One punctuation token: `==`, `!=`, `<<`, `>>`, or a single ASCII punctuation character. */
  | 'punct'
  /** `#` to the end of the line. Kept for semantic tokens and folding; the parser skips it. */
  | 'comment'
  /** A run of characters the language does not use (control characters, non-ASCII text). */
  | 'invalid';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly range: Range;
  /** Set when the lexer could not make sense of the token (bad number, unterminated string). */
  readonly error: { readonly code: string; readonly message: string } | undefined;
  readonly number: bigint | undefined;
  readonly string: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Expressions. Precedence, loosest first: `|`, `&`, `<<` `>>`, `+` `-`, `*` `/` `%`, then unary
// `~` (C's order, except that C puts `&` and `|` below comparisons the language does not have);
// `NAME=` takes everything up to the next `|` or `&` (so `LOG2SIZE=4+4` is 8, `A=1|B=2` two fields).

export interface NumberLit {
  readonly kind: 'number';
  readonly range: Range;
  readonly value: bigint;
  /** Source spelling, for hovers that show the number in another base. */
  readonly text: string;
}

/** A bare name: a 1-bit field, an enum value, a constant or a register, depending on where it is. */
export interface NameRef {
  readonly kind: 'name';
  readonly range: Range;
  readonly name: string;
}

/** `FIELD=value`: the field's value placed at the field's bits. */
export interface FieldAssign {
  readonly kind: 'assign';
  readonly range: Range;
  readonly field: NameRef;
  readonly value: Expr;
}

export interface Unary {
  readonly kind: 'unary';
  readonly range: Range;
  readonly op: '~';
  readonly operand: Expr;
}

export type BinaryOp = '|' | '&' | '<<' | '>>' | '+' | '-' | '*' | '/' | '%';

export interface Binary {
  readonly kind: 'binary';
  readonly range: Range;
  readonly op: BinaryOp;
  readonly opRange: Range;
  readonly left: Expr;
  readonly right: Expr;
}

/** `( expr )`, kept as a node so its range includes the parentheses. */
export interface Group {
  readonly kind: 'group';
  readonly range: Range;
  readonly expr: Expr;
}

export type Expr = NumberLit | NameRef | FieldAssign | Unary | Binary | Group;

// ---------------------------------------------------------------------------------------------
// Statements: one a line.

export type AccessBits = 8 | 16 | 32 | 64;

export interface StringLit {
  readonly kind: 'string';
  readonly range: Range;
  readonly value: string;
}

/** The register operand: `CR0`, `SMMU_CMDQ_BASE+4`, `0x100A8`, `(BASE+0xA8)`, each optionally `.FIELD`. */
export interface Target {
  readonly range: Range;
  /** A register or constant name, a number, or a parenthesised expression (an offset). */
  readonly base: NameRef | NumberLit | Group;
  /** `+ N` after a name: bytes into the register (only `+4`, the high half, is useful). */
  readonly plus?: NumberLit;
  /** `.FIELD`: reads compare only this field. */
  readonly field?: NameRef;
}

/**
 * `== value` or `!= value` after a read; `== abort` or `!= abort` after a read or a write.
 */
export interface Expect {
  readonly range: Range;
  readonly op: '==' | '!=';
  readonly opRange: Range;
  readonly value: Expr;
  /**
   * The value is the keyword `abort` alone: the access must (`==`) or must not (`!=`) take an
   * external abort (§6.2). `value` is then the name `abort`, for its range.
   */
  readonly abort?: true;
}

export interface ConfigStatement {
  readonly kind: 'config';
  readonly range: Range;
  readonly keyword: Range;
  readonly path: StringLit;
}

export interface ConstStatement {
  readonly kind: 'const';
  readonly range: Range;
  readonly keyword: Range;
  readonly name: NameRef;
  readonly value: Expr;
}

/**
 * The words that give an access its Security state (§3.10.2), after the target (reads) or the
 * value (writes): `secure`, `ns`. The parser and the grammar read them here.
 */
export const ACCESS_SECURITY_WORDS = ['secure', 'ns'] as const;
export type AccessSecurityWord = (typeof ACCESS_SECURITY_WORDS)[number];

/** `read32 TARGET [== v]`, `write64 TARGET v`: a guest MMIO access to the SMMU. */
export interface RegisterStatement {
  readonly kind: 'register';
  readonly range: Range;
  readonly op: 'read' | 'write';
  readonly bits: AccessBits;
  /** The `read32`/`write64` keyword. */
  readonly keyword: Range;
  readonly target: Target;
  /** The value written (writes only). */
  readonly value?: Expr;
  /** After a read, any expectation; after a write, only `== abort` / `!= abort`. */
  readonly expect?: Expect;
  /**
   * `secure` or `ns` after the target (reads) or the value (writes): the access's Security state
   * (§3.10.2). Without it, the state of the register it addresses.
   */
  readonly security?: { readonly word: AccessSecurityWord; readonly range: Range };
}

/** `mem read64 ADDR [== v]`, `mem write64 ADDR v`: guest physical memory. */
export interface MemStatement {
  readonly kind: 'mem';
  readonly range: Range;
  readonly op: 'read' | 'write';
  readonly bits: AccessBits;
  /** The `mem` keyword and the `read64`/`write64` keyword after it. */
  readonly keyword: Range;
  readonly opKeyword: Range;
  /** A number, a constant (`BASE`, `BASE + 8`), or a parenthesised expression. */
  readonly address: Expr;
  readonly value?: Expr;
  readonly expect?: Expect;
  /**
   * `secure` or `ns` after the address (reads) or the value (writes): the PA space accessed
   * (§3.10). Without it, the Non-secure PA space.
   */
  readonly security?: { readonly word: AccessSecurityWord; readonly range: Range };
}

/**
 * The engine's statements (docs/script-language.md, "Driving the SMMU"): `cmd`, `doorbell`,
 * `dma`, `pri`, `poll`, `ste`, `cd`, `l1std`, `l1cd`, `map`, `tables`, `expect`, `mem abort`,
 * `reset`.
 * Their arguments are expressions, usually `NAME=value`. Each verb has its definition (keywords,
 * arguments, resolution, execution) in core/script/statements/ (ENGINE_STATEMENTS, which the
 * compiler holds to this list).
 */
export type ActionVerb =
  | 'cmd'
  | 'doorbell'
  | 'dma'
  | 'pri'
  | 'poll'
  | 'ste'
  | 'cd'
  | 'l1std'
  | 'l1cd'
  | 'map'
  | 'tables'
  | 'expect'
  | 'abort'
  | 'reset';

export interface ActionStatement {
  readonly kind: 'action';
  readonly range: Range;
  readonly verb: ActionVerb;
  readonly keyword: Range;
  /** `poll` only: the register operand. */
  readonly target?: Target;
  readonly args: readonly Expr[];
  readonly expect?: Expect;
}

/** `include "FILE"`: the statements of another script, in place. */
export interface IncludeStatement {
  readonly kind: 'include';
  readonly range: Range;
  readonly keyword: Range;
  readonly path: StringLit;
}

export type Statement =
  ConfigStatement | ConstStatement | RegisterStatement | MemStatement | ActionStatement | IncludeStatement;

export interface ParsedScript {
  /** Statements of the lines that parsed, in line order; a line with a syntax error has none. */
  readonly statements: readonly Statement[];
  /** Syntax errors: at most one a line, on the offending token. */
  readonly diagnostics: readonly ScriptDiagnostic[];
  /** Every token of the document, comments included, in order (for semantic tokens). */
  readonly tokens: readonly Token[];
  /** Length of each line in UTF-16 units (without the line break); `lineLengths.length` lines. */
  readonly lineLengths: readonly number[];
}
