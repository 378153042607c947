/**
 * `npm run bench` (second part): the language server measured through the real protocol (the
 * bundled server over JSON-RPC stdio) on a generated, valid 10,000-line script. Nothing asserts.
 *
 *   - open → diagnostics published (full check: parse, names, and the model run), and the
 *     server's main-thread CPU for the warm opens (the figure the cold starts' is compared with);
 *   - the first hover in a file just opened, and the first edit: each parses the script once,
 *     since the open's check keeps no syntax tree (server/lsp/workspace.ts, checkStreamed);
 *   - an edit → syntax diagnostics re-published (after the server's 150 ms debounce, which is
 *     subtracted and reported separately);
 *   - hover and inlay hints for a screen (50 lines), completion: p50/p95 over 200 requests;
 *   - server RSS with ten such files open;
 *   - the Registers view (smmu/stateAtLine) and the hover "What happened here" at line 9,000: the
 *     first request in a document, which runs the model from line 1 (as every request did before
 *     the runs kept snapshots) and leaves snapshots, and then cursor moves, which run from the
 *     nearest snapshot; the snapshots kept and the server's RSS with them;
 *   - a 200,000-line trace opened with a hover sent right after it: how long the hover waits and
 *     when the diagnostics come, replayed in the background, then in a server that checks every
 *     trace at once (SMMU_TRACE_BACKGROUND_LINES), as it did before;
 *   - the peer: vscode-json-languageservice validating a JSON document of the same line count;
 *   - cold starts (`--cold-starts=N`, 10 by default): N fresh servers, each opening one such file
 *     right after `initialize`, as VS Code does when the first script opens, first without V8's
 *     code cache of the server's bundle (a new build's first start), then with it. The first open is
 *     bound by the JIT (docs/performance.md), and the machine's other jobs move its wall time by
 *     several times, so it is reported as a median with its range, beside the server's CPU time
 *     for it: its main thread (which the open waits for) and all its threads (the main thread
 *     plus V8's background compiler and GC), read from /proc on Linux. In these the server's
 *     warm-up (server/lsp/warm-up.ts) starts and gives way to the open at once; a last set opens
 *     the file after the warm-up ended, as when VS Code starts the server because the workspace
 *     holds scripts, and reports the warm-up's own time; a fourth reopens a file an earlier server
 *     checked (a tab restored at startup): its first publish comes from the result cache
 *     (server/lsp/result-cache.ts), and the real check's end is timed too.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { getLanguageService, TextDocument as JsonDocument } from 'vscode-json-languageservice';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { root } from '../harness/root';
import { longScript, longScriptWithFindings } from '../harness/long-script';
import { handshakeLines } from './trace-gen';
import { SERVER_STATS_REQUEST, STATE_AT_LINE_REQUEST, type ServerStatsResult } from '../../server/lsp/lsp-ext';
import { serverExecArgv } from '../../server/process-flags';

const json = process.argv.includes('--json');
const serverJs = path.join(root, 'dist', 'server.js');
const LINES = 10_000;
/** Fresh servers started for the first-open figures (`--cold-starts=N`). */
const coldRuns = Math.max(
  1,
  Number(process.argv.find((a) => a.startsWith('--cold-starts='))?.slice('--cold-starts='.length) ?? 10) || 10,
);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** CPU time of a thread of process `pid` (the main thread when `tid` is `pid`), ms; undefined off Linux. */
function threadCpuMs(pid: number, tid: number): number | undefined {
  try {
    // schedstat's first field: nanoseconds the thread has run.
    return Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** CPU time of all threads of process `pid`, ms (V8's compiler and GC threads included); undefined off Linux. */
function processCpuMs(pid: number): number | undefined {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => sum + (threadCpuMs(pid, Number(tid)) ?? 0), 0);
  } catch {
    return undefined;
  }
}

interface Server {
  readonly proc: ChildProcess;
  readonly conn: ProtocolConnection;
  /** Resolves with the next diagnostics published for `uri`. */
  published(uri: string): Promise<PublishDiagnosticsParams>;
  /** Resolves with the first diagnostics published for `uri` (from the start) that `pred` accepts. */
  publishedWhere(uri: string, pred: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams>;
  /** From spawning the process to the `initialize` result. */
  readonly startMs: number;
  stop(): Promise<void>;
}

/**
 * The bundled server started as an editor starts it: spawned, then `initialize` and `initialized`;
 * `env` is added to its environment.
 */
async function startServer(dir: string, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const t0 = now();
  const proc = spawn(process.execPath, [...serverExecArgv(), serverJs, '--stdio'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    // No result cache but where a set asks for one: the other sets measure checks, not the cache.
    env: { ...process.env, SMMU_RESULT_CACHE: 'off', ...env },
  });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const waiters = new Map<string, (p: PublishDiagnosticsParams) => void>();
  const log: PublishDiagnosticsParams[] = [];
  const watchers: (() => void)[] = [];
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    log.push(p);
    waiters.get(p.uri)?.(p);
    for (const w of watchers.splice(0)) w();
  });
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).toString(),
    capabilities: {},
  });
  const startMs = now() - t0;
  await conn.sendNotification('initialized', {});
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    conn,
    startMs,
    published: (uri) => new Promise<PublishDiagnosticsParams>((resolve) => waiters.set(uri, resolve)),
    publishedWhere: (uri, pred) =>
      new Promise<PublishDiagnosticsParams>((resolve) => {
        const look = () => {
          const hit = log.find((p) => p.uri === uri && pred(p));
          if (hit) resolve(hit);
          else watchers.push(look);
        };
        look();
      }),
    stop: async () => {
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
      await exited;
      conn.dispose();
    },
  };
}

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  /** The smallest and largest of the runs whose median `value` is. */
  range?: [number, number];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function medianFigure(name: string, xs: number[], unit: string, target?: string): Figure {
  return { name, value: median(xs), unit, range: [Math.min(...xs), Math.max(...xs)], ...(target ? { target } : {}) };
}

