/**
 * The command table and codec against §4: opcodes (§4.1.1), field positions written out as
 * literal words, validation rules (§4.1.3, §4.1.5, §4.1.6, §4.1.7, §4.4, §4.4.1.1, §4.5, §4.7),
 * CMD_CFGI_ALL detection (§4.3.6), and encode/decode round trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CERROR,
  commandSummaryMarkdown,
  decodeCommand,
  encodeCommand,
  formatCommand,
} from '../../../core/commands/codec';
import { COMMANDS, commandByOpcode, findCommand } from '../../../core/commands/table';
import { compileFastChecks } from '../../../core/engine/command-fast';
import { idViewOf } from '../../../core/model/ids';
import type { IdView } from '../../../core/registers/codec';
import { config, QEMU_IDS } from '../../harness/helpers';

/** QEMU: S1P only, ASID16, VMID16, no Hyp/ATS/PRI/SEV/MSI, STALL_MODEL 0b01, SIDSIZE 16, SSIDSIZE 0, RIL, AIDR v3.1. */
const qemu = idViewOf(config());
const ids = (over: Parameters<typeof config>[0]) => idViewOf(config(over));
/** Everything: both stages, Hyp, ATS, PRI, MSI, SEV, stalls, SSIDSIZE 8, MPAM (PARTID_MAX 63), DPT, DS, D128. */
const full = ids({
  MPAMIDR: 63,
  IDR0: (QEMU_IDS.IDR0 & ~(3 << 24)) | 1 | (1 << 9) | (1 << 10) | (1 << 13) | (1 << 14) | (1 << 16),
  IDR1: QEMU_IDS.IDR1 | (8 << 6),
  IDR3: QEMU_IDS.IDR3 | (1 << 7) | (1 << 15),
  IDR5: QEMU_IDS.IDR5 | (1 << 7) | (1 << 8),
});
const words = (lo: bigint, hi: bigint) => [
  Number(lo & 0xffff_ffffn),
  Number(lo >> 32n),
  Number(hi & 0xffff_ffffn),
  Number(hi >> 32n),
];
const cmd = (name: string) => {
  const c = findCommand(name);
  assert.ok(c, name);
  return c;
};
const enc = (name: string, fields: Record<string, bigint>) => {
  const e = encodeCommand(cmd(name), new Map(Object.entries(fields)));
  assert.deepEqual(e.problems, [], name);
  return e.words;
};
const ill = (w: number[], i: IdView | undefined = qemu) =>
  decodeCommand(w, i)
    .problems.filter((p) => p.ill)
    .map((p) => p.code);
const warnings = (w: number[], i: IdView | undefined = qemu) =>
  decodeCommand(w, i)
    .problems.filter((p) => !p.ill)
    .map((p) => p.code);

test('§4.1.1 opcodes of every command', () => {
  const expected: Record<string, number> = {
    CMD_PREFETCH_CONFIG: 0x01,
    CMD_PREFETCH_ADDR: 0x02,
    CMD_CFGI_STE: 0x03,
    CMD_CFGI_STE_RANGE: 0x04,
    CMD_CFGI_ALL: 0x04,
    CMD_CFGI_CD: 0x05,
    CMD_CFGI_CD_ALL: 0x06,
    CMD_CFGI_VMS_PIDM: 0x07,
    CMD_TLBI_NH_ALL: 0x10,
    CMD_TLBI_NH_ASID: 0x11,
    CMD_TLBI_NH_VA: 0x12,
    CMD_TLBI_NH_VAA: 0x13,
    CMD_TLBI_EL3_ALL: 0x18,
    CMD_TLBI_EL3_VA: 0x1a,
    CMD_TLBI_EL2_ALL: 0x20,
    CMD_TLBI_EL2_ASID: 0x21,
    CMD_TLBI_EL2_VA: 0x22,
    CMD_TLBI_EL2_VAA: 0x23,
    CMD_TLBI_S12_VMALL: 0x28,
    CMD_TLBI_S2_IPA: 0x2a,
    CMD_TLBI_NSNH_ALL: 0x30,
    CMD_ATC_INV: 0x40,
    CMD_PRI_RESP: 0x41,
    CMD_RESUME: 0x44,
    CMD_STALL_TERM: 0x45,
    CMD_SYNC: 0x46,
    CMD_TLBI_S_EL2_ALL: 0x50,
    CMD_TLBI_S_EL2_ASID: 0x51,
    CMD_TLBI_S_EL2_VA: 0x52,
    CMD_TLBI_S_EL2_VAA: 0x53,
    CMD_TLBI_S_S12_VMALL: 0x58,
    CMD_TLBI_S_S2_IPA: 0x5a,
    CMD_TLBI_SNH_ALL: 0x60,
    CMD_DPTI_ALL: 0x70,
    CMD_DPTI_PA: 0x73,
  };
  assert.deepEqual(Object.fromEntries(COMMANDS.map((c) => [c.name, c.opcode])), expected);
  for (const c of COMMANDS) {
    assert.equal(c.bits, 128, c.name);
    assert.deepEqual(
      c.fields.find((f) => f.name === 'Opcode'),
      c.fields[0],
    );
    assert.equal(c.fields[0]?.msb, 7);
    assert.equal(c.fields[0]?.lsb, 0);
    assert.match(c.section, /^4\.\d/);
  }
});

test('§4.1.1 findCommand (case-insensitive, with or without CMD_, aliases) and commandByOpcode', () => {
  assert.equal(findCommand('cfgi_ste'), findCommand('CMD_CFGI_STE'));
  assert.equal(findCommand('Cmd_Sync')?.opcode, 0x46);
  assert.equal(findCommand('prefetch_cfg'), findCommand('CMD_PREFETCH_CONFIG'), 'Linux CMDQ_OP_PREFETCH_CFG');
  assert.equal(findCommand('NO_SUCH'), undefined);
  assert.equal(commandByOpcode(0x04)?.name, 'CMD_CFGI_STE_RANGE');
  assert.equal(commandByOpcode(0x07)?.name, 'CMD_CFGI_VMS_PIDM');
  assert.equal(commandByOpcode(0x00), undefined);
  assert.equal(commandByOpcode(0x50)?.secureOnly, true, 'Secure-only opcodes are Secure-only commands');
});

test('§7.1 CERROR codes', () => {
  assert.deepEqual(CERROR, { NONE: 0, ILL: 1, ABT: 2, ATC_INV_SYNC: 3 });
});

