/**
 * A device's DMA transfer with a payload: the bytes it writes to, or reads from, guest memory
 * through the SMMU. The SMMU translates transactions, one translation each (§16.7.1), and a
 * transaction never crosses a 4 KB boundary (AMBA AXI and PCIe forbid it, so an SMMU with an AMBA
 * downstream interconnect treats one that does as unsupported, §16.7.1). A transfer is therefore
 * the sequence of transactions its 4 KB blocks make, each translated and checked on its own, in
 * address order: a page of any granule (4, 16 or 64 KB) is covered by whole transactions.
 *
 * Each transaction's outcome decides what happens to its bytes (§5.5): translated or bypassed,
 * they go to (or come from) the output address; terminated with RAZ/WI, a read returns zeros and
 * a write is ignored, and the device goes on; aborted or stalled, the device stops, so the bytes
 * of the transactions before it stay written and nothing after it moves. A stalled transaction
 * that software later retries (CMD_RESUME) is translated again, but its data is not replayed.
 */
import { hex } from '../registers/codec';
import { paSpaceName } from '../translation/secure-ns';
import type { EngineContext, Transaction } from './context';
import { atsAccess, translatedTransaction } from './ats';
import { withMpam } from './mpam';
import { translate, type TransactionResult } from './transaction';

/**
 * How a device issues its transactions: ordinary (Untranslated) ones, through its ATC with ATS
 * (a Translation Request on a miss, then a Translated transaction), or marked Translated with the
 * address as given (§3.9.1).
 */
export type DmaRoute = 'untranslated' | 'ats' | 'translated';

/** The largest transaction: a 4 KB block (§16.7.1). */
export const TRANSACTION_BYTES = 4096;

/** One transaction of a transfer. */
export interface DmaTransaction {
  /** Its input address (the transfer's address plus `offset`). */
  readonly address: bigint;
  /** Where its bytes are in the transfer, and how many. */
  readonly offset: number;
  readonly length: number;
  /**
   * What the SMMU did with it. A translated transaction whose data access then took an external
   * abort (a `mem abort` range, or beyond the memory the model holds) is an abort without an
   * event: the SMMU translated it, the memory system refused it.
   */
  readonly result: TransactionResult;
}

export interface DmaTransferResult {
  /** The transactions issued, in order; the last is the one that stopped the transfer, if one did. */
  readonly transactions: readonly DmaTransaction[];
  /** How many transactions the whole transfer needs. */
  readonly total: number;
  /** Bytes that completed before the transfer stopped (RAZ/WI transactions complete). */
  readonly done: number;
  /** Whether a transaction stopped the transfer (an abort or a stall). */
  readonly stopped: boolean;
  /** A read's bytes: `done` of them (zeros where a transaction was RAZ/WI). */
  readonly bytes?: Uint8Array;
}

/** How many transactions `length` bytes from `address` take: one per 4 KB block they touch. */
export function transactionCount(address: bigint, length: number): number {
  const first = address / BigInt(TRANSACTION_BYTES);
  const last = (address + BigInt(Math.max(length, 1)) - 1n) / BigInt(TRANSACTION_BYTES);
  return Number(last - first) + 1;
}

/**
 * Transfer `length` bytes from `t.address` (`t.access` says read, write or exec): a write stores
 * `payload` (`length` bytes); a read returns the bytes. With the engine recording, each
 * transaction of a transfer that needs several is logged (`transaction` activity) after the
 * structures and descriptors it fetched, so the debugger and `--trace` show them one by one.
 */
export function dmaTransfer(
  engine: EngineContext,
  t: Transaction,
  length: number,
  payload?: Uint8Array,
  route: DmaRoute = 'untranslated',
): DmaTransferResult {
  if (t.access.write && (!payload || payload.length !== length))
    throw new Error('internal: a DMA write needs its payload');
  const total = transactionCount(t.address, length);
  const transactions: DmaTransaction[] = [];
  const bytes = t.access.write ? undefined : new Uint8Array(length);
  let offset = 0;
  let stopped = false;
  for (let k = 0; offset < length; k++) {
    const address = t.address + BigInt(offset);
    const n = Math.min(length - offset, TRANSACTION_BYTES - Number(address % BigInt(TRANSACTION_BYTES)));
    const tt = { ...t, address };
    let result =
      route === 'ats'
        ? atsAccess(engine, tt).result
        : route === 'translated'
          ? translatedTransaction(engine, tt)
          : withMpam(engine, tt, translate(engine, tt));
    if (result.outcome === 'translated' || result.outcome === 'bypass') {
      const pa = result.pa;
      // A Secure stream's result names its PA space (ns false: Secure, §3.10.2); others are Non-secure.
      const mem = result.ns === false ? engine.memory.secureSpace() : engine.memory;
      // The block maps to one contiguous range (granules are 4 KB or more), within one memory page.
      if (mem.isAbort(Number(pa), n)) {
        result = {
          outcome: 'abort',
          detail: `${result.outcome} → ${hex(pa, 64)}, and the data ${t.access.write ? 'write' : 'read'} there took an external abort`,
        };
      } else if (payload) mem.writeBytes(Number(pa), payload.subarray(offset, offset + n));
      else if (bytes) mem.readBytes(Number(pa), bytes.subarray(offset, offset + n));
    }
    // RAZ/WI: the read's bytes stay zero, the write is dropped; the device goes on (§5.5 A).
    transactions.push({ address, offset, length: n, result });
    if (total > 1 && engine.recording)
      engine.log({
        kind: 'transaction',
        text: `transaction ${k + 1} of ${total}, IOVA ${hex(address, 64)} (${n} bytes): ${describeResult(result)}`,
        address,
      });
    if (result.outcome === 'abort' || result.outcome === 'stalled') {
      stopped = true;
      break;
    }
    offset += n;
  }
  return { transactions, total, done: offset, stopped, ...(bytes ? { bytes: bytes.subarray(0, offset) } : {}) };
}

/**
 * A transaction's outcome in one line: `translated → 0x… (TLB hit)`, `abort: F_TRANSLATION …`; a
 * Secure stream's translation names its output PA space (§13.5: `→ 0x… in the Non-secure PA
 * space`), which a bypass's detail already names.
 */
export function describeResult(r: TransactionResult): string {
  return r.outcome === 'translated' || r.outcome === 'bypass'
    ? `${r.outcome} → ${outputText(r)} (${r.detail})`
    : `${r.outcome}: ${r.detail}`;
}

/** Where a completed transaction goes: its PA, and for a Secure stream's translation the PA space. */
export function outputText(r: Extract<TransactionResult, { pa: bigint }>): string {
  const space = r.outcome === 'translated' && r.ns !== undefined ? ` in the ${paSpaceName(r.ns)}` : '';
  return `${hex(r.pa, 64)}${space}`;
}
