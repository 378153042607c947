/**
 * A small AArch64 assembler: just the instruction forms the guest program (program.ts) needs,
 * encoded from the Arm Architecture Reference Manual for A-profile (DDI 0487), chapter C6 (the
 * A64 base instructions) and C4 (the encoding index). It appends 32-bit little-endian words and
 * data to a buffer placed at a known address, with labels that may be used before they are bound
 * (fixed up by finish()).
 *
 * Every operand is checked: a register of the wrong width, SP where the encoding means the zero
 * register (or the other way round), an immediate that does not fit its field or a branch target
 * out of reach throws an A64Error that names the instruction. test/core/guest/a64.test.ts checks
 * every form against GNU objdump.
 */

/** An operand that does not fit its instruction. */
export class A64Error extends Error {
  constructor(
    /** The mnemonic, e.g. `b.ne` or `ldr`. */
    readonly instruction: string,
    detail: string,
  ) {
    super(`${instruction}: ${detail}`);
  }
}

/**
 * A general-purpose register. Number 31 is the stack pointer or the zero register depending on
 * the operand (DDI 0487, A64 register names): `sp` says which one is meant, so an encoder can
 * refuse the other.
 */
export interface Reg {
  readonly n: number;
  /** 64-bit (X) or 32-bit (W) view. */
  readonly wide: boolean;
  readonly sp: boolean;
  readonly name: string;
}

function reg(n: number, wide: boolean): Reg {
  if (!Number.isInteger(n) || n < 0 || n > 30)
    throw new A64Error('register', `${wide ? 'x' : 'w'}${n} is not a register (0 to 30; use xzr, wzr or sp for 31)`);
  return { n, wide, sp: false, name: `${wide ? 'x' : 'w'}${n}` };
}

export const x = (n: number): Reg => reg(n, true);
export const w = (n: number): Reg => reg(n, false);
export const xzr: Reg = { n: 31, wide: true, sp: false, name: 'xzr' };
export const wzr: Reg = { n: 31, wide: false, sp: false, name: 'wzr' };
export const sp: Reg = { n: 31, wide: true, sp: true, name: 'sp' };
export const wsp: Reg = { n: 31, wide: false, sp: true, name: 'wsp' };

/** A position in the program; bound once, usable before and after. */
export class Label {
  constructor(readonly name: string) {}
}

/** Condition codes (DDI 0487, condition code), in encoding order. */
export const CONDITIONS = [
  'eq',
  'ne',
  'hs',
  'lo',
  'mi',
  'pl',
  'vs',
  'vc',
  'hi',
  'ls',
  'ge',
  'lt',
  'gt',
  'le',
  'al',
  'nv',
] as const;
export type Condition = (typeof CONDITIONS)[number];

/** The system registers the program touches: op0, op1, CRn, CRm, op2 (DDI 0487, each register's accessors). */
export const SYSTEM_REGISTERS = {
  SCTLR_EL1: [3, 0, 1, 0, 0],
  SPSR_EL1: [3, 0, 4, 0, 0],
  ELR_EL1: [3, 0, 4, 0, 1],
  ESR_EL1: [3, 0, 5, 2, 0],
  FAR_EL1: [3, 0, 6, 0, 0],
  VBAR_EL1: [3, 0, 12, 0, 0],
} as const;
export type SystemRegister = keyof typeof SYSTEM_REGISTERS;

/** A memory operand: `[base, #offset]`, `[base, #offset]!` (pre) or `[base], #offset` (post). */
export interface Mem {
  readonly base: Reg;
  readonly offset?: number;
  readonly mode?: 'offset' | 'pre' | 'post';
}

type FixupKind = 'imm26' | 'imm19' | 'imm14' | 'adr' | 'abs16';

interface Fixup {
  readonly at: number;
  readonly kind: FixupKind;
  readonly label: Label;
  readonly instruction: string;
  /** abs16: which 16-bit chunk of the address this MOVZ/MOVK carries. */
  readonly chunk?: number;
}

/** Role of register number 31 in an operand. */
type Role = 'zr' | 'sp';

