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

/** CR0.VMW and S_CR0.VMW (§6.3.9, §6.3.57): how many low VMID bits an invalidation ignores. */
export const VMW_VALUES = [
  { value: 0, name: 'EXACT', description: 'Invalidations match VMID exactly.' },
  { value: 1, name: 'VMID_N_1', description: 'Invalidations match VMID[N:1].' },
  { value: 2, name: 'VMID_N_2', description: 'Invalidations match VMID[N:2].' },
  { value: 3, name: 'VMID_N_3', description: 'Invalidations match VMID[N:3].' },
  { value: 4, name: 'VMID_N_4', description: 'Invalidations match VMID[N:4].' },
] as const;

/** Field layout shared by CR0 and CR0ACK (§6.3.9, §6.3.10). */
export const CR0_FIELDS: readonly FieldDef[] = [
  {
    name: 'DPT_WALK_EN',
    msb: 10,
    lsb: 10,
    description: 'Enable Device Permission Table walks for Non-secure state.',
    requires: { register: 'IDR3', field: 'DPT' },
    values: enable('DPT walks'),
    reset: 0,
  },
  {
    name: 'VMW',
    msb: 8,
    lsb: 6,
    description: 'VMID wildcard for TLB invalidation matching; other values are reserved and behave as 0b000.',
    requires: { register: 'IDR0', field: 'VMW' },
    reset: 0,
    values: VMW_VALUES,
  },
  {
    name: 'ATSCHK',
    msb: 4,
    lsb: 4,
    description: 'ATS Translated traffic check.',
    requires: { register: 'IDR0', field: 'ATS' },
    reset: 0,
    values: [
      { value: 0, name: 'FAST', description: 'Translated traffic passes without stream table or TLB lookup.' },
      { value: 1, name: 'SAFE', description: 'Translated traffic is checked against STE.EATS.' },
    ],
  },
  {
    name: 'CMDQEN',
    msb: 3,
    lsb: 3,
    description: 'Enable command queue processing.',
    values: enable('Command queue processing'),
    reset: 0,
  },
  {
    name: 'EVENTQEN',
    msb: 2,
    lsb: 2,
    description: 'Enable event queue writes.',
    values: enable('Event queue writes'),
    reset: 0,
  },
  {
    name: 'PRIQEN',
    msb: 1,
    lsb: 1,
    description: 'Enable PRI queue writes.',
    requires: { register: 'IDR0', field: 'PRI' },
    values: enable('PRI queue writes'),
    reset: 0,
  },
  {
    name: 'SMMUEN',
    msb: 0,
    lsb: 0,
    description: 'Non-secure SMMU enable.',
    reset: 0,
    values: [
      { value: 0, name: 'DISABLED', description: 'Streams bypass the SMMU with attributes from SMMU_GBPA.' },
      {
        value: 1,
        name: 'ENABLED',
        description: 'Streams are checked against configuration structures and may be translated.',
      },
    ],
  },
];

export const CR0 = {
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
} satisfies RegisterDef;

export const CR0ACK = {
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
} satisfies RegisterDef;

const SH = [
  { value: 0, name: 'NSH', description: 'Non-shareable.' },
  { value: 1, name: 'SH_RESERVED', description: 'Reserved; behaves as Non-shareable.' },
  { value: 2, name: 'OSH', description: 'Outer Shareable.' },
  { value: 3, name: 'ISH', description: 'Inner Shareable.' },
];
const CACHE = [
  { value: 0, name: 'NC', description: 'Non-cacheable.' },
  { value: 1, name: 'WB', description: 'Write-back cacheable.' },
  { value: 2, name: 'WT', description: 'Write-through cacheable.' },
];
const SMMUEN_GUARD = [{ register: 'CR0', field: 'SMMUEN' }] as const;
const QUEUE_GUARD = [
  { register: 'CR0', field: 'CMDQEN' },
  { register: 'CR0', field: 'EVENTQEN' },
  { register: 'CR0', field: 'PRIQEN' },
] as const;

