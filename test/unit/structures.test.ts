/**
 * Event records (§7.3), STEs (§5.2), CDs (§5.4) and L1 descriptors (§5.1, §5.3): field
 * positions against literal words, ILLEGAL rules firing and not firing, round trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent, encodeEvent, formatEvent, decodePriRequest, encodePriRequest } from '../../core/events/codec';
import { EVENTS, findEvent, PRI_REQUEST } from '../../core/events/table';
import type { LayoutDef } from '../../core/layout/types';
import { idViewOf } from '../../core/model/ids';
import { CD, checkCd, decodeCd } from '../../core/structures/cd';
import { encodeStructure } from '../../core/structures/encode';
import { decodeL1cd, decodeL1std, L1CD, L1STD } from '../../core/structures/l1';
import { checkSte, decodeSte, describeSteConfig, STE } from '../../core/structures/ste';
import { config, QEMU_IDS } from './helpers';

const qemu = idViewOf(config());
const withIds = (over: Partial<typeof QEMU_IDS>) => idViewOf(config(over));
const enc = (def: LayoutDef, values: Record<string, bigint>) => {
  const e = encodeStructure(def, new Map(Object.entries(values)));
  assert.deepEqual(e.problems, []);
  return e.words;
};
const reasons = (v: { illegal: readonly { code: string }[] }) => v.illegal.map((p) => p.code);

test('layouts: fields inside the structure, no overlaps', () => {
  for (const def of [STE, CD, L1STD, L1CD, PRI_REQUEST, ...EVENTS]) {
    const used = new Set<number>();
    for (const f of def.fields) {
      assert.ok(f.lsb >= 0 && f.msb < def.bits && f.msb >= f.lsb, `${def.name}.${f.name}`);
      for (let b = f.lsb; b <= f.msb; b++) {
        assert.ok(!used.has(b), `${def.name}.${f.name} overlaps at bit ${b}`);
        used.add(b);
      }
    }
  }
});

test('§7.3 event numbers', () => {
  const expected: Record<string, number> = {
    F_UUT: 0x01, C_BAD_STREAMID: 0x02, F_STE_FETCH: 0x03, C_BAD_STE: 0x04, F_BAD_ATS_TREQ: 0x05, F_STREAM_DISABLED: 0x06,
    F_TRANSL_FORBIDDEN: 0x07, C_BAD_SUBSTREAMID: 0x08, F_CD_FETCH: 0x09, C_BAD_CD: 0x0a, F_WALK_EABT: 0x0b, F_TRANSLATION: 0x10,
    F_ADDR_SIZE: 0x11, F_ACCESS: 0x12, F_PERMISSION: 0x13, F_TLB_CONFLICT: 0x20, F_CFG_CONFLICT: 0x21, E_PAGE_REQUEST: 0x24, F_VMS_FETCH: 0x25,
  };
  assert.deepEqual(Object.fromEntries(EVENTS.map((e) => [e.name, e.id])), expected);
});

test('§7.3.13 F_TRANSLATION: StreamID [63:32], SSV [11], SubstreamID [31:12], RnW [99], CLASS [105:104], InputAddr [191:128], IPA [247:204]', () => {
  const def = findEvent('F_TRANSLATION');
  assert.ok(def);
  const w = encodeEvent(def, new Map([['StreamID', 3n], ['SSV', 1n], ['SubstreamID', 5n], ['RnW', 1n], ['S2', 1n], ['CLASS', 2n], ['InputAddr', 0x12345000n], ['IPA', 0x8765_4000n]]));
  assert.deepEqual(w, [0x10 | (1 << 11) | (5 << 12), 3, 0, (1 << 3) | (1 << 7) | (2 << 8), 0x12345000, 0, 0x8765_4000, 0]);
  const d = decodeEvent(w);
  assert.equal(d.def, def);
  assert.deepEqual(d.reservedRuns, []);
  assert.equal(formatEvent(d), 'F_TRANSLATION SSV=SUBSTREAM SubstreamID=0x5 StreamID=0x3 RnW=READ S2=STAGE2 CLASS=IN InputAddr=0x12345000 IPA=0x87654000');
});

test('§7.3.4 F_STE_FETCH: FetchAddr [247:195] holds address bits [55:3]', () => {
  const def = findEvent('F_STE_FETCH');
  assert.ok(def);
  const w = encodeEvent(def, new Map([['StreamID', 1n], ['FetchAddr', 0x4000_0040n]]));
  assert.deepEqual(w, [0x03, 1, 0, 0, 0, 0, 0x4000_0040, 0]);
  assert.equal(decodeEvent([0xee, 0, 0, 0, 0, 0, 0, 0]).def, undefined);
  assert.match(formatEvent(decodeEvent([0xee, 0, 0, 0, 0, 0, 0, 0])), /IMPDEF_EVENT 0xEE/);
});

test('§8 PRI page request: StreamID [31:0], SubstreamID [51:32], Read [60], Write [61], L [62], SSV [63], PRGIndex [72:64], PageAddr [127:76]', () => {
  const w = encodePriRequest(new Map([['StreamID', 7n], ['SubstreamID', 2n], ['Read', 1n], ['L', 1n], ['SSV', 1n], ['PRGIndex', 0x1ffn], ['PageAddr', 0xabc000n]]));
  assert.deepEqual(w, [7, (2 | (1 << 28) | (1 << 30) | (1 << 31)) >>> 0, 0x1ff | 0xabc000, 0]);
  assert.equal(decodePriRequest(w).fields.find((f) => f.field.name === 'PageAddr')?.value, 0xabc000n);
});

test('§5.2 a Linux stage-1 STE: V, Config 0b101, S1ContextPtr, S1CDMax, S1DSS, STRW, SHCFG as literal words', () => {
  const w = enc(STE, { V: 1n, Config: 5n, S1ContextPtr: 0x8000_0040n, S1CDMax: 4n, S1DSS: 2n, STRW: 0n, SHCFG: 1n, S2VMID: 7n });
  assert.deepEqual(w.slice(0, 6), [(0x8000_0040 | 0b1011) >>> 0, 4 << 27, 2, 1 << 12, 7, 0]);
  const s = decodeSte(w);
  assert.equal(s.s1ContextPtr, 0x8000_0040);
  assert.equal(s.config, 5);
  assert.deepEqual(reasons(checkSte(w, withIds({ IDR1: QEMU_IDS.IDR1 | (8 << 6) }))), [], 'legal with 8 SubstreamID bits');
  assert.deepEqual(reasons(checkSte(w, qemu)), ['s1cdmax'], 'QEMU has no substreams');
  assert.match(describeSteConfig(s), /stage 1 translate, 16 CDs, linear table at 0x80000040/);
});

test('§5.2 SteIllegal: unimplemented stages, STRW, S1CDMax vs SSIDSIZE, 2-level CD without CD2L, stall controls', () => {
  assert.equal(checkSte(enc(STE, { Config: 5n }), qemu).valid, false);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 6n }), qemu)), ['stage2-unsupported']);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 0n, S2TG: 3n }), qemu)), [], 'abort STE: other fields IGNORED');
  const hyp = withIds({ IDR0: QEMU_IDS.IDR0 | (1 << 9) });
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, STRW: 1n }), hyp)), ['strw']);
  // QEMU: SSIDSIZE 0.
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 1n }), qemu)), ['s1cdmax']);
  const ssid = withIds({ IDR1: QEMU_IDS.IDR1 | (8 << 6), IDR0: QEMU_IDS.IDR0 & ~(1 << 19) });
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 8n, S1Fmt: 1n }), ssid)), ['s1fmt']);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1STALLD: 1n }), qemu)), ['s1stalld']);
});

test('§5.2 SteIllegal, stage 2: granule, S2T0SZ/S2SL0 consistency, S2TTB beyond S2PS, S2S with no stall model', () => {
  const s2 = withIds({ IDR0: QEMU_IDS.IDR0 | 1 });
  const ok = { V: 1n, Config: 6n, S2T0SZ: 24n, S2SL0: 1n, S2TG: 0n, S2PS: 4n, S2AA64: 1n, S2TTB: 0x4000_0000n, S2R: 1n };
  assert.deepEqual(reasons(checkSte(enc(STE, ok), s2)), []);
  assert.deepEqual(reasons(checkSte(enc(STE, { ...ok, S2SL0: 0n }), s2)), ['s2sl0'], '40-bit IPA cannot start at level 2 with 4 KB pages');
  assert.deepEqual(reasons(checkSte(enc(STE, { ...ok, S2TG: 3n }), s2)), ['s2tg']);
  assert.deepEqual(reasons(checkSte(enc(STE, { ...ok, S2TTB: 1n << 44n }), s2)), ['s2ttb']);
  assert.deepEqual(reasons(checkSte(enc(STE, { ...ok, S2S: 1n }), s2)), ['s2s']);
  assert.deepEqual(reasons(checkSte(enc(STE, { ...ok, S2T0SZ: 40n }), s2)), ['s2t0sz']);
  assert.deepEqual(reasons(checkSte(enc(STE, { ...ok, S2HA: 1n }), s2)), ['s2httu']);
});

test('§5.4 a Linux CD as literal words, and CdIllegal rules', () => {
  const good = { V: 1n, T0SZ: 16n, TG0: 0n, IR0: 1n, OR0: 1n, SH0: 3n, EPD1: 1n, IPS: 4n, AA64: 1n, R: 1n, A: 1n, ASET: 1n, ASID: 5n, TTB0: 0x4123_4000n, MAIR0: 0xff0044n };
  const w = enc(CD, good);
  // TTB0 [119:68] holds address bits [55:4]: address bit n is CD bit 64 + n.
  assert.deepEqual(w.slice(0, 8), [(16 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 30) | (1 << 31)) >>> 0, 4 | (1 << 9) | (1 << 13) | (1 << 14) | (1 << 15) | (5 << 16), 0x4123_4000, 0, 0, 0, 0xff0044, 0]);
  const c = decodeCd(w);
  assert.equal(c.ttb0, 0x4123_4000);
  assert.equal(c.asid, 5);
  assert.deepEqual(reasons(checkCd(w, qemu)), []);
  assert.equal(checkCd(enc(CD, { ...good, V: 0n }), qemu).valid, false);
  assert.deepEqual(reasons(checkCd(enc(CD, { ...good, A: 0n }), qemu)), ['a'], 'TERM_MODEL 1 needs A');
  assert.deepEqual(reasons(checkCd(enc(CD, { ...good, S: 1n }), qemu)), ['s']);
  assert.deepEqual(reasons(checkCd(enc(CD, { ...good, HA: 1n }), qemu)), ['httu']);
  assert.deepEqual(reasons(checkCd(enc(CD, { ...good, T0SZ: 40n }), qemu)), ['tsz']);
  assert.deepEqual(reasons(checkCd(enc(CD, { ...good, TG0: 3n }), qemu)), ['tg']);
  assert.deepEqual(reasons(checkCd(enc(CD, { ...good, ENDI: 1n }), qemu)), ['endi'], 'QEMU tables are little-endian only');
  assert.deepEqual(reasons(checkCd(enc(CD, { ...good, TTB0: 1n << 44n }), qemu)), ['ttb']);
  assert.deepEqual(reasons(checkCd(enc(CD, { ...good, AA64: 0n }), qemu)), ['aa64']);
});

test('§5.1 L1STD: Span [4:0], L2Ptr [55:6]; §5.3 L1CD: V [0], L2Ptr [55:12]', () => {
  const l1 = enc(L1STD, { Span: 9n, L2Ptr: 0x4100_0000n });
  assert.deepEqual(l1, [0x4100_0000 | 9, 0]);
  assert.deepEqual(decodeL1std(l1), { span: 9, l2Ptr: 0x4100_0000 });
  assert.equal(decodeL1std([12, 0]).span, 0, 'Span 12-31 is reserved (treated as invalid)');
  const cd = enc(L1CD, { V: 1n, L2Ptr: 0x4200_0000n });
  assert.deepEqual(cd, [0x4200_0001, 0]);
  assert.deepEqual(decodeL1cd(cd), { valid: true, l2Ptr: 0x4200_0000 });
});

test('encodeStructure reports unknown fields and values that do not fit', () => {
  assert.deepEqual(encodeStructure(STE, new Map([['Nope', 1n], ['Config', 8n]])).problems, ['STE has no field Nope', '0x8 does not fit STE.Config']);
});
