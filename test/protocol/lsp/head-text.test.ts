/**
 * headText and headLines (server/lsp/workspace.ts) give what TextDocument gives for the head of a
 * document, without its table of line offsets: the first screen's inlay hints and semantic tokens
 * read them while a script's first check runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { headLines, headText } from '../../../server/lsp/workspace';

const line = fc.string({ maxLength: 6 }).map((s) => s.replace(/[\r\n]/g, 'x'));
const lineBreak = fc.constantFrom('\n', '\r\n', '\r');
const text = fc
  .array(fc.tuple(line, lineBreak), { maxLength: 12 })
  .chain((parts) => fc.tuple(fc.constant(parts.map(([l, b]) => l + b).join('')), fc.oneof(fc.constant(''), line)))
  .map(([body, tail]) => body + tail);

test('headText is getText up to the start of line last + 1, for any line breaks and any last', () => {
  fc.assert(
    fc.property(text, fc.nat(16), (t, last) => {
      const doc = TextDocument.create('file:///x.smmu', 'smmu', 1, t);
      assert.equal(
        headText(doc, last),
        doc.getText({ start: { line: 0, character: 0 }, end: { line: last + 1, character: 0 } }),
      );
      const lines = headLines(doc, last);
      assert.equal(lines.length, Math.min(last + 1, doc.lineCount));
      lines.forEach((l, i) =>
        assert.equal(
          l,
          doc
            .getText({ start: { line: i, character: 0 }, end: { line: i + 1, character: 0 } })
            .replace(/\r?\n$|\r$/, ''),
        ),
      );
    }),
    { numRuns: 2000, seed: 20261206 },
  );
});

test('headText of an empty document and of one without a line break', () => {
  const empty = TextDocument.create('file:///x.smmu', 'smmu', 1, '');
  assert.equal(headText(empty, 0), '');
  assert.deepEqual(headLines(empty, 3), ['']);
  const one = TextDocument.create('file:///x.smmu', 'smmu', 1, 'cmd SYNC');
  assert.deepEqual(headLines(one, 0), ['cmd SYNC']);
  assert.deepEqual(headLines(one, 5), ['cmd SYNC']);
});
