/**
 * Command queue consumption (§3.5, §4, §7.1). While CR0ACK.CMDQEN is 1 and GERROR.CMDQ_ERR is not
 * active, the SMMU reads the entry at CONS, validates it against the command table, executes it
 * and advances CONS, until CONS reaches PROD. An illegal command or a fetch abort stops the queue
 * with CONS at the command, CMDQ_CONS.ERR set and GERROR.CMDQ_ERR activated; acknowledging it in
 * GERRORN restarts consumption at the same index (the command is re-fetched).
 */
import { CERROR, decodeCommand, formatCommand } from '../commands/codec';
import { commandByOpcode, COMMANDS, findCommand } from '../commands/table';
import type { SecurityState } from '../model/access';
import { hex } from '../registers/codec';
import type { EngineContext } from './context';
import { fastChecksFor, type FastTable } from './command-fast';
import { executeCommand, isModelled } from './command-exec';
import { pending, type QueueGeometry } from './queue-index';
import { F, R } from './registers';

/**
 * Commands that, when validated, have nothing to do in some states: TLB invalidations with an
 * empty TLB, configuration invalidations with empty caches, and a CMD_SYNC that signals nothing
 * (CS = SIG_NONE) with no failed ATC invalidation pending. Per opcode: 1 TLBI, 2 CFGI, 3 SYNC.
 */
const TLBI = 1;
const CFGI = 2;
const NO_EFFECT_KIND = new Uint8Array(256);
for (const c of COMMANDS)
  NO_EFFECT_KIND[c.opcode] = c.group === 'tlbi' ? TLBI : c.group === 'cfgi' ? CFGI : c.group === 'sync' ? 3 : 0;
// A command the model does not carry out always reaches executeCommand, which says so.
for (const c of COMMANDS) if (!isModelled(c)) NO_EFFECT_KIND[c.opcode] = 0;
/** CMD_SYNC.CS's bits in the first word, from the table. */
const syncCsMask = ((): number => {
  const cs = findCommand('CMD_SYNC')?.fields.find((f) => f.name === 'CS');
  return cs ? ((2 ** (cs.msb - cs.lsb + 1) - 1) * 2 ** cs.lsb) >>> 0 : 0xffffffff;
})();

function fastFor(engine: EngineContext): FastTable {
  return fastChecksFor(engine.ids);
}

/** Number of commands between CONS and PROD. */
export function cmdqPending(engine: EngineContext): number {
  const g = engine.geometry('CMDQ');
  return pending(engine.fieldNum(F.CMDQ_WR), engine.fieldNum(F.CMDQ_RD), g.log2);
}

/** A command queue as the consumer sees it: the main one (SMMU_CMDQ_*) or an ECMDQ (§3.5.6). */
export interface CommandSource {
  /** How the log names the queue's entries: `CMDQ`, `ECMDQ3`. */
  readonly label: string;
  /** Prefix of the log codes: `cmdq`, `ecmdq`. */
  readonly code: string;
  readonly geometry: QueueGeometry;
  /** PROD.WR and CONS.RD (index and wrap flag). */
  readonly prod: number;
  readonly cons: number;
  /**
   * The queue's Security state (§3.10.2): the Secure Command queue validates commands as the
   * Secure queue does (SSec, the Secure-only commands, §4.1.6) and executes them for the Secure
   * programming interface. Default: Non-secure.
   */
  readonly security?: SecurityState;
}

/** Where consumption stopped: the new CONS.RD, the commands consumed, and the CERROR (0: none). */
export interface Consumed {
  readonly cons: number;
  readonly n: number;
  readonly error: number;
}

/**
 * Consume up to `limit` commands. Returns how many were consumed (an erroring command is not
 * counted: it stays at CONS).
 */
export function consumeCommands(engine: EngineContext, limit = Infinity): number {
  if (!engine.cmdqRunnable()) return 0;
  const consReg = engine.smmu.value(R.CMDQ_CONS);
  const geometry = engine.geometry('CMDQ');
  const prod = engine.fieldNum(F.CMDQ_WR);
  const consIndex = Number(consReg & 0xf_ffffn);
  // CONS at PROD (index and wrap flag, as consumeFrom compares them): nothing to consume, and CONS
  // stays as it is. Every CR0 write with the queue enabled comes here (engine.ts afterWrite), and
  // consumeFrom's set-up for no command was most of such a write's cost in a cold check.
  const wrapMask = (1 << (geometry.log2 + 1)) - 1;
  if ((prod & wrapMask) === (consIndex & wrapMask)) return 0;
  const { cons, n, error } = consumeFrom(
    engine,
    { label: 'CMDQ', code: 'cmdq', geometry, prod, cons: consIndex },
    limit,
  );
  let consValue = (consReg & ~0xf_ffffn) | BigInt(cons);
  if (error !== 0) consValue = (consValue & ~(0x7fn << 24n)) | (BigInt(error) << 24n);
  // CONS.ERR is visible before GERROR.CMDQ_ERR (§7.1).
  engine.smmu.setOwned('CMDQ_CONS', consValue);
  if (error !== 0) {
    engine.raiseGlobalError(
      0,
      'CMDQ_ERR',
      `command processing stopped at CMDQ_CONS = ${hex(BigInt(cons))} with ${cerrorName(error)}; fix the command and acknowledge in GERRORN to restart`,
      '7.1',
    );
  }
  return n;
}

