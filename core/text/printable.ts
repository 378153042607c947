/** A peer's text in a message: printable ASCII only (a stub's or monitor's bytes may be anything). */
export function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}
