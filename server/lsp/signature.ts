/**
 * Signature help in engine statements, from the statement registry. Once a statement names its
 * command, structure or event (`cmd CFGI_STE `, `ste 1 `, `expect event F_TRANSLATION `), its
 * fields are the parameters (from their table), the one being typed active, each documented with
 * its bits and meaning. Before that, and for statements without fields (`dma`, `map`, `pri`), the
 * statement's usage is the signature and its arguments (from its schema) the parameters.
 */
import { MarkupKind, type ParameterInformation, type Position, type SignatureHelp } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findCommand } from '../../core/commands/table';
import type { LayoutDef } from '../../core/layout/types';
import type { Token } from '../../core/script/ast';
import { lexLine } from '../../core/script/lexer';
import { statementOf, type EngineDef } from '../../core/script/statements';
import { statementMarkdown, statementSignature } from '../../core/script/statements/describe';

export function signatureHelp(doc: TextDocument, pos: Position): SignatureHelp | null {
  const text = doc.getText({ start: { line: pos.line, character: 0 }, end: pos });
  const tokens = lexLine(text, pos.line).filter((t) => t.kind !== 'comment');
  const st = statementOf(tokens.slice(0, 2).map((t) => (t.kind === 'word' ? t.text : undefined)));
  if (!st || st.def.syntax !== 'engine') return null;
  const def = st.def;
  const args = tokens.slice(st.length);
  const spaced = /\s$/.test(text);
  // The keyword itself is still being typed.
  if (!args.length && !spaced) return null;
  // The word being given: the last `NAME` (possibly followed by `=`) on the line, unless a space ended it.
  const words = args.filter((t) => t.kind === 'word');
  const current = spaced ? undefined : words[words.length - 1]?.text;
  const positional = def.args.positional?.length ?? 0;
  const layout = def.args.fields?.layout(words.map((t) => t.text));
  // Fields once the positional arguments are given (and the last of them is not being typed).
  if (layout && (args.length > positional || (args.length === positional && spaced)))
    return layoutSignature(layout, current, def, args[0]?.text.toLowerCase());
  return statementSignatureHelp(def, args, current, spaced);
}

/** The fields of a command, structure or event as parameters, then the statement's named arguments (`count`). */
function layoutSignature(
  def: LayoutDef,
  current: string | undefined,
  statement: EngineDef,
  form: string | undefined,
): SignatureHelp {
  const fields: ParameterInformation[] = def.fields
    .filter((f) => f.name !== 'Opcode' && f.name !== 'EventNumber')
    .map((f) => ({
      label: f.name,
      documentation: {
        kind: MarkupKind.Markdown,
        value: `\`[${f.msb === f.lsb ? f.msb : `${f.msb}:${f.lsb}`}]\` ${f.description}${f.values ? ` ${f.values.map((v) => `${v.value} ${v.name}`).join(', ')}` : ''}`,
      },
    }));
  // The named arguments of the form being written (`count` after `expect event`, not `addr` of `expect msi`).
  const named: ParameterInformation[] = (statement.args.named ?? [])
    .filter((n) => n.after === undefined || n.after === form)
    .map((n) => ({ label: n.name, documentation: { kind: MarkupKind.Markdown, value: n.doc } }));
  const params = [...fields, ...named];
  const active = current
    ? params.findIndex((p) => (p.label as string).toLowerCase().startsWith(current.toLowerCase()))
    : -1;
  const command = findCommand(def.name);
  return {
    signatures: [
      {
        label: `${def.name.replace(/^CMD_/, '')}(${params.map((p) => p.label as string).join(', ')})`,
        documentation: {
          kind: MarkupKind.Markdown,
          value: `${def.summary} (§${def.section})${command ? `, opcode 0x${command.opcode.toString(16).toUpperCase()}` : ''}`,
        },
        parameters: params,
      },
    ],
    activeSignature: 0,
    activeParameter: active >= 0 ? active : 0,
  };
}

/**
 * The statement's usage with its arguments as parameters. The active one: the expectation after
 * `==`; the named argument being typed (or whose value is); else the next positional argument.
 */
function statementSignatureHelp(
  def: EngineDef,
  args: readonly Token[],
  current: string | undefined,
  spaced: boolean,
): SignatureHelp {
  // The first argument, once given, picks the form (`expect msi addr=A [data=D]`).
  const form = args[0]?.kind === 'word' && (args.length > 1 || spaced) ? args[0].text : undefined;
  const { label, parameters } = statementSignature(def, form);
  const compareAt = args.findIndex((t) => t.text === '==' || t.text === '!=');
  // Past the compared value, words are arguments again (`dma read … data == V size=16`).
  const pastValue = compareAt >= 0 && args.length - (spaced ? 0 : 1) > compareAt + 1;
  const last = args[args.length - 1];
  // In `sid=1` the name is two tokens back once the value is being typed.
  const naming =
    last?.text === '='
      ? args[args.length - 2]?.text
      : args[args.length - 2]?.text === '=' && !spaced
        ? args[args.length - 3]?.text
        : current;
  const named = naming?.toLowerCase();
  const namedAt = named
    ? parameters.findIndex(
        (p) => p.named && [p.named.name, ...(p.named.aliases ?? [])].some((n) => n.toLowerCase().startsWith(named)),
      )
    : -1;
  let active = -1;
  if (compareAt >= 0 && !def.operand && !(pastValue && namedAt >= 0)) active = parameters.findIndex((p) => p.expect);
  if (active < 0) active = namedAt;
  if (active < 0) {
    // The positional argument being typed, or the next one after a space.
    const given = spaced ? args.length : args.length - 1;
    active = parameters.findIndex((p) => p.positional === given);
  }
  const toParameter = (p: (typeof parameters)[number]): ParameterInformation => ({
    label: [p.start, p.end],
    documentation: { kind: MarkupKind.Markdown, value: p.doc },
  });
  return {
    signatures: [
      {
        label,
        documentation: { kind: MarkupKind.Markdown, value: `${def.summary}\n\n${statementMarkdown(def)}` },
        parameters: parameters.map(toParameter),
      },
    ],
    activeSignature: 0,
    activeParameter: active >= 0 ? active : 0,
  };
}
