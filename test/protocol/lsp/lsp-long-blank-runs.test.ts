/**
 * Requests on scripts with long runs of blanks. The outline and the folding ranges of a script
 * whose section line holds one (the fuzzer's find: `# ---- test_w` then 20,000 form feeds inside
 * the title): the section pattern was a regular expression that backtracked for ever on it, so
 * both requests went unanswered and the server spun; sectionTitle (server/lsp/navigation.ts)
 * reads the line in one pass, and says what the expression said of every other line. And the
 * quick fix that removes an extra argument with the blanks before it (`/[ \t]+$/` was quadratic
 * in them; found by scanning every regular expression with `recheck`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverForTests } from '../../harness/lsp-harness';
import { sectionTitle } from '../../../server/lsp/navigation';

const lsp = serverForTests('smmu-lsp-outline-blanks-');

/** The expression the outline used, for lines it could read in reasonable time. */
const SECTION = /^\s*#\s*---+\s*(.*?)\s*-*\s*$/;

test('sectionTitle says what the section expression said, on every short line of its characters', () => {
  // Every line of up to 7 of these characters (line terminators excluded: `.` stops at them).
  const alphabet = [' ', '\f', '\u00a0', '#', '-', 'a', 'b'];
  let lines = [''];
  let compared = 0;
  for (let len = 1; len <= 7; len++) {
    const next: string[] = [];
    for (const l of lines) for (const c of alphabet) next.push(l + c);
    lines = next;
    for (const l of lines) {
      assert.equal(sectionTitle(l), SECTION.exec(l)?.[1], JSON.stringify(l));
      compared++;
    }
  }
  assert.ok(compared > 900_000, `${compared} lines`);
  assert.equal(sectionTitle('  # ---- Bring-up: CR0 ----  '), 'Bring-up: CR0');
  assert.equal(sectionTitle('# --'), undefined);
  assert.equal(sectionTitle('write32 CR0 0 # --- not a section'), undefined);
});

test(
  'a section line with 20,000 blanks inside: outline and folding ranges are answered',
  { timeout: 60_000 },
  async () => {
    const blanks = '\f'.repeat(20_000);
    const text = [
      '# ---- Stream table ----',
      'write32 CR0 0',
      `# ---- test_w${blanks}urns_fault: T0SZ 48 is outside 16..39 ----`,
      'read32 GERROR == 0',
      `cmd SYNC # ${blanks}x`,
      '',
    ].join('\n');
    const f = lsp.file('blanks.smmu', text);
    lsp.open(f.uri, text);
    await lsp.diagnosticsFor(f.uri);
    const symbols = (await lsp.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: f.uri } })) as {
      name: string;
      children?: { name: string }[];
    }[];
    assert.deepEqual(
      symbols.map((s) => s.name),
      ['Stream table', `test_w${blanks}urns_fault: T0SZ 48 is outside 16..39`],
    );
    assert.deepEqual(
      symbols[1]!.children?.map((c) => c.name),
      ['cmd SYNC'],
      'the outline names a command without its comment',
    );
    const folds = (await lsp.conn.sendRequest('textDocument/foldingRange', { textDocument: { uri: f.uri } })) as {
      startLine: number;
      endLine: number;
    }[];
    assert.deepEqual(
      folds.map((r) => [r.startLine, r.endLine]),
      [
        [0, 1],
        [2, 4],
      ],
    );
  },
);

test(
  'removing an extra argument after a run of 300,000 blanks and a word: the quick fix is offered',
  { timeout: 20_000 },
  async () => {
    // The blanks before the extra argument are counted back from it; the expression scanned the
    // long run again from each of its characters, since a word (`ns`) ends it (200,000 took 27 s).
    const blanks = ' \t'.repeat(150_000);
    const text = `doorbell${blanks}ns 7\n`;
    const f = lsp.file('extra.smmu', text);
    lsp.open(f.uri, text);
    const d = await lsp.diagnosticsFor(f.uri, (ds) => ds.some((x) => x.code === 'arg.extra'));
    const extra = d.find((x) => x.code === 'arg.extra')!;
    const actions = (await lsp.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: f.uri },
      range: extra.range,
      context: { diagnostics: [extra] },
    })) as { title: string; edit?: { changes?: Record<string, { range: { start: { character: number } } }[]> } }[];
    const starts = actions.flatMap((a) => (a.edit?.changes?.[f.uri] ?? []).map((e) => e.range.start.character));
    assert.ok(starts.includes(`doorbell${blanks}ns`.length), JSON.stringify(actions.map((a) => a.title)));
  },
);
