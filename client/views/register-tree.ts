/**
 * The Registers view: groups → registers → fields, with the values of a `RegisterSource`
 * (register-source.ts; by default the model state at the cursor line of the active `.smmu`
 * script). One node class per level renders its own item (as Peripheral Viewer's nodes do); values
 * follow `smmu.registers.format`; a register whose value changed since the last place is marked.
 * The view only presents: what the values are is the source's business.
 */
import * as vscode from 'vscode';
import type { RegisterState } from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';
import { EditorCursorSource, type RegisterSnapshot, type RegisterSource } from './register-source';
import { Refresher } from './refresher';

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

/**
 * Registers are grouped by function and by page: the page-1 registers (EVENTQ_PROD/CONS,
 * PRIQ_PROD/CONS at 0x100A8...) get a group of their own, since decoding them at their page-0
 * offsets is a classic emulation bug (§6.2).
 */
export function groupKey(r: RegisterState): string {
  // Beyond page 1 is the VATOS page (§6.2.3, the only extension page the table holds).
  return r.offset >= 0x20000 ? `${r.group}@vatos` : r.offset >= 0x10000 ? `${r.group}@page1` : r.group;
}

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
    const [group, page] = this.id.split('@');
    const t = new vscode.TreeItem(GROUP_TITLES[group ?? ''] ?? this.id, vscode.TreeItemCollapsibleState.Expanded);
    t.id = `group:${this.id}`;
    t.description =
      page === 'page1' ? 'page 1 (0x10000 + offset)' : page === 'vatos' ? 'VATOS page (SMMU_IDR2.BA_VATOS)' : 'page 0';
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
  get formatted(): string {
    return formatValue(this.state.value, this.state.width, this.format);
  }
  item(): vscode.TreeItem {
    const r = this.state;
    const t = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.Collapsed);
    t.id = `register:${r.name}`;
    t.description = `${this.formatted}${this.changed ? '  ●' : ''}`;
    const md = new vscode.MarkdownString(
      `**SMMU_${r.name}** @ 0x${r.offset.toString(16).toUpperCase()} (§${r.section})\n\n${r.summary}\n\nValue: \`${r.value}\`${r.lastWrittenAt !== undefined ? `, last written at line ${r.lastWrittenAt + 1}` : ''}`,
    );
    t.tooltip = md;
    // `.written` enables "Go to Definition" (package.json menus).
    t.contextValue = r.lastWrittenAt !== undefined ? 'smmu.register.written' : 'smmu.register';
    return t;
  }
}

export class FieldNode {
  constructor(
    readonly register: RegisterState,
    readonly field: RegisterState['fields'][number],
  ) {}
  item(): vscode.TreeItem {
    const f = this.field;
    const t = new vscode.TreeItem(`${f.name}${f.bits}`, vscode.TreeItemCollapsibleState.None);
    t.id = `field:${this.register.name}.${f.name}`;
    t.description = f.meaning ? `${f.value} (${f.meaning})` : f.value;
    t.tooltip = f.description;
    t.contextValue = 'smmu.field';
    return t;
  }
}

export type RegisterTreeNode = GroupNode | RegisterNode | FieldNode;

