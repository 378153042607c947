/**
 * docs/registers.md: every register of the table with its offset, access, reset, behaviour and
 * fields, one `## NAME` section a register (the Registers view's "Reveal in Docs" opens it there).
 * Generated from the register table like the other reference pages.
 */
import { offsetText, registerMarkdown } from '../registers/describe';
import { REGISTERS } from '../registers/table';

const NOTE = '<!-- Generated from the tables in core/ by scripts/gen-docs.mjs: do not edit by hand. -->';

export function registersMarkdown(): string {
  const index = REGISTERS.map((r) => `| \`${offsetText(r)}\` | [${r.name}](#${r.name.toLowerCase()}) | ${r.width} | ${r.access} | ${r.summary} (§${r.section}) |`);
  return [
    NOTE,
    '# Registers',
    '',
    'The Non-secure page 0 and page 1 registers the model implements (§6), in offset order, as the register table in `core/registers/` declares them. Bits outside every field are RES0 (§6.2). `smmu decode REG VALUE` decodes a value field by field.',
    '',
    '| Offset | Register | Bits | Access | What it holds |',
    '|---|---|---|---|---|',
    ...index,
    '',
    ...REGISTERS.map((r) => `## ${r.name}\n\n${registerMarkdown(r)}\n`),
  ].join('\n');
}
