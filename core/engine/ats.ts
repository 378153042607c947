/**
 * PCIe ATS (§3.9.1): an endpoint with an Address Translation Cache asks the SMMU to translate an
 * address (a Translation Request), caches the answer, and then issues Translated transactions
 * carrying the physical address (or, with Split-stage ATS, the IPA). The SMMU's side is the
 * Translation Completion (§3.9.1.2, permissions as §13.7.1 computes them) and the checks a
 * Translated transaction meets (§3.9.1.3: SMMUEN, CR0.ATSCHK, STE.Config and STE.EATS). The
 * endpoint's side is the ATC, invalidated only by CMD_ATC_INV (§4.5.1): the SMMU's TLB
 * invalidations never reach it, so a driver that changes a translation and forgets the ATC
 * invalidation leaves the device using the old one, which `stale.atc` reports as `stale.tlb` does
 * for the TLB.
 *
 * Translated transactions of STE.EATS == 0b11 streams meet the DPT check (dpt-check.ts).
 *
 * Not modelled (docs/engine.md#ats): Secure streams, attribute stashing and PRI after a failed request. The
 * STE's INSTCFG/PRIVCFG overrides are applied by the translation (withStreamOverrides), which gives
 * a Translation Request the permissions of §13.7.1.
 */
import type { EventName } from '../events/table';
import { hex } from '../registers/codec';
import * as caps from '../structures/capabilities';
import type { SteFields } from '../structures/ste';
import type { EngineContext, Transaction } from './context';
import { recordEvent } from './event-queue';
import { F } from './registers';
import { DENYING_FAULTS, type AtcEntry, type AtsMode } from './atc';
import { dptCheck, recordDptLookupFault } from './dpt-check';
import {
  stage1Ipa,
  streamEntry,
  translate,
  translateStage2,
  translatedSubstreamChecks,
  withStreamOverrides,
  type TransactionResult,
} from './transaction';

/** An ATS Translation Request: the endpoint's wishes (§13.7). */
export interface TranslationRequest {
  readonly sid: number;
  /** The PASID; without one, Priv and Exe are 0 (§13.7). */
  readonly ssid?: number;
  readonly address: bigint;
  /** No-Write: the endpoint does not intend to write (NW == 1). */
  readonly nw: boolean;
  readonly exe: boolean;
  readonly priv: boolean;
}

/** The Translation Completion (§3.9.1.2). */
export type TranslationCompletion =
  | {
      readonly status: 'success';
      /** The translated address of the requested address (a PA, or an IPA when `split`). */
      readonly address: bigint;
      readonly r: boolean;
      readonly w: boolean;
      readonly x: boolean;
      readonly priv: boolean;
      readonly split: boolean;
      readonly detail: string;
    }
  /** Unsupported Request: ATS is not enabled for the stream; Completer Abort: a configuration error. */
  | { readonly status: 'UR' | 'CA'; readonly event?: EventName; readonly detail: string };

const EATS_NAMES = ['0b00 (ATS disabled)', '0b01 (Full ATS)', '0b10 (Split-stage ATS)', '0b11 (Full ATS with DPT)'];

/**
 * STE.EATS as it takes effect (§5.2 EATS): 0b00 when the SMMU has no ATS (the field is then
 * IGNORED), when the STE does not translate (Config 0b100), 0b1x while CR0.ATSCHK is 0, and 0b11
 * without SMMU_IDR3.DPT.
 */
function effectiveEats(engine: EngineContext, ste: SteFields): number {
  if (!caps.ats(engine.ids) || ste.config === 0b100) return 0;
  const atschk = engine.field(F.ATSCHK) === 1n;
  if (ste.eats >= 0b10 && !atschk) return 0;
  // §5.2 EATS 0b11: Reserved for a Non-secure STE without SMMU_IDR3.DPT, and behaves as 0b00.
  if (ste.eats === 0b11 && !caps.dpt(engine.ids)) return 0;
  return ste.eats;
}

function run<T>(engine: EngineContext, mode: AtsMode, f: () => T): T {
  const before = engine.ats;
  engine.ats = mode;
  try {
    return f();
  } finally {
    engine.ats = before;
  }
}

