// Bundles the extension client, the language server and the command line with esbuild.
// Type-checking is separate (`npm run typecheck`, tsc -b).
//
// npm runs this as the `prepare` script after `npm ci` / `npm install` in a checkout (with
// --on-install), so the `smmu` bin (dist/cli.js) works right after installing: without it `npx smmu`
// fails, and npx caches the checkout without its bin. The development build takes about 2 s.
const production = process.argv.includes('--production');
const onInstall = process.argv.includes('--on-install');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch (e) {
  // `npm ci --omit=dev` installs no esbuild: there is nothing to build with, and failing here would
  // fail the whole install. Say so, and leave dist/ as it is.
  if (!onInstall || e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  console.error('smmu-workbench: esbuild is not installed (devDependencies omitted), so dist/ was not built; `npm ci` with devDependencies, then `npm run build`, makes the smmu command work.');
  process.exit(0);
}

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
  // The language server: its bundle, and the small entry that runs it through V8's code cache
  // (server/code-cache.ts); clients start dist/server.js.
  esbuild.build({ ...common, entryPoints: ['server/main.ts'], outfile: outdir + '/language-server.js' }),
  esbuild.build({ ...common, entryPoints: ['server/start.ts'], outfile: outdir + '/server.js' }),
  // The command line: a small entry (`smmu`, the package's bin), which hands a plain `smmu lsp
  // --stdio` to dist/server.js, and the command line's bundle it loads otherwise.
  esbuild.build({ ...common, entryPoints: ['server/cli/entry.ts'], outfile: outdir + '/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  esbuild.build({ ...common, entryPoints: ['server/cli/main.ts'], outfile: outdir + '/cli-main.js' }),
]);
