/**
 * Hover: registers, fields, enum values and constants by what the resolver says a name is;
 * values decoded field by field against the register of their line; and, on a read whose line
 * the model executed, the value the model returned there.
 */
import { MarkupKind, type Hover, type MarkupContent, type Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { decode, describeFeature, featureHolds, hex, type IdView } from '../../core/registers/codec';
import { decodedMarkdown, fieldMarkdown, registerMarkdown } from '../../core/registers/describe';
import {
  firstFromLine,
  rangeContains as contains,
  startLine,
  type Range,
  type ScriptDiagnostic,
} from '../../core/base/diagnostics';
import type { ActionVerb, Statement, Token } from '../../core/script/ast';
import { configAtLine, type ScriptCheck } from '../../core/script/check';
import { modelAtLine } from '../../core/script/model-at-line';
import { lexLine } from '../../core/script/lexer';
import { findField, findRegister } from '../../core/registers/table';
import type { EnumValue, FieldDef, RegisterDef } from '../../core/registers/types';
import type { Observation } from '../../core/script/interpreter';
import type { ResolvedStatement, SymbolRef } from '../../core/script/resolve';
import { idViewOf } from '../../core/model/ids';
import { decodeStructure } from '../../core/structures/decode-words';
import { commandSummaryMarkdown } from '../../core/commands/codec';
import { findCommand } from '../../core/commands/table';
import { eventSummaryMarkdown } from '../../core/events/codec';
import { findEvent } from '../../core/events/table';
import { layoutFieldTable } from '../../core/layout/describe';
import { ENGINE_STATEMENTS, type EngineDef } from '../../core/script/statements';
import { layoutFieldOf, namedArg } from '../../core/script/statements/args';
import { namedArgMarkdown, statementMarkdown } from '../../core/script/statements/describe';
import { ACCESS_SECURITY_DOCS } from '../../core/script/statements/access';
import { Workspace } from './workspace';

const statementLine = (s: { readonly range: Range }) => startLine(s.range);
const symbolLine = (s: SymbolRef) => startLine(s.range);
const observationLine = (o: Observation) => o.line;

/** The items of one line, from a list sorted by line (binary search, then the line's run). */
function onLine<T>(items: readonly T[], line: number, lineOf: (item: T) => number): T[] {
  const out: T[] = [];
  for (let i = firstFromLine(items, line, lineOf); i < items.length && lineOf(items[i] as T) === line; i++)
    out.push(items[i] as T);
  return out;
}

const md = (value: string, range?: Range): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range });

/** A named encoding of a field, then the field itself. */
const enumMarkdown = (register: RegisterDef, field: FieldDef, value: EnumValue) =>
  `**${value.name}** = ${value.value}${value.description ? ` — ${value.description}` : ''}\n\n---\n\n${fieldMarkdown(register, field)}`;

export function hover(workspace: Workspace, doc: TextDocument, pos: Position): Hover | null {
  if (doc.uri.endsWith('.smmu.json')) return null;
  if (Workspace.isQueueFile(doc.uri)) return queueEntryHover(workspace, doc, pos);
  const check = workspace.scriptCheck(doc);
  const found = explain(workspace, check, doc, pos);
  // A line with problems says why on every hover of it, not only on the squiggle (which may cover
  // another token than the one hovered, and other editors show no problem hovers at all).
  const problems = check.diagnostics.filter((d) => d.range.start.line <= pos.line && d.range.end.line >= pos.line);
  if (!problems.length) return found;
  const why = problemsMarkdown(problems);
  if (found) return md(`${(found.contents as MarkupContent).value}\n\n---\n\n${why}`, found.range);
  const under = problems.find((d) => contains(d.range, pos));
  return under ? md(why, under.range) : null;
}

const SEVERITY_WORD = { error: 'error', warning: 'warning', info: 'note' } as const;

