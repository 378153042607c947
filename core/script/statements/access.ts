/**
 * `readN REG [== VALUE]` and `writeN REG VALUE`: guest MMIO accesses to the SMMU (§6.2). They
 * resolve here; the interpreter's statement loop executes them itself (core/script/interpreter.ts).
 */
import type { AccessSize } from '../../model/access';
import { fieldMask } from '../../registers/table';
import type { AccessBits, RegisterStatement } from '../ast';
import type { ResolvedExpectation } from '../resolved';
import { fieldWidth, mask, offsetText, type Context, type Resolver } from '../resolver';
import type { AccessDef } from './types';

/** The access sizes of `readN`/`writeN` and `mem readN`/`mem writeN`, in bits. */
export const ACCESS_BITS: readonly AccessBits[] = [8, 16, 32, 64];
/** `read8` … `read64`, `write8` … `write64`. */
export const ACCESS_KEYWORDS: readonly string[] = ACCESS_BITS.flatMap((b) => [`read${b}`, `write${b}`]);

function resolveAccess(r: Resolver, s: RegisterStatement): void {
  r.sawAccess = true;
  const start = r.errors;
  const t = r.target(s);
  if (!t) return r.explainNames(s);
  const { offset, reg, byte, field } = t;
  const ctx: Context = reg ? { kind: 'register', bits: s.bits, reg, byte, access: s } : { kind: 'plain', bits: s.bits, why: `there is no register at ${offsetText(offset)}` };
  const value = s.value ? r.value(s.value, ctx) : undefined;
  let expect: ResolvedExpectation | undefined;
  if (s.expect) {
    if (field && reg) {
      const v = r.value(s.expect.value, { kind: 'field', bits: fieldWidth(field), reg, field });
      const lo = 8 * byte;
      if (v !== undefined) expect = { op: s.expect.op, value: v, mask: fieldMask(field) >> BigInt(lo), shift: field.lsb - lo, field, range: s.expect.range };
    } else {
      const v = r.value(s.expect.value, ctx);
      if (v !== undefined) expect = { op: s.expect.op, value: v, mask: mask(s.bits), shift: 0, range: s.expect.range };
    }
  }
  if (r.errors !== start) return;
  r.statements.push({
    kind: 'access',
    op: s.op,
    offset,
    size: (s.bits / 8) as AccessSize,
    ...(reg ? { register: reg } : {}),
    byte,
    ...(value !== undefined ? { value, valueRange: s.value?.range } : {}),
    ...(expect ? { expect } : {}),
    range: s.range,
    targetRange: s.target.range,
  });
}

export const ACCESS: AccessDef = {
  syntax: 'register',
  keywords: ACCESS_KEYWORDS,
  hint: ['read32', 'write32', 'read64', 'write64'],
  family: 'access',
  section: 'language',
  summary: 'A guest MMIO load or store of N bits (N = 8, 16, 32, 64) at the SMMU',
  forms: [
    { usage: 'readN REG', doc: 'A guest MMIO load of N bits (N = 8, 16, 32, 64) from the SMMU.' },
    { usage: ['readN REG == VALUE', 'readN REG != VALUE'], doc: 'The same load, with an [expectation](#expectations) on the value returned.' },
    { usage: 'readN REG.FIELD == VALUE', doc: 'The same load; the expectation compares one field.' },
    { usage: 'writeN REG VALUE', doc: 'A guest MMIO store of N bits.' },
  ],
  resolve: resolveAccess,
};
