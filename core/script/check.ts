/**
 * Checking a script end to end: parse, resolve names, load its configuration, and (in full mode)
 * run it on a fresh model. The language server and the CLI both call this, so an editor and CI
 * report the same diagnostics.
 */
import { cannotRead, type FileKind, type FileText, type RandomAccessFile, type Unreadable } from '../base/files';
import { blockingErrors, isNotModelled, loadConfig, notModelledErrors } from '../config/load';
import { DEFAULT_CONFIG } from '../config/presets';
import { applyDefaultConfig, type DefaultConfig } from '../config/default';
import type { ResolvedConfig } from '../config/types';
import { Engine } from '../engine/engine';
import type { Smmu } from '../model/smmu';
import { compareRanges, startLine, type Range, type ScriptDiagnostic } from '../base/diagnostics';
import {
  addCounts,
  hasExpectation,
  noCounts,
  run,
  runSliced,
  RUN_SLICE,
  timeLimitStop,
  type Observation,
  type RunResult,
} from './interpreter';
import type { ScriptState } from './actions';
import {
  finalConstants,
  resolveScript,
  StatementResolver,
  type ResolveCache,
  type IncludeHost,
  type ResolvedScript,
  type ResolvedStatement,
  type SymbolRef,
} from './resolve';
import { parseLine, parseScript } from './parser';
import { splitLines } from './lexer';
import type { ParsedScript, Statement } from './ast';

/** File access supplied by the caller (the CLI reads the disk, the server prefers open documents). */
export interface ScriptHost {
  /**
   * Text of the file, or why it cannot be read (core/base/files.ts: regular files only, up to the
   * limit of `kind`; undefined when the host gives no reason).
   */
  readFile(path: string, kind?: FileKind): FileText;
  /** `relative` resolved against the folder of the script at `from`. */
  resolvePath(from: string, relative: string): string;
  /**
   * Open a trace to read it a piece at a time (the debugger's windowed trace,
   * core/debug/trace-window.ts); hosts without it have the debugger replay a trace whole.
   */
  openRandomAccess?(path: string): RandomAccessFile | Unreadable;
}

export type CheckMode = 'syntax' | 'full';

export interface CheckOptions {
  /** A configuration file that replaces the script's `config` line (CLI `--config`). */
  readonly configPath?: string;
  /** The configuration for a script without a `config` line (editor setting `smmu.configuration`); the line wins. */
  readonly defaultConfig?: DefaultConfig;
  /** Keep everything the SMMU did (fetches, consumed commands) for `--trace`; off, only what diagnostics need. */
  readonly trace?: boolean;
  /** Parses the script's own text; the editor passes an incremental parser (incremental.ts). */
  readonly parse?: (text: string) => ParsedScript;
  /** Resolutions kept from the previous version of the same document (the editor's edits). */
  readonly resolveCache?: ResolveCache;
  /** Guest memory the model may write, bytes (`--max-guest-memory`); DEFAULT_GUEST_MEMORY_LIMIT if unset. */
  readonly maxGuestMemory?: number;
  /**
   * Sliced and streamed checks (the editor's): the model stops at the first slice that starts
   * after this many milliseconds of the check, and says where (`run.time-limit`).
   */
  readonly timeLimitMs?: number;
}

export interface ScriptCheck {
  readonly resolved: ResolvedScript;
  readonly diagnostics: ScriptDiagnostic[];
  readonly config: ResolvedConfig;
  /** The configuration file used, when one was; undefined means the built-in default. */
  readonly configPath?: string;
  /** Set when the configuration is the caller's default (CheckOptions.defaultConfig): where it came from. */
  readonly configOrigin?: string;
  /** Present in full mode when the script was executed. */
  readonly run?: RunResult;
  readonly smmu?: Smmu;
  readonly engine?: Engine;
  /**
   * The earliest error of syntax, names or configuration: the model runs only the statements on
   * lines before it (modelAtLine and every check apply this one rule).
   */
  readonly firstError?: ScriptDiagnostic;
}

const LINE0: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * loadConfig is pure, and an editor checks a script on every edit against the same few
 * configuration texts: the last results are kept, keyed by the text itself.
 */