/** Text from diagnostics shown as Markdown: the characters Markdown would take as markup are escaped. */
const plain = (text: string) => text.replace(/[\\`*_[\]<>|]/g, '\\$&');

function problemsMarkdown(problems: readonly ScriptDiagnostic[]): string {
  return `**${problems.length === 1 ? 'Problem' : 'Problems'} on this line**\n\n${problems.map((d) => `- ${SEVERITY_WORD[d.severity]}: ${plain(d.message)} \`[${d.code}]\``).join('\n')}`;
}

/** What the names and values under `pos` are. */
function explain(workspace: Workspace, check: ScriptCheck, doc: TextDocument, pos: Position): Hover | null {
  // The configuration at this line: a `config` line after a `reset` above it may have changed it.
  const ids = idViewOf(configAtLine(check, pos.line));

  // Values: the written value or the expected value, decoded against the line's register.
  const statements = onLine(check.resolved.statements, pos.line, statementLine);
  for (const s of statements) {
    if (s.kind === 'access' && s.abort && contains(s.abort.range, pos))
      return abortHover(s.abort.op, onLine(check.run?.observations ?? [], pos.line, observationLine)[0], s.abort.range);
    if (s.kind === 'access' && s.securityRange && s.security && contains(s.securityRange, pos))
      return md(
        `**${s.security === 'secure' ? 'secure' : 'ns'}** — ${ACCESS_SECURITY_DOCS[s.security === 'secure' ? 'secure' : 'ns']}`,
        s.securityRange,
      );
    if (s.kind !== 'access' || !s.register) continue;
    const reg = s.register;
    const asWhole = (v: bigint) => (s.byte === 4 && s.size === 4 ? v << 32n : v);
    if (s.valueRange && contains(s.valueRange, pos) && s.value !== undefined) {
      const note = s.byte === 4 ? `\n\n*Written to bits [63:32] of SMMU_${reg.name}.*` : '';
      return md(decodedMarkdown(decode(reg, asWhole(s.value), ids)) + note, s.valueRange);
    }
    if (s.expect && contains(s.expect.range, pos) && !s.expect.field && s.expect.shift === 0) {
      return md('Expected value:\n\n' + decodedMarkdown(decode(reg, asWhole(s.expect.value), ids)), s.expect.range);
    }
  }

  // The keyword of an engine statement that ran (`doorbell`, `dma`, `expect`, …) or a DMA's IOVA:
  // what the SMMU did there, as `smmu run --trace` prints it.
  const happened = happenedHover(workspace, check, doc, statements, pos);
  if (happened) return happened;

  // An engine statement whose line has an error is not among the resolved statements: its parsed
  // form still names the command, structure or event and their fields.
  const action =
    actionHover(statements, pos, ids) ??
    actionHover(onLine(check.resolved.parsed.statements, pos.line, statementLine).flatMap(parsedAction), pos, ids);
  if (action) return action;
  const sym = onLine(check.resolved.symbols, pos.line, symbolLine).find((x) => contains(x.range, pos));
  if (!sym)
    return onLine(check.resolved.parsed.statements, pos.line, statementLine).length
      ? null
      : unparsedLineHover(doc, pos);
  const r = sym.resolution;
  switch (r.kind) {
    case 'register': {
      let text = registerMarkdown(r.register);
      const observed = onLine(check.run?.observations ?? [], pos.line, observationLine).find(
        (o) => o.kind === 'read' && o.register === r.register.name,
      );
      if (observed && observed.ok) {
        const v = r.byte === 4 ? observed.value << 32n : observed.value;
        text = `**Read at this line:** \`${hex(observed.value)}\`\n\n${decodedMarkdown(decode(r.register, v, ids))}\n\n---\n\n${text}`;
      }
      return md(text, sym.range);
    }
    case 'field':
      return md(fieldMarkdown(r.register, r.field), sym.range);
    case 'enum':
      return md(enumMarkdown(r.register, r.field, r.value), sym.range);
    case 'const':
      return md(
        r.value === undefined
          ? `constant **${r.name}** (its definition has an error)`
          : `constant **${r.name}** = \`${hex(r.value, r.value > 0xffff_ffffn ? 64 : 32)}\` (${r.value})`,
        sym.range,
      );
  }
}

/** `== abort` / `!= abort`: what the expectation asks, what decides it, and what the model did here. */
function abortHover(op: '==' | '!=', observed: Observation | undefined, range: Range): Hover {
  const asks =
    op === '=='
      ? '**Expected abort**: the access must take an external abort'
      : '**Expected: no abort**: the access must not take an external abort';
  const why =
    'A legal access never aborts (§6.2). An illegal one (a size the SMMU does not support, an unaligned offset, a 64-bit access to a 32-bit register or over two) is CONSTRAINED UNPREDICTABLE, and the configuration chooses: `choices.illegalAccess`, `choices.illegal64BitAccess` ("raz-wi" or "abort").';
  const did = observed ? `\n\nThe model ${observed.ok ? 'did not abort' : 'aborted'} this access.` : '';
  return md(`${asks}.\n\n${why}${did}`, range);
}

