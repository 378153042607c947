/**
 * The `.smmutrace` line format (docs/trace-replay.md): one record a line, `#` comments.
 *
 *   config "FILE"                       configuration to replay against (optional, before records)
 *   base 0xADDR                         offsets below are addresses; subtract this SMMU base
 *   R 0xOFFSET SIZE 0xVALUE [VCPU]      a read and the value the emulation returned
 *   R 0xOFFSET SIZE abort [VCPU]        a read the emulation terminated with an abort
 *   W 0xOFFSET SIZE 0xVALUE [abort] [VCPU]
 *   M 0xADDRESS SIZE 0xVALUE            a guest memory write (queues, tables), little-endian
 *   C 0xDW0 0xDW1                       a command the emulation consumed
 *   E 0xDW0 0xDW1 0xDW2 0xDW3           an event record the emulation wrote
 *
 * Bad lines get a diagnostic at the offending token and are skipped; the parser never throws.
 */
import type { Range, ScriptDiagnostic } from '../base/diagnostics';
import { isSpace, shorten, splitLines } from '../script/lexer';
import type { AccessRecord, ParsedTrace, TraceRecord } from './types';

interface Tok {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Split a line into whitespace-separated tokens, dropping a `#` comment; quoted strings stay one
 * token. Whitespace is the script lexer's (isSpace): one rule both skips a character and ends a
 * token, so every token holds at least one character and the loop always advances.
 */
export function tokenize(line: string): Tok[] {
  const toks: Tok[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 35 /* # */) break;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === 34 /* " */) {
      const close = line.indexOf('"', i + 1);
      i = close < 0 ? n : close + 1;
    } else {
      // Up to whitespace or a comment (char codes: a hot loop on long traces).
      do i++;
      while (i < n && !isSpace(line.charCodeAt(i)) && line.charCodeAt(i) !== 35);
    }
    toks.push({ text: line.slice(start, i), start, end: i });
  }
  return toks;
}

const MAX64 = (1n << 64n) - 1n;

export function rangeOf(line: number, t: { start: number; end: number }): Range {
  return { start: { line, character: t.start }, end: { line, character: t.end } };
}

/** A `0x` hex number of at most 64 bits (`_` separators allowed), or a message saying what is wrong. */
export function hexValue(text: string, what: string): bigint | string {
  // At least one digit: `0x_` has none, and BigInt('0x') throws.
  if (!/^0x_*[0-9a-f][0-9a-f_]*$/i.test(text)) {
    // Tokens are cut and invisible characters named (shorten); the suggestion is exact for any length (BigInt, not Number's Infinity).
    return /^[0-9]+$/.test(text)
      ? `${what} '${shorten(text)}' must be hexadecimal with a 0x prefix (0x${shorten(BigInt(text).toString(16).toUpperCase())}?)`
      : `${what} '${shorten(text)}' is not a hexadecimal number with a 0x prefix`;
  }
  const v = BigInt(text.replace(/_/g, ''));
  if (v > MAX64) return `${what} ${shorten(text)} is wider than 64 bits`;
  return v;
}

const SIZES = new Set([1, 2, 4, 8]);

/** The common access line (LineTraceParser.fast): at most 16 value digits, so at most 64 bits. */
const FAST_ACCESS = /^([RW]) 0x([0-9a-fA-F]{1,16}) ([48]) 0x([0-9a-fA-F]{1,16})(?: ([0-9]{1,9}))?$/;

/** An access line as `scanAccess` read it (one object, filled again for each line). */
export interface ScannedAccess {
  dir: 'R' | 'W';
  offset: number;
  size: 4 | 8;
  /** The value's low word, 0 to 2^32 − 1. */
  value: number;
  /** The value's high word (0 for a 4-byte access). */
  hi: number;
  /** The vCPU, or -1 when the line names none. */
  vcpu: number;
  /** Where the value is in the line: its `0x`, and the character after its last digit. */
  valueStart: number;
  valueEnd: number;
}

/** A ScannedAccess to fill. */
export function scannedAccess(): ScannedAccess {
  return { dir: 'R', offset: 0, size: 4, value: 0, hi: 0, vcpu: -1, valueStart: 0, valueEnd: 0 };
}

/** The value of hex digit `c` (a char code), or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** The number the hex digits of `text` from `from` to `to` (at most 8) make. */
function hexWord(text: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 16 + hexDigit(text.charCodeAt(i));
  return v;
}

