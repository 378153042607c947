/** Build a structure from named field values (scripts: `ste`, `cd`, `l1std`, `l1cd`). */
import { encodeLayout } from '../layout/access';
import type { LayoutDef } from '../layout/types';

export function encodeStructure(def: LayoutDef, values: ReadonlyMap<string, bigint>): { words: number[]; problems: string[] } {
  const e = encodeLayout(def, values);
  return { words: e.words, problems: e.problems.map((p) => p.message) };
}
