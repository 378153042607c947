/**
 * Requests that need a script's syntax tree, sent with its open (as VS Code sends semantic tokens,
 * symbols and inlay hints), wait for its first check, which builds no tree (server/lsp/open-checks.ts):
 * the open's diagnostics are written before those answers, and the answers are the ones a later
 * request gets. Before, each request parsed the whole script in the middle of the check. The
 * screen's inlay hints are answered once the check has run past the screen's lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withLspServer } from '../../harness/lsp-harness';
import { longScript } from '../../harness/long-script';
import { SERVER_STATS_REQUEST, STATE_AT_LINE_REQUEST, type ServerStatsResult } from '../../../server/lsp/lsp-ext';
import { OpenChecks } from '../../../server/lsp/open-checks';

interface Tokens {
  data: number[];
}

test("semantic tokens, symbols and the Registers view sent with an open are answered after its diagnostics, the screen's inlay hints before; all answer as later", async () => {
  await withLspServer('smmu-open-checks-', async (server) => {
    // Long enough that its check spans many slices, with one error the model finds near its end.
    const text = longScript(4000) + 'read32 CR0ACK.SMMUEN == 0\n';
    const { uri } = server.file('long.smmu', text);
    const textDocument = { uri };
    const publishedBefore: Record<string, number> = {};
    const answer = <T>(name: string, p: Promise<T>) =>
      p.then((r) => {
        publishedBefore[name] = server.count(uri);
        return r;
      });
    server.open(uri, text);
    const [tokens, symbols, hints, registers] = await Promise.all([
      answer('semanticTokens', server.conn.sendRequest<Tokens>('textDocument/semanticTokens/full', { textDocument })),
      answer('documentSymbol', server.conn.sendRequest<unknown[]>('textDocument/documentSymbol', { textDocument })),
      answer(
        'inlayHint',
        server.conn.sendRequest<unknown[]>('textDocument/inlayHint', {
          textDocument,
          range: { start: { line: 0, character: 0 }, end: { line: 60, character: 0 } },
        }),
      ),
      // The Registers view's request, which the client sends when the editor changes.
      answer('stateAtLine', server.conn.sendRequest<unknown>(STATE_AT_LINE_REQUEST, { uri, line: 100 })),
    ]);
    // The open's full check published first: each answer that needs the tree came after it. The
    // screen's inlay hints came before, once the check had run past those lines.
    assert.deepEqual(publishedBefore, { semanticTokens: 1, documentSymbol: 1, inlayHint: 0, stateAtLine: 1 });
    const diagnostics = await server.diagnosticsFor(uri, () => true, 0, 60_000);
    assert.ok(
      diagnostics.some((d) => d.range.start.line === text.split('\n').length - 2),
      'the model ran to the last line',
    );
    const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    assert.equal(stats.openCheckWaits, 3);
    assert.equal(stats.inlayHintsDuringFirstCheck, 1);
    // The same answers as requests made once the check is over, which do not wait.
    assert.ok(tokens.data.length > 1000, `${tokens.data.length} token numbers`);
    assert.deepEqual(
      (await server.conn.sendRequest<Tokens>('textDocument/semanticTokens/full', { textDocument })).data,
      tokens.data,
    );
    assert.deepEqual(await server.conn.sendRequest('textDocument/documentSymbol', { textDocument }), symbols);
    assert.deepEqual(
      await server.conn.sendRequest('textDocument/inlayHint', {
        textDocument,
        range: { start: { line: 0, character: 0 }, end: { line: 60, character: 0 } },
      }),
      hints,
    );
    assert.deepEqual(await server.conn.sendRequest(STATE_AT_LINE_REQUEST, { uri, line: 100 }), registers);
    assert.equal((await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {})).openCheckWaits, 3);
  });
});

test('a request on a script closed while its first check was due is answered, not held', async () => {
  await withLspServer('smmu-open-checks-close-', async (server) => {
    const text = longScript(4000);
    const { uri } = server.file('closed.smmu', text);
    server.open(uri, text);
    const tokens = server.conn.sendRequest<Tokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
    await server.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    assert.deepEqual(await tokens, { data: [] });
    const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    assert.equal(stats.openCheckWaits, 1);
  });
});

test('a request answered from a first check as it goes: at a slice, at the end, or never early when its early answer fails', async () => {
  const checks = new OpenChecks();
  checks.begin('a');
  let ready: string[] | undefined = undefined;
  const early = checks.afterOrEarly(
    'a',
    () => ready,
    () => ['at the end'],
  );
  checks.progress('a');
  ready = ['from the lines so far'];
  checks.progress('a');
  assert.deepEqual(await early, ['from the lines so far']);
  // One whose early answer throws: the slice goes on (progress does not throw), and the request
  // is answered at the check's end.
  const failing = checks.afterOrEarly(
    'a',
    () => {
      throw new Error('a bug');
    },
    () => ['at the end'],
  );
  assert.doesNotThrow(() => checks.progress('a'));
  const never = checks.afterOrEarly(
    'a',
    () => undefined,
    () => ['at the end too'],
  );
  checks.end('a');
  assert.deepEqual(await failing, ['at the end']);
  assert.deepEqual(await never, ['at the end too']);
  assert.equal(checks.waits, 2);
  // No first check due: answered at once.
  assert.deepEqual(
    checks.afterOrEarly(
      'b',
      () => ['early'],
      () => ['now'],
    ),
    ['now'],
  );
});

test("a request answered first at a check's end: before the requests that wait for it, or during a long check after its wait", async () => {
  const checks = new OpenChecks();
  checks.begin('a');
  const order: string[] = [];
  const tree = checks.after('a', () => order.push('after: parses the tree'));
  const shown = checks.first('a', () => order.push('first: the shown lines'), 60_000);
  checks.end('a');
  await Promise.all([tree, shown]);
  assert.deepEqual(order, ['first: the shown lines', 'after: parses the tree']);
  // A check that outlasts the wait: answered in its middle.
  checks.begin('b');
  let answeredWhileDue: boolean | undefined;
  const during = checks.first('b', () => (answeredWhileDue = checks.due('b')), 20);
  await during;
  assert.equal(answeredWhileDue, true);
  checks.end('b');
  // No first check due: answered at once.
  assert.equal(
    checks.first('c', () => 'now', 20),
    'now',
  );
});

test("the shown lines' tokens of a short first check come right after its diagnostics, before the full tokens", async () => {
  await withLspServer('smmu-range-after-short-check-', async (server) => {
    // A check of a few tens of milliseconds: shorter than the range's wait (RANGE_TOKENS_MAX_WAIT_MS).
    const text = longScript(1500) + 'read32 CR0ACK.SMMUEN == 0\n';
    const { uri } = server.file('short.smmu', text);
    const textDocument = { uri };
    const range = { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } };
    const order: string[] = [];
    server.open(uri, text);
    const full = server.conn
      .sendRequest<Tokens>('textDocument/semanticTokens/full', { textDocument })
      .then((t) => (order.push(`full after ${server.count(uri)} publish`), t));
    const shown = server.conn
      .sendRequest<Tokens>('textDocument/semanticTokens/range', { textDocument, range })
      .then((t) => (order.push(`range after ${server.count(uri)} publish`), t));
    const [, tokens] = await Promise.all([full, shown]);
    assert.deepEqual(order, ['range after 1 publish', 'full after 1 publish']);
    assert.ok(tokens.data.length > 5 * 40, `${tokens.data.length / 5} tokens on 40 lines`);
    const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    assert.deepEqual(stats.rangeTokens, { answered: 1, duringFirstCheck: 0 });
  });
});
