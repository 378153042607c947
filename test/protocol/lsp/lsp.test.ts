/**
 * The language server through the real protocol: `node dist/server.js --stdio` driven by a
 * JSON-RPC client (open, change, save, hover, the decode request, configuration files).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { msg, serverForTests } from '../../harness/lsp-harness';
import { root } from '../../harness/root';

const lsp = serverForTests('smmu-lsp-');
const { diagnosticsFor, file, open } = lsp;

test('open: syntax, name and executed diagnostics, each on its line', async () => {
  const text = [
    'write32 CR0 SMMUEN|CMDQEN',
    'read32  CR0ACK == 0x9',
    'write32 CR0 PRIQEN',
    'read32  NOT_A_REG',
    'read32  CR0ACK == 0x1',
  ].join('\n');
  const f = file('open.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'write.unadvertised'));
  const byLine = (l: number) => diags.filter((d) => d.range.start.line === l);
  assert.deepEqual(byLine(0), []);
  assert.deepEqual(byLine(1), []);
  assert.ok(
    byLine(2).some((d) => d.code === 'write.unadvertised' && /PRIQEN/.test(msg(d)) && d.severity === 1),
    JSON.stringify(byLine(2)),
  );
  assert.ok(byLine(3).some((d) => d.severity === 1 && /NOT_A_REG/.test(msg(d))));
});

test('engine statements over the protocol: a command error at the doorbell, an unknown command', async () => {
  const text = [
    'write64 CMDQ_BASE 0x40000000 | LOG2SIZE=3',
    'write32 CR0 CMDQEN',
    'cmd raw 0x7f 0',
    'doorbell',
    'dma read sid=1 iova=0x1000',
    'cmd NOT_A_COMMAND',
  ].join('\n');
  const f = file('engine.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'cmdq.cerror-ill'));
  const byLine = (l: number) => diags.filter((d) => d.range.start.line === l).map((d) => d.code);
  assert.ok(byLine(3).includes('cmdq.cerror-ill'), JSON.stringify(diags));
  assert.ok(byLine(5).includes('cmd.unknown'), JSON.stringify(diags));
});

test('queue descriptors (.smmuq): CERROR_ILL at its entry, and hover decodes an entry field by field', async () => {
  const text = [
    'queue cmdq',
    'log2size 2',
    'prod 3',
    'cons 0',
    '0: CFGI_STE StreamID=3 Leaf',
    '1: 0x7F 0',
    '2: SYNC',
  ].join('\n');
  const f = file('q.smmuq', text);
  open(f.uri, text, 'smmuq');
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'smmuq.cerror-ill'));
  assert.deepEqual(
    diags.filter((d) => d.code === 'smmuq.cerror-ill').map((d) => d.range.start.line),
    [5],
  );
  const h = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: f.uri },
    position: { line: 4, character: 5 },
  })) as Hover;
  const value = typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
  assert.match(value, /\*\*CMDQ\[0\]\*\* CMD_CFGI_STE \(§4\.3\.1\) — pending: not yet consumed by the SMMU/);
  assert.match(value, /\| `63:32` \| StreamID \| `0x3` \|/);
});

test('inlay hints: written values decoded, read values and engine statements after a full check, queue entries', async () => {
  const text = [
    'write64 CMDQ_BASE 0x40000000 | LOG2SIZE=2',
    'write32 CR0 0xd',
    'write32 CR0 SMMUEN|CMDQEN',
    'read32 CR0ACK',
    'cmd CFGI_STE sid=3 Leaf',
    'doorbell',
  ].join('\n');
  const f = file('inlay.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const hints = (await lsp.conn.sendRequest('textDocument/inlayHint', {
    textDocument: { uri: f.uri },
    range: { start: { line: 0, character: 0 }, end: { line: 6, character: 0 } },
  })) as { position: { line: number }; label: string }[];
  const at = (l: number) => hints.filter((h) => h.position.line === l).map((h) => h.label);
  assert.deepEqual(at(0), ['0x0000000040000002']);
  assert.deepEqual(at(1), ['SMMUEN|EVENTQEN|CMDQEN']);
  assert.deepEqual(at(2), ['0x00000009']);
  assert.deepEqual(at(3), ['→ 0x00000009 SMMUEN|CMDQEN']);
  assert.match(at(4)[0] ?? '', /→ CMDQ\[0\] @ 0x0000000040000000 ← CMD_CFGI_STE StreamID=0x3 Leaf=1/);
  assert.match(at(5)[0] ?? '', /→ CMDQ_PROD ← 0x00000001: 1 command consumed/);
  const q = file('inlay.smmuq', ['queue cmdq', 'log2size 1', 'prod 1', 'cons 0', '0: 0x3 0x1'].join('\n'));
  open(q.uri, fs.readFileSync(q.path, 'utf8'), 'smmuq');
  await diagnosticsFor(q.uri);
  const qh = (await lsp.conn.sendRequest('textDocument/inlayHint', {
    textDocument: { uri: q.uri },
    range: { start: { line: 0, character: 0 }, end: { line: 5, character: 0 } },
  })) as { label: string }[];
  assert.deepEqual(
    qh.map((h) => h.label),
    ['CMD_CFGI_STE StreamID=0x0 Leaf=1  · pending'],
  );
});

test('inlay hints: a label cut at 100 characters has the whole text as its tooltip; a short one has none', async () => {
  const text = [
    'cmd CFGI_STE_RANGE sid=0x1234 Range=5',
    'cmd TLBI_NH_VA vmid=1 asid=2 Address=0xFFFF0000 Leaf TG=1 TTL=3 Scale=1 NUM=2',
    'read32 IDR0',
  ].join('\n');
  const f = file('inlay-cut.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const hints = (await lsp.conn.sendRequest('textDocument/inlayHint', {
    textDocument: { uri: f.uri },
    range: { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } },
  })) as { label: string; tooltip?: string }[];
  const cut = hints.filter((h) => h.label.endsWith('…'));
  assert.ok(cut.length >= 1, `a hint over 100 characters: ${JSON.stringify(hints.map((h) => h.label))}`);
  for (const h of hints) {
    assert.ok(h.label.length <= 100, h.label);
    if (h.label.endsWith('…')) {
      assert.ok(
        typeof h.tooltip === 'string' && h.tooltip.length > 100 && h.tooltip.startsWith(h.label.slice(0, -1)),
        JSON.stringify(h),
      );
    } else assert.equal(h.tooltip, undefined);
  }
});

test('hover on engine statements: a command, its fields, an STE field and an expected event', async () => {
  const text = ['cmd CFGI_STE sid=3 Leaf', 'ste 1 V Config=S1_TRANS', 'dma read sid=1 iova=0 == F_TRANSLATION'].join(
    '\n',
  );
  const f = file('hover-engine.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const hoverAt = async (line: number, character: number) => {
    const h = (await lsp.conn.sendRequest('textDocument/hover', {
      textDocument: { uri: f.uri },
      position: { line, character },
    })) as Hover | null;
    return h ? (h.contents as MarkupContent).value : '';
  };
  assert.match(await hoverAt(0, 6), /\*\*CMD_CFGI_STE\*\* \(opcode 0x3\)/);
  assert.match(await hoverAt(0, 14), /\*\*CMD_CFGI_STE\.StreamID\*\* \(bits \[63:32\]\)/);
  assert.match(await hoverAt(1, 9), /\*\*STE\.Config\*\* \(bits \[3:1\]\)[\s\S]*`5` S1_TRANS/);
  assert.match(await hoverAt(2, 30), /\*\*F_TRANSLATION\*\* \(event 0x10\)/);
});

test('hover on a line with an error still explains its names, and says why the line is wrong', async () => {
  const text = [
    'write64 CR0 SMMUEN|CMDQEN', // CR0 allows 32-bit accesses only (resolve error on the keyword)
    'read32 CMDQ_BASE.ADDR == 0', // ADDR spans both halves of CMDQ_BASE (error on the field)
    'cmd CFGI_STE sid=1+NOPE Leaf', // an unknown constant: the statement is dropped
    'write32 CR1 QUEUE_SH=ISH |', // a syntax error: the line has no statement
    'write32 CR0 SMMUEN',
  ].join('\n');
  const f = file('hover-errors.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'access.named-size'));
  const hoverAt = async (line: number, character: number) => {
    const h = (await lsp.conn.sendRequest('textDocument/hover', {
      textDocument: { uri: f.uri },
      position: { line, character },
    })) as Hover | null;
    return h ? (h.contents as MarkupContent).value : '';
  };
  const cr0 = await hoverAt(0, 9);
  assert.match(cr0, /^\*\*SMMU_CR0\*\* — /);
  // The error, and the note that the model stopped there.
  assert.match(
    cr0,
    /\*\*Problems on this line\*\*\n\n- error: SMMU\\_CR0 is a 32-bit register: use write32 .*`\[access\.named-size\]`\n- note: the model did not run/,
  );
  assert.match(await hoverAt(0, 14), /^\*\*SMMU_CR0\.SMMUEN\*\* /);
  assert.match(await hoverAt(0, 21), /^\*\*SMMU_CR0\.CMDQEN\*\* /);
  assert.match(await hoverAt(0, 2), /^\*\*Problems on this line\*\*/, 'the keyword the error is on');
  assert.match(await hoverAt(1, 10), /^\*\*SMMU_CMDQ_BASE\*\* — [\s\S]*Problems? on this line[\s\S]*spans both halves/);
  assert.match(await hoverAt(1, 19), /^\*\*SMMU_CMDQ_BASE\.ADDR\*\* /);
  assert.match(await hoverAt(2, 6), /^\*\*CMD_CFGI_STE\*\* \(opcode 0x3\)[\s\S]*unknown constant 'NOPE'/);
  assert.match(await hoverAt(2, 14), /^\*\*CMD_CFGI_STE\.StreamID\*\*/);
  assert.match(await hoverAt(3, 9), /^\*\*SMMU_CR1\*\* — [\s\S]*Problems? on this line/);
  assert.match(await hoverAt(3, 14), /^\*\*SMMU_CR1\.QUEUE_SH\*\* /);
  assert.match(await hoverAt(3, 22), /^\*\*ISH\*\* = 3/);
  // A clean line's hover has no problem section.
  assert.doesNotMatch(await hoverAt(4, 9), /Problem/);
});

