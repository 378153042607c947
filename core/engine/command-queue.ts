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
import { compileFastChecks, type FastTable } from './command-fast';
import { executeCommand } from './command-exec';
import { pending } from './queue-index';
import { F, R } from './registers';

const fastChecks = new WeakMap<Engine, FastTable>();

function fastFor(engine: Engine): FastTable {
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
  const bound = Math.min(limit, 1 << g.log2);
  const entryMask = (1 << g.log2) - 1;
  const wrapMask = (1 << (g.log2 + 1)) - 1;
  const end = prod & wrapMask;
  const plainMemory = mem.abortRanges.length === 0 && g.base + 16 * (entryMask + 1) <= mem.limit;
  let pageAddr = -1;
  let page: Uint32Array = new Uint32Array(0);
  while (n < bound && (cons & wrapMask) !== end) {
    const entry = cons & entryMask;
    const addr = g.base + entry * 16;
    if (!plainMemory && mem.isAbort(addr, 16)) {
      error = CERROR.ABT;
      engine.log({ kind: 'command-error', text: `CMDQ[${entry}] fetch from ${hex(BigInt(addr), 64)} took an external abort: CERROR_ABT`, section: '7.1', address: BigInt(addr), severity: 'error', code: 'cmdq.cerror-abt' });
      break;
    }
    // The queue's current 4 KB page is looked up once per page, not per command.
    if (pageAddr !== addr - (addr % 4096)) {
      pageAddr = addr - (addr % 4096);
      page = mem.pageWords(pageAddr);
    }
    const i = (addr % 4096) >>> 2;
    w[0] = page[i] as number;
    w[1] = page[i + 1] as number;
    w[2] = page[i + 2] as number;
    w[3] = page[i + 3] as number;
    const opcode = (w[0] as number) & 0xff;
    if (!checks.accepts(w)) {
      // Slow path: the table-driven codec decides, and explains.
      const d = decodeCommand(w, engine.ids);
      const ill = d.problems.filter((p) => p.ill);
      if (ill.length) {
        error = CERROR.ILL;
        const first = ill[0];
        engine.log({ kind: 'command-error', text: `CMDQ[${entry}] ${formatCommand(d)}: ${ill.map((p) => p.message).join('; ')} → CERROR_ILL (§${first?.section ?? '7.1'})`, section: first?.section ?? '7.1', address: BigInt(addr), words: [...w], severity: 'error', code: 'cmdq.cerror-ill' });
        break;
      }
      for (const p of d.problems) {
        engine.log({ kind: 'note', text: `CMDQ[${entry}] ${formatCommand(d)}: ${p.message}`, section: p.section, severity: p.severity === 'error' ? 'warning' : p.severity, code: `cmd.${p.code}` });
      }
    }
    const def = commandByOpcode(opcode);
    const r = def ? executeCommand(engine, def, w, entry, addr) : CERROR.ILL;
    if (r !== CERROR.NONE) {
      error = r;
      break;
    }
    cons = (cons + 1) & wrapMask;
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
