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
import { getRegister } from '../registers/table';
import type { AnyQueueName, FeatureRef, IdRegisterName, QueueName } from '../registers/types';
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
/** IDR0.ATS: PCIe ATS supported. */
export const ats = (ids: IdView): boolean => flag(ids, 'IDR0', 'ATS');
/** IDR0.NS1ATS: split-stage ATS (STE.EATS == 0b10) is NOT supported when set. */
export const ns1ats = (ids: IdView): boolean => flag(ids, 'IDR0', 'NS1ATS');
/** IDR0.CD2L: 2-level Context descriptor tables supported. */
export const cd2l = (ids: IdView): boolean => flag(ids, 'IDR0', 'CD2L');
/** IDR0.ASID16: 16-bit ASIDs (otherwise 8-bit: bits [15:8] are RES0). */
export const asid16 = (ids: IdView): boolean => flag(ids, 'IDR0', 'ASID16');
/** IDR0.VMID16: 16-bit VMIDs (otherwise 8-bit: bits [15:8] are RES0). */
export const vmid16 = (ids: IdView): boolean => flag(ids, 'IDR0', 'VMID16');
/** IDR0.TTF: translation table formats, bit 0 VMSAv8-32 LPAE, bit 1 VMSAv8-64. */
export const ttf = (ids: IdView): number => num(ids, 'IDR0', 'TTF');
/** IDR0.TTENDIAN: 0 mixed endianness, 2 little-endian tables only, 3 big-endian only. */
export const ttEndian = (ids: IdView): number => num(ids, 'IDR0', 'TTENDIAN');
/** IDR0.TERM_MODEL: 1 when a terminated transaction always aborts (CD.A must be 1). */
export const termAbortOnly = (ids: IdView): boolean => num(ids, 'IDR0', 'TERM_MODEL') === 1;
/**
 * IDR0.STALL_MODEL: 0 stall and terminate, 1 terminate only, 2 stall forced. Undefined when the
 * configuration does not give it: callers choose (the transaction path treats it as 1).
 */
export const stallModel = (ids: IdView): number | undefined => ids.idField('IDR0', 'STALL_MODEL');

// SMMU_IDR1 (§6.3.2).

/** IDR1.SIDSIZE: StreamID bits; 32 when not given. */
export const sidSize = (ids: IdView): number => ids.idField('IDR1', 'SIDSIZE') ?? 32;
/** IDR1.SSIDSIZE: SubstreamID bits; 0 (no substreams) when not given. */
export const ssidSize = (ids: IdView): number => num(ids, 'IDR1', 'SSIDSIZE');
/** IDR1.ATTR_PERMS_OVR: STE.INSTCFG, PRIVCFG (and NSCFG) override incoming attributes (§13.1.4). */
export const attrPermsOvr = (ids: IdView): boolean => flag(ids, 'IDR1', 'ATTR_PERMS_OVR');

/**
 * The ID field that caps each queue's LOG2SIZE (IDR1.CMDQS, EVENTQS, PRIQS), as the queue's BASE
 * register declares it in the register table (§6.3.26).
 */
export const QUEUE_SIZE_CAP: { readonly [Q in QueueName]: FeatureRef } = {
  CMDQ: queueSizeCap('CMDQ'),
  EVENTQ: queueSizeCap('EVENTQ'),
  PRIQ: queueSizeCap('PRIQ'),
};

function queueSizeCap(queue: QueueName): FeatureRef {
  const b = getRegister(`${queue}_BASE`).behaviour;
  if (b.kind !== 'queueBase') throw new Error(`internal: ${queue}_BASE is not a queue base`);
  return b.maxLog2;
}

/**
 * The Non-secure queue of the same kind: the Secure queues have its entry size and layout, and
 * SMMU_IDR1.CMDQS / EVENTQS cap them too (§6.3.74, §6.3.77).
 */
export function queueKindOf(queue: AnyQueueName): QueueName {
  return queue === 'S_CMDQ' ? 'CMDQ' : queue === 'S_EVENTQ' ? 'EVENTQ' : queue;
}

/** IDR1.CMDQS / EVENTQS / PRIQS: log2 of the largest queue; 19 (the architectural limit) when not given. */
export function queueLog2Max(ids: IdView, queue: AnyQueueName): number {
  const cap = QUEUE_SIZE_CAP[queueKindOf(queue)];
  return ids.idField(cap.register, cap.field) ?? 19;
}

// SMMU_IDR3 (§6.3.4).

