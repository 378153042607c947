/**
 * The Context Descriptor (§5.4): 64 bytes, the stage 1 configuration of a stream or substream.
 * `CdFields` is the numeric view the walker uses; `checkCd` gives the reason for every ILLEGAL
 * verdict (§5.4 `CdIllegal`, Non-secure view), which a transaction turns into C_BAD_CD.
 *
 * Where SMMU_IDR5.D128 == 1 some bits change name (HAD0 → DisCH0, HWU061/062 → SKL0, HAD1 →
 * DisCH1, HWU161/162 → SKL1); the table keeps the VMSAv8-64 names and `decodeCd` exposes both.
 */
import { bits, bitsBig, type Words } from '../layout/access';
import type { LayoutDef } from '../layout/types';
import type { IdView } from '../registers/codec';
import type { FeatureRef, IdRegisterName } from '../registers/types';
import { ADDRESS_SIZES, CACHEABILITY, f, SHAREABILITY, sizeBits, type StructureProblem, type Verdict } from './fields';
import * as caps from './capabilities';
import type { GranuleKb } from './capabilities';
import { granuleOfTg0, granuleOfTg1, type SteFields } from './ste';

export type CdProblem = StructureProblem;
export type CdVerdict = Verdict;

const yes = (register: IdRegisterName, field: string): FeatureRef => ({ register, field });

const TG0 = [
  { value: 0, name: 'GRAN4K', description: '4 KB.' },
  { value: 1, name: 'GRAN64K', description: '64 KB.' },
  { value: 2, name: 'GRAN16K', description: '16 KB.' },
  { value: 3, name: 'TG0_RESERVED', description: 'Reserved (ILLEGAL unless EPD0 is effectively 1).' },
];
const TG1 = [
  { value: 0, name: 'TG1_RESERVED', description: 'Reserved (ILLEGAL unless EPD1 is effectively 1).' },
  { value: 1, name: 'GRAN16K', description: '16 KB.' },
  { value: 2, name: 'GRAN4K', description: '4 KB.' },
  { value: 3, name: 'GRAN64K', description: '64 KB.' },
];

