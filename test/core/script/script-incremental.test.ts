/**
 * Incremental parsing (core/script/incremental.ts): after any sequence of edits, the result equals
 * a fresh parse of the whole text (fast-check, fixed seed), and only the edited lines are parsed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IncrementalParser } from '../../../core/script/incremental';
import { parseScript } from '../../../core/script/parser';
import { ResolveCache, resolveScript } from '../../../core/script/resolve';

/** Lines of every kind: statements, errors, comments, blanks, odd characters. */
const LINES = [
  'write32 CR0 SMMUEN|CMDQEN',
  'read32 CR0ACK == 0x5   # expected',
  'const Q = 0x40000000 | LOG2SIZE=8',
  'write64 CMDQ_BASE Q',
  'cmd CFGI_STE sid=3 Leaf',
  'doorbell',
  'dma read sid=1 iova=0x1000 == 0x80001000',
  'wrte32 CR0 1',
  'write32 CR0 (1 |',
  'write32 CR0 0xZZ',
  '# a comment',
  '',
  '   ',
  'read32 "unterminated',
  'write32 CR0 é',
  'mem write32 0x1000 7',
];

const line = fc.constantFrom(...LINES);
const text = fc.array(line, { maxLength: 40 });
/** Replace lines [at, at+remove) with `insert`. */
const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 5 }), insert: fc.array(line, { maxLength: 5 }) });

/** Call `check` on the lines as they start, then after each edit. */
function eachVersion(
  start: readonly string[],
  edits: readonly { at: number; remove: number; insert: readonly string[] }[],
  check: (lines: readonly string[]) => void,
): void {
  let lines = start;
  check(lines);
  for (const e of edits) {
    const at = Math.min(e.at, lines.length);
    lines = [...lines.slice(0, at), ...e.insert, ...lines.slice(at + e.remove)];
    check(lines);
  }
}

test('after random edits, the incremental parse equals a fresh parse of the whole text', () => {
  fc.assert(
    fc.property(text, fc.array(edit, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), (start, edits, nl) => {
      const parser = new IncrementalParser();
      eachVersion(start, edits, (lines) => {
        const t = lines.join(nl);
        const inc = parser.parse(t);
        const full = parseScript(t, { keepTokens: false });
        assert.deepEqual(inc, full);
      });
    }),
    { seed: 20261126, numRuns: 300 },
  );
});

test('after random edits, resolving with the kept resolutions equals resolving afresh (constants edited too)', () => {
  fc.assert(
    fc.property(text, fc.array(edit, { maxLength: 8 }), (start, edits) => {
      const parser = new IncrementalParser();
      const cache = new ResolveCache();
      eachVersion(start, edits, (lines) => {
        const t = lines.join('\n');
        const cached = resolveScript(parser.parse(t), undefined, undefined, cache);
        assert.deepEqual(cached, resolveScript(parseScript(t, { keepTokens: false })));
      });
    }),
    { seed: 20261126, numRuns: 300 },
  );
  // The cache is used: an unchanged document resolves every access from it.
  const parser = new IncrementalParser();
  const cache = new ResolveCache();
  const t = ['const Q = 0x40000000', 'write64 CMDQ_BASE Q', 'write32 CR0 SMMUEN', 'doorbell'].join('\n');
  resolveScript(parser.parse(t), undefined, undefined, cache);
  resolveScript(parser.parse(t), undefined, undefined, cache);
  assert.equal(cache.hits, 3);
  // A changed constant drops every kept resolution: the write of Q must see the new value.
  const t2 = t.replace('0x40000000', '0x50000000');
  const r = resolveScript(parser.parse(t2), undefined, undefined, cache);
  assert.equal(cache.hits, 0);
  assert.deepEqual(r, resolveScript(parseScript(t2, { keepTokens: false })));
});

test('only the edited lines are parsed again; lines after an insertion are moved, not parsed', () => {
  const parser = new IncrementalParser();
  const lines = Array.from({ length: 1000 }, (_, i) => LINES[i % 7] as string);
  parser.parse(lines.join('\n'));
  assert.equal(parser.lastParsed, 1000);
  lines[500] = 'read32 GERROR';
  const p = parser.parse(lines.join('\n'));
  assert.equal(parser.lastParsed, 1);
  assert.equal(parser.lastMoved, 0);
  assert.equal(p.statements.find((s) => s.range.start.line === 500)?.kind, 'register');
  lines.splice(10, 0, 'doorbell', 'doorbell');
  const q = parser.parse(lines.join('\n'));
  assert.equal(parser.lastParsed, 2);
  assert.equal(parser.lastMoved, 1000 - 10);
  assert.deepEqual(q, parseScript(lines.join('\n'), { keepTokens: false }));
  // Unchanged text: nothing parsed, nothing moved.
  parser.parse(lines.join('\n'));
  assert.equal(parser.lastParsed, 0);
});
