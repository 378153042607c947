/**
 * The debug adapter serving the SVD's addresses (docs/svd.md): `readMemory` and `writeMemory` as
 * Peripheral Viewer (which Cortex-Debug uses for its peripheral view) sends them, through the
 * real protocol (`node dist/cli.js dap` and @vscode/debugadapter-testsupport's DebugClient).
 *
 * Peripheral Viewer (mcu-debug/peripheral-viewer src/views/nodes/peripheralnode.ts, memreadutils.ts):
 * the registers of a peripheral become address ranges, merged when the gap between them is at most
 * 16 bytes (its svdAddrGapThreshold default), split into chunks of at most 4 KB, each read as
 * `readMemory { memoryReference: '0x' + address.toString(16), count }` with the data taken from
 * `body.data` (base64); a register is written as `writeMemory { memoryReference, data }` with the
 * register's size in bytes, little-endian.
 */
import { test, beforeEach, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { evaluateOn, launchOn, startClient, steppingOn } from '../../harness/dap-harness';
import { svdText } from '../../../core/docs/svd';
import { DEFAULT_CONFIG } from '../../../core/config/presets';
import { root } from '../../harness/root';

let dir: string;
let script: string;
let dc: DebugClient;

const FIXTURE = `# fixture for the SVD memory tests
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=4
write32 CR0 CMDQEN|EVENTQEN
cmd CFGI_STE sid=3 Leaf
cmd SYNC
doorbell
read32 CMDQ_CONS.RD == 2
write32 CR2 0
`;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-dap-svd-'));
  script = path.join(dir, 'svd.smmu');
  fs.writeFileSync(script, FIXTURE);
});

beforeEach(async () => {
  dc = await startClient();
});

afterEach(async () => {
  await dc.stop();
});

/** Launch and stop before line 11 (`write32 CR2 0`): the queues are set up and two commands consumed. */
const launchAtLine11 = (extra: Record<string, unknown> = {}) =>
  launchOn(dc, { program: script, ...extra }, () =>
    dc.setBreakpointsRequest({ source: { path: script }, breakpoints: [{ line: 11 }] }),
  );

interface SvdRegister {
  readonly name: string;
  readonly address: number;
  readonly bytes: number;
}

/** The registers of the exported SVD with their addresses, read from its XML. */
function svdRegisters(base: bigint): SvdRegister[] {
  const svd = svdText(DEFAULT_CONFIG, { base });
  const out: SvdRegister[] = [];
  for (const p of svd.split('<peripheral>').slice(1)) {
    const pbase = Number(/<baseAddress>(0x[0-9A-F]+)<\/baseAddress>/.exec(p)?.[1]);
    for (const r of p.split('<register>').slice(1)) {
      const name = /<name>(\w+)<\/name>/.exec(r)?.[1] as string;
      const offset = Number(/<addressOffset>(0x[0-9A-F]+)<\/addressOffset>/.exec(r)?.[1]);
      const size = Number(/<size>(\d+)<\/size>/.exec(r)?.[1]);
      out.push({ name, address: pbase + offset, bytes: size / 8 });
    }
  }
  return out;
}

/** Peripheral Viewer's reads of a peripheral: ranges merged across gaps of at most 16 bytes, 4 KB chunks. */
function viewerRanges(regs: readonly SvdRegister[]): { base: number; length: number }[] {
  const ranges: { base: number; length: number }[] = [];
  for (const r of [...regs].sort((a, b) => a.address - b.address)) {
    const last = ranges.at(-1);
    if (last && last.base + last.length + 16 >= r.address)
      last.length = Math.max(last.base + last.length, r.address + r.bytes) - last.base;
    else ranges.push({ base: r.address, length: r.bytes });
  }
  return ranges.flatMap((r) => {
    const chunks = [];
    for (let b = r.base; b < r.base + r.length; b += 4096)
      chunks.push({ base: b, length: Math.min(4096, r.base + r.length - b) });
    return chunks;
  });
}

async function viewerRead(base: number, count: number): Promise<Buffer> {
  const r = await dc.customRequest('readMemory', { memoryReference: '0x' + base.toString(16), count });
  return Buffer.from((r.body as { data: string }).data, 'base64');
}

async function viewerWrite(address: number, value: number, bytes = 4): Promise<void> {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (value >>> (8 * i)) & 0xff;
  await dc.customRequest('writeMemory', {
    memoryReference: '0x' + address.toString(16),
    data: data.toString('base64'),
  });
}

