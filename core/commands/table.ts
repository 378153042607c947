/**
 * The commands of the SMMUv3 Non-secure command queue (§4): one declarative entry per command,
 * every field at its absolute bit position in the 128-bit entry (bits [63:0] are the first eight
 * bytes in memory, §4.1.1 "All Command queue entries are little-endian").
 *
 * Where the specification gives bit numbers in text they are used directly: the range/level-hint
 * fields of §4.4.1.1 (SCALE [25:20], NUM [16:12], TG [75:74], TTL [73:72], TTL128 [71]) and the
 * CMD_TLBI_NH_ASID diagram (§4.4.2.2: ASID [63:48], VMID [47:32], opcode [7:0]). The other
 * layouts are images in the Markdown of the specification; their positions come from the Linux
 * and Xen `arm-smmu-v3.h` CMDQ_* masks and QEMU's CMD_* macros, which agree with each other, and
 * are cross-checked with the parameter lists and prose of §4.2–§4.7.
 *
 * Bits outside every field are RES0 (§4.1.5). Parameters named by the specification whose
 * positions could not be confirmed are not declared as fields: CMD_PREFETCH_ADDR's Stride and NS
 * (§4.2.2) are drawn only as an image in our copy of the specification, and no second source
 * places them (Linux's arm-smmu-v3.h and Xen's smmu-v3.h define only CMDQ_PREFETCH_1_SIZE [4:0] and
 * CMDQ_PREFETCH_1_ADDR_MASK [63:12] of the second doubleword; QEMU's smmuv3-internal.h, FreeBSD's
 * smmureg.h, gem5's SMMUv3 model, OpenVMM's and cloud-hypervisor's SMMUv3 devices define no
 * Stride or NS either). The command lists the bits they
 * must lie in as `unlocated` instead (see CommandDef).
 */
import type { FeatureRef, LayoutDef, LayoutField } from '../layout/types';

export type CommandGroup = 'prefetch' | 'cfgi' | 'tlbi' | 'ats' | 'pri' | 'fault' | 'sync';

/**
 * A command of the table. `N` is its name: the table is declared `as const` through `cmd`, so
 * `CommandName` is the union of the names it holds and code that acts on every command (the
 * executor, command-exec.ts) is a record keyed by that union, checked complete by the compiler.
 */
export interface CommandDef<N extends string = CommandName> extends LayoutDef {
  readonly name: N;
  readonly opcode: number;
  readonly group: CommandGroup;
  /**
   * Features without which the command is CERROR_ILL (§7.1: "architecture-defined commands
   * irrelevant to an implementation without certain feature").
   */
  readonly requires?: readonly FeatureRef[];
  /**
   * Valid only on the Secure Command queue: CERROR_ILL on the Non-secure one (the EL3 commands,
   * §4.4.2.5; the Secure EL2 and Secure stage 2 ones, §4.4.2.11–§4.4.2.14, §4.4.3.3, §4.4.3.4, §4.4.4.2).
   */
  readonly secureOnly?: boolean;
  /** Other spellings users type (Linux CMDQ_OP_*). */
  readonly aliases?: readonly string[];
  /**
   * Parameters the section names whose bit positions are not known to this table: the bits
   * left between the located fields, where they must lie. From SMMUv3.`sinceMinor` on, a set bit
   * there is not taken for a RES0 bit (no CERROR_ILL); the codec warns that it is not checked.
   */
  readonly unlocated?: {
    readonly params: string;
    readonly bits: readonly (readonly [number, number])[];
    readonly sinceMinor: number;
    readonly why: string;
  };
}

const S1P: FeatureRef = { register: 'IDR0', field: 'S1P' };
const S2P: FeatureRef = { register: 'IDR0', field: 'S2P' };
const HYP: FeatureRef = { register: 'IDR0', field: 'HYP' };
const ATS: FeatureRef = { register: 'IDR0', field: 'ATS' };
const PRI: FeatureRef = { register: 'IDR0', field: 'PRI' };
const RIL: FeatureRef = { register: 'IDR3', field: 'RIL' };
const MPAM: FeatureRef = { register: 'IDR3', field: 'MPAM' };
const DPT: FeatureRef = { register: 'IDR3', field: 'DPT' };
const D128: FeatureRef = { register: 'IDR5', field: 'D128' };
/** Secure EL2 and Secure stage 2 (§3.10.2.2): without it the Secure EL2 and stage 2 opcodes are Reserved. */
const SEL2: FeatureRef = { register: 'S_IDR1', field: 'SEL2' };
/** §4.4.2.5, §4.4.2.6: with RME DA there is no EL3 StreamWorld, and the EL3 commands are CERROR_ILL. */
const NO_RME: FeatureRef = { register: 'IDR0', field: 'RME_IMPL', equals: 0 };

