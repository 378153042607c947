/**
 * The commands of the SMMUv3 command queue (§4): one declarative entry per command with every
 * field at its absolute bit position in the 128-bit entry (bits [63:0] are the first eight bytes
 * in memory). Positions follow §4.x; where the Markdown of the specification shows a command's
 * layout only as an image, they come from the Linux and Xen `arm-smmu-v3.h` CMDQ_* masks and
 * QEMU's CMD_* macros, cross-checked with the specification's text (TLBI common fields §4.4.1,
 * CMD_SYNC §4.7.3, CMD_RESUME §4.7.1). Bits outside every field are RES0 (§4.1.5).
 */
import type { FeatureRef, LayoutDef, LayoutField } from '../layout/types';

export type CommandGroup = 'prefetch' | 'cfgi' | 'tlbi' | 'ats' | 'pri' | 'fault' | 'sync';

export interface CommandDef extends LayoutDef {
  readonly opcode: number;
  readonly group: CommandGroup;
  /** Features without which the command is CERROR_ILL (§4.1.3 "irrelevant to an implementation"). */
  readonly requires?: readonly FeatureRef[];
  /** Why the command is illegal on the Non-secure queue regardless of features (EL3 commands). */
  readonly secureOnly?: boolean;
  /** Other spellings users type (Linux CMDQ_OP_*). */
  readonly aliases?: readonly string[];
}

const S1P: FeatureRef = { register: 'IDR0', field: 'S1P' };
const S2P: FeatureRef = { register: 'IDR0', field: 'S2P' };
const HYP: FeatureRef = { register: 'IDR0', field: 'HYP' };
const ATS: FeatureRef = { register: 'IDR0', field: 'ATS' };
const PRI: FeatureRef = { register: 'IDR0', field: 'PRI' };
const RIL: FeatureRef = { register: 'IDR3', field: 'RIL' };

const f = (name: string, msb: number, lsb: number, description: string, extra: Partial<LayoutField> = {}): LayoutField => ({ name, msb, lsb, description, ...extra });

const OPCODE = f('Opcode', 7, 0, 'Command opcode (§4.1.1).', { openValues: true });
const SSEC = f('SSec', 10, 10, 'Secure StreamID; must be 0 on the Non-secure command queue.', { openValues: true });
const SSV = f('SSV', 11, 11, 'SubstreamID valid.', { openValues: true });
const SUBSTREAM = f('SubstreamID', 31, 12, 'SubstreamID (when SSV is 1).', { openValues: true });
const STREAM = f('StreamID', 63, 32, 'StreamID.', { openValues: true });
const LEAF = f('Leaf', 64, 64, '1: only the leaf (STE, CD or last-level TLB entry) needs invalidating; 0: intermediate structures too.', { openValues: true });
const VMID = f('VMID', 47, 32, 'VMID (bits [47:40] RES0 without IDR0.VMID16).', { openValues: true });
const ASID = f('ASID', 63, 48, 'ASID (bits [63:56] RES0 without IDR0.ASID16).', { openValues: true });
const NUM = f('NUM', 16, 12, 'Range invalidation: (NUM+1) × 2^SCALE granules (§4.4.1.1).', { openValues: true, requires: RIL });
const SCALE = f('SCALE', 24, 20, 'Range invalidation scale (§4.4.1.1).', { openValues: true, requires: RIL });
const TTL = f('TTL', 73, 72, 'Level of the leaf entries, a hint (§4.4.1.1); used when TG != 0.', { openValues: true, requires: RIL });
const TG = f('TG', 75, 74, 'Translation granule of the entries (§4.4.1.1): 0 no range/hint.', {
  requires: RIL,
  values: [
    { value: 0, name: 'NONE', description: 'No range invalidation, no level hint.' },
    { value: 1, name: 'TG_4KB' },
    { value: 2, name: 'TG_16KB' },
    { value: 3, name: 'TG_64KB' },
  ],
});
const VA = f('Address', 127, 76, 'Virtual address [63:12].', { openValues: true, addrShift: 12 });
const IPA = f('Address', 119, 76, 'IPA [55:12].', { openValues: true, addrShift: 12 });
const RANGE_FIELDS = [NUM, SCALE, LEAF, TTL, TG];

function cmd(opcode: number, name: string, section: string, group: CommandGroup, summary: string, fields: readonly LayoutField[], extra: Partial<CommandDef> = {}): CommandDef {
  return { opcode, name, section, group, summary, bits: 128, fields: [OPCODE, ...fields], ...extra };
}

