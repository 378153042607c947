/**
 * The two programming interfaces a stream can belong to (§3.10.1 SEC_SID): a Non-secure stream is
 * configured through the SMMU_x registers, a Secure stream (SEC_SID = 1) through the SMMU_S_x
 * ones. §3.10.2.1: the two interfaces "operate independently as though two logical and separate
 * SMMUs are present": each has its own SMMUEN and GBPA, Stream table, Event queue, GERROR and
 * interrupts. These tables name, per Security state, the registers and fields a transaction and
 * the event queue use, so that one code path serves both.
 */
import type { RegisterDef, RegisterName } from '../registers/types';
import { ref, type FieldRef } from './registers';
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
  readonly eventqWr: FieldRef;
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

/**
 * The registers of one interface: every Secure register a stream or the Event queue uses is its
 * Non-secure counterpart's name with `S_` in front (§6.3.52–§6.3.82), with the same fields at the
 * same positions, so one list serves both.
 */
function programmingInterface(state: SecurityState): ProgrammingInterface {
  const p = state === 'secure' ? 'S_' : '';
  // The names below are all in the register table with and without `S_` (names.ts).
  const reg = (name: string) => getRegister(`${p}${name}` as RegisterName);
  const field = (name: string, f: string) => ref(`${p}${name}` as RegisterName, f);
  return {
    state,
    prefix: state === 'secure' ? 'SMMU_S_' : 'SMMU_',
    names:
      state === 'secure'
        ? { eventqProd: 'S_EVENTQ_PROD', gerror: 'S_GERROR' }
        : { eventqProd: 'EVENTQ_PROD', gerror: 'GERROR' },
    smmuen: field('CR0ACK', 'SMMUEN'),
    gbpaAbort: field('GBPA', 'ABORT'),
    recinvsid: field('CR2', 'RECINVSID'),
    e2h: field('CR2', 'E2H'),
    strtabBase: reg('STRTAB_BASE'),
    strtabBaseCfg: reg('STRTAB_BASE_CFG'),
    eventqen: field('CR0ACK', 'EVENTQEN'),
    eventqBase: reg('EVENTQ_BASE'),
    eventqProd: reg('EVENTQ_PROD'),
    eventqWr: field('EVENTQ_PROD', 'WR'),
    eventqRd: field('EVENTQ_CONS', 'RD'),
    eventqOvflg: field('EVENTQ_PROD', 'OVFLG'),
    eventqOvackflg: field('EVENTQ_CONS', 'OVACKFLG'),
    eventqIrqen: field('IRQ_CTRLACK', 'EVENTQ_IRQEN'),
    eventqIrqCfg0: reg('EVENTQ_IRQ_CFG0'),
    eventqIrqCfg1: reg('EVENTQ_IRQ_CFG1'),
    gerror: reg('GERROR'),
    gerrorn: reg('GERRORN'),
    gerrorIrqen: field('IRQ_CTRLACK', 'GERROR_IRQEN'),
    gerrorIrqCfg0: reg('GERROR_IRQ_CFG0'),
    gerrorIrqCfg1: reg('GERROR_IRQ_CFG1'),
  };
}

export const NON_SECURE = programmingInterface('non-secure');
/** §6.3.52–§6.3.82: the same roles on the Secure page (S_CR0ACK, S_GBPA, S_STRTAB_*, S_EVENTQ_*, S_GERROR). */
export const SECURE = programmingInterface('secure');

/** The interface that controls a transaction of SEC_SID `secure` (§3.10.1). */
export function interfaceOf(t: { readonly secure?: boolean }): ProgrammingInterface {
  return t.secure ? SECURE : NON_SECURE;
}

export function interfaceOfState(state: SecurityState): ProgrammingInterface {
  return state === 'secure' ? SECURE : NON_SECURE;
}

/** The stall model of a state's interface (§3.12.2, §6.3.52). */
export function stallModelOf(state: SecurityState, ids: IdView): number | undefined {
  return state === 'secure' ? (caps.secureStallModel(ids) ?? 0) : caps.stallModel(ids);
}

/** MSIs of a state's interface (IDR0.MSI, S_IDR0.MSI). */
export function msiOf(state: SecurityState, ids: IdView): boolean {
  return state === 'secure' ? caps.secureMsi(ids) : caps.msi(ids);
}
