/**
 * Replay: seed the reference model with the trace's configuration, apply every write the guest
 * made, and compare every value the emulation returned with what the model returns. Each
 * difference is explained by the rule it breaks (rules.ts), at its trace line.
 *
 * The model follows the emulation wherever the architecture lets the emulation choose (a
 * CONSTRAINED UNPREDICTABLE alias, an UNKNOWN reset value, an SMMU-owned index the trace has no
 * memory to predict): after the warning or note, the model takes the emulation's value, so one
 * allowed choice never shows up again as a violation on later lines. Violations are not adopted.
 */
import { DEFAULT_CHOICES, type ResolvedConfig } from '../config/types';
import { Engine } from '../engine/engine';
import { decodeAccess, type Target } from '../model/decode-access';
import type { Finding } from '../model/access';
import { GuestMemoryLimitError } from '../model/memory';
import { registerIndex } from '../model/register-file';
import { extractField, hex, bitRanges, implementedMask } from '../registers/codec';
import { definedMask, fieldMask, findField, getRegister, widthMask } from '../registers/table';
import type { FeatureRef, FieldDef, RegisterDef, RegisterName } from '../registers/types';
import { archMinorRev, queueLog2Max } from '../structures/capabilities';
import type { Range, ScriptDiagnostic } from '../base/diagnostics';
import { inferConfig } from './infer';
import { checkCommandRecord, checkEventRecord, wordsOf } from './records';
import { TranslationChecker, type TranslationCounts } from './translation-check';
import { RegisterTimeline, SerialJudge, UNBOUNDED, type SerialOptions, type Timeline, type Unshown } from './serial';
import { NOT_SHOWN, Tally, unshownDiagnostic } from './report';
import type { AccessRecord, CommandRecord, ParsedTrace, TraceDiagnostic, TraceRecord } from './types';
import type { ScannedAccess } from './parse-line';
import { counted, severityCounts } from '../text/plural';

export type { TraceDiagnostic } from './types';

/** What hovers show for an access line: both sides of the comparison. */
export interface LineReplay {
  readonly record: AccessRecord;
  readonly register?: RegisterDef;
  /** An ECMDQ array register's name with its instance (`ECMDQ_PROD3`, §6.2.5), where `register` is none. */
  readonly arrayRegister?: string;
  /** Byte of the register the access starts at (4: high half). */
  readonly byte: number;
  readonly emulation: bigint | 'abort';
  /** The model's answer, or what its rules allow when the architecture leaves the choice open. */
  readonly model: bigint | 'abort' | 'any';
}

export interface ReplaySummary {
  readonly records: number;
  /** Records that were not replayed: all of them when no configuration could be made, else 0. */
  readonly notReplayed: number;
  readonly reads: number;
  readonly writes: number;
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
  /** Diagnostics per rule code (replay and multi-vCPU rules, not the guest-access notes). */
  readonly counts: Readonly<Record<string, number>>;
  readonly firstDivergence?: TraceDiagnostic;
  readonly vcpus: readonly number[];
  /** Translations the trace reports (QEMU's smmuv3_translate_*): checked, diverged, not checked. Absent when it reports none. */
  readonly translations?: TranslationCounts;
}

export interface ReplayResult {
  readonly config: ResolvedConfig;
  /** Where the configuration came from: a file, the trace's ID register reads, or the default. */
  readonly configSource: string;
  readonly diagnostics: readonly TraceDiagnostic[];
  readonly lines: ReadonlyMap<number, LineReplay>;
  readonly summary: ReplaySummary;
  /**
   * Where the model took the emulation's value (an allowed choice, an SMMU-owned index): the
   * register's whole value after the line. The step debugger (core/debug/trace-program.ts) applies
   * these to follow the replay's model exactly.
   */
  readonly adopted?: ReadonlyMap<number, readonly Adoption[]>;
}

export interface Adoption {
  readonly register: RegisterName;
  readonly value: bigint;
}

export interface ReplayOptions {
  /** Replay against this configuration instead of inferring one from the trace's ID register reads. */
  readonly config?: ResolvedConfig;
  readonly configSource?: string;
  /** Problems loading the configuration, reported at the trace's `config` line. */
  readonly configDiagnostics?: readonly ScriptDiagnostic[];
  /** Guest memory the memory records may write, bytes (`--max-guest-memory`); the model's default if unset. */
  readonly maxGuestMemory?: number;
}

const MASK32 = 0xffff_ffffn;
const MASK64 = 0xffff_ffff_ffff_ffffn;
const PAGE1 = 0x10000;
const ILLEGAL_CODES = new Set(['access.size', 'access.unaligned', 'access.span', 'access.offset']);

function fieldsText(reg: RegisterDef, mask: bigint, v: bigint): string {
  return reg.fields
    .filter((f) => (fieldMask(f) & mask) !== 0n)
    .map((f) => `${f.name} = ${fmt(extractField(v, f), f)}`)
    .join(', ');
}

function fmt(v: bigint, f: FieldDef): string {
  return f.msb - f.lsb + 1 > 4 ? '0x' + v.toString(16).toUpperCase() : String(v);
}

/** "IDR0 advertises no PRI" / "IDR0.TTF is 2 (needs == 1)". */
function notAdvertised(ref: FeatureRef, ids: Engine['ids']): string {
  const v = ids.idField(ref.register, ref.field);
  if (ref.equals === undefined && ref.atLeast === undefined) return `SMMU_${ref.register} advertises no ${ref.field}`;
  return `SMMU_${ref.register}.${ref.field} is ${v ?? 0} (the field needs ${ref.equals !== undefined ? `== ${ref.equals}` : `>= ${ref.atLeast}`})`;
}

/** Register and byte of an access, whether it has nothing to report, and an acknowledged register's ACK. */
interface Slot {
  readonly reg: RegisterDef;
  readonly byte: number;
  readonly clean: boolean;
  readonly ack?: RegisterDef;
  /** The register's changes, and its first word in the model's register file (register-file.ts). */
  readonly tl?: RegisterTimeline;
  readonly word: number;
  /** The same of its ACK. */
  readonly ackTl?: RegisterTimeline;
  readonly ackWord: number;
}

/** A report a read's judgement made, to make again for a read like it (Replayer.judgedAgain). */
interface CapturedReport {
  /** At the whole line (a guest-access note), else at the value. */
  readonly whole: boolean;
  readonly severity: TraceDiagnostic['severity'];
  readonly code: string;
  readonly message: string | (() => string);
  readonly section?: string;
}

/** A read the full path judged, and what it reported. */
interface JudgedRead {
  readonly epoch: number;
  readonly offset: number;
  readonly size: 4 | 8;
  readonly lo: number;
  readonly hi: number;
  readonly reports: readonly CapturedReport[];
}

/** Where a replay's findings go, as it makes them. */
export interface ReplaySink {
  /** A diagnostic; `group` orders diagnostics at the same position (see `ReportOrder`). */
  diagnostic(d: TraceDiagnostic, group: number): void;
  /** A diagnostic made earlier is replaced by a later judgement (multi-vCPU reads). */
  replace(old: TraceDiagnostic, d: TraceDiagnostic): void;
  /**
   * A diagnostic made earlier is replaced by a judgement past its code's cap, which no one shows
   * (ReplaySetup.maxMessages): without it, `replace` with a diagnostic whose message is NOT_SHOWN.
   */
  replaceUnshown?(old: TraceDiagnostic, u: Unshown): void;
  /** Both sides of an access, for hovers and `--json` (optional: most callers do not keep them). */
  line?(l: LineReplay): void;
  /** The registers the model took from the emulation at a line (the step debugger). */
  adopted?(line: number, a: Adoption): void;
  /**
   * A diagnostic past its code's cap (ReplaySetup.maxMessages), offered as a count before any
   * object is made (a divergence on every record costs a count): true when the sink counted it
   * as it would have counted the diagnostic; false, and it comes as a diagnostic.
   */
  counted?(code: string, severity: TraceDiagnostic['severity'], line: number): boolean;
}

