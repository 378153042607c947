/**
 * Properties of the engine under arbitrary input (fast-check, fixed seed): random command
 * streams and random STE/CD/page-table contents never throw; every transaction ends in a
 * translation or a well-formed outcome; queue indices stay consistent (§3.5, §7.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { COMMANDS } from '../../../core/commands/table';
import { Engine } from '../../../core/engine/engine';
import { decodeEvent } from '../../../core/events/codec';
import { getRegister } from '../../../core/registers/table';
import type { RegisterName } from '../../../core/registers/types';
import { config, QEMU_IDS } from '../../harness/helpers';
import { engineScript } from '../../harness/script-helpers';
import { checkScript } from '../../../core/script/check';

const off = (n: RegisterName) => getRegister(n).offset;
const SEED = 20261124;
const RICH = { IDR0: (QEMU_IDS.IDR0 | 1 | (1 << 19) | (1 << 13)) & ~(3 << 24), IDR1: QEMU_IDS.IDR1 | (8 << 6) };

function enabled(ids = RICH): Engine {
  const e = new Engine(config(ids));
  e.smmu.write(off('STRTAB_BASE'), 8, 0x4000_0000n);
  e.smmu.write(off('STRTAB_BASE_CFG'), 4, 6n); // linear, 64 StreamIDs
  e.smmu.write(off('CMDQ_BASE'), 8, 0x4010_0000n | 4n);
  e.smmu.write(off('EVENTQ_BASE'), 8, 0x4020_0000n | 2n);
  e.smmu.write(off('CR2'), 4, 2n);
  e.smmu.write(off('CR0'), 4, 0xdn);
  return e;
}

const word = fc.nat({ max: 0xffffffff });
const opcodes = [...new Set(COMMANDS.map((c) => c.opcode)), 0x00, 0x07, 0x7f];
/** A command: a real opcode mostly, mostly-zero fields, sometimes noise. */
const command = fc
  .tuple(fc.constantFrom(...opcodes), word, word, word, word, fc.boolean())
  .map(([op, a, b, c, d, sparse]) => {
    const m = sparse ? 0x0000_0f01 : 0xffffffff;
    return [((a & m & ~0xff) | op) >>> 0, b & m, c & m, d & m];
  });

test('random command streams: consumption never throws; CONS moves towards PROD; an error stops it with ERR and GERROR.CMDQ_ERR', () => {
  fc.assert(
    fc.property(fc.array(command, { minLength: 1, maxLength: 15 }), fc.boolean(), (cmds, ids) => {
      const e = enabled(ids ? RICH : QEMU_IDS);
      cmds.forEach((w, i) => e.memory.writeWords(0x4010_0000 + 16 * i, w));
      e.smmu.write(off('CMDQ_PROD'), 4, BigInt(cmds.length));
      const cons = e.smmu.peek('CMDQ_CONS');
      const rd = Number(cons & 0x1fn);
      const err = Number((cons >> 24n) & 0x7fn);
      const active = ((e.smmu.peek('GERROR') ^ e.smmu.peek('GERRORN')) & 1n) === 1n;
      assert.ok(rd <= cmds.length);
      if (rd < cmds.length) {
        assert.ok(active, 'stopped early only on an error');
        assert.ok(err >= 1 && err <= 3);
      } else assert.ok(!active);
      const consumed = e.activity.filter((a) => a.kind === 'command').length;
      assert.equal(consumed, rd);
    }),
    { seed: SEED, numRuns: 300 },
  );
});

test('random STEs, CDs and page tables: every DMA ends translated, bypassed, aborted, RAZ/WI or stalled; events are well formed; the event queue stays consistent', () => {
  const dma = fc.record({
    sid: fc.nat({ max: 70 }),
    ssid: fc.option(fc.nat({ max: 300 }), { nil: undefined }),
    addr: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    write: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.array(word, { minLength: 16, maxLength: 16 }),
      fc.array(word, { minLength: 16, maxLength: 16 }),
      fc.array(fc.tuple(fc.nat({ max: 511 }), word, word), { maxLength: 12 }),
      fc.array(dma, { minLength: 1, maxLength: 6 }),
      (ste, cd, ptes, dmas) => {
        const e = enabled();
        // STE 1 is random but valid-ish half the time; its CD pointer aims at the CD, tables at 0x4500_0000.
        ste[0] = (((ste[0] as number) & 0x3f) | 0x4400_0000) >>> 0;
        ste[1] = (ste[1] as number) & 0xf800_0000;
        e.memory.writeWords(0x4000_0040, ste);
        e.memory.writeWords(0x4400_0000, cd);
        e.memory.write32(0x4400_0008, 0x4500_0000);
        for (const [i, lo, hi] of ptes) {
          e.memory.write32(0x4500_0000 + 8 * i, lo);
          e.memory.write32(0x4500_0004 + 8 * i, hi & 0x0000_ffff);
        }
        for (const d of dmas) {
          const r = e.translate({
            sid: d.sid % 3 === 0 ? 1 : d.sid,
            ...(d.ssid !== undefined ? { ssid: d.ssid } : {}),
            address: d.addr,
            access: { read: !d.write, write: d.write, exec: false, priv: false },
          });
          assert.ok(['translated', 'bypass', 'abort', 'raz-wi', 'stalled'].includes(r.outcome));
          if (r.outcome === 'translated' || r.outcome === 'bypass') assert.ok(r.pa >= 0n && r.pa < 1n << 64n);
        }
        for (const a of e.activity.filter((x) => x.code === 'event.written')) {
          assert.ok(a.words && decodeEvent(a.words).def, a.text);
        }
        // A 4-entry queue (LOG2SIZE 2) with CONS at 0: PROD.WR (index and wrap, bits [2:0]) counts the records.
        const prod = Number(e.smmu.peek('EVENTQ_PROD') & 0x7n);
        const written = e.activity.filter((x) => x.code === 'event.written').length;
        assert.ok(written <= 4, 'a 4-entry queue holds at most 4 records');
        assert.equal(prod, written);
        const lost = e.activity.filter((x) => x.code === 'event.overflow').length;
        assert.equal(
          ((e.smmu.peek('EVENTQ_PROD') >> 31n) & 1n) === 1n,
          lost > 0,
          'OVFLG toggled once overflow happened',
        );
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});

test('random scripts of engine statements: checking never throws and every diagnostic has a range in the script', () => {
  const host = { readFile: () => undefined, resolvePath: (_a: string, b: string) => b };
  fc.assert(
    fc.property(engineScript, (text) => {
      const r = checkScript(text, '/x.smmu', host, 'full');
      const lines = text.split('\n').length;
      for (const d of r.diagnostics) {
        assert.ok(d.range.start.line >= 0 && d.range.end.line < lines, JSON.stringify(d));
        assert.notEqual(d.code, 'internal', d.message);
      }
    }),
    { seed: SEED, numRuns: 200 },
  );
});