const recentConfigs: { text: string; loaded: ReturnType<typeof loadConfig> }[] = [];
function loadConfigCached(text: string): ReturnType<typeof loadConfig> {
  const hit = recentConfigs.find((c) => c.text === text);
  if (hit) return hit.loaded;
  const loaded = loadConfig(text);
  recentConfigs.unshift({ text, loaded });
  recentConfigs.length = Math.min(recentConfigs.length, 4);
  return loaded;
}

/** A configuration file for a script, or why it cannot be used (`config.missing`, `config.invalid`). */
function readScriptConfig(
  path: string,
  host: ScriptHost,
): { config: ResolvedConfig; notModelled: ReturnType<typeof notModelledErrors> } | { code: string; error: string } {
  const text = host.readFile(path, 'config');
  if (typeof text !== 'string') return { code: 'config.missing', error: cannotRead('configuration', path, text) };
  const loaded = loadConfigCached(text);
  const errors = blockingErrors(loaded.diagnostics);
  if (errors.length || !loaded.config) {
    const first = errors[0];
    const where = first ? `; first at line ${first.range.start.line + 1}: ${first.message}` : '';
    return {
      code: 'config.invalid',
      error: `configuration ${path} has ${errors.length || 'unreadable'} error${errors.length === 1 ? '' : 's'}${where}`,
    };
  }
  return { config: loaded.config, notModelled: notModelledErrors(loaded.diagnostics) };
}

/** Load a configuration file for a script; problems become diagnostics at `range`. */
function loadScriptConfig(
  path: string,
  host: ScriptHost,
  range: Range,
  diagnostics: ScriptDiagnostic[],
): ResolvedConfig | undefined {
  const r = readScriptConfig(path, host);
  if ('config' in r) {
    // What the model does not implement of this SMMU is said where the script chooses it.
    for (const d of r.notModelled)
      diagnostics.push({ severity: 'error', code: d.code, message: `configuration ${path}: ${d.message}`, range });
    return r.config;
  }
  diagnostics.push({ severity: 'error', code: r.code, message: r.error, range });
  return undefined;
}

/** Includes resolved through the host, relative to the including file, with cycle detection. */
function includeHost(host: ScriptHost, from: string, stack: readonly string[]): IncludeHost {
  return {
    stack,
    load: (relative) => {
      const path = host.resolvePath(from, relative);
      const text = host.readFile(path, 'script');
      return typeof text !== 'string' ? { error: cannotRead('', path, text) } : { path, text };
    },
    resolve: (path, text, consts) => {
      const script = resolveScript(
        parseScript(text, { keepTokens: false }),
        includeHost(host, path, [...stack, path]),
        consts,
      );
      return { script, consts: finalConstants(script) };
    },
    loadConfig: (relative) => {
      const path = host.resolvePath(from, relative);
      const r = readScriptConfig(path, host);
      // Codes of their own: the script's first configuration is usable (configUnusable).
      return 'config' in r
        ? { path, config: r.config }
        : { code: r.code === 'config.missing' ? 'reset.config-missing' : 'reset.config-invalid', error: r.error };
    },
  };
}

/** A check up to the point where the model runs: parsed, resolved, configured. */
interface Prepared {
  readonly resolved: ResolvedScript;
  readonly diagnostics: ScriptDiagnostic[];
  readonly config: ResolvedConfig;
  readonly configPath?: string;
  readonly configOrigin?: string;
  readonly firstError?: ScriptDiagnostic;
}

/**
 * Whether `d` stops the model at its line: every error but a not-modelled feature of the
 * configuration, which says how far the verdicts can be trusted, not that the run cannot go on.
 */
function stopsTheModel(d: ScriptDiagnostic): boolean {
  return d.severity === 'error' && !isNotModelled(d);
}

/** The earliest error in `diagnostics` that stops the model, by position. */
function earliestError(diagnostics: readonly ScriptDiagnostic[]): ScriptDiagnostic | undefined {
  let first: ScriptDiagnostic | undefined;
  for (const d of diagnostics) if (stopsTheModel(d) && (!first || compareRanges(d.range, first.range) < 0)) first = d;
  return first;
}

