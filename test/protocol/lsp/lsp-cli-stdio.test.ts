/**
 * `smmu lsp --stdio`, the server other editors run (docs/editors.md), driven over JSON-RPC as an
 * editor drives it: it must be the process VS Code runs (dist/server.js, with the client's Node
 * options and V8's code cache), serve a document, pass on how the server ended, and leave no
 * server behind when the editor stops the command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LspServer, msg } from '../../harness/lsp-harness';
import { root } from '../../harness/root';
import { serverArgs } from '../../../server/cli/lsp-stdio';
import { SERVER_STATS_REQUEST, type ServerStatsResult } from '../../../server/lsp/lsp-ext';
import {
  availableCpus,
  SERVER_HEAP_MIB,
  SERVER_INITIAL_OLD_MIB,
  serverChildExecArgv,
  v8PoolSize,
} from '../../../server/process-flags';
import { processAlive } from '../../harness/process';

const cli = path.join(root, 'dist', 'cli.js');

const stats = (server: LspServer) => server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});

async function gone(pid: number, ms = 5000): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < ms;) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !processAlive(pid);
}

/**
 * `smmu lsp --stdio` (after Node's `nodeArgs`) with `env`, given to `body`; whatever `body` does
 * or fails at, the command and its server are stopped after it, so a failure cannot hang the run.
 */
