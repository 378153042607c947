/**
 * Trace files in the language server through the real protocol (`node dist/server.js --stdio`
 * driven by a JSON-RPC client): replay divergences as diagnostics with codes linked to
 * docs/trace-replay.md, and the side-by-side hover.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import * as path from 'path';
import { msg, serverForTests } from '../../harness/lsp-harness';
import { root } from '../../harness/root';

const lsp = serverForTests('smmu-trace-lsp-');
const { diagnosticsFor, file, open } = lsp;

const hoverText = async (uri: string, line: number, character = 2): Promise<string> => {
  const h = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line, character },
  })) as Hover | null;
  return h && typeof h.contents === 'object' && 'value' in h.contents ? (h.contents as MarkupContent).value : '';
};

const PROBE = [
  'R 0x00 4 0x0D44101A',
  'R 0x04 4 0x02730010',
  'R 0x0C 4 0x00001404',
  'R 0x14 4 0x00000074',
  'R 0x18 4 0x0000043B',
  'R 0x1C 4 0x1',
];

test('a .smmutrace: divergences at their lines with rule codes linked to the docs; syntax errors at the token', async () => {
  const text = [...PROBE, 'W 0x20 4 0x1F', 'R 0x24 4 0x1F', 'R 0x100A8 4 abort', 'R 0x20 4 nope'].join('\n');
  const f = file('seed.smmutrace', text);
  open(f.uri, text, 'smmutrace');
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'replay.ack-unadvertised'));
  const ack = diags.find((d) => d.code === 'replay.ack-unadvertised' && /PRIQEN must not be acknowledged/.test(msg(d)));
  assert.ok(ack, JSON.stringify(diags.map(msg)));
  assert.equal(ack.range.start.line, 7);
  assert.equal(ack.range.start.character, 9);
  assert.equal(ack.severity, 1);
  assert.match(ack.codeDescription?.href ?? '', /docs\/trace-replay\.md$/);
  assert.ok(diags.some((d) => d.code === 'replay.abort' && d.range.start.line === 8));
  const syn = diags.find((d) => d.code === 'trace.syntax');
  assert.equal(syn?.range.start.line, 9);
  assert.equal(syn?.range.start.character, 9);
});

test('hover on a read decodes the emulation and the model side by side, differing fields marked', async () => {
  const text = [...PROBE, 'W 0x20 4 0x1F', 'R 0x24 4 0x1F'].join('\n');
  const f = file('hover.smmutrace', text);
  open(f.uri, text, 'smmutrace');
  const diags = await diagnosticsFor(f.uri, (d) => d.length > 0);
  const v = await hoverText(f.uri, 7);
  assert.match(v, /\*\*SMMU_CR0ACK\*\* \(§6\.3\.10\) — Read of 32 bits at 0x00000024/);
  assert.match(v, /\| value \| `0x0000001F` \| `0x0000000D` \|/);
  assert.match(v, /\| \*\*≠\*\* PRIQEN\[1\] \| 1 ENABLED ⚠ not advertised \| 0 DISABLED \|/);
  assert.match(v, /\| CMDQEN\[3\] \| 1 ENABLED \| 1 ENABLED \|/);
  // The replay's finding on the line is its diagnostic, which the editor shows in the same hover:
  // the hover's own text does not repeat it.
  assert.ok(
    diags.some(
      (d) =>
        d.range.start.line === 7 &&
        /SMMU_CR0ACK returned 0x0000001F but SMMU_IDR0 advertises no PRI/.test(String(d.message)),
    ),
  );
  assert.doesNotMatch(v, /advertises no PRI/);
  assert.equal(await hoverText(f.uri, 20), '');
  const w = await hoverText(f.uri, 6);
  assert.match(w, /\*\*SMMU_CR0\*\* \(§6\.3\.9\) — Write of 32 bits/);
  assert.match(w, /\| PRIQEN\[1\] \| 1 ENABLED ⚠ not advertised \|/);
});

test('§6.2.5: hover on an access to an ECMDQ register names the register', async () => {
  const config = path.join(root, 'examples', 'ecmdq.smmu.json');
  const text = [`config "${config}"`, 'W 0x20008 4 0x80000000', 'R 0x2000C 4 0x0'].join('\n');
  const f = file('ecmdq-hover.smmutrace', text);
  open(f.uri, text, 'smmutrace');
  await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'replay.value'));
  assert.match(await hoverText(f.uri, 2), /^\*\*SMMU_ECMDQ_CONS0\*\* — Read of 32 bits at 0x0002000C/);
  assert.match(await hoverText(f.uri, 1), /^\*\*SMMU_ECMDQ_PROD0\*\* — Write of 32 bits/);
});

test('a QEMU log opened by name is replayed too; editing the trace re-checks it', async () => {
  const text = [
    'smmuv3_read_mmio addr: 0x0 val:0xd40101a size: 0x4(0)',
    'smmuv3_read_mmio addr: 0x3c val:0x0 size: 0x4(1)',
  ].join('\n');
  const f = file('boot.qemu-7.2.log', text);
  open(f.uri, text, 'smmutrace');
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'replay.abort'));
  assert.equal(diags.find((d) => d.code === 'replay.abort')?.range.start.line, 1);
  void lsp.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: f.uri, version: lsp.server.nextVersion() },
    contentChanges: [{ text: text.replace('size: 0x4(1)', 'size: 0x4(0)') }],
  });
  await diagnosticsFor(f.uri, (d) => !d.some((x) => x.code === 'replay.abort'));
  // Trace files are not scripts: no formatting edits, no completion.
  const edits = (await lsp.conn.sendRequest('textDocument/formatting', {
    textDocument: { uri: f.uri },
    options: { tabSize: 2, insertSpaces: true },
  })) as unknown[];
  assert.deepEqual(edits, []);
});

test("a trace's `config` file: editing it replays the trace again against the new values", async () => {
  const cfgText = '{ "base": "qemu" }';
  const cfg = file('t/c.smmu.json', cfgText);
  open(cfg.uri, cfgText, 'json');
  const text = ['config "c.smmu.json"', 'R 0x00 4 0x0D44101A', 'R 0x24 4 0x0'].join('\n');
  const f = file('t/with-config.smmutrace', text);
  open(f.uri, text, 'smmutrace');
  const first = await diagnosticsFor(f.uri);
  assert.deepEqual(
    first.filter((d) => d.severity === 1),
    [],
  );
  void lsp.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: cfg.uri, version: lsp.server.nextVersion() },
    contentChanges: [{ text: '{ "base": "qemu", "registers": { "IDR0": "0x0D40101A" } }' }],
  });
  const after = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'replay.id'));
  assert.equal(after.find((d) => d.code === 'replay.id')?.range.start.line, 1);
});

test('a trace holding a form feed: the server publishes its diagnostics and keeps answering (issue 14)', async () => {
  // The trace tokenizer looped on \f until the server's heap ran out.
  const text = 'R 0x24 4 0x1f\f\nR 0x20 4 nope\n';
  const f = file('ff.smmutrace', text);
  open(f.uri, text, 'smmutrace');
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'trace.syntax'));
  assert.equal(diags.find((d) => d.code === 'trace.syntax')?.range.start.line, 1);
  assert.match(await hoverText(f.uri, 0), /SMMU_CR0ACK/);
});

test('a multi-vCPU trace with a reordered read on every third line: the first 100 judgements, and a note counting the rest', async () => {
  // vCPU 0 reads back vCPU 1's value although its own write came after (mvcpu.reordered): 130
  // times. Judgements past the cap are counted without a message (core/trace/report.ts
  // replaceUnshown); the editor gets the same note as for any other code past its cap.
  const lines = [...PROBE];
  for (let i = 0; i < 130; i++) lines.push('W 0x28 4 0x5 1', 'W 0x28 4 0x7 0', 'R 0x28 4 0x5 0');
  const text = lines.join('\n');
  const f = file('mvcpu-capped.smmutrace', text);
  open(f.uri, text, 'smmutrace');
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'trace.capped'));
  const reordered = diags.filter((d) => d.code === 'mvcpu.reordered');
  assert.equal(reordered.length, 100);
  assert.deepEqual(
    reordered.slice(0, 2).map((d) => d.range.start.line),
    [PROBE.length + 2, PROBE.length + 5],
  );
  assert.equal(reordered.at(-1)?.range.start.line, PROBE.length + 3 * 99 + 2);
  const note = diags.find((d) => d.code === 'trace.capped' && /mvcpu\.reordered/.test(msg(d)));
  assert.ok(note, JSON.stringify(diags.filter((d) => d.code === 'trace.capped').map(msg)));
  assert.equal(note.range.start.line, PROBE.length + 3 * 100 + 2);
  // The last reordered read: 0-based line PROBE.length + 3 × 129 + 2, said 1-based.
  assert.equal(
    msg(note),
    `30 more mvcpu.reordered diagnostics not shown (the first 100 are), from here to line ${PROBE.length + 3 * 129 + 3}; \`smmu replay\` counts them all`,
  );
});

test('a trace with a divergence on every line: the first 100 of each code, and a note with how many more and where', async () => {
  const lines = [...PROBE];
  for (let i = 0; i < 130; i++) lines.push('W 0x28 4 0xd75', 'R 0x28 4 0xd74');
  const text = lines.join('\n');
  const f = file('every-line.smmutrace', text);
  open(f.uri, text, 'smmutrace');
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'trace.capped'));
  const values = diags.filter((d) => d.code === 'replay.value');
  assert.equal(values.length, 100);
  assert.equal(values.at(-1)?.range.start.line, PROBE.length + 2 * 99 + 1);
  const capped = diags.filter((d) => d.code === 'trace.capped');
  assert.equal(capped.length, 1);
  assert.equal(capped[0]?.severity, 3);
  assert.equal(capped[0]?.range.start.line, PROBE.length + 2 * 100 + 1);
  assert.match(
    msg(capped[0] as (typeof diags)[number]),
    /^30 more replay\.value diagnostics not shown \(the first 100 are\), from here to line 266; `smmu replay` counts them all/,
  );
});
