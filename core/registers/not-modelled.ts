/**
 * What the architecture defines and this model does not implement, by the ID register field that
 * advertises it: the registers such a feature brings (their offsets are undefined locations in the
 * model, RES0) and the behaviour the model leaves out. One table, so that nothing an SMMU
 * advertises is left out silently:
 * - a configuration that advertises a feature here gets a warning naming it (config rules,
 *   `config.not-modelled-<id>`, which a configuration may accept with a reason), and scripts and
 *   traces that use the configuration repeat the warning at their `config` line;
 * - an access to one of the registers gets a warning naming the register (core/model/decode-access.ts);
 * - docs/registers.md and docs/engine.md list them.
 */
import type { FeatureRef } from './types';

/** A register the model does not implement (§6.2.1 offsets), or an array of them (`count` at `stride`). */
export interface UnmodelledRegister {
  readonly name: string;
  readonly offset: number;
  readonly width: 32 | 64;
  readonly section: string;
  readonly count?: number;
  readonly stride?: number;
}

export interface UnmodelledFeature {
  /** The rule code is `config.not-modelled-<id>`. */
  readonly id: string;
  /** The ID register field that advertises the feature. */
  readonly field: FeatureRef;
  /** When the field's value advertises it (default: non-zero), and how to say so. */
  readonly holds?: (value: number) => boolean;
  readonly holdsText?: string;
  /** Where the architecture describes the feature. */
  readonly section: string;
  readonly registers: readonly UnmodelledRegister[];
  /** What the model does not do, and what it does instead (a sentence without a final stop). */
  readonly what: string;
}

