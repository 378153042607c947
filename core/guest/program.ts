/**
 * The bare-metal AArch64 program that performs a list of guest operations (ops.ts) on a machine
 * and prints what it observed over a PL011 UART, as an ELF that QEMU boots with `-kernel` (at
 * EL1, MMU off, interrupts masked: the state QEMU's -kernel starts an ELF in).
 *
 * Layout of the image (one RWX segment, entry at its first byte):
 *
 *   start     stack pointer, exception vectors, UART, REPORT_START, then `b ops`
 *   runtime   print and hex routines, one routine per kind and size of operation, exit, handlers
 *   strings   the runtime's fixed text and the semihosting parameter block (ADR reach)
 *   vectors   VBAR_EL1, 2 KiB aligned (DDI 0487, exception vectors): 16 entries of 0x80 bytes
 *   ops       per operation: operands into registers, then BL to its runtime routine
 *   end       REPORT_END, exit status 0
 *   data      each operation's static text and each store's bytes
 *   stack     4 KiB
 *
 * Per operation the code only loads operands and calls a routine (4 to 17 instructions, 5.3 on
 * average for a mix of register reads, writes, polls and stores): a script of 10,000 operations
 * stays a small image that builds in well under a second, every BL stays in reach, and the logic
 * that matters (catching an abort, printing a value) exists once, in the runtime, where the QEMU
 * tests exercise it.
 *
 * Registers the whole program reserves: x23 UART base, x25 SMMU base, x26 set while the fatal
 * handler runs (an exception inside it parks the CPU instead of recursing), x27 set while an
 * operation's access is armed, x28 the ESR of the abort that access took (0 when none).
 */
import { formatBytes } from '../base/files';
import { A64Error, Assembler, sp, w, wzr, x, xzr, type Label, type Reg } from './a64';
import { elfExecutable } from './elf';
import { opText, REPORT_END, REPORT_START, type AccessSize, type GuestOp } from './ops';
import { ABORT_WORD, FATAL_DIGITS, FATAL_PARTS, storeAbortText } from './runtime-text';

export class GuestProgramError extends Error {
  constructor(
    message: string,
    /** The operation the error is about, when it is about one. */
    readonly opIndex?: number,
  ) {
    super(message);
  }
}

export interface GuestProgramOptions {
  /** Where the image is loaded and starts (guest RAM, word-aligned). */
  readonly loadAddress: bigint;
  /** Physical address of the SMMU's page 0; `smmu` operations are offsets from it. */
  readonly smmuBase: bigint;
  /** Physical address of the PL011 UART the program prints on. */
  readonly uartBase: bigint;
  /** The largest image allowed (default DEFAULT_MAX_IMAGE_BYTES, at most MAX_IMAGE_BYTES). */
  readonly maxImageBytes?: number;
  /**
   * After the report, park the CPU (WFI in a loop) instead of exiting through semihosting: the
   * machine stays up with the SMMU as the program left it, for a debugger to read (`smmu inspect`).
   */
  readonly stayAlive?: boolean;
}

export interface GuestProgram {
  readonly elf: Uint8Array;
  /** The memory the program occupies (code, data and stack). */
  readonly image: { readonly address: bigint; readonly size: number };
  readonly entry: bigint;
  /**
   * Addresses of the program's parts, to read an exception's ELR: `start`, `runtime text` (the
   * runtime's code ends there), `vectors`, `ops` (the operations' code, up to `report end`),
   * `exit`, `semihosting call`, `exception handler`, `fatal`.
   */
  readonly symbols: ReadonlyMap<string, bigint>;
}

export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** BL reaches ±128 MiB (DDI 0487, BL): every call from an operation to the runtime must stay in reach. */
export const MAX_IMAGE_BYTES = 128 * 1024 * 1024;
const STACK_BYTES = 4096;

// PL011 (Arm DDI 0183): data register, flag register (TXFF: transmit FIFO full), control register.
const UARTDR = 0x00;
const UARTFR = 0x18;
const UARTFR_TXFF_BIT = 5;
const UARTCR = 0x30;
const UARTCR_UARTEN_TXE = (1 << 0) | (1 << 8);

