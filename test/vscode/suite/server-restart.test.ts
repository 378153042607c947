/**
 * A language server that dies is started again by the client, and the open documents are checked
 * again (issue on reliability): the test stops the server process as a crash would (SIGKILL) and
 * waits for a new process and for bad.smmu's diagnostics to be cleared and published again. The
 * new server's first open of bad.smmu comes right after `initialized`, as a restored tab's does,
 * and is served from the result cache the old server wrote.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { open, readyApi, waitFor } from './helpers';
import { availableCpus, SERVER_INITIAL_OLD_MIB, v8PoolSize } from '../../../server/process-flags';

interface RestartApi {
  ready: Promise<unknown>;
  serverStats(): Promise<{
    pid: number;
    heapLimit: number;
    v8PoolSize?: number;
    initialOldSpaceMib?: number;
    resultCache?: { enabled: boolean; servedOpens: number };
  }>;
  serverRestarts(): number;
}

suite('Language server restart', () => {
  test('killing the server process starts a new one and bad.smmu is checked again', async function () {
    this.timeout(60_000);
    const api = await readyApi<RestartApi>();
    const doc = (await open('bad.smmu')).document;
    const smmu = () => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'smmu');
    await waitFor('diagnostics on bad.smmu', () => (smmu().length ? true : undefined), 20_000);
    const before = await api.serverStats();
    // The client starts the server with a stated heap ceiling (server/process-flags.ts SERVER_HEAP_MIB),
    // its first full garbage collection at SERVER_INITIAL_OLD_MIB, and V8's worker threads sized
    // to leave its main thread a processor.
    assert.ok(
      before.heapLimit < 1700 * 1024 * 1024 && before.heapLimit > 1400 * 1024 * 1024,
      `heap limit ${before.heapLimit}`,
    );
    assert.strictEqual(
      before.v8PoolSize,
      v8PoolSize(availableCpus()),
      'the server process was started with --v8-pool-size',
    );
    assert.strictEqual(
      before.initialOldSpaceMib,
      SERVER_INITIAL_OLD_MIB,
      'the server process was started with --initial-old-space-size',
    );
    const restartsBefore = api.serverRestarts();

    // The client clears a dead server's diagnostics; the new server publishes them again.
    let cleared = false;
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === doc.uri.toString()) && smmu().length === 0) cleared = true;
    });
    try {
      process.kill(before.pid, 'SIGKILL');
      const after = await waitFor(
        'a new language server process',
        async () => {
          try {
            const s = await api.serverStats();
            return s.pid !== before.pid ? s : undefined;
          } catch {
            return undefined; // the old connection is gone and the new one not yet up
          }
        },
        30_000,
      );
      assert.notStrictEqual(after.pid, before.pid);
      assert.strictEqual(after.v8PoolSize, before.v8PoolSize, 'the restarted server has the same Node options');
      assert.strictEqual(api.serverRestarts(), restartsBefore + 1, 'the restart went through the client error handler');
      // The client opens the open scripts in the new server right after `initialized`, as VS Code
      // does for tabs restored at startup: those the old server checked, unchanged since, are
      // served at once from the result cache it wrote (bad.smmu among them; the stats count all).
      assert.ok(after.resultCache?.enabled, JSON.stringify(after.resultCache));
      const scripts = vscode.workspace.textDocuments.filter((d) => d.languageId === 'smmu').length;
      const served = await waitFor(
        'opens served from the result cache',
        async () => {
          const s = await api.serverStats();
          return s.resultCache && s.resultCache.servedOpens > 0 ? s.resultCache.servedOpens : undefined;
        },
        20_000,
      );
      assert.ok(served >= 1 && served <= scripts, `${served} opens served, ${scripts} scripts open`);
      await waitFor(
        'bad.smmu checked again by the new server',
        () => (cleared && smmu().some((d) => /NOT_A_REG|PRIQEN/.test(d.message)) ? true : undefined),
        20_000,
        () =>
          `cleared=${cleared}, diagnostics: ${smmu()
            .map((d) => d.message)
            .join(' | ')}`,
      );
    } finally {
      sub.dispose();
    }
  });
});
