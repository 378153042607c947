/**
 * The extension's context: owns the language client and its lifetime (as rust-analyzer's ctx.ts).
 * The client is started after activation (see lsp-client.ts); requests wait for it.
 */
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { readSettings } from './config';

type LspClientModule = typeof import('./lsp-client');

export class Ctx {
  client: LanguageClient | undefined;
  /** The server's log ("SMMU Language Server"), created with the client, after activation. */
  output: vscode.LogOutputChannel | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private readonly restarted = new vscode.EventEmitter<void>();
  /** The language server was started again after it stopped unexpectedly (views ask it again). */
  readonly onDidRestartServer = this.restarted.event;
  /** How often that happened since activation. */
  serverRestarts = 0;

  constructor(readonly extension: vscode.ExtensionContext) {
    extension.subscriptions.push(this.restarted);
  }

  /** Starts the language server once; later calls get the same promise. */
  start(): Promise<LanguageClient> {
    this.starting ??= this.startClient();
    return this.starting;
  }

  /** How long loading the language client's bundle took, ms (after activation). */
  clientLoadMs: number | undefined;

  private async startClient(): Promise<LanguageClient> {
    // After activate() has returned: the language client's bundle (next to this one, see
    // scripts/build.mjs) is most of the client's code and stays out of the activation path.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const t0 = performance.now();
    const { startLanguageClient } = require(path.join(__dirname, 'lsp-client.js')) as LspClientModule;
    this.clientLoadMs = performance.now() - t0;
    const module = this.extension.asAbsolutePath(path.join('dist', 'server.js'));
    this.output = vscode.window.createOutputChannel('SMMU Language Server', { log: true });
    this.extension.subscriptions.push(this.output);
    this.client = await startLanguageClient(module, this.output, readSettings(), () => {
      this.serverRestarts++;
      this.restarted.fire();
    });
    this.extension.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('smmu'))
          void this.client?.sendNotification('workspace/didChangeConfiguration', { settings: readSettings() });
      }),
      // Trusting the workspace lifts restricted mode: scripts are executed again.
      vscode.workspace.onDidGrantWorkspaceTrust(
        () => void this.client?.sendNotification('workspace/didChangeConfiguration', { settings: readSettings() }),
      ),
    );
    return this.client;
  }

  /** A custom request (server/lsp/lsp-ext.ts), once the server runs; `token` cancels it ($/cancelRequest). */
  async request<R>(method: string, params: object, token?: vscode.CancellationToken): Promise<R> {
    const client = await this.start();
    return token ? client.sendRequest<R>(method, params, token) : client.sendRequest<R>(method, params);
  }

  async stop(): Promise<void> {
    await this.client?.stop();
    this.client = undefined;
  }
}
