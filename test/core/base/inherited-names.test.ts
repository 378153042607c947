/**
 * Names every JavaScript object answers to (`constructor`, `__proto__`, `toString`…) are names a
 * user may type. Looked up in a plain-object table they found Object.prototype's members:
 * `cmd SYNC constructor=1` stopped the model with an internal error, `queue constructor` was taken
 * for a queue kind. Each case below failed before core/base/own.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { own } from '../../../core/base/own';
import { aliasFileDocument, presetDocument } from '../../../core/config/preset-data';
import { presetText } from '../../../core/config/presets';
import { checkQueueFile } from '../../../core/queue-file/check';
import { checkScript } from '../../../core/script/check';
import { fileHost } from '../../../server/file-host';
import { root } from '../../harness/root';
import { INHERITED_NAMES } from '../../fuzz/mutate';
import { ENABLED_PRELUDE, memoryHost, presetFile } from '../../harness/script-helpers';

const host = memoryHost({ '/w/qemu.smmu.json': presetFile('qemu') });
const run = (lines: string[]) => checkScript([...ENABLED_PRELUDE, ...lines].join('\n'), '/w/t.smmu', host, 'full');

test('own() finds only what the table itself holds', () => {
  const table: Record<string, number> = { sid: 1 };
  assert.equal(own(table, 'sid'), 1);
  for (const name of INHERITED_NAMES) assert.equal(own(table, name), undefined, name);
});

test('a command field named like an inherited member is an unknown field, not an internal error', () => {
  for (const name of INHERITED_NAMES) {
    for (const arg of [`${name}=1`, name]) {
      const c = run([`cmd SYNC ${arg}`]);
      const codes = c.diagnostics.map((d) => d.code);
      assert.ok(!codes.includes('internal'), `cmd SYNC ${arg}: ${JSON.stringify(c.diagnostics.map((d) => d.message))}`);
      assert.ok(codes.includes('arg.unknown-field'), `cmd SYNC ${arg}: ${codes.join(', ')}`);
    }
  }
});

test('an STE or CD field named like an inherited member is an unknown field', () => {
  for (const name of ['constructor', '__proto__']) {
    const c = run([`ste 1 V ${name}=1`, `cd 0x44000000 V ${name}=1`]);
    const codes = c.diagnostics.map((d) => d.code);
    assert.ok(!codes.includes('internal'), JSON.stringify(c.diagnostics.map((d) => d.message)));
    assert.equal(codes.filter((x) => x === 'arg.unknown-field').length, 2, codes.join(', '));
  }
});

test('a DMA expectation named like an inherited member is neither an outcome nor an event', () => {
  for (const name of INHERITED_NAMES) {
    const c = run([`dma read sid=1 iova=0x1000 == ${name}`]);
    assert.deepEqual(
      c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
      ['dma.expect'],
      name,
    );
  }
});

test('a queue file naming an inherited member as its queue gets "unknown queue"', () => {
  for (const name of ['constructor', '__proto__', 'toString']) {
    const r = checkQueueFile(
      [`queue ${name}`, 'log2size 2', 'prod 0', 'cons 0'].join('\n'),
      path.join(root, 'x.smmuq'),
      fileHost,
    );
    assert.ok(
      r.diagnostics.some((d) => d.code === 'smmuq.queue' && d.range.start.line === 0),
      `${name}: ${r.diagnostics.map((d) => d.code).join(', ')}`,
    );
  }
});

test('no preset or preset alias is named like an inherited member', () => {
  for (const name of INHERITED_NAMES) {
    assert.equal(presetDocument(name), undefined, name);
    assert.equal(aliasFileDocument(name), undefined, name);
    assert.equal(presetText(name), '{}\n', name);
  }
});
