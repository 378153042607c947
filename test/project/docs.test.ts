/** The reference pages in docs/ are generated from the tables and must be current. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { referencePages } from '../../core/docs/reference';
import { fillRegions, generatedRegions, grammarText } from '../../core/docs/script-page';
import { STATEMENTS } from '../../core/script/statements';
import { COMMANDS } from '../../core/commands/table';
import { EVENTS } from '../../core/events/table';
import { smmu } from '../harness/cli-harness';
import { root } from '../harness/root';

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

test("docs/script-language.md's statement tables and grammar are the generated ones (run node scripts/gen-docs.mjs after changing a statement)", () => {
  for (const page of generatedRegions()) {
    const committed = fs.readFileSync(path.join(root, page.path), 'utf8');
    assert.equal(fillRegions(committed, page.regions), committed, page.path);
  }
});

test('the script reference documents every statement of the registry, and its grammar names every keyword', () => {
  const page = fs.readFileSync(path.join(root, 'docs/script-language.md'), 'utf8');
  const rows = [...page.matchAll(/^\| `([^`]+)`/gm)].map((m) => (m[1] as string).replace(/\\\|/g, '|'));
  const grammar = grammarText();
  assert.ok(page.includes(grammar));
  for (const d of STATEMENTS) {
    for (const k of d.keywords) {
      // readN/writeN are documented as such; every other keyword starts a row of its own.
      const documented =
        d.syntax === 'register'
          ? rows.some((r) => r.startsWith(k.replace(/\d+$/, 'N')))
          : rows.some((r) => r === k || r.startsWith(`${k} `));
      assert.ok(documented, `a row of the statement tables documents '${k}'`);
      assert.ok(
        grammar.includes(
          k
            .split(' ')
            .map((w) => `"${w}"`)
            .join(' '),
        ),
        `the grammar names '${k}'`,
      );
    }
  }
});

test('docs/cli.md shows what the command line prints for the bundled examples', () => {
  const doc = fs.readFileSync(path.join(root, 'docs', 'cli.md'), 'utf8');
  const run = smmu('run', 'examples/linux-bringup.smmu').out.split('\n');
  assert.ok(doc.includes(`\n${run[0]}\n`), run[0]);
  assert.ok(doc.includes(`\n${run.filter(Boolean).pop()}\n`), run.filter(Boolean).pop());
  const trace = smmu('run', 'examples/linux-bringup.smmu', '--trace').out.split('\n');
  const bell = trace.findIndex((l) => l.startsWith('examples/linux-bringup.smmu:34: '));
  assert.ok(doc.includes(`\n${trace[bell]}\n${trace[bell + 1]}\n`), trace.slice(bell, bell + 2).join('\n'));
  const replay =
    smmu('replay', 'examples/vsmmu-locking.smmutrace')
      .out.split('\n')
      .find((l) => / records \(/.test(l)) ?? '';
  assert.ok(doc.includes(`\`${replay}\``), replay);
});

// ---------------------------------------------------------------------------------------------
// The hand-written pages: README.md, CHANGELOG.md, docs/*.md

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const slug = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

const pages = [
  'README.md',
  'CHANGELOG.md',
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('every relative link in README.md, CHANGELOG.md and docs/ leads to a file, and its #anchor to a heading there', () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = fs.readFileSync(path.join(root, page), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue; // http:, https:, command:
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const resolved = file ? path.join(path.dirname(path.join(root, page)), file) : path.join(root, page);
      if (!fs.existsSync(resolved)) broken.push(`${page}: ${target} (no such file)`);
      else if (anchor && resolved.endsWith('.md') && !anchors(fs.readFileSync(resolved, 'utf8')).has(anchor))
        broken.push(`${page}: ${target} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

test("the README states package.json's engines.node, and docs/cli.md has every command of smmu --help", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  const min = /^>=\s*(\d+\.\d+\.\d+)$/.exec(manifest.engines.node)?.[1];
  assert.ok(min, `engines.node is a minimum version: ${manifest.engines.node}`);
  assert.match(
    fs.readFileSync(path.join(root, 'README.md'), 'utf8'),
    new RegExp(`Node ${min.replace(/\./g, '\\.')} or later`),
  );
  const help = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), '--help'], { encoding: 'utf8' }).stdout;
  const commands = [...new Set([...help.matchAll(/^\s+smmu (\w+)/gm)].map((m) => m[1]!))];
  assert.deepEqual(commands, ['decode', 'check', 'run', 'replay', 'qemu', 'inspect', 'export', 'lsp', 'dap']);
  const cli = fs.readFileSync(path.join(root, 'docs', 'cli.md'), 'utf8');
  for (const c of commands)
    assert.match(cli, new RegExp(`^\\| \`smmu ${c}\\b`, 'm'), `docs/cli.md has no row for smmu ${c}`);
});
