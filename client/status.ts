/**
 * The status bar item: the configuration the active script or queue descriptor is checked
 * against, and whether it has problems (errors in the file itself, or a configuration that
 * could not be loaded). Clicking it opens the Problems panel.
 */
import * as vscode from 'vscode';
import { DOCUMENT_INFO_REQUEST, type DocumentInfoParams, type DocumentInfoResult } from '../server/lsp/lsp-ext';
import type { Ctx } from './ctx';

export class StatusItem {
  readonly item = vscode.window.createStatusBarItem('smmu.status', vscode.StatusBarAlignment.Left, 10);
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly ctx: Ctx) {
    this.item.name = 'SMMU configuration';
    this.item.command = 'workbench.actions.view.problems';
    ctx.extension.subscriptions.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule(0)),
      vscode.languages.onDidChangeDiagnostics(() => this.schedule()),
    );
    this.schedule(0);
  }

  schedule(delay = 200): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), delay);
  }

  async update(): Promise<void> {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || (doc.languageId !== 'smmu' && doc.languageId !== 'smmuq')) {
      this.item.hide();
      return;
    }
    const info = await this.ctx.request<DocumentInfoResult | null>(DOCUMENT_INFO_REQUEST, { uri: doc.uri.toString() } satisfies DocumentInfoParams);
    if (!info) {
      this.item.hide();
      return;
    }
    const errors = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'smmu' && d.severity === vscode.DiagnosticSeverity.Error).length;
    const ok = errors === 0 && info.configValid;
    this.item.text = `${ok ? '$(check)' : '$(error)'} SMMU: ${info.config}`;
    this.item.tooltip = new vscode.MarkdownString(
      `Checked against **${info.config}**${info.configPath ? ` (\`${vscode.workspace.asRelativePath(info.configPath)}\`)` : info.configOrigin ? '' : ' (the built-in default)'}` +
        `${info.configOrigin ? `, from the ${info.configOrigin} (the file has no \`config\` line)` : ''}` +
        `${info.configValid ? '' : '\n\nThe configuration file could not be used: see its diagnostics.'}\n\n${errors} error${errors === 1 ? '' : 's'} in this file.`,
    );
    this.item.show();
  }
}
