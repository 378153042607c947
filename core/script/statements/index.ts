/**
 * The statement registry: every statement of the `.smmu` language, once (types.ts says what a
 * definition holds; each family's module defines its statements). The parser, the resolver, the
 * interpreter, the TextMate grammar, completion, signature help, hovers, the outline and the
 * reference page (docs/script-language.md) all read these definitions, so a statement added here
 * is parsed, resolved, run, coloured, completed and documented.
 *
 * A new engine statement: its verb in `ActionVerb` (ast.ts), then its definition in a family
 * module and in ENGINE_STATEMENTS below; the compiler asks for both.
 */
import type { Engine } from '../../engine/engine';
import type { ActionVerb, Statement } from '../ast';
import type { ResolvedAction } from '../resolved';
import type { Resolver } from '../resolver';
import { ACCESS } from './access';
import { warnConstantArgs } from './args';
import { POLL, EXPECT } from './checks';
import { CMD, DOORBELL } from './commands';
import { CONFIG, CONST, INCLUDE } from './declarations';
import { MEM, MEM_ABORT } from './memory';
import { CD, L1CD, L1STD, STE } from './structures';
import { MAP, TABLES } from './tables';
import { RESET } from './reset';
import { DMA, PRI } from './transactions';
import type { ActionOutcome, EngineDef, ScriptState, StatementDef } from './types';

export type { ActionOutcome, EngineDef, ScriptState, StatementDef } from './types';

/** The engine statements by verb, in the order the reference page lists them. */
export const ENGINE_STATEMENTS: { readonly [V in ActionVerb]: EngineDef<V> } = {
  cmd: CMD,
  doorbell: DOORBELL,
  poll: POLL,
  ste: STE,
  cd: CD,
  l1std: L1STD,
  l1cd: L1CD,
  tables: TABLES,
  map: MAP,
  dma: DMA,
  pri: PRI,
  expect: EXPECT,
  abort: MEM_ABORT,
  reset: RESET,
};

/** Every statement, in the order the reference page lists them. */
export const STATEMENTS: readonly StatementDef[] = [
  CONFIG,
  CONST,
  INCLUDE,
  ACCESS,
  MEM,
  ...Object.values(ENGINE_STATEMENTS),
];

/**
 * Keywords kept for statements of later versions (docs/script-language.md, "Reserved"). They are
 * rejected with a clear message now so a script written for a later version fails loudly.
 */
export const RESERVED_KEYWORDS: readonly string[] = ['wait'];

/** What the parser needs of the registry: which statement a line's first word, or first two, start. */
export interface StatementTable {
  /** The statement each one-word keyword starts (every `readN`/`writeN` is a keyword). */
  readonly byKeyword: ReadonlyMap<string, StatementDef>;
  /** Two-word statements (`mem abort`): by the first word, then the second. */
  readonly phrases: ReadonlyMap<string, ReadonlyMap<string, EngineDef>>;
  /** Every word a statement starts with (a constant cannot be named so). */
  readonly keywords: readonly string[];
  /** The keywords "a line starts with …" names (hint words where a statement has many). */
  readonly hint: string;
}

/** The table the parser reads, made from a list of definitions (tests pass their own). */
export function statementTable(defs: readonly StatementDef[]): StatementTable {
  const byKeyword = new Map<string, StatementDef>();
  const phrases = new Map<string, Map<string, EngineDef>>();
  const hint: string[] = [];
  for (const d of defs) {
    for (const k of d.keywords) {
      const [first, second] = k.split(' ') as [string, string | undefined];
      if (second === undefined) byKeyword.set(first, d);
      else if (d.syntax === 'engine') {
        let m = phrases.get(first);
        if (!m) phrases.set(first, (m = new Map()));
        m.set(second, d);
      } else throw new Error(`statement '${k}': only engine statements have two-word keywords`);
    }
    for (const h of d.hint ?? d.keywords) if (!h.includes(' ')) hint.push(h);
  }
  const keywords = [...new Set([...byKeyword.keys(), ...phrases.keys()])];
  return { byKeyword, phrases, keywords, hint: hint.join(', ') };
}

/** The language's statements as the parser reads them. */
export const STATEMENT_TABLE: StatementTable = statementTable(STATEMENTS);

/** The engine statements' one-word keywords (`cmd`, `dma`, …; not `mem abort`), in registry order. */
export const ACTION_KEYWORDS: readonly ActionVerb[] = Object.values(ENGINE_STATEMENTS)
  .filter((d) => d.keywords.every((k) => !k.includes(' ')))
  .map((d) => d.verb);

/** Every keyword a statement starts with, in registry order. */
export const STATEMENT_KEYWORDS: readonly string[] = STATEMENT_TABLE.keywords;

/**
 * The statement a line's words start: its definition and how many words its keyword is (`mem
 * abort` is two). `words` are the line's first words as written.
 */
export function statementOf(words: readonly (string | undefined)[]): { def: StatementDef; length: 1 | 2 } | undefined {
  const [first, second] = words;
  if (first === undefined) return undefined;
  const phrase = second !== undefined ? STATEMENT_TABLE.phrases.get(first)?.get(second) : undefined;
  if (phrase) return { def: phrase, length: 2 };
  const def = STATEMENT_TABLE.byKeyword.get(first);
  return def ? { def, length: 1 } : undefined;
}

/** Resolve a parsed statement by its definition. */
export function resolveStatementWith(r: Resolver, s: Statement): void {
  switch (s.kind) {
    case 'config':
      return CONFIG.resolve(r, s);
    case 'const':
      return CONST.resolve(r, s);
    case 'include':
      return INCLUDE.resolve(r, s);
    case 'register':
      return ACCESS.resolve(r, s);
    case 'mem':
      return MEM.resolve(r, s);
    case 'action':
      warnConstantArgs(r, ENGINE_STATEMENTS[s.verb], s);
      return ENGINE_STATEMENTS[s.verb].resolve(r, s);
  }
}

/** Run an engine statement by its definition (core/script/interpreter.ts calls this). */
export function runAction(engine: Engine, state: ScriptState, s: ResolvedAction): ActionOutcome {
  return ENGINE_STATEMENTS[s.verb].run(engine, state, s);
}
