/**
 * What a configuration says about the registers an advertised feature brings: SMMU_MPAMIDR's
 * PARTID_MAX and PMG_MAX (§6.3.41, §17.1) and the CoreSight ID registers (§6.3.170), whose designer
 * code §6.3.7 ties to SMMU_IIDR.Implementer. Each problem is reported at the JSON that causes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type ConfigDiagnostic } from '../../../core/config/load';

const text = (doc: Record<string, unknown>) => JSON.stringify(doc, null, 2);
const of = (ds: readonly ConfigDiagnostic[], code: string) => ds.filter((d) => d.code === code);

/** 0-based line of the first `"key":` in `src`. */
const lineOf = (src: string, key: string) => src.slice(0, src.indexOf(`"${key}":`)).split('\n').length - 1;

/** A clean SMMUv3.2 (smmuv3.2-full) with `doc` on top. */
const on = (doc: Record<string, unknown>) => text({ base: 'smmuv3.2-full', ...doc });

test('§6.3.41 partidMax and pmgMax set SMMU_MPAMIDR; without mpam they are errors at their values', () => {
  const ok = loadConfig(on({ features: { mpam: true, partidMax: 63, pmgMax: 3 } }));
  // Only the feature's behaviour is not modelled (core/registers/not-modelled.ts), not its registers.
  assert.deepEqual(
    ok.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.code),
    ['config.not-modelled-mpam'],
  );
  assert.equal(ok.config?.ids.MPAMIDR, (3 << 16) | 63);
  const src = on({ features: { partidMax: 63 } });
  const bad = of(loadConfig(src).diagnostics, 'config.inconsistent');
  assert.deepEqual(
    bad.map((d) => [d.severity, d.range.start.line, d.message]),
    [
      [
        'error',
        lineOf(src, 'partidMax'),
        'partidMax (SMMU_MPAMIDR.PARTID_MAX) needs mpam (SMMU_IDR3.MPAM): the field is RES0 otherwise (§6.3.41)',
      ],
    ],
  );
  // Without MPAM and without values the register is not part of the configuration at all.
  assert.equal(loadConfig(on({})).config?.ids.MPAMIDR, undefined);
  // registers.MPAMIDR is the same register: RES0 bits [31:24] are an error there.
  const raw = loadConfig(on({ features: { mpam: true }, registers: { MPAMIDR: '0x0100003F' } }));
  assert.match(
    of(raw.diagnostics, 'config.reserved')[0]?.message ?? '',
    /SMMU_MPAMIDR = 0x0100003F sets RES0 bit 24 \(§6\.3\.41\)/,
  );
});

test('§17.1 mpam with PARTID_MAX and PMG_MAX both 0 supports no MPAM: a warning; PARTID_MAX 0 alone is a note (§6.3.41)', () => {
  const src = on({ features: { mpam: true } });
  const w = of(loadConfig(src).diagnostics, 'config.mpam');
  assert.deepEqual(
    w.map((d) => [d.severity, d.range.start.line]),
    [['warning', lineOf(src, 'mpam')]],
  );
  assert.match(w[0]!.message, /MPAM is then not supported for the Non-secure state \(§17\.1\)/);
  const pmgOnly = of(loadConfig(on({ features: { mpam: true, pmgMax: 1 } })).diagnostics, 'config.mpam');
  assert.deepEqual(
    pmgOnly.map((d) => d.severity),
    ['info'],
  );
  assert.match(pmgOnly[0]!.message, /Arm recommends a non-zero PARTID_MAX/);
});

test('§6.3.170 the CoreSight ID registers follow the IIDR unless given; a field given replaces only that field', () => {
  const ids = loadConfig(
    on({ iidr: { implementer: '0x36B', productId: '0x123' }, registers: { PIDR2: { REVISION: 2 } } }),
  ).config!.ids;
  // NVIDIA: bank 4 (continuation 3), identity 0x6B; part 0x123.
  assert.deepEqual(
    [ids.PIDR0, ids.PIDR1, ids.PIDR2, ids.PIDR3, ids.PIDR4, ids.CIDR0, ids.CIDR1, ids.CIDR2, ids.CIDR3],
    [0x23, 0xb1, 0x2e, 0, 0x3, 0x0d, 0xf0, 0x05, 0xb1],
  );
});

test('§6.3.7 a PIDR designer code other than IIDR.Implementer is a warning, another part number a note; §6.3.170 values', () => {
  const src = on({ registers: { PIDR1: '0xB0', PIDR2: '0x0B', PIDR4: '0x03' } });
  const ds = of(loadConfig(src).diagnostics, 'config.coresight-id');
  assert.deepEqual(
    ds.map((d) => [d.severity, d.range.start.line]),
    [['warning', lineOf(src, 'PIDR1')]],
  );
  assert.match(
    ds[0]!.message,
    /DES_2:DES_1:DES_0\) is 0x33B, but SMMU_IIDR\.Implementer is 0x43B: §6\.3\.7 says they match/,
  );
  const part = of(loadConfig(on({ registers: { PIDR0: '0x83', PIDR1: '0xB4' } })).diagnostics, 'config.coresight-id');
  assert.deepEqual(
    part.map((d) => d.severity),
    ['info'],
  );
  assert.match(
    part[0]!.message,
    /part number of SMMU_PIDR0\/1 is 0x483, but SMMU_IIDR\.ProductID is 0x000: .*permitted to differ \(§6\.3\.7\)/,
  );
  const cidr = of(loadConfig(on({ registers: { CIDR1: '0x90' } })).diagnostics, 'config.coresight-id');
  assert.deepEqual(
    cidr.map((d) => [d.severity, d.message.split(':')[0]]),
    [['warning', 'SMMU_CIDR1.CLASS = 0x9, but §6.3.170 assigns 0xF']],
  );
  // All zero: the ID registers are not present (§6.3.7 permits it), and nothing is compared.
  const zero = Object.fromEntries(
    ['PIDR0', 'PIDR1', 'PIDR2', 'PIDR3', 'PIDR4', 'CIDR0', 'CIDR1', 'CIDR2', 'CIDR3'].map((n) => [n, 0]),
  );
  assert.deepEqual(of(loadConfig(on({ registers: zero })).diagnostics, 'config.coresight-id'), []);
  // The derived values never disagree with the IIDR they come from.
  assert.deepEqual(of(loadConfig(on({})).diagnostics, 'config.coresight-id'), []);
});
