/**
 * Event records (§7.3) and PRI queue entries (§8): one declarative layout per record type, every
 * field at its architectural bit position within the record. Event records are 32 bytes (256
 * bits), PRI entries 16 bytes; both are little-endian (§7.3, §8), so record bit n is bit n % 32
 * of 32-bit word n / 32.
 *
 * Positions come from the record diagrams of §7.3.2–§7.3.20 and the common field definitions of
 * §7.3. Fields shared by several records sit at the same position in every record that has them
 * (the event number [7:0], SSV [11], SubstreamID [31:12], StreamID [63:32], STAG [79:64], Stall
 * [95], PnU [97], InD [98], RnW [99], S2 [103], CLASS [105:104], InputAddr [191:128], IPA
 * [247:204], FetchAddr [247:195]); they are declared once below.
 *
 * Where our copy of the architecture leaves a field's position uncertain (its diagram is an image
 * we cannot read, and no other part of the text pins the bits) the field is NOT declared: a wrong
 * bit is worse than a missing one. Such bits decode as RES0 runs, so nothing is hidden. The
 * omissions are listed with each record below.
 */
import type { EnumValue, LayoutDef, LayoutField } from '../layout/types';

/** `config`: C_* configuration errors; `fault`: F_* faults; `other`: E_* and miscellaneous (§7.2). */
export type EventKind = 'fault' | 'config' | 'other';

/**
 * An event record of the table. `N` is its name: the table is declared `as const` through `ev`, so
 * `EventName` is the union of the names it holds and the engine records events by a name the
 * compiler checks (as commands, core/commands/table.ts).
 */
export interface EventDef<N extends string = EventName> extends LayoutDef {
  readonly name: N;
  /** Event number, record bits [7:0] (§7.3). */
  readonly id: number;
  readonly kind: EventKind;
}

const f = (
  name: string,
  msb: number,
  lsb: number,
  description: string,
  extra: Partial<LayoutField> = {},
): LayoutField => ({ name, msb, lsb, description, ...extra });

// --- common fields, §7.3 "Common fields provided in events" ---------------------------------

/** §7.3: CLASS encodings 0b00 CD, 0b01 TTD (the diagrams and prose also call it TT), 0b10 IN, 0b11 Reserved. */
export const CLASS_VALUES: readonly EnumValue[] = [
  { value: 0, name: 'CD', description: 'CD fetch.' },
  { value: 1, name: 'TTD', description: 'Stage 1 translation table fetch.' },
  { value: 2, name: 'IN', description: 'Input address caused the fault.' },
];

/**
 * The event number. §7.3 calls it "Event number"; the record diagrams show the constant in bits
 * [7:0]. The encoder sets it from the table, so callers never pass it.
 */
const NUMBER = f('EventNumber', 7, 0, 'Event number (the record type).', { openValues: true });
const SSV = f(
  'SSV',
  11,
  11,
  'SubstreamID valid: 0 no SubstreamID was provided with the transaction (SubstreamID is UNKNOWN), 1 SubstreamID is valid.',
  {
    values: [
      { value: 0, name: 'NO_SUBSTREAM', description: 'No SubstreamID was provided; SubstreamID is UNKNOWN.' },
      { value: 1, name: 'SUBSTREAM', description: 'A SubstreamID was provided and SubstreamID is valid.' },
    ],
  },
);
/** §7.3: "SSV == 0 … the SubstreamID field is UNKNOWN". */
const SUBSTREAM = f('SubstreamID', 31, 12, 'SubstreamID provided with the transaction (only valid when SSV is 1).', {
  openValues: true,
  unknownUnless: { field: 'SSV', values: [1] },
});
const STREAM = f('StreamID', 63, 32, 'StreamID of the requester that issued the transaction that led to the event.', {
  openValues: true,
});
/** Event number, SSV, SubstreamID and StreamID: the first 64 bits of most records (§7.3.2 onwards). */
const COMMON = [NUMBER, SSV, SUBSTREAM, STREAM];

