/**
 * Entry point of the integration suite that runs inside VS Code's extension host
 * (`extensionTestsPath`). Both launchers of scripts/vscode-test/run.mjs load it: code-server +
 * Chromium (offline, default) and @vscode/test-electron (`--launcher=electron`).
 * Runs every compiled `*.test.js` next to this file with mocha (tdd interface).
 */
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  return runMochaIn(__dirname);
}

/** Runs every compiled `*.test.js` in `dir` (the .vsix suite in ../vsix shares this runner). */
export async function runMochaIn(dir: string): Promise<void> {
  // Mocha's reporters call console.log with printf-style arguments; format them here so that every
  // launcher prints finished lines whatever it does with the extension host's console.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));

  const mocha = new Mocha({
    ui: 'tdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.SMMU_TEST_TIMEOUT_MS) || 30_000,
    grep: process.env.SMMU_TEST_GREP || undefined,
  });
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(dir, f));

  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
