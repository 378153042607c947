/**
 * MPAM attributes of client transactions (§17.2) and the VMS that maps a nested stream's virtual
 * PARTIDs (§5.6). Applied after the translation: §7.3.20 leaves the point at which the VMS is
 * fetched, relative to the rest of the configuration walk and translation, unspecified, so a
 * transaction that faulted earlier never reaches the VMS, and one that completed may still end in
 * F_VMS_FETCH.
 *
 * Only the Non-secure state is modelled: the Secure MPAM registers (SMMU_S_MPAMIDR, SMMU_S_GMPAM,
 * SMMU_S_GBPMPAM) are not, so a Secure stream's transactions carry no MPAM attributes here.
 */
import { hex } from '../registers/codec';
import { bits } from '../layout/access';
import * as caps from '../structures/capabilities';
import type { SteFields } from '../structures/ste';
import { cdKey, steKey } from './config-cache';
import type { EngineContext, Transaction } from './context';
import type { MpamAttrs } from './mpam-attrs';
import { ref } from './registers';
import { abortWith, reportStaleStructure, fetch as fetchStructure, type TransactionResult } from './transaction';

const PARTID_MAX = ref('MPAMIDR', 'PARTID_MAX');
const PMG_MAX = ref('MPAMIDR', 'PMG_MAX');
const GBP_PARTID = ref('GBPMPAM', 'GBP_PARTID');
const GBP_PMG = ref('GBPMPAM', 'GBP_PMG');

/** VMS.PARTID_MAP: 32 16-bit little-endian PARTIDs, bits [511:0] of the 4 KB VMS (§5.6). */
const PARTID_MAP_WORDS = 16;

/**
 * §17.1: MPAM is supported for the Non-secure state when SMMU_IDR3.MPAM == 1 and
 * SMMU_MPAMIDR.PARTID_MAX or PMG_MAX is not zero.
 */
function nonSecureMpam(engine: EngineContext): boolean {
  return mpamImplemented(engine.ids) && (engine.fieldNum(PARTID_MAX) !== 0 || engine.fieldNum(PMG_MAX) !== 0);
}

/**
 * SMMU_IDR3.MPAM of an ID view, asked once per view: it is asked on every completed transaction,
 * and the ID registers do not change while a view lives (a new configuration makes a new view).
 */
const implemented = new WeakMap<object, boolean>();
function mpamImplemented(ids: EngineContext['ids']): boolean {
  let v = implemented.get(ids);
  if (v === undefined) implemented.set(ids, (v = caps.mpam(ids)));
  return v;
}

/** Whether a completed transaction on `ste` went through stage 1 (§5.2 S1DSS: a bypassed stage 1 uses the STE's IDs). */
function stage1Substream(t: Transaction, ste: SteFields): number | undefined {
  if ((ste.config & 1) === 0) return undefined;
  if (t.ssid !== undefined) return t.ssid;
  if (ste.s1CdMax === 0) return 0;
  return ste.s1Dss === 0b01 ? undefined : 0;
}

/**
 * The transaction's result with its MPAM attributes, or an F_VMS_FETCH abort. Only a transaction
 * that reaches memory (translated, bypass) carries them; others are returned unchanged.
 */
export function withMpam(engine: EngineContext, t: Transaction, r: TransactionResult): TransactionResult {
  if ((r.outcome !== 'translated' && r.outcome !== 'bypass') || t.secure === true || !nonSecureMpam(engine)) return r;
  const a = mpamOf(engine, t);
  if (a === undefined) return r;
  if ('fail' in a) return a.fail;
  const text = `MPAM PARTID ${a.partid}, PMG ${a.pmg} from ${a.from === 'VMS' ? 'the VMS PARTID_MAP and CD.PMG' : a.from === 'SMMU_GBPMPAM' ? 'SMMU_GBPMPAM' : `${a.from}.PARTID and ${a.from}.PMG`} (§17.2)`;
  return { ...r, detail: `${r.detail}; ${text}`, mpam: a };
}