test('completion: keywords and snippets, registers, fields, enum values, commands and their fields, events', async () => {
  const text = [
    '',
    'write32 ',
    'read32 CR0ACK.',
    'write32 CR1 QUEUE_SH=',
    'cmd ',
    'cmd CFGI_STE ',
    'expect event ',
    'ste 1 Config=',
    'write32 CR0 ',
  ].join('\n');
  const f = file('complete.smmu', text);
  open(f.uri, text);
  const labels = async (line: number) => {
    const character = text.split('\n')[line]?.length ?? 0;
    const r = (await lsp.conn.sendRequest('textDocument/completion', {
      textDocument: { uri: f.uri },
      position: { line, character },
    })) as { label: string; documentation?: unknown }[];
    return r.map((x) => x.label);
  };
  const l0 = await labels(0);
  assert.ok(l0.includes('write32') && l0.includes('cmd') && l0.includes('enable command queue'), l0.join());
  assert.ok((await labels(1)).includes('CMDQ_BASE'));
  assert.deepEqual(
    (await labels(2)).sort(),
    ['ATSCHK', 'CMDQEN', 'DPT_WALK_EN', 'EVENTQEN', 'PRIQEN', 'SMMUEN', 'VMW'].sort(),
  );
  assert.deepEqual(await labels(3), ['NSH', 'SH_RESERVED', 'OSH', 'ISH']);
  assert.ok((await labels(4)).includes('TLBI_NSNH_ALL'));
  assert.deepEqual((await labels(5)).sort(), ['Leaf', 'SSec', 'StreamID', 'ecmdq=', 'ns', 'secure']);
  assert.ok((await labels(6)).includes('F_TRANSLATION'));
  assert.ok((await labels(7)).includes('S1_TRANS'));
  assert.ok((await labels(8)).includes('SMMUEN'));
});

