/**
 * Where an MMIO access lands (§6.2): which register and which bytes of it, or which architectural
 * case applies when it lands on no register. Pure: depends on the table, the configuration's
 * advertised features and its CONSTRAINED UNPREDICTABLE choices, never on register state.
 */
import type { ResolvedConfig } from '../config/types';
import { featureHolds, describeFeature, type IdView } from '../registers/codec';
import type { ArrayRegisterDef } from '../registers/ecmdq';
import { advertised, unmodelledRegisterAt } from '../registers/not-modelled';
import { vatosPageOffset } from '../registers/placement';
import { registerAt, registerContaining, vatosRegisterContaining } from '../registers/table';
import { PAGE1_BASE, type RegisterDef } from '../registers/types';
import type { AccessSize, Finding, SecurityState } from './access';
import { arrayRegisterAt, ecmdqLayout, type EcmdqLayout } from './ecmdq';

/** Size of the two architected 64 KB pages (§6.1). Offsets beyond belong to optional pages. */
export const SMMU_REGION_SIZE = 2 * PAGE1_BASE;

/** The page-0 offsets that are reserved because their registers live in page 1 (§6.2.1). */
const PAGE1_REGISTER_OFFSETS = new Set([0xa8, 0xac, 0xc8, 0xcc]);

export type Target =
  /** The access reaches `reg` at byte `byte` (0, or 4 for the high half of a 64-bit register). */
  | { readonly kind: 'register'; readonly reg: RegisterDef; readonly byte: number; readonly findings: Finding[] }
  /**
   * The access reaches instance `n` of a register array (the Command queue control page
   * registers and the ECMDQ registers, core/registers/ecmdq.ts) at byte `byte`.
   */
  | {
      readonly kind: 'array';
      readonly reg: ArrayRegisterDef;
      readonly n: number;
      readonly byte: number;
      readonly name: string;
      readonly findings: Finding[];
    }
  /** Reads as zero, writes ignored (RES0, RAZ/WI). */
  | { readonly kind: 'razwi'; readonly findings: Finding[] }
  /** The access is terminated with an abort. */
  | { readonly kind: 'abort'; readonly findings: Finding[] };

const h = (n: number) => '0x' + n.toString(16).toUpperCase().padStart(4, '0');

/** `wide`: a 64-bit access, which has its own choice (`illegal64BitAccess`). */
function illegal(config: ResolvedConfig, code: string, message: string, wide = false): Target {
  const findings: Finding[] = [];
  const key = wide ? 'illegal64BitAccess' : 'illegalAccess';
  const choice = config.choices[key];
  findings.push({
    severity: 'error',
    code,
    section: '6.2',
    choice: key,
    message: `${message}: an illegal register access is CONSTRAINED UNPREDICTABLE (RAZ/WI, UNKNOWN/arbitrary effect, or abort); this configuration ${choice === 'abort' ? 'aborts it' : 'treats it as RAZ/WI'}`,
  });
  return choice === 'abort' ? { kind: 'abort', findings } : { kind: 'razwi', findings };
}

function implemented(reg: RegisterDef, ids: IdView): boolean {
  return !reg.requires || featureHolds(reg.requires, ids);
}

/**
 * Decode an access of `size` bytes at `offset` from the SMMU base, made from `security` (by
 * default, the Security state of the register it addresses).
 */
