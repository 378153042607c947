/**
 * Virtual ATOS (core/engine/atos.ts with the VATOS interface, §9, §9.1.6, §6.2.3, §6.3.44,
 * §6.3.99–§6.3.102): SMMU_VATOS_SEL in page 0, the VATOS page where SMMU_IDR2.BA_VATOS puts it,
 * stage 1 lookups only, and only of STEs tagged with VATOS_SEL.VMID. Scripts run through the real
 * parser, resolver and interpreter: the expectations inside them hold (no error).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../core/engine/engine';
import { Smmu } from '../../../core/model/smmu';
import { run } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import { registerOffset } from '../../../core/registers/placement';
import { getRegister } from '../../../core/registers/table';
import { config, QEMU_IDS } from '../../harness/helpers';
import { runEngineScript } from '../../harness/engine-script';

/** QEMU's ID registers with S2P (bit 0), ATOS (bit 15), VATOS (bit 20) and HYP (bit 9). */
const IDR0 = QEMU_IDS.IDR0 | 1 | (1 << 15) | (1 << 20) | (1 << 9);
const IDR1 = QEMU_IDS.IDR1 | (8 << 6);

const PRELUDE = `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=5
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
tables 0x48000000
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 MAIR0=0x0004FF44
map ttb=0x46000000 iova=0x40000000 pa=0x40000000 size=0x40000000 stage=2 tsz=24 sl0=1
map ttb=0x45000000 iova=0x10000000 pa=0x50000000 attr=1
`;
const S2 = 'S2T0SZ=24 S2SL0=1 S2TG=0 S2PS=4 S2AA64 S2R S2TTB=0x46000000';

function runScript(body: string, ids: Partial<typeof QEMU_IDS> = { IDR0, IDR1 }) {
  const { engine, errors, diagnostics } = runEngineScript(PRELUDE + body, config(ids));
  return {
    engine,
    errors,
    diagnostics,
    events: () => engine.activity.filter((a) => a.kind === 'event').length,
  };
}

const vatos = (sid: string, addr: string) =>
  `write64 VATOS_SID ${sid}\nwrite64 VATOS_ADDR ${addr}\nwrite32 VATOS_CTRL RUN\n`;

test('§6.3.44, §6.3.99–§6.3.102: VATOS_SEL in page 0 and the VATOS page registers, with IDR0.VATOS', () => {
  assert.deepEqual(
    (['VATOS_SEL', 'VATOS_CTRL', 'VATOS_SID', 'VATOS_ADDR', 'VATOS_PAR'] as const).map((n) => {
      const r = getRegister(n);
      return [n, r.offset, r.width, r.access, r.requires?.field, r.page ?? 'fixed'];
    }),
    [
      ['VATOS_SEL', 0x180, 32, 'RW', 'VATOS', 'fixed'],
      ['VATOS_CTRL', 0x20a00, 32, 'RW', 'VATOS', 'vatos'],
      ['VATOS_SID', 0x20a08, 64, 'RW', 'VATOS', 'vatos'],
      ['VATOS_ADDR', 0x20a10, 64, 'RW', 'VATOS', 'vatos'],
      ['VATOS_PAR', 0x20a18, 64, 'RO', 'VATOS', 'vatos'],
    ],
  );
  // §6.3.102: REASON is only 0b00 in VATOS_PAR; §6.3.101: TYPE has only Stage 1.
  const reason = getRegister('VATOS_PAR').fields.find((f) => f.name === 'REASON');
  assert.deepEqual(
    reason?.values?.map((v) => v.value),
    [0],
  );
  const type = getRegister('VATOS_ADDR').fields.find((f) => f.name === 'TYPE');
  assert.deepEqual([type?.msb, type?.lsb, type?.values?.map((v) => v.value)], [11, 10, [1]]);
  assert.equal(getRegister('VATOS_CTRL').reset, 0n);
});

