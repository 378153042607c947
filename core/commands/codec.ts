/**
 * Decode, validate and encode commands from the table (§4).
 *
 * What makes a command CERROR_ILL (§4.1.3, §7.1): a Reserved opcode; a command irrelevant to the
 * implementation (a feature it lacks, or a Secure-only command on the Non-secure queue); invalid
 * parameters where a command's section says so (SSec == 1, CMD_SYNC.CS == 0b11, PRI_RESP Resp
 * 0b11, the reserved range-invalidation combination of §4.4.1.1); and, optionally, non-zero
 * Reserved fields (§4.1.5 lets an SMMU either detect them as malformed or ignore them — the model
 * detects them by default, see `CommandCheckOptions`).
 *
 * Out-of-range parameters are not errors (§4.1.7: CONSTRAINED UNPREDICTABLE — no effect, or an
 * UNPREDICTABLE value), nor are the other CONSTRAINED UNPREDICTABLE cases; they are reported as
 * warnings with `ill: false`.
 */
import { bits, encodeLayout, fieldValue, reservedRuns, type Words } from '../layout/access';
import { layoutFieldTable } from '../layout/describe';
import type { LayoutField } from '../layout/types';
import { describeFeature, enumOf, featureHolds, type IdView } from '../registers/codec';
import type { EnumValue } from '../registers/types';
import * as caps from '../structures/capabilities';
import { commandByOpcode, findCommand, type CommandDef } from './table';

/** SMMU_(*_)CMDQ_CONS.ERR codes (§7.1). */
export const CERROR = { NONE: 0x00, ILL: 0x01, ABT: 0x02, ATC_INV_SYNC: 0x03 } as const;

