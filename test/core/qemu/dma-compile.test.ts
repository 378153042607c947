/**
 * `dma` statements as guest operations (core/qemu/compile.ts, dma-plan.ts, edu.ts): each one is a
 * transfer of QEMU's edu device at the StreamID's devfn, with the device found and enabled over
 * ECAM on first use; what edu cannot do is listed as not run, once per line.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import type { GuestOp } from '../../../core/guest/ops';
import { compileScript, type CompileOptions } from '../../../core/qemu/compile';
import { LANDING_PATTERN } from '../../../core/qemu/dma-plan';
import { EDU_POLL_LOADS, eduDeviceArg } from '../../../core/qemu/edu';
import { getRegister } from '../../../core/registers/table';
import { checkScript } from '../../../core/script/check';
import { qemuArgs } from '../../../server/qemu/process';

const RAM: CompileOptions = { ram: { start: 0x4000_0000n, end: 0x8000_0000n }, dmaDevices: true };

function compile(text: string, options: CompileOptions = RAM) {
  const host = {
    readFile: (p: string) => (p === '/w/s.smmu' ? text : undefined),
    resolvePath: (from: string, rel: string) => path.posix.resolve(path.posix.dirname(from), rel),
  };
  const check = checkScript(text, '/w/s.smmu', host, 'syntax');
  assert.deepEqual(
    check.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return compileScript(check, options);
}

/** A stage-1 stream (StreamID 8) mapping IOVA 0x1000_0000 to 0x4A00_0000, the event queue on. */
const STAGE1 = [
  'write64 STRTAB_BASE 0x44000000',
  'write32 STRTAB_BASE_CFG LOG2SIZE=5',
  'write64 CMDQ_BASE 0x44100000 | LOG2SIZE=4',
  'write64 EVENTQ_BASE 0x44200000 | LOG2SIZE=4',
  'write32 CR0 CMDQEN|EVENTQEN',
  'tables 0x45000000',
  'cd 0x44300000 V T0SZ=16 TG0=GRAN4K IR0=WBRA OR0=WBRA SH0=ISH EPD1 IPS=OAS44 AA64 R A ASET ASID=1 TTB0=0x45000000 MAIR0=0x0004FF44',
  'ste 8 V Config=S1_TRANS S1ContextPtr=0x44300000',
  'map ttb=0x45000000 iova=0x10000000 pa=0x4A000000',
  'write32 CR0 SMMUEN|CMDQEN|EVENTQEN',
].join('\n');
const STAGE1_LINES = STAGE1.split('\n').length;

const at = (ops: readonly GuestOp[], line: number) => ops.filter((o) => o.line === line && o.kind !== 'zero');
const describe = (o: GuestOp) =>
  o.kind === 'read' || o.kind === 'write' || o.kind === 'poll'
    ? `${o.kind} ${o.space} 0x${o.address.toString(16)} ${o.size}${o.kind === 'write' ? ` 0x${o.value.toString(16)}` : ''}`
    : `${o.kind} 0x${o.address.toString(16)}`;

test('a dma read is an edu transfer RAM → buffer at the devfn of its StreamID, the device set up over ECAM first', () => {
  const c = compile(`${STAGE1}\ndma read sid=8 iova=0x10000010\ndma read sid=8 iova=0x10000020\n`);
  const prod = getRegister('EVENTQ_PROD').offset.toString(16);
  const first = at(c.ops, STAGE1_LINES);
  // StreamID 8 = bus 0, slot 1, function 0: ECAM 0x3F00_0000 + (8 << 12); BAR0 at the MMIO window's start.
  assert.deepEqual(first.slice(0, 11).map(describe), [
    'read phys 0x3f008000 4',
    'write phys 0x3f008010 4 0x10000000',
    'write phys 0x3f008004 2 0x6',
    'read phys 0x10000000 4',
    `read smmu 0x${prod} 4`,
    'write phys 0x10000080 8 0x10000010',
    'write phys 0x10000088 8 0x40000',
    'write phys 0x10000090 8 0x8',
    'write phys 0x10000098 8 0x1',
    'read phys 0x10000098 4'.replace('read', 'poll'),
    `read smmu 0x${prod} 4`,
  ]);
  const poll = first[9];
  assert.ok(
    poll?.kind === 'poll' && poll.mask === 1n && poll.expected === 0n && poll.equal && poll.max === EDU_POLL_LOADS,
  );
  // The device's identifications are checked, not judged as the SMMU's.
  const idx = c.ops.indexOf(first[0] as GuestOp);
  assert.equal(c.expectations[idx]?.device?.expected, 0x11e8_1234n);
  assert.equal(c.expectations[c.ops.indexOf(first[3] as GuestOp)]?.device?.expected, 0x0100_00edn);
  // The second transfer of the same device: no setup, the Command write still marks it.
  assert.deepEqual(
    at(c.ops, STAGE1_LINES + 1)
      .slice(0, 2)
      .map(describe),
    ['write phys 0x3f008004 2 0x6', `read smmu 0x${prod} 4`],
  );
  assert.equal(c.dmas.length, 2);
  assert.equal(c.dmas[0]?.model.pa, 0x4a00_0010n);
  assert.equal(c.dmas[0]?.model.outcome, 'translated');
  assert.deepEqual(c.devices.map(eduDeviceArg), ['edu,addr=01.0,dma_mask=0xffffffffffffffff']);
  assert.deepEqual(c.windows, [
    { start: 0x3f00_8000n, end: 0x3f00_9000n },
    { start: 0x1000_0000n, end: 0x1010_0000n },
  ]);
  assert.deepEqual(c.notRun, []);
});

