/**
 * Formatting of `.smmu` scripts that never changes meaning: it only moves spaces and spells hex
 * digits canonically. Access keywords are padded so operands line up (`read32  CR0ACK`,
 * `write32 CR0`), indentation is removed, runs of spaces between tokens become one, trailing
 * comments of consecutive lines line up two spaces after the longest code, and hex literals get upper-case digits (`0xd` → `0xD`). A
 * line with a syntax error is left exactly as it is.
 */
import type { Token } from './ast';
import { lexLine, splitLines } from './lexer';
import { parseScript } from './parser';

export interface LineEdit {
  /** 0-based line; the whole line's text is replaced. */
  readonly line: number;
  readonly newText: string;
}

/** Tokens that attach to their neighbours: no space is added around them. */
const TIGHT = new Set(['.', '=', '(', ')', ':']);

function spell(t: Token): string {
  if (t.kind === 'number' && /^0[xX]/.test(t.text)) return '0x' + t.text.slice(2).toUpperCase();
  return t.text;
}

/** The formatted code of a line and its trailing comment, apart (comments are aligned per block). */
function formatLine(text: string, line: number): { code: string; comment?: string } {
  const tokens = lexLine(text, line);
  if (!tokens.length) return { code: '' };
  const code = tokens.filter((t) => t.kind !== 'comment');
  const comment = tokens.find((t) => t.kind === 'comment');
  let out = '';
  code.forEach((t, i) => {
    const prev = code[i - 1];
    if (i > 0 && prev) {
      // Keep `NAME=value`, `REG.FIELD`, `(x)`, `+4` and `N:` as written, without spaces; elsewhere one space.
      const touching = prev.range.end.character === t.range.start.character;
      const tight = TIGHT.has(t.text) || TIGHT.has(prev.text);
      out +=
        tight && touching
          ? ''
          : i === 1 && /^(read|write)(8|16|32|64)$/.test(prev.text)
            ? ' '.repeat(Math.max(1, 8 - prev.text.length))
            : ' ';
    }
    out += spell(t);
  });
  return comment ? { code: out, comment: comment.text.trimEnd() } : { code: out };
}

/** Edits for the lines whose formatting changes (no edit: the script is already formatted). */
export function formatScript(text: string): LineEdit[] {
  const parsed = parseScript(text);
  const badLines = new Set(parsed.diagnostics.map((d) => d.range.start.line));
  const lines = splitLines(text);
  const formatted = lines.map((l, i) => (badLines.has(i) ? undefined : formatLine(l, i)));
  // Trailing comments of consecutive lines with code line up, two spaces after the longest code.
  const columns = new Array<number>(lines.length).fill(0);
  for (let i = 0; i < lines.length;) {
    const f = formatted[i];
    if (!f || !f.code || f.comment === undefined) {
      i++;
      continue;
    }
    let j = i;
    let width = 0;
    while (j < lines.length && formatted[j]?.code && formatted[j]?.comment !== undefined) {
      width = Math.max(width, (formatted[j] as { code: string }).code.length);
      j++;
    }
    for (let k = i; k < j; k++) columns[k] = width + 2;
    i = j;
  }
  const edits: LineEdit[] = [];
  lines.forEach((lineText, line) => {
    const f = formatted[line];
    if (!f) return;
    const newText =
      f.comment === undefined ? f.code : f.code ? f.code.padEnd(columns[line] as number) + f.comment : f.comment;
    if (newText !== lineText) edits.push({ line, newText });
  });
  return edits;
}
