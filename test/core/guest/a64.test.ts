/**
 * The AArch64 encoder against GNU binutils: every instruction form core/guest/a64.ts emits is
 * assembled with many operand combinations (edge values and seeded random ones), the buffer is
 * disassembled with `aarch64-linux-gnu-objdump -D -b binary -m aarch64`, and each instruction's
 * text is compared with the text this test writes for it on its own, from the Arm ARM's
 * assembler syntax and objdump's preferred aliases (MOV for MOVZ, TST for ANDS to XZR, CMP, NEG,
 * LSL/LSR/UBFX/UXTB for UBFM, CS/CC for HS/LO). Operands that do not fit must throw.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  A64Error,
  Assembler,
  CONDITIONS,
  SYSTEM_REGISTERS,
  sp,
  w,
  wsp,
  wzr,
  x,
  xzr,
  type Condition,
  type Label,
  type Reg,
  type SystemRegister,
} from '../../../core/guest/a64';
import { OBJDUMP, requireTool, tempDir } from '../../harness/qemu';

// --- Seeded random operands ------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(0x5eed_a64);
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
const big64 = () =>
  (BigInt(int(0, 0xffff)) << 48n) |
  (BigInt(int(0, 0xffff)) << 32n) |
  (BigInt(int(0, 0xffff)) << 16n) |
  BigInt(int(0, 0xffff));

/** A register for a slot where number 31 is the zero register (role 'zr') or the stack pointer. */
function anyReg(wide: boolean, role: 'zr' | 'sp'): Reg {
  const n = int(0, 31);
  if (n < 31) return wide ? x(n) : w(n);
  if (role === 'zr') return wide ? xzr : wzr;
  return wide ? sp : wsp;
}

// --- The text objdump prints, written from the architecture's syntax ---------------------------

const h = (v: number | bigint) => `#0x${v.toString(16)}`;
const mask = (wide: boolean) => (wide ? (1n << 64n) - 1n : (1n << 32n) - 1n);
const isZr = (r: Reg) => r.n === 31 && !r.sp;
const isSp = (r: Reg) => r.n === 31 && r.sp;
const lslSuffix = (s: number) => (s ? `, lsl #${s}` : '');
const OBJDUMP_COND: Record<Condition, string> = {
  eq: 'eq',
  ne: 'ne',
  hs: 'cs',
  lo: 'cc',
  mi: 'mi',
  pl: 'pl',
  vs: 'vs',
  vc: 'vc',
  hi: 'hi',
  ls: 'ls',
  ge: 'ge',
  lt: 'lt',
  gt: 'gt',
  le: 'le',
  al: 'al',
  nv: 'nv',
};
const addr = (a: bigint) => `0x${a.toString(16)}`;
const memText = (base: Reg, offset: number, mode: 'offset' | 'pre' | 'post') =>
  mode === 'post'
    ? `[${base.name}], #${offset}`
    : mode === 'pre'
      ? `[${base.name}, #${offset}]!`
      : offset === 0
        ? `[${base.name}]`
        : `[${base.name}, #${offset}]`;

// --- Cases -------------------------------------------------------------------------------------

interface Case {
  readonly form: string;
  readonly emit: (a: Assembler) => void;
  /** The instructions' texts, or a check on them (a mov64 sequence). */
  expect: string[] | ((texts: string[]) => void);
  first?: number;
  count?: number;
}

const BASE = 0x1000_0000n;
const cases: Case[] = [];
const forms = new Set<string>();
const add = (form: string, emit: (a: Assembler) => void, expect: Case['expect']) => {
  forms.add(form);
  cases.push({ form, emit, expect });
};

