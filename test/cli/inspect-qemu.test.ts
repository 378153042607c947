/**
 * `smmu inspect` on a real QEMU 7.2 (scripts/setup-qemu.sh installs it): a guest program built
 * from a script programs the SMMU and stays alive; inspect reads it through QEMU's gdbstub. What
 * it reads is compared with what QEMU's own trace (-trace smmuv3_*) says the guest wrote and
 * read, and with what the script wrote in memory. Nothing here stands in for QEMU.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { test } from 'node:test';
import { smmuAsync } from '../harness/cli-harness';
import { bootLiveGuest, lastAccesses, RawGdb } from '../harness/live-guest';

function requireQemu(): void {
  const r = spawnSync('qemu-system-aarch64', ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, 'qemu-system-aarch64 is not installed: run scripts/setup-qemu.sh');
}

interface Json {
  gdbstub: string;
  target: string;
  ram: { start: string; end: string }[] | null;
  registers: { name: string; offset: number; width: number; value?: string; fields?: Record<string, unknown> }[];
  queues: {
    queue: string;
    prod: number;
    cons: number;
    waiting: number;
    entries: { index: number; text: string; problems: string[] }[];
  }[];
  streamTable: { address: string; twoLevel: boolean; log2: number } | null;
  stes: {
    sid: number;
    address: string;
    decoded: { fields: { name: string; value: string; meaning?: string }[]; problems: string[] };
  }[];
  cds: {
    sid: number;
    ssid: number;
    address: string;
    decoded: { fields: { name: string; value: string }[]; problems: string[] };
  }[];
  tables: { owner: string; runs: { ia: string; oa: string; size: string; perms: string }[] }[];
  findings: { severity: string; code: string; message: string }[];
}

const field = (d: { fields: { name: string; value: string }[] }, name: string) =>
  d.fields.find((f) => f.name === name)?.value;

test(
  'inspect reads what the guest wrote: registers as QEMU traced them, the STE, CD and page tables the script built',
  { timeout: 90_000 },
  async () => {
    requireQemu();
    const guest = await bootLiveGuest('test/fixtures/inspect/live.smmu');
    try {
      // QEMU's log is line-buffered: all the guest's accesses are there once its report is.
      const before = guest.trace();
      const r = await smmuAsync(30_000, 'inspect', '--gdb', `127.0.0.1:${guest.port}`, '--json');
      assert.equal(r.code, 0, r.err + r.out);
      const j = JSON.parse(r.out) as Json;
      assert.equal(j.target, 'stopped-by-us');
      assert.deepEqual(j.ram, [{ start: '0x0000000040000000', end: '0x0000000080000000' }]);

      // Every register the guest accessed last with an access of the register's own width reads
      // back as that access: the value it wrote, or the value QEMU returned to it.
      const last = lastAccesses(before);
      let compared = 0;
      for (const reg of j.registers) {
        const a = last.get(reg.offset & 0xffff);
        if (!a || a.size * 8 !== reg.width || a.value === undefined) continue;
        assert.equal(BigInt(reg.value as string), a.value, `SMMU_${reg.name}: trace line ${a.line + 1}`);
        compared++;
      }
      // IDR0, IDR1, IDR5, CR0, CR0ACK, CR1, STRTAB_BASE(_CFG), CMDQ_BASE/PROD/CONS, EVENTQ_BASE/PROD/CONS,
      // IRQ_CTRL(ACK), GERROR: the ones the script touched.
      assert.ok(compared >= 15, `only ${compared} registers compared`);
      const value = (n: string) => j.registers.find((x) => x.name === n)?.value;
      assert.equal(value('CR0'), '0x0000000D');
      assert.equal(value('STRTAB_BASE'), '0x4000000044000000');

      const cmdq = j.queues.find((q) => q.queue === 'CMDQ');
      assert.deepEqual([cmdq?.prod, cmdq?.cons, cmdq?.waiting], [2, 2, 0]);
      assert.deepEqual(j.streamTable && [j.streamTable.address, j.streamTable.twoLevel, j.streamTable.log2], [
        '0x0000000044000000',
        false,
        8,
      ]);
      assert.deepEqual(
        j.stes.map((s) => s.sid),
        [8],
      );
      const ste = j.stes[0]!.decoded;
      assert.equal(ste.fields.find((f) => f.name === 'Config')?.meaning, 'S1_TRANS');
      assert.equal(field(ste, 'S1ContextPtr'), '0x0000000044300000');
      assert.deepEqual(ste.problems, []);
      assert.equal(j.cds.length, 1);
      const cd = j.cds[0]!.decoded;
      assert.deepEqual(
        ['ASID', 'TTB0', 'T0SZ', 'EPD1', 'IPS'].map((n) => field(cd, n)),
        ['0x0000000000000001', '0x0000000044400000', '0x0000000000000010', '0x0000000000000001', '0x0000000000000004'],
      );
      assert.deepEqual(
        j.tables.map((t) => [t.owner, t.runs]),
        [
          [
            'StreamID 8 SSID 0 stage 1 TTB0',
            [
              {
                ia: '0x0000000010000000',
                oa: '0x000000004A000000',
                size: '0x0000000000002000',
                perms: 'rwx (privileged rw-)',
              },
            ],
          ],
        ],
      );
      assert.deepEqual(j.findings, []);

      // The guest was running and was continued: a second inspect finds it running again. With a
      // configuration of another SMMU, the ID registers that differ are notes; the live ones are used.
      const again = await smmuAsync(
        30_000,
        'inspect',
        '--gdb',
        `127.0.0.1:${guest.port}`,
        '--json',
        '--config',
        'presets/smmuv3.2-full.smmu.json',
      );
      assert.equal(again.code, 0, again.err);
      const j2 = JSON.parse(again.out) as Json;
      assert.equal(j2.target, 'stopped-by-us');
      assert.ok(
        j2.findings.some(
          (f) =>
            f.severity === 'info' &&
            f.code === 'inspect.ids' &&
            /^the live ID registers differ from the configuration \(IDR0: .*, S2P 1 → 0\)/.test(f.message),
        ),
        JSON.stringify(j2.findings),
      );
      assert.deepEqual(
        j2.stes.map((s) => s.sid),
        [8],
      );
    } finally {
      guest.stop();
    }
  },
);

test(
  'inspect finds what a faulty driver left: an ILLEGAL STE, CERROR_ILL with GERROR.CMDQ_ERR active, an index beyond its queue',
  { timeout: 90_000 },
  async () => {
    requireQemu();
    const guest = await bootLiveGuest('test/fixtures/inspect/faulty.smmu');
    try {
      const r = await smmuAsync(30_000, 'inspect', '--gdb', `127.0.0.1:${guest.port}`);
      assert.equal(r.code, 1, r.err + r.out);
      const lines = r.out.split('\n');
      const has = (re: RegExp) =>
        assert.ok(
          lines.some((l) => re.test(l)),
          `${re}:\n${r.out}`,
        );
      has(/^error: global error CMDQ_ERR is active .*\[inspect\.gerror\] \(§7\.5\)$/);
      has(/^error: the command queue stopped at CONS 0x0 with CERROR_ILL \[inspect\.cmdq-error\] \(§7\.1\)$/);
      has(
        /^error: the pending command at CMDQ entry 0 \(0x44100000\) would stop the queue with CERROR_ILL: .*0x7F.*\[inspect\.cerror-ill\]/,
      );
      has(
        /^error: STE 3 at 0x440000C0 is ILLEGAL \(C_BAD_STE\): Config = 0b110 enables stage 2 but SMMU_IDR0\.S2P is 0 \[inspect\.ste-illegal\] \(§5\.2\)$/,
      );
      has(/^error: SMMU_EVENTQ_CONS\.RD = 0x40 is beyond the queue: .*\[inspect\.queue-index\]/);
      // The two commands wait between CONS and PROD, decoded.
      has(/^CMDQ: 16 entries at 0x44100000, PROD 0x00000002, CONS 0x00000000: 2 pending$/);
      has(/^ {2}\[1\] 0x44100010 {2}CMD_SYNC/);
      assert.match(r.out, /^5 errors, 0 warnings, 0 notes; \d+ bytes of guest memory read$/m);

      // A guest that was stopped stays stopped: QEMU stops it for a client that connects (its stop
      // reply comes unasked) and leaves it stopped when that client goes without continuing it.
      const stopper = net.connect({ host: '127.0.0.1', port: guest.port });
      await new Promise((resolve) => stopper.once('data', resolve));
      stopper.destroy();
      for (let k = 0; k < 2; k++) {
        const r2 = await smmuAsync(30_000, 'inspect', '--gdb', `127.0.0.1:${guest.port}`, '--json');
        assert.equal(r2.code, 1, r2.err);
        assert.equal((JSON.parse(r2.out) as Json).target, 'was-stopped', `inspect ${k + 1}`);
      }

      // QEMU serves one gdbstub client at a time: with another one attached, inspect says so.
      const other = net.connect({ host: '127.0.0.1', port: guest.port });
      await new Promise((resolve) => other.once('connect', resolve));
      try {
        const busy = await smmuAsync(30_000, 'inspect', '--gdb', `127.0.0.1:${guest.port}`, '--timeout', '2');
        assert.equal(busy.code, 2, busy.err + busy.out);
        assert.match(
          busy.err,
          /did not answer Ctrl-C \(0x03\) within 2 s \(QEMU's gdbstub serves one client at a time: is a debugger attached to it\?\)/,
        );
      } finally {
        other.destroy();
      }
    } finally {
      guest.stop();
    }
  },
);

test(
  'inspect --qmp reads what inspect --gdb reads, while the guest runs and while a GDB client holds the gdbstub',
  { timeout: 120_000 },
  async () => {
    requireQemu();
    const guest = await bootLiveGuest('test/fixtures/inspect/live.smmu', 30_000, { qmp: true });
    let gdb: RawGdb | undefined;
    try {
      const viaGdb = await smmuAsync(30_000, 'inspect', '--gdb', `127.0.0.1:${guest.port}`, '--json');
      assert.equal(viaGdb.code, 0, viaGdb.err + viaGdb.out);
      const g = JSON.parse(viaGdb.out) as Json & { target: string };
      const same = (j: Json) => {
        assert.deepEqual(j.ram, g.ram);
        assert.deepEqual(j.registers, g.registers);
        assert.deepEqual(
          [j.queues, j.streamTable, j.stes, j.cds, j.tables],
          [g.queues, g.streamTable, g.stes, g.cds, g.tables],
        );
        assert.deepEqual(j.findings, []);
      };

      // The guest runs: QMP reads it without stopping it.
      const running = await smmuAsync(30_000, 'inspect', '--qmp', `127.0.0.1:${guest.qmpPort}`, '--json');
      assert.equal(running.code, 0, running.err + running.out);
      const r = JSON.parse(running.out) as Json & { target: string; qmp: string };
      assert.equal(r.qmp, `QEMU's monitor (QMP) at 127.0.0.1:${guest.qmpPort}`);
      assert.equal(r.target, 'running');
      same(r);

      // A debugger holds the gdbstub and has the guest stopped: QMP still reads, and leaves it stopped.
      gdb = await RawGdb.connect(guest.port);
      assert.match(await gdb.query(), /^[ST]/);
      const held = await smmuAsync(30_000, 'inspect', '--qmp', `127.0.0.1:${guest.qmpPort}`);
      assert.equal(held.code, 0, held.err + held.out);
      assert.match(
        held.out,
        /^QEMU's monitor \(QMP\) at 127\.0\.0\.1:\d+: the guest was stopped and was left stopped\n/,
      );
      assert.match(held.out, /^ {2}CR0 {16}0x0000000D {11}SMMUEN\|EVENTQEN\|CMDQEN$/m);
      const heldJson = await smmuAsync(30_000, 'inspect', '--qmp', `127.0.0.1:${guest.qmpPort}`, '--json');
      same(JSON.parse(heldJson.out) as Json);
      // The debugger's connection still works: it continues the guest and stops it again.
      gdb.cont();
      assert.match(await gdb.interrupt(), /^[ST]/);
    } finally {
      await gdb?.detach();
      guest.stop();
    }
  },
);
