/**
 * The CMSIS-SVD text of core/docs/svd.ts against the register table, for every preset: the
 * 32-bit words of each register carry exactly the bits of the fields the configuration implements
 * (so no bit is lost or doubled at the LO/HI split), and the reset values are the model's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { svdText } from '../../../core/docs/svd';
import { PRESETS } from '../../../core/config/presets';
import { REGISTERS, definedMask, fieldMask } from '../../../core/registers/table';
import { featureHolds, implementedMask } from '../../../core/registers/codec';
import { idViewOf } from '../../../core/model/ids';
import { Smmu } from '../../../core/model/smmu';

interface Word {
  readonly name: string;
  /** The register this one is an alternate layout of (<alternateRegister>). */
  readonly alternate?: string;
  readonly offset: number;
  readonly reset: bigint;
  readonly bits: bigint;
}

/** The registers of one peripheral's text: offset, reset and the bits its fields cover. */
/** The words of peripheral `page`: page 0, page 1, or (2) the VATOS page, at 0x20000 with BA_VATOS 0 (§6.2.3). */
function words(svd: string, page: 0 | 1 | 2): Word[] {
  const p = svd.split('<peripheral>')[page + 1] as string;
  return p
    .split('<register>')
    .slice(1)
    .map((r) => {
      let bits = 0n;
      for (const f of r.matchAll(/<bitOffset>(\d+)<\/bitOffset>\s*<bitWidth>(\d+)<\/bitWidth>/g)) {
        const field = ((1n << BigInt(f[2] as string)) - 1n) << BigInt(f[1] as string);
        assert.equal(bits & field, 0n, 'fields overlap');
        bits |= field;
      }
      return {
        name: /<name>(\w+)<\/name>/.exec(r)?.[1] as string,
        alternate: /<alternateRegister>(\w+)<\/alternateRegister>/.exec(r)?.[1],
        offset: Number(/<addressOffset>(0x[0-9A-F]+)</.exec(r)?.[1]) + page * 0x10000,
        reset: BigInt(/<resetValue>(0x[0-9A-F]+)</.exec(r)?.[1] as string),
        bits,
      };
    });
}

test('every preset: each register as 32-bit words with exactly its implemented fields and the model reset', () => {
  for (const [name, preset] of PRESETS) {
    const ids = idViewOf(preset.config);
    const smmu = new Smmu(preset.config);
    const svd = svdText(preset.config, { base: 0x0905_0000n });
    const every = [...words(svd, 0), ...words(svd, 1), ...(svd.includes('<name>SMMU_VATOS</name>') ? words(svd, 2) : [])];
    // SMMU_GATOS_PAR's fault layout (FAULT == 1, §6.3.40) is an alternate register at its offset.
    const all = every.filter((w) => !w.alternate);
    const alternates = every.filter((w) => w.alternate);
    const byOffset = new Map(all.map((w) => [w.offset, w]));
    const present = REGISTERS.filter((r) => !r.requires || featureHolds(r.requires, ids));
    assert.equal(all.length, present.reduce((n, r) => n + r.width / 32, 0), name);
    for (const reg of present) {
      const lo = byOffset.get(reg.offset);
      const hi = reg.width === 64 ? byOffset.get(reg.offset + 4) : undefined;
      assert.ok(lo, `${name}: ${reg.name}`);
      const bits = lo.bits | ((hi?.bits ?? 0n) << 32n);
      // A register of several layouts shows its first here (the others are alternates, below).
      const first = reg.fields.find((f) => f.when)?.when;
      const layout = reg.fields
        .filter((f) => !f.when || f.when.equals === first?.equals)
        .reduce((m, f) => m | fieldMask(f), 0n);
      const defined = first ? layout : definedMask(reg);
      assert.equal(bits, defined & implementedMask(reg, ids), `${name}: ${reg.name} fields`);
      const reset = lo.reset | ((hi?.reset ?? 0n) << 32n);
      assert.equal(reset, smmu.peek(reg.name), `${name}: ${reg.name} reset`);
      if (hi) assert.deepEqual([lo.name, hi.name], [`${reg.name}_LO`, `${reg.name}_HI`]);
    }
    const par = present.find((r) => r.name === 'GATOS_PAR');
    // SMMU_VATOS_PAR has the same two layouts (§6.3.102), in the VATOS page (+0xA18, BA_VATOS 0).
    const vpar = present.find((r) => r.name === 'VATOS_PAR');
    assert.deepEqual(
      alternates.map((w) => [w.name, w.alternate, w.offset]),
      [
        ...(par ? [['GATOS_PAR_FAULT1_LO', 'GATOS_PAR_LO', 0x118], ['GATOS_PAR_FAULT1_HI', 'GATOS_PAR_HI', 0x11c]] : []),
        ...(vpar
          ? [['VATOS_PAR_FAULT1_LO', 'VATOS_PAR_LO', 0x20a18], ['VATOS_PAR_FAULT1_HI', 'VATOS_PAR_HI', 0x20a1c]]
          : []),
      ],
      name,
    );
    if (par) {
      // FAULT == 0: ATTR [63:56], ADDR [55:12], Size [11], SH [9:8], FAULT [0]; FAULT == 1: IMPDEF [63:60], FADDR [55:12], FAULTCODE [11:4], REASON [2:1], FAULT [0].
      const lo = byOffset.get(0x118) as Word;
      const hi = byOffset.get(0x11c) as Word;
      assert.equal(lo.bits | (hi.bits << 32n), 0xffff_ffff_ffff_fb01n);
      const [flo, fhi] = alternates as [Word, Word];
      assert.equal(flo.bits | (fhi.bits << 32n), 0xf0ff_ffff_ffff_fff7n);
    }
  }
});
