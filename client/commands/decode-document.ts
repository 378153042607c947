/**
 * Where the decode commands show their result: a read-only virtual document of its own scheme
 * (`smmu-decode:`), opened beside the editor. Unlike an untitled document it is never dirty, so
 * closing it asks nothing, and its tab is named after what was decoded (`CR0 0x1D`).
 *
 * The URI carries the request (the server's method and its parameters), so VS Code can ask for
 * the text again (a reopened tab, a restored window) and gets it from the language server; the
 * text the command has just received is served without asking twice.
 */
import * as vscode from 'vscode';
import type { DecodeResult } from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';

export const DECODE_SCHEME = 'smmu-decode';

/** Texts the commands received, by URI, until VS Code has read them once. */
const fresh = new Map<string, string>();

function requestOf(uri: vscode.Uri): { method: string; params: object } | undefined {
  try {
    const q = JSON.parse(uri.query) as { method?: unknown; params?: unknown };
    return typeof q.method === 'string' && typeof q.params === 'object' && q.params !== null
      ? { method: q.method, params: q.params }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Serve `smmu-decode:` documents. */
export function registerDecodeDocuments(ctx: Ctx): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(DECODE_SCHEME, {
    async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
      const key = uri.toString();
      const text = fresh.get(key);
      if (text !== undefined) {
        fresh.delete(key);
        return text;
      }
      const request = requestOf(uri);
      if (!request) return `Not a decoding: ${key}`;
      const result = await ctx.request<DecodeResult>(request.method, request.params);
      return result.error ?? result.text;
    },
  });
}

/** Show `text`, the result of `method(params)`, in a read-only document titled `title`, beside the active editor. */
export async function showDecoded(
  title: string,
  method: string,
  params: object,
  text: string,
): Promise<vscode.TextEditor> {
  // A path of one segment: the tab shows it as the document's name. '/' would start a folder.
  const uri = vscode.Uri.from({
    scheme: DECODE_SCHEME,
    path: `/${title.replace(/[\\/]/g, '∕')}`,
    query: JSON.stringify({ method, params }),
  });
  fresh.set(uri.toString(), text);
  const doc = await vscode.workspace.openTextDocument(uri);
  // Already open (the same decoding again): VS Code did not ask the provider.
  fresh.delete(uri.toString());
  return vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}
