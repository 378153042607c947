/**
 * Address Translation Operations through the global ATOS registers (§9, §6.3.37–§6.3.40).
 * Software describes a lookup in SMMU_GATOS_SID and SMMU_GATOS_ADDR and writes GATOS_CTRL.RUN = 1;
 * the SMMU translates as for a transaction of that stream (the same STE, CD and walks, through
 * transaction.ts), records no event and never stalls whatever the fault configuration (§9), and
 * writes the result or the fault syndrome to GATOS_PAR before clearing RUN.
 *
 * The lookup completes within the write of RUN: §9 lets it begin at any time ("not required to
 * begin immediately … will begin in finite time") and RUN is cleared "when ATOS_PAR has been
 * updated with the result" (§9.1.1), so RUN reads 0 and GATOS_PAR holds the result as soon as the
 * write is done; the model has no time between two accesses in which RUN could read 1.
 *
 * The VATOS interface (SMMU_VATOS_SEL and the VATOS page, §9.1.6) makes the same lookups,
 * restricted to stage 1 (VATOS_ADDR.TYPE 0b01) and to the STEs that tag translations with the
 * VMID in SMMU_VATOS_SEL.
 *
 * Not done: the TLB is neither looked up nor filled (a lookup that misses the TLB is always
 * permitted, and a walk gives the attributes the TLB does not keep); Secure ATOS (SMMU_S_GATOS_*,
 * SMMU_S_VATOS_*) is not modelled (docs/engine.md#atos).
 */
import { getRegister, findField } from '../registers/table';
import { hex } from '../registers/codec';
import type { RegisterName } from '../registers/types';
import * as caps from '../structures/capabilities';
import type { CdFields } from '../structures/cd';
import type { SteFields } from '../structures/ste';
import type { Access, WalkOk, WalkResult } from '../translation/types';
import { atosAttributes, DEFAULT_INPUT, type AtosAttributes } from './atos-attributes';
import type { EngineContext, Transaction } from './context';
import { atosWalks, FAULT_EVENTS, streamEntry, type TransactionResult } from './transaction';

const FAULTCODES = findField(getRegister('GATOS_PAR'), 'FAULTCODE')?.values ?? [];

/** One group of ATOS registers (§9: "apart from differences in scope the groups … are equivalent"). */
export interface AtosInterface {
  /** GATOS, or VATOS: stage 1 only, and only STEs tagged with SMMU_VATOS_SEL.VMID (§9.1.6). */
  readonly name: 'GATOS' | 'VATOS';
  readonly ctrl: RegisterName;
  readonly sid: RegisterName;
  readonly addr: RegisterName;
  readonly par: RegisterName;
  /** The section of the CTRL register, for the notes. */
  readonly ctrlSection: string;
}
export const GATOS: AtosInterface = {
  name: 'GATOS',
  ctrl: 'GATOS_CTRL',
  sid: 'GATOS_SID',
  addr: 'GATOS_ADDR',
  par: 'GATOS_PAR',
  ctrlSection: '6.3.37',
};
export const VATOS: AtosInterface = {
  name: 'VATOS',
  ctrl: 'VATOS_CTRL',
  sid: 'VATOS_SID',
  addr: 'VATOS_ADDR',
  par: 'VATOS_PAR',
  ctrlSection: '6.3.99',
};

/** ATOS_ADDR.TYPE (§9.1.3). */
type LookupType = 1 | 2 | 3;
const TYPE_NAMES = ['reserved', 'stage 1', 'stage 2', 'stage 1 and stage 2'];

/** ATOS_PAR.REASON (§6.3.40): where the fault was met. */
const REASON = { S1: 0, CD: 1, TT: 2, IN: 3 } as const;

/** What a lookup found: the ATOS_PAR value, and a sentence for the activity log. */
interface Outcome {
  readonly par: bigint;
  readonly text: string;
  /** ATTR and SH are the model's choice, not the translation's (atos-attributes.ts). */
  readonly inexact?: string;
}

function faultCode(name: string): number {
  const v = FAULTCODES.find((e) => e.name === name);
  if (!v) throw new Error(`internal: no ATOS FAULTCODE for ${name}`);
  return v.value;
}

