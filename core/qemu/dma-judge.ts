/**
 * The judgement of the `dma` statements that ran on QEMU's edu device (dma-plan.ts): what QEMU
 * did with each transfer, against the model's outcome for the same transaction.
 *
 * Three observations per transfer:
 *   - QEMU's own trace (`-trace smmuv3_*`), split per transfer at the program's Command write
 *     (`pci_cfg_write … @0x4`): `smmuv3_translate_success … translated=PA`, `_bypass`, `_disable`
 *     (SMMUEN = 0), `_abort`, and `smmuv3_record_event`: where the SMMU sent the transfer;
 *   - for a `dma write` into RAM, the doubleword at the model's PA read back: whether the bytes
 *     landed there;
 *   - EVENTQ_PROD before and after the transfer and the queue slots in between: how many records
 *     QEMU wrote, and each record field by field against the model's (§7.3).
 *
 * A record an `expect event` statement looks at is compared on that statement's line (judge.ts
 * asks `qemuRecord` where QEMU wrote it: after a transfer for which QEMU wrote more records than
 * the model, QEMU's later records sit in later slots than the model's).
 */
import type { ScriptDiagnostic } from '../base/diagnostics';
import { decodeEvent, formatEvent, type DecodedLayoutField } from '../events/codec';
import { hex } from '../registers/codec';
import type { CompiledScript } from './compile';
import type { DmaCheck } from './dma-plan';
import { EDU_CMD_START, EDU_POLL_LOADS } from './edu';
import { newQemuParseState, parseQemuLine } from '../trace/parse-qemu';
import { backendPrefix } from '../trace/qemu-prefix';

/** What the guest read for an operation (reads and polls), and a poll's number of loads. */
export interface Observed {
  readonly value: bigint | 'abort';
  readonly loads?: number;
}

/** One transfer as QEMU did it and as the model says, for `--json` and the editor. */
export interface DmaOutcome {
  /** The statement's line (0-based; an included statement's include line). */
  readonly line: number;
  readonly sid: number;
  readonly iova: bigint;
  readonly direction: 'read' | 'write';
  /** Where QEMU sent the transfer's first byte, `abort` when it did not complete it; undefined when its trace was not compared. */
  readonly emulation?: bigint | 'abort';
  readonly model: bigint | 'abort';
  /** Event records written for the transfer: the model's and QEMU's (undefined when not read). */
  readonly records: { readonly model: number; readonly emulation?: number };
}

/** Where QEMU wrote the record the model wrote as record `record` of a transfer, and its words when the program read them. */
export type QemuRecord =
  | { readonly written: false; readonly count: number }
  /** `shifted`: the lines (1-based) of earlier transfers for which QEMU wrote another number of records than the model. */
  | {
      readonly written: true;
      readonly slot: number;
      readonly words?: readonly number[];
      readonly shifted: readonly number[];
    };

export interface DmaJudgement {
  readonly diagnostics: ScriptDiagnostic[];
  readonly outcomes: DmaOutcome[];
  /** For `expect event`: QEMU's counterpart of record `record` of transfer `dma`; undefined when not known. */
  readonly qemuRecord: (dma: number, record: number) => QemuRecord | undefined;
  /** Transfers that were not judged (the device was not there, the transfer did not finish): their records neither. */
  readonly unjudged: ReadonlySet<number>;
}

/** A translation QEMU traced as completed: where it sent the IOVA, and how. */
export interface Passed {
  readonly iova: bigint;
  readonly pa: bigint;
  readonly how: 'translated' | 'STE bypass' | 'SMMU disabled';
}

/**
 * One transfer's lines of QEMU's trace, for its StreamID, reduced as they are read to what the
 * judgement uses: the translation of the transfer's IOVA (else its StreamID's first), whether one
 * aborted, the events recorded. A transfer of many pages keeps no more than one of a page.
 */
export interface DmaTraceSegment {
  /** The Command write that starts it: the function it wrote to (slot, function). */
  readonly slot: number;
  readonly fn: number;
  /** The first translation of the transfer's StreamID, and the first of its IOVA. */
  first?: Passed;
  exact?: Passed;
  aborted: boolean;
  /** The event records traced for the StreamID, by name. */
  readonly records: string[];
}

const MARKER = /^pci_cfg_write \S+ ([0-9a-f]+):([0-9a-f]+)\.([0-9a-f]+) @0x4 <- 0x[0-9a-f]+/i;
const HOW = { translated: 'translated', bypass: 'STE bypass', disabled: 'SMMU disabled' } as const;

