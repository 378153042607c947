/**
 * The `smmu/stateAtLine` request: run a script's statements up to a line on a fresh model and
 * return every register decoded (the register tree view's source when no debug session runs).
 */
import { Engine } from '../../core/engine/engine';
import { run, runSliced, type RunResult } from '../../core/script/interpreter';
import type { ScriptCheck } from '../../core/script/check';
import type { StateAtLineParams, StateAtLineResult } from './lsp-ext';
import { Workspace } from './workspace';
import { registerStates } from './register-states';
import { isTraceDocument } from './trace';
import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';

/**
 * A fresh model after the statements up to `line` ran. As checkScript does, the model runs only
 * the statements before the first syntax or name error.
 */
export function engineAtLine(check: ScriptCheck, line: number): { engine: Engine; result: RunResult } {
  const firstError = check.resolved.diagnostics.find((d) => d.severity === 'error');
  const stop = firstError ? Math.min(line, firstError.range.start.line - 1) : line;
  const engine = new Engine(check.config);
  engine.smmu.recording = false;
  const result = run(check.resolved.statements.filter((s) => s.range.start.line <= stop), engine);
  return { engine, result };
}

/** engineAtLine with the model run in slices (runSliced); undefined when `cancelled` stopped it. */
export async function engineAtLineSliced(check: ScriptCheck, line: number, cancelled: () => boolean): Promise<{ engine: Engine; result: RunResult } | undefined> {
  const firstError = check.resolved.diagnostics.find((d) => d.severity === 'error');
  const stop = firstError ? Math.min(line, firstError.range.start.line - 1) : line;
  const engine = new Engine(check.config);
  engine.smmu.recording = false;
  const result = await runSliced(check.resolved.statements.filter((s) => s.range.start.line <= stop), engine, () => new Promise<void>((resolve) => setImmediate(resolve)), cancelled);
  return result && { engine, result };
}

/** The state request; undefined when `cancelled` (the client cancelled the request) stopped it. */
export async function stateAtLine(workspace: Workspace, documents: TextDocuments<TextDocument>, params: StateAtLineParams, cancelled: () => boolean = () => false): Promise<StateAtLineResult | undefined> {
  const doc = typeof params?.uri === 'string' ? documents.get(params.uri) : undefined;
  if (!doc || Workspace.isConfig(doc.uri) || Workspace.isQueueFile(doc.uri) || isTraceDocument(doc)) return { registers: [], error: 'smmu/stateAtLine needs an open .smmu script' };
  if (typeof params.line !== 'number' || !Number.isInteger(params.line) || params.line < 0) return { registers: [], error: 'line must be a non-negative integer' };
  const check = workspace.scriptCheck(doc);
  const firstError = check.resolved.diagnostics.find((d) => d.severity === 'error');
  const ran = await engineAtLineSliced(check, params.line, cancelled);
  if (!ran) return undefined;
  const { engine, result } = ran;
  const lastWrite = new Map<string, number>();
  for (const o of result.observations) if (o.kind === 'write' && o.register) lastWrite.set(o.register, o.line);
  const registers = registerStates(engine, lastWrite);
  return { registers, ...(firstError && firstError.range.start.line <= params.line ? { error: `the script stops at line ${firstError.range.start.line + 1}: ${firstError.message}` } : {}) };
}
