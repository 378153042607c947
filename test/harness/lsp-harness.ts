/**
 * A language server under test: the bundled `dist/server.js --stdio` driven by a JSON-RPC client,
 * with the diagnostics it publishes collected per document. Shared by the LSP test files.
 */
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { root } from './root';
import { serverExecArgv } from '../../server/process-flags';

/** Diagnostic messages are plain strings from this server. */
export const msg = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

export class LspServer {
  readonly published = new Map<string, PublishDiagnosticsParams[]>();
  private waiters: (() => void)[] = [];
  private version = 1;

  private constructor(
    readonly proc: ChildProcess,
    readonly conn: ProtocolConnection,
    /** A fresh folder for the test's files; the workspace root. */
    readonly dir: string,
  ) {}

  /**
   * Start a server with `dir` as its workspace; `initialize` gets `extra` merged in; `env` is added
   * to the server's environment. `argv`: Node's arguments instead of `dist/server.js --stdio` with
   * the Node options the VS Code client gives it (server/process-flags.ts).
   */
  static async start(
    prefix: string,
    extra: (dir: string) => Record<string, unknown> = () => ({}),
    env: NodeJS.ProcessEnv = {},
    argv: readonly string[] = [...serverExecArgv(), path.join(root, 'dist', 'server.js'), '--stdio'],
  ): Promise<{ server: LspServer; init: unknown }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const proc = spawn(process.execPath, argv, {
      stdio: ['pipe', 'pipe', 'pipe'],
      // No result cache unless a test names one: a test's server neither writes to the user's
      // cache folder nor publishes an earlier test's diagnostics.
      env: { ...process.env, SMMU_RESULT_CACHE: 'off', ...env },
    });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const server = new LspServer(proc, conn, dir);
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      server.published.set(p.uri, [...(server.published.get(p.uri) ?? []), p]);
      const w = server.waiters;
      server.waiters = [];
      for (const f of w) f();
    });
    conn.listen();
    // A server that dies while starting fails the test with how it ended, instead of leaving it waiting.
    let onExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => undefined;
    const died = new Promise<never>((_, reject) => {
      onExit = (code, signal) =>
        reject(new Error(`the language server exited (${signal ?? `code ${code}`}) before answering initialize`));
      proc.once('exit', onExit);
    });
    const init = await Promise.race([
      conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri: pathToFileURL(dir).toString(),
        capabilities: {},
        ...extra(dir),
      }),
      died,
    ]);
    proc.off('exit', onExit);
    await conn.sendNotification('initialized', {});
    return { server, init };
  }

  /**
   * The first diagnostics of `uri` published after the first `since` ones that match `pred`
   * (bounded wait).
   */
  diagnosticsFor(
    uri: string,
    pred: (d: Diagnostic[]) => boolean = () => true,
    since = 0,
    ms = 5000,
  ): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const check = () => {
        const list = (this.published.get(uri) ?? []).slice(since);
        const hit = list.find((p) => pred(p.diagnostics));
        if (hit) return resolve(hit.diagnostics);
        if (Date.now() - t0 > ms)
          return reject(
            new Error(
              `no matching diagnostics for ${uri}; got ${JSON.stringify(list.map((p) => p.diagnostics.map(msg)))}`,
            ),
          );
        this.waiters.push(check);
        setTimeout(check, 100).unref();
      };
      check();
    });
  }

  /**
   * Waits until no full check runs (smmu/serverStats `runsInFlight`: every open's check has ended
   * and published), then `settle` ms more for anything that would follow; bounded to a minute.
   */
  async checksEnded(settle = 200): Promise<void> {
    for (let i = 0; ; i++) {
      const s = await this.conn.sendRequest<{ runsInFlight: number }>('smmu/serverStats', {});
      if (s.runsInFlight === 0) break;
      assert.ok(i < 600, 'the checks did not end within a minute');
      await new Promise((r) => setTimeout(r, 100));
    }
    if (settle) await new Promise((r) => setTimeout(r, settle));
  }

  /** How many diagnostics notifications `uri` has had (for `since`). */
  count(uri: string): number {
    return this.published.get(uri)?.length ?? 0;
  }

  /** Write a file below the test folder. */
  file(name: string, text: string): { uri: string; path: string } {
    const p = path.join(this.dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    return { uri: pathToFileURL(p).toString(), path: p };
  }

  /** Document versions for didOpen/didChange, increasing over the whole server. */
  nextVersion(): number {
    return this.version++;
  }

  /** didOpen with `text`; earlier diagnostics of the document are forgotten. */
  open(uri: string, text: string, languageId = 'smmu'): void {
    this.published.delete(uri);
    void this.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId, version: this.nextVersion(), text },
    });
  }

  async stop(): Promise<void> {
    // Bounded: a server that no longer answers (the failure a test found) must not hang the run.
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.conn.sendRequest('shutdown'),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer to shutdown')), 5000))),
      ]);
      await this.conn.sendNotification('exit');
    } catch {
      /* the process may already be gone, or stuck: it is killed below */
    } finally {
      clearTimeout(timer);
    }
    this.proc.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts a server (LspServer.start's `prefix`, `extra` and `env`), runs `body` with it, and stops
 * it whatever `body` does: the frame of a test that needs a server of its own.
 */
export async function withLspServer<T>(
  prefix: string,
  body: (server: LspServer) => Promise<T>,
  options: { extra?: (dir: string) => Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
): Promise<T> {
  const { server } = await LspServer.start(prefix, options.extra, options.env);
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

/**
 * A server for one test file: started before its tests (its `initialize` result must offer hovers)
 * and stopped after them, with the shorthands the tests use.
 */
export function serverForTests(prefix: string) {
  let started: LspServer | undefined;
  before(async () => {
    const s = await LspServer.start(prefix);
    started = s.server;
    assert.ok((s.init as { capabilities: { hoverProvider?: boolean } }).capabilities.hoverProvider);
  });
  after(() => started?.stop());
  const lsp = {
    get server(): LspServer {
      assert.ok(started, 'the server has not started');
      return started;
    },
    get conn(): ProtocolConnection {
      return lsp.server.conn;
    },
    diagnosticsFor: (uri: string, pred: (d: Diagnostic[]) => boolean = () => true, ms = 5000) =>
      lsp.server.diagnosticsFor(uri, pred, 0, ms),
    file: (name: string, text: string) => lsp.server.file(name, text),
    open: (uri: string, text: string, languageId = 'smmu') => lsp.server.open(uri, text, languageId),
  };
  return lsp;
}
