/** Build a structure from named field values (scripts: `ste`, `cd`, `l1std`, `l1cd`). */
import { setBitsBig } from '../layout/access';
import type { LayoutDef } from '../layout/types';

export function encodeStructure(def: LayoutDef, values: ReadonlyMap<string, bigint>): { words: number[]; problems: string[] } {
  const words = new Array<number>(def.bits / 32).fill(0);
  const problems: string[] = [];
  for (const [name, v] of values) {
    const f = def.fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!f) {
      problems.push(`${def.name} has no field ${name}`);
      continue;
    }
    const raw = f.addrShift !== undefined ? v >> BigInt(f.addrShift) : v;
    if (raw < 0n || raw >= 1n << BigInt(f.msb - f.lsb + 1)) {
      problems.push(`0x${v.toString(16)} does not fit ${def.name}.${f.name}`);
      continue;
    }
    setBitsBig(words, f.msb, f.lsb, raw);
  }
  return { words, problems };
}
