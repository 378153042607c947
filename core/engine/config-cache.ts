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
  /** Fetched from the Secure PA space (§3.10.2); views compare it with memory there. */
  readonly secure?: boolean;
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

/**
 * Entries are keyed by Security state as well as by StreamID (§3.10.2.1: the Secure and Non-secure
 * StreamID namespaces are separate, so Secure STE 3 and Non-secure STE 3 are different entries, and
 * a Non-secure CMD_CFGI_STE of StreamID 3 leaves the Secure one). StreamIDs are below 2^32
 * (SIDSIZE ≤ 32, §6.3.2): a Secure key adds 2^32 to a StreamID or L1 index, and 2^52 to a CD key,
 * whose StreamID part is below 2^52 (SSIDSIZE ≤ 20); every key stays below 2^53.
 */
const SECURE_SID = 2 ** 32;
const SECURE_CD = 2 ** 52;

/** Key of an STE (and of an L1STD, by its L1 index) of a state's Stream table. */
export function steKey(sid: number, secure = false): number {
  return secure ? SECURE_SID + sid : sid;
}

/** Key of a CD: StreamID and SubstreamID (SSIDSIZE ≤ 20, §6.3.2), and the stream's Security state. */
export function cdKey(sid: number, ssid: number, secure = false): number {
  return (secure ? SECURE_CD : 0) + sid * 2 ** 20 + ssid;
}

/**
 * The stream of a CD key, as an STE key: the StreamID for a Non-secure stream, 2^32 + StreamID for
 * a Secure one (so a Non-secure command's `sidOfCdKey(k) === sid` never matches a Secure CD).
 */
export function sidOfCdKey(key: number): number {
  return Math.floor(key / 2 ** 20);
}

/** Whether an STE or L1STD key is a Secure stream's. */
export function isSecureSteKey(key: number): boolean {
  return key >= SECURE_SID;
}

/** How views name a cached entry: `StreamID 3`, `Secure StreamID 3`, `… SubstreamID n` for a CD, `Secure L1STD 1`. */
export function cacheKeyText(key: number, kind: 'ste' | 'cd' | 'l1std'): string {
  const secure = kind === 'cd' ? key >= SECURE_CD : key >= SECURE_SID;
  if (kind === 'cd') {
    const stream = sidOfCdKey(key);
    return `${cacheKeyText(stream, 'ste')} SubstreamID ${key - stream * 2 ** 20}`;
  }
  const n = secure ? key - SECURE_SID : key;
  return `${secure ? 'Secure ' : ''}${kind === 'ste' ? 'StreamID' : 'L1STD'} ${n}`;
}

export class ConfigCache {
  /** Decoded forms are the transaction module's business; the cache does not interpret them. */
  readonly ste = new StructureCache<unknown>();
  readonly cd = new StructureCache<unknown>();
  /** L1 stream table descriptors by L1 index (2-level stream tables, §5.1). */
  readonly l1st = new StructureCache<unknown>();
  /** L1 CD descriptors by (StreamID, L1 index) (2-level CD tables, §5.3). */
  readonly l1cd = new StructureCache<unknown>();
  /**
   * VMS.PARTID_MAP by the STE.S2VMID of the streams that use it: the separate PARTID_MAP cache of
   * §5.6.2, which CMD_CFGI_STE* leave and CMD_CFGI_VMS_PIDM and CMD_CFGI_ALL invalidate (mpam.ts).
   */
  readonly vms = new StructureCache<undefined>();

  clear(): number {
    return this.ste.clear() + this.cd.clear() + this.l1st.clear() + this.l1cd.clear() + this.vms.clear();
  }

  /** Structures cached in all five caches. */
  get size(): number {
    return this.ste.size + this.cd.size + this.l1st.size + this.l1cd.size + this.vms.size;
  }
}

/**
 * Invalidate the STEs of StreamIDs [first, first + count) of one Security state, with their CDs and
 * L1CDs (CMD_CFGI_STE, CMD_CFGI_STE_RANGE, CMD_CFGI_ALL, §4.3.1–§4.3.3), and, unless `leaf`, the
 * L1STDs of that state's Stream table. A Secure Command queue's command with SSec = 0 names
 * Non-secure StreamIDs (§3.10.2.1, §4.3): the caller passes the state the command addresses.
 * Returns how many entries went.
 */
export function invalidateStreams(
  cache: ConfigCache,
  secure: boolean,
  first: number,
  count: number,
  leaf: boolean,
): number {
  const base = steKey(0, secure);
  const inRange = (key: number) => isSecureSteKey(key) === secure && key - base >= first && key - base < first + count;
  const cdMatch = (k: number) => inRange(sidOfCdKey(k));
  let n = cache.ste.invalidate(inRange);
  n += cache.cd.invalidate(cdMatch);
  n += cache.l1cd.invalidate(cdMatch);
  if (!leaf) n += cache.l1st.invalidate((k) => isSecureSteKey(k) === secure);
  return n;
}

/**
 * Invalidate the CDs of one stream of one Security state (CMD_CFGI_CD, CMD_CFGI_CD_ALL, §4.3.4,
 * §4.3.5): SubstreamID `ssid`, or every CD with `ssid` 'all'; the stream's L1CDs too unless `leaf`
 * (CMD_CFGI_CD_ALL always takes them).
 */
export function invalidateCds(
  cache: ConfigCache,
  secure: boolean,
  sid: number,
  ssid: number | 'all',
  leaf: boolean,
): number {
  const ofStream = (k: number) => sidOfCdKey(k) === steKey(sid, secure);
  let n = cache.cd.invalidate(ssid === 'all' ? ofStream : (k) => k === cdKey(sid, ssid, secure));
  if (!leaf || ssid === 'all') n += cache.l1cd.invalidate(ofStream);
  return n;
}
