/**
 * The Secure programming interface's registers, SMMU_S_* at 0x8000 onwards in page 0 (§6.2 table
 * of page 0 offsets, §6.3.52–§6.3.82). Each is present only when SMMU_S_IDR1.SECURE_IMPL == 1;
 * otherwise its offset is RES0 (each register's "Configuration"; §6.3.53: "All SMMU_S_* Secure
 * registers are RAZ/WI"). Each is RAZ/WI to an access that is neither Secure nor Root (each
 * register's "Accessing" section): `security: 'secure'` says so, and core/model/decode-access.ts
 * applies it.
 *
 * The fields are those of the Non-secure registers where the register pages give the same ones
 * (S_CR1 §6.3.59, S_GBPA §6.3.63 with NSCFG added, the queue and stream table bases), with the
 * Secure guards:
 * S_STRTAB_BASE/_CFG are Guarded by S_CR0.SMMUEN, S_CMDQ_BASE/CONS by S_CR0.CMDQEN,
 * S_EVENTQ_BASE/PROD by S_CR0.EVENTQEN, the MSI configuration by S_IRQ_CTRL's enables.
 */
import { AGBPA, CR1, GBPA, VMW_VALUES } from './control';
import { queueBaseFields } from './queues';
import type { FeatureRef, FieldDef, GuardRef, NamedRegister, RegisterDef, RegisterName } from './types';

/** The Secure page exists (§6.3.53 SECURE_IMPL). */
const SECURE: FeatureRef = { register: 'S_IDR1', field: 'SECURE_IMPL' };
/** What everything of the Secure programming interface needs (§3.10.2): SMMU_S_IDR1.SECURE_IMPL. */
export { SECURE as SECURE_FEATURE };
/** Secure MSIs (§6.3.52 S_IDR0.MSI): without it the MSI fields of S_*_IRQ_CFGn are RES0. */
const S_MSI: FeatureRef = { register: 'S_IDR0', field: 'MSI' };

const common = { requires: SECURE, security: 'secure', group: 'secure' } as const;
const id = { ...common, access: 'RO', reset: 'IMPDEF', behaviour: { kind: 'id' } } as const;
const yesNo = (no: string, yes: string) => [
  { value: 0, name: 'NO', description: no },
  { value: 1, name: 'YES', description: yes },
];
const enable = (what: string) => [
  { value: 0, name: 'DISABLED', description: `${what} disabled.` },
  { value: 1, name: 'ENABLED', description: `${what} enabled.` },
];

export const S_IDR0 = {
  ...id,
  name: 'S_IDR0',
  offset: 0x8000,
  width: 32,
  section: '6.3.52',
  summary: 'Secure features: Secure enhanced Command queues, stall model, Secure MSIs.',
  fields: [
    {
      name: 'ECMDQ',
      msb: 31,
      lsb: 31,
      description: 'Enhanced Command queue interface for the Secure programming interface (S_IDR6).',
      values: yesNo('Not supported.', 'Supported; details in SMMU_S_IDR6.'),
    },
    {
      name: 'STALL_MODEL',
      msb: 25,
      lsb: 24,
      description:
        'Stall model, encoded as SMMU_IDR0.STALL_MODEL. With 0b00, SMMU_S_CR0.NSSTALLD can take the Stall model away from Non-secure streams.',
      values: [
        { value: 0, name: 'STALL_AND_TERMINATE', description: 'Stall and Terminate models supported.' },
        { value: 1, name: 'TERMINATE_ONLY', description: 'Stall not supported: STE.S2S and CD.S must be 0.' },
        { value: 2, name: 'STALL_FORCED', description: 'Stall forced: STE.S2S and CD.S must be 1.' },
      ],
    },
    {
      name: 'MSI',
      msb: 13,
      lsb: 13,
      description: 'Message Signalled Interrupts for Secure events and Secure GERROR.',
      values: yesNo('Wired interrupts only: the MSI fields of SMMU_S_*_IRQ_CFGn are RES0.', 'Secure MSIs.'),
    },
  ],
} satisfies RegisterDef;

