/**
 * DAP memory references of the two PA spaces (§3.10): the Non-secure one's is the address in hex
 * (`0x4E000000`), the Secure one's ends in the word a script uses for that space (`0x4E000000 secure`,
 * as in `mem read64 ADDR secure`). views.ts gives them, server/dap/memory.ts reads them.
 */

/** The word after an address that names the Secure PA space, as in a script's `mem read64 ADDR secure`. */
const SECURE_SUFFIX = ' secure';

/**
 * The DAP memory reference of an address of the Secure PA space (§3.10): `0x4E000000 secure`, the
 * address as the Non-secure references write it (views.ts) and the script's word for the space.
 * VS Code passes a reference back unchanged, so its hex view opened on it reads the Secure space.
 */
export function secureMemoryReference(address: number | bigint): string {
  return '0x' + address.toString(16).toUpperCase() + SECURE_SUFFIX;
}

/** A memory reference split into its address text and whether it names the Secure PA space. */
export function splitMemoryReference(ref: string): { readonly address: string; readonly secure: boolean } {
  const t = ref.trim();
  return t.toLowerCase().endsWith(SECURE_SUFFIX)
    ? { address: t.slice(0, -SECURE_SUFFIX.length).trim(), secure: true }
    : { address: t, secure: false };
}
