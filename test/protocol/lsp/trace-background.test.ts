/**
 * A long trace in the language server (over JSON-RPC stdio): replayed in the background, in
 * slices, so that requests are answered while it runs; with work-done progress when the client
 * shows it; stopped by a newer version; and with the diagnostics the one-shot check gives.
 * Ordering is asserted, never time (figures are `npm run bench`'s).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic, Hover, WorkDoneProgressCreateParams } from 'vscode-languageserver-protocol/node';
import { LspServer } from '../../harness/lsp-harness';
import { handshakeLines } from '../../bench/trace-gen';

/** Over the language server's BACKGROUND_TRACE_LINES (20,000), ten times. */
const LINES = 200_000;

/** Handshakes where every 40th CR0ACK read (from the `salt`th) disagrees with the model: hundreds of divergences, so capped. */
function bigTrace(lines: number, salt = 0): string {
  const out = handshakeLines(lines);
  let n = 0;
  for (let i = 0; i < out.length; i++) if (out[i] === 'R 0x24 4 0xC' && n++ % 40 === salt) out[i] = 'R 0x24 4 0x1F';
  return out.join('\n') + '\n';
}

type Progress = { kind: 'begin' | 'report' | 'end'; percentage?: number };

let server: LspServer;
const creates: WorkDoneProgressCreateParams[] = [];
/** Progress notifications, each with how many diagnostics notifications had arrived before it. */
const progress: { value: Progress; publishedBefore: number; token: string | number }[] = [];
let watched = '';

before(async () => {
  server = (await LspServer.start('smmu-trace-bg-', () => ({ capabilities: { window: { workDoneProgress: true } } })))
    .server;
  server.conn.onRequest('window/workDoneProgress/create', (p: WorkDoneProgressCreateParams) => {
    creates.push(p);
    return null;
  });
  server.conn.onNotification('$/progress', (p: { token: string | number; value: Progress }) => {
    progress.push({ value: p.value, publishedBefore: server.count(watched), token: p.token });
  });
});
after(() => server?.stop());

/** Wait until `pred` holds; a bounded wait (60 s), failing with `what`, not a timed assertion. */
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; !pred(); i++) {
    if (i > 6000) assert.fail(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const hover = (uri: string, line: number) =>
  server.conn.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line, character: 2 },
  }) as Promise<Hover | null>;

const hoverValue = (h: Hover | null): string =>
  h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';

/** The first diagnostics published for `uri` (a generous bound: a wait, not a timed assertion). */
const published = (s: LspServer, uri: string): Promise<Diagnostic[]> => s.diagnosticsFor(uri, () => true, 0, 120_000);

test('a hover sent right after opening a long trace is answered before its diagnostics, with progress begin … end', async () => {
  const text = bigTrace(LINES);
  const f = server.file('big.smmutrace', text);
  watched = f.uri;
  const before = progress.length;
  server.open(f.uri, text, 'smmutrace');
  const h = await hover(f.uri, LINES - 3);
  // Answered while the replay runs: nothing published yet, and the hover says so.
  assert.equal(server.count(f.uri), 0, 'the hover waited for the whole replay');
  assert.match(hoverValue(h), /being replayed in the background/);
  const diags = await published(server, f.uri);
  assert.ok(diags.some((d) => d.code === 'replay.value' || String(d.code).startsWith('replay.')));
  // Capped per code as the one-shot check caps it.
  assert.ok(diags.some((d) => d.code === 'trace.capped'));
  const perCode = new Map<unknown, number>();
  for (const d of diags) perCode.set(d.code, (perCode.get(d.code) ?? 0) + 1);
  for (const [code, n] of perCode) assert.ok(n <= 100, `${n} ${String(code)} diagnostics`);
  // Once replayed, the hover on an access shows both sides.
  assert.match(hoverValue(await hover(f.uri, LINES - 3)), /Read of|Write of/);
  // Progress: a token asked for, then begin, reports with rising percentages, end.
  await until(() => progress.slice(before).some((p) => p.value.kind === 'end'), 'a progress end');
  const mine = progress.slice(before);
  assert.ok(creates.some((c) => c.token === mine[0]?.token));
  assert.deepEqual(
    [mine[0]?.value.kind, mine[mine.length - 1]?.value.kind],
    ['begin', 'end'],
    JSON.stringify(mine.map((p) => p.value)),
  );
  const reports = mine.filter((p) => p.value.kind === 'report').map((p) => p.value.percentage ?? -1);
  assert.ok(reports.length > 1, 'several reports');
  for (let i = 1; i < reports.length; i++) assert.ok((reports[i] as number) > (reports[i - 1] as number));
  assert.equal(reports[reports.length - 1], 100);
  // Begun before the diagnostics were published.
  assert.equal(mine[0]?.publishedBefore, 0);
});

