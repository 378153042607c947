/**
 * The JSON Schema (draft-07) of `*.smmu.json`, generated from the feature table so completion,
 * hover text and the editor's validation cannot drift from what the loader accepts.
 * scripts/gen-config-schema.mjs writes it to schemas/smmu-config.schema.json; a unit test fails
 * while the committed file differs from a fresh build.
 *
 * The schema catches shapes and spellings as you type; the loader (load.ts) does the semantic
 * checks (rules.ts), which a schema cannot express.
 */
import { FEATURES, GRANULES, VERSIONS, defaultText, type FeatureDef } from './features';
import { CHOICE_VALUES, DEFAULT_GBPA, DEFAULT_VERSION, IIDR_KEYS } from './load';
import { jsonText } from './json';
import { presetText } from './presets';
import { PRESET_NAMES, type Json, type JsonObject } from './preset-data';
import { DRIVERS, RULE_CODES } from './rules';
import { PRESET_BASE_REGISTERS } from './preset-bases';
import { describeFeature } from '../registers/codec';

/** Numbers may be JSON integers or strings: "0x0D44101A", "0b101", "42" (underscores allowed). */
const NUMBER_STRING = '^(0[xX][0-9a-fA-F](_?[0-9a-fA-F])*|0[bB][01](_?[01])*|[0-9](_?[0-9])*)$';

function numberLike(description: string, maximum: number): JsonObject {
  return {
    description,
    anyOf: [
      { type: 'integer', minimum: 0, maximum },
      { type: 'string', pattern: NUMBER_STRING },
    ],
  };
}

function since(d: FeatureDef): string {
  const parts: string[] = [];
  if (d.since) parts.push(`SMMUv${d.since}`);
  if (d.reservedUpTo) parts.push(`RES0 up to SMMUv${d.reservedUpTo}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function featureSchema(d: FeatureDef): JsonObject {
  const where = `SMMU_${d.register}.${d.kind.type === 'granules' ? 'GRAN4K/16K/64K' : d.field}, §${d.section}`;
  const description = `${d.description}${since(d)} [${where}]`;
  const base: { [k: string]: Json } = {
    description,
    markdownDescription: `${d.description}${since(d)}\n\n\`${where}\` · default \`${defaultText(d)}\``,
  };
  if (typeof d.default !== 'function') base.default = d.default;
  const k = d.kind;
  switch (k.type) {
    case 'bool':
      return { ...base, type: 'boolean' };
    case 'enum':
      return {
        ...base,
        type: 'string',
        enum: k.choices.map((c) => c.name),
        enumDescriptions: k.choices.map((c) => c.description + (c.since ? ` (SMMUv${c.since})` : '')),
      };
    case 'int':
      return {
        ...base,
        anyOf: [
          { type: 'integer', minimum: k.min, maximum: k.max },
          { type: 'string', pattern: NUMBER_STRING },
        ],
      };
    case 'size':
      return {
        ...base,
        type: 'integer',
        enum: k.choices.map((c) => c.bits),
        enumDescriptions: k.choices.map(
          (c) =>
            `${c.bits} bits (encoding ${c.encoding})${c.since ? `, SMMUv${c.since}` : ''}${c.reservedUpTo ? `, Reserved up to SMMUv${c.reservedUpTo}` : ''}`,
        ),
      };
    case 'granules':
      return { ...base, type: 'array', uniqueItems: true, items: { type: 'string', enum: [...GRANULES] } };
  }
}

/** ID registers a `registers` override may name (architecture names, §6.3.1–§6.3.8). */
const ID_REGISTERS: readonly (readonly [string, string])[] = [
  ['IDR0', 'SMMU_IDR0 (§6.3.1): stages, formats, ATS/PRI/MSI, stall model, stream table levels'],
  ['IDR1', 'SMMU_IDR1 (§6.3.2): SID/SSID sizes, queue sizes, presets, ECMDQ'],
  ['IDR2', 'SMMU_IDR2 (§6.3.3): BA_VATOS'],
  ['IDR3', 'SMMU_IDR3 (§6.3.4): HAD, RIL, BBML, FWB, XNX, MPAM, DPT, …'],
  ['IDR4', 'SMMU_IDR4 (§6.3.5): IMPLEMENTATION DEFINED'],
  ['IDR5', 'SMMU_IDR5 (§6.3.6): OAS, granules, VAX, STALL_MAX'],
  ['IDR6', 'SMMU_IDR6 (§6.3.45): Command queue control pages and ECMDQs per page (with IDR1.ECMDQ)'],
  ['IIDR', 'SMMU_IIDR (§6.3.7): implementer and product'],
  ['AIDR', 'SMMU_AIDR (§6.3.8): architecture version'],
  ['MPAMIDR', 'SMMU_MPAMIDR (§6.3.41): PARTID_MAX and PMG_MAX, with mpam'],
  ...[4, 5, 6, 7, 0, 1, 2, 3].map(
    (n) => [`PIDR${n}`, `SMMU_PIDR${n} (§6.3.170): CoreSight Peripheral ID${n}; default from the IIDR`] as const,
  ),
  ...[0, 1, 2, 3].map(
    (n) => [`CIDR${n}`, `SMMU_CIDR${n} (§6.3.170): CoreSight Component ID${n}; default the §6.3.170 value`] as const,
  ),
];

