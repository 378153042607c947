/**
 * Secure streams in the editor, through the real protocol: completion offers `secure` and `ns`
 * after `dma read` and `secure` after `ste SID`, and the Secure interrupt sources where the
 * configuration has Secure state; hovers explain them, and a Secure stream's DMA is checked against
 * the Secure interface (§3.10).
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

/** Completion at the end of line `at` of `text`. */
async function completeAt(name: string, text: string, at = 0): Promise<string[]> {
  const f = file(name, text);
  open(f.uri, text);
  const items =
    ((await lsp.conn.sendRequest('textDocument/completion', {
      textDocument: { uri: f.uri },
      position: { line: at, character: text.split('\n')[at]?.length ?? 0 },
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
});

test('completion offers the Secure interrupt sources after `expect irq` only where the configuration has Secure state (SMMU_S_IDR1.SECURE_IMPL, §3.10.2.1)', async () => {
  file('secure-irq.smmu.json', SECURE_ATS);
  // The configuration at the line: the preset's, then the built-in default's (QEMU's SMMU, no Secure state).
  const secure = await completeAt('irq-s.smmu', 'config "secure-irq.smmu.json"\nexpect irq ', 1);
  assert.deepEqual(secure, ['EVENTQ', 'PRIQ', 'GERROR', 'CMD_SYNC', 'S_EVENTQ', 'S_GERROR', 'S_CMD_SYNC']);
  const plain = await completeAt('irq-ns.smmu', 'expect irq ');
  assert.deepEqual(plain, ['EVENTQ', 'PRIQ', 'GERROR', 'CMD_SYNC']);
});

test('the hover on a Secure interrupt source says when the configuration has no Secure state, and a failed `expect irq` says why', async () => {
  file('secure-h.smmu.json', SECURE_ATS);
  const withSecure = await hoverAt('hs.smmu', 'config "secure-h.smmu.json"\nexpect irq S_EVENTQ', 1, 13);
  assert.match(withSecure, /^\*\*S_EVENTQ\*\* — The Secure Event queue interrupt/);
  assert.doesNotMatch(withSecure, /does not advertise/);
  const without = await hoverAt('hn.smmu', 'expect irq S_EVENTQ', 0, 13);
  assert.match(
    without,
    /^\*\*S_EVENTQ\*\* — The Secure Event queue interrupt.*\n\n\*This configuration does not advertise it \(SMMU_S_IDR1\.SECURE_IMPL is not 1\): it never fires here\.\*/s,
  );
  const text = 'write32 CR0 0\nexpect irq S_GERROR';
  const f = file('fail.smmu', text);
  open(f.uri, text);
  const ds: Diagnostic[] = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'expect.failed'));
  assert.match(
    String(ds.find((d) => d.code === 'expect.failed')?.message ?? ''),
    /^no S_GERROR wired interrupt was asserted \(this configuration does not advertise it: S_IDR1\.SECURE_IMPL is 0\)/,
  );
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
