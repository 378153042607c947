/**
 * MPAM attributes of client transactions (core/engine/mpam.ts, §17.2) and the VMS (§5.6): the
 * PARTID and PMG a completed transaction carries, by SMMUEN, STE.Config and STE.S1MPAM; values
 * above SMMU_MPAMIDR's maxima are UNKNOWN; a nested stream maps CD.PARTID through the VMS's
 * PARTID_MAP, fetched through STE.VMSPtr (F_VMS_FETCH on an abort, §7.3.20) and cached by VMID
 * until CMD_CFGI_VMS_PIDM or CMD_CFGI_ALL (§4.3.5, §4.3.6, §5.6.2). Scripts run through the real
 * parser, resolver and interpreter; their expectations hold (no error).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Transaction } from '../../../core/engine/context';
import { config, QEMU_IDS } from '../../harness/helpers';
import { ENABLED_SMMU, runEngineScript } from '../../harness/engine-script';

/** Stage 1 and stage 2 (IDR0.S2P, bit [0]), MPAM (IDR3 bit [7]); SMMU_MPAMIDR PARTID_MAX 63, PMG_MAX 3. */
const IDS = { IDR0: QEMU_IDS.IDR0 | 1, IDR3: QEMU_IDS.IDR3 | (1 << 7), MPAMIDR: (3 << 16) | 63 };

const PRELUDE = ENABLED_SMMU;
const CD = (extra: string) =>
  `cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 ${extra}`;
const S1 = (ste: string, cd = '') => `${CD(cd)}
ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000 ${ste}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
`;
/** Nested: stage 2 maps IPA 1 GB–2 GB flat (the CD, the tables) and IPA 0x80000000 to 0x90000000. */
const NESTED = (ste: string, cd = '') => `${CD(cd)}
map ttb=0x46000000 iova=0x40000000 pa=0x40000000 size=0x40000000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x80000000 pa=0x90000000 stage=2 tsz=24 sl0=1
ste 5 V Config=NESTED S1ContextPtr=0x44000000 S2VMID=7 S2T0SZ=24 S2SL0=1 S2TG=0 S2PS=4 S2AA64 S2R S2TTB=0x46000000 ${ste}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
`;
const READ: Transaction = {
  sid: 5,
  address: 0x10000000n,
  access: { read: true, write: false, exec: false, priv: false },
};

function run(body: string, ids: Partial<typeof IDS> = IDS) {
  const r = runEngineScript(PRELUDE + body, config(ids));
  assert.deepEqual(r.errors, [], 'the script runs without error');
  return r;
}

function mpam(body: string, ids: Partial<typeof IDS> = IDS) {
  const { engine } = run(body, ids);
  const res = engine.translate(READ);
  assert.ok(res.outcome === 'translated' || res.outcome === 'bypass', res.detail);
  return { mpam: res.mpam, detail: res.detail, engine };
}

test('§17.2 step 1: with SMMUEN == 0 a bypassing transaction takes SMMU_GBPMPAM.GBP_PARTID and GBP_PMG', () => {
  const { engine } = runEngineScript(
    'write32 GBPA Update|ABORT=0\nwrite32 GBPMPAM Update|GBP_PMG=2|GBP_PARTID=9\n',
    config(IDS),
  );
  const r = engine.translate(READ);
  assert.equal(r.outcome, 'bypass');
  assert.deepEqual('mpam' in r && r.mpam, { partid: 9, pmg: 2, from: 'SMMU_GBPMPAM' });
  assert.match(r.detail, /MPAM PARTID 9, PMG 2 from SMMU_GBPMPAM \(§17\.2\)/);
});

test('§17.2 table: Config bypass, stage 1 with S1MPAM = 0 take STE.PARTID/PMG; stage 1 with S1MPAM = 1 takes CD.PARTID/PMG', () => {
  const bypass = mpam('ste 5 V Config=BYPASS PARTID=4 PMG=1\n');
  assert.deepEqual(bypass.mpam, { partid: 4, pmg: 1, from: 'STE' });
  const steIds = mpam(S1('PARTID=4 PMG=1', 'PARTID=11 PMG=2'));
  assert.deepEqual(steIds.mpam, { partid: 4, pmg: 1, from: 'STE' });
  const cdIds = mpam(S1('PARTID=4 PMG=1 S1MPAM', 'PARTID=11 PMG=2'));
  assert.deepEqual(cdIds.mpam, { partid: 11, pmg: 2, from: 'CD' });
  assert.match(cdIds.detail, /MPAM PARTID 11, PMG 2 from CD\.PARTID and CD\.PMG/);
  // A TLB hit (the engine's memo skips the STE) carries the same attributes.
  assert.deepEqual((cdIds.engine.translate(READ) as { mpam?: unknown }).mpam, { partid: 11, pmg: 2, from: 'CD' });
});

test('§5.2 S1MPAM: when STE.S1DSS bypasses stage 1 the STE gives the IDs, S1MPAM is IGNORED', () => {
  const r = mpam(S1('PARTID=4 PMG=1 S1MPAM S1CDMax=1 S1DSS=1', 'PARTID=11 PMG=2'));
  assert.deepEqual(r.mpam, { partid: 4, pmg: 1, from: 'STE' });
});