const STAG = f(
  'STAG',
  79,
  64,
  'Stall tag: identifies the stalled transaction to CMD_RESUME / CMD_STALL_TERM (valid when Stall is 1, §7.3.21).',
  { openValues: true },
);
const STALL = f(
  'Stall',
  95,
  95,
  '1: the transaction is stalled and awaits CMD_RESUME or CMD_STALL_TERM; 0: it was terminated (§7.3.21).',
  {
    values: [
      { value: 0, name: 'TERMINATED', description: 'The transaction was terminated with an abort.' },
      { value: 1, name: 'STALLED', description: 'The transaction is stalled.' },
    ],
  },
);
const PNU = f('PnU', 97, 97, 'Privileged/Unprivileged, after the STE PRIVCFG override: 0 unprivileged, 1 privileged.', {
  values: [
    { value: 0, name: 'UNPRIVILEGED' },
    { value: 1, name: 'PRIVILEGED' },
  ],
});
const IND = f(
  'InD',
  98,
  98,
  'Instruction/Data, after the STE INSTCFG override: 0 data, 1 instruction (InD is 0 when RnW is 0).',
  {
    values: [
      { value: 0, name: 'DATA' },
      { value: 1, name: 'INSTRUCTION' },
    ],
  },
);
const RNW = f('RnW', 99, 99, 'Read/Write nature of the incoming transaction: 0 write, 1 read.', {
  values: [
    { value: 0, name: 'WRITE' },
    { value: 1, name: 'READ' },
  ],
});
const S2 = f('S2', 103, 103, 'Stage of the fault: 0 stage 1, 1 stage 2.', {
  values: [
    { value: 0, name: 'STAGE1' },
    { value: 1, name: 'STAGE2' },
  ],
});
const CLASS = f(
  'CLASS',
  105,
  104,
  'Class of the operation that caused the fault: CD fetch, stage 1 translation table fetch, or the input address.',
  { values: CLASS_VALUES },
);
const INPUT = f(
  'InputAddr',
  191,
  128,
  'The 64-bit address input to the SMMU with the transaction, bits [63:56] as supplied (TBI does not affect it); a VA, IPA or PA depending on the event and configuration.',
  { openValues: true },
);
/**
 * IPA[55:12] at record bits [247:204] (the diagrams' `248 247` boundary; §7.3.13 "IPA bits
 * [55:OAS] are RES0 if OAS is smaller than 56"). Holds address bits 55:12, so addrShift 12.
 */
const IPA = f(
  'IPA',
  247,
  204,
  'Post-stage-1 address of the transaction (IPA[55:12]); valid only when S2 is 1: the CD address for CLASS CD, the stage 1 descriptor address for CLASS TTD, the IPA for CLASS IN.',
  {
    openValues: true,
    addrShift: 12,
    // §7.3.13: "If fault occurs at stage 1, S2 == 0 and: CLASS == IN, IPA is UNKNOWN."
    unknownUnless: { field: 'S2', values: [1] },
  },
);
/** FetchAddr[55:3] at record bits [247:195] (§7.3.4 and §7.3.20 diagrams: `247`, `195 194 192 RES0`). */
const FETCH = f(
  'FetchAddr',
  247,
  195,
  'Physical address of the structure or descriptor whose fetch was aborted (FetchAddr[55:3]); bits above the OAS are UNKNOWN.',
  { openValues: true, addrShift: 3 },
);
/** §7.3.4 / §7.3.20 diagrams: [95:81] RES0, [80] GPCF, [79:64] Reason. */
const GPCF = f(
  'GPCF',
  80,
  80,
  'Granule Protection Check Fault: 1 the record arose from a GPC fault (§3.25.3), 0 it did not.',
  {
    values: [
      { value: 0, name: 'NOT_GPC', description: 'The external abort did not arise from a GPC fault.' },
      { value: 1, name: 'GPC', description: 'The record arose from a GPC fault.' },
    ],
  },
);
const FETCH_REASON = f('Reason', 79, 64, 'IMPLEMENTATION DEFINED cause of the abort.', { openValues: true });

/** Records of the four stall-capable translation faults (§7.3.13–§7.3.16 share this layout). */
const TRANSLATION_FAULT = [...COMMON, STAG, STALL, PNU, IND, RNW, S2, CLASS, INPUT, IPA];

function ev<N extends string>(
  id: number,
  name: N,
  section: string,
  kind: EventKind,
  summary: string,
  fields: readonly LayoutField[],
): EventDef<N> {
  return { id, name, section, kind, summary, bits: 256, fields: [...fields].sort((a, b) => a.lsb - b.lsb) };
}

/**
 * Every architected event of the (Non-secure) Event queue, §7.3.2–§7.3.20, in number order.
 * 0xE0–0xEF are IMPLEMENTATION DEFINED (§7.3.21, `isImpdefEvent`); all other numbers are Reserved.
 */
