/**
 * Statements reject the arguments they do not take (#22, "lenient extra args"): a value after the
 * last argument a statement has, a name it does not know, and an argument or field given twice
 * (the second would silently replace the first) are errors at that argument, and the statement
 * does not run. Each case below was accepted without a word before the fix, or reported at the
 * whole line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkScript } from '../../../core/script/check';
import { ENABLED_PRELUDE, memoryHost, presetFile } from '../../harness/script-helpers';

const host = memoryHost({ '/w/qemu.smmu.json': presetFile('qemu') });

/** An SMMU with a linear stream table and both queues, enabled (lines 1–7). */
const PRELUDE = ENABLED_PRELUDE;

/** The errors and warnings of the prelude then `lines`, as `LINE:COLUMN code: message` (1-based, lines after the prelude). */
function problems(...lines: string[]): string[] {
  const c = checkScript([...PRELUDE, ...lines].join('\n'), '/w/s.smmu', host, 'full');
  return c.diagnostics
    .filter((d) => d.severity !== 'info')
    .map(
      (d) =>
        `${d.range.start.line + 1 - PRELUDE.length}:${d.range.start.character + 1} ${String(d.code)}: ${d.message}`,
    );
}

test('doorbell takes no value (only ecmdq=N): `doorbell 7` is an error at the 7, and the doorbell is not rung', () => {
  assert.deepEqual(problems('cmd SYNC', 'doorbell 7', 'read32 CMDQ_CONS == 0', 'read32 CMDQ_PROD == 0'), [
    "2:10 arg.extra: one argument too many: the statement is 'doorbell [ecmdq=N] [secure] [ns]'",
  ]);
  // Rung without the argument, the same command is consumed.
  assert.deepEqual(problems('cmd SYNC', 'doorbell', 'read32 CMDQ_CONS == 1'), []);
});

test('mem abort takes ADDR SIZE: a third value is an error at it, and no range is made to abort', () => {
  assert.deepEqual(
    problems('mem abort 0x40000000 0x1000 0x2000', 'ste 1 V Config=BYPASS', 'dma read sid=1 iova=0x1000 == bypass'),
    ["1:29 arg.extra: one argument too many: the statement is 'mem abort ADDR SIZE'"],
  );
});

test('tables takes ADDR [size=N]: a second value or another name is an error at it', () => {
  assert.deepEqual(problems('tables 0x48000000 0x1000 size=0x2000 sizee=3'), [
    "1:19 arg.extra: one argument too many: the statement is 'tables ADDR [size=N]'",
    "1:38 tables.arg: unknown tables argument 'sizee' (size=); did you mean 'size'?",
  ]);
  assert.deepEqual(problems('tables 0x48000000 size=0x1000 size=0x2000'), [
    "1:31 arg.duplicate: 'size' is given twice: 'tables' takes one size=",
  ]);
});

test('poll takes max=N after its expectation, nothing else', () => {
  assert.deepEqual(problems('poll CR0ACK.SMMUEN == 1 3'), [
    "1:25 arg.extra: one argument too many: the statement is 'poll REG[.FIELD] ==|!= VALUE [max=N]'",
  ]);
  assert.deepEqual(problems('poll CR0ACK.SMMUEN == 1 maxx=3'), [
    "1:25 poll.arg: unknown poll argument 'maxx' (max=); did you mean 'max'?",
  ]);
  assert.deepEqual(problems('poll CR0ACK.SMMUEN == 1 max=3 max=4'), [
    "1:31 arg.duplicate: 'max' is given twice: 'poll' takes one max=",
  ]);
  assert.deepEqual(problems('poll CR0ACK.SMMUEN == 1 max=3'), []);
});

test('cmd raw takes two values: a third is an error at it, not at the line', () => {
  assert.deepEqual(problems('cmd raw 0x46 0 5'), [
    "1:16 cmd.raw: 'cmd raw' takes two 64-bit values: bits [63:0] and [127:64], nothing more",
  ]);
});

