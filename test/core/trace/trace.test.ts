/**
 * Trace replay with traces written by hand from the architecture (§6.2, §6.3): each of the seed
 * thread's bugs, each rule's allowed and forbidden cases, and the parsers' messages for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLineTrace } from '../../../core/trace/parse-line';
import { parseQemuTrace, looksLikeQemu } from '../../../core/trace/parse-qemu';
import { replayTrace, summaryText, type ReplaySummary, type TraceDiagnostic } from '../../../core/trace/replay';
import { checkTrace } from '../../../core/trace/check';
import { PRESETS } from '../../../core/config/presets';

/** QEMU's IDs (presets/qemu.smmu.json) as a trace's probe reads them: the configuration is inferred. */
const QEMU_PROBE = [
  'R 0x00 4 0x0D44101A',
  'R 0x04 4 0x02730010',
  'R 0x0C 4 0x00001404',
  'R 0x14 4 0x00000074',
  'R 0x18 4 0x0000043B',
  'R 0x1C 4 0x1',
].join('\n');

function replay(text: string, configName?: string) {
  const config = configName ? PRESETS.get(configName)?.config : undefined;
  return replayTrace(parseLineTrace(text), config ? { config } : {});
}
const at = (ds: readonly TraceDiagnostic[], line: number) =>
  ds.filter((d) => d.line === line - 1 && !d.message.startsWith('guest access'));
const codes = (ds: readonly TraceDiagnostic[]) => ds.map((d) => d.code);

test('a conforming trace replays with no divergence and the configuration inferred from the ID reads', () => {
  const r = replay(`${QEMU_PROBE}\nW 0x28 4 0xD75\nR 0x28 4 0xD75\nW 0x20 4 0xC\nR 0x24 4 0xC\nR 0x40 4 0x0`);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity !== 'info'),
    [],
  );
  assert.match(r.configSource, /inferred/);
  assert.equal(r.config.ids.IDR0, 0x0d44101a);
  assert.equal(r.summary.reads, 9);
  assert.equal(r.summary.firstDivergence, undefined);
});

test('seed bug: CR0ACK acknowledging fields IDR0 does not advertise is an error naming the feature', () => {
  const r = replay(`${QEMU_PROBE}\nW 0x20 4 0x1F\nR 0x24 4 0x1F`);
  const d = at(r.diagnostics, 8);
  assert.ok(
    d.some(
      (x) =>
        x.code === 'replay.ack-unadvertised' &&
        x.severity === 'error' &&
        /CR0ACK returned 0x0000001F but SMMU_IDR0 advertises no PRI: PRIQEN must not be acknowledged/.test(x.message),
    ),
    JSON.stringify(d),
  );
  assert.ok(d.some((x) => /advertises no ATS: ATSCHK/.test(x.message)));
  assert.equal(r.summary.counts['replay.ack-unadvertised'], 2);
  assert.equal(r.summary.firstDivergence?.line, 7);
});

test('seed bug: page-1 EVENTQ_PROD aborting (decoded at its page-0 offset) is an error that says so', () => {
  const r = replay(`${QEMU_PROBE}\nR 0x100A8 4 abort`);
  const d = at(r.diagnostics, 7);
  assert.equal(d[0]?.code, 'replay.abort');
  assert.match(d[0]?.message ?? '', /page-1 register at 0x100A8: was it decoded at its page-0 offset 0x00A8/);
});

test('page 0 aliasing page 1 is CONSTRAINED UNPREDICTABLE: a warning naming both choices; another value is an error', () => {
  const r = replay(
    `${QEMU_PROBE}\nW 0xA0 8 0x40000007\nW 0x100AC 4 0x5\nR 0xAC 4 0x5\nR 0xAC 4 0x7\nR 0x10020 4 0x0\nR 0x10020 4 0x0\nW 0x20 4 0x4\nR 0x10024 4 0x4`,
  );
  assert.deepEqual(codes(at(r.diagnostics, 9)), ['replay.alias']);
  assert.equal(at(r.diagnostics, 9)[0]?.severity, 'warning');
  assert.match(at(r.diagnostics, 9)[0]?.message ?? '', /alias or RAZ\/WI/);
  assert.deepEqual(codes(at(r.diagnostics, 10)), ['replay.res0-location']);
  assert.deepEqual(at(r.diagnostics, 11), []);
  assert.deepEqual(codes(at(r.diagnostics, 14)), ['replay.alias'], "page 1 aliasing page 0 (QEMU's choice)");
});

