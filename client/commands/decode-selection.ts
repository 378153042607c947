/**
 * "SMMU: Decode Selection As…": the numbers selected in any file (C sources of an emulation, a
 * log) decoded as a register value, a command, an event record, an STE or a CD. Called with
 * (kind, text) it returns the decoded text without prompting (tests, keybindings with arguments).
 */
import * as vscode from 'vscode';
import { coreTables } from '../lazy';
import { DECODE_REQUEST, DECODE_STRUCTURE_REQUEST, type DecodeParams, type DecodeResult, type DecodeStructureParams } from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';

const STRUCTURES = [
  { label: 'cmd', detail: 'a command-queue entry (2 doublewords)' },
  { label: 'event', detail: 'an event record (4 doublewords)' },
  { label: 'pri', detail: 'a PRI page request (2 doublewords)' },
  { label: 'ste', detail: 'a stream table entry (8 doublewords)' },
  { label: 'cd', detail: 'a context descriptor (8 doublewords)' },
  { label: 'l1std', detail: 'a level-1 stream table descriptor' },
  { label: 'l1cd', detail: 'a level-1 CD descriptor' },
];

/**
 * The numbers in a selection. Logs and C sources surround values with indices (`cmd[0] = 0x…`),
 * so when there are hex numbers only those count; otherwise decimal ones do.
 */
export function numbersIn(text: string): string[] {
  const hex = text.match(/\b0[xX][0-9A-Fa-f_]+\b/g) ?? [];
  return hex.length ? hex : (text.match(/\b[0-9]+\b/g) ?? []);
}

export function decodeSelection(ctx: Ctx) {
  return async (kind?: string, text?: string): Promise<string | undefined> => {
    const interactive = kind === undefined || text === undefined;
    const editor = vscode.window.activeTextEditor;
    if (text === undefined) text = editor ? editor.document.getText(editor.selection) : '';
    const numbers = numbersIn(text);
    if (!numbers.length) {
      if (interactive) void vscode.window.showErrorMessage('Select one or more numbers to decode (0x… or decimal).');
      return undefined;
    }
    if (kind === undefined) {
      const pick = await vscode.window.showQuickPick([...STRUCTURES, ...coreTables().REGISTERS.map((r) => ({ label: r.name, detail: r.summary }))], { placeHolder: `Decode ${numbers.join(' ')} as…`, matchOnDetail: true });
      if (!pick) return undefined;
      kind = pick.label;
    }
    const uri = editor?.document.uri.toString();
    const result = STRUCTURES.some((s) => s.label === kind)
      ? await ctx.request<DecodeResult>(DECODE_STRUCTURE_REQUEST, { kind, dwords: numbers, uri } satisfies DecodeStructureParams)
      : await ctx.request<DecodeResult>(DECODE_REQUEST, { register: kind, value: numbers[0] ?? '0', uri } satisfies DecodeParams);
    if (result.error) {
      if (interactive) void vscode.window.showErrorMessage(result.error);
      return result.error;
    }
    if (interactive) {
      const doc = await vscode.workspace.openTextDocument({ content: result.text, language: 'plaintext' });
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    }
    return result.text;
  };
}
