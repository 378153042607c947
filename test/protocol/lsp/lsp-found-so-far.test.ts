/**
 * The first check of a script just opened publishes what it has found on the lines it has
 * checked before it ends (server/lsp/server.ts, core FoundSoFar), so that the errors on the first
 * screen of a long script show at once; never when that would replace a set already shown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { LspServer, withLspServer, msg } from '../../harness/lsp-harness';
import { longScript, longScriptWithFindings } from '../../harness/long-script';
import { RUN_SLICE } from '../../../core/script/interpreter';
import { SERVER_STATS_REQUEST, type ServerStatsResult } from '../../../server/lsp/lsp-ext';

const shown = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.range.start.line}: ${d.code} ${msg(d)}`);

const stats = (server: LspServer) => server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});

test("a long script's first check shows its early findings before it ends, and they stay", async () => {
  await withLspServer('smmu-found-so-far-', async (server) => {
    const { text, early, late } = longScriptWithFindings(10_000);
    const { uri } = server.file('found.smmu', text);
    server.open(uri, text);
    await server.diagnosticsFor(uri, (ds) => ds.some((d) => d.range.start.line === late), 0, 60_000);
    await server.checksEnded();
    const sets = (server.published.get(uri) ?? []).map((p) => p.diagnostics);
    assert.ok(sets.length >= 2, `published ${sets.length} times`);
    const final = sets[sets.length - 1] as Diagnostic[];
    const first = sets[0] as Diagnostic[];
    // The first publish holds the early finding only: the check had not reached the late one.
    assert.deepEqual(
      first.map((d) => [d.range.start.line, d.code]),
      [[early, 'expect.failed']],
    );
    // Every publish before the last is the final set's beginning: nothing shown is taken back.
    for (const s of sets) assert.deepEqual(shown(s), shown(final).slice(0, s.length));
    assert.deepEqual(
      final.map((d) => [d.range.start.line, d.code]),
      [
        [early, 'expect.failed'],
        [late, 'write.res0'],
      ],
    );
    // Each partial publish says more than the one before it; the check's own set comes last.
    for (let i = 1; i < sets.length - 1; i++)
      assert.ok((sets[i] as Diagnostic[]).length > (sets[i - 1] as Diagnostic[]).length);
    assert.equal((await stats(server)).partialPublishes, sets.length - 1);
  });
});

test('a clean long script, and a short script with a finding (one slice), are published once', async () => {
  await withLspServer('smmu-found-so-far-once-', async (server) => {
    // Nothing found: no partial set, though the check runs in many slices.
    const clean = longScript(5_000);
    const a = server.file('clean.smmu', clean);
    server.open(a.uri, clean);
    assert.deepEqual(await server.diagnosticsFor(a.uri, () => true, 0, 60_000), []);
    // A short script is checked in one slice: published once.
    const short = 'write32 CR0 0x80000000\n';
    const b = server.file('short.smmu', short);
    server.open(b.uri, short);
    assert.equal((await server.diagnosticsFor(b.uri, () => true, 0, 30_000)).length, 1);
    await server.checksEnded();
    assert.equal(server.count(a.uri), 1);
    assert.equal(server.count(b.uri), 1);
    assert.equal((await stats(server)).partialPublishes, 0);
  });
});

test('a check after an edit or a save never shows a partial set over the full one', async () => {
  await withLspServer('smmu-found-so-far-save-', async (server) => {
    const { text, late } = longScriptWithFindings(4 * RUN_SLICE);
    const { uri } = server.file('saved.smmu', text);
    server.open(uri, text);
    await server.diagnosticsFor(uri, (ds) => ds.some((d) => d.range.start.line === late), 0, 60_000);
    await server.checksEnded();
    const afterOpen = server.count(uri);
    const partialsAfterOpen = (await stats(server)).partialPublishes;
    assert.ok(partialsAfterOpen >= 1);
    // A save checks the script again in full: its diagnostics come whole.
    await server.conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
    await server.diagnosticsFor(uri, () => true, afterOpen, 60_000);
    await server.checksEnded();
    for (const p of (server.published.get(uri) ?? []).slice(afterOpen)) assert.equal(p.diagnostics.length, 2);
    assert.equal((await stats(server)).partialPublishes, partialsAfterOpen);
  });
});
