/**
 * The `.smmu` resolver against the register table: each contract form gives the exact access and
 * value, names resolve (with suggestions when they do not), access sizes a named register makes
 * visible are checked, and no input throws (property test, fixed seed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkScript } from '../../../core/script/check';
import fc from 'fast-check';
import { parseScript } from '../../../core/script/parser';
import {
  analyzeScript,
  resolveScript,
  type MemoryAccess,
  type RegisterAccess,
  type ResolvedScript,
} from '../../../core/script/resolve';
import type { ResolvedAction } from '../../../core/script/resolved';
import { dmaRequest } from '../../../core/script/statements/dma-args';
import { assertRangesInside, r, tokenSoup, wellFormedScript } from '../../harness/script-helpers';
import { root } from '../../harness/root';

function ok(text: string): ResolvedScript {
  const res = analyzeScript(text);
  assert.deepEqual(
    res.diagnostics.map((d) => `${d.code}: ${d.message}`),
    [],
    `no diagnostics for ${JSON.stringify(text)}`,
  );
  return res;
}

function access(text: string): RegisterAccess {
  const res = ok(text);
  assert.equal(res.statements.length, 1);
  const s = res.statements[0];
  assert.equal(s.kind, 'access');
  return s as RegisterAccess;
}

function mem(text: string): MemoryAccess {
  const s = ok(text).statements[0];
  assert.equal(s.kind, 'mem');
  return s as MemoryAccess;
}

/** The single diagnostic of `text`. */
function diag(text: string): { code: string; message: string; range: ReturnType<typeof r>; severity: string } {
  const res = analyzeScript(text);
  assert.equal(
    res.diagnostics.length,
    1,
    `one diagnostic for ${JSON.stringify(text)}: ${JSON.stringify(res.diagnostics.map((d) => d.message))}`,
  );
  const d = res.diagnostics[0];
  return { code: d.code, message: d.message, range: d.range, severity: d.severity };
}

// --- the contract forms ---------------------------------------------------------------------------

test('config "path"', () => {
  const res = ok('# comment\nconfig "presets/qemu.smmu.json"');
  assert.deepEqual(res.config, { path: 'presets/qemu.smmu.json', range: r(1, 0, 31) });
  assert.deepEqual(res.statements, []);
});

test('write32 CR0 SMMUEN|CMDQEN', () => {
  const s = access('write32 CR0 SMMUEN|CMDQEN          # symbolic fields');
  assert.equal(s.op, 'write');
  assert.equal(s.offset, 0x20);
  assert.equal(s.size, 4);
  assert.equal(s.register?.name, 'CR0');
  assert.equal(s.byte, 0);
  assert.equal(s.value, 0x9n);
  assert.equal(s.expect, undefined);
  assert.deepEqual(s.range, r(0, 0, 25));
  assert.deepEqual(s.targetRange, r(0, 8, 11));
  assert.deepEqual(s.valueRange, r(0, 12, 25));
});

test('write64 CMDQ_BASE 0x80000000 | LOG2SIZE=8', () => {
  const s = access('write64 CMDQ_BASE 0x80000000 | LOG2SIZE=8');
  assert.equal(s.register?.name, 'CMDQ_BASE');
  assert.equal(s.offset, 0x90);
  assert.equal(s.size, 8);
  assert.equal(s.value, 0x80000008n);
  assert.equal(access('write64 CMDQ_BASE ADDR=0x4000000 | LOG2SIZE=8 | RA').value, (1n << 62n) | 0x80000008n);
});

test('read32 CR0ACK == 0x9', () => {
  const s = access('read32  CR0ACK == 0x9');
  assert.equal(s.op, 'read');
  assert.equal(s.register?.name, 'CR0ACK');
  assert.equal(s.offset, 0x24);
  assert.deepEqual(s.expect, { op: '==', value: 9n, mask: 0xffff_ffffn, shift: 0, range: r(0, 15, 21) });
  assert.equal(access('read32 CR0ACK').expect, undefined);
  assert.equal(access('read32 CR0ACK != 0').expect?.op, '!=');
});

test('read32 0x0024 == CMDQEN|SMMUEN: fields of the register at that offset', () => {
  const s = access('read32  0x0024 == CMDQEN|SMMUEN');
  assert.equal(s.register?.name, 'CR0ACK');
  assert.equal(s.offset, 0x24);
  assert.equal(s.expect?.value, 9n);
});