async function withCommand(
  env: NodeJS.ProcessEnv,
  body: (server: LspServer) => Promise<void>,
  nodeArgs: readonly string[] = [],
  more: { args?: readonly string[]; initialize?: Record<string, unknown> } = {},
): Promise<void> {
  const { server } = await LspServer.start('smmu-cli-lsp-', () => more.initialize ?? {}, env, [
    ...nodeArgs,
    cli,
    'lsp',
    '--stdio',
    ...(more.args ?? []),
  ]);
  let serverPid: number | undefined;
  try {
    serverPid = (await stats(server)).pid;
    await body(server);
  } finally {
    server.proc.kill('SIGKILL');
    if (serverPid !== undefined && processAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
}

/** How the command's process ended; a failure after `ms` rather than a test that hangs. */
function exited(server: LspServer, ms = 10_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (server.proc.exitCode !== null) return resolve(server.proc.exitCode);
    const timer = setTimeout(() => reject(new Error(`the command was still running after ${ms} ms`)), ms);
    server.proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

test("the server's Node options: the client's, less any the user gave", () => {
  const heap = `--max-old-space-size=${SERVER_HEAP_MIB}`;
  const old = `--initial-old-space-size=${SERVER_INITIAL_OLD_MIB}`;
  assert.deepEqual(serverChildExecArgv([], '', 2), [heap, old, '--v8-pool-size=1']);
  assert.deepEqual(serverChildExecArgv(['--v8-pool-size=3'], '', 2), ['--v8-pool-size=3', heap, old]);
  assert.deepEqual(serverChildExecArgv([], '--max_old_space_size=4096  --trace-warnings', 8), [
    old,
    '--v8-pool-size=4',
  ]);
  assert.deepEqual(serverChildExecArgv(['--v8-pool-size', '2', '--initial_old_space_size=8'], '', 2), [
    '--v8-pool-size',
    '2',
    '--initial_old_space_size=8',
    heap,
  ]);
});

test('smmu lsp --stdio runs the VS Code server process: its options and code cache, a check, exit 0 after shutdown', async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-cli-lsp-cache-'));
  try {
    for (const expected of ['none', 'accepted'] as const) {
      await withCommand({ SMMU_CODE_CACHE: cache }, async (server) => {
        const s = await stats(server);
        assert.notEqual(s.pid, server.proc.pid, 'the server runs in its own process');
        assert.equal(s.v8PoolSize, v8PoolSize(availableCpus()));
        assert.equal(s.initialOldSpaceMib, SERVER_INITIAL_OLD_MIB);
        const mib = s.heapLimit / 1024 / 1024;
        assert.ok(mib > SERVER_HEAP_MIB && mib < SERVER_HEAP_MIB + 200, `heap limit ${mib} MiB`);
        assert.equal(s.codeCache, expected, 'the first start saves the code cache, the second reads it');
        const doc = server.file('bad.smmu', 'write64 CR0 0x1\n');
        server.open(doc.uri, 'write64 CR0 0x1\n');
        const d = await server.diagnosticsFor(doc.uri, (ds) => ds.length > 0);
        assert.match(msg(d[0]!), /SMMU_CR0 is a 32-bit register/);
        const code = exited(server);
        await server.conn.sendRequest('shutdown');
        await server.conn.sendNotification('exit');
        assert.equal(await code, 0, "the server's exit status is the command's");
        assert.ok(await gone(s.pid), 'the server process ended with the command');
      });
    }
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('smmu lsp --stdio: the Node options the user gave win, and exit without shutdown is 1', async () => {
  await withCommand(
    { SMMU_CODE_CACHE: 'off' },
    async (server) => {
      const s = await stats(server);
      assert.equal(s.v8PoolSize, 2);
      const code = exited(server);
      await server.conn.sendNotification('exit');
      assert.equal(await code, 1, 'LSP: exit before shutdown ends with 1');
      assert.ok(await gone(s.pid));
    },
    ['--v8-pool-size=2'],
  );
});

test('an editor that stops smmu lsp --stdio with a signal stops its server too', async () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    await withCommand({ SMMU_CODE_CACHE: 'off' }, async (server) => {
      const s = await stats(server);
      assert.ok(processAlive(s.pid));
      const code = exited(server);
      server.proc.kill(signal);
      await code;
      // At once: without the signal passed on, the server would end only when it noticed its parent gone (seconds).
      assert.ok(await gone(s.pid, 1500), `the server outlived the command stopped with ${signal}`);
    });
  }
});

test('smmu lsp --stdio --clientProcessId=PID: the server ends when that process is gone', async () => {
  // The editor, as the server sees it: a process of its own, which the test ends.
  const editor = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const editorPid = editor.pid as number;
  try {
    for (const args of [[`--clientProcessId=${editorPid}`], ['--clientProcessId', String(editorPid)]]) {
      assert.deepEqual(serverArgs(args), ['--stdio', `--clientProcessId=${editorPid}`]);
    }
    await withCommand(
      { SMMU_CODE_CACHE: 'off' },
      async (server) => {
        const s = await stats(server);
        const code = exited(server);
        editor.kill('SIGKILL');
        // vscode-languageserver looks every 3 s; no `shutdown` came, so the status is 1.
        assert.equal(await code, 1);
        assert.ok(await gone(s.pid, 1500));
      },
      [],
      // No processId in `initialize`: the argument alone must tell the server whom to watch.
      { args: ['--clientProcessId', String(editorPid)], initialize: { processId: null } },
    );
  } finally {
    editor.kill('SIGKILL');
  }
});

test('SMMU_LSP_IN_PROCESS=1 serves in the command itself', async () => {
  await withCommand({ SMMU_LSP_IN_PROCESS: '1' }, async (server) => {
    const s = await stats(server);
    assert.equal(s.pid, server.proc.pid);
    assert.equal(s.codeCache, 'off');
    const doc = server.file('ok.smmu', 'read32 GERROR == 0\n');
    server.open(doc.uri, 'read32 GERROR == 0\n');
    assert.deepEqual(await server.diagnosticsFor(doc.uri), []);
  });
});

test("when the server's process cannot be started, the command serves in its own and says why", async () => {
  // A preload makes Node's path one that does not exist, as when the Node binary was replaced or
  // removed while the editor ran: the spawn fails with ENOENT before anything read the input.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-cli-lsp-nonode-'));
  const preload = path.join(dir, 'no-node.js');
  fs.writeFileSync(preload, `process.execPath = ${JSON.stringify(path.join(dir, 'no-such-node'))};\n`);
  try {
    await withCommand(
      {},
      async (server) => {
        let stderr = '';
        server.proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
        const s = await stats(server);
        assert.equal(s.pid, server.proc.pid, 'served by the command itself');
        const doc = server.file('ok.smmu', 'write32 CR0 0x80000000\n');
        server.open(doc.uri, 'write32 CR0 0x80000000\n');
        const ds = await server.diagnosticsFor(doc.uri);
        assert.deepEqual(
          ds.map((d) => d.code),
          ['write.res0'],
        );
        await server.conn.sendRequest('shutdown');
        await server.conn.sendNotification('exit');
        assert.equal(await exited(server), 0);
        assert.match(stderr, /could not start the server's process \(.*ENOENT.*\); serving in this one/);
      },
      ['--require', preload],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
