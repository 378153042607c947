/**
 * The Registers view: groups → registers → fields, with the model's state after the statements
 * up to the cursor line of the active `.smmu` script (the language server's smmu/stateAtLine).
 * One node class per level renders its own item (as Peripheral Viewer's nodes do); values follow
 * `smmu.registers.format`; a register whose value changed since the last refresh is marked.
 * The view only presents: what the values are is the server's business.
 */
import * as vscode from 'vscode';
import { STATE_AT_LINE_REQUEST, type RegisterState, type StateAtLineParams, type StateAtLineResult } from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';

export type ValueFormat = 'hex' | 'decimal' | 'binary';

const GROUP_TITLES: Record<string, string> = {
  identification: 'Identification',
  control: 'Control',
  errors: 'Errors',
  interrupts: 'Interrupts',
  'stream-table': 'Stream table',
  'command-queue': 'Command queue',
  'event-queue': 'Event queue',
  'pri-queue': 'PRI queue',
};

export function formatValue(hex: string, width: number, format: ValueFormat): string {
  const v = BigInt(hex);
  if (format === 'decimal') return v.toString(10);
  if (format === 'binary') return '0b' + v.toString(2).padStart(width, '0');
  return hex;
}

export class GroupNode {
  constructor(
    readonly id: string,
    readonly registers: readonly RegisterState[],
  ) {}
  item(): vscode.TreeItem {
    const t = new vscode.TreeItem(GROUP_TITLES[this.id] ?? this.id, vscode.TreeItemCollapsibleState.Expanded);
    t.id = `group:${this.id}`;
    t.contextValue = 'smmu.group';
    return t;
  }
}

export class RegisterNode {
  constructor(
    readonly state: RegisterState,
    readonly format: ValueFormat,
    readonly changed: boolean,
  ) {}
  item(): vscode.TreeItem {
    const r = this.state;
    const t = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.Collapsed);
    t.id = `register:${r.name}`;
    t.description = `${formatValue(r.value, r.width, this.format)}${this.changed ? '  ●' : ''}`;
    const md = new vscode.MarkdownString(`**SMMU_${r.name}** @ 0x${r.offset.toString(16).toUpperCase()} (§${r.section})\n\n${r.summary}\n\nValue: \`${r.value}\`${r.lastWrittenAt !== undefined ? `, last written at line ${r.lastWrittenAt + 1}` : ''}`);
    t.tooltip = md;
    t.contextValue = 'smmu.register';
    return t;
  }
}

export class FieldNode {
  constructor(
    readonly register: string,
    readonly field: RegisterState['fields'][number],
  ) {}
  item(): vscode.TreeItem {
    const f = this.field;
    const t = new vscode.TreeItem(`${f.name}${f.bits}`, vscode.TreeItemCollapsibleState.None);
    t.id = `field:${this.register}.${f.name}`;
    t.description = f.meaning ? `${f.value} (${f.meaning})` : f.value;
    t.tooltip = f.description;
    t.contextValue = 'smmu.field';
    return t;
  }
}

export type RegisterTreeNode = GroupNode | RegisterNode | FieldNode;

export class RegisterTreeProvider implements vscode.TreeDataProvider<RegisterTreeNode> {
  private readonly emitter = new vscode.EventEmitter<RegisterTreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private state: readonly RegisterState[] = [];
  private previous = new Map<string, string>();
  private changed = new Set<string>();
  /** Where the shown state comes from, for the view's message and for tests. */
  source: { uri: string; line: number; version: number } | undefined;
  error: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly ctx: Ctx) {}

  get format(): ValueFormat {
    return vscode.workspace.getConfiguration('smmu').get<ValueFormat>('registers.format', 'hex');
  }

  /** Refresh from the active editor's cursor line, debounced so cursor moves do not flood the server. */
  schedule(delay = 120): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  async refresh(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'smmu' || !this.ctx.client) return;
    const params: StateAtLineParams = { uri: editor.document.uri.toString(), line: editor.selection.active.line };
    const version = editor.document.version;
    const result = await this.ctx.client.sendRequest<StateAtLineResult | null>(STATE_AT_LINE_REQUEST, params);
    if (!result) return;
    // "Changed" is relative to the last different place (another line, or an edit), so refreshing
    // the same place keeps the marks.
    const moved = !this.source || this.source.uri !== params.uri || this.source.line !== params.line || this.source.version !== version;
    if (moved) {
      const next = new Map(result.registers.map((r) => [r.name, r.value]));
      this.changed = new Set(result.registers.filter((r) => this.previous.has(r.name) && this.previous.get(r.name) !== r.value).map((r) => r.name));
      this.previous = next;
    }
    this.state = result.registers;
    this.source = { ...params, version };
    this.error = result.error;
    this.emitter.fire(undefined);
  }

  /** Re-render with the current format (no new request). */
  rerender(): void {
    this.emitter.fire(undefined);
  }

  getTreeItem(node: RegisterTreeNode): vscode.TreeItem {
    return node.item();
  }

  getChildren(node?: RegisterTreeNode): RegisterTreeNode[] {
    if (!node) {
      const groups = new Map<string, RegisterState[]>();
      for (const r of this.state) {
        const list = groups.get(r.group) ?? [];
        list.push(r);
        groups.set(r.group, list);
      }
      return [...groups.entries()].map(([g, regs]) => new GroupNode(g, regs));
    }
    if (node instanceof GroupNode) return node.registers.map((r) => new RegisterNode(r, this.format, this.changed.has(r.name)));
    if (node instanceof RegisterNode) return node.state.fields.map((f) => new FieldNode(node.state.name, f));
    return [];
  }
}

/** Create the view and keep it following the active script's cursor. */
export function registerTreeView(ctx: Ctx): RegisterTreeProvider {
  const provider = new RegisterTreeProvider(ctx);
  const view = vscode.window.createTreeView('smmu.registers', { treeDataProvider: provider, showCollapseAll: true });
  const message = () => {
    view.message = provider.error ?? (provider.source ? `State after line ${provider.source.line + 1}` : 'Open a .smmu script to see the model state at the cursor.');
  };
  provider.onDidChangeTreeData(message);
  message();
  ctx.extension.subscriptions.push(
    view,
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (e.textEditor.document.languageId === 'smmu') provider.schedule();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => provider.schedule(0)),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === vscode.window.activeTextEditor?.document) provider.schedule(300);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('smmu.registers.format')) provider.rerender();
    }),
    vscode.commands.registerCommand('smmu.registers.toggleFormat', async () => {
      const order: ValueFormat[] = ['hex', 'decimal', 'binary'];
      const next = order[(order.indexOf(provider.format) + 1) % order.length] ?? 'hex';
      await vscode.workspace.getConfiguration('smmu').update('registers.format', next, vscode.ConfigurationTarget.Global);
    }),
  );
  provider.schedule(0);
  return provider;
}
