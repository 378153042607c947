/**
 * The Node options the language server's process is started with (server/process-flags.ts): the
 * VS Code client, the bench and these tests' harness all take them from one place, and the server
 * reports the V8 worker-thread count it was started with, so a client that dropped the option
 * would be seen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withLspServer, msg } from '../../harness/lsp-harness';
import { longScript } from '../../harness/long-script';
import { SERVER_STATS_REQUEST, type ServerStatsResult } from '../../../server/lsp/lsp-ext';
import {
  availableCpus,
  SERVER_HEAP_MIB,
  SERVER_INITIAL_OLD_MIB,
  serverExecArgv,
  startedInitialOldMib,
  startedPoolSize,
  v8PoolSize,
} from '../../../server/process-flags';

test('V8 worker threads leave the main thread a processor, and never exceed Node default of four', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 8, 64].map((cpus) => v8PoolSize(cpus)),
    [1, 1, 2, 3, 4, 4, 4],
  );
  assert.deepEqual(serverExecArgv(2), [
    `--max-old-space-size=${SERVER_HEAP_MIB}`,
    `--initial-old-space-size=${SERVER_INITIAL_OLD_MIB}`,
    '--v8-pool-size=1',
  ]);
  assert.equal(startedPoolSize(['--max-old-space-size=1536', '--v8-pool-size=3']), 3);
  assert.equal(startedPoolSize(['--v8-pool-size=2', '--v8-pool-size=1']), 1, 'the last one counts, as for Node');
  assert.equal(startedPoolSize(['--inspect=6011']), undefined);
  assert.equal(startedInitialOldMib(['--initial_old_space_size=8', '--v8-pool-size=1']), 8);
  assert.equal(startedInitialOldMib(['--max-old-space-size=1536']), undefined);
});

test('the server runs with the options the client gives it: its heap ceiling and V8 worker threads', async () => {
  await withLspServer('smmu-lsp-flags-', async (server) => {
    const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    assert.equal(stats.v8PoolSize, v8PoolSize(availableCpus()));
    assert.equal(stats.initialOldSpaceMib, SERVER_INITIAL_OLD_MIB);
    const mib = stats.heapLimit / 1024 / 1024;
    assert.ok(mib > SERVER_HEAP_MIB && mib < SERVER_HEAP_MIB + 200, `heap limit ${mib} MiB`);
  });
});

test("a long script's first check, and the half second after it, need no full garbage collection", async () => {
  // Without --initial-old-space-size, V8 ran one mark-compact in the middle of this check; with
  // 32 MiB, in two of three runs, at its end or just after (server/process-flags.ts
  // SERVER_INITIAL_OLD_MIB). The warm-up starts with the server and gives way to the open, as in
  // an editor; the count is read half a second after the check ended.
  await withLspServer('smmu-lsp-gc-', async (server) => {
    const text = longScript(10_000);
    const doc = server.file('long.smmu', text);
    server.open(doc.uri, text);
    const d = await server.diagnosticsFor(doc.uri, () => true, 0, 60_000);
    assert.deepEqual(d.map(msg), [], 'the script is clean');
    await server.checksEnded(500);
    const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    assert.equal(stats.fullGcs, 0, `heap used ${Math.round(stats.heapUsed / 2 ** 20)} MiB`);
  });
});
