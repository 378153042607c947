/**
 * Expressions over the model's state for conditional breakpoints, watches and the debug console:
 * `CMDQ_CONS.ERR != 0`, `GERROR ^ GERRORN`, `mem64(0x40000000) & 1`, `STRTAB_BASE_CFG.FMT == LINEAR`.
 *
 * Grammar, loosest first: `||`, `&&`, comparisons (`== != < <= > >=`), `|`, `^`, `&`, `<< >>`,
 * `+ -`, unary `~ ! -`, then primaries: numbers (`0x1F`, `31`, `0b11`, `_` separators), register
 * names (with or without `SMMU_`), `REG.FIELD`, `mem8/16/32/64(addr)` (the Non-secure PA space) or
 * `mem8/16/32/64(addr, secure)` (the Secure one, §3.10, as a script's `mem read64 ADDR secure`), parentheses. A bare name
 * compared with a field (`REG.FIELD == NAME`) is one of that field's enum values. Values are
 * unsigned 64-bit; comparisons give 1 or 0. Nothing here changes the model.
 */
import { extractField } from '../registers/codec';
import { findField, findRegister } from '../registers/table';
import type { FieldDef, RegisterDef } from '../registers/types';

export class ExprError extends Error {
  constructor(
    message: string,
    /** 0-based column in the expression text. */
    readonly column: number,
  ) {
    super(`${message} (at column ${column + 1})`);
  }
}

/** What expressions read: registers and guest memory (`secure`: the Secure PA space, §3.10). */
export interface ExprState {
  register(reg: RegisterDef): bigint;
  memory(address: bigint, bytes: number, secure: boolean): bigint;
}

const MASK64 = (1n << 64n) - 1n;

interface Tok {
  readonly kind: 'num' | 'name' | 'op' | 'end';
  readonly text: string;
  readonly pos: number;
  readonly value?: bigint;
}

const OPS = [
  '||',
  '&&',
  '==',
  '!=',
  '<=',
  '>=',
  '<<',
  '>>',
  '<',
  '>',
  '|',
  '^',
  '&',
  '+',
  '-',
  '~',
  '!',
  '(',
  ')',
  '.',
  ',',
];

