/**
 * The Context Descriptor (§5.4): 64 bytes, the stage 1 configuration of a stream or substream.
 * `CdFields` is the numeric view the walker uses; `checkCd` gives the reason for every ILLEGAL
 * verdict (§5.4 CdIllegal), which a transaction turns into C_BAD_CD.
 */
import { bits, bitsBig, type Words } from '../layout/access';
import type { LayoutDef } from '../layout/types';
import type { IdView } from '../registers/codec';
import { ADDRESS_SIZES, CACHEABILITY, f, SHAREABILITY, sizeBits, type StructureProblem, type Verdict } from './fields';

const TG0 = [{ value: 0, name: 'GRAN4K' }, { value: 1, name: 'GRAN64K' }, { value: 2, name: 'GRAN16K' }];
const TG1 = [{ value: 1, name: 'GRAN16K' }, { value: 2, name: 'GRAN4K' }, { value: 3, name: 'GRAN64K' }];

export const CD: LayoutDef = {
  name: 'CD',
  bits: 512,
  section: '5.4',
  summary: 'Context Descriptor: stage 1 translation tables, ASID and fault handling of a (sub)stream.',
  fields: [
    f('T0SZ', 5, 0, 'TTB0 region size: 64 - T0SZ bits.', { openValues: true }),
    f('TG0', 7, 6, 'TTB0 granule.', { values: TG0 }),
    f('IR0', 9, 8, 'Inner cacheability of TTB0 walks.', { values: CACHEABILITY }),
    f('OR0', 11, 10, 'Outer cacheability of TTB0 walks.', { values: CACHEABILITY }),
    f('SH0', 13, 12, 'Shareability of TTB0 walks.', { values: SHAREABILITY }),
    f('EPD0', 14, 14, 'Disable walks through TTB0 (translation fault instead).', { openValues: true }),
    f('ENDI', 15, 15, 'Table endianness: 1 big-endian.', { openValues: true }),
    f('T1SZ', 21, 16, 'TTB1 region size: 64 - T1SZ bits.', { openValues: true }),
    f('TG1', 23, 22, 'TTB1 granule (encoding differs from TG0).', { values: TG1 }),
    f('IR1', 25, 24, 'Inner cacheability of TTB1 walks.', { values: CACHEABILITY }),
    f('OR1', 27, 26, 'Outer cacheability of TTB1 walks.', { values: CACHEABILITY }),
    f('SH1', 29, 28, 'Shareability of TTB1 walks.', { values: SHAREABILITY }),
    f('EPD1', 30, 30, 'Disable walks through TTB1.', { openValues: true }),
    f('V', 31, 31, 'Valid.', { openValues: true }),
    f('IPS', 34, 32, 'Intermediate physical (stage 1 output) address size.', { values: ADDRESS_SIZES }),
    f('AFFD', 35, 35, 'Access flag fault disable.', { openValues: true }),
    f('WXN', 36, 36, 'Write implies execute-never.', { openValues: true }),
    f('UWXN', 37, 37, 'Unprivileged write implies privileged execute-never.', { openValues: true }),
    f('TBI0', 38, 38, 'Top byte ignored for TTB0 addresses.', { openValues: true }),
    f('TBI1', 39, 39, 'Top byte ignored for TTB1 addresses.', { openValues: true }),
    f('PAN', 40, 40, 'Privileged access never.', { openValues: true }),
    f('AA64', 41, 41, 'Table format: 1 VMSAv8-64, 0 VMSAv8-32 LPAE.', { openValues: true }),
    f('HD', 42, 42, 'Hardware dirty state update.', { openValues: true }),
    f('HA', 43, 43, 'Hardware Access flag update.', { openValues: true }),
    f('S', 44, 44, 'Stall faults (instead of terminating).', { openValues: true }),
    f('R', 45, 45, 'Record faults in the event queue.', { openValues: true }),
    f('A', 46, 46, 'Terminated faults abort (1) or complete RAZ/WI (0).', { openValues: true }),
    f('ASET', 47, 47, 'ASID set: 1 excludes the entries from broadcast TLB invalidation.', { openValues: true }),
    f('ASID', 63, 48, 'Address space ID.', { openValues: true }),
    f('NSCFG0', 64, 64, 'NS attribute of TTB0 walks (Secure streams).', { openValues: true }),
    f('HAD0', 65, 65, 'Hierarchical attribute disable for TTB0.', { openValues: true, requires: { register: 'IDR3', field: 'HAD' } }),
    f('E0PD0', 66, 66, 'Unprivileged access to TTB0 faults.', { openValues: true, requires: { register: 'IDR3', field: 'E0PD' } }),
    f('HAFT', 67, 67, 'Hardware Access flag for table descriptors.', { openValues: true }),
    f('TTB0', 119, 68, 'TTB0 table base [55:4].', { openValues: true, addrShift: 4 }),
    f('EPAN', 123, 123, 'Enhanced PAN.', { openValues: true, requires: { register: 'IDR3', field: 'EPAN' } }),
    f('NSCFG1', 128, 128, 'NS attribute of TTB1 walks (Secure streams).', { openValues: true }),
    f('HAD1', 129, 129, 'Hierarchical attribute disable for TTB1.', { openValues: true, requires: { register: 'IDR3', field: 'HAD' } }),
    f('E0PD1', 130, 130, 'Unprivileged access to TTB1 faults.', { openValues: true, requires: { register: 'IDR3', field: 'E0PD' } }),
    f('AIE', 131, 131, 'Attribute index enable.', { openValues: true, requires: { register: 'IDR3', field: 'AIE' } }),
    f('TTB1', 183, 132, 'TTB1 table base [55:4].', { openValues: true, addrShift: 4 }),
    f('MAIR0', 223, 192, 'Memory attribute indirection, attributes 0-3.', { openValues: true }),
    f('MAIR1', 255, 224, 'Memory attribute indirection, attributes 4-7.', { openValues: true }),
    f('AMAIR0', 287, 256, 'Auxiliary memory attributes (IMPLEMENTATION DEFINED).', { openValues: true }),
    f('AMAIR1', 319, 288, 'Auxiliary memory attributes (IMPLEMENTATION DEFINED).', { openValues: true }),
    f('IMPDEF', 351, 320, 'IMPLEMENTATION DEFINED.', { openValues: true }),
    f('PARTID', 367, 352, 'MPAM partition ID.', { openValues: true, requires: { register: 'IDR3', field: 'MPAM' } }),
    f('PMG', 375, 368, 'MPAM performance monitor group.', { openValues: true, requires: { register: 'IDR3', field: 'MPAM' } }),
  ],
};

