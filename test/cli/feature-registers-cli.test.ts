/**
 * `smmu run` on a script that reads and writes the registers an advertised feature brings (issue 16
 * item 8): the CoreSight ID registers (§6.3.170), SMMU_MPAMIDR/GMPAM/GBPMPAM (§6.3.41–§6.3.43) and
 * SMMU_S2PII (§6.3.17), under a configuration that advertises MPAM and S2PI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { smmu, tmp } from '../harness/cli-harness';

test('smmu run: the CoreSight ID, MPAM and S2PII registers read what the configuration and the writes say; a GBPMPAM write without Update is IGNORED', () => {
  const dir = path.dirname(tmp('x', ''));
  fs.writeFileSync(
    path.join(dir, 'feature-registers.smmu.json'),
    JSON.stringify({
      base: 'smmuv3.2-full',
      version: '3.3',
      features: { mpam: true, partidMax: 63, pmgMax: 1, s2pi: true, ttf: 'aarch64', e0pd: true, ptwnnc: true },
      iidr: { implementer: '0x43B', productId: '0x487' },
      accepted: {
        'config.not-modelled-mpam': 'the registers are what this test reads',
        'config.not-modelled-s2pi': 'the register is what this test reads',
      },
    }),
  );
  const script = path.join(dir, 'feature-registers.smmu');
  fs.writeFileSync(
    script,
    [
      'config "feature-registers.smmu.json"',
      // §6.3.170 with the IIDR's part number 0x487 and designer Arm (0x43B).
      'read32 PIDR0 == 0x87',
      'read32 PIDR1 == 0xB4',
      'read32 PIDR2 == 0x0B',
      'read32 PIDR4 == 0x04',
      'read32 CIDR0 == 0x0D',
      'read32 CIDR1 == 0xF0',
      'read32 CIDR2 == 0x05',
      'read32 CIDR3 == 0xB1',
      'read32 MPAMIDR == PARTID_MAX=63|PMG_MAX=1',
      'write32 GMPAM Update=1|SO_PMG=1|SO_PARTID=40',
      'read32 GMPAM == SO_PMG=1|SO_PARTID=40',
      'write32 GBPMPAM GBP_PARTID=2',
      'read32 GBPMPAM == 0',
      'write32 GBPMPAM Update=1|GBP_PARTID=0x45',
      'read32 GBPMPAM == GBP_PARTID=5',
      'write64 S2PII S2PII0=RW|S2PII15=RO_PUX',
      'read64 S2PII == 0xB00000000000000C',
      '',
    ].join('\n'),
  );
  const r = smmu('run', script);
  const lines = r.out.split('\n').filter((l) => l.includes('feature-registers.smmu:'));
  assert.deepEqual(
    lines.map((l) => /feature-registers\.smmu:(\d+):\d+: (\w+): .*\[([a-z0-9.-]+)\]$/.exec(l)?.slice(1)),
    [
      ['13', 'error', 'gbpmpam.no-update'],
      ['15', 'warning', 'write.res0'],
    ],
    r.out,
  );
  assert.match(lines[0] ?? '', /SMMU_GBPMPAM written without Update = 1: the write is IGNORED.*\(§6\.3\.43\)/);
  assert.match(lines[1] ?? '', /bits above the 6-bit width of SMMU_MPAMIDR\.PARTID_MAX = 0x3F are RES0/);
  assert.match(r.out, /^13 reads, 4 writes, 13\/13 expectations met, 1 error, 1 warning$/m);
  assert.equal(r.code, 1, 'the IGNORED write is an error');
});
