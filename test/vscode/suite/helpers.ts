/** Shared by the integration tests: fixtures, polling, the extension's API, screenshots. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'smmu-workbench.smmu-workbench';

export function fixture(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the launcher opens test/vscode/workspace as the workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function open(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(fixture(name));
  return vscode.window.showTextDocument(doc);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than undefined, for at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  explain?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${explain ? `\n${explain()}` : ''}`);
    await sleep(150);
  }
}

/** Every hover's text at `position` (what VS Code's hover command returns), joined by `---`. */
export async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers =
    (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n---\n');
}

export function lineOf(doc: vscode.TextDocument, re: RegExp): number {
  for (let i = 0; i < doc.lineCount; i++) if (re.test(doc.lineAt(i).text)) return i;
  throw new Error(`no line matching ${re} in ${doc.uri.path}`);
}

/** The parts of the extension's API (client/extension.ts SmmuApi) the tests use. */
export interface TreeApi {
  snapshot?: { place: string; label: string };
  filter: string;
  view?: vscode.TreeView<unknown>;
  getChildren(n?: unknown): unknown[];
  getTreeItem(n: unknown): vscode.TreeItem;
  refresh(): Promise<void>;
}
export interface Api {
  registers: TreeApi;
  queues: { command: TreeApi; event: TreeApi; streams: TreeApi };
}

export async function api<T = Api>(): Promise<T> {
  const ext = vscode.extensions.getExtension<T>(EXTENSION_ID);
  assert.ok(ext);
  return ext.activate();
}

/** The extension's API once its language client has started (`ready`). */
export async function readyApi<T extends { ready: Promise<unknown> }>(): Promise<T> {
  const a = await api<T>();
  await a.ready;
  return a;
}

/** Every item of a tree, depth first, as `label — description` lines (for assertions and messages). */
export function treeLines(tree: TreeApi, node?: unknown, depth = 0): string[] {
  const out: string[] = [];
  for (const child of tree.getChildren(node)) {
    const item = tree.getTreeItem(child);
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    out.push(`${'  '.repeat(depth)}${label}${item.description ? ` — ${String(item.description)}` : ''}`);
    out.push(...treeLines(tree, child, depth + 1));
  }
  return out;
}

/**
 * Under `npm run screenshots` (SMMU_SCREENSHOTS=1) asks the launcher for a picture of the
 * workbench as it is now and waits until it is taken; otherwise does nothing.
 */
export async function screenshot(name: string, settleMs = 0): Promise<void> {
  const ack = process.env.SMMU_SCREENSHOT_ACK;
  if (!process.env.SMMU_SCREENSHOTS || !ack) return;
  await sleep(settleMs);
  console.log(`[smmu-screenshot] ${name}`);
  await waitFor(
    `the launcher's screenshot ${name}`,
    () => (fs.existsSync(path.join(ack, `${name}.done`)) ? true : undefined),
    20_000,
  );
}

/** A `stopped` event's body, as the smmu adapter sends it. */
export interface StoppedBody {
  readonly reason: string;
  readonly text?: string;
}

/** Records every `stopped` event of `smmu` debug sessions (a debug adapter tracker), in order. */
export class StopRecorder {
  readonly stops: StoppedBody[] = [];
  private tracker: vscode.Disposable | undefined;

  start(): void {
    this.tracker = vscode.debug.registerDebugAdapterTrackerFactory('smmu', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: StoppedBody }) => {
          if (m.type === 'event' && m.event === 'stopped' && m.body) this.stops.push(m.body);
        },
      }),
    });
  }

  dispose(): void {
    this.tracker?.dispose();
  }

  /** The `count`-th stop (1-based) once it has happened (bounded wait). */
  async nth(count: number): Promise<StoppedBody> {
    const deadline = Date.now() + 15_000;
    while (this.stops.length < count) {
      if (Date.now() > deadline) throw new Error(`no stopped event (have ${this.stops.length}, want ${count})`);
      await sleep(50);
    }
    return this.stops[count - 1] as StoppedBody;
  }
}
