/**
 * `smmu qemu` with `dma` statements, on the real QEMU 7.2 (Debian's qemu-system-arm): each DMA is
 * a transfer of an edu device at the StreamID's devfn, and the command reports what QEMU did with
 * it at the statement's line. These pin QEMU 7.2's behaviour (docs/qemu.md, "QEMU 7.2's DMA
 * divergences"): it translates as the model does, writes two records for an 8-byte transfer that
 * faults (two 4-byte transactions), and leaves CLASS at 0b00 in F_TRANSLATION.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { smmuWithin } from '../harness/cli-harness';
import { QEMU, requireTool } from '../harness/qemu';
import { root } from '../harness/root';

interface QemuJson {
  ran: boolean;
  qemu: { command: string[] };
  diagnostics: { line: number; severity: string; code: string; message: string }[];
  summary: { errors: number; warnings: number; notes: number; notRun: number };
  dmas: {
    line: number;
    sid: number;
    iova: string;
    direction: string;
    emulation: string | null;
    model: string;
    records: { model: number; emulation: number | null };
  }[];
}

function qemu(example: string): { code: number | null; json: QemuJson } {
  requireTool(QEMU);
  const r = smmuWithin(60_000, 'qemu', `examples/${example}`, '--json');
  assert.ok(r.out.trim().startsWith('{'), `smmu qemu printed no JSON (exit ${r.code}): ${r.err}`);
  return { code: r.code, json: JSON.parse(r.out) as QemuJson };
}

/** 1-based line of the first line of `example` that starts with `needle`. */
function lineOf(example: string, needle: string): number {
  const i = fs
    .readFileSync(path.join(root, 'examples', example), 'utf8')
    .split('\n')
    .findIndex((l) => l.startsWith(needle));
  assert.ok(i >= 0, needle);
  return i + 1;
}

const found = (j: QemuJson) => j.diagnostics.map((d) => `${d.line} ${d.severity} ${d.code}`);

