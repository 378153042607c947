/**
 * The guest kit (core/guest/export-c.ts) for real: a kit built into the bare-metal harness
 * (test/fixtures/guest-kit/) with Debian's aarch64-linux-gnu-gcc and booted on QEMU 7.2's virt
 * machine with its SMMUv3, as an ELF and as the flat arm64 Image a Xen domU boots; then the
 * generated C on the host (warning-free under strict flags, no library call, two kits in one
 * file) and against fake callbacks, whose report is predicted exactly (formatting only: QEMU is
 * the real check). A missing compiler or QEMU fails these tests, naming scripts/setup-qemu.sh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportC, ExportCError } from '../../../core/guest/export-c';
import { opText, type GuestOp } from '../../../core/guest/ops';
import { parseLineTrace } from '../../../core/trace/parse-line';
import {
  CROSS_GCC,
  KIT_WARNINGS,
  QEMU,
  buildHarness,
  missingTool,
  run,
  runQemu,
  tempDir,
} from '../../harness/qemu-kit';
import { fakeRun, readReport, runFake } from './kit-report';

function needs(...tools: string[]): void {
  for (const t of tools) {
    const missing = missingTool(t);
    if (missing) assert.fail(missing);
  }
}

/** Run `body` in a fresh temporary folder, removed afterwards. */
async function inTemp<T>(body: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = tempDir('smmu-kit-');
  try {
    return await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const STORED = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
const STORE_AT = 0x4800_0003n; // unaligned: pieces of 1, 4, 8, 4, 2, 1 bytes
const UNASSIGNED = 0x0e00_0000n; // virt's secure-memory window, absent without secure=on: accesses abort

/** The hand-made operations, by name; the names say what each checks on QEMU. */
const QEMU_NAMED = {
  idr0: { kind: 'read', space: 'smmu', address: 0x00n, size: 4, line: 0 },
  idr1: { kind: 'read', space: 'smmu', address: 0x04n, size: 4, line: 1 },
  idr5: { kind: 'read', space: 'smmu', address: 0x14n, size: 4, line: 2 },
  aidr: { kind: 'read', space: 'smmu', address: 0x1cn, size: 4, line: 3 },
  cr0: { kind: 'write', space: 'smmu', address: 0x20n, size: 4, value: 0x8n, line: 4 }, // CMDQEN
  cr0ack: { kind: 'read', space: 'smmu', address: 0x24n, size: 4, line: 5 },
  pollAck: {
    kind: 'poll',
    space: 'smmu',
    address: 0x24n,
    size: 4,
    mask: 0x8n,
    expected: 0x8n,
    equal: true,
    max: 100,
    line: 6,
  },
  pollNever: {
    kind: 'poll',
    space: 'smmu',
    address: 0x24n,
    size: 4,
    mask: 0x8n,
    expected: 0x8n,
    equal: false,
    max: 5,
    line: 7,
  },
  byteRead: { kind: 'read', space: 'smmu', address: 0x00n, size: 1, line: 8 }, // QEMU: .valid.min_access_size = 4
  byteWrite: { kind: 'write', space: 'smmu', address: 0x20n, size: 1, value: 0n, line: 9 },
  eventqProd: { kind: 'read', space: 'smmu', address: 0x100a8n, size: 4, line: 10 }, // page 1
  cmdqBase: { kind: 'read', space: 'smmu', address: 0x90n, size: 8, line: 11 },
  cr0Off: { kind: 'write', space: 'smmu', address: 0x20n, size: 4, value: 0n, line: 12 },
  store: { kind: 'store', address: STORE_AT, bytes: STORED, line: 13, file: 'tables.smmu' },
  readBack8: { kind: 'read', space: 'phys', address: 0x4800_0008n, size: 8, line: 14 },
  readBack4: { kind: 'read', space: 'phys', address: 0x4800_0004n, size: 4, line: 15 },
  storeNowhere: { kind: 'store', address: UNASSIGNED, bytes: Uint8Array.from([1, 2, 3, 4]), line: 16 },
  readNowhere: { kind: 'read', space: 'phys', address: UNASSIGNED, size: 4, line: 17 },
} satisfies Record<string, GuestOp>;
const QEMU_OPS: GuestOp[] = Object.values(QEMU_NAMED);
const at = Object.fromEntries(Object.keys(QEMU_NAMED).map((k, i) => [k, i])) as Record<keyof typeof QEMU_NAMED, number>;

/** Little-endian value of `size` stored bytes from `address`. */
function storedValue(address: bigint, size: number): bigint {
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(STORED[Number(address - STORE_AT) + k] as number);
  return v;
}

/** Everything the QEMU runs must show; `how` names the run in messages. */
function checkQemuReport(serial: string, how: string): void {
  const parsed = parseLineTrace(serial);
  assert.deepEqual(parsed.diagnostics, [], `${how}: the report parses as a .smmutrace without a diagnostic`);
  const obs = readReport(QEMU_OPS, serial); // every index in order, static parts verbatim
  const smmuAccesses = QEMU_OPS.filter((op) => op.kind !== 'store' && op.kind !== 'zero' && op.space === 'smmu').length;
  const mRecords = opText(QEMU_NAMED.store, at.store).prefix.split('\n').length - 1;
  assert.equal(parsed.records.length, smmuAccesses + mRecords, `${how}: one record per SMMU access and per M line`);

  const aborted = obs.flatMap((o, i) => (o.abort ? [i] : []));
  assert.deepEqual(
    aborted,
    [at.byteRead, at.byteWrite, at.storeNowhere, at.readNowhere],
    `${how}: exactly the 1-byte SMMU accesses and the unassigned address abort`,
  );
  assert.match(serial, new RegExp(`^R 0x00000 1 abort # @${at.byteRead}$`, 'm'));
  assert.match(serial, new RegExp(`^W 0x00020 1 0x00 abort # @${at.byteWrite}$`, 'm'));
  assert.equal(obs[at.storeNowhere]?.abortAt, UNASSIGNED, 'the store names the address that aborted');

  assert.equal(obs[at.cr0ack]?.value, 0x8n, 'CR0ACK acknowledges CMDQEN');
  assert.deepEqual(obs[at.pollAck], { abort: false, value: 0x8n, loads: 1 }, 'the poll ends at its first load');
  assert.deepEqual(
    obs[at.pollNever],
    { abort: false, value: 0x8n, loads: 5 },
    'a poll whose condition never holds makes its max loads',
  );
  assert.equal(obs[at.readBack8]?.value, storedValue(0x4800_0008n, 8), 'the stored bytes read back (8 bytes)');
  assert.equal(obs[at.readBack4]?.value, storedValue(0x4800_0004n, 4), 'the stored bytes read back (4 bytes)');
  for (const k of ['idr0', 'idr1', 'idr5', 'aidr', 'eventqProd', 'cmdqBase'] as const)
    assert.notEqual(obs[at[k]]?.value, undefined, k);
}

test('on QEMU 7.2: the kit in the bare-metal harness (ELF, semihosting exit) reports every access as opText says, aborts as observations', async () => {
  needs(CROSS_GCC, QEMU);
  await inTemp(async (dir) => {
    fs.writeFileSync(path.join(dir, 'kit.c'), exportC(QEMU_OPS, { source: 'examples/kit-check.smmu' }));
    const { elf } = buildHarness(dir);
    const r = await runQemu(elf, { semihosting: true });
    assert.equal(r.timedOut, false, `QEMU ran past 30 s; the guest printed:\n${r.serial}`);
    assert.equal(r.code, 0, `QEMU's exit status is the guest's (0: the kit ran):\n${r.stderr}\n${r.serial}`);
    checkQemuReport(r.serial, 'ELF');
  });
});

test('on QEMU 7.2: the same harness as a flat arm64 Image (what a Xen domU boots), ended by PSCI SYSTEM_OFF, prints the same checks', async () => {
  needs(CROSS_GCC, QEMU);
  await inTemp(async (dir) => {
    fs.writeFileSync(path.join(dir, 'kit.c'), exportC(QEMU_OPS));
    const { image } = buildHarness(dir, { psci: true });
    const head = fs.readFileSync(image as string);
    // Linux's arm64 booting.rst header, the one Xen's libxl loader (xg_dom_armzimageloader.c) probes.
    assert.equal(head.subarray(56, 60).toString('latin1'), 'ARM\x64');
    assert.equal(head.readBigUInt64LE(8), 0x10_0000n, 'text_offset');
    assert.ok(head.readBigUInt64LE(16) >= BigInt(head.length), 'image_size covers the file and its .bss');
    const r = await runQemu(image as string, { semihosting: false });
    assert.equal(r.timedOut, false, `QEMU ran past 30 s; the guest printed:\n${r.serial}`);
    assert.equal(r.code, 0, `${r.stderr}\n${r.serial}`);
    checkQemuReport(r.serial, 'Image');
  });
});

/** Host-side cases beyond QEMU's: wide values and addresses, an unaligned read, an empty store, stores that abort, a 4 KiB table. */
const HOST_OPS: GuestOp[] = [
  ...QEMU_OPS,
  { kind: 'read', space: 'smmu', address: 0x02n, size: 4, line: 20 },
  { kind: 'read', space: 'smmu', address: 0x20n, size: 2, line: 21 },
  { kind: 'write', space: 'smmu', address: 0x90n, size: 8, value: 0xffff_ffff_ffff_ffffn, line: 22 },
  { kind: 'write', space: 'phys', address: 0xffff_ffff_ffff_fff8n, size: 8, value: 0x1234_5678_9abc_def0n, line: 23 },
  { kind: 'read', space: 'phys', address: 0x1_0000_0000n, size: 8, line: 24 },
  {
    kind: 'poll',
    space: 'phys',
    address: 0x8_0000_0000n,
    size: 8,
    mask: 0xf000_0000_0000_0000n,
    expected: 0n,
    equal: false,
    max: 7,
    line: 25,
  },
  { kind: 'poll', space: 'smmu', address: 0xccn, size: 4, mask: 1n, expected: 1n, equal: true, max: 1, line: 26 },
  { kind: 'store', address: 0x4000_0000n, bytes: new Uint8Array(0), line: 27 },
  { kind: 'store', address: 0xdead_0004n, bytes: Uint8Array.from([9, 8, 7]), line: 28 },
  { kind: 'store', address: 0xdeac_fffcn, bytes: Uint8Array.from({ length: 12 }, (_, i) => i), line: 29 },
  {
    kind: 'store',
    address: 0x1_4000_0000n,
    bytes: Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff),
    line: 30,
    file: 'dir/"odd" */ na??/me\u00e9\u00e9/.smmu',
  },
];

test('the generated C compiles warning-free (C99, -pedantic, -Wconversion …), freestanding, for aarch64 and the host, and calls no library function', async () => {
  needs(CROSS_GCC, 'gcc', 'nm', 'aarch64-linux-gnu-nm');
  await inTemp((dir) => {
    fs.writeFileSync(
      path.join(dir, 'kit.c'),
      exportC(HOST_OPS, { source: 'a/*/b\n\u00e9.smmu ??/', functionName: 'check_vsmmu' }),
    );
    for (const [cc, nm] of [
      [CROSS_GCC, 'aarch64-linux-gnu-nm'],
      ['gcc', 'nm'],
    ] as const) {
      for (const opt of ['-O0', '-O2', '-O3']) {
        assert.equal(
          run(cc, [...KIT_WARNINGS, '-ffreestanding', '-nostdlib', opt, '-c', 'kit.c', '-o', 'kit.o'], dir),
          '',
          `${cc} ${opt}: no diagnostic`,
        );
        // An undefined symbol would be a library call (a copy loop turned into memcpy, say).
        assert.equal(run(nm, ['-u', 'kit.o'], dir), '', `${cc} ${opt}: kit.o needs no symbol`);
        assert.match(run(nm, ['-g', 'kit.o'], dir), /^\S+ T check_vsmmu$/m, 'the one external symbol is the function');
      }
    }
  });
});

test('two kits in one translation unit (after <stdlib.h>) share the host type and the interpreter', async () => {
  needs('gcc');
  await inTemp((dir) => {
    fs.writeFileSync(path.join(dir, 'a.c'), exportC(QEMU_OPS.slice(0, 3), { functionName: 'kit_a' }));
    fs.writeFileSync(path.join(dir, 'b.c'), exportC(HOST_OPS.slice(-4), { functionName: 'kit_b' }));
    fs.writeFileSync(
      path.join(dir, 'both.c'),
      '#include <stdlib.h>\n#include "a.c"\n#include "b.c"\nint both(const struct smmu_kit_host *h);\nint both(const struct smmu_kit_host *h) { return kit_a(h) + kit_b(h); }\n',
    );
    assert.equal(run('gcc', [...KIT_WARNINGS, '-c', 'both.c', '-o', 'both.o'], dir), '');
  });
});

test('against fake callbacks on the host the report is exactly the predicted one: values masked to the access, aborts, poll counts, store pieces', async () => {
  needs('gcc');
  await inTemp((dir) => {
    for (const ops of [HOST_OPS, []]) {
      const expected = fakeRun(ops);
      const got = runFake(dir, ops);
      assert.equal(got.stdout, expected.report);
      assert.equal(
        got.stderr,
        expected.pieces,
        'the store callback gets the pieces the M records name, up to the one that aborted',
      );
      assert.equal(
        got.status,
        10 + expected.aborted,
        'the function returns the number of operations that aborted (and -1 for a host without a callback)',
      );
      readReport(ops, got.stdout);
    }
    assert.ok(fakeRun(HOST_OPS).aborted >= 5, 'the cases include aborted reads, writes and stores');
  });
});

test('operations no kit can perform are refused, naming the operation and its line', () => {
  const bad: [GuestOp, RegExp][] = [
    [
      { kind: 'read', space: 'smmu', address: 0n, size: 3 as 4, line: 4 },
      /^operation 0 \(line 5\): size 3 is not an access size \(1, 2, 4, 8 bytes\)$/,
    ],
    [
      { kind: 'write', space: 'smmu', address: 0x20n, size: 4, value: 0x1_0000_0000n, line: 0, file: 'inc.smmu' },
      /^operation 0 \(inc\.smmu:1\): value 0x100000000 does not fit a 4-byte access$/,
    ],
    [
      {
        kind: 'poll',
        space: 'smmu',
        address: 0x24n,
        size: 2 as 4,
        mask: 1n,
        expected: 1n,
        equal: true,
        max: 3,
        line: 0,
      },
      /size 2 is not an access size \(4, 8 bytes\)/,
    ],
    [
      { kind: 'poll', space: 'smmu', address: 0x24n, size: 4, mask: 1n, expected: 1n, equal: true, max: 0, line: 0 },
      /a poll needs 1 to 4294967295 loads, not 0/,
    ],
    [
      {
        kind: 'poll',
        space: 'smmu',
        address: 0x24n,
        size: 4,
        mask: 1n << 32n,
        expected: 0n,
        equal: true,
        max: 1,
        line: 0,
      },
      /mask 0x100000000 does not fit/,
    ],
    [{ kind: 'read', space: 'phys', address: 1n << 64n, size: 4, line: 0 }, /is not a 64-bit address/],
    [
      { kind: 'store', address: (1n << 64n) - 2n, bytes: new Uint8Array(4), line: 0 },
      /runs past the top of the 64-bit address space/,
    ],
  ];
  for (const [op, message] of bad) {
    assert.throws(
      () => exportC([op]),
      (e: unknown) => e instanceof ExportCError && message.test(e.message),
      message.source,
    );
  }
  assert.throws(() => exportC([], { functionName: 'int' }), /the function name 'int' is not a C identifier/);
  assert.throws(() => exportC([], { functionName: 'run-kit' }), /'run-kit' is not a C identifier/);
});

test('the header says what the file is, which script it came from and how to call it', () => {
  const c = exportC(QEMU_OPS, { source: 'examples/x */ y.smmu', functionName: 'xen_vsmmu_check' });
  assert.match(
    c,
    /^\/\*\n \* SMMU Workbench guest kit, generated by `smmu export c` from the script examples\/x \* \/ y\.smmu\n \* \(18 operations\)/,
  );
  assert.match(c, /int aborted = xen_vsmmu_check\(&host\);/);
  for (const callback of ['mmio_read', 'mmio_write', 'store', 'print'])
    assert.match(c, new RegExp(`^ \\*   (?:int|void) ${callback}\\(void \\*ctx`, 'm'));
  assert.doesNotMatch(c, /#include <(?!stddef\.h>|stdint\.h>)/, 'no header beyond the freestanding two');
});
