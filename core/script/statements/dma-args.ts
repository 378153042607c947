/**
 * The arguments of a `dma` statement (docs/script-language.md, "DMA payloads"): the transaction's
 * StreamID, SubstreamID, address and privilege, and its payload, `data=V [step=D] [size=S]` on a
 * write, `data == V` (or `!=`) with the same options on a read. Here are their schema, the bytes a
 * payload stands for, the checks that need no model (made when the script is resolved, so a
 * malformed DMA never runs), and `dmaRequest`: what the statement asks of a device, for the model
 * and for anything else that runs it.
 */
import type { DmaRoute } from '../../engine/dma';
import type { ScriptDiagnostic } from '../../base/diagnostics';
import { hex } from '../../registers/codec';
import { counted } from '../../text/plural';
import type { ActionArg, ResolvedAction } from '../resolved';
import type { Resolver } from '../resolver';
import { bareWords, valueArg } from './args';
import type { NamedArg } from './types';

export const DMA_SID: NamedArg = {
  name: 'sid',
  aliases: ['StreamID'],
  kind: 'value',
  required: true,
  placeholder: 'N',
  doc: "The device's StreamID.",
};
export const DMA_SSID: NamedArg = {
  name: 'ssid',
  aliases: ['SubstreamID'],
  kind: 'value',
  placeholder: 'N',
  doc: 'The SubstreamID (PASID), when the transaction has one.',
};
export const DMA_IOVA: NamedArg = {
  name: 'iova',
  aliases: ['addr', 'address', 'ipa', 'va'],
  kind: 'value',
  required: true,
  placeholder: 'A',
  doc: 'The input address.',
};
export const DMA_PRIV: NamedArg = { name: 'priv', kind: 'flag', doc: 'A privileged access (unprivileged without it).' };
export const DMA_ATS: NamedArg = {
  name: 'ats',
  kind: 'flag',
  doc: 'The device uses PCIe ATS (§3.9.1): it looks the page up in its ATC; on a miss it sends a Translation Request and caches the completion; then it issues a Translated transaction with the address it got. Needs SMMU_IDR0.ATS.',
};
export const DMA_TRANSLATED: NamedArg = {
  name: 'translated',
  kind: 'flag',
  doc: 'The device marks the transaction Translated: the address is a PA (an IPA for Split-stage ATS) and the SMMU checks it against CR0.ATSCHK and STE.EATS (§3.9.1.3). Needs SMMU_IDR0.ATS.',
};
export const DMA_SECURE: NamedArg = {
  name: 'secure',
  kind: 'flag',
  doc: 'A Secure stream (SEC_SID = 1, §3.10.1): the StreamID indexes the Secure Stream table (SMMU_S_STRTAB_BASE, StreamIDs up to SMMU_S_IDR1.S_SIDSIZE), SMMU_S_CR0.SMMUEN and SMMU_S_GBPA apply, and its events go to the Secure Event queue. Needs SMMU_S_IDR1.SECURE_IMPL. Without it the stream is Non-secure (SEC_SID = 0).',
};
export const DMA_NS: NamedArg = {
  name: 'ns',
  kind: 'flag',
  doc: "With `secure`: the device's input NS attribute is Non-secure (without it, Secure). A bypassed Secure stream targets the PA space it selects unless STE.NSCFG or SMMU_S_GBPA.NSCFG overrides it (§3.10.2, §5.2 NSCFG). A Non-secure stream's transactions are always Non-secure.",
};
export const DMA_DIRECTIONS = ['read', 'write', 'exec'];

/**
 * The largest transfer: 64 KiB, one 64 KB page or 16 transactions of 4 KB (a transfer that does not
 * start on a boundary takes one more). Bounded so that no script line can make the model copy an
 * unbounded buffer.
 */
