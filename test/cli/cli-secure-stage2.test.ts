/**
 * Secure stage 2 and S-EL2 (§3.10.2.2) from the command line: the bundled example runs with every
 * expectation met and the one stale entry it shows on purpose, and a Secure STE whose S_S2TTB
 * table is ILLEGAL is reported at the `ste` line and gives C_BAD_STE in the Secure Event queue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { smmu, tmp } from '../harness/cli-harness';
import { root } from '../harness/root';

test('examples/secure-stage2.smmu: both IPA spaces, a nested Secure stream and S-EL2, with the Secure invalidations; the missing one is stale.tlb', () => {
  const r = smmu('run', 'examples/secure-stage2.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 1 warning/);
  assert.match(
    r.out,
    /secure-stage2\.smmu:36:1: warning: stale TLB entry used for Secure StreamID 6 .*a CMD_TLBI_S_S2_IPA \(NS = 0, Secure IPA\) on the Secure Command queue then CMD_SYNC is missing \(§4\.4\) \[stale\.tlb\]/,
  );
  assert.match(
    r.out,
    /\n {4}command {7}CMDQ\[0\] CMD_TLBI_S2_IPA VMID=0x5 Address=0x10000000: 0 TLB entries invalidated/,
  );
  assert.match(r.out, /\n {4}command {7}S_CMDQ\[4\] CMD_TLBI_S_EL2_ALL: 1 TLB entry, 3 walk cache entries invalidated/);
  assert.match(
    r.out,
    /secure ns == 0x80000010 → translated → 0x0+80000010 \(stage 2 walk, level 3 leaf; Non-secure IPA space \(the input NS attribute, 1\), its table S2TTB/,
  );
});

test('§5.2.2: an ILLEGAL S_S2T0SZ in a Secure STE is reported where it is written and makes the Secure stream C_BAD_STE', () => {
  const file = tmp(
    'secure-s2-illegal.smmu',
    [
      `config "${join(root, 'presets', 'smmuv3.3-secure-ats.smmu.json').replace(/\\/g, '/')}"`,
      'write64 S_STRTAB_BASE 0x4E000000',
      'write32 S_STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4',
      'write64 S_EVENTQ_BASE 0x4E200000 | LOG2SIZE=3',
      'write32 S_CR0 SMMUEN|EVENTQEN',
      'ste 6 secure V Config=S2_TRANS S2T0SZ=24 S2SL0=1 S2PS=4 S2AA64 S2TTB=0x46000000 S_S2T0SZ=60 S_S2SL0=1 S_S2TTB=0x47000000',
      'dma read sid=6 iova=0x1000 secure == C_BAD_STE',
      '',
    ].join('\n'),
  );
  const r = smmu('run', file);
  assert.match(r.out, /1\/1 expectation met, 0 errors, 1 warning/, r.out + r.err);
  assert.match(
    r.out,
    /secure-s2-illegal\.smmu:6:1: warning: STE is ILLEGAL: S_S2T0SZ = 60 is outside \d+\.\.\d+ .*C_BAD_STE/,
  );
});
