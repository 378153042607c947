/**
 * The CoreSight identification registers of a configuration (§6.3.170 ID_REGS): their default
 * values, derived from SMMU_IIDR, and the rules that compare given values with the IIDR and with
 * the values §6.3.170 assigns.
 *
 * §6.3.7 relates the two: IIDR.Implementer "matches the SMMU_PIDR{1,2,4}.DES_{0,1,2} fields, if
 * SMMU_PIDR{1,2,4} are present", and Arm "normally" expects PIDR{0,1}.PART_{0,1} to match
 * IIDR.ProductID, though an implementation is permitted to differ. The ID registers are not
 * required to be present (§6.3.7 Additional Information): all zero, they are taken as absent.
 */
import { CORESIGHT_FIXED, CORESIGHT_ID_REGISTERS } from '../registers/coresight';
import { hex3, iidrFields } from './iidr';
import type { Rule, RuleContext } from './rules';

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

/** The JEP106 code the PIDR designer fields give, as IIDR.Implementer spells one. */
function designer(c: RuleContext): number {
  return (c.f('PIDR4.DES_2') << 8) | (c.f('PIDR2.DES_1') << 4) | c.f('PIDR1.DES_0');
}

const present = (c: RuleContext) => CORESIGHT_ID_REGISTERS.some((r) => c.reg(r.name) !== 0);

export const CORESIGHT_RULES: readonly Rule[] = [
  {
    code: 'config.coresight-id',
    section: '6.3.170, 6.3.7',
    summary:
      'the CoreSight ID registers hold the values §6.3.170 assigns, and their designer code matches IIDR.Implementer (§6.3.7); their part number normally matches IIDR.ProductID',
    check: (c) => {
      if (!present(c)) return;
      for (const x of CORESIGHT_FIXED) {
        const v = c.f(`${x.register}.${x.field}`);
        if (v !== x.value)
          c.report(
            'warning',
            'config.coresight-id',
            `SMMU_${x.register}.${x.field} = 0x${v.toString(16).toUpperCase()}, but §6.3.170 assigns 0x${x.value.toString(16).toUpperCase()}: software that identifies the SMMU by the CoreSight ID scheme, which Arm strongly recommends every implementer follows, does not recognise it`,
            [`${x.register}.${x.field}`],
          );
      }
      const iidr = iidrFields(c.reg('IIDR'));
      const des = designer(c);
      if (des !== iidr.implementer)
        c.report(
          'warning',
          'config.coresight-id',
          `the designer code of SMMU_PIDR1/2/4 (DES_2:DES_1:DES_0) is ${hex3(des)}, but SMMU_IIDR.Implementer is ${hex3(iidr.implementer)}: §6.3.7 says they match when the PIDRs are present`,
          ['PIDR1.DES_0', 'PIDR2.DES_1', 'PIDR4.DES_2', 'IIDR.IMPLEMENTER'],
        );
      const part = (c.f('PIDR1.PART_1') << 8) | c.f('PIDR0.PART_0');
      if (part !== iidr.productId)
        c.report(
          'info',
          'config.coresight-id',
          `the part number of SMMU_PIDR0/1 is ${hex3(part)}, but SMMU_IIDR.ProductID is ${hex3(iidr.productId)}: Arm normally expects them to match, though an implementation is permitted to differ (§6.3.7)`,
          ['PIDR0.PART_0', 'PIDR1.PART_1', 'IIDR.PRODUCTID'],
        );
    },
  },
];
