/**
 * The command table and codec against §4: opcodes (§4.1.1), field positions written out as
 * literal words, validation rules (§4.1.3, §4.1.5, §4.4.1.1), and encode/decode round trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CERROR, decodeCommand, encodeCommand, formatCommand } from '../../core/commands/codec';
import { COMMANDS, commandByOpcode, findCommand } from '../../core/commands/table';
import { compileFastChecks } from '../../core/engine/command-fast';
import { idViewOf } from '../../core/model/ids';
import { config, QEMU_IDS } from './helpers';

const qemu = idViewOf(config());
const ids = (over: Partial<typeof QEMU_IDS>) => idViewOf(config(over));
const words = (lo: bigint, hi: bigint) => [Number(lo & 0xffff_ffffn), Number(lo >> 32n), Number(hi & 0xffff_ffffn), Number(hi >> 32n)];
const cmd = (name: string) => {
  const c = findCommand(name);
  assert.ok(c, name);
  return c;
};
const ill = (w: number[], i = qemu) => decodeCommand(w, i).problems.filter((p) => p.ill).map((p) => p.code);

test('§4.1.1 opcodes of every command', () => {
  const expected: Record<string, number> = {
    CMD_PREFETCH_CONFIG: 0x01, CMD_PREFETCH_ADDR: 0x02, CMD_CFGI_STE: 0x03, CMD_CFGI_STE_RANGE: 0x04, CMD_CFGI_ALL: 0x04,
    CMD_CFGI_CD: 0x05, CMD_CFGI_CD_ALL: 0x06, CMD_TLBI_NH_ALL: 0x10, CMD_TLBI_NH_ASID: 0x11, CMD_TLBI_NH_VA: 0x12,
    CMD_TLBI_NH_VAA: 0x13, CMD_TLBI_EL3_ALL: 0x18, CMD_TLBI_EL3_VA: 0x1a, CMD_TLBI_EL2_ALL: 0x20, CMD_TLBI_EL2_ASID: 0x21,
    CMD_TLBI_EL2_VA: 0x22, CMD_TLBI_EL2_VAA: 0x23, CMD_TLBI_S12_VMALL: 0x28, CMD_TLBI_S2_IPA: 0x2a, CMD_TLBI_NSNH_ALL: 0x30,
    CMD_ATC_INV: 0x40, CMD_PRI_RESP: 0x41, CMD_RESUME: 0x44, CMD_STALL_TERM: 0x45, CMD_SYNC: 0x46,
  };
  assert.deepEqual(Object.fromEntries(COMMANDS.map((c) => [c.name, c.opcode])), expected);
  assert.equal(findCommand('cfgi_ste'), findCommand('CMD_CFGI_STE'));
  assert.equal(commandByOpcode(0x04)?.name, 'CMD_CFGI_STE_RANGE');
  assert.equal(commandByOpcode(0x07), undefined);
});

test('§4.3.1 CMD_CFGI_STE StreamID=3 Leaf=1 is words 0x03, 3, 1, 0', () => {
  const e = encodeCommand(cmd('CFGI_STE'), new Map([['StreamID', 3n], ['Leaf', 1n]]));
  assert.deepEqual(e.problems, []);
  assert.deepEqual(e.words, [0x03, 3, 1, 0]);
  assert.equal(formatCommand(decodeCommand(e.words, qemu)), 'CMD_CFGI_STE StreamID=0x3 Leaf=1');
});

test('§4.4.2 TLBI_NH_VA: VMID [47:32], ASID [63:48], TG [75:74], TTL [73:72], Address [127:76]', () => {
  const e = encodeCommand(cmd('TLBI_NH_VA'), new Map([['VMID', 2n], ['ASID', 0x1234n], ['Address', 0xffff_8000_1234_5000n], ['Leaf', 1n], ['TG', 1n], ['TTL', 3n], ['NUM', 1n]]));
  assert.deepEqual(e.problems, []);
  assert.deepEqual(e.words, words(0x1234_0002_0000_1012n, 0xffff_8000_1234_5000n | (1n << 10n) | (3n << 8n) | 1n));
  assert.deepEqual(ill(e.words), []);
});

test('§4.7.3 CMD_SYNC: CS [13:12], MSH [23:22], MSIAttr [27:24], MSIData [63:32], MSIAddress [119:66]', () => {
  const e = encodeCommand(cmd('SYNC'), new Map([['CS', 1n], ['MSH', 3n], ['MSIAttr', 0xfn], ['MSIData', 0xcafen], ['MSIAddress', 0x4000_0004n]]));
  assert.deepEqual(e.words, words(0x0000_cafe_0fc0_1046n, 0x4000_0004n));
  assert.deepEqual(ill(words(0x3046n, 0n)), ['reserved-value'], 'CS = 0b11 is reserved');
});

test('§4.3.2 CFGI_STE_RANGE with Range 31 decodes as CMD_CFGI_ALL', () => {
  const d = decodeCommand(words(0x04n, 31n), qemu);
  assert.equal(d.def?.name, 'CMD_CFGI_ALL');
  assert.equal(decodeCommand(words(0x04n, 5n), qemu).def?.name, 'CMD_CFGI_STE_RANGE');
  assert.deepEqual(encodeCommand(cmd('CFGI_ALL'), new Map()).words, [0x04, 0, 31, 0]);
});

test('§4.1.3 reserved and unimplemented opcodes are CERROR_ILL', () => {
  assert.deepEqual(ill(words(0x00n, 0n)), ['opcode']);
  assert.deepEqual(ill(words(0x07n, 0n)), ['opcode'], '0x07 is CMD_CFGI_VMS_PIDM (not modelled) — QEMU also rejects it');
  assert.deepEqual(ill(words(0x8fn, 0n)), ['opcode']);
  assert.equal(CERROR.ILL, 1);
  assert.equal(CERROR.ABT, 2);
  assert.equal(CERROR.ATC_INV_SYNC, 3);
});

test('§4.1.3 commands irrelevant to the implementation are CERROR_ILL', () => {
  // QEMU: S1P only, no Hyp, no ATS, no PRI, STALL_MODEL 0b01.
  assert.deepEqual(ill(words(0x28n, 0n)), ['unsupported'], 'TLBI_S12_VMALL without S2P');
  assert.deepEqual(ill(words(0x20n, 0n)), ['unsupported'], 'TLBI_EL2_ALL without Hyp');
  assert.deepEqual(ill(words(0x40n, 0n)), ['unsupported'], 'ATC_INV without ATS');
  assert.deepEqual(ill(words(0x41n, 0n)), ['unsupported'], 'PRI_RESP without PRI');
  assert.deepEqual(ill(words(0x44n, 0n)), ['unsupported'], 'RESUME with STALL_MODEL 0b01');
  assert.deepEqual(ill(words(0x18n, 0n)), ['secure-only'], 'TLBI_EL3_ALL on the Non-secure queue');
  assert.deepEqual(ill(words(0x28n, 0n), ids({ IDR0: QEMU_IDS.IDR0 | 1 })), [], 'with S2P it is legal');
  assert.deepEqual(ill(words(0x44n, 0n), ids({ IDR0: QEMU_IDS.IDR0 & ~(3 << 24) })), [], 'RESUME with stalls');
});

test('§4.1.5 RES0 bits set: detected (the model chooses CERROR_ILL among the two allowed behaviours)', () => {
  const p = decodeCommand(words(0x30n | (1n << 40n), 0n), qemu).problems;
  assert.equal(p.length, 1);
  assert.equal(p[0]?.code, 'reserved');
  assert.match(p[0]?.message ?? '', /RES0 bit 40/);
  assert.deepEqual(ill(words(0x03n | (1n << 10n), 0n)), ['ssec']);
});

test('§4.4 ASID/VMID upper bytes are RES0 without ASID16/VMID16', () => {
  const noAsid16 = ids({ IDR0: QEMU_IDS.IDR0 & ~(1 << 12) });
  assert.deepEqual(ill(words(0x11n | (0x100n << 48n), 0n), noAsid16), ['asid16']);
  assert.deepEqual(ill(words(0x11n | (0x100n << 48n), 0n)), []);
});

test('§4.4.1.1 range invalidation: fields RES0 without RIL; TG != 0 with NUM, SCALE, TTL all 0 is reserved', () => {
  const noRil = ids({ IDR3: QEMU_IDS.IDR3 & ~(1 << 10) });
  assert.deepEqual(ill(words(0x12n, 1n << 10n), noRil), ['unadvertised']);
  assert.deepEqual(ill(words(0x12n, 1n << 10n)), ['range-reserved']);
  assert.deepEqual(ill(words(0x12n | (1n << 12n), 0n)), ['range-res0'], 'NUM with TG 0');
});

test('§4.3 an out-of-range StreamID in CFGI is not an error (nothing to invalidate); elsewhere it is', () => {
  const p = decodeCommand(words(0x03n | (0x10000n << 32n), 0n), qemu).problems;
  assert.deepEqual(p.map((x) => [x.code, x.ill]), [['streamid-range', false]]);
});

test('encode → decode round trip for every command and random field values', () => {
  fc.assert(
    fc.property(fc.constantFrom(...COMMANDS), fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 12, maxLength: 12 }), (def, raw) => {
      const values = new Map<string, bigint>();
      def.fields.forEach((f, i) => {
        if (f.name === 'Opcode' || (def.name === 'CMD_CFGI_ALL' && f.name === 'Range')) return;
        const width = BigInt(f.msb - f.lsb + 1);
        const v = (raw[i % raw.length] as bigint) & ((1n << width) - 1n);
        values.set(f.name, f.addrShift !== undefined ? v << BigInt(f.addrShift) : v);
      });
      const e = encodeCommand(def, values);
      assert.deepEqual(e.problems, []);
      const d = decodeCommand(e.words);
      assert.equal(d.opcode, def.opcode);
      for (const [name, v] of values) {
        if (def.name === 'CMD_CFGI_STE_RANGE' && name === 'Range' && v === 31n) continue;
        assert.equal(d.fields.find((x) => x.field.name === name)?.value, v, `${def.name}.${name}`);
      }
    }),
    { seed: 20261124, numRuns: 400 },
  );
});

test('fields of each command lie inside 128 bits and do not overlap', () => {
  for (const c of COMMANDS) {
    const used = new Set<number>();
    for (const f of c.fields) {
      assert.ok(f.lsb >= 0 && f.msb < 128 && f.msb >= f.lsb, `${c.name}.${f.name}`);
      for (let b = f.lsb; b <= f.msb; b++) {
        assert.ok(!used.has(b), `${c.name}.${f.name} overlaps at bit ${b}`);
        used.add(b);
      }
    }
  }
});

test('the engine fast check never accepts a command the codec rejects (QEMU and a full configuration)', () => {
  // The fast path is used at all: ordinary commands are accepted.
  const table = compileFastChecks(qemu);
  for (const [name, fields] of [['CFGI_STE', { StreamID: 3n, Leaf: 1n }], ['TLBI_NSNH_ALL', {}], ['SYNC', {}], ['TLBI_NH_ASID', { ASID: 7n }]] as const) {
    assert.ok(table.accepts(new Uint32Array(encodeCommand(cmd(name), new Map(Object.entries(fields))).words)), name);
  }
  assert.ok(!table.accepts(new Uint32Array(encodeCommand(cmd('SYNC'), new Map([['CS', 3n]])).words)), 'CS = 0b11 is not accepted');
  const full = ids({ IDR0: QEMU_IDS.IDR0 | 1 | (1 << 9) | (1 << 10) | (1 << 16) | (1 << 13), IDR1: QEMU_IDS.IDR1 | (8 << 6) });
  for (const view of [qemu, full]) {
    const fast = compileFastChecks(view);
    const opcodes = COMMANDS.map((c) => c.opcode);
    fc.assert(
      fc.property(fc.constantFrom(...opcodes), fc.array(fc.nat({ max: 0xffffffff }), { minLength: 4, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), (op, r, sparse) => {
        // Mostly-zero words make acceptance likely, so both sides are exercised.
        const w = new Uint32Array(r.map((x, i) => (sparse[i] ? x & 0x0000_0f01 : x)));
        w[0] = ((w[0] as number) & ~0xff) | op;
        if (fast.accepts(w)) assert.deepEqual(decodeCommand(w, view).problems.filter((p) => p.ill).map((p) => p.message), [], `fast path accepted ${[...w].map((x) => x.toString(16))}`);
      }),
      { seed: 20261124, numRuns: 3000 },
    );
  }
});
