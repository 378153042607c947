/**
 * Semantic tokens for `.smmu` scripts: what each name is, from the resolver (register, field,
 * enum value, constant) and the tables (commands, events, structure fields in engine statements),
 * refining the TextMate colouring where a name could be several things.
 */
import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensLegend } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findCommand } from '../../core/commands/table';
import { findEvent } from '../../core/events/table';
import { lexLine, splitLines } from '../../core/script/lexer';
import { STATEMENT_TABLE, statementOf, type StatementDef } from '../../core/script/statements';
import { ACCESS_KEYWORDS } from '../../core/script/statements/access';
import type { Workspace } from './workspace';

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

export function semanticTokens(workspace: Workspace, doc: TextDocument): SemanticTokens {
  const check = workspace.scriptCheck(doc);
  // Resolved names by position: line → character → what the resolver said.
  const symbols = new Map<string, { t: TokenType; m: number }>();
  for (const s of check.resolved.symbols) {
    const key = `${s.range.start.line}:${s.range.start.character}`;
    const r = s.resolution;
    symbols.set(
      key,
      r.kind === 'register'
        ? { t: 'variable', m: LIBRARY }
        : r.kind === 'field'
          ? { t: 'property', m: LIBRARY }
          : r.kind === 'enum'
            ? { t: 'enumMember', m: LIBRARY }
            : { t: 'variable', m: READONLY },
    );
  }
  const builder = new SemanticTokensBuilder();
  splitLines(doc.getText()).forEach((text, line) => {
    const tokens = lexLine(text, line);
    const code = tokens.filter((t) => t.kind !== 'comment');
    const verb = code[0]?.kind === 'word' ? code[0].text : undefined;
    const def = statementOf([verb, code[1]?.kind === 'word' ? code[1].text : undefined])?.def;
    const commands = names(def, 'commands');
    const events = names(def, 'events');
    for (const t of tokens) {
      const start = t.range.start.character;
      const length = t.range.end.character - start;
      if (length <= 0) continue;
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
  });
  return builder.build();
}