/**
 * The commonest lines of all, `R|W 0xOFFSET 4 0xVALUE [VCPU]` with at most 8 digits in the offset
 * and the value, and `R|W 0xOFFSET 8 0xVALUE [VCPU]` with at most 16 in the value, read by char
 * codes into `out` without a string or a BigInt: true when the line is one, and then it is
 * exactly the record FAST_ACCESS (the parser's fast path) makes of it, with `base 0`. The
 * streamed replay (stream.ts) replays such a line without a record when the model's fast path
 * takes it; false: the parser reads the line.
 */
export function scanAccess(text: string, out: ScannedAccess): boolean {
  const n = text.length;
  // The shortest: `R 0x0 4 0x0` (11 characters); the longest: an 8-digit offset, a 16-digit value and a 9-digit vCPU.
  if (n < 11 || n > 43) return false;
  const d = text.charCodeAt(0);
  if ((d !== 82 && d !== 87) || text.charCodeAt(1) !== 32 || text.charCodeAt(2) !== 48 || text.charCodeAt(3) !== 120)
    return false;
  let i = 4;
  let offset = 0;
  for (let h = hexDigit(text.charCodeAt(i)); h >= 0 && i < 12; h = hexDigit(text.charCodeAt(++i)))
    offset = offset * 16 + h;
  if (i === 4 || hexDigit(text.charCodeAt(i)) >= 0) return false;
  // ` 4 0x` or ` 8 0x`
  const sz = text.charCodeAt(i + 1);
  if (
    text.charCodeAt(i) !== 32 ||
    (sz !== 52 && sz !== 56) ||
    text.charCodeAt(i + 2) !== 32 ||
    text.charCodeAt(i + 3) !== 48 ||
    text.charCodeAt(i + 4) !== 120
  )
    return false;
  i += 5;
  const v0 = i;
  const most = sz === 52 ? 8 : 16;
  while (i < v0 + most && hexDigit(text.charCodeAt(i)) >= 0) i++;
  if (i === v0 || hexDigit(text.charCodeAt(i)) >= 0) return false;
  const valueEnd = i;
  // The low word is the last 8 digits, the high word those before them.
  const split = Math.max(v0, valueEnd - 8);
  let vcpu = -1;
  if (i < n) {
    if (text.charCodeAt(i) !== 32) return false;
    const c0 = ++i;
    vcpu = 0;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57 && i < c0 + 9; c = text.charCodeAt(++i))
      vcpu = vcpu * 10 + c - 48;
    if (i === c0 || i < n) return false;
  }
  out.dir = d === 82 ? 'R' : 'W';
  out.offset = offset;
  out.size = sz === 52 ? 4 : 8;
  out.value = hexWord(text, split, valueEnd);
  out.hi = hexWord(text, v0, split);
  out.vcpu = vcpu;
  out.valueStart = v0 - 2;
  out.valueEnd = valueEnd;
  return true;
}

/** Parse the line format. `text` is the whole trace. */
export function parseLineTrace(text: string): ParsedTrace {
  const p = new LineTraceParser();
  // Lines as LSP counts them (\n, \r\n or a lone \r): a diagnostic's line is the editor's line, and
  // no \r is left for the tokenizer.
  const lines = splitLines(text);
  for (let n = 0; n < lines.length; n++) p.line(lines[n] as string, n);
  return { format: 'smmutrace', records: p.records, diagnostics: p.diagnostics, config: p.config, ignored: 0 };
}

/**
 * The line format's parser, a line at a time: its state is the `base` and `config` lines seen.
 * Records and diagnostics collect in `records` and `diagnostics`; the streamed replay (stream.ts)
 * takes them after each line.
 */
export class LineTraceParser {
  readonly records: TraceRecord[] = [];
  readonly diagnostics: ScriptDiagnostic[] = [];
  config: ParsedTrace['config'];
  private base = 0n;
  /** Records so far (`config` must come before the first). */
  private recordCount = 0;

  /** Where the parse is (its `base`, the records so far), to resume it at a later line (core/debug/trace-window.ts). */
  get position(): { readonly base: bigint; readonly records: number } {
    return { base: this.base, records: this.recordCount };
  }

  resume(at: { readonly base: bigint; readonly records: number }): void {
    this.base = at.base;
    this.recordCount = at.records;
  }

  private push(r: TraceRecord): void {
    this.recordCount++;
    this.records.push(r);
  }

  /** A `base` line moved the offsets (scanAccess reads offsets from 0). */
  get based(): boolean {
    return this.base !== 0n;
  }

  /** A record replayed without the parser (scanAccess's): counted, for the `config` line's place. */
  counted(): void {
    this.recordCount++;
  }