/** A `presetBases` value: the whole register, or an object of its fields. */
function presetBaseSchema(r: (typeof PRESET_BASE_REGISTERS)[number]): JsonObject {
  const fields: { [k: string]: Json } = {};
  for (const f of r.fields)
    fields[f.name] = { description: f.description, anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }] };
  const variants: Json[] = [
    { type: 'string', pattern: NUMBER_STRING },
    { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    { type: 'object', additionalProperties: false, properties: fields },
  ];
  return {
    description: `SMMU_${r.name} (§${r.section}) while ${describeFeature(r.fixedBy)}: the whole ${r.width}-bit value, or an object of fields (ADDR is the address; an enumerated field may be named by its encoding).`,
    anyOf: variants,
  };
}

export function configSchema(): JsonObject {
  const registerValue: JsonObject = {
    anyOf: [
      { type: 'integer', minimum: 0, maximum: 0xffff_ffff },
      { type: 'string', pattern: NUMBER_STRING },
      {
        type: 'object',
        description: 'Field-level override: field name → number or encoding name, e.g. { "RIL": 0 }.',
        additionalProperties: { type: ['integer', 'string'] },
      },
    ],
  };
  const features: { [k: string]: Json } = {};
  for (const d of FEATURES) features[d.key] = featureSchema(d);
  const registers: { [k: string]: Json } = {};
  for (const [name, description] of ID_REGISTERS)
    registers[name] = { ...registerValue, description: `${description}. Wins over features.` };
  const choiceDescriptions: Readonly<Record<string, string>> = {
    page0AliasOfPage1:
      'Page-0 offsets of the page-1 registers (0xA8, 0xAC, 0xC8, 0xCC): alias the page-1 register, or RAZ/WI (§6.2.1).',
    page1Undefined: 'Undefined page-1 locations: RES0, or an alias of page 0 at the same offset (§6.2).',
    illegalAccess:
      'Illegal accesses (8- and 16-bit, unaligned; 64-bit ones too unless illegal64BitAccess is given): RAZ/WI or abort (§6.2).',
    illegal64BitAccess:
      'Illegal 64-bit accesses (to a 32-bit register, or over two 32-bit registers): RAZ/WI or abort (§6.2). Default: as illegalAccess.',
  };
  const choices: { [k: string]: Json } = {};
  for (const [k, values] of Object.entries(CHOICE_VALUES))
    choices[k] = { type: 'string', enum: [...values], description: choiceDescriptions[k] ?? k };
  const iidrFieldText: Readonly<Record<string, [string, number]>> = {
    implementer: ['JEP106 code: [11:8] continuation count, [7] 0, [6:0] identity. Arm is 0x43B.', 0xfff],
    productId: ['IMPLEMENTATION DEFINED part number. Linux knows Arm 0x483 (MMU-600) and 0x487 (MMU-700).', 0xfff],
    variant: ['Major revision (the r in rNpM).', 0xf],
    revision: ['Minor revision (the p in rNpM).', 0xf],
  };
  const iidrProps: { [k: string]: Json } = {};
  for (const k of IIDR_KEYS) iidrProps[k] = numberLike(iidrFieldText[k][0], iidrFieldText[k][1]);

  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'SMMU Workbench configuration (*.smmu.json)',
    description:
      'Which Arm SMMUv3 the model emulates: readable features that become ID register values, raw register overrides, and the CONSTRAINED UNPREDICTABLE choices. See docs/configuration.md.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      name: { type: 'string', description: 'A short name for messages and the status bar.' },
      description: {
        type: 'string',
        description: 'Free text: where the values come from, and why (reviewers read it).',
      },
      base: {
        type: 'string',
        enum: [...PRESET_NAMES],
        description:
          'Start from a built-in preset; this file only says what differs. "qemu" is an alias of the newest QEMU preset.',
      },
      version: {
        type: 'string',
        enum: [...VERSIONS],
        default: DEFAULT_VERSION,
        description:
          'SMMU architecture version, SMMUv3.0–3.4: SMMU_AIDR.ArchMinorRev (§6.3.8). Gates and mandates features (§2.9).',
      },
      drivers: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', enum: [...DRIVERS] },
        default: [...DRIVERS],
        description: "Drivers whose probe checks to run: Linux's arm-smmu-v3 and Xen's SMMUv3 host driver.",
      },
      features: {
        type: 'object',
        additionalProperties: false,
        description: 'Readable features; each sets one ID register field. Absent booleans are false.',
        properties: features,
      },
      iidr: {
        description: 'SMMU_IIDR (§6.3.7): who made the SMMU. Drivers key erratum workarounds on it.',
        anyOf: [
          { type: 'object', additionalProperties: false, properties: iidrProps },
          { type: 'integer', minimum: 0, maximum: 0xffff_ffff },
          { type: 'string', pattern: NUMBER_STRING },
        ],
      },
      registers: {
        type: 'object',
        description: 'Raw ID register values (whole, or some fields); they win over features.',
        properties: registers,
        additionalProperties: registerValue,
      },
      choices: {
        type: 'object',
        additionalProperties: false,
        description: 'The model’s behaviour in each CONSTRAINED UNPREDICTABLE case of §6.2.',
        properties: choices,
      },
      gbpa: {
        ...numberLike('Reset value of SMMU_GBPA (§6.3.14); Update (bit 31) must be 0.', 0x7fff_ffff),
        default: `0x${DEFAULT_GBPA.toString(16).toUpperCase().padStart(8, '0')}`,
      },
      presetBases: {
        type: 'object',
        additionalProperties: false,
        description:
          'The IMPLEMENTATION DEFINED values of the base registers a preset fixes: STRTAB_BASE and STRTAB_BASE_CFG with tablesPreset, the queue bases with queuesPreset (SMMU_IDR1, §6.3.2). The registers read them and ignore writes.',
        properties: Object.fromEntries(PRESET_BASE_REGISTERS.map((r) => [r.name, presetBaseSchema(r)])),
      },
      smmuBase: numberLike(
        'The physical address of the SMMU register Page 0, 64 KB-aligned (§6.1): with rel (SMMU_IDR1.REL, §6.3.2) the presetBases addresses are offsets from it, and the SMMU uses smmuBase + the offset.',
        Number.MAX_SAFE_INTEGER,
      ),
      accepted: {
        type: 'object',
        additionalProperties: false,
        description:
          'Warnings of the configuration rules this configuration expects, by code, each with the reason (a preset that models an existing SMMU as it is): they are reported as notes quoting the reason. Errors cannot be accepted, except a feature the model does not implement (config.not-modelled-…), which is an error until accepted; an entry that accepts nothing is a warning.',
        properties: Object.fromEntries(
          RULE_CODES.map((c) => [
            c,
            { type: 'string', minLength: 1, description: `Why the configuration's ${c} warnings are expected.` },
          ]),
        ),
      },
    },
  };
}