/** The SMMU answers a Translation Request (§3.9.1.2, §13.7.1). */
export function translationRequest(engine: EngineContext, req: TranslationRequest): TranslationCompletion {
  // Without a PASID the request is Data, Unprivileged (§13.7).
  const priv = req.ssid !== undefined && req.priv;
  const exe = req.ssid !== undefined && req.exe;
  const t: Transaction = {
    sid: req.sid,
    ...(req.ssid !== undefined ? { ssid: req.ssid } : {}),
    address: req.address,
    access: { read: true, write: false, exec: false, priv },
  };
  const unsupported = (why: string, event = true): TranslationCompletion => {
    if (event) recordEvent(engine, 'F_BAD_ATS_TREQ', { StreamID: req.sid }, why);
    return { status: 'UR', ...(event ? { event: 'F_BAD_ATS_TREQ' as const } : {}), detail: why };
  };
  if (!engine.smmuEnabled()) return unsupported('SMMUEN is 0: ATS is disabled (§3.9.1.2)');
  const ste = run(engine, 'request', () => streamEntry(engine, t));
  if ('fail' in ste) {
    const r = ste.fail;
    const event = 'event' in r ? r.event : undefined;
    return { status: 'CA', ...(event ? { event } : {}), detail: `a configuration error: ${r.detail}` };
  }
  if ((ste.config & 0b100) === 0)
    return unsupported(
      `STE ${req.sid}.Config is 0b${ste.config.toString(2).padStart(3, '0')}: the stream aborts`,
      false,
    );
  if (ste.config === 0b100) return unsupported(`STE ${req.sid}.Config is 0b100 (bypass): EATS is effectively 0b00`);
  const eats = effectiveEats(engine, ste);
  if (eats === 0)
    return unsupported(
      ste.eats >= 0b10
        ? `STE ${req.sid}.EATS is ${EATS_NAMES[ste.eats]} but CR0.ATSCHK is 0: it behaves as 0b00`
        : `STE ${req.sid}.EATS is 0b00: ATS is disabled for the stream`,
    );
  const split = eats === 0b10;
  // The permissions of §13.7.1: R from a read, W from a write only when the endpoint intends to
  // write (with NW == 1 W need not be granted, so it is not), Exe only when asked and R is granted.
  const probe = (access: Transaction['access']): TransactionResult =>
    run(engine, 'request', () => translate(engine, { ...t, access }));
  const read = probe(t.access);
  if (read.outcome !== 'translated' && read.outcome !== 'bypass') {
    const event = 'event' in read ? read.event : undefined;
    if (read.outcome === 'raz-wi' || (event !== undefined && DENYING_FAULTS.has(event)))
      return {
        status: 'success',
        address: 0n,
        r: false,
        w: false,
        x: false,
        priv,
        split,
        detail: `R == W == 0: ${read.detail} (no event is recorded, §3.9.1.2)`,
      };
    return { status: 'CA', ...(event ? { event } : {}), detail: `a configuration error: ${read.detail}` };
  }
  const granted = (r: TransactionResult) => r.outcome === 'translated' || r.outcome === 'bypass';
  const w = !req.nw && granted(probe({ read: false, write: true, exec: false, priv }));
  const x = exe && granted(probe({ read: true, write: false, exec: true, priv }));
  let address = read.pa;
  if (split) {
    const ipa = stage1Ipa(engine, t);
    if (ipa === undefined) return { status: 'CA', detail: 'internal: the stage 1 output of a completed walk' };
    address = ipa;
  }
  return {
    status: 'success',
    address,
    r: true,
    w,
    x,
    priv,
    split,
    detail: `${split ? 'IPA' : 'PA'} ${hex(address, 64)}, ${rights(true, w, x)}${priv ? ', privileged' : ''} (${read.detail})`,
  };
}

const rights = (r: boolean, w: boolean, x: boolean) => `R=${r ? 1 : 0} W=${w ? 1 : 0} Exe=${x ? 1 : 0}`;

/**
 * A Translated transaction at `t.address` (§3.9.1.3). It carries `t`'s PASID, with its Priv and
 * Exe, only when SMMU_IDR3.PASIDTT is 1; otherwise it is presented as Data, Unprivileged and
 * without a SubstreamID.
 */
