/**
 * Report text the guest program prints beyond each operation's own (ops.ts): the word for an
 * aborted access, a store's abort line and the line for an exception the program cannot carry on
 * from. The program (program.ts) prints it and the parser (report.ts) reads it; both take it
 * from here. Every number is printed as `0x` and upper-case hex digits, between these parts.
 */

/** What a read prints instead of a value when the access aborted; a write appends ` abort`. */
export const ABORT_WORD = 'abort';

/** A store's line when a copy aborted, `# @i abort store 0xADDRESS` (at least 8 digits). */
export function storeAbortText(index: number): { prefix: string; suffix: string } {
  return { prefix: `# @${index} abort store `, suffix: '\n' };
}

/** The digits a store's abort address is printed with (`0x` first), at least: more when it is wider. */
export const STORE_ABORT_DIGITS = 8;

/**
 * The line for an exception the program does not recover from, printed in parts around the
 * values: `# fatal exception: vector 0xOFF esr 0x... elr 0x... far 0x...` (the vector's offset
 * from VBAR_EL1 in three digits, the registers in sixteen), then the program exits with status 1.
 */
export const FATAL_PARTS = ['# fatal exception: vector ', ' esr ', ' elr ', ' far ', '\n'] as const;
export const FATAL_DIGITS = [3, 16, 16, 16] as const;

/** The fatal line for given values (as the program prints it). */
export function fatalLine(vector: number, esr: bigint, elr: bigint, far: bigint): string {
  const values = [BigInt(vector), esr, elr, far];
  let out = FATAL_PARTS[0] as string;
  values.forEach((v, i) => {
    out += `0x${v
      .toString(16)
      .toUpperCase()
      .padStart(FATAL_DIGITS[i] as number, '0')}${FATAL_PARTS[i + 1]}`;
  });
  return out;
}
