/**
 * Event records (§7.3), STEs (§5.2), CDs (§5.4) and L1 descriptors (§5.1, §5.3): field
 * positions against literal words, every ILLEGAL rule firing and not firing, round trips.
 * Each test names the rule and its section; ID values are QEMU's (facts §8.1) with the bits a
 * rule needs changed, written out literally.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent, encodeEvent, formatEvent, decodePriRequest, encodePriRequest } from '../../../core/events/codec';
import { EVENTS, findEvent, PRI_REQUEST } from '../../../core/events/table';
import { fieldValue, reservedRuns } from '../../../core/layout/access';
import type { LayoutDef } from '../../../core/layout/types';
import { idViewOf } from '../../../core/model/ids';
import { CD, checkCd, decodeCd, steStreamWorld, type CdFields } from '../../../core/structures/cd';
import { encodeStructure } from '../../../core/structures/encode';
import { checkL1std, decodeL1cd, decodeL1std, L1CD, L1STD, l1cdReservedBits } from '../../../core/structures/l1';
import { checkSte, decodeSte, describeSteConfig, STE, type SteFields } from '../../../core/structures/ste';
import { config, QEMU_IDS } from '../../harness/helpers';

const qemu = idViewOf(config());
const withIds = (over: Partial<typeof QEMU_IDS>) => idViewOf(config(over));
const enc = (def: LayoutDef, values: Record<string, bigint>) => {
  const e = encodeStructure(def, new Map(Object.entries(values)));
  assert.deepEqual(e.problems, []);
  return e.words;
};
const reasons = (v: { illegal: readonly { code: string }[] }) => v.illegal.map((p) => p.code);

// QEMU's IDR0 (0x0d44101a): S1P, TTF=AArch64, COHACC, ASID16, VMID16, TTENDIAN=LE, STALL_MODEL=0b01, TERM_MODEL, ST_LEVEL=1.
const IDR0 = QEMU_IDS.IDR0;
const S2P = 1 << 0;
const S1P = 1 << 1;
const TTF32 = 1 << 2;
const HTTU = (v: number) => v << 6;
const HYP = 1 << 9;
const ATS = 1 << 10;
const NS1ATS = 1 << 11;
const ASID16 = 1 << 12;
const VMID16 = 1 << 18;
const CD2L = 1 << 19;
const TTENDIAN = 3 << 21;
const STALL = (v: number) => v << 24;
const noStall = (idr0: number) => (idr0 & ~(3 << 24)) >>> 0;
const SSID8 = QEMU_IDS.IDR1 | (8 << 6);
const withS2 = withIds({ IDR0: IDR0 | S2P });

test('layouts: fields inside the structure, no overlaps, unique names', () => {
  for (const def of [STE, CD, L1STD, L1CD, PRI_REQUEST, ...EVENTS]) {
    const used = new Set<number>();
    const names = new Set<string>();
    for (const f of def.fields) {
      assert.ok(f.lsb >= 0 && f.msb < def.bits && f.msb >= f.lsb, `${def.name}.${f.name}`);
      assert.ok(!names.has(f.name.toLowerCase()), `${def.name}.${f.name} twice`);
      names.add(f.name.toLowerCase());
      for (let b = f.lsb; b <= f.msb; b++) {
        assert.ok(!used.has(b), `${def.name}.${f.name} overlaps at bit ${b}`);
        used.add(b);
      }
    }
  }
});

test('§7.3 event numbers', () => {
  const expected: Record<string, number> = {
    F_UUT: 0x01,
    C_BAD_STREAMID: 0x02,
    F_STE_FETCH: 0x03,
    C_BAD_STE: 0x04,
    F_BAD_ATS_TREQ: 0x05,
    F_STREAM_DISABLED: 0x06,
    F_TRANSL_FORBIDDEN: 0x07,
    C_BAD_SUBSTREAMID: 0x08,
    F_CD_FETCH: 0x09,
    C_BAD_CD: 0x0a,
    F_WALK_EABT: 0x0b,
    F_TRANSLATION: 0x10,
    F_ADDR_SIZE: 0x11,
    F_ACCESS: 0x12,
    F_PERMISSION: 0x13,
    F_TLB_CONFLICT: 0x20,
    F_CFG_CONFLICT: 0x21,
    E_PAGE_REQUEST: 0x24,
    F_VMS_FETCH: 0x25,
  };
  assert.deepEqual(Object.fromEntries(EVENTS.map((e) => [e.name, e.id])), expected);
});

test('§7.3.13 F_TRANSLATION: StreamID [63:32], SSV [11], SubstreamID [31:12], RnW [99], CLASS [105:104], InputAddr [191:128], IPA [247:204]', () => {
  const def = findEvent('F_TRANSLATION');
  assert.ok(def);
  const w = encodeEvent(
    def,
    new Map([
      ['StreamID', 3n],
      ['SSV', 1n],
      ['SubstreamID', 5n],
      ['RnW', 1n],
      ['S2', 1n],
      ['CLASS', 2n],
      ['InputAddr', 0x12345000n],
      ['IPA', 0x8765_4000n],
    ]),
  );
  assert.deepEqual(w, [
    0x10 | (1 << 11) | (5 << 12),
    3,
    0,
    (1 << 3) | (1 << 7) | (2 << 8),
    0x12345000,
    0,
    0x8765_4000,
    0,
  ]);
  const d = decodeEvent(w);
  assert.equal(d.def, def);
  assert.deepEqual(d.reservedRuns, []);
  assert.equal(
    formatEvent(d),
    'F_TRANSLATION SSV=SUBSTREAM SubstreamID=0x5 StreamID=0x3 RnW=READ S2=STAGE2 CLASS=IN InputAddr=0x12345000 IPA=0x87654000',
  );
});

test('§7.3.4 F_STE_FETCH: FetchAddr [247:195] holds address bits [55:3]', () => {
  const def = findEvent('F_STE_FETCH');
  assert.ok(def);
  const w = encodeEvent(
    def,
    new Map([
      ['StreamID', 1n],
      ['FetchAddr', 0x4000_0040n],
    ]),
  );
  assert.deepEqual(w, [0x03, 1, 0, 0, 0, 0, 0x4000_0040, 0]);
  assert.equal(decodeEvent([0xee, 0, 0, 0, 0, 0, 0, 0]).def, undefined);
  assert.match(formatEvent(decodeEvent([0xee, 0, 0, 0, 0, 0, 0, 0])), /IMPDEF_EVENT 0xEE/);
});

test('§8 PRI page request: StreamID [31:0], SubstreamID [51:32], Read [60], Write [61], L [62], SSV [63], PRGIndex [72:64], PageAddr [127:76]', () => {
  const w = encodePriRequest(
    new Map([
      ['StreamID', 7n],
      ['SubstreamID', 2n],
      ['Read', 1n],
      ['L', 1n],
      ['SSV', 1n],
      ['PRGIndex', 0x1ffn],
      ['PageAddr', 0xabc000n],
    ]),
  );
  assert.deepEqual(w, [7, (2 | (1 << 28) | (1 << 30) | (1 << 31)) >>> 0, 0x1ff | 0xabc000, 0]);
  assert.equal(decodePriRequest(w).fields.find((f) => f.field.name === 'PageAddr')?.value, 0xabc000n);
});

test('§5.2 STE field positions as the specification gives them', () => {
  const expected: Record<string, [number, number]> = {
    V: [0, 0],
    Config: [3, 1],
    S1Fmt: [5, 4],
    S1ContextPtr: [55, 6],
    S1CDMax: [63, 59],
    S1DSS: [65, 64],
    S1CIR: [67, 66],
    S1COR: [69, 68],
    S1CSH: [71, 70],
    S2HWU59: [72, 72],
    S2HWU60: [73, 73],
    S2HWU61: [74, 74],
    S2HWU62: [75, 75],
    DRE: [76, 76],
    CONT: [80, 77],
    DCP: [81, 81],
    PPAR: [82, 82],
    MEV: [83, 83],
    SW_RESERVED: [87, 84],
    S1PIE: [88, 88],
    S2FWB: [89, 89],
    S1MPAM: [90, 90],
    S1STALLD: [91, 91],
    EATS: [93, 92],
    STRW: [95, 94],
    MemAttr: [99, 96],
    MTCFG: [100, 100],
    ALLOCCFG: [104, 101],
    SHCFG: [109, 108],
    NSCFG: [111, 110],
    PRIVCFG: [113, 112],
    INSTCFG: [115, 114],
    S2VMID: [143, 128],
    S2T0SZ: [165, 160],
    S2SL0: [167, 166],
    S2IR0: [169, 168],
    S2OR0: [171, 170],
    S2SH0: [173, 172],
    S2TG: [175, 174],
    S2PS: [178, 176],
    S2AA64: [179, 179],
    S2ENDI: [180, 180],
    S2AFFD: [181, 181],
    S2PTW: [182, 182],
    S2HD: [183, 183],
    S2HA: [184, 184],
    S2S: [185, 185],
    S2R: [186, 186],
    S2HAFT: [187, 187],
    S2PIE: [188, 188],
    S2POE: [189, 189],
    DPT_VMATCH: [191, 190],
    S2SL0_2: [194, 194],
    S2DS: [195, 195],
    S2TTB: [247, 196],
    S2SKL: [254, 253],
    PARTID: [287, 272],
    PMG: [327, 320],
    AssuredOnly: [329, 329],
    TL0: [330, 330],
    TL1: [331, 331],
    VMSPtr: [375, 332],
    S2POI: [511, 448],
  };
  for (const [name, [msb, lsb]] of Object.entries(expected)) {
    const f = STE.fields.find((x) => x.name === name);
    assert.ok(f, name);
    assert.deepEqual([f.msb, f.lsb], [msb, lsb], name);
  }
  // Bits [58:56] and [107:105] are RES0 (§5.2), as is [252:248].
  assert.deepEqual(reservedRuns(STE, enc(STE, {})), []);
  const w = new Array<number>(16).fill(0);
  w[1] = 0x0100_0000; // bit 56
  w[3] = 0x0000_0200; // bit 105
  assert.deepEqual(reservedRuns(STE, w), [
    [56, 56],
    [105, 105],
  ]);
});

test('§5.4 CD field positions as the specification gives them', () => {
  const expected: Record<string, [number, number]> = {
    T0SZ: [5, 0],
    TG0: [7, 6],
    IR0: [9, 8],
    OR0: [11, 10],
    SH0: [13, 12],
    EPD0: [14, 14],
    ENDI: [15, 15],
    T1SZ: [21, 16],
    TG1: [23, 22],
    IR1: [25, 24],
    OR1: [27, 26],
    SH1: [29, 28],
    EPD1: [30, 30],
    V: [31, 31],
    IPS: [34, 32],
    AFFD: [35, 35],
    WXN: [36, 36],
    UWXN: [37, 37],
    TBI0: [38, 38],
    TBI1: [39, 39],
    PAN: [40, 40],
    AA64: [41, 41],
    HD: [42, 42],
    HA: [43, 43],
    S: [44, 44],
    R: [45, 45],
    A: [46, 46],
    ASET: [47, 47],
    ASID: [63, 48],
    NSCFG0: [64, 64],
    HAD0: [65, 65],
    E0PD0: [66, 66],
    HAFT: [67, 67],
    TTB0: [119, 68],
    PnCH: [122, 122],
    EPAN: [123, 123],
    HWU059: [124, 124],
    HWU060: [125, 125],
    HWU061: [126, 126],
    HWU062: [127, 127],
    NSCFG1: [128, 128],
    HAD1: [129, 129],
    E0PD1: [130, 130],
    AIE: [131, 131],
    TTB1: [183, 132],
    DS: [186, 186],
    PIE: [187, 187],
    HWU159: [188, 188],
    HWU160: [189, 189],
    HWU161: [190, 190],
    HWU162: [191, 191],
    MAIR0: [223, 192],
    MAIR1: [255, 224],
    AMAIR0: [287, 256],
    AMAIR1: [319, 288],
    IMPDEF: [351, 320],
    PARTID: [367, 352],
    PMG: [375, 368],
    PIIU: [431, 384],
    PIIP: [495, 448],
  };
  for (const [name, [msb, lsb]] of Object.entries(expected)) {
    const f = CD.fields.find((x) => x.name === name);
    assert.ok(f, name);
    assert.deepEqual([f.msb, f.lsb], [msb, lsb], name);
  }
  assert.equal(CD.fields.length, Object.keys(expected).length);
});

/** decodeSte/decodeCd read the same bits as the layout tables (a typo in either shows here). */
const STE_KEYS: Record<string, keyof SteFields> = {
  V: 'v',
  Config: 'config',
  S1Fmt: 's1Fmt',
  S1ContextPtr: 's1ContextPtr',
  S1CDMax: 's1CdMax',
  S1DSS: 's1Dss',
  S1CIR: 's1Cir',
  S1COR: 's1Cor',
  S1CSH: 's1Csh',
  DRE: 'dre',
  CONT: 'cont',
  DCP: 'dcp',
  PPAR: 'ppar',
  MEV: 'mev',
  S1PIE: 's1Pie',
  S2FWB: 's2Fwb',
  S1MPAM: 's1Mpam',
  S1STALLD: 's1Stalld',
  EATS: 'eats',
  STRW: 'strw',
  MemAttr: 'memAttr',
  MTCFG: 'mtcfg',
  ALLOCCFG: 'alloccfg',
  SHCFG: 'shcfg',
  NSCFG: 'nscfg',
  PRIVCFG: 'privcfg',
  INSTCFG: 'instcfg',
  S2VMID: 's2Vmid',
  S2T0SZ: 's2T0sz',
  S2SL0: 's2Sl0',
  S2IR0: 's2Ir0',
  S2OR0: 's2Or0',
  S2SH0: 's2Sh0',
  S2TG: 's2Tg',
  S2PS: 's2Ps',
  S2AA64: 's2Aa64',
  S2ENDI: 's2Endi',
  S2AFFD: 's2Affd',
  S2PTW: 's2Ptw',
  S2HD: 's2Hd',
  S2HA: 's2Ha',
  S2S: 's2S',
  S2R: 's2R',
  S2HAFT: 's2Haft',
  S2PIE: 's2Pie',
  S2POE: 's2Poe',
  DPT_VMATCH: 'dptVmatch',
  S2SL0_2: 's2Sl02',
  S2DS: 's2Ds',
  S2TTB: 's2Ttb',
  S2SKL: 's2Skl',
  PARTID: 'partid',
  PMG: 'pmg',
  VMSPtr: 'vmsPtr',
};
const CD_KEYS: Record<string, keyof CdFields> = {
  V: 'v',
  T0SZ: 't0sz',
  TG0: 'tg0',
  IR0: 'ir0',
  OR0: 'or0',
  SH0: 'sh0',
  EPD0: 'epd0',
  ENDI: 'endi',
  T1SZ: 't1sz',
  TG1: 'tg1',
  IR1: 'ir1',
  OR1: 'or1',
  SH1: 'sh1',
  EPD1: 'epd1',
  IPS: 'ips',
  AFFD: 'affd',
  WXN: 'wxn',
  UWXN: 'uwxn',
  TBI0: 'tbi0',
  TBI1: 'tbi1',
  PAN: 'pan',
  AA64: 'aa64',
  HD: 'hd',
  HA: 'ha',
  S: 's',
  R: 'r',
  A: 'a',
  ASET: 'aset',
  ASID: 'asid',
  NSCFG0: 'nscfg0',
  HAD0: 'had0',
  E0PD0: 'e0pd0',
  HAFT: 'haft',
  TTB0: 'ttb0',
  PnCH: 'pnch',
  EPAN: 'epan',
  NSCFG1: 'nscfg1',
  HAD1: 'had1',
  E0PD1: 'e0pd1',
  AIE: 'aie',
  TTB1: 'ttb1',
  DS: 'ds',
  PIE: 'pie',
  PARTID: 'partid',
  PMG: 'pmg',
  PIIU: 'piiu',
  PIIP: 'piip',
};

