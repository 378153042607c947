/**
 * The `smmu` debug type: an inline adapter (the session in server/dap runs in the extension host,
 * no process to start), a configuration provider so F5 on a script works without a launch.json,
 * and the "Debug Script" command. Its button is in the editor title's run menu (package.json,
 * `when: resourceLangId == …`), shown by VS Code as the file opens, before the extension is even
 * active; a CodeLens would appear only once the extension answered and push every line down.
 */
import * as path from 'path';
import * as vscode from 'vscode';

type AdapterModule = typeof import('./debug-adapter');
let adapter: AdapterModule | undefined;
/** dist/debug-adapter.js, loaded when the first session starts (it carries the whole model). */
const adapterModule = (): AdapterModule =>
  (adapter ??= require(path.join(__dirname, 'debug-adapter.js')) as AdapterModule);

/**
 * The `smmu.configuration` setting as a launch's `defaultConfig` (scripts and queue descriptors
 * without a `config` line), resolved against the first workspace folder as the language server
 * resolves it, so the debugger runs what the editor checks.
 */
function withDefaultConfig(config: vscode.DebugConfiguration): vscode.DebugConfiguration {
  if (config.defaultConfig !== undefined) return config;
  const value = vscode.workspace.getConfiguration('smmu').get<string>('configuration', '').trim();
  if (!value) return config;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const rel = value.replace(/^\$\{workspaceFolder\}[\\/]/, '');
  const resolved =
    adapterModule().isPresetName(value) || path.isAbsolute(rel) || !folder ? rel : path.join(folder, rel);
  return { ...config, defaultConfig: resolved };
}

export const DEBUG_TYPE = 'smmu';
export const DEBUG_SCRIPT_COMMAND = 'smmu.debugScript';

const DEBUGGABLE = ['smmu', 'smmuq', 'smmutrace'];
const isDebuggable = (doc: vscode.TextDocument) => DEBUGGABLE.includes(doc.languageId);

/**
 * A launch configuration for a file: stop on entry, so the first step is the user's. A document
 * in the SMMU Trace language is stepped as a trace whatever its name ("Replay as SMMU Trace").
 */
export function launchConfigFor(uri: vscode.Uri): vscode.DebugConfiguration {
  const trace = vscode.workspace.textDocuments.some(
    (d) => d.uri.toString() === uri.toString() && d.languageId === 'smmutrace',
  );
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `Debug ${uri.path.split('/').pop() ?? 'script'}`,
    program: uri.fsPath,
    stopOnEntry: true,
    ...(trace ? { trace: true } : {}),
  };
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration | undefined {
    if (!config.type && !config.request && !config.name) {
      const doc = vscode.window.activeTextEditor?.document;
      if (doc && isDebuggable(doc)) return withDefaultConfig(launchConfigFor(doc.uri));
    }
    // An attach names QEMU's gdbstub or QMP socket, not a program (docs/inspect.md "In VS Code"). It opens a
    // connection a workspace's launch.json chose, so only in a trusted workspace (docs/security.md).
    if (config.request === 'attach') {
      if (vscode.workspace.isTrusted) return config;
      void vscode.window.showErrorMessage(
        'SMMU debugger: attaching connects to the gdbstub or QMP socket the launch configuration names; trust this workspace first (docs/security.md).',
      );
      return undefined;
    }
    if (!config.program) {
      void vscode.window.showErrorMessage(
        'SMMU debugger: set "program" to a .smmu script, a .smmuq command queue descriptor or a .smmutrace trace.',
      );
      return undefined;
    }
    return withDefaultConfig(config);
  }
}

export function registerDebugger(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () =>
        new vscode.DebugAdapterInlineImplementation(new (adapterModule().SmmuDebugSession)()),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider()),
    vscode.commands.registerCommand(DEBUG_SCRIPT_COMMAND, async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target) return false;
      return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(target), launchConfigFor(target));
    }),
  );
}
