/**
 * The Stream Table Entry (§5.2): 64 bytes. Field positions are the specification's
 * ("S2T0SZ, bits [165:160]"); `SteFields` is the numeric form the engine uses, and `checkSte`
 * gives the reason for every ILLEGAL verdict (§5.2.2 `SteIllegal`, Non-secure view), which a
 * transaction turns into C_BAD_STE.
 *
 * The table is the Non-secure STE's: fields that exist only in Secure or Realm STEs (S2NSW,
 * S2NSA, S_S2T0SZ, S_S2SL0, S_S2TG, MECID, MPAM_NS, S2SW, S2SA, S_S2SL0_2, S_S2TTB, S_S2SKL) are
 * RES0 in a Non-secure STE and are left out of the table so that the RES0 check (`reservedRuns`)
 * reports them; `SECURE_STE` adds the Secure stage 2 ones (ste-secure.ts) for the Secure Stream
 * table (MECID and MPAM_NS: RME and MPAM, which the model does not perform, stay out).
 * `checkSte` with `secure` applies the Secure view of SteIllegal (Config, STRW, EATS, S2VMID, and
 * the S_S2TTB table's checks).
 */
import { bits, type Words } from '../layout/access';
import type { LayoutDef } from '../layout/types';
import type { IdView } from '../registers/codec';
import type { FeatureRef, IdRegisterName } from '../registers/types';
import * as caps from './capabilities';
import type { GranuleKb } from './capabilities';

// Kept where readers found them before the capability queries had their own module.
export { oasBits, type GranuleKb } from './capabilities';
import { ADDRESS_SIZES, CACHEABILITY, f, SHAREABILITY, sizeBits, type StructureProblem, type Verdict } from './fields';
import { decodeSecureStage2, SECURE_STE_FIELDS, type SecureStage2Fields } from './ste-secure';

export type SteProblem = StructureProblem;
export type SteVerdict = Verdict;

const yes = (register: IdRegisterName, field: string): FeatureRef => ({ register, field });

