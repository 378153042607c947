/**
 * File access for everything that runs outside the editor (the command line, the debug adapter,
 * tests and benchmarks): the disk, read through readTextFile (regular files only, size-limited),
 * with relative paths resolved against the including file's folder. The language server has its
 * own host, which prefers the editor's unsaved text.
 */
import * as path from 'path';
import type { ScriptHost } from '../core/script/check';
import { openRandomAccess, readTextFile } from './read-file';

export const fileHost: ScriptHost = {
  readFile: (p, kind) => readTextFile(p, kind),
  resolvePath: (from, rel) => path.resolve(path.dirname(from), rel),
  openRandomAccess,
};
