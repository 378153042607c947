/**
 * The `smmu/stateAtLine` request: run a script's statements up to a line on a fresh model and
 * return every register decoded (the register tree view's source when no debug session runs).
 */
import { modelAtLineSliced } from '../../core/script/model-at-line';
import type { ScriptDiagnostic } from '../../core/base/diagnostics';
import type { StateAtLineParams, StateAtLineResult } from './lsp-ext';
import { Workspace } from './workspace';
import { registerStates } from './register-states';
import { isTraceDocument } from './trace';
import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';

/** What the views say when the model stopped before their line. */
export function stoppedMessage(firstError: ScriptDiagnostic): string {
  return `the model stops before line ${firstError.range.start.line + 1}: ${firstError.message}`;
}

/** The state request; undefined when `cancelled` (the client cancelled the request) stopped it. */
export async function stateAtLine(
  workspace: Workspace,
  documents: TextDocuments<TextDocument>,
  params: StateAtLineParams,
  cancelled: () => boolean = () => false,
): Promise<StateAtLineResult | undefined> {
  const doc = typeof params?.uri === 'string' ? documents.get(params.uri) : undefined;
  if (!doc || Workspace.isConfig(doc.uri) || Workspace.isQueueFile(doc.uri) || isTraceDocument(doc))
    return { registers: [], error: 'smmu/stateAtLine needs an open .smmu script' };
  if (typeof params.line !== 'number' || !Number.isInteger(params.line) || params.line < 0)
    return { registers: [], error: 'line must be a non-negative integer' };
  const check = workspace.scriptCheck(doc);
  const ran = await modelAtLineSliced(
    check,
    params.line,
    () => new Promise<void>((resolve) => setImmediate(resolve)),
    cancelled,
    workspace.runsFor(doc.uri),
  );
  if (!ran) return undefined;
  const { engine, result, stoppedBy } = ran;
  const lastWrite = new Map<string, number>();
  for (const o of result.observations) if (o.kind === 'write' && o.register) lastWrite.set(o.register, o.line);
  const registers = registerStates(engine, lastWrite);
  return { registers, ...(stoppedBy ? { error: stoppedMessage(stoppedBy) } : {}) };
}
