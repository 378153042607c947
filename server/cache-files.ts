/**
 * Files in the user's cache folder, shared by V8's code cache (code-cache.ts) and the cache of
 * check results (lsp/result-cache.ts): where the folder is, reading only files this user alone
 * could have written, writing whole files atomically, and keeping the most recent few.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

/**
 * The folder `sub` of the user's cache folder for this project, or `env[variable]` when set
 * (`off`: undefined, the cache is off); undefined when there is no home folder. The cache folder:
 * `$XDG_CACHE_HOME` or ~/.cache on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows.
 */
export function userCacheDir(
  variable: string,
  sub: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string | undefined {
  const set = env[variable];
  if (set === 'off') return undefined;
  if (set) return path.resolve(set);
  if (platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'smmu-workbench', sub);
  if (!home) return undefined;
  if (platform === 'win32') return path.join(home, 'AppData', 'Local', 'smmu-workbench', sub);
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'smmu-workbench', sub);
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'smmu-workbench', sub);
}

/**
 * The file's bytes, or undefined when there is none; an empty buffer when (on POSIX) someone else
 * owns it or may write it: what a cache holds is acted on, so only a file this user alone could
 * have written is read. The owner and mode are those of the descriptor the bytes are read from.
 */
export function readOwnFile(file: string): Buffer | undefined {
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
 * Write `data` to `file` (mode 0600, its folder 0700) whole under a temporary name, then rename
 * it: a server starting meanwhile (or another one saving) never reads half a file. Throws.
 */
export function writeAtomically(file: string, data: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Delete all but the `keep` most recently written files ending in `suffix` in `dir`, and
 * temporary files a process left when it stopped while saving.
 */
export function pruneOldest(dir: string, suffix: string, keep: number): void {
  const files = fs.readdirSync(dir).map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }));
  const kept = files.filter(({ f }) => f.endsWith(suffix)).sort((a, b) => b.t - a.t);
  const stale = files.filter(({ f, t }) => f.endsWith('.tmp') && Date.now() - t > 60_000);
  for (const { f } of [...kept.slice(keep), ...stale]) fs.rmSync(path.join(dir, f), { force: true });
}
