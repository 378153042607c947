/**
 * Semantic checks of a resolved set of ID register values: what the architecture forbids
 * (§6.3.1–§6.3.8, §2.9), and what the drivers that will probe the SMMU refuse (Linux and Xen,
 * facts §7.2). Every rule works on the final field values, so it applies whether a value came from
 * `features`, `iidr`, `version` or a raw `registers` override; the loader pins each report to the
 * JSON that produced the first field named in `at`.
 *
 * Codes (stable; tests and docs use them):
 *   config.range        a value beyond its architectural range
 *   config.reserved     a Reserved encoding, a RES0 bit set, a field the register page says is RES0 in this version
 *   config.version      a feature from two or more versions later than `version` (§2.9)
 *   config.mandatory    a feature the version makes mandatory is missing
 *   config.inconsistent a combination the architecture forbids ("X is RES0 when Y == 0", "if X then Y")
 *   config.linux-probe  Linux's arm-smmu-v3 probe would refuse the device (or truncate a value)
 *   config.xen-probe    Xen's SMMUv3 host driver would refuse it, where it differs from Linux
 *   config.iidr         the IIDR identifies nobody, someone implausible, or triggers driver errata paths
 *   config.queue-size   memory a maximum-size queue needs (info)
 *   config.not-modelled-<feature>  an advertised feature the model does not implement (error until accepted)
 */
import {
  FEATURES,
  QUEUE_ENTRY_BYTES,
  QUEUE_NAMES,
  VERSIONS,
  bytesText,
  featureOfField,
  minorOf,
  queueSizeText,
  versionName,
  type Version,
} from './features';
import { ARM_IMPLEMENTER, hex3, iidrFields, implementerInfo, implementerText, linuxErrata, productText } from './iidr';
import { bitRanges, enumOf, extractField, hex } from '../registers/codec';
import { definedMask, REGISTERS, widthMask } from '../registers/table';
import { advertised, UNMODELLED_FEATURES } from '../registers/not-modelled';
import { CORESIGHT_FIXED, CORESIGHT_ID_REGISTERS } from '../registers/coresight';

export type Severity = 'error' | 'warning' | 'info';
export type Driver = 'linux' | 'xen';
export const DRIVERS: readonly Driver[] = ['linux', 'xen'];

export interface RuleContext {
  /** Final value of an ID register field, `'IDR0.PRI'` (0 when the register table lacks it). */
  f(ref: string): number;
  /** Whole register value (unsigned 32-bit). */
  reg(name: string): number;
  /** AIDR.ArchMinorRev: 0 = SMMUv3.0 … 4 = SMMUv3.4. */
  readonly version: number;
  readonly drivers: ReadonlySet<Driver>;
  /** The value of `ref` was written in the file (feature, override, base), not defaulted. */
  explicit(ref: string): boolean;
  /** Report at the JSON behind the first explicit ref in `at` (else the `features` key). */
  report(severity: Severity, code: string, message: string, at: readonly string[]): void;
}

export interface Rule {
  readonly code: string;
  /** Architecture section (or `facts §7.2` for driver behaviour). */
  readonly section: string;
  /** One line for docs/configuration.md. */
  readonly summary: string;
  readonly check: (c: RuleContext) => void;
}

/** `"pri" (SMMU_IDR0.PRI)`: the feature name a user wrote, and the architecture's name. */
export function label(ref: string): string {
  const [reg, field] = ref.split('.');
  const feat = featureOfField(reg, field);
  return feat ? `${feat.key} (SMMU_${reg}.${field})` : `SMMU_${reg}.${field}`;
}

const v = (c: RuleContext, ref: string) => c.f(ref) !== 0;

/** "`field` is RES0 unless `cond`": an error at `field` when it is set and the condition fails. */
function res0Unless(
  section: string,
  field: string,
  cond: (c: RuleContext) => boolean,
  condText: string,
  also: readonly string[] = [],
): Rule {
  return {
    code: 'config.inconsistent',
    section,
    summary: `${field.split('.')[1]} is RES0 unless ${condText}`,
    check: (c) => {
      if (v(c, field) && !cond(c))
        c.report(
          'error',
          'config.inconsistent',
          `${label(field)} needs ${condText}: the field is RES0 otherwise (§${section})`,
          [field, ...also],
        );
    },
  };
}

/** "if `field` then `cond`". */
function implies(
  section: string,
  field: string,
  cond: (c: RuleContext) => boolean,
  condText: string,
  at: readonly string[] = [],
): Rule {
  return {
    code: 'config.inconsistent',
    section,
    summary: `${field.split('.')[1]} requires ${condText}`,
    check: (c) => {
      if (v(c, field) && !cond(c))
        c.report('error', 'config.inconsistent', `${label(field)} requires ${condText} (§${section})`, [field, ...at]);
    },
  };
}

/** "`field` is 1 in SMMUv3.`since` and later [when `when`]". */
function mandatory(
  section: string,
  field: string,
  since: Version,
  when?: { readonly cond: (c: RuleContext) => boolean; readonly text: string; readonly at: readonly string[] },
): Rule {
  return {
    code: 'config.mandatory',
    section,
    summary: `${field.split('.')[1]} is mandatory from SMMUv${since}${when ? ` when ${when.text}` : ''}`,
    check: (c) => {
      if (c.version < minorOf(since) || v(c, field) || (when && !when.cond(c))) return;
      c.report(
        'error',
        'config.mandatory',
        `${label(field)} is mandatory in SMMUv${since} and later${when ? ` when ${when.text}` : ''}, and this is ${versionName(c.version)} (§${section})`,
        [field, ...(when?.at ?? []), 'AIDR.ARCHMINORREV'],
      );
    },
  };
}

