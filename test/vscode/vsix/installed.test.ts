/**
 * The packaged extension in a real VS Code: installed from the .vsix, activated lazily (only when
 * a .smmu file opens), fast to activate, and working from its production bundles (diagnostics,
 * hover, a command). Writes the activation figures to test-results/vscode-activation.json for
 * `npm run bench`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'smmu-workbench.smmu-workbench';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

interface Api {
  activation: { activateMs: number; moduleMs: number; vscodeApiMs: number };
  ready: Promise<unknown>;
  clientLoadMs(): number | undefined;
  serverStats(): Promise<{ warmUp: string; warmUpCost?: { wallMs: number; cpuMs: number } }>;
}

suite('SMMU Workbench installed from its .vsix', () => {
  test('installed from the package, not from the source tree', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    const root = ext.extensionPath;
    assert.ok(fs.existsSync(path.join(root, 'dist', 'extension.js')), 'the activation bundle is in the package');
    assert.ok(fs.existsSync(path.join(root, 'dist', 'lsp-client.js')), 'the language client bundle is in the package');
    assert.ok(fs.existsSync(path.join(root, 'dist', 'server.js')), 'the server bundle is in the package');
    assert.ok(fs.existsSync(path.join(root, 'dist', 'tables.js')), "the bundle of core's tables is in the package");
    assert.ok(fs.existsSync(path.join(root, 'dist', 'debug-adapter.js')), 'the debug adapter bundle is in the package');
    for (const absent of [
      'node_modules',
      'core',
      'client',
      'test',
      'tsconfig.json',
      'dist/cli.js',
      'dist/extension.js.map',
    ])
      assert.ok(!fs.existsSync(path.join(root, absent)), `${absent} is not in the package (.vscodeignore)`);
    assert.ok(fs.existsSync(path.join(root, 'media', 'icon.png')), 'the icon is in the package');
    assert.strictEqual(ext.packageJSON.icon, 'media/icon.png');
    // What the extension opens at run time: the walkthrough's pages, the docs, the examples.
    const steps = (ext.packageJSON as { contributes: { walkthroughs: { steps: { media: { markdown: string } }[] }[] } })
      .contributes.walkthroughs[0]!.steps;
    for (const s of steps)
      assert.ok(fs.existsSync(path.join(root, s.media.markdown)), `${s.media.markdown} is in the package`);
    for (const f of [
      'docs/registers.md',
      'examples/linux-bringup.smmu',
      'presets/qemu.smmu.json',
      'schemas/smmu-config.schema.json',
      'syntaxes/smmu.tmLanguage.json',
    ])
      assert.ok(fs.existsSync(path.join(root, f)), `${f} is in the package`);
  });

  test('a workspace that holds scripts activates the extension at startup, and the server warms up before the first open', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    // workspaceContains: the folder holds bad.smmu, and no script has been opened.
    await waitFor('activation at startup', () => (ext.isActive ? true : undefined));
    assert.ok(
      !vscode.workspace.textDocuments.some((d) => d.uri.path.endsWith('.smmu')),
      'activated before any script was opened',
    );
    const api = (await ext.activate()) as Api;
    assert.ok(api.activation.activateMs > 0, 'activate() recorded its duration');
    const readyStart = Date.now();
    await api.ready;
    const serverReadyMs = Date.now() - readyStart;
    // The language server's warm-up (server/lsp/warm-up.ts) runs to its end when nothing is opened.
    const warmUp = await waitFor(
      'the end of the warm-up',
      async () => {
        const s = await api.serverStats();
        return s.warmUp === 'running' ? undefined : s;
      },
      120_000,
    );
    assert.strictEqual(warmUp.warmUp, 'done', JSON.stringify(warmUp));
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    await vscode.window.showTextDocument(
      await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'bad.smmu')),
    );
    const results = process.env.SMMU_RESULTS_DIR;
    if (results) {
      fs.mkdirSync(results, { recursive: true });
      fs.writeFileSync(
        path.join(results, 'vscode-activation.json'),
        JSON.stringify(
          {
            ...api.activation,
            clientLoadMs: api.clientLoadMs(),
            serverReadyAfterActivationMs: serverReadyMs,
            warmUpCost: warmUp.warmUpCost,
            vscode: vscode.version,
            bundle: 'production (.vsix)',
            date: new Date().toISOString(),
          },
          null,
          2,
        ) + '\n',
      );
    }
    console.log(
      `activation: VS Code's API object ${api.activation.vscodeApiMs.toFixed(1)} ms, dist/extension.js evaluated in ${api.activation.moduleMs.toFixed(1)} ms, activate() ${api.activation.activateMs.toFixed(1)} ms; then the language client loaded in ${api.clientLoadMs()?.toFixed(1)} ms, the server ready ${serverReadyMs} ms after activation; its warm-up ${JSON.stringify(warmUp.warmUpCost)}`,
    );
  });

  test('the packaged language server reports diagnostics and answers hovers', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ((await ext.activate()) as Api).ready;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.path.endsWith('/bad.smmu'));
    assert.ok(doc, 'bad.smmu is open');
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => /\bNOT_A_REG\b/.test(l));
    await waitFor('a diagnostic on the NOT_A_REG line', () =>
      vscode.languages
        .getDiagnostics(doc.uri)
        .some(
          (d) => d.source === 'smmu' && d.range.start.line === line && d.severity === vscode.DiagnosticSeverity.Error,
        )
        ? true
        : undefined,
    );
    const text = await vscode.commands.executeCommand<string>('smmu.decodeValue', 'CR0', '0xD');
    assert.match(text, /SMMUEN\[0\] = 1/);
  });
});
