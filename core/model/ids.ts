/** ID register fields of a configuration, for the table's `requires` conditions. */
import type { ResolvedConfig } from '../config/types';
import { extractField, type IdView } from '../registers/codec';
import { REGISTERS } from '../registers/table';
import type { IdRegisterName } from '../registers/types';

/**
 * Every field of every ID register the configuration gives, decoded once: feature checks run on
 * hot paths (queue geometry, command validation), so a lookup is one map access.
 */
export function idViewOf(config: ResolvedConfig): IdView {
  return idViewOfValues(config.ids);
}

/** The same view of ID register values read elsewhere (a live SMMU's, by name). */
export function idViewOfValues(ids: Readonly<Partial<Record<IdRegisterName, number>>>): IdView {
  // Register → field → value: two lookups without building a key string on every call.
  const values = new Map<string, Map<string, number>>();
  for (const reg of REGISTERS) {
    let v = (ids as Readonly<Partial<Record<string, number>>>)[reg.name];
    // The Secure ID registers of an SMMU without Secure state are RAZ (§3.10.2): values that do not
    // name them advertise no Secure feature (where a missing Non-secure one is unknown).
    if (v === undefined && reg.security === 'secure' && reg.behaviour.kind === 'id') v = 0;
    if (v === undefined) continue;
    const fields = new Map<string, number>();
    for (const f of reg.fields) fields.set(f.name.toUpperCase(), Number(extractField(BigInt(v), f)));
    values.set(reg.name, fields);
  }
  // Lookups that miss the exact spelling (an SMMU_ prefix, lower case, or a field the values do
  // not give: an absent register is asked about on every transaction, e.g. MPAM's) are answered
  // from a second map once normalised, so a miss costs no case folding or pattern match.
  const normalised = new Map<string, Map<string, number | undefined>>();
  return {
    idField: (register, field) => {
      const exact = values.get(register)?.get(field);
      if (exact !== undefined) return exact;
      let byField = normalised.get(register);
      if (byField === undefined) normalised.set(register, (byField = new Map()));
      if (byField.has(field)) return byField.get(field);
      const v = values.get(register.toUpperCase().replace(/^SMMU_/, ''))?.get(field.toUpperCase());
      byField.set(field, v);
      return v;
    },
  };
}
