/**
 * Test-only helpers to run the guest program on a real QEMU (the product's runner lives in
 * server/): spawn qemu-system-aarch64 in its own process group with a time limit, collect what
 * the guest printed on the UART, and kill the whole group when done. A missing tool fails the
 * test with how to install it; nothing is skipped.
 *
 * The UART goes to a file (`-serial file:`), not a pipe: QEMU's PL011 writes each byte with its
 * own system call, and through a pipe every byte woke this process (10,000 reads took 3.5 s
 * instead of 1 s here).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const QEMU = 'qemu-system-aarch64';
export const OBJDUMP = 'aarch64-linux-gnu-objdump';
export const READELF = 'aarch64-linux-gnu-readelf';

/** Fail (never skip) when a tool the test needs is not installed. */
export function requireTool(bin: string): void {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    assert.fail(`${bin} is not installed (${r.error?.message ?? `exit ${r.status}`}): run scripts/setup-qemu.sh`);
}

/** The virt machine the runner will use (../shared/reference/qemu-guest.md). */
export const VIRT_ARGS = [
  '-M',
  'virt,iommu=smmuv3,highmem=off',
  '-cpu',
  'cortex-a57',
  '-m',
  '1G',
  '-display',
  'none',
  '-monitor',
  'none',
  '-net',
  'none',
];
export const SEMIHOSTING_ARGS = ['-semihosting-config', 'enable=on,target=native'];

export interface QemuRun {
  /** QEMU's exit status (the guest's semihosting SYS_EXIT status), null when killed. */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Everything the guest printed on the UART. */
  readonly uart: string;
  readonly stderr: string;
  /** Killed at the time limit. */
  readonly timedOut: boolean;
  /** Killed because `until` said the output was enough. */
  readonly stopped: boolean;
  /** From spawn to exit, milliseconds. */
  readonly ms: number;
}

export interface QemuOptions {
  readonly timeoutMs?: number;
  /** Arm semihosting on (the program exits through SYS_EXIT); default true. */
  readonly semihosting?: boolean;
  /** Kill QEMU as soon as this holds for the UART text (checked every 20 ms). */
  readonly until?: (uart: string) => boolean;
}

/** A fresh directory for a test's files. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-guest-'));
}

/** Boot `elf` (bytes) with `-kernel` and collect the UART. */
export async function runQemu(elf: Uint8Array, options: QemuOptions = {}): Promise<QemuRun> {
  requireTool(QEMU);
  const dir = tempDir();
  const file = path.join(dir, 'guest.elf');
  const serial = path.join(dir, 'uart.txt');
  fs.writeFileSync(file, elf);
  fs.writeFileSync(serial, '');
  const args = [
    ...VIRT_ARGS,
    '-serial',
    `file:${serial}`,
    ...(options.semihosting === false ? [] : SEMIHOSTING_ARGS),
    '-kernel',
    file,
  ];
  const start = Date.now();
  const child = spawn(QEMU, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const readUart = () => fs.readFileSync(serial, 'latin1');
  let stderr = '';
  let timedOut = false;
  let stopped = false;
  let exited = false;
  // The group is QEMU's own (detached: it leads a new group); never signal it once QEMU is gone.
  const killGroup = () => {
    try {
      if (!exited && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs ?? 30_000);
  const watch = options.until
    ? setInterval(() => {
        if (!stopped && options.until?.(readUart())) {
          stopped = true;
          killGroup();
        }
      }, 20)
    : undefined;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  child.stdout.resume();
  try {
    const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => (exited = true));
      child.on('close', (code, sig) => resolve([code, sig]));
    });
    const ms = Date.now() - start;
    return { status, signal, uart: readUart(), stderr, timedOut, stopped, ms };
  } finally {
    clearTimeout(timer);
    clearInterval(watch);
    killGroup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