function prepare(text: string, path: string, host: ScriptHost, options: CheckOptions): Prepared {
  const parsed = options.parse ? options.parse(text) : parseScript(text, { keepTokens: false });
  const resolved = resolveScript(parsed, includeHost(host, path, [path]), undefined, options.resolveCache);
  const diagnostics: ScriptDiagnostic[] = [...resolved.diagnostics];
  let config: ResolvedConfig = DEFAULT_CONFIG;
  let configPath: string | undefined;
  if (options.configPath) {
    configPath = options.configPath;
    config = loadScriptConfig(configPath, host, resolved.config?.range ?? LINE0, diagnostics) ?? DEFAULT_CONFIG;
  } else if (resolved.config) {
    configPath = host.resolvePath(path, resolved.config.path);
    config = loadScriptConfig(configPath, host, resolved.config.range, diagnostics) ?? DEFAULT_CONFIG;
  } else if (options.defaultConfig) {
    const d = applyDefaultConfig(options.defaultConfig, (p) => host.readFile(p, 'config'), diagnostics);
    const firstError = earliestError(diagnostics);
    return {
      resolved,
      diagnostics,
      config: d.config,
      ...(d.configPath ? { configPath: d.configPath } : {}),
      configOrigin: options.defaultConfig.origin,
      ...(firstError ? { firstError } : {}),
    };
  }
  const firstError = earliestError(diagnostics);
  return { resolved, diagnostics, config, configPath, ...(firstError ? { firstError } : {}) };
}

/**
 * Execute the statements before the first error: later ones could only report consequences of
 * a line the model never saw.
 */
function runnableOf(p: Prepared) {
  // The earliest error of any kind: a configuration that cannot be loaded stops the model before
  // the first statement even when a later line also has an error (as default.ts promises).
  const firstError = p.firstError;
  const stopLine = firstError ? firstError.range.start.line : Infinity;
  return { firstError, stopLine, runnable: p.resolved.statements.filter((s) => startLine(s.range) < stopLine) };
}

function newEngine(config: ResolvedConfig, options: CheckOptions): Engine {
  const engine = new Engine(config);
  if (options.maxGuestMemory !== undefined) engine.memory.setLimitBytes(options.maxGuestMemory);
  // Checks report diagnostics and observations; the per-access history is for the debugger, the
  // full activity log for --trace.
  engine.smmu.recording = false;
  engine.recording = options.trace === true;
  return engine;
}

/** The note that the model stopped before the line of the earliest error. */
function stoppedInfo(firstError: ScriptDiagnostic): ScriptDiagnostic {
  const stopLine = startLine(firstError.range);
  return {
    severity: 'info',
    code: 'run.stopped',
    // Lines are 0-based here: the error's line number is also how many lines came before it.
    message:
      stopLine === 0
        ? 'the model did not run: the error is on line 1'
        : `the model ran up to line ${stopLine}; statements from the error on line ${stopLine + 1} onwards were not executed`,
    range: firstError.range,
  };
}

function finish(p: Prepared, result: RunResult, engine: Engine): ScriptCheck {
  const { resolved, diagnostics, config, configPath, configOrigin } = p;
  const { firstError, runnable } = runnableOf(p);
  diagnostics.push(...result.diagnostics);
  if (firstError && runnable.length < resolved.statements.length) diagnostics.push(stoppedInfo(firstError));
  diagnostics.sort((a, b) => compareRanges(a.range, b.range));
  return {
    resolved,
    diagnostics,
    config,
    configPath,
    ...(configOrigin ? { configOrigin } : {}),
    ...(p.firstError ? { firstError: p.firstError } : {}),
    run: result,
    smmu: engine.smmu,
    engine,
  };
}

export function checkScript(
  text: string,
  path: string,
  host: ScriptHost,
  mode: CheckMode,
  options: CheckOptions = {},
): ScriptCheck {
  const p = prepare(text, path, host, options);
  if (mode === 'syntax') return p;
  const engine = newEngine(p.config, options);
  return finish(p, run(runnableOf(p).runnable, engine), engine);
}

/** Codes of the error that says a configuration could not be used (a `config` line, `--config`, a setting). */
const CONFIG_UNUSABLE = new Set(['config.missing', 'config.invalid']);

/**
 * Whether the configuration could not be used. The model then runs nothing (the error is on the
 * `config` line or the first line), and ScriptCheck.config is only the default that decodes values:
 * no summary may name it as what the script ran against.
 */
export function configUnusable(diagnostics: readonly { readonly code: string }[]): boolean {
  return diagnostics.some((d) => CONFIG_UNUSABLE.has(d.code));
}

