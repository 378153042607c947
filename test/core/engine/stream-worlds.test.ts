/**
 * The one-table StreamWorlds (§5.4.1: NS-EL2 and S-EL2 without E2H, and EL3) against EL1 and the
 * E2H worlds: which CD fields are checked for C_BAD_CD (§5.4 CdIllegal()), which tags their TLB
 * entries carry (§5.4 ASID: IGNORED; §5.2 S2VMID: no VMID tagging outside NS-EL1 and Secure) and
 * which invalidations remove them (§4.4.2.5–§4.4.2.14). Scripts run through the real resolver and
 * interpreter on the smmuv3.3-secure-ats preset (Hyp, S2P, Secure EL2): the expectations inside
 * them hold (no error), and the assertions here look at what the model did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS } from '../../../core/config/presets';
import type { ResolvedConfig } from '../../../core/config/types';
import { checkCd, CD } from '../../../core/structures/cd';
import { encodeStructure } from '../../../core/structures/encode';
import { idViewOfValues } from '../../../core/model/ids';
import { ENABLED_SECURE_SMMU, ENABLED_SMMU, runEngineScript } from '../../harness/engine-script';

const SECURE_ATS = (PRESETS.get('smmuv3.3-secure-ats') as { config: ResolvedConfig }).config;
/** The preset with 8-bit ASIDs (SMMU_IDR0.ASID16, bit [12], cleared). */
const ASID8: ResolvedConfig = {
  ...SECURE_ATS,
  ids: { ...SECURE_ATS.ids, IDR0: ((SECURE_ATS.ids.IDR0 ?? 0) & ~(1 << 12)) >>> 0 },
};

/** Both interfaces enabled with their queues, SMMU_CR2.E2H and SMMU_S_CR2.E2H as given. */
const prelude = (e2h: boolean) =>
  e2h
    ? `${ENABLED_SMMU.replace('CR2 RECINVSID', 'CR2 E2H|RECINVSID')}${ENABLED_SECURE_SMMU.replace('S_CR2 RECINVSID', 'S_CR2 E2H|RECINVSID')}`
    : `${ENABLED_SMMU}${ENABLED_SECURE_SMMU}`;

/** A StreamWorld to test: the STE fields that select it, `secure` for a Secure STE, and E2H. */
interface World {
  readonly name: string;
  readonly ste: string;
  readonly secure: boolean;
  readonly e2h: boolean;
}
const NS_EL1: World = { name: 'NS-EL1', ste: '', secure: false, e2h: false };
const NS_EL2: World = { name: 'NS-EL2', ste: 'STRW=NS_EL2', secure: false, e2h: false };
const NS_EL2_E2H: World = { name: 'NS-EL2-E2H', ste: 'STRW=NS_EL2', secure: false, e2h: true };
const SECURE: World = { name: 'Secure', ste: '', secure: true, e2h: false };
const S_EL2: World = { name: 'S-EL2', ste: 'STRW=0b10', secure: true, e2h: false };
const S_EL2_E2H: World = { name: 'S-EL2-E2H', ste: 'STRW=0b10', secure: true, e2h: true };
const EL3: World = { name: 'EL3', ste: 'STRW=0b01', secure: true, e2h: false };

/** ` secure` for a Secure world: its CDs and tables are in the Secure PA space (§3.10.2). */
const sec = (w: World) => (w.secure ? ' secure' : '');

/** STE `sid` of `w`'s Stream table, stage 1 only, its CD at `cd`. */
const steOf = (w: World, sid: number, cd: string, extra = '') =>
  `ste ${sid}${w.secure ? ' secure' : ''} V Config=S1_TRANS S1ContextPtr=${cd} ${w.ste} ${extra}`;
/** `dma` from `w`'s stream `sid`. */
const dma = (w: World, sid: number, rest: string) =>
  `dma read sid=${sid} iova=0x10000010${w.secure ? ' secure' : ''} ${rest}`;
/** A command on `w`'s Command queue, then CMD_SYNC. */
const cmd = (w: World, text: string) => {
  const q = w.secure ? ' secure' : '';
  return `cmd ${text}${q}\ncmd SYNC${q}\ndoorbell${q}\n`;
};

