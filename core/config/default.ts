/**
 * The configuration a script or queue descriptor uses when it has no `config` line. Without a
 * choice it is the built-in default (QEMU's, presets.ts); an editor's setting (`smmu.configuration`)
 * can choose a preset by name or a configuration file instead. A file's own `config` line always
 * wins: it says what that file was written for, and the CLI checks it the same way.
 *
 * A choice that cannot be used (a file that is missing or has errors) gives one error at the start
 * of the file naming where the choice came from; as with a broken `config` line, a script is then
 * not executed, and the built-in default is what decodes values.
 */
import type { FileText } from '../base/files';
import { blockingErrors, loadConfig, notModelledErrors } from './load';
import { DEFAULT_CONFIG, PRESETS } from './presets';
import type { ResolvedConfig } from './types';
import type { Range, ScriptDiagnostic } from '../base/diagnostics';

export interface DefaultConfig {
  /** Where the choice comes from, named in diagnostics and the status bar: `setting smmu.configuration`. */
  readonly origin: string;
  /** What the user wrote: a preset name, or a path (for messages). */
  readonly value: string;
  /** The absolute path `value` stands for when it is not a preset name. */
  readonly path?: string;
}

export interface AppliedDefault {
  readonly config: ResolvedConfig;
  /** The file used, when the choice is a file (dependents are re-checked when it changes). */
  readonly configPath?: string;
}

const LINE0: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Whether `value` names a built-in preset or alias (PRESET_NAMES: `qemu`, `qemu-7.2`, `qemu-11.1`, `xen-vsmmu`, `smmuv3.2-full`, `smmuv3.4-lpa2`). */
export function isPresetName(value: string): boolean {
  return PRESETS.has(value);
}

/** The last file loaded: an editor re-checks on every edit against the same configuration text. */
let last: { text: string; loaded: ReturnType<typeof loadConfig> } | undefined;
function loadCached(text: string): ReturnType<typeof loadConfig> {
  if (last?.text !== text) last = { text, loaded: loadConfig(text) };
  return last.loaded;
}

/**
 * The configuration `choice` selects. `readFile` reads a file (undefined when it cannot); problems
 * are pushed to `diagnostics` on line 0, and the built-in default is used instead.
 */
export function applyDefaultConfig(
  choice: DefaultConfig,
  readFile: (path: string) => FileText,
  diagnostics: ScriptDiagnostic[],
): AppliedDefault {
  const preset = PRESETS.get(choice.value);
  if (preset) {
    for (const d of notModelledErrors(preset.diagnostics))
      diagnostics.push({
        severity: 'error',
        code: d.code,
        message: `${choice.origin}: preset '${choice.value}': ${d.message}`,
        range: LINE0,
      });
    return { config: preset.config };
  }
  const path = choice.path ?? choice.value;
  // As with a broken `config` line, the error stops the model before the first statement.
  const fallback = `fix the setting or the file (until then files without a \`config\` line are not executed, and decoded against the built-in default, ${DEFAULT_CONFIG.name})`;
  const text = readFile(path);
  if (typeof text !== 'string') {
    const presets = [...PRESETS.keys()].join(', ');
    const why = typeof text === 'object' ? `: ${text.unreadable}` : '';
    diagnostics.push({
      severity: 'error',
      code: 'config.missing',
      message: `${choice.origin}: '${choice.value}' is neither a preset (${presets}) nor a configuration file that can be read (${path}${why}); ${fallback}`,
      range: LINE0,
    });
    return { config: DEFAULT_CONFIG, configPath: path };
  }
  const loaded = loadCached(text);
  const errors = blockingErrors(loaded.diagnostics);
  if (errors.length || !loaded.config) {
    const first = errors[0];
    const where = first ? `; first at line ${first.range.start.line + 1}: ${first.message}` : '';
    diagnostics.push({
      severity: 'error',
      code: 'config.invalid',
      message: `${choice.origin}: configuration ${path} has ${errors.length || 'unreadable'} error${errors.length === 1 ? '' : 's'}${where}; ${fallback}`,
      range: LINE0,
    });
    return { config: DEFAULT_CONFIG, configPath: path };
  }
  for (const d of notModelledErrors(loaded.diagnostics))
    diagnostics.push({
      severity: 'error',
      code: d.code,
      message: `${choice.origin}: configuration ${path}: ${d.message}`,
      range: LINE0,
    });
  return { config: loaded.config, configPath: path };
}
