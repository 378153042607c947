/**
 * `smmu export svd`: the CMSIS-SVD file read back by libxml2's xmllint (Debian's libxml2-utils,
 * installed by scripts/setup-qemu.sh), an XML reader this project did not write. The file must be
 * well-formed XML, and what xmllint reads from it must be the register table under the
 * configuration: both pages at their addresses (§6.1), 64-bit registers as 32-bit halves, the
 * fields of advertised features only, enumerated values, access and reset values.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { smmu, tmp } from '../harness/cli-harness';
import { missingTool } from '../harness/qemu-kit';
import { root } from '../harness/root';
import { loadConfig } from '../../core/config/load';
import { REGISTERS } from '../../core/registers/table';
import { featureHolds } from '../../core/registers/codec';
import { idViewOf } from '../../core/model/ids';

/** Export to a file and return a reader of XPath expressions over it. */
function exported(...args: string[]): (xpath: string) => string {
  const file = tmp('smmu.svd', '');
  const r = smmu('export', 'svd', ...args, '-o', file);
  assert.equal(r.code, 0, r.err);
  assert.equal(missingTool('xmllint'), null, 'xmllint is missing: run scripts/setup-qemu.sh');
  const wellFormed = spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' });
  assert.equal(wellFormed.status, 0, wellFormed.stderr);
  return (xpath) => {
    const q = spawnSync('xmllint', ['--xpath', xpath, file], { encoding: 'utf8' });
    return q.status === 0 ? q.stdout.trim() : '';
  };
}

const PRESETS = path.join(root, 'presets');