function operand(insn: string, r: Reg, role: Role, wide?: boolean): number {
  if (r.n === 31 && r.sp !== (role === 'sp'))
    throw new A64Error(
      insn,
      `${r.name} cannot be used here (this operand takes ${role === 'sp' ? 'sp, not the zero register' : 'the zero register, not sp'})`,
    );
  if (wide !== undefined && r.wide !== wide)
    throw new A64Error(insn, `${r.name} must be a ${wide ? '64-bit (x)' : '32-bit (w)'} register here`);
  return r.n;
}

function sameWidth(insn: string, ...regs: Reg[]): number {
  const wide = (regs[0] as Reg).wide;
  for (const r of regs)
    if (r.wide !== wide)
      throw new A64Error(insn, `${r.name} mixes 32- and 64-bit registers (${regs.map((q) => q.name).join(', ')})`);
  return wide ? 1 : 0;
}

function uimm(insn: string, what: string, v: number, max: number, multiple = 1): number {
  if (!Number.isInteger(v) || v < 0 || v > max || v % multiple !== 0) {
    throw new A64Error(
      insn,
      `${what} ${v} does not fit (0 to ${max}${multiple > 1 ? `, a multiple of ${multiple}` : ''})`,
    );
  }
  return v;
}

function simm(insn: string, what: string, v: number, min: number, max: number, multiple = 1): number {
  if (!Number.isInteger(v) || v < min || v > max || v % multiple !== 0) {
    throw new A64Error(
      insn,
      `${what} ${v} does not fit (${min} to ${max}${multiple > 1 ? `, a multiple of ${multiple}` : ''})`,
    );
  }
  return v;
}

/** A branch or ADR displacement in bytes: in reach, and word-aligned when `scale` is 4. */
function displacement(insn: string, delta: number, bits: number, scale: number): number {
  const reach = 2 ** (bits - 1) * scale;
  if (delta % scale !== 0 || delta < -reach || delta >= reach) {
    throw new A64Error(
      insn,
      `target is ${delta} bytes away, out of reach (${-reach} to ${reach - scale}${scale > 1 ? `, a multiple of ${scale}` : ''})`,
    );
  }
  return (delta / scale) & ((1 << bits) - 1);
}

const hex = (v: bigint | number) => `0x${v.toString(16).toUpperCase()}`;

export interface AssemblerOptions {
  /**
   * The highest address a label may have: movAddress() loads label addresses with a fixed number
   * of MOVZ/MOVK (one per 16 bits this needs), as the address is not known until finish().
   */
  readonly maxAddress?: bigint;
}

export class Assembler {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  private length = 0;
  private readonly bound = new Map<Label, bigint>();
  private readonly fixups: Fixup[] = [];
  private readonly addressChunks: number;

  constructor(
    /** Address of the first byte. */
    readonly base: bigint,
    options: AssemblerOptions = {},
  ) {
    if (base < 0n || base >= 1n << 64n || base % 4n !== 0n)
      throw new A64Error('assembler', `base address ${hex(base)} must be a word-aligned 64-bit address`);
    const max = options.maxAddress ?? base + 0xffff_ffffn;
    let chunks = 1;
    while (chunks < 4 && max >> BigInt(16 * chunks) !== 0n) chunks++;
    this.addressChunks = chunks;
  }

  /** Bytes emitted so far. */
  get size(): number {
    return this.length;
  }

  /** Address of the next byte. */
  get pc(): bigint {
    return this.base + BigInt(this.length);
  }

  label(name: string): Label {
    return new Label(name);
  }

  /** A label at a fixed address (outside the program, or a test's far target). */
  at(address: bigint, name = hex(address)): Label {
    const l = new Label(name);
    this.bound.set(l, address);
    return l;
  }

  bind(l: Label): void {
    if (this.bound.has(l)) throw new A64Error('label', `${l.name} is bound twice`);
    this.bound.set(l, this.pc);
  }

