/**
 * The language server: a connection, a document manager and handlers (as in lsp-sample). Each
 * feature is a small module calling core/: diagnostics.ts, hover.ts, inlay.ts, completion.ts, decode.ts.
 */
import * as path from 'path';
import {
  CodeActionKind,
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type Range,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import * as v8 from 'v8';
import {
  DECODE_REQUEST,
  DECODE_STRUCTURE_REQUEST,
  DOCUMENT_INFO_REQUEST,
  type DecodeResult,
  type DecodeStructureParams,
  STATE_AT_LINE_REQUEST,
  type DecodeParams,
  type DocumentInfoParams,
  type DocumentInfoResult,
  type StateAtLineParams,
  SERVER_STATS_REQUEST,
  type ServerStatsResult,
} from './lsp-ext';
import { stateAtLine } from './state';
import { queuesAtLine } from './queues';
import { QUEUES_AT_LINE_REQUEST, type QueuesAtLineParams, RUN_ON_QEMU_REQUEST, type RunOnQemuParams } from './lsp-ext';
import { runOnQemu, stopQemuRuns } from './qemu';
import { decodeRequest } from './decode';
import { Workspace, type CheckMode } from './workspace';
import { isTraceDocument, runsInBackground, type TraceProgress } from './trace';
import { hover } from './hover';
import { inlayHints, inlayHintsSoFar } from './inlay';
import { completion } from './completion';
import { configCompletion } from './config-completion';
import { codeActions } from './code-actions';
import { formatScript } from '../../core/script/format';
import { definition, documentSymbols, foldingRanges, references, rename } from './navigation';
import { SEMANTIC_LEGEND, semanticTokens, semanticTokensRange } from './semantic-tokens';
import { signatureHelp } from './signature';
import {
  decodeStructure,
  formatStructure,
  STRUCTURE_KINDS,
  type StructureKind,
} from '../../core/structures/decode-words';
import { idViewOf } from '../../core/model/ids';
import { changedSettings, DEFAULT_SETTINGS, defaultConfigOf, mergeSettings, type ServerSettings } from './settings';
import { uriToPath } from './uri';
import { configAtLine, configUnusable } from '../../core/script/check';
import { codeCacheCheckpoint, codeCacheState } from '../code-cache';
import { startedInitialOldMib, startedPoolSize } from '../process-flags';
import { countFullGcs, fullGcs } from '../gc-count';
import { WARM_UP_DELAY_MS, warmUp, type WarmUpState } from './warm-up';
import { ResultCache, resultCacheDir } from './result-cache';
import { OpenChecks, RANGE_TOKENS_MAX_WAIT_MS } from './open-checks';
import type { ResolvedConfig } from '../../core/config/types';

/**
 * The least time between two publishes of what a script's first check has found so far (the first
 * is at once): a long check shows its progress without the client re-reading a growing list at
 * every slice of lines.
 */
export const PARTIAL_SPACING_MS = 100;

const cancelledError = () => new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');

export function startServer(connection: Connection): void {
  countFullGcs();
  const documents = new TextDocuments(TextDocument);
  const workspace = new Workspace(documents);
  let settings: ServerSettings = DEFAULT_SETTINGS;
  let canRefreshInlays = false;
  let canShowProgress = false;
  /** Workspace folders (paths): a relative `smmu.configuration` is relative to the first. */
  let roots: string[] = [];

  // Validation is scheduled per document; a request for a fuller check wins over a lighter one, so
  // the open event's full check is not lost to the change event that follows it.
  const pending = new Map<string, { mode: CheckMode; due: number; timer: NodeJS.Timeout }>();
  const generations = new Map<string, number>();
  // Set by the first check scheduled: the warm-up gives way for good, even when that check (a
  // short script) was scheduled, run and published between two of the warm-up's slices.
  let checkScheduled = false;
  // Diagnostics served from the result cache at an open, until that document's first check ends:
  // its result is published only if it differs (result-cache.ts).
  const served = new Map<string, { version: number; json: string }>();
  // First checks of scripts that have no syntax tree yet: requests that need the tree wait for them.
  const openChecks = new OpenChecks();
  // The first check of a script just opened shows what it has found on the lines it has checked
  // (they are final: core FoundSoFar) when that holds diagnostics not shown yet, at once the
  // first time and then at most every PARTIAL_SPACING_MS, so the errors on the first screen of a
  // long script appear before its whole check ends. Only while nothing else has been published
  // for this version: a set shown earlier (served from the result cache, or a previous check's)
  // is never replaced by a partial one.
  const partials = new Map<string, { version: number; shown: number; at: number | undefined; started: boolean }>();
  let partialPublishes = 0;
  workspace.onStreamedProgress = (uri, found) => {
    openChecks.progress(uri);
    const p = partials.get(uri);
    const doc = documents.get(uri);
    if (!p || !doc || doc.version !== p.version || found.count === p.shown) return;
    const t = Date.now();
    if (p.at !== undefined && t - p.at < PARTIAL_SPACING_MS) return;
    const diagnostics = found.list();
    if (!diagnostics) return;
    p.shown = diagnostics.length;
    p.at = t;
    partialPublishes++;
    void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
  };
  const openedBefore = new Set<string>();
  let servedOpens = 0;
  const resultCacheFolder = resultCacheDir();
  const resultCache = resultCacheFolder === undefined ? undefined : new ResultCache(resultCacheFolder);
  const schedule = (uri: string, mode: CheckMode, requestedDelay: number) => {
    checkScheduled = true;
    const prev = pending.get(uri);
    if (prev) clearTimeout(prev.timer);
    const m: CheckMode =
      settings.executeOn === 'never' ? 'syntax' : prev?.mode === 'full' || mode === 'full' ? 'full' : 'syntax';
    if (m === 'full') {
      const doc = documents.get(uri);
      if (doc && workspace.checksWithoutTree(doc)) openChecks.begin(uri);
    }
    // A lighter check never postpones a fuller one already due: didOpen is followed at once by a
    // content change, whose typing debounce would otherwise hold the open's full check back.
    const delay =
      prev && prev.mode === 'full' && mode === 'syntax' ? Math.max(0, prev.due - Date.now()) : requestedDelay;
    pending.set(uri, {
      mode: m,
      due: Date.now() + delay,
      timer: setTimeout(() => {
        pending.delete(uri);
        const doc = documents.get(uri);
        if (!doc) {
          openChecks.end(uri);
          return;
        }
        // A check started later for the same document (a newer edit, a changed configuration)
        // cancels this one: its model run stops at the next slice and nothing is published.
        const generation = (generations.get(uri) ?? 0) + 1;
        generations.set(uri, generation);
        // Only the first check after the open shows partial sets: a later one (the first was
        // stopped by new settings) may find other things on the same lines.
        const partial = partials.get(uri);
        if (partial?.started) partials.delete(uri);
        else if (partial) partial.started = true;
        const progress = isTraceDocument(doc) && runsInBackground(doc) ? traceProgress() : undefined;
        void workspace
          .checkCancellable(doc, m, () => generations.get(uri) !== generation || !documents.get(uri), progress)
          .then((diagnostics) => {
            if (!diagnostics) return;
            // The check's own set is always published, after any partial one: a client can take
            // the last publish of a version as the whole.
            partials.delete(uri);
            const early = served.get(uri);
            served.delete(uri);
            if (!early || early.version !== doc.version || early.json !== JSON.stringify(diagnostics))
              void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
            // The functions a check runs are compiled now: the next start can skip compiling them.
            if (m === 'full') codeCacheCheckpoint();
            // A full check has new values to show inline: ask the client for fresh hints.
            if (m === 'full' && canRefreshInlays) void connection.languages.inlayHint.refresh().catch(() => undefined);
          })
          .finally(() => openChecks.end(uri));
      }, delay),
    });
  };
  /**
   * Work-done progress for a trace replayed in the background, when the client shows it
   * (`window.workDoneProgress`): the server asks for a token (`window/workDoneProgress/create`)
   * and its begin, reports and end follow in order once the client has answered. The progress is
   * cancellable: the user's cancel (`window/workDoneProgress/cancel`) stops the replay, which then
   * publishes what it found so far (TraceDocuments.checkInBackground).
   */
  const traceProgress = (): TraceProgress | undefined => {
    if (!canShowProgress) return undefined;
    let cancelled = false;
    const reporter = connection.window
      .createWorkDoneProgress()
      .then((r) => {
        r.token.onCancellationRequested(() => (cancelled = true));
        return r;
      })
      .catch(() => undefined);
    return {
      begin: (title, percentage, message) => void reporter.then((r) => r?.begin(title, percentage, message, true)),
      report: (percentage, message) => void reporter.then((r) => r?.report(percentage, message)),
      done: () => void reporter.then((r) => r?.done()),
      cancelled: () => cancelled,
    };
  };
  const revalidateDependents = (uri: string) => {
    for (const doc of documents.all())
      if (doc.uri !== uri && workspace.dependsOn(doc.uri, uri)) schedule(doc.uri, 'full', 0);
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    canRefreshInlays = params.capabilities.workspace?.inlayHint?.refreshSupport === true;
    canShowProgress = params.capabilities.window?.workDoneProgress === true;
    roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    if (!roots.length && params.rootUri) roots = [uriToPath(params.rootUri)];
    settings = mergeSettings((params.initializationOptions as { settings?: unknown } | undefined)?.settings, settings);
    workspace.setFileAccess(settings.trusted, roots);
    workspace.maxGuestMemory = settings.maxGuestMemory * 1024 * 1024;
    workspace.setDefaultConfig(defaultConfigOf(settings.configuration, roots));
    workspace.resultCache = settings.resultCache ? resultCache : undefined;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        inlayHintProvider: true,
        completionProvider: { triggerCharacters: ['.', '=', ' ', '"'] },
        documentFormattingProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: true,
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        semanticTokensProvider: { legend: SEMANTIC_LEGEND, full: true, range: true },
        signatureHelpProvider: { triggerCharacters: [' '] },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
      },
      serverInfo: { name: 'smmu-language-server', version: '0.1.0' },
    };
  });

  connection.onDidChangeConfiguration((change) => {
    const previous = settings;
    settings = mergeSettings(changedSettings(change.settings), previous);
    if (settings.trusted !== previous.trusted) workspace.setFileAccess(settings.trusted, roots);
    workspace.maxGuestMemory = settings.maxGuestMemory * 1024 * 1024;
    workspace.resultCache = settings.resultCache ? resultCache : undefined;
    if (settings.configuration !== previous.configuration || settings.trusted !== previous.trusted)
      workspace.setDefaultConfig(defaultConfigOf(settings.configuration, roots));
    if (
      settings.executeOn !== previous.executeOn ||
      settings.configuration !== previous.configuration ||
      settings.trusted !== previous.trusted ||
      settings.maxGuestMemory !== previous.maxGuestMemory
    ) {
      for (const doc of documents.all()) {
        // A check still running was made with the previous settings: stop it now, not when the new one starts.
        generations.set(doc.uri, (generations.get(doc.uri) ?? 0) + 1);
        schedule(doc.uri, 'full', 0);
      }
    } else if (settings.inlayHints !== previous.inlayHints && canRefreshInlays)
      void connection.languages.inlayHint.refresh().catch(() => undefined);
  });

  // The warm-up (warm-up.ts) gives way to any check scheduled or running, and is not started
  // again: by then the user's own checks are warming the same code. It starts WARM_UP_DELAY_MS
  // after `initialized`: an editor sends the opens of the files it restores right after that,
  // and a slice of the warm-up already running (its first, in code not yet compiled, took 50–60 ms)
  // would hold up the open it is meant to speed up. Its state is `running` from `initialized`.
  let warmUpState: WarmUpState = 'off';
  let warmUpCost: ServerStatsResult['warmUpCost'];
  connection.onInitialized(() => {
    if (!settings.warmUp || settings.executeOn === 'never' || process.env.SMMU_WARM_UP === '0') return;
    warmUpState = 'running';
    const busy = () => checkScheduled || pending.size > 0 || workspace.runsInFlight > 0;
    setTimeout(() => {
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      const finish = (state: WarmUpState, slices: number) => {
        warmUpState = state;
        const cpu = process.cpuUsage(cpu0);
        warmUpCost = { wallMs: Date.now() - t0, cpuMs: Math.round((cpu.user + cpu.system) / 1000), slices };
        // The functions a check runs are compiled now: the next start can skip compiling them.
        if (state === 'done') codeCacheCheckpoint();
      };
      void warmUp(busy, () => new Promise<void>((resolve) => setImmediate(resolve))).then(
        (r) => finish(r.state, r.slices),
        () => finish('stopped', 0),
      );
    }, WARM_UP_DELAY_MS).unref();
  });

  documents.onDidOpen((e) => {
    const doc = e.document;
    // The first open of a script in this server (a tab restored at startup): what an earlier
    // server's check of the same text and inputs published, at once; the real check follows.
    if (!openedBefore.has(doc.uri) && settings.executeOn !== 'never') {
      const diagnostics = workspace.cachedDiagnostics(doc);
      if (diagnostics) {
        served.set(doc.uri, { version: doc.version, json: JSON.stringify(diagnostics) });
        servedOpens++;
        void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
      }
    }
    if (!served.has(doc.uri) && settings.executeOn !== 'never')
      partials.set(doc.uri, { version: doc.version, shown: 0, at: undefined, started: false });
    openedBefore.add(doc.uri);
    schedule(doc.uri, 'full', 0);
  });
  documents.onDidChangeContent((e) => {
    schedule(e.document.uri, settings.executeOn === 'change' ? 'full' : 'syntax', 150);
    // Scripts that use this configuration or include this script are checked again.
    revalidateDependents(e.document.uri);
  });
  documents.onDidSave((e) => {
    schedule(e.document.uri, 'full', 0);
    revalidateDependents(e.document.uri);
  });
  documents.onDidClose((e) => {
    served.delete(e.document.uri);
    partials.delete(e.document.uri);
    openChecks.end(e.document.uri);
    workspace.forget(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });
  connection.onDidChangeWatchedFiles((e) => {
    for (const c of e.changes) revalidateDependents(c.uri);
  });

  // Requests that need a script's syntax tree answer after its first check (open-checks.ts).
  connection.onHover((params) =>
    openChecks.after(params.textDocument.uri, () => {
      const doc = documents.get(params.textDocument.uri);
      if (doc && isTraceDocument(doc))
        return workspace.isTooLarge(doc) ? null : workspace.traces.hover(doc, params.position);
      return doc ? hover(workspace, doc, params.position) : null;
    }),
  );
  const script = (uri: string) => {
    const doc = documents.get(uri);
    // A document too large to parse gets nothing from whole-document requests (diagnostics say why).
    return doc &&
      !Workspace.isConfig(doc.uri) &&
      !Workspace.isQueueFile(doc.uri) &&
      !isTraceDocument(doc) &&
      !workspace.isTooLarge(doc)
      ? doc
      : undefined;
  };
  connection.onDefinition((p) =>
    openChecks.after(p.textDocument.uri, () => {
      const doc = script(p.textDocument.uri);
      return doc ? definition(workspace, doc, p.position) : null;
    }),
  );
  connection.onReferences((p) =>
    openChecks.after(p.textDocument.uri, () => {
      const doc = script(p.textDocument.uri);
      return doc ? references(workspace, doc, p.position, p.context.includeDeclaration) : [];
    }),
  );
  connection.onRenameRequest((p) =>
    openChecks.after(p.textDocument.uri, () => {
      const doc = script(p.textDocument.uri);
      return doc ? rename(workspace, doc, p.position, p.newName) : null;
    }),
  );
  connection.onDocumentSymbol((p) =>
    openChecks.after(p.textDocument.uri, () => {
      const doc = script(p.textDocument.uri);
      return doc ? documentSymbols(workspace, doc) : [];
    }),
  );
  connection.languages.semanticTokens.on((p, token) =>
    openChecks.after(p.textDocument.uri, () => {
      if (token.isCancellationRequested) return { data: [] };
      const doc = script(p.textDocument.uri);
      return doc ? semanticTokens(workspace, doc) : { data: [] };
    }),
  );
  // The lines an editor shows: during a first check, at its end before the requests that parse
  // the tree, or after RANGE_TOKENS_MAX_WAIT_MS in the middle of a longer one, from the lines
  // above them resolved on their own; unless they lie too far down (RESOLVE_AHEAD_MAX_LINES),
  // then after the check, from the tree.
  const rangeTokens = { answered: 0, duringFirstCheck: 0 };
  connection.languages.semanticTokens.onRange((p, token) => {
    const doc = script(p.textDocument.uri);
    if (!doc || token.isCancellationRequested || !isRange(p.range)) return { data: [] };
    rangeTokens.answered++;
    return openChecks.first(
      doc.uri,
      () => {
        const now = script(p.textDocument.uri);
        if (!now || token.isCancellationRequested) return { data: [] };
        const tokens = semanticTokensRange(workspace, now, p.range);
        if (tokens) {
          if (openChecks.due(now.uri)) rangeTokens.duringFirstCheck++;
          return tokens;
        }
        return openChecks.after(now.uri, () => {
          const later = script(p.textDocument.uri);
          return later && !token.isCancellationRequested
            ? (semanticTokensRange(workspace, later, p.range, true) ?? { data: [] })
            : { data: [] };
        });
      },
      RANGE_TOKENS_MAX_WAIT_MS,
    );
  });
  connection.onSignatureHelp((p) => {
    const doc = script(p.textDocument.uri);
    return doc ? signatureHelp(doc, p.position) : null;
  });
  // Folding needs no tree, but reads every line: VS Code asks for it as it opens a file, and a
  // 10,000-line script's ranges took about 10 ms of cold code out of its first check
  // (docs/performance.md). Nothing is shown from them at once, so they wait for it as symbols do.
  connection.onFoldingRanges((p) =>
    openChecks.after(p.textDocument.uri, () => {
      const doc = script(p.textDocument.uri);
      return doc ? foldingRanges(doc) : [];
    }),
  );
  connection.onDocumentFormatting((params) => {
    const doc = documents.get(params.textDocument.uri);
    if (
      !doc ||
      Workspace.isConfig(doc.uri) ||
      Workspace.isQueueFile(doc.uri) ||
      isTraceDocument(doc) ||
      workspace.isTooLarge(doc)
    )
      return [];
    return formatScript(doc.getText()).map((e) => ({
      range: {
        start: { line: e.line, character: 0 },
        end: {
          line: e.line,
          character: doc
            .getText({ start: { line: e.line, character: 0 }, end: { line: e.line + 1, character: 0 } })
            .replace(/\r?\n$|\r$/, '').length,
        },
      },
      newText: e.newText,
    }));
  });
  connection.onCodeAction((params, token) =>
    openChecks.after(params.textDocument.uri, () => {
      if (token.isCancellationRequested) return null;
      const doc = documents.get(params.textDocument.uri);
      return doc && !Workspace.isConfig(doc.uri) && !Workspace.isQueueFile(doc.uri) && !isTraceDocument(doc)
        ? codeActions(workspace, doc, params.range, params.context.diagnostics, {
            execute: settings.executeOn !== 'never',
          })
        : [];
    }),
  );
  connection.onCompletion((params) =>
    openChecks.after(params.textDocument.uri, () => {
      const doc = documents.get(params.textDocument.uri);
      if (doc && Workspace.isConfig(doc.uri)) return configCompletion(doc, params.position);
      if (!doc || Workspace.isQueueFile(doc.uri) || isTraceDocument(doc)) return [];
      // The configuration at the line, as hovers take it (a `config` line after `reset` changes it).
      return completion(doc, params.position, () =>
        idViewOf(configAtLine(workspace.scriptCheck(doc), params.position.line)),
      );
    }),
  );
  let inlayHintsDuringFirstCheck = 0;
  connection.languages.inlayHint.on((params, token) => {
    // smmu.inlayHints.enabled off: decided here rather than in the VS Code client's middleware, so
    // other editors get the same switch through initializationOptions.
    const hinted = () => {
      const doc = documents.get(params.textDocument.uri);
      return settings.inlayHints && doc && !isTraceDocument(doc) && !workspace.isTooLarge(doc) ? doc : undefined;
    };
    // During a script's first check, the screen's hints once the check has run past it.
    const early = () => {
      if (token.isCancellationRequested) return null;
      if (!settings.inlayHints) return [];
      const doc = hinted();
      const hints = doc && isRange(params.range) ? inlayHintsSoFar(workspace, doc, params.range) : undefined;
      if (hints) inlayHintsDuringFirstCheck++;
      return hints;
    };
    return openChecks.afterOrEarly(params.textDocument.uri, early, () => {
      if (token.isCancellationRequested) return null;
      const doc = hinted();
      return doc ? inlayHints(workspace, doc, params.range) : [];
    });
  });
  connection.onRequest(DECODE_REQUEST, (params: DecodeParams) => decodeRequest(workspace, params));
  connection.onRequest(DECODE_STRUCTURE_REQUEST, (params: DecodeStructureParams): DecodeResult => {
    const kind = String(params?.kind ?? '').toLowerCase();
    if (!(STRUCTURE_KINDS as readonly string[]).includes(kind))
      return { text: '', markdown: '', error: `kind is one of ${STRUCTURE_KINDS.join(', ')}` };
    const dwords: bigint[] = [];
    for (const v of Array.isArray(params.dwords) ? params.dwords : []) {
      const t = String(v).trim().replace(/_/g, '');
      if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t))
        return { text: '', markdown: '', error: `'${String(v)}' is not a number` };
      dwords.push(BigInt(t));
    }
    const d = decodeStructure(kind as StructureKind, dwords, idViewOf(workspace.configFor(params.uri)));
    if (typeof d === 'string') return { text: '', markdown: '', error: d };
    const text = formatStructure(d);
    return { text, markdown: '```\n' + text + '\n```' };
  });
  connection.onRequest(DOCUMENT_INFO_REQUEST, (params: DocumentInfoParams) => {
    const uri = typeof params?.uri === 'string' ? params.uri : undefined;
    const answer = (): DocumentInfoResult | null => {
      const doc = uri !== undefined ? documents.get(uri) : undefined;
      if (!doc || Workspace.isConfig(doc.uri)) return null;
      return documentInfo(Workspace.isQueueFile(doc.uri) ? workspace.queueFileCheck(doc) : workspace.scriptCheck(doc));
    };
    return uri !== undefined ? openChecks.after(uri, answer) : answer();
  });
  // Requests still queued when the client cancels them are dropped before any work. The state
  // request runs the model in slices and stops at the next one once cancelled; the other handlers
  // are short and synchronous.
  connection.onRequest(STATE_AT_LINE_REQUEST, async (params: StateAtLineParams, token) => {
    if (typeof params?.uri === 'string') await openChecks.after(params.uri, () => undefined);
    if (token.isCancellationRequested) return cancelledError();
    if (settings.executeOn === 'never')
      return { registers: [], error: 'restricted mode: scripts are not executed in an untrusted workspace' };
    const result = await stateAtLine(workspace, documents, params, () => token.isCancellationRequested);
    if (!result) workspace.cancelledRuns++;
    return result ?? cancelledError();
  });
  connection.onRequest(SERVER_STATS_REQUEST, (): ServerStatsResult => {
    const m = process.memoryUsage();
    const pool = startedPoolSize();
    const initialOld = startedInitialOldMib();
    return {
      pid: process.pid,
      heapLimit: v8.getHeapStatistics().heap_size_limit,
      ...(pool !== undefined ? { v8PoolSize: pool } : {}),
      ...(initialOld !== undefined ? { initialOldSpaceMib: initialOld } : {}),
      fullGcs: fullGcs(),
      heapUsed: m.heapUsed,
      rss: m.rss,
      lastReparsedLines: workspace.lastReparsed,
      lastResolveReused: workspace.lastResolveReused,
      cancelledRuns: workspace.cancelledRuns,
      runsInFlight: workspace.runsInFlight,
      scriptsWithTree: workspace.scriptsWithTree(),
      ...workspace.modelRunStats(),
      codeCache: codeCacheState() ?? 'off',
      resultCache: { enabled: workspace.resultCache !== undefined, servedOpens, stored: resultCache?.stored ?? 0 },
      partialPublishes,
      warmUp: warmUpState,
      ...(warmUpCost ? { warmUpCost } : {}),
      openCheckWaits: openChecks.waits,
      rangeTokens: { ...rangeTokens },
      inlayHintsDuringFirstCheck,
    };
  });
  connection.onRequest(QUEUES_AT_LINE_REQUEST, (params: QueuesAtLineParams, token) => {
    const answer = () =>
      token.isCancellationRequested ? null : queuesAtLine(workspace, documents, params, settings.executeOn !== 'never');
    return typeof params?.uri === 'string' ? openChecks.after(params.uri, answer) : answer();
  });
  // Run on QEMU: the token's cancellation kills QEMU (server/qemu/process.ts), and the answer says so.
  connection.onRequest(RUN_ON_QEMU_REQUEST, (params: RunOnQemuParams, token) =>
    runOnQemu(workspace, documents, params, settings, roots, token),
  );

  // A QEMU still running must not outlive the server (the exit notification ends the process).
  connection.onShutdown(stopQemuRuns);
  process.on('exit', stopQemuRuns);

  documents.listen(connection);
  connection.listen();
}

/**
 * The status bar's configuration. One that cannot be used is not named by the default's name: the
 * model runs nothing then (the default only decodes values), so "Checked against QEMU" would be false.
 */
function documentInfo(c: {
  readonly config: ResolvedConfig;
  readonly configPath?: string;
  readonly configOrigin?: string;
  readonly diagnostics: readonly { readonly code: string }[];
}): DocumentInfoResult {
  const valid = !configUnusable(c.diagnostics);
  const name = valid
    ? c.config.name
    : `none (${c.configPath ? path.basename(c.configPath) : 'the configuration'} cannot be used)`;
  return {
    config: name,
    ...(c.configPath ? { configPath: c.configPath } : {}),
    ...(c.configOrigin ? { configOrigin: c.configOrigin } : {}),
    configValid: valid,
  };
}

/** A range as the protocol defines it; a client's malformed one gets an empty answer, not an error. */
function isRange(x: unknown): x is Range {
  const position = (p: unknown) =>
    typeof p === 'object' &&
    p !== null &&
    Number.isSafeInteger((p as { line?: unknown }).line) &&
    Number.isSafeInteger((p as { character?: unknown }).character);
  return typeof x === 'object' && x !== null && position((x as Range).start) && position((x as Range).end);
}
