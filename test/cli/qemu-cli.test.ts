/**
 * `smmu qemu` end to end on Debian's QEMU 7.2 (scripts/setup-qemu.sh installs it): the script
 * becomes a guest program, QEMU runs it, and what QEMU did is judged against the architecture at
 * the script's own lines. These tests boot the real QEMU; none of them stands in for it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { smmu, smmuWithin, tmp } from '../harness/cli-harness';

function requireQemu(): void {
  const r = spawnSync('qemu-system-aarch64', ['--version'], { encoding: 'utf8' });
  assert.equal(
    r.status,
    0,
    'qemu-system-aarch64 is not installed: run scripts/setup-qemu.sh (Debian: apt-get install qemu-system-arm)',
  );
}

/** `file:line: severity: … [code]` lines of the output, as [line, severity, code]. */
function findings(out: string): [number, string, string][] {
  return [...out.matchAll(/^[^:\n]+:(\d+):\d+: (error|warning|note): .*\[([\w.-]+)\]$/gm)].map((m) => [
    Number(m[1]),
    m[2] as string,
    m[3] as string,
  ]);
}

test(
  'the Xen review script on QEMU 7.2: CR0ACK and IRQ_CTRLACK acknowledge unadvertised bits, at the lines that read them',
  { timeout: 60_000 },
  () => {
    requireQemu();
    const r = smmu('qemu', 'examples/xen-vsmmu-review.smmu');
    assert.equal(r.code, 1, r.out + r.err);
    const f = findings(r.out);
    const text = fs.readFileSync('examples/xen-vsmmu-review.smmu', 'utf8').split('\n');
    const lineOf = (needle: string) => text.findIndex((l) => l.startsWith(needle)) + 1;
    const cr0ack = lineOf('read32 CR0ACK');
    const irqack = lineOf('read32 IRQ_CTRLACK');
    // QEMU 7.2 keeps CR0 & ~RES0-mask in CR0ACK: PRIQEN, ATSCHK and VMW without their features (§6.3.10).
    for (const line of [cr0ack, irqack])
      assert.ok(
        f.some(([l, s, c]) => l === line && s === 'error' && c === 'replay.ack-unadvertised'),
        `ack-unadvertised at line ${line}:\n${r.out}`,
      );
    assert.match(
      r.out,
      new RegExp(`:${cr0ack}:1: error: QEMU: SMMU_CR0ACK returned 0x000003DF but SMMU_IDR0 advertises no PRI`),
    );
    assert.match(r.out, new RegExp(`:${irqack}:1: error: QEMU: SMMU_IRQ_CTRLACK returned 0xFFFFFFFF`));
    // The 16-bit write aborted: an allowed choice, a warning naming the choices.
    assert.ok(
      f.some(([l, s, c]) => l === lineOf('write16 0x20') && s === 'warning' && c === 'replay.unpredictable'),
      r.out,
    );
    // The script is written for Xen's vSMMU: QEMU is judged against what it advertises, and the fields that differ are named.
    assert.match(r.out, /note: the emulation's ID registers differ from the configuration \(IDR0: TTENDIAN 0 → 2/);
    assert.match(r.out, /QEMU ran (\d+) of \1 operations/);
  },
);

test('behaviour QEMU gets right runs clean, exit 0', { timeout: 60_000 }, () => {
  requireQemu();
  const r = smmu('qemu', 'examples/qemu-conformant.smmu');
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(findings(r.out), []);
  assert.match(r.out, /^0 errors, 0 warnings, 0 notes$/m);
});

test(
  '--json: positions, QEMU\u2019s value and the model\u2019s for each read, how far the guest got',
  { timeout: 60_000 },
  () => {
    requireQemu();
    const r = smmu('qemu', 'examples/xen-vsmmu-review.smmu', '--json');
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out) as {
      positionBase: unknown;
      ran: boolean;
      operations: { total: number; reported: number };
      diagnostics: { line: number; code: string; severity: string }[];
      reads: { line: number; emulation: string; model: string }[];
      timings: Record<string, number>;
    };
    assert.deepEqual(j.positionBase, { line: 1, column: 1, range: 0 });
    assert.equal(j.ran, true);
    assert.equal(j.operations.reported, j.operations.total);
    assert.ok(j.diagnostics.some((d) => d.code === 'replay.ack-unadvertised' && d.line === 13));
    assert.deepEqual(
      j.reads.find((x) => x.line === 13),
      { line: 13, emulation: '0x00000000000003DF', model: '0x000000000000000D' },
    );
    for (const k of ['compile', 'build', 'qemu', 'judge']) assert.equal(typeof j.timings[k], 'number');
  },
);

