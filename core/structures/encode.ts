/**
 * Build a structure from named field values (scripts: `ste`, `cd`, `l1std`, `l1cd`). Names are
 * case-insensitive; address fields (`addrShift`) take the address, as the architecture writes
 * them (`S1ContextPtr = 0x80000040` for STE[55:6] = address bits [55:6]).
 */
import { findLayoutField, setBitsBig, wordsOf } from '../layout/access';
import type { LayoutDef } from '../layout/types';

export function encodeStructure(
  def: LayoutDef,
  values: ReadonlyMap<string, bigint>,
): { words: number[]; problems: string[] } {
  const words = wordsOf(def.bits);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [name, v] of values) {
    const f = findLayoutField(def, name);
    if (!f) {
      problems.push(`${def.name} has no field ${name}`);
      continue;
    }
    if (seen.has(f.name)) {
      problems.push(`${def.name}.${f.name} is given more than once`);
      continue;
    }
    seen.add(f.name);
    const width = f.msb - f.lsb + 1;
    const shift = BigInt(f.addrShift ?? 0);
    // An address field cannot hold address bits below addrShift: say so rather than drop them.
    if (shift > 0n && v >= 0n && (v & ((1n << shift) - 1n)) !== 0n) {
      problems.push(
        `0x${v.toString(16).toUpperCase()} is not ${2n ** shift}-byte aligned: ${def.name}.${f.name} holds address bits [${f.msb - f.lsb + Number(shift)}:${shift}]`,
      );
      continue;
    }
    const raw = v >> shift;
    if (v < 0n || raw >= 1n << BigInt(width)) {
      problems.push(`0x${v.toString(16).toUpperCase()} does not fit ${def.name}.${f.name}`);
      continue;
    }
    setBitsBig(words, f.msb, f.lsb, raw);
  }
  return { words, problems };
}
