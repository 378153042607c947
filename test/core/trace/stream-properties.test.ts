/**
 * The streamed replay (core/trace/stream.ts, what `smmu replay` runs) against the whole-file replay
 * (parseTrace + replayTrace, what the editor and `smmu check` run) on generated traces: the same
 * diagnostics in the same order, the same summary and configuration, whatever the pieces the
 * text arrives in. Traces are single- and multi-vCPU, in both formats, valid and not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_CONFIG } from '../../../core/config/presets';
import type { ResolvedConfig } from '../../../core/config/types';
import { REGISTERS } from '../../../core/registers/table';
import { parseTrace } from '../../../core/trace/check';
import { LineSplitter } from '../../../core/trace/lines';
import { LineTraceParser, scanAccess, scannedAccess } from '../../../core/trace/parse-line';
import { NOT_SHOWN, Replayer, replayTrace } from '../../../core/trace/replay';
import { RegisterTimeline, VcpuLines, type SerialOptions } from '../../../core/trace/serial';
import { TraceStream } from '../../../core/trace/stream';
import type { TraceDiagnostic, TraceFormat } from '../../../core/trace/types';

const hex = (n: number | bigint) => '0x' + n.toString(16);
// Every 32-bit slot of the registers, the ID registers many times over (the inference reads them).
const ids = REGISTERS.filter((r) => r.behaviour.kind === 'id' && r.width === 32).map((r) => r.offset);
const slots = REGISTERS.flatMap((r) => (r.width === 64 ? [r.offset, r.offset + 4] : [r.offset]));
const offset = fc.oneof(fc.constantFrom(...ids), fc.constantFrom(...slots), fc.nat(0x20100));
// Values a register often holds (so reads agree and disagree with the model), and any.
const value = fc.oneof(fc.constantFrom(0, 1, 0xc, 0xd, 0x1f, 0x0d44101a, 0x80000000), fc.nat(0xffffffff));
const vcpu = fc.oneof(fc.constant(''), fc.constantFrom(' 0', ' 1', ' 2', ' cpu1'));

const record = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('R', 'W'), offset, fc.constantFrom(4, 4, 8, 2), value, vcpu) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('M'), fc.nat(0xffff), fc.constant(8), value, fc.constant('')) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('C', 'E'), value, fc.constant(0), value, fc.constant('')) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom('junk', '# comment', 'R 0x0 4 abort', 'W 0x20 4 zz'),
      fc.constant(0),
      fc.constant(0),
      fc.constant(0),
      fc.constant(''),
    ),
  },
);

function lineOf([k, a, size, v, cpu]: [string, number, number, number, string]): string {
  if (k === 'R' || k === 'W') return `${k} ${hex(a)} ${size} ${hex(size === 2 ? v & 0xffff : v)}${cpu}`;
  if (k === 'M') return `M ${hex(0x40000000 + a * 8)} 8 ${hex(v)}`;
  if (k === 'C') return `C ${hex(v)} ${hex(size)}`;
  if (k === 'E') return `E ${hex(v)} 0x0 0x0 0x0`;
  return k;
}

/** The same accesses as QEMU logs them, with a PID prefix (a vCPU thread) on some. */
function qemuLineOf([k, a, size, v, cpu]: [string, number, number, number, string]): string {
  if (k !== 'R' && k !== 'W') return k === 'junk' ? 'guest console output' : `smmuv3_cmdq_opcode <--- CMD_SYNC`;
  const pid = cpu ? `${1000 + (cpu.endsWith('1') ? 1 : cpu.endsWith('2') ? 2 : 0)}@12.5:` : '';
  return `${pid}smmuv3_${k === 'R' ? 'read' : 'write'}_mmio addr: ${hex(a & 0xffff)} val:${hex(v)} size: 0x${size}(0)`;
}

const lineTrace = fc.array(record, { maxLength: 80 }).map((rs) => rs.map(lineOf));
const qemuTrace = fc.array(record, { maxLength: 80 }).map((rs) => rs.map(qemuLineOf));
const breaks = fc.constantFrom('\n', '\r\n', '\r');

