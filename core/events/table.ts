/**
 * Event records (§7.3): 32 bytes, little-endian, one table entry per event type with every field
 * at its architectural position. The event number is bits [7:0]; StreamID [63:32]; SSV [11] and
 * SubstreamID [31:12] where the record has them. Fault records of translation (F_WALK_EABT,
 * F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION) share one layout: STAG [79:64], Stall [95],
 * PnU [97], InD [98], RnW [99], S2 [103], CLASS [105:104], InputAddr [191:128], and IPA [247:204]
 * or FetchAddr [247:195] (address bit n at record bit 192 + n).
 *
 * Where the architecture's record diagram leaves a field's position uncertain in our sources
 * (F_BAD_ATS_TREQ, F_TLB_CONFLICT, F_CFG_CONFLICT, E_PAGE_REQUEST details) only the common fields
 * are declared: a wrong bit is worse than a missing one (decoders then show the rest as raw bits).
 */
import type { LayoutDef, LayoutField } from '../layout/types';

export interface EventDef extends LayoutDef {
  /** Event number, bits [7:0] (§7.3). */
  readonly id: number;
  readonly kind: 'fault' | 'config' | 'other';
}

const CLASS_VALUES = [
  { value: 0, name: 'CD', description: 'CD fetch.' },
  { value: 1, name: 'TTD', description: 'Stage 1 translation table fetch.' },
  { value: 2, name: 'IN', description: 'Input address caused the fault.' },
];

const f = (name: string, msb: number, lsb: number, description: string, extra: Partial<LayoutField> = {}): LayoutField => ({ name, msb, lsb, description, ...extra });

const NUMBER = f('EventNumber', 7, 0, 'Event number.', { openValues: true });
const SSV = f('SSV', 11, 11, 'SubstreamID valid: 1 if the transaction had a SubstreamID.', { values: [{ value: 0, name: 'NO_SUBSTREAM' }, { value: 1, name: 'SUBSTREAM' }] });
const SUBSTREAM = f('SubstreamID', 31, 12, 'SubstreamID of the transaction (valid when SSV is 1).', { openValues: true });
const STREAM = f('StreamID', 63, 32, 'StreamID of the transaction.', { openValues: true });
const COMMON = [NUMBER, SSV, SUBSTREAM, STREAM];
const STAG = f('STAG', 79, 64, 'Stall tag: give it to CMD_RESUME / CMD_STALL_TERM (valid when Stall is 1).', { openValues: true });
const STALL = f('Stall', 95, 95, '1: the transaction is stalled awaiting CMD_RESUME.', { values: [{ value: 0, name: 'TERMINATED' }, { value: 1, name: 'STALLED' }] });
const PNU = f('PnU', 97, 97, 'Privileged (1) or unprivileged (0) access, after STE overrides.', { values: [{ value: 0, name: 'UNPRIVILEGED' }, { value: 1, name: 'PRIVILEGED' }] });
const IND = f('InD', 98, 98, 'Instruction (1) or data (0) access, after STE overrides.', { values: [{ value: 0, name: 'DATA' }, { value: 1, name: 'INSTRUCTION' }] });
const RNW = f('RnW', 99, 99, 'Read (1) or write (0).', { values: [{ value: 0, name: 'WRITE' }, { value: 1, name: 'READ' }] });
const S2 = f('S2', 103, 103, 'Stage of the fault: 0 stage 1, 1 stage 2.', { values: [{ value: 0, name: 'STAGE1' }, { value: 1, name: 'STAGE2' }] });
const CLASS = f('CLASS', 105, 104, 'What caused the fault: CD fetch, stage 1 table fetch, or the input address.', { values: CLASS_VALUES });
const TTRNW = f('TTRnW', 108, 108, 'For CLASS TTD: the table walk access that faulted was a read (1) or an HTTU write (0).', { openValues: true });
const INPUT = f('InputAddr', 191, 128, 'Input address of the transaction (VA, IPA or PA by configuration).', { openValues: true });
const IPA = f('IPA', 247, 204, 'For stage 2 faults: the IPA (bits [55:12]).', { openValues: true, addrShift: 12 });
const FETCH = f('FetchAddr', 247, 195, 'Address of the structure or descriptor whose fetch was aborted (bits [55:3]).', { openValues: true, addrShift: 3 });
const GPCF = f('GPCF', 80, 80, '1: the abort arose from a Granule Protection Check fault.', { openValues: true });
const TRANSLATION_FAULT = [...COMMON, STAG, STALL, PNU, IND, RNW, S2, CLASS, INPUT];

function ev(id: number, name: string, section: string, kind: EventDef['kind'], summary: string, fields: readonly LayoutField[]): EventDef {
  return { id, name, section, kind, summary, bits: 256, fields };
}

