/**
 * Text that arrives in pieces (a file read in chunks, a pipe) cut into lines as LSP and the
 * whole-file parsers count them (`splitLines`: `\n`, `\r\n` or a lone `\r`), whatever the pieces'
 * boundaries: a `\r` at the end of one piece and a `\n` at the start of the next end one line.
 */
export class LineSplitter {
  private rest = '';
  /** The previous piece ended with `\r`: a `\n` starting this one belongs to that line break. */
  private afterCr = false;

  constructor(private readonly line: (text: string) => void) {}

  push(piece: string): void {
    let from = 0;
    if (this.afterCr && piece.charCodeAt(0) === 10) from = 1;
    this.afterCr = false;
    const n = piece.length;
    // The next \r, found again only once passed (a lone \r far ahead is not searched for per line).
    let cr = piece.indexOf('\r', from);
    while (from < n) {
      let at = piece.indexOf('\n', from);
      if (cr >= 0 && cr < from) cr = piece.indexOf('\r', from);
      if (cr >= 0 && (at < 0 || cr < at)) at = cr;
      if (at < 0) break;
      const text = piece.slice(from, at);
      this.line(this.rest ? this.rest + text : text);
      this.rest = '';
      if (piece.charCodeAt(at) === 13) {
        if (at + 1 === n) this.afterCr = true;
        else if (piece.charCodeAt(at + 1) === 10) at++;
      }
      from = at + 1;
    }
    if (from < n) this.rest += piece.slice(from);
  }

  /** The input ended: its last line (empty after a final line break, as `splitLines` gives it). */
  end(): void {
    this.line(this.rest);
    this.rest = '';
  }
}
