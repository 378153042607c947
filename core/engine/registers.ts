/**
 * The registers the engine reads and updates on its own, resolved once from the table so the
 * hot paths do not look names up (§6.3).
 */
import { extractField } from '../registers/codec';
import { fieldMask, findField, getRegister } from '../registers/table';
import type { FieldDef, RegisterDef, RegisterName } from '../registers/types';
import { registerIndex } from '../model/register-file';

function field(reg: RegisterDef, name: string): FieldDef {
  const f = findField(reg, name);
  if (!f) throw new Error(`internal: no field ${reg.name}.${name}`);
  return f;
}

export interface FieldRef {
  readonly reg: RegisterDef;
  readonly field: FieldDef;
  readonly mask: bigint;
  /** For fields inside one 32-bit word: the word of the register file, shift and mask (hot paths). */
  readonly word: number;
  readonly shift: number;
  readonly bits: number;
}

export function ref(register: RegisterName, name: string): FieldRef {
  const reg = getRegister(register);
  const f = field(reg, name);
  const inOneWord = f.lsb >>> 5 === f.msb >>> 5;
  return {
    reg,
    field: f,
    mask: fieldMask(f),
    word: inOneWord ? registerIndex(reg) * 2 + (f.lsb >>> 5) : -1,
    shift: f.lsb & 31,
    bits: f.msb - f.lsb + 1,
  };
}

export function get(value: bigint, r: FieldRef): bigint {
  return extractField(value, r.field);
}

export const R = {
  CR0ACK: getRegister('CR0ACK'),
  CR2: getRegister('CR2'),
  GBPA: getRegister('GBPA'),
  IRQ_CTRLACK: getRegister('IRQ_CTRLACK'),
  GERROR: getRegister('GERROR'),
  GERRORN: getRegister('GERRORN'),
  STRTAB_BASE: getRegister('STRTAB_BASE'),
  STRTAB_BASE_CFG: getRegister('STRTAB_BASE_CFG'),
  DPT_BASE: getRegister('DPT_BASE'),
  DPT_BASE_CFG: getRegister('DPT_BASE_CFG'),
  DPT_CFG_FAR: getRegister('DPT_CFG_FAR'),
  CMDQ_BASE: getRegister('CMDQ_BASE'),
  CMDQ_PROD: getRegister('CMDQ_PROD'),
  CMDQ_CONS: getRegister('CMDQ_CONS'),
  EVENTQ_BASE: getRegister('EVENTQ_BASE'),
  EVENTQ_PROD: getRegister('EVENTQ_PROD'),
  EVENTQ_CONS: getRegister('EVENTQ_CONS'),
  S_CR0: getRegister('S_CR0'),
  S_CR0ACK: getRegister('S_CR0ACK'),
  S_INIT: getRegister('S_INIT'),
  S_GERROR: getRegister('S_GERROR'),
  S_GERRORN: getRegister('S_GERRORN'),
  S_GERROR_IRQ_CFG0: getRegister('S_GERROR_IRQ_CFG0'),
  S_GERROR_IRQ_CFG1: getRegister('S_GERROR_IRQ_CFG1'),
  S_CMDQ_BASE: getRegister('S_CMDQ_BASE'),
  S_CMDQ_PROD: getRegister('S_CMDQ_PROD'),
  S_CMDQ_CONS: getRegister('S_CMDQ_CONS'),
  PRIQ_BASE: getRegister('PRIQ_BASE'),
  PRIQ_PROD: getRegister('PRIQ_PROD'),
  PRIQ_CONS: getRegister('PRIQ_CONS'),
  GERROR_IRQ_CFG0: getRegister('GERROR_IRQ_CFG0'),
  GERROR_IRQ_CFG1: getRegister('GERROR_IRQ_CFG1'),
  EVENTQ_IRQ_CFG0: getRegister('EVENTQ_IRQ_CFG0'),
  EVENTQ_IRQ_CFG1: getRegister('EVENTQ_IRQ_CFG1'),
  PRIQ_IRQ_CFG0: getRegister('PRIQ_IRQ_CFG0'),
  PRIQ_IRQ_CFG1: getRegister('PRIQ_IRQ_CFG1'),
  PRIQ_IRQ_CFG2: getRegister('PRIQ_IRQ_CFG2'),
} as const;

