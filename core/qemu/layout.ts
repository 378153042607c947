/**
 * Where things go in the guest's physical memory on QEMU's virt machine: the script's addresses
 * must lie in the guest RAM (0x4000_0000 up, `-m` bytes, hw/arm/virt.c), and the program is put
 * at the top of RAM clear of every page the model touched (the driver's stores and the SMMU's own
 * writes), so the script's queues and tables stay where the script put them.
 */
import type { ScriptDiagnostic } from '../base/diagnostics';
import { VIRT_RAM_BASE, type GuestOp } from '../guest/ops';
import type { CompiledScript } from './compile';

export interface RamRange {
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
}

export function virtRam(bytes: number): RamRange {
  return { start: VIRT_RAM_BASE, end: VIRT_RAM_BASE + BigInt(bytes) };
}

function hexAddr(v: bigint): string {
  return `0x${v.toString(16).toUpperCase().padStart(8, '0')}`;
}

export function ramText(ram: RamRange, memoryText: string): string {
  return `${hexAddr(ram.start)}–${hexAddr(ram.end - 1n)} (--memory ${memoryText})`;
}

function opExtent(op: GuestOp): { start: bigint; end: bigint } | undefined {
  if (op.kind === 'store') return { start: op.address, end: op.address + BigInt(op.bytes.length) };
  if (op.kind === 'zero') return { start: op.address, end: op.address + BigInt(op.length) };
  if (op.space === 'phys') return { start: op.address, end: op.address + BigInt(op.size) };
  return undefined;
}

/**
 * Zeroing is for RAM: pages the model touched outside it (the SMMU fetching from a table placed
 * there) are not zeroed (compileScript with the RAM leaves them out): one warning says what QEMU
 * does there instead.
 */
export function zeroOnlyRam(
  compiled: CompiledScript,
  ram: RamRange,
  memoryText: string,
): { compiled: CompiledScript; warning?: ScriptDiagnostic } {
  if (!compiled.unzeroed.length) return { compiled };
  const warning: ScriptDiagnostic = {
    severity: 'warning',
    code: 'qemu.address',
    message: `the model used memory outside the guest RAM of the QEMU run, ${ramText(ram, memoryText)}, at ${compiled.unzeroed.map(hexAddr).join(', ')}: QEMU's accesses there abort where the model read zeros`,
    range: compiled.expectations[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
  };
  return { compiled, warning };
}

/** The statements whose memory accesses fall outside RAM, one error each (zeroing aside: zeroOnlyRam). */
export function addressesOutsideRam(
  compiled: CompiledScript,
  ram: RamRange,
  memoryText: string,
  extraDevices: readonly RamRange[] = [],
): ScriptDiagnostic[] {
  const out: ScriptDiagnostic[] = [];
  const seen = new Set<number>();
  compiled.ops.forEach((op, i) => {
    if (op.kind === 'zero') return;
    const x = opExtent(op);
    if (!x) return;
    if (x.start >= ram.start && x.end <= ram.end) return;
    if (extraDevices.some((d) => x.start >= d.start && x.end <= d.end)) return;
    const e = compiled.expectations[i];
    if (!e || seen.has(e.range.start.line)) return;
    seen.add(e.range.start.line);
    out.push({
      severity: 'error',
      code: 'qemu.address',
      message: `${hexAddr(x.start)} is outside the guest RAM of the QEMU run, ${ramText(ram, memoryText)}: move it into RAM or give a larger --memory`,
      range: e.range,
    });
  });
  return out;
}

const MiB = 0x10_0000n;

/**
 * The highest 1 MiB-aligned address where `size` bytes fit in RAM without touching any of the
 * model's pages; undefined when there is no such place.
 */
export function placeProgram(pages: readonly number[], ram: RamRange, size: number): bigint | undefined {
  const used = pages.map((p) => BigInt(p)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const need = BigInt(size);
  let at = ((ram.end - need) / MiB) * MiB;
  while (at >= ram.start) {
    const end = at + need;
    const clash = used.find((p) => p < end && p + 4096n > at);
    if (clash === undefined) return at;
    // Below the clashing page, aligned down.
    at = ((clash - need) / MiB) * MiB;
  }
  return undefined;
}
