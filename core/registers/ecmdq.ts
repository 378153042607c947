/**
 * Enhanced Command queues (§3.5.6, SMMU_IDR1.ECMDQ): the registers that come in arrays, whose
 * number the configuration's SMMU_IDR6 gives (§6.3.45) and which therefore cannot be rows of the
 * fixed register table (table.ts):
 * - in page 0, one SMMU_CMDQ_CONTROL_PAGE_BASE<n>/CFG<n>/STATUS<n> triple per Command queue
 *   control page, 32 bytes apart from 0x4000 (§6.3.49–§6.3.51);
 * - in each 64 KB Command queue control page, one SMMU_ECMDQ_BASE/PROD/CONS triple per ECMDQ,
 *   spaced evenly through the page (§6.2.5: 64 KB / 2^LOG2NUMQ apart, so 0x100 with 256 queues as
 *   §6.3.107–§6.3.109 draw it).
 * Fields are declared as for the table (FieldDef), so decoding and hovers read them the same way.
 */
import type { FeatureRef, FieldDef, ResetValue } from './types';

export const ECMDQ_FEATURE: FeatureRef = { register: 'IDR1', field: 'ECMDQ' };

/** Offset of the first Command queue control page register triple in page 0 (§6.3.49). */
export const CONTROL_PAGE_REGS_BASE = 0x4000;
/** Bytes between the triples of consecutive control pages (§6.3.49: 0x4000 + 32 × n). */
export const CONTROL_PAGE_REGS_STRIDE = 32;
/** Size of a Command queue control page (§6.2.5). */
export const CONTROL_PAGE_SIZE = 0x10000;
/** The architectural maximum of control pages and of ECMDQs per page (§6.3.45: LOG2 at most 8). */
export const MAX_LOG2 = 8;

export type ArrayRegisterName =
  | 'CMDQ_CONTROL_PAGE_BASE'
  | 'CMDQ_CONTROL_PAGE_CFG'
  | 'CMDQ_CONTROL_PAGE_STATUS'
  | 'ECMDQ_BASE'
  | 'ECMDQ_PROD'
  | 'ECMDQ_CONS';

/** One register of an array: instance n is at `offset` + n × stride in its block. */
export interface ArrayRegisterDef {
  /** Architecture name without `SMMU_` and without `<n>`. */
  readonly name: ArrayRegisterName;
  /** Page 0 (control page registers) or a Command queue control page (ECMDQ registers). */
  readonly block: 'page0' | 'control-page';
  /** Offset of the register in its group of three (§6.2.5) or of instance 0 in page 0 (§6.3.49). */
  readonly offset: number;
  readonly width: 32 | 64;
  /** RO: the register never stores a write. RW registers have conditions (ecmdqAccess). */
  readonly access: 'RO' | 'RW';
  readonly reset: ResetValue;
  readonly section: string;
  readonly summary: string;
  readonly fields: readonly FieldDef[];
}

const yes = (description: string) => [{ value: 1, name: 'YES', description }];

export const CMDQ_CONTROL_PAGE_BASE: ArrayRegisterDef = {
  name: 'CMDQ_CONTROL_PAGE_BASE',
  block: 'page0',
  offset: 0x4000,
  width: 64,
  access: 'RO',
  reset: 'IMPDEF',
  section: '6.3.49',
  summary: 'Where Command queue control page n is (an offset from page 0), its granule, and that it is registers.',
  fields: [
    {
      name: 'ADDR',
      msb: 55,
      lsb: 16,
      description:
        'Offset of the control page from SMMU page 0, bits [55:16]; the pages are contiguous, in ascending n.',
      openValues: true,
      addrShift: 16,
    },
    {
      name: 'CMDQGS',
      msb: 2,
      lsb: 1,
      description: 'Granule of the control page.',
      values: [{ value: 1, name: 'GS_64KB', description: '64 KB.' }],
    },
    {
      name: 'CMDQ_CONTROL_PAGE_PRESET',
      msb: 0,
      lsb: 0,
      description: 'The ECMDQ interfaces of this page are registers in the SMMU (1 in SMMUv3.3).',
      values: yes('Implemented as registers.'),
    },
  ],
};

export const CMDQ_CONTROL_PAGE_CFG: ArrayRegisterDef = {
  name: 'CMDQ_CONTROL_PAGE_CFG',
  block: 'page0',
  offset: 0x4008,
  width: 32,
  access: 'RO',
  reset: 1n,
  section: '6.3.50',
  summary: 'Command queue control page n enable: RES1.',
  fields: [{ name: 'EN', msb: 0, lsb: 0, description: 'The control page is enabled (RES1).', values: yes('Enabled.') }],
};

export const CMDQ_CONTROL_PAGE_STATUS: ArrayRegisterDef = {
  name: 'CMDQ_CONTROL_PAGE_STATUS',
  block: 'page0',
  offset: 0x400c,
  width: 32,
  access: 'RO',
  reset: 1n,
  section: '6.3.51',
  summary: 'Command queue control page n enable acknowledgement: RES1.',
  fields: [
    { name: 'ENACK', msb: 0, lsb: 0, description: 'The control page is enabled (RES1).', values: yes('Enabled.') },
  ],
};

