/**
 * Entry point of the Restricted Mode suite: the extension in a workspace that is not trusted
 * (`scripts/vscode-test/run.mjs --untrusted --workspace test/vscode/restricted-workspace`).
 */
import { runMochaIn } from '../suite/index';

export function run(): Promise<void> {
  return runMochaIn(__dirname);
}
