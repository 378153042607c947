/**
 * The Enhanced Command queue registers as the MMIO model holds them (§3.5.6, §6.2.5, §6.3.45,
 * §6.3.49–§6.3.51, §6.3.107–§6.3.109): where they are for a configuration, what an access to them
 * does, and their storage. The SMMU's side (consuming an ECMDQ, reporting its errors) is the
 * engine's (core/engine/ecmdq.ts).
 *
 * Where the control pages are is IMPLEMENTATION DEFINED (SMMU_CMDQ_CONTROL_PAGE_BASE<n>.ADDR,
 * §6.1): this model puts them in the first 64 KB pages after 0x20000, contiguous and in ascending
 * n (§6.3.49), after the VATOS page when SMMU_IDR2.BA_VATOS would fall among them.
 */
import { bitRanges, extractField, featureHolds, hex, type IdView } from '../registers/codec';
import {
  CMDQ_CONTROL_PAGE_BASE,
  CMDQ_CONTROL_PAGE_CFG,
  CMDQ_CONTROL_PAGE_STATUS,
  CONTROL_PAGE_REGISTERS,
  CONTROL_PAGE_REGS_BASE,
  CONTROL_PAGE_REGS_STRIDE,
  CONTROL_PAGE_SIZE,
  ECMDQ_BASE,
  ECMDQ_CONS,
  ECMDQ_FEATURE,
  ECMDQ_PROD,
  ECMDQ_REGISTERS,
  MAX_LOG2,
  type ArrayRegisterDef,
} from '../registers/ecmdq';
import { fieldMask } from '../registers/table';
import type { FieldDef } from '../registers/types';
import { queueLayout } from '../structures/bases';
import type { Finding } from './access';

/** The extension pages start at 0x20000 (§6.1). */
const EXTENSION_BASE = 0x20000;

export interface EcmdqLayout {
  /** Number of Command queue control pages (2^IDR6.CMDQ_CONTROL_PAGE_LOG2NUMP). */
  readonly pages: number;
  /** ECMDQs per control page (2^IDR6.CMDQ_CONTROL_PAGE_LOG2NUMQ). */
  readonly perPage: number;
  /** Offset of control page 0 from SMMU page 0. */
  readonly firstPage: number;
  /** Bytes between consecutive ECMDQs of a page (§6.2.5: evenly spaced through 64 KB). */
  readonly spacing: number;
}

/** The control pages of a configuration, or undefined when SMMU_IDR1.ECMDQ is 0. */
export function ecmdqLayout(ids: IdView): EcmdqLayout | undefined {
  if (!featureHolds(ECMDQ_FEATURE, ids) || ids.idField('IDR1', 'ECMDQ') === undefined) return undefined;
  // §6.3.45: both fields have a maximum of 0b1000; larger values are configuration errors
  // (config rules), capped here so the model stays in the architecture's bounds.
  const log2p = Math.min(ids.idField('IDR6', 'CMDQ_CONTROL_PAGE_LOG2NUMP') ?? 0, MAX_LOG2);
  const log2q = Math.min(ids.idField('IDR6', 'CMDQ_CONTROL_PAGE_LOG2NUMQ') ?? 0, MAX_LOG2);
  const pages = 2 ** log2p;
  let firstPage = EXTENSION_BASE;
  if ((ids.idField('IDR0', 'VATOS') ?? 0) !== 0) {
    const vatos = ids.idField('IDR2', 'BA_VATOS') ?? 0;
    if (vatos < pages) firstPage = EXTENSION_BASE + (vatos + 1) * CONTROL_PAGE_SIZE;
  }
  return { pages, perPage: 2 ** log2q, firstPage, spacing: CONTROL_PAGE_SIZE >> log2q };
}

/** Where an access at `offset` lands among the ECMDQ registers, or undefined when elsewhere. */
export interface ArrayHit {
  readonly reg: ArrayRegisterDef;
  /** The control page (CMDQ_CONTROL_PAGE_*) or the ECMDQ, counted over all pages (ECMDQ_*). */
  readonly n: number;
  readonly byte: number;
  /** Name with the instance, e.g. `ECMDQ_PROD3`. */
  readonly name: string;
}

