/**
 * A live SMMU as `smmu inspect` and the debug adapter's attach read it, whatever carries the
 * reads: QEMU's gdbstub (server/gdb/live-smmu.ts) or QEMU's monitor through QMP
 * (server/qmp/live-qmp.ts). docs/inspect.md.
 */
import type { LiveReader, RamRange } from '../core/inspect/live';
import { ramFromMemoryMap } from '../core/inspect/memory-map';

/**
 * How the guest was when the connection found it, and what the connection did:
 * stopped for the gdbstub (`stopped-by-us`, continued on close), stopped before (`was-stopped`),
 * or running and read while it runs (`running`: QMP reads without stopping it).
 */
export type LiveState = 'stopped-by-us' | 'was-stopped' | 'running';

export interface LiveTarget {
  /** What carries the reads. */
  readonly kind: 'gdbstub' | 'qmp';
  /** The connection in words: "the gdbstub at 127.0.0.1:1234", "QEMU's monitor (QMP) at …". */
  readonly where: string;
  readonly reader: LiveReader;
  readonly state: LiveState;
  /** Guest RAM from QEMU's memory map; undefined when it could not be had. */
  readonly ram?: readonly RamRange[];
  /** Why the RAM is unknown, when it is. */
  readonly ramUnknown?: string;
  /**
   * The guest's stops as they happen, for a session that follows them (QMP's STOP events);
   * absent when the connection itself holds the guest stopped (the gdbstub).
   */
  readonly stops?: {
    onStop(listener: () => void): void;
    /** The connection ended without `close` (QEMU exited, or dropped it). */
    onLost(listener: (message: string) => void): void;
  };
  /** Leave the guest as it was found and close. Never throws. */
  close(): Promise<void>;
}

function littleEndian(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  return v;
}

/**
 * Register reads as 32-bit accesses at `base + offset`, a 64-bit register as its two halves
 * (every SMMU supports both, §6.2): a read of 8 bytes would span two 32-bit registers, and QEMU
 * 7.2 answers 64-bit reads only of the four registers its smmu_readll knows (0 for
 * EVENTQ_IRQ_CFG0, hw/arm/smmuv3.c). `read4` reads 4 bytes of guest physical memory in one access.
 */
export function registerReader(
  base: bigint,
  read4: (address: bigint) => Promise<Uint8Array | string>,
): LiveReader['readRegister'] {
  return async (offset, width) => {
    const lo = await read4(base + BigInt(offset));
    if (typeof lo === 'string' || width === 32) return typeof lo === 'string' ? lo : littleEndian(lo);
    const hi = await read4(base + BigInt(offset + 4));
    return typeof hi === 'string' ? hi : (littleEndian(hi) << 32n) | littleEndian(lo);
  };
}

/**
 * Guest RAM from QEMU's memory map (`info mtree -f`, which `monitor` runs), or why it is unknown:
 * `unknown` turns the errors a caller can live without into the reason (others are thrown).
 */
export async function guestRam(
  monitor: (command: string) => Promise<string>,
  unknown: (e: unknown) => string | undefined,
): Promise<{ ram?: RamRange[]; ramUnknown?: string }> {
  try {
    const ram = ramFromMemoryMap(await monitor('info mtree -f'));
    return ram.length ? { ram } : { ramUnknown: "QEMU's memory map (info mtree -f) lists no RAM" };
  } catch (e) {
    const why = unknown(e);
    if (why === undefined) throw e;
    return { ramUnknown: why };
  }
}