export function decodeAccess(
  offset: number,
  size: AccessSize,
  config: ResolvedConfig,
  ids: IdView,
  security?: SecurityState,
): Target {
  if (!Number.isInteger(offset) || offset < 0) {
    return illegal(config, 'access.offset', `offset ${offset} is not a non-negative integer`);
  }
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
    return illegal(config, 'access.size', `access size ${size as number} bytes is not a possible access size`);
  }
  if (offset % size !== 0) {
    return illegal(config, 'access.unaligned', `${size * 8}-bit access at ${h(offset)} is unaligned`);
  }
  if (size < 4) {
    // §6.2: support for sizes other than 32-bit (and 64-bit to 64-bit registers) is IMPLEMENTATION
    // DEFINED; like QEMU and as the seed's reviewer asked of Xen, this model supports none of them.
    return illegal(
      config,
      'access.size',
      `${size * 8}-bit access at ${h(offset)}: only 32-bit accesses (and 64-bit to 64-bit registers) are supported`,
    );
  }
  const array = decodeArrayAccess(offset, size === 8 ? 8 : 4, config, ids);
  if (array) return array;
  const vatos = decodeVatosAccess(offset, size === 8 ? 8 : 4, config, ids);
  if (vatos) return vatos;
  if (offset >= SMMU_REGION_SIZE) {
    return {
      kind: 'razwi',
      findings: [
        {
          severity: 'warning',
          code: 'offset.beyond-pages',
          section: '6.1',
          message: `${h(offset)} is beyond page 0 and page 1 and in no page this configuration advertises (VATOS page, Command queue control pages): RAZ/WI`,
        },
      ],
    };
  }
  const findings: Finding[] = [];
  let effective = offset;

  if (offset >= PAGE1_BASE) {
    const reg = registerAt(offset);
    if (!reg || !implemented(reg, ids)) {
      // Page-1 registers are all 32-bit, so an aligned access that does not start one misses them.
      if (config.choices.page1Undefined === 'alias-page0') {
        findings.push({
          severity: 'warning',
          code: 'page1.undefined',
          section: '6.2',
          choice: 'page1Undefined',
          message: `${h(offset)} is an undefined page-1 location: CONSTRAINED UNPREDICTABLE (RES0 or alias of page 0); this configuration aliases page 0 offset ${h(offset - PAGE1_BASE)}`,
        });
        effective = offset - PAGE1_BASE;
      } else {
        findings.push({
          severity: 'warning',
          code: 'page1.undefined',
          section: '6.2',
          choice: 'page1Undefined',
          message: `${h(offset)} is an undefined page-1 location: CONSTRAINED UNPREDICTABLE (RES0 or alias of page 0); this configuration treats it as RES0`,
        });
        return { kind: 'razwi', findings };
      }
    }
  } else if (PAGE1_REGISTER_OFFSETS.has(offset & ~3)) {
    // §6.2.1: 0xA8/0xAC/0xC8/0xCC are reserved in page 0; they alias page 1 or are RAZ/WI. This is
    // the seed thread's bug: EVTQ_PROD/CONS decoded at their page-0 offsets.
    const page1 = registerAt((offset & ~3) + PAGE1_BASE);
    const name = page1 ? `SMMU_${page1.name}` : 'a page-1 register';
    const where = page1 ? h(page1.offset) : h(offset + PAGE1_BASE);
    if (config.choices.page0AliasOfPage1 === 'alias' && page1 && implemented(page1, ids)) {
      findings.push({
        severity: 'warning',
        code: 'page0.page1-offset',
        section: '6.2.1',
        choice: 'page0AliasOfPage1',
        message: `${h(offset)} is the reserved page-0 offset of ${name}, which lives in page 1 at ${where}; the access is CONSTRAINED UNPREDICTABLE (alias or RAZ/WI); this configuration aliases it`,
      });
      effective = offset + PAGE1_BASE;
    } else {
      findings.push({
        severity: 'warning',
        code: 'page0.page1-offset',
        section: '6.2.1',
        choice: 'page0AliasOfPage1',
        message: `${h(offset)} is the reserved page-0 offset of ${name}, which lives in page 1 at ${where}; the access is CONSTRAINED UNPREDICTABLE (alias or RAZ/WI); this configuration treats it as RAZ/WI`,
      });
      return { kind: 'razwi', findings };
    }
  }

  const hit = registerContaining(effective);
  if (!hit || !implemented(hit.reg, ids)) {
    const missing = hit ? undefined : unmodelledRegisterAt(effective);
    if (missing) {
      // A register of the architecture this model does not implement (core/registers/not-modelled.ts).
      const f = missing.feature;
      const value = ids.idField(f.field.register, f.field.field);
      const cond = `SMMU_${f.field.register}.${f.field.field}${f.holdsText ? ` (${f.holdsText})` : ''}`;
      if (value === undefined || advertised(f, value)) {
        findings.push({
          severity: 'warning',
          code: 'register.not-modelled',
          section: missing.reg.section,
          message: `${h(effective)} is SMMU_${missing.name}, present because ${cond} is advertised, but not modelled: the access reads as zero and writes are ignored`,
        });
      } else {
        findings.push({
          severity: 'warning',
          code: 'register.unimplemented',
          section: missing.reg.section,
          message: `${h(effective)} is the offset of SMMU_${missing.name}, which exists only when ${cond} is advertised; this configuration does not, so it is an undefined location (RES0)`,
        });
      }
      return { kind: 'razwi', findings };
    }
    if (hit && hit.reg.requires) {
      findings.push({
        severity: 'warning',
        code: 'register.unimplemented',
        section: hit.reg.section,
        register: hit.reg.name,
        message: `SMMU_${hit.reg.name} is not implemented: ${describeFeature(hit.reg.requires)} does not hold in this configuration, so ${h(effective)} is an undefined location (RES0)`,
      });
    } else {
      findings.push({
        severity: 'info',
        code: 'offset.undefined',
        section: '6.2',
        message: `${h(effective)} is an undefined page-0 location: RES0 (reads as zero, writes ignored)`,
      });
    }
    return { kind: 'razwi', findings };
  }
  const { reg, byte } = hit;
  if (reg.security === 'secure' && security === 'non-secure') {
    // Each SMMU_S_* register's "Accessing" section (§6.3.52–§6.3.82): "When an access is not
    // Secure and an access is not Root, accesses to this register are RAZ/WI" (§3.10.2). §3.10.2
    // excepts SMMU_S_INIT, but its own page (§6.3.62) makes it RAZ/WI too, unless the system
    // exposes it by an IMPLEMENTATION DEFINED mechanism, which this model does not have.
    findings.push({
      severity: 'info',
      code: 'access.secure-register',
      section: reg.section,
      register: reg.name,
      message: `SMMU_${reg.name} is a Secure register: a Non-secure access reads as zero and its write is ignored (RAZ/WI, §3.10.2)`,
    });
    return { kind: 'razwi', findings };
  }
  if (size === 8) {
    if (reg.width === 64) return { kind: 'register', reg, byte, findings };
    // A 64-bit access at a 32-bit register: either it spans two adjacent 32-bit registers, or it
    // is an unsupported size for this register (§6.2).
    const next = registerAt(effective + 4);
    if (next && next.width === 32 && implemented(next, ids)) {
      const choice = config.choices.illegal64BitAccess;
      findings.push({
        severity: 'error',
        code: 'access.span',
        section: '6.2',
        register: reg.name,
        choice: 'illegal64BitAccess',
        message: `64-bit access at ${h(effective)} spans two 32-bit registers, SMMU_${reg.name} and SMMU_${next.name}: CONSTRAINED UNPREDICTABLE (RAZ/WI, both in UNPREDICTABLE order, one of them, or abort); this configuration ${choice === 'abort' ? 'aborts it' : 'treats it as RAZ/WI'}`,
      });
      return choice === 'abort' ? { kind: 'abort', findings } : { kind: 'razwi', findings };
    }
    const t = illegal(config, 'access.size', `64-bit access to the 32-bit register SMMU_${reg.name}`, true);
    return { ...t, findings: [...findings, ...t.findings.map((f) => ({ ...f, register: reg.name }))] };
  }
  return { kind: 'register', reg, byte, findings };
}

