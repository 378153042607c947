/**
 * What the interpreter's statement loop (interpreter.ts) and the statements whose execution
 * lives with their definition (core/script/statements/) share: what a statement observed, the
 * run's counts, the step state an access or a memory statement updates, and how an expectation
 * is compared and a model finding reported.
 */
import type { Range, ScriptDiagnostic } from '../base/diagnostics';
import type { Activity } from '../engine/activity';
import type { Engine } from '../engine/engine';
import type { Finding } from '../model/access';
import type { Smmu } from '../model/smmu';
import { decode, extractField, hex, symbolic } from '../registers/codec';
import type { RegisterDef, RegisterName } from '../registers/types';
import type { ResolvedExpectation } from './resolved';

/** What one executed statement observed. */
export interface Observation {
  readonly line: number;
  readonly kind: 'read' | 'write' | 'action';
  readonly register?: RegisterName;
  readonly value: bigint;
  readonly ok: boolean;
  /** What an engine statement did, in one line (inlay hints, `--trace`). */
  readonly summary?: string;
  /** What the SMMU did during this statement (engine.activity[from..to)). */
  readonly activity?: readonly Activity[];
}

/**
 * What a run did, included files too: summaries report these, never what the script merely says
 * (a statement after the model stopped did nothing). Reads and writes are MMIO and memory accesses.
 */
export interface RunCounts {
  reads: number;
  writes: number;
  /** Statements with an expectation that were executed, and those whose expectation held. */
  expectationsRun: number;
  expectationsMet: number;
}

export function noCounts(): RunCounts {
  return { reads: 0, writes: 0, expectationsRun: 0, expectationsMet: 0 };
}

export function addCounts(into: RunCounts, c: RunCounts): void {
  into.reads += c.reads;
  into.writes += c.writes;
  into.expectationsRun += c.expectationsRun;
  into.expectationsMet += c.expectationsMet;
}

/**
 * The loop's state a statement executed in it updates: the model, what it reports, the counts and
 * the last write of each register (a guarded write points at the line that set its guard).
 */
export interface StepState {
  readonly engine: Engine;
  readonly diagnostics: ScriptDiagnostic[];
  readonly observations: Observation[];
  readonly counts: RunCounts;
  readonly lastWrite: Map<string, Range>;
  /** Expectations that failed so far. */
  failed: number;
}

export function findingToDiagnostic(f: Finding, range: Range, related?: ScriptDiagnostic['related']): ScriptDiagnostic {
  return {
    severity: f.severity,
    code: f.code,
    message: `${f.message} (§${f.section})`,
    range,
    section: f.section,
    ...(related?.length ? { related } : {}),
  };
}

function describeValue(reg: RegisterDef | undefined, byte: number, v: bigint): string {
  if (!reg || byte !== 0) return hex(v);
  return `${hex(v, reg.width)} (${symbolic(reg, v)})`;
}

/** Compare a value with an expectation; the message explains a mismatch field by field. */
export function checkExpectation(
  e: ResolvedExpectation,
  got: bigint,
  reg: RegisterDef | undefined,
  byte: number,
  what: string,
  smmu: Smmu,
): string | undefined {
  const actual = (got & e.mask) >> BigInt(e.shift);
  const pass = e.op === '==' ? actual === e.value : actual !== e.value;
  if (pass) return undefined;
  if (e.field)
    return `${what}.${e.field.name} is ${actual}${e.op === '==' ? `, expected ${e.value}` : `, expected anything else`}`;
  if (e.op === '!=') return `${what} is ${describeValue(reg, byte, got)}, expected a different value`;
  let msg = `${what} is ${describeValue(reg, byte, got)}, expected ${describeValue(reg, byte, e.value)}`;
  if (reg && byte === 0) {
    const diffs = decode(reg, got, smmu.ids)
      .fields.filter((f) => extractField(e.value, f.field) !== f.value)
      .map((f) => `${f.field.name} is ${f.value}, expected ${extractField(e.value, f.field)}`);
    if (diffs.length) msg += `: ${diffs.join('; ')}`;
  }
  return msg;
}