export function translatedTransaction(engine: EngineContext, t: Transaction): TransactionResult {
  const tt: Transaction =
    t.ssid !== undefined && caps.pasidtt(engine.ids)
      ? {
          sid: t.sid,
          ssid: t.ssid,
          address: t.address,
          access: { ...t.access, exec: t.access.exec && !t.access.write },
        }
      : {
          sid: t.sid,
          address: t.address,
          access: { read: t.access.read, write: t.access.write, exec: false, priv: false },
        };
  const forbidden = (why: string): TransactionResult => {
    recordEvent(
      engine,
      'F_TRANSL_FORBIDDEN',
      { StreamID: tt.sid, RnW: tt.access.write ? 0 : 1, InputAddr: tt.address },
      why,
    );
    return { outcome: 'abort', event: 'F_TRANSL_FORBIDDEN', detail: `F_TRANSL_FORBIDDEN: ${why}` };
  };
  const pass = (why: string): TransactionResult => {
    // §3.9.1.1: an address above the PA size is IMPLEMENTATION DEFINED, aborted without an event or
    // truncated; the model aborts, so the address a buggy endpoint sent is not silently changed.
    if (tt.address >= 1n << BigInt(engine.oas))
      return {
        outcome: 'abort',
        detail: `the Translated address ${hex(tt.address, 64)} is beyond the ${engine.oas}-bit output address size: aborted without an event (§3.9.1.1)`,
      };
    return { outcome: 'bypass', pa: tt.address, detail: why };
  };
  if (!engine.smmuEnabled()) return forbidden('SMMUEN is 0: Translated traffic is not allowed (§3.9.1.3)');
  if (engine.field(F.ATSCHK) !== 1n) return pass('CR0.ATSCHK is 0: Translated traffic bypasses without checks');
  const ste = run(engine, 'translated', () => streamEntry(engine, tt));
  if ('fail' in ste) {
    const r = ste.fail;
    // §3.9.1.3: with ATSCHK and REC_CFG_ATS, C_BAD_STREAMID is recorded whatever CR2.RECINVSID says,
    // and the lookup recorded it only with RECINVSID.
    if ('event' in r && r.event === 'C_BAD_STREAMID' && engine.field(F.RECINVSID) === 0n)
      if (engine.field(F.REC_CFG_ATS) === 1n) recordEvent(engine, 'C_BAD_STREAMID', { StreamID: tt.sid }, r.detail);
    return r;
  }
  if ((ste.config & 0b100) === 0)
    return {
      outcome: 'abort',
      detail: `STE ${tt.sid}.Config is 0b${ste.config.toString(2).padStart(3, '0')}: aborted without an event (§3.9.1.3)`,
    };
  if (ste.config === 0b100) return forbidden(`STE ${tt.sid}.Config is 0b100 (bypass): EATS is effectively 0b00`);
  const eats = effectiveEats(engine, ste);
  if (eats === 0) return forbidden(`STE ${tt.sid}.EATS is effectively 0b00: Translated traffic is not allowed`);
  const substream = run(engine, 'translated', () => translatedSubstreamChecks(engine, tt, ste));
  if (substream) return substream;
  // §13.7: for Split-stage ATS the STE's INSTCFG and PRIVCFG apply before stage 2 translation and
  // its permission check. (For Full ATS with ATSCHK it is IMPLEMENTATION DEFINED, and no
  // permission is checked there, so it makes no difference to the model.)
  if (eats === 0b10)
    return run(engine, 'translated', () => translateStage2(engine, withStreamOverrides(engine, tt, ste), ste));
  if (eats === 0b11 && tt.address < 1n << BigInt(engine.oas)) {
    // §3.9.1.3 priority 12, §3.24.1: Full ATS whose Translated traffic the DPT must grant.
    const v = dptCheck(engine, tt.address, tt.access.write, ste);
    if (v.kind === 'lookup') {
      recordDptLookupFault(engine, tt.address, v.fault, v.level);
      return forbidden(
        `the DPT check failed with a DPT lookup fault, ${v.fault} at level ${v.level}: ${v.detail} (§3.24.4)`,
      );
    }
    if (v.kind === 'device-access')
      return forbidden(`the DPT check failed with a Device Access fault: ${v.detail} (§3.24.1)`);
    if (v.kind === 'not-modelled')
      engine.log({
        kind: 'note',
        text: v.detail,
        section: '3.24.3.1.2',
        severity: 'warning',
        code: 'dpt.not-modelled',
      });
    return pass(`STE ${tt.sid}.EATS is ${EATS_NAMES[eats]}: ${v.detail}`);
  }
  return pass(`STE ${tt.sid}.EATS is ${EATS_NAMES[eats]}: Translated traffic bypasses`);
}

/** The Translation Request a device sends for access `t`: No-Write unless it writes, Exe for a fetch. */
function requestFor(t: Transaction): TranslationRequest {
  return {
    sid: t.sid,
    ...(t.ssid !== undefined ? { ssid: t.ssid } : {}),
    address: t.address,
    nw: !t.access.write,
    exe: t.access.exec,
    priv: t.access.priv,
  };
}

/** What `dma … ats` did: the completion it used (cached or fresh) and the transaction. */
export interface AtsAccess {
  readonly result: TransactionResult;
  readonly cached: boolean;
  readonly completion?: TranslationCompletion;
}

/**
 * A device access through ATS: the endpoint looks the page up in its ATC; on a miss, or when the
 * cached rights do not cover the access, it sends a Translation Request and caches a completion
 * that grants anything; then, if the access is granted, it issues the Translated transaction.
 * Refused requests are aborts from the device's side, with `ats` saying which answer it got.
 */
