/**
 * Every register of a model, decoded field by field in the RegisterState shape (lsp-ext.ts): what
 * the Registers view shows, whether from the language server (smmu/stateAtLine) or from a debug
 * session (smmu/registers).
 */
import type { Engine } from '../../core/engine/engine';
import { decode, fieldValueText, hex } from '../../core/registers/codec';
import { bitsText } from '../../core/registers/describe';
import { REGISTERS } from '../../core/registers/table';
import type { RegisterState } from './lsp-ext';

/** `lastWrite`: the 0-based line that last wrote each register, when known. */
export function registerStates(engine: Engine, lastWrite?: ReadonlyMap<string, number>): RegisterState[] {
  return REGISTERS.map((reg) => {
    const d = decode(reg, engine.smmu.peek(reg.name), engine.ids);
    const at = lastWrite?.get(reg.name);
    return {
      name: reg.name,
      summary: reg.summary,
      section: reg.section,
      offset: reg.offset,
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
  });
}
