/**
 * Semantic resolution of a parsed `.smmu` script against the register table, without running
 * anything: names become registers, fields, enum values and constants; value expressions become
 * numbers; every access gets its offset and size. The result is what the interpreter executes and
 * what hovers and semantic tokens read (`symbols`). Never throws.
 *
 * Each statement resolves by its definition (core/script/statements/); the machinery they share
 * (values, names, register operands) is core/script/resolver.ts, and what resolution produces is
 * core/script/resolved.ts. Rules are in docs/script-language.md; each diagnostic has a stable
 * code listed there.
 */
import type { ParsedScript, Range, Statement } from './ast';
import type { ScriptDiagnostic } from '../base/diagnostics';
import { parseLine, parseScript } from './parser';
import { Resolver } from './resolver';
import type { Constant, IncludeHost, ResolvedScript, ResolvedStatement, SymbolRef } from './resolved';
import { resolveStatementWith } from './statements';
import { rebasable, rebase } from './rebase';

export { MAX_INCLUDE_DEPTH } from './resolved';
export type {
  AbortExpectation,
  ActionArg,
  Constant,
  IncludeHost,
  MemoryAccess,
  RegisterAccess,
  Resolution,
  ResolvedAction,
  ResolvedExpectation,
  ResolvedInclude,
  ResolvedScript,
  ResolvedStatement,
  SymbolRef,
} from './resolved';

/**
 * What resolving the statements of one document gave, kept between resolutions of its versions
 * (the editor's edits). An access, memory or engine statement resolves the same way as long as it
 * is the same parsed object (the incremental parser keeps unchanged lines' objects) and the
 * constants it can see are the same: the same `const` statements, and no `include` (an included
 * file can change without this document changing). Anything else resolves afresh.
 */
export class ResolveCache {
  private env: readonly Statement[] = [];
  private entries = new WeakMap<
    Statement,
    {
      readonly statements: readonly ResolvedStatement[];
      readonly symbols: readonly SymbolRef[];
      readonly diagnostics: readonly ScriptDiagnostic[];
    }
  >();
  /** Statements answered from the cache by the last resolution (tests). */
  hits = 0;

  /** Whether entries can be used for `statements`; drops them when the environment changed. */
  begin(statements: readonly Statement[]): boolean {
    const env = statements.filter((s) => s.kind === 'const' || s.kind === 'include');
    this.hits = 0;
    if (env.some((s) => s.kind === 'include')) {
      this.env = [];
      this.entries = new WeakMap();
      return false;
    }
    if (env.length !== this.env.length || env.some((s, i) => s !== this.env[i])) this.entries = new WeakMap();
    this.env = env;
    return true;
  }

  get(s: Statement) {
    return this.entries.get(s);
  }

  set(
    s: Statement,
    e: {
      statements: readonly ResolvedStatement[];
      symbols: readonly SymbolRef[];
      diagnostics: readonly ScriptDiagnostic[];
    },
  ): void {
    this.entries.set(s, e);
  }
}

const NONE: readonly ScriptDiagnostic[] = [];
const NO_SYMBOLS: readonly SymbolRef[] = [];

function resolveStatement(r: Resolver, s: Statement): void {
  try {
    resolveStatementWith(r, s);
  } catch (e) {
    // A bug must not take the editor down: report it on the statement instead of throwing.
    r.report('error', 'internal', `internal error while resolving this statement: ${String(e)}`, s.range);
  }
  r.previous = s;
}

/** Distinct lines StatementResolver remembers: a script's repeated lines are few (a driver's idioms). */
const MEMO_LINES = 1024;

/**
 * Resolution one statement at a time, as resolveScript does it, for a check that parses, resolves
 * and runs a script in one pass without keeping its syntax tree (check.ts, checkScriptStreamed).
 * `take` hands over what the statements added since the last call produced. Symbols (which only
 * hovers, navigation and semantic tokens read) are kept only when asked for.
 */
export class StatementResolver {
  private readonly r: Resolver;

  constructor(includes?: IncludeHost, keepSymbols = false) {
    this.r = new Resolver(includes);
    this.r.keepSymbols = keepSymbols;
  }

  /** The names resolved so far, in the order the statements named them (with `keepSymbols`). */
  get symbols(): readonly SymbolRef[] {
    return this.r.symbols;
  }

