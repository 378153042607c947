/**
 * The settings the server reads, from `initializationOptions.settings` and from
 * `workspace/didChangeConfiguration` (`settings.settings`). The VS Code client sends them all
 * (client/config.ts); another editor may send only some: a setting left out keeps its value.
 */
import * as os from 'os';
import * as path from 'path';
import type { DefaultConfig } from '../../core/config/default';
import { isPresetName } from '../../core/config/default';
import { DEFAULT_QEMU_BINARY } from '../qemu/check-on-qemu';

export interface ServerSettings {
  /** `never`: restricted mode (untrusted workspace), syntax and name checks only. */
  readonly executeOn: 'save' | 'change' | 'never';
  /** `smmu.configuration`: a preset name or a *.smmu.json path; '' for the built-in default. */
  readonly configuration: string;
  /** `smmu.inlayHints.enabled`: false → the server answers inlay hint requests with nothing. */
  readonly inlayHints: boolean;
  /**
   * False in an untrusted workspace (VS Code's restricted mode): files a script names (`config`,
   * `include`, the `smmu.configuration` file) are read only inside the workspace folders
   * (docs/security.md). Editors without workspace trust leave it out: true.
   */
  readonly trusted: boolean;
  /** `smmu.model.maxGuestMemory`: MiB of guest memory a model run may write (1 to 4096). */
  readonly maxGuestMemory: number;
  /**
   * `smmu.qemu.path`: the emulator Run on QEMU starts ('' for `qemu-system-aarch64` on PATH). A
   * program a workspace may name: VS Code ignores a workspace's value until it is trusted
   * (restrictedConfigurations), and the server refuses to run QEMU while `trusted` is false.
   */
  readonly qemuPath: string;
  /** `smmu.qemu.machine`: more `-M` options after `virt,iommu=smmuv3,highmem=off`. */
  readonly qemuMachine: string;
  /** `smmu.qemu.memory`: the guest's RAM, MiB (16 to 65536, as the CLI's `--memory`). */
  readonly qemuMemory: number;
  /** `smmu.qemu.timeout`: seconds before QEMU is stopped (1 to 3600, as the CLI's `--timeout`). */
  readonly qemuTimeout: number;
  /**
   * `smmu.languageServer.warmUp`: check a built-in script in the background after the server starts
   * (server/lsp/warm-up.ts), so that the first script opened is checked by optimised code.
   */
  readonly warmUp: boolean;
  /**
   * `smmu.languageServer.resultCache`: keep the diagnostics of full checks in the user's cache
   * folder, and show them at once when the same script is opened unchanged (result-cache.ts).
   */
  readonly resultCache: boolean;
}

export const DEFAULT_SETTINGS: ServerSettings = {
  executeOn: 'save',
  configuration: '',
  inlayHints: true,
  trusted: true,
  maxGuestMemory: 256,
  qemuPath: '',
  qemuMachine: '',
  qemuMemory: 1024,
  qemuTimeout: 30,
  warmUp: true,
  resultCache: true,
};

const integerIn = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** The name diagnostics and the status bar give the setting. */
export const CONFIGURATION_ORIGIN = 'setting smmu.configuration';

/**
 * The settings object of a `workspace/didChangeConfiguration` notification's `settings`: the VS Code
 * client sends them there directly (`{ settings: { executeOn, … } }`); the form of
 * initializationOptions one level down (`{ settings: { settings: { … } } }`) and a section named
 * `smmu` (`{ settings: { smmu: { … } } }`, as editors that send all their settings do) are accepted too.
 */
export function changedSettings(settings: unknown): unknown {
  if (typeof settings !== 'object' || settings === null) return undefined;
  const s = settings as Record<string, unknown>;
  if (typeof s.settings === 'object' && s.settings !== null) return s.settings;
  if (typeof s.smmu === 'object' && s.smmu !== null) return s.smmu;
  return s;
}

/** `raw` (what the client sent) over `previous`; values of the wrong type are ignored. */
export function mergeSettings(raw: unknown, previous: ServerSettings): ServerSettings {
  const s = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const e = s.executeOn;
  return {
    executeOn: e === 'save' || e === 'change' || e === 'never' ? e : previous.executeOn,
    configuration: typeof s.configuration === 'string' ? s.configuration.trim() : previous.configuration,
    inlayHints: typeof s.inlayHints === 'boolean' ? s.inlayHints : previous.inlayHints,
    trusted: typeof s.trusted === 'boolean' ? s.trusted : previous.trusted,
    maxGuestMemory: integerIn(s.maxGuestMemory, 1, 4096) ? s.maxGuestMemory : previous.maxGuestMemory,
    qemuPath: typeof s.qemuPath === 'string' ? s.qemuPath.trim() : previous.qemuPath,
    qemuMachine: typeof s.qemuMachine === 'string' ? s.qemuMachine.trim() : previous.qemuMachine,
    qemuMemory: integerIn(s.qemuMemory, 16, 65536) ? s.qemuMemory : previous.qemuMemory,
    qemuTimeout: integerIn(s.qemuTimeout, 1, 3600) ? s.qemuTimeout : previous.qemuTimeout,
    warmUp: typeof s.warmUp === 'boolean' ? s.warmUp : previous.warmUp,
    resultCache: typeof s.resultCache === 'boolean' ? s.resultCache : previous.resultCache,
  };
}

/**
 * The emulator `smmu.qemu.path` names: a bare name is looked up on PATH (as a shell would); a path
 * is absolute, relative to the first workspace folder (`${workspaceFolder}/` may start it, as in
 * VS Code's settings), or under the home folder (`~/`).
 */
export function qemuBinaryOf(qemuPath: string, roots: readonly string[]): string {
  if (!qemuPath) return DEFAULT_QEMU_BINARY;
  if (!/[\\/]/.test(qemuPath) && !qemuPath.startsWith('${workspaceFolder}')) return qemuPath;
  const root = roots[0] ?? process.cwd();
  const p = qemuPath.replace(/^\$\{workspaceFolder\}(?=[\\/]|$)/, root).replace(/^~(?=[\\/])/, os.homedir());
  return path.resolve(root, p);
}

/**
 * The default configuration `configuration` selects: a preset by name, else a file — absolute, or
 * relative to the first workspace folder (`${workspaceFolder}/` may start it, as in VS Code's
 * settings); undefined for the built-in default.
 */
export function defaultConfigOf(configuration: string, roots: readonly string[]): DefaultConfig | undefined {
  if (!configuration) return undefined;
  if (isPresetName(configuration)) return { origin: CONFIGURATION_ORIGIN, value: configuration };
  const root = roots[0] ?? process.cwd();
  const p = configuration.replace(/^\$\{workspaceFolder\}(?=[\\/]|$)/, root);
  return { origin: CONFIGURATION_ORIGIN, value: configuration, path: path.resolve(root, p) };
}