  /**
   * The common line, `R|W 0xOFFSET 4|8 0xVALUE [VCPU]` with single spaces, without building
   * tokens: the record the general path below makes of it, or false when that path must parse it
   * (anything else, or anything it would report).
   */
  private fast(text: string, n: number): boolean {
    const m = FAST_ACCESS.exec(text);
    if (!m) return false;
    const [, dir, offHex, sizeText, valHex, cpu] = m as unknown as [string, 'R' | 'W', string, string, string, string?];
    // Offsets of 13 hex digits or fewer are exact as a number; a base or wider ones take the general path.
    if (this.base !== 0n || offHex.length > 8) return false;
    const size = sizeText === '4' ? 4 : 8;
    // Up to 8 digits through a number (cheaper than parsing a BigInt from text).
    const value = valHex.length <= 8 ? BigInt(parseInt(valHex, 16)) : BigInt('0x' + valHex);
    if (size === 4 && valHex.length > 8 && value >> 32n !== 0n) return false;
    const valueStart = 2 + offHex.length + 2 + 1 + sizeText.length + 1;
    this.push({
      kind: 'access',
      dir,
      offset: parseInt(offHex, 16),
      size,
      value,
      abort: false,
      vcpu: cpu === undefined ? undefined : Number(cpu),
      line: n,
      valueRange: rangeOf(n, { start: valueStart, end: valueStart + 2 + valHex.length }),
      range: rangeOf(n, { start: 0, end: text.length }),
    });
    return true;
  }

  /**
   * The record `fast` makes of a line scanAccess read into `a` (`based` false), without
   * reading the line again: the streamed replay's access lines the model's fast path did not
   * take. Counted among the records, and returned rather than kept in `records`.
   */
  scanned(a: ScannedAccess, text: string, n: number): AccessRecord {
    const r: AccessRecord = {
      kind: 'access',
      dir: a.dir,
      offset: a.offset,
      size: a.size,
      value: a.hi ? (BigInt(a.hi) << 32n) | BigInt(a.value) : BigInt(a.value),
      abort: false,
      vcpu: a.vcpu < 0 ? undefined : a.vcpu,
      line: n,
      valueRange: rangeOf(n, { start: a.valueStart, end: a.valueEnd }),
      range: rangeOf(n, { start: 0, end: text.length }),
    };
    // Counted as `push` counts it; returned, not kept (the caller replays it at once).
    this.recordCount++;
    return r;
  }