/** The model's registers, as the session's Registers view shows them (hex of the register's width). */
async function modelRegisters(): Promise<Map<string, bigint>> {
  const r = await dc.customRequest('smmu/registers');
  const regs = (r.body as { registers: { name: string; value: string }[] }).registers;
  return new Map(regs.map((x) => [x.name, BigInt(x.value)]));
}

/** A register of the SVD as the model holds it: a _LO/_HI half of a 64-bit register, or the register. */
function expected(model: Map<string, bigint>, name: string): number {
  const half = /^(.*)_(LO|HI)$/.exec(name);
  const whole = half && model.has(half[1] as string) ? (half[1] as string) : name;
  const v = model.get(whole);
  assert.ok(v !== undefined, `the model has no register ${whole}`);
  return Number(half && whole !== name ? (half[2] === 'HI' ? v >> 32n : v & 0xffff_ffffn) : v);
}

test('initialize advertises readMemory and writeMemory', async () => {
  const r = await dc.initializeRequest();
  assert.equal(r.body?.supportsReadMemoryRequest, true);
  assert.equal(r.body?.supportsWriteMemoryRequest, true);
});

test("Peripheral Viewer's reads of every register of the SVD return the model's values", async () => {
  await launchAtLine11();
  const regs = svdRegisters(0x0905_0000n);
  assert.ok(
    regs.some((r) => r.name === 'EVENTQ_PROD' && r.address === 0x0906_00a8),
    'page 1 at base + 0x10000',
  );
  const model = await modelRegisters();
  const seen = new Map<number, number>();
  for (const page of [0x0905_0000, 0x0906_0000]) {
    const inPage = regs.filter((r) => r.address >= page && r.address < page + 0x10000);
    for (const range of viewerRanges(inPage)) {
      const data = await viewerRead(range.base, range.length);
      assert.equal(data.length, range.length);
      for (let i = 0; i < data.length; i++) seen.set(range.base + i, data[i] as number);
    }
  }
  const read = (r: SvdRegister) =>
    [0, 1, 2, 3].reduce((v, i) => v + (seen.get(r.address + i) as number) * 2 ** (8 * i), 0);
  for (const r of regs) assert.equal(read(r), expected(model, r.name), `${r.name} at 0x${r.address.toString(16)}`);
  // The values are the ones the script wrote and the SMMU produced, not zeros.
  const byName = new Map(regs.map((r) => [r.name, read(r)]));
  assert.equal(byName.get('CR0'), 0b1100);
  assert.equal(byName.get('CR0ACK'), 0b1100);
  assert.equal(byName.get('CMDQ_BASE_LO'), 0x40100004);
  assert.equal(byName.get('STRTAB_BASE_LO'), 0x40000000);
  assert.equal(byName.get('CMDQ_CONS'), 2);
  assert.equal(byName.get('IDR0'), Number(DEFAULT_CONFIG.ids.IDR0));
});

