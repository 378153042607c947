/**
 * The Command queue, Event queue and Stream table views: the entries of the queues in guest
 * memory and the valid STEs, at the cursor line of the active `.smmu` script, or the entries of
 * the active `.smmuq` queue descriptor (the language server's smmu/queuesAtLine). With Secure
 * state, each view ends with the Secure interface's queue or Stream table (§3.10.2.1). One request
 * feeds the three views, and only while one of them is visible.
 */
import * as vscode from 'vscode';
import {
  QUEUES_AT_LINE_REQUEST,
  type DecodedFieldState,
  type QueueEntryState,
  type QueuesAtLineParams,
  type QueuesAtLineResult,
  type QueueState,
  type StreamTableEntryState,
} from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';
import { Refresher } from './refresher';
import { counted } from '../../core/text/plural';
import { notAScript } from './register-source';

const STATUS_TEXT: Record<QueueEntryState['status'], string> = {
  pending: 'pending',
  consumed: 'consumed',
  error: 'CERROR: the queue stopped here',
  unpublished: 'written, PROD not yet updated',
};
const STATUS_ICON: Record<QueueEntryState['status'], vscode.ThemeIcon> = {
  pending: new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('charts.blue')),
  consumed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('disabledForeground')),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')),
  unpublished: new vscode.ThemeIcon('circle-outline'),
};

export class EntryNode {
  constructor(
    readonly view: string,
    readonly entry: QueueEntryState,
    readonly document: vscode.Uri | undefined,
  ) {}
  item(): vscode.TreeItem {
    const e = this.entry;
    const t = new vscode.TreeItem(`[${e.index}] ${e.title}`, vscode.TreeItemCollapsibleState.Collapsed);
    t.id = `${this.view}:${e.index}`;
    t.description = `${STATUS_TEXT[e.status]}${e.problems.length ? ' ⚠' : ''}`;
    t.iconPath =
      e.problems.length && e.status !== 'error'
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
        : STATUS_ICON[e.status];
    t.tooltip = new vscode.MarkdownString(
      `**${e.title}**${e.section ? ` (§${e.section})` : ''}, entry ${e.index}: ${STATUS_TEXT[e.status]}\n\n\`${e.dwords.join(' ')}\`${e.problems.map((p) => `\n\n⚠ ${p}`).join('')}`,
    );
    t.contextValue = 'smmu.queueEntry';
    if (e.line !== undefined && this.document)
      t.command = {
        command: 'vscode.open',
        title: 'Show Entry',
        arguments: [this.document, { selection: new vscode.Range(e.line, 0, e.line, 0) }],
      };
    return t;
  }
  children(): LeafNode[] {
    return [
      ...this.entry.problems.map(
        (p) => new LeafNode(`${this.view}:${this.entry.index}:!${p}`, p, undefined, 'warning'),
      ),
      ...this.entry.fields.map((f) => fieldLeaf(`${this.view}:${this.entry.index}`, f)),
    ];
  }
}

export class SteNode {
  constructor(
    readonly ste: StreamTableEntryState,
    /** An STE of the Secure Stream table (§3.10.2.1): its StreamID is a Secure one. */
    readonly secure = false,
  ) {}
  /** The id of the node and the prefix of its fields' ids: the two tables' StreamIDs overlap. */
  get key(): string {
    return `ste:${this.secure ? 'S' : ''}${this.ste.sid}`;
  }
  item(): vscode.TreeItem {
    const s = this.ste;
    const t = new vscode.TreeItem(`STE ${s.sid}`, vscode.TreeItemCollapsibleState.Collapsed);
    t.id = this.key;
    t.description = `${s.config} @ ${s.address}${s.problems.length ? ' ⚠' : ''}`;
    t.iconPath = s.problems.length
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : new vscode.ThemeIcon('symbol-struct');
    t.tooltip = new vscode.MarkdownString(
      `**${this.secure ? 'Secure ' : ''}STE ${s.sid}** at \`${s.address}\` (§5.2): ${s.config}${s.problems.map((p) => `\n\n⚠ ${p}`).join('')}\n\nFields that are 0 are not listed.`,
    );
    t.contextValue = 'smmu.ste';
    return t;
  }
  children(): LeafNode[] {
    // An STE has some 60 fields, most 0 in any one configuration: the non-zero ones are listed.
    const fields = this.ste.fields.filter((f) => f.value !== '0');
    return [
      ...this.ste.problems.map((p) => new LeafNode(`${this.key}:!${p}`, p, undefined, 'warning')),
      ...fields.map((f) => fieldLeaf(this.key, f)),
    ];
  }
}