/**
 * QEMU's trace cut at the program's Command writes, read a line at a time (QEMU's log streamed
 * from its file, server/qemu/process.ts, or a whole log split into lines): segment k is transfer
 * k's. What is kept is one summary per transfer of the program, so memory does not grow with the
 * log (a transfer of a thousand pages is a thousand `smmuv3_translate_success` lines). The SMMU's
 * lines are read as the replay reads them (core/trace/parse-qemu.ts: every QEMU version's format,
 * every backend's prefix).
 */
export class QemuDmaTrace {
  private readonly out: DmaTraceSegment[] = [];
  /** Segments past the program's transfers: counted, not kept (no transfer is judged with them). */
  private extra = 0;
  private readonly state = newQemuParseState();

  constructor(private readonly dmas: readonly { readonly sid: number; readonly iova: bigint }[]) {}

  /** The next line of the log, without its line break. */
  line(raw: string): void {
    const m = MARKER.exec(raw.slice(backendPrefix(raw).start));
    if (m) {
      if (this.out.length < this.dmas.length)
        this.out.push({
          slot: parseInt(m[2] as string, 16),
          fn: parseInt(m[3] as string, 16),
          aborted: false,
          records: [],
        });
      else this.extra++;
      return;
    }
    if (this.extra || !this.out.length) return;
    const k = this.out.length - 1;
    const seg = this.out[k] as DmaTraceSegment;
    const dma = this.dmas[k] as { sid: number; iova: bigint };
    for (const r of parseQemuLine(raw, 0, this.state).records) {
      if (r.kind === 'translation') {
        if (r.sid !== dma.sid) continue;
        if (r.outcome === 'abort') seg.aborted = true;
        else {
          const p = { iova: r.iova, pa: r.pa ?? r.iova, how: HOW[r.outcome] };
          seg.first ??= p;
          if (!seg.exact && r.iova === dma.iova) seg.exact = p;
        }
      } else if (r.kind === 'event' && r.sid === dma.sid) seg.records.push((r.name ?? '').replace(/^SMMU_EVT_/, ''));
    }
  }

  /** The segments read, in order (one per transfer of the program at most). */
  segments(): readonly DmaTraceSegment[] {
    return this.out;
  }
}

/** A whole log's segments (the log as one string: tests, the fuzzer). */
function segmentsOf(
  trace: string,
  dmas: readonly { readonly sid: number; readonly iova: bigint }[],
): readonly DmaTraceSegment[] {
  const t = new QemuDmaTrace(dmas);
  for (const raw of trace.split(/\r?\n/)) t.line(raw);
  return t.segments();
}

const hx = (v: bigint) => hex(v, 64);

function fieldText(d: DecodedLayoutField | undefined): string {
  if (!d) return '0';
  if (d.enumValue)
    return `${d.value
      .toString(2)
      .padStart(d.field.msb - d.field.lsb + 1, '0')
      .replace(/^/, '0b')} (${d.enumValue.name})`;
  return d.field.msb === d.field.lsb ? d.value.toString() : `0x${d.value.toString(16).toUpperCase()}`;
}

/**
 * How QEMU's record differs from the model's, field by field ("CLASS: QEMU 0b00 (CD), the model
 * 0b10 (IN)"), or undefined when the two are the same record. A field the architecture leaves
 * UNKNOWN in the model's record (the IPA of a stage 1 fault, §7.3.13; the SubstreamID when SSV is
 * 0, §7.3) may hold anything.
 */
export function recordDifference(qemu: readonly number[], model: readonly number[]): string | undefined {
  if (qemu.every((w, i) => w >>> 0 === (model[i] ?? 0) >>> 0)) return undefined;
  const q = decodeEvent(qemu);
  const m = decodeEvent(model);
  if (q.id !== m.id || !m.def) return `QEMU wrote ${formatEvent(q)}, the model ${formatEvent(m)}`;
  const known = (f: DecodedLayoutField) => {
    const u = f.field.unknownUnless;
    const on = u && m.fields.find((x) => x.field.name === u.field);
    return !u || !on || u.values.includes(Number(on.value));
  };
  const diffs = m.fields.flatMap((f, i) => {
    const g = q.fields[i];
    return g && g.value !== f.value && known(f)
      ? [`${f.field.name}: QEMU ${fieldText(g)}, the model ${fieldText(f)}`]
      : [];
  });
  const res0 = q.reservedRuns.length
    ? [`QEMU set RES0 bits ${q.reservedRuns.map(([a, b]) => (a === b ? `${a}` : `[${a}:${b}]`)).join(', ')}`]
    : [];
  if (!diffs.length && !res0.length) return undefined;
  return `QEMU's ${m.def.name} record differs from the model's in ${[...diffs, ...res0].join('; ')} (QEMU wrote ${formatEvent(q)}, the model ${formatEvent(m)})`;
}