// MOVZ, MOVN, MOVK.
for (let i = 0; i < 60; i++) {
  const wide = i % 2 === 0;
  const rd = anyReg(wide, 'zr');
  const imm = pick([0, 0xffff, 1, int(0, 0xffff)]);
  const shift = pick(wide ? [0, 16, 32, 48] : [0, 16]);
  const value = (BigInt(imm) << BigInt(shift)) & mask(wide);
  add('movz', (a) => a.movz(rd, imm, shift), [
    imm === 0 && shift !== 0 ? `movz ${rd.name}, ${h(imm)}${lslSuffix(shift)}` : `mov ${rd.name}, ${h(value)}`,
  ]);
  const inverted = ~(BigInt(imm) << BigInt(shift)) & mask(wide);
  const movnAlias = !(imm === 0 && shift !== 0) && !(!wide && imm === 0xffff);
  add('movn', (a) => a.movn(rd, imm, shift), [
    movnAlias ? `mov ${rd.name}, ${h(inverted)}` : `movn ${rd.name}, ${h(imm)}${lslSuffix(shift)}`,
  ]);
  add('movk', (a) => a.movk(rd, imm, shift), [`movk ${rd.name}, ${h(imm)}${lslSuffix(shift)}`]);
}

/** Run a MOVZ/MOVN/MOVK sequence as objdump printed it. */
function evaluateMoves(texts: string[], wide: boolean): bigint {
  let v = 0n;
  for (const t of texts) {
    const m = /^(mov|movz|movn|movk) [xw]\d+, #0x([0-9a-f]+)(?:, lsl #(\d+))?$/.exec(t);
    assert.ok(m, `not a move: ${t}`);
    const imm = BigInt(`0x${m[2]}`);
    const s = BigInt(m[3] ?? 0);
    if (m[1] === 'mov') v = imm;
    else if (m[1] === 'movz') v = imm << s;
    else if (m[1] === 'movn') v = ~(imm << s) & mask(wide);
    else v = (v & ~(0xffffn << s)) | (imm << s);
  }
  return v & mask(wide);
}

/** The fewest MOVZ/MOVN + MOVK: one per 16-bit chunk that is not all zeros (or all ones), at least one. */
function fewestMoves(v: bigint, wide: boolean): number {
  const chunks = Array.from({ length: wide ? 4 : 2 }, (_, i) => (v >> BigInt(16 * i)) & 0xffffn);
  return Math.max(1, Math.min(chunks.filter((c) => c !== 0n).length, chunks.filter((c) => c !== 0xffffn).length));
}

const MOV64_VALUES = [
  0n,
  1n,
  0xffffn,
  0x10000n,
  0x9050000n,
  0x4008_0000n,
  0xffff_ffffn,
  0xffff_ffff_ffff_ffffn,
  0xffff_ffff_ffff_0000n,
  0x8000_0000_0000_0000n,
  0x1234_0000_0000_5678n,
  0xffff_1234_ffff_ffffn,
  -1n,
  -2n,
];
for (let i = 0; i < 40; i++) MOV64_VALUES.push(big64(), big64() & 0xffff_0000_ffffn, big64() | 0xffff_ffff_0000_0000n);
for (const v of MOV64_VALUES) {
  for (const wide of [true, false]) {
    if (!wide && v > 0xffff_ffffn) continue;
    const rd = wide ? x(int(0, 30)) : w(int(0, 30));
    add(
      'mov64 (MOVZ/MOVN + MOVK)',
      (a) => a.mov64(rd, v),
      (texts) => {
        assert.equal(
          evaluateMoves(texts, wide),
          BigInt.asUintN(wide ? 64 : 32, v),
          `mov64 ${v} as ${texts.join('; ')}`,
        );
        assert.equal(
          texts.length,
          fewestMoves(BigInt.asUintN(wide ? 64 : 32, v), wide),
          `mov64 ${v} in ${texts.length}: ${texts.join('; ')}`,
        );
      },
    );
  }
}

