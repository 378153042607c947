/**
 * What a guest program does, as a flat list of operations: the common ground between a script
 * (core/qemu/compile.ts turns a `.smmu` script into operations, with the bytes the model writes)
 * and the routes that run it on a real emulation: the bare-metal AArch64 ELF booted on QEMU
 * (core/guest/program.ts) and the C file a hypervisor developer builds into a guest of their own
 * (core/guest/export-c.ts).
 *
 * Every route reports what it observed in the same text, which is a `.smmutrace`
 * (docs/trace-replay.md) that `smmu replay` accepts, one or more lines per operation, each line
 * ending in a comment `# @INDEX` that names the operation (see opLines below). The runner splits
 * the report by those indexes and maps each operation back to its script line.
 */

export type AccessSize = 1 | 2 | 4 | 8;

/**
 * Where an access goes. `smmu`: the SMMU's register pages, `address` an offset from its base
 * (page 1 at +0x10000, §6.1), so the same operations run wherever a machine puts the SMMU.
 * `phys`: any other physical address (guest RAM, a PCI function's BAR, PCIe ECAM).
 */
export type Space = 'smmu' | 'phys';

/** Where an operation comes from: the script line (0-based) and, for an included file, its path. */
export interface OpSource {
  readonly line: number;
  readonly file?: string;
}

/** A single store of `size` bytes; an abort is caught and reported, never fatal. */
export interface WriteOp extends OpSource {
  readonly kind: 'write';
  readonly space: Space;
  readonly address: bigint;
  readonly size: AccessSize;
  readonly value: bigint;
}

/** A single load of `size` bytes; the value (or the abort) is reported. */
export interface ReadOp extends OpSource {
  readonly kind: 'read';
  readonly space: Space;
  readonly address: bigint;
  readonly size: AccessSize;
}

/**
 * Load `address` until `(value & mask) == expected` (or `!=` when `equal` is false), at most
 * `max` loads; the last value read and the number of loads are reported. An abort ends the loop.
 */
export interface PollOp extends OpSource {
  readonly kind: 'poll';
  readonly space: Space;
  readonly address: bigint;
  readonly size: 4 | 8;
  readonly mask: bigint;
  readonly expected: bigint;
  readonly equal: boolean;
  readonly max: number;
}

/**
 * Guest memory stores of `bytes` from `address` on (the queues and tables a driver writes). The
 * route copies them and reports them as `M` records (so a replay's model sees the same memory),
 * or reports the abort that stopped the copy.
 */
export interface StoreOp extends OpSource {
  readonly kind: 'store';
  readonly address: bigint;
  readonly bytes: Uint8Array;
}

/**
 * Guest memory set to zero, `length` bytes from `address` on, before anything else uses it: the
 * model takes memory nobody wrote as zero, and a real machine's is not (QEMU puts its device tree
 * at the bottom of RAM, a hypervisor hands a guest whatever its pages held). Pieces as a store's.
 */
export interface ZeroOp extends OpSource {
  readonly kind: 'zero';
  readonly address: bigint;
  readonly length: number;
}

export type GuestOp = WriteOp | ReadOp | PollOp | StoreOp | ZeroOp;

/** Addresses the routes need: where the SMMU is, and where the program may print. */
export interface GuestMachine {
  /** Physical address of the SMMU's page 0. */
  readonly smmuBase: bigint;
}

/** QEMU's virt machine (hw/arm/virt.c base_memmap): SMMUv3 page 0 at 0x0905_0000, page 1 at +0x10000. */
export const VIRT_SMMU_BASE = 0x0905_0000n;
/** The virt machine's PL011 UART, the program's console. */
export const VIRT_UART_BASE = 0x0900_0000n;
/** The virt machine's RAM starts here; its size is QEMU's `-m`. */
export const VIRT_RAM_BASE = 0x4000_0000n;

function hexDigits(v: bigint, digits: number): string {
  return v.toString(16).toUpperCase().padStart(digits, '0');
}

