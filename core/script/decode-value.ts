/**
 * Decode "a value as register X", where the value may be any script value expression
 * (`0x1F`, `SMMUEN|CMDQEN`, `ADDR=0x8000|LOG2SIZE=8`). The expression is resolved exactly as a
 * script line `write<width> X <value>` would be, so the CLI, the server and scripts agree.
 */
import type { ResolvedConfig } from '../config/types';
import { idViewOf } from '../model/ids';
import { decode, type Decoded } from '../registers/codec';
import { findRegister } from '../registers/table';
import { analyzeScript } from './resolve';

export type DecodeOutcome =
  { readonly decoded: Decoded; readonly error?: undefined } | { readonly decoded?: undefined; readonly error: string };

export function decodeValue(register: string, value: string, config: ResolvedConfig): DecodeOutcome {
  const reg = findRegister(register.trim());
  if (!reg) return { error: `unknown register '${register.trim()}'` };
  if (/[\n\r#]/.test(value)) return { error: 'the value must be one expression on one line' };
  const line = `write${reg.width} ${reg.name} ${value}`;
  const resolved = analyzeScript(line);
  const err = resolved.diagnostics.find((d) => d.severity === 'error');
  if (err) return { error: err.message };
  const s = resolved.statements[0];
  if (!s || s.kind !== 'access' || s.value === undefined) return { error: `'${value}' is not a value` };
  return { decoded: decode(reg, s.value, idViewOf(config)) };
}