function roundTrip<T>(def: LayoutDef, decode: (w: number[]) => T, keys: Record<string, keyof T>): void {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  for (let round = 0; round < 20; round++) {
    const values = new Map<string, bigint>();
    for (const f of def.fields) {
      const width = f.msb - f.lsb + 1;
      let v = 0n;
      for (let i = 0; i < width; i++) if (round === 0 || rnd() < 0.5) v |= 1n << BigInt(i);
      values.set(f.name, v << BigInt(f.addrShift ?? 0));
    }
    const e = encodeStructure(def, values);
    assert.deepEqual(e.problems, []);
    for (const f of def.fields) {
      assert.equal(fieldValue(e.words, f), values.get(f.name), `${def.name}.${f.name}`);
      const k = keys[f.name];
      if (k !== undefined)
        assert.equal(
          BigInt(decode(e.words)[k] as unknown as number),
          values.get(f.name),
          `decode ${def.name}.${f.name}`,
        );
    }
    assert.deepEqual(reservedRuns(def, e.words), []);
  }
}

test('round trip: every STE, CD and L1 field encodes, reads back through the layout and the decoder', () => {
  roundTrip(STE, decodeSte, STE_KEYS);
  roundTrip(CD, decodeCd, CD_KEYS);
  roundTrip(L1STD, (w) => ({ span: w[0] & 31 }), { Span: 'span' });
  roundTrip(L1CD, decodeL1cd, {});
  const mair = enc(CD, { MAIR0: 0x4404ff00n, MAIR1: 0xbb00aa11n });
  assert.equal(decodeCd(mair).mair, 0xbb00aa11_4404ff00n);
});

