/**
 * Statement definitions as people read them: Markdown for hovers and completion, the signature that
 * signature help shows, and the reference page's tables (docs/script-language.md).
 */
import { usagePieces, formUsages } from './args';
import type { EngineDef, NamedArg, StatementDef } from './types';

/** A statement's forms as Markdown: each usage in code, then what it does. */
export function statementMarkdown(def: StatementDef): string {
  return def.forms
    .map((f, i) => {
      const usages = formUsages(def)[i] ?? [];
      return `${usages.map((u) => `\`${u}\``).join(', ')} — ${f.doc}`;
    })
    .join('\n\n');
}

/** A named argument as Markdown (`sid=N` and what it is). */
export function namedArgMarkdown(def: EngineDef, a: NamedArg): string {
  const spelled = a.kind === 'value' ? `${a.name}=${a.placeholder ?? 'N'}` : a.name;
  const aliases = a.aliases?.length ? ` (also ${a.aliases.map((x) => `\`${x}\``).join(', ')})` : '';
  return `\`${spelled}\`${aliases}${a.required ? '' : ', optional'} — ${a.doc}\n\n---\n\n${statementMarkdown(def)}`;
}

/** One parameter of a signature: where it is in the label, and what it is. */
export interface SignatureParameter {
  readonly start: number;
  readonly end: number;
  readonly doc: string;
  /** The named argument it is, for finding the one being typed. */
  readonly named?: NamedArg;
  /** The positional argument it is (its index). */
  readonly positional?: number;
  readonly expect?: true;
}

/**
 * An engine statement's signature: its usage, and the place and meaning of each argument in it;
 * `form` is its first argument as written, when it picks a form (usagePieces).
 */
export function statementSignature(def: EngineDef, form?: string): { label: string; parameters: SignatureParameter[] } {
  let label = '';
  const parameters: SignatureParameter[] = [];
  for (const p of usagePieces(def, form)) {
    if (label) label += ' ';
    const start = label.length + (p.optional ? 1 : 0);
    label += p.optional ? `[${p.text}]` : p.text;
    if (p.kind === 'keyword') continue;
    const end = start + p.text.length;
    if (p.kind === 'named') parameters.push({ start, end, doc: p.arg.doc, named: p.arg });
    else if (p.kind === 'positional') parameters.push({ start, end, doc: p.arg.doc, positional: p.index });
    else if (p.kind === 'expect') parameters.push({ start, end, doc: p.arg.doc, expect: true });
  }
  return { label, parameters };
}

/** Escape a table cell: `|` would end it. */
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The reference page's table of these statements: one row per form. */
export function statementsMarkdownTable(defs: readonly StatementDef[]): string {
  const rows = defs.flatMap((d) =>
    d.forms.map((f, i) => `| ${(formUsages(d)[i] ?? []).map((u) => `\`${cell(u)}\``).join(', ')} | ${cell(f.doc)} |`),
  );
  return ['| Statement | Meaning |', '|---|---|', ...rows].join('\n');
}