const S1 = (c: RuleContext) => v(c, 'IDR0.S1P');
const S2 = (c: RuleContext) => v(c, 'IDR0.S2P');
const ATS = (c: RuleContext) => v(c, 'IDR0.ATS');
const TTF_AARCH32 = (c: RuleContext) => (c.f('IDR0.TTF') & 1) !== 0;

/** Architectural ranges of the numeric fields (the field may be wider than the range). */
function rangeRules(): Rule[] {
  return FEATURES.flatMap((d): Rule[] => {
    const k = d.kind;
    if (k.type !== 'int') return [];
    const ref = `${d.register}.${d.field}`;
    return [
      {
        code: 'config.range',
        section: d.section,
        summary: `${d.field} is at most ${k.max}`,
        check: (c) => {
          const x = c.f(ref);
          if (x > k.max)
            c.report(
              'error',
              'config.range',
              `${label(ref)} = ${x} is out of range: at most ${k.max}${k.unit ? ` (${k.unit})` : ''} (§${d.section})`,
              [ref],
            );
        },
      },
    ];
  });
}

/**
 * Version gates from the feature table. §2.9: an SMMUv3.x may implement any SMMUv3.(x+1)
 * feature, none later. Where the register page itself says "RES0/Reserved in SMMUv3.x", that is
 * stricter and reported as config.reserved.
 */
function versionRules(): Rule[] {
  const rules: Rule[] = [];
  const gate = (
    ref: string,
    what: string,
    section: string,
    holds: (x: number) => boolean,
    since: Version,
    reservedUpTo: Version | undefined,
  ) => {
    rules.push({
      code: reservedUpTo ? 'config.reserved' : 'config.version',
      section,
      summary: `${what}: SMMUv${since}${reservedUpTo ? `, Reserved up to SMMUv${reservedUpTo}` : ''}`,
      check: (c) => {
        if (!holds(c.f(ref))) return;
        if (reservedUpTo && c.version <= minorOf(reservedUpTo))
          c.report(
            'error',
            'config.reserved',
            `${what} is Reserved in ${versionName(c.version)} (§${section}); it needs "version": "${VERSIONS[minorOf(reservedUpTo) + 1]}" or later`,
            [ref, 'AIDR.ARCHMINORREV'],
          );
        else if (c.version < minorOf(since) - 1)
          c.report(
            'error',
            'config.version',
            `${what} is an SMMUv${since} feature: ${versionName(c.version)} may only include features of the next version, SMMUv${VERSIONS[c.version + 1] ?? '?'} (§2.9); set "version" to "${VERSIONS[minorOf(since) - 1]}" or later`,
            [ref, 'AIDR.ARCHMINORREV'],
          );
      },
    });
  };
  for (const d of FEATURES) {
    const ref = `${d.register}.${d.field}`;
    const k = d.kind;
    if (d.since && (k.type === 'bool' || k.type === 'int'))
      gate(ref, label(ref), d.section, (x) => x !== 0, d.since, d.reservedUpTo);
    if (k.type === 'enum')
      for (const ch of k.choices)
        if (ch.since)
          gate(
            ref,
            `${d.key} "${ch.name}" (SMMU_${ref} = ${ch.encoding})`,
            d.section,
            (x) => x === ch.encoding,
            ch.since,
            ch.reservedUpTo,
          );
    if (k.type === 'size')
      for (const ch of k.choices)
        if (ch.since)
          gate(
            ref,
            `${d.key} ${ch.bits} (SMMU_${ref} = ${ch.encoding})`,
            d.section,
            (x) => x === ch.encoding,
            ch.since,
            ch.reservedUpTo,
          );
  }
  return rules;
}

const SECTION_IDR0 = '6.3.1';
const SECTION_IDR1 = '6.3.2';
const SECTION_IDR3 = '6.3.4';
const SECTION_IDR5 = '6.3.6';
const SECTION_S_IDR1 = '6.3.53';
const SECURE = (c: RuleContext) => v(c, 'S_IDR1.SECURE_IMPL');
/** Every field of the Secure ID registers other than SECURE_IMPL (§6.3.52–§6.3.56). */
const SECURE_ID_FIELDS: readonly string[] = REGISTERS.filter(
  (r) => r.security === 'secure' && r.behaviour.kind === 'id',
).flatMap((r) => r.fields.filter((f) => f.name !== 'SECURE_IMPL').map((f) => `${r.name}.${f.name}`.toUpperCase()));