/** ATOS_PAR with FAULT == 1 (§6.3.40): FADDR[55:12], FAULTCODE[11:4], REASON[2:1]. */
function faultPar(code: string, reason: number, faddr: bigint, why: string): Outcome {
  const par = (faddr & 0x00ff_ffff_ffff_f000n) | (BigInt(faultCode(code)) << 4n) | (BigInt(reason) << 1n) | 1n;
  const r = ['S1', 'CD', 'TT', 'IN'][reason];
  return { par, text: `fault ${code}, REASON ${r}${faddr ? `, FADDR ${hex(faddr, 64)}` : ''}: ${why}` };
}

/**
 * ATOS_PAR with FAULT == 0 (§6.3.40): the output address aligned to the translation size, with
 * (when larger than 4 KB) bit N set where the size is 2^(N+1) bytes, Size = 1; ATTR and SH.
 */
function successPar(pa: bigint, log2: number, attrs: AtosAttributes, what: string): Outcome {
  const size = 1n << BigInt(log2);
  let addr = pa & ~(size - 1n) & 0x00ff_ffff_ffff_f000n;
  if (log2 > 12) addr |= 1n << BigInt(log2 - 1);
  const par = (BigInt(attrs.attr) << 56n) | addr | (log2 > 12 ? 1n << 11n : 0n) | (BigInt(attrs.sh) << 8n);
  return {
    par,
    ...(attrs.inexact ? { inexact: attrs.note } : {}),
    text: `${what} ${hex(pa, 64)}, ${2 ** (log2 - 10)} KB, ATTR 0x${attrs.attr.toString(16).toUpperCase().padStart(2, '0')}, SH ${attrs.sh.toString(2).padStart(2, '0')}${attrs.note ? ` (${attrs.note})` : ''}`,
  };
}

/** log2 of a leaf's size. */
function log2Of(size: bigint): number {
  return size.toString(2).length - 1;
}

/**
 * The fault a walk or a configuration lookup met, as ATOS_PAR reports it for the lookup `type`
 * (the table of §9.1.4): the event the transaction would have recorded, and where it was met
 * (S2 and CLASS of that record: CD fetch, stage 1 table walk, or input to stage 2).
 */
function faultOutcome(engine: EngineContext, type: LookupType, r: TransactionResult): Outcome {
  const seen = engine.atosRun?.fault;
  const event = seen?.event ?? (r.outcome === 'abort' || r.outcome === 'raz-wi' ? r.event : undefined);
  if (!event) return faultPar('INTERNAL_ERR', REASON.S1, 0n, r.detail);
  const fields = seen?.fields ?? {};
  const s2 = Number(fields['S2'] ?? 0) === 1;
  const cls = Number(fields['CLASS'] ?? 2);
  const ipa = BigInt(fields['IPA'] ?? 0);
  const trf = ['F_TRANSLATION', 'F_ADDR_SIZE', 'F_ACCESS', 'F_PERMISSION'].includes(event);
  // A stage 2 request: every fault is met on its input (§9.1.4, TYPE 0b10 rows).
  if (type === 2) return faultPar(event, REASON.IN, 0n, r.detail);
  if (!s2 || !(trf || event === 'F_WALK_EABT')) return faultPar(event, REASON.S1, 0n, r.detail);
  if (type === 1) {
    // A stage 1 request on a nested stream: a stage 2 fault on a CD or table fetch is reported as
    // the fetch's own abort (synthetic F_CD_FETCH / F_WALK_EABT, REASON S1, §9.1.4, §9.1.5).
    return faultPar(cls === 0 ? 'F_CD_FETCH' : 'F_WALK_EABT', REASON.S1, 0n, `stage 2 fault: ${r.detail}`);
  }
  // Stage 1 and stage 2: the stage 2 fault's class, and for a translation-related fault the IPA.
  const reason = cls === 0 ? REASON.CD : cls === 1 ? REASON.TT : REASON.IN;
  return faultPar(event, reason, trf ? ipa : 0n, r.detail);
}

/**
 * The lookup of §9.1.3 for `t`, `type`, with the request checks in the priority order of §9.1.5.
 * `vatosVmid`: a VATOS request, limited to the STEs tagged with that VMID (§9.1.6).
 */
