/**
 * smmu/queuesAtLine through the real protocol (`node dist/server.js --stdio` and a JSON-RPC
 * client): the command queue with pending, consumed, unpublished and error entries, the event
 * queue's records, the stream table's valid STEs, and a `.smmuq` descriptor's entries; with Secure
 * state, the Secure queues and Secure Stream table.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolConnection } from 'vscode-languageserver-protocol/node';
import type { QueuesAtLineResult } from '../../../server/lsp/lsp-ext';
import * as fs from 'fs';
import * as path from 'path';
import { LspServer } from '../../harness/lsp-harness';
import { root } from '../../harness/root';

let server: LspServer;
let conn: ProtocolConnection;

function openFile(name: string, text: string, languageId = 'smmu'): string {
  const { uri } = server.file(name, text);
  server.open(uri, text, languageId);
  return uri;
}

const queues = (uri: string, line: number) =>
  conn.sendRequest('smmu/queuesAtLine', { uri, line }) as Promise<QueuesAtLineResult>;

before(async () => {
  server = (await LspServer.start('smmu-lsp-queues-')).server;
  conn = server.conn;
});

after(() => server.stop());

const SCRIPT = [
  'write64 STRTAB_BASE 0x40000000', // 0
  'write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4',
  'write64 CMDQ_BASE 0x40100000 | LOG2SIZE=3',
  'write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=3',
  'write32 CR0 CMDQEN|EVENTQEN',
  'cmd CFGI_ALL', // 5
  'cmd SYNC',
  'doorbell', // 7: both consumed
  'cmd CFGI_STE StreamID=3 Leaf', // 8: written, not published
  'ste 3 V Config=BYPASS',
  'write32 CR0 SMMUEN|CMDQEN|EVENTQEN', // 10
  'dma read sid=5 iova=0x1000 == C_BAD_STE', // 11: STE 5 has V == 0
].join('\n');

test('the command queue at a line: consumed, then unpublished entries, decoded from the command table', async () => {
  const uri = openFile('queues.smmu', SCRIPT);
  const before = await queues(uri, 4);
  assert.equal(before.error, undefined);
  assert.equal(before.commandQueue?.log2size, 3);
  assert.deepEqual(before.commandQueue?.entries, [], 'nothing written yet');
  const atCmd = await queues(uri, 6);
  assert.deepEqual(
    atCmd.commandQueue?.entries.map((e) => [e.index, e.title, e.status]),
    [
      [0, 'CMD_CFGI_ALL', 'unpublished'],
      [1, 'CMD_SYNC', 'unpublished'],
    ],
  );
  const after = await queues(uri, 8);
  assert.equal(after.label, 'after line 9');
  assert.equal(after.commandQueue?.prod, '0x2');
  assert.equal(after.commandQueue?.cons, '0x2');
  assert.deepEqual(
    after.commandQueue?.entries.map((e) => [e.index, e.title, e.status]),
    [
      [0, 'CMD_CFGI_ALL', 'consumed'],
      [1, 'CMD_SYNC', 'consumed'],
      [2, 'CMD_CFGI_STE', 'unpublished'],
    ],
  );
  const cfgi = after.commandQueue!.entries[2]!;
  assert.ok(
    cfgi.fields.some((f) => f.name === 'StreamID' && f.value === '3'),
    JSON.stringify(cfgi.fields),
  );
  assert.ok(cfgi.fields.some((f) => f.name === 'Leaf' && f.value === '1'));
  assert.equal(cfgi.dwords.length, 2);
});

test('the stream table lists valid STEs only, and the event queue the record of a fault', async () => {
  const uri = openFile('queues2.smmu', SCRIPT);
  const r = await queues(uri, 11);
  assert.equal(r.streamTable?.format, 'linear');
  assert.equal(r.streamTable?.log2size, 4);
  assert.deepEqual(
    r.streamTable?.entries.map((e) => [e.sid, e.config]),
    [[3, 'BYPASS']],
  );
  assert.equal(r.streamTable?.entries[0]?.address, '0x00000000400000C0', 'STE 3 at base + 64 * 3');
  const events = r.eventQueue?.entries ?? [];
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0]?.title, 'C_BAD_STE');
  assert.equal(events[0]?.status, 'pending', 'software has not read it (EVENTQ_CONS unchanged)');
  assert.ok(
    events[0]?.fields.some((f) => f.name === 'StreamID' && f.value === '5'),
    JSON.stringify(events[0]?.fields),
  );
  assert.equal(r.priQueue, undefined, 'no PRI queue without IDR0.PRI (the default configuration)');
});

test('a command the SMMU stopped at is marked as the error entry', async () => {
  const uri = openFile(
    'queues-error.smmu',
    [
      'write64 CMDQ_BASE 0x40000000 | LOG2SIZE=3',
      'write32 CR0 CMDQEN',
      'cmd SYNC',
      'cmd raw 0x7f 0',
      'cmd SYNC',
      'doorbell',
    ].join('\n'),
  );
  const r = await queues(uri, 5);
  assert.deepEqual(
    r.commandQueue?.entries.map((e) => [e.index, e.status]),
    [
      [0, 'consumed'],
      [1, 'error'],
      [2, 'pending'],
    ],
  );
  assert.ok(
    r.commandQueue?.entries[1]?.problems.some((p) => /CERROR_ILL|opcode/i.test(p)),
    JSON.stringify(r.commandQueue?.entries[1]),
  );
});

test('a .smmuq descriptor gives its entries, pending between CONS and PROD', async () => {
  const uri = openFile(
    'dump.smmuq',
    ['queue cmdq', 'log2size 2', 'prod 3', 'cons 1', '0: CFGI_ALL', '1: CFGI_STE StreamID=3 Leaf', '2: SYNC'].join(
      '\n',
    ),
    'smmuq',
  );
  const r = await queues(uri, 0);
  assert.equal(r.label, 'queue descriptor');
  assert.deepEqual(
    r.commandQueue?.entries.map((e) => [e.index, e.title, e.status, e.line]),
    [
      [0, 'CMD_CFGI_ALL', 'consumed', 4],
      [1, 'CMD_CFGI_STE', 'pending', 5],
      [2, 'CMD_SYNC', 'pending', 6],
    ],
  );
  assert.equal(r.streamTable, undefined);
});

test('bad requests get a message, not a crash', async () => {
  assert.match((await queues('file:///nope.smmu', 0)).error ?? '', /open \.smmu script/);
  const uri = openFile('bad-line.smmu', 'write32 CR0 0');
  assert.match((await queues(uri, -1)).error ?? '', /non-negative integer/);
  assert.match(
    ((await conn.sendRequest('smmu/queuesAtLine', null)) as QueuesAtLineResult).error ?? '',
    /open \.smmu script/,
  );
});

test('a 2-level stream table: STEs found through their L1 descriptors, with their StreamIDs', async () => {
  const uri = openFile(
    'two-level.smmu',
    [
      'write64 STRTAB_BASE 0x40000000',
      'write32 STRTAB_BASE_CFG FMT=TWO_LEVEL|SPLIT=6|LOG2SIZE=8', // 4 L1 descriptors of 64 StreamIDs
      'l1std 1 Span=7 L2Ptr=0x40010000',
      'ste 70 V Config=BYPASS', // L1 index 1, STE 6 of its array
      'l1std 2 Span=0 L2Ptr=0x40020000', // Span 0: invalid, not walked
    ].join('\n'),
  );
  const r = await queues(uri, 4);
  assert.equal(r.error, undefined);
  assert.equal(r.streamTable?.format, '2-level');
  assert.deepEqual(
    r.streamTable?.entries.map((e) => [e.sid, e.config, e.address]),
    [[70, 'BYPASS', '0x0000000040010180']],
  );
});

test('with Secure state, the Secure Command queue, Secure Event queue and Secure Stream table too; without it, none (§3.10.2.1)', async () => {
  const preset = fs.readFileSync(path.join(root, 'presets', 'smmuv3.3-secure-ats.smmu.json'), 'utf8');
  server.file('secure-q.smmu.json', preset);
  const uri = openFile(
    'secure-queues.smmu',
    [
      'config "secure-q.smmu.json"', // 0
      'write64 S_STRTAB_BASE 0x4E000000',
      'write32 S_STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=4',
      'write64 S_CMDQ_BASE 0x4E100000 | LOG2SIZE=3',
      'write64 S_EVENTQ_BASE 0x4E200000 | LOG2SIZE=3',
      'write32 S_CR0 SMMUEN|CMDQEN|EVENTQEN', // 5
      'ste 3 secure V Config=BYPASS',
      'cmd CFGI_STE sid=3 SSec secure',
      'cmd TLBI_EL3_ALL secure',
      'doorbell secure',
      'cmd SYNC secure', // 10: written, not published
      'dma read sid=5 iova=0x1000 secure == C_BAD_STE',
    ].join('\n'),
  );
  const r = await queues(uri, 11);
  assert.equal(r.error, undefined);
  // SSec = 1 and TLBI_EL3_ALL are legal on the Secure queue (§4.1.6, §4.4.2.5): no problems.
  assert.deepEqual(
    r.secureCommandQueue?.entries.map((e) => [e.index, e.title, e.status, e.problems.length]),
    [
      [0, 'CMD_CFGI_STE', 'consumed', 0],
      [1, 'CMD_TLBI_EL3_ALL', 'consumed', 0],
      [2, 'CMD_SYNC', 'unpublished', 0],
    ],
  );
  assert.equal(r.secureCommandQueue?.secure, true);
  assert.equal(r.secureCommandQueue?.base, '0x000000004E100000');
  assert.deepEqual(r.commandQueue?.entries, []);
  // The Secure stream's record went to the Secure Event queue, not the Non-secure one.
  assert.deepEqual(
    r.secureEventQueue?.entries.map((e) => [e.index, e.title, e.status]),
    [[0, 'C_BAD_STE', 'pending']],
  );
  assert.deepEqual(r.eventQueue?.entries, []);
  assert.deepEqual(
    r.secureStreamTable?.entries.map((s) => [s.sid, s.address, s.config]),
    [[3, '0x000000004E0000C0', 'BYPASS']],
  );
  assert.deepEqual(r.streamTable?.entries, []);
  // Without Secure state (the built-in default, QEMU's SMMU): none of them.
  const plain = await queues(openFile('plain-queues.smmu', 'write32 CR0 0'), 0);
  assert.deepEqual(
    [plain.secureCommandQueue, plain.secureEventQueue, plain.secureStreamTable],
    [undefined, undefined, undefined],
  );
});
