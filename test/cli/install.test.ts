/**
 * What `npm ci` leaves in a fresh checkout: npm runs package.json's `prepare` script after
 * installing, and that script must produce the `smmu` bin, so `npx smmu …` works at once (issue #14:
 * before, nothing was built, `npx smmu` failed with "smmu: not found" and npx cached the checkout
 * without its bin). A whole fresh clone + `npm ci` is too slow for a unit test; this runs the very
 * command npm runs, into a temporary folder, and then the bin it produced.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { root } from '../harness/root';

interface Manifest {
  readonly version: string;
  readonly bin: Readonly<Record<string, string>>;
  readonly scripts: Readonly<Record<string, string>>;
}
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;

/** Run a package.json script line as npm does: through the shell, with node_modules/.bin on PATH. */
function runScript(line: string, cwd: string) {
  const env = {
    ...process.env,
    PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  return spawnSync(line, { cwd, env, shell: true, encoding: 'utf8', timeout: 120_000 });
}

test("npm's install-time script (prepare) builds every bin package.json declares, and the smmu bin runs", () => {
  const prepare = manifest.scripts.prepare;
  assert.ok(prepare, 'package.json has a prepare script (npm runs it after npm ci / npm install)');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-prepare-'));
  // The build writes dist/; --outdir sends the same bundles elsewhere so the checkout's dist/ is left alone.
  const r = runScript(`${prepare} --outdir=${JSON.stringify(out)}`, root);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Object.keys(manifest.bin).length > 0, 'package.json declares a bin');
  for (const [name, target] of Object.entries(manifest.bin)) {
    assert.equal(path.posix.dirname(path.posix.normalize(target)), 'dist', `the ${name} bin is a bundle in dist/`);
    const built = path.join(out, path.posix.basename(target));
    assert.ok(fs.existsSync(built), `${target} (the ${name} bin) is produced by the prepare script`);
    assert.match(
      fs.readFileSync(built, 'utf8').split('\n', 1)[0]!,
      /^#!\/usr\/bin\/env node$/,
      `${target} starts with a node shebang, so npx can run it`,
    );
  }
  const version = spawnSync(process.execPath, [path.join(out, 'cli.js'), '--version'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), manifest.version);
});

test('without devDependencies (npm ci --omit=dev) the install-time build is skipped with a note instead of failing the install', () => {
  // A copy of the build script where no esbuild can be found, as after `npm ci --omit=dev`.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-omit-dev-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(root, 'scripts', 'build.mjs'), path.join(dir, 'scripts', 'build.mjs'));
  const onInstall = runScript(manifest.scripts.prepare!, dir);
  assert.equal(onInstall.status, 0, onInstall.stderr);
  assert.match(onInstall.stderr, /esbuild is not installed.*dist\/ was not built.*npm run build/);
  assert.ok(!fs.existsSync(path.join(dir, 'dist')), 'nothing was built');
  // `npm run build` itself still fails loudly when esbuild is missing.
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  assert.notEqual(build.status, 0);
});
