/**
 * The judgement of DMAs (core/qemu/dma-judge.ts, judge.ts) on what QEMU 7.2 really printed:
 * `smmu qemu examples/qemu-dma.smmu --keep DIR` runs once, then the kept report and QEMU's trace
 * are judged again in-process, as they are and with one observation changed the way a broken
 * emulation would change it. Each change must show at the DMA's line with QEMU's value and the
 * model's; nothing else may move.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { ScriptDiagnostic } from '../../../core/base/diagnostics';
import { buildEvent } from '../../../core/engine/event-queue';
import { compileScript } from '../../../core/qemu/compile';
import { recordDifference } from '../../../core/qemu/dma-judge';
import { judgeReport } from '../../../core/qemu/judge';
import { virtRam } from '../../../core/qemu/layout';
import { checkScript } from '../../../core/script/check';
import { fileHost } from '../../../server/file-host';
import { smmuWithin } from '../../harness/cli-harness';
import { QEMU, requireTool } from '../../harness/qemu';
import { root } from '../../harness/root';

const script = path.join(root, 'examples', 'qemu-dma.smmu');
const text = fs.readFileSync(script, 'utf8');
const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.startsWith(needle));
const READ = lineOf('dma read sid=8 iova=0x10000010');
const WRITE = lineOf('dma write sid=8 iova=0x10000100');
const FAULT = lineOf('dma read sid=8 iova=0x20000000');
const EXPECT = lineOf('expect event F_TRANSLATION');

/** The kept run of the example on QEMU (once for the whole file). */
let kept: { uart: string; trace: string } | undefined;
function run(): { uart: string; trace: string } {
  if (kept) return kept;
  requireTool(QEMU);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-dma-'));
  const r = smmuWithin(60_000, 'qemu', script, '--keep', dir);
  assert.ok(r.code === 0 || r.code === 1, `smmu qemu failed (exit ${r.code}): ${r.err}${r.out}`);
  kept = {
    uart: fs.readFileSync(path.join(dir, 'uart.txt'), 'latin1'),
    trace: fs.readFileSync(path.join(dir, 'qemu-trace.log'), 'latin1'),
  };
  fs.rmSync(dir, { recursive: true, force: true });
  return kept;
}

function judge(uart: string, trace: string | undefined) {
  const check = checkScript(text, script, fileHost, 'syntax');
  const compiled = compileScript(check, { ram: virtRam(2 ** 30), dmaDevices: true });
  const j = judgeReport(compiled, uart, {
    config: check.config,
    configSource: 'test',
    ...(trace !== undefined ? { qemuTrace: trace } : {}),
  });
  return { compiled, j };
}

const on = (ds: readonly ScriptDiagnostic[], line: number) => ds.filter((d) => d.range.start.line === line);
const codes = (ds: readonly ScriptDiagnostic[]) =>
  ds.map((d) => `${d.range.start.line}:${d.severity}:${d.code}`).sort();

/** Change the value a report line of operation `op` shows. */
function setRead(uart: string, op: number, value: string): string {
  const re = new RegExp(`^(.* )(0x[0-9A-F]+|abort)( # @${op})\\b`, 'm');
  assert.match(uart, re, `no report line for operation ${op}`);
  return uart.replace(re, `$1${value}$3`);
}

