/**
 * Registers an advertised feature brings (issue 16 item 8), through the MMIO model with
 * configurations from the loader: SMMU_S2PII (§6.3.17), SMMU_MPAMIDR, GMPAM and GBPMPAM
 * (§6.3.41–§6.3.43) and the CoreSight ID registers (§6.3.170).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Smmu } from '../../../core/model/smmu';
import type { AccessResult } from '../../../core/model/access';
import { blockingErrors, loadConfig } from '../../../core/config/load';
import { PRESETS } from '../../../core/config/presets';
import type { ResolvedConfig } from '../../../core/config/types';

const codes = (r: AccessResult) => r.findings.map((f) => f.code);

/** smmuv3.2-full (Arm, ProductID 0) with `features` on top. */
function full(features: Record<string, unknown>, extra: Record<string, unknown> = {}): ResolvedConfig {
  const r = loadConfig(JSON.stringify({ base: 'smmuv3.2-full', features, ...extra }));
  assert.deepEqual(
    blockingErrors(r.diagnostics).map((d) => d.message),
    [],
  );
  assert.ok(r.config);
  return r.config;
}

const MPAM = { mpam: true, partidMax: 5, pmgMax: 1 };
const UPDATE = 1n << 31n;

test('§6.3.41 SMMU_MPAMIDR reads the configuration’s PARTID_MAX and PMG_MAX, is read-only, and exists only with SMMU_IDR3.MPAM', () => {
  const m = new Smmu(full(MPAM));
  const r = m.read(0x130, 4);
  assert.deepEqual([r.value, codes(r)], [(1n << 16n) | 5n, []]);
  assert.deepEqual(codes(m.write(0x130, 4, 0xffn)), ['write.ro']);
  assert.equal(m.read(0x130, 4).value, 0x10005n);
  const without = new Smmu(full({}));
  const u = without.read(0x130, 4);
  assert.deepEqual([u.value, codes(u)], [0n, ['register.unimplemented']]);
});

test('§6.3.42 SMMU_GMPAM: written with Update = 1 the values are stored and Update reads 0; a write without Update is IGNORED', () => {
  const m = new Smmu(full(MPAM));
  assert.equal(m.read(0x138, 4).value, 0n, 'SO_PMG, SO_PARTID and Update reset to 0');
  assert.deepEqual(codes(m.write(0x138, 4, UPDATE | (1n << 16n) | 3n)), []);
  assert.equal(m.read(0x138, 4).value, (1n << 16n) | 3n);
  const ignored = m.write(0x138, 4, 2n);
  assert.deepEqual(codes(ignored), ['gmpam.no-update']);
  assert.equal(ignored.findings[0]!.section, '6.3.42');
  assert.match(ignored.findings[0]!.message, /SMMU_GMPAM written without Update = 1: the write is IGNORED/);
  assert.equal(m.read(0x138, 4).value, (1n << 16n) | 3n);
  // GBPA keeps its own rule: CONSTRAINED UNPREDICTABLE before SMMUv3.2 (§6.3.14.1).
  const gbpa = m.write(0x44, 4, 0n);
  assert.deepEqual(codes(gbpa), ['gbpa.no-update']);
  assert.equal(gbpa.findings[0]!.section, '6.3.14.1');
});

test('§6.3.42, §6.3.43 PARTID and PMG above SMMU_MPAMIDR: bits above the bit width are RES0, a larger value within it is UNKNOWN', () => {
  const m = new Smmu(full(MPAM));
  // PARTID_MAX 5 is 3 bits wide, PMG_MAX 1 one bit.
  const high = m.write(0x13c, 4, UPDATE | (2n << 16n) | 0x9n);
  assert.deepEqual(codes(high), ['write.res0', 'write.res0']);
  assert.match(
    high.findings[0]!.message,
    /SMMU_GBPMPAM\.GBP_PMG = 0x2: the bits above the 1-bit width of SMMU_MPAMIDR\.PMG_MAX = 0x1 are RES0/,
  );
  assert.match(high.findings[1]!.message, /SMMU_GBPMPAM\.GBP_PARTID = 0x9: .* 3-bit width .* the field holds 0x1/);
  assert.equal(m.read(0x13c, 4).value, 0x1n, 'the RES0 bits are not stored');
  const above = m.write(0x13c, 4, UPDATE | 0x7n);
  assert.deepEqual(codes(above), ['write.above-max']);
  assert.equal(above.findings[0]!.section, '6.3.43');
  assert.match(
    above.findings[0]!.message,
    /GBP_PARTID = 0x7 is greater than SMMU_MPAMIDR\.PARTID_MAX = 0x5: the SMMU uses an UNKNOWN PARTID/,
  );
  assert.equal(m.read(0x13c, 4).value, 0x7n);
  assert.deepEqual(codes(m.write(0x138, 4, UPDATE | (1n << 16n) | 5n)), [], 'the maxima themselves are fine');
});

test('§6.3.17 SMMU_S2PII: a 64-bit register of 16 interpretations with SMMU_IDR3.S2PI; Reserved encodings are reported', () => {
  const cfg = full({ s2pi: true, ttf: 'aarch64', e0pd: true, ptwnnc: true }, { version: '3.3' });
  const m = new Smmu(cfg);
  const v = 0xfedc_ba98_7643_2000n;
  assert.deepEqual(codes(m.write(0x30, 8, v)), []);
  assert.equal(m.read(0x30, 8).value, v);
  assert.equal(m.read(0x34, 4).value, v >> 32n, 'the high half at +4 (§6.2)');
  // 0b0001 and 0b0101 are Reserved, treated as No Access.
  const reserved = m.write(0x30, 4, 0x50n | 0x1n);
  assert.deepEqual(codes(reserved), ['write.reserved-encoding', 'write.reserved-encoding']);
  assert.deepEqual(
    reserved.findings.map((f) => f.field),
    ['S2PII1', 'S2PII0'],
  );
  assert.deepEqual(codes(new Smmu(full({})).read(0x30, 8)), ['register.unimplemented']);
});

test('§6.3.170, §6.3.7 the CoreSight ID registers: derived from the IIDR by default, QEMU’s bytes in the QEMU presets, read-only', () => {
  // Arm (0x43B), ProductID 0x483: PART 0x483, DES 0x4/0x3/0xB, JEDEC 1; the fixed preamble and class.
  const m = new Smmu(full({}, { iidr: { implementer: '0x43B', productId: '0x483', variant: 1, revision: 2 } }));
  const at = (o: number) => m.read(o, 4).value;
  assert.deepEqual([0xfd0, 0xfd4, 0xfd8, 0xfdc, 0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map(at), [
    0x04n,
    0n,
    0n,
    0n,
    0x83n,
    0xb4n,
    0x0bn,
    0n,
    0x0dn,
    0xf0n,
    0x05n,
    0xb1n,
  ]);
  assert.deepEqual(codes(m.write(0xfe0, 4, 1n)), ['write.ro']);
  assert.equal(at(0xfe0), 0x83n);
  const q = new Smmu(PRESETS.get('qemu')!.config);
  assert.deepEqual(
    [0xfd0, 0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map((o) => q.read(o, 4).value),
    [0x04n, 0x84n, 0xb4n, 0xf0n, 0x10n, 0x0dn, 0xf0n, 0x05n, 0xb1n],
  );
});