export const STE: LayoutDef = {
  name: 'STE',
  bits: 512,
  section: '5.2',
  summary: 'Stream Table Entry: how transactions of one StreamID are checked and translated.',
  fields: [
    f('V', 0, 0, 'Valid. 0: other fields IGNORED; transactions abort with C_BAD_STE.', { openValues: true }),
    f('Config', 3, 1, 'Stream configuration.', {
      values: [
        { value: 0, name: 'ABORT', description: 'Report abort to device, no event recorded.' },
        { value: 1, name: 'ABORT_1', description: 'Reserved: behaves as 0b000.' },
        { value: 2, name: 'ABORT_2', description: 'Reserved: behaves as 0b000.' },
        { value: 3, name: 'ABORT_3', description: 'Reserved: behaves as 0b000.' },
        { value: 4, name: 'BYPASS', description: 'Stage 1 and stage 2 bypass.' },
        { value: 5, name: 'S1_TRANS', description: 'Stage 1 translate, stage 2 bypass.' },
        { value: 6, name: 'S2_TRANS', description: 'Stage 1 bypass, stage 2 translate.' },
        { value: 7, name: 'NESTED', description: 'Stage 1 and stage 2 translate.' },
      ],
    }),
    f('S1Fmt', 5, 4, 'Format of the CD table (IGNORED when S1CDMax == 0 or SSIDSIZE == 0).', {
      values: [
        { value: 0, name: 'LINEAR', description: 'Linear CD table indexed by SubstreamID (or one CD).' },
        { value: 1, name: 'TWO_LEVEL_4K', description: '2-level, 4 KB leaf tables of 64 CDs.' },
        { value: 2, name: 'TWO_LEVEL_64K', description: '2-level, 64 KB leaf tables of 1024 CDs.' },
        { value: 3, name: 'S1FMT_RESERVED', description: 'Reserved: behaves as 0b00.' },
      ],
    }),
    f('S1ContextPtr', 55, 6, 'Address of the CD or CD table, bits [55:6] (an IPA when stage 2 translates).', {
      openValues: true,
      addrShift: 6,
    }),
    f('S1CDMax', 63, 59, 'log2 of the number of CDs; 0: substreams disabled. Range 0..SMMU_IDR1.SSIDSIZE.', {
      openValues: true,
    }),
    f('S1DSS', 65, 64, 'Default substream: what traffic without a SubstreamID does when S1CDMax > 0.', {
      values: [
        { value: 0, name: 'TERMINATE', description: 'Terminate with F_STREAM_DISABLED.' },
        { value: 1, name: 'BYPASS', description: 'Stage 1 bypass.' },
        { value: 2, name: 'SUBSTREAM0', description: 'Use CD 0; SubstreamID 0 traffic is terminated.' },
        { value: 3, name: 'S1DSS_RESERVED', description: 'Reserved: behaves as 0b00.' },
      ],
    }),
    f('S1CIR', 67, 66, 'Inner cacheability of CD and L1CD fetches.', { values: CACHEABILITY }),
    f('S1COR', 69, 68, 'Outer cacheability of CD and L1CD fetches.', { values: CACHEABILITY }),
    f('S1CSH', 71, 70, 'Shareability of CD and L1CD fetches.', { values: SHAREABILITY }),
    f('S2HWU59', 72, 72, 'Stage 2 descriptor bit [59] has IMPLEMENTATION DEFINED hardware use (PBHA).', {
      openValues: true,
      requires: yes('IDR3', 'PBHA'),
    }),
    f('S2HWU60', 73, 73, 'Stage 2 descriptor bit [60] has IMPLEMENTATION DEFINED hardware use (PBHA).', {
      openValues: true,
      requires: yes('IDR3', 'PBHA'),
    }),
    f('S2HWU61', 74, 74, 'Stage 2 descriptor bit [61] has IMPLEMENTATION DEFINED hardware use (PBHA).', {
      openValues: true,
      requires: yes('IDR3', 'PBHA'),
    }),
    f('S2HWU62', 75, 75, 'Stage 2 descriptor bit [62] has IMPLEMENTATION DEFINED hardware use (PBHA).', {
      openValues: true,
      requires: yes('IDR3', 'PBHA'),
    }),
    f('DRE', 76, 76, 'Destructive read enable.', { openValues: true }),
    f('CONT', 80, 77, 'Contiguous hint: 2^CONT StreamIDs share this configuration.', { openValues: true }),
    f('DCP', 81, 81, 'Directed cache prefetch enable.', { openValues: true }),
    f('PPAR', 82, 82, 'PRI page request auto-responses include a PASID TLP prefix.', {
      openValues: true,
      requires: yes('IDR0', 'PRI'),
    }),
    f('MEV', 83, 83, 'Merge events: similar fault records may be merged.', { openValues: true }),
    f('SW_RESERVED', 87, 84, 'Reserved for software use; IGNORED by the SMMU.', { openValues: true }),
    f('S1PIE', 88, 88, 'CDs fetched via this STE can enable stage 1 permission indirection.', {
      openValues: true,
      requires: yes('IDR3', 'S1PI'),
    }),
    f('S2FWB', 89, 89, 'Stage 2 forced write-back (HCR_EL2.FWB behaviour).', {
      openValues: true,
      requires: yes('IDR3', 'FWB'),
    }),
    f('S1MPAM', 90, 90, 'MPAM PARTID/PMG come from the CD (1) or the STE (0).', {
      openValues: true,
      requires: yes('IDR3', 'MPAM'),
    }),
    f('S1STALLD', 91, 91, 'Stage 1 stall disable: CDs may not select the stall model.', { openValues: true }),
    f('EATS', 93, 92, 'Enable PCIe ATS translation and traffic.', {
      requires: yes('IDR0', 'ATS'),
      values: [
        { value: 0, name: 'ABORT', description: 'ATS Translation Requests fail (UR, F_BAD_ATS_TREQ).' },
        { value: 1, name: 'FULL', description: 'Full ATS: translate at all enabled stages.' },
        { value: 2, name: 'SPLIT', description: 'Split-stage ATS: stage 1 to the ATC, stage 2 in the SMMU.' },
        {
          value: 3,
          name: 'FULL_DPT',
          description: 'Full ATS with DPT checks (reserved, as 0b00, without SMMU_IDR3.DPT).',
        },
      ],
    }),
    f('STRW', 95, 94, 'StreamWorld control (with SMMU_CR2.E2H) for stage 1-only streams.', {
      values: [
        { value: 0, name: 'NS_EL1', description: 'NS-EL1.' },
        { value: 1, name: 'STRW_RESERVED_1', description: 'Reserved, ILLEGAL when STRW is used.' },
        { value: 2, name: 'NS_EL2', description: 'NS-EL2, or NS-EL2-E2H when SMMU_CR2.E2H is 1.' },
        { value: 3, name: 'STRW_RESERVED_3', description: 'Reserved, ILLEGAL when STRW is used.' },
      ],
    }),
    f('MemAttr', 99, 96, 'Memory type override value (VMSAv8-64 stage 2 MemAttr encoding) when MTCFG == 1.', {
      openValues: true,
      requires: yes('IDR1', 'ATTR_TYPES_OVR'),
    }),
    f('MTCFG', 100, 100, 'Replace the incoming memory type with MemAttr.', {
      openValues: true,
      requires: yes('IDR1', 'ATTR_TYPES_OVR'),
    }),
    f('ALLOCCFG', 104, 101, 'Allocation hints override: 0b0xxx incoming, 0b1RWT override.', {
      openValues: true,
      requires: yes('IDR1', 'ATTR_TYPES_OVR'),
    }),
    f('SHCFG', 109, 108, 'Shareability override.', {
      requires: yes('IDR1', 'ATTR_TYPES_OVR'),
      values: [
        { value: 0, name: 'NSH', description: 'Non-shareable.' },
        { value: 1, name: 'INCOMING', description: 'Use the incoming Shareability attribute.' },
        { value: 2, name: 'OSH', description: 'Outer Shareable.' },
        { value: 3, name: 'ISH', description: 'Inner Shareable.' },
      ],
    }),
    f('NSCFG', 111, 110, 'NS attribute override (Secure streams only; IGNORED in a Non-secure STE).', {
      openValues: true,
    }),
    f('PRIVCFG', 113, 112, 'Privilege override.', {
      requires: yes('IDR1', 'ATTR_PERMS_OVR'),
      values: [
        { value: 0, name: 'INCOMING', description: 'Use the incoming PRIV attribute.' },
        { value: 1, name: 'PRIVCFG_RESERVED', description: 'Reserved: behaves as 0b00.' },
        { value: 2, name: 'UNPRIVILEGED', description: 'Unprivileged.' },
        { value: 3, name: 'PRIVILEGED', description: 'Privileged.' },
      ],
    }),
    f('INSTCFG', 115, 114, 'Instruction/data override (reads only).', {
      requires: yes('IDR1', 'ATTR_PERMS_OVR'),
      values: [
        { value: 0, name: 'INCOMING', description: 'Use the incoming INST attribute.' },
        { value: 1, name: 'INSTCFG_RESERVED', description: 'Reserved: behaves as 0b00.' },
        { value: 2, name: 'DATA', description: 'Data.' },
        { value: 3, name: 'INSTRUCTION', description: 'Instruction.' },
      ],
    }),
    f('IMPDEF', 127, 116, 'IMPLEMENTATION DEFINED per-stream configuration.', { openValues: true }),
    f('S2VMID', 143, 128, 'VMID tagging translations of this stream (NS-EL1 StreamWorld, S2P == 1).', {
      openValues: true,
    }),
    f('IMPDEF1', 159, 144, 'IMPLEMENTATION DEFINED.', { openValues: true }),
    f('S2T0SZ', 165, 160, 'Stage 2 input size: 64 - S2T0SZ bits (VTCR_EL2.T0SZ; 4-bit signed for VMSAv8-32).', {
      openValues: true,
      requires: yes('IDR0', 'S2P'),
    }),
    f('S2SL0', 167, 166, 'Stage 2 starting level (VTCR_EL2.SL0 encoding, with S2TG).', {
      openValues: true,
      requires: yes('IDR0', 'S2P'),
    }),
    f('S2IR0', 169, 168, 'Inner cacheability of stage 2 walks.', {
      values: CACHEABILITY,
      requires: yes('IDR0', 'S2P'),
    }),
    f('S2OR0', 171, 170, 'Outer cacheability of stage 2 walks.', {
      values: CACHEABILITY,
      requires: yes('IDR0', 'S2P'),
    }),
    f('S2SH0', 173, 172, 'Shareability of stage 2 walks.', { values: SHAREABILITY, requires: yes('IDR0', 'S2P') }),
    f('S2TG', 175, 174, 'Stage 2 translation granule.', {
      requires: yes('IDR0', 'S2P'),
      values: [
        { value: 0, name: 'GRAN4K', description: '4 KB.' },
        { value: 1, name: 'GRAN64K', description: '64 KB.' },
        { value: 2, name: 'GRAN16K', description: '16 KB.' },
        { value: 3, name: 'S2TG_RESERVED', description: 'Reserved (ILLEGAL).' },
      ],
    }),
    f('S2PS', 178, 176, 'Stage 2 output (physical) address size, capped to SMMU_IDR5.OAS.', {
      values: ADDRESS_SIZES,
      requires: yes('IDR0', 'S2P'),
    }),
    f(
      'S2AA64',
      179,
      179,
      'Stage 2 table format: 1 VMSAv8-64; 0 VMSAv8-32 LPAE (or VMSAv9-128 when SMMU_IDR5.D128 == 1).',
      { openValues: true, requires: yes('IDR0', 'S2P') },
    ),
    f('S2ENDI', 180, 180, 'Stage 2 table endianness: 0 little, 1 big.', {
      openValues: true,
      requires: yes('IDR0', 'S2P'),
    }),
    f('S2AFFD', 181, 181, 'Stage 2 Access flag fault disable.', { openValues: true, requires: yes('IDR0', 'S2P') }),
    f('S2PTW', 182, 182, 'Protected table walk: stage 1 walks and CD fetches to stage 2 Device memory fault.', {
      openValues: true,
      requires: yes('IDR0', 'S2P'),
    }),
    f('S2HD', 183, 183, 'Stage 2 hardware update of dirty state.', { openValues: true, requires: yes('IDR0', 'S2P') }),
    f('S2HA', 184, 184, 'Stage 2 hardware update of the Access flag.', {
      openValues: true,
      requires: yes('IDR0', 'S2P'),
    }),
    f('S2S', 185, 185, 'Stage 2 fault behaviour: stall.', { openValues: true, requires: yes('IDR0', 'S2P') }),
    f('S2R', 186, 186, 'Stage 2 fault behaviour: record.', { openValues: true, requires: yes('IDR0', 'S2P') }),
    f('S2HAFT', 187, 187, 'Stage 2 hardware update of the Access flag in table descriptors.', {
      openValues: true,
      requires: { register: 'IDR0', field: 'HTTU', equals: 3 },
    }),
    f('S2PIE', 188, 188, 'Stage 2 Indirect Permission Scheme (VTCR_EL2.S2PIE).', {
      openValues: true,
      requires: yes('IDR3', 'S2PI'),
    }),
    f('S2POE', 189, 189, 'Stage 2 permission overlay enable.', { openValues: true, requires: yes('IDR3', 'S2PO') }),
    f('DPT_VMATCH', 191, 190, 'VMID matching requirement for DPT checks (EATS == 0b11).', {
      openValues: true,
      requires: yes('IDR3', 'DPT'),
    }),
    f('S2SL0_2', 194, 194, 'Bit [2] of S2SL0 (VTCR_EL2.SL2), with S2DS and a 4 KB granule.', {
      openValues: true,
      requires: yes('IDR5', 'DS'),
    }),
    f('S2DS', 195, 195, '52-bit stage 2 input and output with 4 KB and 16 KB granules (VTCR_EL2.DS).', {
      openValues: true,
      requires: yes('IDR5', 'DS'),
    }),
    f(
      'S2TTB',
      247,
      196,
      'Stage 2 translation table base, address bits [55:4] ([51:4] for VMSAv8-64, bits [247:244] RES0).',
      { openValues: true, addrShift: 4, requires: yes('IDR0', 'S2P') },
    ),
    f('S2SKL', 254, 253, 'Stage 2 skip level for VMSAv9-128 (VTTBR_EL2.SKL).', {
      openValues: true,
      requires: yes('IDR5', 'D128'),
    }),
    f('IMPDEF2', 271, 256, 'IMPLEMENTATION DEFINED.', { openValues: true }),
    f('PARTID', 287, 272, 'MPAM PARTID for accesses of this stream.', {
      openValues: true,
      requires: yes('IDR3', 'MPAM'),
    }),
    f('PMG', 327, 320, 'MPAM PMG for accesses of this stream.', { openValues: true, requires: yes('IDR3', 'MPAM') }),
    f('AssuredOnly', 329, 329, 'Stage 2 AssuredOnly permission checks.', {
      openValues: true,
      requires: yes('IDR3', 'THE'),
    }),
    f('TL0', 330, 330, 'Stage 2 TopLevel0 check enable.', { openValues: true, requires: yes('IDR3', 'THE') }),
    f('TL1', 331, 331, 'Stage 2 TopLevel1 check enable.', { openValues: true, requires: yes('IDR3', 'THE') }),
    f('VMSPtr', 375, 332, 'Virtual Machine Structure pointer, address bits [55:12].', {
      openValues: true,
      addrShift: 12,
      requires: yes('IDR3', 'MPAM'),
    }),
    f('S2POI', 511, 448, 'Stage 2 permission overlay interpretations S2POI<p> at [4p+451:4p+448], p = 0..15.', {
      openValues: true,
      requires: yes('IDR3', 'S2PO'),
    }),
  ],
};

