/**
 * Properties of trace replay over generated traces (fast-check): no input makes the parsers or the
 * replay throw, every diagnostic points inside its line, a trace made from the model's own answers
 * replays without a divergence, and changing one read's value is always reported at that line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { splitLines } from '../../../core/script/lexer';
import { parseLineTrace } from '../../../core/trace/parse-line';
import { parseQemuTrace } from '../../../core/trace/parse-qemu';
import { replayTrace } from '../../../core/trace/replay';
import { Engine } from '../../../core/engine/engine';
import { DEFAULT_CONFIG } from '../../../core/config/presets';
import { REGISTERS, registerContaining } from '../../../core/registers/table';

const token = fc.oneof(
  fc.constantFrom(
    'R',
    'W',
    'M',
    'C',
    'E',
    'r',
    'config',
    'base',
    'abort',
    '#',
    '"x',
    'cpu1',
    '4',
    '8',
    '2',
    '3',
    '0x',
    '0x_',
    'smmuv3_read_mmio',
    'addr:',
    'val:0x1',
    'size:',
    '0x4(0)',
    '12@3.4:smmuv3_write_mmio',
  ),
  // Characters that are whitespace to one reader and not to another (issue 14's form feed).
  fc.constantFrom('\f', '\v', '\r', '\t', '\uFEFF', '\u2028', '\0'),
  fc.bigInt({ min: 0n, max: 1n << 70n }).map((v) => '0x' + v.toString(16)),
  fc.nat(100_000).map(String),
  fc.string({ maxLength: 6 }),
);
const line = fc.array(token, { maxLength: 7 }).map((t) => t.join(' '));
const text = fc.array(line, { maxLength: 40 }).map((l) => l.join('\n'));

test('any text: parsing and replay never throw, and every diagnostic is inside its line', () => {
  fc.assert(
    fc.property(text, (t) => {
      const lines = splitLines(t);
      for (const parsed of [parseLineTrace(t), parseQemuTrace(t)]) {
        const r = replayTrace(parsed);
        for (const d of r.diagnostics) {
          const l = lines[d.range.start.line];
          assert.ok(l !== undefined, `line ${d.range.start.line} of ${lines.length}`);
          assert.ok(d.range.start.character <= l.length && d.range.end.character <= l.length, JSON.stringify(d));
        }
      }
    }),
    { numRuns: 300 },
  );
});

// Offsets of 32-bit words that a driver programs: every register slot of pages 0 and 1.
const slots = REGISTERS.filter((r) => !r.page).flatMap((r) => (r.width === 64 ? [r.offset, r.offset + 4] : [r.offset]));
const op = fc.record({ write: fc.boolean(), offset: fc.constantFrom(...slots), value: fc.nat(0xffffffff) });

test("a trace of the model's own answers replays clean; changing one read's value is reported at that line", () => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), fc.nat(), (ops, pick) => {
      const e = new Engine(DEFAULT_CONFIG, { autoConsume: false });
      const lines: string[] = [];
      for (const o of ops) {
        if (o.write) {
          e.smmu.write(o.offset, 4, BigInt(o.value));
          lines.push(`W 0x${o.offset.toString(16)} 4 0x${o.value.toString(16)}`);
        } else {
          lines.push(`R 0x${o.offset.toString(16)} 4 0x${e.smmu.read(o.offset, 4).value.toString(16)}`);
        }
      }
      const clean = replayTrace(parseLineTrace(lines.join('\n')), { config: DEFAULT_CONFIG });
      assert.deepEqual(
        clean.diagnostics.filter((d) => d.severity !== 'info'),
        [],
      );
      const reads = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('R'));
      const hit = reads[pick % Math.max(reads.length, 1)];
      if (!hit) return;
      const [l, i] = hit;
      const v = BigInt(l.split(' ')[3] as string) ^ 0x8000_0000n;
      const changed = [...lines];
      changed[i] = `${l.split(' ').slice(0, 3).join(' ')} 0x${v.toString(16)}`;
      const r = replayTrace(parseLineTrace(changed.join('\n')), { config: DEFAULT_CONFIG });
      // SMMU-owned registers (status, SMMU-produced indices) may take any possible value without
      // guest memory; UNKNOWN/IMPLEMENTATION DEFINED resets are noted and taken; an Update still in
      // progress (GBPA.Update read as 1) is noted.
      const b = registerContaining(Number(l.split(' ')[1]))?.reg.behaviour;
      const owned = b?.kind === 'status' || (b?.kind === 'queueIndex' && b.producer === 'smmu');
      if (owned) return;
      assert.ok(
        r.diagnostics.some(
          (d) =>
            d.line === i &&
            (d.severity !== 'info' || d.code === 'replay.unknown-reset' || d.code === 'replay.ack-pending'),
        ),
        `line ${i + 1}: ${changed[i]}\n${JSON.stringify(r.diagnostics)}`,
      );
    }),
    { numRuns: 200 },
  );
});
