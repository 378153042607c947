/**
 * "Run the script up to line N" (core/script/model-at-line.ts) from the document's snapshots
 * against a run from line 1: the whole model (registers, guest memory and so the queues, the
 * configuration cache, the TLB, the activity log), the script's state, the last-write map and
 * everything the run reported must be the same, for random scripts, random lines, edits between
 * them (of the script, of a file it includes, of its configuration), small intervals and budgets
 * that make the snapshots thin out, and runs cancelled half-way. Then what the snapshots are for:
 * a cursor move re-runs at most an interval, and an edit keeps the snapshots before it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { checkScript, type ScriptCheck, type ScriptHost } from '../../../core/script/check';
import { modelAtLine, modelAtLineSliced, ModelRuns, type ModelAtLine } from '../../../core/script/model-at-line';
import { engineScript, tokenSoup, wellFormedScript } from '../../harness/script-helpers';
import { longScript } from '../../harness/long-script';
import { root } from '../../harness/root';

const SEED = 20261127;

const preset = (name: string) => fs.readFileSync(path.join(root, 'presets', name), 'utf8');

/** The in-memory folder /w; other paths (the examples and what they name) are read from disk. */
function folder(): Map<string, string> {
  return new Map([
    ['/w/qemu.smmu.json', preset('qemu.smmu.json')],
    ['/w/xen.smmu.json', preset('xen-vsmmu.smmu.json')],
    ['/w/bad.smmu.json', '{ "name": '],
    ['/w/inc.smmu', 'write32 CR0 SMMUEN\nconst IC = 4\nread32 CR0ACK'],
    ['/w/badinc.smmu', 'wrte32 CR0 1'],
  ]);
}

function hostOf(files: Map<string, string>): ScriptHost {
  return {
    readFile: (p) => {
      const mem = files.get(p);
      if (mem !== undefined || p.startsWith('/w/')) return mem;
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    resolvePath: (from, relative) =>
      from.startsWith('/w/')
        ? path.posix.resolve(path.posix.dirname(from), relative)
        : path.resolve(path.dirname(from), relative),
  };
}

/** The examples and the VS Code test workspace's scripts, at their own paths. */
const fixtures = [
  ...fs
    .readdirSync(path.join(root, 'examples'))
    .filter((f) => f.endsWith('.smmu'))
    .map((f) => path.join(root, 'examples', f)),
  ...fs
    .readdirSync(path.join(root, 'test', 'vscode', 'workspace'))
    .filter((f) => f.endsWith('.smmu'))
    .map((f) => path.join(root, 'test', 'vscode', 'workspace', f)),
].map((p) => ({ path: p, text: fs.readFileSync(p, 'utf8') }));

const special = fc.constantFrom(
  'config "qemu.smmu.json"',
  'config "xen.smmu.json"',
  'config "bad.smmu.json"',
  'include "inc.smmu"',
  'include "badinc.smmu"',
  'const IC = 9',
  'write32 CR0 IC',
  'read32 IDR0',
  '# a comment',
  '',
);
const line = fc.oneof(engineScript, wellFormedScript, tokenSoup, special);
const generated = fc
  .tuple(
    fc.constantFrom('', 'config "qemu.smmu.json"\n', 'config "xen.smmu.json"\n'),
    fc.array(fc.tuple(line, fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 6 }),
  )
  .map(([first, segments]) => ({
    path: '/w/s.smmu',
    text: first + segments.flatMap(([t, n]) => Array.from({ length: n }, () => t)).join('\n'),
  }));
/** A script: a fixture, a fixture with generated lines after it, or generated lines. */
const script = fc.oneof(
  fc.constantFrom(...fixtures),
  fc.tuple(fc.constantFrom(...fixtures), line).map(([f, tail]) => ({ path: f.path, text: `${f.text}\n${tail}` })),
  generated,
);

/** Snapshots often and few of them, or in a small byte budget, so runs restore and thin. */
const runsOptions = fc.record({
  interval: fc.integer({ min: 1, max: 16 }),
  maxSnapshots: fc.integer({ min: 1, max: 8 }),
  maxBytes: fc.constantFrom(undefined, 5_000, 40_000),
});

/** An edit between two calls: a line replaced, inserted or deleted, or a file the script reads changed. */
const edit = fc.oneof(
  fc.tuple(fc.constantFrom('replace', 'insert'), fc.nat(), line),
  fc.tuple(fc.constant('delete'), fc.nat(), fc.constant('')),
  fc.tuple(fc.constantFrom('include', 'config'), fc.nat(), fc.constant('')),
);

type Edit = [string, number, string];

function applyEdit(
  s: { path: string; text: string },
  files: Map<string, string>,
  [kind, at, text]: Edit,
): { path: string; text: string } {
  if (kind === 'include')
    files.set('/w/inc.smmu', at % 2 ? 'write32 CR0 CMDQEN\nconst IC = 5\nread32 CR0ACK' : 'mem write32 0x9000 7');
  if (kind === 'config')
    files.set('/w/qemu.smmu.json', preset(at % 2 ? 'smmuv3.2-full.smmu.json' : 'xen-vsmmu.smmu.json'));
  if (kind === 'include' || kind === 'config') return s;
  const lines = s.text.split('\n');
  const i = at % (lines.length + 1);
  if (kind === 'replace') lines.splice(i, 1, text);
  else if (kind === 'insert') lines.splice(i, 0, text);
  else lines.splice(i, 1);
  return { path: s.path, text: lines.join('\n') };
}

/** Keys that hold constants or memos rebuilt on demand (core/engine/snapshot.ts), not state. */
const NOT_STATE = new Set([
  'config',
  'ids',
  'fastRead',
  'fastWrite',
  'fastKeep',
  'fastGuard',
  'geometries',
  'decodedTargets',
  'memo',
  'changeLog',
  'findings',
  'effects',
]);

/** Everything reachable from `v` as plain data: Maps as entries, typed arrays as arrays, BigInts as text. */
function plain(v: unknown, path: Set<unknown> = new Set()): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return v;
  if (path.has(v)) return '<cycle>';
  path.add(v);
  try {
    if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
    if (Array.isArray(v)) return v.map((x) => plain(x, path));
    if (v instanceof Map) return [...v].map(([k, x]) => [plain(k, path), plain(x, path)]);
    if (v instanceof Set) return [...v].map((x) => plain(x, path));
    // An object with its own JSON form (an observation whose summary is made when read) is
    // compared by that form, summary included.
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return plain(toJSON.call(v), path);
    const o: Record<string, unknown> = { '<class>': v.constructor?.name };
    for (const k of Object.keys(v)) if (!NOT_STATE.has(k)) o[k] = plain((v as Record<string, unknown>)[k], path);
    return o;
  } finally {
    path.delete(v);
  }
}

