/**
 * SMMU_S2PII (§6.3.17), present only when SMMU_IDR3.S2PI == 1: the 16 stage 2 base permission
 * interpretations a stage 2 Block or Page descriptor's PIIndex selects when STE.S2PIE is 1
 * (§3.26). Encodings 0b0001 and 0b0101 are Reserved and treated as No Access. The walks apply it
 * in core/translation/permission-indirection.ts.
 */
import type { EnumValue, FieldDef, RegisterDef } from './types';

const INTERPRETATIONS: readonly EnumValue[] = [
  { value: 0b0000, name: 'NO_ACCESS', description: 'No Access.' },
  { value: 0b0010, name: 'MRO', description: 'MRO.' },
  { value: 0b0011, name: 'MRO_TL1', description: 'MRO-TL1.' },
  { value: 0b0100, name: 'WO', description: 'Write-only.' },
  { value: 0b0110, name: 'MRO_TL0', description: 'MRO-TL0.' },
  { value: 0b0111, name: 'MRO_TL01', description: 'MRO-TL01.' },
  { value: 0b1000, name: 'RO', description: 'Read-only.' },
  { value: 0b1001, name: 'RO_UX', description: 'RO+uX: read-only, unprivileged execute.' },
  { value: 0b1010, name: 'RO_PX', description: 'RO+pX: read-only, privileged execute.' },
  { value: 0b1011, name: 'RO_PUX', description: 'RO+puX: read-only, privileged and unprivileged execute.' },
  { value: 0b1100, name: 'RW', description: 'Read/write.' },
  { value: 0b1101, name: 'RW_UX', description: 'RW+uX: read/write, unprivileged execute.' },
  { value: 0b1110, name: 'RW_PX', description: 'RW+pX: read/write, privileged execute.' },
  { value: 0b1111, name: 'RW_PUX', description: 'RW+puX: read/write, privileged and unprivileged execute.' },
];

const interpretation = (p: number): FieldDef => ({
  name: `S2PII${p}`,
  msb: 4 * p + 3,
  lsb: 4 * p,
  description: `Stage 2 base permission interpretation for PIIndex ${p}; 0b0001 and 0b0101 are Reserved, treated as No Access. Permitted to be cached in a TLB.`,
  values: INTERPRETATIONS,
});

export const S2PII = {
  name: 'S2PII',
  offset: 0x0030,
  width: 64,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.17',
  group: 'control',
  summary:
    'Stage 2 permission indirection: 16 base permission interpretations indexed by a descriptor’s PIIndex, which stage 2 walks of STE.S2PIE = 1 streams apply (§3.26.2).',
  requires: { register: 'IDR3', field: 'S2PI' },
  fields: Array.from({ length: 16 }, (_, i) => interpretation(15 - i)),
  behaviour: { kind: 'store' },
} satisfies RegisterDef;
