/**
 * Evidence from a real emulation: QEMU 7.2's smmuv3 traced while Linux 6.1 probes and resets it
 * (test/fixtures/qemu/README.md says how the logs were made). The model must replay them with no
 * violation; what remains is explained in docs/trace-replay.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { checkTrace } from '../../core/trace/check';
import { PRESETS } from '../../core/config/presets';
import { replayTrace } from '../../core/trace/replay';
import { parseQemuTrace } from '../../core/trace/parse-qemu';
import { smmu } from '../harness/cli-harness';
import { root } from '../harness/root';

const dir = path.join(root, 'test/fixtures/qemu');
const host = {
  readFile: (p: string) => fs.readFileSync(p, 'utf8'),
  resolvePath: (f: string, r: string) => path.resolve(path.dirname(f), r),
};

for (const name of ['linux-6.1-boot.qemu-7.2.log', 'linux-6.1-boot-timestamps.qemu-7.2.log']) {
  test(`QEMU 7.2 + Linux 6.1 boot (${name}) replays with no violation`, () => {
    const file = path.join(dir, name);
    const r = checkTrace(fs.readFileSync(file, 'utf8'), file, host);
    assert.equal(r.parsed.format, 'qemu');
    assert.equal(r.summary.errors, 0, JSON.stringify(r.diagnostics, null, 1));
    assert.equal(r.summary.reads, 14);
    assert.equal(r.summary.writes, 20);
    // The one warning is about QEMU's IIDR (0: no implementer), not a deviation (docs/trace-replay.md).
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.code),
      ['trace.config'],
    );
    assert.match(r.diagnostics.find((d) => d.severity === 'warning')?.message ?? '', /IIDR\.Implementer is 0/);
    // What Linux 6.1 does that the architecture notes: CR2.PTM without IDR0.BTM.
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'info').map((d) => d.code),
      ['write.unadvertised'],
    );
    // QEMU 7.2's IDR0 (no VMID16) and AIDR unread: the lowest consistent version, SMMUv3.1.
    assert.equal(r.config.ids.IDR0, 0x0d40101a);
    assert.equal(r.config.ids.AIDR, 1);
    // The event queue registers Linux programs at page 1 are restored from QEMU's page-0 offsets.
    assert.ok([...r.lines.values()].some((l) => l.register?.name === 'EVENTQ_PROD' && l.record.offset === 0x100a8));
    // Commands QEMU executed are all known to the command table.
    assert.equal(r.parsed.records.filter((x) => x.kind === 'command').length, 4);
  });
}

test("against qemu-11.1 (and the qemu alias: a newer QEMU's IDR0, with VMID16) the ID difference is the only error", () => {
  const file = path.join(dir, 'linux-6.1-boot.qemu-7.2.log');
  for (const name of ['qemu-11.1', 'qemu']) {
    const config = PRESETS.get(name)?.config;
    const r = replayTrace(parseQemuTrace(fs.readFileSync(file, 'utf8')), { config });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(
      errors.map((d) => d.code),
      ['replay.id'],
      name,
    );
    assert.match(errors[0]?.message ?? '', /VMID16 = 0 .*VMID16 = 1/);
  }
});

// The preset named for the QEMU that made the logs: `smmu replay LOG --config presets/qemu-7.2.smmu.json`.
for (const name of ['linux-6.1-boot.qemu-7.2.log', 'linux-6.1-boot-timestamps.qemu-7.2.log']) {
  test(`smmu replay ${name} --config presets/qemu-7.2.smmu.json: clean (no error, no warning), exit 0`, () => {
    const r = smmu('replay', `test/fixtures/qemu/${name}`, '--config', 'presets/qemu-7.2.smmu.json');
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^configuration: .*presets\/qemu-7\.2\.smmu\.json$/m);
    assert.match(r.out, /^38 records \(14 reads, 20 writes\): 0 errors, 0 warnings, 1 note$/m);
    // The note is Linux's doing (CR2.PTM without IDR0.BTM), not QEMU's.
    assert.match(r.out, /: note: guest access: SMMU_CR2\.PTM .*\[write\.unadvertised\]$/m);
  });
}

test('the register probe against qemu-7.2: every ID register it reads matches the preset, and only the explained deviations remain', () => {
  const r = smmu(
    'replay',
    'test/fixtures/qemu/register-probe.qemu-7.2.log',
    '--config',
    'presets/qemu-7.2.smmu.json',
    '--json',
  );
  const out = JSON.parse(r.out) as { diagnostics: { severity: string; code: string; line: number }[] };
  const codes = out.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.code);
  assert.ok(!codes.includes('replay.id') && !codes.includes('trace.config'), codes.join(' '));
  // The same deviations as without a configuration (the test below), and GBPA's reset read (line
  // 40) matches the preset's 0 exactly, so it is not even a note.
  assert.deepEqual([...new Set(codes)].sort(), [
    'replay.ack-unadvertised',
    'replay.guarded',
    'replay.res0-bits',
    'replay.unadvertised-field',
    'replay.value',
  ]);
  assert.ok(!out.diagnostics.some((d) => d.code === 'replay.unknown-reset'));
});

test('the bare-metal register probe: exactly the QEMU 7.2 deviations docs/trace-replay.md explains', () => {
  const file = path.join(dir, 'register-probe.qemu-7.2.log');
  const r = checkTrace(fs.readFileSync(file, 'utf8'), file, host);
  const found = r.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.line + 1} ${d.code}`);
  assert.deepEqual(found, [
    '7 trace.config', // IIDR 0
    '11 replay.res0-bits', // CR0 reads back RES0 bits: s->cr[0] = data
    '11 replay.unadvertised-field',
    '11 replay.unadvertised-field',
    '11 replay.unadvertised-field',
    '11 replay.unadvertised-field',
    '12 replay.res0-bits', // CR0ACK = data & ~SMMU_CR0_RESERVED (0xFFFFFC20): bit 9 and unadvertised fields
    '12 replay.ack-unadvertised',
    '12 replay.ack-unadvertised',
    '12 replay.ack-unadvertised',
    '16 replay.res0-bits', // IRQ_CTRLACK reads s->irq_ctrl as written
    '16 replay.ack-unadvertised',
    '26 replay.guarded', // CMDQ_BASE taken while CMDQEN: CONSTRAINED UNPREDICTABLE in v3.1 (warning)
    '42 replay.value', // GBPA not implemented in 7.2: a write with Update is ignored
    '50 replay.res0-bits', // CR1 as written
    '52 replay.res0-bits', // CR2 as written
    '52 replay.unadvertised-field',
    '52 replay.unadvertised-field',
    '52 replay.unadvertised-field',
  ]);
  assert.equal(r.diagnostics.find((d) => d.line === 25)?.severity, 'warning');
  // GBPA's reset value is IMPLEMENTATION DEFINED: QEMU 7.2's 0 is taken, not reported.
  assert.equal(r.diagnostics.find((d) => d.line === 39)?.code, 'replay.unknown-reset');
});
