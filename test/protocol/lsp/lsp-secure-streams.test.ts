/**
 * Secure streams in the editor, through the real protocol: completion offers `secure` and `ns`
 * after `dma read` and `secure` after `ste SID`, hovers explain them and the S_EVENTQ interrupt
 * source, and a Secure stream's DMA is checked against the Secure interface (§3.10).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { CompletionItem, Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { serverForTests } from '../../harness/lsp-harness';
import { root } from '../../harness/root';

const lsp = serverForTests('smmu-lsp-secure-streams-');
const { diagnosticsFor, file, open } = lsp;

const SECURE_ATS = fs.readFileSync(path.join(root, 'presets', 'smmuv3.3-secure-ats.smmu.json'), 'utf8');

async function completeAt(name: string, line: string): Promise<string[]> {
  const f = file(name, line);
  open(f.uri, line);
  const items =
    ((await lsp.conn.sendRequest('textDocument/completion', {
      textDocument: { uri: f.uri },
      position: { line: 0, character: line.length },
    })) as CompletionItem[] | null) ?? [];
  return items.map((i) => i.label);
}

async function hoverAt(name: string, text: string, line: number, character: number): Promise<string> {
  const f = file(name, text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const h = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: f.uri },
    position: { line, character },
  })) as Hover | null;
  return h ? (h.contents as MarkupContent).value : '';
}

test('completion offers `secure` and `ns` after `dma read …`, and `secure` beside the STE fields after `ste SID`', async () => {
  const dma = await completeAt('dma.smmu', 'dma read sid=1 iova=0 ');
  assert.ok(dma.includes('secure') && dma.includes('ns'), dma.join(' '));
  const ste = await completeAt('ste.smmu', 'ste 3 ');
  assert.ok(ste.includes('secure') && ste.includes('NSCFG'), ste.join(' '));
  const irq = await completeAt('irq.smmu', 'expect irq ');
  assert.ok(irq.includes('S_EVENTQ') && irq.includes('S_GERROR'), irq.join(' '));
});

test('hovers on `secure` (dma and ste) and `ns` explain SEC_SID and the input NS attribute', async () => {
  const text = 'dma read sid=1 iova=0 secure ns\nste 3 secure V Config=BYPASS';
  assert.match(await hoverAt('h1.smmu', text, 0, 24), /^`secure`.*SEC_SID = 1, §3\.10\.1/);
  assert.match(await hoverAt('h2.smmu', text, 0, 30), /^`ns`.*input NS attribute/);
  assert.match(await hoverAt('h3.smmu', text, 1, 8), /^`secure`.*Secure Stream table/);
});

test('a Secure DMA is checked against the Secure interface: S_GBPA aborts it, and `secure` without the Secure state is an error', async () => {
  file('secure.smmu.json', SECURE_ATS);
  const text = [
    'config "secure.smmu.json"',
    'write32 S_GBPA Update|ABORT',
    'dma read sid=1 iova=0x1000 secure == abort',
    'dma read sid=1 iova=0x1000 == bypass',
    'dma read sid=1 iova=0x1000 ns',
  ].join('\n');
  const f = file('run.smmu', text);
  open(f.uri, text);
  const ds: Diagnostic[] = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'dma.secure'));
  assert.deepEqual(
    ds.filter((d) => d.severity === 1 || d.severity === 2).map((d) => [d.range.start.line, d.code]),
    [[4, 'dma.secure']],
  );
});
