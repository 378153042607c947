/**
 * Big-endian translation tables (§6.3.1 TTENDIAN, §5.4 ENDI) from the command line: `smmu check`
 * has no warning for a big-endian-only SMMU, and `smmu run` walks big-endian tables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { smmu, tmp } from '../harness/cli-harness';

const CONFIG = JSON.stringify({ name: 'big-endian', base: 'smmuv3.4-lpa2', features: { ttEndian: 'be' }, drivers: [] });

test('smmu check: a configuration with big-endian tables only (TTENDIAN 0b11) is not a not-modelled feature', () => {
  const r = smmu('check', tmp('be.smmu.json', CONFIG));
  assert.equal(r.code, 0, r.out + r.err);
  assert.doesNotMatch(r.out + r.err, /not-modelled|little-endian/);
  assert.match(r.out + r.err, /0 errors, 0 warnings/);
});

test('smmu run: with CD.ENDI = 1 a DMA is translated through tables written big-endian', () => {
  const cfg = tmp('be.smmu.json', CONFIG);
  const script = path.join(path.dirname(cfg), 'be.smmu');
  // VA 0x10000000 → 0x80000000: each descriptor `map` wrote little-endian is rewritten byte-reversed.
  fs.writeFileSync(
    script,
    `config "be.smmu.json"
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=5
write32 CR2 RECINVSID
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
tables 0x48000000
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
mem read64 0x45000000 == 0x48000003
mem write64 0x45000000 0x0300004800000000
mem read64 0x48000000 == 0x48001003
mem write64 0x48000000 0x0310004800000000
mem read64 0x48001400 == 0x48002003
mem write64 0x48001400 0x0320004800000000
mem read64 0x48002000 == 0x80000F43
mem write64 0x48002000 0x430F008000000000
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 ENDI
ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000
dma read sid=5 iova=0x10000010 == 0x80000010
`,
  );
  const r = smmu('run', script, '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  assert.equal((r.out.match(/stage-1 descriptor 0x[0-9A-F]+ read from 0x[0-9A-F]+ \(big-endian\)/g) ?? []).length, 4);
});