test('§4.2 prefetch layouts: SSec [10], SSV [11], SubstreamID [31:12], StreamID [63:32], Size [68:64], Address [127:76]', () => {
  assert.deepEqual(enc('PREFETCH_CONFIG', { StreamID: 0x12n, SSV: 1n, SubstreamID: 5n }), [
    0x01 | (1 << 11) | (5 << 12),
    0x12,
    0,
    0,
  ]);
  assert.deepEqual(
    enc('PREFETCH_ADDR', { StreamID: 7n, Size: 4n, Address: 0x1_2345_6000n }),
    words(0x02n | (7n << 32n), 0x1_2345_6000n | 4n),
  );
});

test('§4.3.1 CMD_CFGI_STE StreamID=3 Leaf=1 is words 0x03, 3, 1, 0', () => {
  const w = enc('CFGI_STE', { StreamID: 3n, Leaf: 1n });
  assert.deepEqual(w, [0x03, 3, 1, 0]);
  assert.equal(formatCommand(decodeCommand(w, qemu)), 'CMD_CFGI_STE StreamID=0x3 Leaf=1');
  assert.deepEqual(decodeCommand(w, qemu).problems, []);
});

test('§4.3.2–§4.3.5 CFGI layouts: Range [68:64], SubstreamID [31:12], Leaf [64], VMID [47:32]', () => {
  assert.deepEqual(enc('CFGI_STE_RANGE', { StreamID: 0x100n, Range: 3n }), [0x04, 0x100, 3, 0]);
  assert.deepEqual(enc('CFGI_CD', { StreamID: 5n, SubstreamID: 7n, Leaf: 1n }), [0x05 | (7 << 12), 5, 1, 0]);
  assert.deepEqual(enc('CFGI_CD_ALL', { StreamID: 0xffffn }), [0x06, 0xffff, 0, 0]);
  assert.deepEqual(enc('CFGI_VMS_PIDM', { VMID: 9n }), [0x07, 9, 0, 0]);
});

test('§4.3.6 CMD_CFGI_ALL is CMD_CFGI_STE_RANGE with Range 31: encode sets it, decode reports it', () => {
  assert.deepEqual(enc('CFGI_ALL', {}), [0x04, 0, 31, 0]);
  const d = decodeCommand([0x04, 0x1234, 31, 0], qemu);
  assert.equal(d.def?.name, 'CMD_CFGI_ALL');
  assert.equal(formatCommand(d), 'CMD_CFGI_ALL', 'StreamID is IGNORED and Range implied');
  assert.deepEqual(d.problems, []);
  assert.equal(decodeCommand([0x04, 0, 30, 0], qemu).def?.name, 'CMD_CFGI_STE_RANGE');
  const bad = encodeCommand(cmd('CFGI_ALL'), new Map([['Range', 3n]]));
  assert.deepEqual(
    bad.problems.map((p) => p.code),
    ['range'],
  );
});

test('§4.4.2.2 CMD_TLBI_NH_ASID as drawn in the specification: ASID [63:48], VMID [47:32], 0x11 [7:0]', () => {
  assert.deepEqual(enc('TLBI_NH_ASID', { ASID: 0x1234n, VMID: 2n }), [0x11, 0x1234_0002, 0, 0]);
  assert.deepEqual(enc('TLBI_NH_ALL', { VMID: 0xabn }), [0x10, 0xab, 0, 0]);
  assert.deepEqual(enc('TLBI_EL2_ASID', { ASID: 0x55n }), [0x21, 0x55 << 16, 0, 0]);
  assert.deepEqual(enc('TLBI_S12_VMALL', { VMID: 3n }), [0x28, 3, 0, 0]);
  assert.deepEqual(enc('TLBI_NSNH_ALL', {}), [0x30, 0, 0, 0]);
  assert.deepEqual(enc('TLBI_EL2_ALL', {}), [0x20, 0, 0, 0]);
});

test('§4.4.1.1 range fields: SCALE [25:20], NUM [16:12], TG [75:74], TTL [73:72], TTL128 [71]; Leaf [64], VA [127:76]', () => {
  const w = enc('TLBI_NH_VA', {
    VMID: 2n,
    ASID: 0x1234n,
    Address: 0xffff_8000_1234_5000n,
    Leaf: 1n,
    TG: 1n,
    TTL: 3n,
    NUM: 1n,
  });
  assert.deepEqual(w, words(0x1234_0002_0000_1012n, 0xffff_8000_1234_5000n | (1n << 10n) | (3n << 8n) | 1n));
  assert.deepEqual(decodeCommand(w, full).problems, [], 'VMID needs stage 2 (§4.4.2), hence `full`');
  assert.deepEqual(enc('TLBI_NH_VAA', { SCALE: 0x21n, TTL128: 1n }), [0x13 | (0x21 << 20), 0, 0x80, 0]);
  assert.deepEqual(enc('TLBI_EL2_VAA', { Address: 0x1000n }), [0x23, 0, 0x1000, 0]);
  assert.deepEqual(enc('TLBI_EL3_VA', { Address: 0x2000n, Leaf: 1n }), [0x1a, 0, 0x2001, 0]);
  assert.deepEqual(enc('TLBI_EL2_VA', { ASID: 1n, Address: 0x3000n }), [0x22, 0x1_0000, 0x3000, 0]);
});

test('§4.4.3.1 CMD_TLBI_S2_IPA: IPA [55:12] at [119:76]; bits above are RES0', () => {
  assert.deepEqual(
    enc('TLBI_S2_IPA', { VMID: 1n, Address: 0x8_0000_0000_0000n }),
    words(0x2an | (1n << 32n), 0x8_0000_0000_0000n),
  );
  const tooWide = encodeCommand(cmd('TLBI_S2_IPA'), new Map([['Address', 1n << 56n]]));
  assert.deepEqual(
    tooWide.problems.map((p) => p.code),
    ['too-wide'],
  );
});

test('§4.5 ATS and PRI layouts: ATC_INV Global [9], Size [69:64]; PRI_RESP PRGIndex [72:64], Resp [77:76]', () => {
  assert.deepEqual(
    enc('ATC_INV', { Global: 1n, SSV: 1n, SubstreamID: 3n, StreamID: 0x10n, Size: 52n, Address: 0x4000_0000n }),
    [0x40 | (1 << 9) | (1 << 11) | (3 << 12), 0x10, 0x4000_0000 | 52, 0],
  );
  assert.deepEqual(enc('PRI_RESP', { SSV: 1n, SubstreamID: 3n, StreamID: 0x10n, PRGIndex: 0x1ffn, Resp: 2n }), [
    0x41 | (1 << 11) | (3 << 12),
    0x10,
    0x1ff | (2 << 12),
    0,
  ]);
});

