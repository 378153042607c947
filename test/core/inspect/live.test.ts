/**
 * core/inspect on the model's own state as the live machine: a script runs on the model, and
 * inspection reads the model's registers and guest memory through the same LiveReader a gdbstub
 * provides. What QEMU cannot show in the CLI tests is here: a 2-level Stream table, a stage 2
 * table, structures outside guest RAM, the reading limits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspectLive, type LiveReader } from '../../../core/inspect/live';
import { ramFromMemoryMap } from '../../../core/inspect/memory-map';
import { inspectionScopes } from '../../../core/inspect/views';
import { REGISTERS } from '../../../core/registers/table';
import { checkScript } from '../../../core/script/check';
import { modelAtLine } from '../../../core/script/model-at-line';
import { splitLines } from '../../../core/script/lexer';
import { fileHost } from '../../../server/file-host';
import { root } from '../../harness/root';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { registerOffset } from '../../../core/registers/placement';

/** The model after `script`, read as a live SMMU is (registers by offset, memory by address). */
function modelReader(script: string): LiveReader {
  const check = checkScript(script, '/virtual/inspect.smmu', fileHost, 'full');
  const errors = check.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, []);
  const { engine } = modelAtLine(check, splitLines(script).length);
  return {
    readRegister: async (offset, width) => {
      const reg = REGISTERS.find((r) => r.offset === offset && r.width === width);
      return reg ? engine.smmu.peek(reg.name) : `no register at ${offset}`;
    },
    readMemory: async (address, length) => {
      const w = new Uint32Array(Math.ceil(length / 4) + 1);
      const start = Number(address - (address % 4n));
      engine.memory.readWords(start, w, w.length);
      const bytes = new Uint8Array(w.buffer);
      const at = Number(address % 4n);
      return bytes.slice(at, at + length);
    },
  };
}

const SETUP = `
write64 CMDQ_BASE 0x41000000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x41010000 | LOG2SIZE=4
write32 CR0 CMDQEN|EVENTQEN
poll CR0ACK == CMDQEN|EVENTQEN
`;

test('a 2-level Stream table: the STE behind its L1STD, its CD, and the stage 1 mapping behind the CD', async () => {
  const reader = modelReader(`${SETUP}
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=TWO_LEVEL|SPLIT=8|LOG2SIZE=16
l1std 1 Span=9 L2Ptr=0x40100000
ste 0x105 V Config=S1_TRANS S1ContextPtr=0x40200000
cd 0x40200000 V T0SZ=25 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R A ASET ASID=7 TTB0=0x40300000
mem write64 0x40300000 0x40301003
mem write64 0x40301008 0x40400705
`);
  const i = await inspectLive(reader);
  assert.deepEqual(i.findings, []);
  assert.equal(i.streamTable?.twoLevel, true);
  assert.deepEqual(
    i.stes.map((s) => [s.sid, s.address]),
    [[0x105, 0x40100000n + 5n * 64n]],
  );
  assert.deepEqual(
    i.cds.map((c) => [c.sid, c.ssid, c.address]),
    [[0x105, 0, 0x40200000n]],
  );
  // T0SZ 25: a 39-bit input starts at level 1; L1[0] → table, L2[1] a 2 MB block at 0x40400000 with
  // AP 0b00: no data access at EL0, which may still execute (UXN 0).
  assert.deepEqual(
    i.tables.map((t) => [t.owner, t.inputBits, t.runs]),
    [
      [
        'StreamID 261 SSID 0 stage 1 TTB0',
        39,
        [{ ia: 0x200000n, oa: 0x40400000n, size: 0x200000n, perms: '--x (privileged rwx)' }],
      ],
    ],
  );
});

test('stage 2: the tables an STE points at, by IPA', async () => {
  // An SMMU with stage 2 (the default configuration is QEMU's, stage 1 only).
  const reader = modelReader(`config "${path.join(root, 'presets', 'smmuv3.2-full.smmu.json')}"${SETUP}
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4
ste 2 V Config=S2_TRANS S2VMID=1 S2T0SZ=25 S2SL0=1 S2TG=GRAN4K S2PS=OAS48 S2AA64 S2R S2TTB=0x40500000
mem write64 0x40500000 0x400004C1
`);
  const i = await inspectLive(reader);
  assert.deepEqual(i.findings, []);
  // S2AP 0b11 (read/write) in bits [7:6], AF: a 1 GB block at level 1 mapping IPA 0 to 0x40000000.
  assert.deepEqual(
    i.tables.map((t) => [t.owner, t.stage, t.runs]),
    [['StreamID 2 stage 2', 2, [{ ia: 0n, oa: 0x40000000n, size: 0x40000000n, perms: 'rwx' }]]],
  );
});

