/**
 * Address fields (issue on VS Code polish, item 6): a register field that holds address bits
 * [55:N] is shown as the address it encodes — a base of 0x40100000, not the field's 0x2008000 —
 * in the text and Markdown decodes, the symbolic form, the Registers view's state and the
 * debugger's variables, while its field value (what `REG.FIELD ==` compares) stays the field's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../core/config/presets';
import { decode, formatDecoded, symbolic } from '../../../core/registers/codec';
import { decodedMarkdown } from '../../../core/registers/describe';
import { getRegister, REGISTERS } from '../../../core/registers/table';
import { decodeValue } from '../../../core/script/decode-value';

test('every ADDR field of a register (and DPT_BASE.BADDR, DPT_CFG_FAR.FADDR) is an address field holding address bits [msb:lsb]', () => {
  const isAddress = (name: string) => name === 'ADDR' || name === 'BADDR' || name === 'FADDR';
  const addrFields = REGISTERS.flatMap((r) => r.fields.filter((f) => isAddress(f.name)).map((f) => ({ r, f })));
  assert.ok(addrFields.length >= 9, `STRTAB_BASE, three queue bases, three IRQ_CFG0, two DPT: ${addrFields.length}`);
  for (const { r, f } of addrFields)
    assert.equal(f.addrShift, f.lsb, `${r.name}.${f.name}[${f.msb}:${f.lsb}] holds address bits ${f.msb}:${f.lsb}`);
  // Nothing else is one (a LOG2SIZE or an index is not an address).
  for (const r of REGISTERS)
    for (const f of r.fields) if (!isAddress(f.name)) assert.equal(f.addrShift, undefined, `${r.name}.${f.name}`);
});

test('CMDQ_BASE 0x40100008: ADDR decodes as 0x40100000, the field value beside it', () => {
  const reg = getRegister('CMDQ_BASE');
  const d = decode(reg, 0x4010_0008n);
  const addr = d.fields.find((f) => f.field.name === 'ADDR');
  assert.equal(addr?.value, 0x200_8000n, 'the field value is what REG.FIELD compares');
  assert.equal(addr?.address, 0x4010_0000n);
  assert.match(formatDecoded(d), /ADDR\[55:5\] = 0x40100000 \(address; field value 0x2008000\)/);
  assert.match(decodedMarkdown(d), /\| ADDR \| 0x40100000 \| address \(field value 0x2008000\) \|/);
});

test('the symbolic form writes an address field as the address, and means the same value in a script', () => {
  for (const [name, value] of [
    ['CMDQ_BASE', 0x4010_0008n],
    ['STRTAB_BASE', 0x4000_0000n | (1n << 62n)],
    ['GERROR_IRQ_CFG0', 0x0800_0040n],
    ['EVENTQ_BASE', 0x1_2345_6780n | 7n],
  ] as const) {
    const reg = getRegister(name);
    const text = symbolic(reg, value);
    assert.doesNotMatch(text, /ADDR=/, `${name}: ${text}`);
    const back = decodeValue(name, text, DEFAULT_CONFIG);
    assert.equal(back.error, undefined, `${name}: ${text}: ${back.error}`);
    assert.equal(back.decoded?.value, value, `${name}: '${text}' reads back as the same value`);
  }
  assert.equal(symbolic(getRegister('CMDQ_BASE'), 0x4010_0008n), '0x40100000|LOG2SIZE=8');
});
