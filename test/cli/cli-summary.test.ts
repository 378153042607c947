/**
 * What `smmu run`, `check` and `replay` say at the end, and what they attribute errors to: a
 * summary never claims work that did not happen, and counts read as English.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { smmu, tmp } from '../harness/cli-harness';
import { root } from '../harness/root';

const truncatedPreset = () => fs.readFileSync(path.join(root, 'presets', 'qemu.smmu.json'), 'utf8').slice(0, 300);
const TWENTY = Array.from({ length: 20 }, (_, i) => `read32 CR0ACK == ${i === 0 ? 0 : 0}`).join('\n');

interface RunJson {
  positionBase: { line: number; column: number; range: number };
  config: string;
  diagnostics: { line: number; column: number; range: { start: { line: number; character: number } }; code: string }[];
  summary: {
    expectations: number;
    expectationsMet: number;
    failedExpectations: number;
    notRun: number;
    errors: number;
  };
}

test('a configuration that cannot be loaded: 0/20 expectations met, 20 not run; the configuration is not named as the default', () => {
  const cfg = tmp('broken.smmu.json', truncatedPreset());
  const f = path.join(path.dirname(cfg), 's.smmu');
  fs.writeFileSync(f, `config "broken.smmu.json"\n${TWENTY}\n`);
  const r = smmu('run', f);
  assert.equal(r.code, 1);
  assert.match(r.out, /^0 reads, 0 writes, 0\/20 expectations met, 20 not run, 1 error, 0 warnings$/m, r.out);
  assert.doesNotMatch(r.out, /QEMU/, 'the default configuration did not run anything');
  assert.match(r.out, /^configuration: none: .*broken\.smmu\.json cannot be used/m);
  const j = JSON.parse(smmu('run', f, '--json').out) as RunJson;
  assert.deepEqual(j.summary, {
    ...j.summary,
    expectations: 20,
    expectationsMet: 0,
    failedExpectations: 0,
    notRun: 20,
  });
  assert.doesNotMatch(j.config, /QEMU/);
});

test('an error part-way: the expectations before it ran, those after it did not', () => {
  const f = tmp(
    'mid.smmu',
    [
      'read32 CR0ACK == 0',
      'read32 CR0ACK == 1',
      'read32 NOT_A_REG',
      'read32 CR0ACK == 0',
      'poll CR0ACK == 0',
      'expect no event',
    ].join('\n') + '\n',
  );
  const r = smmu('run', f);
  assert.equal(r.code, 1);
  // Line 1 met, line 2 failed, line 3 stops the model: the read, the poll and the expect on lines 4-6 never ran.
  assert.match(r.out, /^2 reads, 0 writes, 1\/5 expectations met, 3 not run, 2 errors, 0 warnings$/m, r.out);
  const j = JSON.parse(smmu('run', f, '--json').out) as RunJson;
  assert.deepEqual(
    [j.summary.expectations, j.summary.expectationsMet, j.summary.failedExpectations, j.summary.notRun],
    [5, 1, 1, 3],
  );
});

test('an expectation that ran but could not hold is not met: an aborted read, a pri compared with a number', () => {
  const cfg = tmp('abort.smmu.json', '{ "base": "qemu", "choices": { "illegalAccess": "abort" } }');
  const f = path.join(path.dirname(cfg), 'ab.smmu');
  fs.writeFileSync(f, 'read32 0x0002 == 0\npri sid=1 addr=0x1000 == 3\n');
  const r = smmu('run', f, '--config', cfg);
  assert.equal(r.code, 1);
  assert.match(r.out, /:2:\d+: error: expected queued, discarded or unsupported \[pri\.expect\]/);
  assert.match(r.out, /^1 read, 0 writes, 0\/2 expectations met, 3 errors, 1 warning$/m, r.out);
});

test('cmd SYNC == 1 is an error at its ==, not an expectation: nothing is counted as met or run', () => {
  const f = tmp('noexpect.smmu', 'cmd SYNC == 1\nste 1 V == 1\nread32 CR0ACK == 0\n');
  const r = smmu('run', f);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /:1:10: error: 'cmd' takes no expectation: .* \[syntax\.no-expectation\]/);
  assert.match(r.out, /:2:9: error: 'ste' takes no expectation: .* \[syntax\.no-expectation\]/);
  // The read on line 3 comes after the first error: counted, not run.
  assert.match(r.out, /^0 reads, 0 writes, 0\/1 expectation met, 1 not run, 2 errors, 0 warnings$/m, r.out);
});

test('expectations of included files and expect lines count, so met never exceeds the total', () => {
  const inc = tmp('inc.smmu', 'read32 CR0ACK == 1\n');
  const f = path.join(path.dirname(inc), 'main.smmu');
  fs.writeFileSync(f, 'include "inc.smmu"\nexpect no event\n');
  const r = smmu('run', f);
  assert.equal(r.code, 1);
  assert.match(r.out, /^1 read, 0 writes, 1\/2 expectations met, 1 error, 0 warnings$/m, r.out);
});

test('counts are English: 1 read, 1 write, 1 expectation, 1 file, 1 record', () => {
  const f = tmp('one.smmu', 'write32 CR0 0\nread32 CR0ACK == 0\n');
  const r = smmu('run', f);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^1 read, 1 write, 1\/1 expectation met, 0 errors, 0 warnings$/m);
  assert.match(smmu('check', f).err, /^1 file checked: 0 errors, 0 warnings$/m);
  const t = smmu('replay', tmp('one.smmutrace', 'R 0x00 4 0x0D44101A\n'));
  assert.match(t.out, /^1 record \(1 read, 0 writes\): /m, t.out);
});

test("--config that cannot be used is the option's error, at the configuration file's own lines; nothing runs (exit 2)", () => {
  const cfg = tmp('broken.smmu.json', truncatedPreset());
  const f = path.join(path.dirname(cfg), 'uses.smmu');
  fs.writeFileSync(f, 'config "../elsewhere.smmu.json"\nread32 CR0ACK == 0\n');
  for (const cmd of ['run', 'check', 'replay', 'decode']) {
    const operands =
      cmd === 'replay' ? [tmp('t.smmutrace', 'R 0x00 4 0x0D44101A\n')] : cmd === 'decode' ? ['CR0', '1'] : [f];
    const r = smmu(cmd, ...operands, '--config', cfg);
    assert.equal(r.code, 2, `${cmd}: ${r.out}${r.err}`);
    assert.equal(r.out, '', cmd);
    assert.match(
      r.err,
      new RegExp(
        `^smmu ${cmd}: --config ${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the configuration has \\d+ errors; nothing was run\\n`,
      ),
      r.err,
    );
    assert.match(
      r.err,
      new RegExp(`^${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: error: .*\\[config\\.syntax\\]$`, 'm'),
      r.err,
    );
    assert.doesNotMatch(r.err, /QEMU|uses\.smmu:/);
  }
});

test('--trace prints each statement without its comment, then the result', () => {
  const f = tmp('c.smmu', 'read32 CR0ACK   # the ack register\nwrite32 CR0 0 # disable\n');
  const r = smmu('run', f, '--trace');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /:1: read32 CR0ACK → 0x00000000\n/);
  assert.doesNotMatch(r.out, /#/);
});

test('--json says which positions count from 1 and which from 0, and gives both for every diagnostic', () => {
  const f = tmp('pos.smmu', 'write32 CR0 0\n  read32 NOT_A_REG\n');
  const text = smmu('check', f);
  const gccLine = /pos\.smmu:(\d+):(\d+): error: .*NOT_A_REG/.exec(text.out);
  assert.ok(gccLine, text.out);
  const check = JSON.parse(smmu('check', f, '--json').out) as {
    positionBase: RunJson['positionBase'];
    files: { diagnostics: RunJson['diagnostics'] }[];
  };
  assert.deepEqual(check.positionBase, { line: 1, column: 1, range: 0 });
  const d = check.files[0]?.diagnostics.find((x) => x.code === 'name.unknown-register');
  assert.ok(d);
  assert.deepEqual([d.line, d.column], [Number(gccLine[1]), Number(gccLine[2])]);
  assert.deepEqual(d.range.start, { line: Number(gccLine[1]) - 1, character: Number(gccLine[2]) - 1 });
  const run = JSON.parse(smmu('run', f, '--json').out) as RunJson;
  assert.deepEqual(run.positionBase, check.positionBase);
  const replay = JSON.parse(
    smmu('replay', path.join(root, 'examples', 'vsmmu-locking.smmutrace'), '--json').out,
  ) as RunJson;
  assert.deepEqual(replay.positionBase, check.positionBase);
  for (const x of replay.diagnostics)
    assert.deepEqual([x.line, x.column], [x.range.start.line + 1, x.range.start.character + 1]);
});

test('one hex case in the output, upper case as the decoders print it: results, activity and messages alike', () => {
  const lowerHex = /0x[0-9A-F_]*[a-f]/;
  // --trace echoes each statement as written; what the tool itself prints follows the arrow.
  const produced = (out: string) =>
    out.split('\n').map((l) => (/^[^\s:]+:\d+: /.test(l) ? l.slice(l.indexOf(' → ') + 1 || l.length) : l));
  const bringup = smmu('run', 'examples/linux-bringup.smmu', '--trace');
  assert.match(bringup.out, /the level 3 descriptor at 0x40402F80 is invalid/);
  for (const l of produced(bringup.out)) assert.doesNotMatch(l, lowerHex, l);
  const enc = tmp(
    'enc.smmu',
    'write64 STRTAB_BASE 0x40000000\nwrite32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8\nste 3 V Config=S1_TRANS S1ContextPtr=0x4030000a\n',
  );
  const r = smmu('run', enc);
  assert.match(r.out, /error: 0x4030000A is not 64-byte aligned/);
  for (const l of produced(r.out)) assert.doesNotMatch(l, lowerHex, l);
});
