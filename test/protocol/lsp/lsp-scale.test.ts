/**
 * The language server on large scripts, through the real protocol: edits re-parse only the lines
 * they change, only the most recently used scripts keep their syntax tree (the others still answer
 * hovers with the model's values), and a model run is stopped by a newer edit or by the client's
 * cancellation. `smmu/serverStats` reports what the server did.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  ResponseError,
  CancellationTokenSource,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Hover,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';
import {
  QUEUES_AT_LINE_REQUEST,
  SERVER_STATS_REQUEST,
  STATE_AT_LINE_REQUEST,
  type QueuesAtLineResult,
  type ServerStatsResult,
  type StateAtLineResult,
} from '../../../server/lsp/lsp-ext';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { KEEP_TREES } from '../../../server/lsp/workspace';
import { root } from '../../harness/root';
import { longScript } from '../../harness/long-script';

let proc: ChildProcess;
let conn: ProtocolConnection;
let dir: string;
const published: PublishDiagnosticsParams[] = [];
let wake: (() => void)[] = [];

/** A valid script of `n` lines: register writes and reads the model checks. */
function script(n: number): string {
  const lines: string[] = [];
  for (let i = 0; lines.length < n; i++)
    lines.push(
      `write32 CR2 ${i % 2 ? 'RECINVSID' : '0'}`,
      `read32 CR0ACK == 0`,
      `read32 IDR0   # line ${lines.length + 2}`,
    );
  return lines.slice(0, n).join('\n') + '\n';
}

function uriOf(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return pathToFileURL(p).toString();
}

/** The next diagnostics published for `uri` with `version` (bounded wait). */
function diagnosticsOf(uri: string, version: number, ms = 60_000): Promise<PublishDiagnosticsParams> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const look = () => {
      const hit = published.find((p) => p.uri === uri && p.version === version);
      if (hit) return resolve(hit);
      if (Date.now() - t0 > ms) return reject(new Error(`no diagnostics for ${uri} v${version}`));
      wake.push(look);
      setTimeout(() => look(), 200).unref();
    };
    look();
  });
}

const stats = () => conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});

/** Whether a model run started within about ten seconds (the server answers between its slices). */
async function modelRunning(): Promise<boolean> {
  for (let i = 0; i < 2000; i++) {
    if ((await stats()).runsInFlight > 0) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-lsp-scale-'));
  proc = spawn(process.execPath, [path.join(root, 'dist', 'server.js'), '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    published.push(p);
    const w = wake;
    wake = [];
    for (const f of w) f();
  });
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).toString(),
    capabilities: {},
  });
  await conn.sendNotification('initialized', {});
});

