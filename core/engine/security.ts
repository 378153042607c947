/**
 * The two programming interfaces a stream can belong to (§3.10.1 SEC_SID): a Non-secure stream is
 * configured through the SMMU_x registers, a Secure stream (SEC_SID = 1) through the SMMU_S_x
 * ones. §3.10.2.1: the two interfaces "operate independently as though two logical and separate
 * SMMUs are present": each has its own SMMUEN and GBPA, Stream table, Event queue, GERROR and
 * interrupts. These tables name, per Security state, the registers and fields a transaction and
 * the event queue use, so that one code path serves both.
 */
import type { RegisterDef } from '../registers/types';
import { R, ref, type FieldRef } from './registers';
import { getRegister } from '../registers/table';
import type { IdView } from '../registers/codec';
import * as caps from '../structures/capabilities';

export type SecurityState = 'non-secure' | 'secure';

/** The registers of one Security state's programming interface that streams and the Event queue use. */
export interface ProgrammingInterface {
  readonly state: SecurityState;
  /** How messages name its registers: `SMMU_` or `SMMU_S_`. */
  readonly prefix: 'SMMU_' | 'SMMU_S_';
  /** Register names of the table (the Secure ones start with `S_`). */
  readonly names: {
    readonly eventqProd: 'EVENTQ_PROD' | 'S_EVENTQ_PROD';
    readonly gerror: 'GERROR' | 'S_GERROR';
  };
  readonly smmuen: FieldRef;
  readonly gbpaAbort: FieldRef;
  readonly recinvsid: FieldRef;
  readonly e2h: FieldRef;
  readonly strtabBase: RegisterDef;
  readonly strtabBaseCfg: RegisterDef;
  readonly eventqen: FieldRef;
  readonly eventqBase: RegisterDef;
  readonly eventqProd: RegisterDef;
  readonly eventqRd: FieldRef;
  readonly eventqOvflg: FieldRef;
  readonly eventqOvackflg: FieldRef;
  readonly eventqIrqen: FieldRef;
  readonly eventqIrqCfg0: RegisterDef;
  readonly eventqIrqCfg1: RegisterDef;
  readonly gerror: RegisterDef;
  readonly gerrorn: RegisterDef;
  readonly gerrorIrqen: FieldRef;
  readonly gerrorIrqCfg0: RegisterDef;
  readonly gerrorIrqCfg1: RegisterDef;
}

export const NON_SECURE: ProgrammingInterface = {
  state: 'non-secure',
  prefix: 'SMMU_',
  names: { eventqProd: 'EVENTQ_PROD', gerror: 'GERROR' },
  smmuen: ref('CR0ACK', 'SMMUEN'),
  gbpaAbort: ref('GBPA', 'ABORT'),
  recinvsid: ref('CR2', 'RECINVSID'),
  e2h: ref('CR2', 'E2H'),
  strtabBase: R.STRTAB_BASE,
  strtabBaseCfg: R.STRTAB_BASE_CFG,
  eventqen: ref('CR0ACK', 'EVENTQEN'),
  eventqBase: R.EVENTQ_BASE,
  eventqProd: R.EVENTQ_PROD,
  eventqRd: ref('EVENTQ_CONS', 'RD'),
  eventqOvflg: ref('EVENTQ_PROD', 'OVFLG'),
  eventqOvackflg: ref('EVENTQ_CONS', 'OVACKFLG'),
  eventqIrqen: ref('IRQ_CTRLACK', 'EVENTQ_IRQEN'),
  eventqIrqCfg0: R.EVENTQ_IRQ_CFG0,
  eventqIrqCfg1: R.EVENTQ_IRQ_CFG1,
  gerror: R.GERROR,
  gerrorn: R.GERRORN,
  gerrorIrqen: ref('IRQ_CTRLACK', 'GERROR_IRQEN'),
  gerrorIrqCfg0: R.GERROR_IRQ_CFG0,
  gerrorIrqCfg1: R.GERROR_IRQ_CFG1,
};