/** A value as the trace format prints it: `0x` and two digits a byte, upper case. */
export function traceValue(v: bigint, size: AccessSize): string {
  return `0x${hexDigits(v, size * 2)}`;
}

/** A register offset as the trace prints it (five digits: page 1 is 0x1xxxx). */
export function traceOffset(offset: bigint): string {
  return `0x${hexDigits(offset, 5)}`;
}

/** The comment that ends every line an operation prints: its index, so a report splits by operation. */
export function opTag(index: number): string {
  return ` # @${index}`;
}

/**
 * The report text of one operation, as every route prints it. Static parts are known when the
 * program is built; the parts marked below are printed by the guest from what it observed.
 *
 *   read  smmu   `R 0xOFFSET SIZE ` + (`0xVALUE` | `abort`) + ` # @i\n`
 *   write smmu   `W 0xOFFSET SIZE 0xVALUE` + (`` | ` abort`) + ` # @i\n`
 *   poll  smmu   `R 0xOFFSET SIZE ` + (`0xVALUE` | `abort`) + ` # @i polled ` + `0xNNNNNNNN` + `\n`
 *                (the loads made, eight hex digits)
 *   read/write/poll phys: the same behind `#= ` (a comment to `smmu replay`; not an SMMU register)
 *   store        one `M 0xADDRESS 8 0xVALUE # @i\n` line per doubleword (size 4, 2, 1 at unaligned
 *                ends), or `# @i abort store 0xADDRESS\n` (the address that aborted) instead
 *   zero         `# @i zero 0xADDRESS 0xLENGTH\n` (a comment to `smmu replay`: the model's memory
 *                is zero already), or the store's abort line instead
 *
 * Values are `0x` and 2 × SIZE upper-case hex digits. `prefix` is printed after the access is
 * made, then the dynamic part, then `suffix`.
 */
export interface OpText {
  readonly prefix: string;
  readonly suffix: string;
}

export function opText(op: GuestOp, index: number): OpText {
  const tag = opTag(index);
  if (op.kind === 'zero')
    return {
      prefix: `# @${index} zero 0x${hexDigits(op.address, 8)} 0x${op.length.toString(16).toUpperCase()}\n`,
      suffix: '',
    };
  const lead = op.kind !== 'store' && op.space === 'phys' ? '#= ' : '';
  const where = (a: bigint) => (op.kind !== 'store' && op.space === 'smmu' ? traceOffset(a) : `0x${hexDigits(a, 8)}`);
  switch (op.kind) {
    case 'read':
      return { prefix: `${lead}R ${where(op.address)} ${op.size} `, suffix: `${tag}\n` };
    case 'write':
      return {
        prefix: `${lead}W ${where(op.address)} ${op.size} ${traceValue(op.value, op.size)}`,
        suffix: `${tag}\n`,
      };
    case 'poll':
      return { prefix: `${lead}R ${where(op.address)} ${op.size} `, suffix: `${tag} polled ` };
    case 'store':
      return { prefix: storeLines(op, tag), suffix: '' };
  }
}

/** The `M` records of a store: doublewords where aligned, smaller pieces at unaligned ends. */
export function storeLines(op: StoreOp, tag: string): string {
  let out = '';
  let i = 0;
  const n = op.bytes.length;
  while (i < n) {
    const addr = op.address + BigInt(i);
    let size: AccessSize = 1;
    for (const s of [8, 4, 2] as const) {
      if (i + s <= n && addr % BigInt(s) === 0n) {
        size = s;
        break;
      }
    }
    let v = 0n;
    for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(op.bytes[i + k] as number);
    out += `M 0x${hexDigits(addr, 8)} ${size} ${traceValue(v, size)}${tag}\n`;
    i += size;
  }
  return out;
}

/** The first line every route prints, before any operation, and the last, after the last one. */
export const REPORT_START = '# smmu-workbench guest: start\n';
export const REPORT_END = '# smmu-workbench guest: end\n';
