/**
 * Custom requests between the client and the language server, declared once and imported by both
 * (as rust-analyzer's lsp_ext.ts does). Plain method names and payload types, so the client bundle
 * does not pull in the server library.
 */

/** Decode a value as a register, with the configuration the given document uses (or the default). */
export const DECODE_REQUEST = 'smmu/decode';
export interface DecodeParams {
  readonly register: string;
  /** A number in any script-literal form: `0x1F`, `31`, `0b11111`. */
  readonly value: string;
  /** Document whose configuration decides which fields are advertised; optional. */
  readonly uri?: string;
}
export interface DecodeResult {
  /** Plain text, one field a line. */
  readonly text: string;
  readonly markdown: string;
  /** Set when the register or value could not be understood. */
  readonly error?: string;
}