function mpamOf(engine: EngineContext, t: Transaction): MpamAttrs | { readonly fail: TransactionResult } | undefined {
  const partidMax = engine.fieldNum(PARTID_MAX);
  const pmgMax = engine.fieldNum(PMG_MAX);
  const unknown = (what: string, v: number, max: number, name: string, section: string): number | 'UNKNOWN' => {
    if (v <= max) return v;
    if (!engine.suppressEvents)
      engine.log({
        kind: 'note',
        text: `${what} is ${v}, above SMMU_MPAMIDR.${name} (${max}): the SMMU uses an UNKNOWN ${name === 'PMG_MAX' ? 'PMG' : 'PARTID'}`,
        section,
        severity: 'warning',
        code: 'mpam.unknown',
      });
    return 'UNKNOWN';
  };
  // §17.2 step 1: with SMMUEN == 0 the transaction bypasses with SMMU_GBPMPAM's IDs (§6.3.43).
  if (!engine.smmuEnabled())
    return {
      partid: unknown('SMMU_GBPMPAM.GBP_PARTID', engine.fieldNum(GBP_PARTID), partidMax, 'PARTID_MAX', '6.3.43'),
      pmg: unknown('SMMU_GBPMPAM.GBP_PMG', engine.fieldNum(GBP_PMG), pmgMax, 'PMG_MAX', '6.3.43'),
      from: 'SMMU_GBPMPAM',
    };
  // The transaction completed, so its STE (and CD) were fetched and cached (transaction.ts).
  const ste = engine.configCache.ste.get(steKey(t.sid))?.decoded as SteFields | undefined;
  if (ste === undefined) return undefined;
  const fromSte = (): MpamAttrs => ({
    partid: unknown(`STE ${t.sid}.PARTID`, ste.partid, partidMax, 'PARTID_MAX', '5.2'),
    pmg: unknown(`STE ${t.sid}.PMG`, ste.pmg, pmgMax, 'PMG_MAX', '5.2'),
    from: 'STE',
  });
  // The table of §17.2: Config 0b100 and 0b110, S1MPAM == 0, and a bypassed stage 1 (§5.2 S1MPAM:
  // IGNORED when stage 1 is not performed) take STE.PARTID and STE.PMG.
  const ssid = stage1Substream(t, ste);
  if (ssid === undefined || ste.s1Mpam === 0) return fromSte();
  const cd = engine.configCache.cd.get(cdKey(t.sid, ssid));
  if (cd === undefined) return undefined;
  const cdPartid = bits(cd.words, 367, 352);
  const cdPmg = bits(cd.words, 375, 368);
  const pmg = unknown(`CD ${ssid} of StreamID ${t.sid}: PMG`, cdPmg, pmgMax, 'PMG_MAX', '5.4');
  if (ste.config === 0b101)
    return {
      partid: unknown(`CD ${ssid} of StreamID ${t.sid}: PARTID`, cdPartid, partidMax, 'PARTID_MAX', '5.4'),
      pmg,
      from: 'CD',
    };
  // Nested, S1MPAM == 1: CD.PARTID[4:0] is a virtual PARTID, bits [15:5] RES0 (§5.4 PARTID),
  // mapped through the VMS that STE.VMSPtr locates (§5.6). STE.VMSPtr is enabled only when
  // PARTID_MAX != 0 (§5.2 VMSPtr); without it the table of §17.2 has no PARTID to give.
  if (partidMax === 0) return { partid: 0, pmg, from: 'CD' };
  const map = partidMap(engine, t, ste);
  if ('fail' in map) return map;
  const v = cdPartid & 0x1f;
  const word = map[v >> 1] as number;
  const physical = (v & 1) === 1 ? word >>> 16 : word & 0xffff;
  return {
    partid: unknown(`VMS PARTID_MAP[${v}] of STE ${t.sid}`, physical, partidMax, 'PARTID_MAX', '5.6'),
    pmg,
    from: 'VMS',
  };
}

/**
 * The PARTID_MAP of the stream's VMS, from the separate PARTID_MAP cache indexed by VMID (§5.6.2),
 * which only CMD_CFGI_VMS_PIDM and CMD_CFGI_ALL invalidate; or an F_VMS_FETCH abort (§7.3.20).
 * Multiple STEs of one VMID must point to the same VMS (§5.6), so the VMID is the key.
 */
function partidMap(engine: EngineContext, t: Transaction, ste: SteFields): Uint32Array | { fail: TransactionResult } {
  const key = ste.s2Vmid;
  const cached = engine.configCache.vms.get(key);
  if (cached) {
    if (engine.checkStale && engine.memory.differsFrom(cached.address, cached.words))
      reportStaleStructure(
        engine,
        'VMS',
        `VMID ${key} (STE ${t.sid}.VMSPtr)`,
        cached.address,
        `CMD_CFGI_VMS_PIDM (VMID ${key})`,
        '5.6.2',
      );
    return cached.words;
  }
  const addr = ste.vmsPtr;
  const w = fetchStructure(engine, `VMS of STE ${t.sid}`, addr, PARTID_MAP_WORDS);
  if (w === 'abort')
    return abortWith(
      engine,
      t,
      'F_VMS_FETCH',
      { FetchAddr: addr },
      `external abort fetching the VMS of STE ${t.sid} at ${hex(BigInt(addr), 64)}`,
    );
  engine.configCache.vms.set(key, { address: addr, words: w, decoded: undefined, seq: 0 });
  return w;
}
