/**
 * A device transaction through the SMMU (§3.2, §3.3, §3.4, §3.9, §3.12): SMMUEN/GBPA, the stream
 * table (linear or 2-level), the STE, the substream and CD (linear or 2-level CD tables), the
 * stage-1 and stage-2 walks (nested: stage-1 table and CD fetches translated by stage 2), the
 * TLB, and the fault configuration of §5.5 (record, stall, abort). Every fault becomes the
 * event record the architecture names (§7.3), written through event-queue.ts.
 */
import { POW2 } from '../base/pow2';
import { getEvent, type EventName } from '../events/table';
import { hex } from '../registers/codec';
import { S2PII } from '../registers/permission-indirection';
import { checkCd, decodeCd, steStreamWorld, type CdFields } from '../structures/cd';
import { decodeL1cd, decodeL1std } from '../structures/l1';
import { checkSte, decodeSte, type SteFields } from '../structures/ste';
import { decodeSecureStage2 } from '../structures/ste-secure';
import * as caps from '../structures/capabilities';
import { cachedS1WalkParams, s2WalkParams } from '../translation/params';
import { byteSwap64 } from '../translation/endian';
import { paSpaceName } from '../translation/secure-ns';
import { inputRangeOk, selectTtb, walk } from '../translation/walk';
import type {
  Access,
  CachedTable,
  WalkCacheHooks,
  WalkFault,
  WalkMemory,
  WalkOk,
  WalkParams,
  WalkResult,
} from '../translation/types';
import { assuredOnlyEnabled, AssuredWalk, bypassAccess, fetchedFromAssuredOnly, noteFetch } from './assured';
import { cdKey, generation, steKey } from './config-cache';
import type { GuestMemory } from '../model/memory';
import type { EngineContext, Transaction } from './context';
import { recordEvent, type EventFields } from './event-queue';
import { F, ref } from './registers';
import { currentStreamTable } from './stream-table';
import { interfaceOf, SECURE, stallModelOf, type SecurityState } from './security';
import {
  bypassIpaSpace,
  bypassIpaSpaceWhy,
  describeSecureStage2,
  secureRegime,
  secureStage2Params,
  secureStage2Spaces,
  secureTlbiName,
  secureVmid,
  stage2Regime,
  type IpaSpace,
} from './secure-stage2';
import type { Regime, TlbEntry } from './tlb';
import type { WalkCacheEntry } from './walk-cache';
import type { MpamAttrs } from './mpam-attrs';

export type { StreamMemo, Transaction } from './context';

export type TransactionResult =
  /** `via`: the SMMU's TLB or a walk; for a device using ATS (ats.ts), its ATC or a fresh Translation Request. */
  | {
      readonly outcome: 'translated';
      readonly pa: bigint;
      readonly via: 'tlb' | 'walk' | 'atc' | 'ats';
      readonly detail: string;
      /** A Secure stream's transaction: its output PA space is Non-secure (§13.5); undefined for a Non-secure stream's. */
      readonly ns?: boolean;
      readonly mpam?: MpamAttrs;
    }
  | {
      readonly outcome: 'bypass';
      readonly pa: bigint;
      readonly detail: string;
      readonly ns?: boolean;
      readonly mpam?: MpamAttrs;
    }
  /**
   * `ats`: a device using ATS (ats.ts) did not make the access because its Translation Request was
   * refused (Unsupported Request, Completer Abort) or granted too little (`denied`, §3.9.1.2).
   */
  | {
      readonly outcome: 'abort';
      readonly event?: EventName;
      readonly detail: string;
      readonly ats?: 'UR' | 'CA' | 'denied';
    }
  /** CD.A == 0 / STE... RAZ/WI: the transaction completes, reads as zero, writes ignored (§5.5). */
  | { readonly outcome: 'raz-wi'; readonly event?: EventName; readonly detail: string }
  | { readonly outcome: 'stalled'; readonly event: EventName; readonly stag: number; readonly detail: string };

type Fail = { readonly fail: TransactionResult };

function isFail<T>(x: T | Fail): x is Fail {
  return typeof x === 'object' && x !== null && 'fail' in x;
}

/**
 * Read a structure of `n` words at `addr`, or 'abort'. Recorded as SMMU activity. `mem` is the PA
 * space it is read from: the Non-secure one unless a Secure structure says otherwise (§3.10.2).
 */
export function fetch(
  engine: EngineContext,
  what: string,
  addr: number,
  n: number,
  mem: GuestMemory = engine.memory,
): Uint32Array | 'abort' {
  const where = mem === engine.memory ? '' : ' (Secure PA space)';
  if (mem.isAbort(addr, n * 4)) {
    if (engine.recording)
      engine.log({
        kind: 'fetch',
        text: `${what} fetch from ${hex(BigInt(addr), 64)}${where} took an external abort`,
        address: BigInt(addr),
        severity: 'info',
      });
    return 'abort';
  }
  const w = new Uint32Array(n);
  mem.readWords(addr, w, n);
  if (engine.recording)
    engine.log({
      kind: 'fetch',
      text: `fetched ${what} from ${hex(BigInt(addr), 64)}${where}`,
      address: BigInt(addr),
      words: [...w],
    });
  return w;
}

/** The Security state of a transaction's stream (§3.10.1 SEC_SID): which Event queue its events go to. */
function stateOf(t: Transaction): SecurityState {
  return t.secure ? 'secure' : 'non-secure';
}

/** How messages name a stream's STE: `STE 3`, or `Secure STE 3` for a Secure stream. */
function steName(t: Transaction): string {
  return `${t.secure ? 'Secure STE' : 'STE'} ${t.sid}`;
}

function accessFields(t: Transaction): EventFields {
  return {
    StreamID: t.sid,
    SSV: t.ssid === undefined ? 0 : 1,
    SubstreamID: t.ssid ?? 0,
    RnW: t.access.write ? 0 : 1,
    InD: t.access.exec ? 1 : 0,
    PnU: t.access.priv ? 1 : 0,
  };
}

/** Terminate with an event (recorded per the caller's decision) and an abort. */
export function abortWith(
  engine: EngineContext,
  t: Transaction,
  event: EventName,
  fields: EventFields,
  detail: string,
  record = true,
): Fail {
  if (record) recordEvent(engine, event, { ...accessFields(t), ...fields }, detail, stateOf(t));
  return { fail: { outcome: 'abort', event, detail: `${event}: ${detail}` } };
}

// --- stream table ---------------------------------------------------------------------------

function locateSte(engine: EngineContext, t: Transaction): SteFields | Fail {
  const sid = t.sid;
  const secure = t.secure === true;
  // §3.10.2.1: a Secure stream's StreamID indexes the Secure Stream table, a separate namespace, so
  // its cached STE is a separate entry (config-cache.ts steKey).
  const key = steKey(sid, secure);
  // §3.10.2.1: the Secure Stream table is always read from the Secure PA space.
  const mem = secure ? engine.memory.secureSpace() : engine.memory;
  const cached = engine.configCache.ste.get(key);
  if (cached) {
    if (engine.checkStale && mem.differsFrom(cached.address, cached.words))
      reportStaleStructure(
        engine,
        'STE',
        `${secure ? 'Secure ' : ''}StreamID ${sid}`,
        cached.address,
        secure ? 'CMD_CFGI_STE (SSec = 1, on the Secure Command queue)' : 'CMD_CFGI_STE',
      );
    return cached.decoded as SteFields;
  }
  // The effective base, LOG2SIZE capped at SIDSIZE (S_SIDSIZE for the Secure table), the format and
  // SPLIT in effect (§6.3.24, §6.3.25, §6.3.72, §6.3.73).
  const iface = interfaceOf(t);
  const reg = secure ? 'S_' : '';
  const { base, log2, log2Written, twoLevel, split } = currentStreamTable(engine, iface);
  const record = engine.field(iface.recinvsid) === 1n;
  const notRecorded = record ? '' : `; not recorded because ${reg}CR2.RECINVSID is 0`;
  if (sid >= (POW2[log2] as number)) {
    return abortWith(
      engine,
      t,
      'C_BAD_STREAMID',
      {},
      `${secure ? 'Secure ' : ''}StreamID ${hex(BigInt(sid))} is outside the ${secure ? 'Secure ' : ''}stream table (${reg}STRTAB_BASE_CFG.LOG2SIZE ${log2}${secure && log2 < log2Written ? ` (${log2Written} written), capped at SMMU_S_IDR1.S_SIDSIZE` : ''})${notRecorded}`,
      record,
    );
  }
  let steAddr: number;
  if (twoLevel) {
    if (split >= log2) {
      // All StreamIDs fall in L1 entry 0's span (§6.3.25 SPLIT >= LOG2SIZE): still a 2-level walk.
    }
    const l1Index = Math.floor(sid / 2 ** split);
    const l1Addr = base + 8 * l1Index;
    const l1c = engine.configCache.l1st.get(steKey(l1Index, secure));
    let l1: { span: number; l2Ptr: number };
    if (l1c) l1 = l1c.decoded as { span: number; l2Ptr: number };
    else {
      const w = fetch(engine, `${secure ? 'Secure ' : ''}L1STD ${l1Index}`, l1Addr, 2, mem);
      if (w === 'abort')
        return abortWith(
          engine,
          t,
          'F_STE_FETCH',
          { FetchAddr: l1Addr },
          `external abort fetching the L1STD at ${hex(BigInt(l1Addr), 64)}`,
        );
      const d = decodeL1std(w);
      l1 = { span: d.span, l2Ptr: d.l2Ptr };
      if (d.span === 0 || d.span > split + 1) {
        const why =
          d.span === 0
            ? 'L1STD.Span is 0 (invalid)'
            : `L1STD.Span ${d.span} exceeds SPLIT + 1 = ${split + 1} (ILLEGAL, §5.1)`;
        return abortWith(
          engine,
          t,
          'C_BAD_STREAMID',
          {},
          `${secure ? 'Secure ' : ''}StreamID ${hex(BigInt(sid))}: ${why}${notRecorded}`,
          record,
        );
      }
      engine.configCache.l1st.set(steKey(l1Index, secure), { address: l1Addr, words: w, decoded: l1, seq: 0, secure });
    }
    const low = sid % 2 ** split;
    if (low >= 2 ** (l1.span - 1)) {
      return abortWith(
        engine,
        t,
        'C_BAD_STREAMID',
        {},
        `${secure ? 'Secure ' : ''}StreamID ${hex(BigInt(sid))} is beyond L1STD ${l1Index}'s Span ${l1.span} (${2 ** (l1.span - 1)} STEs)${notRecorded}`,
        record,
      );
    }
    steAddr = l1.l2Ptr + 64 * low;
  } else {
    steAddr = base + 64 * sid;
  }
  steAddr %= POW2[engine.oas] as number;
  const name = steName(t);
  const w = fetch(engine, name, steAddr, 16, mem);
  if (w === 'abort')
    return abortWith(
      engine,
      t,
      'F_STE_FETCH',
      { FetchAddr: steAddr },
      `external abort fetching ${name} at ${hex(BigInt(steAddr), 64)}`,
    );
  // A Secure STE is judged by the Secure view of SteIllegal (§5.2.2 sec_sid == SS_Secure).
  const verdict = checkSte(
    w,
    engine.ids,
    secure
      ? {
          oas: engine.oas,
          secure: { sel2: caps.secureEl2(engine.ids) },
          stallModel: caps.secureStallModel(engine.ids) ?? 0,
        }
      : { oas: engine.oas },
  );
  if (!verdict.valid) return abortWith(engine, t, 'C_BAD_STE', {}, `${name} at ${hex(BigInt(steAddr), 64)} has V == 0`);
  if (verdict.illegal.length) {
    return abortWith(
      engine,
      t,
      'C_BAD_STE',
      {},
      `${name} at ${hex(BigInt(steAddr), 64)} is ILLEGAL: ${verdict.illegal.map((p) => `${p.message} (§${p.section})`).join('; ')}`,
    );
  }
  // A Secure STE also has the Secure stage 2 fields (§5.2 S_S2TTB, S2SW, …; secure-stage2.ts).
  const ste = secure ? { ...decodeSte(w), secureS2: decodeSecureStage2(w) } : decodeSte(w);
  engine.configCache.ste.set(key, { address: steAddr, words: w, decoded: ste, seq: 0, secure });
  return ste;
}

