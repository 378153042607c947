/**
 * Runs an in-process property (core-properties.ts) in a worker thread under a 512 MB heap, with a
 * watchdog on every case: a loop that never ends, or one that eats the heap, ends as a failure that
 * names the case instead of hanging the test or the fuzzer (a synchronous loop cannot be
 * interrupted from its own thread; Worker.terminate stops it).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { CORE_PROPERTIES } from './core-properties';

export interface GuardedRun {
  /** A key of CORE_PROPERTIES. */
  readonly name: string;
  readonly seed: number;
  readonly numRuns: number;
  /** Start no case after this time (Date.now(), npm run fuzz's budget); numRuns still bounds the run. */
  readonly deadline?: number;
  /** fast-check's path of a counterexample, to replay just that case. */
  readonly path?: string;
}

/** Sent by the worker: a case about to run, or the end of the run. */
export type WorkerMessage =
  | { readonly kind: 'case'; readonly value: unknown }
  | {
      readonly kind: 'done';
      readonly numRuns: number;
      readonly failed: boolean;
      readonly counterexample?: unknown;
      readonly counterexamplePath?: string;
      readonly error?: string;
    };

export interface GuardedResult {
  readonly numRuns: number;
  /** Undefined when every case passed; else what failed, how to replay it, and where its input was written. */
  readonly failure?: string;
}

/** Write a failing case's files where a person can run `smmu check` on them; returns their paths. */
export function keepFailure(files: readonly { readonly name: string; readonly text: string | Buffer }[]): string[] {
  if (!files.length) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-fuzz-failure-'));
  return files.map((f) => {
    const p = path.join(dir, f.name);
    fs.writeFileSync(p, f.text);
    return p;
  });
}

const workerFile = path.join(__dirname, 'core-worker.js');

/** The command that replays a failure of `name`: the same seed and, when known, fast-check's path to the case. */
export const replayCommand = (name: string, seed: number, casePath?: string) =>
  `npm run fuzz -- --replay='${name}' --seed=${seed}${casePath ? ` --path=${casePath}` : ''}`;

/**
 * A worker for in-process properties, started on the first run and kept for the next ones; a run
 * that hangs or kills it ends it, and the next run starts a fresh one.
 */
export class Guard {
  private worker?: Worker;
  private readonly started = new WeakSet<Worker>();

  run(run: GuardedRun, caseTimeoutMs = 10000): Promise<GuardedResult> {
    const property = CORE_PROPERTIES[run.name];
    const worker = (this.worker ??= new Worker(workerFile, { resourceLimits: { maxOldGenerationSizeMb: 512 } }));
    return new Promise((resolve) => {
      let last: { value: unknown } | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = (r: GuardedResult, broken: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (broken) {
          this.worker = undefined;
          void worker.terminate();
        }
        resolve(r);
      };
      const report = (value: unknown, why: string, casePath?: string) => {
        const files = property ? keepFailure(property.files(value)) : [];
        return [
          `${run.name}: ${why}`,
          `case: ${property?.describe(value) ?? JSON.stringify(value)}`,
          ...(files.length ? [`input written to ${files.join(', ')}`] : []),
          `seed ${run.seed}${casePath ? `, path ${casePath}` : ''}; replay: ${replayCommand(run.name, run.seed, casePath)}`,
        ].join('\n');
      };
      const died = (why: string) =>
        finish(
          {
            numRuns: -1,
            failure: last ? report(last.value, why) : `${run.name}: ${why} before the first case (seed ${run.seed})`,
          },
          true,
        );
      const arm = (ms = caseTimeoutMs) => {
        clearTimeout(timer);
        timer = setTimeout(() => died(`no answer within ${ms} ms (a hang)`), ms);
      };
      const onMessage = (m: WorkerMessage) => {
        if (m.kind === 'case') {
          last = { value: m.value };
          arm();
        } else if (!m.failed) finish({ numRuns: m.numRuns }, false);
        else
          finish(
            {
              numRuns: m.numRuns,
              failure:
                m.counterexample === undefined
                  ? `${run.name}: ${m.error ?? 'failed'} (seed ${run.seed})`
                  : report(m.counterexample, m.error ?? 'failed', m.counterexamplePath),
            },
            false,
          );
      };
      const onError = (e: Error) => died(`the worker died (${e.message})`);
      const onExit = (code: number) => died(`the worker exited with ${code}`);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      // The first case also waits for a new worker to load core (seconds on a loaded machine):
      // the watchdog allows 20 s more for it.
      const fresh = this.worker === worker && !this.started.has(worker);
      this.started.add(worker);
      arm(fresh ? caseTimeoutMs + 20000 : caseTimeoutMs);
      worker.postMessage(run);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}

/** One run in a worker of its own. */
export async function runGuarded(run: GuardedRun, caseTimeoutMs = 10000): Promise<GuardedResult> {
  const guard = new Guard();
  try {
    return await guard.run(run, caseTimeoutMs);
  } finally {
    await guard.close();
  }
}