export const ECMDQ_BASE: ArrayRegisterDef = {
  name: 'ECMDQ_BASE',
  block: 'control-page',
  offset: 0x00,
  width: 64,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.107',
  summary: 'ECMDQ base address and size (as SMMU_CMDQ_BASE); RO unless PROD.EN == CONS.ENACK == 0.',
  fields: [
    {
      name: 'RA',
      msb: 62,
      lsb: 62,
      description: 'Read-Allocate hint.',
      values: [
        { value: 0, name: 'NO_ALLOCATE' },
        { value: 1, name: 'ALLOCATE' },
      ],
    },
    {
      name: 'ADDR',
      msb: 55,
      lsb: 5,
      description: 'PA of the queue, bits [55:5]; aligned to the queue size as SMMU_CMDQ_BASE.ADDR.',
      openValues: true,
      addrShift: 5,
    },
    {
      name: 'LOG2SIZE',
      msb: 4,
      lsb: 0,
      description: 'log2 of the number of entries; at most SMMU_IDR1.CMDQS, as SMMU_CMDQ_BASE.LOG2SIZE.',
      openValues: true,
    },
  ],
};

export const ECMDQ_PROD: ArrayRegisterDef = {
  name: 'ECMDQ_PROD',
  block: 'control-page',
  offset: 0x08,
  width: 32,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.108',
  summary: 'ECMDQ enable, error acknowledgement and write index; RO while EN != CONS.ENACK.',
  fields: [
    {
      name: 'EN',
      msb: 31,
      lsb: 31,
      description: 'Queue enable; acknowledged in SMMU_ECMDQ_CONS.ENACK (§3.5.6.2).',
      reset: 0,
      values: [
        { value: 0, name: 'DISABLED' },
        { value: 1, name: 'ENABLED' },
      ],
    },
    {
      name: 'ERRACK',
      msb: 23,
      lsb: 23,
      description:
        'Error acknowledge: commands are consumed only while ERRACK == CONS.ERR; toggle it to match after an error (§3.5.6.3).',
      reset: 0,
      openValues: true,
    },
    {
      name: 'WR',
      msb: 19,
      lsb: 0,
      description: 'Write index and wrap flag, as SMMU_CMDQ_PROD.WR (QS from ECMDQ_BASE.LOG2SIZE).',
      openValues: true,
    },
  ],
};

export const ECMDQ_CONS: ArrayRegisterDef = {
  name: 'ECMDQ_CONS',
  block: 'control-page',
  offset: 0x0c,
  width: 32,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.109',
  summary: 'ECMDQ enable acknowledgement, error status and read index; RO unless PROD.EN == ENACK == 0.',
  fields: [
    {
      name: 'ENACK',
      msb: 31,
      lsb: 31,
      description: 'Queue enable acknowledgement (§3.5.6.2); the SMMU owns it.',
      reset: 0,
      values: [
        { value: 0, name: 'DISABLED' },
        { value: 1, name: 'ENABLED' },
      ],
    },
    {
      name: 'ERR_REASON',
      msb: 26,
      lsb: 24,
      description: 'Why the last error occurred; UNKNOWN while no error is active.',
      values: [
        { value: 0, name: 'CERROR_NONE', description: 'No error (never reported).' },
        { value: 1, name: 'CERROR_ILL', description: 'Command illegal.' },
        { value: 2, name: 'CERROR_ABT', description: 'Abort on command fetch.' },
        { value: 3, name: 'CERROR_ATC_INV_SYNC', description: 'A CMD_SYNC failed to complete CMD_ATC_INVs.' },
      ],
    },
    {
      name: 'ERR',
      msb: 23,
      lsb: 23,
      description: 'Error status: toggled by the SMMU on each error; an error is active while ERR != PROD.ERRACK.',
      reset: 0,
      openValues: true,
    },
    {
      name: 'RD',
      msb: 19,
      lsb: 0,
      description: 'Read index and wrap flag, as SMMU_CMDQ_CONS.RD; on an error, the failed command.',
      openValues: true,
    },
  ],
};

export const CONTROL_PAGE_REGISTERS: readonly ArrayRegisterDef[] = [
  CMDQ_CONTROL_PAGE_BASE,
  CMDQ_CONTROL_PAGE_CFG,
  CMDQ_CONTROL_PAGE_STATUS,
];
export const ECMDQ_REGISTERS: readonly ArrayRegisterDef[] = [ECMDQ_BASE, ECMDQ_PROD, ECMDQ_CONS];
export const ARRAY_REGISTERS: readonly ArrayRegisterDef[] = [...CONTROL_PAGE_REGISTERS, ...ECMDQ_REGISTERS];

/** Reset value of an array register: defined fields' resets, UNKNOWN as zero (as the table's). */
export function arrayReset(reg: ArrayRegisterDef): bigint {
  if (typeof reg.reset === 'bigint') return reg.reset;
  return 0n;
}
