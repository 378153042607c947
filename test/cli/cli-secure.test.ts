/**
 * Secure state from the command line: the smmuv3.3-secure-ats preset checks clean, and the
 * example programs the Secure interface with every expectation met, its Non-secure reads of
 * Secure registers reading zero (docs/engine.md, "Secure state").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { smmu, tmp } from '../harness/cli-harness';
import { root } from '../harness/root';

test('smmu check presets/smmuv3.3-secure-ats.smmu.json: no error and no warning (Secure state, SEL2, ATS, PRI)', () => {
  const r = smmu('check', 'presets/smmuv3.3-secure-ats.smmu.json');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.err, /file checked: 0 errors, 0 warnings/);
  assert.doesNotMatch(r.out, /: (error|warning): /);
  assert.match(
    r.out,
    /secure \(SMMU_S_IDR1\.SECURE_IMPL\) is advertised, but the Secure state is modelled in part.*\(accepted: /,
  );
});

test('examples/secure.smmu: the Secure registers programmed from the Secure state, RAZ from the Non-secure one, all met', () => {
  const r = smmu('run', 'examples/secure.smmu');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  assert.deepEqual(
    r.out
      .split('\n')
      .filter((l) => /\[access\.secure-register\]/.test(l))
      .map((l) => l.split(': note: ')[0]),
    ['examples/secure.smmu:12:8', 'examples/secure.smmu:13:8'],
  );
});

test('smmu run: a Non-secure write to SMMU_S_CR0 is ignored and warned; the Secure one lands', () => {
  const file = tmp(
    'ns-write.smmu',
    [
      `config "${join(root, 'presets', 'smmuv3.3-secure-ats.smmu.json').replace(/\\/g, '/')}"`,
      'write32 S_CR0 SMMUEN ns',
      'read32 S_CR0ACK == 0',
      'write32 S_CR0 SMMUEN',
      'read32 S_CR0ACK == SMMUEN',
      'read32 0x8020 ns == 0',
      '',
    ].join('\n'),
  );
  const r = smmu('run', file);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(
    r.out,
    /ns-write\.smmu:2:15: warning: a Non-secure write to the Secure register SMMU_S_CR0 is ignored \(RAZ\/WI\)/,
  );
  assert.match(r.out, /3\/3 expectations met, 0 errors, 1 warning/);
});

test('examples/secure-streams.smmu: Secure streams through the Secure Stream table, their events in the Secure Event queue, all met', () => {
  const r = smmu('run', 'examples/secure-streams.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  // §3.10.2.1: the Secure stream's records went to the Secure Event queue, the Non-secure one saw none.
  assert.match(r.out, /event +S_EVENTQ\[0\] ← F_TRANSLATION StreamID=0x4 /);
  assert.match(r.out, /event +S_EVENTQ\[1\] ← C_BAD_STREAMID StreamID=0x14 /);
  assert.doesNotMatch(r.out, /event +EVENTQ\[/);
  assert.match(r.out, /fetched Secure STE 3 from 0x000000004E0000C0/);
});
