/**
 * `npm run fuzz [-- --seconds=N]`: the fixed-seed properties of the unit suite with random seeds
 * for a time budget (default 60 s): scripts (grammar-aware and random bytes) through parse,
 * resolve and the model; queue descriptors; structure decoders. A failure prints its seed and
 * counterexample so it can be replayed.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkQueueFile } from '../../core/queue-file/check';
import { checkScript } from '../../core/script/check';
import { decodeStructure, STRUCTURE_KINDS } from '../../core/structures/decode-words';
import { engineScript, tokenSoup, wellFormedScript } from '../unit/script-helpers';

const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? '60');
const host = { readFile: () => undefined, resolvePath: (_a: string, b: string) => b };

const properties: [string, fc.IPropertyWithHooks<[string]> | fc.IProperty<[string]>][] = [
  [
    'scripts: never throw, diagnostics inside the text, no internal errors',
    fc.property(fc.oneof(wellFormedScript, engineScript, fc.array(tokenSoup, { minLength: 1, maxLength: 8 }).map((l) => l.join('\n')), fc.string({ unit: 'binary', maxLength: 400 })), (text) => {
      const r = checkScript(text, '/x.smmu', host, 'full');
      const lines = text.split(/\r\n|\r|\n/).length;
      for (const d of r.diagnostics) {
        assert.ok(d.range.start.line >= 0 && d.range.end.line < lines, JSON.stringify(d));
        assert.notEqual(d.code, 'internal', d.message);
      }
    }),
  ],
  [
    'queue descriptors: never throw',
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.tuple(fc.constantFrom('cmdq', 'evtq', 'priq', 'nope'), fc.nat(25), fc.nat(), fc.nat(), fc.array(fc.tuple(fc.nat(70), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })), { maxLength: 10 })).map(
          ([q, l, p, c, es]) => [`queue ${q}`, `log2size ${l}`, `prod ${p}`, `cons ${c}`, ...es.map(([i, a, b]) => `${i}: 0x${a.toString(16)} 0x${b.toString(16)}`)].join('\n'),
        ),
      ),
      (text) => {
        checkQueueFile(text, '/x.smmuq', host);
      },
    ),
  ],
  [
    'structure decoders: never throw on any doublewords',
    fc.property(fc.constantFrom(...STRUCTURE_KINDS), fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 9 }), (kind, dwords) => {
      decodeStructure(kind, dwords);
    }) as unknown as fc.IProperty<[string]>,
  ],
];

const deadline = Date.now() + seconds * 1000;
let runs = 0;
let round = 0;
while (Date.now() < deadline) {
  for (const [name, prop] of properties) {
    const seed = Date.now() ^ (round * 7919);
    const result = fc.check(prop, { seed, numRuns: 200 });
    runs += result.numRuns;
    if (result.failed) {
      process.stderr.write(`FAILED: ${name}\nseed ${seed}, path ${result.counterexamplePath}\ncounterexample: ${JSON.stringify(result.counterexample)}\n${String(result.errorInstance)}\n`);
      process.exit(1);
    }
  }
  round++;
}
process.stdout.write(`fuzz: ${runs} cases in ${seconds} s, no failure\n`);
