/**
 * The guest program on a real QEMU 7.2 (`-M virt,iommu=smmuv3`): what it prints for reads,
 * writes, aborts, stores and polls, that the report parses as a `.smmutrace` and with
 * core/guest/report.ts, its exit status, and its fatal exception line. Without QEMU these tests
 * fail and say how to install it. Also: bad options and operations, a program too large, and
 * objdump reading every instruction word of a built program.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  buildGuestProgram,
  GuestProgramError,
  type GuestProgram,
  type GuestProgramOptions,
} from '../../../core/guest/program';
import {
  opText,
  REPORT_END,
  REPORT_START,
  storeLines,
  opTag,
  traceValue,
  VIRT_SMMU_BASE,
  VIRT_UART_BASE,
  type AccessSize,
  type GuestOp,
  type PollOp,
  type ReadOp,
  type StoreOp,
  type WriteOp,
} from '../../../core/guest/ops';
import {
  parseGuestReport,
  type AccessObservation,
  type GuestReport,
  type StoreObservation,
} from '../../../core/guest/report';
import { parseLineTrace } from '../../../core/trace/parse-line';
import { OBJDUMP, requireTool, runQemu, tempDir, type QemuRun } from '../../harness/qemu';

const LOAD = 0x4008_0000n;
const OPTIONS: GuestProgramOptions = { loadAddress: LOAD, smmuBase: VIRT_SMMU_BASE, uartBase: VIRT_UART_BASE };
/** Guest RAM the tests store to, well above the program. */
const RAM = 0x4100_0000n;

const read = (address: bigint, size: AccessSize, space: 'smmu' | 'phys' = 'smmu'): ReadOp => ({
  kind: 'read',
  space,
  address,
  size,
  line: 0,
});
const write = (address: bigint, size: AccessSize, value: bigint, space: 'smmu' | 'phys' = 'smmu'): WriteOp => ({
  kind: 'write',
  space,
  address,
  size,
  value,
  line: 0,
});
const store = (address: bigint, bytes: Uint8Array): StoreOp => ({ kind: 'store', address, bytes, line: 0 });
const poll = (
  address: bigint,
  size: 4 | 8,
  mask: bigint,
  expected: bigint,
  equal: boolean,
  max: number,
  space: 'smmu' | 'phys' = 'smmu',
): PollOp => ({ kind: 'poll', space, address, size, mask, expected, equal, max, line: 0 });

interface Boot {
  readonly program: GuestProgram;
  readonly run: QemuRun;
  readonly report: GuestReport;
}

async function boot(ops: readonly GuestOp[], semihosting = true): Promise<Boot> {
  const program = buildGuestProgram(ops, OPTIONS);
  const run = await runQemu(
    program.elf,
    semihosting ? {} : { semihosting: false, timeoutMs: 10_000, until: (u) => /# fatal exception:.*\n/.test(u) },
  );
  return { program, run, report: parseGuestReport(run.uart, ops) };
}

/** The run finished: exit status 0, the whole report, every operation observed, nothing unread. */
function assertCompleted(b: Boot): void {
  assert.equal(b.run.timedOut, false, `QEMU ran past the time limit; UART:\n${b.run.uart}\nstderr:\n${b.run.stderr}`);
  assert.equal(b.run.status, 0, `exit status; UART:\n${b.run.uart}\nstderr:\n${b.run.stderr}`);
  assert.ok(b.run.uart.startsWith(REPORT_START), b.run.uart);
  assert.ok(b.run.uart.endsWith(REPORT_END), b.run.uart);
  assert.deepEqual(b.report.problems, []);
  assert.deepEqual(b.report.other, []);
  assert.equal(b.report.firstMissing, undefined);
  assert.equal(b.report.fatal, undefined);
}

const access = (r: GuestReport, i: number) => {
  const o = r.observations.get(i);
  assert.equal(
    o?.kind,
    'access',
    `operation ${i}: ${JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`,
  );
  return o as AccessObservation;
};
const storeObs = (r: GuestReport, i: number) => {
  const o = r.observations.get(i);
  assert.equal(o?.kind, 'store', `operation ${i}`);
  return o as StoreObservation;
};

/** The line operation `i` prints for a read that returned `value` (or aborted). */
const readLine = (op: ReadOp, i: number, value: bigint | 'abort') => {
  const t = opText(op, i);
  return `${t.prefix}${value === 'abort' ? 'abort' : traceValue(value, op.size)}${t.suffix}`;
};

/** Little-endian value of `size` bytes of `bytes` from `at`. */
const le = (bytes: Uint8Array, at: number, size: number) => {
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[at + k] as number);
  return v;
};