const f = (
  name: string,
  msb: number,
  lsb: number,
  description: string,
  extra: Partial<LayoutField> = {},
): LayoutField => ({ name, msb, lsb, description, ...extra });

// Common fields (§4.1.6).
const OPCODE = f('Opcode', 7, 0, 'Command opcode (§4.1.1).', { openValues: true });
const SSEC = f(
  'SSec',
  10,
  10,
  'StreamID is Secure (1) or Non-secure (0); must be 0 on the Non-secure Command queue, else CERROR_ILL (§4.1.6).',
  { openValues: true },
);
const SSV = f('SSV', 11, 11, 'Substream valid: 1 when SubstreamID is supplied (§4.1.6).', { openValues: true });
const SUBSTREAM = f('SubstreamID', 31, 12, 'SubstreamID (used when SSV is 1).', { openValues: true });
const STREAM = f('StreamID', 63, 32, 'StreamID.', { openValues: true });

// Configuration invalidation (§4.3).
const CFGI_SUBSTREAM = f('SubstreamID', 31, 12, 'Index of the CD to invalidate in the CD table of StreamID (§4.3.3).', {
  openValues: true,
});
const CFGI_LEAF = f(
  'Leaf',
  64,
  64,
  '1: only the STE/CD itself; 0: also the intermediate L1 descriptors walked to find it (§4.3.1, §4.3.3).',
  { openValues: true },
);
const RANGE = f(
  'Range',
  68,
  64,
  'Invalidates an aligned range of 2^(Range+1) StreamIDs; the bottom Range+1 bits of StreamID are IGNORED; 31 is CMD_CFGI_ALL (§4.3.2).',
  { openValues: true },
);

// TLB invalidation (§4.4).
const VMID = f('VMID', 47, 32, 'VMID; bits [15:8] RES0 without SMMU_IDR0.VMID16 (§4.4).', { openValues: true });
const ASID = f('ASID', 63, 48, 'ASID; bits [15:8] RES0 without SMMU_IDR0.ASID16 (§4.4).', { openValues: true });
const TLBI_LEAF = f(
  'Leaf',
  64,
  64,
  '1: only cached entries of the last level of the walk need invalidating (§4.4.2).',
  { openValues: true },
);
// §4.4.1.1: SCALE is [25:20] when SMMU_IDR5.DS == 1, [24:20] (bit 25 RES0) otherwise; the codec checks bit 25.
const SCALE = f(
  'SCALE',
  25,
  20,
  'Range invalidation scale: Range = (NUM+1) × 2^SCALE granules; RES0 when TG is 0; bit 25 RES0 without SMMU_IDR5.DS (§4.4.1.1).',
  { openValues: true, requires: RIL },
);
const NUM = f('NUM', 16, 12, 'Range invalidation granule multiplier; RES0 when TG is 0 (§4.4.1.1).', {
  openValues: true,
  requires: RIL,
});
const TTL128 = f(
  'TTL128',
  71,
  71,
  'The TTL hint applies to 128-bit descriptors; RES0 when TG or TTL is 0 (§4.4.1.1).',
  { openValues: true, requires: D128 },
);
const TTL = f(
  'TTL',
  73,
  72,
  'Level hint: level of the leaf entries (1–3), 0 any level; RES0 when TG is 0 (§4.4.1.1).',
  { openValues: true, requires: RIL },
);
const TG = f(
  'TG',
  75,
  74,
  'Translation granule of the entries; non-zero selects range invalidation and the TTL hint (§4.4.1.1).',
  {
    requires: RIL,
    values: [
      { value: 0, name: 'ANY', description: 'Any granule: no range invalidation, TTL hint not used.' },
      { value: 1, name: 'TG_4KB', description: '4KB translation granule.' },
      { value: 2, name: 'TG_16KB', description: '16KB translation granule.' },
      { value: 3, name: 'TG_64KB', description: '64KB translation granule.' },
    ],
  },
);
const VA = f('Address', 127, 76, 'Virtual address [63:12]; bits [11:0] are taken as zero (§4.1.6).', {
  openValues: true,
  addrShift: 12,
});
const IPA = f('Address', 119, 76, 'IPA [55:12]; bits [55:52] RES0 in SMMUv3.1–v3.3, [55:48] in SMMUv3.0 (§4.1.6).', {
  openValues: true,
  addrShift: 12,
});
const RANGE_FIELDS: readonly LayoutField[] = [NUM, SCALE, TLBI_LEAF, TTL128, TTL, TG];

