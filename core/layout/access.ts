/**
 * Field access on structures held as little-endian 32-bit words (`Uint32Array` views of guest
 * memory or of a command). Numbers, not BigInt, so the command and translation hot paths stay
 * allocation-free; fields up to 53 bits are exact as numbers, wider ones (MAIR, 64-bit data)
 * use the BigInt variants.
 */
import { POW2 } from '../base/pow2';
import type { LayoutDef, LayoutField } from './types';

export type Words = ArrayLike<number>;

/** Value of bits [msb:lsb] (msb - lsb < 53) of a word array, as a number. */
export function bits(w: Words, msb: number, lsb: number): number {
  const width = msb - lsb + 1;
  const i = lsb >>> 5;
  const s = lsb & 31;
  if (s + width <= 32) {
    const v = (w[i] as number) >>> s;
    return width === 32 ? v : v & ((1 << width) - 1);
  }
  // Spans words: the low part, then whole or partial higher words (at most 53 bits in all).
  let v = (w[i] as number) >>> s;
  let have = 32 - s;
  let j = i + 1;
  while (have < width) {
    const take = Math.min(32, width - have);
    const part = take === 32 ? (w[j] as number) >>> 0 : ((w[j] as number) & ((1 << take) - 1)) >>> 0;
    v += part * (POW2[have] as number);
    have += take;
    j++;
  }
  return v;
}

/** Bits [msb:lsb] as a BigInt (any width). */
export function bitsBig(w: Words, msb: number, lsb: number): bigint {
  // Up to 53 bits a number holds the value exactly: one BigInt made, not one per operation
  // (every field of every command and descriptor read comes through here).
  if (msb - lsb < 53) return BigInt(bits(w, msb, lsb));
  let v = 0n;
  for (let i = msb >>> 5; i >= lsb >>> 5; i--) v = (v << 32n) | BigInt((w[i] as number) >>> 0);
  const base = BigInt((lsb >>> 5) * 32);
  return (v >> (BigInt(lsb) - base)) & ((1n << BigInt(msb - lsb + 1)) - 1n);
}

/** Deposit `value` into bits [msb:lsb] of a word array (mutates). */
export function setBitsBig(w: number[] | Uint32Array, msb: number, lsb: number, value: bigint): void {
  const width = msb - lsb + 1;
  const s = lsb & 31;
  if (s + width <= 32) {
    // Inside one word (most fields of a command or structure): one mask, no division.
    const i = lsb >>> 5;
    const m = width === 32 ? 0xffffffff : (1 << width) - 1;
    const part = Number(BigInt.asUintN(width, value));
    w[i] = (((w[i] as number) & ~((m << s) >>> 0)) | ((part << s) >>> 0)) >>> 0;
    return;
  }
  if (width > 53) {
    // Wider than a number holds exactly: the low 32 bits, then the rest.
    setBitsBig(w, lsb + 31, lsb, value & 0xffff_ffffn);
    setBitsBig(w, msb, lsb + 32, value >> 32n);
    return;
  }
  // As in bitsBig: numbers are exact up to 53 bits, so split the value without BigInt arithmetic.
  let v = Number(BigInt.asUintN(width, value));
  let pos = lsb;
  while (pos <= msb) {
    const i = pos >>> 5;
    const s = pos & 31;
    const n = Math.min(32 - s, msb - pos + 1);
    const m = n === 32 ? 0xffffffff : ((1 << n) - 1) >>> 0;
    const part = v % (POW2[n] as number);
    w[i] = (((w[i] as number) & ~((m << s) >>> 0)) | ((part << s) >>> 0)) >>> 0;
    v = Math.floor(v / (POW2[n] as number));
    pos += n;
  }
}

/** 2^n as BigInts, n = 0 to 64: a field's bound and an address shift without making BigInts per use. */
const BIG_POW2: readonly bigint[] = Array.from({ length: 65 }, (_, n) => 1n << BigInt(n));
const BIG_SMALL: readonly bigint[] = Array.from({ length: 65 }, (_, n) => BigInt(n));

export function fieldValue(w: Words, f: LayoutField): bigint {
  const raw = bitsBig(w, f.msb, f.lsb);
  return f.addrShift !== undefined ? raw << BigInt(f.addrShift) : raw;
}

