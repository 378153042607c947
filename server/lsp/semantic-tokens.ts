/**
 * Semantic tokens for `.smmu` scripts: what each name is, from the resolver (register, field,
 * enum value, constant) and the tables (commands, events, structure fields in engine statements),
 * refining the TextMate colouring where a name could be several things.
 */
import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensLegend } from 'vscode-languageserver/node';
import type { Range, TextDocument } from 'vscode-languageserver-textdocument';
import { findCommand } from '../../core/commands/table';
import { findEvent } from '../../core/events/table';
import { lexLine, splitLines } from '../../core/script/lexer';
import type { SymbolRef } from '../../core/script/resolve';
import { STATEMENT_TABLE, statementOf, type StatementDef } from '../../core/script/statements';
import { ACCESS_KEYWORDS } from '../../core/script/statements/access';
import { headLines, lineCountOf, RESOLVE_AHEAD_MAX_LINES, type Workspace } from './workspace';

const TYPES = [
  'keyword',
  'variable',
  'property',
  'enumMember',
  'number',
  'string',
  'comment',
  'function',
  'event',
  'operator',
] as const;
const MODIFIERS = ['readonly', 'defaultLibrary'] as const;
type TokenType = (typeof TYPES)[number];

export const SEMANTIC_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

/** The words that may follow a statement's first word as keywords: `mem read32`, `mem abort`. */
const SECOND_KEYWORDS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  STATEMENT_TABLE.keywords.map((first) => {
    const words = new Set(STATEMENT_TABLE.phrases.get(first)?.keys() ?? []);
    if (STATEMENT_TABLE.byKeyword.get(first)?.syntax === 'memory') for (const k of ACCESS_KEYWORDS) words.add(k);
    return [first, words];
  }),
);

/** Whether a statement's arguments name commands, or events (coloured as such, from its schema). */
const names = (def: StatementDef | undefined, table: 'commands' | 'events') =>
  def?.syntax === 'engine' &&
  (def.args.positional?.some((p) => p.table === table) || (table === 'events' && def.args.expect?.events === true));
const type = (t: TokenType) => TYPES.indexOf(t);
const READONLY = 1 << MODIFIERS.indexOf('readonly');
const LIBRARY = 1 << MODIFIERS.indexOf('defaultLibrary');

type Symbols = ReadonlyMap<string, { readonly t: TokenType; readonly m: number }>;

/** Resolved names by position (`line:character`) → how they are coloured, for lines `from`…`to`. */
function symbolMap(symbols: readonly SymbolRef[], from = 0, to = Infinity): Symbols {
  const out = new Map<string, { t: TokenType; m: number }>();
  for (const s of symbols) {
    const line = s.range.start.line;
    if (line < from || line > to) continue;
    const r = s.resolution;
    out.set(
      `${line}:${s.range.start.character}`,
      r.kind === 'register'
        ? { t: 'variable', m: LIBRARY }
        : r.kind === 'field'
          ? { t: 'property', m: LIBRARY }
          : r.kind === 'enum'
            ? { t: 'enumMember', m: LIBRARY }
            : { t: 'variable', m: READONLY },
    );
  }
  return out;
}

/**
 * The tokens of line `line` (its text `text`) whose characters overlap [`from`, `to`), coloured by
 * what the resolver said of their names, else by the statement tables.
 */
function pushLine(
  builder: SemanticTokensBuilder,
  symbols: Symbols,
  text: string,
  line: number,
  from = 0,
  to = Infinity,
) {
  const tokens = lexLine(text, line);
  const code = tokens.filter((t) => t.kind !== 'comment');
  const verb = code[0]?.kind === 'word' ? code[0].text : undefined;
  const def = statementOf([verb, code[1]?.kind === 'word' ? code[1].text : undefined])?.def;
  const commands = names(def, 'commands');
  const events = names(def, 'events');
  for (const t of tokens) {
    const start = t.range.start.character;
    const length = t.range.end.character - start;
    if (length <= 0 || t.range.end.character <= from || start >= to) continue;
    let tt: TokenType | undefined;
    let mods = 0;
    if (t.kind === 'comment') tt = 'comment';
    else if (t.kind === 'string') tt = 'string';
    else if (t.kind === 'number') tt = 'number';
    else if (t.kind === 'punct') tt = t.text === '=' || t.text === '.' ? undefined : 'operator';
    else if (t.kind === 'word') {
      const sym = symbols.get(`${line}:${start}`);
      if (sym) {
        tt = sym.t;
        mods = sym.m;
      } else if (
        (t === code[0] && STATEMENT_TABLE.byKeyword.has(t.text)) ||
        (t === code[1] && SECOND_KEYWORDS.get(verb ?? '')?.has(t.text) === true)
      )
        tt = 'keyword';
      else if (
        t.text === 'abort' &&
        t === code[code.length - 1] &&
        (code[code.length - 2]?.text === '==' || code[code.length - 2]?.text === '!=') &&
        def?.syntax === 'register'
      )
        tt = 'keyword';
      else if (commands && findCommand(t.text)) tt = 'function';
      else if (events && findEvent(t.text)) tt = 'event';
      else if (code[code.indexOf(t) + 1]?.text === '=') tt = 'property';
    }
    if (tt !== undefined) builder.push(line, start, length, type(tt), mods);
  }
}

