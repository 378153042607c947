/**
 * One `dma` statement as guest operations on QEMU's virt machine (the edu device, edu.ts), with
 * what the judgement (dma-judge.ts) needs to compare QEMU's outcome with the model's.
 *
 * Per statement, at its line:
 *   - the first time a device is used: read its identification over ECAM (edu's 0x11E8_1234),
 *     write BAR0, and after the Command write below read edu's identification register in BAR0;
 *   - write the function's Command register (memory space, bus master): the first time it enables
 *     the device, every time it marks the start of this transfer in QEMU's trace (`pci_cfg_write`),
 *     which is how QEMU's `smmuv3_translate_*` lines are split per statement;
 *   - read EVENTQ_PROD;
 *   - for a `dma write` the model translates to RAM: store a pattern over the doubleword at the
 *     model's PA (the device writes zeros there: see EDU_BUFFER_TO_RAM);
 *   - program source, destination and count, start the transfer, and poll the start bit until the
 *     device clears it;
 *   - read EVENTQ_PROD again, and the event queue slots where QEMU's records for this transfer can
 *     be (from the model's PROD on: twice the model's records, plus every record earlier transfers
 *     made, which is as far as QEMU's PROD can have drifted if it writes each record twice);
 *   - for the `dma write`: read the doubleword back, and store the model's bytes there again (the
 *     model's memory does not change on a DMA, and later statements must see what the model sees).
 */
import type { Range } from '../base/diagnostics';
import type { Transaction, TransactionResult } from '../engine/transaction';
import type { GuestOp, OpSource } from '../guest/ops';
import { getRegister } from '../registers/table';
import {
  configAddress,
  EDU_BUFFER,
  EDU_BUFFER_FROM_RAM,
  EDU_BUFFER_TO_RAM,
  EDU_CMD_START,
  EDU_CMD_TO_RAM,
  EDU_DMA_CMD,
  EDU_DMA_COUNT,
  EDU_DMA_DST,
  EDU_DMA_SRC,
  EDU_IDENT,
  EDU_PCI_ID,
  EDU_POLL_LOADS,
  PCI_BAR0,
  PCI_COMMAND,
  PCI_COMMAND_MEMORY_MASTER,
  PCI_ID,
  transferBytes,
  type EduDevice,
} from './edu';

/** A read whose value says whether the machine is set up as the program needs (not a judgement of the SMMU). */
export interface DeviceCheck {
  /** The device's StreamID. */
  readonly sid: number;
  readonly expected: bigint;
  /** What was read, for the message: "the identification of PCI function 00:01.0 over ECAM". */
  readonly what: string;
}

/** The model's outcome of the statement's transaction. */
export interface DmaModel {
  readonly outcome: TransactionResult['outcome'];
  /** translated, bypass: the output address. */
  readonly pa?: bigint;
  /** The event the model recorded or would have (abort, raz-wi, stalled). */
  readonly event?: string;
  readonly detail: string;
}

/** An event record the model wrote for the statement: its words and queue slot. */
export interface DmaRecord {
  readonly words: readonly number[];
  readonly slot: number;
}

export interface DmaCheck {
  readonly range: Range;
  readonly inner?: { readonly path: string; readonly range: Range };
  readonly sid: number;
  readonly iova: bigint;
  /** `dma write`: the device writes memory. */
  readonly write: boolean;
  readonly bytes: number;
  readonly device: EduDevice;
  readonly model: DmaModel;
  /** Operation indexes (into the compiled program): the Command write that marks the transfer in QEMU's trace, EVENTQ_PROD before and after, the poll. */
  readonly marker: number;
  readonly prodBefore: number;
  readonly prodAfter: number;
  readonly poll: number;
  /** The model's records for this transfer, in order. */
  readonly records: readonly DmaRecord[];
  /** The model's event queue when it is enabled: its size (log2), and the model's PROD before the transfer. */
  readonly queue?: { readonly log2: number; readonly prod: number };
  /** Event queue slots the program reads after the transfer: the first of each slot's four doubleword reads. */
  readonly window: readonly { readonly slot: number; readonly op: number }[];
  /** The write's landing check: the doubleword read back, what it must hold when the device wrote at the model's PA, and the pattern stored before. */
  readonly data?: {
    readonly op: number;
    readonly address: bigint;
    readonly expected: bigint;
    readonly pattern: bigint;
  };
  /** Records (by index in `records`) that an `expect event` statement compares: the statement's own line leaves them to it. */
  readonly expected: Set<number>;
}

