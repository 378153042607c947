/**
 * `expect event NAME FIELD=value… [count=N]` (docs/script-language.md, "Driving the SMMU"): every
 * field the event table declares for every record (§7.3) can be expected, and `count=N` checks N
 * identical records one after the other. Records come from the engine's own event queue writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../core/engine/engine';
import { recordEvent } from '../../../core/engine/event-queue';
import { EVENTS, type EventName } from '../../../core/events/table';
import type { LayoutField } from '../../../core/layout/types';
import { run, type RunResult } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import type { ScriptState } from '../../../core/script/actions';
import { config } from '../../harness/helpers';

const QUEUE =
  'write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=8\nwrite32 EVENTQ_PROD 0\nwrite32 EVENTQ_CONS 0\nwrite32 CR0 EVENTQEN\n';

/** A model whose event queue is enabled, and a runner of script lines on it sharing the script state. */
function queue(): { engine: Engine; lines: (text: string) => RunResult } {
  const engine = new Engine(config());
  const state: ScriptState = { eventCursor: 0 };
  const lines = (text: string) => {
    const resolved = analyzeScript(text);
    assert.deepEqual(
      resolved.diagnostics.map((d) => d.message),
      [],
      text,
    );
    return run(resolved.statements, engine, state);
  };
  lines(QUEUE);
  return { engine, lines };
}

/** A value with every bit of the field set (an address field's value is the address), or its last encoding. */
function valueOf(f: LayoutField): bigint {
  if (f.values?.length) return BigInt((f.values[f.values.length - 1] as { value: number }).value);
  return ((1n << BigInt(f.msb - f.lsb + 1)) - 1n) << BigInt(f.addrShift ?? 0);
}

const hex = (v: bigint) => '0x' + v.toString(16).toUpperCase();

test('every field of every event record the table declares can be expected, by number and by encoding name', () => {
  let checked = 0;
  for (const def of EVENTS) {
    for (const f of def.fields) {
      if (f.name === 'EventNumber') continue;
      const want = valueOf(f);
      const { engine, lines } = queue();
      recordEvent(engine, def.name as EventName, { [f.name]: want }, 'test');
      recordEvent(engine, def.name as EventName, {}, 'test');
      const held = lines(`expect event ${def.name} ${f.name}=${hex(want)}`);
      assert.deepEqual(held.diagnostics, [], `${def.name} ${f.name}`);
      assert.equal(held.counts.expectationsMet, 1);
      // The second record has the field 0: the expectation names the field and both values.
      const failed = lines(`expect event ${def.name} ${f.name}=${hex(want)}`);
      assert.deepEqual(
        failed.diagnostics.map((d) => d.code),
        ['expect.failed'],
        `${def.name} ${f.name}`,
      );
      assert.match(
        failed.diagnostics[0]?.message ?? '',
        new RegExp(`^${def.name}: ${f.name} is 0x0+, expected 0x0*${want.toString(16).toUpperCase()}$`),
      );
      const name = f.values?.[f.values.length - 1]?.name;
      if (name) {
        recordEvent(engine, def.name as EventName, { [f.name]: want }, 'test');
        assert.equal(
          lines(`expect event ${def.name} ${f.name}=${name}`).counts.expectationsMet,
          1,
          `${def.name} ${f.name}=${name}`,
        );
      }
      checked++;
    }
  }
  // Every record's fields (event number aside): the table's count, not a copy of it.
  assert.equal(
    checked,
    EVENTS.reduce((n, e) => n + e.fields.filter((f) => f.name !== 'EventNumber').length, 0),
  );
  assert.ok(checked > 100);
});

/** Queues, a linear stream table and StreamID 5 translating at stage 1 with nothing mapped at 0x20000000. */
const FAULTING = `${QUEUE.replace('CR0 EVENTQEN', 'CR0 0')}write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write32 CR0 SMMUEN|EVENTQEN
tables 0x48000000
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000
ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
`;

function script(body: string): RunResult {
  const resolved = analyzeScript(FAULTING + body);
  assert.deepEqual(
    resolved.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  return run(resolved.statements, new Engine(config()));
}

const bodyLine = (n: number) => FAULTING.split('\n').length - 2 + n;
const failures = (r: RunResult) =>
  r.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.range.start.line - bodyLine(0), d.message]);

test('count=N: N identical records one after the other; fewer, or a different one, fails and says so', () => {
  const twice = 'dma read sid=5 iova=0x20000000 == F_TRANSLATION\ndma read sid=5 iova=0x20000000 == F_TRANSLATION\n';
  const ok = script(`${twice}expect event F_TRANSLATION StreamID=5 InputAddr=0x20000000 count=2\nexpect no event\n`);
  assert.deepEqual(failures(ok), []);
  assert.equal(ok.counts.expectationsMet, 4);
  assert.match(
    ok.observations.find((o) => o.summary?.startsWith('2 × '))?.summary ?? '',
    /^2 × F_TRANSLATION .*StreamID=0x5 .*InputAddr=0x20000000/,
  );

  // One DMA, one record: count=2 fails, at the count.
  const short = script(`dma read sid=5 iova=0x20000000 == F_TRANSLATION\nexpect event F_TRANSLATION count=2\n`);
  assert.deepEqual(failures(short), [
    [2, '1 record was written (F_TRANSLATION StreamID=0x5 RnW=READ CLASS=IN InputAddr=0x20000000), expected 2'],
  ]);

  // Two records that differ (another address): not identical.
  const differ = script(
    `dma read sid=5 iova=0x20000000 == F_TRANSLATION\ndma read sid=5 iova=0x20001000 == F_TRANSLATION\nexpect event F_TRANSLATION StreamID=5 count=2\n`,
  );
  assert.deepEqual(failures(differ), [
    [
      3,
      'record 2 of 2 is F_TRANSLATION StreamID=0x5 RnW=READ CLASS=IN InputAddr=0x20001000, not the same as the first (F_TRANSLATION StreamID=0x5 RnW=READ CLASS=IN InputAddr=0x20000000) (§7.3)',
    ],
  ]);

  // Without count, the second record is the next expectation's.
  const one = script(
    `${twice}expect event F_TRANSLATION\nexpect event F_TRANSLATION InputAddr=0x20000000\nexpect no event\n`,
  );
  assert.deepEqual(failures(one), []);
  // The count is a number of records.
  for (const bad of ['count=0', 'count=0x80001', 'count=MANY']) {
    const r = script(`${twice}expect event F_TRANSLATION ${bad}\n`);
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
      ['expect.count'],
      bad,
    );
  }
});