export const ARCHITECTURE_RULES: readonly Rule[] = [
  ...rangeRules(),
  ...versionRules(),
  {
    code: 'config.reserved',
    section: '6.3.8',
    summary: 'AIDR names SMMUv3.0–3.4',
    check: (c) => {
      if (c.f('AIDR.ARCHMAJORREV') !== 0)
        c.report(
          'error',
          'config.reserved',
          `SMMU_AIDR.ArchMajorRev = ${c.f('AIDR.ARCHMAJORREV')} is Reserved: 0 is SMMUv3.x, the only value defined (§6.3.8)`,
          ['AIDR.ARCHMAJORREV'],
        );
      if (c.f('AIDR.ARCHMINORREV') >= VERSIONS.length)
        c.report(
          'error',
          'config.reserved',
          `SMMU_AIDR.ArchMinorRev = ${c.f('AIDR.ARCHMINORREV')} is Reserved: 0–4 are SMMUv3.0–SMMUv3.4 (§6.3.8)`,
          ['AIDR.ARCHMINORREV'],
        );
    },
  },

  // ---- SMMU_IDR0 (§6.3.1)
  res0Unless(SECTION_IDR0, 'IDR0.PRI', ATS, 'ats (SMMU_IDR0.ATS)'),
  res0Unless(SECTION_IDR0, 'IDR0.ATSRECERR', ATS, 'ats (SMMU_IDR0.ATS)'),
  res0Unless(SECTION_IDR0, 'IDR0.VMW', S2, 'stage2 (SMMU_IDR0.S2P)'),
  res0Unless(SECTION_IDR0, 'IDR0.NS1ATS', (c) => ATS(c) && S1(c) && S2(c), 'ats, stage1 and stage2'),
  res0Unless(SECTION_IDR0, 'IDR0.HYP', (c) => S1(c) && S2(c), 'both stage1 and stage2'),
  implies(SECTION_IDR0, 'IDR0.VATOS', (c) => v(c, 'IDR0.ATOS') && S1(c) && S2(c), 'atos, stage1 and stage2'),
  mandatory(SECTION_IDR0, 'IDR0.HYP', '3.2', {
    cond: (c) => S1(c) && S2(c),
    text: 'both stages are supported',
    at: ['IDR0.S2P', 'IDR0.S1P'],
  }),
  {
    code: 'config.inconsistent',
    section: SECTION_IDR1,
    summary: 'ST_LEVEL is not linear-only when SIDSIZE >= 7',
    check: (c) => {
      const sid = c.f('IDR1.SIDSIZE');
      if (sid >= 7 && c.f('IDR0.ST_LEVEL') === 0)
        c.report(
          'error',
          'config.inconsistent',
          `streamTable "linear" with sidSize ${sid}: when SMMU_IDR1.SIDSIZE >= 7, SMMU_IDR0.ST_LEVEL must not be 0b00 (§6.3.2); a linear Stream table for all 2^${sid} StreamIDs would be 2^${sid} × 64 B = ${bytesText(2 ** sid * 64)}`,
          ['IDR0.ST_LEVEL', 'IDR1.SIDSIZE'],
        );
    },
  },
  {
    code: 'config.inconsistent',
    section: SECTION_IDR0,
    summary: 'no STALL_MODEL 0b10 (forced stall) on a PCIe (ATS) SMMU',
    check: (c) => {
      if (c.f('IDR0.STALL_MODEL') === 2 && ATS(c))
        c.report(
          'warning',
          'config.inconsistent',
          'stallModel "forced" with ats: an SMMU associated with a PCI system must not have STALL_MODEL == 0b10, since PCIe transactions cannot be stalled indefinitely (§6.3.1)',
          ['IDR0.STALL_MODEL', 'IDR0.ATS'],
        );
    },
  },
  {
    code: 'config.inconsistent',
    section: '6.3.1, 6.3.4',
    summary: 'TTF[0] is 0 when IDR3.DPT is 1',
    check: (c) => {
      if (v(c, 'IDR3.DPT') && TTF_AARCH32(c))
        c.report(
          'error',
          'config.inconsistent',
          `${label('IDR3.DPT')} excludes AArch32 tables: TTF[0] is 0 when SMMU_IDR3.DPT is 1 (§6.3.1)`,
          ['IDR3.DPT', 'IDR0.TTF'],
        );
    },
  },

  // ---- SMMU_IDR1 (§6.3.2), IDR2 (§6.3.3)
  implies(SECTION_IDR1, 'IDR1.ECMDQ', (c) => v(c, 'IDR0.COHACC'), 'coherent (SMMU_IDR0.COHACC)'),
  implies(SECTION_IDR1, 'IDR1.ECMDQ', (c) => v(c, 'IDR0.MSI'), 'msi (SMMU_IDR0.MSI)'),
  implies(
    SECTION_IDR1,
    'IDR1.ECMDQ',
    (c) => !v(c, 'IDR1.QUEUES_PRESET'),
    'queuesPreset false (SMMU_IDR1.QUEUES_PRESET == 0)',
  ),
  res0Unless(
    SECTION_IDR1,
    'IDR1.REL',
    (c) => v(c, 'IDR1.TABLES_PRESET') || v(c, 'IDR1.QUEUES_PRESET'),
    'tablesPreset or queuesPreset',
  ),
  res0Unless('6.3.3', 'IDR2.BA_VATOS', (c) => v(c, 'IDR0.VATOS'), 'vatos (SMMU_IDR0.VATOS)'),
  // §6.3.45: SMMU_IDR6 is present only when SMMU_IDR1.ECMDQ == 1; otherwise RES0.
  res0Unless('6.3.45', 'IDR6.CMDQ_CONTROL_PAGE_LOG2NUMP', (c) => v(c, 'IDR1.ECMDQ'), 'ecmdq (SMMU_IDR1.ECMDQ)'),
  res0Unless('6.3.45', 'IDR6.CMDQ_CONTROL_PAGE_LOG2NUMQ', (c) => v(c, 'IDR1.ECMDQ'), 'ecmdq (SMMU_IDR1.ECMDQ)'),

  // ---- SMMU_IDR3 (§6.3.4)
  res0Unless(SECTION_IDR3, 'IDR3.AIE', S1, 'stage1 (SMMU_IDR0.S1P)'),
  res0Unless(SECTION_IDR3, 'IDR3.MTEPERM', S2, 'stage2 (SMMU_IDR0.S2P)'),
  res0Unless(SECTION_IDR3, 'IDR3.THE', S1, 'stage1 (SMMU_IDR0.S1P)'),
  res0Unless(SECTION_IDR3, 'IDR3.S2PI', S2, 'stage2 (SMMU_IDR0.S2P)'),
  res0Unless(SECTION_IDR3, 'IDR3.S1PI', S1, 'stage1 (SMMU_IDR0.S1P)'),
  res0Unless(SECTION_IDR3, 'IDR3.PTWNNC', S2, 'stage2 (SMMU_IDR0.S2P)'),
  res0Unless(SECTION_IDR3, 'IDR3.PASIDTT', (c) => ATS(c) && c.f('IDR1.SSIDSIZE') > 0, 'ats and ssidSize > 0'),
  res0Unless(SECTION_IDR3, 'IDR3.PPS', (c) => v(c, 'IDR0.PRI') && c.f('IDR1.SSIDSIZE') > 0, 'pri and ssidSize > 0'),
  res0Unless(SECTION_IDR3, 'IDR3.HAD', S1, 'stage1 (SMMU_IDR0.S1P)'),
  implies(SECTION_IDR3, 'IDR3.THE', (c) => !S2(c) || v(c, 'IDR3.S2PI'), 's2pi when stage2 is supported'),
  implies(SECTION_IDR3, 'IDR3.S2PO', (c) => v(c, 'IDR3.S2PI'), 's2pi (SMMU_IDR3.S2PI)'),
  implies(SECTION_IDR3, 'IDR3.DPT', ATS, 'ats (SMMU_IDR0.ATS)'),
  implies(SECTION_IDR3, 'IDR3.PBHA', (c) => v(c, 'IDR3.HAD'), 'had (SMMU_IDR3.HAD)'),
  mandatory(SECTION_IDR3, 'IDR3.HAD', '3.1', { cond: S1, text: 'stage 1 is supported', at: ['IDR0.S1P'] }),
  mandatory(SECTION_IDR3, 'IDR3.XNX', '3.1', { cond: S2, text: 'stage 2 is supported', at: ['IDR0.S2P'] }),
  mandatory(SECTION_IDR3, 'IDR3.RIL', '3.2'),
  mandatory(SECTION_IDR3, 'IDR3.FWB', '3.2'),
  mandatory(SECTION_IDR3, 'IDR3.BBML', '3.2'),
  mandatory(SECTION_IDR3, 'IDR3.E0PD', '3.3'),
  mandatory(SECTION_IDR3, 'IDR3.PTWNNC', '3.3', { cond: S2, text: 'stage 2 is supported', at: ['IDR0.S2P'] }),
  mandatory(SECTION_IDR3, 'IDR3.EPAN', '3.4'),
  mandatory(SECTION_IDR3, 'IDR3.MTEPERM', '3.4', { cond: S2, text: 'stage 2 is supported', at: ['IDR0.S2P'] }),

  // ---- SMMU_IDR5 (§6.3.6)
  res0Unless(
    SECTION_IDR5,
    'IDR5.STALL_MAX',
    (c) => c.f('IDR0.STALL_MODEL') !== 1,
    'a stall model other than "terminate"',
    ['IDR0.STALL_MODEL'],
  ),
  {
    code: 'config.reserved',
    section: SECTION_IDR5,
    summary: 'VAX 0b11 is Reserved',
    check: (c) => {
      if (c.f('IDR5.VAX') === 3)
        c.report(
          'error',
          'config.reserved',
          'SMMU_IDR5.VAX = 0b11 is Reserved: 0b00/0b01/0b10 are 48, 52 and 56 bits (§6.3.6)',
          ['IDR5.VAX'],
        );
    },
  },
  res0Unless(SECTION_IDR5, 'IDR5.DS', (c) => v(c, 'IDR5.GRAN4K') || v(c, 'IDR5.GRAN16K'), 'the 4K or 16K granule'),
  {
    code: 'config.inconsistent',
    section: SECTION_IDR5,
    summary: 'GRAN4K is RES1 when TTF[0] is 1',
    check: (c) => {
      if (TTF_AARCH32(c) && !v(c, 'IDR5.GRAN4K'))
        c.report(
          'error',
          'config.inconsistent',
          'AArch32 (VMSAv8-32 LPAE) tables need the 4K granule: SMMU_IDR5.GRAN4K is RES1 when SMMU_IDR0.TTF[0] == 1 (§6.3.6); add "4K" to granules',
          ['IDR5.GRAN4K', 'IDR0.TTF'],
        );
    },
  },
  {
    code: 'config.inconsistent',
    section: SECTION_IDR5,
    summary: 'VAX >= 52 bits needs GRAN64K, or DS with GRAN4K/GRAN16K',
    check: (c) => {
      const vax = c.f('IDR5.VAX');
      if (
        vax >= 1 &&
        vax <= 2 &&
        !(v(c, 'IDR5.GRAN64K') || (v(c, 'IDR5.DS') && (v(c, 'IDR5.GRAN4K') || v(c, 'IDR5.GRAN16K'))))
      )
        c.report(
          'error',
          'config.inconsistent',
          `vax ${vax === 1 ? 52 : 56} needs the 64K granule, or ds with the 4K or 16K granule (§6.3.6)`,
          ['IDR5.VAX', 'IDR5.GRAN64K'],
        );
    },
  },
  {
    code: 'config.inconsistent',
    section: SECTION_IDR5,
    summary: 'VAX 56 bits needs D128',
    check: (c) => {
      if (c.f('IDR5.VAX') === 2 && !v(c, 'IDR5.D128'))
        c.report(
          'error',
          'config.inconsistent',
          'vax 56 needs d128 (SMMU_IDR5.D128): 56-bit input addresses exist only with 128-bit descriptors (§6.3.6)',
          ['IDR5.VAX', 'IDR5.D128'],
        );
    },
  },
  {
    code: 'config.inconsistent',
    section: '6.3.6, 6.3.4',
    summary: 'D128 needs VMSAv8-64 only and S1PI, AIE (stage 1), S2PO, MTEPERM (stage 2)',
    check: (c) => {
      if (!v(c, 'IDR5.D128')) return;
      const ttf = c.f('IDR0.TTF');
      if ((ttf & 2) === 0 || (ttf & 1) !== 0)
        c.report(
          'error',
          'config.inconsistent',
          'd128 (SMMU_IDR5.D128) needs ttf "aarch64": TTF[1] is 1 and TTF[0] is 0 with 128-bit descriptors (§6.3.6)',
          ['IDR5.D128', 'IDR0.TTF'],
        );
      // §6.3.6 lists S1PI, S2PO, AIE and MTEPERM as 1 with D128; §6.3.4 makes S1PI/AIE RES0
      // without stage 1 and S2PO (via S2PI)/MTEPERM RES0 without stage 2, so require each only
      // with its stage.
      const need = [
        ...(S1(c) ? ['IDR3.S1PI', 'IDR3.AIE'] : []),
        ...(S2(c) ? ['IDR3.S2PO', 'IDR3.MTEPERM'] : []),
      ].filter((r) => !v(c, r));
      if (need.length)
        c.report(
          'error',
          'config.inconsistent',
          `d128 (SMMU_IDR5.D128) requires ${need.map(label).join(', ')} (§6.3.6)`,
          ['IDR5.D128'],
        );
    },
  },
  implies(SECTION_IDR5, 'IDR5.DS', (c) => c.f('IDR5.VAX') >= 1, 'vax >= 52 (SMMU_IDR5.VAX != 0)', ['IDR5.VAX']),
  {
    code: 'config.inconsistent',
    section: SECTION_IDR5,
    summary: 'OAS 52 bits needs GRAN64K, DS or D128; OAS 56 needs D128',
    check: (c) => {
      const oas = c.f('IDR5.OAS');
      if (oas === 6 && !(v(c, 'IDR5.GRAN64K') || v(c, 'IDR5.DS') || v(c, 'IDR5.D128')))
        c.report('error', 'config.inconsistent', 'oas 52 needs the 64K granule, ds or d128 (§6.3.6)', ['IDR5.OAS']);
      if (oas === 7 && !v(c, 'IDR5.D128'))
        c.report('error', 'config.inconsistent', 'oas 56 needs d128 (SMMU_IDR5.D128) (§6.3.6)', [
          'IDR5.OAS',
          'IDR5.D128',
        ]);
    },
  },
  {
    code: 'config.inconsistent',
    section: SECTION_IDR5,
    summary: 'a translation stage with no granule cannot translate (warning)',
    check: (c) => {
      if ((S1(c) || S2(c)) && !v(c, 'IDR5.GRAN4K') && !v(c, 'IDR5.GRAN16K') && !v(c, 'IDR5.GRAN64K'))
        c.report(
          'warning',
          'config.inconsistent',
          'no translation granule: with granules empty no CD or STE can describe a translation table, so every translation faults (§6.3.6; Arm recommends at least 4K and 64K)',
          ['IDR5.GRAN4K', 'IDR0.S1P', 'IDR0.S2P'],
        );
    },
  },

  // ---- SMMU_MPAMIDR (§6.3.41): present only with MPAM; MPAM is supported when one maximum is non-zero (§17.1)
  res0Unless('6.3.41', 'MPAMIDR.PARTID_MAX', (c) => v(c, 'IDR3.MPAM'), 'mpam (SMMU_IDR3.MPAM)'),
  res0Unless('6.3.41', 'MPAMIDR.PMG_MAX', (c) => v(c, 'IDR3.MPAM'), 'mpam (SMMU_IDR3.MPAM)'),
  {
    code: 'config.mpam',
    section: '17.1, 6.3.41',
    summary: 'with mpam, SMMU_MPAMIDR gives a PARTID or PMG range (§17.1), and Arm recommends a non-zero PARTID_MAX',
    check: (c) => {
      if (!v(c, 'IDR3.MPAM')) return;
      if (!v(c, 'MPAMIDR.PARTID_MAX') && !v(c, 'MPAMIDR.PMG_MAX'))
        c.report(
          'warning',
          'config.mpam',
          'mpam (SMMU_IDR3.MPAM) is advertised, but SMMU_MPAMIDR.PARTID_MAX and PMG_MAX are 0: MPAM is then not supported for the Non-secure state (§17.1); give partidMax (and pmgMax)',
          ['IDR3.MPAM', 'MPAMIDR.PARTID_MAX'],
        );
      else if (!v(c, 'MPAMIDR.PARTID_MAX'))
        c.report(
          'info',
          'config.mpam',
          `${label('MPAMIDR.PARTID_MAX')} is 0: only PARTID 0 can be used; Arm recommends a non-zero PARTID_MAX when MPAM is implemented (§6.3.41)`,
          ['MPAMIDR.PARTID_MAX', 'IDR3.MPAM'],
        );
    },
  },
  // ---- SMMU_S_IDR0–S_IDR4 (§6.3.52–§6.3.56): the Secure programming interface (§3.10.2)
  {
    code: 'config.inconsistent',
    section: '3.10.2, 6.3.53',
    summary: 'without SECURE_IMPL the Secure ID registers are RAZ/WI: every S_IDR field is 0',
    check: (c) => {
      if (SECURE(c)) return;
      const set = SECURE_ID_FIELDS.filter((ref) => c.f(ref) !== 0);
      if (set.length)
        c.report(
          'error',
          'config.inconsistent',
          `${set.map(label).join(', ')} ${set.length === 1 ? 'is' : 'are'} set, but secure (SMMU_S_IDR1.SECURE_IMPL) is 0: without Secure state every SMMU_S_* register is RAZ/WI (§3.10.2, §6.3.53); set "secure": true or leave ${set.length === 1 ? 'it' : 'them'} out`,
          [...set, 'S_IDR1.SECURE_IMPL'],
        );
    },
  },
  implies(SECTION_S_IDR1, 'S_IDR1.SECURE_IMPL', S1, 'stage1 (SMMU_IDR0.S1P)', ['IDR0.S1P']),
  res0Unless(SECTION_S_IDR1, 'S_IDR1.SEL2', (c) => S1(c) && S2(c), 'both stage1 and stage2', ['IDR0.S2P']),
  {
    code: 'config.mandatory',
    section: SECTION_S_IDR1,
    summary: 'SEL2 is 1 when SECURE_IMPL and RME_IMPL are 1',
    check: (c) => {
      if (SECURE(c) && v(c, 'IDR0.RME_IMPL') && !v(c, 'S_IDR1.SEL2'))
        c.report(
          'error',
          'config.mandatory',
          `${label('S_IDR1.SEL2')} must be 1 when both secure (SMMU_S_IDR1.SECURE_IMPL) and rme (SMMU_IDR0.RME_IMPL) are 1 (§6.3.53)`,
          ['S_IDR1.SEL2', 'IDR0.RME_IMPL', 'S_IDR1.SECURE_IMPL'],
        );
    },
  },
  {
    code: 'config.inconsistent',
    section: '6.3.52, 6.3.57',
    summary: 'S_IDR0.STALL_MODEL equals IDR0.STALL_MODEL at reset (NSSTALLD is 0)',
    check: (c) => {
      const s = c.f('S_IDR0.STALL_MODEL');
      const ns = c.f('IDR0.STALL_MODEL');
      if (SECURE(c) && s !== ns)
        c.report(
          'error',
          'config.inconsistent',
          `${label('S_IDR0.STALL_MODEL')} = ${s} but ${label('IDR0.STALL_MODEL')} = ${ns}: SMMU_IDR0.STALL_MODEL reads SMMU_S_IDR0.STALL_MODEL while SMMU_S_CR0.NSSTALLD is 0, its reset value (§6.3.57); only NSSTALLD = 1 with Secure 0b00 makes the Non-secure one 0b01`,
          ['S_IDR0.STALL_MODEL', 'IDR0.STALL_MODEL'],
        );
    },
  },
  implies('6.3.52', 'S_IDR0.ECMDQ', (c) => v(c, 'IDR0.COHACC'), 'coherent (SMMU_IDR0.COHACC)'),
  implies('6.3.52', 'S_IDR0.ECMDQ', (c) => v(c, 'S_IDR0.MSI'), 'secureMsi (SMMU_S_IDR0.MSI)'),
  implies(
    '6.3.52',
    'S_IDR0.ECMDQ',
    (c) => !v(c, 'IDR1.QUEUES_PRESET'),
    'queuesPreset false (SMMU_IDR1.QUEUES_PRESET == 0)',
  ),
  res0Unless('6.3.54', 'S_IDR2.BA_S_VATOS', (c) => v(c, 'IDR0.VATOS') && v(c, 'S_IDR1.SEL2'), 'vatos and secureEl2'),
  res0Unless('6.3.55', 'S_IDR3.SAMS', ATS, 'ats (SMMU_IDR0.ATS)', ['IDR0.ATS']),
];

