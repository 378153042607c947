/**
 * The Secure Command queue (§3.10.2, §6.3.74–§6.3.76): SMMU_S_CMDQ_BASE, PROD and CONS, consumed
 * while SMMU_S_CR0ACK.CMDQEN is 1 and SMMU_S_GERROR.CMDQ_ERR is not active (§4.1.2), by the same
 * consumer as the Non-secure queue (command-queue.ts) told that it reads the Secure queue: there
 * SSec may be 1 and the Secure-only commands are legal (§4.1.6, §4.4), and commands act for the
 * Secure programming interface (command-exec.ts). An error stops the queue with
 * SMMU_S_CMDQ_CONS.RD on the failed command and its reason in S_CMDQ_CONS.ERR, then activates
 * SMMU_S_GERROR.CMDQ_ERR (§7.1, §6.3.67); acknowledging it in SMMU_S_GERRORN restarts consumption
 * at the same command. The Non-secure queue and SMMU_GERROR are not affected (§3.10.2: the two
 * interfaces operate independently).
 */
import { presetRelativeOffset } from '../config/smmu-base';
import { hex } from '../registers/codec';
import { queueLayout } from '../structures/bases';
import { cerrorName, consumeFrom } from './command-queue';
import type { EngineContext } from './context';
import type { QueueGeometry } from './queue-index';
import { F, R } from './registers';

/** S_CMDQ_CONS.RD (index and wrap flag) and ERR [30:24] (§6.3.76). */
const RD_MASK = 0xf_ffffn;
const ERR_MASK = 0x7fn << 24n;

/** True when the Secure Command queue is enabled and has no active error (§4.1.2). */
export function secureCmdqRunnable(engine: EngineContext): boolean {
  return engine.fieldNum(F.S_CMDQEN) === 1 && !engine.gerrorActive(0, 'secure');
}

/**
 * The Secure Command queue from SMMU_S_CMDQ_BASE: the fields mean what SMMU_CMDQ_BASE's do, LOG2SIZE
 * capped at SMMU_IDR1.CMDQS (§6.3.74); above the OAS the address is truncated (§3.4.3).
 */
export function secureCmdqGeometry(engine: EngineContext): QueueGeometry {
  const layout = queueLayout(engine.smmu.value(R.S_CMDQ_BASE), 'S_CMDQ', engine.ids);
  // §6.3.2 REL: a preset queue base holds an offset from the SMMU's Page 0.
  const base = layout.base + presetRelativeOffset(engine.smmu.config, engine.ids, R.S_CMDQ_BASE);
  return { base: base % 2 ** engine.oas, log2: layout.log2, entryBytes: 16 };
}

/** Consume up to `limit` commands of the Secure Command queue; returns how many were consumed. */
export function consumeSecureCommands(engine: EngineContext, limit = Infinity): number {
  if (!secureCmdqRunnable(engine)) return 0;
  const consReg = engine.smmu.value(R.S_CMDQ_CONS);
  const { cons, n, error } = consumeFrom(
    engine,
    {
      label: 'S_CMDQ',
      code: 's_cmdq',
      geometry: secureCmdqGeometry(engine),
      prod: engine.fieldNum(F.S_CMDQ_WR),
      cons: Number(consReg & RD_MASK),
      security: 'secure',
    },
    limit,
  );
  let value = (consReg & ~RD_MASK) | BigInt(cons);
  if (error !== 0) value = (value & ~ERR_MASK) | (BigInt(error) << 24n);
  // S_CMDQ_CONS.ERR is visible before S_GERROR.CMDQ_ERR (§7.1).
  engine.smmu.setOwned('S_CMDQ_CONS', value);
  if (error !== 0)
    engine.raiseGlobalError(
      0,
      'CMDQ_ERR',
      `Secure command processing stopped at SMMU_S_CMDQ_CONS = ${hex(BigInt(cons))} with ${cerrorName(error)}; fix the command and acknowledge in SMMU_S_GERRORN to restart`,
      '7.1',
      'secure',
    );
  return n;
}
