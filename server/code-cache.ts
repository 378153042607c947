/**
 * V8's code cache for the language server's bundle (dist/language-server.js, about 1 MB).
 *
 * A fresh server compiles the bundle's top level before it can answer `initialize`, and compiles
 * each function the first time it runs, so the first check of a script also compiles the parser,
 * the resolver and the model. V8 can serialise the bytecode of every function compiled so far
 * (`vm.Script#createCachedData`) and start from it (`cachedData`): the next start skips both.
 * Node 22 does this for every module (`module.enableCompileCache`); the Node 20 that VS Code and
 * this project use does not, so the server's entry (server/start.ts) loads the bundle through
 * `runWithCodeCache`. Measurements: docs/performance.md ("The first open after the server starts").
 *
 * The cache is bytecode, not results: V8 checks that it was made by the same V8 version with the
 * same flags for a source of the same length, and compiles normally otherwise. The file name is a
 * hash of the bundle's text and of the runtime (Node and V8 versions, architecture, flags), so an
 * edited bundle of the same length, or another runtime (VS Code's Electron beside a system Node),
 * never reads a cache made for something else. V8 does not check the cache's contents (a damaged
 * file crashes the process), so the file carries a SHA-256 of them, checked before V8 sees it.
 *
 * Where: `$SMMU_CODE_CACHE` if set (`off` disables it), else the user's cache folder
 * (`$XDG_CACHE_HOME` or ~/.cache on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on
 * Windows), in `smmu-workbench/code-cache/`, holding the most recent few caches. On POSIX a cache
 * file someone else owns, or that others may write, is not read (see readOwnFile).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import Module, { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';

/**
 * What became of the cache at start: `off` (disabled or no cache folder), `none` (no cache for
 * this bundle and runtime yet), `accepted` (V8 used it), `rejected` (V8 found it unusable and
 * compiled normally; a new one is saved).
 */
export type CodeCacheState = 'off' | 'none' | 'accepted' | 'rejected';

/** Caches kept in the folder: one per bundle and runtime, so a rebuilt bundle leaves the old one. */
export const KEEP_CACHES = 8;

/**
 * After the first check asks for a save, wait this long: the requests that follow an open (inlay
 * hints, semantic tokens) are answered first, and serialising the cache (about 10 ms) waits.
 */
const SAVE_DELAY_MS = 500;

interface CodeCacheControl {
  readonly state: CodeCacheState;
  /** Ask for the cache to be saved soon (once per process, and only when none was accepted). */
  checkpoint(): void;
}

/** The loader (server/start.ts) and the server bundle are separate scripts: they meet here. */
const CONTROL = Symbol.for('smmu-workbench.codeCache');
const slot = globalThis as { [CONTROL]?: CodeCacheControl };

/** The folder of the code cache, or undefined when it is off (`SMMU_CODE_CACHE=off`) or there is no home folder. */
export function codeCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string | undefined {
  const set = env.SMMU_CODE_CACHE;
  if (set === 'off') return undefined;
  if (set) return path.resolve(set);
  if (platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'smmu-workbench', 'code-cache');
  if (!home) return undefined;
  if (platform === 'win32') return path.join(home, 'AppData', 'Local', 'smmu-workbench', 'code-cache');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'smmu-workbench', 'code-cache');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'smmu-workbench', 'code-cache');
}

/** The cache's file name: the bundle's name and a hash of its bytes and of everything V8 checks. */
function cacheFileName(bundle: string, bytes: Buffer): string {
  const h = createHash('sha256');
  h.update(bytes);
  h.update(
    `\0${process.version}\0${process.versions.v8}\0${process.arch}\0${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`,
  );
  return `${path.basename(bundle, '.js')}-${h.digest('hex').slice(0, 24)}.v8cache`;
}

/** What a cache file starts with: this, then the SHA-256 of the rest (V8's cache data). */
const MAGIC = Buffer.from('SMMUV8C1');
const HEADER = MAGIC.length + 32;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();

