/** Level 1 descriptors of 2-level stream tables (§5.1) and CD tables (§5.3). */
import { bits, type Words } from '../layout/access';
import type { LayoutDef } from '../layout/types';
import { f } from './fields';

export const L1STD: LayoutDef = {
  name: 'L1STD',
  bits: 64,
  section: '5.1',
  summary: 'Level 1 stream table descriptor: where the STEs of 2^SPLIT StreamIDs are.',
  fields: [
    f('Span', 4, 0, 'Number of STEs in the level 2 table: 2^(Span-1); 0 invalid; 12-31 reserved.', { openValues: true }),
    f('L2Ptr', 55, 6, 'Address of the level 2 table [55:6], aligned to its size.', { openValues: true, addrShift: 6 }),
  ],
};

export const L1CD: LayoutDef = {
  name: 'L1CD',
  bits: 64,
  section: '5.3',
  summary: 'Level 1 CD descriptor: where a leaf table of CDs is.',
  fields: [
    f('V', 0, 0, 'Valid.', { openValues: true }),
    f('L2Ptr', 55, 12, 'Address of the leaf CD table [55:12].', { openValues: true, addrShift: 12 }),
  ],
};

export function decodeL1std(w: Words): { readonly span: number; readonly l2Ptr: number } {
  const span = bits(w, 4, 0);
  const base = bits(w, 55, 6) * 64;
  // §5.1: L2Ptr bits below the table size (64 × 2^(Span-1) bytes) are treated as zero.
  const size = span >= 1 && span <= 11 ? 64 * 2 ** (span - 1) : 64;
  return { span: span > 11 ? 0 : span, l2Ptr: base - (base % size) };
}

export function decodeL1cd(w: Words): { readonly valid: boolean; readonly l2Ptr: number } {
  return { valid: bits(w, 0, 0) === 1, l2Ptr: bits(w, 55, 12) * 4096 };
}
