/**
 * A launch session's physical memory (core/debug/physical-memory.ts): the SMMU's pages at the
 * base read as the registers without an access, writes there are register writes of their size,
 * and guest memory is everywhere else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugRuntime } from '../../../core/debug/runtime';
import { ModelMemory, parseSmmuBase } from '../../../core/debug/physical-memory';
import { REGISTERS } from '../../../core/registers/table';
import { fileHost } from '../../../server/file-host';

const BASE = 0x0905_0000n;

function launch(text: string): DebugRuntime {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-physmem-'));
  const file = path.join(dir, 'p.smmu');
  fs.writeFileSync(file, text);
  const r = DebugRuntime.launch(file, fileHost);
  assert.ok(r.runtime, r.error);
  r.runtime.setExceptionFilters([]);
  return r.runtime;
}

const SCRIPT = `write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write32 CR0 CMDQEN
write32 0x10040 0x5
`;

test('register pages read as the registers, with no access recorded and no finding', () => {
  const rt = launch(SCRIPT);
  rt.continue(1000);
  const smmu = rt.machine.engine.smmu;
  // The debugger keeps the model's access history off; on, it shows what a read adds.
  smmu.recording = true;
  const accesses = smmu.history.length;
  const mem = new ModelMemory(rt, BASE);
  const r = mem.read(BASE, 0x20000);
  assert.equal(r.unreadable, 0);
  const word = (off: number) => Buffer.from(r.bytes.buffer, r.bytes.byteOffset).readUInt32LE(off);
  // The VATOS page (RegisterDef.page) is beyond the two pages read here.
  for (const reg of REGISTERS.filter((x) => !x.page)) {
    const v = smmu.peek(reg.name);
    assert.equal(word(reg.offset), Number(v & 0xffff_ffffn), reg.name);
    if (reg.width === 64) assert.equal(word(reg.offset + 4), Number(v >> 32n), `${reg.name} high half`);
  }
  assert.equal(word(0x20), 0b1000);
  assert.equal(word(0x10040), 0, 'an undefined page-1 location is RES0 in this configuration (§6.2)');
  // The same values a guest read returns, but the guest read is recorded and the view's is not.
  assert.equal(smmu.history.length, accesses);
  assert.equal(smmu.read(0x20, 4).value, 0b1000n);
  assert.equal(smmu.history.length, accesses + 1);
});

test('reads straddling the register pages take guest memory outside them', () => {
  const rt = launch('write32 CR0 CMDQEN\nmem write32 0x0904FFFC 0xAABBCCDD\nmem write32 0x09070000 0x11223344\n');
  rt.continue(1000);
  const mem = new ModelMemory(rt, BASE);
  const r = mem.read(BASE - 4n, 0x28);
  assert.equal(Buffer.from(r.bytes).readUInt32LE(0), 0xaabbccdd);
  assert.equal(Buffer.from(r.bytes).readUInt32LE(4 + 0x20), 0b1000);
  // The last word of page 1 (RES0), then guest memory after the pages.
  const end = mem.read(BASE + 0x1fffcn, 8);
  assert.deepEqual([...end.bytes], [0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11]);
  // Past 2^64 nothing can be read.
  const top = mem.read(0xffff_ffff_ffff_fffen, 4);
  assert.equal(top.bytes.length, 2);
  assert.equal(top.unreadable, 2);
});

test('writes are register writes of the written size, recorded as steps', () => {
  const rt = launch(SCRIPT);
  rt.continue(1000);
  const mem = new ModelMemory(rt, BASE);
  const smmu = rt.machine.engine.smmu;
  const start = rt.position;
  // 32-bit write to the high half of STRTAB_BASE (§6.2), then a 64-bit one.
  assert.deepEqual(mem.write(BASE + 0x84n, Uint8Array.of(0x12, 0, 0, 0)), []);
  assert.equal(smmu.peek('STRTAB_BASE'), 0x12_4000_0000n);
  assert.deepEqual(mem.write(BASE + 0x80n, Uint8Array.of(0x40, 0, 0, 0x50, 0, 0, 0, 0)), []);
  assert.equal(smmu.peek('STRTAB_BASE'), 0x5000_0040n);
  // A 16-bit write: illegal in this model (§6.2), reported and ignored (RAZ/WI by default).
  const said = mem.write(BASE + 0x2cn, Uint8Array.of(1, 0));
  assert.equal(said.length, 1);
  assert.match(said[0] as string, /^SMMU \+0x2C: error: 16-bit access/);
  assert.equal(smmu.peek('CR2'), 0n);
  // Guest memory outside the pages.
  mem.write(0x5000_0000n, Uint8Array.of(1, 2, 3));
  assert.deepEqual([...rt.readMemory(0x5000_0000n, 3)], [1, 2, 3]);
  // Each access is a step of the history (four register writes, one memory write): going back
  // three undoes the memory write, the 16-bit write and the 64-bit write.
  assert.equal(rt.position, start + 4);
  rt.goTo(rt.position - 3);
  // A restore brings the model of that time (a new Smmu object).
  assert.equal(rt.machine.engine.smmu.peek('STRTAB_BASE'), 0x12_4000_0000n);
});

test('smmu bases: hex or decimal, both pages below 2^64', () => {
  assert.equal(parseSmmuBase('0x09050000'), 0x0905_0000n);
  assert.equal(parseSmmuBase('151322624'), 0x0905_0000n);
  assert.equal(parseSmmuBase('0x0905_0000'), 0x0905_0000n);
  assert.equal(parseSmmuBase('0xFFFFFFFFFFFE0000'), 0xffff_ffff_fffe_0000n);
  assert.equal(parseSmmuBase('0xFFFFFFFFFFFF0000'), undefined);
  assert.equal(parseSmmuBase('-1'), undefined);
  assert.equal(parseSmmuBase('base'), undefined);
});
