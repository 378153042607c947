/** The reference pages in docs/ are generated from the tables and must be current. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { referencePages } from '../../core/docs/reference';
import { COMMANDS } from '../../core/commands/table';
import { EVENTS } from '../../core/events/table';
import { smmu } from './cli-harness';

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

test('docs/cli.md shows what the command line prints for the bundled examples', () => {
  const doc = fs.readFileSync(path.join(root, 'docs', 'cli.md'), 'utf8');
  const run = smmu('run', 'examples/linux-bringup.smmu').out.split('\n');
  assert.ok(doc.includes(`\n${run[0]}\n`), run[0]);
  assert.ok(doc.includes(`\n${run.filter(Boolean).pop()}\n`), run.filter(Boolean).pop());
  const trace = smmu('run', 'examples/linux-bringup.smmu', '--trace').out.split('\n');
  const bell = trace.findIndex((l) => l.startsWith('examples/linux-bringup.smmu:34: '));
  assert.ok(doc.includes(`\n${trace[bell]}\n${trace[bell + 1]}\n`), trace.slice(bell, bell + 2).join('\n'));
  const replay = smmu('replay', 'examples/vsmmu-locking.smmutrace').out.split('\n').find((l) => / records \(/.test(l)) ?? '';
  assert.ok(doc.includes(`\`${replay}\``), replay);
});