test('seed bug: an undefined page-0 location that aborts is an error (RES0: reads as zero)', () => {
  const r = replay(`${QEMU_PROBE}\nR 0x3C 4 abort\nR 0x3C 4 0x0\nR 0x3C 4 0x1`);
  assert.deepEqual(codes(at(r.diagnostics, 7)), ['replay.abort']);
  assert.match(at(r.diagnostics, 7)[0]?.message ?? '', /RES0 .*never an abort/);
  assert.deepEqual(at(r.diagnostics, 8), []);
  assert.deepEqual(codes(at(r.diagnostics, 9)), ['replay.res0-location']);
});

test('seed bug: no access-size check; a 64-bit read over two 32-bit registers returning both is allowed (warning), so is an abort', () => {
  const r = replay(`${QEMU_PROBE}\nW 0x20 4 0xC\nR 0x20 8 0x0000000C0000000C\nR 0x20 8 abort\nR 0x22 2 0x0`);
  const d = at(r.diagnostics, 8);
  assert.deepEqual(codes(d), ['replay.unpredictable']);
  assert.equal(d[0]?.severity, 'warning');
  assert.match(d[0]?.message ?? '', /RAZ\/WI.*UNKNOWN.*abort/);
  assert.deepEqual(codes(at(r.diagnostics, 9)), ['replay.unpredictable']);
  assert.equal(r.summary.errors, 0);
  // The guest's own illegal access is a note on the line, not the emulation's violation.
  assert.ok(r.diagnostics.some((x) => x.line === 7 && x.code === 'access.span' && x.severity === 'info'));
});

test('seed bug: a dummy IIDR is reported from the inferred configuration at the IIDR read', () => {
  const r = replay(QEMU_PROBE.replace('R 0x18 4 0x0000043B', 'R 0x18 4 0x12'));
  const d = r.diagnostics.find((x) => x.code === 'trace.config' && /IIDR/.test(x.message));
  assert.ok(d, JSON.stringify(r.diagnostics));
  assert.equal(d.line, 4);
});

test('guarded writes the emulation takes: CONSTRAINED UNPREDICTABLE before SMMUv3.2 (warning), IGNORED from v3.2 (error)', () => {
  const body = `W 0x90 8 0x40000008\nW 0x20 4 0x8\nW 0x90 8 0x50000008\nR 0x90 8 0x50000008\nR 0x90 8 0x50000008`;
  const v31 = replay(`${QEMU_PROBE}\n${body}`);
  assert.deepEqual(codes(at(v31.diagnostics, 10)), ['replay.guarded']);
  assert.equal(at(v31.diagnostics, 10)[0]?.severity, 'warning');
  assert.deepEqual(at(v31.diagnostics, 11), [], 'the allowed choice is adopted and not reported again');
  const v32 = replay(`${QEMU_PROBE.replace('R 0x1C 4 0x1', 'R 0x1C 4 0x2')}\n${body}`);
  assert.equal(at(v32.diagnostics, 10)[0]?.severity, 'error');
  assert.match(at(v32.diagnostics, 10)[0]?.message ?? '', /IGNORED/);
});

test('RES0 bits and generic value differences name the fields and the line that wrote the register', () => {
  const r = replay(`${QEMU_PROBE}\nW 0x28 4 0xD75\nR 0x28 4 0x80000D75\nR 0x28 4 0xD55`);
  assert.deepEqual(codes(at(r.diagnostics, 8)), ['replay.res0-bits']);
  const d = at(r.diagnostics, 9)[0];
  assert.equal(d?.code, 'replay.value');
  assert.match(d?.message ?? '', /QUEUE_SH = 1 where the model has QUEUE_SH = 3 \(last written at line 7\)/);
});

