/**
 * The translations of other projects' SMMUv3 test suites (examples/peers/, docs/peer-suites.md):
 * every script there passes `smmu check` and `smmu run` with its own configuration, with every
 * expectation it states met (the number counted from the script's own lines), and each cites the
 * peer tests it translates. The QEMU qtest's translation also runs on QEMU (`smmu qemu`), where
 * the stage-1 case's DMA lands where the model puts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { smmu, smmuWithin } from '../harness/cli-harness';
import { QEMU, requireTool } from '../harness/qemu';
import { root } from '../harness/root';

const PEERS = path.join(root, 'examples', 'peers');
const scripts = fs
  .readdirSync(PEERS)
  .filter((f) => f.endsWith('.smmu'))
  .sort();

/**
 * The expectations a script states, counted from its text: a line (comment removed) that
 * compares (`==`/`!=`: reads, `dma`, `== abort`) or is an `expect` statement.
 */
function statedExpectations(text: string): number {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, ''))
    .filter((l) => /==|!=/.test(l) || /^\s*expect\b/.test(l)).length;
}

test('there are peer-suite scripts, and the docs page lists each', () => {
  assert.ok(scripts.length >= 4, scripts.join(', '));
  const doc = fs.readFileSync(path.join(root, 'docs', 'peer-suites.md'), 'utf8');
  for (const s of scripts) assert.ok(doc.includes(`examples/peers/${s}`), `docs/peer-suites.md names ${s}`);
});

test("docs/peer-suites.md: each test's 'translated at' line is the script's line that names the test", () => {
  const doc = fs.readFileSync(path.join(root, 'docs', 'peer-suites.md'), 'utf8');
  const rows = [...doc.matchAll(/`(test_\w+)`\)? \| \[([\w-]+\.smmu):(\d+)\]/g)];
  assert.ok(rows.length > 50, `${rows.length} rows`);
  for (const [, name, script, line] of rows) {
    const lines = fs.readFileSync(path.join(PEERS, script as string), 'utf8').split(/\r?\n/);
    assert.ok(lines[Number(line) - 1]?.includes(name as string), `${script}:${line} names ${name}`);
  }
});

for (const script of scripts) {
  test(`examples/peers/${script}: smmu check and smmu run pass, every stated expectation met`, () => {
    const file = path.join(PEERS, script);
    const text = fs.readFileSync(file, 'utf8');
    // It says which peer it translates, at which commit.
    assert.match(text, /^#\s+peer: \S+\/\S+ .+/m, 'a "# peer: owner/repo path" line');
    assert.match(text, /commit [0-9a-f]{40}\b/, 'the commit of the peer sources');

    const check = smmu('check', file);
    assert.equal(check.code, 0, check.out + check.err);

    const run = smmu('run', file, '--json');
    assert.equal(run.code, 0, run.out + run.err);
    const summary = (JSON.parse(run.out) as { summary: Record<string, number> }).summary;
    const stated = statedExpectations(text);
    assert.ok(stated > 0);
    assert.equal(summary.expectations, stated, 'the model counts the expectations the script states');
    assert.equal(summary.expectationsMet, stated);
    assert.equal(summary.failedExpectations, 0);
    assert.equal(summary.notRun, 0);
    assert.equal(summary.errors, 0);
  });
}

test('the QEMU qtest translation on QEMU: the stage-1 DMA lands where the model puts it; the rest is listed as not run, with why', () => {
  requireTool(QEMU);
  const r = smmuWithin(60_000, 'qemu', 'examples/peers/qemu-iommu-smmuv3-qtest.smmu', '--json');
  assert.equal(r.code, 0, r.out + r.err);
  const out = JSON.parse(r.out) as {
    summary: { errors: number };
    dmas: { line: number; sid: number; emulation: string; model: string }[];
    diagnostics: { line: number; code: string; message: string }[];
  };
  assert.equal(out.summary.errors, 0);
  // The one DMA QEMU can run (no payload): StreamID 8, to the PA the qtest expects.
  assert.deepEqual(
    out.dmas.map((d) => [d.sid, d.emulation, d.model]),
    [[8, '0x000000004ECBA567', '0x000000004ECBA567']],
  );
  const notRun = out.diagnostics.filter((d) => d.code === 'qemu.not-run');
  // The payload DMAs, and the reset that ends the guest program: each says why.
  assert.ok(notRun.some((d) => /a DMA with a payload/.test(d.message)));
  assert.ok(notRun.some((d) => /cannot reset the SMMU/.test(d.message)));
  // QEMU 7.2 advertises no stage 2: the note names what differs from the configuration.
  const ids = out.diagnostics.find((d) => d.code === 'qemu.ids');
  assert.match(ids?.message ?? '', /S2P 1 → 0/);
});
