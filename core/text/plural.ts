/**
 * Counts in messages and summaries: `1 write`, `2 writes`, `0 writes`. One rule for every output,
 * so no summary says "1 writes".
 */

/** `n noun`, the noun plural unless n is 1; `plural` for nouns that do not just add an s (`entries`). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** `2 errors, 1 warning`, then `, 3 notes` when notes are counted. */
export function severityCounts(errors: number, warnings: number, notes?: number): string {
  return `${counted(errors, 'error')}, ${counted(warnings, 'warning')}${notes === undefined ? '' : `, ${counted(notes, 'note')}`}`;
}

/**
 * A whole number with thousands separators, `1,234,567`: what `toLocaleString('en-US')` gives for
 * one, without it (its first call loads the locale data, about 30–40 ms of a short `smmu replay`).
 */
export function thousands(n: number): string {
  const s = String(Math.abs(n));
  const head = s.length % 3 || 3;
  let out = s.slice(0, head);
  for (let i = head; i < s.length; i += 3) out += ',' + s.slice(i, i + 3);
  return n < 0 ? '-' + out : out;
}