/**
 * `runs` fresh servers, each opening the script once right after `initialize`: the open a user
 * waits for when the first script of a session opens (VS Code starts the server then). Each
 * server's code cache (server/code-cache.ts) is in `cacheDir(i)`; `label` says which case it is.
 * With `results` (a folder), the script is a tab restored at startup: the same file, checked by
 * an earlier server whose result cache (server/lsp/result-cache.ts) is in that folder; the first
 * publish is the cached one, and the real check's end is timed too. With `editorRequests`, the
 * open comes with the requests VS Code sends when it shows a file (semantic tokens, symbols,
 * folding ranges, inlay hints for the first screen), and the semantic tokens' answer is timed too.
 */
async function coldStarts(
  runs: number,
  text: string,
  label: string,
  cacheDir: (run: number) => string,
  how: {
    afterWarmUp?: boolean;
    results?: string;
    editorRequests?: boolean;
    /** `text` has an error on line `early` (the first screen) and one on line `late` (near its end). */
    findings?: { early: number; late: number };
  } = {},
): Promise<Figure[]> {
  const { afterWarmUp = false, results, editorRequests = false, findings } = how;
  const firstShown: number[] = [];
  const tokensAt: number[] = [];
  const shownAt: number[] = [];
  const hintsAt: number[] = [];
  const restored = results === undefined ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-bench-restored-'));
  const checkEnd: number[] = [];
  if (restored !== undefined) {
    // The earlier session: a server checks the file and stores its diagnostics.
    fs.writeFileSync(path.join(restored, 'big.smmu'), text);
    const uri = pathToFileURL(path.join(restored, 'big.smmu')).toString();
    const earlier = await startServer(restored, { SMMU_CODE_CACHE: cacheDir(0), SMMU_RESULT_CACHE: results });
    const p = earlier.published(uri);
    await earlier.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'smmu', version: 1, text },
    });
    await p;
    await resultStored(earlier);
    await earlier.stop();
  }
  const warmWall: number[] = [];
  const warmCpu: number[] = [];
  const start: number[] = [];
  const open: number[] = [];
  const mainCpu: number[] = [];
  const allCpu: number[] = [];
  const startCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = restored ?? fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-bench-cold-'));
    const file = path.join(dir, 'big.smmu');
    fs.writeFileSync(file, text);
    const uri = pathToFileURL(file).toString();
    const server = await startServer(dir, {
      SMMU_CODE_CACHE: cacheDir(i),
      ...(results !== undefined ? { SMMU_RESULT_CACHE: results } : {}),
    });
    const pid = server.proc.pid as number;
    if (afterWarmUp) {
      // A server started ahead of the first open (VS Code activates the extension when the
      // workspace holds scripts): the open comes after the warm-up (server/lsp/warm-up.ts) ended.
      for (;;) {
        const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
        if (stats.warmUp === 'running') {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        if (stats.warmUp !== 'done' || !stats.warmUpCost) throw new Error(`the warm-up ended ${stats.warmUp}`);
        warmWall.push(stats.warmUpCost.wallMs);
        warmCpu.push(stats.warmUpCost.cpuMs);
        break;
      }
    }
    const p = server.published(uri);
    // All of the main thread's time so far went into starting (Node, then the server's bundle).
    const main0 = threadCpuMs(pid, pid);
    if (main0 !== undefined) startCpu.push(main0);
    const all0 = processCpuMs(pid);
    const t0 = now();
    await server.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'smmu', version: 1, text },
    });
    const requests = editorRequests
      ? editorRequestsAt(
          server,
          uri,
          () => tokensAt.push(now() - t0),
          () => shownAt.push(now() - t0),
          () => hintsAt.push(now() - t0),
        )
      : undefined;
    let d = await p;
    if (findings) {
      // What the first check found on the lines it had checked (server.ts, partial publishes):
      // the first screen's error alone, then the whole set.
      firstShown.push(now() - t0);
      if (d.diagnostics.length !== 1 || d.diagnostics[0]?.range.start.line !== findings.early)
        throw new Error(`the first publish is not the first screen's error: ${JSON.stringify(d.diagnostics)}`);
      d = await server.publishedWhere(uri, (x) => x.diagnostics.some((y) => y.range.start.line === findings.late));
    }
    open.push(now() - t0);
    const main1 = threadCpuMs(pid, pid);
    const all1 = processCpuMs(pid);
    await requests;
    if (d.diagnostics.length !== (findings ? 2 : 0))
      throw new Error(`bench script has diagnostics: ${JSON.stringify(d.diagnostics.slice(0, 3))}`);
    if (restored !== undefined) {
      // The real check goes on after the cached publish; it ends by writing the entry again.
      const stats = await resultStored(server);
      checkEnd.push(now() - t0);
      if (stats.resultCache.servedOpens !== 1) throw new Error(`the open was not served from the result cache`);
    }
    if (!afterWarmUp) {
      // The warm-up started with the server and must have given way to this open before its first
      // slice. It is `running` until its timer (WARM_UP_DELAY_MS after `initialized`) has fired,
      // which can be after an open that took about as long.
      let stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
      for (let i = 0; stats.warmUp === 'running' && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 10));
        stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
      }
      if (stats.warmUp !== 'stopped' || stats.warmUpCost?.slices !== 0)
        throw new Error(
          `the warm-up did not give way to the open: ${stats.warmUp} ${JSON.stringify(stats.warmUpCost)}`,
        );
    }
    start.push(server.startMs);
    if (main0 !== undefined && main1 !== undefined) mainCpu.push(main1 - main0);
    if (all0 !== undefined && all1 !== undefined) allCpu.push(all1 - all0);
    await server.stop();
    if (restored === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
  if (restored !== undefined) fs.rmSync(restored, { recursive: true, force: true });
  const figures = [medianFigure(`${runs} cold starts, ${label}: server spawned → initialize answered`, start, 'ms')];
  if (warmWall.length)
    figures.push(
      medianFigure(`${runs} cold starts, ${label}: the warm-up's wall time`, warmWall, 'ms'),
      medianFigure(`${runs} cold starts, ${label}: the warm-up's CPU (all threads)`, warmCpu, 'ms'),
    );
  if (startCpu.length)
    figures.push(
      medianFigure(`${runs} cold starts, ${label}: the server's main-thread CPU until then`, startCpu, 'ms'),
    );
  if (firstShown.length)
    figures.push(
      medianFigure(
        `${runs} cold starts, ${label}: the first open → the first screen's error published`,
        firstShown,
        'ms',
      ),
    );
  figures.push(
    medianFigure(
      `${runs} cold starts, ${label}: the first open → ${findings ? 'every error published' : 'diagnostics'}`,
      open,
      'ms',
      '≤ 150 ms',
    ),
  );
  if (mainCpu.length)
    figures.push(
      medianFigure(`${runs} cold starts, ${label}: the server's main-thread CPU for that open`, mainCpu, 'ms'),
    );
  if (allCpu.length)
    figures.push(
      medianFigure(`${runs} cold starts, ${label}: its CPU on all threads (JIT compiler, GC too)`, allCpu, 'ms'),
    );
  if (checkEnd.length)
    figures.push(medianFigure(`${runs} cold starts, ${label}: the open → the real check's end`, checkEnd, 'ms'));
  if (tokensAt.length)
    figures.push(medianFigure(`${runs} cold starts, ${label}: the open → semantic tokens answered`, tokensAt, 'ms'));
  if (hintsAt.length)
    figures.push(
      medianFigure(`${runs} cold starts, ${label}: the open → the first screen's inlay hints`, hintsAt, 'ms'),
    );
  if (shownAt.length)
    figures.push(
      medianFigure(`${runs} cold starts, ${label}: the open → the shown lines' semantic tokens (range)`, shownAt, 'ms'),
    );
  return figures;
}

