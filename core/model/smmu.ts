/**
 * The MMIO front end of the reference model: `read`/`write` as a guest performs them, returning
 * the value or an abort, with findings that explain every architectural rule that applied.
 *
 * The model is deterministic and single-threaded; every access is applied whole before the next
 * one is looked at, so a 64-bit write is never observed half-done (the atomicity the seed's
 * reviewer asked of Xen's vSMMU, §6.2 "single-copy atomic"). Register updates that the
 * architecture lets take time (CR0→CR0ACK, IRQ_CTRL→IRQ_CTRLACK, GBPA.Update) complete at once.
 */
import { POW2 } from '../base/pow2';
import { unreachable } from '../base/exhaustive';
import type { PresetBaseName, ResolvedConfig } from '../config/types';
import {
  decode,
  describeFeature,
  enumOf,
  extractField,
  featureHolds,
  hex,
  bitRanges,
  implementedMask,
  type IdView,
} from '../registers/codec';
import { definedMask, fieldMask, findField, getRegister, REGISTERS, widthMask } from '../registers/table';
import type { AnyQueueName, FeatureRef, FieldDef, GuardRef, RegisterDef, RegisterName } from '../registers/types';
import { queueLayout } from '../structures/bases';
import * as caps from '../structures/capabilities';
import type { AccessResult, AccessSize, Finding, SecurityState } from './access';
import { decodeAccess, type Target } from './decode-access';
import { controlPageValue, ECMDQ_FIELDS, ecmdqLayout, EcmdqFile, writeEcmdq, type EcmdqLayout } from './ecmdq';
import { ECMDQ_CONS, ECMDQ_PROD, type ArrayRegisterDef } from '../registers/ecmdq';
import { RegisterFile, registerIndex } from './register-file';
import { idViewOf } from './ids';
import { anyGuard, checkedSlots, queuePasses, wordPasses, type CheckedSlot } from './checked-write';

/** One access as recorded in the model's history. */
export interface AccessRecord {
  readonly seq: number;
  readonly kind: 'read' | 'write';
  readonly offset: number;
  readonly size: AccessSize;
  /** Value written, or value returned by a read. */
  readonly value: bigint;
  readonly register?: RegisterName;
  /** An ECMDQ array register with its instance (`ECMDQ_PROD3`, §6.2.5), where `register` is none. */
  readonly arrayRegister?: string;
  readonly result: AccessResult;
}

/**
 * The changes of an access that changed no register, shared: `changes: []` inside a result's
 * literal makes V8 build the literal with a runtime call at every access, in the baseline code a
 * cold check runs (a nested literal is not a shallow copy of the boilerplate).
 */
const NO_CHANGES: AccessResult['changes'] = Object.freeze([]);

/** Decoded accesses an SMMU keeps (Smmu.targetOf), and the offsets it keeps them for (key below 2^53). */
const MAX_KEPT_TARGETS = 4096;
const MAX_KEPT_TARGET_OFFSET = 2 ** 40;

const MASK32 = 0xffff_ffffn;

/** Queue registers by name, resolved once (the doorbell path). */
const QUEUES: readonly AnyQueueName[] = ['CMDQ', 'EVENTQ', 'PRIQ', 'S_CMDQ', 'S_EVENTQ'];
/** Each queue's BASE register and its LOG2SIZE field (queueLog2 reads them at every PROD or CONS write). */
const QUEUE_BASES = new Map(QUEUES.map((q) => [q, queueBase(q)]));
function queueBase(queue: AnyQueueName): { readonly base: RegisterDef; readonly log2: FieldDef | undefined } {
  const base = getRegister(`${queue}_BASE`);
  return { base, log2: findField(base, 'LOG2SIZE') };
}
const QUEUE_INDEXES = new Map(
  QUEUES.flatMap((q) => (['PROD', 'CONS'] as const).map((r) => [`${q}_${r}`, getRegister(`${q}_${r}`)] as const)),
);
const CR0ACK = getRegister('CR0ACK');
const S_CR0ACK = getRegister('S_CR0ACK');

/**
 * What checkQueueIndex reads of a PROD or CONS register, found once per register: its index field
 * (WR or RD), the enable that makes the PROD–CONS distance checked, and the other index register.
 */
interface QueueIndexInfo {
  readonly idx: FieldDef | undefined;
  readonly enable: FieldDef | undefined;
  readonly otherIdx: FieldDef | undefined;
  readonly isProd: boolean;
  /** The register-file words (register-file.ts) of the ACK register and of the other index register (-1: none). */
  readonly ackWord: number;
  readonly otherWord: number;
}
const queueIndexes = new Map<RegisterDef, QueueIndexInfo>();
const indexField = (r: RegisterDef) => r.fields.find((f) => f.name === 'WR' || f.name === 'RD');
function queueIndexOf(reg: RegisterDef, queue: AnyQueueName): QueueIndexInfo {
  let q = queueIndexes.get(reg);
  if (q === undefined) {
    const isProd = reg.name.endsWith('PROD');
    const ack = queue === 'S_CMDQ' || queue === 'S_EVENTQ' ? S_CR0ACK : CR0ACK;
    const other = QUEUE_INDEXES.get(`${queue}_${isProd ? 'CONS' : 'PROD'}`);
    const idx = indexField(reg);
    const enable = findField(ack, `${caps.queueKindOf(queue)}EN`);
    const otherIdx = other && indexField(other);
    // checkQueueIndex computes with numbers: every queue index register is 32 bits wide, with its
    // index field, and the enable in the 32-bit ACK register (§6.3.27, §6.3.10). Said here, once,
    // so a table that broke it would fail at the first write rather than compute wrongly.
    if (reg.width !== 32 || (other && other.width !== 32) || ack.width !== 32 || (enable && enable.msb > 31))
      throw new Error(`internal: ${reg.name} and its queue's registers are not all 32-bit`);
    q = {
      idx,
      enable,
      otherIdx,
      isProd,
      ackWord: registerIndex(ack) * 2,
      otherWord: other ? registerIndex(other) * 2 : -1,
    };
    queueIndexes.set(reg, q);
  }
  return q;
}
const NONE: readonly GuardRef[] = [];

/**
 * The fields of a register the write path checks, by what it checks (the table never changes, so
 * per register once): a write looks only at these instead of testing every field for each rule.
 */
interface FieldKinds {
  /** Fields with a feature condition (`requires`). */
  readonly requiring: readonly FieldDef[];
  /** Fields Guarded on their own (CR1.TABLE_*, §6.2), or by the ECMDQ enables (CR1.QUEUE_*, §6.3.11.2). */
  readonly guarded: readonly FieldDef[];
  /** Enumerated fields with a reserved encoding: a value not listed among `values` (§6.3). */
  readonly reservedEncodings: readonly FieldDef[];
  /** Fields an ID register field limits (§6.3.42). */
  readonly limited: readonly FieldDef[];
}