/**
 * A cached structure is used although memory now differs (GuestMemory.differsFrom): report the
 * missing invalidation. Callers compare at every use of a cached STE or CD (each DMA of a check)
 * and build this report's text only when it differs.
 */
export function reportStaleStructure(
  engine: EngineContext,
  what: string,
  which: string,
  addr: number,
  cmd: string,
  section = '3.21.3',
): void {
  engine.log({
    kind: 'stale',
    text: `the SMMU used its cached ${what} for ${which}: memory at ${hex(BigInt(addr), 64)} changed after it was cached, and no ${cmd} (then CMD_SYNC) has invalidated it, so the old ${what} still applies`,
    section,
    address: BigInt(addr),
    severity: 'warning',
    code: `stale.${what.toLowerCase()}`,
  });
}

// --- stage 2 helpers ------------------------------------------------------------------------

function s2Params(engine: EngineContext, ste: SteFields): WalkParams | undefined {
  // SMMU_S2PII holds the stage 2 base permissions of STE.S2PIE = 1 streams (§3.26.2, §6.3.17).
  return s2WalkParams(ste, engine.ids, engine.oas, engine.smmu.value(S2PII));
}

/**
 * §5.2 S2POI: its effect on the stage 2 translation of an output address is not permitted to be
 * cached in a TLB (unlike the PE's S2POR_EL1 it is per stream, not per VMID), so a stream whose
 * stage 2 applies an overlay neither uses nor fills the TLB for its translations; the walk cache
 * (table descriptors, which carry no POIndex) still serves it.
 */
const overlayUncached = (params: WalkParams | undefined): boolean => params?.s2pi?.s2poi !== undefined;

/** A walk's memory that remembers the PA space of its last descriptor access (for the walk cache). */
interface SpacedWalkMemory extends WalkMemory {
  lastSecure: boolean;
}

/**
 * The PA space of each descriptor access, from the NS attribute a Secure stage 1 walk gives it
 * (secure-ns.ts; undefined for other walks). Without one, everything is in the Non-secure space:
 * a Non-secure stream never reaches the Secure PA space (§3.10.2.2: "For a Non-secure stream,
 * translation table accesses and final output PA space is always Non-secure").
 */
type PickSpace = (ns: boolean | undefined) => GuestMemory;

/**
 * The walk's memory: descriptors are read and updated little-endian, or big-endian when the CD
 * or STE selects it (`bigEndian`, §5.4 ENDI, §5.2 S2ENDI; core/translation/endian.ts), in the PA
 * space `pick` gives (the Non-secure one without it).
 */
/**
 * A walk's descriptor memory (WalkMemory). A class, not an object of closures: every walk makes
 * one, and a cold check runs the walks in V8's baseline code, where each closure is an allocation.
 */
class DescriptorMemory implements SpacedWalkMemory {
  lastSecure = false;
  tableAddress: SpacedWalkMemory['tableAddress'] = undefined;
  walkCache: SpacedWalkMemory['walkCache'] = undefined;

  constructor(
    private readonly engine: EngineContext,
    private readonly what: string,
    private readonly bigEndian: boolean,
    private readonly pick: PickSpace | undefined,
  ) {}

  read64(pa: bigint, tableNs?: boolean): bigint | 'abort' {
    const engine = this.engine;
    const ns = engine.memory;
    const m = this.pick ? this.pick(tableNs) : ns;
    this.lastSecure = m !== ns;
    const a = Number(pa);
    if (m.isAbort(a, 8)) return 'abort';
    const le = (BigInt(m.read32(a + 4)) << 32n) | BigInt(m.read32(a));
    const v = this.bigEndian ? byteSwap64(le) : le;
    if (engine.recording)
      engine.log({
        kind: 'fetch',
        text: `${this.what} descriptor ${hex(v, 64)} read from ${hex(pa, 64)}${this.bigEndian ? ' (big-endian)' : ''}${m === ns ? '' : ' (Secure PA space)'}`,
        address: pa,
      });
    return v;
  }

  write64(pa: bigint, v: bigint, tableNs?: boolean): 'ok' | 'abort' {
    const engine = this.engine;
    const ns = engine.memory;
    const m = this.pick ? this.pick(tableNs) : ns;
    const a = Number(pa);
    if (m.isAbort(a, 8)) return 'abort';
    // A stale-entry probe re-walks to compare; it must not set Access flags or dirty state. Nor
    // does an ATOS lookup with HTTUI = 1, which goes on as though the update were made (§9).
    if (engine.suppressEvents || engine.atosRun?.inhibitHttu) return 'ok';
    const le = this.bigEndian ? byteSwap64(v) : v;
    m.write32(a, Number(le & 0xffff_ffffn));
    m.write32(a + 4, Number(le >> 32n));
    if (engine.recording)
      engine.log({
        kind: 'fetch',
        text: `${this.what} descriptor updated to ${hex(v, 64)} at ${hex(pa, 64)}${this.bigEndian ? ' (big-endian)' : ''}${m === ns ? '' : ' (Secure PA space)'} (hardware Access flag / dirty state, §3.13)`,
        address: pa,
      });
    return 'ok';
  }
}

function memoryFor(engine: EngineContext, what: string, bigEndian = false, pick?: PickSpace): SpacedWalkMemory {
  return new DescriptorMemory(engine, what, bigEndian, pick);
}

/** The TLB tags of a walk: its regime, VMID and ASID (-2 for stage 2, as the TLB's stage-2-only entries). */
interface WalkTags {
  readonly regime: Regime;
  readonly vmid: number;
  readonly asid: number;
}

/**
 * The walk cache of one tag context for the walker (§3.21.1): a table descriptor found there is
 * used without reading memory, as hardware may, and reported when memory no longer holds it.
 * Probes (stale-entry re-walks, with events suppressed) see the tables as memory holds them now.
 */
function walkCacheFor(
  engine: EngineContext,
  t: Transaction,
  tags: WalkTags,
  stage: 1 | 2,
  bigEndian = false,
  mem?: SpacedWalkMemory,
): WalkCacheHooks | undefined {
  if (engine.suppressEvents) return undefined;
  return new WalkCacheView(engine, t, tags, stage, bigEndian, mem);
}

/** The walk cache as one walk sees it (walkCacheFor); a class, as DescriptorMemory is, so a walk makes no closures. */
class WalkCacheView implements WalkCacheHooks {
  readonly empty: boolean;

  constructor(
    private readonly engine: EngineContext,
    private readonly t: Transaction,
    private readonly tags: WalkTags,
    private readonly stage: 1 | 2,
    private readonly bigEndian: boolean,
    private readonly mem: SpacedWalkMemory | undefined,
  ) {
    this.empty = engine.tlb.walks.size === 0;
  }

  lookup(level: number, log2: number, page: number): WalkCacheEntry | undefined {
    const engine = this.engine;
    const tags = this.tags;
    const e = engine.tlb.walks.lookup(tags.regime, tags.vmid, tags.asid, level, log2, page);
    if (e === undefined) return undefined;
    if (engine.recording)
      engine.log({
        kind: 'fetch',
        text: `stage-${this.stage} level ${level} descriptor ${hex(e.descriptor, 64)} from the walk cache (a table descriptor read from ${hex(e.address, 64)} by an earlier walk): the walk goes on at level ${level + 1}`,
        address: e.address,
      });
    if (engine.checkStale) checkStaleWalk(engine, this.t, e, this.bigEndian);
    return e;
  }

  insert(level: number, log2: number, page: number, c: CachedTable): void {
    const tags = this.tags;
    this.engine.tlb.walks.insert({
      regime: tags.regime,
      vmid: tags.vmid,
      asid: tags.asid,
      stages: this.stage,
      level,
      log2,
      page,
      address: c.address,
      descriptor: c.descriptor,
      next: c.next,
      noWrite: c.noWrite,
      noUser: c.noUser,
      xn: c.xn,
      pxn: c.pxn,
      ns: c.ns,
      secure: this.mem?.lastSecure === true,
      sid: this.t.sid,
      seq: this.engine.activity.length,
    });
  }
}

/**
 * A walk used a cached table descriptor that memory no longer holds: the walk follows the old
 * table, as hardware with a walk cache does, until a TLB invalidation that reaches table entries
 * (Leaf = 0, or by ASID / VMID / all) removes it (§3.21.1, §4.4).
 */
