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
