/** Extension entry point: start the language server, register commands and views. */
import * as vscode from 'vscode';
import { decodeSelection } from './commands/decode-selection';
import { decodeValue } from './commands/decode-value';
import { replayTrace } from './commands/replay-trace';
import { Ctx } from './ctx';
import { registerDebugger } from './debug';
import { registerTreeView, type RegisterTreeProvider } from './views/register-tree';
import { StatusItem } from './status';

let ctx: Ctx | undefined;

/** What the extension offers other extensions and its integration tests. */
export interface SmmuApi {
  readonly registers: RegisterTreeProvider;
  readonly status: StatusItem;
}

export async function activate(extension: vscode.ExtensionContext): Promise<SmmuApi> {
  ctx = new Ctx(extension);
  registerDebugger(extension);
  extension.subscriptions.push(vscode.commands.registerCommand('smmu.decodeValue', decodeValue(ctx)), vscode.commands.registerCommand('smmu.decodeSelection', decodeSelection(ctx)), vscode.commands.registerCommand('smmu.replayTrace', replayTrace()));
  await ctx.start();
  return { registers: registerTreeView(ctx), status: new StatusItem(ctx) };
}

export async function deactivate(): Promise<void> {
  await ctx?.stop();
}
