/**
 * QEMU's own trace output for its SMMUv3 model (`-trace 'smmuv3_*'`), read line by line. The
 * formats of each event in every QEMU from 7.2 on are the table in qemu-events.ts; the backends'
 * line prefixes are stripped by qemu-prefix.ts. Records made:
 *
 *   smmuv3_read_mmio / _write_mmio        an access (the last number is the MemTxResult)
 *   smmuv3_cmdq_opcode                    a command being executed, by name
 *   smmuv3_cmdq_consume_error             the command queue stopped at a command with a CERROR code
 *   smmuv3_record_event                   an event record written, by name and StreamID
 *   smmuv3_translate_success/_bypass/_disable/_abort   a translation (checked by translation-check.ts)
 *
 * Every other event of the table is read (a line that matches none of its formats is reported)
 * and not replayed; other lines (other trace events, console output) are ignored. A line of the
 * `.smmutrace` format's `M` record (guest memory) is read too, so a QEMU log can carry the guest
 * memory its translations need (docs/trace-replay.md).
 *
 * QEMU traces the offset after `offset &= ~0x10000` (hw/arm/smmuv3.c smmu_read_mmio/smmu_write_mmio:
 * "CONSTRAINED UNPREDICTABLE choice to have page0/1 be exact aliases"), so the page is lost. The
 * four page-0 offsets that are reserved because their registers live in page 1 (0xA8, 0xAC, 0xC8,
 * 0xCC, §6.2.1) are taken as the page-1 accesses drivers make (Linux uses page 1 unless
 * ARM_SMMU_OPT_PAGE0_REGS_ONLY); everything else as page 0.
 */
import type { Range, ScriptDiagnostic } from '../base/diagnostics';
import { shorten, splitLines } from '../script/lexer';
import { parseLineTrace, rangeOf } from './parse-line';
import { formatsOf, matchEvent, versionsText, type EventArg, type MatchedEvent } from './qemu-events';
import { splitQemuLine, TRACE_BACKENDS } from './qemu-prefix';
import type { ParsedTrace, TraceRecord } from './types';

const PAGE1_OFFSETS = new Set([0xa8, 0xac, 0xc8, 0xcc]);

/**
 * True when a line looks like a QEMU trace event rather than the line format. Lines start after
 * \n or \r only (a /m regex would also start one after U+2028, which is no line break for LSP nor
 * for the parser).
 */
export function looksLikeQemu(text: string): boolean {
  if (/(?:^|[\r\n])(?:\d+@\d+\.\d+:)?smmuv3_\w+[ \r\n]/.test(text)) return true;
  // Other backends' prefixes: look at the first lines only (a log starts with them).
  const head = text.slice(0, 64 * 1024);
  return splitLines(head).some((l) => splitQemuLine(l)?.event.startsWith('smmuv3_') === true);
}

/** What one line gave: records and diagnostics, or that it was not one the replay reads. */
export interface QemuLineResult {
  readonly records: readonly TraceRecord[];
  readonly diagnostics: readonly ScriptDiagnostic[];
  readonly ignored: boolean;
}

/** A line that is no SMMU trace event: one result shared by all of them (they are most of a boot log). */
const NOT_TRACE: QemuLineResult = Object.freeze({ records: [], diagnostics: [], ignored: true });

/** Events with a record: a line of theirs that matches no format is an error, not a note. */
const RECORD_EVENTS = new Set([
  'smmuv3_read_mmio',
  'smmuv3_write_mmio',
  'smmuv3_cmdq_opcode',
  'smmuv3_cmdq_consume_error',
  'smmuv3_record_event',
  'smmuv3_translate_success',
  'smmuv3_translate_bypass',
  'smmuv3_translate_disable',
  'smmuv3_translate_abort',
]);

const TRANSLATIONS: Readonly<Record<string, 'translated' | 'bypass' | 'disabled' | 'abort'>> = {
  smmuv3_translate_success: 'translated',
  smmuv3_translate_bypass: 'bypass',
  smmuv3_translate_disable: 'disabled',
  smmuv3_translate_abort: 'abort',
};

/**
 * State kept across lines: event names not in the table, said once each. (Per line otherwise:
 * one line in, records out, so a streaming reader can feed lines as they come.)
 */
