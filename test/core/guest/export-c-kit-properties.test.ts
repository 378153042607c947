/**
 * Properties of the guest kit over generated operation lists (fast-check, fixed seed, a few cases
 * so it stays fast): the C always compiles warning-free for aarch64 and the host, and run against
 * the fake host it prints exactly the report predicted from ops.ts (kit-report.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as fs from 'node:fs';
import { exportC } from '../../../core/guest/export-c';
import type { AccessSize, GuestOp } from '../../../core/guest/ops';
import { CROSS_GCC, KIT_WARNINGS, missingTool, run, tempDir } from '../../harness/qemu-kit';
import { FAKE_STORE_ABORT, fakeRun, readReport, runFake } from './kit-report';

const MAX64 = (1n << 64n) - 1n;
const source = { line: fc.nat(100_000), file: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }) };
const size = fc.constantFrom<AccessSize>(1, 2, 4, 8);
const space = fc.constantFrom('smmu' as const, 'phys' as const);
/** SMMU offsets in the two register pages; physical addresses anywhere. */
const address = (s: 'smmu' | 'phys') =>
  s === 'smmu' ? fc.bigInt({ min: 0n, max: 0x1ffffn }) : fc.bigInt({ min: 0n, max: MAX64 });
const fits = (sz: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(sz * 8)) - 1n });

const access: fc.Arbitrary<GuestOp> = fc.tuple(space, size).chain(([sp, sz]) =>
  fc.oneof(
    fc.record({
      kind: fc.constant('read' as const),
      space: fc.constant(sp),
      address: address(sp),
      size: fc.constant(sz),
      ...source,
    }),
    fc.record({
      kind: fc.constant('write' as const),
      space: fc.constant(sp),
      address: address(sp),
      size: fc.constant(sz),
      value: fits(sz),
      ...source,
    }),
  ),
);
const poll: fc.Arbitrary<GuestOp> = fc.tuple(space, fc.constantFrom<4 | 8>(4, 8)).chain(([sp, sz]) =>
  fc.record({
    kind: fc.constant('poll' as const),
    space: fc.constant(sp),
    address: address(sp),
    size: fc.constant(sz),
    mask: fits(sz),
    expected: fits(sz),
    equal: fc.boolean(),
    max: fc.integer({ min: 1, max: 6 }),
    ...source,
  }),
);
/** Stores anywhere that fits, some into the fake host's aborting range, some large. */
const store: fc.Arbitrary<GuestOp> = fc
  .tuple(
    fc.uint8Array({ maxLength: 48 }),
    fc.oneof(
      fc.bigInt({ min: FAKE_STORE_ABORT.from - 64n, max: FAKE_STORE_ABORT.from + 64n }),
      fc.bigInt({ min: 0n, max: MAX64 - 48n }),
    ),
    fc.record(source),
  )
  .map(([bytes, a, src]) => ({ kind: 'store' as const, address: a, bytes, ...src }));
const ops = fc.array(
  fc.oneof({ weight: 3, arbitrary: access }, { weight: 1, arbitrary: poll }, { weight: 1, arbitrary: store }),
  { maxLength: 30 },
);

test('for generated operation lists the kit compiles warning-free for aarch64 and the host, and prints exactly the predicted report', () => {
  for (const tool of [CROSS_GCC, 'gcc']) {
    const missing = missingTool(tool);
    if (missing) assert.fail(missing);
  }
  const dir = tempDir('smmu-kit-prop-');
  try {
    fc.assert(
      fc.property(ops, fc.string({ maxLength: 20 }), (list, script) => {
        fs.writeFileSync(`${dir}/kit.c`, exportC(list, { source: script }));
        assert.equal(
          run(CROSS_GCC, [...KIT_WARNINGS, '-ffreestanding', '-nostdlib', '-O2', '-c', 'kit.c', '-o', 'kit.o'], dir),
          '',
        );
        assert.equal(
          run('gcc', [...KIT_WARNINGS, '-ffreestanding', '-nostdlib', '-O2', '-c', 'kit.c', '-o', 'kit.o'], dir),
          '',
        );
        const expected = fakeRun(list);
        const got = runFake(dir, list);
        assert.equal(got.stdout, expected.report);
        assert.equal(got.stderr, expected.pieces);
        assert.equal(got.status, 10 + expected.aborted);
        readReport(list, got.stdout);
      }),
      { seed: 0x5a17, numRuns: 6 },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