const kindsOf = new Map<RegisterDef, FieldKinds>();

function fieldKinds(reg: RegisterDef): FieldKinds {
  let k = kindsOf.get(reg);
  if (!k) {
    k = {
      requiring: reg.fields.filter((f) => f.requires),
      guarded: reg.fields.filter((f) => f.guardedBy || f.guardedByEcmdqs),
      // A field listing every encoding of its width has none reserved (CR0.SMMUEN: 0 and 1).
      reservedEncodings: reg.fields.filter((f) => {
        if (f.openValues || !f.values) return false;
        const width = f.msb - f.lsb + 1;
        if (width > 16) return true;
        for (let v = 0; v < 2 ** width; v++) if (!f.values.some((e) => e.value === v)) return true;
        return false;
      }),
      limited: reg.fields.filter((f) => f.limitedBy),
    };
    kindsOf.set(reg, k);
  }
  return k;
}

/** `SMMU_CR0`: a register's name in messages, made once. */
const names = new Map<RegisterDef, string>();
function smmuName(reg: RegisterDef): string {
  let n = names.get(reg);
  if (n === undefined) names.set(reg, (n = `SMMU_${reg.name}`));
  return n;
}

/** A guard's register and field, and its ACK's while an Update may be pending (§6.2), resolved once. */
interface ResolvedGuard {
  readonly reg: RegisterDef;
  readonly field: FieldDef;
  readonly ack?: { readonly reg: RegisterDef; readonly field: FieldDef };
}
const guards = new Map<GuardRef, ResolvedGuard | null>();
function resolvedGuard(guard: GuardRef): ResolvedGuard | undefined {
  let g = guards.get(guard);
  if (g === undefined) {
    const reg = getRegister(guard.register);
    const field = findField(reg, guard.field);
    const b = reg.behaviour;
    const ackReg = b.kind === 'acked' ? getRegister(b.ack) : undefined;
    const ackField = ackReg && findField(ackReg, guard.field);
    g = field ? { reg, field, ...(ackReg && ackField ? { ack: { reg: ackReg, field: ackField } } : {}) } : null;
    guards.set(guard, g);
  }
  return g ?? undefined;
}

export interface RegisterChange {
  readonly register: RegisterName;
  readonly before: bigint;
  readonly after: bigint;
}

/**
 * What the SMMU does beyond storing a register: consuming commands after a CMDQ_PROD doorbell,
 * starting or stopping queues on CR0 changes, resuming after a GERRORN acknowledgement. The
 * engine (core/engine) implements it; the MMIO model alone has none.
 */
export interface RegisterEffects {
  /** Called after every successful write to a register, with the value before the write. */
  afterWrite(reg: RegisterDef, before: bigint, findings: Finding[]): void;
  /** Called after a write to a register of ECMDQ `n` (§3.5.6), with the register's value before it. */
  afterEcmdqWrite?(reg: ArrayRegisterDef, n: number, before: bigint, findings: Finding[]): void;
  /**
   * The checked fast path's question, after it stored a write (`before`: the register's low word
   * before it): would `afterWrite` do nothing but what this does now (drop what it caches)? False,
   * with nothing done, when it would act or report: the model then undoes the store and the
   * write takes the full path. Without it, every write with effects takes the full path.
   */
  plainWrite?(reg: RegisterDef, before: number): boolean;
}

export class Smmu {
  /**
   * The configuration and its ID view: set at construction, and replaced (never changed in place)
   * when a reset brings another configuration (reconfigure), so a debugger snapshot that shares
   * them keeps the ones of its time (core/debug/snapshot.ts).
   */
  config: ResolvedConfig;
  ids: IdView;
  private readonly regs = new RegisterFile();
  /** The ECMDQ registers (§3.5.6), as many as the configuration's SMMU_IDR6 gives. */
  readonly ecmdq = new EcmdqFile();
  /** Where the Command queue control pages are, or undefined without SMMU_IDR1.ECMDQ. */
  ecmdqLayout: EcmdqLayout | undefined;
  // The fast-path tables are made for one configuration and replaced with it (reconfigure).
  /** Per 4-byte slot of pages 0 and 1: word of `regs` a plain 32-bit read returns, or -1 (see buildFastPaths). */
  private fastRead = new Int32Array(0x8000).fill(-1);
  /** Per slot: word a plain 32-bit write stores, or -1; `fastKeep` the bits it keeps. */
  private fastWrite = new Int32Array(0x8000).fill(-1);
  private fastKeep = new Uint32Array(0x8000);
  /** Per slot: register-file words and masks of the write's guard and its ACK (0 mask: none). */
  private fastGuard = new Uint32Array(0x8000 * 4);
  /** The checked fast path's slots (checked-write.ts): per 4-byte slot an index into `fastChecked`, or -1. */
  private fastCheckedAt: Int32Array;
  private fastChecked: CheckedSlot[];
  private seq = 0;
  /** Every access, in order, unless recording is off (benchmarks). */
  readonly history: AccessRecord[] = [];
  recording = true;
  effects?: RegisterEffects;
  /** Changes made while an access is in progress (the write itself and the SMMU's reaction). */
  private changeLog?: RegisterChange[];

  constructor(config: ResolvedConfig) {
    this.config = config;
    this.ids = idViewOf(config);
    this.ecmdqLayout = ecmdqLayout(this.ids);
    this.reset();
    this.buildFastPaths();
    ({ at: this.fastCheckedAt, slots: this.fastChecked } = checkedSlots(config, this.ids));
  }

  /**
   * The hot path's tables: a slot is fast for reads when a 32-bit read there is a plain register
   * read with nothing to report, and fast for writes when the register only stores its
   * implemented fields (no guard, no handshake, no enumerated field whose reserved encodings
   * need a warning, no side effect). Everything else takes the full path.
   */
  private buildFastPaths(): void {
    // Only slots inside a register can be fast; the rest keep -1 (the full path decides).
    const slots = REGISTERS.flatMap((r) => (r.width === 64 ? [r.offset / 4, r.offset / 4 + 1] : [r.offset / 4])).filter(
      (x) => x < 0x8000,
    );
    for (const slot of slots) {
      const offset = slot * 4;
      const t = decodeAccess(offset, 4, this.config, this.ids);
      if (t.kind !== 'register' || t.findings.length) continue;
      const reg = t.reg;
      const word = registerIndex(reg) * 2 + t.byte / 4;
      this.fastRead[slot] = word;
      const guards = reg.guardedBy ?? [];
      const simple =
        !this.isFixed(reg) &&
        reg.behaviour.kind === 'store' &&
        reg.access === 'RW' &&
        guards.length <= 1 &&
        reg.fields.every(
          (f) =>
            !f.guardedBy?.length && (!f.values || f.openValues) && (!f.requires || featureHolds(f.requires, this.ids)),
        );
      if (!simple) continue;
      const g = guards[0];
      if (g) {
        // One guard field and, for an acked register, the same field of its ACK (§6.2 Guarded).
        const greg = getRegister(g.register);
        const gf = findField(greg, g.field);
        if (!gf || gf.msb >= 32) continue;
        this.fastGuard[slot * 4] = registerIndex(greg) * 2;
        this.fastGuard[slot * 4 + 1] = Number(fieldMask(gf));
        const b = greg.behaviour;
        const ack = b.kind === 'acked' ? getRegister(b.ack) : undefined;
        const af = ack && findField(ack, g.field);
        if (ack && af) {
          this.fastGuard[slot * 4 + 2] = registerIndex(ack) * 2;
          this.fastGuard[slot * 4 + 3] = Number(fieldMask(af));
        }
      }
      const keep = (definedMask(reg) & implementedMask(reg, this.ids)) >> BigInt(t.byte * 8);
      this.fastWrite[slot] = word;
      this.fastKeep[slot] = Number(keep & MASK32);
    }
  }

