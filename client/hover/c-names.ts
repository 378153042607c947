/**
 * Finds, on a line of C, the number under the cursor and the register it belongs to, from the
 * names emulations and drivers give SMMU registers: the architecture's (`SMMU_CR0`, `CR0`),
 * Linux's and Xen's (`ARM_SMMU_CR0`, `ARM_SMMU_EVTQ_PROD`), QEMU's register macros (`A_CR0`,
 * `R_CR0`), and constants derived from them (`CR0_RESERVED`). A name that is a register's field
 * (`CR0_SMMUEN`, `IDR0_ST_LVL`) is a mask or shift, not a register value: no match. No vscode
 * import, so it is unit-tested in Node.
 */
import { findField, findRegister } from '../../core/registers/table';
import type { RegisterDef } from '../../core/registers/types';

const NUMBER = /\b(0[xX][0-9A-Fa-f]+|0[bB][01]+|[0-9]+)([uU]?[lL]{0,2}|[lL]{1,2}[uU]?)\b/g;
const IDENT = /\b[A-Za-z_][A-Za-z0-9_]*\b/g;
const PREFIXES = ['ARM_SMMU_', 'SMMU_', 'A_', 'R_', ''];

export interface CRegisterValue {
  readonly register: string;
  /** The number as a script literal (`0x1D`, `29`, `0b101`), C suffixes dropped. */
  readonly value: string;
  /** Columns of the number on the line, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** The identifier that named the register. */
  readonly name: string;
}

/** The register an identifier names, if it names one and not one of its fields. */
export function registerOfIdentifier(ident: string): RegisterDef | undefined {
  const upper = ident.toUpperCase();
  for (const prefix of PREFIXES) {
    if (!upper.startsWith(prefix)) continue;
    const rest = upper.slice(prefix.length);
    if (!rest) continue;
    // The longest register name the rest starts with, followed by the end or `_`.
    const parts = rest.split('_');
    for (let n = parts.length; n >= 1; n--) {
      const reg = findRegister(parts.slice(0, n).join('_'));
      if (!reg) continue;
      const suffix = parts.slice(n).join('_');
      if (suffix && findField(reg, suffix)) return undefined; // CR0_SMMUEN: a field's mask or shift
      if (suffix && prefix === '' && /^(SHIFT|MASK|BIT|EN)$/.test(suffix)) return undefined;
      return reg;
    }
  }
  return undefined;
}

/** The number at `col` on `line` and the register named nearest to it on the same line. */
export function registerValueAt(line: string, col: number): CRegisterValue | undefined {
  let num: RegExpExecArray | undefined;
  for (const m of line.matchAll(NUMBER)) {
    const start = m.index ?? 0;
    if (col >= start && col <= start + m[0].length) num = m as RegExpExecArray;
  }
  if (!num) return undefined;
  const start = num.index ?? 0;
  const end = start + num[0].length;
  // A number inside an identifier (`IDR0`) is not a value; \b already keeps `x0` out.
  if (start > 0 && /[A-Za-z_]/.test(line[start - 1] ?? '')) return undefined;
  let best: { name: string; reg: RegisterDef; distance: number } | undefined;
  for (const m of line.matchAll(IDENT)) {
    const i = m.index ?? 0;
    if (i <= start && start < i + m[0].length) continue;
    const reg = registerOfIdentifier(m[0]);
    if (!reg) continue;
    const distance = i < start ? start - (i + m[0].length) : i - end;
    if (!best || distance < best.distance) best = { name: m[0], reg, distance };
  }
  if (!best) return undefined;
  const digits = num[1] ?? '';
  const value = /^0[xX]/.test(digits) ? '0x' + digits.slice(2).toUpperCase() : digits;
  return { register: best.reg.name, value, start, end, name: best.name };
}