// Arm's "Semihosting for AArch32 and AArch64": HLT #0xF000 on A64, W0 the operation, X1 its
// parameter block; on AArch64 SYS_EXIT's block is {reason, subcode}, the subcode the exit status.
const SEMIHOSTING_HLT = 0xf000;
const SYS_EXIT = 0x18;
const ADP_STOPPED_APPLICATION_EXIT = 0x20026n;

/** ESR_ELx.EC for a Data Abort taken without a change in Exception level (DDI 0487, ESR_EL1). */
const EC_DATA_ABORT_SAME_EL = 0x25;
/** Offset of "Synchronous, current EL with SP_ELx" from VBAR_ELx (DDI 0487, exception vectors): where our aborts arrive. */
const VECTOR_SYNC_CURRENT_SPX = 0x200;

/** SCTLR_EL1.A, alignment check enable (DDI 0487, SCTLR_EL1). */
const SCTLR_A = 1 << 1;

const UART = x(23);
const SMMU = x(25);
const FATAL = x(26);
const ARMED = x(27);
const ABORTED = x(28);
const LR = x(30);

const SIZES = [1, 2, 4, 8] as const;

/** A register for an access of `size` bytes: W for 1 to 4, X for 8. */
const data = (n: number, size: AccessSize): Reg => (size === 8 ? x(n) : w(n));

/** The runtime's routines for reads, writes and polls, by routineKey(), and for stores. */
interface Runtime {
  readonly access: Map<string, Label>;
  readonly store: Label;
  readonly zero: Label;
}

/** Which routine performs an access: its kind, size, space and (poll) comparison. */
const routineKey = (kind: 'read' | 'write' | 'poll', size: number, smmu: boolean, equal?: boolean) =>
  `${kind} ${size} ${smmu ? 'smmu' : 'phys'}${equal === undefined ? '' : equal ? ' ==' : ' !='}`;

interface DataItem {
  readonly label: Label;
  readonly strings?: readonly string[];
  readonly bytes?: Uint8Array;
  /** Bytes are placed at this residue modulo 8 (the destination's), so both sides of each copy are aligned alike. */
  readonly residue?: number;
}

function where(op: GuestOp, i: number): string {
  return `operation ${i} (${op.file ? `${op.file}:` : 'line '}${op.line + 1})`;
}

const hex = (v: bigint) => `0x${v.toString(16).toUpperCase()}`;
/** An option or operand as a message shows it: a bigint in hex (the caller may have passed anything). */
const shown = (v: unknown) => (typeof v === 'bigint' ? (v < 0n ? `-${hex(-v)}` : hex(v)) : String(v));
const fits = (v: unknown, bits: number): v is bigint => typeof v === 'bigint' && v >= 0n && v < 1n << BigInt(bits);

function checkOptions(o: GuestProgramOptions): number {
  const max = o.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  if (!Number.isInteger(max) || max < 64 * 1024 || max > MAX_IMAGE_BYTES)
    throw new GuestProgramError(
      `maxImageBytes ${max} must be a whole number of bytes from 64 KiB to ${formatBytes(MAX_IMAGE_BYTES)}`,
    );
  if (!fits(o.loadAddress, 64) || o.loadAddress % 4n !== 0n || o.loadAddress + BigInt(max) > 1n << 64n)
    throw new GuestProgramError(
      `loadAddress ${shown(o.loadAddress)} must be a word-aligned address with room for ${formatBytes(max)} below 2^64`,
    );
  for (const [name, v] of [
    ['smmuBase', o.smmuBase],
    ['uartBase', o.uartBase],
  ] as const) {
    if (!fits(v, 64) || v % 4n !== 0n)
      throw new GuestProgramError(`${name} ${shown(v)} must be a word-aligned 64-bit physical address`);
  }
  return max;
}

