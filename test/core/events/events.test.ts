/**
 * Event records (§7.3) and PRI queue entries (§8) against the architecture's record layouts. The
 * expected words are written out by hand from the record diagrams: record bit n is bit n % 32 of
 * little-endian word n / 32.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEvent,
  decodePriRequest,
  encodeEvent,
  encodePriRequest,
  eventSummaryMarkdown,
  formatEvent,
  formatPriRequest,
} from '../../../core/events/codec';
import { EVENTS, eventById, findEvent, isImpdefEvent, PRI_REQUEST, type EventDef } from '../../../core/events/table';
import type { LayoutDef } from '../../../core/layout/types';

function ev(name: string): EventDef {
  const d = findEvent(name);
  assert.ok(d, name);
  return d;
}

const enc = (name: string, values: Record<string, bigint>) => encodeEvent(ev(name), new Map(Object.entries(values)));
const value = (words: number[], field: string) => decodeEvent(words).fields.find((f) => f.field.name === field)?.value;

test('§7.3.2–§7.3.20 every event number', () => {
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
  for (const e of EVENTS) {
    assert.equal(e.bits, 256, e.name);
    assert.equal(eventById(e.id), e);
    assert.equal(e.kind, e.name.startsWith('C_') ? 'config' : e.name.startsWith('F_') ? 'fault' : 'other', e.name);
    assert.match(e.section, /^7\.3\.\d+$/);
    // The encoder writes the number into [7:0] of every record (§7.3).
    assert.equal(encodeEvent(e, new Map())[0], e.id, e.name);
  }
});

test('§7.3.21 IMPLEMENTATION DEFINED numbers are 0xE0–0xEF', () => {
  assert.equal(isImpdefEvent(0xdf), false);
  assert.equal(isImpdefEvent(0xe0), true);
  assert.equal(isImpdefEvent(0xef), true);
  assert.equal(isImpdefEvent(0xf0), false);
});

test('findEvent is case-insensitive and takes an EVT_ prefix', () => {
  assert.equal(findEvent('f_translation')?.id, 0x10);
  assert.equal(findEvent('EVT_F_TRANSLATION')?.id, 0x10);
  assert.equal(findEvent('evt_c_bad_ste')?.id, 0x04);
  assert.equal(findEvent('F_NOPE'), undefined);
  assert.equal(eventById(0x0c), undefined);
});

test('layouts: every field inside its record, no two fields overlap', () => {
  const defs: LayoutDef[] = [PRI_REQUEST, ...EVENTS];
  for (const def of defs) {
    const used = new Map<number, string>();
    for (const f of def.fields) {
      assert.ok(f.lsb >= 0 && f.msb < def.bits && f.msb >= f.lsb, `${def.name}.${f.name} [${f.msb}:${f.lsb}]`);
      for (let b = f.lsb; b <= f.msb; b++) {
        assert.ok(!used.has(b), `${def.name}.${f.name} overlaps ${used.get(b)} at bit ${b}`);
        used.set(b, f.name);
      }
    }
    assert.equal(
      new Set(def.fields.map((f) => f.name.toLowerCase())).size,
      def.fields.length,
      `${def.name}: duplicate field names`,
    );
  }
});

test('§7.3 every event record: number [7:0], StreamID [63:32]; SSV [11], SubstreamID [31:12] where present', () => {
  for (const e of EVENTS) {
    const at = (n: string) => e.fields.find((f) => f.name === n);
    assert.deepEqual([at('EventNumber')?.msb, at('EventNumber')?.lsb], [7, 0], e.name);
    assert.deepEqual([at('StreamID')?.msb, at('StreamID')?.lsb], [63, 32], e.name);
    const ssv = at('SSV');
    if (ssv) assert.deepEqual([ssv.msb, ssv.lsb], [11, 11], e.name);
    const ssid = at('SubstreamID');
    if (ssid) assert.deepEqual([ssid.msb, ssid.lsb], [31, 12], e.name);
  }
});

test('§7.3.13 F_TRANSLATION StreamID=3 InputAddr=0x12345000 RnW=1 as literal words', () => {
  const w = enc('F_TRANSLATION', { StreamID: 3n, InputAddr: 0x12345000n, RnW: 1n, CLASS: 2n });
  // [7:0] 0x10; [63:32] 3; RnW bit 99 = word 3 bit 3; CLASS [105:104] = word 3 bits 9:8; InputAddr [191:128] = words 4–5.
  assert.deepEqual(w, [0x10, 3, 0, 0x8 | 0x200, 0x12345000, 0, 0, 0]);
  const d = decodeEvent(w);
  assert.equal(d.def?.name, 'F_TRANSLATION');
  assert.deepEqual(d.reservedRuns, []);
  assert.equal(formatEvent(d), 'F_TRANSLATION StreamID=0x3 RnW=READ CLASS=IN InputAddr=0x12345000');
});

test('§7.3.13 F_TRANSLATION stalled at stage 2: SSV, SubstreamID, STAG [79:64], Stall [95], PnU [97], InD [98], S2 [103], CLASS TTD, IPA[55:12] at [247:204]', () => {
  const w = enc('F_TRANSLATION', {
    SSV: 1n,
    SubstreamID: 0xabcden,
    StreamID: 0xffff_ffffn,
    STAG: 0x1234n,
    Stall: 1n,
    PnU: 1n,
    InD: 1n,
    RnW: 1n,
    S2: 1n,
    CLASS: 1n,
    InputAddr: 0xffff_8000_1234_5678n,
    IPA: 0x00ab_cdef_0000n,
  });
  assert.deepEqual(w, [
    (0x10 | (1 << 11) | (0xabcde << 12)) >>> 0, // 0xABCDE810
    0xffffffff,
    (0x1234 | (1 << 31)) >>> 0, // STAG, Stall at bit 31 of word 2
    (1 << 1) | (1 << 2) | (1 << 3) | (1 << 7) | (1 << 8), // PnU 97, InD 98, RnW 99, S2 103, CLASS=1 at 104
    0x12345678,
    0xffff8000,
    0xcdef0000, // IPA bits [31:12] at word 6 bits [31:12]
    0xab, // IPA bits [55:32] at word 7 bits [23:0]
  ]);
  const d = decodeEvent(w);
  assert.deepEqual(d.reservedRuns, []);
  assert.equal(value(w, 'IPA'), 0xabcdef0000n);
  assert.equal(d.fields.find((f) => f.field.name === 'CLASS')?.enumValue?.name, 'TTD');
});

test('§7.3.14–§7.3.16 F_ADDR_SIZE, F_ACCESS and F_PERMISSION share the F_TRANSLATION layout; TTRnW is bit 108', () => {
  const base = ev('F_TRANSLATION').fields.map((f) => `${f.name}@${f.msb}:${f.lsb}`);
  for (const n of ['F_ADDR_SIZE', 'F_ACCESS'])
    assert.deepEqual(
      ev(n).fields.map((f) => `${f.name}@${f.msb}:${f.lsb}`),
      base,
      n,
    );
  const w = enc('F_PERMISSION', { StreamID: 1n, S2: 1n, CLASS: 1n, TTRnW: 1n });
  assert.deepEqual(w, [0x13, 1, 0, (1 << 7) | (1 << 8) | (1 << 12), 0, 0, 0, 0]);
});

test('§7.3.2 F_UUT: PnU [97], InD [98], RnW [99], InputAddr [191:128]', () => {
  const w = enc('F_UUT', {
    StreamID: 0x20n,
    SSV: 1n,
    SubstreamID: 1n,
    PnU: 1n,
    InD: 1n,
    RnW: 1n,
    InputAddr: 0x8000_0000_0000_0000n,
  });
  assert.deepEqual(w, [0x01 | (1 << 11) | (1 << 12), 0x20, 0, 0xe, 0, 0x80000000, 0, 0]);
});

test('§7.3.2 F_UUT: an IMPLEMENTATION DEFINED Reason at [79:64] makes a valid record; [95:80] stay RES0', () => {
  const w = [0x01, 0x20, 0x1234, 0x8, 0x1000, 0, 0, 0];
  const d = decodeEvent(w);
  assert.deepEqual(d.reservedRuns, []);
  assert.equal(value(w, 'Reason'), 0x1234n);
  assert.match(formatEvent(d), /^F_UUT StreamID=0x20 Reason=0x1234 RnW=READ InputAddr=0x1000$/);
  assert.deepEqual(enc('F_UUT', { StreamID: 0x20n, Reason: 0x1234n, RnW: 1n, InputAddr: 0x1000n }), w);
  // Bit 80 is RES0 in F_UUT (F_STE_FETCH's GPCF bit has no counterpart in this record).
  assert.deepEqual(decodeEvent([0x01, 0x20, 0x1_0000, 0, 0, 0, 0, 0]).reservedRuns, [[80, 80]]);
});

test('§7.3.4 F_STE_FETCH: Reason [79:64], GPCF [80], FetchAddr[55:3] at [247:195]', () => {
  const w = enc('F_STE_FETCH', { StreamID: 5n, Reason: 0xbeefn, GPCF: 1n, FetchAddr: 0x00ff_0000_4000_0040n });
  // FetchAddr holds address bits [55:3] at record bits [247:195]: address bit n lands on record bit 192 + n.
  assert.deepEqual(w, [0x03, 5, 0x1beef, 0, 0, 0, 0x40000040, 0x00ff0000]);
  assert.equal(value(w, 'FetchAddr'), 0x00ff_0000_4000_0040n);
});

test('§7.3.10 F_CD_FETCH and §7.3.20 F_VMS_FETCH use the fetch-abort layout', () => {
  const cd = enc('F_CD_FETCH', { StreamID: 6n, SSV: 1n, SubstreamID: 2n, FetchAddr: 0x4410_0000n });
  assert.deepEqual(cd, [0x09 | (1 << 11) | (2 << 12), 6, 0, 0, 0, 0, 0x44100000, 0]);
  const vms = enc('F_VMS_FETCH', { StreamID: 7n, Reason: 0x1n, GPCF: 1n, FetchAddr: 0x8n });
  assert.deepEqual(vms, [0x25, 7, 0x10001, 0, 0, 0, 0x8, 0]);
});

test('§7.3.8 F_TRANSL_FORBIDDEN: RnW [99], InputAddr [191:128]', () => {
  const w = enc('F_TRANSL_FORBIDDEN', { StreamID: 9n, RnW: 1n, InputAddr: 0x1_0000_0000n });
  assert.deepEqual(w, [0x07, 9, 0, 0x8, 0, 1, 0, 0]);
});

test('§7.3.9 C_BAD_SUBSTREAMID: SubstreamID [31:12], no SSV', () => {
  const w = enc('C_BAD_SUBSTREAMID', { StreamID: 5n, SubstreamID: 0xfffffn });
  assert.deepEqual(w, [0xfffff008, 5, 0, 0, 0, 0, 0, 0]);
  assert.equal(
    ev('C_BAD_SUBSTREAMID').fields.some((f) => f.name === 'SSV'),
    false,
  );
  // SubstreamID is always valid here, so the line shows it even without SSV.
  assert.equal(
    formatEvent(decodeEvent(enc('C_BAD_SUBSTREAMID', { StreamID: 5n, SubstreamID: 0n }))),
    'C_BAD_SUBSTREAMID SubstreamID=0x0 StreamID=0x5',
  );
});

test('§7.3.3, §7.3.5, §7.3.7, §7.3.11 configuration errors and F_STREAM_DISABLED', () => {
  assert.deepEqual(enc('C_BAD_STREAMID', { StreamID: 0x100n }), [0x02, 0x100, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(enc('C_BAD_STE', { StreamID: 3n, SSV: 1n, SubstreamID: 4n }), [
    0x04 | 0x800 | 0x4000,
    3,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  assert.deepEqual(enc('C_BAD_CD', { StreamID: 7n }), [0x0a, 7, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(enc('F_STREAM_DISABLED', { StreamID: 5n }), [0x06, 5, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(
    ev('F_STREAM_DISABLED').fields.map((f) => f.name),
    ['EventNumber', 'StreamID'],
  );
});

test('§7.3.18 F_CFG_CONFLICT: Reason fills [95:64]', () => {
  assert.deepEqual(enc('F_CFG_CONFLICT', { StreamID: 1n, Reason: 0xdeadbeefn }), [0x21, 1, 0xdeadbeef, 0, 0, 0, 0, 0]);
});

test('§7.3.17 F_TLB_CONFLICT: RnW/InD/PnU, S2, InputAddr and IPA', () => {
  assert.deepEqual(
    enc('F_TLB_CONFLICT', { StreamID: 2n, RnW: 1n, S2: 1n, InputAddr: 0x1000n, IPA: 0x2000n }),
    [0x20, 2, 0, 0x88, 0x1000, 0, 0x2000, 0],
  );
});

test('§7.3.19 E_PAGE_REQUEST: InputAddr[63:12] at [191:140], Span [115:108], pR 103, pW 102, pX 101, uR 99, uW 98, uX 97', () => {
  const w = enc('E_PAGE_REQUEST', { StreamID: 1n, InputAddr: 0x0000_1234_5678_9000n, Span: 0x10n, pR: 1n, uW: 1n });
  assert.deepEqual(w, [0x24, 1, 0, 0x10000 | 0x80 | 0x4, 0x56789000, 0x1234, 0, 0]);
  const all = enc('E_PAGE_REQUEST', { pR: 1n, pW: 1n, pX: 1n, uR: 1n, uW: 1n, uX: 1n });
  assert.equal(all[3], 0b1110_1110); // bits 100 and 96 are RES0
  assert.equal(value(w, 'InputAddr'), 0x1234_5678_9000n);
});

test('round trip: every field of every event at its maximum and at a patterned value', () => {
  for (const e of EVENTS) {
    for (const pattern of ['max', 'alt'] as const) {
      const values = new Map<string, bigint>();
      for (const f of e.fields) {
        if (f.name === 'EventNumber') continue;
        const width = BigInt(f.msb - f.lsb + 1);
        const mask = (1n << width) - 1n;
        const raw = pattern === 'max' ? mask : 0x5a5a_5a5a_5a5a_5a5an & mask;
        values.set(f.name, f.addrShift !== undefined ? raw << BigInt(f.addrShift) : raw);
      }
      const w = encodeEvent(e, values);
      assert.equal(w.length, 8);
      assert.ok(
        w.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff),
        `${e.name}: words are u32`,
      );
      const d = decodeEvent(w);
      assert.equal(d.def, e);
      assert.deepEqual(d.reservedRuns, [], `${e.name} ${pattern}`);
      for (const [name, v] of values)
        assert.equal(d.fields.find((f) => f.field.name === name)?.value, v, `${e.name}.${name} ${pattern}`);
      assert.ok(formatEvent(d).startsWith(e.name));
    }
  }
});

test('encoding rejects a value wider than its field, naming the field', () => {
  assert.throws(() => enc('F_TRANSLATION', { CLASS: 4n }), /CLASS/);
  assert.throws(() => enc('F_TRANSLATION', { StreamID: 1n << 32n }), /StreamID/);
  assert.throws(() => enc('F_STE_FETCH', { FetchAddr: 1n << 56n }), /FetchAddr/);
  assert.throws(() => enc('F_STREAM_DISABLED', { SSV: 1n }), /SSV/);
});

test('decoding: unknown and IMPLEMENTATION DEFINED numbers have no definition; RES0 bits are reported', () => {
  const unknown = decodeEvent([0x0c, 1, 0, 0, 0, 0, 0, 0]);
  assert.equal(unknown.id, 0x0c);
  assert.equal(unknown.def, undefined);
  assert.deepEqual(unknown.fields, []);
  assert.match(formatEvent(unknown), /unknown event 0xC/);
  const impdef = decodeEvent([0xe5, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(impdef.def, undefined);
  assert.match(formatEvent(impdef), /IMPDEF_EVENT 0xE5/);
  // Bit 96 and bits [10:8] are RES0 in F_TRANSLATION.
  const d = decodeEvent([0x10 | 0x700, 3, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(d.reservedRuns, [
    [10, 8],
    [96, 96],
  ]);
  assert.match(formatEvent(d), /RES0 bits set: \[10:8\], 96/);
});

test('eventSummaryMarkdown lists the fields with their bits', () => {
  const md = eventSummaryMarkdown(ev('F_TRANSLATION'));
  assert.match(md, /\*\*F_TRANSLATION\*\* \(event 0x10\)/);
  assert.match(md, /`191:128` \| InputAddr/);
  assert.match(md, /`105:104` \| CLASS .*0 CD, 1 TTD, 2 IN/);
  assert.match(md, /§7\.3\.13/);
});

test('§8 PRI queue entry: StreamID [31:0], SubstreamID [51:32], Priv 58, Exec 59, Read 60, Write 61, L 62, SSV 63, PRGIndex [72:64], PageAddr [127:76]', () => {
  assert.equal(PRI_REQUEST.bits, 128);
  const w = encodePriRequest(
    new Map([
      ['StreamID', 0x12345678n],
      ['SubstreamID', 0xabcden],
      ['Priv', 1n],
      ['Exec', 1n],
      ['Read', 1n],
      ['Write', 1n],
      ['L', 1n],
      ['SSV', 1n],
      ['PRGIndex', 0x1abn],
      ['PageAddr', 0xffff_ffff_ffff_f000n],
    ]),
  );
  assert.deepEqual(w, [0x12345678, 0xfc0abcde, 0xfffff1ab, 0xffffffff]);
  const d = decodePriRequest(w);
  assert.deepEqual(d.reservedRuns, []);
  assert.equal(d.fields.find((f) => f.field.name === 'PageAddr')?.value, 0xffff_ffff_ffff_f000n);
  const one = encodePriRequest(
    new Map([
      ['StreamID', 7n],
      ['Read', 1n],
      ['L', 1n],
      ['PRGIndex', 2n],
      ['PageAddr', 0xabc000n],
    ]),
  );
  assert.deepEqual(one, [7, (1 << 28) | (1 << 30), 0xabc002, 0]);
  assert.equal(formatPriRequest(one), 'PRI_REQUEST StreamID=0x7 Read=1 L=1 PRGIndex=0x2 PageAddr=0xABC000');
  assert.equal(formatPriRequest(decodePriRequest(one)), formatPriRequest(one));
  // Bits [57:52] and [75:73] are RES0.
  assert.deepEqual(decodePriRequest([0, 1 << 20, 1 << 9, 0]).reservedRuns, [
    [52, 52],
    [73, 73],
  ]);
  assert.throws(() => encodePriRequest(new Map([['PRGIndex', 0x200n]])), /PRGIndex/);
});
