// Extracts, from the Markdown text of the Arm SMMUv3 specification (IHI0070 G.b), every field
// position the text states, into test/fixtures/spec/ihi0070-fields.json, which
// test/core/registers/spec-fields.test.ts compares with core/'s declarative tables.
//
// Source: the public repository wuyongzheng/arm-md-specs, folder smmu/ (one file a section).
//   node scripts/extract-spec-fields.mjs PATH          PATH: a checkout (with smmu/) or its git dir
//   node scripts/extract-spec-fields.mjs PATH --check  exit 1 if the committed file differs
//
// What it reads (the text only; positions the Markdown shows as images are not in it):
// - §6.2.1 and §6.2.2: page 0 (Secure registers included) and page 1 register offsets, widths and access;
// - §6.3.N: each register's field headings, "NAME, bits [H:L]" / "NAME, bit [N]";
// - §6.3.170 ID_REGS: the CoreSight ID registers' table, with the values it assigns;
// - §5.1–§5.4: L1STD, STE, L1CD and CD field headings, in the same form;
// - §4.4: the TLB invalidation range fields, given as a table "| [H:L] | NAME |".
// Command and event record layouts (§4.x, §7.3) are drawn as images whose Markdown rendering is a
// grid of bit numbers that cannot be read reliably; they are not extracted.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(root, 'test/fixtures/spec/ihi0070-fields.json');

const [source] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const check = process.argv.includes('--check');
if (!source) {
  console.error('usage: node scripts/extract-spec-fields.mjs PATH-TO-arm-md-specs [--check]');
  process.exit(2);
}

