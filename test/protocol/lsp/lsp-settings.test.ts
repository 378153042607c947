/**
 * Settings sent to the language server over the real protocol: `smmu.configuration` (the default
 * configuration of files without a `config` line) and `smmu.inlayHints.enabled`, first through
 * `initializationOptions`, then through `workspace/didChangeConfiguration`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { ProtocolConnection, Diagnostic } from 'vscode-languageserver-protocol/node';
import type { DocumentInfoResult } from '../../../server/lsp/lsp-ext';
import { LspServer, msg } from '../../harness/lsp-harness';
import { root } from '../../harness/root';

let server: LspServer;
let conn: ProtocolConnection;
let dir: string;

/** The next diagnostics of `uri` published after `since` (an index into its list) matching `pred`. */
const diagnosticsFor = (uri: string, pred: (d: Diagnostic[]) => boolean, since = 0, ms = 5000) =>
  server.diagnosticsFor(uri, pred, since, ms);
const count = (uri: string) => server.count(uri);
const file = (name: string, text: string) => server.file(name, text);
const open = (f: { uri: string; path: string }, languageId = 'smmu') =>
  server.open(f.uri, fs.readFileSync(f.path, 'utf8'), languageId);
const info = (uri: string) => conn.sendRequest<DocumentInfoResult | null>('smmu/documentInfo', { uri });
/** As the VS Code client sends them (client/ctx.ts): the settings object is the notification's `settings`. */
const configure = (settings: Record<string, unknown>) =>
  conn.sendNotification('workspace/didChangeConfiguration', { settings });
const hints = (uri: string) =>
  conn.sendRequest<{ label: string }[]>('textDocument/inlayHint', {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } },
  });

const WITH_PRI = JSON.stringify(
  {
    name: 'with PRI',
    features: {
      stage1: true,
      ttf: 'aarch64',
      ats: true,
      pri: true,
      sidSize: 16,
      cmdqSize: 8,
      eventqSize: 8,
      priqSize: 8,
    },
  },
  null,
  2,
);
/** PRIQEN is RES0 unless IDR0.PRI is advertised (§6.3.9): which configuration a script got shows in its diagnostics. */
const unadvertised = (d: Diagnostic[]) => d.some((x) => x.code === 'write.unadvertised');

before(async () => {
  // A relative configuration path is relative to the workspace folder.
  const started = await LspServer.start('smmu-lsp-settings-', (d) => ({
    workspaceFolders: [{ uri: pathToFileURL(d).toString(), name: 'w' }],
    initializationOptions: { settings: { executeOn: 'save', configuration: 'cfg/pri.smmu.json', inlayHints: false } },
  }));
  server = started.server;
  conn = server.conn;
  dir = server.dir;
  file('cfg/pri.smmu.json', WITH_PRI);
});

after(() => server.stop());

test('initializationOptions: smmu.configuration is the configuration of scripts and queue descriptors without a config line', async () => {
  const s = file('no-config.smmu', 'write32 CR0 PRIQEN\n');
  open(s);
  const d = await diagnosticsFor(s.uri, () => true);
  assert.ok(!unadvertised(d), JSON.stringify(d.map(msg)));
  const i = await info(s.uri);
  assert.equal(i?.config, 'with PRI');
  assert.equal(i?.configPath, path.join(dir, 'cfg', 'pri.smmu.json'));
  assert.equal(i?.configOrigin, 'setting smmu.configuration');
  assert.equal(i?.configValid, true);
  const q = file('no-config.smmuq', ['queue cmdq', 'log2size 1', 'prod 1', 'cons 0', '0: 0x3 0x1'].join('\n'));
  open(q, 'smmuq');
  await diagnosticsFor(q.uri, () => true);
  const qi = await info(q.uri);
  assert.equal(qi?.config, 'with PRI');
  assert.equal(qi?.configOrigin, 'setting smmu.configuration');
});

test("a script's own config line wins over smmu.configuration", async () => {
  const qemu = path.join(root, 'presets', 'qemu.smmu.json').replace(/\\/g, '/');
  const s = file('own-config.smmu', `config "${qemu}"\nwrite32 CR0 PRIQEN\n`);
  open(s);
  const d = await diagnosticsFor(s.uri, () => true);
  assert.ok(unadvertised(d), 'checked against QEMU (no PRI), not the setting');
  const i = await info(s.uri);
  assert.equal(i?.configOrigin, undefined);
  assert.match(i?.config ?? '', /^QEMU/);
});

test('initializationOptions: smmu.inlayHints.enabled false gives no hints; true through didChangeConfiguration gives them', async () => {
  const s = file('hints.smmu', 'write32 CR0 0xd\n');
  open(s);
  await diagnosticsFor(s.uri, () => true);
  assert.deepEqual(await hints(s.uri), []);
  await configure({ inlayHints: true });
  assert.deepEqual(
    (await hints(s.uri)).map((h) => h.label),
    ['SMMUEN|EVENTQEN|CMDQEN'],
  );
  await configure({ inlayHints: false });
  assert.deepEqual(await hints(s.uri), []);
});

