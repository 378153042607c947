/**
 * `npm run bench` (third part): the VS Code client. Sizes of the production bundles (built here
 * into a temporary folder, minified, as `npm run package` builds them) and the activation time
 * the .vsix suite measured inside the real VS Code (`npm run test:vsix` writes it to
 * test-results/vscode-activation.json; this reads the last one). Nothing asserts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { root } from '../harness/root';

const json = process.argv.includes('--json');

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-bundles-'));
const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production', `--outdir=${out}`], {
  cwd: root,
  encoding: 'utf8',
});
if (r.status !== 0) {
  process.stderr.write(`production build failed:\n${r.stderr}`);
  process.exit(1);
}
const bundles: Record<string, number> = {};
for (const f of [
  'extension.js',
  'lsp-client.js',
  'tables.js',
  'debug-adapter.js',
  'server.js',
  'language-server.js',
  'cli.js',
])
  bundles[f] = fs.statSync(path.join(out, f)).size;
fs.rmSync(out, { recursive: true, force: true });

const vsix = path.join(root, 'smmu-workbench.vsix');
const vsixBytes = fs.existsSync(vsix) ? fs.statSync(vsix).size : undefined;

let activation: Record<string, unknown> | undefined;
try {
  activation = JSON.parse(fs.readFileSync(path.join(root, 'test-results', 'vscode-activation.json'), 'utf8')) as Record<
    string,
    unknown
  >;
} catch {
  activation = undefined;
}

if (json) {
  process.stdout.write(JSON.stringify({ bundles, vsixBytes, activation: activation ?? null }) + '\n');
} else {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const lines = [
    `  dist/extension.js (activation)        ${kb(bundles['extension.js']!)}`,
    `  dist/lsp-client.js (after activation) ${kb(bundles['lsp-client.js']!)}`,
    `  dist/tables.js (on first use)         ${kb(bundles['tables.js']!)}`,
    `  dist/debug-adapter.js (first session) ${kb(bundles['debug-adapter.js']!)}`,
    `  dist/server.js (the server's entry)   ${kb(bundles['server.js']!)}`,
    `  dist/language-server.js (the server)  ${kb(bundles['language-server.js']!)}`,
    `  dist/cli.js (not in the .vsix)        ${kb(bundles['cli.js']!)}`,
    `  .vsix                                 ${vsixBytes === undefined ? 'not built (npm run package)' : kb(vsixBytes)}`,
  ];
  const ms = (k: string) => (typeof activation?.[k] === 'number' ? `${(activation[k] as number).toFixed(1)} ms` : '?');
  if (activation)
    lines.push(
      `  activation in VS Code ${String(activation.vscode)} (${String(activation.date)}): bundle evaluated ${ms('moduleMs')} (plus VS Code's API object ${ms('vscodeApiMs')}), activate() ${ms('activateMs')}`,
      `  after activation: language client loaded ${ms('clientLoadMs')}, server ready ${ms('serverReadyAfterActivationMs')}`,
    );
  else lines.push('  activation: not measured yet (npm run test:vsix writes test-results/vscode-activation.json)');
  process.stdout.write(lines.join('\n') + '\n');
}