test('ACKs and GBPA.Update may lag (a note); an ACK of a value never written is an error', () => {
  const r = replay(`${QEMU_PROBE}\nW 0x20 4 0xC\nR 0x24 4 0x0\nR 0x24 4 0xC\nR 0x24 4 0x9\nW 0x20 4 0x0\nR 0x24 4 0x4`);
  assert.deepEqual(codes(at(r.diagnostics, 8)), ['replay.ack-pending']);
  assert.deepEqual(at(r.diagnostics, 9), []);
  assert.deepEqual(codes(at(r.diagnostics, 10)), ['replay.value']);
  assert.deepEqual(codes(at(r.diagnostics, 12)), ['replay.ack-pending'], 'EVENTQEN still 1 from before the write');
});

test('UNKNOWN reset values are taken from the emulation; ID registers must not change', () => {
  const r = replay(`${QEMU_PROBE}\nR 0x80 8 0x12340\nR 0x80 8 0x12340\nR 0x00 4 0x0D44101B`);
  assert.deepEqual(codes(at(r.diagnostics, 7)), ['replay.unknown-reset']);
  assert.deepEqual(at(r.diagnostics, 8), []);
  assert.deepEqual(codes(at(r.diagnostics, 9)), ['replay.id']);
  assert.match(at(r.diagnostics, 9)[0]?.message ?? '', /constant values after reset/);
});

test('§6.3.97 PRIQ_PROD.OVFLG resets to 0: set before the PRI queue was ever enabled is an error; EVENTQ_PROD.OVFLG resets UNKNOWN', () => {
  const r = replay(
    'R 0x100C8 4 0x80000000\nR 0x100A8 4 0x80000000\nW 0x20 4 0x2\nR 0x24 4 0x2\nR 0x100C8 4 0x80000000',
    'smmuv3.2-full',
  );
  const first = at(r.diagnostics, 1);
  assert.deepEqual(codes(first), ['replay.owned']);
  assert.equal(first[0]?.severity, 'error');
  assert.match(
    first[0]?.message ?? '',
    /SMMU_PRIQ_PROD returned 0x80000000: OVFLG = 1, but OVFLG resets to 0 \(§6\.3\.97\).*CR0ACK\.PRIQEN has not been 1/,
  );
  assert.deepEqual(at(r.diagnostics, 2), [], 'EVENTQ_PROD.OVFLG resets to an UNKNOWN value (§6.3.95)');
  assert.deepEqual(
    at(r.diagnostics, 5),
    [],
    'once the queue has been enabled, an overflow may have toggled OVFLG (§8.1)',
  );
});

test('SMMU_S_AGBPA, when the configuration advertises Secure state, is compared: its IMPLEMENTATION DEFINED reset value is taken from the trace (a note); without the feature a non-zero read is an error', () => {
  // §6.3.64: modelled as SMMU_AGBPA is (§6.3.15), a register that keeps what is written.
  const r = replay('R 0x8048 4 0x1\nR 0x8048 4 0x800', 'smmuv3.3-secure-ats');
  assert.deepEqual(codes(at(r.diagnostics, 1)), ['replay.unknown-reset']);
  assert.deepEqual(codes(at(r.diagnostics, 2)), ['replay.value']);
  assert.match(at(r.diagnostics, 2)[0]?.message ?? '', /SMMU_S_AGBPA returned 0x00000800 but the model has 0x00000001/);
  const qemu = replay('R 0x8048 4 0x1', 'qemu');
  assert.deepEqual(codes(at(qemu.diagnostics, 1)), ['replay.res0-location']);
  assert.match(
    at(qemu.diagnostics, 1)[0]?.message ?? '',
    /SMMU_S_AGBPA is not implemented: SMMU_S_IDR1\.SECURE_IMPL == 1 does not hold in this configuration, so 0x8048 is an undefined location/,
  );
});

test('with a configuration given, an ID register that differs from it is an error', () => {
  const r = replay('R 0x00 4 0x0D00100A', 'qemu');
  assert.equal(r.diagnostics[0]?.code, 'replay.id');
  assert.match(r.diagnostics[0]?.message ?? '', /the configuration .* has 0x0D44101A/);
});