/** Refusals of Linux's arm_smmu_device_hw_probe (6.18) and Xen's host driver (facts §7.2). */
export const DRIVER_RULES: readonly Rule[] = [
  {
    code: 'config.linux-probe',
    section: 'facts §7.2',
    summary: 'Linux and Xen refuse TTENDIAN other than mixed or little-endian (LE kernel)',
    check: (c) => {
      const e = c.f('IDR0.TTENDIAN');
      if (e === 1 || e === 3)
        refuse(
          c,
          'unknown/unsupported TT endianness!',
          `a little-endian kernel needs ttEndian "mixed" or "le" (TTENDIAN = 0b${e.toString(2).padStart(2, '0')})`,
          ['IDR0.TTENDIAN'],
        );
    },
  },
  {
    code: 'config.linux-probe',
    section: 'facts §7.2',
    summary: 'Linux refuses an SMMU with neither stage',
    check: (c) => {
      if (!S1(c) && !S2(c) && c.drivers.has('linux'))
        c.report(
          'warning',
          'config.linux-probe',
          'Linux would refuse: no translation support! (neither stage1 nor stage2)',
          ['IDR0.S1P', 'IDR0.S2P'],
        );
    },
  },
  {
    code: 'config.linux-probe',
    section: 'facts §7.2',
    summary: 'Linux and Xen refuse TTF without AArch64',
    check: (c) => {
      const ttf = c.f('IDR0.TTF');
      if (ttf !== 2 && ttf !== 3)
        refuse(
          c,
          'AArch64 table format not supported!',
          `ttf must include AArch64 (TTF = 0b${ttf.toString(2).padStart(2, '0')})`,
          ['IDR0.TTF'],
        );
    },
  },
  {
    code: 'config.linux-probe',
    section: 'facts §7.2',
    summary: 'Linux and Xen refuse preset tables/queues (embedded implementations)',
    check: (c) => {
      const set = ['IDR1.TABLES_PRESET', 'IDR1.QUEUES_PRESET', 'IDR1.REL'].filter((r) => v(c, r));
      if (set.length) refuse(c, 'embedded implementation not supported', `${set.map(label).join(', ')} set`, set);
    },
  },
  {
    code: 'config.linux-probe',
    section: 'facts §7.2',
    summary: 'Linux refuses a command queue of 64 entries or fewer; Xen one of 1 entry',
    check: (c) => {
      const q = c.f('IDR1.CMDQS');
      if (q <= 6 && c.drivers.has('linux'))
        c.report(
          'warning',
          'config.linux-probe',
          `Linux would refuse: command queue size <= 64 entries not supported (cmdqSize ${q} = ${2 ** q} entr${q === 0 ? 'y' : 'ies'}; one batch of 64 commands plus a CMD_SYNC must fit)`,
          ['IDR1.CMDQS'],
        );
      if (q === 0 && c.drivers.has('xen'))
        c.report(
          'warning',
          'config.xen-probe',
          "Xen's host driver would refuse: unit-length command queue not supported",
          ['IDR1.CMDQS'],
        );
    },
  },
  {
    code: 'config.linux-probe',
    section: 'facts §7.2',
    summary: 'Linux treats an unknown OAS (56 bits) as 48 bits (info)',
    check: (c) => {
      if (c.f('IDR5.OAS') === 7 && c.drivers.has('linux'))
        c.report(
          'info',
          'config.linux-probe',
          'Linux: "unknown output address size. Truncating to 48-bit" (it knows OAS up to 52 bits)',
          ['IDR5.OAS'],
        );
    },
  },
  {
    code: 'config.xen-probe',
    section: 'facts §7.2',
    summary: "Xen's host driver needs stage 2",
    check: (c) => {
      if (!S2(c) && c.drivers.has('xen'))
        c.report(
          'warning',
          'config.xen-probe',
          'Xen\'s host driver would refuse: no stage-2 translation support! (Xen translates guest DMA at stage 2; set stage2, or drivers: ["linux"] if Xen never probes this SMMU)',
          ['IDR0.S2P', 'IDR0.S1P'],
        );
    },
  },
];

