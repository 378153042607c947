/**
 * The configuration's `presetBases`: the IMPLEMENTATION DEFINED values of the base registers that
 * SMMU_IDR1.TABLES_PRESET and QUEUES_PRESET fix (§6.3.2). With the bit set, SMMU_STRTAB_BASE and
 * SMMU_STRTAB_BASE_CFG (§6.3.24, §6.3.25), or SMMU_CMDQ_BASE, SMMU_EVENTQ_BASE and SMMU_PRIQ_BASE
 * (§6.3.26, §6.3.29, §6.3.33), are read-only and read these values; the model ignores writes.
 *
 * Which registers a preset fixes, and by which ID field, is the register table's (`fixedBy`); the
 * layout the values describe is core/structures/bases.ts's. This module checks the values against
 * the registers' fields and the ID registers, as the model will use them:
 *   error    RES0 bits, fields RES0 in this configuration, Reserved encodings, addresses above the OAS
 *   warning  a value for a register no preset fixes; a fixed register without a value (it reads 0);
 *            a base the SMMU would align down; a size above what the IDR1 fields allow; a reserved SPLIT
 */
import { describeFeature, enumOf, extractField, featureHolds, hex, bitRanges, type IdView } from '../registers/codec';
import { definedMask, getRegister, REGISTERS, widthMask } from '../registers/table';
import type { FeatureRef, FieldDef, RegisterDef } from '../registers/types';
import { queueLayout, streamTableLayout } from '../structures/bases';
import * as caps from '../structures/capabilities';
import type { PresetBaseName, PresetBases } from './types';
import type { Severity } from './rules';

/** The registers a preset can fix, from the register table, in offset order. */
export const PRESET_BASE_REGISTERS: readonly (RegisterDef & {
  readonly name: PresetBaseName;
  readonly fixedBy: FeatureRef;
})[] = REGISTERS.filter(
  (r): r is RegisterDef & { readonly name: PresetBaseName; readonly fixedBy: FeatureRef } => r.fixedBy !== undefined,
);

/** A value as the file gave it, and where (`at` is the register's JSON value, fields have their own). */
export interface PresetBaseValue<N> {
  readonly reg: RegisterDef;
  readonly value: bigint;
  readonly at: N;
  readonly fieldAt: ReadonlyMap<string, N>;
}

export interface PresetBaseContext<N> {
  readonly ids: IdView;
  /** Where the ID field behind `ref` (`IDR1.TABLES_PRESET`) was written, for reports about a missing value. */
  nodeOf(ref: FeatureRef): N;
  report(at: N, severity: Severity, code: string, message: string): void;
  /** `tablesPreset (SMMU_IDR1.TABLES_PRESET)`: the feature a user wrote. */
  label(ref: FeatureRef): string;
}

/** Check the values and return what the model resets the fixed registers to. */
export function checkPresetBases<N>(
  given: ReadonlyMap<PresetBaseName, PresetBaseValue<N>>,
  c: PresetBaseContext<N>,
): PresetBases {
  const out: Partial<Record<PresetBaseName, bigint>> = {};
  for (const reg of PRESET_BASE_REGISTERS) {
    const v = given.get(reg.name);
    const fixed = featureHolds(reg.fixedBy, c.ids);
    const present = !reg.requires || featureHolds(reg.requires, c.ids);
    if (!v) {
      if (fixed && present)
        c.report(
          c.nodeOf(reg.fixedBy),
          'warning',
          'config.preset',
          `${c.label(reg.fixedBy)} fixes SMMU_${reg.name}, but presetBases gives no value for it: the model resets it to 0 (its value is IMPLEMENTATION DEFINED, §${reg.section})`,
        );
      continue;
    }
    if (!fixed) {
      c.report(
        v.at,
        'warning',
        'config.preset',
        `presetBases.${reg.name} is not used: ${c.label(reg.fixedBy)} is not set, so software owns SMMU_${reg.name} and its reset value is UNKNOWN (§${reg.section})`,
      );
      continue;
    }
    if (!present && reg.requires) {
      c.report(
        v.at,
        'warning',
        'config.preset',
        `presetBases.${reg.name} is not used: SMMU_${reg.name} is not implemented, ${describeFeature(reg.requires)} does not hold (§${reg.section})`,
      );
      continue;
    }
    if (valueProblems(v, c)) continue;
    out[reg.name] = v.value;
  }
  layoutWarnings(out, given, c);
  return out;
}

