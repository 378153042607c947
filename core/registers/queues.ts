/**
 * Command, event and PRI queue registers (§6.3.26–29, §6.3.33, page-1 §6.3.x). PROD/CONS of the
 * event and PRI queues live in page 1 (0x100A8…); their page-0 offsets are reserved (§6.2.1).
 */
import type { FeatureRef, FieldDef, GuardRef, NamedRegister, QueueName, RegisterDef, RegisterName } from './types';

const PRI: FeatureRef = { register: 'IDR0', field: 'PRI' };

// `${QueueName}_BASE` and the like are RegisterNames (names.ts), which the compiler does not see
// through a generic Q; hence the assertions on `name` below.

/**
 * The fields of a queue base register, Non-secure or Secure (§6.3.26, §6.3.29, §6.3.33, §6.3.74,
 * §6.3.77): the allocation hint, ADDR aligned to the queue size, and LOG2SIZE capped by an
 * SMMU_IDR1 field.
 */
export function queueBaseFields(hint: 'RA' | 'WA', addrLsb: number, maxField: string): readonly FieldDef[] {
  return [
    {
      name: hint,
      msb: 62,
      lsb: 62,
      description: hint === 'RA' ? 'Read-allocate hint.' : 'Write-allocate hint.',
      values: [
        { value: 0, name: 'NO_ALLOCATE' },
        { value: 1, name: 'ALLOCATE' },
      ],
    },
    {
      name: 'ADDR',
      msb: 55,
      lsb: addrLsb,
      description: `Queue base address [55:${addrLsb}]; aligned to the queue size (at least 32 bytes).`,
      openValues: true,
      addrShift: addrLsb,
    },
    {
      name: 'LOG2SIZE',
      msb: 4,
      lsb: 0,
      description: `log2 of the number of entries; at most IDR1.${maxField}.`,
      openValues: true,
    },
  ];
}

function base<Q extends QueueName>(
  queue: Q,
  offset: number,
  section: string,
  hint: 'RA' | 'WA',
  maxField: string,
  addrLsb: number,
  requires?: FeatureRef,
): NamedRegister<`${Q}_BASE` & RegisterName> {
  return {
    name: `${queue}_BASE` as `${Q}_BASE` & RegisterName,
    aliases: queue === 'EVENTQ' ? ['EVTQ_BASE'] : undefined,
    offset,
    width: 64,
    access: 'RW',
    reset: 'UNKNOWN',
    section,
    group: queue === 'CMDQ' ? 'command-queue' : queue === 'EVENTQ' ? 'event-queue' : 'pri-queue',
    summary: `${queue} base address, allocation hint and size.`,
    guardedBy: [{ register: 'CR0', field: `${queue}EN` }],
    // §6.3.26, §6.3.29, §6.3.33: "When SMMU_IDR1.QUEUES_PRESET == 1, accesses to this register are RO".
    fixedBy: { register: 'IDR1', field: 'QUEUES_PRESET' },
    ...(requires ? { requires } : {}),
    fields: queueBaseFields(hint, addrLsb, maxField),
    behaviour: { kind: 'queueBase', queue, maxLog2: { register: 'IDR1', field: maxField } },
  };
}

function index<Q extends QueueName, R extends 'PROD' | 'CONS'>(
  queue: Q,
  role: R,
  offset: number,
  section: string,
  requires?: FeatureRef,
): NamedRegister<`${Q}_${R}` & RegisterName> {
  const producer = (queue === 'CMDQ') === (role === 'PROD') ? 'software' : 'smmu';
  const idx = role === 'PROD' ? 'WR' : 'RD';
  const fields: RegisterDef['fields'][number][] = [
    {
      name: idx,
      msb: 19,
      lsb: 0,
      description: `${role === 'PROD' ? 'Write' : 'Read'} index in bits [QS-1:0] and wrap flag at bit [QS] (QS = LOG2SIZE).`,
      openValues: true,
    },
  ];
  if (queue === 'CMDQ' && role === 'CONS') {
    fields.unshift({
      name: 'ERR',
      msb: 30,
      lsb: 24,
      description: 'Reason for the last command error (valid while GERROR.CMDQ_ERR is active).',
      values: [
        { value: 0, name: 'CERROR_NONE', description: 'No error.' },
        { value: 1, name: 'CERROR_ILL', description: 'Illegal command.' },
        { value: 2, name: 'CERROR_ABT', description: 'Abort fetching the command.' },
        { value: 3, name: 'CERROR_ATC_INV_SYNC', description: 'CMD_SYNC could not complete an ATC invalidation.' },
      ],
    });
  }
  if (queue !== 'CMDQ') {
    // Resets: PRIQ_PROD.OVFLG to 0 (§6.3.97); EVENTQ_PROD.OVFLG (§6.3.95) and both OVACKFLGs
    // (§6.3.96, §6.3.98) to an UNKNOWN value, as the index fields.
    fields.unshift(
      role === 'PROD'
        ? {
            name: 'OVFLG',
            msb: 31,
            lsb: 31,
            description: 'Overflow flag, toggled by the SMMU when a record is lost because the queue is full.',
            openValues: true,
            ...(queue === 'PRIQ' ? { reset: 0 } : {}),
          }
        : {
            name: 'OVACKFLG',
            msb: 31,
            lsb: 31,
            description: 'Overflow acknowledge: software writes it equal to PROD.OVFLG.',
            openValues: true,
          },
    );
  }
  const guard: GuardRef[] | undefined = producer === 'smmu' ? [{ register: 'CR0', field: `${queue}EN` }] : undefined;
  return {
    name: `${queue}_${role}` as `${Q}_${R}` & RegisterName,
    aliases: queue === 'EVENTQ' ? [`EVTQ_${role}`] : undefined,
    offset,
    width: 32,
    access: 'RW',
    reset: 'UNKNOWN',
    section,
    group: queue === 'CMDQ' ? 'command-queue' : queue === 'EVENTQ' ? 'event-queue' : 'pri-queue',
    summary: `${queue} ${role === 'PROD' ? 'producer' : 'consumer'} index${producer === 'smmu' ? ', advanced by the SMMU' : ''}.`,
    ...(guard ? { guardedBy: guard } : {}),
    ...(requires ? { requires } : {}),
    fields,
    behaviour: { kind: 'queueIndex', queue, role, producer },
  };
}

export const QUEUE_REGISTERS = [
  base('CMDQ', 0x90, '6.3.26', 'RA', 'CMDQS', 5),
  index('CMDQ', 'PROD', 0x98, '6.3.27'),
  index('CMDQ', 'CONS', 0x9c, '6.3.28'),
  base('EVENTQ', 0xa0, '6.3.29', 'WA', 'EVENTQS', 5),
  base('PRIQ', 0xc0, '6.3.33', 'WA', 'PRIQS', 5, PRI),
  index('EVENTQ', 'PROD', 0x100a8, '6.3.95'),
  index('EVENTQ', 'CONS', 0x100ac, '6.3.96'),
  index('PRIQ', 'PROD', 0x100c8, '6.3.97', PRI),
  index('PRIQ', 'CONS', 0x100cc, '6.3.98', PRI),
] as const;
