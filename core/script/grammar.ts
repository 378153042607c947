/**
 * The TextMate grammar of `.smmu` scripts (syntaxes/smmu.tmLanguage.json), built from the register
 * table and the statement registry (core/script/statements/) so names cannot drift: scripts/gen-grammar.mjs writes it and
 * a unit test checks the committed file equals a fresh build. Semantic tokens from the language
 * server refine it later (a constant and a field of the same name, enum names by field); this is
 * the colouring an editor shows before the server answers, and on GitHub.
 */
import { COMMANDS } from '../commands/table';
import { EVENTS } from '../events/table';
import type { RegisterDef } from '../registers/types';
import { CD } from '../structures/cd';
import { L1CD, L1STD } from '../structures/l1';
import { STE } from '../structures/ste';
import { RESERVED_KEYWORDS, STATEMENTS } from './statements';
import { ACCESS_SECURITY_WORDS } from './ast';

const WORD = '[A-Za-z_][A-Za-z0-9_]*';

/** `a|b|c` of names, longest first (then alphabetical) so the output is stable. */
function alternation(names: Iterable<string>): string {
  const unique = new Map<string, string>();
  for (const n of names) unique.set(n.toUpperCase(), n.toUpperCase());
  return [...unique.values()]
    .sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0))
    .map(escape)
    .join('|');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A TextMate grammar as plain JSON data. */
export interface TextMateGrammar {
  readonly [key: string]: unknown;
}

/**
 * The statements' keywords as the grammar colours them: those of the language's own statements
 * (`config`, `read32`, `mem` …) wherever they are, since `mem read32` has two; engine statements'
 * only at the start of a line (`map` and `tables` are also argument names); two-word keywords
 * (`mem abort`) as one keyword, wherever they are, as `mem` is.
 */
function statementKeywords(): { anywhere: string[]; lineStart: string[]; phrases: [string, string][] } {
  const anywhere: string[] = [];
  const lineStart: string[] = [];
  const phrases: [string, string][] = [];
  for (const d of STATEMENTS) {
    for (const k of d.keywords) {
      const words = k.split(' ');
      if (words.length === 2) phrases.push(words as [string, string]);
      else (d.syntax === 'engine' ? lineStart : anywhere).push(k);
    }
  }
  return { anywhere, lineStart, phrases };
}

export function textMateGrammar(registers: readonly RegisterDef[]): TextMateGrammar {
  const keywords = statementKeywords();
  const regs = alternation(registers.flatMap((r) => [r.name, ...(r.aliases ?? [])]));
  const structures = [STE, CD, L1STD, L1CD, ...COMMANDS, ...EVENTS];
  const fields = alternation([
    ...registers.flatMap((r) => r.fields.map((f) => f.name)),
    ...structures.flatMap((d) => d.fields.map((f) => f.name)),
  ]);
  const enums = alternation([
    ...registers.flatMap((r) => r.fields.flatMap((f) => (f.values ?? []).map((v) => v.name))),
    ...structures.flatMap((d) => d.fields.flatMap((f) => (f.values ?? []).map((v) => v.name))),
  ]);
  const commands = alternation(COMMANDS.flatMap((c) => [c.name, c.name.replace(/^CMD_/, '')]));
  const events = alternation(EVENTS.map((e) => e.name));
  const register = `(?i:(?:SMMU_)?(?:${regs}))`;
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'SMMU Script',
    scopeName: 'source.smmu',
    fileTypes: ['smmu'],
    comment: 'Generated from core/registers/table.ts by scripts/gen-grammar.mjs: do not edit by hand.',
    patterns: [
      { include: '#comment' },
      { include: '#string' },
      { include: '#const-definition' },
      { include: '#keyword' },
      { include: '#register' },
      { include: '#command' },
      { include: '#event' },
      { include: '#field' },
      { include: '#enum' },
      { include: '#number' },
      { include: '#operator' },
      { include: '#name' },
    ],
    repository: {
      comment: {
        match: '(#).*$',
        name: 'comment.line.number-sign.smmu',
        captures: { '1': { name: 'punctuation.definition.comment.smmu' } },
      },
      string: {
        // No escapes: a backslash is a backslash (Windows paths), a string ends at the line's end.
        begin: '"',
        end: '"|$',
        name: 'string.quoted.double.smmu',
        beginCaptures: { '0': { name: 'punctuation.definition.string.begin.smmu' } },
        endCaptures: { '0': { name: 'punctuation.definition.string.end.smmu' } },
      },
      keyword: {
        patterns: [
          // Two-word keywords first in the alternation, so `mem abort` is one keyword and not `mem`.
          {
            match: `\\b(?:${[...keywords.phrases.map(([x, y]) => `${escape(x)}\\s+${escape(y)}`), ...keywords.anywhere.map(escape)].join('|')})\\b`,
            name: 'keyword.control.statement.smmu',
          },
          {
            match: `^\\s*(${keywords.lineStart.map(escape).join('|')})\\b`,
            captures: { '1': { name: 'keyword.control.statement.smmu' } },
          },
          {
            match: `^\\s*(${RESERVED_KEYWORDS.join('|')})\\b`,
            captures: { '1': { name: 'keyword.control.reserved.smmu' } },
          },
          // An access's Security state word (§3.10.2): the last word before `==`, `!=` or the end.
          {
            match: `\\b(?:${ACCESS_SECURITY_WORDS.join('|')})\\b(?=\\s*(?:==|!=|#|$))`,
            name: 'keyword.other.security.smmu',
          },
          // `== abort` as the whole expected value: the keyword, not the field GBPA.ABORT.
          {
            match: '(==|!=)\\s*(abort)(?=\\s*(?:#.*)?$)',
            captures: { '1': { name: 'keyword.operator.comparison.smmu' }, '2': { name: 'keyword.other.abort.smmu' } },
          },
        ],
      },
      'const-definition': {
        match: `\\b(const)\\s+(${WORD})`,
        captures: { '1': { name: 'keyword.control.statement.smmu' }, '2': { name: 'variable.other.constant.smmu' } },
      },
      register: {
        patterns: [
          {
            match: `\\b(${register})(\\.)(${WORD})\\b`,
            captures: {
              '1': { name: 'support.variable.register.smmu' },
              '2': { name: 'punctuation.accessor.smmu' },
              '3': { name: 'variable.other.field.smmu' },
            },
          },
          { match: `\\b${register}\\b`, name: 'support.variable.register.smmu' },
        ],
      },
      field: {
        patterns: [
          {
            // `FIELD=value` (not `==`): whatever the name, it is a field here.
            match: `\\b(${WORD})\\s*(=)(?!=)`,
            captures: { '1': { name: 'variable.other.field.smmu' }, '2': { name: 'keyword.operator.assignment.smmu' } },
          },
          { match: `\\b(?i:${fields})\\b`, name: 'variable.other.field.smmu' },
        ],
      },
      enum: { match: `\\b(?i:${enums})\\b`, name: 'constant.language.enum.smmu' },
      command: { match: `\\b(?i:${commands})\\b`, name: 'entity.name.function.command.smmu' },
      event: { match: `\\b(?i:${events})\\b`, name: 'entity.name.type.event.smmu' },
      number: {
        patterns: [
          { match: '\\b0[xX][0-9A-Fa-f]+(?:_+[0-9A-Fa-f]+)*\\b', name: 'constant.numeric.hex.smmu' },
          { match: '\\b0[bB][01]+(?:_+[01]+)*\\b', name: 'constant.numeric.binary.smmu' },
          { match: '\\b[0-9]+(?:_+[0-9]+)*\\b', name: 'constant.numeric.decimal.smmu' },
          { match: '\\b[0-9][A-Za-z0-9_]*\\b', name: 'invalid.illegal.number.smmu' },
        ],
      },
      operator: {
        patterns: [
          { match: '==|!=', name: 'keyword.operator.comparison.smmu' },
          { match: '<<|>>', name: 'keyword.operator.bitwise.shift.smmu' },
          { match: '[|&~]', name: 'keyword.operator.bitwise.smmu' },
          { match: '[-+*/%]', name: 'keyword.operator.arithmetic.smmu' },
          { match: '=', name: 'keyword.operator.assignment.smmu' },
          { match: '\\.', name: 'punctuation.accessor.smmu' },
          { match: '[()]', name: 'meta.brace.round.smmu' },
        ],
      },
      name: { match: `\\b${WORD}\\b`, name: 'variable.other.smmu' },
    },
  };
}