/** Bits of the structure not covered by any field, set in `w`, as [msb, lsb] runs (RES0 checks). */
export function reservedRuns(def: LayoutDef, w: Words): [number, number][] {
  // Almost every command, event and structure has no reserved bit set: one AND per word says so.
  // The bit loop below is the check's cost otherwise (128 steps for a command, 512 for an STE,
  // in the interpreter at a cold start: about half of a command's validation; docs/performance.md).
  const mask = reservedMask(def);
  let set = 0;
  for (let i = 0; i < mask.length; i++) set |= ((w[i] as number | undefined) ?? 0) & (mask[i] as number);
  if (set === 0) return [];
  const covered = coverage(def);
  const runs: [number, number][] = [];
  let start = -1;
  for (let b = 0; b <= def.bits; b++) {
    const set = b < def.bits && !covered[b] && (((w[b >>> 5] as number) >>> (b & 31)) & 1) === 1;
    if (set && start < 0) start = b;
    if (!set && start >= 0) {
      runs.push([b - 1, start]);
      start = -1;
    }
  }
  return runs;
}

const coverageCache = new WeakMap<LayoutDef, Uint8Array>();
const maskCache = new WeakMap<LayoutDef, Int32Array>();

/** Per 32-bit word of `def`, the bits no field covers (below `def.bits`). */
function reservedMask(def: LayoutDef): Int32Array {
  let m = maskCache.get(def);
  if (!m) {
    const covered = coverage(def);
    m = new Int32Array(Math.ceil(def.bits / 32));
    for (let b = 0; b < def.bits; b++) if (!covered[b]) m[b >>> 5] = (m[b >>> 5] as number) | (1 << (b & 31));
    maskCache.set(def, m);
  }
  return m;
}
function coverage(def: LayoutDef): Uint8Array {
  let c = coverageCache.get(def);
  if (!c) {
    c = new Uint8Array(def.bits);
    for (const f of def.fields) for (let b = f.lsb; b <= f.msb; b++) c[b] = 1;
    coverageCache.set(def, c);
  }
  return c;
}

export function wordsOf(bitsTotal: number): number[] {
  return new Array<number>(bitsTotal >>> 5).fill(0);
}

/**
 * Encode named field values (case-insensitive names; addresses given as addresses for addrShift
 * fields) into the structure's 32-bit words. Unknown names and values that do not fit are
 * reported, not encoded. The one encoder behind commands, events, STEs and CDs.
 */
export function encodeLayout(
  def: LayoutDef,
  values: ReadonlyMap<string, bigint>,
): { words: number[]; problems: { field: string; message: string }[] } {
  const words = wordsOf(def.bits);
  const problems: { field: string; message: string }[] = [];
  // forEach, not `for (const [name, v] of values)`: in V8's interpreter (a cold start) that
  // allocates an entry, an iterator and its results for each value.
  values.forEach((v, name) => {
    const f = findLayoutField(def, name);
    if (!f) {
      problems.push({ field: name, message: `${def.name} has no field ${name}` });
      return;
    }
    const raw = f.addrShift !== undefined ? v >> (BIG_SMALL[f.addrShift] ?? BigInt(f.addrShift)) : v;
    const width = f.msb - f.lsb + 1;
    if (raw < 0n || raw >= (BIG_POW2[width] ?? 1n << BigInt(width))) {
      problems.push({ field: f.name, message: `0x${v.toString(16).toUpperCase()} does not fit ${def.name}.${f.name}` });
      return;
    }
    setBitsBig(words, f.msb, f.lsb, raw);
  });
  return { words, problems };
}

/**
 * Each layout's fields by lower-case name (the first of a name, as a search in order finds it),
 * made on first use: `cmd`, `ste`, `cd` and `dma` lines look up every argument, and a search that
 * lower-cases each field name was most of that cost while V8 still interprets the code (a cold
 * start, docs/performance.md). Layouts are the core's constant tables.
 */
const fieldsByLowerName = new WeakMap<LayoutDef, Map<string, LayoutField>>();

export function findLayoutField(def: LayoutDef, name: string): LayoutField | undefined {
  let byName = fieldsByLowerName.get(def);
  if (!byName) {
    byName = new Map();
    for (const f of def.fields) {
      const n = f.name.toLowerCase();
      if (!byName.has(n)) byName.set(n, f);
    }
    // Each field's own spelling too, where it finds what its lower case finds: the encoders look
    // up the names fieldValues gives (`StreamID`), and lower-casing makes a string at every call.
    // A key with an upper-case letter is no lower-case key, so none hides another field.
    for (const f of def.fields) if (byName.get(f.name.toLowerCase()) === f) byName.set(f.name, f);
    fieldsByLowerName.set(def, byName);
  }
  return byName.get(name) ?? byName.get(name.toLowerCase());
}
