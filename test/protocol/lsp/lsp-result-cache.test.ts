/**
 * The cache of full checks' diagnostics (server/lsp/result-cache.ts), through the real protocol:
 * a script checked by one server is opened by a second server with the same cache folder (a tab
 * restored at startup). The second publishes the first's diagnostics at once and then nothing more
 * when its own check agrees; a changed configuration, included file or text, a damaged entry, the
 * setting off or an untrusted workspace: nothing served, the real check's diagnostics arrive; an
 * entry that disagrees with the real check is followed by the real diagnostics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver/node';
import { LspServer, msg } from '../../harness/lsp-harness';
import { SERVER_STATS_REQUEST, type ServerStatsResult } from '../../../server/lsp/lsp-ext';
import { decodeEntry, encodeEntry, KEEP_RESULTS, MAX_ENTRY_BYTES, ResultCache } from '../../../server/lsp/result-cache';

/** A failed expectation (CR0ACK), a RES0 warning from the included file, under a configuration file. */
const SCRIPT = 'config "cfg.smmu.json"\ninclude "inc.smmu"\nwrite32 CR0 SMMUEN\nread32 CR0ACK == 0\n';
const INCLUDED = 'write32 CR2 0x80000000\n';
const CONFIG = '{ "base": "qemu-11.1" }\n';

interface Session {
  /** Every publish of the script's diagnostics, in order. */
  readonly publishes: PublishDiagnosticsParams[];
  readonly stats: ServerStatsResult;
}

const messages = (d: readonly Diagnostic[]) => d.map(msg).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A workspace holding the script, its configuration and its included file, and an empty cache folder. */
function setUp(): { ws: string; cache: string; done: () => void } {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-result-ws-'));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-result-cache-'));
  fs.writeFileSync(path.join(ws, 'cfg.smmu.json'), CONFIG);
  fs.writeFileSync(path.join(ws, 'inc.smmu'), INCLUDED);
  return {
    ws,
    cache,
    done: () => {
      fs.rmSync(ws, { recursive: true, force: true });
      fs.rmSync(cache, { recursive: true, force: true });
    },
  };
}

/**
 * Start a server on `ws` with its result cache in `cache`, open `text` as ws/a.smmu, and wait
 * until its own check has ended (its entry written, or, when nothing is written, its publish).
 */
async function session(
  ws: string,
  cache: string,
  text = SCRIPT,
  settings: Record<string, unknown> = {},
): Promise<Session> {
  const { server } = await LspServer.start(
    'smmu-lsp-result-',
    () => ({ rootUri: pathToFileURL(ws).toString(), initializationOptions: { settings } }),
    { SMMU_RESULT_CACHE: cache, SMMU_CODE_CACHE: 'off', SMMU_WARM_UP: '0' },
  );
  try {
    const file = path.join(ws, 'a.smmu');
    fs.writeFileSync(file, text);
    const uri = pathToFileURL(file).toString();
    server.open(uri, text);
    const stats = () => server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    const writes = settings.resultCache === false || settings.trusted === false;
    const t0 = Date.now();
    for (;;) {
      const s = await stats();
      const published = server.count(uri) > s.resultCache.servedOpens;
      if (s.runsInFlight === 0 && (writes ? published : s.resultCache.stored > 0)) break;
      if (Date.now() - t0 > 30_000) throw new Error(`the check did not end: ${JSON.stringify(s)}`);
      await sleep(50);
    }
    // A publish after the check would come with it; give a late one the time to arrive.
    await sleep(200);
    return { publishes: [...(server.published.get(uri) ?? [])], stats: await stats() };
  } finally {
    await server.stop();
  }
}

/** The key an entry was made for (its JSON body follows MAGIC and a SHA-256: 8 + 32 bytes). */
const keyIn = (bytes: Buffer) => (JSON.parse(bytes.subarray(40).toString('utf8')) as { key: string }).key;

const entries = (cache: string) =>
  fs.existsSync(cache) ? fs.readdirSync(cache).filter((f) => f.endsWith('.smmur')) : [];

