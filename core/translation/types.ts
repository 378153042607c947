/**
 * Inputs and results of a VMSAv8-64 translation table walk as the SMMU performs it (§3.4 address
 * sizes, §3.13 Access flag and dirty state; the table formats are the Arm ARM's VMSAv8-64 ones,
 * chapter D8). Addresses are bigints; the walker allocates nothing but its result.
 */
export type Granule = 4 | 16 | 64;

export interface WalkParams {
  readonly stage: 1 | 2;
  readonly granule: Granule;
  /** T0SZ / T1SZ / S2T0SZ: the input address has 64 - tsz significant bits. */
  readonly tsz: number;
  /**
   * Stage 2: from S2SL0 (use startLevelS2). Stage 1: computed from tsz and the granule when
   * omitted (startLevelS1). A level that cannot resolve the input size is a translation fault.
   */
  readonly startLevel?: number;
  /**
   * Table base (CD.TTBx / STE.S2TTB hold the address itself, bits [51:4], §5.2, §5.4). The walker
   * treats the bits below the start-level table's alignment as zero, as the SMMU does ("effectively
   * aligns the value before use"): the table size, and at least 64 bytes with a 52-bit output.
   */
  readonly ttb: bigint;
  /** Effective output address size in bits: min(IPS or S2PS, OAS) (§3.4, §5.2 S2PS, §5.4 IPS). */
  readonly outputBits: number;
  /** Hardware Access flag update (CD.HA / STE.S2HA, HTTU enabled). */
  readonly ha: boolean;
  /** Hardware dirty state update (CD.HD / STE.S2HD). {HD, HA} = {1, 0} behaves as both 0 (§5.4 HA, §5.2 S2HA). */
  readonly hd: boolean;
  /**
   * Hardware update of the Access flag in table descriptors (CD.HAFT / STE.S2HAFT, SMMU_IDR0.HTTU
   * == 0b11, §3.13.6); effective only with `ha` (Arm ARM D8.5.1.3: HAFT is 0 when HA is 0).
   */
  readonly haft?: boolean;
  /** Access flag fault disable (CD.AFFD / STE.S2AFFD); IGNORED when ha (§5.4 AFFD, §5.2 S2AFFD). */
  readonly affd?: boolean;
  /** CD.WXN: writable implies execute-never at the accessing privilege (Arm ARM D8.4). */
  readonly wxn?: boolean;
  /** CD.UWXN: IGNORED for VMSAv8-64 CDs (§5.4); accepted and ignored (EL0-writable is always PXN). */
  readonly uwxn?: boolean;
  /** CD.PAN: privileged data accesses to EL0-accessible pages fault (Arm ARM D8.4, FEAT_PAN). */
  readonly pan?: boolean;
  /** CD.EPAN: PAN also covers EL0-executable pages (§5.4 EPAN). */
  readonly epan?: boolean;
  /** Stage 1 CD.TBIx for the selected TTB: VA[63:56] are not range checked. */
  readonly tbi?: boolean;
  /**
   * Stage 1 regime with one privilege level (StreamWorld any-EL2 / EL3): AP[1], APTable[0] and
   * PXN are not used; XN is bit 54 (Arm ARM D8.4).
   */
  readonly singlePrivilege?: boolean;
  /** Stage 2 XN[1:0] encoding (SMMU_IDR3.XNX, FEAT_XNX); otherwise only XN (bit 54) is used. */
  readonly xnx?: boolean;
  /** Hierarchical permission attributes in table descriptors are ignored (CD.HADx). */
  readonly had?: boolean;
  /**
   * The implementation has a 52-bit PA (SMMU_IDR5.OAS == 52, the PE's PAMax == 52): with the 64 KB
   * granule level 1 blocks exist (Arm ARM AArch64.BlockDescSupported). Defaults to
   * outputBits === 52. Descriptor bits [15:12] are OA[51:48] when outputBits is 52.
   */
  readonly lpa?: boolean;
  /**
   * FEAT_LPA2 for this walk (CD.DS / STE.S2DS = 1 with SMMU_IDR5.DS, §5.4 DS, §5.2 S2DS): with the
   * 4 KB and 16 KB granules, TnSZ down to 12 (52-bit input), a level -1 start (4 KB), level 0
   * blocks (4 KB) and level 1 blocks (16 KB), and descriptors whose bits [9:8] are OA[51:50] and
   * [49:48] OA[49:48] instead of SH[1:0] and RES0 (Arm ARM D8.3, TCR_ELx.DS). IGNORED with the
   * 64 KB granule (the 52-bit 64 KB format is FEAT_LPA's, `lpa`).
   */
  readonly ds?: boolean;
  /**
   * The Shareability a leaf gets when `ds` takes its descriptor bits [9:8] for the address: the
   * walk's own, CD.SH0 / CD.SH1 (§5.4 DS) or STE.S2SH0 (§5.2 S2DS). Default 0 (Non-shareable).
   */
  readonly dsSh?: number;
  /**
   * Stage 1: CD.PnCH with SMMU_IDR3.THE (§5.4 PnCH, §3.27.1): descriptor bit 52 is the Protected
   * attribute and not the Contiguous hint (core/translation/hardening.ts).
   */
  readonly pnch?: boolean;
  /**
   * Stage 2: STE.AssuredOnly with SMMU_IDR3.THE (§5.2 AssuredOnly, §3.27.2): descriptor bit 58
   * is the AssuredOnly attribute, checked against `Access.assured`.
   */
  readonly assuredOnly?: boolean;
  /**
   * Big-endian tables: CD.ENDI (stage 1) or STE.S2ENDI (stage 2) = 1 (§5.4 ENDI, §5.2 S2ENDI).
   * The walk's memory (`WalkMemory`) reads and updates descriptors in this endianness.
   */
  readonly bigEndian?: boolean;
  /**
   * A Secure stage 1 walk (a Secure stream's CD, §13.4.2): the NS attribute of its starting-level
   * fetch (CD.NSCFG0 / NSCFG1, §5.4); the walk then applies NSTable and NS (secure-ns.ts) and
   * reports the output's `ns`. Omitted for Non-secure regimes, whose walks ignore those bits.
   */
  readonly startNs?: boolean;
  /**
   * Stage 1 Indirect Permission Scheme (§3.26.1: SMMU_IDR3.S1PI, STE.S1PIE and CD.PIE all 1): the
   * leaf's PIIndex selects the permissions in CD.PIIP / CD.PIIU (core/translation/permission-indirection.ts).
   */
  readonly s1pi?: S1Indirect;
  /**
   * Stage 2 Indirect Permission Scheme (§3.26.2: SMMU_IDR3.S2PI and STE.S2PIE): the leaf's PIIndex
   * selects SMMU_S2PII's interpretation, and with STE.S2POE its POIndex one of STE.S2POI's.
   */
  readonly s2pi?: S2Indirect;
}

