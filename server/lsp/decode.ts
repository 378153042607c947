/** The `smmu/decode` request: decode a value as a register with the document's configuration. */
import { formatDecoded } from '../../core/registers/codec';
import { decodedMarkdown } from '../../core/registers/describe';
import { decodeValue } from '../../core/script/decode-value';
import type { DecodeParams, DecodeResult } from './lsp-ext';
import type { Workspace } from './workspace';

export function decodeRequest(workspace: Workspace, params: DecodeParams): DecodeResult {
  if (typeof params?.register !== 'string' || typeof params.value !== 'string') {
    return { text: '', markdown: '', error: 'smmu/decode needs { register: string, value: string }' };
  }
  const outcome = decodeValue(params.register, params.value, workspace.configFor(params.uri));
  if (outcome.error !== undefined) return { text: '', markdown: '', error: outcome.error };
  return { text: formatDecoded(outcome.decoded), markdown: decodedMarkdown(outcome.decoded) };
}
