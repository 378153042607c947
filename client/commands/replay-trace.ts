/**
 * SMMU: Replay as SMMU Trace: open the active file (a QEMU `-trace smmuv3_*` log with any name,
 * or a hypervisor's log in the line format) as the `smmutrace` language, so the language server
 * replays it against the model. The replay itself is the server's (server/lsp/trace.ts).
 */
import * as vscode from 'vscode';

export function replayTrace(): (uri?: vscode.Uri) => Promise<vscode.TextDocument | undefined> {
  return async (uri?: vscode.Uri) => {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc) {
      void vscode.window.showInformationMessage(
        'Open a trace (a QEMU -trace smmuv3_* log or a .smmutrace file) first.',
      );
      return undefined;
    }
    const traced =
      doc.languageId === 'smmutrace' ? doc : await vscode.languages.setTextDocumentLanguage(doc, 'smmutrace');
    await vscode.window.showTextDocument(traced);
    return traced;
  };
}
