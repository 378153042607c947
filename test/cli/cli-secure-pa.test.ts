/**
 * The two PA spaces (§3.10) from the command line: a script places a Secure stream's CD and tables
 * in the Secure PA space (`cd … secure`, `map … secure`, `mem writeN … secure`), and the same
 * addresses of the Non-secure PA space are other memory, which a Non-secure stream reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { smmu, tmp } from '../harness/cli-harness';
import { root } from '../harness/root';

const CONFIG = `config "${join(root, 'presets', 'smmuv3.3-secure-ats.smmu.json').replace(/\\/g, '/')}"`;

test('§3.10: `mem … secure`, `cd … secure` and `map … secure` write the Secure PA space; the Non-secure one at the same addresses stays apart', () => {
  const file = tmp(
    'secure-pa.smmu',
    [
      CONFIG,
      'write64 STRTAB_BASE 0x40000000',
      'write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8',
      'write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=3',
      'write32 CR0 SMMUEN|EVENTQEN',
      'write64 S_STRTAB_BASE 0x4E000000',
      'write32 S_STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4',
      'write32 S_CR0 SMMUEN',
      'tables 0x4F000000',
      'mem write64 0x50000000 0x1122334455667788 secure',
      'mem read64 0x50000000 secure == 0x1122334455667788',
      'mem read64 0x50000000 == 0',
      'mem read64 0x50000000 ns == 0',
      'cd 0x4E300000 secure V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x4E400000',
      'map ttb=0x4E400000 iova=0x10000000 pa=0x8E000000 secure',
      'ste 2 secure V Config=S1_TRANS S1ContextPtr=0x4E300000',
      'ste 2 V Config=S1_TRANS S1ContextPtr=0x4E300000',
      'dma read sid=2 iova=0x10000010 secure == 0x8E000010',
      'dma read sid=2 iova=0x10000010 == C_BAD_CD',
      '',
    ].join('\n'),
  );
  const r = smmu('run', file, '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  assert.match(r.out, /cd 0x4E300000 secure .* → CD written at 0x000000004E300000 in the Secure PA space/);
  assert.match(r.out, /fetched CD 0 of Secure StreamID 2 from 0x000000004E300000 \(Secure PA space\)/);
});