/** What the SMMU did at an engine statement: its outcome and everything it did in response. */
function happenedHover(
  workspace: Workspace,
  check: ScriptCheck,
  doc: TextDocument,
  statements: readonly ResolvedStatement[],
  pos: Position,
): Hover | null {
  const s = statements.find(
    (x): x is Extract<ResolvedStatement, { kind: 'action' }> => x.kind === 'action' && contains(x.range, pos),
  );
  if (!s || !check.run) return null;
  const iova =
    s.verb === 'dma'
      ? s.args.find((a) => a.name?.toLowerCase() === 'iova' && a.valueRange && contains(a.valueRange, pos))
      : undefined;
  const at = contains(s.keyword, pos) ? s.keyword : iova?.valueRange;
  if (!at) return null;
  const line = startLine(s.range);
  // Only a statement the check ran has anything to show (not one after the model stopped).
  if (!onLine(check.run.observations, line, observationLine).length) return null;
  // The hover re-runs the model up to its line, from the document's nearest snapshot, with the
  // activity log on (checks keep only what diagnostics need); the workspace keeps the last
  // answer, so moving along the line is free.
  let last = workspace.lastHappened;
  if (last?.uri !== doc.uri || last.version !== doc.version || last.line !== line) {
    const o = onLine(
      modelAtLine(check, line, workspace.runsFor(doc.uri)).result.observations,
      line,
      observationLine,
    )[0];
    const rows = (o?.activity ?? []).map((a) => `- *${a.kind}* ${plain(a.text)}${a.section ? ` (§${a.section})` : ''}`);
    const text = o?.summary
      ? `**What happened here:** ${plain(o.summary)}${rows.length ? `\n\n${rows.join('\n')}` : ''}`
      : undefined;
    last = workspace.lastHappened = { uri: doc.uri, version: doc.version, line, text };
  }
  return last.text ? md(last.text, at) : null;
}

/** A queue descriptor entry: the entry decoded field by field, and whether it is pending. */
function queueEntryHover(workspace: Workspace, doc: TextDocument, pos: Position): Hover | null {
  const check = workspace.queueFileCheck(doc);
  const e = check.entries.find((x) => x.line === pos.line);
  if (!e || !check.kind) return null;
  const dwords: bigint[] = [];
  for (let i = 0; i < e.words.length; i += 2)
    dwords.push((BigInt(e.words[i + 1] ?? 0) << 32n) | BigInt(e.words[i] ?? 0));
  const kind = check.kind === 'cmdq' ? 'cmd' : check.kind === 'evtq' ? 'event' : 'pri';
  const d = decodeStructure(kind, dwords, idViewOf(check.config));
  if (typeof d === 'string') return null;
  const rows = d.fields.map(
    (f) =>
      `| \`${f.msb === f.lsb ? f.msb : `${f.msb}:${f.lsb}`}\` | ${f.name} | \`${f.msb === f.lsb ? f.value.toString() : '0x' + f.value.toString(16).toUpperCase()}\`${f.meaning ? ` ${f.meaning}` : ''} |`,
  );
  const state = e.pending
    ? check.kind === 'cmdq'
      ? 'pending: not yet consumed by the SMMU'
      : 'pending: not yet read by software'
    : 'not between CONS and PROD';
  const problems = d.problems.length ? `\n\n${d.problems.map((p) => `- ${p}`).join('\n')}` : '';
  return md(
    `**${check.kind.toUpperCase()}[${e.index}]** ${d.title} (§${d.section}) — ${state}\n\n| Bits | Field | Value |\n|---|---|---|\n${rows.join('\n')}${problems}`,
    e.range,
  );
}

/**
 * Engine statements (`cmd`, `ste`, `cd`, `dma`, `expect event`, ...), from their definitions in
 * the statement registry: the keyword's statement, the command, event or structure a name stands
 * for and the fields given as arguments (from their tables), and the statement's named arguments.
 */
