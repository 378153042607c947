/**
 * Command queue consumption (§3.5, §4, §7.1). While CR0ACK.CMDQEN is 1 and GERROR.CMDQ_ERR is not
 * active, the SMMU reads the entry at CONS, validates it against the command table, executes it
 * and advances CONS, until CONS reaches PROD. An illegal command or a fetch abort stops the queue
 * with CONS at the command, CMDQ_CONS.ERR set and GERROR.CMDQ_ERR activated; acknowledging it in
 * GERRORN restarts consumption at the same index (the command is re-fetched).
 */
import { CERROR, decodeCommand, formatCommand } from '../commands/codec';
import { commandByOpcode } from '../commands/table';
import { hex } from '../registers/codec';
import type { Engine } from './engine';
import { compileFastChecks, type FastCheck } from './command-fast';
import { executeCommand } from './command-exec';
import { isEmpty, next, pending, slotAddress } from './queue-index';
import { F, R } from './registers';

const fastChecks = new WeakMap<Engine, FastCheck[]>();

function fastFor(engine: Engine): FastCheck[] {
  let f = fastChecks.get(engine);
  if (!f) fastChecks.set(engine, (f = compileFastChecks(engine.ids)));
  return f;
}

/** Number of commands between CONS and PROD. */
export function cmdqPending(engine: Engine): number {
  const g = engine.geometry('CMDQ');
  return pending(engine.fieldNum(F.CMDQ_WR), engine.fieldNum(F.CMDQ_RD), g.log2);
}

/**
 * Consume up to `limit` commands. Returns how many were consumed (an erroring command is not
 * counted: it stays at CONS).
 */
export function consumeCommands(engine: Engine, limit = Infinity): number {
  if (!engine.cmdqRunnable()) return 0;
  const g = engine.geometry('CMDQ');
  const prod = engine.fieldNum(F.CMDQ_WR);
  const consReg = engine.smmu.value(R.CMDQ_CONS);
  let cons = Number(consReg & 0xf_ffffn);
  const checks = fastFor(engine);
  const w = new Uint32Array(4);
  const mem = engine.memory;
  let n = 0;
  let error = 0;
  // A queue holds at most 2^log2 commands between CONS and PROD; the bound also stops a
  // hostile PROD value from looping (§3.5: PROD and CONS at most one queue size apart).
  const bound = Math.min(limit, 2 ** g.log2);
  while (n < bound && !isEmpty(prod, cons, g.log2)) {
    const addr = slotAddress(g, cons);
    if (mem.isAbort(addr, 16)) {
      error = CERROR.ABT;
      engine.log({ kind: 'command-error', text: `CMDQ[${cons % 2 ** g.log2}] fetch from ${hex(BigInt(addr), 64)} took an external abort: CERROR_ABT`, section: '7.1', address: BigInt(addr), severity: 'error', code: 'cmdq.cerror-abt' });
      break;
    }
    mem.readWords(addr, w, 4);
    const fast = checks[(w[0] as number) & 0xff];
    if (!fast || !fast(w)) {
      // Slow path: the table-driven codec decides, and explains.
      const d = decodeCommand(w, engine.ids);
      const ill = d.problems.filter((p) => p.ill);
      if (ill.length) {
        error = CERROR.ILL;
        const first = ill[0];
        engine.log({ kind: 'command-error', text: `CMDQ[${cons % 2 ** g.log2}] ${formatCommand(d)}: ${ill.map((p) => p.message).join('; ')} → CERROR_ILL (§${first?.section ?? '7.1'})`, section: first?.section ?? '7.1', address: BigInt(addr), words: [...w], severity: 'error', code: 'cmdq.cerror-ill' });
        break;
      }
      for (const p of d.problems) {
        engine.log({ kind: 'note', text: `CMDQ[${cons % 2 ** g.log2}] ${formatCommand(d)}: ${p.message}`, section: p.section, severity: p.severity === 'error' ? 'warning' : p.severity, code: `cmd.${p.code}` });
      }
    }
    const def = commandByOpcode((w[0] as number) & 0xff);
    const r = def ? executeCommand(engine, def, w, cons % 2 ** g.log2, addr) : CERROR.ILL;
    if (r !== CERROR.NONE) {
      error = r;
      break;
    }
    cons = next(cons, g.log2);
    n++;
  }
  let consValue = (consReg & ~0xf_ffffn) | BigInt(cons);
  if (error !== 0) consValue = (consValue & ~(0x7fn << 24n)) | (BigInt(error) << 24n);
  // CONS.ERR is visible before GERROR.CMDQ_ERR (§7.1).
  engine.smmu.setOwned('CMDQ_CONS', consValue);
  if (error !== 0) {
    const name = error === CERROR.ILL ? 'CERROR_ILL' : error === CERROR.ABT ? 'CERROR_ABT' : 'CERROR_ATC_INV_SYNC';
    engine.raiseGlobalError(0, 'CMDQ_ERR', `command processing stopped at CMDQ_CONS = ${hex(BigInt(cons))} with ${name}; fix the command and acknowledge in GERRORN to restart`, '7.1');
  }
  return n;
}
