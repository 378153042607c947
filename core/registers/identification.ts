/**
 * Identification registers: SMMU_IDR0–IDR5, SMMU_IIDR, SMMU_AIDR (§6.3.1–§6.3.8).
 * All RO and constant after reset (§6.2); their values come from the configuration.
 */
import type { RegisterDef } from './types';

const id = { access: 'RO', reset: 'IMPDEF', group: 'identification', behaviour: { kind: 'id' } } as const;
const yesNo = (no: string, yes: string) => [
  { value: 0, name: 'NO', description: no },
  { value: 1, name: 'YES', description: yes },
];

export const IDR0: RegisterDef = {
  ...id,
  name: 'IDR0',
  offset: 0x0000,
  width: 32,
  section: '6.3.1',
  summary: 'Features: translation stages, table formats, ATS/PRI/MSI, stall model, stream table levels.',
  fields: [
    { name: 'RME_IMPL', msb: 30, lsb: 30, description: 'Realm Management Extension features implemented (SMMUv3.3).', values: yesNo('No RME.', 'RME implemented.') },
    {
      name: 'ST_LEVEL', msb: 28, lsb: 27, description: 'Stream table formats supported. Must not be linear-only when SIDSIZE >= 7.',
      values: [
        { value: 0, name: 'LINEAR', description: 'Linear stream table only.' },
        { value: 1, name: 'TWO_LEVEL', description: '2-level and linear stream tables.' },
      ],
    },
    {
      name: 'TERM_MODEL', msb: 26, lsb: 26, description: 'Terminate model: whether a terminated transaction may be RAZ/WI instead of aborted.',
      values: [
        { value: 0, name: 'ABORT_OR_RAZWI', description: 'CD.A chooses abort or RAZ/WI for terminated transactions.' },
        { value: 1, name: 'ABORT_ONLY', description: 'RAZ/WI termination not supported; CD.A must be 1.' },
      ],
    },
    {
      name: 'STALL_MODEL', msb: 25, lsb: 24, description: 'Stall model for faulting transactions.',
      values: [
        { value: 0, name: 'STALL_AND_TERMINATE', description: 'Stall and terminate models supported.' },
        { value: 1, name: 'TERMINATE_ONLY', description: 'Stall not supported: STE.S2S and CD.S must be 0; CMD_RESUME and CMD_STALL_TERM unavailable.' },
        { value: 2, name: 'STALL_FORCED', description: 'Stall forced: faulting transactions always stall.' },
      ],
    },
    { name: 'ATSRECERR', msb: 23, lsb: 23, description: 'Extra ATS/PRI configuration-error events may be recorded (CR2.REC_CFG_ATS).', values: yesNo('Not supported.', 'Supported.') },
    {
      name: 'TTENDIAN', msb: 22, lsb: 21, description: 'Translation table endianness supported.',
      values: [
        { value: 0, name: 'MIXED', description: 'Little- and big-endian tables.' },
        { value: 2, name: 'LE', description: 'Little-endian tables only.' },
        { value: 3, name: 'BE', description: 'Big-endian tables only.' },
      ],
    },
    { name: 'VATOS', msb: 20, lsb: 20, description: 'Virtual ATOS page implemented.', values: yesNo('No VATOS page.', 'VATOS page implemented.') },
    { name: 'CD2L', msb: 19, lsb: 19, description: '2-level context descriptor tables supported.', values: yesNo('Linear CD tables only.', '2-level CD tables supported.') },
    { name: 'VMID16', msb: 18, lsb: 18, description: '16-bit VMID supported.', values: yesNo('8-bit VMID.', '16-bit VMID.') },
    { name: 'VMW', msb: 17, lsb: 17, description: 'VMID wildcard matching for TLB invalidation (CR0.VMW).', values: yesNo('Not supported.', 'Supported.') },
    { name: 'PRI', msb: 16, lsb: 16, description: 'PCIe Page Request Interface and PRI queue supported.', values: yesNo('No PRI.', 'PRI supported.') },
    { name: 'ATOS', msb: 15, lsb: 15, description: 'Address Translation Operations (SMMU_GATOS_*) supported.', values: yesNo('No ATOS.', 'ATOS supported.') },
    { name: 'SEV', msb: 14, lsb: 14, description: 'The SMMU can send WFE wake-up events to the PE.', values: yesNo('No events.', 'Events supported.') },
    { name: 'MSI', msb: 13, lsb: 13, description: 'Message-signalled interrupts supported.', values: yesNo('Wired interrupts only.', 'MSIs supported.') },
    { name: 'ASID16', msb: 12, lsb: 12, description: '16-bit ASID supported.', values: yesNo('8-bit ASID.', '16-bit ASID.') },
    { name: 'NS1ATS', msb: 11, lsb: 11, description: 'Split-stage ATS (STE.EATS == 0b10) NOT supported when 1.', values: yesNo('Split-stage ATS supported.', 'Split-stage ATS not supported.') },
    { name: 'ATS', msb: 10, lsb: 10, description: 'PCIe ATS supported.', values: yesNo('No ATS.', 'ATS supported.') },
    { name: 'HYP', msb: 9, lsb: 9, description: 'Hypervisor stage-1 contexts (EL2/EL2-E2H) supported.', values: yesNo('No EL2 contexts.', 'EL2 contexts supported.') },
    { name: 'DORMHINT', msb: 8, lsb: 8, description: 'SMMU_STATUSR.DORMANT hint supported.', values: yesNo('No hint.', 'Hint supported.') },
    {
      name: 'HTTU', msb: 7, lsb: 6, description: 'Hardware translation table update of Access flag and dirty state.',
      values: [
        { value: 0, name: 'NONE', description: 'No hardware update.' },
        { value: 1, name: 'AF', description: 'Access flag update.' },
        { value: 2, name: 'AF_DIRTY', description: 'Access flag and dirty state update.' },
        { value: 3, name: 'AF_DIRTY_HAFT', description: 'Access flag, dirty state and table Access flag update.' },
      ],
    },
    { name: 'BTM', msb: 5, lsb: 5, description: 'Broadcast TLB maintenance supported.', values: yesNo('No broadcast TLB maintenance.', 'Broadcast TLB maintenance supported.') },
    { name: 'COHACC', msb: 4, lsb: 4, description: 'Coherent access to tables, queues and translation walks.', values: yesNo('Non-coherent.', 'IO-coherent.') },
    {
      name: 'TTF', msb: 3, lsb: 2, description: 'Translation table formats supported.',
      values: [
        { value: 1, name: 'AARCH32', description: 'AArch32 (LPAE) only.' },
        { value: 2, name: 'AARCH64', description: 'AArch64 (VMSAv8-64) only.' },
        { value: 3, name: 'AARCH32_64', description: 'AArch32 and AArch64.' },
      ],
    },
    { name: 'S1P', msb: 1, lsb: 1, description: 'Stage 1 translation supported.', values: yesNo('No stage 1.', 'Stage 1 supported.') },
    { name: 'S2P', msb: 0, lsb: 0, description: 'Stage 2 translation supported.', values: yesNo('No stage 2.', 'Stage 2 supported.') },
  ],
};