test('§5.2 PARTID/PMG, §5.4 PARTID/PMG: a value above SMMU_MPAMIDR.PARTID_MAX / PMG_MAX is interpreted as UNKNOWN (no C_BAD_STE)', () => {
  const { engine } = run(S1('PARTID=64 PMG=4'));
  const r = engine.translate(READ);
  assert.equal(r.outcome, 'translated');
  assert.deepEqual('mpam' in r && r.mpam, { partid: 'UNKNOWN', pmg: 'UNKNOWN', from: 'STE' });
  const notes = engine.activity.filter((a) => a.code === 'mpam.unknown').map((a) => a.text);
  assert.ok(
    notes.some((t) => /STE 5\.PARTID is 64, above SMMU_MPAMIDR\.PARTID_MAX \(63\)/.test(t)),
    notes.join('\n'),
  );
  const cd = mpam(S1('S1MPAM', 'PARTID=63 PMG=9'));
  assert.deepEqual(cd.mpam, { partid: 63, pmg: 'UNKNOWN', from: 'CD' });
});

test('§17.2 nested with S1MPAM = 1: PARTID = VMS.PARTID_MAP[CD.PARTID[4:0]], PMG = CD.PMG; with S1MPAM = 0 the STE', () => {
  // PARTID_MAP entries 2 and 3 in the word at byte 4: entry 3 (bits [31:16]) is 0x21 = 33.
  const vms = 'mem write32 0x47000004 0x00210005\n';
  const r = mpam(`${vms}${NESTED('S1MPAM VMSPtr=0x47000000 PARTID=1', 'PARTID=3 PMG=2')}`);
  assert.deepEqual(r.mpam, { partid: 33, pmg: 2, from: 'VMS' });
  assert.match(r.detail, /from the VMS PARTID_MAP and CD\.PMG/);
  assert.ok(r.engine.activity.some((a) => a.kind === 'fetch' && /VMS of STE 5 from 0x0*47000000/.test(a.text)));
  const ste = mpam(`${vms}${NESTED('VMSPtr=0x47000000 PARTID=1', 'PARTID=3 PMG=2')}`);
  assert.deepEqual(ste.mpam, { partid: 1, pmg: 0, from: 'STE' });
  // An entry above PARTID_MAX: UNKNOWN (§5.6 PARTID_MAP).
  const high = mpam(`${vms}${NESTED('S1MPAM VMSPtr=0x47000000', 'PARTID=2 PMG=2')}`, {
    ...IDS,
    MPAMIDR: (3 << 16) | 4,
  });
  assert.deepEqual(high.mpam, { partid: 'UNKNOWN', pmg: 2, from: 'VMS' });
});

test('§7.3.20 an external abort fetching the VMS is F_VMS_FETCH with the VMS address', () => {
  run(`mem abort 0x47000000 0x1000
${NESTED('S1MPAM VMSPtr=0x47000000', 'PARTID=3 PMG=2')}
dma read sid=5 iova=0x10000000 == F_VMS_FETCH
expect event F_VMS_FETCH StreamID=5 FetchAddr=0x47000000
`);
});

test('§5.6.2, §4.3.5: a changed PARTID_MAP stays cached (stale.vms) until CMD_CFGI_VMS_PIDM of the VMID; CFGI_STE does not remove it', () => {
  const { engine } = run(`mem write32 0x47000004 0x00210005
${NESTED('S1MPAM VMSPtr=0x47000000', 'PARTID=3 PMG=2')}
dma read sid=5 iova=0x10000000 == 0x90000000
mem write32 0x47000004 0x00160005
cmd CFGI_STE sid=5
cmd SYNC
doorbell
`);
  const stale = engine.translate(READ);
  assert.deepEqual('mpam' in stale && stale.mpam, { partid: 33, pmg: 2, from: 'VMS' });
  assert.ok(
    engine.activity.some((a) => a.code === 'stale.vms' && /CMD_CFGI_VMS_PIDM \(VMID 7\)/.test(a.text)),
    'the stale PARTID_MAP is reported',
  );
  // A PIDM for another VMID leaves it; for VMID 7 it goes, and the new entry applies.
  const script = (vmid: number) =>
    runEngineScript(
      `${PRELUDE}mem write32 0x47000004 0x00210005
${NESTED('S1MPAM VMSPtr=0x47000000', 'PARTID=3 PMG=2')}
dma read sid=5 iova=0x10000000 == 0x90000000
mem write32 0x47000004 0x00160005
cmd CFGI_VMS_PIDM VMID=${vmid}
cmd SYNC
doorbell
`,
      config(IDS),
    );
  const other = script(6);
  assert.deepEqual(other.errors, []);
  assert.equal((other.engine.translate(READ) as { mpam?: { partid: unknown } }).mpam?.partid, 33);
  const same = script(7);
  assert.deepEqual(same.errors, []);
  assert.equal((same.engine.translate(READ) as { mpam?: { partid: unknown } }).mpam?.partid, 22);
});

test('§4.3.6 CMD_CFGI_ALL invalidates the PARTID_MAP cached by VMID too', () => {
  const { engine } = run(`mem write32 0x47000004 0x00210005
${NESTED('S1MPAM VMSPtr=0x47000000', 'PARTID=3 PMG=2')}
dma read sid=5 iova=0x10000000 == 0x90000000
mem write32 0x47000004 0x00160005
cmd CFGI_ALL
cmd SYNC
doorbell
`);
  assert.equal((engine.translate(READ) as { mpam?: { partid: unknown } }).mpam?.partid, 22);
});

test('without MPAM in SMMU_IDR3 a transaction carries no MPAM attributes', () => {
  const r = mpam('ste 5 V Config=BYPASS\n', { IDR0: IDS.IDR0 });
  assert.equal(r.mpam, undefined);
  assert.doesNotMatch(r.detail, /MPAM/);
});
