/**
 * The status bar item: the configuration the active script or queue descriptor is checked
 * against, and whether it has problems (errors in the file itself, or a configuration that
 * could not be loaded). Clicking it opens the Problems panel.
 */
import * as vscode from 'vscode';
import { DOCUMENT_INFO_REQUEST, type DocumentInfoParams, type DocumentInfoResult } from '../server/lsp/lsp-ext';
import type { Ctx } from './ctx';
import { counted } from '../core/text/plural';

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
    const info = await this.ctx.request<DocumentInfoResult | null>(DOCUMENT_INFO_REQUEST, {
      uri: doc.uri.toString(),
    } satisfies DocumentInfoParams);
    if (!info) {
      this.item.hide();
      return;
    }
    const errors = vscode.languages
      .getDiagnostics(doc.uri)
      .filter((d) => d.source === 'smmu' && d.severity === vscode.DiagnosticSeverity.Error).length;
    const ok = errors === 0 && info.configValid;
    this.item.text = `${ok ? '$(check)' : '$(error)'} SMMU: ${info.config}`;
    const where = info.configPath
      ? ` (\`${vscode.workspace.asRelativePath(info.configPath)}\`)`
      : info.configOrigin
        ? ''
        : ' (the built-in default)';
    const origin = info.configOrigin ? `, from the ${info.configOrigin} (the file has no \`config\` line)` : '';
    // A configuration that cannot be used runs nothing: the tooltip must not say the file was checked against one.
    const head = info.configValid
      ? `Checked against **${info.config}**${where}${origin}`
      : `Not run: the configuration${where}${origin} could not be used; see its diagnostics`;
    this.item.tooltip = new vscode.MarkdownString(`${head}.\n\n${counted(errors, 'error')} in this file.`);
    this.item.show();
  }
}