  /**
   * A 32-bit guest read, returning the value as a number: the same result as `read(offset, 4)`,
   * without building a result when there is nothing to report (history recording off).
   */
  read32(offset: number): number {
    const slot = offset >>> 2;
    if (!this.recording && (offset & 3) === 0 && slot < 0x8000) {
      const w = this.fastRead[slot] as number;
      if (w >= 0) return this.regs.words[w] as number;
    }
    return Number(this.read(offset, 4).value);
  }

  /**
   * A 32-bit guest write of a number: the same effect as `write(offset, 4, value)`. Returns true
   * when the write had nothing to report; otherwise the full path ran (its findings are in
   * `lastFindings`).
   */
  write32(offset: number, value: number): boolean {
    const slot = offset >>> 2;
    if (!this.recording && (offset & 3) === 0 && slot < 0x8000) {
      const w = this.fastWrite[slot] as number;
      const keep = this.fastKeep[slot] as number;
      const g = slot * 4;
      const words = this.regs.words;
      if (
        w >= 0 &&
        ((value >>> 0) & ~keep) === 0 &&
        ((words[this.fastGuard[g] as number] as number) & (this.fastGuard[g + 1] as number)) === 0 &&
        ((words[this.fastGuard[g + 2] as number] as number) & (this.fastGuard[g + 3] as number)) === 0
      ) {
        this.regs.words[w] = value >>> 0;
        return true;
      }
    }
    const r = this.write(offset, 4, BigInt(value >>> 0));
    this.lastFindings = r.findings;
    return r.findings.length === 0;
  }

  /**
   * A 32-bit read on the fast path only: the value, or -1 when the read needs the full path
   * (`read`). Nothing is recorded, as `read32` records nothing with history off.
   */
  readFast32(offset: number): number {
    const slot = offset >>> 2;
    if (this.recording || (offset & 3) !== 0 || slot >= 0x8000) return -1;
    const w = this.fastRead[slot] as number;
    return w >= 0 ? (this.regs.words[w] as number) : -1;
  }

  /**
   * A 32-bit write on the fast path only (`write32`'s first branch): the word's value before it,
   * or -1 when the write needs the full path (`write`) and nothing was written.
   */
  writeFast32(offset: number, value: number): number {
    const slot = offset >>> 2;
    if (this.recording || (offset & 3) !== 0 || slot >= 0x8000) return -1;
    const w = this.fastWrite[slot] as number;
    const keep = this.fastKeep[slot] as number;
    const g = slot * 4;
    const words = this.regs.words;
    if (
      w < 0 ||
      ((value >>> 0) & ~keep) !== 0 ||
      ((words[this.fastGuard[g] as number] as number) & (this.fastGuard[g + 1] as number)) !== 0 ||
      ((words[this.fastGuard[g + 2] as number] as number) & (this.fastGuard[g + 3] as number)) !== 0
    )
      return -1;
    const before = words[w] as number;
    words[w] = value >>> 0;
    return before;
  }

  /**
   * A 32-bit write on the checked fast path (checked-write.ts): a write to an acknowledged or
   * Guarded register, one with Guarded fields or reserved encodings, or a queue base's half,
   * made as the full path makes it (the ACK updated, the engine's `plainWrite` asked) when none
   * of the full path's checks would report anything. Returns -1, with nothing written, when the
   * write needs the full path (`write`); otherwise which registers changed: 1 the register, 2 its ACK.
   */
  writeChecked32(offset: number, value: number): number {
    const slot = offset >>> 2;
    if (this.recording || (offset & 3) !== 0 || slot >= 0x8000) return -1;
    const i = this.fastCheckedAt[slot] as number;
    if (i < 0) return -1;
    const c = this.fastChecked[i] as CheckedSlot;
    const words = this.regs.words;
    const v = value >>> 0;
    if (anyGuard(words, c.guards) || !wordPasses(c, words, v, this.ecmdq.count)) return -1;
    // The full path keeps only the implemented bits of the half it does not write.
    const other = c.other >= 0 ? (words[c.other] as number) : 0;
    if ((other & ~c.otherKeep) !== 0) return -1;
    if (c.queue && !queuePasses(c.queue, c.high ? other : v)) return -1;
    return this.commitChecked(c, v, other);
  }

  /** A 64-bit write of `lo` and `hi` on the checked fast path: as `writeChecked32`, for both words at once. */
  writeChecked64(offset: number, lo: number, hi: number): number {
    const slot = offset >>> 2;
    if (this.recording || (offset & 7) !== 0 || slot >= 0x8000) return -1;
    const i = this.fastCheckedAt[slot] as number;
    const j = this.fastCheckedAt[slot + 1] as number;
    if (i < 0 || j < 0) return -1;
    const c = this.fastChecked[i] as CheckedSlot;
    const h = this.fastChecked[j] as CheckedSlot;
    if (!c.wide || h.reg !== c.reg) return -1;
    const words = this.regs.words;
    const l = lo >>> 0;
    const u = hi >>> 0;
    const n = this.ecmdq.count;
    if (anyGuard(words, c.guards) || !wordPasses(c, words, l, n) || !wordPasses(h, words, u, n)) return -1;
    if (c.queue && !queuePasses(c.queue, l)) return -1;
    return this.commitChecked(c, l, u);
  }

  /** The ACK's value before the last checked write to an acknowledged register (an Update may be in progress). */
  ackBefore = 0;

  /** Store a checked write (and its ACK), then ask the effects; undone if they would act. */
  private commitChecked(c: CheckedSlot, v: number, other: number): number {
    const words = this.regs.words;
    const before = words[c.word] as number;
    const otherBefore = c.other >= 0 ? (words[c.other] as number) : 0;
    words[c.word] = v;
    if (c.other >= 0) words[c.other] = other;
    let changed = before !== v || otherBefore !== other ? 1 : 0;
    const ack = c.ack;
    const ackBefore = ack ? (words[ack.word] as number) : 0;
    this.ackBefore = ackBefore;
    if (ack) {
      const a = (v & ack.keep) >>> 0;
      words[ack.word] = a;
      if (a !== ackBefore) changed |= 2;
    }
    const effects = this.effects;
    if (effects && !effects.plainWrite?.(c.reg, c.high ? otherBefore : before)) {
      words[c.word] = before;
      if (c.other >= 0) words[c.other] = otherBefore;
      if (ack) words[ack.word] = ackBefore;
      return -1;
    }
    return changed;
  }

