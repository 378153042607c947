/**
 * QEMU's own trace output for its SMMUv3 model (`-trace 'smmuv3_*'` with the log backend), as
 * declared in QEMU's hw/arm/trace-events:
 *
 *   smmuv3_read_mmio addr: 0x%PRIx64 val:0x%PRIx64 size: 0x%x(%d)     the last number is the MemTxResult
 *   smmuv3_write_mmio addr: 0x%PRIx64 val:0x%PRIx64 size: 0x%x(%d)
 *   smmuv3_cmdq_opcode <--- %s                                          a command being executed
 *   smmuv3_record_event %s sid=%d                                       an event record written
 *
 * A line may carry the log backend's `PID@SECONDS.MICROS:` prefix (`-msg timestamp=on`, and always
 * in older QEMUs); PID is the thread that traced, so with MTTCG it tells vCPUs apart and is used
 * as the record's vCPU. Every other line (other trace events, guest console output) is ignored.
 *
 * QEMU traces the offset after `offset &= ~0x10000` (hw/arm/smmuv3.c smmu_read_mmio/smmu_write_mmio:
 * "CONSTRAINED UNPREDICTABLE choice to have page0/1 be exact aliases"), so the page is lost. The
 * four page-0 offsets that are reserved because their registers live in page 1 (0xA8, 0xAC, 0xC8,
 * 0xCC, §6.2.1) are taken as the page-1 accesses drivers make (Linux uses page 1 unless
 * ARM_SMMU_OPT_PAGE0_REGS_ONLY); everything else as page 0.
 */
import type { ScriptDiagnostic } from '../base/diagnostics';
import { shorten, splitLines } from '../script/lexer';
import { rangeOf } from './parse-line';
import type { ParsedTrace, TraceRecord } from './types';

const PREFIX = /^(?:(\d+)@\d+\.\d+:)?(smmuv3_\w+)\s?(.*)$/;
const MMIO = /^addr:\s*0x([0-9a-f]+)\s+val:\s*0x([0-9a-f]+)\s+size:\s*0x([0-9a-f]+)\((-?\d+)\)\s*$/di;
const PAGE1_OFFSETS = new Set([0xa8, 0xac, 0xc8, 0xcc]);

/**
 * True when a line looks like a QEMU trace event rather than the line format. Lines start after
 * \n or \r only (a /m regex would also start one after U+2028, which is no line break for LSP nor
 * for the parser).
 */
export function looksLikeQemu(text: string): boolean {
  return /(?:^|[\r\n])(?:\d+@\d+\.\d+:)?smmuv3_\w+ /.test(text);
}

export function parseQemuTrace(text: string): ParsedTrace {
  // Lines as LSP counts them (\n, \r\n or a lone \r), as the line format's parser does.
  const out: QemuParse = { records: [], diagnostics: [], ignored: 0 };
  parseQemuLines(splitLines(text), 0, out);
  return { format: 'qemu', records: out.records, diagnostics: out.diagnostics, ignored: out.ignored };
}

/** What parsing QEMU's lines produced; the streamed replay (stream.ts) takes the records as they come. */
export interface QemuParse {
  readonly records: TraceRecord[];
  readonly diagnostics: ScriptDiagnostic[];
  ignored: number;
}

/** Parse `lines`, the first of which is line `first` of the log, into `out`. */
export function parseQemuLines(lines: readonly string[], first: number, out: QemuParse): void {
  const { records, diagnostics } = out;
  for (let i = 0; i < lines.length; i++) {
    const n = first + i;
    const line = lines[i] as string;
    if (!line.trim()) continue;
    const m = PREFIX.exec(line);
    if (!m) {
      out.ignored++;
      continue;
    }
    const [, pid, event, rest] = m as unknown as [string, string | undefined, string, string];
    const start = line.indexOf(event);
    const whole = rangeOf(n, { start, end: line.length });
    const restStart = line.length - rest.length;
    if (event === 'smmuv3_read_mmio' || event === 'smmuv3_write_mmio') {
      const a = MMIO.exec(rest);
      if (!a) {
        diagnostics.push({
          severity: 'error',
          code: 'trace.syntax',
          message: `${event}: expected 'addr: 0x… val:0x… size: 0x…(result)' as in QEMU's hw/arm/trace-events`,
          range: rangeOf(n, { start: restStart, end: line.length }),
        });
        continue;
      }
      const [, addrHex, valHex, sizeHex, res] = a as unknown as [string, string, string, string, string];
      const size = parseInt(sizeHex, 16);
      if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
        diagnostics.push({
          severity: 'error',
          code: 'trace.syntax',
          message: `size 0x${sizeHex} is not an access size`,
          range: whole,
        });
        continue;
      }
      // Where a group of the match is, with its 0x: the columns of the address and the value.
      const hexAt = (group: number) => {
        const [from, to] = a.indices?.[group] ?? [0, 0];
        return rangeOf(n, { start: restStart + from - 2, end: restStart + to });
      };
      // QEMU prints both with PRIx64 and its MMIO region is 128 KiB: more digits are a corrupt line,
      // reported as the line format reports them (not replayed as a value no register can hold).
      if (addrHex.replace(/^0+(?=.)/, '').length > 8) {
        diagnostics.push({
          severity: 'error',
          code: 'trace.syntax',
          message: `offset 0x${shorten(addrHex)} is far beyond the SMMU's register pages`,
          range: hexAt(1),
        });
        continue;
      }
      const value = BigInt('0x' + valHex);
      const valueRange = hexAt(2);
      if (value >> BigInt(size * 8) !== 0n) {
        diagnostics.push({
          severity: 'error',
          code: 'trace.syntax',
          message: `value 0x${shorten(valHex)} does not fit a ${size}-byte access`,
          range: valueRange,
        });
        continue;
      }
      let offset = parseInt(addrHex, 16);
      if (PAGE1_OFFSETS.has(offset & ~3)) offset += 0x10000;
      // MemTxResult: 0 MEMTX_OK; anything else (MEMTX_ERROR, MEMTX_DECODE_ERROR) is an abort to the guest.
      const abort = Number(res) !== 0;
      const dir = event === 'smmuv3_read_mmio' ? 'R' : 'W';
      records.push({
        kind: 'access',
        dir,
        offset,
        size,
        value: dir === 'R' && abort ? undefined : value,
        abort,
        vcpu: pid === undefined ? undefined : Number(pid),
        line: n,
        valueRange,
        range: whole,
      });
      continue;
    }
    if (event === 'smmuv3_cmdq_opcode') {
      const name = rest.replace(/^<---\s*/, '').trim();
      records.push({ kind: 'command', name, line: n, range: whole });
      continue;
    }
    if (event === 'smmuv3_record_event') {
      const e = /^(\S+)\s+sid=(\d+)/.exec(rest);
      if (e) records.push({ kind: 'event', name: e[1], sid: Number(e[2]), line: n, range: whole });
      else out.ignored++;
      continue;
    }
    out.ignored++;
  }
}