/** TTB0 of a 48-bit range; TTB1's fields junk: T1SZ reserved (2), TG1 Reserved (0), TTB1 beyond 44 bits, no EPD1. */
const JUNK_TTB1 = 'V T0SZ=16 TG0=GRAN4K T1SZ=2 TG1=0 TTB1=0x4000000000000 IPS=OAS44 AA64 R A TTB0=0x45000000';

const events = (r: ReturnType<typeof runEngineScript>) =>
  r.engine.activity.filter((a) => a.kind === 'event').map((a) => /\b[CF]_[A-Z_]+/.exec(a.text)?.[0]);

test('§5.4.1: a CD used from NS-EL2, S-EL2 or EL3 has no TTB1 and no ASID: a junk TTB1, T1SZ, TG1 and a 16-bit ASID on an 8-bit-ASID SMMU are not C_BAD_CD; from NS-EL1, Secure, NS-EL2-E2H or S-EL2-E2H they are', () => {
  for (const w of [NS_EL2, S_EL2, EL3, NS_EL1, SECURE, NS_EL2_E2H, S_EL2_E2H]) {
    const oneTable = w === NS_EL2 || w === S_EL2 || w === EL3;
    const body = (cd: string) => `${prelude(w.e2h)}
cd 0x44000000${sec(w)} ${cd}
${steOf(w, 5, '0x44000000')}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000${sec(w)}
${dma(w, 5, `== ${oneTable ? '0x80000010' : 'C_BAD_CD'}`)}
`;
    const ttb1 = runEngineScript(body(`${JUNK_TTB1} ASID=1`), ASID8);
    assert.deepEqual(ttb1.errors, [], `${w.name}: junk TTB1`);
    assert.deepEqual(events(ttb1), oneTable ? [] : ['C_BAD_CD'], w.name);
    // ASID[15:8] != 0 with SMMU_IDR0.ASID16 == 0: "This field is IGNORED if StreamWorld == any-EL2 or EL3" (§5.4 ASID).
    const asid = runEngineScript(
      body('V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A TTB0=0x45000000 ASID=0x1234'),
      ASID8,
    );
    assert.deepEqual(asid.errors, [], `${w.name}: ASID 0x1234`);
  }
});

test('§5.4.1: the `cd` statement judges a CD as EL1 would and says that an EL2 or EL3 stream ignores its TTB1 and ASID', () => {
  const script = `${prelude(false)}
cd 0x44000000 ${JUNK_TTB1} ASID=1
cd 0x44001000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A TTB0=0x45000000 ASID=0x1234
cd 0x44002000 V T0SZ=2 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A TTB0=0x45000000
`;
  const r = runEngineScript(script, ASID8);
  const lines = script.split('\n');
  /** The cd.illegal warnings of the `cd` statement at `address`. */
  const of = (address: string) =>
    r.diagnostics
      .filter((d) => d.code === 'cd.illegal' && lines[d.range.start.line]?.startsWith(`cd ${address}`))
      .map((d) => d.message);
  // TTB1's fields and the ASID, which StreamWorld NS-EL2, S-EL2 and EL3 ignore.
  const ignoredThere = [...of('0x44000000'), ...of('0x44001000')];
  assert.equal(ignoredThere.length, 4, ignoredThere.join('\n'));
  for (const m of ignoredThere)
    assert.match(m, /gets C_BAD_CD, but an NS-EL2, S-EL2 or EL3 stream ignores this field \(§5\.4\.1\)/, m);
  // T0SZ out of range is C_BAD_CD in every StreamWorld, and is said without the exception.
  const t0sz = of('0x44002000');
  assert.equal(t0sz.length, 1, t0sz.join('\n'));
  assert.match(
    t0sz[0] ?? '',
    /^CD is ILLEGAL: T0SZ = 2 is outside 16\.\.4[78]; a transaction using it gets C_BAD_CD \(§5\.4\)$/,
  );
});

