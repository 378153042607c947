/**
 * The statement registry (core/script/statements/) is the one list of statements: the parser reads
 * its keywords and syntax (a statement added only to a registry table parses), every definition is
 * complete, its usages are those of its argument schema, and unknown arguments are reported from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionStatement } from '../../../core/script/ast';
import { parseScript } from '../../../core/script/parser';
import {
  ENGINE_STATEMENTS,
  STATEMENTS,
  statementOf,
  statementTable,
  type EngineDef,
} from '../../../core/script/statements';
import { formUsages, usage } from '../../../core/script/statements/args';
import { Engine } from '../../../core/engine/engine';
import { run } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import { config } from '../../harness/helpers';

const only = (text: string, statements = statementTable(STATEMENTS)) => {
  const p = parseScript(text, { statements });
  return { statement: p.statements[0], diagnostics: p.diagnostics };
};

test('the parser reads the registry: a keyword added only to a table parses, with the syntax its definition gives', () => {
  // `frob`: DMA's definition under another keyword. The parser has no list of its own, so the
  // keyword parses as an engine statement once a table has it, and is unknown otherwise.
  const frob: EngineDef = { ...ENGINE_STATEMENTS.dma, keywords: ['frob'] };
  // `waitfor`: poll's syntax (a register operand, an expectation required) under another keyword.
  const waitfor: EngineDef = { ...ENGINE_STATEMENTS.poll, keywords: ['waitfor'] };
  // `mem frob`: a two-word keyword, as `mem abort`, which takes no expectation.
  const memFrob: EngineDef = { ...ENGINE_STATEMENTS.abort, keywords: ['mem frob'] };
  const table = statementTable([...STATEMENTS, frob, waitfor, memFrob]);

  assert.equal(only('frob read sid=1 iova=0x1000').diagnostics[0]?.code, 'syntax.unknown-statement');
  const f = only('frob read sid=1 iova=0x1000 == 0x2000', table);
  assert.deepEqual(f.diagnostics, []);
  const fs = f.statement as ActionStatement;
  assert.equal(fs.kind, 'action');
  assert.equal(fs.verb, 'dma');
  assert.equal(fs.args.length, 3);
  assert.equal(fs.expect?.op, '==');

  const w = only('waitfor CR0ACK.SMMUEN == 1 max=3', table);
  assert.deepEqual(w.diagnostics, []);
  assert.equal((w.statement as ActionStatement).target?.field?.name, 'SMMUEN');
  assert.equal(
    only('waitfor CR0ACK', table).diagnostics[0]?.message,
    "expected '==' or '!=' after 'waitfor CR0ACK', found the end of the line",
  );

  const m = only('mem frob 0x1000 0x2000', table);
  assert.deepEqual(m.diagnostics, []);
  assert.equal((m.statement as ActionStatement).verb, 'abort');
  assert.equal(only('mem frob 0x1000 0x2000 == 1', table).diagnostics[0]?.code, 'syntax.no-expectation');
  // `mem` alone is still memory access.
  assert.equal(only('mem read32 0x1000', table).statement?.kind, 'mem');

  // The new keywords are keywords: no constant may take their names, and suggestions offer them.
  assert.equal(only('const frob = 1', table).diagnostics[0]?.code, 'syntax.keyword-name');
  assert.deepEqual(only('const frob = 1').diagnostics, []);
  assert.match(only('frobb 1', table).diagnostics[0]?.message ?? '', /did you mean 'frob'\?/);
  assert.match(only('CR0 = 1', table).diagnostics[0]?.message ?? '', /a line starts with .*, frob, waitfor\)$/);
});

test('every keyword of the registry starts a statement the parser knows', () => {
  for (const d of STATEMENTS) {
    for (const k of d.keywords) {
      const { statement, diagnostics } = only(k);
      const code = diagnostics[0]?.code;
      assert.notEqual(code, 'syntax.unknown-statement', k);
      // A keyword alone is a statement (`doorbell`) or stops at what it needs next.
      assert.ok(statement || code === 'syntax.expected', `${k}: ${JSON.stringify(diagnostics)}`);
    }
  }
});

test('every engine verb has its definition under that verb, and every definition has forms with usages and docs', () => {
  for (const [verb, d] of Object.entries(ENGINE_STATEMENTS)) {
    assert.equal(d.verb, verb);
    assert.equal(d.syntax, 'engine');
  }
  for (const d of STATEMENTS) {
    assert.ok(d.summary.length > 0 && !d.summary.includes('\n'), `${d.keywords[0]}: a one-line summary`);
    assert.ok(d.forms.length > 0, `${d.keywords[0]}: forms`);
    for (const [i, u] of formUsages(d).entries()) {
      assert.ok(u.length > 0, `${d.keywords[0]} form ${i + 1}`);
      for (const x of u)
        assert.ok(
          d.keywords.some((k) => x.startsWith(k)) || /^(readN|writeN|mem readN|mem writeN)\b/.test(x),
          `${x} starts with its keyword`,
        );
    }
    for (const f of d.forms) assert.ok(f.doc.length > 0);
  }
});

test('a statement that takes no expectation says so at its == (it would be counted and never evaluated); one that takes it says what it compares', () => {
  for (const d of Object.values(ENGINE_STATEMENTS)) {
    const kw = d.keywords[0] as string;
    // The parser takes `==` exactly when the schema says what the value means.
    assert.equal(
      d.expectation !== 'none',
      d.args.expect !== undefined,
      `${kw}: expectation '${d.expectation}' and args.expect agree`,
    );
    if (d.expectation !== 'none') continue;
    for (const line of [`${kw} == 1`, `${kw} 1 != 1`]) {
      const p = only(line);
      assert.equal(p.statement, undefined, line);
      const at = line.search(/[=!]=/);
      assert.deepEqual(
        p.diagnostics.map((x) => [x.code, x.range.start.character, x.range.end.character]),
        [['syntax.no-expectation', at, at + 2]],
        line,
      );
      assert.match(p.diagnostics[0]?.message ?? '', new RegExp(`^'${kw}' takes no expectation`));
    }
  }
  for (const kw of ['cmd', 'doorbell', 'ste', 'cd', 'l1std', 'l1cd', 'map', 'tables', 'expect']) {
    assert.equal(
      statementOf([kw])?.def.syntax === 'engine' && (statementOf([kw])?.def as EngineDef).expectation,
      'none',
      kw,
    );
  }
});

test("an engine statement's usage comes from its argument schema", () => {
  assert.equal(
    usage(ENGINE_STATEMENTS.dma),
    'dma read|write|exec sid=N [ssid=N] iova=A [priv] [ats] [translated] [secure] [ns] [data=V] [step=D] [size=S] [== PA | == OUTCOME | == EVENT]',
  );
  assert.equal(usage(ENGINE_STATEMENTS.poll), 'poll REG[.FIELD] ==|!= VALUE [max=N]');
  assert.equal(usage(ENGINE_STATEMENTS.cmd), 'cmd NAME [FIELD=value | FLAG]… [ecmdq=N] [secure] [ns]');
  assert.equal(usage(ENGINE_STATEMENTS.abort), 'mem abort ADDR SIZE');
  assert.equal(usage(ENGINE_STATEMENTS.doorbell), 'doorbell [ecmdq=N] [secure] [ns]');
});

test('unknown arguments of dma, pri and map are reported from the schema: what the statement takes, and the closest spelling', () => {
  const engine = new Engine(config());
  const ran = run(
    analyzeScript(
      [
        'tables 0x48000000',
        'dma read sid=1 iova=0 prv',
        'pri sid=1 addr=0 lst',
        'map ttb=0x45000000 iova=0 pa=0 granul=4',
        'dma read sid=1 iova=0 7',
      ].join('\n'),
    ).statements,
    engine,
  );
  const byCode = (code: string) =>
    ran.diagnostics.filter((d) => d.code === code).map((d) => [d.range.start.line, d.message]);
  assert.deepEqual(byCode('dma.arg'), [
    [
      1,
      "unknown DMA argument 'prv' (sid=, ssid=, iova=, priv, ats, translated, secure, ns, data=, step=, size=); did you mean 'priv'?",
    ],
  ]);
  // A value where no argument is left is one too many (test/core/script/extra-args.test.ts).
  assert.deepEqual(byCode('arg.extra'), [
    [
      4,
      "one argument too many: the statement is 'dma read|write|exec sid=N [ssid=N] iova=A [priv] [ats] [translated] [secure] [ns] [data=V] [step=D] [size=S] [== PA | == OUTCOME | == EVENT]'",
    ],
  ]);
  assert.deepEqual(byCode('pri.arg'), [
    [2, "unknown PRI argument 'lst' (sid=, ssid=, addr=, read, write, exec, priv, last, prgi=); did you mean 'last'?"],
  ]);
  assert.deepEqual(byCode('map.arg'), [
    [
      3,
      "unknown map argument 'granul' (ttb=, iova=, pa=, size=, granule=, stage=, tsz=, sl0=, sl2=, ds, ro, xn, priv, global, noaf, dbm, ns, nstable, secure, attr=); did you mean 'granule'?",
    ],
  ]);
  // Aliases are accepted as before: StreamID for sid, va for iova, iova for pri's addr.
  const ok = run(
    analyzeScript(
      [
        'tables 0x48000000',
        'dma read StreamID=1 va=0x1000 == bypass',
        'pri sid=1 iova=0x1000',
        'map ttb=0x45000000 va=0x1000 pa=0x2000',
      ].join('\n'),
    ).statements,
    new Engine(config()),
  );
  assert.deepEqual(
    ok.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
});
