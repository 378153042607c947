/**
 * `npm run fuzz [-- --seconds=N]`: every fuzz property with random seeds, the time budget (default
 * 60 s) spread evenly over them (docs/fuzzing.md):
 *
 * - in process, each in a worker with a watchdog (guard.ts): mutated files of every type through
 *   core's checkers and the debugger runtime; generated scripts, queue descriptors, doublewords;
 * - through the processes users run: the CLI, the language server over stdio, the debug adapter.
 *
 * A failure prints the property, the case (corpus file and mutations), where its input was
 * written, and the command that replays it (`--replay=NAME --seed=S --path=P`); exit 1.
 * `--only=TEXT` runs the properties whose name contains TEXT.
 */
import * as fs from 'fs';
import fc from 'fast-check';
import { CORE_PROPERTIES } from './core-properties';
import {
  checkCli,
  checkDap,
  describeEntryCase,
  entryCase,
  fuzzFolder,
  LspFuzz,
  type EntryCase,
} from './entry-properties';
import { Guard, keepFailure, replayCommand } from './guard';
import { KIND_SUFFIX } from './mutate';

const option = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const seconds = Number(option('seconds') ?? '60');
const replay = option('replay');
const only = option('only');

/** A property through a process: set up once (a server, a folder), checked case by case, torn down. */
interface EntryProperty {
  readonly start: () => Promise<{ check: (c: EntryCase) => Promise<void>; stop: () => Promise<void> }>;
}

const folderProperty = (check: (dir: string, c: EntryCase) => void | Promise<void>): EntryProperty => ({
  start: async () => {
    const dir = fuzzFolder();
    return { check: async (c) => check(dir, c), stop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  },
});

const ENTRY_PROPERTIES: Record<string, EntryProperty> = {
  'CLI: check, run and replay of mutated files of every type (512 MB heap, 10 s each)': folderProperty(checkCli),
  'language server over stdio: open, requests, an edit, requests again on mutated files of every type': {
    start: async () => {
      const lsp = await LspFuzz.start();
      return { check: (c) => lsp.check(c), stop: () => lsp.stop() };
    },
  },
  'debug adapter: launch on mutated files of every type, stack, variables, steps': folderProperty(checkDap),
};

interface Outcome {
  readonly numRuns: number;
  readonly failure?: string;
}

/**
 * Cases of a process property: with a deadline, one case a seed (seed, seed + 1, …) until it
 * passes, so a case is never abandoned half-way (fast-check's time limit leaves an async run
 * running while the fixture is stopped under it) and each failure replays with its own seed;
 * without one, `params` as given (a replay).
 */
async function runEntry(
  name: string,
  p: EntryProperty,
  seed: number,
  params: Partial<fc.Parameters<[EntryCase]>>,
  deadline?: number,
): Promise<Outcome> {
  const fixture = await p.start();
  const property = fc.asyncProperty(entryCase(), (c) => fixture.check(c));
  let numRuns = 0;
  try {
    // At least one case, even when the deadline passed while the fixture started.
    for (let k = 0; deadline === undefined ? k < 1 : k === 0 || Date.now() < deadline; k++) {
      const s = (seed + k) >>> 0;
      // No shrinking: a failed case may leave the server or adapter unusable for the next ones.
      const r = await fc.check(property, {
        seed: s,
        endOnFailure: true,
        ...params,
        ...(deadline === undefined ? {} : { numRuns: 1 }),
      });
      numRuns += r.numRuns;
      if (!r.failed) continue;
      const c = r.counterexample?.[0];
      const files = c
        ? keepFailure([
            {
              name: `case-${c.file.seed.name.split('/').pop()?.replace(/\..*$/, '')}${KIND_SUFFIX[c.file.seed.kind]}`,
              text: Buffer.from(c.file.text, c.latin1 ? 'latin1' : 'utf8'),
            },
          ])
        : [];
      const error = r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance);
      return {
        numRuns,
        failure: [
          `${name}: ${error}`,
          ...(c ? [`case: ${describeEntryCase(c)}`] : []),
          ...(files.length ? [`input written to ${files.join(', ')}`] : []),
          `seed ${s}, path ${r.counterexamplePath}; replay: ${replayCommand(name, s, r.counterexamplePath ?? undefined)}`,
        ].join('\n'),
      };
    }
    return { numRuns };
  } finally {
    await fixture.stop();
  }
}

async function main(): Promise<number> {
  const names = [...Object.keys(CORE_PROPERTIES), ...Object.keys(ENTRY_PROPERTIES)].filter((n) =>
    replay ? n === replay : !only || n.includes(only),
  );
  if (!names.length) {
    process.stderr.write(
      `no property ${replay ? `named '${replay}'` : `matching '${only}'`}; the properties are:\n${[...Object.keys(CORE_PROPERTIES), ...Object.keys(ENTRY_PROPERTIES)].join('\n')}\n`,
    );
    return 2;
  }
  if (replay) {
    const seed = Number(option('seed'));
    const casePath = option('path');
    const params = { seed, ...(casePath ? { path: casePath, numRuns: 1 } : { numRuns: 100 }) };
    const entry = ENTRY_PROPERTIES[replay];
    const guard = new Guard();
    const r = entry ? await runEntry(replay, entry, seed, params) : await guard.run({ name: replay, ...params });
    await guard.close();
    process.stdout.write(
      r.failure
        ? `${r.failure}\n`
        : `${replay}: seed ${seed}${casePath ? `, path ${casePath}` : ''}: ${r.numRuns} case${r.numRuns === 1 ? '' : 's'}, no failure\n`,
    );
    return r.failure ? 1 : 0;
  }
  const sliceMs = (seconds * 1000) / names.length;
  const guard = new Guard();
  const started = Date.now();
  let total = 0;
  for (const [i, name] of names.entries()) {
    const seed = (Date.now() ^ (i * 7919)) >>> 0;
    const t0 = Date.now();
    const entry = ENTRY_PROPERTIES[name];
    // Each property until its share of the budget is used up, counted from the fuzzer's start.
    const deadline = started + sliceMs * (i + 1);
    const r = entry
      ? await runEntry(name, entry, seed, {}, deadline)
      : await guard.run({ name, seed, numRuns: 1e9, deadline });
    if (r.failure) {
      process.stderr.write(`FAILED after ${Math.max(r.numRuns, 0)} cases\n${r.failure}\n`);
      await guard.close();
      return 1;
    }
    total += r.numRuns;
    process.stdout.write(
      `${String(r.numRuns).padStart(7)} case${r.numRuns === 1 ? ' ' : 's'} in ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${name} (seed ${seed})\n`,
    );
  }
  await guard.close();
  process.stdout.write(
    `fuzz: ${total} cases of ${names.length} properties in ${((Date.now() - started) / 1000).toFixed(0)} s, no failure\n`,
  );
  return 0;
}

void main().then((code) => process.exit(code));