test('code actions: mask RES0 bits, drop unadvertised fields, number ↔ fields, fix an access size', async () => {
  const text = ['write32 CR0 0xFFFFFFFF', 'write32 CR0 SMMUEN|PRIQEN', 'write32 CR0 0xd', 'write64 CR0 1'].join('\n');
  const f = file('actions.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'write.res0'));
  type Action = {
    title: string;
    isPreferred?: boolean;
    edit: { changes: Record<string, { newText: string; range: { start: { line: number } } }[]> };
  };
  const actions = async (line: number) =>
    (await lsp.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: f.uri },
      range: { start: { line, character: 0 }, end: { line, character: 1 } },
      context: { diagnostics: diags.filter((d) => d.range.start.line === line) },
    })) as Action[];
  const newText = (a: Action | undefined) => a?.edit.changes[f.uri]?.[0]?.newText;
  const l0 = await actions(0);
  assert.equal(newText(l0.find((a) => a.title === 'Clear the RES0 bits')), '0x000005DF');
  // QEMU advertises neither PRI nor ATS nor VMW nor DPT: only SMMUEN, CMDQEN and EVENTQEN remain.
  assert.equal(
    newText(l0.find((a) => a.title === 'Drop the fields this configuration does not advertise')),
    '0x0000000D',
  );
  const l1 = await actions(1);
  assert.equal(newText(l1.find((a) => a.title.startsWith('Drop the fields'))), 'SMMUEN');
  assert.equal(newText(l1.find((a) => a.title.startsWith('Write as a number'))), '0x00000003');
  assert.equal(
    newText((await actions(2)).find((a) => a.title.startsWith('Write as fields'))),
    'SMMUEN|EVENTQEN|CMDQEN',
  );
  const l3 = await actions(3);
  const fix = l3.find((a) => a.title.startsWith('Use write32'));
  assert.equal(newText(fix), 'write32');
  assert.equal(fix?.isPreferred, true);
});

