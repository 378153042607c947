/**
 * Starting QEMU on a guest program and collecting what it printed: the UART (the program's
 * report), QEMU's own stderr and its `-trace 'smmuv3_*'` log, the UART and the log followed as
 * QEMU writes them. Nothing here may hang: QEMU runs in its own process group, killed at the time
 * limit or when the caller cancels, and every failure (not installed, refused its options,
 * crashed, ran too long) comes back as a message.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface QemuMachine {
  /** The emulator binary: `--qemu`, setting smmu.qemu.path, else `qemu-system-aarch64` on PATH. */
  readonly binary: string;
  /** Extra `-M` options appended to `virt,iommu=smmuv3,highmem=off` (`--machine`, smmu.qemu.machine). */
  readonly machineOptions?: string;
  /** RAM size as QEMU's `-m` takes it (bytes here). */
  readonly memoryBytes: number;
  /** Devices to add (`-device` arguments), e.g. the edu DMA device. */
  readonly devices?: readonly string[];
}

export interface QemuRun {
  /** What the guest printed on the UART. */
  readonly uart: string;
  /** QEMU's own messages, last lines only. */
  readonly stderrTail: string;
  /** Whether QEMU wrote its trace (`-trace smmuv3_*`), each line of which went to `QemuReaders.traceLine`. */
  readonly traced: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /** Set when QEMU could not be started at all (not installed, not executable). */
  readonly spawnError?: string;
  /** The command line, for `--keep` and messages. */
  readonly argv: readonly string[];
  readonly ms: number;
}

/** The UART read back is bounded: a guest looping on a print must not fill the memory. */
const MAX_OUTPUT = 64 * 1024 * 1024;
/** QEMU's trace is read in pieces of this size, never whole: it grows with the DMA traffic. */
const TRACE_PIECE = 1 << 16;
const STDERR_TAIL = 4096;
/** How often the files QEMU writes are read while it runs, and how much of each at most per read. */
const FOLLOW_MS = 50;
const FOLLOW_BYTES = 4 << 20;

/** QEMU's arguments for a program file; the machine's choices are explained in docs/qemu.md. */
export function qemuArgs(
  m: QemuMachine,
  elfPath: string,
  uartPath: string,
  traceLogPath: string | undefined,
): string[] {
  return [
    '-M',
    `virt,iommu=smmuv3,highmem=off${m.machineOptions ? `,${m.machineOptions}` : ''}`,
    '-cpu',
    'cortex-a57',
    '-m',
    `${Math.floor(m.memoryBytes / 2 ** 20)}M`,
    // No default NIC, serial or monitor: nothing but the SMMU, the UART and the devices we add.
    // The UART goes to a file: QEMU writes a byte per system call, which a pipe makes 3× slower.
    '-nodefaults',
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    `file:${uartPath}`,
    '-semihosting-config',
    'enable=on,target=native',
    ...(m.devices ?? []).flatMap((d) => ['-device', d]),
    // With devices, their configuration writes too: the program's Command write before each
    // transfer marks where that transfer's translations start (core/qemu/dma-plan.ts).
    ...(traceLogPath
      ? ['-trace', 'smmuv3_*', ...(m.devices?.length ? ['-trace', 'pci_cfg_write'] : []), '-D', traceLogPath]
      : []),
    '-kernel',
    elfPath,
  ];
}

/** Quote a command line for a shell, for the `--keep` folder's `qemu-command.sh`. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export function notInstalled(binary: string): string {
  return `QEMU was not found (${binary}): install it (Debian/Ubuntu: \`sudo apt-get install qemu-system-arm\`, which provides qemu-system-aarch64; or run scripts/setup-qemu.sh), or give its path with --qemu (setting smmu.qemu.path)`;
}

/** What reads QEMU's output while it runs (each optional). */
export interface QemuReaders {
  /** Each line of QEMU's trace log (`-trace smmuv3_*`), without its line break. */
  readonly traceLine?: (text: string) => void;
  /** Each new piece of the UART (the guest's report), as it is written. */
  readonly uart?: (piece: string) => void;
}

/**
 * Run `elf` on QEMU until it exits, `timeoutMs` passes or `signal` aborts. `workDir` receives the
 * program and the trace log (a temporary folder unless the caller keeps one). QEMU's trace log
 * and the UART are read as QEMU writes them (followed, every FOLLOW_MS, and to their end once it
 * has exited), in pieces: the log is never held whole.
 */
