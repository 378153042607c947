/**
 * The step debugger in a real VS Code: a session on examples/linux-bringup.smmu through the `smmu`
 * debug type (inline adapter), a breakpoint on the first doorbell, a step into it, and the
 * variables read back through the debug session (issue #6).
 */
import * as assert from 'assert';
import * as vscode from 'vscode';

import { EXTENSION_ID, StopRecorder } from './helpers';

suite('SMMU debugger in VS Code', () => {
  const recorder = new StopRecorder();
  const nextStop = (count: number) => recorder.nth(count);

  suiteSetup(() => recorder.start());

  suiteTeardown(async () => {
    recorder.dispose();
    await vscode.debug.stopDebugging();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });

  test('a session on linux-bringup.smmu stops at a doorbell breakpoint, steps into it and shows the queue', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    assert.ok((await vscode.commands.getCommands(true)).includes('smmu.debugScript'));
    const uri = vscode.Uri.joinPath(ext.extensionUri, 'examples', 'linux-bringup.smmu');
    const doc = await vscode.workspace.openTextDocument(uri);
    // "Debug Script" is in the editor title (shown by VS Code from the language as the file opens),
    // not a CodeLens that would come seconds later and push every line down. The script's one
    // CodeLens is Run on QEMU's, which the issue asks for (run-on-qemu.test.ts).
    const lenses =
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    assert.deepStrictEqual(
      lenses.map((l) => l.command?.command),
      ['smmu.runOnQemu'],
      'no Debug Script CodeLens on the script',
    );
    const run =
      (ext.packageJSON as { contributes: { menus: Record<string, { command: string; when?: string }[]> } }).contributes
        .menus['editor/title/run'] ?? [];
    assert.match(run.find((m) => m.command === 'smmu.debugScript')?.when ?? '', /resourceLangId == smmu\b/);
    const doorbell = [...Array(doc.lineCount).keys()].find((i) => doc.lineAt(i).text.startsWith('doorbell'));
    assert.ok(doorbell !== undefined);
    const firstCmd = [...Array(doorbell).keys()].find((i) => doc.lineAt(i).text.startsWith('cmd CFGI_ALL'));
    assert.ok(firstCmd !== undefined);
    vscode.debug.addBreakpoints([
      new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(doorbell, 0))),
    ]);

    const started = await vscode.debug.startDebugging(undefined, {
      type: 'smmu',
      request: 'launch',
      name: 'linux-bringup',
      program: uri.fsPath,
      stopOnEntry: false,
    });
    assert.ok(started, 'the smmu debug session starts');
    assert.equal((await nextStop(1)).reason, 'breakpoint');
    const session = vscode.debug.activeDebugSession;
    assert.ok(session && session.type === 'smmu');

    type Frames = { stackFrames: { name: string; line: number }[] };
    let trace = (await session.customRequest('stackTrace', { threadId: 1 })) as Frames;
    assert.equal(trace.stackFrames[0]?.line, doorbell + 1);

    await session.customRequest('stepIn', { threadId: 1 });
    assert.equal((await nextStop(2)).reason, 'step');
    trace = (await session.customRequest('stackTrace', { threadId: 1 })) as Frames;
    assert.equal(trace.stackFrames.length, 2);
    // The command's frame, on the `cmd` line that enqueued it; the doorbell below it.
    assert.deepEqual(
      trace.stackFrames.map((f) => [f.name, f.line]),
      [
        ['CMDQ[0] CFGI_ALL', firstCmd + 1],
        ['doorbell', doorbell + 1],
      ],
    );

    const scopes = (await session.customRequest('scopes', { frameId: 0 })) as {
      scopes: { name: string; variablesReference: number }[];
    };
    const cmdq = scopes.scopes.find((s) => s.name === 'Command queue');
    assert.ok(cmdq);
    const vars = (await session.customRequest('variables', { variablesReference: cmdq.variablesReference })) as {
      variables: { name: string; value: string }[];
    };
    assert.match(vars.variables.find((v) => v.name === 'pending')?.value ?? '', /^2 commands between CONS and PROD/);

    const regs = (await session.customRequest('smmu/registers')) as { registers: { name: string; value: string }[] };
    assert.equal(regs.registers.find((r) => r.name === 'CMDQ_PROD')?.value, '0x00000002');
    const cons = (await session.customRequest('evaluate', {
      expression: 'CMDQ_CONS.RD',
      context: 'watch',
      frameId: 0,
    })) as { result: string };
    assert.equal(cons.result, '0');
  });

  test('the Registers view follows the session, and Set Value writes through its model', async () => {
    type Snap = { place: string; label: string; registers: { name: string; value: string }[] };
    const ext = vscode.extensions.getExtension<{ registers: { snapshot?: Snap; refresh(): Promise<void> } }>(
      EXTENSION_ID,
    );
    assert.ok(ext);
    const api = await ext.activate();
    const session = vscode.debug.activeDebugSession;
    assert.ok(session && session.type === 'smmu', 'the session of the previous test is still stopped in the doorbell');
    const until = async <T>(what: string, f: () => Promise<T | undefined>): Promise<T> => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const v = await f();
        if (v !== undefined) return v;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const valueOf = (name: string) => api.registers.snapshot?.registers.find((r) => r.name === name)?.value;
    await until('the view to show the session', async () => {
      await api.registers.refresh();
      return api.registers.snapshot?.label.startsWith('Debug session') && valueOf('CMDQ_PROD') === '0x00000002'
        ? true
        : undefined;
    });
    // Where the values are from, said once (the session is named "Debug …" by default).
    assert.match(api.registers.snapshot?.label ?? '', /^Debug session at line \d+ of .*linux-bringup\.smmu$/);
    const r = await vscode.commands.executeCommand<{ value: string; findings: string[] }>(
      'smmu.registers.setValue',
      'IRQ_CTRL',
      'GERROR_IRQEN',
    );
    assert.ok(r && r.value.startsWith('0x00000001'), JSON.stringify(r));
    await until('the view to show the written value', async () => {
      await api.registers.refresh();
      return valueOf('IRQ_CTRL') === '0x00000001' ? true : undefined;
    });
    // The write went through the session's model, as the console would see it.
    const ev = (await session.customRequest('evaluate', { expression: 'IRQ_CTRL', context: 'watch', frameId: 0 })) as {
      result: string;
    };
    assert.match(ev.result, /^(0x0*1|1)\b/);
    await vscode.debug.stopDebugging(session);
    await until('the view to leave the ended session', async () => {
      await api.registers.refresh();
      return api.registers.snapshot?.label.startsWith('Debug session') ? undefined : true;
    });
  });
});
