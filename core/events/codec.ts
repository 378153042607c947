/**
 * Encode, decode and describe event records (§7.3) and PRI queue entries (§8) from the tables in
 * `./table`. Records are little-endian 32-bit words (8 for an event, 4 for a PRI entry), word 0
 * holding bits [31:0]. Address fields (`addrShift`) are given and returned as addresses.
 */
import { encodeLayout, fieldValue, reservedRuns, type Words } from '../layout/access';
import { layoutFieldTable } from '../layout/describe';
import type { LayoutDef, LayoutField } from '../layout/types';
import type { EnumValue } from '../registers/types';
import { enumOf } from '../registers/codec';
import { eventById, isImpdefEvent, PRI_REQUEST, type EventDef } from './table';

export interface DecodedLayoutField {
  readonly field: LayoutField;
  /** The value; for address fields, the address. */
  readonly value: bigint;
  readonly enumValue?: EnumValue;
}

export interface DecodedEvent {
  readonly id: number;
  /** Undefined for IMPLEMENTATION DEFINED (0xE0–0xEF) and Reserved event numbers (§7.3.21). */
  readonly def?: EventDef;
  readonly fields: readonly DecodedLayoutField[];
  /** Set bits outside every declared field, as [msb, lsb] runs ("not explicitly defined ... RES0", §7.3). */
  readonly reservedRuns: readonly [number, number][];
}

export interface DecodedPriRequest {
  readonly fields: readonly DecodedLayoutField[];
  /** Set bits outside every declared field (RES0). */
  readonly reservedRuns: readonly [number, number][];
}

/**
 * Encode with the shared layout encoder. The engine only passes values it has checked, so an
 * unknown field or a value too wide for its field is an internal error: throw, naming the field.
 */
function encode(def: LayoutDef, values: ReadonlyMap<string, bigint>): number[] {
  const e = encodeLayout(def, values);
  if (e.problems.length) throw new Error(`internal: ${e.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  return e.words;
}

function decodeFields(def: LayoutDef, w: Words): DecodedLayoutField[] {
  return def.fields.map((field) => {
    const value = fieldValue(w, field);
    const enumValue = enumOf(field, value);
    return enumValue ? { field, value, enumValue } : { field, value };
  });
}

/** Eight little-endian words of an event record; the event number (bits [7:0]) is set from `def`. */
export function encodeEvent(def: EventDef, values: ReadonlyMap<string, bigint>): number[] {
  const m = new Map<string, bigint>();
  for (const [k, v] of values) if (k.toLowerCase() !== 'eventnumber') m.set(k, v);
  m.set('EventNumber', BigInt(def.id));
  return encode(def, m);
}

/** Decode eight words (fewer are read as zero-extended). The event number is bits [7:0] (§7.3). */
export function decodeEvent(words: Words): DecodedEvent {
  const w = padded(words, 8);
  const id = (w[0] as number) & 0xff;
  const def = eventById(id);
  if (!def) return { id, fields: [], reservedRuns: [] };
  return { id, def, fields: decodeFields(def, w), reservedRuns: reservedRuns(def, w) };
}

function padded(words: Words, n: number): Words {
  if (words.length >= n) return words;
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < words.length; i++) out[i] = (words[i] as number) >>> 0;
  return out;
}

function hexOf(v: bigint): string {
  return '0x' + v.toString(16).toUpperCase();
}

/**
 * Fields always shown, even when zero: StreamID and the input address identify the transaction;
 * SubstreamID is shown when it is meaningful (SSV == 1, or records without SSV such as
 * C_BAD_SUBSTREAMID where it is always valid, §7.3.9).
 */
function shown(d: DecodedLayoutField, all: readonly DecodedLayoutField[]): boolean {
  const n = d.field.name;
  if (n === 'EventNumber') return false;
  if (n === 'StreamID' || n === 'InputAddr') return true;
  if (n === 'SubstreamID') {
    const ssv = all.find((x) => x.field.name === 'SSV');
    return ssv === undefined || ssv.value === 1n;
  }
  return d.value !== 0n;
}

function valueText(d: DecodedLayoutField): string {
  if (d.enumValue) return d.enumValue.name;
  return d.field.msb === d.field.lsb ? d.value.toString() : hexOf(d.value);
}

function fieldsText(fields: readonly DecodedLayoutField[]): string {
  return fields
    .filter((d) => shown(d, fields))
    .map((d) => `${d.field.name}=${valueText(d)}`)
    .join(' ');
}

function res0Text(runs: readonly [number, number][]): string {
  return runs.length ? ` (RES0 bits set: ${runs.map(([m, l]) => (m === l ? `${m}` : `[${m}:${l}]`)).join(', ')})` : '';
}

/** One line: `F_TRANSLATION SSV=SUBSTREAM SubstreamID=0x5 StreamID=0x3 RnW=READ CLASS=IN InputAddr=0x1000`. */
export function formatEvent(d: DecodedEvent): string {
  if (!d.def) return `${isImpdefEvent(d.id) ? 'IMPDEF_EVENT' : 'unknown event'} ${hexOf(BigInt(d.id))}`;
  const rest = fieldsText(d.fields);
  return `${d.def.name}${rest ? ' ' + rest : ''}${res0Text(d.reservedRuns)}`;
}

/** Field table for hovers and completion documentation. */
export function layoutMarkdown(def: LayoutDef & { readonly id?: number }): string {
  const head = `**${def.name}**${def.id !== undefined ? ` (event ${hexOf(BigInt(def.id))})` : ''} — ${def.summary} (§${def.section})`;
  return `${head}\n\n${layoutFieldTable(def)}\n\nBits not listed are RES0.`;
}

export function eventSummaryMarkdown(def: EventDef): string {
  return layoutMarkdown(def);
}

/** Four little-endian words of a PRI queue entry (§8). */
export function encodePriRequest(values: ReadonlyMap<string, bigint>): number[] {
  return encode(PRI_REQUEST, values);
}

export function decodePriRequest(words: Words): DecodedPriRequest {
  const w = padded(words, 4);
  return { fields: decodeFields(PRI_REQUEST, w), reservedRuns: reservedRuns(PRI_REQUEST, w) };
}

/** One line: `PRI_REQUEST StreamID=0x7 SubstreamID=0x2 Read=1 L=1 SSV=SUBSTREAM PRGIndex=0x1FF PageAddr=0xABC000`. */
export function formatPriRequest(x: Words | DecodedPriRequest): string {
  const d = isDecodedPri(x) ? x : decodePriRequest(x);
  const shownPri = d.fields.filter(
    (f) => f.field.name === 'StreamID' || f.field.name === 'PageAddr' || f.field.name === 'PRGIndex' || f.value !== 0n,
  );
  return `PRI_REQUEST ${shownPri.map((f) => `${f.field.name}=${valueText(f)}`).join(' ')}${res0Text(d.reservedRuns)}`;
}

function isDecodedPri(x: Words | DecodedPriRequest): x is DecodedPriRequest {
  return typeof x === 'object' && x !== null && 'fields' in x && 'reservedRuns' in x;
}