after(async () => {
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  proc.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an edit re-parses only the lines it changed, and later lines keep their positions right', async () => {
  const text = script(3000);
  const uri = uriOf('edit.smmu', text);
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'smmu', version: 1, text } });
  assert.deepEqual((await diagnosticsOf(uri, 1)).diagnostics, []);
  // The open's check keeps no syntax tree (workspace.ts, checkStreamed).
  assert.deepEqual(
    (await stats()).scriptsWithTree.filter((u) => u === uri),
    [],
  );

  // The first edit parses the document once to build the tree.
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: { start: { line: 1499, character: 0 }, end: { line: 1499, character: 0 } }, text: ' ' }],
  });
  assert.deepEqual((await diagnosticsOf(uri, 2)).diagnostics, []);
  assert.equal((await stats()).lastReparsedLines, text.split('\n').length);

  // Break line 1500 in place: one line parsed again, the error on it.
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 3 },
    contentChanges: [
      { range: { start: { line: 1500, character: 0 }, end: { line: 1500, character: 7 } }, text: 'wrte32' },
    ],
  });
  const d2 = (await diagnosticsOf(uri, 3)).diagnostics;
  const s2 = await stats();
  assert.equal(s2.lastReparsedLines, 1);
  // Every other statement kept its name resolution (2,999 lines, one of them now broken).
  assert.equal(s2.lastResolveReused, 2999);
  assert.deepEqual(
    d2.map((d) => [d.code, d.range.start.line]),
    [['syntax.unknown-statement', 1500]],
  );

  // Insert two lines at the top: two lines parsed, the error moves down with its line.
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 4 },
    contentChanges: [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'read32 CR0\nread32 CR1\n' },
    ],
  });
  const d3 = (await diagnosticsOf(uri, 4)).diagnostics;
  assert.equal((await stats()).lastReparsedLines, 2);
  assert.deepEqual(
    d3.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.character]),
    [['syntax.unknown-statement', 1502, 0, 6]],
  );

  // Save: the full check (model run) of the edited text, made with the kept tree, agrees with a
  // fresh open of the same text, made in one pass without one.
  const before = published.filter((p) => p.uri === uri && p.version === 4).length;
  await conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
  for (let i = 0; i < 1200 && published.filter((p) => p.uri === uri && p.version === 4).length === before; i++)
    await new Promise((r) => setTimeout(r, 50));
  const full = published.filter((p) => p.uri === uri && p.version === 4).at(-1)?.diagnostics ?? [];
  const freshText =
    'read32 CR0\nread32 CR1\n' +
    text
      .split('\n')
      .map((l, i) => (i === 1500 ? 'wrte32' + l.slice(7) : i === 1499 ? ' ' + l : l))
      .join('\n');
  const fresh = uriOf('fresh.smmu', freshText);
  await conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri: fresh, languageId: 'smmu', version: 1, text: freshText },
  });
  await diagnosticsOf(fresh, 1);
  // Its first check may publish what it has found so far before its end (server.ts): the check's
  // own set is the last publish, and the next test must not see this check still running.
  for (let i = 0; (await stats()).runsInFlight > 0; i++) {
    assert.ok(i < 1200, 'the fresh check did not end within a minute');
    await new Promise((r) => setTimeout(r, 50));
  }
  const freshDiags = published.filter((p) => p.uri === fresh && p.version === 1).at(-1)?.diagnostics ?? [];
  assert.ok(
    freshDiags.some((d) => d.code === 'run.stopped'),
    'the fresh full check ran the model',
  );
  assert.deepEqual(
    full.map((d) => [d.code, d.range, d.message]),
    freshDiags.map((d) => [d.code, d.range, d.message]),
  );
});

test('an open counts the lines as LSP does, whatever line breaks end them', async () => {
  // Every kind of line break LSP counts, with and without a final one.
  const texts = [
    'read32 IDR0\nread32 IDR1\n',
    'read32 IDR0\nread32 IDR1',
    'read32 IDR0\r\nread32 IDR1\r\n\r\n',
    'read32 IDR0\rread32 IDR1\r\nread32 IDR2\nread32 IDR3',
    '',
    '\n\n\n',
  ];
  for (const [i, text] of texts.entries()) {
    const uri = uriOf(`breaks${i}.smmu`, text);
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'smmu', version: 1, text },
    });
    assert.deepEqual((await diagnosticsOf(uri, 1)).diagnostics, [], JSON.stringify(text));
    // The open's check reports the lines it parsed: the document's line count as LSP defines it.
    assert.equal(
      (await stats()).lastReparsedLines,
      TextDocument.create(uri, 'smmu', 1, text).lineCount,
      JSON.stringify(text),
    );
    await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }
});