/** The first server's session, and the one entry it wrote. */
async function first(ws: string, cache: string): Promise<{ final: Diagnostic[]; entry: string }> {
  const s = await session(ws, cache);
  assert.equal(s.stats.resultCache.servedOpens, 0);
  assert.equal(s.publishes.length, 1);
  const final = s.publishes[0]!.diagnostics;
  assert.ok(
    messages(final).some((m) => m.includes('CR0ACK')) && final.length >= 2,
    `expected diagnostics, got ${JSON.stringify(messages(final))}`,
  );
  const files = entries(cache);
  assert.equal(files.length, 1, 'one entry');
  const entry = path.join(cache, files[0]!);
  assert.equal(fs.statSync(entry).mode & 0o777, 0o600);
  return { final, entry };
}

test('a script opened again by a new server: its last diagnostics are published at once, and nothing more when the check agrees', async () => {
  const { ws, cache, done } = setUp();
  try {
    const { final } = await first(ws, cache);
    const second = await session(ws, cache);
    assert.equal(second.stats.resultCache.servedOpens, 1);
    assert.deepEqual(second.publishes[0]!.diagnostics, final);
    assert.equal(second.publishes.length, 1, 'the check found the same: no second publish');
    assert.equal(second.stats.resultCache.stored, 1, 'the entry is written again');
  } finally {
    done();
  }
});

/** The first session, then `change` (to the workspace), then a second: nothing may be served. */
async function notServed(change: (ws: string) => void, text = SCRIPT): Promise<Session> {
  const { ws, cache, done } = setUp();
  try {
    await first(ws, cache);
    change(ws);
    const second = await session(ws, cache, text);
    assert.equal(second.stats.resultCache.servedOpens, 0);
    assert.equal(second.publishes.length, 1);
    return second;
  } finally {
    done();
  }
}

test('a configuration file changed since: nothing served, the check reports the new one', async () => {
  const second = await notServed((ws) => fs.writeFileSync(path.join(ws, 'cfg.smmu.json'), '{ "base": '));
  assert.ok(
    second.publishes[0]!.diagnostics.some((d) => String(d.code).startsWith('config')),
    JSON.stringify(messages(second.publishes[0]!.diagnostics)),
  );
});

test('an included file changed since: nothing served, the check reports what it holds now', async () => {
  const second = await notServed((ws) => fs.writeFileSync(path.join(ws, 'inc.smmu'), 'write32 CR2 0x2\nbogus\n'));
  assert.ok(
    messages(second.publishes[0]!.diagnostics).some((m) => m.includes('bogus')),
    JSON.stringify(messages(second.publishes[0]!.diagnostics)),
  );
});

test('an included file deleted since: nothing served', async () => {
  await notServed((ws) => fs.rmSync(path.join(ws, 'inc.smmu')));
});

test('the text changed since: nothing served', async () => {
  const second = await notServed(() => undefined, SCRIPT + 'read32 CR0ACK == 1\n');
  assert.ok(second.publishes[0]!.diagnostics.length > 0);
});

test('smmu.languageServer.resultCache off, or an untrusted workspace: nothing served, nothing written', async () => {
  const { ws, cache, done } = setUp();
  try {
    await first(ws, cache);
    const before = fs.readFileSync(path.join(cache, entries(cache)[0]!));
    for (const settings of [{ resultCache: false }, { trusted: false, executeOn: 'save' }]) {
      const s = await session(ws, cache, SCRIPT + '# other\n', settings);
      assert.equal(s.stats.resultCache.servedOpens, 0, JSON.stringify(settings));
      assert.equal(s.stats.resultCache.stored, 0, JSON.stringify(settings));
      const same = await session(ws, cache, SCRIPT, settings);
      assert.equal(same.stats.resultCache.servedOpens, 0, JSON.stringify(settings));
    }
    assert.deepEqual(entries(cache).length, 1);
    assert.ok(fs.readFileSync(path.join(cache, entries(cache)[0]!)).equals(before));
  } finally {
    done();
  }
});

