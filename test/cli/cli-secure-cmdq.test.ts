/**
 * The Secure Command queue (§3.10.2, §4) from the command line: the bundled example runs with every
 * expectation met, and a command error on the Secure queue is reported at the doorbell that made
 * the SMMU consume it, in SMMU_S_CMDQ_CONS.ERR and SMMU_S_GERROR, not in the Non-secure registers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { smmu, tmp } from '../harness/cli-harness';
import { root } from '../harness/root';

test('examples/secure-cmdq.smmu: Secure commands, SSec and the Secure-only TLBIs consumed, the Secure CMD_SYNC interrupt and MSI, all met', () => {
  const r = smmu('run', 'examples/secure-cmdq.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  assert.match(r.out, /\n {4}command {7}S_CMDQ\[2\] CMD_TLBI_EL3_ALL: 0 TLB entries invalidated/);
  assert.match(r.out, /\n {4}interrupt {5}Secure CMD_SYNC completion MSI \(Secure PA space\): wrote 0x000005EC/);
});

test('§7.1: an illegal command on the Secure queue stops it with S_CMDQ_CONS.ERR and S_GERROR.CMDQ_ERR, reported at `doorbell secure`; S_GERRORN restarts it', () => {
  const file = tmp(
    'secure-ill.smmu',
    [
      `config "${join(root, 'presets', 'smmuv3.3-secure-ats.smmu.json').replace(/\\/g, '/')}"`,
      'write64 S_CMDQ_BASE 0x4E100000 | LOG2SIZE=4',
      'write32 S_CR0 CMDQEN',
      'cmd raw 0x0F 0 secure',
      'cmd SYNC secure',
      'doorbell secure',
      'read32 S_CMDQ_CONS == ERR=CERROR_ILL',
      'read32 S_GERROR == CMDQ_ERR',
      'read32 GERROR == 0',
      'mem write64 0x4E100000 0x46 secure',
      'write32 S_GERRORN CMDQ_ERR',
      'read32 S_CMDQ_CONS.RD == 2',
      '',
    ].join('\n'),
  );
  const r = smmu('run', file);
  assert.match(r.out, /(\d+)\/\1 expectations met/);
  const lines = r.out.split('\n').filter((l) => /: (error|warning): /.test(l));
  assert.ok(
    lines.some((l) => /secure-ill\.smmu:6:1: error: .*S_CMDQ\[0\].*CERROR_ILL/.test(l)),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => /secure-ill\.smmu:6:1: error: S_GERROR\.CMDQ_ERR activated/.test(l)),
    lines.join('\n'),
  );
});