function actionHover(
  statements: readonly (ResolvedStatement | ActionLike)[],
  pos: Position,
  ids: IdView,
): Hover | null {
  const s = statements.find((x): x is ActionLike => x.kind === 'action' && contains(x.range, pos));
  if (!s) return null;
  const statement: EngineDef = ENGINE_STATEMENTS[s.verb];
  if (contains(s.keyword, pos)) return md(statementMarkdown(statement), s.keyword);
  const def = statement.args.fields?.layout(s.args.map((a) => a.name));
  if (s.expect?.name && contains(s.expect.range, pos)) {
    const ev = findEvent(s.expect.name);
    if (ev) return md(eventSummaryMarkdown(ev), s.expect.range);
  }
  // The argument that names the command or event (`cmd NAME`, `expect event NAME`).
  const nameIndex = statement.args.positional?.findIndex((p) => p.table !== undefined) ?? -1;
  const nameArg = nameIndex >= 0 ? s.args[nameIndex] : undefined;
  if (def && nameArg?.nameRange && contains(nameArg.nameRange, pos)) {
    const c = findCommand(def.name);
    const e = findEvent(def.name);
    return md(
      c
        ? commandSummaryMarkdown(c)
        : e
          ? eventSummaryMarkdown(e)
          : `**${def.name}** — ${def.summary} (§${def.section})\n\n${layoutFieldTable(def)}`,
      nameArg.nameRange,
    );
  }
  for (const [i, a] of s.args.entries()) {
    if (!a.name || !a.nameRange || !contains(a.nameRange, pos)) continue;
    const choice = choiceDoc(statement, s.args, i, ids);
    if (choice) return md(choice, a.nameRange);
    const f = def ? layoutFieldOf(def, a.name) : undefined;
    if (def && f) {
      const bits = f.msb === f.lsb ? `bit [${f.msb}]` : `bits [${f.msb}:${f.lsb}]`;
      const values = f.values
        ? `\n\n${f.values.map((v) => `- \`${v.value}\` ${v.name}${v.description ? ` — ${v.description}` : ''}`).join('\n')}`
        : '';
      return md(
        `**${def.name}.${f.name}** (${bits}${f.addrShift !== undefined ? `, address bits [${f.msb - f.lsb + f.addrShift}:${f.addrShift}]` : ''})\n\n${f.description}${values}`,
        a.nameRange,
      );
    }
    const named = namedArg(statement, a.name);
    if (named) return md(namedArgMarkdown(statement, named), a.nameRange);
  }
  return null;
}

/**
 * What the word at argument `i` means when the schema documents its choices there (`EVENTQ` in
 * `expect irq EVENTQ`): the position's argument after the word before it, its `or` included; and,
 * for a choice of a feature the configuration at the line does not advertise, that it does not.
 */
function choiceDoc(def: EngineDef, args: ActionLike['args'], i: number, ids: IdView): string | undefined {
  const p = def.args.positional?.[i];
  const name = args[i]?.name?.toLowerCase();
  if (!p || name === undefined) return undefined;
  const before = args[i - 1]?.name?.toLowerCase();
  for (const x of [p, ...(p.or ?? [])]) {
    if (x.after !== undefined && x.after !== before) continue;
    const key = Object.keys(x.choiceDocs ?? {}).find((k) => k.toLowerCase() === name);
    if (key === undefined) continue;
    const requires = x.choiceRequires?.[key];
    const absent =
      requires && !featureHolds(requires, ids)
        ? `\n\n*This configuration does not advertise it (${describeFeature(requires).replace('==', 'is not')}): it never fires here.*`
        : '';
    return `**${key}** — ${x.choiceDocs?.[key] ?? ''}${absent}\n\n---\n\n${statementMarkdown(def)}`;
  }
  return undefined;
}

/** What actionHover reads of an engine statement: a resolved one, or a parsed one (parsedAction). */
interface ActionLike {
  readonly kind: 'action';
  readonly verb: ActionVerb;
  readonly range: Range;
  readonly keyword: Range;
  readonly args: readonly { readonly name?: string; readonly nameRange?: Range }[];
  readonly expect?: { readonly name?: string; readonly range: Range };
}

/** A parsed engine statement's names, as the resolver would give them (`NAME=value` and bare names). */
function parsedAction(s: Statement): ActionLike[] {
  if (s.kind !== 'action') return [];
  const args = s.args.map((a) =>
    a.kind === 'assign'
      ? { name: a.field.name, nameRange: a.field.range }
      : a.kind === 'name'
        ? { name: a.name, nameRange: a.range }
        : {},
  );
  const e = s.expect;
  return [
    {
      kind: 'action',
      verb: s.verb,
      range: s.range,
      keyword: s.keyword,
      args,
      ...(e ? { expect: { range: e.range, ...(e.value.kind === 'name' ? { name: e.value.name } : {}) } } : {}),
    },
  ];
}

/**
 * A line with a syntax error has no statement: its words are still explained from the tables, a
 * register by name, and a field or value of the first register the line names.
 */
function unparsedLineHover(doc: TextDocument, pos: Position): Hover | null {
  const text = doc
    .getText({ start: { line: pos.line, character: 0 }, end: { line: pos.line + 1, character: 0 } })
    .replace(/\r?\n$/, '');
  const tokens = lexLine(text, pos.line);
  const i = tokens.findIndex((t) => t.kind === 'word' && contains(t.range, pos));
  const word = tokens[i];
  if (!word) return null;
  const reg = findRegister(word.text);
  if (reg) return md(registerMarkdown(reg), word.range);
  const context = tokens
    .map((t) => (t.kind === 'word' ? findRegister(t.text) : undefined))
    .find((r) => r !== undefined);
  if (!context) return null;
  const field = findField(context, word.text);
  if (field) return md(fieldMarkdown(context, field), word.range);
  // `FIELD=VALUE`: the value names one of the field's encodings.
  const owner =
    tokens[i - 1]?.text === '=' && tokens[i - 2]?.kind === 'word'
      ? findField(context, (tokens[i - 2] as Token).text)
      : undefined;
  const value = owner?.values?.find((v) => v.name.toUpperCase() === word.text.toUpperCase());
  if (owner && value) return md(enumMarkdown(context, owner, value), word.range);
  return null;
}
