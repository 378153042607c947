/**
 * The parts of docs/script-language.md generated from the statement registry (the rest of the
 * page is written by hand): the table of the language's statements, the grammar, and the table of
 * the engine statements. Each part sits between two markers; scripts/gen-docs.mjs fills them in
 * and a unit test checks the committed page is current.
 */
import { STATEMENTS } from '../script/statements';
import { statementsMarkdownTable } from '../script/statements/describe';
import type { StatementDef } from '../script/statements/types';

/** A generated part of a hand-written page. */
export interface GeneratedRegion {
  readonly name: string;
  readonly text: string;
}

const begin = (name: string) => `<!-- generated: ${name} (scripts/gen-docs.mjs from core/script/statements/; do not edit by hand) -->`;
const end = (name: string) => `<!-- end generated: ${name} -->`;

const quoted = (words: readonly string[]) => words.map((w) => `"${w}"`).join(' | ');

/** The expression grammar: the parser's, not any statement's. */
const EXPRESSIONS = [
  'target      = ( NAME [ "+" NUMBER ] | NUMBER | "(" value ")" ) [ "." NAME ] ;   (* ".NAME" in reads only *)',
  'address     = NAME [ "+" NUMBER ] | NUMBER | "(" value ")" ;',
  'value       = and { "|" and } ;',
  'and         = shift { "&" shift } ;',
  'shift       = sum { ( "<<" | ">>" ) sum } ;',
  'sum         = product { ( "+" | "-" ) product } ;',
  'product     = unary { ( "*" | "/" | "%" ) unary } ;',
  'unary       = "~" unary | primary ;',
  'primary     = NUMBER | NAME [ "=" shift ] | "(" value ")" ;',
  'NAME        = /[A-Za-z_][A-Za-z0-9_]*/ ;',
  'NUMBER      = /0[xX][0-9A-Fa-f]+(_+[0-9A-Fa-f]+)*|0[bB][01]+(_+[01]+)*|[0-9]+(_+[0-9]+)*/ ;',
  'STRING      = /"[^"]*"/ ;            (* no escapes: a backslash is a backslash *)',
  'comment     = /#.*/ ;',
];

/** The grammar of a line, each statement's alternative from its syntax. */
export function grammarText(defs: readonly StatementDef[] = STATEMENTS): string {
  const alternatives: string[] = [];
  /** Engine statements without an expectation, and those whose outcome `==` may compare. */
  const actions: string[] = [];
  const compared: string[] = [];
  let read: string[] = [];
  let write: string[] = [];
  const compare = '( "==" | "!=" )';
  for (const d of defs) {
    const kw = (d.keywords[0] as string).split(' ').map((w) => `"${w}"`).join(' ');
    switch (d.syntax) {
      case 'config':
      case 'include':
        alternatives.push(`${kw} STRING`);
        break;
      case 'const':
        alternatives.push(`${kw} NAME "=" value`);
        break;
      case 'register':
        read = d.keywords.filter((k) => k.startsWith('read'));
        write = d.keywords.filter((k) => k.startsWith('write'));
        alternatives.push(`READ target [ ${compare} ( value | "abort" ) ]`, `WRITE target value [ ${compare} "abort" ]`);
        break;
      case 'memory':
        alternatives.push(`${kw} READ address [ ${compare} value ]`, `${kw} WRITE address value`);
        break;
      case 'engine':
        if (d.operand === 'register') alternatives.push(`${kw} target ${compare} value { value }`);
        else if (d.expectation === 'none' && (d.keywords.some((k) => k.includes(' ')) || !(d.args.positional?.length || d.args.named?.length || d.args.fields))) {
          // A two-word statement (`mem abort`) or one without arguments (`reset`): its own alternative.
          const takes = d.args.positional?.length || d.args.named?.length || d.args.fields ? ' { value }' : '';
          alternatives.push(`${kw}${' value'.repeat(d.args.positional?.length ?? 0) || takes}`);
        } else if (d.expectation === 'none') {
          if (!actions.length) alternatives.push('ACTION { value }');
          actions.push(...d.keywords);
        } else {
          if (!compared.length) alternatives.push(`COMPARED { value } [ ${compare} value { value } ]`);
          compared.push(...d.keywords);
        }
        break;
    }
  }
  const statement = alternatives.map((a, i) => `${i === 0 ? 'statement   = ' : '            | '}${a}${i === alternatives.length - 1 ? ' ;' : ''}`);
  return [
    '```',
    'line        = [ statement ] [ comment ] ;',
    ...statement,
    `ACTION      = ${quoted(actions)} ;`,
    `COMPARED    = ${quoted(compared)} ;`,
    `READ        = ${quoted(read)} ;`,
    `WRITE       = ${quoted(write)} ;`,
    ...EXPRESSIONS,
    '```',
  ].join('\n');
}

/** The generated parts of docs/script-language.md. */
export function scriptLanguageRegions(): GeneratedRegion[] {
  return [
    { name: 'statements', text: statementsMarkdownTable(STATEMENTS.filter((d) => d.section === 'language')) },
    { name: 'grammar', text: grammarText() },
    { name: 'engine statements', text: statementsMarkdownTable(STATEMENTS.filter((d) => d.section === 'engine')) },
  ];
}

/**
 * `page` with each region's text between its markers, or a message saying which markers are
 * missing (a region is never added to a page that lacks its markers).
 */
export function fillRegions(page: string, regions: readonly GeneratedRegion[]): string | { error: string } {
  let out = page;
  for (const r of regions) {
    const b = out.indexOf(begin(r.name));
    const e = out.indexOf(end(r.name));
    if (b < 0 || e < b) return { error: `the markers of the generated part '${r.name}' are missing: ${begin(r.name)} … ${end(r.name)}` };
    // Blank lines around the text: a Markdown table or fence must not touch the HTML comments.
    out = `${out.slice(0, b)}${begin(r.name)}\n\n${r.text}\n\n${out.slice(e)}`;
  }
  return out;
}

/** Hand-written pages with generated parts, by path relative to the repository. */
export function generatedRegions(): { readonly path: string; readonly regions: readonly GeneratedRegion[] }[] {
  return [{ path: 'docs/script-language.md', regions: scriptLanguageRegions() }];
}
