/**
 * The reader of common engine lines without tokens (core/script/fast-line.ts) against the parser:
 * every line must parse to the same tree, property order and ranges included, and to the same
 * diagnostic, with the reader on and off. The lines: the examples' and fixtures', generated
 * scripts, lines made to sit on the reader's edges, and generated lines of its own shape with
 * spaces, comments, literals and operators where they may or may not be.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fastEngineLine } from '../../../core/script/fast-line';
import { parseLine, PARSER_PATHS } from '../../../core/script/parser';
import { splitLines } from '../../../core/script/lexer';
import { STATEMENT_TABLE } from '../../../core/script/statements';
import { corpusLines, ENGINE_EDGE_LINES } from '../../harness/script-helpers';
import { longScript } from '../../harness/long-script';

const EDGES = [
  'cmd TLBI_NH_VA asid=1 Address=0x1000 Leaf',
  'cmd TLBI_NH_VA asid=1 Address=0x1000 Leaf # invalidate',
  'cmd TLBI_NH_VA asid=1 Address=0x1000 Leaf# invalidate',
  '   cmd   SYNC   ',
  'cmd\tSYNC',
  '\tcmd SYNC',
  '\uFEFFcmd SYNC',
  'cmd SYNC\v',
  'cmd SYNC\f',
  'cmd SYNC\u00a0',
  'cmd SYNC#',
  'cmd#',
  'cmd',
  'doorbell',
  'doorbell 7',
  'doorbell ==',
  'doorbell == 1',
  'cmd CFGI_STE sid=3|4 Leaf',
  'cmd CFGI_STE sid=(3) Leaf',
  'cmd CFGI_STE sid=3 + 1',
  'cmd CFGI_STE sid=3 +1',
  'cmd CFGI_STE sid=0xZZ Leaf',
  'cmd CFGI_STE sid=0x Leaf',
  'cmd CFGI_STE sid=0x1_000 Leaf',
  'cmd CFGI_STE sid=0b101 Leaf',
  'cmd CFGI_STE sid=1e5 Leaf',
  'cmd CFGI_STE sid=0o17',
  'cmd CFGI_STE sid=0x1234567890abc',
  'cmd CFGI_STE sid=0x1234567890abcd',
  'cmd CFGI_STE sid=123456789012345',
  'cmd CFGI_STE sid=1234567890123456',
  'cmd CFGI_STE sid=99999999999999999999999',
  'cmd CFGI_STE sid= Leaf',
  'cmd CFGI_STE sid =1',
  'cmd CFGI_STE sid = 1',
  'cmd CFGI_STE sid=',
  'cmd CFGI_STE sid==1',
  'cmd CFGI_STE sid=-1',
  'cmd CFGI_STE sid=~0',
  'cmd CFGI_STE 5=3',
  'cmd CFGI_STE 5x',
  'cmd SYNC CS=SIG_IRQ',
  'cmd SYNC CS=SIG_IRQ Leaf',
  'dma read sid=1 iova=0x1010 == 0x80000010',
  'dma read sid=1 iova=0x1010 == 0x80000010 # the PA',
  'dma read sid=1 iova=0x1010 == 0x80000010# the PA',
  'dma read sid=1 iova=0x1010   ==   0x80000010   ',
  'dma read sid=1 iova=0x1010==0x80000010',
  'dma read sid=1 iova=0x1010 ==0x80000010',
  'dma read sid=1 iova=0x1010 == 0x80000010 size=4',
  'dma read sid=1 iova=0x1010 == translated',
  'dma read sid=1 iova=0x1010 != abort',
  'dma read sid=1 iova=0x1010 == F_TRANSLATION',
  'dma read sid=1 iova=0x1010 == F_TRANSLATION=1',
  'dma read sid=1 iova=0x1010 == 0x80000010 | 1',
  'dma read sid=1 iova=0x1010 == (1)',
  'dma read sid=1 iova=0x1010 ==',
  'dma read sid=1 iova=0x1010 == ',
  'dma read sid=1 iova=0x1010 == 0x1g',
  'dma read sid=1 iova=0x1010 data == 5 size=4',
  'dma write sid=1 iova=0x10 data=0x1122 step=1 size=16',
  'dma read 1 iova=0x1010',
  'dma',
  'map ttb=0x45000000 iova=0x10000000 pa=0x80000000',
  'map ttb=0x45000000 iova=0x10000000 pa=0x80000000 == 1',
  'map ttb=0x45000000 iova=0x1000<<12 pa=0x80000000',
  'map ttb=0x45000000 iova=0x10000000 pa=~0',
  'map ttb=0x45000000 iova=0x10000000 pa=0x80000000 ro xn user',
  'cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000',
  'ste 1 V Config=S1_TRANS S1ContextPtr=0x44000000',
  'expect event F_TRANSLATION StreamID=1 InputAddr=0x2000 RnW=0',
  'expect event F_TRANSLATION StreamID=1 == 2',
  'expect msi',
  'cmd raw 0x1 0x2',
  'cmd raw 1 2 3',
  'tables 0x48000000 size=0x4000000',
  'poll CR0ACK == SMMUEN|CMDQEN max=1000',
  'poll CR0ACK == 1',
  'mem abort 0x1000',
  'mem read32 0x1000 == 0',
  'read32 GERROR == 0',
  'write32 CR0 SMMUEN|CMDQEN|EVENTQEN',
  'config "x.smmu.json"',
  'const A = 1',
  'cmd X ' + Array.from({ length: 63 }, (_, i) => `a${i}=${i}`).join(' '),
  'cmd X ' + Array.from({ length: 64 }, (_, i) => `a${i}=${i}`).join(' '),
  'cmd X ' + Array.from({ length: 65 }, (_, i) => `a${i}=${i}`).join(' '),
  'cmd X ' + Array.from({ length: 70 }, (_, i) => `a${i}`).join(' '),
  'cmd X a=1 "string"',
  'cmd X "string"',
  'cmd X é=1',
  'cmd X a=1\u2028',
  'Cmd SYNC',
  'CMD SYNC',
  'nope SYNC',
  '_ SYNC',
  'cmd _ _=0',
  'cmd SYNC constructor=1 __proto__',
];

const corpus = () => [
  ...corpusLines([...ENGINE_EDGE_LINES, ...EDGES], ['examples', 'test/fixtures', 'test/vscode/workspace'], 400),
  ...splitLines(longScript(200)),
];

/** The parse of a line as plain data, in property order (ranges by their JSON form, values as text). */
const shown = (line: string, at: number) =>
  JSON.stringify(parseLine(line, at), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

function sameWithAndWithout(line: string, at: number): void {
  try {
    PARSER_PATHS.fastLines = false;
    const slow = shown(line, at);
    PARSER_PATHS.fastLines = true;
    const fast = shown(line, at);
    assert.equal(fast, slow, JSON.stringify(line));
  } finally {
    PARSER_PATHS.fastLines = true;
  }
}

test('lines parse to the same tree and diagnostics with the token-free reader as without it', () => {
  let taken = 0;
  const lines = corpus();
  for (const [i, line] of lines.entries()) {
    sameWithAndWithout(line, i);
    if (fastEngineLine(line, i, STATEMENT_TABLE) !== undefined) taken++;
  }
  // The corpus must exercise the reader, not only lines it leaves to the parser.
  assert.ok(taken > 300, `only ${taken} of ${lines.length} lines took the token-free reader`);
});

test('the reader takes the bench script’s map, dma and cmd lines, and leaves what it does not know', () => {
  for (const l of [
    'map ttb=0x45000000 iova=0x10000000 pa=0x80000000',
    'dma read sid=1 iova=0x10000010 == 0x80000010',
    'cmd TLBI_NH_VA asid=1 Address=0x10000000 Leaf',
    'cmd SYNC',
    'doorbell',
  ])
    assert.ok(fastEngineLine(l, 0, STATEMENT_TABLE), l);
  for (const l of [
    'read32 GERROR == 0',
    'poll CR0ACK == 1',
    'cmd\tSYNC',
    'dma read sid=1 iova=0x10|1',
    'doorbell == 1',
  ])
    assert.equal(fastEngineLine(l, 0, STATEMENT_TABLE), undefined, l);
});

/** Engine-like lines from pieces the reader handles and pieces it must leave alone. */
const piece = fc.oneof(
  fc.constantFrom('sid=1', 'Address=0x1000', 'Leaf', 'asid=0x1', 'x=0', '7', '0x10', 'a_b=15', '_', 'V'),
  fc.constantFrom(
    'a=0x',
    'a=1x',
    'a=0b1',
    'a=1_0',
    'a==1',
    'a=(1)',
    'a=~1',
    '|',
    '+',
    '(',
    ')',
    '-1',
    '"s"',
    '=',
    '<<',
  ),
  fc.constantFrom('== 1', '!= 0x2', '== abort', '==', '== x=1', '== 1 2', '==1'),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => `n=0x${v.toString(16)}`),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => `${v}`),
);
const separator = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '', ' # c', '#');
const engineLike = fc
  .tuple(
    fc.constantFrom('cmd', 'dma', 'map', 'doorbell', 'expect', 'tables', 'ste', 'cd', 'poll', 'mem', 'Dma', 'nope'),
    fc.array(fc.tuple(separator, piece), { maxLength: 8 }),
    fc.constantFrom('', ' ', '# x', ' # x', '\t'),
  )
  .map(([kw, rest, tail]) => kw + rest.map(([s, p]) => s + p).join('') + tail);

test('generated engine-like lines parse the same with the reader as without it', () => {
  fc.assert(
    fc.property(engineLike, fc.nat(20000), (line, at) => {
      sameWithAndWithout(line, at);
    }),
    { numRuns: 3000, seed: 20261206 },
  );
});
