/**
 * V8's code cache for the language server's bundle (server/code-cache.ts), through the real
 * protocol: the first server writes a cache after its first check, the next one starts from it,
 * a damaged or foreign cache is refused (never handed to V8 when damaged) and replaced, `SMMU_CODE_CACHE=off` turns it off, and the
 * folder keeps only the most recent caches. The diagnostics are the same either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { LspServer, withLspServer, msg } from '../../harness/lsp-harness';
import { SERVER_STATS_REQUEST, type ServerStatsResult } from '../../../server/lsp/lsp-ext';
import { codeCacheDir, decodeCodeCache, encodeCodeCache, KEEP_CACHES } from '../../../server/code-cache';

/** A script with one warning the model finds (a RES0 bit) and one failed expectation. */
const SCRIPT = 'write32 CR0 SMMUEN\nread32 CR0ACK == 0\nwrite32 CR2 0x80000000\n';

const caches = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.v8cache')) : []);

/**
 * Start a server with its code cache in `cacheDir`, check SCRIPT, and exit as an editor's client
 * ends a session: what became of the cache at start, and the messages of the diagnostics.
 */
async function session(cacheDir: string): Promise<{ state: ServerStatsResult['codeCache']; messages: string[] }> {
  const { server } = await LspServer.start('smmu-lsp-code-cache-', () => ({}), { SMMU_CODE_CACHE: cacheDir });
  let exitedEarly: (why: Error) => void = () => undefined;
  const early = new Promise<never>((_, reject) => (exitedEarly = reject));
  early.catch(() => undefined);
  const exited = new Promise<void>((resolve) =>
    server.proc.once('exit', (code, signal) => {
      exitedEarly(new Error(`the server exited (${signal ?? `code ${code}`}) before publishing diagnostics`));
      resolve();
    }),
  );
  const { uri } = server.file('a.smmu', SCRIPT);
  server.open(uri, SCRIPT);
  const diagnostics = await Promise.race([server.diagnosticsFor(uri, (d) => d.length > 0, 0, 30_000), early]);
  const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
  await server.conn.sendRequest('shutdown');
  await server.conn.sendNotification('exit');
  await exited;
  fs.rmSync(server.dir, { recursive: true, force: true });
  return { state: stats.codeCache, messages: diagnostics.map(msg).sort() };
}

test('the first server writes a code cache after checking a script; the next one starts from it and reports the same diagnostics', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-code-cache-'));
  try {
    const first = await session(dir);
    assert.equal(first.state, 'none');
    assert.ok(
      first.messages.some((m) => m.includes('CR0ACK')),
      `expected the failed expectation, got ${JSON.stringify(first.messages)}`,
    );
    assert.equal(caches(dir).length, 1, 'one cache, for this bundle and runtime');
    const second = await session(dir);
    assert.equal(second.state, 'accepted');
    assert.deepEqual(second.messages, first.messages);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Replace the one cache in `dir` by `spoil(bytes)` (then `then(file)`), start a server on it: it
 * must refuse the cache, report what a server without one reports, and leave a good cache for the
 * next start.
 */
async function refused(
  spoil: (bytes: Buffer) => Buffer,
  then: (file: string) => void = () => undefined,
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-code-cache-'));
  try {
    const clean = await session(dir);
    const [file] = caches(dir);
    assert.ok(file);
    fs.writeFileSync(path.join(dir, file), spoil(fs.readFileSync(path.join(dir, file))));
    then(path.join(dir, file));
    const damaged = await session(dir);
    assert.equal(damaged.state, 'rejected');
    assert.deepEqual(damaged.messages, clean.messages);
    assert.equal((await session(dir)).state, 'accepted', 'the refused cache was replaced by a good one');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a damaged code cache is refused before V8 reads it (V8 would crash on it), and replaced', async () => {
  // V8's own header kept, the data after it spoilt: V8 checks only the header, and would crash.
  await refused((bytes) => Buffer.concat([bytes.subarray(0, 128), Buffer.alloc(bytes.length - 128, 0x5a)]));
  // Cut short, as a full disk could leave it.
  await refused((bytes) => bytes.subarray(0, bytes.length >> 1));
});

test('a code cache V8 refuses (made for other code) is replaced', async () => {
  // Intact, with a valid checksum, but V8's data of another script: V8's source check fails.
  const other = new vm.Script('(function () { return 42; })()').createCachedData();
  await refused(() => encodeCodeCache(other));
});

test('a code cache file others may write is not read (V8 would run what it holds), and is replaced', async () => {
  await refused(
    (bytes) => bytes,
    (file) => fs.chmodSync(file, 0o666),
  );
});

test('the code cache file: a checksum over V8 data, checked when read', () => {
  const data = Buffer.from('V8 code cache bytes');
  const file = encodeCodeCache(data);
  assert.deepEqual(decodeCodeCache(file), data);
  const flipped = Buffer.from(file);
  flipped[flipped.length - 1] ^= 1;
  assert.equal(decodeCodeCache(flipped), undefined);
  assert.equal(decodeCodeCache(data), undefined, 'no header');
  assert.equal(decodeCodeCache(file.subarray(0, 40)), undefined, 'no data');
});

test('SMMU_CODE_CACHE=off: no cache is read or written', async () => {
  await withLspServer(
    'smmu-lsp-code-cache-',
    async (server) => {
      const { uri } = server.file('a.smmu', SCRIPT);
      server.open(uri, SCRIPT);
      await server.diagnosticsFor(uri, (d) => d.length > 0, 0, 30_000);
      assert.equal((await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {})).codeCache, 'off');
    },
    { env: { SMMU_CODE_CACHE: 'off' } },
  );
});

test(`the cache folder keeps the ${KEEP_CACHES} most recent caches`, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-code-cache-'));
  try {
    // Caches of earlier builds, the oldest first.
    for (let i = 0; i < KEEP_CACHES + 3; i++) {
      const f = path.join(dir, `language-server-old${i}.v8cache`);
      fs.writeFileSync(f, 'old');
      const t = new Date(Date.now() - (100 - i) * 60_000);
      fs.utimesSync(f, t, t);
    }
    await session(dir);
    const left = caches(dir);
    assert.equal(left.length, KEEP_CACHES);
    assert.ok(
      left.some((f) => !f.includes('-old')),
      'the new cache is kept',
    );
    assert.ok(
      !left.includes('language-server-old0.v8cache') && left.includes(`language-server-old${KEEP_CACHES + 2}.v8cache`),
      `the oldest went: ${left.join(', ')}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the code cache's folder: SMMU_CODE_CACHE, else the platform's cache folder", () => {
  assert.equal(codeCacheDir({ SMMU_CODE_CACHE: 'off' }, 'linux', '/home/u'), undefined);
  assert.equal(codeCacheDir({ SMMU_CODE_CACHE: '/tmp/c' }, 'linux', '/home/u'), path.resolve('/tmp/c'));
  assert.equal(codeCacheDir({}, 'linux', '/home/u'), path.join('/home/u', '.cache', 'smmu-workbench', 'code-cache'));
  assert.equal(
    codeCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u'),
    path.join('/xdg', 'smmu-workbench', 'code-cache'),
  );
  assert.equal(
    codeCacheDir({}, 'darwin', '/Users/u'),
    path.join('/Users/u', 'Library', 'Caches', 'smmu-workbench', 'code-cache'),
  );
  assert.equal(
    codeCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'),
    path.join('C:\\Users\\u\\AppData\\Local', 'smmu-workbench', 'code-cache'),
  );
  assert.equal(codeCacheDir({}, 'linux', ''), undefined, 'no home folder: no cache');
});
