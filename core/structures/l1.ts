/** Level 1 descriptors of 2-level stream tables (§5.1 L1STD) and CD tables (§5.3 L1CD). */
import { bits, type Words } from '../layout/access';
import type { LayoutDef } from '../layout/types';
import { f } from './fields';

export const L1STD: LayoutDef = {
  name: 'L1STD',
  bits: 64,
  section: '5.1',
  summary: 'Level 1 Stream Table Descriptor: base and size of the level 2 array of STEs for 2^SPLIT StreamIDs.',
  fields: [
    f('Span', 4, 0, 'Level 2 array size: 2^(Span-1) STEs for Span 1-11; 0 invalid; 12-31 reserved (behave as 0).', {
      openValues: true,
    }),
    f('L2Ptr', 55, 6, 'Address of the level 2 array, bits [55:6]; bits [5+(Span-1):0] are treated as 0.', {
      openValues: true,
      addrShift: 6,
    }),
  ],
};

export const L1CD: LayoutDef = {
  name: 'L1CD',
  bits: 64,
  section: '5.3',
  summary: 'Level 1 Context Descriptor: base of a level 2 table of CDs for a range of SubstreamIDs.',
  fields: [
    f('V', 0, 0, 'Valid: 1 L2Ptr points at the next-level table; 0 C_BAD_SUBSTREAMID.', { openValues: true }),
    f(
      'L2Ptr',
      55,
      12,
      'Address of the level 2 CD table, bits [55:12] (4 KB aligned; [15:12] RES0 with 64 KB leaves).',
      { openValues: true, addrShift: 12 },
    ),
  ],
};

/**
 * §5.1: Span 12-31 behaves as 0 (invalid); the level 2 array is aligned to its size by the SMMU
 * (L2Ptr[5 + (Span-1):0] treated as 0).
 */
export function decodeL1std(w: Words): { readonly span: number; readonly l2Ptr: number } {
  const raw = bits(w, 4, 0);
  const span = raw > 11 ? 0 : raw;
  const base = bits(w, 55, 6) * 64;
  const size = span >= 1 ? 64 * 2 ** (span - 1) : 64;
  return { span, l2Ptr: base - (base % size) };
}

export type L1stdVerdict =
  | { readonly ok: true; readonly l2Ptr: number; readonly entries: number }
  | {
      readonly ok: false;
      readonly reason: 'span-0' | 'span-reserved' | 'span-too-big' | 'beyond-span';
      readonly message: string;
    };

/**
 * §5.1.1: a StreamID is invalid (C_BAD_STREAMID) when its L1STD has Span 0, a reserved Span, a
 * Span beyond the split point (Span > SPLIT + 1: the level 2 array would cover more than the
 * 2^SPLIT StreamIDs of the descriptor), or when the StreamID is outside the Span.
 * `low` is StreamID[SPLIT-1:0].
 */
export function checkL1std(w: Words, split: number, low?: number): L1stdVerdict {
  const raw = bits(w, 4, 0);
  if (raw === 0) return { ok: false, reason: 'span-0', message: 'L1STD.Span is 0: L2Ptr is invalid' };
  if (raw > 11)
    return { ok: false, reason: 'span-reserved', message: `L1STD.Span = ${raw} is reserved (behaves as 0)` };
  if (raw > split + 1)
    return { ok: false, reason: 'span-too-big', message: `L1STD.Span = ${raw} exceeds SPLIT + 1 = ${split + 1}` };
  const entries = 2 ** (raw - 1);
  if (low !== undefined && low >= entries)
    return {
      ok: false,
      reason: 'beyond-span',
      message: `StreamID[${split - 1}:0] = ${low} is beyond the ${entries} STEs of L1STD.Span = ${raw}`,
    };
  return { ok: true, l2Ptr: decodeL1std(w).l2Ptr, entries };
}

/** §5.3: V, and L2Ptr with bits [11:0] taken as zero. */
export function decodeL1cd(w: Words): { readonly valid: boolean; readonly l2Ptr: number } {
  return { valid: bits(w, 0, 0) === 1, l2Ptr: bits(w, 55, 12) * 4096 };
}

/**
 * RES0 bits of an L1CD that the STE's S1Fmt adds (§5.2 S1Fmt 0b10: 64 KB leaf tables, so
 * L1CD.L2Ptr[15:12] are RES0). Messages, empty when none are set.
 */
export function l1cdReservedBits(w: Words, s1Fmt: number): string[] {
  if (s1Fmt === 2 && bits(w, 15, 12) !== 0) return ['L2Ptr[15:12] are RES0 with 64 KB leaf CD tables (S1Fmt = 0b10)'];
  return [];
}
