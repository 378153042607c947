/**
 * Run on QEMU in a real VS Code (docs/vscode.md#run-on-qemu), with the real QEMU the language
 * server starts (qemu-system-aarch64, scripts/setup-qemu.sh): the CodeLens on a script, the
 * command on examples/xen-vsmmu-review.smmu, its findings in their own diagnostics beside the
 * checks', the hover with QEMU's value and the model's, the findings cleared by an edit, and the
 * notification when the emulator cannot be found.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { RunOnQemuResult } from '../../../server/lsp/lsp-ext';
import { EXTENSION_ID, hoverText, waitFor } from './helpers';

const QEMU_SOURCE = 'SMMU on QEMU';

interface QemuApi {
  ready: Promise<unknown>;
  qemu: { lastNotice?: { severity: string; message: string; actions: readonly string[] } };
}

async function extensionApi(): Promise<{ ext: vscode.Extension<QemuApi>; api: QemuApi }> {
  const ext = vscode.extensions.getExtension<QemuApi>(EXTENSION_ID);
  assert.ok(ext);
  const api = await ext.activate();
  await api.ready;
  return { ext, api };
}

const fromQemu = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === QEMU_SOURCE);
const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);
const describe = (uri: vscode.Uri) => () =>
  vscode.languages
    .getDiagnostics(uri)
    .map((d) => `  line ${d.range.start.line + 1} (${d.source}) ${codeOf(d)}: ${d.message}`)
    .join('\n');

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

suite('Run on QEMU', () => {
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('smmu').update('qemu.path', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('xen-vsmmu-review.smmu: the CodeLens runs it; QEMU’s findings sit at their lines beside the checks’, with QEMU’s value and the model’s on hover', async () => {
    const { ext, api } = await extensionApi();
    const uri = vscode.Uri.joinPath(ext.extensionUri, 'examples', 'xen-vsmmu-review.smmu');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    // The checks' own diagnostics first (the script's "finding" lines), to see that the run adds to them.
    await waitFor(
      'the checks’ diagnostics',
      () => (vscode.languages.getDiagnostics(uri).some((d) => d.source === 'smmu') ? true : undefined),
      20_000,
      describe(uri),
    );
    const own = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'smmu').length;

    // The CodeLens at the top of the script runs the command on it.
    const offered = await waitFor('the Run on QEMU CodeLens', async () =>
      (await lenses(uri)).find((l) => l.command?.command === 'smmu.runOnQemu'),
    );
    assert.strictEqual(offered.range.start.line, 0);
    assert.match(offered.command?.title ?? '', /Run on QEMU$/);
    assert.deepStrictEqual(offered.command?.arguments?.map(String), [uri.toString()]);

    const result = await vscode.commands.executeCommand<RunOnQemuResult>(
      offered.command!.command,
      ...(offered.command!.arguments ?? []),
    );
    assert.ok(result, 'the command returns the server’s result');
    assert.strictEqual(result.outcome, 'judged', result.message);
    assert.strictEqual(result.summary, 'QEMU ran 24 of 24 operations: 6 errors, 2 warnings, 2 notes');

    // The findings: QEMU 7.2 acknowledges PRIQEN, ATSCHK and VMW in CR0ACK (line 13) though IDR0 advertises none of them.
    const acks = await waitFor(
      'QEMU’s CR0ACK findings',
      () => {
        const list = fromQemu(uri).filter(
          (d) => codeOf(d) === 'replay.ack-unadvertised' && /SMMU_CR0ACK/.test(d.message),
        );
        return list.length === 3 ? list : undefined;
      },
      15_000,
      describe(uri),
    );
    assert.deepStrictEqual(
      acks.map((d) => d.range.start.line + 1),
      [13, 13, 13],
    );
    assert.ok(acks.every((d) => d.severity === vscode.DiagnosticSeverity.Error));
    assert.ok(
      acks.some((d) =>
        /SMMU_CR0ACK returned 0x000003DF but SMMU_IDR0 advertises no PRI: PRIQEN must not be acknowledged/.test(
          d.message,
        ),
      ),
      acks.map((d) => d.message).join('\n'),
    );
    assert.strictEqual(fromQemu(uri).length, result.diagnostics.length, 'every finding of the run is shown');
    assert.strictEqual(
      vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'smmu').length,
      own,
      'the checks’ diagnostics are still there',
    );
    assert.match(api.qemu.lastNotice?.message ?? '', /^xen-vsmmu-review\.smmu: QEMU ran 24 of 24 operations/);

    // Hover on line 13: QEMU's CR0ACK and the model's side by side.
    const line = doc.lineAt(12);
    assert.match(line.text, /^read32 CR0ACK/);
    const text = await hoverText(uri, new vscode.Position(12, line.text.length - 1));
    assert.ok(/\| QEMU \| Model \|/.test(text), text);
    assert.ok(/\| `read32 SMMU_CR0ACK` \| \*\*`0x000003DF`\*\* \| `0x0000000D` \| ≠ \|/.test(text), text);

    // After the run, the CodeLens says what the last run found.
    const again = await waitFor('the CodeLens with the last run', async () =>
      (await lenses(uri)).find((l) => /last run: QEMU ran 24 of 24/.test(l.command?.title ?? '')),
    );
    assert.strictEqual(again.command?.command, 'smmu.runOnQemu');
  });

  test('an unsaved script runs as the editor holds it; an edit clears the run’s findings, which no longer match its lines', async () => {
    const { api } = await extensionApi();
    // No `config` line: the default configuration (QEMU 11.1's), whose ID registers QEMU 7.2 does not
    // all share, so the run has a `qemu.ids` note to show.
    const doc = await vscode.workspace.openTextDocument({
      language: 'smmu',
      content: 'write32 CR0 0\nread32 CR0ACK == 0\n',
    });
    await vscode.window.showTextDocument(doc);
    const result = await vscode.commands.executeCommand<RunOnQemuResult>('smmu.runOnQemu', doc.uri);
    assert.strictEqual(result?.outcome, 'judged', result?.message);
    const shown = await waitFor(
      'the run’s diagnostics',
      () => (fromQemu(doc.uri).length ? fromQemu(doc.uri) : undefined),
      15_000,
      describe(doc.uri),
    );
    assert.deepStrictEqual(
      shown.map((d) => `${d.range.start.line + 1} ${codeOf(d)}`),
      result.diagnostics.map((d) => `${d.range.start.line + 1} ${String(d.code)}`),
    );
    assert.ok(
      (await hoverText(doc.uri, new vscode.Position(1, 3))).includes('`read32 SMMU_CR0ACK`'),
      'a hover before the edit',
    );

    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '# a comment moves every line down\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(
      'the run’s diagnostics to be cleared',
      () => (fromQemu(doc.uri).length === 0 ? true : undefined),
      5000,
      describe(doc.uri),
    );
    assert.ok(
      !(await hoverText(doc.uri, new vscode.Position(2, 3))).includes('On QEMU'),
      'no QEMU values on hover after the edit',
    );
    assert.ok(api.qemu.lastNotice);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('smmu.qemu.path naming no program: a notification says how to install QEMU and offers the setting', async () => {
    const { ext, api } = await extensionApi();
    await vscode.workspace
      .getConfiguration('smmu')
      .update('qemu.path', '/nonexistent/qemu-system-aarch64', vscode.ConfigurationTarget.Global);
    try {
      const uri = vscode.Uri.joinPath(ext.extensionUri, 'examples', 'xen-vsmmu-review.smmu');
      // The setting reaches the server through workspace/didChangeConfiguration: wait until the run uses it.
      const result = await waitFor(
        'a run with the new setting',
        async () => {
          const r = await vscode.commands.executeCommand<RunOnQemuResult>('smmu.runOnQemu', uri);
          return r?.outcome === 'not-installed' ? r : undefined;
        },
        20_000,
      );
      assert.match(
        result.message,
        /^QEMU was not found \(\/nonexistent\/qemu-system-aarch64\): install it \(Debian\/Ubuntu: `sudo apt-get install qemu-system-arm`/,
      );
      assert.deepStrictEqual(api.qemu.lastNotice, {
        severity: 'error',
        message: result.message,
        actions: ['Open Setting'],
      });
    } finally {
      await vscode.workspace.getConfiguration('smmu').update('qemu.path', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('the command needs a script: on a queue descriptor it says so and runs nothing', async () => {
    const { api } = await extensionApi();
    const doc = await vscode.workspace.openTextDocument({ language: 'smmuq', content: 'queue cmdq\n' });
    await vscode.window.showTextDocument(doc);
    const result = await vscode.commands.executeCommand<RunOnQemuResult | undefined>('smmu.runOnQemu');
    assert.strictEqual(result, undefined);
    assert.strictEqual(api.qemu.lastNotice?.message, 'Run on QEMU runs .smmu scripts: open one first.');
    assert.deepStrictEqual(
      (await lenses(doc.uri)).map((l) => l.command?.command),
      [],
      'no CodeLens on a queue descriptor',
    );
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