test('smmu/stateAtLine: the model state after the statements up to a line', async () => {
  const text = ['write32 CR0 SMMUEN|CMDQEN', 'write32 CR0 SMMUEN', 'write32 GERRORN CMDQ_ERR'].join('\n');
  const f = file('state.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  type State = {
    registers: {
      name: string;
      value: string;
      lastWrittenAt?: number;
      fields: { name: string; value: string; meaning?: string }[];
    }[];
    error?: string;
  };
  const at = async (line: number) => (await lsp.conn.sendRequest('smmu/stateAtLine', { uri: f.uri, line })) as State;
  const s0 = await at(0);
  const cr0 = s0.registers.find((r) => r.name === 'CR0');
  assert.equal(cr0?.value, '0x00000009');
  assert.equal(cr0?.lastWrittenAt, 0);
  assert.equal(
    s0.registers.find((r) => r.name === 'CR0ACK')?.fields.find((x) => x.name === 'CMDQEN')?.meaning,
    'ENABLED',
  );
  assert.equal((await at(1)).registers.find((r) => r.name === 'CR0ACK')?.value, '0x00000001');
  assert.equal((await at(2)).registers.find((r) => r.name === 'GERRORN')?.value, '0x00000001');
  assert.match(
    ((await lsp.conn.sendRequest('smmu/stateAtLine', { uri: 'file:///nope.smmu', line: 0 })) as State).error ?? '',
    /open \.smmu script/,
  );
});

test('smmu/stateAtLine and smmu/queuesAtLine: a configuration that cannot be loaded stops the model before line 1, as the diagnostics say', async () => {
  const text = ['config "missing.smmu.json"', 'write32 CR0 SMMUEN', 'write64 CMDQ_BASE 0x40100000|LOG2SIZE=4'].join(
    '\n',
  );
  const f = file('noconfig.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'config.missing'));
  const state = (await lsp.conn.sendRequest('smmu/stateAtLine', { uri: f.uri, line: 2 })) as {
    registers: { name: string; value: string }[];
    error?: string;
  };
  assert.equal(
    state.registers.find((r) => r.name === 'CR0')?.value,
    '0x00000000',
    'the write on line 2 did not run on the default configuration',
  );
  assert.match(state.error ?? '', /stops before line 1: cannot read configuration/);
  const queues = (await lsp.conn.sendRequest('smmu/queuesAtLine', { uri: f.uri, line: 2 })) as {
    commandQueue?: { base: string };
    error?: string;
  };
  assert.match(queues.error ?? '', /stops before line 1/);
  assert.notEqual(queues.commandQueue?.base, '0x0000000040100000');
});

test("hover on an engine statement that ran says what happened there: a doorbell's commands, a DMA's walk and fault, the event an expect matched", async () => {
  // The example's relative `config` line, made absolute for the test's folder.
  const examples = path.join(root, 'examples');
  const text = fs
    .readFileSync(path.join(examples, 'linux-bringup.smmu'), 'utf8')
    .replace(/^config "([^"]+)"/m, (_m, p: string) => `config "${path.resolve(examples, p).replace(/\\/g, '/')}"`);
  const f = file('happened.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const lines = text.split('\n');
  const hoverText = async (line: number, column: number) => {
    const h = (await lsp.conn.sendRequest('textDocument/hover', {
      textDocument: { uri: f.uri },
      position: { line, character: column },
    })) as { contents: { value: string } } | null;
    // As rendered: Markdown escapes (`CMDQ\_PROD`) removed.
    return (h?.contents.value ?? '').replace(/\\(.)/g, '$1');
  };
  const doorbell = lines.findIndex((l) => l.startsWith('doorbell'));
  const atDoorbell = await hoverText(doorbell, 2);
  assert.match(atDoorbell, /\*\*What happened here:\*\* CMDQ_PROD ← 0x00000002: 2 commands consumed/);
  assert.match(atDoorbell, /\*command\* CMDQ\[0\] CMD_CFGI_ALL/);
  const dma = lines.findIndex((l) => l.startsWith('dma write'));
  const atIova = await hoverText(dma, (lines[dma] as string).indexOf('iova=') + 6);
  assert.match(atIova, /abort: F_TRANSLATION at stage 1, level 1/);
  assert.match(atIova, /\*event\* EVENTQ\[0\] ← F_TRANSLATION StreamID=0x8/);
  const expect = lines.findIndex((l) => l.startsWith('expect event'));
  assert.match(
    await hoverText(expect, 1),
    /What happened here:\*\* F_TRANSLATION StreamID=0x8 CLASS=IN InputAddr=0x1000/,
  );
  // Elsewhere on the line the tables still answer (the command name, a field).
  assert.doesNotMatch(await hoverText(dma, (lines[dma] as string).indexOf('sid') + 1), /What happened/);
});

test('smmu/stateAtLine: an address field shows the address it encodes (the Registers view), not the shifted field value', async () => {
  const text = 'write64 CMDQ_BASE 0x40100000 | LOG2SIZE=8\n';
  const f = file('addr-state.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const state = (await lsp.conn.sendRequest('smmu/stateAtLine', { uri: f.uri, line: 0 })) as {
    registers: { name: string; fields: { name: string; value: string }[] }[];
  };
  const addr = state.registers.find((r) => r.name === 'CMDQ_BASE')?.fields.find((x) => x.name === 'ADDR');
  assert.equal(addr?.value, '0x40100000', 'not the field value 0x2008000');
});

test('formatting over the protocol: whole-line edits for the lines that change', async () => {
  const text = ['  read32 CR0ACK   ==  0xd', 'write32 CR0 0'].join('\n');
  const f = file('fmt.smmu', text);
  open(f.uri, text);
  const edits = (await lsp.conn.sendRequest('textDocument/formatting', {
    textDocument: { uri: f.uri },
    options: { tabSize: 2, insertSpaces: true },
  })) as {
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    newText: string;
  }[];
  assert.deepEqual(edits, [
    { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 25 } }, newText: 'read32  CR0ACK == 0xD' },
  ]);
});

