/**
 * The debug adapter's `attach` arguments under fuzzing: whatever a launch configuration holds
 * (any JSON value for "gdb", "qmp", "smmuBase", "timeout", extra keys), the arguments are judged without
 * an exception, and through the real adapter every attach that cannot connect is an error
 * response with a message, never an internal error, a hang or a dead adapter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import fc from 'fast-check';
import { attachTarget, type AttachArguments } from '../../../server/dap/attach';
import { startClient } from '../../harness/dap-harness';
import { freePort } from '../../harness/live-guest';
import { assertNoInternal } from '../../fuzz/oracle';

const SEED = 20261205;

/** Values a hand-edited launch.json might hold, and hostile ones. */
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '127.0.0.1:1234',
    'localhost:0',
    '[::1]:65536',
    ':1234',
    '1234',
    '0x09050000',
    '0x',
    '-1',
    '18446744073709551616',
    '\u0000',
    '\u2028:1',
    'localhost:1234\n',
  ),
  fc.integer(),
  fc.double(),
  fc.bigInt().map(String),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

const attachArgs = fc.record(
  { gdb: value, qmp: value, smmuBase: value, timeout: value, extra: value },
  { requiredKeys: [] },
) as fc.Arbitrary<Record<string, unknown>>;

test('attach arguments: any JSON is judged without an exception, into a connectable target or a message', () => {
  fc.assert(
    fc.property(attachArgs, (args) => {
      const t = attachTarget(args as AttachArguments);
      if (typeof t === 'string') {
        assert.match(t, /^attach: /);
        return;
      }
      const c = t.connection;
      const address = 'gdb' in c ? c.gdb : c.qmp;
      if ('path' in address) assert.ok(address.path.length > 0);
      else {
        assert.ok(Number.isInteger(address.port) && address.port >= 1 && address.port <= 65535, `port ${address.port}`);
        assert.ok(address.host.length > 0);
      }
      assert.equal(t.base % 4n, 0n);
      assert.ok(t.timeoutMs > 0 && t.timeoutMs <= 600_000, `timeout ${t.timeoutMs}`);
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('attach arguments through the debug adapter: an error response with a message, and the adapter stays', async () => {
  const closed = await freePort();
  // A target that would connect is pointed at a closed loopback port, so no case resolves a name
  // or reaches anything: the point is the adapter's answer to the arguments.
  const cases = fc.sample(attachArgs, { seed: SEED, numRuns: 12 }).map((args) => {
    const t = attachTarget(args as AttachArguments);
    if (typeof t === 'string') return args;
    const { qmp: _qmp, ...rest } = args;
    return { ...rest, gdb: `127.0.0.1:${closed}`, timeout: 2 };
  });
  const dc = await startClient();
  try {
    for (const args of cases) {
      const what = JSON.stringify(args);
      const answer = await Promise.race([
        dc.attachRequest(args as DebugProtocol.AttachRequestArguments).then(
          () => 'attached',
          (e: unknown) => (e instanceof Error ? e.message : String(e)),
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 10 s'), 10_000)),
      ]);
      assert.match(answer, /^attach: /, what);
      assertNoInternal(answer, what);
      assert.equal((await dc.threadsRequest()).body.threads.length, 1, `the adapter answers after ${what}`);
    }
  } finally {
    await dc.stop();
  }
});