const TABLE = [
  // §7.3.2 diagram: [95:80] RES0, "Reason (IMPLEMENTATION DEFINED)" [79:64], as F_STE_FETCH's.
  ev(
    0x01,
    'F_UUT',
    '7.3.2',
    'fault',
    'Unsupported Upstream Transaction: the client expressed an unsupported or illegal transaction type (IMPLEMENTATION DEFINED reason). May be recorded when SMMUEN is 0.',
    [
      ...COMMON,
      f('Reason', 79, 64, 'IMPLEMENTATION DEFINED cause of the unsupported transaction.', { openValues: true }),
      PNU,
      IND,
      RNW,
      INPUT,
    ],
  ),
  ev(
    0x02,
    'C_BAD_STREAMID',
    '7.3.3',
    'config',
    'StreamID out of range: beyond STRTAB_BASE_CFG.LOG2SIZE, or a 2-level lookup met an invalid or out-of-range L1STD. Recorded only when CR2.RECINVSID is 1.',
    COMMON,
  ),
  ev(
    0x03,
    'F_STE_FETCH',
    '7.3.4',
    'fault',
    'Fetch of an STE (or L1STD) caused an external abort, or its address was out of range (§3.4.3).',
    [...COMMON, FETCH_REASON, GPCF, FETCH],
  ),
  ev(
    0x04,
    'C_BAD_STE',
    '7.3.5',
    'config',
    'The STE used is invalid: V == 0, a Reserved field, or an ILLEGAL configuration (§5.2.2).',
    COMMON,
  ),
  // §7.3.6: the record also reports the requested R/W/X/PRIV permissions, the Span in STUs, the
  // address and possibly the SubstreamID, but its diagram is an image in our copy: only the event
  // number and StreamID (present in every record) are declared.
  ev(
    0x05,
    'F_BAD_ATS_TREQ',
    '7.3.6',
    'fault',
    'A PCIe ATS Translation Request was received where ATS is not allowed (SMMUEN == 0, or effective STE.EATS == 0b00). The request gets a UR response.',
    [NUMBER, STREAM],
  ),
  // §7.3.7 diagram: only the event number and StreamID; no SSV or SubstreamID.
  ev(
    0x06,
    'F_STREAM_DISABLED',
    '7.3.7',
    'fault',
    'Non-substream traffic on a stream with STE.S1CDMax > 0 and S1DSS == 0b00, or SubstreamID 0 with S1DSS == 0b10.',
    [NUMBER, STREAM],
  ),
  // §7.3.8 diagram: RnW at 99, [98:96] and [127:100] RES0; the event number and StreamID; InputAddr
  // (merging ignores InputAddr[11:0]). Its [31:8] row shows no SSV/SubstreamID labels.
  ev(
    0x07,
    'F_TRANSL_FORBIDDEN',
    '7.3.8',
    'fault',
    'An ATS Translated transaction where SMMU bypass is not allowed for the StreamID (ATSCHK, EATS, Config 0b100, Secure stream, SMMUEN == 0, or a DPT check failure). May be recorded when SMMUEN is 0.',
    [NUMBER, STREAM, RNW, INPUT],
  ),
  // §7.3.9: "SubstreamID is always valid (there is no SSV qualifier)"; bits [11:8] are RES0.
  ev(
    0x08,
    'C_BAD_SUBSTREAMID',
    '7.3.9',
    'config',
    'A SubstreamID was given but stage 1 is disabled, substreams are disabled (S1CDMax == 0), it is ≥ 2^S1CDMax, or a 2-level CD fetch met an invalid or out-of-range L1CD.',
    [
      NUMBER,
      f(
        'SubstreamID',
        31,
        12,
        'SubstreamID of the transaction, or the index of the CD being fetched (always valid: this record has no SSV).',
        { openValues: true },
      ),
      STREAM,
    ],
  ),
  // §7.3.10: the same shape as F_STE_FETCH and F_VMS_FETCH (Reason, GPCF, FetchAddr).
  ev(
    0x09,
    'F_CD_FETCH',
    '7.3.10',
    'fault',
    'Fetch of a CD (or L1CD) caused an external abort, or in SMMUv3.0 its address was out of range.',
    [...COMMON, FETCH_REASON, GPCF, FETCH],
  ),
  ev(
    0x0a,
    'C_BAD_CD',
    '7.3.11',
    'config',
    'The fetched CD is invalid: V == 0, or V == 1 with an ILLEGAL configuration (§5.4.2).',
    COMMON,
  ),
  // §7.3.12: not a stall event (§7.3.21 lists the four that are), so no STAG/Stall. The record
  // also carries an IMPLEMENTATION DEFINED Reason (and GPCF, §7.3), whose bits our copy of the
  // diagram does not show; they are left undeclared.
  ev(
    0x0b,
    'F_WALK_EABT',
    '7.3.12',
    'fault',
    'An external abort fetching or updating a translation table descriptor. S2/CLASS say which walk; FetchAddr is the descriptor PA.',
    [...COMMON, PNU, IND, RNW, S2, CLASS, INPUT, FETCH],
  ),
  ev(
    0x10,
    'F_TRANSLATION',
    '7.3.13',
    'fault',
    'Translation fault: the address failed the TxSZ/SLx range check, lay in a disabled TTBx (EPDx), or no valid descriptor was found.',
    TRANSLATION_FAULT,
  ),
  ev(
    0x11,
    'F_ADDR_SIZE',
    '7.3.14',
    'fault',
    "Address Size fault: a descriptor (or stage 1 bypass) produced an output address beyond the stage's effective IPS/S2PS.",
    TRANSLATION_FAULT,
  ),
  ev(
    0x12,
    'F_ACCESS',
    '7.3.15',
    'fault',
    'Access flag fault: AF == 0 in a Page or Block descriptor and hardware update of AF is not enabled.',
    TRANSLATION_FAULT,
  ),
  // §7.3.16: TTRnW at 108 (Linux EVTQ_1_TT_READ, dword 1 bit 44). Overlay, AssuredOnly and
  // DirtyBit (S2PO/S2PI/S1PI) are not declared: their bits are drawn only as an image in our copy
  // and no second source (Linux, QEMU, Xen, gem5) places them. The walk knows when Overlay or
  // DirtyBit would be 1 (WalkFault.overlay, .dirtyBit) and its message says so; the record has 0.
  ev(
    0x13,
    'F_PERMISSION',
    '7.3.16',
    'fault',
    'Permission fault on the access at the stage S2 gives. For CLASS TTD, TTRnW gives the descriptor access that faulted.',
    [
      ...TRANSLATION_FAULT,
      f(
        'TTRnW',
        108,
        108,
        'Valid when CLASS is TTD: the stage 1 descriptor access that caused the stage 2 Permission fault was a read (1) or a write (0, an HTTU update); UNKNOWN otherwise.',
        {
          unknownUnless: { field: 'CLASS', values: [1] },
          values: [
            { value: 0, name: 'WRITE', description: 'A descriptor write caused the stage 2 Permission fault.' },
            { value: 1, name: 'READ', description: 'A descriptor read caused the stage 2 Permission fault.' },
          ],
        },
      ),
    ],
  ),
  // §7.3.17: both addresses are provided, IPA valid when S2 == 1; the IMPLEMENTATION DEFINED
  // Reason's bits are not in our copy and are left undeclared.
  ev(
    0x20,
    'F_TLB_CONFLICT',
    '7.3.17',
    'fault',
    'A TLB conflict (multiple match) caused by the transaction; its nature is IMPLEMENTATION DEFINED.',
    [...COMMON, PNU, IND, RNW, S2, INPUT, IPA],
  ),
  // §7.3.18 diagram: Reason fills [95:64].
  ev(
    0x21,
    'F_CFG_CONFLICT',
    '7.3.18',
    'fault',
    'A configuration cache conflict (for example STE.CONT overlapping a non-identical STE) caused a multiple match on lookup; IMPLEMENTATION DEFINED.',
    [...COMMON, f('Reason', 95, 64, 'IMPLEMENTATION DEFINED conflict reason.', { openValues: true })],
  ),
  // §7.3.19 diagram: InputAddr[63:12] at [191:140], Span [115:108], pR 103, pW 102, pX 101,
  // uR 99, uW 98, uX 97; bits 100 and 96 RES0.
  ev(
    0x24,
    'E_PAGE_REQUEST',
    '7.3.19',
    'other',
    'Speculative page request hint: the device expects to access InputAddr..InputAddr + Span × 4KB with the flagged permissions soon. No response is required.',
    [
      ...COMMON,
      f('uX', 97, 97, 'Unprivileged Execute access anticipated.', { openValues: true }),
      f('uW', 98, 98, 'Unprivileged Write access anticipated.', { openValues: true }),
      f('uR', 99, 99, 'Unprivileged Read access anticipated.', { openValues: true }),
      f('pX', 101, 101, 'Privileged Execute access anticipated.', { openValues: true }),
      f('pW', 102, 102, 'Privileged Write access anticipated.', { openValues: true }),
      f('pR', 103, 103, 'Privileged Read access anticipated.', { openValues: true }),
      f('Span', 115, 108, 'Size of the anticipated access span, in 4KB units (bytes = Span × 4096).', {
        openValues: true,
      }),
      f('InputAddr', 191, 140, 'Start of the anticipated access span (InputAddr[63:12]).', {
        openValues: true,
        addrShift: 12,
      }),
    ],
  ),
  // §7.3.20 diagram: Reason [79:64], GPCF [80], FetchAddr[55:3] at [247:195].
  ev(
    0x25,
    'F_VMS_FETCH',
    '7.3.20',
    'fault',
    'Fetch of a VMS caused an external abort. Lower priority than C_BAD_STE (a valid STE is needed to fetch the VMS).',
    [...COMMON, FETCH_REASON, GPCF, FETCH],
  ),
] as const;

