/**
 * Identification registers: SMMU_IDR0–IDR5, SMMU_IIDR, SMMU_AIDR (§6.3.1–§6.3.8), and SMMU_IDR6
 * (§6.3.45), present only with SMMU_IDR1.ECMDQ.
 * All RO and constant after reset (§6.2); their values come from the configuration.
 */
import type { RegisterDef } from './types';

const id = { access: 'RO', reset: 'IMPDEF', group: 'identification', behaviour: { kind: 'id' } } as const;
const yesNo = (no: string, yes: string) => [
  { value: 0, name: 'NO', description: no },
  { value: 1, name: 'YES', description: yes },
];

export const IDR0 = {
  ...id,
  name: 'IDR0',
  offset: 0x0000,
  width: 32,
  section: '6.3.1',
  summary: 'Features: translation stages, table formats, ATS/PRI/MSI, stall model, stream table levels.',
  fields: [
    {
      name: 'RME_IMPL',
      msb: 30,
      lsb: 30,
      description: 'Realm Management Extension features implemented (SMMUv3.3).',
      values: yesNo('No RME.', 'RME implemented.'),
    },
    {
      name: 'ST_LEVEL',
      msb: 28,
      lsb: 27,
      description: 'Stream table formats supported. Must not be linear-only when SIDSIZE >= 7.',
      values: [
        { value: 0, name: 'LINEAR', description: 'Linear stream table only.' },
        { value: 1, name: 'TWO_LEVEL', description: '2-level and linear stream tables.' },
      ],
    },
    {
      name: 'TERM_MODEL',
      msb: 26,
      lsb: 26,
      description: 'Terminate model: whether a terminated transaction may be RAZ/WI instead of aborted.',
      values: [
        { value: 0, name: 'ABORT_OR_RAZWI', description: 'CD.A chooses abort or RAZ/WI for terminated transactions.' },
        { value: 1, name: 'ABORT_ONLY', description: 'RAZ/WI termination not supported; CD.A must be 1.' },
      ],
    },
    {
      name: 'STALL_MODEL',
      msb: 25,
      lsb: 24,
      description: 'Stall model for faulting transactions.',
      values: [
        { value: 0, name: 'STALL_AND_TERMINATE', description: 'Stall and terminate models supported.' },
        {
          value: 1,
          name: 'TERMINATE_ONLY',
          description: 'Stall not supported: STE.S2S and CD.S must be 0; CMD_RESUME and CMD_STALL_TERM unavailable.',
        },
        { value: 2, name: 'STALL_FORCED', description: 'Stall forced: faulting transactions always stall.' },
      ],
    },
    {
      name: 'ATSRECERR',
      msb: 23,
      lsb: 23,
      description: 'Extra ATS/PRI configuration-error events may be recorded (CR2.REC_CFG_ATS).',
      values: yesNo('Not supported.', 'Supported.'),
    },
    {
      name: 'TTENDIAN',
      msb: 22,
      lsb: 21,
      description: 'Translation table endianness supported.',
      values: [
        { value: 0, name: 'MIXED', description: 'Little- and big-endian tables.' },
        { value: 2, name: 'LE', description: 'Little-endian tables only.' },
        { value: 3, name: 'BE', description: 'Big-endian tables only.' },
      ],
    },
    {
      name: 'VATOS',
      msb: 20,
      lsb: 20,
      description: 'Virtual ATOS page implemented.',
      values: yesNo('No VATOS page.', 'VATOS page implemented.'),
    },
    {
      name: 'CD2L',
      msb: 19,
      lsb: 19,
      description: '2-level context descriptor tables supported.',
      values: yesNo('Linear CD tables only.', '2-level CD tables supported.'),
    },
    {
      name: 'VMID16',
      msb: 18,
      lsb: 18,
      description: '16-bit VMID supported.',
      values: yesNo('8-bit VMID.', '16-bit VMID.'),
    },
    {
      name: 'VMW',
      msb: 17,
      lsb: 17,
      description: 'VMID wildcard matching for TLB invalidation (CR0.VMW).',
      values: yesNo('Not supported.', 'Supported.'),
    },
    {
      name: 'PRI',
      msb: 16,
      lsb: 16,
      description: 'PCIe Page Request Interface and PRI queue supported.',
      values: yesNo('No PRI.', 'PRI supported.'),
    },
    {
      name: 'ATOS',
      msb: 15,
      lsb: 15,
      description: 'Address Translation Operations (SMMU_GATOS_*) supported.',
      values: yesNo('No ATOS.', 'ATOS supported.'),
    },
    {
      name: 'SEV',
      msb: 14,
      lsb: 14,
      description: 'The SMMU can send WFE wake-up events to the PE.',
      values: yesNo('No events.', 'Events supported.'),
    },
    {
      name: 'MSI',
      msb: 13,
      lsb: 13,
      description: 'Message-signalled interrupts supported.',
      values: yesNo('Wired interrupts only.', 'MSIs supported.'),
    },
    {
      name: 'ASID16',
      msb: 12,
      lsb: 12,
      description: '16-bit ASID supported.',
      values: yesNo('8-bit ASID.', '16-bit ASID.'),
    },
    {
      name: 'NS1ATS',
      msb: 11,
      lsb: 11,
      description: 'Split-stage ATS (STE.EATS == 0b10) NOT supported when 1.',
      values: yesNo('Split-stage ATS supported.', 'Split-stage ATS not supported.'),
    },
    { name: 'ATS', msb: 10, lsb: 10, description: 'PCIe ATS supported.', values: yesNo('No ATS.', 'ATS supported.') },
    {
      name: 'HYP',
      msb: 9,
      lsb: 9,
      description: 'Hypervisor stage-1 contexts (EL2/EL2-E2H) supported.',
      values: yesNo('No EL2 contexts.', 'EL2 contexts supported.'),
    },
    {
      name: 'DORMHINT',
      msb: 8,
      lsb: 8,
      description: 'SMMU_STATUSR.DORMANT hint supported.',
      values: yesNo('No hint.', 'Hint supported.'),
    },
    {
      name: 'HTTU',
      msb: 7,
      lsb: 6,
      description: 'Hardware translation table update of Access flag and dirty state.',
      values: [
        { value: 0, name: 'NONE', description: 'No hardware update.' },
        { value: 1, name: 'AF', description: 'Access flag update.' },
        { value: 2, name: 'AF_DIRTY', description: 'Access flag and dirty state update.' },
        { value: 3, name: 'AF_DIRTY_HAFT', description: 'Access flag, dirty state and table Access flag update.' },
      ],
    },
    {
      name: 'BTM',
      msb: 5,
      lsb: 5,
      description: 'Broadcast TLB maintenance supported.',
      values: yesNo('No broadcast TLB maintenance.', 'Broadcast TLB maintenance supported.'),
    },
    {
      name: 'COHACC',
      msb: 4,
      lsb: 4,
      description: 'Coherent access to tables, queues and translation walks.',
      values: yesNo('Non-coherent.', 'IO-coherent.'),
    },
    {
      name: 'TTF',
      msb: 3,
      lsb: 2,
      description: 'Translation table formats supported.',
      values: [
        { value: 1, name: 'AARCH32', description: 'AArch32 (LPAE) only.' },
        { value: 2, name: 'AARCH64', description: 'AArch64 (VMSAv8-64) only.' },
        { value: 3, name: 'AARCH32_64', description: 'AArch32 and AArch64.' },
      ],
    },
    {
      name: 'S1P',
      msb: 1,
      lsb: 1,
      description: 'Stage 1 translation supported.',
      values: yesNo('No stage 1.', 'Stage 1 supported.'),
    },
    {
      name: 'S2P',
      msb: 0,
      lsb: 0,
      description: 'Stage 2 translation supported.',
      values: yesNo('No stage 2.', 'Stage 2 supported.'),
    },
  ],
} satisfies RegisterDef;