function checkStaleWalk(engine: EngineContext, t: Transaction, e: WalkCacheEntry, bigEndian: boolean): void {
  const a = Number(e.address);
  const m = e.secure ? engine.memory.secureSpace() : engine.memory;
  const le = (BigInt(m.read32(a + 4)) << 32n) | BigInt(m.read32(a));
  const now = bigEndian ? byteSwap64(le) : le;
  if (now === e.descriptor) return;
  // A Secure stream's entries are invalidated from the Secure Command queue: its stage 1 ones by
  // the NH commands (§4.4.2 table), its stage 2 ones by CMD_TLBI_S_S2_IPA, S-EL2's by the S_EL2 ones.
  const cmd = missingTlbi(e.regime, e.stages, e.asid);
  engine.log({
    kind: 'stale',
    text: `stale walk cache entry used for StreamID ${t.sid} address ${hex(t.address, 64)}: the SMMU still holds the stage ${e.stages} level ${e.level} table descriptor ${hex(e.descriptor, 64)} read from ${hex(e.address, 64)}, but memory there now holds ${hex(now, 64)}, so the walk goes on through the old table at ${hex(e.next, 64)}; a ${cmd} with Leaf = 0 (Leaf = 1 invalidates only last-level entries), or a wider TLB invalidation, then CMD_SYNC is missing`,
    section: '4.4',
    address: e.address,
    severity: 'warning',
    code: 'stale.walk',
  });
}

/**
 * The invalidation a stale entry lacks, by its tags: a Secure stream's go with the commands of the
 * Secure Command queue (secure-stage2.ts); stage 2 with CMD_TLBI_S2_IPA (§4.4.3.1); NS-EL1's with
 * CMD_TLBI_NH_VA(A) (§4.4.2.3, §4.4.2.4); NS-EL2-E2H's with CMD_TLBI_EL2_VA by ASID, or _VAA for a
 * global one; NS-EL2's, which carry no ASID, with CMD_TLBI_EL2_VA, whose ASID "is ignored" there
 * (§4.4.2.8). `asid` is the entry's (-1: global or no ASID, -2: stage 2).
 */
function missingTlbi(regime: Regime, stages: number, asid: number): string {
  const byAsid = asid >= 0 ? ` (ASID ${asid})` : '';
  return (
    secureTlbiName(regime, stages, asid) ??
    (stages === 2
      ? 'CMD_TLBI_S2_IPA'
      : regime === 'NH'
        ? `${asid === -1 ? 'CMD_TLBI_NH_VAA' : 'CMD_TLBI_NH_VA'}${byAsid}`
        : regime === 'EL2_E2H'
          ? `${asid === -1 ? 'CMD_TLBI_EL2_VAA' : 'CMD_TLBI_EL2_VA'}${byAsid}`
          : 'CMD_TLBI_EL2_VA')
  );
}

/** The event of each walk fault (§7.3.12–§7.3.16); ATOS_PAR.FAULTCODE uses the same codes (§9.1.5). */
export const FAULT_EVENTS: Record<WalkFault['kind'], EventName> = {
  translation: 'F_TRANSLATION',
  addressSize: 'F_ADDR_SIZE',
  accessFlag: 'F_ACCESS',
  permission: 'F_PERMISSION',
  walkEabt: 'F_WALK_EABT',
};

// --- the transaction ------------------------------------------------------------------------

/** Translate one transaction. Deterministic; events and activity are recorded on the engine. */
export function translate(engine: EngineContext, t: Transaction): TransactionResult {
  const memo = engine.memo;
  if (
    memo !== undefined &&
    memo.sid === t.sid &&
    memo.ssid === t.ssid &&
    memo.secure === (t.secure === true) &&
    memo.gen === generation.value &&
    !engine.checkStale
  ) {
    const small = t.address < TWO53;
    const aNum = small ? Number(t.address) : 0;
    const vaPage12 = small ? Math.floor(aNum / 4096) : Number(t.address >> 12n);
    const hit = engine.tlb.lookup(memo.regime, memo.vmid, memo.asid, vaPage12);
    if (hit !== undefined && hit.stages !== 2 && permits(hit, t.access)) {
      const low = small ? aNum % 4096 : Number(t.address & 0xfffn);
      const pa = BigInt(hit.oa + (hit.log2 === 12 ? 0 : (vaPage12 % (POW2[hit.log2 - 12] as number)) * 4096) + low);
      return t.secure
        ? { outcome: 'translated', pa, via: 'tlb', detail: 'TLB hit', ns: hit.ns === true }
        : { outcome: 'translated', pa, via: 'tlb', detail: 'TLB hit' };
    }
  }
  return translateFull(engine, t);
}

/**
 * Whether the STE replaces the incoming PRIV or INST attribute (§5.2 PRIVCFG, INSTCFG): only with
 * SMMU_IDR1.ATTR_PERMS_OVR (the fields are RES0 without it), and only the values 0b10 and 0b11
 * (0b01 is Reserved and behaves as 0b00, Use incoming).
 */
function overridesAccess(engine: EngineContext, ste: SteFields): boolean {
  return (ste.privcfg >= 2 || ste.instcfg >= 2) && caps.attrPermsOvr(engine.ids);
}

/**
 * The access as the stream's STE overrides it (§13.1.4 Table 13.4): PRIVCFG replaces PRIV for
 * every transaction; INSTCFG replaces INST of reads only, because the SMMU takes every write as
 * Data (§13.1.2). Applied on input, before any permission check, so events report the overridden
 * InD and PnU (§7.3 "after the STE override"), and an ATS Translation Request's permissions follow
 * §13.7.1 (R from an Instruction read is the translation's X, Exe of a Data read is its R).
 */
export function withStreamOverrides(engine: EngineContext, t: Transaction, ste: SteFields): Transaction {
  if (!overridesAccess(engine, ste)) return t;
  const a = t.access;
  const priv = ste.privcfg >= 2 ? ste.privcfg === 3 : a.priv;
  const exec = a.write ? false : ste.instcfg >= 2 ? ste.instcfg === 3 : a.exec;
  if (priv === a.priv && exec === a.exec) return t;
  return { ...t, access: { read: a.read, write: a.write, exec, priv } };
}

/** A stream's stage-2-only translation (Config 0b110, or S1DSS skipping stage 1): `stage2` is its walker. */
function stage2OnlyOf(
  engine: EngineContext,
  t: Transaction,
  ste: SteFields,
  vmid: number,
  secure: boolean,
  s2p_: WalkParams | undefined,
  stage2: Stage2Fn | undefined,
): TransactionResult {
  if (secure) return secureStage2Only(engine, t, ste, vmid);
  if (!stage2) throw new Error('internal: a stage 2 translation without a stage 2 walker');
  return finishStage2Only(engine, t, ste, vmid, s2p_, stage2);
}

function translateFull(engine: EngineContext, incoming: Transaction): TransactionResult {
  engine.memo = undefined;
  const secure = incoming.secure === true;
  // §3.2: SMMUEN == 0 → SMMU_GBPA decides: abort, or bypass with its attributes. GBPA.INSTCFG and
  // PRIVCFG change only the output attributes of the bypass, which the model does not carry.
  // §3.10.2: a Secure stream uses the Secure interface's SMMU_S_CR0.SMMUEN and SMMU_S_GBPA.
  if (secure ? engine.fieldNum(SECURE_SMMUEN) !== 1 : !engine.smmuEnabled()) {
    if (secure) return secureGlobalBypass(engine, incoming);
    if (engine.field(F.GBPA_ABORT) === 1n)
      return {
        outcome: 'abort',
        detail: 'SMMUEN is 0 and GBPA.ABORT is 1: the transaction is aborted (no event, §6.3.14)',
      };
    return {
      outcome: 'bypass',
      pa: incoming.address,
      detail: 'SMMUEN is 0: bypass with SMMU_GBPA attributes (§6.3.14)',
    };
  }
  const ste = locateSte(engine, incoming);
  if (isFail(ste)) return ste.fail;
  const t = withStreamOverrides(engine, incoming, ste);
  const cfg = ste.config;
  // §5.2 Config 0b0xx: abort without an event (0b001-0b011 are reserved and behave as abort).
  if ((cfg & 0b100) === 0)
    return {
      outcome: 'abort',
      detail: `${steName(t)}.Config is ${cfg.toString(2).padStart(3, '0')}: aborted without an event (§5.2)`,
    };
  const s1 = (cfg & 1) === 1;
  const s2 = (cfg & 2) === 2;
  if (cfg === 0b100) {
    if (t.ssid !== undefined) {
      // §5.2 S1CDMax/Config: a substream on a stream without stage 1 is C_BAD_SUBSTREAMID.
      return abortWith(
        engine,
        t,
        'C_BAD_SUBSTREAMID',
        {},
        `StreamID ${t.sid} is in bypass (Config 0b100) and has no substreams`,
      ).fail;
    }
    if (secure) return secureStreamBypass(engine, t, ste);
    return { outcome: 'bypass', pa: t.address, detail: `STE ${t.sid}.Config is 0b100: bypass` };
  }
  const regime = regimeOf(engine, ste, secure);
  // §3.10.2.2, §5.2 S2VMID: a Secure stream's entries carry a Secure VMID (secure-stage2.ts).
  const vmid = secure ? secureVmid(engine, ste, regime) : nsVmidOf(engine, ste, regime);
  // A Secure stream's stage 1 output and its CDs are Secure IPAs: its nested walks use S_S2TTB (§3.10.2.2).
  const s2p_ = s2 ? (secure ? secureStage2Params(engine, ste, 'secure') : s2Params(engine, ste)) : undefined;
  if (s2 && !s2p_) return stage2NotWalked(engine, t, ste);

  // Only a stream with stage 2 has a stage 2 walker (a stage-1-only walk makes none: a closure
  // a translation in a cold check's baseline code).
  const stage2 = !s2
    ? undefined
    : secure
      ? stage2Walker(engine, t, s2p_, vmid, 'S', stage2WalkSpace(engine, ste, 'secure'))
      : stage2Walker(engine, t, s2p_, vmid, 'NH');

  if (!s1) {
    return stage2OnlyOf(engine, t, ste, vmid, secure, s2p_, stage2);
  }

  // Substream selection (§5.2 S1CDMax, S1DSS).
  const sub = substreamOf(t, ste);
  if (typeof sub === 'object') return abortWith(engine, t, sub.event, {}, sub.why).fail;
  if (sub === 'bypass') {
    // Stage 1 bypassed for non-substream traffic.
    if (secure && !s2) return secureStreamBypass(engine, t, ste, 'S1DSS');
    return s2
      ? stage2OnlyOf(engine, t, ste, vmid, secure, s2p_, stage2)
      : {
          outcome: 'bypass',
          pa: t.address,
          detail: `STE ${t.sid}.S1DSS is 0b01: stage 1 bypass for traffic without a SubstreamID`,
        };
  }
  const ssidUsed = sub;

  const cd = locateCd(engine, t, ste, ssidUsed, s2 ? stage2 : undefined);
  if (isFail(cd)) return cd.fail;
  const asid = asidOf(regime, cd);
  const tags: WalkTags = { regime, vmid, asid };

  // TLB (§4.4): tagged by regime, VMID, ASID (or global). Addresses below 2^53 take the
  // number path (one BigInt conversion each way); others split with BigInt shifts.
  const small = t.address < TWO53;
  const aNum = small ? Number(t.address) : 0;
  const vaPage12 = small ? Math.floor(aNum / 4096) : Number(t.address >> 12n);
  const uncached = overlayUncached(s2p_);
  const hit = uncached ? undefined : engine.tlb.lookup(regime, vmid, asid, vaPage12);
  if (hit) {
    const low = small ? aNum % 4096 : Number(t.address & 0xfffn);
    const pa = BigInt(hit.oa + (hit.log2 === 12 ? 0 : (vaPage12 % (POW2[hit.log2 - 12] as number)) * 4096) + low);
    if (permits(hit, t.access)) {
      // The memo skips the STE, so a stream whose STE overrides the access is never memoised.
      if (!overridesAccess(engine, ste))
        engine.memo = { sid: t.sid, ssid: t.ssid, secure, gen: generation.value, regime, vmid, asid };
      if (engine.checkStale)
        checkStaleTranslation(engine, t, hit, pa, () => walkStage1(engine, t, ste, cd, tags, s2 ? stage2 : undefined));
      return secure
        ? { outcome: 'translated', pa, via: 'tlb', detail: 'TLB hit', ns: hit.ns === true }
        : { outcome: 'translated', pa, via: 'tlb', detail: 'TLB hit' };
    }
    // A permission fault on a cached entry: fall through to the walk, which reports it precisely.
  }
  const r = walkStage1(engine, t, ste, cd, tags, s2 ? stage2 : undefined);
  if ('result' in r) return r.result;
  if (uncached) return { outcome: 'translated', pa: r.pa, via: 'walk', detail: r.detail };
  const e = r.entry;
  // Built field by field: an object spread here cost microseconds per walk.
  engine.tlb.insert({
    regime,
    vmid,
    asid: r.global ? -1 : asid,
    stages: e.stages,
    log2: e.log2,
    page: e.page,
    oa: e.oa,
    r: e.r,
    w: e.w,
    x: e.x,
    priv: e.priv,
    sid: t.sid,
    ssid: ssidUsed,
    seq: e.seq,
    level: e.level,
    ipa: e.ipa,
    ns: e.ns,
  });
  if (!secure) return { outcome: 'translated', pa: r.pa, via: 'walk', detail: r.detail };
  // A Secure stream's output PA space: stage 1's NS and NSTable (§13.4.2) alone, or with Secure
  // stage 2 the space its S2SW/S2SA rules give for the IPA space stage 1 output (§3.10.2.2,
  // walkStage1); the entry holds it either way.
  if (!s2) return { outcome: 'translated', pa: r.pa, via: 'walk', detail: r.detail, ns: e.ns === true };
  return {
    outcome: 'translated',
    pa: r.pa,
    via: 'walk',
    detail: `${r.detail}; ${describeSecureStage2(ste, r.leaf1.ns === true ? 'non-secure' : 'secure')}`,
    ns: e.ns === true,
  };
}