export function runQemu(
  m: QemuMachine,
  elf: Uint8Array,
  workDir: string,
  timeoutMs: number,
  signal?: AbortSignal,
  readers: QemuReaders = {},
): Promise<QemuRun> {
  const elfPath = path.join(workDir, 'program.elf');
  const traceLogPath = path.join(workDir, 'qemu-trace.log');
  const uartPath = path.join(workDir, 'uart.txt');
  fs.writeFileSync(elfPath, elf);
  fs.writeFileSync(uartPath, '');
  // A log left in a kept folder by an earlier run must not be read as this run's.
  fs.rmSync(traceLogPath, { force: true });
  const argv = [m.binary, ...qemuArgs(m, elfPath, uartPath, traceLogPath)];
  const started = Date.now();
  const traceLine = readers.traceLine;
  let rest = '';
  const trace = new FileFollower(traceLogPath, (piece) => {
    if (!traceLine) return;
    // Lines as `split(/\r?\n/)` splits them.
    const parts = (rest + piece).split('\n');
    rest = parts.pop() as string;
    for (const p of parts) traceLine(p.endsWith('\r') ? p.slice(0, -1) : p);
  });
  const uart = readers.uart ? new FileFollower(uartPath, readers.uart, MAX_OUTPUT) : undefined;
  return new Promise((resolve) => {
    let stderr = '';
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const child = spawn(m.binary, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const follow = setInterval(() => {
      trace.poll(FOLLOW_BYTES);
      uart?.poll(FOLLOW_BYTES);
    }, FOLLOW_MS);
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (exitCode: number | null, sig: NodeJS.Signals | null, spawnError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(follow);
      signal?.removeEventListener('abort', onAbort);
      // QEMU has exited: what it wrote last is read to the end, the log's last line too.
      trace.poll(Infinity);
      const traced = trace.close();
      if (traced) traceLine?.(rest);
      uart?.poll(Infinity);
      uart?.close();
      const uartText = readBounded(uartPath) ?? '';
      resolve({
        uart: uartText,
        stderrTail: stderr.slice(-STDERR_TAIL),
        traced,
        exitCode,
        signal: sig,
        timedOut,
        cancelled,
        ...(spawnError ? { spawnError } : {}),
        argv,
        ms: Date.now() - started,
      });
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-2 * STDERR_TAIL);
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      finish(
        null,
        null,
        e.code === 'ENOENT' || e.code === 'EACCES'
          ? notInstalled(m.binary)
          : `QEMU could not be started (${m.binary}): ${e.message}`,
      ),
    );
    child.on('close', (code, sig) => finish(code, sig));
    if (signal?.aborted) onAbort();
  });
}

/** A file QEMU wrote, at most MAX_OUTPUT bytes of it (latin1: bytes as they are); undefined when absent. */
function readBounded(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = Math.min(fs.fstatSync(fd).size, MAX_OUTPUT);
    const buf = Buffer.alloc(size);
    const n = fs.readSync(fd, buf, 0, size, 0);
    return buf.subarray(0, n).toString('latin1');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * A file QEMU is writing, read as it grows (QEMU only appends to it): each new piece, latin1
 * (bytes as they are), goes to `piece`, at most `limit` bytes in all.
 */
class FileFollower {
  private fd: number | undefined;
  private at = 0;
  private failed = false;
  private readonly buf = Buffer.alloc(TRACE_PIECE);

  constructor(
    private readonly file: string,
    private readonly piece: (text: string) => void,
    private readonly limit = Infinity,
  ) {}

  /** Read what was appended since, at most `most` bytes of it (the rest on the next call: the timers must still run). */
  poll(most: number): void {
    if (this.failed) return;
    if (this.fd === undefined) {
      try {
        this.fd = fs.openSync(this.file, 'r');
      } catch {
        return; // Not written yet (or never: QEMU did not start).
      }
    }
    try {
      for (let read = 0; read < most;) {
        const want = Math.min(TRACE_PIECE, this.limit - this.at);
        if (want <= 0) return;
        const n = fs.readSync(this.fd, this.buf, 0, want, this.at);
        if (n <= 0) return;
        this.at += n;
        read += n;
        this.piece(this.buf.toString('latin1', 0, n));
      }
    } catch {
      // A read error part way: what was read is judged, as a log cut short would be.
      this.failed = true;
    }
  }

  /** Done: whether the file was there to read. */
  close(): boolean {
    if (this.fd === undefined) return false;
    fs.closeSync(this.fd);
    this.fd = undefined;
    return true;
  }
}

/** A fresh temporary folder for one run (removed by the caller unless kept). */
export function tempRunDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-qemu-'));
}
