/** `.smmuq` queue descriptors: decoding, pending entries, index rules (§3.5, §6.3.27), CERROR_ILL at its line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { checkQueueFile } from '../../../core/queue-file/check';
import { fileHost } from '../../../server/file-host';
import { root } from '../../harness/root';

const host = fileHost;
const check = (text: string) => checkQueueFile(text, path.join(root, 'x.smmuq'), host);
const codesAt = (r: ReturnType<typeof check>, line: number) =>
  r.diagnostics.filter((d) => d.range.start.line === line).map((d) => d.code);

test('the bundled command queue dump: every entry decoded, entries 2-4 pending, no problems', () => {
  const file = path.join(root, 'examples', 'cmdq-dump.smmuq');
  const r = checkQueueFile(fs.readFileSync(file, 'utf8'), file, host);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(
    r.entries.map((e) => [e.index, e.pending, e.text]),
    [
      [0, false, 'CMD_CFGI_ALL'],
      [1, false, 'CMD_SYNC'],
      [2, true, 'CMD_CFGI_STE StreamID=0x8 Leaf=1'],
      [3, true, 'CMD_TLBI_NH_ASID ASID=0x1'],
      [4, true, 'CMD_SYNC CS=SIG_SEV'],
    ],
  );
});

test('a pending illegal command is where the SMMU stops with CERROR_ILL; the entries after it are not consumed', () => {
  const r = check(['queue cmdq', 'log2size 2', 'prod 3', 'cons 0', '0: SYNC', '1: 0x7F 0', '2: SYNC'].join('\n'));
  assert.deepEqual(codesAt(r, 5), ['smmuq.cerror-ill', 'smmuq.not-consumed']);
  assert.match(
    r.diagnostics.find((d) => d.code === 'smmuq.cerror-ill')?.message ?? '',
    /reserved opcode: the SMMU will stop here with CERROR_ILL/,
  );
  assert.equal(r.diagnostics.find((d) => d.code === 'smmuq.cerror-ill')?.severity, 'error');
  // The same entry outside CONS..PROD is only a warning.
  const done = check(['queue cmdq', 'log2size 2', 'prod 3', 'cons 3', '1: 0x7F 0'].join('\n'));
  assert.equal(done.diagnostics.find((d) => d.code === 'smmuq.cerror-ill')?.severity, 'warning');
});

test('§3.5 index rules: bits beyond the wrap flag, impossible distances, entries beyond the queue, duplicates', () => {
  const r = check(['queue cmdq', 'log2size 2', 'prod 0x13', 'cons 0x0', '4: SYNC', '1: SYNC', '1: SYNC'].join('\n'));
  assert.ok(codesAt(r, 2).includes('smmuq.index-range'), JSON.stringify(r.diagnostics));
  assert.ok(codesAt(r, 4).includes('smmuq.entry-index'));
  assert.ok(codesAt(r, 6).includes('smmuq.duplicate-entry'));
  const far = check(['queue evtq', 'log2size 2', 'prod 0x6', 'cons 0x0'].join('\n'));
  assert.ok(
    far.diagnostics.some((d) => d.code === 'smmuq.impossible-state'),
    JSON.stringify(far.diagnostics),
  );
  const wrapped = check(['queue evtq', 'log2size 2', 'prod 0x80000005', 'cons 0x3'].join('\n'));
  assert.deepEqual(
    wrapped.diagnostics.filter((d) => d.severity !== 'info'),
    [],
    'OVFLG is allowed in EVENTQ_PROD; 2 pending across the wrap',
  );
});

test('event queue entries decode as event records; unknown numbers and RES0 bits are flagged; symbolic entries work', () => {
  const r = check(
    [
      'queue evtq',
      'log2size 3',
      'prod 2',
      'cons 0',
      '0: 0x0000000500000010 0x0000000800000000 0x1000 0',
      '1: F_PERMISSION StreamID=3 InputAddr=0x2000 S2',
      '2: 0x77 0 0 0',
    ].join('\n'),
  );
  assert.equal(r.entries[0]?.text, 'F_TRANSLATION StreamID=0x5 RnW=READ InputAddr=0x1000');
  assert.equal(r.entries[1]?.text, 'F_PERMISSION StreamID=0x3 S2=STAGE2 InputAddr=0x2000');
  assert.deepEqual(codesAt(r, 6), ['event.unknown']);
  const res = check(['queue evtq', 'log2size 3', 'prod 1', 'cons 0', '0: 0x0000000000000004 0x1'].join('\n'));
  assert.deepEqual(codesAt(res, 4), ['event.res0']);
});

test('malformed input gets a positioned message, never an exception', () => {
  for (const text of [
    '',
    'queue',
    'queue nope',
    'log2size 40\nqueue cmdq',
    'queue cmdq\n0:',
    'queue cmdq\nlog2size 1\nprod 0\ncons 0\n0: NOPE',
    'queue cmdq\nlog2size 1\nprod 0\ncons 0\n0: SYNC CS=NOPE',
    'queue cmdq\nlog2size 1\nprod 0\ncons 0\n0: 1 2 3',
    '\u0000\u0001\ufffe',
    'queue cmdq\nconfig "nope.json"',
  ]) {
    const r = check(text);
    assert.ok(r.diagnostics.length > 0, JSON.stringify(text));
    assert.ok(r.diagnostics.every((d) => d.range.start.line >= 0 && d.message.length > 0));
  }
});