/**
 * checkSte accepted the stage 2 fields, but the walker has no parameters for them: a VMSAv8-32
 * LPAE stage 2 (S2AA64 = 0, with SMMU_IDR0.TTF) whose S2SL0/S2T0SZ have no VMSAv8-64 reading. The
 * model does not walk VMSAv8-32 tables (config.not-modelled-aarch32): say so, never throw.
 */
function stage2NotWalked(engine: EngineContext, t: Transaction, ste: SteFields): TransactionResult {
  if (!engine.suppressEvents)
    engine.log({
      kind: 'note',
      text: `${steName(t)}: its stage 2 (S2AA64 = ${ste.s2Aa64}, S2TG = ${ste.s2Tg}, S2SL0 = ${ste.s2Sl0}, S2T0SZ = ${ste.s2T0sz}${t.secure ? ', or its S_S2TTB table' : ''}) is not a walk the model performs; the transaction is aborted without an event`,
      section: '5.2',
      severity: 'warning',
      code: 'walk.not-modelled',
    });
  return { outcome: 'abort', detail: `${steName(t)}: a stage 2 walk configuration the model does not perform (§5.2)` };
}

/**
 * A Secure stream's stage-2-only translation (Config 0b110, or S1DSS skipping stage 1): the IPA
 * space from STE.NSCFG or the input NS attribute selects the table (S_S2TTB or S2TTB) and the tags
 * of its entries; the result says which PA spaces the walk and the output use (§3.10.2.2).
 */
function secureStage2Only(engine: EngineContext, t: Transaction, ste: SteFields, vmid: number): TransactionResult {
  const space = bypassIpaSpace(engine, t, ste);
  const params = secureStage2Params(engine, ste, space);
  if (!params) return stage2NotWalked(engine, t, ste);
  const regime = stage2Regime(space);
  const walker = stage2Walker(engine, t, params, vmid, regime, stage2WalkSpace(engine, ste, space));
  const r = finishStage2Only(engine, t, ste, vmid, params, walker, regime);
  if (r.outcome !== 'translated') return r;
  return {
    ...r,
    detail: `${r.detail}; ${describeSecureStage2(ste, space, bypassIpaSpaceWhy(engine, t, ste))}`,
  };
}

/**
 * §5.2 STRW: 0b00 NS-EL1 ("NH"), 0b10 EL2, or EL2-E2H when SMMU_CR2.E2H is 1; STRW is IGNORED
 * (NS-EL1) unless the STE is stage 1-only and SMMU_IDR0.Hyp is 1 (IgnoreSTESTRW(), cd.ts
 * steStreamWorld). A Secure STE's StreamWorld: Secure, EL3, S-EL2 or S-EL2-E2H (secure-stage2.ts
 * secureRegime).
 */
function regimeOf(engine: EngineContext, ste: SteFields, secure = false): Regime {
  if (secure) return secureRegime(engine, ste);
  const sw = steStreamWorld(ste, engine.ids, engine.fieldNum(CR2_E2H) === 1 ? 1 : 0);
  return sw === 'NS-EL2' ? 'EL2' : sw === 'NS-EL2-E2H' ? 'EL2_E2H' : 'NH';
}

/**
 * The VMID a Non-secure stream's entries are tagged with (§5.2 S2VMID): STE.S2VMID with stage 2
 * implemented and StreamWorld NS-EL1; otherwise none (-1): "STE.S2VMID[15:0] is IGNORED and no VMID
 * tagging occurs when ... A Non-secure STE StreamWorld is not NS-EL1".
 */
function nsVmidOf(engine: EngineContext, ste: SteFields, regime: Regime): number {
  return engine.s2p && regime === 'NH' ? ste.s2Vmid : -1;
}

/**
 * The ASID a regime's entries are tagged with: none in any-EL2 and EL3, where the CD's ASID is
 * IGNORED (§5.4 ASID: "IGNORED if StreamWorld == any-EL2 or EL3"; §5.4.1: "EL2 has no ASIDs,
 * therefore multiple CDs represent the same (single) set of translations"), so every entry is
 * global (-1) and a lookup from any CD of the regime finds it. NS-EL1, Secure and any-EL2-E2H
 * entries carry CD.ASID ("ASID must tag all cached translations inserted using this CD through an
 * STE with StreamWorld == NS-EL1 or Secure or any-EL2-E2H").
 */
function asidOf(regime: Regime, cd: CdFields): number {
  return regime === 'EL2' || regime === 'S_EL2' || regime === 'EL3' ? -1 : cd.asid;
}

/** SMMU_CR2.E2H (§6.3.12), read at every translation that walks (regimeOf). */
const CR2_E2H = ref('CR2', 'E2H');
/** SMMU_S_CR0ACK.SMMUEN (§6.3.58): the Secure interface's translation enable. */
const SECURE_SMMUEN = SECURE.smmuen;
/** SMMU_S_GBPA.NSCFG (§6.3.63): the NS attribute of a Secure stream's global bypass. */
const S_GBPA_NSCFG = ref('S_GBPA', 'NSCFG');

/**
 * The PA space a Secure stream's bypassed transaction targets (§3.10.2): the NSCFG override
 * (0b10 Secure, 0b11 Non-secure) or, for 0b00 and the Reserved 0b01, the input NS attribute.
 */
function bypassNs(nscfg: number, t: Transaction): boolean {
  return nscfg === 0b11 ? true : nscfg === 0b10 ? false : t.ns === true;
}

function bypassPaSpace(nscfg: number, t: Transaction): string {
  return `${paSpaceName(bypassNs(nscfg, t))} (${nscfg >= 0b10 ? `NSCFG = 0b${nscfg.toString(2)}` : `the input NS attribute, ${t.ns ? 'Non-secure' : 'Secure'}`})`;
}

/** An instruction fetch (after INSTCFG, §13.1.4) that SMMU_S_CR0.SIF forbids in the Non-secure PA space. */
function sifForbids(engine: EngineContext, t: Transaction, ns: boolean): boolean {
  return ns && t.access.exec && !t.access.write && secureFetchFaults(engine);
}

/** §3.10.2, §6.3.63: SMMU_S_CR0.SMMUEN == 0: SMMU_S_GBPA aborts a Secure stream or bypasses it. */
function secureGlobalBypass(engine: EngineContext, t: Transaction): TransactionResult {
  if (engine.field(SECURE.gbpaAbort) === 1n)
    return {
      outcome: 'abort',
      detail:
        'SMMU_S_CR0.SMMUEN is 0 and SMMU_S_GBPA.ABORT is 1: the Secure stream transaction is aborted (no event, §6.3.63)',
    };
  const nscfg = engine.fieldNum(S_GBPA_NSCFG);
  const ns = bypassNs(nscfg, t);
  // §6.3.57 SIF: with SMMUEN == 0 the fetch is terminated with an abort and no F_PERMISSION.
  if (sifForbids(engine, t, ns))
    return {
      outcome: 'abort',
      detail: `SMMU_S_CR0.SMMUEN is 0 and the fetch would go to the ${bypassPaSpace(nscfg, t)}: ${SIF_WHY}; with SMMUEN == 0 it is aborted without an event`,
    };
  return {
    outcome: 'bypass',
    pa: t.address,
    detail: `SMMU_S_CR0.SMMUEN is 0: bypass with SMMU_S_GBPA attributes, to the ${bypassPaSpace(nscfg, t)} (§6.3.63)`,
    ns,
  };
}