/**
 * The STE of the Secure Stream table (§3.10.2.1): the Non-secure STE's fields and the ones only a
 * Secure STE has (Secure stage 2, ste-secure.ts), in bit order, for scripts (`ste SID secure …`).
 */
export const SECURE_STE: LayoutDef = {
  ...STE,
  fields: [...STE.fields, ...SECURE_STE_FIELDS].sort((a, b) => a.lsb - b.lsb),
};

/** The numeric view of an STE the engine works with. Addresses are numbers (at most 56 bits, exact). */
export interface SteFields {
  readonly v: number;
  readonly config: number;
  readonly s1Fmt: number;
  readonly s1ContextPtr: number;
  readonly s1CdMax: number;
  readonly s1Dss: number;
  readonly s1Cir: number;
  readonly s1Cor: number;
  readonly s1Csh: number;
  /** S2HWU62..59 as bits [3:0]. */
  readonly s2Hwu: number;
  readonly dre: number;
  readonly cont: number;
  readonly dcp: number;
  readonly ppar: number;
  readonly mev: number;
  readonly s1Pie: number;
  readonly s2Fwb: number;
  readonly s1Mpam: number;
  readonly s1Stalld: number;
  readonly eats: number;
  readonly strw: number;
  readonly memAttr: number;
  readonly mtcfg: number;
  readonly alloccfg: number;
  readonly shcfg: number;
  readonly nscfg: number;
  readonly privcfg: number;
  readonly instcfg: number;
  readonly s2Vmid: number;
  readonly s2T0sz: number;
  readonly s2Sl0: number;
  readonly s2Ir0: number;
  readonly s2Or0: number;
  readonly s2Sh0: number;
  readonly s2Tg: number;
  readonly s2Ps: number;
  readonly s2Aa64: number;
  readonly s2Endi: number;
  readonly s2Affd: number;
  readonly s2Ptw: number;
  readonly s2Hd: number;
  readonly s2Ha: number;
  readonly s2S: number;
  readonly s2R: number;
  readonly s2Haft: number;
  readonly s2Pie: number;
  readonly s2Poe: number;
  /** STE.S2POI (§5.2) as two 32-bit halves: S2POI<0..7> = bits [479:448], S2POI<8..15> = [511:480]. */
  readonly s2PoiLo: number;
  readonly s2PoiHi: number;
  readonly dptVmatch: number;
  readonly s2Sl02: number;
  readonly s2Ds: number;
  readonly s2Ttb: number;
  readonly s2Skl: number;
  readonly partid: number;
  readonly pmg: number;
  readonly assuredOnly: number;
  readonly tl0: number;
  readonly tl1: number;
  readonly vmsPtr: number;
  /** A Secure STE's Secure stage 2 fields (§5.2, ste-secure.ts); set only for the Secure Stream table's. */
  readonly secureS2?: SecureStage2Fields;
}

