/**
 * The endpoints' Address Translation Caches (PCIe ATS, §3.9.1) and the rule for which events an
 * ATS exchange records. Apart from ats.ts, which carries out the exchanges, so that the engine's
 * context and its event queue can name them without importing the modules that use them.
 */
import type { EventName } from '../events/table';

/** Where the engine is in an ATS exchange, for what it records (event-queue.ts, atsRecords). */
export type AtsMode = 'request' | 'translated';

/** One translation the endpoint cached: a 4 KB page (the STU is at least 4 KB, §3.9.1). */
export interface AtcEntry {
  readonly sid: number;
  /** The PASID the request carried; undefined without one. */
  readonly ssid: number | undefined;
  readonly priv: boolean;
  /** Untranslated address >> 12. */
  readonly page: number;
  /** The translated address of the page (a PA, or an IPA for Split-stage ATS). */
  readonly translated: bigint;
  readonly r: boolean;
  readonly w: boolean;
  readonly x: boolean;
  /** Split-stage ATS: the translated address is an IPA (STE.EATS == 0b10). */
  readonly split: boolean;
  /** Activity index when it was cached, for views. */
  readonly seq: number;
}

const atcKey = (sid: number, ssid: number | undefined, priv: boolean, page: number): string =>
  `${sid}/${ssid ?? '-'}/${priv ? 1 : 0}/${page}`;

/** The endpoints' ATCs, one map for all StreamIDs (an endpoint is a StreamID here, §3.2). */
export class Atc {
  private readonly entries = new Map<string, AtcEntry>();

  get size(): number {
    return this.entries.size;
  }

  lookup(sid: number, ssid: number | undefined, priv: boolean, page: number): AtcEntry | undefined {
    return this.entries.get(atcKey(sid, ssid, priv, page));
  }

  insert(e: AtcEntry): void {
    this.entries.set(atcKey(e.sid, e.ssid, e.priv, e.page), e);
  }

  /**
   * An ATS Invalidation Request (§4.5.1): the entries of `sid` whose page is in [first, first +
   * pages). Without a PASID it reaches every entry in the range, those cached with a PASID too
   * (PCIe has no way to name only the entries without one; Linux's arm_smmu_atc_inv_to_cmd says
   * the same); with one, only that PASID's entries.
   */
  invalidate(sid: number, ssid: number | undefined, first: number, pages: number): number {
    let n = 0;
    for (const [k, e] of this.entries) {
      if (e.sid !== sid || e.page < first || e.page >= first + pages) continue;
      if (ssid !== undefined && e.ssid !== ssid) continue;
      this.entries.delete(k);
      n++;
    }
    return n;
  }

  /** Every entry, in the order they were cached (views). */
  all(): AtcEntry[] {
    return [...this.entries.values()];
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The faults that become a Success completion with R == W == 0 (§3.9.1.2); never recorded. */
export const DENYING_FAULTS = new Set<EventName>(['F_TRANSLATION', 'F_ADDR_SIZE', 'F_ACCESS', 'F_PERMISSION']);

/**
 * Whether an event met during an ATS exchange goes to the Event queue (event-queue.ts): for a
 * Translation Request, configuration errors only with CR2.REC_CFG_ATS (C_BAD_STREAMID also needs
 * RECINVSID, which the stream table lookup checks) and translation faults never (§3.9.1.2); for a
 * Translated transaction, configuration errors only with REC_CFG_ATS, stage 2 faults of a
 * Split-stage stream as for any transaction (§3.9.1.3).
 */
export function atsRecords(mode: AtsMode, event: EventName, recCfgAts: boolean): boolean {
  if (event === 'F_BAD_ATS_TREQ' || event === 'F_TRANSL_FORBIDDEN') return true;
  if (DENYING_FAULTS.has(event)) return mode === 'translated';
  return recCfgAts;
}
