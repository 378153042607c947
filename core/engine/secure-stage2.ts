/**
 * Secure stage 2 and the Secure EL2 StreamWorlds (§3.10.2.2, §5.2; SMMUv3.2, SMMU_S_IDR1.SEL2):
 * what a Secure stream's translation adds to the Non-secure one's (transaction.ts).
 *
 * - Two IPA spaces, each with its own stage 2 table: the Secure IPA space through STE.S_S2TTB
 *   (with S_S2T0SZ, S_S2SL0, S_S2TG), the Secure stream Non-secure IPA space through STE.S2TTB.
 *   The CDs of a nested stream are Secure IPAs (§3.10.2.2: "fetches the L1CD and CD using a
 *   Secure IPA"); stage 1's output and its table reads are IPAs of the space the walk's NS
 *   attribute names (CD.NSCFGx, NSTable, NS; transaction.ts). A stage-2-only translation (Config 0b110,
 *   or S1DSS skipping stage 1) takes its IPA space from STE.NSCFG, or, when that is RES0 (without
 *   SMMU_IDR1.ATTR_PERMS_OVR) or "use incoming", from the input NS attribute (§3.10.2.2, §5.2 NSCFG).
 * - The PA space of each table's walks (S2SW, S2NSW) and of the output (S2SA, S2NSA), by the rules
 *   of §3.10.2.2, which the walks read and write (core/model/memory.ts keeps the two PA spaces).
 * - TLB tags (tlb-tags.ts): StreamWorld Secure entries carry STE.S2VMID with stage 2 and VMID 0
 *   without it (§3.10.2.2, §5.2 S2VMID), a Secure VMID namespace apart from the Non-secure one
 *   (regime "S"); the Non-secure IPA space's stage 2 entries are "S_NSIPA"; STRW 0b10 is S-EL2, or
 *   S-EL2-E2H with SMMU_S_CR2.E2H (§5.2 STRW), tagged without a VMID.
 */
import * as caps from '../structures/capabilities';
import { secureIpaView, type SteFields } from '../structures/ste';
import { steStreamWorld } from '../structures/cd';
import type { SecureStage2Fields } from '../structures/ste-secure';
import { s2WalkParams } from '../translation/params';
import type { WalkParams } from '../translation/types';
import type { EngineContext, Transaction } from './context';
import { SECURE } from './security';
import type { Regime } from './tlb-tags';

/** The two IPA spaces of a Secure stream with Secure stage 2 (§3.10.2.2). */
export type IpaSpace = 'secure' | 'non-secure';

const NO_FIELDS: SecureStage2Fields = {
  s2Nsw: 0,
  s2Nsa: 0,
  sS2T0sz: 0,
  sS2Sl0: 0,
  sS2Tg: 0,
  s2Sw: 0,
  s2Sa: 0,
  sS2Sl02: 0,
  sS2Ttb: 0,
  sS2Skl: 0,
};

/** The Secure-only stage 2 fields of a Secure STE (decoded with it, locateSte). */
function fieldsOf(ste: SteFields): SecureStage2Fields {
  return ste.secureS2 ?? NO_FIELDS;
}

/** The walk of the table of `space`: S_S2TTB's for the Secure IPA space, S2TTB's for the other (§5.2 S_S2TTB). */
export function secureStage2Params(engine: EngineContext, ste: SteFields, space: IpaSpace): WalkParams | undefined {
  const view = space === 'secure' ? secureIpaView(ste, fieldsOf(ste)) : ste;
  return s2WalkParams(view, engine.ids, engine.oas);
}

/**
 * The IPA space of a stage-2-only translation (§3.10.2.2: "determined from the result of the
 * STE.NSCFG field"; §5.2 NSCFG: RES0 without SMMU_IDR1.ATTR_PERMS_OVR, when the incoming NS
 * attribute is used; 0b01 is Reserved and behaves as 0b00).
 */
export function bypassIpaSpace(engine: EngineContext, t: Transaction, ste: SteFields): IpaSpace {
  const nscfg = caps.attrPermsOvr(engine.ids) ? ste.nscfg : 0;
  const ns = nscfg === 0b11 ? true : nscfg === 0b10 ? false : t.ns === true;
  return ns ? 'non-secure' : 'secure';
}

/** How NSCFG chose the space, for the transaction's detail. */
export function bypassIpaSpaceWhy(engine: EngineContext, t: Transaction, ste: SteFields): string {
  const nscfg = caps.attrPermsOvr(engine.ids) ? ste.nscfg : 0;
  return nscfg >= 0b10 ? `STE.NSCFG = 0b${nscfg.toString(2)}` : `the input NS attribute, ${t.ns ? 1 : 0}`;
}

/** The regime tag of the stage 2 entries of `space` (tlb-tags.ts). */
export function stage2Regime(space: IpaSpace): Regime {
  return space === 'secure' ? 'S' : 'S_NSIPA';
}

/**
 * §3.10.2.2: the PA spaces of a Secure stage 2 translation of `space`. The Secure IPA space walks
 * in the space S2SW names and outputs to S2SA's when S2SW is 0, else Non-secure; the Non-secure
 * IPA space walks in S2NSW's and outputs to S2NSA's only when S2SW, S2SA and S2NSW are all 0,
 * else Non-secure (§5.2 S2NSA: the effective S2SA is 1 when S2SW is 1).
 */