export interface QemuParseState {
  readonly unknownEvents: Set<string>;
}

export function newQemuParseState(): QemuParseState {
  return { unknownEvents: new Set() };
}

/** Read one line (0-based number `n`) of a QEMU log. Never throws. */
export function parseQemuLine(line: string, n: number, state: QemuParseState): QemuLineResult {
  const s = splitQemuLine(line);
  if (!s) return /^\s*M\s/i.test(line) ? memoryLine(line, n) : NOT_TRACE;
  const records: TraceRecord[] = [];
  const diagnostics: ScriptDiagnostic[] = [];
  const out = (ignored = false): QemuLineResult => ({ records, diagnostics, ignored });
  const { event, rest, restStart } = s;
  const whole = rangeOf(n, { start: s.eventStart, end: line.length });
  const formats = formatsOf(event);
  if (!formats.length) {
    if (!state.unknownEvents.has(event)) {
      state.unknownEvents.add(event);
      diagnostics.push({
        severity: 'info',
        code: 'trace.unknown-event',
        message: `${event} is not an event of QEMU's hw/arm/trace-events that the replay knows (QEMU 7.2 on); its lines are ignored`,
        range: rangeOf(n, { start: s.eventStart, end: s.eventStart + event.length }),
      });
    }
    return out(true);
  }
  const m = matchEvent(event, rest);
  if (!m) {
    const expected = formats.map((f) => `'${f.format}' (${versionsText(f.row)})`).join(' or ');
    const replayed = RECORD_EVENTS.has(event);
    diagnostics.push({
      severity: replayed ? 'error' : 'info',
      code: replayed ? 'trace.syntax' : 'trace.format',
      message: `${event}: expected ${expected} as in QEMU's hw/arm/trace-events${replayed ? '' : '; not replayed'}`,
      range: rangeOf(n, { start: restStart, end: line.length }),
    });
    return out(!replayed);
  }
  if (event === 'smmuv3_read_mmio' || event === 'smmuv3_write_mmio') {
    const access = mmio(m, n, restStart, whole, event === 'smmuv3_read_mmio' ? 'R' : 'W', s.thread);
    if ('message' in access) diagnostics.push(access);
    else records.push(access);
    return out();
  }
  const at = (a: EventArg | undefined): Range =>
    rangeOf(n, a ? { start: restStart + a.start, end: restStart + a.end } : { start: restStart, end: line.length });
  const num = (name: string): bigint => {
    const v = m.args.get(name)?.value;
    return typeof v === 'bigint' ? v : 0n;
  };
  const str = (name: string): string => {
    const v = m.args.get(name)?.value;
    return typeof v === 'string' ? v : '';
  };
  if (event === 'smmuv3_cmdq_opcode') {
    records.push({ kind: 'command', name: str('opcode'), line: n, range: whole });
    return out();
  }
  if (event === 'smmuv3_cmdq_consume_error') {
    records.push({
      kind: 'command',
      name: str('cmd_name'),
      error: Number(num('cmd_error')),
      line: n,
      range: whole,
    });
    return out();
  }
  if (event === 'smmuv3_record_event') {
    const sid = num('sid');
    if (sid > 0xffff_ffffn) {
      diagnostics.push(wide(at(m.args.get('sid')), 'StreamID', sid));
      return out();
    }
    records.push({ kind: 'event', name: str('type'), sid: Number(sid), line: n, range: whole });
    return out();
  }
  const outcome = TRANSLATIONS[event];
  if (outcome) {
    const sid = num('sid');
    const iova = outcome === 'translated' ? num('iova') : num('addr');
    // QEMU prints a uint16_t StreamID and 64-bit addresses: more is a damaged line.
    if (sid > 0xffffn) {
      diagnostics.push(wide(at(m.args.get('sid')), 'StreamID', sid, 16));
      return out();
    }
    for (const [name, v] of [
      [outcome === 'translated' ? 'iova' : 'addr', iova],
      ['translated', num('translated')],
    ] as const)
      if (v >> 64n !== 0n) {
        diagnostics.push(wide(at(m.args.get(name)), name, v, 64));
        return out();
      }
    records.push({
      kind: 'translation',
      outcome,
      sid: Number(sid),
      iova,
      ...(outcome === 'translated' ? { pa: num('translated'), perm: Number(num('perm') & 0xffn) } : {}),
      ...(m.args.has('stage') ? { stage: Number(num('stage')) } : {}),
      ...(m.args.has('is_write') ? { write: num('is_write') !== 0n } : {}),
      event,
      line: n,
      range: whole,
    });
    return out();
  }
  // Read, not replayed: configuration cache invalidations, accel STE installs, QEMU's bookkeeping.
  return out(true);
}

