/**
 * What each command does to the SMMU's caches and the outside world (§4.2–§4.7). Commands arrive
 * here validated (command-queue.ts); this module only executes. Field values are read through the
 * command table's positions, never hand-written masks.
 */
import { POW2 } from '../base/pow2';
import { CERROR, formatCommand, decodeCommand } from '../commands/codec';
import { COMMANDS, findCommand, type CommandDef, type CommandName } from '../commands/table';
import { bits } from '../layout/access';
import type { SecurityState } from '../model/access';
import type { LayoutField } from '../layout/types';
import * as caps from '../structures/capabilities';
import { hex } from '../registers/codec';
import { cdKey, invalidateCds, invalidateStreams, sidOfCdKey } from './config-cache';
import type { EngineContext } from './context';
import { F, ref } from './registers';

/** SMMU_S_CR0ACK.VMW (§6.3.58): the Secure VMID wildcard of the Secure queue's invalidations. */
const S_VMW = ref('S_CR0ACK', 'VMW');
import { prefetchConfig } from './transaction';
import type { Regime, TlbEntry } from './tlb';
import { counted } from '../text/plural';

/** Each command's fields by exact name, built once from the table. */
const FIELDS = new Map<CommandDef, ReadonlyMap<string, LayoutField>>(
  COMMANDS.map((c) => [c, new Map(c.fields.map((f) => [f.name, f]))]),
);

/** The table's field `name` of a command (internal error if the table lacks it: caught by tests). */
export function cmdField(def: CommandDef, name: string): LayoutField {
  const f = FIELDS.get(def)?.get(name);
  if (!f) throw new Error(`internal: command ${def.name} has no field ${name}`);
  return f;
}

/** Field value as a number (addresses as addresses). */
function v(def: CommandDef, w: Uint32Array, name: string): number {
  const f = cmdField(def, name);
  const raw = bits(w, f.msb, f.lsb);
  return f.addrShift !== undefined ? raw * (POW2[f.addrShift] as number) : raw;
}

function has(def: CommandDef, name: string): boolean {
  return FIELDS.get(def)?.has(name) ?? false;
}

const SYNC = findCommand('CMD_SYNC');
if (!SYNC) throw new Error('internal: no CMD_SYNC in the command table');
/** CMD_SYNC.CS, from the table. */
const SYNC_CS = cmdField(SYNC, 'CS');

function invalidateSteRange(engine: EngineContext, first: number, count: number, leaf: boolean): number {
  const inRange = (sid: number) => sid >= first && sid < first + count;
  let n = engine.configCache.ste.invalidate(inRange);
  n += engine.configCache.cd.invalidate((k) => inRange(sidOfCdKey(k)));
  n += engine.configCache.l1cd.invalidate((k) => inRange(sidOfCdKey(k)));
  if (!leaf) n += engine.configCache.l1st.invalidate(() => true);
  return n;
}

/** VMID as the TLB tags it: ignored (-1) when stage 2 is not implemented. */
function vmidOf(engine: EngineContext, vmid: number): number {
  return engine.s2p ? vmid : -1;
}

/**
 * Which VMID tags an invalidation by the command's VMID matches (§3.17.6 VMID Wildcards): the exact
 * VMID, or with SMMU_CR0.VMW = 0b001–0b100 all VMIDs equal in VMID[N:VMW] (N the top bit, 7 or 15
 * by IDR0.VMID16: the ignored bits are the low ones, so a shift compares the rest). The other
 * values are reserved and behave as 0b000 (§6.3.9). The value in effect is the acknowledged one,
 * CR0ACK.VMW ("a fetched CMD_TLBI_* command specifying a VMID is guaranteed to be processed using
 * the new value" once the Update completes, §6.3.9.1); it is RES0, 0, without IDR0.VMW. It changes
 * only invalidation: lookups still match all bits of the VMID (§3.17.6). Every Non-secure command
 * that matches on VMID uses it (§4.4: TLBI_NH_ALL/ASID/VA/VAA, TLBI_S12_VMALL, TLBI_S2_IPA). The
 * Secure queue's invalidations of Secure entries (secureExecution) match on the Secure VMID only
 * with Secure stage 2 (SMMU_S_IDR1.SEL2; §4.4.2: "VMID is only matched when stage 2 is supported
 * for the Security state" of the queue), with SMMU_S_CR0ACK.VMW as the wildcard ("SMMU_(*_)CR0.VMW").
 */
