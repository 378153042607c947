/**
 * Full garbage collections (V8's mark-compact) this process has run, for the server's statistics
 * (`smmu/serverStats`). The server's process starts with an old generation large enough that the
 * first check of a long script needs none (process-flags.ts SERVER_INITIAL_OLD_MIB); a test reads
 * this count to see that it holds.
 */
import { constants, PerformanceObserver } from 'perf_hooks';

let full = 0;
let observer: PerformanceObserver | undefined;

/** Start counting (once per process). Node reports each collection after it ended. */
export function countFullGcs(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // A "gc" entry is a PerformanceGCEntry: its detail says which collection ran.
      const detail = (e as { readonly detail?: { readonly kind?: number } | null }).detail;
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

/** Full collections counted so far. */
export function fullGcs(): number {
  return full;
}
