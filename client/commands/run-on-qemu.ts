/**
 * SMMU: Run on QEMU (command and CodeLens): the language server runs the script, as the editor
 * holds it, as a guest program on QEMU's SMMUv3 (`smmu/runOnQemu`, server/lsp/qemu.ts) while a
 * progress notification offers Cancel (which kills QEMU). The judgement goes to QemuResults; what
 * kept QEMU from running (not installed, the script's own errors, an untrusted workspace) is a
 * notification with the action that fixes it. Returns the server's result (tests, keybindings).
 */
import * as vscode from 'vscode';
import { RUN_ON_QEMU_REQUEST, type RunOnQemuParams, type RunOnQemuResult } from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';
import type { QemuNotice, QemuResults } from '../qemu-results';

const SHOW_PROBLEMS = 'Show Problems';
const OPEN_SETTING = 'Open Setting';
const MANAGE_TRUST = 'Manage Workspace Trust';

/** Offer `actions` on a notification of `severity`; run the one chosen. Not awaited by the command. */
function notify(
  results: QemuResults,
  severity: QemuNotice['severity'],
  message: string,
  actions: Readonly<Record<string, () => Thenable<unknown>>> = {},
): void {
  results.lastNotice = { severity, message, actions: Object.keys(actions) };
  const show =
    severity === 'error'
      ? vscode.window.showErrorMessage
      : severity === 'warning'
        ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage;
  void show(message, ...Object.keys(actions)).then((picked) => (picked ? actions[picked]?.() : undefined));
}

const showProblems = () => vscode.commands.executeCommand('workbench.actions.view.problems');

function report(results: QemuResults, result: RunOnQemuResult, name: string): void {
  switch (result.outcome) {
    case 'judged':
      notify(
        results,
        result.diagnostics.some((d) => d.severity === 1) ? 'warning' : 'info',
        `${name}: ${result.summary}.`,
        { [SHOW_PROBLEMS]: showProblems },
      );
      return;
    case 'not-installed':
      notify(results, 'error', result.message, {
        [OPEN_SETTING]: () => vscode.commands.executeCommand('workbench.action.openSettings', 'smmu.qemu.path'),
      });
      return;
    case 'refused':
      notify(results, 'warning', result.message, {
        [MANAGE_TRUST]: () => vscode.commands.executeCommand('workbench.trust.manage'),
      });
      return;
    case 'not-run':
      notify(results, 'error', result.message, { [SHOW_PROBLEMS]: showProblems });
      return;
    case 'failed':
      notify(results, 'error', result.message);
      return;
    case 'cancelled':
      vscode.window.setStatusBarMessage(`Run on QEMU of ${name} cancelled: QEMU was stopped`, 5000);
      return;
  }
}

export function runOnQemu(ctx: Ctx, results: QemuResults): (uri?: vscode.Uri) => Promise<RunOnQemuResult | undefined> {
  return async (uri?: vscode.Uri) => {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'smmu') {
      notify(results, 'info', 'Run on QEMU runs .smmu scripts: open one first.');
      return undefined;
    }
    const name = doc.uri.path.split('/').pop() ?? 'script';
    if (results.isRunning(doc.uri)) {
      notify(results, 'info', `${name} is already running on QEMU.`);
      return undefined;
    }
    const version = doc.version;
    results.setRunning(doc.uri, true);
    let result: RunOnQemuResult;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Running ${name} on QEMU`, cancellable: true },
        (_progress, token) =>
          ctx.request<RunOnQemuResult>(
            RUN_ON_QEMU_REQUEST,
            { uri: doc.uri.toString() } satisfies RunOnQemuParams,
            token,
          ),
      );
    } catch (e) {
      // The server never answers with an error; this is the connection (a server that stopped).
      notify(results, 'error', `Run on QEMU failed: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    } finally {
      results.setRunning(doc.uri, false);
    }
    const ranOn = result.version ?? version;
    if (ranOn !== doc.version) {
      // The lines moved while QEMU ran: findings placed on them would point at the wrong statements.
      notify(results, 'info', `${name} changed while it ran on QEMU: run it again to see the findings.`);
      return result;
    }
    const client = ctx.client;
    const diagnostics = client ? await client.protocol2CodeConverter.asDiagnostics([...result.diagnostics]) : [];
    if (result.outcome !== 'cancelled') results.show(doc, ranOn, result, diagnostics);
    report(results, result, name);
    return result;
  };
}
