/**
 * An ELF64 executable for a bare-metal AArch64 program: little-endian, EM_AARCH64, ET_EXEC, one
 * PT_LOAD segment and no sections (loaders read only the program headers; QEMU's `-kernel`
 * loads each PT_LOAD at its physical address). Field layout from the System V ABI's ELF-64
 * object file format and the AArch64 ELF ABI (EM_AARCH64 = 183).
 */

export class ElfError extends Error {}

export interface ElfSegment {
  /** Physical and virtual address of the first byte (the MMU is off, so they are the same). */
  readonly address: bigint;
  readonly data: Uint8Array;
  /** Bytes in memory, at least data.length: the rest is zero-filled (the stack). */
  readonly memorySize: number;
}

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const ET_EXEC = 2;
const EM_AARCH64 = 183;
const PT_LOAD = 1;
const PF_RWX = 7;
/** Segment alignment: file offset and address agree modulo a 4 KiB page, as the ABI requires. */
const PAGE = 0x1000;

export function elfExecutable(entry: bigint, segment: ElfSegment): Uint8Array {
  const { address, data, memorySize } = segment;
  const max = 1n << 64n;
  if (address < 0n || address + BigInt(memorySize) > max)
    throw new ElfError(`segment at 0x${address.toString(16)} does not fit the 64-bit address space`);
  if (memorySize < data.length)
    throw new ElfError(`segment memory size ${memorySize} is smaller than its ${data.length} bytes of data`);
  if (entry < address || entry >= address + BigInt(memorySize))
    throw new ElfError(`entry 0x${entry.toString(16)} is outside the segment`);
  // The data goes at the first file offset past the headers that agrees with the address modulo a page.
  const offset = PAGE + Number(address % BigInt(PAGE));
  const out = new Uint8Array(offset + data.length);
  const v = new DataView(out.buffer);
  out.set(
    [0x7f, 0x45, 0x4c, 0x46, 2 /* ELFCLASS64 */, 1 /* ELFDATA2LSB */, 1 /* EV_CURRENT */, 0 /* ELFOSABI_NONE */],
    0,
  );
  v.setUint16(16, ET_EXEC, true);
  v.setUint16(18, EM_AARCH64, true);
  v.setUint32(20, 1, true); // e_version
  v.setBigUint64(24, entry, true);
  v.setBigUint64(32, BigInt(EHDR_SIZE), true); // e_phoff
  v.setBigUint64(40, 0n, true); // e_shoff: no section headers
  v.setUint32(48, 0, true); // e_flags
  v.setUint16(52, EHDR_SIZE, true);
  v.setUint16(54, PHDR_SIZE, true);
  v.setUint16(56, 1, true); // e_phnum
  v.setUint16(58, 64, true); // e_shentsize (the size a section header would have)
  v.setUint16(60, 0, true); // e_shnum
  v.setUint16(62, 0, true); // e_shstrndx: SHN_UNDEF
  const p = EHDR_SIZE;
  v.setUint32(p, PT_LOAD, true);
  v.setUint32(p + 4, PF_RWX, true);
  v.setBigUint64(p + 8, BigInt(offset), true);
  v.setBigUint64(p + 16, address, true); // p_vaddr
  v.setBigUint64(p + 24, address, true); // p_paddr
  v.setBigUint64(p + 32, BigInt(data.length), true);
  v.setBigUint64(p + 40, BigInt(memorySize), true);
  v.setBigUint64(p + 48, BigInt(PAGE), true);
  out.set(data, offset);
  return out;
}
