/**
 * Stream table base registers (§6.3.24, §6.3.25), Guarded by CR0.SMMUEN; read-only with preset
 * values when SMMU_IDR1.TABLES_PRESET == 1.
 */
import type { RegisterDef } from './types';

const guardedBy = [{ register: 'CR0', field: 'SMMUEN' }] as const;
const fixedBy = { register: 'IDR1', field: 'TABLES_PRESET' } as const;

export const STRTAB_BASE = {
  name: 'STRTAB_BASE',
  offset: 0x0080,
  width: 64,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.24',
  group: 'stream-table',
  summary: 'Stream table base address and read-allocate hint.',
  guardedBy,
  fixedBy,
  fields: [
    {
      name: 'RA',
      msb: 62,
      lsb: 62,
      description: 'Read-allocate hint for stream table accesses.',
      values: [
        { value: 0, name: 'NO_ALLOCATE' },
        { value: 1, name: 'ALLOCATE' },
      ],
    },
    {
      name: 'ADDR',
      msb: 55,
      lsb: 6,
      description: 'Physical address of the stream table [55:6]; aligned to the table size.',
      openValues: true,
      addrShift: 6,
    },
  ],
  behaviour: { kind: 'store' },
} satisfies RegisterDef;

export const STRTAB_BASE_CFG = {
  name: 'STRTAB_BASE_CFG',
  offset: 0x0088,
  width: 32,
  access: 'RW',
  reset: 'UNKNOWN',
  section: '6.3.25',
  group: 'stream-table',
  summary: 'Stream table format, split point and size.',
  guardedBy,
  fixedBy,
  fields: [
    {
      name: 'FMT',
      msb: 17,
      lsb: 16,
      description: 'Format: linear or 2-level (other values behave as linear).',
      requires: { register: 'IDR0', field: 'ST_LEVEL' },
      values: [
        { value: 0, name: 'LINEAR' },
        { value: 1, name: 'TWO_LEVEL' },
      ],
    },
    // §6.3.25: SPLIT, like FMT, exists only "When SMMU_IDR0.ST_LEVEL != 0b00"; otherwise RES0.
    {
      name: 'SPLIT',
      msb: 10,
      lsb: 6,
      description: 'StreamID split point for 2-level tables: 6, 8 or 10 (4 KB, 16 KB, 64 KB leaf tables).',
      requires: { register: 'IDR0', field: 'ST_LEVEL' },
      openValues: true,
    },
    {
      name: 'LOG2SIZE',
      msb: 5,
      lsb: 0,
      description: 'log2 of the number of StreamIDs; capped at IDR1.SIDSIZE for use.',
      openValues: true,
    },
  ],
  behaviour: { kind: 'streamTableConfig', sidSize: { register: 'IDR1', field: 'SIDSIZE' } },
} satisfies RegisterDef;