/** Where `offset` hits an array register's bytes; `missing` when it is in an array's range but past its count. */
export function arrayRegisterAt(
  offset: number,
  layout: EcmdqLayout,
): ArrayHit | { readonly missing: string } | undefined {
  const inPage0 = offset >= CONTROL_PAGE_REGS_BASE && offset < CONTROL_PAGE_REGS_BASE + 256 * CONTROL_PAGE_REGS_STRIDE;
  if (inPage0) {
    const rel = offset - CONTROL_PAGE_REGS_BASE;
    const n = Math.floor(rel / CONTROL_PAGE_REGS_STRIDE);
    const within = rel % CONTROL_PAGE_REGS_STRIDE;
    const reg = CONTROL_PAGE_REGISTERS.find(
      (r) => within >= r.offset - 0x4000 && within < r.offset - 0x4000 + r.width / 8,
    );
    if (!reg) return undefined;
    const name = `${reg.name}${n}`;
    if (n >= layout.pages) return { missing: name };
    return { reg, n, byte: within - (reg.offset - 0x4000), name };
  }
  const end = layout.firstPage + layout.pages * CONTROL_PAGE_SIZE;
  if (offset < layout.firstPage || offset >= end) return undefined;
  const page = Math.floor((offset - layout.firstPage) / CONTROL_PAGE_SIZE);
  const inPage = (offset - layout.firstPage) % CONTROL_PAGE_SIZE;
  const q = Math.floor(inPage / layout.spacing);
  const within = inPage % layout.spacing;
  const reg = ECMDQ_REGISTERS.find((r) => within >= r.offset && within < r.offset + r.width / 8);
  if (!reg) return undefined;
  const n = page * layout.perPage + q;
  return { reg, n, byte: within - reg.offset, name: `${reg.name}${n}` };
}

/** Offset of an ECMDQ register of queue `n` (counted over all pages), from SMMU page 0. */
export function ecmdqOffset(layout: EcmdqLayout, n: number, reg: ArrayRegisterDef): number {
  const page = Math.floor(n / layout.perPage);
  return layout.firstPage + page * CONTROL_PAGE_SIZE + (n % layout.perPage) * layout.spacing + reg.offset;
}

const field = (reg: ArrayRegisterDef, name: string): FieldDef => {
  const f = reg.fields.find((x) => x.name === name);
  if (!f) throw new Error(`internal: no field ${reg.name}.${name}`);
  return f;
};
const PROD_EN = field(ECMDQ_PROD, 'EN');
const PROD_ERRACK = field(ECMDQ_PROD, 'ERRACK');
const PROD_WR = field(ECMDQ_PROD, 'WR');
const CONS_ENACK = field(ECMDQ_CONS, 'ENACK');
const CONS_ERR = field(ECMDQ_CONS, 'ERR');
const CONS_RD = field(ECMDQ_CONS, 'RD');
const BASE_LOG2 = field(ECMDQ_BASE, 'LOG2SIZE');
export const ECMDQ_FIELDS = { PROD_EN, PROD_ERRACK, PROD_WR, CONS_ENACK, CONS_ERR, CONS_RD } as const;

const definedMaskOf = (reg: ArrayRegisterDef): bigint => reg.fields.reduce((m, f) => m | fieldMask(f), 0n);
const WIDTH = (reg: ArrayRegisterDef): bigint => (reg.width === 64 ? (1n << 64n) - 1n : 0xffff_ffffn);

/** The ECMDQ registers' values: BASE, PROD and CONS of every ECMDQ of the configuration. */
export class EcmdqFile {
  private base: BigUint64Array = new BigUint64Array(0);
  private prod: Uint32Array = new Uint32Array(0);
  private cons: Uint32Array = new Uint32Array(0);

  /** Reset (§6.3.107–§6.3.109): EN, ERRACK, ENACK and ERR 0; the UNKNOWN fields read 0 here. */
  reset(count: number): void {
    this.base = new BigUint64Array(count);
    this.prod = new Uint32Array(count);
    this.cons = new Uint32Array(count);
  }

  get count(): number {
    return this.prod.length;
  }

  get(reg: ArrayRegisterDef, n: number): bigint {
    if (reg === ECMDQ_BASE) return this.base[n] ?? 0n;
    if (reg === ECMDQ_PROD) return BigInt(this.prod[n] ?? 0);
    return BigInt(this.cons[n] ?? 0);
  }

  /** Set by the SMMU itself (CONS advancing, ERR toggling, ENACK following EN). */
  set(reg: ArrayRegisterDef, n: number, v: bigint): void {
    if (reg === ECMDQ_BASE) this.base[n] = v & WIDTH(reg);
    else if (reg === ECMDQ_PROD) this.prod[n] = Number(v & 0xffff_ffffn);
    else this.cons[n] = Number(v & 0xffff_ffffn);
  }