/** What became of a script's expectations. */
export interface ExpectationTally {
  /** Expectations in the script and the files it includes (lines with a syntax error cannot be counted). */
  readonly total: number;
  /** Evaluated and held. */
  readonly met: number;
  /** Executed and not met (a failed comparison, an aborted read, an error on the line). */
  readonly failed: number;
  /** Never executed: the model stopped before them (an earlier error) or did not run at all. */
  readonly notRun: number;
}

/** Whether a parsed statement carries an expectation (as hasExpectation does for resolved ones). */
function parsedHasExpectation(s: Statement): boolean {
  if (s.kind === 'action') return s.verb === 'expect' || s.expect !== undefined;
  // A write's expectation is `== abort` / `!= abort`.
  return (s.kind === 'register' || (s.kind === 'mem' && s.op === 'read')) && s.expect !== undefined;
}

function resolvedExpectations(statements: readonly ResolvedStatement[]): number {
  let n = 0;
  for (const s of statements)
    n += s.kind === 'include' ? resolvedExpectations(s.statements) : hasExpectation(s) ? 1 : 0;
  return n;
}

/**
 * The expectations of a full check: counted from the parsed lines, so one whose line has a name
 * error (and so never runs) still counts, plus those of the included files.
 */
export function tallyExpectations(check: ScriptCheck): ExpectationTally {
  let total = 0;
  for (const s of check.resolved.parsed.statements) if (parsedHasExpectation(s)) total++;
  for (const s of check.resolved.statements) if (s.kind === 'include') total += resolvedExpectations(s.statements);
  const ran = check.run?.counts.expectationsRun ?? 0;
  const met = check.run?.counts.expectationsMet ?? 0;
  return { total, met, failed: ran - met, notRun: Math.max(0, total - ran) };
}

/**
 * checkScript in full mode for the editor: the model runs in slices (runSliced) so a newer edit
 * or a cancelled request can stop it; undefined when it was stopped.
 */
export async function checkScriptSliced(
  text: string,
  path: string,
  host: ScriptHost,
  options: CheckOptions,
  pause: () => Promise<void>,
  cancelled: () => boolean,
): Promise<ScriptCheck | undefined> {
  const p = prepare(text, path, host, options);
  const engine = newEngine(p.config, options);
  const result = await runSliced(runnableOf(p).runnable, engine, pause, cancelled, options.timeLimitMs);
  return result && finish(p, result, engine);
}

/** What a streamed check keeps: everything but the syntax tree and the model. */
export interface StreamedCheck {
  readonly diagnostics: ScriptDiagnostic[];
  readonly config: ResolvedConfig;
  readonly configPath?: string;
  readonly configOrigin?: string;
  readonly run: RunResult;
  /** Files included, at any depth. */
  readonly includes: readonly string[];
}

/**
 * Files the statements include, at any depth, and the configurations their `config` lines after
 * `reset` name (a script is checked again when one changes).
 */
export function includedPaths(statements: readonly ResolvedStatement[], out: string[] = []): string[] {
  // Indexed: the one-pass check asks this of every slice's statements, and `for…of` allocates an
  // iterator result per element in a cold check's baseline code.
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i] as ResolvedStatement;
    if (s.kind === 'action' && s.config) out.push(s.config.path);
    if (s.kind !== 'include') continue;
    out.push(s.path);
    includedPaths(s.statements, out);
  }
  return out;
}

/**
 * Lines 0 to `last` (0-based, inclusive) of a script resolved without the rest of it: a line sees
 * only what is above it (constants, included files), so these statements and symbols are the
 * ones the whole script's resolution has on those lines. The editor reads them for the lines it
 * shows while the script's first check, which keeps no tree, still runs (semantic tokens, inlay
 * hints); the cost grows with `last`, not with the script.
 */
export function resolveUpTo(
  text: string,
  path: string,
  host: ScriptHost,
  last: number,
): { readonly statements: readonly ResolvedStatement[]; readonly symbols: readonly SymbolRef[] } {
  const lines = splitLines(text);
  const resolver = new StatementResolver(includeHost(host, path, [path]), true);
  const end = Math.min(last, lines.length - 1);
  for (let line = 0; line <= end; line++) {
    const parsed = parseLine(lines[line] as string, line);
    if (parsed.statement) resolver.add(parsed.statement);
  }
  return { statements: resolver.take().statements, symbols: resolver.symbols };
}