// Logical and arithmetic, shifted register.
for (let i = 0; i < 50; i++) {
  const wide = i % 3 !== 0;
  const [rd, rn, rm] = [anyReg(wide, 'zr'), anyReg(wide, 'zr'), anyReg(wide, 'zr')];
  const s = pick([0, 0, int(0, wide ? 63 : 31), wide ? 63 : 31]);
  const ops = `${rn.name}, ${rm.name}${lslSuffix(s)}`;
  add('orr (shifted register)', (a) => a.orr(rd, rn, rm, s), [
    isZr(rn) && s === 0 ? `mov ${rd.name}, ${rm.name}` : `orr ${rd.name}, ${ops}`,
  ]);
  add('and (shifted register)', (a) => a.and(rd, rn, rm, s), [`and ${rd.name}, ${ops}`]);
  add('ands (shifted register)', (a) => a.ands(rd, rn, rm, s), [isZr(rd) ? `tst ${ops}` : `ands ${rd.name}, ${ops}`]);
  add('tst (register)', (a) => a.tst(rn, rm), [`tst ${rn.name}, ${rm.name}`]);
  add('eor (shifted register)', (a) => a.eor(rd, rn, rm, s), [`eor ${rd.name}, ${ops}`]);
  add('add (shifted register)', (a) => a.add(rd, rn, rm, s), [`add ${rd.name}, ${ops}`]);
  add('sub (shifted register)', (a) => a.sub(rd, rn, rm, s), [
    isZr(rn) ? `neg ${rd.name}, ${rm.name}${lslSuffix(s)}` : `sub ${rd.name}, ${ops}`,
  ]);
  add('subs (shifted register)', (a) => a.subs(rd, rn, rm, s), [
    isZr(rd) ? `cmp ${ops}` : isZr(rn) ? `negs ${rd.name}, ${rm.name}${lslSuffix(s)}` : `subs ${rd.name}, ${ops}`,
  ]);
  add('cmp (shifted register)', (a) => a.cmp(rn, rm, s), [`cmp ${ops}`]);
}

// MOV (register), including to and from SP (ADD #0).
for (const [rd, rm] of [
  [x(0), x(1)],
  [w(3), w(30)],
  [sp, x(0)],
  [x(0), sp],
  [wsp, w(2)],
  [x(5), xzr],
] as const) {
  add('mov (register: ORR, or ADD #0 with SP)', (a) => a.mov(rd, rm), [`mov ${rd.name}, ${rm.name}`]);
}

// Add/subtract immediate.
for (let i = 0; i < 60; i++) {
  const wide = i % 3 !== 0;
  const rdSp = anyReg(wide, 'sp');
  const rdZr = anyReg(wide, 'zr');
  const rn = anyReg(wide, 'sp');
  const imm = pick([0, 1, 0xfff, int(0, 0xfff)]);
  const shift = pick([0, 12]);
  const tail = `${rn.name}, ${h(imm)}${lslSuffix(shift)}`;
  add('add (immediate)', (a) => a.add(rdSp, rn, imm, shift), [
    imm === 0 && shift === 0 && (isSp(rdSp) || isSp(rn)) ? `mov ${rdSp.name}, ${rn.name}` : `add ${rdSp.name}, ${tail}`,
  ]);
  add('sub (immediate)', (a) => a.sub(rdSp, rn, imm, shift), [`sub ${rdSp.name}, ${tail}`]);
  add('subs (immediate)', (a) => a.subs(rdZr, rn, imm, shift), [
    isZr(rdZr) ? `cmp ${tail}` : `subs ${rdZr.name}, ${tail}`,
  ]);
  add('cmp (immediate)', (a) => a.cmp(rn, imm, shift), [`cmp ${tail}`]);
}

// Shifts and bitfields.
for (let i = 0; i < 60; i++) {
  const wide = i % 2 === 0;
  const size = wide ? 64 : 32;
  const [rd, rn, rm] = [anyReg(wide, 'zr'), anyReg(wide, 'zr'), anyReg(wide, 'zr')];
  const s = pick([0, 1, size - 1, int(0, size - 1)]);
  add('lsl (immediate: UBFM)', (a) => a.lsl(rd, rn, s), [
    s === 0 ? `lsr ${rd.name}, ${rn.name}, #0` : `lsl ${rd.name}, ${rn.name}, #${s}`,
  ]);
  add('lsr (immediate: UBFM)', (a) => a.lsr(rd, rn, s), [`lsr ${rd.name}, ${rn.name}, #${s}`]);
  add('lsl (register: LSLV)', (a) => a.lsl(rd, rn, rm), [`lsl ${rd.name}, ${rn.name}, ${rm.name}`]);
  add('lsr (register: LSRV)', (a) => a.lsr(rd, rn, rm), [`lsr ${rd.name}, ${rn.name}, ${rm.name}`]);
  const lsb = pick([0, int(0, size - 1), size - 1]);
  const width = pick([1, size - lsb, int(1, size - lsb)]);
  const ubfx =
    lsb + width === size
      ? `lsr ${rd.name}, ${rn.name}, #${lsb}`
      : !wide && lsb === 0 && (width === 8 || width === 16)
        ? `uxt${width === 8 ? 'b' : 'h'} ${rd.name}, ${rn.name}`
        : `ubfx ${rd.name}, ${rn.name}, #${lsb}, #${width}`;
  add('ubfx (UBFM)', (a) => a.ubfx(rd, rn, lsb, width), [ubfx]);
  add('clz', (a) => a.clz(rd, rn), [`clz ${rd.name}, ${rn.name}`]);
}

