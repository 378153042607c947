/** `smmu lsp --stdio`: the same server VS Code runs, on stdin/stdout. */
import {
  createConnection,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import { startServer } from '../lsp/server';

export function startStdioServer(): void {
  startServer(
    createConnection(
      ProposedFeatures.all,
      new StreamMessageReader(process.stdin),
      new StreamMessageWriter(process.stdout),
    ),
  );
}
