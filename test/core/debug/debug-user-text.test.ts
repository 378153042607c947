/**
 * What a user types into the debugger, read in time linear in its length whatever it holds: a
 * breakpoint's hit count (DAP `hitCondition`), a logpoint's message, and console input. Each was
 * a regular expression that backtracked quadratically on a long run of one character (found by
 * scanning every regular expression of core/, server/ and client/ with `recheck`); a hang here
 * fails the run by its timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { DebugRuntime } from '../../../core/debug/runtime';
import { fileHost } from '../../../server/file-host';
import { root } from '../../harness/root';

function runtime(): DebugRuntime {
  const r = DebugRuntime.launch(path.join(root, 'examples', 'linux-bringup.smmu'), fileHost);
  assert.ok(r.runtime, r.error);
  return r.runtime;
}

test(
  'hit counts with blanks around them are read; a long run of blanks before anything else is refused',
  { timeout: 10_000 },
  () => {
    const rt = runtime();
    const line = rt.setBreakpoints([{ line: 20 }])[0]!.line;
    for (const hitCondition of ['3', ' >= 3 ', '\t%\t2\t', '==4']) {
      const [b] = rt.setBreakpoints([{ line, hitCondition }]);
      assert.equal(b!.verified, true, `${JSON.stringify(hitCondition)}: ${b!.message}`);
    }
    // `^\s*(op)?\s*(\d+)\s*$` backtracked over every split of such a run (100,000 blanks took 7 s,
    // so 200,000 about 28 s, past this test's timeout).
    for (const blank of [' ', '\f', '\u00a0']) {
      const [b] = rt.setBreakpoints([{ line, hitCondition: `${blank.repeat(200_000)}x` }]);
      assert.equal(b!.verified, false);
      assert.match(b!.message ?? '', /is not understood: use N, == N, >= N, > N or % N/);
    }
  },
);

test("a logpoint's message of many `{` and no `}` is left as it is", { timeout: 10_000 }, () => {
  const rt = runtime();
  const braces = '{'.repeat(200_000);
  assert.equal(rt.interpolate(`RD ${braces}`), `RD ${braces}`);
  assert.match(rt.interpolate('{ {1 + 1} }'), /^\{ 0x0*2 \}$|^\{ 2 \}$/);
});

test(
  'console input: `decode REG VALUE` with blanks, and a long run of blanks after decode REG',
  { timeout: 10_000 },
  () => {
    const rt = runtime();
    assert.match(rt.evaluate('decode CR0\t\t 0x1', false), /SMMUEN/);
    // `\s+(.+)$` split a run of blanks every way before the line break failed the match.
    assert.throws(() => rt.evaluate(`decode CR0 ${'\t'.repeat(200_000)}\u0000\nx`, false), Error);
  },
);