test('§5.4 CdIllegal(): VMSAv8-32 LPAE tables are ILLEGAL from S-EL2, S-EL2-E2H, NS-EL2-E2H and EL3, permitted from NS-EL2, NS-EL1 and Secure', () => {
  // SMMU_IDR0.TTF = 0b11 (bits [3:2]): both table formats.
  const ids = idViewOfValues({ ...SECURE_ATS.ids, IDR0: ((SECURE_ATS.ids.IDR0 ?? 0) | (3 << 2)) >>> 0 });
  const w = encodeStructure(
    CD,
    new Map(Object.entries({ V: 1n, T0SZ: 0n, IPS: 2n, A: 1n, R: 1n, EPD1: 1n, TTB0: 0x4500_0000n, AA64: 0n })),
  ).words;
  const ste = (strw: number) => ({ config: 0b101, strw, s1Stalld: 0, s2Aa64: 1, s1Pie: 0 });
  const aa64 = (strw: number, secure: boolean, e2h: number) =>
    checkCd(w, ids, { ste: ste(strw), secure, e2h })
      .illegal.filter((p) => p.field === 'AA64')
      .map((p) => p.message);
  assert.deepEqual(aa64(0b10, false, 0), [], 'NS-EL2');
  assert.deepEqual(aa64(0b00, false, 0), [], 'NS-EL1');
  assert.deepEqual(aa64(0b00, true, 0), [], 'Secure');
  assert.deepEqual(aa64(0b10, true, 0), ['AA64 = 0 selects VMSAv8-32 LPAE in the S-EL2 StreamWorld']);
  assert.deepEqual(aa64(0b10, true, 1), ['AA64 = 0 selects VMSAv8-32 LPAE in the S-EL2-E2H StreamWorld']);
  assert.deepEqual(aa64(0b10, false, 1), ['AA64 = 0 selects VMSAv8-32 LPAE in the NS-EL2-E2H StreamWorld']);
  assert.deepEqual(aa64(0b01, true, 0), ['AA64 = 0 selects VMSAv8-32 LPAE in the EL3 StreamWorld']);
});

test('§5.4 PIIU: RES0 from EL3 and any-EL2, where every access is privileged: a reserved PIIU encoding is C_BAD_CD only from a world with unprivileged accesses', () => {
  // SMMU_IDR3.S1PI (bit [18]) with STE.S1PIE and CD.PIE: stage 1 permission indirection.
  const ids = idViewOfValues({ ...SECURE_ATS.ids, IDR3: ((SECURE_ATS.ids.IDR3 ?? 0) | (1 << 18)) >>> 0 });
  const w = encodeStructure(
    CD,
    new Map(
      Object.entries({
        V: 1n,
        T0SZ: 16n,
        IPS: 4n,
        A: 1n,
        R: 1n,
        AA64: 1n,
        EPD1: 1n,
        TTB0: 0x4500_0000n,
        PIE: 1n,
        PIIU: 0b100n,
      }),
    ),
  ).words;
  const ste = (strw: number) => ({ config: 0b101, strw, s1Stalld: 0, s2Aa64: 1, s1Pie: 1 });
  const piiu = (strw: number, secure: boolean, e2h = 0) =>
    checkCd(w, ids, { ste: ste(strw), secure, e2h }).illegal.map((p) => p.field);
  assert.deepEqual(piiu(0b01, true), [], 'EL3');
  assert.deepEqual(piiu(0b10, true), [], 'S-EL2');
  assert.deepEqual(piiu(0b10, false), [], 'NS-EL2');
  assert.deepEqual(piiu(0b00, true), ['PIIU'], 'Secure');
  assert.deepEqual(piiu(0b10, true, 1), ['PIIU'], 'S-EL2-E2H');
  assert.deepEqual(piiu(0b00, false), ['PIIU'], 'NS-EL1');
});

/**
 * Two streams of world `w`, each with its own CD (ASID 1 and ASID 2) and STE (S2VMID 1 and 2)
 * over the same TTB0, both reading 0x10000010; then `after`.
 */
const twoStreams = (w: World, after = '') => `${prelude(w.e2h)}
cd 0x44000000${sec(w)} V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000
cd 0x44001000${sec(w)} V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=2 TTB0=0x45000000
${steOf(w, 5, '0x44000000', 'S2VMID=1')}
${steOf(w, 6, '0x44001000', 'S2VMID=2')}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000${sec(w)}
${dma(w, 5, '== 0x80000010')}
${dma(w, 6, '== 0x80000010')}
${after}`;

const tags = (r: ReturnType<typeof runEngineScript>) =>
  r.engine.tlb.entries().map((e) => `${e.regime} VMID=${e.vmid} ASID=${e.asid} StreamID ${e.sid}`);