test('§6.3.3, §6.2.3: the VATOS page is at 0x20000 + BA_VATOS × 64 KB; elsewhere beyond page 1 is RAZ/WI', () => {
  // BA_VATOS 2: the page is at 0x40000, so VATOS_SID is at 0x40A08.
  const m = new Smmu(config({ IDR0, IDR1, IDR2: 2 }));
  assert.equal(registerOffset(getRegister('VATOS_SID'), m.ids), 0x40a08);
  const w = m.write(0x40a08, 8, 5n);
  assert.deepEqual(w.findings, []);
  assert.equal(m.peek('VATOS_SID'), 5n);
  assert.equal(m.read(0x40a08, 4).value, 5n);
  // The BA_VATOS 0 place is no register in this configuration.
  const away = m.read(0x20a08, 4);
  assert.equal(away.value, 0n);
  assert.ok(away.findings.some((f) => f.code === 'offset.beyond-pages'));
  // A location of the page that holds no register is RES0 (§6.2.3).
  const hole = m.read(0x40100, 4);
  assert.ok(hole.findings.some((f) => f.code === 'offset.undefined' && f.section === '6.2.3'));
  // A script names the register; the access goes where the configuration places it.
  const r = runScript(`write64 VATOS_SID 7\nread64 VATOS_SID == 7\n`, { IDR0, IDR1, IDR2: 2 });
  assert.deepEqual(r.errors, []);
  assert.equal(r.engine.smmu.peek('VATOS_SID'), 7n);
  // Without IDR0.VATOS, VATOS_SEL's offset is an undefined location (RES0) and nothing is in 0x20000.
  const off = new Smmu(config({ IDR0: IDR0 & ~(1 << 20), IDR1 }));
  assert.ok(off.write(0x180, 4, 1n).findings.some((f) => f.code === 'register.unimplemented'));
  assert.equal(off.read(0x180, 4).value, 0n);
  assert.ok(off.read(0x20a08, 4).findings.some((f) => f.code === 'offset.beyond-pages'));
});

test('§9.1.6: a VATOS lookup of an STE tagged with VATOS_SEL.VMID gives the stage 1 result (the IPA of a nested stream)', () => {
  const r = runScript(`ste 5 V Config=NESTED S1ContextPtr=0x44000000 S2VMID=1 ${S2}
write32 VATOS_SEL VMID=1
${vatos('5', '0x10000000 | TYPE=STAGE1 | RnW')}read32 VATOS_CTRL == 0
read64 VATOS_PAR == 0x50000000 | ATTR=0xFF | SH=ISH
read64 GATOS_PAR == 0
read32 EVENTQ_PROD == 0
`);
  assert.deepEqual(r.errors, []);
  assert.match(
    r.engine.activity.map((a) => a.text).join('\n'),
    /VATOS \(VMID 1\) stage 1 lookup of StreamID 5 address 0x0000000010000000 \(read, unprivileged\): IPA 0x0000000050000000/,
  );
});

test('§9.1.6 steps 3–4: another VMID, or an STE that tags no VMID, is C_BAD_STE (where GATOS says INV_STAGE)', () => {
  const r = runScript(`ste 5 V Config=NESTED S1ContextPtr=0x44000000 S2VMID=2 ${S2}
ste 6 V Config=BYPASS
ste 8 V Config=S1_TRANS S1ContextPtr=0x44000000 STRW=2 S2VMID=1
ste 9 V Config=S1_TRANS S1ContextPtr=0x44000000 S2VMID=1
write32 VATOS_SEL VMID=1
${vatos('5', '0x10000000 | TYPE=STAGE1 | RnW')}read64 VATOS_PAR == FAULT | FAULTCODE=C_BAD_STE
${vatos('6', '0x10000000 | TYPE=STAGE1 | RnW')}read64 VATOS_PAR == FAULT | FAULTCODE=C_BAD_STE
${vatos('8', '0x10000000 | TYPE=STAGE1 | RnW')}read64 VATOS_PAR == FAULT | FAULTCODE=C_BAD_STE
write64 GATOS_SID 6
write64 GATOS_ADDR 0x10000000 | TYPE=STAGE1 | RnW
write32 GATOS_CTRL RUN
read64 GATOS_PAR == FAULT | FAULTCODE=INV_STAGE
${vatos('9', '0x10000000 | TYPE=STAGE1 | RnW')}read64 VATOS_PAR == 0x50000000 | ATTR=0xFF | SH=ISH
`);
  // STE 9: stage 1 only with an NS-EL1 StreamWorld (STRW 0b00) tags with S2VMID (§5.2 S2VMID):
  // VMID 1 matches, and the stage 1 output is the PA.
  assert.deepEqual(r.errors, []);
  assert.equal(r.events(), 0);
});

