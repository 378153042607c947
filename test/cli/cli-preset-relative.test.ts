/**
 * Relative preset bases (SMMU_IDR1.REL, §6.3.2) from the command line: `smmu check` takes a
 * configuration's `smmuBase` (no not-modelled warning), and reports a misaligned one at its position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smmu, tmp } from '../harness/cli-harness';

const config = (smmuBase: string) => `{
  "name": "relative presets",
  "base": "qemu",
  "features": { "tablesPreset": true, "queuesPreset": true, "rel": true },
  "presetBases": { "STRTAB_BASE": "0x40000", "STRTAB_BASE_CFG": 8, "CMDQ_BASE": "0x50004", "EVENTQ_BASE": "0x60003" },
  "smmuBase": "${smmuBase}",
  "drivers": []
}
`;

test('smmu check: relative preset bases with smmuBase are modelled, and a smmuBase that is not 64 KB-aligned is an error at its value', () => {
  const good = smmu('check', tmp('rel.smmu.json', config('0x2B400000')));
  assert.equal(good.code, 0, good.out + good.err);
  assert.doesNotMatch(good.out + good.err, /not-modelled-rel|smmuBase/);
  const bad = smmu('check', tmp('rel.smmu.json', config('0x2B401000')));
  assert.notEqual(bad.code, 0);
  assert.match(
    bad.out + bad.err,
    /rel\.smmu\.json:6:15: error: smmuBase 0x0*2B401000 is not 64 KB-aligned.*\[config\.range\]/,
  );
});
