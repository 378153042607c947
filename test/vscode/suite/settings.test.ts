/**
 * The settings the language server follows, changed as a user changes them (user settings of the
 * test profile, restored afterwards): `smmu.configuration` moves the status bar item and the
 * diagnostics of a script without a `config` line; `smmu.inlayHints.enabled` hides the hints.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './helpers';

interface StatusApi {
  status: { item: vscode.StatusBarItem; update(): Promise<void> };
}

/**
 * The name VS Code 1.100's Settings editor gives a setting when browsing its extension's section
 * (src/vs/workbench/contrib/preferences/browser/settingsTreeModels.ts settingKeyToDisplayFormat and
 * trimCategoryForGroup, common/preferences.ts wordifyKey): the key's last segment is the label, the
 * rest its category, less the prefix the settings group's id already says; `.x` becomes ` › X` and
 * camelCase is split after a lower-case letter or a digit. The group's id is the extension's id
 * when the extension contributes a single category (settingsTree.ts createTocTreeForExtensionSettings),
 * else the category's `id`.
 */
function displayName(key: string, groupId: string): string {
  const dot = key.lastIndexOf('.');
  let category = dot >= 0 ? key.slice(0, dot) : '';
  const wordify = (k: string) =>
    k
      .replace(/\.([a-z0-9])/g, (_m, c: string) => ` \u203A ${c.toUpperCase()}`)
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/^[a-z]/g, (m) => m.toUpperCase());
  const trim = (forward: boolean): string | undefined => {
    const parts = groupId
      .split('.')
      .map((p) => (p.replace(/-/g, '').toLowerCase() === category.toLowerCase() ? p.replace(/-/g, '') : p));
    while (parts.length) {
      const re = new RegExp(`^${parts.join('\\.')}(\\.|$)`, 'i');
      if (re.test(category)) return category.replace(re, '');
      if (forward) parts.pop();
      else parts.shift();
    }
    return undefined;
  };
  category = wordify(trim(true) ?? trim(false) ?? category);
  const label = wordify(key.slice(dot + 1));
  return category ? `${category}: ${label}` : label;
}

const setting = (key: string, value: unknown) =>
  vscode.workspace.getConfiguration('smmu').update(key, value, vscode.ConfigurationTarget.Global);

