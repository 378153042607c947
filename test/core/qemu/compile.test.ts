/**
 * A script as a guest program (core/qemu/compile.ts): each statement becomes the operations a
 * driver performs, with the bytes the model wrote, and the judgement's expectations.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import type { ScriptHost } from '../../../core/script/check';
import { checkScript } from '../../../core/script/check';
import { compileScript, ID_REGISTERS } from '../../../core/qemu/compile';
import { REPORT_START, type GuestOp, type StoreOp } from '../../../core/guest/ops';
import { judgeReport } from '../../../core/qemu/judge';
import { getRegister } from '../../../core/registers/table';
import { addressesOutsideRam, placeProgram, virtRam, zeroOnlyRam } from '../../../core/qemu/layout';

function hostOf(files: Record<string, string>): ScriptHost {
  return {
    readFile: (p) => files[p],
    resolvePath: (from, rel) => path.posix.resolve(path.posix.dirname(from), rel),
  };
}

function compile(text: string, files: Record<string, string> = {}) {
  const check = checkScript(text, '/w/s.smmu', hostOf({ '/w/s.smmu': text, ...files }), 'syntax');
  assert.deepEqual(
    check.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return { check, compiled: compileScript(check) };
}

/** The operations after the ID register prologue and the zeroing of the model's pages. */
function body(ops: readonly GuestOp[]): GuestOp[] {
  return ops.slice(ID_REGISTERS.length).filter((o) => o.kind !== 'zero');
}

const le = (bytes: Uint8Array) => [...bytes].reverse().reduce((v, b) => (v << 8n) | BigInt(b), 0n);

test('every program starts by reading the ID registers, at the config line', () => {
  const { compiled } = compile('# c\nread32 CR0\n');
  assert.deepEqual(
    compiled.ops
      .slice(0, ID_REGISTERS.length)
      .map((o) => (o.kind === 'read' ? [o.space, Number(o.address), o.size] : o.kind)),
    ID_REGISTERS.map((n) => ['smmu', getRegister(n).offset, 4]),
  );
});

test('register statements are their own access, at the statement line; page 1 keeps its offset', () => {
  const { compiled } = compile('write32 CR0 0x8\nread32 CR0ACK\nwrite32 EVENTQ_PROD 0\nwrite16 0x20 0x9\n');
  assert.deepEqual(
    body(compiled.ops).map((o) =>
      o.kind === 'write'
        ? ['W', o.line, Number(o.address), o.size, o.value]
        : o.kind === 'read'
          ? ['R', o.line, Number(o.address), o.size]
          : o.kind,
    ),
    [
      ['W', 0, 0x20, 4, 8n],
      ['R', 1, 0x24, 4],
      ['W', 2, 0x100a8, 4, 0n],
      ['W', 3, 0x20, 2, 9n],
    ],
  );
});

test('cmd stores the model\u2019s command words at the queue slot; doorbell writes the PROD the model wrote; poll is bounded', () => {
  const { compiled } = compile(
    'write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4\nwrite32 CR0 CMDQEN\ncmd CFGI_STE sid=3 Leaf\ncmd SYNC\ndoorbell\npoll CMDQ_CONS.RD == 2 max=50\n',
  );
  const ops = body(compiled.ops);
  const stores = ops.filter((o): o is StoreOp => o.kind === 'store');
  assert.equal(stores.length, 2);
  assert.equal(stores[0]?.address, 0x40100000n);
  assert.equal(stores[1]?.address, 0x40100010n);
  assert.equal(stores[0]?.bytes.length, 16);
  // CMD_CFGI_STE is opcode 0x03 with the StreamID in bits [63:32] (§4.3.1) and Leaf at bit 0 of the second doubleword.
  assert.equal(le(stores[0]?.bytes.subarray(0, 8) as Uint8Array), 0x0000_0003_0000_0003n);
  assert.equal(le(stores[0]?.bytes.subarray(8, 16) as Uint8Array), 1n);
  const doorbell = ops.find((o) => o.line === 4);
  assert.deepEqual(
    doorbell && doorbell.kind === 'write' ? [Number(doorbell.address), doorbell.size, doorbell.value] : undefined,
    [0x98, 4, 2n],
  );
  const poll = ops.find((o) => o.kind === 'poll');
  assert.ok(poll && poll.kind === 'poll');
  assert.equal(Number(poll.address), 0x9c);
  assert.equal(poll.max, 50);
  assert.equal(poll.equal, true);
  // RD is bits [19:0] with a 2^4-entry queue: the index and wrap bits the expectation names.
  assert.equal(poll.mask & poll.expected, poll.expected);
  assert.equal(poll.expected, 2n);
});

