/**
 * `smmu/runOnQemu` over the real protocol, with the real QEMU (qemu-system-aarch64, Debian's 7.2;
 * scripts/setup-qemu.sh installs it): the judgement of examples/xen-vsmmu-review.smmu at the
 * script's lines, the editor's unsaved text and `smmu.configuration` used, cancellation killing
 * QEMU, a missing emulator, and the refusal in an untrusted workspace.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { CancellationTokenSource, type Diagnostic } from 'vscode-languageserver-protocol/node';
import type { RunOnQemuResult } from '../../../server/lsp/lsp-ext';
import { LspServer, msg } from '../../harness/lsp-harness';
import { QEMU, requireTool } from '../../harness/qemu';
import { root } from '../../harness/root';
import { processAlive } from '../../harness/process';

let server: LspServer;
const run = (uri: string, source?: CancellationTokenSource) =>
  source
    ? server.conn.sendRequest<RunOnQemuResult>('smmu/runOnQemu', { uri }, source.token)
    : server.conn.sendRequest<RunOnQemuResult>('smmu/runOnQemu', { uri });
const configure = (settings: Record<string, unknown>) =>
  server.conn.sendNotification('workspace/didChangeConfiguration', { settings });
const lineCodes = (d: readonly Diagnostic[]) => d.map((x) => `${x.range.start.line + 1} ${String(x.code)}`);

/**
 * The real QEMU, started with `-S` (its CPU waits for a monitor command that never comes), so a
 * run lasts until it is killed; it writes its process id first (exec keeps it) for the test to watch.
 */
function pausedQemu(dir: string): { binary: string; pidFile: string } {
  const binary = path.join(dir, 'paused-qemu.sh');
  const pidFile = path.join(dir, 'qemu.pid');
  fs.writeFileSync(binary, `#!/bin/sh\necho $$ > '${pidFile}'\nexec ${QEMU} -S "$@"\n`, { mode: 0o755 });
  return { binary, pidFile };
}

async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  requireTool(QEMU);
  const started = await LspServer.start('smmu-lsp-qemu-', (d) => ({
    workspaceFolders: [{ uri: pathToFileURL(d).toString(), name: 'w' }],
    initializationOptions: { settings: { trusted: true } },
  }));
  server = started.server;
});

after(() => server.stop());

test('xen-vsmmu-review.smmu: QEMU 7.2 acknowledges unadvertised CR0 and IRQ_CTRL bits, reported at lines 13 and 18 with QEMU’s value and the model’s', async () => {
  const file = path.join(root, 'examples', 'xen-vsmmu-review.smmu');
  const uri = pathToFileURL(file).toString();
  server.open(uri, fs.readFileSync(file, 'utf8'));
  const r = await run(uri);
  assert.equal(r.outcome, 'judged', r.message);
  assert.equal(r.ran, true);
  assert.equal(r.version !== undefined, true, 'the run says which document version it was made for');
  // The same findings, at the same lines, as `smmu qemu examples/xen-vsmmu-review.smmu` prints.
  assert.deepEqual(lineCodes(r.diagnostics), [
    '4 trace.config',
    '4 qemu.ids',
    '13 replay.res0-bits',
    '13 replay.ack-unadvertised',
    '13 replay.ack-unadvertised',
    '13 replay.ack-unadvertised',
    '18 replay.res0-bits',
    '18 replay.ack-unadvertised',
    '23 replay.unpredictable',
    '33 replay.unknown-reset',
  ]);
  assert.ok(
    r.diagnostics.every((d) => d.source === 'SMMU on QEMU'),
    'the run has a source of its own, beside the checks’ `smmu`',
  );
  const acks = r.diagnostics.filter((d) => d.code === 'replay.ack-unadvertised');
  assert.deepEqual(
    acks.map((d) => `${d.range.start.line + 1} ${/(\w+) must not be acknowledged/.exec(msg(d))?.[1]}`),
    ['13 VMW', '13 ATSCHK', '13 PRIQEN', '18 PRIQ_IRQEN'],
  );
  assert.equal(acks[0]?.severity, 1);
  assert.equal(
    r.diagnostics.find((d) => d.code === 'replay.res0-bits')?.codeDescription?.href.endsWith('docs/trace-replay.md'),
    true,
    'replay codes link to their rules',
  );
  // The hover's values: QEMU's CR0ACK and IRQ_CTRLACK beside the model's, and the 16-bit write QEMU aborted.
  assert.deepEqual(
    r.values.filter((v) => v.line === 12),
    [{ line: 12, access: 'read32 SMMU_CR0ACK', qemu: '0x000003DF', model: '0x0000000D', differs: true }],
  );
  assert.deepEqual(
    r.values.filter((v) => v.line === 17),
    [{ line: 17, access: 'read32 SMMU_IRQ_CTRLACK', qemu: '0xFFFFFFFF', model: '0x00000005', differs: true }],
  );
  assert.deepEqual(
    r.values.filter((v) => v.line === 22),
    [{ line: 22, access: 'write16 SMMU_CR0', qemu: 'abort', model: 'no abort', differs: true }],
  );
  assert.deepEqual(
    r.values.filter((v) => v.line === 3).map((v) => v.access),
    ['IDR0', 'IDR1', 'IDR2', 'IDR3', 'IDR4', 'IDR5', 'IIDR', 'AIDR'].map((n) => `read32 SMMU_${n}`),
    'the ID registers are read at the config line',
  );
  assert.deepEqual(r.operations, { reported: 24, total: 24 });
  assert.equal(r.summary, 'QEMU ran 24 of 24 operations: 6 errors, 2 warnings, 2 notes');
  assert.equal(r.configuration, "Xen vSMMUv3 (guest view, v3 series), with QEMU's ID registers");
});