const flag = (name: string, bit: number, description: string) => ({
  name,
  msb: bit,
  lsb: bit,
  description,
  values: yesNo('Not implemented.', 'Implemented.'),
});
const open = (name: string, msb: number, lsb: number, description: string) => ({
  name,
  msb,
  lsb,
  description,
  openValues: true,
});

export const IDR1 = {
  ...id,
  name: 'IDR1',
  offset: 0x0004,
  width: 32,
  section: '6.3.2',
  summary: 'Sizes: StreamID/SubstreamID bits, queue sizes, preset tables/queues, ECMDQ.',
  fields: [
    flag('ECMDQ', 31, 'Enhanced command queues implemented.'),
    flag('TABLES_PRESET', 30, 'STRTAB_BASE and STRTAB_BASE_CFG are fixed by the implementation.'),
    flag('QUEUES_PRESET', 29, 'Queue base registers are fixed by the implementation.'),
    flag('REL', 28, 'Preset table/queue addresses are offsets from the SMMU base.'),
    flag('ATTR_TYPES_OVR', 27, 'Incoming memory type, shareability and allocation hints may be overridden.'),
    flag('ATTR_PERMS_OVR', 26, 'Incoming InD/PnU/NS attributes may be overridden.'),
    open('CMDQS', 25, 21, 'log2 of the maximum number of command queue entries (at most 19).'),
    open('EVENTQS', 20, 16, 'log2 of the maximum number of event queue entries (at most 19).'),
    open('PRIQS', 15, 11, 'log2 of the maximum number of PRI queue entries (at most 19).'),
    open('SSIDSIZE', 10, 6, 'SubstreamID bits (0 to 20; 0 means no substreams).'),
    open('SIDSIZE', 5, 0, 'StreamID bits (0 to 32).'),
  ],
} satisfies RegisterDef;