  enabled(n: number): boolean {
    return (this.prod[n] ?? 0) >>> 31 === 1 && (this.cons[n] ?? 0) >>> 31 === 1;
  }

  /** §3.5.6.3: an error is active, and nothing is consumed, while PROD.ERRACK != CONS.ERR. */
  errorActive(n: number): boolean {
    return (((this.prod[n] ?? 0) >>> 23) & 1) !== (((this.cons[n] ?? 0) >>> 23) & 1);
  }
}

/** The value of a control page register (§6.3.49–§6.3.51): the layout's, read-only. */
export function controlPageValue(reg: ArrayRegisterDef, n: number, layout: EcmdqLayout): bigint {
  if (reg === CMDQ_CONTROL_PAGE_BASE)
    // ADDR = the page's offset from page 0; CMDQGS = 0b01 (64 KB); PRESET = 1 (registers, SMMUv3.3).
    return BigInt(layout.firstPage + n * CONTROL_PAGE_SIZE) | (1n << 1n) | 1n;
  if (reg === CMDQ_CONTROL_PAGE_CFG || reg === CMDQ_CONTROL_PAGE_STATUS) return 1n;
  return 0n;
}

/** log2 of the ECMDQ's size in use: BASE.LOG2SIZE capped at SMMU_IDR1.CMDQS (§6.3.107, §6.3.26). */
export function ecmdqLog2(file: EcmdqFile, n: number, ids: IdView): number {
  return queueLayout(file.get(ECMDQ_BASE, n), 'CMDQ', ids).log2;
}

/**
 * A guest write to an ECMDQ register (RW ones only; the control page registers are RO and the
 * caller ignores writes to them). Applies the access conditions of §6.3.107–§6.3.109 and the
 * handshakes of §3.5.6.2 and §3.5.6.3; returns the findings' additions in `findings`.
 * The EN → ENACK handshake completes at once, as CR0 → CR0ACK does in this model.
 */
