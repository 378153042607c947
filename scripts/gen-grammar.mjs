// Writes syntaxes/smmu.tmLanguage.json from the register table (core/registers/table.ts) and the
// statement registry (core/script/statements/), through core/script/grammar.ts. Run it after
// changing either:
//   node scripts/gen-grammar.mjs          write the file
//   node scripts/gen-grammar.mjs --check  exit 1 if the committed file is out of date
// test/project/script-grammar.test.ts fails while the committed file differs from a fresh build.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore, root } from './load-core.mjs';

const out = join(root, 'syntaxes/smmu.tmLanguage.json');
const { textMateGrammarText, queueGrammarText, REGISTERS } = await loadCore(
  `export { textMateGrammarText, queueGrammarText } from './core/script/grammar';\nexport { REGISTERS } from './core/registers/table';\n`,
);
const text = textMateGrammarText(REGISTERS);
const queueOut = join(root, 'syntaxes/smmuq.tmLanguage.json');
const queueText = queueGrammarText();

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(out, 'utf8');
  } catch {
    // missing file: reported below as out of date
  }
  let committedQueue = '';
  try {
    committedQueue = readFileSync(queueOut, 'utf8');
  } catch {
    // missing file: reported below as out of date
  }
  if (committed !== text || committedQueue !== queueText) {
    console.error('syntaxes/smmu.tmLanguage.json or smmuq.tmLanguage.json is out of date: run node scripts/gen-grammar.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
  writeFileSync(queueOut, queueText);
  console.log(`wrote ${out} (${REGISTERS.length} registers)`);
}