function checkOp(op: GuestOp, i: number, smmuBase: bigint): void {
  const bad = (what: string) => new GuestProgramError(`${where(op, i)}: ${what}`, i);
  if (op.kind === 'store') {
    if (!(op.bytes instanceof Uint8Array)) throw bad('a store needs its bytes');
    if (!fits(op.address, 64) || op.address + BigInt(op.bytes.length) > 1n << 64n)
      throw bad(
        `store address ${shown(op.address)} with ${op.bytes.length} bytes does not fit the 64-bit address space`,
      );
    return;
  }
  if (op.kind === 'zero') {
    if (
      !Number.isInteger(op.length) ||
      op.length < 0 ||
      !fits(op.address, 64) ||
      op.address + BigInt(op.length) > 1n << 64n
    )
      throw bad(`zeroing ${String(op.length)} bytes at ${shown(op.address)} does not fit the 64-bit address space`);
    return;
  }
  if (op.kind !== 'read' && op.kind !== 'write' && op.kind !== 'poll')
    throw bad(`unknown kind ${String((op as { kind: unknown }).kind)}`);
  if (op.space !== 'smmu' && op.space !== 'phys') throw bad(`unknown space ${String(op.space)}`);
  const sizes: readonly number[] = op.kind === 'poll' ? [4, 8] : SIZES;
  if (!sizes.includes(op.size)) throw bad(`size ${String(op.size)} must be ${sizes.join(', ')}`);
  const bits = op.size * 8;
  if (!fits(op.address, 64) || (op.space === 'smmu' && smmuBase + op.address >= 1n << 64n))
    throw bad(
      `address ${shown(op.address)} is not a 64-bit ${op.space === 'smmu' ? 'offset from the SMMU base' : 'address'}`,
    );
  if (op.kind === 'write' && !fits(op.value, bits)) throw bad(`value ${shown(op.value)} does not fit ${op.size} bytes`);
  if (op.kind === 'poll') {
    if (!fits(op.mask, bits) || !fits(op.expected, bits))
      throw bad(`mask and expected value must fit ${op.size} bytes`);
    if (!Number.isInteger(op.max) || op.max < 1 || op.max > 0xffff_ffff)
      throw bad(`a poll makes 1 to 0xFFFFFFFF loads, not ${op.max}`);
  }
}

/** Nothing the program writes may land on the program itself. */
function checkWritesMissImage(ops: readonly GuestOp[], start: bigint, end: bigint): void {
  ops.forEach((op, i) => {
    const [from, length] =
      op.kind === 'store'
        ? [op.address, op.bytes.length]
        : op.kind === 'zero'
          ? [op.address, op.length]
          : op.kind === 'write' && op.space === 'phys'
            ? [op.address, op.size]
            : [0n, 0];
    if (length > 0 && from < end && from + BigInt(length) > start) {
      throw new GuestProgramError(
        `${where(op, i)} writes ${hex(from)}..${hex(from + BigInt(length) - 1n)}, inside the guest program's own image at ${hex(start)}..${hex(end - 1n)}; load the program elsewhere`,
        i,
      );
    }
  });
}

class ProgramBuilder {
  readonly a: Assembler;
  private readonly data: DataItem[] = [];
  private readonly str = new Map<string, Label>();

  constructor(loadAddress: bigint, maxBytes: number) {
    this.a = new Assembler(loadAddress, { maxAddress: loadAddress + BigInt(maxBytes) });
  }

  /** A label for the runtime's fixed text, placed in the strings area. */
  text(s: string): Label {
    let l = this.str.get(s);
    if (!l) this.str.set(s, (l = this.a.label(JSON.stringify(s))));
    return l;
  }

  /** Static text of an operation, placed in the data area: NUL-terminated parts in a row. */
  opData(strings: readonly string[], bytes?: Uint8Array, residue?: number): Label {
    const label = this.a.label(`data ${this.data.length}`);
    this.data.push({ label, strings, ...(bytes ? { bytes, residue } : {}) });
    return label;
  }

  emitRuntimeText(): void {
    for (const [s, l] of this.str) {
      this.a.bind(l);
      for (const part of s.split('\0')) this.a.asciz(part);
    }
  }

  emitData(): void {
    const a = this.a;
    for (const d of this.data) {
      if (d.bytes) {
        a.align(8, d.residue ?? 0);
        a.bind(d.label);
        a.bytes(d.bytes);
      } else {
        a.bind(d.label);
        for (const s of d.strings ?? []) a.asciz(s);
      }
    }
  }