export const S_IDR1 = {
  ...id,
  name: 'S_IDR1',
  offset: 0x8004,
  width: 32,
  section: '6.3.53',
  summary: 'Secure state implemented, Secure EL2 and stage 2, Secure StreamID size.',
  fields: [
    {
      name: 'SECURE_IMPL',
      msb: 31,
      lsb: 31,
      description:
        'Secure state implemented. With 0, every SMMU_S_* register is RAZ/WI; with 1, SMMU_IDR0.S1P must be 1.',
      values: yesNo('No Secure state: the SMMU_S_* registers are RAZ/WI.', 'Secure state implemented.'),
    },
    {
      name: 'SEL2',
      msb: 29,
      lsb: 29,
      description:
        'Secure EL2 and Secure stage 2 (SMMUv3.2): Secure STEs may use STRW 0b10 and Config 0b11x. 0 when SMMU_IDR0.S1P or S2P is 0.',
      values: yesNo('No Secure EL2 or Secure stage 2.', 'Secure EL2 and Secure stage 2 supported.'),
    },
    {
      name: 'S_SIDSIZE',
      msb: 5,
      lsb: 0,
      description: 'Secure StreamID bits, encoded as SMMU_IDR1.SIDSIZE: the size of the Secure Stream table.',
      openValues: true,
    },
  ],
} satisfies RegisterDef;

export const S_IDR2 = {
  ...id,
  name: 'S_IDR2',
  offset: 0x8008,
  width: 32,
  section: '6.3.54',
  summary: 'Secure VATOS page offset.',
  fields: [
    {
      name: 'BA_S_VATOS',
      msb: 9,
      lsb: 0,
      description:
        'S_VATOS page at SMMU_BASE + 0x20000 + BA_S_VATOS × 0x10000 (with SMMU_S_IDR1.SEL2 and SMMU_IDR0.VATOS).',
      requires: { register: 'IDR0', field: 'VATOS' },
      openValues: true,
    },
  ],
} satisfies RegisterDef;

export const S_IDR3 = {
  ...id,
  name: 'S_IDR3',
  offset: 0x800c,
  width: 32,
  section: '6.3.55',
  summary: 'Secure ATS maintenance support.',
  fields: [
    {
      name: 'SAMS',
      msb: 6,
      lsb: 6,
      description:
        'Secure ATS Maintenance Support, opposite polarity: with 1, CMD_ATC_INV and CMD_PRI_RESP on the Secure Command queue are CERROR_ILL.',
      requires: { register: 'IDR0', field: 'ATS' },
      values: [
        { value: 0, name: 'SUPPORTED', description: 'CMD_ATC_INV and CMD_PRI_RESP work on both Command queues.' },
        { value: 1, name: 'NS_ONLY', description: 'CMD_ATC_INV and CMD_PRI_RESP are CERROR_ILL on the Secure queue.' },
      ],
    },
  ],
} satisfies RegisterDef;

export const S_IDR4 = {
  ...id,
  name: 'S_IDR4',
  offset: 0x8010,
  width: 32,
  section: '6.3.56',
  summary: 'IMPLEMENTATION DEFINED Secure features.',
  fields: [{ name: 'IMPDEF', msb: 31, lsb: 0, description: 'IMPLEMENTATION DEFINED.', openValues: true }],
} satisfies RegisterDef;

