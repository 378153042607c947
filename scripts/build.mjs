// Bundles the extension client, the language server and the command line with esbuild.
// Type-checking is separate (`npm run typecheck`, tsc -b).
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
// --outdir=DIR: write the bundles there instead of dist/ (the client benchmark measures sizes).
const outdir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist';
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // jsonc-parser's UMD build uses require paths esbuild cannot follow; its ESM build bundles.
  mainFields: ['module', 'main'],
};

await Promise.all([
  // The client in two bundles: what activation runs, and the language client it loads afterwards.
  esbuild.build({ ...common, entryPoints: ['client/extension.ts'], outfile: outdir + '/extension.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['client/lsp-client.ts'], outfile: outdir + '/lsp-client.js', external: ['vscode'] }),
  // The inline debug adapter (the whole model), loaded when a debug session starts (client/debug.ts).
  esbuild.build({ ...common, entryPoints: ['client/debug-adapter.ts'], outfile: outdir + '/debug-adapter.js', external: ['vscode'] }),
  // core's tables as the client uses them, loaded on first use (client/lazy.ts).
  esbuild.build({ ...common, entryPoints: ['client/tables.ts'], outfile: outdir + '/tables.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/main.ts'], outfile: outdir + '/server.js' }),
  esbuild.build({ ...common, entryPoints: ['server/cli/main.ts'], outfile: outdir + '/cli.js', banner: { js: '#!/usr/bin/env node' } }),
]);
