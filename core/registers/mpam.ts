/**
 * The Non-secure MPAM registers (§6.3.41–§6.3.43, §17), present only when SMMU_IDR3.MPAM == 1.
 * SMMU_MPAMIDR is an ID register: its PARTID_MAX and PMG_MAX come from the configuration.
 * SMMU_GMPAM (SMMU-originated accesses: L1STD, STE, queues, MSIs, §17.4) and SMMU_GBPMPAM (client
 * transactions in global bypass, §17.2) use the SMMU_GBPA Update handshake, except that a write
 * without Update is always IGNORED. Their PARTID and PMG fields are limited by MPAMIDR: bits above
 * the bit width of PARTID_MAX (PMG_MAX) are RES0, and a larger value makes the SMMU use an UNKNOWN
 * PARTID (PMG).
 */
import type { FeatureRef, FieldDef, RegisterDef } from './types';

const MPAM: FeatureRef = { register: 'IDR3', field: 'MPAM' };

const update: FieldDef = {
  name: 'Update',
  msb: 31,
  lsb: 31,
  description:
    'Update completion flag: written 1 with the new values, reads 1 until they apply to future accesses. A write with Update = 0 is IGNORED.',
  reset: 0,
  values: [
    { value: 0, name: 'COMPLETE', description: 'No update in progress.' },
    { value: 1, name: 'IN_PROGRESS', description: 'Update requested, not complete.' },
  ],
};
const pmg = (name: string, what: string): FieldDef => ({
  name,
  msb: 23,
  lsb: 16,
  description: `PMG for ${what}. Bits above the PMG bit width of SMMU_MPAMIDR.PMG_MAX are RES0; a value above PMG_MAX makes the SMMU use an UNKNOWN PMG.`,
  openValues: true,
  reset: 0,
  limitedBy: { register: 'MPAMIDR', field: 'PMG_MAX' },
});
const partid = (name: string, what: string): FieldDef => ({
  name,
  msb: 15,
  lsb: 0,
  description: `PARTID for ${what}. Bits above the PARTID bit width of SMMU_MPAMIDR.PARTID_MAX are RES0; a value above PARTID_MAX makes the SMMU use an UNKNOWN PARTID.`,
  openValues: true,
  reset: 0,
  limitedBy: { register: 'MPAMIDR', field: 'PARTID_MAX' },
});

export const MPAMIDR = {
  name: 'MPAMIDR',
  offset: 0x0130,
  width: 32,
  access: 'RO',
  reset: 'IMPDEF',
  section: '6.3.41',
  group: 'mpam',
  summary: 'MPAM capabilities of the Non-secure state: the largest PMG and PARTID software may use.',
  requires: MPAM,
  fields: [
    {
      name: 'PMG_MAX',
      msb: 23,
      lsb: 16,
      description:
        'The largest PMG permitted in Non-secure state; the PMG bit width is the position of its most significant 1 plus one (0 when it is 0).',
      openValues: true,
    },
    {
      name: 'PARTID_MAX',
      msb: 15,
      lsb: 0,
      description:
        'The largest PARTID permitted in Non-secure state; the PARTID bit width is the position of its most significant 1 plus one (0 when it is 0). Arm recommends a non-zero value when MPAM is implemented.',
      openValues: true,
    },
  ],
  behaviour: { kind: 'id' },
} satisfies RegisterDef;

export const GMPAM = {
  name: 'GMPAM',
  offset: 0x0138,
  width: 32,
  access: 'RW',
  reset: 0n,
  section: '6.3.42',
  group: 'mpam',
  summary:
    'PARTID and PMG of SMMU-originated accesses (L1STD and STE fetches, queues, MSIs), with an Update handshake.',
  requires: MPAM,
  fields: [
    update,
    pmg('SO_PMG', 'SMMU-originated accesses of the Non-secure programming interface'),
    partid('SO_PARTID', 'SMMU-originated accesses of the Non-secure programming interface'),
  ],
  behaviour: { kind: 'updateHandshake', ignoredWithout: '6.3.42' },
} satisfies RegisterDef;

export const GBPMPAM = {
  name: 'GBPMPAM',
  offset: 0x013c,
  width: 32,
  access: 'RW',
  reset: 0n,
  section: '6.3.43',
  group: 'mpam',
  summary:
    'PARTID and PMG of client transactions in global bypass (SMMUEN == 0, or ATS Translated with ATSCHK == 0), with an Update handshake.',
  requires: MPAM,
  fields: [
    update,
    pmg('GBP_PMG', 'client transactions that bypass translation globally'),
    partid('GBP_PARTID', 'client transactions that bypass translation globally'),
  ],
  behaviour: { kind: 'updateHandshake', ignoredWithout: '6.3.43' },
} satisfies RegisterDef;
