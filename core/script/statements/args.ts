/**
 * Engine statements' arguments as their schema (types.ts ArgSchema) declares them: the usage line
 * it gives, the unknown-argument check with its suggestions, lookups of named arguments by name
 * and alias, and `FIELD=value` arguments read against a command, structure or event layout.
 */
import type { ScriptDiagnostic } from '../../base/diagnostics';
import { findLayoutField } from '../../layout/access';
import type { LayoutDef, LayoutField } from '../../layout/types';
import { hex } from '../../registers/codec';
import { closestNames, didYouMean } from '../../text/suggest';
import type { ActionStatement } from '../ast';
import type { ActionArg, ResolvedAction } from '../resolved';
import type { Resolver } from '../resolver';
import {
  diag,
  type EngineDef,
  type ExpectationArg,
  type NamedArg,
  type PositionalArg,
  type StatementDef,
} from './types';
import { own } from '../../base/own';

/** Friendly names of layout fields in `FIELD=value` arguments: Linux/QEMU spellings. */
export const FIELD_ALIASES: Readonly<Record<string, string>> = {
  sid: 'StreamID',
  ssid: 'SubstreamID',
  addr: 'Address',
  va: 'Address',
  iova: 'Address',
  ipa: 'Address',
  asid: 'ASID',
  vmid: 'VMID',
};

/** The field of `def` an argument names, by its own name or a friendly one (FIELD_ALIASES). */
export function layoutFieldOf(def: LayoutDef, name: string): LayoutField | undefined {
  const f = findLayoutField(def, name);
  if (f) return f;
  const alias = own(FIELD_ALIASES, name.toLowerCase());
  return alias ? findLayoutField(def, alias) : undefined;
}

/** `sid=N`, or `priv`: a named argument as usages and lists show it. */
const spelled = (a: NamedArg) => (a.kind === 'value' ? `${a.name}=${a.placeholder ?? 'N'}` : a.name);

/** One piece of a usage line, and the argument it shows. */
export type UsagePiece = { readonly text: string; readonly optional?: boolean } & (
  | { readonly kind: 'keyword' }
  | { readonly kind: 'positional'; readonly arg: PositionalArg; readonly index: number }
  | { readonly kind: 'fields' }
  | { readonly kind: 'named'; readonly arg: NamedArg }
  | { readonly kind: 'expect'; readonly arg: ExpectationArg }
);

/**
 * The pieces of the statement's usage as its schema gives it: keyword, positional arguments,
 * fields, named arguments (optional ones in brackets) and the expectation (`poll` compares before
 * its options). `form`, the first argument as written (`msi` in `expect msi`), picks the form:
 * that word, what follows it (a positional argument's `or`), its own named arguments (`after`).
 */
export function usagePieces(def: EngineDef, form?: string): UsagePiece[] {
  const a = def.args;
  // Only a schema with parts of its own per form (`or`, `after` on a named argument) has forms to pick.
  const forms = (a.positional ?? []).some((p) => p.or) || (a.named ?? []).some((n) => n.after !== undefined);
  const first = form?.toLowerCase();
  const word = forms && first !== undefined && a.positional?.[0]?.choices?.includes(first) ? first : undefined;
  const named = (a.named ?? [])
    .filter((n) => n.after === undefined || n.after === word)
    .map((n): UsagePiece => ({ kind: 'named', arg: n, text: spelled(n), optional: !n.required }));
  const expect: UsagePiece[] = a.expect
    ? [{ kind: 'expect', arg: a.expect, text: a.expect.usage, optional: !a.expect.required }]
    : [];
  // Another form than the schema's own (its first word leads elsewhere): no fields, and only the
  // positional arguments that follow that word.
  let other = false;
  const positional = (a.positional ?? []).flatMap((p, index): UsagePiece[] => {
    if (word === undefined) return [{ kind: 'positional', arg: p, index, text: p.usage }];
    if (index === 0 && p.choices?.includes(word)) return [{ kind: 'positional', arg: p, index, text: word }];
    const pick = [p, ...(p.or ?? [])].find((x) => x.after === undefined || x.after === word);
    if (pick !== p) other = true;
    return pick ? [{ kind: 'positional', arg: pick, index, text: pick.usage }] : [];
  });
  const fields: UsagePiece[] = a.fields && !other ? [{ kind: 'fields', text: a.fields.usage }] : [];
  const keyword: UsagePiece = { kind: 'keyword', text: def.keywords[0] as string };
  return def.operand
    ? [keyword, ...positional, ...expect, ...named]
    : [keyword, ...positional, ...fields, ...named, ...expect];
}

