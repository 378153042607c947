/**
 * What the step debugger executes: a `.smmu` script statement by statement, or the pending entries
 * of a `.smmuq` command queue, on an engine whose command queue is consumed one command at a time
 * (`autoConsume` off, core/engine/engine.ts). A doorbell (a CMDQ_PROD write, or a CR0/GERRORN write
 * that makes the queue runnable, §3.5, §7.1) leaves the commands between CONS and PROD pending;
 * the debugger then steps into them, one command per step, or consumes them all when stepping over.
 */
import { decodeCommand, formatCommand } from '../commands/codec';
import type { ResolvedConfig } from '../config/types';
import type { Activity } from '../engine/activity';
import { cmdqPending } from '../engine/command-queue';
import { Engine } from '../engine/engine';
import { next as nextIndex, slotAddress } from '../engine/queue-index';
import { F } from '../engine/registers';
import type { AccessSize } from '../model/access';
import type { QueueFileCheck } from '../queue-file/check';
import { getRegister } from '../registers/table';
import { run } from '../script/interpreter';
import type { ScriptState } from '../script/actions';
import type { ScriptDiagnostic } from '../base/diagnostics';
import type { ResolvedStatement } from '../script/resolve';
import { cloneState, restoreEngine, snapshotEngine, type EngineSnapshot } from '../engine/snapshot';
import { counted } from '../text/plural';

/** One step the debugger takes; replayed verbatim on step back. */
export type Op =
  | { readonly k: 'stmt'; readonly into?: boolean }
  /** One step through the structure and table fetches of the DMA stepped into. */
  | { readonly k: 'walk' }
  | { readonly k: 'cmd' }
  | { readonly k: 'eval'; readonly statements: readonly ResolvedStatement[] }
  /** A register write as a guest makes it, of any size: the model reports the illegal ones (§6.2). */
  | { readonly k: 'reg'; readonly offset: number; readonly size: AccessSize; readonly value: bigint }
  /** Guest memory bytes written from the memory view; `secure`: in the Secure PA space (§3.10). */
  | { readonly k: 'mem'; readonly address: bigint; readonly bytes: readonly number[]; readonly secure?: boolean };

export const STMT: Op = { k: 'stmt' };
export const STMT_INTO: Op = { k: 'stmt', into: true };
export const CMD: Op = { k: 'cmd' };
export const WALK: Op = { k: 'walk' };

/** What one operation did. */
export interface OpResult {
  readonly diagnostics: readonly ScriptDiagnostic[];
  readonly failedExpectations: number;
  /** Activity the SMMU logged during the operation (with recording off: problems, events, global errors). */
  readonly activity: readonly Activity[];
  /** For `cmd`: the command consumed, as the frame showed it. */
  readonly command?: string;
  /** For `stmt` and `cmd`: the 0-based line of the statement, record or command executed. */
  readonly line?: number;
  /** For `eval`: what the statements read or did, one line each. */
  readonly lines?: readonly string[];
}

/** The mutable part: the engine, the script's own bookkeeping, the next statement. */
export interface MachineState {
  scriptState: ScriptState;
  /** Index of the next top-level statement. */
  pc: number;
  /** Line of the statement that left commands pending (the command frames' caller). */
  doorbellLine: number;
  /**
   * The line of the `cmd` statement that wrote each command queue slot (by queue index, without
   * the wrap bit), so a command frame points at the line that enqueued it rather than at the
   * doorbell; a slot's entry goes when the SMMU consumes it (the slot is free for the next lap).
   */
  commandLines: Map<number, number>;
  /**
   * A DMA stepped into: what the SMMU fetched for it (STE, CD, each table descriptor level), in
   * order, and how many of them the debugger has shown; for a transfer of several transactions
   * (core/engine/dma.ts), each transaction, then what it fetched. The DMA itself ran atomically
   * (the model's state is the state after it); the steps replay its fetches.
   */
  walk?: { readonly line: number; readonly steps: readonly WalkStep[]; index: number };
}

/** One step inside a DMA stepped into. */
export interface WalkStep {
  readonly kind: 'fetch' | 'transaction';
  /** The engine's text: the fetch, or the transaction and its outcome. */
  readonly text: string;
  /** The step's frame: `DMA fetch 2/7: STE 8`, `DMA transaction 2/3: IOVA 0x10001000 → 0x80001000`. */
  readonly frame: string;
  /** A fetch of a transfer of several transactions: its transaction's frame, under the fetch's. */
  readonly parent?: string;
  /** What the step shows in the Variables view: `DMA fetch 2/7`, `DMA transaction 2/3`. */
  readonly scope: string;
}

