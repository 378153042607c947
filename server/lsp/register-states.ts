/**
 * Every register of a model, decoded field by field in the RegisterState shape (lsp-ext.ts): what
 * the Registers view shows, whether from the language server (smmu/stateAtLine) or from a debug
 * session (smmu/registers), launched on the model or attached to a live SMMU.
 */
import type { Engine } from '../../core/engine/engine';
import type { RegisterReading } from '../../core/inspect/live';
import { decode, featureHolds, fieldValueText, hex, type Decoded, type IdView } from '../../core/registers/codec';
import { bitsText } from '../../core/registers/describe';
import { registerOffset } from '../../core/registers/placement';
import { REGISTERS } from '../../core/registers/table';
import type { RegisterState } from './lsp-ext';

function stateOf(d: Decoded, ids: IdView | undefined, at?: number): RegisterState {
  const reg = d.reg;
  return {
    name: reg.name,
    summary: reg.summary,
    section: reg.section,
    offset: ids ? registerOffset(reg, ids) : reg.offset,
    width: reg.width,
    group: reg.group,
    value: hex(d.value, reg.width),
    fields: d.fields.map((f) => ({
      name: f.field.name,
      bits: bitsText(f.field),
      value: fieldValueText(f),
      description: f.field.description,
      ...(f.enumValue ? { meaning: f.enumValue.name } : {}),
    })),
    ...(at !== undefined ? { lastWrittenAt: at } : {}),
  };
}

/**
 * The registers this configuration implements (those of unadvertised features, the Secure page
 * without SMMU_S_IDR1.SECURE_IMPL among them, are undefined locations: left out, as the SVD export
 * leaves them out). `lastWrite`: the 0-based line that last wrote each register, when known.
 */
export function registerStates(engine: Engine, lastWrite?: ReadonlyMap<string, number>): RegisterState[] {
  return REGISTERS.filter((reg) => !reg.requires || featureHolds(reg.requires, engine.ids)).map((reg) =>
    stateOf(decode(reg, engine.smmu.peek(reg.name), engine.ids), engine.ids, lastWrite?.get(reg.name)),
  );
}

/** The registers a live inspection read (core/inspect/live.ts); unreadable ones are left out. */
export function readingStates(readings: readonly RegisterReading[]): RegisterState[] {
  return readings.flatMap((r) => (r.decoded ? [stateOf(r.decoded, undefined)] : []));
}
