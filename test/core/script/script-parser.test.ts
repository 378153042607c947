/**
 * The `.smmu` parser: every contract form, exact error messages and ranges, line-level recovery,
 * edge cases, and property tests (fixed seed) that no input throws or yields a range outside the
 * document.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type {
  Binary,
  Expr,
  MemStatement,
  ParsedScript,
  Range,
  RegisterStatement,
  Statement,
} from '../../../core/script/ast';
import { MAX_DEPTH, MAX_OPERATORS, parseScript } from '../../../core/script/parser';
import { assertRangesInside, r, statementRanges, tokenSoup } from '../../harness/script-helpers';

function one(text: string): Statement {
  const p = parseScript(text);
  assert.deepEqual(p.diagnostics, [], `no diagnostics for ${JSON.stringify(text)}`);
  assert.equal(p.statements.length, 1);
  return p.statements[0];
}

function reg(text: string): RegisterStatement {
  const s = one(text);
  assert.equal(s.kind, 'register');
  return s as RegisterStatement;
}

function errorOf(text: string): { code: string; message: string; range: Range } {
  const p = parseScript(text);
  assert.equal(p.diagnostics.length, 1, `one diagnostic for ${JSON.stringify(text)}: ${JSON.stringify(p.diagnostics)}`);
  const d = p.diagnostics[0];
  return { code: d.code, message: d.message, range: d.range };
}

/** An expression as compact text, to check structure and precedence. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return e.text;
    case 'name':
      return e.name;
    case 'assign':
      return `${e.field.name}=${show(e.value)}`;
    case 'unary':
      return `~${show(e.operand)}`;
    case 'group':
      return `(${show(e.expr)})`;
    case 'binary':
      return `[${show(e.left)} ${e.op} ${show(e.right)}]`;
  }
}

// --- the contract forms ---------------------------------------------------------------------------

test('comment and blank lines parse to nothing', () => {
  const p = parseScript('# comment\n\n   \t# another\n');
  assert.deepEqual(p.statements, []);
  assert.deepEqual(p.diagnostics, []);
  assert.deepEqual(p.lineLengths, [9, 0, 13, 0]);
  assert.deepEqual(
    p.tokens.map((t) => [t.kind, t.range]),
    [
      ['comment', r(0, 0, 9)],
      ['comment', r(2, 4, 13)],
    ],
  );
});

test('config "path"', () => {
  const s = one('config "presets/qemu.smmu.json"');
  assert.equal(s.kind, 'config');
  if (s.kind !== 'config') return;
  assert.equal(s.path.value, 'presets/qemu.smmu.json');
  assert.deepEqual(s.path.range, r(0, 7, 31));
  assert.deepEqual(s.keyword, r(0, 0, 6));
  assert.deepEqual(s.range, r(0, 0, 31));
});

test('write32 CR0 SMMUEN|CMDQEN  # comment', () => {
  const s = reg('write32 CR0 SMMUEN|CMDQEN          # symbolic fields or any numeric expression');
  assert.equal(s.op, 'write');
  assert.equal(s.bits, 32);
  assert.deepEqual(s.keyword, r(0, 0, 7));
  assert.equal(s.target.base.kind, 'name');
  assert.deepEqual(s.target.range, r(0, 8, 11));
  assert.ok(s.value);
  assert.equal(show(s.value), '[SMMUEN | CMDQEN]');
  assert.deepEqual(s.value.range, r(0, 12, 25));
  assert.deepEqual((s.value as Binary).opRange, r(0, 18, 19));
  assert.deepEqual(s.range, r(0, 0, 25));
  assert.equal(s.expect, undefined);
});

test('write64 CMDQ_BASE 0x80000000 | LOG2SIZE=8', () => {
  const s = reg('write64 CMDQ_BASE 0x80000000 | LOG2SIZE=8');
  assert.equal(s.bits, 64);
  assert.equal(show(s.value as Expr), '[0x80000000 | LOG2SIZE=8]');
  const v = s.value as Binary;
  assert.equal(v.left.kind === 'number' && v.left.value, 0x80000000n);
  assert.equal(v.right.kind, 'assign');
  assert.deepEqual(v.right.range, r(0, 31, 41));
});

test('read32 CR0ACK == 0x9: an expectation; a bare read just reads', () => {
  const s = reg('read32  CR0ACK == 0x9              # an expectation');
  assert.equal(s.op, 'read');
  assert.ok(s.expect);
  assert.equal(s.expect.op, '==');
  assert.deepEqual(s.expect.opRange, r(0, 15, 17));
  assert.deepEqual(s.expect.range, r(0, 15, 21));
  assert.equal(show(s.expect.value), '0x9');
  const bare = reg('read32 CR0ACK');
  assert.equal(bare.expect, undefined);
  assert.equal(bare.value, undefined);
  assert.equal(reg('read32 CR0ACK != 0').expect?.op, '!=');
});

test('read32 0x0024 == CMDQEN|SMMUEN: register by offset', () => {
  const s = reg('read32  0x0024 == CMDQEN|SMMUEN');
  assert.equal(s.target.base.kind, 'number');
  assert.equal(s.target.base.kind === 'number' && s.target.base.value, 0x24n);
  assert.equal(show(s.expect?.value as Expr), '[CMDQEN | SMMUEN]');
  const p1 = reg('read32 0x100A8');
  assert.equal(p1.target.base.kind === 'number' && p1.target.base.value, 0x100a8n);
});

test('read32 CMDQ_CONS.RD == 3: an expectation on one field', () => {
  const s = reg('read32  CMDQ_CONS.RD == 3');
  assert.equal(s.target.field?.name, 'RD');
  assert.deepEqual(s.target.field?.range, r(0, 18, 20));
  assert.deepEqual(s.target.range, r(0, 8, 20));
  assert.equal(show(s.expect?.value as Expr), '3');
});

test('mem write64 / mem read64', () => {
  const w = one('mem write64 0x80000000 0x46') as MemStatement;
  assert.equal(w.kind, 'mem');
  assert.equal(w.op, 'write');
  assert.equal(w.bits, 64);
  assert.deepEqual(w.keyword, r(0, 0, 3));
  assert.deepEqual(w.opKeyword, r(0, 4, 11));
  assert.equal(show(w.address), '0x80000000');
  assert.equal(show(w.value as Expr), '0x46');
  const rd = one('mem read64  0x80000000 == 0x46') as MemStatement;
  assert.equal(rd.op, 'read');
  assert.equal(rd.expect?.op, '==');
  assert.equal(show((one('mem read32 BASE + 8') as MemStatement).address), '[BASE + 8]');
});

test('const NAME = expr', () => {
  const s = one('const QBASE = 0x4010_0000 + (1 << 12)');
  assert.equal(s.kind, 'const');
  if (s.kind !== 'const') return;
  assert.equal(s.name.name, 'QBASE');
  assert.deepEqual(s.name.range, r(0, 6, 11));
  assert.equal(show(s.value), '[0x4010_0000 + ([1 << 12])]');
});

test('the high half of a 64-bit register: NAME+4', () => {
  const s = reg('write32 CMDQ_BASE+4 RA');
  assert.equal(s.target.plus?.value, 4n);
  assert.deepEqual(s.target.range, r(0, 8, 19));
  assert.equal(show(s.value as Expr), 'RA');
  assert.equal(reg('read32 SMMU_CMDQ_BASE + 4 == 0').target.plus?.value, 4n);
});

// --- numbers -----------------------------------------------------------------------------------------

test('numbers: hex, decimal, binary, separators, 64 bits', () => {
  const num = (t: string) => {
    const s = reg(`write64 X ${t}`);
    assert.equal(s.value?.kind, 'number');
    return s.value?.kind === 'number' ? s.value.value : undefined;
  };
  assert.equal(num('0x8000_0000'), 0x80000000n);
  assert.equal(num('0X1f'), 31n);
  assert.equal(num('0b1010'), 10n);
  assert.equal(num('0b1_0000'), 16n);
  assert.equal(num('1_000_000'), 1000000n);
  assert.equal(num('0755'), 755n, 'a leading zero does not mean octal');
  assert.equal(num('0xFFFF_FFFF_FFFF_FFFF'), (1n << 64n) - 1n);
  assert.equal(num('18446744073709551615'), (1n << 64n) - 1n);
  assert.equal(num('0x0000000000000000000000000001'), 1n, 'leading zeros do not count towards the size');
});

test('malformed and too large numbers are errors on the number', () => {
  assert.deepEqual(errorOf('write32 CR0 0x1_0000_0000_0000_0000'), {
    code: 'syntax.number-too-large',
    message: "'0x1_0000_0000_0000_0000' does not fit in 64 bits",
    range: r(0, 12, 35),
  });
  assert.equal(errorOf('write32 CR0 18446744073709551616').code, 'syntax.number-too-large');
  assert.deepEqual(errorOf('write32 CR0 0xZZ'), {
    code: 'syntax.number',
    message: "'0xZZ' is not a valid hexadecimal number",
    range: r(0, 12, 16),
  });
  assert.equal(errorOf('write32 CR0 0x').message, "'0x' has no digits");
  assert.equal(errorOf('write32 CR0 12ab').message, "'12ab' is not a valid decimal number");
  assert.equal(errorOf('write32 CR0 0b102').message, "'0b102' is not a valid binary number");
  assert.equal(errorOf('write32 CR0 1__').code, 'syntax.number');
  assert.equal(errorOf('write32 CR0 0x' + '1'.repeat(100000)).code, 'syntax.number-too-large');
});

// --- precedence ------------------------------------------------------------------------------------

test('operator precedence: | < & < shifts < + - < ~; FIELD= takes up to the next | or &', () => {
  const v = (t: string) => show(reg(`write32 CR0 ${t}`).value as Expr);
  assert.equal(v('1|2&3<<4+5'), '[1 | [2 & [3 << [4 + 5]]]]');
  assert.equal(v('1+2-3'), '[[1 + 2] - 3]');
  assert.equal(v('1<<2>>3'), '[[1 << 2] >> 3]');
  assert.equal(v('~1&2'), '[~1 & 2]');
  assert.equal(v('~(1&2)'), '~([1 & 2])');
  assert.equal(v('LOG2SIZE=4+4|RA'), '[LOG2SIZE=[4 + 4] | RA]');
  assert.equal(v('A=1|B=2&C=3'), '[A=1 | [B=2 & C=3]]');
  assert.equal(v('A = 1 << 2'), 'A=[1 << 2]');
  assert.equal(v('FMT=TWO_LEVEL'), 'FMT=TWO_LEVEL');
});

test('* / % bind tighter than + - and shifts, left to right, looser than ~ (C precedence)', () => {
  const v = (t: string) => show(reg(`write32 CR0 ${t}`).value as Expr);
  assert.equal(v('1+2*3'), '[1 + [2 * 3]]');
  assert.equal(v('1*2+3'), '[[1 * 2] + 3]');
  assert.equal(v('8/4/2'), '[[8 / 4] / 2]');
  assert.equal(v('7%4*2'), '[[7 % 4] * 2]');
  assert.equal(v('1<<2*3'), '[1 << [2 * 3]]');
  assert.equal(v('1|2*3&4'), '[1 | [[2 * 3] & 4]]');
  assert.equal(v('~1*2'), '[~1 * 2]');
  assert.equal(v('(1+2)*3'), '[([1 + 2]) * 3]');
  assert.equal(v('LOG2SIZE=2*4|RA'), '[LOG2SIZE=[2 * 4] | RA]');
  // Levels falling and rising in one chain, and chains of one level on both sides of a looser one.
  assert.equal(v('1*2+3<<4&5|6'), '[[[[[1 * 2] + 3] << 4] & 5] | 6]');
  assert.equal(v('1|2&3+4*5-6>>7'), '[1 | [2 & [[[3 + [4 * 5]] - 6] >> 7]]]');
  assert.equal(v('1&2|3&4|5'), '[[[1 & 2] | [3 & 4]] | 5]');
  assert.equal(v('A=1+2*3|B=4&5'), '[A=[1 + [2 * 3]] | [B=4 & 5]]');
  // The operator's own range, for the division-by-zero diagnostic.
  const b = reg('write32 CR0 4 / 0').value;
  assert.ok(b?.kind === 'binary');
  if (b?.kind === 'binary') assert.deepEqual(b.opRange, r(0, 14, 15));
  assert.equal(errorOf('write32 CR0 4 *').message, "expected a value after '*', found the end of the line");
  assert.equal(errorOf('write32 CR0 * 4').message, "expected a value after 'write32 CR0', found '*'");
});

// --- errors: messages and ranges ---------------------------------------------------------------------

test('errors name the exact token and what was expected', () => {
  assert.deepEqual(errorOf('write32 == 1'), {
    code: 'syntax.expected',
    message: "expected a register name or offset after 'write32', found '=='",
    range: r(0, 8, 10),
  });
  assert.deepEqual(errorOf('write32 CR0'), {
    code: 'syntax.expected',
    message: "expected a value after 'write32 CR0', found the end of the line",
    range: r(0, 11, 11),
  });
  assert.deepEqual(errorOf('write32 CR0   # no value'), {
    code: 'syntax.expected',
    message: "expected a value after 'write32 CR0', found the end of the line",
    range: r(0, 11, 11),
  });
  assert.deepEqual(errorOf('read32 CR0 5'), {
    code: 'syntax.expected',
    message: "expected '==', '!=' or the end of the line after 'read32 CR0', found '5'",
    range: r(0, 11, 12),
  });
  assert.equal(
    errorOf('read32 CR0 = 5').message,
    "expected '==' or '!=' after 'read32 CR0', found '=': an expectation compares with '=='",
  );
  assert.deepEqual(errorOf('write32 CR0 SMMUEN CMDQEN'), {
    code: 'syntax.unexpected',
    message: "unexpected 'CMDQEN' after the end of the statement: join values with '|'",
    range: r(0, 19, 25),
  });
  assert.deepEqual(errorOf('write32 CR0 SMMUEN|'), {
    code: 'syntax.expected',
    message: "expected a value after '|', found the end of the line",
    range: r(0, 19, 19),
  });
  assert.deepEqual(errorOf('write32 CR0 (1|2'), {
    code: 'syntax.expected',
    message: "expected ')' to close the '(' at character 13, found the end of the line",
    range: r(0, 16, 16),
  });
  assert.equal(errorOf('write32 CR0 1)').message, "unexpected ')' after the end of the statement");
  assert.deepEqual(errorOf('config presets/qemu.smmu.json'), {
    code: 'syntax.expected',
    message: "expected a quoted file name after 'config', found 'presets'",
    range: r(0, 7, 14),
  });
  assert.deepEqual(errorOf('config "presets/qemu'), {
    code: 'syntax.unterminated-string',
    message: "unterminated string: add the closing '\"' on this line",
    range: r(0, 7, 20),
  });
  assert.equal(errorOf('mem poke 0x1 2').message, "expected read8…read64 or write8…write64 after 'mem', found 'poke'");
  assert.equal(errorOf('const = 3').message, "expected a constant name after 'const', found '='");
  assert.equal(errorOf('const write32 = 3').code, 'syntax.keyword-name');
  assert.equal(errorOf('const X 3').message, "expected '=' after 'const X', found '3'");
  assert.equal(
    errorOf('read32 CMDQ_BASE+ == 0').message,
    "expected a byte offset (4 for the high half) after 'CMDQ_BASE+', found '=='",
  );
  assert.equal(errorOf('read32 CR0. == 0').message, "expected a field name after '.', found '=='");
});

test('statement keywords: unknown, misspelt, upper case, reserved, labels', () => {
  assert.deepEqual(errorOf('wirte32 CR0 1'), {
    code: 'syntax.unknown-statement',
    message: "unknown statement 'wirte32'; did you mean 'write32'?",
    range: r(0, 0, 7),
  });
  assert.equal(
    errorOf('WRITE32 CR0 1').message,
    "unknown statement 'WRITE32': keywords are lower case, write 'write32'",
  );
  assert.equal(
    errorOf('CR0 = 1').message,
    "unknown statement 'CR0' (a line starts with config, const, include, read32, write32, read64, write64, mem, cmd, doorbell, poll, ste, cd, l1std, l1cd, tables, map, dma, pri, expect, reset)",
  );
  assert.equal(
    errorOf('== 1').message,
    "expected a statement (config, const, include, read32, write32, read64, write64, mem, cmd, doorbell, poll, ste, cd, l1std, l1cd, tables, map, dma, pri, expect, reset), found '=='",
  );
  for (const kw of ['wait']) {
    const e = errorOf(`${kw} "x"`);
    assert.equal(e.code, 'syntax.reserved', kw);
    assert.equal(e.message, `'${kw}' is reserved for a later version of the script language`);
    assert.deepEqual(e.range, r(0, 0, kw.length));
  }
  assert.equal(errorOf('start:').code, 'syntax.reserved');
});

test('engine statements parse their arguments; poll needs an expectation', () => {
  const p = parseScript(
    'cmd CFGI_STE StreamID=3 Leaf\ndma read sid=1 iova=0x1000 == F_TRANSLATION\npoll CMDQ_CONS.RD == 2 max=10\nmem abort 0x1000 0x100',
  );
  assert.deepEqual(p.diagnostics, []);
  const [cmd, dma, poll, abort] = p.statements;
  assert.equal(cmd?.kind === 'action' && cmd.verb, 'cmd');
  assert.equal(cmd?.kind === 'action' && cmd.args.length, 3);
  assert.equal(dma?.kind === 'action' && dma.expect?.op, '==');
  assert.equal(poll?.kind === 'action' && poll.target?.field?.name, 'RD');
  assert.equal(poll?.kind === 'action' && poll.args.length, 1);
  assert.equal(abort?.kind === 'action' && abort.verb, 'abort');
  assert.equal(errorOf('poll CR0ACK').code, 'syntax.expected');
});

test('a field can be named in a read, not in a write', () => {
  assert.deepEqual(errorOf('write32 CR0.SMMUEN 1'), {
    code: 'syntax.field-write',
    message: "a write sets the whole register: write the field in the value, e.g. 'write32 CR0 SMMUEN=…'",
    range: r(0, 11, 18),
  });
});

test('all access sizes parse (the resolver and the model judge them)', () => {
  for (const b of [8, 16, 32, 64]) {
    assert.equal(reg(`write${b} 0x20 1`).bits, b);
    assert.equal(reg(`read${b} 0x20`).bits, b);
  }
  assert.equal(errorOf('write128 0x20 1').code, 'syntax.unknown-statement');
});

test('characters outside the language are one error on the first of them', () => {
  assert.deepEqual(errorOf('write32 CR0 1 ∧ 2'), {
    code: 'syntax.invalid-character',
    message: 'unexpected character U+2227: scripts use ASCII names, numbers and operators',
    range: r(0, 14, 15),
  });
  assert.equal(
    errorOf('write32 CR0 \u0000\u0001').message,
    'unexpected character U+0000: scripts use ASCII names, numbers and operators',
  );
  // A bad token before the place the parse fails explains the failure better.
  assert.equal(errorOf('write32 0xZZ == 1').code, 'syntax.number');
  // ...but a syntax error earlier on the line is reported first.
  assert.equal(errorOf('write32 == 0xZZ').code, 'syntax.expected');
});

test('nesting is bounded: MAX_DEPTH levels parse, one more is an error on the token', () => {
  const ok = `write32 CR0 ${'('.repeat(MAX_DEPTH)}1${')'.repeat(MAX_DEPTH)}`;
  assert.equal(reg(ok).value?.kind, 'group');
  const deep = `write32 CR0 ${'('.repeat(MAX_DEPTH + 1)}1${')'.repeat(MAX_DEPTH + 1)}`;
  assert.deepEqual(errorOf(deep), {
    code: 'syntax.too-deep',
    message: `expression nested deeper than ${MAX_DEPTH} levels`,
    range: r(0, 12 + MAX_DEPTH, 13 + MAX_DEPTH),
  });
  assert.equal(errorOf(`write32 CR0 ${'~'.repeat(100000)}1`).code, 'syntax.too-deep');
  assert.equal(errorOf(`write32 CR0 ${'('.repeat(100000)}`).code, 'syntax.too-deep');
  assert.equal(errorOf(`write32 CR0 ${'A='.repeat(1000)}1`).code, 'syntax.too-deep');
});

// Linear time is what matters here; the timeout only catches a hang (speed is npm run bench's job).
test('operators are bounded too (trees stay shallow); very long lines do not hang', { timeout: 120_000 }, () => {
  assert.equal(reg(`write32 CR0 1${'|1'.repeat(MAX_OPERATORS)}`).value?.kind, 'binary');
  const at = 12 + 1 + 2 * MAX_OPERATORS;
  assert.deepEqual(errorOf(`write32 CR0 1${'|1'.repeat(MAX_OPERATORS + 1)}`), {
    code: 'syntax.too-long',
    message: `more than ${MAX_OPERATORS} operators on one line`,
    range: r(0, at, at + 1),
  });
  assert.equal(errorOf(`write32 CR0 1${'+1'.repeat(200_000)}`).code, 'syntax.too-long');
  const p = parseScript('#'.repeat(1_000_000) + '\n' + 'x'.repeat(1_000_000) + '\n' + 'read32 CR0\n'.repeat(20_000));
  assert.equal(p.diagnostics.length, 1);
  assert.equal(p.statements.length, 20_000);
});

test('line breaks: LF, CRLF and CR count as LSP does; a BOM is ignored', () => {
  for (const nl of ['\n', '\r\n', '\r']) {
    const p = parseScript(`read32 CR0${nl}bad${nl}read32 CR0ACK`);
    assert.equal(p.statements.length, 2);
    assert.deepEqual(p.statements[1].range, r(2, 0, 13));
    assert.deepEqual(
      p.diagnostics.map((d) => d.range),
      [r(1, 0, 3)],
    );
  }
  assert.deepEqual(parseScript('\uFEFFread32 CR0').statements[0].range, r(0, 1, 11));
});

// --- recovery ------------------------------------------------------------------------------------------

test('three broken lines among good ones: three errors at the right tokens, good lines parsed', () => {
  const text = [
    'config "qemu.smmu.json"',
    'write32 CR0 SMMUEN|CMDQEN',
    'write32 == 1', // 2: target missing
    'read32  CR0ACK == 0x9',
    'read32 CR0ACK == (1 | ', // 4: unclosed
    '# comment',
    'mem write64 0x80000000 0x46',
    'write64 CMDQ_BASE 0x80000000 LOG2SIZE=8', // 7: missing |
    'read32 0x0024 == CMDQEN|SMMUEN',
  ].join('\n');
  const p = parseScript(text);
  assert.deepEqual(
    p.diagnostics.map((d) => [d.range, d.code]),
    [
      [r(2, 8, 10), 'syntax.expected'],
      [r(4, 21, 21), 'syntax.expected'],
      [r(7, 29, 37), 'syntax.unexpected'],
    ],
  );
  assert.deepEqual(
    p.statements.map((s) => s.range.start.line),
    [0, 1, 3, 6, 8],
  );
  assert.ok(p.diagnostics.every((d) => d.severity === 'error'));
});

test('tokens cover the document for semantic colouring, comments included', () => {
  const p = parseScript('write32 CR0 0x1 # on\nconfig "a b"');
  assert.deepEqual(
    p.tokens.map((t) => [t.kind, t.text]),
    [
      ['word', 'write32'],
      ['word', 'CR0'],
      ['number', '0x1'],
      ['comment', '# on'],
      ['word', 'config'],
      ['string', '"a b"'],
    ],
  );
  assert.equal(p.tokens[5].string, 'a b');
  assert.equal(p.tokens[2].number, 1n);
});

// --- properties ---------------------------------------------------------------------------------------

function checkParse(text: string): ParsedScript {
  const p = parseScript(text);
  assertRangesInside(p, [
    ...p.diagnostics.map((d) => d.range),
    ...p.tokens.map((t) => t.range),
    ...p.statements.flatMap(statementRanges),
  ]);
  const lines = p.diagnostics.map((d) => d.range.start.line);
  assert.equal(new Set(lines).size, lines.length, 'at most one syntax error a line');
  assert.ok(p.diagnostics.every((d) => d.code !== 'internal' && d.message.length > 0));
  return p;
}

test('property: random text never throws and every range lies inside the document', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme-ascii', maxLength: 300 })),
      (text) => {
        checkParse(text);
      },
    ),
    { seed: 20261124, numRuns: 500 },
  );
});

test('property: token soup never throws and every range lies inside the document', () => {
  fc.assert(
    fc.property(fc.array(tokenSoup, { minLength: 1, maxLength: 8 }), (lines) => {
      checkParse(lines.join('\n'));
    }),
    { seed: 20261125, numRuns: 500 },
  );
});