/** The engine (its activity log by reference, core/engine/snapshot.ts) and the machine's own state. */
export interface Snapshot extends EngineSnapshot {
  readonly state: MachineState;
}

const S1_READ = /^stage-1 descriptor (.*) read from /;

/**
 * Name the level of each stage-1 descriptor a DMA read: the walk reads one descriptor per level,
 * so counting back from the level the outcome names (the leaf's, "stage 1 walk, level 3 4 KB
 * leaf", or the faulting one's, "at stage 1, level 1") gives each read's level (Arm ARM D8.2).
 * Walks with stage 2 interleave IPA walks, so their fetches keep the engine's wording.
 */
function withLevels(fetches: readonly string[], summary: string): string[] {
  const m = /(?:stage 1 walk, level|at stage 1, level) (\d)/.exec(summary);
  if (!m || fetches.some((f) => f.startsWith('stage-2'))) return [...fetches];
  const last = Number(m[1]);
  let left = fetches.filter((f) => S1_READ.test(f)).length;
  return fetches.map((f) =>
    S1_READ.test(f) ? f.replace(/^stage-1 descriptor/, `stage-1 level ${last - --left} descriptor`) : f,
  );
}

/**
 * A DMA fetch in a few words for its frame (`STE 8`, `stage-1 level 2 descriptor`, `stage-1
 * level 0 descriptor (walk cache)`): the Call Stack cuts long names, and the "DMA fetch" scope
 * gives the whole text with its addresses (core/engine/transaction.ts writes these texts).
 */
function shortFetch(text: string): string {
  const m =
    /^fetched (.+?) from /.exec(text) ??
    /^(.+? descriptor) (?:0x[0-9A-F]+ read from|0x[0-9A-F]+ from the walk cache|updated to) /i.exec(text) ??
    /^(.+?) fetch from .* external abort/.exec(text);
  const how = /external abort/.test(text)
    ? ' (abort)'
    : /updated to/.test(text)
      ? ' (update)'
      : /from the walk cache/.test(text)
        ? ' (walk cache)'
        : '';
  return m ? `${m[1]}${how}` : text;
}

/** A transaction of a transfer in a few words (`IOVA 0x10001000 → 0x80001000`, `… → abort, F_TRANSLATION`), from core/engine/dma.ts's text. */
function shortTransaction(text: string): string {
  const m =
    /^transaction \d+ of \d+, IOVA 0x0*([0-9A-F]+?) \(\d+ bytes?\): ([\w-]+)(?: → 0x0*([0-9A-F]+))?(?:: ([A-Z]_\w+))?/.exec(
      text,
    );
  if (!m) return text;
  return `IOVA 0x${m[1]} → ${m[3] !== undefined ? `0x${m[3]}` : `${m[2]}${m[4] ? `, ${m[4]}` : ''}`}`;
}

/**
 * The steps of a DMA stepped into, from the activity it logged: its fetches; for a transfer of
 * several transactions, each transaction (logged after what it fetched) followed by its fetches.
 */
function walkSteps(activity: readonly Activity[], summary: string): WalkStep[] {
  const fetchSteps = (fetches: readonly string[], outcome: string, parent?: string): WalkStep[] =>
    withLevels(fetches, outcome).map((text, i) => ({
      kind: 'fetch' as const,
      text,
      frame: `DMA fetch ${i + 1}/${fetches.length}: ${shortFetch(text)}`,
      scope: `DMA fetch ${i + 1}/${fetches.length}`,
      ...(parent ? { parent } : {}),
    }));
  const transactions = activity.filter((a) => a.kind === 'transaction');
  if (!transactions.length)
    return fetchSteps(
      activity.filter((a) => a.kind === 'fetch').map((a) => a.text),
      summary,
    );
  const steps: WalkStep[] = [];
  let fetches: string[] = [];
  let k = 0;
  for (const a of activity) {
    if (a.kind === 'fetch') fetches.push(a.text);
    if (a.kind !== 'transaction') continue;
    k++;
    const frame = `DMA transaction ${k}/${transactions.length}: ${shortTransaction(a.text)}`;
    steps.push(
      { kind: 'transaction', text: a.text, frame, scope: `DMA transaction ${k}/${transactions.length}` },
      ...fetchSteps(fetches, a.text, frame),
    );
    fetches = [];
  }
  return steps;
}