test('didChangeConfiguration: open documents are re-checked; a missing file or a preset name; back to the built-in default', async () => {
  const s = file('follow.smmu', 'write32 CR0 PRIQEN\n');
  open(s);
  assert.ok(!unadvertised(await diagnosticsFor(s.uri, () => true)));

  // A file that does not exist: one error on line 0 naming the setting.
  let n = count(s.uri);
  await configure({ configuration: 'cfg/missing.smmu.json' });
  const missing = await diagnosticsFor(s.uri, (d) => d.some((x) => x.code === 'config.missing'), n);
  const m = missing.filter((x) => x.code === 'config.missing');
  assert.equal(m.length, 1);
  assert.equal(m[0]!.range.start.line, 0);
  assert.equal(m[0]!.severity, 1);
  assert.match(msg(m[0]!), /setting smmu\.configuration/);
  assert.match(msg(m[0]!), /cfg\/missing\.smmu\.json|cfg\\missing\.smmu\.json/);
  const unusable = await info(s.uri);
  assert.equal(unusable?.configValid, false);
  // The model ran nothing: the status bar must not name the default as what the script ran against.
  assert.equal(unusable?.config, 'none (missing.smmu.json cannot be used)');

  // A preset by name.
  n = count(s.uri);
  await configure({ configuration: 'smmuv3.2-full' });
  const full = await diagnosticsFor(s.uri, (d) => !d.some((x) => String(x.code).startsWith('config.')), n);
  assert.ok(!unadvertised(full), JSON.stringify(full.map(msg)));
  const i = await info(s.uri);
  assert.equal(i?.config, 'SMMUv3.2 full-featured');
  assert.equal(i?.configPath, undefined);
  assert.equal(i?.configOrigin, 'setting smmu.configuration');

  // Empty: the built-in default (QEMU's, no PRI).
  n = count(s.uri);
  await configure({ configuration: '' });
  assert.ok(unadvertised(await diagnosticsFor(s.uri, unadvertised, n)));
  const d = await info(s.uri);
  assert.match(d?.config ?? '', /^QEMU/);
  assert.equal(d?.configOrigin, undefined);
});

test('smmu.configuration naming a file with errors: config.invalid on line 0; fixing the open file re-checks the script', async () => {
  const bad = file('cfg/bad.smmu.json', WITH_PRI.replace('"pri": true', '"pri": "yes"'));
  const s = file('uses-bad.smmu', 'write32 CR0 PRIQEN\n');
  open(s);
  await diagnosticsFor(s.uri, () => true);
  let n = count(s.uri);
  await configure({ configuration: bad.path });
  const invalid = await diagnosticsFor(s.uri, (d) => d.some((x) => x.code === 'config.invalid'), n);
  const e = invalid.filter((x) => x.code === 'config.invalid');
  assert.equal(e.length, 1);
  assert.equal(e[0]!.range.start.line, 0);
  assert.match(
    msg(e[0]!),
    /^setting smmu\.configuration: configuration .*bad\.smmu\.json has 1 error; first at line \d+/,
  );
  // The configuration file opened and fixed in the editor (unsaved): the script follows.
  open(bad, 'json');
  n = count(s.uri);
  void conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: bad.uri, version: server.nextVersion() },
    contentChanges: [{ text: WITH_PRI }],
  });
  const fixed = await diagnosticsFor(s.uri, (d) => !d.some((x) => x.code === 'config.invalid'), n);
  assert.ok(!unadvertised(fixed), JSON.stringify(fixed.map(msg)));
  assert.equal((await info(s.uri))?.config, 'with PRI');
  await configure({ configuration: '' });
});

test('settings of the wrong type are ignored: the previous values stay', async () => {
  await configure({ configuration: 'xen-vsmmu' });
  await configure({ configuration: 42, inlayHints: 'no', executeOn: 'sometimes' });
  const s = file('typed.smmu', 'write32 CR0 0xd\n');
  open(s);
  await diagnosticsFor(s.uri, () => true);
  assert.match((await info(s.uri))?.config ?? '', /^Xen/);
  assert.deepEqual(await hints(s.uri), []);
  await configure({ configuration: '' });
});

test('didChangeConfiguration also takes the initializationOptions form and an `smmu` section (other editors)', async () => {
  const s = file('forms.smmu', 'write32 CR0 0xd\n');
  open(s);
  await diagnosticsFor(s.uri, () => true);
  await conn.sendNotification('workspace/didChangeConfiguration', {
    settings: { settings: { configuration: 'xen-vsmmu' } },
  });
  assert.match((await info(s.uri))?.config ?? '', /^Xen/);
  await conn.sendNotification('workspace/didChangeConfiguration', {
    settings: { smmu: { configuration: 'smmuv3.2-full', inlayHints: true } },
  });
  assert.equal((await info(s.uri))?.config, 'SMMUv3.2 full-featured');
  assert.deepEqual(
    (await hints(s.uri)).map((h) => h.label),
    ['SMMUEN|EVENTQEN|CMDQEN'],
  );
  await configure({ configuration: '', inlayHints: false });
});