test('§5.2 a Linux stage-1 STE (V, Config 0b101, S1Fmt 0, S1ContextPtr 0x80000040, S1CDMax 0) as literal words', () => {
  const w = enc(STE, { V: 1n, Config: 5n, S1Fmt: 0n, S1ContextPtr: 0x8000_0040n, S1CDMax: 0n });
  assert.deepEqual(w, [0x8000_004b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // With the CD fetch attributes Linux uses (WBRA, ISH) and SHCFG = incoming.
  const linux = enc(STE, { V: 1n, Config: 5n, S1ContextPtr: 0x8000_0040n, S1CIR: 1n, S1COR: 1n, S1CSH: 3n, SHCFG: 1n });
  assert.deepEqual(linux.slice(0, 5), [0x8000_004b, 0, 0xd4, 0x1000, 0]);
  const s = decodeSte(w);
  assert.equal(s.s1ContextPtr, 0x8000_0040);
  assert.equal(s.config, 5);
  assert.deepEqual(checkSte(w, qemu), { valid: true, illegal: [] });
  assert.equal(describeSteConfig(s), 'stage 1 translate, CD at 0x80000040, 1 CD');
});

test('§5.2 substreams: S1CDMax [63:59], S1DSS [65:64], S2VMID [143:128] as literal words', () => {
  const w = enc(STE, { V: 1n, Config: 5n, S1ContextPtr: 0x8000_0040n, S1CDMax: 4n, S1DSS: 2n, SHCFG: 1n, S2VMID: 7n });
  assert.deepEqual(w.slice(0, 6), [0x8000_004b, 0x2000_0000, 2, 0x1000, 7, 0]);
  assert.equal(describeSteConfig(decodeSte(w)), 'stage 1 translate, linear CD table at 0x80000040, 16 CDs');
  assert.deepEqual(reasons(checkSte(w, withIds({ IDR1: SSID8 }))), [], 'legal with 8 SubstreamID bits');
  assert.deepEqual(reasons(checkSte(w, qemu)), [], 'SSIDSIZE == 0: S1CDMax is IGNORED, not ILLEGAL');
});

test('§5.2 a stage 2 STE as literal words', () => {
  const w = enc(STE, {
    V: 1n,
    Config: 6n,
    S2VMID: 1n,
    S2T0SZ: 24n,
    S2SL0: 1n,
    S2IR0: 1n,
    S2OR0: 1n,
    S2SH0: 3n,
    S2TG: 0n,
    S2PS: 4n,
    S2AA64: 1n,
    S2R: 1n,
    S2TTB: 0x4000_0000n,
  });
  assert.deepEqual(w.slice(0, 8), [0xd, 0, 0, 0, 1, 0x040c_3558, 0x4000_0000, 0]);
  const s = decodeSte(w);
  assert.equal(s.s2Ttb, 0x4000_0000);
  assert.equal(s.s2T0sz, 24);
  assert.deepEqual(checkSte(w, withS2), { valid: true, illegal: [] });
  assert.equal(describeSteConfig(s), 'stage 2 translate, VMID 1, S2TTB 0x40000000');
  // S2TTB address bit 32 is STE bit 224.
  assert.equal(enc(STE, { S2TTB: 0x1_0000_0000n })[7], 1);
});

test('§5.2 V and Config: V == 0 is invalid; Config 0b0xx and 0b100 ignore the other fields', () => {
  assert.deepEqual(checkSte(enc(STE, { Config: 5n }), qemu), { valid: false, illegal: [] });
  for (const cfg of [0n, 1n, 2n, 3n, 4n]) {
    assert.deepEqual(
      reasons(
        checkSte(
          enc(STE, { V: 1n, Config: cfg, S2TG: 3n, STRW: 3n, S1STALLD: 1n, S2VMID: 0xffffn, S1ContextPtr: 1n << 50n }),
          withIds({ IDR0: (IDR0 | HYP) & ~VMID16 }),
        ),
      ),
      [],
      `Config ${cfg}`,
    );
  }
  assert.equal(describeSteConfig(decodeSte(enc(STE, { V: 1n, Config: 0n }))), 'abort (no event)');
  assert.equal(describeSteConfig(decodeSte(enc(STE, { V: 1n, Config: 4n }))), 'bypass');
  assert.equal(describeSteConfig(decodeSte(enc(STE, { V: 0n }))), 'invalid (V == 0)');
});

test('§5.2 Config: a stage that is not implemented (S1P, S2P)', () => {
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 6n }), qemu)), ['stage2-unsupported']);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 7n }), qemu)), ['stage2-unsupported']);
  const s2only = withIds({ IDR0: (IDR0 & ~S1P) | S2P });
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n }), s2only)), ['stage1-unsupported']);
});

