/**
 * `npm run bench`: stepping through a trace in the debugger (core/debug/trace-program.ts), a
 * benchmark, not a test: nothing here asserts. A conforming single-vCPU `.smmutrace` (the trace
 * replay benchmark's CR0/CR0ACK handshakes and read-backs, plus one divergent read near the end):
 * launch (parse + whole replay + machine), continue to the divergence (records/s, history kept for
 * step back), then one step back and a reverse continue to the start.
 *
 * Then the same on a 10,000,000-record trace, windowed (core/debug/trace-window.ts: the streamed
 * replay, indexing in the same pass, at launch; records read back from the file as stepped, the history bounded),
 * in a child process of its own so that its peak RSS is the debugger's alone (the file is written
 * to the temporary folder a piece at a time, and removed). `--no-10m` skips it;
 * `--windowed-records=N` changes its size. The launch is timed twice: until the trace can be
 * debugged (its first records judged, Loading.ready: the first stop needs no more) and until
 * the whole replay has ended. On the same file, what a user waits for: the debug adapter (`node
 * dist/cli.js dap`, driven as VS Code drives it, with progress reporting) launched with
 * `stopOnEntry`, the time to its first progress event, its first progress update, its first
 * stop and the end of its replay (progressEnd, the replay going on while it is stopped), and
 * its peak RSS (`--no-dap-launch` skips it).
 *
 * `--json` prints the figures as JSON.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugRuntime, isLoading, type LaunchResult } from '../../core/debug/runtime';
import { LAUNCH_SLICE } from '../../server/dap/session';
import { TraceMachine } from '../../core/debug/trace-program';
import { WindowedTrace } from '../../core/debug/trace-window';
import { fileHost } from '../../server/file-host';
import { spawnSync } from 'child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { handshakeLines } from './trace-gen';
import { root } from '../harness/root';

const json = process.argv.includes('--json');
const child = process.argv.find((a) => a.startsWith('--child='))?.slice(8);
if (child) windowedChild(child);
const N = Number(process.argv.find((a) => a.startsWith('--records='))?.slice(10) ?? '100000');

function lineTrace(n: number): string {
  const lines = handshakeLines(n);
  // The divergence: CR0ACK acknowledges PRIQEN, never written (and IDR0 advertises no PRI).
  lines.push('W 0x20 4 0x0', 'R 0x24 4 0x2');
  return lines.join('\n') + '\n';
}

const host = fileHost;
if (!child) void main();

async function main(): Promise<void> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-bench-')), 'bench.smmutrace');
  fs.writeFileSync(file, lineTrace(N));
  const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

  let t = process.hrtime.bigint();
  const rt = DebugRuntime.launch(file, host).runtime;
  if (!rt) throw new Error('launch failed');
  const launchMs = ms(t);
  const records = rt.machine.statementCount;
  t = process.hrtime.bigint();
  const stop = rt.continue();
  const continueMs = ms(t);
  t = process.hrtime.bigint();
  rt.stepBack();
  const stepBackMs = ms(t);
  t = process.hrtime.bigint();
  rt.reverseContinue();
  const reverseMs = ms(t);
  const heapMB = process.memoryUsage().heapUsed / 2 ** 20;
  const figures = {
    records,
    stoppedAt: stop?.description?.slice(0, 60),
    launchMs,
    continueRecordsPerSecond: records / (continueMs / 1000),
    stepBackMs,
    reverseContinueToStartMs: reverseMs,
    heapMB,
  };
  const windowed = process.argv.includes('--no-10m') ? undefined : await windowedRun();
  // The machine's load beside the figures (they are not comparable across loads).
  const load = os.loadavg().map((l) => l.toFixed(2));
  if (json) process.stdout.write(JSON.stringify({ node: process.version, load, figures, windowed }, null, 2) + '\n');
  else
    process.stdout.write(
      [
        `load average ${load.join(', ')} (at the end)`,
        `.smmutrace, ${(records / 1000).toFixed(0)}k records: launch (parse + replay) ${launchMs.toFixed(0)} ms`,
        `continue to the divergence at the end            ${(figures.continueRecordsPerSecond / 1e3).toFixed(0)} k records/s (${continueMs.toFixed(0)} ms)`,
        `step back ${stepBackMs.toFixed(1)} ms; reverse continue to the start ${reverseMs.toFixed(0)} ms; heap ${heapMB.toFixed(0)} MB`,
        ...(windowed
          ? [
              `windowed, ${(windowed.records / 1e6).toFixed(1)} M records (${windowed.windows} windows): debuggable (first records judged) after ${windowed.readyMs.toFixed(0)} ms; whole replay (streamed, indexed in the same pass) ${(windowed.launchMs / 1000).toFixed(1)} s, peak RSS ${windowed.launchPeakRssMiB} MiB`,
              `continue to the divergence at the end            ${(windowed.continueRecordsPerSecond / 1e3).toFixed(0)} k records/s (${(windowed.continueMs / 1000).toFixed(1)} s); steps kept ${windowed.stepsKept}, ${windowed.snapshots} snapshots`,
              `step back ${windowed.stepBackMs.toFixed(1)} ms; reverse continue to the oldest step kept ${(windowed.reverseContinueMs / 1000).toFixed(1)} s; heap ${windowed.heapMB.toFixed(0)} MB; peak RSS ${windowed.peakRssMiB} MiB`,
              ...(windowed.dap
                ? [
                    `debug adapter, stopOnEntry: first progress event ${windowed.dap.firstProgressMs.toFixed(0)} ms, first update ${windowed.dap.firstUpdateMs.toFixed(0)} ms, first stop ${(windowed.dap.firstStopMs / 1000).toFixed(2)} s; whole replay (while stopped) ${(windowed.dap.replayEndMs / 1000).toFixed(1)} s (${windowed.dap.updates} updates), adapter peak RSS ${windowed.dap.peakRssMiB ?? '?'} MiB`,
                  ]
                : []),
            ]
          : []),
        '',
      ].join('\n'),
    );
}

/** Write the windowed trace (a piece at a time) and debug it in a child process. */
async function windowedRun(): Promise<WindowedFigures & { readonly dap?: DapLaunchFigures }> {
  const n = Number(process.argv.find((a) => a.startsWith('--windowed-records='))?.slice(19) ?? '10000000');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-bench-window-'));
  const big = path.join(dir, 'windowed.smmutrace');
  const fd = fs.openSync(big, 'w');
  try {
    const block = handshakeLines(100_000);
    const probe = block.slice(0, 6);
    const body = block.slice(6, 6 + 99_992);
    const chunk = body.join('\n') + '\n';
    fs.writeSync(fd, probe.join('\n') + '\n');
    let written = probe.length;
    while (written + body.length <= n) {
      fs.writeSync(fd, chunk);
      written += body.length;
    }
    if (written < n) fs.writeSync(fd, body.slice(0, n - written).join('\n') + '\n');
    fs.writeSync(fd, 'W 0x20 4 0x0\nR 0x24 4 0x2\n');
  } finally {
    fs.closeSync(fd);
  }
  try {
    const r = spawnSync(process.execPath, [__filename, `--child=${big}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`the windowed run failed (${r.status})`);
    const figures = JSON.parse(r.stdout) as WindowedFigures;
    return process.argv.includes('--no-dap-launch') ? figures : { ...figures, dap: await dapLaunch(big) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface DapLaunchFigures {
  /** From the launch request to the first progress event, its first update, the first stop and the replay's end. */
  readonly firstProgressMs: number;
  readonly firstUpdateMs: number;
  readonly firstStopMs: number;
  readonly replayEndMs: number;
  readonly updates: number;
  /** The adapter's peak RSS at the replay's end (VmHWM; undefined where /proc is not). */
  readonly peakRssMiB: number | undefined;
}

/** A process's peak RSS in MiB, from /proc (Linux). */
function peakRssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** The debug adapter launched on `file` with stopOnEntry, as VS Code launches it (progress shown). */
async function dapLaunch(file: string): Promise<DapLaunchFigures> {
  const cli = path.join(root, 'dist', 'cli.js');
  const dc = new DebugClient(
    process.execPath,
    `--eval=process.argv.push('-', 'dap'); require(${JSON.stringify(cli)})`,
    'smmu',
  );
  await dc.start();
  try {
    await dc.initializeRequest({ adapterID: 'smmu', pathFormat: 'path', supportsProgressReporting: true });
    dc.once('initialized', () => void dc.configurationDoneRequest());
    let updates = 0;
    dc.on('progressUpdate', () => updates++);
    const t = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t) / 1e6;
    const at = (event: string) => dc.waitForEvent(event, 3_600_000).then(ms);
    const [firstProgressMs, firstUpdateMs, firstStopMs, replayEndMs] = await Promise.all([
      at('progressStart'),
      at('progressUpdate'),
      at('stopped'),
      at('progressEnd'),
      dc.launchRequest({ program: file, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments),
    ]);
    // The adapter's process (DebugClient keeps it to itself).
    const adapter = (dc as unknown as { _adapterProcess?: { pid?: number } })._adapterProcess;
    return { firstProgressMs, firstUpdateMs, firstStopMs, replayEndMs, updates, peakRssMiB: peakRssOf(adapter?.pid) };
  } finally {
    await dc.stop();
  }
}

interface WindowedFigures {
  readonly records: number;
  readonly windows: number;
  /** Until the trace can be debugged (its first records judged): what the first stop waits for. */
  readonly readyMs: number;
  /** Until the whole replay has ended. */
  readonly launchMs: number;
  readonly launchPeakRssMiB: number;
  readonly continueMs: number;
  readonly continueRecordsPerSecond: number;
  readonly stepsKept: number;
  readonly snapshots: number;
  readonly stepBackMs: number;
  readonly reverseContinueMs: number;
  readonly heapMB: number;
  readonly peakRssMiB: number;
}

/**
 * Launch as the debug adapter does: a slice at a time, debuggable once the first records are
 * judged (`readyMs`, from `elapsed`). The launch (its streamed replay's state) is dropped when it
 * returns, as the adapter drops it at the replay's end.
 */
function launchInSlices(file: string, elapsed: () => number): { rt?: DebugRuntime; readyMs?: number } {
  const begun = DebugRuntime.begin(file, fileHost);
  if (!isLoading(begun)) throw new Error('the windowed launch did not run a slice at a time');
  let readyMs: number | undefined;
  let done: LaunchResult | undefined;
  while (!(done = begun.step(LAUNCH_SLICE))) if (readyMs === undefined && begun.ready()) readyMs = elapsed();
  return { ...(done.runtime ? { rt: done.runtime } : {}), ...(readyMs !== undefined ? { readyMs } : {}) };
}

/** The child: launch the windowed trace, continue to its end, step back, reverse continue; figures as JSON. */
function windowedChild(file: string): void {
  const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
  const peak = () => Math.round(process.resourceUsage().maxRSS / 1024);
  let t = process.hrtime.bigint();
  const { rt, readyMs } = launchInSlices(file, () => ms(t));
  if (!rt || !(rt.machine instanceof TraceMachine) || !(rt.machine.data instanceof WindowedTrace))
    throw new Error('the windowed launch failed');
  const launchMs = ms(t);
  const launchPeakRssMiB = peak();
  const records = rt.machine.statementCount;
  t = process.hrtime.bigint();
  rt.continue();
  const continueMs = ms(t);
  t = process.hrtime.bigint();
  rt.stepBack();
  const stepBackMs = ms(t);
  t = process.hrtime.bigint();
  rt.reverseContinue();
  const reverseContinueMs = ms(t);
  const figures: WindowedFigures = {
    records,
    windows: Math.ceil(records / rt.machine.data.window),
    readyMs: readyMs ?? launchMs,
    launchMs,
    launchPeakRssMiB,
    continueMs,
    continueRecordsPerSecond: records / (continueMs / 1000),
    stepsKept: rt.history.position,
    snapshots: rt.history.snapshotCount,
    stepBackMs,
    reverseContinueMs,
    heapMB: process.memoryUsage().heapUsed / 2 ** 20,
    peakRssMiB: peak(),
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
}
