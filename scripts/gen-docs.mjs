// Writes docs/commands.md, docs/events.md and docs/structures.md from the tables in core/
// (through core/docs/reference.ts). Run it after changing a table:
//   node scripts/gen-docs.mjs          write the files
//   node scripts/gen-docs.mjs --check  exit 1 if a committed file is out of date
// test/project/docs.test.ts fails while a committed file differs from a fresh build.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore, root } from './load-core.mjs';

const { referencePages } = await loadCore(`export { referencePages } from './core/docs/reference';\n`);
let stale = 0;
for (const page of referencePages()) {
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
