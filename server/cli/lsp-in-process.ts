/** `smmu lsp --stdio` served in the command's own process (server/cli/lsp-stdio.ts says when). */
import {
  createConnection,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import { startServer } from '../lsp/server';

export function serveInProcess(): void {
  startServer(
    createConnection(
      ProposedFeatures.all,
      new StreamMessageReader(process.stdin),
      new StreamMessageWriter(process.stdout),
    ),
  );
}
