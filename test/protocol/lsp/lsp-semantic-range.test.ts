/**
 * Semantic tokens for a range (`textDocument/semanticTokens/range`), which VS Code asks for the
 * lines it shows until it has a document's full tokens: the same tokens as the full request on
 * those lines, whether they come from the kept syntax tree or from the lines above the range
 * (server/lsp/semantic-tokens.ts), and answered during a script's first check instead of after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import fc from 'fast-check';
import { LspServer, withLspServer } from '../../harness/lsp-harness';
import { longScript } from '../../harness/long-script';
import { root } from '../../harness/root';
import { SERVER_STATS_REQUEST, type ServerStatsResult } from '../../../server/lsp/lsp-ext';
import { RESOLVE_AHEAD_MAX_LINES } from '../../../server/lsp/workspace';

interface Tokens {
  data: number[];
}
interface Pos {
  line: number;
  character: number;
}
/** One token: line, start character, length, type, modifiers. */
type Token = [number, number, number, number, number];

/** The tokens of LSP's relative encoding, absolute. */
function decode(data: readonly number[]): Token[] {
  const out: Token[] = [];
  let line = 0;
  let char = 0;
  for (let i = 0; i + 4 < data.length; i += 5) {
    const dl = data[i] as number;
    line += dl;
    char = dl === 0 ? char + (data[i + 1] as number) : (data[i + 1] as number);
    out.push([line, char, data[i + 2] as number, data[i + 3] as number, data[i + 4] as number]);
  }
  return out;
}

/** The full tokens that overlap `start`–`end` (what a range request must give). */
function within(tokens: readonly Token[], start: Pos, end: Pos): Token[] {
  const before = (l: number, c: number, p: Pos) => l < p.line || (l === p.line && c < p.character);
  return tokens.filter(
    ([l, c, n]) => before(l, c, end) && !before(l, c + n, { ...start, character: start.character + 1 }),
  );
}

/**
 * Scripts whose names resolve in every way: registers, fields, enum values, constants (defined
 * above their use and after an include), an include that defines one, commands, events, a string,
 * comments, an error line; and the bundled examples.
 */
function scripts(server: LspServer): { name: string; uri: string; text: string }[] {
  server.file('defs.smmu', 'const INCLUDED_BASE = 0x48000000\n');
  const own = [
    `config "${path.join(root, 'presets', 'qemu.smmu.json').replace(/\\/g, '/')}"   # the preset`,
    'const BASE = 0x40000000',
    'include "defs.smmu"',
    'write64 STRTAB_BASE BASE',
    'write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8',
    'write64 CMDQ_BASE INCLUDED_BASE | LOG2SIZE=8',
    'write32 CR0 SMMUEN|CMDQEN',
    'write64 CR0 0x1',
    'cmd CFGI_STE sid=1 Leaf',
    'cmd SYNC CS=SIG_IRQ',
    'doorbell',
    'read32 GERROR == 0   # no error',
    'read32 CR0ACK.SMMUEN == 1',
    'expect event F_TRANSLATION sid=1',
    'mem write32 0x40000000 0x1 == abort',
    'read32 0xfff0 == abort',
    'bogus line "with a string"',
    '',
  ].join('\n');
  // Where they are, so that their `config` and `include` lines find what they name (opened, not written).
  const examples = fs
    .readdirSync(path.join(root, 'examples'))
    .filter((f) => f.endsWith('.smmu'))
    .map((f) => {
      const file = path.join(root, 'examples', f);
      return { name: f, uri: pathToFileURL(file).toString(), text: fs.readFileSync(file, 'utf8') };
    });
  return [{ name: 'own.smmu', uri: server.file('own.smmu', own).uri, text: own }, ...examples];
}

