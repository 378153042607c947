/**
 * The parser's shortcut for simple engine arguments (LineParser.simpleArg, core/script/parser.ts):
 * a name, a number or `NAME=number` with no operator after it is read without the expression
 * parser. Every line must parse to the same tree, with the same diagnostics, with the shortcut
 * on and off: the examples' lines, generated scripts, and lines made to sit on the edges of the
 * shortcut (operators, groups, bad numbers, 64 arguments, a comparison right after).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine, PARSER_PATHS } from '../../../core/script/parser';
import { corpusLines, ENGINE_EDGE_LINES } from '../../harness/script-helpers';

const corpus = () => corpusLines(ENGINE_EDGE_LINES, ['examples'], 300);

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
