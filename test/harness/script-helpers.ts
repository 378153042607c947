/** Shared pieces of the script-language tests (parser, resolver, grammar). */
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import type { Expr, ParsedScript, Range, Statement } from '../../core/script/ast';
import { LineRange } from '../../core/base/diagnostics';
import type { ScriptHost } from '../../core/script/check';
import { splitLines } from '../../core/script/lexer';
import { root } from './root';

/** A range on one line, in the parser's own form (LineRange), so deepEqual compares like with like. */
export const r = (line: number, start: number, end: number): Range => new LineRange(line, start, end);

/** Every range in the parse lies inside the document and is not reversed. */
export function assertRangesInside(p: ParsedScript, ranges: readonly Range[]): void {
  for (const range of ranges) {
    for (const pos of [range.start, range.end]) {
      assert.ok(pos.line >= 0 && pos.line < p.lineLengths.length, `line ${pos.line} inside the document`);
      assert.ok(
        pos.character >= 0 && pos.character <= p.lineLengths[pos.line],
        `character ${pos.character} inside line ${pos.line}`,
      );
    }
    const { start, end } = range;
    assert.ok(
      start.line < end.line || (start.line === end.line && start.character <= end.character),
      'range not reversed',
    );
  }
}

export function statementRanges(s: Statement): Range[] {
  const out: Range[] = [s.range];
  const expr = (e: Expr | undefined): void => {
    if (!e) return;
    out.push(e.range);
    if (e.kind === 'binary') {
      out.push(e.opRange);
      expr(e.left);
      expr(e.right);
    } else if (e.kind === 'unary') expr(e.operand);
    else if (e.kind === 'group') expr(e.expr);
    else if (e.kind === 'assign') {
      out.push(e.field.range);
      expr(e.value);
    }
  };
  if (s.kind === 'config' || s.kind === 'include') out.push(s.keyword, s.path.range);
  else if (s.kind === 'const') {
    out.push(s.keyword, s.name.range);
    expr(s.value);
  } else {
    out.push(s.keyword);
    if (s.kind === 'mem') {
      out.push(s.opKeyword);
      expr(s.address);
    } else if (s.target) {
      out.push(s.target.range);
      expr(s.target.base);
      if (s.target.field) out.push(s.target.field.range);
    }
    if (s.kind === 'action') for (const a of s.args) expr(a);
    else expr(s.value);
    if (s.expect) {
      out.push(s.expect.range, s.expect.opRange);
      expr(s.expect.value);
    }
  }
  return out;
}

/** Pieces of the language and of things that are not, to build plausible and broken lines. */
export const tokenSoup = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'read32',
        'write32',
        'read64',
        'write64',
        'write16',
        'read8',
        'mem',
        'const',
        'config',
        'include',
        'poll',
        'cmd',
        'abort',
        'count=2',
      ),
      fc.constantFrom(
        'CR0',
        'CR0ACK',
        'IDR0',
        'SMMU_CR0',
        'cr0',
        'CMDQ_BASE',
        'CMDQ_CONS',
        'EVENTQ_PROD',
        'EVTQ_BASE',
        'STRTAB_BASE_CFG',
        'GBPA',
        'NOPE',
      ),
      fc.constantFrom(
        'SMMUEN',
        'CMDQEN',
        'LOG2SIZE',
        'RD',
        'RA',
        'ADDR',
        'TTF',
        'AARCH64',
        'VMW',
        'FMT',
        'TWO_LEVEL',
        'X',
        'Update',
      ),
      fc.constantFrom(
        '0x24',
        '0x100A8',
        '3',
        '0b101',
        '0x8000_0000',
        '0xFFFF_FFFF_FFFF_FFFF',
        '0x1_0000_0000_0000_0000',
        '0xZZ',
        '99999999999999999999999',
        '0',
        '127',
        '128',
      ),
      fc.constantFrom(
        '|',
        '&',
        '+',
        '-',
        '<<',
        '>>',
        '~',
        '(',
        ')',
        '=',
        '==',
        '!=',
        '.',
        '+4',
        ',',
        ':',
        '*',
        '/',
        '%',
      ),
      fc.constantFrom(
        '"presets/qemu.smmu.json"',
        '"unterminated',
        '# comment',
        '\n',
        '\r\n',
        '\r',
        '\t',
        '\u0000',
        'é',
        '\uFEFF',
        '😀',
        '\uD800',
      ),
    ),
    { maxLength: 40 },
  )
  .chain((parts) =>
    fc
      .array(fc.constantFrom(' ', '', '  '), { minLength: parts.length, maxLength: parts.length })
      .map((gaps) => parts.map((p, i) => p + gaps[i]).join('')),
  );

