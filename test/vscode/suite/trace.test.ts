/**
 * `.smmutrace` files in a real VS Code: the language is recognised, the language server replays the
 * trace and puts the divergence on its line, and the hover shows both values side by side.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function poll<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(150);
  }
}

suite('SMMU trace replay in VS Code', () => {
  test('seed.smmutrace opens as SMMU Trace, with the CR0ACK divergence on line 9 and a side-by-side hover', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = vscode.Uri.joinPath(folder.uri, 'seed.smmutrace');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.strictEqual(doc.languageId, 'smmutrace');
    const d = await poll('the replay diagnostic', () =>
      vscode.languages
        .getDiagnostics(uri)
        .find((x) => x.source === 'smmu' && /PRIQEN must not be acknowledged/.test(x.message)),
    );
    assert.strictEqual(d.range.start.line, 8);
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    const text = await poll('the side-by-side hover', async () => {
      const hovers =
        (await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          uri,
          new vscode.Position(8, 2),
        )) ?? [];
      const t = hovers
        .flatMap((h) => h.contents)
        .map((c) => (typeof c === 'string' ? c : c.value))
        .join('\n');
      return t.includes('Emulation') ? t : undefined;
    });
    assert.match(text, /SMMU_CR0ACK/);
    assert.match(text, /PRIQEN\[1\] \| 1 ENABLED ⚠ not advertised \| 0 DISABLED/);
  });
});

suite('SMMU: Replay as SMMU Trace', () => {
  test('a QEMU log with any name becomes an SMMU Trace and is replayed', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = vscode.Uri.joinPath(folder.uri, 'qemu-run.txt');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.notStrictEqual(doc.languageId, 'smmutrace');
    const traced = await vscode.commands.executeCommand<vscode.TextDocument>('smmu.replayTrace', uri);
    assert.strictEqual(traced?.languageId, 'smmutrace');
    const d = await poll('the abort diagnostic', () =>
      vscode.languages
        .getDiagnostics(uri)
        .find((x) => x.source === 'smmu' && (typeof x.code === 'object' ? x.code.value : x.code) === 'replay.abort'),
    );
    assert.strictEqual(d.range.start.line, 1);
  });
});
