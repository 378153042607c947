/**
 * ATOS in the editor, through the real protocol (§9, §6.3.37–§6.3.40): examples/atos.smmu checks
 * clean under the smmuv3.2-full preset, and hovers show SMMU_GATOS_PAR in the layout FAULT selects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { msg, serverForTests } from '../../harness/lsp-harness';
import { root } from '../../harness/root';

const lsp = serverForTests('smmu-lsp-atos-');
const { diagnosticsFor, file, open } = lsp;

async function hoverAt(uri: string, line: number, character: number): Promise<string> {
  const h = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line, character },
  })) as Hover | null;
  return h ? (h.contents as MarkupContent).value : '';
}

test('examples/atos.smmu: no error or warning in the editor; hovers on GATOS_PAR show its two layouts and decode a fault value in the fault layout', async () => {
  file('full.smmu.json', fs.readFileSync(path.join(root, 'presets', 'smmuv3.2-full.smmu.json'), 'utf8'));
  const text = fs
    .readFileSync(path.join(root, 'examples', 'atos.smmu'), 'utf8')
    .replace('config "../presets/smmuv3.2-full.smmu.json"', 'config "full.smmu.json"');
  const f = file('atos.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri);
  assert.deepEqual(
    diags.filter((d) => d.severity === 1 || d.severity === 2).map((d) => [d.range.start.line, d.code, msg(d)]),
    [],
  );
  const lines = text.split('\n');
  const at = (s: string) => lines.findIndex((l) => l.startsWith(s));
  // The value of a fault expectation decodes in the fault layout: FAULTCODE, no ATTR.
  const faultLine = at('read64  GATOS_PAR == FAULT | FAULTCODE=F_PERMISSION');
  const fault = await hoverAt(f.uri, faultLine, lines[faultLine]!.indexOf('FAULTCODE') + 2);
  assert.match(fault, /\*\*SMMU_GATOS_PAR\*\* = `0x0000000000000131`/);
  assert.match(fault, /\| \[11:4\] \| FAULTCODE \| 19 \| F_PERMISSION \|/);
  assert.doesNotMatch(fault, /ATTR|Size|\| SH/);
  // The register name: both layouts, each field saying which.
  const reg = await hoverAt(f.uri, faultLine, lines[faultLine]!.indexOf('GATOS_PAR') + 2);
  assert.match(reg, /\*\*SMMU_GATOS_PAR\*\*/);
  assert.match(reg, /\| \[11:4\] \| FAULTCODE \| .*\*\(when FAULT == 1\)\*/);
  assert.match(reg, /\| \[63:56\] \| ATTR \| .*\*\(when FAULT == 0\)\*/);
});

test('completion names a VATOS page register by its offset in the page, which SMMU_IDR2.BA_VATOS moves (§6.3.3); page 0 registers by their offset', async () => {
  const text = 'read32 ';
  const f = file('complete-vatos.smmu', text);
  open(f.uri, text);
  const items = (await lsp.conn.sendRequest('textDocument/completion', {
    textDocument: { uri: f.uri },
    position: { line: 0, character: text.length },
  })) as { label: string; detail?: string }[];
  const detail = (label: string) => items.find((i) => i.label === label)?.detail;
  assert.equal(detail('VATOS_CTRL'), 'SMMU_VATOS_CTRL @ VATOS page + 0xA00');
  assert.equal(detail('VATOS_SEL'), 'SMMU_VATOS_SEL @ 0x180');
  assert.equal(detail('CR0'), 'SMMU_CR0 @ 0x20');
});
