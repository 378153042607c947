/**
 * The judgement of a script's run on an emulation: the report the guest printed (a `.smmutrace`,
 * core/guest/ops.ts) is replayed against the reference model exactly as `smmu replay` would replay
 * it (core/trace/replay.ts: the same rules, the same codes, CONSTRAINED UNPREDICTABLE choices as
 * warnings naming the allowed choices), and every finding is moved from its report line to the
 * script line whose operation printed it. Memory reads and event records, which a trace replay
 * does not compare, are compared here with what the model held; `dma` statements that ran on a
 * device are judged with QEMU's own trace (dma-judge.ts).
 *
 * The configuration: the script's, unless the emulation's ID registers (read first by every
 * program) say otherwise; then the differences are listed field by field and the judgement uses
 * what the emulation advertises (§6.3.1–§6.3.8), with the script's CONSTRAINED UNPREDICTABLE
 * choices, since the emulation is judged on what it claims to be.
 */
import { startLine, type Range, type ScriptDiagnostic } from '../base/diagnostics';
import type { ResolvedConfig } from '../config/types';
import { decodeEvent } from '../events/codec';
import { REPORT_END, REPORT_START } from '../guest/ops';
import { decode, hex } from '../registers/codec';
import { getRegister } from '../registers/table';
import { offsetText } from '../script/resolver';
import { inferConfig } from '../trace/infer';
import { parseLineTrace } from '../trace/parse-line';
import { replayTrace, type LineReplay, type ReplaySummary } from '../trace/replay';
import type { TraceDiagnostic, TraceRecord } from '../trace/types';
import { ID_REGISTERS, type CompiledScript } from './compile';
import { judgeDmas, recordDifference, type DmaOutcome, type Observed, type QemuDmaTrace } from './dma-judge';

/** One operation as the emulation did it, beside the model. */
export interface OpOutcome {
  readonly index: number;
  /** What the emulation returned (reads, polls), or `abort`. */
  readonly emulation?: bigint | 'abort';
  /** The model's value for the same access, where the replay or the model knows it. */
  readonly model?: bigint | 'abort' | 'any';
}

export interface Judgement {
  /** Findings at the script's lines (sorted), the not-run notes included. */
  readonly diagnostics: ScriptDiagnostic[];
  /** The configuration the emulation was judged against, and where it came from. */
  readonly config: ResolvedConfig;
  readonly configSource: string;
  /** How many operations the guest reported out of how many the program had. */
  readonly opsReported: number;
  readonly opsTotal: number;
  /** The replay's counts (records, reads, writes, errors per rule). */
  readonly replay: ReplaySummary;
  /** Per script line (0-based): the reads on it, the emulation's and the model's value (hovers). */
  readonly lines: ReadonlyMap<number, readonly OpOutcome[]>;
  /** The report as a `.smmutrace` (the part between the start and end lines), for `--keep`. */
  readonly trace: string;
  /** The `dma` statements that ran on the machine: QEMU's outcome and the model's. */
  readonly dmas: readonly DmaOutcome[];
}

export interface JudgeOptions {
  /** The script's configuration (its `config` line or `--config`). */
  readonly config: ResolvedConfig;
  readonly configSource: string;
  readonly maxGuestMemory?: number;
  /** QEMU's own trace log (`-trace smmuv3_*`, `pci_cfg_write`): where it sent each DMA; whole, or read line by line into a QemuDmaTrace. */
  readonly qemuTrace?: string | QemuDmaTrace;
}

