/**
 * One run of a script on QEMU, end to end, for the command line (`smmu qemu`) and the editor
 * ("Run on QEMU"): check the script, compile it to a guest program (core/qemu/compile.ts), build
 * the ELF (core/guest/program.ts), boot it (process.ts), and judge the report against the model
 * (core/qemu/judge.ts). Every way this can fail comes back as a message or as diagnostics at the
 * script's lines; nothing throws to the caller.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ScriptDiagnostic } from '../../core/base/diagnostics';
import { buildGuestProgram, GuestProgramError } from '../../core/guest/program';
import { VIRT_SMMU_BASE, VIRT_UART_BASE } from '../../core/guest/ops';
import { compileScript, type CompiledScript } from '../../core/qemu/compile';
import { eduDeviceArg } from '../../core/qemu/edu';
import { QemuDmaTrace } from '../../core/qemu/dma-judge';
import { judgeReport, keptTrace, type Judgement } from '../../core/qemu/judge';
import { LiveJudge, type LiveSink } from '../../core/qemu/live-judge';
import { addressesOutsideRam, placeProgram, ramText, virtRam, zeroOnlyRam } from '../../core/qemu/layout';
import { checkScript, type ScriptHost } from '../../core/script/check';
import type { DefaultConfig } from '../../core/config/default';
import type { GuestOp } from '../../core/guest/ops';
import { runQemu, shellLine, tempRunDir, type QemuRun } from './process';

export interface QemuCheckOptions {
  readonly scriptPath: string;
  readonly text: string;
  readonly host: ScriptHost;
  readonly configPath?: string;
  /** The configuration of a script without a `config` line (the editor's `smmu.configuration`). */
  readonly defaultConfig?: DefaultConfig;
  readonly qemu?: string;
  readonly machineOptions?: string;
  /** Guest RAM, bytes (default 1 GiB) and as the user wrote it, for messages. */
  readonly memoryBytes?: number;
  readonly memoryText?: string;
  readonly timeoutMs?: number;
  /** Keep the program, QEMU's command line, its trace and the report here. */
  readonly keepDir?: string;
  readonly maxGuestMemory?: number;
  readonly signal?: AbortSignal;
  readonly progress?: (what: string) => void;
  /**
   * Findings as the guest reports them, while QEMU runs (core/qemu/live-judge.ts): a subset of the
   * judgement's diagnostics, each handed on once; the rest are known when QEMU has exited.
   */
  readonly live?: LiveSink;
}

/** How long each step took, ms (`npm run bench` reports them). */
export interface QemuTimings {
  readonly compile: number;
  readonly build: number;
  readonly qemu: number;
  readonly judge: number;
}

export type QemuCheckResult =
  /** The script has errors of its own (syntax, names, configuration, addresses): nothing ran. */
  | { readonly kind: 'not-run'; readonly diagnostics: readonly ScriptDiagnostic[]; readonly why: string }
  /** QEMU could not be used (missing, refused its options, crashed before the guest started). */
  | { readonly kind: 'failed'; readonly message: string; readonly diagnostics: readonly ScriptDiagnostic[] }
  | { readonly kind: 'cancelled' }
  | {
      readonly kind: 'judged';
      readonly judgement: Judgement;
      readonly run: QemuRun;
      readonly configName: string;
      readonly timings: QemuTimings;
      readonly ops: number;
      /** The program's operations in order (OpOutcome.index is an index here): what each outcome was, for the editor's hover. */
      readonly guestOps: readonly GuestOp[];
      readonly kept?: string;
    };

export const DEFAULT_QEMU_MEMORY = 2 ** 30;
/** The emulator when none is named (`--qemu`, setting smmu.qemu.path): looked up on PATH. */
export const DEFAULT_QEMU_BINARY = 'qemu-system-aarch64';
export const DEFAULT_QEMU_TIMEOUT_MS = 30_000;
/** Added to the default time limit per DMA that runs: edu starts each transfer 100 ms after the start bit. */
export const QEMU_TIMEOUT_PER_DMA_MS = 500;

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** How the script's configuration is named in the output: its name, and its file when it has one. */
function configSourceOf(check: ReturnType<typeof checkScript>): string {
  return check.configPath
    ? `${check.config.name} (${path.relative(process.cwd(), check.configPath) || check.configPath})`
    : check.config.name;
}

