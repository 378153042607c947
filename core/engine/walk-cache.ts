/**
 * The walk cache: table descriptors (not leaves) the SMMU read during translation table walks,
 * kept as the architecture allows (§3.21.1: "If intermediate translation table data is cached in
 * the SMMU (a walk cache) this is invalidated during appropriate TLB maintenance operations in the
 * same way as it would be on a PE"). An entry is found by the input address range its descriptor
 * covers, with the TLB's tags (regime, VMID, ASID, stage), so a later walk of any address in that
 * range starts below it without reading the descriptor again.
 *
 * What removes an entry (command-exec.ts): TLB invalidations whose scope covers it, except the
 * address-based ones with Leaf = 1, which are "only required to invalidate cached entries for the
 * last level of translation table walk" (§4.4.2.3, §4.4.2.4, §4.4.2.6, §4.4.2.8, §4.4.2.9,
 * §4.4.3.1); with a TTL hint, Leaf = 0 removes the table entries of the levels above TTL (§4.4.1.1).
 * Configuration invalidations (CMD_CFGI_*) do not: they are "not required to affect TLB contents"
 * (§4.3.1), and software that changes a TTB or an ASID must also invalidate the TLB (§4.3.3). The
 * model keeps everything it may keep, so a missing invalidation shows (`stale.walk`).
 */
import type { CachedTable } from '../translation/types';
import { ctxKey, type Regime } from './tlb-tags';

export interface WalkCacheEntry extends CachedTable {
  readonly regime: Regime;
  /** VMID, or -1 when stage 2 is not in use. */
  readonly vmid: number;
  /** ASID of a stage 1 entry; -2 for a stage 2 entry (the TLB's stage-2-only tag). */
  readonly asid: number;
  /** The stage whose table the descriptor belongs to. */
  readonly stages: 1 | 2;
  /** The level of the table descriptor (-1 to 2). */
  readonly level: number;
  /** log2 of the input range the descriptor covers (30 for a 4 KB level 1 table descriptor). */
  readonly log2: number;
  /** Input address (VA, or IPA for stage 2) divided by 2^log2. */
  readonly page: number;
  /** The descriptor was read from the Secure PA space (§3.10: a Secure stream's walk); the stale-entry check reads there. */
  readonly secure?: boolean;
  /** Where it came from, for views and the stale-entry report. */
  readonly sid: number;
  readonly seq: number;
}

/**
 * One number per (tag context, range size, level): levels -1..2 and a log2 below 64 take 9 bits
 * under the context key (below 2^38), so the key stays below 2^53.
 */
const setKey = (ctx: number, log2: number, level: number): number => ctx * 512 + log2 * 8 + level + 1;

export class WalkCache {
  /** Entries by (context, range size, level), then by page: one map for each level a walk caches. */
  private readonly sets = new Map<number, Map<number, WalkCacheEntry>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  lookup(
    regime: Regime,
    vmid: number,
    asid: number,
    level: number,
    log2: number,
    page: number,
  ): WalkCacheEntry | undefined {
    if (this.count === 0) return undefined;
    return this.sets.get(setKey(ctxKey(regime, vmid, asid), log2, level))?.get(page);
  }

  insert(e: WalkCacheEntry): void {
    const key = setKey(ctxKey(e.regime, e.vmid, e.asid), e.log2, e.level);
    let pages = this.sets.get(key);
    if (!pages) this.sets.set(key, (pages = new Map()));
    if (!pages.has(e.page)) this.count++;
    pages.set(e.page, e);
  }

  /** Remove every entry `match` accepts; returns how many. */
  invalidate(match: (e: WalkCacheEntry) => boolean): number {
    if (this.count === 0) return 0;
    let n = 0;
    for (const [key, pages] of this.sets) {
      for (const [page, e] of pages) {
        if (match(e)) {
          pages.delete(page);
          n++;
        }
      }
      if (pages.size === 0) this.sets.delete(key);
    }
    this.count -= n;
    return n;
  }

  clear(): number {
    const n = this.count;
    this.sets.clear();
    this.count = 0;
    return n;
  }

  entries(): WalkCacheEntry[] {
    const out: WalkCacheEntry[] = [];
    for (const pages of this.sets.values()) for (const e of pages.values()) out.push(e);
    return out.sort((a, b) => a.seq - b.seq || a.level - b.level);
  }
}