/** Bytes from a seeded generator. */
function bytesOf(n: number, seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 24;
  });
}

test('QEMU: reading SMMU_IDR0 and SMMU_IDR1 prints a report that parses as a .smmutrace, and QEMU exits with status 0', async () => {
  const ops = [read(0x0n, 4), read(0x4n, 4)];
  const b = await boot(ops);
  assertCompleted(b);
  const trace = parseLineTrace(b.run.uart);
  assert.deepEqual(trace.diagnostics, []);
  const records = trace.records.map((r) =>
    r.kind === 'access' ? { dir: r.dir, offset: r.offset, size: r.size, value: r.value, abort: r.abort } : r.kind,
  );
  const idr0 = access(b.report, 0).value;
  const idr1 = access(b.report, 1).value;
  assert.deepEqual(records, [
    { dir: 'R', offset: 0, size: 4, value: idr0, abort: false },
    { dir: 'R', offset: 4, size: 4, value: idr1, abort: false },
  ]);
  // QEMU 7.2's SMMU_IDR0, as its gdbstub read it (../shared/reference/qemu-guest.md).
  assert.equal(idr0, 0x0d40101an);
  assert.equal(Number(idr1) & 0x3f, 16, 'SMMU_IDR1.SIDSIZE: QEMU has 16-bit StreamIDs');
  assert.equal(
    b.run.uart,
    `${REPORT_START}${readLine(ops[0] as ReadOp, 0, idr0 as bigint)}${readLine(ops[1] as ReadOp, 1, idr1 as bigint)}${REPORT_END}`,
  );
});

test('QEMU: 8- and 16-bit SMMU accesses and unaligned accesses report abort, and the program carries on', async () => {
  const ops: GuestOp[] = [
    read(0x0n, 1), // 8-bit: QEMU's SMMU takes 4 and 8 bytes only
    read(0x2n, 4), // unaligned: an alignment fault (SCTLR_EL1.A)
    write(0x21n, 1, 0x5n),
    write(0x22n, 2, 0x1234n),
    read(0x4n, 8), // 8 bytes at a 4-byte boundary
    read(RAM + 1n, 4, 'phys'), // unaligned in RAM too
    read(0x0n, 4), // and the program goes on
  ];
  const b = await boot(ops);
  assertCompleted(b);
  for (let i = 0; i < 6; i++) assert.equal(access(b.report, i).abort, true, `operation ${i} aborted`);
  assert.equal(access(b.report, 3).value, 0x1234n, 'a write reports the value it tried');
  assert.equal(access(b.report, 6).abort, false);
  assert.equal(access(b.report, 6).value, 0x0d40101an);
  const lines = b.run.uart.split('\n');
  assert.equal(`${lines[1]}\n`, readLine(ops[0] as ReadOp, 0, 'abort'));
  assert.equal(`${lines[3]}\n`, `${opText(ops[2] as WriteOp, 2).prefix} abort${opText(ops[2] as WriteOp, 2).suffix}`);
  assert.equal(`${lines[6]}\n`, readLine(ops[5] as ReadOp, 5, 'abort'));
  const trace = parseLineTrace(b.run.uart);
  assert.deepEqual(trace.diagnostics, []);
  assert.deepEqual(
    trace.records.map((r) => r.kind === 'access' && r.abort),
    [true, true, true, true, true, false],
    'the phys read is a comment to the trace (#=); the SMMU accesses are records',
  );
});