/**
 * The requests VS Code makes for a script it shows, sent with the open: semantic tokens (the
 * server offers them), document symbols (the outline and breadcrumbs), folding ranges and the
 * inlay hints of the first screen; and, 100 ms later (the least delay of VS Code's viewport
 * contribution), the semantic tokens of the shown lines. Resolves when all are answered; `tokens`,
 * `shown` and `hints` are called at the answers of the full and the range semantic tokens and of
 * the inlay hints.
 */
function editorRequestsAt(
  server: Server,
  uri: string,
  tokens: () => void,
  shown: () => void,
  hints: () => void,
): Promise<unknown> {
  const textDocument = { uri };
  return Promise.all([
    server.conn.sendRequest('textDocument/semanticTokens/full', { textDocument }).then(tokens),
    server.conn.sendRequest('textDocument/documentSymbol', { textDocument }),
    server.conn.sendRequest('textDocument/foldingRange', { textDocument }),
    server.conn
      .sendRequest('textDocument/inlayHint', {
        textDocument,
        range: { start: { line: 0, character: 0 }, end: { line: 50, character: 0 } },
      })
      .then(hints),
    new Promise((r) => setTimeout(r, 100))
      .then(() =>
        server.conn.sendRequest('textDocument/semanticTokens/range', {
          textDocument,
          range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } },
        }),
      )
      .then(shown),
  ]);
}

