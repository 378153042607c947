/**
 * Inputs and results of a VMSAv8-64 translation table walk as the SMMU performs it (§3.4, §3.13;
 * the table formats are the Arm ARM's VMSAv8-64 ones, chapter D8).
 */
export type Granule = 4 | 16 | 64;

export interface WalkParams {
  readonly stage: 1 | 2;
  readonly granule: Granule;
  /** T0SZ / T1SZ / S2T0SZ: the input address has 64 - tsz bits. */
  readonly tsz: number;
  /** Stage 2: from S2SL0 (startLevelS2); stage 1: computed from tsz and the granule when omitted. */
  readonly startLevel?: number;
  /** Table base; bits below the table's alignment are treated as zero by the walker. */
  readonly ttb: bigint;
  /** Effective output address size in bits: min(IPS or S2PS, OAS). */
  readonly outputBits: number;
  readonly ha: boolean;
  readonly hd: boolean;
  /** Access flag fault disable (CD.AFFD / STE.S2AFFD). */
  readonly affd?: boolean;
  readonly wxn?: boolean;
  readonly uwxn?: boolean;
  readonly pan?: boolean;
  /** Stage 2 XN[1:0] encoding (IDR3.XNX); otherwise only XN[1] (bit 54) is used. */
  readonly xnx?: boolean;
  /** Hierarchical permission attributes in table descriptors are ignored (CD.HADx). */
  readonly had?: boolean;
}

export interface Access {
  readonly read: boolean;
  readonly write: boolean;
  readonly exec: boolean;
  readonly priv: boolean;
}

export type FaultKind = 'translation' | 'addressSize' | 'accessFlag' | 'permission' | 'walkEabt';

export interface WalkFault {
  readonly ok: false;
  readonly kind: FaultKind;
  readonly stage: 1 | 2;
  readonly level: number;
  /** Stage 2 faults: the IPA being translated. */
  readonly ipa?: bigint;
  /** The fault happened translating the address of a stage 1 table (CLASS TTD). */
  readonly s2OnS1Walk?: boolean;
  /** For F_WALK_EABT: the descriptor address whose access aborted. */
  readonly fetchAddr?: bigint;
  readonly message: string;
}

export interface WalkStep {
  readonly level: number;
  readonly address: bigint;
  readonly descriptor: bigint;
}

export interface WalkOk {
  readonly ok: true;
  readonly oa: bigint;
  readonly level: number;
  /** Bytes the leaf covers. */
  readonly size: bigint;
  readonly perms: { readonly r: boolean; readonly w: boolean; readonly x: boolean };
  readonly attrIndx: number;
  readonly sh: number;
  readonly nG: boolean;
  readonly descriptor: bigint;
  readonly descriptorAddress: bigint;
  readonly steps: readonly WalkStep[];
}

export type WalkResult = WalkOk | WalkFault;

export interface WalkMemory {
  /** 8-byte little-endian read of a descriptor at a PA; 'abort' is an external abort. */
  read64(pa: bigint): bigint | 'abort';
  write64(pa: bigint, v: bigint): 'ok' | 'abort';
  /** Nested walks: the PA of a stage 1 table address (an IPA), or the stage 2 fault. */
  tableAddress?(ipa: bigint): bigint | WalkFault;
}
