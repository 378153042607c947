// Writes docs/commands.md, docs/events.md and docs/structures.md from the tables in core/
// (through core/docs/reference.ts). Run it after changing a table:
//   node scripts/gen-docs.mjs          write the files
//   node scripts/gen-docs.mjs --check  exit 1 if a committed file is out of date
// test/unit/docs.test.ts fails while a committed file differs from a fresh build.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = await esbuild.build({
  stdin: { contents: `export { referencePages } from './core/docs/reference';\n`, resolveDir: root, loader: 'ts' },
  bundle: true,
  write: false,
  platform: 'node',
  format: 'cjs',
  logLevel: 'warning',
});
const module = { exports: {} };
new Function('module', 'exports', 'require', result.outputFiles[0].text)(module, module.exports, createRequire(import.meta.url));
let stale = 0;
for (const page of module.exports.referencePages()) {
  const file = join(root, page.path);
  const text = page.text.endsWith('\n') ? page.text : page.text + '\n';
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // missing: out of date
    }
    if (committed !== text) {
      console.error(`${page.path} is out of date: run node scripts/gen-docs.mjs`);
      stale++;
    }
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${page.path}`);
  }
}
process.exit(stale ? 1 : 0);
