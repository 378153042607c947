/**
 * Translation Hardening in a transaction (§3.27.2): where the Assured Translation property of a
 * stage 1 translation comes from in the SMMU, and which stage 2 translations check AssuredOnly.
 * The descriptor bits and the check itself are the walk's (core/translation/hardening.ts).
 *
 * - A stage 1 translation of a nested stream starts with the property when STE.TL0 (TTB0) or
 *   STE.TL1 (TTB1) is 1, as VTCR_EL2.TL0 / TL1 give it in the A-profile (AArch64.S1InitialTTWState),
 *   and its CD, and the L1CD that points to it, were fetched from memory that stage 2 marks
 *   AssuredOnly (§3.27.2, the SMMU's own rule). Each level of the walk then keeps it only when the
 *   stage 2 translation of the descriptor is MRO and the descriptor's Protected bit is set.
 * - The check applies to the stage 2 translations of the walk's descriptor reads and updates and
 *   of the stage 1 output (§3.26 priority 1), and to a stage 1 bypass (STE.Config stage 2 only,
 *   or STE.S1DSS == 0b01), which has no Assured Translation (§3.27.2 note).
 * - It does not apply to the stage 2 translation of a CD or L1CD fetch (§3.26 names stage 1
 *   output addresses and table addresses only), nor to a Split-stage ATS Translated transaction
 *   (STE.EATS == 0b10, §3.27.2). An ATS Translation Request is checked like a transaction, and
 *   the Permission fault gives R == W == 0 (core/engine/ats.ts).
 */
import type { IdView } from '../registers/codec';
import * as caps from '../structures/capabilities';
import type { CdFields } from '../structures/cd';
import type { SteFields } from '../structures/ste';
import { assuredAfter } from '../translation/hardening';
import type { Access, WalkOk, WalkParams, WalkStep } from '../translation/types';

/** The CDs and L1CDs (their decoded or fetched words) that were fetched from AssuredOnly memory. */
const fromAssuredOnly = new WeakMap<object, boolean>();

/** Record whether a fetched structure came from memory stage 2 marks AssuredOnly. */
export function noteFetch(structure: object, assuredOnly: boolean): void {
  fromAssuredOnly.set(structure, assuredOnly);
}

/** The structure was fetched from AssuredOnly memory (false when not recorded). */
export function fetchedFromAssuredOnly(structure: object): boolean {
  return fromAssuredOnly.get(structure) === true;
}

/** STE.AssuredOnly is in effect for the stream's stage 2 (RES0 without SMMU_IDR3.THE, §5.2). */
export function assuredOnlyEnabled(ids: IdView, ste: SteFields): boolean {
  return (ste.config & 2) === 2 && caps.the(ids) && ste.assuredOnly === 1;
}

/** The access a stage 1 bypass makes at stage 2: without the Assured Translation property. */
export function bypassAccess(ids: IdView, ste: SteFields, access: Access): Access {
  return assuredOnlyEnabled(ids, ste) ? { ...access, assured: false } : access;
}

/** The Assured Translation property of one nested stage 1 walk, for the stage 2 translations it makes. */
export class AssuredWalk {
  private readonly initial: boolean;
  private readonly mro = new Map<bigint, boolean>();

  constructor(
    private readonly enabled: boolean,
    private readonly params: WalkParams,
    ste: SteFields,
    cd: CdFields,
    sel: 0 | 1,
  ) {
    this.initial = enabled && (sel === 0 ? ste.tl0 : ste.tl1) === 1 && fetchedFromAssuredOnly(cd);
  }

  private assuredAt(steps: readonly WalkStep[] | undefined, upTo: number): boolean {
    return assuredAfter(this.initial, this.params, steps ?? [], upTo, (pa) => this.mro.get(pa) === true);
  }

  /** The stage 2 access of a descriptor read (or, with write, the update of the last step). */
  walkAccess(write: boolean, steps: readonly WalkStep[] | undefined): Access {
    const access = { read: true, write, exec: false, priv: true };
    if (!this.enabled) return access;
    const n = steps ? steps.length - (write ? 1 : 0) : 0;
    return { ...access, assured: this.assuredAt(steps, n) };
  }

  /** A descriptor's stage 2 translation: whether it was MRO counts for the levels after it. */
  translated(r: WalkOk): void {
    if (this.initial) this.mro.set(r.oa, r.mro === true);
  }

  /** The stage 2 access of the stage 1 output, after the whole walk. */
  outputAccess(access: Access, steps: readonly WalkStep[]): Access {
    return this.enabled ? { ...access, assured: this.assuredAt(steps, steps.length) } : access;
  }
}