test('§5.2 STRW: 0bx1 is ILLEGAL only when STRW is used (stage 1 only, Hyp implemented)', () => {
  const hyp = withIds({ IDR0: IDR0 | HYP });
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, STRW: 1n }), hyp)), ['strw']);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, STRW: 3n }), hyp)), ['strw']);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, STRW: 2n }), hyp)), []);
  assert.deepEqual(
    reasons(checkSte(enc(STE, { V: 1n, Config: 5n, STRW: 1n }), qemu)),
    [],
    'Hyp == 0: STRW is RES0, not used',
  );
});

test('§5.2 S1CDMax and S1Fmt against SSIDSIZE and CD2L', () => {
  const ssid = withIds({ IDR1: SSID8 });
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 9n }), ssid)), ['s1cdmax']);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 8n }), ssid)), []);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 31n }), qemu)), [], 'SSIDSIZE 0');
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 8n, S1Fmt: 1n }), ssid)), ['s1fmt']);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 8n, S1Fmt: 2n }), ssid)), ['s1fmt']);
  assert.deepEqual(
    reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 8n, S1Fmt: 3n }), ssid)),
    [],
    '0b11 behaves as 0b00',
  );
  assert.deepEqual(
    reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 0n, S1Fmt: 1n }), ssid)),
    [],
    'S1Fmt IGNORED without substreams',
  );
  assert.deepEqual(
    reasons(
      checkSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 8n, S1Fmt: 1n }), withIds({ IDR1: SSID8, IDR0: IDR0 | CD2L })),
    ),
    [],
  );
  assert.match(
    describeSteConfig(decodeSte(enc(STE, { V: 1n, Config: 5n, S1CDMax: 8n, S1Fmt: 1n }))),
    /2-level CD table \(4 KB leaves\) at 0x0, 256 CDs/,
  );
});

test('§5.5 S1STALLD: ILLEGAL unless STALL_MODEL is 0b00', () => {
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1STALLD: 1n }), qemu)), ['s1stalld']);
  const stallOk = withIds({ IDR0: noStall(IDR0) });
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1STALLD: 1n }), stallOk)), []);
  assert.deepEqual(
    reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1STALLD: 1n }), stallOk, { stallModel: 1 })),
    ['s1stalld'],
    'SMMU_S_CR0.NSSTALLD',
  );
  assert.deepEqual(
    reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1STALLD: 1n }), withIds({ IDR0: noStall(IDR0) | STALL(2) }))),
    ['s1stalld'],
  );
});

test('§3.4.3 S1ContextPtr beyond the OAS (stage 1 only) is C_BAD_STE', () => {
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1ContextPtr: 1n << 44n }), qemu)), ['s1contextptr']);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1ContextPtr: (1n << 44n) - 64n }), qemu)), []);
  assert.deepEqual(reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S1ContextPtr: 1n << 44n }), qemu, { oas: 48 })), []);
});

const S2OK = {
  V: 1n,
  Config: 6n,
  S2T0SZ: 24n,
  S2SL0: 1n,
  S2TG: 0n,
  S2PS: 4n,
  S2AA64: 1n,
  S2TTB: 0x4000_0000n,
  S2R: 1n,
};

test('§5.2.2 stage 2: granule, S2T0SZ range, S2TTB range', () => {
  const s2 = (over: Record<string, bigint>, ids = withS2) => reasons(checkSte(enc(STE, { ...S2OK, ...over }), ids));
  assert.deepEqual(s2({}), []);
  assert.deepEqual(s2({ S2TG: 3n }), ['s2tg']);
  assert.deepEqual(s2({ S2TG: 1n }, withIds({ IDR0: IDR0 | S2P, IDR5: 0x34 })), ['s2tg'], 'no GRAN64K');
  assert.deepEqual(s2({ S2T0SZ: 40n }), ['s2t0sz'], 'maximum 39 without STT');
  assert.deepEqual(s2({ S2T0SZ: 19n, S2SL0: 2n }), ['s2t0sz'], 'minimum 64 - IAS = 20 with a 44-bit OAS');
  assert.deepEqual(s2({ S2T0SZ: 20n, S2SL0: 2n }), []);
  assert.deepEqual(s2({ S2TTB: 1n << 44n }), ['s2ttb'], 'beyond S2PS = 44 bits');
  assert.deepEqual(s2({ S2TTB: 1n << 44n, S2PS: 5n }), ['s2ttb'], 'S2PS 48 is capped to the 44-bit OAS');
  assert.deepEqual(s2({ S2TTB: 1n << 40n, S2PS: 2n }), ['s2ttb'], 'beyond S2PS = 40 bits');
  assert.deepEqual(
    s2({ S2TTB: 1n << 48n, S2PS: 6n }, withIds({ IDR0: IDR0 | S2P, IDR5: 0x76 })),
    ['s2ttb'],
    '48-bit limit for 4 KB without S2DS',
  );
  assert.deepEqual(
    s2({ S2TTB: 1n << 48n, S2PS: 6n, S2TG: 1n, S2T0SZ: 22n, S2SL0: 1n }, withIds({ IDR0: IDR0 | S2P, IDR5: 0x76 })),
    [],
    '64 KB granule with 52-bit PS',
  );
});

