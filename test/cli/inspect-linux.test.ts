/**
 * `smmu inspect` and `smmu replay` on a real Linux guest (docs/inspect.md "A Linux guest"):
 * Debian's arm64 kernel, whose built-in arm-smmu-v3 driver programs QEMU 7.2's SMMUv3, with a
 * virtio-net PCI function (StreamID 8) whose driver maps its rings through the SMMU. What inspect
 * reads is compared with what QEMU's trace says the guest wrote and what QEMU itself fetched when
 * it translated the device's DMA (smmuv3_get_ste, smmuv3_get_cd, smmuv3_decode_cd_tt,
 * smmuv3_translate_success). The kernel comes from Debian's archive (scripts/setup-linux-guest.mjs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseQemuTrace } from '../../core/trace/parse-qemu';
import { smmuAsync } from '../harness/cli-harness';
import { bootLinuxGuest, VIRTIO_NET_SID } from '../harness/linux-guest';
import { lastAccesses } from '../harness/live-guest';

interface Decoded {
  fields: { name: string; value: string; meaning?: string }[];
  problems: string[];
}
interface Json {
  target: string;
  registers: { name: string; offset: number; width: number; value?: string }[];
  queues: { queue: string; prod: number; cons: number; waiting: number }[];
  streamTable: { address: string; twoLevel: boolean; log2: number; split: number } | null;
  stes: { sid: number; address: string; decoded: Decoded }[];
  cds: { sid: number; ssid: number; address: string; decoded: Decoded }[];
  tables: { owner: string; ttb: string; runs: { ia: string; oa: string; size: string; perms: string }[] }[];
  findings: { severity: string; code: string; message: string }[];
}

const field = (d: Decoded, name: string) => {
  const f = d.fields.find((x) => x.name === name);
  return f && (f.meaning ?? BigInt(f.value));
};

/** The value of QEMU 7.2's trace event `name` (`hw/arm/trace-events`), the last time it was traced. */
function lastTraced(trace: string, re: RegExp): RegExpExecArray {
  const all = [...trace.matchAll(new RegExp(re.source, 'gm'))];
  assert.ok(all.length > 0, `QEMU traced no ${re.source}`);
  return all.at(-1) as RegExpExecArray;
}