test('navigation: definition, references and rename of a constant; outline by sections; folding', async () => {
  const text = [
    '# --- queues',
    'const QBASE = 0x40100000',
    'write64 CMDQ_BASE QBASE | LOG2SIZE=2',
    'mem write64 QBASE 0',
    '# --- commands',
    'cmd SYNC',
    'doorbell',
  ].join('\n');
  const f = file('nav.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const pos = { line: 2, character: 19 };
  const def = (await lsp.conn.sendRequest('textDocument/definition', {
    textDocument: { uri: f.uri },
    position: pos,
  })) as { range: { start: { line: number; character: number } } };
  assert.deepEqual(def.range.start, { line: 1, character: 6 });
  const refs = (await lsp.conn.sendRequest('textDocument/references', {
    textDocument: { uri: f.uri },
    position: pos,
    context: { includeDeclaration: true },
  })) as { range: { start: { line: number } } }[];
  assert.deepEqual(refs.map((r) => r.range.start.line).sort(), [1, 2, 3]);
  const edit = (await lsp.conn.sendRequest('textDocument/rename', {
    textDocument: { uri: f.uri },
    position: pos,
    newName: 'CMDQ_AREA',
  })) as { changes: Record<string, { newText: string }[]> };
  assert.deepEqual(
    edit.changes[f.uri]?.map((e) => e.newText),
    ['CMDQ_AREA', 'CMDQ_AREA', 'CMDQ_AREA'],
  );
  const symbols = (await lsp.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: f.uri } })) as {
    name: string;
    children?: { name: string }[];
  }[];
  assert.deepEqual(
    symbols.map((x) => [x.name, (x.children ?? []).map((c) => c.name)]),
    [
      ['queues', ['QBASE']],
      ['commands', ['cmd SYNC', 'doorbell']],
    ],
  );
  const folds = (await lsp.conn.sendRequest('textDocument/foldingRange', { textDocument: { uri: f.uri } })) as {
    startLine: number;
    endLine: number;
  }[];
  assert.deepEqual(
    folds.map((x) => [x.startLine, x.endLine]),
    [
      [0, 3],
      [4, 6],
    ],
  );
});

test('navigation across files: definition of a constant an included file defines, and of the include itself', async () => {
  const lib = file('navlib/queues.smmu', '# queue layout\nconst QBASE = 0x40100000\n');
  const text = 'include "navlib/queues.smmu"\nwrite64 CMDQ_BASE QBASE | LOG2SIZE=2\n';
  const main = file('nav-main.smmu', text);
  open(main.uri, text);
  await diagnosticsFor(main.uri);
  type Loc = { uri: string; range: { start: { line: number; character: number } } };
  const def = (await lsp.conn.sendRequest('textDocument/definition', {
    textDocument: { uri: main.uri },
    position: { line: 1, character: 20 },
  })) as Loc;
  assert.equal(def.uri, lib.uri);
  assert.deepEqual(def.range.start, { line: 1, character: 6 });
  const inc = (await lsp.conn.sendRequest('textDocument/definition', {
    textDocument: { uri: main.uri },
    position: { line: 0, character: 14 },
  })) as Loc;
  assert.equal(inc.uri, lib.uri);
});

