/**
 * `smmu run` on examples/mpam.smmu (§17.2, §5.6, §4.3.5; core/engine/mpam.ts): each DMA's result
 * names its PARTID and PMG and their source, the VMS is fetched through STE.VMSPtr, and a PARTID_MAP
 * changed without CMD_CFGI_VMS_PIDM keeps applying (stale.vms) until the command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smmu } from '../harness/cli-harness';

test('examples/mpam.smmu: PARTID and PMG from SMMU_GBPMPAM, the STE, the CD and the VMS PARTID_MAP; stale.vms until CMD_CFGI_VMS_PIDM', () => {
  const r = smmu('run', 'examples/mpam.smmu', '--trace');
  assert.match(r.out, /^0 reads, 10 writes, 6\/6 expectations met, 0 errors, 1 warning$/m, r.out + r.err);
  assert.equal(r.code, 0);
  const result = (line: number) =>
    r.out.split('\n').find((l) => l.startsWith(`examples/mpam.smmu:${line}: dma `)) ?? `no line ${line}`;
  assert.match(result(12), /MPAM PARTID 9, PMG 1 from SMMU_GBPMPAM \(§17\.2\)\)$/);
  assert.match(result(25), /MPAM PARTID 4, PMG 2 from STE\.PARTID and STE\.PMG \(§17\.2\)\)$/);
  assert.match(result(31), /MPAM PARTID 11, PMG 3 from CD\.PARTID and CD\.PMG \(§17\.2\)\)$/);
  assert.match(result(40), /MPAM PARTID 33, PMG 2 from the VMS PARTID_MAP and CD\.PMG \(§17\.2\)\)$/);
  assert.match(result(44), /MPAM PARTID 33, PMG 2 /);
  assert.match(result(48), /MPAM PARTID 22, PMG 2 /);
  assert.match(r.out, /fetch +fetched VMS of STE 7 from 0x0000000047000000/);
  assert.match(
    r.out,
    /^examples\/mpam\.smmu:44:1: warning: the SMMU used its cached VMS for VMID 7 .*no CMD_CFGI_VMS_PIDM \(VMID 7\).*\(§5\.6\.2\) \[stale\.vms\]$/m,
  );
  assert.match(r.out, /CMD_CFGI_VMS_PIDM VMID=0x7: VMID 7: 1 cached PARTID_MAP invalidated \(§4\.3\.5\)/);
});
