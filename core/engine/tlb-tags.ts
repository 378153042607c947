/**
 * The tags TLB invalidations match on (§4.4, §3.17): the translation regime (NS-EL1 "NH", EL2,
 * EL2-E2H; for Secure streams "S", the Secure StreamWorld, and "EL3", §5.2 STRW), the VMID and the ASID. The TLB's leaf entries (tlb.ts) and the walk cache's table
 * entries (walk-cache.ts) are kept per tag context with the same key.
 */
export type Regime = 'NH' | 'EL2' | 'EL2_E2H' | 'S' | 'EL3';

const REGIMES: Record<Regime, number> = { NH: 0, EL2: 1, EL2_E2H: 2, S: 3, EL3: 4 };

/**
 * One number per (regime, VMID, ASID): VMIDs and ASIDs are at most 16 bits, ASID -1 (global) and
 * -2 (stage 2 only) included; the result stays below 2^53.
 */
export function ctxKey(regime: Regime, vmid: number, asid: number): number {
  // NH first: the hot path (a transaction's TLB lookup) skips the record read.
  return (regime === 'NH' ? 0 : REGIMES[regime]) * 68719476736 + (vmid + 1) * 262144 + (asid + 2);
}
