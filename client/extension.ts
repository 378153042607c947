/** Extension entry point: start the language server and register commands. */
import * as vscode from 'vscode';
import { decodeValue } from './commands/decode-value';
import { Ctx } from './ctx';

let ctx: Ctx | undefined;

export async function activate(extension: vscode.ExtensionContext): Promise<void> {
  ctx = new Ctx(extension);
  extension.subscriptions.push(vscode.commands.registerCommand('smmu.decodeValue', decodeValue(ctx)));
  await ctx.start();
}

export async function deactivate(): Promise<void> {
  await ctx?.stop();
}
