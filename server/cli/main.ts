/**
 * `smmu` command line: the same core the editor uses, for CI and other editors (docs/cli.md).
 *
 *   smmu decode REG VALUE [--config F] [--json]
 *   smmu check FILE... [--config F] [--json]     gcc-style diagnostics, exit 1 on errors
 *   smmu run SCRIPT [--config F] [--json] [--trace]  exit 1 on a failed expectation or error
 *   smmu replay TRACE|- [--config F] [--json]   divergences of an emulation's trace, exit 1 on violations
 *   smmu qemu SCRIPT [--config F] [--qemu BIN] …  run the script on QEMU's SMMUv3; divergences at its lines
 *   smmu export c SCRIPT [-o FILE]              the script as a C guest kit for any hypervisor
 *   smmu export svd [--config F] [--base ADDR] [-o FILE]  the register map as CMSIS-SVD
 *   smmu inspect --gdb|--qmp HOST:PORT [--base ADDR]  a running QEMU's SMMU, read through its gdbstub or QMP
 *   smmu lsp --stdio                            the language server over stdio
 *   smmu dap                                    the debug adapter over stdio
 *
 * Every command takes exactly the options in its row of COMMANDS; anything else is a usage error
 * (exit 2, with the command's usage), whichever command it is given to.
 */
import { runCheck, runDecode, runScriptCommand } from './commands';
import { DEFAULT_MAX_DIAGNOSTICS, runReplay } from './replay';
import { runQemuCommand } from './qemu';
import { runExport } from './export';
import { runInspect } from './inspect';
import type { Options } from './options';

/** One option of a command: a flag, or `--name VALUE` / `--name=VALUE` when `value` names what it takes. */
interface OptionSpec {
  readonly name: string;
  readonly value?: string;
  /** A one-letter spelling (`-o`). */
  readonly short?: string;
}

interface CommandSpec {
  /** The command's lines in the usage text. */
  readonly usage: string;
  readonly options: readonly OptionSpec[];
}