test(`only ${KEEP_TREES} scripts keep a syntax tree; the others still hover with the model's values`, async () => {
  const uris: string[] = [];
  for (let i = 0; i < KEEP_TREES + 2; i++) {
    const text = script(300);
    const uri = uriOf(`lru${i}.smmu`, text);
    uris.push(uri);
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'smmu', version: 1, text },
    });
    await diagnosticsOf(uri, 1);
  }
  const held = (await stats()).scriptsWithTree;
  assert.ok(held.length <= KEEP_TREES, `${held.length} trees held`);
  assert.ok(!held.includes(uris[0] as string), 'the least recently used script dropped its tree');
  // Line 2 reads IDR0: the hover shows the value the model returned, from the kept observations.
  const h = await conn.sendRequest<Hover | null>('textDocument/hover', {
    textDocument: { uri: uris[0] },
    position: { line: 2, character: 8 },
  });
  const text = (h?.contents as MarkupContent | undefined)?.value ?? '';
  assert.match(text, /IDR0/);
  assert.match(text, /Read at this line/, 'the observation of the full check survived the dropped tree');
  const after = (await stats()).scriptsWithTree;
  assert.ok(after.includes(uris[0] as string), 'hovering made it most recently used');
  assert.ok(after.length <= KEEP_TREES);
});

test("a tree built by a request while the open's check runs is kept, with the check's observations", async () => {
  const text = script(20_000);
  const uri = uriOf('tree-during-open.smmu', text);
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'smmu', version: 1, text } });
  assert.ok(await modelRunning(), 'the full check of the opened script started');
  // Semantic tokens need the tree: this request builds it between two slices of the model run.
  await conn.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri } });
  assert.deepEqual((await diagnosticsOf(uri, 1)).diagnostics, []);
  assert.ok((await stats()).scriptsWithTree.includes(uri), 'the check kept the tree the request built');
  // Line 2 reads IDR0: the kept tree carries the observations of the check that finished after it.
  const h = await conn.sendRequest<Hover | null>('textDocument/hover', {
    textDocument: { uri },
    position: { line: 2, character: 8 },
  });
  assert.match((h?.contents as MarkupContent | undefined)?.value ?? '', /Read at this line/);
});

test('a newer edit stops the model run of an older version: nothing stale is published', async () => {
  const text = script(30_000);
  const uri = uriOf('cancel-edit.smmu', text);
  const before = (await stats()).cancelledRuns;
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'smmu', version: 1, text } });
  // The model run yields between slices, so the server answers this while it runs.
  assert.ok(await modelRunning(), 'the full check of the opened script started');
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edited\n' },
    ],
  });
  await diagnosticsOf(uri, 2);
  assert.equal((await stats()).cancelledRuns, before + 1, 'the run of version 1 was stopped');
  assert.ok(!published.some((p) => p.uri === uri && p.version === 1), 'no diagnostics for the stale version');
});

