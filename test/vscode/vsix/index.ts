/**
 * Entry point of the .vsix suite: the packaged extension (`npm run package`) installed into the
 * offline VS Code with `--install-extension`, as a user installs it (`npm run test:vsix`).
 */
import { runMochaIn } from '../suite/index';

export function run(): Promise<void> {
  return runMochaIn(__dirname);
}
