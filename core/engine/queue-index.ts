/**
 * Circular queue arithmetic (§3.5): an index register holds the entry number in bits [QS-1:0]
 * and a wrap flag in bit [QS]. The queue is empty when both are equal, full when the entry
 * numbers are equal and the wrap flags differ.
 */

export interface QueueGeometry {
  /** Base address (ADDR field << 5, low bits below the queue size treated as zero, §6.3.26). */
  readonly base: number;
  /** log2 of the number of entries in use (LOG2SIZE capped at IDR1.xQS). */
  readonly log2: number;
  /** Bytes per entry: 16 commands, 32 events, 16 PRI requests. */
  readonly entryBytes: number;
}

/** Index and wrap bit only. */
export function indexMask(log2: number): number {
  // log2 ≤ 19 (IDR1.xQS, §6.3.2): shifts stay within 32 bits and avoid Math.pow on the hot path.
  return (1 << (log2 + 1)) - 1;
}

export function entryOf(index: number, log2: number): number {
  return index & ((1 << log2) - 1);
}

export function isEmpty(prod: number, cons: number, log2: number): boolean {
  const m = indexMask(log2);
  return (prod & m) === (cons & m);
}

export function isFull(prod: number, cons: number, log2: number): boolean {
  const size = 1 << log2;
  return (prod & indexMask(log2)) === ((cons + size) & indexMask(log2));
}

/** The next index, wrapping the entry number and toggling the wrap flag at the end. */
export function next(index: number, log2: number): number {
  return (index + 1) & indexMask(log2);
}

/** Entries between CONS and PROD (0..size); larger values mean an impossible state. */
export function pending(prod: number, cons: number, log2: number): number {
  const m = indexMask(log2);
  return ((prod & m) - (cons & m) + (m + 1)) % (m + 1);
}

export function slotAddress(g: QueueGeometry, index: number): number {
  return g.base + entryOf(index, g.log2) * g.entryBytes;
}