// Two or three vCPUs writing and reading one register, most reads showing another vCPU's write
// (mvcpu.reordered), some a mix of two writes (mvcpu.mixed: 0x40100040 is 0x40000040 | 0x40100000)
// or torn 64-bit halves (mvcpu.torn), some no write at all (mvcpu.unserializable): the multi-vCPU
// judgements, many past a small cap.
const reordering = fc
  .array(
    fc
      .tuple(
        fc.constantFrom('R', 'R', 'W'),
        fc.constantFrom('0x80 4', '0x80 4', '0x84 4', '0x80 8'),
        fc.constantFrom('0x0', '0x40000000', '0x40100000', '0x40000040', '0x40100040', '0x7'),
        fc.constantFrom(' 0', ' 1', ' 1', ' 2'),
      )
      .map(([d, a, v, c]) => `${d} ${a} ${v}${c}`),
    { minLength: 20, maxLength: 150 },
  )
  .map((lines) => ['W 0x80 4 0x40000000 0', 'W 0x80 4 0x40100000 1', 'R 0x80 4 0x40000000 0', ...lines]);

/** The text in pieces cut at the given places. */
function pieces(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const c of at) {
    out.push(text.slice(from, c));
    from = c;
  }
  out.push(text.slice(from));
  return out;
}

interface Options {
  config?: ResolvedConfig;
  format?: TraceFormat;
  lookahead?: number;
  maxMessages?: number;
  fastLines?: boolean;
  serial?: SerialOptions;
}

function streamed(parts: string[], o: Options) {
  const diagnostics: TraceDiagnostic[] = [];
  const s = new TraceStream(
    {
      ...(o.config ? { config: o.config } : {}),
      ...(o.format ? { format: o.format } : {}),
      ...(o.lookahead ? { lookahead: o.lookahead } : {}),
      ...(o.maxMessages !== undefined ? { maxMessages: o.maxMessages } : {}),
      ...(o.fastLines !== undefined ? { fastLines: o.fastLines } : {}),
    },
    { diagnostic: (d) => diagnostics.push(d) },
  );
  const split = new LineSplitter((l) => s.push(l));
  for (const p of parts) split.push(p);
  split.end();
  const r = s.end();
  return { diagnostics, summary: r.summary, config: r.configSource, format: r.format };
}

function whole(text: string, o: Options) {
  const parsed = parseTrace(text, o.format);
  const r = replayTrace(parsed, o.config ? { config: o.config } : {});
  return { diagnostics: r.diagnostics, summary: r.summary, config: r.configSource, format: parsed.format };
}

test('streamed replay reports exactly what the whole-file replay reports (both formats, 1–3 vCPUs, inferred or given configuration)', () => {
  fc.assert(
    fc.property(
      fc.oneof(lineTrace, qemuTrace),
      breaks,
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.boolean(),
      (lines, br, cuts, given) => {
        const text = lines.join(br);
        const o: Options = given ? { config: DEFAULT_CONFIG } : {};
        assert.deepEqual(streamed(pieces(text, cuts), o), whole(text, o));
      },
    ),
    { numRuns: Number(process.env.RUNS ?? 400) },
  );
});

test('with a cap per code (maxMessages, as `smmu replay` and the editor show them), the same diagnostics and counts; only messages past the cap are left unmade', () => {
  fc.assert(
    fc.property(
      fc.oneof(lineTrace, qemuTrace, reordering),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 3 }),
      (lines, cuts, given, cap) => {
        const text = lines.join('\n');
        const o: Options = given ? { config: DEFAULT_CONFIG } : {};
        const all = whole(text, o);
        const capped = streamed(pieces(text, cuts), { ...o, maxMessages: cap });
        // Everything but the messages: each diagnostic where it was, with its code, and the counts.
        const without = (ds: readonly TraceDiagnostic[]) => ds.map(({ message: _m, ...rest }) => rest);
        assert.deepEqual(without(capped.diagnostics), without(all.diagnostics));
        assert.deepEqual(capped.summary, all.summary);
        // The first `cap` of each code have their message; a later one has it, or none at all.
        const seen = new Map<string, number>();
        capped.diagnostics.forEach((d, i) => {
          const n = (seen.get(d.code) ?? 0) + 1;
          seen.set(d.code, n);
          const want = (all.diagnostics[i] as TraceDiagnostic).message;
          if (n <= cap) assert.equal(d.message, want, `${d.code} ${n} of cap ${cap}`);
          else assert.ok(d.message === want || d.message === NOT_SHOWN, d.message);
        });
      },
    ),
    { numRuns: Number(process.env.RUNS ?? 400) },
  );
});

