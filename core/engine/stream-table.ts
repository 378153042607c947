/**
 * The Stream table the engine's registers describe now (core/structures/bases.ts decides how): the
 * Non-secure one (SMMU_STRTAB_BASE, _CFG, StreamIDs capped at SMMU_IDR1.SIDSIZE), or the Secure one
 * of a Secure stream (SMMU_S_STRTAB_BASE, _CFG, capped at SMMU_S_IDR1.S_SIDSIZE; §3.10.2.1, §6.3.72,
 * §6.3.73).
 */
import type { Smmu } from '../model/smmu';
import type { IdView } from '../registers/codec';
import { presetRelativeOffset } from '../config/smmu-base';
import { streamTableLayout, type StreamTableLayout } from '../structures/bases';
import * as caps from '../structures/capabilities';
import { NON_SECURE, type ProgrammingInterface } from './security';

export type { StreamTableLayout } from '../structures/bases';

export function currentStreamTable(
  e: { readonly smmu: Smmu; readonly ids: IdView },
  iface: ProgrammingInterface = NON_SECURE,
): StreamTableLayout {
  const base = e.smmu.value(iface.strtabBase);
  const cfg = e.smmu.value(iface.strtabBaseCfg);
  const layout =
    iface.state === 'secure'
      ? streamTableLayout(base, cfg, e.ids, caps.secureSidSize(e.ids))
      : streamTableLayout(base, cfg, e.ids);
  // §6.3.2 REL: a preset STRTAB_BASE holds an offset from the SMMU's Page 0.
  const offset = presetRelativeOffset(e.smmu.config, e.ids, iface.strtabBase);
  return offset ? { ...layout, base: layout.base + offset } : layout;
}