test('page 1 by offset: 0x100A8 is EVENTQ_PROD', () => {
  const s = access('write32 0x100A8 0');
  assert.equal(s.register?.name, 'EVENTQ_PROD');
  assert.equal(s.offset, 0x100a8);
  assert.equal(access('write32 EVENTQ_PROD 0').offset, 0x100a8);
});

test('read32 CMDQ_CONS.RD == 3: an expectation on one field', () => {
  const s = access('read32  CMDQ_CONS.RD == 3');
  assert.equal(s.register?.name, 'CMDQ_CONS');
  assert.equal(s.offset, 0x9c);
  assert.equal(s.expect?.field?.name, 'RD');
  assert.equal(s.expect?.value, 3n);
  const rd = s.expect?.field;
  assert.ok(rd);
  assert.equal(s.expect?.shift, rd.lsb);
  assert.equal(s.expect?.mask, ((1n << BigInt(rd.msb - rd.lsb + 1)) - 1n) << BigInt(rd.lsb));
});

test('mem write64 / mem read64', () => {
  const w = mem('mem write64 0x80000000 0x46');
  assert.deepEqual(
    { op: w.op, address: w.address, size: w.size, value: w.value },
    { op: 'write', address: 0x80000000n, size: 8, value: 0x46n },
  );
  const rd = mem('mem read64  0x80000000 == 0x46');
  assert.deepEqual(rd.expect, { op: '==', value: 0x46n, mask: (1n << 64n) - 1n, shift: 0, range: r(0, 23, 30) });
  assert.equal(mem('mem write8 0xFFFF_FFFF_FFFF_FFFF 0xFF').address, (1n << 64n) - 1n);
});

// --- names ---------------------------------------------------------------------------------------------

test('register names: SMMU_ prefix optional, any case, aliases', () => {
  for (const name of ['CR0', 'SMMU_CR0', 'cr0', 'smmu_Cr0'])
    assert.equal(access(`write32 ${name} 0`).register?.name, 'CR0');
  assert.equal(access('write64 EVTQ_BASE 0').register?.name, 'EVENTQ_BASE');
});

test('enum names: FIELD=NAME, and bare names in a field expectation', () => {
  assert.equal(access('write32 CR0 VMW=VMID_N_2').value, 2n << 6n);
  assert.equal(access('write32 CR0 vmw=vmid_n_2').value, 2n << 6n, 'field and enum names in any case');
  assert.equal(access('read32 IDR0 == ST_LEVEL=TWO_LEVEL | TTF=AARCH64').expect?.value, (1n << 27n) | (2n << 2n));
  const s = access('read32 IDR0.TTF == AARCH64');
  assert.deepEqual([s.expect?.value, s.expect?.mask, s.expect?.shift], [2n, 0xcn, 2]);
  assert.equal(access('read32 IDR0.TTF == 3').expect?.value, 3n, 'a number is fine too');
});

test('symbols record what each name resolved to, for hovers and semantic tokens', () => {
  const res = ok('const N = 2\nread32 IDR0.TTF == AARCH64\nwrite32 0x20 SMMUEN|VMW=N');
  assert.deepEqual(
    res.symbols.map((s) => {
      const x = s.resolution;
      const what =
        x.kind === 'register'
          ? x.register.name
          : x.kind === 'field'
            ? `${x.register.name}.${x.field.name}`
            : x.kind === 'enum'
              ? `${x.field.name}=${x.value.name}`
              : `${x.name}=${x.value}`;
      return [s.range, x.kind, what];
    }),
    [
      [r(0, 6, 7), 'const', 'N=2'],
      [r(1, 7, 11), 'register', 'IDR0'],
      [r(1, 12, 15), 'field', 'IDR0.TTF'],
      [r(1, 19, 26), 'enum', 'TTF=AARCH64'],
      [r(2, 8, 12), 'register', 'CR0'],
      [r(2, 13, 19), 'field', 'CR0.SMMUEN'],
      [r(2, 20, 23), 'field', 'CR0.VMW'],
      [r(2, 24, 25), 'const', 'N=2'],
    ],
  );
});

