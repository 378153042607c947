/**
 * The one-pass check's memo of repeated lines (core/script/rebase.ts, StatementResolver.addLine):
 * a line answered from the memo must be exactly what resolving it afresh at its own line gives,
 * and a declaration between two identical lines must make the second resolve afresh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { StatementResolver } from '../../../core/script/resolve';
import { rebasable, rebase } from '../../../core/script/rebase';
import type { ResolvedStatement } from '../../../core/script/resolved';
import { checkScript, checkScriptStreamed, type ScriptHost } from '../../../core/script/check';
import { splitLines } from '../../../core/script/lexer';
import { engineScript, wellFormedScript } from '../../harness/script-helpers';
import { root } from '../../harness/root';

/** Every line of the bundled examples, and generated engine and register lines. */
function corpus(): string[] {
  const lines = new Set<string>();
  const dir = path.join(root, 'examples');
  for (const f of fs.readdirSync(dir))
    if (f.endsWith('.smmu')) for (const l of splitLines(fs.readFileSync(path.join(dir, f), 'utf8'))) lines.add(l);
  for (const s of fc.sample(fc.oneof(engineScript, wellFormedScript), { seed: 20261206, numRuns: 300 }))
    for (const l of splitLines(s)) lines.add(l);
  // Every kind of range a statement can carry: a field expectation, `== abort`, `secure`, a memory
  // expectation, a poll, a DMA expectation by name and by address.
  for (const l of [
    'read32 CR0ACK.SMMUEN == 1',
    'read32 GERROR == 0   # no command error',
    'write32 CR0 SMMUEN|CMDQEN == abort',
    'read32 S_CR0 secure == 0',
    'mem read64 0x40000000 == 0x1',
    'mem write32 0x40000010 0x5',
    'poll CR0ACK == SMMUEN',
    'dma read sid=1 iova=0x1000 == F_TRANSLATION',
    'dma read sid=1 iova=0x1010 == 0x80000010',
    'cmd TLBI_NH_VA asid=1 Address=0x1000 Leaf',
    'doorbell',
  ])
    lines.add(l);
  return [...lines];
}

/** What a fresh resolver makes of `text` alone at `line`. */
function resolvedAt(text: string, line: number): { statements: ResolvedStatement[]; diagnostics: number } {
  const r = new StatementResolver();
  r.addLine(text, line);
  const { statements, diagnostics } = r.take();
  return { statements, diagnostics: diagnostics.length };
}

test('a statement moved to another line is what resolving it there gives, ranges and all', () => {
  let moved = 0;
  for (const text of corpus()) {
    const at3 = resolvedAt(text, 3);
    const at9 = resolvedAt(text, 9);
    if (at3.statements.length !== 1 || at3.diagnostics !== 0) continue;
    const s = at3.statements[0] as ResolvedStatement;
    if (!rebasable(s)) continue;
    assert.deepStrictEqual(rebase(s, 9), at9.statements[0], text);
    moved++;
  }
  // The corpus must exercise the copy: most of its lines are statements without errors.
  assert.ok(moved > 200, `only ${moved} lines were moved`);
});

test('an identical line is answered from the memo, as resolved at its own line', () => {
  let hits = 0;
  for (const text of corpus()) {
    const r = new StatementResolver();
    r.addLine(text, 3);
    r.addLine(text, 9);
    const { statements } = r.take();
    const fresh = resolvedAt(text, 9);
    if (r.memoHits === 1) {
      hits++;
      assert.deepStrictEqual(statements[statements.length - 1], fresh.statements[0], text);
    }
  }
  assert.ok(hits > 200, `only ${hits} memo hits`);
});

test('a declaration between identical lines makes the second resolve afresh', async () => {
  // The constant makes SMMUEN ambiguous on line 3 (a warning there), not on line 1.
  const text = 'write32 CR0 SMMUEN\nconst SMMUEN = 0x80000000\nwrite32 CR0 SMMUEN\nwrite32 CR0 SMMUEN\n';
  const host: ScriptHost = { readFile: () => undefined, resolvePath: (_from, relative) => relative };
  const streamed = await checkScriptStreamed(
    text,
    '/w/a.smmu',
    host,
    {},
    async () => {},
    () => false,
  );
  const full = checkScript(text, '/w/a.smmu', host, 'full');
  const lines = (ds: readonly { range: { start: { line: number } }; code: string }[]) =>
    ds.map((d) => `${d.range.start.line}:${d.code}`);
  assert.deepStrictEqual(lines(streamed?.diagnostics ?? []), lines(full.diagnostics));
  assert.deepStrictEqual(lines(full.diagnostics), ['2:name.ambiguous', '3:name.ambiguous']);
  // Line 0 was kept and the constant dropped it; line 2 has a warning, so it is not kept and line 3
  // resolves afresh too.
  const r = new StatementResolver();
  splitLines(text).forEach((l, i) => r.addLine(l, i));
  assert.equal(r.memoHits, 0);
  assert.deepStrictEqual(
    r.take().diagnostics.map((d) => d.range.start.line),
    [2, 3],
  );
});