test('§4.7 RESUME Ac [12], Ab [13], STAG [79:64]; STALL_TERM; SYNC CS [13:12], MSH [23:22], MSIAttr [27:24], MSIData [63:32], MSIAddress [119:66]', () => {
  assert.deepEqual(enc('RESUME', { StreamID: 1n, Ac: 1n, Ab: 1n, STAG: 0xbeefn }), [
    0x44 | (1 << 12) | (1 << 13),
    1,
    0xbeef,
    0,
  ]);
  assert.deepEqual(enc('STALL_TERM', { StreamID: 9n }), [0x45, 9, 0, 0]);
  assert.deepEqual(
    enc('SYNC', { CS: 1n, MSH: 3n, MSIAttr: 0xfn, MSIData: 0xcafen, MSIAddress: 0x4000_0004n }),
    words(0x0000_cafe_0fc0_1046n, 0x4000_0004n),
  );
  assert.equal(formatCommand(decodeCommand(enc('SYNC', { CS: 2n }), full)), 'CMD_SYNC CS=SIG_SEV');
  assert.deepEqual(enc('DPTI_ALL', {}), [0x70, 0, 0, 0]);
});

test('§4.1.3 reserved and IMPLEMENTATION DEFINED opcodes are CERROR_ILL; Secure-only opcodes are named', () => {
  for (const op of [0x00, 0x08, 0x0f, 0x14, 0x19, 0x2b, 0x31, 0x42, 0x47, 0x7f, 0x80, 0x8f, 0x90, 0xff]) {
    const d = decodeCommand([op, 0, 0, 0], full);
    assert.deepEqual(
      d.problems.map((p) => [p.code, p.ill]),
      [['opcode', true]],
      hexName(op),
    );
    assert.equal(d.def, undefined);
  }
  assert.match(decodeCommand([0x7f, 0, 0, 0], qemu).problems[0]?.message ?? '', /opcode 0x7F is a reserved opcode/);
  assert.match(
    decodeCommand([0x50, 0, 0, 0], full).problems[0]?.message ?? '',
    /CMD_TLBI_S_EL2_ALL is valid only on the Secure Command queue/,
  );
  assert.equal(formatCommand(decodeCommand([0x7f, 0, 0, 0], qemu)), 'unknown command (opcode 0x7F)');
});

function hexName(op: number): string {
  return `opcode 0x${op.toString(16)}`;
}

test('§4.1.3/§7.1 commands irrelevant to the implementation are CERROR_ILL, and legal when the feature exists', () => {
  const s2only = ids({ IDR0: (QEMU_IDS.IDR0 & ~2) | 1 });
  const bothStages = ids({ IDR0: QEMU_IDS.IDR0 | 1 });
  const cases: [string, number, IdView][] = [
    ['TLBI_S12_VMALL without S2P (§4.4.3.2)', 0x28, qemu],
    ['TLBI_S2_IPA without S2P (§4.4.3.1)', 0x2a, qemu],
    ['TLBI_EL2_ALL without Hyp (§4.4.2.7)', 0x20, qemu],
    ['TLBI_EL2_ASID without Hyp (§4.4.2.10)', 0x21, qemu],
    ['ATC_INV without ATS (§4.5.1)', 0x40, qemu],
    ['PRI_RESP without PRI (§4.5.2)', 0x41, qemu],
    ['CFGI_VMS_PIDM without MPAM (§4.3.5)', 0x07, bothStages],
    ['DPTI_ALL without DPT (§4.6.1)', 0x70, qemu],
    ['DPTI_PA without DPT (§4.6.2)', 0x73, qemu],
    ['RESUME with STALL_MODEL 0b01 (§4.7.1)', 0x44, qemu],
    ['STALL_TERM with STALL_MODEL 0b01 (§4.7.2)', 0x45, qemu],
    ['CFGI_CD without stage 1 (§4.3.3)', 0x05, s2only],
    ['CFGI_CD_ALL without stage 1 (§4.3.4)', 0x06, s2only],
    ['TLBI_NH_ALL on a stage-2-only SMMU (§4.4.2)', 0x10, s2only],
  ];
  for (const [what, op, view] of cases) {
    assert.deepEqual(ill([op, 0, 0, 0], view), ['unsupported'], what);
    assert.deepEqual(ill([op, 0, 0, 0], full), [], `${what}: legal with the feature`);
  }
  assert.match(
    decodeCommand([0x28, 0, 0, 0], qemu).problems[0]?.message ?? '',
    /CMD_TLBI_S12_VMALL needs SMMU_IDR0\.S2P == 1/,
  );
  // §4.3.5: CERROR_ILL also when the VMS is not supported by the Non-secure interface, and §5.6.1
  // supports it only with both stages (IDR0.S1P and IDR0.S2P) and SMMU_MPAMIDR.PARTID_MAX != 0 on
  // top of IDR3.MPAM.
  const mpam = (idr0: number, partidMax = 1) => ids({ IDR0: idr0, IDR3: QEMU_IDS.IDR3 | (1 << 7), MPAMIDR: partidMax });
  const s1s2 = QEMU_IDS.IDR0 | 3;
  assert.deepEqual(ill([0x07, 0, 0, 0], mpam(s1s2)), [], 'CFGI_VMS_PIDM with MPAM and both stages');
  assert.deepEqual(ill([0x07, 0, 0, 0], mpam(s1s2 & ~1)), ['unsupported'], 'CFGI_VMS_PIDM with MPAM but no stage 2');
  assert.deepEqual(ill([0x07, 0, 0, 0], mpam(s1s2 & ~2)), ['unsupported'], 'CFGI_VMS_PIDM with MPAM but no stage 1');
  assert.match(
    decodeCommand([0x07, 0, 0, 0], mpam(s1s2 & ~1)).problems[0]?.message ?? '',
    /CMD_CFGI_VMS_PIDM needs SMMU_IDR0\.S2P == 1/,
  );
  assert.deepEqual(ill([0x07, 0, 0, 0], mpam(s1s2, 0)), ['unsupported'], 'CFGI_VMS_PIDM with PARTID_MAX 0');
  assert.match(
    decodeCommand([0x07, 0, 0, 0], mpam(s1s2, 0)).problems[0]?.message ?? '',
    /CMD_CFGI_VMS_PIDM needs SMMU_MPAMIDR\.PARTID_MAX >= 1/,
  );
  assert.deepEqual(ill([0x30, 0, 0, 0], s2only), [], 'TLBI_NSNH_ALL is valid whatever the stages (§4.4.4.1)');
});