export const CD: LayoutDef = {
  name: 'CD',
  bits: 512,
  section: '5.4',
  summary: 'Context Descriptor: stage 1 translation tables, ASID and fault handling of a (sub)stream.',
  fields: [
    f('T0SZ', 5, 0, 'TTB0 region size: 64 - T0SZ bits (TCR_ELx.T0SZ; bits [2:0] only for VMSAv8-32 LPAE).', {
      openValues: true,
    }),
    f('TG0', 7, 6, 'TTB0 granule.', { values: TG0 }),
    f('IR0', 9, 8, 'Inner cacheability of TTB0 walks.', { values: CACHEABILITY }),
    f('OR0', 11, 10, 'Outer cacheability of TTB0 walks.', { values: CACHEABILITY }),
    f('SH0', 13, 12, 'Shareability of TTB0 walks.', { values: SHAREABILITY }),
    f('EPD0', 14, 14, 'TTB0 walk disable: a TLB miss through TTB0 is a Translation fault.', { openValues: true }),
    f('ENDI', 15, 15, 'Translation table endianness: 0 little, 1 big.', { openValues: true }),
    f('T1SZ', 21, 16, 'TTB1 region size: 64 - T1SZ bits.', { openValues: true }),
    f('TG1', 23, 22, 'TTB1 granule (encoding differs from TG0).', { values: TG1 }),
    f('IR1', 25, 24, 'Inner cacheability of TTB1 walks.', { values: CACHEABILITY }),
    f('OR1', 27, 26, 'Outer cacheability of TTB1 walks.', { values: CACHEABILITY }),
    f('SH1', 29, 28, 'Shareability of TTB1 walks.', { values: SHAREABILITY }),
    f('EPD1', 30, 30, 'TTB1 walk disable.', { openValues: true }),
    f('V', 31, 31, 'Valid. 0: use of the CD is ILLEGAL (C_BAD_CD).', { openValues: true }),
    f('IPS', 34, 32, 'Intermediate physical (stage 1 output) address size, capped to the OAS.', {
      values: ADDRESS_SIZES,
    }),
    f('AFFD', 35, 35, 'Access flag fault disable.', { openValues: true }),
    f('WXN', 36, 36, 'Write implies execute-never.', { openValues: true }),
    f('UWXN', 37, 37, 'Unprivileged write implies privileged execute-never (VMSAv8-32 only).', { openValues: true }),
    f('TBI0', 38, 38, 'Top byte ignored for TTB0 addresses.', { openValues: true }),
    f('TBI1', 39, 39, 'Top byte ignored for TTB1 addresses.', { openValues: true }),
    f('PAN', 40, 40, 'Privileged access never.', { openValues: true }),
    f('AA64', 41, 41, 'Table format: 1 VMSAv8-64; 0 VMSAv8-32 LPAE (or VMSAv9-128 when SMMU_IDR5.D128 == 1).', {
      openValues: true,
    }),
    f('HD', 42, 42, 'Hardware update of dirty state.', { openValues: true }),
    f('HA', 43, 43, 'Hardware update of the Access flag.', { openValues: true }),
    f('S', 44, 44, 'Stage 1 fault behaviour: stall.', { openValues: true }),
    f('R', 45, 45, 'Stage 1 fault behaviour: record.', { openValues: true }),
    f('A', 46, 46, 'Stage 1 fault behaviour: terminated faults abort (1) or complete RAZ/WI (0).', {
      openValues: true,
    }),
    f('ASET', 47, 47, 'ASID set: 1 non-shared (not expected to take broadcast invalidation).', { openValues: true }),
    f('ASID', 63, 48, 'Address space ID.', { openValues: true }),
    f('NSCFG0', 64, 64, 'NS attribute of the TTB0 starting-level fetch (Secure streams only).', { openValues: true }),
    f('HAD0', 65, 65, 'Hierarchical attribute disable for TTB0 (DisCH0 when SMMU_IDR5.D128 == 1).', {
      openValues: true,
    }),
    f('E0PD0', 66, 66, 'Unprivileged accesses through TTB0 fault.', {
      openValues: true,
      requires: yes('IDR3', 'E0PD'),
    }),
    f('HAFT', 67, 67, 'Hardware update of the Access flag in table descriptors.', {
      openValues: true,
      requires: { register: 'IDR0', field: 'HTTU', equals: 3 },
    }),
    f('TTB0', 119, 68, 'TTB0 table base, address bits [55:4] ([51:4] for VMSAv8-64, bits [119:116] RES0).', {
      openValues: true,
      addrShift: 4,
    }),
    f('PnCH', 122, 122, 'Stage 1 Protected attribute enable.', { openValues: true, requires: yes('IDR3', 'THE') }),
    f('EPAN', 123, 123, 'Enhanced PAN.', { openValues: true, requires: yes('IDR3', 'EPAN') }),
    f('HWU059', 124, 124, 'TTB0 descriptor bit [59] has IMPLEMENTATION DEFINED hardware use (PBHA, with HAD0).', {
      openValues: true,
      requires: yes('IDR3', 'PBHA'),
    }),
    f('HWU060', 125, 125, 'TTB0 descriptor bit [60] hardware use.', {
      openValues: true,
      requires: yes('IDR3', 'PBHA'),
    }),
    f('HWU061', 126, 126, 'TTB0 descriptor bit [61] hardware use (SKL0[0] when SMMU_IDR5.D128 == 1).', {
      openValues: true,
    }),
    f('HWU062', 127, 127, 'TTB0 descriptor bit [62] hardware use (SKL0[1] when SMMU_IDR5.D128 == 1).', {
      openValues: true,
    }),
    f('NSCFG1', 128, 128, 'NS attribute of the TTB1 starting-level fetch (Secure streams only).', { openValues: true }),
    f('HAD1', 129, 129, 'Hierarchical attribute disable for TTB1 (DisCH1 when SMMU_IDR5.D128 == 1).', {
      openValues: true,
    }),
    f('E0PD1', 130, 130, 'Unprivileged accesses through TTB1 fault.', {
      openValues: true,
      requires: yes('IDR3', 'E0PD'),
    }),
    f('AIE', 131, 131, 'Stage 1 attribute extension (4-bit AttrIndx).', {
      openValues: true,
      requires: yes('IDR3', 'AIE'),
    }),
    f('TTB1', 183, 132, 'TTB1 table base, address bits [55:4] ([51:4] for VMSAv8-64, bits [183:180] RES0).', {
      openValues: true,
      addrShift: 4,
    }),
    f('DS', 186, 186, '52-bit input and output with 4 KB and 16 KB granules (TCR_ELx.DS).', {
      openValues: true,
      requires: yes('IDR5', 'DS'),
    }),
    f('PIE', 187, 187, 'Stage 1 Indirect Permission Scheme (needs STE.S1PIE).', {
      openValues: true,
      requires: yes('IDR3', 'S1PI'),
    }),
    f('HWU159', 188, 188, 'TTB1 descriptor bit [59] hardware use (PBHA, with HAD1).', {
      openValues: true,
      requires: yes('IDR3', 'PBHA'),
    }),
    f('HWU160', 189, 189, 'TTB1 descriptor bit [60] hardware use.', {
      openValues: true,
      requires: yes('IDR3', 'PBHA'),
    }),
    f('HWU161', 190, 190, 'TTB1 descriptor bit [61] hardware use (SKL1[0] when SMMU_IDR5.D128 == 1).', {
      openValues: true,
    }),
    f('HWU162', 191, 191, 'TTB1 descriptor bit [62] hardware use (SKL1[1] when SMMU_IDR5.D128 == 1).', {
      openValues: true,
    }),
    f('MAIR0', 223, 192, 'Memory attribute indirection, MAIR bits [31:0] (Attr0-3).', { openValues: true }),
    f('MAIR1', 255, 224, 'Memory attribute indirection, MAIR bits [63:32] (Attr4-7).', { openValues: true }),
    f('AMAIR0', 287, 256, 'Auxiliary memory attributes, bits [31:0] (IMPLEMENTATION DEFINED).', { openValues: true }),
    f('AMAIR1', 319, 288, 'Auxiliary memory attributes, bits [63:32] (IMPLEMENTATION DEFINED).', { openValues: true }),
    f('IMPDEF', 351, 320, 'IMPLEMENTATION DEFINED.', { openValues: true }),
    f('PARTID', 367, 352, 'MPAM partition ID (when STE.S1MPAM == 1).', {
      openValues: true,
      requires: yes('IDR3', 'MPAM'),
    }),
    f('PMG', 375, 368, 'MPAM performance monitor group (when STE.S1MPAM == 1).', {
      openValues: true,
      requires: yes('IDR3', 'MPAM'),
    }),
    f('PIIU', 431, 384, 'Stage 1 unprivileged permission interpretations PIIU<p> at [3p+386:3p+384], p = 0..15.', {
      openValues: true,
      requires: yes('IDR3', 'S1PI'),
    }),
    f('PIIP', 495, 448, 'Stage 1 privileged permission interpretations PIIP<p> at [3p+450:3p+448], p = 0..15.', {
      openValues: true,
      requires: yes('IDR3', 'S1PI'),
    }),
  ],
};