  addressOf(l: Label): bigint {
    const a = this.bound.get(l);
    if (a === undefined) throw new A64Error('label', `${l.name} is not bound`);
    return a;
  }

  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < at + n) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(this.buf.subarray(0, at));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += n;
    return at;
  }

  /** Append one instruction word. */
  word(v: number): void {
    if (this.length % 4 !== 0)
      throw new A64Error('instruction', `at ${hex(this.pc)} is not word-aligned (align() after data)`);
    const at = this.reserve(4); // before reading this.view: reserve() may grow the buffer
    this.view.setUint32(at, v >>> 0, true);
  }

  /** Append raw bytes (data). */
  bytes(data: Uint8Array): void {
    const at = this.reserve(data.length);
    this.buf.set(data, at);
  }

  /** Append a string's characters (Latin-1: each character one byte) and a NUL. */
  asciz(text: string): void {
    const at = this.reserve(text.length + 1);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0 || c > 0xff)
        throw new A64Error('asciz', `character ${hex(c)} at ${i} cannot be stored in a NUL-terminated byte string`);
      this.buf[at + i] = c;
    }
    this.buf[at + text.length] = 0;
  }

  /** Pad with zeros until the address is `residue` modulo `alignment` (a power of two). */
  align(alignment: number, residue = 0): void {
    const a = BigInt(alignment);
    const pad = Number((((BigInt(residue) - this.pc) % a) + a) % a);
    this.reserve(pad); // zero-filled: the buffer grows with zeros and is never reused
  }

  /** Append `n` zero bytes. */
  zeros(n: number): void {
    this.reserve(n);
  }

  private refer(l: Label, kind: FixupKind, instruction: string, chunk?: number): void {
    const f: Fixup = { at: this.length, kind, label: l, instruction, ...(chunk === undefined ? {} : { chunk }) };
    // Resolve a bound label at once, so an out-of-range branch throws where it is written.
    if (this.bound.has(l)) this.patch(f);
    this.fixups.push(f);
  }

  private patch(f: Fixup): number {
    const target = this.addressOf(f.label);
    const here = this.base + BigInt(f.at);
    const deltaBig = target - here;
    const delta = Number(deltaBig);
    let bits: number;
    switch (f.kind) {
      case 'imm26':
        bits = displacement(f.instruction, delta, 26, 4);
        break;
      case 'imm19':
        bits = displacement(f.instruction, delta, 19, 4) << 5;
        break;
      case 'imm14':
        bits = displacement(f.instruction, delta, 14, 4) << 5;
        break;
      case 'adr': {
        const d = displacement(f.instruction, delta, 21, 1);
        bits = ((d & 3) << 29) | ((d >> 2) << 5);
        break;
      }
      case 'abs16': {
        const chunk = f.chunk as number;
        if (target >> BigInt(16 * this.addressChunks) !== 0n)
          throw new A64Error(f.instruction, `${f.label.name} at ${hex(target)} is beyond the assembler's maxAddress`);
        bits = Number((target >> BigInt(16 * chunk)) & 0xffffn) << 5;
        break;
      }
    }
    return bits;
  }

  /** The program: every label bound, every reference fixed up. */
  finish(): Uint8Array {
    for (const f of this.fixups) {
      const bits = this.patch(f);
      this.view.setUint32(f.at, (this.view.getUint32(f.at, true) | bits) >>> 0, true);
    }
    this.fixups.length = 0;
    return this.buf.slice(0, this.length);
  }

  // --- Move wide (C6.2: MOVZ, MOVN, MOVK) -------------------------------------------------------

  private moveWide(insn: string, opc: number, rd: Reg, imm16: number, shift: number): void {
    const d = operand(insn, rd, 'zr');
    uimm(insn, 'immediate', imm16, 0xffff);
    if (![0, 16, 32, 48].includes(shift) || (!rd.wide && shift > 16))
      throw new A64Error(insn, `shift ${shift} must be ${rd.wide ? '0, 16, 32 or 48' : '0 or 16'}`);
    this.word(((rd.wide ? 1 : 0) << 31) | (opc << 29) | (0b100101 << 23) | ((shift / 16) << 21) | (imm16 << 5) | d);
  }

  movz(rd: Reg, imm16: number, shift = 0): void {
    this.moveWide('movz', 0b10, rd, imm16, shift);
  }

  movn(rd: Reg, imm16: number, shift = 0): void {
    this.moveWide('movn', 0b00, rd, imm16, shift);
  }

  movk(rd: Reg, imm16: number, shift = 0): void {
    this.moveWide('movk', 0b11, rd, imm16, shift);
  }

  /**
   * Load a constant with the fewest MOVZ/MOVK (or MOVN/MOVK when more of its 16-bit chunks are
   * all ones than zero). Negative values are taken as two's complement of the register's width.
   */
  mov64(rd: Reg, value: bigint): void {
    const bits = rd.wide ? 64n : 32n;
    if (value < -(1n << (bits - 1n)) || value >= 1n << bits)
      throw new A64Error('mov', `${value} does not fit a ${bits}-bit register`);
    const v = BigInt.asUintN(Number(bits), value);
    const chunks: number[] = [];
    for (let i = 0n; i < bits / 16n; i++) chunks.push(Number((v >> (16n * i)) & 0xffffn));
    const zeros = chunks.filter((c) => c === 0).length;
    const ones = chunks.filter((c) => c === 0xffff).length;
    const inverted = ones > zeros;
    const fill = inverted ? 0xffff : 0;
    let first = chunks.findIndex((c) => c !== fill);
    if (first < 0) first = 0;
    const c0 = chunks[first] as number;
    if (inverted) this.movn(rd, ~c0 & 0xffff, first * 16);
    else this.movz(rd, c0, first * 16);
    chunks.forEach((c, i) => {
      if (i !== first && c !== fill) this.movk(rd, c, i * 16);
    });
  }

  /**
   * Load a label's address with a fixed MOVZ/MOVK sequence (as many as maxAddress needs): the
   * program's data may lie beyond ADR's ±1 MiB, and the MMU is off, so an address is just a number.
   */
  movAddress(rd: Reg, l: Label): void {
    operand('mov', rd, 'zr', true);
    for (let i = 0; i < this.addressChunks; i++) {
      this.refer(l, 'abs16', i === 0 ? 'movz' : 'movk', i);
      if (i === 0) this.movz(rd, 0, 0);
      else this.movk(rd, 0, 16 * i);
    }
  }

  // --- Logical and arithmetic (shifted register, C6.2: ORR, AND, ANDS, EOR, ADD, SUB, SUBS) ------

  private shiftedRegister(insn: string, top: number, rd: Reg, rn: Reg, rm: Reg, lsl: number): void {
    const sf = sameWidth(insn, rd, rn, rm);
    const d = operand(insn, rd, 'zr');
    const n = operand(insn, rn, 'zr');
    const m = operand(insn, rm, 'zr');
    uimm(insn, 'shift', lsl, sf ? 63 : 31);
    this.word((sf << 31) | top | (m << 16) | (lsl << 10) | (n << 5) | d);
  }

  orr(rd: Reg, rn: Reg, rm: Reg, lsl = 0): void {
    this.shiftedRegister('orr', 0b01_01010 << 24, rd, rn, rm, lsl);
  }

  and(rd: Reg, rn: Reg, rm: Reg, lsl = 0): void {
    this.shiftedRegister('and', 0b00_01010 << 24, rd, rn, rm, lsl);
  }

  ands(rd: Reg, rn: Reg, rm: Reg, lsl = 0): void {
    this.shiftedRegister('ands', 0b11_01010 << 24, rd, rn, rm, lsl);
  }

  tst(rn: Reg, rm: Reg): void {
    this.ands(rn.wide ? xzr : wzr, rn, rm);
  }

  eor(rd: Reg, rn: Reg, rm: Reg, lsl = 0): void {
    this.shiftedRegister('eor', 0b10_01010 << 24, rd, rn, rm, lsl);
  }

  /** MOV (register): ORR with the zero register, or ADD #0 when either side is SP. */
  mov(rd: Reg, rm: Reg): void {
    if (rd.sp || rm.sp) this.add(rd, rm, 0);
    else this.orr(rd, rd.wide ? xzr : wzr, rm);
  }

  /** ADD/SUB/SUBS (immediate: imm12, optionally LSL #12; or shifted register: LSL #amount). */
  private addSub(insn: string, op: number, s: number, rd: Reg, rn: Reg, operand2: number | Reg, shift: number): void {
    if (typeof operand2 !== 'number') {
      this.shiftedRegister(insn, (op << 30) | (s << 29) | (0b01011 << 24), rd, rn, operand2, shift);
      return;
    }
    const sf = sameWidth(insn, rd, rn);
    const d = operand(insn, rd, s ? 'zr' : 'sp');
    const n = operand(insn, rn, 'sp');
    uimm(insn, 'immediate', operand2, 0xfff);
    if (shift !== 0 && shift !== 12) throw new A64Error(insn, `shift ${shift} must be 0 or 12`);
    this.word(
      (sf << 31) | (op << 30) | (s << 29) | (0b100010 << 23) | ((shift / 12) << 22) | (operand2 << 10) | (n << 5) | d,
    );
  }

  add(rd: Reg, rn: Reg, operand2: number | Reg, shift = 0): void {
    this.addSub('add', 0, 0, rd, rn, operand2, shift);
  }

  sub(rd: Reg, rn: Reg, operand2: number | Reg, shift = 0): void {
    this.addSub('sub', 1, 0, rd, rn, operand2, shift);
  }

  subs(rd: Reg, rn: Reg, operand2: number | Reg, shift = 0): void {
    this.addSub('subs', 1, 1, rd, rn, operand2, shift);
  }

  cmp(rn: Reg, operand2: number | Reg, shift = 0): void {
    this.subs(rn.wide ? xzr : wzr, rn, operand2, shift);
  }

  // --- Bitfield and shifts (C6.2: UBFM and its aliases LSL, LSR, UBFX; LSLV, LSRV; CLZ) ----------

  private ubfm(insn: string, rd: Reg, rn: Reg, immr: number, imms: number): void {
    const sf = sameWidth(insn, rd, rn);
    this.word(
      (sf << 31) |
        (0b10_100110 << 23) |
        (sf << 22) |
        (immr << 16) |
        (imms << 10) |
        (operand(insn, rn, 'zr') << 5) |
        operand(insn, rd, 'zr'),
    );
  }

  /** LSL by an immediate (UBFM) or by a register (LSLV). */
  lsl(rd: Reg, rn: Reg, amount: number | Reg): void {
    if (typeof amount !== 'number') return this.shiftVariable('lsl', 0b00, rd, rn, amount);
    const size = rd.wide ? 64 : 32;
    uimm('lsl', 'shift', amount, size - 1);
    this.ubfm('lsl', rd, rn, (size - amount) % size, size - 1 - amount);
  }

  /** LSR by an immediate (UBFM) or by a register (LSRV). */
  lsr(rd: Reg, rn: Reg, amount: number | Reg): void {
    if (typeof amount !== 'number') return this.shiftVariable('lsr', 0b01, rd, rn, amount);
    const size = rd.wide ? 64 : 32;
    uimm('lsr', 'shift', amount, size - 1);
    this.ubfm('lsr', rd, rn, amount, size - 1);
  }

  /** Extract `width` bits from bit `lsb` on, zero-extended. */
  ubfx(rd: Reg, rn: Reg, lsb: number, width: number): void {
    const size = rd.wide ? 64 : 32;
    uimm('ubfx', 'lsb', lsb, size - 1);
    uimm('ubfx', 'width', width, size - lsb);
    if (width < 1) throw new A64Error('ubfx', 'width 0 does not fit (at least 1)');
    this.ubfm('ubfx', rd, rn, lsb, lsb + width - 1);
  }

  private shiftVariable(insn: string, op2: number, rd: Reg, rn: Reg, rm: Reg): void {
    const sf = sameWidth(insn, rd, rn, rm);
    this.word(
      (sf << 31) |
        (0b11010110 << 21) |
        (operand(insn, rm, 'zr') << 16) |
        (0b0010 << 12) |
        (op2 << 10) |
        (operand(insn, rn, 'zr') << 5) |
        operand(insn, rd, 'zr'),
    );
  }

  clz(rd: Reg, rn: Reg): void {
    const sf = sameWidth('clz', rd, rn);
    this.word((sf << 31) | 0x5ac01000 | (operand('clz', rn, 'zr') << 5) | operand('clz', rd, 'zr'));
  }

  // --- Loads and stores (C6.2: LDR/STR B/H/W/X immediate; LDP/STP) -------------------------------

  /**
   * LDR/STR of 1, 2, 4 or 8 bytes: unsigned scaled offset, or pre/post-index with a signed 9-bit
   * byte offset. The data register is W for 1 to 4 bytes and X for 8.
   */
  loadStore(load: boolean, size: 1 | 2 | 4 | 8, rt: Reg, mem: Mem): void {
    const insn = `${load ? 'ldr' : 'str'}${size === 1 ? 'b' : size === 2 ? 'h' : ''}`;
    const t = operand(insn, rt, 'zr', size === 8);
    const n = operand(insn, mem.base, 'sp', true);
    const log2 = [1, 2, 4, 8].indexOf(size);
    const offset = mem.offset ?? 0;
    const opc = load ? 1 : 0;
    const mode = mem.mode ?? 'offset';
    if (mode === 'offset') {
      const imm12 = uimm(insn, 'offset', offset, 4095 * size, size) / size;
      this.word((log2 << 30) | (0b111001 << 24) | (opc << 22) | (imm12 << 10) | (n << 5) | t);
      return;
    }
    // Writeback to the register being loaded or stored is CONSTRAINED UNPREDICTABLE (C6.2, LDR immediate).
    if (mem.base.n === rt.n && rt.n !== 31)
      throw new A64Error(insn, `writeback to ${mem.base.name}, which is also the data register, is unpredictable`);
    const imm9 = simm(insn, 'offset', offset, -256, 255) & 0x1ff;
    this.word(
      (log2 << 30) |
        (0b111000 << 24) |
        (opc << 22) |
        (imm9 << 12) |
        ((mode === 'pre' ? 0b11 : 0b01) << 10) |
        (n << 5) |
        t,
    );
  }

  ldr(rt: Reg, mem: Mem): void {
    this.loadStore(true, rt.wide ? 8 : 4, rt, mem);
  }

  str(rt: Reg, mem: Mem): void {
    this.loadStore(false, rt.wide ? 8 : 4, rt, mem);
  }

  ldrb(rt: Reg, mem: Mem): void {
    this.loadStore(true, 1, rt, mem);
  }

  strb(rt: Reg, mem: Mem): void {
    this.loadStore(false, 1, rt, mem);
  }

  ldrh(rt: Reg, mem: Mem): void {
    this.loadStore(true, 2, rt, mem);
  }

  strh(rt: Reg, mem: Mem): void {
    this.loadStore(false, 2, rt, mem);
  }

  /** LDP/STP of two W or X registers: signed offset, pre- or post-index, imm7 scaled by the size. */
  private pair(load: boolean, rt1: Reg, rt2: Reg, mem: Mem): void {
    const insn = load ? 'ldp' : 'stp';
    const sf = sameWidth(insn, rt1, rt2);
    const t1 = operand(insn, rt1, 'zr');
    const t2 = operand(insn, rt2, 'zr');
    const n = operand(insn, mem.base, 'sp', true);
    const scale = sf ? 8 : 4;
    const mode = mem.mode ?? 'offset';
    if (load && t1 === t2) throw new A64Error(insn, `loading ${rt1.name} twice is unpredictable`);
    if (mode !== 'offset' && mem.base.n !== 31 && (mem.base.n === t1 || mem.base.n === t2))
      throw new A64Error(insn, `writeback to ${mem.base.name}, which is also a data register, is unpredictable`);
    const imm7 = (simm(insn, 'offset', mem.offset ?? 0, -64 * scale, 63 * scale, scale) / scale) & 0x7f;
    const modeBits = mode === 'post' ? 0b001 : mode === 'offset' ? 0b010 : 0b011;
    this.word(
      (sf << 31) |
        (0b101 << 27) |
        (modeBits << 23) |
        ((load ? 1 : 0) << 22) |
        (imm7 << 15) |
        (t2 << 10) |
        (n << 5) |
        t1,
    );
  }

  ldp(rt1: Reg, rt2: Reg, mem: Mem): void {
    this.pair(true, rt1, rt2, mem);
  }

  stp(rt1: Reg, rt2: Reg, mem: Mem): void {
    this.pair(false, rt1, rt2, mem);
  }

  // --- Branches (C6.2: B, BL, B.cond, CBZ, CBNZ, TBZ, TBNZ, RET, BR, BLR) and ADR ---------------

  b(l: Label): void {
    this.refer(l, 'imm26', 'b');
    this.word(0x14000000);
  }

  bl(l: Label): void {
    this.refer(l, 'imm26', 'bl');
    this.word(0x94000000);
  }

  bcond(cond: Condition, l: Label): void {
    const c = CONDITIONS.indexOf(cond);
    if (c < 0) throw new A64Error('b.cond', `${String(cond)} is not a condition`);
    this.refer(l, 'imm19', `b.${cond}`);
    this.word(0x54000000 | c);
  }

  private compareBranch(insn: string, op: number, rt: Reg, l: Label): void {
    const t = operand(insn, rt, 'zr');
    this.refer(l, 'imm19', insn);
    this.word(((rt.wide ? 1 : 0) << 31) | 0x34000000 | (op << 24) | t);
  }

  cbz(rt: Reg, l: Label): void {
    this.compareBranch('cbz', 0, rt, l);
  }

  cbnz(rt: Reg, l: Label): void {
    this.compareBranch('cbnz', 1, rt, l);
  }

  private testBranch(insn: string, op: number, rt: Reg, bit: number, l: Label): void {
    const t = operand(insn, rt, 'zr');
    uimm(insn, 'bit', bit, rt.wide ? 63 : 31);
    this.refer(l, 'imm14', insn);
    this.word(((bit >> 5) << 31) | 0x36000000 | (op << 24) | ((bit & 31) << 19) | t);
  }

  tbz(rt: Reg, bit: number, l: Label): void {
    this.testBranch('tbz', 0, rt, bit, l);
  }

  tbnz(rt: Reg, bit: number, l: Label): void {
    this.testBranch('tbnz', 1, rt, bit, l);
  }

  private branchRegister(insn: string, opc: number, rn: Reg): void {
    this.word(0xd61f0000 | (opc << 21) | (operand(insn, rn, 'zr', true) << 5));
  }

  ret(rn: Reg = x(30)): void {
    this.branchRegister('ret', 0b10, rn);
  }

  br(rn: Reg): void {
    this.branchRegister('br', 0b00, rn);
  }

  blr(rn: Reg): void {
    this.branchRegister('blr', 0b01, rn);
  }

  /** The address of a label within ±1 MiB. */
  adr(rd: Reg, l: Label): void {
    const d = operand('adr', rd, 'zr', true);
    this.refer(l, 'adr', 'adr');
    this.word(0x10000000 | d);
  }

  // --- System (C6.2: MRS, MSR, ERET, ISB, DSB, HLT, WFI, NOP) ------------------------------------

  private sysreg(insn: string, name: SystemRegister): number {
    const e = SYSTEM_REGISTERS[name];
    if (!e) throw new A64Error(insn, `${String(name)} is not a system register this assembler knows`);
    const [op0, op1, crn, crm, op2] = e;
    return (op0 << 19) | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5);
  }

  mrs(rt: Reg, name: SystemRegister): void {
    this.word(0xd5200000 | this.sysreg('mrs', name) | operand('mrs', rt, 'zr', true));
  }

  msr(name: SystemRegister, rt: Reg): void {
    this.word(0xd5000000 | this.sysreg('msr', name) | operand('msr', rt, 'zr', true));
  }

  eret(): void {
    this.word(0xd69f03e0);
  }

  isb(): void {
    this.word(0xd5033fdf);
  }

  /** DSB SY: full system, reads and writes. */
  dsbSy(): void {
    this.word(0xd5033f9f);
  }

  hlt(imm16: number): void {
    this.word(0xd4400000 | (uimm('hlt', 'immediate', imm16, 0xffff) << 5));
  }

  wfi(): void {
    this.word(0xd503207f);
  }

  nop(): void {
    this.word(0xd503201f);
  }
}