/** A refusal Linux and Xen's host driver share: one report, naming whichever is checked. */
function refuse(c: RuleContext, quote: string, why: string, at: readonly string[]): void {
  const linux = c.drivers.has('linux');
  const xen = c.drivers.has('xen');
  if (linux)
    c.report(
      'warning',
      'config.linux-probe',
      `Linux${xen ? " (and Xen's host driver)" : ''} would refuse: ${quote} (${why})`,
      at,
    );
  else if (xen) c.report('warning', 'config.xen-probe', `Xen's host driver would refuse: ${quote} (${why})`, at);
}

/** IIDR (§6.3.7) and what drivers key on it (facts §7.2 arm_smmu_device_iidr_probe). */
export const IIDR_RULES: readonly Rule[] = [
  {
    code: 'config.iidr',
    section: '6.3.7',
    summary: 'IIDR.Implementer is a well-formed, plausible JEP106 code; Linux errata keyed on it',
    check: (c) => {
      const f = iidrFields(c.reg('IIDR'));
      const at = ['IIDR.IMPLEMENTER'];
      const consequence =
        'Linux keys erratum workarounds on Arm (0x43B) with ProductID 0x483 (MMU-600) or 0x487 (MMU-700), so a guest applies none here';
      if (f.implementer === 0) {
        // Written out (as QEMU's preset does), it is a claim worth a warning; merely absent, a note.
        const said = c.explicit('IIDR.IMPLEMENTER');
        c.report(
          said ? 'warning' : 'info',
          'config.iidr',
          `IIDR.Implementer is 0${said ? '' : ' (no "iidr" given)'}: the IIDR identifies no implementer (QEMU reports 0). ${consequence}; that suits a model without errata, but reviewers cannot tell what was meant: use your own JEP106 code, or Arm (0x43B) with ProductID 0`,
          at,
        );
        return;
      }
      const info = implementerInfo(f.implementer);
      if (!info.wellFormed) {
        c.report(
          'warning',
          'config.iidr',
          `IIDR.Implementer ${implementerText(f.implementer)} is not a well-formed JEP106 code: ${info.problem} (§6.3.7). ${consequence}`,
          at,
        );
        return;
      }
      if (f.implementer === ARM_IMPLEMENTER) {
        const errata = linuxErrata(f);
        c.report(
          'info',
          'config.iidr',
          errata.length
            ? `IIDR says ${productText(f)} r${f.variant}p${f.revision}: Linux ${errata.join('; ')}`
            : `IIDR says Arm, ${productText(f)}: Linux applies no product erratum workaround (it keys on MMU-600 0x483 and MMU-700 0x487)`,
          at,
        );
        return;
      }
      if (!info.knownSmmuVendor)
        c.report(
          'warning',
          'config.iidr',
          `IIDR.Implementer ${implementerText(f.implementer)} is not a known SMMU implementer; it looks like a placeholder. ${consequence}, and a value that names some other company misleads anyone reading the IIDR`,
          at,
        );
      else
        c.report(
          'info',
          'config.iidr',
          `IIDR.Implementer ${implementerText(f.implementer)}: Linux applies no IIDR-keyed erratum workaround for it`,
          at,
        );
    },
  },
];