test('§4.6.2 CMD_DPTI_PA (opcode 0x73) is legal with SMMU_IDR3.DPT: its Address, SIZE and Leaf are not located, so no bit of it is CERROR_ILL', () => {
  // Every bit but the opcode set: Address, SIZE and Leaf lie somewhere in [63:8] and [127:64].
  const all = words(0xffff_ffff_ffff_ff73n, 0xffff_ffff_ffff_ffffn);
  assert.deepEqual(ill(all, full), []);
  const p = decodeCommand(all, full).problems;
  assert.deepEqual(
    p.map((x) => [x.code, x.ill, x.severity, x.section]),
    [['unlocated', false, 'warning', '4.6.2']],
  );
  assert.match(
    p[0]?.message ?? '',
    /CMD_DPTI_PA's Address, SIZE and Leaf lie among bits \[63:8\], \[127:64\], but their bit positions are drawn only as an image .*; the model does not check them \(not CERROR_ILL\)$/,
  );
  assert.deepEqual(decodeCommand(words(0x73n, 0n), full).problems, [], 'all zero: nothing to say');
  assert.equal(decodeCommand(words(0x73n, 0n), full).def?.name, 'CMD_DPTI_PA');
});

test('§4.4.2.5/§4.4.2.6 EL3 commands are CERROR_ILL on the Non-secure Command queue', () => {
  assert.deepEqual(ill([0x18, 0, 0, 0], full), ['secure-only']);
  assert.deepEqual(ill([0x1a, 0, 0, 0], full), ['secure-only']);
});

test('§4.1.5 RES0 bits set: the model detects them (CERROR_ILL); with optionalChecks "ignore" they are warnings', () => {
  const w = words(0x30n | (1n << 40n), 0n);
  const p = decodeCommand(w, qemu).problems;
  assert.deepEqual(
    p.map((x) => [x.code, x.ill, x.section]),
    [['reserved', true, '4.1.5']],
  );
  assert.match(p[0]?.message ?? '', /RES0 bit 40 set/);
  const ignored = decodeCommand(w, qemu, { optionalChecks: 'ignore' }).problems;
  assert.deepEqual(
    ignored.map((x) => [x.code, x.ill, x.severity]),
    [['reserved', false, 'warning']],
  );
  assert.match(decodeCommand([0x46, 0, 0, 0xf000_0000], qemu).problems[0]?.message ?? '', /RES0 bits \[127:124\] set/);
  assert.deepEqual(ill([0x03, 0, 2, 0]), ['reserved'], 'CFGI_STE bit 65');
});

test('§4.2.2 CMD_PREFETCH_ADDR: Stride is a parameter from SMMUv3.1, so the bits it may occupy are not CERROR_ILL there; RES0 in SMMUv3.0', () => {
  // Stride and NS are not located (an image in the specification, in no second source): they lie
  // in the bits no located field covers, [9:8] and [75:69]. Set them all, and bit 70 alone.
  const all = words(0x02n | (3n << 8n) | (7n << 32n), (0x7fn << 5n) | 4n);
  const v31 = qemu; // AIDR 1: SMMUv3.1
  assert.deepEqual(ill(all, v31), []);
  const p = decodeCommand(all, v31).problems;
  assert.deepEqual(
    p.map((x) => [x.code, x.ill, x.severity, x.section]),
    [['unlocated', false, 'warning', '4.2.2']],
  );
  assert.match(
    p[0]?.message ?? '',
    /^bits \[9:8\], \[75:69\] set: CMD_PREFETCH_ADDR's Stride and NS lie among bits \[9:8\], \[75:69\], but their bit positions .* no second source .*; the model does not check them \(not CERROR_ILL\)$/,
  );
  assert.deepEqual(ill(words(0x02n, 1n << 6n), v31), [], 'bit 70');
  // SMMUv3.0: Stride is RES0 and a non-zero value may be CERROR_ILL (§4.2.2); the model detects it.
  const v30 = ids({ AIDR: 0 });
  assert.deepEqual(ill(words(0x02n, 1n << 6n), v30), ['reserved']);
  assert.match(
    decodeCommand(all, v30)
      .problems.map((x) => x.message)
      .join('\n'),
    /RES0 bits \[9:8\] set.*\n.*RES0 bits \[75:69\] set/,
  );
  // The fast check leaves such a command to the codec, which accepts it on v3.1.
  assert.equal(compileFastChecks(v31).accepts(Uint32Array.from(all)), false);
  assert.match(
    commandSummaryMarkdown(cmd('PREFETCH_ADDR')),
    /Stride and NS are not located: .* bits \[9:8\], \[75:69\], which from SMMUv3\.1 on the model does not check/,
  );
  // CMD_PREFETCH_CONFIG has no such parameters: its bits [9:8] stay RES0 on v3.1.
  assert.deepEqual(ill(words(0x01n | (1n << 8n), 0n), v31), ['reserved']);
});

test('§4.1.6 SSec == 1 on the Non-secure Command queue is CERROR_ILL', () => {
  for (const name of ['PREFETCH_CONFIG', 'CFGI_STE', 'CFGI_STE_RANGE', 'CFGI_CD', 'CFGI_CD_ALL', 'STALL_TERM']) {
    assert.deepEqual(ill(enc(name, { SSec: 1n }), full), ['ssec'], name);
  }
  assert.deepEqual(ill(enc('CFGI_ALL', { SSec: 1n }), full), ['ssec']);
  assert.deepEqual(ill(enc('CFGI_STE', {}), full), []);
});

/** `full` with Secure state: S_IDR1 = SECURE_IMPL [31] | SEL2 [29] | S_SIDSIZE 8 [5:0] (§6.3.53). */
const secure = ids({
  MPAMIDR: 63,
  IDR0: (QEMU_IDS.IDR0 & ~(3 << 24)) | 1 | (1 << 9) | (1 << 10) | (1 << 13) | (1 << 14) | (1 << 16),
  IDR1: QEMU_IDS.IDR1 | (8 << 6),
  IDR3: QEMU_IDS.IDR3 | (1 << 7) | (1 << 15),
  IDR5: QEMU_IDS.IDR5 | (1 << 7) | (1 << 8),
  S_IDR1: 0xa000_0008,
} as Parameters<typeof config>[0]);
const onSecure = (w: number[], i: IdView = secure) => decodeCommand(w, i, { queue: 'secure' }).problems;

