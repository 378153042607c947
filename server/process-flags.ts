/**
 * What the language server's Node process is started with. The VS Code client (client/lsp-client.ts)
 * and `npm run bench` (test/bench/lsp.bench.ts) both take them from here, so the bench measures
 * the process an editor runs; docs/editors.md gives the same flags to other editors.
 */
import * as os from 'os';

/**
 * The server's heap ceiling, MiB: below what would take the machine down, and known to the server,
 * which checks syntax only, and says so, above 70 % of it (server/lsp/workspace.ts HEAP_HIGH_WATER).
 */
export const SERVER_HEAP_MIB = 1536;

/**
 * Where V8's old generation starts its first full garbage collection, MiB. Left to itself, V8
 * starts that limit small, and ran a full collection (incremental marking, then mark-compact) in
 * the middle of the first check of a 10,000-line script: its marking steps and write barrier
 * slowed every statement meanwhile. At 32 MiB it still came at that check's end; at 64 the check
 * runs with scavenges only (docs/performance.md, "The first open after the server starts"). A
 * threshold, not a reservation: memory is taken as it is used, and after the first full
 * collection V8 sizes the limit from what survived, as before.
 */
export const SERVER_INITIAL_OLD_MIB = 64;

/** Node's own default for V8's worker threads (`--v8-pool-size`). */
const NODE_DEFAULT_POOL = 4;

/**
 * V8's worker threads for a machine of `cpus` processors: one processor is left to the main
 * thread, which answers the editor. V8 runs its optimising compiler and parts of the garbage
 * collector on these threads; with Node's default of four on two processors, the first check
 * after the server starts waited 55–170 ms for a processor while they compiled, its wall time
 * about 1.4 times its CPU time (docs/performance.md, "The first open after the server starts").
 * Electron's Node (desktop VS Code) creates V8's platform with its own thread count and does not
 * read this option; Node does (VS Code Server, code-server, other editors).
 */
export function v8PoolSize(cpus: number): number {
  return Math.max(1, Math.min(NODE_DEFAULT_POOL, Math.floor(cpus) - 1));
}

/** Processors this process may use. */
export function availableCpus(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Node options for the language server's process. */
export function serverExecArgv(cpus: number = availableCpus()): string[] {
  return [
    `--max-old-space-size=${SERVER_HEAP_MIB}`,
    `--initial-old-space-size=${SERVER_INITIAL_OLD_MIB}`,
    `--v8-pool-size=${v8PoolSize(cpus)}`,
  ];
}

/** The `--v8-pool-size` this process was started with, or undefined (Node's default, 4). */
export function startedPoolSize(execArgv: readonly string[] = process.execArgv): number | undefined {
  return startedNumber('--v8-pool-size', execArgv);
}

/** The `--initial-old-space-size` (MiB) this process was started with, or undefined (V8's own start). */
export function startedInitialOldMib(execArgv: readonly string[] = process.execArgv): number | undefined {
  return startedNumber('--initial-old-space-size', execArgv);
}

/** The value of the last `NAME=N` among the options (`_` or `-` in the name, as Node takes them). */
function startedNumber(name: string, execArgv: readonly string[]): number | undefined {
  for (let i = execArgv.length - 1; i >= 0; i--) {
    const arg = execArgv[i] as string;
    if (optionName(arg) !== name) continue;
    const m = /=(\d+)$/.exec(arg);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** An option's name as Node matches it: before any `=`, with `_` as `-` (`--max_old_space_size`). */
function optionName(arg: string): string {
  const eq = arg.indexOf('=');
  return (eq < 0 ? arg : arg.slice(0, eq)).replace(/_/g, '-');
}

/**
 * Node options for the server's process that `smmu lsp --stdio` starts (server/cli/lsp-stdio.ts),
 * so that other editors get the process VS Code runs: the command's own Node options, then
 * serverExecArgv's without those the user gave already, on the command line or in NODE_OPTIONS
 * (which the server's process inherits): what the user gave wins.
 */
export function serverChildExecArgv(
  execArgv: readonly string[],
  nodeOptions = '',
  cpus: number = availableCpus(),
): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)].map(optionName));
  return [...execArgv, ...serverExecArgv(cpus).filter((f) => !given.has(optionName(f)))];
}
