/** Shared helpers for the structure tables. */
import type { LayoutField } from '../layout/types';

export const f = (
  name: string,
  msb: number,
  lsb: number,
  description: string,
  extra: Partial<LayoutField> = {},
): LayoutField => ({ name, msb, lsb, description, ...extra });

export const CACHEABILITY = [
  { value: 0, name: 'NC', description: 'Non-cacheable.' },
  { value: 1, name: 'WBRA', description: 'Write-back, read-allocate.' },
  { value: 2, name: 'WT', description: 'Write-through.' },
  { value: 3, name: 'WB', description: 'Write-back, no read-allocate.' },
];

export const SHAREABILITY = [
  { value: 0, name: 'NSH', description: 'Non-shareable.' },
  { value: 1, name: 'SH_RESERVED', description: 'Reserved (behaves as Non-shareable).' },
  { value: 2, name: 'OSH', description: 'Outer Shareable.' },
  { value: 3, name: 'ISH', description: 'Inner Shareable.' },
];

/** Output/physical address size encodings (CD.IPS, STE.S2PS, IDR5.OAS, §3.4). */
export const ADDRESS_SIZES = [
  { value: 0, name: 'OAS32' },
  { value: 1, name: 'OAS36' },
  { value: 2, name: 'OAS40' },
  { value: 3, name: 'OAS42' },
  { value: 4, name: 'OAS44' },
  { value: 5, name: 'OAS48' },
  { value: 6, name: 'OAS52' },
  { value: 7, name: 'OAS56' },
];

/**
 * The address-size encoding SMMU_IDR5.OAS (§6.3.6), CD.IPS (§5.4) and STE.S2PS (§5.2) share, in
 * bits: 0b110 is 52 (reserved in SMMUv3.0), 0b111 is 56 (reserved up to SMMUv3.3). The one table
 * every reader of these fields uses; undefined for an encoding outside it.
 */
export function sizeBits(code: number): number | undefined {
  return [32, 36, 40, 42, 44, 48, 52, 56][code];
}

export interface StructureProblem {
  readonly code: string;
  readonly field?: string;
  readonly message: string;
  readonly section: string;
}

export interface Verdict {
  /** The V bit. */
  readonly valid: boolean;
  /** Reasons the structure is ILLEGAL (empty when it is not). */
  readonly illegal: readonly StructureProblem[];
}