test('a damaged or foreign entry (bytes flipped, truncated, random, empty, made for another key, writable by others) is ignored; the server checks as without one', async () => {
  const { ws, cache, done } = setUp();
  try {
    const { final, entry } = await first(ws, cache);
    const good = fs.readFileSync(entry);
    const spoils: [string, (b: Buffer) => Buffer][] = [
      ['a byte flipped in the body', (b) => Buffer.from(b.map((x, i) => (i === b.length - 20 ? x ^ 0x04 : x)))],
      ['a byte flipped in the checksum', (b) => Buffer.from(b.map((x, i) => (i === 10 ? x ^ 0x80 : x)))],
      ['truncated', (b) => b.subarray(0, b.length - 7)],
      ['random', (b) => Buffer.from(b.map(() => Math.floor(Math.random() * 256)))],
      ['empty', () => Buffer.alloc(0)],
      [
        "another key's entry, whole and sealed",
        (b) => encodeEntry('0'.repeat(64), decodeEntry(b, keyIn(b)) ?? { reads: [], diagnostics: [] }),
      ],
    ];
    for (const [what, spoil] of spoils) {
      fs.writeFileSync(entry, spoil(good));
      const s = await session(ws, cache);
      assert.equal(s.stats.resultCache.servedOpens, 0, what);
      assert.deepEqual(s.publishes.length, 1, what);
      assert.deepEqual(s.publishes[0]!.diagnostics, final, what);
    }
    if (process.getuid) {
      fs.writeFileSync(entry, good);
      fs.chmodSync(entry, 0o666);
      const s = await session(ws, cache);
      assert.equal(s.stats.resultCache.servedOpens, 0, 'an entry others may write is not read');
    }
  } finally {
    done();
  }
});

test('an entry the check disagrees with: served at once, then the real diagnostics are published', async () => {
  const { ws, cache, done } = setUp();
  try {
    const { final, entry } = await first(ws, cache);
    const key = keyIn(fs.readFileSync(entry));
    const stored = decodeEntry(fs.readFileSync(entry), key);
    assert.ok(stored);
    const wrong = [{ ...final[0]!, message: 'a diagnostic no check makes' }];
    fs.writeFileSync(entry, encodeEntry(key, { ...stored, diagnostics: wrong }), { mode: 0o600 });
    const s = await session(ws, cache);
    assert.equal(s.stats.resultCache.servedOpens, 1);
    assert.equal(s.publishes.length, 2);
    assert.deepEqual(s.publishes[0]!.diagnostics, wrong);
    assert.deepEqual(s.publishes[1]!.diagnostics, final);
    assert.equal(s.publishes[1]!.version, s.publishes[0]!.version);
    // The entry holds the real check's diagnostics again.
    assert.deepEqual(decodeEntry(fs.readFileSync(entry), key)?.diagnostics, final);
  } finally {
    done();
  }
});

test('a check stopped by the time limit is not stored (where it stops depends on the machine)', async () => {
  const { ws, cache, done } = setUp();
  try {
    const { server } = await LspServer.start('smmu-lsp-result-', () => ({ rootUri: pathToFileURL(ws).toString() }), {
      SMMU_RESULT_CACHE: cache,
      SMMU_CODE_CACHE: 'off',
      SMMU_WARM_UP: '0',
      SMMU_RUN_TIME_LIMIT_MS: '1',
    });
    try {
      // Slices of 256 statements: the limit is looked at between them, and one takes over 1 ms.
      const text = 'write32 CR0 SMMUEN\n' + 'read32 CR0ACK == 1\n'.repeat(3000);
      const { uri } = server.file('long.smmu', text);
      server.open(uri, text);
      await server.diagnosticsFor(uri, (d) => d.some((x) => x.code === 'run.time-limit'), 0, 30_000);
      const short = server.file('short.smmu', SCRIPT.replace('config "cfg.smmu.json"\n', ''));
      server.open(short.uri, fs.readFileSync(short.path, 'utf8'));
      await server.diagnosticsFor(short.uri, (d) => d.length > 0, 0, 30_000);
      await sleep(300);
      const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
      assert.equal(stats.resultCache.stored, 1, 'the short script only');
      assert.equal(entries(cache).length, 1);
    } finally {
      await server.stop();
    }
  } finally {
    done();
  }
});

