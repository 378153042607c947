/**
 * The ELF writer against GNU readelf: the header and the one PT_LOAD segment read back as
 * written, with no warning; bad segments throw an ElfError.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { elfExecutable, ElfError } from '../../../core/guest/elf';
import { READELF, requireTool, tempDir } from '../../harness/qemu';

function readelf(elf: Uint8Array): { stdout: string; stderr: string } {
  requireTool(READELF);
  const dir = tempDir();
  const file = path.join(dir, 'prog.elf');
  fs.writeFileSync(file, elf);
  const r = spawnSync(READELF, ['-W', '-h', '-l', file], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

const field = (out: string, name: string) => new RegExp(`^\\s*${name}:\\s*(.*)$`, 'm').exec(out)?.[1]?.trim();

for (const [address, dataBytes, memorySize] of [
  [0x4008_0000n, 100, 100],
  [0x4123_4564n, 4096 + 12, 8192], // not page-aligned, and a zero-filled tail
  [0x12_3456_7000n, 16, 16],
] as const) {
  test(`readelf accepts the executable and shows its entry and segment (0x${address.toString(16)}, ${dataBytes} bytes, ${memorySize} in memory)`, () => {
    const data = Uint8Array.from({ length: dataBytes }, (_, i) => (i * 7) & 0xff);
    const entry = address + 8n;
    const elf = elfExecutable(entry, { address, data, memorySize });
    const { stdout, stderr } = readelf(elf);
    assert.equal(stderr, '', 'no warnings');
    assert.equal(field(stdout, 'Class'), 'ELF64');
    assert.equal(field(stdout, 'Data'), "2's complement, little endian");
    assert.equal(field(stdout, 'Type'), 'EXEC (Executable file)');
    assert.equal(field(stdout, 'Machine'), 'AArch64');
    assert.equal(field(stdout, 'Entry point address'), `0x${entry.toString(16)}`);
    assert.equal(field(stdout, 'Number of program headers'), '1');
    assert.equal(field(stdout, 'Number of section headers'), '0');
    const load =
      /^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)\s+0x([0-9a-f]+)$/m.exec(
        stdout,
      );
    assert.ok(load, stdout);
    const [, offset, vaddr, paddr, filesz, memsz, flags, align] = load;
    assert.equal(BigInt(`0x${vaddr}`), address);
    assert.equal(BigInt(`0x${paddr}`), address);
    assert.equal(Number.parseInt(filesz as string, 16), dataBytes);
    assert.equal(Number.parseInt(memsz as string, 16), memorySize);
    assert.equal(flags, 'RWE');
    assert.equal(
      BigInt(`0x${offset}`) % BigInt(`0x${align}`),
      address % BigInt(`0x${align}`),
      'offset and address agree modulo the alignment',
    );
    // The segment's bytes are where the header says.
    const at = Number.parseInt(offset as string, 16);
    assert.deepEqual(elf.subarray(at, at + dataBytes), data);
  });
}

test('a segment that cannot be loaded, or an entry outside it, throws an ElfError', () => {
  const data = new Uint8Array(16);
  assert.throws(() => elfExecutable(0x1000n, { address: 0x2000n, data, memorySize: 16 }), ElfError);
  assert.throws(() => elfExecutable(0x2010n, { address: 0x2000n, data, memorySize: 16 }), /outside the segment/);
  assert.throws(() => elfExecutable(0x2000n, { address: 0x2000n, data, memorySize: 8 }), /smaller than its 16 bytes/);
  assert.throws(
    () => elfExecutable(0xffff_ffff_ffff_fff8n, { address: 0xffff_ffff_ffff_fff8n, data, memorySize: 16 }),
    /64-bit address space/,
  );
});
