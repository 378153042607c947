/**
 * Signature help for `cmd NAME …`: the command's fields as parameters (from the command table),
 * the one being typed active, each documented with its bits and meaning.
 */
import { MarkupKind, type Position, type SignatureHelp } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findCommand } from '../../core/commands/table';
import { lexLine } from '../../core/script/lexer';

export function signatureHelp(doc: TextDocument, pos: Position): SignatureHelp | null {
  const text = doc.getText({ start: { line: pos.line, character: 0 }, end: pos });
  const tokens = lexLine(text, pos.line).filter((t) => t.kind !== 'comment');
  if (tokens[0]?.text !== 'cmd' || !tokens[1]) return null;
  const def = findCommand(tokens[1].text);
  if (!def || (tokens.length === 2 && !/\s$/.test(text))) return null;
  const params = def.fields.filter((f) => f.name !== 'Opcode');
  // The field being given: the last `NAME` (possibly followed by `=`) on the line.
  const words = tokens.slice(2).filter((t) => t.kind === 'word');
  const current = /\s$/.test(text) ? undefined : words[words.length - 1]?.text;
  const active = current ? params.findIndex((f) => f.name.toLowerCase().startsWith(current.toLowerCase())) : -1;
  return {
    signatures: [
      {
        label: `${def.name.replace(/^CMD_/, '')}(${params.map((f) => f.name).join(', ')})`,
        documentation: { kind: MarkupKind.Markdown, value: `${def.summary} (§${def.section}), opcode 0x${def.opcode.toString(16).toUpperCase()}` },
        parameters: params.map((f) => ({ label: f.name, documentation: { kind: MarkupKind.Markdown, value: `\`[${f.msb === f.lsb ? f.msb : `${f.msb}:${f.lsb}`}]\` ${f.description}${f.values ? ` ${f.values.map((v) => `${v.value} ${v.name}`).join(', ')}` : ''}` } })),
      },
    ],
    activeSignature: 0,
    activeParameter: active >= 0 ? active : 0,
  };
}