/**
 * A Secure STE in stream bypass (Config 0b100, or stage 1 skipped by S1DSS == 0b01 without stage
 * 2, which behaves as Config 0b100): the output PA space comes from STE.NSCFG, which is RES0 (so
 * the input NS attribute is used) without SMMU_IDR1.ATTR_PERMS_OVR (§5.2 NSCFG). SMMU_S_CR0.SIF
 * makes a Non-secure instruction fetch a stage 1 F_PERMISSION (CLASS IN, S2 = 0), recorded when the
 * Event queue is writable and always terminated with an abort, whatever a CD says (§6.3.57).
 */
function secureStreamBypass(
  engine: EngineContext,
  t: Transaction,
  ste: SteFields,
  why: 'Config' | 'S1DSS' = 'Config',
): TransactionResult {
  const nscfg = caps.attrPermsOvr(engine.ids) ? ste.nscfg : 0;
  const ns = bypassNs(nscfg, t);
  const how =
    why === 'Config' ? 'Config is 0b100' : 'S1DSS is 0b01 (stage 1 skipped for traffic without a SubstreamID)';
  if (sifForbids(engine, t, ns))
    return abortWith(
      engine,
      t,
      'F_PERMISSION',
      { InputAddr: t.address, S2: 0, CLASS: 2 },
      `Secure STE ${t.sid}.${how}: the fetch would bypass to the ${bypassPaSpace(nscfg, t)}; ${SIF_WHY}`,
    ).fail;
  return {
    outcome: 'bypass',
    pa: t.address,
    detail: `Secure STE ${t.sid}.${how}: bypass to the ${bypassPaSpace(nscfg, t)} (§5.2 NSCFG)`,
    ns,
  };
}

/** Stage 2 translation of an IPA, through the walk cache (also for stage-1 table and CD fetches when nested). */
function stage2Walker(
  engine: EngineContext,
  t: Transaction,
  params: WalkParams | undefined,
  vmid: number,
  /** 'NH'; for a Secure stream the IPA space's tag (secure-stage2.ts stage2Regime). */
  regime: Regime = 'NH',
  /** The PA space its tables are read from: a Secure stream's S2SW or S2NSW (§3.10.2.2); else Non-secure. */
  space?: GuestMemory,
): (ipa: bigint, access: Access) => WalkResult {
  const s2Tags: WalkTags = { regime, vmid, asid: STAGE2_ONLY };
  const pick = space && space !== engine.memory ? () => space : undefined;
  return (ipa, access) => {
    if (!params) throw new Error('internal: stage 2 used without parameters');
    const mem = memoryFor(engine, 'stage-2', params.bigEndian, pick);
    const wc = walkCacheFor(engine, t, s2Tags, 2, params.bigEndian, mem);
    if (wc) mem.walkCache = wc;
    return walk(params, ipa, access, mem);
  };
}

/**
 * The CD a transaction of `t`'s substream uses (§5.2 S1CDMax, S1DSS): its index, 'bypass' when
 * stage 1 is skipped for traffic without a SubstreamID (S1DSS == 0b01), or the fault.
 */
function substreamOf(t: Transaction, ste: SteFields): number | 'bypass' | { event: EventName; why: string } {
  if (t.ssid !== undefined) {
    if (ste.s1CdMax === 0)
      return { event: 'C_BAD_SUBSTREAMID', why: `STE ${t.sid}.S1CDMax is 0: substreams are disabled` };
    if (t.ssid >= 2 ** ste.s1CdMax)
      return { event: 'C_BAD_SUBSTREAMID', why: `SubstreamID ${t.ssid} ≥ 2^S1CDMax (${2 ** ste.s1CdMax})` };
    if (t.ssid === 0 && ste.s1Dss === 0b10)
      return {
        event: 'F_STREAM_DISABLED',
        why: `STE ${t.sid}.S1DSS is 0b10: SubstreamID 0 is reserved for non-substream traffic`,
      };
    return t.ssid;
  }
  if (ste.s1CdMax === 0) return 0;
  if (ste.s1Dss === 0b00)
    return {
      event: 'F_STREAM_DISABLED',
      why: `STE ${t.sid}.S1DSS is 0b00: traffic without a SubstreamID is terminated`,
    };
  return ste.s1Dss === 0b01 ? 'bypass' : 0;
}

const TWO53 = 1n << 53n;
/** The ASID tag of stage-2-only entries: apart from stage 1 global entries (-1) of the same VMID. */
const STAGE2_ONLY = -2;

/** The cached rights allow the access; rights cached for the other privilege do not answer it. */
function permits(e: TlbEntry, a: Access): boolean {
  return e.priv === a.priv && (a.write ? e.w : e.r) && (!a.exec || e.x);
}

function checkStaleTranslation(
  engine: EngineContext,
  t: Transaction,
  hit: TlbEntry,
  pa: bigint,
  rewalk: () => { readonly pa: bigint; readonly entry?: { readonly ns?: boolean } } | { result: TransactionResult },
): void {
  const recording = engine.recording;
  engine.recording = false;
  let now: { readonly pa: bigint; readonly entry?: { readonly ns?: boolean } } | { result: TransactionResult };
  const events = engine.suppressEvents;
  engine.suppressEvents = true;
  try {
    now = rewalk();
  } finally {
    engine.recording = recording;
    engine.suppressEvents = events;
  }
  // A Secure stream's entry is also stale when only its PA space changed (NS, NSTable, §13.4.2).
  const space = (ns: boolean | undefined) => (ns === undefined ? '' : ` in the ${paSpaceName(ns)}`);
  const nowText =
    'pa' in now
      ? `map it to ${hex(now.pa, 64)}${space(now.entry?.ns)}`
      : `give ${now.result.outcome === 'abort' ? (now.result.event ?? 'an abort') : now.result.outcome}`;
  if (!('pa' in now) || now.pa !== pa || now.entry?.ns !== hit.ns) {
    const cmd = missingTlbi(hit.regime, hit.stages, hit.asid);
    engine.log({
      kind: 'stale',
      text: `stale TLB entry used for ${t.secure ? 'Secure ' : ''}StreamID ${t.sid} address ${hex(t.address, 64)}: the TLB still maps it to ${hex(pa, 64)}${'pa' in now && now.entry?.ns !== hit.ns ? space(hit.ns) : ''} but the page tables now ${nowText}; a ${cmd} then CMD_SYNC is missing`,
      section: '4.4',
      severity: 'warning',
      code: 'stale.tlb',
    });
  }
}

function locateCd(
  engine: EngineContext,
  t: Transaction,
  ste: SteFields,
  ssid: number,
  stage2: ((ipa: bigint, a: Access, w: boolean) => WalkResult) | undefined,
): CdFields | Fail {
  // A Secure stream's CDs are cached apart from the Non-secure stream's of the same StreamID (§3.10.2.1).
  const key = cdKey(t.sid, ssid, t.secure);
  const mem = t.secure ? secureCdSpace(engine, ste, stage2 !== undefined) : engine.memory;
  const cached = engine.configCache.cd.get(key);
  if (cached) {
    if (engine.checkStale && mem.differsFrom(cached.address, cached.words))
      reportStaleStructure(
        engine,
        'CD',
        `${t.secure ? 'Secure ' : ''}StreamID ${t.sid} SubstreamID ${ssid}`,
        cached.address,
        t.secure ? 'CMD_CFGI_CD (SSec = 1, on the Secure Command queue)' : 'CMD_CFGI_CD',
      );
    return cached.decoded as CdFields;
  }
  // CD addresses are IPAs when stage 2 is enabled (nested): translate them (§3.4.1, CLASS=CD).
  // Translation Hardening (§3.27.2): whether the CD and its L1CD come from AssuredOnly memory.
  let fromAssuredOnly = true;
  const toPa = (ipa: number, what: string): number | Fail => {
    if (!stage2) return ipa;
    const r = stage2(BigInt(ipa), { read: true, write: false, exec: false, priv: true, mmu: true }, true);
    if (r.ok) {
      fromAssuredOnly &&= r.assuredOnly === true;
      return Number(r.oa);
    }
    return s2FaultOn(engine, t, r, 'CD', what);
  };
  let cdIpa: number;
  const ptr = ste.s1ContextPtr;
  if (ste.s1Fmt === 0 || ste.s1CdMax === 0) {
    cdIpa = ptr + 64 * ssid;
  } else {
    const split = ste.s1Fmt === 1 ? 6 : 10; // 4 KB or 64 KB leaf tables (§5.2 S1Fmt)
    const l1Index = Math.floor(ssid / 2 ** split);
    const l1Key = cdKey(t.sid, l1Index, t.secure);
    let l2Ptr: number;
    const l1c = engine.configCache.l1cd.get(l1Key);
    if (l1c) {
      l2Ptr = l1c.decoded as number;
      fromAssuredOnly = fetchedFromAssuredOnly(l1c.words);
    } else {
      const l1Pa = toPa(ptr + 8 * l1Index, 'L1CD');
      if (isFail(l1Pa)) return l1Pa;
      const w = fetch(engine, `L1CD ${l1Index} of ${t.secure ? 'Secure ' : ''}StreamID ${t.sid}`, l1Pa, 2, mem);
      if (w === 'abort')
        return abortWith(
          engine,
          t,
          'F_CD_FETCH',
          { FetchAddr: l1Pa },
          `external abort fetching the L1CD at ${hex(BigInt(l1Pa), 64)}`,
        );
      const d = decodeL1cd(w);
      if (!d.valid)
        return abortWith(
          engine,
          t,
          'C_BAD_SUBSTREAMID',
          {},
          `L1CD ${l1Index} at ${hex(BigInt(l1Pa), 64)} has V == 0 (§5.3)`,
        );
      l2Ptr = d.l2Ptr;
      noteFetch(w, fromAssuredOnly);
      engine.configCache.l1cd.set(l1Key, {
        address: l1Pa,
        words: w,
        decoded: l2Ptr,
        seq: 0,
        secure: mem !== engine.memory,
      });
    }
    cdIpa = l2Ptr + 64 * (ssid % 2 ** split);
  }
  const cdPa = toPa(cdIpa, 'CD');
  if (isFail(cdPa)) return cdPa;
  const w = fetch(engine, `CD ${ssid} of ${t.secure ? 'Secure ' : ''}StreamID ${t.sid}`, cdPa, 16, mem);
  if (w === 'abort')
    return abortWith(
      engine,
      t,
      'F_CD_FETCH',
      { FetchAddr: cdPa },
      `external abort fetching CD ${ssid} at ${hex(BigInt(cdPa), 64)}`,
    );
  // The CD is judged with the STE that located it (StreamWorld, S1STALLD, stage 2 format, §5.4.1).
  // SMMU_S_CR2.E2H for a Secure stream (§5.2 STRW, Secure Stream table); EL3's CD rules (§5.4).
  const verdict = checkCd(w, engine.ids, {
    oas: engine.oas,
    ste,
    e2h: Number(engine.field(interfaceOf(t).e2h)),
    secure: t.secure === true,
  });
  if (!verdict.valid)
    return abortWith(
      engine,
      t,
      'C_BAD_CD',
      {},
      `CD ${ssid} of StreamID ${t.sid} at ${hex(BigInt(cdPa), 64)} has V == 0`,
    );
  if (verdict.illegal.length) {
    return abortWith(
      engine,
      t,
      'C_BAD_CD',
      {},
      `CD ${ssid} of StreamID ${t.sid} at ${hex(BigInt(cdPa), 64)} is ILLEGAL: ${verdict.illegal.map((p) => `${p.message} (§${p.section})`).join('; ')}`,
    );
  }
  const cd = decodeCd(w);
  noteFetch(cd, fromAssuredOnly);
  engine.configCache.cd.set(key, { address: cdPa, words: w, decoded: cd, seq: 0, secure: mem !== engine.memory });
  return cd;
}