function syntaxError(message: string, range: Range): ScriptDiagnostic {
  return { severity: 'error', code: 'trace.syntax', message, range };
}

function wide(range: Range, what: string, v: bigint, bits = 32): ScriptDiagnostic {
  return {
    severity: 'error',
    code: 'trace.syntax',
    message: `${what} 0x${shorten(v.toString(16))} is wider than the ${bits} bits QEMU prints`,
    range,
  };
}

/** An `M` line of the line format inside a QEMU log: parsed by the line format's own parser. */
function memoryLine(line: string, n: number): QemuLineResult {
  const p = parseLineTrace(line);
  const shift = (r: Range): Range => ({
    start: { line: n, character: r.start.character },
    end: { line: n, character: r.end.character },
  });
  return {
    records: p.records.map((r) => ({ ...r, line: n, range: shift(r.range) })) as TraceRecord[],
    diagnostics: p.diagnostics.map((d) => ({ ...d, range: shift(d.range) })),
    ignored: false,
  };
}

function mmio(
  m: MatchedEvent,
  n: number,
  restStart: number,
  whole: Range,
  dir: 'R' | 'W',
  thread: number | undefined,
): TraceRecord | ScriptDiagnostic {
  const a = m.args;
  // Where an argument is, with its 0x: the columns of the address and the value.
  const hexAt = (x: EventArg) => rangeOf(n, { start: restStart + x.start - 2, end: restStart + x.end });
  const size = Number((a.get('size') as EventArg).value);
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8)
    return syntaxError(`size 0x${size.toString(16)} is not an access size`, whole);
  // QEMU prints both with PRIx64 and its MMIO region is 128 KiB: more digits are a corrupt line,
  // reported as the line format reports them (not replayed as a value no register can hold).
  const addr = a.get('addr') as EventArg;
  const offsetValue = addr.value as bigint;
  if (offsetValue > 0xffff_ffffn)
    return syntaxError(
      `offset 0x${shorten(offsetValue.toString(16))} is far beyond the SMMU's register pages`,
      hexAt(addr),
    );
  const val = a.get('val') as EventArg;
  const value = val.value as bigint;
  const valueRange = hexAt(val);
  if (value >> BigInt(size * 8) !== 0n)
    return syntaxError(`value 0x${shorten(value.toString(16))} does not fit a ${size}-byte access`, valueRange);
  let offset = Number(offsetValue);
  if (PAGE1_OFFSETS.has(offset & ~3)) offset += 0x10000;
  // MemTxResult: 0 MEMTX_OK; anything else (MEMTX_ERROR, MEMTX_DECODE_ERROR) is an abort to the guest.
  const abort = ((a.get('r') as EventArg).value as bigint) !== 0n;
  return {
    kind: 'access',
    dir,
    offset,
    size,
    value: dir === 'R' && abort ? undefined : value,
    abort,
    vcpu: thread,
    line: n,
    valueRange,
    range: whole,
  };
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
  /** What the parse carries from line to line (newQemuParseState), made on the first call. */
  state?: QemuParseState;
}

/** Parse `lines`, the first of which is line `first` of the log, into `out`. */
export function parseQemuLines(lines: readonly string[], first: number, out: QemuParse): void {
  const state = (out.state ??= newQemuParseState());
  const { records, diagnostics } = out;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.trim()) continue;
    const r = parseQemuLine(line, first + i, state);
    for (let k = 0; k < r.records.length; k++) records.push(r.records[k] as TraceRecord);
    for (let k = 0; k < r.diagnostics.length; k++) diagnostics.push(r.diagnostics[k] as ScriptDiagnostic);
    if (r.ignored) out.ignored++;
  }
}

/** The backends whose lines are read, for documentation and messages. */
export const ACCEPTED_BACKENDS: readonly string[] = ['log backend (no prefix)', ...TRACE_BACKENDS.map((b) => b.name)];