/** CD.PIIP and CD.PIIU (§5.4): 16 3-bit interpretations each, PIIx<p> at bits [3p+2:3p]. */
export interface S1Indirect {
  readonly piip: number;
  readonly piiu: number;
}

/** SMMU_S2PII (§6.3.17) and, when STE.S2POE is 1, STE.S2POI (§5.2): 16 4-bit interpretations each. */
export interface S2Indirect {
  readonly s2pii: bigint;
  readonly s2poi?: bigint;
}

export interface Access {
  readonly read: boolean;
  readonly write: boolean;
  /** An instruction fetch (InD): needs only execute permission (§13.7: XO pages serve fetches). */
  readonly exec: boolean;
  readonly priv: boolean;
  /**
   * An access the SMMU makes for itself that stage 2 translates: a CD fetch, a stage 1 descriptor
   * read, or its hardware update (the A-profile MMURead / MMUWrite, Arm ARM D8.4.2). Only stage 2
   * indirect permissions tell them apart: MRO allows them, WO does not.
   */
  readonly mmu?: boolean;
  /**
   * For a stage 2 walk with `assuredOnly` (§3.27.2): whether the stage 1 translation the access
   * comes from has the Assured Translation property (false for stage 1 bypass). Undefined: the
   * AssuredOnly check does not apply (CD fetches, Split-stage ATS Translated transactions).
   */
  readonly assured?: boolean;
}

export type FaultKind = 'translation' | 'addressSize' | 'accessFlag' | 'permission' | 'walkEabt';

export interface WalkFault {
  readonly ok: false;
  readonly kind: FaultKind;
  readonly stage: 1 | 2;
  /** Arm ARM fault level: 0 for input range and TTB faults, else the level of the descriptor. */
  readonly level: number;
  /** Stage 2 faults: the IPA being translated (for CLASS TT, the stage 1 descriptor's IPA). */
  readonly ipa?: bigint;
  /** The fault happened translating the address of a stage 1 table (CLASS TT, §7.3.13). */
  readonly s2OnS1Walk?: boolean;
  /** For a stage 2 fault on a stage 1 walk: the stage 1 access was a descriptor write (HTTU), TTRnW = 0 (§7.3.16). */
  readonly s1WalkWrite?: boolean;
  /** For F_WALK_EABT: the descriptor PA whose access aborted (FetchAddr, §7.3.12). */
  readonly fetchAddr?: bigint;
  /**
   * For a Permission fault: the leaf that refused the access (its output, size and the
   * permissions it gives the accessing privilege), so a reader of the tables sees the mapping.
   */
  readonly leaf?: { readonly oa: bigint; readonly size: bigint; readonly perms: WalkOk['perms'] };
  /**
   * A Permission fault of the Indirect Permission Scheme (§7.3.16): `overlay`, the stage 2 Overlay
   * permission (STE.S2POI) refused the access; `dirtyBit`, a write to a writable-clean leaf with
   * hardware dirty state updates disabled.
   */
  readonly overlay?: boolean;
  readonly dirtyBit?: boolean;
  /** A stage 2 Permission fault of the AssuredOnly check (§3.27.2, §3.26 priority 1). */
  readonly assuredOnly?: boolean;
  readonly message: string;
}

