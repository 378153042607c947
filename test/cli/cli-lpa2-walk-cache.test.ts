/**
 * LPA2 and walk caches from the command line: the smmuv3.4-lpa2 preset checks clean, and the two
 * examples run with every expectation met, the walk cache example naming its stale walk where it
 * happens (docs/engine.md, "Walk caches" and "LPA2").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smmu } from '../harness/cli-harness';

test('smmu check presets/smmuv3.4-lpa2.smmu.json: no error and no warning (SMMU_IDR5.DS with what v3.4 makes mandatory)', () => {
  const r = smmu('check', 'presets/smmuv3.4-lpa2.smmu.json');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.err, /file checked: 0 errors, 0 warnings/);
  assert.doesNotMatch(r.out, /: (error|warning): /);
});

test('examples/lpa2.smmu: 52-bit walks from level -1 (4 KB), a 16 KB level 1 block and a stage 2 level -1 start, all met', () => {
  const r = smmu('run', 'examples/lpa2.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors/);
  // The only warning is the CD without DS the example makes on purpose.
  assert.deepEqual(
    r.out.split('\n').filter((l) => /: warning: /.test(l)),
    [
      'examples/lpa2.smmu:30:1: warning: CD is ILLEGAL: T0SZ = 12 is outside 16..48; a transaction using it gets C_BAD_CD (§5.4) [cd.illegal]',
    ],
  );
});

test('examples/walk-cache.smmu: the Leaf = 1 TLBI leaves the walk on the old table (stale.walk at the DMA); Leaf = 0 ends it', () => {
  const r = smmu('run', 'examples/walk-cache.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 1 warning/);
  assert.match(
    r.out,
    /examples\/walk-cache\.smmu:30:1: warning: stale walk cache entry used for StreamID 5 .* level 2 table descriptor 0x0000000048002003 read from 0x0000000048001400.*\[stale\.walk\]/,
  );
  assert.match(r.out, /Leaf = 1 keeps the walk cache/);
  assert.match(r.out, /from the walk cache/);
});
