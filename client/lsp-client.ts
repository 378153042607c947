/**
 * The language client (vscode-languageclient), in its own bundle (dist/lsp-client.js) that the
 * extension loads after activate() returned: the library is most of the client's code, and
 * loading it later keeps activation fast and the activation bundle small. Only presentation and
 * registration live in client/; SMMU semantics are in core/ and server/.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { Settings } from './config';

export async function startLanguageClient(serverModule: string, output: vscode.LogOutputChannel, settings: Settings): Promise<LanguageClient> {
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
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
    outputChannel: output,
    // VS Code's JSON support already completes *.smmu.json from the same schema (package.json
    // jsonValidation); the server's schema completion is for editors without one.
    middleware: { provideCompletionItem: (document, position, context, token, next) => (document.uri.path.endsWith('.smmu.json') ? [] : next(document, position, context, token)) },
    initializationOptions: { settings },
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.smmu.json') },
  };
  const client = new LanguageClient('smmu', 'SMMU Language Server', serverOptions, clientOptions);
  await client.start();
  return client;
}