test('reading registers makes no access: no step-history entry, no findings', async () => {
  await launchAtLine11();
  const output: string[] = [];
  dc.on('output', (e) => output.push(String(e.body.output)));
  // Page 1 up to EVENTQ_PROD: undefined page-1 locations, which a guest read would be warned about.
  const data = await viewerRead(0x0906_0000, 0xb0);
  assert.equal(data.length, 0xb0);
  assert.equal(data.readUInt32LE(0x40), 0); // RES0 (this configuration's choice, §6.2)
  // Step back goes to the statement before, as without the read: the read left no entry to undo.
  const back = await steppingOn(dc, () => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(back.body.reason, 'step');
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.equal(frames[0]?.line, 10);
  assert.deepEqual(
    output.filter((o) => /page-1|warning|error/.test(o)),
    [],
  );
});

test("Peripheral Viewer's writes are 32-bit register writes through the model", async () => {
  await launchAtLine11();
  const output: string[] = [];
  dc.on('output', (e) => output.push(String(e.body.output)));
  // IRQ_CTRL.GERROR_IRQEN: the model acknowledges it in IRQ_CTRLACK (§6.3.16).
  await viewerWrite(0x0905_0050, 1);
  assert.equal(await evaluateOn(dc, 'IRQ_CTRLACK'), '0x00000001 (GERROR_IRQEN)');
  assert.equal((await viewerRead(0x0905_0054, 4)).readUInt32LE(0), 1);
  // The high half of a 64-bit register alone (§6.2: bits [63:32] at +4); CR0.SMMUEN is 0, so
  // STRTAB_BASE may change.
  await viewerWrite(0x0905_0084, 0x12);
  assert.equal(await evaluateOn(dc, 'STRTAB_BASE'), '0x0000001240000000 (0x1240000000)');
  // CMDQ_BASE is Guarded by CR0.CMDQEN (§6.2): the model ignores the write and says why.
  await viewerWrite(0x0905_0090, 0x40300004);
  assert.equal((await viewerRead(0x0905_0090, 4)).readUInt32LE(0), 0x40100004);
  assert.ok(
    output.some((o) => /SMMU \+0x90: error: .*Guarded by/.test(o)),
    output.join(''),
  );
  // A 16-bit write is illegal (§6.2; this model supports only 32- and 64-bit accesses): reported, ignored.
  await viewerWrite(0x0905_002c, 1, 2);
  assert.ok(
    output.some((o) => /SMMU \+0x2C: error: 16-bit access/.test(o)),
    output.join(''),
  );
  assert.equal((await viewerRead(0x0905_002c, 4)).readUInt32LE(0), 0);
  // The writes are steps of the history: step back undoes the last one (the 16-bit write), then
  // the guarded write, then the STRTAB_BASE_HI write.
  for (let i = 0; i < 3; i++) await steppingOn(dc, () => dc.stepBackRequest({ threadId: 1 }));
  assert.equal(await evaluateOn(dc, 'STRTAB_BASE'), '0x0000000040000000 (0x40000000)');
});

test('smmuBase moves the register pages; guest memory is still read elsewhere', async () => {
  await launchAtLine11({ smmuBase: '0x2b400000' });
  assert.equal((await viewerRead(0x2b40_0020, 4)).readUInt32LE(0), 0b1100); // CR0
  assert.equal((await viewerRead(0x2b41_00a8, 4)).readUInt32LE(0), 0); // EVENTQ_PROD
  // The default base is now plain guest memory, and the command queue is where the script put it.
  assert.equal((await viewerRead(0x0905_0020, 4)).readUInt32LE(0), 0);
  assert.equal((await viewerRead(0x4010_0000, 1))[0], 0x03); // CMD_CFGI_STE (§4.3.2)
});

test('reads beyond the address space are unreadable bytes; bad requests get a message', async () => {
  await launchAtLine11();
  const r = await dc.customRequest('readMemory', { memoryReference: '0xFFFFFFFFFFFFFFF8', count: 16 });
  const body = r.body as { address: string; data: string; unreadableBytes?: number };
  assert.equal(Buffer.from(body.data, 'base64').length, 8);
  assert.equal(body.unreadableBytes, 8);
  // DAP's offset, which VS Code's memory view sends, and a negative one.
  const cr0 = await dc.customRequest('readMemory', { memoryReference: '0x9050000', offset: 0x20, count: 4 });
  assert.equal((cr0.body as { address: string }).address, '0x9050020');
  await assert.rejects(
    () => dc.customRequest('readMemory', { memoryReference: '0x10', offset: -32, count: 4 }),
    /outside the 64-bit address space/,
  );
  await assert.rejects(
    () => dc.customRequest('writeMemory', { memoryReference: '0x9050020', data: 'not base64!' }),
    /"data" must be base64 text/,
  );
  await assert.rejects(
    () => dc.customRequest('writeMemory', { memoryReference: '0xFFFFFFFFFFFFFFFE', data: 'AAAAAA==' }),
    /beyond the 64-bit address space/,
  );
});

test('a trace session serves the replayed registers at the SVD addresses too', async () => {
  const trace = path.join(root, 'examples', 'vsmmu-locking.smmutrace');
  await launchOn(dc, { program: trace }, () =>
    dc.setBreakpointsRequest({ source: { path: trace }, breakpoints: [{ line: 15 }] }),
  );
  // Line 15 is `R 0x0080 4 0x40000000 0`: STRTAB_BASE's low word holds vCPU 1's 0x50000000, the
  // write logged last before it.
  assert.equal((await viewerRead(0x0905_0080, 4)).readUInt32LE(0), 0x50000000);
  assert.equal((await viewerRead(0x0905_0000, 4)).readUInt32LE(0), 0x0d44101a); // IDR0 as the trace read it
});

test('a launch with an smmuBase that is not an address fails with a message', async () => {
  await assert.rejects(
    () =>
      Promise.all([
        dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()),
        dc.launch({ program: script, smmuBase: 'SMMU' }),
      ]),
    /"smmuBase" "SMMU" is not an address/,
  );
});
