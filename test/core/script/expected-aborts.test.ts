/**
 * `readN REG == abort`, `writeN REG VALUE == abort` and `!= abort` (docs/script-language.md,
 * "Expected aborts"): parsed, resolved and run on the model through the real interpreter, against
 * configurations whose CONSTRAINED UNPREDICTABLE choices (§6.2) abort or do not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RegisterStatement } from '../../../core/script/ast';
import { Engine } from '../../../core/engine/engine';
import { run, type RunResult } from '../../../core/script/interpreter';
import { parseScript } from '../../../core/script/parser';
import { analyzeScript, type RegisterAccess } from '../../../core/script/resolve';
import type { UnpredictableChoices } from '../../../core/config/types';
import { config } from '../../harness/helpers';
import { r } from '../../harness/script-helpers';

const ABORTS: Partial<UnpredictableChoices> = { illegalAccess: 'abort', illegal64BitAccess: 'abort' };
const RAZWI: Partial<UnpredictableChoices> = { illegalAccess: 'raz-wi', illegal64BitAccess: 'raz-wi' };

function runWith(text: string, choices: Partial<UnpredictableChoices>): RunResult & { engine: Engine } {
  const resolved = analyzeScript(text);
  assert.deepEqual(
    resolved.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
    text,
  );
  const engine = new Engine(config({}, choices));
  return { ...run(resolved.statements, engine), engine };
}

const shown = (res: RunResult) =>
  res.diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character} ${d.severity} ${d.code}`);

test('parser: abort alone after == or != is the abort expectation, after a read and after a write', () => {
  const one = (text: string) => {
    const p = parseScript(text);
    assert.deepEqual(p.diagnostics, [], text);
    return p.statements[0] as RegisterStatement;
  };
  const rd = one('read16 0x0022 == abort');
  assert.equal(rd.expect?.abort, true);
  assert.equal(rd.expect?.op, '==');
  assert.deepEqual(
    [rd.expect?.range, rd.expect?.opRange, rd.expect?.value.range, rd.range],
    [r(0, 14, 22), r(0, 14, 16), r(0, 17, 22), r(0, 0, 22)],
  );
  const wr = one('write32 CR0 SMMUEN != abort  # a comment');
  assert.equal(wr.value?.kind, 'name');
  assert.equal(wr.expect?.abort, true);
  assert.equal(wr.expect?.op, '!=');
  assert.deepEqual(wr.range, r(0, 0, 27));
  // Not the keyword: another case, or part of an expression (GBPA.ABORT is a field).
  assert.equal(one('read32 GBPA == ABORT').expect?.abort, undefined);
  assert.equal(one('read32 GBPA == abort | 1').expect?.abort, undefined);
  assert.equal(one('read32 GBPA == (abort)').expect?.abort, undefined);
  // A write compares nothing else.
  const bad = parseScript('write32 CR0 1 == 2').diagnostics;
  assert.deepEqual(
    bad.map((d) => [d.code, d.message, d.range]),
    [
      [
        'syntax.expected',
        "expected 'abort' after '==', found '2': a write returns no value to compare, only whether it took an external abort ('== abort')",
        r(0, 17, 18),
      ],
    ],
  );
  assert.equal(parseScript('write32 CR0 1 !=').diagnostics[0]?.code, 'syntax.expected');
  assert.equal(parseScript('write32 CR0 1 == abort 2').diagnostics[0]?.code, 'syntax.expected');
});

test('resolver: a named register takes any size with an abort expectation; fields and guest memory do not abort', () => {
  const res = analyzeScript(
    [
      'read16 CR0 == abort',
      'write64 CR0 SMMUEN == abort',
      'read64 CMDQ_BASE+4 != abort',
      'read16 CR0',
      'read32 CR0+2 == abort',
    ].join('\n'),
  );
  assert.deepEqual(
    res.diagnostics.map((d) => [d.range.start.line, d.code]),
    [
      [3, 'access.named-size'],
      [4, 'target.outside-register'],
    ],
  );
  const [a, b, c] = res.statements as RegisterAccess[];
  assert.deepEqual([a?.offset, a?.size, a?.abort?.op, a?.expect], [0x20, 2, '==', undefined]);
  assert.deepEqual([b?.offset, b?.size, b?.value, b?.abort?.op], [0x20, 8, 1n, '==']);
  assert.deepEqual([c?.offset, c?.size, c?.abort?.op, c?.abort?.range], [0x94, 8, '!=', r(2, 19, 27)]);

  const errs = analyzeScript(
    ['read32 CR0.SMMUEN == abort', 'mem read32 0x1000 == abort', 'mem write32 0x1000 1 != abort'].join('\n'),
  ).diagnostics;
  assert.deepEqual(
    errs.map((d) => [d.range.start.line, d.code, d.range.start.character]),
    [
      [0, 'expect.abort-field', 11],
      [1, 'expect.abort-memory', 18],
      [2, 'expect.abort-memory', 21],
    ],
  );
  // GBPA has a field ABORT: the keyword wins, with a warning that says how to compare the field.
  const g = analyzeScript('read32 GBPA == abort').diagnostics;
  assert.deepEqual(
    g.map((d) => [d.severity, d.code, d.message]),
    [
      [
        'warning',
        'name.ambiguous',
        "'abort' after '==' expects the access to take an external abort; to compare the field SMMU_GBPA.ABORT, write read32 GBPA.ABORT == 1",
      ],
    ],
  );
});

test('every size at every offset of CR0 and CR0ACK: == abort holds exactly where §6.2 makes the access illegal and the configuration aborts', () => {
  for (const bits of [8, 16, 32, 64]) {
    for (let offset = 0x20; offset < 0x28; offset++) {
      const size = bits / 8;
      // Legal: an aligned 32-bit access (CR0 at 0x20, CR0ACK at 0x24); no 64-bit register is here.
      const legal = size === 4 && offset % 4 === 0;
      const off = `0x${offset.toString(16)}`;
      for (const op of ['read', 'write'] as const) {
        const line = `${op}${bits} ${off}${op === 'write' ? ' 0' : ''} == abort`;
        const aborting = runWith(line, ABORTS);
        assert.equal(aborting.counts.expectationsRun, 1, line);
        assert.equal(aborting.counts.expectationsMet, legal ? 0 : 1, `${line}: met with abort choices`);
        assert.equal(aborting.failedExpectations, legal ? 1 : 0, line);
        // The illegal access is the line's subject: its rule is a note, and no access.abort error.
        assert.deepEqual(
          aborting.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
          legal ? ['expect.failed'] : [],
          line,
        );
        const raz = runWith(line, RAZWI);
        assert.equal(raz.counts.expectationsMet, 0, `${line}: never met with RAZ/WI choices`);
        const not = runWith(line.replace('==', '!='), RAZWI);
        assert.equal(not.counts.expectationsMet, 1, `${line.replace('==', '!=')} holds with RAZ/WI choices`);
      }
    }
  }
  // A 64-bit register takes aligned 64-bit accesses, and its halves aligned 32-bit ones.
  assert.equal(
    runWith('read64 CMDQ_BASE != abort\nread32 CMDQ_BASE+4 != abort\nread64 0x94 == abort', ABORTS).counts
      .expectationsMet,
    3,
  );
});

test('a failed == abort names the choice and the value that would abort, or says no choice does', () => {
  const res = runWith(
    [
      'read8 0x0021 == abort',
      'write64 CR0 1 == abort',
      'read32 CR0 == abort',
      'read32 0x00A8 == abort',
      'read32 0x0F00 == abort',
      'read32 0x10F00 == abort',
      'read32 0x30000 == abort',
    ].join('\n'),
    RAZWI,
  );
  const failed = res.diagnostics
    .filter((d) => d.code === 'expect.failed')
    .map((d) => [d.range.start.line + 1, d.message]);
  assert.deepEqual(failed, [
    [
      1,
      'the 8-bit read at SMMU_CR0+1 (0x0021) did not abort: it is illegal (§6.2), and this configuration\'s choices.illegalAccess is "raz-wi"; "choices": { "illegalAccess": "abort" } in the configuration makes it abort',
    ],
    [
      2,
      'the 64-bit write at SMMU_CR0 (0x0020) did not abort: it is illegal (§6.2), and this configuration\'s choices.illegal64BitAccess is "raz-wi"; "choices": { "illegal64BitAccess": "abort" } in the configuration makes it abort',
    ],
    [
      3,
      'the 32-bit read at SMMU_CR0 (0x0020) did not abort, and no configuration choice makes it abort: it is a legal access to SMMU_CR0, which must work (§6.2)',
    ],
    [
      4,
      'the 32-bit read at 0x00A8 did not abort, and no configuration choice makes it abort: the page-0 offset of a page-1 register aliases the register or is RAZ/WI (§6.2.1; choices.page0AliasOfPage1 is "raz-wi")',
    ],
    [
      5,
      'the 32-bit read at 0x0F00 did not abort, and no configuration choice makes it abort: an undefined page-0 location is RES0 (§6.2)',
    ],
    [
      6,
      'the 32-bit read at 0x10F00 did not abort, and no configuration choice makes it abort: an undefined page-1 location is RES0 or an alias of page 0 (§6.2; choices.page1Undefined is "res0")',
    ],
    [
      7,
      'the 32-bit read at 0x30000 did not abort, and no configuration choice makes it abort: the model reads offsets beyond page 0, page 1 and the pages the configuration advertises (VATOS, Command queue control pages) as zero and ignores writes there (§6.1)',
    ],
  ]);
  assert.equal(res.failedExpectations, 7);
  assert.deepEqual([res.counts.expectationsRun, res.counts.expectationsMet], [7, 0]);
  // The failure is at the expectation.
  assert.deepEqual(res.diagnostics.find((d) => d.code === 'expect.failed')?.range, r(0, 13, 21));
});

test('a failed != abort says which choice aborted it; the aborted write changed nothing', () => {
  const res = runWith('write16 CR0 1 != abort\nread32 CR0 == 0', ABORTS);
  assert.deepEqual(shown(res), ['1:8 info access.size', '1:14 error expect.failed']);
  assert.equal(
    res.diagnostics[1]?.message,
    'the 16-bit write at SMMU_CR0 (0x0020) took an external abort: it is illegal (§6.2) and this configuration\'s choices.illegalAccess is "abort"; "raz-wi" makes it RAZ/WI',
  );
  assert.deepEqual([res.counts.expectationsRun, res.counts.expectationsMet], [2, 1]);
  assert.equal(res.observations[0]?.ok, false);
  // Without an expectation the same abort is still the script's error.
  assert.deepEqual(shown(runWith('write16 0x20 1', ABORTS)), ['1:8 error access.size', '1:8 error access.abort']);
});