export interface CdFields {
  readonly v: number;
  readonly t0sz: number;
  readonly tg0: number;
  readonly ir0: number;
  readonly or0: number;
  readonly sh0: number;
  readonly epd0: number;
  readonly endi: number;
  readonly t1sz: number;
  readonly tg1: number;
  readonly ir1: number;
  readonly or1: number;
  readonly sh1: number;
  readonly epd1: number;
  readonly ips: number;
  readonly affd: number;
  readonly wxn: number;
  readonly uwxn: number;
  readonly tbi0: number;
  readonly tbi1: number;
  /** TBI1:TBI0 as bits [1:0] (the walker's form). */
  readonly tbi: number;
  readonly pan: number;
  readonly aa64: number;
  readonly hd: number;
  readonly ha: number;
  readonly s: number;
  readonly r: number;
  readonly a: number;
  readonly aset: number;
  readonly asid: number;
  readonly nscfg0: number;
  readonly had0: number;
  readonly e0pd0: number;
  readonly haft: number;
  readonly ttb0: number;
  readonly pnch: number;
  readonly epan: number;
  /** HWU062..059 as bits [3:0]. */
  readonly hwu0: number;
  /** Bits [127:126] as SKL0 (meaningful for VMSAv9-128 only). */
  readonly skl0: number;
  readonly nscfg1: number;
  readonly had1: number;
  readonly e0pd1: number;
  readonly aie: number;
  readonly ttb1: number;
  readonly ds: number;
  readonly pie: number;
  /** HWU162..159 as bits [3:0]. */
  readonly hwu1: number;
  /** Bits [191:190] as SKL1 (VMSAv9-128 only). */
  readonly skl1: number;
  /** {MAIR1, MAIR0} as one 64-bit value. */
  readonly mair: bigint;
  /** {AMAIR1, AMAIR0}. */
  readonly amair: bigint;
  readonly partid: number;
  readonly pmg: number;
  readonly piiu: number;
  readonly piip: number;
}