export const IDR2 = {
  ...id,
  name: 'IDR2',
  offset: 0x0008,
  width: 32,
  section: '6.3.3',
  summary: 'VATOS page location.',
  fields: [
    {
      ...open('BA_VATOS', 9, 0, 'VATOS page offset from the SMMU base: 0x20000 + BA_VATOS x 64 KB.'),
      requires: { register: 'IDR0', field: 'VATOS' },
    },
  ],
} satisfies RegisterDef;

export const IDR3 = {
  ...id,
  name: 'IDR3',
  offset: 0x000c,
  width: 32,
  section: '6.3.4',
  summary: 'SMMUv3.1+ features: HAD, RIL, BBML, FWB, STT, MPAM, DPT and more.',
  fields: [
    flag('AIE', 23, 'Attribute index enhancement.'),
    flag('MTEPERM', 22, 'MTE permission.'),
    flag('THE', 21, 'Translation hardening extension.'),
    flag('S2PO', 20, 'Stage 2 permission overlays.'),
    flag('S2PI', 19, 'Stage 2 permission indirection.'),
    flag('S1PI', 18, 'Stage 1 permission indirection.'),
    flag('EPAN', 17, 'Enhanced PAN.'),
    flag('PASIDTT', 16, 'PASID TLP prefix for translated transactions.'),
    flag('DPT', 15, 'Device Permission Table.'),
    flag('PTWNNC', 14, 'Stage 2 table walks to non-cacheable memory are treated as cacheable.'),
    flag('E0PD', 13, 'E0PD0/E0PD1 in context descriptors.'),
    {
      name: 'BBML',
      msb: 12,
      lsb: 11,
      description: 'Break-before-make level supported for block size changes.',
      values: [
        { value: 0, name: 'LEVEL0', description: 'Level 0.' },
        { value: 1, name: 'LEVEL1', description: 'Level 1.' },
        { value: 2, name: 'LEVEL2', description: 'Level 2.' },
      ],
    },
    flag('RIL', 10, 'Range invalidation and TTL hints (mandatory from SMMUv3.2).'),
    flag('STT', 9, 'Small translation tables.'),
    flag('FWB', 8, 'Stage 2 forced write-back (STE.S2FWB).'),
    flag('MPAM', 7, 'Memory partitioning and monitoring.'),
    flag('PPS', 5, 'PRI responses carry PASID when requested.'),
    flag('XNX', 4, 'Stage 2 distinguishes EL0 and EL1 execute-never.'),
    flag('PBHA', 3, 'Page-based hardware attributes (requires HAD).'),
    flag('HAD', 2, 'Hierarchical attribute disables (CD.HAD0/HAD1).'),
  ],
} satisfies RegisterDef;

