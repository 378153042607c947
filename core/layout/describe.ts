/** Markdown for hovers and docs: a structure's fields, most significant first. */
import type { LayoutDef } from './types';

export function layoutFieldTable(def: LayoutDef): string {
  const rows = [...def.fields]
    .sort((a, b) => b.msb - a.msb)
    .map(
      (f) =>
        `| \`${f.msb === f.lsb ? f.msb : `${f.msb}:${f.lsb}`}\` | ${f.name} | ${f.description}${f.values ? ' ' + f.values.map((e) => `${e.value} ${e.name}`).join(', ') : ''} |`,
    );
  return `| Bits | Field | Meaning |\n|---|---|---|\n${rows.join('\n')}`;
}