/** The statement's usage line as its schema gives it (`tables ADDR [size=N]`). */
export function usage(def: EngineDef): string {
  return usagePieces(def)
    .map((p) => (p.optional ? `[${p.text}]` : p.text))
    .join(' ');
}

/** Each form's usage as written (the first form's, when left out, is the schema's). */
export function formUsages(def: StatementDef): string[][] {
  return def.forms.map((f, i) => {
    if (f.usage !== undefined) return typeof f.usage === 'string' ? [f.usage] : [...f.usage];
    if (i === 0 && def.syntax === 'engine') return [usage(def)];
    throw new Error(`statement ${def.keywords[0]}: form ${i + 1} has no usage`);
  });
}

/** The named argument an argument name stands for (by its name or an alias, any case). */
/**
 * Each statement's named arguments by lower-case name and alias, the first in the schema's order
 * for a spelling two share, made on first use: checkArgs looks up every argument of every engine
 * line at every run, and `map` has some twenty named arguments to search (in a cold check's
 * baseline code, a lower-casing and a comparison each). Definitions are the core's constant tables.
 */
const namedByLowerName = new WeakMap<EngineDef, Map<string, NamedArg>>();

export function namedArg(def: EngineDef, name: string): NamedArg | undefined {
  let byName = namedByLowerName.get(def);
  if (byName === undefined) {
    byName = new Map();
    for (const a of def.args.named ?? [])
      for (const spelling of [a.name, ...(a.aliases ?? [])]) {
        const lower = spelling.toLowerCase();
        if (!byName.has(lower)) byName.set(lower, a);
      }
    namedByLowerName.set(def, byName);
  }
  // The spelling as written first: the map's keys are lower case, as scripts mostly write them,
  // and a lookup costs no more than the lower-casing it saves.
  return byName.get(name) ?? byName.get(name.toLowerCase());
}

/**
 * The arguments after the positional ones must be named arguments of the schema, each at most
 * once, each problem an error at the argument: a value where no argument is left is one too many
 * (`arg.extra`, the message gives the statement's usage); an unknown name lists what the statement
 * takes, with the closest spellings (`<verb>.arg`); a name given again, itself or by an alias, says
 * so (`arg.duplicate`), since only one of the two could be used. The editor offers to remove an
 * extra or duplicate argument (server/lsp/code-actions.ts).
 */
export function checkArgs(def: EngineDef, s: ResolvedAction, out: ScriptDiagnostic[]): void {
  // A register operand (`poll REG`) is not among the arguments.
  const skip = (def.args.positional?.length ?? 0) - (def.operand ? 1 : 0);
  const keyword = def.keywords[0] as string;
  const known = def.args.named ?? [];
  // Made at the first named argument: most lines have none or a few (`doorbell` has none).
  let seen: Map<NamedArg, ActionArg> | undefined;
  for (let i = skip; i < s.args.length; i++) {
    const a = s.args[i] as ActionArg;
    const spec = a.name ? namedArg(def, a.name) : undefined;
    if (spec) {
      const before = seen?.get(spec);
      if (before)
        out.push(
          diag(
            'error',
            'arg.duplicate',
            `'${a.name}' is given twice${before.name?.toLowerCase() !== a.name?.toLowerCase() ? ` ('${before.name}' is the same argument)` : ''}: '${keyword}' takes one ${spec.kind === 'value' ? `${spec.name}=` : spec.name}`,
            a.range,
          ),
        );
      else (seen ??= new Map()).set(spec, a);
      continue;
    }
    if (!a.name) {
      out.push(
        diag(
          'error',
          'arg.extra',
          skip === 0 && !known.length
            ? `'${keyword}' takes no arguments`
            : `one argument too many: the statement is '${usage(def)}'`,
          a.range,
        ),
      );
      continue;
    }
    const near = didYouMean(
      closestNames(
        a.name,
        known.flatMap((k) => [k.name, ...(k.aliases ?? [])]),
      ),
    );
    const list = known.length
      ? ` (${known.map((k) => (k.kind === 'value' ? `${k.name}=` : k.name)).join(', ')})`
      : `: '${keyword}' takes none`;
    out.push(diag('error', `${def.verb}.arg`, `unknown ${def.label} argument '${a.name}'${list}${near}`, a.range));
  }
}