/** The same model and the same run: compared as JSON, so a difference names its place. */
function assertSameRun(got: ModelAtLine, want: ModelAtLine, what: string): void {
  assert.deepEqual(plain(got.engine.smmu), plain(want.engine.smmu), `${what}: registers`);
  assert.deepEqual(plain(got.engine.memory), plain(want.engine.memory), `${what}: guest memory`);
  assert.deepEqual(plain(got.engine), plain(want.engine), `${what}: the engine`);
  assert.deepEqual(plain(got.state), plain(want.state), `${what}: the script's state`);
  assert.deepEqual(plain(got.lastWrite), plain(want.lastWrite), `${what}: the last-write map`);
  const { memory: _a, ...result } = got.result;
  const { memory: _b, ...wanted } = want.result;
  void _a;
  void _b;
  assert.deepEqual(plain(result), plain(wanted), `${what}: what the run reported`);
  assert.deepEqual(got.stoppedBy, want.stoppedBy, `${what}: the earliest error`);
}

const lineCount = (c: ScriptCheck) => c.resolved.parsed.lineLengths.length;

test('from the snapshots, the model up to a line is the model a run from line 1 gives (fast-check)', async () => {
  await fc.assert(
    fc.asyncProperty(
      script,
      runsOptions,
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('plain', 'sliced', 'cancelled')), { minLength: 1, maxLength: 6 }),
      async (s, options, calls) => {
        const check = checkScript(s.text, s.path, hostOf(folder()), 'syntax');
        const runs = new ModelRuns(options);
        for (const [n, how] of calls) {
          const at = n % (lineCount(check) + 2);
          const want = modelAtLine(check, at);
          if (how === 'cancelled') {
            // Stopped after its first pause: nothing, or (if it needed no pause) the whole answer.
            let pauses = 0;
            const got = await modelAtLineSliced(
              check,
              at,
              async () => void pauses++,
              () => pauses > 0,
              runs,
            );
            if (got) assertSameRun(got, want, `line ${at}, not cancelled`);
            continue;
          }
          const got =
            how === 'sliced'
              ? await modelAtLineSliced(
                  check,
                  at,
                  async () => undefined,
                  () => false,
                  runs,
                )
              : modelAtLine(check, at, runs);
          assert.ok(got);
          assertSameRun(got, want, `line ${at}`);
          assert.ok(runs.snapshotCount <= options.maxSnapshots, `${runs.snapshotCount} snapshots`);
          if (options.maxBytes !== undefined)
            assert.ok(runs.bytes <= options.maxBytes, `${runs.bytes} bytes of snapshots`);
        }
      },
    ),
    { seed: SEED, numRuns: 120 },
  );
});

