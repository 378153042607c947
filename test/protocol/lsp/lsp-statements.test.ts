/**
 * The editor features the statement registry drives, through the real protocol: completion offers
 * every statement (with its documentation and snippet) and an engine statement's arguments from
 * its schema; signature help shows a statement's usage with the argument being typed; hovers on a
 * statement's keyword and named arguments come from its definition; semantic tokens colour every
 * statement keyword.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletionItem, Hover, MarkupContent, Range, SignatureHelp } from 'vscode-languageserver-protocol/node';
import { STATEMENTS } from '../../../core/script/statements';
import { ACCESS_KEYWORDS } from '../../../core/script/statements/access';
import * as fs from 'fs';
import * as path from 'path';
import { serverForTests } from '../../harness/lsp-harness';
import { root } from '../../harness/root';
import { STREAM5_STAGE1 } from '../../harness/dma-fixture';

const lsp = serverForTests('smmu-lsp-statements-');
const { diagnosticsFor, file, open } = lsp;

async function completeAt(name: string, line: string): Promise<CompletionItem[]> {
  const f = file(name, line);
  open(f.uri, line);
  return (
    ((await lsp.conn.sendRequest('textDocument/completion', {
      textDocument: { uri: f.uri },
      position: { line: 0, character: line.length },
    })) as CompletionItem[] | null) ?? []
  );
}

test('completion offers every statement of the registry, each documented, two-word ones after their first word', async () => {
  const start = await completeAt('start.smmu', '');
  const labels = start.map((i) => i.label);
  const oneWord = STATEMENTS.flatMap((d) => d.keywords).filter((k) => !k.includes(' '));
  for (const k of oneWord) assert.ok(labels.includes(k), `'${k}' offered at the start of a line`);
  for (const k of ['include', 'pri', 'l1std', 'l1cd', 'tables']) assert.ok(labels.includes(k), k);
  for (const i of start.filter((x) => oneWord.includes(x.label)))
    assert.match((i.documentation as MarkupContent).value, new RegExp(`\`${i.label.replace(/\d+$/, 'N')}`), i.label);
  const dma = start.find((i) => i.label === 'dma');
  assert.equal(dma?.insertText, 'dma ${1|read,write,exec|} sid=${2:0} iova=${3:0x0}');
  assert.equal(dma?.insertTextFormat, 2, 'a snippet');

  const afterMem = (await completeAt('mem.smmu', 'mem ')).map((i) => i.label);
  const twoWord = STATEMENTS.flatMap((d) => d.keywords).filter((k) => k.startsWith('mem '));
  assert.deepEqual(twoWord, ['mem abort']);
  for (const k of [...ACCESS_KEYWORDS, 'abort']) assert.ok(afterMem.includes(k), `'${k}' offered after 'mem'`);
});

test('completion does not offer what a statement does not take: after doorbell only ecmdq= (§3.5.6), secure and ns (§3.10.2), no argument or field given already', async () => {
  assert.deepEqual(
    (await completeAt('doorbell.smmu', 'doorbell ')).map((i) => i.label),
    ['ecmdq=', 'secure', 'ns'],
  );
  assert.deepEqual(
    (await completeAt('doorbell-given.smmu', 'doorbell ecmdq=1 ')).map((i) => i.label),
    ['secure', 'ns'],
  );
  assert.deepEqual(await completeAt('tables-given.smmu', 'tables 0x48000000 size=0x1000 '), []);
  // StreamID is given by its friendly name, sid: neither is offered again; Leaf still is.
  const cfgi = (await completeAt('cfgi.smmu', 'cmd CFGI_STE sid=1 ')).map((i) => i.label);
  assert.ok(cfgi.includes('Leaf'), cfgi.join(' '));
  assert.ok(!cfgi.includes('StreamID'), cfgi.join(' '));
  const dma = (await completeAt('dma-given.smmu', 'dma read StreamID=1 iova=0 ')).map((i) => i.label);
  assert.ok(!dma.includes('sid=') && !dma.includes('iova='), dma.join(' '));
  assert.ok(dma.includes('size='), dma.join(' '));
  // A value after '=' that happens to be an argument's name does not count as given.
  const ste = (await completeAt('ste-given.smmu', 'ste 1 Config=BYPASS ')).map((i) => i.label);
  assert.ok(!ste.includes('Config') && ste.includes('V'), ste.join(' '));
});

test('quick fix: an extra argument or a second one is removed with the blanks before it', async () => {
  const text = ['doorbell   7', 'tables 0x48000000 size=0x1000 size=0x2000'].join('\n');
  const f = file('extra-args.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'arg.duplicate'));
  type Action = {
    title: string;
    isPreferred?: boolean;
    edit: { changes: Record<string, { newText: string; range: Range }[]> };
  };
  const fixAt = async (line: number) => {
    const actions = (await lsp.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: f.uri },
      range: { start: { line, character: 0 }, end: { line, character: 40 } },
      context: { diagnostics: diags.filter((d) => d.range.start.line === line) },
    })) as Action[];
    const a = actions.find((x) => x.title.startsWith('Remove'));
    return { title: a?.title, preferred: a?.isPreferred, edit: a?.edit.changes[f.uri]?.[0] };
  };
  assert.deepEqual(await fixAt(0), {
    title: "Remove the extra argument '7'",
    preferred: true,
    edit: { newText: '', range: { start: { line: 0, character: 8 }, end: { line: 0, character: 12 } } },
  });
  assert.deepEqual(await fixAt(1), {
    title: "Remove the second 'size=0x2000'",
    preferred: true,
    edit: { newText: '', range: { start: { line: 1, character: 29 }, end: { line: 1, character: 41 } } },
  });
});

test("completion of an engine statement's arguments follows its schema", async () => {
  // ttb= is given already: offered again it would be an error (given twice).
  const map = (await completeAt('map.smmu', 'map ttb=0x1000 ')).map((i) => i.label);
  assert.deepEqual(map, [
    'iova=',
    'pa=',
    'size=',
    'granule=',
    'stage=',
    'tsz=',
    'sl0=',
    'sl2=',
    'ds',
    'ro',
    'xn',
    'priv',
    'global',
    'noaf',
    'dbm',
    'ns',
    'nstable',
    'secure',
    'attr=',
  ]);
  assert.deepEqual(
    (await completeAt('pri.smmu', 'pri ')).map((i) => i.label),
    ['sid=', 'ssid=', 'addr=', 'read', 'write', 'exec', 'priv', 'last', 'prgi='],
  );
  assert.deepEqual(
    (await completeAt('pri-expect.smmu', 'pri sid=1 addr=0 == ')).map((i) => i.label),
    ['queued', 'discarded', 'unsupported'],
  );
  assert.deepEqual(
    (await completeAt('tables.smmu', 'tables 0x48000000 ')).map((i) => i.label),
    ['size='],
  );
  // As before the registry: DMA's direction, its arguments, and outcomes and events after '=='.
  assert.deepEqual(
    (await completeAt('dma.smmu', 'dma ')).map((i) => i.label),
    ['read', 'write', 'exec'],
  );
  assert.deepEqual(
    (await completeAt('dma-args.smmu', 'dma read ')).map((i) => i.label),
    ['sid=', 'ssid=', 'iova=', 'priv', 'ats', 'translated', 'secure', 'ns', 'data', 'step=', 'size='],
  );
  const outcomes = (await completeAt('dma-expect.smmu', 'dma read sid=1 iova=0 == ')).map((i) => i.label);
  assert.deepEqual(outcomes.slice(0, 6), ['translated', 'bypass', 'abort', 'stall', 'raz', 'fault']);
  assert.ok(outcomes.includes('F_TRANSLATION'));
  assert.deepEqual(
    (await completeAt('expect.smmu', 'expect ')).map((i) => i.label),
    ['event', 'no event', 'irq', 'msi', 'no irq'],
  );
  assert.deepEqual(await completeAt('expect-no.smmu', 'expect no '), []);
  assert.ok((await completeAt('l1std.smmu', 'l1std 0 ')).some((i) => i.label === 'L2Ptr'));
});

async function signatureAt(name: string, line: string): Promise<{ label: string; active: string | undefined } | null> {
  const f = file(name, line);
  open(f.uri, line);
  const h = (await lsp.conn.sendRequest('textDocument/signatureHelp', {
    textDocument: { uri: f.uri },
    position: { line: 0, character: line.length },
  })) as SignatureHelp | null;
  const sig = h?.signatures[h.activeSignature ?? 0];
  if (!sig) return null;
  const p = sig.parameters?.[h?.activeParameter ?? 0]?.label;
  return { label: sig.label, active: Array.isArray(p) ? sig.label.slice(p[0], p[1]) : p };
}

test("signature help: a statement's usage from its schema with the argument being typed, a structure's fields", async () => {
  const usage =
    'dma read|write|exec sid=N [ssid=N] iova=A [priv] [ats] [translated] [secure] [ns] [data=V] [step=D] [size=S] [== PA | == OUTCOME | == EVENT]';
  assert.deepEqual(await signatureAt('sig-dma0.smmu', 'dma '), { label: usage, active: 'read|write|exec' });
  assert.deepEqual(await signatureAt('sig-dma1.smmu', 'dma read io'), { label: usage, active: 'iova=A' });
  assert.deepEqual(await signatureAt('sig-dma2.smmu', 'dma read sid=1'), { label: usage, active: 'sid=N' });
  assert.deepEqual(await signatureAt('sig-dma3.smmu', 'dma read sid=1 iova=0 == '), {
    label: usage,
    active: '== PA | == OUTCOME | == EVENT',
  });
  assert.deepEqual(await signatureAt('sig-map.smmu', 'map ttb=0 gran'), {
    label:
      'map ttb=T iova=VA pa=PA [size=S] [granule=4|16|64] [stage=1|2] [tsz=N] [sl0=N] [sl2=N] [ds] [ro] [xn] [priv] [global] [noaf] [dbm] [ns] [nstable] [secure] [attr=N]',
    active: 'granule=4|16|64',
  });
  // Before a command is named, the statement; once named, the command's fields (as before).
  assert.equal(
    (await signatureAt('sig-cmd.smmu', 'cmd '))?.label,
    'cmd NAME [FIELD=value | FLAG]… [ecmdq=N] [secure] [ns]',
  );
  assert.deepEqual(await signatureAt('sig-cmd2.smmu', 'cmd CFGI_STE StreamID=3 Le'), {
    label: 'CFGI_STE(SSec, StreamID, Leaf, ecmdq, secure, ns)',
    active: 'Leaf',
  });
  const ste = await signatureAt('sig-ste.smmu', 'ste 1 V Conf');
  assert.match(ste?.label ?? '', /^STE\(V, Config, /);
  assert.equal(ste?.active, 'Config');
  assert.equal(await signatureAt('sig-none.smmu', 'write32 CR0 '), null);
});

test('DMA payloads: data= after a write, a bare data before == after a read; the argument being typed, also after the comparison', async () => {
  assert.deepEqual(
    (await completeAt('dma-w.smmu', 'dma write sid=1 iova=0 ')).map((i) => i.label),
    ['ssid=', 'priv', 'ats', 'translated', 'secure', 'ns', 'data=', 'step=', 'size='],
  );
  assert.deepEqual(
    (await completeAt('dma-x.smmu', 'dma exec sid=1 iova=0 ')).map((i) => i.label),
    ['ssid=', 'priv', 'ats', 'translated', 'secure', 'ns', 'data', 'step=', 'size='],
  );
  const usage =
    'dma read|write|exec sid=N [ssid=N] iova=A [priv] [ats] [translated] [secure] [ns] [data=V] [step=D] [size=S] [== PA | == OUTCOME | == EVENT]';
  assert.deepEqual(await signatureAt('sig-dma-data.smmu', 'dma write sid=1 iova=0 data=0x'), {
    label: usage,
    active: 'data=V',
  });
  assert.deepEqual(await signatureAt('sig-dma-cmp.smmu', 'dma read sid=1 iova=0 data == 0x'), {
    label: usage,
    active: '== PA | == OUTCOME | == EVENT',
  });
  assert.deepEqual(await signatureAt('sig-dma-after.smmu', 'dma read sid=1 iova=0 data == 0x11 size='), {
    label: usage,
    active: 'size=S',
  });
  // A word right after '==' is the compared value, even when it starts like an argument.
  assert.deepEqual(await signatureAt('sig-dma-st.smmu', 'dma read sid=1 iova=0 == st'), {
    label: usage,
    active: '== PA | == OUTCOME | == EVENT',
  });
});

test('DMA payloads over the protocol: the inlay hint says where each transaction went, the failure names the page that faulted', async () => {
  const text = [
    ...STREAM5_STAGE1,
    'map ttb=0x45000000 iova=0x10000000 pa=0x80000000',
    'map ttb=0x45000000 iova=0x10001000 pa=0x90000000',
    'dma write sid=5 iova=0x10000FF8 size=16 data=0x1122 step=1',
    'dma read sid=5 iova=0x10001FF8 size=16 data == 0x1123',
  ].join('\n');
  const f = file('dma-pages.smmu', text);
  open(f.uri, text);
  const diags = await diagnosticsFor(f.uri, (d) => d.some((x) => x.code === 'expect.failed'));
  assert.deepEqual(
    diags.filter((d) => d.severity === 1).map((d) => [d.range.start.line, d.range.start.character, d.code, d.message]),
    [
      [
        10,
        44,
        'expect.failed',
        'the DMA did not complete: abort at transaction 2 of 2 (IOVA 0x0000000010002000, bytes 8–15): F_TRANSLATION at stage 1, level 3: the level 3 descriptor at 0x48002010 is invalid (bit 0 is 0); the 8 bytes before it were read; expected data == 16 bytes, first word 0x1123',
      ],
    ],
  );
  const hints = (await lsp.conn.sendRequest('textDocument/inlayHint', {
    textDocument: { uri: f.uri },
    range: { start: { line: 9, character: 0 }, end: { line: 11, character: 0 } },
  })) as { position: { line: number }; label: string }[];
  assert.deepEqual(
    hints.filter((h) => h.position.line === 9).map((h) => h.label),
    ['→ translated in 2 transactions → 0x80000FF8, 0x90000000; wrote 16 bytes, first word 0x1122'],
  );
  assert.match(
    hints.find((h) => h.position.line === 10)?.label ?? '',
    /^→ abort at transaction 2 of 2 \(IOVA 0x0000000010002000/,
  );
  // The hover on `data` explains the payload; the one on the keyword, what the SMMU did: each transaction, and what it fetched.
  const data = await hoverAt('dma-hover.smmu', text, 9, 41);
  assert.match(data, /^`data=V`, optional — The payload\. On a write, `data=V`/);
  const happened = await hoverAt('dma-hover-kw.smmu', text, 10, 1);
  assert.match(happened, /^\*\*What happened here:\*\* abort at transaction 2 of 2/);
  assert.match(
    happened,
    // The second page's walk starts below the level 2 table descriptor in the walk cache (§3.21.1).
    /- \*transaction\* transaction 1 of 2, IOVA 0x0000000010001FF8 \(8 bytes\): translated → 0x0000000090000FF8 \(TLB hit\)\n- \*fetch\* stage-1 level 2 descriptor 0x0000000048002003 from the walk cache .*\n- \*fetch\* stage-1 descriptor/,
  );
  // A DMA that did not run (the model stopped before it) is explained from its definition: every form.
  assert.match(
    await hoverAt('dma-hover-def.smmu', `read32 NOPE\n${text}`, 11, 1),
    /`dma read\|exec sid=N \[ssid=N\] iova=A \[priv\] \[size=S\] data == V \[step=D\]`, `dma read\|exec … data != V` — A device reads S bytes/,
  );
});

async function hoverAt(name: string, text: string, line: number, character: number): Promise<string> {
  const f = file(name, text);
  open(f.uri, text);
  await diagnosticsFor(f.uri);
  const h = (await lsp.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: f.uri },
    position: { line, character },
  })) as Hover | null;
  return h ? (h.contents as MarkupContent).value : '';
}

test("hover on an engine statement's keyword and named arguments explains them from the statement's definition", async () => {
  // The unknown register stops the model before the DMA: nothing ran there, so its keyword is explained.
  const text = ['read32 NOPE', 'dma read sid=1 iova=0x1000 == bypass'].join('\n');
  assert.match(
    await hoverAt('hover-kw.smmu', text, 1, 1),
    /^`dma read\|write\|exec sid=N .*` — A transaction from device N through the SMMU/,
  );
  assert.match(await hoverAt('hover-sid.smmu', text, 1, 10), /^`sid=N` \(also `StreamID`\) — The device's StreamID\./);
  assert.match(
    await hoverAt('hover-map.smmu', 'map ttb=0 iova=0 pa=0 noaf', 0, 23),
    /^`noaf`, optional — Leave the Access Flag clear\./,
  );
});

test('semantic tokens colour every statement keyword, the two words of mem abort included', async () => {
  const text = [
    'include "other.smmu"',
    'mem abort 0x1000 0x1000',
    'mem read32 0x1000',
    'pri sid=1 addr=0',
    'tables 0x48000000',
  ].join('\n');
  const f = file('sem-kw.smmu', text);
  open(f.uri, text);
  const r = (await lsp.conn.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri: f.uri } })) as {
    data: number[];
  };
  const out: [number, number, number][] = [];
  let line = 0;
  let start = 0;
  for (let i = 0; i < r.data.length; i += 5) {
    line += r.data[i] as number;
    start = (r.data[i] as number) === 0 ? start + (r.data[i + 1] as number) : (r.data[i + 1] as number);
    out.push([line, start, r.data[i + 3] as number]);
  }
  const keyword = 0;
  const at = (l: number, c: number) => out.find((x) => x[0] === l && x[1] === c)?.[2];
  for (const [l, c] of [
    [0, 0],
    [1, 0],
    [1, 4],
    [2, 0],
    [2, 4],
    [3, 0],
    [4, 0],
  ] as const)
    assert.equal(at(l, c), keyword, `${l}:${c}`);
});

test('§3.10.2: completion offers `secure` and `ns` after an access (a read after its register, a write after its value), and hovers explain them', async () => {
  const labels = async (name: string, line: string) => (await completeAt(name, line)).map((i) => i.label);
  assert.deepEqual(await labels('sec-read.smmu', 'read32 S_IDR1 '), ['secure', 'ns']);
  const afterValue = await labels('sec-write.smmu', 'write32 S_CR0 CMDQEN ');
  assert.ok(
    afterValue.includes('secure') && afterValue.includes('ns') && afterValue.includes('SMMUEN'),
    afterValue.join(),
  );
  // Not before the value, nor after an operator that needs another operand.
  assert.ok(!(await labels('sec-write0.smmu', 'write32 S_CR0 ')).includes('secure'));
  assert.ok(!(await labels('sec-write1.smmu', 'write32 S_CR0 CMDQEN | ')).includes('secure'));
  const doc = (await completeAt('sec-doc.smmu', 'read32 S_IDR1 ')).find((i) => i.label === 'ns')?.documentation;
  assert.match(JSON.stringify(doc), /RAZ\/WI/);
  const text = ['config "secure.smmu.json"', 'read32 S_IDR1 ns', 'write32 S_CR0 CMDQEN secure'].join('\n');
  file('secure.smmu.json', fs.readFileSync(path.join(root, 'presets', 'smmuv3.3-secure-ats.smmu.json'), 'utf8'));
  assert.match(
    await hoverAt('sec-hover.smmu', text, 1, 15),
    /^\*\*ns\*\* — The access is made from the Non-secure state \(§3\.10\.2\)/,
  );
  assert.match(
    await hoverAt('sec-hover2.smmu', text, 2, 23),
    /^\*\*secure\*\* — The access is made from the Secure state/,
  );
});

test('§3.10.2, §3.18.2: `cmd … secure` checks a command as the Secure queue would (no warning for SSec or TLBI_EL3_ALL), and `expect irq` offers S_CMD_SYNC and S_GERROR', async () => {
  file('secure-q.smmu.json', fs.readFileSync(path.join(root, 'presets', 'smmuv3.3-secure-ats.smmu.json'), 'utf8'));
  const text = [
    'config "secure-q.smmu.json"',
    'write64 S_CMDQ_BASE 0x4E100000 | LOG2SIZE=4',
    'write32 S_CR0 CMDQEN',
    'cmd TLBI_EL3_ALL secure',
    'cmd CFGI_STE sid=1 SSec secure',
    'cmd TLBI_EL3_ALL',
    'doorbell secure',
    'read32 S_CMDQ_CONS == 2',
  ].join('\n');
  const f = file('secure-q.smmu', text);
  open(f.uri, text);
  const diags = (await diagnosticsFor(f.uri)).map((d) => `${d.range.start.line}: ${String(d.code)}`);
  assert.deepEqual(diags, ['5: cmd.illegal']);
  // The sources of the configuration at the line: this one has Secure state (SMMU_S_IDR1.SECURE_IMPL).
  const src = file('irq-src.smmu', 'config "secure-q.smmu.json"\nexpect irq ');
  open(src.uri, 'config "secure-q.smmu.json"\nexpect irq ');
  const irq = (
    ((await lsp.conn.sendRequest('textDocument/completion', {
      textDocument: { uri: src.uri },
      position: { line: 1, character: 'expect irq '.length },
    })) as CompletionItem[] | null) ?? []
  ).map((i) => i.label);
  assert.ok(irq.includes('S_CMD_SYNC') && irq.includes('S_GERROR'), irq.join());
});
