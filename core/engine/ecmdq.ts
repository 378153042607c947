/**
 * Enhanced Command queues (§3.5.6): the SMMU consumes an ECMDQ while it is enabled
 * (SMMU_ECMDQ_PROD<n>.EN == SMMU_ECMDQ_CONS<n>.ENACK == 1, §3.5.6.2) and no error is active
 * (PROD.ERRACK == CONS.ERR, §3.5.6.3), with the same consumer as the main queue
 * (command-queue.ts). An error stops the ECMDQ with CONS.RD on the failed command, toggles
 * CONS.ERR with the reason in CONS.ERR_REASON, and activates SMMU_GERROR.CMDQP_ERR when it is
 * not already active; the main queue and GERROR.CMDQ_ERR are not affected. Software acknowledges
 * by toggling PROD.ERRACK to match CONS.ERR, and consumption restarts at CONS.RD.
 *
 * The architecture names no command that only the SMMU_CMDQ_* interface may take (§3.5.6.1:
 * consumption of commands other than CMD_SYNC follows the same rules; §4 restricts none to it),
 * so every command legal on the main queue is legal on an ECMDQ.
 */
import { hex } from '../registers/codec';
import { ECMDQ_BASE, ECMDQ_CONS, ECMDQ_PROD } from '../registers/ecmdq';
import { ECMDQ_FIELDS } from '../model/ecmdq';
import { queueLayout } from '../structures/bases';
import { cerrorName, consumeFrom } from './command-queue';
import type { EngineContext } from './context';
import type { QueueGeometry } from './queue-index';

/** GERROR.CMDQP_ERR (§6.3.19 bit 9, §7.5). */
const CMDQP_ERR_BIT = 9;
const RD_MASK = 0xf_ffffn;
const ERR = 1n << BigInt(ECMDQ_FIELDS.CONS_ERR.lsb);
const ERR_REASON_SHIFT = 24n;

/** True when ECMDQ `n` is enabled and has no active error (§3.5.6.2, §3.5.6.3). */
export function ecmdqRunnable(engine: EngineContext, n: number): boolean {
  const file = engine.smmu.ecmdq;
  return n < file.count && file.enabled(n) && !file.errorActive(n);
}

/**
 * ECMDQ `n`'s queue from its SMMU_ECMDQ_BASE: the fields mean what SMMU_CMDQ_BASE's do
 * (§6.3.107), LOG2SIZE capped at SMMU_IDR1.CMDQS; above the OAS the address is truncated (§3.4.3).
 */
export function ecmdqGeometry(engine: EngineContext, n: number): QueueGeometry {
  const layout = queueLayout(engine.smmu.ecmdq.get(ECMDQ_BASE, n), 'CMDQ', engine.ids);
  return { base: layout.base % 2 ** engine.oas, log2: layout.log2, entryBytes: 16 };
}

/** Consume up to `limit` commands of ECMDQ `n`; returns how many were consumed. */
export function consumeEcmdq(engine: EngineContext, n: number, limit = Infinity): number {
  if (!ecmdqRunnable(engine, n)) return 0;
  const file = engine.smmu.ecmdq;
  const consReg = file.get(ECMDQ_CONS, n);
  const label = `ECMDQ${n}`;
  const {
    cons,
    n: consumed,
    error,
  } = consumeFrom(
    engine,
    {
      label,
      code: 'ecmdq',
      geometry: ecmdqGeometry(engine, n),
      prod: Number(file.get(ECMDQ_PROD, n) & RD_MASK),
      cons: Number(consReg & RD_MASK),
    },
    limit,
  );
  let value = (consReg & ~RD_MASK) | BigInt(cons);
  if (error !== 0) value = ((value ^ ERR) & ~(7n << ERR_REASON_SHIFT)) | (BigInt(error) << ERR_REASON_SHIFT);
  // §3.5.6.3: RD, RD_WRAP and ERR_REASON are visible when ERR is, and ERR before GERROR.CMDQP_ERR.
  file.set(ECMDQ_CONS, n, value);
  if (error !== 0) {
    const why = `${label} stopped at SMMU_ECMDQ_CONS${n}.RD = ${hex(BigInt(cons))} with ${cerrorName(error)} (CONS.ERR toggled, ERR_REASON = ${error}); fix the command and toggle SMMU_ECMDQ_PROD${n}.ERRACK to match CONS.ERR to restart`;
    if (engine.gerrorActive(CMDQP_ERR_BIT))
      engine.log({ kind: 'command-error', text: why, section: '3.5.6.3', severity: 'error', code: 'ecmdq.error' });
    else engine.raiseGlobalError(CMDQP_ERR_BIT, 'CMDQP_ERR', why, '3.5.6.3');
  }
  return consumed;
}