/** The name of every event of the table, as a literal union (`'F_TRANSLATION' | 'C_BAD_STE' | ...`). */
export type EventName = (typeof TABLE)[number]['name'];

export const EVENTS: readonly EventDef[] = TABLE;

const BY_NAME = new Map<string, EventDef>(EVENTS.map((e) => [e.name, e]));
const BY_ID = new Map(EVENTS.map((e) => [e.id, e]));

/** An event by name, case-insensitive, with or without an `EVT_` prefix (`evt_f_translation`). */
export function findEvent(name: string): EventDef | undefined {
  return BY_NAME.get(name.trim().toUpperCase().replace(/^EVT_/, ''));
}

/** An event the code names: an `EventName`, so a misspelt name does not compile. */
export function getEvent(name: EventName): EventDef {
  const e = BY_NAME.get(name);
  if (!e) throw new Error(`internal: event ${name} is not in the table`);
  return e;
}

export function eventById(id: number): EventDef | undefined {
  return BY_ID.get(id);
}

/** IMPLEMENTATION DEFINED event numbers 0xE0–0xEF (§7.3.21); every other unlisted number is Reserved. */
export function isImpdefEvent(id: number): boolean {
  return id >= 0xe0 && id <= 0xef;
}

/**
 * A PRI queue entry (§8): a PCIe Page Request as the SMMU records it, 16 bytes, little-endian.
 * §8 lists the fields (StreamID[31:0], SSV, SubstreamID[19:0], Page address[63:12],
 * PRGIndex[8:0], Last/W/R/X/Priv); the diagram is an image in our copy, so the positions are
 * those of the Linux driver's PRIQ_* definitions (facts §5.5): dword 0 holds StreamID [31:0],
 * SubstreamID [51:32], Priv 58, X 59, R 60, W 61, Last 62, SSV 63; dword 1 holds PRGIndex [8:0]
 * and the page address bits [63:12].
 */