suite('Settings', () => {
  teardown(async () => {
    // The untitled script of the test, unsaved: closed without a prompt.
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await setting('configuration', undefined);
    await setting('inlayHints.enabled', undefined);
  });

  test('smmu.configuration: the status bar item and the diagnostics follow the setting', async () => {
    const ext = vscode.extensions.getExtension<StatusApi>(EXTENSION_ID);
    assert.ok(ext);
    const api = await ext.activate();
    // No `config` line; PRIQEN is RES0 unless the configuration advertises IDR0.PRI (§6.3.9).
    const doc = await vscode.workspace.openTextDocument({ language: 'smmu', content: 'write32 CR0 PRIQEN\n' });
    await vscode.window.showTextDocument(doc);
    const diagnostics = () => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'smmu');
    const code = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);
    const status = (pred: (text: string) => boolean) =>
      waitFor(
        'the status item',
        async () => {
          await api.status.update();
          return pred(api.status.item.text) ? api.status.item.text : undefined;
        },
        15_000,
        () =>
          `status: ${api.status.item.text}; diagnostics: ${diagnostics()
            .map((d) => d.message)
            .join(' | ')}`,
      );

    // The built-in default: QEMU's SMMU, which has no PRI queue.
    await waitFor('write.unadvertised under the built-in default', () =>
      diagnostics().some((d) => code(d) === 'write.unadvertised') ? true : undefined,
    );
    await status((t) => t.startsWith('$(error)') && /QEMU/.test(t));

    // A preset by name.
    await setting('configuration', 'smmuv3.2-full');
    await waitFor(
      'no diagnostics under smmuv3.2-full',
      () => (diagnostics().length === 0 ? true : undefined),
      15_000,
      () =>
        diagnostics()
          .map((d) => d.message)
          .join(' | '),
    );
    await status((t) => t === '$(check) SMMU: SMMUv3.2 full-featured');
    assert.match((api.status.item.tooltip as vscode.MarkdownString).value, /setting smmu\.configuration/);

    // A file, by absolute path (a relative one is relative to the workspace folder).
    await setting('configuration', path.join(ext.extensionPath, 'presets', 'xen-vsmmu.smmu.json'));
    await status((t) => /SMMU: Xen vSMMUv3/.test(t));

    // A file that does not exist: one error on line 0 naming the setting.
    await setting('configuration', 'no-such.smmu.json');
    const missing = await waitFor('config.missing', () => diagnostics().find((d) => code(d) === 'config.missing'));
    assert.strictEqual(missing.range.start.line, 0);
    assert.match(missing.message, /setting smmu\.configuration/);
    assert.strictEqual(diagnostics().filter((d) => code(d).startsWith('config.')).length, 1);
    await status((t) => t.startsWith('$(error)'));

    // Back to the default.
    await setting('configuration', undefined);
    await waitFor('QEMU again', () =>
      diagnostics().some((d) => code(d) === 'write.unadvertised') &&
      !diagnostics().some((d) => code(d).startsWith('config.'))
        ? true
        : undefined,
    );
    await status((t) => /QEMU/.test(t));
  });

  test('the Settings editor names the settings without a "Smmu ›" prefix ("C Hover: Enabled"), and VS Code registered them all', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    type Category = { id?: string; title?: string; properties: Record<string, unknown> };
    const contributed = (ext.packageJSON as { contributes: { configuration: Category | Category[] } }).contributes
      .configuration;
    const categories = Array.isArray(contributed) ? contributed : [contributed];
    const names = new Map<string, string>();
    for (const c of categories)
      for (const key of Object.keys(c.properties))
        names.set(key, displayName(key, categories.length === 1 ? ext.id : (c.id ?? ext.id)));
    assert.deepStrictEqual(Object.fromEntries(names), {
      'smmu.configuration': 'Configuration',
      'smmu.check.executeOn': 'Check: Execute On',
      'smmu.model.maxGuestMemory': 'Model: Max Guest Memory',
      'smmu.inlayHints.enabled': 'Inlay Hints: Enabled',
      'smmu.languageServer.warmUp': 'Warm Up',
      'smmu.languageServer.resultCache': 'Result Cache',
      'smmu.cHover.enabled': 'C Hover: Enabled',
      'smmu.registers.format': 'Registers: Format',
      'smmu.trace.server': 'Trace: Server',
      'smmu.qemu.path': 'Qemu: Path',
      'smmu.qemu.machine': 'Qemu: Machine',
      'smmu.qemu.memory': 'Qemu: Memory',
      'smmu.qemu.timeout': 'Qemu: Timeout',
    });
    // The keys did not change, and VS Code took every category (each setting has its default).
    for (const key of names.keys())
      assert.ok(vscode.workspace.getConfiguration().inspect(key)?.defaultValue !== undefined, `${key} is registered`);
  });

  test('smmu.inlayHints.enabled: off, the server gives no hints; on again, they are back', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'smmu', content: 'write32 CR0 0xd\n' });
    await vscode.window.showTextDocument(doc);
    const range = new vscode.Range(0, 0, 1, 0);
    const labels = async () =>
      (
        (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, range)) ??
        []
      ).map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')));
    await waitFor('the hint of a written value', async () =>
      (await labels()).includes('SMMUEN|EVENTQEN|CMDQEN') ? true : undefined,
    );
    await setting('inlayHints.enabled', false);
    await waitFor('no hints', async () => ((await labels()).length === 0 ? true : undefined));
    await setting('inlayHints.enabled', true);
    await waitFor('hints again', async () => ((await labels()).includes('SMMUEN|EVENTQEN|CMDQEN') ? true : undefined));
  });
});
