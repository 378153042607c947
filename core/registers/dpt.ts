/**
 * The Non-secure Device Permission Table registers (§6.3.46–§6.3.48, §3.24), present only when
 * SMMU_IDR3.DPT == 1. DPT_BASE and DPT_BASE_CFG are read-only while SMMU_CR0.DPT_WALK_EN or its
 * acknowledgement is 1 (their "Accessing" sections), which the model treats as a guard.
 * DPT_CFG_FAR records the first DPT lookup fault; a write is IGNORED unless it clears FAULT, and a
 * write that clears FAULT clears the whole register (§6.3.48).
 */
import type { FeatureRef, GuardRef, RegisterDef } from './types';

const DPT: FeatureRef = { register: 'IDR3', field: 'DPT' };
const guardedBy: readonly GuardRef[] = [{ register: 'CR0', field: 'DPT_WALK_EN' }];

export const DPT_BASE = {
  name: 'DPT_BASE',
  offset: 0x0200,
  width: 64,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.46',
  group: 'dpt',
  summary: 'Base address of level 0 of the Non-secure Device Permission Table, and its read-allocate hint.',
  requires: DPT,
  guardedBy,
  fields: [
    {
      name: 'RA',
      msb: 62,
      lsb: 62,
      description: 'Read-allocate hint for DPT lookups.',
      values: [
        { value: 0, name: 'NO_ALLOCATE' },
        { value: 1, name: 'ALLOCATE' },
      ],
    },
    {
      name: 'BADDR',
      msb: 55,
      lsb: 12,
      description:
        'Non-secure physical address of the level 0 DPT [55:12]; aligned by the SMMU to the greater of 4 KB and the table size (8 bytes × 2^(DPTPS - L0DPTSZ)).',
      openValues: true,
      addrShift: 12,
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const DPT_BASE_CFG = {
  name: 'DPT_BASE_CFG',
  offset: 0x0208,
  width: 32,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.47',
  group: 'dpt',
  summary: 'Non-secure Device Permission Table configuration: level 0 entry size, granule and protected size.',
  requires: DPT,
  guardedBy,
  fields: [
    {
      name: 'L0DPTSZ',
      msb: 23,
      lsb: 20,
      description:
        'Address bits each level 0 entry covers; invalid when above SMMU_IDR5.OAS or DPTPS (a DPT lookup is then DPT_WALK_FAULT, §3.24.4).',
      values: [
        { value: 0, name: 'L0_30BIT', description: '30 bits: each entry covers 1 GB.' },
        { value: 4, name: 'L0_34BIT', description: '34 bits: each entry covers 16 GB.' },
        { value: 6, name: 'L0_36BIT', description: '36 bits: each entry covers 64 GB.' },
        { value: 9, name: 'L0_39BIT', description: '39 bits: each entry covers 512 GB.' },
      ],
    },
    {
      name: 'DPTGS',
      msb: 15,
      lsb: 14,
      description: 'DPT granule size; invalid when SMMU_IDR5 does not advertise the granule.',
      values: [
        { value: 0, name: 'DPTGS_4KB', description: '4 KB (invalid without SMMU_IDR5.GRAN4K).' },
        { value: 1, name: 'DPTGS_64KB', description: '64 KB (invalid without SMMU_IDR5.GRAN64K).' },
        { value: 2, name: 'DPTGS_16KB', description: '16 KB (invalid without SMMU_IDR5.GRAN16K).' },
      ],
    },
    {
      name: 'DPTPS',
      msb: 2,
      lsb: 0,
      description: 'Size of the physical address space the DPT protects; invalid when above SMMU_IDR5.OAS.',
      values: [
        { value: 0, name: 'DPTPS_32BIT', description: '32 bits, 4 GB.' },
        { value: 1, name: 'DPTPS_36BIT', description: '36 bits, 64 GB.' },
        { value: 2, name: 'DPTPS_40BIT', description: '40 bits, 1 TB.' },
        { value: 3, name: 'DPTPS_42BIT', description: '42 bits, 4 TB.' },
        { value: 4, name: 'DPTPS_44BIT', description: '44 bits, 16 TB.' },
        { value: 5, name: 'DPTPS_48BIT', description: '48 bits, 256 TB.' },
        { value: 6, name: 'DPTPS_52BIT', description: '52 bits, 4 PB.' },
      ],
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const DPT_CFG_FAR = {
  name: 'DPT_CFG_FAR',
  offset: 0x0210,
  width: 64,
  access: 'RW',
  // FAULT resets to 0, and every other field is zero while FAULT is 0 (§6.3.48).
  reset: 0n,
  section: '6.3.48',
  group: 'dpt',
  summary: 'The first Non-secure DPT lookup fault (SMMU_GERROR.DPT_ERR): address, fault code, level.',
  requires: DPT,
  fields: [
    {
      name: 'FADDR',
      msb: 55,
      lsb: 12,
      description: 'Physical address input to the DPT check that faulted; zero while FAULT is 0.',
      openValues: true,
      addrShift: 12,
      access: 'RO',
    },
    {
      name: 'DPT_FAULTCODE',
      msb: 7,
      lsb: 4,
      description: 'Why the lookup failed; zero while FAULT is 0.',
      access: 'RO',
      values: [
        { value: 0, name: 'DPT_DISABLED', description: 'SMMU_CR0.DPT_WALK_EN is 0.' },
        { value: 1, name: 'DPT_WALK_FAULT', description: 'Invalid DPT configuration or descriptor.' },
        { value: 2, name: 'DPT_GPC_FAULT', description: 'GPC fault on a DPT fetch.' },
        { value: 3, name: 'DPT_EABT', description: 'External abort on a DPT fetch.' },
      ],
    },
    {
      name: 'LEVEL',
      msb: 1,
      lsb: 1,
      description: 'Level of the fault; zero while FAULT is 0.',
      access: 'RO',
      values: [
        { value: 0, name: 'LEVEL0' },
        { value: 1, name: 'LEVEL1' },
      ],
    },
    {
      name: 'FAULT',
      msb: 0,
      lsb: 0,
      description:
        'One or more DPT lookup faults since the register was last cleared. Writing 0 clears the whole register; writing 1 is IGNORED.',
      reset: 0,
      values: [
        { value: 0, name: 'NONE' },
        { value: 1, name: 'FAULTED' },
      ],
    },
  ],
  behaviour: { kind: 'clearOnly', field: 'FAULT' },
} satisfies RegisterDef;
