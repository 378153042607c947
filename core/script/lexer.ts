/**
 * Lexer of the `.smmu` language. The language is line-oriented, so lexing is per line: a token
 * never spans a line break, and one bad line cannot disturb the next. Linear in the input, never
 * throws; malformed tokens carry an `error` that the parser reports.
 */
import type { Token } from './ast';
import { LineRange } from '../base/diagnostics';

/** Split on `\n`, `\r\n` and `\r`: the line breaks LSP positions count. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * Character classes of ASCII, one bit each: the lexer's loops read this table instead of calling
 * a predicate a character, which a cold start's interpreter pays for as a call each time
 * (docs/performance.md).
 */
const WORD_START = 1;
const DIGIT = 2;
const SPACE = 4;
/** Printable ASCII punctuation other than `"`, `#` and `_`, which have their own meaning. */
const PUNCT = 8;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const start = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  const digit = c >= 48 && c <= 57;
  CLASS[c] =
    (start ? WORD_START : 0) |
    (digit ? DIGIT : 0) |
    (c === 32 || c === 9 || c === 11 || c === 12 ? SPACE : 0) |
    (c >= 33 && c <= 126 && !start && !digit && c !== 34 && c !== 35 ? PUNCT : 0);
}
/** The class bits of character code `c` (none above ASCII, but the byte-order mark is a space). */
const classOf = (c: number): number => (c < 128 ? (CLASS[c] as number) : c === 0xfeff ? SPACE : 0);
/**
 * Space, tab, vertical tab, form feed, and a byte-order mark (editors keep it at the start of line
 * 0): what separates tokens inside a line. The trace tokenizer uses the same rule, so a character
 * is either skipped or starts a token there too; line breaks never reach a lexer (splitLines).
 */
export const isSpace = (c: number) => (classOf(c) & SPACE) !== 0;

/** Punctuation texts, shared (one string a character code), so a punctuation token slices nothing out of its line. */
const PUNCT_TEXT: readonly string[] = Array.from({ length: 127 }, (_, c) => String.fromCharCode(c));
/** The two-character punctuation (`==` `!=` `<<` `>>`) of codes `c` then `d`, or undefined. */
function twoCharPunct(c: number, d: number): string | undefined {
  if (d === 61 /* = */ && (c === 61 || c === 33)) return c === 61 ? '==' : '!=';
  if (c === d && (c === 60 || c === 62)) return c === 60 ? '<<' : '>>';
  return undefined;
}

/** Value bits a base-`radix` digit string may have before it surely exceeds 64 bits. */
const MAX_DIGITS: Record<number, number> = { 16: 16, 2: 64, 10: 20 };
const LIMIT = 1n << 64n;

type TokenError = { readonly code: string; readonly message: string };

/**
 * Every token has the same six properties in the same order, so the parser's property reads stay
 * monomorphic (tokens of several shapes made them megamorphic, the parser's largest cost).
 */
function token(
  kind: Token['kind'],
  text: string,
  range: Token['range'],
  error?: TokenError,
  number?: bigint,
  string?: string,
): Token {
  return { kind, text, range, error, number, string };
}

/** BigInts of small values, shared: literals such as `0`, `1` and `sid=1` are most of a script's numbers. */
const SMALL = Array.from({ length: 256 }, (_, i) => BigInt(i));
export const bigOf = (v: number): bigint => (v < 256 ? (SMALL[v] as bigint) : BigInt(v));

/**
 * A plain `0x…` literal of at most 13 hexadecimal digits, or a decimal one of at most 15: below
 * 2^53, so exact as a double.
 */
export const QUICK_NUMBER = /^(?:0[xX][0-9a-fA-F]{1,13}|[0-9]{1,15})$/;

/**
 * The value of a plain `0x…` or decimal literal short enough to be exact as a double (see
 * QUICK_NUMBER), or -1 when it needs the general path (binary, `_` separators, bad digits, long
 * literals). Most literals take this path, which builds no intermediate strings. The regular
 * expression and Number() run as V8's native code: a loop over the digits ran in a cold check's
 * baseline code, several builtin calls a digit. QUICK_NUMBER admits only what Number() reads as
 * the lexer does (Number alone would also take `1e5` and `0o17`).
 */
function quickValue(text: string): number {
  return QUICK_NUMBER.test(text) ? Number(text) : -1;
}

