/**
 * Completion in `.smmu` scripts, from the tables: statement keywords and snippets for common
 * sequences at the start of a line; registers after an access keyword; a register's fields after
 * `REG.` and in a written value; a field's enum values after `FIELD=`; commands, events and
 * structure fields in engine statements. Each item carries the table's documentation.
 */
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { commandSummaryMarkdown } from '../../core/commands/codec';
import { COMMANDS, findCommand } from '../../core/commands/table';
import { eventSummaryMarkdown } from '../../core/events/codec';
import { EVENTS, findEvent } from '../../core/events/table';
import { findLayoutField } from '../../core/layout/access';
import type { LayoutDef, LayoutField } from '../../core/layout/types';
import { fieldMarkdown, registerMarkdown } from '../../core/registers/describe';
import { findField, findRegister, REGISTERS } from '../../core/registers/table';
import type { RegisterDef } from '../../core/registers/types';
import type { Token } from '../../core/script/ast';
import { lexLine } from '../../core/script/lexer';
import { ACCESS_KEYWORDS, ACTION_KEYWORDS } from '../../core/script/parser';
import { CD } from '../../core/structures/cd';
import { L1CD, L1STD } from '../../core/structures/l1';
import { STE } from '../../core/structures/ste';

const doc = (value: string) => ({ kind: MarkupKind.Markdown, value });

/** Snippets for the sequences every bring-up starts with (§6.3, Linux arm_smmu_device_reset). */
const SNIPPETS: { label: string; detail: string; body: string }[] = [
  {
    label: 'enable command queue',
    detail: 'CMDQ_BASE, PROD, CONS, then CR0.CMDQEN and poll CR0ACK',
    body: 'write64 CMDQ_BASE ${1:0x40100000} | RA | LOG2SIZE=${2:8}\nwrite32 CMDQ_PROD 0\nwrite32 CMDQ_CONS 0\nwrite32 CR0 CMDQEN\npoll CR0ACK.CMDQEN == 1\n',
  },
  {
    label: 'install linear stream table',
    detail: 'STRTAB_BASE and STRTAB_BASE_CFG (linear), while SMMUEN is 0',
    body: 'write64 STRTAB_BASE ${1:0x40000000} | RA\nwrite32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=${2:8}\n',
  },
  {
    label: 'invalidate everything',
    detail: 'CMD_CFGI_ALL, CMD_TLBI_NSNH_ALL, CMD_SYNC and the doorbell',
    body: 'cmd CFGI_ALL\ncmd TLBI_NSNH_ALL\ncmd SYNC\ndoorbell\n',
  },
  {
    label: 'stage-1 stream',
    detail: 'a CD, an STE pointing at it, one mapping and a DMA through it',
    body: 'tables ${1:0x48000000}\ncd ${2:0x44000000} V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R A ASID=${3:1} TTB0=${4:0x45000000}\nste ${5:1} V Config=S1_TRANS S1ContextPtr=${2}\nmap ttb=${4} iova=${6:0x10000000} pa=${7:0x80000000}\ndma read sid=${5} iova=${6} == ${7}\n',
  },
];

function registerItems(): CompletionItem[] {
  return REGISTERS.map((r) => ({ label: r.name, kind: CompletionItemKind.Variable, detail: `SMMU_${r.name} @ 0x${r.offset.toString(16).toUpperCase()}`, documentation: doc(registerMarkdown(r)) }));
}

function registerFieldItems(reg: RegisterDef, assign: boolean): CompletionItem[] {
  return reg.fields.map((f) => {
    const multi = f.msb !== f.lsb;
    return {
      label: f.name,
      kind: CompletionItemKind.Field,
      detail: `SMMU_${reg.name}.${f.name} ${f.msb === f.lsb ? `[${f.lsb}]` : `[${f.msb}:${f.lsb}]`}`,
      documentation: doc(fieldMarkdown(reg, f)),
      ...(assign && multi ? { insertText: `${f.name}=` } : {}),
    };
  });
}