  /** Findings of the last `write32` that took the full path. */
  lastFindings: readonly Finding[] = [];

  /**
   * Architectural reset (§3.11): ID registers from the configuration; UNKNOWN values read as 0;
   * base registers a preset fixes hold the configuration's values (their implemented fields).
   */
  reset(): void {
    this.resetRegisters();
    this.history.length = 0;
    this.seq = 0;
  }

  /**
   * Another configuration (a script's `config` line after `reset`): its ID registers and choices
   * from now on, with fresh fast-path tables; the caller resets the registers.
   */
  reconfigure(config: ResolvedConfig): void {
    this.config = config;
    this.ids = idViewOf(config);
    this.decodedTargets = new Map();
    this.ecmdqLayout = ecmdqLayout(this.ids);
    this.fastRead = new Int32Array(0x8000).fill(-1);
    this.fastWrite = new Int32Array(0x8000).fill(-1);
    this.fastKeep = new Uint32Array(0x8000);
    this.fastGuard = new Uint32Array(0x8000 * 4);
    this.unadvertised = new Map();
    this.buildFastPaths();
    ({ at: this.fastCheckedAt, slots: this.fastChecked } = checkedSlots(config, this.ids));
  }

  /**
   * Every register to its reset value (§3.11, each register's reset in §6.3): ID registers from
   * the configuration, GBPA from its reset value, UNKNOWN values as 0. The access history stays.
   */
  resetRegisters(): void {
    for (const reg of REGISTERS) {
      let v = 0n;
      if (reg.behaviour.kind === 'id') v = BigInt(this.config.ids[reg.name] ?? 0);
      else if (reg.name === 'GBPA') v = BigInt(this.config.gbpaReset) & ~(1n << 31n);
      else if (this.isFixed(reg))
        v =
          (this.config.presetBases?.[reg.name as PresetBaseName] ?? 0n) &
          definedMask(reg) &
          implementedMask(reg, this.ids);
      else if (typeof reg.reset === 'bigint') v = reg.reset;
      // A register this configuration does not have (S_GBPA without Secure state) holds nothing.
      if (reg.requires && !featureHolds(reg.requires, this.ids)) v = 0n;
      this.regs.set(reg, v & widthMask(reg));
    }
    const l = this.ecmdqLayout;
    this.ecmdq.reset(l ? l.pages * l.perPage : 0);
  }

  /** Current value of an array register (§6.3.49–§6.3.51 computed, §6.3.107–§6.3.109 stored). */
  arrayValue(reg: ArrayRegisterDef, n: number): bigint {
    if (reg.block === 'control-page') return this.ecmdq.get(reg, n);
    return this.ecmdqLayout ? controlPageValue(reg, n, this.ecmdqLayout) : 0n;
  }

  /**
   * True when a preset fixes the register: SMMU_IDR1.TABLES_PRESET for the Stream table base
   * registers, QUEUES_PRESET for the queue bases (§6.3.2). It is then read-only (§6.3.24).
   */
  isFixed(reg: RegisterDef): boolean {
    return reg.fixedBy !== undefined && featureHolds(reg.fixedBy, this.ids);
  }

  /** Current value of a register by name, without an access (for views and expectations). */
  peek(name: RegisterName): bigint {
    return this.regs.get(getRegister(name));
  }

  /**
   * What an aligned 32-bit read at `offset` (from the base) returns, without making the access:
   * nothing is recorded and nothing is reported. Undefined where such a read aborts (an offset
   * the configuration's choices make abort). No SMMUv3 register changes when read (§6.3: no
   * read-sensitive fields), so this is the value the read would return; the model's only effect
   * of a read is its record in `history`, which views must not add to.
   */
  peek32(offset: number): number | undefined {
    const target = decodeAccess(offset, 4, this.config, this.ids);
    if (target.kind === 'abort') return undefined;
    if (target.kind === 'razwi') return 0;
    if (target.kind === 'array')
      return Number((this.arrayValue(target.reg, target.n) >> BigInt(target.byte * 8)) & MASK32);
    return Number((this.regs.get(target.reg) >> BigInt(target.byte * 8)) & MASK32);
  }

  /** A copy of all register values, by name. */
  snapshot(): Map<RegisterName, bigint> {
    const m = new Map<RegisterName, bigint>();
    for (const r of REGISTERS) m.set(r.name, this.regs.get(r));
    return m;
  }

  /**
   * A guest load; `security` is the access's Security state (default: the register's own, §3.10.2).
   * `target`: what decodeAccess gives for this access, when the caller has it (the replay keeps it per offset).
   */
  read(
    offset: number,
    size: AccessSize,
    security?: SecurityState,
    target: Target = this.targetOf(offset, size, security),
  ): AccessResult {
    let result: AccessResult;
    let register: RegisterName | undefined;
    if (target.kind === 'register') {
      register = target.reg.name;
      const full = this.regs.get(target.reg);
      const value = size === 8 ? full : (full >> BigInt(target.byte * 8)) & MASK32;
      result = { ok: true, value, findings: target.findings, changes: NO_CHANGES };
    } else if (target.kind === 'array') {
      const full = this.arrayValue(target.reg, target.n);
      const value = size === 8 ? full : (full >> BigInt(target.byte * 8)) & MASK32;
      result = { ok: true, value, findings: target.findings, changes: NO_CHANGES };
    } else {
      result = { ok: target.kind !== 'abort', value: 0n, findings: target.findings, changes: NO_CHANGES };
    }
    this.record(
      'read',
      offset,
      size,
      result.value,
      register,
      result,
      target.kind === 'array' ? target.name : undefined,
    );
    return result;
  }

  /**
   * decodeAccess of the offsets a run accesses, kept until the configuration changes (the decoding
   * depends on the offset, the size, the Security state and the configuration only). Bounded, so a
   * script touching endless offsets decodes the rest each time. Its findings are shared by the
   * results of the accesses, which never change them (AccessResult.findings is read-only; a
   * write copies them before adding its own).
   */
  private decodedTargets = new Map<number, Target>();

  private targetOf(offset: number, size: AccessSize, security: SecurityState | undefined): Target {
    if (!Number.isInteger(offset) || offset < 0 || offset >= MAX_KEPT_TARGET_OFFSET)
      return decodeAccess(offset, size, this.config, this.ids, security);
    const key = offset * 64 + size * 4 + (security === undefined ? 0 : security === 'secure' ? 1 : 2);
    let t = this.decodedTargets.get(key);
    if (t === undefined) {
      t = decodeAccess(offset, size, this.config, this.ids, security);
      if (this.decodedTargets.size < MAX_KEPT_TARGETS) this.decodedTargets.set(key, t);
    }
    return t;
  }

