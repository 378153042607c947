/**
 * Language server entry point, bundled as dist/language-server.js; dist/server.js (start.ts) runs
 * it through V8's code cache. VS Code starts it over IPC (`--node-ipc`); other editors run
 * `smmu lsp --stdio` or `node dist/server.js --stdio`. createConnection reads the transport
 * from the command line.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './lsp/server';

startServer(createConnection(ProposedFeatures.all));
