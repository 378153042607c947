/**
 * The DPT check of an ATS Translated transaction from a stream with STE.EATS == 0b11 (§3.24.1,
 * §3.9.1.3): a walk of the Non-secure Device Permission Table that SMMU_DPT_BASE and
 * SMMU_DPT_BASE_CFG describe (§3.24.3), and the two ways it fails (§3.24.4):
 * - a DPT lookup fault (DPT_DISABLED, DPT_WALK_FAULT, DPT_EABT, with the level), recorded in
 *   SMMU_DPT_CFG_FAR while its FAULT is 0 and in SMMU_GERROR.DPT_ERR;
 * - a Device Access fault: the lookup succeeded but does not grant the access (No Access, W == 0
 *   for a write, or a VMID that must match and does not).
 * Both abort the transaction with F_TRANSL_FORBIDDEN (the caller records it).
 *
 * The model keeps no DPT TLB (caching is permitted, never required, §3.24.2), so every check
 * walks, and CMD_DPTI_ALL / CMD_DPTI_PA have nothing to remove.
 *
 * Not modelled: the fields of a Level 0 Block entry and of a Level 0 No Access entry other than
 * bits [1:0] are drawn only as images in the specification's Markdown (Figures 3.10 and 3.11), and
 * no second source gives them. A No Access entry is taken as No Access whatever its other bits (an
 * entry with RES0 bits set is Invalid, a DPT_WALK_FAULT, §3.24.3.1.1), and a check that reaches a
 * Block entry is not decided: it is reported (`dpt.not-modelled`) and the transaction passes.
 * The Level 0 Table and Level 1 layouts are from §3.24.3.1.3 and §3.24.3.1.4's tables.
 */
import { hex } from '../registers/codec';
import * as caps from '../structures/capabilities';
import { dptLayout } from '../structures/dpt';
import type { SteFields } from '../structures/ste';
import type { EngineContext } from './context';
import { F, R } from './registers';

export type DptLookupFault = 'DPT_DISABLED' | 'DPT_WALK_FAULT' | 'DPT_EABT';

/** SMMU_DPT_CFG_FAR.DPT_FAULTCODE (§6.3.48); DPT_GPC_FAULT (0b0010) needs RME, not modelled. */
const FAULTCODE: Readonly<Record<DptLookupFault, bigint>> = { DPT_DISABLED: 0n, DPT_WALK_FAULT: 1n, DPT_EABT: 3n };

export type DptVerdict =
  | { readonly kind: 'granted'; readonly detail: string }
  | { readonly kind: 'device-access'; readonly detail: string }
  | { readonly kind: 'lookup'; readonly fault: DptLookupFault; readonly level: 0 | 1; readonly detail: string }
  | { readonly kind: 'not-modelled'; readonly detail: string };

/** §3.24.3.1.4 Contig: log2 of the region size; 0 is no contiguity, 8 and above are Reserved. */
const CONTIG_LOG2: readonly number[] = [0, 16, 21, 25, 29, 30, 34, 36];

const bits = (v: bigint, msb: number, lsb: number): number =>
  Number((v >> BigInt(lsb)) & ((1n << BigInt(msb - lsb + 1)) - 1n));

/** One half of a Level 1 entry, or the contiguous region's attributes (§3.24.3.1.4). */
interface Grant {
  readonly ac: number;
  readonly w: number;
  readonly vmid: number;
}

/**
 * §3.24.3.1.4: why a Level 1 entry is Invalid (a RES0/MBZ bit set, or a Reserved encoding), or
 * undefined when it is valid.
 */
