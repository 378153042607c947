/**
 * The zero operation on real QEMU, through both routes (the ELF program and the C kit): memory
 * the model takes as zero is zero on the machine too, in the same pieces as a store, and the
 * report says so on one line.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportC } from '../../../core/guest/export-c';
import { opText, VIRT_SMMU_BASE, VIRT_UART_BASE, type GuestOp } from '../../../core/guest/ops';
import { buildGuestProgram } from '../../../core/guest/program';
import { parseGuestReport } from '../../../core/guest/report';
import { runQemu } from '../../harness/qemu';
import { buildHarness, runQemu as runKit, tempDir } from '../../harness/qemu-kit';

const AT = 0x4800_0000n;
const OPS: GuestOp[] = [
  { kind: 'store', address: AT, bytes: new Uint8Array(24).fill(0xff), line: 0 },
  // Unaligned both ends: 4-byte and 2-byte pieces around the doublewords.
  { kind: 'zero', address: AT + 2n, length: 19, line: 1 },
  { kind: 'read', space: 'phys', address: AT, size: 8, line: 2 },
  { kind: 'read', space: 'phys', address: AT + 8n, size: 8, line: 2 },
  { kind: 'read', space: 'phys', address: AT + 16n, size: 8, line: 2 },
  // An SMMU register page is not memory a zero can reach in 8-byte pieces: QEMU aborts 1-byte ones.
  { kind: 'zero', address: VIRT_SMMU_BASE + 0x21n, length: 1, line: 3 },
];
const EXPECTED = [0x0000_0000_0000_ffffn, 0n, 0xffff_ff00_0000_0000n];

function check(report: string, route: string): void {
  assert.ok(report.includes(opText(OPS[1] as GuestOp, 1).prefix), `${route}: the zero line is printed`);
  const r = parseGuestReport(report, OPS);
  assert.deepEqual(r.problems, [], `${route}: the report reads back`);
  assert.equal(r.firstMissing, undefined, `${route}: every operation reported`);
  const values = [2, 3, 4].map((i) => {
    const o = r.observations.get(i);
    return o?.kind === 'access' ? o.value : undefined;
  });
  assert.deepEqual(values, EXPECTED, `${route}: the zeroed bytes read back as zero, the others as stored`);
  const abort = r.observations.get(5);
  assert.ok(
    abort?.kind === 'store' && abort.abort && abort.abortAddress === VIRT_SMMU_BASE + 0x21n,
    `${route}: an aborted zero names its address`,
  );
}

test('zero: the ELF program clears the bytes and reports one line', { timeout: 60_000 }, async () => {
  const p = buildGuestProgram(OPS, { loadAddress: 0x4100_0000n, smmuBase: VIRT_SMMU_BASE, uartBase: VIRT_UART_BASE });
  const run = await runQemu(p.elf);
  assert.equal(run.status, 0, run.stderr);
  check(run.uart, 'ELF');
});

test('zero: the C kit clears the same bytes through its store callback', { timeout: 60_000 }, async () => {
  const dir = tempDir('smmu-zero-');
  fs.writeFileSync(path.join(dir, 'kit.c'), exportC(OPS));
  const { elf } = buildHarness(dir);
  const run = await runKit(elf, { semihosting: true });
  assert.equal(run.code, 0, run.stderr);
  check(run.serial, 'C kit');
});