export interface PlannedOp {
  readonly op: GuestOp;
  readonly check?: DeviceCheck;
}

export interface DmaPlanInput {
  readonly src: OpSource;
  readonly range: Range;
  readonly inner?: { readonly path: string; readonly range: Range };
  readonly t: Transaction;
  readonly r: TransactionResult;
  readonly device: EduDevice;
  readonly firstUse: boolean;
  /** The model's event queue before the transfer, when CR0ACK.EVENTQEN is 1. */
  readonly queue?: { readonly base: number; readonly log2: number; readonly prod: number };
  readonly records: readonly DmaRecord[];
  /** Records earlier transfers made in the model (how far QEMU's PROD may have drifted). */
  readonly drift: number;
  /** Whether a physical range is guest RAM the program may touch. */
  readonly inRam: (start: bigint, end: bigint) => boolean;
  /** Pages (4 KB numbers) the translation may depend on (read for it, or read as structures before, caches hide re-reads): a landing check there could change the translation. */
  readonly walked: ReadonlySet<number>;
  /** The model's memory, a doubleword (to put back after the landing check). */
  readonly memory: (address: bigint) => bigint;
}

export interface DmaPlan {
  readonly ops: PlannedOp[];
  /** The check, with operation indexes relative to the first of `ops`. */
  readonly check: DmaCheck;
  /** RAM pages the operations touch (4 KB addresses). */
  readonly pages: number[];
}

/** What the landing check stores before a `dma write`: the device then writes zeros over part of it. */
export const LANDING_PATTERN = 0x5a5a_5a5a_5a5a_5a5an;

const EVENTQ_PROD = BigInt(getRegister('EVENTQ_PROD').offset);