/** Well-formed statements with random value expressions, so the resolver's evaluation is exercised. */
const valueExpr = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => '0x' + v.toString(16)),
      fc.integer({ min: 0, max: 130 }).map(String),
    ),
    fc.constantFrom(
      'SMMUEN',
      'CMDQEN',
      'LOG2SIZE',
      'RA',
      'ADDR',
      'RD',
      'ERR',
      'TTF',
      'VMW',
      'AARCH64',
      'TWO_LEVEL',
      'EXACT',
      'Q',
      'CR0',
      'nope',
    ),
    fc
      .tuple(fc.constantFrom('LOG2SIZE', 'ADDR', 'RD', 'TTF', 'VMW', 'SMMUEN', 'Q'), tie('e'))
      .map(([n, e]) => `${n}=${e}`),
    tie('e').map((e) => `~${e}`),
    tie('e').map((e) => `(${e})`),
    fc
      .tuple(tie('e'), fc.constantFrom('|', '&', '+', '-', '<<', '>>', '*', '/', '%'), tie('e'))
      .map(([a, o, b]) => `${a} ${o} ${b}`),
  ),
})).e;

const target = fc.constantFrom(
  'CR0',
  'cr0ack',
  'IDR0',
  'CMDQ_BASE',
  'CMDQ_BASE+4',
  'SMMU_CMDQ_CONS',
  'EVTQ_BASE',
  '0x24',
  '0x94',
  '0x22',
  '0x100A8',
  '0xF00',
  'Q',
  'Q+4',
  '(Q+0x80)',
);

export const wellFormedScript = fc
  .array(
    fc.oneof(
      fc
        .tuple(
          fc.constantFrom('write32', 'write64', 'write16'),
          target,
          valueExpr,
          fc.constantFrom('', '== abort', '!= abort'),
        )
        .map((p) => p.join(' ')),
      fc
        .tuple(fc.constantFrom('read8', 'read16', 'read32', 'read64'), target, fc.constantFrom('== abort', '!= abort'))
        .map((p) => p.join(' ')),
      fc
        .tuple(
          fc.constantFrom('read32', 'read64'),
          target,
          fc.constantFrom('', '.RD', '.RA', '.SMMUEN', '.TTF', '.LOG2SIZE'),
          fc.constantFrom('==', '!='),
          valueExpr,
        )
        .map(([k, t, f, o, e]) => `${k} ${t}${f} ${o} ${e}`),
      fc
        .tuple(fc.constantFrom('mem write64 Q+8', 'mem read32 0x1000 ==', 'const Z ='), valueExpr)
        .map((p) => p.join(' ')),
    ),
    { maxLength: 10 },
  )
  .map((lines) => ['const Q = 0x10', ...lines].join('\n'));

/** Engine statements with plausible and broken arguments: commands, DMA, structures, tables, polls. */
const engineLine = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        'CFGI_STE',
        'CFGI_ALL',
        'SYNC',
        'TLBI_NSNH_ALL',
        'TLBI_NH_VA',
        'RESUME',
        'ATC_INV',
        'NOPE',
        'raw',
      ),
      fc.constantFrom(
        '',
        'sid=3',
        'StreamID=0xFFFFFFFF Leaf',
        'CS=SIG_IRQ MSIAddress=0x50000000',
        'asid=1 Address=0x1000 TG=TG_4KB',
        '0x7f 0',
        'Range=40',
        'STAG=1 Ac=RETRY',
        'CS=NOPE',
      ),
    )
    .map(([c, a]) => `cmd ${c} ${a}`),
  fc.constant('doorbell'),
  fc
    .tuple(
      fc.constantFrom('read', 'write', 'exec', 'jump'),
      fc.integer({ min: 0, max: 300 }),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.constantFrom(
        '',
        '== abort',
        '== F_TRANSLATION',
        '== 0x1000',
        '== NOPE',
        'priv',
        'data=0x1122 size=0x2000',
        'data == 0x11 size=16',
        'size=0x1FF9 data=1 step=3 == translated',
        'data != 0 step=0xFF',
        'size=0x10001 data=1',
        'data',
        'step=1',
        'size=3 data=0x1000000',
      ),
    )
    .map(([d, s, a, e]) => `dma ${d} sid=${s} iova=0x${a.toString(16)} ${e}`),
  fc
    .tuple(
      fc.integer({ min: 0, max: 300 }),
      fc.constantFrom(
        'V',
        'V Config=S1_TRANS S1ContextPtr=0x44000000',
        'V Config=NESTED S2T0SZ=24 S2SL0=1 S2TTB=0x46000000',
        'V Config=7 S1CDMax=31 S1Fmt=1',
        'Nope=1',
        'V Config=9',
      ),
    )
    .map(([s, f]) => `ste ${s} ${f}`),
  fc.constantFrom(
    'cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000',
    'cd 0x44000000 V T0SZ=70 TG0=3',
    'l1std 0 Span=9 L2Ptr=0x41000000',
    'l1cd 0x43000000 V L2Ptr=0x43100000',
  ),
  fc.constantFrom(
    'tables 0x48000000',
    'tables 0x48000001',
    'map ttb=0x45000000 iova=0x10000000 pa=0x80000000',
    'map ttb=0x45000000 iova=0x10000000 pa=0x80000000 size=0x40000000 granule=16',
    'map ttb=0 iova=0 pa=0 stage=3',
  ),
  fc.constantFrom(
    'poll CMDQ_CONS.RD == 2 max=5',
    'poll GERROR != 0 max=1',
    'expect event F_TRANSLATION StreamID=1',
    'expect event F_TRANSLATION count=2',
    'expect event C_BAD_STE count=0',
    'expect no event',
    'expect event NOPE',
    'pri sid=1 addr=0x1000 read last',
    'mem abort 0x40100000 0x100',
  ),
  fc.constantFrom(
    'write64 CMDQ_BASE 0x40100000 | LOG2SIZE=3',
    'write64 STRTAB_BASE 0x40000000',
    'write32 STRTAB_BASE_CFG LOG2SIZE=8',
    'write32 CR0 SMMUEN|CMDQEN|EVENTQEN',
    'write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=1',
    'write32 GERRORN CMDQ_ERR',
    'write32 CR0 0',
  ),
);