export class LeafNode {
  constructor(
    readonly id: string,
    readonly label: string,
    readonly description: string | undefined,
    readonly icon?: string,
  ) {}
  item(): vscode.TreeItem {
    const t = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    t.id = this.id;
    if (this.description !== undefined) t.description = this.description;
    if (this.icon)
      t.iconPath = new vscode.ThemeIcon(this.icon, new vscode.ThemeColor('problemsWarningIcon.foreground'));
    return t;
  }
}

function fieldLeaf(parent: string, f: DecodedFieldState): LeafNode {
  return new LeafNode(`${parent}.${f.name}`, `${f.name}${f.bits}`, f.meaning ? `${f.value} (${f.meaning})` : f.value);
}

/**
 * The Secure programming interface's queue or Stream table (§3.10.2.1), under the Non-secure
 * one's entries, where the configuration has Secure state (SMMU_S_IDR1.SECURE_IMPL).
 */
export class SecureNode {
  constructor(
    readonly view: Which,
    readonly label: string,
    readonly description: string,
  ) {}
  item(): vscode.TreeItem {
    const t = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Expanded);
    t.id = `${this.view}:secure`;
    t.description = this.description;
    t.iconPath = new vscode.ThemeIcon('lock');
    t.contextValue = 'smmu.secure';
    return t;
  }
}

export type QueueTreeNode = EntryNode | SteNode | LeafNode | SecureNode;

/** Fetches smmu/queuesAtLine for the active script's cursor or the active queue descriptor. */
export class QueuesModel extends Refresher implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  result: QueuesAtLineResult | undefined;
  document: vscode.Uri | undefined;

  constructor(private readonly ctx: Ctx) {
    super(150);
  }

  protected hasData(): boolean {
    return this.result !== undefined;
  }

  /** Why there is nothing to show: the active editor is not a script or a queue descriptor. */
  unavailable: string | undefined;

  protected async load(current: () => boolean): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    // The Output panel is an editor to VS Code but not to the user: the views keep their place.
    if (editor?.document.uri.scheme === 'output') return;
    if (!editor || (editor.document.languageId !== 'smmu' && editor.document.languageId !== 'smmuq')) {
      // Not a place these views can show: say so rather than keep an older script's state.
      this.result = undefined;
      this.document = undefined;
      this.unavailable = notAScript(
        editor,
        'an SMMU script or queue descriptor',
        'the queues and stream table at the cursor of a .smmu script, or a .smmuq queue descriptor',
      );
      this.emitter.fire();
      return;
    }
    const params: QueuesAtLineParams = { uri: editor.document.uri.toString(), line: editor.selection.active.line };
    const result = await this.ctx.request<QueuesAtLineResult | null>(QUEUES_AT_LINE_REQUEST, params);
    if (!result || !current()) return; // superseded by a later refresh
    this.result = result;
    this.document = editor.document.uri;
    this.unavailable = undefined;
    this.emitter.fire();
  }

  dispose(): void {
    this.emitter.dispose();
    this.stopTimer();
  }
}

type Which = 'command' | 'event' | 'streams';

export class QueueTreeProvider implements vscode.TreeDataProvider<QueueTreeNode> {
  private readonly emitter = new vscode.EventEmitter<QueueTreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  view: vscode.TreeView<QueueTreeNode> | undefined;

  constructor(
    readonly which: Which,
    readonly model: QueuesModel,
  ) {
    model.onDidChange(() => this.emitter.fire(undefined));
  }

  refresh(): Promise<void> {
    return this.model.refresh();
  }

  /** The queue this view shows, if the current place has it. */
  queue(): QueueState | undefined {
    const r = this.model.result;
    return this.which === 'command'
      ? r?.commandQueue
      : this.which === 'event'
        ? (r?.eventQueue ?? r?.priQueue)
        : undefined;
  }

  /** The Secure interface's queue this view shows, with Secure state (§3.10.2.1; no Secure PRI queue). */
  secureQueue(): QueueState | undefined {
    const r = this.model.result;
    return this.which === 'command' ? r?.secureCommandQueue : this.which === 'event' ? r?.secureEventQueue : undefined;
  }

  private secureNode(): SecureNode | undefined {
    const r = this.model.result;
    if (this.which === 'streams') {
      const t = r?.secureStreamTable;
      return t
        ? new SecureNode(
            'streams',
            'Secure Stream table',
            `${t.format} at ${t.base}, LOG2SIZE ${t.log2size}, ${counted(t.entries.length, 'valid STE')}${t.truncated ? ' (first StreamIDs only)' : ''}`,
          )
        : undefined;
    }
    const q = this.secureQueue();
    if (!q) return undefined;
    const name = this.which === 'command' ? 'S_CMDQ' : 'S_EVENTQ';
    return new SecureNode(
      this.which,
      this.which === 'command' ? 'Secure Command queue' : 'Secure Event queue',
      `${name} PROD ${q.prod}, CONS ${q.cons}, ${2 ** q.log2size} entr${q.log2size === 0 ? 'y' : 'ies'}${q.entries.length ? '' : ', none written'}`,
    );
  }

