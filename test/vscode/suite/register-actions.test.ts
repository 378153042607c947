/**
 * The Registers view's actions in a real VS Code, through the commands its menus run: copy value,
 * copy as symbolic fields, go to definition, reveal in docs, filter, collapse all. Under
 * `npm run screenshots` it also takes the pictures of the view and of a hover for docs/.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import * as path from 'path';
import { api, EXTENSION_ID, lineOf, open, screenshot, sleep, treeLines, waitFor } from './helpers';

suite('Registers view actions', () => {
  let cr0Line = 0;

  /** good.smmu active, the cursor two lines after its CR0 write, the view showing that place. */
  const atGoodScript = async () => {
    const a = await api();
    const editor = await open('good.smmu');
    cr0Line = lineOf(editor.document, /^write32\s+CR0\s+SMMUEN/);
    // The cursor a few lines after the CR0 write: the view shows the state there.
    const line = Math.min(cr0Line + 2, editor.document.lineCount - 1);
    editor.selection = new vscode.Selection(line, 0, line, 0);
    await waitFor('the view at the cursor line', async () => {
      await a.registers.refresh();
      return a.registers.snapshot?.place.includes(`good.smmu#${line}@`) ? true : undefined;
    });
  };
  suiteSetup(atGoodScript);

  test('the view at a line of the bundled example marks what changed (and, under npm run screenshots, its picture and a hover)', async () => {
    const a = await api();
    // The bundled example, at the line that enables translation: CR0 changed and is marked.
    const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const doc = await vscode.workspace.openTextDocument(
      vscode.Uri.file(path.join(root, 'examples', 'linux-bringup.smmu')),
    );
    const editor = await vscode.window.showTextDocument(doc);
    const enable = lineOf(doc, /^write32 CR0 SMMUEN\|CMDQEN\|EVENTQEN/);
    await vscode.commands.executeCommand('workbench.view.extension.smmu');
    for (const line of [enable - 1, enable]) {
      editor.selection = new vscode.Selection(line, 0, line, 0);
      await waitFor(`the view at line ${line + 1}`, async () => {
        await a.registers.refresh();
        return a.registers.snapshot?.place.includes(`#${line}@`) ? true : undefined;
      });
    }
    editor.revealRange(new vscode.Range(enable, 0, enable, 0), vscode.TextEditorRevealType.InCenter);
    await sleep(400); // the view's own debounced refresh after the cursor moved
    await a.registers.refresh();
    const control = a.registers.getChildren().find((g) => a.registers.getTreeItem(g).label === 'Control');
    const cr0 = control && a.registers.getChildren(control).find((r) => a.registers.getTreeItem(r).label === 'CR0');
    assert.ok(cr0, 'CR0 is in the Control group');
    assert.match(String(a.registers.getTreeItem(cr0).description), /●/, 'CR0 changed at this line');
    await vscode.commands.executeCommand('notifications.clearAll');
    await screenshot('registers-view');
    // A hover on the value written to CR1.
    const cr1 = lineOf(doc, /^write32 CR1 /);
    const col = doc.lineAt(cr1).text.indexOf('TABLE_SH') + 2;
    editor.selection = new vscode.Selection(cr1, col, cr1, col);
    editor.revealRange(new vscode.Range(cr1, 0, cr1, 0), vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('editor.action.showHover');
    await screenshot('hover');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('copy value and copy as symbolic fields', async () => {
    await atGoodScript();
    const a = await api();
    // The previous test closed an editor: refreshes it caused may still land; the view settles on
    // good.smmu, where CR0 is 0x00000009 (SMMUEN|CMDQEN).
    let cr0: string | undefined;
    await waitFor(
      'the view to settle on good.smmu',
      async () => {
        await a.registers.refresh();
        cr0 = treeLines(a.registers).find((l) => l.trim().startsWith('CR0 — '));
        return a.registers.snapshot?.place.includes('good.smmu#') && cr0?.includes('0x00000009') ? true : undefined;
      },
      10_000,
      () => `CR0 in the view: ${cr0}; place ${a.registers.snapshot?.place}`,
    );
    const value = await vscode.commands.executeCommand<string>('smmu.registers.copyValue', 'CR0');
    assert.strictEqual(value, '0x00000009', 'the value the view shows');
    assert.strictEqual(await vscode.env.clipboard.readText(), value, 'on the clipboard');
    const symbolic = await vscode.commands.executeCommand<string>('smmu.registers.copySymbolic', 'CR0');
    assert.match(symbolic, /^SMMUEN(\|[A-Z_]+(=\w+)?)*$/, symbolic);
    assert.strictEqual(await vscode.env.clipboard.readText(), symbolic);
    const field = await vscode.commands.executeCommand<string>('smmu.registers.copySymbolic', 'CR0.SMMUEN');
    assert.match(field, /^SMMUEN=(1|ENABLED)$/, field);
  });

  test('go to definition selects the line that last wrote the register', async () => {
    const r = await vscode.commands.executeCommand<{ line: number }>('smmu.registers.goToDefinition', 'CR0');
    assert.strictEqual(r.line, cr0Line);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor && editor.document.uri.path.endsWith('/good.smmu'));
    assert.strictEqual(editor.selection.start.line, cr0Line);
    // A register nobody wrote has no definition.
    assert.strictEqual(await vscode.commands.executeCommand('smmu.registers.goToDefinition', 'IDR0'), undefined);
  });

  test('reveal in docs opens the rendered docs/registers.md at the register', async () => {
    const textTabs = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.path.endsWith('/docs/registers.md'));
    const r = await vscode.commands.executeCommand<{ uri: string; line: number; preview: boolean }>(
      'smmu.registers.revealInDocs',
      'GERROR',
    );
    // The Markdown preview (a webview), scrolled to the heading's anchor; not the Markdown source.
    assert.strictEqual(r.preview, true);
    assert.match(r.uri, /\/docs\/registers\.md#gerror$/);
    const preview = await waitFor('the Markdown preview', () =>
      vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputWebview
        ? vscode.window.tabGroups.activeTabGroup.activeTab
        : undefined,
    );
    assert.match((preview.input as vscode.TabInputWebview).viewType, /markdown\.preview/);
    assert.match(preview.label, /registers\.md/);
    assert.deepStrictEqual(
      textTabs().map((t) => t.label),
      [],
    );
    await vscode.window.tabGroups.close(preview);
  });

  test('Clear Register Filter is offered only while a filter is set', () => {
    const menus = (
      vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
        contributes: { menus: Record<string, { command: string; when?: string }[]> };
      }
    ).contributes.menus;
    // The context key the filter commands set (the next test runs them).
    for (const where of ['commandPalette', 'view/title']) {
      const entry = menus[where]?.find((m) => m.command === 'smmu.registers.clearFilter');
      assert.match(entry?.when ?? '', /\bsmmu\.registers\.filtered\b/, `${where}: ${JSON.stringify(entry)}`);
    }
  });

  test('filter by name keeps matching registers and shows the filter in the description', async () => {
    const a = await api();
    // Back at the script, and its state in the view: an earlier test left another file active,
    // and right after the switch the view may still be refreshing (empty), as a loaded CI run saw.
    await atGoodScript();
    await vscode.commands.executeCommand('workbench.view.extension.smmu');
    await vscode.commands.executeCommand('smmu.registers.filter', 'cmdq');
    const regs = a.registers
      .getChildren()
      .flatMap((g) => a.registers.getChildren(g).map((r) => String(a.registers.getTreeItem(r).label)));
    assert.ok(regs.length > 0 && regs.includes('CMDQ_BASE'), regs.join(', '));
    // CR0 has a CMDQEN field: a field name matches too.
    assert.ok(
      regs.every(
        (n) => n.includes('CMDQ') || n === 'CR0' || n === 'CR0ACK' || n === 'GERROR' || n === 'GERRORN' || n === 'IDR1',
      ),
      regs.join(', '),
    );
    assert.ok(!regs.includes('IDR5'), 'IDR5 is filtered out');
    assert.strictEqual(a.registers.view?.description, 'filter: cmdq');
    await vscode.commands.executeCommand('smmu.registers.clearFilter');
    assert.strictEqual(a.registers.view?.description, undefined);
    assert.ok(a.registers.getChildren().length >= 5, 'every group is back');
  });

  test('another source of values plugs in (the seam for a debug session) and can be swapped back', async () => {
    await atGoodScript();
    const a = await api();
    const registers = a.registers as unknown as {
      snapshot?: { registers: { name: string; value: string }[]; place: string };
      setSource(s: unknown): unknown;
      refresh(): Promise<void>;
    };
    const base = registers.snapshot!.registers;
    const changed = new vscode.EventEmitter<number>();
    let step = 0;
    // What a debug session's source would give: the live model's registers after each step.
    const session = {
      onDidChange: changed.event,
      snapshot: async () => ({
        registers: base.map((r) => (r.name === 'GERROR' ? { ...r, value: step ? '0x00000001' : '0x00000000' } : r)),
        place: `session#step${step}`,
        label: `Debug session, step ${step}`,
      }),
      dispose: () => changed.dispose(),
    };
    await vscode.commands.executeCommand('workbench.view.extension.smmu'); // a hidden view ignores its source
    const previous = registers.setSource(session);
    await registers.refresh();
    assert.strictEqual(a.registers.view?.message, 'Debug session, step 0');
    step = 1;
    changed.fire(0);
    const gerror = await waitFor('GERROR to follow the step', () => {
      const line = treeLines(a.registers).find((l) => l.trim().startsWith('GERROR — '));
      return line?.includes('0x00000001') ? line : undefined;
    });
    assert.match(gerror, /●/, 'changed since the previous step');
    registers.setSource(previous);
    session.dispose();
    await waitFor('the script cursor source again', async () => {
      await registers.refresh();
      return registers.snapshot?.place.includes('good.smmu#') ? true : undefined;
    });
  });

  test('collapse all is offered on the view and runs', async () => {
    const commands = await vscode.commands.getCommands(true);
    const collapse = 'workbench.actions.treeView.smmu.registers.collapseAll';
    assert.ok(commands.includes(collapse), 'showCollapseAll adds the action');
    await vscode.commands.executeCommand(collapse);
  });
});
