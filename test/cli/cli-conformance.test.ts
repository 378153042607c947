/**
 * `smmu run` on the forms a conformance suite needs (issue 23): expected aborts against
 * configurations that abort or do not, arithmetic, and `expect event … count=N`; exit status and
 * summaries count what ran and held.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { smmu, tmp } from '../harness/cli-harness';

const ABORTS = [
  'read8   0x0021 == abort',
  'read32  0x0022 == abort',
  'write16 CR0 SMMUEN == abort',
  'read64  CR0 != abort',
  'read32  CR0 != abort',
  'read32  CR0 == 0',
].join('\n');

interface RunJson {
  diagnostics: { line: number; column: number; severity: string; code: string; message: string }[];
  observations: { line: number; ok: boolean }[];
  summary: {
    expectations: number;
    expectationsMet: number;
    failedExpectations: number;
    notRun: number;
    errors: number;
    warnings: number;
  };
}

test('expected aborts on QEMU 7.2\u2019s choices hold (exit 0); on RAZ/WI choices they fail and name the choice to change', () => {
  const f = tmp('aborts.smmu', `config "qemu-7.2.smmu.json"\n${ABORTS}\n`);
  fs.copyFileSync(path.join('presets', 'qemu-7.2.smmu.json'), path.join(path.dirname(f), 'qemu-7.2.smmu.json'));
  const ok = smmu('run', f);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /^5 reads, 1 write, 6\/6 expectations met, 0 errors, 0 warnings$/m);
  // The illegal accesses are notes on lines that expect them.
  assert.match(ok.out, /:2:9: note: 8-bit access at 0x0021: .* \[access\.size\]/);
  const j = JSON.parse(smmu('run', f, '--json').out) as RunJson;
  assert.deepEqual(
    j.observations.map((o) => [o.line, o.ok]),
    [
      [2, false],
      [3, false],
      [4, false],
      [5, true],
      [6, true],
      [7, true],
    ],
  );

  // --trace says what an aborted access did: nothing was read or written.
  const trace = smmu('run', f, '--trace').out;
  assert.match(trace, /:2: read8 {3}0x0021 == abort → abort$/m);
  assert.match(trace, /:4: write16 CR0 SMMUEN == abort → abort$/m);
  assert.match(trace, /:7: read32 {2}CR0 == 0 → 0x00000000$/m);

  const raz = tmp('raz.smmu.json', '{ "base": "qemu-7.2", "choices": { "illegalAccess": "raz-wi" } }');
  const bad = smmu('run', f, '--config', raz);
  assert.equal(bad.code, 1, bad.out);
  assert.match(
    bad.out,
    /:2:16: error: the 8-bit read at SMMU_CR0\+1 \(0x0021\) did not abort: it is illegal \(§6\.2\), and this configuration's choices\.illegalAccess is "raz-wi"; "choices": \{ "illegalAccess": "abort" \} in the configuration makes it abort \[expect\.failed\]/,
  );
  assert.match(bad.out, /^5 reads, 1 write, 3\/6 expectations met, 3 errors, 0 warnings$/m, bad.out);
});

test('arithmetic in values and addresses; division by zero is an error at the operator, nothing runs', () => {
  const f = tmp(
    'arith.smmu',
    [
      'const Q = 0x40000000',
      'mem write64 (Q + 3 * 8) 100 / 7 * 7 + 100 % 7',
      'mem read64 Q + 24 == 100',
      'write32 CR0 1 % (1 - 1)',
    ].join('\n') + '\n',
  );
  const r = smmu('run', f);
  assert.equal(r.code, 1);
  assert.match(r.out, /:4:15: error: remainder by zero: the right operand of '%' is 0 \[value\.division-by-zero\]/);
  assert.match(r.out, /^1 read, 1 write, 1\/1 expectation met, 1 error, 0 warnings$/m, r.out);
});

test('expect event … count=N counts as one expectation, met or failed', () => {
  const prelude = [
    'write64 STRTAB_BASE 0x40000000',
    'write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8',
    'write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=8',
    'write32 CR0 SMMUEN|EVENTQEN',
    'tables 0x48000000',
    'cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R A ASID=1 TTB0=0x45000000',
    'ste 1 V Config=S1_TRANS S1ContextPtr=0x44000000',
    'dma read sid=1 iova=0x20000000 == F_TRANSLATION',
    'dma read sid=1 iova=0x20000000 == F_TRANSLATION',
  ];
  const ok = smmu(
    'run',
    tmp(
      'count.smmu',
      [...prelude, 'expect event F_TRANSLATION StreamID=1 count=2', 'expect no event'].join('\n') + '\n',
    ),
  );
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /^0 reads, 4 writes, 4\/4 expectations met, 0 errors, 0 warnings$/m);
  const three = smmu(
    'run',
    tmp('count3.smmu', [...prelude, 'expect event F_TRANSLATION StreamID=1 count=3'].join('\n') + '\n'),
  );
  assert.equal(three.code, 1);
  assert.match(
    three.out,
    /:10:39: error: 2 records were written \(F_TRANSLATION StreamID=0x1 RnW=READ CLASS=IN InputAddr=0x20000000\), expected 3 \[expect\.failed\]/,
  );
  assert.match(three.out, /^0 reads, 4 writes, 2\/3 expectations met, 1 error, 0 warnings$/m);
});
