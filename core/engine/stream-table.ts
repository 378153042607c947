/**
 * Where the SMMU finds the Stream table: SMMU_STRTAB_BASE and SMMU_STRTAB_BASE_CFG as the SMMU
 * uses them, not as they read back (§6.3.24, §6.3.25). The one place that decides it: the
 * transaction path, the debugger's stream table view and the editor's queue views ask here.
 *
 * - The effective base is aligned by the SMMU, ignoring the low ADDR bits that alignment needs
 *   (§6.3.24): for a linear table to the table size, ADDR[LOG2SIZE + 5:0] = 0; for a 2-level
 *   table to the larger of 64 bytes and the first-level table size,
 *   ADDR[MAX(5, LOG2SIZE - SPLIT - 1 + 3):0] = 0. The alignment follows the literal LOG2SIZE,
 *   not the one capped at SIDSIZE. The register keeps what software wrote.
 * - LOG2SIZE is capped at SMMU_IDR1.SIDSIZE for everything else (§6.3.25).
 * - FMT is 2-level only when it says 0b01 and SMMU_IDR0.ST_LEVEL advertises the format (FMT is RES0
 *   otherwise; its reserved values behave as linear). SPLIT values other than 6, 8 and 10 behave
 *   as 6.
 */
import type { Smmu } from '../model/smmu';
import { extractField, type IdView } from '../registers/codec';
import * as caps from '../structures/capabilities';
import { F } from './registers';

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

/** The layout the two registers' values describe. */
export function streamTableLayout(strtabBase: bigint, strtabBaseCfg: bigint, ids: IdView): StreamTableLayout {
  const written = Number(extractField(strtabBase, F.STRTAB_ADDR.field)) * 64;
  const log2Written = Number(extractField(strtabBaseCfg, F.STRTAB_LOG2SIZE.field));
  const twoLevel = extractField(strtabBaseCfg, F.STRTAB_FMT.field) === 1n && caps.twoLevelStreamTable(ids);
  const rawSplit = Number(extractField(strtabBaseCfg, F.STRTAB_SPLIT.field));
  const split = rawSplit === 8 || rawSplit === 10 ? rawSplit : 6;
  // Number of low address bits treated as zero: [LOG2SIZE + 5:0] linear, [MAX(5, LOG2SIZE - SPLIT + 2):0] 2-level.
  const zeroBits = twoLevel ? Math.max(6, log2Written - split + 3) : log2Written + 6;
  const alignment = 2 ** zeroBits;
  return {
    base: written - (written % alignment),
    written,
    alignment,
    log2: Math.min(log2Written, caps.sidSize(ids)),
    log2Written,
    twoLevel,
    split,
  };
}

/** The layout of the Stream table registers' current values. */
export function currentStreamTable(e: { readonly smmu: Smmu; readonly ids: IdView }): StreamTableLayout {
  return streamTableLayout(e.smmu.value(F.STRTAB_ADDR.reg), e.smmu.value(F.STRTAB_FMT.reg), e.ids);
}