  add(s: Statement): void {
    resolveStatement(this.r, s);
  }

  /**
   * Lines resolved in the current environment, by their text: an identical line resolves the same
   * way as long as no `const`, `include`, `config` or `reset` came between (rebase.ts). Only lines
   * that resolved to one statement with no diagnostic are kept.
   */
  private readonly memo = new Map<
    string,
    { readonly parsed: Statement; readonly resolved: ResolvedStatement; readonly sawAccess: boolean }
  >();

  /** Lines answered from `memo` (tests). */
  memoHits = 0;

  /**
   * Parse and resolve one line of text (`line` is its 0-based number), or copy what an identical
   * line above resolved to; the line's syntax error, if any.
   */
  addLine(text: string, line: number): ScriptDiagnostic | undefined {
    // A memo hit adds no symbols: a resolver that keeps them (resolveUpTo) resolves every line.
    const hit = this.r.keepSymbols ? undefined : this.memo.get(text);
    if (hit !== undefined) {
      this.r.statements.push(rebase(hit.resolved, line));
      if (hit.sawAccess) this.r.sawAccess = true;
      this.r.previous = hit.parsed;
      this.memoHits++;
      return undefined;
    }
    const parsed = parseLine(text, line);
    const s = parsed.statement;
    if (s === undefined) return parsed.diagnostic;
    const st = this.r.statements.length;
    const di = this.r.diagnostics.length;
    resolveStatement(this.r, s);
    const kept =
      !this.r.keepSymbols && (s.kind === 'register' || s.kind === 'mem' || (s.kind === 'action' && s.verb !== 'reset'));
    if (!kept) {
      // A declaration or a reset changes what later lines resolve to: forget the lines above.
      if (this.memo.size > 0) this.memo.clear();
    } else if (
      parsed.diagnostic === undefined &&
      this.r.diagnostics.length === di &&
      this.r.statements.length === st + 1 &&
      this.memo.size < MEMO_LINES
    ) {
      const resolved = this.r.statements[st] as ResolvedStatement;
      if (rebasable(resolved)) this.memo.set(text, { parsed: s, resolved, sawAccess: this.r.sawAccess });
    }
    return parsed.diagnostic;
  }

  /** The script's `config` line, once resolved (only a line before the first access counts). */
  get config(): { readonly path: string; readonly range: Range } | undefined {
    return this.r.config;
  }

  /** Statements and diagnostics added since the last call, in order. */
  take(): { statements: ResolvedStatement[]; diagnostics: ScriptDiagnostic[] } {
    return { statements: this.r.statements.splice(0), diagnostics: this.r.diagnostics.splice(0) };
  }
}

/** Resolve a parsed script against the register table. */
export function resolveScript(
  parsed: ParsedScript,
  includes?: IncludeHost,
  consts?: ReadonlyMap<string, Constant>,
  cache?: ResolveCache,
): ResolvedScript {
  const r = new Resolver(includes, consts);
  const cached = cache !== undefined && consts === undefined && cache.begin(parsed.statements);
  for (const s of parsed.statements) {
    const reusable = cached && (s.kind === 'register' || s.kind === 'mem' || s.kind === 'action');
    if (reusable) {
      const hit = cache.get(s);
      if (hit) {
        r.reuse(hit);
        r.previous = s;
        cache.hits++;
        continue;
      }
    }
    const st = r.statements.length;
    const sy = r.symbols.length;
    const di = r.diagnostics.length;
    resolveStatement(r, s);
    if (reusable)
      cache.set(s, {
        statements: r.statements.slice(st),
        symbols: sy === r.symbols.length ? NO_SYMBOLS : r.symbols.slice(sy),
        diagnostics: di === r.diagnostics.length ? NONE : r.diagnostics.slice(di),
      });
  }
  const out = r.finish(parsed);
  constsOf.set(out, r.consts);
  return out;
}

/** The constants a resolved script ends with (what an include passes back to its includer). */
const constsOf = new WeakMap<ResolvedScript, ReadonlyMap<string, Constant>>();
export function finalConstants(s: ResolvedScript): ReadonlyMap<string, Constant> {
  return constsOf.get(s) ?? new Map();
}

/** Parse and resolve a document: what `smmu check` and the language server start from. */
export function analyzeScript(text: string): ResolvedScript {
  return resolveScript(parseScript(text));
}
