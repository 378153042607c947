/**
 * Memory at physical addresses as a debug session serves it to DAP `readMemory`/`writeMemory`
 * (server/dap/memory.ts), which is how Peripheral Viewer and Cortex-Debug read the registers an
 * SVD file describes (docs/svd.md). A session provides a `PhysicalMemory`: a launch session the
 * model's (`ModelMemory`), an attach session the guest's, through its own reader.
 */
import type { AccessSize } from '../model/access';
import { SMMU_REGION_SIZE } from '../model/decode-access';
import type { DebugRuntime } from './runtime';

export interface MemoryRead {
  /** The bytes read from the requested address on, up to the first that cannot be read. */
  readonly bytes: Uint8Array;
  /** How many bytes after those could not be read (DAP `unreadableBytes`). */
  readonly unreadable: number;
}

/**
 * What a session can read and write at physical addresses: of the Non-secure PA space, or with
 * `secure` of the Secure one (§3.10; the memory references of memory-reference.ts name it).
 */
export interface PhysicalMemory {
  read(address: bigint, count: number, secure?: boolean): MemoryRead | Promise<MemoryRead>;
  /** Write the bytes at `address`; returns what the target reported about the writes, one line each. */
  write(address: bigint, bytes: Uint8Array, secure?: boolean): readonly string[] | Promise<readonly string[]>;
}

const LIMIT = 1n << 64n;

/**
 * The SMMU base a session or export is given: page 0's physical address in hex or decimal
 * (underscores allowed), with both 64 KB pages below 2^64 (§6.1). Undefined when it is not one.
 */
export function parseSmmuBase(text: string): bigint | undefined {
  const t = text.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) return undefined;
  const v = BigInt(t);
  return v + BigInt(SMMU_REGION_SIZE) <= LIMIT ? v : undefined;
}

/**
 * The model's physical address space in a launch session: the SMMU's page 0 and page 1 at
 * `smmuBase` (the addresses `smmu export svd` gives the registers), guest memory everywhere else.
 *
 * Reads of the register pages return the register values as an aligned 32-bit read would
 * (`Smmu.peek32`) but make no access: a view that refreshes does not add to the access history,
 * the debugger's step history, or the findings. Writes are register writes of the size the
 * client wrote, recorded in the step history like a console write, so the model reports the ones
 * §6.2 makes illegal (8- and 16-bit, unaligned, 64-bit to a 32-bit register).
 *
 * The Secure PA space is guest memory only: the register pages are placed in the Non-secure one.
 */
export class ModelMemory implements PhysicalMemory {
  constructor(
    private readonly rt: DebugRuntime,
    readonly smmuBase: bigint,
  ) {}

  /** The offset of `address` in the register pages, or undefined outside them. */
  private offsetOf(address: bigint): number | undefined {
    const off = address - this.smmuBase;
    return off >= 0n && off < BigInt(SMMU_REGION_SIZE) ? Number(off) : undefined;
  }

  read(address: bigint, count: number, secure = false): MemoryRead {
    if (secure) {
      const n = BigInt(count) <= LIMIT - address ? count : Number(LIMIT - address);
      return { bytes: this.rt.readMemory(address, n, true), unreadable: count - n };
    }
    const out = new Uint8Array(count);
    const smmu = this.rt.machine.engine.smmu;
    let slot = -1;
    let word: number | undefined;
    for (let i = 0; i < count; i++) {
      const a = address + BigInt(i);
      const off = a < LIMIT ? this.offsetOf(a) : undefined;
      if (off === undefined) {
        if (a >= LIMIT) return { bytes: out.slice(0, i), unreadable: count - i };
        // Guest memory up to the register pages, the end of the address space or of the read.
        const stop = a < this.smmuBase ? this.smmuBase : LIMIT;
        const n = i + Number(BigInt(count - i) < stop - a ? BigInt(count - i) : stop - a);
        out.set(this.rt.readMemory(a, n - i), i);
        i = n - 1;
        continue;
      }
      if ((off & ~3) !== slot) {
        slot = off & ~3;
        word = smmu.peek32(slot);
      }
      if (word === undefined) {
        // An aborting location: the rest of its word and the words after it that also abort.
        let n = i;
        while (n < count) {
          const o = this.offsetOf(address + BigInt(n));
          if (o === undefined || smmu.peek32(o & ~3) !== undefined) break;
          n++;
        }
        return { bytes: out.slice(0, i), unreadable: n - i };
      }
      out[i] = (word >>> ((off & 3) * 8)) & 0xff;
    }
    return { bytes: out, unreadable: 0 };
  }

  write(address: bigint, bytes: Uint8Array, secure = false): string[] {
    if (address + BigInt(bytes.length) > LIMIT) throw new Error('the write goes beyond the 64-bit address space');
    if (secure) {
      this.rt.writeMemory(address, [...bytes], true);
      return [];
    }
    const said: string[] = [];
    let i = 0;
    while (i < bytes.length) {
      const a = address + BigInt(i);
      const off = this.offsetOf(a);
      if (off === undefined) {
        // Guest memory up to the register pages (or the end).
        let n = i + 1;
        while (n < bytes.length && this.offsetOf(address + BigInt(n)) === undefined) n++;
        this.rt.writeMemory(a, [...bytes.subarray(i, n)]);
        i = n;
        continue;
      }
      // The largest naturally aligned access that fits, as a driver would make it.
      const left = Math.min(bytes.length - i, SMMU_REGION_SIZE - off);
      const size = ([8, 4, 2, 1] as const).find((s) => s <= left && off % s === 0) as AccessSize;
      let value = 0n;
      for (let b = size - 1; b >= 0; b--) value = (value << 8n) | BigInt(bytes[i + b] as number);
      for (const line of this.rt.writeRegisterAt(off, size, value))
        said.push(`SMMU +0x${off.toString(16).toUpperCase()}: ${line}`);
      i += size;
    }
    return said;
  }
}