test('SMMU-owned CMDQ_CONS without guest memory: taken from the trace when possible, an error past the producer', () => {
  const r = replay(
    `${QEMU_PROBE}\nW 0x90 8 0x40000004\nW 0x98 4 0x0\nW 0x9C 4 0x0\nW 0x20 4 0x8\nW 0x98 4 0x3\nR 0x9C 4 0x2\nR 0x9C 4 0x3\nR 0x9C 4 0x5\nR 0x9C 4 0x1`,
  );
  assert.deepEqual(at(r.diagnostics, 12), []);
  assert.deepEqual(at(r.diagnostics, 13), []);
  assert.deepEqual(codes(at(r.diagnostics, 14)), ['replay.owned']);
  assert.deepEqual(codes(at(r.diagnostics, 15)), ['replay.owned'], 'going backwards passes the producer');
});

test('with guest memory the model consumes the commands and predicts CMDQ_CONS; an illegal consumed command is an error', () => {
  const text = `${QEMU_PROBE}
W 0x90 8 0x40000004
W 0x98 4 0x0
W 0x9C 4 0x0
W 0x20 4 0x8
M 0x40000000 8 0x0000000000000046
M 0x40000008 8 0x0
W 0x98 4 0x1
R 0x9C 4 0x1
C 0x0000000000000046 0x0
C 0x00000000000000FF 0x0`;
  const r = replay(text);
  assert.deepEqual(at(r.diagnostics, 14), []);
  assert.deepEqual(at(r.diagnostics, 15), []);
  assert.deepEqual(codes(at(r.diagnostics, 16)), ['replay.command', 'replay.command']);
  assert.match(at(r.diagnostics, 16)[0]?.message ?? '', /CERROR_ILL/);
  assert.match(at(r.diagnostics, 16)[1]?.message ?? '', /consumed a command the model did not/);
  // The emulation consuming another command than the one in memory is reported.
  const other = replay(text.replace('C 0x0000000000000046 0x0', 'C 0x0000000000000001 0x0'));
  assert.match(
    at(other.diagnostics, 15)
      .map((d) => d.message)
      .join(),
    /different command than the model, which consumed .*CMD_SYNC/,
  );
  const wrong = replay(text.replace('R 0x9C 4 0x1', 'R 0x9C 4 0x2'));
  assert.deepEqual(codes(at(wrong.diagnostics, 14)), ['replay.value']);
});

test('multi-vCPU: a read explained by another order is a note; a mix of two writers in one 32-bit word is an error', () => {
  const r = replay(`${QEMU_PROBE}
W 0x80 4 0xAAAA0000 0
W 0x80 4 0x0000BBC0 1
R 0x80 4 0xAAAA0000 1
R 0x80 4 0xAAAABBC0 0`);
  assert.deepEqual(codes(at(r.diagnostics, 9)), ['mvcpu.reordered']);
  const d = at(r.diagnostics, 10)[0];
  assert.equal(d?.code, 'mvcpu.mixed');
  assert.equal(d?.severity, 'error');
  assert.match(
    d?.message ?? '',
    /mix of 0xAAAA0000 from line 7 \(vCPU 0\) and 0x0000BBC0 from line 8 \(vCPU 1\).*single-copy atomic/,
  );
  assert.deepEqual(r.summary.vcpus, [0, 1]);
});

test('multi-vCPU: a torn 64-bit value is IMPLEMENTATION DEFINED (warning); an unexplainable read is an error', () => {
  const r = replay(`${QEMU_PROBE}
W 0x80 8 0x0000111122222240 0
W 0x80 8 0x0000333344444440 1
R 0x80 8 0x0000111144444440 2
R 0x80 8 0x0000555555555540 2`);
  const d = at(r.diagnostics, 9)[0];
  assert.equal(d?.code, 'mvcpu.torn');
  assert.equal(d?.severity, 'warning');
  assert.match(d?.message ?? '', /IMPLEMENTATION DEFINED whether a 64-bit access/);
  assert.deepEqual(codes(at(r.diagnostics, 10)), ['mvcpu.unserializable']);
});

