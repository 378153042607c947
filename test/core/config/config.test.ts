/**
 * Configuration files (*.smmu.json): presets resolve to the documented ID values, each validation
 * rule fires at the JSON that caused it (and not otherwise), overrides win, bad input gives
 * positioned diagnostics, and nothing ever throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { parseTree, type ParseError } from 'jsonc-parser';
import {
  blockingErrors,
  loadConfig,
  describeConfig,
  featuresOf,
  TOP_LEVEL_KEYS,
  type ConfigDiagnostic,
  type LoadOptions,
} from '../../../core/config/load';
import { DEFAULT_CONFIG, PRESETS } from '../../../core/config/presets';
import { PRESET_ALIASES, PRESET_DOCUMENTS, PRESET_NAMES } from '../../../core/config/preset-data';
import { configSchema, configSchemaText, presetFileText } from '../../../core/config/schema';
import { FEATURES, GRANULES, type FeatureValue } from '../../../core/config/features';
import { RULES } from '../../../core/config/rules';
import { UNMODELLED_FEATURES } from '../../../core/registers/not-modelled';
import { findField, findRegister } from '../../../core/registers/table';
import { QEMU_CORESIGHT_IDS, QEMU_IDS } from '../../harness/helpers';
import { root } from '../../harness/root';

type Doc = { [key: string]: unknown };
const text = (doc: Doc) => JSON.stringify(doc, null, 2);
const load = (doc: Doc | string, opts?: LoadOptions) => loadConfig(typeof doc === 'string' ? doc : text(doc), opts);

/** Position (0-based line, character) of the value of the first `"key":` in `src` (after `after`). */
function valueAt(src: string, key: string, after = ''): { line: number; character: number } {
  const from = after ? src.indexOf(after) : 0;
  assert.ok(from >= 0, `'${after}' not in text`);
  const k = src.indexOf(`"${key}":`, from);
  assert.ok(k >= 0, `"${key}" not in text`);
  let i = k + key.length + 3;
  while (src[i] === ' ') i++;
  return offsetPos(src, i);
}

/** Position of the key `"key"` itself. */
function keyAt(src: string, key: string): { line: number; character: number } {
  const k = src.indexOf(`"${key}"`);
  assert.ok(k >= 0, `"${key}" not in text`);
  return offsetPos(src, k);
}

