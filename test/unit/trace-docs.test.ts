/** docs/trace-replay.md documents every rule trace replay can report, and nothing it cannot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { TRACE_RULES } from '../../core/trace/rules';

const root = path.resolve(__dirname, '../../..');
const doc = fs.readFileSync(path.join(root, 'docs/trace-replay.md'), 'utf8');
const sources = fs.readdirSync(path.join(root, 'core/trace')).map((f) => fs.readFileSync(path.join(root, 'core/trace', f), 'utf8')).join('\n');

test('every rule in core/trace/rules.ts has its row in docs/trace-replay.md with its severity', () => {
  for (const r of TRACE_RULES) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${r.code}\` |`));
    assert.ok(row, `${r.code} is not in the rules table`);
    assert.ok(row.includes(`| ${r.severity === 'info' ? 'note' : r.severity} |`), `${r.code}: severity ${r.severity} not in ${row}`);
  }
});

test('every code the replay emits is a documented rule', () => {
  const emitted = new Set([...sources.matchAll(/'((?:replay|mvcpu|trace)\.[a-z0-9-]+)'/g)].map((m) => m[1] as string));
  const known = new Set(TRACE_RULES.map((r) => r.code));
  for (const c of emitted) assert.ok(known.has(c), `${c} is emitted but not in TRACE_RULES`);
  assert.ok(emitted.size >= 15);
});
