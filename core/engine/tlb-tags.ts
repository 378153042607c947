/**
 * The tags TLB invalidations match on (§4.4, §3.17): the translation regime (NS-EL1 "NH", EL2,
 * EL2-E2H; for Secure streams "S", the Secure StreamWorld, and "EL3", §5.2 STRW), the VMID and the ASID. The TLB's leaf entries (tlb.ts) and the walk cache's table
 * entries (walk-cache.ts) are kept per tag context with the same key.
 *
 * With Secure stage 2 (SMMU_S_IDR1.SEL2, §3.10.2.2) a Secure stream has two IPA spaces, each with
 * its own stage 2 table: "S" also holds the stage 2 entries of the Secure IPA space (S_S2TTB) and
 * "S_NSIPA" those of the Secure stream Non-secure IPA space (S2TTB), which "is translated
 * differently to a Non-secure stream IPA space", so the same IPA finds each space's own entries
 * (CMD_TLBI_S_S2_IPA's NS parameter, §4.4.3.3). "S_EL2" and "S_EL2_E2H" are the S-EL2 and
 * S-EL2-E2H StreamWorlds (STRW 0b10 in a Secure STE, by SMMU_S_CR2.E2H), apart from NS-EL2's.
 */
export type Regime = 'NH' | 'EL2' | 'EL2_E2H' | 'S' | 'S_NSIPA' | 'S_EL2' | 'S_EL2_E2H' | 'EL3';

const REGIMES: Record<Regime, number> = { NH: 0, EL2: 1, EL2_E2H: 2, S: 3, S_NSIPA: 4, S_EL2: 5, S_EL2_E2H: 6, EL3: 7 };

/**
 * One number per (regime, VMID, ASID): VMIDs and ASIDs are at most 16 bits, ASID -1 (global) and
 * -2 (stage 2 only) included; the result stays below 2^53.
 */
export function ctxKey(regime: Regime, vmid: number, asid: number): number {
  // NH first: the hot path (a transaction's TLB lookup) skips the record read.
  return (regime === 'NH' ? 0 : REGIMES[regime]) * 68719476736 + (vmid + 1) * 262144 + (asid + 2);
}

/**
 * The regimes whose entries carry neither VMID nor ASID: NS-EL2 and S-EL2 (not E2H) and EL3, where
 * CD.ASID is IGNORED (§5.4 ASID, §5.4.1 "EL2 has no ASIDs") and STE.S2VMID too (§5.2 S2VMID).
 */
export const UNTAGGED_REGIMES: ReadonlySet<Regime> = new Set<Regime>(['EL2', 'S_EL2', 'EL3']);

/**
 * An entry's tags as the views show them: the regime with its VMID and ASID ("global" for a
 * global entry, "—" for stage 2 only), or for an untagged regime no ASID or VMID at all, since
 * the architecture gives it none (a "global" there would suggest an nG that does not exist).
 */
export function tagsText(regime: Regime, vmid: number, asid: number): string {
  if (UNTAGGED_REGIMES.has(regime)) return `${regime} (no VMID, no ASID)`;
  return `${regime} VMID=${vmid} ASID=${asid < 0 ? (asid === -1 ? 'global' : '—') : asid}`;
}
