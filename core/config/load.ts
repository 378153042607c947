/**
 * Load a `*.smmu.json` configuration: parse it (with positions), read the readable features,
 * deposit them into the ID registers through the register table, apply raw register overrides,
 * then run the semantic rules (rules.ts). Every problem becomes a diagnostic pinned to the JSON
 * key or value that caused it. Never throws: any input text gives a result.
 *
 * The file format is documented in docs/configuration.md and described by
 * schemas/smmu-config.schema.json (generated from the same feature table, schema.ts).
 */
import { depositField, extractField, type IdView } from '../registers/codec';
import { definedMask, findField, findRegister, widthMask } from '../registers/table';
import type { FieldDef, RegisterDef } from '../registers/types';
import { DEFAULT_CHOICES, type IdRegisterValues, type ResolvedConfig, type UnpredictableChoices } from './types';
import {
  FEATURES,
  GRANULES,
  VERSIONS,
  defaultOf,
  minorOf,
  type FeatureDef,
  type FeatureValue,
  type Granule,
  type Version,
} from './features';
import {
  bigIntValue,
  booleanValue,
  intValue,
  nodeType,
  parseJson,
  properties,
  stringValue,
  suggest,
  TextPositions,
  type Node,
  type Range,
} from './json';
import { PRESET_NAMES, presetDocument } from './preset-data';
import { coresightDefaults } from './coresight-id';
import { DRIVERS, idRegisters, label, RULE_CODES, RULES, type Driver, type RuleContext, type Severity } from './rules';
import { checkPresetBases, PRESET_BASE_REGISTERS, type PresetBaseValue } from './preset-bases';
import { checkSmmuBase } from './smmu-base';
import type { PresetBaseName } from './types';

export { describeConfig, featuresOf, type FeatureSummary } from './describe';
export type { Driver, Severity } from './rules';
export type { Position, Range } from './json';

export interface ConfigDiagnostic {
  readonly severity: Severity;
  /** Stable code: `config.syntax`, `config.type`, `config.range`, … (rules.ts lists them). */
  readonly code: string;
  readonly message: string;
  /** 0-based LSP positions of the key or value concerned. */
  readonly range: Range;
}

export interface LoadOptions {
  /** Drivers whose probe checks to run, overriding the file's `drivers` (default: the file's, else all). */
  readonly drivers?: readonly Driver[];
}

export interface LoadResult {
  /** The resolved configuration; absent only when the text is not a JSON object at all. */
  config?: ResolvedConfig;
  diagnostics: ConfigDiagnostic[];
}

/** Top-level keys, in the order the docs list them. */
export const TOP_LEVEL_KEYS = [
  '$schema',
  'name',
  'description',
  'base',
  'version',
  'drivers',
  'features',
  'iidr',
  'registers',
  'choices',
  'gbpa',
  'presetBases',
  'smmuBase',
  'accepted',
] as const;
export const IIDR_KEYS = ['implementer', 'productId', 'variant', 'revision'] as const;
type IidrKey = (typeof IIDR_KEYS)[number];
/** IIDR keys → SMMU_IIDR fields (§6.3.7) and their widths. */
const IIDR_FIELDS: Readonly<Record<IidrKey, { readonly field: string; readonly max: number }>> = {
  implementer: { field: 'Implementer', max: 0xfff },
  productId: { field: 'ProductID', max: 0xfff },
  variant: { field: 'Variant', max: 0xf },
  revision: { field: 'Revision', max: 0xf },
};
type ChoiceKey = keyof UnpredictableChoices;
export const CHOICE_VALUES: Readonly<Record<ChoiceKey, readonly string[]>> = {
  page0AliasOfPage1: ['alias', 'raz-wi'],
  page1Undefined: ['res0', 'alias-page0'],
  illegalAccess: ['raz-wi', 'abort'],
  illegal64BitAccess: ['raz-wi', 'abort'],
};
/** QEMU's GBPA reset (facts §8.2): SHCFG = use incoming, everything else 0. */
export const DEFAULT_GBPA = 0x1000;
export const DEFAULT_VERSION: Version = '3.0';

// ---------------------------------------------------------------------------------------------
// Diagnostics

class Reporter {
  readonly diagnostics: ConfigDiagnostic[] = [];
  private readonly seen = new Set<string>();
  constructor(
    readonly pos: TextPositions,
    /** When set (a base preset being read), reports are dropped: the presets are tested clean. */
    private readonly quiet = false,
  ) {}

