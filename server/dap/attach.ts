/**
 * The debug adapter's `attach`: a live SMMU behind QEMU's gdbstub (server/gdb/live-smmu.ts) or
 * QEMU's monitor (QMP, server/qmp/live-qmp.ts), read once into an Inspection
 * (core/inspect/live.ts) and re-read on `smmu/refresh`. Through the gdbstub the guest stays
 * stopped while the session is attached (the connection holds it, as `smmu inspect` does while it
 * reads) and is left as it was found on disconnect; through QMP the guest runs on and the SMMU is
 * read again at each of its stops (QMP's STOP event). Nothing is ever written to the guest.
 * docs/inspect.md "In VS Code".
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { VIRT_SMMU_BASE } from '../../core/guest/ops';
import { parseSmmuBase, type MemoryRead, type PhysicalMemory } from '../../core/debug/physical-memory';
import { inspectLive, type Inspection, type LiveReader } from '../../core/inspect/live';
import { SMMU_REGION_SIZE } from '../../core/model/decode-access';
import { parseGdbAddress } from '../gdb/address';
import { openLiveSmmu } from '../gdb/live-smmu';
import type { LiveTarget } from '../live-target';
import { parseQmpAddress } from '../qmp/address';
import type { QmpAddress } from '../qmp/client';
import { openQmpSmmu } from '../qmp/live-qmp';

export interface AttachArguments extends DebugProtocol.AttachRequestArguments {
  /** QEMU's gdbstub: HOST:PORT (`localhost:1234`), [IPv6]:PORT or a port of this machine. */
  readonly gdb?: string | number;
  /** QEMU's monitor (QMP): HOST:PORT, [IPv6]:PORT, a port of this machine or unix:PATH; instead of "gdb". */
  readonly qmp?: string | number;
  /** The SMMU's page 0 (page 1 at +0x10000): 0x09050000 (QEMU virt) when not given. */
  readonly smmuBase?: string | number;
  /** Seconds to wait for the connection and for each reply of the stub (default 10). */
  readonly timeout?: number;
  /** The SVD file Peripheral Viewer and Cortex-Debug read from the configuration; unused here. */
  readonly svdFile?: string;
}

export interface AttachTarget {
  /** The gdbstub, or QMP (`qmp`). */
  readonly connection: { readonly gdb: { host: string; port: number } } | { readonly qmp: QmpAddress };
  readonly base: bigint;
  readonly timeoutMs: number;
}

const DEFAULT_TIMEOUT_S = 10;

/** The attach arguments checked, or the message of the error response. */
export function attachTarget(args: AttachArguments): AttachTarget | string {
  if (args.gdb !== undefined && args.qmp !== undefined)
    return 'attach: give "gdb" or "qmp", not both (with "qmp" a debugger may hold the gdbstub)';
  let connection: AttachTarget['connection'];
  if (args.qmp !== undefined) {
    if (typeof args.qmp !== 'string' && typeof args.qmp !== 'number')
      return 'attach: "qmp" must give QEMU\'s QMP socket as "HOST:PORT" or "unix:PATH" (QEMU started with -qmp tcp:127.0.0.1:4444,server,wait=off)';
    const qmp = parseQmpAddress(String(args.qmp).trim());
    if (typeof qmp === 'string') return `attach: ${qmp.replace(/^--qmp/, '"qmp"')}`;
    connection = { qmp };
  } else {
    if (args.gdb === undefined || (typeof args.gdb !== 'string' && typeof args.gdb !== 'number'))
      return 'attach: "gdb" must give QEMU\'s gdbstub as "HOST:PORT" (QEMU started with -gdb tcp:127.0.0.1:1234 or -s), or "qmp" its QMP socket';
    const gdb = parseGdbAddress(String(args.gdb).trim());
    if (typeof gdb === 'string') return `attach: ${gdb.replace(/^--gdb/, '"gdb"')}`;
    connection = { gdb };
  }
  const base =
    args.smmuBase === undefined
      ? VIRT_SMMU_BASE
      : typeof args.smmuBase === 'number' || typeof args.smmuBase === 'string'
        ? parseSmmuBase(String(args.smmuBase))
        : undefined;
  if (base === undefined || base % 4n !== 0n)
    return `attach: "smmuBase" ${JSON.stringify(args.smmuBase)} is not an address: give the SMMU's page 0 address as "0x09050000", word-aligned, with both 64 KB pages below 2^64`;
  const timeout = args.timeout ?? DEFAULT_TIMEOUT_S;
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > 600)
    return `attach: "timeout" ${JSON.stringify(args.timeout)} must be a number of seconds from 0 to 600`;
  return { connection, base, timeoutMs: timeout * 1000 };
}

/**
 * Why an attach session cannot read the Secure PA space (§3.10): QEMU's gdbstub reads physical
 * addresses (`Qqemu.PhyMemMode:1`) with cpu_physical_memory_read, i.e. through the machine's
 * Non-secure system address space, and has no packet that selects the Secure one (its virtual
 * reads go through the CPU's current translation regime and Security state, which the debugger
 * does not choose).
 */
export const SECURE_UNREADABLE =
  "readMemory: an attach session reads only the Non-secure PA space: QEMU's gdbstub reads physical memory (Qqemu.PhyMemMode:1) through the Non-secure system address space and has no packet that selects the Secure one";

