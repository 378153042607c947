/**
 * A resolved SMMU configuration: what the model emulates. Produced from a `*.smmu.json` file
 * (core/config/load.ts) or from a preset; consumed by the model (core/model/smmu.ts).
 */

/** ID register values (all RO and constant after reset, §6.2). Missing ones read as 0. */
export interface IdRegisterValues {
  readonly IDR0: number;
  readonly IDR1: number;
  readonly IDR2: number;
  readonly IDR3: number;
  readonly IDR4: number;
  readonly IDR5: number;
  readonly IIDR: number;
  readonly AIDR: number;
  /** Optional registers present when their feature is advertised (IDR6 with IDR1.ECMDQ, MPAMIDR with IDR3.MPAM). */
  readonly [name: string]: number;
}

/**
 * The model's choice for each CONSTRAINED UNPREDICTABLE case of §6.2. Every choice is one the
 * architecture permits; the model reports the access whatever it chooses.
 */
export interface UnpredictableChoices {
  /** Page-0 offsets of page-1 registers (0xA8, 0xAC, 0xC8, 0xCC): alias the page-1 register, or RAZ/WI. */
  readonly page0AliasOfPage1: 'alias' | 'raz-wi';
  /** Undefined page-1 locations: RES0, or alias page 0 at the same offset. */
  readonly page1Undefined: 'res0' | 'alias-page0';
  /** Illegal accesses (8- and 16-bit, unaligned): RAZ/WI or abort. */
  readonly illegalAccess: 'raz-wi' | 'abort';
  /**
   * Illegal 64-bit accesses (to a 32-bit register, or over two 32-bit registers): RAZ/WI or abort.
   * Its own choice because implementations differ by size: QEMU's memory core aborts accesses
   * smaller than 32 bits and unaligned ones, while its SMMU reads such 64-bit accesses as zero and
   * ignores their writes (hw/arm/smmuv3.c, smmu_readll/smmu_writell `default:`).
   */
  readonly illegal64BitAccess: 'raz-wi' | 'abort';
  /** 8- and 16-bit accesses (IMPLEMENTATION DEFINED support): we support none; they are illegal accesses. */
}

/**
 * The IMPLEMENTATION DEFINED values of the base registers SMMU_IDR1.TABLES_PRESET and
 * QUEUES_PRESET fix (§6.3.2, §6.3.24–§6.3.26, §6.3.29, §6.3.33): the registers read them and
 * ignore writes.
 */
export type PresetBaseName = 'STRTAB_BASE' | 'STRTAB_BASE_CFG' | 'CMDQ_BASE' | 'EVENTQ_BASE' | 'PRIQ_BASE';
export type PresetBases = Readonly<Partial<Record<PresetBaseName, bigint>>>;

export interface ResolvedConfig {
  /** A short name for messages and the status bar. */
  readonly name: string;
  readonly ids: IdRegisterValues;
  readonly choices: UnpredictableChoices;
  /** Reset value of GBPA (§6.3.14: Update resets to 0, other fields IMPLEMENTATION DEFINED). */
  readonly gbpaReset: number;
  /** Values of the registers IDR1.TABLES_PRESET / QUEUES_PRESET fix; absent ones read 0. */
  readonly presetBases?: PresetBases;
  /**
   * The physical address of the SMMU's register Page 0 (`smmuBase`): with SMMU_IDR1.REL the
   * preset bases are offsets from it (§6.3.2, core/config/smmu-base.ts).
   */
  readonly smmuBase?: bigint;
}

export const DEFAULT_CHOICES: UnpredictableChoices = {
  page0AliasOfPage1: 'raz-wi',
  page1Undefined: 'res0',
  illegalAccess: 'raz-wi',
  illegal64BitAccess: 'raz-wi',
};
