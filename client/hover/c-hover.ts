/**
 * Optional hover in C and C++ files (`smmu.cHover.enabled`, off by default): a number next to a
 * known register name (`#define CR0_RESERVED 0xFFFFFC20`, `writel(0x1d, base + ARM_SMMU_CR0)`) is
 * decoded field by field through the language server's smmu/decode.
 */
import * as vscode from 'vscode';
import { DECODE_REQUEST, type DecodeParams, type DecodeResult } from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';
import { coreTables } from '../lazy';

export function registerCHover(ctx: Ctx): vscode.Disposable {
  return vscode.languages.registerHoverProvider([{ language: 'c' }, { language: 'cpp' }], {
    async provideHover(doc, position, token) {
      if (!vscode.workspace.getConfiguration('smmu', doc.uri).get<boolean>('cHover.enabled', false)) return undefined;
      const hit = coreTables().registerValueAt(doc.lineAt(position.line).text, position.character);
      if (!hit) return undefined;
      const result = await ctx.request<DecodeResult>(DECODE_REQUEST, {
        register: hit.register,
        value: hit.value,
      } satisfies DecodeParams);
      if (token.isCancellationRequested || result.error) return undefined;
      const md = new vscode.MarkdownString(`*${hit.name}* → SMMU_${hit.register}\n\n${result.markdown}`);
      return new vscode.Hover(md, new vscode.Range(position.line, hit.start, position.line, hit.end));
    },
  });
}
