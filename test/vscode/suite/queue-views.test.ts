/**
 * The Command queue, Event queue and Stream table views in a real VS Code: at the cursor line of
 * a script (with Secure state, the Secure queues and Stream table too), and for a `.smmuq` descriptor.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, open, screenshot, treeLines, waitFor, type TreeApi } from './helpers';

async function linesWhen(tree: TreeApi, what: string, pred: (lines: string[]) => boolean): Promise<string[]> {
  let last: string[] = [];
  return waitFor(
    what,
    async () => {
      await tree.refresh();
      last = treeLines(tree);
      return pred(last) ? last : undefined;
    },
    15_000,
    () => `tree:\n${last.join('\n')}`,
  );
}

suite('Queue and stream table views', () => {
  test('at the last line of a script: commands with their state, the fault record, the valid STE', async () => {
    const a = await api();
    await vscode.commands.executeCommand('workbench.view.extension.smmu');
    const editor = await open('queues.smmu');
    const last = editor.document.lineCount - 1;
    editor.selection = new vscode.Selection(last, 0, last, 0);
    const cmds = await linesWhen(
      a.queues.command,
      'three commands',
      (l) => l.filter((x) => x.startsWith('[')).length === 3,
    );
    const top = cmds.filter((x) => x.startsWith('['));
    assert.deepStrictEqual(
      top,
      ['[0] CMD_CFGI_ALL — consumed', '[1] CMD_SYNC — consumed', '[2] CMD_CFGI_STE — written, PROD not yet updated'],
      cmds.join('\n'),
    );
    assert.ok(cmds.includes('  StreamID[63:32] — 3'), cmds.join('\n'));
    const events = treeLines(a.queues.event).filter((x) => x.startsWith('['));
    assert.deepStrictEqual(events, ['[0] C_BAD_STE — pending']);
    const stes = treeLines(a.queues.streams);
    assert.ok(stes[0]?.startsWith('STE 3 — BYPASS @ 0x00000000400000C0'), stes.join('\n'));
    assert.ok(stes.includes('  V[0] — 1'), stes.join('\n'));
    assert.match(String(a.queues.command.view?.message), /CMDQ PROD 0x2, CONS 0x2, 8 entries/);
    // The views start collapsed in the SMMU container; open them for the picture.
    for (const v of ['smmu.commandQueue', 'smmu.eventQueue', 'smmu.streamTable'])
      await vscode.commands.executeCommand(`${v}.focus`);
    await screenshot('queue-views');
  });

  test('with Secure state: each view ends with the Secure queue or Secure Stream table, its entries under it (§3.10.2.1)', async () => {
    const a = await api();
    const editor = await open('secure-queues.smmu');
    const last = editor.document.lineCount - 1;
    editor.selection = new vscode.Selection(last, 0, last, 0);
    const cmds = await linesWhen(a.queues.command, 'the Secure Command queue', (l) =>
      l.some((x) => x.startsWith('Secure Command queue')),
    );
    // The Non-secure queue has nothing written; the Secure one its two consumed commands, legal there.
    assert.deepStrictEqual(
      cmds.filter((x) => !x.startsWith('    ')),
      [
        'Secure Command queue — S_CMDQ PROD 0x2, CONS 0x2, 8 entries',
        '  [0] CMD_CFGI_STE — consumed',
        '  [1] CMD_TLBI_EL3_ALL — consumed',
      ],
      cmds.join('\n'),
    );
    const events = treeLines(a.queues.event).filter((x) => !x.startsWith('    '));
    assert.deepStrictEqual(events, [
      'Secure Event queue — S_EVENTQ PROD 0x1, CONS 0x0, 8 entries',
      '  [0] C_BAD_STE — pending',
    ]);
    const stes = treeLines(a.queues.streams).filter((x) => !x.startsWith('    '));
    assert.ok(
      stes[0]?.startsWith('Secure Stream table — linear at 0x000000004E000000, LOG2SIZE 4, 1 valid STE'),
      stes.join('\n'),
    );
    assert.ok(stes[1]?.startsWith('  STE 3 — BYPASS @ 0x000000004E0000C0'), stes.join('\n'));
  });

  test('a .smmuq descriptor: its entries, pending between CONS and PROD', async () => {
    const a = await api();
    await open('dump.smmuq');
    const lines = await linesWhen(a.queues.command, 'the descriptor entries', (l) =>
      l.some((x) => x.startsWith('[1] CMD_CFGI_STE')),
    );
    assert.deepStrictEqual(
      lines.filter((x) => x.startsWith('[')),
      ['[0] CMD_CFGI_ALL — consumed', '[1] CMD_CFGI_STE — pending', '[2] CMD_SYNC — pending'],
    );
    assert.match(String(a.queues.streams.view?.message), /no stream table/);
  });

  test('a trace focused after a script: the views say they cannot show it rather than keep the script', async () => {
    const a = await api();
    const editor = await open('queues.smmu');
    const last = editor.document.lineCount - 1;
    editor.selection = new vscode.Selection(last, 0, last, 0);
    await linesWhen(a.queues.command, "the script's commands", (l) => l.filter((x) => x.startsWith('[')).length === 3);
    await open('seed.smmutrace');
    for (const tree of [a.queues.command, a.queues.event, a.queues.streams]) {
      await linesWhen(tree, 'no entries', (l) => l.length === 0);
      assert.strictEqual(
        String(tree.view?.message),
        'The active editor (seed.smmutrace) is not an SMMU script or queue descriptor: this view shows the queues and stream table at the cursor of a .smmu script, or a .smmuq queue descriptor.',
      );
    }
    await waitFor('the Registers view to say so', async () => {
      await a.registers.refresh();
      return a.registers.snapshot?.label.startsWith('The active editor (seed.smmutrace) is not an SMMU script')
        ? true
        : undefined;
    });
    assert.deepStrictEqual(treeLines(a.registers), []);
    // Back on the script, both follow it again.
    await open('queues.smmu');
    await linesWhen(a.queues.command, "the script's commands again", (l) => l.some((x) => x.startsWith('[')));
  });
});
