/**
 * core/'s declarative tables against the field positions the specification's text states
 * (IHI0070 G.b as Markdown, extracted by scripts/extract-spec-fields.mjs into
 * test/fixtures/spec/ihi0070-fields.json, which names the source commit and how to regenerate it).
 * A table edit that moves a field, renames it or drops one the text defines fails here.
 *
 * What the text does not give (command and event record layouts are images, §4, §7.3) is not
 * compared here; test/core/commands and test/core/events check those against literal facts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTERS } from '../../../core/registers/table';
import { UNMODELLED_FEATURES } from '../../../core/registers/not-modelled';
import { ARRAY_REGISTERS } from '../../../core/registers/ecmdq';
import { COMMANDS } from '../../../core/commands/table';
import { SECURE_STE, STE } from '../../../core/structures/ste';
import { CD } from '../../../core/structures/cd';
import { L1CD, L1STD } from '../../../core/structures/l1';
import { CORESIGHT_FIXED } from '../../../core/registers/coresight';

interface SpecField {
  readonly name: string;
  readonly msb: number;
  readonly lsb: number;
  /** The value §6.3.170 assigns a CoreSight ID field, when it is a number. */
  readonly value?: number;
}
interface SpecEntry {
  readonly section: string;
  readonly offset?: number;
  readonly width?: number;
  readonly access?: string;
  /** `secure` for the rows §6.2.1 marks "Secure" (the SMMU_S_* registers). */
  readonly security?: string;
  readonly fields: readonly SpecField[];
}
interface Extraction {
  readonly source: { readonly repository: string; readonly commit: string };
  readonly registers: Readonly<Record<string, SpecEntry>>;
  readonly structures: Readonly<Record<string, SpecEntry>>;
  readonly commands: Readonly<Record<string, SpecEntry>>;
}

const SPEC = JSON.parse(
  readFileSync(join(__dirname, '../../../../test/fixtures/spec/ihi0070-fields.json'), 'utf8'),
) as Extraction;

const pos = (f: { msb: number; lsb: number }) => (f.msb === f.lsb ? `[${f.msb}]` : `[${f.msb}:${f.lsb}]`);

/**
 * How a name of ours stands for a heading of the text: the same name (any case); IMPDEF, IMPDEF1,
 * … for "IMPLEMENTATION DEFINED"; S2POI for the array "S2POI<p>" over the same bits; HWU061 and
 * HWU062 for "HWU0<x>, bits [127:126]" (x = 61, 62), each inside the array's bits.
 */