const NESTED = `config "${path.join(root, 'presets', 'smmuv3.2-full.smmu.json')}"${SETUP}
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4
# Stage 2: a 1 GB block maps IPA 0x80000000 to PA 0x40000000 (level 1 index 2, S2AP read/write, AF).
mem write64 0x40500010 0x400004C1
# Stage 1 tables at IPA 0x80300000 (PA 0x40300000): L1[0] → IPA 0x80301000, L2[1] a 2 MB block at IPA 0x80400000.
mem write64 0x40300000 0x80301003
mem write64 0x40301008 0x80400705
cd 0x40200000 V T0SZ=25 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R A ASET ASID=7 TTB0=0x80300000
`;
const NESTED_STE = 'V Config=NESTED S2VMID=1 S2T0SZ=25 S2SL0=1 S2TG=GRAN4K S2PS=OAS48 S2AA64 S2R S2TTB=0x40500000';

test("a nested STE: its CD pointer is an IPA that stage 2 translates, and the CD's tables are read through stage 2", async () => {
  const i = await inspectLive(modelReader(`${NESTED}ste 3 ${NESTED_STE} S1ContextPtr=0x80200000\n`));
  assert.deepEqual(i.findings, []);
  // The CD at IPA 0x80200000 is read at PA 0x40200000: its ASID and TTB0 are the script's.
  assert.deepEqual(
    i.cds.map((c) => [c.sid, c.ssid, c.ipa, c.address, c.decoded.fields.find((f) => f.name === 'ASID')?.value]),
    [[3, 0, 0x80200000n, 0x40200000n, 7n]],
  );
  // Stage 1 walks IPA tables (each descriptor address through stage 2); its outputs are IPAs.
  assert.deepEqual(
    i.tables.map((t) => [t.owner, t.stage, t.ttb, t.nested, t.runs]),
    [
      [
        'StreamID 3 SSID 0 stage 1 TTB0',
        1,
        0x80300000n,
        true,
        [{ ia: 0x200000n, oa: 0x80400000n, size: 0x200000n, perms: '--x (privileged rwx)' }],
      ],
      [
        'StreamID 3 stage 2',
        2,
        0x40500000n,
        undefined,
        [{ ia: 0x80000000n, oa: 0x40000000n, size: 0x40000000n, perms: 'rwx' }],
      ],
    ],
  );
  const scopes = inspectionScopes(i);
  const streams = scopes.find((x) => x.name === 'Stream table')?.node.children?.() ?? [];
  const ste = streams.find((n) => n.name === 'STE 3')?.children?.() ?? [];
  assert.equal(ste.find((n) => n.name === 'CD SSID 0')?.value, 'at 0x40200000 (IPA 0x80200000, through stage 2)');
});

test('a nested STE whose CD pointer stage 2 does not map: an error naming the IPA and the fault, no CD', async () => {
  const i = await inspectLive(modelReader(`${NESTED}ste 3 ${NESTED_STE} S1ContextPtr=0x10000000\n`));
  assert.deepEqual(i.cds, []);
  assert.deepEqual(
    i.findings.map((f) => [f.severity, f.code, f.section]),
    [['error', 'inspect.nested', '3.4.3']],
  );
  assert.match(
    i.findings[0]!.message,
    /^the CD of StreamID 3 SSID 0 at IPA 0x10000000: stage 2 does not translate it: the SMMU records F_TRANSLATION, the level 1 descriptor at 0x40500000 is invalid \(bit 0 is 0\) \(CLASS=CD\)$/,
  );
});

