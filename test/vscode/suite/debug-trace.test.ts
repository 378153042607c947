/**
 * The step debugger on a trace in a real VS Code (issue #7): a `.smmutrace` gets the Debug Script
 * CodeLens; the session it starts steps record by record on the trace's lines and stops, with the
 * failed-expectation filter, where the emulation diverges from the model.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'smmu-workbench.smmu-workbench';

interface StoppedBody {
  readonly reason: string;
  readonly text?: string;
}

suite('SMMU debugger on a trace in VS Code', () => {
  const stops: StoppedBody[] = [];
  let tracker: vscode.Disposable | undefined;

  suiteSetup(() => {
    tracker = vscode.debug.registerDebugAdapterTrackerFactory('smmu', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: StoppedBody }) => {
          if (m.type === 'event' && m.event === 'stopped' && m.body) stops.push(m.body);
        },
      }),
    });
  });

  suiteTeardown(async () => {
    tracker?.dispose();
    await vscode.debug.stopDebugging();
  });

  async function nextStop(count: number): Promise<StoppedBody> {
    const deadline = Date.now() + 15_000;
    while (stops.length < count) {
      if (Date.now() > deadline) throw new Error(`no stopped event (have ${stops.length}, want ${count})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return stops[count - 1] as StoppedBody;
  }

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
