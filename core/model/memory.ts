/**
 * Guest physical memory: sparse, little-endian, 4 KB pages allocated on first write. Reads of
 * untouched memory return zero.
 *
 * Two interfaces: BigInt addresses for scripts and views, and number addresses (exact up to
 * 2^53, more than any OAS, §3.4) with aligned 32-bit word access for the SMMU's own fetches,
 * which are the engine's hot path (command fetch, STE/CD fetch, table walks).
 *
 * Address ranges can be marked to abort, so tests and scripts can produce the external aborts
 * the architecture reports as CERROR_ABT, F_STE_FETCH, F_CD_FETCH, F_WALK_EABT and
 * GERROR.EVTQ_ABT_ERR (§7.1, §7.3, §7.5).
 *
 * Two PA spaces (§3.10: "each [Security state] with an associated physical address space"): this
 * object is the Non-secure PA space, and `secureSpace()` the Secure PA space, a second sparse
 * memory made on first use, so a model whose Secure state is never used keeps one map and the
 * same code path. The same address in the two spaces is two different locations. Both spaces share
 * the abort ranges, the OAS limit and the page limit (one budget for both).
 */

import { formatBytes } from '../base/files';

const PAGE_SIZE = 4096;
const ADDR_MASK = (1n << 64n) - 1n;

/**
 * How much guest memory a model may hold unless told otherwise: 256 MiB of written pages. A script
 * or trace names addresses freely, and every page written costs 4 KB plus the map's entry, so
 * 200,000 `mem write64` lines to different pages once took 1.1 GB. The bringing-up scripts and
 * traces people write touch a few hundred pages.
 */
export const DEFAULT_GUEST_MEMORY_LIMIT = 256 * 1024 * 1024;

/** Thrown when a write needs a page beyond the limit; the runner stops at the statement or record. */
export class GuestMemoryLimitError extends Error {
  constructor(readonly limitBytes: number) {
    super(
      `guest memory is full: this writes more than ${formatBytes(limitBytes)} of distinct 4 KB pages, the model's limit`,
    );
  }
}

export interface AbortRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** Which PA space an access targets: the Secure one (NS == 0) or the Non-secure one (NS == 1), §3.10. */
export type PaSpace = 'secure' | 'non-secure';

export class GuestMemory {
  private readonly pages = new Map<number, Uint32Array>();
  private readonly aborts: AbortRange[];
  /** The Secure PA space, once used (only on the Non-secure space's object). */
  private secure: GuestMemory | undefined;
  /** The Non-secure space, on the Secure space's object (shared limits). */
  private readonly owner: GuestMemory | undefined;
  private bytesLimit = 2 ** 52;
  private pagesLimit = DEFAULT_GUEST_MEMORY_LIMIT / PAGE_SIZE;

  constructor(owner?: GuestMemory) {
    this.owner = owner;
    this.aborts = owner ? owner.aborts : [];
    if (owner) {
      this.bytesLimit = owner.bytesLimit;
      this.pagesLimit = owner.pagesLimit;
    }
  }

  /** Bytes above this address do not exist (the configuration's OAS); accesses there abort. */
  get limit(): number {
    return this.bytesLimit;
  }

  set limit(bytes: number) {
    this.bytesLimit = bytes;
    if (this.secure) this.secure.bytesLimit = bytes;
  }

  /** Pages (4 KB) that may be written at most, in both spaces together: DEFAULT_GUEST_MEMORY_LIMIT unless set. */
  get maxPages(): number {
    return this.pagesLimit;
  }

  set maxPages(n: number) {
    this.pagesLimit = n;
    if (this.secure) this.secure.pagesLimit = n;
  }

  /** The page limit in bytes (`--max-guest-memory`, `smmu.model.maxGuestMemory`). */
  setLimitBytes(bytes: number): void {
    this.maxPages = Math.max(1, Math.floor(bytes / PAGE_SIZE));
  }

  /** The Secure PA space (§3.10), made on first use; on the Secure space itself, itself. */
  secureSpace(): GuestMemory {
    if (this.owner) return this;
    this.secure ??= new GuestMemory(this);
    return this.secure;
  }

  /** The Secure PA space if anything has used it (views list its pages; absent, it reads as zero). */
  get secureIfUsed(): GuestMemory | undefined {
    return this.owner ? this : this.secure;
  }

  /** The PA space `ns` names: this (Non-secure) when `ns` is true, else the Secure space. */
  space(ns: boolean): GuestMemory {
    return ns ? (this.owner ?? this) : this.secureSpace();
  }

  /** The space by name (script statements, views). */
  spaceNamed(s: PaSpace): GuestMemory {
    return this.space(s === 'non-secure');
  }

  get pageCount(): number {
    return this.pages.size;
  }

  /** Pages written in both spaces (the page limit counts both). */
  private pagesInUse(): number {
    const ns = this.owner ?? this;
    return ns.pages.size + (ns.secure ? ns.secure.pages.size : 0);
  }

