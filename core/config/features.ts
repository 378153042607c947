/**
 * The feature table: every readable name a `*.smmu.json` file may use under `features`, the ID
 * register field it sets, its JSON type, its default and the architecture version that introduced
 * it. One source of truth for the loader (load.ts), the reverse mapping (featuresOf), the
 * validation's version gates (rules.ts), the JSON Schema (schema.ts) and docs/configuration.md.
 *
 * Fields are named as the architecture names them (§6.3.1 SMMU_IDR0 … §6.3.8 SMMU_AIDR); values
 * are deposited through the register table (core/registers/table.ts), never through masks here.
 */

/** SMMUv3 minor versions this tool knows (§6.3.8 AIDR.ArchMinorRev 0..4 = SMMUv3.0..SMMUv3.4). */
export const VERSIONS = ['3.0', '3.1', '3.2', '3.3', '3.4'] as const;
export type Version = (typeof VERSIONS)[number];

/** AIDR.ArchMinorRev of a version string. */
export function minorOf(v: Version): number {
  return VERSIONS.indexOf(v);
}

export function versionName(minor: number): string {
  return minor >= 0 && minor < VERSIONS.length ? `SMMUv${VERSIONS[minor]}` : `SMMUv3.${minor} (unknown)`;
}

/** One readable value of an enumerated feature and the field encoding it stands for. */
export interface FeatureChoice {
  readonly name: string;
  readonly encoding: number;
  readonly description: string;
  /** Introduced in this version (§2.3–§2.8); see FeatureDef.since. */
  readonly since?: Version;
  /** Explicitly Reserved/RES0 up to and including this version (the register page says so). */
  readonly reservedUpTo?: Version;
}

/** One numeric value of a size feature (`oas`, `vax`): bits, and the field encoding. */
export interface SizeChoice {
  readonly bits: number;
  readonly encoding: number;
  readonly since?: Version;
  readonly reservedUpTo?: Version;
}

export type FeatureKind =
  /** true/false → field 1/0. */
  | { readonly type: 'bool' }
  /** A string from `choices` → its encoding. */
  | { readonly type: 'enum'; readonly choices: readonly FeatureChoice[] }
  /** An integer; `max` is the architectural maximum (larger values that fit the field are errors, not clipped). */
  | { readonly type: 'int'; readonly min: number; readonly max: number; readonly unit?: string }
  /** A size in bits from `choices` → its encoding. */
  | { readonly type: 'size'; readonly choices: readonly SizeChoice[] }
  /** A list of translation granules → one flag field per granule. */
  | { readonly type: 'granules'; readonly fields: Readonly<Record<Granule, string>> };

export const GRANULES = ['4K', '16K', '64K'] as const;
export type Granule = (typeof GRANULES)[number];

export type FeatureValue = boolean | number | string | readonly string[];

export interface FeatureDef {
  /** JSON key under `features`. */
  readonly key: string;
  readonly register: string;
  /** The field the feature sets (for `granules`, the GRAN4K field; see kind.fields). */
  readonly field: string;
  /** Architecture section of the field. */
  readonly section: string;
  readonly description: string;
  readonly kind: FeatureKind;
  /**
   * Value when the file does not say. Booleans default to false (not implemented). Other defaults
   * are the simplest SMMU the architecture allows and Linux accepts; see docs/configuration.md.
   * A function gets the other features' values (explicit or default).
   */
  readonly default: FeatureValue | ((get: (key: string) => FeatureValue) => FeatureValue);
  /** Text for the default where it is a function (schema, docs). */
  readonly defaultText?: string;
  /**
   * Version that introduced the feature (§2.3–§2.8). §2.9 lets an SMMUv3.x implement any
   * SMMUv3.(x+1) feature but none from v3.(x+2) on, so `since` gates at since−1.
   */
  readonly since?: Version;
  /** The register page says the field is RES0 up to and including this version (stricter than §2.9). */
  readonly reservedUpTo?: Version;
}

const bool = { type: 'bool' } as const;
const size = (max: number, unit: string): FeatureKind => ({ type: 'int', min: 0, max, unit });

/**
 * Every feature. Order is the order of the registers and, inside one, of the fields from the top
 * bit down, as §6.3 lists them.
 */