  /** A guest store; `security` is the access's Security state (default: the register's own, §3.10.2). */
  write(offset: number, size: AccessSize, value: bigint, security?: SecurityState): AccessResult {
    const target = this.targetOf(offset, size, security);
    let result: AccessResult;
    let register: RegisterName | undefined;
    const sizeMask = size === 8 ? (1n << 64n) - 1n : MASK32;
    const v = value & sizeMask;
    const findings: Finding[] = [...target.findings];
    if (value !== v || value < 0n) {
      findings.push({
        severity: 'error',
        code: 'value.width',
        section: '6.2',
        message: `value ${value < 0n ? value.toString() : hex(value, 64)} does not fit a ${size * 8}-bit access; only its low ${size * 8} bits are written`,
      });
    }
    if (target.kind === 'register') {
      register = target.reg.name;
      result = this.writeRegister(target.reg, target.byte, size, v, findings);
      this.changeLog = undefined;
    } else if (target.kind === 'array') {
      result = this.writeArray(target.reg, target.n, target.byte, size === 8 ? 8 : 4, v, findings);
    } else {
      const secureOnly = findings.find((f) => f.code === 'access.secure-register');
      if (secureOnly && v !== 0n) {
        findings.push({
          severity: 'warning',
          code: 'write.secure-register',
          section: secureOnly.section,
          register: secureOnly.register,
          message: `a Non-secure write to the Secure register SMMU_${secureOnly.register ?? ''} is ignored (RAZ/WI): only Secure software programs the Secure interface (§3.10.2)`,
        });
      } else if (target.kind === 'razwi' && v !== 0n && findings.every((f) => f.severity === 'info')) {
        findings.push({
          severity: 'warning',
          code: 'write.res0',
          section: '6.2',
          message: `non-zero write to an undefined (RES0) location is ignored; software must not write RES0 locations with non-zero values`,
        });
      }
      result = { ok: target.kind !== 'abort', value: 0n, findings, changes: NO_CHANGES };
    }
    this.record('write', offset, size, v, register, result, target.kind === 'array' ? target.name : undefined);
    return result;
  }

  private record(
    kind: 'read' | 'write',
    offset: number,
    size: AccessSize,
    value: bigint,
    register: RegisterName | undefined,
    result: AccessResult,
    arrayRegister?: string,
  ): void {
    this.seq++;
    if (this.recording)
      this.history.push({
        seq: this.seq,
        kind,
        offset,
        size,
        value,
        register,
        ...(arrayRegister ? { arrayRegister } : {}),
        result,
      });
  }

  /**
   * A fault record software can only clear (DPT_CFG_FAR, §6.3.48): the write is IGNORED unless it
   * clears `field` while it is 1, and then the whole register is cleared to zero.
   */
  private writeClearOnly(
    reg: RegisterDef,
    field: string,
    old: bigint,
    next: bigint,
    accessMask: bigint,
    findings: Finding[],
    changes: RegisterChange[],
  ): void {
    const f = findField(reg, field);
    if (!f) throw new Error(`internal: no field ${reg.name}.${field}`);
    const clears = extractField(old, f) !== 0n && (fieldMask(f) & accessMask) !== 0n && extractField(next, f) === 0n;
    if (clears) {
      this.setNoted(changes, reg, 0n);
      return;
    }
    if (next !== old)
      findings.push({
        severity: 'warning',
        code: 'write.ignored',
        section: reg.section,
        register: reg.name,
        message: `SMMU_${reg.name}: a write is IGNORED unless it clears ${field} while ${field} is 1 (which clears the whole register); ${field} is ${extractField(old, f)}, so nothing changes`,
      });
  }

  /** True when `guard` (or its acknowledgement, while an Update is pending) is 1 (§6.2 Guarded). */
  private guardActive(guard: GuardRef): boolean {
    const g = resolvedGuard(guard);
    if (!g) return false;
    if (extractField(this.regs.get(g.reg), g.field) !== 0n) return true;
    return g.ack !== undefined && extractField(this.regs.get(g.ack.reg), g.ack.field) !== 0n;
  }

  /** Whether any of `guards` is 1 now (activeGuards without making its list). */
  private anyGuardActive(guards: readonly GuardRef[]): boolean {
    for (let i = 0; i < guards.length; i++) if (this.guardActive(guards[i] as GuardRef)) return true;
    return false;
  }

  /**
   * The ECMDQ enables that are 1 now, as guards of SMMU_CR1.QUEUE_* (§6.3.11.2: they may change
   * only while every SMMU_ECMDQ_PROD<n>.EN == SMMU_ECMDQ_CONS<n>.ENACK == 0). The first few named.
   */
  private activeEcmdqGuards(): string[] {
    const out: string[] = [];
    let more = 0;
    for (let n = 0; n < this.ecmdq.count; n++) {
      const en = extractField(this.ecmdq.get(ECMDQ_PROD, n), ECMDQ_FIELDS.PROD_EN);
      const enack = extractField(this.ecmdq.get(ECMDQ_CONS, n), ECMDQ_FIELDS.CONS_ENACK);
      if (en === 0n && enack === 0n) continue;
      if (out.length < 4) out.push(en ? `SMMU_ECMDQ_PROD${n}.EN` : `SMMU_ECMDQ_CONS${n}.ENACK`);
      else more++;
    }
    if (more) out.push(`${more} more ECMDQ${more > 1 ? 's' : ''}`);
    return out;
  }

  /** Fields of `reg` whose feature this configuration does not advertise (RES0 here), in table order, per register once. */
  private unadvertised = new Map<RegisterDef, readonly FieldDef[]>();

  unadvertisedFields(reg: RegisterDef, kinds = fieldKinds(reg)): readonly FieldDef[] {
    let u = this.unadvertised.get(reg);
    if (!u) {
      u = kinds.requiring.filter((f) => f.requires && !featureHolds(f.requires, this.ids));
      this.unadvertised.set(reg, u);
    }
    return u;
  }

  /** The guards in `guards` that are 1 now (§6.2 Guarded). */
  private activeGuards(guards: readonly GuardRef[] | undefined): GuardRef[] {
    const out: GuardRef[] = [];
    if (guards)
      for (let i = 0; i < guards.length; i++)
        if (this.guardActive(guards[i] as GuardRef)) out.push(guards[i] as GuardRef);
    return out;
  }

  /** Set a register, noting the change in `changes` when its value changes. */
  private setNoted(changes: RegisterChange[], r: RegisterDef, v: bigint): void {
    const before = this.regs.get(r);
    if (before !== v) {
      this.regs.set(r, v);
      changes.push({ register: r.name, before, after: v });
    }
  }

