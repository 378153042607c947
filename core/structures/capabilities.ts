/**
 * What the SMMU implements, asked of its ID registers (§6.3.1–§6.3.8) by name: one query per
 * capability, so the engine, the structure checks, the queue views and the trace replay read a
 * feature the same way (default included) instead of each spelling `idField('IDR0', 'S1P') ?? 0`.
 *
 * It lives at the structures layer because the STE/CD checks ask it, and the address-size
 * encoding it decodes (sizeBits) is the structures' table; every layer above imports it.
 *
 * A field the configuration does not give reads as 0 (not implemented) unless a query says
 * otherwise: the configuration loader always gives every ID register, so the defaults matter only
 * to hand-built views.
 */
import type { IdView } from '../registers/codec';
import type { IdRegisterName } from '../registers/types';
import { sizeBits } from './fields';

const num = (ids: IdView, register: IdRegisterName, field: string): number => ids.idField(register, field) ?? 0;
const flag = (ids: IdView, register: IdRegisterName, field: string): boolean => num(ids, register, field) !== 0;

// SMMU_IDR0 (§6.3.1).

/** IDR0.S1P: stage 1 translation implemented. */
export const s1p = (ids: IdView): boolean => flag(ids, 'IDR0', 'S1P');
/** IDR0.S2P: stage 2 translation implemented. */
export const s2p = (ids: IdView): boolean => flag(ids, 'IDR0', 'S2P');
/** IDR0.HYP: the EL2 (hypervisor) translation regimes are implemented. */
export const hyp = (ids: IdView): boolean => flag(ids, 'IDR0', 'HYP');
/** IDR0.PRI: Page Request Interface (and the PRI queue) implemented. */
export const pri = (ids: IdView): boolean => flag(ids, 'IDR0', 'PRI');
/** IDR0.MSI: message-signalled interrupts supported. */
export const msi = (ids: IdView): boolean => flag(ids, 'IDR0', 'MSI');
/** IDR0.SEV: the SMMU can send WFE wake-up events. */
export const sev = (ids: IdView): boolean => flag(ids, 'IDR0', 'SEV');
/** IDR0.ST_LEVEL != 0: the 2-level Stream table format is supported. */
export const twoLevelStreamTable = (ids: IdView): boolean => flag(ids, 'IDR0', 'ST_LEVEL');
/** IDR0.HTTU: hardware update of the Access flag (1) and of dirty state too (2). */
export const httu = (ids: IdView): number => num(ids, 'IDR0', 'HTTU');
/**
 * IDR0.STALL_MODEL: 0 stall and terminate, 1 terminate only, 2 stall forced. Undefined when the
 * configuration does not give it: callers choose (the transaction path treats it as 1).
 */
export const stallModel = (ids: IdView): number | undefined => ids.idField('IDR0', 'STALL_MODEL');

// SMMU_IDR1 (§6.3.2).

/** IDR1.SIDSIZE: StreamID bits; 32 when not given. */
export const sidSize = (ids: IdView): number => ids.idField('IDR1', 'SIDSIZE') ?? 32;

/** The IDR1 field that caps each queue's LOG2SIZE. */
export const QUEUE_SIZE_FIELD = { CMDQ: 'CMDQS', EVENTQ: 'EVENTQS', PRIQ: 'PRIQS' } as const;

/** IDR1.CMDQS / EVENTQS / PRIQS: log2 of the largest queue; 19 (the architectural limit) when not given. */
export const queueLog2Max = (ids: IdView, queue: keyof typeof QUEUE_SIZE_FIELD): number => ids.idField('IDR1', QUEUE_SIZE_FIELD[queue]) ?? 19;

// SMMU_IDR3 (§6.3.4).

/** IDR3.STT: small translation tables (T0SZ/S2T0SZ up to 48, and the start levels they need). */
export const stt = (ids: IdView): boolean => num(ids, 'IDR3', 'STT') === 1;

// SMMU_IDR5 (§6.3.6).

/** IDR5.OAS in bits (the §3.4 encoding of sizeBits); 48 when not given or reserved. */
export function oasBits(ids: IdView): number {
  const code = ids.idField('IDR5', 'OAS');
  return (code === undefined ? undefined : sizeBits(code)) ?? 48;
}

export type GranuleKb = 4 | 16 | 64;

/** GranuleSupported(): the granule is advertised in SMMU_IDR5.GRAN4K/16K/64K (§6.3.6). */
export function granuleSupported(ids: IdView, g: GranuleKb | undefined): boolean {
  if (g === undefined) return false;
  return num(ids, 'IDR5', g === 4 ? 'GRAN4K' : g === 16 ? 'GRAN16K' : 'GRAN64K') === 1;
}

/** §3.4: IAS = MAX(IDR0.TTF[0] ? 40 : 0, IDR0.TTF[1] ? OAS : 0) (TTF, §6.3.1). */
export function iasBits(ids: IdView, oas: number): number {
  const ttf = num(ids, 'IDR0', 'TTF');
  return Math.max(ttf & 1 ? 40 : 0, ttf & 2 ? oas : 0);
}

// SMMU_AIDR (§6.3.8).

/** SMMUv3.0 (AIDR major 0, minor 0): some out-of-range cases are CONSTRAINED UNPREDICTABLE. */
export function isV30(ids: IdView): boolean {
  return (ids.idField('AIDR', 'ArchMajorRev') ?? 0) === 0 && (ids.idField('AIDR', 'ArchMinorRev') ?? 1) === 0;
}