/** Errors in the value itself; true when there was one (the value is then not used). */
function valueProblems<N>(v: PresetBaseValue<N>, c: PresetBaseContext<N>): boolean {
  const reg = v.reg;
  const where = (f?: FieldDef) => (f ? (v.fieldAt.get(f.name) ?? v.at) : v.at);
  let bad = false;
  const res0 = v.value & ~definedMask(reg) & widthMask(reg);
  if (res0 !== 0n || v.value > widthMask(reg)) {
    c.report(
      v.at,
      'error',
      'config.reserved',
      `presetBases.${reg.name} = ${hex(v.value, reg.width)} sets RES0 bit${res0 & (res0 - 1n) ? 's' : ''} ${v.value > widthMask(reg) ? `above bit ${reg.width - 1}` : bitRanges(res0)} of SMMU_${reg.name} (§${reg.section})`,
    );
    bad = true;
  }
  for (const f of reg.fields) {
    const fv = extractField(v.value, f);
    if (f.requires && !featureHolds(f.requires, c.ids)) {
      if (fv !== 0n) {
        c.report(
          where(f),
          'error',
          'config.reserved',
          `presetBases.${reg.name}.${f.name} = ${fv}, but the field is RES0 because ${describeFeature(f.requires)} does not hold (§${reg.section})`,
        );
        bad = true;
      }
      continue;
    }
    if (f.values && !f.openValues && !enumOf(f, fv)) {
      c.report(
        where(f),
        'error',
        'config.reserved',
        `presetBases.${reg.name}.${f.name} = ${fv} is a Reserved encoding (§${reg.section})`,
      );
      bad = true;
    }
    if (f.addrShift !== undefined) {
      // §6.3.24, §6.3.26: ADDR bits above the OAS are RES0.
      const oas = caps.oasBits(c.ids);
      const address = fv << BigInt(f.addrShift);
      if (address >> BigInt(oas) !== 0n) {
        c.report(
          where(f),
          'error',
          'config.range',
          `presetBases.${reg.name}.${f.name} ${hex(address, 64)} is beyond the ${oas}-bit output address size (SMMU_IDR5.OAS): address bits above the OAS are RES0 (§${reg.section})`,
        );
        bad = true;
      }
    }
  }
  return bad;
}

/** What the SMMU will make of the values: the sizes it caps and the bases it aligns. */
function layoutWarnings<N>(
  values: Partial<Record<PresetBaseName, bigint>>,
  given: ReadonlyMap<PresetBaseName, PresetBaseValue<N>>,
  c: PresetBaseContext<N>,
): void {
  const cfg = values.STRTAB_BASE_CFG;
  const cfgGiven = given.get('STRTAB_BASE_CFG');
  if (cfg !== undefined && cfgGiven) {
    const st = streamTableLayout(values.STRTAB_BASE ?? 0n, cfg, c.ids);
    const cfgReg = getRegister('STRTAB_BASE_CFG');
    const at = (name: string) => cfgGiven.fieldAt.get(name) ?? cfgGiven.at;
    if (st.log2Written > st.log2)
      c.report(
        at('LOG2SIZE'),
        'warning',
        'config.preset',
        `presetBases.STRTAB_BASE_CFG.LOG2SIZE ${st.log2Written} exceeds SMMU_IDR1.SIDSIZE ${st.log2}: the SMMU uses ${st.log2} (§6.3.25)`,
      );
    const split = cfgReg.fields.find((f) => f.name === 'SPLIT');
    const rawSplit = split ? Number(extractField(cfg, split)) : st.split;
    if (st.twoLevel && rawSplit !== st.split)
      c.report(
        at('SPLIT'),
        'warning',
        'config.preset',
        `presetBases.STRTAB_BASE_CFG.SPLIT ${rawSplit} is not 6, 8 or 10: it behaves as 6 (§6.3.25)`,
      );
    const baseGiven = given.get('STRTAB_BASE');
    if (values.STRTAB_BASE !== undefined && baseGiven && st.base !== st.written) {
      c.report(
        baseGiven.fieldAt.get('ADDR') ?? baseGiven.at,
        'warning',
        'config.preset',
        `presetBases.STRTAB_BASE ${hex(BigInt(st.written), 64)} is not aligned to the ${st.alignment}-byte ${st.twoLevel ? 'first-level table' : 'Stream table'} STRTAB_BASE_CFG describes: the SMMU treats the low address bits as zero and uses ${hex(BigInt(st.base), 64)} (§6.3.24)`,
      );
    }
  }
  for (const queue of ['CMDQ', 'EVENTQ', 'PRIQ'] as const) {
    const name = `${queue}_BASE` as const;
    const value = values[name];
    const g = given.get(name);
    if (value === undefined || !g) continue;
    const q = queueLayout(value, queue, c.ids);
    const cap = caps.QUEUE_SIZE_CAP[queue];
    if (q.log2Written > q.log2Max)
      c.report(
        g.fieldAt.get('LOG2SIZE') ?? g.at,
        'warning',
        'config.preset',
        `presetBases.${name}.LOG2SIZE ${q.log2Written} exceeds SMMU_${cap.register}.${cap.field} ${q.log2Max}: the SMMU uses ${q.log2Max} (§6.3.26)`,
      );
    if (q.base !== q.written)
      c.report(
        g.fieldAt.get('ADDR') ?? g.at,
        'warning',
        'config.preset',
        `presetBases.${name} ${hex(BigInt(q.written), 64)} is not aligned to the queue size (${q.alignment} bytes): the SMMU treats the low address bits as zero and uses ${hex(BigInt(q.base), 64)} (§6.3.26)`,
      );
  }
}