export const COMMANDS: readonly CommandDef[] = [
  cmd(0x01, 'CMD_PREFETCH_CONFIG', '4.2.1', 'prefetch', 'Prefetch the configuration (STE, CD) of a stream into the configuration cache.', [SSEC, SSV, SUBSTREAM, STREAM]),
  cmd(0x02, 'CMD_PREFETCH_ADDR', '4.2.2', 'prefetch', 'Prefetch translations of an address range of a stream.', [SSEC, SSV, SUBSTREAM, STREAM, f('Size', 68, 64, 'Number of translations: 2^Size strides.', { openValues: true }), VA]),
  cmd(0x03, 'CMD_CFGI_STE', '4.3.1', 'cfgi', 'Invalidate the cached STE of a StreamID (and the CDs cached through it).', [SSEC, STREAM, LEAF]),
  cmd(0x04, 'CMD_CFGI_STE_RANGE', '4.3.2', 'cfgi', 'Invalidate the STEs of 2^(Range+1) StreamIDs (Range 31: CMD_CFGI_ALL).', [SSEC, STREAM, f('Range', 68, 64, 'Invalidates 2^(Range+1) StreamIDs aligned to the range.', { openValues: true })]),
  cmd(0x04, 'CMD_CFGI_ALL', '4.3.2', 'cfgi', 'Invalidate all cached configuration: CMD_CFGI_STE_RANGE with Range 31.', [SSEC, STREAM, f('Range', 68, 64, 'Always 31 for CMD_CFGI_ALL.', { openValues: true })]),
  cmd(0x05, 'CMD_CFGI_CD', '4.3.3', 'cfgi', 'Invalidate one cached CD of a StreamID.', [SSEC, SUBSTREAM, STREAM, LEAF], { requires: [S1P] }),
  cmd(0x06, 'CMD_CFGI_CD_ALL', '4.3.4', 'cfgi', 'Invalidate all cached CDs of a StreamID.', [SSEC, STREAM], { requires: [S1P] }),
  cmd(0x10, 'CMD_TLBI_NH_ALL', '4.4.2.1', 'tlbi', 'Invalidate all non-Hyp stage 1 entries of a VMID.', [VMID], { requires: [S1P] }),
  cmd(0x11, 'CMD_TLBI_NH_ASID', '4.4.2.2', 'tlbi', 'Invalidate non-Hyp stage 1 entries of an ASID (and VMID).', [VMID, ASID], { requires: [S1P] }),
  cmd(0x12, 'CMD_TLBI_NH_VA', '4.4.2.3', 'tlbi', 'Invalidate non-Hyp stage 1 entries by VA and ASID (and VMID); global entries too.', [VMID, ASID, ...RANGE_FIELDS, VA], { requires: [S1P] }),
  cmd(0x13, 'CMD_TLBI_NH_VAA', '4.4.2.4', 'tlbi', 'Invalidate non-Hyp stage 1 entries by VA, all ASIDs (of a VMID).', [VMID, ...RANGE_FIELDS, VA], { requires: [S1P] }),
  cmd(0x18, 'CMD_TLBI_EL3_ALL', '4.4.2.5', 'tlbi', 'Invalidate all EL3 entries (Secure command queue only).', [], { secureOnly: true }),
  cmd(0x1a, 'CMD_TLBI_EL3_VA', '4.4.2.6', 'tlbi', 'Invalidate EL3 entries by VA (Secure command queue only).', [...RANGE_FIELDS, VA], { secureOnly: true }),
  cmd(0x20, 'CMD_TLBI_EL2_ALL', '4.4.2.7', 'tlbi', 'Invalidate all EL2 (and EL2-E2H) entries.', [], { requires: [HYP, S1P] }),
  cmd(0x21, 'CMD_TLBI_EL2_ASID', '4.4.2.8', 'tlbi', 'Invalidate EL2-E2H entries of an ASID.', [ASID], { requires: [HYP, S1P] }),
  cmd(0x22, 'CMD_TLBI_EL2_VA', '4.4.2.9', 'tlbi', 'Invalidate EL2 entries by VA (and ASID for EL2-E2H).', [ASID, ...RANGE_FIELDS, VA], { requires: [HYP, S1P] }),
  cmd(0x23, 'CMD_TLBI_EL2_VAA', '4.4.2.10', 'tlbi', 'Invalidate EL2 entries by VA, all ASIDs.', [...RANGE_FIELDS, VA], { requires: [HYP, S1P] }),
  cmd(0x28, 'CMD_TLBI_S12_VMALL', '4.4.3.1', 'tlbi', 'Invalidate all entries of a VMID, both stages.', [VMID], { requires: [S2P] }),
  cmd(0x2a, 'CMD_TLBI_S2_IPA', '4.4.3.2', 'tlbi', 'Invalidate stage 2 entries of a VMID by IPA.', [VMID, ...RANGE_FIELDS, IPA], { requires: [S2P] }),
  cmd(0x30, 'CMD_TLBI_NSNH_ALL', '4.4.4', 'tlbi', 'Invalidate all Non-secure non-Hyp entries, every VMID, both stages.', []),
  cmd(0x40, 'CMD_ATC_INV', '4.5.1', 'ats', 'Invalidate a device\'s ATC (an ATS Invalidate Request).', [
    f('Global', 9, 9, 'Invalidate global entries of all PASIDs.', { openValues: true }), SSV, SUBSTREAM, STREAM,
    f('Size', 69, 64, 'Span: 4 KB × 2^Size (52 or more: everything).', { openValues: true }), VA,
  ], { requires: [ATS] }),
  cmd(0x41, 'CMD_PRI_RESP', '4.5.2', 'pri', 'Respond to a PRI Page Request Group.', [SSV, SUBSTREAM, STREAM,
    f('PRGIndex', 72, 64, 'Page Request Group index being answered.', { openValues: true }),
    f('Resp', 77, 76, 'Response code.', { values: [{ value: 0, name: 'Failure' }, { value: 1, name: 'InvalidRequest' }, { value: 2, name: 'Success' }] }),
  ], { requires: [PRI] }),
  cmd(0x44, 'CMD_RESUME', '4.7.1', 'fault', 'Retry or terminate a stalled transaction.', [SSEC,
    f('Ac', 12, 12, 'Action: 1 retry, 0 terminate.', { values: [{ value: 0, name: 'TERMINATE' }, { value: 1, name: 'RETRY' }] }),
    f('Ab', 13, 13, 'Terminate with an abort (1) or RAZ/WI (0); ignored when IDR0.TERM_MODEL is 1.', { openValues: true }),
    STREAM, f('STAG', 79, 64, 'Stall tag from the fault event record.', { openValues: true }),
  ]),
  cmd(0x45, 'CMD_STALL_TERM', '4.7.2', 'fault', 'Terminate all stalled transactions of a StreamID.', [SSEC, STREAM]),
  cmd(0x46, 'CMD_SYNC', '4.7.3', 'sync', 'Complete all earlier commands; optionally signal by interrupt, MSI or SEV.', [
    f('CS', 13, 12, 'Completion signal.', { values: [{ value: 0, name: 'SIG_NONE' }, { value: 1, name: 'SIG_IRQ' }, { value: 2, name: 'SIG_SEV' }] }),
    f('MSH', 23, 22, 'Shareability of the MSI write.', { values: [{ value: 0, name: 'NSH' }, { value: 1, name: 'MSH_RESERVED' }, { value: 2, name: 'OSH' }, { value: 3, name: 'ISH' }] }),
    f('MSIAttr', 27, 24, 'Memory type of the MSI write (STE.MemAttr encoding).', { openValues: true }),
    f('MSIData', 63, 32, 'Data of the MSI write.', { openValues: true }),
    f('MSIAddress', 119, 66, 'MSI target address [55:2]; 0: no MSI.', { openValues: true, addrShift: 2 }),
  ]),
];

const BY_NAME = new Map<string, CommandDef>();
for (const c of COMMANDS) {
  BY_NAME.set(c.name, c);
  for (const a of c.aliases ?? []) BY_NAME.set(a.toUpperCase(), c);
}
const BY_OPCODE: (CommandDef | undefined)[] = [];
for (const c of COMMANDS) if (!BY_OPCODE[c.opcode]) BY_OPCODE[c.opcode] = c;

/** A command by name, case-insensitive, with or without `CMD_`. */
export function findCommand(name: string): CommandDef | undefined {
  const n = name.toUpperCase();
  return BY_NAME.get(n.startsWith('CMD_') ? n : `CMD_${n}`);
}

/** The command an opcode selects (0x04 gives CMD_CFGI_STE_RANGE; decode tells CFGI_ALL apart). */
export function commandByOpcode(op: number): CommandDef | undefined {
  return BY_OPCODE[op];
}