test('range tokens are the full tokens on those lines, from the lines above or from the kept tree', async () => {
  await withLspServer('smmu-range-tokens-', async (server) => {
    for (const { name, uri, text } of scripts(server)) {
      const textDocument = { uri };
      server.open(uri, text);
      await server.diagnosticsFor(uri, () => true, 0, 30_000);
      const lines = text.split('\n');
      const range = fc.record({
        a: fc.nat(lines.length + 2),
        b: fc.nat(lines.length + 2),
        c: fc.nat(90),
        d: fc.nat(90),
      });
      const ranges = fc.sample(range, { numRuns: 12, seed: name.length }).map(({ a, b, c, d }) => {
        const [s, e] = a <= b ? [a, b] : [b, a];
        return { start: { line: s, character: c }, end: { line: e, character: s === e ? c + d : d } };
      });
      ranges.push({ start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } });
      const ask = (r: { start: Pos; end: Pos }) =>
        server.conn.sendRequest<Tokens>('textDocument/semanticTokens/range', { textDocument, range: r });
      // First from the lines above each range: the open's streamed check keeps no tree.
      const fromLines = [];
      for (const r of ranges) fromLines.push(decode((await ask(r)).data));
      const full = decode(
        (await server.conn.sendRequest<Tokens>('textDocument/semanticTokens/full', { textDocument })).data,
      );
      assert.ok(full.length > 0, `${name}: tokens`);
      for (const [i, r] of ranges.entries()) {
        const want = within(full, r.start, r.end);
        assert.deepEqual(fromLines[i], want, `${name} ${JSON.stringify(r)}, from the lines above`);
        // Then from the tree the full request parsed.
        assert.deepEqual(decode((await ask(r)).data), want, `${name} ${JSON.stringify(r)}, from the tree`);
      }
      await server.conn.sendNotification('textDocument/didClose', { textDocument });
    }
    // A malformed range is answered with no tokens, not an error, and the server goes on.
    const { uri } = server.file('bad-range.smmu', 'write32 CR0 SMMUEN\n');
    server.open(uri, 'write32 CR0 SMMUEN\n');
    for (const range of [null, {}, { start: { line: '0', character: 0 }, end: { line: 1, character: 0 } }, 7])
      assert.deepEqual(
        await server.conn.sendRequest('textDocument/semanticTokens/range', { textDocument: { uri }, range }),
        { data: [] },
        JSON.stringify(range),
      );
    const tokensOf = async (range: unknown) =>
      (await server.conn.sendRequest<Tokens>('textDocument/semanticTokens/range', { textDocument: { uri }, range }))
        .data;
    assert.deepEqual(await tokensOf({ start: { line: 5, character: 0 }, end: { line: 0, character: 0 } }), []);
    assert.deepEqual(
      await tokensOf({ start: { line: -3, character: -1 }, end: { line: 1e9, character: 1e9 } }),
      (await server.conn.sendRequest<Tokens>('textDocument/semanticTokens/full', { textDocument: { uri } })).data,
    );
    const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    assert.ok(stats.rangeTokens.answered > 0);
  });
});

test("the shown lines' tokens are answered during the first check, before its diagnostics", async () => {
  await withLspServer('smmu-range-tokens-first-', async (server) => {
    // Long enough that its check spans many slices, with an error only the model finds at its end.
    const text = longScript(20_000) + 'read32 CR0ACK.SMMUEN == 0\n';
    const { uri } = server.file('long.smmu', text);
    const textDocument = { uri };
    const range = { start: { line: 0, character: 0 }, end: { line: 80, character: 0 } };
    server.open(uri, text);
    const tokens = await server.conn.sendRequest<Tokens>('textDocument/semanticTokens/range', { textDocument, range });
    assert.equal(server.count(uri), 0, 'the range was answered before the first check published');
    const diagnostics = await server.diagnosticsFor(uri, () => true, 0, 60_000);
    assert.ok(
      diagnostics.some((d) => d.range.start.line === text.split('\n').length - 2),
      'the model ran to the last line',
    );
    const stats = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    assert.deepEqual(stats.rangeTokens, { answered: 1, duringFirstCheck: 1 });
    assert.equal(stats.openCheckWaits, 0, 'the range request did not wait');
    const full = decode(
      (await server.conn.sendRequest<Tokens>('textDocument/semanticTokens/full', { textDocument })).data,
    );
    assert.deepEqual(decode(tokens.data), within(full, range.start, range.end));
    assert.ok(tokens.data.length > 5 * 80, `${tokens.data.length / 5} tokens on 80 lines`);

    // Lines further down than the server resolves on their own during a first check: after it.
    const published = server.count(uri);
    await server.conn.sendNotification('textDocument/didClose', { textDocument });
    // The close clears the document's diagnostics; then a new first check.
    await server.diagnosticsFor(uri, (d) => d.length === 0, published);
    const again = text + '# another version\n';
    server.open(uri, again);
    const far = {
      start: { line: RESOLVE_AHEAD_MAX_LINES + 5, character: 0 },
      end: { line: RESOLVE_AHEAD_MAX_LINES + 60, character: 0 },
    };
    const later = await server.conn.sendRequest<Tokens>('textDocument/semanticTokens/range', {
      textDocument,
      range: far,
    });
    assert.equal(server.count(uri), 1, 'answered after the first check published');
    const fullAgain = decode(
      (await server.conn.sendRequest<Tokens>('textDocument/semanticTokens/full', { textDocument })).data,
    );
    assert.deepEqual(decode(later.data), within(fullAgain, far.start, far.end));
    assert.ok(later.data.length > 5 * 50);
    const after = await server.conn.sendRequest<ServerStatsResult>(SERVER_STATS_REQUEST, {});
    assert.deepEqual(after.rangeTokens, { answered: 2, duringFirstCheck: 1 });
  });
});