function invalidLevel1(d: bigint, dptgsLog2: number, l0dptszBits: number, vmid16: boolean): string | undefined {
  const a = bits(d, 1, 0);
  const contig = bits(d, 11, 8);
  const half = (h: 0 | 1): bigint => (h === 0 ? d & 0xffff001cn : (d >> 32n) & 0xffff001cn);
  if (bits(d, 7, 5) || bits(d, 15, 12) || bits(d, 33, 32) || bits(d, 47, 37)) return 'an MBZ bit is set';
  if (a === 0b00 && d !== 0n) return 'A is 0b00 (No Access) and other bits are set';
  if (a !== 0b11 && contig !== 0) return `A is 0b${a.toString(2).padStart(2, '0')} and Contig (RES0) is set`;
  const used: (0 | 1)[] = a === 0b11 ? (contig !== 0 ? [0] : [0, 1]) : a === 0b01 ? [0] : a === 0b10 ? [1] : [];
  for (const h of [0, 1] as const)
    if (!used.includes(h) && half(h) !== 0n) return `AC${h}, W${h} and VMID${h} are RES0 here and are not zero`;
  for (const h of used) {
    const g = half(h);
    if (bits(g, 3, 2) === 0b11) return `AC${h} is 0b11, Reserved`;
    if (!vmid16 && bits(g, 31, 24) !== 0) return `VMID${h}[15:8] is not zero without SMMU_IDR0.VMID16`;
  }
  if (contig !== 0) {
    const log2 = CONTIG_LOG2[contig];
    if (log2 === undefined) return `Contig is 0b${contig.toString(2).padStart(4, '0')}, Reserved`;
    if (log2 <= dptgsLog2) return `Contig selects ${2 ** (log2 - 10)} KB, Reserved with this DPTGS`;
    if (log2 > l0dptszBits) return `Contig selects a region larger than L0DPTSZ (2^${l0dptszBits} bytes)`;
  }
  return undefined;
}

/** §3.24.1: whether the STE's S2VMID must match the entry's VMID, by DPT_VMATCH and AC. */
function vmidRequired(dptVmatch: number, ac: number): boolean {
  // 0b11 is Reserved and behaves as 0b00 (§5.2 DPT_VMATCH).
  const m = dptVmatch === 0b11 ? 0b00 : dptVmatch;
  if (m === 0b10) return false;
  if (m === 0b01) return ac === 0b00;
  return ac === 0b00 || ac === 0b01;
}

/** Read one 8-byte descriptor, logged as an SMMU fetch; 'abort' on an external abort. */
function readDescriptor(engine: EngineContext, what: string, pa: number): bigint | 'abort' {
  if (engine.memory.isAbort(pa, 8)) return 'abort';
  const w = new Uint32Array(2);
  engine.memory.readWords(pa, w, 2);
  const d = (BigInt(w[1] as number) << 32n) | BigInt(w[0] as number);
  if (engine.recording)
    engine.log({
      kind: 'fetch',
      text: `fetched ${what} ${hex(d, 64)} from ${hex(BigInt(pa), 64)}`,
      address: BigInt(pa),
    });
  return d;
}