export function decodeCd(w: Words): CdFields {
  return {
    v: bits(w, 31, 31),
    t0sz: bits(w, 5, 0),
    tg0: bits(w, 7, 6),
    ir0: bits(w, 9, 8),
    or0: bits(w, 11, 10),
    sh0: bits(w, 13, 12),
    epd0: bits(w, 14, 14),
    endi: bits(w, 15, 15),
    t1sz: bits(w, 21, 16),
    tg1: bits(w, 23, 22),
    ir1: bits(w, 25, 24),
    or1: bits(w, 27, 26),
    sh1: bits(w, 29, 28),
    epd1: bits(w, 30, 30),
    ips: bits(w, 34, 32),
    affd: bits(w, 35, 35),
    wxn: bits(w, 36, 36),
    uwxn: bits(w, 37, 37),
    tbi0: bits(w, 38, 38),
    tbi1: bits(w, 39, 39),
    tbi: bits(w, 39, 38),
    pan: bits(w, 40, 40),
    aa64: bits(w, 41, 41),
    hd: bits(w, 42, 42),
    ha: bits(w, 43, 43),
    s: bits(w, 44, 44),
    r: bits(w, 45, 45),
    a: bits(w, 46, 46),
    aset: bits(w, 47, 47),
    asid: bits(w, 63, 48),
    nscfg0: bits(w, 64, 64),
    had0: bits(w, 65, 65),
    e0pd0: bits(w, 66, 66),
    haft: bits(w, 67, 67),
    ttb0: bits(w, 119, 68) * 16,
    pnch: bits(w, 122, 122),
    epan: bits(w, 123, 123),
    hwu0: bits(w, 127, 124),
    skl0: bits(w, 127, 126),
    nscfg1: bits(w, 128, 128),
    had1: bits(w, 129, 129),
    e0pd1: bits(w, 130, 130),
    aie: bits(w, 131, 131),
    ttb1: bits(w, 183, 132) * 16,
    ds: bits(w, 186, 186),
    pie: bits(w, 187, 187),
    hwu1: bits(w, 191, 188),
    skl1: bits(w, 191, 190),
    mair: bitsBig(w, 255, 192),
    amair: bitsBig(w, 319, 256),
    partid: bits(w, 367, 352),
    pmg: bits(w, 375, 368),
    piiu: bits(w, 431, 384),
    piip: bits(w, 495, 448),
  };
}

/**
 * The StreamWorlds a CD can be used in (§3.3.3, §5.2 STRW): the Non-secure ones, and those of an
 * STE of the Secure Stream table. §5.4 groups them: "any-EL2" is NS-EL2 and S-EL2, "any-EL2-E2H"
 * NS-EL2-E2H and S-EL2-E2H.
 */
export type StreamWorld = 'NS-EL1' | 'NS-EL2' | 'NS-EL2-E2H' | 'Secure' | 'S-EL2' | 'S-EL2-E2H' | 'EL3';

