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
import { ACCESS_KEYWORDS, ACTION_KEYWORDS } from '../../core/script/parser';
import type { Workspace } from './workspace';

const TYPES = ['keyword', 'variable', 'property', 'enumMember', 'number', 'string', 'comment', 'function', 'event', 'operator'] as const;
const MODIFIERS = ['readonly', 'defaultLibrary'] as const;
type TokenType = (typeof TYPES)[number];

export const SEMANTIC_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

const KEYWORDS = new Set(['config', 'const', 'mem', 'abort', ...ACCESS_KEYWORDS, ...ACTION_KEYWORDS]);
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
    symbols.set(key, r.kind === 'register' ? { t: 'variable', m: LIBRARY } : r.kind === 'field' ? { t: 'property', m: LIBRARY } : r.kind === 'enum' ? { t: 'enumMember', m: LIBRARY } : { t: 'variable', m: READONLY });
  }
  const builder = new SemanticTokensBuilder();
  splitLines(doc.getText()).forEach((text, line) => {
    const tokens = lexLine(text, line);
    const code = tokens.filter((t) => t.kind !== 'comment');
    const verb = code[0]?.kind === 'word' ? code[0].text : undefined;
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
        } else if ((t === code[0] || (verb === 'mem' && t === code[1])) && KEYWORDS.has(t.text)) tt = 'keyword';
        else if (verb === 'cmd' && findCommand(t.text)) tt = 'function';
        else if (findEvent(t.text) && (verb === 'dma' || verb === 'expect')) tt = 'event';
        else if (code[code.indexOf(t) + 1]?.text === '=') tt = 'property';
      }
      if (tt !== undefined) builder.push(line, start, length, type(tt), mods);
    }
  });
  return builder.build();
}
