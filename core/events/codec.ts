/** Encode and decode event records and PRI requests from the tables (§7.3, §8). */
import { encodeLayout, fieldValue, reservedRuns, type Words } from '../layout/access';
import { layoutFieldTable } from '../layout/describe';
import type { LayoutDef, LayoutField } from '../layout/types';
import type { EnumValue } from '../registers/types';
import { eventById, isImpdefEvent, PRI_REQUEST, type EventDef } from './table';

export interface DecodedLayoutField {
  readonly field: LayoutField;
  /** The value; for address fields, the address. */
  readonly value: bigint;
  readonly enumValue?: EnumValue;
}

export interface DecodedEvent {
  readonly id: number;
  readonly def?: EventDef;
  readonly fields: readonly DecodedLayoutField[];
  /** Set bits outside every field of the record (RES0, §7.3). */
  readonly reservedRuns: readonly [number, number][];
}

/** Encode; the engine only passes valid values, so a problem is an internal error. */
function encode(def: LayoutDef, values: ReadonlyMap<string, bigint>): number[] {
  const e = encodeLayout(def, values);
  if (e.problems.length) throw new Error(`internal: ${e.problems.map((p) => p.message).join('; ')}`);
  return e.words;
}

function decodeFields(def: LayoutDef, w: Words): DecodedLayoutField[] {
  return def.fields.map((field) => {
    const value = fieldValue(w, field);
    const enumValue = field.values?.find((e) => BigInt(e.value) === value);
    return { field, value, ...(enumValue ? { enumValue } : {}) };
  });
}

/** Eight little-endian words of an event record; the event number is set from `def`. */
export function encodeEvent(def: EventDef, values: ReadonlyMap<string, bigint>): number[] {
  const m = new Map(values);
  m.set('EventNumber', BigInt(def.id));
  return encode(def, m);
}

export function decodeEvent(w: Words): DecodedEvent {
  const id = (w[0] as number) & 0xff;
  const def = eventById(id);
  if (!def) return { id, fields: [], reservedRuns: [] };
  return { id, def, fields: decodeFields(def, w), reservedRuns: reservedRuns(def, w) };
}

const KEY = new Set(['StreamID', 'InputAddr']);

function hexOf(v: bigint): string {
  return '0x' + v.toString(16).toUpperCase();
}

function fieldsText(fields: readonly DecodedLayoutField[], skip: string): string {
  return fields
    .filter((f) => f.field.name !== skip && (f.value !== 0n || KEY.has(f.field.name)))
    .map((f) => `${f.field.name}=${f.enumValue ? f.enumValue.name : f.field.msb === f.field.lsb ? f.value.toString() : hexOf(f.value)}`)
    .join(' ');
}

/** One line: `F_TRANSLATION StreamID=0x3 InputAddr=0x1000 RnW=READ CLASS=IN`. */
export function formatEvent(d: DecodedEvent): string {
  if (!d.def) return `${isImpdefEvent(d.id) ? 'IMPDEF_EVENT' : 'unknown event'} ${hexOf(BigInt(d.id))}`;
  const rest = fieldsText(d.fields, 'EventNumber');
  const res = d.reservedRuns.length ? ` (RES0 bits set: ${d.reservedRuns.map(([m, l]) => (m === l ? `${m}` : `[${m}:${l}]`)).join(', ')})` : '';
  return `${d.def.name}${rest ? ' ' + rest : ''}${res}`;
}

/** Field table for hovers. */
export function layoutMarkdown(def: LayoutDef & { readonly id?: number }): string {
  const head = `**${def.name}**${def.id !== undefined ? ` (event ${hexOf(BigInt(def.id))})` : ''} — ${def.summary} (§${def.section})`;
  return `${head}\n\n${layoutFieldTable(def)}`;
}

export function eventSummaryMarkdown(def: EventDef): string {
  return layoutMarkdown(def);
}

export function encodePriRequest(values: ReadonlyMap<string, bigint>): number[] {
  return encode(PRI_REQUEST, values);
}

export function decodePriRequest(w: Words): { readonly fields: readonly DecodedLayoutField[]; readonly reservedRuns: readonly [number, number][] } {
  return { fields: decodeFields(PRI_REQUEST, w), reservedRuns: reservedRuns(PRI_REQUEST, w) };
}

export function formatPriRequest(w: Words): string {
  return `PRI_REQUEST ${fieldsText(decodePriRequest(w).fields, '')}`;
}
