/**
 * Lookups in plain-object tables by a name taken from input. `table[name]` also finds what every
 * object inherits: `constructor`, `__proto__`, `toString`. `cmd SYNC constructor=1` once took
 * FIELD_ALIASES.constructor (the Object function) for a field's name and stopped the model with
 * an internal error; `queue constructor` in a queue file was taken for a queue kind.
 */
export function own<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}