  /** Parse line `n` (its text without the line break). */
  line(text: string, n: number): void {
    if (this.fast(text, n)) return;
    const diagnostics = this.diagnostics;
    const toks = tokenize(text);
    if (!toks.length) return;
    const err = (t: Tok, message: string, code = 'trace.syntax') =>
      diagnostics.push({ severity: 'error', code, message, range: rangeOf(n, t) });
    const head = toks[0] as Tok;
    const whole = rangeOf(n, { start: head.start, end: (toks[toks.length - 1] as Tok).end });
    const kw = head.text.toUpperCase();
    const arity = (min: number, max: number, usage: string): boolean => {
      if (toks.length - 1 < min) {
        err(toks[toks.length - 1] as Tok, `'${head.text}' needs ${usage}`);
        return false;
      }
      if (toks.length - 1 > max) {
        err(toks[max + 1] as Tok, `unexpected '${(toks[max + 1] as Tok).text}': '${head.text}' takes ${usage}`);
        return false;
      }
      return true;
    };
    const num = (t: Tok, what: string): bigint | undefined => {
      const v = hexValue(t.text, what);
      if (typeof v === 'string') {
        err(t, v);
        return undefined;
      }
      return v;
    };
    const size = (t: Tok): 1 | 2 | 4 | 8 | undefined => {
      const s = /^[0-9]+$/.test(t.text) ? Number(t.text) : NaN;
      if (!SIZES.has(s)) {
        err(
          t,
          `size '${t.text}' must be the access size in bytes: 4 or 8 (1 and 2 are accepted for sub-word accesses)`,
        );
        return undefined;
      }
      return s as 1 | 2 | 4 | 8;
    };
    if (head.text === 'config') {
      if (!arity(1, 1, 'a configuration file: config "FILE.smmu.json"')) return;
      if (this.recordCount) err(head, '`config` must come before the first record', 'trace.config-late');
      const t = toks[1] as Tok;
      this.config = { path: t.text.replace(/^"|"$/g, ''), range: rangeOf(n, t) };
      return;
    }
    if (head.text === 'base') {
      if (!arity(1, 1, 'the SMMU base address: base 0x09050000')) return;
      const v = num(toks[1] as Tok, 'base address');
      if (v !== undefined) this.base = v;
      return;
    }
    if (kw === 'R' || kw === 'W') {
      if (!arity(3, 5, `an offset, a size and a value: ${kw} 0x20 4 0x0000000d [abort] [vCPU]`)) return;
      const addr = num(toks[1] as Tok, 'offset');
      const sz = size(toks[2] as Tok);
      const vt = toks[3] as Tok;
      let value: bigint | undefined;
      let abort = false;
      let i = 4;
      if (vt.text.toLowerCase() === 'abort') {
        if (kw === 'W') {
          err(vt, 'a write needs the value written before `abort`: W 0x100a8 4 0x0 abort');
          return;
        }
        abort = true;
      } else {
        value = num(vt, 'value');
        if (value === undefined) return;
        if (toks[4] && toks[4].text.toLowerCase() === 'abort') {
          if (kw === 'R') {
            err(toks[4], 'an aborted read has no value: write `R 0x100a8 4 abort`');
            return;
          }
          abort = true;
          i = 5;
        }
      }
      let vcpu: number | undefined;
      const ct = toks[i];
      if (ct) {
        const m = /^(?:v?cpu)?([0-9]+)$/i.exec(ct.text);
        if (!m) {
          err(ct, `'${ct.text}' is not a vCPU number (decimal, optionally written cpu3 or vcpu3)`);
          return;
        }
        vcpu = Number(m[1]);
        if (toks[i + 1]) {
          err(toks[i + 1] as Tok, `unexpected '${(toks[i + 1] as Tok).text}' after the vCPU`);
          return;
        }
      }
      if (addr === undefined || sz === undefined) return;
      if (addr < this.base) {
        err(
          toks[1] as Tok,
          `address ${toks[1]?.text} is below the SMMU base 0x${this.base.toString(16).toUpperCase()}`,
        );
        return;
      }
      const off = addr - this.base;
      if (off > 0xffff_ffffn) {
        err(
          toks[1] as Tok,
          `offset 0x${off.toString(16).toUpperCase()} is far beyond the SMMU's register pages: is a \`base\` line missing?`,
        );
        return;
      }
      if (value !== undefined && value >> BigInt(sz * 8) !== 0n) {
        err(vt, `value ${vt.text} does not fit a ${sz}-byte access`);
        return;
      }
      this.push({
        kind: 'access',
        dir: kw,
        offset: Number(off),
        size: sz,
        value,
        abort,
        vcpu,
        line: n,
        valueRange: rangeOf(n, vt),
        range: whole,
      });
      return;
    }
    if (kw === 'M') {
      if (
        !arity(
          3,
          4,
          'an address, a size, a value and optionally the PA space: M 0x40000000 8 0x0000000000000046 [secure|ns]',
        )
      )
        return;
      const a = num(toks[1] as Tok, 'address');
      const sz = size(toks[2] as Tok);
      const v = num(toks[3] as Tok, 'value');
      if (a === undefined || sz === undefined || v === undefined) return;
      if (v >> BigInt(sz * 8) !== 0n) {
        err(toks[3] as Tok, `value ${(toks[3] as Tok).text} does not fit ${sz} bytes`);
        return;
      }
      // `secure`: the Secure PA space (§3.10), where the Secure queues and structures are read.
      const space = toks[4];
      if (space && space.text !== 'secure' && space.text !== 'ns') {
        err(space, `expected 'secure' or 'ns' (the PA space) after the value, found '${space.text}'`);
        return;
      }
      const secure = space?.text === 'secure';
      this.push({
        kind: 'memory',
        address: a,
        size: sz,
        value: v,
        line: n,
        range: whole,
        ...(secure ? { secure } : {}),
      });
      return;
    }
    if (kw === 'C' || kw === 'E') {
      const words = kw === 'C' ? 2 : 4;
      if (!arity(words, words, `${words} doublewords, first one first`)) return;
      const dw = toks.slice(1).map((t) => num(t, 'doubleword'));
      if (dw.some((d) => d === undefined)) return;
      const dwords = dw as bigint[];
      this.push(
        kw === 'C'
          ? { kind: 'command', dwords, line: n, range: whole }
          : { kind: 'event', dwords, line: n, range: whole },
      );
      return;
    }
    err(head, `'${head.text}' does not start a record: expected R, W, M, C, E, config or base`);
  }
}
