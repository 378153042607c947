/**
 * Relative preset bases (SMMU_IDR1.REL, §6.3.2): with TABLES_PRESET and QUEUES_PRESET the base
 * registers read the configuration's preset values, and with REL = 1 those are offsets that the
 * SMMU adds to the address of its Page 0 (the configuration's `smmuBase`). Scripts run through the
 * real parser, resolver and interpreter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../core/engine/engine';
import { run } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import { loadConfig } from '../../../core/config/load';
import { config, QEMU_IDS } from '../../harness/helpers';

/** IDR1 with TABLES_PRESET [30], QUEUES_PRESET [29] and REL [28] (§6.3.2). */
const PRESET = QEMU_IDS.IDR1 | (1 << 30) | (1 << 29);
const REL = PRESET | (1 << 28);
/** Offsets: the Stream table at +0x40000, the Command queue at +0x50000, the Event queue at +0x60000. */
const presetBases = {
  STRTAB_BASE: 0x4_0000n,
  STRTAB_BASE_CFG: 8n,
  CMDQ_BASE: 0x5_0000n | 4n,
  EVENTQ_BASE: 0x6_0000n | 3n,
};
const SMMU_BASE = 0x2b40_0000n;

function runScript(text: string, idr1: number, smmuBase?: bigint) {
  const engine = new Engine({
    ...config({ IDR1: idr1 }),
    presetBases,
    ...(smmuBase !== undefined ? { smmuBase } : {}),
  });
  const result = run(analyzeScript(text).statements, engine);
  return result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line + 1}: ${d.message}`);
}

test('§6.3.2 REL = 1: the registers read the offsets; STEs, commands and event records are at smmuBase + offset', () => {
  const errors = runScript(
    `read64 STRTAB_BASE == 0x40000
read64 CMDQ_BASE == 0x50004
write32 CR2 RECINVSID
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
mem write64 0x2B440040 0x9
dma read sid=1 iova=0x1234 == 0x1234
dma read sid=2 iova=0 == C_BAD_STE
mem read8 0x2B460000 == 0x04
cmd SYNC
mem read8 0x2B450000 == 0x46
doorbell
read32 CMDQ_CONS.RD == 1
`,
    REL,
    SMMU_BASE,
  );
  assert.deepEqual(errors, []);
});

test('§6.3.2 REL = 0: the same preset values are absolute addresses, and smmuBase is not added', () => {
  const errors = runScript(
    `write32 CR2 RECINVSID
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
mem write64 0x40040 0x9
dma read sid=1 iova=0x1234 == 0x1234
mem read8 0x60000 == 0x00
dma read sid=2 iova=0 == C_BAD_STE
mem read8 0x60000 == 0x04
`,
    PRESET,
    SMMU_BASE,
  );
  assert.deepEqual(errors, []);
});

const file = (extra: object) =>
  JSON.stringify({
    name: 'rel',
    base: 'qemu',
    features: { tablesPreset: true, queuesPreset: true, rel: true },
    presetBases: { STRTAB_BASE: '0x40000', STRTAB_BASE_CFG: 8, CMDQ_BASE: '0x50004', EVENTQ_BASE: '0x60003' },
    drivers: [],
    ...extra,
  });
const codes = (text: string) =>
  loadConfig(text)
    .diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning')
    .map((d) => `${d.severity} ${d.code}: ${d.message}`);

test('§6.3.2 smmuBase in a configuration: loaded, checked for 64 KB alignment and the OAS, warned when missing or unused', () => {
  const ok = loadConfig(file({ smmuBase: '0x2B400000' }));
  assert.equal(ok.config?.smmuBase, 0x2b40_0000n);
  assert.deepEqual(
    codes(file({ smmuBase: '0x2B400000' })).filter((c) => /smmuBase|REL|not-modelled-rel/.test(c)),
    [],
  );
  assert.ok(
    codes(file({ smmuBase: '0x2B401000' })).some((c) =>
      /^error config\.range: smmuBase 0x0*2B401000 is not 64 KB-aligned/.test(c),
    ),
  );
  // QEMU's OAS is 44 bits.
  assert.ok(
    codes(file({ smmuBase: '0xFFFFFFF0000' })).some((c) =>
      /^error config\.range: .*beyond the 44-bit output address size/.test(c),
    ),
  );
  assert.ok(
    codes(file({})).some((c) =>
      /^warning config\.preset: SMMU_IDR1\.REL is 1: .*smmuBase does not give its address/.test(c),
    ),
  );
  const absolute = JSON.stringify({
    ...JSON.parse(file({ smmuBase: '0x2B400000' })),
    features: { tablesPreset: true, queuesPreset: true },
  });
  assert.ok(codes(absolute).some((c) => /^warning config\.preset: smmuBase is not used: SMMU_IDR1\.REL is 0/.test(c)));
  assert.ok(!codes(file({ smmuBase: '0x2B400000' })).some((c) => /not-modelled/.test(c)));
});