export function semanticTokens(workspace: Workspace, doc: TextDocument): SemanticTokens {
  const symbols = symbolMap(workspace.scriptCheck(doc).resolved.symbols);
  const builder = new SemanticTokensBuilder();
  splitLines(doc.getText()).forEach((text, line) => pushLine(builder, symbols, text, line));
  return builder.build();
}

/**
 * The tokens that overlap `range`, as the full request gives them. VS Code asks for the lines it
 * shows (its viewport contribution) until it has the full tokens, so these are what colours a
 * script first. They come from the kept tree when there is one; while a script's first check
 * runs there is none (the check is streamed, open-checks.ts), and the names on the range's lines
 * are resolved from the lines above them instead (resolveUpTo), a cost that grows with the
 * range's last line, not with the script. Undefined when neither serves (no tree, and the range
 * ends too far down): with `parse`, the tree is parsed then.
 */
export function semanticTokensRange(
  workspace: Workspace,
  doc: TextDocument,
  range: Range,
  parse = false,
): SemanticTokens | undefined {
  const first = Math.max(0, range.start.line);
  const builder = new SemanticTokensBuilder();
  // A script too large to parse has no resolved names (the full request sees an empty script).
  const tooLarge = workspace.isTooLarge(doc);
  const kept = tooLarge
    ? undefined
    : (workspace.keptScriptCheck(doc) ?? (parse ? workspace.scriptCheck(doc) : undefined));
  if (tooLarge || kept) {
    const last = Math.min(range.end.line, doc.lineCount - 1);
    if (last < first) return builder.build();
    const symbols = symbolMap(kept?.resolved.symbols ?? [], first, last);
    const lineText = (line: number) =>
      doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$|\r$/, '');
    return pushRange(builder, symbols, first, last, range, lineText);
  }
  // No tree: the script's first check runs. The range's lines come from the head of the text, not
  // from the document's line offsets, which `lineCount` and `getText(range)` would build for the
  // whole script in the middle of that check (headText). Bounded: resolveUpTo answers nothing at
  // RESOLVE_AHEAD_MAX_LINES or below.
  const head = headLines(doc, Math.min(range.end.line, RESOLVE_AHEAD_MAX_LINES));
  if (range.end.line >= RESOLVE_AHEAD_MAX_LINES && head.length > RESOLVE_AHEAD_MAX_LINES)
    // As far down as this, the lines are not resolved on their own: after the check (nothing for
    // a range past the end).
    return first > lineCountOf(doc) - 1 ? builder.build() : undefined;
  const last = Math.min(range.end.line, head.length - 1);
  if (last < first) return builder.build();
  const resolved = workspace.resolveUpTo(doc, last)?.symbols;
  if (!resolved) return undefined;
  return pushRange(builder, symbolMap(resolved, first, last), first, last, range, (line) => head[line] as string);
}

/** The tokens of lines `first` to `last`, cut to `range` on its first and last line. */
function pushRange(
  builder: SemanticTokensBuilder,
  symbols: ReturnType<typeof symbolMap>,
  first: number,
  last: number,
  range: Range,
  lineText: (line: number) => string,
): SemanticTokens {
  for (let line = first; line <= last; line++)
    pushLine(
      builder,
      symbols,
      lineText(line),
      line,
      line === first ? range.start.character : 0,
      line === range.end.line ? range.end.character : Infinity,
    );
  return builder.build();
}