/** The JEP106 code the PIDR designer fields give, as IIDR.Implementer spells one. */
function designer(c: RuleContext): number {
  return (c.f('PIDR4.DES_2') << 8) | (c.f('PIDR2.DES_1') << 4) | c.f('PIDR1.DES_0');
}

const present = (c: RuleContext) => CORESIGHT_ID_REGISTERS.some((r) => c.reg(r.name) !== 0);

/**
 * The CoreSight ID registers (§6.3.170) against the values §6.3.170 assigns and the IIDR (§6.3.7):
 * the designer code matches IIDR.Implementer; the part number normally matches ProductID.
 */
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

/** Memory a maximum-size queue needs (§6.3.2 CMDQS/EVENTQS/PRIQS), for reviewers. */
export const QUEUE_RULES: readonly Rule[] = (['CMDQS', 'EVENTQS', 'PRIQS'] as const).map((q): Rule => ({
  code: 'config.queue-size',
  section: '6.3.2',
  summary: `${q}: memory for a maximum-size ${QUEUE_NAMES[q]} (info)`,
  check: (c) => {
    const ref = `IDR1.${q}`;
    if (!c.explicit(ref) || (q === 'PRIQS' && !v(c, 'IDR0.PRI'))) return;
    const n = c.f(ref);
    if (n > 19) return; // config.range reports it
    const cap = q === 'CMDQS' ? 16 : q === 'EVENTQS' ? 15 : 16;
    const linux =
      n > cap
        ? `; Linux allocates at most 1 MiB a queue with 4 KiB pages and CONFIG_CMA_ALIGNMENT=8 (2^${cap} entries here)`
        : '';
    const max = n === 19 ? ' (19 is the architectural maximum, §6.3.2)' : '';
    c.report(
      'info',
      'config.queue-size',
      `${QUEUE_NAMES[q]}: up to ${queueSizeText(n, QUEUE_ENTRY_BYTES[q])} for a maximum-size queue${max}; software picks the size it uses in ${q.slice(0, -1)}_BASE.LOG2SIZE${linux}`,
      [ref],
    );
  },
}));

