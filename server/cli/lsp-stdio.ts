/**
 * `smmu lsp --stdio`: the same server VS Code runs, on stdin/stdout, for other editors.
 *
 * Beside the bundled command (dist/cli.js) lies the process VS Code starts, dist/server.js: it
 * runs the server's bundle through V8's code cache (server/code-cache.ts), with the Node options
 * the client gives it (server/process-flags.ts: a heap ceiling the server knows, and V8's worker
 * threads sized to the machine, without which the first check after a start took about 1.4 times
 * as long on two processors). A Node process cannot change those options once started, so the
 * command's entry (entry.ts) starts that process with them, hands it its stdin, stdout and
 * stderr, and ends as it ends. The command line serves in its own process instead
 * (lsp-in-process.ts) where there is no dist/server.js (an unbundled build), under a debugger
 * (`--inspect`: the server is what is being debugged), when SMMU_LSP_IN_PROCESS=1 asks for it, or
 * when the process cannot be started.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import { serverChildExecArgv } from '../process-flags';

/** Signals an editor stops its server with: passed on, so the server ends as it would alone. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The command's own arguments the server reads too: `--stdio`, and `--clientProcessId` (the
 * editor's process, which the server watches so as to end when the editor is gone).
 */
export function serverArgs(argv: readonly string[]): string[] {
  const out = ['--stdio'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--clientProcessId=')) out.push(a);
    else if (a === '--clientProcessId' && i + 1 < argv.length) out.push(`${a}=${argv[++i] as string}`);
  }
  return out;
}

/**
 * Whether `argv` (the command's arguments) is a plain `lsp --stdio`, with at most the editor's
 * `--clientProcessId`: the invocation the entry (entry.ts) serves by starting the server's
 * process, without loading the command line. Anything else, an error included, is the command
 * line's to read (main.ts).
 */
export function plainLspInvocation(argv: readonly string[]): boolean {
  if (argv[0] !== 'lsp') return false;
  let stdio = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--stdio') stdio = true;
    else if (/^--clientProcessId=\d+$/.test(a)) continue;
    else if (a === '--clientProcessId' && /^\d+$/.test(argv[i + 1] ?? '')) i++;
    else return false;
  }
  return stdio;
}

/**
 * Serve `smmu lsp --stdio` from the server's own process (dist/server.js beside this bundle) when
 * it can; false when the command line must serve it in its process (see the top of this file).
 */
export function serveInServerProcess(): boolean {
  const entry = path.join(__dirname, 'server.js');
  const debugged = process.execArgv.some((a) => /^--(inspect|debug)/.test(a));
  if (
    process.env.SMMU_LSP_IN_PROCESS === '1' ||
    debugged ||
    !fs.existsSync(entry) ||
    !fs.existsSync(path.join(__dirname, 'language-server.js'))
  )
    return false;
  const child = spawn(
    process.execPath,
    [...serverChildExecArgv(process.execArgv, process.env.NODE_OPTIONS), entry, ...serverArgs(process.argv.slice(2))],
    { stdio: 'inherit' },
  );
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  const outlive = () => child.kill();
  for (const sig of FORWARDED) process.on(sig, forward);
  // However this process ends, its server does not outlive it.
  process.on('exit', outlive);
  let started = false;
  child.once('spawn', () => (started = true));
  child.once('error', (e) => {
    if (started) return;
    // Nothing has read stdin yet: the command line can still serve it, in its own process, which
    // then ends on these signals as Node's default has it.
    for (const sig of FORWARDED) process.off(sig, forward);
    process.off('exit', outlive);
    process.stderr.write(`smmu lsp: could not start the server's process (${e.message}); serving in this one\n`);
    process.env.SMMU_LSP_IN_PROCESS = '1';
    createRequire(__filename)(path.join(__dirname, 'cli-main.js'));
  });
  child.once('exit', (code, signal) => {
    // The server's verdict is the command's: 0 after `shutdown` then `exit`, 1 after `exit` alone.
    process.exit(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
  });
  return true;
}
