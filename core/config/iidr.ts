/**
 * SMMU_IIDR (§6.3.7): ProductID [31:20], Variant [19:16], Revision [15:12], Implementer [11:0].
 * Implementer is a JEP106 code: [11:8] the number of continuation codes (0x7F bytes) before the
 * identity, [7] always 0, [6:0] the identity. Arm is bank 5, identity 0x3B: 0x43B.
 *
 * Why it matters to an emulator: Linux (arm_smmu_device_iidr_probe, facts §7.2) applies erratum
 * workarounds keyed on Arm + ProductID, so the IIDR an emulator reports decides which code paths a
 * guest takes. The seed review thread asked what Xen's dummy 0x12 means: decoded, it names
 * JEP106 bank 1 identity 0x12, which is Raytheon, not Xen or Arm.
 */

export interface IidrFields {
  readonly productId: number;
  readonly variant: number;
  readonly revision: number;
  readonly implementer: number;
}

export const ARM_IMPLEMENTER = 0x43b;
export const MMU_600 = 0x483;
export const MMU_700 = 0x487;

export function iidrFields(value: number): IidrFields {
  return {
    productId: (value >>> 20) & 0xfff,
    variant: (value >>> 16) & 0xf,
    revision: (value >>> 12) & 0xf,
    implementer: value & 0xfff,
  };
}

export function iidrValue(f: IidrFields): number {
  return (
    (((f.productId & 0xfff) << 20) |
      ((f.variant & 0xf) << 16) |
      ((f.revision & 0xf) << 12) |
      (f.implementer & 0xfff)) >>>
    0
  );
}

/**
 * A few JEP106 names, to make a reported code readable. `smmu` marks implementers known to ship
 * SMMUv3s; the others are here because emulators have used their codes as placeholders.
 * Source: JEP106 as transcribed in OpenOCD's src/helper/jep106.inc (bank N = continuation N−1).
 */
const JEP106: ReadonlyMap<number, { readonly name: string; readonly smmu: boolean }> = new Map([
  [0x43b, { name: 'Arm', smmu: true }],
  [0x36b, { name: 'NVIDIA', smmu: true }],
  [0x070, { name: 'Qualcomm', smmu: true }],
  [0x369, { name: 'Marvell', smmu: true }],
  [0x34c, { name: 'Cavium', smmu: true }],
  [0x012, { name: 'Raytheon', smmu: false }],
]);

export interface ImplementerInfo {
  /** Bits [7] == 0 and an identity that is neither 0 nor the continuation code 0x7F. */
  readonly wellFormed: boolean;
  readonly bank: number;
  readonly identity: number;
  readonly name?: string;
  readonly knownSmmuVendor: boolean;
  /** Why it is not well formed. */
  readonly problem?: string;
}

export function implementerInfo(code: number): ImplementerInfo {
  const bank = ((code >>> 8) & 0xf) + 1;
  const identity = code & 0x7f;
  const entry = JEP106.get(code & 0xfff);
  let problem: string | undefined;
  if (code & 0x80) problem = 'bit [7] is set, but §6.3.7 says it is always 0 (it is where JEP106 keeps its parity bit)';
  else if (identity === 0) problem = 'its identity code [6:0] is 0, which JEP106 never assigns';
  else if (identity === 0x7f)
    problem = 'its identity code [6:0] is 0x7F, the JEP106 continuation code, not an identity';
  return {
    wellFormed: problem === undefined,
    bank,
    identity,
    name: entry?.name,
    knownSmmuVendor: entry?.smmu ?? false,
    problem,
  };
}

export function hex3(v: number): string {
  return '0x' + v.toString(16).toUpperCase().padStart(3, '0');
}

/** "Arm (JEP106 bank 5, 0x3B)" or "JEP106 bank 1, identity 0x12 (Raytheon)". */
export function implementerText(code: number): string {
  const i = implementerInfo(code);
  if (code === 0) return 'none (0x000)';
  const where = `JEP106 bank ${i.bank}, identity 0x${i.identity.toString(16).toUpperCase().padStart(2, '0')}`;
  return i.name
    ? `${hex3(code)} = ${i.name} (${where})`
    : `${hex3(code)} (${where}${i.wellFormed ? '' : ', malformed'})`;
}

export function productText(f: IidrFields): string {
  if (f.implementer === ARM_IMPLEMENTER && f.productId === MMU_600) return 'Arm MMU-600';
  if (f.implementer === ARM_IMPLEMENTER && f.productId === MMU_700) return 'Arm MMU-700';
  return `product ${hex3(f.productId)}`;
}

/**
 * What Linux's IIDR probe (facts §7.2, arm_smmu_device_iidr_probe) does with this IIDR, in one
 * sentence per consequence. Empty when nothing is keyed on it.
 */
export function linuxErrata(f: IidrFields): string[] {
  if (f.implementer !== ARM_IMPLEMENTER) return [];
  const out: string[] = [];
  if (f.productId === MMU_600) {
    if (f.variant === 0 && f.revision <= 2) out.push('drops SEV (Arm erratum 1076982, MMU-600 r0p0–r0p2)');
    if (f.variant < 2) out.push('disables nesting (Arm erratum 1209401, MMU-600 before r2)');
  } else if (f.productId === MMU_700) {
    out.push('drops BTM and forces a CMD_SYNC in every command batch (Arm erratum 2812531)');
    out.push('disables nesting (Arm errata 2268618, 2812531)');
  }
  return out;
}
