/** The `smmu` command line as a user runs it: exit codes and output formats. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { spawnSync } from 'child_process';
import { cli, smmu, tmp } from '../harness/cli-harness';
import { STREAM5_STAGE1 } from '../harness/dma-fixture';
import { root } from '../harness/root';

test('decode prints every field, with enum names', () => {
  const r = smmu('decode', 'CR0', '0xD');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^SMMU_CR0 = 0x0000000D/);
  assert.match(r.out, /SMMUEN\[0\] = 1 \(ENABLED\)/);
  assert.match(r.out, /EVENTQEN\[2\] = 1/);
  assert.match(r.out, /PRIQEN\[1\] = 0/);
});

test('decode flags RES0 bits and fields the configuration does not advertise', () => {
  const r = smmu('decode', 'CR0', '0xFFFFFC20');
  assert.equal(r.code, 0);
  assert.match(r.out, /RES0 bits set: \[31:11\], 5/);
  assert.match(r.out, /DPT_WALK_EN\[10\] = 1 .*not advertised/);
});

test('decode --json gives machine-readable fields; symbolic values are accepted', () => {
  const r = smmu('decode', 'CMDQ_BASE', 'RA|ADDR=0x2000000|LOG2SIZE=8', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { register: string; value: string; fields: { name: string; value: number }[] };
  assert.equal(j.register, 'SMMU_CMDQ_BASE');
  assert.equal(j.value, '0x4000000040000008');
  assert.equal(j.fields.find((f) => f.name === 'LOG2SIZE')?.value, 8);
});

test('decode of an unknown register or a bad value is a clear error, exit 2', () => {
  const a = smmu('decode', 'CRO', '1');
  assert.equal(a.code, 2);
  assert.match(a.err, /unknown register 'CRO'/);
  const b = smmu('decode', 'CR0', '0xZZ');
  assert.equal(b.code, 2);
  assert.doesNotMatch(b.err, /at .*\.js:\d+/, 'no stack trace');
});

test('check prints gcc-style diagnostics and exits 1 on errors', () => {
  const f = tmp('bad.smmu', 'write32 CR0 SMMUEN\nwrite32 CR0 PRIQEN\nread32 NOT_A_REG\n');
  const r = smmu('check', f);
  assert.equal(r.code, 1);
  assert.match(r.out, new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:8: error: .*NOT_A_REG`, 'm'));
  assert.match(r.err, /1 file checked: \d+ errors?/);
});

test('the exit status does not depend on a closed pipe: `smmu check bad.smmu | head -1` under pipefail exits 1', () => {
  // Far more output than a pipe holds (64 KB), so head exits while smmu still writes: EPIPE.
  const f = tmp('many-errors.smmu', 'read32 NOT_A_REG\n'.repeat(3000));
  const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${cli}" check "${f}" | head -1`], {
    encoding: 'utf8',
    timeout: 30000,
  });
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 1, r.stdout);
  assert.match(r.stdout, /error: unknown register 'NOT_A_REG'/);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /1 file checked: 3000 errors/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('check of a clean script exits 0; of a missing file reports it', () => {
  const ok = tmp('ok.smmu', 'write32 CR0 SMMUEN|CMDQEN\nread32 CR0ACK == 0x9\n');
  assert.equal(smmu('check', ok).code, 0);
  const missing = smmu('check', '/nonexistent/x.smmu');
  assert.equal(missing.code, 1);
  assert.match(missing.out, /cannot read/);
});

test('check validates configuration files too', () => {
  const f = tmp('x.smmu.json', '{ "features": { "sidSize": 40 } }');
  const r = smmu('check', f);
  assert.equal(r.code, 1);
  assert.match(r.out, /x\.smmu\.json:1:\d+: error: /);
});

test('check of a truncated configuration reports its syntax errors only', () => {
  const f = tmp(
    'broken.smmu.json',
    fs.readFileSync(path.join(root, 'presets', 'qemu.smmu.json'), 'utf8').slice(0, 300),
  );
  const r = smmu('check', f);
  assert.equal(r.code, 1);
  const lines = r.out.split('\n').filter(Boolean);
  assert.ok(lines.length >= 1);
  for (const l of lines) assert.match(l, /: error: .*\[config\.syntax\]$/, l);
});

test('run the bundled Linux bring-up example: all expectations met, exit 0', () => {
  const r = smmu('run', 'examples/linux-bringup.smmu');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /configuration: QEMU/);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors/);
});

test('decode commands, events and STEs from the doublewords a log prints', () => {
  const c = smmu('decode', 'cmd', '0x0000000300000003', '0x1');
  assert.equal(c.code, 0, c.err);
  assert.match(c.out, /^CMD_CFGI_STE \(§4\.3\.1\)/);
  assert.match(c.out, /StreamID\[63:32\] = 0x3/);
  assert.match(c.out, /Leaf\[64\] = 1/);
  const bad = smmu('decode', 'cmd', '0x0000000000000028');
  assert.match(bad.out, /! CMD_TLBI_S12_VMALL needs SMMU_IDR0\.S2P == 1.*\(CERROR_ILL\)/);
  const ste = smmu('decode', 'ste', '0x0000000044000007', '0', '0', '0');
  assert.match(ste.out, /Config\[3:1\] = 0x3 \(ABORT_3\)/);
  const ev = smmu('decode', 'event', '0x0000000800000010', '0', '0x1000', '0', '--json');
  const j = JSON.parse(ev.out) as { title: string; fields: { name: string; value: string }[] };
  assert.equal(j.title, 'F_TRANSLATION');
  assert.equal(j.fields.find((f) => f.name === 'InputAddr')?.value, '0x00001000');
  assert.equal(smmu('decode', 'cmd', '1', '2', '3').code, 2);
  // A doubleword without digits is refused, not an internal error (0x_) or a silent 0 (_).
  for (const v of ['0x_', '_']) {
    const r = smmu('decode', 'cmd', v);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, `smmu decode: '${v}' is not a number (give 64-bit doublewords, first one first)\n`);
  }
});

test('the $smmu problem matcher in package.json matches what smmu check prints', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    contributes: {
      problemMatchers: {
        name: string;
        pattern: { regexp: string; file: number; line: number; column: number; severity: number; code: number };
      }[];
    };
  };
  const m = pkg.contributes.problemMatchers.find((x) => x.name === 'smmu');
  assert.ok(m);
  const f = tmp('pm.smmu', 'write32 CR0 PRIQEN\n');
  const r = smmu('check', f);
  const line = r.out.split('\n').find((l) => l.includes('write.unadvertised')) ?? '';
  const g = new RegExp(m.pattern.regexp).exec(line);
  assert.ok(g, line);
  assert.equal(g[m.pattern.file], f);
  assert.equal(g[m.pattern.line], '1');
  assert.equal(g[m.pattern.severity], 'error');
  assert.equal(g[m.pattern.code], 'write.unadvertised');
});

test('golden: the Linux probe/reset/attach example runs with zero errors and warnings; --trace shows the SMMU at work', () => {
  const r = smmu('run', 'examples/linux-bringup.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  assert.match(r.out, /doorbell → CMDQ_PROD ← 0x00000002: 2 commands consumed/);
  assert.match(r.out, /\n {4}command {7}CMDQ\[0\] CMD_CFGI_ALL: StreamIDs 0x00000000\.\.0xFFFFFFFF/);
  assert.match(r.out, /\n {4}fetch {9}fetched STE 8 from 0x0000000040010200/);
  assert.match(r.out, /\n {4}event {9}EVENTQ\[0\] ← F_TRANSLATION StreamID=0x8 CLASS=IN InputAddr=0x1000/);
  assert.match(r.out, /CMD_TLBI_NH_VA ASID=0x1 Leaf=1 Address=0xFFFF0000: 1 TLB entry invalidated/);
});

test('golden: a Xen-style guest assignment (2-level stream table, stage 2 p2m) runs with zero errors and warnings', () => {
  const r = smmu('run', 'examples/xen-guest-bringup.smmu');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
});

test('run --trace --json carries what the SMMU did under each line', () => {
  const f = tmp('t.smmu', 'write64 CMDQ_BASE 0x40000000 | LOG2SIZE=2\nwrite32 CR0 CMDQEN\ncmd raw 0x7f 0\ndoorbell\n');
  const r = smmu('run', f, '--json', '--trace');
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out) as { observations: { line: number; activity?: { kind: string; text: string }[] }[] };
  const bell = j.observations.find((o) => o.line === 4);
  assert.deepEqual(
    bell?.activity?.map((a) => a.kind),
    ['command-error', 'gerror'],
  );
  assert.match(
    bell?.activity?.[0]?.text ?? '',
    /CMDQ\[0\] unknown command \(opcode 0x7F\): opcode 0x7F is a reserved opcode → CERROR_ILL/,
  );
});

test('a CERROR_ILL names its section once, in the diagnostic and under --trace', () => {
  const f = tmp(
    'ill.smmu',
    'write64 CMDQ_BASE 0x40000000 | LOG2SIZE=2\nwrite32 CR0 CMDQEN\ncmd raw 0x7f 0\ndoorbell\n',
  );
  const r = smmu('run', f, '--trace');
  assert.equal(r.code, 1);
  const lines = r.out.split('\n').filter((l) => l.includes('→ CERROR_ILL'));
  assert.equal(lines.length, 2, r.out); // the error on line 4 and the command-error activity under it
  for (const l of lines) {
    assert.equal(l.match(/\(§4\.1\.1\)/g)?.length, 1, l);
  }
});

test('a command the model does not carry out warns in check and run, whether or not anything is cached (issue 22)', () => {
  // SMMUv3.3 with DPT (§6.3.4) and MPAM: CMD_DPTI_ALL (§4.6.1) and CMD_CFGI_VMS_PIDM (§4.3.5) are legal;
  // CMD_CFGI_VMS_PIDM is carried out (core/engine/mpam.ts, test/cli/cli-mpam.test.ts), so only DPTI_ALL warns.
  const dir = path.dirname(tmp('x', ''));
  fs.writeFileSync(
    path.join(dir, 'dpt.smmu.json'),
    JSON.stringify({
      base: 'smmuv3.2-full',
      version: '3.3',
      features: { dpt: true, ttf: 'aarch64', mpam: true, partidMax: 63, e0pd: true, ptwnnc: true },
      accepted: {
        'config.not-modelled-dpt': 'this test is about the commands',
        'config.not-modelled-mpam': 'this test is about the commands',
      },
    }),
  );
  for (const command of ['DPTI_ALL']) {
    const script = path.join(dir, 'not-modelled.smmu');
    fs.writeFileSync(
      script,
      `config "dpt.smmu.json"\nwrite64 CMDQ_BASE 0x40100000 | LOG2SIZE=4\nwrite32 CR0 CMDQEN\ncmd ${command}\ncmd SYNC\ndoorbell\nread32 CMDQ_CONS == 2\n`,
    );
    for (const verb of ['check', 'run']) {
      const r = smmu(verb, script);
      assert.equal(r.code, 0, `${verb} ${command}: ${r.out}${r.err}`);
      const warned = r.out.split('\n').filter((l) => l.includes('[cmdq.not-modelled]'));
      assert.equal(warned.length, 1, `${verb} ${command} warns once at the doorbell: ${r.out}`);
      assert.match(
        warned[0] ?? '',
        new RegExp(`not-modelled\\.smmu:6:1: warning: CMDQ\\[0\\] CMD_${command.split(' ')[0]}\\b.*not modelled`),
      );
    }
  }
});

test('a configuration advertising what the model does not implement: check names each feature as an error, scripts and traces that use it repeat the errors at their config line and still run, accepting them makes notes, accesses name the register', () => {
  const dir = path.dirname(tmp('x', ''));
  // DPT, MPAM and Secure state are this file's (DPT excludes smmuv3.2-full's AArch32 tables, whose
  // note it accepts); E0PD (§5.4), VMW (§3.17.6) and VATOS (§9) are modelled: no warning.
  const cfg = path.join(dir, 'not-modelled.smmu.json');
  fs.writeFileSync(
    cfg,
    JSON.stringify(
      {
        base: 'smmuv3.2-full',
        version: '3.3',
        features: {
          dpt: true,
          ttf: 'aarch64',
          mpam: true,
          partidMax: 63,
          pmgMax: 1,
          e0pd: true,
          ptwnnc: true,
          secure: true,
        },
      },
      null,
      2,
    ),
  );
  const c = smmu('check', cfg);
  assert.equal(c.code, 1, c.out + c.err);
  const warned = c.out.split('\n').filter((l) => / error: /.test(l));
  assert.deepEqual(
    warned.map((l) => /\[(config\.[a-z0-9-]+)\]$/.exec(l)?.[1]),
    ['config.not-modelled-dpt', 'config.not-modelled-mpam', 'config.not-modelled-secure'],
  );
  assert.doesNotMatch(c.out, /not-modelled-(e0pd|vmw|aarch32)/);
  assert.match(
    warned[0] ?? '',
    /not-modelled\.smmu\.json:\d+:\d+: error: dpt \(SMMU_IDR3\.DPT\) is advertised, but Level 0 Block entries of the DPT \(§3\.24\.3\.1\.2\) are not decoded/,
  );
  // ATOS and VATOS are modelled (§9): advertising them is no note.
  assert.doesNotMatch(c.out, /not-modelled-atos|not-modelled-vatos/);

  const script = path.join(dir, 'uses-not-modelled.smmu');
  fs.writeFileSync(
    script,
    'config "not-modelled.smmu.json"\nread32 0x8048\nread32 0x130 == 0x0001003F\nwrite64 DPT_BASE 0x40000000\nread64 DPT_BASE == 0x40000000\nread64 DPT_BASE == 0x1000\n',
  );
  const s = smmu('check', script);
  assert.equal(s.code, 1, s.out + s.err);
  // The errors do not stop the model (unlike a configuration that cannot be loaded): the last
  // line's expectation is judged, and `smmu run`'s summary counts every expectation as run.
  assert.match(s.out, /uses-not-modelled\.smmu:6:\d+: error: .*\[expect\.failed\]/);
  const run = smmu('run', script);
  assert.equal(run.code, 1, run.out + run.err);
  assert.match(run.out + run.err, /2\/3 expectations met/);
  assert.doesNotMatch(run.out + run.err, /not run/);
  const atConfig = s.out.split('\n').filter((l) => l.includes('uses-not-modelled.smmu:1:'));
  assert.deepEqual(
    atConfig.map((l) => /\[([a-z0-9.-]+)\]$/.exec(l)?.[1]),
    ['config.not-modelled-dpt', 'config.not-modelled-mpam', 'config.not-modelled-secure'],
  );
  // SMMU_S_AGBPA (§6.3.64), SMMU_MPAMIDR (§6.3.41) and the DPT registers (§6.3.46) are modelled:
  // S_AGBPA and DPT_BASE hold what is written, MPAMIDR reads the configuration's PARTID_MAX and
  // PMG_MAX, and none says anything.
  assert.deepEqual(
    s.out.split('\n').filter((l) => /uses-not-modelled\.smmu:[2345]:/.test(l)),
    [],
  );

  const trace = path.join(dir, 'uses-not-modelled.smmutrace');
  fs.writeFileSync(trace, 'config "not-modelled.smmu.json"\nR 0x8048 4 0x1\n');
  const t = smmu('check', trace);
  assert.equal(t.code, 1, t.out + t.err);
  assert.equal(
    t.out
      .split('\n')
      .filter((l) =>
        /smmutrace:1:\d+: error: configuration .*not-modelled\.smmu\.json: (dpt|mpam|secure) .*\[trace\.config\]$/.test(
          l,
        ),
      ).length,
    3,
    t.out,
  );
  assert.match(
    t.out,
    // SMMU_S_AGBPA is modelled (§6.3.64): its IMPLEMENTATION DEFINED reset value is the emulation's, as SMMU_AGBPA's.
    /smmutrace:2:\d+: note: SMMU_S_AGBPA returned 0x00000001 before any write took effect: its reset value is IMPLEMENTATION DEFINED, so the emulation chooses it; the model takes it \(§6\.3\.64\) \[replay\.unknown-reset\]/,
  );

  // Accepted, each with its reason: notes that carry the reason, and the exit status is 0.
  const acceptedCfg = path.join(dir, 'accepted-not-modelled.smmu.json');
  const doc = JSON.parse(fs.readFileSync(cfg, 'utf8')) as Record<string, unknown>;
  doc.accepted = Object.fromEntries(
    ['dpt', 'mpam', 'secure'].map((f) => [`config.not-modelled-${f}`, `no ${f} in these scripts`]),
  );
  fs.writeFileSync(acceptedCfg, JSON.stringify(doc, null, 2));
  const a = smmu('check', acceptedCfg);
  assert.equal(a.code, 0, a.out + a.err);
  assert.equal(
    a.out
      .split('\n')
      .filter((l) => / note: .*\(accepted: no (dpt|mpam|secure) in these scripts\) \[config\.not-modelled-/.test(l))
      .length,
    3,
    a.out,
  );
  fs.writeFileSync(script, 'config "accepted-not-modelled.smmu.json"\nread32 0x130 == 0x0001003F\n');
  const sa = smmu('check', script);
  assert.equal(sa.code, 0, sa.out + sa.err);
  assert.doesNotMatch(sa.out, /not-modelled-/);
});

test('§3.24.4 smmu check: enabling DPT walks with an invalid SMMU_DPT_BASE_CFG warns at the CR0 write; CMD_DPTI_PA is consumed (§4.6.2)', () => {
  const dir = path.dirname(tmp('x', ''));
  fs.writeFileSync(
    path.join(dir, 'dpt-walk.smmu.json'),
    JSON.stringify({
      base: 'smmuv3.2-full',
      version: '3.3',
      features: { dpt: true, ttf: 'aarch64', e0pd: true, ptwnnc: true },
      accepted: { 'config.not-modelled-dpt': 'no Level 0 Block entries here' },
    }),
  );
  const script = path.join(dir, 'dpt-walk.smmu');
  fs.writeFileSync(
    script,
    'config "dpt-walk.smmu.json"\nwrite32 DPT_BASE_CFG 0xC004\nwrite64 CMDQ_BASE 0x40100000 | LOG2SIZE=4\nwrite32 CR0 DPT_WALK_EN|CMDQEN\ncmd DPTI_PA\ncmd SYNC\ndoorbell\nread32 CMDQ_CONS == 2\n',
  );
  const r = smmu('check', script);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(
    r.out,
    /dpt-walk\.smmu:4:\d+: warning: SMMU_CR0\.DPT_WALK_EN enabled with an invalid SMMU_DPT_BASE_CFG: DPTGS is 0b11, a reserved encoding; every DPT lookup is a DPT_WALK_FAULT at level 0, .* \(§3\.24\.4\) \[dpt\.config\]/,
  );
  assert.match(r.out, /dpt-walk\.smmu:7:\d+: warning: CMDQ\[0\] CMD_DPTI_PA\b.*\[cmdq\.not-modelled\]/);
  assert.doesNotMatch(r.out, /CERROR_ILL/);
});

test('run --trace shows each observation with its own line when lines end with a lone CR', () => {
  // Split on \r?\n, the script's second line was shown as part of the first and the third as empty.
  const r = smmu('run', tmp('cr.smmu', 'write32 CR0 0\rread32 CR0ACK == 0\rread32 IDR0\r'), '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /cr\.smmu:1: write32 CR0 0\n/);
  assert.match(r.out, /cr\.smmu:2: read32 CR0ACK == 0 → 0x00000000\n/);
  assert.match(r.out, /cr\.smmu:3: read32 IDR0 → 0x/);
});

test('golden: the DMA payloads example runs with every expectation met, zero errors and warnings', () => {
  const r = smmu('run', 'examples/dma-payloads.smmu');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
});

test('run --trace: a DMA payload across two pages, each transaction under its line; the fault on the second page fails the run and says which', () => {
  const f = tmp(
    'dma-pages.smmu',
    [
      ...STREAM5_STAGE1,
      'map ttb=0x45000000 iova=0x10000000 pa=0x80000000',
      'dma write sid=5 iova=0x10000FF0 size=0x20 data=0xC0FFEE == translated   # the second page is not mapped',
      'mem read64 0x80000FF8 == 0xC0FFEE',
      'expect event F_TRANSLATION StreamID=5 InputAddr=0x10001000',
    ].join('\n') + '\n',
  );
  const r = smmu('run', f, '--trace');
  assert.equal(r.code, 1, r.out + r.err);
  assert.ok(
    r.out.includes(
      `${f}:9:57: error: the DMA gave abort at transaction 2 of 2 (IOVA 0x0000000010001000, bytes 16–31): F_TRANSLATION at stage 1, level 3: the level 3 descriptor at 0x48002008 is invalid (bit 0 is 0); the 16 bytes before it were written, expected translated [expect.failed]`,
    ),
    r.out,
  );
  assert.match(
    r.out,
    /\n {4}transaction {3}transaction 1 of 2, IOVA 0x0000000010000FF0 \(16 bytes\): translated → 0x0000000080000FF0 \(stage 1 walk, level 3 4 KB leaf\)\n/,
  );
  assert.match(
    r.out,
    /\n {4}event {9}EVENTQ\[0\] ← F_TRANSLATION StreamID=0x5 CLASS=IN InputAddr=0x10001000 .*\n {4}transaction {3}transaction 2 of 2, IOVA 0x0000000010001000 \(16 bytes\): abort: F_TRANSLATION/,
  );
  assert.match(r.out, /2\/3 expectations met, 1 error/);
});

test('run exits 1 on a failed expectation and says why, field by field', () => {
  const f = tmp('fail.smmu', 'write32 CR0 SMMUEN|CMDQEN|PRIQEN\nread32 CR0ACK == SMMUEN|CMDQEN|PRIQEN\n');
  const r = smmu('run', f);
  assert.equal(r.code, 1);
  assert.match(
    r.out,
    /:2:\d+: error: SMMU_CR0ACK is 0x00000009 \(SMMUEN\|CMDQEN\), expected 0x0000000B.*PRIQEN is 0, expected 1/,
  );
});

test('run --json and --config', () => {
  const f = tmp('j.smmu', 'write32 CR0 PRIQEN\nread32 CR0ACK\n');
  const withPri = path.join(root, 'presets', 'smmuv3.2-full.smmu.json');
  const r = smmu('run', f, '--config', withPri, '--json');
  assert.equal(r.code, 0, r.out + r.err);
  const j = JSON.parse(r.out) as { observations: { line: number; value: string }[]; summary: { errors: number } };
  assert.equal(j.summary.errors, 0);
  assert.equal(j.observations[1].value, '0x00000002');
});

test('usage errors exit 2 with the usage text', () => {
  const r = smmu('frobnicate');
  assert.equal(r.code, 2);
  assert.match(r.err, /usage:/);
});
