/**
 * The interrupt expectations (`expect irq`, `expect msi`, `expect no irq`) and `reset` in the
 * editor, through the real protocol: completion, signature help, hovers, inlay hints, semantic
 * tokens, diagnostics, and a `config` line after `reset` that the checks load and decode with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { CompletionItem, Hover, MarkupContent, SignatureHelp } from 'vscode-languageserver-protocol/node';
import { msg, serverForTests } from '../../harness/lsp-harness';
import { root } from '../../harness/root';

const lsp = serverForTests('smmu-lsp-irq-reset-');
const { diagnosticsFor, file, open } = lsp;

const FULL = fs.readFileSync(path.join(root, 'presets', 'smmuv3.2-full.smmu.json'), 'utf8');
const QEMU = fs.readFileSync(path.join(root, 'presets', 'qemu.smmu.json'), 'utf8');

/** Queues and a linear stream table under a configuration with MSIs, the event queue interrupt by MSI. */
const SETUP = [
  'config "full.smmu.json"',
  'write64 STRTAB_BASE 0x40000000',
  'write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8',
  'write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4',
  'write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=3',
  'write64 EVENTQ_IRQ_CFG0 0x50000000',
  'write32 EVENTQ_IRQ_CFG1 0x77',
  'write32 IRQ_CTRL EVENTQ_IRQEN',
  'write32 CR0 SMMUEN|CMDQEN|EVENTQEN',
  'dma read sid=3 iova=0 == C_BAD_STE',
];

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

async function signatureAt(name: string, line: string): Promise<{ label: string; active: string | undefined } | null> {
  const f = file(name, line);
  open(f.uri, line);
  const h = (await lsp.conn.sendRequest('textDocument/signatureHelp', {
    textDocument: { uri: f.uri },
    position: { line: 0, character: line.length },
  })) as SignatureHelp | null;
  const sig = h?.signatures[h.activeSignature ?? 0];
  if (!sig) return null;
  const p = sig.parameters?.[h?.activeParameter ?? 0]?.label;
  return { label: sig.label, active: Array.isArray(p) ? sig.label.slice(p[0], p[1]) : p };
}

async function hoverAt(uri: string, line: number, character: number): Promise<string> {
  const h = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line, character },
  })) as Hover | null;
  return h ? (h.contents as MarkupContent).value : '';
}

test('completion: reset starts a line; after expect the interrupt forms, after expect irq the sources (documented), after expect msi its addr= and data=', async () => {
  assert.ok((await completeAt('c-start.smmu', '')).some((i) => i.label === 'reset'));
  assert.deepEqual(
    (await completeAt('c-expect.smmu', 'expect ')).map((i) => i.label),
    ['event', 'no event', 'irq', 'msi', 'no irq'],
  );
  const sources = await completeAt('c-irq.smmu', 'expect irq ');
  assert.deepEqual(
    sources.map((i) => i.label),
    // The built-in default configuration has no Secure state: no S_EVENTQ, S_GERROR, S_CMD_SYNC.
    ['EVENTQ', 'PRIQ', 'GERROR', 'CMD_SYNC'],
  );
  assert.match((sources[3]?.documentation as MarkupContent).value, /CMD_SYNC with CS=SIG_IRQ completed \(§4\.7\.3\)/);
  assert.deepEqual(
    (await completeAt('c-msi.smmu', 'expect msi ')).map((i) => i.label),
    ['addr=', 'data='],
  );
  assert.deepEqual(
    (await completeAt('c-msi2.smmu', 'expect msi addr=0x1000 ')).map((i) => i.label),
    ['addr=', 'data='],
  );
  // addr= and data= belong to `expect msi` alone.
  assert.deepEqual(await completeAt('c-irq2.smmu', 'expect irq EVENTQ '), []);
  assert.ok((await completeAt('c-event.smmu', 'expect event F_TRANSLATION ')).some((i) => i.label === 'StreamID'));
  assert.ok(!(await completeAt('c-event2.smmu', 'expect event F_TRANSLATION ')).some((i) => i.label === 'addr='));
});

test('signature help shows the form being written: expect irq SOURCE, expect msi addr=A [data=D]', async () => {
  assert.deepEqual(await signatureAt('s-irq.smmu', 'expect irq '), { label: 'expect irq SOURCE', active: 'SOURCE' });
  assert.deepEqual(await signatureAt('s-msi.smmu', 'expect msi ad'), {
    label: 'expect msi addr=A [data=D]',
    active: 'addr=A',
  });
  assert.deepEqual(await signatureAt('s-msi2.smmu', 'expect msi addr=0x1000 da'), {
    label: 'expect msi addr=A [data=D]',
    active: 'data=D',
  });
  // The event form as before, its usage without the interrupt forms' arguments.
  assert.equal((await signatureAt('s-expect.smmu', 'expect '))?.label, 'expect event NAME [FIELD=value…]');
});