test('§5.2 S2SL0 consistent with S2T0SZ and S2TG (Arm ARM S2InconsistentSL, S2InvalidSL)', () => {
  const s2 = (over: Record<string, bigint>, ids = withS2) => reasons(checkSte(enc(STE, { ...S2OK, ...over }), ids));
  // 4 KB, 40-bit IPA: level 1 (2 concatenated tables) or level 0; not level 2.
  assert.deepEqual(s2({ S2SL0: 0n }), ['s2sl0']);
  assert.deepEqual(s2({ S2SL0: 2n }), []);
  assert.deepEqual(s2({ S2SL0: 3n }), ['s2sl0'], '4 KB SL0 = 0b11 needs SMMU_IDR3.STT');
  // 4 KB, 30-bit IPA (S2T0SZ 34): level 2 or level 1; level 0 has no bit to resolve.
  assert.deepEqual(s2({ S2T0SZ: 34n, S2SL0: 0n }), []);
  assert.deepEqual(s2({ S2T0SZ: 34n, S2SL0: 2n }), ['s2sl0']);
  // Level 0 needs a PA size of at least 44 bits.
  const oas40 = withIds({ IDR0: IDR0 | S2P, IDR5: 0x72 });
  assert.deepEqual(s2({ S2SL0: 2n }, oas40), ['s2sl0']);
  assert.deepEqual(s2({ S2SL0: 1n }, oas40), []);
  // 16 KB: SL0 0b10 starts at level 1, 0b11 (level 0) only with DS.
  assert.deepEqual(
    s2({ S2TG: 2n, S2T0SZ: 24n, S2SL0: 1n }),
    [],
    '40-bit IPA from level 2 with 16 KB: 40 - 36 = 4 bits... + concatenation',
  );
  assert.deepEqual(s2({ S2TG: 2n, S2T0SZ: 24n, S2SL0: 3n }), ['s2sl0']);
  // 64 KB: SL0 0b11 is reserved; 0b01 = level 2.
  assert.deepEqual(s2({ S2TG: 1n, S2T0SZ: 24n, S2SL0: 1n }), []);
  assert.deepEqual(s2({ S2TG: 1n, S2T0SZ: 24n, S2SL0: 3n }), ['s2sl0']);
  assert.deepEqual(s2({ S2TG: 1n, S2T0SZ: 24n, S2SL0: 0n }), ['s2sl0'], '40 bits cannot start at level 3 with 64 KB');
  // STT: S2T0SZ up to 48 and 4 KB SL0 0b11 = level 3.
  const stt = withIds({ IDR0: IDR0 | S2P, IDR3: QEMU_IDS.IDR3 | (1 << 9) });
  assert.deepEqual(s2({ S2T0SZ: 40n, S2SL0: 3n }, stt), []);
  assert.deepEqual(s2({ S2T0SZ: 48n, S2SL0: 3n }, stt), []);
  assert.deepEqual(s2({ S2T0SZ: 49n, S2SL0: 3n }, stt), ['s2t0sz']);
});

test('§5.2 S2AA64, VMSAv8-32 LPAE stage 2: TTF, 4-bit signed S2T0SZ, SL0, S2HA/S2HD, S2FWB', () => {
  assert.deepEqual(reasons(checkSte(enc(STE, { ...S2OK, S2AA64: 0n }), withS2)), ['s2aa64']);
  const aa32 = withIds({ IDR0: IDR0 | S2P | TTF32 | HTTU(2), IDR3: QEMU_IDS.IDR3 | (1 << 8) });
  const lpae = { ...S2OK, S2AA64: 0n, S2T0SZ: 0b1000n, S2SL0: 1n };
  assert.deepEqual(reasons(checkSte(enc(STE, lpae), aa32)), [], 'S2T0SZ = -8: 40-bit IPA from level 1');
  assert.deepEqual(reasons(checkSte(enc(STE, { ...lpae, S2SL0: 0n }), aa32)), ['s2sl0']);
  assert.deepEqual(reasons(checkSte(enc(STE, { ...lpae, S2SL0: 2n }), aa32)), ['s2sl0'], 'SL0 0b1x reserved');
  assert.deepEqual(
    reasons(checkSte(enc(STE, { ...lpae, S2T0SZ: 7n, S2SL0: 0n }), aa32)),
    [],
    '25-bit IPA from level 2',
  );
  assert.deepEqual(reasons(checkSte(enc(STE, { ...lpae, S2HA: 1n }), aa32)), ['s2httu']);
  assert.deepEqual(reasons(checkSte(enc(STE, { ...lpae, S2FWB: 1n }), aa32)), ['s2fwb']);
  assert.deepEqual(
    reasons(checkSte(enc(STE, { ...lpae, S2TTB: 1n << 40n, S2PS: 5n }), aa32)),
    ['s2ttb'],
    'S2PS IGNORED: 40 bits',
  );
  assert.deepEqual(reasons(checkSte(enc(STE, { ...lpae, S2TG: 3n }), aa32)), [], 'S2TG is RES0/4 KB for VMSAv8-32');
});

test('§5.2 S2HA, S2HD, S2HAFT against SMMU_IDR0.HTTU', () => {
  const s2 = (over: Record<string, bigint>, httu: number) =>
    reasons(checkSte(enc(STE, { ...S2OK, ...over }), withIds({ IDR0: IDR0 | S2P | HTTU(httu) })));
  assert.deepEqual(s2({ S2HA: 1n }, 0), ['s2httu']);
  assert.deepEqual(s2({ S2HD: 1n }, 0), ['s2httu']);
  assert.deepEqual(s2({ S2HA: 1n }, 1), []);
  assert.deepEqual(s2({ S2HA: 1n, S2HD: 1n }, 1), ['s2hd']);
  assert.deepEqual(s2({ S2HA: 1n, S2HD: 1n }, 2), []);
  assert.deepEqual(s2({ S2HAFT: 1n }, 3), ['s2haft']);
  assert.deepEqual(s2({ S2HAFT: 1n, S2HA: 1n }, 3), []);
});