/** Four doublewords as eight little-endian words. */
function wordsOf(dwords: readonly bigint[]): number[] {
  return dwords.flatMap((dw) => [Number(dw & 0xffff_ffffn), Number(dw >> 32n)]);
}

function modelText(c: DmaCheck): string {
  const m = c.model;
  if (m.pa !== undefined)
    return `${m.outcome === 'bypass' ? 'passes it through untranslated' : 'translates it'} to ${hx(m.pa)} (${m.detail})`;
  if (m.outcome === 'stalled') return `stalls it: ${m.detail}`;
  if (m.outcome === 'raz-wi') return `completes it without memory access (reads as zero, writes ignored): ${m.detail}`;
  return `terminates it: ${m.detail}`;
}

type Report = (severity: ScriptDiagnostic['severity'], code: string, message: string, section?: string) => void;

/**
 * Where QEMU sent the transfer (its trace segment), against the model: QEMU's PA for the first
 * byte (`abort` when it did not complete it) and the events it traced; true when they diverge.
 */
function compareTranslation(
  c: DmaCheck,
  seg: DmaTraceSegment,
  report: Report,
): { pa: bigint | 'abort'; recorded: string[]; diverged: boolean } {
  const first = seg.exact ?? seg.first;
  const recorded = seg.records;
  const pa = first ? first.pa + (c.iova - first.iova) : undefined;
  const m = c.model;
  const went =
    first && pa !== undefined
      ? first.how === 'translated'
        ? `translated IOVA ${hx(c.iova)} to ${hx(pa)}`
        : `passed IOVA ${hx(c.iova)} through untranslated (${first.how})`
      : undefined;
  let diverged = true;
  if (m.pa !== undefined && went === undefined) {
    const why = recorded.length
      ? `it recorded ${recorded.join(', ')}`
      : seg.aborted
        ? 'it aborted it'
        : 'no translation in its trace';
    report('error', 'qemu.dma', `QEMU did not complete the transfer (${why}); the model ${modelText(c)}`);
  } else if (m.pa !== undefined && pa !== m.pa)
    report('error', 'qemu.dma', `QEMU ${went as string}; the model ${modelText(c)}`);
  else if (m.pa === undefined && went !== undefined)
    report('error', 'qemu.dma', `QEMU ${went} and the transfer went ahead; the model ${modelText(c)}`);
  else diverged = false;
  return { pa: pa ?? 'abort', recorded, diverged };
}

/** The transfer's event records in QEMU's queue: the slots from its PROD before to after, and their words where the program read them. */
interface QemuRecords {
  readonly count: number;
  readonly slots: readonly number[];
  readonly words: ReadonlyMap<number, number[]>;
}

/**
 * QEMU's records for the transfer against the model's: how many (a second record of the same
 * fault is a warning, §7.3.1; a missing or different one an error, §7.3) and, for those no
 * `expect event` statement compares, each one field by field.
 */
