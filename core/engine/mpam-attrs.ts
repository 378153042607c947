/** The MPAM attributes a transaction result carries (mpam.ts), apart so that transaction.ts can name them. */

/** The PARTID and PMG a transaction leaves the SMMU with, and where they came from (§17.2). */
export interface MpamAttrs {
  /** 'UNKNOWN' when the configured value is above SMMU_MPAMIDR.PARTID_MAX (§5.2, §5.4, §5.6, §6.3.43). */
  readonly partid: number | 'UNKNOWN';
  readonly pmg: number | 'UNKNOWN';
  /** The fields that gave them: `SMMU_GBPMPAM`, `STE`, `CD` or `VMS` (PARTID_MAP[CD.PARTID], CD.PMG). */
  readonly from: 'SMMU_GBPMPAM' | 'STE' | 'CD' | 'VMS';
}
