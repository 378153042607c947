/**
 * QEMU's monitor as a reader of input, fuzzed: the `xp` dump reader on any text, and
 * `smmu inspect --qmp` against a monitor whose answers are mutated (random bytes, control
 * characters, truncated or huge lines, JSON of the wrong shape, valid dumps with damaged words).
 * Each run ends within its time limit with exit 0, 1 or 2 and never a stack trace.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { wordsFromMemoryDump } from '../../core/inspect/memory-dump';
import { assertNoInternal } from '../fuzz/oracle';
import { smmuAsync } from '../harness/cli-harness';

const SEED = 20261205;
const GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}\r\n';

/** A well-formed dump of `n` words at `address`, as QEMU's memory_dump prints it. */
function dump(address: bigint, n: number, word: (k: number) => number): string {
  let text = '';
  for (let k = 0; k < n; k += 4) {
    const at = address + BigInt(k * 4);
    const words: string[] = [];
    for (let j = k; j < Math.min(n, k + 4); j++) words.push(`0x${word(j).toString(16).padStart(8, '0')}`);
    text += `${at.toString(16).padStart(16, '0')}: ${words.join(' ')}\r\n`;
  }
  return text;
}

/** A text mutated as the fuzzers mutate files: a character inserted, a cut, a long line, random bytes. */
const mutated = (text: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(text),
    fc
      .tuple(
        fc.nat(text.length),
        fc.constantFrom('\f', '\v', '\0', '\x1b', '\u2028', '\ud800', '\ufeff', '\n', ':', '0x'),
      )
      .map(([i, c]) => text.slice(0, i) + c + text.slice(i)),
    fc.nat(text.length).map((i) => text.slice(0, i)),
    fc.nat(text.length).map((i) => text.slice(0, i) + 'f'.repeat(20_000) + text.slice(i)),
    fc.nat(text.length).map((i) => text.slice(0, i) + '0x' + 'f'.repeat(40) + text.slice(i)),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );

test('the xp dump reader: any text gives the asked number of 32-bit words, or a message; never an exception', () => {
  const arb = fc
    .record({ n: fc.integer({ min: 1, max: 12 }), address: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }) })
    .chain(({ n, address }) =>
      mutated(dump(address, n, (k) => (k * 0x9e3779b1) >>> 0)).map((text) => ({ n, address, text })),
    );
  fc.assert(
    fc.property(arb, ({ n, address, text }) => {
      const r = wordsFromMemoryDump(text, address, n);
      if (typeof r === 'string') {
        assert.ok(r.length > 0 && r.length < 400, r);
        assertNoInternal(r, 'dump reader');
      } else {
        assert.equal(r.length, n);
        for (const w of r) assert.ok(Number.isInteger(w) && w >= 0 && w <= 0xffff_ffff, String(w));
      }
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

/** One answer per command: the right shape for QEMU (every word 0, no RAM), then mutated. */
function answerFor(c: { execute: string; id?: unknown; arguments?: Record<string, unknown> }): string {
  if (c.execute === 'query-status') return JSON.stringify({ return: { status: 'running', running: true }, id: c.id });
  if (c.execute !== 'human-monitor-command') return JSON.stringify({ return: {}, id: c.id });
  const xp = /^xp \/(\d+)xw 0x([0-9a-f]+)$/.exec(String(c.arguments?.['command-line']));
  const text = xp ? dump(BigInt(`0x${xp[2]}`), Number(xp[1]), () => 0) : '';
  return JSON.stringify({ return: text, id: c.id });
}

test(
  'smmu inspect --qmp against a monitor whose answers are mutated: exit 0, 1 or 2 in time, never a stack trace',
  { timeout: 240_000 },
  async () => {
    // Per case: which answer (by index) is mutated, and how.
    const cases = fc.sample(
      fc.record({
        at: fc.nat(40),
        how: fc.constantFrom('bytes', 'insert', 'cut', 'long', 'shape', 'drop'),
        byte: fc.constantFrom('\f', '\v', '\0', '\x1b', '\u2028', '\ud800', '}', '"'),
        junk: fc.string({ unit: 'binary', maxLength: 120 }),
      }),
      { seed: SEED, numRuns: 8 },
    );
    for (const c of cases) {
      let n = 0;
      const sockets = new Set<net.Socket>();
      const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.write(GREETING);
        let buf = '';
        socket.on('data', (d) => {
          buf += d.toString('utf8');
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            let answer = answerFor(JSON.parse(line) as { execute: string; id?: unknown });
            if (n++ === c.at) {
              if (c.how === 'drop') return socket.destroy();
              answer =
                c.how === 'bytes'
                  ? c.junk
                  : c.how === 'insert'
                    ? answer.slice(0, answer.length >> 1) + c.byte + answer.slice(answer.length >> 1)
                    : c.how === 'cut'
                      ? answer.slice(0, answer.length >> 1)
                      : c.how === 'long'
                        ? answer.replace('"return":', `"return":"${'x'.repeat(100_000)}","ignored":`)
                        : JSON.stringify({ return: [1, { a: null }], id: 'not ours' });
            }
            socket.write(answer + '\r\n');
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const r = await smmuAsync(30_000, 'inspect', '--qmp', `127.0.0.1:${port}`, '--timeout', '3');
        const what = JSON.stringify(c);
        assert.ok(r.code === 0 || r.code === 1 || r.code === 2, `${what}: exit ${r.code}\n${r.err}`);
        assert.doesNotMatch(r.err + r.out, /\n\s+at /, what);
        assertNoInternal(r.err + r.out, what);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
  },
);