test('the editor’s text runs, not the disk’s, with the smmu.configuration setting; a script QEMU gets right runs clean', async () => {
  await configure({ configuration: 'qemu-7.2' });
  try {
    // Not on disk at all: only the open document holds it.
    const uri = pathToFileURL(path.join(server.dir, 'unsaved.smmu')).toString();
    server.open(
      uri,
      [
        'write32 CR0 0',
        'read32 CR0ACK == 0',
        'write32 CR0 EVENTQEN',
        'read32 CR0ACK == EVENTQEN',
        'read32 IDR0.S1P == 1',
      ].join('\n'),
    );
    const r = await run(uri);
    assert.equal(r.outcome, 'judged', r.message);
    // No `qemu.ids` note: QEMU 7.2 advertises what the qemu-7.2 preset says (the default, `qemu`, is 11.1's).
    assert.deepEqual(lineCodes(r.diagnostics), []);
    assert.equal(r.summary, 'QEMU ran 13 of 13 operations: 0 errors, 0 warnings, 0 notes');
    assert.match(r.configuration ?? '', /^QEMU 7\.2 /);
    assert.deepEqual(
      r.values.filter((v) => v.line === 3),
      [{ line: 3, access: 'read32 SMMU_CR0ACK', qemu: '0x00000004', model: '0x00000004', differs: false }],
    );
  } finally {
    await configure({ configuration: '' });
  }
});

test('a script with errors of its own is not run, and says where the first one is', async () => {
  const uri = pathToFileURL(path.join(server.dir, 'broken.smmu')).toString();
  server.open(uri, 'write32 CR0 0\nread32 NOT_A_REGISTER\n');
  const r = await run(uri);
  assert.equal(r.outcome, 'not-run');
  assert.equal(r.ran, false);
  assert.match(
    r.message,
    /^Not run on QEMU: the script has an error of its own \(line 2: .*NOT_A_REGISTER.*\); fix it first\.$/,
  );
  assert.deepEqual(r.diagnostics, [], 'the checks publish the script’s own errors; the run does not repeat them');
});

test('an address outside the guest RAM is an error at its line that names the setting, not the command line’s option', async () => {
  const uri = pathToFileURL(path.join(server.dir, 'low.smmu')).toString();
  server.open(uri, 'write32 CR0 0\nmem write32 0x10000000 1\n');
  const r = await run(uri);
  assert.equal(r.outcome, 'not-run', r.message);
  assert.ok(lineCodes(r.diagnostics).includes('2 qemu.address'), JSON.stringify(lineCodes(r.diagnostics)));
  assert.ok(
    r.diagnostics.every(
      (d) =>
        d.code === 'qemu.address' &&
        / \(setting smmu\.qemu\.memory: 1024 MiB\): move it into RAM or give a larger smmu\.qemu\.memory$/.test(msg(d)),
    ),
    JSON.stringify(r.diagnostics.map(msg)),
  );
  assert.match(
    r.message,
    /^Not run on QEMU: the script uses memory outside the guest RAM, 0x40000000–0x7FFFFFFF \(setting smmu\.qemu\.memory: 1024 MiB\)\.$/,
  );
});

test('cancelling the request kills QEMU at once and answers cancelled', async () => {
  const paused = pausedQemu(server.dir);
  await configure({ qemuPath: paused.binary, qemuTimeout: 600 });
  try {
    const uri = pathToFileURL(path.join(server.dir, 'cancel.smmu')).toString();
    server.open(uri, 'write32 CR0 0\n');
    const source = new CancellationTokenSource();
    const answer = run(uri, source);
    const pid = await until('QEMU to start', () =>
      fs.existsSync(paused.pidFile) && fs.readFileSync(paused.pidFile, 'utf8').trim()
        ? Number(fs.readFileSync(paused.pidFile, 'utf8'))
        : undefined,
    );
    await until('QEMU to be running', () => (processAlive(pid) ? true : undefined));
    const t0 = Date.now();
    source.cancel();
    const r = await Promise.race([
      answer,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
    ]);
    assert.ok(r, 'the request answers within 10 s of the cancellation (QEMU would run for 600 s)');
    assert.equal(r.outcome, 'cancelled', r.message);
    assert.equal(r.ran, false);
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal(processAlive(pid), false, `QEMU (pid ${pid}) is gone`);
  } finally {
    await configure({ qemuPath: '', qemuTimeout: 30 });
  }
});