  /** One line for the view's message. */
  message(): string | undefined {
    const r = this.model.result;
    if (!r) return this.model.unavailable ?? 'Open a .smmu script or a .smmuq queue descriptor.';
    if (r.error) return r.error;
    if (this.which === 'streams') {
      const t = r.streamTable;
      if (!t) return 'A queue descriptor has no stream table.';
      return `${r.label}: ${t.format} table at ${t.base}, LOG2SIZE ${t.log2size}, ${counted(t.entries.length, 'valid STE')}${t.truncated ? ' (first StreamIDs only)' : ''}`;
    }
    const q = this.queue();
    if (!q) return `${r.label}: no ${this.which === 'command' ? 'command' : 'event'} queue here.`;
    const name = q.kind === 'cmdq' ? 'CMDQ' : q.kind === 'evtq' ? 'EVENTQ' : 'PRIQ';
    return `${r.label}: ${name} PROD ${q.prod}, CONS ${q.cons}, ${2 ** q.log2size} entr${q.log2size === 0 ? 'y' : 'ies'}${q.entries.length ? '' : ', none written'}${q.truncated ? ' (first entries only)' : ''}`;
  }

  getTreeItem(node: QueueTreeNode): vscode.TreeItem {
    return node.item();
  }

  getChildren(node?: QueueTreeNode): QueueTreeNode[] {
    const secure = this.secureNode();
    if (!node) {
      const top: QueueTreeNode[] =
        this.which === 'streams'
          ? (this.model.result?.streamTable?.entries ?? []).map((s) => new SteNode(s))
          : (this.queue()?.entries ?? []).map((e) => new EntryNode(this.which, e, this.model.document));
      return secure ? [...top, secure] : top;
    }
    // The Secure entries: their views' ids apart from the Non-secure ones (`command-secure:3`).
    const secureView = `${this.which}-secure`;
    if (node instanceof SecureNode) {
      if (this.which === 'streams')
        return (this.model.result?.secureStreamTable?.entries ?? []).map((s) => new SteNode(s, true));
      return (this.secureQueue()?.entries ?? []).map((e) => new EntryNode(secureView, e, this.model.document));
    }
    // VS Code may ask about a node from before the last refresh: answer from the current data.
    if (node instanceof EntryNode) {
      const isSecure = node.view === secureView;
      const entry = (isSecure ? this.secureQueue() : this.queue())?.entries.find((e) => e.index === node.entry.index);
      return entry ? new EntryNode(node.view, entry, this.model.document).children() : [];
    }
    if (node instanceof SteNode) {
      const table = node.secure ? this.model.result?.secureStreamTable : this.model.result?.streamTable;
      const ste = table?.entries.find((e) => e.sid === node.ste.sid);
      return ste ? new SteNode(ste, node.secure).children() : [];
    }
    return [];
  }
}

/** The three views, fed by one model that follows the active editor and its cursor. */
export function registerQueueViews(ctx: Ctx): {
  command: QueueTreeProvider;
  event: QueueTreeProvider;
  streams: QueueTreeProvider;
} {
  const model = new QueuesModel(ctx);
  const ids: Record<Which, string> = {
    command: 'smmu.commandQueue',
    event: 'smmu.eventQueue',
    streams: 'smmu.streamTable',
  };
  const providers = {
    command: new QueueTreeProvider('command', model),
    event: new QueueTreeProvider('event', model),
    streams: new QueueTreeProvider('streams', model),
  };
  const views = (Object.keys(ids) as Which[]).map((w) => {
    const p = providers[w];
    const view = vscode.window.createTreeView(ids[w], { treeDataProvider: p, showCollapseAll: true });
    p.view = view;
    const update = () => (view.message = p.message());
    p.onDidChangeTreeData(update);
    update();
    ctx.extension.subscriptions.push(
      view,
      view.onDidChangeVisibility((e) => e.visible && model.shown()),
    );
    return view;
  });
  model.isVisible = () => views.some((v) => v.visible);
  ctx.extension.subscriptions.push(
    model,
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (e.textEditor.document.languageId === 'smmu') model.schedule();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => model.schedule(0)),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === vscode.window.activeTextEditor?.document) model.schedule(300);
    }),
    ctx.onDidRestartServer(() => model.schedule(0)),
  );
  model.schedule(0);
  return providers;
}
