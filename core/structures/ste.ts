/**
 * The Stream Table Entry (§5.2): 64 bytes. Field positions are the specification's
 * ("S2T0SZ, bits [165:160]"); `SteFields` is the numeric form the engine uses, and `checkSte`
 * gives the reason for every ILLEGAL verdict (§5.2 `SteIllegal`, Non-secure view), which a
 * transaction turns into C_BAD_STE.
 */
import { bits, type Words } from '../layout/access';
import type { LayoutDef } from '../layout/types';
import type { IdView } from '../registers/codec';
import { startLevelS2 } from '../translation/walk';
import { ADDRESS_SIZES, CACHEABILITY, f, SHAREABILITY, sizeBits, type StructureProblem, type Verdict } from './fields';

export const STE: LayoutDef = {
  name: 'STE',
  bits: 512,
  section: '5.2',
  summary: 'Stream Table Entry: how transactions of one StreamID are checked and translated.',
  fields: [
    f('V', 0, 0, 'Valid.', { openValues: true }),
    f('Config', 3, 1, 'Stream configuration.', {
      values: [
        { value: 0, name: 'ABORT', description: 'Abort all traffic, no event.' },
        { value: 4, name: 'BYPASS', description: 'Stage 1 and stage 2 bypass.' },
        { value: 5, name: 'S1_TRANS', description: 'Stage 1 translate, stage 2 bypass.' },
        { value: 6, name: 'S2_TRANS', description: 'Stage 1 bypass, stage 2 translate.' },
        { value: 7, name: 'NESTED', description: 'Stage 1 and stage 2 translate.' },
        { value: 1, name: 'ABORT_1', description: 'Reserved: behaves as abort.' },
        { value: 2, name: 'ABORT_2', description: 'Reserved: behaves as abort.' },
        { value: 3, name: 'ABORT_3', description: 'Reserved: behaves as abort.' },
      ],
    }),
    f('S1Fmt', 5, 4, 'Format of the CD table.', {
      values: [
        { value: 0, name: 'LINEAR', description: 'Linear CD table (or a single CD).' },
        { value: 1, name: 'TWO_LEVEL_4K', description: '2-level, 4 KB leaf tables (64 CDs).' },
        { value: 2, name: 'TWO_LEVEL_64K', description: '2-level, 64 KB leaf tables (1024 CDs).' },
        { value: 3, name: 'S1FMT_RESERVED', description: 'Reserved: behaves as linear.' },
      ],
    }),
    f('S1ContextPtr', 55, 6, 'Address of the CD or CD table [55:6] (an IPA when stage 2 is enabled).', { openValues: true, addrShift: 6 }),
    f('S1CDMax', 63, 59, 'log2 of the number of CDs; 0: substreams disabled.', { openValues: true }),
    f('S1DSS', 65, 64, 'Default substream: what traffic without a SubstreamID does when S1CDMax > 0.', {
      values: [
        { value: 0, name: 'TERMINATE', description: 'Terminate with F_STREAM_DISABLED.' },
        { value: 1, name: 'BYPASS', description: 'Stage 1 bypass.' },
        { value: 2, name: 'SUBSTREAM0', description: 'Use CD 0; SubstreamID 0 traffic is terminated.' },
        { value: 3, name: 'S1DSS_RESERVED', description: 'Reserved: behaves as TERMINATE.' },
      ],
    }),
    f('S1CIR', 67, 66, 'Inner cacheability of CD fetches.', { values: CACHEABILITY }),
    f('S1COR', 69, 68, 'Outer cacheability of CD fetches.', { values: CACHEABILITY }),
    f('S1CSH', 71, 70, 'Shareability of CD fetches.', { values: SHAREABILITY }),
    f('S2HWU59', 72, 72, 'Stage 2 hardware use of bit 59.', { openValues: true }),
    f('S2HWU60', 73, 73, 'Stage 2 hardware use of bit 60.', { openValues: true }),
    f('S2HWU61', 74, 74, 'Stage 2 hardware use of bit 61.', { openValues: true }),
    f('S2HWU62', 75, 75, 'Stage 2 hardware use of bit 62.', { openValues: true }),
    f('DRE', 76, 76, 'Destructive read enable.', { openValues: true }),
    f('CONT', 80, 77, 'Contiguous hint: 2^CONT StreamIDs share this configuration.', { openValues: true }),
    f('DCP', 81, 81, 'Directed cache prefetch.', { openValues: true }),
    f('PPAR', 82, 82, 'PRI page response PASID required.', { openValues: true }),
    f('MEV', 83, 83, 'Merge events: the SMMU may merge similar fault records.', { openValues: true }),
    f('S1PIE', 88, 88, 'Stage 1 indirect permissions enable.', { openValues: true, requires: { register: 'IDR3', field: 'S1PI' } }),
    f('S2FWB', 89, 89, 'Stage 2 forced write-back.', { openValues: true, requires: { register: 'IDR3', field: 'FWB' } }),
    f('S1MPAM', 90, 90, 'Stage 1 MPAM.', { openValues: true, requires: { register: 'IDR3', field: 'MPAM' } }),
    f('S1STALLD', 91, 91, 'Stage 1 stall disable.', { openValues: true }),
    f('EATS', 93, 92, 'ATS translation requests.', {
      requires: { register: 'IDR0', field: 'ATS' },
      values: [
        { value: 0, name: 'ABORT', description: 'ATS not enabled.' },
        { value: 1, name: 'FULL', description: 'Full ATS.' },
        { value: 2, name: 'SPLIT', description: 'Split-stage ATS (stage 1 to the ATC).' },
        { value: 3, name: 'FULL_DPT', description: 'Full ATS with DPT checks.' },
      ],
    }),
    f('STRW', 95, 94, 'StreamWorld: the translation regime the stream belongs to.', {
      values: [
        { value: 0, name: 'NS_EL1', description: 'Non-secure EL1 (stage 1 ASIDs tagged with the VMID).' },
        { value: 2, name: 'NS_EL2', description: 'EL2, or EL2-E2H when SMMU_CR2.E2H is 1.' },
      ],
    }),
    f('MemAttr', 99, 96, 'Memory type override (with MTCFG).', { openValues: true }),
    f('MTCFG', 100, 100, 'Memory type override enable.', { openValues: true }),
    f('ALLOCCFG', 104, 101, 'Allocation hint override.', { openValues: true }),
    f('SHCFG', 109, 108, 'Shareability override.', { values: [{ value: 0, name: 'NSH' }, { value: 1, name: 'INCOMING' }, { value: 2, name: 'OSH' }, { value: 3, name: 'ISH' }] }),
    f('NSCFG', 111, 110, 'NS attribute override.', { openValues: true }),
    f('PRIVCFG', 113, 112, 'Privilege override.', { values: [{ value: 0, name: 'INCOMING' }, { value: 1, name: 'PRIVCFG_RESERVED' }, { value: 2, name: 'UNPRIVILEGED' }, { value: 3, name: 'PRIVILEGED' }] }),
    f('INSTCFG', 115, 114, 'Instruction/data override.', { values: [{ value: 0, name: 'INCOMING' }, { value: 1, name: 'INSTCFG_RESERVED' }, { value: 2, name: 'DATA' }, { value: 3, name: 'INSTRUCTION' }] }),
    f('IMPDEF', 127, 116, 'IMPLEMENTATION DEFINED.', { openValues: true }),
    f('S2VMID', 143, 128, 'VMID of the stream (also tags stage 1 entries when stage 2 is implemented).', { openValues: true }),
    f('S2T0SZ', 165, 160, 'Stage 2 input size: 64 - S2T0SZ bits.', { openValues: true }),
    f('S2SL0', 167, 166, 'Stage 2 starting level (with S2TG).', { openValues: true }),
    f('S2IR0', 169, 168, 'Inner cacheability of stage 2 walks.', { values: CACHEABILITY }),
    f('S2OR0', 171, 170, 'Outer cacheability of stage 2 walks.', { values: CACHEABILITY }),
    f('S2SH0', 173, 172, 'Shareability of stage 2 walks.', { values: SHAREABILITY }),
    f('S2TG', 175, 174, 'Stage 2 granule.', { values: [{ value: 0, name: 'GRAN4K' }, { value: 1, name: 'GRAN64K' }, { value: 2, name: 'GRAN16K' }] }),
    f('S2PS', 178, 176, 'Stage 2 output (physical) address size.', { values: ADDRESS_SIZES }),
    f('S2AA64', 179, 179, 'Stage 2 table format: 1 VMSAv8-64, 0 VMSAv8-32 LPAE.', { openValues: true }),
    f('S2ENDI', 180, 180, 'Stage 2 table endianness: 1 big-endian.', { openValues: true }),
    f('S2AFFD', 181, 181, 'Stage 2 Access flag fault disable.', { openValues: true }),
    f('S2PTW', 182, 182, 'Protected table walk: stage 1 walks to Device memory fault.', { openValues: true }),
    f('S2HD', 183, 183, 'Stage 2 hardware dirty state update.', { openValues: true }),
    f('S2HA', 184, 184, 'Stage 2 hardware Access flag update.', { openValues: true }),
    f('S2S', 185, 185, 'Stall stage 2 faults.', { openValues: true }),
    f('S2R', 186, 186, 'Record stage 2 faults.', { openValues: true }),
    f('S2TTB', 247, 196, 'Stage 2 translation table base [55:4].', { openValues: true, addrShift: 4 }),
  ],
};