test('the line format: every bad input gets a message at its token, the rest still replays', () => {
  const p = parseLineTrace(
    [
      'R 0x20 4',
      'R 20 4 0x0',
      'R 0x20 3 0x0',
      'X 0x20',
      'W 0x20 4 abort',
      'R 0x20 4 0x1FFFFFFFF',
      'R 0x20 4 0x0 cpuX',
      'R 0x20 4 0x0 2 extra',
      'M 0x0 4',
      'C 0x1',
      '',
      '# fine',
      'R 0x24 4 0x0 vcpu3 # ok',
    ].join('\n'),
  );
  const lines = p.diagnostics.map((d) => d.range.start.line + 1);
  assert.deepEqual(lines, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.match(p.diagnostics[1]?.message ?? '', /hexadecimal with a 0x prefix \(0x14\?\)/);
  assert.equal(p.diagnostics[1]?.range.start.character, 2);
  assert.match(p.diagnostics[2]?.message ?? '', /size '3'/);
  assert.match(p.diagnostics[3]?.message ?? '', /does not start a record/);
  assert.match(p.diagnostics[5]?.message ?? '', /does not fit a 4-byte access/);
  assert.equal(p.records.length, 1);
  assert.deepEqual(p.records[0], { ...p.records[0], offset: 0x24, vcpu: 3 });
  // Garbage never throws.
  for (const junk of [
    '\u0000\u0001',
    'R'.repeat(10000),
    'W 0x' + 'f'.repeat(100) + ' 4 0x0',
    '"unterminated',
    'base 0x1000\nR 0x20 4 0x0',
  ]) {
    const r = replayTrace(parseLineTrace(junk));
    assert.ok(Array.isArray(r.diagnostics));
  }
});

test('`base` turns addresses into offsets; addresses below it are errors', () => {
  const p = parseLineTrace('base 0x09050000\nR 0x09050024 4 0x0\nR 0x1000 4 0x0');
  assert.equal(p.records[0]?.kind === 'access' && p.records[0].offset, 0x24);
  assert.match(p.diagnostics[0]?.message ?? '', /below the SMMU base/);
});

test("QEMU's log: pid@time prefixes, MemTxResult aborts, page-1 offsets restored, commands and events, other lines ignored", () => {
  const log = [
    '12345@1700000000.000001:smmuv3_read_mmio addr: 0x0 val:0xd44101a size: 0x4(0)',
    'smmuv3_write_mmio addr: 0xa8 val:0x0 size: 0x4(0)',
    '12346@1700000000.000002:smmuv3_read_mmio addr: 0x2 val:0x0 size: 0x2(1)',
    'smmuv3_cmdq_opcode <--- CMD_SYNC',
    'smmuv3_record_event F_TRANSLATION sid=8',
    'smmuv3_read_mmio addr: garbage',
    'Booting Linux on physical CPU 0x0000000000 [0x411fd070]',
  ].join('\n');
  assert.ok(looksLikeQemu(log));
  assert.ok(!looksLikeQemu('R 0x0 4 0x0'));
  const p = parseQemuTrace(log);
  assert.equal(p.records.length, 5);
  assert.deepEqual(p.records[0], {
    ...p.records[0],
    dir: 'R',
    offset: 0,
    value: 0xd44101an,
    vcpu: 12345,
    abort: false,
  });
  assert.deepEqual(p.records[1], { ...p.records[1], dir: 'W', offset: 0x100a8, vcpu: undefined });
  assert.deepEqual(p.records[2], { ...p.records[2], abort: true, size: 2, value: undefined });
  assert.deepEqual(p.records[3], { ...p.records[3], kind: 'command', name: 'CMD_SYNC' });
  assert.deepEqual(p.records[4], { ...p.records[4], kind: 'event', name: 'F_TRANSLATION', sid: 8 });
  assert.equal(p.diagnostics.length, 1);
  assert.equal(p.diagnostics[0]?.range.start.line, 5);
  assert.equal(p.ignored, 1);
});

test('checkTrace: a `config` line loads the file relative to the trace; a missing one is reported there', () => {
  const files = new Map([['/t/qemu.smmu.json', JSON.stringify({ base: 'qemu' })]]);
  const host = { readFile: (p: string) => files.get(p), resolvePath: (_from: string, rel: string) => `/t/${rel}` };
  const ok = checkTrace('config "qemu.smmu.json"\nR 0x00 4 0x0D44101A', '/t/a.smmutrace', host);
  assert.equal(ok.configPath, '/t/qemu.smmu.json');
  assert.deepEqual(
    ok.diagnostics.filter((d) => d.severity !== 'info'),
    [],
  );
  const bad = checkTrace('config "nope.json"\nR 0x00 4 0x0D44101A', '/t/a.smmutrace', host);
  assert.equal(bad.diagnostics[0]?.code, 'trace.config');
  assert.equal(bad.diagnostics[0]?.range.start.character, 7);
});

test("Xen's VREG32 case labels: a 32-bit access to a 64-bit register's high half that aborts is an error naming the half", () => {
  const r = replay(`${QEMU_PROBE}\nR 0x94 4 abort\nR 0x90 4 0x40000000`);
  const d = at(r.diagnostics, 7)[0];
  assert.equal(d?.code, 'replay.abort');
  assert.match(d?.message ?? '', /SMMU_CMDQ_BASE \(its high half, bits \[63:32\] at offset \+4\): both 32-bit halves/);
  assert.deepEqual(codes(at(r.diagnostics, 8)), ['replay.unknown-reset']);
});

test('the replay summary line: counts in English, and records that were not replayed are not counted as reads and writes', () => {
  const replayed = replayTrace(parseLineTrace('R 0x00 4 0x0D44101A\n'), { config: PRESETS.get('qemu')?.config });
  assert.equal(summaryText(replayed.summary), '1 record (1 read, 0 writes): 0 errors, 0 warnings, 0 notes');
  // No configuration could be made (replayTrace's last resort): nothing was replayed, and the line says so.
  const none: ReplaySummary = { ...replayed.summary, records: 3, notReplayed: 3, reads: 0, writes: 0, errors: 1 };
  assert.equal(summaryText(none), '3 records, none replayed: 1 error, 0 warnings, 0 notes');
});

test('trace lines end where LSP lines end: a lone CR starts a new line in both parsers', () => {
  // Split on \n only, the text after a lone \r was reported on the line before, past its end.
  const line = parseLineTrace('W 0x20 4 0x1\rbogus\r\nR 0x24 4 nope');
  assert.deepEqual(
    line.diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character]),
    [
      [1, 0, 5],
      [2, 9, 13],
    ],
  );
  assert.deepEqual(
    line.records.map((r) => r.line),
    [0],
  );
  const qemu = parseQemuTrace(
    'smmuv3_read_mmio addr: 0x0 val:0x1 size: 0x4(0)\rsmmuv3_write_mmio addr: 0x20 val:0x0 size: 0x4(0)\r\nsmmuv3_write_mmio addr: zz',
  );
  assert.deepEqual(
    qemu.records.map((r) => r.line),
    [0, 1],
  );
  assert.deepEqual(
    qemu.diagnostics.map((d) => d.range.start.line),
    [2],
  );
});

