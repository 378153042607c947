/**
 * The resolver's machinery (core/script/resolve.ts runs it): what a script has resolved so far
 * (statements, names, constants, diagnostics) and how values, names and register operands are
 * read. Each statement's own resolution is in its definition (core/script/statements/), which
 * calls into this. Never throws for bad input: problems become diagnostics.
 *
 * Rules are in docs/script-language.md; each diagnostic has a stable code listed there.
 */
import type { Severity } from '../model/access';
import { findField, findRegister, registerContaining, REGISTERS } from '../registers/table';
import type { EnumValue, FieldDef, RegisterDef } from '../registers/types';
import type {
  ConfigStatement,
  Expr,
  FieldAssign,
  NameRef,
  NumberLit,
  ParsedScript,
  Range,
  RegisterStatement,
  Statement,
} from './ast';
import { compareRanges, type ScriptDiagnostic } from '../base/diagnostics';
import { closestNames, didYouMean } from '../text/suggest';
import type { Constant, IncludeHost, Resolution, ResolvedScript, ResolvedStatement, SymbolRef } from './resolved';

/** How names in an expression are read: see "Names in values" in docs/script-language.md. */
export type Context =
  /** Inside a register access: bare names are 1-bit fields of `reg`, `F=v` places a field. */
  | {
      readonly kind: 'register';
      readonly bits: number;
      readonly reg: RegisterDef;
      readonly byte: number;
      readonly access: AccessText;
    }
  /** A field's value (`F=v` right-hand side, `REG.F == v`): bare names are the field's enum values. */
  | { readonly kind: 'field'; readonly bits: number; readonly reg: RegisterDef; readonly field: FieldDef }
  /** No register (memory, constants, offsets): only numbers and constants; `why` says so. */
  | { readonly kind: 'plain'; readonly bits: number; readonly why: string };

/**
 * The access a value belongs to, for messages (`write32 CR0`): the statement itself, spelled only
 * when a message needs it (most values have none).
 */
type AccessText = string | RegisterStatement;
const accessText = (a: AccessText): string => (typeof a === 'string' ? a : `${a.op}${a.bits} ${offsetTextFor(a)}`);

/** Intermediate values are kept within ±2^128 so hostile shifts cannot allocate huge numbers. */
const OVERFLOW = 1n << 128n;

/** All-ones values of each width up to 128, made once: every value and expectation is checked against one. */
const MASKS: readonly bigint[] = Array.from({ length: 129 }, (_, bits) => (1n << BigInt(bits)) - 1n);
export const mask = (bits: number) => MASKS[bits] ?? (1n << BigInt(bits)) - 1n;
const hexText = (v: bigint) => (v < 0n ? '-0x' + (-v).toString(16).toUpperCase() : '0x' + v.toString(16).toUpperCase());
export const offsetText = (n: number) => '0x' + n.toString(16).toUpperCase().padStart(4, '0');
const bits = (f: FieldDef) => (f.msb === f.lsb ? `bit [${f.lsb}]` : `bits [${f.msb}:${f.lsb}]`);
export const fieldWidth = (f: FieldDef) => f.msb - f.lsb + 1;

const before = compareRanges;

/** Registers (first three) that have a field called `name`. */
function registersWithField(name: string): RegisterDef[] {
  return REGISTERS.filter((r) => findField(r, name)).slice(0, 3);
}

function listNames(names: readonly string[], max = 6): string {
  return names.length > max ? names.slice(0, max).join(', ') + ', …' : names.join(', ');
}

/**
 * Resolutions of registers, fields and enum values are values: one object for each, shared by
 * every use in every script, rather than one a use (a script names a register or field on almost
 * every line, and the symbols live as long as the document is open).
 */
const registerResolutions = new WeakMap<RegisterDef, Map<number, Resolution>>();
const fieldResolutions = new WeakMap<RegisterDef, Map<FieldDef, Resolution>>();
const enumResolutions = new WeakMap<RegisterDef, Map<FieldDef, Map<EnumValue, Resolution>>>();

/** The value kept in `table` for `key`, made by `make` the first time. */
function shared<K, V>(table: { get(key: K): V | undefined; set(key: K, value: V): unknown }, key: K, make: () => V): V {
  let v = table.get(key);
  if (v === undefined) table.set(key, (v = make()));
  return v;
}