/** The schema file's exact text (schemas/smmu-config.schema.json). */
export function configSchemaText(): string {
  return jsonText(configSchema()) + '\n';
}

/** The exact text of presets/<name>.smmu.json, from the built-in preset document. */
export function presetFileText(name: string): string | undefined {
  return PRESET_NAMES.includes(name) ? presetText(name) : undefined;
}

/**
 * The schema VS Code's JSON support gets (package.json `jsonValidation`): the same properties,
 * descriptions, defaults and values to complete, without the keywords that validate. Our language
 * server checks `*.smmu.json` itself, with the architecture's reasons and the nearest key for a
 * misspelt one; with the full schema, VS Code reported every wrong type, range, value and unknown
 * key a second time, in its own words. Enumerations become `examples` (still offered as
 * completions), booleans get `[true, false]`. The full schema stays in schemas/smmu-config.schema.json
 * for other tools.
 */
export function editorSchema(): JsonObject {
  const strip = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    const out: { [k: string]: Json } = {};
    const o = node as JsonObject;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'enum') out.examples = v;
      else if (k === 'type') {
        if (v === 'boolean') out.examples = [true, false];
        else if (v === 'object' || v === 'array') out.type = v; // structure, for completion of keys and items
      } else if (k === 'anyOf') {
        // Alternatives only restrict: keep the object alternative's properties, for completion.
        const objects = (v as Json[])
          .map(strip)
          .filter(
            (x): x is JsonObject => x !== null && typeof x === 'object' && !Array.isArray(x) && 'properties' in x,
          );
        if (objects[0]) Object.assign(out, objects[0]);
      } else if (
        ['additionalProperties', 'minimum', 'maximum', 'pattern', 'uniqueItems', 'minItems', 'maxItems'].includes(k)
      )
        continue;
      else
        out[k] =
          k === 'properties'
            ? Object.fromEntries(Object.entries(v as JsonObject).map(([p, s]) => [p, strip(s)]))
            : strip(v);
    }
    return out;
  };
  return {
    ...(strip(configSchema()) as JsonObject),
    description:
      'SMMU Workbench configuration (*.smmu.json), for completion and hover; the language server checks the file. The full schema is smmu-config.schema.json.',
  };
}

export function editorSchemaText(): string {
  return jsonText(editorSchema()) + '\n';
}
