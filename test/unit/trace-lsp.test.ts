/**
 * Trace files in the language server through the real protocol (`node dist/server.js --stdio`
 * driven by a JSON-RPC client): replay divergences as diagnostics with codes linked to
 * docs/trace-replay.md, and the side-by-side hover.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Diagnostic,
  type Hover,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';

const root = path.resolve(__dirname, '../../..');
const serverJs = path.join(root, 'dist', 'server.js');

let proc: ChildProcess;
let conn: ProtocolConnection;
let dir: string;
const published = new Map<string, PublishDiagnosticsParams[]>();
const waiters: (() => void)[] = [];

/** Wait for the next diagnostics of `uri` matching `pred` (bounded). */
function diagnosticsFor(uri: string, pred: (d: Diagnostic[]) => boolean = () => true, ms = 5000): Promise<Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const check = () => {
      const list = published.get(uri) ?? [];
      const hit = list.find((p) => pred(p.diagnostics));
      if (hit) return resolve(hit.diagnostics);
      if (Date.now() - t0 > ms) return reject(new Error(`no matching diagnostics for ${uri}; got ${JSON.stringify(list.map((p) => p.diagnostics.map(msg)))}`));
      waiters.push(check);
    };
    check();
  });
}

function file(name: string, text: string): { uri: string; path: string } {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return { uri: pathToFileURL(p).toString(), path: p };
}

/** Diagnostic messages are plain strings from this server. */
const msg = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

let version = 1;
function open(uri: string, text: string, languageId = 'smmu'): void {
  published.delete(uri);
  void conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: version++, text } });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-trace-lsp-'));
  proc = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    const list = published.get(p.uri) ?? [];
    list.push(p);
    published.set(p.uri, list);
    for (const w of waiters.splice(0)) w();
  });
  conn.listen();
  const init = await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).toString(), capabilities: {} });
  assert.ok((init as { capabilities: { hoverProvider?: boolean } }).capabilities.hoverProvider);
  await conn.sendNotification('initialized', {});
});

after(async () => {
  try {
    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
  } catch {
    /* the process may already be gone */
  }
  proc.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});


const hoverText = async (uri: string, line: number, character = 2): Promise<string> => {
  const h = (await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } })) as Hover | null;
  return h && typeof h.contents === 'object' && 'value' in h.contents ? (h.contents as MarkupContent).value : '';
};

const PROBE = ['R 0x00 4 0x0D44101A', 'R 0x04 4 0x02730010', 'R 0x0C 4 0x00001404', 'R 0x14 4 0x00000074', 'R 0x18 4 0x0000043B', 'R 0x1C 4 0x1'];

test('a .smmutrace: divergences at their lines with rule codes linked to the docs; syntax errors at the token', async () => {
  const text = [...PROBE, 'W 0x20 4 0x1F', 'R 0x24 4 0x1F', 'R 0x100A8 4 abort', 'R 0x20 4 nope'].join('\n');
  const f = file('seed.smmutrace', text);
  open(f.uri, text, 'smmutrace');
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'replay.ack-unadvertised'));
  const ack = diags.find((d) => d.code === 'replay.ack-unadvertised' && /PRIQEN must not be acknowledged/.test(msg(d)));
  assert.ok(ack, JSON.stringify(diags.map(msg)));
  assert.equal(ack.range.start.line, 7);
  assert.equal(ack.range.start.character, 9);
  assert.equal(ack.severity, 1);
  assert.match(ack.codeDescription?.href ?? '', /docs\/trace-replay\.md$/);
  assert.ok(diags.some((d) => d.code === 'replay.abort' && d.range.start.line === 8));
  const syn = diags.find((d) => d.code === 'trace.syntax');
  assert.equal(syn?.range.start.line, 9);
  assert.equal(syn?.range.start.character, 9);
});

test('hover on a read decodes the emulation and the model side by side, differing fields marked', async () => {
  const text = [...PROBE, 'W 0x20 4 0x1F', 'R 0x24 4 0x1F'].join('\n');
  const f = file('hover.smmutrace', text);
  open(f.uri, text, 'smmutrace');
  await diagnosticsFor(f.uri, (d) => d.length > 0);
  const v = await hoverText(f.uri, 7);
  assert.match(v, /\*\*SMMU_CR0ACK\*\* \(§6\.3\.10\) — Read of 32 bits at 0x00000024/);
  assert.match(v, /\| value \| `0x0000001F` \| `0x0000000D` \|/);
  assert.match(v, /\| \*\*≠\*\* PRIQEN\[1\] \| 1 ENABLED ⚠ not advertised \| 0 DISABLED \|/);
  assert.match(v, /\| CMDQEN\[3\] \| 1 ENABLED \| 1 ENABLED \|/);
  assert.match(v, /✗ SMMU_CR0ACK returned 0x0000001F but SMMU_IDR0 advertises no PRI/);
  assert.equal(await hoverText(f.uri, 20), '');
  const w = await hoverText(f.uri, 6);
  assert.match(w, /\*\*SMMU_CR0\*\* \(§6\.3\.9\) — Write of 32 bits/);
  assert.match(w, /\| PRIQEN\[1\] \| 1 ENABLED ⚠ not advertised \|/);
});

test('a QEMU log opened by name is replayed too; editing the trace re-checks it', async () => {
  const text = ['smmuv3_read_mmio addr: 0x0 val:0xd40101a size: 0x4(0)', 'smmuv3_read_mmio addr: 0x3c val:0x0 size: 0x4(1)'].join('\n');
  const f = file('boot.qemu-7.2.log', text);
  open(f.uri, text, 'smmutrace');
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'replay.abort'));
  assert.equal(diags.find((d) => d.code === 'replay.abort')?.range.start.line, 1);
  void conn.sendNotification('textDocument/didChange', { textDocument: { uri: f.uri, version: version++ }, contentChanges: [{ text: text.replace('size: 0x4(1)', 'size: 0x4(0)') }] });
  await diagnosticsFor(f.uri, (d) => !d.some((x) => x.code === 'replay.abort'));
  // Trace files are not scripts: no formatting edits, no completion.
  const edits = (await conn.sendRequest('textDocument/formatting', { textDocument: { uri: f.uri }, options: { tabSize: 2, insertSpaces: true } })) as unknown[];
  assert.deepEqual(edits, []);
});

test("a trace's `config` file: editing it replays the trace again against the new values", async () => {
  const cfgText = '{ "base": "qemu" }';
  const cfg = file('t/c.smmu.json', cfgText);
  open(cfg.uri, cfgText, 'json');
  const text = ['config "c.smmu.json"', 'R 0x00 4 0x0D44101A', 'R 0x24 4 0x0'].join('\n');
  const f = file('t/with-config.smmutrace', text);
  open(f.uri, text, 'smmutrace');
  const first = await diagnosticsFor(f.uri);
  assert.deepEqual(first.filter((d) => d.severity === 1), []);
  void conn.sendNotification('textDocument/didChange', { textDocument: { uri: cfg.uri, version: version++ }, contentChanges: [{ text: '{ "base": "qemu", "registers": { "IDR0": "0x0D40101A" } }' }] });
  const after = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'replay.id'));
  assert.equal(after.find((d) => d.code === 'replay.id')?.range.start.line, 1);
});
