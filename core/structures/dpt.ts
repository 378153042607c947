/**
 * The Device Permission Table the values of SMMU_DPT_BASE and SMMU_DPT_BASE_CFG describe (§3.24.3,
 * §6.3.46, §6.3.47), and the "Invalid DPT register configuration" conditions of §3.24.4, which make
 * every DPT lookup a DPT_WALK_FAULT at level 0.
 */
import { extractField, type IdView } from '../registers/codec';
import { findField, getRegister } from '../registers/table';
import type { FieldDef } from '../registers/types';
import * as caps from './capabilities';

function field(register: 'DPT_BASE' | 'DPT_BASE_CFG', name: string): FieldDef {
  const f = findField(getRegister(register), name);
  if (!f) throw new Error(`internal: no field ${register}.${name}`);
  return f;
}

const BADDR = field('DPT_BASE', 'BADDR');
const L0DPTSZ = field('DPT_BASE_CFG', 'L0DPTSZ');
const DPTGS = field('DPT_BASE_CFG', 'DPTGS');
const DPTPS = field('DPT_BASE_CFG', 'DPTPS');

/** §6.3.47 DPTPS: the protected physical address size in bits; 0b111 is reserved. */
const DPTPS_BITS: readonly number[] = [32, 36, 40, 42, 44, 48, 52];
/** §6.3.47 L0DPTSZ: address bits each level 0 entry covers; other encodings are reserved. */
const L0DPTSZ_BITS: ReadonlyMap<number, number> = new Map([
  [0, 30],
  [4, 34],
  [6, 36],
  [9, 39],
]);
/** §6.3.47 DPTGS: the granule, 0b11 reserved. */
const DPTGS_KB: readonly caps.GranuleKb[] = [4, 64, 16];

export interface DptLayout {
  /** The effective level 0 base: BADDR aligned to the greater of 4 KB and the table size. */
  readonly base: number;
  /** The base address as written (BADDR, bits [55:12]). */
  readonly written: number;
  /** The alignment in bytes the SMMU imposes, when the configuration is valid. */
  readonly alignment: number;
  readonly dptpsBits?: number;
  readonly l0dptszBits?: number;
  readonly granuleKb?: caps.GranuleKb;
  /** Why the configuration is invalid (§3.24.4); empty when it is valid. */
  readonly problems: readonly string[];
}

/** The DPT the two registers describe, with the reasons its configuration is invalid. */
export function dptLayout(dptBase: bigint, dptBaseCfg: bigint, ids: IdView): DptLayout {
  const oas = caps.oasBits(ids);
  const problems: string[] = [];
  const ps = Number(extractField(dptBaseCfg, DPTPS));
  const dptpsBits = DPTPS_BITS[ps];
  if (dptpsBits === undefined) problems.push(`DPTPS is 0b${ps.toString(2)}, a reserved encoding`);
  else if (dptpsBits > oas) problems.push(`DPTPS selects ${dptpsBits} bits, more than SMMU_IDR5.OAS (${oas} bits)`);
  const gs = Number(extractField(dptBaseCfg, DPTGS));
  const granuleKb = DPTGS_KB[gs];
  if (granuleKb === undefined) problems.push(`DPTGS is 0b${gs.toString(2)}, a reserved encoding`);
  else if (!caps.granuleSupported(ids, granuleKb))
    problems.push(`DPTGS selects ${granuleKb} KB, which SMMU_IDR5.GRAN${granuleKb}K does not advertise`);
  const sz = Number(extractField(dptBaseCfg, L0DPTSZ));
  const l0dptszBits = L0DPTSZ_BITS.get(sz);
  if (l0dptszBits === undefined) problems.push(`L0DPTSZ is 0b${sz.toString(2).padStart(4, '0')}, a reserved encoding`);
  else {
    if (l0dptszBits > oas) problems.push(`L0DPTSZ selects ${l0dptszBits} bits, more than SMMU_IDR5.OAS (${oas} bits)`);
    if (dptpsBits !== undefined && l0dptszBits > dptpsBits)
      problems.push(`L0DPTSZ selects ${l0dptszBits} bits, more than DPTPS (${dptpsBits} bits)`);
  }
  const written = Number(extractField(dptBase, BADDR)) * 4096;
  // §6.3.46: aligned to the greater of 4 KB and the level 0 table, 8 bytes × 2^(DPTPS - L0DPTSZ).
  const tableBytes =
    dptpsBits !== undefined && l0dptszBits !== undefined && l0dptszBits <= dptpsBits
      ? 8 * 2 ** (dptpsBits - l0dptszBits)
      : 0;
  const alignment = Math.max(4096, tableBytes);
  return {
    base: written - (written % alignment),
    written,
    alignment,
    ...(dptpsBits !== undefined ? { dptpsBits } : {}),
    ...(l0dptszBits !== undefined ? { l0dptszBits } : {}),
    ...(granuleKb !== undefined ? { granuleKb } : {}),
    problems,
  };
}