/** Scripts made mostly of engine statements, to drive the engine through the interpreter. */
export const engineScript = fc.array(engineLine, { minLength: 1, maxLength: 25 }).map((lines) => lines.join('\n'));

/** A ScriptHost over in-memory files (absolute POSIX paths to their texts), as the script tests check against. */
export function memoryHost(files: Readonly<Record<string, string>>): ScriptHost {
  const texts = new Map(Object.entries(files));
  return {
    readFile: (p) => texts.get(p),
    resolvePath: (from, relative) => path.posix.resolve(path.posix.dirname(from), relative),
  };
}

/** The text of presets/NAME.smmu.json. */
export const presetFile = (name: string): string =>
  fs.readFileSync(path.join(root, 'presets', `${name}.smmu.json`), 'utf8');

/** An SMMU with a linear stream table and both queues, enabled (7 lines), for a script in /w beside qemu.smmu.json. */
export const ENABLED_PRELUDE: readonly string[] = [
  'config "qemu.smmu.json"',
  'write64 STRTAB_BASE 0x40000000 | RA',
  'write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8',
  'write64 CMDQ_BASE 0x40100000 | RA | LOG2SIZE=8',
  'write64 EVENTQ_BASE 0x40200000 | WA | LOG2SIZE=7',
  'write32 CR0 SMMUEN|CMDQEN|EVENTQEN',
  'read32 CR0ACK == SMMUEN|CMDQEN|EVENTQEN',
];

/**
 * Distinct lines to compare two parses on: `edges`, every line of the `.smmu` files below
 * `folders` (relative to the repository), and the lines of `generated` sampled scripts (fixed seed).
 */
export function corpusLines(edges: readonly string[], folders: readonly string[], generated: number): string[] {
  const lines = new Set<string>(edges);
  const walk = (rel: string): void => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith('.smmu'))
        for (const l of splitLines(fs.readFileSync(path.join(root, r), 'utf8'))) lines.add(l);
    }
  };
  for (const f of folders) walk(f);
  for (const s of fc.sample(fc.oneof(engineScript, wellFormedScript), { seed: 20261206, numRuns: generated }))
    for (const l of splitLines(s)) lines.add(l);
  return [...lines];
}

/**
 * Engine lines on the edges of the parser's shortcuts (simple arguments, the token-free reader):
 * operators, groups, bad numbers, 64 arguments and more, a comparison right after an argument.
 */
export const ENGINE_EDGE_LINES: readonly string[] = [
  'cmd TLBI_NH_VA asid=1 Address=0x1000 Leaf',
  'cmd CFGI_STE sid=3|4 Leaf',
  'cmd CFGI_STE sid=(3) Leaf',
  'cmd CFGI_STE sid=3 + 1',
  'cmd CFGI_STE sid=0xZZ Leaf',
  'cmd CFGI_STE sid= Leaf',
  'cmd CFGI_STE sid=',
  'cmd SYNC CS=SIG_IRQ',
  'dma read sid=1 iova=0x1010 == 0x80000010',
  'dma read sid=1 iova=0x1010==0x80000010',
  'dma read sid=1 iova=0x1010 data == 5 size=4',
  'dma write sid=1 iova=0x10 data=0x1122 step=1 size=16',
  'map ttb=0x45000000 iova=0x10000000 pa=0x80000000',
  'map ttb=0x45000000 iova=0x1000<<12 pa=0x80000000',
  'map ttb=0x45000000 iova=0x10000000 pa=~0',
  'cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000',
  'ste 1 V Config=S1_TRANS S1ContextPtr=0x44000000',
  'expect event F_TRANSLATION StreamID=1 InputAddr=0x2000 RnW=0',
  'cmd raw 0x1 0x2',
  'cmd raw 1 2 3',
  'tables 0x48000000 size=0x4000000',
  'poll CR0ACK == SMMUEN|CMDQEN max=1000',
  'cmd X ' + Array.from({ length: 70 }, (_, i) => `a${i}=${i}`).join(' '),
  'cmd X a=1 = 2',
  'cmd X a=1 b',
  'cmd X 5 6 7',
  'cmd X 5 + 6',
  'cmd X a = 1',
  'cmd X a=1 # comment',
  'cmd X a=99999999999999999999999',
  'doorbell 7',
];