test('unknown register: error on the name with a suggestion from names and aliases', () => {
  assert.deepEqual(diag('write64 CMDQ_BSE 0'), {
    severity: 'error',
    code: 'name.unknown-register',
    message: "unknown register 'CMDQ_BSE'; did you mean 'CMDQ_BASE'?",
    range: r(0, 8, 16),
  });
  assert.equal(
    diag('write64 EVTQ_BASS 0').message,
    "unknown register 'EVTQ_BASS'; did you mean 'EVTQ_BASE' or 'EVTQ_CONS'?",
  );
  assert.equal(diag('write32 SMMU_CR00 0').message, "unknown register 'SMMU_CR00'; did you mean 'CR0'?");
  assert.equal(diag('write32 FROBNICATE 0').message, "unknown register 'FROBNICATE'");
  assert.equal(
    diag('write32 SMMUEN 1').message,
    "'SMMUEN' is a field of SMMU_CR0, SMMU_CR0ACK, SMMU_S_CR0, not a register: name the register, e.g. 'CR0'",
  );
});

test('unknown field, field of another register, enum not of the field', () => {
  assert.deepEqual(diag('write32 CR0 SMMUENN'), {
    severity: 'error',
    code: 'name.unknown-field',
    message: "unknown field 'SMMUENN' in SMMU_CR0; did you mean 'SMMUEN'?",
    range: r(0, 12, 19),
  });
  assert.deepEqual(diag('write32 CR0 CMDQEN|TTF=2'), {
    severity: 'error',
    code: 'name.field-not-in-register',
    message: "'TTF' is not a field of SMMU_CR0 (it is a field of SMMU_IDR0)",
    range: r(0, 19, 22),
  });
  assert.equal(diag('read32 CR0.TTF == 1').code, 'name.field-not-in-register');
  assert.deepEqual(diag('write32 CR0 VMW=VMID_N_9'), {
    severity: 'error',
    code: 'name.unknown-enum',
    message:
      "'VMID_N_9' is not a value of SMMU_CR0.VMW (EXACT, VMID_N_1, VMID_N_2, VMID_N_3, VMID_N_4); did you mean 'VMID_N_1', 'VMID_N_2' or 'VMID_N_3'?",
    range: r(0, 16, 24),
  });
  assert.equal(diag('read32 IDR0.TTF == AARCH65').code, 'name.unknown-enum');
  assert.equal(
    diag('write64 CMDQ_BASE LOG2SIZE=BIG').message,
    "'BIG' is not a constant, and SMMU_CMDQ_BASE.LOG2SIZE takes a number",
  );
  assert.equal(
    diag('write32 CR0 ENABLED').message,
    "'ENABLED' is a value of DPT_WALK_EN, CMDQEN, EVENTQEN, PRIQEN, … of SMMU_CR0: write FIELD=ENABLED",
  );
  assert.equal(diag('write32 IDR0 AARCH64').message, "'AARCH64' is a value of TTF: write TTF=AARCH64");
  assert.equal(diag('write32 CR0 CR0ACK').code, 'name.register-in-value');
  assert.equal(diag('write32 CR0 TTF').message, "'TTF' is not a field of SMMU_CR0 (it is a field of SMMU_IDR0)");
});

test('field values must fit the field; values must fit the access', () => {
  assert.deepEqual(diag('write64 CMDQ_BASE 0x80000000 | LOG2SIZE=40'), {
    severity: 'error',
    code: 'value.field-too-wide',
    message: '0x28 does not fit in CMDQ_BASE.LOG2SIZE (5 bits: 0 to 31)',
    range: r(0, 40, 42),
  });
  assert.equal(diag('read32 CMDQ_CONS.RD == 0x100000').code, 'value.field-too-wide');
  assert.deepEqual(diag('write32 CR0 0x1_0000_0000'), {
    severity: 'error',
    code: 'value.too-wide',
    message: '0x100000000 does not fit in 32 bits',
    range: r(0, 12, 25),
  });
  assert.equal(diag('write32 CR0 0 - 1').code, 'value.negative');
  assert.equal(diag('write32 CR0 1 << 200').code, 'value.shift');
  assert.equal(diag('write32 CR0 TTF=1').code, 'name.field-not-in-register');
  assert.deepEqual(diag('write32 IDR0 TTF'), {
    severity: 'error',
    code: 'value.multi-bit-field',
    message: 'TTF is a 2-bit field (bits [3:2]): give its value, TTF=…',
    range: r(0, 13, 16),
  });
  assert.equal(diag('read32 IDR0.TTF == TTF=1').code, 'value.nested-field');
});

