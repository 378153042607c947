/** Extension entry point: start the language server, register commands and views. */
import * as vscode from 'vscode';
import { decodeValue } from './commands/decode-value';
import { Ctx } from './ctx';
import { registerTreeView, type RegisterTreeProvider } from './views/register-tree';

let ctx: Ctx | undefined;

/** What the extension offers other extensions and its integration tests. */
export interface SmmuApi {
  readonly registers: RegisterTreeProvider;
}

export async function activate(extension: vscode.ExtensionContext): Promise<SmmuApi> {
  ctx = new Ctx(extension);
  extension.subscriptions.push(vscode.commands.registerCommand('smmu.decodeValue', decodeValue(ctx)));
  await ctx.start();
  return { registers: registerTreeView(ctx) };
}

export async function deactivate(): Promise<void> {
  await ctx?.stop();
}