export function decodeSte(w: Words): SteFields {
  return {
    v: bits(w, 0, 0),
    config: bits(w, 3, 1),
    s1Fmt: bits(w, 5, 4),
    s1ContextPtr: bits(w, 55, 6) * 64,
    s1CdMax: bits(w, 63, 59),
    s1Dss: bits(w, 65, 64),
    s1Cir: bits(w, 67, 66),
    s1Cor: bits(w, 69, 68),
    s1Csh: bits(w, 71, 70),
    s2Hwu: bits(w, 75, 72),
    dre: bits(w, 76, 76),
    cont: bits(w, 80, 77),
    dcp: bits(w, 81, 81),
    ppar: bits(w, 82, 82),
    mev: bits(w, 83, 83),
    s1Pie: bits(w, 88, 88),
    s2Fwb: bits(w, 89, 89),
    s1Mpam: bits(w, 90, 90),
    s1Stalld: bits(w, 91, 91),
    eats: bits(w, 93, 92),
    strw: bits(w, 95, 94),
    memAttr: bits(w, 99, 96),
    mtcfg: bits(w, 100, 100),
    alloccfg: bits(w, 104, 101),
    shcfg: bits(w, 109, 108),
    nscfg: bits(w, 111, 110),
    privcfg: bits(w, 113, 112),
    instcfg: bits(w, 115, 114),
    s2Vmid: bits(w, 143, 128),
    s2T0sz: bits(w, 165, 160),
    s2Sl0: bits(w, 167, 166),
    s2Ir0: bits(w, 169, 168),
    s2Or0: bits(w, 171, 170),
    s2Sh0: bits(w, 173, 172),
    s2Tg: bits(w, 175, 174),
    s2Ps: bits(w, 178, 176),
    s2Aa64: bits(w, 179, 179),
    s2Endi: bits(w, 180, 180),
    s2Affd: bits(w, 181, 181),
    s2Ptw: bits(w, 182, 182),
    s2Hd: bits(w, 183, 183),
    s2Ha: bits(w, 184, 184),
    s2S: bits(w, 185, 185),
    s2R: bits(w, 186, 186),
    s2Haft: bits(w, 187, 187),
    s2Pie: bits(w, 188, 188),
    s2Poe: bits(w, 189, 189),
    s2PoiLo: bits(w, 479, 448),
    s2PoiHi: bits(w, 511, 480),
    dptVmatch: bits(w, 191, 190),
    s2Sl02: bits(w, 194, 194),
    s2Ds: bits(w, 195, 195),
    s2Ttb: bits(w, 247, 196) * 16,
    s2Skl: bits(w, 254, 253),
    partid: bits(w, 287, 272),
    pmg: bits(w, 327, 320),
    assuredOnly: bits(w, 329, 329),
    tl0: bits(w, 330, 330),
    tl1: bits(w, 331, 331),
    vmsPtr: bits(w, 375, 332) * 4096,
  };
}

/**
 * The STE as the Secure IPA space's stage 2 sees it: §5.2 S_S2TTB, "configured using the same
 * STE.S2* fields as STE.S2TTB, with the exception of" S_S2SL0, S_S2TG, S_S2T0SZ (and S_S2SL0_2,
 * S_S2SKL), so the walk parameters and the validity checks of S2TTB apply to it unchanged.
 */
