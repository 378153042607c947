/**
 * What a driver waits for and what a test checks: `poll REG[.FIELD] == VALUE` reads a register
 * until the expectation holds, and `expect event NAME …` / `expect no event` check the event
 * records the SMMU wrote (§7.3) since the last `expect`; `expect irq`, `expect msi` and `expect no
 * irq` check the interrupts it signalled (interrupts.ts).
 */
import type { ScriptDiagnostic } from '../../base/diagnostics';
import type { Activity } from '../../engine/activity';
import { decodeEvent, formatEvent } from '../../events/codec';
import { findEvent } from '../../events/table';
import type { AccessSize } from '../../model/access';
import { hex } from '../../registers/codec';
import { fieldMask, findRegister } from '../../registers/table';
import { counted } from '../../text/plural';
import type { ActionStatement, RegisterStatement } from '../ast';
import type { ResolvedAction, ResolvedExpectation } from '../resolved';
import { fieldWidth, mask, type Context, type Resolver } from '../resolver';
import { arg, checkArgs, fieldValues } from './args';
import { interruptExpectation, INTERRUPT_FORMS, IRQ_SOURCE_ARG, MSI_ARGS } from './interrupts';
import { resolveEngineStatement, type OperandResolution } from './resolve-args';
import { diag, type EngineDef, type NamedArg } from './types';

/** Whether two event records (eight words each) are the same bits. */
function sameWords(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  return a.every((w, i) => w >>> 0 === (b[i] as number) >>> 0);
}

/**
 * `poll`'s register operand, read as `read32`/`read64` would read it (64 bits for a whole 64-bit
 * register), and its expectation as a comparison of that read.
 */
function pollOperand(r: Resolver, s: ActionStatement): OperandResolution | undefined {
  if (!s.target) return undefined;
  let poll: ResolvedAction['poll'];
  let expect: ResolvedAction['expect'];
  const reg = s.target.base.kind === 'name' ? findRegister(s.target.base.name) : undefined;
  const bitsWide = reg && reg.width === 64 && !s.target.plus && !s.target.field ? 64 : 32;
  const fake: RegisterStatement = {
    kind: 'register',
    range: s.range,
    op: 'read',
    bits: bitsWide,
    keyword: s.keyword,
    target: s.target,
    ...(s.expect ? { expect: s.expect } : {}),
  };
  const t = r.target(fake);
  if (!t) r.explainNames(fake);
  if (t && s.expect) {
    const { offset, reg: rg, byte, field } = t;
    poll = {
      offset,
      size: (bitsWide / 8) as AccessSize,
      ...(rg ? { register: rg } : {}),
      byte,
      targetRange: s.target.range,
    };
    let resolved: ResolvedExpectation | undefined;
    if (field && rg) {
      const v = r.value(s.expect.value, { kind: 'field', bits: fieldWidth(field), reg: rg, field });
      if (v !== undefined)
        resolved = {
          op: s.expect.op,
          value: v,
          mask: fieldMask(field) >> BigInt(8 * byte),
          shift: field.lsb - 8 * byte,
          field,
          range: s.expect.range,
        };
    } else {
      const ctx: Context = rg
        ? { kind: 'register', bits: bitsWide, reg: rg, byte, access: `poll` }
        : { kind: 'plain', bits: bitsWide, why: 'there is no register there' };
      const v = r.value(s.expect.value, ctx);
      if (v !== undefined)
        resolved = { op: s.expect.op, value: v, mask: mask(bitsWide), shift: 0, range: s.expect.range };
    }
    if (resolved) expect = { op: s.expect.op, value: resolved.value, range: s.expect.range, resolved };
  }
  return { ...(poll ? { poll } : {}), ...(expect ? { expect } : {}) };
}