/** A stage-2 fault while fetching a stage-1 structure (CD, L1CD, or a stage-1 table): CLASS=CD/TTD, S2=1. */
function s2FaultOn(engine: EngineContext, t: Transaction, f: WalkFault, cls: 'CD' | 'TTD', what: string): Fail {
  const ev = FAULT_EVENTS[f.kind];
  return abortWith(
    engine,
    t,
    ev,
    { S2: 1, CLASS: cls === 'CD' ? 0 : 1, InputAddr: t.address, IPA: f.ipa ?? 0n },
    `stage 2 ${f.message} while fetching the ${what} (IPA ${hex(f.ipa ?? 0n, 64)})`,
  );
}

type Stage2Fn = (ipa: bigint, a: Access, onS1Walk: boolean) => WalkResult;

export interface WalkDone {
  readonly pa: bigint;
  /** The stage 1 leaf, and the stage 2 leaf of its output when stage 2 translated it. */
  readonly leaf1: WalkOk;
  readonly leaf2: WalkOk | undefined;
  readonly global: boolean;
  readonly detail: string;
  readonly entry: Omit<TlbEntry, 'regime' | 'vmid' | 'asid' | 'sid' | 'ssid'>;
}

/**
 * E0PD (§5.4 CD.E0PD0, CD.E0PD1, SMMU_IDR3.E0PD; FEAT_E0PD in the A-profile architecture): an
 * unprivileged access (PnU = 0 after the STE's PRIVCFG override) to an address that TTBx
 * translates, with CD.E0PDx = 1, is a Translation fault (F_TRANSLATION) at level 0, as if the walk
 * had found an invalid entry, and no walk is made. The fields are RES0 (no effect) without
 * IDR3.E0PD, for VMSAv8-32 LPAE tables (CD.AA64 = 0 without SMMU_IDR5.D128), and in the EL2
 * (non-E2H) StreamWorld; they apply to EL1 and EL2-E2H. No TLB entry answers an unprivileged access
 * that a privileged one cached (TlbEntry.priv), so the fault does not depend on what the TLB holds;
 * an unprivileged entry exists only if a walk allowed it under E0PDx = 0, and the field is
 * "permitted to be cached in a TLB", so that entry is used until a TLB invalidation removes it.
 */
function e0pdPrevents(engine: EngineContext, t: Transaction, cd: CdFields, sel: 0 | 1, regime: Regime): boolean {
  if (t.access.priv || (sel === 0 ? cd.e0pd0 : cd.e0pd1) !== 1) return false;
  if (!caps.e0pd(engine.ids) || regime === 'EL2' || regime === 'S_EL2' || regime === 'EL3') return false;
  return cd.aa64 === 1 || caps.d128(engine.ids);
}

/** A fault of a stage 1 walk (or of the stage 2 of its output), with the CD's or STE's stall and record controls. */
function s1Fault(
  engine: EngineContext,
  t: Transaction,
  ste: SteFields,
  cd: CdFields,
  f: WalkFault,
  stage: 1 | 2,
  ipa?: bigint,
  cls = 2,
): { result: TransactionResult } {
  return faultResult(
    engine,
    t,
    f,
    stage,
    stage === 1 ? { r: cd.r, s: cd.s, a: cd.a } : { r: ste.s2R, s: ste.s2S, a: 1 },
    ipa,
    cls,
  );
}

/** A level 0 Translation fault found before any descriptor is read (walkStage1). */
function s1Level0(
  engine: EngineContext,
  t: Transaction,
  ste: SteFields,
  cd: CdFields,
  message: string,
): { result: TransactionResult } {
  return s1Fault(engine, t, ste, cd, { ok: false, kind: 'translation', stage: 1, level: 0, message }, 1);
}

/** Stage 1 (and stage 2 of its output, when nested) for a CD; faults become events per CD.R/S/A. */
function walkStage1(
  engine: EngineContext,
  t: Transaction,
  ste: SteFields,
  cd: CdFields,
  tags: WalkTags,
  stage2: Stage2Fn | undefined,
  s2Output = true,
): WalkDone | { result: TransactionResult } {
  const el3 = tags.regime === 'EL3';
  // §5.4: StreamWorld any-EL2 (not E2H) and EL3 have one translation table, TTB0, whose range alone
  // is valid (TTB1, T1SZ, TG1 … RES0; EPD0/EPD1 IGNORED), and all their accesses are privileged
  // (AP[1], APTable[0] and PXN unused, no nG: "all accesses are considered privileged").
  const single = el3 || tags.regime === 'EL2' || tags.regime === 'S_EL2';
  const sel = single ? singleTtb(t.address, cd) : selectTtb(t.address, cd.t0sz, cd.t1sz, cd.tbi);
  // Level 0 Translation faults without a walk, in the order of the A-profile AArch64.S1Translate:
  // the address outside both ranges, then E0PD, then EPDx, which disables walks on a TLB miss (§5.4).
  if (sel === 'fault') return s1Level0(engine, t, ste, cd, 'the address is outside both TTB0 and TTB1 ranges');
  if (e0pdPrevents(engine, t, cd, sel, tags.regime))
    return s1Level0(
      engine,
      t,
      ste,
      cd,
      `CD.E0PD${sel} is 1: an unprivileged access through TTB${sel} is a level 0 Translation fault, without a walk (E0PD, §5.4)`,
    );
  // §5.4 EPD0: IGNORED (effective 0) in any-EL2 and EL3.
  if (!single && (sel === 0 ? cd.epd0 : cd.epd1) === 1)
    return s1Level0(engine, t, ste, cd, `CD.EPD${sel} is 1: walks through TTB${sel} are disabled`);
  const base = cachedS1WalkParams(cd, sel, engine.ids, engine.oas, !!stage2, ste);
  if (!base) return s1Level0(engine, t, ste, cd, `reserved TG${sel} encoding`);
  const params = t.secure
    ? secureS1Params(base, cd, sel, single)
    : single
      ? { ...base, singlePrivilege: true, pan: false }
      : base;
  // A Secure stream's tables are in the PA space (without stage 2) or the IPA space (nested) the
  // walk's NS attribute names (CD.NSCFGx, then NSTable, §3.10.2, §13.4.2); a nested table's PA
  // space is then what the stage 2 of that IPA space outputs to (§3.10.2.2). Non-secure: one space.
  const tables = t.secure ? secureStage1Tables(engine, t, ste, tags, stage2) : undefined;
  const mem = memoryFor(engine, 'stage-1', params.bigEndian, tables?.pick);
  const wc = walkCacheFor(engine, t, tags, 1, params.bigEndian, mem);
  if (wc) mem.walkCache = wc;
  let s2OnWalk: WalkFault | undefined;
  const assured = stage2 ? new AssuredWalk(assuredOnlyEnabled(engine.ids, ste), params, ste, cd, sel) : undefined;
  if (stage2 && assured) {
    // A descriptor read is a read at stage 2; a hardware update of it (HA, HD, HAFT) an atomic
    // read-modify-write, which "the stage 2 mapping for its IPA must allow" (§3.13.5).
    mem.tableAddress = (ipa, write, steps, ns) => {
      const s2 = tables ? tables.stage2For(ns) : stage2;
      if (!s2) return stage2NotWalkedFault(ipa);
      const r = s2(ipa, { ...assured.walkAccess(write === true, steps), mmu: true }, true);
      if (r.ok) {
        assured.translated(r);
        return r.oa;
      }
      s2OnWalk = r;
      return r;
    };
  }
  const r1 = walk(params, t.address, t.access, mem);
  if (tables?.notWalked) return { result: stage2NotWalked(engine, t, ste) };
  if (!r1.ok) {
    if (s2OnWalk || r1.s2OnS1Walk) return s1Fault(engine, t, ste, cd, s2OnWalk ?? r1, 2, (s2OnWalk ?? r1).ipa, 1);
    return s1Fault(engine, t, ste, cd, r1, 1);
  }
  // SMMU_S_CR0.SIF: a Non-secure stage 1 output loses execute permission (§3.26, §6.3.57).
  const sif = r1.ns === true && secureFetchFaults(engine);
  if (sif && t.access.exec && !t.access.write)
    return s1Fault(
      engine,
      t,
      ste,
      cd,
      {
        ok: false,
        kind: 'permission',
        stage: 1,
        level: r1.level,
        message: `${SIF_WHY} (the level ${r1.level} descriptor at ${hex(r1.descriptorAddress, 64)} maps it to the ${paSpaceName(true)})`,
        leaf: { oa: r1.oa, size: r1.size, perms: { ...r1.perms, x: false } },
      },
      1,
    );
  let pa = r1.oa;
  let log2 = log2Of(r1.size);
  let ipaPage: number | undefined;
  let perms = sif ? { r: r1.perms.r, w: r1.perms.w, x: false } : r1.perms;
  let level = r1.level;
  let leaf2: WalkOk | undefined;
  // An ATOS stage 1 lookup of a nested stream stops at the IPA (§9.1.4): no stage 2 of the output.
  // §3.10.2.2: a Secure stream's stage 1 output that stage 1 made Non-secure (NS, NSTable,
  // CD.NSCFGx) is an IPA of the Non-secure IPA space, translated through STE.S2TTB and tagged
  // apart ('S_NSIPA'); its final PA space is what that space's S2NSW/S2NSA rules give.
  let outSpace: IpaSpace | undefined;
  if (stage2 && s2Output && t.secure) outSpace = r1.ns === true ? 'non-secure' : 'secure';
  let s2Out = stage2;
  if (stage2 && outSpace === 'non-secure') {
    s2Out = tables?.stage2For(true);
    if (!s2Out) return { result: stage2NotWalked(engine, t, ste) };
  }
  if (s2Out && s2Output) {
    const r2 = s2Out(r1.oa, assured ? assured.outputAccess(t.access, r1.steps) : t.access, false);
    if (!r2.ok) return s1Fault(engine, t, ste, cd, r2, 2, r1.oa);
    pa = r2.oa;
    ipaPage = Number(r1.oa >> 12n);
    log2 = Math.min(log2, log2Of(r2.size));
    perms = { r: perms.r && r2.perms.r, w: perms.w && r2.perms.w, x: perms.x && r2.perms.x };
    level = Math.max(level, r2.level);
    leaf2 = r2;
  }
  const vaPage12 = Number(t.address >> 12n);
  const blockPa = Number(pa) - (Number(pa) % (POW2[log2] as number));
  const entry = {
    stages: (stage2 ? 12 : 1) as 1 | 12,
    log2,
    page: Math.floor(vaPage12 / 2 ** (log2 - 12)),
    oa: blockPa,
    r: perms.r,
    w: perms.w,
    x: perms.x,
    priv: t.access.priv,
    seq: engine.activity.length,
    level,
    // Always present (undefined when not nested) so every entry has the same shape.
    ipa: ipaPage,
    ns: outSpace ? secureStage2Spaces(ste, outSpace).output !== 'secure' : r1.ns,
  };
  return {
    pa,
    leaf1: r1,
    leaf2,
    global: !r1.nG,
    detail: walkDetail(stage2 !== undefined, r1.level, log2Of(r1.size), r1.size),
    entry,
  };
}

