/**
 * Global control registers: SMMU_CR0, SMMU_CR0ACK (§6.3.9, §6.3.10).
 * CR0 and CR0ACK share one field layout; a field whose feature is not advertised is RES0 in both, so
 * it is neither stored nor acknowledged (§6.3.9 "Reserved fields in SMMU_CR0 are not reflected in
 * SMMU_CR0ACK").
 */
import type { FieldDef, RegisterDef } from './types';

const enable = (what: string) => [
  { value: 0, name: 'DISABLED', description: `${what} disabled.` },
  { value: 1, name: 'ENABLED', description: `${what} enabled.` },
];

/** Field layout shared by CR0 and CR0ACK (§6.3.9, §6.3.10). */
export const CR0_FIELDS: readonly FieldDef[] = [
  { name: 'DPT_WALK_EN', msb: 10, lsb: 10, description: 'Enable Device Permission Table walks for Non-secure state.', requires: { register: 'IDR3', field: 'DPT' }, values: enable('DPT walks'), reset: 0 },
  {
    name: 'VMW', msb: 8, lsb: 6, description: 'VMID wildcard for TLB invalidation matching; other values are reserved and behave as 0b000.',
    requires: { register: 'IDR0', field: 'VMW' }, reset: 0,
    values: [
      { value: 0, name: 'EXACT', description: 'Invalidations match VMID exactly.' },
      { value: 1, name: 'VMID_N_1', description: 'Invalidations match VMID[N:1].' },
      { value: 2, name: 'VMID_N_2', description: 'Invalidations match VMID[N:2].' },
      { value: 3, name: 'VMID_N_3', description: 'Invalidations match VMID[N:3].' },
      { value: 4, name: 'VMID_N_4', description: 'Invalidations match VMID[N:4].' },
    ],
  },
  {
    name: 'ATSCHK', msb: 4, lsb: 4, description: 'ATS Translated traffic check.', requires: { register: 'IDR0', field: 'ATS' }, reset: 0,
    values: [
      { value: 0, name: 'FAST', description: 'Translated traffic passes without stream table or TLB lookup.' },
      { value: 1, name: 'SAFE', description: 'Translated traffic is checked against STE.EATS.' },
    ],
  },
  { name: 'CMDQEN', msb: 3, lsb: 3, description: 'Enable command queue processing.', values: enable('Command queue processing'), reset: 0 },
  { name: 'EVENTQEN', msb: 2, lsb: 2, description: 'Enable event queue writes.', values: enable('Event queue writes'), reset: 0 },
  { name: 'PRIQEN', msb: 1, lsb: 1, description: 'Enable PRI queue writes.', requires: { register: 'IDR0', field: 'PRI' }, values: enable('PRI queue writes'), reset: 0 },
  {
    name: 'SMMUEN', msb: 0, lsb: 0, description: 'Non-secure SMMU enable.', reset: 0,
    values: [
      { value: 0, name: 'DISABLED', description: 'Streams bypass the SMMU with attributes from SMMU_GBPA.' },
      { value: 1, name: 'ENABLED', description: 'Streams are checked against configuration structures and may be translated.' },
    ],
  },
];

export const CR0: RegisterDef = {
  name: 'CR0',
  offset: 0x0020,
  width: 32,
  access: 'RW',
  reset: 0n,
  section: '6.3.9',
  group: 'control',
  summary: 'Global enables: SMMU, command/event/PRI queues, ATS check, VMID wildcard, DPT walks.',
  fields: CR0_FIELDS,
  behaviour: { kind: 'acked', ack: 'CR0ACK' },
};

export const CR0ACK: RegisterDef = {
  name: 'CR0ACK',
  offset: 0x0024,
  width: 32,
  access: 'RO',
  reset: 0n,
  section: '6.3.10',
  group: 'control',
  summary: 'Acknowledgement of SMMU_CR0: each field reads the CR0 value once its Update has completed.',
  fields: CR0_FIELDS,
  behaviour: { kind: 'ack', of: 'CR0' },
};
