/** ID register fields of a configuration, for the table's `requires` conditions. */
import type { ResolvedConfig } from '../config/types';
import { extractField, type IdView } from '../registers/codec';
import { findField, findRegister } from '../registers/table';

export function idViewOf(config: ResolvedConfig): IdView {
  return {
    idField: (register, field) => {
      const reg = findRegister(register);
      const f = reg && findField(reg, field);
      const v = reg && config.ids[reg.name];
      return f && v !== undefined ? Number(extractField(BigInt(v), f)) : undefined;
    },
  };
}
