/**
 * Translation Hardening (SMMU_IDR3.THE, §3.27): the stage 2 AssuredOnly check (STE.AssuredOnly,
 * descriptor bit 58) with the SMMU's rules for the Assured Translation property (STE.TL0 / TL1,
 * the CD fetched from AssuredOnly memory, §3.27.2), and the stage 1 Protected attribute (CD.PnCH,
 * §3.27.1). Scripts run through the real parser, resolver and interpreter: the expectations inside
 * them hold (no error).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, QEMU_IDS } from '../../harness/helpers';
import { runEngineScript } from '../../harness/engine-script';
import { walk } from '../../../core/translation/walk';
import type { WalkMemory, WalkParams } from '../../../core/translation/types';

/** QEMU's IDs with stage 2 (IDR0.S2P, bit [0]), ATS (IDR0.ATS, bit [10]) and IDR3.THE (bit [21], §6.3.4). */
const THE = { IDR0: QEMU_IDS.IDR0 | 1 | (1 << 10), IDR3: QEMU_IDS.IDR3 | (1 << 21) };
const NO_THE = { IDR0: THE.IDR0 };

/**
 * Stage 2 (start level 1, 4 KB) at 0x46000000 maps IPA 0x20000000 → 0x90000000 (leaf at
 * 0x48001000), the CD page 0x44000000 (leaf at 0x48003000), the stage 1 level 0 table page
 * 0x45000000 (leaf at 0x48004000) and the 2 MB block 0x4A000000 of the other stage 1 tables
 * (leaf at 0x48002280), each to itself. Stage 1 maps VA 0x10000000 → IPA 0x20000000 through
 * 0x45000000 (level 0), 0x4A000000, 0x4A001000 and 0x4A002000 (the leaf).
 */
const TABLES = `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=5
write32 CR2 RECINVSID
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
tables 0x48000000
map ttb=0x46000000 iova=0x20000000 pa=0x90000000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x44000000 pa=0x44000000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x45000000 pa=0x45000000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x4A000000 pa=0x4A000000 stage=2 tsz=24 sl0=1 size=0x200000
tables 0x4A000000
map ttb=0x45000000 iova=0x10000000 pa=0x20000000
mem read64 0x48001000 == 0x900007FF
mem read64 0x48003000 == 0x440007FF
mem read64 0x48004000 == 0x450007FF
mem read64 0x48002280 == 0x4A0007FD
mem read64 0x4A002000 == 0x20000F43
`;

/** Bit 58 of a stage 2 leaf: the AssuredOnly attribute with STE.AssuredOnly (§3.27.2). */
const AO = 1n << 58n;
/** Bit 52 of a stage 1 descriptor: the Protected attribute with CD.PnCH (§3.27.1). */
const PROTECTED = 1n << 52n;
const hex = (v: bigint) => `0x${v.toString(16).toUpperCase()}`;
/** Mark the stage 2 leaves at these PAs AssuredOnly. */
const assuredOnly = (...leaves: [number, bigint][]) =>
  leaves.map(([at, v]) => `mem write64 ${hex(BigInt(at))} ${hex(v | AO)}`).join('\n');
const S2_OUT: [number, bigint] = [0x48001000, 0x900007ffn];
const S2_CD: [number, bigint] = [0x48003000, 0x440007ffn];
const S2_L0: [number, bigint] = [0x48004000, 0x450007ffn];
const S2_TABLES: [number, bigint] = [0x48002280, 0x4a0007fdn];

const S2 = 'S2VMID=3 S2T0SZ=24 S2SL0=1 S2TG=GRAN4K S2PS=OAS44 S2AA64 S2R S2TTB=0x46000000';
const CD = 'cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000';

function runScript(body: string, ids: Partial<typeof QEMU_IDS> = THE) {
  const r = runEngineScript(TABLES + body, config(ids));
  assert.deepEqual(r.errors, []);
  return r.engine;
}

const permissionEvents = (engine: ReturnType<typeof runScript>) =>
  engine.activity.filter((a) => a.kind === 'event' && /F_PERMISSION/.test(a.text)).map((a) => a.text);