test(
  'a Linux guest: inspect reads the SMMU as arm-smmu-v3 programmed it and as QEMU used it; replay of its trace',
  { timeout: 600_000 },
  async () => {
    const r0 = spawnSync('qemu-system-aarch64', ['--version'], { encoding: 'utf8' });
    assert.equal(r0.status, 0, 'qemu-system-aarch64 is not installed: run scripts/setup-qemu.sh');
    const guest = await bootLinuxGuest();
    try {
      assert.match(guest.uart(), /arm-smmu-v3 9050000\.smmuv3: ias \d+-bit, oas \d+-bit/);
      assert.match(guest.uart(), /virtio-pci 0000:00:01\.0: Adding to iommu group/);
      // QEMU's log is line-buffered: the guest's accesses so far are in it. What inspect reads
      // itself comes after, so this is the guest's part alone.
      const before = guest.trace();
      const r = await smmuAsync(60_000, 'inspect', '--gdb', `127.0.0.1:${guest.port}`, '--json');
      assert.equal(r.code, 0, r.err + r.out);
      const j = JSON.parse(r.out) as Json;
      assert.equal(j.target, 'stopped-by-us');

      // No finding is an error or a warning: no ILLEGAL STE or CD, nothing pending, no GERROR.
      assert.deepEqual(
        j.findings.filter((f) => f.severity !== 'info'),
        [],
      );

      // Every register the driver accessed last with an access of the register's width reads back
      // as that access: the value it wrote, or the value QEMU returned to it.
      const last = lastAccesses(before);
      const compared: string[] = [];
      for (const reg of j.registers) {
        const a = last.get(reg.offset & 0xffff);
        if (!a || a.size * 8 !== reg.width || a.value === undefined) continue;
        assert.equal(BigInt(reg.value as string), a.value, `SMMU_${reg.name}: trace line ${a.line + 1}`);
        compared.push(reg.name);
      }
      for (const name of [
        'CR0',
        'CR1',
        'CR2',
        'STRTAB_BASE',
        'STRTAB_BASE_CFG',
        'CMDQ_BASE',
        'EVENTQ_BASE',
        'IRQ_CTRL',
      ])
        assert.ok(compared.includes(name), `SMMU_${name} was not compared (${compared.join(' ')})`);
      const value = (n: string) => BigInt(j.registers.find((x) => x.name === n)?.value ?? -1);
      assert.equal(value('CR0') & 1n, 1n, 'SMMUEN');
      assert.equal(value('CR0ACK') & 1n, 1n, 'CR0ACK.SMMUEN');

      // The queues: everything the driver issued was consumed, no event waits.
      const queue = (q: string) => j.queues.find((x) => x.queue === q);
      assert.equal(queue('CMDQ')?.waiting, 0);
      assert.equal(queue('CMDQ')?.prod, Number(value('CMDQ_PROD')));
      assert.equal(queue('EVENTQ')?.waiting, 0);

      // The stream table as QEMU found it: Linux uses the 2-level format QEMU advertises, and the
      // STE of the virtio-net function is at the address QEMU fetched it from.
      const st = j.streamTable;
      assert.ok(st);
      const ste2 = lastTraced(before, /smmuv3_find_ste_2lvl strtab_base:0x([0-9a-f]+) l1ptr:0x([0-9a-f]+)/);
      assert.deepEqual([st.twoLevel, BigInt(st.address)], [true, BigInt(`0x${ste2[2]}`)]);
      assert.equal(BigInt(`0x${ste2[1]}`), value('STRTAB_BASE'));
      const ste = j.stes.find((s) => s.sid === VIRTIO_NET_SID);
      assert.ok(ste, `no valid STE for StreamID ${VIRTIO_NET_SID}`);
      assert.equal(BigInt(ste.address), BigInt(`0x${lastTraced(before, /smmuv3_get_ste STE addr: 0x([0-9a-f]+)/)[1]}`));
      // arm_smmu_write_strtab_ent for a stage 1 domain: S1_TRANS, one linear CD, S1DSS SSID0.
      assert.deepEqual(
        ['Config', 'S1Fmt', 'S1CDMax', 'S1DSS'].map((n) => field(ste.decoded, n)),
        ['S1_TRANS', 'LINEAR', 0n, 'SUBSTREAM0'],
      );
      assert.deepEqual(ste.decoded.problems, []);
      // The other StreamIDs of the level 2 array: Linux's abort STEs (disable_bypass).
      for (const s of j.stes.filter((x) => x.sid !== VIRTIO_NET_SID))
        assert.deepEqual([s.sid, field(s.decoded, 'Config'), s.decoded.problems], [s.sid, 'ABORT', []]);

      // The CD: where QEMU read it, with the translation table QEMU decoded from it.
      const cds = j.cds.filter((c) => c.sid === VIRTIO_NET_SID);
      assert.equal(cds.length, 1);
      const cd = cds[0]!;
      assert.equal(BigInt(cd.address), BigInt(`0x${lastTraced(before, /smmuv3_get_cd CD addr: 0x([0-9a-f]+)/)[1]}`));
      assert.equal(BigInt(cd.address), field(ste.decoded, 'S1ContextPtr'));
      const tt = lastTraced(before, /smmuv3_decode_cd_tt TT\[0\]:tsz:(\d+) ttb:0x([0-9a-f]+) granule_sz:(\d+)/);
      assert.deepEqual(
        ['T0SZ', 'TTB0', 'TG0'].map((n) => field(cd.decoded, n)),
        [BigInt(tt[1]!), BigInt(`0x${tt[2]}`), tt[3] === '12' ? 'GRAN4K' : `granule_sz ${tt[3]}`],
      );
      // arm_smmu_write_ctx_desc: a valid AArch64 CD with TTB1 disabled, R, A and ASET set, an ASID.
      assert.deepEqual(
        ['V', 'AA64', 'EPD0', 'EPD1', 'R', 'A', 'ASET'].map((n) => field(cd.decoded, n)),
        [1n, 1n, 0n, 1n, 1n, 1n, 1n],
      );
      assert.notEqual(field(cd.decoded, 'ASID'), 0n);
      assert.deepEqual(cd.decoded.problems, []);

      // The page table: every IOVA QEMU translated for the device and that is still mapped reads
      // to the same output address in inspect's walk; the rings (mapped once at probe) are.
      const table = j.tables.find((t) => t.owner === `StreamID ${VIRTIO_NET_SID} SSID 0 stage 1 TTB0`);
      assert.ok(table && table.runs.length > 0, JSON.stringify(j.tables));
      assert.equal(BigInt(table.ttb), BigInt(`0x${tt[2]}`));
      const translations = parseQemuTrace(before).records.flatMap((x) =>
        x.kind === 'translation' && x.outcome === 'translated' && x.sid === VIRTIO_NET_SID ? [x] : [],
      );
      assert.ok(translations.length > 0, 'QEMU translated nothing for the device');
      let agree = 0;
      for (const t of translations) {
        const run: { ia: string; oa: string; size: string } | undefined = table.runs.find(
          (x) => t.iova >= BigInt(x.ia) && t.iova < BigInt(x.ia) + BigInt(x.size),
        );
        if (!run) continue;
        assert.equal(BigInt(run.oa) + (t.iova - BigInt(run.ia)), t.pa, `IOVA 0x${t.iova.toString(16)}`);
        agree++;
      }
      assert.ok(agree > 0, 'none of the IOVAs QEMU translated is mapped now');

      // The text prints a run of identical STEs once: Linux's 255 abort STEs are two runs around
      // the device's, not 255 decoded STEs.
      const text = await smmuAsync(60_000, 'inspect', '--gdb', `127.0.0.1:${guest.port}`);
      assert.equal(text.code, 0, text.err);
      const steLines = text.out.split('\n').filter((l) => /^ {2}STE /.test(l));
      assert.deepEqual(
        steLines.map((l) => l.replace(/ at 0x[0-9A-F]+(\.\.0x[0-9A-F]+)?:/, ':').replace(/CD at 0x[0-9A-F]+/, 'CD')),
        [
          '  STE 0..7: abort (no event), 8 identical STEs',
          '  STE 8: stage 1 translate, CD, 1 CD',
          '  STE 9..255: abort (no event), 247 identical STEs',
        ],
      );

      // The replay of the guest's own trace: the model agrees with QEMU on every register access
      // (no error); the translations cannot be checked from a log without guest memory, and the
      // replay says so instead of claiming them.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-linux-replay-'));
      try {
        const log = path.join(dir, 'linux.qemu-smmuv3.log');
        fs.writeFileSync(log, before);
        const rp = await smmuAsync(60_000, 'replay', log, '--json');
        assert.equal(rp.code, 0, rp.out + rp.err);
        const replay = JSON.parse(rp.out) as { diagnostics: { severity: string; code: string }[] };
        assert.deepEqual(
          replay.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
          [],
        );
        assert.ok(replay.diagnostics.some((d) => d.code === 'replay.translation-unchecked'));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      guest.stop();
    }
  },
);