type CommandExtra = Partial<Pick<CommandDef<string>, 'requires' | 'secureOnly' | 'aliases' | 'unlocated'>>;

function cmd<N extends string>(
  opcode: number,
  name: N,
  section: string,
  group: CommandGroup,
  summary: string,
  fields: readonly LayoutField[],
  extra: CommandExtra = {},
): CommandDef<N> {
  return { opcode, name, section, group, summary, bits: 128, fields: [OPCODE, ...fields], ...extra };
}

const TABLE = [
  // §4.2 Prefetch.
  cmd(
    0x01,
    'CMD_PREFETCH_CONFIG',
    '4.2.1',
    'prefetch',
    'Prefetch the STE and CD configuration of a StreamID (and SubstreamID when SSV is 1).',
    [SSEC, SSV, SUBSTREAM, STREAM],
    { aliases: ['CMD_PREFETCH_CFG'] },
  ),
  cmd(
    0x02,
    'CMD_PREFETCH_ADDR',
    '4.2.2',
    'prefetch',
    'Prefetch configuration and TLB entries for 2^Size translations from Address as though accessed by the stream.',
    [
      SSEC,
      SSV,
      SUBSTREAM,
      STREAM,
      f('Size', 68, 64, 'Number of translations to prefetch: 2^Size strides (§4.2.2).', { openValues: true }),
      f('Address', 127, 76, 'Virtual address [63:12] (or IPA, for stage-2-only streams) to prefetch from.', {
        openValues: true,
        addrShift: 12,
      }),
    ],
    {
      // §4.2.2: Stride (prefetches every 2^(12+Stride) bytes) is RES0 only in SMMUv3.0, where a
      // non-zero value is ignored or CERROR_ILL; NS is RES0 on the Non-secure Command queue. Their
      // positions are not confirmed (see the header): they lie among the bits no located field
      // covers, [9:8] and [75:69].
      unlocated: {
        params: 'Stride and NS',
        bits: [
          [9, 8],
          [75, 69],
        ],
        sinceMinor: 1,
        why: 'their bit positions are drawn only as an image in the specification and no second source (Linux, Xen, QEMU, FreeBSD, gem5) places them',
      },
    },
  ),
  // §4.3 Configuration structure invalidation.
  cmd(
    0x03,
    'CMD_CFGI_STE',
    '4.3.1',
    'cfgi',
    'Invalidate the cached STE of a StreamID, and the CDs cached through it.',
    [SSEC, STREAM, CFGI_LEAF],
  ),
  cmd(
    0x04,
    'CMD_CFGI_STE_RANGE',
    '4.3.2',
    'cfgi',
    'Invalidate the STEs of an aligned range of 2^(Range+1) StreamIDs (Range 31 is CMD_CFGI_ALL).',
    [SSEC, STREAM, RANGE],
  ),
  cmd(
    0x04,
    'CMD_CFGI_ALL',
    '4.3.6',
    'cfgi',
    'Invalidate all cached configuration of the Security state: CMD_CFGI_STE_RANGE with Range 31; StreamID is IGNORED.',
    [
      SSEC,
      f('StreamID', 63, 32, 'IGNORED: Range 31 covers every StreamID (§4.3.6).', { openValues: true }),
      f('Range', 68, 64, 'Always 31 for CMD_CFGI_ALL (§4.3.6).', { openValues: true }),
    ],
  ),
  cmd(
    0x05,
    'CMD_CFGI_CD',
    '4.3.3',
    'cfgi',
    'Invalidate one cached CD (index SubstreamID of the CD table of StreamID).',
    [SSEC, CFGI_SUBSTREAM, STREAM, CFGI_LEAF],
    { requires: [S1P] },
  ),
  cmd(
    0x06,
    'CMD_CFGI_CD_ALL',
    '4.3.4',
    'cfgi',
    'Invalidate all cached CDs (and L1CDs) of a StreamID.',
    [SSEC, STREAM],
    { requires: [S1P] },
  ),
  // Layout not shown in the text of §4.3.5; VMID is taken at [47:32], where every other command
  // with a VMID parameter has it ("consistent with the behavior of VMID in the CMD_TLBI_* commands").
  // CERROR_ILL without IDR3.MPAM, and when the Non-secure interface does not support the VMS
  // (§4.3.5), which needs both stages and SMMU_MPAMIDR.PARTID_MAX != 0 (§5.6.1).
  cmd(
    0x07,
    'CMD_CFGI_VMS_PIDM',
    '4.3.5',
    'cfgi',
    'Invalidate cached VMS.PARTID_MAP information of a VMID (MPAM).',
    [SSEC, VMID],
    { requires: [MPAM, S1P, S2P, { register: 'MPAMIDR', field: 'PARTID_MAX', atLeast: 1 }] },
  ),
  // §4.4.2 Stage 1 TLB invalidation: CERROR_ILL on a stage-2-only SMMU.
  cmd(
    0x10,
    'CMD_TLBI_NH_ALL',
    '4.4.2.1',
    'tlbi',
    'Invalidate all stage 1 NS-EL1 entries of a VMID, including global entries (VMALLE1).',
    [VMID],
    { requires: [S1P] },
  ),
  cmd(
    0x11,
    'CMD_TLBI_NH_ASID',
    '4.4.2.2',
    'tlbi',
    'Invalidate stage 1 NS-EL1 non-global entries by ASID and VMID (ASIDE1).',
    [VMID, ASID],
    { requires: [S1P] },
  ),
  cmd(
    0x12,
    'CMD_TLBI_NH_VA',
    '4.4.2.4',
    'tlbi',
    'Invalidate stage 1 NS-EL1 entries by VMID, ASID and VA, and global entries by VMID and VA (VA{L}E1).',
    [VMID, ASID, ...RANGE_FIELDS, VA],
    { requires: [S1P] },
  ),
  cmd(
    0x13,
    'CMD_TLBI_NH_VAA',
    '4.4.2.3',
    'tlbi',
    'Invalidate stage 1 NS-EL1 entries by VA for all ASIDs of a VMID (VAA{L}E1).',
    [VMID, ...RANGE_FIELDS, VA],
    { requires: [S1P] },
  ),
  cmd(
    0x18,
    'CMD_TLBI_EL3_ALL',
    '4.4.2.5',
    'tlbi',
    'Invalidate all stage 1 EL3 entries (ALLE3); Secure Command queue only.',
    [],
    { requires: [S1P, NO_RME], secureOnly: true },
  ),
  cmd(
    0x1a,
    'CMD_TLBI_EL3_VA',
    '4.4.2.6',
    'tlbi',
    'Invalidate stage 1 EL3 entries by VA (VA{L}E3); Secure Command queue only.',
    [...RANGE_FIELDS, VA],
    { requires: [S1P, NO_RME], secureOnly: true },
  ),
  cmd(
    0x20,
    'CMD_TLBI_EL2_ALL',
    '4.4.2.7',
    'tlbi',
    'Invalidate all stage 1 NS-EL2 and NS-EL2-E2H entries (ALLE2).',
    [],
    { requires: [S1P, HYP] },
  ),
  cmd(
    0x21,
    'CMD_TLBI_EL2_ASID',
    '4.4.2.10',
    'tlbi',
    'Invalidate stage 1 NS-EL2-E2H non-global entries by ASID.',
    [ASID],
    { requires: [S1P, HYP] },
  ),
  cmd(
    0x22,
    'CMD_TLBI_EL2_VA',
    '4.4.2.8',
    'tlbi',
    'Invalidate stage 1 NS-EL2 entries by VA (and ASID when SMMU_CR2.E2H is 1), including global (VA{L}E2).',
    [ASID, ...RANGE_FIELDS, VA],
    { requires: [S1P, HYP] },
  ),
  cmd(
    0x23,
    'CMD_TLBI_EL2_VAA',
    '4.4.2.9',
    'tlbi',
    'Invalidate stage 1 NS-EL2 entries by VA for all ASIDs, including global.',
    [...RANGE_FIELDS, VA],
    { requires: [S1P, HYP] },
  ),
  // §4.4.3 Stage 2 TLB invalidation: CERROR_ILL without stage 2.
  cmd(
    0x28,
    'CMD_TLBI_S12_VMALL',
    '4.4.3.2',
    'tlbi',
    'Invalidate all NS-EL1 entries of a VMID at all implemented stages (VMALLS12E1).',
    [VMID],
    { requires: [S2P] },
  ),
  cmd(
    0x2a,
    'CMD_TLBI_S2_IPA',
    '4.4.3.1',
    'tlbi',
    'Invalidate stage 2 entries by VMID and IPA (IPAS2{L}E1).',
    [VMID, ...RANGE_FIELDS, IPA],
    { requires: [S2P] },
  ),
  // §4.4.4 Common.
  cmd(
    0x30,
    'CMD_TLBI_NSNH_ALL',
    '4.4.4.1',
    'tlbi',
    'Invalidate all Non-secure non-EL2 entries at all implemented stages, every VMID (ALLE1).',
    [],
  ),
  // §4.5 ATS and PRI.
  cmd(
    0x40,
    'CMD_ATC_INV',
    '4.5.1',
    'ats',
    "Send an ATS Invalidation Request for a span of 4KB × 2^Size at Address to a device's ATC.",
    [
      f('Global', 9, 9, 'Set the Global Invalidate flag; IGNORED when SSV is 0 (§4.5.1).', { openValues: true }),
      SSV,
      SUBSTREAM,
      STREAM,
      f('Size', 69, 64, 'Span 4096 × 2^Size bytes, aligned to its size; 52 invalidates everything (§4.5.1).', {
        openValues: true,
      }),
      f('Address', 127, 76, 'Address [63:12]; bits [11+Size:0] are taken as zero (§4.5.1).', {
        openValues: true,
        addrShift: 12,
      }),
    ],
    { requires: [ATS] },
  ),
  cmd(
    0x41,
    'CMD_PRI_RESP',
    '4.5.2',
    'pri',
    'Respond to a PRI Page Request Group of a device.',
    [
      SSV,
      SUBSTREAM,
      STREAM,
      f('PRGIndex', 72, 64, 'Page Request Group Index from the page requests (§4.5.2).', { openValues: true }),
      f('Resp', 77, 76, 'Response (§4.5.2); 0b11 is Reserved: ILLEGAL.', {
        values: [
          { value: 0, name: 'ResponseFailure', description: 'Permanent non-paging error.' },
          { value: 1, name: 'InvalidRequest', description: 'Page-in unsuccessful for one or more pages in the group.' },
          { value: 2, name: 'Success', description: 'Page request group paged in successfully.' },
        ],
      }),
    ],
    { requires: [PRI] },
  ),
  // §4.7 Fault response and synchronization.
  cmd(
    0x44,
    'CMD_RESUME',
    '4.7.1',
    'fault',
    'Retry or terminate the stalled transaction identified by StreamID and STAG.',
    [
      SSEC,
      f('Ac', 12, 12, 'Action (§4.7.1).', {
        values: [
          { value: 0, name: 'Terminate', description: 'Terminate the transaction as Ab says.' },
          { value: 1, name: 'Retry', description: 'Retry as though it had just arrived; Ab is IGNORED.' },
        ],
      }),
      f(
        'Ab',
        13,
        13,
        'Abort: when terminating, 1 reports an abort, 0 completes with RAZ/WI; IGNORED when SMMU_IDR0.TERM_MODEL is 1 (§4.7.1).',
        { openValues: true },
      ),
      STREAM,
      f('STAG', 79, 64, 'Stall tag, exactly as given in the stall event record (§4.7.1).', { openValues: true }),
    ],
  ),
  cmd(0x45, 'CMD_STALL_TERM', '4.7.2', 'fault', 'Mark all stalled transactions of a StreamID for termination.', [
    SSEC,
    STREAM,
  ]),
  cmd(
    0x46,
    'CMD_SYNC',
    '4.7.3',
    'sync',
    'Complete all earlier commands of this queue; optionally signal by interrupt/MSI or SEV.',
    [
      f('CS', 13, 12, 'ComplSignal: completion signal (§4.7.3); 0b11 is Reserved (CERROR_ILL).', {
        values: [
          { value: 0, name: 'SIG_NONE', description: 'No completion signal; MSI parameters IGNORED.' },
          {
            value: 1,
            name: 'SIG_IRQ',
            description: 'Interrupt: the MSI (if MSIAddress != 0 and MSIs are supported) and/or the wired interrupt.',
          },
          { value: 2, name: 'SIG_SEV', description: 'WFE wake-up event (only when SMMU_IDR0.SEV is 1).' },
        ],
      }),
      // 0b01 is "Reserved, treated as 0b00", not ILLEGAL: the codec warns about it.
      f('MSH', 23, 22, 'Shareability of the MSI write (§4.7.3).', {
        values: [
          { value: 0, name: 'NSH', description: 'Non-shareable.' },
          { value: 2, name: 'OSH', description: 'Outer Shareable.' },
          { value: 3, name: 'ISH', description: 'Inner Shareable.' },
        ],
      }),
      f('MSIAttr', 27, 24, 'Memory type of the MSI write, encoded as STE.MemAttr (§4.7.3).', { openValues: true }),
      f('MSIData', 63, 32, 'The 32-bit value the MSI writes (§4.7.3).', { openValues: true }),
      f('MSIAddress', 119, 66, 'MSI target physical address [55:2]; 0: no MSI (§4.7.3).', {
        openValues: true,
        addrShift: 2,
      }),
    ],
  ),
  // Secure EL2 and Secure stage 2 (SMMUv3.2, SMMU_S_IDR1.SEL2): valid only on the Secure Command
  // queue, Reserved opcodes (CERROR_ILL) without Secure EL2. §4.4.2.11–§4.4.2.14: each is
  // "encoded similarly to" its NS-EL2 command, so the fields are those of CMD_TLBI_EL2_*.
  cmd(
    0x50,
    'CMD_TLBI_S_EL2_ALL',
    '4.4.2.11',
    'tlbi',
    'Invalidate all stage 1 S-EL2 and S-EL2-E2H entries; Secure Command queue only.',
    [],
    { requires: [SEL2], secureOnly: true },
  ),
  cmd(
    0x51,
    'CMD_TLBI_S_EL2_ASID',
    '4.4.2.14',
    'tlbi',
    'Invalidate stage 1 S-EL2-E2H non-global entries by ASID; Secure Command queue only.',
    [ASID],
    { requires: [SEL2], secureOnly: true },
  ),
  cmd(
    0x52,
    'CMD_TLBI_S_EL2_VA',
    '4.4.2.12',
    'tlbi',
    'Invalidate stage 1 S-EL2 entries by VA (and ASID when SMMU_S_CR2.E2H is 1); Secure Command queue only.',
    [ASID, ...RANGE_FIELDS, VA],
    { requires: [SEL2], secureOnly: true },
  ),
  cmd(
    0x53,
    'CMD_TLBI_S_EL2_VAA',
    '4.4.2.13',
    'tlbi',
    'Invalidate stage 1 S-EL2 entries by VA for all ASIDs; Secure Command queue only.',
    [...RANGE_FIELDS, VA],
    { requires: [SEL2], secureOnly: true },
  ),
  // §4.4.3.4, §4.4.4.2: Reserved without Secure stage 2 (SMMU_S_IDR1.SEL2).
  cmd(
    0x58,
    'CMD_TLBI_S_S12_VMALL',
    '4.4.3.4',
    'tlbi',
    'Invalidate all Secure-regime entries of a VMID at all stages (Secure VMALLS12E1); Secure Command queue only.',
    [VMID],
    { requires: [SEL2], secureOnly: true },
  ),
  // §4.4.3.3: CMD_TLBI_S2_IPA's parameters and NS (0: Secure IPA space, 1: Non-secure IPA space).
  cmd(
    0x5a,
    'CMD_TLBI_S_S2_IPA',
    '4.4.3.3',
    'tlbi',
    'Invalidate Secure stage 2 entries by VMID and IPA (NS selects the IPA space); Secure Command queue only.',
    [VMID, ...RANGE_FIELDS, IPA],
    {
      requires: [SEL2],
      secureOnly: true,
      // NS's position is drawn only as an image (§4.4.3.3); it lies among the bits no located field covers.
      unlocated: {
        params: 'NS',
        bits: [
          [11, 8],
          [19, 17],
          [31, 26],
          [63, 48],
          [70, 65],
          [127, 120],
        ],
        // The command exists only with SEL2 (SMMUv3.2), so no version has NS's bits RES0.
        sinceMinor: 0,
        why: 'its bit position is drawn only as an image in the specification, and Linux, Xen and QEMU do not encode this command',
      },
    },
  ),
  cmd(
    0x60,
    'CMD_TLBI_SNH_ALL',
    '4.4.4.2',
    'tlbi',
    'Invalidate all Secure non-S-EL2 entries at all stages (Secure ALLE1); Secure Command queue only.',
    [],
    { requires: [SEL2], secureOnly: true },
  ),
  // §4.6 DPT maintenance: CMD_DPTI_ALL has no parameters.
  cmd(
    0x70,
    'CMD_DPTI_ALL',
    '4.6.1',
    'tlbi',
    'Remove all cached Device Permission Table information of the Security state.',
    [],
    { requires: [DPT] },
  ),
  // §4.6.2: CMD_DPTI_PA(Address, SIZE, Leaf) is legal with SMMU_IDR3.DPT; its layout is drawn only
  // as an image, and no second source has one (Linux, Xen, QEMU, FreeBSD and gem5 have no DPT), so
  // its parameters are `unlocated` over every bit but the opcode. The model caches no DPT
  // information, so the command has nothing to remove whatever its parameters say.
  cmd(
    0x73,
    'CMD_DPTI_PA',
    '4.6.2',
    'tlbi',
    'Remove cached Device Permission Table information for an aligned region of SIZE at a physical Address (Leaf: last level only).',
    [],
    {
      requires: [DPT],
      unlocated: {
        params: 'Address, SIZE and Leaf',
        bits: [
          [63, 8],
          [127, 64],
        ],
        sinceMinor: 0,
        why: 'their bit positions are drawn only as an image in the specification and no second source (Linux, Xen, QEMU, FreeBSD, gem5) implements the DPT',
      },
    },
  ),
] as const;