test('QEMU: a store, then reads of the same RAM, return the stored bytes; the M records are the bytes', async () => {
  const bytes = bytesOf(29, 7);
  const aligned = bytesOf(16, 9);
  const ops: GuestOp[] = [
    store(RAM + 3n, bytes), // 1 + 4 + 8 + 8 + 8 bytes
    store(RAM + 0x100n, aligned),
    read(RAM + 8n, 8, 'phys'), // bytes[5..12]
    read(RAM + 4n, 4, 'phys'), // bytes[1..4]
    read(RAM + 3n, 1, 'phys'), // bytes[0]
    read(RAM + 0x1en, 2, 'phys'), // bytes[27..28]
    read(RAM + 0x108n, 8, 'phys'),
  ];
  const b = await boot(ops);
  assertCompleted(b);
  const s = storeObs(b.report, 0);
  assert.equal(s.abort, false);
  assert.deepEqual(
    s.records.map((r) => [r.address, r.size]),
    [
      [RAM + 3n, 1],
      [RAM + 4n, 4],
      [RAM + 8n, 8],
      [RAM + 0x10n, 8],
      [RAM + 0x18n, 8],
    ],
  );
  assert.ok(b.run.uart.includes(storeLines(ops[0] as StoreOp, opTag(0))));
  assert.equal(access(b.report, 2).value, le(bytes, 5, 8));
  assert.equal(access(b.report, 3).value, le(bytes, 1, 4));
  assert.equal(access(b.report, 4).value, le(bytes, 0, 1));
  assert.equal(access(b.report, 5).value, le(bytes, 27, 2));
  assert.equal(access(b.report, 6).value, le(aligned, 8, 8));
  const memory = parseLineTrace(b.run.uart).records.filter((r) => r.kind === 'memory');
  assert.equal(memory.length, 5 + 2);
});

test('QEMU: a poll that holds stops at once; one that never holds makes its loads and reports the last value', async () => {
  const word = bytesOf(8, 3);
  const v = le(word, 0, 8);
  const ops: GuestOp[] = [
    write(0x20n, 4, 0n), // SMMU_CR0 = 0
    poll(0x24n, 4, 0xffff_ffffn, 0n, true, 100), // CR0ACK == 0: holds on the first load
    poll(0x0n, 4, 0xffff_ffffn, 0n, true, 7), // IDR0 == 0: never
    poll(0x0n, 4, 0xffn, 0x1an, false, 5), // IDR0[7:0] != 0x1A: never
    poll(0x0n, 4, 0xffn, 0x1bn, false, 5), // IDR0[7:0] != 0x1B: at once
    store(RAM + 0x200n, word),
    poll(RAM + 0x200n, 8, 0xffff_ffff_ffff_ffffn, v, true, 3, 'phys'),
    poll(RAM + 0x200n, 8, 0xff00n, 0n, true, 3, 'phys'),
    poll(0x2n, 4, 0n, 0n, true, 9), // aborts: the loop ends at the first load
  ];
  const b = await boot(ops);
  assertCompleted(b);
  const got = (i: number) => {
    const o = access(b.report, i);
    return [o.value, o.abort, o.polled];
  };
  assert.deepEqual(got(1), [0n, false, 1]);
  assert.deepEqual(got(2), [0x0d40101an, false, 7]);
  assert.deepEqual(got(3), [0x0d40101an, false, 5]);
  assert.deepEqual(got(4), [0x0d40101an, false, 1]);
  assert.deepEqual(got(6), [v, false, 1]);
  assert.equal(got(7)[2], (v & 0xff00n) === 0n ? 1 : 3);
  assert.deepEqual(got(8), [undefined, true, 1]);
  assert.ok(b.run.uart.includes(`R 0x00000 4 0x0D40101A # @2 polled 0x00000007\n`), b.run.uart);
});

test('QEMU: a store that aborts names the address that aborted, and the program goes on', async () => {
  const ops: GuestOp[] = [
    store(VIRT_SMMU_BASE + 1n, Uint8Array.of(1, 2, 3)), // a byte store to the SMMU aborts at once
    store(0x7fff_fff8n, bytesOf(16, 5)), // the last 8 bytes of 1 GiB of RAM, then past its end
    read(0x7fff_fff8n, 8, 'phys'),
    read(0x0n, 4),
  ];
  const b = await boot(ops);
  assertCompleted(b);
  assert.deepEqual([storeObs(b.report, 0).abort, storeObs(b.report, 0).abortAddress], [true, VIRT_SMMU_BASE + 1n]);
  assert.deepEqual([storeObs(b.report, 1).abort, storeObs(b.report, 1).abortAddress], [true, 0x8000_0000n]);
  assert.ok(b.run.uart.includes('# @0 abort store 0x09050001\n# @1 abort store 0x80000000\n'), b.run.uart);
  assert.equal(access(b.report, 2).value, le(bytesOf(16, 5), 0, 8), 'the part before the abort was copied');
  assert.equal(access(b.report, 3).value, 0x0d40101an);
});

