/**
 * The end of a switch that must name every member of a union (register names, behaviours): the
 * compiler rejects the call while a member has no case, so adding one to the union makes every
 * such switch ask for a decision. Reaching it at run time is an internal error.
 */
export function unreachable(value: never, what: string): never {
  throw new Error(`internal: no case for ${what} ${String(value)}`);
}