test('§5.4 ASID, §5.4.1 "EL2 has no ASIDs", §5.2 S2VMID: NS-EL2, S-EL2 and EL3 entries carry no ASID and no VMID, so streams with different CD.ASIDs and S2VMIDs share them', () => {
  for (const [w, regime] of [
    [NS_EL2, 'EL2'],
    [S_EL2, 'S_EL2'],
    [EL3, 'EL3'],
  ] as const) {
    const r = runEngineScript(twoStreams(w), SECURE_ATS);
    assert.deepEqual(r.errors, [], w.name);
    // One entry, inserted by StreamID 5's walk; StreamID 6's read hit it.
    assert.deepEqual(tags(r), [`${regime} VMID=-1 ASID=-1 StreamID 5`], w.name);
  }
  // The converse (§5.4 ASID: "ASID must tag all cached translations ... any-EL2-E2H"): one entry each.
  for (const [w, regime] of [
    [NS_EL2_E2H, 'EL2_E2H'],
    [S_EL2_E2H, 'S_EL2_E2H'],
  ] as const) {
    const r = runEngineScript(twoStreams(w), SECURE_ATS);
    assert.deepEqual(r.errors, [], w.name);
    assert.deepEqual(
      tags(r).sort(),
      [`${regime} VMID=-1 ASID=1 StreamID 5`, `${regime} VMID=-1 ASID=2 StreamID 6`],
      w.name,
    );
  }
});

test('§4.4.2.5–§4.4.2.10: the EL2 and EL3 invalidations remove the shared entries whatever ASID they name; CMD_TLBI_EL2_ASID and the EL1 ones do not', () => {
  const cases: readonly [World, string, boolean][] = [
    // §4.4.2.8: with SMMU_CR2.E2H == 0 "the ASID parameter is ignored".
    [NS_EL2, 'TLBI_EL2_VA ASID=7 Address=0x10000000', true],
    [NS_EL2, 'TLBI_EL2_VAA Address=0x10000000', true],
    [NS_EL2, 'TLBI_EL2_ALL', true],
    [NS_EL2, 'TLBI_EL2_VA ASID=7 Address=0x20000000', false],
    // §4.4.2.10: "EL2 (non-ASID-tagged) entries are not required to be invalidated".
    [NS_EL2, 'TLBI_EL2_ASID ASID=1', false],
    [NS_EL2, 'TLBI_NH_ASID ASID=1 VMID=1', false],
    [NS_EL2, 'TLBI_NH_ALL VMID=1', false],
    [NS_EL2, 'TLBI_S12_VMALL VMID=1', false],
    [NS_EL2, 'TLBI_NSNH_ALL', false],
    // §4.4.2.11–§4.4.2.14: the same on S-EL2, from the Secure Command queue.
    [S_EL2, 'TLBI_S_EL2_VA ASID=7 Address=0x10000000', true],
    [S_EL2, 'TLBI_S_EL2_VAA Address=0x10000000', true],
    [S_EL2, 'TLBI_S_EL2_ALL', true],
    [S_EL2, 'TLBI_S_EL2_ASID ASID=1', false],
    [S_EL2, 'TLBI_NH_ASID ASID=1', false],
    // §4.4.2.5, §4.4.2.6: EL3's, all or by VA.
    [EL3, 'TLBI_EL3_VA Address=0x10000000', true],
    [EL3, 'TLBI_EL3_ALL', true],
    [EL3, 'TLBI_EL3_VA Address=0x20000000', false],
    [EL3, 'TLBI_NH_ASID ASID=1', false],
  ];
  for (const [w, command, removes] of cases) {
    const r = runEngineScript(twoStreams(w, cmd(w, command)), SECURE_ATS);
    assert.deepEqual(r.errors, [], `${w.name}: ${command}`);
    assert.equal(r.engine.tlb.size, removes ? 0 : 1, `${w.name}: ${command}`);
  }
  // EL2-E2H: CMD_TLBI_EL2_ASID and CMD_TLBI_EL2_VA match the entry's ASID (§4.4.2.8, §4.4.2.10).
  for (const [w, command, left] of [
    [NS_EL2_E2H, 'TLBI_EL2_ASID ASID=1', ['2']],
    [NS_EL2_E2H, 'TLBI_EL2_VA ASID=2 Address=0x10000000', ['1']],
    [NS_EL2_E2H, 'TLBI_EL2_VAA Address=0x10000000', []],
    [S_EL2_E2H, 'TLBI_S_EL2_ASID ASID=2', ['1']],
    [S_EL2_E2H, 'TLBI_S_EL2_VA ASID=1 Address=0x10000000', ['2']],
  ] as const) {
    const r = runEngineScript(twoStreams(w, cmd(w, command)), SECURE_ATS);
    assert.deepEqual(r.errors, [], `${w.name}: ${command}`);
    assert.deepEqual(
      r.engine.tlb.entries().map((e) => String(e.asid)),
      left,
      `${w.name}: ${command}`,
    );
  }
});