const CONFIG: OptionSpec = { name: '--config', value: 'FILE' };
const JSON_OUT: OptionSpec = { name: '--json' };
const MAX_MEMORY: OptionSpec = { name: '--max-guest-memory', value: 'SIZE' };

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  decode: {
    usage: `  smmu decode REG VALUE [--config FILE] [--json]   decode a register value field by field
  smmu decode cmd|event|pri|ste|cd|l1std|l1cd DWORD... [--config FILE] [--json]
                                                   decode a command, event record, STE, CD... from
                                                   64-bit words as logs print them (first one first)`,
    options: [CONFIG, JSON_OUT],
  },
  check: {
    usage: `  smmu check FILE... [--config FILE] [--json]     check .smmu scripts, .smmuq queue descriptors,
                                                   traces and *.smmu.json configurations; exit 1 on errors`,
    options: [CONFIG, JSON_OUT],
  },
  run: {
    usage: `  smmu run SCRIPT [--config FILE] [--json] [--trace] [--max-guest-memory SIZE]
                                                   run a script on the model; exit 1 on a failed expectation;
                                                   --trace prints every access, command and event decoded;
                                                   guest memory the model may write, MiB or 512K/64M/1G (256M)`,
    options: [CONFIG, JSON_OUT, { name: '--trace' }, MAX_MEMORY],
  },
  replay: {
    usage: `  smmu replay TRACE|- [--config FILE] [--json] [--max-diagnostics N] [--max-guest-memory SIZE]
                                                   replay an emulation's trace (.smmutrace or QEMU -trace smmuv3_* log,
                                                   .gz read directly, - for standard input) against the model, streamed
                                                   in bounded memory; the first N diagnostics of each rule are shown
                                                   (${DEFAULT_MAX_DIAGNOSTICS}), then counts per rule; exit 1 on a violation`,
    options: [CONFIG, JSON_OUT, { name: '--max-diagnostics', value: 'N' }, MAX_MEMORY],
  },
  qemu: {
    usage: `  smmu qemu SCRIPT [--config FILE] [--qemu BIN] [--machine OPTS] [--memory SIZE] [--keep DIR]
                 [--timeout S] [--json] [--max-guest-memory SIZE]
                                                   run the script as a guest program on QEMU's SMMUv3
                                                   (virt machine) and report where QEMU disagrees with
                                                   the architecture, at the script's lines; exit 1 on a
                                                   violation. --memory: guest RAM (1G); --timeout: 30 s`,
    options: [
      CONFIG,
      JSON_OUT,
      { name: '--qemu', value: 'BIN' },
      { name: '--machine', value: 'OPTS' },
      { name: '--memory', value: 'SIZE' },
      { name: '--keep', value: 'DIR' },
      { name: '--timeout', value: 'SECONDS' },
      MAX_MEMORY,
    ],
  },
  inspect: {
    usage: `  smmu inspect --gdb HOST:PORT|--qmp HOST:PORT [--base ADDR] [--config FILE] [--timeout S] [--json]
                                                   read a running QEMU's SMMU through its gdbstub (-gdb/-s)
                                                   or its monitor (-qmp, the guest runs on):
                                                   registers, queues, Stream table, CDs and page tables,
                                                   decoded and checked; exit 1 on an error found
                                                   (docs/inspect.md). --base: 0x09050000 (virt); --timeout: 10 s`,
    options: [
      CONFIG,
      JSON_OUT,
      { name: '--gdb', value: 'HOST:PORT' },
      { name: '--qmp', value: 'HOST:PORT' },
      { name: '--base', value: 'ADDR' },
      { name: '--timeout', value: 'SECONDS' },
    ],
  },
  export: {
    usage: `  smmu export c SCRIPT [-o FILE] [--config FILE]   the script as one self-contained C file that performs
                                                   its accesses inside any guest (docs/guest-kit.md)
  smmu export svd [--config FILE] [--base ADDR] [-o FILE]
                                                   the configuration's register map as CMSIS-SVD for
                                                   peripheral views; page 0 at ADDR (0x09050000,
                                                   QEMU virt), page 1 at ADDR + 0x10000 (docs/svd.md)`,
    options: [CONFIG, { name: '--output', value: 'FILE', short: '-o' }, { name: '--base', value: 'ADDR' }],
  },
  lsp: {
    usage: `  smmu lsp --stdio                                 start the language server on stdin/stdout`,
    // Language clients may pass the editor's process id, as they do to any Node language server.
    options: [{ name: '--stdio' }, { name: '--clientProcessId', value: 'PID' }],
  },
  dap: {
    usage: `  smmu dap                                         start the debug adapter (DAP) on stdin/stdout`,
    options: [],
  },
};

const USAGE = `usage:\n${Object.values(COMMANDS)
  .map((c) => c.usage)
  .join('\n')}\n  smmu --help | --version | COMMAND --help`;