// The usual case, a resolution made before, is looked up in functions that create no closures:
// closures over a function's parameters make V8 allocate a context on every call.
const registerResolution = (register: RegisterDef, byte: number): Resolution =>
  registerResolutions.get(register)?.get(byte) ?? makeRegisterResolution(register, byte);
const fieldResolution = (register: RegisterDef, field: FieldDef): Resolution =>
  fieldResolutions.get(register)?.get(field) ?? makeFieldResolution(register, field);
const enumResolution = (register: RegisterDef, field: FieldDef, value: EnumValue): Resolution =>
  enumResolutions.get(register)?.get(field)?.get(value) ?? makeEnumResolution(register, field, value);

function makeRegisterResolution(register: RegisterDef, byte: number): Resolution {
  return shared(
    shared(registerResolutions, register, () => new Map()),
    byte,
    () => ({ kind: 'register', register, byte }),
  );
}
function makeFieldResolution(register: RegisterDef, field: FieldDef): Resolution {
  return shared(
    shared(fieldResolutions, register, () => new Map()),
    field,
    () => ({ kind: 'field', register, field }),
  );
}
function makeEnumResolution(register: RegisterDef, field: FieldDef, value: EnumValue): Resolution {
  return shared(
    shared(
      shared(enumResolutions, register, () => new Map()),
      field,
      () => new Map(),
    ),
    value,
    () => ({ kind: 'enum', register, field, value }),
  );
}

/** What a script has resolved so far, and the rules for reading its values, names and operands. */
export class Resolver {
  readonly diagnostics: ScriptDiagnostic[] = [];
  readonly symbols: SymbolRef[] = [];
  readonly statements: ResolvedStatement[] = [];
  readonly consts = new Map<string, Constant>();

  /** `includes`: how `include` reads files (none: include is an error); `consts`: the includer's constants. */
  constructor(
    readonly includes?: IncludeHost,
    consts?: ReadonlyMap<string, Constant>,
  ) {
    for (const [k, v] of consts ?? []) this.consts.set(k, v);
  }

  /**
   * The constant `name` stands for (names match in any case). Most scripts declare none, and then
   * no name is upper-cased: every name of every line comes here, and a cold check pays for each
   * new string.
   */
  constantOf(name: string): Constant | undefined {
    return this.consts.size === 0 ? undefined : this.consts.get(name.toUpperCase());
  }

  /** The script's configuration (its `config` line), once resolved. */
  config?: { path: string; range: Range };
  /** The `config` line chosen (a second one is an error that points here). */
  configStatement?: ConfigStatement;
  /** Whether an access, memory or engine statement came yet (`config` must come before). */
  sawAccess = false;
  /** The statement resolved last (a `config` line directly after `reset` changes the configuration). */
  previous?: Statement;
  /** Errors reported so far: a statement compares the count before and after to know it has one. */
  errors = 0;

  /** Add what an unchanged access, memory or engine statement resolved to last time. */
  reuse(e: {
    readonly statements: readonly ResolvedStatement[];
    readonly symbols: readonly SymbolRef[];
    readonly diagnostics: readonly ScriptDiagnostic[];
  }): void {
    this.sawAccess = true;
    for (const x of e.statements) this.statements.push(x);
    for (const x of e.symbols) this.symbols.push(x);
    for (const d of e.diagnostics) this.report(d.severity, d.code, d.message, d.range, d.related);
  }

  /** While above 0, nothing is reported: names of a statement that already has its error are being explained (explainNames). */
  private quiet = 0;

  report(severity: Severity, code: string, message: string, range: Range, related?: ScriptDiagnostic['related']): void {
    if (this.quiet) return;
    if (severity === 'error') this.errors++;
    this.diagnostics.push(related ? { severity, code, message, range, related } : { severity, code, message, range });
  }

  error(code: string, message: string, range: Range): undefined {
    this.report('error', code, message, range);
    return undefined;
  }

  /**
   * Off for a check that keeps no syntax tree (StatementResolver): only hovers and navigation
   * read symbols, so building one object a name there would only feed the garbage collector.
   */
  keepSymbols = true;

