/**
 * Guest physical memory as QEMU's monitor prints it: `xp /Nxw ADDR` (HMP, asked through QMP's
 * `human-monitor-command`). QEMU's memory_dump (monitor/hmp-cmds-target.c; monitor/misc.c in
 * 7.2) prints one line per 16 bytes, `0000000044000000: 0x00000001 0x00000000 …`, reading each
 * line with one address_space_read, and stops at the first line it cannot read with
 * `0000000044000000: Cannot access memory`.
 */
import { counted } from '../text/plural';
import { printable } from '../text/printable';

/**
 * The `count` 32-bit words of a dump that starts at `address`, or what is wrong with it: a line
 * QEMU could not read, an address out of order, or text that is not a dump (an HMP error).
 */
export function wordsFromMemoryDump(text: string, address: bigint, count: number): number[] | string {
  const words: number[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^([0-9a-fA-F]{1,16}):(.*)$/.exec(line);
    if (!m) return `the monitor answered '${printable(line).slice(0, 80)}', not a memory dump`;
    const at = BigInt(`0x${m[1]}`);
    const want = address + BigInt(words.length * 4);
    if (at !== want)
      return `the monitor's dump has a line at 0x${at.toString(16)} where 0x${want.toString(16)} was due`;
    const rest = (m[2] ?? '').trim();
    if (/^Cannot access memory$/.test(rest)) return `the monitor cannot access memory at 0x${at.toString(16)}`;
    for (const token of rest.split(/\s+/)) {
      if (!/^0x[0-9a-fA-F]{1,8}$/.test(token))
        return `the monitor's dump has '${printable(token).slice(0, 20)}' at 0x${at.toString(16)}, not a 32-bit word`;
      words.push(Number.parseInt(token.slice(2), 16));
    }
  }
  if (words.length !== count) return `the monitor's dump has ${counted(words.length, 'word')}, not ${count}`;
  return words;
}
