/**
 * Entry of dist/server.js, the process VS Code (and `node dist/server.js --stdio`) starts: runs
 * the language server's bundle, dist/language-server.js (built from server/main.ts), through V8's
 * code cache (code-cache.ts), so a start after the first skips compiling it.
 */
import * as path from 'path';
import { runWithCodeCache } from './code-cache';

runWithCodeCache(path.join(__dirname, 'language-server.js'));
