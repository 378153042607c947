/**
 * Guest physical memory: sparse, little-endian, 4 KB pages allocated on first write. Reads of
 * untouched memory return zero. Addresses are limited to 64 bits; the configuration's OAS bound
 * is applied by the SMMU's own accesses (engine, later), not by the guest.
 */

const PAGE_SHIFT = 12n;
const PAGE_SIZE = 4096;
const ADDR_MASK = (1n << 64n) - 1n;

export class GuestMemory {
  private readonly pages = new Map<bigint, Uint8Array>();

  get pageCount(): number {
    return this.pages.size;
  }

  private page(addr: bigint, create: boolean): Uint8Array | undefined {
    const n = addr >> PAGE_SHIFT;
    let p = this.pages.get(n);
    if (!p && create) {
      p = new Uint8Array(PAGE_SIZE);
      this.pages.set(n, p);
    }
    return p;
  }

  readByte(addr: bigint): number {
    const a = addr & ADDR_MASK;
    return this.page(a, false)?.[Number(a & 0xfffn)] ?? 0;
  }

  writeByte(addr: bigint, v: number): void {
    const a = addr & ADDR_MASK;
    (this.page(a, true) as Uint8Array)[Number(a & 0xfffn)] = v & 0xff;
  }

  /** Little-endian read of `size` bytes (1..8). */
  read(addr: bigint, size: number): bigint {
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.readByte(addr + BigInt(i)));
    return v;
  }

  /** Little-endian write of the low `size` bytes of `value`. */
  write(addr: bigint, size: number, value: bigint): void {
    let v = value;
    for (let i = 0; i < size; i++) {
      this.writeByte(addr + BigInt(i), Number(v & 0xffn));
      v >>= 8n;
    }
  }
}
