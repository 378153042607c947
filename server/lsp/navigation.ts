/**
 * Navigation in `.smmu` scripts: go to definition and find references for constants, rename of
 * a constant (the only user-defined names), the outline (document symbols: the configuration,
 * constants, the engine statements whose definition lists them, and `# ---` section comments with
 * what follows them) and folding of sections and comment blocks.
 */
import {
  DocumentSymbol,
  FoldingRange,
  FoldingRangeKind,
  SymbolKind,
  type Location,
  type Position,
  type Range,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SymbolRef } from '../../core/script/resolve';
import { firstFromLine, rangeContains as contains, startLine } from '../../core/base/diagnostics';
import { splitLines } from '../../core/script/lexer';
import { ENGINE_STATEMENTS } from '../../core/script/statements';
import type { Workspace } from './workspace';
import { pathToUri, uriToPath } from './uri';

function constAt(
  workspace: Workspace,
  doc: TextDocument,
  pos: Position,
): (SymbolRef & { resolution: { kind: 'const' } }) | undefined {
  const symbols = workspace.scriptCheck(doc).resolved.symbols;
  let sym: SymbolRef | undefined;
  for (let i = firstFromLine(symbols, pos.line, (s) => startLine(s.range)); i < symbols.length && !sym; i++) {
    const s = symbols[i] as SymbolRef;
    if (startLine(s.range) !== pos.line) break;
    if (contains(s.range, pos)) sym = s;
  }
  return sym && sym.resolution.kind === 'const' ? (sym as SymbolRef & { resolution: { kind: 'const' } }) : undefined;
}

function sameConst(a: SymbolRef, definition: Range): boolean {
  if (a.resolution.kind !== 'const') return false;
  const d = a.resolution.definition;
  return d.start.line === definition.start.line && d.start.character === definition.start.character;
}

export function definition(workspace: Workspace, doc: TextDocument, pos: Position): Location | null {
  const check = workspace.scriptCheck(doc);
  // On the file name of `include` or `config`: that file.
  for (const p of check.resolved.parsed.statements) {
    if ((p.kind === 'include' || p.kind === 'config') && contains(p.path.range, pos)) {
      const file = workspace.host.resolvePath(uriToPath(doc.uri), p.path.value);
      return { uri: pathToUri(file), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    }
  }
  const c = constAt(workspace, doc, pos);
  if (!c || c.resolution.kind !== 'const') return null;
  // A constant an included file defines is in that file.
  return {
    uri: c.resolution.definitionPath ? pathToUri(c.resolution.definitionPath) : doc.uri,
    range: c.resolution.definition,
  };
}

export function references(
  workspace: Workspace,
  doc: TextDocument,
  pos: Position,
  includeDeclaration: boolean,
): Location[] {
  const c = constAt(workspace, doc, pos);
  if (!c || c.resolution.kind !== 'const') return [];
  const def = c.resolution.definition;
  return workspace
    .scriptCheck(doc)
    .resolved.symbols.filter((s) => sameConst(s, def))
    .filter(
      (s) =>
        includeDeclaration ||
        !(s.range.start.line === def.start.line && s.range.start.character === def.start.character),
    )
    .map((s) => ({ uri: doc.uri, range: s.range }));
}

/** Rename a constant everywhere it is used; names must stay valid identifiers. */
export function rename(workspace: Workspace, doc: TextDocument, pos: Position, newName: string): WorkspaceEdit | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) return null;
  const refs = references(workspace, doc, pos, true);
  if (!refs.length) return null;
  return { changes: { [doc.uri]: refs.map((r) => ({ range: r.range, newText: newName })) } };
}

/** Whitespace as `\s` matches it in a regular expression. */
const isSpace = (c: string) => /\s/.test(c);

/**
 * The title of a section comment (`# --- Bring-up ---`: `#`, three dashes or more, the title,
 * then any dashes), '' for one without a title, undefined for any other line. Read by hand, not
 * with a regular expression: `/^\s*#\s*---+\s*(.*?)\s*-*\s*$/` backtracked for ever on a
 * section line with a long run of blanks inside it (20,000 form feeds: the fuzzer's find), and
 * the outline and folding requests never came back.
 */
