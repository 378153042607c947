/**
 * What the client uses of core's tables (register names for quick picks, symbolic values, register
 * names in C, the access a selected trace line records), in a bundle of its own (dist/tables.js) that lazy.ts loads on first use: evaluating
 * the register table is most of the client's start-up work, and no view or command needs it
 * before a user acts.
 */
export { REGISTERS, findRegister } from '../core/registers/table';
export { symbolic } from '../core/registers/codec';
export { registerValueAt } from './hover/c-names';
export { parseLineTrace } from '../core/trace/parse-line';
export { looksLikeQemu, parseQemuTrace } from '../core/trace/parse-qemu';
