/**
 * Permission indirection and overlays (§3.26) from the command line: examples/permission-indirection.smmu
 * runs with every expectation met and no warning (its configuration accepts the F_PERMISSION record
 * bits the model leaves out), and its trace says which table refused each access
 * (docs/engine.md, "Permission indirection and overlays").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smmu } from '../harness/cli-harness';

test('examples/permission-indirection.smmu: CD.PIIU / CD.PIIP, SMMU_S2PII and an STE.S2POI overlay decide the permissions; HD clears nDirty', () => {
  const r = smmu('run', 'examples/permission-indirection.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  const line = (n: number) =>
    r.out.split('\n').find((l) => l.startsWith(`examples/permission-indirection.smmu:${n}: `)) ?? '';
  assert.match(
    line(28),
    /→ abort: F_PERMISSION at stage 1, level 3: .*PIIndex 1 selects PIIU<1> = 0b001 \(§3\.26\.1\)$/,
  );
  assert.match(
    line(41),
    /→ abort: F_PERMISSION at stage 2, level 3: .*PIIndex 1 selects SMMU_S2PII\.S2PII1 = 0b1000 \(RO\)/,
  );
  assert.match(
    line(53),
    /→ abort: F_PERMISSION at stage 2, level 3: .*STE\.S2POI<0> = 0b1000 \(RO\), which refuses it \(Overlay, §3\.26\.2\)$/,
  );
  assert.match(r.out, /stage-1 descriptor updated to 0x0000000080001F43 at 0x0000000048002008/);
});

test('smmu check: a configuration that advertises S1PI, S2PI and S2PO is told what of them is left (F_PERMISSION.DirtyBit and Overlay)', () => {
  const r = smmu('check', '--json', 'examples/permission-indirection.smmu.json');
  const out = r.out + r.err;
  for (const code of ['s1pi', 's2pi', 's2po']) assert.match(out, new RegExp(`config\\.not-modelled-${code}`));
  assert.match(out, /F_PERMISSION\.Overlay \(§7\.3\.16\) is not set in the record/);
});