function compareRecords(
  c: DmaCheck,
  q: QemuRecords,
  traced: readonly string[],
  translationDiverged: boolean,
  report: Report,
): void {
  const n = c.records.length;
  const { count, slots, words } = q;
  const describe = (j: number) => {
    const w = words.get(slots[j] as number);
    return w ? formatEvent(decodeEvent(w)) : (traced[j] ?? 'a record the program did not read');
  };
  // A divergent translation already says that QEMU faulted where the model did not.
  if (count !== n && !(n === 0 && translationDiverged)) {
    const theirs = slots.map((_, j) => describe(j));
    const ours = c.records.map((r) => formatEvent(decodeEvent(r.words)));
    const model = c.records[0]?.words;
    // The same event number and StreamID as the model's record: the transfer seen again.
    const same = (w: readonly number[] | undefined) =>
      w !== undefined &&
      model !== undefined &&
      ((w[0] as number) & 0xff) === ((model[0] as number) & 0xff) &&
      w[1] === model[1];
    if (n > 0 && count > n && slots.every((slot) => same(words.get(slot)))) {
      const inputs = slots.map(
        (slot) => decodeEvent(words.get(slot) as number[]).fields.find((f) => f.field.name === 'InputAddr')?.value,
      );
      const distinct = new Set(inputs.filter((x) => x !== undefined)).size;
      const how =
        distinct > 1
          ? `QEMU made the transfer as ${count} transactions (at ${inputs.map((x) => hx(x as bigint)).join(', ')}) and recorded each`
          : `QEMU's trace shows ${traced.length || count} faulting translations of the transfer, each recorded`;
      report(
        'warning',
        'qemu.event',
        `QEMU wrote ${count} event records for this one ${c.bytes}-byte transfer, the model ${n}: ${theirs.join('; ')}. ${how}: the device's ${c.bytes} bytes within one doubleword are one transaction, and one transaction is matched to one fault event (§7.3.1)`,
        '7.3.1',
      );
    } else {
      report(
        'error',
        'qemu.event',
        `QEMU wrote ${count === 0 ? 'no event record' : `${count} event record${count === 1 ? '' : 's'} (${theirs.join('; ')})`} for this transfer, the model ${n === 0 ? 'none' : `${n} (${ours.join('; ')})`}`,
        '7.3',
      );
    }
  }
  for (let j = 0; j < Math.min(n, count); j++) {
    if (c.expected.has(j)) continue;
    const w = words.get(slots[j] as number);
    const model = c.records[j] as { words: readonly number[]; slot: number };
    if (!w) {
      report(
        'info',
        'qemu.event',
        `QEMU's record for this transfer in EVENTQ[${slots[j]}] was not compared: the program did not read that slot`,
      );
      continue;
    }
    const diff = recordDifference(w, model.words);
    const section = decodeEvent(model.words).def?.section ?? '7.3';
    if (diff) report('error', 'qemu.event', `${diff} (§${section})`, section);
  }
}

