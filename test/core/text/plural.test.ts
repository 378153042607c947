/** Counts in output: `thousands` gives what `toLocaleString('en-US')` gives for a whole number. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { thousands } from '../../../core/text/plural';

test("thousands separates a whole number's digits as toLocaleString('en-US') does", () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -1000, max: 1_000_000 })), (n) => {
      assert.equal(thousands(n), n.toLocaleString('en-US'));
    }),
    { numRuns: 2000, examples: [[0], [999], [1000], [-1000], [123456789], [Number.MAX_SAFE_INTEGER]] },
  );
});