test('past a short look ahead (lines replayed as they come), the same report when nothing was left to decide', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        lineTrace.map((l) => ({ lines: l.filter((x) => !x.startsWith('M')), format: 'smmutrace' as const })),
        qemuTrace.map((l) => ({ lines: l, format: 'qemu' as const })),
      ),
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      ({ lines, format }, lookahead, cuts) => {
        const text = lines.join('\n');
        const o: Options = { config: DEFAULT_CONFIG, format, lookahead };
        assert.deepEqual(streamed(pieces(text, cuts), o), whole(text, o));
      },
    ),
    { numRuns: 300 },
  );
});

test('lines cut anywhere are the lines splitLines gives', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('a', 'b', '\r', '\n', ' '), { maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (chars, cuts) => {
        const text = chars.join('');
        const got: string[] = [];
        const split = new LineSplitter((l) => got.push(l));
        for (const p of pieces(text, cuts)) split.push(p);
        split.end();
        assert.deepEqual(got, text.split(/\r\n|\r|\n/));
      },
    ),
    { numRuns: 500 },
  );
});

test("the line parser's fast path for access lines gives what its general path gives", () => {
  // A leading space takes the general path (the fast one reads lines that start with R or W): the
  // same records and diagnostics, one column to the right.
  const digits = fc
    .array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: 1, maxLength: 18 })
    .map((d) => d.join(''));
  const access = fc
    .tuple(
      fc.constantFrom('R', 'W', 'r'),
      digits,
      fc.constantFrom('4', '8', '2', '16'),
      digits,
      fc.constantFrom('', ' 0', ' 3', ' 1234567890', ' cpu2'),
    )
    .map(([d, o, s, v, c]) => `${d} 0x${o} ${s} 0x${v}${c}`);
  const shift = (x: unknown): unknown =>
    JSON.parse(
      JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
      (k, v: unknown) => (k === 'character' ? (v as number) + 1 : v),
    );
  const plain = (x: unknown): unknown =>
    JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
  fc.assert(
    fc.property(fc.array(access, { minLength: 1, maxLength: 5 }), fc.boolean(), (lines, based) => {
      const head = based ? 'base 0x1000\n' : '';
      const fast = parseTrace(head + lines.join('\n'), 'smmutrace');
      const general = parseTrace(head + lines.map((l) => ' ' + l).join('\n'), 'smmutrace');
      assert.deepEqual(plain(general.records), shift(fast.records));
      assert.deepEqual(plain(general.diagnostics), shift(fast.diagnostics));
    }),
    { numRuns: 500 },
  );
});

/**
 * The whole-trace replay's report and timelines; `full`: with the model's access history on,
 * every access takes the model's full path (smmu.ts), none its fast paths.
 */
function replayed(lines: string[], full: boolean) {
  const parsed = parseTrace(lines.join('\n'), 'smmutrace');
  const out: unknown[] = [];
  const rp = new Replayer(
    { config: DEFAULT_CONFIG, inferredIds: false, firstIdReads: new Map(), hasMemory: false },
    { diagnostic: (d) => out.push(d), replace: (old, d) => out.push(['replaced', old, d]) },
  );
  rp.engine.smmu.recording = full;
  for (const r of parsed.records) rp.record(r);
  rp.serial.end();
  return { out, timeline: [...rp.timeline].map(([n, t]) => [n, t.length, t.at(t.length - 1)]) };
}

test("the replay's fast path for plain register accesses judges as its full path does", () => {
  fc.assert(
    fc.property(lineTrace, (lines) => {
      assert.deepEqual(replayed(lines, false), replayed(lines, true));
    }),
    { numRuns: 300 },
  );
});

