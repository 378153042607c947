/**
 * Reading a guest's report (the text ops.ts and runtime-text.ts define) back into what each
 * operation observed. The text comes from a UART or a hypervisor's console: it may stop anywhere
 * (a guest that hung or crashed), hold bytes that are not ours (a firmware banner, QEMU's own
 * messages) or damaged lines. The parser never throws: what it cannot read is listed in
 * `problems` with its line, and lines that are not report lines at all in `other`.
 *
 * Given the operations the program was built from, each line is also checked against the exact
 * text that operation prints, and `firstMissing` names the first operation with no complete
 * observation: where the guest stopped.
 */
import { opTag, opText, storeLines, REPORT_END, REPORT_START, traceValue, type AccessSize, type GuestOp } from './ops';
import { ABORT_WORD, FATAL_DIGITS, FATAL_PARTS } from './runtime-text';

/** A read, write or poll as the guest reported it. */
export interface AccessObservation {
  readonly kind: 'access';
  readonly index: number;
  readonly access: 'R' | 'W';
  /** Printed behind `#= `: a physical address, not an SMMU register offset. */
  readonly phys: boolean;
  readonly address: bigint;
  readonly size: AccessSize;
  /** A read's value, or the value a write stored; absent when a read aborted. */
  readonly value?: bigint;
  readonly abort: boolean;
  /** A poll's number of loads. */
  readonly polled?: number;
  /** 0-based line of the report. */
  readonly line: number;
}

export interface StoreRecord {
  readonly address: bigint;
  readonly size: AccessSize;
  readonly value: bigint;
  readonly line: number;
}

/** A guest memory store: its `M` records, or the address where its copy aborted. */
export interface StoreObservation {
  readonly kind: 'store';
  readonly index: number;
  readonly records: StoreRecord[];
  readonly abort: boolean;
  readonly abortAddress?: bigint;
  /** Line of the first record or of the abort line. */
  readonly line: number;
}

export type Observation = AccessObservation | StoreObservation;

export interface FatalException {
  /** Offset of the vector from VBAR_EL1. */
  readonly vector: number;
  readonly esr: bigint;
  readonly elr: bigint;
  readonly far: bigint;
  readonly line: number;
}

export interface ReportLine {
  readonly line: number;
  readonly text: string;
}

export interface ReportProblem extends ReportLine {
  readonly message: string;
}

export interface GuestReport {
  /** REPORT_START was seen. */
  readonly started: boolean;
  /** REPORT_END was seen: the program ran every operation. */
  readonly ended: boolean;
  /** By operation index. */
  readonly observations: ReadonlyMap<number, Observation>;
  readonly fatal?: FatalException;
  readonly problems: readonly ReportProblem[];
  /** Lines that are no part of the report (another program's output, QEMU's messages). */
  readonly other: readonly ReportLine[];
  /** With the operations given: the first one not completely observed (none when all were). */
  readonly firstMissing?: number;
}