test('ste and map store what the model wrote, and the pages they touch are known', () => {
  const { compiled } = compile(
    'write64 STRTAB_BASE 0x44000000\nwrite32 STRTAB_BASE_CFG LOG2SIZE=5\nste 8 V Config=BYPASS\ntables 0x45000000\nmap ttb=0x45100000 iova=0x1000 pa=0x4A000000\n',
  );
  const ste = body(compiled.ops).filter((o): o is StoreOp => o.kind === 'store' && o.line === 2);
  assert.equal(ste.length, 1);
  assert.equal(ste[0]?.address, 0x44000000n + 8n * 64n);
  // V (bit 0) and Config = 0b100 (bypass, bits [3:1]) (§5.2).
  assert.equal((ste[0]?.bytes[0] as number) & 0xf, 0b1001);
  const map = body(compiled.ops).filter((o): o is StoreOp => o.kind === 'store' && o.line === 4);
  assert.ok(map.length >= 4, 'a descriptor per level');
  for (const s of map) assert.ok(compiled.pages.includes(Number(s.address) & ~0xfff), 'the page is listed');
  // Every page the model touched is zeroed first, right after the ID registers, in contiguous runs.
  const zeros = compiled.ops.slice(ID_REGISTERS.length).filter((o) => o.kind === 'zero');
  assert.deepEqual(compiled.ops.slice(ID_REGISTERS.length, ID_REGISTERS.length + zeros.length), zeros);
  const covered = zeros.flatMap((z) =>
    z.kind === 'zero' ? Array.from({ length: z.length / 4096 }, (_, k) => Number(z.address) + k * 4096) : [],
  );
  assert.deepEqual(covered, compiled.pages);
  // The stream table's page was read by nobody but written by ste; the walk read the table pages.
  assert.ok(compiled.pages.includes(0x44000000));
});

test('mem write is one store of its size; mem read carries the model\u2019s value', () => {
  const { compiled, check } = compile('mem write32 0x40001000 0x12345678\nmem read64 0x40001000\n');
  assert.ok(check);
  const [w, r] = body(compiled.ops);
  assert.ok(w?.kind === 'store' && w.bytes.length === 4 && le(w.bytes) === 0x12345678n);
  assert.ok(r?.kind === 'read' && r.space === 'phys');
  assert.equal(compiled.expectations[compiled.ops.indexOf(r)]?.memory, 0x12345678n);
});

test('§3.10: a Secure PA space access is not compiled into a Non-secure guest store: it is listed as not run', () => {
  const { compiled } = compile('mem write32 0x40001000 0x12345678 secure\nmem read32 0x40001000 secure\n');
  assert.deepEqual(body(compiled.ops), []);
  assert.deepEqual(
    compiled.notRun.map((d) => [d.code, d.range.start.line, /Secure PA space/.test(d.message)]),
    [
      ['qemu.not-run', 0, true],
      ['qemu.not-run', 1, true],
    ],
  );
});

