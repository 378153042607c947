/**
 * Mutated files of every type through the processes users run: the CLI (`check`, `run`, `replay`
 * under a 512 MB heap, each bounded in time), the language server over JSON-RPC stdio (open,
 * hover, completion, semantic tokens, inlay hints and the other requests, an edit, the same again)
 * and the debug adapter (launch, stack, variables, steps). Each must answer within seconds, never
 * die, never print a stack trace or an internal error, and put every position inside the text.
 */
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as zlib from 'zlib';
import fc from 'fast-check';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { smmuWithin } from '../harness/cli-harness';
import { startClient } from '../harness/dap-harness';
import { LspServer } from '../harness/lsp-harness';
import { describeCase, insertText, KIND_SUFFIX, mutatedFile, NASTY, type FileKind, type MutatedFile } from './mutate';
import { root } from '../harness/root';
import { assertDiagnostics, assertNoInternal, assertPositionInside, assertRangeInside, lineLengths } from './oracle';

/** How long any one answer may take: the brief's "within seconds", with room for a loaded machine. */
export const ANSWER_MS = 10000;

/** A mutated file, how its bytes are written, where requests probe it, and one edit made to it. */
export interface EntryCase {
  readonly file: MutatedFile;
  /** Written as Latin-1 bytes instead of UTF-8: bytes that are not UTF-8 reach the tools. */
  readonly latin1: boolean;
  /** Positions for hover, completion and the like: line and character taken modulo the text's. */
  readonly probes: readonly number[];
  /** Inserted at offset `at` (modulo the length) once the file is open. */
  readonly edit: { readonly at: number; readonly text: string };
  /**
   * What a user types into the debugger: a breakpoint's condition, hit count and log message, and
   * console input (a `decode` too); the same pieces as the files' insertions.
   */
  readonly typed: string;
}

export const entryCase = (kinds?: readonly FileKind[]): fc.Arbitrary<EntryCase> =>
  fc.record({
    file: mutatedFile(kinds),
    latin1: fc.boolean(),
    probes: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    edit: fc.record({ at: fc.nat(), text: fc.constantFrom(...NASTY) }),
    typed: insertText,
  });

export function describeEntryCase(c: EntryCase): string {
  return `${describeCase(c.file)}${c.latin1 ? ', written as Latin-1' : ''}; probes ${c.probes.join(', ')}; then ${JSON.stringify(c.edit)}; typed ${JSON.stringify(c.typed.length > 40 ? `${c.typed.slice(0, 40)}…(${c.typed.length} chars)` : c.typed)}`;
}

/** A folder like the repository's: examples/ for the cases, presets/ the real ones (scripts name `../presets/…`). */
export function fuzzFolder(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-fuzz-'))): string {
  fs.mkdirSync(path.join(dir, 'examples'), { recursive: true });
  if (!fs.existsSync(path.join(dir, 'presets'))) fs.symlinkSync(path.join(root, 'presets'), path.join(dir, 'presets'));
  return dir;
}

let counter = 0;

/** Write the case's file into `dir`/examples; returns its path and the text the tools will read (after decoding). */
export function writeCase(dir: string, c: EntryCase): { file: string; text: string } {
  const file = path.join(dir, 'examples', `case-${process.pid}-${counter++}${KIND_SUFFIX[c.file.seed.kind]}`);
  const bytes = Buffer.from(c.file.text, c.latin1 ? 'latin1' : 'utf8');
  fs.writeFileSync(file, bytes);
  return { file, text: bytes.toString('utf8') };
}

const probe = (text: string, p: number) => {
  const lengths = lineLengths(text);
  const line = p % lengths.length;
  return { line, character: (p >>> 8) % ((lengths[line] as number) + 1) };
};

// ---------------------------------------------------------------------------------------------
// The command line

const GCC = /^(.+?):(\d+):(\d+): (?:error|warning|note): /gm;

/**
 * Run `smmu ARGS`: exit 0 or 1 in time (2 only for a `--config` that cannot be used, the option's
 * error by docs/cli.md, said so on stderr), no internal error or stack trace, every
 * `file:line:col` inside its file.
 */
