/**
 * The global Address Translation Operations registers (§6.3.37–§6.3.40, §9), present only when
 * SMMU_IDR0.ATOS == 1. Software describes a lookup in GATOS_SID and GATOS_ADDR, writes
 * GATOS_CTRL.RUN = 1, and reads the result in GATOS_PAR once the SMMU has cleared RUN (§9.1).
 * GATOS_SID and GATOS_ADDR are Guarded by GATOS_CTRL.RUN, and GATOS_CTRL is read-only while RUN is 1
 * (their "Accessing" sections; IGNORED from SMMUv3.2). The model performs the lookup inside the
 * write of RUN (core/engine/atos.ts), so RUN reads 0 again when the write completes.
 *
 * GATOS_PAR has two layouts, selected by FAULT (§6.3.40): a result (ATTR, ADDR, Size, SH) or a
 * fault syndrome (IMPDEF, FADDR, FAULTCODE, REASON); each field says which layout it belongs to.
 */
import type { FeatureRef, FieldDef, GuardRef, RegisterDef } from './types';

const ATOS: FeatureRef = { register: 'IDR0', field: 'ATOS' };
const guardedBy: readonly GuardRef[] = [{ register: 'GATOS_CTRL', field: 'RUN' }];
const onSuccess = { field: 'FAULT', equals: 0 } as const;
const onFault = { field: 'FAULT', equals: 1 } as const;