export class Machine {
  readonly engine: Engine;
  state: MachineState = { scriptState: { eventCursor: 0 }, pc: 0, doorbellLine: 0, commandLines: new Map() };
  /** For a queue descriptor: the lines of the entries between CONS and PROD when it was loaded. */
  pendingLines?: ReadonlySet<number>;

  constructor(
    config: ResolvedConfig,
    readonly statements: readonly ResolvedStatement[],
    /** For a queue descriptor: the line of each queue index's entry. */
    readonly entryLines?: ReadonlyMap<number, number>,
  ) {
    this.engine = new Engine(config, { autoConsume: false });
    // The debugger shows state, not the full trace: keep the activity scripts act on (§ activity.ts).
    this.engine.recording = false;
    this.engine.smmu.recording = false;
  }

  /** Set up the engine from a command queue descriptor: the queue in memory, BASE, PROD, CONS, CMDQEN. */
  static fromQueue(q: QueueFileCheck, base: bigint): Machine {
    const lines = new Map<number, number>();
    for (const e of q.entries) lines.set(e.index, e.line);
    const m = new Machine(q.config, [], lines);
    m.pendingLines = new Set(q.entries.filter((x) => x.pending).map((x) => x.line));
    const e = m.engine;
    const log2 = q.log2size ?? 0;
    for (const x of q.entries) e.memory.writeWords(Number(base) + x.index * 16, x.words);
    const smmu = e.smmu;
    // CMDQ_BASE: ADDR [55:5], LOG2SIZE [4:0] (§6.3.26), written while CMDQEN is 0 (it is Guarded).
    smmu.write(getRegister('CMDQ_BASE').offset, 8, base | BigInt(log2));
    smmu.write(getRegister('CMDQ_CONS').offset, 4, BigInt(q.cons ?? 0));
    smmu.write(getRegister('CMDQ_PROD').offset, 4, BigInt(q.prod ?? 0));
    smmu.write(getRegister('CR0').offset, 4, 1n << BigInt(F.CMDQEN.field.lsb));
    m.state.doorbellLine = q.entries[0]?.line ?? 0;
    return m;
  }

  /** Remember `line` as the writer of the queue slots from index `from` up to (not including) `to` (§3.5 indexes: wrap bit above the index). */
  private noteEnqueued(from: number, to: number, line: number): void {
    const log2 = this.engine.geometry('CMDQ').log2;
    const size = 1 << log2;
    for (let i = from, n = 0; i !== to && n < size; i = nextIndex(i, log2), n++)
      this.state.commandLines.set(i & (size - 1), line);
  }

  /** Commands between CONS and PROD that the SMMU would consume now (§3.5). */
  hasWork(): boolean {
    return this.engine.cmdqRunnable() && cmdqPending(this.engine) > 0;
  }

  get ended(): boolean {
    return !this.state.walk && !this.hasWork() && this.state.pc >= this.statementCount;
  }

  /** How many top-level steps the program has (statements; a trace's records, trace-program.ts). */
  get statementCount(): number {
    return this.statements.length;
  }

  /** 0-based line of top-level step `i`, undefined past the end. */
  statementLine(i: number): number | undefined {
    return this.statements[i]?.range.start.line;
  }

  /** The first top-level step on or after 0-based `line` (where a breakpoint there moves to). */
  statementAtOrAfter(line: number): number | undefined {
    const i = this.statements.findIndex((s) => s.range.start.line >= line);
    return i < 0 ? undefined : i;
  }

  /** What the next step executes when nothing is asked in particular (continue, step over). */
  nextOp(): Op {
    return this.state.walk ? WALK : this.hasWork() ? CMD : STMT;
  }

  /** The command at CMDQ_CONS: index and one-line decoding (the command frame's name). */
  nextCommand(): { index: number; text: string; line: number } {
    const e = this.engine;
    const g = e.geometry('CMDQ');
    const rd = e.fieldNum(F.CMDQ_RD);
    const index = rd & ((1 << g.log2) - 1);
    const w = new Uint32Array(4);
    e.memory.readWords(slotAddress(g, rd), w, 4);
    const d = decodeCommand(w, e.ids);
    const text = `CMDQ[${index}] ${formatCommand(d).replace(/^CMD_/, '')}`;
    return {
      index,
      text,
      line: this.entryLines?.get(index) ?? this.state.commandLines.get(index) ?? this.state.doorbellLine,
    };
  }