test('expect no event takes nothing more: the extra word is the error', () => {
  assert.deepEqual(problems('expect no event 5'), ["1:17 expect.syntax: 'expect no event' takes nothing more"]);
  assert.deepEqual(problems('expect no event'), []);
});

test('a named argument given twice (or by its alias) is an error at the second: dma, pri, map', () => {
  assert.deepEqual(problems('ste 1 V Config=BYPASS', 'dma read sid=1 sid=2 iova=0x1000 == bypass'), [
    "2:16 arg.duplicate: 'sid' is given twice: 'dma' takes one sid=",
  ]);
  assert.deepEqual(problems('ste 1 V Config=BYPASS', 'dma read sid=1 StreamID=2 iova=0x1000 == bypass'), [
    "2:16 arg.duplicate: 'StreamID' is given twice ('sid' is the same argument): 'dma' takes one sid=",
  ]);
  assert.deepEqual(problems('pri sid=1 addr=0x1000 last last'), [
    "1:28 arg.duplicate: 'last' is given twice: 'pri' takes one last",
  ]);
  assert.deepEqual(problems('tables 0x48000000', 'map ttb=0x45000000 iova=0 va=0x1000 pa=0'), [
    "2:27 arg.duplicate: 'va' is given twice ('iova' is the same argument): 'map' takes one iova=",
  ]);
  // A value where none is left says so, with the statement's usage.
  assert.deepEqual(problems('ste 1 V Config=BYPASS', 'dma read sid=1 iova=0x1000 7 == bypass'), [
    "2:28 arg.extra: one argument too many: the statement is 'dma read|write|exec sid=N [ssid=N] iova=A [priv] [ats] [translated] [secure] [ns] [data=V] [step=D] [size=S] [== PA | == OUTCOME | == EVENT]'",
  ]);
});

test('a field given twice is an error at the second: cmd, ste, cd, expect event (and count= twice)', () => {
  assert.deepEqual(problems('cmd CFGI_STE sid=1 StreamID=2'), [
    "1:20 arg.duplicate: CMD_CFGI_STE.StreamID is given twice ('sid' is the same field): give it once",
  ]);
  assert.deepEqual(problems('ste 1 V Config=BYPASS Config=ABORT'), [
    '1:23 arg.duplicate: STE.Config is given twice: give it once',
  ]);
  assert.deepEqual(problems('cd 0x44000000 V V'), ['1:17 arg.duplicate: CD.V is given twice: give it once']);
  assert.deepEqual(problems('expect event F_TRANSLATION StreamID=1 StreamID=2'), [
    '1:39 arg.duplicate: F_TRANSLATION.StreamID is given twice: give it once',
  ]);
  assert.deepEqual(problems('expect event F_TRANSLATION count=1 count=2'), [
    '1:36 expect.count: count= is given twice: give it once',
  ]);
});

test('a constant named like an argument of the statement is a warning at the word: it is the constant there', () => {
  assert.deepEqual(problems('const DATA = 0x40000000', 'ste 1 V Config=BYPASS', 'dma read sid=1 iova=0 data == 5'), [
    "3:23 name.ambiguous: 'data' is the constant DATA here, not dma's argument 'data' (names are matched in any case): rename the constant",
    "3:23 arg.extra: one argument too many: the statement is 'dma read|write|exec sid=N [ssid=N] iova=A [priv] [ats] [translated] [secure] [ns] [data=V] [step=D] [size=S] [== PA | == OUTCOME | == EVENT]'",
  ]);
  assert.deepEqual(problems('const PRIV = 1', 'ste 1 V Config=BYPASS', 'dma read sid=1 iova=0 priv == bypass'), [
    "3:23 name.ambiguous: 'priv' is the constant PRIV here, not dma's argument 'priv' (names are matched in any case): rename the constant",
    "3:23 arg.extra: one argument too many: the statement is 'dma read|write|exec sid=N [ssid=N] iova=A [priv] [ats] [translated] [secure] [ns] [data=V] [step=D] [size=S] [== PA | == OUTCOME | == EVENT]'",
  ]);
});