/** The argument named `name` (any case) that has a value (`name=…`). */
export function arg(s: ResolvedAction, name: string): ActionArg | undefined {
  // Indexed, without a callback: every engine statement looks up its arguments at every run, and
  // a cold check runs this in V8's baseline code, where a closure a lookup is an allocation.
  // Lower-cased only when the lengths agree and the spellings differ: `toLowerCase` makes a new
  // string at every call, and `map` lines look up some ten names among their arguments. Names
  // are ASCII (the lexer's words, the schema's names), so names equal in any case have one length.
  const args = s.args;
  let lower: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as ActionArg;
    if (a.value === undefined && a.valueName === undefined) continue;
    const n = a.name;
    if (n === undefined || n.length !== name.length) continue;
    if (n === name) return a;
    lower ??= name.toLowerCase();
    if (n.toLowerCase() === lower) return a;
  }
  return undefined;
}

/** The value argument for `spec`, tried by its name, then by each alias in order. */
export function valueArg(s: ResolvedAction, spec: NamedArg): ActionArg | undefined {
  let a = arg(s, spec.name);
  const aliases = spec.aliases;
  if (aliases) for (let i = 0; a === undefined && i < aliases.length; i++) a = arg(s, aliases[i] as string);
  return a;
}

/**
 * The bare words of a statement (arguments without a value: flags and positional words), lower
 * case, in order: `bareWords(s).includes(w)` is flag(s, w) for a lower-case `w`. For a run that
 * asks for several flags, which would each scan the arguments.
 */
export function bareWords(s: ResolvedAction): string[] {
  const out: string[] = [];
  const args = s.args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as ActionArg;
    if (a.value === undefined && a.valueName === undefined && a.valueRange === undefined && a.name !== undefined)
      out.push(a.name.toLowerCase());
  }
  return out;
}

/** Whether the bare flag `name` is given. */
export function flag(s: ResolvedAction, name: string): boolean {
  const args = s.args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as ActionArg;
    if (
      a.value === undefined &&
      a.valueName === undefined &&
      a.valueRange === undefined &&
      a.name?.toLowerCase() === name
    )
      return true;
  }
  return false;
}

/**
 * `NAME=value` arguments as field values of `def`. Bare names set 1-bit fields; enum names are
 * looked up in the field's values. Problems go to `out`.
 */
