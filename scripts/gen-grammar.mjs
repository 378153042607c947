// Writes syntaxes/smmu.tmLanguage.json from the register table (core/registers/table.ts) and the
// parser's keywords, through core/script/grammar.ts. Run it after changing either:
//   node scripts/gen-grammar.mjs          write the file
//   node scripts/gen-grammar.mjs --check  exit 1 if the committed file is out of date
// test/unit/script-grammar.test.ts fails while the committed file differs from a fresh build.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'syntaxes/smmu.tmLanguage.json');

// Bundle a tiny entry that imports the TypeScript sources, then evaluate the bundle in memory.
const result = await esbuild.build({
  stdin: {
    contents: `export { textMateGrammarText, queueGrammarText } from './core/script/grammar';\nexport { REGISTERS } from './core/registers/table';\n`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  write: false,
  platform: 'node',
  format: 'cjs',
  logLevel: 'warning',
});
const module = { exports: {} };
new Function('module', 'exports', 'require', result.outputFiles[0].text)(module, module.exports, createRequire(import.meta.url));
const { textMateGrammarText, queueGrammarText, REGISTERS } = module.exports;
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