test('a 2-level CD table: the CDs behind every valid L1CD, beyond SSID 15; the leaf-table limit says what it left out', async () => {
  // S1CDMax 8 (256 SSIDs) with 4 KB leaf tables (SPLIT 6): L1CDs 0..3; 1 and 3 are valid.
  const script = `config "${path.join(root, 'presets', 'smmuv3.2-full.smmu.json')}"${SETUP}
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4
l1cd 0x43000008 V L2Ptr=0x43100000
l1cd 0x43000018 V L2Ptr=0x43200000
cd 0x43100180 V T0SZ=25 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R A ASET ASID=70 TTB0=0x40300000
cd 0x43200200 V T0SZ=25 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R A ASET ASID=200 TTB0=0x40300000
mem write64 0x40300000 0x40301003
mem write64 0x40301008 0x40400705
ste 5 V Config=S1_TRANS S1Fmt=TWO_LEVEL_4K S1CDMax=8 S1DSS=BYPASS S1ContextPtr=0x43000000
`;
  const i = await inspectLive(modelReader(script));
  // SSID 0 is behind the invalid L1CD 0: not read (an invalid L1CD makes its SSIDs C_BAD_SUBSTREAMID).
  assert.deepEqual(
    i.cds.map((c) => [c.ssid, c.address, c.decoded.fields.find((f) => f.name === 'ASID')?.value]),
    [
      [70, 0x43100180n, 70n],
      [200, 0x43200200n, 200n],
    ],
  );
  assert.deepEqual(
    i.tables.map((t) => t.owner),
    ['StreamID 5 SSID 70 stage 1 TTB0', 'StreamID 5 SSID 200 stage 1 TTB0'],
  );
  assert.deepEqual(i.findings, []);

  const limited = await inspectLive(modelReader(script), { limits: { cdTablesPerStream: 1 } });
  assert.deepEqual(
    limited.cds.map((c) => c.ssid),
    [70],
  );
  assert.deepEqual(
    limited.findings.map((f) => [f.code, f.message]),
    [
      [
        'inspect.limit',
        'StreamID 5: the leaf CD tables of L1CD 3 and after were not read (the limits: 1 leaf tables, 4096 CDs per STE)',
      ],
    ],
  );
});

test('structures outside guest RAM are reported and not read', async () => {
  const reader = modelReader(`${SETUP}
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4
ste 1 V Config=S1_TRANS S1ContextPtr=0x80000000
`);
  const ram = [{ start: 0x40000000n, end: 0x40000000n + 0x2000000n }];
  const i = await inspectLive(reader, { ram });
  assert.deepEqual(
    i.findings.map((f) => [f.severity, f.code, f.message]),
    [
      [
        'error',
        'inspect.outside-ram',
        'the CD of StreamID 1 SSID 0 at 0x80000000..0x8000003F is outside guest RAM (0x40000000..0x41FFFFFF): the SMMU\u2019s accesses there abort or read what is not RAM'.replace(
          '\u2019',
          "'",
        ),
      ],
    ],
  );
  assert.deepEqual(i.cds, []);
  // Without knowing the RAM nothing is said about it.
  assert.deepEqual(
    (await inspectLive(reader)).findings.filter((f) => f.code === 'inspect.outside-ram'),
    [],
  );
});

test('the reading limits: a large linear table is read as far as the limit, and says so', async () => {
  const reader = modelReader(`${SETUP}
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=12
ste 9 V Config=BYPASS
ste 3000 V Config=BYPASS
`);
  const i = await inspectLive(reader, { limits: { streams: 1024 } });
  assert.deepEqual(
    i.stes.map((s) => s.sid),
    [9],
  );
  assert.deepEqual(
    i.findings.map((f) => f.message),
    ['the linear Stream table has 4096 STEs; the first 1024 were read'],
  );
});

test('pending commands: CERROR_ILL an SMMU must detect is an error, one it may detect (a Reserved field) a warning', async () => {
  // CMDQEN is 0: the commands wait between CONS and PROD.
  const reader = modelReader(`
write64 CMDQ_BASE 0x41000000 | LOG2SIZE=4
mem write64 0x41000000 0x7F
mem write64 0x41000010 0x10000000030
write32 CMDQ_PROD 2
`);
  const i = await inspectLive(reader);
  assert.deepEqual(
    i.findings.filter((f) => f.code === 'inspect.cerror-ill').map((f) => [f.severity, f.message.slice(0, 68)]),
    [
      ['error', 'the pending command at CMDQ entry 0 (0x41000000) would stop the queu'],
      ['warning', 'the pending command at CMDQ entry 1 (0x41000010) may stop the queue '],
    ],
  );
  assert.equal(i.queues.find((q) => q.queue === 'CMDQ')?.waiting, 2);
});

test('an SMMU nobody programmed: no Stream table is read at address 0, and that is no error', async () => {
  const i = await inspectLive(modelReader('read32 IDR0\n'), { ram: [{ start: 0x40000000n, end: 0x80000000n }] });
  assert.deepEqual(
    i.findings.map((f) => [f.severity, f.code]),
    [['info', 'inspect.no-stream-table']],
  );
  assert.equal(i.streamTable, undefined);
  assert.equal(i.bytesRead, 0);
});