test('QEMU: an exception the program does not expect prints the fatal line (here: HLT without semihosting)', async () => {
  const ops = [read(0x0n, 4)];
  const b = await boot(ops, false);
  assert.equal(b.run.stopped, true, `no fatal line; UART:\n${b.run.uart}`);
  assert.ok(b.report.ended, 'the operations ran and the report ended before the exit call');
  const f = b.report.fatal;
  assert.ok(f, b.run.uart);
  assert.equal(f.vector, 0x200, 'synchronous, current EL, SP_EL1');
  assert.equal(Number((f.esr >> 26n) & 0x3fn), 0, 'ESR_EL1.EC: unknown reason (HLT is undefined without semihosting)');
  assert.equal(f.elr, b.program.symbols.get('semihosting call'));
});

test('a report cut anywhere parses without throwing and names the operation the guest reached', async () => {
  const ops: GuestOp[] = [
    read(0x0n, 4),
    write(0x21n, 1, 1n),
    store(RAM + 5n, bytesOf(21, 1)),
    poll(0x0n, 4, 0n, 0n, true, 2),
    read(RAM + 8n, 8, 'phys'),
    store(VIRT_SMMU_BASE + 1n, Uint8Array.of(1)),
  ];
  const b = await boot(ops);
  assertCompleted(b);
  const text = b.run.uart;
  // Where each operation's last line ends, read with a regular expression of the test's own.
  const ends = new Map<number, number>();
  let offset = 0;
  for (const line of text.split('\n')) {
    offset += line.length + 1;
    const m = /# @(\d+)/.exec(line);
    if (m) ends.set(Number(m[1]), offset);
  }
  assert.equal(ends.size, ops.length);
  for (let cut = 0; cut <= text.length; cut++) {
    const r = parseGuestReport(text.slice(0, cut), ops);
    let expected: number | undefined;
    for (let i = 0; i < ops.length && expected === undefined; i++) if ((ends.get(i) as number) > cut) expected = i;
    assert.equal(r.firstMissing, expected, `cut at ${cut}: ${JSON.stringify(text.slice(0, cut))}`);
    assert.equal(r.ended, cut === text.length);
    for (const p of r.problems) assert.match(p.message, /stops in the middle/, `cut at ${cut}`);
  }
  // QEMU's messages and stray bytes between the lines are set aside, the observations kept.
  const noisy = text.replace('\n', '\nqemu-system-aarch64: warning: something\n\u0000\u00ff\u001b[0m\n');
  const r = parseGuestReport(noisy, ops);
  assert.equal(r.firstMissing, undefined);
  assert.deepEqual(
    r.other.map((o) => o.text),
    ['qemu-system-aarch64: warning: something', '\u0000\u00ff\u001b[0m'],
  );
});