export const FEATURES: readonly FeatureDef[] = [
  // ---- SMMU_IDR0 (§6.3.1)
  {
    key: 'rme',
    register: 'IDR0',
    field: 'RME_IMPL',
    section: '6.3.1',
    kind: bool,
    default: false,
    since: '3.3',
    description: 'SMMUv3.3-RME_IMPL: Granule Protection Check faults are visible to this programming interface (§2.6).',
  },
  {
    key: 'streamTable',
    register: 'IDR0',
    field: 'ST_LEVEL',
    section: '6.3.1',
    default: '2-level',
    description: 'Stream table formats. Must not be linear-only when sidSize >= 7 (§6.3.2 SIDSIZE).',
    kind: {
      type: 'enum',
      choices: [
        { name: 'linear', encoding: 0, description: 'Linear Stream table only (ST_LEVEL 0b00).' },
        { name: '2-level', encoding: 1, description: '2-level Stream table in addition to linear (ST_LEVEL 0b01).' },
      ],
    },
  },
  {
    key: 'termModel',
    register: 'IDR0',
    field: 'TERM_MODEL',
    section: '6.3.1',
    default: 'abort',
    description: 'Terminate model: whether CD.A may choose RAZ/WI for a terminated transaction.',
    kind: {
      type: 'enum',
      choices: [
        { name: 'abort-or-razwi', encoding: 0, description: 'CD.A chooses abort or RAZ/WI (TERM_MODEL 0).' },
        {
          name: 'abort',
          encoding: 1,
          description: 'Terminated transactions always abort; CD.A must be 1 (TERM_MODEL 1).',
        },
      ],
    },
  },
  {
    key: 'stallModel',
    register: 'IDR0',
    field: 'STALL_MODEL',
    section: '6.3.1',
    default: 'terminate',
    description: 'Stall model for faulting transactions.',
    kind: {
      type: 'enum',
      choices: [
        { name: 'stall', encoding: 0, description: 'Stall and Terminate models supported (STALL_MODEL 0b00).' },
        {
          name: 'terminate',
          encoding: 1,
          description: 'No stall: STE.S2S and CD.S must be 0; CMD_RESUME/CMD_STALL_TERM unavailable (0b01).',
        },
        {
          name: 'forced',
          encoding: 2,
          description: 'Stall forced: STE.S2S and CD.S must be 1; not allowed with PCIe (0b10).',
        },
      ],
    },
  },
  {
    key: 'atsRecErr',
    register: 'IDR0',
    field: 'ATSRECERR',
    section: '6.3.1',
    kind: bool,
    default: false,
    since: '3.3',
    description: 'Extra configuration-error events for ATS and PRI requests (CR2.REC_CFG_ATS). Needs ats.',
  },
  {
    key: 'ttEndian',
    register: 'IDR0',
    field: 'TTENDIAN',
    section: '6.3.1',
    default: 'mixed',
    description: 'Translation table walk endianness. Arm strongly recommends mixed.',
    kind: {
      type: 'enum',
      choices: [
        { name: 'mixed', encoding: 0, description: 'CD.ENDI and STE.S2ENDI may select either endianness (0b00).' },
        { name: 'le', encoding: 2, description: 'Little-endian tables only (0b10).' },
        { name: 'be', encoding: 3, description: 'Big-endian tables only (0b11); a little-endian Linux refuses it.' },
      ],
    },
  },
  {
    key: 'vatos',
    register: 'IDR0',
    field: 'VATOS',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'Virtual ATOS page. Needs atos, stage1 and stage2.',
  },
  {
    key: 'cd2l',
    register: 'IDR0',
    field: 'CD2L',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: '2-level Context descriptor tables.',
  },
  {
    key: 'vmid16',
    register: 'IDR0',
    field: 'VMID16',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: '16-bit VMIDs (only relevant with stage2).',
  },
  {
    key: 'vmw',
    register: 'IDR0',
    field: 'VMW',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'VMID wildcard matching for TLB invalidation (CR0.VMW). Needs stage2.',
  },
  {
    key: 'pri',
    register: 'IDR0',
    field: 'PRI',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'PCIe Page Request Interface and the PRI queue. Needs ats.',
  },
  {
    key: 'atos',
    register: 'IDR0',
    field: 'ATOS',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'Address Translation Operations (SMMU_GATOS_* registers).',
  },
  {
    key: 'sev',
    register: 'IDR0',
    field: 'SEV',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'The SMMU and system can send WFE wake-up events to the PEs.',
  },
  {
    key: 'msi',
    register: 'IDR0',
    field: 'MSI',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'Message-signalled interrupts (otherwise wired interrupts only).',
  },
  {
    key: 'asid16',
    register: 'IDR0',
    field: 'ASID16',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: '16-bit ASIDs (only relevant with stage1).',
  },
  {
    key: 'ns1ats',
    register: 'IDR0',
    field: 'NS1ATS',
    section: '6.3.1',
    kind: bool,
    default: false,
    description:
      'true = split-stage (stage 1-only) ATS, STE.EATS == 0b10, is NOT supported. Only meaningful with ats and both stages.',
  },
  {
    key: 'ats',
    register: 'IDR0',
    field: 'ATS',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'PCIe Address Translation Services.',
  },
  {
    key: 'hyp',
    register: 'IDR0',
    field: 'HYP',
    section: '6.3.1',
    kind: bool,
    default: false,
    description:
      'Hypervisor (EL2, EL2-E2H) stage 1 contexts. Needs both stages; mandatory from SMMUv3.2 when both stages are supported.',
  },
  {
    key: 'dormhint',
    register: 'IDR0',
    field: 'DORMHINT',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'SMMU_STATUSR.DORMANT hint.',
  },
  {
    key: 'httu',
    register: 'IDR0',
    field: 'HTTU',
    section: '6.3.1',
    default: 'none',
    description: 'Hardware update of the Access flag and dirty state in translation tables.',
    kind: {
      type: 'enum',
      choices: [
        { name: 'none', encoding: 0, description: 'No hardware flag updates (0b00).' },
        { name: 'af', encoding: 1, description: 'Access flag update (0b01).' },
        { name: 'af-dirty', encoding: 2, description: 'Access flag and dirty state update (0b10).' },
        {
          name: 'af-dirty-haft',
          encoding: 3,
          description: 'Also the Access flag of table descriptors, SMMUv3.4-HAFT (0b11).',
          since: '3.4',
        },
      ],
    },
  },
  {
    key: 'btm',
    register: 'IDR0',
    field: 'BTM',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'Broadcast TLB maintenance from the PEs.',
  },
  {
    key: 'coherent',
    register: 'IDR0',
    field: 'COHACC',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'IO-coherent access to tables, queues and translation walks (COHACC).',
  },
  {
    key: 'ttf',
    register: 'IDR0',
    field: 'TTF',
    section: '6.3.1',
    default: 'aarch64',
    description: 'Translation table formats, at both stages.',
    kind: {
      type: 'enum',
      choices: [
        { name: 'aarch32', encoding: 1, description: 'VMSAv8-32 LPAE only (0b01); Linux and Xen refuse it.' },
        { name: 'aarch64', encoding: 2, description: 'VMSAv8-64 only (0b10).' },
        {
          name: 'both',
          encoding: 3,
          description: 'VMSAv8-32 LPAE and VMSAv8-64 (0b11); the 4K granule is then mandatory.',
        },
      ],
    },
  },
  {
    key: 'stage1',
    register: 'IDR0',
    field: 'S1P',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'Stage 1 translation (S1P).',
  },
  {
    key: 'stage2',
    register: 'IDR0',
    field: 'S2P',
    section: '6.3.1',
    kind: bool,
    default: false,
    description: 'Stage 2 translation (S2P).',
  },

  // ---- SMMU_IDR1 (§6.3.2)
  {
    key: 'ecmdq',
    register: 'IDR1',
    field: 'ECMDQ',
    section: '6.3.2',
    kind: bool,
    default: false,
    since: '3.3',
    description: 'Enhanced Command queue interfaces (SMMU_IDR6). Needs coherent and msi, and no queuesPreset.',
  },
  // ---- SMMU_IDR6 (§6.3.45), present with IDR1.ECMDQ
  {
    key: 'ecmdqLog2Pages',
    register: 'IDR6',
    field: 'CMDQ_CONTROL_PAGE_LOG2NUMP',
    section: '6.3.45',
    kind: { type: 'int', min: 0, max: 8, unit: 'log2 of the number of pages' },
    default: 0,
    since: '3.3',
    description: 'CMDQ_CONTROL_PAGE_LOG2NUMP: 2^ecmdqLog2Pages Command queue control pages, 0..8. Only with ecmdq.',
  },
  {
    key: 'ecmdqLog2Queues',
    register: 'IDR6',
    field: 'CMDQ_CONTROL_PAGE_LOG2NUMQ',
    section: '6.3.45',
    kind: { type: 'int', min: 0, max: 8, unit: 'log2 of the number of ECMDQs per page' },
    default: 0,
    since: '3.3',
    description: 'CMDQ_CONTROL_PAGE_LOG2NUMQ: 2^ecmdqLog2Queues ECMDQs in each control page, 0..8. Only with ecmdq.',
  },
  {
    key: 'tablesPreset',
    register: 'IDR1',
    field: 'TABLES_PRESET',
    section: '6.3.2',
    kind: bool,
    default: false,
    description: 'STRTAB_BASE and STRTAB_BASE_CFG are fixed (embedded implementation; Linux refuses it).',
  },
  {
    key: 'queuesPreset',
    register: 'IDR1',
    field: 'QUEUES_PRESET',
    section: '6.3.2',
    kind: bool,
    default: false,
    description: 'Queue base registers are fixed (embedded implementation; Linux refuses it).',
  },
  {
    key: 'rel',
    register: 'IDR1',
    field: 'REL',
    section: '6.3.2',
    kind: bool,
    default: false,
    description: 'Preset base addresses are offsets from page 0. Only with tablesPreset or queuesPreset.',
  },
  {
    key: 'attrTypesOvr',
    register: 'IDR1',
    field: 'ATTR_TYPES_OVR',
    section: '6.3.2',
    kind: bool,
    default: false,
    description: 'Incoming memory type, shareability and allocation hints can be overridden.',
  },
  {
    key: 'attrPermsOvr',
    register: 'IDR1',
    field: 'ATTR_PERMS_OVR',
    section: '6.3.2',
    kind: bool,
    default: false,
    description: 'Incoming InD, PnU and NS attributes can be overridden.',
  },
  {
    key: 'cmdqSize',
    register: 'IDR1',
    field: 'CMDQS',
    section: '6.3.2',
    kind: size(19, 'log2 entries'),
    default: 8,
    description:
      'Maximum Command queue size, log2(entries), at most 19. Entries are 16 bytes: 19 means 2^19 × 16 B = 8 MiB.',
  },
  {
    key: 'eventqSize',
    register: 'IDR1',
    field: 'EVENTQS',
    section: '6.3.2',
    kind: size(19, 'log2 entries'),
    default: 8,
    description:
      'Maximum Event queue size, log2(entries), at most 19. Entries are 32 bytes: 19 means 2^19 × 32 B = 16 MiB.',
  },
  {
    key: 'priqSize',
    register: 'IDR1',
    field: 'PRIQS',
    section: '6.3.2',
    kind: size(19, 'log2 entries'),
    default: (get) => (get('pri') === true ? 8 : 0),
    defaultText: '8 with pri, else 0',
    description:
      'Maximum PRI queue size, log2(entries), at most 19. Entries are 16 bytes. IMPLEMENTATION SPECIFIC without pri.',
  },
  {
    key: 'ssidSize',
    register: 'IDR1',
    field: 'SSIDSIZE',
    section: '6.3.2',
    kind: size(20, 'bits'),
    default: 0,
    description: 'SubstreamID bits, 0..20 (0: no substreams).',
  },
  {
    key: 'sidSize',
    register: 'IDR1',
    field: 'SIDSIZE',
    section: '6.3.2',
    kind: size(32, 'bits'),
    default: 16,
    description: 'StreamID bits, 0..32. From 7 on, streamTable must be 2-level.',
  },

  // ---- SMMU_IDR2 (§6.3.3)
  {
    key: 'vatosBase',
    register: 'IDR2',
    field: 'BA_VATOS',
    section: '6.3.3',
    kind: { type: 'int', min: 0, max: 0x3ff, unit: '64 KiB pages after 0x20000' },
    default: 0,
    description: 'BA_VATOS: the VATOS page is at SMMU base + 0x20000 + vatosBase × 0x10000. Only with vatos.',
  },

  // ---- SMMU_IDR3 (§6.3.4)
  {
    key: 'aie',
    register: 'IDR3',
    field: 'AIE',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.4',
    description: 'Stage 1 Attribute Index Extension (CD.AIE). Needs stage1.',
  },
  {
    key: 'mteperm',
    register: 'IDR3',
    field: 'MTEPERM',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.4',
    description: 'Stage 2 MemAttr NoTagAccess encodings. Needs stage2; mandatory in SMMUv3.4 with stage2.',
  },
  {
    key: 'the',
    register: 'IDR3',
    field: 'THE',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.4',
    description: 'Translation hardening extension. Needs stage1; with stage2 also needs s2pi.',
  },
  {
    key: 's2po',
    register: 'IDR3',
    field: 'S2PO',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.4',
    description: 'Stage 2 permission overlays. Needs s2pi.',
  },
  {
    key: 's2pi',
    register: 'IDR3',
    field: 'S2PI',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.4',
    description: 'Stage 2 permission indirections. Needs stage2.',
  },
  {
    key: 's1pi',
    register: 'IDR3',
    field: 'S1PI',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.4',
    description: 'Stage 1 permission indirections. Needs stage1.',
  },
  {
    key: 'epan',
    register: 'IDR3',
    field: 'EPAN',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.4',
    description: 'Enhanced PAN. Mandatory in SMMUv3.4.',
  },
  {
    key: 'pasidtt',
    register: 'IDR3',
    field: 'PASIDTT',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.4',
    description: 'PASID TLP prefix on ATS Translated transactions. Needs ats and ssidSize > 0.',
  },
  {
    key: 'dpt',
    register: 'IDR3',
    field: 'DPT',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.3',
    description:
      'Device Permission Table for Non-secure streams (SMMUv3.3-DPT_NS, §2.7). Needs ats; excludes AArch32 tables.',
  },
  {
    key: 'ptwnnc',
    register: 'IDR3',
    field: 'PTWNNC',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.3',
    description:
      'STE.S2PTW == 0 treats stage 1 walks to Device memory as Normal Non-cacheable. Needs stage2; mandatory from SMMUv3.3 with stage2.',
  },
  {
    key: 'e0pd',
    register: 'IDR3',
    field: 'E0PD',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.3',
    description: 'E0PD mechanism (CD.E0PD0/1). Mandatory from SMMUv3.3.',
  },
  {
    key: 'bbml',
    register: 'IDR3',
    field: 'BBML',
    section: '6.3.4',
    kind: { type: 'int', min: 0, max: 2, unit: 'level' },
    default: 0,
    since: '3.2',
    description: 'Break-before-make level 0, 1 or 2 (SMMUv3.2-BBML1/2); 1 or 2 is mandatory from SMMUv3.2.',
  },
  {
    key: 'ril',
    register: 'IDR3',
    field: 'RIL',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.2',
    description: 'Range-based invalidation and level hint for TLBI. Mandatory from SMMUv3.2.',
  },
  {
    key: 'stt',
    register: 'IDR3',
    field: 'STT',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.2',
    description: 'Small translation tables.',
  },
  {
    key: 'fwb',
    register: 'IDR3',
    field: 'FWB',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.2',
    description: 'Stage 2 control of memory types and attributes (STE.S2FWB). Mandatory from SMMUv3.2.',
  },
  {
    key: 'mpam',
    register: 'IDR3',
    field: 'MPAM',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.2',
    description: 'Memory System Resource Partitioning and Monitoring (SMMU_MPAMIDR present).',
  },
  {
    key: 'pps',
    register: 'IDR3',
    field: 'PPS',
    section: '6.3.4',
    kind: bool,
    default: false,
    description: 'PRI auto-generated responses use the PASID regardless of STE.PPAR. Needs pri and ssidSize > 0.',
  },
  {
    key: 'xnx',
    register: 'IDR3',
    field: 'XNX',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.1',
    reservedUpTo: '3.0',
    description: 'EL0/EL1 execute-never distinction at stage 2. RES0 in SMMUv3.0; mandatory from SMMUv3.1 with stage2.',
  },
  {
    key: 'pbha',
    register: 'IDR3',
    field: 'PBHA',
    section: '6.3.4',
    kind: bool,
    default: false,
    since: '3.1',
    reservedUpTo: '3.0',
    description: 'Page-Based Hardware Attributes. RES0 in SMMUv3.0; needs had.',
  },
  {
    key: 'had',
    register: 'IDR3',
    field: 'HAD',
    section: '6.3.4',
    kind: bool,
    default: false,
    description: 'Hierarchical Attribute Disable (CD.HAD0/HAD1). Needs stage1; mandatory from SMMUv3.1 with stage1.',
  },

  // ---- SMMU_IDR5 (§6.3.6)
  {
    key: 'stallMax',
    register: 'IDR5',
    field: 'STALL_MAX',
    section: '6.3.6',
    kind: { type: 'int', min: 0, max: 0xffff, unit: 'transactions' },
    default: 0,
    description: 'Maximum outstanding stalled transactions. RES0 with stallModel "terminate".',
  },
  {
    key: 'vax',
    register: 'IDR5',
    field: 'VAX',
    section: '6.3.6',
    default: 48,
    description: 'Largest virtual address per CD.TTBx, in bits. RES0 (48) in SMMUv3.0.',
    kind: {
      type: 'size',
      choices: [
        { bits: 48, encoding: 0 },
        { bits: 52, encoding: 1, since: '3.1', reservedUpTo: '3.0' },
        { bits: 56, encoding: 2, since: '3.4', reservedUpTo: '3.0' },
      ],
    },
  },
  {
    key: 'd128',
    register: 'IDR5',
    field: 'D128',
    section: '6.3.6',
    kind: bool,
    default: false,
    since: '3.4',
    description:
      '128-bit VMSAv9-128 descriptors. Excludes AArch32 tables; needs s1pi, aie (stage1), s2po, mteperm (stage2).',
  },
  {
    key: 'ds',
    register: 'IDR5',
    field: 'DS',
    section: '6.3.6',
    kind: bool,
    default: false,
    since: '3.4',
    description: '52-bit addresses with the 4K and 16K granules (LPA2). Needs a 4K or 16K granule and vax >= 52.',
  },
  {
    key: 'granules',
    register: 'IDR5',
    field: 'GRAN4K',
    section: '6.3.6',
    default: ['4K', '64K'],
    description:
      'Translation granules supported. Arm recommends at least 4K and 64K; 4K is mandatory with AArch32 tables.',
    kind: { type: 'granules', fields: { '4K': 'GRAN4K', '16K': 'GRAN16K', '64K': 'GRAN64K' } },
  },
  {
    key: 'oas',
    register: 'IDR5',
    field: 'OAS',
    section: '6.3.6',
    default: 48,
    description: 'Output (physical) address size in bits. 52 is Reserved in SMMUv3.0, 56 up to SMMUv3.3.',
    kind: {
      type: 'size',
      choices: [
        { bits: 32, encoding: 0 },
        { bits: 36, encoding: 1 },
        { bits: 40, encoding: 2 },
        { bits: 42, encoding: 3 },
        { bits: 44, encoding: 4 },
        { bits: 48, encoding: 5 },
        { bits: 52, encoding: 6, since: '3.1', reservedUpTo: '3.0' },
        { bits: 56, encoding: 7, since: '3.4', reservedUpTo: '3.3' },
      ],
    },
  },

  // ---- SMMU_MPAMIDR (§6.3.41), present only with mpam
  {
    key: 'pmgMax',
    register: 'MPAMIDR',
    field: 'PMG_MAX',
    section: '6.3.41',
    kind: size(0xff, 'PMG'),
    default: 0,
    description:
      'The largest Non-secure PMG (SMMU_MPAMIDR.PMG_MAX). Only with mpam; SMMU_GMPAM.SO_PMG and SMMU_GBPMPAM.GBP_PMG are limited by it.',
  },
  {
    key: 'partidMax',
    register: 'MPAMIDR',
    field: 'PARTID_MAX',
    section: '6.3.41',
    kind: size(0xffff, 'PARTID'),
    default: 0,
    description:
      'The largest Non-secure PARTID (SMMU_MPAMIDR.PARTID_MAX). Only with mpam, where Arm recommends a non-zero value; SMMU_GMPAM.SO_PARTID and SMMU_GBPMPAM.GBP_PARTID are limited by it.',
  },
  // ---- SMMU_S_IDR0, S_IDR1, S_IDR3 (§6.3.52–§6.3.55): the Secure programming interface. Without
  // `secure` the SMMU_S_* registers are RAZ/WI (§3.10.2), so every field below must then be 0.
  {
    key: 'secureStallModel',
    register: 'S_IDR0',
    field: 'STALL_MODEL',
    section: '6.3.52',
    default: (get) => (get('secure') === true ? get('stallModel') : 'stall'),
    defaultText: 'stallModel when secure, else "stall" (encoding 0: no Secure interface)',
    description:
      'Stall model of the Secure interface. SMMU_IDR0.STALL_MODEL equals it at reset (SMMU_S_CR0.NSSTALLD resets to 0, §6.3.57).',
    kind: {
      type: 'enum',
      choices: [
        { name: 'stall', encoding: 0, description: 'Stall and Terminate models supported (STALL_MODEL 0b00).' },
        { name: 'terminate', encoding: 1, description: 'No stall: STE.S2S and CD.S must be 0 (0b01).' },
        { name: 'forced', encoding: 2, description: 'Stall forced: STE.S2S and CD.S must be 1 (0b10).' },
      ],
    },
  },
  {
    key: 'secureMsi',
    register: 'S_IDR0',
    field: 'MSI',
    section: '6.3.52',
    kind: bool,
    default: (get) => get('secure') === true && get('msi') === true,
    defaultText: 'msi when secure',
    description:
      'Secure MSIs for the Secure Event queue and Secure GERROR; without them the MSI fields of SMMU_S_*_IRQ_CFGn are RES0. Needs secure.',
  },
  {
    key: 'secure',
    register: 'S_IDR1',
    field: 'SECURE_IMPL',
    section: '6.3.53',
    kind: bool,
    default: false,
    description:
      'Secure state (§3.10.2): the Secure programming interface (SMMU_S_* registers at 0x8000, Secure Command and Event queues, Secure Stream table). Needs stage1.',
  },
  {
    key: 'secureEl2',
    register: 'S_IDR1',
    field: 'SEL2',
    section: '6.3.53',
    kind: bool,
    default: false,
    since: '3.2',
    description:
      'SMMUv3.2-SecEL2: Secure EL2 and Secure stage 2 (Secure STEs with STRW 0b10 and Config 0b11x, §3.10.2.2). Needs secure, stage1 and stage2; mandatory with rme.',
  },
  {
    key: 'secureSidSize',
    register: 'S_IDR1',
    field: 'S_SIDSIZE',
    section: '6.3.53',
    kind: size(32, 'bits'),
    default: (get) => (get('secure') === true ? get('sidSize') : 0),
    defaultText: 'sidSize when secure, else 0',
    description: 'Secure StreamID bits, 0..32: the size of the Secure Stream table. Needs secure.',
  },
  {
    key: 'secureAtsNsOnly',
    register: 'S_IDR3',
    field: 'SAMS',
    section: '6.3.55',
    kind: bool,
    default: false,
    description:
      'SMMU_S_IDR3.SAMS (opposite polarity): CMD_ATC_INV and CMD_PRI_RESP are CERROR_ILL on the Secure Command queue. Needs secure and ats.',
  },
];