/**
 * Where a Secure stream's stage 1 tables are read: `pick` gives the PA space of each descriptor
 * access from the table's NS attribute; when nested (`stage2` given), `stage2For(ns)` is the stage
 * 2 of the IPA space that NS names (S_S2TTB for Secure, S2TTB for Non-secure, §3.10.2.2: "a
 * stage 1 output of a Secure stream targeting Non-secure IPA space", and a table address is a
 * stage 1 table walk's IPA in the same way), and `pick` the PA space that stage 2 outputs to.
 * `notWalked` is set when S2TTB is needed but is not a walk the model performs.
 */
function secureStage1Tables(
  engine: EngineContext,
  t: Transaction,
  ste: SteFields,
  tags: WalkTags,
  stage2: Stage2Fn | undefined,
): { pick: PickSpace; stage2For: (ns: boolean | undefined) => Stage2Fn | undefined; notWalked: boolean } {
  const memory = engine.memory;
  if (!stage2) return { pick: (ns) => memory.space(ns === true), stage2For: () => undefined, notWalked: false };
  let nonSecure: Stage2Fn | undefined;
  let last: GuestMemory = memory.space(secureStage2Spaces(ste, 'secure').output === 'non-secure');
  const self = {
    notWalked: false,
    pick: () => last,
    stage2For: (ns: boolean | undefined): Stage2Fn | undefined => {
      const space: IpaSpace = ns === true ? 'non-secure' : 'secure';
      last = memory.space(secureStage2Spaces(ste, space).output === 'non-secure');
      if (space === 'secure') return stage2;
      if (!nonSecure) {
        const p = secureStage2Params(engine, ste, 'non-secure');
        if (!p) {
          self.notWalked = true;
          return undefined;
        }
        nonSecure = stage2Walker(
          engine,
          t,
          p,
          tags.vmid,
          stage2Regime('non-secure'),
          stage2WalkSpace(engine, ste, 'non-secure'),
        );
      }
      return nonSecure;
    },
  };
  return self;
}

/** The fault a nested table read returns when its stage 2 is not walked (secureStage1Tables.notWalked reports it). */
function stage2NotWalkedFault(ipa: bigint): WalkFault {
  return { ok: false, kind: 'translation', stage: 2, level: 0, message: 'stage 2 not walked', ipa };
}

/**
 * The PA space of a Secure stream's CDs and L1CDs (§3.10.2: "treated as Secure physical addresses"
 * without Secure stage 2; with it, Secure IPAs, so the PA space the Secure IPA space outputs to,
 * §3.10.2.2).
 */
function secureCdSpace(engine: EngineContext, ste: SteFields, nested: boolean): GuestMemory {
  return engine.memory.space(nested && secureStage2Spaces(ste, 'secure').output === 'non-secure');
}

/** The PA space the stage 2 tables of a Secure stream's IPA space are read from (S2SW, S2NSW, §3.10.2.2). */
function stage2WalkSpace(engine: EngineContext, ste: SteFields, space: IpaSpace): GuestMemory {
  return engine.memory.space(secureStage2Spaces(ste, space).walk === 'non-secure');
}

/** The single VA range of the any-EL2 and EL3 regimes (TTB0; TBI0 only): 0, or 'fault' outside it. */
function singleTtb(va: bigint, cd: CdFields): 0 | 'fault' {
  return inputRangeOk(va & ((1n << 64n) - 1n), cd.t0sz, { tbi: (cd.tbi & 1) === 1 }) ? 0 : 'fault';
}

/**
 * A Secure stream's stage 1 walk: it starts in the PA space CD.NSCFG0 / NSCFG1 select and applies
 * NSTable and NS (§13.4.2, §5.4 NSCFG0); in the EL3 regime it has one privilege level (AP[1],
 * APTable[0] and PXN unused, no nG, §3.3.3, §5.4 "StreamWorld == EL3").
 */
function secureS1Params(p: WalkParams, cd: CdFields, sel: 0 | 1, single: boolean): WalkParams {
  const startNs = (sel === 0 ? cd.nscfg0 : cd.nscfg1) === 1;
  return single ? { ...p, startNs, singlePrivilege: true, pan: false } : { ...p, startNs };
}

/** SMMU_S_CR0ACK.SIF (§6.3.57, §6.3.58): Secure streams' Non-secure instruction fetches fault. */
const S_SIF = ref('S_CR0ACK', 'SIF');
const SIF_WHY =
  'SMMU_S_CR0.SIF is 1: an instruction fetch from a Secure stream whose output is in the Non-secure PA space is a Permission fault (§6.3.57)';

function secureFetchFaults(engine: EngineContext): boolean {
  return engine.fieldNum(S_SIF) === 1;
}

function log2Of(size: bigint): number {
  // floor(log2(size)) from the leading zeros of its 32-bit halves: a BigInt shift per bit was a
  // dozen BigInt operations per walk in a cold check's baseline code. Leaf sizes are below 2^64.
  if (size <= 0xffff_ffffn) return size <= 1n ? 0 : 31 - Math.clz32(Number(size));
  if (size < 1n << 64n) return 63 - Math.clz32(Number(size >> 32n));
  let n = 0;
  let s = size;
  while (s > 1n) {
    s >>= 1n;
    n++;
  }
  return n;
}

/** walkStage1's detail texts, by stages, leaf level and leaf size: made once each, not per walk. */
const WALK_DETAILS = new Map<number, string>();

function walkDetail(stage2: boolean, level: number, log2: number, size: bigint): string {
  const key = (stage2 ? 10_000 : 0) + (level + 1) * 100 + log2;
  let text = WALK_DETAILS.get(key);
  if (text === undefined) {
    text = `stage 1${stage2 ? ' + stage 2' : ''} walk, level ${level} ${size >= 4096n ? `${Number(size) / 1024} KB` : ''} leaf`;
    WALK_DETAILS.set(key, text);
  }
  return text;
}

/**
 * Stage-2-only configurations (Config 0b110, or stage 1 bypassed by S1DSS): the input is an IPA;
 * entries are tagged with the VMID only.
 */
function finishStage2Only(
  engine: EngineContext,
  t: Transaction,
  ste: SteFields,
  vmid: number,
  params: WalkParams | undefined,
  stage2: Stage2Fn,
  regime: Regime = 'NH',
  assuredOnlyCheck = true,
): TransactionResult {
  if (!params) return { outcome: 'bypass', pa: t.address, detail: 'stage 1 bypassed and stage 2 not enabled' };
  if (t.ssid !== undefined && (ste.config & 1) === 0) {
    return abortWith(engine, t, 'C_BAD_SUBSTREAMID', {}, `STE ${t.sid} has no stage 1: SubstreamIDs are not allowed`)
      .fail;
  }
  const vaPage12 = Number(t.address >> 12n);
  const uncached = overlayUncached(params);
  const hit = uncached ? undefined : engine.tlb.lookup(regime, vmid, STAGE2_ONLY, vaPage12);
  if (hit && hit.stages === 2 && permits(hit, t.access)) {
    const pa = BigInt(hit.oa + (vaPage12 % 2 ** (hit.log2 - 12)) * 4096) + (t.address & 0xfffn);
    if (engine.checkStale)
      checkStaleTranslation(engine, t, hit, pa, () => {
        const now = stage2(t.address, t.access, false);
        return now.ok
          ? { pa: now.oa }
          : { result: { outcome: 'abort', event: FAULT_EVENTS[now.kind], detail: now.message } };
      });
    return { outcome: 'translated', pa, via: 'tlb', detail: 'TLB hit (stage 2)' };
  }
  // Stage 1 bypassed: no Assured Translation, so an AssuredOnly page faults (§3.27.2 note).
  const access = assuredOnlyCheck ? bypassAccess(engine.ids, ste, t.access) : t.access;
  const r = stage2(t.address, access, false);
  if (!r.ok) return faultResult(engine, t, r, 2, { r: ste.s2R, s: ste.s2S, a: 1 }, t.address, 2).result;
  if (uncached) return { outcome: 'translated', pa: r.oa, via: 'walk', detail: `stage 2 walk, level ${r.level} leaf` };
  const log2 = log2Of(r.size);
  // The TLB keeps no AssuredOnly attribute: a leaf that only a skipped check let through (Split-stage
  // ATS) is not cached, so a later stage 1 bypass walks again and is checked (§3.27.2).
  if (r.assuredOnly && !assuredOnlyCheck)
    return { outcome: 'translated', pa: r.oa, via: 'walk', detail: `stage 2 walk, level ${r.level} leaf` };
  engine.tlb.insert({
    regime,
    vmid,
    asid: STAGE2_ONLY,
    stages: 2,
    log2,
    page: Math.floor(vaPage12 / 2 ** (log2 - 12)),
    oa: Number(r.oa) - (Number(r.oa) % 2 ** log2),
    r: r.perms.r,
    w: r.perms.w,
    x: r.perms.x,
    priv: t.access.priv,
    sid: t.sid,
    ssid: 0,
    seq: engine.activity.length,
    level: r.level,
    ipa: undefined,
    ns: undefined,
  });
  return { outcome: 'translated', pa: r.oa, via: 'walk', detail: `stage 2 walk, level ${r.level} leaf` };
}