export const CR1 = {
  name: 'CR1',
  offset: 0x0028,
  width: 32,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.11',
  group: 'control',
  summary: 'Memory attributes of SMMU accesses to tables (STE/CD) and queues.',
  fields: [
    {
      name: 'TABLE_SH',
      msb: 11,
      lsb: 10,
      description: 'Shareability of table accesses (ignored when TABLE_OC and TABLE_IC are NC).',
      values: SH,
      guardedBy: SMMUEN_GUARD,
    },
    {
      name: 'TABLE_OC',
      msb: 9,
      lsb: 8,
      description: 'Outer cacheability of table accesses.',
      values: CACHE,
      guardedBy: SMMUEN_GUARD,
    },
    {
      name: 'TABLE_IC',
      msb: 7,
      lsb: 6,
      description: 'Inner cacheability of table accesses.',
      values: CACHE,
      guardedBy: SMMUEN_GUARD,
    },
    {
      name: 'QUEUE_SH',
      msb: 5,
      lsb: 4,
      description: 'Shareability of queue accesses (ignored when QUEUE_OC and QUEUE_IC are NC).',
      values: SH,
      guardedBy: QUEUE_GUARD,
      // §6.3.11.2, §3.5.6.1: read-only while any ECMDQ could use it.
      guardedByEcmdqs: true,
    },
    {
      name: 'QUEUE_OC',
      msb: 3,
      lsb: 2,
      description: 'Outer cacheability of queue accesses.',
      values: CACHE,
      guardedBy: QUEUE_GUARD,
      // §6.3.11.2, §3.5.6.1: read-only while any ECMDQ could use it.
      guardedByEcmdqs: true,
    },
    {
      name: 'QUEUE_IC',
      msb: 1,
      lsb: 0,
      description: 'Inner cacheability of queue accesses.',
      values: CACHE,
      guardedBy: QUEUE_GUARD,
      // §6.3.11.2, §3.5.6.1: read-only while any ECMDQ could use it.
      guardedByEcmdqs: true,
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const CR2 = {
  name: 'CR2',
  offset: 0x002c,
  width: 32,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.12',
  group: 'control',
  summary: 'Translation regime and error recording controls; writable only while SMMUEN is 0.',
  guardedBy: SMMUEN_GUARD,
  fields: [
    {
      name: 'REC_CFG_ATS',
      msb: 3,
      lsb: 3,
      description: 'Record ATS/PRI configuration-error events.',
      requires: { register: 'IDR0', field: 'ATSRECERR' },
      values: enable('Recording'),
    },
    {
      name: 'PTM',
      msb: 2,
      lsb: 2,
      description: 'Private TLB maintenance: do not take part in broadcast TLB invalidation.',
      requires: { register: 'IDR0', field: 'BTM' },
      values: enable('Private TLB maintenance'),
    },
    {
      name: 'RECINVSID',
      msb: 1,
      lsb: 1,
      description: 'Record C_BAD_STREAMID events for invalid StreamIDs.',
      values: enable('Recording'),
    },
    {
      name: 'E2H',
      msb: 0,
      lsb: 0,
      description: 'STE.STRW 0b10 selects EL2-E2H instead of EL2.',
      requires: { register: 'IDR0', field: 'HYP' },
      values: enable('EL2-E2H'),
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const STATUSR = {
  name: 'STATUSR',
  offset: 0x0040,
  width: 32,
  access: 'RO',
  reset: 0n,
  section: '6.3.13',
  group: 'control',
  summary: 'SMMU status: dormant hint.',
  fields: [
    {
      name: 'DORMANT',
      msb: 0,
      lsb: 0,
      description: 'Nothing cached and no fetch in flight.',
      requires: { register: 'IDR0', field: 'DORMHINT' },
      values: [
        { value: 0, name: 'ACTIVE' },
        { value: 1, name: 'DORMANT' },
      ],
    },
  ],
  behaviour: { kind: 'status' },
} satisfies RegisterDef;

export const GBPA = {
  name: 'GBPA',
  offset: 0x0044,
  width: 32,
  access: 'RW',
  reset: 'IMPDEF',
  section: '6.3.14',
  group: 'control',
  summary: 'Global bypass attributes, used while SMMUEN is 0; updated with the Update handshake.',
  fields: [
    {
      name: 'Update',
      msb: 31,
      lsb: 31,
      description: 'Write 1 with the new attributes; reads 1 until they apply.',
      values: [
        { value: 0, name: 'COMPLETE' },
        { value: 1, name: 'PENDING' },
      ],
      reset: 0,
    },
    {
      name: 'ABORT',
      msb: 20,
      lsb: 20,
      description: 'Abort all incoming transactions while SMMUEN is 0.',
      values: [
        { value: 0, name: 'BYPASS' },
        { value: 1, name: 'ABORT' },
      ],
    },
    {
      name: 'INSTCFG',
      msb: 19,
      lsb: 18,
      description: 'Instruction/data override.',
      values: [
        { value: 0, name: 'INCOMING' },
        { value: 1, name: 'INSTCFG_RESERVED' },
        { value: 2, name: 'DATA' },
        { value: 3, name: 'INSTRUCTION' },
      ],
    },
    {
      name: 'PRIVCFG',
      msb: 17,
      lsb: 16,
      description: 'Privilege override.',
      values: [
        { value: 0, name: 'INCOMING' },
        { value: 1, name: 'PRIVCFG_RESERVED' },
        { value: 2, name: 'UNPRIVILEGED' },
        { value: 3, name: 'PRIVILEGED' },
      ],
    },
    {
      name: 'SHCFG',
      msb: 13,
      lsb: 12,
      description: 'Shareability override.',
      values: [
        { value: 0, name: 'NSH' },
        { value: 1, name: 'INCOMING' },
        { value: 2, name: 'OSH' },
        { value: 3, name: 'ISH' },
      ],
    },
    {
      name: 'ALLOCCFG',
      msb: 11,
      lsb: 8,
      description:
        'Allocation hints override: 0b0xxx incoming, 0b1RWT override read-allocate, write-allocate, transient.',
      openValues: true,
    },
    {
      name: 'MTCFG',
      msb: 4,
      lsb: 4,
      description: 'Memory type override with MemAttr.',
      values: [
        { value: 0, name: 'INCOMING' },
        { value: 1, name: 'OVERRIDE' },
      ],
    },
    {
      name: 'MemAttr',
      msb: 3,
      lsb: 0,
      description: 'Memory type when MTCFG is 1 (STE.MemAttr encoding).',
      openValues: true,
    },
  ],
  behaviour: { kind: 'updateHandshake' },
} satisfies RegisterDef;

export const AGBPA = {
  name: 'AGBPA',
  offset: 0x0048,
  width: 32,
  access: 'RW',
  reset: 'IMPDEF',
  section: '6.3.15',
  group: 'control',
  summary: 'IMPLEMENTATION DEFINED additional bypass attributes (RES0 if not supported).',
  fields: [{ name: 'IMPDEF', msb: 31, lsb: 0, description: 'IMPLEMENTATION DEFINED attributes.', openValues: true }],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;
