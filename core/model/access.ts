/**
 * What an MMIO access did: the value, or an abort, and a list of findings explaining every rule
 * that applied. Findings are structured so editors, the CLI and the debugger can show them.
 */

import type { Severity } from '../base/diagnostics';
import type { UnpredictableChoices } from '../config/types';
import type { GuardRef, RegisterName } from '../registers/types';

export type { Severity } from '../base/diagnostics';

export interface Finding {
  readonly severity: Severity;
  /** Stable code, e.g. `access.size`, `write.ro`, `cr0.unadvertised` (docs/rules.md lists them). */
  readonly code: string;
  readonly message: string;
  /** Architecture section the rule comes from, e.g. `6.2`. */
  readonly section: string;
  readonly register?: RegisterName;
  readonly field?: string;
  /** For `write.guarded`: the guard register and field that blocked the write. */
  readonly guards?: readonly GuardRef[];
  /**
   * The configuration choice that decided a CONSTRAINED UNPREDICTABLE case of §6.2 (an illegal
   * access, a reserved or undefined location): what a script expecting an abort is told to change.
   */
  readonly choice?: keyof UnpredictableChoices;
}

export interface AccessResult {
  /** false when the access was terminated with an abort (the guest sees an external abort). */
  readonly ok: boolean;
  /** Value read (for reads; 0 on abort). */
  readonly value: bigint;
  readonly findings: readonly Finding[];
  /** Registers whose stored value changed, with old and new values. */
  readonly changes: readonly { readonly register: RegisterName; readonly before: bigint; readonly after: bigint }[];
}

export type AccessSize = 1 | 2 | 4 | 8;

/**
 * The Security state of an MMIO access (§3.10.2, §6.2): a Secure register (SMMU_S_*) is RAZ/WI to an
 * access that is neither Secure nor Root; a Secure access reaches the Non-secure registers too.
 * Without one, an access has the Security state of the register it addresses.
 */
export type SecurityState = 'secure' | 'non-secure';