function cli(texts: ReadonlyMap<string, string>, ...args: string[]): void {
  const what = `smmu ${args.map((a) => path.basename(a)).join(' ')}`;
  const r = smmuWithin(ANSWER_MS, ...args);
  assertNoInternal(r.out + r.err, what);
  const badConfig =
    r.code === 2 && args.includes('--config') && /: --config .*(nothing was run|cannot read)/.test(r.err);
  assert.ok(
    r.code === 0 || r.code === 1 || badConfig,
    `${what}: exit ${r.code}${r.why ? ` (${r.why})` : ''}\n${r.err.slice(0, 1000)}`,
  );
  for (const m of (r.out + r.err).matchAll(GCC)) {
    const text = texts.get(m[1] as string);
    if (text === undefined) continue;
    assertPositionInside(
      lineLengths(text),
      { line: Number(m[2]) - 1, character: Number(m[3]) - 1 },
      `${what}: ${m[0]}`,
    );
  }
}

/** Bytes from a seed (a linear congruential generator: the case, not Math.random, decides them). */
function bytesOf(seed: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/**
 * `smmu replay` on gzipped input (it gunzips what starts with gzip's magic bytes): the trace
 * gzipped whole, cut short, with one byte changed; gzip of random bytes; the magic bytes before
 * random ones. Each ends in time with exit 0 or 1, or 2 with the clear message a damaged gzip gets
 * on stderr; never an internal error or a stack trace. Where the damage falls comes from the
 * case's probes, so a failing case is reproduced by its seed.
 */
function gzipCli(dir: string, c: EntryCase, bytes: Buffer): void {
  const [p0 = 0, p1 = 0, p2 = 0] = c.probes;
  const gz = zlib.gzipSync(bytes);
  const flipped = Buffer.from(gz);
  flipped[p1 % gz.length] = ((flipped[p1 % gz.length] as number) ^ ((p2 % 255) + 1)) & 0xff;
  const random = bytesOf(p2, 1 + (p0 % 4096));
  const variants: [string, Buffer][] = [
    ['whole', gz],
    [`cut at ${1 + (p0 % (gz.length - 1))} of ${gz.length} bytes`, gz.subarray(0, 1 + (p0 % (gz.length - 1)))],
    [`byte ${p1 % gz.length} changed`, flipped],
    [`gzip of ${random.length} random bytes`, zlib.gzipSync(random)],
    [`the magic bytes, then ${random.length} random bytes`, Buffer.concat([Buffer.from([0x1f, 0x8b]), random])],
  ];
  for (const [how, data] of variants) {
    const file = path.join(dir, 'examples', `case-${process.pid}-${counter++}.smmutrace.gz`);
    fs.writeFileSync(file, data);
    const what = `smmu replay ${path.basename(file)} (${how})`;
    const r = smmuWithin(ANSWER_MS, 'replay', file);
    assertNoInternal(r.out + r.err, what);
    assert.ok(
      r.code === 0 || r.code === 1 || (r.code === 2 && /^smmu replay: .*gzip data is damaged/m.test(r.err)),
      `${what}: exit ${r.code}${r.why ? ` (${r.why})` : ''}\n${r.err.slice(0, 1000)}`,
    );
    if (how === 'whole') assert.ok(r.code !== 2, `${what}: a whole gzip refused\n${r.err.slice(0, 500)}`);
    fs.rmSync(file, { force: true });
  }
}

/** `check` on every file; `run` on scripts; `replay` on traces; a configuration given to `run` and `replay` with --config. */
export function checkCli(dir: string, c: EntryCase): void {
  const { file, text } = writeCase(dir, c);
  const texts = new Map([[file, text]]);
  switch (c.file.seed.kind) {
    case 'script':
      cli(texts, 'check', file);
      cli(texts, 'run', file, '--trace');
      break;
    case 'queue':
      cli(texts, 'check', file);
      break;
    case 'trace':
      cli(texts, 'replay', file);
      cli(texts, 'check', file);
      gzipCli(dir, c, fs.readFileSync(file));
      break;
    case 'qemu':
      cli(texts, 'replay', file, '--json');
      gzipCli(dir, c, fs.readFileSync(file));
      break;
    case 'config':
      cli(texts, 'check', file);
      cli(texts, 'run', path.join(root, 'examples', 'linux-bringup.smmu'), '--config', file);
      cli(texts, 'replay', path.join(root, 'examples', 'xen-vsmmu-seed.smmutrace'), '--config', file);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// The language server

const LANGUAGE: Record<FileKind, string> = {
  script: 'smmu',
  queue: 'smmuq',
  trace: 'smmutrace',
  qemu: 'smmutrace',
  config: 'json',
};

const within = <T>(p: Promise<T>, what: string, ms = ANSWER_MS): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });

type Rng = { start: { line: number; character: number }; end: { line: number; character: number } };

/**
 * Every `range`, `position` and `selectionRange` in a response, wherever it is nested, that belongs
 * to the document `uri`: locations in other files (a definition in an included script, an edit of
 * another file) are skipped.
 */
function positionsIn(value: unknown, uri: string, out: { range?: Rng; position?: Rng['start'] }[] = []): typeof out {
  if (Array.isArray(value)) for (const v of value) positionsIn(v, uri, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of ['uri', 'targetUri']) if (typeof o[k] === 'string' && o[k] !== uri) return out;
    for (const [k, v] of Object.entries(o)) {
      if (k.startsWith('file:') && k !== uri) continue;
      if (
        (k === 'range' || k === 'selectionRange' || k === 'targetRange' || k === 'targetSelectionRange') &&
        v &&
        typeof v === 'object' &&
        'start' in v
      )
        out.push({ range: v as Rng });
      else if (k === 'position' && v && typeof v === 'object' && 'line' in v) out.push({ position: v as Rng['start'] });
      else positionsIn(v, uri, out);
    }
  }
  return out;
}