/** Wait until `server` has written a result cache entry (its check ended); polled every 10 ms. */
async function resultStored(server: Server): Promise<ServerStatsResult> {
  for (;;) {
    const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    if (stats.resultCache.stored > 0) return stats;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A 200,000-line trace opened with a hover sent right after: how long the hover waits, and how
 * long the diagnostics take (median of three opens, each a file of its own).
 */
async function longTrace(dir: string, server: Server, label: string): Promise<Figure[]> {
  const lines = 200_000;
  const text = handshakeLines(lines).join('\n') + '\n';
  const hoverMs: number[] = [];
  const diagnosticsMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const file = path.join(dir, `long-${label.replace(/\W+/g, '-')}-${i}.smmutrace`);
    fs.writeFileSync(file, text);
    const uri = pathToFileURL(file).toString();
    const p = server.published(uri);
    const t0 = now();
    await server.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'smmutrace', version: 1, text },
    });
    await server.conn.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line: 100, character: 2 },
    });
    hoverMs.push(now() - t0);
    await p;
    diagnosticsMs.push(now() - t0);
    await server.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }
  return [
    medianFigure(`200,000-line trace ${label}: a hover sent with the open answered after`, hoverMs, 'ms'),
    medianFigure(`200,000-line trace ${label}: diagnostics published after`, diagnosticsMs, 'ms'),
  ];
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-bench-'));
  const text = longScript(LINES);
  // The servers' code caches (server/code-cache.ts), in a folder of the bench's own. This first
  // server starts without one and saves it after its first check.
  const caches = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-bench-code-cache-'));
  const kept = path.join(caches, 'kept');
  const server = await startServer(dir, { SMMU_CODE_CACHE: kept });
  const { proc, conn } = server;
  const published = server.published;

  const figures: Figure[] = [];
  // Open: the full check of a 10,000-line script (the median leaves out the first, which warms the JIT).
  const openTimes: number[] = [];
  // The server's main-thread CPU for each open: beside the cold starts' figure, steadier than wall
  // time on a loaded machine.
  const openCpu: number[] = [];
  const uris: string[] = [];
  for (let i = 0; i < 10; i++) {
    const file = path.join(dir, `big${i}.smmu`);
    fs.writeFileSync(file, text);
    const uri = pathToFileURL(file).toString();
    uris.push(uri);
    const p = published(uri);
    const cpu0 = threadCpuMs(proc.pid as number, proc.pid as number);
    const t0 = now();
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'smmu', version: 1, text },
    });
    const d = await p;
    openTimes.push(now() - t0);
    const cpu1 = threadCpuMs(proc.pid as number, proc.pid as number);
    if (cpu0 !== undefined && cpu1 !== undefined) openCpu.push(cpu1 - cpu0);
    if (i === 0 && d.diagnostics.length)
      throw new Error(`bench script has diagnostics: ${JSON.stringify(d.diagnostics.slice(0, 2))}`);
  }
  figures.push({
    name: '10,000-line script: open → diagnostics (full check), median of the 2nd to 10th file',
    value: percentile(openTimes.slice(1), 50),
    unit: 'ms',
    target: '≤ 100 ms',
  });
  if (openCpu.length > 4)
    figures.push(
      medianFigure(
        "the same opens, 4th to 10th (V8 has optimised the check by then): the server's main-thread CPU",
        openCpu.slice(3),
        'ms',
      ),
    );
  figures.push({
    name: 'the first of those opens (the server just started, without a code cache: one run, see the cold starts below)',
    value: openTimes[0] ?? 0,
    unit: 'ms',
  });

  // The open's check keeps no syntax tree: the first request that needs one parses the script.
  const t1 = now();
  await conn.sendRequest('textDocument/hover', {
    textDocument: { uri: uris[9] },
    position: { line: 500, character: 10 },
  });
  figures.push({
    name: 'the first hover in a file just opened (parses it once; later ones reuse the tree)',
    value: now() - t1,
    unit: 'ms',
  });

  // Edit: change one line; the server debounces 150 ms, then re-checks syntax and names.
  const uri = uris[0] as string;
  const editTimes: number[] = [];
  for (let v = 2; v < 12; v++) {
    const p = published(uri);
    const t0 = now();
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: v },
      contentChanges: [
        {
          range: { start: { line: 5000, character: 0 }, end: { line: 5000, character: 4 } },
          text: v % 2 ? 'cmd\t' : 'cmd ',
        },
      ],
    });
    await p;
    editTimes.push(now() - t0 - 150);
  }
  figures.push({
    name: 'an edit in it → diagnostics again, minus the 150 ms debounce, median',
    value: percentile(editTimes, 50),
    unit: 'ms',
    target: '≤ 30 ms',
  });
  figures.push({
    name: 'the first of those edits (parses the whole script once, as the open kept no tree)',
    value: editTimes[0] ?? 0,
    unit: 'ms',
  });
  const afterEdit = await conn.sendRequest<{ lastReparsedLines: number }>('smmu/serverStats', {});
  figures.push({
    name: 'lines the edit re-parsed (the rest reused)',
    value: afterEdit.lastReparsedLines,
    unit: 'lines',
  });

  // Hover, inlay hints for a screen, completion.
  const hover: number[] = [];
  const inlay: number[] = [];
  const complete: number[] = [];
  for (let i = 0; i < 200; i++) {
    const line = 100 + ((i * 37) % 9000);
    let t0 = now();
    await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 10 } });
    hover.push(now() - t0);
    t0 = now();
    await conn.sendRequest('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line, character: 0 }, end: { line: line + 50, character: 0 } },
    });
    inlay.push(now() - t0);
    t0 = now();
    await conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line, character: 4 } });
    complete.push(now() - t0);
  }
  figures.push({ name: 'hover, p95', value: percentile(hover, 95), unit: 'ms', target: '≤ 5 ms' });
  figures.push({ name: 'inlay hints for 50 lines, p95', value: percentile(inlay, 95), unit: 'ms', target: '≤ 5 ms' });
  figures.push({ name: 'completion, p95', value: percentile(complete, 95), unit: 'ms', target: '≤ 10 ms' });

  // Server memory with ten such files open.
  const status = fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  figures.push({ name: 'server RSS with ten 10,000-line files open', value: rss, unit: 'MiB', target: '≤ 150 MiB' });
  const stats = await conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
  figures.push({
    name: 'server JS heap in use then (RSS also counts V8 heap not yet returned)',
    value: stats.heapUsed / 1048576,
    unit: 'MiB',
  });

  // "Run the script up to line N" (core/script/model-at-line.ts). Files 2 to 6 (not the edited
  // one, whose edits checked syntax only): a hover first builds the file's tree (not timed), then
  // the Registers view's request at line 9,000 runs the model from line 1, leaving snapshots.
  const state = (u: string, line: number) => conn.sendRequest(STATE_AT_LINE_REQUEST, { uri: u, line });
  const fromStart: number[] = [];
  for (const u of uris.slice(1, 6)) {
    await conn.sendRequest('textDocument/hover', { textDocument: { uri: u }, position: { line: 500, character: 10 } });
    const t0 = now();
    await state(u, 9000);
    fromStart.push(now() - t0);
    const run = (await conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {})).lastModelRun;
    if (run && run.restoredFrom !== 0)
      throw new Error(`the first request did not run from line 1: ${JSON.stringify(run)}`);
  }
  figures.push({
    name: 'Registers view at line 9,000, first request in a file (the model from line 1), median of 5',
    value: percentile(fromStart, 50),
    unit: 'ms',
  });
  // Cursor moves in the last of them, around line 9,000: each from the nearest snapshot.
  const moved = uris[5] as string;
  const moves: number[] = [];
  let ran = 0;
  for (let i = 0; i < 100; i++) {
    const t0 = now();
    await state(moved, 8800 + ((i * 37) % 400));
    moves.push(now() - t0);
    ran = Math.max(ran, (await conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {})).lastModelRun?.ran ?? 0);
  }
  figures.push({
    name: 'Registers view after a cursor move near line 9,000 (from a snapshot), median of 100',
    value: percentile(moves, 50),
    unit: 'ms',
  });
  figures.push({ name: 'the same, p95', value: percentile(moves, 95), unit: 'ms' });
  figures.push({ name: 'statements those moves re-ran at most', value: ran, unit: 'statements' });
  // The hover "What happened here" on the `dma` lines between 8,800 and 9,200: in a file with no
  // snapshots the first runs from line 1, the next from the snapshots it left.
  const dmaLines = text.split('\n').flatMap((l, i) => (i >= 8800 && i < 9200 && l.startsWith('dma ') ? [i] : []));
  const happened = (u: string, line: number) =>
    conn.sendRequest('textDocument/hover', { textDocument: { uri: u }, position: { line, character: 1 } });
  const fresh = uris[6] as string;
  await conn.sendRequest('textDocument/hover', {
    textDocument: { uri: fresh },
    position: { line: 500, character: 10 },
  });
  let t0 = now();
  await happened(fresh, dmaLines[0] as number);
  figures.push({
    name: 'hover "What happened here" near line 8,800, first in a file (the model from line 1)',
    value: now() - t0,
    unit: 'ms',
  });
  const hovers: number[] = [];
  for (const line of dmaLines.slice(1)) {
    t0 = now();
    await happened(fresh, line);
    hovers.push(now() - t0);
  }
  figures.push({
    name: `hover "What happened here" on the next ${hovers.length} dma lines (from snapshots), median`,
    value: percentile(hovers, 50),
    unit: 'ms',
  });
  const after = await conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
  figures.push({
    name: 'snapshots kept then (for the two files that keep a tree)',
    value: after.modelSnapshots,
    unit: 'snapshots',
  });
  figures.push({
    name: 'their estimated size (engine copies and memory pages)',
    value: after.modelSnapshotBytes / 1048576,
    unit: 'MiB',
  });
  const rssAfter = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  // Most of the growth is the heap V8 grew for the runs' garbage: the same requests on the code
  // before the snapshots (each a run from line 1) grew RSS as much (docs/performance.md).
  figures.push({ name: 'server RSS then (ten files open, runs up to a line in six)', value: rssAfter, unit: 'MiB' });
  figures.push({ name: 'server JS heap in use then', value: after.heapUsed / 1048576, unit: 'MiB' });

  // The peer: vscode-json-languageservice validating JSON of the same line count.
  const jsonText =
    '[\n' +
    Array.from(
      { length: LINES - 2 },
      (_, i) =>
        `  {"offset": ${i * 4}, "name": "REG${i}", "value": "0x${(i * 7919).toString(16)}", "ok": ${i % 2 === 0}}${i < LINES - 3 ? ',' : ''}`,
    ).join('\n') +
    '\n]\n';
  const ls = getLanguageService({});
  const jsonTimes: number[] = [];
  for (let i = 0; i < 6; i++) {
    const doc = JsonDocument.create('file:///x.json', 'json', i, jsonText);
    const t0 = now();
    await ls.doValidation(doc, ls.parseJSONDocument(doc));
    jsonTimes.push(now() - t0);
  }
  figures.push({
    name: 'peer: vscode-json-languageservice parse + validate of 10,000 JSON lines, median',
    value: percentile(jsonTimes.slice(1), 50),
    unit: 'ms',
  });

  figures.push(...(await longTrace(dir, server, 'in the background')));
  await server.stop();
  // The same with every trace checked at once (the language server before background replays).
  const once = await startServer(dir, { SMMU_TRACE_BACKGROUND_LINES: '100000000' });
  figures.push(...(await longTrace(dir, once, 'checked at once')));
  await once.stop();
  fs.rmSync(dir, { recursive: true, force: true });

  // After the servers above have exited, so that none of them competes with the cold starts.
  // The first start of a new build finds no code cache (each start gets an empty folder); every
  // later start finds the one an earlier start saved (the server above saved it).
  figures.push(...(await coldStarts(coldRuns, text, 'no code cache yet', (i) => path.join(caches, `none-${i}`))));
  figures.push(...(await coldStarts(coldRuns, text, 'with the code cache', () => kept)));
  figures.push(
    ...(await coldStarts(coldRuns, text, 'code cache, with the requests VS Code sends at an open', () => kept, {
      editorRequests: true,
    })),
  );
  figures.push(
    ...(await coldStarts(coldRuns, text, 'code cache, opened after the warm-up', () => kept, { afterWarmUp: true })),
  );
  const withFindings = longScriptWithFindings(LINES);
  figures.push(
    ...(await coldStarts(
      coldRuns,
      withFindings.text,
      'code cache, a script with an error on its first screen and one near its end',
      () => kept,
      { findings: withFindings },
    )),
  );
  figures.push(
    ...(await coldStarts(coldRuns, text, 'code cache, a tab restored with the result cache', () => kept, {
      results: path.join(caches, 'results'),
    })),
  );
  fs.rmSync(caches, { recursive: true, force: true });
  if (json) {
    process.stdout.write(JSON.stringify({ figures }, null, 2) + '\n');
    return;
  }
  for (const f of figures) {
    const range = f.range ? ` (${f.range[0].toFixed(1)}–${f.range[1].toFixed(1)})` : '';
    process.stdout.write(
      `${f.name.padEnd(80)} ${f.value.toFixed(1)}${range} ${f.unit}${f.target ? `  (target ${f.target})` : ''}\n`,
    );
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`lsp bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
