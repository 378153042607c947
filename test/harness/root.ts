/**
 * The repository's root, for tests that read its files (examples, presets, docs, the manifest) or
 * run its build (dist/cli.js). Compiled to out/test/harness/, three levels below the root; every
 * test takes the root from here so moving a test between folders changes no path arithmetic.
 */
import * as path from 'path';

export const root = path.resolve(__dirname, '../../..');
