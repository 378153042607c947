/**
 * Where the Registers view's values come from. The view shows a `RegisterSnapshot` from one
 * `RegisterSource` at a time: without a debug session, the model state at the cursor line of the
 * active `.smmu` script (the language server's smmu/stateAtLine); a debug session's live model is
 * another source (issue #6) plugged in with RegisterTreeProvider.setSource.
 */
import * as vscode from 'vscode';
import {
  STATE_AT_LINE_REQUEST,
  type RegisterState,
  type StateAtLineParams,
  type StateAtLineResult,
} from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';

export interface RegisterSnapshot {
  readonly registers: readonly RegisterState[];
  /**
   * Identifies the place the values are from (a line and document version, a debug step). The
   * view marks registers that changed since the last snapshot with a different place.
   */
  readonly place: string;
  /** The document `lastWrittenAt` lines refer to ("go to definition"). */
  readonly document?: vscode.Uri;
  /** One line for the view's message: where the values are from, or why there are none. */
  readonly label: string;
  readonly error?: string;
}

export interface RegisterSource extends vscode.Disposable {
  /** Fired when the source has new values; the number is a debounce delay in milliseconds. */
  readonly onDidChange: vscode.Event<number>;
  /** The current values, or undefined to keep what the view shows. */
  snapshot(): Promise<RegisterSnapshot | undefined>;
}

/**
 * The message of a view that follows the active editor when that editor is not one it can show:
 * what the view shows, and that the active editor is not such a file.
 */
export function notAScript(editor: vscode.TextEditor | undefined, kind: string, shows: string): string {
  if (!editor) return `No editor is active: this view shows ${shows}.`;
  return `The active editor (${vscode.workspace.asRelativePath(editor.document.uri)}) is not ${kind}: this view shows ${shows}.`;
}

/** The model state after the statements up to the cursor line of the active `.smmu` script. */
export class EditorCursorSource implements RegisterSource {
  private readonly emitter = new vscode.EventEmitter<number>();
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly ctx: Ctx) {
    this.subscriptions = [
      this.emitter,
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor.document.languageId === 'smmu') this.emitter.fire(120);
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.emitter.fire(0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document) this.emitter.fire(300);
      }),
    ];
  }

  async snapshot(): Promise<RegisterSnapshot | undefined> {
    const editor = vscode.window.activeTextEditor;
    // The Output panel is an editor to VS Code but not to the user: the view keeps its place.
    if (editor?.document.uri.scheme === 'output') return undefined;
    // Anything else that is not a script: the view says so rather than keep an older place (a
    // script left, a debug session ended).
    if (!editor || editor.document.languageId !== 'smmu')
      return {
        registers: [],
        place: `none:${editor?.document.uri.toString() ?? ''}`,
        label: notAScript(editor, 'an SMMU script', 'the model state at the cursor of a .smmu script'),
      };
    const params: StateAtLineParams = { uri: editor.document.uri.toString(), line: editor.selection.active.line };
    const version = editor.document.version;
    const result = await this.ctx.request<StateAtLineResult | null>(STATE_AT_LINE_REQUEST, params);
    if (!result) return undefined;
    return {
      registers: result.registers,
      place: `${params.uri}#${params.line}@${version}`,
      document: editor.document.uri,
      label: `State after line ${params.line + 1} of ${vscode.workspace.asRelativePath(editor.document.uri)}`,
      ...(result.error ? { error: result.error } : {}),
    };
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
