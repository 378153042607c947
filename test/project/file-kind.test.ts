/**
 * One decision of a file's kind (core/files/kind.ts kindOf) for the command line, the language
 * server and the debugger, from the same patterns as the manifest's languages. The copies used to
 * disagree: `smmu check` parsed a `*.qemu-7.2.log` as a script (52 syntax errors) while the editor
 * and `smmu replay` took it as a trace.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { KIND_PATTERNS, kindOf } from '../../core/files/kind';
import { isTracePath } from '../../core/debug/trace-program';
import { isTraceDocument } from '../../server/lsp/trace';
import { Workspace } from '../../server/lsp/workspace';
import { smmu } from '../harness/cli-harness';
import { root } from '../harness/root';

test("KIND_PATTERNS is package.json's contributes.languages: ids, extensions, filename patterns", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    contributes: { languages: { id: string; extensions?: string[]; filenamePatterns?: string[] }[] };
  };
  const declared = manifest.contributes.languages.map((l) => ({
    languageId: l.id,
    extensions: l.extensions ?? [],
    filenamePatterns: l.filenamePatterns ?? [],
  }));
  assert.deepEqual(
    declared.sort((a, b) => a.languageId.localeCompare(b.languageId)),
    Object.values(KIND_PATTERNS)
      .map((p) => ({ ...p, extensions: [...p.extensions], filenamePatterns: [...p.filenamePatterns] }))
      .sort((a, b) => a.languageId.localeCompare(b.languageId)),
  );
});

test('kindOf: the language wins, then the name, then the content; a .log that tells nothing is a trace', () => {
  const cases: [string, string | undefined, string | undefined, string | undefined][] = [
    ['a.smmu', undefined, undefined, 'script'],
    ['dir/b.smmuq', undefined, undefined, 'queue'],
    ['c.smmutrace', undefined, undefined, 'trace'],
    ['register-probe.qemu-7.2.log', undefined, undefined, 'trace'],
    ['boot-smmuv3.log', undefined, undefined, 'trace'],
    ['x.smmu.json', undefined, undefined, 'config'],
    ['other.json', undefined, undefined, 'config'],
    ['run.txt', 'R 0x0 4 0x0D44101A', undefined, 'trace'],
    ['run.txt', '# a comment\nwrite32 CR0 0', undefined, 'script'],
    ['run.txt', 'queue cmdq', undefined, 'queue'],
    ['run.txt', 'hello', undefined, undefined],
    ['run.log', 'hello', undefined, 'trace'],
    ['anything.txt', undefined, 'smmutrace', 'trace'],
    ['a.smmu', undefined, 'plaintext', 'script'],
  ];
  for (const [p, text, lang, expected] of cases) assert.equal(kindOf(p, text, lang), expected, `${p} ${lang ?? ''}`);
});

test('the language server, the debugger and the command line agree on every fixture and example', () => {
  const dirs = ['examples', 'test/fixtures/qemu', 'presets', 'test/vscode/workspace'];
  for (const d of dirs)
    for (const f of fs.readdirSync(path.join(root, d))) {
      const p = path.join(root, d, f);
      if (!fs.statSync(p).isFile()) continue;
      const text = fs.readFileSync(p, 'utf8');
      const kind = kindOf(p, text);
      const uri = `file://${p}`;
      if (kindOf(p) !== undefined) {
        assert.equal(isTraceDocument({ uri }), kind === 'trace', `LSP trace: ${d}/${f}`);
        assert.equal(Workspace.isConfig(uri), kind === 'config', `LSP config: ${d}/${f}`);
        assert.equal(Workspace.isQueueFile(uri), kind === 'queue', `LSP queue: ${d}/${f}`);
      }
      assert.equal(isTracePath(p, text), kind === 'trace', `debugger: ${d}/${f}`);
    }
});

test('smmu check takes a QEMU log as a trace by its name (no syntax errors of a script)', () => {
  const r = smmu('check', 'test/fixtures/qemu/register-probe.qemu-7.2.log', '--config', 'presets/qemu-7.2.smmu.json');
  assert.doesNotMatch(r.out, /syntax/, r.out);
  assert.doesNotMatch(r.out, /\[name\./, r.out);
});