test('§4.1.6: on the Secure Command queue SSec == 1 is legal (a Secure StreamID), measured against SMMU_S_IDR1.S_SIDSIZE (§4.1.7)', () => {
  for (const name of [
    'PREFETCH_CONFIG',
    'CFGI_STE',
    'CFGI_STE_RANGE',
    'CFGI_CD',
    'CFGI_CD_ALL',
    'STALL_TERM',
    'RESUME',
  ])
    assert.deepEqual(onSecure(enc(name, { SSec: 1n })), [], name);
  // S_SIDSIZE 8: Secure StreamID 0x100 is out of range, Non-secure 0x100 is not (SIDSIZE 16).
  const p = onSecure(enc('CFGI_STE', { SSec: 1n, StreamID: 0x100n }));
  assert.deepEqual(
    p.map((x) => [x.code, x.ill]),
    [['streamid-range', false]],
  );
  assert.match(p[0]?.message ?? '', /SMMU_S_IDR1\.S_SIDSIZE \(8 bits\)/);
  assert.deepEqual(onSecure(enc('CFGI_STE', { StreamID: 0x100n })), []);
});

test('§4.4: the Secure-only commands are CERROR_ILL on the Non-secure queue and legal on the Secure one (the S-EL2 and Secure stage 2 ones with S_IDR1.SEL2)', () => {
  const names = COMMANDS.filter((c) => c.secureOnly).map((c) => c.name);
  assert.deepEqual(names, [
    'CMD_TLBI_EL3_ALL',
    'CMD_TLBI_EL3_VA',
    'CMD_TLBI_S_EL2_ALL',
    'CMD_TLBI_S_EL2_ASID',
    'CMD_TLBI_S_EL2_VA',
    'CMD_TLBI_S_EL2_VAA',
    'CMD_TLBI_S_S12_VMALL',
    'CMD_TLBI_S_S2_IPA',
    'CMD_TLBI_SNH_ALL',
  ]);
  for (const name of names) {
    const w = encodeCommand(cmd(name), new Map()).words;
    assert.deepEqual(ill(w, secure), ['secure-only'], name);
    assert.deepEqual(onSecure(w), [], name);
  }
  // Without SEL2 (S_IDR1 = SECURE_IMPL | S_SIDSIZE 8) the Secure EL2 and stage 2 opcodes are Reserved.
  const noSel2 = ids({ S_IDR1: 0x8000_0008 } as Parameters<typeof config>[0]);
  for (const name of names.filter((n) => !n.includes('EL3')))
    assert.deepEqual(
      onSecure(encodeCommand(cmd(name), new Map()).words, noSel2).map((p) => p.code),
      ['unsupported'],
      name,
    );
  assert.deepEqual(onSecure(encodeCommand(cmd('TLBI_EL3_ALL'), new Map()).words, noSel2), []);
});

test('§4.4.2.11–§4.4.2.14: the S-EL2 commands are encoded as the EL2 ones; CMD_TLBI_S_S2_IPA as CMD_TLBI_S2_IPA (NS not located)', () => {
  for (const [s, ns] of [
    ['TLBI_S_EL2_ALL', 'TLBI_EL2_ALL'],
    ['TLBI_S_EL2_ASID', 'TLBI_EL2_ASID'],
    ['TLBI_S_EL2_VA', 'TLBI_EL2_VA'],
    ['TLBI_S_EL2_VAA', 'TLBI_EL2_VAA'],
    ['TLBI_S_S12_VMALL', 'TLBI_S12_VMALL'],
    ['TLBI_S_S2_IPA', 'TLBI_S2_IPA'],
  ] as const)
    assert.deepEqual(
      cmd(s)
        .fields.slice(1)
        .map((f) => [f.name, f.msb, f.lsb]),
      cmd(ns)
        .fields.slice(1)
        .map((f) => [f.name, f.msb, f.lsb]),
      s,
    );
  // A bit where NS may lie is not CERROR_ILL (v3.2 on), but says it is not checked.
  const p = onSecure(words(0x5an | (1n << 8n), 0n));
  assert.deepEqual(
    p.map((x) => [x.code, x.ill]),
    [['unlocated', false]],
  );
});

test('§4.5.1, §4.5.2, §6.3.55: SMMU_S_IDR3.SAMS == 1 makes CMD_ATC_INV and CMD_PRI_RESP CERROR_ILL on the Secure queue only', () => {
  const sams = ids({
    IDR0: (QEMU_IDS.IDR0 & ~(3 << 24)) | (1 << 9) | (1 << 10) | (1 << 16),
    S_IDR1: 0x8000_0008,
    S_IDR3: 0x40,
  } as Parameters<typeof config>[0]);
  for (const name of ['ATC_INV', 'PRI_RESP']) {
    const w = enc(name, {});
    assert.deepEqual(
      onSecure(w, sams).map((p) => p.code),
      ['sams'],
      name,
    );
    assert.deepEqual(ill(w, sams), [], name);
    assert.deepEqual(onSecure(w, secure), [], `${name} without SAMS`);
  }
});

test('§4.7.1, §4.7.2: on the Secure queue CMD_RESUME and CMD_STALL_TERM follow SMMU_S_IDR0.STALL_MODEL', () => {
  // IDR0.STALL_MODEL = 0b00 (stall), S_IDR0.STALL_MODEL [25:24] = 0b01 (terminate only).
  const i = ids({ IDR0: QEMU_IDS.IDR0 & ~(3 << 24), S_IDR1: 0x8000_0008, S_IDR0: 1 << 24 } as Parameters<
    typeof config
  >[0]);
  const w = enc('STALL_TERM', {});
  assert.deepEqual(
    onSecure(w, i).map((p) => p.code),
    ['unsupported'],
  );
  assert.deepEqual(ill(w, i), []);
});

test('§4.1.7 out-of-range StreamID and SubstreamID are CONSTRAINED UNPREDICTABLE warnings, not CERROR_ILL', () => {
  const p = decodeCommand(enc('CFGI_STE', { StreamID: 0x10000n }), qemu).problems;
  assert.deepEqual(
    p.map((x) => [x.code, x.ill, x.severity]),
    [['streamid-range', false, 'warning']],
  );
  assert.match(p[0]?.message ?? '', /CONSTRAINED UNPREDICTABLE/);
  assert.deepEqual(warnings(enc('CFGI_STE', { StreamID: 0xffffn })), [], 'the last StreamID is in range');
  assert.deepEqual(warnings(enc('STALL_TERM', { StreamID: 0x10000n }), full), ['streamid-range']);
  // §4.3.2: the bottom Range+1 bits are IGNORED; §4.3.6: CFGI_ALL ignores StreamID.
  assert.deepEqual(warnings(enc('CFGI_STE_RANGE', { StreamID: 0x1ffffn, Range: 16n })), []);
  assert.deepEqual(warnings(enc('CFGI_STE_RANGE', { StreamID: 0x1ffffn, Range: 15n })), ['streamid-range']);
  assert.deepEqual(warnings(enc('CFGI_ALL', { StreamID: 0xffff_ffffn })), []);
  // SubstreamID beyond SSIDSIZE (8 bits in `full`).
  assert.deepEqual(warnings(enc('PREFETCH_CONFIG', { SSV: 1n, SubstreamID: 0x100n }), full), ['substreamid-range']);
  assert.deepEqual(warnings(enc('PREFETCH_CONFIG', { SSV: 1n, SubstreamID: 0xffn }), full), []);
  assert.deepEqual(
    warnings(enc('PREFETCH_CONFIG', { SSV: 0n, SubstreamID: 0x100n }), full),
    [],
    'SubstreamID unused when SSV is 0',
  );
  // §4.3.3: CFGI_CD has no SSV; SSIDSIZE 0 with SubstreamID > 0 is the out-of-range case.
  assert.deepEqual(
    decodeCommand(enc('CFGI_CD', { SubstreamID: 1n }), qemu).problems.map((x) => [x.code, x.section, x.ill]),
    [['substreamid-range', '4.3.3', false]],
  );
});

