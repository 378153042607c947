/**
 * The engine statements' execution, by the names the interpreter, the checks and the debugger
 * import. Each statement's execution is in its definition (core/script/statements/, one module
 * per family: commands, transactions, structures, tables, checks and interrupts, memory, reset);
 * runAction dispatches by verb through the registry.
 */
export { runAction } from './statements';
export type { ActionOutcome, ScriptState } from './statements';
export { decodeEnqueued } from './statements/commands';
