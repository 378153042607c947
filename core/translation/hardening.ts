/**
 * Translation Hardening in the walk (SMMU_IDR3.THE, §3.27; FEAT_THE in the A-profile
 * architecture): the descriptor bits it gives a meaning to, and the stage 2 AssuredOnly check.
 *
 * - §3.27.1, §5.4 PnCH: with CD.PnCH = 1, bit 52 of a VMSAv8-64 stage 1 descriptor is the
 *   Protected attribute and not the Contiguous hint.
 * - §3.27.2, §5.2 AssuredOnly: with STE.AssuredOnly = 1, bit 58 of a VMSAv8-64 stage 2 Block or
 *   Page descriptor is the AssuredOnly attribute. An access whose stage 1 translation does not
 *   have the Assured Translation property faults at stage 2 on such a page: a Permission fault
 *   (F_PERMISSION, S2 = 1), before the other stage 2 permission checks (§3.26 priority 1).
 *
 * What comes from the Arm ARM (its pseudocode, read in a public Rust port of it since the SMMU
 * specification only refers to it): bit 58 (AArch64.S2NextWalkStateLeaf), the Protected bit 52
 * (AArch64.S1NextWalkStateTable/Leaf), the Assured Translation property (AArch64.S1InitialTTWState:
 * it starts true when VTCR_EL2.TL0 / TL1 is set for the VA range, here STE.TL0 / TL1; each
 * descriptor read keeps it only when its stage 2 permissions are MRO and its Protected bit is 1),
 * and the check (AArch64.S2CheckPermissions: s2assuredonly && !s1assured, for a walk's reads
 * and for the data access). The SMMU adds the CD-fetch rule (core/engine/assured.ts).
 */
import type { Access, WalkParams, WalkStep } from './types';

const BIT52 = 1n << 52n;
const BIT58 = 1n << 58n;

/** The Contiguous hint of a leaf: bit 52, unless CD.PnCH makes it the Protected attribute (§3.27.1). */
export function contiguousBit(p: WalkParams, d: bigint): boolean {
  return (d & BIT52) !== 0n && !(p.stage === 1 && p.pnch === true);
}

/** The stage 1 Protected attribute of a descriptor (table or leaf): bit 52 with CD.PnCH (§3.27.1). */
export function protectedBit(p: WalkParams, d: bigint): boolean {
  return p.stage === 1 && p.pnch === true && (d & BIT52) !== 0n;
}

/** A stage 2 Block or Page descriptor marked AssuredOnly: bit 58 with STE.AssuredOnly (§3.27.2). */
export function assuredOnlyAttr(p: WalkParams, d: bigint): boolean {
  return p.stage === 2 && p.assuredOnly === true && (d & BIT58) !== 0n;
}

/** The AssuredOnly check refuses the access to the stage 2 leaf `d` (§3.27.2, §3.26 priority 1). */
export function assuredOnlyDenies(p: WalkParams, d: bigint, access: Access): boolean {
  return access.assured === false && assuredOnlyAttr(p, d);
}

/**
 * The Assured Translation property after the stage 1 levels `steps[0..upTo)`: `initial` (STE.TL0
 * / TL1 for the range, and the CD fetched from AssuredOnly memory), kept by each descriptor read
 * only when its stage 2 translation was MRO and its Protected bit is set. `mroAt` answers for
 * the descriptor's PA; a level taken from the walk cache was not translated by this walk and
 * does not keep the property.
 */
export function assuredAfter(
  initial: boolean,
  p: WalkParams,
  steps: readonly WalkStep[],
  upTo: number,
  mroAt: (pa: bigint) => boolean,
): boolean {
  if (!initial) return false;
  for (let i = 0; i < upTo; i++) {
    const s = steps[i];
    if (!s || s.cached || !protectedBit(p, s.descriptor) || !mroAt(s.address)) return false;
  }
  return true;
}