/** The grammar file's exact text (2-space JSON, final newline), as committed. */
export function textMateGrammarText(registers: readonly RegisterDef[]): string {
  return JSON.stringify(textMateGrammar(registers), null, 2) + '\n';
}

/** The TextMate grammar of `.smmuq` queue descriptors (docs/queue-descriptor.md), from the same tables. */
export function queueGrammar(): TextMateGrammar {
  const commands = alternation(COMMANDS.flatMap((c) => [c.name, c.name.replace(/^CMD_/, '')]));
  const events = alternation(EVENTS.map((e) => e.name));
  const fields = alternation([...COMMANDS, ...EVENTS].flatMap((d) => d.fields.map((f) => f.name)));
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'SMMU Queue Descriptor',
    scopeName: 'source.smmuq',
    fileTypes: ['smmuq'],
    comment: 'Generated from the command and event tables by scripts/gen-grammar.mjs: do not edit by hand.',
    patterns: [
      {
        match: '(#).*$',
        name: 'comment.line.number-sign.smmuq',
        captures: { '1': { name: 'punctuation.definition.comment.smmuq' } },
      },
      { begin: '"', end: '"|$', name: 'string.quoted.double.smmuq' },
      {
        match: '^\\s*(queue|config|base|log2size|prod|cons)\\b',
        captures: { '1': { name: 'keyword.control.header.smmuq' } },
      },
      { match: '\\b(?:cmdq|evtq|eventq|priq)\\b', name: 'constant.language.queue.smmuq' },
      {
        match: '^\\s*([0-9][0-9A-Fa-fxX_]*)\\s*(:)',
        captures: { '1': { name: 'entity.name.tag.index.smmuq' }, '2': { name: 'punctuation.separator.smmuq' } },
      },
      { match: `\\b(?i:${commands})\\b`, name: 'entity.name.function.command.smmuq' },
      { match: `\\b(?i:${events})\\b`, name: 'entity.name.type.event.smmuq' },
      {
        match: `\\b(${WORD})\\s*(=)`,
        captures: { '1': { name: 'variable.other.field.smmuq' }, '2': { name: 'keyword.operator.assignment.smmuq' } },
      },
      { match: `\\b(?i:${fields})\\b`, name: 'variable.other.field.smmuq' },
      { match: '\\b0[xX][0-9A-Fa-f]+(?:_+[0-9A-Fa-f]+)*\\b', name: 'constant.numeric.hex.smmuq' },
      { match: '\\b[0-9]+(?:_+[0-9]+)*\\b', name: 'constant.numeric.decimal.smmuq' },
    ],
  };
}

export function queueGrammarText(): string {
  return JSON.stringify(queueGrammar(), null, 2) + '\n';
}