export function judgeDmas(
  compiled: CompiledScript,
  observed: ReadonlyMap<number, Observed>,
  qemuTrace: string | QemuDmaTrace | undefined,
): DmaJudgement {
  const diagnostics: ScriptDiagnostic[] = [];
  const outcomes: DmaOutcome[] = [];
  const segs =
    qemuTrace === undefined
      ? undefined
      : typeof qemuTrace === 'string'
        ? segmentsOf(qemuTrace, compiled.dmas)
        : qemuTrace.segments();
  // QEMU's records per transfer: the slots from its EVENTQ_PROD before to after, with their words when read.
  const written = new Map<number, QemuRecords>();
  // Transfers (their lines, 1-based) for which QEMU wrote another number of records than the model.
  const miscounted: { dma: number; line: number }[] = [];
  const value = (op: number): bigint | undefined => {
    const o = observed.get(op);
    return o === undefined || o.value === 'abort' ? undefined : o.value;
  };
  const at = (
    c: DmaCheck,
    severity: ScriptDiagnostic['severity'],
    code: string,
    message: string,
    section?: string,
  ): void => {
    diagnostics.push({
      severity,
      code,
      message,
      range: c.range,
      ...(section ? { section } : {}),
      ...(c.inner
        ? { related: [{ message: 'the statement in the included file', range: c.inner.range, path: c.inner.path }] }
        : {}),
    });
  };
  // Devices whose setup reads did not answer as edu does (StreamID → the line that set it up): their transfers are not judged.
  const broken = new Map<number, number>();
  compiled.expectations.forEach((e, op) => {
    if (!e.device) return;
    const o = observed.get(op);
    if (o === undefined || o.value === e.device.expected) return;
    if (!broken.has(e.device.sid)) broken.set(e.device.sid, e.range.start.line + 1);
    diagnostics.push({
      severity: 'error',
      code: 'qemu.device',
      message: `QEMU: ${e.device.what} read ${o.value === 'abort' ? 'an abort' : hex(o.value)}, not ${hex(e.device.expected)}: the device is not there as the program needs it, so its DMAs were not judged`,
      range: e.range,
    });
  });
  if (compiled.dmas.length && segs === undefined) {
    const first = compiled.dmas[0] as DmaCheck;
    at(
      first,
      'info',
      'qemu.dma',
      "QEMU's trace log is missing: where QEMU sent each transfer was not compared (only memory and event records were)",
    );
  }

  const unjudged = new Set<number>();
  compiled.dmas.forEach((c, k) => {
    const poll = observed.get(c.poll);
    if (poll === undefined || broken.has(c.sid)) {
      unjudged.add(k);
      const setup = broken.get(c.sid);
      if (setup !== undefined && setup !== c.range.start.line + 1)
        at(
          c,
          'info',
          'qemu.dma',
          `not judged: the edu device for StreamID ${c.sid} is not there as the program needs it (line ${setup})`,
        );
      return;
    }
    if (poll.value === 'abort' || (poll.value & EDU_CMD_START) !== 0n) {
      unjudged.add(k);
      at(
        c,
        'warning',
        'qemu.dma',
        `the edu transfer did not finish: its command register ${poll.value === 'abort' ? 'aborted' : `still read ${hex(poll.value)}`} after ${poll.loads ?? EDU_POLL_LOADS} loads; this DMA was not judged`,
      );
      return;
    }
    const report: Report = (severity, code, message, section) => at(c, severity, code, message, section);
    // Where QEMU sent the transfer (its trace), against the model.
    const seg = segs?.[k];
    let translation: ReturnType<typeof compareTranslation> | undefined;
    if (seg && (seg.slot !== c.device.slot || seg.fn !== c.device.fn)) {
      report(
        'warning',
        'qemu.dma',
        `QEMU's trace does not line up with the program: the transfer's marker is for function ${seg.slot}.${seg.fn}, not ${c.device.slot}.${c.device.fn}; where QEMU sent it was not compared`,
      );
    } else if (seg) translation = compareTranslation(c, seg, report);
    const diverged = translation?.diverged ?? false;
    const outcome = {
      line: c.range.start.line,
      sid: c.sid,
      iova: c.iova,
      direction: c.write ? ('write' as const) : ('read' as const),
      ...(translation ? { emulation: translation.pa } : {}),
      model: c.model.pa ?? ('abort' as const),
    };

    // The write's bytes, where the model says they land (not repeated when the trace already diverged).
    const landed = c.data && value(c.data.op);
    if (c.data && landed !== undefined && landed !== c.data.expected && !diverged) {
      const pa = hx(c.model.pa as bigint);
      const where = `the doubleword at ${hx(c.data.address)}`;
      report(
        'error',
        'qemu.dma',
        landed === c.data.pattern
          ? `the device's ${c.bytes}-byte write did not reach ${pa}, where the model sends it: ${where} still holds the pattern the program stored before the transfer`
          : `after the device's ${c.bytes}-byte write ${where} holds ${hx(landed)}, not ${hx(c.data.expected)} (the program's pattern with the device's zero bytes at ${pa}, where the model sends them)`,
      );
    }

    // Event records: QEMU's are the slots from its PROD before the transfer to its PROD after.
    const before = value(c.prodBefore);
    const after = value(c.prodAfter);
    if (!c.queue || before === undefined || after === undefined) {
      outcomes.push({ ...outcome, records: { model: c.records.length } });
      return;
    }
    const size = 2 ** c.queue.log2;
    const count = Number((after - before) & BigInt(2 * size - 1));
    const firstSlot = Number(before & BigInt(size - 1));
    const words = new Map<number, number[]>();
    for (const w of c.window) {
      const dws = [0, 1, 2, 3].map((d) => value(w.op + d));
      if (dws.every((d): d is bigint => d !== undefined)) words.set(w.slot, wordsOf(dws));
    }
    const records: QemuRecords = {
      count,
      slots: Array.from({ length: count }, (_, j) => (firstSlot + j) % size),
      words,
    };
    written.set(k, records);
    outcomes.push({ ...outcome, records: { model: c.records.length, emulation: count } });
    if (count !== c.records.length) miscounted.push({ dma: k, line: c.range.start.line + 1 });
    compareRecords(c, records, translation?.recorded ?? [], diverged, report);
  });

  const qemuRecord = (dma: number, record: number): QemuRecord | undefined => {
    const w = written.get(dma);
    if (!w) return undefined;
    if (record >= w.count) return { written: false, count: w.count };
    const slot = w.slots[record] as number;
    const words = w.words.get(slot);
    const shifted = miscounted.filter((m) => m.dma < dma).map((m) => m.line);
    return words ? { written: true, slot, words, shifted } : { written: true, slot, shifted };
  };
  return { diagnostics, outcomes, qemuRecord, unjudged };
}
