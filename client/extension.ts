/** Extension entry point: register commands and views, then start the language server. */
import { activationTiming, markModuleEvaluated, type ActivationTiming } from './timing';
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import { decodeSelection } from './commands/decode-selection';
import { decodeValue } from './commands/decode-value';
import { registerDecodeDocuments } from './commands/decode-document';
import { replayTrace } from './commands/replay-trace';
import { openExample } from './commands/open-example';
import { Ctx } from './ctx';
import { SERVER_STATS_REQUEST, type ServerStatsResult } from '../server/lsp/lsp-ext';
import { registerDebugger } from './debug';
import { registerTreeView, type RegisterTreeProvider } from './views/register-tree';
import { registerActions } from './views/register-actions';
import { followDebugSessions } from './views/debug-source';
import { StatusItem } from './status';
import { registerQueueViews } from './views/queue-trees';
import { registerCHover } from './hover/c-hover';
import { QemuResults, RUN_ON_QEMU_COMMAND } from './qemu-results';
import { runOnQemu } from './commands/run-on-qemu';

let ctx: Ctx | undefined;

/** What the extension offers other extensions and its integration tests. */
export interface SmmuApi {
  readonly registers: RegisterTreeProvider;
  readonly status: StatusItem;
  /** The Command queue, Event queue and Stream table views. */
  readonly queues: ReturnType<typeof registerQueueViews>;
  /** How long activation took (recorded by the extension itself). */
  readonly activation: ActivationTiming;
  /** Resolves when the language server runs. */
  readonly ready: Promise<unknown>;
  /** Loading the language client's bundle after activation, ms (undefined until then). */
  readonly clientLoadMs: () => number | undefined;
  /** The running server's figures, its process id among them (server/lsp/lsp-ext.ts). */
  readonly serverStats: () => Promise<ServerStatsResult>;
  /** How often the server was started again after it stopped unexpectedly. */
  readonly serverRestarts: () => number;
  /** Run on QEMU's results: its diagnostics, and the last notification it showed. */
  readonly qemu: QemuResults;
}

export function activate(extension: vscode.ExtensionContext): SmmuApi {
  const start = performance.now();
  ctx = new Ctx(extension);
  registerDebugger(extension);
  extension.subscriptions.push(
    vscode.commands.registerCommand('smmu.decodeValue', decodeValue(ctx)),
    vscode.commands.registerCommand('smmu.decodeSelection', decodeSelection(ctx)),
    vscode.commands.registerCommand('smmu.openExample', openExample(extension)),
    vscode.commands.registerCommand('smmu.replayTrace', replayTrace()),
    registerDecodeDocuments(ctx),
  );
  const qemuResults = new QemuResults();
  extension.subscriptions.push(
    ...qemuResults.register(),
    vscode.commands.registerCommand(RUN_ON_QEMU_COMMAND, runOnQemu(ctx, qemuResults)),
  );
  const registers = registerTreeView(ctx);
  // The view's actions (copy, go to definition, reveal in docs, filter) need the view; they import it, not the reverse.
  extension.subscriptions.push(...registerActions(registers, ctx));
  extension.subscriptions.push(...followDebugSessions(registers, ctx));
  const queues = registerQueueViews(ctx);
  extension.subscriptions.push(registerCHover(ctx));
  const status = new StatusItem(ctx);
  // The language client loads and the server starts after activate() returned: activation stays
  // fast, and every request waits for the server (Ctx.request).
  const ready = ctx.start();
  ready.catch(
    (err: unknown) =>
      void vscode.window.showErrorMessage(
        `The SMMU language server did not start: ${err instanceof Error ? err.message : String(err)}`,
      ),
  );
  const c = ctx;
  return {
    registers,
    queues,
    status,
    ready,
    clientLoadMs: () => c.clientLoadMs,
    activation: activationTiming(start),
    serverStats: () => c.request<ServerStatsResult>(SERVER_STATS_REQUEST, {}),
    serverRestarts: () => c.serverRestarts,
    qemu: qemuResults,
  };
}

export async function deactivate(): Promise<void> {
  await ctx?.stop();
}

markModuleEvaluated();