test('~ complements within the access width; arithmetic is exact', () => {
  assert.equal(access('write32 CR0 ~SMMUEN').value, 0xffff_fffen);
  assert.equal(access('write64 CMDQ_BASE ~0').value, (1n << 64n) - 1n);
  assert.equal(access('write64 CMDQ_BASE LOG2SIZE=~0').value, 31n, 'in a field value, within the field');
  assert.equal(access('write32 CR0 (1 << 4) - 1 & ~0b110').value, 0b1001n);
  assert.equal(access('write32 CR0 0xFFFF_FFFF + 1 - 1').value, 0xffff_ffffn, 'intermediate values are not truncated');
});

test('* / % are exact, C precedence, truncating division; division by zero is an error at the operator', () => {
  assert.equal(access('write64 CMDQ_BASE 0x40000000 + 2 * 0x1000').value, 0x40002000n);
  assert.equal(access('write32 CR0 3 << 2 * 4').value, 3n << 8n);
  assert.equal(access('write32 CR0 (20 + 15) / 16 * 16').value, 32n);
  assert.equal(access('write32 CR0 100 % 7').value, 2n);
  assert.equal(access('write32 CR0 (0 - 7) / 2 + 4').value, 1n, '-7 / 2 is -3, towards zero as in C');
  assert.equal(access('write32 CR0 (0 - 7) % 2 + 1').value, 0n, '-7 % 2 is -1, the sign of the dividend as in C');
  // Intermediate values are exact, as with + and <<: the product of two 64-bit values is not wrapped.
  assert.equal(
    access('write64 CMDQ_BASE 0xFFFF_FFFF_FFFF_FFFF * 0xFFFF_FFFF_FFFF_FFFF / 0xFFFF_FFFF_FFFF_FFFF').value,
    (1n << 64n) - 1n,
  );
  assert.deepEqual(diag('write32 CR0 0x1_0000 * 0x1_0000'), {
    severity: 'error',
    code: 'value.too-wide',
    message: '0x100000000 does not fit in 32 bits',
    range: r(0, 12, 31),
  });
  assert.deepEqual(diag('write32 CR0 (1 << 127) * 2'), {
    severity: 'error',
    code: 'value.overflow',
    message: 'this value does not fit in 128 bits',
    range: r(0, 12, 26),
  });
  assert.deepEqual(diag('write32 CR0 4 / (2 - 2)'), {
    severity: 'error',
    code: 'value.division-by-zero',
    message: "division by zero: the right operand of '/' is 0",
    range: r(0, 14, 15),
  });
  assert.deepEqual(diag('const Z = 0\nmem write32 0x1000 5 % Z'), {
    severity: 'error',
    code: 'value.division-by-zero',
    message: "remainder by zero: the right operand of '%' is 0",
    range: r(1, 21, 22),
  });
  assert.equal(diag('write64 CMDQ_BASE LOG2SIZE=8 / 0').code, 'value.division-by-zero');
  assert.equal(access('write64 CMDQ_BASE LOG2SIZE=16 / 2').value, 8n);
});

// --- access sizes and halves -------------------------------------------------------------------------------

test('access size vs a named register: errors with stable codes; numeric offsets are left to the model', () => {
  assert.deepEqual(diag('write64 CR0 1'), {
    severity: 'error',
    code: 'access.named-size',
    message:
      'SMMU_CR0 is a 32-bit register: use write32 (a 64-bit access to it is illegal, §6.2); to see what an implementation does with it, write the offset: write64 0x0020 …',
    range: r(0, 0, 7),
  });
  assert.equal(diag('read16 CR0').code, 'access.named-size');
  assert.equal(diag('write8 CMDQ_BASE 1').code, 'access.named-size');
  assert.equal(diag('read64 CMDQ_BASE+4').code, 'access.named-size');
  assert.equal(diag('write32 CR0+4 1').code, 'target.outside-register');
  assert.equal(diag('write32 CMDQ_BASE+2 1').code, 'target.outside-register');
  // The model flags these when the script runs (CONSTRAINED UNPREDICTABLE, illegal size).
  assert.deepEqual([access('write64 0x20 0x9').size, access('write64 0x20 0x9').register?.name], [8, 'CR0']);
  assert.equal(access('write16 0x20 0x9').size, 2);
  assert.equal(access('read32 0x22').byte, 2);
});