test('a script beyond 50,000 lines is checked for syntax and names only, and says so', async () => {
  const text = Array.from({ length: 50_001 }, () => 'read32 CR0').join('\n') + '\nread32 NOPE';
  const f = file('huge.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'check.large-file'), 20000);
  assert.ok(
    diags.some((d) => d.code === 'check.large-file' && /50002 lines/.test(msg(d))),
    JSON.stringify(diags.slice(0, 3)),
  );
  assert.ok(
    diags.some((d) => d.code === 'name.unknown-register'),
    'names are still checked',
  );
});

test('semantic tokens: registers, fields, enum values, constants, commands and keywords told apart', async () => {
  const text = ['const CR = 3   # note', 'write32 CR0 SMMUEN|VMW=VMID_N_1', 'cmd CFGI_STE StreamID=CR'].join('\n');
  const f = file('sem.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const init = { data: [] as number[] };
  const r =
    ((await lsp.conn.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri: f.uri } })) as
      typeof init | null) ?? init;
  const types = [
    'keyword',
    'variable',
    'property',
    'enumMember',
    'number',
    'string',
    'comment',
    'function',
    'event',
    'operator',
  ];
  // Decode the relative encoding into [line, start, length, type].
  const out: [number, number, number, string][] = [];
  let line = 0;
  let start = 0;
  for (let i = 0; i < r.data.length; i += 5) {
    line += r.data[i] as number;
    start = (r.data[i] as number) === 0 ? start + (r.data[i + 1] as number) : (r.data[i + 1] as number);
    out.push([line, start, r.data[i + 2] as number, types[r.data[i + 3] as number] as string]);
  }
  const at = (l: number, c: number) => out.find((x) => x[0] === l && x[1] === c)?.[3];
  assert.equal(at(0, 0), 'keyword');
  assert.equal(at(0, 6), 'variable');
  assert.equal(at(0, 11), 'number');
  assert.equal(at(0, 15), 'comment');
  assert.equal(at(1, 8), 'variable');
  assert.equal(at(1, 12), 'property');
  assert.equal(at(1, 23), 'enumMember');
  assert.equal(at(2, 4), 'function');
  assert.equal(at(2, 13), 'property');
});

test('signature help for commands: fields as parameters, the one being typed active', async () => {
  const text = 'cmd CFGI_STE StreamID=3 Le';
  const f = file('sig.smmu', text);
  open(f.uri, text);
  const h = (await lsp.conn.sendRequest('textDocument/signatureHelp', {
    textDocument: { uri: f.uri },
    position: { line: 0, character: text.length },
  })) as { signatures: { label: string }[]; activeParameter: number };
  assert.equal(h.signatures[0]?.label, 'CFGI_STE(SSec, StreamID, Leaf, ecmdq, secure, ns)');
  assert.equal(h.activeParameter, 2);
});

test('diagnostics link their rule in the docs, and a guarded write points at the line that set the guard', async () => {
  const text = ['write32 CR0 CMDQEN', 'write64 CMDQ_BASE 0x40000000', 'read32 NOPE'].join('\n');
  const f = file('related.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'name.unknown-register'));
  const unknown = diags.find((d) => d.code === 'name.unknown-register');
  assert.match(unknown?.codeDescription?.href ?? '', /docs\/script-language\.md$/);
  // The model ran up to the error line: the guarded write is reported with its guard's line.
  const guarded = diags.find((d) => d.code === 'write.guarded');
  assert.deepEqual(
    guarded?.relatedInformation?.map((r) => [r.message, r.location.range.start.line]),
    [['SMMU_CR0.CMDQEN was set here', 0]],
  );
});

test('code action: acknowledge the global error a doorbell raised (GERRORN = GERROR)', async () => {
  const text = [
    'write64 CMDQ_BASE 0x40000000 | LOG2SIZE=2',
    'write32 CR0 CMDQEN',
    'cmd raw 0x7f 0',
    'doorbell',
    'read32 GERROR',
  ].join('\n');
  const f = file('ack.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'gerror.cmdq_err'));
  const actions = (await lsp.conn.sendRequest('textDocument/codeAction', {
    textDocument: { uri: f.uri },
    range: { start: { line: 3, character: 0 }, end: { line: 3, character: 8 } },
    context: { diagnostics: diags.filter((d) => d.range.start.line === 3) },
  })) as {
    title: string;
    edit: { changes: Record<string, { newText: string; range: { start: { line: number } } }[]> };
  }[];
  const ack = actions.find((a) => a.title === 'Acknowledge CMDQ_ERR in GERRORN');
  assert.ok(ack, JSON.stringify(actions.map((a) => a.title)));
  assert.equal(
    ack.edit.changes[f.uri]?.[0]?.newText,
    'write32 GERRORN 0x00000001  # acknowledge CMDQ_ERR (GERRORN = GERROR)\n',
  );
  assert.equal(ack.edit.changes[f.uri]?.[0]?.range.start.line, 4);
});

test('restricted mode (executeOn never, an untrusted workspace): names are checked, the model does not run', async () => {
  await lsp.conn.sendNotification('workspace/didChangeConfiguration', {
    settings: { settings: { executeOn: 'never' } },
  });
  try {
    const text = ['write32 CR0 PRIQEN', 'read32 NOPE'].join('\n');
    const f = file('restricted.smmu', text);
    open(f.uri, text);
    const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'name.unknown-register'));
    assert.ok(!diags.some((d) => d.code === 'write.unadvertised'), 'the model did not run');
    const state = (await lsp.conn.sendRequest('smmu/stateAtLine', { uri: f.uri, line: 0 })) as { error?: string };
    assert.match(state.error ?? '', /restricted mode/);
  } finally {
    await lsp.conn.sendNotification('workspace/didChangeConfiguration', {
      settings: { settings: { executeOn: 'save' } },
    });
  }
});