test('§4.2/§4.5.1/§4.5.2 SSV == 1 without substreams is CONSTRAINED UNPREDICTABLE, not CERROR_ILL', () => {
  const noSsid = ids({ IDR0: QEMU_IDS.IDR0 | (1 << 10) | (1 << 16) }); // ATS, PRI; SSIDSIZE 0
  for (const [name, section] of [
    ['PREFETCH_CONFIG', '4.2'],
    ['PREFETCH_ADDR', '4.2'],
    ['ATC_INV', '4.5.1'],
    ['PRI_RESP', '4.5.2'],
  ] as const) {
    const p = decodeCommand(enc(name, { SSV: 1n }), noSsid).problems;
    assert.deepEqual(
      p.map((x) => [x.code, x.ill, x.section]),
      [['ssv-no-substreams', false, section]],
      name,
    );
  }
});

test('§4.4 ASID/VMID upper bytes without ASID16/VMID16: RES0, the command need not affect TLB entries (warning)', () => {
  const narrow = ids({ IDR0: QEMU_IDS.IDR0 & ~(1 << 12) & ~(1 << 18) });
  assert.deepEqual(
    decodeCommand(enc('TLBI_NH_ASID', { ASID: 0x100n }), narrow).problems.map((p) => [p.code, p.ill]),
    [['asid16', false]],
  );
  assert.deepEqual(warnings(enc('TLBI_NH_ASID', { ASID: 0x100n })), [], 'with ASID16');
  const s2 = ids({ IDR0: (QEMU_IDS.IDR0 & ~(1 << 18)) | 1 });
  assert.deepEqual(
    decodeCommand(enc('TLBI_S12_VMALL', { VMID: 0x100n }), s2).problems.map((p) => [p.code, p.ill]),
    [['vmid16', false]],
  );
  assert.deepEqual(warnings(enc('TLBI_S12_VMALL', { VMID: 0xffn }), s2), []);
});

test('§4.4.2 VMID of CMD_TLBI_NH_* is RES0 without stage 2: warning (UNKNOWN VMID or no invalidation)', () => {
  assert.deepEqual(
    decodeCommand(enc('TLBI_NH_ALL', { VMID: 1n }), qemu).problems.map((p) => [p.code, p.ill]),
    [['vmid-no-s2', false]],
  );
  assert.deepEqual(decodeCommand(enc('TLBI_NH_ALL', { VMID: 1n }), full).problems, []);
});

test('§4.4.1.1 range fields are RES0 without SMMU_IDR3.RIL', () => {
  const noRil = ids({ IDR3: QEMU_IDS.IDR3 & ~(1 << 10) });
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 1n, NUM: 1n }), noRil), ['unadvertised', 'unadvertised']);
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 1n, NUM: 1n })), []);
  assert.deepEqual(ill(enc('TLBI_NH_VA', { Address: 0x1000n, Leaf: 1n }), noRil), [], 'a plain VA invalidation');
});

test('§4.4.1.1 TG == 0: NUM, SCALE, TTL (and TTL128) are RES0', () => {
  const p = decodeCommand(enc('TLBI_NH_VAA', { NUM: 1n, TTL: 2n }), qemu).problems;
  assert.deepEqual(
    p.map((x) => [x.code, x.ill]),
    [['range-res0', true]],
  );
  assert.match(p[0]?.message ?? '', /NUM, TTL are RES0 when TG is 0b00/);
  assert.deepEqual(ill(enc('TLBI_NH_VAA', { TTL128: 1n }), full), ['range-res0']);
});

test('§4.4.1.1 TG != 0 with NUM == 0, SCALE == 0, TTL == 0 is Reserved: CERROR_ILL', () => {
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 1n })), ['range-reserved']);
  assert.deepEqual(ill(enc('TLBI_S2_IPA', { TG: 3n }), full), ['range-reserved']);
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 1n, TTL: 3n })), [], 'a level hint alone is fine');
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 1n, SCALE: 1n })), [], 'a range alone is fine');
});

test('§4.4.1.1 TG = 0b10 with TTL = 0b01 without SMMU_IDR5.DS: Reserved, treated as TTL 0b00', () => {
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 2n, TTL: 1n })), ['range-reserved'], 'single granule: CERROR_ILL');
  const p = decodeCommand(enc('TLBI_NH_VA', { TG: 2n, TTL: 1n, NUM: 3n }), qemu).problems;
  assert.deepEqual(
    p.map((x) => [x.code, x.ill]),
    [['ttl-reserved', false]],
  );
  assert.deepEqual(
    decodeCommand(enc('TLBI_NH_VA', { TG: 2n, TTL: 1n }), full).problems,
    [],
    'with DS it is level 1 of a 16KB table',
  );
});

test('§4.4.1.1 SCALE bit 25 is RES0 without SMMU_IDR5.DS', () => {
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 1n, SCALE: 32n })), ['scale-ds']);
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 1n, SCALE: 32n }), full), []);
});

test('§4.4.1.1 TTL128 is RES0 without 128-bit descriptors (SMMU_IDR5.D128) and when TTL is 0', () => {
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 1n, TTL: 3n, TTL128: 1n })), ['unadvertised']);
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 1n, TTL: 3n, TTL128: 1n }), full), []);
  assert.deepEqual(ill(enc('TLBI_NH_VA', { TG: 1n, NUM: 1n, TTL128: 1n }), full), ['range-res0']);
});

