/**
 * The fuzz properties of `npm run fuzz` (test/fuzz, docs/fuzzing.md) with fixed seeds and few
 * cases, so that every file type goes through every entry point on each run of the unit suite:
 * core's checkers and the debugger runtime in a watched worker (a hang or a heap exhausted fails
 * the test instead of stalling it), then the CLI, the language server and the debug adapter as
 * processes, one mutated file of each type.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import fc from 'fast-check';
import { CORE_PROPERTIES } from '../fuzz/core-properties';
import {
  checkCli,
  checkDap,
  describeEntryCase,
  entryCase,
  fuzzFolder,
  LspFuzz,
  type EntryCase,
} from '../fuzz/entry-properties';
import { Guard } from '../fuzz/guard';
import { applyMutations, corpus, FILE_KINDS, type FileKind } from '../fuzz/mutate';
import { lineLengths } from '../fuzz/oracle';

const SEED = 14;

/** Cases per in-process property: the configuration one checks every example against each case. */
const RUNS: Record<string, number> = {
  'mutated .smmu scripts: checkScript (full) and formatScript': 60,
  'mutated .smmuq queue descriptors: checkQueueFile': 60,
  'mutated .smmutrace traces and QEMU logs: checkTrace (parse and replay)': 60,
  'mutated *.smmu.json configurations: loadConfig, and as the configuration of every example': 10,
  'mutated files of every type: the debugger runtime launches (or refuses with a position) and runs to the end': 60,
  "mutated guest reports: judgeReport, LiveJudge and parseGuestReport never throw, findings at the script's lines": 200,
  'mutated .smmu scripts: compileScript, the guest program and the C kit (or their typed refusal)': 60,
  "mutated DMA reports and QEMU traces: judgeReport never throws, findings at the script's lines": 100,
  "gdbstub byte streams (QEMU 7.2's, mutated, in random chunks): the packet reader refuses only with GdbProtocolError and never yields a packet above its limit": 500,
  "QEMU's memory map text, mutated: ramFromMemoryMap never throws and gives ranges that are not empty": 200,
  'result cache entries, mutated (and half of them sealed again with a valid checksum): the reader never throws and serves only a whole entry made for the key, holding diagnostics': 300,
};

test('the corpus holds every file type; mutations are deterministic data', () => {
  const files = corpus();
  for (const k of FILE_KINDS)
    assert.ok(
      files.some((f) => f.kind === k),
      k,
    );
  const text = 'R 0x24 4 0x1f\nW 0x20 4 0x0\n';
  assert.equal(applyMutations(text, [{ op: 'insert', at: 13, text: '\f' }]), 'R 0x24 4 0x1f\f\nW 0x20 4 0x0\n');
  assert.equal(
    applyMutations(text, [{ op: 'replaceNumber', n: 2, text: '0x' + 'f'.repeat(40) }]),
    `R 0x24 4 0x${'f'.repeat(40)}\nW 0x20 4 0x0\n`,
  );
  assert.equal(
    applyMutations(text, [
      { op: 'duplicateLine', line: 1 },
      { op: 'deleteLine', line: 0 },
    ]),
    'W 0x20 4 0x0\nW 0x20 4 0x0\n',
  );
  assert.equal(applyMutations(text, [{ op: 'truncate', at: 18 + 28 }]), 'R 0x24 4 0x1f\nW 0x');
  // A file long enough for checks in several slices: repeated whole, a line break between copies.
  assert.equal(applyMutations(text, [{ op: 'repeat', times: 3 }]), text.repeat(3));
  assert.equal(applyMutations('a\nb', [{ op: 'repeat', times: 2 }]), 'a\nb\na\nb');
  assert.deepEqual(lineLengths('a\r\nbc\rd\u2028e\n'), [1, 2, 3, 0]);
});

const guard = new Guard();
after(() => guard.close());

for (const [name, numRuns] of Object.entries(RUNS)) {
  test(`${name} (seed ${SEED}, ${numRuns} cases)`, async () => {
    assert.ok(CORE_PROPERTIES[name], name);
    const r = await guard.run({ name, seed: SEED, numRuns });
    assert.equal(r.failure, undefined, r.failure);
    assert.equal(r.numRuns, numRuns);
  });
}

/** One mutated file of each type (seed SEED), for the process-level properties. */
const perKind = (kind: FileKind): EntryCase => fc.sample(entryCase([kind]), { seed: SEED, numRuns: 1 })[0] as EntryCase;

let dir = '';
let lsp: LspFuzz | undefined;
before(async () => {
  dir = fuzzFolder();
  lsp = await LspFuzz.start();
});
after(async () => {
  await lsp?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const kind of FILE_KINDS) {
  const c = perKind(kind);
  test(`a mutated ${kind} file through the CLI, the language server and the debug adapter: ${describeEntryCase(c).slice(0, 160)}`, async () => {
    checkCli(dir, c);
    assert.ok(lsp);
    await lsp.check(c);
    await checkDap(dir, c);
  });
}