function vmidMatch(engine: EngineContext, vmid: number, secure = false): (tag: number) => boolean {
  if (secure && !caps.secureEl2(engine.ids)) return () => true;
  const tagged = secure ? vmid : vmidOf(engine, vmid);
  const vmw = engine.fieldNum(secure ? S_VMW : F.VMW);
  const ignored = vmw >= 1 && vmw <= 4 ? vmw : 0;
  if (ignored === 0 || tagged < 0) return (tag) => tag === tagged;
  const group = tagged >>> ignored;
  return (tag) => tag >= 0 && tag >>> ignored === group;
}

/** What TLB invalidations match on, common to leaf entries and walk cache (table) entries. */
type Tagged = Pick<TlbEntry, 'regime' | 'vmid' | 'asid' | 'stages' | 'log2' | 'page' | 'level'>;

/**
 * Which entries an invalidation removes: `table` is true for a walk cache entry (a table
 * descriptor), false for a leaf. Leaf = 1 keeps every table entry (executeCommand).
 */
type TlbiMatch = (e: Tagged, table: boolean) => boolean;

/**
 * Address-based invalidation (§4.4.1): a single page at Address, or, with TG != 0 (range
 * invalidation, IDR3.RIL), (NUM+1) * 2^SCALE granules of size TG starting at Address (§4.4.1.1:
 * wider than a PE's TLBI R encoding);
 * TTL, when non-zero, restricts to leaf entries of that level and, with Leaf = 0, the table
 * entries of the levels above it (§4.4.1.1: "invalidation of cached Table descriptors ... at levels
 * between the start of the walk and the level before the last level given by TTL").
 */
function addressMatch(def: CommandDef, w: Uint32Array): TlbiMatch {
  const addr = v(def, w, 'Address');
  const tg = has(def, 'TG') ? v(def, w, 'TG') : 0;
  const ttl = has(def, 'TTL') ? v(def, w, 'TTL') : 0;
  let start = addr;
  let len = 1;
  if (tg !== 0) {
    const granule = [0, 12, 14, 16][tg] ?? 12;
    const num = v(def, w, 'NUM');
    const scale = v(def, w, 'SCALE');
    start = addr - (addr % 2 ** granule);
    len = (num + 1) * 2 ** scale * 2 ** granule;
  }
  const level = tg !== 0 && ttl !== 0 ? ttl : 0;
  return (e, table) => {
    const s = e.page * (POW2[e.log2] as number);
    const end = s + (POW2[e.log2] as number);
    if (level > 0 && (table ? e.level >= level : e.level !== level)) return false;
    return s < start + len && start < end;
  };
}

/** What an executor sees of one command: its entry, and how to report what it did. */
interface Run {
  readonly engine: EngineContext;
  readonly def: CommandDef;
  readonly w: Uint32Array;
  /** The command came from the Secure Command queue (§3.10.2). */
  readonly secure: boolean;
  /** Record the command with the effect it had (only while recording). */
  logged(effect: string): void;
  /**
   * Invalidate the TLB entries `match` selects, and the walk cache entries it selects unless the
   * command has Leaf = 1 (§4.4: "only cached entries for the last level of translation table walk
   * are required to be invalidated"); record how many.
   */
  tlbi(match: TlbiMatch): void;
}

/** Carries out one command; returns a CERROR code (CERROR.NONE on success). */
type Executor = (r: Run) => number;

/**
 * A command the model accepts (it is legal, §4) but does not carry out. It completes, and reports
 * itself as a warning each time it runs, so a script that relies on it is never told it passed
 * silently.
 */
export interface NotModelled {
  readonly notModelled: string;
}

const done =
  (effect: string): Executor =>
  (r) => {
    r.logged(effect);
    return CERROR.NONE;
  };

// Prefetches only warm the configuration cache; errors are not reported (§4.2).
const prefetch: Executor = ({ engine, def, w, logged }) => {
  prefetchConfig(engine, v(def, w, 'StreamID'), has(def, 'SSV') && v(def, w, 'SSV') ? v(def, w, 'SubstreamID') : 0);
  logged('configuration cached');
  return CERROR.NONE;
};

// CMD_CFGI_STE_RANGE, and CMD_CFGI_ALL (Range 31, §4.3.6).
const cfgiSteRange: Executor = ({ engine, def, w, logged }) => {
  const range = v(def, w, 'Range');
  const count = 2 ** (range + 1);
  const sid = v(def, w, 'StreamID');
  const first = sid - (sid % count);
  // §4.3.6: CMD_CFGI_ALL (Range 31) also invalidates everything cached from VMSs, including the
  // PARTID_MAP cache indexed by VMID (§5.6.2, mpam.ts).
  const n = invalidateSteRange(engine, first, count, false) + (range === 31 ? engine.configCache.vms.clear() : 0);
  logged(
    `StreamIDs ${hex(BigInt(first))}..${hex(BigInt(first + count - 1))}: ${counted(n, 'cached structure')} invalidated`,
  );
  return CERROR.NONE;
};

