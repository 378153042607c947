/**
 * Multi-vCPU traces: which reads some serial order of the vCPUs' accesses explains.
 *
 * A trace line is logged around the access, not at the instant it takes effect, so an access by
 * vCPU A may take effect anywhere between A's previous and next trace lines; accesses of other
 * vCPUs in that window may be ordered either way. A read that differs from the trace order is
 * explained when the register held the value at some point in the window. Otherwise:
 *  - a 64-bit read whose halves come from two different values: it is IMPLEMENTATION DEFINED
 *    whether a 64-bit access is single-copy atomic (§6.2), so this is a warning;
 *  - a 32-bit word with bits from two writers' values: aligned 32-bit accesses are single-copy
 *    atomic (§6.2), "you will see value A or value B but not a mix" (the seed's reviewer);
 *  - anything else: no serial order of the writes explains it.
 */
import { hex } from '../registers/codec';
import type { RegisterDef, RegisterName } from '../registers/types';
import type { TraceDiagnostic } from './types';
import type { AccessRecord, ParsedTrace } from './types';

export interface TimelineEntry {
  /** Trace line of the change (-1: reset). */
  readonly line: number;
  /** Whole register value after it. */
  readonly value: bigint;
  readonly vcpu?: number;
}

export type Timeline = Map<RegisterName, TimelineEntry[]>;

export interface PendingRead {
  readonly rec: AccessRecord;
  readonly reg: RegisterDef;
  readonly byte: number;
  readonly emu: bigint;
  readonly diag: TraceDiagnostic;
}

const M32 = 0xffff_ffffn;

function who(e: TimelineEntry): string {
  return e.line < 0 ? 'the reset value' : `line ${e.line + 1}${e.vcpu !== undefined ? ` (vCPU ${e.vcpu})` : ''}`;
}

/** How far the window search looks past the read's own window, in timeline entries, each way. */
const SCAN_LIMIT = 512;

