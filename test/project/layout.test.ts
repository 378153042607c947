/** House rules that the compiler does not enforce: core/ is editor-free (design card). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { root } from '../harness/root';

const core = path.join(root, 'core');

function tsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
}

test('core/ never imports vscode, the LSP libraries or Node built-ins', () => {
  const offenders = tsFiles(core).filter((f) =>
    /from ['"](vscode|vscode-language\w+[^'"]*|fs|path|child_process|node:[^'"]+)['"]|require\(['"]vscode['"]\)/.test(
      fs.readFileSync(f, 'utf8'),
    ),
  );
  assert.deepEqual(
    offenders.map((f) => path.relative(core, f)),
    [],
  );
});
