/** Formatting moves spaces and spells hex digits; the meaning of every line stays the same. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { formatScript } from '../../../core/script/format';
import { analyzeScript } from '../../../core/script/resolve';
import { root } from '../../harness/root';

function apply(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  for (const e of formatScript(text)) lines[e.line] = e.newText;
  return lines.join('\n');
}

/** What a script means: its resolved statements without positions. */
function meaning(text: string): string {
  return JSON.stringify(analyzeScript(text).statements, (k, v: unknown) =>
    k === 'range' || k.endsWith('Range') || k === 'keyword' ? undefined : typeof v === 'bigint' ? v.toString(16) : v,
  );
}

test('aligns access keywords, collapses spaces, separates comments, upper-cases hex digits', () => {
  const text = [
    '   read32 CR0ACK   ==  0xd   # enabled',
    'write64 CMDQ_BASE 0x4010_0000|RA|LOG2SIZE=8',
    'cmd  CFGI_STE   sid=3 Leaf',
    'write32 CR0 SMMUEN|  # broken line stays',
  ].join('\n');
  assert.equal(
    apply(text),
    [
      'read32  CR0ACK == 0xD  # enabled',
      'write64 CMDQ_BASE 0x4010_0000 | RA | LOG2SIZE=8',
      'cmd CFGI_STE sid=3 Leaf',
      'write32 CR0 SMMUEN|  # broken line stays',
    ].join('\n'),
  );
  // Trailing comments of a block line up.
  assert.equal(
    apply('write32 CR0 0 # off\nread32 CR0ACK == 0 # wait\n'),
    'write32 CR0 0        # off\nread32  CR0ACK == 0  # wait\n',
  );
});

test('formatting never changes meaning and is idempotent (every example)', () => {
  for (const f of fs.readdirSync(path.join(root, 'examples')).filter((x) => x.endsWith('.smmu'))) {
    const text = fs.readFileSync(path.join(root, 'examples', f), 'utf8');
    const once = apply(text);
    assert.equal(meaning(once), meaning(text), f);
    assert.deepEqual(formatScript(once), [], `${f}: formatting twice changes nothing`);
  }
});

test('the conformance forms: * / % spaced like other operators, == abort after reads and writes, count=N kept tight', () => {
  const text = [
    'write64 CMDQ_BASE 0x4000_0000+2*0x1000|LOG2SIZE=16/2',
    'read8 0x21==abort',
    'write16  CR0 1  !=  abort',
    'expect event F_TRANSLATION StreamID=1  count=2',
    'mem write32 0x1000 100%7',
  ].join('\n');
  const want = [
    'write64 CMDQ_BASE 0x4000_0000 + 2 * 0x1000 | LOG2SIZE=16 / 2',
    'read8   0x21 == abort',
    'write16 CR0 1 != abort',
    'expect event F_TRANSLATION StreamID=1 count=2',
    'mem write32 0x1000 100 % 7',
  ].join('\n');
  assert.equal(apply(text), want);
  assert.equal(meaning(want), meaning(text));
  assert.deepEqual(formatScript(want), []);
});
