/**
 * Checking a trace end to end: pick the parser (QEMU log or the line format), load the
 * configuration (`--config`, the trace's `config` line, or inferred from its ID register reads)
 * and replay. The CLI and the language server both call this.
 */
import { cannotRead } from '../base/files';
import { blockingErrors, loadConfig, notModelledErrors } from '../config/load';
import type { ScriptHost } from '../script/check';
import type { Range, ScriptDiagnostic } from '../base/diagnostics';
import { parseLineTrace } from './parse-line';
import { looksLikeQemu, parseQemuTrace } from './parse-qemu';
import { replayTrace, type ReplayResult } from './replay';
import type { ParsedTrace, TraceFormat } from './types';
import { TraceStream, type ConfigLineLoad, type TraceStreamOptions, type TraceStreamSink } from './stream';

export interface TraceCheck extends ReplayResult {
  readonly parsed: ParsedTrace;
  /** The configuration file used, when one was. */
  readonly configPath?: string;
}

export function parseTrace(text: string, format?: TraceFormat): ParsedTrace {
  const f = format ?? (looksLikeQemu(text) ? 'qemu' : 'smmutrace');
  return f === 'qemu' ? parseQemuTrace(text) : parseLineTrace(text);
}

const LINE0: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function checkTrace(
  text: string,
  path: string,
  host: ScriptHost,
  options: { configPath?: string; format?: TraceFormat; maxGuestMemory?: number } = {},
): TraceCheck {
  const parsed = parseTrace(text, options.format);
  const file = options.configPath ?? (parsed.config ? host.resolvePath(path, parsed.config.path) : undefined);
  const loaded = file
    ? loadTraceConfig(host, file, options.configPath ? LINE0 : (parsed.config?.range ?? LINE0))
    : { diagnostics: [] };
  const result = replayTrace(parsed, {
    config: loaded.config,
    configSource: loaded.configPath,
    configDiagnostics: loaded.diagnostics,
    ...(options.maxGuestMemory !== undefined ? { maxGuestMemory: options.maxGuestMemory } : {}),
  });
  return { ...result, parsed, ...(loaded.configPath ? { configPath: loaded.configPath } : {}) };
}

/**
 * The configuration file a trace is replayed against (`--config`, or its own `config` line at
 * `range`); what is wrong with it is reported at `range`, and the replay then infers one.
 */
export function loadTraceConfig(host: ScriptHost, file: string, range: Range): ConfigLineLoad {
  const configDiagnostics: ScriptDiagnostic[] = [];
  const t = host.readFile(file, 'config');
  if (typeof t !== 'string') {
    configDiagnostics.push({
      severity: 'error',
      code: 'trace.config',
      message: `${cannotRead('configuration', file, t)}; replaying against the configuration the trace's ID register reads imply`,
      range,
    });
    return { diagnostics: configDiagnostics };
  }
  const loaded = loadConfig(t);
  const errors = blockingErrors(loaded.diagnostics);
  if (errors.length || !loaded.config) {
    const first = errors[0];
    configDiagnostics.push({
      severity: 'error',
      code: 'trace.config',
      message: `configuration ${file} has errors${first ? `; first at line ${first.range.start.line + 1}: ${first.message}` : ''}; replaying against the configuration the trace's ID register reads imply`,
      range,
    });
    return { diagnostics: configDiagnostics };
  }
  for (const d of notModelledErrors(loaded.diagnostics))
    configDiagnostics.push({
      severity: 'error',
      code: 'trace.config',
      message: `configuration ${file}: ${d.message} (configuration rule ${d.code})`,
      range,
    });
  return { config: loaded.config, configPath: file, diagnostics: configDiagnostics };
}

/**
 * A streamed replay of the trace at `path` (`smmu replay`): `--config` loaded here, the trace's own
 * `config` line when the look ahead reaches it. Push its lines, then `end()`.
 */
export function streamTrace(
  path: string,
  host: ScriptHost,
  sink: TraceStreamSink,
  options: Omit<
    TraceStreamOptions,
    'config' | 'configSource' | 'configPath' | 'configDiagnostics' | 'loadConfigLine'
  > & {
    configPath?: string;
  } = {},
): TraceStream {
  const { configPath, ...rest } = options;
  const given = configPath ? loadTraceConfig(host, configPath, LINE0) : undefined;
  return new TraceStream(
    {
      ...rest,
      ...(given?.config ? { config: given.config, configSource: given.configPath, configPath: given.configPath } : {}),
      ...(given ? { configDiagnostics: given.diagnostics } : {}),
      // `--config` wins over the trace's own line, even when it cannot be used (as in checkTrace).
      ...(configPath ? {} : { loadConfigLine: (c) => loadTraceConfig(host, host.resolvePath(path, c.path), c.range) }),
    },
    sink,
  );
}
