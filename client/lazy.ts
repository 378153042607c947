/** Loads dist/tables.js (tables.ts) on first use; see scripts/build.mjs. */
import * as path from 'path';

type Tables = typeof import('./tables');
let tables: Tables | undefined;

export function coreTables(): Tables {
  tables ??= require(path.join(__dirname, 'tables.js')) as Tables;
  return tables;
}
