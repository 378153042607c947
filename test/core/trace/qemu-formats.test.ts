/**
 * QEMU's trace events in every version from 7.2 on (core/trace/qemu-events.ts), the backends' line
 * prefixes (qemu-prefix.ts) and the check of QEMU's translations against the model's walk
 * (translation-check.ts), on real QEMU 7.2 logs (test/fixtures/qemu/) and on lines written from
 * the format strings of later versions (test/fixtures/qemu/formats/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseQemuTrace, looksLikeQemu } from '../../../core/trace/parse-qemu';
import { COMPILED, QEMU_EVENTS, matchEvent } from '../../../core/trace/qemu-events';
import { replayTrace, summaryText } from '../../../core/trace/replay';
import { loadConfig } from '../../../core/config/load';
import type { ResolvedConfig } from '../../../core/config/types';
import type { ParsedTrace, TraceRecord } from '../../../core/trace/types';
import { root } from '../../harness/root';

const FIXTURES = path.join(root, 'test/fixtures/qemu');
const read = (f: string) => fs.readFileSync(path.join(FIXTURES, f), 'utf8');
const QEMU72 = loadConfig(fs.readFileSync(path.join(root, 'presets/qemu-7.2.smmu.json'), 'utf8'))
  .config as ResolvedConfig;
const kinds = (p: ParsedTrace, kind: TraceRecord['kind']) => p.records.filter((r) => r.kind === kind);

test("QEMU 7.2's smmuv3_record_event prints the StreamID in hex: sid=0x8 is StreamID 8, not 0", () => {
  // The real log of examples/qemu-dma.smmu: two F_TRANSLATION records for StreamID 8.
  const p = parseQemuTrace(read('qemu-dma.qemu-7.2.trace'));
  const events = kinds(p, 'event');
  assert.equal(events.length, 2);
  for (const e of events) assert.deepEqual(e, { ...e, name: 'SMMU_EVT_F_TRANSLATION', sid: 8 });
  // 0x10 is 16: a decimal reading stops at the 0.
  const q = parseQemuTrace('smmuv3_record_event SMMU_EVT_C_BAD_STE sid=0x10');
  assert.deepEqual(
    q.records.map((r) => r.kind === 'event' && r.sid),
    [16],
  );
  // Before 2021 QEMU printed it in decimal (hw/arm/trace-events "%s sid=%d"): still read as written.
  assert.deepEqual(
    parseQemuTrace('smmuv3_record_event SMMU_EVT_C_BAD_STE sid=16').records.map((r) => r.kind === 'event' && r.sid),
    [16],
  );
});

test('every row of the table is a trace-events declaration whose format reads back the values it prints', () => {
  for (const c of COMPILED) {
    // Print the format as QEMU's printf would, with a distinct value per argument.
    let k = 0;
    const values: (string | bigint)[] = [];
    const line = c.format.replace(/%(%|(?:ll|l|z)?[sdxu])/g, (_m, spec: string) => {
      if (spec === '%') return '%';
      const v = BigInt(k + 3);
      k++;
      const conv = spec.slice(-1);
      if (conv === 's') {
        values.push(`name${k}`);
        return `name${k}`;
      }
      values.push(v);
      return conv === 'x' ? v.toString(16) : v.toString();
    });
    const m = matchEvent(c.event, line);
    assert.ok(m, `${c.event}: '${line}' does not match its own format '${c.format}'`);
    assert.deepEqual(
      [...m.args.values()].map((a) => a.value),
      values,
      `${c.row.decl}: the values read back differ`,
    );
    assert.match(c.row.source, /\S/);
    if (c.row.until) assert.ok(c.row.until >= c.row.since || c.row.until.length < c.row.since.length);
  }
  // Every 7.2 format in the table is one the 7.2 binary prints (checked against its strings when the row was written).
  assert.ok(QEMU_EVENTS.filter((r) => r.since === '7.2').length >= 25);
});

test('formats of later QEMUs: nesting (9.1), configuration cache invalidation (10.0), accel (master)', () => {
  const nest = parseQemuTrace(read('formats/qemu-9.1-nesting.log'));
  assert.deepEqual(nest.diagnostics, []);
  assert.deepEqual(
    kinds(nest, 'translation').map((r) => r.kind === 'translation' && [r.sid, r.iova, r.pa, r.perm, r.stage]),
    [[0x18, 0x10000010n, 0x4a000010n, 3, 3]],
  );
  assert.deepEqual(
    kinds(nest, 'command').map((r) => r.kind === 'command' && [r.name, r.error]),
    [
      ['SMMU_CMD_TLBI_NH_ALL', undefined],
      ['SMMU_CMD_TLBI_S12_VMALL', undefined],
      ['SMMU_CMD_TLBI_NH_VA', undefined],
      ['SMMU_CMD_CFGI_CD', undefined],
      ['SMMU_CMD_CFGI_CD', 1],
    ],
  );
  assert.deepEqual(
    kinds(nest, 'event').map((r) => r.kind === 'event' && r.sid),
    [0x18],
  );
  const inv = parseQemuTrace(read('formats/qemu-10.0-config-inv.log'));
  assert.deepEqual(inv.diagnostics, []);
  assert.deepEqual(
    kinds(inv, 'translation').map((r) => r.kind === 'translation' && [r.outcome, r.sid, r.iova, r.write]),
    [['bypass', 8, 0x4a000000n, false]],
  );
  const accel = parseQemuTrace(read('formats/qemu-master-accel.log'));
  assert.deepEqual(accel.diagnostics, []);
  assert.deepEqual(
    kinds(accel, 'translation').map((r) => r.kind === 'translation' && [r.outcome, r.sid]),
    [['abort', 0x10]],
  );
});

test("each backend's prefix is stripped; the thread that traced is the vCPU where the prefix has it", () => {
  const body = 'smmuv3_read_mmio addr: 0x24 val:0xc size: 0x4(0)';
  const lines: [string, number | undefined][] = [
    [body, undefined],
    [`2314@1733400000.123456:${body}`, 2314],
    [` qemu-system-aar-2315    [001] ..... 5678.123456: tracing_mark_write: ${body}`, 2315],
    [`qemu-system-aar-2316 (   2300) [000] d..1.  5678.1: tracing_mark_write: ${body}`, 2316],
    [`Dec  5 10:37:19 host qemu-system-aarch64[2300]: ${body}`, undefined],
    [`2026-12-05T10:37:19.123456+0000 host qemu-system-aarch64[2300]: ${body}`, undefined],
    [`2026-12-05T10:37:19.123456Z qemu-system-aarch64(2300:CPU 0/TCG): ${body}`, undefined],
  ];
  for (const [line, vcpu] of lines) {
    assert.ok(looksLikeQemu(line), line);
    const p = parseQemuTrace(line);
    assert.deepEqual(p.diagnostics, [], line);
    assert.equal(p.records.length, 1, line);
    const r = p.records[0];
    assert.ok(r?.kind === 'access');
    assert.deepEqual([r.offset, r.value, r.vcpu], [0x24, 0xcn, vcpu], line);
    // Positions are the line's own: the value's columns are where `0xc` is.
    assert.equal(line.slice(r.valueRange.start.character, r.valueRange.end.character), '0xc');
  }
  // Console output that mentions an event is not a trace line.
  const p = parseQemuTrace(`[    0.1] arm-smmu-v3: saw ${body}`);
  assert.deepEqual([p.records.length, p.ignored], [0, 1]);
});

test(
  "a timestamped line whose program part never closes is read in linear time (recheck's find)",
  { timeout: 10_000 },
  () => {
    // `\S+\(` took every `(` of the line as the program's end and scanned the rest from each:
    // 100,000 of them took seconds.
    const line = `2026-12-05T10:37:19Z -${'(0:'.repeat(200_000)} smmuv3_read_mmio addr: 0x24 val:0xc size: 0x4(0)`;
    const p = parseQemuTrace(line);
    assert.equal(p.records.length, 0);
    const ok = parseQemuTrace(
      '2026-12-05T10:37:19Z qemu-system-aarch64(2300:CPU 0/TCG): smmuv3_read_mmio addr: 0x24 val:0xc size: 0x4(0)',
    );
    assert.equal(ok.records.length, 1);
  },
);

test('a damaged line is a diagnostic at its position: an error for a replayed event, a note for bookkeeping', () => {
  const p = parseQemuTrace(
    [
      'smmuv3_record_event SMMU_EVT_F_TRANSLATION sid=0xzz',
      'smmuv3_translate_success mr sid=0x8 iova=0x1000 translated=0x2000 perm=',
      'smmuv3_config_cache_hit Config cache HIT for sid=0x8 (hits=1)',
      'smmuv3_not_an_event something',
      'smmuv3_not_an_event again',
      `smmuv3_translate_bypass mr sid=0x${'f'.repeat(20)} STE bypass iova:0x0 is_write=0`,
    ].join('\n'),
  );
  assert.deepEqual(p.records, []);
  assert.deepEqual(
    p.diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.severity, d.code]),
    [
      [0, 20, 'error', 'trace.syntax'],
      [1, 25, 'error', 'trace.syntax'],
      [2, 24, 'info', 'trace.format'],
      [3, 0, 'info', 'trace.unknown-event'],
      [5, 33, 'error', 'trace.syntax'],
    ],
  );
  assert.match(p.diagnostics[0]?.message ?? '', /'%s sid=0x%x' \(QEMU 7\.2 on\) or '%s sid=%d'/);
  assert.match(p.diagnostics[4]?.message ?? '', /StreamID 0xf+…? is wider than the 16 bits QEMU prints/);
});

test("smmuv3_cmdq_consume_error: QEMU's CERROR code is checked against CMDQ_CONS.ERR's (§7.1)", () => {
  const r = replayTrace(
    parseQemuTrace(
      [
        'smmuv3_cmdq_consume_error Error on SMMU_CMD_CFGI_CD command execution: 1',
        'smmuv3_cmdq_consume_error Error on UNKNOWN command execution: 1',
        'smmuv3_cmdq_consume_error Error on SMMU_CMD_SYNC command execution: 7',
      ].join('\n'),
    ),
    { config: QEMU72 },
  );
  assert.deepEqual(
    r.diagnostics.map((d) => [d.line, d.severity, d.code]),
    [[2, 'error', 'replay.command']],
  );
  assert.match(
    r.diagnostics[0]?.message ?? '',
    /error code 7, which is not a CMDQ_CONS.ERR code .*3 CERROR_ATC_INV_SYNC/,
  );
});

test("QEMU 7.2's translations alone: only the one with SMMUEN = 0 can be checked; the others are counted as not checked", () => {
  const r = replayTrace(parseQemuTrace(read('translations.qemu-7.2.log')), { config: QEMU72 });
  assert.deepEqual(r.summary.translations, { checked: 1, diverged: 0, unchecked: 6 });
  assert.equal(r.summary.errors, 0);
  // One note per StreamID, at its first translation, naming the structure the log does not show.
  const notes = r.diagnostics.filter((d) => d.code === 'replay.translation-unchecked');
  assert.deepEqual(
    notes.map((d) => /StreamID (0x\w+)/.exec(d.message)?.[1]),
    ['0x8', '0x10', '0x18'],
  );
  assert.match(notes[0]?.message ?? '', /fetched STE 8 from 0x0000000044000200/);
  assert.match(summaryText(r.summary), /7 translations: 1 checked, 6 not checked$/);
});

test("QEMU 7.2's translations with the guest's memory writes: each is checked against the model's walk", () => {
  const text = read('translations-memory.qemu-7.2.log');
  const r = replayTrace(parseQemuTrace(text), { config: QEMU72 });
  assert.deepEqual(r.summary.translations, { checked: 7, diverged: 0, unchecked: 0 });
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity !== 'info'),
    [],
  );
  // A wrong PA, a bypass where the STE translates, and a pass-through with SMMUEN = 1 are each an error at their line.
  const lines = text.split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const success = at(/translate_success .*iova=0x10000100/);
  const abort = at(/translate_abort .*iova:0x10000000/);
  const bypass = at(/translate_bypass .*iova:0x4a000100/);
  lines[success] = (lines[success] as string).replace('translated=0x4a000100', 'translated=0x4a001100');
  lines[abort] = (lines[abort] as string).replace(
    /^smmuv3_translate_abort (\S+) sid=0x10 abort on iova:0x10000000 is_write=0/,
    'smmuv3_translate_bypass $1 sid=0x10 STE bypass iova:0x10000000 is_write=0',
  );
  lines[bypass] = (lines[bypass] as string)
    .replace('translate_bypass', 'translate_disable')
    .replace('STE bypass', 'bypass (smmu disabled)');
  const bad = replayTrace(parseQemuTrace(lines.join('\n')), { config: QEMU72 });
  assert.deepEqual(bad.summary.translations, { checked: 7, diverged: 3, unchecked: 0 });
  const errors = bad.diagnostics.filter((d) => d.code === 'replay.translation');
  assert.deepEqual(
    errors.map((d) => d.line),
    [bypass, abort, success],
  );
  assert.match(errors[0]?.message ?? '', /SMMUEN is 1 in the model/);
  assert.match(errors[1]?.message ?? '', /by its STE \(Config bypass\); the model terminates it/);
  assert.match(errors[2]?.message ?? '', /to 0x000000004A001100 .*; the model translates it to 0x000000004A000100/);
});

test(
  'a memory record at a 64-bit address beyond 2^53 is noted without looping (found by npm run fuzz)',
  { timeout: 10_000 },
  () => {
    // Counted in doublewords as Numbers, an address past 2^53 made `d++` a no-op: the replay never ended.
    const r = replayTrace(
      parseQemuTrace(
        [
          'M 0x84def89ffc0a5579 8 0x0',
          'smmuv3_translate_disable mr sid=0x8 bypass (smmu disabled) iova:0x4a000000 is_write=0',
        ].join('\n'),
      ),
      { config: QEMU72 },
    );
    assert.deepEqual(r.summary.translations, { checked: 1, diverged: 0, unchecked: 0 });
  },
);

test('docs/trace-replay.md names every event of the table', () => {
  const doc = fs.readFileSync(path.join(root, 'docs', 'trace-replay.md'), 'utf8');
  for (const event of new Set(COMPILED.map((c) => c.event))) assert.ok(doc.includes(`\`${event}\``), event);
});
