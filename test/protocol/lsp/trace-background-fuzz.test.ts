/**
 * The language server's background trace check (traces over 20,000 lines, server/lsp/trace.ts)
 * under the fuzzers' mutations: a long trace and a long QEMU log, each mutated one to four times
 * with test/fuzz/mutate.ts (control characters, a lone surrogate, a BOM, truncation, 20,000-
 * character lines, 40-digit numbers, lines from other file kinds). The server publishes
 * diagnostics inside the text, none an internal error, answers a hover anywhere, and lives on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Hover } from 'vscode-languageserver-protocol/node';
import fc from 'fast-check';
import { handshakeLines } from '../../bench/trace-gen';
import { assertNoInternal } from '../../fuzz/oracle';
import { applyMutations, corpus, mutation } from '../../fuzz/mutate';
import { LspServer } from '../../harness/lsp-harness';

const SEED = 20261205;
/** Over the server's BACKGROUND_TRACE_LINES (20,000). */
const LINES = 25_000;

let server: LspServer;
before(async () => {
  server = (await LspServer.start('smmu-trace-bg-fuzz-')).server;
});
after(() => server?.stop());

/** A QEMU 7.2 `-trace smmuv3_*` log of the same handshakes (the line format of qemu-trace-events.md). */
function qemuLog(lines: readonly string[]): string {
  return lines
    .map((l) => {
      const m = /^([RW]) (0x[0-9A-Fa-f]+) (\d) (0x[0-9A-Fa-f]+)$/.exec(l);
      if (!m) return l;
      const fn = m[1] === 'R' ? 'smmuv3_read_mmio' : 'smmuv3_write_mmio';
      return `${fn} addr: ${m[2]!.toLowerCase()} val:${m[4]!.toLowerCase()} size: 0x${m[3]}(0)`;
    })
    .join('\n');
}

const lineCount = (text: string) => text.split(/\r\n|\r|\n/).length;

test(
  'a long trace or QEMU log, mutated: diagnostics inside the text, no internal error, hovers answered',
  { timeout: 600_000 },
  async () => {
    const handshakes = handshakeLines(LINES);
    const bases: [string, string][] = [
      ['smmutrace', handshakes.join('\n') + '\n'],
      ['log', qemuLog(handshakes) + '\n'],
    ];
    const seedLines = corpus().flatMap((f) => f.text.split('\n').slice(0, 20));
    const cases = fc.sample(
      fc.record({
        base: fc.nat(1),
        mutations: fc.array(mutation(seedLines), { minLength: 1, maxLength: 4 }),
        hoverAt: fc.nat(),
      }),
      { seed: SEED, numRuns: 4 },
    );
    let k = 0;
    for (const c of cases) {
      const [ext, base] = bases[c.base] as [string, string];
      const text = applyMutations(base, c.mutations);
      const f = server.file(`case-${k++}${ext === 'log' ? '.qemu-7.2.log' : '.smmutrace'}`, text);
      const what = `${ext} with ${JSON.stringify(c.mutations).slice(0, 300)}`;
      server.open(f.uri, text, 'smmutrace');
      const n = lineCount(text);
      const h = (await server.conn.sendRequest('textDocument/hover', {
        textDocument: { uri: f.uri },
        position: { line: c.hoverAt % n, character: 1 },
      })) as Hover | null;
      assertNoInternal(JSON.stringify(h ?? {}), `hover, ${what}`);
      const diags = await server.diagnosticsFor(f.uri, () => true, 0, 180_000);
      for (const d of diags) {
        assert.ok(d.range.start.line >= 0 && d.range.end.line < n + 1, `${what}: a range beyond the text (${n} lines)`);
        assertNoInternal(typeof d.message === 'string' ? d.message : d.message.value, what);
      }
    }
  },
);