test('§5.5 S2S against STALL_MODEL; §5.2 S2ENDI against TTENDIAN; §5.2 S2VMID against VMID16', () => {
  const s2 = (over: Record<string, bigint>, idr0: number) =>
    reasons(checkSte(enc(STE, { ...S2OK, ...over }), withIds({ IDR0: idr0 })));
  assert.deepEqual(s2({ S2S: 1n }, IDR0 | S2P), ['s2s'], 'STALL_MODEL 0b01');
  assert.deepEqual(s2({ S2S: 1n }, noStall(IDR0) | S2P), []);
  assert.deepEqual(s2({ S2S: 0n }, noStall(IDR0) | S2P | STALL(2)), ['s2s'], 'STALL_MODEL 0b10 forces S2S');
  assert.deepEqual(s2({ S2ENDI: 1n }, IDR0 | S2P), ['s2endi'], 'TTENDIAN = LE');
  assert.deepEqual(s2({ S2ENDI: 1n }, (IDR0 & ~TTENDIAN) | S2P), [], 'TTENDIAN = mixed');
  assert.deepEqual(s2({ S2ENDI: 0n }, IDR0 | TTENDIAN | S2P), ['s2endi'], 'TTENDIAN = BE');
  assert.deepEqual(s2({ S2VMID: 0x100n }, (IDR0 & ~VMID16) | S2P), ['s2vmid']);
  assert.deepEqual(s2({ S2VMID: 0x100n }, IDR0 | S2P), []);
  // Stage 1 only with stage 2 implemented: S2VMID still tags (not IGNORED) for an NS-EL1 stream.
  assert.deepEqual(
    reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S2VMID: 0x100n }), withIds({ IDR0: (IDR0 & ~VMID16) | S2P }))),
    ['s2vmid'],
  );
  assert.deepEqual(
    reasons(checkSte(enc(STE, { V: 1n, Config: 5n, S2VMID: 0x100n }), withIds({ IDR0: IDR0 & ~VMID16 }))),
    [],
    'S2P == 0: IGNORED',
  );
  // An EL2 StreamWorld does not use the VMID.
  assert.deepEqual(
    reasons(
      checkSte(
        enc(STE, { V: 1n, Config: 5n, STRW: 2n, S2VMID: 0x100n }),
        withIds({ IDR0: (IDR0 & ~VMID16) | S2P | HYP }),
      ),
    ),
    [],
  );
});

test('§5.2 EATS: split-stage and full ATS conditions, only when SMMU_IDR0.ATS == 1', () => {
  const ats = noStall(IDR0) | S2P | ATS;
  const chk = (v: Record<string, bigint>, idr0 = ats, idr3 = QEMU_IDS.IDR3) =>
    reasons(checkSte(enc(STE, v), withIds({ IDR0: idr0, IDR3: idr3 })));
  assert.deepEqual(chk({ V: 1n, Config: 5n, EATS: 2n }), ['eats-split']);
  assert.deepEqual(chk({ ...S2OK, Config: 7n, EATS: 2n }), []);
  assert.deepEqual(chk({ ...S2OK, Config: 7n, EATS: 2n, S2S: 1n }), ['eats-split']);
  assert.deepEqual(chk({ ...S2OK, Config: 7n, EATS: 2n }, ats | NS1ATS), ['eats-split']);
  assert.deepEqual(chk({ ...S2OK, Config: 7n, EATS: 1n, S2S: 1n }), ['eats-s2s']);
  assert.deepEqual(
    chk({ V: 1n, Config: 5n, EATS: 1n, S2S: 1n }),
    [],
    'S2S only matters with stage 2 translating (v3.1+)',
  );
  assert.deepEqual(chk({ V: 1n, Config: 4n, EATS: 2n }), [], 'bypass: EATS IGNORED');
  assert.deepEqual(chk({ V: 1n, Config: 5n, EATS: 2n }, noStall(IDR0) | S2P), [], 'no ATS: EATS IGNORED');
  const dpt = QEMU_IDS.IDR3 | (1 << 15);
  assert.deepEqual(chk({ V: 1n, Config: 5n, EATS: 3n, STRW: 2n }, ats | HYP, dpt), ['eats-dpt']);
  assert.deepEqual(chk({ V: 1n, Config: 5n, EATS: 3n, STRW: 0n }, ats | HYP, dpt), []);
  assert.deepEqual(chk({ ...S2OK, EATS: 3n, S2S: 1n }, ats, dpt), ['eats-s2s']);
  assert.deepEqual(chk({ V: 1n, Config: 5n, EATS: 3n, STRW: 2n }, ats | HYP), [], 'without DPT 0b11 behaves as 0b00');
});

test('§5.2 S2PIE, S2POE, S2POI and VMSPtr (v3.2+ features)', () => {
  const idr0 = IDR0 | S2P | TTF32;
  const s2pi = (1 << 19) | (1 << 20) | (1 << 3);
  const chk = (v: Record<string, bigint>, idr3 = QEMU_IDS.IDR3 | s2pi) =>
    reasons(checkSte(enc(STE, { ...S2OK, ...v }), withIds({ IDR0: idr0, IDR3: idr3 })));
  assert.deepEqual(chk({ S2PIE: 1n }), []);
  assert.deepEqual(chk({ S2PIE: 1n, S2AA64: 0n, S2T0SZ: 8n }), ['s2pie']);
  assert.deepEqual(chk({ S2POE: 1n }), ['s2poe']);
  assert.deepEqual(chk({ S2POE: 1n, S2PIE: 1n, S2HWU60: 1n }), ['s2poe']);
  assert.deepEqual(chk({ S2POE: 1n, S2PIE: 1n, S2POI: 0x50n }), ['s2poi']);
  assert.deepEqual(chk({ S2POE: 1n, S2PIE: 1n, S2POI: 0x32n }), []);
  const mpam = QEMU_IDS.IDR3 | (1 << 7);
  assert.deepEqual(chk({ Config: 7n, S1MPAM: 1n, VMSPtr: 1n << 44n }, mpam), ['vmsptr']);
  assert.deepEqual(chk({ Config: 7n, S1MPAM: 1n, VMSPtr: 0x8000_0000n }, mpam), []);
  assert.deepEqual(chk({ Config: 6n, S1MPAM: 1n, VMSPtr: 1n << 44n }, mpam), [], 'VMSPtr only enabled when nested');
});

const CD_OK = {
  V: 1n,
  T0SZ: 16n,
  TG0: 0n,
  IR0: 1n,
  OR0: 1n,
  SH0: 3n,
  EPD1: 1n,
  IPS: 4n,
  AA64: 1n,
  R: 1n,
  A: 1n,
  ASET: 1n,
  ASID: 5n,
  TTB0: 0x4123_4000n,
  MAIR0: 0xff0044n,
};

test('§5.4 a Linux CD as literal words', () => {
  const w = enc(CD, CD_OK);
  // TTB0 [119:68] holds address bits [55:4]: address bit n is CD bit 64 + n.
  assert.deepEqual(w.slice(0, 8), [
    (16 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 30) | (1 << 31)) >>> 0,
    4 | (1 << 9) | (1 << 13) | (1 << 14) | (1 << 15) | (5 << 16),
    0x4123_4000,
    0,
    0,
    0,
    0xff0044,
    0,
  ]);
  const c = decodeCd(w);
  assert.equal(c.ttb0, 0x4123_4000);
  assert.equal(c.asid, 5);
  assert.equal(c.mair, 0xff0044n);
  assert.deepEqual(checkCd(w, qemu), { valid: true, illegal: [] });
  assert.equal(decodeCd(enc(CD, { TTB1: 0x1_0000_0010n })).ttb1, 0x1_0000_0010);
});

