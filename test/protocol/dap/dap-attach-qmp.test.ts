/**
 * The debug adapter's `attach` through QEMU's monitor (QMP) on a real QEMU 7.2, beside a debugger
 * that holds the gdbstub: a GDB remote protocol client of the test's own (test/harness/live-guest.ts
 * RawGdb) stops and continues the guest, and at each stop the session reads the SMMU again (the
 * QMP STOP event), through QEMU's memory API: QEMU's own trace shows the reads, and what the
 * session shows equals what the trace says the guest wrote. Nothing here stands in for QEMU.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { SessionRegistersResult } from '../../../server/lsp/lsp-ext';
import { attachOn, startClient } from '../../harness/dap-harness';
import { bootLiveGuest, lastAccesses, RawGdb } from '../../harness/live-guest';

function requireQemu(): void {
  const r = spawnSync('qemu-system-aarch64', ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, 'qemu-system-aarch64 is not installed: run scripts/setup-qemu.sh');
}

/** QEMU's `smmuv3_read_mmio` trace lines: each read of a register, the session's included. */
const mmioReads = (trace: string) => trace.split('\n').filter((l) => /smmuv3_read_mmio\b/.test(l));
const mmioWrites = (trace: string) => trace.split('\n').filter((l) => /smmuv3_write_mmio\b/.test(l));

test(
  'attach through QMP while a GDB client holds the gdbstub: read again at each stop, values as QEMU traced them, nothing written',
  { timeout: 180_000 },
  async () => {
    requireQemu();
    const guest = await bootLiveGuest('test/fixtures/inspect/live.smmu', 30_000, { qmp: true });
    const dc = await startClient();
    let gdb: RawGdb | undefined;
    try {
      const before = guest.trace();
      const writesBefore = mmioWrites(before).length;
      const entry = await attachOn(dc, { qmp: `127.0.0.1:${guest.qmpPort}` });
      assert.equal(entry.body.reason, 'entry');
      const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      assert.deepEqual(
        frames.map((f) => f.name),
        [`SMMU at 0x9050000 (QEMU's monitor (QMP) at 127.0.0.1:${guest.qmpPort})`],
      );

      // What the session read equals the guest's last access of each register in QEMU's trace.
      const compare = (state: SessionRegistersResult) => {
        let compared = 0;
        for (const reg of state.registers) {
          const a = lastAccesses(before).get(reg.offset & 0xffff);
          if (!a || a.size * 8 !== reg.width || a.value === undefined) continue;
          assert.equal(BigInt(reg.value), a.value, `SMMU_${reg.name}: trace line ${a.line + 1}`);
          compared++;
        }
        assert.ok(compared >= 15, `only ${compared} registers compared`);
      };
      const first = (await dc.customRequest('smmu/registers')).body as SessionRegistersResult;
      compare(first);
      assert.equal(first.registers.find((r) => r.name === 'CR0')?.value, '0x0000000D');

      // The reads went through the SMMU's MMIO read handler, 32 bits each (QEMU's trace shows them).
      const readsAtAttach = mmioReads(guest.trace()).slice(mmioReads(before).length);
      assert.ok(readsAtAttach.length >= first.registers.length, `${readsAtAttach.length} MMIO reads traced at attach`);
      for (const line of readsAtAttach) assert.match(line, /size: 0x4\(0\)$/, line);

      // A debugger connects to the gdbstub: QEMU stops the guest for it (a STOP event), and the
      // session reads the SMMU again and stops, with the variables invalidated.
      let stopsSeen = 0;
      const nextStop = async () => {
        const traced = mmioReads(guest.trace()).length;
        const stopped = dc.waitForEvent('stopped', 30_000) as Promise<DebugProtocol.StoppedEvent>;
        const invalidated = dc.waitForEvent('invalidated', 30_000);
        return async () => {
          const s = await stopped;
          await invalidated;
          assert.equal(s.body.reason, 'pause');
          assert.match(s.body.description ?? '', /the guest stopped: the SMMU was read again/);
          // Read again, for real: more MMIO reads in QEMU's trace.
          assert.ok(mmioReads(guest.trace()).length - traced >= first.registers.length);
          const again = (await dc.customRequest('smmu/registers')).body as SessionRegistersResult;
          compare(again);
          assert.deepEqual(again.registers, first.registers);
          stopsSeen++;
        };
      };
      let seen = await nextStop();
      gdb = await RawGdb.connect(guest.port);
      assert.match(await gdb.query(), /^[ST]/);
      await seen();

      // The debugger continues and interrupts the guest, twice: each stop is one more reading.
      for (let k = 0; k < 2; k++) {
        gdb.cont();
        await new Promise((r) => setTimeout(r, 300));
        seen = await nextStop();
        assert.match(await gdb.interrupt(), /^[ST]/);
        await seen();
      }
      assert.equal(stopsSeen, 3);

      // The session wrote nothing: no MMIO write after the guest's own.
      assert.equal(mmioWrites(guest.trace()).length, writesBefore);

      // The debugger detaches (the guest runs on); the session still answers, through QMP.
      await gdb.detach();
      gdb = undefined;
      const refreshed = await dc.customRequest('smmu/refresh');
      assert.equal(refreshed.body.registers, first.registers.length);
    } finally {
      gdb?.destroy();
      await dc.stop();
      guest.stop();
    }
  },
);