export interface WalkStep {
  readonly level: number;
  /** The PA the descriptor was read from. */
  readonly address: bigint;
  /** The descriptor as read. */
  readonly descriptor: bigint;
  /** When hardware updated the descriptor (Access flag / dirty state): the value written. */
  readonly written?: bigint;
  /** The descriptor came from the walk cache, not from memory (§3.21.1). */
  readonly cached?: boolean;
}

/** A table descriptor as a walk cache keeps it (§3.21.1): what a walk needs to go on below it. */
export interface CachedTable {
  /** The PA the descriptor was read from. */
  readonly address: bigint;
  /** The descriptor as read. */
  readonly descriptor: bigint;
  /** The next-level table's address (an IPA in a nested stage 1 walk). */
  readonly next: bigint;
  /** Hierarchical controls of this descriptor and those above it (stage 1, Arm ARM D8.4.2). */
  readonly noWrite: boolean;
  readonly noUser: boolean;
  readonly xn: boolean;
  readonly pxn: boolean;
  /** A Secure walk's NS attribute below this descriptor (NSCFGx, then NSTable; secure-ns.ts); false otherwise. */
  readonly ns?: boolean;
}

/**
 * A walk cache for one tag context (regime, VMID, ASID, stage), keyed by the level of a table
 * descriptor and the input range it covers: `page` is the input address (all 64 bits) divided by
 * 2^log2, the bytes the descriptor's level covers.
 */
export interface WalkCacheHooks {
  /** Nothing cached when the walk starts: the walker skips the lookups. */
  readonly empty: boolean;
  lookup(level: number, log2: number, page: number): CachedTable | undefined;
  insert(level: number, log2: number, page: number, t: CachedTable): void;
}

export interface WalkOk {
  readonly ok: true;
  readonly oa: bigint;
  readonly level: number;
  /** Bytes the leaf (block or page) covers. */
  readonly size: bigint;
  /** Permissions for the accessing privilege (after PAN, WXN and any dirty state update). */
  readonly perms: { readonly r: boolean; readonly w: boolean; readonly x: boolean };
  /** Stage 1: AttrIndx[2:0]; stage 2: MemAttr[3:0]. */
  readonly attrIndx: number;
  /** Shareability: descriptor bits [9:8], or with LPA2 (`ds`) the walk's own (`dsSh`). */
  readonly sh: number;
  readonly nG: boolean;
  /** The Contiguous hint (bit 52): a TLB may cache the run as one entry (Arm ARM D8.6). */
  readonly contiguous: boolean;
  /** The leaf descriptor, after any hardware update. */
  readonly descriptor: bigint;
  readonly descriptorAddress: bigint;
  /** A stage 2 leaf marked AssuredOnly (bit 58 with `WalkParams.assuredOnly`, §3.27.2). */
  readonly assuredOnly?: boolean;
  /**
   * The stage 2 permissions are MRO (writable only by the SMMU's own walk updates), which a
   * stage 1 descriptor's translation needs for the Assured Translation property (Arm ARM
   * AArch64.S2CheckPermissions). Only permission indirection gives MRO: unset, it is false.
   */
  readonly mro?: boolean;
  /** Each level visited: address read and descriptor value, for the debugger. */
  readonly steps: readonly WalkStep[];
  /**
   * A Secure walk (`startNs` given): the output is in the Non-secure PA space (NSCFGx, NSTable and
   * NS, §13.4.2). Undefined for a walk of a Non-secure regime.
   */
  readonly ns: boolean | undefined;
}

export type WalkResult = WalkOk | WalkFault;

export interface WalkMemory {
  /**
   * 8-byte little-endian read of a descriptor at a PA; 'abort' is an external abort (F_WALK_EABT).
   * `ns`: for a Secure stage 1 walk (`startNs` set), the NS attribute the table is fetched with
   * (CD.NSCFGx, then NSTable, secure-ns.ts), which selects the PA space, or with `tableAddress`
   * the IPA space (§3.10.2.2); undefined for every other walk.
   */
  read64(pa: bigint, ns?: boolean): bigint | 'abort';
  /** Hardware Access flag / dirty state update (§3.13) of the descriptor read at `pa` (`ns` as read64's); 'abort' is an external abort. */
  write64(pa: bigint, v: bigint, ns?: boolean): 'ok' | 'abort';
  /**
   * Nested walks: the PA of a stage 1 table address (an IPA), or the stage 2 fault. Called with
   * write = true before a hardware update of a stage 1 descriptor, which stage 2 must allow
   * (§3.13.5). `steps` are the levels walked so far (with write, the last one is the descriptor
   * updated), from which Translation Hardening derives the access's Assured Translation
   * property (§3.27.2). Omitted: table addresses are PAs.
   */
  tableAddress?(ipa: bigint, write?: boolean, steps?: readonly WalkStep[], ns?: boolean): bigint | WalkFault;
  /**
   * The walk cache: the walk starts below the deepest cached table descriptor for its input
   * address, and caches the table descriptors it reads. Omitted: every level is read.
   */
  walkCache?: WalkCacheHooks;
}