export const POLL: EngineDef<'poll'> = {
  syntax: 'engine',
  verb: 'poll',
  keywords: ['poll'],
  family: 'checks',
  section: 'engine',
  label: 'poll',
  operand: 'register',
  expectation: 'required',
  summary: 'Reads a register until an expectation holds',
  forms: [
    {
      doc: 'Reads the register until the expectation holds, at most N times (default 1000), as drivers poll CR0ACK or CMDQ_CONS; `poll.timeout` otherwise.',
    },
  ],
  args: {
    positional: [{ usage: 'REG[.FIELD]', doc: 'The register read, or one of its fields.' }],
    expect: { usage: '==|!= VALUE', doc: 'What the read must return for the poll to end.', required: true },
    named: [
      { name: 'max', kind: 'value', placeholder: 'N', doc: 'The most reads before `poll.timeout` (default 1000).' },
    ],
  },
  snippet: '${1:CR0ACK}.${2:SMMUEN} == ${3:1}',
  resolve: (r, s) => resolveEngineStatement(r, s, pollOperand),
  run(engine, _state, s) {
    const p = s.poll;
    const e = s.expect?.resolved;
    if (!p || !e) return { diagnostics: [] };
    const bad: ScriptDiagnostic[] = [];
    checkArgs(POLL, s, bad);
    if (bad.length) return { diagnostics: bad };
    const maxArg = arg(s, 'max');
    const max = maxArg?.value !== undefined ? Number(maxArg.value) : 1000;
    if (max < 1 || max > 1_000_000)
      return {
        diagnostics: [diag('error', 'poll.max', 'max= is between 1 and 1000000 reads', maxArg?.range ?? s.range)],
      };
    let value = 0n;
    const out: ScriptDiagnostic[] = [];
    for (let i = 1; i <= max; i++) {
      const r = engine.smmu.read(p.offset, p.size);
      for (const f of r.findings)
        if (f.severity !== 'info' && i === 1) out.push(diag(f.severity, f.code, f.message, p.targetRange, f.section));
      value = r.value;
      const got = (value & e.mask) >> BigInt(e.shift);
      const holds = e.op === '==' ? got === e.value : got !== e.value;
      if (holds)
        return { diagnostics: out, summary: `held after ${counted(i, 'read')}: ${hex(value)}`, metExpectation: true };
      // With the engine not consuming on its own (the debugger), give it a step per read.
      if (!engine.autoConsume) engine.step(1);
    }
    const what = `${p.register ? `SMMU_${p.register.name}` : hex(BigInt(p.offset))}${e.field ? `.${e.field.name}` : ''}`;
    out.push(
      diag(
        'error',
        'poll.timeout',
        `${what} is still ${(value & e.mask) >> BigInt(e.shift)} after ${counted(max, 'read')} (expected ${e.op} ${e.value})`,
        s.expect?.range ?? s.range,
      ),
    );
    return { diagnostics: out, failedExpectation: true };
  },
};

/** The most records `count=` may ask for: the largest event queue (IDR1.EVENTQS ≤ 19, §6.3.2). */
const MAX_COUNT = 1 << 19;

const EXPECT_COUNT: NamedArg = {
  name: 'count',
  kind: 'value',
  placeholder: 'N',
  // `expect event NAME … count=N` only: interrupts are checked off one at a time.
  after: 'event',
  doc: `How many identical records, one after the other (default 1, at most ${MAX_COUNT}).`,
};

