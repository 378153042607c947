/**
 * The output PA space of Secure streams, SMMU_S_CR0.SIF and the EL3 StreamWorld from the command
 * line (docs/engine.md, "Secure streams and the Secure Event queue"): the example runs with every
 * expectation met, its lines name the PA space, and the one stale EL3 entry it leaves on purpose is
 * reported with the EL3 invalidation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smmu } from '../harness/cli-harness';

test('examples/secure-ns-el3.smmu: NSCFGx, NSTable and NS give the PA space, SIF refuses the Non-secure fetch, EL3 entries go with CMD_TLBI_EL3_VA', () => {
  const r = smmu('run', 'examples/secure-ns-el3.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 1 warning/);
  // §13.4.2: the leaf's NS, NSTable on the way, CD.NSCFG0.
  assert.match(r.out, /:27: dma read .* → translated → 0x0000000080001010 in the Non-secure PA space /);
  assert.match(r.out, /:28: dma read .* → translated → 0x0000000080200010 in the Non-secure PA space /);
  assert.match(r.out, /:39: dma read .* → translated → 0x0000000080300010 in the Non-secure PA space /);
  assert.match(r.out, /:26: dma read .* → translated → 0x000000008E000010 in the Secure PA space /);
  // §6.3.57: the fetch from Non-secure memory is a stage 1 F_PERMISSION in the Secure Event queue.
  assert.match(r.out, /event +S_EVENTQ\[0\] ← F_PERMISSION StreamID=0x2 InD=INSTRUCTION RnW=READ CLASS=IN /);
  // §4.4.2.5, §4.4.2.6: the Secure NH invalidation left the EL3 entry; CMD_TLBI_EL3_VA removed it.
  assert.match(
    r.out,
    /secure-ns-el3\.smmu:50:1: warning: stale TLB entry used for Secure StreamID 4 .*a CMD_TLBI_EL3_VA on the Secure Command queue then CMD_SYNC is missing/,
  );
  assert.match(r.out, /CMD_TLBI_EL3_VA Leaf=1 Address=0x20000000: 1 TLB entry invalidated/);
});
