/**
 * `smmu/registers`: the debug session's register state in the language server's
 * `smmu/stateAtLine` shape (lsp-ext.ts RegisterState), so the Registers view can follow a session.
 */
export { readingStates, registerStates } from '../lsp/register-states';

export {
  REGISTERS_REQUEST,
  SET_REGISTER_REQUEST,
  type SessionRegistersResult,
  type SetRegisterArguments,
  type SetRegisterResult,
} from '../lsp/lsp-ext';