  /** The line the debugger shows: the next statement, the command being consumed, or past the end. */
  where(): number {
    if (this.state.walk) return this.state.walk.line * 2 + 1;
    if (this.hasWork()) return this.nextCommand().line * 2 + 1;
    return (this.statementLine(this.state.pc) ?? this.endLine()) * 2;
  }

  /** Why nothing more runs in a queue descriptor: the queue is empty, or stopped by an error (§7.1). */
  queueState(): string {
    const waiting = cmdqPending(this.engine);
    if (waiting === 0) return 'the queue is empty (CONS == PROD)';
    return `the queue is stopped with ${counted(waiting, 'command')} pending: ${this.engine.gerrorActive(0) ? 'GERROR.CMDQ_ERR is active; acknowledge it in GERRORN to restart (§7.1)' : 'CR0ACK.CMDQEN is 0'}`;
  }

  endLine(): number {
    const last = this.statements[this.statements.length - 1];
    return last ? last.range.end.line + 1 : 0;
  }

  exec(op: Op): OpResult {
    const e = this.engine;
    const before = e.activity.length;
    const act = () => e.activity.slice(before);
    switch (op.k) {
      case 'stmt': {
        const s = this.statements[this.state.pc];
        if (!s) return { diagnostics: [], failedExpectations: 0, activity: [] };
        this.state.pc++;
        // Stepping into a DMA: record what the SMMU fetches for it (core/engine/transaction.ts).
        const dma = op.into === true && s.kind === 'action' && s.verb === 'dma';
        if (dma) e.recording = true;
        const ss = this.state.scriptState;
        const prodBefore = ss.cmdqProd ?? Number(e.smmu.peek('CMDQ_PROD') & 0xf_ffffn);
        let r;
        try {
          r = run([s], e, ss);
        } finally {
          e.recording = false;
        }
        if (ss.cmdqProd !== undefined && ss.cmdqProd !== prodBefore)
          this.noteEnqueued(prodBefore, ss.cmdqProd, s.range.start.line);
        const activity = act();
        if (dma) {
          const steps = walkSteps(activity, r.observations[0]?.summary ?? '');
          if (steps.length) this.state.walk = { line: s.range.start.line, steps, index: 0 };
        }
        if (this.hasWork()) this.state.doorbellLine = s.range.start.line;
        return {
          diagnostics: r.diagnostics,
          failedExpectations: r.failedExpectations,
          activity,
          line: s.range.start.line,
        };
      }
      case 'walk': {
        const w = this.state.walk;
        if (w) {
          w.index++;
          if (w.index >= w.steps.length) this.state.walk = undefined;
        }
        return { diagnostics: [], failedExpectations: 0, activity: [] };
      }
      case 'cmd': {
        const c = this.nextCommand();
        e.step(1);
        this.state.commandLines.delete(c.index);
        return { diagnostics: [], failedExpectations: 0, activity: act(), command: c.text, line: c.line };
      }
      case 'eval': {
        const r = run(op.statements, e, this.state.scriptState);
        // Commands a console statement made pending are consumed at once in a script (the console
        // is not a frame); in a queue descriptor they are the entries one steps through.
        if (!this.entryLines) while (this.hasWork() && e.step(1) === 1);
        const lines = r.observations.map((o) =>
          o.kind === 'read'
            ? `${o.register ?? 'read'} = 0x${o.value.toString(16).toUpperCase()}`
            : (o.summary ?? `${o.register ?? ''} ← 0x${o.value.toString(16).toUpperCase()}`),
        );
        return { diagnostics: r.diagnostics, failedExpectations: r.failedExpectations, activity: act(), lines };
      }
      case 'reg': {
        const r = e.smmu.write(op.offset, op.size, op.value);
        const diagnostics = r.findings.map((f) => ({
          severity: f.severity,
          code: f.code,
          message: `${f.message} (§${f.section})`,
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        }));
        if (!this.entryLines) while (this.hasWork() && e.step(1) === 1);
        return { diagnostics, failedExpectations: 0, activity: act() };
      }
      case 'mem': {
        const m = op.secure ? e.memory.secureSpace() : e.memory;
        op.bytes.forEach((b, i) => m.writeByte(op.address + BigInt(i), b));
        return { diagnostics: [], failedExpectations: 0, activity: [] };
      }
    }
  }

  snapshot(previous?: Snapshot): Snapshot {
    return { ...snapshotEngine(this.engine, previous), state: cloneState(this.state) };
  }

  restore(s: Snapshot): void {
    restoreEngine(s, this.engine);
    this.state = cloneState(s.state);
  }
}
