/**
 * The register table: every SMMUv3 programming-interface register this model knows, and lookups
 * by name, alias and offset. Derived data (masks, indices) is computed once here.
 */
import { AGBPA, CR0, CR0ACK, CR1, CR2, GBPA, STATUSR } from './control';
import { AIDR, IDR0, IDR1, IDR2, IDR3, IDR4, IDR5, IDR6, IIDR } from './identification';
import { GERROR, GERRORN, IRQ_CFG_REGISTERS, IRQ_CTRL, IRQ_CTRLACK } from './interrupts';
import { DPT_BASE, DPT_BASE_CFG, DPT_CFG_FAR } from './dpt';
import {
  GATOS_ADDR,
  GATOS_CTRL,
  GATOS_PAR,
  GATOS_SID,
  VATOS_ADDR,
  VATOS_CTRL,
  VATOS_PAGE_BASE,
  VATOS_PAR,
  VATOS_SEL,
  VATOS_SID,
} from './atos';
import { GBPMPAM, GMPAM, MPAMIDR } from './mpam';
import { S2PII } from './permission-indirection';
import { CORESIGHT_ID_REGISTERS } from './coresight';
import { QUEUE_REGISTERS } from './queues';
import { SECURE_REGISTERS } from './secure';
import { STRTAB_BASE, STRTAB_BASE_CFG } from './stream-table';
import type { FieldDef, RegisterDef, RegisterName } from './types';

/**
 * Page 0 and page 1 registers, and the VATOS page's (placed by SMMU_IDR2.BA_VATOS, RegisterDef.page).
 * The registers of advertised features this model does not implement are listed with their
 * feature in not-modelled.ts: their offsets read as zero and the access is reported. The Secure (SMMU_S_*) registers are in secure.ts,
 * present with SMMU_S_IDR1.SECURE_IMPL; the ECMDQ arrays, whose size IDR6 gives, in ecmdq.ts.
 */
const TABLE = [
  IDR0,
  IDR1,
  IDR2,
  IDR3,
  IDR4,
  IDR5,
  IDR6,
  IIDR,
  AIDR,
  CR0,
  CR0ACK,
  CR1,
  CR2,
  STATUSR,
  GBPA,
  AGBPA,
  IRQ_CTRL,
  IRQ_CTRLACK,
  GERROR,
  GERRORN,
  STRTAB_BASE,
  STRTAB_BASE_CFG,
  ...QUEUE_REGISTERS,
  ...IRQ_CFG_REGISTERS,
  GATOS_CTRL,
  GATOS_SID,
  GATOS_ADDR,
  GATOS_PAR,
  VATOS_SEL,
  VATOS_CTRL,
  VATOS_SID,
  VATOS_ADDR,
  VATOS_PAR,
  DPT_BASE,
  DPT_BASE_CFG,
  DPT_CFG_FAR,
  S2PII,
  MPAMIDR,
  GMPAM,
  GBPMPAM,
  ...CORESIGHT_ID_REGISTERS,
  ...SECURE_REGISTERS,
] as const;

/**
 * Every name of names.ts has a definition above: while one has none, this record lacks its key
 * and the compiler names it. (A definition's own name is a RegisterName by its type.)
 */
const everyNameDefined: Record<Exclude<RegisterName, (typeof TABLE)[number]['name']>, never> = {};
void everyNameDefined;

export const REGISTERS: readonly RegisterDef[] = [...TABLE].sort((a, b) => a.offset - b.offset);

const byName = new Map<string, RegisterDef>();
const byOffset = new Map<number, RegisterDef>();
for (const reg of REGISTERS) {
  for (const n of [reg.name, ...(reg.aliases ?? [])]) byName.set(n.toUpperCase(), reg);
  // The VATOS page's place depends on the configuration: vatosRegisterContaining() finds them.
  if (!reg.page) byOffset.set(reg.offset, reg);
}
const VATOS_PAGE_REGISTERS = REGISTERS.filter((r) => r.page === 'vatos');

/** The VATOS page register whose bytes contain `inPage` (an offset from the page's base), and the byte. */
export function vatosRegisterContaining(inPage: number): { reg: RegisterDef; byte: number } | undefined {
  for (const reg of VATOS_PAGE_REGISTERS) {
    const start = reg.offset - VATOS_PAGE_BASE;
    if (inPage >= start && inPage < start + reg.width / 8) return { reg, byte: inPage - start };
  }
  return undefined;
}

/** Look a register up by architecture name or alias, with or without the `SMMU_` prefix, any case. */
export function findRegister(name: string): RegisterDef | undefined {
  // Exact spellings (what the model itself uses) hit the map without string work.
  const exact = byName.get(name);
  if (exact) return exact;
  const n = name.toUpperCase();
  return byName.get(n.startsWith('SMMU_') ? n.slice(5) : n);
}

/** A register the code names: a `RegisterName`, so a misspelt name does not compile. */
export function getRegister(name: RegisterName): RegisterDef {
  const r = findRegister(name);
  if (!r) throw new Error(`internal: register ${name} is not in the table`);
  return r;
}

/** The register at `offset` (exact start). */
export function registerAt(offset: number): RegisterDef | undefined {
  return byOffset.get(offset);
}

/**
 * The register whose bytes contain `offset`, and the byte position inside it. A 32-bit access to
 * the high half of a 64-bit register lands at +4 (§6.2: "bits[63:32] at offset +4").
 */
export function registerContaining(offset: number): { reg: RegisterDef; byte: number } | undefined {
  for (let back = 0; back < 8; back++) {
    const reg = byOffset.get(offset - back);
    if (reg && back < reg.width / 8) return { reg, byte: back };
  }
  return undefined;
}

const fieldsByName = new Map<RegisterDef, Map<string, FieldDef>>();
export function findField(reg: RegisterDef, name: string): FieldDef | undefined {
  let m = fieldsByName.get(reg);
  if (!m) {
    m = new Map(reg.fields.map((f) => [f.name.toUpperCase(), f]));
    fieldsByName.set(reg, m);
  }
  return m.get(name.toUpperCase());
}

/**
 * True when `f` belongs to the layout `value` selects (FieldDef.when): always for a field of the
 * only layout, and for SMMU_GATOS_PAR's fields when FAULT has their value (§6.3.40).
 */
export function fieldApplies(reg: RegisterDef, f: FieldDef, value: bigint): boolean {
  if (!f.when) return true;
  const sel = findField(reg, f.when.field);
  return sel !== undefined && Number((value & fieldMask(sel)) >> BigInt(sel.lsb)) === f.when.equals;
}

const fieldMasks = new Map<FieldDef, bigint>();
export function fieldMask(f: FieldDef): bigint {
  let m = fieldMasks.get(f);
  if (m === undefined) {
    m = ((1n << BigInt(f.msb - f.lsb + 1)) - 1n) << BigInt(f.lsb);
    fieldMasks.set(f, m);
  }
  return m;
}

const definedMasks = new Map<RegisterDef, bigint>();
/** Bits covered by some field; every other bit is RES0 (§6.2). */
export function definedMask(reg: RegisterDef): bigint {
  let m = definedMasks.get(reg);
  if (m === undefined) {
    m = reg.fields.reduce((acc, f) => acc | fieldMask(f), 0n);
    definedMasks.set(reg, m);
  }
  return m;
}

export function widthMask(reg: RegisterDef): bigint {
  return reg.width === 64 ? WIDTH64 : WIDTH32;
}
const WIDTH64 = (1n << 64n) - 1n;
const WIDTH32 = (1n << 32n) - 1n;