/** Field layout shared by S_CR0 and S_CR0ACK (§6.3.57, §6.3.58). */
const S_CR0_FIELDS: readonly FieldDef[] = [
  {
    name: 'NSSTALLD',
    msb: 9,
    lsb: 9,
    description:
      'Non-secure stall disable: SMMU_IDR0.STALL_MODEL reads 0b01 and Non-secure streams may not stall. RES0 unless SMMU_S_IDR0.STALL_MODEL is 0b00.',
    requires: { register: 'S_IDR0', field: 'STALL_MODEL', equals: 0 },
    values: [
      { value: 0, name: 'NS_STALL_ALLOWED', description: 'The Non-secure interface might use the Stall model.' },
      { value: 1, name: 'NS_STALL_DISABLED', description: 'The Non-secure interface may not use the Stall model.' },
    ],
    reset: 0,
  },
  {
    name: 'VMW',
    msb: 8,
    lsb: 6,
    description: 'Secure VMID wildcard for TLB invalidation matching; other values are reserved and behave as 0b000.',
    requires: { register: 'IDR0', field: 'VMW' },
    reset: 0,
    values: VMW_VALUES,
  },
  {
    name: 'SIF',
    msb: 5,
    lsb: 5,
    description:
      'Secure Instruction Fetch: a Secure stream instruction fetch whose output is Non-secure takes a Permission fault.',
    reset: 0,
    values: [
      {
        value: 0,
        name: 'ALLOW_NS_FETCH',
        description: 'Secure transactions might exit as Non-secure instruction fetches.',
      },
      {
        value: 1,
        name: 'FAULT_NS_FETCH',
        description: 'A Secure stream Non-secure instruction fetch is a Permission fault.',
      },
    ],
  },
  {
    name: 'CMDQEN',
    msb: 3,
    lsb: 3,
    description: 'Enable Secure Command queue processing.',
    values: enable('Secure Command queue processing'),
    reset: 0,
  },
  {
    name: 'EVENTQEN',
    msb: 2,
    lsb: 2,
    description: 'Enable Secure Event queue writes.',
    values: enable('Secure Event queue writes'),
    reset: 0,
  },
  {
    name: 'SMMUEN',
    msb: 0,
    lsb: 0,
    description: 'Secure SMMU enable.',
    reset: 0,
    values: [
      { value: 0, name: 'DISABLED', description: 'Secure streams bypass the SMMU with attributes from SMMU_S_GBPA.' },
      { value: 1, name: 'ENABLED', description: 'Secure streams are checked against the Secure Stream table.' },
    ],
  },
];

export const S_CR0 = {
  ...common,
  name: 'S_CR0',
  offset: 0x8020,
  width: 32,
  access: 'RW',
  reset: 0n,
  section: '6.3.57',
  summary: 'Secure global enables: Secure SMMU, Secure Command and Event queues, SIF, NSSTALLD.',
  fields: S_CR0_FIELDS,
  behaviour: { kind: 'acked', ack: 'S_CR0ACK' },
} satisfies RegisterDef;

export const S_CR0ACK = {
  ...common,
  name: 'S_CR0ACK',
  offset: 0x8024,
  width: 32,
  access: 'RO',
  reset: 0n,
  section: '6.3.58',
  summary: 'Acknowledgement of SMMU_S_CR0.',
  fields: S_CR0_FIELDS,
  behaviour: { kind: 'ack', of: 'S_CR0' },
} satisfies RegisterDef;

const S_SMMUEN_GUARD: readonly GuardRef[] = [{ register: 'S_CR0', field: 'SMMUEN' }];
const S_QUEUE_GUARD: readonly GuardRef[] = [
  { register: 'S_CR0', field: 'CMDQEN' },
  { register: 'S_CR0', field: 'EVENTQEN' },
];

