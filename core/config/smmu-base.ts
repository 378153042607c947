/**
 * The configuration's `smmuBase`: the physical address of the SMMU's register Page 0, which
 * relative preset bases are offsets from (SMMU_IDR1.REL, §6.3.2: "Relative addresses are
 * calculated using an addition of the unsigned ADDR field onto the base address of Page 0").
 *
 * With REL = 1, the base registers that TABLES_PRESET or QUEUES_PRESET fix read their preset
 * value (an offset); the SMMU's accesses use smmuBase + the address the register gives (after
 * the register's own alignment of its ADDR field, §6.3.24, §6.3.26). Page 0 starts at an (at
 * least) 64 KB-aligned boundary (§6.1).
 *   error    smmuBase not 64 KB-aligned; a relative base whose sum is beyond the OAS
 *   warning  REL = 1 with a fixed base and no smmuBase (the model takes 0); smmuBase given but
 *            no base is relative (REL = 0, or no preset bit set)
 */
import { extractField, featureHolds, hex, type IdView } from '../registers/codec';
import type { RegisterDef } from '../registers/types';
import * as caps from '../structures/capabilities';
import { PRESET_BASE_REGISTERS } from './preset-bases';
import type { Severity } from './rules';
import type { PresetBases } from './types';

const PAGE = 0x1_0000n;

/** SMMU_IDR1.REL (§6.3.2). */
const rel = (ids: IdView): boolean => (ids.idField('IDR1', 'REL') ?? 0) === 1;

/**
 * What the SMMU adds to the address the base register `reg` holds: smmuBase when SMMU_IDR1.REL
 * is 1 and the register's preset bit (TABLES_PRESET, QUEUES_PRESET) fixes it, else 0.
 */
export function presetRelativeOffset(config: { readonly smmuBase?: bigint }, ids: IdView, reg: RegisterDef): number {
  if (!reg.fixedBy || !rel(ids) || !featureHolds(reg.fixedBy, ids)) return 0;
  return Number(config.smmuBase ?? 0n);
}

/** Check `smmuBase` against REL, the preset bits and the preset values (`at`: where it was written, else undefined). */
export function checkSmmuBase<N>(
  smmuBase: bigint | undefined,
  at: N | undefined,
  presetBases: PresetBases,
  c: {
    readonly ids: IdView;
    readonly relAt: N;
    report(at: N, severity: Severity, code: string, message: string): void;
  },
): void {
  const fixed = PRESET_BASE_REGISTERS.filter(
    (r) => featureHolds(r.fixedBy, c.ids) && (!r.requires || featureHolds(r.requires, c.ids)),
  );
  const relative = rel(c.ids) && fixed.length > 0;
  if (smmuBase === undefined || at === undefined) {
    if (relative)
      c.report(
        c.relAt,
        'warning',
        'config.preset',
        `SMMU_IDR1.REL is 1: the preset bases are offsets from the SMMU's Page 0, but smmuBase does not give its address: the model takes 0, so the offsets are used as addresses (§6.3.2)`,
      );
    return;
  }
  if (smmuBase % PAGE !== 0n)
    c.report(
      at,
      'error',
      'config.range',
      `smmuBase ${hex(smmuBase, 64)} is not 64 KB-aligned: the SMMU's register pages start at an at least 64 KB-aligned boundary (§6.1)`,
    );
  if (!relative) {
    c.report(
      at,
      'warning',
      'config.preset',
      `smmuBase is not used: ${rel(c.ids) ? 'no preset bit (SMMU_IDR1.TABLES_PRESET, QUEUES_PRESET) fixes a base register' : 'SMMU_IDR1.REL is 0, so the preset bases are absolute addresses'} (§6.3.2)`,
    );
    return;
  }
  const oas = caps.oasBits(c.ids);
  for (const reg of fixed) {
    const addr = reg.fields.find((f) => f.addrShift !== undefined);
    const value = presetBases[reg.name];
    if (!addr || value === undefined) continue;
    const sum = smmuBase + (extractField(value, addr) << BigInt(addr.addrShift ?? 0));
    if (sum >> BigInt(oas) !== 0n)
      c.report(
        at,
        'error',
        'config.range',
        `smmuBase ${hex(smmuBase, 64)} + the SMMU_${reg.name} offset is ${hex(sum, 64)}, beyond the ${oas}-bit output address size (SMMU_IDR5.OAS, §6.3.2)`,
      );
  }
}