  /** Wait while the UART's transmit FIFO is full, then write the byte in `r` (clobbers x9). */
  putc(r: Reg): void {
    const a = this.a;
    const wait = a.label('uart wait');
    a.bind(wait);
    a.ldr(w(9), { base: UART, offset: UARTFR });
    a.tbnz(w(9), UARTFR_TXFF_BIT, wait);
    a.str(r, { base: UART, offset: UARTDR });
  }

  /** Save x19-x22 and LR: routines that call others keep their state there. */
  enter(): void {
    this.a.stp(x(19), x(20), { base: sp, offset: -48, mode: 'pre' });
    this.a.stp(x(21), x(22), { base: sp, offset: 16 });
    this.a.str(LR, { base: sp, offset: 32 });
  }

  leave(): void {
    this.a.ldr(LR, { base: sp, offset: 32 });
    this.a.ldp(x(21), x(22), { base: sp, offset: 16 });
    this.a.ldp(x(19), x(20), { base: sp, offset: 48, mode: 'post' });
    this.a.ret();
  }

  /** One access the exception handler may recover from: x28 cleared, armed in x27 around it. */
  guarded(access: () => void): void {
    this.a.movz(ABORTED, 0);
    this.a.movz(ARMED, 1);
    access();
    this.a.movz(ARMED, 0);
  }
}

/** Build the program that performs `ops` in order and prints its report (ops.ts, runtime-text.ts). */
export function buildGuestProgram(ops: readonly GuestOp[], options: GuestProgramOptions): GuestProgram {
  const maxBytes = checkOptions(options);
  ops.forEach((op, i) => checkOp(op, i, options.smmuBase));
  // Store bytes alone may exceed the limit: say so before building anything.
  const storeBytes = ops.reduce((n, op) => n + (op.kind === 'store' ? op.bytes.length : 0), 0);
  if (storeBytes > maxBytes)
    throw new GuestProgramError(
      `the program is too large: its stores alone hold ${formatBytes(storeBytes)}, more than the ${formatBytes(maxBytes)} allowed`,
    );

  const p = new ProgramBuilder(options.loadAddress, maxBytes);
  const a = p.a;
  const labels = {
    start: a.label('start'),
    ops: a.label('ops'),
    vectors: a.label('vectors'),
    stackTop: a.label('stack top'),
    puts: a.label('puts'),
    skip: a.label('skip'),
    hex: a.label('hex'),
    hexMin8: a.label('hex min 8'),
    exit: a.label('exit'),
    semihosting: a.label('semihosting call'),
    hang: a.label('hang'),
    handler: a.label('exception handler'),
    fatal: a.label('fatal'),
    block: a.label('semihosting block'),
    reportEnd: a.label('report end'),
    runtimeText: a.label('runtime text'),
  };
  try {
    emitStart(p, labels, options);
    const runtime = emitRuntime(p, labels);
    a.bind(labels.runtimeText);
    p.emitRuntimeText();
    a.align(8);
    a.bind(labels.block);
    a.zeros(16);
    emitVectors(p, labels);

    a.bind(labels.ops);
    ops.forEach((op, i) => emitOp(p, runtime, op, i));
    a.movAddress(x(1), labels.reportEnd);
    a.bl(labels.puts);
    if (options.stayAlive) a.b(labels.hang);
    else {
      a.movz(x(0), 0);
      a.b(labels.exit);
    }

    a.bind(labels.reportEnd);
    a.asciz(REPORT_END);
    p.emitData();
    a.align(16);
    a.zeros(STACK_BYTES);
    a.bind(labels.stackTop);
    if (a.size > maxBytes)
      throw new GuestProgramError(
        `the program is too large: ${formatBytes(a.size)} for ${ops.length} operations, more than the ${formatBytes(maxBytes)} allowed`,
      );
    const image = a.finish();
    checkWritesMissImage(ops, options.loadAddress, options.loadAddress + BigInt(image.length));
    const symbols = new Map<string, bigint>();
    for (const k of [
      'start',
      'runtimeText',
      'vectors',
      'ops',
      'reportEnd',
      'exit',
      'semihosting',
      'handler',
      'fatal',
    ] as const)
      symbols.set(labels[k].name, a.addressOf(labels[k]));
    return {
      elf: elfExecutable(options.loadAddress, { address: options.loadAddress, data: image, memorySize: image.length }),
      image: { address: options.loadAddress, size: image.length },
      entry: options.loadAddress,
      symbols,
    };
  } catch (e) {
    // Out of reach only when the image outgrew what its branches and address loads were built for.
    if (e instanceof A64Error)
      throw new GuestProgramError(`the program is too large for ${formatBytes(maxBytes)}: ${e.message}`);
    throw e;
  }
}