test('examples/qemu-dma.smmu on QEMU 7.2: stage-1 DMAs go exactly where the model sends them; the fault\u2019s records are compared; StreamID 0x100 is not run', () => {
  const { code, json } = qemu('qemu-dma.smmu');
  const ex = 'qemu-dma.smmu';
  const read = lineOf(ex, 'dma read sid=8 iova=0x10000010');
  const write = lineOf(ex, 'dma write sid=8 iova=0x10000100');
  const fault = lineOf(ex, 'dma read sid=8 iova=0x20000000');
  const expect = lineOf(ex, 'expect event F_TRANSLATION');
  const bridge = lineOf(ex, 'dma read sid=0x100');
  assert.equal(code, 1);
  assert.ok(json.qemu.command.includes('edu,addr=01.0,dma_mask=0xffffffffffffffff'), json.qemu.command.join(' '));
  assert.deepEqual(json.dmas, [
    {
      line: read,
      sid: 8,
      iova: '0x0000000010000010',
      direction: 'read',
      emulation: '0x000000004A000010',
      model: '0x000000004A000010',
      records: { model: 0, emulation: 0 },
    },
    {
      line: write,
      sid: 8,
      iova: '0x0000000010000100',
      direction: 'write',
      emulation: '0x000000004A000100',
      model: '0x000000004A000100',
      records: { model: 0, emulation: 0 },
    },
    {
      line: fault,
      sid: 8,
      iova: '0x0000000020000000',
      direction: 'read',
      emulation: 'abort',
      model: 'abort',
      records: { model: 1, emulation: 2 },
    },
  ]);
  assert.deepEqual(found(json), [
    `${fault} warning qemu.event`,
    `${expect} error qemu.event`,
    `${bridge} warning qemu.not-run`,
  ]);
  const byLine = new Map(json.diagnostics.map((d) => [d.line, d.message]));
  assert.match(
    byLine.get(fault) ?? '',
    /QEMU made the transfer as 2 transactions \(at 0x0000000020000000, 0x0000000020000004\)/,
  );
  assert.match(
    byLine.get(expect) ?? '',
    /in CLASS: QEMU 0b00 \(CD\), the model 0b10 \(IN\) \(QEMU wrote F_TRANSLATION StreamID=0x8 RnW=READ InputAddr=0x20000000,/,
  );
  assert.match(byLine.get(bridge) ?? '', /no device can take StreamID 256 \(0x100\)/);
  assert.deepEqual([json.summary.errors, json.summary.warnings, json.summary.notRun], [1, 2, 1]);
});

test('examples/linux-bringup.smmu: its three DMAs run on QEMU 7.2, and the record after QEMU\u2019s extra one is compared where QEMU wrote it', () => {
  const { code, json } = qemu('linux-bringup.smmu');
  const ex = 'linux-bringup.smmu';
  const mapped = lineOf(ex, 'dma read sid=8 iova=0xFFFF0010 == 0x80000010');
  const unmapped = lineOf(ex, 'dma write sid=8 iova=0x1000');
  const unmappedEvent = lineOf(ex, 'expect event F_TRANSLATION StreamID=8 InputAddr=0x1000');
  const afterUnmap = lineOf(ex, 'dma read sid=8 iova=0xFFFF0010 == F_TRANSLATION');
  const afterUnmapEvent = lineOf(ex, 'expect event F_TRANSLATION StreamID=8 InputAddr=0xFFFF0010');
  assert.equal(code, 1);
  assert.equal(json.summary.notRun, 0);
  assert.deepEqual(
    json.dmas.map((d) => [d.line, d.emulation, d.model, d.records.model, d.records.emulation]),
    [
      [mapped, '0x0000000080000010', '0x0000000080000010', 0, 0],
      [unmapped, 'abort', 'abort', 1, 2],
      [afterUnmap, 'abort', 'abort', 1, 2],
    ],
  );
  assert.deepEqual(found(json), [
    '5 warning trace.config',
    '5 info qemu.ids',
    `${unmapped} warning qemu.event`,
    `${unmappedEvent} error qemu.event`,
    `${afterUnmap} warning qemu.event`,
    `${afterUnmapEvent} info qemu.event`,
    `${afterUnmapEvent} error qemu.event`,
  ]);
  const last = json.diagnostics.filter((d) => d.line === afterUnmapEvent);
  assert.match(
    last[0]?.message ?? '',
    new RegExp(
      `QEMU wrote this record in EVENTQ\\[2\\], the model in EVENTQ\\[1\\]: QEMU wrote another number of records than the model for the DMA on line ${unmapped};`,
    ),
  );
  // QEMU's own record for this DMA (slot 2), not its second record of line 70 (slot 1): only CLASS differs.
  assert.match(
    last[1]?.message ?? '',
    /differs from the model's in CLASS: QEMU 0b00 \(CD\), the model 0b10 \(IN\) \(QEMU wrote F_TRANSLATION StreamID=0x8 RnW=READ InputAddr=0xFFFF0010,/,
  );
});

test('smmu export c leaves the DMAs out of the kit (its host has no edu device), one line each', () => {
  const r = smmuWithin(30_000, 'export', 'c', 'examples/qemu-dma.smmu');
  assert.equal(r.code, 0, r.err);
  const dmaLines = fs
    .readFileSync(path.join(root, 'examples', 'qemu-dma.smmu'), 'utf8')
    .split('\n')
    .flatMap((l, i) => (l.startsWith('dma ') ? [i + 1] : []));
  const notInKit = r.err.split('\n').filter((l) => /not in the kit: no device is arranged/.test(l));
  assert.deepEqual(
    notInKit.map((l) => Number(/:(\d+):1:/.exec(l)?.[1])),
    dmaLines,
  );
  assert.doesNotMatch(r.out, /0x3F008/i);
});