/** CMD_TLBI_NH_VA (with ASID) and CMD_TLBI_NH_VAA (all ASIDs), §4.4.2.3–§4.4.2.4. */
const tlbiNhVa =
  (byAsid: boolean): Executor =>
  ({ engine, def, w, tlbi }) => {
    const vmid = vmidMatch(engine, v(def, w, 'VMID'));
    const asid = byAsid ? v(def, w, 'ASID') : undefined;
    const at = addressMatch(def, w);
    tlbi(
      (e, table) =>
        e.regime === 'NH' &&
        vmid(e.vmid) &&
        e.stages !== 2 &&
        (asid === undefined || e.asid === asid || e.asid === -1) &&
        at(e, table),
    );
    return CERROR.NONE;
  };

/**
 * CMD_TLBI_EL2_VA (by ASID, "including global") and CMD_TLBI_EL2_VAA (all ASIDs), §4.4.2.8–§4.4.2.9;
 * CMD_TLBI_S_EL2_VA/VAA on the S-EL2 pair (§4.4.2.12, §4.4.2.13). NS-EL2 (S-EL2) entries carry no
 * ASID (-1, transaction.ts asidOf), so both match them by VA alone: "When SMMU_CR2.E2H == 0 ... the
 * ASID parameter is ignored". EL2-E2H entries match VA_ by ASID or global. Each command need not
 * invalidate the other E2H value's entries ("not required to be invalidated"); the model
 * invalidates them too, as permitted, so none outlives a change of SMMU_(S_)CR2.E2H.
 */
const el2VaMatch = (def: CommandDef, w: Uint32Array, byAsid: boolean, regimes: readonly Regime[]): TlbiMatch => {
  const asid = byAsid ? v(def, w, 'ASID') : undefined;
  const at = addressMatch(def, w);
  return (e, table) =>
    regimes.includes(e.regime) && (asid === undefined || e.asid === asid || e.asid === -1) && at(e, table);
};

const tlbiEl2Va =
  (byAsid: boolean): Executor =>
  ({ def, w, tlbi }) => {
    tlbi(el2VaMatch(def, w, byAsid, ['EL2', 'EL2_E2H']));
    return CERROR.NONE;
  };

const resume: Executor = ({ engine, def, w, logged }) => {
  logged(engine.resumeStalled(def, w));
  return CERROR.NONE;
};

/**
 * Commands from the Secure Command queue that act on Secure state (§4.1.6, §4.3, §4.4): the
 * stage 1 NH commands, which there invalidate Secure stage 1 entries (§4.4.2 table), the commands
 * only the Secure queue takes (EL3, S-EL2, Secure stage 2, SNH_ALL), and every command whose SSec
 * is 1 (a Secure StreamID). The other commands act on Non-secure state from either queue (§4.4.2.7–
 * §4.4.2.10, §4.4.3.1, §4.4.3.2, §4.4.4.1: "the same effect whether issued from the Secure or
 * Non-secure command queues"; §4.5.1, §4.5.2: the StreamID of ATC_INV and PRI_RESP is Non-secure).
 */
const SECURE_REGIME = new Set<CommandName>([
  'CMD_TLBI_NH_ALL',
  'CMD_TLBI_NH_ASID',
  'CMD_TLBI_NH_VA',
  'CMD_TLBI_NH_VAA',
]);

function actsOnSecureState(def: CommandDef, w: Uint32Array): boolean {
  return def.secureOnly === true || SECURE_REGIME.has(def.name) || (has(def, 'SSec') && v(def, w, 'SSec') === 1);
}