/** Every position of `answer` that belongs to `uri` lies inside `text`. */
function assertAnswerInside(text: string, uri: string, answer: unknown, what: string): void {
  const lengths = lineLengths(text);
  try {
    for (const x of positionsIn(answer, uri)) {
      if (x.range) assertRangeInside(lengths, x.range, what);
      if (x.position) assertPositionInside(lengths, x.position, what);
    }
  } catch (e) {
    // The answer is shown only when it is wrong: thousands of diagnostics each printing all of them was quadratic.
    throw new Error(`${e instanceof Error ? e.message : String(e)}\nin ${JSON.stringify(answer).slice(0, 300)}`);
  }
}

/** Semantic tokens decoded (relative line and start) and checked to lie inside their lines. */
function assertSemanticTokens(text: string, data: readonly number[], what: string): void {
  const lengths = lineLengths(text);
  assert.equal(data.length % 5, 0, `${what}: ${data.length} numbers`);
  let line = 0;
  let start = 0;
  for (let i = 0; i < data.length; i += 5) {
    const [dl, ds, len] = data.slice(i, i + 3) as [number, number, number];
    line += dl;
    start = dl ? ds : start + ds;
    assertRangeInside(
      lengths,
      { start: { line, character: start }, end: { line, character: start + len } },
      `${what}: token ${i / 5}`,
    );
  }
}

/** One language server for many cases, in a folder like the repository's. */
export class LspFuzz {
  private constructor(readonly server: LspServer) {}

  static async start(): Promise<LspFuzz> {
    const { server } = await LspServer.start('smmu-fuzz-lsp-', () => ({
      capabilities: { workspace: { inlayHint: { refreshSupport: false } } },
    }));
    fuzzFolder(server.dir);
    return new LspFuzz(server);
  }

  /** Shut the server down; one that no longer answers (the failure being reported) is killed. */
  async stop(): Promise<void> {
    await within(this.server.stop(), 'shutdown', 3000).catch(() => this.server.proc.kill('SIGKILL'));
  }