/** What a replayer needs to know before the first record (stream.ts decides it from a look ahead). */
export interface ReplaySetup {
  readonly config: ResolvedConfig;
  /** The configuration was inferred from these first reads of the ID registers. */
  readonly inferredIds: boolean;
  readonly firstIdReads: ReadonlyMap<string, AccessRecord>;
  /** The trace has guest memory records: the model consumes the commands itself. */
  readonly hasMemory: boolean;
  /** vCPUs the whole trace has, when known in advance (whole-file replay). */
  readonly vcpus?: ReadonlySet<number>;
  readonly serial?: SerialOptions;
  readonly maxGuestMemory?: number;
  /**
   * The caller shows only the first this many diagnostics of each code (`smmu replay
   * --max-diagnostics`, the editor's cap): past them a diagnostic's message is not made (report).
   */
  readonly maxMessages?: number;
}

export { NOT_SHOWN } from './report';

/** A diagnostic's message: its text, then the section of the architecture it cites. */
function sectioned(text: string, section: string | undefined): string {
  return section ? `${text} (§${section})` : text;
}

/** Sort order of diagnostics at one position: the parse's, the configuration's, the replay's. */
export const GROUP = { parse: 0, config: 1, inferred: 2, replay: 3 } as const;

export class Replayer {
  readonly engine: Engine;
  readonly config: ResolvedConfig;
  readonly timeline: Timeline = new Map();
  /** Last line that wrote each register. */
  private readonly lastWrite = new Map<RegisterName, number>();
  /** A write the model ignored because of a guard: what the register would hold had it been taken. */
  private readonly guarded = new Map<RegisterName, { line: number; intended: bigint; guards: string }>();
  /** ACK value before the last write to the register it acknowledges (an Update may still be in progress; ACKs are 32-bit). */
  private readonly ackBefore = new Map<RegisterName, number>();
  private readonly predictCommands: boolean;
  private readonly inferredIds: boolean;
  /** First read of each ID register (the inferred configuration's values). */
  private readonly firstIdReads: ReadonlyMap<string, AccessRecord>;
  readonly serial: SerialJudge;
  /** Timeline entries kept per register. */
  private readonly keep: number;
  private readonly knownMulti: boolean | undefined;
  reads = 0;
  /** QEMU's reported translations, checked against the model's walk where the trace shows enough (translation-check.ts). */
  readonly translations = new TranslationChecker();
  /** Whether the trace reported any translation. */
  translated = false;
  writes = 0;
  /** The replay stopped (guest memory limit): later records are counted, not replayed. */
  stopped = false;

  constructor(
    setup: ReplaySetup,
    private readonly sink: ReplaySink,
  ) {
    this.config = setup.config;
    this.inferredIds = setup.inferredIds;
    this.maxMessages = setup.maxMessages;
    this.firstIdReads = setup.firstIdReads;
    const hasMemory = setup.hasMemory;
    this.predictCommands = hasMemory;
    // Without guest memory the model cannot know the commands: it does not consume them and
    // takes the SMMU-owned indices from the trace (after checking they are possible).
    this.engine = new Engine(this.config, {
      autoConsume: hasMemory,
      consumeSecureQueue: hasMemory,
      checkStale: false,
    });
    // With memory the model's consumed commands are kept, to compare with the trace's C records.
    this.engine.recording = hasMemory;
    this.engine.smmu.recording = false;
    if (setup.maxGuestMemory !== undefined) this.engine.memory.setLimitBytes(setup.maxGuestMemory);
    this.knownMulti = setup.vcpus ? setup.vcpus.size > 1 : undefined;
    const serial = setup.serial ?? UNBOUNDED;
    this.keep = serial.keep;
    this.serial = new SerialJudge(
      this.timeline,
      serial,
      (old, d) => sink.replace(old, d),
      (rec, message) => this.report(rec, rec.valueRange, 'info', 'mvcpu.window', message, '6.2'),
      sink.replaceUnshown
        ? (old, u) => sink.replaceUnshown?.(old, u)
        : (old, u) => sink.replace(old, unshownDiagnostic(old, u)),
      setup.maxMessages,
    );
    for (const [name, v] of this.engine.smmu.snapshot()) this.timeline.set(name, new RegisterTimeline(v));
  }

  /** Replay one record (records come in line order). */
  record(rec: TraceRecord): void {
    if (rec.kind === 'access' && rec.vcpu !== undefined) this.serial.access(rec as AccessRecord & { vcpu: number });
    if (rec.kind !== 'access' || rec.dir !== 'R') this.epoch++;
    if (this.stopped) return;
    try {
      if (rec.kind === 'access') {
        if (rec.dir === 'R') this.reads++;
        else this.writes++;
        this.access(rec);
      } else if (rec.kind === 'memory') {
        this.engine.memory.space(rec.secure !== true).write(rec.address, rec.size, rec.value);
        this.translations.noteMemory(rec);
      } else if (rec.kind === 'translation') {
        this.translated = true;
        for (const d of this.translations.check(this.engine, rec))
          this.report(rec, rec.range, d.severity, d.code, d.message, d.section);
      } else if (rec.kind === 'command') {
        for (const d of checkCommandRecord(rec, this.engine.ids))
          this.report(rec, rec.range, d.severity, 'replay.command', d.message, d.section);
        this.matchCommand(rec);
      } else {
        for (const d of checkEventRecord(rec))
          this.report(rec, rec.range, d.severity, 'replay.event', d.message, d.section);
      }
    } catch (e) {
      // A trace names guest addresses freely: past the model's guest memory the replay stops here.
      if (!(e instanceof GuestMemoryLimitError)) throw e;
      this.report(
        rec,
        rec.range,
        'error',
        'trace.memory-limit',
        `${e.message} (\`--max-guest-memory\`); the replay stopped at this record, and the records after it were not replayed`,
      );
      this.stopped = true;
    }
  }

  /** Is the trace multi-vCPU (so a diverging read waits for the serial judge)? */
  private mayBeMulti(rec: AccessRecord): boolean {
    return this.knownMulti ?? rec.vcpu !== undefined;
  }

  /** Next engine activity not yet matched with a C record. */
  private activityCursor = 0;

  /**
   * A `C` record with guest memory present: the emulation consumed this command; the model must
   * have consumed the same one, in the same order (§3.5: commands are consumed in queue order).
   */
  matchCommand(rec: CommandRecord): void {
    if (!this.predictCommands || !rec.dwords) return;
    const acts = this.engine.activity;
    while (
      this.activityCursor < acts.length &&
      acts[this.activityCursor]?.kind !== 'command' &&
      acts[this.activityCursor]?.kind !== 'command-error'
    )
      this.activityCursor++;
    const a = acts[this.activityCursor];
    const words = wordsOf(rec.dwords);
    if (!a) {
      this.report(
        rec,
        rec.range,
        'error',
        'replay.command',
        'the emulation consumed a command the model did not: every command software produced (up to CMDQ_PROD) is already consumed, or the command queue is disabled or stopped by an error',
        '3.5',
      );
      return;
    }
    this.activityCursor++;
    if (a.kind === 'command-error') {
      this.report(
        rec,
        rec.range,
        'error',
        'replay.command',
        `the emulation consumed a command where the model stopped the queue: ${a.text}`,
        a.section ?? '7.1',
      );
      return;
    }
    const same = a.words !== undefined && words.every((w, i) => (a.words?.[i] ?? 0) >>> 0 === w >>> 0);
    if (!same)
      this.report(
        rec,
        rec.range,
        'error',
        'replay.command',
        `the emulation consumed a different command than the model, which consumed ${a.text}: commands are consumed in queue order`,
        '3.5',
      );
  }

