/**
 * The language client (vscode-languageclient), in its own bundle (dist/lsp-client.js) that the
 * extension loads after activate() returned: the library is most of the client's code, and
 * loading it later keeps activation fast and the activation bundle small. Only presentation and
 * registration live in client/; SMMU semantics are in core/ and server/.
 */
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type { Settings } from './config';
import { JSON_SERVICE_CODES } from '../server/lsp/lsp-ext';
import { serverExecArgv } from '../server/process-flags';

/** Restarts within RESTART_WINDOW_MS after which a crashing server is left stopped. */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60_000;

/**
 * A server that dies (a bug, the heap ceiling) is started again, and the client sends it every
 * open document, so diagnostics come back without the user doing anything; one that keeps dying
 * is left stopped with a message saying so, instead of a restart loop.
 */
function restartingHandler(output: vscode.LogOutputChannel, onRestart: () => void): ErrorHandler {
  const restarts: number[] = [];
  return {
    error: () => ({ action: ErrorAction.Continue }),
    closed: (): CloseHandlerResult => {
      const now = Date.now();
      while (restarts.length && now - (restarts[0] as number) > RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length >= MAX_RESTARTS) {
        return {
          action: CloseAction.DoNotRestart,
          message: `The SMMU language server stopped ${MAX_RESTARTS + 1} times in 3 minutes and is not restarted again. Its log is in the Output view ("SMMU Language Server"); reload the window to start it.`,
        };
      }
      restarts.push(now);
      output.warn(
        `The language server stopped unexpectedly; starting it again (${restarts.length} of ${MAX_RESTARTS} restarts in 3 minutes).`,
      );
      onRestart();
      return { action: CloseAction.Restart, handled: true };
    },
  };
}

export async function startLanguageClient(
  serverModule: string,
  output: vscode.LogOutputChannel,
  settings: Settings,
  onRestarted: () => void = () => undefined,
): Promise<LanguageClient> {
  // The heap ceiling, and V8's worker threads sized to leave the main thread a processor (process-flags.ts).
  const execArgv = serverExecArgv();
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv } },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: [...execArgv, '--nolazy', '--inspect=6011'] },
    },
  };
  let restarting = false;
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
    middleware: {
      provideCompletionItem: (document, position, context, token, next) =>
        document.uri.path.endsWith('.smmu.json') ? [] : next(document, position, context, token),
      // VS Code's JSON support already reports a configuration's JSON syntax errors and duplicate keys.
      handleDiagnostics: (uri, diagnostics, next) =>
        next(
          uri,
          uri.path.endsWith('.smmu.json')
            ? diagnostics.filter(
                (d) => !JSON_SERVICE_CODES.includes(String(typeof d.code === 'object' ? d.code.value : d.code)),
              )
            : diagnostics,
        ),
    },
    initializationOptions: { settings },
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.smmu.json') },
    errorHandler: restartingHandler(output, () => (restarting = true)),
  };
  const client = new LanguageClient('smmu', 'SMMU Language Server', serverOptions, clientOptions);
  // Views that asked the old process for state ask the new one once it runs.
  client.onDidChangeState((e) => {
    if (restarting && e.newState === State.Running) {
      restarting = false;
      onRestarted();
    }
  });
  await client.start();
  return client;
}
