/** Shared test fixtures: configurations written out literally, independent of the config loader. */
import type { ResolvedConfig, UnpredictableChoices } from '../../core/config/types';
import { DEFAULT_CHOICES } from '../../core/config/types';

/** QEMU's `-M virt,iommu=smmuv3` ID values (facts §8.1), written literally. */
export const QEMU_IDS = {
  IDR0: 0x0d44101a, // S1P, TTF=AArch64, COHACC, ASID16, VMID16, TTENDIAN=LE, STALL_MODEL=1, TERM_MODEL, ST_LEVEL=1
  IDR1: 0x02730010, // SIDSIZE 16, EVENTQS 19, CMDQS 19
  IDR2: 0,
  IDR3: 0x00001404, // HAD, RIL, BBML=2
  IDR4: 0,
  IDR5: 0x00000074, // OAS 44-bit, GRAN4K/16K/64K
  IIDR: 0,
  AIDR: 0x1,
};

/**
 * QEMU's CoreSight ID registers (§6.3.170), 7.2 and 11.1 alike: the bytes smmuv3_idreg() returns
 * for 0xFD0–0xFFC (hw/arm/smmuv3-internal.h).
 */
export const QEMU_CORESIGHT_IDS = {
  PIDR0: 0x84,
  PIDR1: 0xb4,
  PIDR2: 0xf0,
  PIDR3: 0x10,
  PIDR4: 0x04,
  PIDR5: 0,
  PIDR6: 0,
  PIDR7: 0,
  CIDR0: 0x0d,
  CIDR1: 0xf0,
  CIDR2: 0x05,
  CIDR3: 0xb1,
};

export function config(
  ids: Partial<typeof QEMU_IDS & { MPAMIDR: number }> = {},
  choices: Partial<UnpredictableChoices> = {},
): ResolvedConfig {
  // As the loader does: 64-bit accesses follow illegalAccess unless chosen apart.
  const illegal64BitAccess = choices.illegalAccess ?? DEFAULT_CHOICES.illegal64BitAccess;
  return {
    name: 'test',
    ids: { ...QEMU_IDS, ...ids },
    choices: { ...DEFAULT_CHOICES, illegal64BitAccess, ...choices },
    gbpaReset: 0x1000,
  };
}

/** IDR0 with PRI, ATS and VMW (needs S2P) advertised on top of QEMU's. */
export const IDR0_PRI_ATS_VMW = 0x0d44101a | (1 << 16) | (1 << 10) | (1 << 17) | 1;
