/**
 * A script run on a fresh engine through the real resolver and interpreter, for the engine tests
 * that state a rule as a script (atos, vatos, haft): the script must resolve without error.
 */
import assert from 'node:assert/strict';
import type { ResolvedConfig } from '../../core/config/types';
import type { ScriptDiagnostic } from '../../core/base/diagnostics';
import { Engine } from '../../core/engine/engine';
import { run } from '../../core/script/interpreter';
import { analyzeScript } from '../../core/script/resolve';

export interface EngineScriptRun {
  readonly engine: Engine;
  /** The run's diagnostics. */
  readonly diagnostics: readonly ScriptDiagnostic[];
  /** Its errors, as `line: message` (1-based lines). */
  readonly errors: readonly string[];
}

export function runEngineScript(script: string, cfg: ResolvedConfig): EngineScriptRun {
  const resolved = analyzeScript(script);
  assert.deepEqual(
    resolved.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
    'the script resolves',
  );
  const engine = new Engine(cfg);
  const r = run(resolved.statements, engine);
  return {
    engine,
    diagnostics: r.diagnostics,
    errors: r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line + 1}: ${d.message}`),
  };
}