/**
 * What a command acting on Secure state does in the model (docs/engine.md "Secure state"). The
 * model caches Secure STEs, CDs and L1 descriptors (keyed apart from Non-secure ones,
 * config-cache.ts) and Secure TLB entries (tlb-tags.ts: 'S' for StreamWorld Secure and the Secure
 * IPA space's stage 2, 'S_NSIPA' for the Non-secure IPA space's stage 2, 'S_EL2'/'S_EL2_E2H', and
 * 'EL3' for the EL3 StreamWorld): the CFGI commands with SSec = 1 invalidate the structures, the
 * stage 1 NH TLBIs from the Secure queue the StreamWorld Secure stage 1 entries (§4.4.2 table),
 * CMD_TLBI_S_S2_IPA, S_S12_VMALL and SNH_ALL the Secure stage 2 ones (§4.4.3.3, §4.4.3.4,
 * §4.4.4.2), the S_EL2 ones S-EL2's, the EL3 ones EL3's; CMD_RESUME and CMD_STALL_TERM with
 * SSec = 1 act on the Secure stream's stalled transactions. None touches a Non-secure entry (§4.3: Arm strongly
 * recommends that invalidations affect only the Security state they name). Undefined for a
 * command whose effect is only a text (secureStateEffect).
 */
function secureExecution(
  engine: EngineContext,
  def: CommandDef,
  w: Uint32Array,
  tlbi: (match: TlbiMatch) => void,
): string | undefined {
  const cache = engine.configCache;
  const sid = () => v(def, w, 'StreamID');
  const cfgi = (n: number) => `Secure configuration (SSec = 1): ${counted(n, 'cached structure')} invalidated`;
  switch (def.name) {
    case 'CMD_CFGI_STE':
      return cfgi(invalidateStreams(cache, true, sid(), 1, v(def, w, 'Leaf') === 1));
    case 'CMD_CFGI_STE_RANGE':
    case 'CMD_CFGI_ALL': {
      const count = 2 ** (v(def, w, 'Range') + 1);
      return cfgi(invalidateStreams(cache, true, sid() - (sid() % count), count, false));
    }
    case 'CMD_CFGI_CD':
      return cfgi(invalidateCds(cache, true, sid(), v(def, w, 'SubstreamID'), v(def, w, 'Leaf') === 1));
    case 'CMD_CFGI_CD_ALL':
      return cfgi(invalidateCds(cache, true, sid(), 'all', false));
    // §4.4.2.1–§4.4.2.4 from the Secure queue: StreamWorld Secure stage 1 entries (not the stage 2
    // ones of either IPA space), of the VMID when Secure stage 2 is implemented.
    case 'CMD_TLBI_NH_ALL': {
      const vmid = vmidMatch(engine, v(def, w, 'VMID'), true);
      tlbi((e) => e.regime === 'S' && e.stages !== 2 && vmid(e.vmid));
      return '';
    }
    case 'CMD_TLBI_NH_ASID': {
      const vmid = vmidMatch(engine, v(def, w, 'VMID'), true);
      const asid = v(def, w, 'ASID');
      tlbi((e) => e.regime === 'S' && e.asid === asid && vmid(e.vmid));
      return '';
    }
    case 'CMD_TLBI_NH_VA':
    case 'CMD_TLBI_NH_VAA': {
      const vmid = vmidMatch(engine, v(def, w, 'VMID'), true);
      const asid = def.name === 'CMD_TLBI_NH_VA' ? v(def, w, 'ASID') : undefined;
      const at = addressMatch(def, w);
      tlbi(
        (e, table) =>
          e.regime === 'S' &&
          e.stages !== 2 &&
          vmid(e.vmid) &&
          (asid === undefined || e.asid === asid || e.asid === -1) &&
          at(e, table),
      );
      return '';
    }
    // §4.4.4.2: "all Secure, non-S-EL2, non-S-EL2-E2H TLB entries at all implemented stages": both
    // IPA spaces, and the EL3 StreamWorld's entries, which are Secure and not S-EL2 (the NH
    // commands need not affect them, §4.4.2's table; this one names them by exclusion).
    case 'CMD_TLBI_SNH_ALL':
      tlbi((e) => e.regime === 'S' || e.regime === 'S_NSIPA' || e.regime === 'EL3');
      return '';
    // §4.4.3.4: the Secure translation regime's entries of the VMID, at all stages.
    case 'CMD_TLBI_S_S12_VMALL': {
      const vmid = vmidMatch(engine, v(def, w, 'VMID'), true);
      tlbi((e) => (e.regime === 'S' || e.regime === 'S_NSIPA') && vmid(e.vmid));
      return '';
    }
    // §4.4.3.3: Secure stage-2-only entries by VMID and IPA. NS (which IPA space) has no located bit
    // position (commands/table.ts), so both spaces' entries at the address go: over-invalidation
    // is permitted (§4.4), and no stale entry is left behind.
    case 'CMD_TLBI_S_S2_IPA': {
      const vmid = vmidMatch(engine, v(def, w, 'VMID'), true);
      const at = addressMatch(def, w);
      tlbi(
        (e, table) => (e.regime === 'S' || e.regime === 'S_NSIPA') && e.stages === 2 && vmid(e.vmid) && at(e, table),
      );
      return '';
    }
    // §4.4.2.11–§4.4.2.14: as the EL2 commands, on the S-EL2 and S-EL2-E2H StreamWorlds.
    case 'CMD_TLBI_S_EL2_ALL':
      tlbi((e) => e.regime === 'S_EL2' || e.regime === 'S_EL2_E2H');
      return '';
    // §4.4.2.14 as §4.4.2.10: non-global S-EL2-E2H entries of the ASID; S-EL2's carry none.
    case 'CMD_TLBI_S_EL2_ASID': {
      const asid = v(def, w, 'ASID');
      tlbi((e) => e.regime === 'S_EL2_E2H' && e.asid === asid);
      return '';
    }
    case 'CMD_TLBI_S_EL2_VA':
    case 'CMD_TLBI_S_EL2_VAA':
      tlbi(el2VaMatch(def, w, def.name === 'CMD_TLBI_S_EL2_VA', ['S_EL2', 'S_EL2_E2H']));
      return '';
    // §4.4.2.5, §4.4.2.6: the EL3 StreamWorld's entries (no ASID, no VMID), all or by address.
    case 'CMD_TLBI_EL3_ALL':
      tlbi((e) => e.regime === 'EL3');
      return '';
    case 'CMD_TLBI_EL3_VA': {
      const at = addressMatch(def, w);
      tlbi((e, table) => e.regime === 'EL3' && at(e, table));
      return '';
    }
    // §4.7.1, §4.7.2: a Secure StreamID's stalled transactions (SSec = 1).
    case 'CMD_RESUME':
    case 'CMD_STALL_TERM':
      return engine.resumeStalled(def, w, true);
    default:
      return undefined;
  }
}