  private get smmu() {
    return this.engine.smmu;
  }

  private readonly maxMessages: number | undefined;
  /** Reports made per code, those a multi-vCPU judgement may still replace left out (maxMessages). */
  private readonly made = new Map<string, number>();

  /**
   * Report a finding. `message` may be a function, called here unless the caller shows only the
   * first `maxMessages` diagnostics of each code and this code already has that many: then the
   * diagnostic is counted and never shown, and its field-by-field text is not made (a divergence
   * on every record costs a count, docs/performance.md). `pending`: a multi-vCPU judgement will
   * replace it, so it is not counted (the diagnostics counted come before it in the trace, and
   * each is released before it) and its message is not made: the judge asks for it when its
   * judgement keeps or reads it (PendingRead.message).
   */
  report(
    rec: { line: number },
    range: Range,
    severity: TraceDiagnostic['severity'],
    code: string,
    message: string | (() => string),
    section?: string,
    pending = false,
  ): TraceDiagnostic | undefined {
    const c = this.capture;
    if (c) {
      // What a read like this one reports again (judgedAgain): at its own value or line.
      if (pending || rec !== c.rec || (range !== c.rec.valueRange && range !== c.rec.range)) c.reports = undefined;
      else c.reports?.push({ whole: range === c.rec.range, severity, code, message, ...(section ? { section } : {}) });
    }
    return this.emit(rec.line, range, severity, code, message, section, pending);
  }

  /**
   * `report`, with the range made only when the diagnostic is (a function: a range at `line`,
   * made on demand; a Range elsewhere is never counted without its object).
   */
  private emit(
    line: number,
    range: Range | (() => Range),
    severity: TraceDiagnostic['severity'],
    code: string,
    message: string | (() => string),
    section: string | undefined,
    pending: boolean,
  ): TraceDiagnostic | undefined {
    const made = pending ? 0 : (this.made.get(code) ?? 0);
    const past = !pending && this.maxMessages !== undefined && made >= this.maxMessages;
    if (!pending) this.made.set(code, made + 1);
    // Past the cap, the sink may count it without the diagnostic (stream.ts says when it can).
    const atLine = typeof range === 'function' || range.start.line === line;
    if (past && atLine && this.sink.counted?.(code, severity, line)) return undefined;
    let text: string;
    if (typeof message === 'string') text = message;
    else if (past || pending) text = NOT_SHOWN;
    else text = message();
    const d: TraceDiagnostic = {
      severity,
      code,
      message: text !== NOT_SHOWN ? sectioned(text, section) : text,
      range: typeof range === 'function' ? range() : range,
      line,
      ...(section ? { section } : {}),
    };
    this.sink.diagnostic(d, GROUP.replay);
    return d;
  }

  private noteChanges(
    changes: readonly { register: RegisterName; after: bigint }[],
    line: number,
    vcpu?: number,
  ): void {
    for (const c of changes) this.timeline.get(c.register)?.push({ line, value: c.after, vcpu }, this.keep);
  }

  /** The model takes the emulation's value for the bits this access covers. */
  private adopt(reg: RegisterDef, byte: number, size: number, emu: bigint, line: number, vcpu?: number): void {
    this.epoch++;
    const mask = accessMask(reg, byte, size);
    const now = this.smmu.value(reg);
    const next = (now & ~mask) | ((emu << BigInt(byte * 8)) & mask);
    this.smmu.setOwned(reg.name, next);
    if (next === now) return;
    this.sink.adopted?.(line, { register: reg.name, value: next });
    this.timeline.get(reg.name)?.push({ line, value: next, vcpu }, this.keep);
  }

  /** What a register read at `offset` returns now, without an access (for alias checks). */
  private peek(offset: number, size: 4 | 8): bigint | undefined {
    const t = decodeAccess(offset, size, this.config, this.engine.ids);
    if (t.kind !== 'register') return undefined;
    const v = this.smmu.value(t.reg);
    return size === 8 ? v : (v >> BigInt(t.byte * 8)) & MASK32;
  }

  /** The guest's own access broke a rule: a note, since it is the driver's doing, not the emulation's. */
  private guestNotes(rec: AccessRecord, findings: readonly Finding[]): void {
    for (const f of findings) {
      if (f.severity === 'info') continue;
      this.report(rec, rec.range, 'info', f.code, `guest access: ${f.message}`, f.section);
    }
  }

  /** What an access at an offset of pages 0 and 1 decodes to, by offset and size (the configuration is fixed for a replay). */
  private readonly targets = new Map<number, Target>();

  /** decodeAccess, kept for offsets below 0x20000 (bounded: other offsets are decoded each time). */
  private targetOf(offset: number, size: AccessRecord['size']): Target {
    if (offset >= 0x20000) return decodeAccess(offset, size, this.config, this.engine.ids);
    const key = offset * 16 + size;
    let t = this.targets.get(key);
    if (!t) this.targets.set(key, (t = decodeAccess(offset, size, this.config, this.engine.ids)));
    return t;
  }

  /** Register and byte of an access, and whether it has nothing to report (the configuration is fixed for a replay). */
  private readonly slots = new Map<number, Slot | undefined>();

  private slotOf(offset: number, size: 4 | 8 = 4): Slot | undefined {
    const key = offset * 16 + size;
    let s = this.slots.get(key);
    if (s === undefined && !this.slots.has(key)) {
      const t = this.targetOf(offset, size);
      const b = t.kind === 'register' ? t.reg.behaviour : undefined;
      const ack = b?.kind === 'acked' ? getRegister(b.ack) : undefined;
      s =
        t.kind === 'register'
          ? {
              reg: t.reg,
              byte: t.byte,
              clean: t.findings.length === 0,
              tl: this.timeline.get(t.reg.name),
              word: registerIndex(t.reg) * 2,
              ackWord: ack ? registerIndex(ack) * 2 : 0,
              ...(ack ? { ack, ackTl: this.timeline.get(ack.name) } : {}),
            }
          : undefined;
      // Kept for pages 0 and 1 only, so what a replay keeps stays bounded whatever offsets a trace has.
      if (offset < 0x20000) this.slots.set(key, s);
    }
    return s;
  }

  /**
   * The common access on the model's fast path (an aligned 32-bit access to a plain register,
   * nothing to report, core/model/smmu.ts): a read the model agrees with, or a write it stores.
   * False when the full path must judge it; the outcome is the full path's either way.
   */
  private fastAccess(rec: AccessRecord): boolean {
    if (rec.abort || rec.value === undefined) return false;
    if (rec.size === 8) {
      if (rec.dir === 'W') {
        // A 64-bit write the model's checked fast path takes (a queue base, a Guarded register).
        const v = rec.value;
        if (v > MASK64 || !this.checkedWrite(rec.offset, 8, Number(v & MASK32), Number(v >> 32n), rec.line, rec.vcpu))
          return false;
        this.lineOfWrite(rec, v);
        return true;
      }
      // A 64-bit read whose halves are both plain: the model agrees when both words do.
      if (this.sink.line || !this.slotOf(rec.offset, 8)?.clean) return false;
      const lo = this.smmu.readFast32(rec.offset);
      const hi = lo < 0 ? -1 : this.smmu.readFast32(rec.offset + 4);
      return hi >= 0 && Number(rec.value & MASK32) === lo && Number(rec.value >> 32n) === hi;
    }
    if (rec.size !== 4) return false;
    const value = Number(rec.value);
    if (rec.dir === 'R') {
      if (this.smmu.readFast32(rec.offset) !== value) return false;
      if (this.sink.line) {
        const t = this.slotOf(rec.offset);
        this.sink.line({ record: rec, register: t?.reg, byte: t?.byte ?? 0, emulation: rec.value, model: rec.value });
      }
      return true;
    }
    const before = this.smmu.writeFast32(rec.offset, value);
    if (before < 0) {
      if (!this.checkedWrite(rec.offset, 4, value, 0, rec.line, rec.vcpu)) return false;
      this.lineOfWrite(rec, rec.value);
      return true;
    }
    const t = this.slotOf(rec.offset);
    if (!t) return true;
    const reg = t.reg;
    if (before !== value) this.noteSlot(t, rec.line, rec.vcpu ?? -1);
    this.lastWrite.set(reg.name, rec.line);
    this.guarded.delete(reg.name);
    this.sink.line?.({ record: rec, register: reg, byte: t.byte, emulation: rec.value, model: rec.value });
    return true;
  }

