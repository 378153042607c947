/**
 * `reset`: the SMMU returns to its reset state (§3.11) while guest memory stays, as when a
 * hypervisor resets an emulated SMMU under a running guest or a test suite starts its next case.
 * A `config` line directly after it (declarations.ts) resolves to a second `reset` that brings the
 * SMMU out of reset as another configuration, so one script can test two sets of ID registers.
 */
import type { ResolvedAction } from '../resolved';
import { resolveEngineStatement } from './resolve-args';
import type { EngineDef, ScriptState } from './types';

/**
 * What the script's own bookkeeping forgets at a reset: its copies of CMDQ_PROD and the ECMDQs'
 * PROD (the registers are 0 again), and what the SMMU reported before it (event records and interrupts from before the
 * reset are not seen by the expectations after it).
 */
function forgetBeforeReset(state: ScriptState, activityLength: number): void {
  delete state.cmdqProd;
  delete state.ecmdqProd;
  delete state.secureCmdqProd;
  state.eventCursor = activityLength;
  state.irqCursor = activityLength;
  state.irqChecked = [];
}

function summaryOf(s: ResolvedAction): string {
  const c = s.config;
  return c
    ? `SMMU out of reset as ${c.config.name} (${c.path.split(/[\\/]/).pop() ?? c.path})`
    : 'SMMU reset: registers at their reset values, caches empty';
}

export const RESET: EngineDef<'reset'> = {
  syntax: 'engine',
  verb: 'reset',
  keywords: ['reset'],
  family: 'reset',
  section: 'engine',
  label: 'reset',
  expectation: 'none',
  outline: 'event',
  summary: 'Resets the SMMU; guest memory stays',
  forms: [
    {
      usage: 'reset',
      doc: 'The SMMU returns to its reset state (§3.11): every register to its reset value (CR0, IRQ_CTRL, GERROR/GERRORN, the BASE, PROD and CONS of each queue), the configuration cache and TLB empty, stalled transactions and pending errors gone. Guest memory and `mem abort` ranges stay. Event records and interrupts from before the reset are not seen by the `expect` lines after it. A `config "FILE"` line directly after it brings the SMMU out of reset as that configuration (its ID registers, choices and GBPA reset value): one script can test two configurations.',
    },
  ],
  args: {},
  resolve(r, s) {
    const extra = s.args[0];
    if (extra) {
      r.sawAccess = true;
      r.error(
        'reset.arg',
        `'reset' takes no arguments: a configuration goes on the next line, config "FILE"`,
        extra.range,
      );
      return;
    }
    resolveEngineStatement(r, s);
  },
  run(engine, state, s) {
    engine.reset(s.config?.config);
    forgetBeforeReset(state, engine.activity.length);
    return { diagnostics: [], summary: summaryOf(s) };
  },
};