/** ID registers the configuration sets (behaviour `id`), from the register table. */
export function idRegisters() {
  return REGISTERS.filter((r) => r.behaviour.kind === 'id');
}

/**
 * Fields other rules check (the feature table's ranges, VAX below), so the generic enum check
 * skips them and a value is reported once.
 */
const RANGED = new Set([
  ...FEATURES.filter((d) => d.kind.type === 'int').map((d) => `${d.register}.${d.field}`.toUpperCase()),
  'IDR5.VAX',
]);

/**
 * Generic checks from the register table: bits outside every field are RES0 (§6.2), and values
 * not among a field's listed encodings are Reserved (§6.3.N tables). IDR4 is IMPLEMENTATION
 * DEFINED as a whole (§6.3.5); AIDR has its own rule above.
 */
export const TABLE_RULES: readonly Rule[] = [
  {
    code: 'config.reserved',
    section: '6.2, 6.3',
    summary: 'RES0 bits are 0 and enumerated fields hold a listed encoding',
    check: (c) => {
      for (const reg of idRegisters()) {
        if (reg.name === 'IDR4' || reg.name === 'AIDR') continue;
        const value = BigInt(c.reg(reg.name));
        const res0 = value & ~definedMask(reg) & widthMask(reg);
        if (res0 !== 0n)
          c.report(
            'error',
            'config.reserved',
            `SMMU_${reg.name} = ${hex(value, 32)} sets RES0 bit${res0 & (res0 - 1n) ? 's' : ''} ${bitRanges(res0)} (§${reg.section})`,
            [`${reg.name}.*`],
          );
        for (const field of reg.fields) {
          const ref = `${reg.name}.${field.name}`.toUpperCase();
          if (!field.values || field.openValues || RANGED.has(ref)) continue;
          const fv = extractField(value, field);
          if (!enumOf(field, fv))
            c.report(
              'error',
              'config.reserved',
              `${label(`${reg.name}.${field.name}`)} = ${fv} (0b${fv.toString(2).padStart(field.msb - field.lsb + 1, '0')}) is a Reserved encoding (§${reg.section})`,
              [ref],
            );
        }
      }
    },
  },
];

