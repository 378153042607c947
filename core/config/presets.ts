/**
 * Built-in configurations, resolved through the same loader as user files, so a preset can never
 * mean something else than presets/<name>.smmu.json (test/core/config/config.test.ts checks they
 * agree).
 * DEFAULT_CONFIG is `qemu`, the newest QEMU's `-M virt,iommu=smmuv3` SMMU (facts §8.1), what most
 * users emulate.
 */
import { jsonText } from './json';
import { loadConfig, type ConfigDiagnostic } from './load';
import { aliasFileDocument, PRESET_DOCUMENTS, PRESET_NAMES } from './preset-data';
import { DEFAULT_CHOICES, type ResolvedConfig } from './types';
import { own } from '../base/own';

export interface Preset {
  readonly name: string;
  readonly config: ResolvedConfig;
  /** What validation says about it (the tests keep errors out of every preset). */
  readonly diagnostics: readonly ConfigDiagnostic[];
}

/** The text of presets/<name>.smmu.json (scripts/gen-config-schema.mjs writes it); an alias's file names its preset as `base`. */
export function presetText(name: string): string {
  return jsonText(aliasFileDocument(name) ?? own(PRESET_DOCUMENTS, name) ?? {}) + '\n';
}

function resolve(name: string): Preset {
  // Load the very text of the preset file, so diagnostics carry the file's positions.
  const loaded = loadConfig(presetText(name));
  // loadConfig returns a configuration for any JSON object; the fallback only keeps the type
  // honest should a preset document ever stop being one.
  const config = loaded.config ?? {
    name,
    ids: { IDR0: 0, IDR1: 0, IDR2: 0, IDR3: 0, IDR4: 0, IDR5: 0, IIDR: 0, AIDR: 0 },
    choices: DEFAULT_CHOICES,
    gbpaReset: 0,
  };
  return { name, config, diagnostics: loaded.diagnostics };
}

/**
 * The presets, each resolved when first asked for: resolving them all when the module loads cost
 * every process's start (`smmu replay` of a 6-line trace) about 50 ms of CPU for presets it never
 * uses (docs/performance.md).
 */
class LazyPresets implements ReadonlyMap<string, Preset> {
  private readonly resolved = new Map<string, Preset>();

  get size(): number {
    return PRESET_NAMES.length;
  }

  has(name: string): boolean {
    return (PRESET_NAMES as readonly string[]).includes(name);
  }

  get(name: string): Preset | undefined {
    if (!this.has(name)) return undefined;
    let p = this.resolved.get(name);
    if (!p) this.resolved.set(name, (p = resolve(name)));
    return p;
  }

  *entries(): MapIterator<[string, Preset]> {
    for (const n of PRESET_NAMES) yield [n, this.get(n) as Preset];
  }

  keys(): MapIterator<string> {
    return PRESET_NAMES[Symbol.iterator]() as MapIterator<string>;
  }

  *values(): MapIterator<Preset> {
    for (const n of PRESET_NAMES) yield this.get(n) as Preset;
  }

  [Symbol.iterator](): MapIterator<[string, Preset]> {
    return this.entries();
  }

  forEach(f: (value: Preset, key: string, map: ReadonlyMap<string, Preset>) => void): void {
    for (const [n, p] of this.entries()) f(p, n, this);
  }
}

/** Every preset by every name it goes by (PRESET_NAMES: `qemu`, `qemu-7.2`, `qemu-11.1`, `xen-vsmmu`, `smmuv3.2-full`, `smmuv3.4-lpa2`). */
export const PRESETS: ReadonlyMap<string, Preset> = new LazyPresets();

function preset(name: string): ResolvedConfig {
  const p = PRESETS.get(name);
  if (!p) throw new Error(`internal: no preset ${name}`);
  return p.config;
}

/** `qemu`, the newest QEMU's default SMMUv3: IDR0 0x0D44101A, IDR1 0x02730010, IDR3 0x1404, IDR5 0x74, AIDR 1. */
export const DEFAULT_CONFIG: ResolvedConfig = preset('qemu');
