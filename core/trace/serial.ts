/**
 * Multi-vCPU traces: which reads some serial order of the vCPUs' accesses explains.
 *
 * A trace line is logged around the access, not at the instant it takes effect, so an access by
 * vCPU A may take effect anywhere between A's previous and next trace lines; accesses of other
 * vCPUs in that window may be ordered either way. A read that differs from the trace order is
 * explained when the register held the value at some point in the window. Otherwise:
 *  - a 64-bit read whose halves come from two different values: it is IMPLEMENTATION DEFINED
 *    whether a 64-bit access is single-copy atomic (§6.2), so this is a warning;
 *  - a 32-bit word with bits from two writers' values: aligned 32-bit accesses are single-copy
 *    atomic (§6.2), "you will see value A or value B but not a mix" (the seed's reviewer);
 *  - anything else: no serial order of the writes explains it.
 *
 * The replay streams (core/trace/stream.ts), so what is kept is bounded: each register's recent
 * changes (its timeline), each vCPU's recent access lines, and the reads still to judge. A read
 * is judged when its window closes: at the end of the trace, or `window` lines after it. When the
 * judgement needed something no longer kept (or not yet seen), an `mvcpu.window` note says so at
 * the read.
 */
import { hex } from '../registers/codec';
import type { RegisterDef, RegisterName } from '../registers/types';
import type { AccessRecord, TraceDiagnostic } from './types';

const M32 = 0xffff_ffffn;

/**
 * In `lines[start, end)`, ascending, the first position whose line is not before `line` (`after`:
 * whose line is after it): a binary search of the column. (Kept this small: the judge's code
 * inlines it in several places, and V8's time compiling that code was a large part of the judge's
 * CPU time on a 1 M-record trace; a galloping search from the last answer compiled to more.)
 */
