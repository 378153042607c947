/**
 * `smmu` command line: the same core the editor uses, for CI and other editors.
 *
 *   smmu decode REG VALUE [--config F] [--json]
 *   smmu check FILE... [--json]                 gcc-style diagnostics, exit 1 on errors
 *   smmu run SCRIPT [--config F] [--json] [--trace]  exit 1 on a failed expectation or error
 *   smmu replay TRACE [--config F] [--json]     divergences of an emulation's trace, exit 1 on violations
 *   smmu lsp --stdio                            the language server over stdio
 *   smmu dap                                    the debug adapter over stdio
 */
import { runCheck, runDecode, runScriptCommand } from './commands';
import { startStdioServer } from './lsp-stdio';
import { startStdioAdapter } from '../dap/stdio';
import { runReplay } from './replay';

const USAGE = `usage:
  smmu decode REG VALUE [--config FILE] [--json]   decode a register value field by field
  smmu decode cmd|event|pri|ste|cd|l1std|l1cd DWORD... [--config FILE] [--json]
                                                   decode a command, event record, STE, CD... from
                                                   64-bit words as logs print them (first one first)
  smmu check FILE... [--json]                      check .smmu scripts, .smmuq queue descriptors and *.smmu.json configurations
  smmu run SCRIPT [--config FILE] [--json] [--trace]
                                                   run a script on the model; exit 1 on a failed expectation;
                                                   --trace prints every access, command and event decoded
  smmu replay TRACE [--config FILE] [--json]      replay an emulation's trace (.smmutrace or QEMU -trace smmuv3_* log)
                                                   against the model; exit 1 on a violation
  smmu lsp --stdio                                 start the language server on stdin/stdout
  smmu dap                                         start the debug adapter (DAP) on stdin/stdout
  smmu --help | --version`;

export interface Options {
  json: boolean;
  trace: boolean;
  config?: string;
  positional: string[];
}

function parseArgs(args: string[]): Options | string {
  const o: Options = { json: false, trace: false, positional: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') o.json = true;
    else if (a === '--trace') o.trace = true;
    else if (a === '--config') {
      const v = args[++i];
      if (v === undefined) return '--config needs a file';
      o.config = v;
    } else if (a.startsWith('--config=')) o.config = a.slice('--config='.length);
    else if (a.startsWith('--') && a !== '--stdio') return `unknown option ${a}`;
    else o.positional.push(a);
  }
  return o;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version') {
    process.stdout.write('0.1.0\n');
    return 0;
  }
  if (cmd === 'lsp') {
    if (!rest.includes('--stdio')) {
      process.stderr.write('smmu lsp: only --stdio is supported\n');
      return 2;
    }
    serving = true;
    startStdioServer();
    return -1; // keeps running
  }
  if (cmd === 'dap') {
    serving = true;
    startStdioAdapter();
    return -1; // keeps running
  }
  const opts = parseArgs(rest);
  if (typeof opts === 'string') {
    process.stderr.write(`smmu ${cmd}: ${opts}\n${USAGE}\n`);
    return 2;
  }
  switch (cmd) {
    case 'decode':
      return runDecode(opts);
    case 'check':
      return runCheck(opts);
    case 'run':
      return runScriptCommand(opts);
    case 'replay':
      return runReplay(opts);
    default:
      process.stderr.write(`smmu: unknown command '${cmd}'\n${USAGE}\n`);
      return 2;
  }
}

/** `lsp --stdio` and `dap` serve until their client goes; the other commands compute a verdict. */
let serving = false;

// `smmu check bad.smmu | head -1`: a reader that closes early ends the output quietly, not with a
// stack trace, but the exit status is still the verdict (CI's `set -o pipefail` relies on it), so
// the command runs to its end and main() sets it. A server whose client closed its output is done.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (serving && e.code === 'EPIPE') process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    // A crash is a bug in the tool, never the user's fault: say so without a stack trace.
    process.stderr.write(`smmu: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 3;
  },
);