type Labels = Record<
  | 'start'
  | 'ops'
  | 'vectors'
  | 'stackTop'
  | 'puts'
  | 'skip'
  | 'hex'
  | 'hexMin8'
  | 'exit'
  | 'semihosting'
  | 'hang'
  | 'handler'
  | 'fatal'
  | 'block'
  | 'reportEnd'
  | 'runtimeText',
  Label
>;

function emitStart(p: ProgramBuilder, l: Labels, o: GuestProgramOptions): void {
  const a = p.a;
  a.bind(l.start);
  a.mov64(UART, o.uartBase);
  a.mov64(SMMU, o.smmuBase);
  a.movAddress(x(0), l.stackTop);
  a.mov(sp, x(0));
  for (const r of [FATAL, ARMED, ABORTED]) a.movz(r, 0);
  // Vectors before the first access that may abort (an abort with none installed hangs the guest).
  a.adr(x(0), l.vectors);
  a.msr('VBAR_EL1', x(0));
  // SCTLR_EL1.A: alignment checking. With the stage 1 MMU off every data access is Device-nGnRnE,
  // where the architecture makes an unaligned access fault whatever SCTLR_EL1.A says; QEMU 7.2
  // does not check that (it split an unaligned 4-byte SMMU read into aligned ones and returned
  // bytes of two registers), and does check SCTLR_EL1.A. So an unaligned access aborts, as on
  // hardware.
  a.mrs(x(0), 'SCTLR_EL1');
  a.movz(x(1), SCTLR_A);
  a.orr(x(0), x(0), x(1));
  a.msr('SCTLR_EL1', x(0));
  a.isb();
  // UARTCR: enable the UART and its transmitter, keeping the other bits as QEMU reset them.
  a.ldr(w(0), { base: UART, offset: UARTCR });
  a.movz(w(1), UARTCR_UARTEN_TXE);
  a.orr(w(0), w(0), w(1));
  a.str(w(0), { base: UART, offset: UARTCR });
  a.adr(x(1), p.text(REPORT_START));
  a.bl(l.puts);
  a.b(l.ops);
}