  // Every MMIO write of a script goes through here: no closure in it, since closures over its
  // parameters or `this` make V8 allocate a context on every call.
  private writeRegister(
    reg: RegisterDef,
    byte: number,
    size: AccessSize,
    value: bigint,
    findings: Finding[],
  ): AccessResult {
    const old = this.regs.get(reg);
    const name = smmuName(reg);
    const b = reg.behaviour;
    const kinds = fieldKinds(reg);

    if (reg.access === 'RO' || b.kind === 'id' || b.kind === 'status' || b.kind === 'ack') {
      findings.push({
        severity: 'warning',
        code: 'write.ro',
        section: '6.2',
        register: reg.name,
        message: `${name} is read-only: the write is ignored (§6.2 "read-only means writes are ignored")`,
      });
      return { ok: true, value: 0n, findings, changes: NO_CHANGES };
    }
    if (reg.fixedBy && this.isFixed(reg)) {
      findings.push({
        severity: 'warning',
        code: 'write.preset',
        section: reg.section,
        register: reg.name,
        message: `${name} is read-only because ${describeFeature(reg.fixedBy)} fixes it to IMPLEMENTATION DEFINED values (§${reg.section}, §6.3.2): the write is ignored`,
      });
      return { ok: true, value: 0n, findings, changes: NO_CHANGES };
    }
    const activeGuards = reg.guardedBy && this.anyGuardActive(reg.guardedBy) ? this.activeGuards(reg.guardedBy) : NONE;
    if (activeGuards.length) {
      const g = activeGuards.map((x) => `SMMU_${x.register}.${x.field}`).join(', ');
      findings.push({
        severity: 'error',
        code: 'write.guarded',
        section: '6.2',
        register: reg.name,
        guards: activeGuards,
        message: `${name} is Guarded by ${g}, which is 1: software may change it only while the guard is 0; the write is IGNORED (SMMUv3.2+ behaviour; earlier versions made it CONSTRAINED UNPREDICTABLE)`,
      });
      return { ok: true, value: 0n, findings, changes: NO_CHANGES };
    }

    // The bits this access covers, and the incoming full-width value.
    const shift = BigInt(byte * 8);
    const accessMask = size === 8 ? widthMask(reg) : (MASK32 << shift) & widthMask(reg);
    let next = (old & ~accessMask) | ((value << shift) & accessMask);
    const written = next & accessMask;

    // RES0 bits (§6.2: reserved bit positions read as zero and must not be written non-zero).
    const res0 = written & ~definedMask(reg) & accessMask;
    if (res0 !== 0n) {
      findings.push({
        severity: 'warning',
        code: 'write.res0',
        section: reg.section,
        register: reg.name,
        message: `${name}: RES0 bit${bitRanges(res0).includes(',') || bitRanges(res0).includes(':') ? 's' : ''} ${bitRanges(res0)} written as 1; they are not stored`,
      });
    }
    // Fields whose feature this configuration does not advertise are RES0 here.
    const impl = implementedMask(reg, this.ids);
    // Indexed loops over the fields: on a cold start V8 interprets this, and `for…of` allocates
    // an iterator result per field (docs/performance.md).
    const unadvertised = this.unadvertisedFields(reg, kinds);
    for (let i = 0; i < unadvertised.length; i++) {
      const f = unadvertised[i] as FieldDef & { requires: FeatureRef };
      if ((written & fieldMask(f)) === 0n) continue;
      // Enabling a feature the IDRs do not advertise (CR0, IRQ_CTRL) is an error: the guest would
      // believe it is on. Elsewhere (e.g. Linux writing CR2.PTM without IDR0.BTM) it is a RES0 write.
      findings.push({
        severity: b.kind === 'acked' ? 'error' : 'warning',
        code: 'write.unadvertised',
        section: reg.section,
        register: reg.name,
        field: f.name,
        message: `${name}.${f.name} is RES0 in this configuration because ${describeFeature(f.requires)} is not advertised: the bit${f.msb > f.lsb ? 's are' : ' is'} not stored${b.kind === 'acked' ? ` and must not be acknowledged in SMMU_${b.ack}` : ''}`,
      });
    }
    next = (next & impl) | (old & ~accessMask & impl);

    // Field-level guards (CR1.TABLE_* by SMMUEN, CR1.QUEUE_* by the queue enables and the ECMDQs).
    const guarded = kinds.guarded;
    for (let i = 0; i < guarded.length; i++) {
      const f = guarded[i] as FieldDef;
      if ((fieldMask(f) & accessMask) === 0n) continue;
      if (extractField(next, f) === extractField(old, f)) continue;
      const active = f.guardedBy ? this.activeGuards(f.guardedBy) : [];
      const ecmdqs = f.guardedByEcmdqs ? this.activeEcmdqGuards() : [];
      if (!active.length && !ecmdqs.length) continue;
      findings.push({
        severity: 'error',
        code: 'write.guarded',
        section: reg.section,
        register: reg.name,
        field: f.name,
        guards: active,
        message: `${name}.${f.name} is Guarded by ${[...active.map((g) => `SMMU_${g.register}.${g.field}`), ...ecmdqs].join(', ')}, which ${active.length + ecmdqs.length > 1 ? 'are' : 'is'} 1: the change is IGNORED`,
      });
      next = (next & ~fieldMask(f)) | (old & fieldMask(f));
    }
    // Reserved encodings of enumerated fields (those with one: fieldKinds).
    const enums = kinds.reservedEncodings;
    for (let i = 0; i < enums.length; i++) {
      const f = enums[i] as FieldDef;
      if ((fieldMask(f) & accessMask) === 0n || (impl & fieldMask(f)) === 0n) continue;
      const fv = extractField(next, f);
      if (!enumOf(f, fv)) {
        findings.push({
          severity: 'warning',
          code: 'write.reserved-encoding',
          section: reg.section,
          register: reg.name,
          field: f.name,
          message: `${name}.${f.name} = ${fv}: a reserved encoding`,
        });
      }
    }

    // Fields an ID register field limits (SMMU_GMPAM.SO_PARTID by SMMU_MPAMIDR.PARTID_MAX, §6.3.42).
    const limited = kinds.limited;
    for (let i = 0; i < limited.length; i++) {
      const f = limited[i] as FieldDef & { limitedBy: NonNullable<FieldDef['limitedBy']> };
      if ((fieldMask(f) & accessMask) === 0n) continue;
      next = this.checkLimited(reg, f, f.limitedBy, next, findings);
    }

    const changes: RegisterChange[] = [];
    this.changeLog = changes;

    switch (b.kind) {
      case 'store':
        this.setNoted(changes, reg, next);
        break;
      case 'acked': {
        // §6.3.9: the written value is visible in CR0 at once; the ACK reflects only implemented
        // fields once the Update completes (immediately here).
        this.setNoted(changes, reg, next);
        const ack = getRegister(b.ack);
        this.setNoted(changes, ack, next & implementedMask(ack, this.ids));
        break;
      }
      case 'errorAck':
        this.writeErrorAck(reg, getRegister(b.of), next, old, findings, changes);
        break;
      case 'updateHandshake': {
        const update = findField(reg, 'Update') ?? findField(reg, 'UPDATE');
        if (update && extractField(next, update) === 0n) {
          findings.push({
            severity: 'error',
            code: `${reg.name.toLowerCase()}.no-update`,
            section: b.ignoredWithout ?? '6.3.14.1',
            register: reg.name,
            message: `${name} written without Update = 1: ${b.ignoredWithout ? 'the write is IGNORED' : 'CONSTRAINED UNPREDICTABLE, and IGNORED in SMMUv3.2 and later'}; write the whole register with Update set, then poll Update until 0`,
          });
          return { ok: true, value: 0n, findings, changes };
        }
        // The update completes at once: Update reads 0 afterwards.
        this.setNoted(changes, reg, update ? next & ~fieldMask(update) : next);
        break;
      }
      case 'queueBase':
        this.setNoted(changes, reg, next);
        this.checkQueueBase(reg, next, b.queue, findings);
        break;
      case 'queueIndex':
        this.setNoted(changes, reg, this.checkQueueIndex(reg, b.queue, next, findings));
        break;
      case 'streamTableConfig':
        this.setNoted(changes, reg, next);
        this.checkStreamTableConfig(reg, b.sidSize, next, findings);
        break;
      case 'clearOnly':
        this.writeClearOnly(reg, b.field, old, next, accessMask, findings, changes);
        break;
      default:
        // 'id', 'status' and 'ack' are read-only and returned above; a new behaviour needs a case.
        unreachable(b, 'register behaviour');
    }
    this.effects?.afterWrite(reg, old, findings);
    this.changeLog = undefined;
    return { ok: true, value: 0n, findings, changes };
  }