function numberToken(text: string, range: Token['range']): Token {
  const quick = quickValue(text);
  if (quick >= 0) return token('number', text, range, undefined, bigOf(quick));
  const lower = text.toLowerCase();
  const radix = lower.startsWith('0x') ? 16 : lower.startsWith('0b') ? 2 : 10;
  const body = radix === 10 ? text : text.slice(2);
  const what = radix === 16 ? 'hexadecimal' : radix === 2 ? 'binary' : 'decimal';
  const valid =
    radix === 16 ? /^[0-9a-fA-F]+(?:_+[0-9a-fA-F]+)*$/ : radix === 2 ? /^[01]+(?:_+[01]+)*$/ : /^[0-9]+(?:_+[0-9]+)*$/;
  if (!valid.test(body)) {
    const message = body === '' ? `'${text}' has no digits` : `'${shorten(text)}' is not a valid ${what} number`;
    return token('number', text, range, { code: 'syntax.number', message });
  }
  const digits = body.replace(/_/g, '').replace(/^0+(?=.)/, '');
  // Check the length before BigInt(): a line of a million digits must stay cheap.
  const value =
    digits.length > MAX_DIGITS[radix]
      ? LIMIT
      : BigInt(radix === 16 ? '0x' + digits : radix === 2 ? '0b' + digits : digits);
  if (value >= LIMIT) {
    return token('number', text, range, {
      code: 'syntax.number-too-large',
      message: `'${shorten(text)}' does not fit in 64 bits`,
    });
  }
  return token('number', text, range, undefined, value);
}

/** Token text for messages: long tokens are cut, invisible characters shown as U+XXXX. */
export function shorten(text: string, max = 32): string {
  const cut = text.length > max ? text.slice(0, max) + '…' : text;
  return cut.replace(
    /[^\x20-\x7e…]/g,
    (c) => 'U+' + (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0'),
  );
}

/**
 * Names repeat on every line (`iova`, `SMMUEN`, `CR0`): the syntax tree keeps one copy of each
 * instead of one a use. Bounded, so text with endless distinct words cannot grow it.
 */
const interned = new Map<string, string>();
const MAX_INTERNED = 4096;
export function intern(word: string): string {
  const known = interned.get(word);
  if (known !== undefined) return known;
  if (word.length <= 32 && interned.size < MAX_INTERNED) interned.set(word, word);
  return word;
}

/**
 * A run of word characters (letters, digits, `_`), matched by V8's compiled
 * regular expression code. A loop over the characters in the lexer ran in a cold check's baseline
 * code, a dozen builtin calls a character (about 3 % of the bench's first check).
 */
const WORD_RUN = /[A-Za-z0-9_]*/y;

/** Where the run of word characters from `i` ends. */
export function wordEnd(text: string, i: number): number {
  WORD_RUN.lastIndex = i;
  WORD_RUN.test(text);
  return WORD_RUN.lastIndex;
}

/** Tokens of one line (`line` is its 0-based number), comments included. */
export function lexLine(text: string, line: number): Token[] {
  const tokens: Token[] = [];
  // `new LineRange` at each token rather than a helper closure: a closure a line, and a call a
  // token, are what a cold start's interpreter pays for (docs/performance.md).
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    const k = c < 128 ? (CLASS[c] as number) : classOf(c);
    const start = i;
    if ((k & SPACE) !== 0) {
      i++;
    } else if (c === 35 /* # */) {
      tokens.push(token('comment', text.slice(i), new LineRange(line, i, n)));
      i = n;
    } else if ((k & WORD_START) !== 0) {
      i = wordEnd(text, i + 1);
      tokens.push(token('word', intern(text.slice(start, i)), new LineRange(line, start, i)));
    } else if ((k & DIGIT) !== 0) {
      // Take the whole alphanumeric run so `12abc` or `0xZZ` is one bad number, not two tokens.
      i = wordEnd(text, i + 1);
      tokens.push(numberToken(text.slice(start, i), new LineRange(line, start, i)));
    } else if (c === 34 /* " */) {
      const close = text.indexOf('"', i + 1);
      if (close < 0) {
        tokens.push(
          token('string', text.slice(i), new LineRange(line, i, n), {
            code: 'syntax.unterminated-string',
            message: "unterminated string: add the closing '\"' on this line",
          }),
        );
        i = n;
      } else {
        i = close + 1;
        tokens.push(
          token(
            'string',
            text.slice(start, i),
            new LineRange(line, start, i),
            undefined,
            undefined,
            text.slice(start + 1, close),
          ),
        );
      }
    } else if ((k & PUNCT) !== 0) {
      const two = i + 1 < n ? twoCharPunct(c, text.charCodeAt(i + 1)) : undefined;
      i += two !== undefined ? 2 : 1;
      tokens.push(token('punct', two ?? (PUNCT_TEXT[c] as string), new LineRange(line, start, i)));
    } else {
      while (i < n) {
        const d = text.charCodeAt(i);
        if (classOf(d) !== 0 || d === 34 || d === 35) break;
        i++;
      }
      tokens.push(
        token('invalid', text.slice(start, i), new LineRange(line, start, i), {
          code: 'syntax.invalid-character',
          message: `unexpected character ${shorten(text.slice(start, start + 1))}: scripts use ASCII names, numbers and operators`,
        }),
      );
    }
  }
  return tokens;
}
