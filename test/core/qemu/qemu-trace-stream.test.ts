/**
 * QEMU's trace in `smmu qemu` is read a line at a time (server/qemu/process.ts `runQemu`, into
 * core/qemu/dma-judge.ts `QemuDmaTrace`), never whole: a log past the 64 MiB the UART is capped
 * at is read to its end, and a transfer of many pages keeps one summary. The emulator here is a
 * stand-in script that writes the log QEMU would (the real QEMU 7.2 runs in test/cli/qemu-dma.test.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { QemuDmaTrace } from '../../../core/qemu/dma-judge';
import { runQemu } from '../../../server/qemu/process';

/** A stand-in for qemu-system-aarch64 that writes `body` (a shell fragment with $LOG) as its `-D` log, then exits 0. */
function fakeQemu(dir: string, body: string): string {
  const bin = path.join(dir, 'fake-qemu');
  fs.writeFileSync(
    bin,
    `#!/bin/sh\nLOG=\nwhile [ $# -gt 0 ]; do if [ "$1" = -D ]; then LOG=$2; fi; shift; done\n${body}\nexit 0\n`,
    { mode: 0o755 },
  );
  return bin;
}

const MIB = 1024 * 1024;

test('a QEMU trace log larger than 64 MiB is read to its last line, in pieces', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-qemu-stream-'));
  try {
    // 72 MiB of 64-byte lines, a marker and a CRLF line, then a last line without a line break.
    const line =
      'smmuv3_translate_success smmuv3-iommu-memory-region-8-0 sid=0x8 iova=0x10000000 translated=0x4a000000 perm=0x1';
    const bin = fakeQemu(
      dir,
      `yes ' ${'x'.repeat(62)}' | head -c ${72 * MIB} > "$LOG"; printf 'pci_cfg_write edu 0:3.0 @0x4 <- 0x104\\n${line}\\r\\nLAST' >> "$LOG"`,
    );
    const lines: string[] = [];
    let count = 0;
    const run = await runQemu({ binary: bin, memoryBytes: 64 * MIB }, new Uint8Array(4), dir, 120_000, undefined, {
      traceLine: (l) => {
        count++;
        if (!l.startsWith(' x')) lines.push(l);
      },
    });
    assert.equal(run.exitCode, 0, run.stderrTail);
    assert.equal(run.traced, true);
    assert.ok(fs.statSync(path.join(dir, 'qemu-trace.log')).size > 72 * MIB);
    assert.equal(count, (72 * MIB) / 64 + 3);
    // Every line, the CR of a CRLF dropped as the whole-string split drops it, and the last line.
    assert.deepEqual(lines, ['pci_cfg_write edu 0:3.0 @0x4 <- 0x104', line, 'LAST']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a run without a trace log says so (traced false), nothing read', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-qemu-stream-'));
  try {
    const bin = fakeQemu(dir, 'rm -f "$LOG"');
    let count = 0;
    const run = await runQemu({ binary: bin, memoryBytes: 64 * MIB }, new Uint8Array(4), dir, 60_000, undefined, {
      traceLine: () => count++,
    });
    assert.equal(run.traced, false);
    assert.equal(count, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a transfer of many pages keeps one summary: the IOVA’s translation, else the StreamID’s first', () => {
  const t = new QemuDmaTrace([
    { sid: 8, iova: 0x1000_5000n },
    { sid: 9, iova: 0x2000_0000n },
  ]);
  const tr = (sid: number, iova: number, pa: number) =>
    `smmuv3_translate_success smmuv3-iommu-memory-region-${sid}-0 sid=0x${sid.toString(16)} iova=0x${iova.toString(16)} translated=0x${pa.toString(16)} perm=0x1`;
  t.line('smmuv3_translate_success before any marker sid=0x8 iova=0x0 translated=0x0 perm=0x1');
  t.line('pci_cfg_write edu 0:3.0 @0x4 <- 0x104');
  for (let p = 0; p < 10_000; p++) t.line(tr(8, 0x1000_0000 + p * 0x1000, 0x4a00_0000 + p * 0x1000));
  t.line(tr(7, 0x1000_5000, 0x1234_5000));
  t.line('pci_cfg_write edu 0:4.0 @0x4 <- 0x104');
  t.line(tr(9, 0x2000_1000, 0x5000_1000));
  t.line(tr(9, 0x2000_2000, 0x5000_2000));
  t.line('pci_cfg_write edu 0:5.0 @0x4 <- 0x104');
  const segs = t.segments();
  // A marker past the program's transfers starts nothing kept.
  assert.equal(segs.length, 2);
  assert.deepEqual(
    segs.map((s) => [s.slot, s.fn, s.exact?.pa, s.first?.pa, s.aborted, s.records.length]),
    [
      [3, 0, 0x4a00_5000n, 0x4a00_0000n, false, 0],
      [4, 0, undefined, 0x5000_1000n, false, 0],
    ],
  );
});
