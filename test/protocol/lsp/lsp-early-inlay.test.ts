/**
 * The inlay hints of the lines on screen, asked for as a script opens, are answered during its
 * first check once the check has run past those lines (server/lsp/inlay.ts, inlayHintsSoFar),
 * and they are the hints a request after the check gets from the syntax tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspServer, withLspServer } from '../../harness/lsp-harness';
import { root } from '../../harness/root';
import { RUN_SLICE } from '../../../core/script/interpreter';
import { SERVER_STATS_REQUEST, type ServerStatsResult } from '../../../server/lsp/lsp-ext';

test("the screen's inlay hints come during the first check, and are the ones the tree gives", async () => {
  const { server } = await LspServer.start('smmu-early-inlay-', () => ({
    capabilities: { workspace: { inlayHint: { refreshSupport: false } } },
  }));
  try {
    const examples = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.smmu'));
    assert.ok(examples.length >= 10);
    let early = 0;
    let hinted = 0;
    for (const name of examples) {
      const file = path.join(root, 'examples', name);
      const own = fs.readFileSync(file, 'utf8');
      const lines = own.split('\n').length;
      // Opened where it is (its `config` and `include` lines find what they name), with comment
      // lines around it so that its check runs in several slices, and the screen (its first 120
      // lines) straddles the end of the first slice (RUN_SLICE): hints answered from a slice not
      // yet run would lack its values.
      const pad = RUN_SLICE - 40;
      const text = '# before\n'.repeat(pad) + own + '\n' + '# more\n'.repeat(3000);
      const uri = pathToFileURL(file).toString();
      const textDocument = { uri };
      const range = { start: { line: pad, character: 0 }, end: { line: pad + Math.min(lines, 120), character: 0 } };
      const before = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
      server.open(uri, text);
      const during = await server.conn.sendRequest<unknown[]>('textDocument/inlayHint', { textDocument, range });
      const publishedBefore = server.count(uri);
      await server.diagnosticsFor(uri, () => true, 0, 30_000);
      await server.checksEnded(0);
      const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
      // Before the check's own publish, which follows its partial ones (lsp-found-so-far.test.ts).
      const answeredEarly = publishedBefore <= stats.partialPublishes - before.partialPublishes;
      if (answeredEarly) early++;
      assert.equal(stats.inlayHintsDuringFirstCheck - before.inlayHintsDuringFirstCheck, answeredEarly ? 1 : 0, name);
      // After the check, from the tree (the same request parses it).
      const after = await server.conn.sendRequest<unknown[]>('textDocument/inlayHint', { textDocument, range });
      assert.deepEqual(during, after, name);
      if (after.length > 0) hinted++;
      await server.conn.sendNotification('textDocument/didClose', { textDocument });
    }
    // Each open's hints came before its diagnostics (the check is 3,000 lines longer than the screen).
    assert.equal(early, examples.length);
    assert.ok(hinted >= examples.length / 2, `${hinted} of ${examples.length} examples have hints on screen`);
  } finally {
    await server.stop();
  }
});

test('hints of lines the first check has not reached wait for it; closing the script answers them', async () => {
  await withLspServer('smmu-early-inlay-wait-', async (server) => {
    const text = 'write32 CR0 SMMUEN\n' + '# more\n'.repeat(20_000) + 'read32 CR0ACK\n';
    const { uri } = server.file('far.smmu', text);
    const textDocument = { uri };
    const last = text.split('\n').length - 2;
    server.open(uri, text);
    const far = server.conn.sendRequest<unknown[]>('textDocument/inlayHint', {
      textDocument,
      range: { start: { line: last - 10, character: 0 }, end: { line: last, character: 0 } },
    });
    const hints = await far;
    // Not before the check's end: the diagnostics were published first.
    assert.equal(server.count(uri), 1);
    assert.equal(hints.length, 1, JSON.stringify(hints));
    const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    assert.equal(stats.inlayHintsDuringFirstCheck, 0);
    assert.equal(stats.openCheckWaits, 1);
    // A request whose lines the check has not reached when the script closes is answered, not held.
    const again = 'write32 CR0 SMMUEN\n' + '# more\n'.repeat(20_000);
    server.open(uri, again);
    const pending = server.conn.sendRequest<unknown[]>('textDocument/inlayHint', {
      textDocument,
      range: { start: { line: 19_990, character: 0 }, end: { line: 20_000, character: 0 } },
    });
    await server.conn.sendNotification('textDocument/didClose', { textDocument });
    assert.deepEqual(await pending, []);
  });
});