/**
 * How far a streamed check has got: every line below `lines` has been parsed, resolved and, where
 * the model runs, run, and `observations` (in line order, growing) are final for those lines.
 */
export type StreamedProgress = (lines: number, observations: readonly Observation[], found: FoundSoFar) => void;

/**
 * The diagnostics a streamed check has found on the lines it has checked, when a progress report
 * is made. They are final: the whole check's diagnostics on those lines are these, in this order
 * (a property test compares them), so an editor can show them before the check ends.
 */
export interface FoundSoFar {
  /** How many there are (no list is built). */
  readonly count: number;
  /**
   * The list, in the order of the whole check's; undefined while a later line can still add one
   * on these lines: the configuration is settled at the first statement that runs (its errors
   * lie on the `config` line, or on line 1 for a configuration from an option or a setting), and
   * the note that the model stopped at the earliest error comes once a statement after it is
   * known to have been skipped.
   */
  list(): ScriptDiagnostic[] | undefined;
}

/**
 * A full check in one pass over the lines, for an editor that has no syntax tree of the document
 * yet (a file just opened): each slice of lines is parsed, resolved and run, and only what the
 * check reports is kept, so a line's tree dies young instead of surviving the whole check (which
 * made the garbage collector copy, then promote, every tree; see docs/performance.md).
 *
 * It reports what checkScript in full mode reports, in the same order (a property test compares
 * them), because a script's lines are independent: the configuration is settled before the first
 * access (a later `config` line is an error), and every error lies on the line that causes it, so
 * when a line is reached every error before it is known. The model runs the statements before the
 * earliest error, as checkScript does. Undefined when `cancelled` stopped it between slices.
 */
