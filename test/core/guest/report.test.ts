/**
 * The report parser on text written here from the report format (ops.ts, runtime-text.ts): each
 * kind of line, what it does with lines it cannot read, a guest that stopped early, a fatal
 * exception in the middle of a line, and that nothing makes it throw.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { opText, REPORT_END, REPORT_START, storeLines, opTag, type GuestOp } from '../../../core/guest/ops';
import { parseGuestReport, type AccessObservation, type StoreObservation } from '../../../core/guest/report';
import { fatalLine } from '../../../core/guest/runtime-text';

const OPS: GuestOp[] = [
  { kind: 'read', space: 'smmu', address: 0x0n, size: 4, line: 3 },
  { kind: 'write', space: 'smmu', address: 0x20n, size: 4, value: 0xcn, line: 4 },
  { kind: 'write', space: 'smmu', address: 0x21n, size: 1, value: 0x1n, line: 5 },
  { kind: 'poll', space: 'smmu', address: 0x24n, size: 4, mask: 0xcn, expected: 0xcn, equal: true, max: 100, line: 6 },
  { kind: 'store', address: 0x4100_0003n, bytes: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13), line: 7 },
  { kind: 'read', space: 'phys', address: 0x4100_0008n, size: 8, line: 8 },
  { kind: 'read', space: 'smmu', address: 0x1n, size: 1, line: 9 },
  { kind: 'store', address: 0x0905_0001n, bytes: Uint8Array.of(1), line: 10 },
];

/** The report a guest prints for OPS, built from the format's own functions. */
function lines(): string[] {
  const t = (i: number) => opText(OPS[i] as GuestOp, i);
  return [
    REPORT_START,
    `${t(0).prefix}0x0D40101A${t(0).suffix}`,
    `${t(1).prefix}${t(1).suffix}`,
    `${t(2).prefix} abort${t(2).suffix}`,
    `${t(3).prefix}0x0000000C${t(3).suffix}0x00000002\n`,
    storeLines(OPS[4] as Extract<GuestOp, { kind: 'store' }>, opTag(4)),
    `${t(5).prefix}0x0C0B0A0908070605${t(5).suffix}`,
    `${t(6).prefix}abort${t(6).suffix}`,
    '# @7 abort store 0x09050001\n',
    REPORT_END,
  ];
}
const REPORT = lines().join('');

test("a whole report reads back into each operation's observation", () => {
  const r = parseGuestReport(REPORT, OPS);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.other, []);
  assert.equal(r.started, true);
  assert.equal(r.ended, true);
  assert.equal(r.firstMissing, undefined);
  const a = (i: number) => {
    const o = r.observations.get(i) as AccessObservation;
    return [o.access, o.phys, o.address, o.size, o.value, o.abort, o.polled];
  };
  assert.deepEqual(a(0), ['R', false, 0x0n, 4, 0x0d40101an, false, undefined]);
  assert.deepEqual(a(1), ['W', false, 0x20n, 4, 0xcn, false, undefined]);
  assert.deepEqual(a(2), ['W', false, 0x21n, 1, 0x1n, true, undefined]);
  assert.deepEqual(a(3), ['R', false, 0x24n, 4, 0xcn, false, 2]);
  assert.deepEqual(a(5), ['R', true, 0x4100_0008n, 8, 0x0c0b0a0908070605n, false, undefined]);
  assert.deepEqual(a(6), ['R', false, 0x1n, 1, undefined, true, undefined]);
  const s = r.observations.get(4) as StoreObservation;
  assert.deepEqual(
    s.records.map((x) => [x.address, x.size, x.value]),
    [
      [0x4100_0003n, 1, 0x1n],
      [0x4100_0004n, 4, 0x05040302n],
      [0x4100_0008n, 8, 0x0d0c0b0a09080706n],
    ],
  );
  const s7 = r.observations.get(7) as StoreObservation;
  assert.deepEqual([s7.abort, s7.abortAddress, s7.records], [true, 0x0905_0001n, []]);
  // Without the operations the same observations are read.
  const bare = parseGuestReport(REPORT);
  assert.deepEqual(bare.problems, []);
  assert.equal(bare.observations.size, OPS.length);
  assert.equal(bare.firstMissing, undefined);
});

test("CRLF line ends, other programs' lines and stray bytes are set aside", () => {
  const noisy = [
    'U-Boot 2023.01\n',
    ...lines().map((l) => l.replace(/\n/g, '\r\n')),
    '\u0000\u00ff garbage\n',
    'qemu-system-aarch64: terminating on signal 15\n',
  ].join('');
  const r = parseGuestReport(noisy, OPS);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.other.map((o) => [o.line, o.text]),
    [
      [0, 'U-Boot 2023.01'],
      [13, '\u0000\u00ff garbage'],
      [14, 'qemu-system-aarch64: terminating on signal 15'],
    ],
  );
  assert.equal(r.firstMissing, undefined);
  assert.equal(r.ended, true);
});