function lookup(engine: EngineContext, t: Transaction, type: LookupType, vatosVmid?: number): Outcome {
  const s1p = caps.s1p(engine.ids);
  const s2p = engine.s2p;
  // 1. INV_REQ, decided before any structure is read (§9.1.3 TYPE, §9.1.5).
  const invReq =
    vatosVmid !== undefined && type !== 1
      ? `a ${TYPE_NAMES[type]} lookup through VATOS, which has only stage 1 lookups (VATOS_ADDR.TYPE 0b${type.toString(2).padStart(2, '0')} is reserved, §6.3.101)`
      : type === 1 && !s1p
        ? 'a stage 1 lookup on an SMMU without stage 1 (SMMU_IDR0.S1P == 0)'
        : type === 2 && !s2p
          ? 'a stage 2 lookup on an SMMU without stage 2 (SMMU_IDR0.S2P == 0)'
          : type === 2 && t.ssid !== undefined
            ? 'a stage 2 lookup with SSID_VALID == 1 (no stage 1 is requested)'
            : type === 3 && !(s1p && s2p)
              ? 'a stage 1 and stage 2 lookup on an SMMU without both stages'
              : undefined;
  if (invReq) return faultPar('INV_REQ', REASON.S1, 0n, invReq);
  // 3–5. C_BAD_STREAMID, F_STE_FETCH, C_BAD_STE.
  const ste = streamEntry(engine, t);
  if ('fail' in ste) return faultOutcome(engine, type, ste.fail);
  // §9.1.6 steps 3 and 4: a VATOS request sees only STEs tagged with VATOS_SEL.VMID, else C_BAD_STE.
  if (vatosVmid !== undefined) {
    const denied = vatosDenied(engine, t, ste, vatosVmid);
    if (denied) return faultPar('C_BAD_STE', REASON.S1, 0n, denied);
  }
  // 7. INV_STAGE (point B): the STE does not translate with the stages requested (§9.1.3).
  const s1 = (ste.config & 0b101) === 0b101;
  const s2 = (ste.config & 0b110) === 0b110;
  if ((type & 1 && !s1) || (type & 2 && !s2))
    return faultPar(
      'INV_STAGE',
      REASON.S1,
      0n,
      `STE ${t.sid}.Config is 0b${ste.config.toString(2).padStart(3, '0')}, which does not translate at ${TYPE_NAMES[type]}`,
    );
  const walks = atosWalks(engine, t, ste);
  if (s2 && !walks.stage2)
    return faultPar(
      'INTERNAL_ERR',
      REASON.S1,
      0n,
      `STE ${t.sid}: a stage 2 walk configuration the model does not perform`,
    );
  const fwb = caps.fwb(engine.ids) && ste.s2Fwb === 1;

  if (type === 2) {
    const r2 = (walks.stage2 as NonNullable<typeof walks.stage2>)(t.address, t.access);
    if (!r2.ok) return faultPar(FAULT_EVENTS[r2.kind], REASON.IN, 0n, `stage 2 ${r2.message}`);
    return successPar(r2.oa, log2Of(r2.size), atosAttributes(undefined, r2, fwb), 'PA');
  }
  // 8–9. C_BAD_SUBSTREAMID, F_STREAM_DISABLED; S1DSS == 0b01 bypasses stage 1 (§9.1.3).
  const sub = walks.substream;
  if (typeof sub === 'object') return faultPar(sub.event, REASON.S1, 0n, sub.why);
  if (sub === 'bypass') return bypassStage1(engine, t, type, walks.stage2, fwb);
  // 10–12. The CD (stage 2 faults on its fetch, F_CD_FETCH, C_BAD_CD).
  const cd = walks.cd(sub);
  if ('fail' in cd) return faultOutcome(engine, type, cd.fail);
  // 13. Translation-related faults at stage 1, or at stage 2 of the output for TYPE 0b11.
  const w = walks.stage1(cd, type === 3);
  if ('result' in w) return faultOutcome(engine, type, w.result);
  if (type === 1) {
    return successPar(
      w.pa,
      log2Of(w.leaf1.size),
      atosAttributes(stage1Attr(cd, w.leaf1), undefined, fwb),
      s2 ? 'IPA' : 'PA',
    );
  }
  const leaf2 = w.leaf2 as WalkOk;
  const log2 = Math.min(log2Of(w.leaf1.size), log2Of(leaf2.size));
  return successPar(w.pa, log2, atosAttributes(stage1Attr(cd, w.leaf1), leaf2, fwb), 'PA');
}