test(
  '--keep: the program, QEMU\u2019s command line and trace, and a report that smmu replay accepts with the same findings',
  { timeout: 60_000 },
  () => {
    requireQemu();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-keep-'));
    const r = smmu('qemu', 'examples/xen-vsmmu-review.smmu', '--keep', dir);
    assert.equal(r.code, 1, r.err);
    for (const f of ['program.elf', 'qemu-command.sh', 'qemu-trace.log', 'uart.txt', 'report.smmutrace'])
      assert.ok(fs.existsSync(path.join(dir, f)), f);
    assert.equal(fs.readFileSync(path.join(dir, 'program.elf')).subarray(0, 4).toString('latin1'), '\x7fELF');
    assert.match(
      fs.readFileSync(path.join(dir, 'qemu-command.sh'), 'utf8'),
      /qemu-system-aarch64 -M virt,iommu=smmuv3,highmem=off .* -kernel \S+program\.elf/,
    );
    // QEMU's own trace saw the guest's SMMU accesses.
    assert.match(fs.readFileSync(path.join(dir, 'qemu-trace.log'), 'utf8'), /smmuv3_/);
    const replay = smmu('replay', path.join(dir, 'report.smmutrace'));
    assert.equal(replay.code, 1, replay.out);
    const codes = (out: string) =>
      [
        ...new Set(
          findings(out)
            .filter(([, s]) => s !== 'note')
            .map(([, , c]) => c),
        ),
      ].sort();
    assert.deepEqual(
      codes(replay.out),
      codes(r.out).filter((c) => !c.startsWith('qemu.')),
    );
  },
);

