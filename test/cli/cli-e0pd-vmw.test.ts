/**
 * E0PD (§5.4), VMID wildcards (§3.17.6) and HAFT (§3.13.6) from the command line: the examples run
 * with every expectation met and no warning, and their traces show the rule at work
 * (docs/engine.md, "Transactions" and "Configuration cache and TLB").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smmu } from '../harness/cli-harness';

test('examples/e0pd.smmu: unprivileged accesses through TTB0 with CD.E0PD0 = 1 fault at level 0 without a walk; privileged ones and, after CMD_CFGI_CD, unprivileged ones are translated', () => {
  const r = smmu('run', 'examples/e0pd.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  const lines = r.out.split('\n');
  const unprivileged = lines.findIndex((l) =>
    /^examples\/e0pd\.smmu:\d+: dma read sid=5 iova=0x10000000 == F_TRANSLATION/.test(l),
  );
  assert.match(
    lines[unprivileged] ?? '',
    /→ abort: F_TRANSLATION at stage 1, level 0: CD\.E0PD0 is 1: an unprivileged access through TTB0/,
  );
  // What the SMMU did for it: the event record, and no descriptor read.
  const activity: string[] = [];
  for (let i = unprivileged + 1; i < lines.length && lines[i]?.startsWith('    '); i++) activity.push(lines[i] ?? '');
  assert.deepEqual(
    activity.map((l) => l.trim().split(/\s+/)[0]),
    ['event'],
    activity.join('\n'),
  );
});

test('examples/vmw.smmu: with CR0.VMW = 0b001 a TLBI_S2_IPA by VMID 0x20 invalidates VMID 0x21 too, and not 0x22', () => {
  const r = smmu('run', 'examples/vmw.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  assert.match(r.out, /CMD_TLBI_S2_IPA VMID=0x20 Address=0x20000000: 2 TLB entries, 4 walk cache entries invalidated/);
});

test('examples/haft.smmu: with CD.HAFT the first walk sets AF in its three table descriptors, caches none of them, and a later walk caches them', () => {
  const r = smmu('run', 'examples/haft.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  assert.equal((r.out.match(/stage-1 descriptor updated to 0x00000000480\d{2}403/g) ?? []).length, 3);
  assert.match(r.out, /stage-1 level 2 descriptor 0x0000000048002403 from the walk cache/);
});
