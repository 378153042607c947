/**
 * The walk parameters an STE's stage 2 and a CD's stage 1 give (§5.2 S2T0SZ, S2SL0, S2TG, S2PS,
 * S2TTB, S2HA/S2HD/S2AFFD, S2PIE/S2POE/S2POI with SMMU_S2PII; §5.4 TxSZ, TGx, IPS, TTBx, HA/HD,
 * AFFD, WXN, UWXN, PAN, PIE/PIIP/PIIU with STE.S1PIE), as the SMMU
 * uses them: one place for the engine's translations and for reading a live guest's tables
 * (core/inspect).
 */
import type { IdView } from '../registers/codec';
import * as caps from '../structures/capabilities';
import type { CdFields } from '../structures/cd';
import type { SteFields } from '../structures/ste';
import type { WalkParams } from './types';
import { granuleFromS2Tg, granuleFromTg0, granuleFromTg1, ipsBits, startLevelS2 } from './walk';

/**
 * Stage 2 of an STE; undefined when its granule or start level is not one the SMMU can walk.
 * `s2pii` is SMMU_S2PII, which the Indirect Permission Scheme uses when STE.S2PIE is 1 (§3.26.2).
 */
export function s2WalkParams(ste: SteFields, ids: IdView, oas: number, s2pii = 0n): WalkParams | undefined {
  const granule = granuleFromS2Tg(ste.s2Tg);
  if (!granule) return undefined;
  // With SMMU_IDR3.STT, 4 KB S2SL0 = 3 starts at level 3 and S2T0SZ may reach 48 (§5.2 S2SL0,
  // S2T0SZ); with S2DS (IDR5.DS), S2SL0_2 selects level -1 and S2T0SZ may go down to 12 (§5.2
  // S2DS). checkSte has accepted the STE on the same rules, so the walk must too.
  const ds = caps.ds(ids) && ste.s2Ds === 1;
  const startLevel = startLevelS2(ste.s2Sl0, granule, ste.s2T0sz, { stt: caps.stt(ids), ds, sl2: ste.s2Sl02 });
  if (startLevel === undefined) return undefined;
  const httu = caps.httu(ids);
  return {
    ds,
    dsSh: ste.s2Sh0,
    stage: 2,
    granule,
    tsz: ste.s2T0sz,
    startLevel,
    ttb: BigInt(ste.s2Ttb),
    outputBits: Math.min(ipsBits(ste.s2Ps) ?? oas, oas),
    ha: httu >= 1 && ste.s2Ha === 1,
    hd: httu >= 2 && ste.s2Hd === 1,
    // §5.2 S2HAFT: RES0 unless SMMU_IDR0.HTTU == 0b11.
    haft: httu === 3 && ste.s2Haft === 1,
    affd: ste.s2Affd === 1,
    ...s2Indirect(ste, ids, s2pii),
    // §5.2 AssuredOnly: RES0 without SMMU_IDR3.THE (§3.27.2).
    assuredOnly: caps.the(ids) && ste.assuredOnly === 1,
    // §5.2 S2ENDI: checkSte has made it one that SMMU_IDR0.TTENDIAN implements.
    bigEndian: ste.s2Endi === 1,
  };
}

/**
 * §3.26.2: stage 2 uses the Indirect Permission Scheme with SMMU_IDR3.S2PI and STE.S2PIE (RES0
 * for a VMSAv8-32 stage 2, S2AA64 = 0), and applies STE.S2POI with SMMU_IDR3.S2PO and STE.S2POE
 * (which checkSte accepts only with S2PIE = 1).
 */
function s2Indirect(ste: SteFields, ids: IdView, s2pii: bigint): Pick<WalkParams, 's2pi'> {
  if (!caps.s2pi(ids) || ste.s2Pie !== 1 || ste.s2Aa64 !== 1) return {};
  const overlay = caps.s2po(ids) && ste.s2Poe === 1;
  const s2poi = (BigInt(ste.s2PoiHi) << 32n) | BigInt(ste.s2PoiLo);
  return { s2pi: overlay ? { s2pii, s2poi } : { s2pii } };
}

/**
 * §3.26.1: stage 1 uses the Indirect Permission Scheme when SMMU_IDR3.S1PI, STE.S1PIE and CD.PIE
 * are all 1 (CD.PIE is RES0 for VMSAv8-32 tables, CD.AA64 = 0); the STE is the one that located
 * the CD.
 */
