/**
 * Stepping through a trace (`.smmutrace`, or a QEMU log) like a script: one record per step, on
 * the trace file's own lines, so line breakpoints, step back, data breakpoints and the console
 * work as they do for a script (runtime.ts).
 *
 * The trace is first replayed whole (core/trace/check.ts): that is the judge, so the debugger
 * stops exactly where `smmu replay` and the editor report a divergence, with the same rule, and
 * never on an allowed choice. The debugger's own model then re-executes the records one by one
 * as the replay did: writes the emulation took are written (an aborted write is not), reads are
 * read, `M` records go to guest memory, and wherever the replay took the emulation's value (an
 * allowed CONSTRAINED UNPREDICTABLE choice, an UNKNOWN reset value, an SMMU-owned index it cannot
 * predict without guest memory, docs/trace-replay.md) the model takes it too, so its state at
 * every step is the replay's state.
 *
 * Without `M` records the model does not consume commands (it has no queue contents: §3.5, the
 * replay takes CMDQ_CONS from the trace); with them, a doorbell's commands are stepped into one by
 * one as in a script.
 */
import type { ResolvedConfig } from '../config/types';
import { bitRanges, decode, hex } from '../registers/codec';
import { widthMask } from '../registers/table';
import type { ScriptDiagnostic } from '../base/diagnostics';
import type { ScriptHost } from '../script/check';
import { checkTrace, type TraceCheck } from '../trace/check';
import { kindOf } from '../files/kind';
import { summaryText, type Adoption, type LineReplay, type TraceDiagnostic } from '../trace/replay';
import type { TraceRecord } from '../trace/types';
import { Machine, type Op, type OpResult } from './machine';
import type { ScopeView, VarNode } from './views';

/** Rules whose errors are divergences of the emulation (not the guest's own mistakes). */
const DIVERGENCE = /^(replay|mvcpu)\./;
/** Trace problems that make a trace undebuggable (bad input, as a script's syntax errors are). */
const FATAL = new Set(['trace.syntax', 'trace.config-late']);

function both(l: LineReplay | undefined): string {
  if (!l || l.record.dir !== 'R') return '';
  const bits = l.record.size === 8 ? 64 : 32;
  const v = (x: bigint | 'abort' | 'any') =>
    typeof x === 'bigint' ? hex(x, bits) : x === 'abort' ? 'an abort' : 'any value (the architecture allows it)';
  return `the emulation returned ${v(l.emulation)}, the model ${v(l.model)}: `;
}

export class TraceMachine extends Machine {
  private readonly records: readonly TraceRecord[];
  private readonly byLine: ReadonlyMap<number, readonly TraceDiagnostic[]>;
  private readonly adopted: ReadonlyMap<number, readonly Adoption[]>;
  private readonly consumes: boolean;

  constructor(
    config: ResolvedConfig,
    readonly check: TraceCheck,
  ) {
    super(config, []);
    this.records = check.parsed.records;
    const by = new Map<number, TraceDiagnostic[]>();
    for (const d of check.diagnostics) by.set(d.line, [...(by.get(d.line) ?? []), d]);
    this.byLine = by;
    this.adopted = check.adopted ?? new Map();
    this.consumes = this.records.some((r) => r.kind === 'memory');
  }

  /** One line for the Debug Console at launch: what the replay found and where it diverges first. */
  summaryText(): string {
    const s = this.check.summary;
    const first = s.firstDivergence ? `; first divergence at line ${s.firstDivergence.line + 1}` : '';
    return `trace, ${summaryText(s)}${first}`;
  }

