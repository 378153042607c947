/**
 * The TLB: translations cached with the tags TLB invalidation commands match on (§4.4): the
 * translation regime (NS-EL1 "NH", EL2, EL2-E2H; Secure "S" and EL3), VMID, ASID or global (nG == 0), and the stage
 * that produced the entry. Entries stay until an invalidation removes them, so a driver that
 * forgets one keeps using the old translation, as hardware would. The table descriptors walks
 * read are kept beside the leaves, in the walk cache (`walks`, walk-cache.ts), which the same
 * invalidations maintain (§3.21.1).
 */

import { POW2 } from '../base/pow2';
import { ctxKey, type Regime } from './tlb-tags';
import { WalkCache } from './walk-cache';

export type { Regime } from './tlb-tags';

export interface TlbEntry {
  readonly regime: Regime;
  /** VMID, or -1 when stage 2 is not in use. */
  readonly vmid: number;
  /** ASID; -1 for a global entry (stage 1 nG == 0); -2 for a stage-2-only entry. */
  readonly asid: number;
  /** Stages whose result the entry combines. */
  readonly stages: 1 | 2 | 12;
  /** log2 of the bytes the entry covers (12 for a 4 KB page, 21 for a 2 MB block, ...). */
  readonly log2: number;
  /** Input address of the covered range divided by 2^log2 (a VA, or an IPA for stage-2-only). */
  readonly page: number;
  /** Output address of the range's first byte. */
  readonly oa: number;
  readonly r: boolean;
  readonly w: boolean;
  readonly x: boolean;
  /**
   * The privilege of the access the permissions above were computed for: stage 1 AP[1], PXN/UXN
   * and PAN give a privileged and an unprivileged access different rights to the same page, so
   * the cached rights answer only accesses of this privilege (others walk again).
   */
  readonly priv: boolean;
  /** Where it came from, for views and the stale-entry report. */
  readonly sid: number;
  readonly ssid: number;
  readonly seq: number;
  /** Leaf level in the (last) walk: level-limited TLBIs (TTL) match on it. */
  readonly level: number;
  /** Stage-2 IPA page (log2 12) the entry was built through, for nested entries; undefined otherwise. */
  readonly ipa: number | undefined;
  /**
   * A Secure stream's entry: its output is in the Non-secure PA space, as its walk's NSCFGx,
   * NSTable and NS gave (§13.4.2, secure-ns.ts). Undefined for a Non-secure stream's entry, whose
   * output is always Non-secure. The engine sets it on every entry, so all have one shape.
   */
  readonly ns?: boolean | undefined;
}

/** Entries of one context by leaf size; an array, since a context rarely has more than two sizes. */
type SizeMap = { log2: number; pages: Map<number, TlbEntry> }[];

export class Tlb {
  private readonly contexts = new Map<number, SizeMap>();
  private count = 0;
  /** Table descriptors cached by walks (§3.21.1). */
  readonly walks = new WalkCache();

  /** Leaf entries (translations); the walk cache counts its own. */
  get size(): number {
    return this.count;
  }

  /** Nothing cached: no leaf and no table entry, so an invalidation has nothing to do. */
  get empty(): boolean {
    return this.count === 0 && this.walks.size === 0;
  }

  /** Look up `vaPage12` (input address >> 12) in a context, then among its global entries. */
  lookup(regime: Regime, vmid: number, asid: number, vaPage12: number): TlbEntry | undefined {
    if (this.count === 0) return undefined;
    // Stage 1 lookups fall back to the context's global entries (nG == 0).
    return (
      this.find(ctxKey(regime, vmid, asid), vaPage12) ??
      (asid >= 0 ? this.find(ctxKey(regime, vmid, -1), vaPage12) : undefined)
    );
  }

  private find(key: number, vaPage12: number): TlbEntry | undefined {
    const sizes = this.contexts.get(key);
    if (!sizes) return undefined;
    for (let i = 0; i < sizes.length; i++) {
      const s = sizes[i] as SizeMap[number];
      const e = s.pages.get(s.log2 === 12 ? vaPage12 : Math.floor(vaPage12 / (POW2[s.log2 - 12] as number)));
      if (e) return e;
    }
    return undefined;
  }

  insert(e: TlbEntry): void {
    const key = ctxKey(e.regime, e.vmid, e.asid);
    let sizes = this.contexts.get(key);
    if (!sizes) this.contexts.set(key, (sizes = []));
    let s = sizes.find((x) => x.log2 === e.log2);
    if (!s) sizes.push((s = { log2: e.log2, pages: new Map() }));
    if (!s.pages.has(e.page)) this.count++;
    s.pages.set(e.page, e);
  }

  /** Remove every entry `match` accepts; returns how many. */
  invalidate(match: (e: TlbEntry) => boolean): number {
    if (this.count === 0) return 0;
    let n = 0;
    // forEach, not for…of over entries: V8's baseline code (a cold check, which invalidates after
    // every few DMAs) allocates an iterator result and an entry array per element for the latter.
    // Deleting the entry being visited is allowed in both.
    this.contexts.forEach((sizes, key) => {
      let emptied = 0;
      for (let i = 0; i < sizes.length; i++) {
        const pages = (sizes[i] as SizeMap[number]).pages;
        pages.forEach((e, page) => {
          if (match(e)) {
            pages.delete(page);
            n++;
          }
        });
        if (pages.size === 0) emptied++;
      }
      if (emptied === sizes.length) this.contexts.delete(key);
      else if (emptied > 0)
        this.contexts.set(
          key,
          sizes.filter((s) => s.pages.size > 0),
        );
    });
    this.count -= n;
    return n;
  }

  /** Empties the TLB, walk cache included; returns how many leaf entries it held. */
  clear(): number {
    const n = this.count;
    this.contexts.clear();
    this.count = 0;
    this.walks.clear();
    return n;
  }

  entries(): TlbEntry[] {
    const out: TlbEntry[] = [];
    for (const sizes of this.contexts.values()) for (const s of sizes) for (const e of s.pages.values()) out.push(e);
    return out.sort((a, b) => a.seq - b.seq);
  }
}