  symbol(range: Range, resolution: Resolution): void {
    if (this.keepSymbols) this.symbols.push({ range, resolution });
  }

  /**
   * An access whose target has an error (`write64 CR0 …`: CR0 allows 32-bit accesses only) never
   * runs, but its register, field and value names still mean something: record what they are, for
   * hover and highlighting, reporting nothing more (the line already has its error, and a value
   * judged against the wrong access would only add confusion). Values are read as the register's
   * own width would take them.
   */
  explainNames(s: RegisterStatement): undefined {
    const { base, plus, field: fieldName } = s.target;
    const reg = base.kind === 'name' ? findRegister(base.name) : undefined;
    if (!reg) return undefined;
    this.quiet++;
    try {
      this.symbol(base.range, registerResolution(reg, plus?.value === 4n && reg.width === 64 ? 4 : 0));
      const field = fieldName ? findField(reg, fieldName.name) : undefined;
      if (field && fieldName) this.symbol(fieldName.range, fieldResolution(reg, field));
      const whole: Context = { kind: 'register', bits: reg.width, reg, byte: 0, access: s };
      if (s.value) this.value(s.value, whole);
      if (s.expect && !s.expect.abort)
        this.value(s.expect.value, field ? { kind: 'field', bits: fieldWidth(field), reg, field } : whole);
    } finally {
      this.quiet--;
    }
    return undefined;
  }

  /** Where an access goes: offset, register and byte inside it, and the field a read compares. */
  target(s: RegisterStatement): { offset: number; reg?: RegisterDef; byte: number; field?: FieldDef } | undefined {
    const { base, plus, field: fieldName } = s.target;
    const plusBytes = plus ? Number(plus.value) : 0;
    let offset: number;
    let reg: RegisterDef | undefined;
    let byte = 0;
    let named = false;
    if (base.kind === 'name') {
      const r = findRegister(base.name);
      const c = this.constantOf(base.name);
      if (r) {
        named = true;
        reg = r;
        byte = plusBytes;
        offset = r.offset + plusBytes;
        if (!this.namedAccessOk(s, r, plus)) return undefined;
      } else if (c) {
        this.symbol(base.range, {
          kind: 'const',
          name: c.name,
          value: c.value,
          definition: c.range,
          ...(c.path ? { definitionPath: c.path } : {}),
        });
        if (c.value === undefined) return undefined;
        const o = this.offset(c.value + (plus?.value ?? 0n), s.target.range);
        if (o === undefined) return undefined;
        offset = o;
      } else {
        return this.unknownRegister(base);
      }
    } else {
      const v = this.value(base, { kind: 'plain', bits: 64, why: 'an offset is a number' });
      if (v === undefined) return undefined;
      const o = this.offset(v, base.range);
      if (o === undefined) return undefined;
      offset = o;
    }
    if (!named) {
      const hit = registerContaining(offset);
      reg = hit?.reg;
      byte = hit?.byte ?? 0;
    }
    let field: FieldDef | undefined;
    if (fieldName) {
      if (!reg)
        return this.error(
          'name.field-without-register',
          `there is no register at ${offsetText(offset)}, so it has no field '${fieldName.name}'`,
          fieldName.range,
        );
      field = this.fieldOf(reg, fieldName);
      if (!field) return undefined;
      // `read32 CMDQ_BASE.RA`: a 32-bit read of a field of a 64-bit register reads the half that holds it.
      if (named && !plus && s.bits === 32 && reg.width === 64 && field.lsb >= 32) {
        byte = 4;
        offset += 4;
      }
      const lo = 8 * byte;
      if (field.lsb < lo || field.msb >= lo + s.bits) {
        const where =
          field.lsb < 32 && field.msb >= 32 && s.bits === 32
            ? `spans both halves of SMMU_${reg.name}: read it with read64`
            : `is outside the ${s.bits} bits that ${s.op}${s.bits} reads at ${offsetText(offset)}`;
        return this.error('target.field-outside-access', `${field.name} (${bits(field)}) ${where}`, fieldName.range);
      }
    }
    if (reg && base.kind !== 'group') this.symbol(base.range, registerResolution(reg, byte));
    if (field && reg && fieldName) this.symbol(fieldName.range, fieldResolution(reg, field));
    return { offset, reg, byte, field };
  }