function emitRuntime(p: ProgramBuilder, l: Labels): Runtime {
  const a = p.a;

  // puts: print the NUL-terminated string at x1; returns x1 past the NUL (clobbers x0, x9).
  a.bind(l.puts);
  const putsDone = a.label('puts done');
  a.ldrb(w(0), { base: x(1), offset: 1, mode: 'post' });
  a.cbz(w(0), putsDone);
  p.putc(w(0));
  a.b(l.puts);
  a.bind(putsDone);
  a.ret();

  // skip: x1 past the next NUL, printing nothing (clobbers x0).
  a.bind(l.skip);
  a.ldrb(w(0), { base: x(1), offset: 1, mode: 'post' });
  a.cbnz(w(0), l.skip);
  a.ret();

  // hexMin8: x0 in at least 8 hex digits (after `0x`), more when it is wider (clobbers x0-x3, x9).
  a.bind(l.hexMin8);
  a.clz(x(2), x(0));
  a.movz(x(1), 67);
  a.sub(x(1), x(1), x(2));
  a.lsr(x(1), x(1), 2); // significant digits, (64 - clz + 3) / 4
  a.cmp(x(1), 8);
  a.bcond('hs', l.hex);
  a.movz(x(1), 8);
  // Falls through into hex.

  // hex: `0x`, then x0 in x1 (1 to 16) upper-case hex digits, most significant first (clobbers x0-x3, x9).
  a.bind(l.hex);
  const hexLoop = a.label('hex loop');
  const decimal = a.label('hex decimal');
  for (const c of '0x') {
    a.movz(w(2), c.charCodeAt(0));
    p.putc(w(2));
  }
  a.lsl(x(2), x(1), 2);
  a.movz(x(3), 64);
  a.sub(x(2), x(3), x(2));
  a.lsl(x(0), x(0), x(2)); // the first digit to print in bits 63:60
  a.bind(hexLoop);
  a.lsr(x(2), x(0), 60);
  a.cmp(x(2), 10);
  a.bcond('lo', decimal);
  a.add(x(2), x(2), 'A'.charCodeAt(0) - '0'.charCodeAt(0) - 10);
  a.bind(decimal);
  a.add(x(2), x(2), '0'.charCodeAt(0));
  p.putc(w(2));
  a.lsl(x(0), x(0), 4);
  a.subs(x(1), x(1), 1);
  a.bcond('ne', hexLoop);
  a.ret();

  // The tails the operation routines end in: x19 the operation's text, x20 the value read, x21
  // its digits, x22 a poll's load count, x28 the abort. Each prints and returns to the operation.
  const valueLine = () => {
    const aborted = a.label('aborted');
    const printed = a.label('printed');
    a.mov(x(1), x(19));
    a.bl(l.puts); // prefix
    a.mov(x(19), x(1));
    a.cbnz(ABORTED, aborted);
    a.mov(x(0), x(20));
    a.mov(x(1), x(21));
    a.bl(l.hex);
    a.b(printed);
    a.bind(aborted);
    a.adr(x(1), p.text(ABORT_WORD));
    a.bl(l.puts);
    a.bind(printed);
    a.mov(x(1), x(19));
    a.bl(l.puts); // suffix
  };
  const readTail = a.label('read tail');
  a.bind(readTail);
  valueLine();
  p.leave();

  const pollTail = a.label('poll tail');
  a.bind(pollTail);
  valueLine();
  a.mov(x(0), x(22));
  a.movz(x(1), 8);
  a.bl(l.hex);
  a.adr(x(1), p.text('\n'));
  a.bl(l.puts);
  p.leave();

  const writeTail = a.label('write tail');
  const writeDone = a.label('write done');
  a.bind(writeTail);
  a.mov(x(1), x(19));
  a.bl(l.puts); // prefix, with the value written
  a.mov(x(19), x(1));
  a.cbz(ABORTED, writeDone);
  a.adr(x(1), p.text(` ${ABORT_WORD}`));
  a.bl(l.puts);
  a.bind(writeDone);
  a.mov(x(1), x(19));
  a.bl(l.puts); // suffix
  p.leave();

  // Operation routines: x0 the address (an SMMU offset at the `smmu` entry, which adds the base),
  // x1 the value (write) or mask (poll), x2 the expected value and x3 the load limit (poll), x4
  // the operation's text.
  const runtime: Runtime = { access: new Map(), store: a.label('store'), zero: a.label('zero') };
  const routine = (kind: 'read' | 'write' | 'poll', size: number, equal: boolean | undefined, body: () => void) => {
    const smmu = a.label(routineKey(kind, size, true, equal));
    const phys = a.label(routineKey(kind, size, false, equal));
    runtime.access.set(smmu.name, smmu);
    runtime.access.set(phys.name, phys);
    a.bind(smmu);
    a.add(x(0), x(0), SMMU);
    a.bind(phys);
    p.enter();
    a.mov(x(19), x(4));
    body();
  };
  for (const size of SIZES) {
    routine('read', size, undefined, () => {
      p.guarded(() => a.loadStore(true, size, data(20, size), { base: x(0) }));
      a.movz(x(21), size * 2);
      a.b(readTail);
    });
    routine('write', size, undefined, () => {
      p.guarded(() => a.loadStore(false, size, data(1, size), { base: x(0) }));
      a.b(writeTail);
    });
  }
  for (const size of [4, 8] as const) {
    for (const equal of [true, false]) {
      // The count includes a load that aborted (the abort ends the loop).
      routine('poll', size, equal, () => {
        const loop = a.label('poll loop');
        const done = a.label('poll done');
        a.movz(x(5), 0);
        a.bind(loop);
        p.guarded(() => a.loadStore(true, size, data(6, size), { base: x(0) }));
        a.add(x(5), x(5), 1);
        a.cbnz(ABORTED, done);
        a.and(x(7), x(6), x(1));
        a.cmp(x(7), x(2));
        a.bcond(equal ? 'eq' : 'ne', done);
        a.cmp(x(5), x(3));
        a.bcond('lo', loop);
        a.bind(done);
        a.mov(x(20), x(6));
        a.movz(x(21), size * 2);
        a.mov(x(22), x(5));
        a.b(pollTail);
      });
    }
  }

  // store: copy x2 bytes from x1 (in the image, at the same address modulo 8) to x0 with the
  // accesses storeLines() reports: 8 bytes where aligned, 4, 2, 1 at the ends. With the stage 1
  // MMU off, data accesses are Device-nGnRnE (DDI 0487), where an unaligned access faults.
  // zero: the same pieces, storing the zero register (no source).
  for (const zero of [false, true]) {
    a.bind(zero ? runtime.zero : runtime.store);
    p.enter();
    a.mov(x(19), x(4));
    a.movz(ABORTED, 0);
    const loop = a.label(zero ? 'zero loop' : 'store loop');
    const done = a.label(zero ? 'zero done' : 'store done');
    const failed = a.label(zero ? 'zero failed' : 'store failed');
    const tries = new Map<number, Label>(SIZES.map((s) => [s, a.label(`${zero ? 'zero' : 'store'} try ${s}`)]));
    a.bind(loop);
    a.cbz(x(2), done);
    for (const size of [8, 4, 2, 1] as const) {
      a.bind(tries.get(size) as Label);
      if (size > 1) {
        const smaller = tries.get(size / 2) as Label;
        a.cmp(x(2), size);
        a.bcond('lo', smaller);
        for (let bit = 0; 1 << bit < size; bit++) a.tbnz(x(0), bit, smaller);
      }
      if (zero) p.guarded(() => a.loadStore(false, size, size === 8 ? xzr : wzr, { base: x(0) }));
      else {
        a.loadStore(true, size, data(9, size), { base: x(1) });
        p.guarded(() => a.loadStore(false, size, data(9, size), { base: x(0) }));
      }
      a.cbnz(ABORTED, failed);
      a.add(x(0), x(0), size);
      if (!zero) a.add(x(1), x(1), size);
      a.sub(x(2), x(2), size);
      a.b(loop);
    }
    // The copied bytes reach memory before the next operation (a doorbell) is made.
    a.bind(done);
    a.dsbSy();
    a.mov(x(1), x(19));
    a.bl(l.puts); // the M lines (a store) or the zero line
    p.leave();
    a.bind(failed);
    a.dsbSy();
    a.mov(x(20), x(0));
    a.mov(x(1), x(19));
    a.bl(l.skip); // past the M lines
    a.bl(l.puts); // `# @i abort store 0x`
    a.mov(x(19), x(1));
    a.mov(x(0), x(20));
    a.bl(l.hexMin8);
    a.mov(x(1), x(19));
    a.bl(l.puts);
    p.leave();
  }

  // exit: semihosting SYS_EXIT with ADP_Stopped_ApplicationExit and the status in x0.
  a.bind(l.exit);
  a.adr(x(1), l.block);
  a.mov64(x(2), ADP_STOPPED_APPLICATION_EXIT);
  a.stp(x(2), x(0), { base: x(1) });
  a.movz(w(0), SYS_EXIT);
  a.bind(l.semihosting);
  a.hlt(SEMIHOSTING_HLT);
  a.bind(l.hang); // without semihosting, or an exception in the fatal handler: park
  a.wfi();
  a.b(l.hang);

  // Exception handler, x0 the vector offset (original x0, x1 on the stack). A Data Abort (an
  // external abort, an alignment fault) at an armed access is an observation: record its ESR,
  // step over the access and return. Anything else is fatal.
  a.bind(l.handler);
  a.cmp(x(0), VECTOR_SYNC_CURRENT_SPX);
  a.bcond('ne', l.fatal);
  a.cbz(ARMED, l.fatal);
  a.mrs(x(1), 'ESR_EL1');
  a.ubfx(x(1), x(1), 26, 6); // EC
  a.cmp(x(1), EC_DATA_ABORT_SAME_EL);
  a.bcond('ne', l.fatal);
  a.mrs(ABORTED, 'ESR_EL1');
  a.movz(ARMED, 0);
  a.mrs(x(1), 'ELR_EL1');
  a.add(x(1), x(1), 4);
  a.msr('ELR_EL1', x(1));
  a.ldp(x(0), x(1), { base: sp, offset: 16, mode: 'post' });
  a.eret();

  a.bind(l.fatal);
  a.cbnz(FATAL, l.hang);
  a.movz(FATAL, 1);
  a.mov(x(19), x(0));
  const parts = p.text(FATAL_PARTS.join('\0'));
  a.adr(x(20), parts);
  const values: (() => void)[] = [
    () => a.mov(x(0), x(19)),
    () => a.mrs(x(0), 'ESR_EL1'),
    () => a.mrs(x(0), 'ELR_EL1'),
    () => a.mrs(x(0), 'FAR_EL1'),
  ];
  values.forEach((load, i) => {
    a.mov(x(1), x(20));
    a.bl(l.puts);
    a.mov(x(20), x(1));
    load();
    a.movz(x(1), FATAL_DIGITS[i] as number);
    a.bl(l.hex);
  });
  a.mov(x(1), x(20));
  a.bl(l.puts);
  a.movz(x(0), 1);
  a.b(l.exit);
  return runtime;
}