  /** Diagnostics published for `uri` at `version` (each publish names the version it checked). */
  private published(uri: string, version: number): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const look = () => {
        const hit = (this.server.published.get(uri) ?? []).find((p: PublishDiagnosticsParams) => p.version === version);
        if (hit) return resolve(hit.diagnostics);
        if (this.server.proc.exitCode !== null || this.server.proc.signalCode !== null)
          return reject(
            new Error(`the server died (exit ${this.server.proc.exitCode}, ${this.server.proc.signalCode})`),
          );
        if (Date.now() - t0 > ANSWER_MS)
          return reject(new Error(`no diagnostics for version ${version} within ${ANSWER_MS} ms`));
        setTimeout(look, 20);
      };
      look();
    });
  }

  private request(method: string, params: unknown): Promise<unknown> {
    return within(this.server.conn.sendRequest(method, params), method);
  }

  /** Every request an editor makes on a document, answered with positions inside `text`. */
  private async requests(
    uri: string,
    text: string,
    probes: readonly number[],
    diagnostics: Diagnostic[],
  ): Promise<void> {
    const lengths = lineLengths(text);
    const textDocument = { uri };
    const whole = {
      start: { line: 0, character: 0 },
      end: { line: lengths.length - 1, character: lengths[lengths.length - 1] as number },
    };
    const answers: [string, unknown][] = [];
    const ask = async (method: string, params: Record<string, unknown>) =>
      answers.push([method, await this.request(method, { textDocument, ...params })]);
    for (const p of probes) {
      const position = probe(text, p);
      await Promise.all([
        ask('textDocument/hover', { position }),
        ask('textDocument/completion', { position }),
        ask('textDocument/signatureHelp', { position }),
        ask('textDocument/definition', { position }),
        ask('textDocument/references', { position, context: { includeDeclaration: true } }),
      ]);
      answers.push(['smmu/stateAtLine', await this.request('smmu/stateAtLine', { uri, line: position.line })]);
      answers.push(['smmu/queuesAtLine', await this.request('smmu/queuesAtLine', { uri, line: position.line })]);
    }
    await Promise.all([
      ask('textDocument/inlayHint', { range: whole }),
      ask('textDocument/documentSymbol', {}),
      ask('textDocument/foldingRange', {}),
      ask('textDocument/formatting', { options: { tabSize: 2, insertSpaces: true } }),
      ask('textDocument/codeAction', {
        range: diagnostics[0]?.range ?? whole,
        context: { diagnostics: diagnostics.slice(0, 3) },
      }),
    ]);
    answers.push(['smmu/documentInfo', await this.request('smmu/documentInfo', { uri })]);
    const tokens = (await this.request('textDocument/semanticTokens/full', { textDocument })) as {
      data: number[];
    } | null;
    assertSemanticTokens(text, tokens?.data ?? [], 'semantic tokens');
    // The lines around each probe, as VS Code asks for the lines it shows.
    for (const p of probes) {
      const { line } = probe(text, p);
      const range = { start: { line: Math.max(0, line - 3), character: 0 }, end: { line: line + 40, character: 0 } };
      const shown = (await this.request('textDocument/semanticTokens/range', { textDocument, range })) as {
        data: number[];
      } | null;
      assertSemanticTokens(text, shown?.data ?? [], 'semantic tokens of a range');
    }
    for (const [method, answer] of answers) {
      assertNoInternal(JSON.stringify(answer) ?? '', method);
      assertAnswerInside(text, uri, answer, method);
    }
  }

  /** Open the case's file, ask everything, edit it, ask again, close it; the server answers all of it. */
  async check(c: EntryCase): Promise<void> {
    const { file, text } = writeCase(this.server.dir, c);
    const uri = pathToFileURL(file).toString();
    const version = this.server.nextVersion();
    void this.server.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: LANGUAGE[c.file.seed.kind], version, text },
    });
    // The lines an editor shows first, asked for while the first check runs: their semantic tokens
    // (answered at once) and inlay hints (answered once the check has run past them).
    const shown = this.request('textDocument/semanticTokens/range', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 60, character: 0 } },
    }) as Promise<{ data: number[] } | null>;
    const shownHints = this.request('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 60, character: 0 } },
    });
    const first = await this.published(uri, version);
    assertSemanticTokens(text, (await shown)?.data ?? [], 'semantic tokens of the shown lines, during the first check');
    const hints = await shownHints;
    assertNoInternal(JSON.stringify(hints) ?? '', 'inlay hints of the shown lines, during the first check');
    assertAnswerInside(text, uri, hints, 'inlay hints of the shown lines, during the first check');
    assertDiagnostics(text, first, 'published diagnostics');
    assertAnswerInside(text, uri, first, 'related information of the published diagnostics');
    await this.requests(uri, text, c.probes, first);
    if (c.file.seed.kind === 'config') {
      // A script that uses the configuration: its problems are reported in the script, inside it.
      const script = `config "${path.basename(file)}"\nread32 IDR0\nwrite32 CR0 SMMUEN\n`;
      const s = pathToFileURL(file.replace(/\.smmu\.json$/, '.smmu')).toString();
      const sv = this.server.nextVersion();
      void this.server.conn.sendNotification('textDocument/didOpen', {
        textDocument: { uri: s, languageId: 'smmu', version: sv, text: script },
      });
      assertDiagnostics(script, await this.published(s, sv), 'diagnostics of a script using the configuration');
      void this.server.conn.sendNotification('textDocument/didClose', { textDocument: { uri: s } });
    }
    // An incremental edit: text inserted at a position of the open text (not inside a \r\n pair,
    // which is no LSP position).
    let at = c.edit.at % (text.length + 1);
    if (text[at - 1] === '\r' && text[at] === '\n') at--;
    const head = text.slice(0, at).split(/\r\n|\r|\n/);
    const pos = { line: head.length - 1, character: (head[head.length - 1] as string).length };
    const newText = text.slice(0, at) + c.edit.text + text.slice(at);
    const v2 = this.server.nextVersion();
    void this.server.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: v2 },
      contentChanges: [{ range: { start: pos, end: pos }, text: c.edit.text }],
    });
    const second = await this.published(uri, v2);
    // The first check may have published what it found so far before its whole set: each publish
    // of a version begins with the one before it (nothing shown is taken back).
    const ofFirst = (this.server.published.get(uri) ?? []).filter((p) => p.version === version);
    for (let i = 1; i < ofFirst.length; i++) {
      const before = JSON.stringify((ofFirst[i - 1] as PublishDiagnosticsParams).diagnostics);
      const now = (ofFirst[i] as PublishDiagnosticsParams).diagnostics;
      const head = JSON.stringify(now.slice(0, (ofFirst[i - 1] as PublishDiagnosticsParams).diagnostics.length));
      assert.equal(head, before, `publish ${i + 1} of the first check does not begin with publish ${i}`);
    }
    for (const p of ofFirst) assertDiagnostics(text, p.diagnostics, 'diagnostics published during the first check');
    assertDiagnostics(newText, second, 'diagnostics after an edit');
    assertAnswerInside(newText, uri, second, 'related information of the diagnostics after an edit');
    await this.requests(uri, newText, c.probes.slice(0, 1), second);
    void this.server.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    assert.equal(this.server.proc.exitCode, null, 'the server is still running');
  }
}

