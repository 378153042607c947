/**
 * No regular expression of the tool takes more than linear time on text a user or an emulation
 * writes (issue 14: never a hang, whatever the input). Every regular expression literal in core/,
 * server/ and client/, and the patterns compiled from QEMU's trace-events table, is checked with
 * `recheck` (a ReDoS checker: static analysis, then fuzzing for an attack string). A section
 * comment with 20,000 form feeds once kept the language server's outline request spinning for
 * ever, and a QEMU log line of 200,000 `(` took 82 s to read; both were such expressions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { checkSync } from 'recheck';
import { COMPILED } from '../../core/trace/qemu-events';
import { root } from '../harness/root';

/**
 * Expressions that are not linear but only ever read text the tool makes itself, each with why.
 * Keyed by the expression's source and flags, so a changed expression is checked again.
 */
const ONLY_THE_TOOLS_TEXT: ReadonlyMap<string, string> = new Map([
  ['/^(.+?) fetch from .* external abort/', "the model's own activity messages (core/debug/machine.ts)"],
  [
    '/^transaction \\d+ of \\d+, IOVA 0x0*([0-9A-F]+?) \\(\\d+ bytes?\\): ([\\w-]+)(?: → 0x0*([0-9A-F]+))?(?:: ([A-Z]_\\w+))?/',
    "the model's own activity messages (core/debug/machine.ts)",
  ],
  ['/^(\\w+)\\(([^)]*)\\)\\s*(.*)$/', "QEMU's trace-events declarations, a table in core/trace/qemu-events.ts"],
  ['/(\\w+)\\s*$/', "parameters of QEMU's trace-events declarations (core/trace/qemu-events.ts)"],
  ['/(?:\\\\s\\+)+$/', "the patterns compiled from QEMU's trace-events declarations (core/trace/qemu-events.ts)"],
  ['/^(\\s*config\\s+)"\\.\\.\\/presets\\/([^"\\\\/]+)"/m', 'the bundled examples (client/commands/open-example.ts)'],
]);

/** Every regular expression literal of the .ts files below `dir`, with where it is. */
function literals(dir: string, out: Map<string, string[]>): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) literals(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) {
      const source = ts.createSourceFile(p, fs.readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node): void => {
        if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
          const where = `${path.relative(root, p)}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
          out.set(n.getText(), [...(out.get(n.getText()) ?? []), where]);
        }
        ts.forEachChild(n, visit);
      };
      visit(source);
    }
  }
}

test('no regular expression is worse than linear, but those that read only the tool’s own text', () => {
  const found = new Map<string, string[]>();
  for (const dir of ['core', 'server', 'client']) literals(path.join(root, dir), found);
  for (const e of COMPILED) found.set(String(e.re), [`core/trace/qemu-events.ts: ${e.event}`]);
  assert.ok(found.size > 150, `${found.size} expressions`);
  const slow: string[] = [];
  const allowed = new Set<string>();
  for (const [literal, where] of found) {
    const end = literal.lastIndexOf('/');
    const r = checkSync(literal.slice(1, end), literal.slice(end + 1), { timeout: 20_000 });
    if (r.status === 'safe') continue;
    if (r.status === 'vulnerable' && ONLY_THE_TOOLS_TEXT.has(literal)) {
      allowed.add(literal);
      continue;
    }
    const attack = r.status === 'vulnerable' ? ` (attack: ${r.attack.pattern.slice(0, 80)})` : '';
    const why = r.status === 'unknown' ? ` (${r.error.kind})` : '';
    slow.push(
      `${literal} at ${where.join(', ')}: ${r.status}${r.status === 'vulnerable' ? ` ${r.complexity.type}` : ''}${attack}${why}`,
    );
  }
  assert.deepEqual(slow, []);
  // An entry of the list that no longer matches an expression is stale: say so.
  assert.deepEqual(
    [...ONLY_THE_TOOLS_TEXT.keys()].filter((k) => !allowed.has(k)),
    [],
    'entries of ONLY_THE_TOOLS_TEXT that are no longer slow or no longer exist',
  );
});
