/**
 * Shapes of the declarative register table (one source of truth for the model, decoders, hovers,
 * completion, the tree view, grammars and docs). Layout follows the architecture's register pages
 * (IHI0070 §6.3.N): every field is declared, bits not covered by a field are RES0 (§6.2).
 */

import type { IdRegisterName, QueueName, RegisterName, SecureQueueName } from './names';

export type { IdRegisterName, IrqSource, QueueName, RegisterName, SecureQueueName } from './names';

/** A queue of either programming interface: the Non-secure three or the Secure two. */
export type AnyQueueName = QueueName | SecureQueueName;

export type Access = 'RO' | 'RW';

/** Functional groups, in the order a register view lists them. */
export type RegisterGroup =
  | 'identification'
  | 'control'
  | 'errors'
  | 'interrupts'
  | 'stream-table'
  | 'command-queue'
  | 'event-queue'
  | 'pri-queue'
  | 'ats'
  | 'atos'
  | 'mpam'
  | 'dpt'
  | 'secure'
  | 'coresight-id';

/**
 * A condition on an ID register field, as the architecture writes "When SMMU_IDR0.ATS == 1".
 * Without `atLeast`/`equals` the condition is "field != 0".
 */
export interface FeatureRef {
  readonly register: IdRegisterName;
  readonly field: string;
  readonly atLeast?: number;
  readonly equals?: number;
}

export interface EnumValue {
  readonly value: number;
  readonly name: string;
  readonly description?: string;
}

/** A register field, bits [msb:lsb]. */
export interface FieldDef {
  readonly name: string;
  readonly msb: number;
  readonly lsb: number;
  readonly description: string;
  /** Named encodings (§6.3.N tables); values not listed are reserved unless `openValues`. */
  readonly values?: readonly EnumValue[];
  /** Numeric fields (sizes, addresses, indices) whose values are not an enumeration. */
  readonly openValues?: boolean;
  /**
   * Address fields hold address bits [msb-lsb+addrShift : addrShift], as LayoutField.addrShift:
   * `CMDQ_BASE.ADDR[55:5]` holds address bits 55:5, so addrShift = 5. Decoders, hovers and views
   * show the address (field << addrShift), a base of 0x40100000 rather than the field's 0x2008000.
   */
  readonly addrShift?: number;
  /** The field exists only when this holds; otherwise it is RES0 (§6.3.N "Otherwise: Reserved, RES0"). */
  readonly requires?: FeatureRef;
  /** Field-level access where it differs from the register's. */
  readonly access?: Access;
  /** Writes to this field are IGNORED while any of these enables (or their ACK) is 1 (§6.2 Guarded, v3.2+). */
  readonly guardedBy?: readonly GuardRef[];
  /**
   * Also Guarded by every Non-secure Enhanced Command queue: writes are IGNORED while any
   * SMMU_ECMDQ_PROD<n>.EN or SMMU_ECMDQ_CONS<n>.ENACK is 1 (SMMU_CR1.QUEUE_*, §6.3.11, §3.5.6.1).
   */
  readonly guardedByEcmdqs?: boolean;
  /** Reset value of the field when it is architecturally defined. */
  readonly reset?: number;
  /**
   * The field belongs to one of the register's layouts: it exists only while the named field of
   * the same register holds `equals` (SMMU_GATOS_PAR's success and fault formats, selected by
   * FAULT, §6.3.40). Fields of different layouts may share bits; decoders show only the layout the
   * value selects.
   */
  readonly when?: { readonly field: string; readonly equals: number };
  /**
   * The largest value the field may hold is an ID register field (SMMU_GMPAM.SO_PARTID and
   * SMMU_MPAMIDR.PARTID_MAX, §6.3.42): bits above that maximum's bit width are RES0, and a larger
   * value within the width makes the SMMU use an UNKNOWN value.
   */
  readonly limitedBy?: { readonly register: IdRegisterName; readonly field: string };
}

/** "Guarded by SMMU_CR0.CMDQEN": the register/field may change only while CR0.CMDQEN == 0 (§6.2). */
export interface GuardRef {
  readonly register: RegisterName;
  readonly field: string;
}

/**
 * What the model does on an access, declared next to the register.
 * The model interprets these (core/model/behaviours.ts); the docs and hovers describe them.
 */
