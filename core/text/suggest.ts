/**
 * "Did you mean" suggestions: the names closest to one a user mistyped, and the clause that offers
 * them. One rule for every message that suggests (statement keywords, registers, fields, enum
 * values, constants, statement arguments).
 */

function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidates closest to `name` (case-insensitive), best first: what "did you mean" offers.
 * A candidate qualifies within about one edit per three characters.
 */
export function closestNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const n = name.toUpperCase();
  const limit = Math.max(1, Math.floor(n.length / 3));
  const scored: { c: string; d: number }[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    const u = c.toUpperCase();
    if (seen.has(u)) continue;
    seen.add(u);
    const d = editDistance(n, u, limit);
    if (d <= limit) scored.push({ c, d });
  }
  return scored
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, max)
    .map((s) => s.c);
}

/** `; did you mean X or Y?` (with the leading separator), or nothing. */
export function didYouMean(options: readonly string[]): string {
  if (options.length === 0) return '';
  const quoted = options.map((o) => `'${o}'`);
  return `; did you mean ${quoted.length === 1 ? quoted[0] : quoted.slice(0, -1).join(', ') + ' or ' + quoted[quoted.length - 1]}?`;
}