test('statements no machine can perform are listed once, with the reason', () => {
  const { compiled } = compile('mem abort 0x50000000 0x1000\npri sid=1 addr=0x1000 read last\n');
  assert.deepEqual(
    compiled.notRun.map((d) => [d.code, d.range.start.line]),
    [
      ['qemu.not-run', 0],
      ['qemu.not-run', 1],
    ],
  );
  assert.match(compiled.notRun[1]?.message ?? '', /PRI/);
});

test('an included file\u2019s operations are attributed to the include line, with the inner position', () => {
  const { compiled } = compile('include "inc.smmu"\n', { '/w/inc.smmu': '# inner\nwrite32 CR0 0\n' });
  const i = compiled.ops.findIndex((o) => o.kind === 'write');
  assert.equal(compiled.ops[i]?.line, 1);
  assert.equal(compiled.ops[i]?.file, '/w/inc.smmu');
  assert.equal(compiled.expectations[i]?.range.start.line, 0);
  assert.equal(compiled.expectations[i]?.inner?.range.start.line, 1);
});

test('addresses outside RAM are errors at their lines; the program is placed clear of the model\u2019s pages', () => {
  const { compiled } = compile('mem write64 0x20000000 1\nmem write64 0x40000000 2\n');
  const ram = virtRam(2 ** 30);
  const out = addressesOutsideRam(compiled, ram, '1G');
  assert.deepEqual(
    out.map((d) => [d.code, d.range.start.line]),
    [['qemu.address', 0]],
  );
  assert.match(out[0]?.message ?? '', /0x40000000–0x7FFFFFFF \(--memory 1G\)/);
  assert.equal(placeProgram([], ram, 0x20000), 0x7ff00000n);
  // A page in the top MiB pushes the program below it.
  assert.equal(placeProgram([0x7ff10000], ram, 0x20000), 0x7fe00000n);
  assert.equal(placeProgram([], virtRam(0x10000), 0x20000), undefined);
});

test('zeroing stays in RAM: pages outside it are left out, with one warning', () => {
  const text = 'mem write64 0x60000000 1\nmem write64 0x40000000 2\n';
  const check = checkScript(text, '/w/s.smmu', hostOf({ '/w/s.smmu': text }), 'syntax');
  const ram = virtRam(2 ** 28);
  const compiled = compileScript(check, { ram: { start: ram.start, end: ram.end } });
  assert.deepEqual(
    compiled.ops.filter((o) => o.kind === 'zero').map((o) => o.address),
    [0x40000000n],
  );
  assert.deepEqual(compiled.unzeroed, [0x60000000n]);
  assert.equal(compiled.expectations.length, compiled.ops.length);
  const { warning } = zeroOnlyRam(compiled, ram, '256M');
  assert.equal(warning?.code, 'qemu.address');
  assert.equal(warning?.severity, 'warning');
  assert.match(
    warning?.message ?? '',
    /outside the guest RAM .* at 0x60000000: QEMU's accesses there abort where the model read zeros/,
  );
  // The statement itself is still an error of its own line (the zeroing is not).
  assert.deepEqual(
    addressesOutsideRam(compiled, ram, '256M').map((d) => d.range.start.line),
    [0],
  );
  assert.equal(
    zeroOnlyRam(compileScript(check), ram, '256M').warning,
    undefined,
    'without the RAM, every page is zeroed',
  );
});

test('the judgement: a report line tagged with an operation the program does not have belongs to none', () => {
  const { compiled, check } = compile('read32 CR0\n');
  const report = `${REPORT_START}R 0x00000 4 0x0D40101A # @0\nR 0x00020 4 0x00000000 # @99999999999999999999999\n`;
  const j = judgeReport(compiled, report, { config: check.config, configSource: 'test' });
  assert.equal(j.opsReported, 1);
  assert.ok(j.opsReported <= j.opsTotal);
  // The guest stopped after the first operation: the statement it did not report is named.
  assert.deepEqual(
    j.diagnostics.filter((d) => d.code === 'qemu.stopped').map((d) => d.range.start.line),
    [0],
  );
});