  /** The slot's register changed at `line` (`vcpu` -1: none): its value now, from the register file's words. */
  private noteSlot(t: Slot, line: number, vcpu: number): void {
    const words = this.smmu.words;
    const hi = t.reg.width === 64 ? (words[t.word + 1] as number) : 0;
    t.tl?.pushWords(line, words[t.word] as number, hi, vcpu, this.keep);
  }

  /** Both sides of a write the model took as written (`sink.line`, as the full path gives them). */
  private lineOfWrite(rec: AccessRecord, value: bigint): void {
    if (!this.sink.line) return;
    const t = this.slotOf(rec.offset, rec.size === 8 ? 8 : 4);
    this.sink.line({ record: rec, register: t?.reg, byte: t?.byte ?? 0, emulation: value, model: value });
  }

  /**
   * A write on the model's checked fast path (`writeChecked32`/`64`: an acknowledged or Guarded
   * register, a queue base, with nothing to report), with what the full path notes of it: the
   * register's and its ACK's changes in the timeline, the last write, the ACK before it (an
   * Update may be in progress), no guarded write pending. False, with nothing done, otherwise.
   */
  private checkedWrite(offset: number, size: 4 | 8, lo: number, hi: number, line: number, vcpu?: number): boolean {
    // The slot after the model took the write: offsets outside its registers are not kept.
    const r = size === 8 ? this.smmu.writeChecked64(offset, lo, hi) : this.smmu.writeChecked32(offset, lo);
    if (r < 0) return false;
    const t = this.slotOf(offset, size) as Slot;
    const reg = t.reg;
    const ack = t.ack;
    if (r & 1) this.noteSlot(t, line, vcpu ?? -1);
    if (ack) {
      if (r & 2) {
        const words = this.smmu.words;
        const hi = ack.width === 64 ? (words[t.ackWord + 1] as number) : 0;
        t.ackTl?.pushWords(line, words[t.ackWord] as number, hi, vcpu ?? -1, this.keep);
      }
      this.ackBefore.set(ack.name, this.smmu.ackBefore);
    }
    this.lastWrite.set(reg.name, line);
    this.guarded.delete(reg.name);
    return true;
  }

  /**
   * An access line the stream scanned (scanAccess: an aligned 32- or 64-bit access, `vcpu` -1:
   * none) that the model's fast path takes, replayed without its record: what `record` does with
   * it. Also a read judged exactly as the read before it was (`judgedAgain`). False, with nothing
   * done, when it needs the record: a vCPU not seen yet, a stopped replay, a caller that keeps
   * both sides of each access, or the model's full path. `length`: the line's (for its range).
   */
  fastLine(a: ScannedAccess, line: number, length: number): boolean {
    const vcpu = a.vcpu;
    if (this.stopped || this.sink.line || (vcpu >= 0 && !this.serial.knows(vcpu))) return false;
    const offset = a.offset;
    const value = a.value;
    if (a.dir === 'R') {
      if (a.size === 4) {
        if (this.smmu.readFast32(offset) !== value && !this.judgedAgain(a, line, length)) return false;
      } else {
        // A 64-bit read whose halves are both plain: the model agrees when both words do (fastAccess).
        const lo = this.slotOf(offset, 8)?.clean ? this.smmu.readFast32(offset) : -1;
        const hi = lo < 0 ? -1 : this.smmu.readFast32(offset + 4);
        if ((lo !== value || hi !== a.hi) && !this.judgedAgain(a, line, length)) return false;
      }
      this.reads++;
    } else {
      const cpu = vcpu >= 0 ? vcpu : undefined;
      if (a.size === 8) {
        if (!this.checkedWrite(offset, 8, value, a.hi, line, cpu)) return false;
      } else {
        const before = this.smmu.writeFast32(offset, value);
        if (before < 0 && !this.checkedWrite(offset, 4, value, 0, line, cpu)) return false;
        const t = before < 0 ? undefined : this.slotOf(offset);
        if (t) {
          const reg = t.reg;
          if (before !== value) this.noteSlot(t, line, vcpu);
          this.lastWrite.set(reg.name, line);
          this.guarded.delete(reg.name);
        }
      }
      this.writes++;
      this.epoch++;
    }
    if (vcpu >= 0) this.serial.accessOf(vcpu, line);
    return true;
  }

  /**
   * Bumped by everything that may change how a read is judged: every record but a read, every
   * write line, every value the model takes from the emulation. Reads change nothing else (the
   * model's reads have no effect; a read that may be another vCPU's reordering is not kept).
   */
  private epoch = 0;
  /** The last read the full path judged (one without a vCPU), and what it reported; `judgedAgain`. */
  private judged?: JudgedRead;
  /** While a read is judged: the read, and the reports it makes (undefined: it cannot be judged again). */
  private capture?: { readonly rec: AccessRecord; reports: CapturedReport[] | undefined };

  /**
   * A read (`a`, at `line`) like the last one the full path judged: the same offset, size and
   * value, nothing changed since (`epoch`), no vCPU. Its judgement is a function of those alone
   * (the messages name other lines, never the read's own), so it is reported again, at this line,
   * without a record: a polling loop that diverges on every read costs a count per read past the
   * cap. False: not such a read.
   */
  private judgedAgain(a: ScannedAccess, line: number, length: number): boolean {
    const j = this.judged;
    if (
      !j ||
      j.epoch !== this.epoch ||
      a.vcpu >= 0 ||
      j.offset !== a.offset ||
      j.size !== a.size ||
      j.lo !== a.value ||
      j.hi !== a.hi
    )
      return false;
    const reports = j.reports;
    for (let i = 0; i < reports.length; i++) {
      const r = reports[i] as CapturedReport;
      const range = (): Range =>
        r.whole
          ? { start: { line, character: 0 }, end: { line, character: length } }
          : { start: { line, character: a.valueStart }, end: { line, character: a.valueEnd } };
      this.emit(line, range, r.severity, r.code, r.message, r.section, false);
    }
    return true;
  }