export interface CdFields {
  readonly v: number;
  readonly t0sz: number;
  readonly tg0: number;
  readonly epd0: number;
  readonly endi: number;
  readonly t1sz: number;
  readonly tg1: number;
  readonly epd1: number;
  readonly ips: number;
  readonly affd: number;
  readonly wxn: number;
  readonly uwxn: number;
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
  readonly ttb0: number;
  readonly ttb1: number;
  readonly mair: bigint;
}

export function decodeCd(w: Words): CdFields {
  return {
    v: bits(w, 31, 31),
    t0sz: bits(w, 5, 0),
    tg0: bits(w, 7, 6),
    epd0: bits(w, 14, 14),
    endi: bits(w, 15, 15),
    t1sz: bits(w, 21, 16),
    tg1: bits(w, 23, 22),
    epd1: bits(w, 30, 30),
    ips: bits(w, 34, 32),
    affd: bits(w, 35, 35),
    wxn: bits(w, 36, 36),
    uwxn: bits(w, 37, 37),
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
    ttb0: bits(w, 119, 68) * 16,
    ttb1: bits(w, 183, 132) * 16,
    mair: bitsBig(w, 255, 192),
  };
}

const p = (code: string, field: string | undefined, message: string, section = '5.4'): StructureProblem => ({ code, ...(field ? { field } : {}), message, section });

export interface CdContext {
  /** The output address size (IDR5.OAS in bits). */
  readonly oas?: number;
  /** STE.S1STALLD of the STE that located the CD. */
  readonly s1Stalld?: number;
  /** The stream's stage 2 uses AArch32 tables. */
  readonly s2Aarch32?: boolean;
}

