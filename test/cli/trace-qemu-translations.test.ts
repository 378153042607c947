/**
 * `smmu replay` on QEMU 7.2's translations (test/fixtures/qemu/README.md: a real run of
 * test/fixtures/qemu/translations.smmu): checked against the model's walk when the log carries the
 * guest's memory writes, counted as not checked when it does not; through the CLI as a user runs it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smmu, tmp } from '../harness/cli-harness';
import * as fs from 'fs';
import * as path from 'path';
import { root } from '../harness/root';

const CONFIG = ['--config', 'presets/qemu-7.2.smmu.json'];

test('smmu replay: the log alone says how many translations it could not check, and why', () => {
  const r = smmu('replay', 'test/fixtures/qemu/translations.qemu-7.2.log', ...CONFIG);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /7 translations: 1 checked, 6 not checked/);
  assert.match(
    r.out,
    /translations\.qemu-7\.2\.log:\d+:1: note: smmuv3_translate_success: not checked: .*StreamID 0x18 .*fetched STE 24 from 0x0000000044000600.* \[replay\.translation-unchecked\]/,
  );
});

test('smmu replay --json: with the guest memory writes every translation is checked; a wrong PA is an error (exit 1)', () => {
  const ok = smmu('replay', 'test/fixtures/qemu/translations-memory.qemu-7.2.log', ...CONFIG, '--json');
  assert.equal(ok.code, 0, ok.err);
  const summary = (JSON.parse(ok.out) as { summary: { translations: unknown; errors: number } }).summary;
  assert.deepEqual(summary.translations, { checked: 7, diverged: 0, unchecked: 0 });
  const text = fs
    .readFileSync(path.join(root, 'test/fixtures/qemu/translations-memory.qemu-7.2.log'), 'utf8')
    .replace('translated=0x4a000010', 'translated=0x4a000810');
  const bad = smmu('replay', tmp('wrong-pa.qemu-7.2.log', text), ...CONFIG);
  assert.equal(bad.code, 1);
  assert.match(
    bad.out,
    /error: the emulation translated a read of StreamID 0x18 at IOVA 0x0000000010000010 to 0x000000004A000810 \(perm 0x3\); the model translates it to 0x000000004A000010 .* \[replay\.translation\]/,
  );
  assert.match(bad.out, /7 translations: 7 checked \(1 diverged\), 0 not checked/);
});
