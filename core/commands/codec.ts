/**
 * Decode, validate and encode commands from the table (§4). Validation follows §4.1.3: an
 * unknown opcode, a command irrelevant to this implementation, an invalid parameter, or (the
 * model's choice among the two §4.1.5 allows) a non-zero reserved field is CERROR_ILL.
 */
import { bits, encodeLayout, fieldValue, reservedRuns, type Words } from '../layout/access';
import { layoutFieldTable } from '../layout/describe';
import type { LayoutField } from '../layout/types';
import { describeFeature, featureHolds, type IdView } from '../registers/codec';
import type { EnumValue } from '../registers/types';
import { commandByOpcode, findCommand, type CommandDef } from './table';

/** CMDQ_CONS.ERR codes (§7.1). */
export const CERROR = { NONE: 0, ILL: 1, ABT: 2, ATC_INV_SYNC: 3 } as const;

export interface CommandProblem {
  readonly code: string;
  readonly message: string;
  readonly section: string;
  readonly field?: string;
  /** The SMMU stops with CERROR_ILL for this. */
  readonly ill: boolean;
  readonly severity: 'error' | 'warning';
}

export interface DecodedCommandField {
  readonly field: LayoutField;
  readonly value: bigint;
  readonly enumValue?: EnumValue;
}

export interface DecodedCommand {
  readonly opcode: number;
  readonly def?: CommandDef;
  readonly fields: readonly DecodedCommandField[];
  readonly problems: readonly CommandProblem[];
}

const hexOf = (v: bigint | number) => '0x' + v.toString(16).toUpperCase();

function ill(code: string, message: string, section: string, field?: string): CommandProblem {
  return { code, message, section, ill: true, severity: 'error', ...(field ? { field } : {}) };
}

/** Decode the four little-endian words of a command and check it against this configuration. */
export function decodeCommand(w: Words, ids?: IdView): DecodedCommand {
  const opcode = (w[0] as number) & 0xff;
  let def = commandByOpcode(opcode);
  if (!def) {
    const what = opcode >= 0x80 && opcode <= 0x8f ? 'an IMPLEMENTATION DEFINED opcode this model does not implement' : 'a reserved opcode';
    return { opcode, fields: [], problems: [ill('opcode', `opcode ${hexOf(opcode)} is ${what}`, '4.1.1')] };
  }
  if (opcode === 0x04 && bits(w, 68, 64) === 31) def = findCommand('CMD_CFGI_ALL') ?? def;
  const fields: DecodedCommandField[] = def.fields.map((field) => {
    const value = fieldValue(w, field);
    const enumValue = field.values?.find((e) => BigInt(e.value) === value);
    return { field, value, ...(enumValue ? { enumValue } : {}) };
  });
  return { opcode, def, fields, problems: ids ? validate(def, w, fields, ids) : [] };
}

