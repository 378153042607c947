/**
 * Restricted Mode (docs/security.md): in an untrusted workspace scripts are not executed (on the
 * model or on QEMU), files outside the workspace folder that a script names are not read, and the
 * workspace's own values of `smmu.configuration`, `smmu.qemu.path` and `smmu.qemu.machine`
 * (restricted configurations) are not used.
 */
import * as assert from 'assert';
import * as net from 'net';
import * as vscode from 'vscode';
import type { RunOnQemuResult } from '../../../server/lsp/lsp-ext';
import { EXTENSION_ID, open, waitFor } from '../suite/helpers';

suite('Restricted Mode', () => {
  test('the workspace is not trusted, and the extension runs in it', async () => {
    assert.strictEqual(vscode.workspace.isTrusted, false, 'the launcher opens the folder untrusted');
    const ext = vscode.extensions.getExtension<{ ready: Promise<unknown> }>(EXTENSION_ID);
    assert.ok(ext);
    await (
      await ext.activate()
    ).ready;
  });

  test('main.smmu: the include outside the folder is refused on its line, the one inside is read, and nothing runs', async () => {
    const doc = (await open('main.smmu')).document;
    const diagnostics = () => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'smmu');
    const outside = await waitFor(
      'the diagnostic on the outside include',
      () => diagnostics().find((d) => /outside the workspace folder/.test(d.message)),
      20_000,
      () =>
        diagnostics()
          .map((d) => `${d.range.start.line + 1}: ${d.message}`)
          .join('\n'),
    );
    assert.strictEqual(outside.range.start.line, 1, 'on the include of ../workspace/good.smmu');
    const others = diagnostics().filter((d) => d !== outside && d.severity === vscode.DiagnosticSeverity.Error);
    assert.deepStrictEqual(
      others.map((d) => `${d.range.start.line + 1}: ${d.message}`),
      [],
      'consts.smmu is read; the failing expectation on line 4 is not executed',
    );
  });

  test("the workspace's smmu.configuration is not applied until the workspace is trusted", async () => {
    const c = vscode.workspace.getConfiguration('smmu');
    // The fixture's .vscode/settings.json sets both: the unrestricted one applies, so the file is read.
    assert.strictEqual(c.get<string>('registers.format'), 'binary', 'the workspace settings file is read');
    assert.strictEqual(
      c.get<string>('configuration'),
      '',
      'smmu.configuration (restrictedConfigurations) keeps its default in Restricted Mode',
    );
    // The fixture names a program of its own as the emulator, and QEMU options: neither applies.
    assert.strictEqual(
      c.get<string>('qemu.path'),
      '',
      'smmu.qemu.path (restrictedConfigurations) keeps its default in Restricted Mode',
    );
    assert.strictEqual(
      c.get<string>('qemu.machine'),
      '',
      'smmu.qemu.machine (restrictedConfigurations) keeps its default in Restricted Mode',
    );
  });

  test('Run on QEMU: no CodeLens offers it, and the command refuses with the reason', async () => {
    const doc = (await open('main.smmu')).document;
    const lenses =
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
    assert.deepStrictEqual(
      lenses.map((l) => l.command?.command),
      [],
      'no Run on QEMU CodeLens in an untrusted workspace',
    );
    const result = await vscode.commands.executeCommand<RunOnQemuResult>('smmu.runOnQemu', doc.uri);
    assert.strictEqual(result?.outcome, 'refused', result?.message);
    assert.strictEqual(result.ran, false);
    assert.match(
      result.message,
      /^Run on QEMU is off in an untrusted workspace: it starts a program \(the emulator, which the setting smmu\.qemu\.path names\)/,
    );
    assert.deepStrictEqual(
      vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'SMMU on QEMU'),
      [],
    );
    const api = (
      await vscode.extensions
        .getExtension<{ qemu: { lastNotice?: { severity: string; actions: readonly string[] } } }>(EXTENSION_ID)!
        .activate()
    ).qemu;
    assert.deepStrictEqual(
      { severity: api.lastNotice?.severity, actions: api.lastNotice?.actions },
      { severity: 'warning', actions: ['Manage Workspace Trust'] },
    );
  });

  test('an attach to a gdbstub is refused: no connection is made to the port the launch configuration names', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      // VS Code may also ask for trust itself; either way no session may start and nothing may connect.
      const started = await Promise.race([
        vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
          type: 'smmu',
          request: 'attach',
          name: 'attach',
          gdb: `127.0.0.1:${port}`,
        }),
        new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 5000)),
      ]);
      assert.notStrictEqual(started, true, 'no debug session started');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.strictEqual(connections, 0, 'nothing connected to the gdbstub port');
      assert.strictEqual(vscode.debug.activeDebugSession, undefined);
    } finally {
      server.close();
    }
  });
});
