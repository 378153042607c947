/**
 * What resolution makes of a `.smmu` script (core/script/resolve.ts): the statements the
 * interpreter executes, the names hovers and semantic tokens read, and the contract with the host
 * that reads included files (and the configurations `config` lines after `reset` name). Types only (and the include depth limit), so the resolver, the
 * statement registry (core/script/statements/) and every reader share them without a cycle.
 */
import type { ResolvedConfig } from '../config/types';
import type { AccessSize, SecurityState } from '../model/access';
import type { EnumValue, FieldDef, RegisterDef } from '../registers/types';
import type { ActionVerb, ParsedScript, Range } from './ast';
import type { ScriptDiagnostic } from '../base/diagnostics';

/** What a name (or a register offset written as a number) in the script stands for. */
export type Resolution =
  /** A register operand; `byte` is 4 for the high half of a 64-bit register. */
  | { readonly kind: 'register'; readonly register: RegisterDef; readonly byte: number }
  | { readonly kind: 'field'; readonly register: RegisterDef; readonly field: FieldDef }
  | { readonly kind: 'enum'; readonly register: RegisterDef; readonly field: FieldDef; readonly value: EnumValue }
  /** A constant, at its definition or a use; `value` is undefined when its definition had an error. */
  | {
      readonly kind: 'const';
      readonly name: string;
      readonly value: bigint | undefined;
      readonly definition: Range;
      readonly definitionPath?: string;
    };

export interface SymbolRef {
  readonly range: Range;
  readonly resolution: Resolution;
}

/**
 * An expectation on the data a read returns: `((data & mask) >> shift) op value`. `data` is the
 * access's own data (for a high-half read32, bits [63:32] of the register as bits [31:0]).
 */
export interface ResolvedExpectation {
  readonly op: '==' | '!=';
  readonly value: bigint;
  readonly mask: bigint;
  readonly shift: number;
  /** Set for `REG.FIELD == v`: the register field compared (its real bit positions). */
  readonly field?: FieldDef;
  /** `== value`, where a failed expectation is reported. */
  readonly range: Range;
}

/** A guest MMIO access to the SMMU (`read32`, `write64`, …). */
export interface RegisterAccess {
  readonly kind: 'access';
  readonly op: 'read' | 'write';
  /** Byte offset from the SMMU base (page 1 registers include 0x10000). */
  readonly offset: number;
  readonly size: AccessSize;
  /** The register the access lands in, when it lands in one; `byte` is the position inside it. */
  readonly register?: RegisterDef;
  readonly byte: number;
  /** Value written (writes), in the access's own bits. */
  readonly value?: bigint;
  readonly expect?: ResolvedExpectation;
  /** `== abort` / `!= abort`: the access must (must not) take an external abort (§6.2). */
  readonly abort?: AbortExpectation;
  readonly range: Range;
  readonly targetRange: Range;
  readonly valueRange?: Range;
  /** `secure` / `ns`: the access's Security state (§3.10.2); without it, the register's own. */
  readonly security?: SecurityState;
  /** Where the `secure` / `ns` word is (hovers). */
  readonly securityRange?: Range;
}

/** An expectation on whether an access takes an external abort, and where it is written. */
export interface AbortExpectation {
  readonly op: '==' | '!=';
  readonly range: Range;
}

/** A guest physical memory access (`mem read64`, `mem write32`, …). */
export interface MemoryAccess {
  readonly kind: 'mem';
  readonly op: 'read' | 'write';
  readonly address: bigint;
  readonly size: AccessSize;
  readonly value?: bigint;
  readonly expect?: ResolvedExpectation;
  readonly range: Range;
  readonly targetRange: Range;
  readonly valueRange?: Range;
  /** `secure`: the Secure PA space (§3.10); otherwise the Non-secure one. */
  readonly secure?: boolean;
}

/** One argument of an engine statement: `NAME=value`, a bare `NAME`, or a value. */
export interface ActionArg {
  readonly range: Range;
  /** The name before `=`, or a bare name. */
  readonly name?: string;
  readonly nameRange?: Range;
  /** The evaluated value, when the argument has one that is a number. */
  readonly value?: bigint;
  /** `NAME=WORD` where WORD is not a constant: an enum value the engine statement looks up. */
  readonly valueName?: string;
  readonly valueRange?: Range;
}

/** An engine statement (`cmd`, `dma`, `poll`, `ste`, ...), run by its definition in core/script/statements/. */
export interface ResolvedAction {
  readonly kind: 'action';
  readonly verb: ActionVerb;
  readonly range: Range;
  readonly keyword: Range;
  readonly args: readonly ActionArg[];
  /** `poll`: the register read, with the expectation that ends the poll. */
  readonly poll?: {
    readonly offset: number;
    readonly size: AccessSize;
    readonly register?: RegisterDef;
    readonly byte: number;
    readonly targetRange: Range;
  };
  /** `== value` / `== NAME` after a `dma` or `poll`. */
  readonly expect?: {
    readonly op: '==' | '!=';
    readonly value?: bigint;
    readonly name?: string;
    readonly range: Range;
    readonly resolved?: ResolvedExpectation;
  };
  /**
   * A `config` line directly after `reset` resolves to a second reset (verb `reset`, the config
   * line's range) that brings the SMMU out of reset as this configuration, loaded when resolved.
   */
  readonly config?: { readonly path: string; readonly config: ResolvedConfig };
}

/** An included script's statements, run in place (`include "FILE"`). */
export interface ResolvedInclude {
  readonly kind: 'include';
  readonly range: Range;
  /** The included file, as resolved by the host. */
  readonly path: string;
  readonly statements: readonly ResolvedStatement[];
}

export type ResolvedStatement = RegisterAccess | MemoryAccess | ResolvedAction | ResolvedInclude;

/**
 * How `include "FILE"` finds and resolves another script: the host reads files; the resolver
 * resolves the included text with the includer's constants in scope, and keeps its constants.
 */
export interface IncludeHost {
  /** The included file's path and text, or a message saying why it cannot be read. */
  load(relative: string): { path: string; text: string } | { error: string };
  /** Paths being included right now, outermost first (cycle detection). */
  readonly stack: readonly string[];
  /** Resolve an included file's text with these constants in scope (a nested IncludeHost). */
  resolve(
    path: string,
    text: string,
    consts: ReadonlyMap<string, Constant>,
  ): { script: ResolvedScript; consts: ReadonlyMap<string, Constant> };
  /**
   * The configuration a `config` line after `reset` names (relative to this file's folder), or
   * why it cannot be used (`reset.config-missing`, `reset.config-invalid`, with the message).
   */
  loadConfig?(relative: string): { path: string; config: ResolvedConfig } | { code: string; error: string };
}

export const MAX_INCLUDE_DEPTH = 16;

export interface ResolvedScript {
  readonly parsed: ParsedScript;
  /** The `config "…"` path as written (relative to the script's folder), if the script has one. */
  readonly config?: { readonly path: string; readonly range: Range };
  /**
   * Accesses in line order. A statement with an error is left out, so run a script only when
   * `diagnostics` has no error (the list is still useful to an editor).
   */
  readonly statements: readonly ResolvedStatement[];
  /** Every resolved name (and register offset), sorted by position. */
  readonly symbols: readonly SymbolRef[];
  /** Syntax and resolution diagnostics together, sorted by position. */
  readonly diagnostics: readonly ScriptDiagnostic[];
}

export interface Constant {
  readonly name: string;
  readonly value: bigint | undefined;
  readonly range: Range;
  /** The included file that defines it; undefined for this script's own constants. */
  readonly path?: string;
}