/** A script built into the guest program for QEMU's virt machine, or why it cannot run. */
export type ScriptProgram =
  | Extract<QemuCheckResult, { kind: 'not-run' }>
  | {
      readonly kind: 'built';
      readonly elf: Uint8Array;
      readonly check: ReturnType<typeof checkScript>;
      readonly compiled: CompiledScript;
      readonly warning?: ScriptDiagnostic;
      /** When compiling ended (ms since the epoch), for the timings. */
      readonly compiledAt: number;
    };

/**
 * Check the script, compile it to operations and build the ELF placed in the guest RAM
 * (`stayAlive`: the program parks instead of exiting, for `smmu inspect` to read the machine).
 */
export function buildScriptProgram(o: QemuCheckOptions, stayAlive = false): ScriptProgram {
  const memoryBytes = o.memoryBytes ?? DEFAULT_QEMU_MEMORY;
  const memoryText = o.memoryText ?? `${memoryBytes / 2 ** 20}M`;
  const check = checkScript(o.text, o.scriptPath, o.host, 'syntax', {
    ...(o.configPath ? { configPath: o.configPath } : {}),
    ...(o.defaultConfig ? { defaultConfig: o.defaultConfig } : {}),
    ...(o.maxGuestMemory !== undefined ? { maxGuestMemory: o.maxGuestMemory } : {}),
  });
  const errors = check.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length)
    return {
      kind: 'not-run',
      diagnostics: errors,
      why: `the script has ${errors.length === 1 ? 'an error' : `${errors.length} errors`} of its own; fix ${errors.length === 1 ? 'it' : 'them'} first (\`smmu check\`)`,
    };
  o.progress?.('compiling the script to a guest program');
  const ram = virtRam(memoryBytes);
  const all: CompiledScript = compileScript(check, {
    ram,
    dmaDevices: true,
    ...(o.maxGuestMemory !== undefined ? { maxGuestMemory: o.maxGuestMemory } : {}),
  });
  if (all.stoppedAt !== undefined) {
    return {
      kind: 'not-run',
      diagnostics: [
        {
          severity: 'error',
          code: 'run.memory-limit',
          message:
            'the model stopped here: the script needs more guest memory than the model may hold (--max-guest-memory)',
          range: { start: { line: all.stoppedAt, character: 0 }, end: { line: all.stoppedAt, character: 0 } },
        },
      ],
      why: 'the model could not run the whole script',
    };
  }
  const { compiled, warning } = zeroOnlyRam(all, ram, memoryText);
  const outside = addressesOutsideRam(compiled, ram, memoryText, compiled.windows);
  if (outside.length)
    return {
      kind: 'not-run',
      diagnostics: outside,
      why: `the script uses memory outside the guest RAM, ${ramText(ram, memoryText)}`,
    };
  const compiledAt = Date.now();

  // Build once to learn the size, then place the program at the top of RAM clear of the model's pages.
  let elf: Uint8Array;
  try {
    // The probe is built far above any RAM: its absolute addresses need the longest MOVZ/MOVK
    // sequences, so its size bounds the real one.
    const probe = buildGuestProgram(compiled.ops, {
      loadAddress: 1n << 48n,
      smmuBase: VIRT_SMMU_BASE,
      uartBase: VIRT_UART_BASE,
    });
    const size = Math.ceil((probe.image.size + 0x1_0000) / 0x1_0000) * 0x1_0000;
    const at = placeProgram(compiled.pages, ram, size);
    if (at === undefined)
      return {
        kind: 'not-run',
        diagnostics: [],
        why: `the guest program (${size >> 10} KiB) does not fit in the guest RAM beside the script's memory, ${ramText(ram, memoryText)}: give a larger --memory`,
      };
    elf = buildGuestProgram(compiled.ops, {
      loadAddress: at,
      smmuBase: VIRT_SMMU_BASE,
      uartBase: VIRT_UART_BASE,
      stayAlive,
    }).elf;
  } catch (e) {
    if (e instanceof GuestProgramError) return { kind: 'not-run', diagnostics: [], why: e.message };
    throw e;
  }
  return { kind: 'built', elf, check, compiled, ...(warning ? { warning } : {}), compiledAt };
}

