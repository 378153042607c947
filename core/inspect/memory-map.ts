/**
 * Guest RAM from QEMU's memory map, as its monitor prints it (`info mtree -f`, asked through the
 * gdbstub's `qRcmd`): the RAM regions of the flat view of the system address space ("memory").
 * A line reads `  0000000040000000-000000007fffffff (prio 0, ram): mach-virt.ram`.
 */
import type { RamRange } from './live';

export function ramFromMemoryMap(text: string): RamRange[] {
  const out: RamRange[] = [];
  let inSystem = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^FlatView #/.test(line)) {
      inSystem = false;
      continue;
    }
    if (/^\s*AS "memory"/.test(line)) {
      inSystem = true;
      continue;
    }
    if (!inSystem) continue;
    const m = /^\s+([0-9a-f]{1,16})-([0-9a-f]{1,16}) \(prio -?\d+, ram\):/i.exec(line);
    if (!m) continue;
    const start = BigInt(`0x${m[1]}`);
    const end = BigInt(`0x${m[2]}`) + 1n;
    if (end <= start) continue;
    const last = out[out.length - 1];
    if (last && last.end === start) out[out.length - 1] = { start: last.start, end };
    else out.push({ start, end });
  }
  return out;
}