/** `--max-guest-memory`: MiB, or a number with K, M or G (1 KiB up to 64 GiB); undefined if not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { '': 2 ** 20, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[
    (m[2] as string).toUpperCase() as '' | 'K' | 'M' | 'G'
  ];
  const bytes = Number(m[1]) * unit;
  return bytes >= 4096 && bytes <= 64 * 2 ** 30 ? bytes : undefined;
}

/** The options of `cmd` from its row of COMMANDS; a string says what is wrong. */
function parseArgs(cmd: string, spec: CommandSpec, args: readonly string[]): Options | 'help' | string {
  const o: Options = { json: false, trace: false, stdio: false, positional: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--help' || a === '-h') return 'help';
    const short = spec.options.find((x) => x.short === a);
    if (!a.startsWith('--') && !short) {
      // A lone `-x` is a mistyped option; `-1` or `-` are operands (and rejected by the command if wrong).
      if (/^-[A-Za-z]/.test(a)) return `unknown option ${a}`;
      o.positional.push(a);
      continue;
    }
    const eq = short ? -1 : a.indexOf('=');
    const name = short ? short.name : eq < 0 ? a : a.slice(0, eq);
    const opt = spec.options.find((x) => x.name === name);
    if (!opt) {
      const owners = Object.entries(COMMANDS)
        .filter(([, c]) => c.options.some((x) => x.name === name))
        .map(([n]) => `smmu ${n}`);
      return owners.length
        ? `${name} is not an option of smmu ${cmd} (it is one of ${owners.join(', ')})`
        : `unknown option ${name}`;
    }
    let value: string | undefined;
    if (opt.value) {
      value = eq < 0 ? args[++i] : a.slice(eq + 1);
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('--')))
        return `${name} needs a ${opt.value}`;
    } else if (eq >= 0) return `${name} takes no value`;
    if (name === '--json') o.json = true;
    else if (name === '--trace') o.trace = true;
    else if (name === '--stdio') o.stdio = true;
    else if (name === '--config') o.config = value;
    else if (name === '--max-guest-memory') {
      const bytes = parseSize(value as string);
      if (bytes === undefined)
        return `--max-guest-memory ${value}: give a size from 4K to 64G (MiB without a unit: 512, 64M, 1G)`;
      o.maxGuestMemory = bytes;
    } else if (name === '--max-diagnostics') {
      const n = Number(value);
      if (!/^\d+$/.test(value as string) || !Number.isSafeInteger(n))
        return `--max-diagnostics ${value}: give the number of diagnostics to show per rule (0 or more)`;
      o.maxDiagnostics = n;
    } else if (name === '--qemu') o.qemu = value;
    else if (name === '--machine') o.machine = value;
    else if (name === '--keep') o.keep = value;
    else if (name === '--output') o.output = value;
    else if (name === '--gdb') o.gdb = value;
    else if (name === '--qmp') o.qmp = value;
    // Each command parses it: export svd (parseSmmuBase) and inspect (inspect.ts) say what they need.
    else if (name === '--base') o.base = value;
    else if (name === '--memory') {
      const bytes = parseSize(value as string);
      if (bytes === undefined || bytes < 2 ** 24)
        return `--memory ${value}: give the guest RAM as 16M to 64G (MiB without a unit: 512, 1G)`;
      o.memory = { bytes, text: value as string };
    } else if (name === '--timeout') {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
        return `--timeout ${value}: give seconds, more than 0 and at most 3600`;
      o.timeoutSeconds = seconds;
    }
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
  const spec = COMMANDS[cmd];
  if (!spec) {
    process.stderr.write(`smmu: unknown command '${cmd}'\n${USAGE}\n`);
    return 2;
  }
  const opts = parseArgs(cmd, spec, rest);
  if (opts === 'help') {
    process.stdout.write(`usage:\n${spec.usage}\n`);
    return 0;
  }
  if (typeof opts === 'string') {
    process.stderr.write(`smmu ${cmd}: ${opts}\nusage:\n${spec.usage}\n`);
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
    case 'qemu':
      return runQemuCommand(opts);
    case 'export':
      return runExport(opts);
    case 'inspect':
      return runInspect(opts);
    case 'lsp':
      if (!opts.stdio || opts.positional.length) {
        process.stderr.write(`smmu lsp: only --stdio is supported\nusage:\n${spec.usage}\n`);
        return 2;
      }
      serving = true;
      // Loaded here, not with the CLI: the language server's modules (and vscode-languageserver's)
      // took a fifth of the start of every other command (docs/performance.md).
      // Here when the entry (entry.ts) could not hand it to the server's process.
      (await import('./lsp-in-process.js')).serveInProcess();
      return -1; // keeps running
    default:
      if (opts.positional.length) {
        process.stderr.write(
          `smmu dap: takes no operands (the program comes in the launch request)\nusage:\n${spec.usage}\n`,
        );
        return 2;
      }
      serving = true;
      (await import('../dap/stdio.js')).startStdioAdapter();
      return -1; // keeps running
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