export function fieldValues(
  def: LayoutDef,
  args: readonly ActionArg[],
  out: ScriptDiagnostic[],
  what: string,
): Map<string, bigint> {
  const values = new Map<string, bigint>();
  // The argument that gave each field: a second one would silently replace the first's value.
  const given = new Map<string, ActionArg>();
  // Indexed: a cold start interprets this for every `cmd`, `ste` and `cd` line (docs/performance.md).
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as ActionArg;
    if (!a.name) {
      out.push(diag('error', 'arg.unnamed', `expected FIELD=value for ${what}`, a.range));
      continue;
    }
    const f = layoutFieldOf(def, a.name);
    if (!f) {
      out.push(
        diag(
          'error',
          'arg.unknown-field',
          `${what} has no field '${a.name}'${didYouMean(
            closestNames(
              a.name,
              def.fields.map((x) => x.name),
            ),
          )}`,
          a.nameRange ?? a.range,
        ),
      );
      continue;
    }
    const before = given.get(f.name);
    if (before) {
      out.push(
        diag(
          'error',
          'arg.duplicate',
          `${what}.${f.name} is given twice${before.name?.toLowerCase() !== a.name.toLowerCase() ? ` ('${before.name}' is the same field)` : ''}: give it once`,
          a.range,
        ),
      );
      continue;
    }
    given.set(f.name, a);
    let v: bigint | undefined = a.value;
    if (a.valueName !== undefined) {
      const en = f.values?.find((e) => e.name.toLowerCase() === (a.valueName as string).toLowerCase());
      if (!en) {
        const names = f.values?.map((e) => e.name) ?? [];
        out.push(
          diag(
            'error',
            'arg.unknown-value',
            names.length
              ? `'${a.valueName}' is not a value of ${what}.${f.name} (${names.join(', ')})`
              : `'${a.valueName}' is not a constant, and ${what}.${f.name} takes a number`,
            a.valueRange ?? a.range,
          ),
        );
        continue;
      }
      v = BigInt(en.value);
    } else if (v === undefined && a.valueRange === undefined) {
      // A bare name: a flag.
      if (f.msb !== f.lsb) {
        out.push(
          diag(
            'error',
            'arg.multi-bit',
            `${f.name} is a ${f.msb - f.lsb + 1}-bit field: give its value, ${f.name}=…`,
            a.range,
          ),
        );
        continue;
      }
      v = 1n;
    }
    if (v === undefined) continue;
    const width = f.msb - f.lsb + 1 + (f.addrShift ?? 0);
    if (v >= 1n << BigInt(width)) {
      out.push(
        diag(
          'error',
          'arg.too-wide',
          `${hex(v)} does not fit ${what}.${f.name} (${f.addrShift !== undefined ? `address bits [${width - 1}:${f.addrShift}]` : `${width} bits`})`,
          a.valueRange ?? a.range,
        ),
      );
      continue;
    }
    if (f.addrShift !== undefined && v % (1n << BigInt(f.addrShift)) !== 0n) {
      out.push(
        diag(
          'warning',
          'arg.unaligned',
          `${what}.${f.name} holds address bits [${width - 1}:${f.addrShift}]: the low ${f.addrShift} bits of ${hex(v)} are dropped`,
          a.valueRange ?? a.range,
        ),
      );
    }
    values.set(f.name, v);
  }
  return values;
}

/**
 * `a`'s value fits `def`'s field `field` (the widths of a transaction's IDs are those of the
 * records that carry them), else an `arg.too-wide` error at the value. The engine encodes these
 * values into records, whose encoder treats a value too wide for its field as a bug and throws.
 */
export function fitsField(
  def: LayoutDef,
  field: string,
  a: ActionArg | undefined,
  out: ScriptDiagnostic[],
  where: string,
): void {
  const f = findLayoutField(def, field);
  if (a?.value === undefined || !f) return;
  const width = f.msb - f.lsb + 1;
  if (a.value >> BigInt(width) !== 0n)
    out.push(
      diag(
        'error',
        'arg.too-wide',
        `${hex(a.value)} is wider than a ${f.name}: ${width} bits in ${where}`,
        a.valueRange ?? a.range,
        def.section,
      ),
    );
}

/**
 * A bare word that is both one of the statement's arguments (`priv`, `data` before `== V` in `dma
 * read`) and a constant is the constant (names are caseless, and a constant wins in a value): say
 * so, since the statement then reads a number where its author wrote the argument, and the
 * error that follows (`dma.data`, `arg.extra`) would not say why.
 */
export function warnConstantArgs(r: Resolver, def: EngineDef, s: ActionStatement): void {
  // Every engine line comes here while it is resolved: most scripts declare no constant, and an
  // indexed loop allocates no iterator in a cold check's baseline code.
  if (r.consts.size === 0) return;
  for (let i = 0; i < s.args.length; i++) {
    const a = s.args[i] as ActionStatement['args'][number];
    if (a.kind !== 'name' || !r.consts.has(a.name.toUpperCase())) continue;
    const spec = namedArg(def, a.name);
    if (!spec) continue;
    r.report(
      'warning',
      'name.ambiguous',
      `'${a.name}' is the constant ${a.name.toUpperCase()} here, not ${def.keywords[0] as string}'s argument '${spec.name}' (names are matched in any case): rename the constant`,
      a.range,
    );
  }
}
