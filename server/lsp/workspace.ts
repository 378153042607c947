/**
 * The server's view of the workspace: the last check of every open document, which configuration
 * each script uses (to re-check dependents when a configuration changes), and file access that
 * prefers the editor's unsaved text over the disk.
 */
import * as fs from 'fs';
import * as v8 from 'v8';
import { DEFAULT_GUEST_MEMORY_LIMIT } from '../../core/model/memory';
import { formatBytes } from '../../core/base/files';
import { readTextFile } from '../read-file';
import { kindOf } from '../../core/files/kind';
import * as path from 'path';
import type { Diagnostic, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { loadConfig } from '../../core/config/load';
import { DEFAULT_CONFIG } from '../../core/config/presets';
import { applyDefaultConfig, type DefaultConfig } from '../../core/config/default';
import type { ResolvedConfig } from '../../core/config/types';
import { checkQueueFile, type QueueFileCheck } from '../../core/queue-file/check';
import {
  checkScript,
  checkScriptSliced,
  checkScriptStreamed,
  includedPaths,
  resolveUpTo,
  type CheckOptions,
  type CheckMode,
  type ScriptCheck,
  type ScriptHost,
} from '../../core/script/check';
import { IncrementalParser } from '../../core/script/incremental';
import { splitLines } from '../../core/script/lexer';
import { ModelRuns } from '../../core/script/model-at-line';
import { ResolveCache } from '../../core/script/resolve';
import type { Observation } from '../../core/script/interpreter';

/** A document's resolutions live and die with its parser (both are dropped with its tree). */
const resolveCaches = new WeakMap<IncrementalParser, ResolveCache>();
import { toLspDiagnostic } from './diagnostics';
import { recordingHost, resultKey, type FileRead, type ResultCache, type ResultKey } from './result-cache';
import { serverIdentity } from '../code-cache';
import { isTraceDocument, runsInBackground, TraceDocuments, type TraceProgress } from './trace';
import { pathToUri, uriToPath } from './uri';

/** What a streamed check has found on the lines it has checked (core FoundSoFar), as LSP diagnostics. */
export interface FoundSoFarLsp {
  readonly count: number;
  /** Undefined while a later line can still add a diagnostic on these lines. */
  list(): Diagnostic[] | undefined;
}

export type { CheckMode };

/** Scripts longer than this are not executed on every open/save in the editor. */
export const MAX_EXECUTED_LINES = 50_000;

/**
 * The most lines resolved on their own for a request that comes during a script's first check
 * (Workspace.resolveUpTo: the semantic tokens and inlay hints of the lines on screen). The work
 * runs between two slices of the check and delays it: 10,000 lines cost about what the front end
 * of the bench's first open costs. A request about lines further down waits for the check.
 */
export const RESOLVE_AHEAD_MAX_LINES = 10_000;

/**
 * A model run in the editor stops after this long and says where (the CLI has no such limit).
 * `SMMU_RUN_TIME_LIMIT_MS` overrides it (tests reach the limit with it).
 */
export const RUN_TIME_LIMIT_MS = ((given) => (Number.isInteger(given) && given > 0 ? given : 10_000))(
  Number(process.env.SMMU_RUN_TIME_LIMIT_MS?.trim() || NaN),
);

/**
 * Documents over this many characters are not parsed at all: a 16 Mi-character script is about
 * 400,000 lines, and its syntax tree alone would take about half a gigabyte of the server's heap.
 */
export const MAX_DOCUMENT_CHARS = 16 * 1024 * 1024;

/**
 * Above this share of the heap limit the server checks syntax only, and says so, instead of
 * running the model towards an out-of-memory crash (the client starts it with a stated limit).
 */
export const HEAP_HIGH_WATER = 0.7;

function heapIsHigh(): { used: number; limit: number } | undefined {
  const h = v8.getHeapStatistics();
  return h.used_heap_size > HEAP_HIGH_WATER * h.heap_size_limit
    ? { used: h.used_heap_size, limit: h.heap_size_limit }
    : undefined;
}

const LINE0 = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * `doc.lineCount` without building the document's table of line offsets, which TextDocument makes
 * with a loop over every character: on a cold start V8 interprets that loop before the first
 * open's check can start, and nothing else in an open needs the table (docs/performance.md). The
 * same count: `\r\n`, `\r` and `\n` each end a line; text with a `\r` asks the document.
 */
/** LSP's line breaks, for headText. */
const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * The text of lines 0 to `last` with the break after the last of them (what
 * `doc.getText({start: {line: 0, character: 0}, end: {line: last + 1, character: 0}})` gives),
 * without the document's table of line offsets. TextDocument builds that table for the whole
 * text at the first position it converts (`lineCount`, `getText(range)`): a loop over every
 * character, about 4 ms of cold code for a 10,000-line script, which the first screen's inlay
 * hints and semantic tokens paid during its first check. A native regular expression finds the
 * breaks of the head alone.
 */
export function headText(doc: TextDocument, last: number): string {
  const text = doc.getText();
  LINE_BREAK.lastIndex = 0;
  let end = text.length;
  for (let line = 0; line <= last; line++) {
    if (LINE_BREAK.exec(text) === null) break;
    if (line === last) end = LINE_BREAK.lastIndex;
  }
  return text.slice(0, end);
}

/** Lines 0 to `last` of the document (fewer when it has fewer), without their breaks; see headText. */
export function headLines(doc: TextDocument, last: number): string[] {
  const lines = splitLines(headText(doc, last));
  return lines.length > last + 1 ? lines.slice(0, last + 1) : lines;
}

export function lineCountOf(doc: TextDocument): number {
  const text = doc.getText();
  // One native split rather than a loop of indexOf calls, which V8 would interpret too.
  return text.includes('\r') ? doc.lineCount : text.split('\n').length;
}

/** The path with symbolic links resolved (a link inside the workspace may point out of it). */
function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * What the server keeps of a check: not the token list (a token and a range object each; the
 * handlers re-lex the lines they need) nor the model (the observations carry what hovers and
 * inlay hints show).
 */
function slim(c: ScriptCheck): ScriptCheck {
  const { engine: _engine, smmu: _smmu, ...rest } = c;
  void _engine;
  void _smmu;
  return { ...rest, resolved: { ...c.resolved, parsed: { ...c.resolved.parsed, tokens: [] } } };
}

/**
 * How many scripts keep their syntax tree and the model's observations between requests, most
 * recently used first, as rust-analyzer keeps an LRU of syntax trees. A tree with its resolutions
 * costs about 1.3 KB a line, so ten open 10,000-line scripts would hold 130 MB. The others keep
 * their diagnostics; their tree is parsed again, and the model run again, when a handler needs
 * them. A script just opened keeps its observations but no tree (checkStreamed) until then.
 */
export const KEEP_TREES = 2;

/** Between slices of a model run: let the connection read waiting messages (edits, cancellations). */
const pauseForMessages = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What the server keeps of a script between requests. */
interface ScriptEntry {
  readonly version: number;
  /** The check with its syntax tree, while the script is among the KEEP_TREES most recently used. */
  check?: ScriptCheck;
  /** Re-parses only the lines an edit changed; dropped with the tree. */
  parser?: IncrementalParser;
  readonly diagnostics: ScriptCheck['diagnostics'];
  /** What the model observed (inlay hints, hovers), while the tree is kept. */
  run?: ScriptCheck['run'];
  /** The check that made this entry ran the model: a dropped tree is rebuilt by running it again. */
  readonly ranModel: boolean;
  readonly config: ScriptCheck['config'];
  readonly configPath?: string;
  /** Files included, at any depth (dependents are re-checked when one changes). */
  readonly includes: readonly string[];
}

export class Workspace {
  /** What is kept of each script, with the document version it was made for. */
  private readonly scripts = new Map<string, ScriptEntry>();
  /** Scripts holding a tree or the model's observations, most recently used last. */
  private readonly withTree: string[] = [];
  /**
   * The snapshots of each script's runs up to a line (core/script/model-at-line.ts), kept for the
   * scripts that keep a tree (the ones the cursor is in): at most KEEP_TREES sets, each bounded.
   */
  private readonly runs = new Map<string, ModelRuns>();
  private readonly configs = new Map<string, ResolvedConfig | undefined>();

  constructor(private readonly documents: TextDocuments<TextDocument>) {}

  /** The configuration of scripts and queue descriptors without a `config` line (`smmu.configuration`). */
  private defaultConfig: DefaultConfig | undefined;

  /**
   * Use `d` for files without a `config` line from now on. What was kept of earlier checks is
   * dropped (it was made against the previous default); the caller re-checks open documents.
   */
  setDefaultConfig(d: DefaultConfig | undefined): void {
    this.defaultConfig = d;
    this.scripts.clear();
    this.withTree.length = 0;
    this.runs.clear();
    this.queueFiles.clear();
  }

  /** The configuration of scripts without a `config` line, for runs outside the checks (Run on QEMU). */
  get defaultConfiguration(): DefaultConfig | undefined {
    return this.defaultConfig;
  }

  /** Guest memory a model run may write, bytes (`smmu.model.maxGuestMemory`). */
  maxGuestMemory = DEFAULT_GUEST_MEMORY_LIMIT;

  private get checkOptions(): CheckOptions {
    const limits = { maxGuestMemory: this.maxGuestMemory, timeLimitMs: RUN_TIME_LIMIT_MS };
    return this.defaultConfig ? { defaultConfig: this.defaultConfig, ...limits } : limits;
  }

  static isConfig(uri: string): boolean {
    return kindOf(uri) === 'config';
  }

  static isQueueFile(uri: string): boolean {
    return kindOf(uri) === 'queue';
  }

  /** Last check of each queue descriptor (hovers decode its entries). */
  private readonly queueFiles = new Map<string, { check: QueueFileCheck; version: number }>();

  queueFileCheck(doc: TextDocument): QueueFileCheck {
    const last = this.queueFiles.get(doc.uri);
    if (last && last.version === doc.version) return last.check;
    const check = checkQueueFile(doc.getText(), uriToPath(doc.uri), this.host, this.checkOptions);
    this.queueFiles.set(doc.uri, { check, version: doc.version });
    return check;
  }

  /** False in an untrusted workspace: files outside `roots` are not read (settings.ts `trusted`). */
  private trusted = true;
  private roots: readonly string[] = [];
  /** The workspace folders as given (messages name files relative to them). */
  private rootPaths: readonly string[] = [];

  /** Which files a script may make the server read; the caller re-checks open documents. */
  setFileAccess(trusted: boolean, roots: readonly string[]): void {
    this.trusted = trusted;
    this.rootPaths = roots;
    this.roots = roots.map(realPath);
    this.scripts.clear();
    this.withTree.length = 0;
    this.runs.clear();
    this.queueFiles.clear();
    this.configs.clear();
    this.traces.clear();
  }

  readonly host: ScriptHost = {
    readFile: (p, kind) => {
      // A document the user opened is read as the editor holds it, trusted or not.
      const open = this.documents.get(pathToUri(p));
      if (open) return open.getText();
      if (!this.trusted) {
        const real = realPath(p);
        if (!this.roots.some((r) => real === r || real.startsWith(r.endsWith(path.sep) ? r : r + path.sep)))
          return {
            unreadable:
              'it is outside the workspace folder, and this workspace is not trusted (files outside it are read once you trust the workspace)',
          };
      }
      return readTextFile(p, kind);
    },
    resolvePath: (from: string, relative: string) => path.resolve(path.dirname(from), relative),
  };

  /** The last "what happened here" hover (hover.ts): a re-run of the model up to its line. */
  lastHappened:
    | { readonly uri: string; readonly version: number; readonly line: number; readonly text: string | undefined }
    | undefined;

  /** The replays of open trace documents. */
  readonly traces = new TraceDocuments(this.host);

  /** Whether a document is over MAX_DOCUMENT_CHARS: whole-document requests answer with nothing for it. */
  isTooLarge(doc: TextDocument): boolean {
    return doc.getText().length > MAX_DOCUMENT_CHARS;
  }

  /** The diagnostic of a document too large to parse, or undefined. */
  private tooLarge(doc: TextDocument): Diagnostic | undefined {
    if (!this.isTooLarge(doc)) return undefined;
    return {
      range: LINE0,
      severity: 2,
      code: 'check.too-large',
      source: 'smmu',
      message: `this file is too large for the editor to check (${formatBytes(doc.getText().length)} of text; the limit is ${formatBytes(MAX_DOCUMENT_CHARS)}): run \`smmu check\` or \`smmu replay\` on it instead`,
    };
  }

  /**
   * The persisted diagnostics of full checks (result-cache.ts), when `smmu.languageServer.resultCache`
   * is on. Neither read nor written in an untrusted workspace (docs/security.md).
   */
  resultCache: ResultCache | undefined;

  private get resultCacheInUse(): ResultCache | undefined {
    return this.trusted ? this.resultCache : undefined;
  }

  /** The key of a full check of `doc` as it is now: its text and everything else its result depends on. */
  private resultKeyOf(doc: TextDocument): ResultKey {
    const context = { roots: this.rootPaths, options: this.checkOptions, maxExecutedLines: MAX_EXECUTED_LINES };
    return resultKey(serverIdentity(), doc.uri, doc.getText(), context);
  }

  /**
   * The diagnostics a full check of `doc` would publish, as an earlier check of the same text with
   * the same inputs stored them, when every file it read reads the same; undefined otherwise.
   */
  cachedDiagnostics(doc: TextDocument): Diagnostic[] | undefined {
    const cache = this.resultCacheInUse;
    if (
      !cache ||
      Workspace.isConfig(doc.uri) ||
      Workspace.isQueueFile(doc.uri) ||
      isTraceDocument(doc) ||
      this.isTooLarge(doc) ||
      lineCountOf(doc) > MAX_EXECUTED_LINES
    )
      return undefined;
    return cache.lookup(this.resultKeyOf(doc), this.host);
  }

  /**
   * Whether a full check of `doc` now would be its streamed first check, which builds no syntax
   * tree (checkCancellable → checkStreamed): requests that need the tree wait for it (open-checks.ts).
   */
  checksWithoutTree(doc: TextDocument): boolean {
    return (
      !Workspace.isConfig(doc.uri) &&
      !Workspace.isQueueFile(doc.uri) &&
      !isTraceDocument(doc) &&
      !this.isTooLarge(doc) &&
      lineCountOf(doc) <= MAX_EXECUTED_LINES &&
      this.scripts.get(doc.uri)?.parser === undefined
    );
  }

  /**
   * Store a full check's diagnostics with the files it read, after the publish (the key now: the
   * document changes in place on an edit). A run stopped by the time limit is not stored: where it
   * stopped depends on the machine's speed, not on the inputs.
   */
  private storeResult(doc: TextDocument, reads: readonly FileRead[] | undefined, diagnostics: Diagnostic[]): void {
    const cache = this.resultCacheInUse;
    if (!cache || !reads || diagnostics.some((d) => d.code === 'run.time-limit')) return;
    const key = this.resultKeyOf(doc);
    setImmediate(() => cache.store(key, { reads, diagnostics }));
  }

  /** Check a document and return its diagnostics. */
  check(doc: TextDocument, mode: CheckMode): Diagnostic[] {
    const tooLarge = this.tooLarge(doc);
    if (tooLarge) return [tooLarge];
    if (isTraceDocument(doc)) return this.traces.diagnostics(doc, this.rootPaths);
    if (Workspace.isConfig(doc.uri)) {
      const loaded = loadConfig(doc.getText());
      this.configs.set(doc.uri, loaded.config);
      return loaded.diagnostics.map((d) => toLspDiagnostic(d, doc.uri, this.rootPaths));
    }
    if (Workspace.isQueueFile(doc.uri))
      return this.queueFileCheck(doc).diagnostics.map((d) => toLspDiagnostic(d, doc.uri, this.rootPaths));
    // Very large scripts get syntax and name checks only: running the model on them would make
    // every save wait (the CLI still runs them whole).
    const large = lineCountOf(doc) > MAX_EXECUTED_LINES;
    const result = this.store(doc, large ? 'syntax' : mode);
    const diagnostics = result.diagnostics.map((d) => toLspDiagnostic(d, doc.uri, this.rootPaths));
    if (large && mode === 'full') {
      diagnostics.unshift({
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        severity: 3,
        code: 'check.large-file',
        source: 'smmu',
        message: `this script has ${lineCountOf(doc)} lines, more than ${MAX_EXECUTED_LINES}: the editor checks syntax and names only; run it with \`smmu run\` to execute it on the model`,
      });
    }
    return diagnostics;
  }

  /** Check a script (its edited lines parsed again) and keep the result as its latest. */
  private store(doc: TextDocument, mode: CheckMode): ScriptCheck {
    const parser = this.scripts.get(doc.uri)?.parser ?? new IncrementalParser();
    return this.keep(
      doc,
      slim(checkScript(doc.getText(), uriToPath(doc.uri), this.host, mode, this.optionsFor(parser))),
      parser,
    );
  }

  /** Runs of the model stopped by cancellation (a newer edit, a cancelled request); for tests. */
  cancelledRuns = 0;
  /** Full checks whose model run has started and not ended. */
  runsInFlight = 0;

  /**
   * Check a document as `check` does, but with the model run in slices so that `cancelled` (a
   * newer edit or check of the same document) can stop it; undefined when it was stopped.
   */
  async checkCancellable(
    doc: TextDocument,
    mode: CheckMode,
    cancelled: () => boolean,
    progress?: TraceProgress,
  ): Promise<Diagnostic[] | undefined> {
    // A long trace is replayed in slices whatever the mode (a trace has no lighter check), and
    // before the memory check: its one-shot replay would hold the server for its whole run.
    if (isTraceDocument(doc) && runsInBackground(doc) && !this.isTooLarge(doc)) {
      const version = doc.version;
      const stale = () => cancelled() || this.documents.get(doc.uri)?.version !== version;
      this.runsInFlight++;
      let diagnostics: Diagnostic[] | undefined;
      try {
        diagnostics = await this.traces.checkInBackground(doc, this.rootPaths, pauseForMessages, stale, progress);
      } finally {
        this.runsInFlight--;
      }
      if (!diagnostics) this.cancelledRuns++;
      return diagnostics;
    }
    const high = mode === 'full' ? heapIsHigh() : undefined;
    if (high) {
      // Low on memory: drop the trees the LRU keeps, and check this one for syntax and names only.
      this.withTree.length = 0;
      this.runs.clear();
      for (const e of this.scripts.values()) e.check = e.parser = e.run = undefined;
      const note: Diagnostic = {
        range: LINE0,
        severity: 3,
        code: 'check.memory',
        source: 'smmu',
        message: `the language server is low on memory (${formatBytes(high.used)} of its ${formatBytes(high.limit)} heap): this file was checked for syntax and names only; close large files, or run it with \`smmu run\``,
      };
      return [note, ...this.check(doc, 'syntax')];
    }
    if (
      mode === 'syntax' ||
      Workspace.isConfig(doc.uri) ||
      Workspace.isQueueFile(doc.uri) ||
      isTraceDocument(doc) ||
      lineCountOf(doc) > MAX_EXECUTED_LINES
    )
      return this.check(doc, mode);
    const version = doc.version;
    const stale = () => cancelled() || this.documents.get(doc.uri)?.version !== version;
    // Every file the check reads is recorded, for the stored result's validity (result-cache.ts).
    const recording = this.resultCacheInUse ? recordingHost(this.host) : undefined;
    const host = recording?.host ?? this.host;
    const parser = this.scripts.get(doc.uri)?.parser;
    if (!parser) {
      const diagnostics = await this.checkStreamed(doc, stale, host);
      if (diagnostics) this.storeResult(doc, recording?.reads, diagnostics);
      return diagnostics;
    }
    this.runsInFlight++;
    let check: ScriptCheck | undefined;
    try {
      check = await checkScriptSliced(
        doc.getText(),
        uriToPath(doc.uri),
        host,
        this.optionsFor(parser),
        pauseForMessages,
        stale,
      );
    } finally {
      this.runsInFlight--;
    }
    if (!check || stale()) {
      this.cancelledRuns++;
      return undefined;
    }
    const diagnostics = this.keep(doc, slim(check), parser).diagnostics.map((d) =>
      toLspDiagnostic(d, doc.uri, this.rootPaths),
    );
    this.storeResult(doc, recording?.reads, diagnostics);
    return diagnostics;
  }

  /**
   * A full check of a script that holds no syntax tree (just opened, or dropped from the LRU): in
   * one pass (checkScriptStreamed), keeping the diagnostics and the model's observations but no
   * tree, so ten files opened in a row leave ten sets of diagnostics, not ten trees for the garbage
   * collector to promote and then drop. A handler that needs the tree parses the script then
   * (scriptCheck), reusing the observations; the first edit parses it whole, later ones only the
   * lines they change.
   */
  private async checkStreamed(
    doc: TextDocument,
    stale: () => boolean,
    host: ScriptHost,
  ): Promise<Diagnostic[] | undefined> {
    this.runsInFlight++;
    let check: Awaited<ReturnType<typeof checkScriptStreamed>>;
    const progress = { version: doc.version, lines: 0, observations: [] as readonly Observation[] };
    this.streaming.set(doc.uri, progress);
    try {
      check = await checkScriptStreamed(
        doc.getText(),
        uriToPath(doc.uri),
        host,
        this.checkOptions,
        pauseForMessages,
        stale,
        (lines, observations, found) => {
          progress.lines = lines;
          progress.observations = observations;
          this.onStreamedProgress(doc.uri, {
            count: found.count,
            list: () => found.list()?.map((d) => toLspDiagnostic(d, doc.uri, this.rootPaths)),
          });
        },
      );
    } finally {
      this.runsInFlight--;
      if (this.streaming.get(doc.uri) === progress) this.streaming.delete(doc.uri);
    }
    if (!check || stale()) {
      this.cancelledRuns++;
      return undefined;
    }
    this.lastReparsed = lineCountOf(doc);
    this.lastResolveReused = 0;
    // A request that needed the tree while the model ran (semantic tokens, inlay hints right after
    // the open) built one for this version: keep it, with this check's diagnostics and observations.
    const current = this.scripts.get(doc.uri);
    const tree =
      current?.version === doc.version && current.check && current.parser
        ? { check: { ...current.check, diagnostics: check.diagnostics, run: check.run }, parser: current.parser }
        : {};
    this.scripts.set(doc.uri, {
      version: doc.version,
      ...tree,
      diagnostics: check.diagnostics,
      run: check.run,
      ranModel: true,
      config: check.config,
      configPath: check.configPath,
      includes: check.includes,
    });
    this.touch(doc.uri);
    return check.diagnostics.map((d) => toLspDiagnostic(d, doc.uri, this.rootPaths));
  }

  /** Check options for a document: its incremental parser and the resolutions kept with it. */
  private optionsFor(parser: IncrementalParser): CheckOptions {
    let cache = resolveCaches.get(parser);
    if (!cache) resolveCaches.set(parser, (cache = new ResolveCache()));
    return { ...this.checkOptions, parse: (text) => parser.parse(text), resolveCache: cache };
  }

  /** Statements whose resolution the last check reused from the previous version (tests). */
  lastResolveReused = 0;

  private keep(doc: TextDocument, check: ScriptCheck, parser: IncrementalParser): ScriptCheck {
    this.lastReparsed = parser.lastParsed;
    this.lastResolveReused = resolveCaches.get(parser)?.hits ?? 0;
    this.scripts.set(doc.uri, {
      version: doc.version,
      check,
      parser,
      diagnostics: check.diagnostics,
      run: check.run,
      ranModel: check.run !== undefined,
      config: check.config,
      configPath: check.configPath,
      includes: includedPaths(check.resolved.statements),
    });
    this.touch(doc.uri);
    return check;
  }

  /** Lines the last check parsed (not reused from the previous version); for tests. */
  lastReparsed = 0;

  /** Mark a script as most recently used; the least recently used beyond KEEP_TREES drop their tree and observations. */
  private touch(uri: string): void {
    const i = this.withTree.indexOf(uri);
    if (i >= 0) this.withTree.splice(i, 1);
    this.withTree.push(uri);
    while (this.withTree.length > KEEP_TREES) {
      const uri = this.withTree.shift() as string;
      this.runs.delete(uri);
      const old = this.scripts.get(uri);
      if (old) {
        old.check = undefined;
        old.parser = undefined;
        old.run = undefined;
      }
    }
  }

  /**
   * The last check of a script if it is of this version (its tree parsed again if it was dropped,
   * with the diagnostics and observations of the check kept), else a fresh syntax-level one.
   */
  scriptCheck(doc: TextDocument): ScriptCheck {
    // Too large to parse: handlers see an empty script (check() has said why).
    if (this.isTooLarge(doc)) return checkScript('', uriToPath(doc.uri), this.host, 'syntax');
    const last = this.scripts.get(doc.uri);
    if (last && last.version === doc.version) {
      if (last.check) {
        this.touch(doc.uri);
        return last.check;
      }
      // No tree: parse again. The model's observations are reused when still kept (a streamed
      // check); otherwise the model runs again if the kept check had run it (it is deterministic,
      // so its observations come back the same).
      const parser = new IncrementalParser();
      const rerun = last.ranModel && !last.run;
      const fresh = slim(
        checkScript(doc.getText(), uriToPath(doc.uri), this.host, rerun ? 'full' : 'syntax', this.optionsFor(parser)),
      );
      const run = rerun ? fresh.run : last.run;
      last.check = { ...fresh, diagnostics: last.diagnostics, ...(run ? { run } : {}) };
      last.run = run;
      last.parser = parser;
      this.touch(doc.uri);
      return last.check;
    }
    return this.store(doc, 'syntax');
  }

  /**
   * Lines 0 to `last` of a script resolved on their own (core resolveUpTo), read from the start of
   * the document's text only; undefined when `last` is RESOLVE_AHEAD_MAX_LINES or more.
   */
  resolveUpTo(doc: TextDocument, last: number): ReturnType<typeof resolveUpTo> | undefined {
    if (last >= RESOLVE_AHEAD_MAX_LINES) return undefined;
    return resolveUpTo(headText(doc, last), uriToPath(doc.uri), this.host, last);
  }

  /**
   * How far the first check of this version of a script has got while it runs (checkStreamed):
   * the lines below `lines` are checked and `observations` are final for them; undefined when no
   * such check runs.
   */
  streamedSoFar(
    doc: TextDocument,
  ): { readonly lines: number; readonly observations: readonly Observation[] } | undefined {
    const p = this.streaming.get(doc.uri);
    return p && p.version === doc.version ? p : undefined;
  }

  /**
   * Called after each slice of a streamed check (the server re-tries the requests waiting for it,
   * and may show what the check has found so far): `found` is core FoundSoFar, as LSP diagnostics.
   */
  onStreamedProgress: (uri: string, found: FoundSoFarLsp) => void = () => undefined;

  private readonly streaming = new Map<
    string,
    { readonly version: number; lines: number; observations: readonly Observation[] }
  >();

  /** The script's check with its syntax tree when one is kept for this version; nothing is parsed. */
  keptScriptCheck(doc: TextDocument): ScriptCheck | undefined {
    if (this.isTooLarge(doc)) return undefined;
    const last = this.scripts.get(doc.uri);
    return last && last.version === doc.version ? last.check : undefined;
  }

  /** Scripts that currently hold their syntax tree, least recently used first. */
  scriptsWithTree(): readonly string[] {
    return this.withTree.filter((uri) => this.scripts.get(uri)?.check !== undefined);
  }

  /** The configuration a document's checks use. */
  configFor(uri: string | undefined): ResolvedConfig {
    if (uri && Workspace.isConfig(uri)) return this.configs.get(uri) ?? DEFAULT_CONFIG;
    const known = uri ? (this.scripts.get(uri)?.config ?? this.queueFiles.get(uri)?.check.config) : undefined;
    if (known) return known;
    // No document, or one not checked yet: the default configuration (the setting's, when usable).
    return this.defaultConfig
      ? applyDefaultConfig(this.defaultConfig, (p) => this.host.readFile(p), []).config
      : DEFAULT_CONFIG;
  }

  /** Whether the script `uri` uses the configuration file `configUri`. */
  dependsOn(uri: string, configUri: string): boolean {
    if (this.traces.dependsOn(uri, configUri)) return true;
    const p = this.scripts.get(uri)?.configPath ?? this.queueFiles.get(uri)?.check.configPath;
    if (p !== undefined && pathToUri(p) === configUri) return true;
    // A script also depends on the scripts it includes, at any depth.
    return (this.scripts.get(uri)?.includes ?? []).some((path) => pathToUri(path) === configUri);
  }

  /**
   * The snapshots of a script's runs up to a line, for modelAtLine. They check themselves against
   * the check they are given (an edit keeps the ones before it), so they need no version here.
   */
  runsFor(uri: string): ModelRuns {
    let r = this.runs.get(uri);
    if (!r) this.runs.set(uri, (r = new ModelRuns()));
    this.lastRuns = r;
    return r;
  }

  /** The snapshots runsFor handed out last (its `last` is the last run's figures). */
  private lastRuns: ModelRuns | undefined;

  /** Figures of the runs up to a line, for `smmu/serverStats`. */
  modelRunStats(): {
    lastModelRun?: { restoredFrom: number; ran: number };
    modelSnapshots: number;
    modelSnapshotBytes: number;
  } {
    let modelSnapshots = 0;
    let modelSnapshotBytes = 0;
    for (const r of this.runs.values()) {
      modelSnapshots += r.snapshotCount;
      modelSnapshotBytes += r.bytes;
    }
    return {
      ...(this.lastRuns ? { lastModelRun: { ...this.lastRuns.last } } : {}),
      modelSnapshots,
      modelSnapshotBytes,
    };
  }

  forget(uri: string): void {
    this.traces.forget(uri);
    this.runs.delete(uri);
    this.queueFiles.delete(uri);
    this.scripts.delete(uri);
    const i = this.withTree.indexOf(uri);
    if (i >= 0) this.withTree.splice(i, 1);
    this.configs.delete(uri);
  }
}
