/**
 * "SMMU: Open Example": opens a script bundled with the extension (examples/), the walkthrough's
 * first step. Called with a file name it opens that one without asking (tests).
 */
import * as fs from 'fs';
import * as vscode from 'vscode';

export function openExample(extension: vscode.ExtensionContext) {
  return async (name?: string): Promise<vscode.Uri | undefined> => {
    const dir = extension.asAbsolutePath('examples');
    if (name === undefined) {
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.smmu') || f.endsWith('.smmuq'));
      const pick = await vscode.window.showQuickPick(
        files.map((f) => ({ label: f, description: f === 'linux-bringup.smmu' ? 'Linux bring-up on QEMU’s SMMU (start here)' : '' })),
        { placeHolder: 'Example to open' },
      );
      if (!pick) return undefined;
      name = pick.label;
    }
    const uri = vscode.Uri.file(extension.asAbsolutePath(`examples/${name}`));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    return uri;
  };
}