export const S_CR1 = {
  ...common,
  name: 'S_CR1',
  offset: 0x8028,
  width: 32,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.59',
  summary: 'Memory attributes of Secure table and Secure queue accesses.',
  // SMMU_CR1's fields, with the Secure enables as their guards (§6.3.59).
  // The model's ECMDQs are Non-secure: they do not guard S_CR1 (§6.3.11.2 "respective Security state").
  fields: CR1.fields.map(({ guardedByEcmdqs: _nonSecure, ...f }) => ({
    ...f,
    guardedBy: f.name.startsWith('TABLE_') ? S_SMMUEN_GUARD : S_QUEUE_GUARD,
  })),
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const S_CR2 = {
  ...common,
  name: 'S_CR2',
  offset: 0x802c,
  width: 32,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.60',
  summary:
    'Secure private TLB maintenance, C_BAD_STREAMID recording, Secure EL2-E2H; changed only while S_CR0.SMMUEN is 0.',
  guardedBy: S_SMMUEN_GUARD,
  fields: [
    {
      name: 'PTM',
      msb: 2,
      lsb: 2,
      description: 'Private TLB maintenance for the Secure EL1, Secure EL2, Secure EL2-E2H and EL3 regimes.',
      requires: { register: 'IDR0', field: 'BTM' },
      values: enable('Private TLB maintenance'),
    },
    {
      name: 'RECINVSID',
      msb: 1,
      lsb: 1,
      description: 'Record C_BAD_STREAMID for invalid Secure StreamIDs.',
      values: enable('Recording'),
    },
    {
      name: 'E2H',
      msb: 0,
      lsb: 0,
      description: 'STE.STRW 0b10 of a Secure stream selects Secure EL2-E2H instead of Secure EL2.',
      requires: { register: 'S_IDR1', field: 'SEL2' },
      values: enable('Secure EL2-E2H'),
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const S_INIT = {
  ...common,
  name: 'S_INIT',
  offset: 0x803c,
  width: 32,
  access: 'RW',
  reset: 0n,
  section: '6.3.62',
  summary: 'Invalidate every configuration and translation cache, of all Security states (INV_ALL).',
  fields: [
    {
      name: 'INV_ALL',
      msb: 0,
      lsb: 0,
      description:
        'Write 1: invalidate all configuration and TLB contents of every regime and Security state; reads 1 until done. Writing 0 is ignored.',
      reset: 0,
      values: [
        { value: 0, name: 'IDLE', description: 'No global invalidation outstanding.' },
        { value: 1, name: 'INVALIDATE', description: 'A global invalidation is outstanding.' },
      ],
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const S_GBPA = {
  ...common,
  name: 'S_GBPA',
  offset: 0x8044,
  width: 32,
  access: 'RW',
  reset: 'IMPDEF',
  section: '6.3.63',
  summary: 'Secure global bypass attributes, used for Secure streams while S_CR0.SMMUEN is 0; Update handshake.',
  // SMMU_GBPA's fields (§6.3.14) and NSCFG, which only the Secure one has (§6.3.63).
  fields: [
    ...GBPA.fields.filter((f) => f.lsb > 15),
    {
      name: 'NSCFG',
      msb: 15,
      lsb: 14,
      description:
        'NS attribute override of Secure streams in bypass. Without SMMU_IDR1.ATTR_PERMS_OVR it is fixed as Use incoming (here: reads zero).',
      requires: { register: 'IDR1', field: 'ATTR_PERMS_OVR' },
      values: [
        { value: 0, name: 'INCOMING', description: 'Use the incoming NS attribute.' },
        { value: 1, name: 'NSCFG_RESERVED', description: 'Reserved; behaves as INCOMING.' },
        { value: 2, name: 'SECURE', description: 'Secure.' },
        { value: 3, name: 'NON_SECURE', description: 'Non-secure.' },
      ],
    },
    ...GBPA.fields.filter((f) => f.msb < 14),
  ],
  behaviour: { kind: 'updateHandshake' },
} satisfies RegisterDef;

/**
 * §6.3.64: SMMU_S_AGBPA, the Secure SMMU_AGBPA (§6.3.15): IMPLEMENTATION DEFINED attributes or a
 * tag for Secure bypassing transactions, which the model does not carry; it keeps what is written,
 * as SMMU_AGBPA does. (Not Secure and not Root accesses are RAZ/WI, like the rest of this page.)
 */
export const S_AGBPA = {
  ...common,
  name: 'S_AGBPA',
  offset: 0x8048,
  width: 32,
  access: 'RW',
  reset: 'IMPDEF',
  section: '6.3.64',
  summary: 'Secure IMPLEMENTATION DEFINED additional bypass attributes (RES0 if not supported).',
  fields: AGBPA.fields,
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

const IRQ_CTRL_FIELDS: readonly FieldDef[] = [
  {
    name: 'EVENTQ_IRQEN',
    msb: 2,
    lsb: 2,
    description: 'Secure Event queue interrupt enable.',
    values: enable('Interrupt'),
    reset: 0,
  },
  {
    name: 'GERROR_IRQEN',
    msb: 0,
    lsb: 0,
    description: 'Secure global error interrupt enable.',
    values: enable('Interrupt'),
    reset: 0,
  },
];

export const S_IRQ_CTRL = {
  ...common,
  name: 'S_IRQ_CTRL',
  offset: 0x8050,
  width: 32,
  access: 'RW',
  reset: 0n,
  section: '6.3.65',
  summary: 'Secure interrupt enables: Secure global errors and the Secure Event queue.',
  fields: IRQ_CTRL_FIELDS,
  behaviour: { kind: 'acked', ack: 'S_IRQ_CTRLACK' },
} satisfies RegisterDef;

export const S_IRQ_CTRLACK = {
  ...common,
  name: 'S_IRQ_CTRLACK',
  offset: 0x8054,
  width: 32,
  access: 'RO',
  reset: 0n,
  section: '6.3.66',
  summary: 'Acknowledgement of SMMU_S_IRQ_CTRL.',
  fields: IRQ_CTRL_FIELDS,
  behaviour: { kind: 'ack', of: 'S_IRQ_CTRL' },
} satisfies RegisterDef;

const S_GERROR_FIELDS: readonly FieldDef[] = [
  {
    name: 'CMDQP_ERR',
    msb: 9,
    lsb: 9,
    description: 'A Secure enhanced Command queue error.',
    requires: { register: 'S_IDR0', field: 'ECMDQ' },
  },
  { name: 'SFM_ERR', msb: 8, lsb: 8, description: 'The SMMU entered Service Failure Mode.' },
  {
    name: 'MSI_GERROR_ABT_ERR',
    msb: 7,
    lsb: 7,
    description: 'A Secure GERROR MSI write was aborted.',
    requires: S_MSI,
  },
  {
    name: 'MSI_EVENTQ_ABT_ERR',
    msb: 5,
    lsb: 5,
    description: 'A Secure Event queue MSI write was aborted.',
    requires: S_MSI,
  },
  {
    name: 'MSI_CMDQ_ABT_ERR',
    msb: 4,
    lsb: 4,
    description: 'A CMD_SYNC MSI write from the Secure Command queue was aborted.',
    requires: S_MSI,
  },
  { name: 'EVENTQ_ABT_ERR', msb: 2, lsb: 2, description: 'A Secure Event queue access was aborted.' },
  {
    name: 'CMDQ_ERR',
    msb: 0,
    lsb: 0,
    description: 'Secure command error: SMMU_S_CMDQ_CONS.ERR gives the reason; Secure command processing stops.',
  },
];

export const S_GERROR = {
  ...common,
  name: 'S_GERROR',
  offset: 0x8060,
  width: 32,
  access: 'RO',
  reset: 0n,
  section: '6.3.67',
  summary: 'Secure global errors: error x is active while S_GERROR[x] != S_GERRORN[x].',
  fields: S_GERROR_FIELDS,
  behaviour: { kind: 'status' },
} satisfies RegisterDef;

export const S_GERRORN = {
  ...common,
  name: 'S_GERRORN',
  offset: 0x8064,
  width: 32,
  access: 'RW',
  reset: 0n,
  section: '6.3.68',
  summary: 'Secure global error acknowledgement: write it equal to S_GERROR.',
  fields: S_GERROR_FIELDS,
  behaviour: { kind: 'errorAck', of: 'S_GERROR' },
} satisfies RegisterDef;

/**
 * The MSI triple of a Secure interrupt source (§6.3.69–§6.3.71, §6.3.80–§6.3.82), Guarded by its
 * S_IRQ_CTRL enable. The register pages make S_GERROR_IRQ_CFGn present with SMMU_IDR0.MSI and
 * S_EVENTQ_IRQ_CFGn with SMMU_S_IDR0.MSI; S_IDR0.MSI (§6.3.52) makes the MSI fields of both RES0
 * when 0, which is what the fields here require.
 */
function irqCfg<P extends 'S_GERROR' | 'S_EVENTQ'>(
  prefix: P,
  base: number,
  sections: readonly [string, string, string],
  enableField: 'GERROR_IRQEN' | 'EVENTQ_IRQEN',
): readonly [
  NamedRegister<`${P}_IRQ_CFG0` & RegisterName>,
  NamedRegister<`${P}_IRQ_CFG1` & RegisterName>,
  NamedRegister<`${P}_IRQ_CFG2` & RegisterName>,
] {
  // The compiler does not see `${P}_IRQ_CFG0` as a RegisterName through P (names.ts lists them).
  const name = <N extends 0 | 1 | 2>(n: N) => `${prefix}_IRQ_CFG${n}` as `${P}_IRQ_CFG${N}` & RegisterName;
  const shared = {
    ...common,
    access: 'RW',
    reset: 'UNKNOWN',
    guardedBy: [{ register: 'S_IRQ_CTRL', field: enableField }],
    behaviour: { kind: 'store' },
  } as const;
  const what = prefix === 'S_GERROR' ? 'Secure GERROR' : 'Secure Event queue';
  return [
    {
      ...shared,
      name: name(0),
      offset: base,
      width: 64,
      section: sections[0],
      summary: `${what} MSI address (0: no MSI is sent).`,
      fields: [
        {
          name: 'ADDR',
          msb: 55,
          lsb: 2,
          description: 'MSI target address [55:2].',
          requires: S_MSI,
          openValues: true,
          addrShift: 2,
        },
      ],
    },
    {
      ...shared,
      name: name(1),
      offset: base + 8,
      width: 32,
      section: sections[1],
      summary: `${what} MSI data.`,
      fields: [{ name: 'DATA', msb: 31, lsb: 0, description: 'MSI payload.', requires: S_MSI, openValues: true }],
    },
    {
      ...shared,
      name: name(2),
      offset: base + 12,
      width: 32,
      section: sections[2],
      summary: `${what} MSI attributes.`,
      fields: [
        {
          name: 'SH',
          msb: 5,
          lsb: 4,
          description: 'Shareability of the MSI write.',
          requires: S_MSI,
          values: [
            { value: 0, name: 'NSH' },
            { value: 1, name: 'SH_RESERVED' },
            { value: 2, name: 'OSH' },
            { value: 3, name: 'ISH' },
          ],
        },
        {
          name: 'MemAttr',
          msb: 3,
          lsb: 0,
          description: 'Memory type of the MSI write.',
          requires: S_MSI,
          openValues: true,
        },
      ],
    },
  ];
}

const TABLES_PRESET: FeatureRef = { register: 'IDR1', field: 'TABLES_PRESET' };
const QUEUES_PRESET: FeatureRef = { register: 'IDR1', field: 'QUEUES_PRESET' };
const allocate = [
  { value: 0, name: 'NO_ALLOCATE' },
  { value: 1, name: 'ALLOCATE' },
];

export const S_STRTAB_BASE = {
  ...common,
  name: 'S_STRTAB_BASE',
  offset: 0x8080,
  width: 64,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.72',
  summary: 'Secure Stream table base address and read-allocate hint.',
  guardedBy: S_SMMUEN_GUARD,
  fixedBy: TABLES_PRESET,
  fields: [
    {
      name: 'RA',
      msb: 62,
      lsb: 62,
      description: 'Read-allocate hint for Secure Stream table accesses.',
      values: allocate,
    },
    {
      name: 'ADDR',
      msb: 55,
      lsb: 6,
      description: 'Physical address of the Secure Stream table [55:6]; aligned to the table size.',
      openValues: true,
      addrShift: 6,
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const S_STRTAB_BASE_CFG = {
  ...common,
  name: 'S_STRTAB_BASE_CFG',
  offset: 0x8088,
  width: 32,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.73',
  summary: 'Secure Stream table format, split and size (capped at SMMU_S_IDR1.S_SIDSIZE).',
  guardedBy: S_SMMUEN_GUARD,
  fixedBy: TABLES_PRESET,
  fields: [
    {
      name: 'FMT',
      msb: 17,
      lsb: 16,
      description: 'Secure Stream table format; other values are reserved and behave as LINEAR.',
      requires: { register: 'IDR0', field: 'ST_LEVEL' },
      values: [
        { value: 0, name: 'LINEAR', description: 'Linear Stream table.' },
        { value: 1, name: 'TWO_LEVEL', description: '2-level Stream table.' },
      ],
    },
    {
      name: 'SPLIT',
      msb: 10,
      lsb: 6,
      description: 'StreamID split point of a 2-level table: 6, 8 or 10 (others behave as 6).',
      requires: { register: 'IDR0', field: 'ST_LEVEL' },
      openValues: true,
    },
    {
      name: 'LOG2SIZE',
      msb: 5,
      lsb: 0,
      description: 'log2 of the number of Secure STEs; the SMMU uses at most SMMU_S_IDR1.S_SIDSIZE.',
      openValues: true,
    },
  ],
  // LOG2SIZE is capped at SMMU_S_IDR1.S_SIDSIZE as STRTAB_BASE_CFG's at SMMU_IDR1.SIDSIZE: S_SIDSIZE
  // "determines ... the maximum size of the Secure Stream table" (§6.3.53) and the base alignment
  // "is not limited by S_SIDSIZE" (§6.3.72). §6.3.73's own text names SMMU_IDR1.SIDSIZE, as the
  // Non-secure page it repeats does; the model follows §6.3.53.
  behaviour: { kind: 'streamTableConfig', sidSize: { register: 'S_IDR1', field: 'S_SIDSIZE' } },
} satisfies RegisterDef;

/** S_CMDQ_BASE, S_EVENTQ_BASE (§6.3.74, §6.3.77): as SMMU_CMDQ_BASE/EVENTQ_BASE, capped by SMMU_IDR1. */
function queueBase<Q extends 'S_CMDQ' | 'S_EVENTQ'>(
  queue: Q,
  offset: number,
  section: string,
): NamedRegister<`${Q}_BASE` & RegisterName> {
  const cmdq = queue === 'S_CMDQ';
  const cap = cmdq ? 'CMDQS' : 'EVENTQS';
  return {
    ...common,
    name: `${queue}_BASE` as `${Q}_BASE` & RegisterName,
    offset,
    width: 64,
    access: 'RW',
    reset: 'UNKNOWN',
    section,
    summary: `Secure ${cmdq ? 'Command' : 'Event'} queue base address, allocation hint and size.`,
    guardedBy: [{ register: 'S_CR0', field: cmdq ? 'CMDQEN' : 'EVENTQEN' }],
    fixedBy: QUEUES_PRESET,
    fields: queueBaseFields(cmdq ? 'RA' : 'WA', 5, cap),
    behaviour: { kind: 'queueBase', queue, maxLog2: { register: 'IDR1', field: cap } },
  };
}

/**
 * S_CMDQ_PROD/CONS, S_EVENTQ_PROD/CONS (§6.3.75, §6.3.76, §6.3.78, §6.3.79). Unlike their
 * Non-secure counterparts, which live in page 1, the Secure Event queue indexes are in page 0.
 */
function queueIndex<Q extends 'S_CMDQ' | 'S_EVENTQ', R extends 'PROD' | 'CONS'>(
  queue: Q,
  role: R,
  offset: number,
  section: string,
): NamedRegister<`${Q}_${R}` & RegisterName> {
  const cmdq = queue === 'S_CMDQ';
  const producer = cmdq === (role === 'PROD') ? 'software' : 'smmu';
  const fields: FieldDef[] = [
    {
      name: role === 'PROD' ? 'WR' : 'RD',
      msb: 19,
      lsb: 0,
      description: `${role === 'PROD' ? 'Write' : 'Read'} index in bits [QS-1:0] and wrap flag at bit [QS] (QS = LOG2SIZE).`,
      openValues: true,
    },
  ];
  if (cmdq && role === 'CONS')
    fields.unshift({
      name: 'ERR',
      msb: 30,
      lsb: 24,
      description: 'Reason for the last Secure command error (valid while SMMU_S_GERROR.CMDQ_ERR is active).',
      values: [
        { value: 0, name: 'CERROR_NONE', description: 'No error.' },
        { value: 1, name: 'CERROR_ILL', description: 'Illegal command.' },
        { value: 2, name: 'CERROR_ABT', description: 'Abort fetching the command.' },
        { value: 3, name: 'CERROR_ATC_INV_SYNC', description: 'CMD_SYNC could not complete an ATC invalidation.' },
      ],
    });
  if (!cmdq)
    fields.unshift(
      role === 'PROD'
        ? {
            name: 'OVFLG',
            msb: 31,
            lsb: 31,
            description: 'Overflow flag, toggled by the SMMU when a Secure event is lost because the queue is full.',
            openValues: true,
          }
        : {
            name: 'OVACKFLG',
            msb: 31,
            lsb: 31,
            description: 'Overflow acknowledge: software writes it equal to S_EVENTQ_PROD.OVFLG.',
            openValues: true,
          },
    );
  // The SMMU-owned index is Guarded by its queue's enable (§6.3.76, §6.3.78).
  const guard: GuardRef[] | undefined =
    producer === 'smmu' ? [{ register: 'S_CR0', field: cmdq ? 'CMDQEN' : 'EVENTQEN' }] : undefined;
  return {
    ...common,
    name: `${queue}_${role}` as `${Q}_${R}` & RegisterName,
    offset,
    width: 32,
    access: 'RW',
    reset: 'UNKNOWN',
    section,
    summary: `Secure ${cmdq ? 'Command' : 'Event'} queue ${role === 'PROD' ? 'producer' : 'consumer'} index${producer === 'smmu' ? ', advanced by the SMMU' : ''}.`,
    ...(guard ? { guardedBy: guard } : {}),
    fields,
    behaviour: { kind: 'queueIndex', queue, role, producer },
  };
}

export const SECURE_REGISTERS = [
  S_IDR0,
  S_IDR1,
  S_IDR2,
  S_IDR3,
  S_IDR4,
  S_CR0,
  S_CR0ACK,
  S_CR1,
  S_CR2,
  S_INIT,
  S_GBPA,
  S_AGBPA,
  S_IRQ_CTRL,
  S_IRQ_CTRLACK,
  S_GERROR,
  S_GERRORN,
  ...irqCfg('S_GERROR', 0x8068, ['6.3.69', '6.3.70', '6.3.71'], 'GERROR_IRQEN'),
  S_STRTAB_BASE,
  S_STRTAB_BASE_CFG,
  queueBase('S_CMDQ', 0x8090, '6.3.74'),
  queueIndex('S_CMDQ', 'PROD', 0x8098, '6.3.75'),
  queueIndex('S_CMDQ', 'CONS', 0x809c, '6.3.76'),
  queueBase('S_EVENTQ', 0x80a0, '6.3.77'),
  queueIndex('S_EVENTQ', 'PROD', 0x80a8, '6.3.78'),
  queueIndex('S_EVENTQ', 'CONS', 0x80ac, '6.3.79'),
  ...irqCfg('S_EVENTQ', 0x80b0, ['6.3.80', '6.3.81', '6.3.82'], 'EVENTQ_IRQEN'),
] as const;