const cdReasons = (over: Record<string, bigint>, ids = qemu, opts = {}) =>
  reasons(checkCd(enc(CD, { ...CD_OK, ...over }), ids, opts));

test('§5.4 V == 0: the CD is invalid (C_BAD_CD)', () => {
  assert.deepEqual(checkCd(enc(CD, { ...CD_OK, V: 0n }), qemu), { valid: false, illegal: [] });
});

test('§5.5 CD A and S against TERM_MODEL, STALL_MODEL and STE.S1STALLD', () => {
  assert.deepEqual(cdReasons({ A: 0n }), ['a'], 'TERM_MODEL 1 needs A');
  assert.deepEqual(cdReasons({ A: 0n }, withIds({ IDR0: IDR0 & ~(1 << 26) })), []);
  assert.deepEqual(cdReasons({ S: 1n }), ['s'], 'STALL_MODEL 0b01');
  const stallOk = withIds({ IDR0: noStall(IDR0) });
  assert.deepEqual(cdReasons({ S: 1n }, stallOk), []);
  assert.deepEqual(cdReasons({ S: 0n }, withIds({ IDR0: noStall(IDR0) | STALL(2) })), ['s']);
  const ste = { config: 5, strw: 0, s1Stalld: 1, s2Aa64: 0, s1Pie: 0 };
  assert.deepEqual(cdReasons({ S: 1n }, stallOk, { ste }), ['s1stalld']);
  assert.deepEqual(cdReasons({ S: 0n }, stallOk, { ste }), []);
});

test('§5.4 ENDI against TTENDIAN, IGNORED when both walks are disabled', () => {
  assert.deepEqual(cdReasons({ ENDI: 1n }), ['endi']);
  assert.deepEqual(cdReasons({ ENDI: 1n, EPD0: 1n }), []);
  assert.deepEqual(cdReasons({ ENDI: 1n }, withIds({ IDR0: IDR0 & ~TTENDIAN })), []);
  assert.deepEqual(cdReasons({ ENDI: 0n }, withIds({ IDR0: IDR0 | TTENDIAN })), ['endi']);
});

test('§5.4 AA64 against TTF, StreamWorld and a VMSAv8-32 stage 2', () => {
  assert.deepEqual(cdReasons({ AA64: 0n }), ['aa64']);
  const aa32 = withIds({ IDR0: IDR0 | TTF32 });
  assert.deepEqual(cdReasons({ AA64: 0n }, aa32), [], 'TTF[0]: VMSAv8-32 LPAE (IPS IGNORED, 40-bit TTB)');
  assert.deepEqual(cdReasons({ AA64: 0n, TTB0: 1n << 40n }, aa32), ['ttb']);
  assert.deepEqual(cdReasons({}, withIds({ IDR0: (IDR0 & ~(3 << 2)) | TTF32 })), ['aa64'], 'AArch32-only SMMU');
  const nested32 = { config: 7, strw: 0, s1Stalld: 0, s2Aa64: 0, s1Pie: 0 };
  assert.deepEqual(cdReasons({}, aa32, { ste: nested32 }), ['aa64'], 'VMSAv8-64 stage 1 over VMSAv8-32 stage 2');
  const e2h = { config: 5, strw: 2, s1Stalld: 0, s2Aa64: 0, s1Pie: 0 };
  const hyp32 = withIds({ IDR0: IDR0 | TTF32 | HYP });
  assert.deepEqual(cdReasons({ AA64: 0n }, hyp32, { ste: e2h, e2h: 1 }), ['aa64'], 'EL2-E2H cannot use VMSAv8-32');
  assert.deepEqual(cdReasons({ AA64: 0n }, hyp32, { ste: e2h, e2h: 0 }), [], 'NS-EL2 can');
});

test('§5.4 HA, HD, HAFT against HTTU (IGNORED for VMSAv8-32)', () => {
  const h = (v: number) => withIds({ IDR0: IDR0 | HTTU(v) | TTF32 });
  assert.deepEqual(cdReasons({ HA: 1n }), ['httu']);
  assert.deepEqual(cdReasons({ HD: 1n, HA: 1n }, h(1)), ['hd']);
  assert.deepEqual(cdReasons({ HD: 1n, HA: 1n }, h(2)), []);
  assert.deepEqual(cdReasons({ HAFT: 1n }, h(3)), ['haft']);
  assert.deepEqual(cdReasons({ HA: 1n, AA64: 0n }, h(0)), []);
});

test('§5.4 ASID: 8 bits without ASID16, IGNORED in an EL2 StreamWorld', () => {
  const asid8 = withIds({ IDR0: IDR0 & ~ASID16 });
  assert.deepEqual(cdReasons({ ASID: 0x100n }, asid8), ['asid']);
  assert.deepEqual(cdReasons({ ASID: 0xffn }, asid8), []);
  assert.deepEqual(cdReasons({ ASID: 0x100n }), []);
  const el2 = { config: 5, strw: 2, s1Stalld: 0, s2Aa64: 0, s1Pie: 0 };
  const hyp8 = withIds({ IDR0: (IDR0 & ~ASID16) | HYP });
  assert.equal(steStreamWorld(el2, hyp8, 0), 'NS-EL2');
  assert.deepEqual(cdReasons({ ASID: 0x100n }, hyp8, { ste: el2 }), []);
  assert.deepEqual(cdReasons({ ASID: 0x100n }, hyp8, { ste: el2, e2h: 1 }), ['asid']);
});

