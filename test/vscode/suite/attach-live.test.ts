/**
 * The `smmu` debugger's attach in a real VS Code, to a real QEMU 7.2 (scripts/setup-qemu.sh): the
 * extension starts an `attach` through QEMU's monitor (QMP) to a guest that programmed its SMMU
 * (test/fixtures/inspect/live.smmu), and the Registers view shows the live values, equal to what
 * QEMU's trace says the guest wrote; a GDB protocol client then takes the gdbstub, QEMU stops the
 * guest, and the view reads again (docs/inspect.md "In VS Code").
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { bootLiveGuest, lastAccesses, RawGdb, type LiveGuest } from '../../harness/live-guest';
import { EXTENSION_ID, StopRecorder } from './helpers';

type Snap = {
  place: string;
  label: string;
  registers: { name: string; offset: number; width: number; value: string }[];
};

suite('Attach to a live QEMU', () => {
  const recorder = new StopRecorder();
  let guest: LiveGuest | undefined;
  let gdb: RawGdb | undefined;

  suiteSetup(() => recorder.start());
  suiteTeardown(async () => {
    recorder.dispose();
    await vscode.debug.stopDebugging();
    gdb?.destroy();
    guest?.stop();
  });

  test('an attach through QMP: the Registers view shows the live SMMU as QEMU traced it, and reads again when the guest stops', async function () {
    this.timeout(120_000);
    const ext = vscode.extensions.getExtension<{ registers: { snapshot?: Snap; refresh(): Promise<void> } }>(
      EXTENSION_ID,
    );
    assert.ok(ext);
    const api = await ext.activate();
    guest = await bootLiveGuest('test/fixtures/inspect/live.smmu', 60_000, { qmp: true });
    const trace = guest.trace();
    const qmp = `127.0.0.1:${guest.qmpPort}`;
    const until = async <T>(what: string, f: () => Promise<T | undefined>): Promise<T> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const v = await f();
        if (v !== undefined) return v;
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${what}; the view says ${JSON.stringify(api.registers.snapshot?.label)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const valueOf = (name: string) => api.registers.snapshot?.registers.find((r) => r.name === name)?.value;

    const started = await vscode.debug.startDebugging(undefined, {
      type: 'smmu',
      request: 'attach',
      name: 'SMMU: live QEMU',
      qmp,
    });
    assert.ok(started, 'the attach did not start');
    await recorder.nth(1);
    await until('the view to show the live SMMU', async () => {
      await api.registers.refresh();
      return api.registers.snapshot?.label === `Live SMMU through ${qmp}` && valueOf('CR0') === '0x0000000D'
        ? true
        : undefined;
    });
    // Every register the guest accessed last with its own width shows what QEMU's trace says.
    const last = lastAccesses(trace);
    let compared = 0;
    for (const reg of api.registers.snapshot?.registers ?? []) {
      const a = last.get(reg.offset & 0xffff);
      if (!a || a.size * 8 !== reg.width || a.value === undefined) continue;
      assert.equal(BigInt(reg.value), a.value, `SMMU_${reg.name}: trace line ${a.line + 1}`);
      compared++;
    }
    assert.ok(compared >= 15, `only ${compared} registers compared`);
    assert.equal(valueOf('STRTAB_BASE'), '0x4000000044000000');

    // A debugger takes the gdbstub: QEMU stops the guest, the session reads again and stops, and
    // the view asks again (a new place for its change marks).
    const place = api.registers.snapshot?.place;
    gdb = await RawGdb.connect(guest.port);
    await gdb.query();
    const stop = await recorder.nth(2);
    assert.equal(stop.reason, 'pause');
    await until('the view to read the stopped guest', async () => {
      await api.registers.refresh();
      return api.registers.snapshot?.place !== place && valueOf('CR0') === '0x0000000D' ? true : undefined;
    });

    await vscode.debug.stopDebugging();
    await until('the view to leave the ended session', async () => {
      await api.registers.refresh();
      return api.registers.snapshot?.label.startsWith('Live SMMU') ? undefined : true;
    });
  });
});
