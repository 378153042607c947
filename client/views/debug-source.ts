/**
 * The Registers view during an `smmu` debug session: values from the session's live model
 * (the adapter's `smmu/registers` request), refreshed at every stop and after every change made
 * from the view or the console; and "Set Value", which writes through the session's model as a
 * guest write (validated, reported, recorded in the session's history so step back undoes it).
 * When the session ends, the view goes back to the active script's cursor.
 */
import * as vscode from 'vscode';
import type { SessionRegistersResult, SetRegisterResult } from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';
import { EditorCursorSource, type RegisterSnapshot, type RegisterSource } from './register-source';
import { FieldNode, RegisterNode, type RegisterTreeProvider } from './register-tree';

const DEBUG_TYPE = 'smmu';

export class DebugSessionSource implements RegisterSource {
  private readonly emitter = new vscode.EventEmitter<number>();
  readonly onDidChange = this.emitter.event;
  /** Counts the session's stops and changes: a new place for the view's change marks. */
  private step = 0;

  constructor(readonly session: vscode.DebugSession) {}

  /** The session stopped or its state changed (the adapter's `stopped`/`invalidated` events). */
  changed(): void {
    this.step++;
    this.emitter.fire(0);
  }

  async snapshot(): Promise<RegisterSnapshot | undefined> {
    let r: SessionRegistersResult;
    try {
      r = (await this.session.customRequest('smmu/registers')) as SessionRegistersResult;
    } catch (e) {
      // While the model runs the adapter refuses; keep what the view shows.
      return e instanceof Error && /running/.test(e.message)
        ? undefined
        : {
            registers: [],
            place: `${this.session.id}#${this.step}`,
            label: this.session.name,
            error: e instanceof Error ? e.message : String(e),
          };
    }
    if (this.session.configuration.request === 'attach')
      return {
        registers: r.registers,
        place: `${this.session.id}#${this.step}`,
        label: `Live SMMU through ${String(this.session.configuration.qmp ?? this.session.configuration.gdb)}`,
      };
    const program =
      typeof this.session.configuration.program === 'string'
        ? vscode.Uri.file(this.session.configuration.program)
        : undefined;
    return {
      registers: r.registers,
      place: `${this.session.id}#${this.step}`,
      ...(program ? { document: program } : {}),
      // Where the values are from, as the editor's source says it (the session's name, "Debug
      // x.smmu" by default, would repeat the word).
      label: `Debug session at line ${r.line + 1}${program ? ` of ${vscode.workspace.asRelativePath(program)}` : ''}`,
    };
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** Point the view at each `smmu` debug session while it runs, and give it "Set Value". */
export function followDebugSessions(provider: RegisterTreeProvider, ctx: Ctx): vscode.Disposable[] {
  let current: DebugSessionSource | undefined;
  const use = (session: vscode.DebugSession | undefined) => {
    if (session?.type === DEBUG_TYPE) {
      if (current?.session.id === session.id) return;
      current = new DebugSessionSource(session);
      provider.setSource(current).dispose();
    } else if (current) {
      current = undefined;
      provider.setSource(new EditorCursorSource(ctx)).dispose();
    }
  };
  return [
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string }) => {
          if (
            m.type === 'event' &&
            (m.event === 'stopped' || m.event === 'invalidated') &&
            current?.session.id === session.id
          )
            current.changed();
        },
      }),
    }),
    vscode.debug.onDidStartDebugSession((s) => use(s)),
    vscode.debug.onDidChangeActiveDebugSession((s) => (s ? use(s) : undefined)),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (current?.session.id === s.id)
        use(vscode.debug.activeDebugSession?.id === s.id ? undefined : vscode.debug.activeDebugSession);
    }),
    vscode.commands.registerCommand('smmu.registers.setValue', async (arg: unknown, valueArg?: unknown) => {
      if (!current) {
        void vscode.window.showInformationMessage(
          'Set Value writes through the model of a running SMMU debug session: start one with "SMMU: Debug Script".',
        );
        return undefined;
      }
      // A tree node, or `REG` / `REG.FIELD` from other callers and tests.
      let register: string | undefined;
      let field: string | undefined;
      let shown = '';
      if (arg instanceof RegisterNode) [register, shown] = [arg.state.name, arg.state.value];
      else if (arg instanceof FieldNode)
        [register, field, shown] = [arg.register.name, arg.field.name, arg.field.value];
      else if (typeof arg === 'string') [register, field] = arg.split('.');
      if (!register) return undefined;
      const what = `SMMU_${register}${field ? `.${field}` : ''}`;
      const value =
        typeof valueArg === 'string'
          ? valueArg
          : await vscode.window.showInputBox({
              title: `Set ${what}`,
              prompt:
                'A number, symbolic fields (SMMUEN|CMDQEN) or, for a field, an enum name. Written as the guest would write it.',
              value: shown,
            });
      if (value === undefined) return undefined;
      try {
        const r = (await current.session.customRequest('smmu/setRegister', {
          register,
          ...(field ? { field } : {}),
          value,
        })) as SetRegisterResult;
        if (r.findings.length) void vscode.window.showWarningMessage(`${what}: ${r.findings.join('; ')}`);
        current.changed();
        return r;
      } catch (e) {
        void vscode.window.showErrorMessage(`${what}: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    }),
  ];
}
