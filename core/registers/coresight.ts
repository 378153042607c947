/**
 * The CoreSight identification registers (§6.3.170 ID_REGS): offsets 0xFD0–0xFFC of page 0 are a
 * read-only identification space. Arm implementations assign it as CoreSight components do
 * (SMMU_PIDR0–7, SMMU_CIDR0–3), and Arm strongly recommends other implementers do the same. Each
 * register holds 8 bits; the other bits, and SMMU_PIDR5–7 whole, are RES0.
 *
 * The values come from the configuration (`registers`). Without one, the loader derives them from
 * SMMU_IIDR as §6.3.7 relates them (core/config/coresight-id.ts): PART from ProductID, DES from
 * Implementer.
 */
import type { FieldDef, RegisterDef } from './types';

const id = { access: 'RO', reset: 'IMPDEF', group: 'coresight-id', width: 32, behaviour: { kind: 'id' } } as const;
const field = (name: string, msb: number, lsb: number, description: string): FieldDef => ({
  name,
  msb,
  lsb,
  description,
  openValues: true,
});
const SECTION = '6.3.170';

export const PIDR4 = {
  ...id,
  name: 'PIDR4',
  offset: 0x0fd0,
  section: SECTION,
  summary: 'Peripheral ID4: JEP106 continuation code of the designer, and the 4 KB count (0).',
  fields: [
    field('SIZE', 7, 4, 'Size of the component: 0.'),
    field('DES_2', 3, 0, 'JEP106 continuation code of the designer (Arm: 0x4); matches SMMU_IIDR.Implementer[11:8].'),
  ],
} satisfies RegisterDef;

const reserved = (n: 5 | 6 | 7, offset: number) =>
  ({
    ...id,
    name: `PIDR${n}`,
    offset,
    section: SECTION,
    summary: `Peripheral ID${n}: reserved, RES0.`,
    fields: [],
  }) as const satisfies RegisterDef;
export const PIDR5 = reserved(5, 0x0fd4);
export const PIDR6 = reserved(6, 0x0fd8);
export const PIDR7 = reserved(7, 0x0fdc);

export const PIDR0 = {
  ...id,
  name: 'PIDR0',
  offset: 0x0fe0,
  section: SECTION,
  summary: 'Peripheral ID0: bits [7:0] of the part number.',
  fields: [field('PART_0', 7, 0, 'Bits [7:0] of the part number; normally SMMU_IIDR.ProductID[7:0].')],
} satisfies RegisterDef;

export const PIDR1 = {
  ...id,
  name: 'PIDR1',
  offset: 0x0fe4,
  section: SECTION,
  summary: 'Peripheral ID1: bits [3:0] of the JEP106 designer code and bits [11:8] of the part number.',
  fields: [
    field(
      'DES_0',
      7,
      4,
      'Bits [3:0] of the JEP106 identity code of the designer (Arm: 0xB); matches SMMU_IIDR.Implementer[3:0].',
    ),
    field('PART_1', 3, 0, 'Bits [11:8] of the part number; normally SMMU_IIDR.ProductID[11:8].'),
  ],
} satisfies RegisterDef;

export const PIDR2 = {
  ...id,
  name: 'PIDR2',
  offset: 0x0fe8,
  section: SECTION,
  summary: 'Peripheral ID2: revision, JEDEC flag and bits [6:4] of the JEP106 designer code.',
  fields: [
    field('REVISION', 7, 4, 'Revision of the component.'),
    {
      name: 'JEDEC',
      msb: 3,
      lsb: 3,
      description: 'A JEDEC-assigned designer code is used: always 1.',
      values: [
        { value: 0, name: 'NOT_JEDEC', description: 'Not a JEDEC-assigned code (not permitted by §6.3.170).' },
        { value: 1, name: 'JEDEC', description: 'JEDEC-assigned designer code.' },
      ],
    },
    field(
      'DES_1',
      2,
      0,
      'Bits [6:4] of the JEP106 identity code of the designer (Arm: 0b011); matches SMMU_IIDR.Implementer[6:4].',
    ),
  ],
} satisfies RegisterDef;

export const PIDR3 = {
  ...id,
  name: 'PIDR3',
  offset: 0x0fec,
  section: SECTION,
  summary: 'Peripheral ID3: manufacturer revision and customer modification numbers.',
  fields: [
    field('REVAND', 7, 4, 'Manufacturer revision number.'),
    field('CMOD', 3, 0, 'Customer modification number.'),
  ],
} satisfies RegisterDef;

export const CIDR0 = {
  ...id,
  name: 'CIDR0',
  offset: 0x0ff0,
  section: SECTION,
  summary: 'Component ID0: preamble 0x0D.',
  fields: [field('PRMBL_0', 7, 0, 'Preamble: 0x0D.')],
} satisfies RegisterDef;

export const CIDR1 = {
  ...id,
  name: 'CIDR1',
  offset: 0x0ff4,
  section: SECTION,
  summary: 'Component ID1: component class 0xF and preamble 0x0.',
  fields: [field('CLASS', 7, 4, 'Component class: 0xF.'), field('PRMBL_1', 3, 0, 'Preamble: 0x0.')],
} satisfies RegisterDef;

export const CIDR2 = {
  ...id,
  name: 'CIDR2',
  offset: 0x0ff8,
  section: SECTION,
  summary: 'Component ID2: preamble 0x05.',
  fields: [field('PRMBL_2', 7, 0, 'Preamble: 0x05.')],
} satisfies RegisterDef;

export const CIDR3 = {
  ...id,
  name: 'CIDR3',
  offset: 0x0ffc,
  section: SECTION,
  summary: 'Component ID3: preamble 0xB1.',
  fields: [field('PRMBL_3', 7, 0, 'Preamble: 0xB1.')],
} satisfies RegisterDef;

/** The registers in offset order. */
export const CORESIGHT_ID_REGISTERS = [
  PIDR4,
  PIDR5,
  PIDR6,
  PIDR7,
  PIDR0,
  PIDR1,
  PIDR2,
  PIDR3,
  CIDR0,
  CIDR1,
  CIDR2,
  CIDR3,
] as const;

/**
 * The values §6.3.170 gives for the Arm assignment: the Component ID preamble and class, the
 * JEDEC flag and SIZE. The configuration rules compare a configuration's values with them.
 */
export const CORESIGHT_FIXED: readonly {
  readonly register: 'CIDR0' | 'CIDR1' | 'CIDR2' | 'CIDR3' | 'PIDR2' | 'PIDR4';
  readonly field: string;
  readonly value: number;
}[] = [
  { register: 'CIDR0', field: 'PRMBL_0', value: 0x0d },
  { register: 'CIDR1', field: 'CLASS', value: 0xf },
  { register: 'CIDR1', field: 'PRMBL_1', value: 0x0 },
  { register: 'CIDR2', field: 'PRMBL_2', value: 0x05 },
  { register: 'CIDR3', field: 'PRMBL_3', value: 0xb1 },
  { register: 'PIDR2', field: 'JEDEC', value: 1 },
  { register: 'PIDR4', field: 'SIZE', value: 0 },
];
