/**
 * The compact forms the check's hot paths use instead of general ones, each checked against the
 * general form it replaces: LineRange against `{start, end}` literals, the number paths of
 * bitsBig/setBitsBig against BigInt arithmetic (fast-check, fixed seed), enumOf against a BigInt
 * comparison, the single token shape the parser relies on, the lexer's quick path for number
 * literals against the general rule, and the `cmd` lines' cache of decoded commands against
 * decoding afresh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineRange, spanRanges, startLine, type Range } from '../../../core/base/diagnostics';
import { bitsBig, setBitsBig } from '../../../core/layout/access';
import { enumOf } from '../../../core/registers/codec';
import { lexLine } from '../../../core/script/lexer';
import { decodeEnqueued } from '../../../core/script/actions';
import { decodeCommand, encodeCommand, formatCommand } from '../../../core/commands/codec';
import { findCommand } from '../../../core/commands/table';
import { PRESETS } from '../../../core/config/presets';
import { idViewOf } from '../../../core/model/ids';
import { parseScript } from '../../../core/script/parser';

const SEED = 20261126;

test('LineRange reads, serialises and compares as the {start, end} range it stands for', () => {
  const r = new LineRange(7, 3, 9);
  assert.deepEqual(r.start, { line: 7, character: 3 });
  assert.deepEqual(r.end, { line: 7, character: 9 });
  // The protocol sees the plain form: JSON-RPC serialises with JSON.stringify.
  assert.equal(JSON.stringify(r), JSON.stringify({ start: { line: 7, character: 3 }, end: { line: 7, character: 9 } }));
  assert.equal(startLine(r), 7);
  assert.equal(startLine({ start: { line: 4, character: 0 }, end: { line: 5, character: 1 } }), 4);
});

test('spanRanges: one LineRange on one line, a plain range across lines', () => {
  const a = new LineRange(2, 1, 4);
  const b = new LineRange(2, 8, 12);
  const same = spanRanges(a, b);
  assert.ok(same instanceof LineRange);
  assert.deepEqual(JSON.parse(JSON.stringify(same)), {
    start: { line: 2, character: 1 },
    end: { line: 2, character: 12 },
  });
  const across: Range = spanRanges(a, new LineRange(3, 0, 5));
  assert.ok(!(across instanceof LineRange));
  assert.deepEqual(across, { start: { line: 2, character: 1 }, end: { line: 3, character: 5 } });
});

test('the parser builds its ranges as LineRange (the memory saving depends on it)', () => {
  const p = parseScript('write32 CR0 SMMUEN|CMDQEN\nmap ttb=0x45000000 iova=0x1000 pa=0x2000\n');
  assert.equal(p.statements.length, 2);
  for (const s of p.statements) {
    assert.ok(s.range instanceof LineRange, `${s.kind}: statement range`);
    assert.ok(s.keyword instanceof LineRange, `${s.kind}: keyword range`);
  }
});

test('every token has the same properties in the same order (keeps the parser monomorphic)', () => {
  const line = 'write32 CR0 0x1 "s" "open # c';
  const shapes = new Set(lexLine(line, 0).map((t) => Object.keys(t).join(',')));
  const bad = new Set(
    [...lexLine('0xZZ \u00e9 == ( 12', 1), ...lexLine('# only', 2)].map((t) => Object.keys(t).join(',')),
  );
  assert.deepEqual([...shapes], ['kind,text,range,error,number,string']);
  assert.deepEqual([...bad], ['kind,text,range,error,number,string']);
});

/** The reference: bits [msb:lsb] of little-endian 32-bit words with BigInt arithmetic only. */
function refBits(w: readonly number[], msb: number, lsb: number): bigint {
  let v = 0n;
  for (let i = w.length - 1; i >= 0; i--) v = (v << 32n) | BigInt((w[i] as number) >>> 0);
  return (v >> BigInt(lsb)) & ((1n << BigInt(msb - lsb + 1)) - 1n);
}

function refSet(w: readonly number[], msb: number, lsb: number, value: bigint): number[] {
  let v = 0n;
  for (let i = w.length - 1; i >= 0; i--) v = (v << 32n) | BigInt((w[i] as number) >>> 0);
  const mask = ((1n << BigInt(msb - lsb + 1)) - 1n) << BigInt(lsb);
  v = (v & ~mask) | ((value << BigInt(lsb)) & mask);
  return w.map((_, i) => Number((v >> BigInt(32 * i)) & 0xffff_ffffn));
}

const field = fc
  .record({ lsb: fc.integer({ min: 0, max: 127 }), width: fc.integer({ min: 1, max: 64 }) })
  .filter(({ lsb, width }) => lsb + width <= 128)
  .map(({ lsb, width }) => ({ lsb, msb: lsb + width - 1 }));
const words = fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { minLength: 4, maxLength: 4 });