test('write32 to a 64-bit register: the name is the low half, NAME+4 the high half', () => {
  const lo = access('write32 CMDQ_BASE 0x80000000 | LOG2SIZE=8');
  assert.deepEqual([lo.offset, lo.byte, lo.size, lo.value], [0x90, 0, 4, 0x80000008n]);
  const hi = access('write32 CMDQ_BASE+4 RA');
  assert.deepEqual([hi.offset, hi.byte, hi.register?.name, hi.value], [0x94, 4, 'CMDQ_BASE', 1n << 30n]);
  assert.deepEqual(
    [access('write32 0x94 RA').byte, access('write32 0x94 RA').value],
    [4, 1n << 30n],
    'the same by offset',
  );
  assert.equal(access('write32 CMDQ_BASE+4 0x1').value, 1n, 'numbers are the bits of the access');
  assert.deepEqual(diag('write32 CMDQ_BASE RA'), {
    severity: 'error',
    code: 'value.field-outside-access',
    message: "RA (bit [62] of SMMU_CMDQ_BASE) is outside the low half [31:0] that 'write32 CMDQ_BASE' accesses",
    range: r(0, 18, 20),
  });
  assert.equal(diag('write32 CMDQ_BASE+4 LOG2SIZE=1').code, 'value.field-outside-access');
  assert.equal(
    diag('write32 CMDQ_BASE ADDR=0x8000000').code,
    'value.field-outside-access',
    'ADDR bits beyond the low half',
  );
  assert.equal(access('write32 CMDQ_BASE ADDR=0x4000000').value, 0x80000000n, 'ADDR bits inside the low half');
});

test('read32 of a field of a 64-bit register reads the half that holds it', () => {
  const ra = access('read32 CMDQ_BASE.RA == 1');
  assert.deepEqual(
    [ra.offset, ra.byte, ra.expect?.mask, ra.expect?.shift, ra.expect?.field?.name],
    [0x94, 4, 1n << 30n, 30, 'RA'],
  );
  const lg = access('read32 CMDQ_BASE.LOG2SIZE == 8');
  assert.deepEqual([lg.offset, lg.byte, lg.expect?.mask, lg.expect?.shift], [0x90, 0, 0x1fn, 0]);
  const r64 = access('read64 CMDQ_BASE.RA == 1');
  assert.deepEqual([r64.offset, r64.expect?.mask, r64.expect?.shift], [0x90, 1n << 62n, 62]);
  assert.equal(
    diag('read32 CMDQ_BASE.ADDR == 0').message,
    'ADDR (bits [55:5]) spans both halves of SMMU_CMDQ_BASE: read it with read64',
  );
  assert.equal(diag('read32 CMDQ_BASE+4.LOG2SIZE').code, 'target.field-outside-access');
  assert.equal(diag('read32 0x0F00.SMMUEN').code, 'name.field-without-register');
});

test('offsets that hit no register: numbers only', () => {
  const s = access('read32 0x0F00 == 0');
  assert.equal(s.register, undefined);
  assert.equal(s.offset, 0xf00);
  assert.equal(access('write32 0xA8 0').register, undefined, 'the page-0 offset of EVENTQ_PROD is not a register');
  assert.equal(diag('read32 0x0F00 == SMMUEN').message, "'SMMUEN' is a field name, but there is no register at 0x0F00");
  assert.equal(diag('write32 0x1_0000_0000 0').code, 'target.offset-too-large');
  assert.equal(access('write32 (0x10000 + 0xA8) 0').register?.name, 'EVENTQ_PROD');
});

// --- constants and config -------------------------------------------------------------------------