test('diagnostics, inlay hints and hovers of interrupt expectations that ran; a failed one says what was signalled instead', async () => {
  file('full.smmu.json', FULL);
  const text = [
    ...SETUP,
    'expect msi addr=0x50000000 data=0x77',
    'expect irq GERROR',
    'expect irq EVENTQ',
    'expect no irq',
  ].join('\n');
  const f = file('irq.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri);
  assert.deepEqual(
    diags.filter((d) => d.severity === 1).map((d) => [d.range.start.line, d.code, msg(d)]),
    [
      [
        11,
        'expect.failed',
        'no GERROR wired interrupt was asserted (IRQ_CTRLACK.GERROR_IRQEN is 0); signalled instead: EVENTQ wired interrupt asserted (§3.18)',
      ],
    ],
  );
  const hints = (await lsp.conn.sendRequest('textDocument/inlayHint', {
    textDocument: { uri: f.uri },
    range: { start: { line: 10, character: 0 }, end: { line: 14, character: 0 } },
  })) as { label: string; position: { line: number } }[];
  assert.deepEqual(
    hints.map((h) => [h.position.line, h.label]),
    [
      [10, '→ EVENTQ MSI: wrote 0x00000077 to 0x0000000050000000'],
      [12, '→ EVENTQ wired interrupt asserted'],
      [13, '→ no interrupt'],
    ],
  );
  assert.match(
    await hoverAt(f.uri, 12, 12),
    /^\*\*EVENTQ\*\* — The event queue interrupt: the SMMU wrote a record into an empty event queue while IRQ_CTRL\.EVENTQ_IRQEN is 1/,
  );
  assert.match(await hoverAt(f.uri, 10, 12), /^`addr=A` — The address the MSI writes/);
  assert.match(
    await hoverAt(f.uri, 10, 2),
    /^\*\*What happened here:\*\* EVENTQ MSI: wrote 0x00000077 to 0x0000000050000000/,
  );
});

test('reset and a config line after it: colour, inlay hints, a configuration that cannot be read on its line, and values decoded with the configuration of their line', async () => {
  file('full.smmu.json', FULL);
  file('qemu.smmu.json', QEMU);
  // PRI is advertised in the full preset, not in QEMU's: IRQ_CTRL.PRIQ_IRQEN is RES0 before the reset only.
  const text = [
    'config "qemu.smmu.json"',
    'write32 IRQ_CTRL 7',
    'reset',
    '# next',
    'config "full.smmu.json"',
    'write32 IRQ_CTRL 7',
    'reset',
    'config "nope.smmu.json"',
  ].join('\n');
  const f = file('reset.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri);
  assert.deepEqual(
    diags.filter((d) => d.severity !== 3 && d.severity !== 4).map((d) => [d.range.start.line, d.code]),
    [
      [1, 'write.unadvertised'],
      [7, 'reset.config-missing'],
    ],
  );
  assert.match(
    msg(diags.find((d) => d.code === 'reset.config-missing')!),
    /^cannot read configuration .*nope\.smmu\.json/,
  );
  const hints = (await lsp.conn.sendRequest('textDocument/inlayHint', {
    textDocument: { uri: f.uri },
    range: { start: { line: 0, character: 0 }, end: { line: 8, character: 0 } },
  })) as { label: string; position: { line: number } }[];
  const byLine = new Map(hints.map((h) => [h.position.line, h.label]));
  assert.equal(byLine.get(2), '→ SMMU reset: registers at their reset values, caches empty');
  assert.equal(byLine.get(4), '→ SMMU out of reset as SMMUv3.2 full-featured (full.smmu.json)');
  const before = await hoverAt(f.uri, 1, 17);
  const after = await hoverAt(f.uri, 5, 17);
  assert.match(before, /\| PRIQ_IRQEN \| 1 \| ENABLED \*\*RES0: SMMU_IDR0\.PRI == 1 not advertised\*\* \|/);
  assert.match(after, /\| PRIQ_IRQEN \| 1 \| ENABLED \|/);
  // `reset` is a statement keyword now, not a reserved word.
  const r = (await lsp.conn.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri: f.uri } })) as {
    data: number[];
  };
  let line = 0;
  let start = 0;
  const keywordAt = new Set<string>();
  for (let i = 0; i < r.data.length; i += 5) {
    line += r.data[i] as number;
    start = (r.data[i] as number) === 0 ? start + (r.data[i + 1] as number) : (r.data[i + 1] as number);
    if (r.data[i + 3] === 0) keywordAt.add(`${line}:${start}`);
  }
  for (const at of ['2:0', '4:0', '6:0']) assert.ok(keywordAt.has(at), at);
  // The outline lists the resets beside the configurations.
  const symbols = (await lsp.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: f.uri } })) as {
    name: string;
  }[];
  assert.deepEqual(
    symbols.map((x) => x.name),
    ['config qemu.smmu.json', 'reset', 'config full.smmu.json', 'reset', 'config nope.smmu.json'],
  );
});

test('formatting a document with reset lines', async () => {
  const text = '   reset    # between tests\nexpect   irq  EVENTQ';
  const f = file('fmt.smmu', text);
  open(f.uri, text);
  const edits = (await lsp.conn.sendRequest('textDocument/formatting', {
    textDocument: { uri: f.uri },
    options: { tabSize: 2, insertSpaces: true },
  })) as { newText: string; range: { start: { line: number } } }[];
  assert.deepEqual(
    edits.map((e) => [e.range.start.line, e.newText]),
    [
      [0, 'reset  # between tests'],
      [1, 'expect irq EVENTQ'],
    ],
  );
});