const isCheckout = existsSync(join(source, 'smmu'));
const git = (...args) =>
  execFileSync('git', isCheckout ? ['-C', source, ...args] : ['--git-dir', source, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
const commit = git('rev-parse', 'HEAD').trim();
const files = git('ls-tree', '--name-only', 'HEAD', 'smmu/').split('\n').filter(Boolean);
const read = (section) => {
  const path = `smmu/smmu-${section}.md`;
  return isCheckout ? readFileSync(join(source, path), 'utf8') : git('show', `HEAD:${path}`);
};

const unescape = (s) => s.replace(/\\_/g, '_').replace(/&lt;/g, '<').replace(/&gt;/g, '>').trim();

/**
 * Field headings: "## NAME, bits [H:L]", "## NAME, bit [N]" and the arrays "## S2POI<p> , bits
 * [4p+451:4p+448], for p = 15 to 0" (recorded with the span of all their elements and `each`, the
 * element width). IMPLEMENTATION DEFINED fields keep that name; reserved "Bits [..]" are skipped.
 * One heading of §6.3.20 lost its "## " in the Markdown (CMDQP_ERR): a line that is nothing but a
 * heading's text is read as one.
 */
function headingFields(text) {
  const out = [];
  const seen = new Set();
  const add = (field) => {
    const key = `${field.name}@${field.msb}:${field.lsb}`;
    if (seen.has(key)) return; // the same field under two conditions
    seen.add(key);
    out.push(field);
  };
  for (const m of text.matchAll(/^(?:## )?([A-Za-z][A-Za-z0-9\\_ &;<>]*?), bits? \[(\d+)(?::(\d+))?\]\s*$/gm)) {
    const name = unescape(m[1]);
    if (/^(Bits?|Reserved)$/i.test(name)) continue;
    const msb = Number(m[2]);
    add({ name, msb, lsb: m[3] === undefined ? msb : Number(m[3]) });
  }
  const arrays =
    /^## (.+?)\s*, bits \[(\d+)([a-z])\+(\d+):(\d+)\3(?:\+(\d+))?\], for \3 = (\d+) to (\d+)\s*$/gm;
  for (const m of text.matchAll(arrays)) {
    const [k, hi, lo, top, bottom] = [m[2], m[4], m[6] ?? '0', m[7], m[8]].map(Number);
    const first = Math.min(top, bottom);
    const last = Math.max(top, bottom);
    add({ name: unescape(m[1]), msb: k * last + hi, lsb: k * first + lo, each: hi - lo + 1 });
  }
  return out;
}

// --- registers ----------------------------------------------------------------------------------

const overview = read('6.2');
const pageText = (from, to) => overview.slice(overview.indexOf(from), to ? overview.indexOf(to) : undefined);
const offsets = {};
for (const [text, page] of [
  [pageText('## 6.2.1 ', '## 6.2.2 '), 0],
  [pageText('## 6.2.2 ', '## 6.2.3 '), 0x10000],
]) {
  // The Secure registers' rows say "32-bit, Secure, RO" (§6.2.1).
  for (const m of text.matchAll(
    /^\|\s*0x([0-9A-F]+)\s*\|\s*SMMU_([A-Z0-9_]+)\s*\|\s*(32|64)-bit,\s*(Secure,\s*)?(RO|RW)\s*\|/gm,
  )) {
    offsets[m[2]] = {
      offset: page + parseInt(m[1], 16),
      width: Number(m[3]),
      access: m[5],
      ...(m[4] ? { security: 'secure' } : {}),
    };
  }
}

const registers = {};
const bySection = (a, b) => {
  const n = (f) => (f.match(/\d+/g) ?? []).map(Number);
  const [x, y] = [n(a), n(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
  return 0;
};
for (const file of [...files].sort(bySection)) {
  const section = /^smmu\/smmu-(6\.3\.\d+)\.md$/.exec(file)?.[1];
  if (!section) continue;
  const text = read(section);
  const title = /^## 6\.3\.\d+ SMMU_(.+)$/m.exec(unescape(text.split('\n')[0] ?? ''));
  if (!title) continue;
  // Arrays are titled "SMMU_ECMDQ_BASE<n>, n = 0 - 255": the name is the part before the comma.
  const name = title[1].split(',')[0].trim();
  if (/^(R|ROOT)_/.test(name)) continue; // Realm and Root registers: this model has no Realm state
  registers[name] = { section, ...(offsets[name] ?? {}), fields: headingFields(text) };
}

// §6.3.170 ID_REGS is one table of the CoreSight identification registers, "| 0xFE4 | SMMU_PIDR1,
// Peripheral ID1 | [7:4] | IMPDEF | DES_0: bits [3:0] of … |": each row a field, named by its
// meaning (up to a colon), with the value the Arm assignment gives when it is a number.
for (const m of read('6.3.170').matchAll(
  /^\|\s*0x([0-9A-F]{3})\s*\|\s*SMMU_([PC]IDR\d),[^|]*\|\s*(?:\[(\d+)(?::(\d+))?\])?\s*\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|/gm,
)) {
  const [, offset, name, msb, lsb, value, meaning] = m;
  const reg = (registers[name] ??= { section: '6.3.170', offset: parseInt(offset, 16), width: 32, access: 'RO', fields: [] });
  if (msb === undefined) continue; // PIDR5–7: reserved, RES0
  const field = { name: meaning.split(':')[0].trim(), msb: Number(msb), lsb: lsb === undefined ? Number(msb) : Number(lsb) };
  const n = /^0x([0-9A-F]+)$/i.exec(value) ?? /^(\d+)$/.exec(value);
  if (n) field.value = value.startsWith('0x') ? parseInt(n[1], 16) : Number(n[1]);
  reg.fields.push(field);
}

// --- structures and the command fields the text gives --------------------------------------------

const structures = {};
for (const [name, section] of [
  ['L1STD', '5.1'],
  ['STE', '5.2'],
  ['L1CD', '5.3'],
  ['CD', '5.4'],
]) {
  structures[name] = { section, fields: headingFields(read(section)) };
}

const rangeFields = [];
for (const m of read('4.4').matchAll(/^\|\s*\[(\d+)(?::(\d+))?\]\s*\|\s*([A-Za-z0-9_]+)\s*\|/gm)) {
  rangeFields.push({ name: m[3], msb: Number(m[1]), lsb: m[2] === undefined ? Number(m[1]) : Number(m[2]) });
}
const commands = { 'TLBI range (§4.4.1)': { section: '4.4', fields: rangeFields } };

const result = {
  source: {
    repository: 'wuyongzheng/arm-md-specs',
    commit,
    specification: 'Arm IHI0070 G.b (SMMUv3.0–3.4), as Markdown',
    regenerate: 'node scripts/extract-spec-fields.mjs PATH-TO-arm-md-specs',
  },
  registers,
  structures,
  commands,
};
const text = JSON.stringify(result, null, 1) + '\n';
if (check) {
  const committed = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  if (committed !== text) {
    console.error(`${OUT} differs from a fresh extraction of ${source} at ${commit}`);
    process.exit(1);
  }
} else {
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, text);
  const count = (o) => Object.values(o).reduce((n, r) => n + r.fields.length, 0);
  console.log(
    `${Object.keys(registers).length} registers (${count(registers)} fields), ${count(structures)} structure fields, ${rangeFields.length} command fields from ${commit}`,
  );
}
