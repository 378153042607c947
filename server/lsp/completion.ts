/**
 * Completion in `.smmu` scripts, from the tables: statement keywords (with their snippets, from the
 * statement registry) and snippets for common sequences at the start of a line; registers after an
 * access keyword; a register's fields after `REG.` and in a written value; a field's enum values
 * after `FIELD=`; in engine statements, what their argument schema says comes next (commands,
 * events, structure fields, named arguments, outcomes). Each item carries its documentation.
 */
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type Position,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { commandSummaryMarkdown } from '../../core/commands/codec';
import { COMMANDS } from '../../core/commands/table';
import { eventSummaryMarkdown } from '../../core/events/codec';
import { EVENTS } from '../../core/events/table';
import { findLayoutField } from '../../core/layout/access';
import type { LayoutDef, LayoutField } from '../../core/layout/types';
import { featureHolds, type IdView } from '../../core/registers/codec';
import { fieldMarkdown, registerMarkdown } from '../../core/registers/describe';
import { findField, findRegister, REGISTERS } from '../../core/registers/table';
import type { RegisterDef } from '../../core/registers/types';
import { VATOS_PAGE_BASE } from '../../core/registers/atos';
import type { Token } from '../../core/script/ast';
import { lexLine } from '../../core/script/lexer';
import {
  STATEMENT_TABLE,
  STATEMENTS,
  statementOf,
  type EngineDef,
  type StatementDef,
} from '../../core/script/statements';
import { ACCESS_KEYWORDS, ACCESS_SECURITY_DOCS } from '../../core/script/statements/access';
import { layoutFieldOf, namedArg } from '../../core/script/statements/args';
import { namedArgMarkdown, statementMarkdown } from '../../core/script/statements/describe';
import type { ExpectationArg, PositionalArg } from '../../core/script/statements/types';

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

/** `== abort` after an access. */
const ABORT_ITEM: CompletionItem = {
  label: 'abort',
  kind: CompletionItemKind.Keyword,
  detail: 'the access takes an external abort (§6.2)',
  documentation: doc(
    "`== abort`: the access must take an external abort; `!= abort`: it must not. Whether an illegal access aborts is the configuration's choice (`choices.illegalAccess`, `choices.illegal64BitAccess`).",
  ),
};

/** `secure` and `ns`: the access's Security state (§3.10.2), after the register (reads) or the value (writes). */
const SECURITY_ITEMS: readonly CompletionItem[] = Object.entries(ACCESS_SECURITY_DOCS).map(([word, text]) => ({
  label: word,
  kind: CompletionItemKind.Keyword,
  detail: word === 'secure' ? 'a Secure access (§3.10.2)' : 'a Non-secure access (§3.10.2)',
  documentation: doc(text),
}));