function layoutFieldItems(def: LayoutDef): CompletionItem[] {
  return def.fields
    .filter((f) => f.name !== 'Opcode' && f.name !== 'EventNumber')
    .map((f) => ({
      label: f.name,
      kind: CompletionItemKind.Field,
      detail: `${def.name}.${f.name} ${f.msb === f.lsb ? `[${f.msb}]` : `[${f.msb}:${f.lsb}]`}`,
      documentation: doc(f.description + (f.values ? `\n\n${f.values.map((v) => `- \`${v.value}\` ${v.name}`).join('\n')}` : '')),
      ...(f.msb !== f.lsb ? { insertText: `${f.name}=` } : {}),
    }));
}

function enumItems(values: readonly { value: number; name: string; description?: string }[] | undefined): CompletionItem[] {
  return (values ?? []).map((v) => ({ label: v.name, kind: CompletionItemKind.EnumMember, detail: String(v.value), ...(v.description ? { documentation: v.description } : {}) }));
}

/** The structure an engine statement's `FIELD=` arguments belong to. */
function layoutOf(tokens: readonly Token[]): LayoutDef | undefined {
  const verb = tokens[0]?.text;
  if (verb === 'cmd') return tokens[1] ? findCommand(tokens[1].text) : undefined;
  if (verb === 'ste') return STE;
  if (verb === 'cd') return CD;
  if (verb === 'l1std') return L1STD;
  if (verb === 'l1cd') return L1CD;
  if (verb === 'expect' && tokens[1]?.text === 'event') return tokens[2] ? findEvent(tokens[2].text) : undefined;
  return undefined;
}

export function completion(textDoc: TextDocument, pos: Position): CompletionItem[] {
  const lineText = textDoc.getText({ start: { line: pos.line, character: 0 }, end: pos });
  if (lineText.includes('#')) return [];
  const tokens = lexLine(lineText, pos.line).filter((t) => t.kind !== 'comment');
  const endsWithSpace = /\s$/.test(lineText) || lineText === '';
  // The word being typed (if any) is not context; punctuation just typed (`.`, `=`) is.
  const typing = !endsWithSpace && tokens.length > 0 && (tokens[tokens.length - 1]?.kind === 'word' || tokens[tokens.length - 1]?.kind === 'number');
  const context = typing ? tokens.slice(0, -1) : tokens;
  const last = context[context.length - 1];
  if (context.length === 0) {
    const keywords = ['config', 'const', 'mem', ...ACCESS_KEYWORDS, ...ACTION_KEYWORDS].map((k) => ({ label: k, kind: CompletionItemKind.Keyword }));
    const snippets = SNIPPETS.map((s) => ({ label: s.label, kind: CompletionItemKind.Snippet, detail: s.detail, insertText: s.body, insertTextFormat: InsertTextFormat.Snippet }));
    return [...keywords, ...snippets];
  }
  const verb = context[0]?.text ?? '';
  // `REG.` → its fields.
  if (last?.text === '.' && context.length >= 2) {
    const reg = findRegister(context[context.length - 2]?.text ?? '');
    return reg ? registerFieldItems(reg, false) : [];
  }
  // `FIELD=` → its enum values (register fields in accesses, structure fields in engine statements).
  if (last?.text === '=' && context.length >= 2) {
    const name = context[context.length - 2]?.text ?? '';
    const reg = ACCESS_KEYWORDS.includes(verb) || verb === 'poll' ? findRegister(context[1]?.text ?? '') : undefined;
    if (reg) return enumItems(findField(reg, name)?.values);
    const def = layoutOf(context);
    const f: LayoutField | undefined = def ? findLayoutField(def, name) : undefined;
    return enumItems(f?.values);
  }
  if (ACCESS_KEYWORDS.includes(verb) || verb === 'poll') {
    if (context.length === 1) return registerItems();
    const reg = findRegister(context[1]?.text ?? '');
    return reg && verb.startsWith('write') ? registerFieldItems(reg, true) : [];
  }
  if (verb === 'cmd') {
    if (context.length === 1) {
      return COMMANDS.map((c) => ({ label: c.name.replace(/^CMD_/, ''), kind: CompletionItemKind.Function, detail: `${c.name} (opcode 0x${c.opcode.toString(16).toUpperCase()})`, documentation: doc(commandSummaryMarkdown(c)) }));
    }
    const def = layoutOf(context);
    return def ? layoutFieldItems(def) : [];
  }
  if (verb === 'expect') {
    if (context.length === 1) return [{ label: 'event', kind: CompletionItemKind.Keyword }, { label: 'no event', kind: CompletionItemKind.Keyword, insertText: 'no event' }];
    if (context.length === 2 && context[1]?.text === 'event') return EVENTS.map((e) => ({ label: e.name, kind: CompletionItemKind.Event, detail: `event 0x${e.id.toString(16).toUpperCase()}`, documentation: doc(eventSummaryMarkdown(e)) }));
    const def = layoutOf(context);
    return def ? layoutFieldItems(def) : [];
  }
  if (verb === 'dma') {
    if (context.length === 1) return ['read', 'write', 'exec'].map((k) => ({ label: k, kind: CompletionItemKind.Keyword }));
    if (last?.text === '==') return [...['translated', 'bypass', 'abort', 'stall', 'raz', 'fault'].map((k) => ({ label: k, kind: CompletionItemKind.Keyword })), ...EVENTS.map((e) => ({ label: e.name, kind: CompletionItemKind.Event, documentation: doc(eventSummaryMarkdown(e)) }))];
    return ['sid=', 'ssid=', 'iova=', 'priv'].map((k) => ({ label: k, kind: CompletionItemKind.Property }));
  }
  const def = layoutOf(context);
  if (def && context.length >= 2) return layoutFieldItems(def);
  return [];
}
