/**
 * Declarative layouts of the in-memory structures the SMMU reads and writes: commands (§4),
 * event and PRI records (§7.3, §8), stream table entries and context descriptors (§5). Bit
 * positions are absolute within the structure, as the architecture writes them (`STE[143:128]`),
 * and the structure is stored little-endian in guest memory as 32-bit words (§3.3 "structures
 * are little-endian" unless SMMU_IDR0.TTENDIAN says otherwise; we model little-endian only).
 *
 * The tables are the one source of truth: encoders, decoders, validators, hovers, the grammar
 * and the docs read them. Hot paths use the compiled accessors in `core/layout/access.ts`.
 */
import type { EnumValue, FeatureRef } from '../registers/types';

export type { EnumValue, FeatureRef };

export interface LayoutField {
  /** Name exactly as the architecture spells it (`S1ContextPtr`, `StreamID`, `SSec`). */
  readonly name: string;
  /** Absolute bit positions in the structure; msb >= lsb. */
  readonly msb: number;
  readonly lsb: number;
  readonly description: string;
  readonly values?: readonly EnumValue[];
  /** Numeric field (index, size, count) whose values are not an enumeration. */
  readonly openValues?: boolean;
  /**
   * Address fields hold address bits [msb-lsb+addrShift : addrShift]: `S1ContextPtr[51:6]`
   * sits at STE[51:6] and holds address bits 51:6, so addrShift = 6. The decoded value
   * is the address (field << addrShift).
   */
  readonly addrShift?: number;
  /** The field exists only when this ID feature holds; otherwise it is RES0 (ignored or ILLEGAL per the table). */
  readonly requires?: FeatureRef;
  /**
   * The field's value is UNKNOWN unless another field of the same structure holds one of these
   * values (an event's SubstreamID unless SSV is 1, §7.3): two records that differ only there are
   * the same record.
   */
  readonly unknownUnless?: { readonly field: string; readonly values: readonly number[] };
}

export interface LayoutDef {
  /** `STE`, `CD`, `CMD_CFGI_STE`, `F_TRANSLATION`, ... */
  readonly name: string;
  /** Size in bits: 128 (commands), 256 (events), 512 (STE/CD), 64 (L1 descriptors), 128 (PRI). */
  readonly bits: number;
  /** Architecture section, e.g. `5.2`. */
  readonly section: string;
  readonly summary: string;
  readonly fields: readonly LayoutField[];
}
