/** A typed view of the extension's settings (contributes.configuration in package.json). */
import * as vscode from 'vscode';

export type ExecuteOn = 'save' | 'change';

export interface Settings {
  /** `never` in an untrusted workspace: scripts are not executed (restricted mode). */
  readonly executeOn: ExecuteOn | 'never';
  readonly traceServer: 'off' | 'messages' | 'verbose';
  /** `smmu.configuration`: preset name or *.smmu.json path (the server resolves it); '' for the built-in default. */
  readonly configuration: string;
  /** `smmu.inlayHints.enabled`. */
  readonly inlayHints: boolean;
  /** `smmu.model.maxGuestMemory`, MiB. */
  readonly maxGuestMemory: number;
  /** Workspace trust: untrusted, the server reads no file outside the workspace folders and runs no QEMU. */
  readonly trusted: boolean;
  /** `smmu.qemu.path`, `smmu.qemu.machine`, `smmu.qemu.memory` (MiB), `smmu.qemu.timeout` (s): Run on QEMU. */
  readonly qemuPath: string;
  readonly qemuMachine: string;
  readonly qemuMemory: number;
  readonly qemuTimeout: number;
  /** `smmu.languageServer.warmUp`: the server checks a built-in script after it starts (server/lsp/warm-up.ts). */
  readonly warmUp: boolean;
  /** `smmu.languageServer.resultCache`: the server shows a restored script's last diagnostics at once (server/lsp/result-cache.ts). */
  readonly resultCache: boolean;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('smmu');
  return {
    executeOn: vscode.workspace.isTrusted ? c.get<ExecuteOn>('check.executeOn', 'save') : 'never',
    traceServer: c.get<'off' | 'messages' | 'verbose'>('trace.server', 'off'),
    configuration: c.get<string>('configuration', ''),
    inlayHints: c.get<boolean>('inlayHints.enabled', true),
    maxGuestMemory: c.get<number>('model.maxGuestMemory', 256),
    trusted: vscode.workspace.isTrusted,
    // Restricted configurations: in an untrusted workspace VS Code gives the user's values only.
    qemuPath: c.get<string>('qemu.path', ''),
    qemuMachine: c.get<string>('qemu.machine', ''),
    qemuMemory: c.get<number>('qemu.memory', 1024),
    qemuTimeout: c.get<number>('qemu.timeout', 30),
    warmUp: c.get<boolean>('languageServer.warmUp', true),
    resultCache: c.get<boolean>('languageServer.resultCache', true),
  };
}