test('an edit during the replay of a long trace cancels it: only the new version is published', async () => {
  const text = bigTrace(LINES);
  const f = server.file('edited.smmutrace', text);
  watched = f.uri;
  const before = progress.length;
  const stats = () => server.conn.sendRequest('smmu/serverStats') as Promise<{ cancelledRuns: number }>;
  const cancelledBefore = (await stats()).cancelledRuns;
  server.open(f.uri, text, 'smmutrace');
  // The first version's replay is running once it reports progress (and has not ended: nothing published).
  await until(
    () => progress.slice(before).some((p) => p.value.kind === 'report') || server.count(f.uri) > 0,
    'a progress report or diagnostics',
  );
  assert.equal(server.count(f.uri), 0, 'the first version was replayed at once');
  const edited = bigTrace(LINES, 1);
  const version = server.nextVersion();
  await server.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: f.uri, version },
    contentChanges: [{ text: edited }],
  });
  await published(server, f.uri);
  const all = server.published.get(f.uri) ?? [];
  assert.deepEqual(
    all.map((p) => p.version),
    [version],
  );
  assert.ok((await stats()).cancelledRuns > cancelledBefore);
});

test('a long trace replayed in the background gets the diagnostics of the one-shot check', async () => {
  const text = bigTrace(LINES, 2);
  // The same trace in a server that checks every trace at once.
  const once = (await LspServer.start('smmu-trace-once-', undefined, { SMMU_TRACE_BACKGROUND_LINES: '100000000' }))
    .server;
  try {
    const f = server.file('same.smmutrace', text);
    const g = once.file('same.smmutrace', text);
    server.open(f.uri, text, 'smmutrace');
    once.open(g.uri, text, 'smmutrace');
    const [bg, sync] = await Promise.all([published(server, f.uri), published(once, g.uri)]);
    assert.ok(bg.some((d) => d.code === 'trace.capped'));
    assert.deepEqual(bg, sync);
  } finally {
    await once.stop();
  }
});

test('a short trace is still checked at once, without progress', async () => {
  const text = bigTrace(5_000);
  const f = server.file('short.smmutrace', text);
  const created = creates.length;
  server.open(f.uri, text, 'smmutrace');
  const diags = await published(server, f.uri);
  assert.ok(diags.some((d) => String(d.code).startsWith('replay.')));
  assert.equal(creates.length, created);
});

test('the user cancels the progress of a long trace: the replay stops, and what it found so far is published with a note at the line it stopped at', async () => {
  const text = bigTrace(LINES, 3);
  const f = server.file('cancelled.smmutrace', text);
  watched = f.uri;
  const before = progress.length;
  server.open(f.uri, text, 'smmutrace');
  // Cancel once the replay is past its look ahead (10,000 lines, diagnostics found) and far from the end.
  await until(
    () => progress.slice(before).some((p) => p.value.kind === 'report' && (p.value.percentage ?? 0) >= 10),
    'a progress report of 10 %',
  );
  const mine = () => progress.slice(before);
  const begin = mine()[0];
  assert.equal(begin?.value.kind, 'begin');
  assert.equal((begin?.value as { cancellable?: boolean }).cancellable, true);
  await server.conn.sendNotification('window/workDoneProgress/cancel', { token: begin?.token });
  const diags = await published(server, f.uri);
  const notes = diags.filter((d) => d.code === 'trace.cancelled');
  assert.equal(notes.length, 1, JSON.stringify(diags.slice(-3)));
  const at = (notes[0] as Diagnostic).range.start.line;
  assert.ok(at >= 20_000 && at < LINES / 2, `stopped at line ${at + 1}`);
  assert.match(
    String((notes[0] as Diagnostic).message),
    new RegExp(`cancelled at line ${(at + 1).toLocaleString('en-US')} of [0-9,]+:`),
  );
  // What it found before that line, nothing after it; the same as the full check's up to there.
  const found = diags.filter((d) => d.code !== 'trace.cancelled');
  assert.ok(found.some((d) => d.code === 'replay.value'));
  assert.ok(found.every((d) => d.range.start.line < at));
  // The progress ended without reaching 100 %.
  await until(() => mine().some((p) => p.value.kind === 'end'), 'a progress end');
  assert.ok(mine().every((p) => (p.value.percentage ?? 0) < 100));
  // A hover past the line says it was not replayed.
  assert.match(hoverValue(await hover(f.uri, LINES - 3)), /cancelled at line/);
  // The same lines' diagnostics as a full check of the whole trace gives, those before the cancel.

  const g = server.file('full.smmutrace', text);
  server.open(g.uri, text, 'smmutrace');
  const all = await published(server, g.uri);

  assert.deepEqual(
    found.filter((d) => d.code !== 'trace.capped').map((d) => [d.range.start.line, d.code, d.message]),
    all
      .filter((d) => d.code !== 'trace.capped' && d.range.start.line < at)
      .slice(0, found.filter((d) => d.code !== 'trace.capped').length)
      .map((d) => [d.range.start.line, d.code, d.message]),
  );
});
