/**
 * A QEMU 7.2 virt machine with its gdbstub (and, when asked, its QMP monitor) on free loopback
 * ports, running a script built into a guest program that stays alive after its report
 * (core/guest/program.ts `stayAlive`): what `smmu inspect` reads in the tests. The trace
 * (`-trace smmuv3_*`) and the UART are files; QEMU runs in its own process group, killed by
 * `stop()` or at the time limit. `RawGdb` is a GDB remote protocol client of its own, as GDB
 * drives the stub (stop, continue, detach), written from the protocol, not from our client.
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
  /** QEMU's QMP socket (`-qmp tcp:127.0.0.1:PORT,server=on,wait=off`), when asked for. */
  readonly qmpPort?: number;
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

/** The guest's last access of each register offset in QEMU's trace (page 1 folded onto page 0 by QEMU). */
export function lastAccesses(trace: string): Map<number, AccessRecord> {
  const last = new Map<number, AccessRecord>();
  for (const r of parseQemuTrace(trace).records) if (r.kind === 'access') last.set(r.offset, r);
  return last;
}

export async function bootLiveGuest(
  script: string,
  timeoutMs = 30_000,
  o: { readonly qmp?: boolean } = {},
): Promise<LiveGuest> {
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
  const qmpPort = o.qmp ? await freePort() : undefined;
  const args = [
    ...qemuArgs({ binary: 'qemu-system-aarch64', memoryBytes: DEFAULT_QEMU_MEMORY }, elf, uart, trace),
    '-gdb',
    `tcp:127.0.0.1:${port}`,
    ...(qmpPort ? ['-qmp', `tcp:127.0.0.1:${qmpPort},server=on,wait=off`] : []),
  ];
  return startQemu({
    args,
    dir,
    uart,
    trace,
    port,
    ...(qmpPort ? { qmpPort } : {}),
    ready: REPORT_END,
    timeoutMs,
    what: script,
  });
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
  /** QEMU's QMP port, when it listens on one. */
  qmpPort?: number;
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
  return {
    port: o.port,
    ...(o.qmpPort ? { qmpPort: o.qmpPort } : {}),
    trace: () => read(o.trace),
    uart: () => read(o.uart),
    stop,
  };
}

/**
 * A GDB remote protocol client as GDB drives QEMU's stub (docs: GDB's "Remote Protocol"): packets
 * `$data#cs` acknowledged with `+`, Ctrl-C (0x03) to stop, `c` to continue, `D` to detach. Only
 * what the tests need: connecting stops the guest (QEMU does), then continue and interrupt.
 */
export class RawGdb {
  private data = '';
  private readonly packets: string[] = [];
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.data += d;
      for (;;) {
        const m = /\$([^#$]*)#[0-9a-fA-F]{2}/.exec(this.data);
        if (!m) break;
        this.data = this.data.slice(m.index + m[0].length);
        socket.write('+');
        this.packets.push(m[1] ?? '');
      }
      this.wake?.();
    });
  }

  static connect(port: number): Promise<RawGdb> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('error', reject);
      s.once('connect', () => resolve(new RawGdb(s)));
    });
  }

  private send(data: string): void {
    let sum = 0;
    for (const c of data) sum = (sum + c.charCodeAt(0)) & 0xff;
    this.socket.write(`$${data}#${sum.toString(16).padStart(2, '0')}`);
  }

  /** The next packet the stub sends that `accept` takes (the others are dropped). */
  async next(accept: (p: string) => boolean, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.packets.findIndex(accept);
      if (i >= 0) return this.packets.splice(0, i + 1)[i] as string;
      if (Date.now() > deadline) assert.fail(`the gdbstub sent no such packet within ${ms} ms`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 100);
      });
    }
  }

  /** `?`: the stop reason (the guest is stopped once the stub answers it). */
  async query(): Promise<string> {
    this.send('?');
    return this.next((p) => /^[ST]/.test(p));
  }

  /** `c`: continue (its stop reply comes at the next stop). */
  cont(): void {
    this.send('c');
  }

  /** Ctrl-C: stop the running guest; resolves with the stop reply. */
  async interrupt(): Promise<string> {
    this.socket.write(Buffer.of(0x03));
    return this.next((p) => /^[ST]/.test(p));
  }

  /** `D`: detach (QEMU lets the guest run), then close. */
  async detach(): Promise<void> {
    this.send('D');
    await this.next((p) => p === 'OK').catch(() => undefined);
    this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
