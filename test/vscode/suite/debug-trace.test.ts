/**
 * The step debugger on a trace in a real VS Code (issue #7): "Debug Script" (the editor title's
 * command) on a `.smmutrace` starts a session that steps record by record on the trace's lines
 * and stops, with the failed-expectation filter, on the record where the emulation diverges from
 * the model. When it ends, the views say that the trace is not a script instead of keeping the
 * session's state.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';

import { api, EXTENSION_ID, StopRecorder, waitFor } from './helpers';

suite('SMMU debugger on a trace in VS Code', () => {
  const recorder = new StopRecorder();
  const nextStop = (count: number) => recorder.nth(count);

  suiteSetup(() => recorder.start());

  suiteTeardown(async () => {
    recorder.dispose();
    await vscode.debug.stopDebugging();
  });

  test('Debug Script on a trace steps record by record and stops on the diverging record', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const a = await api();
    const uri = vscode.Uri.joinPath(ext.extensionUri, 'examples', 'vsmmu-locking.smmutrace');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'smmutrace');
    await vscode.window.showTextDocument(doc);
    // What the editor title's button runs: launch with stopOnEntry.
    assert.ok(await vscode.commands.executeCommand('smmu.debugScript', uri), 'the session starts');
    assert.equal((await nextStop(1)).reason, 'entry');
    const session = vscode.debug.activeDebugSession;
    assert.ok(session && session.type === 'smmu');
    type Frames = { stackFrames: { name: string; line: number }[] };
    const first = doc
      .getText()
      .split('\n')
      .findIndex((l) => /^\s*[RW]\s/i.test(l));
    let frames = (await session.customRequest('stackTrace', { threadId: 1 })) as Frames;
    assert.equal(frames.stackFrames[0]?.line, first + 1);
    await session.customRequest('next', { threadId: 1 });
    assert.equal((await nextStop(2)).reason, 'step');
    frames = (await session.customRequest('stackTrace', { threadId: 1 })) as Frames;
    assert.ok((frames.stackFrames[0]?.line ?? 0) > first + 1);
    await session.customRequest('continue', { threadId: 1 });
    const stop = await nextStop(3);
    assert.equal(stop.reason, 'exception');
    const m = /failed expectation: line (\d+): the emulation returned 0x[0-9A-F]+, the model 0x[0-9A-F]+/.exec(
      stop.text ?? '',
    );
    assert.ok(m, stop.text);
    // The arrow and the record scope are on the record the exception is about.
    frames = (await session.customRequest('stackTrace', { threadId: 1 })) as Frames;
    assert.equal(frames.stackFrames[0]?.line, Number(m[1]));
    const scopes = (await session.customRequest('scopes', { frameId: 0 })) as { scopes: { name: string }[] };
    assert.equal(scopes.scopes[0]?.name, `Trace record (line ${m[1]})`);
    await vscode.debug.stopDebugging(session);
    // The session is over and the active editor is a trace: the Registers view says so.
    await waitFor(
      'the Registers view to leave the session',
      async () => {
        await a.registers.refresh();
        return a.registers.snapshot?.label.startsWith('The active editor (') ? true : undefined;
      },
      15_000,
      () => `view: ${a.registers.snapshot?.label}`,
    );
    assert.match(String(a.registers.view?.message), /vsmmu-locking\.smmutrace\) is not an SMMU script/);
    assert.deepStrictEqual(a.registers.getChildren(), []);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