/** The name of every command of the table, as a literal union (`'CMD_CFGI_STE' | 'CMD_SYNC' | ...`). */
export type CommandName = (typeof TABLE)[number]['name'];

export const COMMANDS: readonly CommandDef[] = TABLE;

const BY_NAME = new Map<string, CommandDef>();
for (const c of COMMANDS) {
  BY_NAME.set(c.name, c);
  for (const a of c.aliases ?? []) BY_NAME.set(a.toUpperCase(), c);
}
const BY_OPCODE: (CommandDef | undefined)[] = [];
for (const c of COMMANDS) if (!BY_OPCODE[c.opcode]) BY_OPCODE[c.opcode] = c;

/** Spellings findCommand has found (bounded: text with endless spellings cannot grow it). */
const FOUND = new Map<string, CommandDef>();
const MAX_FOUND = 512;

/** A command by name, case-insensitive, with or without `CMD_`. */
export function findCommand(name: string): CommandDef | undefined {
  // Names as written, already found: every `cmd` line looks its command up while a check runs.
  const known = FOUND.get(name);
  if (known !== undefined) return known;
  const n = name.trim().toUpperCase();
  const def = BY_NAME.get(n) ?? BY_NAME.get(n.startsWith('CMD_') ? n : `CMD_${n}`);
  if (def !== undefined && FOUND.size < MAX_FOUND) FOUND.set(name, def);
  return def;
}

/** The command an opcode selects (0x04 gives CMD_CFGI_STE_RANGE; decodeCommand tells CFGI_ALL apart by Range). */
export function commandByOpcode(op: number): CommandDef | undefined {
  return BY_OPCODE[op];
}
