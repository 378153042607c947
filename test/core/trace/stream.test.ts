/**
 * The streamed replay's bounds (core/trace/stream.ts, serial.ts): where a decision of the look
 * ahead or the multi-vCPU window is exceeded, a note says so at the line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../core/config/presets';
import { TraceStream, type TraceStreamOptions } from '../../../core/trace/stream';
import type { TraceDiagnostic } from '../../../core/trace/types';

function stream(lines: readonly string[], options: TraceStreamOptions): TraceDiagnostic[] {
  const out: TraceDiagnostic[] = [];
  const s = new TraceStream(options, { diagnostic: (d) => out.push(d) });
  for (const l of lines) s.push(l);
  s.end();
  return out;
}

const PROBE = ['R 0x00 4 0x0D44101A', 'R 0x04 4 0x02730010', 'R 0x0C 4 0x00001404', 'R 0x14 4 0x00000074'];
const filler = (n: number, vcpu = '') => Array.from({ length: n }, () => `R 0x28 4 0x0${vcpu}`);

test('an ID register first read after the look ahead: a trace.window note at that line', () => {
  const lines = [...PROBE, ...filler(10), 'R 0x18 4 0x0000043B'];
  const d = stream(lines, { lookahead: 8 });
  const note = d.find((x) => x.code === 'trace.window');
  assert.equal(note?.line, 14);
  assert.equal(note?.severity, 'info');
  assert.match(
    note?.message ?? '',
    /^the first read of SMMU_IIDR after the look ahead of lines 1–8: .*SMMU_IIDR was not read, so the configuration has it as 0/,
  );
  // Within the look ahead the same read is part of the inference: no note.
  assert.equal(
    stream(lines, {}).some((x) => x.code === 'trace.window'),
    false,
  );
});

test('a memory record after the look ahead: one trace.window note, at the first', () => {
  const lines = [...PROBE, ...filler(10), 'M 0x40000000 8 0x1', 'M 0x40000008 8 0x1'];
  const notes = stream(lines, { lookahead: 6 }).filter((x) => x.code === 'trace.window');
  assert.deepEqual(
    notes.map((x) => x.line),
    [14],
  );
  assert.match(notes[0]?.message ?? '', /the model does not consume the commands itself/);
});

test('a multi-vCPU read judged before its window closed: an mvcpu.window note at the read', () => {
  // vCPU 0 reads CR1 as 0x5 after vCPU 1 wrote 0x5 and vCPU 0 wrote 0x7: explained by reordering
  // (mvcpu.reordered) — but vCPU 0's next access comes 40 lines later, past a 10-line window.
  const lines = ['W 0x28 4 0x5 1', 'W 0x28 4 0x7 0', 'R 0x28 4 0x5 0', ...filler(40, ' 1'), 'R 0x28 4 0x7 0'];
  const bounded = stream(lines, { config: DEFAULT_CONFIG, serial: { window: 10, keep: 1000 } });
  const at2 = bounded.filter((x) => x.line === 2).map((x) => x.code);
  assert.deepEqual(at2, ['mvcpu.reordered', 'mvcpu.window']);
  assert.match(
    bounded.find((x) => x.code === 'mvcpu.window')?.message ?? '',
    /the multi-vCPU window of this read was exceeded: judged 10 lines after the read/,
  );
  // With the whole trace in the window: the same judgement, no note.
  const whole = stream(lines, { config: DEFAULT_CONFIG });
  assert.deepEqual(
    whole.filter((x) => x.line === 2).map((x) => x.code),
    ['mvcpu.reordered'],
  );
});

test('a second vCPU after reads were judged as one vCPU: a note where it appears', () => {
  const lines = ['W 0x28 4 0x5 0', 'R 0x28 4 0x6 0', ...filler(30, ' 0'), 'W 0x28 4 0x6 1'];
  const d = stream(lines, { config: DEFAULT_CONFIG, serial: { window: 10, keep: 1000 } });
  const note = d.find((x) => x.code === 'mvcpu.window' && /second vCPU/.test(x.message));
  assert.equal(note?.line, 32);
  assert.match(
    note?.message ?? '',
    /^a second vCPU appears here: the reads up to line 22 that differed were judged as one vCPU's/,
  );
  // The reads judged alone keep the replay's own verdict.
  assert.equal(d.find((x) => x.line === 1)?.code, 'replay.value');
  // Reads still in their window when it appears are judged with both vCPUs.
  assert.equal(d.find((x) => x.line === 30)?.code, 'mvcpu.unserializable');
});

test('format, configuration and guest memory given: nothing to look ahead for, each line judged as it comes', () => {
  const out: TraceDiagnostic[] = [];
  let started = 0;
  const s = new TraceStream(
    { format: 'smmutrace', config: DEFAULT_CONFIG, hasMemory: false },
    { diagnostic: (d) => out.push(d), started: () => started++ },
  );
  s.push('W 0x20 4 0x1');
  assert.equal(started, 1);
  // CR0ACK not yet following CR0: reported before any later line arrives.
  s.push('R 0x24 4 0x0');
  assert.deepEqual(
    out.map((d) => [d.line, d.code]),
    [[1, 'replay.ack-pending']],
  );
  s.end();
  // Without hasMemory the same stream waits for its look ahead (here, until the end).
  const held: TraceDiagnostic[] = [];
  const t = new TraceStream({ format: 'smmutrace', config: DEFAULT_CONFIG }, { diagnostic: (d) => held.push(d) });
  t.push('W 0x20 4 0x1');
  t.push('R 0x24 4 0x0');
  assert.equal(held.length, 0);
  t.end();
  assert.deepEqual(
    held.map((d) => [d.line, d.code]),
    [[1, 'replay.ack-pending']],
  );
});

test('a `config` line after records replayed past the look ahead without a record (fast lines) is still late', () => {
  // The look ahead (one comment line) has no record; the reads after it take the record-free path.
  const lines = ['# a driver', 'R 0x28 4 0x0', 'W 0x48 4 0x1', 'config "other.smmu.json"'];
  const late = stream(lines, { config: DEFAULT_CONFIG, lookahead: 1 }).filter((x) => x.code === 'trace.config-late');
  assert.deepEqual(
    late.map((x) => x.line),
    [3],
  );
});