/**
 * Why a VATOS request may not use STE `t.sid` (§9.1.6), or undefined when it may: the STE must
 * tag translations with a VMID (§5.2 S2VMID: a Non-secure STE with an NS-EL1 StreamWorld and
 * stage 1 or stage 2 translating; stage 2 is implemented, since SMMU_IDR0.VATOS needs it), and
 * that VMID must be VATOS_SEL.VMID.
 */
function vatosDenied(engine: EngineContext, t: Transaction, ste: SteFields, vmid: number): string | undefined {
  const cfg = ste.config;
  const config = `0b${cfg.toString(2).padStart(3, '0')}`;
  // §9.1.3: "STE.Config == 0b0xx or 0b100 results in C_BAD_STE, because the STE.S2VMID field is not valid".
  if ((cfg & 0b100) === 0 || cfg === 0b100)
    return `STE ${t.sid}.Config is ${config}, which translates at no stage, so its translations carry no VMID to match SMMU_VATOS_SEL.VMID`;
  // §5.2 STRW: a stage 1-only STE of an SMMU with Hyp has the StreamWorld STRW names; an EL2 one
  // (STRW 0b10) tags no VMID. With stage 2 enabled, or without Hyp, STRW is IGNORED (NS-EL1).
  if (cfg === 0b101 && caps.hyp(engine.ids) && ste.strw !== 0)
    return `STE ${t.sid}.STRW is 0b${ste.strw.toString(2).padStart(2, '0')}, not NS-EL1, so its translations carry no VMID (§5.2 S2VMID)`;
  if (!engine.s2p) return `stage 2 is not implemented, so STE ${t.sid}'s translations carry no VMID (§5.2 S2VMID)`;
  if (ste.s2Vmid !== vmid)
    return `STE ${t.sid}.S2VMID is ${ste.s2Vmid}, not SMMU_VATOS_SEL.VMID ${vmid}: the StreamID is not the virtual machine's`;
  return undefined;
}

/** The stage 1 leaf's attributes: CD.MAIR's Attr<AttrIndx> byte and the leaf's Shareability. */
function stage1Attr(cd: CdFields, leaf: WalkOk): { readonly mair: number; readonly sh: number } {
  return { mair: Number((cd.mair >> BigInt(8 * leaf.attrIndx)) & 0xffn), sh: leaf.sh };
}

/**
 * Stage 1 skipped for a lookup without a SubstreamID (STE.S1DSS == 0b01, §9.1.3): a stage 1
 * lookup returns the input address, a stage 1 and stage 2 one its stage 2 translation. The size
 * may be anything from the smallest granule to the IAS: the model gives the smallest granule
 * SMMU_IDR5 advertises. ATTR and SH are IMPLEMENTATION DEFINED for the stage 1 lookup: the model
 * takes the default input attributes of §13.1.3 (docs/engine.md#atos).
 */
function bypassStage1(
  engine: EngineContext,
  t: Transaction,
  type: LookupType,
  stage2: ((ipa: bigint, a: Access) => WalkResult) | undefined,
  fwb: boolean,
): Outcome {
  if (type === 1) {
    const g = ([4, 16, 64] as const).find((x) => caps.granuleSupported(engine.ids, x)) ?? 4;
    return successPar(t.address, log2Of(BigInt(g) * 1024n), DEFAULT_INPUT, 'stage 1 bypassed (STE.S1DSS == 0b01): IPA');
  }
  if (!stage2) throw new Error('internal: stage 1 and stage 2 lookup without stage 2');
  const r2 = stage2(t.address, t.access);
  // A stage 2 fault on the input to stage 2, here the untranslated address (§9.1.4, TYPE 0b11).
  if (!r2.ok)
    return faultPar(FAULT_EVENTS[r2.kind], REASON.IN, r2.kind === 'walkEabt' ? 0n : t.address, `stage 2 ${r2.message}`);
  return successPar(
    r2.oa,
    log2Of(r2.size),
    atosAttributes('default', r2, fwb),
    'stage 1 bypassed (STE.S1DSS == 0b01): PA',
  );
}

