/**
 * Entry of the `smmu` command (dist/cli.js). A plain `smmu lsp --stdio`, the server other editors
 * start, is served by the server's own process (lsp-stdio.ts) without loading the command line's
 * bundle, which would cost that start about 70 ms of compiling; every other invocation runs the
 * command line (main.ts, dist/cli-main.js).
 */
import { createRequire } from 'module';
import * as path from 'path';
import { plainLspInvocation, serveInServerProcess } from './lsp-stdio';

if (!(plainLspInvocation(process.argv.slice(2)) && serveInServerProcess())) {
  // Its own bundle beside this one, found at run time (not bundled into this entry).
  createRequire(__filename)(path.join(__dirname, 'cli-main.js'));
}
