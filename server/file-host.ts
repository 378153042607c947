/**
 * File access for everything that runs outside the editor (the command line, the debug adapter,
 * tests and benchmarks): the disk, with relative paths resolved against the including file's
 * folder. The language server has its own host, which prefers the editor's unsaved text.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ScriptHost } from '../core/script/check';

export const fileHost: ScriptHost = {
  readFile: (p) => {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  resolvePath: (from, rel) => path.resolve(path.dirname(from), rel),
};