test('a dma write is buffer → RAM from a part of the buffer no read fills, and checks where the bytes land', () => {
  const c = compile(`${STAGE1}\ndma write sid=8 iova=0x10000104\nmem read64 0x4A000100\n`);
  const ops = at(c.ops, STAGE1_LINES);
  const store = ops.find((o) => o.kind === 'store');
  // The pattern goes over the doubleword of the model's PA before the transfer…
  assert.ok(store?.kind === 'store' && store.address === 0x4a00_0100n);
  const regs = ops
    .filter((o) => o.kind === 'write' && o.space === 'phys' && o.address >= 0x1000_0000n && o.address < 0x1010_0000n)
    .map(describe);
  assert.deepEqual(regs, [
    'write phys 0x10000080 8 0x40800',
    'write phys 0x10000088 8 0x10000104',
    'write phys 0x10000090 8 0x4',
    'write phys 0x10000098 8 0x3',
  ]);
  // …and after it the doubleword must read as the pattern with the device's four zero bytes at 0x4A00_0104.
  const check = c.dmas[0]?.data;
  assert.ok(check);
  assert.equal(check.address, 0x4a00_0100n);
  assert.equal(check.expected, LANDING_PATTERN & 0xffff_ffffn);
  // The model's memory is put back, so the statement after reads what the model holds.
  const last = ops[ops.length - 1];
  assert.ok(last?.kind === 'store' && last.address === 0x4a00_0100n && last.bytes.every((b) => b === 0));
  // The landing page is the program's to zero and to keep clear of.
  assert.ok(c.pages.includes(0x4a00_0000));
});

test('no landing check without RAM to put it in, nor where the transaction\u2019s own walk reads', () => {
  assert.equal(compile(`${STAGE1}\ndma write sid=8 iova=0x10000100\n`, { dmaDevices: true }).dmas[0]?.data, undefined);
  // 0x4500_0000 (the level 0 table) mapped at IOVA 0x1000_1000: a pattern there would change the walk.
  const c = compile(`${STAGE1}\nmap ttb=0x45000000 iova=0x10001000 pa=0x45000000\ndma write sid=8 iova=0x10001000\n`);
  assert.equal(c.dmas[0]?.model.pa, 0x4500_0000n);
  assert.equal(c.dmas[0]?.data, undefined);
});

test('no landing check on a table page a cache hit did not read again: QEMU may walk it', () => {
  // The read walks and fills the TLB; the write hits it and reads no table, but its PA is the
  // level 0 table QEMU (whose caching differs) may read again for it.
  const c = compile(
    `${STAGE1}\nmap ttb=0x45000000 iova=0x10001000 pa=0x45000000\ndma read sid=8 iova=0x10001000\ndma write sid=8 iova=0x10001008\n`,
  );
  assert.equal(c.dmas[1]?.model.pa, 0x4500_0008n);
  assert.equal(c.dmas[1]?.data, undefined);
});

test('a faulting dma reads the event queue slots QEMU may have written: twice the model\u2019s records plus every record before', () => {
  const c = compile(
    `${STAGE1}\ndma read sid=8 iova=0x20000000\nexpect event F_TRANSLATION StreamID=8 InputAddr=0x20000000 RnW=1\ndma write sid=8 iova=0x20000004\n`,
  );
  assert.deepEqual(
    c.dmas.map((d) => [d.records.length, d.records.map((r) => r.slot), d.window.map((w) => w.slot)]),
    [
      [1, [0], [0, 1]],
      [1, [1], [1, 2, 3]],
    ],
  );
  // The expect statement compares the first transfer's record on its own line; the second
  // transfer's record, which no statement expects, is compared on the transfer's line.
  assert.deepEqual([...(c.dmas[0]?.expected ?? [])], [0]);
  assert.deepEqual([...(c.dmas[1]?.expected ?? [])], []);
  const reads = c.expectations.filter((e) => e.event?.from);
  assert.equal(reads.length, 4);
  assert.deepEqual(reads[0]?.event?.from, { dma: 0, record: 0 });
});