test('const: defined before use, any case, usable as values, offsets and addresses', () => {
  const res = ok(
    [
      'const QBASE = 0x4010_0000',
      'const Q_LOG2 = 8',
      'write64 CMDQ_BASE QBASE | LOG2SIZE=q_log2',
      'const P1 = 0x10000',
      'write32 (P1 + 0xA8) 0',
      'mem write64 QBASE + 8 QBASE',
    ].join('\n'),
  );
  assert.deepEqual(
    res.statements.map((s) =>
      s.kind === 'access' ? [s.offset, s.value] : s.kind === 'mem' ? [s.address, s.value] : [],
    ),
    [
      [0x90, 0x40100008n],
      [0x100a8, 0n],
      [0x40100008n, 0x40100000n],
    ],
  );
  assert.equal(diag('write32 CR0 LATER\nconst LATER = 1').code, 'name.unknown-field');
  const redefined = analyzeScript('const A = 1\nconst a = 2').diagnostics;
  assert.deepEqual(
    redefined.map((d) => [d.code, d.range, d.related?.[0].range]),
    [['const.redefined', r(1, 6, 7), r(0, 6, 7)]],
  );
  assert.equal(diag('const CR0 = 1').code, 'const.register-name');
  assert.equal(diag('const M = SMMUEN').message, "'SMMUEN' is a field name, but a constant belongs to no register");
  assert.equal(diag('const Z = 1\nmem write32 0 Y').message, "unknown constant 'Y'; did you mean 'Z'?");
  const both = analyzeScript('const SMMUEN = 2\nwrite32 CR0 SMMUEN');
  assert.deepEqual(
    both.diagnostics.map((d) => [d.severity, d.code]),
    [['warning', 'name.ambiguous']],
  );
  assert.equal(both.statements[0].kind === 'access' && both.statements[0].value, 1n, 'the field wins');
});

test('config: one, before the first access', () => {
  assert.deepEqual(
    analyzeScript('config "a.json"\nconfig "b.json"').diagnostics.map((d) => [d.code, d.range, d.related?.[0].range]),
    [['config.duplicate', r(1, 0, 15), r(0, 0, 15)]],
  );
  assert.equal(diag('read32 CR0\nconfig "a.json"').code, 'config.late');
  assert.equal(diag('config ""').code, 'config.empty');
  assert.equal(analyzeScript('const X = 1\nconfig "a.json"').config?.path, 'a.json', 'constants may come first');
});

test('a statement with an error is left out; the others are kept', () => {
  const res = analyzeScript('write32 CR0 1\nwrite32 CR0 NOPE\nwrite64 CR0 1\nwrite32 CR0 2\nwrite32 CR0 (');
  assert.deepEqual(
    res.statements.map((s) => s.range.start.line),
    [0, 3],
  );
  assert.deepEqual(
    res.diagnostics.map((d) => d.range.start.line),
    [1, 2, 4],
    'sorted by position, syntax and names together',
  );
});

// --- DMA payloads (docs/script-language.md, "DMA payloads") -----------------------------------

/** The request of a script's single `dma` line. */
function dma(text: string) {
  const s = ok(text).statements[0] as ResolvedAction;
  assert.equal(s.kind, 'action');
  return dmaRequest(s);
}

test('dma write data=V [step=D] [size=S]: the payload is V little-endian, word k being V + k × D, the last word cut short', () => {
  const w = dma('dma write sid=1 iova=0x1000 data=0x1122');
  assert.equal(w?.size, 8);
  assert.deepEqual([...(w?.payload ?? [])], [0x22, 0x11, 0, 0, 0, 0, 0, 0]);
  const long = dma('dma write sid=1 ssid=3 iova=0x1000 data=0xFFFFFFFFFFFFFFFF step=2 size=0x13 priv');
  assert.deepEqual([...(long?.payload ?? [])], [...Array<number>(8).fill(0xff), 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0]);
  assert.deepEqual(
    [long?.access, long?.sid, long?.ssid, long?.iova, long?.priv, long?.compare],
    ['write', 1, 3, 0x1000n, true, undefined],
  );
  assert.deepEqual([...(dma('dma write sid=1 iova=0 size=3 data=0xABCDEF')?.payload ?? [])], [0xef, 0xcd, 0xab]);
});

test('dma read … data == V: the bytes the read is compared with; size= may come before data or after the comparison', () => {
  const a = dma('dma read sid=1 iova=0x1000 size=16 data == 0x10 step=1');
  assert.deepEqual([a?.access, a?.size, a?.payload, a?.compare?.op], ['read', 16, undefined, '==']);
  assert.deepEqual([...(a?.compare?.bytes ?? [])], [0x10, 0, 0, 0, 0, 0, 0, 0, 0x11, 0, 0, 0, 0, 0, 0, 0]);
  const b = dma('dma exec sid=1 iova=0x1000 data != 0xAB size=1');
  assert.deepEqual([b?.access, b?.size, b?.compare?.op, [...(b?.compare?.bytes ?? [])]], ['exec', 1, '!=', [0xab]]);
});

