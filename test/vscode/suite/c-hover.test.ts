/** The optional hover in C files (`smmu.cHover.enabled`), through VS Code's hover command. */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, hoverText, open, sleep, waitFor } from './helpers';

suite('Hover in C files', () => {
  teardown(async () => {
    await vscode.workspace
      .getConfiguration('smmu')
      .update('cHover.enabled', undefined, vscode.ConfigurationTarget.Global);
  });

  test('off by default; on, a value next to a register name is decoded', async () => {
    await api();
    const doc = (await open('driver.c')).document;
    assert.strictEqual(doc.languageId, 'c');
    const define = new vscode.Position(1, doc.lineAt(1).text.indexOf('0xFFFF') + 4);
    const write = new vscode.Position(2, doc.lineAt(2).text.indexOf('0x1d') + 2);
    assert.ok(!(await hoverText(doc.uri, define)).includes('SMMU_CR0'), 'no SMMU hover while the setting is off');
    await vscode.workspace.getConfiguration('smmu').update('cHover.enabled', true, vscode.ConfigurationTarget.Global);
    const text = await waitFor('a decode of CR0_RESERVED', async () => {
      const t = await hoverText(doc.uri, define);
      return t.includes('SMMU_CR0') ? t : undefined;
    });
    assert.match(text, /CR0_RESERVED/);
    assert.match(text, /RES0/, `the reserved bits are named:\n${text}`);
    const written = await hoverText(doc.uri, write);
    assert.match(written, /ARM_SMMU_CR0/);
    assert.match(written, /SMMUEN/, written);
    assert.match(written, /CMDQEN/, written);
    // Off again: nothing.
    await vscode.workspace.getConfiguration('smmu').update('cHover.enabled', false, vscode.ConfigurationTarget.Global);
    await sleep(200);
    assert.ok(!(await hoverText(doc.uri, write)).includes('SMMU_CR0'));
  });
});