/** The text of a command acting on Secure state that nothing cached in the model can answer. */
function secureStateEffect(def: CommandDef): string {
  switch (def.group) {
    case 'prefetch':
      return 'a Secure StreamID (SSec = 1): nothing is prefetched (§4.2 allows a prefetch to do nothing)';
    default:
      return 'Secure TLB entries of this kind: 0 invalidated (the model caches none); Non-secure entries are not affected';
  }
}

/**
 * How each command of the table executes: a record over every `CommandName`, so a command added
 * to the table without an entry here does not compile, and one without behaviour says so
 * (`NotModelled`) instead of completing in silence.
 */
export const EXECUTION: { readonly [N in CommandName]: Executor | NotModelled } = {
  CMD_PREFETCH_CONFIG: prefetch,
  CMD_PREFETCH_ADDR: prefetch,
  CMD_CFGI_STE: ({ engine, def, w, logged }) => {
    const sid = v(def, w, 'StreamID');
    const n = invalidateSteRange(engine, sid, 1, v(def, w, 'Leaf') === 1);
    logged(`${counted(n, 'cached structure')} invalidated`);
    return CERROR.NONE;
  },
  CMD_CFGI_STE_RANGE: cfgiSteRange,
  CMD_CFGI_ALL: cfgiSteRange,
  CMD_CFGI_CD: ({ engine, def, w, logged }) => {
    const sid = v(def, w, 'StreamID');
    const ssid = v(def, w, 'SubstreamID');
    let n = engine.configCache.cd.invalidate((k) => k === cdKey(sid, ssid));
    if (v(def, w, 'Leaf') === 0) n += engine.configCache.l1cd.invalidate((k) => sidOfCdKey(k) === sid);
    logged(`${counted(n, 'cached structure')} invalidated`);
    return CERROR.NONE;
  },
  CMD_CFGI_CD_ALL: ({ engine, def, w, logged }) => {
    const sid = v(def, w, 'StreamID');
    const n =
      engine.configCache.cd.invalidate((k) => sidOfCdKey(k) === sid) +
      engine.configCache.l1cd.invalidate((k) => sidOfCdKey(k) === sid);
    logged(`${counted(n, 'cached structure')} invalidated`);
    return CERROR.NONE;
  },
  // §4.3.5: the separate PARTID_MAP cache, indexed by VMID (§5.6.2, mpam.ts); STE-indexed caches stay.
  CMD_CFGI_VMS_PIDM: ({ engine, def, w, logged }) => {
    const vmid = v(def, w, 'VMID');
    const n = engine.configCache.vms.invalidate((k) => k === vmid);
    logged(`VMID ${vmid}: ${counted(n, 'cached PARTID_MAP')} invalidated`);
    return CERROR.NONE;
  },
  CMD_TLBI_NH_ALL: ({ engine, def, w, tlbi }) => {
    const vmid = vmidMatch(engine, v(def, w, 'VMID'));
    tlbi((e) => e.regime === 'NH' && vmid(e.vmid) && e.stages !== 2);
    return CERROR.NONE;
  },
  CMD_TLBI_NH_ASID: ({ engine, def, w, tlbi }) => {
    const vmid = vmidMatch(engine, v(def, w, 'VMID'));
    const asid = v(def, w, 'ASID');
    tlbi((e) => e.regime === 'NH' && vmid(e.vmid) && e.asid === asid);
    return CERROR.NONE;
  },
  CMD_TLBI_NH_VA: tlbiNhVa(true),
  CMD_TLBI_NH_VAA: tlbiNhVa(false),
  // Secure-only commands (ILLEGAL on the Non-secure queue, §4.4.2.5–§4.4.4.2) reach executeCommand
  // only from the Secure queue, where actsOnSecureState answers for them before this table
  // (secureExecution invalidates the EL3 entries).
  CMD_TLBI_EL3_ALL: done('no EL3 translations are cached'),
  CMD_TLBI_EL3_VA: done('no EL3 translations are cached'),
  CMD_TLBI_S_EL2_ALL: done('Secure Command queue only: carried out by secureExecution'),
  CMD_TLBI_S_EL2_ASID: done('Secure Command queue only: carried out by secureExecution'),
  CMD_TLBI_S_EL2_VA: done('Secure Command queue only: carried out by secureExecution'),
  CMD_TLBI_S_EL2_VAA: done('Secure Command queue only: carried out by secureExecution'),
  CMD_TLBI_S_S12_VMALL: done('Secure Command queue only: carried out by secureExecution'),
  CMD_TLBI_S_S2_IPA: done('Secure Command queue only: carried out by secureExecution'),
  CMD_TLBI_SNH_ALL: done('Secure Command queue only: carried out by secureExecution'),
  CMD_TLBI_EL2_ALL: ({ tlbi }) => {
    tlbi((e) => e.regime === 'EL2' || e.regime === 'EL2_E2H');
    return CERROR.NONE;
  },
  // §4.4.2.10: "Non-global TLB entries inserted with a StreamWorld == NS-EL2-E2H configuration are
  // invalidated if ASID matches. EL2 (non-ASID-tagged) entries are not required to be invalidated."
  CMD_TLBI_EL2_ASID: ({ def, w, tlbi }) => {
    const asid = v(def, w, 'ASID');
    tlbi((e) => e.regime === 'EL2_E2H' && e.asid === asid);
    return CERROR.NONE;
  },
  CMD_TLBI_EL2_VA: tlbiEl2Va(true),
  CMD_TLBI_EL2_VAA: tlbiEl2Va(false),
  CMD_TLBI_S12_VMALL: ({ engine, def, w, tlbi }) => {
    const vmid = vmidMatch(engine, v(def, w, 'VMID'));
    tlbi((e) => e.regime === 'NH' && vmid(e.vmid));
    return CERROR.NONE;
  },
  CMD_TLBI_S2_IPA: ({ engine, def, w, tlbi }) => {
    // Stage-2 entries by IPA (§4.4.8). Entries combining both stages are not required to be
    // affected: software follows with TLBI_NH_ALL/S12_VMALL; the model keeps them (the strict choice).
    const vmid = vmidMatch(engine, v(def, w, 'VMID'));
    const at = addressMatch(def, w);
    tlbi((e, table) => e.regime === 'NH' && vmid(e.vmid) && e.stages === 2 && at(e, table));
    return CERROR.NONE;
  },
  CMD_TLBI_NSNH_ALL: ({ tlbi }) => {
    // All Non-secure, non-Hyp entries: every VMID, both stages, walk cache included (§4.4.4.1).
    tlbi((e) => e.regime === 'NH');
    return CERROR.NONE;
  },
  CMD_ATC_INV: ({ engine, def, w, secure, logged }) => {
    const sid = v(def, w, 'StreamID');
    // §4.5.1: IGNORED while SMMUEN is 0 for the Security state of the queue it was issued on
    // (SMMU_CR0.SMMUEN, or SMMU_S_CR0.SMMUEN on the Secure queue); the StreamID is Non-secure.
    if (secure ? engine.fieldNum(F.S_SMMUEN) === 0 : !engine.smmuEnabled()) {
      logged(`IGNORED: SMMU_${secure ? 'S_' : ''}CR0.SMMUEN is 0, so no ATS Invalidation Request is sent (§4.5.1)`);
      return CERROR.NONE;
    }
    if (engine.atcTimeouts.has(sid)) {
      if (secure) engine.secureAtcInvFailed = true;
      else engine.atcInvFailed = true;
      logged('the ATS invalidation will time out');
      return CERROR.NONE;
    }
    // A span of 4 KB × 2^Size, aligned to its size; Size 52 or more covers everything (§4.5.1).
    const size = v(def, w, 'Size');
    const page = bits(w, cmdField(def, 'Address').msb, cmdField(def, 'Address').lsb);
    const pages = size >= 52 ? Infinity : 2 ** size;
    const first = size >= 52 ? 0 : page - (page % pages);
    const ssid = v(def, w, 'SSV') === 1 ? v(def, w, 'SubstreamID') : undefined;
    const n = engine.atc.size === 0 ? 0 : engine.atc.invalidate(sid, ssid, first, pages);
    logged(
      `ATS invalidation sent to the endpoint: ${n === 1 ? '1 ATC entry' : `${n} ATC entries`} of StreamID ${sid}${ssid !== undefined ? ` PASID ${ssid}` : ''} invalidated`,
    );
    return CERROR.NONE;
  },
  CMD_PRI_RESP: done('page request group response sent to the endpoint'),
  CMD_RESUME: resume,
  CMD_STALL_TERM: resume,
  CMD_SYNC: ({ engine, def, w, secure, logged }) => sync(engine, def, w, secure, logged),
  // Until this change it fell through to a default case that completed with no effect and no word.
  CMD_DPTI_ALL: {
    notModelled:
      'the model keeps no DPT TLB (SMMUv3.3 DPT, §3.24.2: every DPT check walks the DPT), so there is no cached DPT information to remove',
  },
  CMD_DPTI_PA: {
    notModelled:
      'the model keeps no DPT TLB (SMMUv3.3 DPT, §3.24.2: every DPT check walks the DPT), so there is no cached DPT information to remove (Address, SIZE and Leaf are not decoded: their positions are not in the text of §4.6.2)',
  },
};