test('after edits of the script, an included file or the configuration, the snapshots kept give a run from line 1 (fast-check)', async () => {
  await fc.assert(
    fc.asyncProperty(
      script,
      runsOptions,
      fc.array(fc.tuple(edit, fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
      async (first, options, steps) => {
        const files = folder();
        const host = hostOf(files);
        const runs = new ModelRuns(options);
        let s = first;
        let check = checkScript(s.text, s.path, host, 'syntax');
        modelAtLine(check, lineCount(check), runs);
        for (const [e, n1, n2] of steps) {
          s = applyEdit(s, files, e as Edit);
          check = checkScript(s.text, s.path, host, 'syntax');
          for (const n of [n1, n2]) {
            const at = n % (lineCount(check) + 2);
            assertSameRun(modelAtLine(check, at, runs), modelAtLine(check, at), `after ${e[0]} at ${e[1]}, line ${at}`);
          }
        }
      },
    ),
    { seed: SEED, numRuns: 120 },
  );
});

test('the generated cases restore snapshots, thin them, stop at errors and see edited includes', () => {
  // Guards the properties above against generators that stopped exercising what they are about.
  const samples = fc.sample(fc.tuple(script, runsOptions), { seed: SEED, numRuns: 120 });
  let restored = 0;
  let thinned = 0;
  let stopped = 0;
  for (const [s, options] of samples) {
    const check = checkScript(s.text, s.path, hostOf(folder()), 'syntax');
    const runs = new ModelRuns(options);
    const end = modelAtLine(check, lineCount(check), runs);
    if (end.stoppedBy) stopped++;
    if (runs.interval > (options.interval ?? 0)) thinned++;
    modelAtLine(check, lineCount(check), runs);
    if (runs.last.restoredFrom > 0) restored++;
  }
  assert.ok(restored > 30, `${restored} of 120 restored a snapshot`);
  assert.ok(thinned > 10, `${thinned} of 120 thinned their snapshots`);
  assert.ok(stopped > 10, `${stopped} of 120 stopped at an earliest error`);
  assert.ok(fixtures.length >= 5, 'the examples and the test workspace scripts are found');
});

// --- what the snapshots are for ------------------------------------------------------------------

const LONG = longScript(2000);
const longHost = hostOf(new Map());
/** How many top-level statements lie on lines before `lineNo` (0-based): a run up to `lineNo - 1` runs these. */
const at = (check: ScriptCheck, lineNo: number) =>
  check.resolved.statements.filter((st) => st.range.start.line < lineNo).length;

test('a cursor move re-runs from the nearest snapshot, at most one interval of statements', () => {
  const check = checkScript(LONG, '/tmp/long.smmu', longHost, 'syntax');
  const runs = new ModelRuns({ interval: 128 });
  modelAtLine(check, 1900, runs);
  assert.deepEqual(runs.last, { restoredFrom: 0, ran: at(check, 1901) }, 'the first run starts at line 1');
  assert.equal(runs.snapshotCount, Math.floor(at(check, 1901) / 128));
  for (const lineNo of [1850, 1000, 129]) {
    const got = modelAtLine(check, lineNo, runs);
    const target = at(check, lineNo + 1);
    assert.equal(
      runs.last.restoredFrom,
      Math.floor(target / 128) * 128,
      `line ${lineNo}: the nearest snapshot at or before it`,
    );
    assert.ok(runs.last.ran < 128, `line ${lineNo}: ${runs.last.ran} statements re-run`);
    assertSameRun(got, modelAtLine(check, lineNo), `line ${lineNo}`);
  }
  // Past the furthest snapshot: from it, leaving more on the way.
  const furthest = Math.max(...runs.indexes);
  const got = modelAtLine(check, 1999, runs);
  assert.deepEqual(runs.last, { restoredFrom: furthest, ran: at(check, 2000) - furthest });
  assert.equal(Math.max(...runs.indexes), Math.floor(at(check, 2000) / 128) * 128);
  assertSameRun(got, modelAtLine(check, 1999), 'line 1999');
});

test('an edit keeps the snapshots before its line; a changed constant keeps those before its first use', () => {
  const lines = LONG.split('\n');
  const runs = new ModelRuns({ interval: 64 });
  modelAtLine(checkScript(LONG, '/tmp/long.smmu', longHost, 'syntax'), 1990, runs);
  // An expected value changed on the first GERROR read from line 1001 on.
  const edited = lines.findIndex((l, i) => i >= 1000 && l.startsWith('read32 GERROR == 0'));
  lines[edited] = lines[edited]?.replace('read32 GERROR == 0', 'read32 GERROR == 1') ?? '';
  let check = checkScript(lines.join('\n'), '/tmp/long.smmu', longHost, 'syntax');
  let got = modelAtLine(check, 1990, runs);
  assert.equal(
    runs.last.restoredFrom,
    Math.floor(at(check, edited) / 64) * 64,
    'restored from the last snapshot before the edit',
  );
  assert.ok(
    got.result.diagnostics.some((d) => d.code === 'expect.failed' && d.range.start.line === edited),
    'the edited line ran again',
  );
  assertSameRun(got, modelAtLine(check, 1990), 'after the edit');
  // A constant defined near the top and first used at line 1501: the statements before the use
  // are the same, so are their snapshots; the use and everything after run again.
  const withConst = [
    'const CR2VAL = 0x10000000',
    ...lines.slice(1, 1500),
    'write32 CR2 CR2VAL >> 28',
    ...lines.slice(1501),
  ];
  withConst.splice(1, 0, lines[0] as string);
  const text = (v: string) => withConst.join('\n').replace('const CR2VAL = 0x10000000', `const CR2VAL = ${v}`);
  check = checkScript(text('0x10000000'), '/tmp/long.smmu', longHost, 'syntax');
  modelAtLine(check, 1990, runs);
  check = checkScript(text('0x20000000'), '/tmp/long.smmu', longHost, 'syntax');
  got = modelAtLine(check, 1990, runs);
  const use = at(check, 1501);
  assert.ok(
    runs.last.restoredFrom > 1000 && runs.last.restoredFrom <= use,
    `restored from statement ${runs.last.restoredFrom}, the use is statement ${use}`,
  );
  assertSameRun(got, modelAtLine(check, 1990), 'after the constant changed');
});

test('a changed included file drops the snapshots after the include; another configuration drops them all', () => {
  const files = new Map([
    ['/w/c.smmu.json', preset('qemu.smmu.json')],
    ['/w/inc.smmu', 'mem write32 0x9000 7'],
  ]);
  const host = hostOf(files);
  const lines = longScript(2000, 'c.smmu.json').split('\n');
  lines.splice(1200, 0, 'include "inc.smmu"');
  const text = lines.join('\n');
  const runs = new ModelRuns({ interval: 64 });
  modelAtLine(checkScript(text, '/w/s.smmu', host, 'syntax'), 1990, runs);
  files.set('/w/inc.smmu', 'mem write32 0x9000 8');
  let check = checkScript(text, '/w/s.smmu', host, 'syntax');
  let got = modelAtLine(check, 1990, runs);
  assert.equal(
    runs.last.restoredFrom,
    Math.floor(at(check, 1200) / 64) * 64,
    'restored from the last snapshot before the include',
  );
  assertSameRun(got, modelAtLine(check, 1990), 'after the included file changed');
  assert.equal(got.engine.memory.read32(0x9000), 8, 'the new include ran');
  files.set('/w/c.smmu.json', preset('smmuv3.2-full.smmu.json'));
  check = checkScript(text, '/w/s.smmu', host, 'syntax');
  got = modelAtLine(check, 1990, runs);
  assert.equal(runs.last.restoredFrom, 0, 'another configuration: from line 1');
  assertSameRun(got, modelAtLine(check, 1990), 'after the configuration changed');
});

test('an error before the line stops the model there, from the snapshots too', () => {
  const lines = LONG.split('\n');
  const runs = new ModelRuns({ interval: 64 });
  modelAtLine(checkScript(LONG, '/tmp/long.smmu', longHost, 'syntax'), 1990, runs);
  lines[1000] = 'wrte32 CR0 1';
  const check = checkScript(lines.join('\n'), '/tmp/long.smmu', longHost, 'syntax');
  const got = modelAtLine(check, 1990, runs);
  assert.equal(got.stoppedBy?.range.start.line, 1000);
  assert.ok(
    got.result.observations.every((o) => o.line < 1000),
    'nothing on or after the error ran',
  );
  assert.ok(runs.last.restoredFrom > 0 && runs.last.restoredFrom <= at(check, 1000));
  assertSameRun(got, modelAtLine(check, 1990), 'with the error');
});

test('snapshots stay within their byte budget: none are taken past it, the earlier ones stay', () => {
  // Each line writes a new 4 KB page of guest memory: a snapshot holds every page written before it.
  const text = Array.from(
    { length: 600 },
    (_, i) => `mem write32 0x${(0x1000_0000 + i * 0x1000).toString(16)} ${i}`,
  ).join('\n');
  const check = checkScript(text, '/tmp/pages.smmu', longHost, 'syntax');
  const budget = 256 * 1024;
  const runs = new ModelRuns({ interval: 8, maxBytes: budget });
  modelAtLine(check, 599, runs);
  const furthest = Math.max(...runs.indexes);
  assert.ok(runs.bytes <= budget, `${runs.bytes} bytes`);
  // 256 KiB hold about 60 pages of 4 KB (and the snapshots' other objects): the snapshots stop there.
  assert.ok(furthest >= 32 && furthest <= 64, `snapshots up to statement ${furthest}`);
  for (const lineNo of [500, 20]) {
    const got = modelAtLine(check, lineNo, runs);
    assert.equal(runs.last.restoredFrom, Math.min(furthest, Math.floor((lineNo + 1) / 8) * 8), `line ${lineNo}`);
    assertSameRun(got, modelAtLine(check, lineNo), `line ${lineNo}`);
  }
  assert.equal(Math.max(...runs.indexes), furthest, 'no snapshots past the budget');
});

test('a cancelled run keeps the snapshots it took; the next run starts from them', async () => {
  const check = checkScript(LONG, '/tmp/long.smmu', longHost, 'syntax');
  const runs = new ModelRuns({ interval: 64 });
  let pauses = 0;
  const cancelled = await modelAtLineSliced(
    check,
    1990,
    async () => void pauses++,
    () => pauses >= 3,
    runs,
  );
  assert.equal(cancelled, undefined);
  assert.ok(runs.snapshotCount > 0, 'snapshots taken before the cancellation');
  const furthest = Math.max(...runs.indexes);
  const got = modelAtLine(check, 1990, runs);
  assert.equal(runs.last.restoredFrom, furthest);
  assertSameRun(got, modelAtLine(check, 1990), 'after the cancelled run');
});

test('runs that overlap (an edit while a view waits for its run) leave only snapshots of their own version', async () => {
  const lines = LONG.split('\n');
  const first = checkScript(LONG, '/tmp/long.smmu', longHost, 'syntax');
  lines[700] = 'write32 CR2 RECINVSID';
  const second = checkScript(lines.join('\n'), '/tmp/long.smmu', longHost, 'syntax');
  const runs = new ModelRuns({ interval: 32 });
  const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
  // Interleaved at every pause: the first version's run, the second's, and the first's again.
  const [a, b, c] = await Promise.all([
    modelAtLineSliced(first, 1990, pause, () => false, runs),
    modelAtLineSliced(second, 1990, pause, () => false, runs),
    modelAtLineSliced(first, 1500, pause, () => false, runs),
  ]);
  assert.ok(a && b && c);
  assertSameRun(a, modelAtLine(first, 1990), 'the first version');
  assertSameRun(b, modelAtLine(second, 1990), 'the second version');
  assertSameRun(c, modelAtLine(first, 1500), 'the first version again');
  for (const [check, lineNo] of [
    [first, 1990],
    [second, 1990],
    [first, 1200],
    [second, 600],
  ] as const) {
    assertSameRun(modelAtLine(check, lineNo, runs), modelAtLine(check, lineNo), `then line ${lineNo}`);
  }
});
