/**
 * Where a register is in a given configuration. Page 0 and page 1 registers are at their table
 * offsets; the VATOS page's (RegisterDef.page) move with SMMU_IDR2.BA_VATOS (§6.3.3, §6.2.3).
 */
import { VATOS_PAGE_BASE } from './atos';
import type { IdView } from './codec';
import type { RegisterDef } from './types';

/** Size of the VATOS page (§6.2.3: a 64 KB page, like page 0 and page 1). */
export const VATOS_PAGE_SIZE = 0x10000;

/**
 * Offset of the VATOS page from the SMMU base (§6.3.3 BA_VATOS: 0x20000 + BA_VATOS × 0x10000), or
 * undefined when SMMU_IDR0.VATOS is 0 and there is no VATOS page (§6.2.3).
 */
export function vatosPageOffset(ids: IdView): number | undefined {
  if ((ids.idField('IDR0', 'VATOS') ?? 0) === 0) return undefined;
  return VATOS_PAGE_BASE + (ids.idField('IDR2', 'BA_VATOS') ?? 0) * VATOS_PAGE_SIZE;
}

/** The offset of `reg` from the SMMU base in this configuration (the VATOS page's registers move with BA_VATOS). */
export function registerOffset(reg: RegisterDef, ids: IdView): number {
  if (reg.page !== 'vatos') return reg.offset;
  return reg.offset - VATOS_PAGE_BASE + (vatosPageOffset(ids) ?? VATOS_PAGE_BASE);
}