/** A request's properties that are set (a request has every property, undefined when not given). */
function setOf(r: object | undefined): object | undefined {
  return r && Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
}

test('a DMA without data or size is the translation it always was; size= alone reads without a comparison', () => {
  assert.deepEqual(setOf(dma('dma read sid=8 iova=0xFFFF0010 == 0x80000010')), {
    access: 'read',
    sid: 8,
    iova: 0xffff0010n,
    priv: false,
    route: 'untranslated',
    secure: false,
    ns: false,
  });
  assert.deepEqual(setOf(dma('dma write sid=8 iova=0x1000 == F_TRANSLATION')), {
    access: 'write',
    sid: 8,
    iova: 0x1000n,
    priv: false,
    route: 'untranslated',
    secure: false,
    ns: false,
  });
  assert.deepEqual(setOf(dma('dma read sid=8 iova=0x1000 size=0x2000 == F_TRANSLATION')), {
    access: 'read',
    sid: 8,
    iova: 0x1000n,
    priv: false,
    route: 'untranslated',
    secure: false,
    ns: false,
    size: 0x2000,
  });
});

test('DMA payload arguments that do not combine are errors where the script is resolved, at the argument, and the line does not run', () => {
  const cases: [string, string, string, [number, number]][] = [
    [
      'dma write sid=1 iova=0 data=0x10000 size=2',
      'arg.too-wide',
      '0x10000 does not fit the 2 bytes of the transfer (size=2)',
      [28, 35],
    ],
    [
      'dma read sid=1 iova=0 size=1 data == 0x100',
      'arg.too-wide',
      '0x100 does not fit the 1 byte of the transfer (size=1)',
      [34, 42],
    ],
    [
      'dma read sid=1 iova=0 data=5',
      'dma.data',
      "data=V is a write's payload; a read checks the bytes it returns with 'data == V' (or '!= V')",
      [22, 28],
    ],
    [
      'dma write sid=1 iova=0 data == 5',
      'dma.data',
      "a write's payload is data=V; 'data ==' compares what a read returns",
      [23, 27],
    ],
    [
      'dma read sid=1 iova=0 data',
      'dma.data',
      "'data' compares the bytes the device reads: data == V (or != V)",
      [22, 26],
    ],
    [
      'dma read sid=1 iova=0 data == F_TRANSLATION',
      'dma.data',
      "'data ==' compares the bytes read with a number; an outcome or event ('F_TRANSLATION') is compared without 'data'",
      [27, 43],
    ],
    ['dma read sid=1 iova=0 == 5 data', 'dma.data', "'data' goes before the comparison: data == V", [27, 31]],
    [
      'dma write sid=1 iova=0 size=0x10001 data=1',
      'dma.size',
      'a DMA transfers 1 to 0x10000 bytes (64 KiB), not 0x10001',
      [28, 35],
    ],
    [
      'dma write sid=1 iova=0 size=0 data=1',
      'dma.size',
      'a DMA transfers 1 to 0x10000 bytes (64 KiB), not 0x0',
      [28, 29],
    ],
    [
      'dma write sid=1 iova=0xFFFFFFFFFFFFFFF8 size=16 data=1',
      'dma.size',
      'the transfer runs past the top of the 64-bit address space (IOVA 0xFFFFFFFFFFFFFFF8 + 0x10)',
      [45, 47],
    ],
    ['dma write sid=1 iova=0 size=16', 'dma.data', 'a write of size=0x10 needs its payload: data=V', [23, 30]],
    ['dma write sid=1 iova=0 step=1', 'dma.data', "step= continues the payload's pattern: give data=V", [23, 29]],
    [
      'dma read sid=1 iova=0 step=1 == 5',
      'dma.data',
      "step= continues the pattern 'data == V' compares with: give data == V",
      [22, 28],
    ],
    ['dma read sid=1 iova=0 size', 'dma.size', "give the transfer's length: size=S (1 to 0x10000 bytes)", [22, 26]],
    ['dma write sid=1 iova=0 data=NOPE', 'dma.data', "data= takes a number, and 'NOPE' is not a constant", [28, 32]],
  ];
  for (const [text, code, message, [from, to]] of cases) {
    assert.deepEqual(diag(text), { code, message, range: r(0, from, to), severity: 'error' }, text);
    assert.deepEqual(analyzeScript(text).statements, [], `${text}: not run`);
  }
  // Constants and expressions are values as anywhere else.
  assert.equal(dma('const N = 0x20\ndma write sid=1 iova=0 size=N+N data=N')?.size, 0x40);
});