export const GATOS_CTRL = {
  name: 'GATOS_CTRL',
  offset: 0x0100,
  width: 32,
  access: 'RW',
  // RUN resets to 0 (§6.3.37); the other bits are RES0.
  reset: 0n,
  section: '6.3.37',
  group: 'atos',
  summary: 'Global ATOS control: write RUN = 1 to perform the lookup GATOS_SID and GATOS_ADDR describe.',
  requires: ATOS,
  // §6.3.37: "When SMMU_GATOS_CTRL.RUN == 1, accesses to this register are RO".
  guardedBy,
  fields: [
    {
      name: 'RUN',
      msb: 0,
      lsb: 0,
      description:
        'Run the ATOS translation. Software writes 1 (only while SMMU_CR0.SMMUEN is 1 and RUN is 0) to start the lookup; the SMMU clears it when the result is visible in GATOS_PAR. In this model the lookup completes within the write, so RUN reads 0 afterwards; a write of 1 while SMMUEN is 0 is IGNORED.',
      reset: 0,
      values: [
        { value: 0, name: 'IDLE', description: 'No lookup in progress; GATOS_PAR holds the last result.' },
        { value: 1, name: 'RUN', description: 'Start a lookup (reads 1 while one is in progress).' },
      ],
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const GATOS_SID = {
  name: 'GATOS_SID',
  offset: 0x0108,
  width: 64,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.38',
  group: 'atos',
  summary: 'StreamID and optional SubstreamID of the next ATOS lookup.',
  requires: ATOS,
  guardedBy,
  fields: [
    {
      name: 'SSID_VALID',
      msb: 52,
      lsb: 52,
      description: 'The lookup has a SubstreamID (RES0 when SMMU_IDR1.SSIDSIZE is 0).',
      requires: { register: 'IDR1', field: 'SSIDSIZE' },
      values: [
        { value: 0, name: 'NO_SUBSTREAM' },
        { value: 1, name: 'SUBSTREAM' },
      ],
    },
    {
      name: 'SUBSTREAMID',
      msb: 51,
      lsb: 32,
      description: 'SubstreamID of the lookup; bits [51:32 + SMMU_IDR1.SSIDSIZE] are RES0.',
      openValues: true,
    },
    {
      name: 'STREAMID',
      msb: 31,
      lsb: 0,
      description: 'StreamID of the lookup; bits [31:SMMU_IDR1.SIDSIZE] are RES0.',
      openValues: true,
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const GATOS_ADDR = {
  name: 'GATOS_ADDR',
  offset: 0x0110,
  width: 64,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.39',
  group: 'atos',
  summary: 'Input address and kind of the next ATOS lookup: stage(s), and the access it stands for.',
  requires: ATOS,
  guardedBy,
  fields: [
    {
      name: 'ADDR',
      msb: 63,
      lsb: 12,
      description:
        'Input address [63:12] (a VA for a stage 1 lookup, an IPA for stage 2); range checked as a transaction’s.',
      openValues: true,
      addrShift: 12,
    },
    {
      name: 'TYPE',
      msb: 11,
      lsb: 10,
      description: 'Which stages to look up (§9.1.3); a reserved value gives the ATOS error INV_REQ.',
      values: [
        { value: 1, name: 'STAGE1', description: 'Stage 1, VA to IPA (or PA without stage 2).' },
        { value: 2, name: 'STAGE2', description: 'Stage 2, IPA to PA.' },
        { value: 3, name: 'STAGE1_2', description: 'Stage 1 and stage 2, VA to PA.' },
      ],
    },
    {
      name: 'PnU',
      msb: 9,
      lsb: 9,
      description: 'Privilege of the access (not changed by STE.PRIVCFG).',
      values: [
        { value: 0, name: 'UNPRIVILEGED' },
        { value: 1, name: 'PRIVILEGED' },
      ],
    },
    {
      name: 'RnW',
      msb: 8,
      lsb: 8,
      description: 'Read or write access.',
      values: [
        { value: 0, name: 'WRITE' },
        { value: 1, name: 'READ' },
      ],
    },
    {
      name: 'InD',
      msb: 7,
      lsb: 7,
      description: 'Instruction or data access (not changed by STE.INSTCFG); IGNORED for a write, which is Data.',
      values: [
        { value: 0, name: 'DATA' },
        { value: 1, name: 'INSTRUCTION' },
      ],
    },
    {
      name: 'HTTUI',
      msb: 6,
      lsb: 6,
      description:
        'Inhibit hardware update of the Access flag and dirty state: the lookup then changes no descriptor, and treats AF == 0 as 1 and writable-clean as writable (§9).',
      values: [
        { value: 0, name: 'HTTU', description: 'Flags are updated as for a transaction, where HA/HD enable it.' },
        { value: 1, name: 'INHIBIT', description: 'The lookup is passive.' },
      ],
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

/** The success layout (FAULT == 0) and the fault layout (FAULT == 1) of GATOS_PAR (§6.3.40). */
const PAR_FIELDS: readonly FieldDef[] = [
  {
    name: 'ATTR',
    msb: 63,
    lsb: 56,
    description:
      'Memory attributes of the translation, in MAIR format, without STE overrides (§9.1.4): CD.MAIR’s Attr<AttrIndx> at stage 1, the stage 2 MemAttr with RA = WA = 1 and TR = 0, the two combined (§13.1.5). With stage 1 bypassed (S1DSS) the model gives the default input attributes (§13.1.3); where it cannot compute them (STE.S2FWB = 1, an encoding it does not decode) it gives Device-nGnRnE, Outer Shareable and warns (docs/engine.md#atos-9).',
    openValues: true,
    when: onSuccess,
  },
  {
    name: 'IMPDEF',
    msb: 63,
    lsb: 60,
    description: 'IMPLEMENTATION DEFINED fault data; 0 in this model.',
    openValues: true,
    when: onFault,
  },
  {
    name: 'ADDR',
    msb: 55,
    lsb: 12,
    description:
      'Output address [55:12], aligned to the translation size; when Size is 1 the lowest set bit N gives the size, 2^(N+1) bytes.',
    openValues: true,
    addrShift: 12,
    when: onSuccess,
  },
  {
    name: 'FADDR',
    msb: 55,
    lsb: 12,
    description:
      'Stage 2 fault page address [55:12]: the IPA that faulted at stage 2 of a stage 1 and 2 lookup (§9.1.4), else 0.',
    openValues: true,
    addrShift: 12,
    when: onFault,
  },
  {
    name: 'FAULTCODE',
    msb: 11,
    lsb: 4,
    description: 'Why the lookup failed (§9.1.5).',
    when: onFault,
    values: [
      { value: 0x02, name: 'C_BAD_STREAMID', description: 'StreamID out of range of the Stream table.' },
      { value: 0x03, name: 'F_STE_FETCH', description: 'External abort on the STE fetch.' },
      { value: 0x04, name: 'C_BAD_STE', description: 'The STE is invalid or ILLEGAL.' },
      { value: 0x06, name: 'F_STREAM_DISABLED', description: 'Substream configuration refuses the request.' },
      { value: 0x08, name: 'C_BAD_SUBSTREAMID', description: 'SubstreamID out of range of the CD table.' },
      {
        value: 0x09,
        name: 'F_CD_FETCH',
        description: 'External abort (or stage 2 fault, for a stage 1 lookup) on a CD fetch.',
      },
      { value: 0x0a, name: 'C_BAD_CD', description: 'The CD is invalid or ILLEGAL.' },
      {
        value: 0x0b,
        name: 'F_WALK_EABT',
        description: 'External abort (or stage 2 fault, for a stage 1 lookup) on a walk.',
      },
      { value: 0x10, name: 'F_TRANSLATION', description: 'Translation fault.' },
      { value: 0x11, name: 'F_ADDR_SIZE', description: 'Address Size fault.' },
      { value: 0x12, name: 'F_ACCESS', description: 'Access flag fault.' },
      { value: 0x13, name: 'F_PERMISSION', description: 'Permission fault.' },
      { value: 0x20, name: 'F_TLB_CONFLICT', description: 'TLB conflict.' },
      { value: 0x21, name: 'F_CFG_CONFLICT', description: 'Configuration cache conflict.' },
      { value: 0x25, name: 'F_VMS_FETCH', description: 'External abort on the VMS fetch.' },
      { value: 0xfd, name: 'INTERNAL_ERR', description: 'Terminated for a miscellaneous reason.' },
      { value: 0xfe, name: 'INV_STAGE', description: 'A stage the stream does not translate with was requested.' },
      { value: 0xff, name: 'INV_REQ', description: 'Malformed request.' },
    ],
  },
  {
    name: 'Size',
    msb: 11,
    lsb: 11,
    description: 'Translation size: 4 KB, or given by the lowest set bit of ADDR.',
    when: onSuccess,
    values: [
      { value: 0, name: 'SIZE_4KB' },
      { value: 1, name: 'SIZE_IN_ADDR' },
    ],
  },
  {
    name: 'SH',
    msb: 9,
    lsb: 8,
    description: 'Shareability of the translation; Outer Shareable for any Device type and Normal iNC-oNC (§13.1.7).',
    when: onSuccess,
    values: [
      { value: 0, name: 'NSH', description: 'Non-shareable.' },
      { value: 2, name: 'OSH', description: 'Outer Shareable.' },
      { value: 3, name: 'ISH', description: 'Inner Shareable.' },
    ],
  },
  {
    name: 'REASON',
    msb: 2,
    lsb: 1,
    description: 'What the fault was met on (§9.1.4).',
    when: onFault,
    values: [
      { value: 0, name: 'S1', description: 'Stage 1, or not attributable to a stage (configuration errors).' },
      { value: 1, name: 'CD', description: 'Stage 2 fault on a CD fetch.' },
      { value: 2, name: 'TT', description: 'Stage 2 fault on a stage 1 table walk.' },
      { value: 3, name: 'IN', description: 'Stage 2 fault on the input to stage 2.' },
    ],
  },
  {
    name: 'FAULT',
    msb: 0,
    lsb: 0,
    description: 'The layout of the register: a result (0) or a fault syndrome (1).',
    values: [
      { value: 0, name: 'NO_FAULT' },
      { value: 1, name: 'FAULT' },
    ],
  },
];

export const GATOS_PAR = {
  name: 'GATOS_PAR',
  offset: 0x0118,
  width: 64,
  access: 'RO',
  reset: 'UNKNOWN',
  section: '6.3.40',
  group: 'atos',
  summary: 'Result of the last ATOS lookup: output address, size and attributes, or a fault syndrome.',
  requires: ATOS,
  fields: PAR_FIELDS,
  behaviour: { kind: 'status' },
} satisfies RegisterDef;

// --- Virtual ATOS (§9, §9.1.6, §6.2.3) ------------------------------------------------------------
//
// SMMU_VATOS_SEL is in page 0 (§6.3.44); SMMU_VATOS_CTRL/SID/ADDR/PAR are in the VATOS page, a
// 64 KB page at SMMU_BASE + 0x20000 + SMMU_IDR2.BA_VATOS × 0x10000 (§6.3.3, §6.2.3). They have the
// encodings of their GATOS counterparts (§6.3.99–§6.3.102 "similar encoding and behavior"), except
// that VATOS_ADDR.TYPE has only Stage 1 (§6.3.101) and VATOS_PAR.REASON only 0b00 (§6.3.102).

const VATOS: FeatureRef = { register: 'IDR0', field: 'VATOS' };
const vatosGuardedBy: readonly GuardRef[] = [{ register: 'VATOS_CTRL', field: 'RUN' }];
/** The VATOS page with SMMU_IDR2.BA_VATOS == 0; registerOffset() adds BA_VATOS × 64 KB. */
export const VATOS_PAGE_BASE = 0x20000;

export const VATOS_SEL = {
  name: 'VATOS_SEL',
  offset: 0x0180,
  width: 32,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.44',
  group: 'atos',
  summary: 'VMID of the virtual machine the VATOS interface serves: VATOS lookups see only STEs tagged with it.',
  requires: VATOS,
  // §6.3.44: "Guarded by SMMU_VATOS_CTRL.RUN and must only be altered when RUN == 0".
  guardedBy: vatosGuardedBy,
  fields: [
    {
      name: 'VMID',
      msb: 15,
      lsb: 0,
      description:
        'VMID compared with the effective STE.S2VMID of each VATOS lookup; an STE that does not tag with a VMID or has another one gives C_BAD_STE (§9.1.6). Bits [15:8] are RES0 when SMMU_IDR0.VMID16 is 0 (not stored by this model).',
      openValues: true,
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const VATOS_CTRL = {
  ...GATOS_CTRL,
  name: 'VATOS_CTRL',
  offset: VATOS_PAGE_BASE + 0x0a00,
  page: 'vatos',
  section: '6.3.99',
  summary: 'VATOS control: write RUN = 1 to perform the stage 1 lookup VATOS_SID and VATOS_ADDR describe.',
  requires: VATOS,
  guardedBy: vatosGuardedBy,
  fields: GATOS_CTRL.fields.map((f) => ({
    ...f,
    description:
      'Run the VATOS translation. Software writes 1 (only while SMMU_CR0.SMMUEN is 1 and RUN is 0) to start the lookup; the SMMU clears it when the result is visible in VATOS_PAR. In this model the lookup completes within the write, so RUN reads 0 afterwards; a write of 1 while SMMUEN is 0 is IGNORED.',
  })),
} satisfies RegisterDef;

export const VATOS_SID = {
  ...GATOS_SID,
  name: 'VATOS_SID',
  offset: VATOS_PAGE_BASE + 0x0a08,
  page: 'vatos',
  section: '6.3.100',
  summary: 'StreamID and optional SubstreamID of the next VATOS lookup.',
  requires: VATOS,
  guardedBy: vatosGuardedBy,
} satisfies RegisterDef;

export const VATOS_ADDR = {
  ...GATOS_ADDR,
  name: 'VATOS_ADDR',
  offset: VATOS_PAGE_BASE + 0x0a10,
  page: 'vatos',
  section: '6.3.101',
  summary: 'Input address and access of the next VATOS lookup (stage 1 only).',
  requires: VATOS,
  guardedBy: vatosGuardedBy,
  fields: GATOS_ADDR.fields.map((f) =>
    f.name === 'ADDR'
      ? { ...f, description: 'Input address [63:12], a VA; range checked as a transaction’s.' }
      : f.name === 'TYPE'
        ? {
            ...f,
            description:
              'Request type: only Stage 1 is available to VATOS (§6.3.101, §9.1.3); the other values give the ATOS error INV_REQ.',
            values: [{ value: 1, name: 'STAGE1', description: 'Stage 1, VA to IPA (or PA without stage 2).' }],
          }
        : f,
  ),
} satisfies RegisterDef;

export const VATOS_PAR = {
  ...GATOS_PAR,
  name: 'VATOS_PAR',
  offset: VATOS_PAGE_BASE + 0x0a18,
  page: 'vatos',
  section: '6.3.102',
  summary: 'Result of the last VATOS lookup: output address, size and attributes, or a fault syndrome.',
  requires: VATOS,
  fields: PAR_FIELDS.map((f) =>
    f.name === 'FADDR'
      ? {
          ...f,
          description: 'Fault page address [55:12]: always 0, since a VATOS lookup is stage 1 only (§6.3.102, §9.1.4).',
        }
      : f.name === 'REASON'
        ? {
            ...f,
            description: 'What the fault was met on: only 0b00 is permitted in VATOS_PAR (§6.3.102).',
            values: [
              { value: 0, name: 'S1', description: 'Stage 1, or not attributable to a stage (configuration errors).' },
            ],
          }
        : f,
  ),
} satisfies RegisterDef;