test('as QEMU 7.2 ran it: the translations agree, the fault is recorded twice and its CLASS differs', () => {
  const { uart, trace } = run();
  const { j } = judge(uart, trace);
  assert.deepEqual(on(j.diagnostics, READ), []);
  assert.deepEqual(on(j.diagnostics, WRITE), []);
  assert.deepEqual(
    j.dmas.slice(0, 3).map((d) => [d.line, d.emulation, d.model, d.records.model, d.records.emulation]),
    [
      [READ, 0x4a00_0010n, 0x4a00_0010n, 0, 0],
      [WRITE, 0x4a00_0100n, 0x4a00_0100n, 0, 0],
      [FAULT, 'abort', 'abort', 1, 2],
    ],
  );
  const [split] = on(j.diagnostics, FAULT);
  assert.equal(split?.code, 'qemu.event');
  assert.equal(split?.severity, 'warning');
  assert.match(
    split?.message ?? '',
    /2 event records for this one 8-byte transfer, the model 1: .*InputAddr=0x20000000; .*InputAddr=0x20000004/,
  );
  const expect = on(j.diagnostics, EXPECT);
  assert.equal(expect.length, 1);
  assert.equal(expect[0]?.severity, 'error');
  assert.match(
    expect[0]?.message ?? '',
    /differs from the model's in CLASS: QEMU 0b00 \(CD\), the model 0b10 \(IN\) \(QEMU wrote/,
  );
});

test('QEMU translating to another PA is an error at the DMA line, with both addresses', () => {
  const { uart, trace } = run();
  assert.match(trace, /translated=0x4a000010/);
  const { j } = judge(uart, trace.replace('translated=0x4a000010', 'translated=0x4b000010'));
  const d = on(j.diagnostics, READ);
  assert.deepEqual(
    d.map((x) => [x.severity, x.code]),
    [['error', 'qemu.dma']],
  );
  assert.match(
    d[0]?.message ?? '',
    /QEMU translated IOVA 0x0000000010000010 to 0x000000004B000010; the model translates it to 0x000000004A000010/,
  );
  assert.deepEqual(
    codes(j.diagnostics).filter((c) => !c.startsWith(`${READ}:`)),
    codes(judge(uart, trace).j.diagnostics),
  );
});

test('QEMU faulting a transfer the model translates is an error naming what QEMU recorded', () => {
  const { uart, trace } = run();
  const success = /^smmuv3_translate_success .*iova=0x10000100 .*$/m;
  assert.match(trace, success);
  const { j } = judge(uart, trace.replace(success, 'smmuv3_record_event SMMU_EVT_F_PERMISSION sid=0x8'));
  const d = on(j.diagnostics, WRITE);
  assert.equal(d.length, 1);
  assert.match(
    d[0]?.message ?? '',
    /QEMU did not complete the transfer \(it recorded F_PERMISSION\); the model translates it to 0x000000004A000100/,
  );
});

test('a write that does not land at the model\u2019s PA is an error, seen in memory even when QEMU\u2019s trace agrees', () => {
  const { uart, trace } = run();
  const { compiled } = judge(uart, trace);
  const data = compiled.dmas[1]?.data;
  assert.ok(data);
  const { j } = judge(setRead(uart, data.op, '0x5A5A5A5A5A5A5A5A'), trace);
  const d = on(j.diagnostics, WRITE);
  assert.equal(d.length, 1);
  assert.match(
    d[0]?.message ?? '',
    /8-byte write did not reach 0x000000004A000100, where the model sends it: the doubleword at 0x000000004A000100 still holds the pattern/,
  );
});

