/**
 * The debugger's views of the Secure programming interface and of the Enhanced Command queues,
 * through the real protocol (`node dist/cli.js dap` driven by DebugClient): the Secure Command
 * queue, Secure Event queue and Secure Stream table scopes where SMMU_S_IDR1.SECURE_IMPL advertises
 * Secure state (§3.10.2.1), the ECMDQ registers where SMMU_IDR1.ECMDQ advertises them (§3.5.6,
 * §6.3.107–§6.3.109), and none of them for a configuration without the feature.
 */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launchOn, startClient } from '../../harness/dap-harness';
import { root } from '../../harness/root';

let dc: DebugClient;

beforeEach(async () => {
  dc = await startClient();
});

afterEach(async () => {
  await dc.stop();
});

async function variables(ref: number): Promise<DebugProtocol.Variable[]> {
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

async function scopeNames(): Promise<string[]> {
  return (await dc.scopesRequest({ frameId: 0 })).body.scopes.map((s) => s.name);
}

async function scope(name: string): Promise<DebugProtocol.Variable[]> {
  const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  const s = scopes.find((x) => x.name === name);
  assert.ok(s, `no scope ${name} in ${scopes.map((x) => x.name).join(', ')}`);
  return variables(s.variablesReference);
}

const child = (list: readonly DebugProtocol.Variable[], name: string) => {
  const v = list.find((x) => x.name === name);
  assert.ok(v, `no ${name} in ${list.map((x) => x.name).join(', ')}`);
  return v;
};

/** Launch an example and stop at the first line that starts with `text` (1-based, as DAP counts). */
async function stopAt(example: string, text: string): Promise<void> {
  const program = path.join(root, 'examples', example);
  const line =
    fs
      .readFileSync(program, 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith(text)) + 1;
  assert.ok(line > 0, `no line ${text} in ${example}`);
  await launchOn(dc, { program }, () =>
    dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line }] }),
  );
}

test('Secure state: the Secure Event queue and Secure Stream table scopes show the Secure streams, apart from the Non-secure ones (§3.10.2.1)', async () => {
  // examples/secure-streams.smmu, stopped after the Secure stream's F_TRANSLATION was recorded.
  await stopAt('secure-streams.smmu', 'read32 S_EVENTQ_PROD.WR == 1');
  assert.deepEqual(await scopeNames(), [
    'Registers (page 0)',
    'Registers (page 1)',
    'Command queue',
    'Secure Command queue',
    'Event queue',
    'Secure Event queue',
    'Stream table',
    'Secure Stream table',
    'Context descriptors',
    'Caches',
    'Memory',
  ]);
  // Secure STEs 3 (bypass) and 4 (stage 1) from SMMU_S_STRTAB_BASE 0x4E000000; the Non-secure
  // table at 0x40000000 has its own STE 3.
  const secureStes = await scope('Secure Stream table');
  assert.deepEqual(
    secureStes.map((v) => [v.name, v.memoryReference]),
    [
      ['STE 3', '0x4E0000C0 secure'],
      ['STE 4', '0x4E000100 secure'],
    ],
  );
  const ste3 = await variables(child(secureStes, 'STE 3').variablesReference);
  assert.equal(child(ste3, 'NSCFG').value, '2');
  assert.deepEqual(
    (await scope('Stream table')).map((v) => [v.name, v.memoryReference]),
    [['STE 3', '0x400000C0']],
  );
  // The record is in the Secure Event queue (SMMU_S_EVENTQ_BASE 0x4E200000), not the Non-secure one.
  const sq = await scope('Secure Event queue');
  assert.deepEqual(
    sq.slice(0, 3).map((v) => v.name),
    ['S_EVENTQ_BASE', 'S_EVENTQ_PROD', 'S_EVENTQ_CONS'],
  );
  assert.equal(child(sq, 'unread').value, '1 record between CONS and PROD');
  const entries = child(sq, 'entries');
  assert.equal(entries.memoryReference, '0x4E200000 secure');
  const records = await variables(entries.variablesReference);
  assert.match(records[0]?.value ?? '', /^F_TRANSLATION .*StreamID=0x4.*\(unread\)$/);
  assert.equal(child(await scope('Event queue'), 'unread').value, '0 records between CONS and PROD');
  // The CDs of the Secure stage 1 stream, named by their Security state.
  const cds = await scope('Context descriptors');
  assert.deepEqual(
    cds.filter((v) => v.name.startsWith('Secure')).map((v) => [v.name, v.memoryReference]),
    [['Secure StreamID 4 SSID 0', '0x4E300000 secure']],
  );
});