/**
 * ATOS_CTRL.RUN of `iface` was written 1: perform the lookup its SID and ADDR registers describe,
 * write its PAR and clear RUN (§9.1). RUN may be set only while SMMU_CR0.SMMUEN is 1 (§6.3.37,
 * §6.3.99; both interfaces are Non-secure): a write of 1 with SMMUEN == 0 is IGNORED (SMMUv3.2 and
 * later; one of the permitted behaviours before).
 */
export function runAtos(engine: EngineContext, iface: AtosInterface = GATOS): void {
  const smmu = engine.smmu;
  const { name } = iface;
  if (!engine.smmuEnabled()) {
    smmu.setOwned(iface.ctrl, 0n);
    engine.log({
      kind: 'note',
      text: `SMMU_${iface.ctrl}.RUN written 1 while SMMU_CR0.SMMUEN is 0: ATOS requests require SMMUEN == 1, so the write is IGNORED and no lookup is made`,
      section: iface.ctrlSection,
      severity: 'warning',
      code: 'atos.smmuen',
    });
    return;
  }
  const sid = smmu.value(getRegister(iface.sid));
  const addr = smmu.value(getRegister(iface.addr));
  const type = Number((addr >> 10n) & 3n);
  const rnw = ((addr >> 8n) & 1n) === 1n;
  const t: Transaction = {
    sid: Number(sid & 0xffff_ffffn),
    ...(((sid >> 52n) & 1n) === 1n ? { ssid: Number((sid >> 32n) & 0xf_ffffn) } : {}),
    address: addr & ~0xfffn,
    // §6.3.39: InD is IGNORED for a write, which is Data; PnU and InD are not overridden by the STE.
    access: { read: rnw, write: !rnw, exec: rnw && ((addr >> 7n) & 1n) === 1n, priv: ((addr >> 9n) & 1n) === 1n },
  };
  // §6.3.44: VATOS_SEL.VMID[15:8] are RES0 without SMMU_IDR0.VMID16 (not stored, afterWrite).
  const vmid = name === 'VATOS' ? Number(smmu.value(getRegister('VATOS_SEL')) & 0xffffn) : undefined;
  const what = `${name === 'VATOS' ? `VATOS (VMID ${vmid})` : 'ATOS'} ${TYPE_NAMES[type]} lookup of StreamID ${t.sid}${t.ssid !== undefined ? ` SubstreamID ${t.ssid}` : ''} address ${hex(t.address, 64)} (${rnw ? 'read' : 'write'}${t.access.exec ? ', instruction' : ''}, ${t.access.priv ? 'privileged' : 'unprivileged'})`;
  let outcome: Outcome;
  if (type === 0) outcome = faultPar('INV_REQ', REASON.S1, 0n, `${iface.addr}.TYPE is 0b00 (reserved)`);
  else {
    const saved = { run: engine.atosRun, memo: engine.memo };
    engine.atosRun = { inhibitHttu: ((addr >> 6n) & 1n) === 1n };
    try {
      outcome = lookup(engine, t, type as LookupType, vmid);
    } finally {
      engine.atosRun = saved.run;
      engine.memo = saved.memo;
    }
  }
  smmu.setOwned(iface.par, outcome.par);
  smmu.setOwned(iface.ctrl, smmu.value(getRegister(iface.ctrl)) & ~1n);
  engine.log({
    kind: 'note',
    text: `${what}: ${outcome.text}; ${iface.par} = ${hex(outcome.par, 64)}`,
    section: name === 'VATOS' ? '9.1.6' : '9',
  });
  if (outcome.inexact)
    engine.log({
      kind: 'note',
      text: `${iface.par}.ATTR and SH of the ${what}: ${outcome.inexact}`,
      section: '9.1.4',
      severity: 'warning',
      code: 'atos.attributes',
    });
}