function stands(ours: { name: string; msb: number; lsb: number }, theirs: SpecField): 'same' | 'moved' | 'other' {
  const name = ours.name.toUpperCase();
  const heading = theirs.name.toUpperCase();
  const at = ours.msb === theirs.msb && ours.lsb === theirs.lsb;
  // §6.3.170 names some CoreSight ID fields by their meaning: "Preamble" is CoreSight's PRMBL_n,
  // "JEDEC-assigned value for DES always used" its JEDEC bit.
  const meaning = CORESIGHT_MEANINGS.find(([re]) => re.test(name));
  if (meaning) return heading === meaning[1] ? (at ? 'same' : 'moved') : 'other';
  if (heading === 'IMPLEMENTATION DEFINED') return /^IMPDEF\d*$/.test(name) ? (at ? 'same' : 'moved') : 'other';
  const array = /^(.+)<[a-z]>$/i.exec(heading);
  if (array) {
    const prefix = array[1] as string;
    if (name === prefix) return at ? 'same' : 'moved';
    if (name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
      return ours.lsb >= theirs.lsb && ours.msb <= theirs.msb ? 'same' : 'moved';
    return 'other';
  }
  return name === heading ? (at ? 'same' : 'moved') : 'other';
}

const CORESIGHT_MEANINGS: readonly (readonly [RegExp, string])[] = [
  [/^PRMBL_\d$/, 'PREAMBLE'],
  [/^JEDEC$/, 'JEDEC-ASSIGNED VALUE FOR DES ALWAYS USED'],
];

/** Disagreements between a table's fields and the text's, one line each. */
function compareFields(
  what: string,
  section: string,
  ours: readonly { name: string; msb: number; lsb: number }[],
  spec: readonly SpecField[],
): string[] {
  const out: string[] = [];
  for (const f of ours) {
    const verdicts = spec.map((t) => stands(f, t));
    if (verdicts.includes('same')) continue;
    const moved = spec.filter((_, i) => verdicts[i] === 'moved');
    if (moved.length) out.push(`${what}.${f.name} is ${pos(f)}, §${section} says ${moved.map(pos).join(' or ')}`);
    else out.push(`${what}.${f.name} ${pos(f)}: no such field in §${section}`);
  }
  for (const t of spec)
    if (!ours.some((f) => stands(f, t) !== 'other')) out.push(`${what}.${t.name} ${pos(t)} (§${section}) is missing`);
  return out;
}

test('the extraction names its source', () => {
  assert.equal(SPEC.source.repository, 'wuyongzheng/arm-md-specs');
  assert.match(SPEC.source.commit, /^[0-9a-f]{40}$/);
});

test('§6.2, §6.3: every register of the table is where the specification puts it, with its fields', () => {
  const out: string[] = [];
  for (const reg of REGISTERS) {
    const spec = SPEC.registers[reg.name];
    if (!spec) {
      out.push(`${reg.name}: no register of that name in §6.3`);
      continue;
    }
    if (spec.section !== reg.section) out.push(`${reg.name}: section §${reg.section}, the text §${spec.section}`);
    // The VATOS page's offsets (§6.2.3) are relative to the page and not in the extraction:
    // test/core/engine/vatos.test.ts checks them. Their fields are compared below.
    const placed = reg.page === 'vatos' && spec.offset === undefined;
    if (!placed && spec.offset !== reg.offset) out.push(`${reg.name}: offset ${reg.offset}, §6.2 says ${spec.offset}`);
    if (!placed && spec.width !== reg.width) out.push(`${reg.name}: ${reg.width}-bit, §6.2 says ${spec.width}`);
    if (!placed && spec.access !== reg.access) out.push(`${reg.name}: ${reg.access}, §6.2 says ${spec.access}`);
    if (spec.security !== reg.security)
      out.push(`${reg.name}: ${reg.security ?? 'Non-secure'} register, §6.2 says ${spec.security ?? 'Non-secure'}`);
    out.push(...compareFields(reg.name, spec.section, reg.fields, spec.fields));
  }
  assert.deepEqual(out, []);
});

test('§6.3: every Non-secure and Secure register of the text is modelled or listed with its unmodelled feature', () => {
  const known = new Set([
    ...REGISTERS.map((r) => r.name as string),
    ...UNMODELLED_FEATURES.flatMap((f) => f.registers.map((r) => r.name)),
    ...ARRAY_REGISTERS.map((r) => `${r.name}<n>`),
  ]);
  // The Secure registers of features the model does not implement (S2PI, ATOS, MPAM, VATOS, the
  // Secure ECMDQ of SMMU_S_IDR0.ECMDQ) are undefined locations in the model, RES0.
  assert.deepEqual(
    Object.keys(SPEC.registers).filter((n) => !known.has(n)),
    [
      'S_S2PII',
      'S_GATOS_CTRL',
      'S_GATOS_SID',
      'S_GATOS_ADDR',
      'S_GATOS_PAR',
      'S_MPAMIDR',
      'S_GMPAM',
      'S_GBPMPAM',
      'S_VATOS_SEL',
      'S_IDR6',
      'S_CMDQ_CONTROL_PAGE_BASE<n>',
      'S_CMDQ_CONTROL_PAGE_CFG<n>',
      'S_CMDQ_CONTROL_PAGE_STATUS<n>',
      'S_VATOS_CTRL',
      'S_VATOS_SID',
      'S_VATOS_ADDR',
      'S_VATOS_PAR',
    ],
  );
});

test('§3.5.6, §6.3.49–§6.3.51, §6.3.107–§6.3.109: the ECMDQ register arrays have the fields of the text', () => {
  const out: string[] = [];
  for (const reg of ARRAY_REGISTERS) {
    const spec = SPEC.registers[`${reg.name}<n>`];
    if (!spec) {
      out.push(`${reg.name}<n>: no register of that name in §6.3`);
      continue;
    }
    if (spec.section !== reg.section) out.push(`${reg.name}: section §${reg.section}, the text §${spec.section}`);
    out.push(...compareFields(reg.name, spec.section, reg.fields, spec.fields));
  }
  assert.deepEqual(out, []);
});

test('§6.2: the registers of unmodelled features are at the offsets the specification gives', () => {
  const out: string[] = [];
  for (const feature of UNMODELLED_FEATURES)
    for (const r of feature.registers) {
      const spec = SPEC.registers[r.name];
      if (!spec) {
        out.push(`${r.name}: no register of that name in §6.3`);
        continue;
      }
      if (spec.section !== r.section) out.push(`${r.name}: section §${r.section}, the text §${spec.section}`);
      if (spec.offset !== undefined && spec.offset !== r.offset)
        out.push(`${r.name}: offset ${r.offset}, §6.2 says ${spec.offset}`);
      if (spec.width !== undefined && spec.width !== r.width)
        out.push(`${r.name}: ${r.width}-bit, §6.2 says ${spec.width}`);
    }
  assert.deepEqual(out, []);
});

test('§6.3.170: the CoreSight ID values the configuration rules expect are the ones the text assigns', () => {
  const ours = CORESIGHT_FIXED.map((x) => {
    const f = REGISTERS.find((r) => r.name === x.register)?.fields.find((g) => g.name === x.field);
    return `${x.register}[${f?.msb}:${f?.lsb}] = ${x.value}`;
  });
  const theirs = Object.entries(SPEC.registers)
    .filter(([, r]) => r.section === '6.3.170')
    .flatMap(([name, r]) =>
      r.fields.filter((f) => f.value !== undefined).map((f) => `${name}[${f.msb}:${f.lsb}] = ${f.value}`),
    );
  assert.ok(theirs.length >= 7, theirs.join());
  assert.deepEqual([...ours].sort(), [...theirs].sort());
});

/**
 * Fields the text defines and the structure tables leave out on purpose, each with its reason. The
 * test fails when one is added to a table (take it off this list) or another goes missing.
 */
const ABSENT_ON_PURPOSE: Readonly<Record<string, string>> = {
  'STE.S2NSW [192]': 'Secure streams only: in the Secure Stream table layout (SECURE_STE, checked above)',
  'STE.S2NSA [193]': 'Secure streams only (SECURE_STE)',
  'STE.S_S2T0SZ [293:288]': 'Secure streams only (SECURE_STE)',
  'STE.S_S2SL0 [295:294]': 'Secure streams only (SECURE_STE)',
  'STE.S_S2TG [303:302]': 'Secure streams only (SECURE_STE)',
  'STE.MECID [319:304]': 'Memory Encryption Contexts (Realm streams, RME)',
  'STE.MPAM_NS [328]': 'MPAM for Secure streams',
  'STE.S2SW [384]': 'Secure streams only (SECURE_STE)',
  'STE.S2SA [385]': 'Secure streams only (SECURE_STE)',
  'STE.S_S2SL0_2 [386]': 'Secure streams only (SECURE_STE)',
  'STE.S_S2TTB [439:388]': 'Secure streams only (SECURE_STE)',
  'STE.S_S2SKL [446:445]': 'Secure stage 2 with 128-bit descriptors; D128 is not modelled',
  'CD.DisCH0 [65]': 'the VMSAv9-128 (SMMU_IDR5.D128) meaning of HAD0’s bit; D128 is not modelled',
  'CD.SKL0 [127:126]': 'the VMSAv9-128 meaning of HWU0<x>’s bits; D128 is not modelled',
  'CD.DisCH1 [129]': 'the VMSAv9-128 meaning of HAD1’s bit; D128 is not modelled',
  'CD.SKL1 [191:190]': 'the VMSAv9-128 meaning of HWU1<x>’s bits; D128 is not modelled',
};

test('§5.2: the Secure-only STE fields (the Secure Stream table layout) are where the specification puts them', () => {
  const spec = new Map((SPEC.structures.STE?.fields ?? []).map((f) => [f.name.toUpperCase(), f]));
  const secureOnly = SECURE_STE.fields.filter((f) => !STE.fields.some((g) => g.name === f.name));
  const wrong = secureOnly.flatMap((f) => {
    const s = spec.get(f.name.toUpperCase());
    if (!s) return [`${f.name}: not in the extraction`];
    return s.msb === f.msb && s.lsb === f.lsb ? [] : [`${f.name} ${pos(f)}: the text puts it at ${pos(s)}`];
  });
  assert.deepEqual(wrong, []);
  assert.ok(secureOnly.length >= 8, secureOnly.map((f) => f.name).join());
});

test('§5.1–§5.4: L1STD, STE, L1CD and CD fields are where the specification puts them', () => {
  const out: string[] = [];
  for (const def of [L1STD, STE, L1CD, CD]) {
    const spec = SPEC.structures[def.name];
    assert.ok(spec, def.name);
    out.push(...compareFields(def.name, spec.section, def.fields, spec.fields));
  }
  const absent = Object.keys(ABSENT_ON_PURPOSE).map((k) => `${k} (§${k.startsWith('STE') ? '5.2' : '5.4'}) is missing`);
  assert.deepEqual(out, absent);
});

test('§4.4.1: the range invalidation fields of every TLBI command are where the text puts them', () => {
  const spec = SPEC.commands['TLBI range (§4.4.1)'];
  assert.ok(spec);
  const out: string[] = [];
  const withRange = COMMANDS.filter((c) => c.fields.some((f) => f.name === 'SCALE'));
  assert.ok(withRange.length >= 6, withRange.map((c) => c.name).join());
  for (const c of withRange)
    out.push(
      ...compareFields(
        c.name,
        spec.section,
        c.fields.filter((f) => spec.fields.some((t) => t.name === f.name)),
        spec.fields,
      ),
    );
  assert.deepEqual(out, []);
});