test('U+2028 does not start a line: a line format trace with it is not taken for a QEMU log', () => {
  assert.equal(looksLikeQemu('R 0x0 4 0x1\u2028smmuv3_read_mmio addr: 0x0 val:0x1 size: 0x4(0)'), false);
  assert.equal(looksLikeQemu('R 0x0 4 0x1\rsmmuv3_read_mmio addr: 0x0 val:0x1 size: 0x4(0)'), true);
});

test("QEMU's log: an address or value wider than QEMU prints is a syntax error at it, not replayed", () => {
  // Read as numbers, a 40-digit value was replayed as what SMMU_CR0ACK returned, and a 40-digit
  // address as an offset past every page.
  const wide = 'f'.repeat(40);
  const log = [
    `smmuv3_read_mmio addr: 0x24 val:0x${wide} size: 0x4(0)`,
    `smmuv3_write_mmio addr: 0x${wide} val:0x1 size: 0x4(0)`,
    'smmuv3_write_mmio addr: 0x20 val:0x100000000 size: 0x4(0)',
    'smmuv3_write_mmio addr: 0x00000000020 VAL:0xffffffff size: 0x4(0)',
  ].join('\n');
  const t = parseQemuTrace(log);
  assert.deepEqual(
    t.diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character, d.message]),
    [
      [0, 32, 74, `value 0x${'f'.repeat(32)}… does not fit a 4-byte access`],
      [1, 24, 66, `offset 0x${'f'.repeat(32)}… is far beyond the SMMU's register pages`],
      [2, 33, 44, 'value 0x100000000 does not fit a 4-byte access'],
    ],
  );
  // Leading zeros are not digits too many; the value's range is found whatever the case of `val:`.
  assert.deepEqual(
    t.records.map((r) => (r.kind === 'access' ? [r.offset, r.value, r.valueRange?.start.character] : [])),
    [[0x20, 0xffffffffn, 42]],
  );
});