  access(rec: AccessRecord): void {
    if (this.fastAccess(rec)) return;
    const size = rec.size;
    const target = this.targetOf(rec.offset, size);
    const reg = target.kind === 'register' ? target.reg : undefined;
    const byte = target.kind === 'register' || target.kind === 'array' ? target.byte : 0;
    const named = target.kind === 'array' ? { arrayRegister: target.name } : {};
    if (rec.dir === 'W') {
      if (rec.abort) {
        // The emulation did not take the write; the model does not either, whatever is due.
        this.judgeAbort(rec, target);
        this.sink.line?.({
          record: rec,
          register: reg,
          ...named,
          byte,
          emulation: 'abort',
          model: target.kind === 'abort' ? 'abort' : 0n,
        });
        return;
      }
      const value = rec.value ?? 0n;
      const before = reg ? this.smmu.value(reg) : 0n;
      const ackReg = reg && reg.behaviour.kind === 'acked' ? getRegister(reg.behaviour.ack) : undefined;
      const ackBefore = ackReg ? this.smmu.value(ackReg) : 0n;
      const r = this.smmu.write(rec.offset, size, value);
      this.noteChanges(r.changes, rec.line, rec.vcpu);
      this.guestNotes(rec, r.findings);
      if (reg) {
        this.lastWrite.set(reg.name, rec.line);
        if (ackReg) this.ackBefore.set(ackReg.name, Number(ackBefore));
        const g = r.findings.find((f) => f.code === 'write.guarded');
        if (g) {
          const mask = accessMask(reg, byte, size) & implementedMask(reg, this.engine.ids);
          const intended = (before & ~mask) | ((value << BigInt(byte * 8)) & mask);
          this.guarded.set(reg.name, {
            line: rec.line,
            intended,
            guards: (g.guards ?? []).map((x) => `SMMU_${x.register}.${x.field}`).join(', '),
          });
        } else this.guarded.delete(reg.name);
      }
      this.sink.line?.({ record: rec, register: reg, ...named, byte, emulation: value, model: value });
      return;
    }
    if (this.sink.line || rec.vcpu !== undefined || rec.abort || rec.value === undefined) {
      this.read(rec, target, reg, byte, named);
      return;
    }
    // Kept, with what it reported, for a read like it (judgedAgain).
    const epoch = this.epoch;
    const capture = (this.capture = { rec, reports: [] as CapturedReport[] | undefined });
    this.read(rec, target, reg, byte, named);
    this.capture = undefined;
    const v = rec.value;
    if (capture.reports && this.epoch === epoch && (size === 4 || size === 8))
      this.judged = {
        epoch,
        offset: rec.offset,
        size,
        lo: Number(v & MASK32),
        hi: Number((v >> 32n) & MASK32),
        reports: capture.reports,
      };
  }

  /** A read the model's fast path did not take, judged. */
  private read(
    rec: AccessRecord,
    target: Target,
    reg: RegisterDef | undefined,
    byte: number,
    named: { arrayRegister?: string },
  ): void {
    const size = rec.size;
    const r = this.smmu.read(rec.offset, size, undefined, target);
    const emu: bigint | 'abort' = rec.abort || rec.value === undefined ? 'abort' : rec.value;
    const modelSays: LineReplay['model'] =
      target.kind === 'abort' ? 'abort' : target.findings.some((f) => ILLEGAL_CODES.has(f.code)) ? 'any' : r.value;
    this.sink.line?.({ record: rec, register: reg, ...named, byte, emulation: emu, model: modelSays });
    this.guestNotes(rec, target.findings);
    if (emu === 'abort') {
      this.judgeAbort(rec, target);
      return;
    }
    if (target.kind === 'array') {
      // An ECMDQ or control page register (§6.2.5, §6.3.49–§6.3.51, §6.3.107–§6.3.109).
      if (emu !== r.value) this.judgeArray(rec, target, emu, r.value);
      return;
    }
    if (target.kind !== 'register') {
      this.judgeUndefined(rec, target, emu, r.value);
      return;
    }
    if (emu === r.value) return;
    this.judgeRegister(rec, target.reg, target.byte, emu, r.value);
  }

  /** The emulation aborted: allowed only where the architecture lists abort among the choices. */
  private judgeAbort(rec: AccessRecord, target: Target): void {
    const codes = new Set(target.findings.map((f) => f.code));
    const what = `the emulation aborted this ${rec.size * 8}-bit ${rec.dir === 'R' ? 'read' : 'write'}`;
    if (target.kind === 'abort') return;
    if ([...codes].some((c) => ILLEGAL_CODES.has(c))) {
      if ((rec.size === 8 ? this.config.choices.illegal64BitAccess : this.config.choices.illegalAccess) !== 'abort') {
        this.report(
          rec,
          rec.valueRange,
          'warning',
          'replay.unpredictable',
          `${what}: an illegal access is CONSTRAINED UNPREDICTABLE and abort is one of the allowed behaviours (RAZ/WI, observed by the spanned register(s) with an UNKNOWN read or any write, or abort); the model treats it as RAZ/WI`,
          '6.2',
        );
      }
      return;
    }
    if (codes.has('offset.beyond-pages')) {
      this.report(
        rec,
        rec.valueRange,
        'info',
        'replay.beyond',
        `${what} beyond page 0 and page 1, in no page the configuration advertises: not compared`,
        '6.1',
      );
      return;
    }
    if (this.notModelled(rec, target, what)) return;
    if (codes.has('page0.page1-offset')) {
      this.report(
        rec,
        rec.valueRange,
        'error',
        'replay.abort',
        `${what} at ${h(rec.offset)}, the reserved page-0 offset of a page-1 register: the access must alias the page-1 register or be RAZ/WI; abort is not allowed`,
        '6.2',
      );
      return;
    }
    if (codes.has('page1.undefined')) {
      this.report(
        rec,
        rec.valueRange,
        'error',
        'replay.abort',
        `${what} at ${h(rec.offset)}, an undefined page-1 location: it must behave as RES0 or as the page-0 offset ${h(rec.offset - PAGE1)}; abort is not allowed`,
        '6.2',
      );
      return;
    }
    if (target.kind === 'razwi') {
      this.report(
        rec,
        rec.valueRange,
        'error',
        'replay.abort',
        `${what} at ${h(rec.offset)}, an undefined page-0 location: undefined page-0 locations are RES0 (read as zero, writes ignored), never an abort`,
        '6.2',
      );
      return;
    }
    const page1 =
      target.reg.offset >= PAGE1
        ? ` (a page-1 register at ${h(target.reg.offset)}: was it decoded at its page-0 offset ${h(target.reg.offset - PAGE1)}?)`
        : '';
    const half = target.byte === 4 ? ` (its high half, bits [63:32] at offset +4)` : '';
    const rule = half
      ? 'both 32-bit halves of a 64-bit register must be accessible with aligned 32-bit accesses'
      : `a defined register must be accessible with an aligned ${rec.size === 8 ? '64-bit access to a 64-bit register' : '32-bit access'}`;
    this.report(
      rec,
      rec.valueRange,
      'error',
      'replay.abort',
      `${what} of SMMU_${target.reg.name}${half}${page1}: ${rule}`,
      '6.2',
    );
  }

  /**
   * A register the configuration advertises and the model does not implement (SMMU_GATOS_* with
   * IDR0.ATOS, …): what the emulation answered cannot be judged. A note, once per access.
   */
  private notModelled(rec: AccessRecord, target: Target, what: string): boolean {
    const f = target.findings.find((x) => x.code === 'register.not-modelled');
    if (!f) return false;
    this.report(
      rec,
      rec.valueRange,
      'info',
      'replay.not-modelled',
      `${what}: ${f.message.replace(/: the access reads as zero and writes are ignored$/, '')}; not compared`,
      f.section,
    );
    return true;
  }

  /** A read of an ECMDQ array register returned what the model does not: the fields that differ. */
  private judgeArray(rec: AccessRecord, target: Target & { kind: 'array' }, emu: bigint, model: bigint): void {
    const shift = BigInt(target.byte * 8);
    const width = rec.size === 8 ? 64 : 32;
    const diff = (emu ^ model) << shift;
    const fields = target.reg.fields
      .filter((f) => (diff & fieldMask(f)) !== 0n)
      .map((f) => `${f.name} ${extractField(emu << shift, f)} where the model has ${extractField(model << shift, f)}`);
    this.report(
      rec,
      rec.valueRange,
      'error',
      'replay.value',
      `SMMU_${target.name}${target.byte ? ' [63:32]' : ''} read ${hex(emu, width)} but the model has ${hex(model, width)}: ${fields.join('; ') || `bits ${bitRanges(diff >> shift)}`}`,
      target.reg.section,
    );
  }