/** The control pages of a configuration's ID view, computed once per view (decodeAccess is hot). */
const layouts = new WeakMap<IdView, EcmdqLayout | null>();
function layoutOf(ids: IdView): EcmdqLayout | undefined {
  let l = layouts.get(ids);
  if (l === undefined) layouts.set(ids, (l = ecmdqLayout(ids) ?? null));
  return l ?? undefined;
}

/** The page-0 range of the control page register triples (§6.3.49–§6.3.51, n < 256). */
const CONTROL_REGS = { start: 0x4000, end: 0x4000 + 256 * 32 };

/**
 * An access to the Enhanced Command queue registers (§6.2.5, §6.3.49–§6.3.51, §6.3.107–§6.3.109),
 * or undefined when the offset is none of theirs.
 */
function decodeArrayAccess(offset: number, size: 4 | 8, config: ResolvedConfig, ids: IdView): Target | undefined {
  const layout = layoutOf(ids);
  if (!layout) {
    // Without SMMU_IDR1.ECMDQ the control page registers are RES0 (§6.3.49 "Configuration").
    if (offset < CONTROL_REGS.start || offset >= CONTROL_REGS.end) return undefined;
    const hit = arrayRegisterAt(offset, { pages: 256, perPage: 1, firstPage: Infinity, spacing: 0x10000 });
    if (!hit || 'missing' in hit) return undefined;
    return {
      kind: 'razwi',
      findings: [
        {
          severity: 'warning',
          code: 'register.unimplemented',
          section: hit.reg.section,
          message: `${h(offset)} is the offset of SMMU_${hit.name}, which exists only when SMMU_IDR1.ECMDQ is advertised; this configuration does not, so it is an undefined location (RES0)`,
        },
      ],
    };
  }
  const hit = arrayRegisterAt(offset, layout);
  const inPages =
    offset >= layout.firstPage && offset < layout.firstPage + layout.pages * 0x10000 && offset >= SMMU_REGION_SIZE;
  if (!hit) {
    if (!inPages) return undefined;
    return {
      kind: 'razwi',
      findings: [
        {
          severity: 'info',
          code: 'offset.undefined',
          section: '6.2.5',
          message: `${h(offset)} is in Command queue control page ${Math.floor((offset - layout.firstPage) / 0x10000)} but on no ECMDQ register: RES0 (reads as zero, writes ignored)`,
        },
      ],
    };
  }
  if ('missing' in hit)
    return {
      kind: 'razwi',
      findings: [
        {
          severity: 'warning',
          code: 'register.unimplemented',
          section: '6.3.45',
          message: `${h(offset)} is SMMU_${hit.missing}, beyond the ${layout.pages} Command queue control page${layout.pages === 1 ? '' : 's'} SMMU_IDR6.CMDQ_CONTROL_PAGE_LOG2NUMP advertises: an undefined location (RES0)`,
        },
      ],
    };
  const { reg } = hit;
  if (size === 8 && !(reg.width === 64 && hit.byte === 0)) {
    if (reg.width === 32 && hit.byte === 0 && reg.name === 'ECMDQ_PROD') {
      const choice = config.choices.illegal64BitAccess;
      return {
        kind: choice === 'abort' ? 'abort' : 'razwi',
        findings: [
          {
            severity: 'error',
            code: 'access.span',
            section: '6.2',
            choice: 'illegal64BitAccess',
            message: `64-bit access at ${h(offset)} spans two 32-bit registers, SMMU_ECMDQ_PROD${hit.n} and SMMU_ECMDQ_CONS${hit.n}: CONSTRAINED UNPREDICTABLE; this configuration ${choice === 'abort' ? 'aborts it' : 'treats it as RAZ/WI'}`,
          },
        ],
      };
    }
    return illegal(config, 'access.size', `64-bit access to the 32-bit register SMMU_${hit.name}`, true);
  }
  return { kind: 'array', reg, n: hit.n, byte: hit.byte, name: hit.name, findings: [] };
}

/**
 * An access to the VATOS page (§6.2.3), at SMMU_BASE + 0x20000 + SMMU_IDR2.BA_VATOS × 0x10000
 * (§6.3.3) when SMMU_IDR0.VATOS is 1, or undefined when the offset is not in it.
 */
function decodeVatosAccess(offset: number, size: 4 | 8, config: ResolvedConfig, ids: IdView): Target | undefined {
  const page = vatosPageOffset(ids);
  if (page === undefined || offset < page || offset >= page + PAGE1_BASE) return undefined;
  const hit = vatosRegisterContaining(offset - page);
  if (!hit)
    return {
      kind: 'razwi',
      findings: [
        {
          severity: 'info',
          code: 'offset.undefined',
          section: '6.2.3',
          message: `${h(offset)} is in the VATOS page (at ${h(page)}, SMMU_IDR2.BA_VATOS) but on no VATOS register: RES0 (reads as zero, writes ignored)`,
        },
      ],
    };
  const { reg, byte } = hit;
  if (size === 8 && reg.width !== 64)
    return illegal(config, 'access.size', `64-bit access to the 32-bit register SMMU_${reg.name}`, true);
  return { kind: 'register', reg, byte, findings: [] };
}