/**
 * §5.2 STRW / IgnoreSTESTRW(): STRW only counts for a stage 1-only stream (Config 0b101) with stage 1
 * implemented, and for a Non-secure STE with SMMU_IDR0.Hyp; it is IGNORED otherwise, the StreamWorld
 * being NS-EL1 (Secure for a Secure STE). Non-secure: 0b10 is NS-EL2, or NS-EL2-E2H with
 * SMMU_CR2.E2H == 1. Secure (`secure`, `e2h` then SMMU_S_CR2.E2H): 0b10 is S-EL2 or S-EL2-E2H, 0b01
 * EL3. The reserved values (ILLEGAL in the STE, C_BAD_STE) give EL1's world here.
 */
export function steStreamWorld(
  ste: Pick<SteFields, 'config' | 'strw'>,
  ids: IdView,
  e2h = 0,
  secure = false,
): StreamWorld {
  const el1: StreamWorld = secure ? 'Secure' : 'NS-EL1';
  if (!caps.s1p(ids) || ste.config !== 0b101 || (!secure && !caps.hyp(ids))) return el1;
  if (ste.strw === 0b10) return secure ? (e2h === 1 ? 'S-EL2-E2H' : 'S-EL2') : e2h === 1 ? 'NS-EL2-E2H' : 'NS-EL2';
  if (secure && ste.strw === 0b01) return 'EL3';
  return el1;
}

/** §5.4 "any-EL2": NS-EL2 or S-EL2 (not E2H). */
const anyEl2 = (sw: StreamWorld): boolean => sw === 'NS-EL2' || sw === 'S-EL2';

/**
 * §5.4.1: "When a CD is used from a stream configured with StreamWorld == any-EL2 or EL3 (but not
 * any-EL2-E2H): Only one translation table is supported (TTB0) and TTB1 is unreachable. ASID is
 * IGNORED." All their accesses are privileged (§5.4 UWXN, AP[1] "ignored and treated as 1").
 */
export const oneTableWorld = (sw: StreamWorld): boolean => anyEl2(sw) || sw === 'EL3';

/**
 * The one-table StreamWorlds (§5.4.1) an SMMU with `ids` can give a stream: NS-EL2 with
 * SMMU_IDR0.Hyp, S-EL2 with SMMU_S_IDR1.SEL2, EL3 with Secure state and without RME (§5.2 STRW).
 */
export function oneTableWorlds(ids: IdView): StreamWorld[] {
  if (!caps.s1p(ids)) return [];
  const out: StreamWorld[] = [];
  if (caps.hyp(ids)) out.push('NS-EL2');
  if (caps.secureEl2(ids)) out.push('S-EL2');
  if (caps.secureImpl(ids) && ids.idField('IDR0', 'RME_IMPL') !== 1) out.push('EL3');
  return out;
}

/**
 * Which of the reasons `checkCd` gives for a CD judged without its STE (as NS-EL1's) a stream of
 * `world`, a one-table StreamWorld, does not have, because the field is RES0 or IGNORED there
 * (§5.4.1: TTB1's fields, ASID; §5.4 PIIU): a predicate over the NS-EL1 reasons.
 */
export function ignoredInWorld(
  w: Words,
  ids: IdView,
  world: StreamWorld,
  opts: Pick<CdCheckOptions, 'oas' | 'stallModel'> = {},
): (p: StructureProblem) => boolean {
  const strw = world === 'EL3' ? 0b01 : 0b10;
  const there = checkCd(w, ids, {
    ...opts,
    ste: { config: 0b101, strw, s1Stalld: 0, s2Aa64: 1, s1Pie: 0 },
    secure: !world.startsWith('NS-'),
  }).illegal;
  return (p) => !there.some((q) => q.code === p.code && q.field === p.field && q.message === p.message);
}

