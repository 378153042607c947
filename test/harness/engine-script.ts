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

/**
 * The start most engine-script tests share: a linear Stream table of 256 STEs at 0x40000000, the
 * Command queue at 0x40100000 and the Event queue at 0x40200000, all enabled with CR2.RECINVSID,
 * and table memory for `map` from 0x48000000.
 */
export const ENABLED_SMMU = `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=5
write32 CR2 RECINVSID
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
tables 0x48000000
`;

/**
 * The Secure interface's start (§3.10.2): a linear Secure Stream table of 16 STEs at 0x4E000000,
 * the Secure Command queue at 0x4E100000 and Event queue at 0x4E200000, all enabled with
 * S_CR2.RECINVSID. For a configuration with Secure state, after ENABLED_SMMU or its own start.
 */
export const ENABLED_SECURE_SMMU = `
write64 S_STRTAB_BASE 0x4E000000
write32 S_STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4
write64 S_CMDQ_BASE 0x4E100000 | LOG2SIZE=4
write64 S_EVENTQ_BASE 0x4E200000 | LOG2SIZE=3
write32 S_CR2 RECINVSID
write32 S_CR0 SMMUEN|EVENTQEN|CMDQEN
`;

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
