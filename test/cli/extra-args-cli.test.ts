/**
 * `smmu check` on a script whose statements have arguments they do not take (#22): each is an
 * error at the argument, with the file, line and column, and the check exits 1; the bundled
 * examples rely on no such argument (they check clean, or with only the errors they were written
 * to show).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { smmu, tmp } from '../harness/cli-harness';
import { root } from '../harness/root';

test('smmu check: doorbell 7 and mem abort A S 5 are errors at the extra argument, exit 1', () => {
  const file = tmp(
    'extra.smmu',
    ['write64 CMDQ_BASE 0x40100000 | LOG2SIZE=8', 'write32 CR0 CMDQEN', 'doorbell 7', 'mem abort 0x1000 0x1000 5'].join(
      '\n',
    ),
  );
  const r = smmu('check', file);
  assert.equal(r.code, 1, r.out + r.err);
  const lines = r.out.split('\n').filter((l) => l.includes('[arg.extra]'));
  assert.deepEqual(
    lines.map((l) => l.slice(l.indexOf(':') + 1)),
    [
      "3:10: error: one argument too many: the statement is 'doorbell [ecmdq=N] [secure] [ns]' [arg.extra]",
      "4:25: error: one argument too many: the statement is 'mem abort ADDR SIZE' [arg.extra]",
    ],
  );
});

test('no bundled example relies on an argument its statement does not take', () => {
  const dirs = [path.join(root, 'examples'), path.join(root, 'examples', 'peers')];
  const scripts = dirs.flatMap((d) =>
    fs
      .readdirSync(d)
      .filter((f) => f.endsWith('.smmu'))
      .map((f) => path.join(d, f)),
  );
  assert.ok(scripts.length >= 10, `${scripts.length} scripts`);
  for (const s of scripts) {
    const r = smmu('check', s);
    assert.doesNotMatch(r.out, /\[(arg\.extra|arg\.duplicate|\w+\.arg)\]/, `${path.basename(s)}: ${r.out}`);
  }
});
