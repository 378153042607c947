/**
 * Powers of two as numbers, 2^0 to 2^128 (all exact doubles): `POW2[n]` instead of `2 ** n` on
 * the model's per-statement paths. A cold check runs those in V8's baseline code, where `2 ** n`
 * with a variable `n` is a call into the C library's `pow` (docs/performance.md); an array read is
 * not. Callers index it only with integers they know to be in range (a bit position, a LOG2SIZE).
 */
export const POW2: readonly number[] = Array.from({ length: 129 }, (_, n) => 2 ** n);