// ---------------------------------------------------------------------------------------------
// The debug adapter

/** Launch the adapter on the case's file (a configuration: as `config` of an example), then stack, variables and steps. */
export async function checkDap(dir: string, c: EntryCase): Promise<void> {
  const { file, text } = writeCase(dir, c);
  const isConfig = c.file.seed.kind === 'config';
  const program = isConfig
    ? path.join(root, 'examples', c.probes[0]! % 2 ? 'linux-bringup.smmu' : 'xen-vsmmu-seed.smmutrace')
    : file;
  const dc: DebugClient = await startClient({ env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=512' } });
  const proc = (dc as unknown as { _adapterProcess: import('child_process').ChildProcess | null })._adapterProcess;
  const output: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
  const alive = () =>
    assert.ok(
      proc && proc.exitCode === null && proc.signalCode === null,
      `the adapter died (${proc?.exitCode}, ${proc?.signalCode}); output ${output.join('').slice(0, 1000)}`,
    );
  // Event waiters registered before the request that causes the event, with timers cleared at the
  // end (DebugClient.waitForEvent's own timers would keep the process alive long after).
  const pending = new Set<() => void>();
  const nextEvent = (type: string): Promise<unknown> => {
    const p = new Promise((resolve, reject) => {
      const on = (e: unknown) => (done(), resolve(e));
      const timer = setTimeout(() => (done(), reject(new Error(`no ${type} event within ${ANSWER_MS} ms`))), ANSWER_MS);
      const done = () => (clearTimeout(timer), dc.removeListener(type, on), pending.delete(done));
      pending.add(done);
      dc.once(type, on);
    });
    p.catch(() => undefined);
    return p;
  };
  try {
    const firstStop = nextEvent('stopped');
    void nextEvent('initialized').then(() => dc.configurationDoneRequest().catch(() => undefined));
    let launchError: string | undefined;
    await within(
      // Sometimes `trace: true`, as the VS Code client sets it for SMMU Trace documents: any file stepped as a trace.
      dc
        .launch({
          program,
          ...(isConfig ? { config: file } : {}),
          stopOnEntry: c.probes[1]! % 2 === 0,
          ...(c.probes[2]! % 4 === 0 ? { trace: true } : {}),
        })
        .catch((e: unknown) => {
          launchError = e instanceof Error ? e.message : String(e);
        }),
      'launch',
    );
    alive();
    if (launchError !== undefined) {
      assertNoInternal(launchError, 'launch refused');
      assert.ok(launchError.length > 0);
    } else {
      await firstStop;
      const lengths = lineLengths(isConfig ? fs.readFileSync(program, 'utf8') : text);
      // Any answer will do, an error included; none may be an internal error, and the adapter must stay.
      const send = async (command: string, args?: unknown): Promise<DebugProtocol.Response | undefined> => {
        try {
          return (await within(dc.send(command, args), command)) as DebugProtocol.Response;
        } catch (e) {
          const m = e instanceof Error ? e.message : String(e);
          if (/no answer within/.test(m)) throw e;
          assertNoInternal(m, command);
          return undefined;
        }
      };
      const stack = (await send('stackTrace', { threadId: 1 })) as DebugProtocol.StackTraceResponse | undefined;
      // Lines are 1-based; the end of a script is the line after its last statement.
      for (const f of stack?.body.stackFrames ?? [])
        assert.ok(
          f.line >= 1 && f.line <= lengths.length + 1,
          `frame ${f.name} at line ${f.line} of ${lengths.length}`,
        );
      const scopes = (await send('scopes', { frameId: stack?.body.stackFrames[0]?.id ?? 0 })) as
        DebugProtocol.ScopesResponse | undefined;
      for (const s of scopes?.body.scopes.slice(0, 2) ?? [])
        await send('variables', { variablesReference: s.variablesReference });
      await send('evaluate', { expression: 'CR0', context: 'watch', frameId: 0 });
      // What a user types: breakpoints on the first lines with it as condition, hit count and log
      // message (the steps below may reach them), and console input; each a user's text read by
      // its own reader (a hit count's once took time quadratic in a run of blanks).
      const t = c.typed;
      await send('setBreakpoints', {
        source: { path: program },
        breakpoints: [
          { line: 2, condition: t },
          { line: 3, hitCondition: `${t}x` },
          { line: 4, hitCondition: `>= ${t}` },
          { line: 5, logMessage: `{${t}} ${t}` },
        ],
      });
      await send('evaluate', { expression: t, context: 'repl', frameId: 0 });
      await send('evaluate', { expression: `decode CR0 ${t}`, context: 'repl', frameId: 0 });
      for (const step of ['next', 'stepIn', 'stepBack', 'continue']) {
        const s = nextEvent('stopped');
        if (await send(step, { threadId: 1 })) await s;
      }
      await send('stackTrace', { threadId: 1 });
    }
    alive();
    assertNoInternal(output.join(''), 'adapter output');
  } finally {
    for (const done of [...pending]) done();
    await within(dc.stop(), 'disconnect', 3000).catch(() => proc?.kill('SIGKILL'));
  }
}
