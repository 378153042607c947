/**
 * The NS attribute of a Secure stage 1 walk (§3.10.2, §13.4.2; the Arm ARM's VMSAv8-64 NSTable and
 * NS, D8.3, D8.4.1): a Secure stream's CD gives the NS attribute the starting-level table is
 * fetched with (CD.NSCFG0 / NSCFG1, §5.4). While the walk is Secure, a table descriptor's NSTable
 * (bit 63) makes every later level Non-secure, and a Block or Page descriptor's NS (bit 5) makes
 * the output Non-secure. Once the walk is Non-secure, the NSTable and NS bits of the descriptors it
 * reads are ignored and the output is Non-secure (hierarchical, "in the same way as on the PE").
 * Non-secure translation regimes never use these bits (they are RES0 or ignored there): a walk
 * whose parameters carry no `startNs` does not look at them.
 */

/** Table descriptor bit [63], NSTable (stage 1, Secure state). */
const NS_TABLE = 1n << 63n;
/** Block and Page descriptor bit [5], NS (stage 1, Secure state). */
const NS = 1n << 5n;

/** The walk's NS attribute after table descriptor `d`: Non-secure from then on once NSTable is 1. */
export function nsAfterTable(ns: boolean, d: bigint): boolean {
  return ns || (d & NS_TABLE) !== 0n;
}

/** The output NS attribute of leaf `d` reached by a walk whose NS attribute is `ns`. */
export function nsOfLeaf(ns: boolean, d: bigint): boolean {
  return ns || (d & NS) !== 0n;
}

/** How messages name a PA space. */
export function paSpaceName(ns: boolean): string {
  return ns ? 'Non-secure PA space' : 'Secure PA space';
}