// Register accesses as drivers make them: a few registers (AGBPA, the one the model's fast path
// writes in this configuration; acked, Guarded, 64-bit ones), values
// they often hold, so most reads agree with the model and take its fast path, from 1–3 vCPUs,
// between the probe's ID reads, `base` and `config` lines (the latter must come before records).
const driverLine = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(
        fc.constantFrom('R', 'W'),
        fc.constantFrom(0x20, 0x24, 0x28, 0x2c, 0x48, 0x48, 0x48, 0x50, 0x54, 0x80, 0x84, 0xa0, 0xa4, 0x44, 0x10000),
        fc.constantFrom('4', '4', '4', '8'),
        fc.constantFrom(0, 1, 0xc, 0xd, 0xd75, 0x40000000, 0x40000007, 0x80000000),
        fc.constantFrom('', '', ' 0', ' 1', ' 2', ' 000000001'),
      )
      .map(([d, o, s, v, c]) => `${d} ${hex(o)} ${s} ${hex(v)}${c}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'R 0x00 4 0x0D44101A',
      'R 0x04 4 0x02730010',
      'R 0x14 4 0x00000074',
      'R 0x0 4 0xd44101a 1',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'base 0x0',
      'base 0x100',
      'config "x.smmu.json"',
      'R 0x020 4 0x00000000c',
      'W 0x20 4 0xC ',
      'R 0x24 4 abort',
      'W 0x20  4 0x0',
    ),
  },
);

/**
 * What `smmu replay` makes of a streamed replay (server/cli/replay.ts): the first `cap` diagnostics
 * of each code printed, per code the count with its first and last line, the total and the
 * summary; with `counts`, diagnostics past the cap come as counts (TraceStreamSink.counted).
 */
function cliReport(text: string, o: Options, cap: number, counts: boolean) {
  const rules = new Map<string, { count: number; first: number; last: number; shown: number }>();
  const printed: TraceDiagnostic[] = [];
  let total = 0;
  let offered = 0;
  let judgements = 0;
  const s = new TraceStream(
    {
      ...(o.config ? { config: o.config } : {}),
      ...(o.lookahead ? { lookahead: o.lookahead } : {}),
      ...(o.fastLines !== undefined ? { fastLines: o.fastLines } : {}),
      ...(o.serial ? { serial: o.serial } : {}),
      maxMessages: cap,
    },
    {
      diagnostic: (d) => {
        total++;
        const line = d.range.start.line + 1;
        let r = rules.get(d.code);
        if (!r) rules.set(d.code, (r = { count: 0, first: line, last: line, shown: 0 }));
        r.count++;
        r.last = line;
        if (r.shown >= cap) return;
        r.shown++;
        printed.push(d);
      },
      ...(counts
        ? {
            counted: (code: string, line: number) => {
              const r = rules.get(code);
              if (!r || r.shown < cap) return false;
              offered++;
              // The multi-vCPU judge's (ReportOrder.replaceUnshown), not the replay's notes on the window.
              if (code.startsWith('mvcpu.') && code !== 'mvcpu.window') judgements++;
              total++;
              r.count++;
              r.last = line + 1;
              return true;
            },
          }
        : {}),
    },
  );
  for (const l of text.split('\n')) s.push(l);
  const summary = s.end().summary;
  return { report: { printed, rules: [...rules], total, summary }, offered, judgements };
}

test('past the cap, diagnostics counted without their objects (TraceStreamSink.counted) give `smmu replay` the same report', () => {
  // Drivers' lines diverge often (reads of values the model does not hold), from 1–3 vCPUs; and
  // a divergence on most lines of one vCPU, of a few codes (values, ID registers, RES0 bits, guest notes).
  const divergent = fc.array(
    fc.constantFrom(
      'R 0x24 4 0x1',
      'R 0x24 4 0xc',
      'W 0x20 4 0xc',
      'W 0x20 4 0x0',
      'R 0x0 4 0x1',
      'R 0x28 4 0x80000000',
      'W 0x28 4 0xd75',
      'R 0x2 4 0x0',
      'R 0x24 4 0x2',
    ),
    { minLength: 40, maxLength: 120 },
  );
  let offered = 0;
  let judgements = 0;
  fc.assert(
    fc.property(
      fc.oneof(lineTrace, fc.array(driverLine, { minLength: 40, maxLength: 120 }), divergent, reordering),
      fc.boolean(),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 30 }),
      // The multi-vCPU window: the default (judged at the end), or a few lines (judged as the lines come).
      fc.constantFrom(undefined, { window: 4, keep: 8 }, { window: 12, keep: 6 }),
      (lines, given, cap, lookahead, serial) => {
        const text = lines.join('\n');
        const o: Options = { ...(given ? { config: DEFAULT_CONFIG } : {}), lookahead, ...(serial ? { serial } : {}) };
        const counted = cliReport(text, o, cap, true);
        offered += counted.offered;
        judgements += counted.judgements;
        assert.deepEqual(counted.report, cliReport(text, o, cap, false).report);
      },
    ),
    { numRuns: Number(process.env.RUNS ?? 400) },
  );
  assert.ok(offered > 100, `${offered} diagnostics counted without objects`);
  assert.ok(judgements > 100, `${judgements} multi-vCPU judgements counted without objects`);
});

test("the replay's checked fast path for writes (acknowledged, Guarded, queue bases) judges as its full path does", () => {
  // With the model's access history off, CR0, CR1 and the 64-bit EVENTQ_BASE writes of drivers
  // take writeChecked32/64; with it on, the full path.
  fc.assert(
    fc.property(fc.array(driverLine, { minLength: 20, maxLength: 120 }), (lines) => {
      assert.deepEqual(replayed(lines, false), replayed(lines, true));
    }),
    {
      numRuns: 300,
      // A CR0ACK read still showing the value before a fast CR0 write (an Update in progress).
      examples: [[['W 0x20 4 0x1', 'W 0x20 4 0xc', 'R 0x24 4 0x1', 'W 0xa0 8 0x40000007', 'R 0xa0 8 0x7']]],
    },
  );
});

test("the stream's record-free access lines (scanAccess, Replayer.fastLine) report exactly what records report", () => {
  fc.assert(
    fc.property(
      fc.array(driverLine, { maxLength: 120 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 30 }),
      (lines, given, lookahead) => {
        const text = lines.join('\n');
        const o: Options = { ...(given ? { config: DEFAULT_CONFIG } : {}), lookahead };
        const fast = streamed([text], o);
        assert.deepEqual(fast, streamed([text], { ...o, fastLines: false }));
        // With the configuration given (nothing left to decide), or within the look ahead, both are
        // the whole-file replay's report.
        if (given || lines.length <= lookahead) assert.deepEqual(fast, whole(text, o));
      },
    ),
    { numRuns: Number(process.env.RUNS ?? 400) },
  );
});

test("`smmu replay`'s report is the same with the record-free lines (64-bit ones, reads judged again) as with records, past the cap too", () => {
  // Polling loops: the same read over and over, diverging or not, 32- and 64-bit, between writes
  // that change what it is judged against; from 1–3 vCPUs; as drivers write them.
  const poll = fc
    .tuple(
      fc.constantFrom(
        'R 0x24 4 0x1',
        'R 0x24 4 0xc',
        'R 0x28 4 0x80000000',
        'R 0xa0 8 0x7',
        'R 0xa0 8 0x40000007',
        'R 0xa0 8 0x1040000007',
        'R 0x80 8 0x40000000',
        'R 0x0 4 0x1',
        'R 0x20008 4 0x1',
        'R 0x2 4 0x0',
        'R 0x10000 4 0x5',
      ),
      fc.integer({ min: 1, max: 12 }),
      fc.constantFrom('', '', '', ' 0', ' 1'),
    )
    .map(([l, n, c]) => Array<string>(n).fill(l + c));
  const write = fc.constantFrom(
    ['W 0x20 4 0xc'],
    ['W 0x20 4 0x0'],
    ['W 0xa0 8 0x40000007'],
    ['W 0xa0 8 0x1040000007'],
    ['W 0x28 4 0xd75'],
    ['W 0x80 8 0x40000000 1'],
    ['M 0x40000000 8 0x1'],
  );
  const trace = fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: poll },
        { weight: 1, arbitrary: write },
        driverLine.map((l) => [l]),
      ),
      {
        minLength: 4,
        maxLength: 40,
      },
    )
    .map((groups) => groups.flat());
  let again = 0;
  fc.assert(
    fc.property(
      trace,
      fc.boolean(),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 30 }),
      (lines, given, cap, lookahead) => {
        const text = lines.join('\n');
        const o: Options = { ...(given ? { config: DEFAULT_CONFIG } : {}), lookahead };
        const fast = cliReport(text, o, cap, true);
        again += fast.offered;
        assert.deepEqual(fast.report, cliReport(text, { ...o, fastLines: false }, cap, true).report);
        assert.deepEqual(streamed([text], o), streamed([text], { ...o, fastLines: false }));
      },
    ),
    { numRuns: Number(process.env.RUNS ?? 400) },
  );
  assert.ok(again > 100, `${again} diagnostics counted`);
});

test('scanAccess reads a line exactly as the line parser does, or leaves it to the parser', () => {
  // Up to 18 digits: values of 32 and 64 bits, and too long for either.
  const digits = fc
    .array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: 1, maxLength: 18 })
    .map((d) => d.join(''));
  const line = fc
    .tuple(
      fc.constantFrom('R', 'W', 'r', 'M'),
      fc.constantFrom(' 0x', ' 0X', '  0x', ' '),
      digits,
      fc.constantFrom(' 4 0x', ' 8 0x', ' 4  0x', ' 44 0x', ' 4 '),
      digits,
      fc.constantFrom('', ' 0', ' 7', ' 123456789', ' 1234567890', ' cpu2', ' ', ' 1 ', ' abort', ' 0x1'),
    )
    .map((parts) => parts.join(''));
  const out = scannedAccess();
  let wide = 0;
  fc.assert(
    fc.property(line, (text) => {
      if (!scanAccess(text, out)) return;
      if (out.size === 8) wide++;
      const p = new LineTraceParser();
      p.line(text, 0);
      assert.deepEqual(p.diagnostics, []);
      const r = p.records[0];
      assert.ok(r && r.kind === 'access', text);
      assert.deepEqual(
        { dir: r.dir, offset: r.offset, size: r.size, value: r.value, abort: r.abort, vcpu: r.vcpu },
        {
          dir: out.dir,
          offset: out.offset,
          size: out.size,
          value: (BigInt(out.hi) << 32n) | BigInt(out.value),
          abort: false,
          vcpu: out.vcpu < 0 ? undefined : out.vcpu,
        },
        text,
      );
      // The record the stream makes from the scan (LineTraceParser.scanned) is the parser's, key for key.
      const q = new LineTraceParser();
      assert.deepEqual(Object.entries(q.scanned(out, text, 0)), Object.entries(r), text);
      assert.deepEqual(q.position, p.position);
    }),
    { numRuns: 5000 },
  );
  assert.ok(wide > 5, `${wide} 64-bit lines scanned`);
});

test("the multi-vCPU window search's early stop (every vCPU's window closed) judges as the full scan does", () => {
  // Two to three vCPUs writing and reading a few registers, some lines without a vCPU; short
  // windows and short histories, so judgements run before the end and past what is kept.
  const mv = fc
    .tuple(
      fc.constantFrom('R', 'W', 'W'),
      fc.constantFrom(0x48, 0x80, 0x84, 0x28, 0x20),
      fc.constantFrom(0, 1, 0xc, 0x40000000, 0x40100000),
      fc.constantFrom(' 0', ' 1', ' 2', ' 0', ' 1', ' 0', ' 1', ''),
    )
    .map(([d, o, v, c]) => `${d} ${hex(o)} 4 ${hex(v)}${c}`);
  fc.assert(
    fc.property(
      fc.array(mv, { minLength: 60, maxLength: 150 }),
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 1, max: 100 }),
      (lines, window, keep) => {
        const run = (exhaustive: boolean) => {
          const diagnostics: TraceDiagnostic[] = [];
          const s = new TraceStream(
            { config: DEFAULT_CONFIG, lookahead: 5, serial: { window, keep, exhaustive } },
            { diagnostic: (d) => diagnostics.push(d) },
          );
          for (const l of lines) s.push(l);
          return { diagnostics, summary: s.end().summary };
        };
        assert.deepEqual(run(false), run(true));
      },
    ),
    { numRuns: Number(process.env.RUNS ?? 400) },
  );
});

test("a register's timeline (typed columns) keeps and gives back the changes an array of entries would", () => {
  // The reference: every change an object in an array, the oldest dropped in batches down to
  // keep + 2 once there are more than 2 × keep + 2 (what the window search's shortfalls depend on).
  const change = fc.record({
    line: fc.nat(1_000_000),
    value: fc.oneof(fc.constantFrom(0n, 1n, 0xffff_ffffn, 1n << 32n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
    vcpu: fc.option(fc.nat(3), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.array(change, { maxLength: 300 }), fc.integer({ min: 0, max: 40 }), (changes, keep) => {
      const tl = new RegisterTimeline(5n);
      const ref: { line: number; value: bigint; vcpu?: number }[] = [{ line: -1, value: 5n }];
      let base = 0;
      for (const c of changes) {
        tl.push(c, keep);
        ref.push(
          c.vcpu === undefined ? { line: c.line, value: c.value } : { line: c.line, value: c.value, vcpu: c.vcpu },
        );
        if (ref.length > 2 * keep + 2) {
          const drop = ref.length - keep - 2;
          ref.splice(0, drop);
          base += drop;
        }
        assert.equal(tl.length, base + ref.length);
        assert.equal(tl.base, base);
      }
      for (let i = -1; i <= tl.length; i++) assert.deepEqual(tl.at(i), ref[i - base]);
      assert.deepEqual(tl.previous(), ref[ref.length - 2]);
      assert.equal(
        tl.ever,
        [5n, ...changes.map((c) => c.value)].reduce((a, b) => a | b),
      );
      assert.equal(
        tl.anonymous,
        changes.some((c) => c.vcpu === undefined),
      );
    }),
    { numRuns: 500 },
  );
});

test("a vCPU's access lines (a typed column) keep what an array would, dropped in the same batches", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 40 }), (n, keep) => {
      const l = new VcpuLines();
      const ref: number[] = [];
      let dropped = 0;
      for (let line = 0; line < n; line++) {
        l.push(line * 3, keep);
        ref.push(line * 3);
        if (ref.length > 2 * keep + 2) {
          const drop = ref.length - keep - 2;
          ref.splice(0, drop);
          dropped += drop;
        }
        assert.equal(l.count, ref.length);
        assert.equal(l.dropped, dropped);
      }
      for (let i = -1; i <= ref.length; i++) assert.equal(l.get(i), ref[i]);
    }),
    { numRuns: 500 },
  );
});

test("the window search's searches of the typed columns give what a scan of the kept lines gives", () => {
  // Ascending lines with repeats, pushed (and the oldest dropped) while searches for lines
  // anywhere come between the pushes.
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.record({ gap: fc.nat(3) }), fc.record({ ask: fc.integer({ min: -5, max: 400 }) })), {
        maxLength: 300,
      }),
      fc.integer({ min: 0, max: 40 }),
      (ops, keep) => {
        const l = new VcpuLines();
        const tl = new RegisterTimeline(0n);
        const lines: number[] = [];
        const changes: number[] = [-1];
        let line = 0;
        for (const o of ops) {
          if ('gap' in o) {
            line += o.gap;
            l.push(line, keep);
            tl.pushWords(line, 1, 0, 0, keep);
            lines.push(line);
            changes.push(line);
            continue;
          }
          const kept = lines.slice(lines.length - l.count);
          const at = kept.findIndex((x) => x >= o.ask);
          assert.equal(l.lowerBound(o.ask), at < 0 ? kept.length : at);
          const fromTl = changes.slice(tl.base);
          const after = fromTl.findIndex((x) => x > o.ask);
          assert.equal(tl.upperBound(o.ask), tl.base + (after < 0 ? fromTl.length : after));
        }
      },
    ),
    { numRuns: 1000 },
  );
});
