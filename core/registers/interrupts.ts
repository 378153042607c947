/**
 * Interrupt and global error registers: IRQ_CTRL/IRQ_CTRLACK (§6.3.16, §6.3.18), GERROR/GERRORN
 * (§6.3.19, §6.3.20) and the MSI configuration of each source (§6.3.21–23, §6.3.30–32, §6.3.34–36).
 */
import type { FeatureRef, FieldDef, GuardRef, IrqSource, NamedRegister, RegisterDef, RegisterName } from './types';

const enable = [
  { value: 0, name: 'DISABLED' },
  { value: 1, name: 'ENABLED' },
];
const PRI: FeatureRef = { register: 'IDR0', field: 'PRI' };
const MSI: FeatureRef = { register: 'IDR0', field: 'MSI' };

const IRQ_CTRL_FIELDS: readonly FieldDef[] = [
  { name: 'EVENTQ_IRQEN', msb: 2, lsb: 2, description: 'Event queue interrupt enable.', values: enable, reset: 0 },
  {
    name: 'PRIQ_IRQEN',
    msb: 1,
    lsb: 1,
    description: 'PRI queue interrupt enable.',
    requires: PRI,
    values: enable,
    reset: 0,
  },
  { name: 'GERROR_IRQEN', msb: 0, lsb: 0, description: 'Global error interrupt enable.', values: enable, reset: 0 },
];

export const IRQ_CTRL = {
  name: 'IRQ_CTRL',
  offset: 0x0050,
  width: 32,
  access: 'RW',
  reset: 0n,
  section: '6.3.16',
  group: 'interrupts',
  summary: 'Interrupt enables for global errors, the event queue and the PRI queue.',
  fields: IRQ_CTRL_FIELDS,
  behaviour: { kind: 'acked', ack: 'IRQ_CTRLACK' },
} satisfies RegisterDef;

export const IRQ_CTRLACK = {
  name: 'IRQ_CTRLACK',
  offset: 0x0054,
  width: 32,
  access: 'RO',
  reset: 0n,
  section: '6.3.18',
  group: 'interrupts',
  summary: 'Acknowledgement of SMMU_IRQ_CTRL.',
  fields: IRQ_CTRL_FIELDS,
  behaviour: { kind: 'ack', of: 'IRQ_CTRL' },
} satisfies RegisterDef;

const GERROR_FIELDS: readonly FieldDef[] = [
  {
    name: 'DPT_ERR',
    msb: 10,
    lsb: 10,
    description: 'Device Permission Table lookup fault.',
    requires: { register: 'IDR3', field: 'DPT' },
  },
  {
    name: 'CMDQP_ERR',
    msb: 9,
    lsb: 9,
    description: 'An enhanced command queue error.',
    requires: { register: 'IDR1', field: 'ECMDQ' },
  },
  { name: 'SFM_ERR', msb: 8, lsb: 8, description: 'The SMMU entered Service Failure Mode.' },
  { name: 'MSI_GERROR_ABT_ERR', msb: 7, lsb: 7, description: 'A GERROR MSI write was aborted.', requires: MSI },
  { name: 'MSI_PRIQ_ABT_ERR', msb: 6, lsb: 6, description: 'A PRI queue MSI write was aborted.', requires: MSI },
  { name: 'MSI_EVENTQ_ABT_ERR', msb: 5, lsb: 5, description: 'An event queue MSI write was aborted.', requires: MSI },
  { name: 'MSI_CMDQ_ABT_ERR', msb: 4, lsb: 4, description: 'A CMD_SYNC MSI write was aborted.', requires: MSI },
  { name: 'PRIQ_ABT_ERR', msb: 3, lsb: 3, description: 'A PRI queue access was aborted.', requires: PRI },
  {
    name: 'EVENTQ_ABT_ERR',
    msb: 2,
    lsb: 2,
    description: 'An event queue access was aborted; the queue stops being writable.',
  },
  {
    name: 'CMDQ_ERR',
    msb: 0,
    lsb: 0,
    description: 'Command error: CMDQ_CONS.ERR gives the reason and command processing stops.',
  },
];

export const GERROR = {
  name: 'GERROR',
  offset: 0x0060,
  width: 32,
  access: 'RO',
  reset: 0n,
  section: '6.3.19',
  group: 'errors',
  summary: 'Global errors: error x is active while GERROR[x] != GERRORN[x].',
  fields: GERROR_FIELDS,
  behaviour: { kind: 'status' },
} satisfies RegisterDef;

