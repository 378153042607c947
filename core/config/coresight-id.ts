/**
 * The CoreSight identification registers of a configuration (§6.3.170 ID_REGS): their default
 * values, derived from SMMU_IIDR (rules.ts CORESIGHT_RULES compares given values with the IIDR and
 * with the values §6.3.170 assigns).
 *
 * §6.3.7 relates the two: IIDR.Implementer "matches the SMMU_PIDR{1,2,4}.DES_{0,1,2} fields, if
 * SMMU_PIDR{1,2,4} are present", and Arm "normally" expects PIDR{0,1}.PART_{0,1} to match
 * IIDR.ProductID, though an implementation is permitted to differ. The ID registers are not
 * required to be present (§6.3.7 Additional Information): all zero, they are taken as absent.
 */
import type { CORESIGHT_ID_REGISTERS } from '../registers/coresight';
import { iidrFields } from './iidr';

export type CoresightIdName = (typeof CORESIGHT_ID_REGISTERS)[number]['name'];

/**
 * The values a configuration's ID registers take when it gives none: the Arm assignment of
 * §6.3.170 (the Component ID preamble, class 0xF, JEDEC 1, SIZE 0) with the part number and
 * designer of the IIDR, so that the two agree as §6.3.7 expects. REVISION, REVAND and CMOD are 0:
 * the SMMU's IIDR does not relate them (only the PMCG's, §10.5), and a model has no silicon
 * revision to report.
 */
export function coresightDefaults(iidr: number): Record<CoresightIdName, number> {
  const f = iidrFields(iidr);
  const identity = f.implementer & 0x7f;
  return {
    PIDR0: f.productId & 0xff,
    PIDR1: ((identity & 0xf) << 4) | ((f.productId >> 8) & 0xf),
    PIDR2: (1 << 3) | ((identity >> 4) & 0x7),
    PIDR3: 0,
    PIDR4: (f.implementer >> 8) & 0xf,
    PIDR5: 0,
    PIDR6: 0,
    PIDR7: 0,
    CIDR0: 0x0d,
    CIDR1: 0xf0,
    CIDR2: 0x05,
    CIDR3: 0xb1,
  };
}