export function sectionTitle(line: string): string | undefined {
  const n = line.length;
  let i = 0;
  while (i < n && isSpace(line[i] as string)) i++;
  if (line[i] !== '#') return undefined;
  i++;
  while (i < n && isSpace(line[i] as string)) i++;
  const dashes = i;
  while (i < n && line[i] === '-') i++;
  if (i - dashes < 3) return undefined;
  while (i < n && isSpace(line[i] as string)) i++;
  // From the end: blanks, dashes, blanks, as the expression's `\s*-*\s*$` took them.
  let end = n;
  while (end > i && isSpace(line[end - 1] as string)) end--;
  while (end > i && line[end - 1] === '-') end--;
  while (end > i && isSpace(line[end - 1] as string)) end--;
  return line.slice(i, end);
}

/**
 * A line without its comment and the blanks around: cut at the first `#` by hand (the expression
 * `/\s*#.*$/` took time quadratic in a run of blanks without a `#` after it).
 */
function withoutComment(text: string): string {
  const hash = text.indexOf('#');
  return (hash < 0 ? text : text.slice(0, hash)).trim();
}

export function documentSymbols(workspace: Workspace, doc: TextDocument): DocumentSymbol[] {
  const check = workspace.scriptCheck(doc);
  const lines = splitLines(doc.getText());
  const top: DocumentSymbol[] = [];
  let section: DocumentSymbol | undefined;
  const lineRange = (l: number): Range => ({
    start: { line: l, character: 0 },
    end: { line: l, character: (lines[l] ?? '').length },
  });
  const parsedByLine = new Map(check.resolved.parsed.statements.map((s) => [s.range.start.line, s]));
  lines.forEach((text, l) => {
    const title = sectionTitle(text);
    if (title !== undefined) {
      section = DocumentSymbol.create(
        title || 'section',
        undefined,
        SymbolKind.Namespace,
        lineRange(l),
        lineRange(l),
        [],
      );
      top.push(section);
      return;
    }
    const s = parsedByLine.get(l);
    if (!s) return;
    let sym: DocumentSymbol | undefined;
    if (s.kind === 'config')
      sym = DocumentSymbol.create(`config ${s.path.value}`, undefined, SymbolKind.File, s.range, s.path.range);
    else if (s.kind === 'const')
      sym = DocumentSymbol.create(s.name.name, 'const', SymbolKind.Constant, s.range, s.name.range);
    else if (s.kind === 'action') {
      // The statements whose definition puts them in the outline (commands, structures, DMA).
      const outline = ENGINE_STATEMENTS[s.verb].outline;
      if (outline)
        sym = DocumentSymbol.create(
          withoutComment(text),
          undefined,
          outline === 'event' ? SymbolKind.Event : SymbolKind.Function,
          s.range,
          s.keyword,
        );
    }
    if (!sym) return;
    if (section) {
      section.children?.push(sym);
      section.range = { start: section.range.start, end: s.range.end };
    } else top.push(sym);
  });
  return top;
}

export function foldingRanges(doc: TextDocument): FoldingRange[] {
  const lines = splitLines(doc.getText());
  const out: FoldingRange[] = [];
  let sectionStart = -1;
  let lastCode = -1;
  let commentStart = -1;
  lines.forEach((text, l) => {
    const isComment = /^\s*#/.test(text);
    if (sectionTitle(text) !== undefined) {
      if (sectionStart >= 0 && lastCode > sectionStart) out.push(FoldingRange.create(sectionStart, lastCode));
      sectionStart = l;
    }
    if (isComment && commentStart < 0) commentStart = l;
    if (!isComment) {
      if (commentStart >= 0 && l - 1 > commentStart)
        out.push(FoldingRange.create(commentStart, l - 1, undefined, undefined, FoldingRangeKind.Comment));
      commentStart = -1;
    }
    if (text.trim() && !isComment) lastCode = l;
  });
  if (sectionStart >= 0 && lastCode > sectionStart) out.push(FoldingRange.create(sectionStart, lastCode));
  return out;
}
