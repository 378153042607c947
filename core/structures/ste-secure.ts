/**
 * The STE fields that exist only in a Secure STE with Secure stage 2 (§5.2, §3.10.2.2;
 * SMMU_S_IDR1.SEL2): the second stage 2 translation table, for the Secure IPA space (S_S2TTB,
 * S_S2T0SZ, S_S2SL0, S_S2SL0_2, S_S2TG, S_S2SKL), and the NS bits of the two stage 2 walks and
 * their outputs (S2NSW, S2NSA for the Non-secure IPA space through S2TTB; S2SW, S2SA for the Secure
 * IPA space through S_S2TTB). They are RES0 in a Non-secure STE, so the Non-secure table (ste.ts)
 * leaves them out and its RES0 check reports them; `SECURE_STE` (ste.ts) adds them for the Secure
 * Stream table. MECID and MPAM_NS (RME, MPAM) are not here: the model performs neither.
 */
import { bits, type Words } from '../layout/access';
import type { LayoutField } from '../layout/types';
import type { FeatureRef } from '../registers/types';
import { f } from './fields';

const SEL2: FeatureRef = { register: 'S_IDR1', field: 'SEL2' };
const NS_BIT = (secure: string, nonSecure: string) => [
  { value: 0, name: 'SECURE', description: secure },
  { value: 1, name: 'NON_SECURE', description: nonSecure },
];

/** §5.2: positions and meanings; each is RES0 without SMMU_S_IDR1.SEL2 and IGNORED with Config 0b10x. */
export const SECURE_STE_FIELDS: readonly LayoutField[] = [
  f('S2NSW', 192, 192, 'NS bit of the stage 2 walks of the Non-secure IPA space (through S2TTB).', {
    requires: SEL2,
    values: NS_BIT('Walks read the Secure PA space.', 'Walks read the Non-secure PA space.'),
  }),
  f(
    'S2NSA',
    193,
    193,
    'NS bit output by stage 2 translations of the Non-secure IPA space (IGNORED, Non-secure, when S2NSW or the effective S2SA is 1).',
    { requires: SEL2, values: NS_BIT('Output to the Secure PA space.', 'Output to the Non-secure PA space.') },
  ),
  f('S_S2T0SZ', 293, 288, 'Secure IPA input size of the S_S2TTB table: 64 - S_S2T0SZ bits (VSTCR_EL2.T0SZ).', {
    openValues: true,
    requires: SEL2,
  }),
  f('S_S2SL0', 295, 294, 'Starting level of the S_S2TTB walk (encoded as S2SL0, with S_S2TG).', {
    openValues: true,
    requires: SEL2,
  }),
  f('S_S2TG', 303, 302, 'Granule of the S_S2TTB table (encoded as S2TG; VSTCR_EL2.TG0).', {
    requires: SEL2,
    values: [
      { value: 0, name: 'GRAN4K', description: '4 KB.' },
      { value: 1, name: 'GRAN64K', description: '64 KB.' },
      { value: 2, name: 'GRAN16K', description: '16 KB.' },
      { value: 3, name: 'S_S2TG_RESERVED', description: 'Reserved (ILLEGAL).' },
    ],
  }),
  f('S2SW', 384, 384, 'NS bit of the stage 2 walks of the Secure IPA space (through S_S2TTB).', {
    requires: SEL2,
    values: NS_BIT('Walks read the Secure PA space.', 'Walks read the Non-secure PA space.'),
  }),
  f(
    'S2SA',
    385,
    385,
    'NS bit output by stage 2 translations of the Secure IPA space (IGNORED, effective 1, when S2SW is 1).',
    { requires: SEL2, values: NS_BIT('Output to the Secure PA space.', 'Output to the Non-secure PA space.') },
  ),
  f('S_S2SL0_2', 386, 386, 'Bit [2] of S_S2SL0, with S2DS and a 4 KB S_S2TG.', {
    openValues: true,
    requires: { register: 'IDR5', field: 'DS' },
  }),
  f(
    'S_S2TTB',
    439,
    388,
    'Secure stage 2 translation table base (Secure IPA space), address bits [55:4]; encoded and checked as S2TTB.',
    { openValues: true, addrShift: 4, requires: SEL2 },
  ),
  f('S_S2SKL', 446, 445, 'Skip level of the S_S2TTB walk for VMSAv9-128 (VSTTBR_EL2.SKL).', {
    openValues: true,
    requires: { register: 'IDR5', field: 'D128' },
  }),
];

/** The Secure stage 2 fields in numbers (addresses exact up to 56 bits). */
export interface SecureStage2Fields {
  readonly s2Nsw: number;
  readonly s2Nsa: number;
  readonly sS2T0sz: number;
  readonly sS2Sl0: number;
  readonly sS2Tg: number;
  readonly s2Sw: number;
  readonly s2Sa: number;
  readonly sS2Sl02: number;
  readonly sS2Ttb: number;
  readonly sS2Skl: number;
}

const at = (name: string): LayoutField => {
  const x = SECURE_STE_FIELDS.find((y) => y.name === name);
  if (!x) throw new Error(`internal: no Secure STE field ${name}`);
  return x;
};
const read = (w: Words, name: string): number => {
  const x = at(name);
  return bits(w, x.msb, x.lsb) * 2 ** (x.addrShift ?? 0);
};

export function decodeSecureStage2(w: Words): SecureStage2Fields {
  return {
    s2Nsw: read(w, 'S2NSW'),
    s2Nsa: read(w, 'S2NSA'),
    sS2T0sz: read(w, 'S_S2T0SZ'),
    sS2Sl0: read(w, 'S_S2SL0'),
    sS2Tg: read(w, 'S_S2TG'),
    s2Sw: read(w, 'S2SW'),
    s2Sa: read(w, 'S2SA'),
    sS2Sl02: read(w, 'S_S2SL0_2'),
    sS2Ttb: read(w, 'S_S2TTB'),
    sS2Skl: read(w, 'S_S2SKL'),
  };
}