test("QEMU's memory map: the RAM regions of the system address space, merged where they touch", () => {
  const text = [
    'FlatView #0',
    ' AS "memory", root: system',
    ' AS "cpu-memory-0", root: system',
    ' Root memory region: system',
    '  0000000000000000-0000000003ffffff (prio 0, romd): virt.flash0',
    '  0000000009050000-000000000906ffff (prio 0, i/o): arm-smmuv3',
    '  0000000040000000-000000004fffffff (prio 0, ram): mach-virt.ram',
    '  0000000050000000-000000007fffffff (prio 0, ram): mach-virt.ram @0000000010000000',
    '',
    'FlatView #1',
    ' AS "pcie-ecam", root: pcie-mmcfg-mmio',
    '  0000000000000000-000000000fffffff (prio 0, ram): not-system',
  ].join('\n');
  assert.deepEqual(ramFromMemoryMap(text), [{ start: 0x40000000n, end: 0x80000000n }]);
  assert.deepEqual(ramFromMemoryMap('nothing here'), []);
});

test('the VATOS page is read where SMMU_IDR2.BA_VATOS puts it and shown at that offset, in a scope of its own (§6.3.3, §6.2.3)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-inspect-vatos-'));
  try {
    const cfg = path.join(dir, 'vatos.smmu.json');
    fs.writeFileSync(cfg, JSON.stringify({ base: 'smmuv3.2-full', features: { vatosBase: 2 } }));
    const script = `config "${cfg.replace(/\\/g, '/')}"\nwrite32 VATOS_SID 5\n`;
    const check = checkScript(script, path.join(dir, 'inspect.smmu'), fileHost, 'full');
    assert.deepEqual(
      check.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const { engine } = modelAtLine(check, splitLines(script).length);
    const asked: number[] = [];
    const reader: LiveReader = {
      readRegister: async (offset, width) => {
        asked.push(offset);
        const reg = REGISTERS.find((r) => registerOffset(r, engine.ids) === offset && r.width === width);
        return reg ? engine.smmu.peek(reg.name) : `no register at ${offset}`;
      },
      readMemory: async () => 'no memory here',
    };
    const i = await inspectLive(reader);
    // 0x20000 + 2 × 64 KB, then VATOS_SID at 0xA08 in the page.
    const sid = i.registers.find((r) => r.def.name === 'VATOS_SID');
    assert.equal(sid?.offset, 0x40a08);
    assert.equal(sid?.value, 5n);
    assert.ok(asked.includes(0x40a08));
    const scopes = inspectionScopes(i);
    const page1 = scopes.find((s) => s.name === 'Registers (page 1)');
    assert.ok(!page1?.node.children?.().some((n) => n.name.startsWith('VATOS_')));
    const vatos = scopes.find((s) => s.name === 'Registers (VATOS page)');
    const node = vatos?.node.children?.().find((n) => n.name === 'VATOS_SID');
    assert.match(node?.type ?? '', /^SMMU_VATOS_SID @ 0x40A08 /);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('§5.4.1 with SMMU_CR2.E2H: an NS-EL2 stream’s CD is judged without TTB1 and its TTB1 is not walked; an NS-EL2-E2H stream’s junk TTB1 is C_BAD_CD', async () => {
  // T1SZ = 2 is outside 16..48, TG1 = 0 is Reserved and EPD1 is 0: ILLEGAL where TTB1 exists.
  const script = (e2h: boolean) => `config "${path.join(root, 'presets', 'smmuv3.2-full.smmu.json')}"${SETUP}
write32 CR2 ${e2h ? 'E2H|' : ''}RECINVSID
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4
ste 3 V Config=S1_TRANS STRW=NS_EL2 S1ContextPtr=0x40200000
cd 0x40200000 V T0SZ=25 TG0=GRAN4K T1SZ=2 TG1=0 IPS=OAS48 AA64 R A ASID=7 TTB0=0x40300000 TTB1=0x40600000
mem write64 0x40300000 0x40301003
mem write64 0x40301008 0x40400705
`;
  const el2 = await inspectLive(modelReader(script(false)));
  assert.deepEqual(el2.findings, []);
  assert.deepEqual(
    el2.tables.map((t) => t.owner),
    ['StreamID 3 SSID 0 stage 1 TTB0'],
  );
  const e2h = await inspectLive(modelReader(script(true)));
  const illegal = e2h.findings.filter((f) => f.code === 'inspect.cd-illegal').map((f) => f.message);
  assert.ok(
    illegal.some((m) => /T1SZ = 2 is outside/.test(m)),
    illegal.join('\n'),
  );
  assert.ok(
    illegal.some((m) => /TG1 = 0 is reserved/.test(m)),
    illegal.join('\n'),
  );
});