/** The commands whose execution is `NotModelled`: they report themselves even where work is skipped. */
const NOT_MODELLED = new Set<CommandDef>(COMMANDS.filter((c) => typeof EXECUTION[c.name] !== 'function'));

/** True when the model carries the command out (its execution is not `NotModelled`). */
export function isModelled(def: CommandDef): boolean {
  return !NOT_MODELLED.has(def);
}

/** Execute one validated command; returns a CERROR code (CERROR.NONE on success). */
export function executeCommand(
  engine: EngineContext,
  def: CommandDef,
  w: Uint32Array,
  index: number,
  address: number,
  /** The queue's name in the log: `CMDQ`, `ECMDQ<n>` (§3.5.6) or `S_CMDQ`. */
  queue = 'CMDQ',
  /** The queue's Security state (§3.10.2): the Secure Command queue's commands act for Secure software. */
  security: SecurityState = 'non-secure',
): number {
  const secure = security === 'secure';
  // The commands a driver issues in bulk, without building closures or text when not recording.
  if (!engine.recording) {
    if (def.opcode === 0x30) {
      if (engine.tlb.size !== 0) engine.tlb.invalidate((e) => e.regime === 'NH');
      if (engine.tlb.walks.size !== 0) engine.tlb.walks.invalidate((e) => e.regime === 'NH');
      return CERROR.NONE;
    }
    if (
      def.opcode === 0x46 &&
      bits(w, SYNC_CS.msb, SYNC_CS.lsb) === 0 &&
      !(secure ? engine.secureAtcInvFailed : engine.atcInvFailed)
    )
      return CERROR.NONE;
    // Invalidations with nothing cached to invalidate have no effect to compute; one the model
    // does not carry out still goes on, to say so.
    if (def.group === 'cfgi' && engine.configCache.size === 0 && !NOT_MODELLED.has(def)) return CERROR.NONE;
    if (def.group === 'tlbi' && engine.tlb.empty && !NOT_MODELLED.has(def)) return CERROR.NONE;
  }
  const describe = () =>
    `${queue}[${index}] ${formatCommand(decodeCommand(w, engine.ids, secure ? { queue: 'secure' } : {}))}`;
  // The types make every table command present; a definition from elsewhere is still not run in silence.
  const how: Executor | NotModelled | undefined = EXECUTION[def.name];
  if (typeof how !== 'function') {
    const why = how?.notModelled ?? `${def.name} has no execution in the model`;
    // Logged with recording off too (checks, `smmu run` without --trace): log() keeps warnings.
    engine.log({
      kind: 'command',
      text: `${describe()}: not modelled: ${why}; it completes without effect`,
      section: def.section,
      address: BigInt(address),
      words: [...w],
      severity: 'warning',
      code: 'cmdq.not-modelled',
    });
    return CERROR.NONE;
  }
  const logged = (effect: string) => {
    if (engine.recording)
      engine.log({
        kind: 'command',
        text: `${describe()}${effect ? `: ${effect}` : ''}`,
        section: def.section,
        address: BigInt(address),
        words: [...w],
      });
  };
  const tlbi = (match: TlbiMatch) => {
    const n = engine.tlb.size === 0 ? 0 : engine.tlb.invalidate((e) => match(e, false));
    const leafOnly = has(def, 'Leaf') && v(def, w, 'Leaf') === 1;
    const m = leafOnly ? 0 : engine.tlb.walks.invalidate((e) => match(e, true));
    if (!engine.recording) return;
    const what = `${n} TLB entr${n === 1 ? 'y' : 'ies'}${m ? `, ${counted(m, 'walk cache entry', 'walk cache entries')}` : ''}`;
    logged(`${what} invalidated${leafOnly && engine.tlb.walks.size ? '; Leaf = 1 keeps the walk cache' : ''}`);
  };
  if (secure && actsOnSecureState(def, w)) {
    const effect = secureExecution(engine, def, w, tlbi);
    if (effect === undefined) logged(secureStateEffect(def));
    else if (effect) logged(effect);
    return CERROR.NONE;
  }
  return how({ engine, def, w, secure, logged, tlbi });
}