export async function checkScriptStreamed(
  text: string,
  path: string,
  host: ScriptHost,
  options: CheckOptions,
  pause: () => Promise<void>,
  cancelled: () => boolean,
  progress?: StreamedProgress,
): Promise<StreamedCheck | undefined> {
  const lines = splitLines(text);
  const resolver = new StatementResolver(includeHost(host, path, [path]));
  // Kept apart, then joined in checkScript's order before the final stable sort.
  const syntax: ScriptDiagnostic[] = [];
  const resolution: ScriptDiagnostic[] = [];
  const configDiagnostics: ScriptDiagnostic[] = [];
  const runDiagnostics: ScriptDiagnostic[] = [];
  const observations: Observation[] = [];
  const includes: string[] = [];
  let firstError: ScriptDiagnostic | undefined;
  const noteErrors = (ds: readonly ScriptDiagnostic[]) => {
    for (let i = 0; i < ds.length; i++) {
      const d = ds[i] as ScriptDiagnostic;
      if (stopsTheModel(d) && (!firstError || compareRanges(d.range, firstError.range) < 0)) firstError = d;
    }
  };
  let chosen: { config: ResolvedConfig; configPath?: string; configOrigin?: string } | undefined;
  // Settled at the first statement that runs (or at the end): every `config` line that counts is above it.
  const settleConfig = () => {
    if (chosen) return chosen;
    const found = resolver.config;
    if (options.configPath) {
      chosen = {
        config: loadScriptConfig(options.configPath, host, found?.range ?? LINE0, configDiagnostics) ?? DEFAULT_CONFIG,
        configPath: options.configPath,
      };
    } else if (found) {
      const configPath = host.resolvePath(path, found.path);
      chosen = {
        config: loadScriptConfig(configPath, host, found.range, configDiagnostics) ?? DEFAULT_CONFIG,
        configPath,
      };
    } else if (options.defaultConfig) {
      const d = applyDefaultConfig(options.defaultConfig, (p) => host.readFile(p, 'config'), configDiagnostics);
      chosen = {
        config: d.config,
        ...(d.configPath ? { configPath: d.configPath } : {}),
        configOrigin: options.defaultConfig.origin,
      };
    } else {
      chosen = { config: DEFAULT_CONFIG };
    }
    noteErrors(configDiagnostics);
    return chosen;
  };
  let engine: Engine | undefined;
  const state: ScriptState = { eventCursor: 0 };
  const lastWrite = new Map<string, Range>();
  let failedExpectations = 0;
  const counts = noCounts();
  let skipped = false;
  // Set when a bound stopped the model (guest memory, time): later slices are parsed, not run.
  let boundHit = false;
  const started = Date.now();
  // The diagnostics in checkScript's order: syntax and names by position, then the
  // configuration's and the model's, sorted again (stable) by position.
  const assemble = (): ScriptDiagnostic[] => {
    const diagnostics = [...syntax, ...resolution].sort((a, b) => compareRanges(a.range, b.range));
    for (const d of configDiagnostics) diagnostics.push(d);
    for (const d of runDiagnostics) diagnostics.push(d);
    if (firstError && skipped) diagnostics.push(stoppedInfo(firstError));
    return diagnostics.sort((a, b) => compareRanges(a.range, b.range));
  };
  const found: FoundSoFar = {
    get count() {
      return (
        syntax.length +
        resolution.length +
        configDiagnostics.length +
        runDiagnostics.length +
        (firstError && skipped ? 1 : 0)
      );
    },
    list: () => (chosen === undefined || (firstError !== undefined && !skipped) ? undefined : assemble()),
  };
  for (let from = 0; from < lines.length; from += RUN_SLICE) {
    if (from > 0) {
      // Errors of later slices lie on later lines: what the lines above found is final.
      progress?.(from, observations, found);
      await pause();
      if (cancelled()) return undefined;
    }
    const to = Math.min(lines.length, from + RUN_SLICE);
    const syntaxBefore = syntax.length;
    for (let line = from; line < to; line++) {
      const d = resolver.addLine(lines[line] as string, line);
      if (d) syntax.push(d);
    }
    // Errors of later slices lie on later lines, so after this slice every error that can stop
    // one of its statements is known.
    const { statements, diagnostics } = resolver.take();
    noteErrors(syntax.slice(syntaxBefore));
    noteErrors(diagnostics);
    for (let i = 0; i < diagnostics.length; i++) resolution.push(diagnostics[i] as ScriptDiagnostic);
    if (statements.length === 0) continue;
    includedPaths(statements, includes);
    settleConfig();
    const stop = firstError ? startLine(firstError.range) : Infinity;
    // Without an error before it (the usual case) the whole slice runs: no filter and its callbacks.
    let all = true;
    for (let i = 0; all && i < statements.length; i++)
      if (startLine((statements[i] as ResolvedStatement).range) >= stop) all = false;
    const runnable = all ? statements : statements.filter((st) => startLine(st.range) < stop);
    if (runnable.length < statements.length) skipped = true;
    if (runnable.length && !boundHit) {
      if (options.timeLimitMs !== undefined && Date.now() - started > options.timeLimitMs) {
        runDiagnostics.push(timeLimitStop((runnable[0] as ResolvedStatement).range, options.timeLimitMs));
        boundHit = true;
        continue;
      }
      engine ??= newEngine(settleConfig().config, options);
      const r = run(runnable, engine, state, lastWrite);
      for (let i = 0; i < r.diagnostics.length; i++) runDiagnostics.push(r.diagnostics[i] as ScriptDiagnostic);
      for (let i = 0; i < r.observations.length; i++) observations.push(r.observations[i] as Observation);
      failedExpectations += r.failedExpectations;
      if (r.stoppedAt !== undefined) boundHit = true;
      addCounts(counts, r.counts);
    }
  }
  const { config, configPath, configOrigin } = settleConfig();
  engine ??= newEngine(config, options);
  const diagnostics = assemble();
  return {
    diagnostics,
    config,
    ...(configPath !== undefined ? { configPath } : {}),
    ...(configOrigin ? { configOrigin } : {}),
    run: { diagnostics: runDiagnostics, observations, failedExpectations, counts, memory: engine.memory },
    includes,
  };
}

/**
 * The configuration the SMMU has at `line` (0-based): the script's, or the one the last `config`
 * line after a `reset` before it brought (in an included file too, before the include line).
 * Hovers and code actions decode values with it. Lines past the earliest error have the one the
 * model last had.
 */
export function configAtLine(check: ScriptCheck, line: number): ResolvedConfig {
  const stop = check.firstError ? Math.min(line, startLine(check.firstError.range) - 1) : line;
  let config = check.config;
  const visit = (statements: readonly ResolvedStatement[]): void => {
    for (const s of statements) {
      if (s.kind === 'include') visit(s.statements);
      else if (s.kind === 'action' && s.config) config = s.config.config;
    }
  };
  visit(check.resolved.statements.filter((s) => startLine(s.range) < stop));
  return config;
}