  /**
   * A write to a register array (§3.5.6): the control page registers are RO (§6.3.49–§6.3.51);
   * the ECMDQ registers follow their access conditions (ecmdq.ts), then the engine reacts.
   */
  private writeArray(
    reg: ArrayRegisterDef,
    n: number,
    byte: number,
    size: 4 | 8,
    value: bigint,
    findings: Finding[],
  ): AccessResult {
    if (reg.access === 'RO') {
      findings.push({
        severity: 'warning',
        code: 'write.ro',
        section: reg.section,
        message: `SMMU_${reg.name}${n} is read-only: the write is ignored (§${reg.section})`,
      });
      return { ok: true, value: 0n, findings, changes: NO_CHANGES };
    }
    const before = this.ecmdq.get(reg, n);
    writeEcmdq(this.ecmdq, reg, n, byte, size, value, this.ids, findings);
    this.effects?.afterEcmdqWrite?.(reg, n, before, findings);
    return { ok: true, value: 0n, findings, changes: NO_CHANGES };
  }

  /**
   * An update by the SMMU itself (CMDQ_CONS advancing, EVENTQ_PROD, GERROR toggles), with no
   * guest-access checks. Recorded in the current access's changes when one is in progress.
   */
  setOwned(name: RegisterName, value: bigint): void {
    const r = getRegister(name);
    const v = value & widthMask(r);
    const before = this.regs.get(r);
    if (before === v) return;
    this.regs.set(r, v);
    this.changeLog?.push({ register: r.name, before, after: v });
  }

  /** The register file's words (two per register, see register-file.ts): read-only view for hot paths. */
  get words(): Uint32Array {
    return this.regs.words;
  }

  /** Current value of a register by definition (engine hot path: no name lookup). */
  value(reg: RegisterDef): bigint {
    return this.regs.get(reg);
  }

  /** GERRORN (§6.3.20): software toggles a bit to make it equal GERROR and acknowledge that error. */
  private writeErrorAck(
    reg: RegisterDef,
    of: RegisterDef,
    next: bigint,
    old: bigint,
    findings: Finding[],
    changes: RegisterChange[],
  ): void {
    const gerror = this.regs.get(of);
    const toggled = next ^ old;
    const active = gerror ^ old;
    const bad = toggled & ~active;
    if (bad !== 0n) {
      const names = reg.fields.filter((f) => (fieldMask(f) & bad) !== 0n).map((f) => f.name);
      findings.push({
        severity: 'warning',
        code: 'gerrorn.inactive-toggle',
        section: '6.3.20',
        register: reg.name,
        message: `SMMU_${reg.name} toggles ${names.join(', ') || bitRanges(bad)}, which ${names.length === 1 ? 'is' : 'are'} not active (GERROR == GERRORN there): CONSTRAINED UNPREDICTABLE whether the SMMU activates ${names.length === 1 ? 'that error' : 'those errors'}; acknowledge by writing GERRORN = GERROR`,
      });
    }
    const acked = toggled & active;
    if (acked !== 0n) {
      const names = reg.fields.filter((f) => (fieldMask(f) & acked) !== 0n).map((f) => f.name);
      findings.push({
        severity: 'info',
        code: 'gerrorn.ack',
        section: '6.3.20',
        register: reg.name,
        message: `acknowledges ${names.join(', ')}`,
      });
    }
    this.setNoted(changes, reg, next);
  }

  /**
   * A field whose maximum is an ID register field (§6.3.42, §6.3.43): the bits above the maximum's
   * bit width (the position of its most significant 1, plus one) are RES0 and not stored; a value
   * above the maximum within that width is stored, and the SMMU uses an UNKNOWN value for it.
   */
  private checkLimited(
    reg: RegisterDef,
    f: FieldDef,
    limit: NonNullable<FieldDef['limitedBy']>,
    value: bigint,
    findings: Finding[],
  ): bigint {
    const max = BigInt(this.ids.idField(limit.register, limit.field) ?? 0);
    const width = max.toString(2).length - (max === 0n ? 1 : 0);
    const fv = extractField(value, f);
    const kept = fv & ((1n << BigInt(width)) - 1n);
    const maxName = `SMMU_${limit.register}.${limit.field}`;
    const name = `SMMU_${reg.name}.${f.name}`;
    const x = (v: bigint) => `0x${v.toString(16).toUpperCase()}`;
    if (kept !== fv)
      findings.push({
        severity: 'warning',
        code: 'write.res0',
        section: reg.section,
        register: reg.name,
        field: f.name,
        message: `${name} = ${x(fv)}: the bits above the ${width}-bit width of ${maxName} = ${x(max)} are RES0; they are not stored, and the field holds ${x(kept)}`,
      });
    if (kept > max)
      findings.push({
        severity: 'warning',
        code: 'write.above-max',
        section: reg.section,
        register: reg.name,
        field: f.name,
        message: `${name} = ${x(kept)} is greater than ${maxName} = ${x(max)}: the SMMU uses an UNKNOWN ${limit.field.replace(/_MAX$/, '')} instead`,
      });
    return (value & ~fieldMask(f)) | (kept << BigInt(f.lsb));
  }