/** The numeric view of an STE the engine works with. */
export interface SteFields {
  readonly v: number;
  readonly config: number;
  readonly s1Fmt: number;
  readonly s1ContextPtr: number;
  readonly s1CdMax: number;
  readonly s1Dss: number;
  readonly s1Stalld: number;
  readonly eats: number;
  readonly strw: number;
  readonly shcfg: number;
  readonly s2Vmid: number;
  readonly s2T0sz: number;
  readonly s2Sl0: number;
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
  readonly s2Ttb: number;
}

export function decodeSte(w: Words): SteFields {
  return {
    v: bits(w, 0, 0),
    config: bits(w, 3, 1),
    s1Fmt: bits(w, 5, 4),
    s1ContextPtr: bits(w, 55, 6) * 64,
    s1CdMax: bits(w, 63, 59),
    s1Dss: bits(w, 65, 64),
    s1Stalld: bits(w, 91, 91),
    eats: bits(w, 93, 92),
    strw: bits(w, 95, 94),
    shcfg: bits(w, 109, 108),
    s2Vmid: bits(w, 143, 128),
    s2T0sz: bits(w, 165, 160),
    s2Sl0: bits(w, 167, 166),
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
    s2Ttb: bits(w, 247, 196) * 16,
  };
}

const p = (code: string, field: string | undefined, message: string, section = '5.2'): StructureProblem => ({ code, ...(field ? { field } : {}), message, section });

