/**
 * Trust and resource limits (docs/security.md): a file a script names is read only when it is a
 * regular file within its kind's size limit; guest memory and the editor's model runs are bounded;
 * an untrusted workspace reads nothing outside its folders; the language server survives a
 * document too large to parse and says so. Through the CLI as a child process and the language
 * server over JSON-RPC stdio.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { READ_LIMITS } from '../../core/base/files';
import { checkScript, checkScriptSliced } from '../../core/script/check';
import { readTextFile } from '../../server/read-file';
import { fileHost } from '../../server/file-host';
import { smmu, tmp } from '../harness/cli-harness';
import { LspServer, withLspServer, msg } from '../harness/lsp-harness';

function fifo(): string {
  const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-fifo-')), 'pipe');
  execFileSync('mkfifo', [p]);
  return p;
}

test('readTextFile refuses devices, FIFOs and folders at once, and files over the limit', () => {
  assert.deepEqual(readTextFile('/dev/zero'), { unreadable: 'it is not a regular file (a character device)' });
  assert.deepEqual(readTextFile(fifo()), { unreadable: 'it is not a regular file (a FIFO)' });
  assert.deepEqual(readTextFile(os.tmpdir()), { unreadable: 'it is not a regular file (a folder)' });
  assert.deepEqual(readTextFile('/no/such/file.smmu'), { unreadable: 'no such file' });
  const big = tmp('big.smmu.json', ' '.repeat(READ_LIMITS.config + 1));
  const r = readTextFile(big, 'config');
  assert.ok(typeof r === 'object' && /over the 1 MiB limit for configurations/.test(r.unreadable), JSON.stringify(r));
  assert.equal(typeof readTextFile(big, 'script'), 'string', 'the same size is within the script limit');
});

test('smmu run: include "/dev/zero", config "/dev/urandom" and an include of a FIFO end at once with a diagnostic on their line', () => {
  const cases: [string, RegExp][] = [
    [
      'write32 CR0 0\ninclude "/dev/zero"\n',
      /:2:\d+: error: cannot read \/dev\/zero: it is not a regular file \(a character device\)/,
    ],
    [
      'config "/dev/urandom"\nwrite32 CR0 0\n',
      /:1:\d+: error: cannot read configuration \/dev\/urandom: it is not a regular file \(a character device\)/,
    ],
    [`include "${fifo()}"\n`, /:1:\d+: error: cannot read \S+pipe: it is not a regular file \(a FIFO\)/],
  ];
  for (const [text, expected] of cases) {
    const t0 = Date.now();
    const r = smmu('run', tmp('hostile.smmu', text));
    assert.equal(r.code, 1, `${text}\n${r.out}${r.err}`);
    assert.match(r.out, expected);
    assert.ok(Date.now() - t0 < 20_000, 'ends within the harness timeout, not at the heap limit');
  }
});

test('guest memory is capped: the statement that crosses the limit is reported and the run stops there', () => {
  // 40 pages written; a limit of 16 pages (64 KiB).
  const lines = Array.from({ length: 40 }, (_, i) => `mem write64 0x${(0x8000_0000 + i * 0x1000).toString(16)} ${i}`);
  const r = checkScript(lines.join('\n') + '\nread32 CR0 == 0\n', '/t/mem.smmu', fileHost, 'full', {
    maxGuestMemory: 64 * 1024,
  });
  const full = r.diagnostics.find((d) => d.code === 'run.memory-limit');
  assert.ok(full, JSON.stringify(r.diagnostics));
  assert.equal(full.range.start.line, 16, 'the 17th distinct page is the first over 16 pages');
  assert.equal(r.run?.stoppedAt, 16);
  assert.equal(r.run?.observations.length, 16, 'nothing after the stop ran (the read on the last line included)');
  // The default (256 MiB) holds the same script.
  assert.equal(checkScript(lines.join('\n'), '/t/mem.smmu', fileHost, 'full').diagnostics.length, 0);
});

test('a sliced run past its time limit stops at a slice boundary with a warning on the first statement not run', async () => {
  const text = Array.from({ length: 600 }, () => 'read32 CR0 == 0').join('\n');
  const r = await checkScriptSliced(
    text,
    '/t/slow.smmu',
    fileHost,
    { timeLimitMs: 0 },
    () => new Promise((res) => setTimeout(res, 2)),
    () => false,
  );
  assert.ok(r?.run);
  const stop = r.diagnostics.find((d) => d.code === 'run.time-limit');
  assert.ok(stop, JSON.stringify(r.diagnostics.map((d) => d.code)));
  assert.equal(stop.range.start.line, 256, 'the first statement of the second slice');
  assert.equal(r.run.observations.length, 256);
});

test('language server: an untrusted workspace reads config and include files inside its folder only', async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-outside-'));
  fs.writeFileSync(path.join(outside, 'consts.smmu'), 'const X = 1\n');
  const { server } = await LspServer.start('smmu-untrusted-', () => ({
    initializationOptions: { settings: { trusted: false, executeOn: 'never' } },
  }));
  try {
    server.file('inside.smmu', 'const Y = 2\n');
    const s = server.file(
      'main.smmu',
      `include "${path.join(outside, 'consts.smmu')}"\ninclude "inside.smmu"\nwrite32 CR0 X|Y\n`,
    );
    server.open(s.uri, fs.readFileSync(s.path, 'utf8'));
    const ds = await server.diagnosticsFor(s.uri, (d) => d.some((x) => /outside the workspace folder/.test(msg(x))));
    const outsideDiag = ds.find((x) => /outside the workspace folder/.test(msg(x)));
    assert.equal(outsideDiag?.range.start.line, 0, 'on the include line that names the outside file');
    assert.ok(
      !ds.some((x) => x.range.start.line === 1),
      `the include inside the folder is read: ${JSON.stringify(ds.map(msg))}`,
    );
    // Trusting the workspace lifts it.
    const before = server.count(s.uri);
    await server.conn.sendNotification('workspace/didChangeConfiguration', { settings: { trusted: true } });
    await server.diagnosticsFor(s.uri, (d) => !d.some((x) => /outside the workspace folder/.test(msg(x))), before);
  } finally {
    await server.stop();
  }
});

test('language server: a model run over the guest-memory setting reports the line; a document too large to parse is refused, and the server keeps answering', async () => {
  const { server } = await LspServer.start('smmu-limits-', () => ({
    initializationOptions: { settings: { maxGuestMemory: 1 } },
  }));
  try {
    const lines = Array.from({ length: 300 }, (_, i) => `mem write32 0x${(0x8000_0000 + i * 0x1000).toString(16)} 1`);
    const s = server.file('mem.smmu', lines.join('\n') + '\n');
    server.open(s.uri, lines.join('\n') + '\n');
    const ds = await server.diagnosticsFor(s.uri, (d) => d.some((x) => x.code === 'run.memory-limit'));
    assert.equal(ds.find((x) => x.code === 'run.memory-limit')?.range.start.line, 256, '1 MiB is 256 pages');

    const huge = 'read32 CR0\n'.repeat(1_600_000);
    const uri = pathToFileURL(path.join(server.dir, 'huge.smmu')).toString();
    server.open(uri, huge);
    const big = await server.diagnosticsFor(uri, () => true, 0, 20_000);
    assert.equal(big.length, 1);
    assert.equal(big[0]?.code, 'check.too-large', msg(big[0]!));
    // Requests still answer: a hover explains the name under the cursor from its line alone.
    const h = (await server.conn.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line: 3, character: 8 },
    })) as { contents: { value: string } } | null;
    assert.ok(h === null || /SMMU_CR0/.test(h.contents.value));
    const tokens = (await server.conn.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri } })) as {
      data: number[];
    };
    assert.equal(tokens.data.length, 0, 'no tree was built for it');
    const stats = await server.conn.sendRequest<{ pid: number }>('smmu/serverStats', {});
    assert.equal(stats.pid, server.proc.pid, 'the same process still answers');
  } finally {
    await server.stop();
  }
});

test('language server: messages name files inside the workspace relative to its folder', async () => {
  await withLspServer('smmu-relative-', async (server) => {
    const s = server.file('scripts/main.smmu', 'config "../cfg/none.smmu.json"\nread32 CR0\n');
    server.open(s.uri, 'config "../cfg/none.smmu.json"\nread32 CR0\n');
    const ds = await server.diagnosticsFor(s.uri, (d) => d.some((x) => x.code === 'config.missing'));
    const m = msg(ds.find((x) => x.code === 'config.missing')!);
    assert.match(m, /cannot read configuration cfg\/none\.smmu\.json: no such file/);
    assert.ok(!m.includes(server.dir), m);
  });
});

test('smmu run and replay --max-guest-memory: the line that crosses the limit is an error and nothing after it runs; a bad size is a usage error', () => {
  const script =
    Array.from({ length: 40 }, (_, i) => `mem write64 0x${(0x8000_0000 + i * 0x1000).toString(16)} ${i}`).join('\n') +
    '\n';
  const r = smmu('run', tmp('mem.smmu', script), '--max-guest-memory', '64K');
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(
    r.out,
    /mem\.smmu:17:1: error: the model stopped here: this statement needs more than 64 KiB of guest memory.*\[run\.memory-limit\]/,
  );
  assert.equal(smmu('run', tmp('mem.smmu', script)).code, 0, 'the default holds it');
  const trace =
    Array.from({ length: 10 }, (_, i) => `M 0x${(0x8000_0000 + i * 0x1000).toString(16)} 8 0x1`).join('\n') + '\n';
  const t = smmu(
    'replay',
    tmp('mem.smmutrace', trace),
    '--max-guest-memory=16K',
    '--config',
    'presets/qemu-7.2.smmu.json',
  );
  assert.equal(t.code, 1, t.out + t.err);
  assert.match(
    t.out,
    /mem\.smmutrace:5:1: error: guest memory is full.*--max-guest-memory.*replay stopped at this record.*\[trace\.memory-limit\]/,
  );
  for (const bad of ['0', '1K', 'lots', '65G']) {
    const u = smmu('run', tmp('mem.smmu', script), '--max-guest-memory', bad);
    assert.equal(u.code, 2, `${bad}: ${u.err}`);
    assert.match(u.err, /--max-guest-memory .*: give a size from 4K to 64G/);
  }
});