export interface CdCheckOptions {
  /** Output address size in bits (default from SMMU_IDR5.OAS). */
  readonly oas?: number;
  /** Effective SMMU_IDR0.STALL_MODEL (see `checkSte`). */
  readonly stallModel?: number;
  /**
   * The STE that located the CD: its StreamWorld, S1STALLD, S1PIE and a VMSAv8-32 stage 2 change
   * the verdict (§5.4.1). Without it the CD is judged as reached from an NS-EL1 (Secure with
   * `secure`) stage 1-only STE with S1STALLD == 0 and S1PIE == 0.
   */
  readonly ste?: Pick<SteFields, 'config' | 'strw' | 's1Stalld' | 's2Aa64' | 's1Pie'>;
  /** SMMU_CR2.E2H, or SMMU_S_CR2.E2H with `secure` (selects EL2-E2H for STRW == 0b10). */
  readonly e2h?: number;
  /**
   * The STE is one of the Secure Stream table (SEC_SID = 1): STRW 0b10 is S-EL2(-E2H) and 0b01 EL3
   * (§5.2 STRW), whose CD has one translation table and no ASID, and VMSAv8-32 LPAE tables are
   * ILLEGAL in EL3 and S-EL2 (§5.4 CdIllegal()).
   */
  readonly secure?: boolean;
}

const p = (code: string, field: string | undefined, message: string, section = '5.4'): StructureProblem => ({
  code,
  ...(field ? { field } : {}),
  message,
  section,
});
const hexa = (n: number) => '0x' + n.toString(16).toUpperCase();

/** §5.4 CDTxSZInvalid (VMSAv8-64 and VMSAv9-128 only). Returns [min, max]. */
function txszRange(
  ids: IdView,
  g: GranuleKb | undefined,
  ds: boolean,
  vmsa128: boolean,
  sw: StreamWorld,
): [number, number] {
  const stt = caps.stt(ids);
  const max = stt ? (g === 4 || g === 16 ? 48 : 47) : 39;
  const vax = caps.vax(ids);
  let min = 16;
  // VMSAv9-128 with 56-bit VAs: "8, if ... StreamWorld is EL3", 9 in the others (§5.4 T0SZ).
  if (vax === 2) min = vmsa128 ? (sw === 'EL3' ? 8 : 9) : g === 64 || ds ? 12 : 16;
  else if (vax === 1) min = g === 64 || ds || vmsa128 ? 12 : 16;
  return [min, max];
}

/**
 * Validity and the reasons a CD is ILLEGAL (§5.4 CdIllegal, §5.5). V == 0 gives
 * `valid: false` (the CD is then ILLEGAL: C_BAD_CD). All reasons are listed.
 */
