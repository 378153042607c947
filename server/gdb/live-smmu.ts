/**
 * A live SMMU behind a gdbstub: the connection set up for reading (target stopped, physical
 * memory), the guest RAM QEMU's memory map gives, and the reader core/inspect asks. Shared by
 * `smmu inspect` and, later, the debug adapter's attach (docs/inspect.md).
 */
import type { LiveReader } from '../../core/inspect/live';
import { guestRam, registerReader, type LiveTarget } from '../live-target';
import { GdbClient, GdbError, type TargetState } from './client';

export interface LiveSmmuOptions {
  readonly host: string;
  readonly port: number;
  /** Physical address of the SMMU's page 0. */
  readonly base: bigint;
  readonly timeoutMs?: number;
}

export interface LiveSmmu extends LiveTarget {
  readonly client: GdbClient;
  readonly state: TargetState;
}

export async function openLiveSmmu(o: LiveSmmuOptions): Promise<LiveSmmu> {
  const client = await GdbClient.connect(o);
  try {
    const state = await client.ensureStopped();
    await client.usePhysicalMemory();
    const ram = await guestRam(
      (command) => client.monitor(command),
      (e) =>
        e instanceof GdbError && !/closed|reset|did not answer/.test(e.message)
          ? `the stub did not give its memory map (${e.message})`
          : undefined,
    );
    const reader: LiveReader = {
      readRegister: registerReader(o.base, (address) => client.readMemory(address, 4)),
      readMemory: (address, length) => client.readMemory(address, length),
    };
    return {
      client,
      kind: 'gdbstub',
      where: client.where,
      reader,
      state,
      ...ram,
      close: () => client.close({ resume: state === 'stopped-by-us' }),
    };
  } catch (e) {
    await client.close({ resume: client.wasRunning });
    throw e;
  }
}