/**
 * CMD_SYNC (§4.7.3): completes prior commands of its own queue; CERROR_ATC_INV_SYNC if an earlier
 * ATC_INV of that queue timed out (§3.9.1.4); then signals per CS: SIG_IRQ pulses the queue's wired
 * CMD_SYNC interrupt (this model has wired outputs: "regardless of the value of MSIAddress"; the
 * Secure queue's is its own source, §3.18.2) and, when the queue's programming interface supports
 * MSIs (SMMU_IDR0.MSI; SMMU_S_IDR0.MSI for the Secure queue: §6.3.52, and §6.3.67, where
 * S_GERROR.MSI_CMDQ_ABT_ERR, a Secure CMD_SYNC MSI's abort, exists with it) and MSIAddress is non-zero,
 * writes MSIData there, an abort of which sets (S_)GERROR.MSI_CMDQ_ABT_ERR of the queue's Security
 * state; SIG_SEV sends an event when IDR0.SEV is 1. No IRQ_CTRL enable gates it: CS selects it per
 * command (§3.18.2).
 */
function sync(
  engine: EngineContext,
  def: CommandDef,
  w: Uint32Array,
  secure: boolean,
  logged: (s: string) => void,
): number {
  if (secure ? engine.secureAtcInvFailed : engine.atcInvFailed) {
    if (secure) engine.secureAtcInvFailed = false;
    else engine.atcInvFailed = false;
    engine.log({
      kind: 'command-error',
      text: `CMD_SYNC could not complete an earlier CMD_ATC_INV (ATS invalidation timeout): CERROR_ATC_INV_SYNC`,
      section: '7.1',
      severity: 'error',
      code: 'cmdq.cerror-atc-inv-sync',
    });
    return CERROR.ATC_INV_SYNC;
  }
  const cs = v(def, w, 'CS');
  if (cs === 1) {
    // "The check for zero applies to the entire specified field span", not the OAS (§4.7.3).
    const addr = v(def, w, 'MSIAddress');
    const msi = (secure ? caps.secureMsi(engine.ids) : caps.msi(engine.ids)) && addr !== 0;
    const source = secure ? 'S_CMD_SYNC' : 'CMD_SYNC';
    logged(
      msi
        ? `complete; ${source} wired interrupt asserted and MSI sent`
        : `complete; ${source} wired interrupt asserted`,
    );
    engine.wiredInterrupt(source);
    if (msi) engine.msiWrite(source, addr, v(def, w, 'MSIData'), 4, secure ? 'secure' : 'non-secure');
  } else if (cs === 2) {
    logged(
      caps.sev(engine.ids) ? 'complete; SEV sent to the PEs' : 'complete; SIG_SEV without IDR0.SEV behaves as SIG_NONE',
    );
  } else if (engine.recording) logged('complete');
  return CERROR.NONE;
}
