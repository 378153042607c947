/** The Getting Started walkthrough: its contribution, its media, and the example it opens. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, EXTENSION_ID, screenshot, waitFor } from './helpers';

interface Walkthrough {
  id: string;
  steps: { id: string; media: { markdown?: string; image?: string } }[];
}

suite('Getting Started walkthrough', () => {
  test('contributed with a markdown page for every step, all shipped with the extension', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const walkthroughs = (ext.packageJSON as { contributes: { walkthroughs: Walkthrough[] } }).contributes.walkthroughs;
    assert.strictEqual(walkthroughs.length, 1);
    const steps = walkthroughs[0]!.steps;
    assert.ok(steps.length >= 3);
    for (const s of steps) {
      const media = s.media.markdown ?? s.media.image;
      assert.ok(media && fs.existsSync(path.join(ext.extensionPath, media)), `step ${s.id}: ${media} exists`);
    }
  });

  test('it opens in the workbench, and its first step opens the bundled example', async () => {
    const a = await api();
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#smmu.gettingStarted`, false);
    await screenshot('walkthrough', 2500); // the step's markdown renders in a webview
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const uri = await vscode.commands.executeCommand<vscode.Uri>('smmu.openExample', 'linux-bringup.smmu');
    assert.ok(uri.path.endsWith('/examples/linux-bringup.smmu'));
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
    // The example is a script like any other: the Registers view follows it.
    await waitFor('the Registers view on the example', async () => {
      await a.registers.refresh();
      return a.registers.snapshot?.place.includes('linux-bringup.smmu#') ? true : undefined;
    });
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