function bytesOf(value: bigint): Uint8Array {
  const b = new Uint8Array(8);
  for (let i = 0; i < 8; i++) b[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return b;
}

/** The bus address of function `d`, as lspci writes it. */
export function pciName(d: EduDevice): string {
  return `00:${d.slot.toString(16).padStart(2, '0')}.${d.fn}`;
}

export function planDma(p: DmaPlanInput): DmaPlan {
  const ops: PlannedOp[] = [];
  const pages: number[] = [];
  const src = p.src;
  const at = (op: GuestOp, check?: DeviceCheck): number => {
    ops.push({ op, ...(check ? { check } : {}) });
    return ops.length - 1;
  };
  const d = p.device;
  const bar = (offset: bigint) => d.bar + offset;
  if (p.firstUse) {
    at(
      { kind: 'read', ...src, space: 'phys', address: configAddress(d, PCI_ID), size: 4 },
      {
        sid: d.sid,
        expected: EDU_PCI_ID,
        what: `the identification of PCI function ${pciName(d)} over ECAM (edu's device and vendor ID)`,
      },
    );
    at({ kind: 'write', ...src, space: 'phys', address: configAddress(d, PCI_BAR0), size: 4, value: d.bar });
  }
  const marker = at({
    kind: 'write',
    ...src,
    space: 'phys',
    address: configAddress(d, PCI_COMMAND),
    size: 2,
    value: PCI_COMMAND_MEMORY_MASTER,
  });
  if (p.firstUse)
    at(
      { kind: 'read', ...src, space: 'phys', address: bar(0n), size: 4 },
      {
        sid: d.sid,
        expected: EDU_IDENT,
        what: `edu's identification register in BAR0 of ${pciName(d)} at 0x${d.bar.toString(16).toUpperCase()}`,
      },
    );
  const prodBefore = at({ kind: 'read', ...src, space: 'smmu', address: EVENTQ_PROD, size: 4 });

  const write = p.t.access.write;
  const bytes = transferBytes(p.t.address);
  const pa = p.r.outcome === 'translated' || p.r.outcome === 'bypass' ? p.r.pa : undefined;
  // The landing check: only where the device's bytes stay within one doubleword of RAM that the
  // translation itself does not read (a pattern in a table the walk reads would change the walk).
  let landing: { address: bigint; expected: bigint } | undefined;
  if (write && pa !== undefined) {
    const address = pa - (pa % 8n);
    const offset = Number(pa - address);
    const page = Number(address / 4096n);
    if (offset + bytes <= 8 && p.inRam(address, address + 8n) && !p.walked.has(page)) {
      const cleared = ((1n << BigInt(8 * bytes)) - 1n) << BigInt(8 * offset);
      landing = { address, expected: LANDING_PATTERN & ~cleared };
      pages.push(page * 4096);
      at({ kind: 'store', ...src, address, bytes: bytesOf(LANDING_PATTERN) });
    }
  }
  const buffer = EDU_BUFFER + (write ? EDU_BUFFER_TO_RAM : EDU_BUFFER_FROM_RAM);
  at({ kind: 'write', ...src, space: 'phys', address: bar(EDU_DMA_SRC), size: 8, value: write ? buffer : p.t.address });
  at({ kind: 'write', ...src, space: 'phys', address: bar(EDU_DMA_DST), size: 8, value: write ? p.t.address : buffer });
  at({ kind: 'write', ...src, space: 'phys', address: bar(EDU_DMA_COUNT), size: 8, value: BigInt(bytes) });
  at({
    kind: 'write',
    ...src,
    space: 'phys',
    address: bar(EDU_DMA_CMD),
    size: 8,
    value: EDU_CMD_START | (write ? EDU_CMD_TO_RAM : 0n),
  });
  const poll = at({
    kind: 'poll',
    ...src,
    space: 'phys',
    address: bar(EDU_DMA_CMD),
    size: 4,
    mask: EDU_CMD_START,
    expected: 0n,
    equal: true,
    max: EDU_POLL_LOADS,
  });
  const prodAfter = at({ kind: 'read', ...src, space: 'smmu', address: EVENTQ_PROD, size: 4 });

  const window: { slot: number; op: number }[] = [];
  if (p.queue) {
    const size = 2 ** p.queue.log2;
    const first = p.queue.prod % size;
    const span = Math.min(size, 2 * p.records.length + p.drift);
    for (let i = 0; i < span; i++) {
      const slot = (first + i) % size;
      const address = BigInt(p.queue.base + slot * 32);
      if (!p.inRam(address, address + 32n)) continue;
      pages.push(Number(address / 4096n) * 4096);
      const op = at({ kind: 'read', ...src, space: 'phys', address, size: 8 });
      for (let dw = 1; dw < 4; dw++)
        at({ kind: 'read', ...src, space: 'phys', address: address + BigInt(8 * dw), size: 8 });
      window.push({ slot, op });
    }
  }
  let data: DmaCheck['data'];
  if (landing) {
    const op = at({ kind: 'read', ...src, space: 'phys', address: landing.address, size: 8 });
    at({ kind: 'store', ...src, address: landing.address, bytes: bytesOf(p.memory(landing.address)) });
    data = { op, address: landing.address, expected: landing.expected, pattern: LANDING_PATTERN };
  }
  const r = p.r;
  const model: DmaModel = {
    outcome: r.outcome,
    ...(pa !== undefined ? { pa } : {}),
    ...('event' in r && r.event !== undefined ? { event: r.event } : {}),
    detail: r.detail,
  };
  const check: DmaCheck = {
    range: p.range,
    ...(p.inner ? { inner: p.inner } : {}),
    sid: p.t.sid,
    iova: p.t.address,
    write,
    bytes,
    device: d,
    model,
    marker,
    prodBefore,
    prodAfter,
    poll,
    records: p.records,
    ...(p.queue ? { queue: { log2: p.queue.log2, prod: p.queue.prod } } : {}),
    window,
    ...(data ? { data } : {}),
    expected: new Set(),
  };
  return { ops, check, pages };
}

/** `check` with its operation indexes moved by `by` (the program's operations before it). */
export function shiftCheck(check: DmaCheck, by: number): DmaCheck {
  return {
    ...check,
    marker: check.marker + by,
    prodBefore: check.prodBefore + by,
    prodAfter: check.prodAfter + by,
    poll: check.poll + by,
    window: check.window.map((w) => ({ slot: w.slot, op: w.op + by })),
    ...(check.data ? { data: { ...check.data, op: check.data.op + by } } : {}),
  };
}
