/**
 * Language server entry point. VS Code starts it over IPC (`--node-ipc`); other editors run
 * `smmu lsp --stdio` or `node dist/server.js --stdio`. createConnection reads the transport
 * from the command line.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './lsp/server';

startServer(createConnection(ProposedFeatures.all));
