/**
 * A live SMMU behind a gdbstub: the connection set up for reading (target stopped, physical
 * memory), the guest RAM QEMU's memory map gives, and the reader core/inspect asks. Shared by
 * `smmu inspect` and, later, the debug adapter's attach (docs/inspect.md).
 */
import type { LiveReader, RamRange } from '../../core/inspect/live';
import { ramFromMemoryMap } from '../../core/inspect/memory-map';
import { GdbClient, GdbError, type TargetState } from './client';

export interface LiveSmmuOptions {
  readonly host: string;
  readonly port: number;
  /** Physical address of the SMMU's page 0. */
  readonly base: bigint;
  readonly timeoutMs?: number;
}

export interface LiveSmmu {
  readonly client: GdbClient;
  readonly reader: LiveReader;
  readonly state: TargetState;
  /** Guest RAM from QEMU's memory map; undefined when the stub could not say. */
  readonly ram?: readonly RamRange[];
  /** Why the RAM is unknown, when it is. */
  readonly ramUnknown?: string;
  /** Leave the target as it was found (continued if it was running) and close. */
  close(): Promise<void>;
}

function littleEndian(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  return v;
}

export async function openLiveSmmu(o: LiveSmmuOptions): Promise<LiveSmmu> {
  const client = await GdbClient.connect(o);
  try {
    const state = await client.ensureStopped();
    await client.usePhysicalMemory();
    let ram: RamRange[] | undefined;
    let ramUnknown: string | undefined;
    try {
      ram = ramFromMemoryMap(await client.monitor('info mtree -f'));
      if (!ram.length) {
        ram = undefined;
        ramUnknown = "QEMU's memory map (info mtree -f) lists no RAM";
      }
    } catch (e) {
      if (!(e instanceof GdbError) || /closed|reset|did not answer/.test(e.message)) throw e;
      ramUnknown = `the stub did not give its memory map (${e.message})`;
    }
    const reader: LiveReader = {
      // One 32-bit access at a time, a 64-bit register as its two halves (every SMMU supports both,
      // §6.2): a read of 8 bytes would span two 32-bit registers, and QEMU 7.2 answers 64-bit reads
      // only of the four registers its smmu_readll knows (0 for EVENTQ_IRQ_CFG0, hw/arm/smmuv3.c).
      readRegister: async (offset, width) => {
        const lo = await client.readMemory(o.base + BigInt(offset), 4);
        if (typeof lo === 'string' || width === 32) return typeof lo === 'string' ? lo : littleEndian(lo);
        const hi = await client.readMemory(o.base + BigInt(offset + 4), 4);
        return typeof hi === 'string' ? hi : (littleEndian(hi) << 32n) | littleEndian(lo);
      },
      readMemory: (address, length) => client.readMemory(address, length),
    };
    return {
      client,
      reader,
      state,
      ...(ram ? { ram } : {}),
      ...(ramUnknown ? { ramUnknown } : {}),
      close: () => client.close({ resume: state === 'stopped-by-us' }),
    };
  } catch (e) {
    await client.close({ resume: client.wasRunning });
    throw e;
  }
}
