/**
 * The script forms a conformance suite needs (issue 23), through the real protocol: expected
 * aborts (diagnostics, inlay hints, hover, completion, semantic tokens), `*` `/` `%` with division
 * by zero at the operator, `expect event … count=N` in completion and signature help, and `==`
 * refused after a statement that compares nothing. The server's default configuration is QEMU's
 * preset, which aborts 8-, 16-bit and unaligned accesses (docs/configuration.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletionItem, Hover, MarkupContent, SignatureHelp } from 'vscode-languageserver-protocol/node';
import { msg, serverForTests } from '../../harness/lsp-harness';

const lsp = serverForTests('smmu-lsp-conformance-');
const { diagnosticsFor, file, open } = lsp;

const TEXT = [
  'read16 0x0022 == abort', // 0: holds (QEMU's preset aborts 16-bit accesses)
  'read32 CR0 == abort', // 1: a legal access: fails
  'read16 0x0022', // 2: the same abort without an expectation: the access.abort error
  'write64 CMDQ_BASE 0x40000000 + 2 * 0x1000 | LOG2SIZE=16 / 2', // 3
  'write32 CR0 4 / (2 - 2)', // 4: division by zero
].join('\n');

test('expected aborts, arithmetic and division by zero: diagnostics at the expectation and the operator', async () => {
  const f = file('aborts.smmu', TEXT);
  open(f.uri, TEXT);
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'value.division-by-zero'));
  const at = (l: number) =>
    diags.filter((d) => d.range.start.line === l).map((d) => [d.severity, d.code, d.range.start.character]);
  // Severity 3 is information: the illegal access is what line 0 tests.
  assert.deepEqual(at(0), [[3, 'access.size', 7]]);
  assert.deepEqual(at(1), [[1, 'expect.failed', 11]]);
  assert.match(
    msg(diags.find((d) => d.range.start.line === 1) ?? diags[0]!),
    /did not abort, and no configuration choice makes it abort: it is a legal access to SMMU_CR0/,
  );
  assert.deepEqual(at(2), [
    [1, 'access.size', 7],
    [1, 'access.abort', 7],
  ]);
  assert.deepEqual(at(3), []);
  assert.deepEqual(at(4), [[1, 'value.division-by-zero', 14]]);
});

test('inlay hints show an aborted access as → abort, not as a value; hover explains the abort expectation', async () => {
  const f = file('aborts-hints.smmu', TEXT);
  open(f.uri, TEXT);
  await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'expect.failed'));
  // Line 4 has an error, so the model runs lines 0-3.
  const hints = (await lsp.conn.sendRequest('textDocument/inlayHint', {
    textDocument: { uri: f.uri },
    range: { start: { line: 0, character: 0 }, end: { line: 4, character: 0 } },
  })) as { position: { line: number }; label: string }[];
  const on = (l: number) => hints.filter((h) => h.position.line === l).map((h) => h.label);
  assert.deepEqual(on(0), ['→ abort']);
  assert.deepEqual(on(1), ['→ 0x00000000 0']);
  assert.deepEqual(on(2), ['→ abort']);
  assert.deepEqual(on(3), ['0x0000000040002008']);
  const h = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: f.uri },
    position: { line: 0, character: 19 },
  })) as Hover;
  const value = (h.contents as MarkupContent).value;
  assert.match(value, /^\*\*Expected abort\*\*: the access must take an external abort\./);
  assert.match(value, /choices\.illegalAccess/);
  assert.match(value, /The model aborted this access\./);
  assert.deepEqual(h.range, { start: { line: 0, character: 14 }, end: { line: 0, character: 22 } });
});

async function completeAt(name: string, line: string): Promise<CompletionItem[]> {
  const f = file(name, line);
  open(f.uri, line);
  return (
    ((await lsp.conn.sendRequest('textDocument/completion', {
      textDocument: { uri: f.uri },
      position: { line: 0, character: line.length },
    })) as CompletionItem[] | null) ?? []
  );
}

test('completion: abort after == of an access; count= after a record\u2019s fields; signature help names count', async () => {
  assert.deepEqual(
    (await completeAt('c-read.smmu', 'read32 CR0 == ')).map((i) => i.label),
    ['abort'],
  );
  assert.deepEqual(
    (await completeAt('c-write.smmu', 'write16 CR0 1 != ')).map((i) => i.label),
    ['abort'],
  );
  const ev = (await completeAt('c-event.smmu', 'expect event F_TRANSLATION StreamID=1 ')).map((i) => i.label);
  // StreamID is given already (a second would be an error); the record's other fields are offered.
  assert.ok(!ev.includes('StreamID') && ev.includes('InputAddr'), ev.join(' '));
  assert.equal(ev[ev.length - 1], 'count=');
  const line = 'expect event F_TRANSLATION StreamID=1 cou';
  const f = file('s-event.smmu', line);
  open(f.uri, line);
  const s = (await lsp.conn.sendRequest('textDocument/signatureHelp', {
    textDocument: { uri: f.uri },
    position: { line: 0, character: line.length },
  })) as SignatureHelp;
  const sig = s.signatures[0];
  assert.match(sig?.label ?? '', /^F_TRANSLATION\(.*InputAddr, IPA, count\)$/);
  assert.equal(sig?.parameters?.[s.activeParameter ?? 0]?.label, 'count');
});

test('semantic tokens: abort after == of an access is a keyword; == after a statement that compares nothing is an error there', async () => {
  const text = ['read32 GBPA == abort', 'read32 GBPA == ABORT', 'cmd SYNC == 1'].join('\n');
  const f = file('sem-abort.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'syntax.no-expectation'));
  assert.deepEqual(
    diags
      .filter((d) => d.code === 'syntax.no-expectation')
      .map((d) => [d.range.start.line, d.range.start.character, d.range.end.character]),
    [[2, 9, 11]],
  );
  assert.ok(diags.some((d) => d.code === 'name.ambiguous' && d.range.start.line === 0));
  const r = (await lsp.conn.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri: f.uri } })) as {
    data: number[];
  };
  const types = [
    'keyword',
    'variable',
    'property',
    'enumMember',
    'number',
    'string',
    'comment',
    'function',
    'event',
    'operator',
  ];
  const out: [number, number, string][] = [];
  let line = 0;
  let start = 0;
  for (let i = 0; i < r.data.length; i += 5) {
    line += r.data[i] as number;
    start = (r.data[i] as number) === 0 ? start + (r.data[i + 1] as number) : (r.data[i + 1] as number);
    out.push([line, start, types[r.data[i + 3] as number] as string]);
  }
  const at = (l: number, c: number) => out.find((x) => x[0] === l && x[1] === c)?.[2];
  assert.equal(at(0, 15), 'keyword');
  // ABORT in capitals is the field GBPA.ABORT.
  assert.equal(at(1, 15), 'property');
});
