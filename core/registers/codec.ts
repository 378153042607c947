/**
 * Decode and encode register values from the table: field by field, with enum names, reserved
 * bits, and fields whose feature the configuration does not advertise.
 */
import { definedMask, fieldApplies, fieldMask, widthMask } from './table';
import type { EnumValue, FeatureRef, FieldDef, IdRegisterName, RegisterDef } from './types';

/** Read access to ID register values, to evaluate `requires` conditions. */
export interface IdView {
  /** Value of an ID register field, or undefined when unknown (then features count as present). */
  idField(register: IdRegisterName, field: string): number | undefined;
}

export function featureHolds(ref: FeatureRef, ids: IdView | undefined): boolean {
  if (!ids) return true;
  const v = ids.idField(ref.register, ref.field);
  if (v === undefined) return true;
  if (ref.equals !== undefined) return v === ref.equals;
  if (ref.atLeast !== undefined) return v >= ref.atLeast;
  return v !== 0;
}

export function describeFeature(ref: FeatureRef): string {
  const op = ref.equals !== undefined ? `== ${ref.equals}` : ref.atLeast !== undefined ? `>= ${ref.atLeast}` : '== 1';
  return `SMMU_${ref.register}.${ref.field} ${op}`;
}

export function extractField(value: bigint, f: FieldDef): bigint {
  return (value & fieldMask(f)) >> BigInt(f.lsb);
}

export function depositField(value: bigint, f: FieldDef, fieldValue: bigint): bigint {
  return (value & ~fieldMask(f)) | ((fieldValue << BigInt(f.lsb)) & fieldMask(f));
}

/**
 * The named encoding of a field's value. Compared as numbers (enumerations are small, and a value
 * of 2^53 or more cannot round to one): decoders call this for every field they show, and a
 * BigInt made per enumeration value per call was a large share of a check's garbage.
 */
export function enumOf(f: { readonly values?: readonly EnumValue[] }, v: bigint): EnumValue | undefined {
  if (!f.values) return undefined;
  const n = Number(v);
  return f.values.find((e) => e.value === n);
}

export interface DecodedField {
  readonly field: FieldDef;
  readonly value: bigint;
  readonly enumValue?: EnumValue;
  /** The value is not one of the field's listed encodings (a reserved encoding). */
  readonly reservedEncoding: boolean;
  /** The field's feature is not advertised: the field is RES0 here. */
  readonly unadvertised: boolean;
  /** An address field (FieldDef.addrShift): the address it encodes, field << addrShift. */
  readonly address?: bigint;
}

/** A number as the decoders print it: decimal up to 9, upper-case hex above. */
export function numberText(v: bigint): string {
  return v > 9n ? '0x' + v.toString(16).toUpperCase() : v.toString();
}

/** A decoded field's value as views show it: an address field as its address (0x40100000, not 0x2008000). */
export function fieldValueText(d: DecodedField): string {
  return numberText(d.address ?? d.value);
}

export interface Decoded {
  readonly reg: RegisterDef;
  readonly value: bigint;
  readonly fields: readonly DecodedField[];
  /** Bits set where no field is defined (RES0, §6.2). */
  readonly reservedBits: bigint;
  /** Bits set in fields that are RES0 because their feature is not advertised. */
  readonly unadvertisedBits: bigint;
}

export function decode(reg: RegisterDef, value: bigint, ids?: IdView): Decoded {
  const v = value & widthMask(reg);
  let unadvertisedBits = 0n;
  // Only the fields of the layout the value selects (FieldDef.when, SMMU_GATOS_PAR.FAULT).
  const fields = reg.fields
    .filter((f) => fieldApplies(reg, f, v))
    .sort((a, b) => b.lsb - a.lsb)
    .map((field): DecodedField => {
      const fv = extractField(v, field);
      const enumValue = enumOf(field, fv);
      const unadvertised = field.requires !== undefined && !featureHolds(field.requires, ids);
      if (unadvertised) unadvertisedBits |= v & fieldMask(field);
      const reservedEncoding = !field.openValues && field.values !== undefined && enumValue === undefined;
      if (field.addrShift !== undefined)
        return { field, value: fv, enumValue, reservedEncoding, unadvertised, address: fv << BigInt(field.addrShift) };
      return { field, value: fv, enumValue, reservedEncoding, unadvertised };
    });
  // RES0 bits: outside every field of the layout in use (one layout: outside every field).
  const defined = reg.fields.some((f) => f.when)
    ? fields.reduce((m, d) => m | fieldMask(d.field), 0n)
    : definedMask(reg);
  return { reg, value: v, fields, reservedBits: v & ~defined & widthMask(reg), unadvertisedBits };
}

