/**
 * Permission indirection and overlays in transactions (§3.26): SMMU_S2PII with STE.S2PIE, CD.PIIP
 * and CD.PIIU with CD.PIE (only when STE.S1PIE allows it), STE.S2POI with STE.S2POE, the SMMU's
 * own accesses under an MRO stage 2 permission, and the overlay's effect kept out of the TLB
 * (§5.2 S2POI). Scripts run through the real parser, resolver and interpreter: the expectations
 * inside them hold (no error), and the assertions here look at what the model did besides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, QEMU_IDS } from '../../harness/helpers';
import { ENABLED_SMMU, runEngineScript } from '../../harness/engine-script';

/** QEMU's IDs with stage 2 (IDR0.S2P), HTTU AF+dirty (IDR0[7:6] = 0b10) and IDR3.S1PI, S2PI, S2PO (bits 18-20). */
const IDS = { IDR0: QEMU_IDS.IDR0 | 1 | (2 << 6), IDR3: QEMU_IDS.IDR3 | (7 << 18) };

/** A stage-2-only stream: `map` leaves have S2AP = 0b11, so PIIndex 1 (bit 6) and Dirty = 1 (bit 7). */
const S2_STE = (sid: number, extra: string) =>
  `ste ${sid} V Config=S2_TRANS S2VMID=1 S2T0SZ=24 S2SL0=1 S2TG=GRAN4K S2PS=OAS44 S2AA64 S2R S2TTB=0x46000000 ${extra}`;

function run(body: string) {
  const r = runEngineScript(ENABLED_SMMU + body, config(IDS));
  assert.deepEqual(r.errors, []);
  return r.engine;
}

const log = (engine: ReturnType<typeof run>) => engine.activity.map((a) => a.text).join('\n');

test('§3.26.2: with STE.S2PIE the stage 2 permissions are SMMU_S2PII[PIIndex], not S2AP; a change of S2PII applies after a TLB invalidation', () => {
  const engine = run(`
${S2_STE(6, 'S2PIE')}
map ttb=0x46000000 iova=0x20000000 pa=0x90000000 stage=2 tsz=24 sl0=1
write64 S2PII S2PII1=RO
dma read sid=6 iova=0x20000000 == 0x90000000
dma write sid=6 iova=0x20000000 == F_PERMISSION
expect event F_PERMISSION StreamID=6 S2=1 CLASS=IN RnW=0 InputAddr=0x20000000 IPA=0x20000000
write64 S2PII S2PII1=RW
cmd TLBI_S12_VMALL vmid=1
cmd SYNC
doorbell
dma write sid=6 iova=0x20000000 == 0x90000000
`);
  assert.match(log(engine), /PIIndex 1 selects SMMU_S2PII\.S2PII1 = 0b1000 \(RO\)/);
});

test('§3.26.2: without STE.S2PIE the same stream uses S2AP (the Direct scheme), whatever SMMU_S2PII holds', () => {
  run(`
${S2_STE(6, '')}
map ttb=0x46000000 iova=0x20000000 pa=0x90000000 stage=2 tsz=24 sl0=1
write64 S2PII 0
dma write sid=6 iova=0x20000000 == 0x90000000
`);
});

test('§3.26.1: CD.PIE selects CD.PIIP / CD.PIIU only when STE.S1PIE is 1; otherwise the Direct permissions apply', () => {
  // map's stage 1 leaf: AP[1] = 1 (PIIndex 1), AP[2] = 0 (nDirty = 0, writable-dirty).
  // PIIU<1> = 0b001 (read-only), PIIP<1> = 0b101 (read-write): bits [5:3] of each. Two CDs alike
  // but for their ASIDs, so that the TLB entries of one do not answer the other.
  const cd = (at: string, asid: number) =>
    `cd ${at} V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=${asid} TTB0=0x45000000 PIE PIIU=0x8 PIIP=0x28`;
  const engine = run(`
${cd('0x44000000', 1)}
${cd('0x44001000', 2)}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000
ste 7 V Config=S1_TRANS S1ContextPtr=0x44001000 S1PIE
dma write sid=5 iova=0x10000000 == 0x80000000
dma write sid=7 iova=0x10000000 == F_PERMISSION
expect event F_PERMISSION StreamID=7 S2=0 RnW=0 InputAddr=0x10000000
dma read sid=7 iova=0x10000000 == 0x80000000
dma write sid=7 iova=0x10000000 priv == 0x80000000
`);
  assert.match(log(engine), /PIIndex 1 selects PIIU<1> = 0b001/);
});