export function secureStage2Spaces(ste: SteFields, space: IpaSpace): { walk: IpaSpace; output: IpaSpace } {
  const s = fieldsOf(ste);
  const ns = (bit: number): IpaSpace => (bit === 1 ? 'non-secure' : 'secure');
  if (space === 'secure') return { walk: ns(s.s2Sw), output: s.s2Sw === 1 ? 'non-secure' : ns(s.s2Sa) };
  const own = s.s2Sw === 0 && s.s2Sa === 0 && s.s2Nsw === 0;
  return { walk: ns(s.s2Nsw), output: own ? ns(s.s2Nsa) : 'non-secure' };
}

const spaceName = (s: IpaSpace) => (s === 'secure' ? 'Secure' : 'Non-secure');

/**
 * One phrase for a transaction's detail: the IPA space (and, for stage 2 only, what chose it), its
 * table, where the table's walks read and where the output goes.
 */
export function describeSecureStage2(ste: SteFields, space: IpaSpace, chosenBy?: string): string {
  const { walk, output } = secureStage2Spaces(ste, space);
  const s = fieldsOf(ste);
  const why =
    space === 'secure'
      ? s.s2Sw === 1
        ? 'S2SW = 1'
        : `S2SA = ${s.s2Sa}`
      : s.s2Sw === 0 && s.s2Sa === 0 && s.s2Nsw === 0
        ? `S2NSA = ${s.s2Nsa}`
        : 'S2SW, S2SA or S2NSW is 1';
  const [table, walkBit] = space === 'secure' ? ['S_S2TTB', `S2SW = ${s.s2Sw}`] : ['S2TTB', `S2NSW = ${s.s2Nsw}`];
  const from = chosenBy ? ` (${chosenBy})` : '';
  return `${spaceName(space)} IPA space${from}, its table ${table} read in the ${spaceName(walk)} PA space (${walkBit}), output to the ${spaceName(output)} PA space (${why}) (§3.10.2.2)`;
}

/**
 * The StreamWorld of a Secure STE the model translates (§5.2 STRW, Secure Stream table): STRW
 * 0b10 (with stage 1 only, where STRW is used) is S-EL2, or S-EL2-E2H with SMMU_S_CR2.E2H;
 * 0b01 is EL3; otherwise Secure. checkSte has made STRW 0b10 without SEL2, and 0b11, C_BAD_STE.
 */
export function secureRegime(engine: EngineContext, ste: SteFields): Regime {
  // STRW 0b01 is EL3 (stage 1 only; checkSte makes it ILLEGAL with SMMU_IDR0.RME_IMPL).
  const sw = steStreamWorld(ste, engine.ids, Number(engine.field(SECURE.e2h)), true);
  return sw === 'S-EL2-E2H' ? 'S_EL2_E2H' : sw === 'S-EL2' ? 'S_EL2' : sw === 'EL3' ? 'EL3' : 'S';
}

/**
 * The VMID a Secure stream's entries carry (§3.10.2.2, §5.2 S2VMID): without Secure stage 2 none;
 * with it, StreamWorld Secure entries carry STE.S2VMID when stage 2 is enabled and VMID 0 when it
 * is not; S-EL2 entries carry none (S2VMID is IGNORED for a StreamWorld other than Secure).
 */
export function secureVmid(engine: EngineContext, ste: SteFields, regime: Regime): number {
  if (!caps.secureEl2(engine.ids) || regime === 'S_EL2' || regime === 'S_EL2_E2H' || regime === 'EL3') return -1;
  return (ste.config & 2) === 2 ? ste.s2Vmid : 0;
}

/**
 * The invalidation a stale Secure entry lacks, by its tags (§4.4.2 table, §4.4.2.11–§4.4.2.14,
 * §4.4.3.3): undefined for a Non-secure regime. `asid` is the entry's (-1 global, -2 stage 2).
 */
export function secureTlbiName(regime: Regime, stages: number, asid: number): string | undefined {
  const q = 'on the Secure Command queue';
  const byAsid = asid >= 0 ? ` (ASID ${asid})` : '';
  switch (regime) {
    case 'S':
      return stages === 2
        ? `CMD_TLBI_S_S2_IPA (NS = 0, Secure IPA) ${q}`
        : `${asid === -1 ? 'CMD_TLBI_NH_VAA' : 'CMD_TLBI_NH_VA'}${byAsid} ${q}`;
    case 'S_NSIPA':
      return `CMD_TLBI_S_S2_IPA (NS = 1, Non-secure IPA) ${q}`;
    case 'S_EL2':
      return `CMD_TLBI_S_EL2_VA ${q}`;
    case 'S_EL2_E2H':
      return `CMD_TLBI_S_EL2_VA${byAsid} ${q}`;
    // §4.4.2.5, §4.4.2.6: EL3 entries carry no ASID and go with the EL3 commands.
    case 'EL3':
      return `CMD_TLBI_EL3_VA ${q}`;
    default:
      return undefined;
  }
}