/** §6.3.52–§6.3.82: the same roles on the Secure page (S_CR0ACK, S_GBPA, S_STRTAB_*, S_EVENTQ_*, S_GERROR). */
export const SECURE: ProgrammingInterface = {
  state: 'secure',
  prefix: 'SMMU_S_',
  names: { eventqProd: 'S_EVENTQ_PROD', gerror: 'S_GERROR' },
  smmuen: ref('S_CR0ACK', 'SMMUEN'),
  gbpaAbort: ref('S_GBPA', 'ABORT'),
  recinvsid: ref('S_CR2', 'RECINVSID'),
  e2h: ref('S_CR2', 'E2H'),
  strtabBase: getRegister('S_STRTAB_BASE'),
  strtabBaseCfg: getRegister('S_STRTAB_BASE_CFG'),
  eventqen: ref('S_CR0ACK', 'EVENTQEN'),
  eventqBase: getRegister('S_EVENTQ_BASE'),
  eventqProd: getRegister('S_EVENTQ_PROD'),
  eventqRd: ref('S_EVENTQ_CONS', 'RD'),
  eventqOvflg: ref('S_EVENTQ_PROD', 'OVFLG'),
  eventqOvackflg: ref('S_EVENTQ_CONS', 'OVACKFLG'),
  eventqIrqen: ref('S_IRQ_CTRLACK', 'EVENTQ_IRQEN'),
  eventqIrqCfg0: getRegister('S_EVENTQ_IRQ_CFG0'),
  eventqIrqCfg1: getRegister('S_EVENTQ_IRQ_CFG1'),
  gerror: getRegister('S_GERROR'),
  gerrorn: getRegister('S_GERRORN'),
  gerrorIrqen: ref('S_IRQ_CTRLACK', 'GERROR_IRQEN'),
  gerrorIrqCfg0: getRegister('S_GERROR_IRQ_CFG0'),
  gerrorIrqCfg1: getRegister('S_GERROR_IRQ_CFG1'),
};

/** The interface that controls a transaction of SEC_SID `secure` (§3.10.1). */
export function interfaceOf(t: { readonly secure?: boolean }): ProgrammingInterface {
  return t.secure ? SECURE : NON_SECURE;
}

export function interfaceOfState(state: SecurityState): ProgrammingInterface {
  return state === 'secure' ? SECURE : NON_SECURE;
}

/** §3.10.2: the Secure state exists (SMMU_S_IDR1.SECURE_IMPL). */
export const secureImpl = (ids: IdView): boolean => ids.idField('S_IDR1', 'SECURE_IMPL') === 1;
/** §3.10.2.2: Secure stage 2 and Secure EL2 (SMMU_S_IDR1.SEL2). */
export const sel2 = (ids: IdView): boolean => ids.idField('S_IDR1', 'SEL2') === 1;
/** §6.3.53: the Secure StreamID size (SMMU_S_IDR1.S_SIDSIZE). */
export const sSidSize = (ids: IdView): number => ids.idField('S_IDR1', 'S_SIDSIZE') ?? 0;
/** §6.3.52: the Secure interface's stall model (SMMU_S_IDR0.STALL_MODEL). */
export const sStallModel = (ids: IdView): number => ids.idField('S_IDR0', 'STALL_MODEL') ?? 0;
/** §6.3.52: the Secure interface's MSIs (SMMU_S_IDR0.MSI). */
export const sMsi = (ids: IdView): boolean => ids.idField('S_IDR0', 'MSI') === 1;

/** The stall model of a state's interface (§3.12.2, §6.3.52). */
export function stallModelOf(state: SecurityState, ids: IdView): number | undefined {
  return state === 'secure' ? sStallModel(ids) : caps.stallModel(ids);
}

/** MSIs of a state's interface (IDR0.MSI, S_IDR0.MSI). */
export function msiOf(state: SecurityState, ids: IdView): boolean {
  return state === 'secure' ? sMsi(ids) : caps.msi(ids);
}