test('§3.27.2: stage 1 bypassed (STE.Config stage 2 only) has no Assured Translation: an AssuredOnly page is a stage 2 F_PERMISSION', () => {
  const engine = runScript(`
${assuredOnly(S2_OUT)}
ste 6 V Config=S2_TRANS ${S2} AssuredOnly
dma read sid=6 iova=0x20000000 == F_PERMISSION
expect event F_PERMISSION StreamID=6 S2=1 CLASS=IN IPA=0x20000000 RnW=READ
dma read sid=6 iova=0x44000000 == 0x44000000
ste 8 V Config=S2_TRANS ${S2}
dma read sid=8 iova=0x20000000 == 0x90000000
`);
  const [f] = permissionEvents(engine);
  assert.match(f ?? '', /AssuredOnly .*§3\.27\.2/);
});

test('§3.27.2: stage 1 bypassed by STE.S1DSS == 0b01 is checked as a stage-2-only stream', () => {
  runScript(`
${assuredOnly(S2_OUT)}
${CD}
ste 7 V Config=NESTED S1ContextPtr=0x44000000 S1CDMax=1 S1DSS=1 ${S2} AssuredOnly TL0
dma read sid=7 iova=0x20000000 == F_PERMISSION
expect event F_PERMISSION StreamID=7 S2=1 CLASS=IN IPA=0x20000000
`);
});

test('§5.2 AssuredOnly is RES0 without SMMU_IDR3.THE: bit 58 of a stage 2 leaf means nothing then', () => {
  runScript(
    `
${assuredOnly(S2_OUT)}
ste 6 V Config=S2_TRANS ${S2}
dma read sid=6 iova=0x20000000 == 0x90000000
`,
    NO_THE,
  );
});

test('§3.27.2: the stage 1 output of a nested stream lacks Assured Translation without MRO stage 2 permissions (direct permissions give none)', () => {
  // Everything else the property needs is there: STE.TL0, the CD and every table in AssuredOnly
  // memory, CD.PnCH and the Protected bit in every stage 1 descriptor.
  const protect = [0x45000000, 0x4a000000, 0x4a001400, 0x4a002000].map(
    (a) =>
      `mem write64 ${hex(BigInt(a))} ${hex(PROTECTED | (a === 0x45000000 ? 0x4a000003n : a === 0x4a000000 ? 0x4a001003n : a === 0x4a001400 ? 0x4a002003n : 0x20000f43n))}`,
  );
  runScript(`
${assuredOnly(S2_OUT, S2_CD, S2_L0)}
${protect.join('\n')}
${CD} PnCH
ste 7 V Config=NESTED S1ContextPtr=0x44000000 ${S2} AssuredOnly TL0
dma read sid=7 iova=0x10000000 == F_PERMISSION
expect event F_PERMISSION StreamID=7 S2=1 CLASS=IN IPA=0x20000000
`);
});

test('§3.27.2 with §3.26.2: MRO stage 2 permissions (SMMU_S2PII) for the stage 1 tables keep the Assured Translation property to the output', () => {
  // As above, but the stage 2 leaves of the two stage 1 table pages get PIIndex 3 (bits 51 and 6)
  // and SMMU_S2PII gives PIIndex 3 MRO (0b0010) and PIIndex 1 (every other leaf) RW (0b1100).
  const protect = [0x45000000, 0x4a000000, 0x4a001400, 0x4a002000].map(
    (a) =>
      `mem write64 ${hex(BigInt(a))} ${hex(PROTECTED | (a === 0x45000000 ? 0x4a000003n : a === 0x4a000000 ? 0x4a001003n : a === 0x4a001400 ? 0x4a002003n : 0x20000f43n))}`,
  );
  const PI3 = 1n << 51n;
  const ids = { ...THE, IDR3: THE.IDR3 | (1 << 19) };
  const script = (s2pii: string) => `
${assuredOnly(S2_OUT, S2_CD, [S2_L0[0], S2_L0[1] | PI3], [S2_TABLES[0], S2_TABLES[1] | PI3])}
${protect.join('\n')}
write64 S2PII ${s2pii}
${CD} PnCH
ste 7 V Config=NESTED S1ContextPtr=0x44000000 ${S2} S2PIE AssuredOnly TL0
`;
  runScript(`${script('S2PII1=RW|S2PII3=MRO')}dma read sid=7 iova=0x10000000 == 0x90000000\n`, ids);
  // The same tables readable as RW instead of MRO: the property is lost after the top-level read.
  runScript(
    `${script('S2PII1=RW|S2PII3=RW')}dma read sid=7 iova=0x10000000 == F_PERMISSION\nexpect event F_PERMISSION StreamID=7 S2=1 CLASS=TTD IPA=0x4A000000\n`,
    ids,
  );
});