function search(lines: Float64Array, start: number, end: number, line: number, after: boolean): number {
  let lo = start;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const x = lines[mid] as number;
    if (x < line || (after && x === line)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The 32-bit word at byte `byte` of a 64-bit value (its low and high words): an access to part of a register. */
function partWord(lo: number, hi: number, byte: number): number {
  return Number((((BigInt(hi) << 32n) | BigInt(lo)) >> BigInt(byte * 8)) & M32);
}

export interface TimelineEntry {
  /** Trace line of the change (-1: reset). */
  readonly line: number;
  /** Whole register value after it. */
  readonly value: bigint;
  readonly vcpu?: number;
}

/**
 * The changes of one register, oldest first: the most recent `keep` or more of them (`base` is the
 * index of the first kept among all the changes), with what the replay asks of the whole history.
 * Kept as columns of numbers (line, the value's two 32-bit words, vCPU), not an object and a
 * BigInt per change: a replay pushes a change for most writes, and the objects were a large part
 * of its garbage (docs/performance.md). `at` makes an entry when one is asked for.
 */
export class RegisterTimeline {
  // Kept changes are at [head, head + count) of each column; typed arrays, moved to the front
  // (or grown) when full, so dropping the oldest costs nothing per change.
  private lines = new Float64Array(8);
  private los = new Uint32Array(8);
  private his = new Uint32Array(8);
  /** vCPU of each change, -1: none (a vCPU is any decimal number a line gives). */
  private cpus = new Float64Array(8);
  private head = 0;
  private count = 0;
  /** Index of the first kept change among every change since reset. */
  base = 0;
  /**
   * Every bit any value had, low and high words: in a typed array, not two number fields (a word
   * from 2^30 up is no small integer, and a field that changes representation deprecates the
   * object's map, deoptimizing the code that reads timelines).
   */
  private readonly everWords = new Uint32Array(2);
  /** A change without a vCPU was pushed (a record without one): the window search cannot stop early. */
  anonymous = false;

  constructor(reset: bigint) {
    this.push({ line: -1, value: reset });
  }

  /** Every bit any of its values had: "has CR0ACK.EVENTQEN ever been 1?" */
  get ever(): bigint {
    return (BigInt(this.everWords[1] as number) << 32n) | BigInt(this.everWords[0] as number);
  }

  /** Changes since reset, the reset value included (1: never changed). */
  get length(): number {
    return this.base + this.count;
  }

  /** The value before the last change. */
  previous(): TimelineEntry | undefined {
    return this.at(this.length - 2);
  }

  push(e: TimelineEntry, keep = Infinity): void {
    this.pushWords(e.line, Number(e.value & M32), Number((e.value >> 32n) & M32), e.vcpu ?? -1, keep);
  }

  /** A change: the register's value after it as its low and high words, `vcpu` -1 for none. */
  pushWords(line: number, lo: number, hi: number, vcpu: number, keep = Infinity): void {
    if (this.head + this.count === this.lines.length) this.room();
    const k = this.head + this.count++;
    this.lines[k] = line;
    this.los[k] = lo;
    this.his[k] = hi;
    this.cpus[k] = vcpu;
    const ever = this.everWords;
    ever[0] = (ever[0] as number) | lo;
    ever[1] = (ever[1] as number) | hi;
    if (vcpu < 0 && line >= 0) this.anonymous = true;
    // The most recent `keep` + 2 kept once there are more than twice as many (as they were when
    // dropped in batches from an array: the window search's shortfalls depend on what is kept).
    // (`keep < count` first: with an unbounded keep, Infinity, no arithmetic on it, whose double
    // would make these fields doubles and deoptimize the code that reads them.)
    if (keep < this.count && this.count > 2 * keep + 2) {
      const drop = this.count - keep - 2;
      this.head += drop;
      this.count -= drop;
      this.base += drop;
    }
  }

  /** Full at the end: the kept changes moved to the front, into columns twice as long if they fill half. */
  private room(): void {
    const size = this.count * 2 > this.lines.length ? this.lines.length * 2 : this.lines.length;
    const from = this.head;
    const to = from + this.count;
    const move = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      if (size === a.length) {
        a.copyWithin(0, from, to);
        return a;
      }
      const b = make(size);
      b.set(a.subarray(from, to));
      return b;
    };
    this.lines = move(this.lines, (n) => new Float64Array(n));
    this.los = move(this.los, (n) => new Uint32Array(n));
    this.his = move(this.his, (n) => new Uint32Array(n));
    this.cpus = move(this.cpus, (n) => new Float64Array(n));
    this.head = 0;
  }

  /** Index (among all the changes) of the first kept change whose line is after `line` (`search`). */
  upperBound(line: number): number {
    return search(this.lines, this.head, this.head + this.count, line, true) - this.head + this.base;
  }

  /** The line of the change at index `i` among all of them; undefined when no longer kept. */
  lineAt(i: number): number | undefined {
    const k = i - this.base;
    return k >= 0 && k < this.count && Number.isInteger(k) ? this.lines[this.head + k] : undefined;
  }

  /** Where the change at index `i` is in the columns; -1 when no longer kept (the window search reads them without an entry). */
  slot(i: number): number {
    const k = i - this.base;
    return k >= 0 && k < this.count && Number.isInteger(k) ? this.head + k : -1;
  }

  /** The line, value words and vCPU (-1: none) of the change at column slot `j` (`slot`). */
  lineIn(j: number): number {
    return this.lines[j] as number;
  }

  loIn(j: number): number {
    return this.los[j] as number;
  }

  hiIn(j: number): number {
    return this.his[j] as number;
  }

  cpuIn(j: number): number {
    return this.cpus[j] as number;
  }

  /** The change at index `i` among all of them (a new object each time); undefined when no longer kept. */
  at(i: number): TimelineEntry | undefined {
    const k = i - this.base;
    if (k < 0 || k >= this.count || !Number.isInteger(k)) return undefined;
    const j = this.head + k;
    const line = this.lines[j] as number;
    const lo = this.los[j] as number;
    const hi = this.his[j] as number;
    const vcpu = this.cpus[j] as number;
    const value = hi ? (BigInt(hi) << 32n) | BigInt(lo) : BigInt(lo);
    return vcpu < 0 ? { line, value } : { line, value, vcpu };
  }
}

export type Timeline = Map<RegisterName, RegisterTimeline>;

export interface PendingRead {
  readonly rec: AccessRecord;
  readonly reg: RegisterDef;
  readonly byte: number;
  readonly emu: bigint;
  /** The replay's diagnostic, held in the report's order until judged; its message is not made (NOT_SHOWN) until asked for. */
  readonly diag: TraceDiagnostic;
  /** The diagnostic's message, made when the judgement keeps it or reads it (an unserializable read's). */
  readonly message: () => string;
}

/**
 * A judgement past its code's cap (the judge's `maxMessages`): no one shows its message, so the
 * replay is told its code and severity, and no diagnostic or message is made for it (one constant
 * per code, not an object per read).
 */
export interface Unshown {
  readonly code: string;
  readonly severity: TraceDiagnostic['severity'];
  readonly section: string;
}

const REORDERED: Unshown = { code: 'mvcpu.reordered', severity: 'info', section: '6.2' };

function who(e: TimelineEntry): string {
  return e.line < 0 ? 'the reset value' : `line ${e.line + 1}${e.vcpu !== undefined ? ` (vCPU ${e.vcpu})` : ''}`;
}

/** How far the window search looks past the read's own window, in timeline entries, each way. */
export const SCAN_LIMIT = 512;

/**
 * Each vCPU's access lines, ascending, the most recent ones kept: the windows in which its
 * accesses may take effect.
 */
export class VcpuLines {
  /** The kept lines, at [head, head + count) (a typed array, moved to the front or grown when full). */
  private lines = new Float64Array(16);
  private head = 0;
  count = 0;
  /** Lines of this vCPU dropped from the front. */
  dropped = 0;

  /** The `i`-th kept line, oldest first. */
  get(i: number): number | undefined {
    return i >= 0 && i < this.count ? this.lines[this.head + i] : undefined;
  }

  /** Index of the first kept line not before `line` (`count` if none; `search`). */
  lowerBound(line: number): number {
    return search(this.lines, this.head, this.head + this.count, line, false) - this.head;
  }

  /** An access at `line`; once more than 2 × keep + 2 are kept, the oldest dropped down to keep + 2. */
  push(line: number, keep: number): void {
    if (this.head + this.count === this.lines.length) {
      const from = this.lines.subarray(this.head, this.head + this.count);
      if (this.count * 2 > this.lines.length) {
        const grown = new Float64Array(this.lines.length * 2);
        grown.set(from);
        this.lines = grown;
      } else this.lines.copyWithin(0, this.head, this.head + this.count);
      this.head = 0;
    }
    this.lines[this.head + this.count++] = line;
    // (`keep < count` first: with an unbounded keep, Infinity, no arithmetic on it, whose double
    // would make these fields doubles and deoptimize the code that reads them.)
    if (keep < this.count && this.count > 2 * keep + 2) {
      const drop = this.count - keep - 2;
      this.head += drop;
      this.count -= drop;
      this.dropped += drop;
    }
  }
}

/** Where the judgement of one read ran short of what the window needed. */
interface Shortfall {
  short: boolean;
}

export interface SerialOptions {
  /** Lines after a read at which it is judged even before the trace ends (Infinity: at the end only). */
  readonly window: number;
  /** Timeline entries kept per register, and access lines per vCPU. */
  readonly keep: number;
  /**
   * Scan all SCAN_LIMIT entries each way even once every vCPU's window is closed (the search as
   * first written); the property tests compare the early stop with it.
   */
  readonly exhaustive?: boolean;
}

/** Whole-file replay: everything kept, every read judged at the end. */
export const UNBOUNDED: SerialOptions = { window: Infinity, keep: Infinity };

/**
 * The multi-vCPU judge: fed every access line with a vCPU (`access`), the reads that diverge
 * (`pending`), and asked to judge the reads whose window closed (`due`) or all of them (`end`).
 */
export class SerialJudge {
  private readonly byVcpu = new Map<number, VcpuLines>();
  private readonly queue: PendingRead[] = [];
  private head = 0;
  private ended = false;
  /** The last read judged as one vCPU's before its window closed (a vCPU appearing later is noted). */
  private judgedAlone?: number;
  /** Judgements made per code: they come in the report's order (reads are judged in line order). */
  private readonly judged = new Map<string, number>();
  /** The window `windowOf` found last (not a pair per call: the search asks for one per entry it visits). */
  // Not small integers from the start (lines come from typed arrays as doubles, and the end of a
  // vCPU's last window is Infinity): a field that changes representation deprecates the judge's
  // map, deoptimizing the code that uses it.
  private wFrom = -Infinity;
  private wTo = Infinity;
  /**
   * vCPUs whose accesses the window search has passed: those whose value here is `closedScan`,
   * the number of the scan (a Set cleared per scan cost more than the rest of the search).
   */
  private readonly closedIn = new Map<number, number>();
  private closedScan = 0;
  private closedCount = 0;

  /** A new scan's closed vCPUs: `vcpu`'s. */
  private openScan(vcpu: number): void {
    this.closedScan++;
    this.closedCount = 0;
    this.close(vcpu);
  }

  private isClosed(vcpu: number): boolean {
    return this.closedIn.get(vcpu) === this.closedScan;
  }

  private close(vcpu: number): void {
    if (this.closedIn.get(vcpu) === this.closedScan) return;
    this.closedIn.set(vcpu, this.closedScan);
    this.closedCount++;
  }

  constructor(
    private readonly timeline: Timeline,
    readonly options: SerialOptions,
    /** Replace a read's diagnostic (the replay keeps its place in the report). */
    private readonly replace: (old: TraceDiagnostic, d: TraceDiagnostic) => void,
    /** A note that the window was exceeded, at an access. */
    private readonly note: (at: AccessRecord, message: string) => void,
    /** Replace a read's diagnostic with a judgement no one shows (past its code's cap). */
    private readonly unshown: (old: TraceDiagnostic, u: Unshown) => void,
    /**
     * Only the first this many diagnostics of each code are shown (ReplaySetup.maxMessages): a
     * judgement past them is `unshown`. Judgements come in the report's order, so the count of
     * those made before one is the count of its code before it in the report.
     */
    private readonly maxMessages?: number,
  ) {}

  /** vCPUs seen so far. */
  get vcpuCount(): number {
    return this.byVcpu.size;
  }

  get vcpus(): number[] {
    return [...this.byVcpu.keys()];
  }

  /** An access with a vCPU (accesses come in line order). */
  access(rec: AccessRecord & { readonly vcpu: number }): void {
    if (!this.byVcpu.has(rec.vcpu)) {
      this.byVcpu.set(rec.vcpu, new VcpuLines());
      if (this.byVcpu.size === 2 && this.judgedAlone !== undefined)
        this.note(
          rec,
          `a second vCPU appears here: the reads up to line ${this.judgedAlone + 1} that differed were judged as one vCPU's, ${this.options.window} lines after each (the multi-vCPU window), and are not judged again`,
        );
    }
    this.accessOf(rec.vcpu, rec.line);
  }

  /** Whether `vcpu` was seen (an access by one not seen yet may need a note: `access`). */
  knows(vcpu: number): boolean {
    return this.byVcpu.has(vcpu);
  }

  /** An access by a vCPU already seen, at `line` (`access` without the record). */
  accessOf(vcpu: number, line: number): void {
    (this.byVcpu.get(vcpu) as VcpuLines).push(line, this.options.keep);
  }

  /** A read that differs from the trace order, to be judged when its window closes. */
  pending(p: PendingRead): void {
    this.queue.push(p);
  }

  /** The oldest read not judged yet (its line holds back the report's order). */
  oldest(): number | undefined {
    return this.queue[this.head]?.rec.line;
  }

  /** Judge the reads whose window closed before `line`. */
  due(line: number): void {
    const w = this.options.window;
    while (this.head < this.queue.length && line - (this.queue[this.head] as PendingRead).rec.line > w)
      this.judge(this.queue[this.head++] as PendingRead);
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The trace ended: judge every read left. */
  end(): void {
    this.ended = true;
    while (this.head < this.queue.length) this.judge(this.queue[this.head++] as PendingRead);
    this.queue.length = 0;
    this.head = 0;
  }

  /**
   * The lines between which an access by `vcpu` at `line` may take effect: its vCPU's previous and
   * next lines, in `wFrom` and `wTo`.
   */
  private windowOf(vcpu: number | undefined, line: number, s: Shortfall, own = false): void {
    const mine = vcpu === undefined ? undefined : this.byVcpu.get(vcpu);
    if (!mine) {
      this.wFrom = line - 1;
      this.wTo = line + 1;
      return;
    }
    const l = mine;
    const lo = l.lowerBound(line);
    if (l.get(lo) !== line) {
      s.short = true;
      this.wFrom = line - 1;
      this.wTo = line + 1;
      return;
    }
    if (lo === 0 && mine.dropped > 0) s.short = true;
    // Not seen yet: the window is open to the end (at the end of the trace, it is).
    // (Another vCPU's change: only its window's start counts, known when it was seen.)
    if (own && lo + 1 >= l.count && !this.ended) s.short = true;
    this.wFrom = lo > 0 ? (l.get(lo - 1) as number) : -1;
    this.wTo = lo + 1 < l.count ? (l.get(lo + 1) as number) : Infinity;
  }

  private judge(p: PendingRead): void {
    // A read of a trace with one vCPU so far is what the replay said.
    if (this.byVcpu.size <= 1) {
      if (!this.ended) this.judgedAlone = p.rec.line;
      this.keep(p);
      return;
    }
    const s: Shortfall = { short: false };
    if (p.rec.vcpu === undefined) this.keep(p);
    else if (this.reordered(p, s)) {
      if (this.past(REORDERED.code)) this.unshown(p.diag, REORDERED);
      else this.replace(p.diag, { ...this.reorderedDiagnostic(p), message: this.reorderedMessage(p) });
    } else {
      // Not one value in the window: the search again with the writers' values (rare, so with objects).
      s.short = false;
      const d = this.resolve(p, s) as TraceDiagnostic;
      if (this.past(d.code)) this.unshown(p.diag, { code: d.code, severity: d.severity, section: '6.2' });
      else this.replace(p.diag, d);
    }
    if (s.short)
      this.note(
        p.rec,
        `the multi-vCPU window of this read was exceeded: judged ${this.ended ? 'at the end of the trace' : `${this.options.window} lines after the read`} on the last ${this.options.keep} changes of SMMU_${p.reg.name} and of each vCPU's accesses`,
      );
  }

  /** The replay's diagnostic stands: with its message. */
  private keep(p: PendingRead): void {
    this.replace(p.diag, { ...p.diag, message: p.message() });
  }

  /** A judgement of `code`: whether it is past the cap (counted either way). */
  private past(code: string): boolean {
    const n = this.judged.get(code) ?? 0;
    this.judged.set(code, n + 1);
    return this.maxMessages !== undefined && n >= this.maxMessages;
  }

  /** Where the last `reordered` search found the value: its change's column slot (-1: one no longer kept, read as the reset value). */
  private hitSlot = -1;

  private reorderedDiagnostic(p: PendingRead): Omit<TraceDiagnostic, 'message'> {
    return { range: p.diag.range, line: p.diag.line, section: '6.2', severity: 'info', code: REORDERED.code };
  }

  private reorderedMessage(p: PendingRead): string {
    const j = this.hitSlot;
    const tl = this.timeline.get(p.reg.name);
    const line = j < 0 || !tl ? -1 : tl.lineIn(j);
    const cpu = j < 0 || !tl ? -1 : tl.cpuIn(j);
    const who = line < 0 ? 'the reset value' : `line ${line + 1}${cpu >= 0 ? ` (vCPU ${cpu})` : ''}`;
    return `SMMU_${p.reg.name} returned ${hex(p.emu, p.rec.size === 8 ? 64 : 32)}, the value written at ${who}: explained by a serial order in which that write is the last to take effect before this read (between vCPUs, the trace's order is not the order in which accesses took effect)`;
  }

  /**
   * `resolve`'s window search and its first test, without an object per entry (the timeline's
   * columns read where they are): whether a value in the read's window explains it (then
   * `hitSlot` says whose, the first in `resolve`'s order), with the same shortfalls.
   * Most diverging reads of a multi-vCPU trace are such reorderings (docs/performance.md).
   */
  private reordered(p: PendingRead, s: Shortfall): boolean {
    const { rec, reg, byte, emu } = p;
    const vcpu = rec.vcpu as number;
    this.windowOf(vcpu, rec.line, s, true);
    const from = this.wFrom;
    const to = this.wTo;
    const tl = this.timeline.get(reg.name) ?? new RegisterTimeline(0n);
    const e = this.emu;
    e[0] = Number(emu & M32);
    e[1] = Number((emu >> 32n) & M32);
    this.part = rec.size === 8 ? 8 : byte;
    this.found = false;
    const first = this.upperBound(tl, from, s);
    if (first > 0) {
      const j = tl.slot(first - 1);
      if (j < 0) s.short = true;
      this.hit(tl, j);
    }
    const last = Math.min(
      this.upperBound(tl, to === Infinity ? Number.MAX_SAFE_INTEGER : to - 1, s),
      first + SCAN_LIMIT,
    );
    for (let i = first; i < last; i++) this.hit(tl, tl.slot(i));
    const early = !this.options.exhaustive && !tl.anonymous;
    this.scanBack(tl, vcpu, first, from, early, s);
    this.scanForward(tl, vcpu, last, to, early, s);
    return this.found;
  }

  /** The read's value, as words (`reordered`), and the bytes it covers: 8 for all of a 64-bit read, else the byte it starts at. */
  private readonly emu = new Float64Array(2);
  private part = 0;
  /** Whether `hit` found the value, and where (hitSlot). */
  private found = false;

  /** Index of the first change after `line` (resolve's upperBound). */
  private upperBound(tl: RegisterTimeline, line: number, s: Shortfall): number {
    const lo = tl.upperBound(line);
    if (lo === tl.base && tl.base > 0) s.short = true;
    return lo;
  }

  /** The change at column slot `j` (-1: not kept, read as 0) holds the read's value in the bytes it covers (resolve's `part`): the first such is the hit. */
  private hit(tl: RegisterTimeline, j: number): void {
    if (this.found) return;
    const e = this.emu;
    const part = this.part;
    let is: boolean;
    if (j < 0) is = e[0] === 0 && e[1] === 0;
    else if (part === 8) is = tl.loIn(j) === e[0] && tl.hiIn(j) === e[1];
    else if (e[1] !== 0) is = false;
    else if (part === 0) is = tl.loIn(j) === e[0];
    else if (part === 4) is = tl.hiIn(j) === e[0];
    else is = partWord(tl.loIn(j), tl.hiIn(j), part) === e[0];
    if (!is) return;
    this.found = true;
    this.hitSlot = j;
  }

  /** resolve's backward scan: changes before the window by other vCPUs whose own windows reach into it. */
  private scanBack(
    tl: RegisterTimeline,
    vcpu: number,
    first: number,
    from: number,
    early: boolean,
    s: Shortfall,
  ): void {
    const vcpuCount = this.byVcpu.size;
    this.openScan(vcpu);
    for (let i = first - 2, n = 0; i >= 0 && n < SCAN_LIMIT && this.closedCount <= vcpuCount; i--, n++) {
      const j = tl.slot(i);
      if (j < 0) {
        s.short = true;
        continue;
      }
      const line = tl.lineIn(j);
      const cpu = tl.cpuIn(j);
      if (line < 0 || this.isClosed(cpu)) continue;
      this.windowOf(cpu < 0 ? undefined : cpu, line, s);
      if (this.wTo > from) this.hit(tl, j);
      else {
        this.close(cpu);
        if (early && this.closedCount === vcpuCount) {
          // The entries the scan would still have visited: down to `lowest`.
          const lowest = Math.max(0, first - 2 - (SCAN_LIMIT - 1));
          if (i - 1 >= lowest && lowest < tl.base) s.short = true;
          return;
        }
      }
    }
  }

  /** resolve's forward scan: changes after the window by other vCPUs whose own windows reach back into it. */
  private scanForward(
    tl: RegisterTimeline,
    vcpu: number,
    last: number,
    to: number,
    early: boolean,
    s: Shortfall,
  ): void {
    const vcpuCount = this.byVcpu.size;
    this.openScan(vcpu);
    let n = 0;
    let i = last;
    for (; i < tl.length && n < SCAN_LIMIT && this.closedCount <= vcpuCount; i++, n++) {
      // Changes from `last` on are kept (upperBound starts at the first kept).
      const j = tl.slot(i);
      const cpu = tl.cpuIn(j);
      if (this.isClosed(cpu)) continue;
      this.windowOf(cpu < 0 ? undefined : cpu, tl.lineIn(j), s);
      if (this.wFrom < to) this.hit(tl, j);
      else {
        this.close(cpu);
        if (early && this.closedCount === vcpuCount) {
          // Where the scan would have stopped: the end of the timeline or SCAN_LIMIT entries.
          const rest = Math.min(tl.length - (i + 1), SCAN_LIMIT - (n + 1));
          i += 1 + rest;
          n += 1 + rest;
          break;
        }
      }
    }
    // Stopped for want of later changes, before the trace ended: more may come.
    if (i >= tl.length && n < SCAN_LIMIT && this.closedCount <= vcpuCount && !this.ended) s.short = true;
  }

  private resolve(p: PendingRead, s: Shortfall): TraceDiagnostic | undefined {
    const { rec, reg, byte, emu } = p;
    if (rec.vcpu === undefined) return undefined;
    const vcpuCount = this.byVcpu.size;
    this.windowOf(rec.vcpu, rec.line, s, true);
    const from = this.wFrom;
    const to = this.wTo;
    const tl = this.timeline.get(reg.name) ?? new RegisterTimeline(0n);
    // One object per change for the whole judgement (the search compares entries by identity).
    const made = new Map<number, TimelineEntry>();
    const entry = (i: number): TimelineEntry => {
      let e = made.get(i);
      if (e) return e;
      e = tl.at(i);
      if (e) {
        made.set(i, e);
        return e;
      }
      s.short = true;
      return { line: -1, value: 0n };
    };
    // An entry's line, as `entry(i).line` (without making the entry).
    const lineAt = (i: number): number => {
      const l = tl.lineAt(i);
      if (l !== undefined) return l;
      s.short = true;
      return -1;
    };
    // Index of the first entry whose line is greater than `line` (entries are in line order).
    const upperBound = (line: number): number => {
      let lo = tl.base;
      let hi = tl.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (lineAt(mid) <= line) lo = mid + 1;
        else hi = mid;
      }
      if (lo === tl.base && tl.base > 0) s.short = true;
      return lo;
    };
    // The value at the start of the window, every change inside it, and changes by other vCPUs
    // outside it whose own windows overlap it (a write may take effect anywhere in its window).
    const first = upperBound(from);
    const atStart = first > 0 ? entry(first - 1) : undefined;
    const window: TimelineEntry[] = atStart ? [atStart] : [];
    const last = Math.min(upperBound(to === Infinity ? Number.MAX_SAFE_INTEGER : to - 1), first + SCAN_LIMIT);
    for (let i = first; i < last; i++) window.push(entry(i));
    // Once every vCPU is closed, and no change lacks a vCPU, the rest of a scan skips every entry:
    // it stops there, with what the rest would have done (a dropped entry is a shortfall; the
    // forward scan's end position is read below).
    const early = !this.options.exhaustive && !tl.anonymous;
    let closed = new Set<number | undefined>([rec.vcpu]);
    for (let i = first - 2, n = 0; i >= 0 && n < SCAN_LIMIT && closed.size <= vcpuCount; i--, n++) {
      const e = entry(i);
      if (e.line < 0 || closed.has(e.vcpu)) continue;
      this.windowOf(e.vcpu, e.line, s);
      if (this.wTo > from) window.push(e);
      else {
        closed.add(e.vcpu);
        if (early && closed.size === vcpuCount) {
          // The entries the scan would still have visited: down to `lowest`.
          const lowest = Math.max(0, first - 2 - (SCAN_LIMIT - 1));
          if (i - 1 >= lowest && lowest < tl.base) s.short = true;
          break;
        }
      }
    }
    closed = new Set<number | undefined>([rec.vcpu]);
    let n = 0;
    let i = last;
    for (; i < tl.length && n < SCAN_LIMIT && closed.size <= vcpuCount; i++, n++) {
      const e = entry(i);
      if (closed.has(e.vcpu)) continue;
      this.windowOf(e.vcpu, e.line, s);
      if (this.wFrom < to) window.push(e);
      else {
        closed.add(e.vcpu);
        if (early && closed.size === vcpuCount) {
          // Where the scan would have stopped: the end of the timeline or SCAN_LIMIT entries.
          const rest = Math.min(tl.length - (i + 1), SCAN_LIMIT - (n + 1));
          i += 1 + rest;
          n += 1 + rest;
          break;
        }
      }
    }
    // Stopped for want of later changes, before the trace ended: more may come.
    if (i >= tl.length && n < SCAN_LIMIT && closed.size <= vcpuCount && !this.ended) s.short = true;
    const part = (v: bigint) => (rec.size === 8 ? v : (v >> BigInt(byte * 8)) & M32);
    const base = { range: p.diag.range, line: p.diag.line, section: '6.2' };
    const name = `SMMU_${reg.name}`;
    const span = `lines ${from + 2}–${to === Infinity ? 'end' : to}`;
    const hit = window.find((e) => part(e.value) === emu);
    if (hit)
      return {
        ...base,
        severity: 'info',
        code: 'mvcpu.reordered',
        message: `${name} returned ${hex(emu, rec.size === 8 ? 64 : 32)}, the value written at ${who(hit)}: explained by a serial order in which that write is the last to take effect before this read (between vCPUs, the trace's order is not the order in which accesses took effect)`,
      };
    // Writers' values: the window and every vCPU's last value before the window closes.
    const cands = [...window];
    const lastBy = new Map<number | undefined, TimelineEntry>();
    for (let i = last - 1, n = 0; i >= 0 && n < SCAN_LIMIT && lastBy.size <= vcpuCount; i--, n++) {
      const e = entry(i);
      if (!lastBy.has(e.vcpu)) lastBy.set(e.vcpu, e);
    }
    for (const e of lastBy.values()) if (!cands.includes(e)) cands.push(e);
    const words = rec.size === 8 ? [0, 1] : [0];
    const wordOf = (v: bigint, w: number) => (part(v) >> BigInt(w * 32)) & M32;
    const emuWord = (w: number) => (emu >> BigInt(w * 32)) & M32;
    if (rec.size === 8) {
      const lo = cands.find((e) => wordOf(e.value, 0) === emuWord(0));
      const hi = cands.find((e) => wordOf(e.value, 1) === emuWord(1));
      if (lo && hi && lo !== hi)
        return {
          ...base,
          severity: 'warning',
          code: 'mvcpu.torn',
          message: `torn 64-bit read: ${name} returned ${hex(emu, 64)}, its low half from ${who(lo)} and its high half from ${who(hi)}; it is IMPLEMENTATION DEFINED whether a 64-bit access to a 64-bit register is single-copy atomic (the emulation observes it as two 32-bit halves; each half must still be one writer's)`,
        };
    }
    let mixed: string | undefined;
    for (const w of words) {
      const x = emuWord(w);
      if (cands.some((e) => wordOf(e.value, w) === x)) continue;
      for (const a of cands) {
        for (const b of cands) {
          if (a === b || wordOf(a.value, w) === wordOf(b.value, w)) continue;
          if (((x ^ wordOf(a.value, w)) & (x ^ wordOf(b.value, w))) === 0n) {
            mixed ??= `${name}${rec.size === 8 ? (w ? ' bits [63:32]' : ' bits [31:0]') : ''} returned ${hex(x)}, a mix of ${hex(wordOf(a.value, w))} from ${who(a)} and ${hex(wordOf(b.value, w))} from ${who(b)}`;
          }
        }
      }
    }
    if (mixed)
      return {
        ...base,
        severity: 'error',
        code: 'mvcpu.mixed',
        message: `${mixed}: an aligned 32-bit access is single-copy atomic, so a read sees one writer's value or the other's, never a mix (is the emulation's register update unlocked?)`,
      };
    return {
      ...base,
      severity: 'error',
      code: 'mvcpu.unserializable',
      message: `${p.message().replace(/ \(§[\d.]+\)$/, '')}; no serial order of the vCPUs' writes in ${span} explains it`,
    };
  }
}