test('a server that exits in the middle of a run takes QEMU with it', async () => {
  const { server: s } = await LspServer.start('smmu-lsp-qemu-exit-', () => ({
    initializationOptions: { settings: { trusted: true } },
  }));
  try {
    const paused = pausedQemu(s.dir);
    await s.conn.sendNotification('workspace/didChangeConfiguration', {
      settings: { qemuPath: paused.binary, qemuTimeout: 600 },
    });
    const uri = pathToFileURL(path.join(s.dir, 'exit.smmu')).toString();
    s.open(uri, 'write32 CR0 0\n');
    void s.conn.sendRequest('smmu/runOnQemu', { uri }).catch(() => undefined);
    const pid = await until('QEMU to start', () =>
      fs.existsSync(paused.pidFile) && fs.readFileSync(paused.pidFile, 'utf8').trim()
        ? Number(fs.readFileSync(paused.pidFile, 'utf8'))
        : undefined,
    );
    await until('QEMU to be running', () => (processAlive(pid) ? true : undefined));
    // `exit` without `shutdown`: the server process ends at once, as when its client goes away.
    await s.conn.sendNotification('exit');
    await until('the server to exit', () => (s.proc.exitCode !== null ? true : undefined));
    await until(`QEMU (pid ${pid}) to be gone`, () => (processAlive(pid) ? undefined : true), 5000);
  } finally {
    await s.stop();
  }
});

test('a smmu.qemu.path that names no program: not-installed, with how to install QEMU and the setting', async () => {
  const missing = path.join(server.dir, 'no-such-dir', 'qemu-system-aarch64');
  await configure({ qemuPath: missing });
  try {
    const uri = pathToFileURL(path.join(server.dir, 'missing.smmu')).toString();
    server.open(uri, 'write32 CR0 0\n');
    const r = await run(uri);
    assert.equal(r.outcome, 'not-installed', r.message);
    assert.equal(r.ran, false);
    assert.ok(r.message.includes(`QEMU was not found (${missing})`), r.message);
    assert.match(r.message, /sudo apt-get install qemu-system-arm/);
    assert.match(r.message, /the setting smmu\.qemu\.path/);
  } finally {
    await configure({ qemuPath: '' });
  }
});

test('a relative smmu.qemu.path is relative to the workspace folder', async () => {
  const paused = pausedQemu(server.dir);
  fs.rmSync(paused.pidFile, { force: true });
  await configure({ qemuPath: `\${workspaceFolder}/${path.basename(paused.binary)}`, qemuTimeout: 1 });
  try {
    const uri = pathToFileURL(path.join(server.dir, 'relative.smmu')).toString();
    server.open(uri, 'write32 CR0 0\n');
    const r = await run(uri);
    // The paused QEMU reports nothing before the 1 s limit: it was found and started, and stopped.
    assert.ok(fs.existsSync(paused.pidFile), 'the workspace folder’s program ran');
    assert.equal(r.outcome, 'failed', r.message);
    assert.match(r.message, /^QEMU ran past the time limit \(1 s\) and was stopped/);
  } finally {
    await configure({ qemuPath: '', qemuTimeout: 30 });
  }
});

test('an untrusted workspace: Run on QEMU is refused and no program starts', async () => {
  const { server: untrusted } = await LspServer.start('smmu-lsp-qemu-untrusted-', () => ({
    initializationOptions: { settings: { trusted: false, executeOn: 'never' } },
  }));
  try {
    const paused = pausedQemu(untrusted.dir);
    await untrusted.conn.sendNotification('workspace/didChangeConfiguration', {
      settings: { qemuPath: paused.binary, qemuTimeout: 1 },
    });
    const uri = pathToFileURL(path.join(untrusted.dir, 'u.smmu')).toString();
    untrusted.open(uri, 'write32 CR0 0\n');
    const r = await untrusted.conn.sendRequest<RunOnQemuResult>('smmu/runOnQemu', { uri });
    assert.equal(r.outcome, 'refused');
    assert.equal(r.ran, false);
    assert.match(r.message, /untrusted workspace/);
    assert.match(r.message, /smmu\.qemu\.path/);
    assert.equal(fs.existsSync(paused.pidFile), false, 'the program smmu.qemu.path names was not started');
  } finally {
    await untrusted.stop();
  }
});

test('not a script: a queue descriptor is not run', async () => {
  const uri = pathToFileURL(path.join(server.dir, 'q.smmuq')).toString();
  server.open(uri, 'queue cmdq\nlog2size 1\nprod 0\ncons 0\n', 'smmuq');
  const r = await run(uri);
  assert.equal(r.outcome, 'not-run');
  assert.match(r.message, /runs \.smmu scripts; q\.smmuq is not one/);
});