const ACCESS =
  /^(#= )?([RW]) 0x([0-9A-F]+) ([1248]) (?:0x([0-9A-F]+)|(abort))( abort)? # @(\d+)(?: polled 0x([0-9A-F]{8}))?$/;
const MEMORY = /^M 0x([0-9A-F]+) ([1248]) 0x([0-9A-F]+) # @(\d+)$/;
/** A zero operation's line (ops.ts): `# @i zero 0xADDRESS 0xLENGTH`. */
const ZERO = /^# @(\d+) zero 0x([0-9A-F]+) 0x([0-9A-F]+)$/;
const STORE_ABORT = /^# @(\d+) abort store 0x([0-9A-F]+)$/;
const FATAL_AT = FATAL_PARTS[0];
const FATAL = new RegExp(
  `^${FATAL_PARTS.slice(0, 4)
    .map((p, i) => `${escape(p)}0x([0-9A-F]{${FATAL_DIGITS[i]}})`)
    .join('')}$`,
);

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An index that is a safe integer, or undefined. */
function indexOf(text: string): number | undefined {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function parseGuestReport(text: string, ops?: readonly GuestOp[]): GuestReport {
  const observations = new Map<number, Observation>();
  const problems: ReportProblem[] = [];
  const other: ReportLine[] = [];
  let started = false;
  let ended = false;
  let fatal: FatalException | undefined;
  let lastIndex = -1;
  const lines = typeof text === 'string' ? text.split('\n') : [];
  // The last piece has no newline: a line the guest did not finish (its tail could look like a
  // shorter index, `# @1` of `# @12`), so it is never read as an observation.
  const unfinished = lines.pop() ?? '';

  const problem = (line: number, lineText: string, message: string) => problems.push({ line, text: lineText, message });
  /** An operation's line: in order, within the operations given, once. */
  const accept = (n: number, lineText: string, index: number, store: boolean): boolean => {
    const seen = observations.get(index);
    let message: string | undefined;
    if (ops && index >= ops.length) message = `operation ${index} does not exist (the program has ${ops.length})`;
    else if (ended) message = 'an operation after the end of the report';
    // A store's M records come one a line, in a row.
    else if (seen && !(store && seen.kind === 'store' && !seen.abort && index === lastIndex))
      message = `operation ${index} is reported twice`;
    else if (index < lastIndex) message = `operation ${index} is reported after operation ${lastIndex}`;
    if (message !== undefined) {
      problem(n, lineText, message);
      return false;
    }
    lastIndex = index;
    return true;
  };

  lines.forEach((raw, n) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return;
    if (line + '\n' === REPORT_START) {
      if (started) problem(n, line, 'the report starts again: the guest was restarted');
      started = true;
      return;
    }
    if (line + '\n' === REPORT_END) {
      if (ended) problem(n, line, 'the report ends twice');
      ended = true;
      return;
    }
    const f = line.indexOf(FATAL_AT);
    if (f >= 0) {
      const m = FATAL.exec(line.slice(f));
      if (!m) return problem(n, line, 'an unreadable fatal exception line');
      if (f > 0) problem(n, line.slice(0, f), 'this line was cut by the fatal exception');
      if (fatal) problem(n, line, 'a second fatal exception');
      else
        fatal = {
          vector: Number.parseInt(m[1] as string, 16),
          esr: BigInt(`0x${m[2]}`),
          elr: BigInt(`0x${m[3]}`),
          far: BigInt(`0x${m[4]}`),
          line: n,
        };
      return;
    }
    let m = ACCESS.exec(line);
    if (m) {
      const [, phys, rw, address, size, value, abortWord, writeAbort, index, polled] = m;
      const i = indexOf(index as string);
      const sz = Number(size) as AccessSize;
      const isRead = rw === 'R';
      // A read prints a value or `abort`; a write its value, then ` abort` if it aborted.
      if (
        i === undefined ||
        (isRead ? writeAbort !== undefined : abortWord !== undefined || polled !== undefined) ||
        (value !== undefined && value.length !== 2 * sz)
      ) {
        return problem(n, line, 'an unreadable access line');
      }
      if (!accept(n, line, i, false)) return;
      const obs: AccessObservation = {
        kind: 'access',
        index: i,
        access: isRead ? 'R' : 'W',
        phys: phys !== undefined,
        address: BigInt(`0x${address}`),
        size: sz,
        ...(value !== undefined ? { value: BigInt(`0x${value}`) } : {}),
        abort: abortWord !== undefined || writeAbort !== undefined,
        ...(polled !== undefined ? { polled: Number.parseInt(polled, 16) } : {}),
        line: n,
      };
      const op = ops?.[i];
      if (op && !matchesAccess(op, obs, line))
        return problem(n, line, `this does not match operation ${i} (${describe(op, i)})`);
      observations.set(i, obs);
      return;
    }
    m = MEMORY.exec(line);
    if (m) {
      const [, address, size, value, index] = m;
      const i = indexOf(index as string);
      const sz = Number(size) as AccessSize;
      if (i === undefined || (value as string).length !== 2 * sz)
        return problem(n, line, 'an unreadable memory record');
      if (ops?.[i] && ops[i]?.kind !== 'store')
        return problem(n, line, `operation ${i} is not a store (${describe(ops[i] as GuestOp, i)})`);
      if (!accept(n, line, i, true)) return;
      const prior = observations.get(i);
      const rec: StoreRecord = { address: BigInt(`0x${address}`), size: sz, value: BigInt(`0x${value}`), line: n };
      if (prior?.kind === 'store') prior.records.push(rec);
      else observations.set(i, { kind: 'store', index: i, records: [rec], abort: false, line: n });
      return;
    }
    m = STORE_ABORT.exec(line);
    if (m) {
      const i = indexOf(m[1] as string);
      if (i === undefined) return problem(n, line, 'an unreadable store abort line');
      if (ops?.[i] && ops[i]?.kind !== 'store' && ops[i]?.kind !== 'zero')
        return problem(n, line, `operation ${i} is not a store (${describe(ops[i] as GuestOp, i)})`);
      if (observations.has(i)) return problem(n, line, `operation ${i} is reported twice`);
      if (!accept(n, line, i, false)) return;
      observations.set(i, {
        kind: 'store',
        index: i,
        records: [],
        abort: true,
        abortAddress: BigInt(`0x${m[2]}`),
        line: n,
      });
      return;
    }
    m = ZERO.exec(line);
    if (m) {
      const i = indexOf(m[1] as string);
      if (i === undefined) return problem(n, line, 'an unreadable zero line');
      const op = ops?.[i];
      if (op && (op.kind !== 'zero' || `${line}\n` !== opText(op, i).prefix))
        return problem(n, line, `this does not match operation ${i} (${describe(op, i)})`);
      if (!accept(n, line, i, false)) return;
      observations.set(i, { kind: 'store', index: i, records: [], abort: false, line: n });
      return;
    }
    if (line.includes('# @')) return problem(n, line, 'an unreadable report line');
    other.push({ line: n, text: line });
  });
  if (unfinished.replace(/\r$/, '') !== '')
    problem(lines.length, unfinished, 'the report stops in the middle of this line');

  let firstMissing: number | undefined;
  if (ops) {
    for (let i = 0; i < ops.length && firstMissing === undefined; i++) {
      const op = ops[i] as GuestOp;
      const obs = observations.get(i);
      if (op.kind === 'zero') {
        if (op.length > 0 && obs?.kind !== 'store') firstMissing = i;
        continue;
      }
      if (op.kind === 'store') {
        const expected = storeLines(op, opTag(i));
        if (expected === '' && !obs) continue; // an empty store prints nothing
        if (obs?.kind !== 'store') firstMissing = i;
        else if (!obs.abort && recordsText(obs, i) !== expected) {
          firstMissing = i;
          if (obs.records.length > 0 && i !== lastIndex)
            problem(
              obs.line,
              recordsText(obs, i).split('\n')[0] ?? '',
              `the memory records of operation ${i} differ from the bytes it stores`,
            );
        }
      } else if (!obs) firstMissing = i;
    }
  }
  return {
    started,
    ended,
    observations,
    ...(fatal ? { fatal } : {}),
    problems,
    other,
    ...(firstMissing !== undefined ? { firstMissing } : {}),
  };
}

function recordsText(obs: StoreObservation, index: number): string {
  return obs.records
    .map(
      (r) =>
        `M 0x${r.address.toString(16).toUpperCase().padStart(8, '0')} ${r.size} ${traceValue(r.value, r.size)}${opTag(index)}\n`,
    )
    .join('');
}

/** The line `op` prints when it observed what `obs` says, compared with the line read. */
function matchesAccess(op: GuestOp, obs: AccessObservation, line: string): boolean {
  if (op.kind === 'store' || op.kind === 'zero') return false;
  const t = opText(op, obs.index);
  let expected: string;
  if (op.kind === 'write') expected = `${t.prefix}${obs.abort ? ` ${ABORT_WORD}` : ''}${t.suffix}`;
  else {
    const value = obs.abort || obs.value === undefined ? ABORT_WORD : traceValue(obs.value, op.size);
    expected = `${t.prefix}${value}${t.suffix}`;
    if (op.kind === 'poll')
      expected += obs.polled === undefined ? '' : `0x${obs.polled.toString(16).toUpperCase().padStart(8, '0')}\n`;
  }
  return expected === `${line}\n`;
}

function describe(op: GuestOp, index: number): string {
  if (op.kind === 'store') return `a store of ${op.bytes.length} bytes at 0x${op.address.toString(16).toUpperCase()}`;
  if (op.kind === 'zero') return `zeroing ${op.length} bytes at 0x${op.address.toString(16).toUpperCase()}`;
  return `${opText(op, index).prefix.trim()}…`;
}