test('change: syntax diagnostics follow edits; save runs the model again', async () => {
  const text = 'write32 CR0 SMMUEN\nread32 CR0ACK == 0x1\n';
  const f = file('edit.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri, (d) => d.length === 0);
  const v = lsp.server.nextVersion();
  void lsp.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: f.uri, version: v },
    contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 6 } }, text: 'raed32' }],
  });
  const syntax = await diagnosticsFor(f.uri, (d) => d.some((x) => x.range.start.line === 1 && x.severity === 1));
  assert.ok(syntax[0].range.start.character === 0);
  void lsp.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: f.uri, version: lsp.server.nextVersion() },
    contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 6 } }, text: 'read32' }],
  });
  void lsp.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: f.uri, version: lsp.server.nextVersion() },
    contentChanges: [{ text: 'write32 CR0 SMMUEN\nread32 CR0ACK == 0x3\n' }],
  });
  void lsp.conn.sendNotification('textDocument/didSave', { textDocument: { uri: f.uri } });
  const executed = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'expect.failed'));
  const failed = executed.find((x) => x.code === 'expect.failed')!;
  assert.equal(failed.range.start.line, 1);
  assert.match(msg(failed), /0x00000001/);
});

test('hover on a register name shows offset, width and fields', async () => {
  const text = 'write32 CR0 SMMUEN|CMDQEN\nread32 CR0ACK\n';
  const f = file('hover.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const h = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: f.uri },
    position: { line: 0, character: 9 },
  })) as Hover;
  const value = (h.contents as MarkupContent).value;
  assert.match(value, /SMMU_CR0/);
  assert.match(value, /0x0020/);
  assert.match(value, /CMDQEN/);
});

test('hover on a value decodes it against the register of its line', async () => {
  const text = 'write32 CR0 0xD\n';
  const f = file('hover-value.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const h = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: f.uri },
    position: { line: 0, character: 13 },
  })) as Hover;
  const value = (h.contents as MarkupContent).value;
  assert.match(value, /SMMUEN \| 1/);
  assert.match(value, /EVENTQEN \| 1/);
  assert.match(value, /CMDQEN \| 1/);
  assert.match(value, /PRIQEN \| 0/);
});

test('hover on a read the model executed shows the value read there', async () => {
  const text = 'write32 CR0 0xF\nread32 CR0ACK\n';
  const f = file('hover-read.smmu', text);
  open(f.uri, text);
  await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'write.unadvertised'));
  const h = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: f.uri },
    position: { line: 1, character: 9 },
  })) as Hover;
  assert.match((h.contents as MarkupContent).value, /Read at this line:\*\* `0x0000000D`/);
});

test('smmu/decode decodes symbolic and numeric values, and reports bad input', async () => {
  const r = (await lsp.conn.sendRequest('smmu/decode', { register: 'CR0', value: '0x9' })) as {
    text: string;
    error?: string;
  };
  assert.equal(r.error, undefined);
  assert.match(r.text, /SMMUEN\[0\] = 1/);
  assert.match(r.text, /CMDQEN\[3\] = 1/);
  const bad = (await lsp.conn.sendRequest('smmu/decode', { register: 'NOPE', value: '1' })) as { error?: string };
  assert.match(bad.error ?? '', /unknown register/);
  const junk = (await lsp.conn.sendRequest('smmu/decode', { register: 'CR0', value: ')))' })) as { error?: string };
  assert.ok(junk.error);
});