  /**
   * The "Trace record" scope: the record just executed (the one a stop is about), what the
   * emulation answered and what the model answers, field by field with differing fields marked ≠
   * (the editor hover's side-by-side, core/trace/side-by-side.ts), and the replay's findings there.
   */
  recordScope(): ScopeView | undefined {
    const rec = this.records[this.state.pc - 1];
    if (!rec) return undefined;
    const leaf = (name: string, value: string): VarNode => ({ name, value });
    const findings = (this.byLine.get(rec.line) ?? []).map((d, i) =>
      leaf(`${d.severity} ${i + 1}`, `${d.message} [${d.code}]`),
    );
    const children = (): VarNode[] => {
      const out: VarNode[] = [leaf('line', String(rec.line + 1))];
      const l = this.check.lines.get(rec.line);
      if (rec.kind === 'access' && l) {
        const width = rec.size === 8 ? 64 : 32;
        const show = (v: bigint | 'abort' | 'any') =>
          typeof v === 'bigint' ? hex(v, width) : v === 'any' ? 'any (CONSTRAINED UNPREDICTABLE)' : 'abort';
        out.push(
          leaf(
            'access',
            `${rec.dir === 'R' ? 'read' : 'write'} of ${rec.size * 8} bits at ${hex(BigInt(rec.offset))}${l.register || l.arrayRegister ? ` (SMMU_${l.register?.name ?? l.arrayRegister}${l.byte ? ', high half' : ''})` : ''}${rec.vcpu !== undefined ? ` by vCPU ${rec.vcpu}` : ''}`,
          ),
        );
        if (rec.dir === 'W') out.push(leaf('written', rec.abort ? 'aborted by the emulation' : show(rec.value ?? 0n)));
        else out.push(leaf('emulation', show(l.emulation)), leaf('model', show(l.model)));
        const reg = l.register;
        if (rec.dir === 'R' && reg && typeof l.emulation === 'bigint') {
          const shift = BigInt(l.byte * 8);
          const mask = rec.size === 8 ? widthMask(reg) : (0xffff_ffffn << shift) & widthMask(reg);
          const e = decode(reg, (l.emulation << shift) & mask, this.engine.ids);
          const m = typeof l.model === 'bigint' ? decode(reg, (l.model << shift) & mask, this.engine.ids) : undefined;
          for (const f of e.fields) {
            const fm = ((1n << BigInt(f.field.msb - f.field.lsb + 1)) - 1n) << BigInt(f.field.lsb);
            if ((fm & mask) === 0n) continue;
            const mf = m?.fields.find((x) => x.field === f.field);
            const v = (x: { value: bigint; enumValue?: { name: string } }) =>
              `${x.value > 9n ? '0x' + x.value.toString(16).toUpperCase() : x.value}${x.enumValue ? ` (${x.enumValue.name})` : ''}`;
            out.push(
              leaf(
                `${mf && mf.value !== f.value ? '≠ ' : ''}${f.field.name}`,
                `emulation ${v(f)}${f.unadvertised && f.value !== 0n ? ' ⚠ not advertised' : ''}, model ${mf ? v(mf) : '—'}`,
              ),
            );
          }
          if (e.reservedBits !== 0n) out.push(leaf('≠ RES0', `emulation sets ${bitRanges(e.reservedBits)}, model 0`));
        }
      } else if (rec.kind === 'memory')
        out.push(
          leaf(
            'guest memory write',
            `${hex(rec.value, rec.size === 8 ? 64 : 32)} (${rec.size} bytes) at ${hex(rec.address, 64)}`,
          ),
        );
      else if (rec.kind === 'command')
        out.push(leaf('command consumed', rec.name ?? (rec.dwords ?? []).map((d) => hex(d, 64)).join(' ')));
      else if (rec.kind === 'translation')
        out.push(
          leaf(
            'translation reported',
            `StreamID ${hex(BigInt(rec.sid))} IOVA ${hex(rec.iova, 64)}: ${rec.outcome === 'translated' ? `translated to ${hex(rec.pa ?? 0n, 64)}` : rec.outcome === 'disabled' ? 'passed through (SMMUEN = 0)' : rec.outcome === 'bypass' ? 'passed through (STE bypass)' : 'aborted'} (${rec.event})`,
          ),
        );
      else if (rec.kind === 'event')
        out.push(
          leaf(
            'event written',
            rec.name
              ? `${rec.name}${rec.sid !== undefined ? ` sid=${rec.sid}` : ''}`
              : (rec.dwords ?? []).map((d) => hex(d, 64)).join(' '),
          ),
        );
      return [...out, ...findings];
    };
    return {
      name: `Trace record (line ${rec.line + 1})`,
      expensive: false,
      node: { name: 'record', value: '', children },
    };
  }

  override get statementCount(): number {
    return this.records.length;
  }

  override statementLine(i: number): number | undefined {
    return this.records[i]?.line;
  }

  override endLine(): number {
    const last = this.records[this.records.length - 1];
    return last ? last.line + 1 : 0;
  }

