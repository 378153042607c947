// Writes schemas/smmu-config.schema.json, its editor variant (completion and hover only) and presets/*.smmu.json from the configuration feature
// table and the built-in presets (core/config/schema.ts, core/config/preset-data.ts). Run it after
// changing either:
//   node scripts/gen-config-schema.mjs          write the files
//   node scripts/gen-config-schema.mjs --check  exit 1 if a committed file is out of date
// test/core/config/config.test.ts fails while a committed file differs from a fresh build.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadCore, root } from './load-core.mjs';

const { configSchemaText, editorSchemaText, presetFileText, PRESET_NAMES } = await loadCore(
  `export { configSchemaText, editorSchemaText, presetFileText } from './core/config/schema';\nexport { PRESET_NAMES } from './core/config/preset-data';\n`,
);

const files = [
  ['schemas/smmu-config.schema.json', configSchemaText()],
  ['schemas/smmu-config.editor.schema.json', editorSchemaText()],
];
for (const name of PRESET_NAMES) files.push([`presets/${name}.smmu.json`, presetFileText(name)]);

if (process.argv.includes('--check')) {
  const stale = files.filter(([rel, text]) => {
    try {
      return readFileSync(join(root, rel), 'utf8') !== text;
    } catch {
      return true;
    }
  });
  for (const [rel] of stale) console.error(`${rel} is out of date: run node scripts/gen-config-schema.mjs`);
  process.exit(stale.length ? 1 : 0);
}
for (const [rel, text] of files) {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
  console.log(`wrote ${rel}`);
}