  private judgeUndefined(rec: AccessRecord, target: Target, emu: bigint, model: bigint): void {
    const codes = new Set(target.findings.map((f) => f.code));
    if ([...codes].some((c) => ILLEGAL_CODES.has(c))) {
      if (emu !== model || target.kind === 'abort') {
        this.report(
          rec,
          rec.valueRange,
          'warning',
          'replay.unpredictable',
          `the emulation returned ${hex(emu, rec.size === 8 ? 64 : 32)} for an illegal access: CONSTRAINED UNPREDICTABLE, allowed are RAZ/WI, an UNKNOWN value from the spanned register(s), or an abort; the model ${target.kind === 'abort' ? 'aborts' : 'reads zero'}`,
          '6.2',
        );
      }
      return;
    }
    if (codes.has('offset.beyond-pages')) return;
    if (this.notModelled(rec, target, `${h(rec.offset)} read ${hex(emu, rec.size === 8 ? 64 : 32)}`)) return;
    if (emu === 0n) return;
    if (codes.has('page0.page1-offset') || codes.has('page1.undefined')) {
      const other = codes.has('page1.undefined') ? rec.offset - PAGE1 : rec.offset + PAGE1;
      const aliased = this.peek(other, rec.size === 8 ? 8 : 4);
      const what = codes.has('page1.undefined')
        ? `the undefined page-1 location ${h(rec.offset)}`
        : `the reserved page-0 offset ${h(rec.offset)}`;
      if (aliased !== undefined && aliased === emu) {
        this.report(
          rec,
          rec.valueRange,
          'warning',
          'replay.alias',
          `${what} read ${hex(emu)}, the value at ${h(other)}: the emulation aliases page 0 and page 1 there, one of the two CONSTRAINED UNPREDICTABLE choices (alias or ${codes.has('page1.undefined') ? 'RES0' : 'RAZ/WI'}); the model is ${codes.has('page1.undefined') ? 'RES0' : 'RAZ/WI'}`,
          '6.2',
        );
      } else {
        this.report(
          rec,
          rec.valueRange,
          'error',
          'replay.res0-location',
          `${what} read ${hex(emu)}: allowed are 0 (${codes.has('page1.undefined') ? 'RES0' : 'RAZ/WI'}) or the value at ${h(other)} (${aliased === undefined ? 'nothing is there' : hex(aliased)})`,
          '6.2',
        );
      }
      return;
    }
    const unimpl = target.findings.find((f) => f.code === 'register.unimplemented');
    this.report(
      rec,
      rec.valueRange,
      'error',
      'replay.res0-location',
      `${h(rec.offset)} read ${hex(emu, rec.size === 8 ? 64 : 32)}: ${unimpl ? unimpl.message : 'an undefined page-0 location is RES0 and reads as zero'}`,
      '6.2',
    );
  }

  private judgeRegister(rec: AccessRecord, reg: RegisterDef, byte: number, emu: bigint, model: bigint): void {
    const shift = BigInt(byte * 8);
    const mask = accessMask(reg, byte, rec.size);
    const e = (emu << shift) & mask;
    const m = (model << shift) & mask;
    const width = rec.size === 8 ? 64 : 32;
    const name = `SMMU_${reg.name}`;
    const ids = this.engine.ids;
    const b = reg.behaviour;
    const vr = rec.valueRange;
    // The message's opening, made only when a message is read (report's thunks) or passed on.
    let opening: string | undefined;
    const said = (): string => (opening ??= `${name}${byte ? ' (high half)' : ''} returned ${hex(emu, width)}`);

    if (b.kind === 'id') {
      const seen = this.firstIdReads.get(reg.name);
      if (this.inferredIds && seen) {
        this.report(
          rec,
          vr,
          'error',
          'replay.id',
          () =>
            `${said()} but read ${hex(seen.value ?? 0n)} at line ${seen.line + 1}: ID registers hold constant values after reset`,
          '6.2',
        );
      } else {
        this.report(
          rec,
          vr,
          'error',
          'replay.id',
          `${said()} but the configuration (${this.config.name}) has ${hex(model, width)}: ${fieldsText(reg, (e ^ m) & definedMask(reg), e) || 'reserved bits differ'} (the configuration's ${fieldsText(reg, (e ^ m) & definedMask(reg), m)}); replay with the configuration the emulation implements, or without --config to infer it`,
          '6.3',
        );
      }
      return;
    }

    let explained = 0n;
    const res0 = e & ~definedMask(reg) & mask;
    if (res0 !== 0n) {
      this.report(
        rec,
        vr,
        'error',
        'replay.res0-bits',
        () =>
          `${said()} with RES0 bit${res0 & (res0 - 1n) ? 's' : ''} ${bitRanges(res0)} set: reserved bits of a defined register read as zero`,
        '6.2',
      );
      explained |= res0;
    }
    // The fields whose feature is not advertised, in table order (the model lists them once).
    const unadvertised = this.smmu.unadvertisedFields(reg);
    for (let i = 0; i < unadvertised.length; i++) {
      const f = unadvertised[i] as FieldDef;
      const needs = f.requires as FeatureRef;
      if ((e & fieldMask(f)) === 0n) continue;
      explained |= fieldMask(f) & mask;
      if (b.kind === 'ack') {
        this.report(
          rec,
          vr,
          'error',
          'replay.ack-unadvertised',
          () =>
            `${said()} but ${notAdvertised(needs, ids)}: ${f.name} must not be acknowledged (${name} reflects only implemented fields of SMMU_${b.of}; the model's ${name} is ${hex(model, width)})`,
          reg.section,
        );
      } else {
        this.report(
          rec,
          vr,
          'error',
          'replay.unadvertised-field',
          () =>
            `${said()} with ${f.name} = ${fmt(extractField(e, f), f)} but ${notAdvertised(needs, ids)}: the field is RES0 in this configuration`,
          reg.section,
        );
      }
    }
    const rest = (e ^ m) & ~explained;
    if (rest === 0n) return;

    // An Update still in progress: the ACK (or GBPA.Update) shows the state before the write.
    if (b.kind === 'ack') {
      const before = this.ackBefore.get(reg.name);
      const prior = (before === undefined ? model : BigInt(before)) & mask;
      const ok = reg.fields.every((f) => {
        const fm = fieldMask(f) & rest;
        return fm === 0n || (e & fm) === (prior & fm);
      });
      if (ok) {
        this.report(
          rec,
          vr,
          'info',
          'replay.ack-pending',
          `${said()}: ${fieldsText(reg, rest, e)} still as before the write at line ${(this.lastWrite.get(b.of) ?? 0) + 1}; the Update has not completed yet (allowed: software polls ${name})`,
          reg.section,
        );
        return;
      }
    }
    const untouched = (this.timeline.get(reg.name)?.length ?? 0) <= 1;
    if (b.kind === 'updateHandshake' && !untouched && rest === 1n << 31n && (e & (1n << 31n)) !== 0n) {
      this.report(
        rec,
        vr,
        'info',
        'replay.ack-pending',
        `${said()}: Update is still 1, the update has not completed yet (allowed: software polls Update until 0)`,
        b.ignoredWithout ?? '6.3.14',
      );
      return;
    }

    const g = this.guarded.get(reg.name);
    if (g && ((g.intended & mask) === e || ((g.intended ^ e) & rest) === 0n)) {
      const minor = archMinorRev(this.engine.ids);
      if (minor < 2) {
        this.report(
          rec,
          vr,
          'warning',
          'replay.guarded',
          `${said()}: the emulation took the write at line ${g.line + 1} although ${g.guards} was 1; CONSTRAINED UNPREDICTABLE in SMMUv3.${minor} (the write may be taken or ignored), IGNORED from SMMUv3.2; the model ignored it`,
          '6.2',
        );
        this.adopt(reg, byte, rec.size, emu, rec.line, rec.vcpu);
      } else {
        this.report(
          rec,
          vr,
          'error',
          'replay.guarded',
          `${said()}: the emulation took the write at line ${g.line + 1} although ${g.guards} was 1: in SMMUv3.${minor} a write to a Guarded register while its guard is 1 is IGNORED; the model's ${name} is ${hex(model, width)}`,
          '6.2',
        );
      }
      return;
    }

    const smmuOwned = b.kind === 'status' || (b.kind === 'queueIndex' && b.producer === 'smmu');
    const predicted = this.predictCommands && reg.name === 'CMDQ_CONS';
    if (smmuOwned && !predicted) {
      if (!this.resetFlagsHeld(rec, reg, e, said())) return;
      if (this.checkOwned(rec, reg, emu, model)) this.adopt(reg, byte, rec.size, emu, rec.line, rec.vcpu);
      return;
    }
    if (predicted && this.consLagging(reg, e, m)) return;

    // Reset values that are UNKNOWN or IMPLEMENTATION DEFINED (GBPA's fields, §6.3.14): before a
    // write took effect, any value is the emulation's to choose.
    // Fields with an architected reset value (GBPA.Update resets to 0) must still have it.
    const fixedReset = fixedResetMask(reg);
    const resetOpen =
      (reg.reset === 'UNKNOWN' || reg.reset === 'IMPDEF' || b.kind === 'updateHandshake') && (rest & fixedReset) === 0n;
    if (resetOpen && untouched) {
      this.report(
        rec,
        vr,
        'info',
        'replay.unknown-reset',
        `${said()} before any write took effect: its reset value is ${reg.reset === 'UNKNOWN' ? 'UNKNOWN' : 'IMPLEMENTATION DEFINED'}, so the emulation chooses it; the model takes it`,
        reg.section,
      );
      this.adopt(reg, byte, rec.size, emu, rec.line, rec.vcpu);
      return;
    }

    const last = this.lastWrite.get(reg.name);
    const multi = this.mayBeMulti(rec);
    const message = (): string =>
      `${said()} but the model has ${hex(model, width)}: ${fieldsText(reg, rest, e) || `bits ${bitRanges(rest)}`} where the model has ${fieldsText(reg, rest, m) || 'zero'}${last !== undefined ? ` (last written at line ${last + 1})` : ' (never written: reset value)'}`;
    const d = this.report(rec, vr, 'error', 'replay.value', message, reg.section, multi);
    // A pending diagnostic is never only counted, and its message is made when the judge asks (report).
    if (multi && d)
      this.serial.pending({ rec, reg, byte, emu, diag: d, message: () => sectioned(message(), reg.section) });
  }