test('§3.26.2 / §5.2 S2POI: an overlay refuses a write the base allows (F_PERMISSION), and a new S2POI applies after CMD_CFGI_STE alone: the TLB keeps no overlay result', () => {
  const engine = run(`
${S2_STE(6, 'S2PIE S2POE S2POI=0xC')}
map ttb=0x46000000 iova=0x20000000 pa=0x90000000 stage=2 tsz=24 sl0=1
write64 S2PII S2PII1=RW
dma write sid=6 iova=0x20000000 == 0x90000000
${S2_STE(6, 'S2PIE S2POE S2POI=0x8')}
cmd CFGI_STE sid=6 Leaf
cmd SYNC
doorbell
dma write sid=6 iova=0x20000000 == F_PERMISSION
expect event F_PERMISSION StreamID=6 S2=1 CLASS=IN RnW=0 InputAddr=0x20000000 IPA=0x20000000
dma read sid=6 iova=0x20000000 == 0x90000000
`);
  assert.match(log(engine), /POIndex 0 selects STE\.S2POI<0> = 0b1000 \(RO\), which refuses it \(Overlay, §3\.26\.2\)/);
  assert.equal(engine.tlb.size, 0, 'no TLB entry for a stream whose stage 2 applies an overlay');
});

test('Arm ARM D8.4.2.2.1 (MRO): stage 2 lets the SMMU set a stage 1 Access flag in an MRO page, and refuses a device’s data write there', () => {
  // Stage 1 tables by hand at 0x45000000-0x45003000; stage 2 maps the leaf's table page with XN
  // (PIIndex 9, S2PII9 = MRO) and everything else with PIIndex 1 (RW).
  const engine = run(`
ste 7 V Config=NESTED S1ContextPtr=0x44000000 S2VMID=4 S2T0SZ=24 S2SL0=1 S2TG=GRAN4K S2PS=OAS44 S2AA64 S2R S2TTB=0x46000000 S2PIE
ste 8 V Config=S2_TRANS S2VMID=4 S2T0SZ=24 S2SL0=1 S2TG=GRAN4K S2PS=OAS44 S2AA64 S2R S2TTB=0x46000000 S2PIE
map ttb=0x46000000 iova=0x44000000 pa=0x44000000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x45000000 pa=0x45000000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x45001000 pa=0x45001000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x45002000 pa=0x45002000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x45003000 pa=0x45003000 stage=2 tsz=24 sl0=1 xn
map ttb=0x46000000 iova=0x80000000 pa=0x80000000 stage=2 tsz=24 sl0=1
write64 S2PII S2PII1=RW | S2PII9=MRO
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 HA
mem write64 0x45000000 0x45001003
mem write64 0x45001000 0x45002003
mem write64 0x45002400 0x45003003
mem write64 0x45003000 0x80000343
dma read sid=7 iova=0x10000000 == 0x80000000
mem read64 0x45003000 == 0x80000743
dma read sid=8 iova=0x45003000 == 0x45003000
dma write sid=8 iova=0x45003000 == F_PERMISSION
expect event F_PERMISSION StreamID=8 S2=1 CLASS=IN RnW=0
`);
  assert.match(log(engine), /S2PII9 = 0b0010 \(MRO\)/);
});