test('a cursor move or an edit runs the model from a snapshot, and the views and hovers answer as from line 1', async () => {
  const open = async (name: string, text: string, problems: string[] = []) => {
    const uri = uriOf(name, text);
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'smmu', version: 1, text },
    });
    assert.deepEqual(
      (await diagnosticsOf(uri, 1)).diagnostics.map((d) => d.code),
      problems,
    );
    return uri;
  };
  const state = (uri: string, line: number) =>
    conn.sendRequest<StateAtLineResult>(STATE_AT_LINE_REQUEST, { uri, line });
  const queues = (uri: string, line: number) =>
    conn.sendRequest<QueuesAtLineResult>(QUEUES_AT_LINE_REQUEST, { uri, line });
  const happened = async (uri: string, line: number) => {
    const h = await conn.sendRequest<Hover | null>('textDocument/hover', {
      textDocument: { uri },
      position: { line, character: 1 },
    });
    return (h?.contents as MarkupContent | undefined)?.value ?? '';
  };
  const lastRun = async () => (await stats()).lastModelRun;
  const text = longScript(3000);
  const lines = text.split('\n');
  const a = await open('snap-a.smmu', text);
  await state(a, 2900);
  assert.equal((await lastRun())?.restoredFrom, 0, 'the first run starts at line 1');
  assert.ok((await stats()).modelSnapshots > 0);
  // A cursor move: from the snapshot before the line, the same answer as a document with no snapshots.
  const moved = await state(a, 2800);
  const move = await lastRun();
  assert.ok(move && move.restoredFrom > 0 && move.ran < 128, `the move re-ran ${JSON.stringify(move)}`);
  const b = await open('snap-b.smmu', text);
  assert.deepEqual(moved, await state(b, 2800));
  assert.equal((await lastRun())?.restoredFrom, 0, 'the other document had no snapshots');

  // An edit at line 1501: the views and the hover "What happened here" answer after it from the
  // snapshot before it, as a fresh document with the edited text does from line 1.
  const edited = lines.findIndex((l, i) => i >= 1500 && l.startsWith('read32 GERROR == 0'));
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: a, version: 2 },
    contentChanges: [
      { range: { start: { line: edited, character: 17 }, end: { line: edited, character: 18 } }, text: '1' },
    ],
  });
  await diagnosticsOf(a, 2);
  // Saved: the full check runs the model (the hover shows only what a check ran).
  await conn.sendNotification('textDocument/didSave', { textDocument: { uri: a } });
  for (let i = 0; i < 1200 && !published.some((p) => p.uri === a && p.version === 2 && p.diagnostics.length > 0); i++)
    await new Promise((r) => setTimeout(r, 50));
  let dma = 2899;
  while (!lines[dma]?.startsWith('dma ')) dma--;
  const stateAfter = await state(a, 2900);
  const run = await lastRun();
  assert.ok(
    run && run.restoredFrom > 0 && run.restoredFrom <= edited,
    `restored from statement ${run?.restoredFrom}, before the edit on line ${edited + 1}`,
  );
  const afterEdit = { state: stateAfter, queues: await queues(a, 2900), hover: await happened(a, dma) };
  assert.ok(((await lastRun())?.ran ?? 128) < 128, 'the queue view and the hover re-ran less than an interval');
  const c = await open('snap-c.smmu', lines.map((l, i) => (i === edited ? l.replace('== 0', '== 1') : l)).join('\n'), [
    'expect.failed',
  ]);
  assert.deepEqual(afterEdit, {
    state: await state(c, 2900),
    queues: await queues(c, 2900),
    hover: await happened(c, dma),
  });
  assert.match(afterEdit.hover, /What happened here/);
});

test('smmu/stateAtLine honours $/cancelRequest while the model runs', async () => {
  const text = script(40_000);
  const open = async (name: string) => {
    const uri = uriOf(name, text);
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'smmu', version: 1, text },
    });
    await diagnosticsOf(uri, 1);
    return uri;
  };
  const uri = await open('cancel-request.smmu');
  // Uncancelled, the request answers with the registers after the last line.
  const whole = await conn.sendRequest<StateAtLineResult>(STATE_AT_LINE_REQUEST, { uri, line: 39_999 });
  assert.ok(whole.registers.some((r) => r.name === 'CR2'));
  // Cancelled once running: a RequestCancelled error, and the server counts a stopped run. Waits
  // grow until the cancel lands after the run has started (the request is then past the queue).
  // Each try is on a document of its own: a document's later requests start from the snapshots
  // its earlier runs left (core/script/model-at-line.ts), too near the line to be stopped.
  const before = (await stats()).cancelledRuns;
  let stopped = false;
  for (const wait of [5, 20, 60, 150]) {
    const fresh = await open(`cancel-request-${wait}.smmu`);
    const source = new CancellationTokenSource();
    const pending = conn.sendRequest(STATE_AT_LINE_REQUEST, { uri: fresh, line: 39_999 }, source.token);
    setTimeout(() => source.cancel(), wait);
    await assert.rejects(pending, (e: unknown) => e instanceof ResponseError && e.code === -32800);
    if ((await stats()).cancelledRuns > before) {
      stopped = true;
      break;
    }
  }
  assert.ok(stopped, 'a running state request was stopped by its cancellation');
});
