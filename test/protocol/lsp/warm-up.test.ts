/**
 * The language server's warm-up after start (server/lsp/warm-up.ts), through the real protocol:
 * it runs to its end when nothing is opened and publishes nothing; it gives way to a file opened
 * right after start, whose diagnostics are those of a server without a warm-up; the setting and
 * Restricted Mode turn it off. And its script is one the model runs to the last line, so that the
 * warm-up exercises what a check runs and not an early error's short path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LspServer, withLspServer, msg } from '../../harness/lsp-harness';
import { SERVER_STATS_REQUEST, type ServerStatsResult } from '../../../server/lsp/lsp-ext';
import { WARM_UP_LINES, WARM_UP_PASSES, warmUp, warmUpScript } from '../../../server/lsp/warm-up';
import { RUN_SLICE } from '../../../core/script/interpreter';
import { checkScript, tallyExpectations } from '../../../core/script/check';

/** One warning the model finds (a RES0 bit), one failed expectation, one syntax error. */
const SCRIPT = 'write32 CR0 SMMUEN\nread32 CR0ACK == 0\nwrite32 CR2 0x80000000\nread32 CR0 ==\n';

const stats = (server: LspServer) => server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});

async function warmUpEnd(server: LspServer, ms = 120_000): Promise<ServerStatsResult> {
  const t0 = Date.now();
  for (;;) {
    const s = await stats(server);
    if (s.warmUp !== 'running') return s;
    if (Date.now() - t0 > ms) throw new Error('the warm-up did not end');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the warm-up script runs on the built-in configuration to its last line with no diagnostic', () => {
  const text = warmUpScript(WARM_UP_LINES);
  assert.equal(text.split('\n').length - 1, WARM_UP_LINES);
  const host = { readFile: () => undefined, resolvePath: (_f: string, r: string) => r };
  const check = checkScript(text, '/w/warm-up.smmu', host, 'full');
  assert.deepEqual(
    check.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`),
    [],
  );
  const tally = tallyExpectations(check);
  assert.ok(tally.total > 1000, `expectations: ${tally.total}`);
  assert.deepEqual(tally, { total: tally.total, met: tally.total, failed: 0, notRun: 0 });
  // Every kind of statement a driver's script is made of is in it.
  for (const verb of ['write32', 'write64', 'read32', 'poll', 'cmd', 'doorbell', 'cd', 'ste', 'map', 'dma', 'expect'])
    assert.ok(new RegExp(`^${verb}\\b`, 'm').test(text), verb);
});

test('with nothing opened the warm-up runs to its end, publishes nothing, and a later open is checked as usual', async () => {
  await withLspServer('smmu-warm-up-', async (server) => {
    assert.equal((await stats(server)).warmUp, 'running');
    const end = await warmUpEnd(server);
    assert.equal(end.warmUp, 'done');
    assert.ok(end.warmUpCost && end.warmUpCost.cpuMs > 0 && end.warmUpCost.wallMs > 0, JSON.stringify(end));
    // Every pass checks the whole script, a slice at a time.
    assert.equal(end.warmUpCost.slices, WARM_UP_PASSES * Math.ceil(WARM_UP_LINES / RUN_SLICE));
    assert.equal(server.published.size, 0, 'the warm-up published diagnostics');
    const { uri } = server.file('a.smmu', SCRIPT);
    server.open(uri, SCRIPT);
    const d = await server.diagnosticsFor(uri, (ds) => ds.length > 0, 0, 30_000);
    assert.ok(d.some((x) => msg(x).includes('CR0ACK')) && d.some((x) => x.severity === 1));
    assert.equal(server.published.size, 1);
  });
});

test('a file opened right after start stops the warm-up and gets the diagnostics a server without one gives', async () => {
  const diagnostics = async (env: NodeJS.ProcessEnv) => {
    return withLspServer(
      'smmu-warm-up-',
      async (server) => {
        const { uri } = server.file('a.smmu', SCRIPT);
        server.open(uri, SCRIPT);
        const d = await server.diagnosticsFor(uri, (ds) => ds.length > 0, 0, 30_000);
        // The warm-up gives way at its next slice: wait for it to end, then ask how.
        const end = await warmUpEnd(server, 30_000);
        return {
          state: end.warmUp,
          slices: end.warmUpCost?.slices,
          d: d.map((x) => `${x.range.start.line}:${x.code}:${msg(x)}`),
        };
      },
      { env },
    );
  };
  const withWarmUp = await diagnostics({});
  const without = await diagnostics({ SMMU_WARM_UP: '0' });
  assert.equal(withWarmUp.state, 'stopped');
  // The open came within WARM_UP_DELAY_MS of `initialized`, as a restored editor's does: the
  // warm-up gave way before its first slice, which would have held the open up.
  assert.equal(withWarmUp.slices, 0);
  assert.equal(without.state, 'off');
  assert.deepEqual(withWarmUp.d, without.d);
  assert.ok(withWarmUp.d.length >= 3, JSON.stringify(withWarmUp.d));
});

test('a warm-up a check comes before does not even build its script; one that runs builds it once', async () => {
  let built = 0;
  const script = (lines: number) => {
    built++;
    return warmUpScript(lines);
  };
  const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
  // Building it in a server already checking the user's file slowed that check (warm-up.ts).
  assert.deepEqual(await warmUp(() => true, pause, WARM_UP_PASSES, 600, script), { state: 'stopped', slices: 0 });
  assert.equal(built, 0);
  const run = await warmUp(() => false, pause, 2, 600, script);
  assert.equal(run.state, 'done');
  assert.equal(built, 1);
  // 600 lines: three slices a pass, each counted.
  assert.equal(run.slices, 2 * Math.ceil(600 / RUN_SLICE));
});

test('smmu.languageServer.warmUp false, and Restricted Mode (no model runs), start no warm-up', async () => {
  for (const settings of [{ warmUp: false }, { executeOn: 'never' }]) {
    await withLspServer(
      'smmu-warm-up-',
      async (server) => {
        assert.equal((await stats(server)).warmUp, 'off', JSON.stringify(settings));
      },
      { extra: () => ({ initializationOptions: { settings } }) },
    );
  }
});