test('QEMU not installed, or refusing its options: a message, exit 2, nothing judged', { timeout: 60_000 }, () => {
  const missing = smmu('qemu', 'examples/qemu-conformant.smmu', '--qemu', '/nonexistent/qemu-system-aarch64');
  assert.equal(missing.code, 2);
  assert.match(
    missing.err,
    /QEMU was not found \(\/nonexistent\/qemu-system-aarch64\): install it \(Debian\/Ubuntu: `sudo apt-get install qemu-system-arm`/,
  );
  requireQemu();
  const refused = smmu('qemu', 'examples/qemu-conformant.smmu', '--machine', 'no-such-property=on');
  assert.equal(refused.code, 2);
  assert.match(refused.err, /QEMU exited with status 1; its last messages:\n.*no-such-property/);
});

test(
  'QEMU running past --timeout is stopped; the first statement the guest did not report gets the error',
  { timeout: 90_000 },
  () => {
    requireQemu();
    // Each poll can never hold (CR0ACK follows CR0 = 0): a million loads each keep QEMU busy.
    const script = tmp('slow.smmu', 'write32 CR0 0\n' + 'poll CR0ACK == 1 max=1000000\n'.repeat(8));
    const r = smmuWithin(80_000, 'qemu', script, '--timeout', '1');
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(
      r.out,
      /slow\.smmu:(\d+):1: error: QEMU ran past the time limit \(1 s\) and was stopped: the guest program stopped before reporting this statement; the statements from here on were not checked on the emulation \[qemu\.stopped\]/,
    );
    assert.match(r.out, /QEMU ran \d+ of \d+ operations/);
  },
);

test('addresses outside the guest RAM, and scripts with errors of their own, are not run', { timeout: 60_000 }, () => {
  const outside = tmp('far.smmu', '# far\nmem write64 0x60000000 1\n');
  const r = smmu('qemu', outside, '--memory', '256M');
  assert.equal(r.code, 1);
  assert.match(
    r.out,
    /far\.smmu:2:1: error: 0x60000000 is outside the guest RAM of the QEMU run, 0x40000000–0x4FFFFFFF \(--memory 256M\): move it into RAM or give a larger --memory \[qemu\.address\]/,
  );
  assert.match(r.err, /not run on QEMU/);
  const bad = tmp('bad.smmu', 'write32 CR0 0\nread32 NO_SUCH_REG\n');
  const b = smmu('qemu', bad);
  assert.equal(b.code, 1);
  assert.match(b.out, /bad\.smmu:2:\d+: error: /);
  assert.match(b.err, /not run on QEMU: the script has an error of its own; fix it first \(`smmu check`\)/);
});

test('statements no machine performs are listed once each, and the rest runs', { timeout: 60_000 }, () => {
  requireQemu();
  const script = tmp(
    'partly.smmu',
    'read32 IDR0\nmem abort 0x48000000 0x1000\npri sid=1 addr=0x1000 read last\ndma write sid=8 iova=0x48000000 data=0x11 size=16\nread32 CR0 == 0\n',
  );
  const r = smmu('qemu', script);
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(
    findings(r.out)
      .filter(([, , c]) => c === 'qemu.not-run')
      .map(([l]) => l),
    [2, 3, 4],
  );
  assert.match(r.out, /partly\.smmu:4:1: warning: not run on QEMU: a DMA with a payload/);
  assert.match(r.out, /\(3 not run on QEMU\)/);
});

test(
  'interrupts and reset on QEMU: expect irq is not run (no GIC), the program stops at a reset and lists every statement after it',
  { timeout: 60_000 },
  () => {
    requireQemu();
    const preset = path.resolve('presets/qemu-7.2.smmu.json');
    const script = tmp(
      'irq-reset.smmu',
      [
        `config "${preset}"`,
        'write64 CMDQ_BASE 0x44100000 | LOG2SIZE=4',
        'write32 CR0 CMDQEN',
        'poll CR0ACK == CMDQEN',
        'cmd SYNC CS=SIG_IRQ',
        'doorbell',
        'expect irq CMD_SYNC',
        'expect no irq',
        'read32 CMDQ_CONS == 1',
        'reset',
        'read32 CR0 == 0',
        'read32 CR0ACK == 0',
        '',
      ].join('\n'),
    );
    const r = smmu('qemu', script);
    assert.equal(r.code, 0, r.out + r.err);
    assert.deepEqual(
      findings(r.out)
        .filter(([, , c]) => c === 'qemu.not-run')
        .map(([l]) => l),
      [7, 8, 10, 11, 12],
    );
    assert.match(
      r.out,
      /:7:1: warning: not run on QEMU: a wired interrupt is observable only through the GIC, which the guest program does not set up \(§3\.18\)/,
    );
    assert.match(
      r.out,
      /:10:1: warning: not run on QEMU: a guest cannot reset the SMMU on its own \(PSCI SYSTEM_RESET restarts the whole machine and this program with it\): the program stops here/,
    );
    assert.match(
      r.out,
      /:11:1: warning: not run on QEMU: it comes after the reset on line 10, where the guest program stops/,
    );
    assert.match(r.out, /\(5 not run on QEMU\)/);
  },
);

test(
  'expect msi on QEMU reads the word at the MSI address: QEMU 7.2 writes no MSI where the model does',
  { timeout: 60_000 },
  () => {
    requireQemu();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-msi-'));
    fs.writeFileSync(
      path.join(dir, 'msi.smmu.json'),
      '{ "name": "QEMU 7.2 with MSIs", "base": "qemu-7.2", "features": { "msi": true } }\n',
    );
    const script = path.join(dir, 'msi.smmu');
    fs.writeFileSync(
      script,
      [
        'config "msi.smmu.json"',
        'write64 CMDQ_BASE 0x44100000 | LOG2SIZE=4',
        'write32 CR0 CMDQEN',
        'poll CR0ACK == CMDQEN',
        'cmd SYNC CS=SIG_IRQ MSIAddress=0x44300000 MSIData=5',
        'doorbell',
        'expect msi addr=0x44300000 data=5',
        '',
      ].join('\n'),
    );
    assert.equal(smmu('run', script).code, 0, 'the model writes the MSI');
    const r = smmu('qemu', script);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /note: the emulation's ID registers differ from the configuration \(IDR0: MSI 1 → 0\)/);
    assert.match(
      r.out,
      /msi\.smmu:7:1: error: QEMU: memory at 0x44300000 holds 0x0000000000000000, the model 0x0000000000000005 \[qemu\.memory\]/,
    );
    assert.ok(!findings(r.out).some(([, , c]) => c === 'qemu.not-run'), r.out);
  },
);

test('usage: a trace is not a script; bad option values are refused', () => {
  const r = smmu('qemu', 'examples/xen-vsmmu-seed.smmutrace');
  assert.equal(r.code, 2);
  assert.match(r.err, /is a trace: replay it with `smmu replay/);
  assert.equal(smmu('qemu', 'examples/qemu-conformant.smmu', '--timeout', '0').code, 2);
  assert.match(
    smmu('qemu', 'examples/qemu-conformant.smmu', '--memory', '1K').err,
    /--memory 1K: give the guest RAM as 16M to 64G/,
  );
  assert.match(
    smmu('run', 'examples/qemu-conformant.smmu', '--keep', '/tmp').err,
    /--keep is not an option of smmu run \(it is one of smmu qemu\)/,
  );
});

test(
  'expected aborts are checked against what QEMU did: held where QEMU aborts, qemu.abort where it does not (or does, against != abort)',
  { timeout: 90_000 },
  () => {
    requireQemu();
    const lines = [
      'read8   0x0021 == abort',
      'read32  0x0022 == abort',
      'write16 CR0 SMMUEN == abort',
      'read64  CR0 != abort',
      'read32  CR0 == abort',
    ];
    const f = tmp('aborts-qemu.smmu', `config "qemu-7.2.smmu.json"\n${lines.join('\n')}\n`);
    fs.copyFileSync(path.join('presets', 'qemu-7.2.smmu.json'), path.join(path.dirname(f), 'qemu-7.2.smmu.json'));
    const r = smmu('qemu', f);
    assert.equal(r.code, 1, r.out + r.err);
    // QEMU 7.2 aborts the 8-bit, unaligned and 16-bit accesses and reads the 64-bit one over CR0 and
    // CR0ACK as zero, as the script says; the legal read of CR0 does not abort.
    assert.deepEqual(
      findings(r.out).filter(([, , c]) => c === 'qemu.abort'),
      [[6, 'error', 'qemu.abort']],
      r.out,
    );
    assert.match(
      r.out,
      /:6:1: error: QEMU: the 32-bit read at 0x0020 did not abort \(it read 0x00000000\); the script expects an abort \[qemu\.abort\]/,
    );
    // The other direction: a configuration that says RAZ/WI makes '!= abort' the expectation, and QEMU aborts.
    const raz = tmp('raz.smmu.json', '{ "base": "qemu-7.2", "choices": { "illegalAccess": "raz-wi" } }');
    const g = tmp('not-abort-qemu.smmu', 'read8 0x0021 != abort\nwrite16 CR0 1 != abort\n');
    const n = smmu('qemu', g, '--config', raz);
    assert.equal(n.code, 1, n.out + n.err);
    assert.deepEqual(
      findings(n.out)
        .filter(([, , c]) => c === 'qemu.abort')
        .map(([l]) => l),
      [1, 2],
      n.out,
    );
    assert.match(
      n.out,
      /:1:1: error: QEMU: the 8-bit read at 0x0021 took an external abort; the script expects no abort \[qemu\.abort\]/,
    );
  },
);
