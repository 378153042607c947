/**
 * Reference pages generated from the declarative tables (docs/commands.md, docs/events.md,
 * docs/structures.md), so the documentation cannot drift from what the model does:
 * scripts/gen-docs.mjs writes them and a unit test checks the committed files are current.
 */
import { unlocatedText } from '../commands/codec';
import { COMMANDS } from '../commands/table';
import { EVENTS, PRI_REQUEST } from '../events/table';
import { layoutFieldTable } from '../layout/describe';
import type { LayoutDef } from '../layout/types';
import { describeFeature } from '../registers/codec';
import { CD } from '../structures/cd';
import { L1CD, L1STD } from '../structures/l1';
import { STE } from '../structures/ste';
import { registersMarkdown } from './registers-page';

const NOTE = '<!-- Generated from the tables in core/ by scripts/gen-docs.mjs: do not edit by hand. -->';
const hex2 = (n: number) => '0x' + n.toString(16).toUpperCase().padStart(2, '0');

function section(def: LayoutDef, extra = ''): string {
  return `### ${def.name}\n\n${def.summary} (§${def.section}, ${def.bits} bits)${extra}\n\n${layoutFieldTable(def)}\n`;
}

export function commandsMarkdown(): string {
  const index = COMMANDS.map((c) => `| ${hex2(c.opcode)} | [${c.name}](#${c.name.toLowerCase()}) | ${c.summary} | ${[...(c.requires ?? []).map(describeFeature), ...(c.secureOnly ? ['Secure command queue only'] : [])].join(', ') || '—'} |`);
  return [
    NOTE,
    '# Commands',
    '',
    'Every command of the SMMUv3 command queue as the model decodes, validates and executes it (§4). Bit numbers are within the 16-byte entry: bits [63:0] are the first eight bytes in memory. Bits outside every field are RES0; the model treats a set RES0 bit as CERROR_ILL (one of the two behaviours §4.1.5 allows). `smmu decode cmd DWORD DWORD` decodes one entry.',
    '',
    '| Opcode | Command | What it does | Needs |',
    '|---|---|---|---|',
    ...index,
    '',
    ...COMMANDS.map((c) => section(c, `, opcode ${hex2(c.opcode)}${unlocatedText(c)}`)),
  ].join('\n');
}

export function eventsMarkdown(): string {
  const index = EVENTS.map((e) => `| ${hex2(e.id)} | [${e.name}](#${e.name.toLowerCase()}) | ${e.summary} |`);
  return [
    NOTE,
    '# Event records and PRI requests',
    '',
    'The records the model writes to the event queue (§7.3, 32 bytes) and the PRI queue (§8, 16 bytes). `smmu decode event` and `smmu decode pri` decode them from the doublewords a log prints.',
    '',
    '| Number | Event | Cause |',
    '|---|---|---|',
    ...index,
    '',
    ...EVENTS.map((e) => section(e, `, event number ${hex2(e.id)}`)),
    section(PRI_REQUEST),
  ].join('\n');
}

export function structuresMarkdown(): string {
  return [
    NOTE,
    '# Stream table entries, context descriptors and L1 descriptors',
    '',
    'The structures the model fetches from guest memory (§5). The `ste`, `cd`, `l1std` and `l1cd` script statements build them by these field names; `smmu decode ste|cd|l1std|l1cd` decodes them and gives the reason for every ILLEGAL verdict.',
    '',
    section(STE),
    section(CD),
    section(L1STD),
    section(L1CD),
  ].join('\n');
}

/** The generated pages, by path relative to the repository. */
export function referencePages(): { readonly path: string; readonly text: string }[] {
  return [
    { path: 'docs/commands.md', text: commandsMarkdown() },
    { path: 'docs/events.md', text: eventsMarkdown() },
    { path: 'docs/structures.md', text: structuresMarkdown() },
    { path: 'docs/registers.md', text: registersMarkdown() },
  ];
}