test('the number of records comes from EVENTQ_PROD: one record for the fault leaves nothing to say at the DMA', () => {
  const { uart, trace } = run();
  const { compiled } = judge(uart, trace);
  const fault = compiled.dmas[2];
  assert.ok(fault);
  const { j } = judge(setRead(uart, fault.prodAfter, '0x00000001'), trace);
  assert.deepEqual(on(j.diagnostics, FAULT), []);
  assert.equal(j.dmas[2]?.records.emulation, 1);
  // QEMU writing no record at all is a violation.
  const none = judge(setRead(uart, fault.prodAfter, '0x00000000'), trace).j;
  assert.match(
    on(none.diagnostics, FAULT)[0]?.message ?? '',
    /QEMU wrote no event record for this transfer, the model 1 \(F_TRANSLATION/,
  );
  assert.equal(on(none.diagnostics, FAULT)[0]?.severity, 'error');
  assert.match(on(none.diagnostics, EXPECT)[0]?.message ?? '', /QEMU wrote no event record for the DMA on line \d+/);
});

test('without QEMU\u2019s trace the translations are not compared, and the judgement says so once', () => {
  const { uart } = run();
  const { j } = judge(uart, undefined);
  const info = j.diagnostics.filter((d) => d.code === 'qemu.dma');
  assert.deepEqual(
    info.map((d) => [d.severity, d.range.start.line]),
    [['info', READ]],
  );
  assert.match(info[0]?.message ?? '', /trace log is missing/);
  assert.deepEqual(
    j.dmas.map((d) => d.emulation),
    [undefined, undefined, undefined],
  );
});

test('a device that is not there is an error at the DMA that set it up, and none of its DMAs or their records is judged', () => {
  const { uart, trace } = run();
  const { compiled } = judge(uart, trace);
  const id = compiled.expectations.findIndex((e) => e.device?.expected === 0x11e8_1234n);
  assert.ok(id > 0);
  const { j } = judge(setRead(uart, id, '0xFFFFFFFF'), trace);
  const d = on(j.diagnostics, READ);
  assert.deepEqual(
    d.map((x) => [x.severity, x.code]),
    [['error', 'qemu.device']],
  );
  assert.match(
    d[0]?.message ?? '',
    /identification of PCI function 00:01\.0 over ECAM .* read 0xFFFFFFFF, not 0x11E81234/,
  );
  assert.deepEqual(
    [WRITE, FAULT].map((l) =>
      on(j.diagnostics, l).map((x) => [
        x.severity,
        x.code,
        /not judged: the edu device for StreamID 8/.test(x.message),
      ]),
    ),
    [[['info', 'qemu.dma', true]], [['info', 'qemu.dma', true]]],
  );
  assert.match(
    on(j.diagnostics, EXPECT)[0]?.message ?? '',
    /not compared: the DMA on line \d+ that makes this record was not judged/,
  );
  assert.deepEqual(j.dmas, []);
});

test('a record comparison names the fields that differ and ignores what the architecture leaves UNKNOWN', () => {
  const model = buildEvent('F_TRANSLATION', { StreamID: 8, RnW: 1, CLASS: 2, InputAddr: 0x2000_0000n });
  assert.equal(recordDifference(model, model), undefined);
  // A stage 1 fault's IPA is UNKNOWN (§7.3.13), and so is the SubstreamID when SSV is 0 (§7.3).
  assert.equal(
    recordDifference(
      buildEvent('F_TRANSLATION', {
        StreamID: 8,
        RnW: 1,
        CLASS: 2,
        InputAddr: 0x2000_0000n,
        IPA: 0x1234_5000n,
        SubstreamID: 5,
      }),
      model,
    ),
    undefined,
  );
  // At stage 2 the IPA counts.
  const s2 = buildEvent('F_TRANSLATION', {
    StreamID: 8,
    RnW: 1,
    S2: 1,
    CLASS: 2,
    InputAddr: 0x2000_0000n,
    IPA: 0x4000_0000n,
  });
  assert.match(
    recordDifference(
      buildEvent('F_TRANSLATION', { StreamID: 8, RnW: 1, S2: 1, CLASS: 2, InputAddr: 0x2000_0000n, IPA: 0x5000_0000n }),
      s2,
    ) ?? '',
    /^QEMU's F_TRANSLATION record differs from the model's in IPA: QEMU 0x50000000, the model 0x40000000 \(/,
  );
  assert.match(
    recordDifference(buildEvent('F_TRANSLATION', { StreamID: 8, RnW: 1, InputAddr: 0x2000_0000n }), model) ?? '',
    /in CLASS: QEMU 0b00 \(CD\), the model 0b10 \(IN\) \(/,
  );
  assert.match(
    recordDifference(buildEvent('C_BAD_STE', { StreamID: 8 }), model) ?? '',
    /^QEMU wrote C_BAD_STE StreamID=0x8, the model F_TRANSLATION/,
  );
});
