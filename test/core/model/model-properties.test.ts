/**
 * Property tests (fast-check, fixed seed): any sequence of guest accesses — any offset, size and
 * value — never throws, and the model's invariants hold after every access.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Smmu } from '../../../core/model/smmu';
import type { AccessSize } from '../../../core/model/access';
import { extractField, implementedMask } from '../../../core/registers/codec';
import { findField, getRegister } from '../../../core/registers/table';
import { config, IDR0_PRI_ATS_VMW } from '../../harness/helpers';

const interesting = [
  0x0, 0x4, 0x20, 0x24, 0x28, 0x2c, 0x44, 0x50, 0x54, 0x60, 0x64, 0x68, 0x6c, 0x80, 0x84, 0x88, 0x90, 0x94, 0x98, 0x9c,
  0xa0, 0xa4, 0xa8, 0xac, 0xc0, 0xc8, 0xcc, 0x100a8, 0x100ac, 0x100c8, 0x100cc, 0xfd0, 0xffc,
];

const access = fc.record({
  write: fc.boolean(),
  offset: fc.oneof(
    fc.constantFrom(...interesting),
    fc.integer({ min: 0, max: 0x2_1000 }),
    fc.integer({ min: -8, max: 0x7fff_ffff }),
  ),
  size: fc.constantFrom<AccessSize>(1, 2, 4, 8),
  value: fc.oneof(
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.constantFrom(0n, 0xffff_ffffn, 0xdn, 0x1fn),
    fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
  ),
});

function invariants(m: Smmu): void {
  for (const [reg, ack] of [
    ['CR0', 'CR0ACK'],
    ['IRQ_CTRL', 'IRQ_CTRLACK'],
  ] as const) {
    const a = getRegister(ack);
    const v = m.peek(ack);
    assert.equal(v & ~implementedMask(a, m.ids), 0n, `${ack} acknowledges only advertised fields`);
    assert.equal(v, m.peek(reg) & implementedMask(a, m.ids), `${ack} mirrors ${reg}`);
  }
  for (const q of ['CMDQ', 'EVENTQ'] as const) {
    const base = getRegister(`${q}_BASE`);
    const log2 = Number(extractField(m.peek(`${q}_BASE`), findField(base, 'LOG2SIZE')!));
    const max = m.ids.idField('IDR1', q === 'CMDQ' ? 'CMDQS' : 'EVENTQS') ?? 19;
    const qs = Math.min(log2, max);
    for (const role of ['PROD', 'CONS'] as const) {
      const reg = getRegister(`${q}_${role}`);
      const idx = findField(reg, role === 'PROD' ? 'WR' : 'RD')!;
      const v = extractField(m.peek(reg.name), idx);
      assert.ok(v < 1n << BigInt(qs + 1), `${q}_${role} index ${v} fits LOG2SIZE ${qs}`);
    }
  }
  assert.equal(m.peek('IDR0'), BigInt(m.config.ids.IDR0), 'ID registers are constant');
}

for (const [name, cfg] of [
  ['QEMU-like', config()],
  [
    'PRI/ATS/VMW, aborting, aliasing',
    config(
      { IDR0: IDR0_PRI_ATS_VMW, IDR1: 0x02730010 | (8 << 11) },
      { illegalAccess: 'abort', page0AliasOfPage1: 'alias', page1Undefined: 'alias-page0' },
    ),
  ],
] as const) {
  test(`random access sequences never throw and keep invariants (${name})`, () => {
    fc.assert(
      fc.property(fc.array(access, { maxLength: 60 }), (seq) => {
        const m = new Smmu(cfg);
        for (const a of seq) {
          const r = a.write ? m.write(a.offset, a.size, a.value) : m.read(a.offset, a.size);
          assert.ok(r.value >= 0n);
          for (const f of r.findings) assert.ok(f.message.length > 0 && f.code.length > 0);
          invariants(m);
        }
      }),
      { seed: 20261124, numRuns: 400 },
    );
  });
}
