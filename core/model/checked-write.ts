/**
 * The model's second fast path for guest writes (core/model/smmu.ts `writeChecked32`,
 * `writeChecked64`): registers whose writes the full path checks (a Guarded register or Guarded
 * fields, §6.2; an acknowledged register, §6.3.9; enumerated fields with reserved encodings; a
 * queue base's LOG2SIZE and alignment, §6.3.26), taken without BigInt arithmetic when none of
 * those checks has anything to report. Each slot lists, once per configuration, what `writeRegister`
 * would look at; a write that any check would report on, or that this table cannot decide, takes
 * the full path. A property test (test/core/model/checked-write.test.ts) runs random writes
 * through both and compares the state, the changes and the findings.
 */
import type { IdView } from '../registers/codec';
import { enumOf, featureHolds, implementedMask } from '../registers/codec';
import { definedMask, fieldMask, findField, getRegister, REGISTERS } from '../registers/table';
import type { FieldDef, GuardRef, RegisterDef } from '../registers/types';
import * as caps from '../structures/capabilities';
import type { ResolvedConfig } from '../config/types';
import { decodeAccess } from './decode-access';
import { registerIndex } from './register-file';

const MASK32 = 0xffff_ffffn;

/** A Guarded field within one word: its bits there, its guards (word, mask pairs), and whether the ECMDQ enables guard it too. */
interface GuardedField {
  readonly mask: number;
  readonly guards: readonly number[];
  readonly ecmdqs: boolean;
}

/** An enumerated field with a reserved encoding, within one word: which of its values are listed. */
interface EnumField {
  readonly lsb: number;
  readonly mask: number;
  readonly listed: readonly boolean[];
}

/** A queue base's checks (§6.3.26, checkQueueBase): all on the register's low word. */
interface QueueCheck {
  /** SMMU_IDR1's maximum LOG2SIZE for the queue. */
  readonly log2Max: number;
  /** log2 of the entry size in bytes (32-byte events, 16-byte commands and PRI requests). */
  readonly entryShift: number;
  /** ADDR's bits in the low word (the address bits, ADDR's addrShift being its lsb), and LOG2SIZE's. */
  readonly addrLow: number;
  readonly log2Mask: number;
}

export interface CheckedSlot {
  readonly reg: RegisterDef;
  /** Word of the register file this slot writes; the register's other word (64-bit) or -1. */
  readonly word: number;
  readonly other: number;
  /** The slot is the high word of a 64-bit register. */
  readonly high: boolean;
  /** A 64-bit access at this (low) slot has nothing to report (decodeAccess). */
  readonly wide: boolean;
  /** Bits of this word a write may set without a finding (defined, implemented); the other word's implemented bits. */
  readonly keep: number;
  readonly otherKeep: number;
  /** The register's guards (§6.2 Guarded): word, mask pairs of each guard field and its ACK's. */
  readonly guards: readonly number[];
  readonly guardedFields: readonly GuardedField[];
  readonly enums: readonly EnumField[];
  /** An acknowledged register's ACK (§6.3.9): its word and the bits it reflects. */
  readonly ack?: { readonly word: number; readonly keep: number };
  readonly queue?: QueueCheck;
}

/** Word, mask pairs of a guard field and, for an acked register, the same field of its ACK; undefined when not one word. */
function guardWords(g: GuardRef): number[] | undefined {
  const reg = getRegister(g.register);
  const f = findField(reg, g.field);
  if (!f || f.msb >= 32) return undefined;
  const out = [registerIndex(reg) * 2, Number(fieldMask(f))];
  const b = reg.behaviour;
  if (b.kind === 'acked') {
    const ack = getRegister(b.ack);
    const af = findField(ack, g.field);
    if (af) {
      if (af.msb >= 32) return undefined;
      out.push(registerIndex(ack) * 2, Number(fieldMask(af)));
    }
  }
  return out;
}

function guardsOf(list: readonly GuardRef[] | undefined): number[] | undefined {
  const out: number[] = [];
  for (const g of list ?? []) {
    const w = guardWords(g);
    if (!w) return undefined;
    out.push(...w);
  }
  return out;
}

/** Whether a field lies within the word at bit `shift` (0 or 32), and overlaps it at all. */
const inWord = (f: FieldDef, shift: number) => f.lsb >= shift && f.msb < shift + 32;
const overlaps = (f: FieldDef, shift: number) => f.msb >= shift && f.lsb < shift + 32;