test('§5.2 STRW: a nested STE (Config 0b111) ignores STRW, so STRW = 0b10 is NS-EL1: its entries carry the CD ASID and S2VMID and go with CMD_TLBI_NH_ASID', () => {
  const body = (after: string) => `${prelude(false)}
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=3 TTB0=0x45000000
ste 5 V Config=NESTED STRW=NS_EL2 S1ContextPtr=0x44000000 S2VMID=4 S2T0SZ=24 S2SL0=1 S2TG=0 S2PS=4 S2AA64 S2R S2TTB=0x46000000
map ttb=0x46000000 iova=0x40000000 pa=0x40000000 size=0x40000000 stage=2 tsz=24 sl0=1
map ttb=0x46000000 iova=0x80000000 pa=0x90000000 stage=2 tsz=24 sl0=1
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
dma read sid=5 iova=0x10000010 == 0x90000010
${after}`;
  const r = runEngineScript(body(''), SECURE_ATS);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.engine.tlb.entries().map((e) => `${e.regime} VMID=${e.vmid} ASID=${e.asid}`),
    ['NH VMID=4 ASID=3'],
  );
  const gone = runEngineScript(body(cmd(NS_EL1, 'TLBI_NH_ASID ASID=3 VMID=4')), SECURE_ATS);
  assert.deepEqual(gone.errors, []);
  assert.equal(gone.engine.tlb.size, 0);
});

test('§4.4.2.8: a stale NS-EL2 entry names CMD_TLBI_EL2_VA, not an NH command', () => {
  const r = runEngineScript(
    `${prelude(false)}
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000
${steOf(NS_EL2, 5, '0x44000000')}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
dma read sid=5 iova=0x10000010 == 0x80000010
map ttb=0x45000000 iova=0x10000000 pa=0x90000000
dma read sid=5 iova=0x10000010 == 0x80000010
`,
    SECURE_ATS,
  );
  assert.deepEqual(r.errors, []);
  const stale = r.diagnostics.filter((d) => d.code === 'stale.tlb').map((d) => d.message);
  assert.equal(stale.length, 1, stale.join('\n'));
  assert.match(stale[0] ?? '', /a CMD_TLBI_EL2_VA then CMD_SYNC is missing/);
});

test('§5.4 T0SZ: with VMSAv9-128 tables and 56-bit VAs the minimum T0SZ is 8 from EL3, 9 from the other StreamWorlds', () => {
  // SMMU_IDR5.D128 (bit [8]) and VAX = 0b10 (bits [11:10], 56-bit VAs).
  const idr5 = (((SECURE_ATS.ids.IDR5 ?? 0) & ~(3 << 10)) | (1 << 8) | (2 << 10)) >>> 0;
  const ids = idViewOfValues({ ...SECURE_ATS.ids, IDR5: idr5 });
  const w = encodeStructure(
    CD,
    new Map(
      Object.entries({ V: 1n, T0SZ: 8n, TG0: 0n, IPS: 4n, A: 1n, R: 1n, EPD1: 1n, TTB0: 0x4500_0000n, AA64: 0n }),
    ),
  ).words;
  const ste = (strw: number) => ({ config: 0b101, strw, s1Stalld: 0, s2Aa64: 1, s1Pie: 1 });
  const t0sz = (strw: number, secure: boolean) =>
    checkCd(w, ids, { ste: ste(strw), secure })
      .illegal.filter((p) => p.field === 'T0SZ')
      .map((p) => p.message);
  assert.deepEqual(t0sz(0b01, true), [], 'EL3');
  assert.deepEqual(t0sz(0b00, true), ['T0SZ = 8 is outside 9..48'], 'Secure');
  assert.deepEqual(t0sz(0b00, false), ['T0SZ = 8 is outside 9..48'], 'NS-EL1');
});