function offsetPos(src: string, offset: number) {
  const before = src.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

function only(ds: readonly ConfigDiagnostic[], code: string): ConfigDiagnostic[] {
  return ds.filter((d) => d.code === code);
}

/** Exactly one diagnostic with `code`, starting at `where`; returns it. */
function one(
  ds: readonly ConfigDiagnostic[],
  code: string,
  where: { line: number; character: number },
  message?: RegExp,
): ConfigDiagnostic {
  const hits = only(ds, code);
  assert.equal(hits.length, 1, `expected one ${code}, got ${JSON.stringify(ds, null, 1)}`);
  assert.deepEqual(hits[0].range.start, where, `${code} at ${JSON.stringify(hits[0].range.start)}: ${hits[0].message}`);
  if (message) assert.match(hits[0].message, message);
  return hits[0];
}

function none(ds: readonly ConfigDiagnostic[], code: string): void {
  assert.deepEqual(only(ds, code), [], `expected no ${code}`);
}

const errors = (ds: readonly ConfigDiagnostic[]) => ds.filter((d) => d.severity === 'error');
const warnings = (ds: readonly ConfigDiagnostic[]) => ds.filter((d) => d.severity === 'warning');

/** A clean SMMUv3.0 baseline the rule tests start from (stage 1, Linux only). */
const BASE = { version: '3.0', drivers: ['linux'], features: { stage1: true } };
const withFeatures = (features: Doc, extra: Doc = {}): Doc => ({
  ...BASE,
  ...extra,
  features: { ...BASE.features, ...features },
});

// ---------------------------------------------------------------------------------------------
// The register table carries every field the configuration sets (names as the architecture's)

test('the register table has every ID register field a configuration sets', () => {
  const wanted: string[] = [
    'AIDR.ArchMajorRev',
    'AIDR.ArchMinorRev',
    'IIDR.ProductID',
    'IIDR.Variant',
    'IIDR.Revision',
    'IIDR.Implementer',
  ];
  for (const d of FEATURES) {
    const k = d.kind;
    if (k.type === 'granules') for (const g of GRANULES) wanted.push(`${d.register}.${k.fields[g]}`);
    else wanted.push(`${d.register}.${d.field}`);
  }
  const missing = wanted.filter((ref) => {
    const [r, f] = ref.split('.');
    const reg = findRegister(r);
    return !reg || reg.behaviour.kind !== 'id' || !findField(reg, f);
  });
  assert.deepEqual(
    missing,
    [],
    'core/registers lacks these ID fields (or spells them differently from the architecture)',
  );
});

// ---------------------------------------------------------------------------------------------
// Presets

test('qemu-11.1 (and its alias qemu) resolves to the ID values of -M virt,iommu=smmuv3 (facts §8.1)', () => {
  const ids = PRESETS.get('qemu-11.1')!.config.ids;
  assert.equal(ids.IDR0, 0x0d44101a);
  assert.equal(ids.IDR1, 0x02730010);
  assert.equal(ids.IDR2, 0);
  assert.equal(ids.IDR3, 0x00001404);
  assert.equal(ids.IDR4, 0);
  assert.equal(ids.IDR5, 0x00000074);
  assert.equal(ids.IIDR, 0);
  assert.equal(ids.AIDR, 0x1);
  assert.equal(PRESETS.get('qemu-11.1')!.config.gbpaReset, 0x1000);
  assert.deepEqual(PRESETS.get('qemu')!.config, PRESETS.get('qemu-11.1')!.config, 'qemu is an alias of qemu-11.1');
});

test("qemu-7.2 is QEMU 7.2.0's smmuv3_init_regs(): IDR0 without VMID16, no GBPA register, QEMU's choices", () => {
  const c = PRESETS.get('qemu-7.2')!.config;
  assert.deepEqual(
    { ...c.ids },
    {
      IDR0: 0x0d40101a,
      IDR1: 0x02730010,
      IDR2: 0,
      IDR3: 0x00001404,
      IDR4: 0,
      IDR5: 0x00000074,
      IIDR: 0,
      AIDR: 0x1,
      ...QEMU_CORESIGHT_IDS,
    },
  );
  assert.equal(c.gbpaReset, 0, '7.2 has no GBPA: it reads 0');
  assert.match(c.name, /^QEMU 7\.2 /);
  // hw/arm/smmuv3.c: offset &= ~0x10000; .valid.min_access_size = 4; smmu_readll/smmu_writell default: RAZ/WI.
  const choices = {
    page0AliasOfPage1: 'alias',
    page1Undefined: 'alias-page0',
    illegalAccess: 'abort',
    illegal64BitAccess: 'raz-wi',
  };
  assert.deepEqual(c.choices, choices);
  assert.deepEqual(PRESETS.get('qemu-11.1')!.config.choices, choices, 'unchanged in 11.1');
  const ids11 = PRESETS.get('qemu-11.1')!.config.ids;
  assert.equal(ids11.IDR0 ^ c.ids.IDR0, 1 << 18, 'the only ID difference from 11.1 is IDR0.VMID16 (bit 18)');
  for (const r of ['IDR1', 'IDR2', 'IDR3', 'IDR4', 'IDR5', 'IIDR', 'AIDR']) assert.equal(c.ids[r], ids11[r], r);
});

test('presets/qemu.smmu.json is the alias: qemu-11.1 as its base and nothing else', () => {
  assert.deepEqual(PRESET_ALIASES, { qemu: 'qemu-11.1' });
  const file = fs.readFileSync(path.join(root, 'presets', 'qemu.smmu.json'), 'utf8');
  const doc = JSON.parse(file) as Doc;
  assert.deepEqual(Object.keys(doc).sort(), ['base', 'description']);
  assert.equal(doc.base, 'qemu-11.1');
  assert.deepEqual(loadConfig(file).config, PRESETS.get('qemu-11.1')!.config);
  // "base": "qemu" in a user's file means the same as "base": "qemu-11.1".
  assert.deepEqual(load({ base: 'qemu', name: 'x' }).config, load({ base: 'qemu-11.1', name: 'x' }).config);
  assert.deepEqual(PRESET_NAMES, [
    'qemu',
    'qemu-7.2',
    'qemu-11.1',
    'xen-vsmmu',
    'smmuv3.2-full',
    'smmuv3.4-lpa2',
    'smmuv3.3-secure-ats',
  ]);
});

test('every shipped preset is clean: no error, no warning, and each note is one its description explains', () => {
  for (const name of PRESET_NAMES) {
    const p = PRESETS.get(name)!;
    assert.deepEqual([...errors(p.diagnostics), ...warnings(p.diagnostics)], [], name);
    const file = path.join(root, 'presets', `${name}.smmu.json`);
    const loaded = loadConfig(fs.readFileSync(file, 'utf8'));
    assert.deepEqual([...errors(loaded.diagnostics), ...warnings(loaded.diagnostics)], [], file);
    const doc = presetDocumentOf(name);
    for (const n of loaded.diagnostics)
      assert.ok(
        String(doc.description).includes(n.code),
        `${name}: its description does not explain the ${n.code} note: ${n.message}`,
      );
  }
});

/** The document whose description explains a preset's notes (an alias's are its preset's). */
function presetDocumentOf(name: string): Doc {
  return PRESET_DOCUMENTS[PRESET_ALIASES[name] ?? name] as Doc;
}

test('DEFAULT_CONFIG is the QEMU preset, and agrees with the literal QEMU fixture', () => {
  assert.deepEqual(DEFAULT_CONFIG, PRESETS.get('qemu')!.config);
  assert.deepEqual({ ...DEFAULT_CONFIG.ids }, { ...QEMU_IDS, ...QEMU_CORESIGHT_IDS });
  assert.match(DEFAULT_CONFIG.name, /^QEMU/);
});

test('Xen vSMMU preset resolves to the vSMMUv3 series values (facts §9); its dummy IIDR is accepted with a reason', () => {
  const p = PRESETS.get('xen-vsmmu')!;
  assert.equal(p.config.ids.IDR0, 0x0d00100a);
  assert.equal(p.config.ids.IDR1, 0x02730010);
  assert.equal(p.config.ids.IDR3, 0);
  assert.equal(p.config.ids.IDR5, 0x75);
  assert.equal(p.config.ids.IIDR, 0x12);
  assert.equal(p.config.ids.AIDR, 0);
  assert.deepEqual(errors(p.diagnostics), []);
  assert.deepEqual(warnings(p.diagnostics), []);
  const iidr = only(p.diagnostics, 'config.iidr');
  assert.equal(iidr.length, 1, JSON.stringify(iidr));
  assert.equal(iidr[0].severity, 'info');
  assert.match(
    iidr[0].message,
    /0x012 = Raytheon .*placeholder.*0x43B.*0x483.*0x487.*\(accepted: the vSMMU reports this dummy IIDR/,
  );
  // Without its `accepted`, the same values are warned about.
  const { accepted: _accepted, ...bare } = PRESET_DOCUMENTS['xen-vsmmu'] as Doc;
  const w = warnings(load(bare).diagnostics);
  assert.deepEqual(
    w.map((d) => d.code),
    ['config.iidr'],
  );
  assert.match(w[0].message, /0x012 = Raytheon .*placeholder/);
  const queues = only(p.diagnostics, 'config.queue-size').map((d) => d.message);
  assert.ok(
    queues.some((m) => /Command queue: up to 2\^19 = 524288 entries × 16 B = 8 MiB.*architectural maximum/.test(m)),
    queues.join('\n'),
  );
  assert.ok(
    queues.some((m) => /Event queue: up to 2\^19 = 524288 entries × 32 B = 16 MiB/.test(m)),
    queues.join('\n'),
  );
});

test('SMMUv3.2 full preset: the documented values, and no errors or warnings', () => {
  const p = PRESETS.get('smmuv3.2-full')!;
  assert.equal(p.config.ids.IDR0, 0x081ff7bf);
  assert.equal(p.config.ids.IDR1, 0x0e739d20);
  assert.equal(p.config.ids.IDR3, 0x0000173c);
  assert.equal(p.config.ids.IDR5, 0x01000476);
  assert.equal(p.config.ids.IIDR, 0x43b);
  assert.equal(p.config.ids.AIDR, 0x2);
  assert.deepEqual([...errors(p.diagnostics), ...warnings(p.diagnostics)], []);
});

test('a feature the model does not implement is an error that names it, at the feature (§16 item 8: never silent); each has its own code to accept', () => {
  const src = text({
    ...BASE,
    version: '3.3',
    features: {
      stage1: true,
      stage2: true,
      atos: true,
      vatos: true,
      ats: true,
      dpt: true,
      had: true,
      xnx: true,
      ril: true,
      fwb: true,
      bbml: 1,
      e0pd: true,
      ptwnnc: true,
      hyp: true,
      vmw: true,
    },
  });
  const loaded = loadConfig(src);
  const all = loaded.diagnostics;
  // The only error; the configuration stays usable (the model runs, its verdicts are in doubt).
  assert.deepEqual(blockingErrors(all), []);
  assert.ok(loaded.config);
  const r = all.filter((d) => d.code.startsWith('config.not-modelled-'));
  assert.deepEqual(
    r.map((d) => [d.code, d.severity]).sort((a, b) => a[0].localeCompare(b[0])),
    [['config.not-modelled-dpt', 'error']],
  );
  assert.deepEqual(
    all.filter((d) => d.severity === 'error').map((d) => d.code),
    ['config.not-modelled-dpt'],
  );
  const dpt = r.find((d) => d.code === 'config.not-modelled-dpt')!;
  assert.deepEqual(dpt.range.start, valueAt(src, 'dpt'));
  // §9: ATOS and VATOS are modelled (core/engine/atos.ts), and so are E0PD (§5.4) and VMID
  // wildcards (§3.17.6): advertising them is no warning.
  assert.ok(!r.some((d) => /^config\.not-modelled-(atos|vatos|e0pd|vmw)$/.test(d.code)));
  assert.match(
    r.find((d) => d.code === 'config.not-modelled-dpt')!.message,
    /Level 0 Block entries of the DPT \(§3\.24\.3\.1\.2\) are not decoded.*dpt\.not-modelled.*; verdicts that depend on it cannot be trusted: accept "config\.not-modelled-dpt" in the configuration, with a reason, to go on$/,
  );
  // Accepted with a reason: a note carrying the reason, and nothing else.
  const accepted = loadConfig(
    src.replace(/\}\s*$/, ', "accepted": { "config.not-modelled-dpt": "no Level 0 Block DPT entries here" } }'),
  ).diagnostics.filter((d) => d.code === 'config.not-modelled-dpt');
  assert.deepEqual(
    accepted.map((d) => d.severity),
    ['info'],
  );
  assert.match(accepted[0]!.message, /\(accepted: no Level 0 Block DPT entries here\)$/);
  assert.doesNotMatch(accepted[0]!.message, /cannot be trusted/);
  // Field values, not only booleans: TTF with AArch32. Big-endian tables are modelled (§6.3.1
  // TTENDIAN, core/translation/endian.ts): TTENDIAN big-endian only is no warning.
  const enums = loadConfig(
    text(withFeatures({ ttf: 'both', ttEndian: 'be', granules: ['4K'] }, { drivers: [] })),
  ).diagnostics.map((d) => d.code);
  assert.ok(enums.includes('config.not-modelled-aarch32'), enums.join());
  assert.ok(!enums.some((c) => /big-endian/.test(c)), enums.join());
  assert.ok(
    !loadConfig(text(withFeatures({ ttEndian: 'mixed' }))).diagnostics.some((d) =>
      d.code.startsWith('config.not-modelled-'),
    ),
  );
});

test('smmuv3.2-full accepts its not-modelled features by name; a feature a file adds on top is still an error', () => {
  const full = PRESETS.get('smmuv3.2-full')!.diagnostics.filter((d) => d.code.startsWith('config.not-modelled-'));
  assert.deepEqual(full.map((d) => d.code).sort(), ['config.not-modelled-aarch32']);
  assert.ok(
    full.every((d) => d.severity === 'info' && /\(accepted: a full .*SMMUv3\.2/.test(d.message)),
    JSON.stringify(full),
  );
  const derived = load({
    base: 'smmuv3.2-full',
    version: '3.3',
    features: { dpt: true, e0pd: true, ptwnnc: true },
  }).diagnostics.filter((d) => d.code.startsWith('config.not-modelled-'));
  assert.deepEqual(
    derived
      .filter((d) => d.severity === 'error')
      .map((d) => d.code)
      .sort(),
    ['config.not-modelled-dpt'],
  );
  assert.ok(derived.some((d) => d.code === 'config.not-modelled-aarch32' && d.severity === 'info'));
});

test('QEMU presets: no errors or warnings; QEMU sets no IIDR, so the presets give none and the zero IIDR is a note', () => {
  for (const name of ['qemu-7.2', 'qemu-11.1']) {
    const p = PRESETS.get(name)!;
    assert.deepEqual([...errors(p.diagnostics), ...warnings(p.diagnostics)], [], name);
    assert.match(only(p.diagnostics, 'config.iidr')[0]?.message ?? '', /IIDR\.Implementer is 0 \(no "iidr" given\)/);
    assert.equal(PRESET_DOCUMENTS[name]!.iidr, undefined);
  }
});

test('accepted: an expected warning becomes a note quoting the reason; errors stay; an entry that accepts nothing is a warning', () => {
  const placeholder = withFeatures({}, { iidr: '0x12', accepted: { 'config.iidr': 'as the device reports it' } });
  const d = only(load(placeholder).diagnostics, 'config.iidr');
  assert.deepEqual(
    d.map((x) => x.severity),
    ['info'],
  );
  assert.match(d[0]!.message, /placeholder.*\(accepted: as the device reports it\)$/);
  assert.deepEqual(warnings(load(placeholder).diagnostics), []);
  // Nothing to accept: a warning at the entry's reason.
  const stale = text(withFeatures({}, { iidr: '0x43B', accepted: { 'config.iidr': 'old' } }));
  one(
    loadConfig(stale).diagnostics,
    'config.accepted',
    valueAt(stale, 'config.iidr'),
    /nothing to accept.*config\.iidr/,
  );
  // Errors are not accepted: the error stays, and the entry accepted nothing.
  const err = text(withFeatures({ pri: true }, { accepted: { 'config.inconsistent': 'please' } }));
  const ds = loadConfig(err).diagnostics;
  assert.ok(errors(ds).some((x) => x.code === 'config.inconsistent'));
  one(ds, 'config.accepted', valueAt(err, 'config.inconsistent'));
  // Unknown codes and empty reasons are errors.
  const bad = text(withFeatures({}, { accepted: { 'config.iidrr': 'x', 'config.iidr': ' ' } }));
  const bd = loadConfig(bad).diagnostics;
  one(bd, 'config.unknown-key', keyAt(bad, 'config.iidrr'), /did you mean "config\.iidr"/);
  one(bd, 'config.value', valueAt(bad, 'config.iidr'), /needs a reason/);
  // A preset's acceptance carries over to a file built on it, and is not stale there when moot.
  assert.deepEqual(warnings(load({ base: 'xen-vsmmu', name: 'mine' }).diagnostics), []);
  assert.deepEqual(warnings(load({ base: 'xen-vsmmu', name: 'mine', iidr: '0x43B' }).diagnostics), []);
});

test('presets/*.smmu.json and schemas/smmu-config.schema.json are what scripts/gen-config-schema.mjs writes', () => {
  for (const name of PRESET_NAMES) {
    const file = fs.readFileSync(path.join(root, 'presets', `${name}.smmu.json`), 'utf8');
    assert.equal(
      file,
      presetFileText(name),
      `presets/${name}.smmu.json is out of date: run node scripts/gen-config-schema.mjs`,
    );
    const loaded = loadConfig(file);
    assert.deepEqual(loaded.config, PRESETS.get(name)!.config, `presets/${name}.smmu.json resolves like the built-in`);
    assert.deepEqual(loaded.diagnostics, PRESETS.get(name)!.diagnostics);
  }
  const schema = fs.readFileSync(path.join(root, 'schemas', 'smmu-config.schema.json'), 'utf8');
  assert.equal(
    schema,
    configSchemaText(),
    'schemas/smmu-config.schema.json is out of date: run node scripts/gen-config-schema.mjs',
  );
});

test('the schema lists exactly the feature table, with its enums and limits', () => {
  const s = configSchema() as {
    properties: {
      features: { properties: Record<string, { enum?: unknown[]; anyOf?: { maximum?: number }[]; type?: string }> };
    };
  };
  const props = s.properties.features.properties;
  assert.deepEqual(
    Object.keys(props),
    FEATURES.map((d) => d.key),
  );
  for (const d of FEATURES) {
    const p = props[d.key];
    const k = d.kind;
    if (k.type === 'enum')
      assert.deepEqual(
        p.enum,
        k.choices.map((c) => c.name),
        d.key,
      );
    if (k.type === 'size')
      assert.deepEqual(
        p.enum,
        k.choices.map((c) => c.bits),
        d.key,
      );
    if (k.type === 'int') assert.equal(p.anyOf?.[0].maximum, k.max, d.key);
    if (k.type === 'bool') assert.equal(p.type, 'boolean', d.key);
  }
  for (const doc of Object.values(PRESET_DOCUMENTS))
    for (const key of Object.keys(doc.features as object)) assert.ok(props[key], key);
});

// ---------------------------------------------------------------------------------------------
// Features → registers, overrides, base

test('features deposit into the documented fields; numbers may be hex strings', () => {
  const c = load({
    features: { stage2: true, sidSize: '0x10', cmdqSize: 8, eventqSize: '0b111', granules: ['64K'], oas: 40 },
  }).config!;
  assert.equal(c.ids.IDR0 & 0b11, 0b01, 'S2P only');
  assert.equal(c.ids.IDR1 & 0x3f, 16, 'SIDSIZE');
  assert.equal((c.ids.IDR1 >>> 21) & 0x1f, 8, 'CMDQS');
  assert.equal((c.ids.IDR1 >>> 16) & 0x1f, 7, 'EVENTQS');
  assert.equal(c.ids.IDR5, 0x40 | 2, 'GRAN64K, OAS 40');
  assert.equal(c.ids.AIDR, 0, 'version defaults to 3.0');
});

test('registers overrides win over features, whole or by field, and say which feature they overrode', () => {
  const src = text({ ...BASE, features: { stage1: true, ats: true, pri: true }, registers: { IDR0: '0x0D44101A' } });
  const r = load(src);
  assert.equal(r.config!.ids.IDR0, 0x0d44101a);
  const w = only(r.diagnostics, 'config.overridden');
  assert.equal(w.length, 2, JSON.stringify(w));
  assert.deepEqual(
    w.map((d) => d.range.start),
    [valueAt(src, 'ats'), valueAt(src, 'pri')],
  );
  assert.match(w[1].message, /features\.pri = true is overridden by registers\.IDR0: SMMU_IDR0\.PRI = 0/);

  const byField = load({
    version: '3.2',
    features: { ril: true, fwb: true, bbml: 1 },
    registers: { IDR3: { RIL: 0, BBML: 2 } },
  });
  assert.equal(byField.config!.ids.IDR3, (2 << 11) | (1 << 8));
  assert.equal(only(byField.diagnostics, 'config.overridden').length, 2);
  one(
    byField.diagnostics,
    'config.mandatory',
    valueAt(
      text({ version: '3.2', features: { ril: true, fwb: true, bbml: 1 }, registers: { IDR3: { RIL: 0, BBML: 2 } } }),
      'RIL',
    ),
    /RIL\) is mandatory in SMMUv3\.2/,
  );

  const named = load({ registers: { IDR0: { TTF: 'AARCH32_64', S1P: 1 } } });
  assert.equal(named.config!.ids.IDR0 & 0xf, 0b1110);
});

test('an override that agrees with the features is not reported', () => {
  const r = load({ features: { stage1: true }, registers: { IDR0: { S1P: 1 } } });
  none(r.diagnostics, 'config.overridden');
});

test('base: a preset plus what differs (QEMU with stage=nested)', () => {
  const src = text({ base: 'qemu', name: 'QEMU nested', features: { stage2: true, xnx: true } });
  const r = load(src);
  assert.deepEqual(errors(r.diagnostics), []);
  assert.equal(r.config!.ids.IDR0, 0x0d44101b);
  assert.equal(r.config!.ids.IDR3, 0x00001414);
  assert.equal(r.config!.ids.AIDR, 1);
  assert.equal(r.config!.name, 'QEMU nested');
  // A problem in the preset's values is pinned to "base".
  const v = load({ base: 'qemu', version: '3.2' });
  const fwb = only(v.diagnostics, 'config.mandatory').find((d) => /FWB/.test(d.message));
  assert.ok(fwb, JSON.stringify(v.diagnostics));
  const unknown = load({ base: 'qemu6' });
  assert.match(only(unknown.diagnostics, 'config.value')[0].message, /did you mean "qemu"/);
});

test('featuresOf inverts the loader for the presets', () => {
  for (const [name, doc] of Object.entries(PRESET_DOCUMENTS)) {
    const s = featuresOf(PRESETS.get(name)!.config.ids);
    assert.equal(s.version, doc.version);
    for (const [k, v] of Object.entries(doc.features as Record<string, FeatureValue>)) {
      const got = s.features[k];
      assert.deepEqual(typeof v === 'string' && /^0[xb]/i.test(v) ? Number(v) : v, got, `${name}.${k}`);
    }
  }
});

test('describeConfig: stages, formats, queues in entries and bytes, SID/SSID, IIDR decoded', () => {
  const q = describeConfig(DEFAULT_CONFIG);
  assert.match(q, /SMMUv3\.1/);
  assert.match(q, /stage 1 only; tables AArch64, little-endian only/);
  assert.match(q, /SIDSIZE 16 \(65536 StreamIDs\)/);
  assert.match(q, /SSIDSIZE 0 \(no substreams\)/);
  assert.match(q, /Command queue: up to 2\^19 = 524288 entries × 16 B = 8 MiB/);
  assert.match(q, /Event queue: up to 2\^19 = 524288 entries × 32 B = 16 MiB/);
  assert.match(q, /PRI queue: none/);
  assert.match(q, /IIDR 0x00000000: implementer none/);
  const full = describeConfig(PRESETS.get('smmuv3.2-full')!.config);
  assert.match(full, /PRI queue: up to 2\^19 = 524288 entries × 16 B = 8 MiB/);
  assert.match(full, /stage 1 and stage 2, EL2 contexts/);
  const mmu600 = describeConfig(
    load({ iidr: { implementer: '0x43B', productId: '0x483', variant: 0, revision: 1 } }).config!,
  );
  assert.match(mmu600, /Arm MMU-600.*1076982/);
});

// ---------------------------------------------------------------------------------------------
// Validation rules: each fires at the right JSON, and not when the condition does not hold

interface Case {
  readonly name: string;
  readonly doc: Doc;
  readonly code: string;
  /** The key whose value the diagnostic starts at. */
  readonly at: string;
  readonly message?: RegExp;
  /** A variant in which the rule must not fire. */
  readonly fixed: Doc;
}

const CASES: readonly Case[] = [
  {
    name: 'PRI needs ATS (§6.3.1)',
    doc: withFeatures({ pri: true }),
    code: 'config.inconsistent',
    at: 'pri',
    message: /pri \(SMMU_IDR0\.PRI\) needs ats .*§6\.3\.1/,
    fixed: withFeatures({ pri: true, ats: true }),
  },
  {
    name: 'ATSRECERR needs ATS',
    doc: withFeatures({ atsRecErr: true }, { version: '3.3' }),
    code: 'config.inconsistent',
    at: 'atsRecErr',
    fixed: withFeatures({ atsRecErr: true, ats: true }, { version: '3.3' }),
  },
  {
    name: 'VMW needs S2P',
    doc: withFeatures({ vmw: true }),
    code: 'config.inconsistent',
    at: 'vmw',
    fixed: withFeatures({ vmw: true, stage2: true }),
  },
  {
    name: 'HYP needs both stages',
    doc: withFeatures({ hyp: true }),
    code: 'config.inconsistent',
    at: 'hyp',
    fixed: withFeatures({ hyp: true, stage2: true }),
  },
  {
    name: 'VATOS needs ATOS and both stages',
    doc: withFeatures({ vatos: true, stage2: true }),
    code: 'config.inconsistent',
    at: 'vatos',
    message: /atos, stage1 and stage2/,
    fixed: withFeatures({ vatos: true, stage2: true, atos: true }),
  },
  {
    name: 'ST_LEVEL linear with SIDSIZE >= 7 (§6.3.2)',
    doc: withFeatures({ streamTable: 'linear', sidSize: 7 }),
    code: 'config.inconsistent',
    at: 'streamTable',
    message: /§6\.3\.2/,
    fixed: withFeatures({ streamTable: 'linear', sidSize: 6 }),
  },
  {
    name: 'ECMDQ implies COHACC and MSI (§6.3.2)',
    doc: withFeatures({ ecmdq: true, msi: true }, { version: '3.3' }),
    code: 'config.inconsistent',
    at: 'ecmdq',
    message: /coherent/,
    fixed: withFeatures({ ecmdq: true, msi: true, coherent: true }, { version: '3.3' }),
  },
  {
    name: 'SMMU_IDR6 is RES0 without ECMDQ (§6.3.45)',
    doc: withFeatures({ ecmdqLog2Pages: 1 }, { version: '3.3' }),
    code: 'config.inconsistent',
    at: 'ecmdqLog2Pages',
    message: /ecmdq \(SMMU_IDR1\.ECMDQ\).*§6\.3\.45/,
    fixed: withFeatures({ ecmdq: true, msi: true, coherent: true, ecmdqLog2Pages: 1 }, { version: '3.3' }),
  },
  {
    name: 'SMMU_IDR6.CMDQ_CONTROL_PAGE_LOG2NUMQ is at most 8 (§6.3.45)',
    doc: withFeatures({ ecmdq: true, msi: true, coherent: true, ecmdqLog2Queues: 9 }, { version: '3.3' }),
    code: 'config.range',
    at: 'ecmdqLog2Queues',
    message: /at most 8/,
    fixed: withFeatures({ ecmdq: true, msi: true, coherent: true, ecmdqLog2Queues: 8 }, { version: '3.3' }),
  },
  {
    name: 'PBHA requires HAD (§6.3.4)',
    doc: withFeatures({ pbha: true }, { version: '3.1' }),
    code: 'config.inconsistent',
    at: 'pbha',
    fixed: withFeatures({ pbha: true, had: true }, { version: '3.1' }),
  },
  {
    name: 'AArch32 tables need the 4K granule (§6.3.6)',
    doc: withFeatures({ ttf: 'both', granules: ['64K'] }),
    code: 'config.inconsistent',
    at: 'granules',
    message: /GRAN4K is RES1/,
    fixed: withFeatures({ ttf: 'both', granules: ['4K', '64K'] }),
  },
  {
    name: 'DPT needs ATS and excludes AArch32',
    doc: withFeatures({ dpt: true, ats: true, ttf: 'both', granules: ['4K'] }, { version: '3.3' }),
    code: 'config.inconsistent',
    at: 'dpt',
    message: /TTF\[0\]/,
    fixed: withFeatures({ dpt: true, ats: true }, { version: '3.3' }),
  },
  {
    name: 'STALL_MAX is RES0 with the terminate model',
    doc: withFeatures({ stallMax: 4 }),
    code: 'config.inconsistent',
    at: 'stallMax',
    fixed: withFeatures({ stallMax: 4, stallModel: 'stall' }),
  },
  {
    name: 'OAS 52 needs GRAN64K, DS or D128',
    doc: withFeatures({ oas: 52, granules: ['4K'] }, { version: '3.1' }),
    code: 'config.inconsistent',
    at: 'oas',
    fixed: withFeatures({ oas: 52, granules: ['4K', '64K'] }, { version: '3.1' }),
  },
  {
    name: 'forced stall on a PCIe SMMU (warning)',
    doc: withFeatures({ stallModel: 'forced', ats: true }),
    code: 'config.inconsistent',
    at: 'stallModel',
    message: /PCI/,
    fixed: withFeatures({ stallModel: 'stall', ats: true }),
  },
  {
    name: 'HYP is mandatory from v3.2 with both stages',
    doc: withFeatures({ stage2: true, xnx: true, had: true, ril: true, fwb: true, bbml: 1 }, { version: '3.2' }),
    code: 'config.mandatory',
    at: 'stage2',
    message: /hyp \(SMMU_IDR0\.HYP\) is mandatory in SMMUv3\.2/,
    fixed: withFeatures(
      { stage2: true, hyp: true, xnx: true, had: true, ril: true, fwb: true, bbml: 1 },
      { version: '3.2' },
    ),
  },
  {
    name: 'RIL is mandatory from v3.2',
    doc: withFeatures({ had: true, fwb: true, bbml: 1 }, { version: '3.2' }),
    code: 'config.mandatory',
    at: 'version',
    message: /ril \(SMMU_IDR3\.RIL\)/,
    fixed: withFeatures({ had: true, fwb: true, bbml: 1, ril: true }, { version: '3.2' }),
  },
  {
    name: 'HAD is mandatory from v3.1 with stage 1 (explicit false)',
    doc: withFeatures({ had: false }, { version: '3.1' }),
    code: 'config.mandatory',
    at: 'had',
    fixed: withFeatures({ had: true }, { version: '3.1' }),
  },
  {
    name: 'XNX is RES0 in SMMUv3.0 (§6.3.4)',
    doc: withFeatures({ xnx: true, stage2: true }),
    code: 'config.reserved',
    at: 'xnx',
    message: /Reserved in SMMUv3\.0.*"3\.1"/,
    fixed: withFeatures({ xnx: true, stage2: true }, { version: '3.1' }),
  },
  {
    name: 'OAS 52 is Reserved in SMMUv3.0 (§6.3.6)',
    doc: withFeatures({ oas: 52, granules: ['64K'] }),
    code: 'config.reserved',
    at: 'oas',
    fixed: withFeatures({ oas: 52, granules: ['64K'] }, { version: '3.1' }),
  },
  {
    name: 'OAS 56 is Reserved up to SMMUv3.3',
    doc: withFeatures(
      {
        oas: 56,
        d128: true,
        s1pi: true,
        aie: true,
        e0pd: true,
        had: true,
        ril: true,
        fwb: true,
        bbml: 2,
        ptwnnc: false,
      },
      { version: '3.3' },
    ),
    code: 'config.reserved',
    at: 'oas',
    fixed: withFeatures(
      { oas: 48, d128: true, s1pi: true, aie: true, e0pd: true, had: true, ril: true, fwb: true, bbml: 2 },
      { version: '3.3' },
    ),
  },
  {
    name: 'a v3.3 feature on SMMUv3.1 (§2.9)',
    doc: withFeatures({ e0pd: true, had: true }, { version: '3.1' }),
    code: 'config.version',
    at: 'e0pd',
    message: /SMMUv3\.3 feature.*§2\.9/,
    fixed: withFeatures({ e0pd: true, had: true, ril: true, fwb: true, bbml: 1 }, { version: '3.2' }),
  },
  {
    name: 'SIDSIZE at most 32 (§6.3.2)',
    doc: withFeatures({ sidSize: 33 }),
    code: 'config.range',
    at: 'sidSize',
    message: /at most 32/,
    fixed: withFeatures({ sidSize: 32 }),
  },
  {
    name: 'SSIDSIZE at most 20',
    doc: withFeatures({ ssidSize: 21 }),
    code: 'config.range',
    at: 'ssidSize',
    fixed: withFeatures({ ssidSize: 20 }),
  },
  {
    name: 'queue sizes at most 19',
    doc: withFeatures({ eventqSize: 20 }),
    code: 'config.range',
    at: 'eventqSize',
    message: /at most 19/,
    fixed: withFeatures({ eventqSize: 19 }),
  },
  {
    name: 'Linux refuses big-endian-only tables',
    doc: withFeatures({ ttEndian: 'be' }, { drivers: ['linux', 'xen'] }),
    code: 'config.linux-probe',
    at: 'ttEndian',
    message: /^Linux \(and Xen's host driver\) would refuse: unknown\/unsupported TT endianness!/,
    fixed: withFeatures({ ttEndian: 'le' }),
  },
  {
    name: 'Linux refuses AArch32-only tables',
    doc: withFeatures({ ttf: 'aarch32', granules: ['4K'] }),
    code: 'config.linux-probe',
    at: 'ttf',
    message: /^Linux would refuse: AArch64 table format not supported!/,
    fixed: withFeatures({ ttf: 'both', granules: ['4K'] }),
  },
  {
    name: 'Linux refuses no translation',
    doc: withFeatures({ stage1: false }),
    code: 'config.linux-probe',
    at: 'stage1',
    message: /no translation support!/,
    fixed: withFeatures({ stage1: false, stage2: true }),
  },
  {
    name: 'Linux refuses a 64-entry command queue',
    doc: withFeatures({ cmdqSize: 6 }),
    code: 'config.linux-probe',
    at: 'cmdqSize',
    message: /command queue size <= 64 entries not supported/,
    fixed: withFeatures({ cmdqSize: 7 }),
  },
  {
    name: 'Linux refuses embedded implementations',
    doc: withFeatures({ tablesPreset: true }),
    code: 'config.linux-probe',
    at: 'tablesPreset',
    message: /embedded implementation not supported/,
    fixed: withFeatures({ tablesPreset: false }),
  },
  {
    name: "Xen's host driver needs stage 2",
    doc: withFeatures({}, { drivers: ['linux', 'xen'] }),
    code: 'config.xen-probe',
    at: 'stage1',
    message: /no stage-2 translation support!/,
    fixed: withFeatures({ stage2: true }, { drivers: ['linux', 'xen'] }),
  },
  {
    name: 'IIDR implementer 0',
    doc: withFeatures({}, { iidr: { implementer: 0 } }),
    code: 'config.iidr',
    at: 'implementer',
    message: /identifies no implementer.*0x43B.*0x483.*0x487/,
    fixed: withFeatures({}, { iidr: { implementer: '0x43B' } }),
  },
  {
    name: 'IIDR implementer not well formed',
    doc: withFeatures({}, { iidr: { implementer: '0x4BB' } }),
    code: 'config.iidr',
    at: 'implementer',
    message: /not a well-formed JEP106 code: bit \[7\]/,
    fixed: withFeatures({}, { iidr: { implementer: '0x43B' } }),
  },
  {
    name: 'IIDR implementer 0x7F continuation code',
    doc: withFeatures({}, { iidr: { implementer: '0x07F' } }),
    code: 'config.iidr',
    at: 'implementer',
    message: /continuation code/,
    fixed: withFeatures({}, { iidr: { implementer: '0x070' } }),
  },
  {
    name: 'IIDR placeholder implementer (the vSMMU 0x12)',
    doc: withFeatures({}, { iidr: '0x12' }),
    code: 'config.iidr',
    at: 'iidr',
    message: /Raytheon/,
    fixed: withFeatures({}, { iidr: '0x43B' }),
  },
  {
    name: 'Secure ID fields without SECURE_IMPL (§3.10.2: the SMMU_S_* registers are RAZ/WI)',
    doc: withFeatures({ secureSidSize: 8 }),
    code: 'config.inconsistent',
    at: 'secureSidSize',
    message: /secureSidSize \(SMMU_S_IDR1\.S_SIDSIZE\) is set, but secure \(SMMU_S_IDR1\.SECURE_IMPL\) is 0.*§3\.10\.2/,
    fixed: withFeatures({ secureSidSize: 8, secure: true }, { accepted: { 'config.not-modelled-secure': 'test' } }),
  },
  {
    name: 'SECURE_IMPL needs S1P (§6.3.53)',
    doc: withFeatures({ stage1: false, stage2: true, xnx: true, secure: true }, { drivers: ['xen'] }),
    code: 'config.inconsistent',
    at: 'secure',
    message: /secure \(SMMU_S_IDR1\.SECURE_IMPL\) requires stage1 \(SMMU_IDR0\.S1P\) \(§6\.3\.53\)/,
    fixed: withFeatures({ stage2: true, xnx: true, secure: true }, { drivers: ['xen'] }),
  },
  {
    name: 'SEL2 needs both stages (§6.3.53)',
    doc: withFeatures({ secure: true, secureEl2: true }, { version: '3.2' }),
    code: 'config.inconsistent',
    at: 'secureEl2',
    fixed: withFeatures(
      { secure: true, secureEl2: true, stage2: true, hyp: true, xnx: true, ril: true, fwb: true, bbml: 2, had: true },
      { version: '3.2' },
    ),
  },
  {
    name: 'S_IDR0.STALL_MODEL equals IDR0.STALL_MODEL (§6.3.57: NSSTALLD resets to 0)',
    doc: withFeatures({ secure: true, stallModel: 'stall', secureStallModel: 'terminate' }),
    code: 'config.inconsistent',
    at: 'secureStallModel',
    message: /SMMU_IDR0\.STALL_MODEL reads SMMU_S_IDR0\.STALL_MODEL while SMMU_S_CR0\.NSSTALLD is 0/,
    fixed: withFeatures({ secure: true, stallModel: 'stall' }),
  },
  {
    name: 'SAMS needs ATS (§6.3.55)',
    doc: withFeatures({ secure: true, secureAtsNsOnly: true }),
    code: 'config.inconsistent',
    at: 'secureAtsNsOnly',
    fixed: withFeatures({ secure: true, secureAtsNsOnly: true, ats: true }),
  },
];

for (const c of CASES) {
  test(`rule: ${c.name}`, () => {
    const src = text(c.doc);
    const r = loadConfig(src);
    const where = c.at === 'iidr' ? valueAt(src, 'iidr') : valueAt(src, c.at);
    one(r.diagnostics, c.code, where, c.message);
    const fixed = loadConfig(text(c.fixed));
    none(
      fixed.diagnostics.filter((d) => d.severity !== 'info'),
      c.code,
    );
  });
}

test('every clean baseline used by the rule cases is clean', () => {
  const r = load(BASE);
  assert.deepEqual(
    [...errors(r.diagnostics), ...warnings(r.diagnostics)].filter((d) => d.code !== 'config.iidr'),
    [],
  );
});

test('IIDR of an Arm MMU-600/700 explains the Linux errata paths (info)', () => {
  const r600 = load({ ...BASE, iidr: { implementer: '0x43B', productId: '0x483', variant: 0, revision: 2 } });
  const i = only(r600.diagnostics, 'config.iidr');
  assert.equal(i.length, 1);
  assert.equal(i[0].severity, 'info');
  assert.match(
    i[0].message,
    /Arm MMU-600 r0p2: Linux drops SEV \(Arm erratum 1076982.*disables nesting \(Arm erratum 1209401/,
  );
  const r700 = load({ ...BASE, iidr: { implementer: '0x43B', productId: '0x487' } });
  assert.match(only(r700.diagnostics, 'config.iidr')[0].message, /MMU-700.*2812531/);
});

test('drivers: ["linux"] silences Xen\'s checks; both drivers share one refusal report', () => {
  none(load(BASE).diagnostics, 'config.xen-probe');
  const both = load(withFeatures({ ttf: 'aarch32', granules: ['4K'] }, { drivers: ['linux', 'xen'] }));
  assert.equal(only(both.diagnostics, 'config.linux-probe').length, 1);
  const xenOnly = load(withFeatures({ ttf: 'aarch32', granules: ['4K'], stage2: true }, { drivers: ['xen'] }));
  assert.match(
    only(xenOnly.diagnostics, 'config.xen-probe')[0].message,
    /^Xen's host driver would refuse: AArch64 table format not supported!/,
  );
  none(xenOnly.diagnostics, 'config.linux-probe');
  const zero = load(withFeatures({ cmdqSize: 0 }, { drivers: ['linux', 'xen'] }));
  assert.match(
    only(zero.diagnostics, 'config.xen-probe')
      .map((d) => d.message)
      .join('\n'),
    /unit-length command queue not supported/,
  );
  const opt = load(withFeatures({ cmdqSize: 0 }), { drivers: [] });
  none(opt.diagnostics, 'config.linux-probe');
});

test('queue-size notes give the memory of a maximum-size queue, at the size', () => {
  const src = text(withFeatures({ cmdqSize: 19, ats: true, pri: true, priqSize: 10 }));
  const r = loadConfig(src);
  const q = only(r.diagnostics, 'config.queue-size');
  assert.ok(q.every((d) => d.severity === 'info'));
  assert.deepEqual(
    q.map((d) => d.range.start),
    [valueAt(src, 'cmdqSize'), valueAt(src, 'priqSize')],
  );
  assert.match(q[0].message, /2\^19 = 524288 entries × 16 B = 8 MiB/);
  assert.match(q[1].message, /2\^10 = 1024 entries × 16 B = 16 KiB/);
});

test('RES0 bits and Reserved encodings in raw overrides are reported at the override', () => {
  const src = text({ ...BASE, registers: { IDR0: '0x8D44101A' } });
  one(loadConfig(src).diagnostics, 'config.reserved', valueAt(src, 'IDR0'), /RES0 bit 31/);
  const enc = text({ ...BASE, registers: { IDR0: { TTENDIAN: 1 } } });
  const r = loadConfig(enc);
  one(r.diagnostics, 'config.reserved', valueAt(enc, 'TTENDIAN'), /TTENDIAN\) = 1 \(0b01\) is a Reserved encoding/);
  one(r.diagnostics, 'config.linux-probe', valueAt(enc, 'TTENDIAN'));
  const vax = text({ ...BASE, registers: { IDR5: { VAX: 3 } } });
  one(loadConfig(vax).diagnostics, 'config.reserved', valueAt(vax, 'VAX'), /VAX = 0b11 is Reserved/);
  const aidr = text({ ...BASE, registers: { AIDR: 5 } });
  one(loadConfig(aidr).diagnostics, 'config.reserved', valueAt(aidr, 'AIDR'), /ArchMinorRev = 5/);
});

test('presetBases: the values TABLES_PRESET and QUEUES_PRESET fix (§6.3.2), whole or by field, carried into the configuration', () => {
  const c = load(
    withFeatures(
      { tablesPreset: true, queuesPreset: true },
      {
        presetBases: {
          STRTAB_BASE: '0x4000_0000',
          STRTAB_BASE_CFG: { FMT: 'TWO_LEVEL', SPLIT: 8, LOG2SIZE: 16 },
          CMDQ_BASE: { ADDR: '0x40100000', LOG2SIZE: 8 },
          EVENTQ_BASE: '0x40200007',
        },
      },
    ),
  );
  assert.deepEqual(
    c.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.deepEqual(only(c.diagnostics, 'config.preset'), []);
  assert.deepEqual(c.config!.presetBases, {
    STRTAB_BASE: 0x4000_0000n,
    STRTAB_BASE_CFG: 0x10210n,
    CMDQ_BASE: 0x4010_0008n,
    EVENTQ_BASE: 0x4020_0007n,
  });
  // Without a preset bit nothing is carried.
  assert.equal(load(BASE).config!.presetBases, undefined);
});

test('presetBases: each problem at its value; RES0 bits, RES0 fields, Reserved encodings and addresses above the OAS are errors', () => {
  const res0 = text(
    withFeatures(
      { tablesPreset: true },
      { presetBases: { STRTAB_BASE: '0x8000000000000000', STRTAB_BASE_CFG: '0x40000' } },
    ),
  );
  const r = loadConfig(res0).diagnostics;
  assert.deepEqual(
    only(r, 'config.reserved').map((d) => [d.range.start, d.message]),
    [
      [
        valueAt(res0, 'STRTAB_BASE'),
        'presetBases.STRTAB_BASE = 0x8000000000000000 sets RES0 bit 63 of SMMU_STRTAB_BASE (§6.3.24)',
      ],
      [
        valueAt(res0, 'STRTAB_BASE_CFG'),
        'presetBases.STRTAB_BASE_CFG = 0x00040000 sets RES0 bit 18 of SMMU_STRTAB_BASE_CFG (§6.3.25)',
      ],
    ],
  );
  // §6.3.25: FMT and SPLIT are RES0 with a linear-only Stream table (ST_LEVEL == 0b00).
  const linear = text(
    withFeatures(
      { tablesPreset: true, streamTable: 'linear', sidSize: 6 },
      { presetBases: { STRTAB_BASE: 0, STRTAB_BASE_CFG: { SPLIT: 8, LOG2SIZE: 6 } } },
    ),
  );
  one(
    loadConfig(linear).diagnostics,
    'config.reserved',
    valueAt(linear, 'SPLIT'),
    /STRTAB_BASE_CFG\.SPLIT = 8, but the field is RES0 because SMMU_IDR0\.ST_LEVEL == 1 does not hold/,
  );
  const fmt = text(
    withFeatures({ tablesPreset: true }, { presetBases: { STRTAB_BASE: 0, STRTAB_BASE_CFG: { FMT: 2 } } }),
  );
  one(
    loadConfig(fmt).diagnostics,
    'config.reserved',
    valueAt(fmt, 'FMT'),
    /FMT = 2 is a Reserved encoding \(§6\.3\.25\)/,
  );
  // QEMU's OAS is 44 bits (SMMU_IDR5.OAS = 0b100).
  const oas = text(
    withFeatures(
      { queuesPreset: true, oas: 44 },
      { presetBases: { CMDQ_BASE: { ADDR: '0x100000000000' }, EVENTQ_BASE: 0 } },
    ),
  );
  one(loadConfig(oas).diagnostics, 'config.range', valueAt(oas, 'ADDR'), /beyond the 44-bit output address size/);
  const unaligned = text(
    withFeatures({ queuesPreset: true }, { presetBases: { CMDQ_BASE: { ADDR: '0x40100010' }, EVENTQ_BASE: 0 } }),
  );
  one(
    loadConfig(unaligned).diagnostics,
    'config.value',
    valueAt(unaligned, 'ADDR'),
    /not a multiple of 32: SMMU_CMDQ_BASE\.ADDR holds address bits \[55:5\]/,
  );
  const unknown = text(withFeatures({ queuesPreset: true }, { presetBases: { CMDQ_PROD: 0 } }));
  one(
    loadConfig(unknown).diagnostics,
    'config.unknown-key',
    keyAt(unknown, 'CMDQ_PROD'),
    /a preset fixes only STRTAB_BASE, STRTAB_BASE_CFG, CMDQ_BASE, EVENTQ_BASE, PRIQ_BASE/,
  );
});

test('presetBases: warnings for values no preset fixes, fixed registers without a value, and what the SMMU caps or aligns', () => {
  const unused = text(withFeatures({}, { presetBases: { STRTAB_BASE: '0x40000000' } }));
  one(
    loadConfig(unused).diagnostics,
    'config.preset',
    valueAt(unused, 'STRTAB_BASE'),
    /presetBases\.STRTAB_BASE is not used: tablesPreset \(SMMU_IDR1\.TABLES_PRESET\) is not set/,
  );
  const missing = text(withFeatures({ queuesPreset: true }, { presetBases: { CMDQ_BASE: 0 } }));
  one(
    loadConfig(missing).diagnostics,
    'config.preset',
    valueAt(missing, 'queuesPreset'),
    /queuesPreset \(SMMU_IDR1\.QUEUES_PRESET\) fixes SMMU_EVENTQ_BASE, but presetBases gives no value for it: the model resets it to 0/,
  );
  const layout = text(
    withFeatures(
      { tablesPreset: true, queuesPreset: true, sidSize: 16 },
      {
        presetBases: {
          STRTAB_BASE: '0x40000400',
          STRTAB_BASE_CFG: { FMT: 'TWO_LEVEL', SPLIT: 7, LOG2SIZE: 20 },
          CMDQ_BASE: { ADDR: '0x40100020', LOG2SIZE: 8 },
          EVENTQ_BASE: { LOG2SIZE: 20 },
        },
      },
    ),
  );
  const w = only(loadConfig(layout).diagnostics, 'config.preset');
  assert.deepEqual(
    w.map((d) => d.severity),
    ['warning', 'warning', 'warning', 'warning', 'warning'],
  );
  assert.deepEqual(
    w.map((d) => [d.range.start, d.message]),
    [
      [
        valueAt(layout, 'STRTAB_BASE'),
        'presetBases.STRTAB_BASE 0x0000000040000400 is not aligned to the 131072-byte first-level table STRTAB_BASE_CFG describes: the SMMU treats the low address bits as zero and uses 0x0000000040000000 (§6.3.24)',
      ],
      [valueAt(layout, 'SPLIT'), 'presetBases.STRTAB_BASE_CFG.SPLIT 7 is not 6, 8 or 10: it behaves as 6 (§6.3.25)'],
      [
        valueAt(layout, 'LOG2SIZE'),
        'presetBases.STRTAB_BASE_CFG.LOG2SIZE 20 exceeds SMMU_IDR1.SIDSIZE 16: the SMMU uses 16 (§6.3.25)',
      ],
      [
        valueAt(layout, 'ADDR', 'CMDQ_BASE'),
        'presetBases.CMDQ_BASE 0x0000000040100020 is not aligned to the queue size (4096 bytes): the SMMU treats the low address bits as zero and uses 0x0000000040100000 (§6.3.26)',
      ],
      [
        valueAt(layout, 'LOG2SIZE', 'EVENTQ_BASE'),
        'presetBases.EVENTQ_BASE.LOG2SIZE 20 exceeds SMMU_IDR1.EVENTQS 8: the SMMU uses 8 (§6.3.26)',
      ],
    ],
  );
});

test('gbpa: Update must reset to 0', () => {
  const src = text({ ...BASE, gbpa: '0x80001000' });
  one(loadConfig(src).diagnostics, 'config.reserved', valueAt(src, 'gbpa'), /Update/);
  assert.equal(load({ ...BASE, gbpa: 0 }).config!.gbpaReset, 0);
});

test('choices select the CONSTRAINED UNPREDICTABLE behaviours', () => {
  const c = load({ ...BASE, choices: { illegalAccess: 'abort', page1Undefined: 'alias-page0' } }).config!;
  assert.deepEqual(
    c.choices,
    { page0AliasOfPage1: 'raz-wi', page1Undefined: 'alias-page0', illegalAccess: 'abort', illegal64BitAccess: 'abort' },
    '64-bit accesses follow illegalAccess unless chosen apart',
  );
  const apart = load({ ...BASE, choices: { illegalAccess: 'abort', illegal64BitAccess: 'raz-wi' } }).config!;
  assert.deepEqual([apart.choices.illegalAccess, apart.choices.illegal64BitAccess], ['abort', 'raz-wi']);
  const src = text({ ...BASE, choices: { illegalAccess: 'explode' } });
  one(loadConfig(src).diagnostics, 'config.value', valueAt(src, 'illegalAccess'), /"raz-wi", "abort"/);
});

// ---------------------------------------------------------------------------------------------
// Malformed input

test('syntax errors are positioned; a trailing comma and comments are named', () => {
  const r = loadConfig('{\n  "features": { "stage1": tru }\n}');
  const s = only(r.diagnostics, 'config.syntax');
  assert.ok(s.length >= 1);
  assert.deepEqual(s[0].range.start, { line: 1, character: 26 });
  const comma = loadConfig('{ "name": "x", }');
  assert.match(only(comma.diagnostics, 'config.syntax')[0].message, /trailing comma/);
  const comment = loadConfig('{ // note\n "name": "x" }');
  assert.match(only(comment.diagnostics, 'config.syntax')[0].message, /comments are not allowed/);
});

/** How many errors jsonc-parser itself reports for `text`, with the options parseJson gives it. */
function rawSyntaxErrors(text: string): number {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return errors.length;
}

test('a line of stray characters is one syntax error that counts the rest, and past 100 such lines one error counts the others', () => {
  // jsonc-parser reports each token it skips: 20,000 dashes made 20,000 errors, and as many lines
  // of `smmu check` output (more than the fuzzer's CLI harness kept).
  const full = fs.readFileSync(path.join(root, 'presets/qemu.smmu.json'), 'utf8').split('\n');
  full.splice(3, 0, '-'.repeat(20000));
  const one = only(loadConfig(full.join('\n')).diagnostics, 'config.syntax');
  assert.equal(one.length, 1, JSON.stringify(one.map((d) => d.message).slice(0, 3)));
  assert.deepEqual(one[0].range.start, { line: 3, character: 0 });
  assert.match(one[0].message, /^unexpected "-" \(and 19,999 more syntax errors after it on this line\)$/);
  // Two errors on one line: the first is listed, the second counted.
  const two = only(loadConfig('{ "a": 1 "b": 2 "c": 3 }').diagnostics, 'config.syntax');
  assert.equal(two.length, 1);
  assert.match(two[0].message, /^expected ',' between values \(and 1 more syntax error after it on this line\)$/);
  // 150 lines of errors: 100 listed, then one at the 101st line's first error counting the others.
  const many = loadConfig('{\n' + '@ %\n'.repeat(150) + '}').diagnostics;
  assert.equal(many.length, 101);
  assert.deepEqual(many[100].range.start, { line: 101, character: 0 });
  assert.match(
    many[100].message,
    /^\d+ more syntax errors from here on are not listed: fix the ones above and check again$/,
  );
  const counted = many.slice(0, 100).reduce((n, d) => n + 1 + Number(/\(and (\d+) more/.exec(d.message)?.[1] ?? 0), 0);
  const unlisted = Number(/^(\d+)/.exec(many[100].message)?.[1]);
  // Every error jsonc-parser reported is listed or counted, none twice.
  assert.equal(counted + unlisted, rawSyntaxErrors('{\n' + '@ %\n'.repeat(150) + '}'));
});

test('after a syntax error only the syntax errors are reported: a truncated file is not the configuration its author meant', () => {
  const full = fs.readFileSync(path.join(root, 'presets/qemu.smmu.json'), 'utf8');
  const truncated = full.slice(0, 300);
  const r = loadConfig(truncated);
  assert.ok(r.diagnostics.length >= 1);
  assert.deepEqual([...new Set(r.diagnostics.map((d) => d.code))], ['config.syntax'], JSON.stringify(r.diagnostics));
  // A well-formed file with the same keys missing still gets its semantic notes (the rules run).
  assert.ok(loadConfig('{ "name": "x" }').diagnostics.some((d) => d.code !== 'config.syntax'));
});

test('nesting deeper than jsonc-parser can recurse is a syntax error at the bracket that goes too deep, not an internal error', () => {
  // 20,000 `[` overflowed the parser's stack: loadConfig said "internal error … Maximum call stack".
  for (const open of ['[', '{"a":', '[{"a":']) {
    const src = '{ "registers": ' + open.repeat(20000);
    const ds = loadConfig(src).diagnostics;
    assert.deepEqual(
      ds.map((d) => d.code),
      ['config.syntax'],
      JSON.stringify(ds.map((d) => d.message)),
    );
    assert.match(ds[0].message, /nested more than 64 levels deep/);
    // At the 65th opening bracket (no string here holds one).
    const opens = [...src.matchAll(/[[{]/g)].map((m) => m.index);
    assert.deepEqual(ds[0].range.start, { line: 0, character: opens[64] });
  }
  // Brackets in strings do not count, and 64 levels are still parsed.
  assert.equal(
    loadConfig(`{ "name": "${'['.repeat(1000)}" }`).diagnostics.filter((d) => d.severity === 'error').length,
    0,
  );
  assert.ok(
    !loadConfig('{ "description": ' + '['.repeat(63) + ']'.repeat(63) + ' }').diagnostics.some((d) =>
      /nested/.test(d.message),
    ),
  );
});

test('wrong types, unknown keys and bad values are errors at the exact key or value', () => {
  const src = text({
    nme: 'x',
    features: { stage_1: true, pri: 'yes', ttf: 'arm64', oas: 50, sidSize: 100, granules: ['4K', '8K'] },
    version: '3.7',
    registers: { CR0: 1, IDR9: 0, IDR1: '0x1_0000_0000' },
  });
  const ds = loadConfig(src).diagnostics;
  one(
    ds.filter((d) => /nme/.test(d.message)),
    'config.unknown-key',
    keyAt(src, 'nme'),
    /did you mean "name"/,
  );
  one(
    ds.filter((d) => /stage_1/.test(d.message)),
    'config.unknown-key',
    keyAt(src, 'stage_1'),
    /did you mean "stage1"/,
  );
  one(ds, 'config.type', valueAt(src, 'pri'), /true or false for pri, found a string/);
  one(
    ds.filter((d) => /arm64/.test(d.message)),
    'config.value',
    valueAt(src, 'ttf'),
    /"aarch32", "aarch64", "both"/,
  );
  one(
    ds.filter((d) => /oas/.test(d.message)),
    'config.range',
    valueAt(src, 'oas'),
    /32, 36, 40, 42, 44, 48, 52, 56/,
  );
  one(
    ds.filter((d) => /sidSize/.test(d.message)),
    'config.range',
    valueAt(src, 'sidSize'),
    /at most 63/,
  );
  assert.ok(ds.some((d) => d.code === 'config.value' && /"8K" is not a granule/.test(d.message)));
  one(
    ds.filter((d) => /version/.test(d.message)),
    'config.value',
    valueAt(src, 'version'),
  );
  one(
    ds.filter((d) => /CR0/.test(d.message)),
    'config.value',
    keyAt(src, 'CR0'),
    /not an ID register/,
  );
  one(
    ds.filter((d) => /IDR9/.test(d.message)),
    'config.unknown-key',
    keyAt(src, 'IDR9'),
  );
  one(
    ds.filter((d) => /registers\.IDR1/.test(d.message)),
    'config.range',
    valueAt(src, 'IDR1'),
  );
});

test('non-objects, empty text and duplicates', () => {
  const arr = loadConfig('[1, 2]');
  assert.equal(arr.config, undefined);
  assert.equal(arr.diagnostics[0].code, 'config.type');
  const empty = loadConfig('');
  assert.equal(empty.config, undefined);
  assert.equal(empty.diagnostics[0].code, 'config.syntax');
  const dup = '{ "name": "a", "name": "b" }';
  const r = loadConfig(dup);
  one(r.diagnostics, 'config.duplicate-key', { line: 0, character: 2 });
  assert.equal(r.config!.name, 'b');
  const bom = loadConfig('\uFEFF{ "name": "bom" }');
  assert.equal(bom.config!.name, 'bom');
  assert.deepEqual(errors(bom.diagnostics), []);
});

test('docs/configuration.md names every feature, top-level key and rule code', () => {
  const doc = fs.readFileSync(path.join(root, 'docs', 'configuration.md'), 'utf8');
  for (const d of FEATURES) assert.ok(doc.includes(`| \`${d.key}\` |`), `feature ${d.key} is not in the docs' table`);
  for (const k of TOP_LEVEL_KEYS) assert.ok(doc.includes(`| \`${k}\` |`), `key ${k} is not documented`);
  for (const r of RULES) {
    assert.match(r.code, /^config\.[a-z][a-z0-9-]*$/);
    assert.ok(r.section.length > 0, r.summary);
    assert.ok(doc.includes(`\`${r.code}\``), `code ${r.code} is not documented`);
  }
});

test('docs/configuration.md lists every feature the model does not implement as the table says it; docs/engine.md names each', () => {
  const doc = fs.readFileSync(path.join(root, 'docs', 'configuration.md'), 'utf8');
  const engine = fs.readFileSync(path.join(root, 'docs', 'engine.md'), 'utf8');
  for (const f of UNMODELLED_FEATURES) {
    const row = `| \`config.not-modelled-${f.id}\` | SMMU_${f.field.register}.${f.field.field}${f.holdsText ? ` (${f.holdsText})` : ''} | ${f.what} |`;
    assert.ok(doc.includes(row), `docs/configuration.md lacks the row ${row}`);
    assert.ok(engine.includes(`-${f.id}\``), `docs/engine.md does not name config.not-modelled-${f.id}`);
  }
  // …and no row for a feature that has been modelled since.
  const rows = [...doc.matchAll(/^\| `config\.not-modelled-([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(
    rows,
    UNMODELLED_FEATURES.map((f) => f.id),
  );
});

// ---------------------------------------------------------------------------------------------
// Properties (fast-check, fixed seed)

function insideText(src: string, d: ConfigDiagnostic): boolean {
  const lines = src.split(/\r\n|\r|\n/);
  const ok = (p: { line: number; character: number }) =>
    Number.isInteger(p.line) &&
    Number.isInteger(p.character) &&
    p.line >= 0 &&
    p.line < lines.length &&
    p.character >= 0 &&
    p.character <= lines[p.line].length;
  const s = d.range.start;
  const e = d.range.end;
  return ok(s) && ok(e) && (s.line < e.line || (s.line === e.line && s.character <= e.character));
}

const jsonish = fc.oneof(
  fc.json(),
  fc.string({
    unit: fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
      '"',
      ' ',
      '\n',
      '\r\n',
      '\r',
      'a',
      '1',
      '0x1F',
      'true',
      'features',
      'stage1',
      'registers',
      'IDR0',
      'base',
      'qemu',
      '\\',
      '/',
      '*',
      '\uFEFF',
      'é',
      '😀',
      '\uD800',
      '-',
      '.',
      'e',
    ),
  }),
  fc
    .tuple(fc.constantFrom(...Object.keys(PRESET_DOCUMENTS)), fc.nat(), fc.nat(), fc.string())
    .map(([name, a, b, junk]) => {
      const t = presetFileText(name)!;
      const i = a % (t.length + 1);
      const j = Math.min(t.length, i + (b % 40));
      return t.slice(0, i) + junk + t.slice(j);
    }),
  fc
    .record(
      {
        features: fc.dictionary(fc.constantFrom(...FEATURES.map((d) => d.key), 'nope'), fc.jsonValue()),
        registers: fc.dictionary(
          fc.constantFrom('IDR0', 'IDR1', 'IDR3', 'IDR5', 'IIDR', 'AIDR', 'CR0', 'X'),
          fc.jsonValue(),
        ),
        version: fc.jsonValue(),
        base: fc.jsonValue(),
        iidr: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
);

test('property: any JSON-ish text loads without throwing, and every diagnostic range lies inside the text', () => {
  fc.assert(
    fc.property(jsonish, (src) => {
      const r = loadConfig(src);
      for (const d of r.diagnostics) {
        assert.ok(insideText(src, d), `range ${JSON.stringify(d.range)} outside the text for ${d.code}: ${d.message}`);
        assert.notEqual(d.code, 'config.internal', d.message);
        assert.ok(['error', 'warning', 'info'].includes(d.severity));
      }
      if (r.config)
        for (const v of Object.values(r.config.ids)) assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff);
    }),
    { seed: 0x5eed, numRuns: 600 },
  );
});

const featureValue = (key: string): fc.Arbitrary<FeatureValue> => {
  const d = FEATURES.find((x) => x.key === key)!;
  const k = d.kind;
  switch (k.type) {
    case 'bool':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...k.choices.map((c) => c.name));
    case 'int':
      return fc.integer({ min: k.min, max: k.max });
    case 'size':
      return fc.constantFrom(...k.choices.map((c) => c.bits));
    case 'granules':
      return fc.subarray([...GRANULES]);
  }
};

test('property: featuresOf(load(features)) gives the features back', () => {
  const features = fc.record(Object.fromEntries(FEATURES.map((d) => [d.key, featureValue(d.key)])), {
    requiredKeys: [],
  });
  fc.assert(
    fc.property(features, fc.constantFrom('3.0', '3.1', '3.2', '3.3', '3.4'), (f, version) => {
      const r = load({ version, features: f });
      const back = featuresOf(r.config!.ids);
      assert.equal(back.version, version);
      for (const [k, v] of Object.entries(f)) assert.deepEqual(back.features[k], v, k);
    }),
    { seed: 0x5eed, numRuns: 300 },
  );
});

test('§3.5.6, §6.3.45: ECMDQ is modelled: its features give SMMU_IDR6, and advertising it is not reported as unmodelled', () => {
  const r = loadConfig(
    text(
      withFeatures(
        { ecmdq: true, msi: true, coherent: true, ecmdqLog2Pages: 2, ecmdqLog2Queues: 5 },
        { version: '3.3' },
      ),
    ),
  );
  assert.deepEqual(
    r.diagnostics
      .filter((d) => d.code.includes('ecmdq') || /^config\.(inconsistent|range)$/.test(d.code))
      .map((d) => d.code),
    [],
  );
  assert.equal(r.config?.ids.IDR6, (2 << 24) | (5 << 16));
  assert.equal((r.config?.ids.IDR1 ?? 0) >>> 31, 1);
});
