/**
 * The step debugger on a trace in a real VS Code (issue #7): a `.smmutrace` gets the Debug Script
 * CodeLens; the session it starts steps record by record on the trace's lines and stops, with the
 * failed-expectation filter, where the emulation diverges from the model.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';

import { EXTENSION_ID, StopRecorder } from './helpers';


suite('SMMU debugger on a trace in VS Code', () => {
  const recorder = new StopRecorder();
  const nextStop = (count: number) => recorder.nth(count);

  suiteSetup(() => recorder.start());

  suiteTeardown(async () => {
    recorder.dispose();
    await vscode.debug.stopDebugging();
  });


  test('a trace gets the Debug Script CodeLens; debugging it steps record by record and stops at the divergence', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    const uri = vscode.Uri.joinPath(ext.extensionUri, 'examples', 'vsmmu-locking.smmutrace');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'smmutrace');
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const lens = lenses.find((l) => l.command?.command === 'smmu.debugScript' && /Debug Script/.test(l.command.title));
    assert.ok(lens?.command, 'a Debug Script CodeLens on the trace');
    // What the CodeLens does: launch with stopOnEntry.
    assert.ok(await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? [])), 'the session starts');
    assert.equal((await nextStop(1)).reason, 'entry');
    const session = vscode.debug.activeDebugSession;
    assert.ok(session && session.type === 'smmu');
    type Frames = { stackFrames: { name: string; line: number }[] };
    const first = doc.getText().split('\n').findIndex((l) => /^\s*[RW]\s/i.test(l));
    let frames = (await session.customRequest('stackTrace', { threadId: 1 })) as Frames;
    assert.equal(frames.stackFrames[0]?.line, first + 1);
    await session.customRequest('next', { threadId: 1 });
    assert.equal((await nextStop(2)).reason, 'step');
    frames = (await session.customRequest('stackTrace', { threadId: 1 })) as Frames;
    assert.ok((frames.stackFrames[0]?.line ?? 0) > first + 1);
    await session.customRequest('continue', { threadId: 1 });
    const stop = await nextStop(3);
    assert.equal(stop.reason, 'exception');
    assert.match(stop.text ?? '', /failed expectation: line \d+: the emulation returned 0x[0-9A-F]+, the model 0x[0-9A-F]+/);
    const scopes = (await session.customRequest('scopes', { frameId: 0 })) as { scopes: { name: string }[] };
    assert.match(scopes.scopes[0]?.name ?? '', /^Trace record \(line \d+\)$/);
    await vscode.debug.stopDebugging(session);
  });
});