// Loads and stores of 1, 2, 4, 8 bytes.
for (let i = 0; i < 80; i++) {
  const size = pick([1, 2, 4, 8] as const);
  const load = i % 2 === 0;
  const rt = anyReg(size === 8, 'zr');
  const base = anyReg(true, 'sp');
  const name = `${load ? 'ldr' : 'str'}${size === 1 ? 'b' : size === 2 ? 'h' : ''}`;
  const offset = pick([0, size, 4095 * size, int(0, 4095) * size]);
  add(`${name} (unsigned offset)`, (a) => a.loadStore(load, size, rt, { base, offset }), [
    `${name} ${rt.name}, ${memText(base, offset, 'offset')}`,
  ]);
  const mode = pick(['pre', 'post'] as const);
  const imm9 = pick([-256, 255, 0, 1, -1, int(-256, 255)]);
  const wb = base.n === rt.n && rt.n !== 31 ? sp : base; // writeback to the data register is refused: use SP then
  add(`${name} (${mode}-index)`, (a) => a.loadStore(load, size, rt, { base: wb, offset: imm9, mode }), [
    `${name} ${rt.name}, ${memText(wb, imm9, mode)}`,
  ]);
}
// The named helpers.
add('ldr (unsigned offset)', (a) => a.ldr(x(1), { base: x(2), offset: 16 }), ['ldr x1, [x2, #16]']);
add('str (unsigned offset)', (a) => a.str(w(1), { base: sp, offset: 4 }), ['str w1, [sp, #4]']);
add('ldrb (post-index)', (a) => a.ldrb(w(0), { base: x(1), offset: 1, mode: 'post' }), ['ldrb w0, [x1], #1']);
add('strb (unsigned offset)', (a) => a.strb(wzr, { base: x(1) }), ['strb wzr, [x1]']);
add('ldrh (unsigned offset)', (a) => a.ldrh(w(4), { base: x(5), offset: 2 }), ['ldrh w4, [x5, #2]']);
add('strh (pre-index)', (a) => a.strh(w(4), { base: x(5), offset: -2, mode: 'pre' }), ['strh w4, [x5, #-2]!']);

// Load and store pair.
for (let i = 0; i < 60; i++) {
  const wide = i % 2 === 0;
  const scale = wide ? 8 : 4;
  const load = i % 4 < 2;
  const mode = pick(['offset', 'pre', 'post'] as const);
  const r1 = anyReg(wide, 'zr');
  let r2 = anyReg(wide, 'zr');
  if (load && r2.n === r1.n) r2 = r1.n === 0 ? (wide ? x(1) : w(1)) : wide ? x(0) : w(0);
  let base = anyReg(true, 'sp');
  if (mode !== 'offset' && (base.n === r1.n || base.n === r2.n) && base.n !== 31) base = sp;
  const offset = scale * pick([-64, 63, 0, int(-64, 63)]);
  const name = load ? 'ldp' : 'stp';
  add(
    `${name} (${mode === 'offset' ? 'signed offset' : `${mode}-index`})`,
    (a) => (load ? a.ldp(r1, r2, { base, offset, mode }) : a.stp(r1, r2, { base, offset, mode })),
    [`${name} ${r1.name}, ${r2.name}, ${memText(base, offset, mode)}`],
  );
}