/** The DPT check of a write (or read) to `pa` from the stream of `ste` (§3.24.1, §3.24.3). */
export function dptCheck(engine: EngineContext, pa: bigint, write: boolean, ste: SteFields): DptVerdict {
  const lookup = (fault: DptLookupFault, level: 0 | 1, detail: string): DptVerdict => ({
    kind: 'lookup',
    fault,
    level,
    detail,
  });
  const denied = (detail: string): DptVerdict => ({ kind: 'device-access', detail });
  if (engine.field(F.DPT_WALK_EN) !== 1n) return lookup('DPT_DISABLED', 0, 'SMMU_CR0.DPT_WALK_EN is 0');
  const layout = dptLayout(engine.smmu.value(R.DPT_BASE), engine.smmu.value(R.DPT_BASE_CFG), engine.ids);
  const { dptpsBits, l0dptszBits, granuleKb } = layout;
  if (layout.problems.length || dptpsBits === undefined || l0dptszBits === undefined || granuleKb === undefined)
    return lookup('DPT_WALK_FAULT', 0, `invalid SMMU_DPT_BASE_CFG: ${layout.problems.join('; ')}`);
  // Table 3.35: PA bits [OAS-1:DPTPS] non-zero are outside the protected space: No Access.
  if (pa >> BigInt(dptpsBits) !== 0n)
    return denied(`${hex(pa, 64)} is beyond the ${dptpsBits}-bit space the DPT protects (DPTPS): No Access`);
  const l0Index = Number((pa >> BigInt(l0dptszBits)) & ((1n << BigInt(dptpsBits - l0dptszBits)) - 1n));
  const l0Pa = layout.base + 8 * l0Index;
  const l0 = readDescriptor(engine, `level 0 DPT entry ${l0Index}`, l0Pa);
  if (l0 === 'abort')
    return lookup('DPT_EABT', 0, `external abort fetching the level 0 entry at ${hex(BigInt(l0Pa), 64)}`);
  const at0 = `the level 0 entry ${hex(l0, 64)} at ${hex(BigInt(l0Pa), 64)}`;
  switch (bits(l0, 1, 0)) {
    case 0b00:
      return denied(`${at0} is No Access`);
    case 0b10:
      return lookup('DPT_WALK_FAULT', 0, `${at0} is Invalid: bits [1:0] are 0b10`);
    case 0b01:
      return {
        kind: 'not-modelled',
        detail: `${at0} is a Level 0 Block entry, whose AC, W and VMID fields the model does not decode (their positions are only in a figure of §3.24.3.1.2): the DPT check is not made`,
      };
  }
  // Level 0 Table entry (§3.24.3.1.3): Address[55:12]; [63:56] MBZ; bits above OAS are RES0.
  if (l0 >> 56n !== 0n || (l0 & ((1n << 56n) - 1n)) >> BigInt(engine.oas) !== 0n)
    return lookup('DPT_WALK_FAULT', 0, `${at0} is Invalid: bits above SMMU_IDR5.OAS or [63:56] are set`);
  const dptgsLog2 = Math.log2(granuleKb * 1024);
  // §3.24.3 steps 3-4: level 1 tables of (L0DPTSZ / DPTGS) / 2 entries, aligned to their size.
  const l1Entries = 2 ** (l0dptszBits - dptgsLog2 - 1);
  const l1Bytes = 8 * l1Entries;
  const l1Base = Number(l0 & 0x00fffffffffff000n);
  const l1Aligned = l1Base - (l1Base % l1Bytes);
  const l1Index = Number((pa >> BigInt(dptgsLog2 + 1)) % BigInt(l1Entries));
  const l1Pa = l1Aligned + 8 * l1Index;
  const l1 = readDescriptor(engine, `level 1 DPT entry ${l1Index}`, l1Pa);
  if (l1 === 'abort')
    return lookup('DPT_EABT', 1, `external abort fetching the level 1 entry at ${hex(BigInt(l1Pa), 64)}`);
  const at1 = `the level 1 entry ${hex(l1, 64)} at ${hex(BigInt(l1Pa), 64)}`;
  const invalid = invalidLevel1(l1, dptgsLog2, l0dptszBits, caps.vmid16(engine.ids));
  if (invalid) return lookup('DPT_WALK_FAULT', 1, `${at1} is Invalid: ${invalid}`);
  const a = bits(l1, 1, 0);
  const contiguous = a === 0b11 && bits(l1, 11, 8) !== 0;
  // Bit [DPTGS] of the PA selects the upper or lower granule of a two-granule entry.
  const upper = !contiguous && ((pa >> BigInt(dptgsLog2)) & 1n) === 1n;
  if ((a & (upper ? 0b10 : 0b01)) === 0)
    return denied(`${at1} gives No Access to the ${upper ? 'upper' : 'lower'} granule`);
  const h = upper ? l1 >> 32n : l1;
  const g: Grant = { ac: bits(h, 3, 2), w: bits(h, 4, 4), vmid: bits(h, 31, 16) };
  const which = contiguous ? 'the contiguous region' : `the ${upper ? 'upper' : 'lower'} granule`;
  if (write && g.w === 0) return denied(`${at1} does not permit writes to ${which} (W${upper ? 1 : 0} is 0)`);
  if (vmidRequired(ste.dptVmatch, g.ac) && g.vmid !== ste.s2Vmid)
    return denied(
      `${at1} gives ${which} to VMID ${g.vmid} (AC 0b${g.ac.toString(2).padStart(2, '0')}), and STE.DPT_VMATCH 0b${ste.dptVmatch.toString(2).padStart(2, '0')} requires STE.S2VMID (${ste.s2Vmid}) to match`,
    );
  return { kind: 'granted', detail: `the DPT grants ${write ? 'the write' : 'the read'} (${at1})` };
}

/**
 * §3.24.4: a DPT lookup fault is recorded in SMMU_DPT_CFG_FAR unless its FAULT is already 1, and
 * makes SMMU_GERROR.DPT_ERR active unless it is already.
 */
export function recordDptLookupFault(engine: EngineContext, pa: bigint, fault: DptLookupFault, level: 0 | 1): void {
  if ((engine.smmu.value(R.DPT_CFG_FAR) & 1n) === 0n) {
    const faddr = (pa >> 12n) & ((1n << BigInt(engine.oas - 12)) - 1n);
    engine.smmu.setOwned('DPT_CFG_FAR', (faddr << 12n) | (FAULTCODE[fault] << 4n) | (BigInt(level) << 1n) | 1n);
  }
  engine.raiseGlobalError(
    F.GERROR_DPT_ERR.field.lsb,
    'DPT_ERR',
    `a DPT lookup fault (${fault} at level ${level}) for ${hex(pa, 64)}, recorded in SMMU_DPT_CFG_FAR`,
    '3.24.4',
  );
}
