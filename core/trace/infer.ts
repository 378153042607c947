/**
 * The configuration a trace implies: the values the emulation returned for its ID registers
 * (§6.3.1–§6.3.8, constant after reset, so the first read of each is the emulation's answer for
 * the whole trace). Unread ID registers are taken as 0 and said so. The values go through the
 * same loader as a `*.smmu.json` file, so every configuration rule (reserved encodings,
 * inconsistent features, what Linux or Xen would refuse, a meaningless IIDR) applies to them.
 */
import { loadConfig, type ConfigDiagnostic } from '../config/load';
import type { ResolvedConfig } from '../config/types';
import { hex } from '../registers/codec';
import { REGISTERS } from '../registers/table';
import type { AccessRecord, TraceRecord } from './types';

export const ID_REGISTERS = REGISTERS.filter((r) => r.behaviour.kind === 'id' && r.width === 32);

export interface InferredConfig {
  readonly config?: ResolvedConfig;
  /** First read of each ID register, by name. */
  readonly reads: ReadonlyMap<string, AccessRecord>;
  /** ID registers the trace never read (taken as 0). */
  readonly unread: readonly string[];
  /** With AIDR unread: the lowest SMMUv3 version the other ID values are consistent with. */
  readonly version?: string;
  /** What the configuration rules say about the inferred values. */
  readonly diagnostics: readonly ConfigDiagnostic[];
}

export function inferConfig(records: readonly TraceRecord[]): InferredConfig {
  const reads = new Map<string, AccessRecord>();
  for (const r of records) {
    if (r.kind !== 'access' || r.dir !== 'R' || r.abort || r.value === undefined || r.size !== 4) continue;
    const reg = ID_REGISTERS.find((x) => x.offset === r.offset);
    if (reg && !reads.has(reg.name)) reads.set(reg.name, r);
  }
  const registers: Record<string, string> = {};
  const unread: string[] = [];
  for (const reg of ID_REGISTERS) {
    // IDR6 and MPAMIDR exist only with their features; they are not part of a configuration otherwise.
    // Drivers do not read the CoreSight ID registers: unread, the loader derives them from the IIDR.
    if ((reg.requires || reg.group === 'coresight-id') && !reads.has(reg.name)) continue;
    const r = reads.get(reg.name);
    if (!r) unread.push(reg.name);
    registers[reg.name] = hex(r?.value ?? 0n);
  }
  const load = () =>
    loadConfig(JSON.stringify({ name: 'inferred from the trace', drivers: ['linux'], registers }, null, 2));
  let loaded = load();
  let version: string | undefined;
  if (!reads.has('AIDR')) {
    // Linux before 6.x never reads AIDR: take the lowest SMMUv3.x the other ID values are consistent
    // with (§2.9: an SMMUv3.x may include features of v3.(x+1) only), rather than 3.0.
    for (let minor = 0; minor <= 4; minor++) {
      registers.AIDR = hex(BigInt(minor));
      loaded = load();
      if (!loaded.diagnostics.some((d) => d.code === 'config.version')) {
        version = `3.${minor}`;
        break;
      }
    }
    if (!version) {
      registers.AIDR = hex(0n);
      loaded = load();
    }
  }
  return { config: loaded.config, reads, unread, diagnostics: loaded.diagnostics, ...(version ? { version } : {}) };
}
