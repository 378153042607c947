/**
 * "SMMU: Decode Register Value…": pick a register, type a value, see every field decoded.
 * Called with (register, value) it returns the decoded text without prompting (tests, other
 * extensions, keybindings with arguments).
 */
import * as vscode from 'vscode';
import { coreTables } from '../lazy';
import { DECODE_REQUEST, type DecodeParams, type DecodeResult } from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';
import { showDecoded } from './decode-document';

export function decodeValue(ctx: Ctx) {
  return async (register?: string, value?: string): Promise<string | undefined> => {
    const interactive = register === undefined || value === undefined;
    if (register === undefined) {
      const pick = await vscode.window.showQuickPick(
        coreTables().REGISTERS.map((r) => ({
          label: r.name,
          description: `0x${r.offset.toString(16).toUpperCase()}`,
          detail: r.summary,
        })),
        { placeHolder: 'Register to decode the value as', matchOnDescription: true, matchOnDetail: true },
      );
      if (!pick) return undefined;
      register = pick.label;
    }
    if (value === undefined) {
      value = await vscode.window.showInputBox({ prompt: `Value of SMMU_${register}`, placeHolder: '0x0000000D' });
      if (value === undefined) return undefined;
    }
    const uri = vscode.window.activeTextEditor?.document.uri.toString();
    const params: DecodeParams = { register, value, uri };
    const result = await ctx.request<DecodeResult>(DECODE_REQUEST, params);
    if (result.error) {
      if (interactive) void vscode.window.showErrorMessage(result.error);
      return result.error;
    }
    if (interactive) await showDecoded(`${register} ${value}`, DECODE_REQUEST, params, result.text);
    return result.text;
  };
}