test('Secure state: the Memory scope, readMemory and mem64(ADDR, secure) read the Secure PA space (§3.10)', async () => {
  await stopAt('secure-streams.smmu', 'read32 S_EVENTQ_PROD.WR == 1');
  // The Secure Stream table's page: its reference and expression name the Secure space.
  const page = child(await scope('Memory'), 'Secure 0x4E000000');
  assert.equal(page.memoryReference, '0x4E000000 secure');
  assert.equal(page.evaluateName, 'mem64(0x4E000000, secure)');
  // Secure STE 3 (V = 1) is at 0x4E0000C0 of the Secure space; the Non-secure space has nothing there.
  const read = async (memoryReference: string) => {
    const r = (await dc.customRequest('readMemory', {
      memoryReference,
      offset: 0xc0,
      count: 8,
    })) as DebugProtocol.ReadMemoryResponse;
    return Buffer.from(r.body?.data ?? '', 'base64').readBigUInt64LE(0);
  };
  const secureWord = await read('0x4E000000 secure');
  assert.equal(secureWord & 1n, 1n, 'STE 3 of the Secure Stream table is valid');
  assert.equal(await read('0x4E000000'), 0n);
  const evaluate = async (expression: string) =>
    (await dc.evaluateRequest({ expression, context: 'watch', frameId: 0 })).body.result;
  assert.equal(await evaluate('mem64(0x4E0000C0, secure) == ' + secureWord), '1');
  assert.equal(await evaluate('mem64(0x4E0000C0)'), '0');
  // A write through a Secure reference lands in the Secure space only.
  await dc.customRequest('writeMemory', {
    memoryReference: '0x4E400000 secure',
    data: Buffer.from([0x5a]).toString('base64'),
  });
  assert.equal(await evaluate('mem8(0x4E400000, secure)'), '0x5A');
  assert.equal(await evaluate('mem8(0x4E400000)'), '0');
  await assert.rejects(
    () => dc.evaluateRequest({ expression: 'mem64(0x4E000000, nonsecure)', context: 'watch', frameId: 0 }),
    /expected 'secure' after ','/,
  );
});

test('Secure state: the Secure Command queue decodes its commands as that queue takes them: SSec and the EL3 TLBI are legal there (§4.1.6, §4.4.2.5)', async () => {
  await stopAt('secure-cmdq.smmu', 'read32 S_CMDQ_CONS == 6');
  const q = await scope('Secure Command queue');
  assert.deepEqual(
    q.slice(0, 3).map((v) => v.name),
    ['S_CMDQ_BASE', 'S_CMDQ_PROD', 'S_CMDQ_CONS'],
  );
  assert.equal(child(q, 'pending').value, '0 commands between CONS and PROD');
  const list = await variables(child(q, 'entries').variablesReference);
  // On the Non-secure queue each of these would be CERROR_ILL (SSec = 1; TLBI_EL3_ALL).
  assert.deepEqual(
    list.slice(0, 3).map((v) => v.value),
    ['CMD_CFGI_STE SSec=1 StreamID=0x3  (consumed)', 'CMD_CFGI_ALL SSec=1  (consumed)', 'CMD_TLBI_EL3_ALL  (consumed)'],
  );
  assert.equal(child(await scope('Command queue'), 'pending').value.startsWith('0 commands'), true);
});

test('ECMDQs: the Registers (ECMDQs) scope gives each ECMDQ its BASE, PROD and CONS at their offsets, decoded (§3.5.6, §6.3.107–§6.3.109)', async () => {
  // examples/ecmdq.smmu: 2 control pages of 4 ECMDQs; ECMDQ 1 enabled, two commands consumed.
  await stopAt('ecmdq.smmu', 'read32  ECMDQ1 + 0xC == EN + 2');
  const names = await scopeNames();
  assert.deepEqual(names.slice(0, 3), ['Registers (page 0)', 'Registers (page 1)', 'Registers (ECMDQs)']);
  assert.ok(!names.some((n) => n.startsWith('Secure')), names.join(', '));
  const queues = await scope('Registers (ECMDQs)');
  assert.equal(queues.length, 8);
  assert.deepEqual(
    queues.slice(0, 2).map((v) => [v.name, v.value]),
    [
      ['ECMDQ 0', 'disabled'],
      ['ECMDQ 1', 'enabled'],
    ],
  );
  const regs = await variables(child(queues, 'ECMDQ 1').variablesReference);
  assert.deepEqual(
    regs.map((v) => [v.name, v.value, v.type]),
    [
      ['ECMDQ_BASE1', '0x0000000040300004', 'SMMU_ECMDQ_BASE1 @ 0x24000 (§6.3.107)'],
      ['ECMDQ_PROD1', '0x80000002', 'SMMU_ECMDQ_PROD1 @ 0x24008 (§6.3.108)'],
      ['ECMDQ_CONS1', '0x80000002', 'SMMU_ECMDQ_CONS1 @ 0x2400C (§6.3.109)'],
    ],
  );
  const prod = await variables(child(regs, 'ECMDQ_PROD1').variablesReference);
  assert.equal(child(prod, 'EN').value, '1 (ENABLED)');
  assert.equal(child(prod, 'WR').value, '2');
  // ECMDQ 5 is the second of control page 1 (0x30000 + 0x4000).
  const q5 = await variables(child(queues, 'ECMDQ 5').variablesReference);
  assert.equal(q5[0]?.type, 'SMMU_ECMDQ_BASE5 @ 0x34000 (§6.3.107)');
});

test('a configuration without Secure state or ECMDQs shows none of their scopes, and no Secure register in page 0', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-dap-secure-'));
  const program = path.join(dir, 'plain.smmu');
  // The built-in default configuration (QEMU's SMMU): no SMMU_S_IDR1.SECURE_IMPL, no SMMU_IDR1.ECMDQ.
  fs.writeFileSync(program, 'write64 STRTAB_BASE 0x40000000\nwrite32 CR0 0\n');
  await launchOn(dc, { program, stopOnEntry: true });
  const names = await scopeNames();
  assert.ok(!names.some((n) => /Secure|ECMDQ/.test(n)), names.join(', '));
  const page0 = await scope('Registers (page 0)');
  assert.ok(page0.some((v) => v.name === 'CR0'));
  assert.deepEqual(
    page0.filter((v) => v.name.startsWith('S_')).map((v) => v.name),
    [],
  );
});