function s1Indirect(cd: CdFields, ids: IdView, ste: Pick<SteFields, 's1Pie'> | undefined): Pick<WalkParams, 's1pi'> {
  if (!caps.s1pi(ids) || ste?.s1Pie !== 1 || cd.pie !== 1 || cd.aa64 !== 1) return {};
  return { s1pi: { piip: cd.piip, piiu: cd.piiu } };
}

/**
 * Stage 1 through TTB`sel` of a CD; undefined for a reserved TGx encoding. With a stage 2 after
 * it (`nested`), the output is an IPA: the stage 1 output size is not capped at OAS. `ste`, the
 * STE that located the CD, says with S1PIE whether CD.PIE may enable stage 1 permission
 * indirection (§3.26.1); without it the walk uses the Direct permissions.
 */
export function s1WalkParams(
  cd: CdFields,
  sel: 0 | 1,
  ids: IdView,
  oas: number,
  nested: boolean,
  ste?: Pick<SteFields, 's1Pie'>,
): WalkParams | undefined {
  const granule = sel === 0 ? granuleFromTg0(cd.tg0) : granuleFromTg1(cd.tg1);
  if (!granule) return undefined;
  const httu = caps.httu(ids);
  return {
    stage: 1,
    granule,
    tsz: sel === 0 ? cd.t0sz : cd.t1sz,
    ttb: BigInt(sel === 0 ? cd.ttb0 : cd.ttb1),
    outputBits: Math.min(ipsBits(cd.ips) ?? oas, nested ? 52 : oas),
    ha: httu >= 1 && cd.ha === 1,
    hd: httu >= 2 && cd.hd === 1,
    // §5.4 HAFT: RES0 unless SMMU_IDR0.HTTU == 0b11.
    haft: httu === 3 && cd.haft === 1,
    affd: cd.affd === 1,
    wxn: cd.wxn === 1,
    uwxn: cd.uwxn === 1,
    pan: cd.pan === 1,
    // CD.DS (RES0 without SMMU_IDR5.DS): the LPA2 formats for a 4 KB / 16 KB walk, whose leaves
    // then take CD.SHx for their Shareability (§5.4 DS).
    ds: caps.ds(ids) && cd.ds === 1,
    dsSh: sel === 0 ? cd.sh0 : cd.sh1,
    ...s1Indirect(cd, ids, ste),
    // §5.4 PnCH: RES0 without SMMU_IDR3.THE and for VMSAv8-32 LPAE tables (§3.27.1).
    pnch: caps.the(ids) && cd.aa64 === 1 && cd.pnch === 1,
    // §5.4 ENDI: checkCd has made it one that SMMU_IDR0.TTENDIAN implements.
    bigEndian: cd.endi === 1,
  };
}

/** One CD's stage 1 parameters through TTB0 and TTB1, for the SMMU, OAS, nesting and STE.S1PIE they were made for. */
interface S1ParamsOfCd {
  readonly ids: IdView;
  readonly oas: number;
  readonly nested: boolean;
  readonly s1Pie: number | undefined;
  readonly bySel: [WalkParams | undefined | null, WalkParams | undefined | null];
}

/**
 * s1WalkParams made once per decoded CD: the engine's configuration cache keeps a CD's decoded
 * fields (one object) until a CFGI command drops them, and every TLB miss of its streams walks
 * with the same parameters. A new CD (a refetch) is a new object, so a parameter set is never
 * kept past its CD. `null` is "not made yet"; undefined is s1WalkParams's own "reserved TGx".
 */
const s1ParamsByCd = new WeakMap<CdFields, S1ParamsOfCd>();

/** s1WalkParams, made once per CD object and the other inputs (see s1ParamsByCd). */
export function cachedS1WalkParams(
  cd: CdFields,
  sel: 0 | 1,
  ids: IdView,
  oas: number,
  nested: boolean,
  ste?: Pick<SteFields, 's1Pie'>,
): WalkParams | undefined {
  const s1Pie = ste?.s1Pie;
  let kept = s1ParamsByCd.get(cd);
  if (kept === undefined || kept.ids !== ids || kept.oas !== oas || kept.nested !== nested || kept.s1Pie !== s1Pie) {
    kept = { ids, oas, nested, s1Pie, bySel: [null, null] };
    s1ParamsByCd.set(cd, kept);
  }
  const known = kept.bySel[sel];
  if (known !== null) return known;
  const made = s1WalkParams(cd, sel, ids, oas, nested, ste);
  kept.bySel[sel] = made;
  return made;
}