test('bad options and operations are refused with a GuestProgramError saying what is wrong', () => {
  const refused = (ops: readonly GuestOp[], options: Partial<GuestProgramOptions>, message: RegExp) =>
    assert.throws(
      () => buildGuestProgram(ops, { ...OPTIONS, ...options }),
      (e: unknown) => e instanceof GuestProgramError && message.test(e.message),
    );
  refused([], { loadAddress: LOAD + 2n }, /loadAddress 0x40080002 must be a word-aligned address/);
  refused([], { loadAddress: -4n }, /loadAddress/);
  refused([], { uartBase: 0x0900_0001n }, /uartBase .* word-aligned/);
  refused([], { smmuBase: 1n << 64n }, /smmuBase/);
  refused([], { maxImageBytes: 1024 }, /maxImageBytes 1024 must be a whole number of bytes from 64 KiB/);
  refused([], { maxImageBytes: 256 * 1024 * 1024 }, /maxImageBytes/);
  refused([write(0x20n, 4, 1n << 32n)], {}, /operation 0 \(line 1\): value 0x100000000 does not fit 4 bytes/);
  refused(
    [{ ...read(0x0n, 4), line: 6, file: 'inc.smmu' }, read(0n, 3 as AccessSize)],
    {},
    /operation 1 \(line 1\): size 3 must be 1, 2, 4, 8/,
  );
  refused([poll(0x24n, 4, 1n, 0n, true, 0)], {}, /a poll makes 1 to 0xFFFFFFFF loads, not 0/);
  refused([poll(0x24n, 2 as 4, 1n, 0n, true, 1)], {}, /size 2 must be 4, 8/);
  refused(
    [{ ...read(0x0n, 4), file: 'inc.smmu', line: 2 }, read(-1n, 4)],
    {},
    /operation 1 \(line 1\): address -0x1 is not a 64-bit offset from the SMMU base/,
  );
  refused([{ ...write(0x0n, 4, 0n), file: 'inc.smmu', line: 2 }, write(1n << 64n, 4, 0n, 'phys')], {}, /address/);
  refused(
    [{ ...store(LOAD + 0x100n, Uint8Array.of(1)), file: 'inc.smmu', line: 4 }],
    {},
    /operation 0 \(inc\.smmu:5\) writes 0x40080100\.\.0x40080100, inside the guest program's own image at 0x40080000\.\./,
  );
  refused([write(LOAD - 2n, 4, 0n, 'phys')], {}, /inside the guest program's own image/);
});

test('a program too large for maxImageBytes is refused with a GuestProgramError', () => {
  const many = Array.from({ length: 5000 }, (_, i) => read(BigInt(i * 4), 4));
  assert.throws(
    () => buildGuestProgram(many, { ...OPTIONS, maxImageBytes: 64 * 1024 }),
    (e: unknown) =>
      e instanceof GuestProgramError &&
      /the program is too large: .* for 5000 operations, more than the 64 KiB allowed/.test(e.message),
  );
  assert.throws(
    () => buildGuestProgram([store(RAM, new Uint8Array(70 * 1024))], { ...OPTIONS, maxImageBytes: 64 * 1024 }),
    (e: unknown) => e instanceof GuestProgramError && /its stores alone hold 70 KiB/.test(e.message),
  );
  // The same operations fit the default limit.
  assert.ok(buildGuestProgram(many, OPTIONS).image.size > 64 * 1024);
});

test('objdump reads every instruction word of a built program as an instruction', () => {
  requireTool(OBJDUMP);
  const ops: GuestOp[] = [
    read(0x0n, 4),
    write(0x20n, 8, 0x1234_5678_9abc_def0n),
    store(RAM + 1n, bytesOf(9, 2)),
    poll(0x24n, 8, 1n, 1n, false, 3, 'phys'),
    read(0xffff_ffff_0000n, 2, 'phys'),
  ];
  const p = buildGuestProgram(ops, OPTIONS);
  const sym = (name: string) => Number((p.symbols.get(name) as bigint) - LOAD);
  const offset = Number(new DataView(p.elf.buffer, p.elf.byteOffset).getBigUint64(64 + 8, true));
  const image = p.elf.subarray(offset, offset + p.image.size);
  const dir = tempDir();
  const file = path.join(dir, 'image.bin');
  fs.writeFileSync(file, image);
  const r = spawnSync(OBJDUMP, ['-D', '-b', 'binary', '-m', 'aarch64', `--adjust-vma=0x${LOAD.toString(16)}`, file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  const texts = new Map<number, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+[0-9a-f]{8}\s+(.*)$/.exec(line);
    if (m) texts.set(Number(BigInt(`0x${m[1]}`) - LOAD), (m[2] as string).trim());
  }
  const code: [number, number][] = [
    [sym('start'), sym('runtime text')],
    [sym('ops'), sym('report end')],
  ];
  for (let k = 0; k < 16; k++) code.push([sym('vectors') + k * 0x80, sym('vectors') + k * 0x80 + 12]);
  let words = 0;
  for (const [from, to] of code) {
    for (let at = from; at < to; at += 4, words++) {
      const t = texts.get(at);
      assert.ok(
        t !== undefined && !/^(\.inst|udf|undefined)/.test(t),
        `word at 0x${(LOAD + BigInt(at)).toString(16)}: ${t}`,
      );
    }
  }
  assert.ok(words > 200, `${words} words`);
});