function lex(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // At least one digit after a prefix: BigInt('0x') of `0x_` throws a SyntaxError, not an ExprError.
    const num = /^(0x_*[0-9a-f][0-9a-f_]*|0b_*[01][01_]*|[0-9][0-9_]*)/i.exec(text.slice(i));
    if (num) {
      const t = num[0].replace(/_/g, '');
      out.push({ kind: 'num', text: num[0], pos: i, value: BigInt(t) });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (name) {
      out.push({ kind: 'name', text: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected character '${c}'`, i);
    out.push({ kind: 'op', text: op, pos: i });
    i += op.length;
  }
  out.push({ kind: 'end', text: '', pos: text.length });
  return out;
}

/** A parsed expression: a function of the state, plus what it reads (for data breakpoints). */
export interface CompiledExpr {
  readonly text: string;
  evaluate(state: ExprState): bigint;
  /** When the whole expression is one register or field: what it names (data breakpoints, setVariable). */
  readonly lvalue?: { readonly reg: RegisterDef; readonly field?: FieldDef };
}

type Node = {
  eval: (s: ExprState) => bigint;
  field?: FieldDef;
  reg?: RegisterDef;
  enumName?: { name: string; pos: number };
};

export function lookupRegister(name: string): RegisterDef | undefined {
  const n = name.toUpperCase().replace(/^SMMU_/, '');
  return findRegister(n);
}

/** Nesting of parentheses and unary operators allowed (deeper input is rejected, not a stack overflow). */
const MAX_DEPTH = 64;

/** Parse `text`; throws ExprError with the column of the problem. */
export function compileExpr(text: string): CompiledExpr {
  if (text.length > 4096) throw new ExprError('expression longer than 4096 characters', 4096);
  const toks = lex(text);
  let p = 0;
  let depth = 0;
  const nest = (t: Tok) => {
    if (++depth > MAX_DEPTH) throw new ExprError(`nested more than ${MAX_DEPTH} deep`, t.pos);
  };
  const peek = () => toks[p] as Tok;
  const take = () => toks[p++] as Tok;
  const expectOp = (op: string) => {
    const t = take();
    if (t.text !== op || t.kind !== 'op')
      throw new ExprError(`expected '${op}'${t.kind === 'end' ? ' before the end' : `, found '${t.text}'`}`, t.pos);
  };

  const resolveEnum = (n: Node, other: Node): Node => {
    if (!n.enumName || !other.field) return n;
    const e = other.field.values?.find((v) => v.name.toLowerCase() === n.enumName?.name.toLowerCase());
    if (!e)
      throw new ExprError(
        `'${n.enumName.name}' is not a value of ${other.reg?.name}.${other.field.name}`,
        n.enumName.pos,
      );
    const v = BigInt(e.value);
    return { eval: () => v };
  };
  const forceValue = (n: Node): Node => {
    if (n.enumName)
      throw new ExprError(
        `unknown name '${n.enumName.name}': not a register (or compare it with a field to use an enum value)`,
        n.enumName.pos,
      );
    return n;
  };

  const primary = (): Node => {
    const t = take();
    if (t.kind === 'num') {
      const v = (t.value as bigint) & MASK64;
      return { eval: () => v };
    }
    if (t.kind === 'op' && t.text === '(') {
      nest(t);
      const e = orExpr();
      expectOp(')');
      depth--;
      return forceValue(e);
    }
    if (t.kind === 'name') {
      const mem = /^mem(8|16|32|64)$/i.exec(t.text);
      if (mem && peek().text === '(') {
        take();
        const a = forceValue(orExpr());
        // `, secure`: the Secure PA space, the word a script's `mem read64 ADDR secure` ends with.
        let secure = false;
        if (peek().text === ',') {
          take();
          const w = take();
          if (w.kind !== 'name' || w.text !== 'secure')
            throw new ExprError(`expected 'secure' after ',' in ${t.text}(address, secure)`, w.pos);
          secure = true;
        }
        expectOp(')');
        const bytes = Number(mem[1]) / 8;
        return { eval: (s) => s.memory(a.eval(s), bytes, secure) };
      }
      const reg = lookupRegister(t.text);
      if (!reg) return { eval: () => 0n, enumName: { name: t.text, pos: t.pos } };
      if (peek().text === '.') {
        take();
        const f = take();
        if (f.kind !== 'name') throw new ExprError(`expected a field of ${reg.name} after '.'`, f.pos);
        const field = findField(reg, f.text);
        if (!field)
          throw new ExprError(
            `${reg.name} has no field '${f.text}' (${reg.fields.map((x) => x.name).join(', ') || 'it has no fields'})`,
            f.pos,
          );
        return { eval: (s) => extractField(s.register(reg), field), reg, field };
      }
      return { eval: (s) => s.register(reg), reg };
    }
    throw new ExprError(
      t.kind === 'end' ? 'expected a value before the end' : `expected a value, found '${t.text}'`,
      t.pos,
    );
  };
  const unary = (): Node => {
    const t = peek();
    if (t.kind === 'op' && (t.text === '~' || t.text === '!' || t.text === '-')) {
      take();
      nest(t);
      const x = forceValue(unary());
      depth--;
      if (t.text === '~') return { eval: (s) => ~x.eval(s) & MASK64 };
      if (t.text === '!') return { eval: (s) => (x.eval(s) === 0n ? 1n : 0n) };
      return { eval: (s) => -x.eval(s) & MASK64 };
    }
    return primary();
  };
  const binary =
    (next: () => Node, ops: readonly string[], f: (op: string, a: bigint, b: bigint) => bigint) => (): Node => {
      let left = next();
      for (;;) {
        const t = peek();
        if (t.kind !== 'op' || !ops.includes(t.text)) return left;
        take();
        const l = forceValue(left);
        const r = forceValue(next());
        left = { eval: (s) => f(t.text, l.eval(s), r.eval(s)) & MASK64 };
      }
    };
  const add = binary(unary, ['+', '-'], (op, a, b) => (op === '+' ? a + b : a - b));
  const shift = binary(add, ['<<', '>>'], (op, a, b) => (b > 64n ? 0n : op === '<<' ? a << b : a >> b));
  const band = binary(shift, ['&'], (_op, a, b) => a & b);
  const bxor = binary(band, ['^'], (_op, a, b) => a ^ b);
  const bor = binary(bxor, ['|'], (_op, a, b) => a | b);
  const cmp = (): Node => {
    const left = bor();
    const t = peek();
    if (t.kind !== 'op' || !['==', '!=', '<', '<=', '>', '>='].includes(t.text)) return left;
    take();
    const right = bor();
    const l = forceValue(resolveEnum(left, right));
    const r = forceValue(resolveEnum(right, left));
    const op = t.text;
    return {
      eval: (s) => {
        const a = l.eval(s);
        const b = r.eval(s);
        const x =
          op === '=='
            ? a === b
            : op === '!='
              ? a !== b
              : op === '<'
                ? a < b
                : op === '<='
                  ? a <= b
                  : op === '>'
                    ? a > b
                    : a >= b;
        return x ? 1n : 0n;
      },
    };
  };
  const logic = (next: () => Node, op: '&&' | '||') => (): Node => {
    let left = next();
    while (peek().kind === 'op' && peek().text === op) {
      take();
      const l = forceValue(left);
      const r = forceValue(next());
      left =
        op === '&&'
          ? { eval: (s) => (l.eval(s) !== 0n && r.eval(s) !== 0n ? 1n : 0n) }
          : { eval: (s) => (l.eval(s) !== 0n || r.eval(s) !== 0n ? 1n : 0n) };
    }
    return left;
  };
  const andExpr = logic(cmp, '&&');
  const orExpr = logic(andExpr, '||');

  if (toks.length === 1) throw new ExprError('empty expression', 0);
  const root = forceValue(orExpr());
  const end = peek();
  if (end.kind !== 'end') throw new ExprError(`unexpected '${end.text}'`, end.pos);
  const lvalue = root.reg ? { reg: root.reg, ...(root.field ? { field: root.field } : {}) } : undefined;
  return { text, evaluate: (s) => root.eval(s), ...(lvalue ? { lvalue } : {}) };
}
