/**
 * Checking a trace end to end: pick the parser (QEMU log or the line format), load the
 * configuration (`--config`, the trace's `config` line, or inferred from its ID register reads)
 * and replay. The CLI and the language server both call this.
 */
import { cannotRead } from '../base/files';
import { loadConfig, notModelledWarnings } from '../config/load';
import type { ResolvedConfig } from '../config/types';
import type { ScriptHost } from '../script/check';
import type { Range, ScriptDiagnostic } from '../base/diagnostics';
import { parseLineTrace } from './parse-line';
import { looksLikeQemu, parseQemuTrace } from './parse-qemu';
import { replayTrace, type ReplayResult } from './replay';
import type { ParsedTrace, TraceFormat } from './types';

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
  const configDiagnostics: ScriptDiagnostic[] = [];
  let config: ResolvedConfig | undefined;
  let configPath: string | undefined;
  const file = options.configPath ?? (parsed.config ? host.resolvePath(path, parsed.config.path) : undefined);
  if (file) {
    const range = options.configPath ? LINE0 : (parsed.config?.range ?? LINE0);
    const t = host.readFile(file, 'config');
    if (typeof t !== 'string')
      configDiagnostics.push({
        severity: 'error',
        code: 'trace.config',
        message: `${cannotRead('configuration', file, t)}; replaying against the configuration the trace's ID register reads imply`,
        range,
      });
    else {
      const loaded = loadConfig(t);
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length || !loaded.config) {
        const first = errors[0];
        configDiagnostics.push({
          severity: 'error',
          code: 'trace.config',
          message: `configuration ${file} has errors${first ? `; first at line ${first.range.start.line + 1}: ${first.message}` : ''}; replaying against the configuration the trace's ID register reads imply`,
          range,
        });
      } else {
        config = loaded.config;
        configPath = file;
        for (const d of notModelledWarnings(loaded.diagnostics))
          configDiagnostics.push({
            severity: 'warning',
            code: 'trace.config',
            message: `configuration ${file}: ${d.message} (configuration rule ${d.code})`,
            range,
          });
      }
    }
  }
  const result = replayTrace(parsed, {
    config,
    configSource: configPath,
    configDiagnostics,
    ...(options.maxGuestMemory !== undefined ? { maxGuestMemory: options.maxGuestMemory } : {}),
  });
  return { ...result, parsed, ...(configPath ? { configPath } : {}) };
}