test('a number in the wrong base or too long is named cut short, with an exact hexadecimal suggestion', () => {
  const digits = '9'.repeat(400);
  const t = parseLineTrace(`R 0x24 4 ${digits}\nR 0x24 4 0x${'f'.repeat(40)}\nR 0x24 4 12\u000b3`);
  assert.deepEqual(
    t.diagnostics.map((d) => d.message),
    [
      // Number(400 nines) is Infinity: the suggestion was "0xInfinity?"; the message held all 400 digits.
      `value '${'9'.repeat(32)}…' must be hexadecimal with a 0x prefix (0x${BigInt(digits).toString(16).toUpperCase().slice(0, 32)}…?)`,
      `value 0x${'f'.repeat(30)}… is wider than 64 bits`,
      "value '12' must be hexadecimal with a 0x prefix (0xC?)",
    ],
  );
});

test('§6.3.42 a GMPAM Update still 1 is a note citing SMMU_GMPAM, as GBPA’s is (§6.3.14)', () => {
  // IDR3.MPAM [7] on QEMU's IDs, read by the probe with SMMU_MPAMIDR: the inferred configuration has MPAM.
  const probe = QEMU_PROBE.replace('R 0x0C 4 0x00001404', 'R 0x0C 4 0x00001484').replace(
    'R 0x1C 4 0x1',
    'R 0x1C 4 0x2',
  );
  const r = replay(`${probe}\nR 0x130 4 0x0001003F\nW 0x138 4 0x80000005\nR 0x138 4 0x80000005\nR 0x138 4 0x5`);
  const pending = at(r.diagnostics, 9);
  assert.deepEqual(codes(pending), ['replay.ack-pending']);
  assert.equal(pending[0]?.section, '6.3.42');
  assert.deepEqual(at(r.diagnostics, 10), []);
});

test('§3.10.2: without guest memory a replay does not consume the Secure Command queue either (zeros would be CERROR_ILL); with memory it does', () => {
  // S_CMDQ_BASE 0x4E100000 LOG2SIZE 4, S_CR0.CMDQEN, S_CMDQ_PROD 1, then S_GERROR read as 0.
  const writes = `W 0x8090 8 0x4E100004\nW 0x8020 4 0x8\nW 0x8098 4 0x1\nR 0x8060 4 0x0`;
  const r = replay(writes, 'smmuv3.3-secure-ats');
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.line}: ${d.code}`),
    [],
  );
  // With the command in the Secure PA space (a CMD_SYNC, `M … secure`) the model consumes it:
  // S_CMDQ_CONS reads 1 (§3.10.2: the Secure Command queue is read from the Secure PA space).
  const withMemory = replay(
    `M 0x4E100000 8 0x46 secure\nM 0x4E100008 8 0x0 secure\n${writes}\nR 0x809C 4 0x1`,
    'smmuv3.3-secure-ats',
  );
  assert.deepEqual(
    withMemory.diagnostics.map((d) => `${d.line}: ${d.code}`),
    [],
  );
  // The same words in the Non-secure PA space are not the Secure queue: it reads zeros there, an
  // illegal command (opcode 0), and the model stops the Secure queue at the doorbell.
  const nonSecure = replay(`M 0x4E100000 8 0x46\nM 0x4E100008 8 0x0\n${writes}\nR 0x809C 4 0x1`, 'smmuv3.3-secure-ats');
  assert.deepEqual(
    nonSecure.diagnostics.map((d) => `${d.line}: ${d.code}`),
    ['4: s_cmdq.cerror-ill', '4: s_gerror.cmdq_err'],
  );
});
