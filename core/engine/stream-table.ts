/**
 * The Stream table the engine's registers describe now (core/structures/bases.ts decides how).
 */
import type { Smmu } from '../model/smmu';
import type { IdView } from '../registers/codec';
import { streamTableLayout, type StreamTableLayout } from '../structures/bases';
import { R } from './registers';

export type { StreamTableLayout } from '../structures/bases';

export function currentStreamTable(e: { readonly smmu: Smmu; readonly ids: IdView }): StreamTableLayout {
  return streamTableLayout(e.smmu.value(R.STRTAB_BASE), e.smmu.value(R.STRTAB_BASE_CFG), e.ids);
}