/** Index of the first entry whose line is greater than `line` (entries are in line order). */
function upperBound(tl: readonly TimelineEntry[], line: number): number {
  let lo = 0;
  let hi = tl.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((tl[mid] as TimelineEntry).line <= line) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function resolveSerial(
  pending: readonly PendingRead[],
  trace: ParsedTrace,
  timeline: Timeline,
  diagnostics: TraceDiagnostic[],
): void {
  const byVcpu = new Map<number, number[]>();
  const pos = new Map<number, number>();
  for (const r of trace.records) {
    if (r.kind !== 'access' || r.vcpu === undefined) continue;
    const l = byVcpu.get(r.vcpu) ?? [];
    pos.set(r.line, l.length);
    l.push(r.line);
    byVcpu.set(r.vcpu, l);
  }
  const vcpuCount = byVcpu.size;
  /** The lines between which an access by `vcpu` at `line` may take effect: its vCPU's previous and next lines. */
  const windowOf = (vcpu: number | undefined, line: number): [number, number] => {
    const mine = vcpu === undefined ? undefined : byVcpu.get(vcpu);
    const i = pos.get(line);
    if (!mine || i === undefined) return [line - 1, line + 1];
    return [i > 0 ? (mine[i - 1] as number) : -1, i + 1 < mine.length ? (mine[i + 1] as number) : Infinity];
  };
  const index = new Map(diagnostics.map((d, i) => [d, i]));
  for (const p of pending) {
    const { rec, reg, byte, emu } = p;
    if (rec.vcpu === undefined) continue;
    const [from, to] = windowOf(rec.vcpu, rec.line);
    const tl = timeline.get(reg.name) ?? [];
    // The value at the start of the window, every change inside it, and changes by other vCPUs
    // outside it whose own windows overlap it (a write may take effect anywhere in its window).
    const first = upperBound(tl, from);
    const atStart = first > 0 ? tl[first - 1] : undefined;
    const window: TimelineEntry[] = atStart ? [atStart] : [];
    const last = Math.min(upperBound(tl, to === Infinity ? Number.MAX_SAFE_INTEGER : to - 1), first + SCAN_LIMIT);
    for (let i = first; i < last; i++) window.push(tl[i] as TimelineEntry);
    let closed = new Set<number | undefined>([rec.vcpu]);
    for (let i = first - 2, n = 0; i >= 0 && n < SCAN_LIMIT && closed.size <= vcpuCount; i--, n++) {
      const e = tl[i] as TimelineEntry;
      if (e.line < 0 || closed.has(e.vcpu)) continue;
      if (windowOf(e.vcpu, e.line)[1] > from) window.push(e);
      else closed.add(e.vcpu);
    }
    closed = new Set<number | undefined>([rec.vcpu]);
    for (let i = last, n = 0; i < tl.length && n < SCAN_LIMIT && closed.size <= vcpuCount; i++, n++) {
      const e = tl[i] as TimelineEntry;
      if (closed.has(e.vcpu)) continue;
      if (windowOf(e.vcpu, e.line)[0] < to) window.push(e);
      else closed.add(e.vcpu);
    }
    const part = (v: bigint) => (rec.size === 8 ? v : (v >> BigInt(byte * 8)) & M32);
    const replace = (d: TraceDiagnostic) => {
      const k = index.get(p.diag);
      if (k !== undefined) diagnostics[k] = d;
    };
    const base = { range: p.diag.range, line: p.diag.line, section: '6.2' };
    const name = `SMMU_${reg.name}`;
    const span = `lines ${from + 2}–${to === Infinity ? 'end' : to}`;
    const hit = window.find((e) => part(e.value) === emu);
    if (hit) {
      replace({
        ...base,
        severity: 'info',
        code: 'mvcpu.reordered',
        message: `${name} returned ${hex(emu, rec.size === 8 ? 64 : 32)}, the value written at ${who(hit)}: explained by a serial order in which that write is the last to take effect before this read (between vCPUs, the trace's order is not the order in which accesses took effect)`,
      });
      continue;
    }
    // Writers' values: the window and every vCPU's last value before the window closes.
    const cands = [...window];
    const lastBy = new Map<number | undefined, TimelineEntry>();
    for (let i = last - 1, n = 0; i >= 0 && n < SCAN_LIMIT && lastBy.size <= vcpuCount; i--, n++) {
      const e = tl[i] as TimelineEntry;
      if (!lastBy.has(e.vcpu)) lastBy.set(e.vcpu, e);
    }
    for (const e of lastBy.values()) if (!cands.includes(e)) cands.push(e);
    const words = rec.size === 8 ? [0, 1] : [0];
    const wordOf = (v: bigint, w: number) => (part(v) >> BigInt(w * 32)) & M32;
    const emuWord = (w: number) => (emu >> BigInt(w * 32)) & M32;
    if (rec.size === 8) {
      const lo = cands.find((e) => wordOf(e.value, 0) === emuWord(0));
      const hi = cands.find((e) => wordOf(e.value, 1) === emuWord(1));
      if (lo && hi && lo !== hi) {
        replace({
          ...base,
          severity: 'warning',
          code: 'mvcpu.torn',
          message: `torn 64-bit read: ${name} returned ${hex(emu, 64)}, its low half from ${who(lo)} and its high half from ${who(hi)}; it is IMPLEMENTATION DEFINED whether a 64-bit access to a 64-bit register is single-copy atomic (the emulation observes it as two 32-bit halves; each half must still be one writer's)`,
        });
        continue;
      }
    }
    let mixed: string | undefined;
    for (const w of words) {
      const x = emuWord(w);
      if (cands.some((e) => wordOf(e.value, w) === x)) continue;
      for (const a of cands) {
        for (const b of cands) {
          if (a === b || wordOf(a.value, w) === wordOf(b.value, w)) continue;
          if (((x ^ wordOf(a.value, w)) & (x ^ wordOf(b.value, w))) === 0n) {
            mixed ??= `${name}${rec.size === 8 ? (w ? ' bits [63:32]' : ' bits [31:0]') : ''} returned ${hex(x)}, a mix of ${hex(wordOf(a.value, w))} from ${who(a)} and ${hex(wordOf(b.value, w))} from ${who(b)}`;
          }
        }
      }
    }
    if (mixed) {
      replace({
        ...base,
        severity: 'error',
        code: 'mvcpu.mixed',
        message: `${mixed}: an aligned 32-bit access is single-copy atomic, so a read sees one writer's value or the other's, never a mix (is the emulation's register update unlocked?)`,
      });
      continue;
    }
    replace({
      ...base,
      severity: 'error',
      code: 'mvcpu.unserializable',
      message: `${p.diag.message.replace(/ \(§[\d.]+\)$/, '')}; no serial order of the vCPUs' writes in ${span} explains it`,
    });
  }
}