// Branches to addresses at every distance their field reaches (labels at fixed addresses),
// backward and forward in the buffer (fixed up at finish()).
interface Forward {
  readonly label: Label;
  readonly where: { address?: bigint };
}
const forwards: Forward[] = [];
const branchTo = (
  form: string,
  reach: number,
  text: (target: string) => string,
  emit: (a: Assembler, l: Label) => void,
) => {
  for (const delta of [
    0,
    4,
    -4,
    reach - 4,
    -reach,
    int(-reach / 4, reach / 4 - 1) * 4,
    int(-reach / 4, reach / 4 - 1) * 4,
  ]) {
    const c: Case = {
      form,
      emit: (a) => {
        const target = a.pc + BigInt(delta);
        emit(a, a.at(target));
        c.expect = [text(addr(target))];
      },
      expect: [],
    };
    forms.add(form);
    cases.push(c);
  }
  // A label bound later in the buffer.
  const where: { address?: bigint } = {};
  const c: Case = {
    form,
    emit: (a) => {
      const l = a.label(`${form} forward`);
      forwards.push({ label: l, where });
      emit(a, l);
    },
    expect: (texts) => assert.deepEqual(texts, [text(addr(where.address as bigint))]),
  };
  cases.push(c);
};
branchTo(
  'b',
  1 << 27,
  (t) => `b ${t}`,
  (a, l) => a.b(l),
);
branchTo(
  'bl',
  1 << 27,
  (t) => `bl ${t}`,
  (a, l) => a.bl(l),
);
for (const cond of CONDITIONS)
  branchTo(
    'b.cond',
    1 << 20,
    (t) => `b.${OBJDUMP_COND[cond]} ${t}`,
    (a, l) => a.bcond(cond, l),
  );
for (const wide of [true, false]) {
  const rt = anyReg(wide, 'zr');
  branchTo(
    'cbz',
    1 << 20,
    (t) => `cbz ${rt.name}, ${t}`,
    (a, l) => a.cbz(rt, l),
  );
  branchTo(
    'cbnz',
    1 << 20,
    (t) => `cbnz ${rt.name}, ${t}`,
    (a, l) => a.cbnz(rt, l),
  );
}
for (let i = 0; i < 12; i++) {
  const wide = i % 2 === 0;
  const bit = pick(wide ? [0, 31, 32, 63, int(0, 63)] : [0, 31, int(0, 31)]);
  const n = int(0, 31);
  const rt = n === 31 ? (wide ? xzr : wzr) : wide ? x(n) : w(n);
  // objdump names the W register when the bit is below 32 (the encoding's b5 is 0).
  const shown = bit < 32 ? (n === 31 ? 'wzr' : `w${n}`) : rt.name;
  branchTo(
    'tbz',
    1 << 15,
    (t) => `tbz ${shown}, #${bit}, ${t}`,
    (a, l) => a.tbz(rt, bit, l),
  );
  branchTo(
    'tbnz',
    1 << 15,
    (t) => `tbnz ${shown}, #${bit}, ${t}`,
    (a, l) => a.tbnz(rt, bit, l),
  );
}
for (let i = 0; i < 4; i++) {
  const rd = anyReg(true, 'zr');
  branchTo(
    'adr',
    1 << 20,
    (t) => `adr ${rd.name}, ${t}`,
    (a, l) => a.adr(rd, l),
  );
}
for (const r of [x(30), x(0), x(17), xzr]) {
  add('ret', (a) => a.ret(r), [r.n === 30 ? 'ret' : `ret ${r.name}`]);
  add('br', (a) => a.br(r), [`br ${r.name}`]);
  add('blr', (a) => a.blr(r), [`blr ${r.name}`]);
}
add('ret', (a) => a.ret(), ['ret']);

// MOVZ/MOVK of a label's address (movAddress): three instructions for a 48-bit maxAddress.
for (const target of [0n, 0x4008_0000n, 0x7fff_1234_5678n]) {
  const rd = x(int(0, 30));
  add(
    'movAddress (MOVZ + MOVK of a label)',
    (a) => a.movAddress(rd, a.at(target)),
    (texts) => {
      assert.equal(texts.length, 3);
      assert.equal(evaluateMoves(texts, true), target);
    },
  );
}

// System.
for (const name of Object.keys(SYSTEM_REGISTERS) as SystemRegister[]) {
  const rt = anyReg(true, 'zr');
  add('mrs', (a) => a.mrs(rt, name), [`mrs ${rt.name}, ${name.toLowerCase()}`]);
  add('msr', (a) => a.msr(name, rt), [`msr ${name.toLowerCase()}, ${rt.name}`]);
}
add('eret', (a) => a.eret(), ['eret']);
add('isb', (a) => a.isb(), ['isb']);
add('dsb sy', (a) => a.dsbSy(), ['dsb sy']);
for (const imm of [0, 1, 0xf000, 0xffff, int(0, 0xffff)]) add('hlt', (a) => a.hlt(imm), [`hlt ${h(imm)}`]);
add('wfi', (a) => a.wfi(), ['wfi']);
add('nop', (a) => a.nop(), ['nop']);