  /** CMDQ_CONS read by the emulation behind the model's: the SMMU may update CONS lazily (§6.3.28). */
  private consLagging(reg: RegisterDef, e: bigint, m: bigint): boolean {
    const qs = Math.min(
      Number(this.smmu.value(getRegister('CMDQ_BASE')) & 0x1fn),
      queueLog2Max(this.engine.ids, 'CMDQ'),
    );
    const keep = (1n << BigInt(qs + 1)) - 1n;
    const first = this.timeline.get(reg.name)?.previous()?.value ?? 0n;
    const span = 2n << BigInt(qs);
    const behind = ((m & keep) - (e & keep) + span) % span;
    const moved = ((m & keep) - (first & keep) + span) % span;
    return (e & ~keep & 0x7fff_ffffn) === (m & ~keep & 0x7fff_ffffn) && behind <= moved;
  }

  /** An SMMU-owned register's value: possible for an SMMU? (no prediction without guest memory) */
  /**
   * An SMMU-owned queue index that software never wrote, of a queue that was never enabled, still
   * holds the fields with an architected reset value: the SMMU changes them only for an enabled
   * queue (PRIQ_PROD.OVFLG resets to 0, §6.3.97, and toggles on an overflow of the enabled PRI
   * queue, §8.1). False (reported) when the emulation's value `e` contradicts that.
   */
  private resetFlagsHeld(rec: AccessRecord, reg: RegisterDef, e: bigint, returned: string): boolean {
    const b = reg.behaviour;
    if (b.kind !== 'queueIndex' || (this.timeline.get(reg.name)?.length ?? 0) > 1) return true;
    const ack = getRegister('CR0ACK');
    const enable = findField(ack, `${b.queue}EN`);
    if (!enable || extractField(this.timeline.get('CR0ACK')?.ever ?? 0n, enable) !== 0n) return true;
    for (const f of reg.fields) {
      if (typeof f.reset !== 'number' || extractField(e, f) === BigInt(f.reset)) continue;
      this.report(
        rec,
        rec.valueRange,
        'error',
        'replay.owned',
        `${returned}: ${f.name} = ${extractField(e, f)}, but ${f.name} resets to ${f.reset} (§${reg.section}) and the SMMU changes it only while the ${b.queue === 'PRIQ' ? 'PRI' : b.queue === 'EVENTQ' ? 'Event' : 'Command'} queue is enabled; CR0ACK.${b.queue}EN has not been 1 and software has not written SMMU_${reg.name}`,
        reg.section,
      );
      return false;
    }
    return true;
  }

  private checkOwned(rec: AccessRecord, reg: RegisterDef, emu: bigint, model: bigint): boolean {
    const b = reg.behaviour;
    const vr = rec.valueRange;
    if (b.kind !== 'queueIndex') return true;
    const base = getRegister(`${b.queue}_BASE`);
    const max = queueLog2Max(this.engine.ids, b.queue);
    const qs = Math.min(Number(this.smmu.value(base) & 0x1fn), max);
    const keep = (1n << BigInt(qs + 1)) - 1n;
    const idxField = reg.fields.find((f) => f.name === 'RD' || f.name === 'WR');
    if (!idxField) return true;
    const idx = extractField(emu, idxField);
    if ((idx & ~keep) !== 0n) {
      this.report(
        rec,
        vr,
        'error',
        'replay.owned',
        `SMMU_${reg.name} returned ${hex(emu)}: index bits above [${qs}] are set, but with LOG2SIZE ${qs} the index is bits [${Math.max(qs - 1, 0)}:0] and the wrap flag bit [${qs}]`,
        '6.3.27',
      );
      return false;
    }
    const size = 1n << BigInt(qs);
    const span = 2n * size;
    const otherReg = getRegister(`${b.queue}_${b.role === 'PROD' ? 'CONS' : 'PROD'}`);
    const otherField = otherReg.fields.find((f) => f.name === 'RD' || f.name === 'WR');
    const other = otherField ? extractField(this.smmu.value(otherReg), otherField) & keep : 0n;
    const old = extractField(model, idxField) & keep;
    if (b.role === 'CONS') {
      // The consumer never passes the producer and never goes backwards (§3.5).
      const avail = (other - old + span) % span;
      const moved = (idx - old + span) % span;
      if (moved > avail) {
        this.report(
          rec,
          vr,
          'error',
          'replay.owned',
          `SMMU_${reg.name} returned ${hex(emu)}: RD ${hex(idx)} is past the producer (PROD.WR ${hex(other)}, previous RD ${hex(old)}); the SMMU consumes only entries software produced`,
          '3.5',
        );
        return false;
      }
    } else {
      // The SMMU produces at most a queue's worth beyond the consumer (§3.5).
      const dist = (idx - other + span) % span;
      if (dist > size) {
        this.report(
          rec,
          vr,
          'error',
          'replay.owned',
          `SMMU_${reg.name} returned ${hex(emu)}: WR ${hex(idx)} is ${dist} entries ahead of CONS.RD ${hex(other)}, more than the queue holds (${size})`,
          '3.5',
        );
        return false;
      }
    }
    return true;
  }
}

