/**
 * What the guest-kit tests know about a kit's report, written from ops.ts's description of the
 * text (not from export-c.ts): reading a report back op by op, and predicting exactly the report
 * of a kit run against the fake host (test/fixtures/guest-kit/fake-host.c), and running it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportC } from '../../../core/guest/export-c';
import { REPORT_END, REPORT_START, opText, traceValue, type AccessSize, type GuestOp } from '../../../core/guest/ops';
import { HARNESS_DIR, run } from '../../harness/qemu-kit';

/** What the guest observed for one operation. */
export interface Observed {
  /** The value read (reads and polls that did not abort). */
  readonly value?: bigint;
  readonly abort: boolean;
  /** Polls: the loads made. */
  readonly loads?: number;
  /** Stores that aborted: the address the report names. */
  readonly abortAt?: bigint;
}

const HEX = '0x([0-9A-F]+)';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Read a report back against the operations it came from: REPORT_START, then for every operation
 * in order exactly the lines ops.ts describes (opText's static parts verbatim, the observed parts
 * in their formats), then REPORT_END and nothing else. Fails the test at the first line that is
 * not what it should be.
 */
export function readReport(ops: readonly GuestOp[], report: string): Observed[] {
  const lines = report.split('\n');
  let n = 0;
  const next = (what: string): string => {
    const l = lines[n];
    assert.ok(l !== undefined, `the report ends before ${what}:\n${report}`);
    n++;
    return l;
  };
  assert.equal(next('its first line') + '\n', REPORT_START);
  const out: Observed[] = ops.map((op, i): Observed => {
    const text = opText(op, i);
    if (op.kind === 'zero') {
      if (op.length === 0) return { abort: false };
      const line = next(`operation ${i}`);
      const m = new RegExp(`^# @${i} abort store ${HEX}$`).exec(line);
      if (m) return { abort: true, abortAt: BigInt(`0x${m[1]}`) };
      assert.equal(`${line}\n`, text.prefix, `operation ${i}'s zero line`);
      return { abort: false };
    }
    if (op.kind === 'store') {
      const expected = text.prefix.split('\n').slice(0, -1);
      if (!expected.length) return { abort: false };
      const first = next(`operation ${i}`);
      const m = new RegExp(`^# @${i} abort store ${HEX}$`).exec(first);
      if (m) {
        assert.ok((m[1] as string).length >= 8, first);
        return { abort: true, abortAt: BigInt(`0x${m[1]}`) };
      }
      assert.equal(first, expected[0], `operation ${i}'s first M record`);
      for (const e of expected.slice(1)) assert.equal(next(`operation ${i}`), e);
      return { abort: false };
    }
    const line = next(`operation ${i}`);
    const digits = op.size * 2;
    const value = `(?:0x([0-9A-F]{${digits}})|(abort))`;
    const pattern =
      op.kind === 'write'
        ? `${escape(text.prefix)}( abort)?${escape(text.suffix.replace(/\n$/, ''))}`
        : op.kind === 'read'
          ? `${escape(text.prefix)}${value}${escape(text.suffix.replace(/\n$/, ''))}`
          : `${escape(text.prefix)}${value}${escape(text.suffix)}0x([0-9A-F]{8})`;
    const m = new RegExp(`^${pattern}$`).exec(line);
    assert.ok(m, `operation ${i} (${op.kind}): line ${n} is\n  ${line}\nnot /${pattern}/`);
    if (op.kind === 'write') return { abort: m[1] !== undefined };
    const read = { abort: m[2] !== undefined, value: m[1] === undefined ? undefined : BigInt(`0x${m[1]}`) };
    return op.kind === 'poll' ? { ...read, loads: parseInt(m[3] as string, 16) } : read;
  });
  assert.equal(next('its last line') + '\n', REPORT_END);
  assert.deepEqual(lines.slice(n), [''], 'nothing after the last line');
  return out;
}

