/** A typed view of the extension's settings (contributes.configuration in package.json). */
import * as vscode from 'vscode';

export type ExecuteOn = 'save' | 'change';

export interface Settings {
  readonly executeOn: ExecuteOn;
  readonly traceServer: 'off' | 'messages' | 'verbose';
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('smmu');
  return {
    executeOn: c.get<ExecuteOn>('check.executeOn', 'save'),
    traceServer: c.get<'off' | 'messages' | 'verbose'>('trace.server', 'off'),
  };
}