export function checkCd(w: Words, ids: IdView, opts: CdCheckOptions = {}): CdVerdict {
  const c = decodeCd(w);
  if (c.v === 0) return { valid: false, illegal: [] };
  const out: StructureProblem[] = [];
  const oas = opts.oas ?? caps.oasBits(ids);
  // An ID field the view does not give counts as 0 (not implemented) for ILLEGAL checks.
  const stall = opts.stallModel ?? caps.stallModel(ids) ?? 0;
  const ste = opts.ste;
  const secure = opts.secure === true;
  const sw: StreamWorld = ste ? steStreamWorld(ste, ids, opts.e2h, secure) : secure ? 'Secure' : 'NS-EL1';
  // §5.4 EPD0: EPD0/EPD1 are IGNORED (effective 0) for any-EL2 and EL3, where only TTB0 exists;
  // TTB1 is unreachable and TTB1, TG1, SH1, OR1, IR1, T1SZ are RES0 (§5.4.1; §5.4 T1SZ, TG1 …: "If
  // StreamWorld == any-EL2 or EL3, this field is RES0"), so no TTB1 field is checked. TTB0's are.
  const oneTable = oneTableWorld(sw);
  const off0 = oneTable ? false : c.epd0 === 1;
  const off1 = oneTable ? true : c.epd1 === 1;
  const d128 = caps.d128(ids);
  const vmsa32 = !d128 && c.aa64 === 0;
  const vmsa64 = c.aa64 === 1;
  const vmsa128 = d128 && c.aa64 === 0;
  const ttf = caps.ttf(ids);
  const httu = caps.httu(ids);

  // §5.5: fault configuration.
  if (ste && ste.s1Stalld === 1 && c.s === 1)
    out.push(p('s1stalld', 'S', 'CD.S = 1 but the STE disables stage 1 stalls (STE.S1STALLD = 1)', '5.5'));
  if (caps.termAbortOnly(ids) && c.a === 0)
    out.push(p('a', 'A', 'CD.A = 0 (RAZ/WI termination) but SMMU_IDR0.TERM_MODEL is 1 (abort only)', '5.5'));
  if (stall === 1 && c.s === 1)
    out.push(p('s', 'S', 'CD.S = 1 but SMMU_IDR0.STALL_MODEL is 0b01 (stall not supported)', '5.5'));
  if (stall === 2 && c.s === 0)
    out.push(p('s', 'S', 'CD.S = 0 but SMMU_IDR0.STALL_MODEL is 0b10 (stall forced)', '5.5'));

  // §5.4 ENDI: IGNORED when both walks are disabled.
  const endian = caps.ttEndian(ids);
  if ((!off0 || !off1) && ((endian === 2 && c.endi === 1) || (endian === 3 && c.endi === 0))) {
    out.push(
      p(
        'endi',
        'ENDI',
        `ENDI = ${c.endi} but SMMU_IDR0.TTENDIAN only supports ${endian === 2 ? 'little' : 'big'}-endian tables`,
      ),
    );
  }

  // §5.4 AA64.
  if (vmsa32 && (ttf & 1) === 0)
    out.push(p('aa64', 'AA64', 'AA64 = 0 selects VMSAv8-32 LPAE but SMMU_IDR0.TTF[0] is 0'));
  // CdIllegal(): VMSAv8-32 LPAE is ILLEGAL for StreamWorld EL3 and any-EL2-E2H, and "not supported
  // for S-EL2 StreamWorld"; NS-EL2 permits it (an AArch32 hypervisor's tables).
  if (vmsa32 && (sw === 'NS-EL2-E2H' || sw === 'S-EL2-E2H' || sw === 'S-EL2' || sw === 'EL3'))
    out.push(p('aa64', 'AA64', `AA64 = 0 selects VMSAv8-32 LPAE in the ${sw} StreamWorld`));
  if (vmsa64 && (ttf & 2) === 0) out.push(p('aa64', 'AA64', 'AA64 = 1 selects VMSAv8-64 but SMMU_IDR0.TTF[1] is 0'));
  if (vmsa64 && ste && (ste.config & 2) === 2 && ste.s2Aa64 === 0 && !d128)
    out.push(p('aa64', 'AA64', 'AA64 = 1 (VMSAv8-64 stage 1) over a VMSAv8-32 LPAE stage 2'));

  // §5.4 HA/HD/HAFT: IGNORED for VMSAv8-32 LPAE.
  if (!vmsa32) {
    if ((c.ha === 1 || c.hd === 1) && httu === 0)
      out.push(p('httu', c.ha === 1 ? 'HA' : 'HD', 'HA/HD set but SMMU_IDR0.HTTU is 0b00'));
    if (c.hd === 1 && httu === 1) out.push(p('hd', 'HD', 'HD = 1 but SMMU_IDR0.HTTU is 0b01 (Access flag only)'));
    if (httu === 3 && c.haft === 1 && c.ha === 0) out.push(p('haft', 'HAFT', 'HAFT = 1 with HA = 0'));
  }

  // §5.4 ASID: "IGNORED if StreamWorld == any-EL2 or EL3"; otherwise 8 bits without SMMU_IDR0.ASID16.
  if (!oneTable && !caps.asid16(ids) && c.asid > 0xff)
    out.push(p('asid', 'ASID', `ASID ${hexa(c.asid)} has bits [15:8] set but SMMU_IDR0.ASID16 is 0`));

  // §5.4 T0SZ/T1SZ, TG0/TG1, TTB0/TTB1 for each walk in use.
  const ds = caps.ds(ids) && c.ds === 1;
  const ipaRange = vmsa32 ? 40 : Math.min(sizeBits(c.ips) ?? 48, oas);
  const walks = [
    { n: 0, off: off0, tsz: c.t0sz, tg: c.tg0, g: granuleOfTg0(c.tg0), ttb: c.ttb0, skl: c.skl0 },
    { n: 1, off: off1, tsz: c.t1sz, tg: c.tg1, g: granuleOfTg1(c.tg1), ttb: c.ttb1, skl: c.skl1 },
  ];
  for (const x of walks) {
    if (x.off) continue;
    if (!vmsa32) {
      // SMMUv3.0: out-of-range TxSZ is CONSTRAINED UNPREDICTABLE; ILLEGAL is a permitted choice.
      const [min, max] = txszRange(ids, x.g, ds, vmsa128, sw);
      if (x.tsz < min || x.tsz > max) out.push(p('tsz', `T${x.n}SZ`, `T${x.n}SZ = ${x.tsz} is outside ${min}..${max}`));
      if (!caps.granuleSupported(ids, x.g))
        out.push(
          p(
            'tg',
            `TG${x.n}`,
            x.g === undefined
              ? `TG${x.n} = ${x.tg} is reserved`
              : `TG${x.n} selects a ${x.g} KB granule that SMMU_IDR5 does not advertise`,
          ),
        );
    }
    // "ILLEGAL for the address to be outside the range described by the effective IPS", and outside
    // 48 bits for VMSAv8-64 with a 4 KB/16 KB granule and DS == 0 (40 bits for VMSAv8-32: IPS IGNORED).
    if (x.ttb >= 2 ** ipaRange)
      out.push(p('ttb', `TTB${x.n}`, `TTB${x.n} ${hexa(x.ttb)} is outside the effective IPS (${ipaRange} bits)`));
    else if (vmsa64 && !ds && x.g !== 64 && x.ttb >= 2 ** 48)
      out.push(p('ttb', `TTB${x.n}`, `TTB${x.n} ${hexa(x.ttb)} is outside 48 bits (4 KB/16 KB granule without DS)`));
  }

  if (vmsa128) {
    if (ste && ste.s1Pie === 0) out.push(p('d128', 'AA64', 'VMSAv9-128 tables but STE.S1PIE is 0'));
    // §5.4 T0SZ: "VMSAv9-128 is not supported for StreamWorld any-EL2" (NS-EL2 and S-EL2).
    if (anyEl2(sw)) out.push(p('d128', 'AA64', `VMSAv9-128 tables in the ${sw} StreamWorld`));
    for (const x of walks) {
      if (x.off || x.g === undefined) continue;
      // CDSLInvalidD128: start level from the input size, stride granulebits - 4.
      const gb = x.g === 4 ? 12 : x.g === 16 ? 14 : 16;
      const start = 3 - Math.floor((64 - x.tsz - 1 - gb) / (gb - 4));
      if (start + x.skl > 3)
        out.push(p('skl', `SKL${x.n}`, `SKL${x.n} = ${x.skl} skips past level 3 (start level ${start})`));
    }
  }

  // §5.4 PIIP/PIIU: reserved encodings and privileged-execute with unprivileged-write.
  if ((vmsa64 && caps.s1pi(ids) && ste?.s1Pie === 1 && c.pie === 1) || vmsa128) {
    // PIIU is RES0 where every access is privileged: "If StreamWorld is EL3 or any-EL2" (§5.4 PIIU).
    const unpriv = !oneTable;
    for (let i = 0; i < 16; i++) {
      const pp = Math.floor(c.piip / 2 ** (3 * i)) & 7;
      const pu = Math.floor(c.piiu / 2 ** (3 * i)) & 7;
      if (pp === 0b100 || pp === 0b110)
        out.push(p('piip', 'PIIP', `PIIP<${i}> = 0b${pp.toString(2).padStart(3, '0')} is reserved`));
      if (unpriv) {
        if (pu === 0b100 || pu === 0b110)
          out.push(p('piiu', 'PIIU', `PIIU<${i}> = 0b${pu.toString(2).padStart(3, '0')} is reserved`));
        if ((pp & 0b010) !== 0 && (pu & 0b100) !== 0)
          out.push(
            p('pi-wx', 'PIIP', `PIIP<${i}> grants privileged execute while PIIU<${i}> grants unprivileged write`),
          );
      }
    }
  }
  return { valid: true, illegal: out };
}
