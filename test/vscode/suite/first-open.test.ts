/**
 * The first open of a long script in a real VS Code: the editor asks for semantic tokens, symbols,
 * folding ranges and inlay hints while the script's first check runs, and the ones that need the
 * syntax tree wait for that check (server/lsp/open-checks.ts) instead of parsing the script in the
 * middle of it, while the tokens of the lines it shows (`semanticTokens/range`) are answered at once,
 * and their inlay hints once the check has run past them. The protocol test (lsp-open-checks.test.ts) checks the order and the answers; this
 * one checks that VS Code does send such requests during the check, which is why the wait exists.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { readyApi, waitFor } from './helpers';
import { longScript } from '../../harness/long-script';

interface StatsApi {
  ready: Promise<unknown>;
  serverStats(): Promise<{
    openCheckWaits: number;
    inlayHintsDuringFirstCheck: number;
    rangeTokens: { answered: number; duringFirstCheck: number };
  }>;
}

suite('The first open of a long script', () => {
  test('VS Code asks for the tree while the first check runs; those requests wait for it, the shown lines do not', async function () {
    this.timeout(90_000);
    const api = await readyApi<StatsApi>();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder);
    // Long enough that its check lasts a few hundred milliseconds in a warm server, with one
    // failed expectation on its last line, which only the model run finds.
    const text = longScript(40_000) + 'read32 CR0ACK.SMMUEN == 0\n';
    const file = path.join(folder, 'first-open-long.smmu');
    fs.writeFileSync(file, text);
    try {
      const start = await api.serverStats();
      const before = start.openCheckWaits;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      await vscode.window.showTextDocument(doc);
      const last = doc.lineCount - 2;
      await waitFor(
        'the first check of the long script',
        () =>
          vscode.languages.getDiagnostics(doc.uri).some((d) => d.source === 'smmu' && d.range.start.line === last)
            ? true
            : undefined,
        60_000,
      );
      const tokens = await vscode.commands.executeCommand<vscode.SemanticTokens | undefined>(
        'vscode.provideDocumentSemanticTokens',
        doc.uri,
      );
      assert.ok(tokens && tokens.data.length > 1000, 'semantic tokens for the script');
      const end = await api.serverStats();
      const waited = end.openCheckWaits - before;
      assert.ok(waited >= 1, `requests that waited for the first check: ${waited}`);
      // VS Code asked for the tokens of the lines it shows, and got them without waiting.
      const early = end.rangeTokens.duringFirstCheck - start.rangeTokens.duringFirstCheck;
      assert.ok(early >= 1, `semantic tokens of the shown lines answered during the first check: ${early}`);
      // And the inlay hints of those lines, once the check had run past them.
      const hints = end.inlayHintsDuringFirstCheck - start.inlayHintsDuringFirstCheck;
      assert.ok(hints >= 1, `inlay hints answered during the first check: ${hints}`);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