const TAG = /# @(\d+)\b/;
/** A read's (or poll's) report line: the value, the operation, and a poll's loads. */
const READ_LINE = /^(?:#= )?R 0x[0-9A-F]+ \d (0x[0-9A-F]+|abort) # @(\d+)(?: polled 0x([0-9A-F]+))?/;

/** The op index each line of the report belongs to (-1 for lines without a tag). */
function opsByLine(text: string, ops: number): number[] {
  return text.split('\n').map((l) => opOfLine(l, ops));
}

/** Differences between two ID register values, field by field ("VMID16 1 → 0"). */
/** `IDR0: TTENDIAN 0 → 2, …`: the fields of an ID register whose values differ (the configuration's, then the emulation's). */
export function idDifferences(name: (typeof ID_REGISTERS)[number], script: number, qemu: number): string {
  const reg = getRegister(name);
  const a = decode(reg, BigInt(script));
  const b = decode(reg, BigInt(qemu));
  const diffs = a.fields.flatMap((f, i) => {
    const g = b.fields[i];
    return g && g.value !== f.value ? [`${f.field.name} ${f.value} → ${g.value}`] : [];
  });
  return `${name}: ${diffs.length ? diffs.join(', ') : `${hex(BigInt(script))} → ${hex(BigInt(qemu))}`}`;
}

/** Where operation `op` of the program is in the script (its statement's range). */
export function opRange(compiled: CompiledScript, op: number): Range {
  return compiled.expectations[op]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

/** An included statement's own place, as related information. */
function relatedIn(compiled: CompiledScript, op: number) {
  const inner = compiled.expectations[op]?.inner;
  return inner
    ? { related: [{ message: 'the statement in the included file', range: inner.range, path: inner.path }] }
    : {};
}

/** The values the program's first operations read from the ID registers (`lineOps`: each report line's operation). */
export function idReadsOf(records: readonly TraceRecord[], lineOps: readonly number[]): Map<string, number> {
  const idReads = new Map<string, number>();
  for (const rec of records) {
    if (rec.kind !== 'access' || rec.dir !== 'R' || rec.value === undefined) continue;
    const op = lineOps[rec.line] ?? -1;
    if (op >= 0 && op < ID_REGISTERS.length) idReads.set(ID_REGISTERS[op] as string, Number(rec.value));
  }
  return idReads;
}

/**
 * The configuration the emulation is judged against: the script's, or, when the ID registers the
 * emulation advertises differ, the script's with those (inferred from `records` as `smmu replay`
 * infers them), with what the configuration rules say of them and a note naming the fields.
 */
export function judgedConfig(
  compiled: CompiledScript,
  idReads: ReadonlyMap<string, number>,
  records: readonly TraceRecord[],
  options: JudgeOptions,
): { config: ResolvedConfig; configSource: string; diagnostics: ScriptDiagnostic[] } {
  const diagnostics: ScriptDiagnostic[] = [];
  const config = options.config;
  const differing = ID_REGISTERS.filter((n) => idReads.has(n) && idReads.get(n) !== config.ids[n]);
  if (!differing.length) return { config, configSource: options.configSource, diagnostics };
  const inf = inferConfig(records);
  const ids = { ...config.ids };
  for (const [n, v] of idReads) ids[n] = v;
  // What the configuration rules say of what QEMU advertises (a meaningless IIDR, a combination
  // a driver refuses), at the read of the register, as `smmu replay` says it.
  for (const d of inf.diagnostics) {
    if (d.severity === 'info') continue;
    const reg = /\b(IDR\d|IIDR|AIDR)\b/.exec(d.message)?.[1];
    const op = Math.max(0, reg ? ID_REGISTERS.indexOf(reg as (typeof ID_REGISTERS)[number]) : 0);
    diagnostics.push({
      severity: d.severity === 'error' ? 'error' : 'warning',
      code: 'trace.config',
      message: `QEMU's ID registers: ${d.message} (configuration rule ${d.code})`,
      range: opRange(compiled, op),
    });
  }
  diagnostics.push({
    severity: 'info',
    code: 'qemu.ids',
    message: `the emulation's ID registers differ from the configuration (${differing.map((n) => idDifferences(n, options.config.ids[n] ?? 0, idReads.get(n) as number)).join('; ')}): it is judged against what it advertises`,
    range: opRange(compiled, 0),
  });
  return {
    config: { ...config, name: `${config.name}, with QEMU's ID registers`, ids: inf.config?.ids ?? ids },
    configSource: `${options.configSource}, with the ID registers the emulation advertises`,
    diagnostics,
  };
}

/** A replay finding at report line of operation `op`, moved to the script's line; undefined for what is the script's own. */
export function scriptFinding(compiled: CompiledScript, d: TraceDiagnostic, op: number): ScriptDiagnostic | undefined {
  if (op < 0) return undefined;
  // The guest's own mistakes (RES0 written, an illegal size) are the script's: `smmu run` reports them.
  if (d.severity === 'info' && !d.code.startsWith('replay.') && !d.code.startsWith('trace.')) return undefined;
  return {
    severity: d.severity,
    code: d.code,
    message: `QEMU: ${d.message}`,
    range: opRange(compiled, op),
    ...(d.section ? { section: d.section } : {}),
    ...relatedIn(compiled, op),
  };
}

/** `== abort` / `!= abort` on operation `op`: the script's expectation, judged on what the guest saw. */
export function abortFinding(compiled: CompiledScript, op: number, r: LineReplay): ScriptDiagnostic | undefined {
  const want = compiled.expectations[op]?.abort;
  if (!want || (r.emulation === 'abort') === (want === '==')) return undefined;
  const rec = r.record;
  const what = `the ${rec.size * 8}-bit ${rec.dir === 'R' ? 'read' : 'write'} at ${offsetText(rec.offset)}`;
  const did =
    r.emulation === 'abort'
      ? 'took an external abort'
      : rec.dir === 'R'
        ? `did not abort (it read ${hex(r.emulation, rec.size === 8 ? 64 : 32)})`
        : 'did not abort';
  return {
    severity: 'error',
    code: 'qemu.abort',
    message: `QEMU: ${what} ${did}; the script expects ${want === '==' ? 'an abort' : 'no abort'}`,
    range: opRange(compiled, op),
    section: '6.2',
    ...relatedIn(compiled, op),
  };
}

/** A guest memory read (`#= R ADDRESS SIZE VALUE`) of operation `op` against the model's memory. */
export function memoryFinding(
  compiled: CompiledScript,
  op: number,
  address: string,
  got: bigint | 'abort',
  model: bigint,
): ScriptDiagnostic | undefined {
  const message =
    got === 'abort'
      ? `QEMU: the memory read at 0x${address} took an abort; the model read ${hex(model, 64)}`
      : got !== model
        ? `QEMU: memory at 0x${address} holds ${hex(got, 64)}, the model ${hex(model, 64)}`
        : undefined;
  return message === undefined
    ? undefined
    : { severity: 'error', code: 'qemu.memory', message, range: opRange(compiled, op), ...relatedIn(compiled, op) };
}

/** A memory read's report line: its address, size and value. */
export const MEMORY_LINE = /^#= R 0x([0-9A-F]+) (\d) (0x[0-9A-F]+|abort)/;

/** The operation a report line belongs to, from its tag; -1 for none (a damaged tag names no operation of `ops`). */
export function opOfLine(text: string, ops: number): number {
  const m = TAG.exec(text);
  const i = m ? Number(m[1]) : -1;
  return i < ops ? i : -1;
}

/**
 * Judge the report `text` a guest printed for `compiled`. Never throws: a report cut short (the
 * guest stopped, the emulation crashed) is judged as far as it goes and the first operation that
 * did not report is named.
 */
export function judgeReport(compiled: CompiledScript, text: string, options: JudgeOptions): Judgement {
  const diagnostics: ScriptDiagnostic[] = [...compiled.notRun];
  const startAt = text.indexOf(REPORT_START);
  const endAt = text.indexOf(REPORT_END, Math.max(0, startAt));
  const body = startAt < 0 ? '' : text.slice(startAt + REPORT_START.length, endAt < 0 ? undefined : endAt);
  // Only whole lines count: a line cut by a crash is not an observation.
  const trace = endAt < 0 ? body.slice(0, body.lastIndexOf('\n') + 1) : body;
  const lineOps = opsByLine(trace, compiled.ops.length);
  const parsed = parseLineTrace(trace);
  const rangeOf = (op: number): Range => opRange(compiled, op);
  const relatedOf = (op: number) => relatedIn(compiled, op);

  // Which operations reported (the highest index seen), and a fatal exception line.
  let lastOp = -1;
  for (const i of lineOps) if (i > lastOp) lastOp = i;
  const fatal = /^# fatal.*$/m.exec(body)?.[0];
  const opsTotal = compiled.ops.length;
  if (lastOp < opsTotal - 1 || endAt < 0) {
    const next = Math.min(lastOp + 1, opsTotal - 1);
    const why = fatal
      ? `the guest stopped on an unexpected exception (${fatal.replace(/^# /, '')})`
      : startAt < 0
        ? 'the guest program printed nothing'
        : 'the guest program stopped before reporting this statement';
    if (opsTotal > 0 && lastOp < opsTotal - 1)
      diagnostics.push({
        severity: 'error',
        code: 'qemu.stopped',
        message: `${why}; the statements from here on were not checked on the emulation`,
        range: rangeOf(next),
        ...relatedOf(next),
      });
    else if (endAt < 0)
      diagnostics.push({
        severity: 'error',
        code: 'qemu.stopped',
        message: `${why}: the report has no end line`,
        range: rangeOf(Math.max(0, opsTotal - 1)),
      });
  }

  // The configuration: the emulation's ID registers against the script's.
  const judged = judgedConfig(compiled, idReadsOf(parsed.records, lineOps), parsed.records, options);
  const { config, configSource } = judged;
  diagnostics.push(...judged.diagnostics);

  // The replay, with findings moved to the script.
  const replayed = replayTrace(parsed, {
    config,
    configSource,
    ...(options.maxGuestMemory !== undefined ? { maxGuestMemory: options.maxGuestMemory } : {}),
  });
  for (const d of replayed.diagnostics) {
    const found = scriptFinding(compiled, d, lineOps[d.line] ?? -1);
    if (found) diagnostics.push(found);
  }

  // Per-line outcomes (hovers), and memory and event comparisons the replay does not make.
  const lines = new Map<number, OpOutcome[]>();
  const add = (op: number, o: OpOutcome) => {
    const l = startLine(rangeOf(op));
    const list = lines.get(l) ?? [];
    list.push(o);
    lines.set(l, list);
  };
  const replayOf = (traceLine: number): LineReplay | undefined => replayed.lines.get(traceLine);
  const observed = new Map<number, Observed>();
  for (const l of trace.split('\n')) {
    const m = READ_LINE.exec(l);
    if (m)
      observed.set(Number(m[2]), {
        value: m[1] === 'abort' ? 'abort' : BigInt(m[1] as string),
        ...(m[3] !== undefined ? { loads: parseInt(m[3], 16) } : {}),
      });
  }
  const dmas = judgeDmas(compiled, observed, options.qemuTrace);
  diagnostics.push(...dmas.diagnostics);
  const eventDwords = new Map<
    number,
    {
      words: readonly number[];
      got: (bigint | undefined)[];
      op: number;
      slot: number;
      from?: { dma: number; record: number };
    }
  >();
  for (const [traceLine, text0] of trace.split('\n').entries()) {
    const op = lineOps[traceLine] ?? -1;
    if (op < 0) continue;
    const r = replayOf(traceLine);
    if (r) {
      add(op, { index: op, emulation: r.emulation, model: r.model });
      const wrong = abortFinding(compiled, op, r);
      if (wrong) diagnostics.push(wrong);
      continue;
    }
    const m = MEMORY_LINE.exec(text0);
    if (!m) continue;
    const got = m[3] === 'abort' ? 'abort' : BigInt(m[3] as string);
    const e = compiled.expectations[op];
    if (e?.memory !== undefined) {
      add(op, { index: op, emulation: got, model: e.memory });
      const wrong = memoryFinding(compiled, op, m[1] as string, got, e.memory);
      if (wrong) diagnostics.push(wrong);
    } else if (e?.event) {
      const key = e.event.slot * 1000 + startLine(rangeOf(op));
      const entry = eventDwords.get(key) ?? {
        words: e.event.words,
        got: [],
        op,
        slot: e.event.slot,
        ...(e.event.from ? { from: e.event.from } : {}),
      };
      entry.got[e.event.dword] = got === 'abort' ? undefined : got;
      eventDwords.set(key, entry);
    }
  }
  for (const { words, got, op, slot, from } of eventDwords.values()) {
    const at = (severity: ScriptDiagnostic['severity'], message: string, section?: string) =>
      diagnostics.push({
        severity,
        code: 'qemu.event',
        message,
        range: rangeOf(op),
        ...(section ? { section } : {}),
        ...relatedOf(op),
      });
    // A record a DMA made: QEMU may have written it in another slot than the model (more records before it).
    const dmaLine = from ? (compiled.dmas[from.dma]?.range.start.line ?? 0) + 1 : 0;
    if (from && dmas.unjudged.has(from.dma)) {
      at('info', `not compared: the DMA on line ${dmaLine} that makes this record was not judged`);
      continue;
    }
    const theirs = from ? dmas.qemuRecord(from.dma, from.record) : undefined;
    let qemuWords: readonly number[] | undefined;
    if (theirs && !theirs.written) {
      at(
        'info',
        `QEMU wrote ${theirs.count === 0 ? 'no event record' : `only ${theirs.count} event record${theirs.count === 1 ? '' : 's'}`} for the DMA on line ${dmaLine}, so not this one (see that line)`,
      );
      continue;
    }
    if (theirs && theirs.slot !== slot) {
      const why = theirs.shifted.length
        ? `QEMU wrote another number of records than the model for the DMA on line${theirs.shifted.length === 1 ? '' : 's'} ${theirs.shifted.join(', ')}`
        : 'QEMU wrote another number of records than the model before it';
      if (!theirs.words) {
        at(
          'info',
          `QEMU wrote this record in EVENTQ[${theirs.slot}], the model in EVENTQ[${slot}] (${why}); the program did not read EVENTQ[${theirs.slot}], so it was not compared`,
        );
        continue;
      }
      at(
        'info',
        `QEMU wrote this record in EVENTQ[${theirs.slot}], the model in EVENTQ[${slot}]: ${why}; QEMU's record there is compared`,
      );
      qemuWords = theirs.words;
    } else {
      if (got.length < 4 || got.some((g) => g === undefined)) continue;
      qemuWords = (got as bigint[]).flatMap((dw) => [Number(dw & 0xffff_ffffn), Number(dw >> 32n)]);
    }
    const diff = recordDifference(qemuWords, words);
    const section = decodeEvent(words).def?.section ?? '7.3';
    if (diff) at('error', `${diff} (§${section})`, section);
  }
  diagnostics.sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
  return {
    diagnostics,
    config,
    configSource,
    opsReported: lastOp + 1,
    opsTotal,
    replay: replayed.summary,
    lines,
    trace,
    dmas: dmas.outcomes,
  };
}

/** The report's trace with its origin, ready to save for `smmu replay`. */
export function keptTrace(j: Judgement, scriptPath: string): string {
  return `# What QEMU did running ${scriptPath} (smmu qemu): replay with \`smmu replay\`\n${j.trace}`;
}
