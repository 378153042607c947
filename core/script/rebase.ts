/**
 * A resolved statement moved to another line: the same statement, with every range on `line`.
 *
 * A script's lines repeat (`cmd SYNC`, `doorbell`, `read32 GERROR == 0` after every batch of a
 * driver's bring-up), and a line's resolution depends only on its text and on what the lines above
 * declared (constants, includes, the `config` line). So a check that has resolved a line can give
 * an identical line, in the same environment, a copy of that resolution instead of lexing, parsing
 * and resolving it again (check.ts, checkScriptStreamed). What differs is only the line of its
 * ranges: a statement lies on one line (a token never spans a line break), and each of its ranges is
 * a LineRange.
 *
 * The copies keep the original's properties in the same order (spreads), so they have the
 * original's shape and the model's reads of them stay monomorphic; register, field and
 * configuration objects are the tables' own and are shared, not copied.
 */
import { LineRange, type Range } from '../base/diagnostics';
import type { ActionArg, MemoryAccess, RegisterAccess, ResolvedAction, ResolvedStatement } from './resolved';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function at(r: Range, line: number): LineRange {
  const l = r as LineRange;
  return new LineRange(line, l.from, l.to);
}

function isLineRange(r: Range | undefined): boolean {
  return r === undefined || r instanceof LineRange;
}

/**
 * Whether rebase can move `s`: an access, memory access or engine statement whose ranges are all
 * LineRanges, and not one that carries a configuration (a `config` line after `reset`) or an include.
 */
export function rebasable(s: ResolvedStatement): boolean {
  switch (s.kind) {
    case 'access':
      return (
        isLineRange(s.range) &&
        isLineRange(s.targetRange) &&
        isLineRange(s.valueRange) &&
        isLineRange(s.securityRange) &&
        isLineRange(s.expect?.range) &&
        isLineRange(s.abort?.range)
      );
    case 'mem':
      return (
        isLineRange(s.range) && isLineRange(s.targetRange) && isLineRange(s.valueRange) && isLineRange(s.expect?.range)
      );
    case 'action':
      return (
        s.config === undefined &&
        isLineRange(s.range) &&
        isLineRange(s.keyword) &&
        isLineRange(s.poll?.targetRange) &&
        isLineRange(s.expect?.range) &&
        isLineRange(s.expect?.resolved?.range) &&
        s.args.every((a) => isLineRange(a.range) && isLineRange(a.nameRange) && isLineRange(a.valueRange))
      );
    case 'include':
      return false;
  }
}

/** The ranges a register and a memory access share: the statement's, its target's, its value's, its expectation's. */
function rebaseTransfer<T extends RegisterAccess | MemoryAccess>(s: T, line: number): Mutable<T> {
  const c: Mutable<T> = { ...s };
  c.range = at(s.range, line);
  c.targetRange = at(s.targetRange, line);
  if (s.valueRange) c.valueRange = at(s.valueRange, line);
  if (s.expect) c.expect = { ...s.expect, range: at(s.expect.range, line) };
  return c;
}

function rebaseAccess(s: RegisterAccess, line: number): RegisterAccess {
  const c = rebaseTransfer(s, line);
  if (s.securityRange) c.securityRange = at(s.securityRange, line);
  if (s.abort) c.abort = { ...s.abort, range: at(s.abort.range, line) };
  return c;
}

function rebaseArg(a: ActionArg, line: number): ActionArg {
  const c: Mutable<ActionArg> = { ...a };
  c.range = at(a.range, line);
  if (a.nameRange) c.nameRange = at(a.nameRange, line);
  if (a.valueRange) c.valueRange = at(a.valueRange, line);
  return c;
}

function rebaseAction(s: ResolvedAction, line: number): ResolvedAction {
  const c: Mutable<ResolvedAction> = { ...s };
  c.range = at(s.range, line);
  c.keyword = at(s.keyword, line);
  // Indexed: a cold check runs this in V8's interpreter, where map's callback is a call an argument.
  const args: ActionArg[] = new Array<ActionArg>(s.args.length);
  for (let i = 0; i < s.args.length; i++) args[i] = rebaseArg(s.args[i] as ActionArg, line);
  c.args = args;
  if (s.poll) c.poll = { ...s.poll, targetRange: at(s.poll.targetRange, line) };
  if (s.expect) {
    const e: Mutable<NonNullable<ResolvedAction['expect']>> = { ...s.expect, range: at(s.expect.range, line) };
    if (s.expect.resolved) e.resolved = { ...s.expect.resolved, range: at(s.expect.resolved.range, line) };
    c.expect = e;
  }
  return c;
}

/** `s` (rebasable) with every range on `line`. */
export function rebase(s: ResolvedStatement, line: number): ResolvedStatement {
  switch (s.kind) {
    case 'access':
      return rebaseAccess(s, line);
    case 'mem':
      return rebaseTransfer(s, line);
    case 'action':
      return rebaseAction(s, line);
    case 'include':
      return s;
  }
}
