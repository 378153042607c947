/**
 * The parser's shortcut for simple engine arguments (LineParser.simpleArg, core/script/parser.ts):
 * a name, a number or `NAME=number` with no operator after it is read without the expression
 * parser. Every line must parse to the same tree, with the same diagnostics, with the shortcut
 * on and off: the examples' lines, generated scripts, and lines made to sit on the edges of the
 * shortcut (operators, groups, bad numbers, 64 arguments, a comparison right after).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { parseLine, PARSER_PATHS } from '../../../core/script/parser';
import { splitLines } from '../../../core/script/lexer';
import { engineScript, wellFormedScript } from '../../harness/script-helpers';
import { root } from '../../harness/root';

const EDGES = [
  'cmd TLBI_NH_VA asid=1 Address=0x1000 Leaf',
  'cmd CFGI_STE sid=3|4 Leaf',
  'cmd CFGI_STE sid=(3) Leaf',
  'cmd CFGI_STE sid=3 + 1',
  'cmd CFGI_STE sid=0xZZ Leaf',
  'cmd CFGI_STE sid= Leaf',
  'cmd CFGI_STE sid=',
  'cmd SYNC CS=SIG_IRQ',
  'dma read sid=1 iova=0x1010 == 0x80000010',
  'dma read sid=1 iova=0x1010==0x80000010',
  'dma read sid=1 iova=0x1010 data == 5 size=4',
  'dma write sid=1 iova=0x10 data=0x1122 step=1 size=16',
  'map ttb=0x45000000 iova=0x10000000 pa=0x80000000',
  'map ttb=0x45000000 iova=0x1000<<12 pa=0x80000000',
  'map ttb=0x45000000 iova=0x10000000 pa=~0',
  'cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000',
  'ste 1 V Config=S1_TRANS S1ContextPtr=0x44000000',
  'expect event F_TRANSLATION StreamID=1 InputAddr=0x2000 RnW=0',
  'cmd raw 0x1 0x2',
  'cmd raw 1 2 3',
  'tables 0x48000000 size=0x4000000',
  'poll CR0ACK == SMMUEN|CMDQEN max=1000',
  'cmd X ' + Array.from({ length: 70 }, (_, i) => `a${i}=${i}`).join(' '),
  'cmd X a=1 = 2',
  'cmd X a=1 b',
  'cmd X 5 6 7',
  'cmd X 5 + 6',
  'cmd X a = 1',
  'cmd X a=1 # comment',
  'cmd X a=99999999999999999999999',
  'doorbell 7',
];

function corpus(): string[] {
  const lines = new Set<string>(EDGES);
  const dir = path.join(root, 'examples');
  for (const f of fs.readdirSync(dir))
    if (f.endsWith('.smmu')) for (const l of splitLines(fs.readFileSync(path.join(dir, f), 'utf8'))) lines.add(l);
  for (const s of fc.sample(fc.oneof(engineScript, wellFormedScript), { seed: 20261206, numRuns: 300 }))
    for (const l of splitLines(s)) lines.add(l);
  return [...lines];
}

/** The parse of a line as plain data (ranges by their JSON form, values as text). */
const shown = (line: string, at: number) =>
  JSON.stringify(parseLine(line, at), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

test('simple arguments parse to the same tree and diagnostics with the shortcut as without it', () => {
  let taken = 0;
  try {
    for (const [i, line] of corpus().entries()) {
      PARSER_PATHS.simpleArgs = false;
      const slow = shown(line, i);
      PARSER_PATHS.simpleArgs = true;
      const fast = shown(line, i);
      assert.equal(fast, slow, line);
      if (/=\s*0x|\b[A-Za-z_]\w*=\d/.test(line)) taken++;
    }
  } finally {
    PARSER_PATHS.simpleArgs = true;
  }
  // The corpus must exercise the shortcut, not only lines it leaves to expr().
  assert.ok(taken > 100, `only ${taken} lines with NAME=number arguments`);
});