export const DMA_MAX_SIZE = 0x10000;
/** The bytes a DMA with data moves when `size=` is not given: one 64-bit word. */
export const DMA_DEFAULT_SIZE = 8;
/** A pattern's word: `data=V` is 8 bytes, little-endian. */
const WORD = 8;
const MASK64 = (1n << 64n) - 1n;
/** A number as written in scripts, without padding (`0x10000`). */
const num = (v: bigint | number) => `0x${v.toString(16).toUpperCase()}`;

export const DMA_DATA: NamedArg = {
  name: 'data',
  kind: 'value',
  placeholder: 'V',
  bareAfter: ['read', 'exec'],
  doc: 'The payload. On a write, `data=V`: the bytes written, V little-endian (a value of up to 8 bytes; a longer transfer repeats it word by word, see `step=`). On a read, `data == V` (or `!=`): compares the bytes the device reads with the same pattern, instead of the outcome.',
};
export const DMA_STEP: NamedArg = {
  name: 'step',
  kind: 'value',
  placeholder: 'D',
  doc: 'For a transfer longer than 8 bytes: word k (bytes 8k to 8k+7) of the pattern is V + k × D, modulo 2^64 (default 0: V repeated). `data=0 step=1` numbers the words, so a misplaced byte shows where it came from.',
};
export const DMA_SIZE: NamedArg = {
  name: 'size',
  kind: 'value',
  placeholder: 'S',
  doc: `The bytes the device transfers, 1 to ${num(DMA_MAX_SIZE)} (64 KiB); default ${DMA_DEFAULT_SIZE} with data. The transfer is one transaction per 4 KB block it touches (§16.7.1), each translated and checked.`,
};

export type DmaDirection = 'read' | 'write' | 'exec';

/** The access a DMA statement makes, from its first argument (undefined: not one; `run` says so). */
export function dmaDirection(s: ResolvedAction): DmaDirection | undefined {
  const first = s.args[0];
  const name = first?.valueRange === undefined ? first?.name : undefined;
  if (name === undefined) return undefined;
  // As written first: lower-casing makes a string, and every `dma` line comes here.
  const d = name === 'read' || name === 'write' || name === 'exec' ? name : name.toLowerCase();
  return d === 'read' || d === 'write' || d === 'exec' ? d : undefined;
}

/** The first argument spelled `spec.name` (any case), with or without a value. */
function given(s: ResolvedAction, spec: NamedArg): ActionArg | undefined {
  // Indexed, without a callback: a call per argument in a cold check's baseline code. Lower-cased
  // only when the lengths agree and the spellings differ, as in arg().
  const name = spec.name;
  const args = s.args;
  let lower: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const n = (args[i] as ActionArg).name;
    if (n === undefined || n.length !== name.length) continue;
    if (n === name) return args[i];
    lower ??= name.toLowerCase();
    if (n.toLowerCase() === lower) return args[i];
  }
  return undefined;
}

/** Whether `a` is a bare word (`data`), not `data=V`. */
const isBare = (a: ActionArg) => a.value === undefined && a.valueName === undefined && a.valueRange === undefined;

/** The bytes `data=V step=D` stands for over `size` bytes: 8-byte little-endian words, word k = V + k × D (mod 2^64), the last one cut short. */
export function dmaPattern(first: bigint, step: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let word = first & MASK64;
  for (let i = 0; i < size; i += WORD) {
    let v = word;
    for (let b = i; b < Math.min(i + WORD, size); b++) {
      out[b] = Number(v & 0xffn);
      v >>= 8n;
    }
    word = (word + step) & MASK64;
  }
  return out;
}