export const IDR4 = {
  ...id,
  name: 'IDR4',
  offset: 0x0010,
  width: 32,
  section: '6.3.5',
  summary: 'IMPLEMENTATION DEFINED identification.',
  // §6.3.5: the whole register is IMPLEMENTATION DEFINED, so it is one open field.
  fields: [open('IMPDEF', 31, 0, 'IMPLEMENTATION DEFINED.')],
} satisfies RegisterDef;

export const IDR5 = {
  ...id,
  name: 'IDR5',
  offset: 0x0014,
  width: 32,
  section: '6.3.6',
  summary: 'Output address size, translation granules, VA size, stall limit.',
  fields: [
    open('STALL_MAX', 31, 16, 'Maximum number of outstanding stalled transactions.'),
    {
      name: 'VAX',
      msb: 11,
      lsb: 10,
      description: 'Virtual address size supported.',
      values: [
        { value: 0, name: 'VA48', description: '48-bit VA.' },
        { value: 1, name: 'VA52', description: '52-bit VA.' },
        { value: 2, name: 'VA56', description: '56-bit VA.' },
      ],
    },
    flag('D128', 8, 'VMSAv9-128 translation table descriptors.'),
    flag('DS', 7, '52-bit addresses with 4 KB and 16 KB granules.'),
    flag('GRAN64K', 6, '64 KB translation granule.'),
    flag('GRAN16K', 5, '16 KB translation granule.'),
    flag('GRAN4K', 4, '4 KB translation granule.'),
    {
      name: 'OAS',
      msb: 2,
      lsb: 0,
      description: 'Output address size.',
      values: [
        { value: 0, name: 'OAS32', description: '32 bits.' },
        { value: 1, name: 'OAS36', description: '36 bits.' },
        { value: 2, name: 'OAS40', description: '40 bits.' },
        { value: 3, name: 'OAS42', description: '42 bits.' },
        { value: 4, name: 'OAS44', description: '44 bits.' },
        { value: 5, name: 'OAS48', description: '48 bits.' },
        { value: 6, name: 'OAS52', description: '52 bits (SMMUv3.1+).' },
        { value: 7, name: 'OAS56', description: '56 bits (SMMUv3.4+).' },
      ],
    },
  ],
} satisfies RegisterDef;

export const IDR6 = {
  ...id,
  name: 'IDR6',
  offset: 0x0190,
  width: 32,
  section: '6.3.45',
  summary: 'Enhanced Command queues: number of Command queue control pages and of ECMDQs per page.',
  // §6.3.45: "present only when SMMU_IDR1.ECMDQ == 1. Otherwise ... RES0".
  requires: { register: 'IDR1', field: 'ECMDQ' },
  fields: [
    open(
      'CMDQ_CONTROL_PAGE_LOG2NUMP',
      27,
      24,
      'log2 of the number of Command queue control pages (at most 8: 256 pages).',
    ),
    open(
      'CMDQ_CONTROL_PAGE_LOG2NUMQ',
      19,
      16,
      'log2 of the number of ECMDQs in each control page (at most 8: 256 queues).',
    ),
  ],
} satisfies RegisterDef;

export const IIDR = {
  ...id,
  name: 'IIDR',
  offset: 0x0018,
  width: 32,
  section: '6.3.7',
  summary: 'Implementer, product, variant and revision (drivers key errata on it).',
  fields: [
    open('ProductID', 31, 20, 'Product identifier (Arm: 0x483 MMU-600, 0x487 MMU-700).'),
    open('Variant', 19, 16, 'Major revision.'),
    open('Revision', 15, 12, 'Minor revision.'),
    open('Implementer', 11, 0, 'JEP106 code: [11:8] continuation count, [7] 0, [6:0] identity (Arm 0x43B).'),
  ],
} satisfies RegisterDef;

export const AIDR = {
  ...id,
  name: 'AIDR',
  offset: 0x001c,
  width: 32,
  section: '6.3.8',
  summary: 'Architecture revision implemented (SMMUv3.x).',
  fields: [
    open('ArchMajorRev', 7, 4, 'Major revision: 0 for SMMUv3.'),
    {
      name: 'ArchMinorRev',
      msb: 3,
      lsb: 0,
      description: 'Minor revision.',
      values: [0, 1, 2, 3, 4].map((v) => ({ value: v, name: `SMMUV3_${v}`, description: `SMMUv3.${v}.` })),
    },
  ],
} satisfies RegisterDef;
