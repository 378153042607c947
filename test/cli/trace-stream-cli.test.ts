/**
 * `smmu replay` streaming (issue #19), through the built dist/cli.js: standard input (piped, and
 * live: a divergence is printed before the input ends), gzipped files, and --max-diagnostics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { cli, smmu, tmp } from '../harness/cli-harness';
import { root } from '../harness/root';

/** ID reads of the QEMU preset, then `n` conforming CR1 write/read pairs; `bad` lines (1-based) read a wrong CR1. */
function trace(n: number, bad: readonly number[] = []): string {
  const lines = ['R 0x00 4 0x0D44101A', 'R 0x04 4 0x02730010', 'R 0x0C 4 0x00001404', 'R 0x14 4 0x00000074'];
  while (lines.length < n) {
    const v = 0xd75 - (lines.length & 0x10);
    lines.push(`W 0x28 4 0x${v.toString(16)}`);
    lines.push(`R 0x28 4 0x${(bad.includes(lines.length + 1) ? v ^ 1 : v).toString(16)}`);
  }
  return lines.join('\n') + '\n';
}

function run(args: string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60000,
    ...(input !== undefined ? { input } : {}),
  });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

test('smmu replay - reads a piped trace past the look ahead: its divergence at its line, the same report as from a file', () => {
  // 30,000 lines: the look ahead (10,000 lines) closes, the rest is replayed line by line.
  const text = trace(30000, [25002]);
  const piped = run(['replay', '-'], text);
  assert.equal(piped.code, 1, piped.err);
  assert.match(
    piped.out,
    /^<stdin>:25002:10: error: SMMU_CR1 returned 0x00000D[67]4 but the model has 0x00000D[67]5: .*\[replay\.value\]$/m,
  );
  assert.match(piped.out, /^30000 records \(15002 reads, 14998 writes\): 1 error/m);
  const file = tmp('t.smmutrace', text);
  const fromFile = smmu('replay', file);
  assert.equal(fromFile.out.replaceAll(file, '<stdin>'), piped.out);
  // Nothing on stderr when it is not a terminal: no progress line in a pipe.
  assert.equal(piped.err, '');
});

test('smmu replay - prints a divergence while the input is still open (a guest traced live)', async () => {
  const child = spawn(process.execPath, [cli, 'replay', '-', '--config', 'presets/qemu.smmu.json'], { cwd: root });
  let out = '';
  const seen = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 20000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (/\[replay\.value\]/.test(out)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  // A QEMU log with a configuration given: nothing to look ahead for, each line replayed as it comes.
  child.stdin.write('smmuv3_write_mmio addr: 0x28 val:0xd75 size: 0x4(0)\n');
  child.stdin.write('smmuv3_read_mmio addr: 0x28 val:0xd74 size: 0x4(0)\n');
  const live = await seen;
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.ok(live, `no divergence before the input ended; output so far:\n${out}`);
  assert.equal(code, 1);
  assert.match(out, /^<stdin>:2:\d+: error: SMMU_CR1 returned 0x00000D74/m);
});

test('a .gz trace is read directly: the same report as the plain file', () => {
  const text = trace(2000, [100, 1500]);
  const plain = tmp('g.smmutrace', text);
  const gz = tmp('g.smmutrace.gz', '');
  fs.writeFileSync(gz, zlib.gzipSync(text));
  const a = smmu('replay', plain);
  const b = smmu('replay', gz);
  assert.equal(b.code, 1, b.err);
  assert.equal(b.out.replaceAll(gz, 'F'), a.out.replaceAll(plain, 'F'));
  assert.match(b.out, /g\.smmutrace\.gz:1500:10: error: .*\[replay\.value\]/);
  // Gzipped standard input too.
  const c = run(['replay', '-'], zlib.gzipSync(text));
  assert.equal(c.out.replaceAll('<stdin>', 'F'), a.out.replaceAll(plain, 'F'));
  // Damaged gzip data: what was read is reported, the damage is said on stderr, exit 2; no stack trace.
  const cut = tmp('cut.smmutrace.gz', '');
  const whole = zlib.gzipSync(trace(50000, [20]));
  const damaged = Buffer.from(whole.subarray(0, whole.length >> 1));
  damaged.fill(0x55, 200, 260);
  fs.writeFileSync(cut, damaged);
  const d = smmu('replay', cut);
  assert.equal(d.code, 2);
  assert.match(
    d.err,
    /^smmu replay: .*cut\.smmutrace\.gz: the gzip data is damaged after [\d,]+ bytes of it \(.*\); the lines before were replayed$/m,
  );
  assert.doesNotMatch(d.out + d.err, /at .*\.js:\d+/);
});

test('--max-diagnostics: the first N of each rule, then counts per rule with first and last line, and the total', () => {
  const bad = Array.from({ length: 40 }, (_, i) => 10 + 2 * i * 25);
  const file = tmp('many.smmutrace', trace(2100, bad));
  const r = smmu('replay', file, '--max-diagnostics', '3');
  assert.equal(r.code, 1);
  const shown = r.out.split('\n').filter((l) => l.startsWith(file) && l.endsWith('[replay.value]'));
  assert.deepEqual(
    shown.map((l) => Number(l.split(':')[1])),
    [10, 60, 110],
  );
  assert.match(r.out, /^ {2}replay\.value: 40 at lines 10–1,960, the first 3 shown \(--max-diagnostics 3\)$/m);
  assert.match(r.out, /^41 diagnostics, 4 shown in 2,100 lines$/m);
  assert.match(r.out, /^first divergence: .*many\.smmutrace:10:10: /m);
  // The default shows 100 of each rule: all 40 here.
  assert.equal(
    smmu('replay', file)
      .out.split('\n')
      .filter((l) => l.startsWith(file) && l.endsWith('[replay.value]')).length,
    40,
  );
  // --json: the same cap, the counts per rule.
  const j = JSON.parse(smmu('replay', file, '--max-diagnostics=2', '--json').out) as {
    diagnostics: { line: number; code: string }[];
    summary: {
      errors: number;
      diagnostics: number;
      shown: number;
      rules: Record<string, { count: number; firstLine: number; lastLine: number; shown: number }>;
    };
    reads: unknown[];
    readsDiffering: number;
  };
  assert.deepEqual(
    j.diagnostics.filter((d) => d.code === 'replay.value').map((d) => d.line),
    [10, 60],
  );
  assert.equal(j.summary.errors, 40);
  assert.deepEqual(j.summary.rules['replay.value'], { count: 40, firstLine: 10, lastLine: 1960, shown: 2 });
  assert.deepEqual([j.summary.diagnostics, j.summary.shown, j.reads.length, j.readsDiffering], [41, 3, 2, 40]);
  // A count that is not one: a usage error.
  const badOpt = smmu('replay', file, '--max-diagnostics', 'lots');
  assert.equal(badOpt.code, 2);
  assert.match(badOpt.err, /--max-diagnostics lots: give the number of diagnostics to show per rule/);
});