export interface CommandProblem {
  readonly code: string;
  readonly message: string;
  readonly section: string;
  readonly field?: string;
  /** True when the architecture (or the model's permitted choice, see CommandCheckOptions) makes the SMMU stop with CERROR_ILL. */
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

/**
 * Checks the architecture permits but does not require (§4.1.3 "optionally detected"): non-zero
 * Reserved/RES0 fields (§4.1.5) and a CMD_ATC_INV Size above 52 (§4.5.1). `'ill'` (the default)
 * detects them as CERROR_ILL; `'ignore'` reports them as warnings only, as an SMMU that ignores
 * Reserved fields would behave.
 */
export interface CommandCheckOptions {
  readonly optionalChecks?: 'ill' | 'ignore';
  /**
   * The Command queue the command is read from (§3.10.2): the Non-secure one (the default) or the
   * Secure one (SMMU_S_CMDQ_*), where SSec may be 1 (§4.1.6) and the Secure-only commands are legal.
   */
  readonly queue?: CommandQueueSecurity;
}

/** The Security state of a Command queue (§3.10.2). */
export type CommandQueueSecurity = 'non-secure' | 'secure';

const hexOf = (v: bigint | number) => '0x' + v.toString(16).toUpperCase();

function ill(code: string, message: string, section: string, field?: string): CommandProblem {
  return { code, message, section, ill: true, severity: 'error', ...(field ? { field } : {}) };
}

function warn(code: string, message: string, section: string, field?: string): CommandProblem {
  return { code, message, section, ill: false, severity: 'warning', ...(field ? { field } : {}) };
}

/**
 * Opcodes the architecture defines but the table does not model, so that the CERROR_ILL message
 * can name them (§4.1.1).
 */
const KNOWN_UNMODELLED: ReadonlyMap<number, { name: string; section: string; why: string }> = new Map([
  [
    0x73,
    {
      name: 'CMD_DPTI_PA',
      section: '4.6.2',
      why: 'not modelled (its layout is not in the text of the specification); it is CERROR_ILL when SMMU_IDR3.DPT == 0',
    },
  ],
]);

const CFGI_ALL = findCommand('CMD_CFGI_ALL');

/** Decode the four little-endian words of a command and check it against this configuration (all features assumed present without `ids`). */
export function decodeCommand(w: Words, ids?: IdView, options: CommandCheckOptions = {}): DecodedCommand {
  const opcode = (w[0] as number) & 0xff;
  let def = commandByOpcode(opcode);
  if (!def) {
    const known = KNOWN_UNMODELLED.get(opcode);
    const what = known
      ? `${known.name}, ${known.why}`
      : opcode >= 0x80 && opcode <= 0x8f
        ? 'an IMPLEMENTATION DEFINED opcode this model does not implement'
        : 'a reserved opcode';
    return {
      opcode,
      fields: [],
      problems: [ill('opcode', `opcode ${hexOf(opcode)} is ${what}`, known?.section ?? '4.1.1')],
    };
  }
  // §4.3.6: CMD_CFGI_ALL is CMD_CFGI_STE_RANGE with Range == 31.
  if (opcode === 0x04 && bits(w, 68, 64) === 31 && CFGI_ALL) def = CFGI_ALL;
  const fields: DecodedCommandField[] = def.fields.map((field) => {
    const value = fieldValue(w, field);
    const enumValue = enumOf(field, value);
    return enumValue ? { field, value, enumValue } : { field, value };
  });
  return { opcode, def, fields, problems: validate(def, w, fields, ids, options) };
}

function validate(
  def: CommandDef,
  w: Words,
  fields: readonly DecodedCommandField[],
  ids: IdView | undefined,
  options: CommandCheckOptions,
): CommandProblem[] {
  const out: CommandProblem[] = [];
  const detect = (options.optionalChecks ?? 'ill') === 'ill';
  const secureQueue = options.queue === 'secure';
  /** A problem the architecture lets an SMMU detect (CERROR_ILL) or ignore: the model's choice. */
  const optional = (code: string, what: string, section: string, field?: string): CommandProblem =>
    detect
      ? ill(
          code,
          `${what}; an SMMU may treat this as a malformed command or ignore it, and the model detects it`,
          section,
          field,
        )
      : warn(
          code,
          `${what}; an SMMU may treat this as a malformed command (CERROR_ILL) or ignore it, and the model ignores it`,
          section,
          field,
        );
  // The checks that depend on the SMMU's ID registers need a configuration: without one (a decode
  // without --config) they are skipped.
  // One pass over the fields instead of a search per name: on a cold start every command runs
  // this in V8's interpreter, where each search's callback call is costly (docs/performance.md).
  const byName = fieldsByName(fields);
  const field = (name: string) => byName.get(name);
  const val = (name: string) => byName.get(name)?.value;
  const name = def.name;

  // Commands irrelevant to this implementation (§4.1.3, §7.1).
  if (def.secureOnly && !secureQueue)
    out.push(
      ill(
        'secure-only',
        `${name} is valid only on the Secure Command queue: on the Non-secure Command queue it is CERROR_ILL`,
        def.section,
      ),
    );
  for (const r of def.requires ?? []) {
    if (!featureHolds(r, ids))
      out.push(
        ill(
          'unsupported',
          `${name} needs ${describeFeature(r)}, which this configuration does not advertise`,
          def.section,
        ),
      );
  }
  // §4.7.1, §4.7.2: no Stall model (SMMU_(S_)IDR0.STALL_MODEL == 0b01, of the queue's Security
  // state) makes CMD_RESUME and CMD_STALL_TERM CERROR_ILL.
  if (
    (name === 'CMD_RESUME' || name === 'CMD_STALL_TERM') &&
    ids &&
    (secureQueue ? caps.secureStallModel(ids) : caps.stallModel(ids)) === 1
  ) {
    out.push(
      ill(
        'unsupported',
        `${name} on an SMMU without the Stall model (SMMU_${secureQueue ? 'S_' : ''}IDR0.STALL_MODEL == 0b01) is CERROR_ILL`,
        def.section,
      ),
    );
  }
  // §4.5.1, §4.5.2: with SMMU_S_IDR3.SAMS == 1, CMD_ATC_INV and CMD_PRI_RESP are ILLEGAL on the
  // Secure Command queue.
  if (secureQueue && (name === 'CMD_ATC_INV' || name === 'CMD_PRI_RESP') && ids && caps.secureAtsMaintenance(ids) === 1)
    out.push(
      ill(
        'sams',
        `${name} on the Secure Command queue with SMMU_S_IDR3.SAMS == 1 (no Secure ATS maintenance) is CERROR_ILL`,
        def.section,
      ),
    );

  // Reserved bits (§4.1.5), and fields that are RES0 because their feature is not advertised.
  // Bits where parameters of unknown position lie (CMD_PREFETCH_ADDR's Stride, SMMUv3.1 on) are
  // not RES0 from the version that defines them: the model cannot check them, and says so.
  const unlocated =
    def.unlocated && (!ids || caps.archMinorRev(ids) >= def.unlocated.sinceMinor) ? def.unlocated : undefined;
  const notChecked: [number, number][] = [];
  for (const run of reservedRuns(def, w)) {
    for (const [msb, lsb] of unlocated ? splitRuns(run, unlocated.bits, notChecked) : [run]) {
      out.push(optional('reserved', `RES0 bit${msb === lsb ? ` ${msb}` : `s [${msb}:${lsb}]`} set`, '4.1.5'));
    }
  }
  if (unlocated && notChecked.length) {
    const where = notChecked.map(([m, l]) => (m === l ? `${m}` : `[${m}:${l}]`)).join(', ');
    out.push(
      warn(
        'unlocated',
        `bit${notChecked.length > 1 || notChecked[0]?.[0] !== notChecked[0]?.[1] ? 's' : ''} ${where} set: ${name}'s ${unlocated.params} lie among bits ${unlocated.bits.map(([m, l]) => `[${m}:${l}]`).join(', ')}, but ${unlocated.why}; the model does not check them (not CERROR_ILL)`,
        def.section,
      ),
    );
  }
  for (let i = 0; i < fields.length; i++) {
    const x = fields[i] as DecodedCommandField;
    const f = x.field;
    if (f.requires && !featureHolds(f.requires, ids)) {
      if (x.value !== 0n)
        out.push(
          optional(
            'unadvertised',
            `${f.name} is RES0 without ${describeFeature(f.requires)}, and it is ${hexOf(x.value)}`,
            def.section,
            f.name,
          ),
        );
      continue;
    }
    if (f.values && !f.openValues && !x.enumValue) {
      if (name === 'CMD_SYNC' && f.name === 'MSH' && x.value === 1n) {
        out.push(warn('msh-reserved', 'MSH = 0b01 is Reserved and treated as 0b00 (Non-shareable)', '4.7.3', 'MSH'));
      } else {
        // CMD_SYNC.CS 0b11 "Causes a CERROR_ILL" (§4.7.3); CMD_PRI_RESP.Resp 0b11 "Reserved: ILLEGAL" (§4.5.2).
        out.push(ill('reserved-value', `${f.name} = ${hexOf(x.value)} is a Reserved encoding`, def.section, f.name));
      }
    }
  }

  // §4.1.6: SSec must be 0 on the Non-secure Command queue, whether or not Secure state exists; on
  // the Secure one it says whether StreamID is Secure (1) or Non-secure (0).
  const ssec = val('SSec') === 1n;
  if (ssec && !secureQueue) out.push(ill('ssec', 'SSec is 1 on the Non-secure Command queue', '4.1.6', 'SSec'));

  // §4.1.7 out-of-range StreamID / SubstreamID: CONSTRAINED UNPREDICTABLE, never CERROR_ILL. A
  // Secure StreamID (SSec == 1 on the Secure queue) is measured against SMMU_S_IDR1.S_SIDSIZE.
  const secureSid = ssec && secureQueue;
  const sidSize = ids && (secureSid ? caps.secureSidSize(ids) : caps.sidSize(ids));
  const sid = val('StreamID');
  if (sid !== undefined && sidSize !== undefined && name !== 'CMD_CFGI_ALL') {
    let base = sid;
    let what = `StreamID ${hexOf(sid)}`;
    if (name === 'CMD_CFGI_STE_RANGE') {
      // §4.3.2: the bottom Range+1 bits are IGNORED; the range is out of range when its base is.
      const span = 1n << ((val('Range') ?? 0n) + 1n);
      base = sid - (sid % span);
      what = `the StreamID range starting at ${hexOf(base)}`;
    }
    if (base >= 1n << BigInt(sidSize)) {
      out.push(
        warn(
          'streamid-range',
          `${what} is beyond ${secureSid ? 'SMMU_S_IDR1.S_SIDSIZE' : 'SMMU_IDR1.SIDSIZE'} (${sidSize} bits): CONSTRAINED UNPREDICTABLE — the command has no effect or acts on an UNPREDICTABLE StreamID`,
          '4.1.7',
          'StreamID',
        ),
      );
    }
  }
  const ssidSize = ids && caps.ssidSize(ids);
  const ssv = val('SSV');
  const ssid = val('SubstreamID');
  if (ssv === 1n && ssidSize === 0) {
    // §4.2 (prefetch), §4.5.1 (ATC_INV), §4.5.2 (PRI_RESP): SSV must be 0 without substreams/PASIDs.
    const section = def.group === 'prefetch' ? '4.2' : def.section;
    out.push(
      warn(
        'ssv-no-substreams',
        `SSV is 1 but the SMMU has no substreams (SMMU_IDR1.SSIDSIZE == 0): CONSTRAINED UNPREDICTABLE — behaves as SSV == 0 or has no effect`,
        section,
        'SSV',
      ),
    );
  } else if (
    ssid !== undefined &&
    ssidSize !== undefined &&
    (ssv === undefined || ssv === 1n) &&
    ssid >= 1n << BigInt(ssidSize)
  ) {
    out.push(
      warn(
        'substreamid-range',
        `SubstreamID ${hexOf(ssid)} is beyond SMMU_IDR1.SSIDSIZE (${ssidSize} bits): CONSTRAINED UNPREDICTABLE — no effect or an UNPREDICTABLE SubstreamID`,
        name === 'CMD_CFGI_CD' ? '4.3.3' : '4.1.7',
        'SubstreamID',
      ),
    );
  }

  // §4.4: 8-bit ASID/VMID: the upper byte is RES0 and, if non-zero, the command need not affect any TLB entry.
  const asid = val('ASID');
  if (asid !== undefined && asid > 0xffn && ids && !caps.asid16(ids)) {
    out.push(
      warn(
        'asid16',
        `ASID ${hexOf(asid)} has bits [15:8] set, which are RES0 without SMMU_IDR0.ASID16: the command is not required to affect any TLB entry`,
        '4.4',
        'ASID',
      ),
    );
  }
  const vmid = val('VMID');
  if (vmid !== undefined && vmid > 0xffn && ids && !caps.vmid16(ids)) {
    out.push(
      warn(
        'vmid16',
        `VMID ${hexOf(vmid)} has bits [15:8] set, which are RES0 without SMMU_IDR0.VMID16: the command is not required to affect any TLB entry`,
        '4.4',
        'VMID',
      ),
    );
  }
  // §4.4.2: without stage 2 for the queue's Security state (SMMU_IDR0.S2P; SMMU_S_IDR1.SEL2 on the
  // Secure queue) the VMID of CMD_TLBI_NH_* is RES0; non-zero may use an UNKNOWN VMID or invalidate nothing.
  if (
    name.startsWith('CMD_TLBI_NH_') &&
    vmid !== undefined &&
    vmid !== 0n &&
    ids &&
    !(secureQueue ? caps.secureEl2(ids) : caps.s2p(ids))
  ) {
    out.push(
      warn(
        'vmid-no-s2',
        `VMID is ${hexOf(vmid)} but ${secureQueue ? 'Secure stage 2 (SMMU_S_IDR1.SEL2)' : 'stage 2'} is not implemented, so VMID is RES0: the SMMU may invalidate for an UNKNOWN VMID or not at all`,
        '4.4.2',
        'VMID',
      ),
    );
  }

  // §4.4.1.1 range invalidation and level hint (only when the fields exist: SMMU_IDR3.RIL == 1).
  const tgField = field('TG');
  if (tgField && featureHolds(tgField.field.requires ?? { register: 'IDR3', field: 'RIL' }, ids))
    rangeChecks(byName, ids, optional, out);

  // §4.1.6: physical/IPA address bits [55:52] are RES0 in SMMUv3.1–v3.3, [55:48] in SMMUv3.0.
  const minor = ids && caps.archMinorRev(ids);
  if (minor !== undefined && minor < 4) {
    const top = minor === 0 ? 48 : 52;
    for (const n of ['MSIAddress', ...(name === 'CMD_TLBI_S2_IPA' ? ['Address'] : [])]) {
      const a = val(n);
      if (a !== undefined && a >> BigInt(top) !== 0n) {
        out.push(
          warn(
            'address-res0',
            `${n} ${hexOf(a)} has bits [55:${top}] set, which are RES0 in SMMUv3.${minor} (an out-of-range address, CONSTRAINED UNPREDICTABLE)`,
            '4.1.6',
            n,
          ),
        );
      }
    }
  }

  // §4.5.1: Size > 52 is permitted, but not required, to raise CERROR_ILL (or gives an UNKNOWN span).
  if (name === 'CMD_ATC_INV') {
    const size = val('Size') ?? 0n;
    if (size > 52n)
      out.push(
        optional(
          'atc-size',
          `Size ${size} is above 52 (a 2^64-byte span); otherwise the span is UNKNOWN`,
          '4.5.1',
          'Size',
        ),
      );
  }

  return out;
}

/**
 * Split the RES0 run [msb, lsb] into the parts outside `holes` (returned) and inside them (pushed
 * to `inside`).
 */
function splitRuns(
  run: readonly [number, number],
  holes: readonly (readonly [number, number])[],
  inside: [number, number][],
): [number, number][] {
  const outside: [number, number][] = [];
  let start: number | undefined;
  let inHole = false;
  const flush = (end: number) => {
    if (start === undefined) return;
    (inHole ? inside : outside).push([start, end]);
    start = undefined;
  };
  for (let b = run[0]; b >= run[1]; b--) {
    const hole = holes.some(([m, l]) => b <= m && b >= l);
    if (start !== undefined && hole !== inHole) flush(b + 1);
    if (start === undefined) {
      start = b;
      inHole = hole;
    }
  }
  flush(run[1]);
  return outside;
}

/** Alignment needed for a defined range (64-bit descriptors, §4.4.1.1): Address[bit:12] must be zero. */
function alignmentTop(tg: number, ttl: number, ds: boolean): number | undefined {
  if (tg === 1) return ttl === 1 ? 29 : ttl === 2 ? 20 : undefined;
  if (tg === 2) return ttl === 2 ? 24 : ttl === 3 || ttl === 0 || (ttl === 1 && !ds) ? 13 : ttl === 1 ? 35 : undefined;
  if (tg === 3) return ttl === 1 ? 41 : ttl === 2 ? 28 : 15;
  return undefined;
}

/** A command's decoded fields by name (the first of a name, as a search in order finds it). */
function fieldsByName(fields: readonly DecodedCommandField[]): Map<string, DecodedCommandField> {
  const byName = new Map<string, DecodedCommandField>();
  for (let i = 0; i < fields.length; i++) {
    const x = fields[i] as DecodedCommandField;
    if (!byName.has(x.field.name)) byName.set(x.field.name, x);
  }
  return byName;
}

function rangeChecks(
  fields: ReadonlyMap<string, DecodedCommandField>,
  ids: IdView | undefined,
  optional: (code: string, what: string, section: string, field?: string) => CommandProblem,
  out: CommandProblem[],
): void {
  const val = (n: string) => fields.get(n)?.value ?? 0n;
  const tg = Number(val('TG'));
  const ttl = Number(val('TTL'));
  const num = val('NUM');
  const scale = val('SCALE');
  const ttl128 = val('TTL128');
  // Without a configuration, DS counts as implemented: its checks are skipped.
  const ds = !ids || caps.ds(ids);
  const s = '4.4.1.1';
  // SCALE is 5 bits ([24:20], bit 25 RES0) unless SMMU_IDR5.DS == 1.
  if (!ds && scale >= 32n)
    out.push(optional('scale-ds', 'SCALE bit 25 is RES0 without SMMU_IDR5.DS, and it is set', s, 'SCALE'));
  if (tg === 0) {
    const set = [
      ['NUM', num],
      ['SCALE', scale],
      ['TTL', BigInt(ttl)],
      ['TTL128', ttl128],
    ]
      .filter(([, v]) => v !== 0n)
      .map(([n]) => n);
    if (set.length)
      out.push(
        optional('range-res0', `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} RES0 when TG is 0b00, and set`, s),
      );
    return;
  }
  if (ttl === 0 && ttl128 !== 0n)
    out.push(optional('range-res0', 'TTL128 is RES0 when TTL is 0b00, and set', s, 'TTL128'));
  // 16KB granule, TTL 0b01 without DS: Reserved, and hardware treats it as TTL 0b00.
  const ttlReserved = tg === 2 && ttl === 1 && !ds;
  const effectiveTtl = ttlReserved ? 0 : ttl;
  if (num === 0n && scale === 0n && effectiveTtl === 0) {
    out.push({
      code: 'range-reserved',
      message: ttlReserved
        ? 'TG = 0b10 with TTL = 0b01 (Reserved without SMMU_IDR5.DS, treated as 0b00), NUM = 0 and SCALE = 0 is the Reserved combination: CERROR_ILL'
        : 'TG != 0b00 with NUM = 0, SCALE = 0 and TTL = 0b00 is a Reserved combination: CERROR_ILL',
      section: s,
      ill: true,
      severity: 'error',
    });
  } else if (ttlReserved) {
    out.push(
      warn(
        'ttl-reserved',
        'TTL = 0b01 with TG = 0b10 is Reserved without SMMU_IDR5.DS and is treated as TTL = 0b00',
        s,
        'TTL',
      ),
    );
  }
  // The invalidated range is UNPREDICTABLE for unaligned addresses (64-bit descriptors).
  const addr = fields.get('Address')?.value;
  const top = alignmentTop(tg, effectiveTtl, ds);
  if (ttl128 === 0n && addr !== undefined && top !== undefined && (addr & ((1n << BigInt(top + 1)) - 1n)) !== 0n) {
    out.push(
      warn(
        'range-alignment',
        `Address ${hexOf(addr)} has bits [${top}:12] not all zero for TG = ${tg} and TTL = ${effectiveTtl}: the range invalidated is UNPREDICTABLE`,
        s,
        'Address',
      ),
    );
  }
}

export interface EncodedCommand {
  readonly words: number[];
  readonly problems: readonly CommandProblem[];
}

/**
 * Encode a command from field values (names case-insensitive; addresses as addresses). The opcode
 * is set from the table; CMD_CFGI_ALL sets Range to 31 (§4.3.6). Unknown names and values that
 * do not fit are reported and left out.
 */
export function encodeCommand(def: CommandDef, values: ReadonlyMap<string, bigint>): EncodedCommand {
  const all = new Map<string, bigint>();
  const problems: CommandProblem[] = [];
  // forEach rather than for…of over entries: see encodeLayout.
  values.forEach((v, k) => {
    // Only `opcode` and `range` (6 and 5 letters) are looked at: lower-casing makes a string per
    // field of every command, so the other names are not lower-cased.
    const lower = k.length === 6 || k.length === 5 ? k.toLowerCase() : k;
    if (lower === 'opcode') {
      if (v !== BigInt(def.opcode))
        problems.push({
          code: 'opcode',
          field: 'Opcode',
          message: `Opcode of ${def.name} is ${hexOf(def.opcode)}, not ${hexOf(v)}`,
          section: '4.1.1',
          ill: false,
          severity: 'error',
        });
      return;
    }
    if (def.name === 'CMD_CFGI_ALL' && lower === 'range') {
      if (v !== 31n)
        problems.push({
          code: 'range',
          field: 'Range',
          message: `CMD_CFGI_ALL is encoded with Range 31, not ${v}`,
          section: '4.3.6',
          ill: false,
          severity: 'error',
        });
      return;
    }
    all.set(k, v);
  });
  all.set('Opcode', BigInt(def.opcode));
  if (def.name === 'CMD_CFGI_ALL') all.set('Range', 31n);
  const e = encodeLayout(def, all);
  for (const p of e.problems) {
    problems.push({
      code: p.message.includes(' has no field ') ? 'unknown-field' : 'too-wide',
      field: p.field,
      message: p.message,
      section: def.section,
      ill: false,
      severity: 'error',
    });
  }
  return { words: e.words, problems };
}

function valueText(x: DecodedCommandField): string {
  if (x.enumValue) return x.enumValue.name;
  return x.field.msb === x.field.lsb ? x.value.toString() : hexOf(x.value);
}

/** One line: `CMD_CFGI_STE StreamID=0x3 Leaf=1` — non-zero fields, and StreamID always (enum names for enumerations). */
export function formatCommand(d: DecodedCommand): string {
  const def = d.def;
  if (!def) return `unknown command (opcode ${hexOf(d.opcode)})`;
  const cfgiAll = def.name === 'CMD_CFGI_ALL';
  // One pass, no intermediate arrays: every `cmd` line of a script is formatted for its inlay hint.
  let text = def.name;
  for (const x of d.fields) {
    const name = x.field.name;
    if (name === 'Opcode' || (cfgiAll && (name === 'Range' || name === 'StreamID'))) continue;
    if (x.value === 0n && name !== 'StreamID') continue;
    text += ` ${name}=${valueText(x)}`;
  }
  return text;
}

/** Markdown for hovers and docs: name, opcode, summary, what it needs, and the field table. */
export function commandSummaryMarkdown(def: CommandDef): string {
  const needs = [
    ...(def.requires ?? []).map(describeFeature),
    ...(def.secureOnly ? ['the Secure Command queue (CERROR_ILL on the Non-secure one)'] : []),
  ];
  const req = needs.length ? `\n\nNeeds ${needs.join(' and ')}; otherwise CERROR_ILL.` : '';
  const aliases = def.aliases?.length ? ` Also written ${def.aliases.join(', ')}.` : '';
  return `**${def.name}** (opcode ${hexOf(def.opcode)}) — ${def.summary} (§${def.section})${aliases}${req}${unlocatedText(def)}\n\n${layoutFieldTable(def)}`;
}

/** What the table does not locate, for hovers and docs/commands.md. */
export function unlocatedText(def: CommandDef): string {
  const u = def.unlocated;
  if (!u) return '';
  return `\n\n${u.params} are not located: ${u.why}. They lie among bits ${u.bits.map(([m, l]) => `[${m}:${l}]`).join(', ')}, which from SMMUv3.${u.sinceMinor} on the model does not check (a set bit is a warning, not CERROR_ILL); in SMMUv3.0 those bits are RES0.`;
}
