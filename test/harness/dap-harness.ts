/**
 * The debug adapter under test: `node dist/cli.js dap` driven by @vscode/debugadapter-testsupport's
 * DebugClient. Shared by the DAP test files; each keeps its own client per test and passes it in.
 */
import type { SpawnOptions } from 'child_process';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { root } from './root';

const cliJs = path.join(root, 'dist', 'cli.js');
/** DebugClient spawns `runtime executable`: `node --eval=…` runs the CLI with `dap` as its command. */
const executable = `--eval=process.argv.push('-', 'dap'); require(${JSON.stringify(cliJs)})`;

export async function startClient(spawnOptions?: SpawnOptions): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, executable, 'smmu', spawnOptions);
  await dc.start();
  return dc;
}

/** Launch, run `setup` (breakpoints, filters) before configurationDone, and wait for the first stop. */
export async function launchOn(
  dc: DebugClient,
  args: Record<string, unknown>,
  setup?: () => Promise<unknown>,
  timeout = 5000,
): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped', timeout) as Promise<DebugProtocol.StoppedEvent>;
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      if (setup) await setup();
      return dc.configurationDoneRequest();
    }),
    dc.launch(args),
  ]);
  return stopped;
}

/**
 * Launch on a client initialized already (with progress reporting: launchOn's `launch` would
 * initialize again, without it), run `setup` before configurationDone, and wait for the first stop.
 */
export async function launchInitialized(
  dc: DebugClient,
  args: Record<string, unknown>,
  setup?: () => Promise<unknown>,
  timeout = 120_000,
): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped', timeout) as Promise<DebugProtocol.StoppedEvent>;
  await Promise.all([
    dc.waitForEvent('initialized', timeout).then(async () => {
      if (setup) await setup();
      return dc.configurationDoneRequest();
    }),
    dc.launchRequest(args as DebugProtocol.LaunchRequestArguments),
  ]);
  return stopped;
}

/** Send a step request and wait for the stop it causes (the waiter is registered first: no race). */
export async function steppingOn(dc: DebugClient, send: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await send();
  return stopped;
}

export async function evaluateOn(dc: DebugClient, expression: string, context = 'watch'): Promise<string> {
  return (await dc.evaluateRequest({ expression, context, frameId: 0 })).body.result;
}

/** Attach as VS Code does (configurationDone after `initialized`) and wait for the stop. */
export async function attachOn(dc: DebugClient, args: Record<string, unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped', 30_000) as Promise<DebugProtocol.StoppedEvent>;
  await Promise.all([
    dc.waitForEvent('initialized', 30_000).then(() => dc.configurationDoneRequest()),
    dc.attachRequest(args as DebugProtocol.AttachRequestArguments),
  ]);
  return stopped;
}
