/**
 * `smmu/registers`: the debug session's register state in the language server's
 * `smmu/stateAtLine` shape (lsp-ext.ts RegisterState), so the Registers view can follow a session.
 */
import type { StateAtLineResult } from '../lsp/lsp-ext';
export { registerStates } from '../lsp/register-states';

export const REGISTERS_REQUEST = 'smmu/registers';

/** The result also says where the session is (0-based line of the top frame). */
export interface SessionRegistersResult extends StateAtLineResult {
  readonly line: number;
}

/** `smmu/setRegister`: write a register or one field through the model, as a guest write (validated). */
export const SET_REGISTER_REQUEST = 'smmu/setRegister';
export interface SetRegisterArguments {
  readonly register: string;
  readonly field?: string;
  /** A number, symbolic fields (`SMMUEN|CMDQEN`) or an enum name for a field. */
  readonly value: string;
}
export interface SetRegisterResult {
  /** The register's (or field's) value after the write, as the model holds it. */
  readonly value: string;
  /** What the model reported about the write (RES0 bits, guards, unadvertised fields...). */
  readonly findings: readonly string[];
}