/** objdump's text of each instruction word: the mnemonic and operands, comments dropped, spaces collapsed. */
function disassemble(bytes: Uint8Array, base: bigint): { address: bigint; word: string; text: string }[] {
  requireTool(OBJDUMP);
  const dir = tempDir();
  const file = path.join(dir, 'code.bin');
  fs.writeFileSync(file, bytes);
  const r = spawnSync(OBJDUMP, ['-D', '-b', 'binary', '-m', 'aarch64', `--adjust-vma=0x${base.toString(16)}`, file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  const out: { address: bigint; word: string; text: string }[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+([0-9a-f]{8})\s+(.*)$/.exec(line);
    if (m)
      out.push({
        address: BigInt(`0x${m[1]}`),
        word: m[2] as string,
        text: (m[3] as string)
          .replace(/\/\/.*$/, '')
          .trim()
          .replace(/\s+/g, ' '),
      });
  }
  return out;
}

test('every instruction form the encoder emits disassembles, with GNU objdump, to the text the architecture gives it', () => {
  const a = new Assembler(BASE, { maxAddress: 0x7fff_ffff_ffffn });
  for (const c of cases) {
    c.first = a.size / 4;
    c.emit(a);
    c.count = a.size / 4 - c.first;
  }
  // Bind the forward labels, one NOP each, after everything else.
  const tail: string[] = [];
  for (const f of forwards) {
    f.where.address = a.pc;
    a.bind(f.label);
    a.nop();
    tail.push('nop');
  }
  const bytes = a.finish();
  const lines = disassemble(bytes, BASE);
  assert.equal(lines.length, bytes.length / 4, 'objdump printed one line a word');
  let failures = 0;
  const messages: string[] = [];
  for (const c of cases) {
    const got = lines.slice(c.first, (c.first as number) + (c.count as number)).map((l) => l.text);
    try {
      if (typeof c.expect === 'function') c.expect(got);
      else assert.deepEqual(got, c.expect);
    } catch (e) {
      failures++;
      if (messages.length < 20)
        messages.push(
          `${c.form} at ${addr(BASE + BigInt((c.first as number) * 4))}: ${(e as Error).message.split('\n').slice(0, 6).join(' ')}`,
        );
    }
  }
  assert.deepEqual(
    lines.slice(lines.length - tail.length).map((l) => l.text),
    tail,
  );
  assert.equal(failures, 0, messages.join('\n'));
  // Every form is exercised by more than one case where operands vary.
  assert.ok(cases.length > 1000, `${cases.length} cases`);
});

test('the forms the objdump comparison covers', () => {
  // The list the report names; a form added to the encoder without a case shows up here.
  assert.deepEqual([...forms].sort(), [
    'add (immediate)',
    'add (shifted register)',
    'adr',
    'and (shifted register)',
    'ands (shifted register)',
    'b',
    'b.cond',
    'bl',
    'blr',
    'br',
    'cbnz',
    'cbz',
    'clz',
    'cmp (immediate)',
    'cmp (shifted register)',
    'dsb sy',
    'eor (shifted register)',
    'eret',
    'hlt',
    'isb',
    'ldp (post-index)',
    'ldp (pre-index)',
    'ldp (signed offset)',
    'ldr (post-index)',
    'ldr (pre-index)',
    'ldr (unsigned offset)',
    'ldrb (post-index)',
    'ldrb (pre-index)',
    'ldrb (unsigned offset)',
    'ldrh (post-index)',
    'ldrh (pre-index)',
    'ldrh (unsigned offset)',
    'lsl (immediate: UBFM)',
    'lsl (register: LSLV)',
    'lsr (immediate: UBFM)',
    'lsr (register: LSRV)',
    'mov (register: ORR, or ADD #0 with SP)',
    'mov64 (MOVZ/MOVN + MOVK)',
    'movAddress (MOVZ + MOVK of a label)',
    'movk',
    'movn',
    'movz',
    'mrs',
    'msr',
    'nop',
    'orr (shifted register)',
    'ret',
    'stp (post-index)',
    'stp (pre-index)',
    'stp (signed offset)',
    'str (post-index)',
    'str (pre-index)',
    'str (unsigned offset)',
    'strb (post-index)',
    'strb (pre-index)',
    'strb (unsigned offset)',
    'strh (post-index)',
    'strh (pre-index)',
    'strh (unsigned offset)',
    'sub (immediate)',
    'sub (shifted register)',
    'subs (immediate)',
    'subs (shifted register)',
    'tbnz',
    'tbz',
    'tst (register)',
    'ubfx (UBFM)',
    'wfi',
  ]);
});

/** Throws an A64Error naming `instruction`. */
function throwsFor(instruction: string, f: () => void): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof A64Error, `not an A64Error: ${String(e)}`);
    assert.equal(e.instruction, instruction, e.message);
    assert.ok(e.message.startsWith(`${instruction}: `), e.message);
    return true;
  });
}

