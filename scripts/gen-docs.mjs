// Writes docs/commands.md, docs/events.md, docs/structures.md and docs/registers.md from the tables
// in core/ (through core/docs/reference.ts), and the generated parts of hand-written pages
// (docs/script-language.md's statement tables and grammar, from the statement registry, through
// core/docs/script-page.ts). Run it after changing a table or a statement:
//   node scripts/gen-docs.mjs          write the files
//   node scripts/gen-docs.mjs --check  exit 1 if a committed file is out of date
// test/project/docs.test.ts fails while a committed file differs from a fresh build.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore, root } from './load-core.mjs';

const { referencePages, generatedRegions, fillRegions } = await loadCore(
  `export { referencePages } from './core/docs/reference';\nexport { generatedRegions, fillRegions } from './core/docs/script-page';\n`,
);
const check = process.argv.includes('--check');
let stale = 0;

const read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // missing: out of date
  }
};

function update(path, text) {
  const file = join(root, path);
  if (check) {
    if (read(file) !== text) {
      console.error(`${path} is out of date: run node scripts/gen-docs.mjs`);
      stale++;
    }
  } else if (read(file) !== text) {
    writeFileSync(file, text);
    console.log(`wrote ${path}`);
  }
}

for (const page of referencePages()) update(page.path, page.text.endsWith('\n') ? page.text : page.text + '\n');
for (const page of generatedRegions()) {
  const filled = fillRegions(read(join(root, page.path)), page.regions);
  if (typeof filled !== 'string') {
    console.error(`${page.path}: ${filled.error}`);
    stale++;
  } else update(page.path, filled);
}
process.exit(stale ? 1 : 0);