  /** Without guest memory in the trace the model cannot know the commands, so it consumes none. */
  override hasWork(): boolean {
    return this.consumes && super.hasWork();
  }

  override exec(op: Op): OpResult {
    if (op.k !== 'stmt') return super.exec(op);
    const rec = this.records[this.state.pc];
    if (!rec) return { diagnostics: [], failedExpectations: 0, activity: [] };
    this.state.pc++;
    const e = this.engine;
    const before = e.activity.length;
    if (rec.kind === 'access' && !(rec.dir === 'W' && rec.abort)) {
      if (rec.dir === 'W') e.smmu.write(rec.offset, rec.size, rec.value ?? 0n);
      else e.smmu.read(rec.offset, rec.size);
    } else if (rec.kind === 'memory') e.memory.write(rec.address, rec.size, rec.value);
    for (const a of this.adopted.get(rec.line) ?? []) e.smmu.setOwned(a.register, a.value);
    if (this.hasWork()) this.state.doorbellLine = rec.line;
    // The replay's verdict on this line: a divergence first (the failed-expectation filter reports
    // the first error), then warnings (CONSTRAINED UNPREDICTABLE choices) and notes.
    const found = this.byLine.get(rec.line) ?? [];
    const errors = found.filter((d) => d.severity === 'error' && DIVERGENCE.test(d.code));
    const shown = both(this.check.lines.get(rec.line));
    const diagnostics: ScriptDiagnostic[] = [
      ...errors.map((d) => ({
        ...d,
        code: `expect.${d.code}`,
        message: `line ${rec.line + 1}: ${shown}${d.message} [${d.code}]`,
      })),
      ...found.filter((d) => !errors.includes(d)),
    ];
    return { diagnostics, failedExpectations: errors.length, activity: e.activity.slice(before), line: rec.line };
  }
}

export interface TraceLaunch {
  readonly machine?: TraceMachine;
  readonly error?: string;
}

/** Replay the trace at `path` and build its machine; a syntax error refuses the launch, with its position. */
/**
 * The longest trace the debugger steps through, in lines. It keeps the whole replay (every record
 * and both sides of every access, for the Trace record scope and step back): about 650 bytes a
 * record (620 MB of heap measured at 1 M records, docs/performance.md), so a 10 M-record trace
 * would need about 6 GB and ran out of memory. A longer trace is refused with what to do instead.
 */
export const MAX_DEBUG_TRACE_LINES = 1_000_000;

/** The number of lines of `text` (as the editor counts them), counted up to `max + 1`. */
function linesUpTo(text: string, max: number): number {
  let n = 1;
  for (let at = text.indexOf('\n'); at >= 0 && n <= max; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

export function loadTrace(text: string, path: string, host: ScriptHost, configPath?: string): TraceLaunch {
  if (linesUpTo(text, MAX_DEBUG_TRACE_LINES) > MAX_DEBUG_TRACE_LINES)
    return {
      error: `${path}: the trace has more than ${MAX_DEBUG_TRACE_LINES.toLocaleString('en-US')} lines, the most the debugger steps through (it keeps the whole replay for step back, about 650 bytes a record); replay it with \`smmu replay\`, which streams a trace of any size, or debug a part of it (the lines around a divergence \`smmu replay\` reports, with the configuration's \`config\` line or --config)`,
    };
  const check = checkTrace(text, path, host, configPath ? { configPath } : {});
  const fatal = check.diagnostics.find(
    (d) =>
      d.severity === 'error' && (FATAL.has(d.code) || (d.code === 'trace.config' && check.configSource === 'none')),
  );
  if (fatal)
    return { error: `${path}:${fatal.range.start.line + 1}:${fatal.range.start.character + 1}: ${fatal.message}` };
  if (!check.parsed.records.length)
    return {
      error: `${path}:1:1: the trace has no records (R, W, M, C or E lines${check.parsed.format === 'qemu' ? '; smmuv3_read_mmio/smmuv3_write_mmio events in a QEMU log' : ''})`,
    };
  return { machine: new TraceMachine(check.config, check) };
}

/** Is this file a trace (rather than a `.smmu` script)? By its name (any `.log`), or by its content (core/files/kind.ts). */
export function isTracePath(path: string, text: string): boolean {
  return kindOf(path, text) === 'trace';
}