export const F = {
  SMMUEN: ref('CR0ACK', 'SMMUEN'),
  CMDQEN: ref('CR0ACK', 'CMDQEN'),
  EVENTQEN: ref('CR0ACK', 'EVENTQEN'),
  PRIQEN: ref('CR0ACK', 'PRIQEN'),
  DPT_WALK_EN: ref('CR0ACK', 'DPT_WALK_EN'),
  CR0_DPT_WALK_EN: ref('CR0', 'DPT_WALK_EN'),
  RECINVSID: ref('CR2', 'RECINVSID'),
  /** §6.3.12: record configuration errors of ATS Translation Requests and Translated transactions. */
  REC_CFG_ATS: ref('CR2', 'REC_CFG_ATS'),
  /** §6.3.9: Translated traffic is checked against STE.EATS (RES0 without IDR0.ATS). */
  ATSCHK: ref('CR0ACK', 'ATSCHK'),
  /** §6.3.9, §3.17.6: VMID wildcard of TLB invalidations (RES0 without IDR0.VMW). */
  VMW: ref('CR0ACK', 'VMW'),
  GBPA_ABORT: ref('GBPA', 'ABORT'),
  CMDQ_RD: ref('CMDQ_CONS', 'RD'),
  CMDQ_ERR: ref('CMDQ_CONS', 'ERR'),
  CMDQ_WR: ref('CMDQ_PROD', 'WR'),
  EVENTQ_WR: ref('EVENTQ_PROD', 'WR'),
  EVENTQ_OVFLG: ref('EVENTQ_PROD', 'OVFLG'),
  EVENTQ_RD: ref('EVENTQ_CONS', 'RD'),
  EVENTQ_OVACKFLG: ref('EVENTQ_CONS', 'OVACKFLG'),
  PRIQ_WR: ref('PRIQ_PROD', 'WR'),
  PRIQ_OVFLG: ref('PRIQ_PROD', 'OVFLG'),
  PRIQ_RD: ref('PRIQ_CONS', 'RD'),
  PRIQ_OVACKFLG: ref('PRIQ_CONS', 'OVACKFLG'),
  STRTAB_ADDR: ref('STRTAB_BASE', 'ADDR'),
  STRTAB_FMT: ref('STRTAB_BASE_CFG', 'FMT'),
  STRTAB_SPLIT: ref('STRTAB_BASE_CFG', 'SPLIT'),
  STRTAB_LOG2SIZE: ref('STRTAB_BASE_CFG', 'LOG2SIZE'),
  EVENTQ_IRQEN: ref('IRQ_CTRLACK', 'EVENTQ_IRQEN'),
  PRIQ_IRQEN: ref('IRQ_CTRLACK', 'PRIQ_IRQEN'),
  GERROR_IRQEN: ref('IRQ_CTRLACK', 'GERROR_IRQEN'),
  GERROR_DPT_ERR: ref('GERROR', 'DPT_ERR'),
  /** The Secure programming interface (§6.3.57–§6.3.76). */
  S_SMMUEN: ref('S_CR0ACK', 'SMMUEN'),
  S_CMDQEN: ref('S_CR0ACK', 'CMDQEN'),
  S_GERROR_IRQEN: ref('S_IRQ_CTRLACK', 'GERROR_IRQEN'),
  S_CMDQ_WR: ref('S_CMDQ_PROD', 'WR'),
  S_CMDQ_RD: ref('S_CMDQ_CONS', 'RD'),
} as const;