export function writeEcmdq(
  file: EcmdqFile,
  reg: ArrayRegisterDef,
  n: number,
  byte: number,
  size: 4 | 8,
  value: bigint,
  ids: IdView,
  findings: Finding[],
): void {
  const name = `SMMU_${reg.name}${n}`;
  const prod = file.get(ECMDQ_PROD, n);
  const cons = file.get(ECMDQ_CONS, n);
  const en = extractField(prod, PROD_EN);
  const enack = extractField(cons, CONS_ENACK);
  const disabled = en === 0n && enack === 0n;
  // §6.3.107, §6.3.109: BASE and CONS are RW only while the ECMDQ is disabled; PROD while EN == ENACK.
  if ((reg !== ECMDQ_PROD && !disabled) || (reg === ECMDQ_PROD && en !== enack)) {
    findings.push({
      severity: 'error',
      code: 'ecmdq.read-only',
      section: reg.section,
      message: `${name} is read-only while SMMU_ECMDQ_PROD${n}.EN = ${en} and SMMU_ECMDQ_CONS${n}.ENACK = ${enack} (§${reg.section}): the write is ignored; disable the ECMDQ (PROD.EN = 0, wait for CONS.ENACK = 0) first`,
    });
    return;
  }
  const old = file.get(reg, n);
  const shift = BigInt(byte * 8);
  const accessMask = size === 8 ? WIDTH(reg) : (0xffff_ffffn << shift) & WIDTH(reg);
  let next = (old & ~accessMask) | ((value << shift) & accessMask);
  const res0 = next & ~definedMaskOf(reg) & accessMask;
  if (res0 !== 0n)
    findings.push({
      severity: 'warning',
      code: 'write.res0',
      section: reg.section,
      message: `${name}: RES0 bit${/[,:]/.test(bitRanges(res0)) ? 's' : ''} ${bitRanges(res0)} written as 1; they are not stored`,
    });
  next &= definedMaskOf(reg);

  if (reg === ECMDQ_BASE) {
    file.set(reg, n, next);
    const q = queueLayout(next, 'CMDQ', ids);
    if (q.log2Written > q.log2Max)
      findings.push({
        severity: 'warning',
        code: 'queue.log2size',
        section: reg.section,
        field: 'LOG2SIZE',
        message: `${name}.LOG2SIZE = ${q.log2Written} exceeds SMMU_IDR1.CMDQS = ${q.log2Max}: it reads back as written but is capped at ${q.log2Max} for use`,
      });
    if (q.base !== q.written && (accessMask & fieldMask(BASE_LOG2)) !== 0n)
      findings.push({
        severity: 'warning',
        code: 'queue.alignment',
        section: reg.section,
        field: 'ADDR',
        message: `queue base ${hex(BigInt(q.written), 64)} is not aligned to the queue size (${q.alignment} bytes): the SMMU treats the low address bits as zero`,
      });
    return;
  }

  // PROD.WR and CONS.RD: index in bits [QS-1:0], wrap flag at [QS]; higher bits not stored (§6.3.27).
  const qs = ecmdqLog2(file, n, ids);
  const idx = reg === ECMDQ_PROD ? PROD_WR : CONS_RD;
  const keep = (1n << BigInt(qs + 1)) - 1n;
  const raw = extractField(next, idx);
  if ((raw & ~keep) !== 0n)
    findings.push({
      severity: 'warning',
      code: 'queue.index-range',
      section: reg.section,
      field: idx.name,
      message: `${name}.${idx.name} = ${hex(raw)} has bits above [${qs}] set: with LOG2SIZE ${qs} the index is bits [${Math.max(qs - 1, 0)}:0] and the wrap flag bit [${qs}]; higher bits are not stored`,
    });
  next = (next & ~fieldMask(idx)) | ((raw & keep) << BigInt(idx.lsb));

  if (reg === ECMDQ_CONS) {
    // ENACK is the SMMU's: a write does not change it.
    if (extractField(next, CONS_ENACK) !== enack)
      findings.push({
        severity: 'warning',
        code: 'ecmdq.enack',
        section: '3.5.6.2',
        field: 'ENACK',
        message: `${name}.ENACK is the SMMU's acknowledgement of PROD.EN: the write does not change it`,
      });
    file.set(reg, n, (next & ~fieldMask(CONS_ENACK)) | (cons & fieldMask(CONS_ENACK)));
    return;
  }

  // ECMDQ_PROD.
  const nextEn = extractField(next, PROD_EN);
  const errBefore = file.errorActive(n);
  file.set(ECMDQ_PROD, n, next);
  // §3.5.6.2: ENACK follows EN (at once here); on disabling, consumption has stopped first.
  file.set(ECMDQ_CONS, n, (cons & ~fieldMask(CONS_ENACK)) | (nextEn << BigInt(CONS_ENACK.lsb)));
  const errAfter = file.errorActive(n);
  if (en === 0n && nextEn === 1n && errAfter)
    findings.push({
      severity: 'warning',
      code: 'ecmdq.errack-mismatch',
      section: '3.5.6.3',
      field: 'ERRACK',
      message: `${name} enables the ECMDQ with ERRACK != SMMU_ECMDQ_CONS${n}.ERR: CONSTRAINED UNPREDICTABLE whether commands are consumed; this model consumes none until ERRACK == ERR`,
    });
  else if (!errBefore && errAfter)
    findings.push({
      severity: 'warning',
      code: 'ecmdq.errack-mismatch',
      section: '3.5.6.3',
      field: 'ERRACK',
      message: `${name}.ERRACK toggled while no error is active (ERRACK == SMMU_ECMDQ_CONS${n}.ERR): CONSTRAINED UNPREDICTABLE whether commands are consumed and errors reported; this model consumes none until ERRACK == ERR again`,
    });
  else if (errBefore && !errAfter)
    findings.push({
      severity: 'info',
      code: 'ecmdq.error-ack',
      section: '3.5.6.3',
      field: 'ERRACK',
      message: `acknowledges the error of ECMDQ ${n}: consumption restarts at SMMU_ECMDQ_CONS${n}.RD`,
    });
  // §3.5: PROD and CONS at most one queue size apart, checked while the queue is enabled.
  if (nextEn === 1n) {
    const size = 1n << BigInt(qs);
    const p = extractField(next, PROD_WR);
    const c = extractField(cons, CONS_RD) & keep;
    const dist = (p - c + 2n * size) % (2n * size);
    if (dist > size)
      findings.push({
        severity: 'error',
        code: 'queue.index-state',
        section: '3.5',
        message: `ECMDQ ${n} PROD ${hex(p)} and CONS ${hex(c)} are ${dist} entries apart, more than the queue holds (${size}): an impossible state`,
      });
  }
}