test('§4.4.1.1 an unaligned range address makes the invalidated range UNPREDICTABLE (warning)', () => {
  assert.deepEqual(
    warnings(enc('TLBI_NH_VA', { TG: 1n, TTL: 2n, Address: 0x20_1000n })),
    ['range-alignment'],
    '4KB, level 2: Address[20:12]',
  );
  assert.deepEqual(warnings(enc('TLBI_NH_VA', { TG: 1n, TTL: 2n, Address: 0x20_0000n })), []);
  assert.deepEqual(
    warnings(enc('TLBI_NH_VA', { TG: 1n, TTL: 3n, Address: 0x1000n })),
    [],
    '4KB pages need no alignment',
  );
  assert.deepEqual(
    warnings(enc('TLBI_NH_VA', { TG: 3n, NUM: 1n, Address: 0x1000n })),
    ['range-alignment'],
    '64KB: Address[15:12]',
  );
});

test('§4.5.1 CMD_ATC_INV Size above 52 may be CERROR_ILL (the model detects it)', () => {
  assert.deepEqual(ill(enc('ATC_INV', { Size: 53n }), full), ['atc-size']);
  assert.deepEqual(ill(enc('ATC_INV', { Size: 52n }), full), []);
  assert.deepEqual(
    decodeCommand(enc('ATC_INV', { Size: 63n }), full, { optionalChecks: 'ignore' }).problems.map((p) => [
      p.code,
      p.ill,
    ]),
    [['atc-size', false]],
  );
});

test('§4.5.2 CMD_PRI_RESP Resp 0b11 is Reserved: ILLEGAL', () => {
  assert.deepEqual(ill(enc('PRI_RESP', { Resp: 3n }), full), ['reserved-value']);
  for (const r of [0n, 1n, 2n]) assert.deepEqual(ill(enc('PRI_RESP', { Resp: r }), full), []);
  assert.equal(
    formatCommand(decodeCommand(enc('PRI_RESP', { StreamID: 1n, Resp: 1n }), full)),
    'CMD_PRI_RESP StreamID=0x1 Resp=InvalidRequest',
  );
});

test('§4.7.1 CMD_RESUME Ac/Ab decode by name; legal with the Stall model', () => {
  const d = decodeCommand(enc('RESUME', { StreamID: 2n, Ac: 1n, STAG: 7n }), full);
  assert.deepEqual(d.problems, []);
  assert.equal(formatCommand(d), 'CMD_RESUME Ac=Retry StreamID=0x2 STAG=0x7');
});

test('§4.7.3 CMD_SYNC: CS 0b11 is CERROR_ILL; MSH 0b01 is treated as 0b00; SIG_SEV without SEV is defined (SIG_NONE), not flagged', () => {
  assert.deepEqual(ill(enc('SYNC', { CS: 3n })), ['reserved-value']);
  for (const cs of [0n, 1n, 2n]) assert.deepEqual(ill(enc('SYNC', { CS: cs })), []);
  assert.deepEqual(
    decodeCommand(enc('SYNC', { MSH: 1n }), qemu).problems.map((p) => [p.code, p.ill]),
    [['msh-reserved', false]],
  );
  assert.deepEqual(warnings(enc('SYNC', { CS: 2n }), qemu), [], 'Linux issues SIG_SEV whatever IDR0.SEV says');
  assert.deepEqual(warnings(enc('SYNC', { CS: 2n }), full), []);
});

test('§4.1.6 physical address bits [55:52] are RES0 up to SMMUv3.3 ([55:48] in v3.0): out-of-range warning', () => {
  assert.deepEqual(warnings(enc('SYNC', { CS: 1n, MSIAddress: 1n << 52n })), ['address-res0']);
  assert.deepEqual(warnings(enc('SYNC', { CS: 1n, MSIAddress: 1n << 48n })), [], 'v3.1 has 52-bit PAs');
  assert.deepEqual(
    warnings(enc('SYNC', { CS: 1n, MSIAddress: 1n << 48n }), ids({ AIDR: 0 })),
    ['address-res0'],
    'v3.0',
  );
  assert.deepEqual(warnings(enc('TLBI_S2_IPA', { Address: 1n << 52n }), full), ['address-res0']);
});

test('§4.1 decode without an IdView: structure only (features assumed present)', () => {
  assert.deepEqual(decodeCommand(enc('ATC_INV', { StreamID: 0xffff_ffffn }), undefined).problems, []);
  assert.deepEqual(ill(enc('SYNC', { CS: 3n }), undefined), ['reserved-value']);
  assert.deepEqual(ill([0x03, 0, 2, 0], undefined), ['reserved']);
});

test('§4 encodeCommand reports unknown fields and values too wide; Opcode is set from the table', () => {
  const e = encodeCommand(
    cmd('CFGI_STE'),
    new Map([
      ['Nope', 1n],
      ['Leaf', 2n],
      ['streamid', 4n],
    ]),
  );
  assert.deepEqual(
    e.problems.map((p) => [p.code, p.field]),
    [
      ['unknown-field', 'Nope'],
      ['too-wide', 'Leaf'],
    ],
  );
  assert.deepEqual(e.words, [0x03, 4, 0, 0]);
  const op = encodeCommand(cmd('CFGI_STE'), new Map([['Opcode', 0x10n]]));
  assert.deepEqual(
    op.problems.map((p) => p.code),
    ['opcode'],
  );
  assert.equal((op.words[0] ?? 0) & 0xff, 0x03);
});

test('§4 commandSummaryMarkdown lists the fields and what the command needs', () => {
  const md = commandSummaryMarkdown(cmd('TLBI_S2_IPA'));
  assert.match(md, /\*\*CMD_TLBI_S2_IPA\*\* \(opcode 0x2A\)/);
  assert.match(md, /SMMU_IDR0\.S2P == 1/);
  assert.match(md, /\| `119:76` \| Address \|/);
  assert.match(commandSummaryMarkdown(cmd('TLBI_EL3_ALL')), /Secure Command queue/);
});

test('§4 encode → decode round trip for every command and random field values', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...COMMANDS),
      fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 12, maxLength: 12 }),
      (def, raw) => {
        const values = new Map<string, bigint>();
        def.fields.forEach((f, i) => {
          if (f.name === 'Opcode' || (def.name === 'CMD_CFGI_ALL' && f.name === 'Range')) return;
          const width = BigInt(f.msb - f.lsb + 1);
          let v = (raw[i % raw.length] as bigint) & ((1n << width) - 1n);
          // Range 31 is CMD_CFGI_ALL (§4.3.6): keep CMD_CFGI_STE_RANGE itself.
          if (def.name === 'CMD_CFGI_STE_RANGE' && f.name === 'Range' && v === 31n) v = 30n;
          values.set(f.name, f.addrShift !== undefined ? v << BigInt(f.addrShift) : v);
        });
        const e = encodeCommand(def, values);
        assert.deepEqual(e.problems, []);
        const d = decodeCommand(e.words);
        assert.equal(d.opcode, def.opcode);
        assert.equal(d.def, def);
        for (const [name, v] of values)
          assert.equal(d.fields.find((x) => x.field.name === name)?.value, v, `${def.name}.${name}`);
      },
    ),
    { seed: 20261124, numRuns: 500 },
  );
  // And every command with no fields set decodes to itself with no problems where its features exist.
  for (const def of COMMANDS) {
    const d = decodeCommand(encodeCommand(def, new Map()).words, full);
    assert.equal(d.def, def, def.name);
    if (!def.secureOnly) assert.deepEqual(d.problems, [], def.name);
  }
});