test('the example scripts resolve without errors', () => {
  for (const file of ['examples/linux-bringup.smmu', 'examples/xen-vsmmu-review.smmu']) {
    const res = analyzeScript(readFileSync(join(root, file), 'utf8'));
    assert.deepEqual(
      res.diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => `${file}:${d.range.start.line + 1}: ${d.message}`),
      [],
    );
    assert.ok(res.statements.length > 10);
  }
});

// --- properties ---------------------------------------------------------------------------------------

test('property: resolving random scripts never throws; ranges inside; values fit their accesses', () => {
  let executed = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        wellFormedScript,
        fc.array(tokenSoup, { minLength: 1, maxLength: 8 }).map((l) => l.join('\n')),
        fc.string({ unit: 'binary', maxLength: 200 }),
      ),
      (text) => {
        const parsed = parseScript(text);
        const res = resolveScript(parsed);
        assertRangesInside(parsed, [
          ...res.diagnostics.map((d) => d.range),
          ...res.symbols.map((s) => s.range),
          ...res.diagnostics.flatMap((d) => d.related?.map((x) => x.range) ?? []),
        ]);
        assert.ok(
          res.diagnostics.every((d) => d.code !== 'internal'),
          JSON.stringify(res.diagnostics),
        );
        for (const s of res.statements) {
          if (s.kind === 'action' || s.kind === 'include') continue;
          const limit = 1n << BigInt(8 * s.size);
          if (s.value !== undefined) assert.ok(s.value >= 0n && s.value < limit);
          if (s.expect) assert.ok(s.expect.value >= 0n && s.expect.value << BigInt(s.expect.shift) <= s.expect.mask);
          if (s.kind === 'access') assert.ok(Number.isInteger(s.offset) && s.offset >= 0);
          executed++;
        }
      },
    ),
    { seed: 20261126, numRuns: 500 },
  );
  assert.ok(executed > 100, `the generators reach executable statements (${executed})`);
});

test('include: statements of another file run in place, constants carry both ways, problems point into the file, cycles and missing files are reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smmu-inc-'));
  writeFileSync(
    join(dir, 'queues.smmu'),
    'const QB = 0x40100000\nwrite64 CMDQ_BASE QB | LOG2SIZE=SIZE\nwrite32 CR0 CMDQEN\nread32 CR0ACK == NOPE\n',
  );
  writeFileSync(join(dir, 'a.smmu'), 'include "b.smmu"\n');
  writeFileSync(join(dir, 'b.smmu'), 'include "a.smmu"\n');
  const host = {
    readFile: (p: string) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    resolvePath: (from: string, rel: string) => join(dirname(from), rel),
  };
  const main = join(dir, 'main.smmu');
  const text =
    'const SIZE = 3\ninclude "queues.smmu"\nread32 CMDQ_BASE == QB | LOG2SIZE=3\ninclude "a.smmu"\ninclude "nope.smmu"\n';
  const r = checkScript(text, main, host, 'full');
  const at = (l: number) =>
    r.diagnostics.filter((d) => d.range.start.line === l && d.severity === 'error').map((d) => d.code);
  // The included file's unknown name is reported on the include line, with the place inside it.
  assert.deepEqual(at(1), ['name.unknown-field']);
  const inner = r.diagnostics.find((d) => d.range.start.line === 1);
  assert.match(inner?.message ?? '', /^in queues\.smmu:4: /);
  assert.equal(inner?.related?.[0]?.path, join(dir, 'queues.smmu'));
  assert.equal(inner?.related?.[0]?.range.start.line, 3);
  // QB defined in the include is visible after it; the CMDQ_BASE write (with SIZE from here) ran.
  assert.deepEqual(at(2), []);
  assert.deepEqual(at(3), ['include.cycle']);
  assert.deepEqual(at(4), ['include.missing']);
});