/**
 * The guest's physical memory as DAP `readMemory` serves it: the SMMU's pages one aligned 32-bit
 * register read at a time (as the reader reads registers: QEMU 7.2 answers other sizes
 * differently, live-smmu.ts), everything else as the stub reads it. Writes are refused, and so are
 * reads of the Secure PA space (SECURE_UNREADABLE).
 */
export class GuestMemory implements PhysicalMemory {
  constructor(
    private readonly reader: LiveReader,
    readonly base: bigint,
  ) {}

  async read(address: bigint, count: number, secure = false): Promise<MemoryRead> {
    if (secure) throw new Error(SECURE_UNREADABLE);
    const out = new Uint8Array(count);
    const end = this.base + BigInt(SMMU_REGION_SIZE);
    let i = 0;
    while (i < count) {
      const a = address + BigInt(i);
      if (a >= this.base && a < end) {
        const off = Number(a - this.base);
        const word = await this.reader.readRegister(off & ~3, 32);
        if (typeof word === 'string') return { bytes: out.slice(0, i), unreadable: count - i };
        for (let b = off & 3; b < 4 && i < count; b++, i++) out[i] = Number((word >> BigInt(8 * b)) & 0xffn);
        continue;
      }
      // Guest memory up to the SMMU's pages or the end of the read.
      const n = a < this.base && this.base - a < BigInt(count - i) ? Number(this.base - a) : count - i;
      const bytes = await this.reader.readMemory(a, n);
      if (typeof bytes === 'string') return { bytes: out.slice(0, i), unreadable: count - i };
      out.set(bytes, i);
      i += n;
    }
    return { bytes: out, unreadable: 0 };
  }

  write(): never {
    throw new Error(
      'writeMemory: an attach session never writes to the guest (it only reads the live SMMU); launch a script to change registers on the model',
    );
  }
}

const STATE_TEXT: Record<LiveTarget['state'], string> = {
  'stopped-by-us': 'the guest was running: it is stopped while attached and continues on disconnect',
  'was-stopped': 'the guest was stopped and is left stopped',
  running: 'the guest runs on (QMP does not stop it) and was read while it ran',
};

/**
 * One attach: the connection, what was read through it, and its memory. The stub answers one
 * request at a time, so the session's reads (a refresh, the memory view's reads) take turns.
 */
export class LiveAttach {
  private turn: Promise<unknown> = Promise.resolve();
  /** A reading a stop asked for that has not started yet: later stops share it. */
  private stopReading: Promise<Inspection> | undefined;

  private constructor(
    readonly live: LiveTarget,
    private readonly guest: GuestMemory,
    public inspection: Inspection,
  ) {}

  /** Run `f` once the reads before it are done. */
  private inTurn<T>(f: () => Promise<T>): Promise<T> {
    const r = this.turn.then(f, f);
    this.turn = r.catch(() => undefined);
    return r;
  }

  readonly memory: PhysicalMemory = {
    read: (address, count, secure) => this.inTurn(() => this.guest.read(address, count, secure)),
    write: () => this.guest.write(),
  };

  static async open(t: AttachTarget): Promise<LiveAttach> {
    const c = t.connection;
    const live: LiveTarget =
      'gdb' in c
        ? await openLiveSmmu({ ...c.gdb, base: t.base, timeoutMs: t.timeoutMs })
        : await openQmpSmmu({ address: c.qmp, base: t.base, timeoutMs: t.timeoutMs });
    try {
      const inspection = await inspectLive(live.reader, live.ram ? { ram: live.ram } : {});
      return new LiveAttach(live, new GuestMemory(live.reader, t.base), inspection);
    } catch (e) {
      await live.close();
      throw e;
    }
  }

  /** Read the SMMU again through the same connection. */
  refresh(): Promise<Inspection> {
    return this.inTurn(async () => {
      this.inspection = await inspectLive(this.live.reader, this.live.ram ? { ram: this.live.ram } : {});
      return this.inspection;
    });
  }

  /**
   * Read again at a stop of the guest (QMP's STOP event). Stops that come while a reading waits
   * for its turn share it: one reading after a burst of stops sees the last of them.
   */
  refreshAtStop(): Promise<Inspection> {
    if (!this.stopReading) {
      const r = this.inTurn(async () => {
        this.stopReading = undefined;
        this.inspection = await inspectLive(this.live.reader, this.live.ram ? { ram: this.live.ram } : {});
        return this.inspection;
      });
      this.stopReading = r;
    }
    return this.stopReading;
  }

  /** What the console says on attach. */
  summary(): string {
    const follow = this.live.stops ? '; read again each time the guest stops' : '';
    return `${this.live.where}: ${STATE_TEXT[this.live.state]}${follow}; ${this.counts()}\n`;
  }

  /** What was read, in numbers. */
  counts(): string {
    const i = this.inspection;
    const errors = i.findings.filter((f) => f.severity === 'error').length;
    return `${i.registers.length} registers, ${i.stes.length} valid STEs, ${errors} errors found; ${i.bytesRead} bytes of guest memory read`;
  }

  close(): Promise<void> {
    return this.inTurn(() => this.live.close());
  }
}
