/**
 * The streamed replay's report order (core/trace/report.ts ReportOrder) against its definition:
 * at each release, every held diagnostic before the line, sorted by line, column, group and the
 * order they were added in, a replaced one in the place of the one it replaces. The reference
 * below is that definition as it was first written (split what is held, sort, at every release);
 * ReportOrder keeps what it holds sorted instead, and must release exactly the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NOT_SHOWN, ReportOrder, Tally, unshownDiagnostic } from '../../../core/trace/report';
import type { TraceDiagnostic } from '../../../core/trace/types';

class Reference {
  private held: { d: TraceDiagnostic; group: number; seq: number }[] = [];
  private seq = 0;
  constructor(private readonly out: (d: TraceDiagnostic) => void) {}
  add(d: TraceDiagnostic, group: number): void {
    this.held.push({ d, group, seq: this.seq++ });
  }
  replace(old: TraceDiagnostic, d: TraceDiagnostic): void {
    const h = this.held.find((x) => x.d === old);
    if (h) h.d = d;
  }
  release(line: number): void {
    const ready = this.held.filter((h) => h.d.line < line);
    this.held = this.held.filter((h) => h.d.line >= line);
    ready.sort(
      (a, b) =>
        a.d.line - b.d.line ||
        a.d.range.start.character - b.d.range.start.character ||
        a.group - b.group ||
        a.seq - b.seq,
    );
    for (const h of ready) this.out(h.d);
  }
}

const diag = (line: number, character: number, tag: string): TraceDiagnostic => ({
  severity: 'info',
  code: tag,
  message: tag,
  range: { start: { line, character }, end: { line, character: character + 1 } },
  line,
});

type Op =
  | { kind: 'add'; line: number; character: number; group: number }
  | { kind: 'replace'; pick: number; moved: number | undefined; unshown: boolean }
  | { kind: 'release'; line: number };

// Mostly ascending lines, as a replay makes them, with some behind (the look ahead's groups, notes
// at earlier reads) and repeats at one position.
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      line: fc.integer({ min: -3, max: 6 }),
      character: fc.integer({ min: 0, max: 2 }),
      group: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      pick: fc.nat(),
      moved: fc.option(fc.integer({ min: -3, max: 6 }), { nil: undefined }),
      // A judgement past its code's cap (replaceUnshown), counted or not where it is released.
      unshown: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), line: fc.integer({ min: -2, max: 8 }) }) },
);

test('ReportOrder releases exactly what the split-and-sort definition releases, in the same order', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), fc.boolean(), (ops, moves) => {
      const got: TraceDiagnostic[] = [];
      const want: TraceDiagnostic[] = [];
      // Judgements past the cap are counted at even lines, made (NOT_SHOWN) at odd ones.
      const order = new ReportOrder(
        (d) => got.push(d),
        (code, severity, line) => line % 2 === 0 && got.push({ ...diag(line, -1, code), severity }) > 0,
      );
      const ref = new Reference((d) => want.push(d));
      const made: TraceDiagnostic[] = [];
      let cursor = 0;
      for (const o of ops) {
        if (o.kind === 'add') {
          // Lines grow with the ops (a trace read forwards); `line` is the offset from there.
          const d = diag(Math.max(0, cursor + o.line), o.character, `d${made.length}`);
          made.push(d);
          order.add(d, o.group);
          ref.add(d, o.group);
        } else if (o.kind === 'replace') {
          const old = made[o.pick % Math.max(made.length, 1)];
          if (!old) continue;
          // The multi-vCPU judge replaces at the same position; another one is handled too.
          const line = moves && o.moved !== undefined ? Math.max(0, old.line + o.moved) : old.line;
          if (o.unshown) {
            // The judge's: at the old one's position, no diagnostic made unless released as one.
            const u = { code: `${old.code}'`, severity: 'warning' as const, section: '6.2' };
            order.replaceUnshown(old, u);
            ref.replace(old, unshownDiagnostic(old, u));
            continue;
          }
          const d = diag(line, old.range.start.character, `${old.code}'`);
          made.push(d);
          order.replace(old, d);
          ref.replace(old, d);
        } else {
          cursor += Math.max(0, o.line);
          order.release(cursor);
          ref.release(cursor);
        }
      }
      order.release(Infinity);
      ref.release(Infinity);
      assert.deepEqual(
        got.map((d) => [d.code, d.severity]),
        want.map((d) => [d.code, d.severity]),
      );
      // Those not counted came as the judge's diagnostics, without a message made.
      for (const d of got)
        if (d.severity === 'warning' && d.range.start.character >= 0) assert.equal(d.message, NOT_SHOWN);
      assert.equal(order.size, 0);
    }),
    { numRuns: 1000 },
  );
});

test('Tally.count stands for add only where the diagnostic would not be the first divergence', () => {
  const at = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const d = (code: string, severity: TraceDiagnostic['severity'], line: number): TraceDiagnostic => ({
    severity,
    code,
    message: code,
    range: at,
    line,
  });
  const t = new Tally();
  t.add(d('replay.value', 'info', 0));
  // A later error of the same code would be the first divergence: it needs its object.
  assert.equal(t.countable('replay.value', 'error'), false);
  assert.equal(t.countable('replay.value', 'info'), true);
  assert.equal(t.countable('write.res0', 'warning'), true, 'a guest note is not a divergence');
  assert.equal(t.countable('trace.window', 'warning'), true);
  t.add(d('replay.value', 'error', 1));
  assert.equal(t.firstDivergence?.line, 1);
  assert.equal(t.countable('replay.value', 'error'), true);
  t.count('replay.value', 'error');
  t.count('write.res0', 'warning');
  assert.deepEqual(
    { errors: t.errors, warnings: t.warnings, infos: t.infos, counts: t.counts },
    { errors: 2, warnings: 1, infos: 1, counts: { 'replay.value': 3 } },
  );
});
