/**
 * cachedS1WalkParams (core/translation/params.ts): a CD's stage 1 walk parameters made once per
 * decoded CD. What it returns must be what s1WalkParams gives for the same inputs, and a change of
 * any other input (the SMMU's ID registers, OAS, nesting, STE.S1PIE, TTB0 or TTB1) must not be
 * answered from what was made for another.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idViewOf } from '../../../core/model/ids';
import { CD, decodeCd } from '../../../core/structures/cd';
import { encodeStructure } from '../../../core/structures/encode';
import { cachedS1WalkParams, s1WalkParams } from '../../../core/translation/params';
import { config } from '../../harness/helpers';

const cdOf = (values: Record<string, bigint>) => {
  const e = encodeStructure(CD, new Map(Object.entries(values)));
  assert.deepEqual(e.problems, []);
  return decodeCd(e.words);
};

const CD_VALUES = {
  V: 1n,
  T0SZ: 16n,
  T1SZ: 25n,
  TG0: 0n,
  TG1: 2n,
  IPS: 4n,
  AA64: 1n,
  HA: 1n,
  HD: 1n,
  TTB0: 0x4500_0000n,
  TTB1: 0x4600_0000n,
};

test('a CD walked again gets the parameters s1WalkParams makes, for each TTB, made once', () => {
  const ids = idViewOf(config());
  const cd = cdOf(CD_VALUES);
  for (const sel of [0, 1] as const) {
    for (const nested of [false, true]) {
      const first = cachedS1WalkParams(cd, sel, ids, 44, nested, { s1Pie: 0 });
      assert.deepEqual(first, s1WalkParams(cd, sel, ids, 44, nested, { s1Pie: 0 }));
      // The same inputs again: the object made the first time.
      assert.equal(cachedS1WalkParams(cd, sel, ids, 44, nested, { s1Pie: 0 }), first);
    }
  }
  // TTB0 and TTB1 differ: the two selections never share parameters.
  assert.notEqual(cachedS1WalkParams(cd, 0, ids, 44, false)?.ttb, cachedS1WalkParams(cd, 1, ids, 44, false)?.ttb);
});

test('other ID registers, OAS or a reserved TG are answered afresh, not from another CD or SMMU', () => {
  const cd = cdOf(CD_VALUES);
  // HTTU 0 (no hardware updates): HA and HD of the same CD must read as off.
  const withUpdates = idViewOf(config({ IDR0: (config().ids.IDR0 ?? 0) | (2 << 6) }));
  const without = idViewOf(config({ IDR0: (config().ids.IDR0 ?? 0) & ~(3 << 6) }));
  const a = cachedS1WalkParams(cd, 0, withUpdates, 44, false);
  const b = cachedS1WalkParams(cd, 0, without, 44, false);
  assert.deepEqual(a, s1WalkParams(cd, 0, withUpdates, 44, false));
  assert.deepEqual(b, s1WalkParams(cd, 0, without, 44, false));
  assert.notEqual(a?.hd, b?.hd);
  assert.equal(cachedS1WalkParams(cd, 0, without, 40, false)?.outputBits, 40);
  // A reserved TG1 encoding: undefined, and still undefined when asked again.
  const reserved = cdOf({ ...CD_VALUES, TG1: 0n });
  assert.equal(cachedS1WalkParams(reserved, 1, without, 44, false), undefined);
  assert.equal(cachedS1WalkParams(reserved, 1, without, 44, false), undefined);
  // Another CD object with other fields: its own parameters.
  const other = cdOf({ ...CD_VALUES, T0SZ: 25n });
  assert.equal(cachedS1WalkParams(other, 0, without, 44, false)?.tsz, 25);
});
