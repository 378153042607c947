/** `smmu replay` as CI runs it, through the built dist/cli.js: output format, --json, exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { cli, smmu, smmuWithin, tmp } from '../harness/cli-harness';
import { root } from '../harness/root';

test('the seed example: gcc-style divergences, a summary with counts per rule and the first divergence, exit 1', () => {
  const r = smmu('replay', 'examples/xen-vsmmu-seed.smmutrace');
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /^configuration: inferred from the trace's ID register reads/);
  assert.match(
    r.out,
    /^examples\/xen-vsmmu-seed\.smmutrace:38:12: error: SMMU_CR0ACK returned 0x000001DF but SMMU_IDR0 advertises no PRI: PRIQEN must not be acknowledged .*\[replay\.ack-unadvertised\]$/m,
  );
  assert.match(r.out, /^examples\/xen-vsmmu-seed\.smmutrace:\d+:\d+: warning: .*\[replay\.unpredictable\]$/m);
  assert.match(r.out, /^per rule: .*replay\.abort 7.*replay\.ack-unadvertised 3/m);
  assert.match(r.out, /^first divergence: examples\/xen-vsmmu-seed\.smmutrace:12:12: error: .*SMMU_AIDR/m);
  // Every diagnostic line matches the $smmu problem matcher's pattern (package.json).
  const matcher = /^(.+?):(\d+):(\d+):\s+(error|warning|note):\s+(.*)\s+\[([^\]]+)\]$/;
  for (const l of r.out.split('\n').filter((x) => x.startsWith('examples/'))) assert.match(l, matcher);
});

test('--json: diagnostics, counts, first divergence and both sides of every read', () => {
  const r = smmu('replay', 'examples/xen-vsmmu-seed.smmutrace', '--json');
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out) as {
    format: string;
    summary: { errors: number; counts: Record<string, number>; firstDivergence: { line: number; code: string } };
    reads: { line: number; register?: string; emulation: string; model: string }[];
  };
  assert.equal(j.format, 'smmutrace');
  assert.equal(j.summary.counts['replay.ack-unadvertised'], 3);
  assert.deepEqual([j.summary.firstDivergence.line, j.summary.firstDivergence.code], [12, 'replay.abort']);
  assert.deepEqual(
    j.reads.find((x) => x.line === 38),
    { line: 38, offset: '0x00000024', register: 'SMMU_CR0ACK', emulation: '0x000001DF', model: '0x0000000D' },
  );
});

test("QEMU's log of a Linux boot: no violation, exit 0", () => {
  const r = smmu('replay', 'test/fixtures/qemu/linux-6.1-boot.qemu-7.2.log');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /38 records \(14 reads, 20 writes\): 0 errors/);
});

test('--config replaces the inference; an unreadable or broken configuration is reported, never a crash', () => {
  const cfg = tmp('x.smmu.json', '{ "base": "qemu" }');
  const trace = tmp('t.smmutrace', 'R 0x00 4 0x0D44101A\nR 0x24 4 0x0\n');
  const ok = smmu('replay', trace, '--config', cfg);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /^configuration: .*x\.smmu\.json/);
  // A --config that cannot be used is the command line's error (exit 2), not the trace's line 1.
  const missing = smmu('replay', trace, '--config', '/nonexistent.smmu.json');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^smmu replay: --config \/nonexistent\.smmu\.json: cannot read/);
  assert.equal(missing.out, '');
  // A trace's own config line naming a broken file: reported at that line, and the message says what was replayed against instead.
  const brokenCfg = tmp('broken.smmu.json', '{ "features": { "sidSize": 400 } }');
  const own = path.join(path.dirname(brokenCfg), 'own.smmutrace');
  fs.writeFileSync(own, 'config "broken.smmu.json"\nR 0x00 4 0x0D44101A\n');
  const ownRun = smmu('replay', own);
  assert.match(
    ownRun.out,
    /own\.smmutrace:1:\d+: error: configuration .*broken\.smmu\.json has errors; first at line 1: .*; replaying against the configuration the trace's ID register reads imply \[trace\.config\]/,
  );
  assert.match(ownRun.out, /^configuration: inferred from the trace's ID register reads/);
  const bad = smmu('replay', tmp('b.smmutrace', 'R 0x00 4 zzz\n\u0000\n'));
  assert.equal(bad.code, 1);
  assert.match(bad.out, /b\.smmutrace:1:10: error: value 'zzz' is not a hexadecimal number/);
  assert.doesNotMatch(bad.out + bad.err, /at .*\.js:\d+/);
});

test('bad usage: exit 2 with a message', () => {
  assert.equal(smmu('replay').code, 2);
  const r = smmu('replay', '/nonexistent.smmutrace');
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot read/);
});

test('smmu check accepts .smmutrace files next to scripts (same diagnostics as replay)', () => {
  const r = smmu('check', 'examples/xen-vsmmu-seed.smmutrace');
  assert.equal(r.code, 1);
  assert.match(
    r.out,
    /xen-vsmmu-seed\.smmutrace:38:12: error: .*PRIQEN must not be acknowledged.*\[replay\.ack-unadvertised\]/,
  );
});

test('a closed output pipe ends every command quietly (replay, run --trace, check, decode)', () => {
  for (const cmd of [
    'replay examples/xen-vsmmu-seed.smmutrace',
    'run examples/linux-bringup.smmu --trace',
    'check examples/xen-vsmmu-seed.smmutrace',
    'decode CR0 0xFFFFFFFF',
  ]) {
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${cli}" ${cmd} | head -1`], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30000,
    });
    assert.equal(r.stdout.split('\n').length, 2, cmd);
    assert.doesNotMatch(r.stderr, /EPIPE|\bat /, cmd);
  }
});

test('the locking example: a reordered read (note), a mixed 32-bit word (error), a torn 64-bit value (warning)', () => {
  const r = smmu('replay', 'examples/vsmmu-locking.smmutrace', '--json');
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out) as {
    summary: { counts: Record<string, number>; vcpus: number[] };
    diagnostics: { line: number; code: string; severity: string }[];
  };
  assert.deepEqual(j.summary.counts, { 'mvcpu.reordered': 1, 'mvcpu.mixed': 1, 'mvcpu.torn': 1 });
  assert.deepEqual(j.summary.vcpus, [0, 1]);
  assert.deepEqual(
    j.diagnostics.map((d) => [d.line, d.code, d.severity]),
    [
      [15, 'mvcpu.reordered', 'info'],
      [21, 'mvcpu.mixed', 'error'],
      [27, 'mvcpu.torn', 'warning'],
    ],
  );
});

test('a form feed or vertical tab in a trace is whitespace: replay and check end at once with the record checked (issue 14)', () => {
  // The tokenizer skipped only space, tab and CR but ended tokens at FF and VT too: an empty token
  // and no progress, until the heap ran out (exit 134 with a V8 stack trace).
  for (const ws of ['\f', '\v', '\uFEFF']) {
    const trace = tmp('x.smmutrace', `R 0x24 4 0x1f${ws}\nW${ws}0x20 4 0x0\n`);
    for (const cmd of ['replay', 'check']) {
      const r = smmuWithin(10000, cmd, trace);
      assert.equal(r.code, 1, `${cmd} ${JSON.stringify(ws)}: exit ${r.code}\n${r.err.slice(0, 500)}`);
      assert.match(r.out, /x\.smmutrace:1:\d+: \w+: .*SMMU_CR0ACK/);
      assert.doesNotMatch(r.out + r.err, /internal error|\bat .*\.js:\d+|x\.smmutrace:2:/);
    }
  }
});

test("a hexadecimal number without digits ('0x_') is a message at its token, not an internal error", () => {
  const r = smmuWithin(10000, 'replay', tmp('h.smmutrace', 'R 0x_ 4 0x1\nW 0x20 4 0x__\n'));
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /h\.smmutrace:1:3: error: offset '0x_' is not a hexadecimal number/);
  assert.match(r.out, /h\.smmutrace:2:10: error: value '0x__' is not a hexadecimal number/);
  assert.doesNotMatch(r.err, /internal error/);
});
