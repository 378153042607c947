/**
 * Hardware update of the Access flag in table descriptors (§3.13.6 CD.HAFT and STE.S2HAFT, with
 * SMMU_IDR0.HTTU == 0b11; FEAT_HAFT, Arm ARM D8.5.1.3): a walk sets AF (bit [10]) in every table
 * descriptor it goes through, and never caches one with AF == 0. Scripts run through the real
 * parser, resolver and interpreter: the expectations inside them hold (no error), and the
 * assertions here look at what the model did besides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, QEMU_IDS } from '../../harness/helpers';
import { ENABLED_SMMU, runEngineScript } from '../../harness/engine-script';

/** QEMU's IDs with stage 2 (IDR0.S2P, bit [0]) and HTTU (bits [7:6]) of `httu`. */
const ids = (httu: number) => ({ IDR0: (QEMU_IDS.IDR0 & ~(3 << 6)) | (httu << 6) | 1 });

const PRELUDE = ENABLED_SMMU;

function runScript(body: string, idr: Partial<typeof QEMU_IDS>) {
  const { engine, errors } = runEngineScript(PRELUDE + body, config(idr));
  return { engine, errors };
}

/** Stage 1, 4 KB pages: level 0 at 0x45000000, then the pool's 0x48000000, 0x48001000, 0x48002000. */
const STAGE1 = (cd: string) => `
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 ${cd}
ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
map ttb=0x45000000 iova=0x10001000 pa=0x80001000
`;

test('§3.13.6 CD.HAFT (with HA): the walk sets AF in the level 0, 1 and 2 table descriptors it goes through; the leaf is left to HA', () => {
  const r = runScript(
    `${STAGE1('HA HAFT')}
mem read64 0x45000000 == 0x48000003
dma read sid=5 iova=0x10000000 == 0x80000000
mem read64 0x45000000 == 0x48000403
mem read64 0x48000000 == 0x48001403
mem read64 0x48001400 == 0x48002403
mem read64 0x48002000 == 0x80000F43
`,
    ids(3),
  );
  assert.deepEqual(r.errors, []);
});

test('§3.13.6: without CD.HAFT, or with SMMU_IDR0.HTTU 0b10 (HAFT RES0), table descriptors keep AF == 0', () => {
  const body = (cd: string) => `${STAGE1(cd)}
dma read sid=5 iova=0x10000000 == 0x80000000
mem read64 0x45000000 == 0x48000003
mem read64 0x48000000 == 0x48001003
mem read64 0x48001400 == 0x48002003
`;
  assert.deepEqual(runScript(body('HA'), ids(3)).errors, []);
  assert.deepEqual(runScript(body('HA HAFT'), ids(2)).errors, []);
});

test('§3.13.6 (Arm ARM D8.5.1.3): a table descriptor with AF == 0 is not cached; the next walk reads it again with AF == 1 and caches it', () => {
  const r = runScript(
    `${STAGE1('HA HAFT')}
dma read sid=5 iova=0x10000000 == 0x80000000
`,
    ids(3),
  );
  assert.deepEqual(r.errors, []);
  assert.equal(r.engine.tlb.walks.size, 0, 'no table descriptor cached by the walk that updated them');
  const again = runScript(
    `${STAGE1('HA HAFT')}
dma read sid=5 iova=0x10000000 == 0x80000000
dma read sid=5 iova=0x10001000 == 0x80001000
`,
    ids(3),
  );
  assert.deepEqual(again.errors, []);
  assert.deepEqual(
    again.engine.tlb.walks
      .entries()
      .map((e) => [e.level, e.descriptor.toString(16)])
      .sort(),
    [
      [0, '48000403'],
      [1, '48001403'],
      [2, '48002403'],
    ],
  );
});

test('§3.13.6 STE.S2HAFT (with S2HA): a stage 2 walk sets AF in its table descriptors', () => {
  const r = runScript(
    `
ste 6 V Config=S2_TRANS S2VMID=3 S2T0SZ=24 S2SL0=1 S2TG=GRAN4K S2PS=OAS44 S2AA64 S2R S2HA S2HAFT S2TTB=0x46000000
map ttb=0x46000000 iova=0x20000000 pa=0x90000000 stage=2 tsz=24 sl0=1
mem read64 0x46000000 == 0x48000003
dma read sid=6 iova=0x20000000 == 0x90000000
mem read64 0x46000000 == 0x48000403
mem read64 0x48000800 == 0x48001403
`,
    ids(3),
  );
  assert.deepEqual(r.errors, []);
});

test('§3.13.5 with §3.13.6: a stage 1 table descriptor update of a nested walk is a write through stage 2, which must allow it', () => {
  // The level 0 table is in a page that stage 2 maps read-only: reading it is allowed, setting AF
  // in its table descriptor is a stage 2 Permission fault on the walk (CLASS = TTD), and memory
  // keeps AF == 0.
  const r = runScript(
    `
ste 7 V Config=NESTED S1ContextPtr=0x44000000 S2VMID=4 S2T0SZ=24 S2SL0=1 S2TG=GRAN4K S2PS=OAS44 S2AA64 S2R S2TTB=0x46000000
map ttb=0x46000000 iova=0x44000000 pa=0x44000000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x45000000 pa=0x45000000 stage=2 tsz=24 sl0=1 ro
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 HA HAFT
mem write64 0x45000000 0x47000003
dma read sid=7 iova=0x10000000 == F_PERMISSION
expect event F_PERMISSION StreamID=7 S2=1 CLASS=TTD IPA=0x45000000
mem read64 0x45000000 == 0x47000003
`,
    ids(3),
  );
  assert.deepEqual(r.errors, []);
});

test('§3.13.5: a hardware Access flag update of a stage 1 leaf (CD.HA, no HAFT) in a nested walk is a write at stage 2 too', () => {
  // Stage 1 tables written by hand at 0x45000000-0x45003000; stage 2 maps the leaf's table page
  // read-only: the walk reads it, but setting AF in the leaf is a stage 2 Permission fault.
  const r = runScript(
    `
ste 7 V Config=NESTED S1ContextPtr=0x44000000 S2VMID=4 S2T0SZ=24 S2SL0=1 S2TG=GRAN4K S2PS=OAS44 S2AA64 S2R S2TTB=0x46000000
map ttb=0x46000000 iova=0x44000000 pa=0x44000000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x45000000 pa=0x45000000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x45001000 pa=0x45001000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x45002000 pa=0x45002000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x45003000 pa=0x45003000 stage=2 tsz=24 sl0=1 ro
map ttb=0x46000000 iova=0x80000000 pa=0x80000000 stage=2 tsz=24 sl0=1
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 HA
mem write64 0x45000000 0x45001003
mem write64 0x45001000 0x45002003
mem write64 0x45002400 0x45003003
mem write64 0x45003000 0x80000343
dma read sid=7 iova=0x10000000 == F_PERMISSION
expect event F_PERMISSION StreamID=7 S2=1 CLASS=TTD IPA=0x45003000
mem read64 0x45003000 == 0x80000343
`,
    ids(2),
  );
  assert.deepEqual(r.errors, []);
});