test('smmu export svd: both pages, every implemented register as 32-bit words, read back by xmllint', () => {
  for (const preset of ['qemu-7.2', 'smmuv3.2-full']) {
    const file = path.join(PRESETS, `${preset}.smmu.json`);
    const config = loadConfig(fs.readFileSync(file, 'utf8')).config;
    assert.ok(config);
    const ids = idViewOf(config);
    const x = exported('--config', file);
    assert.equal(x('string(/device/@schemaVersion)'), '1.3');
    assert.equal(x('string(/device/peripherals/peripheral[1]/baseAddress)'), '0x9050000');
    assert.equal(x('string(/device/peripherals/peripheral[2]/baseAddress)'), '0x9060000');
    // The registers of the configuration, in offset order, 64-bit ones as _LO and _HI at +4;
    // GATOS_PAR's fault layout (FAULT == 1, §6.3.40) follows as alternate registers at its offsets.
    const want = REGISTERS.filter((r) => !r.requires || featureHolds(r.requires, ids)).flatMap((r) => {
      const words =
        r.width === 64
          ? [`${r.name}_LO@${r.offset % 0x10000}`, `${r.name}_HI@${(r.offset % 0x10000) + 4}`]
          : [`${r.name}@${r.offset % 0x10000}`];
      return r.name === 'GATOS_PAR' || r.name === 'VATOS_PAR'
        ? [...words, ...words.map((w) => w.replace('ATOS_PAR', 'ATOS_PAR_FAULT1'))]
        : words;
    });
    const n = Number(x('count(//register)'));
    const got: string[] = [];
    for (let i = 1; i <= n; i++)
      got.push(`${x(`string((//register)[${i}]/name)`)}@${Number(x(`string((//register)[${i}]/addressOffset)`))}`);
    assert.deepEqual(got, want, preset);
    assert.equal(x('count(//register[size != 32])'), '0');
    if (featureHolds({ register: 'IDR0', field: 'ATOS' }, ids)) {
      assert.equal(x('string(//register[name="GATOS_PAR_FAULT1_LO"]/alternateRegister)'), 'GATOS_PAR_LO');
      assert.equal(x('count(//register[name="GATOS_PAR_FAULT1_LO"]/fields/field[name="FAULTCODE"])'), '1');
      assert.equal(x('count(//register[name="GATOS_PAR_LO"]/fields/field[name="FAULTCODE"])'), '0');
    }
    // The VATOS page (§6.2.3), a third peripheral at 0x20000 + SMMU_IDR2.BA_VATOS × 64 KB (BA_VATOS 0 here).
    const vatos = featureHolds({ register: 'IDR0', field: 'VATOS' }, ids);
    assert.equal(x('string(/device/peripherals/peripheral[3]/baseAddress)'), vatos ? '0x9070000' : '', preset);
    if (vatos) assert.equal(x('string(/device/peripherals/peripheral[3]/registers/register[1]/name)'), 'VATOS_CTRL');
    // PRIQ registers only where IDR0.PRI is advertised (§6.3.33).
    assert.equal(
      x('count(//register[name="PRIQ_PROD"])'),
      featureHolds({ register: 'IDR0', field: 'PRI' }, ids) ? '1' : '0',
    );
    // The ID registers read their configured values.
    assert.equal(Number(x('string(//register[name="IDR0"]/resetValue)')), config.ids.IDR0, preset);
    assert.equal(x('string(//register[name="IDR0"]/access)'), 'read-only');
  }
});

test('smmu export svd: fields with enumerated values, unadvertised fields left out, split address fields', () => {
  const qemu = exported('--config', path.join(PRESETS, 'qemu-7.2.smmu.json'));
  const full = exported('--config', path.join(PRESETS, 'smmuv3.2-full.smmu.json'));
  // CR0 (§6.3.9): SMMUEN at bit 0 with its encodings; PRIQEN only with IDR0.PRI.
  const smmuen = '//register[name="CR0"]/fields/field[name="SMMUEN"]';
  assert.equal(qemu(`string(${smmuen}/bitOffset)`), '0');
  assert.equal(qemu(`string(${smmuen}/bitWidth)`), '1');
  assert.equal(qemu(`string(${smmuen}/enumeratedValues/enumeratedValue[value="1"]/name)`), 'ENABLED');
  assert.equal(qemu('count(//register[name="CR0"]/fields/field[name="PRIQEN"])'), '0');
  assert.equal(full('count(//register[name="CR0"]/fields/field[name="PRIQEN"])'), '1');
  assert.equal(qemu('string(//register[name="CR0"]/access)'), 'read-write');
  assert.equal(qemu('string(//register[name="CR0ACK"]/access)'), 'read-only');
  // STRTAB_BASE.ADDR[55:6]: bits [31:6] in the low word, [55:32] at bits [23:0] of the high one.
  assert.equal(qemu('string(//register[name="STRTAB_BASE_LO"]/fields/field[name="ADDR"]/bitOffset)'), '6');
  assert.equal(qemu('string(//register[name="STRTAB_BASE_LO"]/fields/field[name="ADDR"]/bitWidth)'), '26');
  assert.equal(qemu('string(//register[name="STRTAB_BASE_HI"]/fields/field[name="ADDR"]/bitOffset)'), '0');
  assert.equal(qemu('string(//register[name="STRTAB_BASE_HI"]/fields/field[name="ADDR"]/bitWidth)'), '24');
  // RA is bit 62 of the register: bit 30 of the high word.
  assert.equal(qemu('string(//register[name="STRTAB_BASE_HI"]/fields/field[name="RA"]/bitOffset)'), '30');
  // Reset: CR0 resets to 0 (§6.3.9); CR1's reset is UNKNOWN (§6.3.11): no bit has a defined reset.
  assert.equal(qemu('string(//register[name="CR0"]/resetMask)'), '0xFFFFFFFF');
  assert.equal(qemu('string(//register[name="CR1"]/resetMask)'), '0x0');
});

test('smmu export svd: --base, names and text escaped, and the errors of its options', () => {
  const x = exported('--base', '0x2b400000');
  assert.equal(x('string(/device/peripherals/peripheral[2]/baseAddress)'), '0x2B410000');
  // A configuration name with XML's special characters ends up in the description, escaped.
  const qemu = JSON.parse(fs.readFileSync(path.join(PRESETS, 'qemu-7.2.smmu.json'), 'utf8')) as Record<string, unknown>;
  const odd = tmp('odd.smmu.json', JSON.stringify({ ...qemu, name: 'A & B <vSMMU>' }));
  const y = exported('--config', odd);
  assert.match(y('string(/device/description)'), /configuration A & B <vSMMU> advertises/);

  const stdout = smmu('export', 'svd');
  assert.equal(stdout.code, 0, stdout.err);
  assert.match(stdout.out, /^<\?xml version="1.0" encoding="utf-8"\?>\n<device schemaVersion="1.3"/);
  const bad = smmu('export', 'svd', '--base', 'SMMU');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^smmu export: --base SMMU: give the SMMU's physical address in hex or decimal/);
  const high = smmu('export', 'svd', '--base', '0xFFFFFFFFFFFF0000');
  assert.equal(high.code, 2);
  assert.match(high.err, /both 64 KB pages below 2\^64/);
  const operand = smmu('export', 'svd', 'examples/qemu-conformant.smmu');
  assert.equal(operand.code, 2);
  assert.match(operand.err, /svd takes no operands: the configuration comes from --config/);
  const cBase = smmu('export', 'c', 'examples/qemu-conformant.smmu', '--base', '0');
  assert.equal(cBase.code, 2);
  assert.match(cBase.err, /--base is an option of smmu export svd/);
  const missing = smmu('export', 'svd', '--config', 'no-such.smmu.json');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^smmu export: --config no-such\.smmu\.json: /);
  const unwritable = smmu('export', 'svd', '-o', '/nonexistent-dir/smmu.svd');
  assert.equal(unwritable.code, 2);
  assert.match(unwritable.err, /cannot write \/nonexistent-dir\/smmu\.svd: ENOENT/);
});