const fixedResets = new Map<RegisterDef, bigint>();
/** The bits of the fields with an architected reset value (the table's `reset` numbers), per register once. */
function fixedResetMask(reg: RegisterDef): bigint {
  let m = fixedResets.get(reg);
  if (m === undefined) {
    m = reg.fields.reduce((acc, f) => (typeof f.reset === 'number' ? acc | fieldMask(f) : acc), 0n);
    fixedResets.set(reg, m);
  }
  return m;
}

function accessMask(reg: RegisterDef, byte: number, size: number): bigint {
  return size === 8 ? widthMask(reg) : (MASK32 << BigInt(byte * 8)) & widthMask(reg);
}

function h(n: number): string {
  return '0x' + n.toString(16).toUpperCase().padStart(4, '0');
}

/** Where a replay's configuration comes from, decided before the first record is replayed. */
export interface ReplayStart {
  /** Undefined when no configuration could be made: nothing is replayed. */
  readonly setup?: Omit<ReplaySetup, 'hasMemory' | 'vcpus' | 'serial' | 'maxGuestMemory'>;
  readonly config: ResolvedConfig;
  readonly configSource: string;
}

const NO_CONFIG: ResolvedConfig = {
  name: 'none',
  ids: { IDR0: 0, IDR1: 0, IDR2: 0, IDR3: 0, IDR4: 0, IDR5: 0, IIDR: 0, AIDR: 0 },
  choices: DEFAULT_CHOICES,
  gbpaReset: 0,
};

/**
 * The configuration to replay against: the given one, or the one the ID register reads among
 * `records` imply (the whole trace, or the streamed replay's look ahead). What the configuration
 * rules say about inferred values goes to `report`, at the reads.
 */
export function startReplay(
  records: readonly TraceRecord[],
  options: ReplayOptions,
  report: (d: TraceDiagnostic, group: number) => void,
): ReplayStart {
  for (const d of options.configDiagnostics ?? []) report({ ...d, line: d.range.start.line }, GROUP.config);
  let config = options.config;
  let source = options.configSource ?? config?.name ?? '';
  let inferred = false;
  const inf = inferConfig(records);
  if (!config) {
    const first = [...inf.reads.values()].sort((a, b) => a.line - b.line)[0];
    const at: Range = first?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    for (const d of inf.diagnostics) {
      if (d.severity === 'info') continue;
      const reg = /\b(IDR\d|IIDR|AIDR)\b/.exec(d.message)?.[1];
      const where = (reg && inf.reads.get(reg)?.range) || at;
      report(
        {
          severity: d.severity === 'error' ? 'error' : 'warning',
          code: 'trace.config',
          message: `the emulation's ID registers: ${d.message} (configuration rule ${d.code})`,
          range: where,
          line: where.start.line,
        },
        GROUP.inferred,
      );
    }
    if (inf.config) {
      config = inf.config;
      inferred = true;
      const zero = inf.unread.filter((n) => n !== 'AIDR' || !inf.version);
      const notes = [
        ...(zero.length ? [`${zero.join(', ')} never read: taken as 0`] : []),
        ...(inf.version
          ? [`AIDR never read: SMMUv${inf.version}, the lowest version the other ID registers are consistent with`]
          : []),
      ];
      source = `inferred from the trace's ID register reads${notes.length ? ` (${notes.join('; ')})` : ''}`;
    }
  }
  if (!config) {
    const at: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    report(
      {
        severity: 'error',
        code: 'trace.config',
        message: 'no configuration: the ID register values the trace read do not make one; give --config',
        range: at,
        line: 0,
      },
      GROUP.inferred,
    );
    return { config: NO_CONFIG, configSource: 'none' };
  }
  return { setup: { config, inferredIds: inferred, firstIdReads: inf.reads }, config, configSource: source };
}

/** Replay a parsed trace. Never throws on any trace. */
export function replayTrace(trace: ParsedTrace, options: ReplayOptions = {}): ReplayResult {
  // The parse's, then the configuration's, then the replay's diagnostics, sorted (stably) by
  // position at the end; the streamed replay's ReportOrder gives the same order as it goes.
  const head: TraceDiagnostic[] = trace.diagnostics.map((d) => ({ ...d, line: d.range.start.line }));
  const replayed: TraceDiagnostic[] = [];
  const index = new Map<TraceDiagnostic, number>();
  const start = startReplay(trace.records, options, (d) => head.push(d));
  const lines = new Map<number, LineReplay>();
  const adopted = new Map<number, Adoption[]>();
  const vcpus = new Set(trace.records.flatMap((r) => (r.kind === 'access' && r.vcpu !== undefined ? [r.vcpu] : [])));
  let rp: Replayer | undefined;
  if (start.setup) {
    rp = new Replayer(
      {
        ...start.setup,
        hasMemory: trace.records.some((r) => r.kind === 'memory'),
        vcpus,
        ...(options.maxGuestMemory !== undefined ? { maxGuestMemory: options.maxGuestMemory } : {}),
      },
      {
        diagnostic: (d) => index.set(d, replayed.push(d) - 1),
        replace: (old, d) => {
          const i = index.get(old);
          if (i !== undefined) replayed[i] = d;
        },
        line: (l) => lines.set(l.record.line, l),
        adopted: (line, a) => {
          const list = adopted.get(line);
          if (list) list.push(a);
          else adopted.set(line, [a]);
        },
      },
    );
    for (const rec of trace.records) rp.record(rec);
    rp.serial.end();
  }
  const diagnostics = [...head, ...replayed].sort(
    (a, b) => a.line - b.line || a.range.start.character - b.range.start.character,
  );
  const tally = new Tally();
  for (const d of diagnostics) tally.add(d);
  return {
    config: start.config,
    configSource: start.configSource,
    diagnostics,
    lines,
    summary: summarize(tally, trace.records.length, rp, [...vcpus]),
    ...(rp ? { adopted } : {}),
  };
}

/** The summary of a replay from its tally; `rp` undefined: nothing was replayed. */
export function summarize(tally: Tally, records: number, rp: Replayer | undefined, vcpus: number[]): ReplaySummary {
  return {
    records,
    notReplayed: rp ? 0 : records,
    reads: rp?.reads ?? 0,
    writes: rp?.writes ?? 0,
    errors: tally.errors,
    warnings: tally.warnings,
    infos: tally.infos,
    counts: tally.counts,
    ...(tally.firstDivergence ? { firstDivergence: tally.firstDivergence } : {}),
    vcpus: vcpus.sort((a, b) => a - b),
    ...(rp?.translated ? { translations: rp.translations.counts } : {}),
  };
}

/**
 * The replay's verdict in one line, as `smmu replay` and the debugger print it. Records that were
 * not replayed are said to be so: a count of reads and writes would claim they were.
 */
export function summaryText(s: ReplaySummary): string {
  const records = counted(s.records, 'record');
  const head = s.notReplayed
    ? `${records}, ${s.notReplayed === s.records ? 'none' : s.records - s.notReplayed} replayed`
    : `${records} (${counted(s.reads, 'read')}, ${counted(s.writes, 'write')}${s.vcpus.length > 1 ? `, vCPUs ${s.vcpus.join(', ')}` : ''})`;
  const t = s.translations;
  const tr = t
    ? `; ${counted(t.checked + t.unchecked, 'translation')}: ${t.checked} checked${t.diverged ? ` (${t.diverged} diverged)` : ''}, ${t.unchecked} not checked`
    : '';
  return `${head}: ${severityCounts(s.errors, s.warnings, s.infos)}${tr}`;
}