export function atsAccess(engine: EngineContext, t: Transaction): AtsAccess {
  const priv = t.ssid !== undefined && t.access.priv;
  const page = Number(t.address >> 12n);
  const low = t.address & 0xfffn;
  const covers = (e: { r: boolean; w: boolean; x: boolean }) => (t.access.write ? e.w : t.access.exec ? e.x : e.r);
  const hit = engine.atc.lookup(t.sid, t.ssid, priv, page);
  if (hit && covers(hit)) {
    if (engine.checkStale) checkStaleAtc(engine, t, hit);
    const result = translatedTransaction(engine, { ...t, address: hit.translated + low });
    return { result: via(result, 'atc', `ATC hit: ${hex(hit.translated + low, 64)}`), cached: true };
  }
  const completion = translationRequest(engine, requestFor(t));
  if (completion.status !== 'success')
    return {
      completion,
      cached: false,
      result: {
        outcome: 'abort',
        ats: completion.status,
        ...(completion.event ? { event: completion.event } : {}),
        detail: `the Translation Request got ${completion.status === 'UR' ? 'Unsupported Request' : 'Completer Abort'}: ${completion.detail}`,
      },
    };
  if (completion.r || completion.w || completion.x)
    engine.atc.insert({
      sid: t.sid,
      ssid: t.ssid,
      priv,
      page,
      translated: completion.address - (completion.address & 0xfffn),
      r: completion.r,
      w: completion.w,
      x: completion.x,
      split: completion.split,
      seq: engine.activity.length,
    });
  if (!covers(completion))
    return {
      completion,
      cached: false,
      result: {
        outcome: 'abort',
        ats: 'denied',
        detail: `the Translation Completion grants ${rights(completion.r, completion.w, completion.x)}: the device does not make the ${t.access.write ? 'write' : t.access.exec ? 'instruction fetch' : 'read'} (${completion.detail})`,
      },
    };
  const result = translatedTransaction(engine, { ...t, address: completion.address });
  return {
    completion,
    cached: false,
    result: via(result, 'ats', `Translation Completion ${completion.detail}`),
  };
}

/** The Translated transaction's result, saying where its address came from. */
function via(r: TransactionResult, how: 'atc' | 'ats', what: string): TransactionResult {
  if (r.outcome === 'translated' || r.outcome === 'bypass')
    return { outcome: 'translated', pa: r.pa, via: how, detail: `${what}; Translated transaction: ${r.detail}` };
  return { ...r, detail: `${what}; Translated transaction: ${r.detail}` };
}

/**
 * An ATC hit whose translation the tables no longer give: the endpoint uses the old page because
 * no CMD_ATC_INV reached it (§3.9.1: "Invalidation of the ATC translations is required whenever
 * a translation changes in the SMMU", §4.5.1 gives the sequence). The fresh answer is computed
 * without events, descriptor updates or stale checks of its own.
 */
function checkStaleAtc(engine: EngineContext, t: Transaction, hit: AtcEntry): void {
  const saved = { events: engine.suppressEvents, recording: engine.recording, stale: engine.checkStale };
  engine.suppressEvents = true;
  engine.recording = false;
  engine.checkStale = false;
  let now: TranslationCompletion;
  try {
    now = translationRequest(engine, requestFor(t));
  } finally {
    engine.suppressEvents = saved.events;
    engine.recording = saved.recording;
    engine.checkStale = saved.stale;
  }
  const low = t.address & 0xfffn;
  const needed = t.access.write ? 'w' : t.access.exec ? 'x' : 'r';
  const same = now.status === 'success' && now[needed] && now.address === hit.translated + low;
  if (same) return;
  const nowText =
    now.status !== 'success'
      ? `answer ${now.status === 'UR' ? 'Unsupported Request' : 'Completer Abort'}`
      : !now[needed]
        ? `grant ${rights(now.r, now.w, now.x)}`
        : `give ${hex(now.address, 64)}`;
  engine.log({
    kind: 'stale',
    text: `stale ATC entry used by StreamID ${t.sid}${t.ssid !== undefined ? ` PASID ${t.ssid}` : ''} for ${hex(t.address, 64)}: the endpoint still has ${hex(hit.translated + low, 64)} (${rights(hit.r, hit.w, hit.x)}) but a Translation Request would now ${nowText}; a CMD_ATC_INV (StreamID ${t.sid}${t.ssid !== undefined ? `, SSV 1, SubstreamID ${t.ssid}` : ''}) then CMD_SYNC is missing`,
    section: '3.9.1',
    severity: 'warning',
    code: 'stale.atc',
  });
}
