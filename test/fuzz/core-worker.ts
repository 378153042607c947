/**
 * The worker of guard.ts: for each run it is sent, runs that property of core-properties.ts with
 * the seed and run count (or deadline) given, announcing each case before running it (so a hang
 * can be named), then the result. One worker serves many runs: loading core takes a second or two.
 */
import { parentPort } from 'worker_threads';
import fc from 'fast-check';
import { CORE_PROPERTIES } from './core-properties';
import type { GuardedRun, WorkerMessage } from './guard';

const post = (m: WorkerMessage) => parentPort?.postMessage(m);

parentPort?.on('message', (run: GuardedRun) => {
  const property = CORE_PROPERTIES[run.name];
  if (!property)
    return post({
      kind: 'done',
      numRuns: 0,
      failed: true,
      error: `no property named ${JSON.stringify(run.name)}; the properties are:\n${Object.keys(CORE_PROPERTIES).join('\n')}`,
    });
  const checked = fc.property(property.arbitrary, (value: unknown) => {
    post({ kind: 'case', value });
    property.check(value);
  });
  const params = { seed: run.seed, numRuns: run.numRuns, ...(run.path ? { path: run.path, endOnFailure: true } : {}) };
  let result = fc.check(checked, {
    ...params,
    ...(run.deadline
      ? { interruptAfterTimeLimit: Math.max(1, run.deadline - Date.now()), markInterruptAsFailure: false }
      : {}),
  });
  // fast-check calls a run stopped by its time limit before the first case a failure (with no
  // error): the deadline passed while the worker loaded. Every property gets at least one case.
  if (result.failed && result.interrupted && result.numRuns === 0)
    result = fc.check(checked, { ...params, numRuns: 1 });
  post({
    kind: 'done',
    numRuns: result.numRuns,
    failed: result.failed,
    ...(result.failed
      ? {
          counterexample: result.counterexample?.[0],
          counterexamplePath: result.counterexamplePath ?? undefined,
          error: result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance),
        }
      : {}),
  });
});
