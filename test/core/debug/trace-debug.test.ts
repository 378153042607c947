/**
 * The debugger's trace program (core/debug/trace-program.ts) against the replay it follows: on
 * every trace we have (examples, QEMU logs), the debugger's model answers each read exactly as the
 * replay's model did, the failed-expectation filter stops at exactly the lines where the replay
 * reports a divergence, and step back re-creates every position. With guest memory (`M`
 * records), a doorbell's commands are stepped into as in a script.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugRuntime } from '../../../core/debug/runtime';
import { TraceMachine } from '../../../core/debug/trace-program';
import { WholeTrace } from '../../../core/debug/trace-data';
import type { TraceCheck } from '../../../core/trace/check';
import { fileHost } from '../../../server/file-host';
import { root } from '../../harness/root';

const host = fileHost;

const TRACES = [
  ...fs
    .readdirSync(path.join(root, 'examples'))
    .filter((f) => f.endsWith('.smmutrace'))
    .map((f) => path.join(root, 'examples', f)),
  ...fs
    .readdirSync(path.join(root, 'test', 'fixtures', 'qemu'))
    .filter((f) => f.endsWith('.log'))
    .map((f) => path.join(root, 'test', 'fixtures', 'qemu', f)),
];

function launch(file: string): DebugRuntime {
  const r = DebugRuntime.launch(file, host);
  assert.ok(r.runtime, r.error);
  assert.equal(r.runtime.kind, 'trace');
  return r.runtime;
}

function checkOf(m: TraceMachine): TraceCheck {
  assert.ok(m.data instanceof WholeTrace, 'a small trace is replayed whole in memory');
  return m.data.check;
}

function machineOf(rt: DebugRuntime): TraceMachine {
  assert.ok(rt.machine instanceof TraceMachine);
  return rt.machine;
}

test('every read of every trace: the debugger model answers what the replay model answered', () => {
  assert.ok(TRACES.length >= 4, TRACES.join());
  for (const file of TRACES) {
    const rt = launch(file);
    rt.setExceptionFilters([]);
    const m = machineOf(rt);
    const records = checkOf(m).parsed.records;
    let compared = 0;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i];
      assert.equal(m.statementLine(m.state.pc), rec?.line, `${file}: at record ${i}`);
      const l = rec?.kind === 'access' && rec.dir === 'R' ? checkOf(m).lines.get(rec.line) : undefined;
      if (rec?.kind === 'access' && l && typeof l.model === 'bigint') {
        assert.equal(m.engine.smmu.read(rec.offset, rec.size).value, l.model, `${path.basename(file)}:${rec.line + 1}`);
        compared++;
      }
      rt.next();
    }
    assert.ok(rt.ended, file);
    assert.ok(compared > 5, `${file}: ${compared} reads compared`);
  }
});

test('the failed-expectation filter stops at exactly the records the replay reports as divergences', () => {
  for (const file of TRACES) {
    const rt = launch(file);
    rt.setExceptionFilters(['expectation']);
    const m = machineOf(rt);
    const expected = [
      ...new Set(
        checkOf(m)
          .diagnostics.filter((d) => d.severity === 'error' && /^(replay|mvcpu)\./.test(d.code))
          .map((d) => d.line),
      ),
    ].sort((a, b) => a - b);
    const stops: number[] = [];
    for (;;) {
      const before = m.state.pc;
      const s = rt.continue();
      if (s?.reason !== 'exception') break;
      assert.match(s.description ?? '', /^failed expectation: line \d+: /);
      // The record that diverged is the last one executed.
      stops.push(checkOf(m).parsed.records[m.state.pc - 1]?.line ?? -1);
      assert.ok(m.state.pc > before);
    }
    assert.deepEqual(stops, expected, path.basename(file));
  }
});

test("the CONSTRAINED UNPREDICTABLE filter stops at the replay's warning: QEMU 7.2 takes a Guarded CMDQ_BASE write (SMMUv3.1)", () => {
  const rt = launch(path.join(root, 'test', 'fixtures', 'qemu', 'register-probe.qemu-7.2.log'));
  rt.setExceptionFilters(['unpredictable']);
  const m = machineOf(rt);
  const descriptions: [number, string][] = [];
  for (let s = rt.continue(); s?.reason === 'exception'; s = rt.continue())
    descriptions.push([(checkOf(m).parsed.records[m.state.pc - 1]?.line ?? -1) + 1, s.description ?? '']);
  const guarded = descriptions.find(([line]) => line === 26);
  assert.ok(guarded, JSON.stringify(descriptions));
  assert.match(
    guarded[1],
    /SMMU_CMDQ_BASE returned 0x0000000040300005: the emulation took the write at line 25 although SMMU_CR0.CMDQEN was 1; CONSTRAINED UNPREDICTABLE in SMMUv3.1/,
  );
  // Divergences are not this filter's: line 11's RES0 read-back is not among its stops.
  assert.ok(!descriptions.some(([, d]) => /failed expectation/.test(d)));
});

test('step back re-creates every position of a QEMU log exactly', () => {
  const rt = launch(path.join(root, 'test', 'fixtures', 'qemu', 'linux-6.1-boot.qemu-7.2.log'));
  rt.setExceptionFilters([]);
  const seen: string[] = [];
  const state = () => JSON.stringify([[...rt.machine.engine.smmu.words], rt.frames()[0]?.line]);
  while (!rt.ended) {
    seen.push(state());
    rt.next();
  }
  seen.push(state());
  for (let i = seen.length - 1; i > 0; i--) {
    assert.equal(state(), seen[i], `position ${i}`);
    rt.stepBack();
  }
  assert.equal(state(), seen[0]);
});

test('with guest memory in the trace, a doorbell is stepped into command by command; without, no command is consumed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-trace-debug-'));
  const ids = [
    'R 0x0 4 0x0D40101A',
    'R 0x4 4 0x02730010',
    'R 0xC 4 0x00001404',
    'R 0x14 4 0x00000074',
    'R 0x18 4 0x0000043B',
    'R 0x1C 4 0x1',
  ];
  const body = [
    'W 0x90 8 0x40000004',
    'W 0x20 4 0x8',
    'M 0x40000000 8 0x0000000000000046',
    'M 0x40000008 8 0x0',
    'W 0x98 4 0x1',
    'R 0x9C 4 0x1',
    'C 0x0000000000000046 0x0',
  ];
  const withMem = path.join(dir, 'mem.smmutrace');
  fs.writeFileSync(withMem, [...ids, ...body].join('\n') + '\n');
  const rt = launch(withMem);
  for (let i = 0; i < 11; i++) rt.stepIn();
  // Line 11 rang the doorbell: the SYNC at CMDQ[0] is the frame above the trace's.
  const f = rt.frames();
  assert.equal(f.length, 2);
  assert.equal(f[0]?.name, 'CMDQ[0] SYNC');
  assert.equal(f[1]?.line, 10);
  assert.equal(rt.evaluate('CMDQ_CONS.RD', false), '0');
  rt.stepIn();
  assert.equal(rt.evaluate('CMDQ_CONS.RD', false), '1');
  assert.equal(rt.frames()[0]?.line, 11);
  const s = rt.continue();
  assert.equal(s?.description, 'end of trace');
  assert.equal(rt.evaluate('GERROR', false), '0x00000000 (0)');

  const noMem = path.join(dir, 'nomem.smmutrace');
  fs.writeFileSync(noMem, [...ids, ...body.filter((l) => !l.startsWith('M'))].join('\n') + '\n');
  const rt2 = launch(noMem);
  rt2.setExceptionFilters(['gerror', 'expectation']);
  // Without queue contents the model cannot run the command (memory would read as zeros, an
  // illegal command): it consumes none and takes CMDQ_CONS from the trace, as the replay does.
  assert.equal(rt2.continue()?.description, 'end of trace');
  assert.equal(rt2.evaluate('CMDQ_CONS.RD', false), '1');
  assert.equal(rt2.evaluate('GERROR', false), '0x00000000 (0)');
});

test('the `config` launch argument replaces the inferred configuration: Linux 6.1 on QEMU 7.2 against the qemu preset stops at IDR0', () => {
  const r = DebugRuntime.launch(path.join(root, 'test', 'fixtures', 'qemu', 'linux-6.1-boot.qemu-7.2.log'), host, {
    config: path.join(root, 'presets', 'qemu.smmu.json'),
  });
  assert.ok(r.runtime, r.error);
  assert.match(r.runtime.configName, /qemu\.smmu\.json/);
  const s = r.runtime.continue();
  assert.equal(s?.reason, 'exception');
  assert.match(
    s?.description ?? '',
    /^failed expectation: line 1: the emulation returned 0x0D40101A, the model 0x0D44101A: .*\[replay\.id\]$/,
  );
  assert.equal(r.runtime.continue()?.description, 'end of trace');
  // A configuration that cannot be read refuses the launch, as for a script.
  assert.match(
    DebugRuntime.launch(path.join(root, 'examples', 'vsmmu-locking.smmutrace'), host, {
      config: '/nonexistent.smmu.json',
    }).error ?? '',
    /cannot read configuration \/nonexistent\.smmu\.json/,
  );
});

test('bad traces are refused with a position, never a crash: no records, a bad line, random bytes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-trace-bad-'));
  const at = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return DebugRuntime.launch(f, host);
  };
  assert.match(at('empty.smmutrace', '# nothing\n\n').error ?? '', /empty\.smmutrace:1:1: the trace has no records/);
  assert.match(at('late.smmutrace', 'R 0x0 4 0x0D40101A\nconfig "x.smmu.json"\n').error ?? '', /late\.smmutrace:2:1: /);
  // Seeded random text: every launch either refuses with file:line:col or runs to its end.
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const tokens = [
    'R',
    'W',
    'M',
    'C',
    'E',
    'base',
    'config',
    '0x0',
    '0x20',
    '0x24',
    '0x98',
    '0x9C',
    '4',
    '8',
    '2',
    'abort',
    'cpu1',
    '0xFFFFFFFF',
    '"f"',
    '#',
    '0x1_0000',
    'smmuv3_read_mmio addr: 0x20 val:0x1 size: 0x4(0)',
    '\u0000',
    'ÿ',
  ];
  let refused = 0;
  for (let i = 0; i < 200; i++) {
    // Mostly well-formed records with random fields (so many traces launch), some random token runs.
    const record = () =>
      `${['R', 'W', 'M'][rnd(3)]} ${['0x0', '0x20', '0x24', '0x90', '0x98', '0x9C', '0x44', '0x100A8', '0x40000000'][rnd(9)]} ${['4', '8', '1'][rnd(3)]} ${['0x0', '0x8', '0xFFFFFFFF', '0x40000004', 'abort'][rnd(5)]}`;
    const lines = Array.from({ length: 1 + rnd(12) }, () =>
      i % 4 === 0 ? Array.from({ length: rnd(6) }, () => tokens[rnd(tokens.length)]).join(' ') : record(),
    );
    const r = at(`r${i}.smmutrace`, lines.join('\n'));
    if (!r.runtime) {
      refused++;
      assert.match(r.error ?? '', /r\d+\.smmutrace:\d+:\d+: /, lines.join('\n'));
      continue;
    }
    r.runtime.setExceptionFilters(['gerror', 'event', 'expectation', 'unpredictable']);
    let n = 0;
    while (!r.runtime.ended && n++ < 100) r.runtime.continue();
    assert.ok(r.runtime.ended, lines.join('\n'));
    while (r.runtime.canStepBack) r.runtime.stepBack();
  }
  assert.ok(refused > 10 && refused < 190, `${refused} of 200 refused: both paths are exercised`);
});