export const UNMODELLED_FEATURES: readonly UnmodelledFeature[] = [
  {
    id: 'mpam',
    field: { register: 'IDR3', field: 'MPAM' },
    section: '17',
    // SMMU_MPAMIDR, GMPAM and GBPMPAM are modelled (core/registers/mpam.ts), and so are the PARTID
    // and PMG of client transactions and the VMS (core/engine/mpam.ts, §17.2, §5.6).
    registers: [],
    what: 'Part of MPAM (§17) is not modelled: SMMU-originated accesses (STE, CD, VMS and descriptor fetches, queues, MSIs) carry no PARTID or PMG, so SMMU_GMPAM is stored and checked but applied to nothing (§17.4); ATS Translated transactions and ATOS lookups carry none (§17.3); Secure streams carry none (SMMU_S_MPAMIDR and the Secure MPAM registers are not modelled). Modelled: the registers, and the PARTID and PMG of client transactions (§17.2: SMMU_GBPMPAM with SMMUEN == 0, else the STE or CD, through the VMS PARTID_MAP when nested with STE.S1MPAM = 1), the VMS fetch (F_VMS_FETCH) and its cache, which CMD_CFGI_VMS_PIDM and CMD_CFGI_ALL invalidate',
  },
  {
    id: 'dpt',
    field: { register: 'IDR3', field: 'DPT' },
    section: '3.24',
    // The DPT registers, CMD_DPTI_ALL/PA and the DPT check of EATS == 0b11 Translated traffic are
    // modelled (core/engine/dpt-check.ts); Level 0 Block entries are not decoded.
    registers: [],
    what: 'Level 0 Block entries of the DPT (§3.24.3.1.2) are not decoded, because their field positions are only in a figure: a DPT check that reaches one is not made, is reported (dpt.not-modelled) and lets the transaction pass. The model keeps no DPT TLB, so CMD_DPTI_ALL and CMD_DPTI_PA find nothing to remove',
  },
  {
    id: 's2pi',
    field: { register: 'IDR3', field: 'S2PI' },
    section: '3.26',
    // Stage 2 Indirect permissions are applied (core/translation/permission-indirection.ts, with
    // SMMU_S2PII from core/registers/permission-indirection.ts); what is left is below.
    registers: [],
    what: 'F_PERMISSION.DirtyBit (§7.3.16) is not set in the record of a stage 2 dirty state fault, because its bit position is drawn only as an image in the specification and no second source places it (the activity log says DirtyBit), and the TopLevel checks that set MRO-TL0, MRO-TL1 and MRO-TL01 apart from MRO (STE.TL0, STE.TL1, Translation Hardening) are not made, so they permit what MRO permits; stage 2 permission indirection itself (§3.26.2: STE.S2PIE, SMMU_S2PII, the Dirty state) is applied',
  },
  {
    id: 's1pi',
    field: { register: 'IDR3', field: 'S1PI' },
    section: '3.26',
    // Stage 1 Indirect permissions are applied (core/translation/permission-indirection.ts).
    registers: [],
    what: 'F_PERMISSION.DirtyBit (§7.3.16) is not set in the record of a stage 1 dirty state fault, because its bit position is drawn only as an image in the specification and no second source places it (the activity log says DirtyBit), and SMMU_S_CR0.SIF and Realm state (§3.26.1 steps 3 and 4) are not applied, as with Direct permissions; stage 1 permission indirection itself (CD.PIE with STE.S1PIE, CD.PIIP, CD.PIIU, PAN, the nDirty state) is applied',
  },
  {
    id: 's2po',
    field: { register: 'IDR3', field: 'S2PO' },
    section: '3.26',
    // STE.S2POE and STE.S2POI are applied (core/translation/permission-indirection.ts).
    registers: [],
    what: 'F_PERMISSION.Overlay (§7.3.16) is not set in the record, because its bit position is drawn only as an image in the specification and no second source places it (the activity log says Overlay); stage 2 permission overlays themselves (§3.26.2: STE.S2POE, STE.S2POI, kept out of the TLB as §5.2 requires) are applied',
  },
  {
    id: 'the',
    field: { register: 'IDR3', field: 'THE' },
    section: '3.27',
    // The Protected attribute (CD.PnCH) and the stage 2 AssuredOnly check (STE.AssuredOnly, with
    // STE.TL0/TL1 and the CD-fetch rule) are modelled (core/translation/hardening.ts, core/engine/assured.ts).
    registers: [],
    what: 'Translation Hardening (§3.27) is modelled in part: the stage 1 Protected attribute (CD.PnCH) and the stage 2 AssuredOnly check are; the TopLevel checks that STE.TL0 and STE.TL1 enable with the MRO-TL encodings of stage 2 permission indirection are not (MRO-TL0, MRO-TL1 and MRO-TL01 count as MRO, which keeps the Assured Translation property), and F_PERMISSION records its AssuredOnly bit as 0 (its position is only in a figure)',
  },
  {
    id: 'aarch32',
    field: { register: 'IDR0', field: 'TTF' },
    holds: (v) => (v & 1) === 1,
    holdsText: 'TTF[0] == 1',
    section: '3.4',
    registers: [],
    what: 'VMSAv8-32 LPAE translation tables (CD.AA64 = 0, STE.S2AA64 = 0) are not modelled: they are walked as VMSAv8-64 tables',
  },
  {
    id: 'd128',
    field: { register: 'IDR5', field: 'D128' },
    section: '6.3.6',
    registers: [],
    what: '128-bit VMSAv9-128 descriptors are not modelled: tables are walked as VMSAv8-64 with 64-bit descriptors',
  },
  {
    id: 'rme',
    field: { register: 'IDR0', field: 'RME_IMPL' },
    section: '3.25',
    registers: [],
    what: 'Granule Protection Checks (§3.25) and Realm state are not modelled: no GPC fault is raised, and event records have GPCF 0',
  },
  {
    id: 'secure',
    field: { register: 'S_IDR1', field: 'SECURE_IMPL' },
    section: '3.10.2',
    // The SMMU_S_* registers themselves are modelled (core/registers/secure.ts, S_AGBPA §6.3.64 as
    // a stored register like SMMU_AGBPA), the Secure Command queue (core/engine/secure-cmdq.ts), and
    // the Secure PA space (core/model/memory.ts), which the debugger reads (`0x… secure` memory
    // references, `mem64(ADDR, secure)`). An attach session cannot: server/dap/attach.ts SECURE_UNREADABLE.
    registers: [],
    what: "the Secure state is modelled in part: the SMMU_S_* registers (§6.3.52–§6.3.82), the Secure Command queue (§3.10.2, `cmd … secure`; its commands that act on Secure state invalidate the Secure STE and CD caches and the Secure, S-EL2 and EL3 TLB entries), Secure streams (`dma … secure`: S_CR0.SMMUEN, S_GBPA, the Secure Stream table and the Secure STE rules, STE.NSCFG in bypass, stage 1 in the Secure and EL3 StreamWorlds with the output PA space of CD.NSCFGx, NSTable and NS, and S_CR0.SIF), Secure stage 2 and the S-EL2 StreamWorlds (§3.10.2.2, SMMU_S_IDR1.SEL2) and the Secure Event queue are. So are the two PA spaces (§3.10): the Secure one is a separate guest memory (`mem … secure`, `map … secure`, `cd … secure`, `M … secure` in traces) where the Secure Stream table, queues and MSIs, a Secure stream's CDs and the tables its NS attributes and S2SW/S2NSW place are read and updated, and a nested Secure stream's stage 1 tables below NSTable = 1 (or from a CD.NSCFGx = 1 start) are Non-secure IPAs translated through S2TTB; the debugger reads it (`mem64(ADDR, secure)`, and the memory view through the `0x… secure` memory references of the Memory scope's Secure pages and of the Secure structures). Left: CMD_TLBI_S_S2_IPA removes the address from both IPA spaces (its NS parameter's bit position is drawn only in a figure of §4.4.3.3), and `smmu inspect` and an attach session read no Secure structure and only the Non-secure PA space of a live guest: QEMU's gdbstub reads physical addresses (`Qqemu.PhyMemMode:1`) through the machine's Non-secure system address space and has no packet that selects the Secure one",
  },
];

/** The unmodelled register at `offset` (one of an array included), with the feature that brings it. */
export function unmodelledRegisterAt(
  offset: number,
): { readonly feature: UnmodelledFeature; readonly reg: UnmodelledRegister; readonly name: string } | undefined {
  for (const feature of UNMODELLED_FEATURES) {
    for (const reg of feature.registers) {
      const stride = reg.stride ?? 0;
      const n = stride ? Math.floor((offset - reg.offset) / stride) : 0;
      if (n < 0 || n >= (reg.count ?? 1)) continue;
      const start = reg.offset + n * stride;
      if (offset >= start && offset < start + reg.width / 8)
        return { feature, reg, name: reg.count ? reg.name.replace('<n>', String(n)) : reg.name };
    }
  }
  return undefined;
}

/** True when the configuration's ID values advertise the feature. */
export function advertised(f: UnmodelledFeature, fieldValue: number): boolean {
  return f.holds ? f.holds(fieldValue) : fieldValue !== 0;
}
