// Loads TypeScript modules of core/ into a generator script: bundles an entry with esbuild in
// memory and evaluates it (no build step needed). Used by gen-grammar.mjs, gen-docs.mjs and gen-config-schema.mjs.
import * as esbuild from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `entry` is TypeScript source, e.g. `export { REGISTERS } from './core/registers/table';`. */
export async function loadCore(entry) {
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts' },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    // jsonc-parser's UMD build (its "main") loads its parts with a dynamic require that a bundle
    // cannot follow; its ESM build ("module") bundles cleanly.
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', result.outputFiles[0].text)(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}