/** `n` bytes from `offset` as a little-endian number (n ≤ 8). */
export function bytesValue(bytes: Uint8Array, offset: number, n: number): bigint {
  let v = 0n;
  for (let i = Math.min(offset + n, bytes.length) - 1; i >= offset; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  return v;
}

/** Bytes as people read them: a number of as many digits for up to 8 (`0x1122`), else the first word and the length. */
export function bytesText(bytes: Uint8Array): string {
  if (bytes.length <= WORD)
    return `0x${bytesValue(bytes, 0, bytes.length)
      .toString(16)
      .toUpperCase()
      .padStart(2 * bytes.length, '0')}`;
  return `${bytes.length} bytes, first word ${num(bytesValue(bytes, 0, WORD))}`;
}

/** The payload's pieces as written, once `checkDmaPayload` has accepted them. */
export interface DmaPayloadArgs {
  /** Bytes moved; undefined: no data and no size, a translation only (as before payloads existed). */
  readonly size?: number;
  /** `data=V` (a write) or the V of `data == V` (a read), and `step=`. */
  readonly data?: bigint;
  readonly step: bigint;
  /** A read compares its bytes (`data == V` / `data != V`). */
  readonly compare?: '==' | '!=';
}

/** The payload arguments of a resolved DMA (whose check passed). */
export function dmaPayloadArgs(s: ResolvedAction, dir: DmaDirection): DmaPayloadArgs {
  const sizeArg = given(s, DMA_SIZE)?.value;
  const dataArg = given(s, DMA_DATA);
  const step = given(s, DMA_STEP)?.value ?? 0n;
  if (dir === 'write') {
    const data = dataArg?.value;
    if (data === undefined) return sizeArg === undefined ? { step } : { size: Number(sizeArg), step };
    return { size: Number(sizeArg ?? BigInt(DMA_DEFAULT_SIZE)), data, step };
  }
  const compare = dataArg && isBare(dataArg) && s.expect?.value !== undefined ? s.expect.op : undefined;
  if (compare)
    return { size: Number(sizeArg ?? BigInt(DMA_DEFAULT_SIZE)), data: s.expect?.value as bigint, step, compare };
  return sizeArg === undefined ? { step } : { size: Number(sizeArg), step };
}

/**
 * What the payload arguments say that no model state changes, reported where the script is
 * resolved: how `data`, `step`, `size` and the expectation combine, the size's bounds, and that
 * the value fits the bytes it fills.
 */
export function checkDmaPayload(r: Resolver, s: ResolvedAction): void {
  const dir = dmaDirection(s);
  if (!dir) return;
  const size = given(s, DMA_SIZE);
  const data = given(s, DMA_DATA);
  const step = given(s, DMA_STEP);
  for (const a of [size, data, step]) {
    if (a?.valueName !== undefined)
      r.error('dma.data', `${a.name}= takes a number, and '${a.valueName}' is not a constant`, a.valueRange ?? a.range);
  }
  if (size && isBare(size))
    r.error('dma.size', `give the transfer's length: size=S (1 to ${num(DMA_MAX_SIZE)} bytes)`, size.range);
  if (step && isBare(step)) r.error('dma.data', `give the pattern's increment: step=D`, step.range);
  let bytes = DMA_DEFAULT_SIZE;
  if (size?.value !== undefined) {
    if (size.value < 1n || size.value > BigInt(DMA_MAX_SIZE)) {
      r.error(
        'dma.size',
        `a DMA transfers 1 to ${num(DMA_MAX_SIZE)} bytes (64 KiB), not ${num(size.value)}`,
        size.valueRange ?? size.range,
      );
    } else bytes = Number(size.value);
    const iova = valueArg(s, DMA_IOVA)?.value;
    if (iova !== undefined && iova + size.value > 1n << 64n)
      r.error(
        'dma.size',
        `the transfer runs past the top of the 64-bit address space (IOVA ${hex(iova, 64)} + ${num(size.value)})`,
        size.valueRange ?? size.range,
      );
  }
  // The value fills at most one word: all of it must land in the transfer.
  const fits = (v: bigint | undefined, range: ScriptDiagnostic['range']) => {
    if (v !== undefined && bytes < WORD && v >> BigInt(8 * bytes) !== 0n)
      r.error(
        'arg.too-wide',
        `${num(v)} does not fit the ${counted(bytes, 'byte')} of the transfer (size=${bytes})`,
        range,
      );
  };
  if (dir === 'write') {
    if (data && isBare(data))
      r.error('dma.data', `a write's payload is data=V; 'data ==' compares what a read returns`, data.range);
    else if (data) fits(data.value, data.valueRange ?? data.range);
    else if (size)
      r.error(
        'dma.data',
        `a write of size=${size.value !== undefined ? num(size.value) : 'S'} needs its payload: data=V`,
        size.range,
      );
    if (step && !data) r.error('dma.data', `step= continues the payload's pattern: give data=V`, step.range);
    return;
  }
  if (data && !isBare(data)) {
    r.error(
      'dma.data',
      `data=V is a write's payload; a ${dir === 'exec' ? 'fetch' : 'read'} checks the bytes it returns with 'data == V' (or '!= V')`,
      data.range,
    );
    return;
  }
  if (data) {
    const e = s.expect;
    if (!e) r.error('dma.data', `'data' compares the bytes the device reads: data == V (or != V)`, data.range);
    else if (e.value === undefined)
      r.error(
        'dma.data',
        `'data ==' compares the bytes read with a number; an outcome or event ('${e.name ?? ''}') is compared without 'data'`,
        e.range,
      );
    else if (e.range.start.line === data.range.start.line && e.range.start.character < data.range.start.character)
      r.error('dma.data', `'data' goes before the comparison: data == V`, data.range);
    else fits(e.value, e.range);
  }
  if (step && !data)
    r.error('dma.data', `step= continues the pattern 'data == V' compares with: give data == V`, step.range);
}

/** What a `dma` statement asks of a device. */
export interface DmaRequest {
  readonly access: DmaDirection;
  readonly sid: number;
  readonly ssid?: number;
  readonly iova: bigint;
  readonly priv: boolean;
  /** Ordinary, through ATS (`ats`) or marked Translated (`translated`). */
  readonly route: DmaRoute;
  /** A Secure stream (`secure`, SEC_SID = 1), and its input NS attribute (`ns`). */
  readonly secure: boolean;
  readonly ns: boolean;
  /** Bytes moved (`size=`, or 8 with data); undefined: no data and no size, a translation only. */
  readonly size?: number;
  /** A write's bytes. */
  readonly payload?: Uint8Array;
  /** A read's comparison (`data == V`, `data != V`) and the bytes it compares with. */
  readonly compare?: { readonly op: '==' | '!='; readonly bytes: Uint8Array };
}

/**
 * The request a resolved `dma` statement makes, or undefined when it lacks its direction, StreamID
 * or address (which `run` reports). The model runs it (transactions.ts); a compiler for another
 * machine reads the same bytes.
 */
export function dmaRequest(s: ResolvedAction): DmaRequest | undefined {
  const access = dmaDirection(s);
  const sid = valueArg(s, DMA_SID)?.value;
  const iova = valueArg(s, DMA_IOVA)?.value;
  if (!access || sid === undefined || iova === undefined) return undefined;
  const ssid = valueArg(s, DMA_SSID)?.value;
  const p = dmaPayloadArgs(s, access);
  const bytes = p.size !== undefined && p.data !== undefined ? dmaPattern(p.data, p.step, p.size) : undefined;
  // The bare words (`priv`, `ats`, `secure`, …) lower-cased in one pass: `bare.includes(w)` is
  // flag(s, w), without a call and a scan of the arguments for each of the five.
  const bare = bareWords(s);
  // Every property present (undefined when not given), in one literal: conditional spreads are
  // runtime calls in the baseline code a cold check runs, and give requests several shapes.
  return {
    access,
    sid: Number(sid),
    ssid: ssid !== undefined ? Number(ssid) : undefined,
    iova,
    priv: bare.includes('priv'),
    route: bare.includes('ats') ? 'ats' : bare.includes('translated') ? 'translated' : 'untranslated',
    secure: bare.includes(DMA_SECURE.name),
    ns: bare.includes(DMA_NS.name),
    size: p.size,
    payload: bytes && access === 'write' ? bytes : undefined,
    compare: bytes && p.compare ? { op: p.compare, bytes } : undefined,
  };
}
