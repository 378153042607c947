/**
 * A QEMU 7.2 virt machine with its gdbstub on a free loopback port, running a script built into a
 * guest program that stays alive after its report (core/guest/program.ts `stayAlive`): what
 * `smmu inspect` reads in the tests. The trace (`-trace smmuv3_*`) and the UART are files; QEMU
 * runs in its own process group, killed by `stop()` or at the time limit.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPORT_END } from '../../core/guest/ops';
import { parseQemuTrace } from '../../core/trace/parse-qemu';
import type { AccessRecord } from '../../core/trace/types';
import { fileHost } from '../../server/file-host';
import { buildScriptProgram, DEFAULT_QEMU_MEMORY } from '../../server/qemu/check-on-qemu';
import { qemuArgs } from '../../server/qemu/process';
import { root } from './root';

export interface LiveGuest {
  readonly port: number;
  /** QEMU's trace as written so far. */
  trace(): string;
  uart(): string;
  stop(): void;
}

/** A port nobody listens on now (the kernel's choice for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function bootLiveGuest(script: string, timeoutMs = 30_000): Promise<LiveGuest> {
  const scriptPath = path.resolve(root, script);
  const built = buildScriptProgram({ scriptPath, text: fs.readFileSync(scriptPath, 'utf8'), host: fileHost }, true);
  if (built.kind !== 'built') assert.fail(`${script} does not build: ${built.why}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-live-'));
  const elf = path.join(dir, 'program.elf');
  const uart = path.join(dir, 'uart.txt');
  const trace = path.join(dir, 'qemu-trace.log');
  fs.writeFileSync(elf, built.elf);
  fs.writeFileSync(uart, '');
  const port = await freePort();
  const args = [
    ...qemuArgs({ binary: 'qemu-system-aarch64', memoryBytes: DEFAULT_QEMU_MEMORY }, elf, uart, trace),
    '-gdb',
    `tcp:127.0.0.1:${port}`,
  ];
  return startQemu({ args, dir, uart, trace, port, ready: REPORT_END, timeoutMs, what: script });
}

/**
 * Start QEMU (`args` name `uart` and `trace` as its serial file and trace log and listen on `port`)
 * and wait until the UART shows `ready`; the guest keeps running. `dir` is removed by `stop()`.
 */
export async function startQemu(o: {
  args: string[];
  dir: string;
  uart: string;
  trace: string;
  port: number;
  ready: string;
  /** Printed instead of `ready` when the guest failed: no need to wait for the time limit. */
  failure?: string;
  timeoutMs: number;
  what: string;
}): Promise<LiveGuest> {
  const child = spawn('qemu-system-aarch64', o.args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = () => {
    try {
      if (!exited && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    fs.rmSync(o.dir, { recursive: true, force: true });
  };
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'latin1') : '');
  const deadline = Date.now() + o.timeoutMs;
  while (!read(o.uart).includes(o.ready)) {
    const failed = o.failure !== undefined && read(o.uart).includes(o.failure);
    if (exited || failed || Date.now() > deadline) {
      const why: string = exited
        ? `QEMU exited: ${stderr}`
        : failed
          ? `the guest printed "${o.failure}"`
          : `the guest did not print "${o.ready}" in time`;
      const uart = read(o.uart).slice(-2000);
      stop();
      assert.fail(`${o.what}: ${why}\n${uart}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port: o.port, trace: () => read(o.trace), uart: () => read(o.uart), stop };
}

/** The guest's last access of each register offset in QEMU's trace (page 1 folded onto page 0 by QEMU). */
export function lastAccesses(trace: string): Map<number, AccessRecord> {
  const last = new Map<number, AccessRecord>();
  for (const r of parseQemuTrace(trace).records) if (r.kind === 'access') last.set(r.offset, r);
  return last;
}
