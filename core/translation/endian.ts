/**
 * Translation table endianness (§5.4 ENDI, §5.2 S2ENDI, SMMU_IDR0.TTENDIAN §6.3.1): a walk reads
 * and updates its 64-bit descriptors in the endianness its CD or STE selects. Guest memory is
 * little-endian words (a descriptor read is the two 32-bit words at its address); a big-endian
 * descriptor holds the same 8 bytes in the reverse order, so it is the byte reversal of the
 * little-endian reading.
 */

/** The 8 bytes of `v` in reverse order: a little-endian reading of a big-endian doubleword, and back. */
export function byteSwap64(v: bigint): bigint {
  let out = 0n;
  let x = v;
  for (let i = 0; i < 8; i++) {
    out = (out << 8n) | (x & 0xffn);
    x >>= 8n;
  }
  return out;
}