const byKey = new Map(FEATURES.map((f) => [f.key.toLowerCase(), f]));

/** A feature by JSON key, case-insensitively (the loader warns when the case differs). */
export function findFeature(key: string): FeatureDef | undefined {
  return byKey.get(key.toLowerCase());
}

/** The feature that sets `register.field`, if any (granules count for each GRAN field). */
export function featureOfField(register: string, field: string): FeatureDef | undefined {
  const r = register.toUpperCase();
  const f = field.toUpperCase();
  return FEATURES.find(
    (d) =>
      d.register === r &&
      (d.kind.type === 'granules'
        ? Object.values(d.kind.fields).some((g) => g.toUpperCase() === f)
        : d.field.toUpperCase() === f),
  );
}

/** Resolve a feature's default given the other features' values. */
export function defaultOf(def: FeatureDef, get: (key: string) => FeatureValue): FeatureValue {
  return typeof def.default === 'function' ? def.default(get) : def.default;
}

export function defaultText(def: FeatureDef): string {
  if (def.defaultText) return def.defaultText;
  const d = def.default;
  if (typeof d === 'function') return '(computed)';
  return JSON.stringify(d);
}

/** Bytes per queue entry (§3.5: commands 16 B, event records 32 B, PRI queue entries 16 B). */
export const QUEUE_ENTRY_BYTES = { CMDQS: 16, EVENTQS: 32, PRIQS: 16 } as const;
export const QUEUE_NAMES = { CMDQS: 'Command queue', EVENTQS: 'Event queue', PRIQS: 'PRI queue' } as const;

/** `8 MiB`, `512 KiB`, `16 B`. */
export function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && v % 1024 === 0 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v} ${units[i]}`;
}

/** "2^19 = 524288 entries × 16 B = 8 MiB". */
export function queueSizeText(log2: number, entryBytes: number): string {
  const entries = 2 ** log2;
  return `2^${log2} = ${entries} entr${entries === 1 ? 'y' : 'ies'} × ${entryBytes} B = ${bytesText(entries * entryBytes)}`;
}