/** IDR3.STT: small translation tables (T0SZ/S2T0SZ up to 48, and the start levels they need). */
export const stt = (ids: IdView): boolean => num(ids, 'IDR3', 'STT') === 1;
/** IDR3.FWB: stage 2 control of memory types and attributes (STE.S2FWB). */
export const fwb = (ids: IdView): boolean => flag(ids, 'IDR3', 'FWB');
/** IDR3.MPAM: MPAM supported (STE/CD PARTID and PMG, the VMS, §5.6). */
export const mpam = (ids: IdView): boolean => flag(ids, 'IDR3', 'MPAM');
/** IDR3.DPT: the Device Permission Table for Non-secure streams. */
export const dpt = (ids: IdView): boolean => flag(ids, 'IDR3', 'DPT');
/** IDR3.PASIDTT: ATS Translated transactions may carry a PASID (SMMUv3.4, §3.9.1.3). */
export const pasidtt = (ids: IdView): boolean => flag(ids, 'IDR3', 'PASIDTT');
/** IDR3.PBHA: Page-Based Hardware Attributes (the HWU bits of descriptors). */
export const pbha = (ids: IdView): boolean => flag(ids, 'IDR3', 'PBHA');
/** IDR3.S1PI: stage 1 permission indirections. */
export const s1pi = (ids: IdView): boolean => flag(ids, 'IDR3', 'S1PI');
/** IDR3.S2PI: stage 2 permission indirections. */
export const s2pi = (ids: IdView): boolean => flag(ids, 'IDR3', 'S2PI');
/** IDR3.E0PD: the E0PD mechanism (CD.E0PD0/E0PD1, RES0 without it). */
export const e0pd = (ids: IdView): boolean => flag(ids, 'IDR3', 'E0PD');
/** IDR3.THE: Translation Hardening (CD.PnCH, STE.AssuredOnly, TL0, TL1; §3.27). */
export const the = (ids: IdView): boolean => flag(ids, 'IDR3', 'THE');
/** IDR3.S2PO: stage 2 permission overlays. */
export const s2po = (ids: IdView): boolean => flag(ids, 'IDR3', 'S2PO');

// SMMU_IDR5 (§6.3.6).

/** IDR5.OAS in bits (the §3.4 encoding of sizeBits); 48 when not given or reserved. */
export function oasBits(ids: IdView): number {
  const code = ids.idField('IDR5', 'OAS');
  return (code === undefined ? undefined : sizeBits(code)) ?? 48;
}

/** IDR5.VAX: virtual address size, 0 48 bits, 1 52 bits, 2 56 bits. */
export const vax = (ids: IdView): number => num(ids, 'IDR5', 'VAX');
/** IDR5.DS: 52-bit addresses with the 4 KB and 16 KB granules (LPA2). */
export const ds = (ids: IdView): boolean => flag(ids, 'IDR5', 'DS');
/** IDR5.D128: 128-bit VMSAv9-128 descriptors. */
export const d128 = (ids: IdView): boolean => flag(ids, 'IDR5', 'D128');

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

/** AIDR.ArchMinorRev: the x of SMMUv3.x (0 when not given). */
export const archMinorRev = (ids: IdView): number => num(ids, 'AIDR', 'ArchMinorRev');

/** SMMUv3.0 (AIDR major 0, minor 0): some out-of-range cases are CONSTRAINED UNPREDICTABLE. */
export function isV30(ids: IdView): boolean {
  return (ids.idField('AIDR', 'ArchMajorRev') ?? 0) === 0 && (ids.idField('AIDR', 'ArchMinorRev') ?? 1) === 0;
}

// The Secure ID registers (§6.3.52–§6.3.56), read as 0 without Secure state.

/** S_IDR1.SECURE_IMPL (§6.3.53): the Secure programming interface exists. */
export const secureImpl = (ids: IdView): boolean => flag(ids, 'S_IDR1', 'SECURE_IMPL');
/** S_IDR0.STALL_MODEL (§6.3.52): the Stall model of the Secure programming interface, as IDR0.STALL_MODEL. */
export const secureStallModel = (ids: IdView): number | undefined => ids.idField('S_IDR0', 'STALL_MODEL');
/** S_IDR0.MSI (§6.3.52): Secure MSIs (Secure GERROR, Secure Event queue, Secure CMD_SYNC). */
export const secureMsi = (ids: IdView): boolean => flag(ids, 'S_IDR0', 'MSI');
/** S_IDR1.SEL2 (§6.3.53): Secure EL2 and Secure stage 2. */
export const secureEl2 = (ids: IdView): boolean => flag(ids, 'S_IDR1', 'SEL2');
/** S_IDR1.S_SIDSIZE (§6.3.53): Secure StreamID bits, encoded as IDR1.SIDSIZE. */
export const secureSidSize = (ids: IdView): number => num(ids, 'S_IDR1', 'S_SIDSIZE');
/** S_IDR3.SAMS (§6.3.55): 1 makes CMD_ATC_INV and CMD_PRI_RESP ILLEGAL on the Secure Command queue. */
export const secureAtsMaintenance = (ids: IdView): number => num(ids, 'S_IDR3', 'SAMS');
