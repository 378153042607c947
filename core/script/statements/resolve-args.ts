/**
 * How an engine statement resolves (most of them the same way): its arguments are evaluated where
 * they are numbers and kept as names where they name something in the engine's tables (commands,
 * fields, enum values, outcomes), which only the statement's `run` can look up.
 */
import type { ActionStatement } from '../ast';
import type { ActionArg, ResolvedAction } from '../resolved';
import type { Context, Resolver } from '../resolver';

const PLAIN: Context = { kind: 'plain', bits: 64, why: 'an argument of this statement is a number' };

/** What a statement with a register operand resolves its operand and expectation to (`poll`). */
export type OperandResolution = Pick<ResolvedAction, 'poll' | 'expect'>;

/**
 * Resolve an engine statement: arguments, then the expectation (`== NAME` kept as a name unless
 * it is a constant). `operand` resolves a register operand and its expectation instead. `check`
 * reports what the model's state cannot change (how arguments combine, a size's bounds) before the
 * statement is kept: a statement with an error never runs.
 */
export function resolveEngineStatement(
  r: Resolver,
  s: ActionStatement,
  operand?: (r: Resolver, s: ActionStatement) => OperandResolution | undefined,
  check?: (r: Resolver, resolved: ResolvedAction) => void,
): void {
  r.sawAccess = true;
  const start = r.errors;
  const args: ActionArg[] = [];
  // Indexed: a cold start interprets this for every engine line, and `for…of` allocates (docs/performance.md).
  for (let i = 0; i < s.args.length; i++) {
    const a = s.args[i] as ActionStatement['args'][number];
    if (a.kind === 'assign') {
      const v = a.value;
      if (v.kind === 'name' && r.constantOf(v.name) === undefined) {
        args.push({
          range: a.range,
          name: a.field.name,
          nameRange: a.field.range,
          valueName: v.name,
          valueRange: v.range,
        });
      } else {
        const value = r.value(v, PLAIN);
        // Two literals rather than a conditional spread (a runtime call in baseline code), with the
        // same properties in the same order.
        args.push(
          value !== undefined
            ? { range: a.range, name: a.field.name, nameRange: a.field.range, value, valueRange: v.range }
            : { range: a.range, name: a.field.name, nameRange: a.field.range, valueRange: v.range },
        );
      }
    } else if (a.kind === 'name' && r.constantOf(a.name) === undefined) {
      args.push({ range: a.range, name: a.name, nameRange: a.range });
    } else {
      const value = r.value(a, PLAIN);
      args.push(
        value !== undefined ? { range: a.range, value, valueRange: a.range } : { range: a.range, valueRange: a.range },
      );
    }
  }
  const special = operand?.(r, s);
  const poll = special?.poll;
  let expect = special?.expect;
  if (!special && s.expect) {
    const e = s.expect.value;
    if (e.kind === 'name' && r.constantOf(e.name) === undefined)
      expect = { op: s.expect.op, name: e.name, range: s.expect.range };
    else {
      const v = r.value(e, PLAIN);
      if (v !== undefined) expect = { op: s.expect.op, value: v, range: s.expect.range };
    }
  }
  if (r.errors !== start) return;
  // args.slice(): exactly its length (see the parser's args).
  // One literal for each combination, each with the properties a spread of the optional ones gave.
  const verb = s.verb;
  const range = s.range;
  const keyword = s.keyword;
  const kept = args.slice();
  const resolved: ResolvedAction = poll
    ? expect
      ? { kind: 'action', verb, range, keyword, args: kept, poll, expect }
      : { kind: 'action', verb, range, keyword, args: kept, poll }
    : expect
      ? { kind: 'action', verb, range, keyword, args: kept, expect }
      : { kind: 'action', verb, range, keyword, args: kept };
  check?.(r, resolved);
  if (r.errors === start) r.statements.push(resolved);
}
