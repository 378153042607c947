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
    /secure \(SMMU_S_IDR1\.SECURE_IMPL\) is advertised, but Secure streams are not modelled.*\(accepted: /,
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