export class RegisterTreeProvider
  extends Refresher
  implements vscode.TreeDataProvider<RegisterTreeNode>, vscode.Disposable
{
  private readonly emitter = new vscode.EventEmitter<RegisterTreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private previous = new Map<string, string>();
  private changed = new Set<string>();
  /** What the view shows, and where it is from. */
  snapshot: RegisterSnapshot | undefined;
  /** The view showing this provider (set by registerTreeView). */
  view: vscode.TreeView<RegisterTreeNode> | undefined;
  /** Case-insensitive part of a register or field name; empty shows everything. */
  filter = '';
  private source: RegisterSource;
  /**
   * The nodes handed out since the last change, by id: VS Code finds an element passed to
   * TreeView.reveal by identity, so getChildren and getParent return the same objects.
   */
  private nodes = new Map<string, RegisterTreeNode>();
  private sourceListener: vscode.Disposable;

  constructor(source: RegisterSource) {
    // Debounced so cursor moves do not flood the server.
    super(120);
    this.source = source;
    this.sourceListener = source.onDidChange((delay) => this.schedule(delay));
  }

  /**
   * Show another source's values (a debug session's live model, issue #6). The previous source is
   * returned, not disposed, so the caller can go back to it.
   */
  setSource(source: RegisterSource): RegisterSource {
    const old = this.source;
    this.sourceListener.dispose();
    this.source = source;
    this.sourceListener = source.onDidChange((delay) => this.schedule(delay));
    this.schedule(0);
    return old;
  }

  get format(): ValueFormat {
    return vscode.workspace.getConfiguration('smmu').get<ValueFormat>('registers.format', 'hex');
  }

  protected hasData(): boolean {
    return this.snapshot !== undefined;
  }

  protected async load(current: () => boolean): Promise<void> {
    // A later refresh supersedes this one: its answer could otherwise land last and show an
    // older place (requests from the debounced cursor and from callers overlap).
    const snap = await this.source.snapshot();
    if (!snap || !current()) return;
    // "Changed" is relative to the last different place (another line, an edit, a step), so
    // refreshing the same place keeps the marks.
    if (snap.place !== this.snapshot?.place) {
      this.changed = new Set(
        snap.registers
          .filter((r) => this.previous.has(r.name) && this.previous.get(r.name) !== r.value)
          .map((r) => r.name),
      );
      this.previous = new Map(snap.registers.map((r) => [r.name, r.value]));
    }
    this.snapshot = snap;
    this.rerender();
  }

  setFilter(text: string): void {
    this.filter = text.trim();
    this.rerender();
  }

  /** Re-render with the current values, format and filter (no new request). */
  rerender(): void {
    this.nodes = new Map();
    this.emitter.fire(undefined);
  }

  private node<T extends RegisterTreeNode>(id: string, make: () => T): T {
    let n = this.nodes.get(id);
    if (!n) this.nodes.set(id, (n = make()));
    return n as T;
  }

  private matches(r: RegisterState): boolean {
    if (!this.filter) return true;
    const f = this.filter.toUpperCase();
    return r.name.toUpperCase().includes(f) || r.fields.some((x) => x.name.toUpperCase().includes(f));
  }

  getTreeItem(node: RegisterTreeNode): vscode.TreeItem {
    return node.item();
  }

  /** For TreeView.reveal (items are matched by their ids). */
  getParent(node: RegisterTreeNode): RegisterTreeNode | undefined {
    if (node instanceof FieldNode)
      return this.getChildren(this.getParent(new RegisterNode(node.register, this.format, false))).find(
        (r) => r instanceof RegisterNode && r.state.name === node.register.name,
      );
    if (node instanceof RegisterNode)
      return this.getChildren().find((g) => g instanceof GroupNode && g.id === groupKey(node.state));
    return undefined;
  }

  getChildren(node?: RegisterTreeNode): RegisterTreeNode[] {
    if (!node) {
      const groups = new Map<string, RegisterState[]>();
      for (const r of this.snapshot?.registers ?? []) {
        if (!this.matches(r)) continue;
        const key = groupKey(r);
        const list = groups.get(key) ?? [];
        list.push(r);
        groups.set(key, list);
      }
      return [...groups.entries()].map(([g, regs]) => this.node(`group:${g}`, () => new GroupNode(g, regs)));
    }
    // VS Code may ask for the children of a node it got before the last refresh: children come
    // from the current snapshot, never from the (possibly older) node asked about.
    const current = this.snapshot?.registers ?? [];
    if (node instanceof GroupNode)
      return current
        .filter((r) => groupKey(r) === node.id && this.matches(r))
        .map((r) => this.node(`register:${r.name}`, () => new RegisterNode(r, this.format, this.changed.has(r.name))));
    if (node instanceof RegisterNode) {
      const state = current.find((r) => r.name === node.state.name);
      return (state?.fields ?? []).map((f) =>
        this.node(`field:${state!.name}.${f.name}`, () => new FieldNode(state!, f)),
      );
    }
    return [];
  }

  dispose(): void {
    this.stopTimer();
    this.sourceListener.dispose();
    this.source.dispose();
    this.emitter.dispose();
  }
}

/** Create the view with its default source (the active script's cursor) and its actions. */
export function registerTreeView(ctx: Ctx): RegisterTreeProvider {
  const provider = new RegisterTreeProvider(new EditorCursorSource(ctx));
  const view = vscode.window.createTreeView('smmu.registers', { treeDataProvider: provider, showCollapseAll: true });
  provider.view = view;
  provider.isVisible = () => view.visible;
  const update = () => {
    const snap = provider.snapshot;
    view.message = snap?.error ?? snap?.label ?? 'Open a .smmu script to see the model state at the cursor.';
    view.description = provider.filter ? `filter: ${provider.filter}` : undefined;
  };
  provider.onDidChangeTreeData(update);
  update();
  ctx.extension.subscriptions.push(
    provider,
    view,
    view.onDidChangeVisibility((e) => e.visible && provider.shown()),
    ctx.onDidRestartServer(() => provider.schedule(0)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('smmu.registers.format')) provider.rerender();
    }),
    vscode.commands.registerCommand('smmu.registers.toggleFormat', async () => {
      const order: ValueFormat[] = ['hex', 'decimal', 'binary'];
      const next = order[(order.indexOf(provider.format) + 1) % order.length] ?? 'hex';
      await vscode.workspace
        .getConfiguration('smmu')
        .update('registers.format', next, vscode.ConfigurationTarget.Global);
    }),
  );
  provider.schedule(0);
  return provider;
}
