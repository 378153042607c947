/**
 * The extension's context: owns the language client and its lifetime (as rust-analyzer's ctx.ts).
 * Only presentation and registration live in client/; SMMU semantics are in core/ and server/.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { readSettings } from './config';

export class Ctx {
  client: LanguageClient | undefined;
  readonly output: vscode.LogOutputChannel;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('SMMU Language Server', { log: true });
    extension.subscriptions.push(this.output);
  }

  async start(): Promise<void> {
    const module = this.extension.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'smmu' },
        { scheme: 'untitled', language: 'smmu' },
        { scheme: 'file', language: 'smmuq' },
        { scheme: 'untitled', language: 'smmuq' },
        { scheme: 'file', language: 'smmutrace' },
        { scheme: 'untitled', language: 'smmutrace' },
        { scheme: 'file', pattern: '**/*.smmu.json' },
      ],
      outputChannel: this.output,
      // VS Code's JSON support already completes *.smmu.json from the same schema (package.json
      // jsonValidation); the server's schema completion is for editors without one.
      middleware: { provideCompletionItem: (document, position, context, token, next) => (document.uri.path.endsWith('.smmu.json') ? [] : next(document, position, context, token)) },
      initializationOptions: { settings: readSettings() },
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.smmu.json') },
    };
    this.client = new LanguageClient('smmu', 'SMMU Language Server', serverOptions, clientOptions);
    await this.client.start();
    this.extension.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('smmu')) void this.client?.sendNotification('workspace/didChangeConfiguration', { settings: readSettings() });
      }),
      // Trusting the workspace lifts restricted mode: scripts are executed again.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.client?.sendNotification('workspace/didChangeConfiguration', { settings: readSettings() })),
    );
  }

  async stop(): Promise<void> {
    await this.client?.stop();
    this.client = undefined;
  }
}