test('StreamIDs are placed at their devfn; function 0 of a shared slot says multifunction; QEMU gets the devices and traces their Command writes', () => {
  const c = compile(
    `${STAGE1}\ndma read sid=9 iova=0x1000\ndma read sid=0x10 iova=0x1000\ndma read sid=8 iova=0x1000\ndma read sid=0xFF iova=0x1000\n`,
  );
  assert.deepEqual(c.devices.map(eduDeviceArg), [
    'edu,addr=01.1,dma_mask=0xffffffffffffffff',
    'edu,addr=02.0,dma_mask=0xffffffffffffffff',
    'edu,addr=01.0,dma_mask=0xffffffffffffffff,multifunction=on',
    'edu,addr=1f.7,dma_mask=0xffffffffffffffff',
  ]);
  assert.deepEqual(
    c.devices.map((d) => d.bar),
    [0x1000_0000n, 0x1010_0000n, 0x1020_0000n, 0x1030_0000n],
  );
  assert.deepEqual(
    c.dmas.map((d) => d.device.multifunction),
    [false, false, true, false],
  );
  const args = qemuArgs(
    { binary: 'q', memoryBytes: 2 ** 30, devices: c.devices.map(eduDeviceArg) },
    'p.elf',
    'u.txt',
    't.log',
  );
  assert.deepEqual(
    args.filter((_a, i) => args[i - 1] === '-device'),
    c.devices.map(eduDeviceArg),
  );
  assert.deepEqual(
    args.filter((_a, i) => args[i - 1] === '-trace'),
    ['smmuv3_*', 'pci_cfg_write'],
  );
  assert.deepEqual(
    qemuArgs({ binary: 'q', memoryBytes: 2 ** 30 }, 'p.elf', 'u.txt', 't.log').filter(
      (_a, i, all) => all[i - 1] === '-trace',
    ),
    ['smmuv3_*'],
  );
});

test('what edu cannot do is not run, once per line with the reason, and its records are not compared', () => {
  const c = compile(
    `${STAGE1}\ndma read sid=3 iova=0x1000\ndma read sid=0x100 iova=0x1000\ndma exec sid=8 iova=0x10000000\ndma read sid=8 ssid=1 iova=0x10000000 priv\ndma read sid=8 iova=0x10000000 priv\nexpect event C_BAD_SUBSTREAMID StreamID=8\n`,
  );
  const l = STAGE1_LINES;
  assert.deepEqual(
    c.notRun.map((d) => [d.code, d.range.start.line - l]),
    [
      ['qemu.not-run', 0],
      ['qemu.not-run', 1],
      ['qemu.not-run', 2],
      ['qemu.not-run', 3],
      ['qemu.not-run', 4],
      ['qemu.not-run', 5],
    ],
  );
  const [host, bridge, exec, ssidPriv, priv, expect] = c.notRun.map((d) => d.message);
  assert.match(host ?? '', /host bridge/);
  assert.match(bridge ?? '', /StreamID 256 \(0x100\).*behind a PCI bridge/);
  assert.match(exec ?? '', /Data.*§13\.7/);
  assert.match(ssidPriv ?? '', /no SubstreamID.*; .*Unprivileged/);
  assert.match(priv ?? '', /Unprivileged.*§13\.7/);
  assert.match(expect ?? '', /comes from line \d+, which did not run/);
  for (let k = 0; k < 5; k++) assert.deepEqual(at(c.ops, l + k), []);
  assert.deepEqual(c.dmas, []);
  assert.deepEqual(c.devices, []);
});

test('without devices arranged (the C kit) a dma is not run, with where it does run', () => {
  const c = compile(`${STAGE1}\ndma read sid=8 iova=0x10000010\n`, { ram: RAM.ram });
  assert.deepEqual(
    c.notRun.map((d) => [d.code, d.range.start.line]),
    [['qemu.not-run', STAGE1_LINES]],
  );
  assert.match(c.notRun[0]?.message ?? '', /no device is arranged .*smmu qemu/);
  assert.deepEqual(at(c.ops, STAGE1_LINES), []);
  assert.deepEqual([c.dmas, c.devices, c.windows], [[], [], []]);
});
