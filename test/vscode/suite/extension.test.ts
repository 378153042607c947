/**
 * Smoke tests of the SMMU Workbench extension in a real VS Code: activation, language-server
 * diagnostics, hover and the decode command. Fixtures are in test/vscode/workspace (the folder the
 * launcher opens); neither script has a `config` line, so the server uses its default, QEMU-like
 * configuration.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, lineOf, open, sleep, waitFor } from './helpers';

function smmuDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'smmu');
}

function describeDiagnostics(uri: vscode.Uri): string {
  const all = vscode.languages.getDiagnostics(uri);
  if (!all.length) return '  (no diagnostics)';
  return all
    .map(
      (d) =>
        `  line ${d.range.start.line + 1} [${vscode.DiagnosticSeverity[d.severity]}] (${d.source ?? 'no source'}) ${d.message}`,
    )
    .join('\n');
}

/** Hover text at `position`, polled (bounded) until it contains `expected`: the first requests may
 * come before the language server is ready. */
async function hoverAt(uri: vscode.Uri, position: vscode.Position, expected: string): Promise<string> {
  let text = '';
  await waitFor(
    `a hover containing ${expected}`,
    async () => {
      const hovers =
        (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
      // MarkdownString's text is in `.value` (JSON.stringify prints `{}`).
      text = hovers
        .flatMap((h) => h.contents)
        .map((c) => (typeof c === 'string' ? c : c.value))
        .join('\n---\n');
      return text.includes(expected) ? text : undefined;
    },
    15_000,
    () => `last hover text: ${JSON.stringify(text)}`,
  );
  return text;
}

suite('SMMU Workbench in VS Code', () => {
  test('the extension is installed and activates on opening a .smmu script', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded (extensionDevelopmentPath)`);
    const editor = await open('bad.smmu');
    assert.strictEqual(editor.document.languageId, 'smmu', '*.smmu files get the smmu language');
    // Activation comes from the language (onLanguage:smmu), not from the test calling activate().
    await waitFor('the extension to activate', () => (ext.isActive ? true : undefined), 20_000);
    // isActive is also true after a failed activation; activate() then rethrows activate()'s error.
    await ext.activate();
  });

  test('diagnostics on bad.smmu: an error on the unknown register, one on the unadvertised PRIQEN', async () => {
    const doc = (await open('bad.smmu')).document;
    const badRegLine = lineOf(doc, /\bNOT_A_REG\b/);
    const priqLine = lineOf(doc, /\bPRIQEN\b/);
    const on = (line: number, mention?: string) =>
      smmuDiagnostics(doc.uri).find((d) => d.range.start.line === line && (!mention || d.message.includes(mention)));
    await waitFor(
      'smmu diagnostics on the NOT_A_REG line and on the PRIQEN line',
      () => (on(badRegLine) && on(priqLine, 'PRIQEN') ? true : undefined),
      20_000,
      () => `diagnostics on bad.smmu:\n${describeDiagnostics(doc.uri)}`,
    );
    for (const d of [on(badRegLine)!, on(priqLine, 'PRIQEN')!])
      assert.strictEqual(
        d.severity,
        vscode.DiagnosticSeverity.Error,
        `line ${d.range.start.line + 1} is an error: ${d.message}`,
      );
  });

  test('hover on CR0 in good.smmu describes SMMU_CR0 at offset 0x0020', async () => {
    const doc = (await open('good.smmu')).document;
    const line = lineOf(doc, /^write32\s+CR0\b/);
    const position = new vscode.Position(line, doc.lineAt(line).text.indexOf('CR0') + 1);
    const hover = await hoverAt(doc.uri, position, 'SMMU_CR0');
    assert.ok(hover.includes('0x0020'), `hover gives the offset 0x0020; got: ${JSON.stringify(hover)}`);
  });

  test('no errors on good.smmu', async () => {
    const doc = (await open('good.smmu')).document;
    // A hover answer means the server has the document; then give its checks (run on open) time.
    const line = lineOf(doc, /^write32\s+CR0\b/);
    await hoverAt(doc.uri, new vscode.Position(line, doc.lineAt(line).text.indexOf('CR0') + 1), 'SMMU_CR0');
    await sleep(2_000);
    const errors = smmuDiagnostics(doc.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    assert.deepStrictEqual(
      errors.map((d) => `line ${d.range.start.line + 1}: ${d.message}`),
      [],
      `diagnostics on good.smmu:\n${describeDiagnostics(doc.uri)}`,
    );
  });

  test('smmu.decodeValue with arguments returns the decoded text', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('smmu.decodeValue'), 'smmu.decodeValue is registered');
    const text = await vscode.commands.executeCommand<unknown>('smmu.decodeValue', 'CR0', '0x9');
    assert.strictEqual(
      typeof text,
      'string',
      `decodeValue('CR0', '0x9') returns a string, got ${JSON.stringify(text)}`,
    );
    assert.ok((text as string).includes('SMMUEN'), `decoded text names SMMUEN:\n${text}`);
    assert.ok((text as string).includes('CMDQEN'), `decoded text names CMDQEN:\n${text}`);
  });

  test('the Registers view shows the model state at the cursor line, and follows the cursor', async () => {
    const ext = vscode.extensions.getExtension<{
      registers: {
        snapshot?: { place: string };
        getChildren(n?: unknown): unknown[];
        getTreeItem(n: unknown): vscode.TreeItem;
        refresh(): Promise<void>;
      };
    }>(EXTENSION_ID);
    assert.ok(ext);
    const api = await ext.activate();
    const editor = await open('good.smmu');
    const doc = editor.document;
    const cr0Line = lineOf(doc, /^write32\s+CR0\s+SMMUEN/);
    const valueOf = (name: string): string | undefined => {
      for (const group of api.registers.getChildren()) {
        for (const reg of api.registers.getChildren(group)) {
          const item = api.registers.getTreeItem(reg);
          if (item.label === name) return String(item.description);
        }
      }
      return undefined;
    };
    // Before the CR0 write: CR0 is 0; on its line: the written value.
    editor.selection = new vscode.Selection(Math.max(0, cr0Line - 1), 0, Math.max(0, cr0Line - 1), 0);
    await waitFor('the view to follow the cursor to the line before the CR0 write', async () => {
      await api.registers.refresh();
      return api.registers.snapshot?.place.includes(`#${Math.max(0, cr0Line - 1)}@`) &&
        valueOf('CR0')?.startsWith('0x00000000')
        ? true
        : undefined;
    });
    editor.selection = new vscode.Selection(cr0Line, 0, cr0Line, 0);
    const after = await waitFor('CR0 to show the written value at the write line', async () => {
      await api.registers.refresh();
      const v = valueOf('CR0');
      return api.registers.snapshot?.place.includes(`#${cr0Line}@`) && v && !v.startsWith('0x00000000') ? v : undefined;
    });
    assert.match(after, /^0x[0-9A-F]{8}/);
    assert.match(after, /●/, 'a changed register is marked');
    // Fields are children of the register node, with enum names.
    const control = api.registers.getChildren().find((g) => api.registers.getTreeItem(g).label === 'Control');
    assert.ok(control, 'a Control group');
    const cr0 = api.registers.getChildren(control).find((r) => api.registers.getTreeItem(r).label === 'CR0');
    const fields = api.registers.getChildren(cr0).map((f) => String(api.registers.getTreeItem(f).label));
    assert.ok(fields.includes('SMMUEN[0]'), fields.join(', '));
    // Page-1 registers have groups of their own, marked with their page (§6.2).
    const groupOf = (name: string) =>
      api.registers
        .getChildren()
        .find((g) => api.registers.getChildren(g).some((r) => api.registers.getTreeItem(r).label === name));
    const evtq1 = groupOf('EVENTQ_PROD');
    const evtq0 = groupOf('EVENTQ_BASE');
    assert.ok(evtq1 && evtq0 && evtq1 !== evtq0, 'EVENTQ_PROD and EVENTQ_BASE are in different groups');
    assert.match(String(api.registers.getTreeItem(evtq1).description), /^page 1/);
    assert.match(String(api.registers.getTreeItem(evtq0).description), /^page 0/);
    assert.equal(api.registers.getTreeItem(evtq1).label, 'Event queue');
    // The view container opens (its contribution is valid).
    await vscode.commands.executeCommand('workbench.view.extension.smmu');
  });

  test('the status bar shows the configuration of the active script and its state', async () => {
    const ext = vscode.extensions.getExtension<{ status: { item: vscode.StatusBarItem; update(): Promise<void> } }>(
      EXTENSION_ID,
    );
    assert.ok(ext);
    const api = await ext.activate();
    await open('good.smmu');
    const good = await waitFor('the status item for good.smmu', async () => {
      await api.status.update();
      return api.status.item.text.includes('SMMU:') && api.status.item.text.startsWith('$(check)')
        ? api.status.item.text
        : undefined;
    });
    assert.match(good, /QEMU/);
    await open('bad.smmu');
    await waitFor('an error state for bad.smmu', async () => {
      await api.status.update();
      return api.status.item.text.startsWith('$(error)') ? true : undefined;
    });
  });

  test('smmu.decodeSelection decodes numbers from any text as a command, an STE or a register', async () => {
    const cmd = await vscode.commands.executeCommand<string>(
      'smmu.decodeSelection',
      'cmd',
      'cmd[0] = 0x0000000300000003, cmd[1] = 0x1',
    );
    assert.match(cmd, /^CMD_CFGI_STE/);
    assert.match(cmd, /StreamID\[63:32\] = 0x3/);
    const ste = await vscode.commands.executeCommand<string>('smmu.decodeSelection', 'ste', '0x0000000044000007');
    assert.match(ste, /Config\[3:1\] = 0x3 \(ABORT_3\)/);
    const cr0 = await vscode.commands.executeCommand<string>(
      'smmu.decodeSelection',
      'CR0',
      '#define CR0_RESERVED 0xFFFFFC20',
    );
    assert.match(cr0, /RES0/);
  });

  test('decode selection on a trace line takes the value written, not the offset or the size', async () => {
    // The line format: W OFFSET SIZE VALUE. CR0 = 0x1D is SMMUEN|EVENTQEN|CMDQEN; 0x20 would be ATSCHK.
    const line = await vscode.commands.executeCommand<string>('smmu.decodeSelection', 'CR0', 'W 0x20 4 0x1D');
    assert.match(line, /^SMMU_CR0 = 0x0000001D/, line);
    // A QEMU log line cut short: the number labelled val.
    const cut = await vscode.commands.executeCommand<string>(
      'smmu.decodeSelection',
      'CR0',
      'addr: 0x20 val:0x1d size: 0x4(0)',
    );
    assert.match(cut, /^SMMU_CR0 = 0x0000001D/, cut);
  });

  test('decode selection on a QEMU trace line offers the register at its offset first, and shows a read-only result', async () => {
    const before = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
    const running = vscode.commands.executeCommand<string>(
      'smmu.decodeSelection',
      undefined,
      '16720@1795653830.053318:smmuv3_write_mmio addr: 0x20 val:0x1d size: 0x4(0)',
    );
    let result: string | undefined;
    void running.then((r) => (result = r));
    // The quick pick of what to decode as: Enter takes its first item.
    await waitFor('the decoding', async () => {
      if (result === undefined) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return result;
    });
    assert.match(result ?? '', /^SMMU_CR0 = 0x0000001D/, result);
    const shown = vscode.workspace.textDocuments.find((d) => !before.has(d.uri.toString()) && d.getText() === result);
    assert.ok(shown, 'the result is shown in a document');
    // A read-only virtual document: never dirty, so closing it asks nothing.
    assert.strictEqual(shown.uri.scheme, 'smmu-decode');
    assert.strictEqual(shown.isUntitled, false);
    assert.strictEqual(shown.isDirty, false);
    assert.match(shown.uri.path, /CR0 0x1D$/);
    const tab = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === shown.uri.toString());
    assert.ok(tab, 'open in a tab');
    assert.ok(await vscode.window.tabGroups.close(tab));
    assert.ok(
      !vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === shown.uri.toString()),
    );
  });
});