  /** Access-size rules a named register makes visible before anything runs (§6.2). */
  private namedAccessOk(s: RegisterStatement, reg: RegisterDef, plus: NumberLit | undefined): boolean {
    if (plus === undefined && (s.bits === 32 || (s.bits === 64 && reg.width === 64))) return true; // the common case, before any message text is built
    const name = `SMMU_${reg.name}`;
    const how = `to see what an implementation does with it, write the offset: ${s.op}${s.bits} ${offsetText(reg.offset + (plus ? Number(plus.value) : 0))} …`;
    if (plus && plus.value !== 0n && !(plus.value === 4n && reg.width === 64)) {
      const msg =
        reg.width === 64
          ? `only '+4' (bits [63:32]) can follow the name of the 64-bit register ${name}`
          : `${name} is a 32-bit register: '+${plus.text}' is outside it; name the register there or write its offset`;
      this.error('target.outside-register', msg, plus.range);
    } else if (s.expect?.abort) {
      // `read16 CR0 == abort`: the script states that it makes an illegal access on purpose, and
      // what the access must do; the model reports the access when it runs (§6.2).
      return true;
    } else if (s.bits < 32) {
      this.error(
        'access.named-size',
        `${s.bits}-bit accesses to registers are not supported (§6.2: 32-bit accesses, and 64-bit ones to 64-bit registers); ${how}`,
        s.keyword,
      );
    } else if (s.bits === 64 && reg.width === 32) {
      this.error(
        'access.named-size',
        `${name} is a 32-bit register: use ${s.op}32 (a 64-bit access to it is illegal, §6.2); ${how}`,
        s.keyword,
      );
    } else if (s.bits === 64 && plus?.value === 4n) {
      this.error(
        'access.named-size',
        `a 64-bit access at ${reg.name}+4 is unaligned: use ${s.op}32 for the high half, or ${s.op}64 ${reg.name} for the whole register`,
        s.keyword,
      );
    } else {
      return true;
    }
    return false;
  }

  private offset(v: bigint, range: Range): number | undefined {
    if (v < 0n || v >= 1n << 32n)
      return this.error(
        'target.offset-too-large',
        `offset ${hexText(v)} is outside the SMMU's register pages (offsets are below 0x1_0000_0000)`,
        range,
      );
    return Number(v);
  }

  private unknownRegister(name: NameRef): undefined {
    const asField = registersWithField(name.name);
    if (asField.length) {
      return this.error(
        'name.unknown-register',
        `'${name.name}' is a field of ${asField.map((r) => 'SMMU_' + r.name).join(', ')}, not a register: name the register, e.g. '${asField[0].name}'`,
        name.range,
      );
    }
    const bare = name.name.toUpperCase().replace(/^SMMU_/, '');
    // Offer each register once, in the spelling closest to what was typed (name or alias).
    const spellings = closestNames(
      bare,
      REGISTERS.flatMap((r) => [r.name, ...(r.aliases ?? [])]),
      Infinity,
    );
    const seen = new Set<RegisterDef | undefined>();
    const options = spellings.filter((n) => !seen.has(findRegister(n)) && seen.add(findRegister(n))).slice(0, 3);
    return this.error('name.unknown-register', `unknown register '${name.name}'${didYouMean(options)}`, name.range);
  }

  /** The field `name` of `reg`, or an error that says where the name belongs. */
  private fieldOf(reg: RegisterDef, name: NameRef): FieldDef | undefined {
    const f = findField(reg, name.name);
    if (f) return f;
    return this.notAField(reg, name);
  }

