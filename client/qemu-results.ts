/**
 * What the last Run on QEMU of each script found (docs/vscode.md#run-on-qemu): its diagnostics in a
 * collection of their own (source `SMMU on QEMU`, beside the language server's `smmu` ones, which
 * they never replace), a hover with QEMU's value and the model's side by side on the lines that
 * have them, and the CodeLens at the top of the script that runs it. A result describes the text
 * it ran: the first edit of the script clears it, since its lines no longer say where things are.
 */
import * as vscode from 'vscode';
import type { QemuLineValue, RunOnQemuResult } from '../server/lsp/lsp-ext';

export const RUN_ON_QEMU_COMMAND = 'smmu.runOnQemu';

interface Kept {
  readonly version: number;
  readonly summary: string;
  readonly values: ReadonlyMap<number, readonly QemuLineValue[]>;
}

/** A table cell: a value in code, or a dash for none. */
const cell = (v: string) => (v ? `\`${v}\`` : '—');

/** The hover's Markdown for the values of one line. */
export function valuesTable(values: readonly QemuLineValue[], summary: string): string {
  const rows = values.map(
    (v) =>
      `| \`${v.access}\` | ${v.differs ? `**${cell(v.qemu)}**` : cell(v.qemu)} | ${cell(v.model)} |${v.differs ? ' ≠ |' : ' |'}`,
  );
  return [`**On QEMU** (${summary})`, '', '| Access | QEMU | Model | |', '|---|---|---|---|', ...rows].join('\n');
}

/** A notification Run on QEMU showed, with its actions (kept for the integration tests). */
export interface QemuNotice {
  readonly severity: 'info' | 'warning' | 'error';
  readonly message: string;
  readonly actions: readonly string[];
}

export class QemuResults implements vscode.HoverProvider, vscode.CodeLensProvider {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('smmu-qemu');
  /** The last notification the command showed: VS Code's API cannot read notifications back. */
  lastNotice: QemuNotice | undefined;
  private readonly kept = new Map<string, Kept>();
  private readonly running = new Set<string>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;

  register(): vscode.Disposable[] {
    const scripts: vscode.DocumentSelector = [{ language: 'smmu' }];
    return [
      this.diagnostics,
      this.lensesChanged,
      vscode.languages.registerHoverProvider(scripts, this),
      vscode.languages.registerCodeLensProvider(scripts, this),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length) this.clear(e.document.uri);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.clear(d.uri)),
      // Trusting the workspace makes Run on QEMU available: offer its CodeLens.
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.lensesChanged.fire()),
    ];
  }

  isRunning(uri: vscode.Uri): boolean {
    return this.running.has(uri.toString());
  }

  setRunning(uri: vscode.Uri, on: boolean): void {
    if (on) this.running.add(uri.toString());
    else this.running.delete(uri.toString());
    this.lensesChanged.fire();
  }

  /** Keep `result` for `doc` at `version` and show its diagnostics. */
  show(
    doc: vscode.TextDocument,
    version: number,
    result: RunOnQemuResult,
    diagnostics: readonly vscode.Diagnostic[],
  ): void {
    const values = new Map<number, QemuLineValue[]>();
    for (const v of result.values) values.set(v.line, [...(values.get(v.line) ?? []), v]);
    this.kept.set(doc.uri.toString(), { version, summary: result.summary, values });
    this.diagnostics.set(doc.uri, diagnostics);
    this.lensesChanged.fire();
  }

  clear(uri: vscode.Uri): void {
    const had = this.kept.delete(uri.toString());
    if (had || this.diagnostics.has(uri)) {
      this.diagnostics.delete(uri);
      this.lensesChanged.fire();
    }
  }

  private current(doc: vscode.TextDocument): Kept | undefined {
    const k = this.kept.get(doc.uri.toString());
    return k && k.version === doc.version ? k : undefined;
  }

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const k = this.current(doc);
    const values = k?.values.get(position.line);
    if (!k || !values?.length) return undefined;
    return new vscode.Hover(new vscode.MarkdownString(valuesTable(values, k.summary)), doc.lineAt(position.line).range);
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    // Untrusted, the server refuses to start QEMU: no CodeLens offers what cannot run.
    if (!vscode.workspace.isTrusted) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    if (this.isRunning(doc.uri))
      return [new vscode.CodeLens(top, { title: '$(sync~spin) Running on QEMU…', command: '' })];
    const last = this.current(doc);
    return [
      new vscode.CodeLens(top, {
        title: last ? `$(play) Run on QEMU again · last run: ${last.summary}` : '$(play) Run on QEMU',
        tooltip:
          'Run this script as a guest program on QEMU’s SMMUv3 and show where QEMU differs from the architecture',
        command: RUN_ON_QEMU_COMMAND,
        arguments: [doc.uri],
      }),
    ];
  }
}