function registerItems(): CompletionItem[] {
  return REGISTERS.map((r) => ({
    label: r.name,
    kind: CompletionItemKind.Variable,
    // The VATOS page moves with SMMU_IDR2.BA_VATOS (§6.3.3): its registers are named by their offset in the page.
    detail: `SMMU_${r.name} @ ${r.page === 'vatos' ? `VATOS page + 0x${(r.offset - VATOS_PAGE_BASE).toString(16).toUpperCase()}` : `0x${r.offset.toString(16).toUpperCase()}`}`,
    documentation: doc(registerMarkdown(r)),
  }));
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
      documentation: doc(
        f.description + (f.values ? `\n\n${f.values.map((v) => `- \`${v.value}\` ${v.name}`).join('\n')}` : ''),
      ),
      ...(f.msb !== f.lsb ? { insertText: `${f.name}=` } : {}),
    }));
}

function enumItems(
  values: readonly { value: number; name: string; description?: string }[] | undefined,
): CompletionItem[] {
  return (values ?? []).map((v) => ({
    label: v.name,
    kind: CompletionItemKind.EnumMember,
    detail: String(v.value),
    ...(v.description ? { documentation: v.description } : {}),
  }));
}

/** A statement keyword, documented from its definition, with its snippet when it has one. */
function keywordItem(label: string, def: StatementDef, insert = label): CompletionItem {
  return {
    label,
    kind: CompletionItemKind.Keyword,
    detail: def.summary,
    documentation: doc(statementMarkdown(def)),
    ...(def.snippet ? { insertText: `${insert} ${def.snippet}`, insertTextFormat: InsertTextFormat.Snippet } : {}),
  };
}

/** Every statement, by each keyword that starts it (a two-word one after its first word). */
function statementItems(): CompletionItem[] {
  const seen = new Set<string>();
  const out: CompletionItem[] = [];
  for (const d of STATEMENTS) {
    for (const k of d.keywords) {
      if (k.includes(' ') || seen.has(k)) continue;
      seen.add(k);
      out.push(keywordItem(k, d));
    }
  }
  return out;
}

/** After `mem`: the access keywords, and the second words of two-word statements (`abort`). */
function secondWordItems(first: string, def: StatementDef): CompletionItem[] {
  const access =
    def.syntax === 'memory'
      ? ACCESS_KEYWORDS.map((k) => ({
          label: k,
          kind: CompletionItemKind.Keyword,
          detail: def.summary,
          documentation: doc(statementMarkdown(def)),
        }))
      : [];
  const phrases = [...(STATEMENT_TABLE.phrases.get(first) ?? [])].map(([second, d]) => keywordItem(second, d));
  return [...access, ...phrases];
}

function positionalItems(p: PositionalArg, ids: () => IdView): CompletionItem[] {
  if (p.table === 'commands') {
    return COMMANDS.map((c) => ({
      label: c.name.replace(/^CMD_/, ''),
      kind: CompletionItemKind.Function,
      detail: `${c.name} (opcode 0x${c.opcode.toString(16).toUpperCase()})`,
      documentation: doc(commandSummaryMarkdown(c)),
    }));
  }
  if (p.table === 'events')
    return EVENTS.map((e) => ({
      label: e.name,
      kind: CompletionItemKind.Event,
      detail: `event 0x${e.id.toString(16).toUpperCase()}`,
      documentation: doc(eventSummaryMarkdown(e)),
    }));
  // A choice of a feature this configuration does not advertise (S_EVENTQ without Secure state) is not offered.
  const requires = p.choiceRequires;
  const choices = requires
    ? (p.choices ?? []).filter((k) => !requires[k] || featureHolds(requires[k], ids()))
    : p.choices;
  return (choices ?? []).map((k) => {
    const about = p.choiceDocs?.[k];
    return {
      label: k,
      kind: CompletionItemKind.Keyword,
      ...(k.includes(' ') ? { insertText: k } : {}),
      ...(about ? { documentation: doc(about) } : {}),
    };
  });
}

function expectItems(e: ExpectationArg): CompletionItem[] {
  const words = (e.choices ?? []).map((k) => ({ label: k, kind: CompletionItemKind.Keyword }));
  return e.events
    ? [
        ...words,
        ...EVENTS.map((x) => ({
          label: x.name,
          kind: CompletionItemKind.Event,
          documentation: doc(eventSummaryMarkdown(x)),
        })),
      ]
    : words;
}

/**
 * An engine statement's arguments as its schema says: after `==` its expectation; then its
 * positional arguments in turn; then the fields of its command, structure or event; else its named
 * arguments. `args` are the tokens after the keyword.
 */
function engineItems(def: EngineDef, args: readonly Token[], ids: () => IdView): CompletionItem[] {
  const a = def.args;
  const last = args[args.length - 1];
  if (last?.text === '==' || last?.text === '!=') return a.expect ? expectItems(a.expect) : [];
  const p = args.length;
  const positional = a.positional ?? [];
  const next = positional[p];
  // What the position is after the word before it (`expect event NAME`, `expect irq SOURCE`).
  const fits = next ? [next, ...(next.or ?? [])].filter((x) => !x.after || args[p - 1]?.text === x.after) : [];
  if (fits.length) return fits.flatMap((x) => positionalItems(x, ids));
  const layout = a.fields?.layout(args.filter((t) => t.kind === 'word').map((t) => t.text));
  // The names the line already gives after its positional arguments (not a value after `=`): a
  // named argument or field given again is an error (given twice), so it is not offered again.
  const given = args.filter((t, i) => i >= positional.length && t.kind === 'word' && args[i - 1]?.text !== '=');
  const givenArgs = new Set(given.map((t) => namedArg(def, t.text)));
  const givenFields = new Set(given.map((t) => (layout ? layoutFieldOf(layout, t.text)?.name : undefined)));
  // Named arguments of the form the first argument picks (`addr=` after `expect msi`), or of every
  // form; a bare name where the form takes it so (`data` after `dma read`).
  const form = args[0]?.text.toLowerCase() ?? '';
  const named = (a.named ?? [])
    .filter((n) => (n.after === undefined || n.after === form) && !givenArgs.has(n))
    .map((n) => ({
      label: n.kind === 'value' && !n.bareAfter?.includes(form) ? `${n.name}=` : n.name,
      kind: CompletionItemKind.Property,
      documentation: doc(namedArgMarkdown(def, n)),
    }));
  // A record's fields, then the statement's own arguments (`expect event F_TRANSLATION … count=`).
  return layout ? [...layoutFieldItems(layout).filter((i) => !givenFields.has(i.label)), ...named] : named;
}

/**
 * `ids`: the configuration at the line (asked only when an item depends on it, such as the Secure
 * interrupt sources).
 */
export function completion(textDoc: TextDocument, pos: Position, ids: () => IdView): CompletionItem[] {
  const lineText = textDoc.getText({ start: { line: pos.line, character: 0 }, end: pos });
  if (lineText.includes('#')) return [];
  const tokens = lexLine(lineText, pos.line).filter((t) => t.kind !== 'comment');
  const endsWithSpace = /\s$/.test(lineText) || lineText === '';
  // The word being typed (if any) is not context; punctuation just typed (`.`, `=`) is.
  const typing =
    !endsWithSpace &&
    tokens.length > 0 &&
    (tokens[tokens.length - 1]?.kind === 'word' || tokens[tokens.length - 1]?.kind === 'number');
  const context = typing ? tokens.slice(0, -1) : tokens;
  const last = context[context.length - 1];
  if (context.length === 0) {
    const snippets = SNIPPETS.map((s) => ({
      label: s.label,
      kind: CompletionItemKind.Snippet,
      detail: s.detail,
      insertText: s.body,
      insertTextFormat: InsertTextFormat.Snippet,
    }));
    return [...statementItems(), ...snippets];
  }
  const st = statementOf(context.slice(0, 2).map((t) => (t.kind === 'word' ? t.text : undefined)));
  if (!st) return [];
  const { def, length } = st;
  // `mem ` → how it goes on.
  if (
    context.length === 1 &&
    length === 1 &&
    (def.syntax === 'memory' || STATEMENT_TABLE.phrases.has(context[0]?.text ?? ''))
  )
    return secondWordItems(context[0]?.text ?? '', def);
  const onRegister = def.syntax === 'register' || (def.syntax === 'engine' && def.operand === 'register');
  // `REG.` → its fields.
  if (last?.text === '.' && context.length >= 2) {
    const reg = findRegister(context[context.length - 2]?.text ?? '');
    return reg ? registerFieldItems(reg, false) : [];
  }
  // `FIELD=` → its enum values (register fields in accesses, structure fields in engine statements).
  if (last?.text === '=' && context.length >= 2) {
    const name = context[context.length - 2]?.text ?? '';
    const reg = onRegister ? findRegister(context[1]?.text ?? '') : undefined;
    if (reg) return enumItems(findField(reg, name)?.values);
    const layout =
      def.syntax === 'engine'
        ? def.args.fields?.layout(
            context
              .slice(length)
              .filter((t) => t.kind === 'word')
              .map((t) => t.text),
          )
        : undefined;
    const f: LayoutField | undefined = layout ? findLayoutField(layout, name) : undefined;
    return enumItems(f?.values);
  }
  // `readN REG ==`, `writeN REG VALUE ==`: the abort expectation (a write takes no other).
  if (def.syntax === 'register' && (last?.text === '==' || last?.text === '!=')) return [ABORT_ITEM];
  if (onRegister) {
    if (context.length === 1) return registerItems();
    const reg = findRegister(context[1]?.text ?? '');
    if (!reg || def.syntax !== 'register') return [];
    // A read takes `secure`/`ns` right after the register; a write after its value, with the
    // value's fields still offered.
    if (!context[0]?.text.startsWith('write')) return context.length === 2 ? [...SECURITY_ITEMS] : [];
    const afterValue = context.length >= 3 && (last?.kind === 'word' || last?.kind === 'number');
    return afterValue ? [...registerFieldItems(reg, true), ...SECURITY_ITEMS] : registerFieldItems(reg, true);
  }
  return def.syntax === 'engine' ? engineItems(def, context.slice(length), ids) : [];
}
