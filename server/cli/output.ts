/**
 * How the `smmu` commands print diagnostics: gcc-style text (`file:line:col: severity: message
 * [code]`, 1-based like every compiler, so editors and problem matchers jump to it) and the same
 * diagnostics in `--json`, where each carries its 1-based `line` and `column` and its 0-based LSP
 * `range`; POSITION_BASE says so at the top of every JSON document (docs/vscode.md, "Command line").
 */

interface Positioned {
  readonly range: {
    readonly start: { readonly line: number; readonly character: number };
    readonly end?: { readonly line: number; readonly character: number };
  };
}

export interface Reported extends Positioned {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  readonly section?: string;
  readonly related?: readonly ({ readonly message: string; readonly path?: string } & Positioned)[];
}

/** The bases of the positions in `--json` output: `line`/`column` count from 1, `range` from 0 (LSP). */
export const POSITION_BASE = { line: 1, column: 1, range: 0 } as const;

/** gcc-style: `file:line:col: severity: message [code]` (1-based line and column). */
export function gcc(file: string, d: Reported): string {
  const sev = d.severity === 'info' ? 'note' : d.severity;
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${sev}: ${d.message} [${d.code}]`;
}

function position(p: Positioned) {
  const { start } = p.range;
  const end = p.range.end ?? start;
  return {
    line: start.line + 1,
    column: start.character + 1,
    range: {
      start: { line: start.line, character: start.character },
      end: { line: end.line, character: end.character },
    },
  };
}

/** A diagnostic in `--json`: both positions (see POSITION_BASE), then what it says. */
export function jsonDiagnostic(d: Reported) {
  return {
    ...position(d),
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.section ? { section: d.section } : {}),
    ...(d.related?.length
      ? { related: d.related.map((r) => ({ ...(r.path ? { path: r.path } : {}), ...position(r), message: r.message })) }
      : {}),
  };
}