test('a guest that stopped: the unfinished last line is not read, and firstMissing names the operation', () => {
  const ls = lines();
  // Stopped in the middle of operation 3's line, which is cut after `# @3` of a longer tag.
  const r = parseGuestReport(ls.slice(0, 4).join('') + 'R 0x00024 4 0x0000000C # @3', OPS);
  assert.equal(r.firstMissing, 3);
  assert.equal(r.ended, false);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.message]),
    [[4, 'the report stops in the middle of this line']],
  );
  // Stopped in the middle of a store's records: the store is not complete.
  const store = ls[5] as string;
  const cut = parseGuestReport(ls.slice(0, 5).join('') + store.slice(0, store.indexOf('\n') + 1), OPS);
  assert.equal(cut.firstMissing, 4);
  assert.deepEqual(cut.problems, []);
  // Nothing at all.
  const none = parseGuestReport('', OPS);
  assert.deepEqual([none.started, none.ended, none.firstMissing, none.observations.size], [false, false, 0, 0]);
});

test("a fatal exception, alone or cutting an operation's line, is read with its registers", () => {
  const ls = lines();
  const fatal = fatalLine(0x200, 0x9600_0021n, 0x4008_0123n, 0x0905_0002n);
  assert.equal(
    fatal,
    '# fatal exception: vector 0x200 esr 0x0000000096000021 elr 0x0000000040080123 far 0x0000000009050002\n',
  );
  const r = parseGuestReport(ls.slice(0, 4).join('') + 'R 0x00024 4 ' + fatal, OPS);
  assert.deepEqual(r.fatal, { vector: 0x200, esr: 0x9600_0021n, elr: 0x4008_0123n, far: 0x0905_0002n, line: 4 });
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.text, p.message]),
    [[4, 'R 0x00024 4 ', 'this line was cut by the fatal exception']],
  );
  assert.equal(r.firstMissing, 3);
  const bad = parseGuestReport(REPORT_START + '# fatal exception: vector 0x2000 esr 0x1\n', OPS);
  assert.equal(bad.fatal, undefined);
  assert.match(bad.problems[0]?.message ?? '', /unreadable fatal exception line/);
});

test('lines that contradict the program or each other are problems at their line, never observations', () => {
  const t = (i: number) => opText(OPS[i] as GuestOp, i);
  const cases: [string, RegExp][] = [
    [`${t(0).prefix}0x0D40101A${t(0).suffix}${t(0).prefix}0x0D40101A${t(0).suffix}`, /operation 0 is reported twice/],
    [`${t(1).prefix}${t(1).suffix}${t(0).prefix}0x0D40101A${t(0).suffix}`, /operation 0 is reported after operation 1/],
    ['R 0x00000 4 0x0D40101A # @99\n', /operation 99 does not exist \(the program has 8\)/],
    ['R 0x00004 4 0x0D40101A # @0\n', /this does not match operation 0 \(R 0x00000 4…\)/],
    ['R 0x00000 4 0x0D40 # @0\n', /an unreadable access line/], // too few digits for 4 bytes
    ['R 0x00000 4 0x0D40101A abort # @0\n', /an unreadable access line/], // a read with a value does not abort
    ['W 0x00020 4 abort # @1\n', /an unreadable access line/], // a write prints its value
    ['R 0x00024 4 0x0000000C # @3\n', /does not match operation 3/], // a poll without its count
    [`${t(3).prefix}0x0000000C${t(3).suffix.trimEnd()}\n`, /an unreadable report line/], // a count cut off
    ['M 0x41000003 1 0x01 # @0\n', /operation 0 is not a store/],
    ['# @0 abort store 0x41000003\n', /operation 0 is not a store/],
    ['R 0x00000 4 0x0D40101A # @ 0\n', /an unreadable report line/],
    [`R 0x00000 4 0x0D40101A # @${'9'.repeat(400)}\n`, /an unreadable access line/],
    [`${REPORT_END}${t(0).prefix}0x0D40101A${t(0).suffix}`, /an operation after the end of the report/],
    [`${REPORT_START}${REPORT_START}`, /starts again/],
  ];
  for (const [body, message] of cases) {
    const r = parseGuestReport(body, OPS);
    assert.ok(
      r.problems.some((p) => message.test(p.message)),
      `${JSON.stringify(body)}: ${JSON.stringify(r.problems.map((p) => p.message))}`,
    );
  }
  // A store whose records are not the bytes it stores, followed by the next operation.
  const wrong = lines().join('').replace('M 0x41000004 4 0x05040302 # @4', 'M 0x41000004 4 0x05040399 # @4');
  const r = parseGuestReport(wrong, OPS);
  assert.equal(r.firstMissing, 4);
  assert.match(r.problems[0]?.message ?? '', /the memory records of operation 4 differ from the bytes it stores/);
});

test('nothing makes the parser throw: random cuts, bytes and splices of a report', () => {
  let s = 0x1234567;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % n;
  };
  const alphabet = 'RWM0x19AF #@\n\r=abortpled\u0000\u00ff\u2028';
  for (let k = 0; k < 3000; k++) {
    let text = REPORT;
    for (let e = rnd(6); e > 0; e--) {
      const at = rnd(text.length + 1);
      const what = rnd(3);
      if (what === 0) text = text.slice(0, at) + text.slice(at + rnd(20));
      else if (what === 1)
        text =
          text.slice(0, at) +
          Array.from({ length: rnd(12) }, () => alphabet[rnd(alphabet.length)]).join('') +
          text.slice(at);
      else text = text.slice(0, at) + REPORT.slice(rnd(REPORT.length), rnd(REPORT.length)) + text.slice(at);
    }
    const r = parseGuestReport(text, k % 2 ? OPS : undefined);
    assert.ok(r.observations.size <= OPS.length || k % 2 === 0);
  }
  assert.doesNotThrow(() => parseGuestReport(undefined as unknown as string));
});
