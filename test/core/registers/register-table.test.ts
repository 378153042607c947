/**
 * The register table against facts checked in the architecture (IHI0070 G.b §6.2.1, §6.2.2,
 * §6.3.N), written out literally, plus structural checks over the whole table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definedMask, fieldMask, findField, findRegister, getRegister, REGISTERS } from '../../../core/registers/table';
import type { RegisterName } from '../../../core/registers/types';
import { registerMarkdown, resetText } from '../../../core/registers/describe';

const OFFSETS: [RegisterName, number, 32 | 64, 'RO' | 'RW'][] = [
  ['IDR0', 0x00, 32, 'RO'],
  ['IDR1', 0x04, 32, 'RO'],
  ['IDR2', 0x08, 32, 'RO'],
  ['IDR3', 0x0c, 32, 'RO'],
  ['IDR4', 0x10, 32, 'RO'],
  ['IDR5', 0x14, 32, 'RO'],
  ['IIDR', 0x18, 32, 'RO'],
  ['AIDR', 0x1c, 32, 'RO'],
  ['CR0', 0x20, 32, 'RW'],
  ['CR0ACK', 0x24, 32, 'RO'],
  ['CR1', 0x28, 32, 'RW'],
  ['CR2', 0x2c, 32, 'RW'],
  ['STATUSR', 0x40, 32, 'RO'],
  ['GBPA', 0x44, 32, 'RW'],
  ['AGBPA', 0x48, 32, 'RW'],
  ['IRQ_CTRL', 0x50, 32, 'RW'],
  ['IRQ_CTRLACK', 0x54, 32, 'RO'],
  ['GERROR', 0x60, 32, 'RO'],
  ['GERRORN', 0x64, 32, 'RW'],
  ['GERROR_IRQ_CFG0', 0x68, 64, 'RW'],
  ['GERROR_IRQ_CFG1', 0x70, 32, 'RW'],
  ['GERROR_IRQ_CFG2', 0x74, 32, 'RW'],
  ['STRTAB_BASE', 0x80, 64, 'RW'],
  ['STRTAB_BASE_CFG', 0x88, 32, 'RW'],
  ['CMDQ_BASE', 0x90, 64, 'RW'],
  ['CMDQ_PROD', 0x98, 32, 'RW'],
  ['CMDQ_CONS', 0x9c, 32, 'RW'],
  ['EVENTQ_BASE', 0xa0, 64, 'RW'],
  ['EVENTQ_IRQ_CFG0', 0xb0, 64, 'RW'],
  ['EVENTQ_IRQ_CFG1', 0xb8, 32, 'RW'],
  ['EVENTQ_IRQ_CFG2', 0xbc, 32, 'RW'],
  ['PRIQ_BASE', 0xc0, 64, 'RW'],
  ['PRIQ_IRQ_CFG0', 0xd0, 64, 'RW'],
  ['PRIQ_IRQ_CFG1', 0xd8, 32, 'RW'],
  ['PRIQ_IRQ_CFG2', 0xdc, 32, 'RW'],
  ['EVENTQ_PROD', 0x100a8, 32, 'RW'],
  ['EVENTQ_CONS', 0x100ac, 32, 'RW'],
  ['PRIQ_PROD', 0x100c8, 32, 'RW'],
  ['PRIQ_CONS', 0x100cc, 32, 'RW'],
];

for (const [name, offset, width, access] of OFFSETS) {
  test(`§6.2 SMMU_${name} at 0x${offset.toString(16).toUpperCase()}, ${width}-bit, ${access}`, () => {
    const r = getRegister(name);
    assert.equal(r.offset, offset);
    assert.equal(r.width, width);
    assert.equal(r.access, access);
  });
}

const FIELDS: [RegisterName, string, number, number][] = [
  // §6.3.1 IDR0
  ['IDR0', 'S2P', 0, 0],
  ['IDR0', 'S1P', 1, 1],
  ['IDR0', 'TTF', 3, 2],
  ['IDR0', 'COHACC', 4, 4],
  ['IDR0', 'BTM', 5, 5],
  ['IDR0', 'HTTU', 7, 6],
  ['IDR0', 'DORMHINT', 8, 8],
  ['IDR0', 'HYP', 9, 9],
  ['IDR0', 'ATS', 10, 10],
  ['IDR0', 'NS1ATS', 11, 11],
  ['IDR0', 'ASID16', 12, 12],
  ['IDR0', 'MSI', 13, 13],
  ['IDR0', 'SEV', 14, 14],
  ['IDR0', 'ATOS', 15, 15],
  ['IDR0', 'PRI', 16, 16],
  ['IDR0', 'VMW', 17, 17],
  ['IDR0', 'VMID16', 18, 18],
  ['IDR0', 'CD2L', 19, 19],
  ['IDR0', 'VATOS', 20, 20],
  ['IDR0', 'TTENDIAN', 22, 21],
  ['IDR0', 'ATSRECERR', 23, 23],
  ['IDR0', 'STALL_MODEL', 25, 24],
  ['IDR0', 'TERM_MODEL', 26, 26],
  ['IDR0', 'ST_LEVEL', 28, 27],
  ['IDR0', 'RME_IMPL', 30, 30],
  // §6.3.2 IDR1
  ['IDR1', 'SIDSIZE', 5, 0],
  ['IDR1', 'SSIDSIZE', 10, 6],
  ['IDR1', 'PRIQS', 15, 11],
  ['IDR1', 'EVENTQS', 20, 16],
  ['IDR1', 'CMDQS', 25, 21],
  ['IDR1', 'ATTR_PERMS_OVR', 26, 26],
  ['IDR1', 'ATTR_TYPES_OVR', 27, 27],
  ['IDR1', 'REL', 28, 28],
  ['IDR1', 'QUEUES_PRESET', 29, 29],
  ['IDR1', 'TABLES_PRESET', 30, 30],
  ['IDR1', 'ECMDQ', 31, 31],
  // §6.3.4 IDR3, §6.3.6 IDR5, §6.3.7 IIDR, §6.3.8 AIDR
  ['IDR3', 'HAD', 2, 2],
  ['IDR3', 'RIL', 10, 10],
  ['IDR3', 'BBML', 12, 11],
  ['IDR3', 'DPT', 15, 15],
  ['IDR5', 'OAS', 2, 0],
  ['IDR5', 'GRAN4K', 4, 4],
  ['IDR5', 'GRAN16K', 5, 5],
  ['IDR5', 'GRAN64K', 6, 6],
  ['IDR5', 'VAX', 11, 10],
  ['IDR5', 'STALL_MAX', 31, 16],
  ['IIDR', 'Implementer', 11, 0],
  ['IIDR', 'Revision', 15, 12],
  ['IIDR', 'Variant', 19, 16],
  ['IIDR', 'ProductID', 31, 20],
  ['AIDR', 'ArchMinorRev', 3, 0],
  ['AIDR', 'ArchMajorRev', 7, 4],
  // §6.3.9 CR0
  ['CR0', 'SMMUEN', 0, 0],
  ['CR0', 'PRIQEN', 1, 1],
  ['CR0', 'EVENTQEN', 2, 2],
  ['CR0', 'CMDQEN', 3, 3],
  ['CR0', 'ATSCHK', 4, 4],
  ['CR0', 'VMW', 8, 6],
  ['CR0', 'DPT_WALK_EN', 10, 10],
  // §6.3.11 CR1, §6.3.12 CR2
  ['CR1', 'QUEUE_IC', 1, 0],
  ['CR1', 'QUEUE_OC', 3, 2],
  ['CR1', 'QUEUE_SH', 5, 4],
  ['CR1', 'TABLE_IC', 7, 6],
  ['CR1', 'TABLE_OC', 9, 8],
  ['CR1', 'TABLE_SH', 11, 10],
  ['CR2', 'E2H', 0, 0],
  ['CR2', 'RECINVSID', 1, 1],
  ['CR2', 'PTM', 2, 2],
  ['CR2', 'REC_CFG_ATS', 3, 3],
  // §6.3.14 GBPA, §6.3.16 IRQ_CTRL
  ['GBPA', 'MemAttr', 3, 0],
  ['GBPA', 'MTCFG', 4, 4],
  ['GBPA', 'ALLOCCFG', 11, 8],
  ['GBPA', 'SHCFG', 13, 12],
  ['GBPA', 'PRIVCFG', 17, 16],
  ['GBPA', 'INSTCFG', 19, 18],
  ['GBPA', 'ABORT', 20, 20],
  ['GBPA', 'Update', 31, 31],
  ['IRQ_CTRL', 'GERROR_IRQEN', 0, 0],
  ['IRQ_CTRL', 'PRIQ_IRQEN', 1, 1],
  ['IRQ_CTRL', 'EVENTQ_IRQEN', 2, 2],
  // §6.3.19 GERROR
  ['GERROR', 'CMDQ_ERR', 0, 0],
  ['GERROR', 'EVENTQ_ABT_ERR', 2, 2],
  ['GERROR', 'PRIQ_ABT_ERR', 3, 3],
  ['GERROR', 'MSI_CMDQ_ABT_ERR', 4, 4],
  ['GERROR', 'MSI_EVENTQ_ABT_ERR', 5, 5],
  ['GERROR', 'MSI_PRIQ_ABT_ERR', 6, 6],
  ['GERROR', 'MSI_GERROR_ABT_ERR', 7, 7],
  ['GERROR', 'SFM_ERR', 8, 8],
  ['GERROR', 'CMDQP_ERR', 9, 9],
  ['GERROR', 'DPT_ERR', 10, 10],
  // §6.3.24–29 stream table and queues
  ['STRTAB_BASE', 'ADDR', 55, 6],
  ['STRTAB_BASE', 'RA', 62, 62],
  ['STRTAB_BASE_CFG', 'LOG2SIZE', 5, 0],
  ['STRTAB_BASE_CFG', 'SPLIT', 10, 6],
  ['STRTAB_BASE_CFG', 'FMT', 17, 16],
  ['CMDQ_BASE', 'LOG2SIZE', 4, 0],
  ['CMDQ_BASE', 'ADDR', 55, 5],
  ['CMDQ_BASE', 'RA', 62, 62],
  ['CMDQ_PROD', 'WR', 19, 0],
  ['CMDQ_CONS', 'RD', 19, 0],
  ['CMDQ_CONS', 'ERR', 30, 24],
  ['EVENTQ_BASE', 'WA', 62, 62],
  ['EVENTQ_PROD', 'OVFLG', 31, 31],
  ['EVENTQ_CONS', 'OVACKFLG', 31, 31],
  ['GERROR_IRQ_CFG0', 'ADDR', 55, 2],
  ['PRIQ_IRQ_CFG2', 'LO', 31, 31],
];

for (const [reg, field, msb, lsb] of FIELDS) {
  test(`§6.3 SMMU_${reg}.${field} is bits [${msb}:${lsb}]`, () => {
    const f = findField(getRegister(reg), field);
    assert.ok(f, `${reg}.${field} declared`);
    assert.equal(f.msb, msb);
    assert.equal(f.lsb, lsb);
  });
}

test("§6.3.9 CR0 RES0 bits are [31:11], 9 and 5 (0xFFFFFA20), not QEMU's old mask 0xFFFFFC20", () => {
  assert.equal(~definedMask(getRegister('CR0')) & 0xffff_ffffn, 0xffff_fa20n);
});

test('§6.3.28 CMDQ_CONS.ERR encodings', () => {
  const err = findField(getRegister('CMDQ_CONS'), 'ERR')!;
  assert.deepEqual(
    err.values?.map((v) => [v.value, v.name]),
    [
      [0, 'CERROR_NONE'],
      [1, 'CERROR_ILL'],
      [2, 'CERROR_ABT'],
      [3, 'CERROR_ATC_INV_SYNC'],
    ],
  );
});

test('aliases: Linux/QEMU short names and the SMMU_ prefix', () => {
  assert.equal(findRegister('EVTQ_BASE')?.name, 'EVENTQ_BASE');
  assert.equal(findRegister('smmu_evtq_prod')?.offset, 0x100a8);
  assert.equal(findRegister('SMMU_CR0')?.name, 'CR0');
});

test('structure: fields fit and do not overlap, registers do not overlap, references exist, names unique', () => {
  const names = new Set<string>();
  const spans: [number, number, string][] = [];
  for (const r of REGISTERS) {
    for (const n of [r.name, ...(r.aliases ?? [])]) {
      assert.ok(!names.has(n), `name ${n} unique`);
      names.add(n);
    }
    spans.push([r.offset, r.offset + r.width / 8, r.name]);
    // Fields overlap only across layouts (FieldDef.when: GATOS_PAR's FAULT == 0 and FAULT == 1, §6.3.40).
    const seen = new Map<string, bigint>();
    for (const f of r.fields) {
      assert.ok(f.msb >= f.lsb && f.msb < r.width, `${r.name}.${f.name} fits`);
      const layout = f.when ? `${f.when.field}=${f.when.equals}` : '';
      if (f.when)
        assert.ok(findField(r, f.when.field) && !findField(r, f.when.field)?.when, `${r.name}.${f.name} layout`);
      const clash = [...seen].filter(([l]) => !layout || !l || l === layout).reduce((m, [, b]) => m | b, 0n);
      assert.equal(clash & fieldMask(f), 0n, `${r.name}.${f.name} overlaps another field`);
      seen.set(layout, (seen.get(layout) ?? 0n) | fieldMask(f));
      for (const e of f.values ?? [])
        assert.ok(e.value >= 0 && e.value < 2 ** (f.msb - f.lsb + 1), `${r.name}.${f.name}=${e.name} fits`);
      for (const ref of [...(f.requires ? [f.requires] : []), ...(f.guardedBy ?? [])]) {
        assert.ok(
          findField(getRegister(ref.register), ref.field),
          `${r.name}.${f.name} refers to ${ref.register}.${ref.field}`,
        );
      }
    }
    for (const ref of [...(r.requires ? [r.requires] : []), ...(r.guardedBy ?? [])]) {
      assert.ok(findField(getRegister(ref.register), ref.field), `${r.name} refers to ${ref.register}.${ref.field}`);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++)
    assert.ok(spans[i][0] >= spans[i - 1][1], `${spans[i - 1][2]} overlaps ${spans[i][2]}`);
});

test('§6.3.97 PRIQ_PROD resets UNKNOWN except OVFLG, which resets to 0; §6.3.95 EVENTQ_PROD.OVFLG resets UNKNOWN', () => {
  assert.equal(findField(getRegister('PRIQ_PROD'), 'OVFLG')?.reset, 0);
  assert.equal(findField(getRegister('EVENTQ_PROD'), 'OVFLG')?.reset, undefined);
  assert.equal(findField(getRegister('PRIQ_PROD'), 'WR')?.reset, undefined);
  assert.equal(resetText(getRegister('PRIQ_PROD')), 'UNKNOWN (OVFLG resets to 0)');
  assert.equal(resetText(getRegister('EVENTQ_PROD')), 'UNKNOWN');
  assert.match(registerMarkdown(getRegister('PRIQ_PROD')), /reset UNKNOWN \(OVFLG resets to 0\) · §6\.3\.97/);
});
