/**
 * The `smmu` command line's usage rules, the same for every command: each takes exactly the
 * options of its own table and rejects any other with exit 2 and its usage; a file of the wrong
 * kind is named with the command that takes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';

import { smmu, tmp } from '../harness/cli-harness';
import { root } from '../harness/root';

const script = path.join(root, 'examples', 'linux-bringup.smmu');
const trace = path.join(root, 'examples', 'vsmmu-locking.smmutrace');

/** A valid invocation of each command, to which an option is added. */
const VALID: Record<string, string[]> = {
  decode: ['decode', 'CR0', '0x1'],
  check: ['check', script],
  run: ['run', script],
  replay: ['replay', trace],
  lsp: ['lsp', '--stdio'],
  dap: ['dap'],
};

test('every command rejects an unknown option with exit 2 and its usage, before doing anything', () => {
  for (const [name, args] of Object.entries(VALID)) {
    for (const bad of ['--bogus', '--bogus=1', '-x']) {
      const r = smmu(...args, bad);
      assert.equal(r.code, 2, `${name} ${bad}: ${r.out}${r.err}`);
      assert.match(r.err, new RegExp(`^smmu ${name}: unknown option ${bad.replace(/=.*/, '')}\\n`), r.err);
      assert.match(r.err, new RegExp(`usage:\\n  smmu ${name}`), r.err);
      assert.equal(r.out, '', `${name} ${bad} printed output`);
    }
  }
});

test('an option of another command is rejected and its owner named: --trace is for run only', () => {
  for (const name of ['decode', 'check', 'replay', 'dap', 'lsp']) {
    const r = smmu(...(VALID[name] as string[]), '--trace');
    assert.equal(r.code, 2, name);
    assert.match(
      r.err,
      new RegExp(`^smmu ${name}: --trace is not an option of smmu ${name} \\(it is one of smmu run\\)`),
      r.err,
    );
  }
  assert.equal(smmu('run', script, '--trace').code, 0);
});

test('options that take a value insist on one; flags take none', () => {
  const a = smmu('run', script, '--config');
  assert.equal(a.code, 2);
  assert.match(a.err, /^smmu run: --config needs a FILE/);
  const b = smmu('check', script, '--json=yes');
  assert.equal(b.code, 2);
  assert.match(b.err, /^smmu check: --json takes no value/);
  const c = smmu('run', script, '--config', '--json');
  assert.equal(c.code, 2);
  assert.match(c.err, /--config needs a FILE/);
});

test("COMMAND --help prints that command's usage, exit 0", () => {
  const r = smmu('replay', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /^usage:\n {2}smmu replay TRACE/);
  assert.doesNotMatch(r.out, /smmu run/);
});

test('replay of a script suggests smmu run, run of a trace suggests smmu replay (exit 2, one line)', () => {
  const a = smmu('replay', script);
  assert.equal(a.code, 2);
  assert.equal(a.out, '');
  assert.equal(a.err, `smmu replay: ${script} is a script: run it with \`smmu run ${script}\`\n`);
  const b = smmu('run', trace);
  assert.equal(b.code, 2);
  assert.equal(b.out, '');
  assert.equal(b.err, `smmu run: ${trace} is a trace: replay it with \`smmu replay ${trace}\`\n`);
});

test('the kind is told by content when the name does not tell it: a script in a .txt, a QEMU log in a .txt', () => {
  const s = tmp('bringup.txt', '# a script\nconfig "x.smmu.json"\nwrite32 CR0 SMMUEN\n');
  assert.match(smmu('replay', s).err, /is a script: run it with `smmu run /);
  const q = tmp('boot.txt', '12345@1700000000.000001:smmuv3_read_mmio addr: 0x0, val:0xd44101a, size: 0x4(0)\n');
  assert.match(smmu('run', q).err, /is a trace: replay it with `smmu replay /);
  const queue = tmp('q.smmuq', 'queue cmdq\n');
  assert.match(smmu('run', queue).err, /is a queue descriptor: check it with `smmu check /);
  assert.match(smmu('replay', tmp('c.smmu.json', '{}')).err, /is a configuration: check it with `smmu check /);
});