test('bitsBig equals BigInt arithmetic for every field position and width up to 64 bits', () => {
  fc.assert(
    fc.property(words, field, (w, { msb, lsb }) => {
      assert.equal(bitsBig(w, msb, lsb), refBits(w, msb, lsb));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('setBitsBig equals BigInt arithmetic, values wider than the field cut to it', () => {
  fc.assert(
    fc.property(words, field, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (w, { msb, lsb }, value) => {
      const got = [...w];
      setBitsBig(got, msb, lsb, value);
      assert.deepEqual(got, refSet(w, msb, lsb, value));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('enumOf compares as numbers without matching values beyond 2^53', () => {
  const f = {
    values: [
      { value: 0, name: 'A' },
      { value: 2, name: 'B' },
      { value: 0xffff_ffff, name: 'C' },
    ],
  };
  assert.equal(enumOf(f, 2n)?.name, 'B');
  assert.equal(enumOf(f, 0xffff_ffffn)?.name, 'C');
  assert.equal(enumOf(f, 1n), undefined);
  assert.equal(enumOf(f, (1n << 64n) + 2n), undefined);
  assert.equal(enumOf({}, 0n), undefined);
});

/** The reference for a number literal: the general rule, with BigInt on the cleaned digits. */
function refLiteral(text: string): bigint | undefined {
  const m = /^(0[xX]([0-9a-fA-F]+(?:_+[0-9a-fA-F]+)*)|0[bB]([01]+(?:_+[01]+)*)|([0-9]+(?:_+[0-9]+)*))$/.exec(text);
  if (!m) return undefined;
  const [, , hex, bin, dec] = m;
  const v =
    hex !== undefined
      ? BigInt('0x' + hex.replace(/_/g, ''))
      : bin !== undefined
        ? BigInt('0b' + bin.replace(/_/g, ''))
        : BigInt((dec as string).replace(/_/g, ''));
  return v < 1n << 64n ? v : undefined;
}

test('number literals: the lexer quick path (short hex and decimal) agrees with the general rule (fast-check)', () => {
  const digits = (alphabet: string, max: number) =>
    fc.array(fc.constantFrom(...alphabet), { minLength: 0, maxLength: max }).map((a) => a.join(''));
  const literal = fc.oneof(
    digits('0123456789abcdefABCDEF', 18).map((d) => '0x' + d),
    digits('0123456789ABCDEF', 18).map((d) => '0X' + d),
    digits('0123456789', 22),
    digits('0123456789_', 12),
    digits('01_', 12).map((d) => '0b' + d),
    digits('0123456789abcdef_xz', 16),
  );
  fc.assert(
    fc.property(literal, (text) => {
      const t = lexLine(text, 0);
      const number = t.length === 1 && t[0]?.kind === 'number' ? t[0].number : undefined;
      if (!/^[0-9]/.test(text)) return; // not a number token at all
      assert.equal(number, refLiteral(text), text);
      assert.equal(t[0]?.error === undefined, number !== undefined, text);
    }),
    { seed: SEED, numRuns: 4000 },
  );
});

test('cmd lines: a cached decoding is the decoding afresh, for its own configuration (fast-check)', () => {
  // Commands whose decoding depends on the configuration (stage 2, SIDSIZE, ATS), and random
  // words, from a small pool so that entries are reused and slots collide.
  const enc = (name: string, values: Record<string, bigint>) => {
    const def = findCommand(name);
    assert.ok(def);
    return encodeCommand(def, new Map(Object.entries(values))).words;
  };
  const known = [
    enc('CMD_SYNC', {}),
    enc('CMD_TLBI_S2_IPA', { VMID: 1n, Address: 0x1000n }),
    enc('CMD_CFGI_STE', { StreamID: 0xf_ffffn }),
    enc('CMD_ATC_INV', { StreamID: 1n, Size: 3n }),
  ];
  const word = fc.integer({ min: 0, max: 0xffffffff });
  const random = fc.array(
    fc.tuple(word, word, word, word).map((w) => [...w]),
    { minLength: 1, maxLength: 80 },
  );
  const views = ['qemu', 'smmuv3.2-full', 'xen-vsmmu'].map((n) =>
    idViewOf((PRESETS.get(n) as { config: Parameters<typeof idViewOf>[0] }).config),
  );
  fc.assert(
    fc.property(
      random,
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 2 })), { minLength: 1, maxLength: 300 }),
      (extra, picks) => {
        // Families that differ in one word only, so that some collide in a slot on the other three.
        const family = (at: number) =>
          Array.from({ length: 40 }, (_, k) =>
            (known[0] as number[]).map((w, j) => (j === at ? (w ^ (k << (at === 0 ? 8 : 4))) >>> 0 : w)),
          );
        const pool = [...known, ...extra, ...family(0), ...family(1), ...family(2), ...family(3)];
        for (const [i, v] of picks) {
          const words = pool[i % pool.length] as number[];
          const ids = views[v] as (typeof views)[number];
          const got = decodeEnqueued(words, ids);
          const fresh = decodeCommand(words, ids);
          assert.deepEqual(got.problems, fresh.problems);
          assert.equal(got.text(), formatCommand(fresh));
        }
      },
    ),
    { seed: SEED, numRuns: 200 },
  );
  // The pool does contain commands the configurations decode differently.
  const s2 = known[1] as number[];
  assert.notDeepEqual(
    decodeCommand(s2, views[0] as (typeof views)[number]).problems,
    decodeCommand(s2, views[1] as (typeof views)[number]).problems,
  );
});