  at(node: Node | Range, severity: Severity, code: string, message: string): void {
    if (this.quiet) return;
    const range = 'offset' in node ? this.pos.nodeRange(node) : node;
    const k = `${code}|${message}|${range.start.line}:${range.start.character}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    this.diagnostics.push({ severity, code, message, range });
  }
}

// ---------------------------------------------------------------------------------------------
// The document, read into entries that remember where each value was written

interface Src {
  /** The JSON value node (for a base preset's values: the `base` value node). */
  readonly node: Node;
  readonly fromBase: boolean;
}
interface Entry<T> extends Src {
  readonly value: T;
}
interface FeatureEntry extends Entry<FeatureValue> {
  /** For granules: the array element of each granule listed. */
  readonly elements?: ReadonlyMap<Granule, Node>;
}
interface RegisterOverride {
  readonly reg: RegisterDef;
  whole?: Entry<number>;
  readonly fields: Map<string, Entry<number> & { readonly field: FieldDef }>;
}
/** A `presetBases` value: the whole 64- or 32-bit register, or some of its fields. */
interface PresetBaseEntry extends Src {
  readonly reg: RegisterDef;
  whole?: Entry<bigint>;
  readonly fields: Map<string, Entry<bigint> & { readonly field: FieldDef }>;
}
interface Spec {
  root: Node;
  name?: Entry<string>;
  base?: Entry<string>;
  version?: Entry<Version>;
  drivers?: Entry<readonly Driver[]>;
  featuresKey?: Node;
  readonly features: Map<string, FeatureEntry>;
  iidrWhole?: Entry<number>;
  readonly iidr: Map<IidrKey, Entry<number>>;
  readonly registers: Map<string, RegisterOverride>;
  readonly choices: Map<ChoiceKey, Entry<string>>;
  gbpa?: Entry<number>;
  readonly presetBases: Map<PresetBaseName, PresetBaseEntry>;
  /** The address of the SMMU's Page 0, which relative preset bases add to (SMMU_IDR1.REL, §6.3.2). */
  smmuBase?: Entry<bigint>;
  /** Rule code → why its warnings are expected here (`accepted`). */
  readonly accepted: Map<string, Entry<string>>;
}

function emptySpec(root: Node): Spec {
  return {
    root,
    features: new Map(),
    iidr: new Map(),
    registers: new Map(),
    choices: new Map(),
    presetBases: new Map(),
    accepted: new Map(),
  };
}

class Reader {
  constructor(
    private readonly r: Reporter,
    /** Set while reading a base preset: every entry points here instead. */
    private readonly anchor?: Node,
  ) {}

  private entry<T>(value: T, node: Node): Entry<T> {
    return { value, node: this.anchor ?? node, fromBase: this.anchor !== undefined };
  }

  private typeError(node: Node, expected: string): void {
    this.r.at(node, 'error', 'config.type', `expected ${expected}, found ${nodeType(node)}`);
  }

  /** Properties of an object, reporting duplicates (the later one wins, as in JSON.parse). */
  private props(obj: Node, where: string) {
    const list = properties(obj);
    const last = new Map<string, number>();
    list.forEach((p, i) => last.set(p.name, i));
    list.forEach((p, i) => {
      if (last.get(p.name) !== i)
        this.r.at(
          p.key,
          'warning',
          'config.duplicate-key',
          `duplicate key "${p.name}" in ${where}: the later one wins`,
        );
    });
    return list;
  }

  private unknownKey(key: Node, name: string, where: string, known: readonly string[]): void {
    const s = suggest(name, known);
    // A short list is worth reading; a long one (features has over 60 keys) is what completion is for.
    const options =
      known.length <= 8
        ? `; expected one of ${known.map((k) => `"${k}"`).join(', ')}`
        : ` (none of its ${known.length} keys is close; completion lists them, docs/configuration.md describes them)`;
    this.r.at(
      key,
      'error',
      'config.unknown-key',
      `unknown key "${name}" in ${where}${s ? `: did you mean "${s}"?` : options}`,
    );
  }

  private int(node: Node, what: string, max: number): number | undefined {
    const n = intValue(node);
    if (!n.ok) {
      this.r.at(node, 'error', `config.${n.problem}`, `${what}: ${n.message}`);
      return undefined;
    }
    if (n.value > max) {
      this.r.at(
        node,
        'error',
        'config.range',
        `${what} = ${n.value} does not fit: at most ${max} (0x${max.toString(16).toUpperCase()})`,
      );
      return undefined;
    }
    return n.value;
  }

  read(root: Node): Spec {
    const spec = emptySpec(root);
    for (const p of this.props(root, 'the configuration')) {
      const node = p.value;
      if (!node) continue;
      switch (p.name) {
        case '$schema':
        case 'description':
          if (node.type !== 'string') this.typeError(node, 'a string');
          break;
        case 'name': {
          const s = stringValue(node);
          if (s === undefined) this.typeError(node, 'a string');
          else if (!s.trim())
            this.r.at(
              node,
              'warning',
              'config.value',
              'an empty name: messages will call this configuration "custom SMMUv3"',
            );
          else spec.name = this.entry(s, node);
          break;
        }
        case 'base':
          this.readBase(node, spec);
          break;
        case 'version':
          this.readVersion(node, spec);
          break;
        case 'drivers':
          this.readDrivers(node, spec);
          break;
        case 'features':
          spec.featuresKey = p.key;
          if (node.type !== 'object') this.typeError(node, 'an object of features');
          else this.readFeatures(node, spec);
          break;
        case 'iidr':
          this.readIidr(node, spec);
          break;
        case 'registers':
          if (node.type !== 'object') this.typeError(node, 'an object of ID register values');
          else this.readRegisters(node, spec);
          break;
        case 'choices':
          if (node.type !== 'object') this.typeError(node, 'an object of CONSTRAINED UNPREDICTABLE choices');
          else this.readChoices(node, spec);
          break;
        case 'gbpa': {
          const v = this.int(node, 'gbpa', 0xffff_ffff);
          if (v !== undefined) spec.gbpa = this.entry(v, node);
          break;
        }
        case 'smmuBase': {
          const n = bigIntValue(node);
          if (!n.ok) this.r.at(node, 'error', `config.${n.problem}`, `smmuBase: ${n.message}`);
          else if (n.value >> 64n !== 0n)
            this.r.at(node, 'error', 'config.range', 'smmuBase does not fit a 64-bit physical address');
          else spec.smmuBase = this.entry(n.value, node);
          break;
        }
        case 'presetBases':
          if (node.type !== 'object')
            this.typeError(node, 'an object of base register values, { "STRTAB_BASE": "0x80000000", … }');
          else this.readPresetBases(node, spec);
          break;
        case 'accepted':
          if (node.type !== 'object')
            this.typeError(node, 'an object of rule codes and reasons, { "config.iidr": "why" }');
          else this.readAccepted(node, spec);
          break;
        default:
          this.unknownKey(p.key, p.name, 'the configuration', TOP_LEVEL_KEYS);
      }
    }
    return spec;
  }

  private readBase(node: Node, spec: Spec): void {
    const s = stringValue(node);
    const names = PRESET_NAMES.map((k) => `"${k}"`).join(', ');
    if (s === undefined) return this.typeError(node, `a preset name (${names})`);
    if (!presetDocument(s)) {
      const g = suggest(s, [...PRESET_NAMES]);
      this.r.at(
        node,
        'error',
        'config.value',
        `unknown preset "${s}"${g ? `: did you mean "${g}"?` : ''}; presets are ${names}`,
      );
      return;
    }
    if (this.anchor) return; // presets do not chain
    spec.base = this.entry(s, node);
  }

  private readVersion(node: Node, spec: Spec): void {
    let text: string | undefined;
    const v: unknown = node.value;
    if (node.type === 'string' && typeof v === 'string') text = v.trim().replace(/^(smmu)?v/i, '');
    else if (node.type === 'number' && typeof v === 'number') text = Number.isInteger(v) ? `${v}.0` : String(v);
    else return this.typeError(node, 'a version string such as "3.1"');
    const found = VERSIONS.find((x) => x === text);
    if (!found) {
      this.r.at(
        node,
        'error',
        'config.value',
        `unknown version ${JSON.stringify(v)}: SMMU_AIDR encodes ${VERSIONS.map((x) => `"${x}"`).join(', ')} (§6.3.8)`,
      );
      return;
    }
    spec.version = this.entry(found, node);
  }

  private readDrivers(node: Node, spec: Spec): void {
    if (node.type !== 'array')
      return this.typeError(node, `an array of driver names (${DRIVERS.map((d) => `"${d}"`).join(', ')})`);
    const out: Driver[] = [];
    for (const el of node.children ?? []) {
      const s = stringValue(el);
      const d = DRIVERS.find((x) => x === s?.toLowerCase());
      if (!d)
        this.r.at(
          el,
          'error',
          'config.value',
          `unknown driver ${s === undefined ? nodeType(el) : JSON.stringify(s)}: drivers are ${DRIVERS.map((x) => `"${x}"`).join(', ')}`,
        );
      else if (out.includes(d)) this.r.at(el, 'warning', 'config.duplicate', `"${d}" is listed twice`);
      else out.push(d);
    }
    spec.drivers = this.entry(out, node);
  }

  private readFeatures(obj: Node, spec: Spec): void {
    for (const p of this.props(obj, 'features')) {
      if (!p.value) continue;
      const def = FEATURES.find((d) => d.key === p.name);
      if (!def) {
        this.unknownKey(
          p.key,
          p.name,
          'features',
          FEATURES.map((d) => d.key),
        );
        continue;
      }
      const e = this.readFeature(def, p.value);
      if (e) spec.features.set(def.key, e);
    }
  }

  private readFeature(def: FeatureDef, node: Node): FeatureEntry | undefined {
    const k = def.kind;
    switch (k.type) {
      case 'bool': {
        const b = booleanValue(node);
        if (b === undefined) return void this.typeError(node, `true or false for ${def.key}`);
        return this.entry(b, node);
      }
      case 'enum': {
        const s = stringValue(node);
        const names = k.choices.map((c) => c.name);
        if (s === undefined)
          return void this.typeError(node, `one of ${names.map((n) => `"${n}"`).join(', ')} for ${def.key}`);
        const ch =
          k.choices.find((c) => c.name === s) ?? k.choices.find((c) => c.name.toLowerCase() === s.toLowerCase());
        if (!ch) {
          const g = suggest(s, names);
          this.r.at(
            node,
            'error',
            'config.value',
            `${def.key} "${s}" is not a choice${g ? `: did you mean "${g}"?` : ''}; choose ${names.map((n) => `"${n}"`).join(', ')} (§${def.section})`,
          );
          return undefined;
        }
        return this.entry(ch.name, node);
      }
      case 'int': {
        const field = tableField(def.register, def.field);
        const width = field ? 2 ** (field.msb - field.lsb + 1) - 1 : k.max;
        const v = this.int(node, def.key, width);
        return v === undefined ? undefined : this.entry(v, node);
      }
      case 'size': {
        const n = intValue(node);
        const bits = k.choices.map((c) => c.bits);
        if (!n.ok) return void this.r.at(node, 'error', `config.${n.problem}`, `${def.key}: ${n.message}`);
        if (!bits.includes(n.value))
          return void this.r.at(
            node,
            'error',
            'config.range',
            `${def.key} ${n.value} is not a size SMMU_${def.register}.${def.field} can encode: one of ${bits.join(', ')} bits (§${def.section})`,
          );
        return this.entry(n.value, node);
      }
      case 'granules': {
        if (node.type !== 'array')
          return void this.typeError(node, `an array of granules (${GRANULES.map((g) => `"${g}"`).join(', ')})`);
        const elements = new Map<Granule, Node>();
        for (const el of node.children ?? []) {
          const s = stringValue(el);
          const norm = s?.trim().toUpperCase().replace(/I?B$/, '');
          const g = GRANULES.find((x) => x === norm);
          if (!g)
            this.r.at(
              el,
              'error',
              'config.value',
              `${s === undefined ? nodeType(el) : JSON.stringify(s)} is not a granule: use ${GRANULES.map((x) => `"${x}"`).join(', ')}`,
            );
          else if (elements.has(g)) this.r.at(el, 'warning', 'config.duplicate', `granule "${g}" is listed twice`);
          else elements.set(g, this.anchor ?? el);
        }
        return { ...this.entry([...elements.keys()], node), elements };
      }
    }
  }

  private readIidr(node: Node, spec: Spec): void {
    if (node.type === 'number' || node.type === 'string') {
      const v = this.int(node, 'iidr', 0xffff_ffff);
      if (v !== undefined) spec.iidrWhole = this.entry(v, node);
      return;
    }
    if (node.type !== 'object')
      return this.typeError(node, 'an object { implementer, productId, variant, revision } or a number');
    for (const p of this.props(node, 'iidr')) {
      if (!p.value) continue;
      const key = IIDR_KEYS.find((k) => k === p.name);
      if (!key) {
        this.unknownKey(p.key, p.name, 'iidr', IIDR_KEYS);
        continue;
      }
      const v = this.int(p.value, `iidr.${key}`, IIDR_FIELDS[key].max);
      if (v !== undefined) spec.iidr.set(key, this.entry(v, p.value));
    }
  }

  private readRegisters(obj: Node, spec: Spec): void {
    const ids = idRegisters();
    for (const p of this.props(obj, 'registers')) {
      if (!p.value) continue;
      const reg = findRegister(p.name);
      if (!reg) {
        const g = suggest(
          p.name,
          ids.map((r) => r.name),
        );
        this.r.at(
          p.key,
          'error',
          'config.unknown-key',
          `unknown register "${p.name}"${g ? `: did you mean "${g}"?` : ''}; registers sets ID registers: ${ids.map((r) => r.name).join(', ')}`,
        );
        continue;
      }
      if (reg.behaviour.kind !== 'id') {
        const hint =
          reg.name === 'GBPA' ? '; set its reset value with "gbpa"' : '; only ID registers have a configurable value';
        this.r.at(
          p.key,
          'error',
          'config.value',
          `SMMU_${reg.name} is not an ID register: its reset value is architectural (§${reg.section})${hint}`,
        );
        continue;
      }
      const o: RegisterOverride = spec.registers.get(reg.name) ?? { reg, fields: new Map() };
      const maxValue = Number(widthMask(reg));
      if (p.value.type === 'object') {
        this.readFields(p.value, reg, `registers.${p.name}`, (node, field) => {
          const v = this.fieldValue(node, reg, field);
          if (v !== undefined) o.fields.set(field.name.toUpperCase(), { ...this.entry(v, node), field });
        });
      } else {
        const v = this.int(p.value, `registers.${p.name}`, maxValue);
        if (v === undefined) continue;
        o.whole = this.entry(v, p.value);
        o.fields.clear();
      }
      spec.registers.set(reg.name, o);
    }
  }

  /** An object of `reg`'s fields: each known field's value node to `each`, unknown names reported. */
  private readFields(obj: Node, reg: RegisterDef, where: string, each: (node: Node, field: FieldDef) => void): void {
    for (const fp of this.props(obj, where)) {
      if (!fp.value) continue;
      const field = findField(reg, fp.name);
      if (field) each(fp.value, field);
      else
        this.unknownKey(
          fp.key,
          fp.name,
          `SMMU_${reg.name}`,
          reg.fields.map((f) => f.name),
        );
    }
  }

  /** A field value: a number, or one of the field's encoding names (`"AARCH64"`). */
  private fieldValue(node: Node, reg: RegisterDef, field: FieldDef): number | undefined {
    const s = stringValue(node);
    const named =
      s !== undefined ? field.values?.find((e) => e.name.toLowerCase() === s.trim().toLowerCase()) : undefined;
    if (named) return named.value;
    const max = 2 ** (field.msb - field.lsb + 1) - 1;
    if (s !== undefined && !intValue(node).ok && field.values) {
      this.r.at(
        node,
        'error',
        'config.value',
        `"${s}" is not an encoding of SMMU_${reg.name}.${field.name}: ${field.values.map((e) => e.name).join(', ')} or a number`,
      );
      return undefined;
    }
    return this.int(node, `SMMU_${reg.name}.${field.name}`, max);
  }

  /**
   * `presetBases`: { "STRTAB_BASE": value, "STRTAB_BASE_CFG": { "FMT": "LINEAR", "LOG2SIZE": 8 }, … }.
   * A whole value is the register's bits; in a field object an address field (ADDR) is the
   * address it holds, and an enumerated field may be named by its encoding.
   */
  private readPresetBases(obj: Node, spec: Spec): void {
    const names = PRESET_BASE_REGISTERS.map((r) => r.name);
    for (const p of this.props(obj, 'presetBases')) {
      if (!p.value) continue;
      const reg = findRegister(p.name);
      const preset = reg && PRESET_BASE_REGISTERS.find((r) => r === reg);
      if (!preset) {
        const s = suggest(p.name, names);
        this.r.at(
          p.key,
          'error',
          'config.unknown-key',
          `presetBases has no "${p.name}"${s ? `: did you mean "${s}"?` : ''}; a preset fixes only ${names.join(', ')} (SMMU_IDR1.TABLES_PRESET and QUEUES_PRESET, §6.3.2)`,
        );
        continue;
      }
      const e: PresetBaseEntry = {
        reg: preset,
        fields: new Map(),
        node: this.anchor ?? p.value,
        fromBase: this.anchor !== undefined,
      };
      if (p.value.type === 'object') {
        this.readFields(p.value, preset, `presetBases.${p.name}`, (node, field) => {
          const v = this.presetFieldValue(node, preset, field);
          if (v !== undefined) e.fields.set(field.name, { ...this.entry(v, node), field });
        });
      } else {
        const n = bigIntValue(p.value);
        if (!n.ok) this.r.at(p.value, 'error', `config.${n.problem}`, `presetBases.${p.name}: ${n.message}`);
        else if (n.value > widthMask(preset))
          this.r.at(
            p.value,
            'error',
            'config.range',
            `presetBases.${p.name} = 0x${n.value.toString(16).toUpperCase()} does not fit the ${preset.width}-bit SMMU_${preset.name}`,
          );
        else e.whole = this.entry(n.value, p.value);
      }
      spec.presetBases.set(preset.name, e);
    }
  }

  /** A preset field: an encoding name or a number; an address field takes the address (a multiple of 2^addrShift). */
  private presetFieldValue(node: Node, reg: RegisterDef, field: FieldDef): bigint | undefined {
    const s = stringValue(node);
    const named =
      s !== undefined ? field.values?.find((x) => x.name.toLowerCase() === s.trim().toLowerCase()) : undefined;
    if (named) return BigInt(named.value);
    const what = `presetBases.${reg.name}.${field.name}`;
    const n = bigIntValue(node);
    if (!n.ok) {
      this.r.at(
        node,
        'error',
        `config.${n.problem}`,
        `${what}: ${n.message}${field.values ? ` (or one of ${field.values.map((x) => x.name).join(', ')})` : ''}`,
      );
      return undefined;
    }
    const shift = BigInt(field.addrShift ?? 0);
    const width = BigInt(field.msb - field.lsb + 1);
    if (field.addrShift !== undefined && n.value % (1n << shift) !== 0n) {
      this.r.at(
        node,
        'error',
        'config.value',
        `${what} 0x${n.value.toString(16).toUpperCase()} is not a multiple of ${2n ** shift}: SMMU_${reg.name}.${field.name} holds address bits [${field.msb - field.lsb + field.addrShift}:${field.addrShift}]`,
      );
      return undefined;
    }
    const v = n.value >> shift;
    if (v >> width !== 0n) {
      this.r.at(
        node,
        'error',
        'config.range',
        `${what} = 0x${n.value.toString(16).toUpperCase()} does not fit ${field.addrShift !== undefined ? `address bits [${field.msb - field.lsb + field.addrShift}:${field.addrShift}]` : `${width} bits`}`,
      );
      return undefined;
    }
    return v;
  }

  private readAccepted(obj: Node, spec: Spec): void {
    for (const p of this.props(obj, 'accepted')) {
      if (!p.value) continue;
      if (!RULE_CODES.includes(p.name)) {
        this.unknownKey(p.key, p.name, 'accepted (rule codes)', RULE_CODES);
        continue;
      }
      const why = stringValue(p.value);
      if (why === undefined) this.typeError(p.value, 'the reason, a string');
      else if (!why.trim())
        this.r.at(
          p.value,
          'error',
          'config.value',
          `accepted "${p.name}" needs a reason: reviewers read it in place of the warning`,
        );
      else spec.accepted.set(p.name, this.entry(why.trim(), p.value));
    }
  }

  private readChoices(obj: Node, spec: Spec): void {
    const keys = Object.keys(CHOICE_VALUES) as ChoiceKey[];
    for (const p of this.props(obj, 'choices')) {
      if (!p.value) continue;
      const key = keys.find((k) => k === p.name);
      if (!key) {
        this.unknownKey(p.key, p.name, 'choices', keys);
        continue;
      }
      const s = stringValue(p.value);
      const allowed = CHOICE_VALUES[key];
      if (s === undefined) this.typeError(p.value, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
      else if (!allowed.includes(s))
        this.r.at(
          p.value,
          'error',
          'config.value',
          `choices.${key} "${s}" is not a permitted behaviour: ${allowed.map((a) => `"${a}"`).join(', ')}`,
        );
      else spec.choices.set(key, this.entry(s, p.value));
    }
  }
}

function tableField(register: string, field: string): FieldDef | undefined {
  const reg = findRegister(register);
  return reg ? findField(reg, field) : undefined;
}

/** The document's entries on top of the base preset's. */
function merge(base: Spec, doc: Spec): Spec {
  const out: Spec = {
    root: doc.root,
    name: doc.name ?? base.name,
    base: doc.base,
    version: doc.version ?? base.version,
    drivers: doc.drivers ?? base.drivers,
    featuresKey: doc.featuresKey,
    features: new Map([...base.features, ...doc.features]),
    iidrWhole: doc.iidrWhole ?? (doc.iidr.size ? undefined : base.iidrWhole),
    iidr: new Map([...(doc.iidrWhole ? [] : base.iidr), ...doc.iidr]),
    registers: new Map(base.registers),
    choices: new Map([...base.choices, ...doc.choices]),
    gbpa: doc.gbpa ?? base.gbpa,
    presetBases: new Map(base.presetBases),
    smmuBase: doc.smmuBase ?? base.smmuBase,
    accepted: new Map([...base.accepted, ...doc.accepted]),
  };
  for (const [name, e] of doc.presetBases) {
    const b = out.presetBases.get(name);
    out.presetBases.set(
      name,
      e.whole || !b ? e : { ...e, whole: b.whole, fields: new Map([...b.fields, ...e.fields]) },
    );
  }
  for (const [name, o] of doc.registers) {
    const b = out.registers.get(name);
    out.registers.set(
      name,
      o.whole || !b ? o : { reg: o.reg, whole: b.whole, fields: new Map([...b.fields, ...o.fields]) },
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Resolution: features → ID register values, then overrides

interface Deposit extends Src {
  /** How the file said it, for "overridden" warnings: `features.pri = true`. */
  readonly what: string;
  readonly value: bigint;
}

class Resolver {
  readonly ids = new Map<string, bigint>();
  /** `REG.FIELD` (upper case) or `REG.*` → where the value was written. */
  readonly sources = new Map<string, Src>();
  private readonly deposits = new Map<string, Deposit>();

  constructor(
    private readonly r: Reporter,
    private readonly spec: Spec,
  ) {
    for (const name of ['IDR0', 'IDR1', 'IDR2', 'IDR3', 'IDR4', 'IDR5', 'IIDR', 'AIDR']) this.ids.set(name, 0n);
  }

  private put(
    register: string,
    field: string,
    value: number,
    src: Src | undefined,
    what: string,
    missingAt?: Node,
  ): void {
    const reg = findRegister(register);
    const f = reg && findField(reg, field);
    if (!reg || !f) {
      // The register table is the only place field positions live; without the field the
      // feature cannot be represented. Say so rather than guess a position.
      if (missingAt && value !== 0)
        this.r.at(
          missingAt,
          'warning',
          'config.table',
          `${what}: the register table has no SMMU_${register}.${field}, so this build cannot represent it; the value is ignored`,
        );
      return;
    }
    this.ids.set(reg.name, depositField(this.ids.get(reg.name) ?? 0n, f, BigInt(value)));
    const key = `${reg.name}.${f.name}`.toUpperCase();
    if (src) {
      this.sources.set(key, src);
      this.deposits.set(key, { ...src, what, value: BigInt(value) });
    }
  }

  resolve(): void {
    const spec = this.spec;
    const get = (key: string): FeatureValue => {
      const e = spec.features.get(key);
      if (e) return e.value;
      const def = FEATURES.find((d) => d.key === key);
      return def ? defaultOf(def, get) : false;
    };
    for (const def of FEATURES) {
      const e = spec.features.get(def.key);
      const value = get(def.key);
      const what = `features.${def.key} = ${JSON.stringify(value)}`;
      const k = def.kind;
      switch (k.type) {
        case 'bool':
          this.put(def.register, def.field, value === true ? 1 : 0, e, what, e?.node);
          break;
        case 'enum': {
          const ch = k.choices.find((c) => c.name === value);
          if (ch) this.put(def.register, def.field, ch.encoding, e, what, e?.node);
          break;
        }
        case 'int':
          if (typeof value === 'number') this.put(def.register, def.field, value, e, what, e?.node);
          break;
        case 'size': {
          const ch = k.choices.find((c) => c.bits === value);
          if (ch) this.put(def.register, def.field, ch.encoding, e, what, e?.node);
          break;
        }
        case 'granules': {
          const list = Array.isArray(value) ? value : [];
          for (const g of GRANULES) {
            const on = list.includes(g);
            const el = e?.elements?.get(g);
            this.put(
              def.register,
              k.fields[g],
              on ? 1 : 0,
              e ? { node: el ?? e.node, fromBase: e.fromBase } : undefined,
              `features.granules ${on ? 'lists' : 'omits'} "${g}"`,
              el ?? e?.node,
            );
          }
          break;
        }
      }
    }

    // §6.3.8: ArchMajorRev 0 = SMMUv3.x, ArchMinorRev = the minor version.
    const version = spec.version?.value ?? DEFAULT_VERSION;
    this.put('AIDR', 'ArchMajorRev', 0, spec.version, `version = "${version}"`);
    this.put('AIDR', 'ArchMinorRev', minorOf(version), spec.version, `version = "${version}"`, spec.version?.node);

    if (spec.iidrWhole)
      this.whole('IIDR', spec.iidrWhole, `iidr = 0x${spec.iidrWhole.value.toString(16).toUpperCase()}`);
    else
      for (const key of IIDR_KEYS) {
        const e = spec.iidr.get(key);
        this.put('IIDR', IIDR_FIELDS[key].field, e?.value ?? 0, e, `iidr.${key} = ${e?.value ?? 0}`, e?.node);
      }

    for (const o of spec.registers.values()) {
      if (o.whole) this.override(o.reg, o.whole, undefined, BigInt(o.whole.value));
      for (const [name, fe] of o.fields) this.override(o.reg, fe, fe.field, BigInt(fe.value), name);
    }

    // The CoreSight ID registers agree with the final IIDR (§6.3.7, §6.3.170) where `registers`
    // does not give them whole; fields it gives replace the derived ones.
    for (const [name, value] of Object.entries(coresightDefaults(Number(this.ids.get('IIDR') ?? 0n)))) {
      const o = spec.registers.get(name);
      if (o?.whole) continue;
      let v = BigInt(value);
      for (const fe of o?.fields.values() ?? []) v = depositField(v, fe.field, BigInt(fe.value));
      this.ids.set(name, v);
    }
  }

  private whole(register: string, e: Entry<number>, what: string): void {
    const reg = findRegister(register);
    if (!reg) return;
    this.ids.set(reg.name, BigInt(e.value) & widthMask(reg));
    this.sources.set(`${reg.name}.*`, e);
    for (const f of reg.fields) {
      const key = `${reg.name}.${f.name}`.toUpperCase();
      this.sources.set(key, e);
      this.deposits.set(key, { ...e, what, value: extractField(BigInt(e.value), f) });
    }
  }

  /** A `registers` override: it wins; say so where it contradicts what `features` asked for. */
  private override(
    reg: RegisterDef,
    e: Entry<number>,
    only: FieldDef | undefined,
    value: bigint,
    fieldName?: string,
  ): void {
    const fields = only ? [only] : reg.fields;
    const where = `registers.${reg.name}${fieldName ? `.${only?.name ?? fieldName}` : ''}`;
    for (const f of fields) {
      const key = `${reg.name}.${f.name}`.toUpperCase();
      const was = this.deposits.get(key);
      const now = only ? value : extractField(value, f);
      if (was && !was.fromBase && !e.fromBase && was.value !== now)
        this.r.at(
          was.node,
          'warning',
          'config.overridden',
          `${was.what} is overridden by ${where}: SMMU_${reg.name}.${f.name} = ${now}`,
        );
      this.sources.set(key, e);
    }
    if (only) this.ids.set(reg.name, depositField(this.ids.get(reg.name) ?? 0n, only, value));
    else {
      this.ids.set(reg.name, value & widthMask(reg));
      this.sources.set(`${reg.name}.*`, e);
    }
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * A feature the configuration advertises and the model does not implement (rules.ts
 * NOT_MODELLED_RULES). Issue #16: never silent, and an error until the configuration accepts it
 * with a reason. It is the only error that leaves the configuration usable: the model runs, but
 * its verdicts on what the feature changes cannot be trusted, which is what the error says.
 */
export function isNotModelled(d: { readonly code: string }): boolean {
  return d.code.startsWith('config.not-modelled-');
}

/** The errors that make a configuration unusable: every error but a not-modelled feature's. */
export function blockingErrors<D extends { readonly severity: string; readonly code: string }>(
  diagnostics: readonly D[],
): D[] {
  return diagnostics.filter((d) => d.severity === 'error' && !isNotModelled(d));
}

/**
 * The errors a script, queue descriptor or trace repeats at its `config` line when it uses the
 * configuration: features it advertises that the model does not implement and that the
 * configuration does not accept. Its other findings concern the configuration itself and stay
 * with its file.
 */
export function notModelledErrors(diagnostics: readonly ConfigDiagnostic[]): ConfigDiagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error' && isNotModelled(d));
}

/** Parse, resolve and check a configuration. Never throws. */
export function loadConfig(text: string, opts: LoadOptions = {}): LoadResult {
  const src = typeof text === 'string' ? text : '';
  const pos = new TextPositions(src);
  const r = new Reporter(pos);
  try {
    return load(src, pos, r, opts);
  } catch (e) {
    // A bug, not a property of the input; still a diagnostic rather than a crash of the server.
    r.at(
      pos.range(0, 0),
      'error',
      'config.internal',
      `internal error while loading the configuration: ${e instanceof Error ? e.message : String(e)}`,
    );
    return { diagnostics: sorted(r.diagnostics) };
  }
}

function sorted(d: ConfigDiagnostic[]): ConfigDiagnostic[] {
  return d
    .map((x, i) => ({ x, i }))
    .sort(
      (a, b) =>
        a.x.range.start.line - b.x.range.start.line ||
        a.x.range.start.character - b.x.range.start.character ||
        a.i - b.i,
    )
    .map((e) => e.x);
}

function load(text: string, pos: TextPositions, r: Reporter, opts: LoadOptions): LoadResult {
  const parsed = parseJson(text);
  for (const e of parsed.errors) r.at(pos.range(e.offset, e.length), 'error', 'config.syntax', e.message);
  // After a syntax error the text is not the configuration its author meant (a truncated file has
  // lost its later keys): only the syntax errors can be trusted, so nothing else is reported. The
  // readable part is still resolved, quietly, for the editor's hover on the file being typed.
  const checked = parsed.errors.length ? new Reporter(pos, true) : r;
  const root = parsed.root;
  if (!root || root.type !== 'object') {
    if (root)
      checked.at(
        root,
        'error',
        'config.type',
        `a configuration is a JSON object { "name": …, "features": { … } }, found ${nodeType(root)}`,
      );
    else if (!parsed.errors.length)
      r.at(pos.range(0, 0), 'error', 'config.syntax', 'empty file: a configuration is a JSON object');
    return { diagnostics: sorted(r.diagnostics) };
  }

  let spec = new Reader(checked).read(root);
  if (spec.base) {
    const baseRoot = parseJson(JSON.stringify(presetDocument(spec.base.value))).root;
    if (baseRoot)
      spec = merge(new Reader(new Reporter(new TextPositions(''), true), spec.base.node).read(baseRoot), spec);
  }

  const res = new Resolver(checked, spec);
  res.resolve();

  const drivers = new Set<Driver>(opts.drivers ?? spec.drivers?.value ?? DRIVERS);
  const fallback: Node | Range = spec.featuresKey ?? pos.range(root.offset, 1);
  const fieldCache = new Map<string, { reg: RegisterDef; field: FieldDef } | null>();
  const lookup = (ref: string) => {
    const key = ref.toUpperCase();
    let hit = fieldCache.get(key);
    if (hit === undefined) {
      const [rn, fn] = key.split('.');
      const reg = findRegister(rn);
      const field = reg && fn ? findField(reg, fn) : undefined;
      hit = reg && field ? { reg, field } : null;
      fieldCache.set(key, hit);
    }
    return hit;
  };
  const sourceOf = (ref: string): Src | undefined => {
    const key = ref.toUpperCase();
    return res.sources.get(key) ?? res.sources.get(`${key.split('.')[0]}.*`);
  };
  const f = (ref: string): number => {
    const hit = lookup(ref);
    return hit ? Number(extractField(res.ids.get(hit.reg.name) ?? 0n, hit.field)) : 0;
  };
  const ctx: RuleContext = {
    f,
    reg: (name) => Number(res.ids.get(name.toUpperCase()) ?? 0n),
    version: f('AIDR.ArchMinorRev'),
    drivers,
    explicit: (ref) => sourceOf(ref) !== undefined,
    report: (severity, code, message, at) => {
      const src = at.map(sourceOf).find((s) => s !== undefined);
      // An accepted warning, or an accepted feature the model does not implement, is a note that
      // carries the file's reason; other errors cannot be accepted.
      const accepted = severity === 'warning' || isNotModelled({ code }) ? spec.accepted.get(code) : undefined;
      if (accepted) used.add(code);
      checked.at(
        src ? src.node : fallback,
        accepted ? 'info' : severity,
        code,
        accepted
          ? `${message} (accepted: ${accepted.value})`
          : isNotModelled({ code })
            ? `${message}; verdicts that depend on it cannot be trusted: accept "${code}" in the configuration, with a reason, to go on`
            : message,
      );
    },
  };
  const used = new Set<string>();
  for (const rule of RULES) rule.check(ctx);
  for (const [code, e] of spec.accepted) {
    // A preset's acceptance that a file's own values made moot is not the file's to remove.
    if (!used.has(code) && !e.fromBase)
      checked.at(
        e.node,
        'warning',
        'config.accepted',
        `nothing to accept: this configuration raises no ${isNotModelled({ code }) ? 'error' : 'warning'} ${code} (only warnings and features the model does not implement can be accepted); remove the entry, or it would hide a later, different finding`,
      );
  }

  const choices = DEFAULT_CHOICES;
  const chosen = (k: ChoiceKey) => spec.choices.get(k)?.value;
  const p0 = chosen('page0AliasOfPage1');
  const p1 = chosen('page1Undefined');
  const il = chosen('illegalAccess');
  const il64 = chosen('illegal64BitAccess');
  const illegalAccess = il === 'raz-wi' || il === 'abort' ? il : choices.illegalAccess;
  const resolvedChoices: UnpredictableChoices = {
    page0AliasOfPage1: p0 === 'alias' || p0 === 'raz-wi' ? p0 : choices.page0AliasOfPage1,
    page1Undefined: p1 === 'res0' || p1 === 'alias-page0' ? p1 : choices.page1Undefined,
    illegalAccess,
    // Unless chosen apart, 64-bit accesses behave as the other illegal accesses.
    illegal64BitAccess: il64 === 'raz-wi' || il64 === 'abort' ? il64 : illegalAccess,
  };

  const gbpa = spec.gbpa?.value ?? DEFAULT_GBPA;
  if (spec.gbpa) checkGbpa(checked, spec.gbpa);

  const idView: IdView = { idField: (register, field) => f(`${register}.${field}`) };
  const presetBases = checkPresetBases(presetValues(spec.presetBases), {
    ids: idView,
    nodeOf: (ref) => sourceOf(`${ref.register}.${ref.field}`)?.node ?? fallback,
    report: (at, severity, code, message) => checked.at(at, severity, code, message),
    label: (ref) => label(`${ref.register}.${ref.field}`),
  });
  checkSmmuBase(spec.smmuBase?.value, spec.smmuBase?.node, presetBases, {
    ids: idView,
    relAt: sourceOf('IDR1.REL')?.node ?? fallback,
    report: (at, severity, code, message) => checked.at(at, severity, code, message),
  });

  const ids: Record<string, number> = {};
  for (const [name, v] of res.ids) {
    // A register that exists only with a feature (SMMU_MPAMIDR with mpam, §6.3.41; SMMU_IDR6 with
    // ecmdq, §6.3.45) is not part of a configuration without it, unless the file gave it a value
    // (which config.inconsistent reports).
    const requires = findRegister(name)?.requires;
    if (requires && v === 0n && !idView.idField(requires.register, requires.field)) continue;
    // Absent ID registers read 0: the Secure ones (§6.3.52–§6.3.56) are left out while zero, as an
    // SMMU without Secure state has none (§3.10.2), so such a configuration lists only its own.
    if (v === 0n && findRegister(name)?.security === 'secure') continue;
    ids[name] = Number(v & 0xffff_ffffn);
  }
  const idValues: IdRegisterValues = { IDR0: 0, IDR1: 0, IDR2: 0, IDR3: 0, IDR4: 0, IDR5: 0, IIDR: 0, AIDR: 0, ...ids };
  const config: ResolvedConfig = {
    name: spec.name?.value ?? 'custom SMMUv3',
    ids: idValues,
    choices: resolvedChoices,
    gbpaReset: gbpa >>> 0,
    ...(Object.keys(presetBases).length ? { presetBases } : {}),
    ...(spec.smmuBase ? { smmuBase: spec.smmuBase.value } : {}),
  };
  return { config, diagnostics: sorted(r.diagnostics) };
}

/** The `presetBases` entries as register values: the whole value (else 0) with the fields given deposited. */
function presetValues(
  entries: ReadonlyMap<PresetBaseName, PresetBaseEntry>,
): Map<PresetBaseName, PresetBaseValue<Node>> {
  const out = new Map<PresetBaseName, PresetBaseValue<Node>>();
  for (const [name, e] of entries) {
    let value = e.whole?.value ?? 0n;
    const fieldAt = new Map<string, Node>();
    for (const fe of e.fields.values()) {
      value = depositField(value, fe.field, fe.value);
      fieldAt.set(fe.field.name, fe.node);
    }
    out.set(name, { reg: e.reg, value, at: e.node, fieldAt });
  }
  return out;
}

/** §6.3.14: GBPA.Update resets to 0; the other fields are IMPLEMENTATION DEFINED; RES0 bits are 0. */
function checkGbpa(r: Reporter, e: Entry<number>): void {
  const reg = findRegister('GBPA');
  const update = reg && findField(reg, 'Update');
  const v = BigInt(e.value);
  if (update ? extractField(v, update) !== 0n : (e.value & 0x8000_0000) !== 0)
    r.at(e.node, 'error', 'config.reserved', 'gbpa sets Update (bit 31): SMMU_GBPA.Update resets to 0 (§6.3.14)');
  if (reg) {
    const res0 = v & ~definedMask(reg) & widthMask(reg);
    if (res0 !== 0n)
      r.at(
        e.node,
        'error',
        'config.reserved',
        `gbpa sets RES0 bits 0x${res0.toString(16).toUpperCase()} of SMMU_GBPA (§6.3.14)`,
      );
  }
}