test("a document keeps one entry, its latest check's: editing one script does not push the others' out", async () => {
  const { ws, cache, done } = setUp();
  const start = () =>
    LspServer.start('smmu-lsp-result-', () => ({ rootUri: pathToFileURL(ws).toString() }), {
      SMMU_RESULT_CACHE: cache,
      SMMU_CODE_CACHE: 'off',
      SMMU_WARM_UP: '0',
    });
  const stats = (server: LspServer) => server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
  const until = async (server: LspServer, done: (s: ServerStatsResult) => boolean) => {
    for (const t0 = Date.now(); !done(await stats(server)); await sleep(20))
      if (Date.now() - t0 > 30_000) throw new Error(`not reached: ${JSON.stringify(await stats(server))}`);
  };
  try {
    const other = { path: path.join(ws, 'other.smmu'), text: SCRIPT + 'read32 CR0ACK == 1\n' };
    const mine = { path: path.join(ws, 'a.smmu'), text: SCRIPT };
    fs.writeFileSync(other.path, other.text);
    fs.writeFileSync(mine.path, mine.text);
    const uri = (p: string) => pathToFileURL(p).toString();
    const { server } = await start();
    let last = mine.text;
    try {
      server.open(uri(other.path), other.text);
      await until(server, (s) => s.resultCache.stored === 1);
      server.open(uri(mine.path), mine.text);
      await until(server, (s) => s.resultCache.stored === 2);
      // More edits saved, each run by the model and stored, than the folder keeps entries.
      for (let i = 1; i <= KEEP_RESULTS + 2; i++) {
        last = `${mine.text}# edit ${i}\n`;
        await server.conn.sendNotification('textDocument/didChange', {
          textDocument: { uri: uri(mine.path), version: server.nextVersion() },
          contentChanges: [{ text: last }],
        });
        await server.conn.sendNotification('textDocument/didSave', { textDocument: { uri: uri(mine.path) } });
        await until(server, (s) => s.resultCache.stored === 2 + i);
      }
    } finally {
      await server.stop();
    }
    assert.equal(entries(cache).length, 2, 'one entry a document');
    // A new server (the window restarted): both scripts are served, the edited one as it was last.
    const { server: next } = await start();
    try {
      next.open(uri(other.path), other.text);
      next.open(uri(mine.path), last);
      await until(next, (s) => s.resultCache.servedOpens === 2 && s.runsInFlight === 0);
    } finally {
      await next.stop();
    }
  } finally {
    done();
  }
});

test('the folder keeps the most recent KEEP_RESULTS entries, none over MAX_ENTRY_BYTES, each readable by its owner only', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-result-cache-'));
  try {
    const cache = new ResultCache(dir);
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
    const key = (i: number) => i.toString(16).padStart(64, '0');
    for (let i = 0; i < KEEP_RESULTS + 6; i++) {
      cache.store({ slot: key(i), key: key(i) }, { reads: [], diagnostics: [{ range, message: `m${i}` }] });
      // Distinct modification times, oldest first, whatever the file system's resolution.
      fs.utimesSync(path.join(dir, `${key(i)}.smmur`), new Date(), new Date(1_000_000 + i * 1000));
    }
    const kept = entries(dir).sort();
    assert.equal(kept.length, KEEP_RESULTS);
    assert.deepEqual(kept, Array.from({ length: KEEP_RESULTS }, (_, i) => `${key(i + 6)}.smmur`).sort());
    if (process.getuid) assert.equal(fs.statSync(path.join(dir, kept[0]!)).mode & 0o777, 0o600);
    const big = 'x'.repeat(MAX_ENTRY_BYTES);
    const bigKey = { slot: key(1000), key: key(1000) };
    cache.store(bigKey, { reads: [], diagnostics: [{ range, message: big }] });
    assert.ok(!fs.existsSync(path.join(dir, `${key(1000)}.smmur`)), 'an entry over the limit is not written');
    assert.equal(cache.lookup(bigKey, { readFile: () => undefined, resolvePath: (_a, b) => b }), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
