/**
 * Checking a script end to end: parse, resolve names, load its configuration, and (in full mode)
 * run it on a fresh model. The language server and the CLI both call this, so an editor and CI
 * report the same diagnostics.
 */
import { loadConfig } from '../config/load';
import { DEFAULT_CONFIG } from '../config/presets';
import type { ResolvedConfig } from '../config/types';
import { Engine } from '../engine/engine';
import type { Smmu } from '../model/smmu';
import type { Range, ScriptDiagnostic } from './diagnostics';
import { run, type RunResult } from './interpreter';
import { finalConstants, resolveScript, type IncludeHost, type ResolvedScript } from './resolve';
import { parseScript } from './parser';

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
  /** Keep everything the SMMU did (fetches, consumed commands) for `--trace`; off, only what diagnostics need. */
  readonly trace?: boolean;
}

export interface ScriptCheck {
  readonly resolved: ResolvedScript;
  readonly diagnostics: ScriptDiagnostic[];
  readonly config: ResolvedConfig;
  /** The configuration file used, when one was; undefined means the built-in default. */
  readonly configPath?: string;
  /** Present in full mode when the script was executed. */
  readonly run?: RunResult;
  readonly smmu?: Smmu;
  readonly engine?: Engine;
}

const LINE0: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Load a configuration file for a script; problems become diagnostics at `range`. */
function loadScriptConfig(path: string, host: ScriptHost, range: Range, diagnostics: ScriptDiagnostic[]): ResolvedConfig | undefined {
  const text = host.readFile(path);
  if (text === undefined) {
    diagnostics.push({ severity: 'error', code: 'config.missing', message: `cannot read configuration ${path}`, range });
    return undefined;
  }
  const loaded = loadConfig(text);
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

export function checkScript(text: string, path: string, host: ScriptHost, mode: CheckMode, options: CheckOptions = {}): ScriptCheck {
  const resolved = resolveScript(parseScript(text, { keepTokens: false }), includeHost(host, path, [path]));
  const diagnostics: ScriptDiagnostic[] = [...resolved.diagnostics];
  let config: ResolvedConfig = DEFAULT_CONFIG;
  let configPath: string | undefined;
  if (options.configPath) {
    configPath = options.configPath;
    config = loadScriptConfig(configPath, host, resolved.config?.range ?? LINE0, diagnostics) ?? DEFAULT_CONFIG;
  } else if (resolved.config) {
    configPath = host.resolvePath(path, resolved.config.path);
    config = loadScriptConfig(configPath, host, resolved.config.range, diagnostics) ?? DEFAULT_CONFIG;
  }
  if (mode === 'syntax') return { resolved, diagnostics, config, configPath };

  // Execute the statements before the first error: later ones could only report consequences of
  // a line the model never saw.
  const firstError = diagnostics.find((d) => d.severity === 'error');
  const stopLine = firstError ? firstError.range.start.line : Infinity;
  const runnable = resolved.statements.filter((s) => s.range.start.line < stopLine);
  const engine = new Engine(config);
  const smmu = engine.smmu;
  // Checks report diagnostics and observations; the per-access history is for the debugger, the
  // full activity log for --trace.
  smmu.recording = false;
  engine.recording = options.trace === true;
  const result = run(runnable, engine);
  diagnostics.push(...result.diagnostics);
  if (firstError && runnable.length < resolved.statements.length) {
    diagnostics.push({
      severity: 'info',
      code: 'run.stopped',
      message: `the model ran up to line ${stopLine}; statements from the error on line ${stopLine + 1} onwards were not executed`,
      range: firstError.range,
    });
  }
  diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return { resolved, diagnostics, config, configPath, run: result, smmu, engine };
}
