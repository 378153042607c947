/**
 * ATOS from the command line (§9, docs/engine.md#atos): the example runs with every expectation
 * met, its lookups in the trace, and `smmu decode` shows GATOS_PAR in the layout FAULT selects
 * (§6.3.40). The smmuv3.2-full preset, which advertises ATOS, no longer accepts a not-modelled
 * note for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smmu, tmp } from '../harness/cli-harness';

test('examples/atos.smmu: stage 1 lookups give the PA, size and attributes, faults give FAULTCODE, no event is recorded', () => {
  const r = smmu('run', 'examples/atos.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  assert.match(
    r.out,
    /ATOS stage 1 lookup of StreamID 5 address 0x0000000010234000 \(read, unprivileged\): PA 0x0000000090034000, 2048 KB, ATTR 0x04, SH 10; GATOS_PAR = 0x0400000090100A00 \(§9\)/,
  );
  assert.match(r.out, /fault F_PERMISSION, REASON S1: F_PERMISSION at stage 1, level 3/);
});

test('smmu decode GATOS_PAR: the result layout when FAULT is 0, the fault syndrome when FAULT is 1', () => {
  const fault = smmu('decode', 'GATOS_PAR', '0x131');
  assert.equal(fault.code, 0, fault.out + fault.err);
  assert.match(fault.out, /FAULTCODE\[11:4\] = 19 \(F_PERMISSION\)/);
  assert.match(fault.out, /REASON\[2:1\] = 0 \(S1\)/);
  assert.doesNotMatch(fault.out, /ATTR|Size|SH\[/);
  const ok = smmu('decode', 'GATOS_PAR', '0xFF00000080000300');
  assert.match(ok.out, /ATTR\[63:56\] = 255/);
  assert.match(ok.out, /SH\[9:8\] = 3 \(ISH\)/);
  assert.doesNotMatch(ok.out, /FAULTCODE|REASON|FADDR/);
});

test('smmu check presets/smmuv3.2-full.smmu.json: ATOS and VATOS are modelled, so neither is a not-modelled note (§9)', () => {
  const r = smmu('check', 'presets/smmuv3.2-full.smmu.json');
  assert.equal(r.code, 0, r.out + r.err);
  assert.doesNotMatch(r.out, /not-modelled-atos|not-modelled-vatos/);
});

test('§9.1.6: examples/vatos.smmu runs with every expectation met', () => {
  const r = smmu('run', 'examples/vatos.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  assert.match(r.out, /VATOS \(VMID 1\) stage 1 lookup of StreamID 6 .*C_BAD_STE/);
});

test('smmu decode --json gives a VATOS page register the offset SMMU_IDR2.BA_VATOS places it at (§6.3.3)', () => {
  const cfg = tmp(
    'vatos-base.smmu.json',
    JSON.stringify({ base: 'smmuv3.2-full', features: { vatosBase: 3 } }, null, 2),
  );
  const r = smmu('decode', 'VATOS_CTRL', '0', '--config', cfg, '--json');
  assert.equal(r.code, 0, r.out + r.err);
  // 0x20000 + 3 × 0x10000, then VATOS_CTRL at 0xA00 in the page.
  assert.equal((JSON.parse(r.out) as { offset: number }).offset, 0x50a00);
  const page0 = smmu('decode', 'CR0', '0', '--config', cfg, '--json');
  assert.equal((JSON.parse(page0.out) as { offset: number }).offset, 0x20);
});