function validate(def: CommandDef, w: Words, fields: readonly DecodedCommandField[], ids: IdView): CommandProblem[] {
  const out: CommandProblem[] = [];
  const id = (r: string, f: string) => ids.idField(r, f) ?? 0;
  const val = (name: string) => fields.find((x) => x.field.name === name)?.value;
  const name = def.name;
  if (def.secureOnly) out.push(ill('secure-only', `${name} is a Secure command: on the Non-secure command queue it is CERROR_ILL`, '4.1.3'));
  for (const r of def.requires ?? []) {
    if (!featureHolds(r, ids)) out.push(ill('unsupported', `${name} needs ${describeFeature(r)}, which this configuration does not advertise`, def.section));
  }
  if ((name === 'CMD_RESUME' || name === 'CMD_STALL_TERM') && id('IDR0', 'STALL_MODEL') === 1) {
    out.push(ill('unsupported', `${name} on an SMMU without the Stall model (IDR0.STALL_MODEL == 0b01) is CERROR_ILL`, def.section));
  }
  // Reserved bits (§4.1.5): fields whose feature is absent count as reserved.
  for (const [msb, lsb] of reservedRuns(def, w)) {
    out.push({ code: 'reserved', message: `RES0 bit${msb === lsb ? ` ${msb}` : `s [${msb}:${lsb}]`} set; an SMMU may treat this as a malformed command (CERROR_ILL) or ignore it, and the model detects it`, section: '4.1.5', ill: true, severity: 'error' });
  }
  for (const x of fields) {
    const f = x.field;
    if (f.requires && !featureHolds(f.requires, ids) && x.value !== 0n) {
      out.push({ code: 'unadvertised', field: f.name, message: `${f.name} is RES0 without ${describeFeature(f.requires)}; it is set`, section: def.section, ill: true, severity: 'error' });
    }
    if (f.values && x.value !== 0n && !x.enumValue && !f.openValues && !(f.requires && !featureHolds(f.requires, ids))) {
      out.push(ill('reserved-value', `${f.name} = ${x.value} is a reserved encoding`, def.section, f.name));
    }
  }
  const ssec = val('SSec');
  if (ssec) out.push(ill('ssec', 'SSec is 1 on the Non-secure command queue', '4.1.6', 'SSec'));
  const sid = val('StreamID');
  const sidSize = id('IDR1', 'SIDSIZE');
  if (sid !== undefined && def.name !== 'CMD_CFGI_ALL' && def.name !== 'CMD_CFGI_STE_RANGE' && sid >= 1n << BigInt(sidSize)) {
    // §4.3: out-of-range StreamIDs in CFGI are not ILL (they invalidate nothing); elsewhere they are invalid parameters.
    const cfgi = def.group === 'cfgi' || def.group === 'prefetch';
    out.push({ code: 'streamid-range', field: 'StreamID', message: `StreamID ${hexOf(sid)} is beyond SIDSIZE (${sidSize} bits)${cfgi ? ': the command has no effect' : ''}`, section: def.section, ill: !cfgi, severity: cfgi ? 'warning' : 'error' });
  }
  const ssidSize = id('IDR1', 'SSIDSIZE');
  const ssid = val('SubstreamID');
  const ssv = val('SSV');
  if (ssid !== undefined && ssid >= 1n << BigInt(ssidSize) && (ssv === undefined || ssv === 1n)) {
    out.push({ code: 'substreamid-range', field: 'SubstreamID', message: `SubstreamID ${hexOf(ssid)} is beyond SSIDSIZE (${ssidSize} bits)`, section: def.section, ill: false, severity: 'warning' });
  }
  if (ssv === 1n && ssidSize === 0) out.push(ill('ssv', 'SSV is 1 but this SMMU has no substreams (IDR1.SSIDSIZE == 0)', '4.1.6', 'SSV'));
  const asid = val('ASID');
  if (asid !== undefined && asid > 0xffn && !id('IDR0', 'ASID16')) out.push({ code: 'asid16', field: 'ASID', message: `ASID ${hexOf(asid)} has bits [15:8] set, which are RES0 without IDR0.ASID16`, section: '4.4', ill: true, severity: 'error' });
  const vmid = val('VMID');
  if (vmid !== undefined && vmid > 0xffn && !id('IDR0', 'VMID16')) out.push({ code: 'vmid16', field: 'VMID', message: `VMID ${hexOf(vmid)} has bits [15:8] set, which are RES0 without IDR0.VMID16`, section: '4.4', ill: true, severity: 'error' });
  // Range invalidation (§4.4.1.1).
  const tg = val('TG');
  if (tg !== undefined && id('IDR3', 'RIL')) {
    const num = val('NUM') ?? 0n;
    const scale = val('SCALE') ?? 0n;
    const ttl = val('TTL') ?? 0n;
    if (tg === 0n && (num !== 0n || scale !== 0n || ttl !== 0n)) {
      out.push({ code: 'range-res0', message: 'NUM, SCALE and TTL are RES0 when TG is 0', section: '4.4.1.1', ill: true, severity: 'error' });
    }
    if (tg !== 0n && num === 0n && scale === 0n && ttl === 0n) {
      out.push(ill('range-reserved', 'TG != 0 with NUM == 0, SCALE == 0 and TTL == 0 is a Reserved combination', '4.4.1.1'));
    }
    if (tg !== 0n) {
      const gran = Number(tg);
      const supported = gran === 1 ? id('IDR5', 'GRAN4K') : gran === 2 ? id('IDR5', 'GRAN16K') : id('IDR5', 'GRAN64K');
      if (!supported) out.push({ code: 'granule', field: 'TG', message: `TG selects a granule this SMMU does not support (IDR5.GRAN*)`, section: '4.4.1.1', ill: false, severity: 'warning' });
    }
  }
  if (def.name === 'CMD_CFGI_ALL' || def.name === 'CMD_CFGI_STE_RANGE') {
    // Nothing else to check: any Range value is valid (§4.3.2).
  }
  return out;
}

export interface EncodedCommand {
  readonly words: number[];
  readonly problems: readonly CommandProblem[];
}

/** Encode a command from field values (addresses as addresses). The opcode is set; CMD_CFGI_ALL sets Range 31. */
export function encodeCommand(def: CommandDef, values: ReadonlyMap<string, bigint>): EncodedCommand {
  const all = new Map(values);
  all.set('Opcode', BigInt(def.opcode));
  if (def.name === 'CMD_CFGI_ALL') all.set('Range', 31n);
  const e = encodeLayout(def, all);
  const problems: CommandProblem[] = e.problems.map((p) => ({ code: p.message.includes('no field') ? 'unknown-field' : 'too-wide', field: p.field, message: p.message, section: def.section, ill: false, severity: 'error' }));
  return { words: e.words, problems };
}

/** One line: `CMD_CFGI_STE StreamID=0x3 Leaf=1`. */
export function formatCommand(d: DecodedCommand): string {
  if (!d.def) return `unknown command (opcode ${hexOf(d.opcode)})`;
  const parts = d.fields
    .filter((x) => x.field.name !== 'Opcode' && !(d.def?.name === 'CMD_CFGI_ALL' && (x.field.name === 'Range' || x.field.name === 'StreamID')))
    .filter((x) => x.value !== 0n || x.field.name === 'StreamID')
    .map((x) => `${x.field.name}=${x.enumValue ? x.enumValue.name : x.field.msb === x.field.lsb ? x.value.toString() : hexOf(x.value)}`);
  return [d.def.name, ...parts].join(' ');
}

/** Field table for hovers and docs. */
export function commandSummaryMarkdown(def: CommandDef): string {
  const req = def.requires?.length ? `\n\nNeeds ${def.requires.map(describeFeature).join(' and ')}.` : '';
  return `**${def.name}** (opcode ${hexOf(def.opcode)}) — ${def.summary} (§${def.section})${req}\n\n${layoutFieldTable(def)}`;
}