const MASK64 = (1n << 64n) - 1n;

/** fake-host.c's splitmix64. */
export function splitmix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

export const FAKE_SMMU_BASE = 0x0905_0000n;
export const FAKE_STORE_ABORT = { from: 0xdead_0000n, to: 0xdeae_0000n };

const sizeMask = (size: AccessSize) => (1n << BigInt(size * 8)) - 1n;
const address8 = (a: bigint) => `0x${a.toString(16).toUpperCase().padStart(8, '0')}`;

/** The report, the store pieces (fake-host.c's stderr) and the aborted count the fake host must produce for `ops`. */
export function fakeRun(ops: readonly GuestOp[]): { report: string; pieces: string; aborted: number } {
  let calls = 0n;
  let report = REPORT_START;
  let pieces = '';
  let aborted = 0;
  const read = (address: bigint, size: AccessSize): bigint | undefined => {
    const mix = splitmix64(address ^ ++calls);
    return size === 1 || mix >> 60n === 0xfn ? undefined : mix;
  };
  ops.forEach((op, i) => {
    const text = opText(op, i);
    if (op.kind === 'zero') throw new Error('the fake host does not take zero operations');
    if (op.kind === 'store') {
      let done = 0;
      let failed = false;
      while (done < op.bytes.length) {
        const at = op.address + BigInt(done);
        let piece = 1;
        for (const s of [8, 4, 2]) {
          if (op.bytes.length - done >= s && at % BigInt(s) === 0n) {
            piece = s;
            break;
          }
        }
        pieces += `S ${at.toString(16).toUpperCase()} ${piece}\n`;
        if (at >= FAKE_STORE_ABORT.from && at < FAKE_STORE_ABORT.to) {
          failed = true;
          break;
        }
        done += piece;
      }
      report += failed ? `# @${i} abort store ${address8(op.address + BigInt(done))}\n` : text.prefix;
      if (failed) aborted++;
      return;
    }
    const address = (op.address + (op.space === 'smmu' ? FAKE_SMMU_BASE : 0n)) & MASK64;
    if (op.kind === 'write') {
      const mix = splitmix64(address ^ op.value ^ ++calls);
      const failed = op.size === 1 || mix >> 60n === 0xfn;
      report += `${text.prefix}${failed ? ' abort' : ''}${text.suffix}`;
      if (failed) aborted++;
      return;
    }
    if (op.kind === 'read') {
      const v = read(address, op.size);
      report += `${text.prefix}${v === undefined ? 'abort' : traceValue(v & sizeMask(op.size), op.size)}${text.suffix}`;
      if (v === undefined) aborted++;
      return;
    }
    let loads = 0;
    let v: bigint | undefined;
    do {
      loads++;
      v = read(address, op.size);
      if (v !== undefined) v &= sizeMask(op.size);
    } while (v !== undefined && ((v & op.mask) === op.expected) !== op.equal && loads < op.max);
    report += `${text.prefix}${v === undefined ? 'abort' : traceValue(v, op.size)}${text.suffix}0x${loads.toString(16).toUpperCase().padStart(8, '0')}\n`;
    if (v === undefined) aborted++;
  });
  return { report: report + REPORT_END, pieces, aborted };
}

/** Build fake-host.c with `ops`' kit and run it: its stdout, stderr and exit status. */
export function runFake(
  dir: string,
  ops: readonly GuestOp[],
): { stdout: string; stderr: string; status: number | null } {
  fs.writeFileSync(path.join(dir, 'kit.c'), exportC(ops));
  run(
    'gcc',
    [
      '-std=c99',
      '-Wall',
      '-Wextra',
      '-Werror',
      `-I${dir}`,
      path.join(HARNESS_DIR, 'fake-host.c'),
      'kit.c',
      '-o',
      'fake',
    ],
    dir,
  );
  const r = spawnSync(path.join(dir, 'fake'), { encoding: 'utf8', timeout: 20_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