/** The file's bytes for V8's cache data. */
export function encodeCodeCache(data: Uint8Array): Buffer {
  return Buffer.concat([MAGIC, sha256(data), data]);
}

/** V8's cache data from a file's bytes, or undefined when the file is not one or was damaged. */
export function decodeCodeCache(file: Buffer): Buffer | undefined {
  if (file.length <= HEADER || !file.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const data = file.subarray(HEADER);
  return sha256(data).equals(file.subarray(MAGIC.length, HEADER)) ? data : undefined;
}

/**
 * Delete all but the KEEP_CACHES most recently written caches in `dir`, and temporary files a
 * server left when it stopped while saving.
 */
function prune(dir: string): void {
  const files = fs.readdirSync(dir).map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }));
  const caches = files.filter(({ f }) => f.endsWith('.v8cache')).sort((a, b) => b.t - a.t);
  const stale = files.filter(({ f, t }) => f.endsWith('.tmp') && Date.now() - t > 60_000);
  for (const { f } of [...caches.slice(KEEP_CACHES), ...stale]) fs.rmSync(path.join(dir, f), { force: true });
}

/**
 * The file's bytes, or undefined when there is none, or when (on POSIX) someone else owns it or
 * may write it: V8 runs what a cache holds, so only a cache this user alone could have written is
 * read. The owner and mode are those of the descriptor the bytes are read from.
 */
function readOwnFile(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    if (process.getuid && (st.uid !== process.getuid() || (st.mode & 0o022) !== 0)) return Buffer.alloc(0);
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Run the CommonJS bundle `bundle` as `node bundle` would, compiled with its code cache when one
 * fits; once the server asks (codeCacheCheckpoint, after its first check) a new cache is saved,
 * unless the one read was used.
 */
export function runWithCodeCache(bundle: string): void {
  // Read as bytes: they are hashed as they are, then decoded once for V8.
  const bytes = fs.readFileSync(bundle);
  const source = bytes.toString('utf8');
  const dir = codeCacheDir();
  const file = dir === undefined ? undefined : path.join(dir, cacheFileName(bundle, bytes));
  // An empty buffer: a file that is not this user's alone, refused like a damaged one.
  const found = file === undefined ? undefined : readOwnFile(file);
  const cachedData = found && decodeCodeCache(found);
  // Module.wrap: the same function wrapper, on the same first line, that Node gives a CommonJS
  // file, so stack traces and the source map keep their positions.
  const script = new vm.Script(Module.wrap(source), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const state: CodeCacheState =
    file === undefined ? 'off' : !found ? 'none' : !cachedData || script.cachedDataRejected ? 'rejected' : 'accepted';

  let wanted = false;
  let saved = false;
  const save = () => {
    if (saved || !wanted || dir === undefined || file === undefined) return;
    saved = true;
    try {
      const data = encodeCodeCache(script.createCachedData());
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Written whole under a temporary name, then renamed: a server starting meanwhile (or
      // another one saving) never reads half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, data, { mode: 0o600 });
      fs.renameSync(tmp, file);
      prune(dir);
    } catch {
      // A cache that cannot be written only costs the next start its speed-up.
    }
  };
  slot[CONTROL] = {
    state,
    checkpoint: () => {
      if (wanted || state === 'accepted' || state === 'off') return;
      wanted = true;
      setTimeout(save, SAVE_DELAY_MS).unref();
    },
  };
  // A short session (a check, then `exit`) saves as it ends; `exit` handlers may only do sync work.
  process.on('exit', save);

  const run = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: Module,
    filename: string,
    dirname: string,
  ) => void;
  const mod = new Module(bundle, require.main);
  mod.filename = bundle;
  run.call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, path.dirname(bundle));
}

/** Called when the server has checked a script: the bytecode compiled by then is worth caching. */
export function codeCacheCheckpoint(): void {
  slot[CONTROL]?.checkpoint();
}

/** What became of the code cache at start; undefined when the server was not started through runWithCodeCache. */
export function codeCacheState(): CodeCacheState | undefined {
  return slot[CONTROL]?.state;
}
