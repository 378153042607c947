/** docs/trace-replay.md documents every rule trace replay can report, and nothing it cannot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { TRACE_RULES } from '../../core/trace/rules';
import { root } from '../harness/root';

const doc = fs.readFileSync(path.join(root, 'docs/trace-replay.md'), 'utf8');
const sources = fs
  .readdirSync(path.join(root, 'core/trace'))
  .map((f) => fs.readFileSync(path.join(root, 'core/trace', f), 'utf8'))
  .join('\n');

test('every rule in core/trace/rules.ts has its row in docs/trace-replay.md with its severity', () => {
  for (const r of TRACE_RULES) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${r.code}\` |`));
    assert.ok(row, `${r.code} is not in the rules table`);
    assert.ok(
      row.includes(`| ${r.severity === 'info' ? 'note' : r.severity} |`),
      `${r.code}: severity ${r.severity} not in ${row}`,
    );
  }
});

test('every code the replay emits is a documented rule', () => {
  const emitted = new Set([...sources.matchAll(/'((?:replay|mvcpu|trace)\.[a-z0-9-]+)'/g)].map((m) => m[1] as string));
  const known = new Set(TRACE_RULES.map((r) => r.code));
  for (const c of emitted) assert.ok(known.has(c), `${c} is emitted but not in TRACE_RULES`);
  assert.ok(emitted.size >= 15);
});

test('the smmutrace language: contributed with its grammar, and the grammar scopes what a trace line holds', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    contributes: { languages: { id: string; extensions?: string[] }[]; grammars: { language: string; path: string }[] };
  };
  assert.deepEqual(pkg.contributes.languages.find((l) => l.id === 'smmutrace')?.extensions, ['.smmutrace']);
  const g = pkg.contributes.grammars.find((x) => x.language === 'smmutrace');
  assert.ok(g);
  const grammar = JSON.parse(fs.readFileSync(path.join(root, g.path), 'utf8')) as {
    scopeName: string;
    patterns: { match?: string; name?: string; captures?: Record<string, { name: string }> }[];
  };
  assert.equal(grammar.scopeName, 'source.smmutrace');
  const scopesOf = (line: string) => {
    const found = new Set<string>();
    for (const p of grammar.patterns) {
      if (!p.match) continue;
      const re = new RegExp(p.match.replace(/\(\?i:([^)]*)\)/g, '($1)'), 'gi');
      for (const m of line.matchAll(re)) {
        if (p.name) found.add(p.name);
        for (const [i, c] of Object.entries(p.captures ?? {})) if (m[Number(i)] !== undefined) found.add(c.name);
      }
    }
    return found;
  };
  const s = scopesOf('R 0x100A8 4 abort 1 # page 1');
  for (const want of [
    'keyword.operator.access.smmutrace',
    'constant.numeric.hex.smmutrace',
    'invalid.illegal.abort.smmutrace',
    'comment.line.number-sign.smmutrace',
  ])
    assert.ok(s.has(want), want);
  assert.ok(
    scopesOf('123@1.5:smmuv3_read_mmio addr: 0x0 val:0x1 size: 0x4(0)').has('entity.name.function.event.smmutrace'),
  );
});