/** Mask of the fields that exist under this configuration (defined and advertised). */
export function implementedMask(reg: RegisterDef, ids: IdView | undefined): bigint {
  // Every write of an acked register (CR0, IRQ_CTRL) asks, twice: kept per configuration view.
  const byRegister = ids && implementedMasks.get(ids);
  const known = byRegister?.get(reg);
  if (known !== undefined) return known;
  let m = 0n;
  for (const f of reg.fields) if (!f.requires || featureHolds(f.requires, ids)) m |= fieldMask(f);
  if (ids) {
    if (byRegister) byRegister.set(reg, m);
    else implementedMasks.set(ids, new Map([[reg, m]]));
  }
  return m;
}
/** implementedMask's answers by IdView (a view is made once per configuration and never changes). */
const implementedMasks = new WeakMap<IdView, Map<RegisterDef, bigint>>();

export function hex(v: bigint, width: 32 | 64 = 32): string {
  return (
    '0x' +
    v
      .toString(16)
      .toUpperCase()
      .padStart(width / 4, '0')
  );
}

/** Bit positions of a mask as `[31:11], 5` style text. */
export function bitRanges(mask: bigint): string {
  const parts: string[] = [];
  let bit = 0;
  while (mask >> BigInt(bit) !== 0n) {
    if ((mask >> BigInt(bit)) & 1n) {
      let end = bit;
      while ((mask >> BigInt(end + 1)) & 1n) end++;
      parts.push(end === bit ? `${bit}` : `[${end}:${bit}]`);
      bit = end + 1;
    } else bit++;
  }
  return parts.reverse().join(', ');
}

function fieldText(d: DecodedField): string {
  const f = d.field;
  const bits = f.msb === f.lsb ? `[${f.lsb}]` : `[${f.msb}:${f.lsb}]`;
  const val = f.msb - f.lsb + 1 > 8 ? '0x' + d.value.toString(16).toUpperCase() : d.value.toString();
  // An address field reads as the address it encodes; the field's own value follows.
  let s =
    d.address !== undefined
      ? `${f.name}${bits} = ${numberText(d.address)} (address; field value ${val})`
      : `${f.name}${bits} = ${val}`;
  if (d.enumValue) s += ` (${d.enumValue.name})`;
  else if (d.reservedEncoding) s += ' (reserved encoding)';
  if (d.unadvertised && d.value !== 0n) s += `  ! RES0: ${describeFeature(f.requires as FeatureRef)} not advertised`;
  return s;
}

/** Plain-text decode used by the CLI and as the body of hovers. */
export function formatDecoded(d: Decoded): string {
  const lines = [`SMMU_${d.reg.name} = ${hex(d.value, d.reg.width)}  (§${d.reg.section})`];
  for (const f of d.fields) lines.push('  ' + fieldText(f));
  if (d.reservedBits !== 0n)
    lines.push(`  ! RES0 bits set: ${bitRanges(d.reservedBits)} (${hex(d.reservedBits, d.reg.width)})`);
  return lines.join('\n');
}

/**
 * Symbolic form of a value: `SMMUEN|CMDQEN`, `0x40100000|LOG2SIZE=8`; reserved bits as a number.
 * An address field is written as the address itself, first: its bits are already in place, so
 * the text reads as the base it is and still means the same value in a script.
 */
export function symbolic(reg: RegisterDef, value: bigint): string {
  const parts: string[] = [];
  const addresses: string[] = [];
  for (const f of [...reg.fields].sort((a, b) => a.lsb - b.lsb)) {
    if (!fieldApplies(reg, f, value)) continue;
    const fv = extractField(value, f);
    if (fv === 0n) continue;
    if (f.addrShift !== undefined) addresses.push(numberText(fv << BigInt(f.addrShift)));
    else if (f.msb === f.lsb) parts.push(f.name);
    else {
      const e = enumOf(f, fv);
      parts.push(`${f.name}=${e ? e.name : numberText(fv)}`);
    }
  }
  parts.unshift(...addresses);
  const res = value & ~definedMask(reg) & widthMask(reg);
  if (res !== 0n) parts.push(hex(res, reg.width));
  return parts.length ? parts.join('|') : '0';
}
