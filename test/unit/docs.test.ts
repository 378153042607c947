/** The reference pages in docs/ are generated from the tables and must be current. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { referencePages } from '../../core/docs/reference';
import { COMMANDS } from '../../core/commands/table';
import { EVENTS } from '../../core/events/table';

const root = path.resolve(__dirname, '../../..');

test('docs/commands.md, docs/events.md and docs/structures.md are the generated ones (run node scripts/gen-docs.mjs after changing a table)', () => {
  for (const page of referencePages()) {
    const text = page.text.endsWith('\n') ? page.text : page.text + '\n';
    assert.equal(fs.readFileSync(path.join(root, page.path), 'utf8'), text, page.path);
  }
});

test('every command and event has its section in the reference', () => {
  const [commands, events] = referencePages();
  for (const c of COMMANDS) assert.match(commands?.text ?? '', new RegExp(`### ${c.name}\\n`));
  for (const e of EVENTS) assert.match(events?.text ?? '', new RegExp(`### ${e.name}\\n`));
});
