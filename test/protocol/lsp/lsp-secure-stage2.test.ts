/**
 * Secure stage 2 in the editor, through the real protocol (§3.10.2.2, §5.2): examples/secure-stage2.smmu
 * checks with only the stale entry it shows on purpose; on a `ste … secure` line the Secure STE's
 * fields (S_S2TTB, S2SA, …) are completed and hovered, and a Non-secure `ste` line does not offer them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { msg, serverForTests } from '../../harness/lsp-harness';
import { root } from '../../harness/root';

const lsp = serverForTests('smmu-lsp-secure-s2-');
const { diagnosticsFor, file, open } = lsp;

test('examples/secure-stage2.smmu: only the stale.tlb it shows on purpose; S_S2TTB hovers and completes on a Secure `ste` line only', async () => {
  file('secure.smmu.json', fs.readFileSync(path.join(root, 'presets', 'smmuv3.3-secure-ats.smmu.json'), 'utf8'));
  const text = fs
    .readFileSync(path.join(root, 'examples', 'secure-stage2.smmu'), 'utf8')
    .replace('config "../presets/smmuv3.3-secure-ats.smmu.json"', 'config "secure.smmu.json"');
  const f = file('secure-stage2.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri);
  const lines = text.split('\n');
  const at = (s: string) => lines.findIndex((l) => l.startsWith(s));
  assert.deepEqual(
    diags.filter((d) => d.severity === 1 || d.severity === 2).map((d) => [d.range.start.line, d.code]),
    [[lines.findIndex((l) => l.includes('# still the old page')), 'stale.tlb']],
    diags.map(msg).join('\n'),
  );
  const steLine = at('ste 6 secure');
  const hover = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: f.uri },
    position: { line: steLine, character: lines[steLine]!.indexOf('S_S2TTB') + 3 },
  })) as Hover | null;
  assert.match(hover ? (hover.contents as MarkupContent).value : '', /S_S2TTB[\s\S]*\[439:388\][\s\S]*Secure stage 2/);

  const complete = async (line: string) => {
    const g = file(`complete-${line.length}.smmu`, `config "secure.smmu.json"\n${line}`);
    open(g.uri, `config "secure.smmu.json"\n${line}`);
    const items = (await lsp.conn.sendRequest('textDocument/completion', {
      textDocument: { uri: g.uri },
      position: { line: 1, character: line.length },
    })) as { label: string }[];
    return items.map((i) => i.label);
  };
  assert.ok((await complete('ste 6 secure V S_S2')).some((l) => l.startsWith('S_S2TTB')));
  assert.ok(!(await complete('ste 6 V S_')).some((l) => l.startsWith('S_S2TTB')));
});