/**
 * Features the configuration advertises and the model does not implement (core/registers/not-modelled.ts):
 * an error each (issue #16: never silent), with its own code so that a configuration can accept
 * exactly the ones it means to, with a reason (a preset that models an SMMU with AArch32 tables,
 * say), and a later addition is still reported. The configuration stays usable (load.ts
 * isNotModelled): the error is about how far the model's verdicts can be trusted.
 */
export const NOT_MODELLED_RULES: readonly Rule[] = UNMODELLED_FEATURES.map((f): Rule => ({
  code: `config.not-modelled-${f.id}`,
  section: f.section,
  summary: `${f.field.field}${f.holdsText ? ` (${f.holdsText})` : ''}: ${f.what}`,
  check: (c) => {
    const ref = `${f.field.register}.${f.field.field}`;
    if (!advertised(f, c.f(ref))) return;
    c.report(
      'error',
      `config.not-modelled-${f.id}`,
      `${label(ref)}${f.holdsText ? ` with ${f.holdsText}` : ''} is advertised, but ${f.what}${f.what.includes(`§${f.section}`) ? '' : ` (§${f.section})`}`,
      [ref],
    );
  },
}));

export const RULES: readonly Rule[] = [
  ...TABLE_RULES,
  ...ARCHITECTURE_RULES,
  ...DRIVER_RULES,
  ...IIDR_RULES,
  ...CORESIGHT_RULES,
  ...QUEUE_RULES,
  ...NOT_MODELLED_RULES,
];

/** Every code the rules report: the keys of a configuration's `accepted` (load.ts). */
export const RULE_CODES: readonly string[] = [...new Set(RULES.map((r) => r.code))];