export const EVENTS: readonly EventDef[] = [
  ev(0x01, 'F_UUT', '7.3.2', 'fault', 'Unsupported upstream transaction (IMPLEMENTATION DEFINED reason).', [...COMMON, f('Reason', 95, 80, 'IMPLEMENTATION DEFINED cause.', { openValues: true }), PNU, IND, RNW, INPUT]),
  ev(0x02, 'C_BAD_STREAMID', '7.3.3', 'config', 'StreamID out of range of the stream table, or its L1STD is invalid (recorded when CR2.RECINVSID is 1).', COMMON),
  ev(0x03, 'F_STE_FETCH', '7.3.4', 'fault', 'External abort fetching an STE (or L1STD).', [...COMMON, GPCF, FETCH]),
  ev(0x04, 'C_BAD_STE', '7.3.5', 'config', 'The STE is invalid (V == 0) or ILLEGAL.', COMMON),
  ev(0x05, 'F_BAD_ATS_TREQ', '7.3.6', 'fault', 'An ATS Translation Request that is not allowed.', COMMON),
  ev(0x06, 'F_STREAM_DISABLED', '7.3.7', 'fault', 'Traffic without a SubstreamID (or with SubstreamID 0) on a stream whose S1DSS terminates it.', COMMON),
  ev(0x07, 'F_TRANSL_FORBIDDEN', '7.3.8', 'fault', 'An ATS-translated transaction where translated traffic is not allowed.', [...COMMON, RNW, INPUT]),
  ev(0x08, 'C_BAD_SUBSTREAMID', '7.3.9', 'config', 'SubstreamID out of range, substreams disabled, or the L1CD invalid.', [NUMBER, SUBSTREAM, STREAM]),
  ev(0x09, 'F_CD_FETCH', '7.3.10', 'fault', 'External abort fetching a CD (or L1CD).', [...COMMON, GPCF, FETCH]),
  ev(0x0a, 'C_BAD_CD', '7.3.11', 'config', 'The CD is invalid (V == 0) or ILLEGAL.', COMMON),
  ev(0x0b, 'F_WALK_EABT', '7.3.12', 'fault', 'External abort fetching or updating a translation table descriptor.', [...TRANSLATION_FAULT, FETCH]),
  ev(0x10, 'F_TRANSLATION', '7.3.13', 'fault', 'Translation fault: out of the TxSZ range, a disabled TTBx, or no valid descriptor.', [...TRANSLATION_FAULT, IPA]),
  ev(0x11, 'F_ADDR_SIZE', '7.3.14', 'fault', 'Address Size fault: an output address beyond the stage\'s IPS/S2PS.', [...TRANSLATION_FAULT, IPA]),
  ev(0x12, 'F_ACCESS', '7.3.15', 'fault', 'Access flag fault: AF == 0 without hardware update.', [...TRANSLATION_FAULT, IPA]),
  ev(0x13, 'F_PERMISSION', '7.3.16', 'fault', 'Permission fault.', [...TRANSLATION_FAULT, TTRNW, IPA]),
  ev(0x20, 'F_TLB_CONFLICT', '7.3.17', 'fault', 'TLB conflict (IMPLEMENTATION DEFINED).', COMMON),
  ev(0x21, 'F_CFG_CONFLICT', '7.3.18', 'fault', 'Configuration cache conflict (IMPLEMENTATION DEFINED).', COMMON),
  ev(0x24, 'E_PAGE_REQUEST', '7.3.19', 'other', 'Speculative page request hint.', COMMON),
  ev(0x25, 'F_VMS_FETCH', '7.3.20', 'fault', 'External abort fetching a VMS.', [...COMMON, f('Reason', 79, 64, 'IMPLEMENTATION DEFINED cause.', { openValues: true }), GPCF, FETCH]),
];

const BY_NAME = new Map(EVENTS.map((e) => [e.name, e]));
const BY_ID = new Map(EVENTS.map((e) => [e.id, e]));

/** An event by name, case-insensitive, with or without an `EVT_` prefix. */
export function findEvent(name: string): EventDef | undefined {
  return BY_NAME.get(name.toUpperCase().replace(/^EVT_/, ''));
}

export function eventById(id: number): EventDef | undefined {
  return BY_ID.get(id);
}

/** IMPLEMENTATION DEFINED event numbers 0xE0–0xEF (§7.3.21). */
export function isImpdefEvent(id: number): boolean {
  return id >= 0xe0 && id <= 0xef;
}

/** A PRI queue entry, a PCIe Page Request (§8): 16 bytes. */
export const PRI_REQUEST: LayoutDef = {
  name: 'PRI_REQUEST',
  bits: 128,
  section: '8',
  summary: 'A Page Request from a device: StreamID, optional SubstreamID, access kind, page address, and its page request group.',
  fields: [
    f('StreamID', 31, 0, 'StreamID of the requesting device.', { openValues: true }),
    f('SubstreamID', 51, 32, 'PASID of the request (valid when SSV is 1).', { openValues: true }),
    f('Priv', 58, 58, 'Privileged access requested.', { openValues: true }),
    f('Exec', 59, 59, 'Execute access requested.', { openValues: true }),
    f('Read', 60, 60, 'Read access requested.', { openValues: true }),
    f('Write', 61, 61, 'Write access requested.', { openValues: true }),
    f('L', 62, 62, 'Last request of its Page Request Group.', { openValues: true }),
    f('SSV', 63, 63, 'SubstreamID valid.', { openValues: true }),
    f('PRGIndex', 72, 64, 'Page Request Group index, for CMD_PRI_RESP.', { openValues: true }),
    f('PageAddr', 127, 76, 'Page address (bits [63:12]).', { openValues: true, addrShift: 12 }),
  ],
};