/**
 * The IPA bits a fault record holds (IPA[55:12], §7.3.13; from the event table). Without stage 1
 * the input address is the IPA, and a transaction's 64-bit address may have bits above 55, which
 * fault the walk (beyond the stage 2 input range) and have no place in the record: InputAddr keeps
 * the whole address.
 */
function recordedIpaMask(event: EventName): bigint {
  const f = getEvent(event).fields.find((x) => x.name === 'IPA');
  return f ? (1n << BigInt(f.msb - f.lsb + 1 + (f.addrShift ?? 0))) - 1n : (1n << 64n) - 1n;
}

/**
 * A translation fault under the §5.5 fault configuration: with S (stall) the transaction stalls
 * and the event carries Stall=1 and a STAG; otherwise it terminates, the event is recorded when
 * R is 1, and the client sees an abort (A == 1) or RAZ/WI (A == 0).
 */
function faultResult(
  engine: EngineContext,
  t: Transaction,
  f: WalkFault,
  stage: 1 | 2,
  cfg: { r: number; s: number; a: number },
  ipa: bigint | undefined,
  cls: number,
): { result: TransactionResult } {
  const event = FAULT_EVENTS[f.kind];
  const fields: EventFields = {
    ...accessFields(t),
    InputAddr: t.address,
    S2: stage === 2 ? 1 : 0,
    CLASS: cls,
    ...(ipa !== undefined && stage === 2 ? { IPA: ipa & recordedIpaMask(event) } : {}),
  };
  const detailText = `${event} at stage ${stage}, level ${f.level}: ${f.message}`;
  // An ATOS lookup ignores the fault configuration (A, R, S): no stall, no event, a fault (§9).
  if (engine.atosRun) {
    recordEvent(engine, event, fields, detailText, stateOf(t));
    return { result: { outcome: 'abort', event, detail: detailText } };
  }
  // The stall model of the stream's interface: SMMU_S_IDR0.STALL_MODEL for a Secure stream (§6.3.52).
  const stallModel = stallModelOf(stateOf(t), engine.ids) ?? 1;
  const stalls =
    // An ATS Translation Request never stalls: its faults are answered with R == W == 0 (§3.9.1.2).
    !engine.suppressEvents &&
    engine.ats !== 'request' &&
    f.kind !== 'walkEabt' &&
    stallModel !== 1 &&
    (cfg.s === 1 || stallModel === 2);
  const detail = detailText;
  if (stalls) {
    const stag = engine.stall(t);
    recordEvent(engine, event, { ...fields, Stall: 1, STAG: stag }, detail, stateOf(t));
    return {
      result: {
        outcome: 'stalled',
        event,
        stag,
        detail: `${detail}; the transaction is stalled (STAG ${stag}) until CMD_RESUME or CMD_STALL_TERM`,
      },
    };
  }
  // F_WALK_EABT is always recorded; other terminated faults only when R == 1 (§5.5).
  if (cfg.r === 1 || f.kind === 'walkEabt') recordEvent(engine, event, fields, detail, stateOf(t));
  if (cfg.a === 0 && f.kind !== 'walkEabt')
    return {
      result: { outcome: 'raz-wi', event, detail: `${detail}; CD.A is 0: reads return zero, writes are ignored` },
    };
  return { result: { outcome: 'abort', event, detail } };
}

/** CMD_PREFETCH_CONFIG: fetch the STE (and CD) into the configuration cache; errors are not reported (§4.2.1). */
export function prefetchConfig(engine: EngineContext, sid: number, ssid: number): void {
  if (!engine.smmuEnabled()) return;
  const events = engine.suppressEvents;
  engine.suppressEvents = true;
  try {
    const t: Transaction = { sid, address: 0n, access: { read: true, write: false, exec: false, priv: false } };
    const s = locateSte(engine, t);
    if (!isFail(s) && (s.config & 3) === 1) locateCd(engine, t, s, ssid, undefined);
  } finally {
    engine.suppressEvents = events;
  }
}

// --- what the ATS paths need (ats.ts) -------------------------------------------------------

/**
 * The STE of `t`'s stream as a transaction finds it (stream table, configuration cache, validity
 * checks), or the failed transaction's result with the event the lookup recorded. ATS Translation
 * Requests and Translated transactions look the STE up the same way and differ only in what they
 * do with it (§3.9.1.2, §3.9.1.3).
 */
export function streamEntry(engine: EngineContext, t: Transaction): SteFields | { readonly fail: TransactionResult } {
  return locateSte(engine, t);
}

/**
 * The substream checks a Translated transaction meets after its STE's EATS (§3.9.1.3, priorities
 * 6 to 9): F_STREAM_DISABLED for a stage 1 stream's traffic the STE disables, and, for one that
 * carries a PASID (SMMU_IDR3.PASIDTT), C_BAD_SUBSTREAMID and the fetch and check of its CD
 * (through stage 2 when nested). The CD is fetched only to be checked: the Translated address is
 * not translated at stage 1. Undefined when the transaction passes them.
 */
export function translatedSubstreamChecks(
  engine: EngineContext,
  t: Transaction,
  ste: SteFields,
): TransactionResult | undefined {
  if ((ste.config & 1) === 0)
    return t.ssid === undefined
      ? undefined
      : abortWith(engine, t, 'C_BAD_SUBSTREAMID', {}, `STE ${t.sid} has no stage 1: SubstreamIDs are not allowed`).fail;
  const sub = substreamOf(t, ste);
  if (typeof sub === 'object') return abortWith(engine, t, sub.event, {}, sub.why).fail;
  if (sub === 'bypass' || t.ssid === undefined) return undefined;
  const params = (ste.config & 2) === 2 ? s2Params(engine, ste) : undefined;
  const stage2 = params
    ? (ipa: bigint, access: Access): WalkResult =>
        walk(params, ipa, access, memoryFor(engine, 'stage-2', params.bigEndian))
    : undefined;
  const cd = locateCd(engine, t, ste, sub, stage2);
  return isFail(cd) ? cd.fail : undefined;
}

/**
 * Stage 2 alone for an IPA from `t`'s stream: a Translated transaction of a Split-stage ATS stream
 * (STE.EATS == 0b10) carries an IPA that the SMMU translates at stage 2, with the faults and events
 * of an ordinary transaction (§3.9.1.3, §13.6.3).
 */
export function translateStage2(engine: EngineContext, t: Transaction, ste: SteFields): TransactionResult {
  const vmid = engine.s2p ? ste.s2Vmid : -1;
  const params = s2Params(engine, ste);
  const stage2 = (ipa: bigint, access: Access): WalkResult => {
    if (!params) throw new Error('internal: stage 2 used without parameters');
    return walk(params, ipa, access, memoryFor(engine, 'stage-2', params.bigEndian));
  };
  // §3.27.2: a Split-stage ATS Translated transaction ignores AssuredOnly.
  return finishStage2Only(engine, t, ste, vmid, params, stage2, 'NH', false);
}

/**
 * The stage 1 output (an IPA) of `t` on a nested stream, for the completion of a Split-stage ATS
 * Translation Request (§13.6.3: it returns the IPA, the permissions being those of both stages).
 * Walked without the TLB and without events or descriptor updates (the caller has translated the
 * request already, with its events and flag updates); undefined when the walk does not complete.
 * Stage 1 skipped for traffic without a SubstreamID (S1DSS == 0b01) returns the input (§13.6.5).
 */
export function stage1Ipa(engine: EngineContext, t: Transaction): bigint | undefined {
  const events = engine.suppressEvents;
  const recording = engine.recording;
  engine.suppressEvents = true;
  engine.recording = false;
  try {
    const ste = locateSte(engine, t);
    if (isFail(ste) || (ste.config & 0b111) !== 0b111) return undefined;
    if (t.ssid === undefined && ste.s1CdMax > 0 && ste.s1Dss === 0b01) return t.address;
    const params = s2Params(engine, ste);
    if (!params) return undefined;
    const stage2 = (ipa: bigint, access: Access): WalkResult =>
      walk(params, ipa, access, memoryFor(engine, 'stage-2', params.bigEndian));
    const cd = locateCd(engine, t, ste, t.ssid ?? 0, stage2);
    if (isFail(cd)) return undefined;
    // The same tags as the request's translation (translateFull), so the walk cache answers alike.
    const regime = regimeOf(engine, ste);
    const tags: WalkTags = { regime, vmid: nsVmidOf(engine, ste, regime), asid: asidOf(regime, cd) };
    const r = walkStage1(engine, t, ste, cd, tags, stage2);
    if ('result' in r || r.entry.ipa === undefined) return undefined;
    return BigInt(r.entry.ipa) * 4096n + (t.address & 0xfffn);
  } finally {
    engine.suppressEvents = events;
    engine.recording = recording;
  }
}

// --- what an Address Translation Operation needs (atos.ts) ---------------------------------

/**
 * The walks of `t`'s stream as an ATOS lookup makes them (§9): the same CD fetch, stage 1 and
 * stage 2 walks (with the walk cache and hardware flag updates) as a transaction, without the
 * TLB. Faults come back as the failed transaction's result; the caller has set engine.atosRun, so
 * they record no event and never stall.
 */
export interface AtosWalks {
  /** Substream selection (§5.2): the CD index, 'bypass' (S1DSS == 0b01) or the fault. */
  readonly substream: number | 'bypass' | { readonly event: EventName; readonly why: string };
  /** Stage 2 of an IPA with the stream's VMID (undefined when the STE has no stage 2 walk the model performs). */
  readonly stage2: ((ipa: bigint, access: Access) => WalkResult) | undefined;
  /** The CD of `ssid`, fetched through stage 2 when the stream is nested. */
  cd(ssid: number): CdFields | { readonly fail: TransactionResult };
  /** Stage 1 of t.address with `cd`, and stage 2 of its output when `s2Output` and nested. */
  stage1(cd: CdFields, s2Output: boolean): WalkDone | { readonly result: TransactionResult };
}

export function atosWalks(engine: EngineContext, t: Transaction, ste: SteFields): AtosWalks {
  const regime = regimeOf(engine, ste);
  const vmid = nsVmidOf(engine, ste, regime);
  const nested = (ste.config & 2) === 2;
  const params = nested ? s2Params(engine, ste) : undefined;
  const stage2 = params ? stage2Walker(engine, t, params, vmid) : undefined;
  return {
    substream: substreamOf(t, ste),
    stage2,
    cd: (ssid) => locateCd(engine, t, ste, ssid, stage2),
    stage1: (cd, s2Output) =>
      walkStage1(engine, t, ste, cd, { regime, vmid, asid: asidOf(regime, cd) }, stage2, s2Output),
  };
}