test('§4.1.5 fields of each command lie inside 128 bits and do not overlap', () => {
  for (const c of COMMANDS) {
    const used = new Set<number>();
    for (const f of c.fields) {
      assert.ok(f.lsb >= 0 && f.msb < 128 && f.msb >= f.lsb, `${c.name}.${f.name}`);
      for (let b = f.lsb; b <= f.msb; b++) {
        assert.ok(!used.has(b), `${c.name}.${f.name} overlaps at bit ${b}`);
        used.add(b);
      }
    }
    assert.equal(new Set(c.fields.map((f) => f.name)).size, c.fields.length, `${c.name}: field names are unique`);
  }
});

test('a command the fast check calls quiet gets no problem at all from the codec, and most plain ones are quiet (fast-check)', () => {
  // SMMUv3.0 and v3.3 views besides QEMU's (v3.1) and the full one: the RES0 address bits differ.
  const v30 = ids({ AIDR: 0 } as Parameters<typeof config>[0]);
  const v33 = ids({ AIDR: 3 } as Parameters<typeof config>[0]);
  const opcodes = [...new Set(COMMANDS.map((c) => c.opcode))];
  for (const view of [qemu, full, v30, v33]) {
    const fast = compileFastChecks(view);
    let quiet = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...opcodes),
        fc.array(fc.nat({ max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.nat({ max: 3 }), { minLength: 4, maxLength: 4 }),
        fc.constantFrom(...COMMANDS),
        fc.array(fc.tuple(fc.nat({ max: 11 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })), {
          minLength: 24,
          maxLength: 24,
        }),
        fc.boolean(),
        (op, r, how, def, picks, fromTable) => {
          let w: number[];
          if (fromTable) {
            // A command of the table with each field 0 (most often), 1, all ones, a small or any value.
            const values = new Map<string, bigint>();
            def.fields.forEach((f, i) => {
              if (f.name === 'Opcode') return;
              const [kind, x] = picks[i % picks.length] as [number, bigint];
              const ones = (1n << BigInt(f.msb - f.lsb + 1)) - 1n;
              const v = kind >= 5 ? 0n : ([0n, 1n, ones, x & 0xffn, x & ones][kind] as bigint);
              values.set(f.name, f.addrShift !== undefined ? v << BigInt(f.addrShift) : v);
            });
            w = encodeCommand(def, values).words;
          } else {
            // Zero, one bit, sparse or anything per word: near misses of the fast check.
            w = r.map((x, i) =>
              how[i] === 0 ? 0 : how[i] === 1 ? (1 << (x & 31)) >>> 0 : how[i] === 2 ? x & 0x0001_0f01 : x,
            );
            w[0] = ((w[0] as number) & ~0xff) | op;
          }
          if (!fast.isQuiet(w)) return;
          quiet++;
          assert.ok(fast.accepts(Uint32Array.from(w)));
          assert.deepEqual(
            decodeCommand(w, view).problems.map((p) => p.message),
            [],
            `called quiet: ${w.map((x) => x.toString(16))}`,
          );
        },
      ),
      { seed: 20261206, numRuns: 6000 },
    );
    assert.ok(quiet > 500, `${quiet} quiet commands`);
  }
  // The warnings it leaves to the codec (each a legal command the fast check accepts).
  const sync = enc('SYNC', { MSH: 1n });
  assert.ok(!compileFastChecks(qemu).isQuiet(sync));
  assert.deepEqual(warnings(sync), ['msh-reserved']);
  const nhVmid = enc('TLBI_NH_ASID', { ASID: 1n, VMID: 5n });
  assert.ok(!compileFastChecks(qemu).isQuiet(nhVmid));
  assert.deepEqual(warnings(nhVmid), ['vmid-no-s2']);
  const msi = enc('SYNC', { CS: 1n, MSIAddress: 1n << 53n });
  assert.ok(!compileFastChecks(qemu).isQuiet(msi));
  assert.ok(compileFastChecks(ids({ AIDR: 4 } as Parameters<typeof config>[0])).isQuiet(msi));
  assert.ok(compileFastChecks(qemu).isQuiet(enc('TLBI_NH_VA', { ASID: 1n, Address: 0x1000_0000n, Leaf: 1n })));
});

test('§4.1.3 the engine fast check never accepts a command the codec makes CERROR_ILL (QEMU and a full configuration)', () => {
  const table = compileFastChecks(qemu);
  for (const [name, fields] of [
    ['CFGI_STE', { StreamID: 3n, Leaf: 1n }],
    ['TLBI_NSNH_ALL', {}],
    ['SYNC', {}],
    ['TLBI_NH_ASID', { ASID: 7n }],
  ] as const) {
    assert.ok(table.accepts(new Uint32Array(encodeCommand(cmd(name), new Map(Object.entries(fields))).words)), name);
  }
  assert.ok(
    !table.accepts(new Uint32Array(encodeCommand(cmd('SYNC'), new Map([['CS', 3n]])).words)),
    'CS = 0b11 is not accepted',
  );
  for (const view of [qemu, full]) {
    const fast = compileFastChecks(view);
    const opcodes = [...new Set(COMMANDS.map((c) => c.opcode))];
    fc.assert(
      fc.property(
        fc.constantFrom(...opcodes),
        fc.array(fc.nat({ max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        (op, r, sparse) => {
          // Mostly-zero words make acceptance likely, so both sides are exercised.
          const w = new Uint32Array(r.map((x, i) => (sparse[i] ? x & 0x0000_0f01 : x)));
          w[0] = ((w[0] as number) & ~0xff) | op;
          if (fast.accepts(w))
            assert.deepEqual(
              decodeCommand(w, view)
                .problems.filter((p) => p.ill)
                .map((p) => p.message),
              [],
              `fast path accepted ${[...w].map((x) => x.toString(16))}`,
            );
        },
      ),
      { seed: 20261124, numRuns: 3000 },
    );
  }
});