test('a branch or ADR target out of reach throws, naming the instruction; the farthest in reach does not', () => {
  const far = (reach: number, emit: (a: Assembler, l: Label) => void, name: string) => {
    const a = new Assembler(BASE);
    emit(a, a.at(a.pc + BigInt(reach - 4))); // in reach
    emit(a, a.at(a.pc - BigInt(reach)));
    throwsFor(name, () => emit(a, a.at(a.pc + BigInt(reach))));
    throwsFor(name, () => emit(a, a.at(a.pc - BigInt(reach) - 4n)));
    throwsFor(name, () => emit(a, a.at(a.pc + 2n))); // not a whole instruction away
  };
  far(1 << 27, (a, l) => a.b(l), 'b');
  far(1 << 27, (a, l) => a.bl(l), 'bl');
  far(1 << 20, (a, l) => a.bcond('ne', l), 'b.ne');
  far(1 << 20, (a, l) => a.cbz(x(0), l), 'cbz');
  far(1 << 20, (a, l) => a.cbnz(w(0), l), 'cbnz');
  far(1 << 15, (a, l) => a.tbz(x(0), 3, l), 'tbz');
  far(1 << 15, (a, l) => a.tbnz(x(0), 3, l), 'tbnz');
  const a = new Assembler(BASE);
  a.adr(x(0), a.at(a.pc + BigInt((1 << 20) - 1)));
  throwsFor('adr', () => a.adr(x(0), a.at(a.pc + BigInt(1 << 20))));
  throwsFor('adr', () => a.adr(x(0), a.at(a.pc - BigInt(1 << 20) - 1n)));
});

test('a forward label that ends up out of reach throws at finish(), naming the instruction', () => {
  const a = new Assembler(BASE);
  const l = a.label('far');
  a.tbz(x(1), 0, l);
  a.zeros(1 << 15);
  a.bind(l);
  throwsFor('tbz', () => a.finish());
  const b = new Assembler(BASE);
  b.b(b.label('never bound'));
  throwsFor('label', () => b.finish());
  const c = new Assembler(BASE);
  const twice = c.label('twice');
  c.bind(twice);
  throwsFor('label', () => c.bind(twice));
});

test('an address beyond maxAddress does not fit movAddress', () => {
  const a = new Assembler(0x4000_0000n, { maxAddress: 0x8000_0000n });
  a.movAddress(x(0), a.at(0xffff_fffcn));
  assert.equal(a.size, 8, 'two instructions for a 32-bit maxAddress');
  throwsFor('movz', () => a.movAddress(x(0), a.at(0x1_0000_0000n)));
});