test('configuration files get positioned diagnostics, and scripts using them are re-checked on change', async () => {
  const cfgText = JSON.stringify(
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
  const cfg = file('cfg/pri.smmu.json', cfgText);
  const script = 'config "cfg/pri.smmu.json"\nwrite32 CR0 PRIQEN\n';
  const s = file('uses-config.smmu', script);
  open(s.uri, script);
  const ok = await diagnosticsFor(s.uri);
  assert.ok(!ok.some((d) => d.code === 'write.unadvertised'), JSON.stringify(ok));
  const broken = cfgText.replace('"pri": true', '"pri": "yes"');
  open(cfg.uri, broken, 'json');
  const cfgDiags = await diagnosticsFor(cfg.uri, (d) => d.length > 0);
  const line = broken.split('\n').findIndex((l) => l.includes('"pri"'));
  assert.ok(
    cfgDiags.some((d) => d.range.start.line === line && d.severity === 1),
    JSON.stringify(cfgDiags),
  );
  void lsp.conn.sendNotification('textDocument/didSave', { textDocument: { uri: cfg.uri } });
  const rechecked = await diagnosticsFor(s.uri, (d) => d.some((x) => x.code === 'config.invalid'));
  assert.equal(rechecked.find((d) => d.code === 'config.invalid')!.range.start.line, 0);
});

test('a configuration file with a JSON syntax error gets its syntax errors only', async () => {
  const text = fs.readFileSync(path.join(root, 'presets/qemu.smmu.json'), 'utf8').slice(0, 300);
  const cfg = file('cfg/truncated.smmu.json', text);
  open(cfg.uri, text, 'json');
  const diags = await diagnosticsFor(cfg.uri, (d) => d.length > 0);
  assert.deepEqual([...new Set(diags.map((d) => d.code))], ['config.syntax'], JSON.stringify(diags.map(msg)));
});

test('configuration files: keys and values completed from the schema, with documentation, present keys left out', async () => {
  const text =
    '{\n  "name": "x",\n  "features": {\n    "stage1": true,\n    \n  },\n  "version": "",\n  "drivers": ["linux", ]\n}\n';
  const cfg = file('complete/c.smmu.json', text);
  open(cfg.uri, text, 'json');
  type Item = { label: string; documentation?: string | { value: string }; textEdit?: { newText: string } };
  const complete = async (line: number, character: number) =>
    (await lsp.conn.sendRequest<Item[]>('textDocument/completion', {
      textDocument: { uri: cfg.uri },
      position: { line, character },
    })) ?? [];
  // A key inside "features": every feature but the one present, documented, with a value snippet.
  const keys = await complete(4, 4);
  const labels = keys.map((i) => i.label);
  assert.ok(labels.includes('streamTable') && labels.includes('sidSize'), labels.join(','));
  assert.ok(!labels.includes('stage1'), 'a key already present is not offered');
  const st = keys.find((i) => i.label === 'streamTable')!;
  assert.match(typeof st.documentation === 'string' ? st.documentation : (st.documentation?.value ?? ''), /ST_LEVEL/);
  assert.match(st.textEdit?.newText ?? '', /^"streamTable": \$\{1\|"linear","2-level"/);
  // Retyping the top-level key "name": it is replaced whole; keys present elsewhere are not offered.
  const top = await complete(1, 4);
  assert.ok(top.some((i) => i.label === 'base') && top.some((i) => i.label === 'choices'));
  assert.ok(!top.some((i) => i.label === 'features' || i.label === 'version'));
  assert.match(top.find((i) => i.label === 'name')?.textEdit?.newText ?? '', /^"name": "\$1"$/);
  // A value: the enum of "version", replacing the empty string being typed.
  const versions = await complete(6, 14);
  assert.deepEqual(
    versions.map((i) => i.label),
    ['"3.0"', '"3.1"', '"3.2"', '"3.3"', '"3.4"'],
  );
  // An array element: the driver names.
  const drivers = (await complete(7, 22)).map((i) => i.label);
  assert.ok(drivers.includes('"xen"'), drivers.join(','));
});

test('a configuration nested 20,000 deep: a syntax error, and completion answers (empty) instead of overflowing the stack', async () => {
  const text = '{ "registers": ' + '['.repeat(20000);
  const cfg = file('deep/d.smmu.json', text);
  open(cfg.uri, text, 'json');
  const diags = await diagnosticsFor(cfg.uri, (d) => d.length > 0);
  assert.match(msg(diags[0]!), /nested more than 64 levels deep/);
  assert.deepEqual(
    await lsp.conn.sendRequest('textDocument/completion', {
      textDocument: { uri: cfg.uri },
      position: { line: 0, character: 10000 },
    }),
    [],
  );
});

test('hostile input: binary junk and a huge line never crash the server', async () => {
  const junk = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 256)).toString('latin1');
  const f = file('junk.smmu', junk);
  open(f.uri, junk);
  await diagnosticsFor(f.uri, (d) => d.length > 0);
  const long = 'write32 CR0 ' + '('.repeat(5000) + '\n' + 'write32 CR0 ' + '1|'.repeat(20000) + '1\n';
  const g = file('long.smmu', long);
  open(g.uri, long);
  await diagnosticsFor(g.uri, (d) => d.length > 0);
  const h = await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: g.uri },
    position: { line: 0, character: 3 },
  });
  assert.ok(h === null || typeof h === 'object');
  assert.equal(lsp.server.proc.exitCode, null, 'server still running');
});
