/**
 * The TextMate grammar is generated from the register table (scripts/gen-grammar.mjs): the
 * committed file must equal a fresh build, so names in the editor cannot drift from the table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTERS } from '../../core/registers/table';
import { queueGrammarText, textMateGrammar, textMateGrammarText } from '../../core/script/grammar';
import { STATEMENTS } from '../../core/script/statements';
import { root } from '../harness/root';

test('syntaxes/smmu.tmLanguage.json is the generated grammar (run node scripts/gen-grammar.mjs after changing the table)', () => {
  const committed = readFileSync(join(root, 'syntaxes/smmu.tmLanguage.json'), 'utf8');
  assert.equal(committed, textMateGrammarText(REGISTERS), 'out of date: run node scripts/gen-grammar.mjs');
});

/** Every `match`/`begin`/`end` regex of the grammar, with the path to it. */
function regexes(node: unknown, path: string, out: [string, string][]): [string, string][] {
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') out.push([`${path}.${k}`, v]);
      else regexes(v, `${path}.${k}`, out);
    }
  }
  return out;
}

/**
 * Oniguruma (what VS Code runs) accepts `(?i:…)`; Node 20's RegExp does not, so compile a
 * case-insensitive approximation: good enough to catch a malformed pattern and to try names.
 */
function js(re: string): RegExp {
  return new RegExp(re.replace(/\(\?i:/g, '(?:'), re.includes('(?i:') ? 'i' : '');
}

test('every grammar pattern compiles, and names from the table match their scopes', () => {
  const g = textMateGrammar(REGISTERS);
  const all = regexes(g, 'grammar', []);
  assert.ok(all.length > 10);
  for (const [where, re] of all) assert.doesNotThrow(() => js(re), where);
  const repo = g.repository as Record<string, { patterns?: { match: string }[]; match?: string }>;
  const register = js(`^${(repo.register.patterns ?? [])[1].match}$`);
  for (const reg of REGISTERS) {
    for (const n of [reg.name, `SMMU_${reg.name}`, reg.name.toLowerCase(), ...(reg.aliases ?? [])])
      assert.match(n, register);
  }
  assert.doesNotMatch('CR0X', register);
  const field = js(`^${(repo.field.patterns ?? [])[1].match}$`);
  for (const reg of REGISTERS) for (const f of reg.fields) assert.match(f.name, field);
  const keyword = js((repo.keyword.patterns ?? [])[0].match);
  for (const k of ['config', 'const', 'mem', 'read32', 'write64', 'write8']) assert.match(k, keyword);
});

test('syntaxes/smmuq.tmLanguage.json is the generated queue descriptor grammar', () => {
  const committed = readFileSync(join(root, 'syntaxes/smmuq.tmLanguage.json'), 'utf8');
  assert.equal(committed, queueGrammarText(), 'out of date: run node scripts/gen-grammar.mjs');
});

test('the grammar colours every keyword of the statement registry as a statement keyword, two-word ones whole', () => {
  const repo = textMateGrammar(REGISTERS).repository as Record<
    string,
    { patterns: { match: string; name?: string; captures?: Record<string, { name: string }> }[] }
  >;
  const keywordPatterns = repo.keyword.patterns;
  const keywords = STATEMENTS.flatMap((d) => d.keywords);
  assert.ok(keywords.includes('include') && keywords.includes('mem abort') && keywords.includes('pri'));
  for (const k of keywords) {
    const line = `${k} 0x1000`;
    // TextMate takes the first pattern (in order) that matches earliest: here, at the line's start.
    const hit = keywordPatterns.map((p) => ({ p, m: js(p.match).exec(line) })).find((x) => x.m?.index === 0);
    assert.ok(hit?.m, `no keyword pattern matches '${line}'`);
    const { p, m } = hit;
    const scoped = p.name?.startsWith('keyword.control.statement')
      ? m[0]
      : p.captures?.['1']?.name.startsWith('keyword.control.statement')
        ? [m[1], m[2]].filter(Boolean).join(' ')
        : '';
    assert.equal(scoped.replace(/\s+/g, ' '), k, `'${k}' coloured whole as a statement keyword`);
  }
});

test('the operators of values are coloured: * / % as arithmetic, as + and -', () => {
  const repo = textMateGrammar(REGISTERS).repository as Record<
    string,
    { patterns: { match: string; name?: string }[] }
  >;
  const arithmetic = repo.operator.patterns.find((p) => p.name === 'keyword.operator.arithmetic.smmu');
  assert.ok(arithmetic);
  for (const op of ['+', '-', '*', '/', '%']) assert.match(op, js(`^(?:${arithmetic.match})$`), op);
});
