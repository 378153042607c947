/**
 * Register storage: two 32-bit words per register of the table (low, high), in one typed array,
 * so 32-bit guest accesses on the hot path read and write a word without BigInt arithmetic.
 */
import { REGISTERS } from '../registers/table';
import type { RegisterDef } from '../registers/types';

const INDEX = new Map<RegisterDef, number>(REGISTERS.map((r, i) => [r, i]));

/** Position of a register in the file (its table index). */
export function registerIndex(reg: RegisterDef): number {
  const i = INDEX.get(reg);
  if (i === undefined) throw new Error(`internal: ${reg.name} is not in the register table`);
  return i;
}

export class RegisterFile {
  readonly words = new Uint32Array(REGISTERS.length * 2);

  // The index looked up here rather than through registerIndex: a call saved on every register
  // read, which a cold check makes in V8's baseline code (docs/performance.md).
  get(reg: RegisterDef): bigint {
    const i = (INDEX.get(reg) ?? registerIndex(reg)) * 2;
    const lo = this.words[i] as number;
    return reg.width === 64 ? (BigInt(this.words[i + 1] as number) << 32n) | BigInt(lo) : BigInt(lo);
  }

  set(reg: RegisterDef, v: bigint): void {
    const i = (INDEX.get(reg) ?? registerIndex(reg)) * 2;
    this.words[i] = Number(v & 0xffff_ffffn);
    this.words[i + 1] = reg.width === 64 ? Number((v >> 32n) & 0xffff_ffffn) : 0;
  }
}
