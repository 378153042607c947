/**
 * The editor's one-pass check (core/script/check.ts, checkScriptStreamed) against checkScript in
 * full mode on random scripts (fast-check, fixed seed): the same diagnostics in the same order, the
 * same observations, the same configuration, and after each slice a partial set that is final. The scripts mix well-formed and broken lines,
 * `config` lines that load, fail or come late, includes that work, fail or are missing, a default
 * configuration that works or fails, and are long enough to cross the check's slices of lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkScript, checkScriptStreamed } from '../../../core/script/check';
import type { ScriptDiagnostic } from '../../../core/base/diagnostics';
import { RUN_SLICE } from '../../../core/script/interpreter';
import { engineScript, memoryHost, presetFile, tokenSoup, wellFormedScript } from '../../harness/script-helpers';

const SEED = 20261126;

/** An in-memory folder /w: a preset, a broken configuration, a good and a broken include. */
const host = memoryHost({
  '/w/qemu.smmu.json': presetFile('qemu'),
  '/w/xen.smmu.json': presetFile('xen-vsmmu'),
  '/w/bad.smmu.json': '{ "name": ',
  '/w/inc.smmu': 'write32 CR0 SMMUEN\nconst IC = 4\nread32 CR0ACK',
  '/w/badinc.smmu': 'wrte32 CR0 1',
});

const special = fc.constantFrom(
  'config "qemu.smmu.json"',
  'config "xen.smmu.json"',
  'config "bad.smmu.json"',
  'config "missing.smmu.json"',
  'include "inc.smmu"',
  'include "badinc.smmu"',
  'include "nope.smmu"',
  'read32 IDR0',
  '# a comment',
  '',
  'reset',
  'reset\nconfig "xen.smmu.json"',
  'reset\n# between\nconfig "bad.smmu.json"',
);

/** A segment of lines repeated up to 40 times, so that scripts cross slices of RUN_SLICE lines. */
const segment = fc.tuple(fc.oneof(engineScript, wellFormedScript, tokenSoup, special), fc.integer({ min: 1, max: 40 }));
const header = fc.constantFrom('', 'config "qemu.smmu.json"\n', 'config "xen.smmu.json"\n', 'config "bad.smmu.json"\n');
const script = fc
  .tuple(header, fc.array(segment, { minLength: 1, maxLength: 6 }))
  .map(
    ([first, segments]) => first + segments.flatMap(([text, n]) => Array.from({ length: n }, () => text)).join('\n'),
  );
const defaultConfig = fc.constantFrom(
  undefined,
  { origin: 'setting', value: 'xen-vsmmu' },
  { origin: 'setting', value: '/w/bad.smmu.json', path: '/w/bad.smmu.json' },
);

/** A check as JSON, BigInts as text: what an editor would be shown. */
const shown = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

test('the one-pass check reports what checkScript reports, and what it found so far is final (fast-check)', async () => {
  // What it reports after each slice as found on the lines above (FoundSoFar) is the whole
  // check's diagnostics on those lines, when it gives a list.
  let listed = 0;
  let withheld = 0;
  await fc.assert(
    fc.asyncProperty(script, defaultConfig, async (text, d) => {
      const options = d ? { defaultConfig: d } : {};
      const batch = checkScript(text, '/w/s.smmu', host, 'full', options);
      const reports: { lines: number; count: number; list: string | undefined }[] = [];
      const streamed = await checkScriptStreamed(
        text,
        '/w/s.smmu',
        host,
        options,
        async () => undefined,
        () => false,
        (lines, _observations, found) => {
          const list = found.list();
          if (list) assert.equal(found.count, list.length, 'count is the length of the list');
          reports.push({ lines, count: found.count, list: list && shown(list) });
        },
      );
      assert.ok(streamed);
      assert.equal(shown(streamed.diagnostics), shown(batch.diagnostics));
      assert.equal(shown(streamed.run.observations), shown(batch.run?.observations));
      assert.equal(streamed.run.failedExpectations, batch.run?.failedExpectations);
      assert.equal(streamed.config.name, batch.config.name);
      assert.equal(streamed.configPath, batch.configPath);
      assert.equal(streamed.configOrigin, batch.configOrigin);
      for (const r of reports) {
        const above: ScriptDiagnostic[] = streamed.diagnostics.filter((x) => x.range.start.line < r.lines);
        // Never more than the final set holds on those lines.
        assert.ok(r.count <= above.length, `at line ${r.lines}: ${r.count} found, ${above.length} in the end`);
        if (r.list === undefined) withheld++;
        else {
          listed++;
          assert.equal(r.list, shown(above), `at line ${r.lines}`);
        }
      }
    }),
    { seed: SEED, numRuns: 150 },
  );
  // Guards the property: both answers occur in the generated scripts.
  assert.ok(listed > 50, `${listed} lists given`);
  assert.ok(withheld > 0, `${withheld} withheld`);
});

test('the generated scripts do cross slices, stop at errors and run the model', () => {
  // Guards the property above against generators that stopped exercising what it is about.
  const samples = fc.sample(script, { seed: SEED, numRuns: 150 });
  assert.ok(
    samples.some((t) => t.split('\n').length > 2 * RUN_SLICE),
    'some scripts span several slices',
  );
  const checks = samples.map((t) => checkScript(t, '/w/s.smmu', host, 'full'));
  assert.ok(
    checks.some((c) => c.diagnostics.some((x) => x.code === 'run.stopped')),
    'some stop at an error',
  );
  assert.ok(
    checks.some((c) => (c.run?.observations.length ?? 0) > RUN_SLICE),
    'some run more than a slice of statements',
  );
  assert.ok(
    checks.some((c) => c.configPath === '/w/xen.smmu.json' && (c.run?.observations.length ?? 0) > 0),
    'some run on a configuration their config line loaded',
  );
});

test('a cancelled one-pass check stops between slices', async () => {
  const text = Array.from({ length: 3 * RUN_SLICE }, () => 'read32 IDR0').join('\n');
  let pauses = 0;
  const r = await checkScriptStreamed(
    text,
    '/w/s.smmu',
    host,
    {},
    async () => void pauses++,
    () => pauses >= 1,
  );
  assert.equal(r, undefined);
  assert.equal(pauses, 1);
});
