/**
 * What every answer to any input must satisfy (issue 14): positions inside the text, as LSP
 * counts lines (\n, \r\n, lone \r) and characters (UTF-16 code units); no internal error; no
 * stack trace. Shared by the in-process properties and the CLI, LSP and DAP ones.
 */
import assert from 'node:assert/strict';
import { splitLines } from '../../core/script/lexer';

interface Pos {
  readonly line: number;
  readonly character: number;
}
interface Rng {
  readonly start: Pos;
  readonly end: Pos;
}

/** Length of each line of `text`, as an editor counts them. */
export function lineLengths(text: string): number[] {
  return splitLines(text).map((l) => l.length);
}

export function assertPositionInside(lengths: readonly number[], p: Pos, what: string): void {
  assert.ok(
    Number.isInteger(p.line) && p.line >= 0 && p.line < lengths.length,
    `${what}: line ${p.line} outside the text's ${lengths.length} lines`,
  );
  const len = lengths[p.line] as number;
  assert.ok(
    Number.isInteger(p.character) && p.character >= 0 && p.character <= len,
    `${what}: character ${p.character} outside line ${p.line} (${len} long)`,
  );
}

/** Both ends inside the text, and the start not after the end. */
export function assertRangeInside(lengths: readonly number[], r: Rng, what: string): void {
  assertPositionInside(lengths, r.start, what);
  assertPositionInside(lengths, r.end, what);
  assert.ok(
    r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character),
    `${what}: range ${JSON.stringify(r)} is reversed`,
  );
}

/** What a bug in the tool looks like in a message or an output, whatever its cause. */
export const INTERNAL =
  /internal error|FATAL ERROR|heap out of memory|Maximum call stack|Cannot (?:convert|read|mix)|is not a function|undefined \(reading|^\s+at .+:\d+:\d+\)?$|node:internal/m;

export function assertNoInternal(text: string, what: string): void {
  const m = INTERNAL.exec(text);
  assert.ok(
    !m,
    `${what}: ${JSON.stringify(m?.[0])} in ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 200), (m?.index ?? 0) + 300))}`,
  );
}

interface Diag {
  readonly code?: unknown;
  readonly message: unknown;
  readonly range: Rng;
  readonly related?: readonly { readonly range: Rng; readonly path?: string }[];
}

/** Diagnostics of `text`: each inside it (related places in the same file too), none internal. */
export function assertDiagnostics(text: string, diagnostics: readonly Diag[], what: string): void {
  const lengths = lineLengths(text);
  for (const d of diagnostics) {
    const m = typeof d.message === 'string' ? d.message : JSON.stringify(d.message);
    assertRangeInside(lengths, d.range, `${what}: diagnostic ${JSON.stringify(m.slice(0, 200))}`);
    for (const r of d.related ?? [])
      if (r.path === undefined)
        assertRangeInside(lengths, r.range, `${what}: related information of ${JSON.stringify(m.slice(0, 200))}`);
    assert.ok(d.code !== 'internal' && d.code !== 'config.internal', `${what}: internal error ${m}`);
    assertNoInternal(m, `${what}: diagnostic`);
  }
}