test('immediates, shifts, offsets and bits that do not fit throw, naming the instruction', () => {
  const a = new Assembler(BASE);
  throwsFor('movz', () => a.movz(x(0), 0x10000));
  throwsFor('movz', () => a.movz(x(0), -1));
  throwsFor('movz', () => a.movz(x(0), 1, 8));
  throwsFor('movk', () => a.movk(w(0), 1, 32));
  throwsFor('movn', () => a.movn(x(0), 1.5));
  throwsFor('mov', () => a.mov64(w(0), 0x1_0000_0000n));
  throwsFor('mov', () => a.mov64(x(0), 1n << 64n));
  throwsFor('mov', () => a.mov64(x(0), -(1n << 63n) - 1n));
  throwsFor('add', () => a.add(x(0), x(1), 0x1000));
  throwsFor('add', () => a.add(x(0), x(1), 1, 4));
  throwsFor('sub', () => a.sub(x(0), x(1), -1));
  throwsFor('subs', () => a.subs(x(0), x(1), x(2), 64));
  throwsFor('orr', () => a.orr(w(0), w(1), w(2), 32));
  throwsFor('lsl', () => a.lsl(x(0), x(1), 64));
  throwsFor('lsr', () => a.lsr(w(0), w(1), 32));
  throwsFor('ubfx', () => a.ubfx(x(0), x(1), 60, 5));
  throwsFor('ubfx', () => a.ubfx(x(0), x(1), 0, 0));
  throwsFor('ubfx', () => a.ubfx(w(0), w(1), 32, 1));
  throwsFor('ldr', () => a.ldr(x(0), { base: x(1), offset: 4 })); // not a multiple of 8
  throwsFor('ldr', () => a.ldr(x(0), { base: x(1), offset: 4096 * 8 }));
  throwsFor('ldrh', () => a.ldrh(w(0), { base: x(1), offset: -2 }));
  throwsFor('str', () => a.str(w(0), { base: x(1), offset: 256, mode: 'pre' }));
  throwsFor('strb', () => a.strb(w(0), { base: x(1), offset: -257, mode: 'post' }));
  throwsFor('stp', () => a.stp(x(0), x(1), { base: sp, offset: 4, mode: 'pre' }));
  throwsFor('ldp', () => a.ldp(w(0), w(1), { base: sp, offset: 256 }));
  throwsFor('ldp', () => a.ldp(x(0), x(1), { base: sp, offset: -520 }));
  throwsFor('tbz', () => a.tbz(w(0), 32, a.at(a.pc)));
  throwsFor('tbnz', () => a.tbnz(x(0), 64, a.at(a.pc)));
  throwsFor('hlt', () => a.hlt(0x10000));
  throwsFor('b.cond', () => a.bcond('xx' as Condition, a.at(a.pc)));
  throwsFor('mrs', () => a.mrs(x(0), 'TTBR0_EL1' as SystemRegister));
});

test('registers that do not fit their operand throw, naming the instruction', () => {
  const a = new Assembler(BASE);
  throwsFor('register', () => x(31));
  throwsFor('register', () => w(-1));
  throwsFor('add', () => a.add(x(0), w(1), 1)); // mixed widths
  throwsFor('orr', () => a.orr(x(0), x(1), w(2)));
  throwsFor('orr', () => a.orr(sp, x(1), x(2))); // 31 is the zero register there
  throwsFor('add', () => a.add(x(0), xzr, 1)); // 31 is SP there
  throwsFor('subs', () => a.subs(sp, x(0), 1)); // SUBS writes the zero register, not SP
  throwsFor('add', () => a.add(x(0), sp, x(1))); // the shifted-register form has no SP
  throwsFor('ldrb', () => a.ldrb(x(0), { base: x(1) })); // a byte goes to a W register
  throwsFor('ldr', () => a.loadStore(true, 8, w(0), { base: x(1) }));
  throwsFor('ldr', () => a.ldr(x(0), { base: w(1) })); // the base is 64-bit
  throwsFor('ldr', () => a.ldr(x(0), { base: xzr })); // the base is SP, not the zero register
  throwsFor('ldr', () => a.ldr(x(1), { base: x(1), offset: 8, mode: 'post' })); // writeback to the data register
  throwsFor('ldp', () => a.ldp(x(1), x(1), { base: sp }));
  throwsFor('stp', () => a.stp(x(1), x(2), { base: x(2), offset: 16, mode: 'pre' }));
  throwsFor('adr', () => a.adr(w(0), a.at(a.pc)));
  throwsFor('br', () => a.br(w(3)));
  throwsFor('msr', () => a.msr('VBAR_EL1', w(0)));
  throwsFor('asciz', () => a.asciz('a\u0000b'));
  throwsFor('instruction', () => {
    a.bytes(new Uint8Array(3));
    a.nop();
  });
});