  /** Addresses of the pages written so far, in order (the debugger's Memory scope). */
  pageAddresses(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b).map((n) => n * PAGE_SIZE);
  }

  /** Make accesses to [start, end) abort (an interconnect that returns an external abort). */
  addAbortRange(start: number, end: number): void {
    this.aborts.push({ start, end });
  }

  clearAbortRanges(): void {
    this.aborts.length = 0;
  }

  get abortRanges(): readonly AbortRange[] {
    return this.aborts;
  }

  /** True when an SMMU access of `size` bytes at `addr` gets an external abort. */
  isAbort(addr: number, size: number): boolean {
    if (addr + size > this.bytesLimit) return true;
    for (const r of this.aborts) if (addr < r.end && addr + size > r.start) return true;
    return false;
  }

  private page(n: number, create: boolean): Uint32Array | undefined {
    let p = this.pages.get(n);
    if (!p && create) {
      if (this.pagesInUse() >= this.pagesLimit) throw new GuestMemoryLimitError(this.pagesLimit * PAGE_SIZE);
      p = new Uint32Array(PAGE_SIZE / 4);
      this.pages.set(n, p);
    }
    return p;
  }

  // --- number interface (SMMU accesses) -------------------------------------------------------

  /** Aligned 32-bit read at a number address. */
  read32(addr: number): number {
    const p = this.pages.get(Math.floor(addr / PAGE_SIZE));
    return p ? (p[(addr % PAGE_SIZE) >>> 2] as number) : 0;
  }

  /** Aligned 32-bit write at a number address. */
  write32(addr: number, v: number): void {
    (this.page(Math.floor(addr / PAGE_SIZE), true) as Uint32Array)[(addr % PAGE_SIZE) >>> 2] = v >>> 0;
  }

  /** The 1024 words of the 4 KB page holding `addr`, created if needed (hot loops cache it). */
  pageWords(addr: number): Uint32Array {
    return this.page(Math.floor(addr / PAGE_SIZE), true) as Uint32Array;
  }

  /** Read `n` aligned words starting at `addr` into `out` (the structure stays inside one page: all SMMU structures are naturally aligned). */
  readWords(addr: number, out: Uint32Array | number[], n: number): void {
    const p = this.pages.get(Math.floor(addr / PAGE_SIZE));
    const i = (addr % PAGE_SIZE) >>> 2;
    if (!p) {
      for (let k = 0; k < n; k++) out[k] = 0;
      return;
    }
    for (let k = 0; k < n; k++) out[k] = p[i + k] as number;
  }

  /**
   * Whether the `words.length` aligned words at `addr` differ from `words` (inside one page, as
   * readWords): compared in place, without a copy, and without creating a page never written
   * (which reads as zeros).
   */
  differsFrom(addr: number, words: Uint32Array): boolean {
    const n = words.length;
    const p = this.pages.get(Math.floor(addr / PAGE_SIZE));
    if (!p) {
      for (let k = 0; k < n; k++) if (words[k] !== 0) return true;
      return false;
    }
    const i = (addr % PAGE_SIZE) >>> 2;
    for (let k = 0; k < n; k++) if (p[i + k] !== words[k]) return true;
    return false;
  }

  writeWords(addr: number, words: ArrayLike<number>): void {
    for (let k = 0; k < words.length; k++) this.write32(addr + 4 * k, words[k] as number);
  }

  private byteAt(a: number): number {
    return (this.read32(a - (a % 4)) >>> ((a % 4) * 8)) & 0xff;
  }

  private setByte(a: number, v: number): void {
    const base = a - (a % 4);
    const s = (a % 4) * 8;
    this.write32(base, ((this.read32(base) & ~(0xff << s)) | ((v & 0xff) << s)) >>> 0);
  }

  /** Copy `out.length` bytes from `addr` (a device's DMA read; untouched memory reads as zero). */
  readBytes(addr: number, out: Uint8Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.byteAt(addr + i);
  }

  /** Store `bytes` from `addr` (a device's DMA write). */
  writeBytes(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.setByte(addr + i, bytes[i] as number);
  }

  // --- BigInt interface (scripts, views) -----------------------------------------------------

  readByte(addr: bigint): number {
    return this.byteAt(Number(addr & ADDR_MASK));
  }

  writeByte(addr: bigint, v: number): void {
    this.setByte(Number(addr & ADDR_MASK), v);
  }

  /** Little-endian read of `size` bytes (1..8). */
  read(addr: bigint, size: number): bigint {
    const a = addr & ADDR_MASK;
    if (size === 8 && (a & 7n) === 0n && a < 2n ** 53n) {
      const n = Number(a);
      return (BigInt(this.read32(n + 4)) << 32n) | BigInt(this.read32(n));
    }
    if (size === 4 && (a & 3n) === 0n && a < 2n ** 53n) return BigInt(this.read32(Number(a)));
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.readByte(addr + BigInt(i)));
    return v;
  }

  /** Little-endian write of the low `size` bytes of `value`. */
  write(addr: bigint, size: number, value: bigint): void {
    const a = addr & ADDR_MASK;
    if (size === 8 && (a & 7n) === 0n && a < 2n ** 53n) {
      const n = Number(a);
      this.write32(n, Number(value & 0xffff_ffffn));
      this.write32(n + 4, Number((value >> 32n) & 0xffff_ffffn));
      return;
    }
    if (size === 4 && (a & 3n) === 0n && a < 2n ** 53n) {
      this.write32(Number(a), Number(value & 0xffff_ffffn));
      return;
    }
    let v = value;
    for (let i = 0; i < size; i++) {
      this.writeByte(addr + BigInt(i), Number(v & 0xffn));
      v >>= 8n;
    }
  }
}