export function cerrorName(error: number): string {
  return error === CERROR.ILL ? 'CERROR_ILL' : error === CERROR.ABT ? 'CERROR_ABT' : 'CERROR_ATC_INV_SYNC';
}

/**
 * The consumer of one command queue (§3.5, §4, §7.1), shared by the main queue, the ECMDQs
 * (§3.5.6.1: "the rules for consumption of commands other than CMD_SYNC are the same") and the
 * Secure Command queue (§3.10.2: the two interfaces work as two logical SMMUs): reads
 * the entries from CONS towards PROD, validates and executes them, and stops at the first error
 * with CONS on the failed command. The caller stores CONS and reports the error its way.
 */
export function consumeFrom(engine: EngineContext, q: CommandSource, limit: number): Consumed {
  const g = q.geometry;
  const prod = q.prod;
  let cons = q.cons;
  const checks = fastFor(engine);
  // The fast checks are compiled for the Non-secure queue: the Secure queue's commands all take
  // the table-driven codec, told which queue they are on.
  const secure = q.security === 'secure';
  const w = new Uint32Array(4);
  // §3.10.2: the Secure Command queue is always read from the Secure PA space.
  const mem = secure ? engine.memory.secureSpace() : engine.memory;
  let n = 0;
  let error = 0;
  // A queue holds at most 2^log2 commands between CONS and PROD; the bound also stops a
  // hostile PROD value from looping (§3.5: PROD and CONS at most one queue size apart).
  const bound = Math.min(limit, 1 << g.log2);
  const entryMask = (1 << g.log2) - 1;
  const wrapMask = (1 << (g.log2 + 1)) - 1;
  const end = prod & wrapMask;
  const plainMemory = mem.abortRanges.length === 0 && g.base + 16 * (entryMask + 1) <= mem.limit;
  const quiet = !engine.recording;
  const basePage = g.base - (g.base % 4096);
  const baseWord = (g.base % 4096) >>> 2;
  let pageNumber = -1;
  let page: Uint32Array = new Uint32Array(0);
  while (n < bound && (cons & wrapMask) !== end) {
    const entry = cons & entryMask;
    const addr = g.base + entry * 16;
    if (!plainMemory && mem.isAbort(addr, 16)) {
      error = CERROR.ABT;
      engine.log({
        kind: 'command-error',
        text: `${q.label}[${entry}] fetch from ${hex(BigInt(addr), 64)} took an external abort: CERROR_ABT`,
        section: '7.1',
        address: BigInt(addr),
        severity: 'error',
        code: `${q.code}.cerror-abt`,
      });
      break;
    }
    // The queue's current 4 KB page is looked up once per page, not per command. The base is
    // aligned to the queue size (§6.3.26), so a queue smaller than a page lies inside one page,
    // and integer arithmetic on the entry number finds the word (addresses above 2^30 are not
    // small integers, and their modulo is slow).
    const pg = entry >>> 8;
    if (pg !== pageNumber) {
      pageNumber = pg;
      page = mem.pageWords(basePage + pg * 4096);
    }
    const i = baseWord + ((entry & 255) << 2);
    const opcode = (page[i] as number) & 0xff;
    const fast = !secure && checks.acceptsAt(page, i);
    // Without recording, commands that have nothing to act on finish here (see executeCommand).
    const kind = NO_EFFECT_KIND[opcode] as number;
    if (
      fast &&
      quiet &&
      kind !== 0 &&
      (kind === TLBI
        ? engine.tlb.empty
        : kind === CFGI
          ? engine.configCache.size === 0
          : ((page[i] as number) & syncCsMask) === 0 && !engine.atcInvFailed)
    ) {
      cons = (cons + 1) & wrapMask;
      n++;
      continue;
    }
    w[0] = page[i] as number;
    w[1] = page[i + 1] as number;
    w[2] = page[i + 2] as number;
    w[3] = page[i + 3] as number;
    if (!fast) {
      // Slow path: the table-driven codec decides, and explains.
      const d = decodeCommand(w, engine.ids, secure ? { queue: 'secure' } : {});
      const ill = d.problems.filter((p) => p.ill);
      if (ill.length) {
        error = CERROR.ILL;
        const first = ill[0];
        // The section goes in `section` only: whoever shows the text appends it (Activity.section).
        engine.log({
          kind: 'command-error',
          text: `${q.label}[${entry}] ${formatCommand(d)}: ${ill.map((p) => p.message).join('; ')} → CERROR_ILL`,
          section: first?.section ?? '7.1',
          address: BigInt(addr),
          words: [...w],
          severity: 'error',
          code: `${q.code}.cerror-ill`,
        });
        break;
      }
      for (const p of d.problems) {
        engine.log({
          kind: 'note',
          text: `${q.label}[${entry}] ${formatCommand(d)}: ${p.message}`,
          section: p.section,
          severity: p.severity === 'error' ? 'warning' : p.severity,
          code: `cmd.${p.code}`,
        });
      }
    }
    const def = commandByOpcode(opcode);
    const r = def ? executeCommand(engine, def, w, entry, addr, q.label, q.security) : CERROR.ILL;
    if (r !== CERROR.NONE) {
      error = r;
      break;
    }
    cons = (cons + 1) & wrapMask;
    n++;
  }
  return { cons, n, error };
}