/** The slot of a register word, or undefined when its writes always take the full path. */
function slotOf(reg: RegisterDef, byte: number, config: ResolvedConfig, ids: IdView): CheckedSlot | undefined {
  const t = decodeAccess(reg.offset + byte, 4, config, ids);
  if (t.kind !== 'register' || t.reg !== reg || t.findings.length) return undefined;
  const shift = byte * 8;
  const fields = reg.fields.filter((f) => overlaps(f, shift));
  if (fields.some((f) => f.limitedBy)) return undefined;
  const impl = implementedMask(reg, ids) & definedMask(reg);
  const guards = guardsOf(reg.guardedBy);
  if (!guards) return undefined;
  const guardedFields: GuardedField[] = [];
  const enums: EnumField[] = [];
  for (const f of fields) {
    if (f.guardedBy || f.guardedByEcmdqs) {
      const g = guardsOf(f.guardedBy);
      if (!g || !inWord(f, shift)) return undefined;
      guardedFields.push({
        mask: Number((fieldMask(f) >> BigInt(shift)) & MASK32),
        guards: g,
        ecmdqs: !!f.guardedByEcmdqs,
      });
    }
    // The full path checks the encodings of implemented enumerated fields (fieldKinds' reservedEncodings).
    if (f.values && !f.openValues && (impl & fieldMask(f)) !== 0n) {
      const width = f.msb - f.lsb + 1;
      if (width > 8 || !inWord(f, shift)) return undefined;
      const listed = Array.from({ length: 2 ** width }, (_, v) => enumOf(f, BigInt(v)) !== undefined);
      if (listed.every(Boolean)) continue;
      enums.push({ lsb: f.lsb - shift, mask: 2 ** width - 1, listed });
    }
  }
  const index = registerIndex(reg) * 2;
  const wide = reg.width === 64;
  const b = reg.behaviour;
  let ack: CheckedSlot['ack'];
  let queue: QueueCheck | undefined;
  if (b.kind === 'acked') {
    const a = getRegister(b.ack);
    if (wide || a.width !== 32) return undefined;
    ack = { word: registerIndex(a) * 2, keep: Number(implementedMask(a, ids) & MASK32) };
  } else if (b.kind === 'queueBase') {
    const kind = caps.queueKindOf(b.queue);
    const base = getRegister(`${kind}_BASE`);
    const addr = findField(base, 'ADDR');
    const log2 = findField(base, 'LOG2SIZE');
    const entryShift = kind === 'EVENTQ' ? 5 : 4;
    const log2Max = caps.queueLog2Max(ids, b.queue);
    if (!addr || !log2 || log2.lsb !== 0 || log2.msb >= 32 || (addr.addrShift ?? addr.lsb) !== addr.lsb)
      return undefined;
    if (entryShift + log2Max > 30) return undefined;
    queue = { log2Max, entryShift, addrLow: Number(fieldMask(addr) & MASK32), log2Mask: Number(fieldMask(log2)) };
  } else if (b.kind !== 'store') return undefined;
  const wideClean = wide && byte === 0 && decodeAccess(reg.offset, 8, config, ids).findings.length === 0;
  return {
    reg,
    word: index + byte / 4,
    other: wide ? index + 1 - byte / 4 : -1,
    high: byte === 4,
    wide: wideClean,
    keep: Number((impl >> BigInt(shift)) & MASK32),
    otherKeep: wide ? Number((impl >> BigInt(32 - shift)) & MASK32) : 0,
    guards,
    guardedFields,
    enums,
    ...(ack ? { ack } : {}),
    ...(queue ? { queue } : {}),
  };
}

/**
 * The checked slots of a configuration: per 4-byte slot of pages 0 and 1, an index into `slots`
 * or -1. Registers that are read-only, fixed by a preset, limited by an ID field, or whose
 * behaviour is other than storing, acknowledging or a queue base always take the full path.
 */
export function checkedSlots(config: ResolvedConfig, ids: IdView): { at: Int32Array; slots: CheckedSlot[] } {
  const at = new Int32Array(0x8000).fill(-1);
  const slots: CheckedSlot[] = [];
  for (const reg of REGISTERS) {
    if (reg.access !== 'RW' || reg.offset >= 0x20000) continue;
    if (reg.fixedBy && featureHolds(reg.fixedBy, ids)) continue;
    for (const byte of reg.width === 64 ? [0, 4] : [0]) {
      const s = slotOf(reg, byte, config, ids);
      if (!s) continue;
      at[(reg.offset + byte) >>> 2] = slots.length;
      slots.push(s);
    }
  }
  return { at, slots };
}

/** Whether any guard in `pairs` (word, mask) is 1 (§6.2: the Guarded write is IGNORED then). */
export function anyGuard(words: Uint32Array, pairs: readonly number[]): boolean {
  for (let i = 0; i < pairs.length; i += 2)
    if (((words[pairs[i] as number] as number) & (pairs[i + 1] as number)) !== 0) return true;
  return false;
}

/**
 * Whether writing `v` to the slot's word would pass the full path's field checks with nothing
 * to report: no RES0 or unadvertised bit, no change to a Guarded field while a guard is 1 (or an
 * ECMDQ could be enabled: decided by the full path), no reserved encoding.
 */
export function wordPasses(c: CheckedSlot, words: Uint32Array, v: number, ecmdqs: number): boolean {
  if ((v & ~c.keep) !== 0) return false;
  const changed = v ^ (words[c.word] as number);
  for (let i = 0; i < c.guardedFields.length; i++) {
    const f = c.guardedFields[i] as GuardedField;
    if ((changed & f.mask) !== 0 && ((f.ecmdqs && ecmdqs > 0) || anyGuard(words, f.guards))) return false;
  }
  for (let i = 0; i < c.enums.length; i++) {
    const f = c.enums[i] as EnumField;
    if (!f.listed[(v >>> f.lsb) & f.mask]) return false;
  }
  return true;
}

/** A queue base's low word passes checkQueueBase: LOG2SIZE within SMMU_IDR1's maximum, ADDR aligned to the queue's size (§6.3.26). */
export function queuePasses(q: QueueCheck, lo: number): boolean {
  const log2 = lo & q.log2Mask;
  if (log2 > q.log2Max) return false;
  const alignment = Math.max(q.entryShift + log2, 5);
  return (lo & q.addrLow & ((1 << alignment) - 1)) === 0;
}