/** Validity and the reasons an STE is ILLEGAL for this configuration (§5.2 SteIllegal). */
export function checkSte(w: Words, ids: IdView, opts: { oas?: number } = {}): Verdict {
  const s = decodeSte(w);
  if (s.v === 0) return { valid: false, illegal: [] };
  const out: StructureProblem[] = [];
  const id = (r: string, fl: string) => ids.idField(r, fl) ?? 0;
  const oas = opts.oas ?? sizeBits(id('IDR5', 'OAS')) ?? 48;
  const cfg = s.config;
  if ((cfg & 4) === 0) return { valid: true, illegal: [] }; // 0b0xx: abort; other fields IGNORED
  const s1 = (cfg & 1) === 1;
  const s2 = (cfg & 2) === 2;
  if (s1 && !id('IDR0', 'S1P')) out.push(p('stage1-unsupported', 'Config', 'Config enables stage 1 but SMMU_IDR0.S1P is 0'));
  if (s2 && !id('IDR0', 'S2P')) out.push(p('stage2-unsupported', 'Config', 'Config enables stage 2 but SMMU_IDR0.S2P is 0'));
  // StreamWorld (§5.2 STRW): 0bx1 is ILLEGAL on the Non-secure stream table when STRW is used.
  if (s1 && id('IDR0', 'HYP') && (s.strw & 1) === 1) out.push(p('strw', 'STRW', `STRW = ${s.strw} is reserved for a Non-secure stream`));
  if (s1 && !id('IDR0', 'HYP') && s.strw !== 0) {
    // Without Hyp, STRW is not used (treated as NS-EL1) — no verdict.
  }
  if (id('IDR0', 'ATS') && cfg !== 4) {
    if (s.eats === 2 && cfg !== 7) out.push(p('eats', 'EATS', 'EATS = 0b10 (split-stage ATS) needs Config 0b111 (nested)'));
  }
  if (s1 && id('IDR0', 'S1P')) {
    const ssidSize = id('IDR1', 'SSIDSIZE');
    if (s.s1CdMax > ssidSize) out.push(p('s1cdmax', 'S1CDMax', `S1CDMax = ${s.s1CdMax} exceeds SMMU_IDR1.SSIDSIZE = ${ssidSize}`));
    if (s.s1CdMax > 0 && (s.s1Fmt === 1 || s.s1Fmt === 2) && !id('IDR0', 'CD2L')) out.push(p('s1fmt', 'S1Fmt', '2-level CD tables (S1Fmt 0b01/0b10) but SMMU_IDR0.CD2L is 0'));
    if (s.s1Stalld === 1 && id('IDR0', 'STALL_MODEL') !== 0) out.push(p('s1stalld', 'S1STALLD', 'S1STALLD is 1 but stalls are not configurable (SMMU_IDR0.STALL_MODEL != 0b00)'));
    if (!s2 && s.s1ContextPtr >= 2 ** oas) out.push(p('s1contextptr', 'S1ContextPtr', `S1ContextPtr 0x${s.s1ContextPtr.toString(16)} is beyond the ${oas}-bit output address size`));
  }
  if (s2 && id('IDR0', 'S2P')) {
    const ttf = id('IDR0', 'TTF');
    if (s.s2Aa64 === 1 && (ttf & 2) === 0) out.push(p('s2aa64', 'S2AA64', 'S2AA64 is 1 but SMMU_IDR0.TTF does not include AArch64'));
    if (s.s2Aa64 === 0 && (ttf & 1) === 0) out.push(p('s2aa64', 'S2AA64', 'S2AA64 is 0 (AArch32 tables) but SMMU_IDR0.TTF does not include AArch32'));
    const httu = id('IDR0', 'HTTU');
    if ((s.s2Ha || s.s2Hd) && (httu === 0 || s.s2Aa64 === 0)) out.push(p('s2httu', s.s2Hd ? 'S2HD' : 'S2HA', 'S2HA/S2HD set but hardware table updates are not supported (SMMU_IDR0.HTTU == 0) or tables are AArch32'));
    if (s.s2Hd && httu === 1) out.push(p('s2hd', 'S2HD', 'S2HD set but SMMU_IDR0.HTTU only supports the Access flag'));
    const stall = id('IDR0', 'STALL_MODEL');
    if (s.s2S === 1 && stall === 1) out.push(p('s2s', 'S2S', 'S2S is 1 but the SMMU does not support stalls (SMMU_IDR0.STALL_MODEL == 0b01)'));
    if (s.s2S === 0 && stall === 2) out.push(p('s2s', 'S2S', 'S2S is 0 but stalls are forced (SMMU_IDR0.STALL_MODEL == 0b10)'));
    const granule = s.s2Tg === 0 ? 4 : s.s2Tg === 1 ? 64 : s.s2Tg === 2 ? 16 : undefined;
    const granOk = granule === 4 ? id('IDR5', 'GRAN4K') : granule === 16 ? id('IDR5', 'GRAN16K') : granule === 64 ? id('IDR5', 'GRAN64K') : 0;
    if (!granule) out.push(p('s2tg', 'S2TG', 'S2TG = 0b11 is reserved'));
    else if (!granOk) out.push(p('s2tg', 'S2TG', `S2TG selects a ${granule} KB granule that SMMU_IDR5 does not advertise`));
    const ps = sizeBits(s.s2Ps) ?? 48;
    const effPs = Math.min(ps, oas);
    if (s.s2Ttb >= 2 ** effPs) out.push(p('s2ttb', 'S2TTB', `S2TTB 0x${s.s2Ttb.toString(16)} is beyond the effective stage 2 output size (${effPs} bits)`));
    // §5.2 S2T0SZ: input size between the minimum (64 - IAS, at least 16 / 12) and 39 bits... as a T0SZ.
    const ias = Math.max(oas, 40);
    const minT0sz = Math.max(granule === 64 ? 12 : 16, 64 - Math.min(ias, granule === 64 && oas === 52 ? 52 : 48));
    if (s.s2T0sz > 39 || s.s2T0sz < minT0sz) out.push(p('s2t0sz', 'S2T0SZ', `S2T0SZ = ${s.s2T0sz} is outside ${minT0sz}..39`));
    else if (granule && startLevelS2(s.s2Sl0, granule, s.s2T0sz) === undefined) out.push(p('s2sl0', 'S2SL0', `S2SL0 = ${s.s2Sl0} is not a valid starting level for a ${granule} KB granule with S2T0SZ = ${s.s2T0sz}`));
    const endian = id('IDR0', 'TTENDIAN');
    if ((s.s2Endi === 1 && endian === 2) || (s.s2Endi === 0 && endian === 3)) out.push(p('s2endi', 'S2ENDI', `S2ENDI = ${s.s2Endi} is not allowed by SMMU_IDR0.TTENDIAN`));
    if (s.s2Vmid > 0xff && !id('IDR0', 'VMID16')) out.push(p('s2vmid', 'S2VMID', `S2VMID 0x${s.s2Vmid.toString(16)} has bits [15:8] set without SMMU_IDR0.VMID16`));
  }
  return { valid: true, illegal: out };
}

/** One line: "stage 1 translate, linear CD table at 0x…" / "bypass" / "abort". */
export function describeSteConfig(s: SteFields): string {
  if (s.v === 0) return 'invalid (V == 0)';
  switch (s.config) {
    case 4:
      return 'bypass';
    case 5:
    case 7: {
      const cds = s.s1CdMax === 0 ? 'one CD' : `${2 ** s.s1CdMax} CDs, ${s.s1Fmt === 0 ? 'linear' : '2-level'} table`;
      return `${s.config === 7 ? 'nested (stage 1 + stage 2)' : 'stage 1 translate'}, ${cds} at 0x${s.s1ContextPtr.toString(16)}${s.config === 7 ? `, VMID ${s.s2Vmid}` : ''}`;
    }
    case 6:
      return `stage 2 translate, VMID ${s.s2Vmid}, S2TTB 0x${s.s2Ttb.toString(16)}`;
    default:
      return 'abort (no event)';
  }
}