export const PRI_REQUEST: LayoutDef = {
  name: 'PRI_REQUEST',
  bits: 128,
  section: '8',
  summary:
    'A PCIe Page Request: StreamID, optional SubstreamID (PASID), requested permissions, page address and Page Request Group index. Answered by CMD_PRI_RESP for the group.',
  fields: [
    f('StreamID', 31, 0, 'StreamID of the requester; with PRI, StreamID[15:0] equals the PCIe RequesterID.', {
      openValues: true,
    }),
    f('SubstreamID', 51, 32, 'PASID of the request; UNKNOWN when SSV is 0.', { openValues: true }),
    f('Priv', 58, 58, "Privileged access requested (the spec's Priv). 0 when SSV is 0.", { openValues: true }),
    f('Exec', 59, 59, "Execute access requested (the spec's X). 0 when SSV is 0.", { openValues: true }),
    f('Read', 60, 60, "Read access requested (the spec's R).", { openValues: true }),
    f('Write', 61, 61, "Write access requested (the spec's W).", { openValues: true }),
    f(
      'L',
      62,
      62,
      "Last request of its Page Request Group (the spec's Last); L/W/R == 0b100 with SSV == 1 is a Stop PASID marker.",
      { openValues: true },
    ),
    f('SSV', 63, 63, 'Substream valid: 1 the request had a PASID TLP prefix.', {
      values: [
        { value: 0, name: 'NO_SUBSTREAM', description: 'No PASID prefix; SubstreamID is UNKNOWN.' },
        { value: 1, name: 'SUBSTREAM', description: 'The request had a PASID prefix.' },
      ],
    }),
    f('PRGIndex', 72, 64, 'Page Request Group index, to be returned in CMD_PRI_RESP.', { openValues: true }),
    f('PageAddr', 127, 76, 'Page address (bits [63:12]).', { openValues: true, addrShift: 12 }),
  ],
};
