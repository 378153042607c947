/**
 * `smmu/registers`: the debug session's register state in the language server's
 * `smmu/stateAtLine` shape (lsp-ext.ts RegisterState), so the Registers view can follow a session.
 */
import type { Engine } from '../../core/engine/engine';
import { decode, hex } from '../../core/registers/codec';
import { bitsText } from '../../core/registers/describe';
import { REGISTERS } from '../../core/registers/table';
import type { RegisterState, StateAtLineResult } from '../lsp/lsp-ext';

export const REGISTERS_REQUEST = 'smmu/registers';

/** The result also says where the session is (0-based line of the top frame). */
export interface SessionRegistersResult extends StateAtLineResult {
  readonly line: number;
}

export function registerStates(engine: Engine): RegisterState[] {
  return REGISTERS.map((reg) => {
    const d = decode(reg, engine.smmu.peek(reg.name), engine.ids);
    return {
      name: reg.name,
      summary: reg.summary,
      section: reg.section,
      offset: reg.offset,
      width: reg.width,
      group: reg.group,
      value: hex(d.value, reg.width),
      fields: d.fields.map((f) => ({ name: f.field.name, bits: bitsText(f.field), value: f.value > 9n ? '0x' + f.value.toString(16).toUpperCase() : f.value.toString(), description: f.field.description, ...(f.enumValue ? { meaning: f.enumValue.name } : {}) })),
    };
  });
}
