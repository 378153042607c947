/**
 * "SMMU: Open Example…": a copy of a file of the extension's examples/ (scripts, queue
 * descriptors, traces) to work on, the walkthrough's first step. The extension's own files are
 * never opened: they are writable, would be edited in place, and show the install path in the
 * tab and the views.
 *
 * With a workspace folder the copy goes into its root, next to a copy of the preset its `config`
 * line names (the example's `../presets/…` would point outside the folder), each under a free name
 * unless a file there already holds the same text (opening the example twice opens one copy).
 * Without a folder the copy is an untitled document whose `config` line names the preset inside
 * the extension.
 *
 * Called with a file name (the walkthrough's link, tests) it opens that one without asking, beside
 * the active editor, so the walkthrough stays open.
 */
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSIONS = /\.(smmu|smmuq|smmutrace)$/;
const KIND: Record<string, string> = { smmu: 'script', smmuq: 'queue descriptor', smmutrace: 'trace' };
/** An example's `config` line: every example names one of the shipped presets this way. */
const CONFIG_LINE = /^(\s*config\s+)"\.\.\/presets\/([^"\\/]+)"/m;

/** The leading comment of an example, up to its first sentence, for the quick pick. */
export function summaryOf(text: string): string {
  const lines: string[] = [];
  for (const l of text.split(/\r?\n/)) {
    const m = /^#\s?(.*)$/.exec(l);
    if (!m) break;
    lines.push((m[1] as string).trim());
  }
  const joined = lines.join(' ');
  const sentence = /^.*?[.:](?=\s|$)/.exec(joined)?.[0] ?? joined;
  return sentence.length > 140 ? `${sentence.slice(0, 139)}…` : sentence;
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/**
 * `content` as `name` in `folder`: the file already there if it holds the same text, else a new
 * file under the first free name (`name`, `stem-2.ext`, `stem-3.ext`…). Never overwrites.
 */
export async function placeFile(
  folder: vscode.Uri,
  name: string,
  content: string,
): Promise<{ uri: vscode.Uri; created: boolean }> {
  const ext = /(\.smmu\.json|\.[^.]+)$/.exec(name)?.[0] ?? '';
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1; ; n++) {
    const uri = vscode.Uri.joinPath(folder, n === 1 ? name : `${stem}-${n}${ext}`);
    const existing = await readText(uri);
    if (existing === content) return { uri, created: false };
    if (existing === undefined) {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
      return { uri, created: true };
    }
  }
}

/** The folder a copy goes to: the active editor's workspace folder, else the first one. */
function targetFolder(): vscode.WorkspaceFolder | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
}

/** A copy of example `name` to edit: in the workspace folder, or untitled. */
async function copyOf(extension: vscode.ExtensionContext, name: string): Promise<vscode.TextDocument> {
  const source = vscode.Uri.file(extension.asAbsolutePath(path.join('examples', name)));
  let text = (await readText(source)) ?? '';
  const preset = CONFIG_LINE.exec(text)?.[2];
  const folder = targetFolder();
  if (!folder) {
    if (preset)
      text = text.replace(
        CONFIG_LINE,
        (_m, head: string) => `${head}"${extension.asAbsolutePath(path.join('presets', preset))}"`,
      );
    return vscode.workspace.openTextDocument({ content: text, language: EXTENSIONS.exec(name)?.[1] ?? 'smmu' });
  }
  const created: string[] = [];
  if (preset) {
    const p = await placeFile(
      folder.uri,
      preset,
      (await readText(vscode.Uri.file(extension.asAbsolutePath(path.join('presets', preset))))) ?? '',
    );
    const placed = path.posix.basename(p.uri.path);
    if (p.created) created.push(placed);
    text = text.replace(CONFIG_LINE, (_m, head: string) => `${head}"${placed}"`);
  }
  const e = await placeFile(folder.uri, name, text);
  if (e.created) created.unshift(path.posix.basename(e.uri.path));
  if (created.length)
    void vscode.window.showInformationMessage(
      `Copied ${created.join(' and ')} from the SMMU Workbench examples into ${folder.name}.`,
    );
  return vscode.workspace.openTextDocument(e.uri);
}

export function openExample(extension: vscode.ExtensionContext) {
  return async (name?: string): Promise<vscode.Uri | undefined> => {
    const fromLink = name !== undefined;
    const dir = vscode.Uri.file(extension.asAbsolutePath('examples'));
    const files = (await vscode.workspace.fs.readDirectory(dir))
      .map(([f]) => f)
      .filter((f) => EXTENSIONS.test(f))
      .sort();
    if (name === undefined) {
      const items = await Promise.all(
        files.map(async (f) => ({
          label: f,
          description: `${KIND[EXTENSIONS.exec(f)?.[1] ?? ''] ?? ''}${f === 'linux-bringup.smmu' ? ' (start here)' : ''}`,
          detail: summaryOf((await readText(vscode.Uri.joinPath(dir, f))) ?? ''),
        })),
      );
      const pick = await vscode.window.showQuickPick(items, {
        placeHolder: 'Example to open (a copy: in the workspace folder, or untitled)',
        matchOnDetail: true,
      });
      if (!pick) return undefined;
      name = pick.label;
    }
    if (!files.includes(name)) {
      void vscode.window.showErrorMessage(`No example ${name}: the examples are ${files.join(', ')}.`);
      return undefined;
    }
    const doc = await copyOf(extension, name);
    await vscode.window.showTextDocument(doc, fromLink ? { viewColumn: vscode.ViewColumn.Beside } : {});
    return doc.uri;
  };
}
