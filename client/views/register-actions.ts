/**
 * The Registers view's actions: copy value, copy as symbolic fields, go to the line that last
 * wrote a register, reveal its page in the docs, filter by name. Each command takes the tree node
 * it is invoked on (context menu) or a register name (`CR0`, `CR0.SMMUEN`) from other callers and
 * tests, and returns what it did.
 */
import * as vscode from 'vscode';
import { coreTables } from '../lazy';
import type { RegisterState } from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';
import { FieldNode, formatValue, RegisterNode, type RegisterTreeProvider } from './register-tree';

type Target = { register: RegisterState; field?: RegisterState['fields'][number] };

function resolve(provider: RegisterTreeProvider, arg: unknown): Target | undefined {
  if (arg instanceof RegisterNode) return { register: arg.state };
  if (arg instanceof FieldNode) return { register: arg.register, field: arg.field };
  if (typeof arg !== 'string') return undefined;
  const [reg, field] = arg.toUpperCase().split('.');
  const register = provider.snapshot?.registers.find((r) => r.name === reg);
  if (!register) return undefined;
  if (field === undefined) return { register };
  const f = register.fields.find((x) => x.name.toUpperCase() === field);
  return f ? { register, field: f } : undefined;
}

/** `SMMUEN|EVENTQEN|CMDQEN` for a register (as a script writes it); `FIELD=NAME` for a field. */
export function symbolicText(t: Target): string {
  if (t.field) return `${t.field.name}=${t.field.meaning ?? t.field.value}`;
  const { findRegister, symbolic } = coreTables();
  const def = findRegister(t.register.name);
  return def ? symbolic(def, BigInt(t.register.value)) : t.register.value;
}

/** The 0-based line of a register's heading in docs/registers.md (`## CR0`). */
export function docsLine(text: string, register: string): number {
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l) => l === `## ${register}`);
  return Math.max(0, i);
}

export function registerActions(provider: RegisterTreeProvider, ctx: Ctx): vscode.Disposable[] {
  const noTarget = (arg: unknown) => {
    void vscode.window.showWarningMessage(
      `No register ${typeof arg === 'string' ? arg : ''} in the Registers view.`.replace('  ', ' '),
    );
    return undefined;
  };
  const copy = async (text: string) => {
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`Copied ${text}`, 3000);
    return text;
  };
  return [
    vscode.commands.registerCommand('smmu.registers.copyValue', async (arg: unknown) => {
      const t = resolve(provider, arg);
      if (!t) return noTarget(arg);
      return copy(t.field ? t.field.value : formatValue(t.register.value, t.register.width, provider.format));
    }),
    vscode.commands.registerCommand('smmu.registers.copySymbolic', async (arg: unknown) => {
      const t = resolve(provider, arg);
      if (!t) return noTarget(arg);
      return copy(symbolicText(t));
    }),
    vscode.commands.registerCommand('smmu.registers.goToDefinition', async (arg: unknown) => {
      const t = resolve(provider, arg);
      if (!t) return noTarget(arg);
      const line = t.register.lastWrittenAt;
      const doc = provider.snapshot?.document;
      if (line === undefined || !doc) {
        void vscode.window.showInformationMessage(
          `${t.register.name} has not been written up to this line (it holds its reset value).`,
        );
        return undefined;
      }
      const editor = await vscode.window.showTextDocument(doc, { preserveFocus: false });
      const range = editor.document.lineAt(Math.min(line, editor.document.lineCount - 1)).range;
      editor.selection = new vscode.Selection(range.start, range.end);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      return { uri: doc.toString(), line };
    }),
    vscode.commands.registerCommand('smmu.registers.revealInDocs', async (arg: unknown) => {
      const t = resolve(provider, arg);
      if (!t) return noTarget(arg);
      // docs/registers.md is generated from the register table (scripts/gen-docs.mjs), one
      // `## NAME` section a register, and ships in the .vsix.
      const uri = vscode.Uri.file(ctx.extension.asAbsolutePath('docs/registers.md'));
      const doc = await vscode.workspace.openTextDocument(uri);
      const line = docsLine(doc.getText(), t.register.name);
      // The rendered page, at the register's heading: the Markdown preview scrolls to the URI's
      // fragment (the heading's slug: `## CR0` is #cr0). Without the built-in Markdown extension
      // (disabled), the text at the heading.
      if (vscode.extensions.getExtension('vscode.markdown-language-features')) {
        const anchored = uri.with({ fragment: t.register.name.toLowerCase() });
        await vscode.commands.executeCommand('markdown.showPreview', anchored);
        return { uri: anchored.toString(), line, preview: true };
      }
      const pos = new vscode.Position(line, 0);
      await vscode.window.showTextDocument(doc, { preview: true, selection: new vscode.Range(pos, pos) });
      return { uri: uri.toString(), line, preview: false };
    }),
    vscode.commands.registerCommand('smmu.registers.filter', async (text?: unknown) => {
      const value =
        typeof text === 'string'
          ? text
          : await vscode.window.showInputBox({
              title: 'Filter registers',
              prompt: 'Part of a register or field name (empty: show all)',
              value: provider.filter,
              placeHolder: 'e.g. CMDQ, GERROR, SMMUEN',
            });
      if (value === undefined) return provider.filter;
      provider.setFilter(value);
      await vscode.commands.executeCommand('setContext', 'smmu.registers.filtered', provider.filter !== '');
      return provider.filter;
    }),
    vscode.commands.registerCommand('smmu.registers.clearFilter', async () => {
      provider.setFilter('');
      await vscode.commands.executeCommand('setContext', 'smmu.registers.filtered', false);
      return '';
    }),
  ];
}