  private queueLog2(queue: AnyQueueName): { qs: number; written: number; max: number } {
    const { base, log2 } = QUEUE_BASES.get(queue) ?? queueBase(queue);
    const written = log2 ? Number(extractField(this.regs.get(base), log2)) : 0;
    const max = caps.queueLog2Max(this.ids, queue);
    // §6.3.26: any use of LOG2SIZE other than read-back is capped at IDR1.xQS.
    return { qs: Math.min(written, max), written, max };
  }

  private checkQueueBase(reg: RegisterDef, value: bigint, queue: AnyQueueName, findings: Finding[]): void {
    const q = queueLayout(value, queue, this.ids);
    if (q.log2Written > q.log2Max) {
      const cap = caps.QUEUE_SIZE_CAP[caps.queueKindOf(queue)];
      findings.push({
        severity: 'warning',
        code: 'queue.log2size',
        section: reg.section,
        register: reg.name,
        field: 'LOG2SIZE',
        message: `SMMU_${reg.name}.LOG2SIZE = ${q.log2Written} exceeds SMMU_${cap.register}.${cap.field} = ${q.log2Max}: it reads back as written but is capped at ${q.log2Max} for use`,
      });
    }
    // §6.3.26: the base is aligned to the queue size in bytes (at least 32); lower address bits are treated as zero.
    if (q.base !== q.written) {
      findings.push({
        severity: 'warning',
        code: 'queue.alignment',
        section: reg.section,
        register: reg.name,
        field: 'ADDR',
        message: `queue base ${hex(BigInt(q.written), 64)} is not aligned to the queue size (${q.alignment} bytes): the SMMU treats the low address bits as zero`,
      });
    }
  }

  /**
   * PROD/CONS (§6.3.27): bits [QS-1:0] are the index and bit [QS] the wrap flag; bits above are
   * RES0 (software-owned) or RAZ (SMMU-owned) and are not stored.
   */
  private checkQueueIndex(reg: RegisterDef, queue: AnyQueueName, value: bigint, findings: Finding[]): bigint {
    const q = queueIndexOf(reg, queue);
    const idx = q.idx;
    if (!idx) return value;
    const { qs } = this.queueLog2(queue);
    // In numbers: the register is 32 bits wide (queueIndexOf), so every quantity here is below
    // 2^33 and exact. Fields are taken with divisions by powers of two, not 32-bit bit operations,
    // so a field reaching bit 31 or a LOG2SIZE up to 31 stays right. (BigInt arithmetic here was
    // about 2 % of a cold check: every doorbell writes a PROD.)
    const v = Number(value);
    const unit = POW2[idx.lsb] as number;
    const raw = Math.floor(v / unit) % (POW2[idx.msb - idx.lsb + 1] as number);
    // Bits [QS-1:0] are the index and bit [QS] the wrap flag (§6.3.27).
    const span = POW2[qs + 1] as number;
    const kept = raw % span;
    if (kept !== raw) {
      findings.push({
        severity: 'warning',
        code: 'queue.index-range',
        section: reg.section,
        register: reg.name,
        field: idx.name,
        message: `SMMU_${reg.name}.${idx.name} = ${hex(BigInt(raw))} has bits above [${qs}] set: with LOG2SIZE ${qs} the index is bits [${qs - 1 < 0 ? 0 : qs - 1}:0] and the wrap flag bit [${qs}]; higher bits are not stored`,
      });
    }
    const stored = BigInt(v - (raw - kept) * unit);
    // Producer and consumer may be at most one queue size apart (§3.5). Only checked while the
    // queue is enabled: during set-up software writes PROD and CONS one after the other.
    // A Secure queue's enable is in SMMU_S_CR0ACK (§6.3.58).
    const enable = q.enable;
    const words = this.regs.words;
    const enabled =
      enable &&
      Math.floor((words[q.ackWord] as number) / (POW2[enable.lsb] as number)) %
        (POW2[enable.msb - enable.lsb + 1] as number);
    if (!enabled) return stored;
    const oidx = q.otherIdx;
    if (q.otherWord < 0 || !oidx) return stored;
    const size = POW2[qs] as number;
    const o =
      (Math.floor((words[q.otherWord] as number) / (POW2[oidx.lsb] as number)) %
        (POW2[oidx.msb - oidx.lsb + 1] as number)) %
      span;
    const prod = q.isProd ? kept : o;
    const cons = q.isProd ? o : kept;
    const dist = (prod - cons + 2 * size) % (2 * size);
    if (dist > size) {
      findings.push({
        severity: 'error',
        code: 'queue.index-state',
        section: '3.5',
        register: reg.name,
        message: `${queue} PROD ${hex(BigInt(prod))} and CONS ${hex(BigInt(cons))} are ${dist} entries apart, more than the queue holds (${size}): an impossible state`,
      });
    }
    return stored;
  }

  /** LOG2SIZE against `cap` (SMMU_IDR1.SIDSIZE, or SMMU_S_IDR1.S_SIDSIZE, §6.3.25, §6.3.73), and SPLIT. */
  private checkStreamTableConfig(reg: RegisterDef, cap: FeatureRef, value: bigint, findings: Finding[]): void {
    const log2 = findField(reg, 'LOG2SIZE');
    const split = findField(reg, 'SPLIT');
    const fmt = findField(reg, 'FMT');
    const sidSize = this.ids.idField(cap.register, cap.field) ?? 32;
    if (log2 && Number(extractField(value, log2)) > sidSize) {
      findings.push({
        severity: 'info',
        code: 'strtab.log2size',
        section: reg.section,
        register: reg.name,
        field: 'LOG2SIZE',
        message: `LOG2SIZE ${extractField(value, log2)} exceeds SMMU_${cap.register}.${cap.field} = ${sidSize}: the SMMU uses ${sidSize}`,
      });
    }
    if (split && fmt && extractField(value, fmt) === 1n) {
      const s = Number(extractField(value, split));
      if (s !== 6 && s !== 8 && s !== 10) {
        findings.push({
          severity: 'warning',
          code: 'strtab.split',
          section: reg.section,
          register: reg.name,
          field: 'SPLIT',
          message: `SPLIT = ${s} is not one of 6, 8, 10: it behaves as 6 (4 KB leaf tables)`,
        });
      }
    }
  }

  /** Decode a register's current value with this configuration's advertised features. */
  decodeRegister(name: RegisterName) {
    const reg = getRegister(name);
    return decode(reg, this.regs.get(reg), this.ids);
  }

  /** Field helper for tests and views. */
  field(register: RegisterName, field: string): bigint {
    const reg = getRegister(register);
    const f: FieldDef | undefined = findField(reg, field);
    if (!f) throw new Error(`internal: no field ${register}.${field}`);
    return extractField(this.regs.get(reg), f);
  }
}
