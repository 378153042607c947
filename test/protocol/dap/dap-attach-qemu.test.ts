/**
 * The debug adapter's `attach` to a live SMMU on a real QEMU 7.2 (scripts/setup-qemu.sh installs
 * it), through the real protocol (`node dist/cli.js dap` and @vscode/debugadapter-testsupport's
 * DebugClient): a guest program built from a script programs the SMMU and stays alive; what the
 * session shows is compared with what QEMU's own trace (-trace smmuv3_*) says the guest wrote and
 * read, as test/cli/inspect-qemu.test.ts does for `smmu inspect`. Nothing here stands in for QEMU.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { test } from 'node:test';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { SessionRegistersResult } from '../../../server/lsp/lsp-ext';
import { smmuAsync } from '../../harness/cli-harness';
import { attachOn, startClient } from '../../harness/dap-harness';
import { bootLiveGuest, freePort, lastAccesses } from '../../harness/live-guest';

function requireQemu(): void {
  const r = spawnSync('qemu-system-aarch64', ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, 'qemu-system-aarch64 is not installed: run scripts/setup-qemu.sh');
}

async function variablesOf(dc: DebugClient, ref: number): Promise<DebugProtocol.Variable[]> {
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

async function scopeVariables(dc: DebugClient, name: string): Promise<DebugProtocol.Variable[]> {
  const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
  const scope = scopes.find((s) => s.name === name);
  assert.ok(scope, `no scope ${name} in ${scopes.map((s) => s.name).join(', ')}`);
  return variablesOf(dc, scope.variablesReference);
}

const le32 = (data: string | undefined) => Buffer.from(data ?? '', 'base64').readUInt32LE(0);

test(
  'attach shows the live SMMU as QEMU traced it: registers, fields, smmu/registers, readMemory at the SVD address; refresh; disconnect leaves the guest running',
  { timeout: 120_000 },
  async () => {
    requireQemu();
    const guest = await bootLiveGuest('test/fixtures/inspect/live.smmu');
    const dc = await startClient();
    let disconnected = false;
    try {
      const before = guest.trace();
      const stop = await attachOn(dc, { gdb: `127.0.0.1:${guest.port}` });
      assert.equal(stop.body.reason, 'entry');
      const threads = (await dc.threadsRequest()).body.threads;
      assert.equal(threads.length, 1);
      const frames = (await dc.stackTraceRequest({ threadId: threads[0]!.id })).body.stackFrames;
      assert.deepEqual(
        frames.map((f) => f.name),
        [`SMMU at 0x9050000 (the gdbstub at 127.0.0.1:${guest.port})`],
      );

      // The Registers scopes: every register the guest accessed last with an access of its own
      // width reads back as that access (the value it wrote, or the value QEMU returned to it).
      const last = lastAccesses(before);
      const page0 = await scopeVariables(dc, 'Registers (page 0)');
      const page1 = await scopeVariables(dc, 'Registers (page 1)');
      const byName = new Map([...page0, ...page1].map((v) => [v.name, v]));
      const state = (await dc.customRequest('smmu/registers')).body as SessionRegistersResult;
      let compared = 0;
      for (const reg of state.registers) {
        const a = last.get(reg.offset & 0xffff);
        if (!a || a.size * 8 !== reg.width || a.value === undefined) continue;
        assert.equal(BigInt(reg.value), a.value, `smmu/registers SMMU_${reg.name}: trace line ${a.line + 1}`);
        const v = byName.get(reg.name);
        assert.ok(v, `SMMU_${reg.name} is not in the Registers scopes`);
        assert.equal(BigInt(v.value.split(' ')[0]!), a.value, `variable SMMU_${reg.name}: trace line ${a.line + 1}`);
        compared++;
      }
      assert.ok(compared >= 15, `only ${compared} registers compared`);
      assert.equal(state.registers.find((r) => r.name === 'CR0')?.value, '0x0000000D');
      assert.equal(state.registers.find((r) => r.name === 'CR0')?.fields.find((f) => f.name === 'SMMUEN')?.value, '1');
      const cr0 = byName.get('CR0');
      assert.ok(cr0 && cr0.variablesReference > 0);
      const cr0Fields = await variablesOf(dc, cr0.variablesReference);
      assert.equal(cr0Fields.find((f) => f.name === 'SMMUEN')?.value, '1 (ENABLED)');
      assert.match(cr0Fields.find((f) => f.name === 'CMDQEN')?.value ?? '', /^1\b/);

      // The queues and the Stream table the script built, and no finding.
      const cmdq = await scopeVariables(dc, 'Command queue');
      assert.match(
        cmdq.find((v) => v.name === 'pending')?.value ?? '',
        /^0 pending commands between CONS 0x2 and PROD 0x2/,
      );
      const streams = await scopeVariables(dc, 'Stream table');
      assert.match(streams[0]?.value ?? '', /^linear at 0x44000000, 256 StreamIDs: 1 valid STE$/);
      assert.deepEqual(
        streams.slice(1).map((s) => s.name),
        ['STE 8'],
      );
      const ste = await variablesOf(dc, streams[1]!.variablesReference);
      assert.equal(ste.find((f) => f.name === 'Config')?.value, '5 (S1_TRANS)');
      assert.ok(ste.some((f) => f.name === 'CD SSID 0'));
      assert.ok(ste.some((f) => f.name === 'SSID 0 stage 1 TTB0'));
      const findings = await scopeVariables(dc, 'Findings');
      assert.deepEqual(
        findings.map((f) => f.value),
        ['no rule is broken'],
      );

      // readMemory at SMMU_CR0's SVD address (page 0 + 0x20) and at STRTAB_BASE's LO/HI (0x80, 0x84);
      // guest RAM: the STE of StreamID 8, V set.
      const cr0Read = await dc.customRequest('readMemory', { memoryReference: '0x9050020', count: 4 });
      assert.equal(cr0Read.body.address, '0x9050020');
      assert.equal(le32(cr0Read.body.data), 0x0d);
      const strtab = await dc.customRequest('readMemory', { memoryReference: '0x9050080', count: 8 });
      assert.equal(Buffer.from(strtab.body.data, 'base64').readBigUInt64LE(0), 0x4000000044000000n);
      const steRead = await dc.customRequest('readMemory', { memoryReference: '0x44000200', count: 4 });
      assert.equal(le32(steRead.body.data) & 1, 1);
      // The Secure PA space (a `… secure` reference, §3.10) is not read as the Non-secure one: the stub cannot reach it.
      await assert.rejects(
        dc.customRequest('readMemory', { memoryReference: '0x44000200 secure', count: 4 }),
        /reads only the Non-secure PA space/,
      );
      await assert.rejects(
        dc.customRequest('writeMemory', { memoryReference: '0x9050020', data: 'AAAAAA==' }),
        /an attach session never writes to the guest/,
      );

      // Refresh reads it again: the same values, and the variables are invalidated.
      const invalidated = dc.waitForEvent('invalidated', 30_000);
      const refreshed = await dc.customRequest('smmu/refresh');
      await invalidated;
      assert.equal(refreshed.body.registers, state.registers.length);
      const again = (await dc.customRequest('smmu/registers')).body as SessionRegistersResult;
      assert.deepEqual(again.registers, state.registers);

      // Disconnect (DebugClient.stop sends it and waits for its answer, which the adapter gives
      // once the connection is closed): the guest was running, so it runs again, and the stub
      // takes a new client.
      disconnected = true;
      await dc.stop();
      const r = await smmuAsync(30_000, 'inspect', '--gdb', `127.0.0.1:${guest.port}`, '--json');
      assert.equal(r.code, 0, r.err + r.out);
      assert.equal((JSON.parse(r.out) as { target: string }).target, 'stopped-by-us');
    } finally {
      if (!disconnected) await dc.stop();
      guest.stop();
    }
  },
);

test('attach to a stub that another client holds says so, within the timeout', { timeout: 120_000 }, async () => {
  requireQemu();
  const guest = await bootLiveGuest('test/fixtures/inspect/live.smmu');
  const dc = await startClient();
  const other = net.connect({ host: '127.0.0.1', port: guest.port });
  try {
    await new Promise((resolve) => other.once('connect', resolve));
    await assert.rejects(
      dc.attachRequest({ gdb: `127.0.0.1:${guest.port}`, timeout: 2 } as DebugProtocol.AttachRequestArguments),
      /^Error: attach: .*QEMU's gdbstub serves one client at a time: is a debugger attached to it\?/,
    );
  } finally {
    other.destroy();
    await dc.stop();
    guest.stop();
  }
});

test('attach errors are error responses: a refused port, a bad "gdb", a bad "smmuBase"', async () => {
  const port = await freePort();
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { gdb: `127.0.0.1:${port}` },
      new RegExp(`^Error: attach: the gdbstub at 127\\.0\\.0\\.1:${port}: connection refused \\(is QEMU running`),
    ],
    [{}, /^Error: attach: "gdb" must give QEMU's gdbstub as "HOST:PORT"/],
    [{ gdb: 'localhost:99999' }, /^Error: attach: "gdb" localhost:99999: the port must be 1 to 65535$/],
    [{ gdb: `127.0.0.1:${port}`, smmuBase: 'SMMU' }, /^Error: attach: "smmuBase" "SMMU" is not an address/],
  ];
  for (const [args, want] of cases) {
    const dc = await startClient();
    try {
      await assert.rejects(dc.attachRequest(args as DebugProtocol.AttachRequestArguments), want);
      // The adapter is still there and answers.
      assert.equal((await dc.threadsRequest()).body.threads.length, 1);
    } finally {
      await dc.stop();
    }
  }
});