  private notAField(reg: RegisterDef, name: NameRef): undefined {
    const n = name.name;
    if (findRegister(n))
      return this.error(
        'name.register-in-value',
        `'${n}' is a register; a value is made of numbers, fields of SMMU_${reg.name} and constants`,
        name.range,
      );
    const owners = reg.fields
      .filter((f) => f.values?.some((e) => e.name.toUpperCase() === n.toUpperCase()))
      .map((f) => f.name);
    if (owners.length) {
      const of = owners.length === 1 ? owners[0] : `${listNames(owners, 4)} of SMMU_${reg.name}`;
      return this.error(
        'name.enum-without-field',
        `'${n}' is a value of ${of}: write ${owners.length === 1 ? owners[0] : 'FIELD'}=${n}`,
        name.range,
      );
    }
    const elsewhere = registersWithField(n);
    if (elsewhere.length) {
      return this.error(
        'name.field-not-in-register',
        `'${n}' is not a field of SMMU_${reg.name} (it is a field of ${elsewhere.map((r) => 'SMMU_' + r.name).join(', ')})`,
        name.range,
      );
    }
    const options = closestNames(n, [
      ...reg.fields.map((f) => f.name),
      ...[...this.consts.values()].map((c) => c.name),
    ]);
    return this.error(
      'name.unknown-field',
      `unknown field '${n}' in SMMU_${reg.name}${didYouMean(options)}`,
      name.range,
    );
  }

  // --- values ----------------------------------------------------------------------------------

  /** Evaluate `e` and check it fits the context's width. */
  value(e: Expr, ctx: Context): bigint | undefined {
    const v = this.eval(e, ctx);
    if (v === undefined) return undefined;
    if (v < 0n)
      return this.error('value.negative', `the value is negative (${hexText(v)}); use '~' for a complement`, e.range);
    if (v > mask(ctx.bits)) {
      const what =
        ctx.kind === 'field'
          ? `${ctx.reg.name}.${ctx.field.name} (${ctx.bits} bits: 0 to ${mask(ctx.bits)})`
          : `${ctx.bits} bits`;
      return this.error(
        ctx.kind === 'field' ? 'value.field-too-wide' : 'value.too-wide',
        `${hexText(v)} does not fit in ${what}`,
        e.range,
      );
    }
    return v;
  }

  private eval(e: Expr, ctx: Context): bigint | undefined {
    switch (e.kind) {
      case 'number':
        return e.value;
      case 'group':
        return this.eval(e.expr, ctx);
      case 'unary': {
        const v = this.eval(e.operand, ctx);
        // `~` complements within the width being written, so `~SMMUEN` in write32 is 0xFFFFFFFE.
        return v === undefined ? undefined : ~v & mask(ctx.bits);
      }
      case 'binary': {
        const l = this.eval(e.left, ctx);
        const r = this.eval(e.right, ctx);
        if (l === undefined || r === undefined) return undefined;
        let v: bigint;
        switch (e.op) {
          case '|':
            v = l | r;
            break;
          case '&':
            v = l & r;
            break;
          case '+':
            v = l + r;
            break;
          case '-':
            v = l - r;
            break;
          case '*':
            v = l * r;
            break;
          case '/':
          case '%':
            // Exact integers, truncated towards zero as C divides (BigInt does the same).
            if (r === 0n)
              return this.error(
                'value.division-by-zero',
                `${e.op === '/' ? 'division' : 'remainder'} by zero: the right operand of '${e.op}' is 0`,
                e.opRange,
              );
            v = e.op === '/' ? l / r : l % r;
            break;
          case '<<':
          case '>>':
            if (r < 0n || r > 127n)
              return this.error('value.shift', `shift count ${hexText(r)} is out of range (0 to 127)`, e.right.range);
            v = e.op === '<<' ? l << r : l >> r;
            break;
        }
        if (v >= OVERFLOW || v <= -OVERFLOW)
          return this.error('value.overflow', 'this value does not fit in 128 bits', e.range);
        return v;
      }
      case 'name':
        return this.name(e, ctx);
      case 'assign':
        return this.assign(e, ctx);
    }
  }

  private constant(e: NameRef): Constant | undefined {
    const c = this.constantOf(e.name);
    if (c)
      this.symbol(e.range, {
        kind: 'const',
        name: c.name,
        value: c.value,
        definition: c.range,
        ...(c.path ? { definitionPath: c.path } : {}),
      });
    return c;
  }

