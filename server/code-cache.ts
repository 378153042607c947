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
import { pruneOldest, readOwnFile, sha256, userCacheDir, writeAtomically } from './cache-files';

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
  /** SHA-256 of the bundle's bytes (serverIdentity). */
  readonly bundleDigest: Buffer;
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
  return userCacheDir('SMMU_CODE_CACHE', 'code-cache', env, platform, home);
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
      writeAtomically(file, encodeCodeCache(script.createCachedData()));
      pruneOldest(dir, '.v8cache', KEEP_CACHES);
    } catch {
      // A cache that cannot be written only costs the next start its speed-up.
    }
  };
  slot[CONTROL] = {
    state,
    bundleDigest: sha256(bytes),
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

let identity: string | undefined;

/**
 * What identifies the running server's code, for caches of its results (lsp/result-cache.ts): the
 * SHA-256 of its bundle's bytes (the one runWithCodeCache hashed, else the file this module was
 * bundled into, `smmu lsp` for one) and the bundle's path (diagnostics link to docs beside it).
 * Unbundled (tests from out/), it is this module's file: a rebuild of the bundle is what matters.
 */
export function serverIdentity(): string {
  if (identity === undefined) {
    let digest = slot[CONTROL]?.bundleDigest;
    try {
      digest ??= sha256(fs.readFileSync(__filename));
    } catch {
      // No file to hash: the process start identifies this server alone (nothing it caches is reused).
      digest = sha256(`${process.pid}\0${Date.now()}`);
    }
    identity = `${digest.toString('hex')}\0${__filename}`;
  }
  return identity;
}