test('§5.4 T0SZ/T1SZ range, TG0/TG1 granule, TTB0/TTB1 range for the walks in use', () => {
  assert.deepEqual(cdReasons({ T0SZ: 40n }), ['tsz']);
  assert.deepEqual(cdReasons({ T0SZ: 15n }), ['tsz'], 'VAX 48-bit: minimum 16');
  const va52 = withIds({ IDR5: QEMU_IDS.IDR5 | (1 << 10) });
  assert.deepEqual(cdReasons({ T0SZ: 12n, TG0: 1n }, va52), [], '52-bit VA with 64 KB');
  assert.deepEqual(cdReasons({ T0SZ: 12n, TG0: 0n }, va52), ['tsz'], '4 KB without DS: 48 bits');
  assert.deepEqual(cdReasons({ T0SZ: 48n }, withIds({ IDR3: QEMU_IDS.IDR3 | (1 << 9) })), [], 'STT');
  assert.deepEqual(cdReasons({ TG0: 3n }), ['tg']);
  assert.deepEqual(cdReasons({ TG0: 1n }, withIds({ IDR5: 0x34 })), ['tg'], 'no GRAN64K');
  assert.deepEqual(cdReasons({ TG0: 3n, T0SZ: 0n, TTB0: 1n << 50n, EPD0: 1n }), [], 'EPD0: TTB0 fields IGNORED');
  assert.deepEqual(cdReasons({ EPD1: 0n, TG1: 0n, T1SZ: 16n }), ['tg'], 'TG1 0b00 is reserved');
  assert.deepEqual(cdReasons({ EPD1: 0n, TG1: 2n, T1SZ: 16n, TTB1: 0x5000_0000n }), []);
  assert.deepEqual(cdReasons({ EPD1: 0n, TG1: 2n, T1SZ: 16n, TTB1: 1n << 44n }), ['ttb']);
  assert.deepEqual(cdReasons({ TTB0: 1n << 44n }), ['ttb'], 'beyond the 44-bit OAS');
  assert.deepEqual(cdReasons({ IPS: 2n, TTB0: 1n << 40n }), ['ttb'], 'beyond IPS = 40 bits');
  assert.deepEqual(cdReasons({ IPS: 7n }), [], 'IPS 0b111 is Reserved (behaves as a size) but not ILLEGAL');
  assert.deepEqual(
    cdReasons({ TTB0: 1n << 48n, IPS: 6n }, withIds({ IDR5: 0x76 })),
    ['ttb'],
    '48-bit limit for 4 KB without DS',
  );
  // EL2: EPD0 is IGNORED (walks through TTB0 stay enabled) and TTB1 is unreachable.
  const el2 = { config: 5, strw: 2, s1Stalld: 0, s2Aa64: 0, s1Pie: 0 };
  const hyp = withIds({ IDR0: IDR0 | HYP });
  assert.deepEqual(cdReasons({ EPD0: 1n, TG0: 3n }, hyp, { ste: el2 }), ['tg']);
  assert.deepEqual(cdReasons({ EPD1: 0n, TG1: 0n }, hyp, { ste: el2 }), []);
});

test('§5.4 PIIP/PIIU with stage 1 permission indirection', () => {
  const s1pi = withIds({ IDR3: QEMU_IDS.IDR3 | (1 << 18) });
  const ste = { config: 5, strw: 0, s1Stalld: 0, s2Aa64: 0, s1Pie: 1 };
  assert.deepEqual(cdReasons({ PIE: 1n, PIIP: 0b100n }, s1pi, { ste }), ['piip']);
  assert.deepEqual(cdReasons({ PIE: 1n, PIIU: 0b110n << 3n }, s1pi, { ste }), ['piiu']);
  assert.deepEqual(cdReasons({ PIE: 1n, PIIP: 0b010n << 6n, PIIU: 0b101n << 6n }, s1pi, { ste }), ['pi-wx']);
  assert.deepEqual(cdReasons({ PIE: 1n, PIIP: 0b011n, PIIU: 0b001n }, s1pi, { ste }), []);
  assert.deepEqual(
    cdReasons({ PIE: 1n, PIIP: 0b100n }, s1pi, { ste: { ...ste, s1Pie: 0 } }),
    [],
    'STE.S1PIE == 0: PIE is RES0',
  );
});

test('§5.1 L1STD: Span [4:0], L2Ptr [55:6]; Span 0, reserved, beyond SPLIT + 1 and outside the Span', () => {
  const l1 = enc(L1STD, { Span: 9n, L2Ptr: 0x4100_0000n });
  assert.deepEqual(l1, [0x4100_0009, 0]);
  assert.deepEqual(decodeL1std(l1), { span: 9, l2Ptr: 0x4100_0000 });
  assert.deepEqual(checkL1std(l1, 8), { ok: true, l2Ptr: 0x4100_0000, entries: 256 });
  assert.equal(checkL1std(l1, 7).ok, false);
  assert.deepEqual(checkL1std(l1, 7), {
    ok: false,
    reason: 'span-too-big',
    message: 'L1STD.Span = 9 exceeds SPLIT + 1 = 8',
  });
  assert.equal(checkL1std(l1, 8, 256).ok, false);
  assert.equal(checkL1std(l1, 8, 255).ok, true);
  assert.deepEqual(checkL1std([0x4100_0000, 0], 8), {
    ok: false,
    reason: 'span-0',
    message: 'L1STD.Span is 0: L2Ptr is invalid',
  });
  assert.equal(decodeL1std([12, 0]).span, 0, 'Span 12-31 is reserved (behaves as 0)');
  assert.equal(checkL1std([31, 0], 10).ok, false);
  // L2Ptr[5 + (Span-1):0] are treated as 0: Span 2 (2 STEs, 128 bytes).
  assert.equal(decodeL1std(enc(L1STD, { Span: 2n, L2Ptr: 0x4100_00c0n })).l2Ptr, 0x4100_0080);
  assert.equal(decodeL1std(enc(L1STD, { Span: 1n, L2Ptr: 0x1_2345_6780n })).l2Ptr, 0x1_2345_6780);
});

test('§5.3 L1CD: V [0], L2Ptr [55:12]', () => {
  const cd = enc(L1CD, { V: 1n, L2Ptr: 0x4200_0000n });
  assert.deepEqual(cd, [0x4200_0001, 0]);
  assert.deepEqual(decodeL1cd(cd), { valid: true, l2Ptr: 0x4200_0000 });
  assert.deepEqual(enc(L1CD, { V: 1n, L2Ptr: 0x1_2345_6000n }), [0x2345_6001, 1]);
  assert.equal(decodeL1cd([0x4200_0000, 0]).valid, false);
  assert.deepEqual(l1cdReservedBits([0x4200_1001, 0], 2).length, 1, 'L2Ptr[15:12] RES0 with 64 KB leaves');
  assert.deepEqual(l1cdReservedBits([0x4200_1001, 0], 1), []);
});

test('encodeStructure: unknown fields, values that do not fit, unaligned addresses, duplicates; names case-insensitive', () => {
  assert.deepEqual(
    encodeStructure(
      STE,
      new Map([
        ['Nope', 1n],
        ['Config', 8n],
      ]),
    ).problems,
    ['STE has no field Nope', '0x8 does not fit STE.Config'],
  );
  assert.deepEqual(encodeStructure(STE, new Map([['s1contextptr', 0x8000_0041n]])).problems, [
    '0x80000041 is not 64-byte aligned: STE.S1ContextPtr holds address bits [55:6]',
  ]);
  assert.deepEqual(encodeStructure(STE, new Map([['S1ContextPtr', 1n << 56n]])).problems, [
    '0x100000000000000 does not fit STE.S1ContextPtr',
  ]);
  assert.deepEqual(
    encodeStructure(
      STE,
      new Map([
        ['v', 1n],
        ['V', 1n],
      ]),
    ).problems,
    ['STE.V is given more than once'],
  );
  assert.deepEqual(
    encodeStructure(
      CD,
      new Map([
        ['asid', 0xffffn],
        ['ttb0', 0xff_ffff_ffff_fff0n],
      ]),
    ),
    { words: [0, 0xffff_0000, 0xffff_fff0, 0x00ff_ffff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], problems: [] },
  );
});