export async function checkOnQemu(o: QemuCheckOptions): Promise<QemuCheckResult> {
  const t0 = Date.now();
  const memoryBytes = o.memoryBytes ?? DEFAULT_QEMU_MEMORY;
  const built = buildScriptProgram(o);
  if (built.kind === 'not-run') return built;
  const { elf, check, compiled, warning } = built;
  const t1 = built.compiledAt;
  const t2 = Date.now();

  const dir = o.keepDir ?? tempRunDir();
  if (o.keepDir) fs.mkdirSync(o.keepDir, { recursive: true });
  o.progress?.('running the guest program on QEMU');
  const devices = compiled.devices.map(eduDeviceArg);
  const timeoutMs = o.timeoutMs ?? DEFAULT_QEMU_TIMEOUT_MS + QEMU_TIMEOUT_PER_DMA_MS * compiled.dmas.length;
  // QEMU's trace is read a line at a time into one summary per transfer, never kept whole.
  const dmaTrace = new QemuDmaTrace(compiled.dmas);
  // The guest's report is judged as the UART grows, when the caller shows findings as they come.
  const live = o.live
    ? new LiveJudge(
        compiled,
        {
          config: check.config,
          configSource: configSourceOf(check),
          ...(o.maxGuestMemory !== undefined ? { maxGuestMemory: o.maxGuestMemory } : {}),
        },
        o.live,
      )
    : undefined;
  const run = await runQemu(
    {
      binary: o.qemu ?? DEFAULT_QEMU_BINARY,
      ...(o.machineOptions ? { machineOptions: o.machineOptions } : {}),
      memoryBytes,
      ...(devices.length ? { devices } : {}),
    },
    elf,
    dir,
    timeoutMs,
    o.signal,
    { traceLine: (l) => dmaTrace.line(l), ...(live ? { uart: (piece: string) => live.push(piece) } : {}) },
  );
  live?.end();
  const t3 = Date.now();
  try {
    if (run.cancelled) return { kind: 'cancelled' };
    if (run.spawnError) return { kind: 'failed', message: run.spawnError, diagnostics: [] };
    const judgement = judgeReport(compiled, run.uart, {
      config: check.config,
      configSource: configSourceOf(check),
      ...(o.maxGuestMemory !== undefined ? { maxGuestMemory: o.maxGuestMemory } : {}),
      ...(run.traced ? { qemuTrace: dmaTrace } : {}),
    });
    // QEMU itself failing is said with its own words, on top of where the guest got to.
    const failure = run.timedOut
      ? `QEMU ran past the time limit (${timeoutMs / 1000} s) and was stopped`
      : run.exitCode !== 0 && !run.uart.includes('# fatal')
        ? `QEMU ${run.signal ? `was killed by ${run.signal}` : `exited with status ${run.exitCode}`}${run.stderrTail.trim() ? `; its last messages:\n${lastLines(run.stderrTail, 8)}` : ''}`
        : undefined;
    if (failure && judgement.opsReported === 0)
      return {
        kind: 'failed',
        message: failure,
        diagnostics: judgement.diagnostics.filter((d) => d.code === 'qemu.not-run'),
      };
    const diagnostics = failure
      ? judgement.diagnostics.map((d) =>
          d.code === 'qemu.stopped' ? { ...d, message: `${failure.split('\n')[0]}: ${d.message}` } : d,
        )
      : judgement.diagnostics;
    const judged = { ...judgement, diagnostics: warning ? [warning, ...diagnostics] : diagnostics };
    let kept: string | undefined;
    if (o.keepDir) {
      const configLine =
        check.configPath && !judgement.diagnostics.some((d) => d.code === 'qemu.ids')
          ? `config "${path.relative(o.keepDir, check.configPath) || check.configPath}"\n`
          : '';
      fs.writeFileSync(
        path.join(o.keepDir, 'qemu-command.sh'),
        `#!/bin/sh\n# The QEMU run of ${o.scriptPath} (smmu qemu); the guest's report is on the UART (stdout).\n${shellLine(run.argv)}\n`,
        { mode: 0o755 },
      );
      fs.writeFileSync(path.join(o.keepDir, 'report.smmutrace'), configLine + keptTrace(judgement, o.scriptPath));
      kept = o.keepDir;
    }
    return {
      kind: 'judged',
      judgement: judged,
      run,
      configName: judgement.configSource,
      timings: { compile: t1 - t0, build: t2 - t1, qemu: t3 - t2, judge: Date.now() - t3 },
      ops: compiled.ops.length,
      guestOps: compiled.ops,
      ...(kept ? { kept } : {}),
    };
  } finally {
    if (!o.keepDir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
