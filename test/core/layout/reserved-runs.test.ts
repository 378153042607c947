/**
 * reservedRuns (core/layout/access.ts) answers from a per-layout mask when no reserved bit is set:
 * on random words, mostly zero, for every command, event and structure layout, it gives the runs
 * a plain walk over the bits gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reservedRuns, type Words } from '../../../core/layout/access';
import type { LayoutDef } from '../../../core/layout/types';
import { COMMANDS } from '../../../core/commands/table';
import { EVENTS } from '../../../core/events/table';
import { STE, SECURE_STE } from '../../../core/structures/ste';
import { CD } from '../../../core/structures/cd';
import { L1CD, L1STD } from '../../../core/structures/l1';

/** The definition: runs of set bits that no field covers, from bit 0 up, as [msb, lsb]. */
function byBits(def: LayoutDef, w: Words): [number, number][] {
  const covered = new Set<number>();
  for (const f of def.fields) for (let b = f.lsb; b <= f.msb; b++) covered.add(b);
  const runs: [number, number][] = [];
  let start = -1;
  for (let b = 0; b <= def.bits; b++) {
    const set = b < def.bits && !covered.has(b) && (((w[b >>> 5] ?? 0) >>> (b & 31)) & 1) === 1;
    if (set && start < 0) start = b;
    if (!set && start >= 0) {
      runs.push([b - 1, start]);
      start = -1;
    }
  }
  return runs;
}

const LAYOUTS: readonly LayoutDef[] = [...COMMANDS, ...EVENTS, STE, SECURE_STE, CD, L1STD, L1CD];

test('reservedRuns gives the runs of set uncovered bits, with and without any (fast-check)', () => {
  let withRuns = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...LAYOUTS),
      fc.array(fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 3 })), { minLength: 16, maxLength: 16 }),
      (def, raw) => {
        // A word is zero, one random bit, sparse, or anything: runs are rare but present.
        const w = raw.map(([x, how]) =>
          how === 0 ? 0 : how === 1 ? (1 << (x & 31)) >>> 0 : how === 2 ? x & 0x0101_0001 : x,
        );
        const expected = byBits(def, w);
        if (expected.length) withRuns++;
        assert.deepEqual(reservedRuns(def, w), expected, def.name);
        // Negative (signed) words read as the same bits.
        assert.deepEqual(
          reservedRuns(
            def,
            w.map((x) => x | 0),
          ),
          expected,
          def.name,
        );
      },
    ),
    { seed: 20261206, numRuns: 4000 },
  );
  assert.ok(withRuns > 400, `${withRuns} cases had reserved bits set`);
});