/** Validity and the reasons a CD is ILLEGAL (§5.4 CdIllegal). */
export function checkCd(w: Words, ids: IdView, ctx: CdContext = {}): Verdict {
  const c = decodeCd(w);
  if (c.v === 0) return { valid: false, illegal: [] };
  const out: StructureProblem[] = [];
  const id = (r: string, fl: string) => ids.idField(r, fl) ?? 0;
  const oas = ctx.oas ?? sizeBits(id('IDR5', 'OAS')) ?? 48;
  const stall = id('IDR0', 'STALL_MODEL');
  if (ctx.s1Stalld === 1 && c.s === 1) out.push(p('s', 'S', 'CD.S is 1 but the STE disables stalls (STE.S1STALLD)'));
  if (id('IDR0', 'TERM_MODEL') === 1 && c.a === 0) out.push(p('a', 'A', 'CD.A is 0 (RAZ/WI) but SMMU_IDR0.TERM_MODEL is 1: faults must abort'));
  if (stall === 1 && c.s === 1) out.push(p('s', 'S', 'CD.S is 1 but the SMMU does not support stalls (SMMU_IDR0.STALL_MODEL == 0b01)'));
  if (stall === 2 && c.s === 0) out.push(p('s', 'S', 'CD.S is 0 but stalls are forced (SMMU_IDR0.STALL_MODEL == 0b10)'));
  const ttf = id('IDR0', 'TTF');
  if (c.aa64 === 0 && (ttf & 1) === 0) out.push(p('aa64', 'AA64', 'CD.AA64 is 0 (AArch32 tables) but SMMU_IDR0.TTF does not include AArch32'));
  if (c.aa64 === 1 && (ttf & 2) === 0) out.push(p('aa64', 'AA64', 'CD.AA64 is 1 but SMMU_IDR0.TTF does not include AArch64'));
  if (c.aa64 === 1 && ctx.s2Aarch32) out.push(p('aa64', 'AA64', 'CD.AA64 is 1 but stage 2 uses AArch32 tables'));
  const httu = id('IDR0', 'HTTU');
  if ((c.ha || c.hd) && httu === 0) out.push(p('httu', c.hd ? 'HD' : 'HA', 'CD.HA/HD set but SMMU_IDR0.HTTU is 0'));
  if (c.hd && httu === 1) out.push(p('hd', 'HD', 'CD.HD set but SMMU_IDR0.HTTU only supports the Access flag'));
  if (c.asid > 0xff && !id('IDR0', 'ASID16')) out.push(p('asid', 'ASID', `ASID 0x${c.asid.toString(16)} has bits [15:8] set without SMMU_IDR0.ASID16`));
  const endian = id('IDR0', 'TTENDIAN');
  const anyTtb = c.epd0 === 0 || c.epd1 === 0;
  if (anyTtb && ((c.endi === 1 && endian === 2) || (c.endi === 0 && endian === 3))) out.push(p('endi', 'ENDI', `ENDI = ${c.endi} is not allowed by SMMU_IDR0.TTENDIAN`));
  const ips = sizeBits(c.ips);
  if (ips === undefined || c.ips === 7) out.push(p('ips', 'IPS', `IPS = ${c.ips} is reserved`));
  const effIps = Math.min(ips ?? 48, oas);
  const vax = id('IDR5', 'VAX');
  for (const [n, epd, sz, tg, ttb, gran] of [
    [0, c.epd0, c.t0sz, c.tg0, c.ttb0, c.tg0 === 0 ? 4 : c.tg0 === 1 ? 64 : c.tg0 === 2 ? 16 : 0],
    [1, c.epd1, c.t1sz, c.tg1, c.ttb1, c.tg1 === 2 ? 4 : c.tg1 === 3 ? 64 : c.tg1 === 1 ? 16 : 0],
  ] as const) {
    if (epd === 1) continue;
    if (!gran) {
      out.push(p('tg', `TG${n}`, `TG${n} = ${tg} is reserved`));
      continue;
    }
    const supported = gran === 4 ? id('IDR5', 'GRAN4K') : gran === 16 ? id('IDR5', 'GRAN16K') : id('IDR5', 'GRAN64K');
    if (!supported) out.push(p('tg', `TG${n}`, `TG${n} selects a ${gran} KB granule that SMMU_IDR5 does not advertise`));
    const min = gran === 64 && vax >= 1 ? 12 : 16;
    if (sz < min || sz > 39) out.push(p('tsz', `T${n}SZ`, `T${n}SZ = ${sz} is outside ${min}..39`));
    if (ttb >= 2 ** effIps) out.push(p('ttb', `TTB${n}`, `TTB${n} 0x${ttb.toString(16)} is beyond the effective output size (${effIps} bits)`));
  }
  return { valid: true, illegal: out };
}
