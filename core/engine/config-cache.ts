/**
 * The configuration cache: STEs and CDs as the SMMU fetched them (§3.21.3). An entry stays until
 * a CFGI command removes it, even if software rewrites the structure in memory, so a missing
 * CMD_CFGI_STE / CMD_CFGI_CD shows up as the old configuration still being used. Invalid and
 * ILLEGAL structures are not cached: the next transaction fetches them again.
 */

export interface CachedStructure<T> {
  /** Where it was fetched from (a PA; for nested CD fetches, the PA after stage 2). */
  readonly address: number;
  readonly words: Uint32Array;
  readonly decoded: T;
  readonly seq: number;
}

/** Bumped on every change to any configuration cache, so memos of lookups know when they are stale. */
export const generation = { value: 0 };

export class StructureCache<T> {
  private readonly map = new Map<number, CachedStructure<T>>();

  get size(): number {
    return this.map.size;
  }

  get(key: number): CachedStructure<T> | undefined {
    return this.map.get(key);
  }

  set(key: number, v: CachedStructure<T>): void {
    generation.value++;
    this.map.set(key, v);
  }

  invalidate(match: (key: number) => boolean): number {
    if (this.map.size === 0) return 0;
    generation.value++;
    let n = 0;
    for (const k of this.map.keys()) {
      if (match(k)) {
        this.map.delete(k);
        n++;
      }
    }
    return n;
  }

  clear(): number {
    generation.value++;
    const n = this.map.size;
    this.map.clear();
    return n;
  }

  entries(): [number, CachedStructure<T>][] {
    return [...this.map.entries()];
  }
}

/** Key of a CD: StreamID and SubstreamID (SSIDSIZE ≤ 20, §6.3.2). */
export function cdKey(sid: number, ssid: number): number {
  return sid * 2 ** 20 + ssid;
}

export function sidOfCdKey(key: number): number {
  return Math.floor(key / 2 ** 20);
}

export class ConfigCache {
  /** Decoded forms are the transaction module's business; the cache does not interpret them. */
  readonly ste = new StructureCache<unknown>();
  readonly cd = new StructureCache<unknown>();
  /** L1 stream table descriptors by L1 index (2-level stream tables, §5.1). */
  readonly l1st = new StructureCache<unknown>();
  /** L1 CD descriptors by (StreamID, L1 index) (2-level CD tables, §5.3). */
  readonly l1cd = new StructureCache<unknown>();

  clear(): number {
    return this.ste.clear() + this.cd.clear() + this.l1st.clear() + this.l1cd.clear();
  }

  /** Structures cached in all four caches. */
  get size(): number {
    return this.ste.size + this.cd.size + this.l1st.size + this.l1cd.size;
  }
}