export const GERRORN = {
  name: 'GERRORN',
  offset: 0x0064,
  width: 32,
  access: 'RW',
  reset: 0n,
  section: '6.3.20',
  group: 'errors',
  summary: 'Global error acknowledgement: write it equal to GERROR to acknowledge active errors.',
  fields: GERROR_FIELDS,
  behaviour: { kind: 'errorAck', of: 'GERROR' },
} satisfies RegisterDef;

/** The MSI configuration triple of one interrupt source, guarded by its enable (§6.2, v3.2+). */
function irqCfg<P extends IrqSource>(
  prefix: P,
  base: number,
  sections: [string, string, string],
  enableField: string,
  requires?: FeatureRef,
): readonly [
  NamedRegister<`${P}_IRQ_CFG0` & RegisterName>,
  NamedRegister<`${P}_IRQ_CFG1` & RegisterName>,
  NamedRegister<`${P}_IRQ_CFG2` & RegisterName>,
] {
  // `${IrqSource}_IRQ_CFG0` and the like are RegisterNames (names.ts); the compiler does not see it through P.
  const name = <N extends 0 | 1 | 2>(n: N) => `${prefix}_IRQ_CFG${n}` as `${P}_IRQ_CFG${N}` & RegisterName;
  const guardedBy: GuardRef[] = [{ register: 'IRQ_CTRL', field: enableField }];
  const aliases = (n: number) => (prefix === 'EVENTQ' ? [`EVTQ_IRQ_CFG${n}`] : undefined);
  const common = {
    access: 'RW',
    reset: 'UNKNOWN',
    group: 'interrupts',
    guardedBy,
    behaviour: { kind: 'store' },
    ...(requires ? { requires } : {}),
  } as const;
  const cfg2: FieldDef[] = [
    {
      name: 'SH',
      msb: 5,
      lsb: 4,
      description: 'Shareability of the MSI write (ignored for Device memory).',
      requires: MSI,
      values: [
        { value: 0, name: 'NSH' },
        { value: 1, name: 'SH_RESERVED' },
        { value: 2, name: 'OSH' },
        { value: 3, name: 'ISH' },
      ],
    },
    { name: 'MemAttr', msb: 3, lsb: 0, description: 'Memory type of the MSI write.', requires: MSI, openValues: true },
  ];
  if (prefix === 'PRIQ')
    cfg2.unshift({
      name: 'LO',
      msb: 31,
      lsb: 31,
      description: 'Interrupt only for PRI messages with the L bit (last) set.',
      requires: MSI,
      values: [
        { value: 0, name: 'ALL' },
        { value: 1, name: 'LAST_ONLY' },
      ],
    });
  return [
    {
      ...common,
      name: name(0),
      aliases: aliases(0),
      offset: base,
      width: 64,
      section: sections[0],
      summary: `${prefix} MSI address (0: no MSI is sent; the wired interrupt still is).`,
      fields: [
        {
          name: 'ADDR',
          msb: 55,
          lsb: 2,
          description: 'MSI target address [55:2].',
          requires: MSI,
          openValues: true,
          addrShift: 2,
        },
      ],
    },
    {
      ...common,
      name: name(1),
      aliases: aliases(1),
      offset: base + 8,
      width: 32,
      section: sections[1],
      summary: `${prefix} MSI data.`,
      fields: [{ name: 'DATA', msb: 31, lsb: 0, description: 'MSI payload.', requires: MSI, openValues: true }],
    },
    {
      ...common,
      name: name(2),
      aliases: aliases(2),
      offset: base + 12,
      width: 32,
      section: sections[2],
      summary: `${prefix} MSI attributes.`,
      fields: cfg2,
    },
  ];
}

export const IRQ_CFG_REGISTERS = [
  ...irqCfg('GERROR', 0x68, ['6.3.21', '6.3.22', '6.3.23'], 'GERROR_IRQEN'),
  ...irqCfg('EVENTQ', 0xb0, ['6.3.30', '6.3.31', '6.3.32'], 'EVENTQ_IRQEN'),
  ...irqCfg('PRIQ', 0xd0, ['6.3.34', '6.3.35', '6.3.36'], 'PRIQ_IRQEN', PRI),
] as const;
