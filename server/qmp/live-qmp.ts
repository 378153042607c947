/**
 * A live SMMU read through QEMU's monitor (QMP): registers and guest RAM with the human monitor's
 * `xp` (physical memory, through QEMU's memory API as a CPU's access would go: the SMMU's
 * registers through its MMIO read handler, which only returns values), the RAM from
 * `info mtree -f`, and the guest's stops from QMP's STOP events. The guest is never stopped,
 * continued or written: QMP answers while it runs and while a debugger holds the gdbstub, so this
 * is what a session beside a kernel debugger uses (docs/inspect.md).
 */
import type { LiveReader } from '../../core/inspect/live';
import { wordsFromMemoryDump } from '../../core/inspect/memory-dump';
import { guestRam, registerReader, type LiveTarget } from '../live-target';
import { QmpClient, QmpError, type QmpAddress } from './client';

export interface QmpSmmuOptions {
  readonly address: QmpAddress;
  /** Physical address of the SMMU's page 0. */
  readonly base: bigint;
  readonly timeoutMs?: number;
}

export interface QmpSmmu extends LiveTarget {
  readonly client: QmpClient;
  readonly state: 'running' | 'was-stopped';
}

/** Bytes one `xp` reads at most: its dump of 4 KiB is about 16 KiB of text, one QMP message. */
const XP_CHUNK = 4096;

/**
 * `length` bytes of guest physical memory at `address` through `xp /Nxw` (32-bit words: the
 * read is widened to whole words and cut back), or why not (the monitor cannot access it).
 */
export async function readPhysical(client: QmpClient, address: bigint, length: number): Promise<Uint8Array | string> {
  const start = address & ~3n;
  const end = (address + BigInt(length) + 3n) & ~3n;
  const out = new Uint8Array(Number(end - start));
  for (let at = start; at < end; at += BigInt(XP_CHUNK)) {
    const n = Number(end - at < BigInt(XP_CHUNK) ? end - at : BigInt(XP_CHUNK)) / 4;
    const text = await client.hmp(`xp /${n}xw 0x${at.toString(16)}`);
    const words = wordsFromMemoryDump(text, at, n);
    if (typeof words === 'string') return `${words} (xp /${n}xw 0x${at.toString(16)})`;
    const view = new DataView(out.buffer, Number(at - start), n * 4);
    words.forEach((w, i) => view.setUint32(i * 4, w, true));
  }
  const from = Number(address - start);
  return out.slice(from, from + length);
}

export async function openQmpSmmu(o: QmpSmmuOptions): Promise<QmpSmmu> {
  const client = await QmpClient.connect({ address: o.address, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
  const stopListeners: (() => void)[] = [];
  const lostListeners: ((message: string) => void)[] = [];
  client.onEvent((e) => {
    if (e.event === 'STOP') for (const l of stopListeners) l();
  });
  client.onClose((e) => {
    for (const l of lostListeners) l(e.message);
  });
  try {
    const running = await client.running();
    const ram = await guestRam(
      (command) => client.hmp(command),
      (e) =>
        e instanceof QmpError && /refused/.test(e.message)
          ? `the monitor did not give its memory map (${e.message})`
          : undefined,
    );
    const reader: LiveReader = {
      readRegister: registerReader(o.base, (address) => readPhysical(client, address, 4)),
      readMemory: (address, length) => readPhysical(client, address, length),
    };
    return {
      client,
      kind: 'qmp',
      where: client.where,
      reader,
      state: running ? 'running' : 'was-stopped',
      ...ram,
      stops: {
        onStop: (l) => void stopListeners.push(l),
        onLost: (l) => void lostListeners.push(l),
      },
      close: () => Promise.resolve(client.close()),
    };
  } catch (e) {
    client.close();
    throw e;
  }
}
