/**
 * Translation Hardening (§3.27) from the command line: examples/translation-hardening.smmu runs with
 * every expectation met and no warning, and the AssuredOnly faults it expects say why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smmu } from '../harness/cli-harness';

test('examples/translation-hardening.smmu: stage 1 bypass and a nested output without Assured Translation fault on an AssuredOnly page; without STE.AssuredOnly the page is translated', () => {
  const r = smmu('run', 'examples/translation-hardening.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  const faults = r.out
    .split('\n')
    .filter((l) => /dma read sid=[67] .*== F_PERMISSION → abort: F_PERMISSION at stage 2, level 3/.test(l));
  assert.equal(faults.length, 2, r.out);
  for (const f of faults)
    assert.match(
      f,
      /is AssuredOnly \(bit 58, STE\.AssuredOnly = 1\) and the access has no Assured Translation \(§3\.27\.2\)/,
    );
  assert.match(r.out, /dma read sid=8 iova=0x20000000 == 0x90000000 → /);
});