test('§3.27.2: the top-level table read has Assured Translation with STE.TL0 and a CD fetched from AssuredOnly memory', () => {
  runScript(`
${assuredOnly(S2_CD, S2_L0)}
${CD}
ste 7 V Config=NESTED S1ContextPtr=0x44000000 ${S2} AssuredOnly TL0
dma read sid=7 iova=0x10000000 == 0x90000000
`);
});

test('§3.27.2: a CD fetched from memory that is not AssuredOnly takes the property away: the top-level table read faults (CLASS TTD)', () => {
  runScript(`
${assuredOnly(S2_L0)}
${CD}
ste 7 V Config=NESTED S1ContextPtr=0x44000000 ${S2} AssuredOnly TL0
dma read sid=7 iova=0x10000000 == F_PERMISSION
expect event F_PERMISSION StreamID=7 S2=1 CLASS=TTD IPA=0x45000000
`);
});

test('§3.27.2: without STE.TL0 the walk through TTB0 has no Assured Translation: the top-level table read faults', () => {
  runScript(`
${assuredOnly(S2_CD, S2_L0)}
${CD}
ste 7 V Config=NESTED S1ContextPtr=0x44000000 ${S2} AssuredOnly TL1
dma read sid=7 iova=0x10000000 == F_PERMISSION
expect event F_PERMISSION StreamID=7 S2=1 CLASS=TTD IPA=0x45000000
`);
});

test('§3.27.2: a next-level table read loses the property without MRO stage 2 permissions for the table above', () => {
  runScript(`
${assuredOnly(S2_CD, S2_L0, S2_TABLES)}
${CD} PnCH
mem write64 0x45000000 ${hex(PROTECTED | 0x4a000003n)}
ste 7 V Config=NESTED S1ContextPtr=0x44000000 ${S2} AssuredOnly TL0
dma read sid=7 iova=0x10000000 == F_PERMISSION
expect event F_PERMISSION StreamID=7 S2=1 CLASS=TTD IPA=0x4A000000
`);
});

test('§3.27.2: an ATS Translation Request that fails the AssuredOnly check completes with R == W == 0; a Split-stage Translated transaction ignores AssuredOnly', () => {
  runScript(`
${assuredOnly(S2_OUT)}
write32 CR0 SMMUEN|CMDQEN|EVENTQEN|ATSCHK
ste 6 V Config=S2_TRANS ${S2} AssuredOnly EATS=1
dma read sid=6 iova=0x20000000 ats == denied
expect no event
ste 9 V Config=NESTED S1ContextPtr=0x44000000 ${S2} AssuredOnly EATS=2
${CD}
dma read sid=9 iova=0x20000000 translated == 0x90000000
`);
});

test('§3.27.1: with CD.PnCH bit 52 of a stage 1 leaf is the Protected attribute, not the Contiguous hint', () => {
  const leaf = 0x20000f43n | PROTECTED;
  // A level 3 walk from a one-entry start table: level 0 → 1 → 2 → 3, each table at the next page.
  const mem = new Map<bigint, bigint>([
    [0x1000n, 0x2003n],
    [0x2000n, 0x3003n],
    [0x3000n, 0x4003n],
    [0x4000n, leaf],
  ]);
  const memory: WalkMemory = { read64: (pa) => mem.get(pa) ?? 0n, write64: () => 'ok' };
  const p: WalkParams = { stage: 1, granule: 4, tsz: 16, ttb: 0x1000n, outputBits: 44, ha: false, hd: false };
  const access = { read: true, write: false, exec: false, priv: true };
  const plain = walk(p, 0n, access, memory);
  const pnch = walk({ ...p, pnch: true }, 0n, access, memory);
  assert.ok(plain.ok && pnch.ok);
  assert.equal(plain.contiguous, true);
  assert.equal(pnch.contiguous, false);
});