export const EXPECT: EngineDef<'expect'> = {
  syntax: 'engine',
  verb: 'expect',
  keywords: ['expect'],
  family: 'checks',
  section: 'engine',
  label: 'expect',
  expectation: 'none',
  summary: 'Checks the event records the SMMU wrote and the interrupts it signalled',
  forms: [
    {
      doc: 'The next event record the SMMU wrote (since the previous `expect`) is NAME with these fields: any field of the record as the event table declares it (§7.3), IMPLEMENTATION DEFINED ones such as `Reason` included. With `count=N`, the next N records are that record, identical (a duplicate is a conformance finding: QEMU 7.2 writes two records for one faulting DMA).',
    },
    { usage: 'expect no event', doc: 'No event record was written since the previous `expect`.' },
    ...INTERRUPT_FORMS,
  ],
  args: {
    positional: [
      {
        usage: 'event',
        doc: '`event NAME`: the next event record; `no event`: none was written; `irq SOURCE`, `msi addr=A data=D`, `no irq`: the interrupts signalled.',
        choices: ['event', 'no event', 'irq', 'msi', 'no irq'],
      },
      {
        usage: 'NAME',
        doc: 'The event (§7.3), as the event table names it.',
        table: 'events',
        after: 'event',
        or: [IRQ_SOURCE_ARG],
      },
    ],
    fields: {
      usage: '[FIELD=value…]',
      layout: (names) => (names[0]?.toLowerCase() === 'event' && names[1] ? findEvent(names[1]) : undefined),
    },
    named: [EXPECT_COUNT, ...MSI_ARGS],
  },
  snippet: 'event ${1:F_TRANSLATION}',
  resolve: (r, s) => resolveEngineStatement(r, s),
  run(engine, state, s) {
    const interrupts = interruptExpectation(s);
    if (interrupts) return interrupts(engine, state, s);
    const [first, second, ...rest] = s.args;
    const written = () => {
      const list = engine.activity
        .slice(state.eventCursor)
        .filter((a) => a.kind === 'event' && a.code === 'event.written');
      return list;
    };
    if (first?.name?.toLowerCase() === 'no' && second?.name?.toLowerCase() === 'event' && rest[0])
      return {
        diagnostics: [diag('error', 'expect.syntax', `'expect no event' takes nothing more`, rest[0].range)],
      };
    if (first?.name?.toLowerCase() === 'no' && second?.name?.toLowerCase() === 'event') {
      const list = written();
      state.eventCursor = engine.activity.length;
      if (list.length)
        return {
          diagnostics: [
            diag(
              'error',
              'expect.failed',
              `${list.length} event record${list.length === 1 ? ' was' : 's were'} written: ${list.map((a) => a.text).join('; ')}`,
              s.range,
            ),
          ],
          failedExpectation: true,
        };
      return { diagnostics: [], summary: 'no event', metExpectation: true };
    }
    if (first?.name?.toLowerCase() !== 'event' || !second?.name) {
      return {
        diagnostics: [
          diag(
            'error',
            'expect.syntax',
            `expected 'expect event NAME [FIELD=value…]', 'expect no event', 'expect irq SOURCE', 'expect msi addr=A data=D' or 'expect no irq'`,
            s.range,
          ),
        ],
      };
    }
    const def = findEvent(second.name);
    if (!def)
      return { diagnostics: [diag('error', 'expect.unknown-event', `unknown event '${second.name}'`, second.range)] };
    const out: ScriptDiagnostic[] = [];
    const counts = rest.filter((a) => a.name?.toLowerCase() === EXPECT_COUNT.name);
    const countArg = counts[0];
    // A second count= is not a field of the record: say what it is.
    for (const again of counts.slice(1))
      out.push(diag('error', 'expect.count', `count= is given twice: give it once`, again.range));
    const values = fieldValues(
      def,
      rest.filter((a) => !counts.includes(a)),
      out,
      def.name,
    );
    if (countArg && (countArg.value === undefined || countArg.value < 1n || countArg.value > BigInt(MAX_COUNT))) {
      out.push(
        diag(
          'error',
          'expect.count',
          `count= is a number of records, 1 to ${MAX_COUNT}`,
          countArg.valueRange ?? countArg.range,
        ),
      );
    }
    if (out.length) return { diagnostics: out };
    const count = countArg?.value !== undefined ? Number(countArg.value) : 1;
    const wanted = count === 1 ? def.name : `${count} × ${def.name}`;
    // The next `count` records written since the last expectation must be this one, identical.
    const recs: Activity[] = [];
    for (let i = state.eventCursor; i < engine.activity.length && recs.length < count; i++) {
      const a = engine.activity[i] as Activity;
      if (a.kind === 'event' && a.code === 'event.written' && a.words) recs.push(a);
    }
    const head = recs[0];
    if (!head?.words) {
      state.eventCursor = engine.activity.length;
      return {
        diagnostics: [diag('error', 'expect.failed', `no event record was written; expected ${wanted}`, s.range)],
        failedExpectation: true,
      };
    }
    state.eventCursor = engine.activity.indexOf(recs[recs.length - 1] as Activity) + 1;
    const d = decodeEvent(head.words);
    if (d.def !== def)
      return {
        diagnostics: [
          diag(
            'error',
            'expect.failed',
            `the next event record is ${formatEvent(d)}, expected ${def.name}`,
            second.range,
          ),
        ],
        failedExpectation: true,
      };
    const diffs: string[] = [];
    for (const [name, want] of values) {
      // Decoded values of address fields are addresses, as the expectation gives them.
      const got = d.fields.find((f) => f.field.name === name)?.value;
      if (got !== want) diffs.push(`${name} is ${got === undefined ? 'absent' : hex(got)}, expected ${hex(want)}`);
    }
    if (diffs.length)
      return {
        diagnostics: [diag('error', 'expect.failed', `${def.name}: ${diffs.join('; ')}`, s.range)],
        failedExpectation: true,
      };
    // `count=N`: N records, each the same 32 bytes as the first.
    const other = recs.findIndex((a) => !sameWords(a.words, head.words));
    if (other > 0) {
      const at = recs[other] as Activity;
      return {
        diagnostics: [
          diag(
            'error',
            'expect.failed',
            `record ${other + 1} of ${count} is ${formatEvent(decodeEvent(at.words ?? []))}, not the same as the first (${formatEvent(d)})`,
            countArg?.range ?? s.range,
            '7.3',
          ),
        ],
        failedExpectation: true,
      };
    }
    if (recs.length < count) {
      return {
        diagnostics: [
          diag(
            'error',
            'expect.failed',
            `${counted(recs.length, 'record')} ${recs.length === 1 ? 'was' : 'were'} written (${formatEvent(d)}), expected ${count}`,
            countArg?.range ?? s.range,
          ),
        ],
        failedExpectation: true,
      };
    }
    return {
      diagnostics: [],
      summary: count === 1 ? formatEvent(d) : `${count} × ${formatEvent(d)}`,
      metExpectation: true,
    };
  },
};