test('§9.1.6 step 5, §9.1.3: a stage 2-only STE of the VMID is INV_STAGE; TYPE other than stage 1 is INV_REQ before the STE', () => {
  const r = runScript(`ste 7 V Config=S2_TRANS S2VMID=1 ${S2}
write32 VATOS_SEL VMID=1
${vatos('7', '0x10000000 | TYPE=STAGE1 | RnW')}read64 VATOS_PAR == FAULT | FAULTCODE=INV_STAGE
write32 VATOS_SEL VMID=3
${vatos('7', '0x10000000 | TYPE=STAGE1 | RnW')}read64 VATOS_PAR == FAULT | FAULTCODE=C_BAD_STE
${vatos('7', '0x40000000 | TYPE=2 | RnW')}read64 VATOS_PAR == 0xFF1
${vatos('0x300', '0x10000000 | TYPE=3 | RnW')}read64 VATOS_PAR == 0xFF1
${vatos('0x300', '0x10000000 | TYPE=STAGE1 | RnW')}read64 VATOS_PAR == FAULT | FAULTCODE=C_BAD_STREAMID
`);
  assert.deepEqual(r.errors, []);
});

test('§9.1.4, §6.3.102: a stage 2 fault on the CD fetch of a VATOS lookup is F_CD_FETCH with REASON 0 and FADDR 0', () => {
  const r = runScript(`ste 5 V Config=NESTED S1ContextPtr=0x84000000 S2VMID=1 ${S2}
write32 VATOS_SEL VMID=1
${vatos('5', '0x10000000 | TYPE=STAGE1 | RnW')}read64 VATOS_PAR == 0x91
`);
  assert.deepEqual(r.errors, []);
  assert.equal(r.events(), 0);
});

test('§6.3.44: VATOS_SEL.VMID[15:8] are RES0 without IDR0.VMID16: not stored, reported; the lookup compares 8 bits', () => {
  const noVmid16 = IDR0 & ~(1 << 18);
  const r = runScript(
    `ste 5 V Config=NESTED S1ContextPtr=0x44000000 S2VMID=1 ${S2}
write32 VATOS_SEL VMID=0x101
read32 VATOS_SEL == 1
${vatos('5', '0x10000000 | TYPE=STAGE1 | RnW')}read64 VATOS_PAR == 0x50000000 | ATTR=0xFF | SH=ISH
`,
    { IDR0: noVmid16, IDR1 },
  );
  assert.deepEqual(r.errors, []);
  assert.ok(r.diagnostics.some((d) => d.code === 'write.res0' && /VATOS_SEL\.VMID/.test(d.message)));
  // With VMID16 the 16 bits are stored.
  const wide = runScript(`write32 VATOS_SEL VMID=0x101\nread32 VATOS_SEL == 0x101\n`);
  assert.deepEqual(wide.errors, []);
});

test('§6.3.99: VATOS_CTRL.RUN written 1 while SMMUEN is 0 is IGNORED and reported', () => {
  const resolved = analyzeScript(
    `write64 VATOS_SID 5\nwrite32 VATOS_CTRL RUN\nread32 VATOS_CTRL == 0\nread64 VATOS_PAR == 0\n`,
  );
  const engine = new Engine(config({ IDR0, IDR1 }));
  const r = run(resolved.statements, engine);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  assert.ok(r.diagnostics.some((d) => d.code === 'atos.smmuen' && /SMMU_VATOS_CTRL\.RUN/.test(d.message)));
});
