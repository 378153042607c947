/**
 * The address-size encoding shared by SMMU_IDR5.OAS (§6.3.6), CD.IPS (§5.4) and STE.S2PS (§5.2):
 * one table, read by the engine, the structure checks and the translation walk (the copies once
 * disagreed on 0b111: 48 in the engine, 56 in the structures, undefined in the walk).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../core/config/presets';
import { Engine, oasBits } from '../../../core/engine/engine';
import { idViewOf } from '../../../core/model/ids';
import { sizeBits } from '../../../core/structures/fields';
import { oasBits as steOasBits } from '../../../core/structures/ste';
import { ipsBits, psBits } from '../../../core/translation/walk';

test('§6.3.6, §5.4, §5.2: 0b000..0b111 are 32, 36, 40, 42, 44, 48, 52, 56 bits in every reader', () => {
  const expected = [32, 36, 40, 42, 44, 48, 52, 56];
  for (let code = 0; code < 8; code++) {
    assert.equal(sizeBits(code), expected[code]);
    assert.equal(oasBits(code), expected[code], `engine OAS ${code}`);
    assert.equal(ipsBits(code), expected[code], `walk IPS ${code}`);
    assert.equal(psBits(code), expected[code], `walk S2PS ${code}`);
  }
});

test('an SMMU advertising OAS 0b111 has a 56-bit OAS in the engine and the structure checks; guest memory stays exact (numbers up to 2^53)', () => {
  const config = { ...DEFAULT_CONFIG, ids: { ...DEFAULT_CONFIG.ids, IDR5: (DEFAULT_CONFIG.ids.IDR5 & ~7) | 7 } };
  const e = new Engine(config);
  assert.equal(e.oas, 56);
  assert.equal(steOasBits(idViewOf(config)), 56);
  assert.equal(e.memory.limit, 2 ** 53);
});