/** 16 entries (4 kinds × 4 origins), each 0x80 bytes: pass the offset to the handler. */
function emitVectors(p: ProgramBuilder, l: Labels): void {
  const a = p.a;
  a.align(0x800);
  a.bind(l.vectors);
  for (let k = 0; k < 16; k++) {
    a.stp(x(0), x(1), { base: sp, offset: -16, mode: 'pre' });
    a.movz(x(0), k * 0x80);
    a.b(l.handler);
    a.align(0x80);
  }
}

function emitOp(p: ProgramBuilder, rt: Runtime, op: GuestOp, i: number): void {
  const a = p.a;
  if (op.kind === 'zero') {
    if (op.length === 0) return;
    const abort = storeAbortText(i);
    const text = p.opData([opText(op, i).prefix, abort.prefix, abort.suffix]);
    a.mov64(x(0), op.address);
    a.mov64(x(2), BigInt(op.length));
    a.movAddress(x(4), text);
    a.bl(rt.zero);
    return;
  }
  if (op.kind === 'store') {
    if (op.bytes.length === 0) return; // prints nothing, as storeLines() says
    const abort = storeAbortText(i);
    const text = p.opData([opText(op, i).prefix, abort.prefix, abort.suffix]);
    const bytes = p.opData([], op.bytes, Number(op.address % 8n));
    a.mov64(x(0), op.address);
    a.movAddress(x(1), bytes);
    a.mov64(x(2), BigInt(op.bytes.length));
    a.movAddress(x(4), text);
    a.bl(rt.store);
    return;
  }
  const t = opText(op, i);
  const text = p.opData([t.prefix, t.suffix]);
  const smmu = op.space === 'smmu';
  a.mov64(x(0), op.address);
  if (op.kind === 'write') a.mov64(x(1), op.value);
  if (op.kind === 'poll') {
    a.mov64(x(1), op.mask);
    a.mov64(x(2), op.expected);
    a.mov64(x(3), BigInt(op.max));
  }
  a.movAddress(x(4), text);
  a.bl(rt.access.get(routineKey(op.kind, op.size, smmu, op.kind === 'poll' ? op.equal : undefined)) as Label);
}