export type Behaviour =
  /** Plain read/write storage of the defined, implemented fields. */
  | { readonly kind: 'store' }
  /** ID register: RO, value comes from the configuration, constant after reset (§6.2). */
  | { readonly kind: 'id' }
  /** RO register whose value the SMMU owns (STATUSR, GERROR); writes ignored. */
  | { readonly kind: 'status' }
  /** Control register whose implemented fields are acknowledged in `ack` (CR0→CR0ACK §6.3.9, IRQ_CTRL→IRQ_CTRLACK §6.3.16). */
  | { readonly kind: 'acked'; readonly ack: RegisterName }
  /** RO acknowledgement of `of`. */
  | { readonly kind: 'ack'; readonly of: RegisterName }
  /** GERRORN: acknowledges GERROR by toggling (§6.3.19, §6.3.20). */
  | { readonly kind: 'errorAck'; readonly of: RegisterName }
  /**
   * GBPA: written whole with Update=1, RO while Update==1 (§6.3.14). A write without Update is
   * CONSTRAINED UNPREDICTABLE before SMMUv3.2 and IGNORED from it (§6.3.14.1); `ignoredWithout`
   * names the section of a register whose write without Update is always IGNORED (SMMU_GMPAM,
   * §6.3.42: "the Update flag behaves the same as the SMMU_GBPA.Update mechanism").
   */
  | { readonly kind: 'updateHandshake'; readonly ignoredWithout?: string }
  /** Queue base: LOG2SIZE read back as written, capped at the IDR1 maximum for use (§6.3.26). */
  | { readonly kind: 'queueBase'; readonly queue: AnyQueueName; readonly maxLog2: FeatureRef }
  /** PROD/CONS index: index in bits [QS-1:0], wrap flag at bit QS, QS = queue LOG2SIZE (§6.3.27). */
  | {
      readonly kind: 'queueIndex';
      readonly queue: AnyQueueName;
      readonly role: 'PROD' | 'CONS';
      readonly producer: 'software' | 'smmu';
    }
  /**
   * (S_)STRTAB_BASE_CFG: LOG2SIZE capped for use at `sidSize`, IDR1.SIDSIZE (§6.3.25) or
   * S_IDR1.S_SIDSIZE (§6.3.73).
   */
  | { readonly kind: 'streamTableConfig'; readonly sidSize: FeatureRef }
  /**
   * A fault record software can only clear (DPT_CFG_FAR, §6.3.48): a write is IGNORED unless it
   * clears `field`, and a write that clears it clears the whole register.
   */
  | { readonly kind: 'clearOnly'; readonly field: string };

/** Reset value: a number, or the architecture's UNKNOWN / IMPLEMENTATION DEFINED. */
export type ResetValue = bigint | 'UNKNOWN' | 'IMPDEF';

export interface RegisterDef {
  /** Architecture name without the `SMMU_` prefix, e.g. `CR0` (names.ts lists them). */
  readonly name: RegisterName;
  /** Other spellings users type: Linux/QEMU short names (`EVTQ_BASE`). */
  readonly aliases?: readonly string[];
  /** Offset from the SMMU base; page 1 registers include 0x10000. */
  readonly offset: number;
  readonly width: 32 | 64;
  readonly access: Access;
  readonly reset: ResetValue;
  /** One line: what the register is for. */
  readonly summary: string;
  /** Architecture section, e.g. `6.3.9`. */
  readonly section: string;
  readonly group: RegisterGroup;
  readonly fields: readonly FieldDef[];
  /** The register exists only when this holds; otherwise its location is an undefined (RES0) one. */
  readonly requires?: FeatureRef;
  /** Register-wide guard: writes IGNORED while any guard (or its ACK) is 1. */
  readonly guardedBy?: readonly GuardRef[];
  /**
   * The register is read-only and holds IMPLEMENTATION DEFINED (preset) values when this holds:
   * STRTAB_BASE/_CFG with SMMU_IDR1.TABLES_PRESET, the queue bases with QUEUES_PRESET (§6.3.24–
   * §6.3.26, §6.3.29, §6.3.33). The configuration gives the values (`presetBases`).
   */
  readonly fixedBy?: FeatureRef;
  /**
   * `secure`: a register of the Secure programming interface (SMMU_S_*), RAZ/WI to an access that
   * is neither Secure nor Root (§3.10.2, each §6.3.52–§6.3.82 register's "Accessing" section).
   */
  readonly security?: 'secure';
  /**
   * `vatos`: a register of the VATOS page (§6.2.3), which SMMU_IDR2.BA_VATOS places at SMMU_BASE +
   * 0x20000 + BA_VATOS × 0x10000 (§6.3.3). `offset` is its offset with BA_VATOS == 0;
   * registerOffset() (placement.ts) gives the configuration's.
   */
  readonly page?: 'vatos';
  readonly behaviour: Behaviour;
}

/**
 * A register whose type keeps its literal name: the area files declare registers so (with
 * `satisfies RegisterDef` or this type), and table.ts checks that every name has a definition.
 */
export type NamedRegister<N extends RegisterName> = RegisterDef & { readonly name: N };

export const PAGE1_BASE = 0x10000;

export function pageOf(offset: number): 0 | 1 {
  return offset >= PAGE1_BASE && offset < 2 * PAGE1_BASE ? 1 : 0;
}
