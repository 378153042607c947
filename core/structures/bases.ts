/**
 * Where the Stream table and the queues are, from the values of their base registers, as the SMMU
 * uses them rather than as they read back (§6.3.24–§6.3.26, §6.3.29, §6.3.33). One place decides
 * it: the engine's transactions and queues, the model's write checks, the debugger's and the
 * editor's views and the configuration's preset values ask here.
 *
 * Stream table (§6.3.24, §6.3.25):
 * - The effective base is aligned by the SMMU, ignoring the low ADDR bits that alignment needs:
 *   for a linear table to the table size, ADDR[LOG2SIZE + 5:0] = 0; for a 2-level table to the
 *   larger of 64 bytes and the first-level table size, ADDR[MAX(5, LOG2SIZE - SPLIT - 1 + 3):0] = 0.
 *   The alignment follows the literal LOG2SIZE, not the one capped at SIDSIZE. The register keeps
 *   what software wrote.
 * - LOG2SIZE is capped at SMMU_IDR1.SIDSIZE for everything else.
 * - FMT is 2-level only when it says 0b01 and SMMU_IDR0.ST_LEVEL advertises the format (FMT is RES0
 *   otherwise; its reserved values behave as linear). SPLIT values other than 6, 8 and 10 behave
 *   as 6.
 *
 * Queues (§6.3.26): LOG2SIZE is capped at IDR1.CMDQS/EVENTQS/PRIQS for use; the effective base is
 * aligned to the larger of the queue size in bytes and 32 bytes.
 */
import { extractField, type IdView } from '../registers/codec';
import { findField, getRegister } from '../registers/table';
import type { AnyQueueName, FieldDef, QueueName } from '../registers/types';
import * as caps from './capabilities';

function field(register: 'STRTAB_BASE' | 'STRTAB_BASE_CFG' | `${QueueName}_BASE`, name: string): FieldDef {
  const f = findField(getRegister(register), name);
  if (!f) throw new Error(`internal: no field ${register}.${name}`);
  return f;
}

const STRTAB_ADDR = field('STRTAB_BASE', 'ADDR');
const STRTAB_FMT = field('STRTAB_BASE_CFG', 'FMT');
const STRTAB_SPLIT = field('STRTAB_BASE_CFG', 'SPLIT');
const STRTAB_LOG2SIZE = field('STRTAB_BASE_CFG', 'LOG2SIZE');

export interface StreamTableLayout {
  /** The effective base address: the written base with the bits the alignment ignores as zero. */
  readonly base: number;
  /** The base address as written (STRTAB_BASE.ADDR, bits [55:6]). */
  readonly written: number;
  /** The alignment in bytes the SMMU imposes on the base. */
  readonly alignment: number;
  /** log2 of the StreamIDs in use: LOG2SIZE capped at SIDSIZE. */
  readonly log2: number;
  /** LOG2SIZE as written (it sets the alignment). */
  readonly log2Written: number;
  readonly twoLevel: boolean;
  /** SPLIT in effect (6, 8 or 10); meaningful for a 2-level table. */
  readonly split: number;
}

/**
 * The Stream table the values of STRTAB_BASE and STRTAB_BASE_CFG describe, or of S_STRTAB_BASE and
 * S_STRTAB_BASE_CFG (the same fields, §6.3.72, §6.3.73) with `sidSize` SMMU_S_IDR1.S_SIDSIZE:
 * LOG2SIZE is capped at `sidSize`.
 */
export function streamTableLayout(
  strtabBase: bigint,
  strtabBaseCfg: bigint,
  ids: IdView,
  sidSize: number = caps.sidSize(ids),
): StreamTableLayout {
  const written = Number(extractField(strtabBase, STRTAB_ADDR)) * 64;
  const log2Written = Number(extractField(strtabBaseCfg, STRTAB_LOG2SIZE));
  const twoLevel = extractField(strtabBaseCfg, STRTAB_FMT) === 1n && caps.twoLevelStreamTable(ids);
  const rawSplit = Number(extractField(strtabBaseCfg, STRTAB_SPLIT));
  const split = rawSplit === 8 || rawSplit === 10 ? rawSplit : 6;
  // Low address bits treated as zero: [LOG2SIZE + 5:0] linear, [MAX(5, LOG2SIZE - SPLIT + 2):0] 2-level.
  const zeroBits = twoLevel ? Math.max(6, log2Written - split + 3) : log2Written + 6;
  const alignment = 2 ** zeroBits;
  return {
    base: written - (written % alignment),
    written,
    alignment,
    log2: Math.min(log2Written, sidSize),
    log2Written,
    twoLevel,
    split,
  };
}

export interface QueueLayout {
  /** The effective base address, aligned to the queue size (at least 32 bytes). */
  readonly base: number;
  /** The base address as written (ADDR, bits [55:5]). */
  readonly written: number;
  /** The alignment in bytes: the queue size in bytes, at least 32. */
  readonly alignment: number;
  /** log2 of the entries in use: LOG2SIZE capped at the IDR1 maximum. */
  readonly log2: number;
  /** LOG2SIZE as written. */
  readonly log2Written: number;
  /** The IDR1 maximum (CMDQS, EVENTQS or PRIQS). */
  readonly log2Max: number;
  /** Bytes per entry: 16 commands, 32 event records, 16 PRI requests. */
  readonly entryBytes: number;
}

const QUEUE_FIELDS = new Map(
  (['CMDQ', 'EVENTQ', 'PRIQ'] as const).map(
    (q) => [q, { addr: field(`${q}_BASE`, 'ADDR'), log2: field(`${q}_BASE`, 'LOG2SIZE') }] as const,
  ),
);

/** The queue the value of its BASE register describes. */
export function queueLayout(value: bigint, queue: AnyQueueName, ids: IdView): QueueLayout {
  // A Secure queue's BASE has the layout of its Non-secure kind's (§6.3.74, §6.3.77).
  const kind = caps.queueKindOf(queue);
  const f = QUEUE_FIELDS.get(kind);
  if (!f) throw new Error(`internal: no queue ${queue}`);
  const written = Number(extractField(value, f.addr)) * 2 ** (f.addr.addrShift ?? f.addr.lsb);
  const log2Written = Number(extractField(value, f.log2));
  const log2Max = caps.queueLog2Max(ids, queue);
  const log2 = Math.min(log2Written, log2Max);
  const entryBytes = kind === 'EVENTQ' ? 32 : 16;
  const alignment = Math.max(entryBytes * 2 ** log2, 32);
  return { base: written - (written % alignment), written, alignment, log2, log2Written, log2Max, entryBytes };
}