export function secureIpaView(ste: SteFields, s: SecureStage2Fields): SteFields {
  return {
    ...ste,
    s2Ttb: s.sS2Ttb,
    s2T0sz: s.sS2T0sz,
    s2Sl0: s.sS2Sl0,
    s2Sl02: s.sS2Sl02,
    s2Tg: s.sS2Tg,
    s2Skl: s.sS2Skl,
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with the CD checks (§3.4, §5.2, §5.4).

/** CD.TG0 / STE.S2TG encoding (§5.2 S2TG, §5.4 TG0): 0b00 4 KB, 0b01 64 KB, 0b10 16 KB, 0b11 reserved. */
export function granuleOfTg0(tg: number): GranuleKb | undefined {
  return tg === 0 ? 4 : tg === 1 ? 64 : tg === 2 ? 16 : undefined;
}

/** CD.TG1 encoding (§5.4 TG1): 0b00 reserved, 0b01 16 KB, 0b10 4 KB, 0b11 64 KB. */
export function granuleOfTg1(tg: number): GranuleKb | undefined {
  return tg === 1 ? 16 : tg === 2 ? 4 : tg === 3 ? 64 : undefined;
}

const granuleBits = (g: GranuleKb): number => (g === 4 ? 12 : g === 16 ? 14 : 16);

/**
 * Stage 2 start level of a VMSAv8-64 STE, as VTCR_EL2.{SL2, SL0} with the Arm ARM's
 * AArch64.S2InvalidSL (PAMax is the SMMU's OAS): undefined when the encoding is reserved.
 * SL2 (STE.S2SL0_2) only counts with a 4 KB granule and S2DS == 1 (§5.2 S2SL0, S2SL0_2).
 */
export function s2StartLevelAa64(
  sl0: number,
  sl2: number,
  g: GranuleKb,
  ds: number,
  stt: boolean,
  oas: number,
): number | undefined {
  if (g === 4) {
    const sl = ((ds === 1 ? sl2 : 0) << 2) | sl0;
    switch (sl) {
      case 0b000:
        return 2;
      case 0b001:
        return 1;
      case 0b010:
        return oas < 44 ? undefined : 0;
      case 0b011:
        return stt ? 3 : undefined;
      case 0b100:
        return oas < 52 ? undefined : -1;
      default:
        return undefined;
    }
  }
  if (g === 16) {
    if (sl0 === 3) return ds === 1 && oas >= 52 ? 0 : undefined;
    if (sl0 === 2) return oas < 42 ? undefined : 1;
    return 3 - sl0;
  }
  if (sl0 === 3) return undefined;
  if (sl0 === 2) return oas < 44 ? undefined : 1;
  return 3 - sl0;
}

/**
 * The Arm ARM's S2InconsistentSL: the input size must need the start level (at least one bit
 * resolved there) and fit it (one more stride, or up to 16 concatenated tables).
 */
export function walkInconsistent(iaBits: number, startLevel: number, g: GranuleKb): boolean {
  const gb = granuleBits(g);
  const stride = gb - 3;
  const min = (3 - startLevel) * stride + gb + 1;
  const max = min + (stride - 1) + 4;
  return iaBits < min || iaBits > max;
}

// ---------------------------------------------------------------------------------------------

const p = (code: string, field: string | undefined, message: string, section = '5.2'): StructureProblem => ({
  code,
  ...(field ? { field } : {}),
  message,
  section,
});
const hexa = (n: number) => '0x' + n.toString(16).toUpperCase();

export interface SteCheckOptions {
  /** Output address size in bits (default from SMMU_IDR5.OAS). */
  readonly oas?: number;
  /**
   * Effective SMMU_IDR0.STALL_MODEL (§5.2.2 EffectiveSMMU_IDR0_STALL_MODEL: SMMU_S_CR0.NSSTALLD
   * can turn 0b00 into 0b01). Default SMMU_IDR0.STALL_MODEL.
   */
  readonly stallModel?: number;
  /**
   * The STE is in the Secure Stream table (§3.10.2.1), with SMMU_S_IDR1.SEL2: the Secure view of
   * §5.2.2 `SteIllegal` (sec_sid == SS_Secure). Pass SMMU_S_IDR0.STALL_MODEL as `stallModel`.
   */
  readonly secure?: { readonly sel2: boolean };
}

/**
 * Validity and the reasons an STE is ILLEGAL for this configuration: §5.2.2 `SteIllegal` for a
 * Non-secure STE, plus the field descriptions where they add a condition. All reasons are
 * listed (the pseudocode stops at the first), except where a reason makes a later check
 * meaningless (an unsupported granule makes the S2T0SZ/S2SL0 checks moot).
 */
export function checkSte(w: Words, ids: IdView, opts: SteCheckOptions = {}): SteVerdict {
  const s = decodeSte(w);
  if (s.v === 0) return { valid: false, illegal: [] };
  const cfg = s.config;
  // §5.2 Config: 0b0xx aborts (0b001-0b011 behave as 0b000); other fields are IGNORED.
  if ((cfg & 0b100) === 0) return { valid: true, illegal: [] };
  const out: StructureProblem[] = [];
  const oas = opts.oas ?? caps.oasBits(ids);
  // An ID field the view does not give counts as 0 (not implemented) for ILLEGAL checks.
  const stall = opts.stallModel ?? caps.stallModel(ids) ?? 0;
  const s1 = (cfg & 1) === 1;
  const s2 = (cfg & 2) === 2;
  const s1p = caps.s1p(ids);
  const s2p = caps.s2p(ids);
  const secure = opts.secure;

  // §5.2 Config: stages that are not implemented.
  if (s1 && !s1p)
    out.push(p('stage1-unsupported', 'Config', `Config = 0b${cfg.toString(2)} enables stage 1 but SMMU_IDR0.S1P is 0`));
  if (s2 && !s2p)
    out.push(p('stage2-unsupported', 'Config', `Config = 0b${cfg.toString(2)} enables stage 2 but SMMU_IDR0.S2P is 0`));
  // §5.2 Config, §3.10.2.2: a Secure STE may enable stage 2 only with Secure stage 2 (SMMU_S_IDR1.SEL2),
  // and never with VMSAv8-32 LPAE stage 2 tables.
  if (secure && s2 && s2p && !secure.sel2)
    out.push(
      p(
        'secure-stage2',
        'Config',
        `Config = 0b${cfg.toString(2)} enables stage 2 in a Secure STE but SMMU_S_IDR1.SEL2 is 0 (no Secure stage 2)`,
      ),
    );
  if (secure && s2 && s2p && secure.sel2 && !caps.d128(ids) && s.s2Aa64 === 0)
    out.push(p('secure-stage2', 'S2AA64', 'a Secure STE with stage 2 enabled selects VMSAv8-32 LPAE (S2AA64 = 0)'));

  // IgnoreSTESTRW(): STRW is unused without stage 1, for a Non-secure STE without Hyp, with stage 2
  // enabled, or in bypass.
  const strwUnused = !s1p || (!secure && !caps.hyp(ids)) || s2 || cfg === 0b100;

  // §5.2 EATS (SteIllegal "Check ATS configuration"): only when ATS is implemented and the STE is not
  // bypass; in a Secure STE EATS is RES0 with an effective value of 0b00.
  if (!secure && caps.ats(ids) && cfg !== 0b100) {
    if (s.eats === 0b10) {
      if (cfg !== 0b111)
        out.push(p('eats-split', 'EATS', 'EATS = 0b10 (split-stage ATS) needs Config = 0b111 (both stages translate)'));
      if (s.s2S === 1) out.push(p('eats-split', 'EATS', 'EATS = 0b10 (split-stage ATS) with S2S = 1'));
      if (caps.ns1ats(ids))
        out.push(
          p(
            'eats-split',
            'EATS',
            'EATS = 0b10 (split-stage ATS) but SMMU_IDR0.NS1ATS is 1 (split-stage ATS not supported)',
          ),
        );
    }
    // SMMUv3.1+: Full ATS with S2S == 1 is ILLEGAL when stage 2 translates; for SMMUv3.0 the check in
    // stage 2 bypass is CONSTRAINED UNPREDICTABLE and we take the recommended choice (not ILLEGAL).
    if (s.eats === 0b01 && s.s2S === 1 && s2)
      out.push(p('eats-s2s', 'EATS', 'EATS = 0b01 (full ATS) with stage 2 translating and S2S = 1 (stall)'));
    if (s.eats === 0b11 && caps.dpt(ids)) {
      if (!strwUnused && s.strw !== 0)
        out.push(
          p(
            'eats-dpt',
            'EATS',
            `EATS = 0b11 (ATS with DPT checks) needs an EL1 StreamWorld; STRW = 0b${s.strw.toString(2).padStart(2, '0')}`,
          ),
        );
      // §5.2 EATS 0b11: "ILLEGAL if this field is not IGNORED and STE.Config == 0b11x and STE.S2S == 1".
      if (s2 && s.s2S === 1)
        out.push(
          p('eats-s2s', 'EATS', 'EATS = 0b11 (ATS with DPT checks) with stage 2 translating and S2S = 1 (stall)'),
        );
    }
  }

  // §5.2 STRW: 0bx1 is Reserved, ILLEGAL for a Non-secure STE when STRW is used.
  if (!secure && !strwUnused && (s.strw & 1) === 1)
    out.push(p('strw', 'STRW', `STRW = 0b${s.strw.toString(2).padStart(2, '0')} is reserved (ILLEGAL)`));
  // §5.2 STRW, Secure Stream table: 0b00 Secure, 0b01 EL3 (ILLEGAL with SMMU_IDR0.RME_IMPL), 0b10
  // S-EL2 / S-EL2-E2H (ILLEGAL without SMMU_S_IDR1.SEL2), 0b11 Reserved (ILLEGAL).
  if (secure && !strwUnused) {
    if (s.strw === 0b11) out.push(p('strw', 'STRW', 'STRW = 0b11 is reserved in a Secure STE (ILLEGAL)'));
    if (s.strw === 0b01 && ids.idField('IDR0', 'RME_IMPL') === 1)
      out.push(p('strw', 'STRW', 'STRW = 0b01 (EL3) but SMMU_IDR0.RME_IMPL is 1 (no EL3 StreamWorld with RME)'));
  }
  if (secure && !secure.sel2 && s.strw === 0b10 && cfg === 0b101)
    out.push(p('strw', 'STRW', 'STRW = 0b10 (S-EL2) but SMMU_S_IDR1.SEL2 is 0 (no Secure EL2)'));

  if (s1 && s1p) {
    // §5.5, §5.2 S1STALLD: only configurable when the stall model is "stall and terminate".
    if (s.s1Stalld === 1 && stall !== 0)
      out.push(
        p(
          's1stalld',
          'S1STALLD',
          `S1STALLD = 1 but SMMU_IDR0.STALL_MODEL is 0b${stall.toString(2).padStart(2, '0')} (stalls not configurable)`,
          '5.5',
        ),
      );
    // §5.2 S1CDMax: range 0..SSIDSIZE; IGNORED when SSIDSIZE == 0.
    const ssidSize = caps.ssidSize(ids);
    if (ssidSize !== 0 && s.s1CdMax > ssidSize)
      out.push(p('s1cdmax', 'S1CDMax', `S1CDMax = ${s.s1CdMax} exceeds SMMU_IDR1.SSIDSIZE = ${ssidSize}`));
    // §5.2 S1Fmt: 2-level CD tables need SMMU_IDR0.CD2L (0b11 behaves as 0b00 and is not ILLEGAL).
    if (ssidSize !== 0 && s.s1CdMax !== 0 && !caps.cd2l(ids) && (s.s1Fmt === 1 || s.s1Fmt === 2)) {
      out.push(
        p(
          's1fmt',
          'S1Fmt',
          `S1Fmt = 0b${s.s1Fmt.toString(2).padStart(2, '0')} selects a 2-level CD table but SMMU_IDR0.CD2L is 0`,
        ),
      );
    }
    // §3.4.3 (1): a stage 1-only S1ContextPtr beyond the OAS gives C_BAD_STE (SMMUv3.1+; one of the
    // permitted SMMUv3.0 behaviours). With stage 2 the pointer is an IPA and the behaviour is
    // CONSTRAINED UNPREDICTABLE (C_BAD_STE or a stage 2 Translation fault): we let stage 2 fault.
    if (!s2 && s.s1ContextPtr >= 2 ** oas)
      out.push(
        p('s1contextptr', 'S1ContextPtr', `S1ContextPtr ${hexa(s.s1ContextPtr)} is beyond the ${oas}-bit OAS`, '3.4.3'),
      );
  }

  if (s2 && s2p) checkStage2(w, s, ids, oas, stall, out);
  // §5.2.2 SteIllegal, "Secure version of above 4 cases": S_S2TG, S_S2TTB, S_S2T0SZ and the S_S2TTB
  // walk's consistency, for a Secure STE with Secure stage 2 (VMSAv8-32 is ILLEGAL there already).
  if (secure?.sel2 && s2 && s2p && (caps.d128(ids) || s.s2Aa64 === 1))
    checkS2Table(secureIpaView(s, decodeSecureStage2(w)), ids, oas, 'S_', out);

  // §5.2 S2VMID (IgnoreSTES2VMID): 8-bit VMIDs only, unless S2VMID is IGNORED. Config 0b0xx and
  // 0b100 have returned or are excluded here; a non-EL1 StreamWorld does not tag with a VMID.
  // For a Secure STE also without Secure stage 2, and for stage 1 only (Config 0b101).
  const s2vmidIgnored =
    !s2p || cfg === 0b100 || (s.strw !== 0 && !strwUnused) || (secure !== undefined && (!secure.sel2 || cfg === 0b101));
  if (!s2vmidIgnored && !caps.vmid16(ids) && s.s2Vmid > 0xff) {
    out.push(p('s2vmid', 'S2VMID', `S2VMID ${hexa(s.s2Vmid)} has bits [15:8] set but SMMU_IDR0.VMID16 is 0`));
  }

  // §5.2 VMSPtr: enabled when Config == 0b111 and S1MPAM == 1; beyond the OAS is C_BAD_STE.
  if (cfg === 0b111 && caps.mpam(ids) && s.s1Mpam === 1 && s.vmsPtr >= 2 ** oas) {
    out.push(p('vmsptr', 'VMSPtr', `VMSPtr ${hexa(s.vmsPtr)} is beyond the ${oas}-bit OAS`));
  }
  return { valid: true, illegal: out };
}

/** The stage 2 part of SteIllegal (Config == 0b11x, stage 2 implemented). */
function checkStage2(w: Words, s: SteFields, ids: IdView, oas: number, stall: number, out: StructureProblem[]): void {
  const d128 = caps.d128(ids);
  const vmsa32 = !d128 && s.s2Aa64 === 0;
  const vmsa64 = s.s2Aa64 === 1;
  const vmsa128 = d128 && s.s2Aa64 === 0;
  const ttf = caps.ttf(ids);
  const httu = caps.httu(ids);

  // §5.2 S2FWB: not with VMSAv8-32 LPAE.
  if (vmsa32 && caps.fwb(ids) && s.s2Fwb === 1)
    out.push(p('s2fwb', 'S2FWB', 'S2FWB = 1 with VMSAv8-32 LPAE stage 2 tables'));
  // §5.5: S2S against the stall model.
  if (s.s2S === 1 && stall === 1)
    out.push(p('s2s', 'S2S', 'S2S = 1 but SMMU_IDR0.STALL_MODEL is 0b01 (stall not supported)', '5.5'));
  if (s.s2S === 0 && stall === 2)
    out.push(p('s2s', 'S2S', 'S2S = 0 but SMMU_IDR0.STALL_MODEL is 0b10 (stall forced)', '5.5'));
  // §5.2 S2AA64: the table format must be implemented (SMMU_IDR0.TTF).
  if (vmsa32 && (ttf & 1) === 0)
    out.push(p('s2aa64', 'S2AA64', 'S2AA64 = 0 selects VMSAv8-32 LPAE but SMMU_IDR0.TTF[0] is 0'));
  if (vmsa64 && (ttf & 2) === 0)
    out.push(p('s2aa64', 'S2AA64', 'S2AA64 = 1 selects VMSAv8-64 but SMMU_IDR0.TTF[1] is 0'));
  // §5.2 S2HA/S2HD/S2HAFT against SMMU_IDR0.HTTU.
  if ((s.s2Ha === 1 || s.s2Hd === 1) && (vmsa32 || httu === 0)) {
    out.push(
      p(
        's2httu',
        s.s2Ha === 1 ? 'S2HA' : 'S2HD',
        vmsa32 ? 'S2HA/S2HD set with VMSAv8-32 LPAE stage 2 tables' : 'S2HA/S2HD set but SMMU_IDR0.HTTU is 0b00',
      ),
    );
  }
  if (s.s2Hd === 1 && httu === 1) out.push(p('s2hd', 'S2HD', 'S2HD = 1 but SMMU_IDR0.HTTU is 0b01 (Access flag only)'));
  if (s.s2Haft === 1 && s.s2Ha === 0 && httu === 3) out.push(p('s2haft', 'S2HAFT', 'S2HAFT = 1 with S2HA = 0'));

  checkS2Table(s, ids, oas, '', out);

  // §5.2 S2ENDI: an implemented endianness (SMMU_IDR0.TTENDIAN 0b10 little only, 0b11 big only).
  const endian = caps.ttEndian(ids);
  if ((endian === 2 && s.s2Endi === 1) || (endian === 3 && s.s2Endi === 0)) {
    out.push(
      p(
        's2endi',
        'S2ENDI',
        `S2ENDI = ${s.s2Endi} but SMMU_IDR0.TTENDIAN only supports ${endian === 2 ? 'little' : 'big'}-endian tables`,
      ),
    );
  }
  checkS2Permissions(w, s, ids, vmsa32, vmsa128, out);
}

/**
 * §5.2 S2TG, S2TTB, S2T0SZ, S2SL0 (SteIllegal's granule, base, size and walk-consistency checks) of
 * one stage 2 table: S2TTB's with `prefix` '', or, with 'S_' and the Secure IPA view of the STE
 * (ste-secure.ts), S_S2TTB's, which §5.2.2 checks "the same" ("Secure version of above 4 cases").
 */
function checkS2Table(s: SteFields, ids: IdView, oas: number, prefix: '' | 'S_', out: StructureProblem[]): void {
  const d128 = caps.d128(ids);
  const vmsa32 = !d128 && s.s2Aa64 === 0;
  const vmsa64 = s.s2Aa64 === 1;
  const vmsa128 = d128 && s.s2Aa64 === 0;
  // §5.2 S2TG: a supported granule (not checked for VMSAv8-32, where the granule is 4 KB).
  const g: GranuleKb | undefined = vmsa32 ? 4 : granuleOfTg0(s.s2Tg);
  const granuleOk = vmsa32 || caps.granuleSupported(ids, g);
  if (!granuleOk)
    out.push(
      p(
        's2tg',
        `${prefix}S2TG`,
        g === undefined
          ? `${prefix}S2TG = 3 is reserved`
          : `${prefix}S2TG selects a ${g} KB granule that SMMU_IDR5 does not advertise`,
      ),
    );

  // §5.2 S2TTB / S2PS: the base must be inside the effective S2PS (MIN(S2PS, OAS); 40 bits for
  // VMSAv8-32), and inside 48 bits for VMSAv8-64 with a 4 KB/16 KB granule and S2DS == 0.
  const ds = caps.ds(ids) ? s.s2Ds : 0;
  const paRange = vmsa32 ? 40 : Math.min(sizeBits(s.s2Ps) ?? 48, oas);
  if (s.s2Ttb >= 2 ** paRange)
    out.push(
      p('s2ttb', `${prefix}S2TTB`, `${prefix}S2TTB ${hexa(s.s2Ttb)} is outside the effective S2PS (${paRange} bits)`),
    );
  else if (vmsa64 && g !== 64 && ds === 0 && s.s2Ttb >= 2 ** 48)
    out.push(
      p(
        's2ttb',
        `${prefix}S2TTB`,
        `${prefix}S2TTB ${hexa(s.s2Ttb)} is outside 48 bits (4 KB/16 KB granule without S2DS)`,
      ),
    );

  if (granuleOk && g !== undefined) checkS2Walk(s, ids, oas, g, ds, vmsa32, vmsa64, vmsa128, prefix, out);
}

/** §5.2 S2T0SZ, S2SL0, S2TG: the stage 2 walk configuration (granule already known to be usable). */
function checkS2Walk(
  s: SteFields,
  ids: IdView,
  oas: number,
  g: GranuleKb,
  ds: number,
  vmsa32: boolean,
  vmsa64: boolean,
  vmsa128: boolean,
  prefix: '' | 'S_',
  out: StructureProblem[],
): void {
  const stt = caps.stt(ids);
  if (vmsa32) {
    // VMSAv8-32 LPAE: S2T0SZ[3:0] is a signed 4-bit value (all valid), input size 32 - T0SZ;
    // SL0 0b00 starts at level 2, 0b01 at level 1, 0b1x reserved (VTCR.SL0).
    const t0sz = ((s.s2T0sz & 0xf) ^ 8) - 8;
    const level = s.s2Sl0 & 2 ? undefined : 2 - s.s2Sl0;
    if (level === undefined || walkInconsistent(32 - t0sz, level, 4)) {
      out.push(
        p(
          's2sl0',
          'S2SL0',
          `S2SL0 = ${s.s2Sl0} is inconsistent with S2T0SZ = ${t0sz} (VMSAv8-32 LPAE, ${32 - t0sz}-bit IPA)`,
        ),
      );
    }
    return;
  }

  // §5.2.2 STES2T0SZInvalid (SMMUv3.0: CONSTRAINED UNPREDICTABLE; we take ILLEGAL, a permitted choice).
  const ias = caps.iasBits(ids, oas);
  const max = stt ? (g === 64 ? 47 : 48) : 39;
  const min = caps.isV30(ids)
    ? 64 - ias
    : vmsa128
      ? Math.max(8, 64 - ias)
      : g === 64 || ds === 1
        ? Math.max(12, 64 - ias)
        : Math.max(16, 64 - ias);
  if (s.s2T0sz < min || s.s2T0sz > max) {
    out.push(
      p(
        's2t0sz',
        `${prefix}S2T0SZ`,
        `${prefix}S2T0SZ = ${s.s2T0sz} is outside ${min}..${max} (IAS ${ias} bits, ${g} KB granule)`,
      ),
    );
    return;
  }
  if (vmsa64) {
    const level = s2StartLevelAa64(s.s2Sl0, s.s2Sl02, g, ds, stt, oas);
    if (level === undefined || walkInconsistent(64 - s.s2T0sz, level, g)) {
      out.push(
        p(
          's2sl0',
          `${prefix}S2SL0`,
          `${prefix}S2SL0 = ${s.s2Sl0}${ds ? ` (${prefix}S2SL0_2 = ${s.s2Sl02})` : ''} is not a valid starting level for a ${g} KB granule with ${prefix}S2T0SZ = ${s.s2T0sz} (${64 - s.s2T0sz}-bit IPA)`,
        ),
      );
    }
  } else if (vmsa128) {
    // VMSAv9-128: as CDSLInvalidD128 (§5.4), the start level plus the skipped levels must not pass level 3.
    const gb = granuleBits(g);
    const start = 3 - Math.floor((64 - s.s2T0sz - 1 - gb) / (gb - 4));
    if (start + s.s2Skl > 3)
      out.push(p('s2skl', `${prefix}S2SKL`, `${prefix}S2SKL = ${s.s2Skl} skips past level 3 (start level ${start})`));
  }
}

function checkS2Permissions(
  w: Words,
  s: SteFields,
  ids: IdView,
  vmsa32: boolean,
  vmsa128: boolean,
  out: StructureProblem[],
): void {
  if (caps.s2pi(ids) && s.s2Pie === 1 && vmsa32)
    out.push(p('s2pie', 'S2PIE', 'S2PIE = 1 with VMSAv8-32 LPAE stage 2 tables'));
  if (caps.s2po(ids) && s.s2Poe === 1) {
    if (s.s2Pie === 0 && !vmsa128)
      out.push(p('s2poe', 'S2POE', 'S2POE = 1 with the Direct Permission Scheme (S2PIE = 0)'));
    if (caps.pbha(ids) && s.s2Hwu !== 0) out.push(p('s2poe', 'S2POE', 'S2POE = 1 with S2HWU59..62 not all 0'));
    const bad = s2poiReserved(w);
    if (bad.length)
      out.push(
        p('s2poi', 'S2POI', `S2POE = 1 and S2POI<${bad.join(', ')}> hold a reserved encoding (0b0001 or 0b0101)`),
      );
  }
}

/** Reserved S2POI<p> encodings (0b0001, 0b0101) when S2POE is 1 (§5.2.2); needs the raw words. */
export function s2poiReserved(w: Words): number[] {
  const bad: number[] = [];
  for (let i = 0; i < 16; i++) {
    const v = bits(w, 448 + 4 * i + 3, 448 + 4 * i);
    if (v === 0b0001 || v === 0b0101) bad.push(i);
  }
  return bad;
}

/** One line: "stage 1 translate, linear CD table at 0x…" / "bypass" / "abort". */
export function describeSteConfig(s: SteFields): string {
  if (s.v === 0) return 'invalid (V == 0)';
  switch (s.config) {
    case 4:
      return 'bypass';
    case 5:
    case 7: {
      const n = s.s1CdMax === 0 ? '1 CD' : `${2 ** s.s1CdMax} CDs`;
      const table =
        s.s1CdMax === 0
          ? 'CD'
          : s.s1Fmt === 1
            ? '2-level CD table (4 KB leaves)'
            : s.s1Fmt === 2
              ? '2-level CD table (64 KB leaves)'
              : 'linear CD table';
      const head = s.config === 7 ? 'nested (stage 1 + stage 2)' : 'stage 1 translate';
      return `${head}, ${table} at 0x${s.s1ContextPtr.toString(16).toUpperCase()}, ${n}${s.config === 7 ? `, VMID ${s.s2Vmid}, S2TTB 0x${s.s2Ttb.toString(16).toUpperCase()}` : ''}`;
    }
    case 6:
      return `stage 2 translate, VMID ${s.s2Vmid}, S2TTB 0x${s.s2Ttb.toString(16).toUpperCase()}`;
    default:
      return s.config === 0
        ? 'abort (no event)'
        : `abort (no event; Config 0b${s.config.toString(2).padStart(3, '0')} reserved)`;
  }
}
