/**
 * Checking a script end to end: parse, resolve names, load its configuration, and (in full mode)
 * run it on a fresh model. The language server and the CLI both call this, so an editor and CI
 * report the same diagnostics.
 */
import { loadConfig } from '../config/load';
import { DEFAULT_CONFIG } from '../config/presets';
import { applyDefaultConfig, type DefaultConfig } from '../config/default';
import type { ResolvedConfig } from '../config/types';
import { Engine } from '../engine/engine';
import type { Smmu } from '../model/smmu';
import { compareRanges, startLine, type Range, type ScriptDiagnostic } from './diagnostics';
import { run, runSliced, type RunResult } from './interpreter';
import { finalConstants, resolveScript, type ResolveCache, type IncludeHost, type ResolvedScript } from './resolve';
import { parseScript } from './parser';
import type { ParsedScript } from './ast';

/** File access supplied by the caller (the CLI reads the disk, the server prefers open documents). */
export interface ScriptHost {
  /** Text of the file, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** `relative` resolved against the folder of the script at `from`. */
  resolvePath(from: string, relative: string): string;
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

/** Load a configuration file for a script; problems become diagnostics at `range`. */
function loadScriptConfig(path: string, host: ScriptHost, range: Range, diagnostics: ScriptDiagnostic[]): ResolvedConfig | undefined {
  const text = host.readFile(path);
  if (text === undefined) {
    diagnostics.push({ severity: 'error', code: 'config.missing', message: `cannot read configuration ${path}`, range });
    return undefined;
  }
  const loaded = loadConfigCached(text);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !loaded.config) {
    const first = errors[0];
    const where = first ? `; first at line ${first.range.start.line + 1}: ${first.message}` : '';
    diagnostics.push({ severity: 'error', code: 'config.invalid', message: `configuration ${path} has ${errors.length || 'unreadable'} error${errors.length === 1 ? '' : 's'}${where}`, range });
    return undefined;
  }
  return loaded.config;
}

/** Includes resolved through the host, relative to the including file, with cycle detection. */
function includeHost(host: ScriptHost, from: string, stack: readonly string[]): IncludeHost {
  return {
    stack,
    load: (relative) => {
      const path = host.resolvePath(from, relative);
      const text = host.readFile(path);
      return text === undefined ? { error: `cannot read ${path}` } : { path, text };
    },
    resolve: (path, text, consts) => {
      const script = resolveScript(parseScript(text, { keepTokens: false }), includeHost(host, path, [...stack, path]), consts);
      return { script, consts: finalConstants(script) };
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
    const d = applyDefaultConfig(options.defaultConfig, (p) => host.readFile(p), diagnostics);
    return { resolved, diagnostics, config: d.config, ...(d.configPath ? { configPath: d.configPath } : {}), configOrigin: options.defaultConfig.origin };
  }
  return { resolved, diagnostics, config, configPath };
}

/**
 * Execute the statements before the first error: later ones could only report consequences of
 * a line the model never saw.
 */
function runnableOf(p: Prepared) {
  const firstError = p.diagnostics.find((d) => d.severity === 'error');
  const stopLine = firstError ? firstError.range.start.line : Infinity;
  return { firstError, stopLine, runnable: p.resolved.statements.filter((s) => startLine(s.range) < stopLine) };
}

function newEngine(config: ResolvedConfig, options: CheckOptions): Engine {
  const engine = new Engine(config);
  // Checks report diagnostics and observations; the per-access history is for the debugger, the
  // full activity log for --trace.
  engine.smmu.recording = false;
  engine.recording = options.trace === true;
  return engine;
}

function finish(p: Prepared, result: RunResult, engine: Engine): ScriptCheck {
  const { resolved, diagnostics, config, configPath, configOrigin } = p;
  const { firstError, stopLine, runnable } = runnableOf(p);
  diagnostics.push(...result.diagnostics);
  if (firstError && runnable.length < resolved.statements.length) {
    diagnostics.push({
      severity: 'info',
      code: 'run.stopped',
      message: `the model ran up to line ${stopLine}; statements from the error on line ${stopLine + 1} onwards were not executed`,
      range: firstError.range,
    });
  }
  diagnostics.sort((a, b) => compareRanges(a.range, b.range));
  return { resolved, diagnostics, config, configPath, ...(configOrigin ? { configOrigin } : {}), run: result, smmu: engine.smmu, engine };
}

export function checkScript(text: string, path: string, host: ScriptHost, mode: CheckMode, options: CheckOptions = {}): ScriptCheck {
  const p = prepare(text, path, host, options);
  if (mode === 'syntax') return p;
  const engine = newEngine(p.config, options);
  return finish(p, run(runnableOf(p).runnable, engine), engine);
}

/**
 * checkScript in full mode for the editor: the model runs in slices (runSliced) so a newer edit
 * or a cancelled request can stop it; undefined when it was stopped.
 */
export async function checkScriptSliced(text: string, path: string, host: ScriptHost, options: CheckOptions, pause: () => Promise<void>, cancelled: () => boolean): Promise<ScriptCheck | undefined> {
  const p = prepare(text, path, host, options);
  const engine = newEngine(p.config, options);
  const result = await runSliced(runnableOf(p).runnable, engine, pause, cancelled);
  return result && finish(p, result, engine);
}