  private name(e: NameRef, ctx: Context): bigint | undefined {
    if (ctx.kind === 'register') {
      const f = findField(ctx.reg, e.name);
      if (f) {
        if (this.constantOf(e.name) !== undefined) {
          this.report(
            'warning',
            'name.ambiguous',
            `'${e.name}' is both a field of SMMU_${ctx.reg.name} and a constant: the field is used`,
            e.range,
          );
        }
        this.symbol(e.range, fieldResolution(ctx.reg, f));
        if (f.msb !== f.lsb)
          return this.error(
            'value.multi-bit-field',
            `${f.name} is a ${fieldWidth(f)}-bit field (${bits(f)}): give its value, ${f.name}=…`,
            e.range,
          );
        return this.place(f, 1n, e, ctx);
      }
      const c = this.constant(e);
      if (c) return c.value;
      return this.notAField(ctx.reg, e);
    }
    if (ctx.kind === 'field') {
      const n = e.name.toUpperCase();
      const en = ctx.field.values?.find((v) => v.name.toUpperCase() === n);
      if (en) {
        this.symbol(e.range, enumResolution(ctx.reg, ctx.field, en));
        return BigInt(en.value);
      }
      const c = this.constant(e);
      if (c) return c.value;
      const names = ctx.field.values?.map((v) => v.name) ?? [];
      const what = `SMMU_${ctx.reg.name}.${ctx.field.name}`;
      const msg = names.length
        ? `'${e.name}' is not a value of ${what} (${listNames(names)})${didYouMean(closestNames(e.name, names))}`
        : `'${e.name}' is not a constant, and ${what} takes a number`;
      return this.error('name.unknown-enum', msg, e.range);
    }
    const c = this.constant(e);
    if (c) return c.value;
    const options = closestNames(
      e.name,
      [...this.consts.values()].map((k) => k.name),
    );
    const kind = registersWithField(e.name).length
      ? `'${e.name}' is a field name, but ${ctx.why}`
      : `unknown constant '${e.name}'${didYouMean(options)}`;
    return this.error('name.unknown', kind, e.range);
  }

  private assign(e: FieldAssign, ctx: Context): bigint | undefined {
    if (ctx.kind === 'field')
      return this.error('value.nested-field', `a value of ${ctx.field.name} cannot set another field`, e.field.range);
    if (ctx.kind === 'plain')
      return this.error(
        'name.field-without-register',
        `'${e.field.name}=' sets a field, but ${ctx.why}`,
        e.field.range,
      );
    const f = this.fieldOf(ctx.reg, e.field);
    if (!f) return undefined;
    this.symbol(e.field.range, fieldResolution(ctx.reg, f));
    const v = this.value(e.value, { kind: 'field', bits: fieldWidth(f), reg: ctx.reg, field: f });
    return v === undefined ? undefined : this.place(f, v, e, ctx);
  }

  /** A field value at its bits, seen from the accessed bytes (the high half shifts down by 32). */
  private place(
    f: FieldDef,
    v: bigint,
    e: NameRef | FieldAssign,
    ctx: Context & { kind: 'register' },
  ): bigint | undefined {
    const lo = BigInt(8 * ctx.byte);
    const full = v << BigInt(f.lsb);
    if (full & mask(Number(lo)) || full >> (lo + BigInt(ctx.bits)) !== 0n) {
      const half =
        ctx.byte === 4
          ? 'high half [63:32]'
          : ctx.bits === 32 && ctx.reg.width === 64
            ? 'low half [31:0]'
            : `${ctx.bits} bits`;
      return this.error(
        'value.field-outside-access',
        `${f.name} (${bits(f)} of SMMU_${ctx.reg.name}) is outside the ${half} that '${accessText(ctx.access)}' accesses`,
        e.range,
      );
    }
    return full >> lo;
  }

  finish(parsed: ParsedScript): ResolvedScript {
    const diagnostics = [...parsed.diagnostics, ...this.diagnostics].sort((a, b) => before(a.range, b.range));
    const symbols = this.symbols.sort((a, b) => before(a.range, b.range));
    return {
      parsed,
      ...(this.config ? { config: this.config } : {}),
      statements: this.statements,
      symbols,
      diagnostics,
    };
  }
}

function offsetTextFor(s: RegisterStatement): string {
  const b = s.target.base;
  const base = b.kind === 'name' ? b.name : b.kind === 'number' ? b.text : '(…)';
  return s.target.plus ? `${base}+${s.target.plus.text}` : base;
}
