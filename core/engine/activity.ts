/**
 * What the SMMU did on its own, in order: commands consumed, structures fetched, events and
 * interrupts raised, memory it wrote. Scripts turn these into diagnostics and `--trace` lines,
 * the debugger into stack frames and the register view into "last fetched" marks.
 */
import { SECURE_FEATURE } from '../registers/secure';
import type { FeatureRef } from '../registers/types';

export type ActivityKind =
  /** A command was consumed (executed) from the command queue. */
  | 'command'
  /** A command stopped the queue with a CERROR. */
  | 'command-error'
  /** The SMMU read a structure from memory (STE, CD, L1 descriptors, table descriptors). */
  | 'fetch'
  /** An event record was written to the event queue, or discarded. */
  | 'event'
  /** A PRI page request was written to the PRI queue. */
  | 'pri'
  /** A wired interrupt was asserted or an MSI written. */
  | 'interrupt'
  /** A global error was activated in GERROR. */
  | 'gerror'
  /** A cached configuration or translation was used although memory changed since it was cached. */
  | 'stale'
  /** One transaction of a DMA transfer that needs several (one per 4 KB block, dma.ts). */
  | 'transaction'
  /** Anything else worth showing (invalidations, queue state changes). */
  | 'note';

/**
 * The SMMU's interrupt sources this model has (§3.18.2): the Non-secure ones, and of the Secure
 * ones the Secure Event queue's, the Secure GERROR and the Secure Command queue's CMD_SYNC
 * (§3.10.2.1, §6.3.65).
 */
export type InterruptSource = 'EVENTQ' | 'PRIQ' | 'GERROR' | 'CMD_SYNC' | 'S_EVENTQ' | 'S_GERROR' | 'S_CMD_SYNC';

/**
 * The interrupt sources, each with the feature it exists with: the Secure ones are the Secure
 * programming interface's (§3.10.2.1, §6.3.65), so they exist only with SMMU_S_IDR1.SECURE_IMPL.
 */
export const INTERRUPT_SOURCE_TABLE: readonly { readonly source: InterruptSource; readonly requires?: FeatureRef }[] = [
  { source: 'EVENTQ' },
  { source: 'PRIQ' },
  { source: 'GERROR' },
  { source: 'CMD_SYNC' },
  { source: 'S_EVENTQ', requires: SECURE_FEATURE },
  { source: 'S_GERROR', requires: SECURE_FEATURE },
  { source: 'S_CMD_SYNC', requires: SECURE_FEATURE },
];

export const INTERRUPT_SOURCES: readonly InterruptSource[] = INTERRUPT_SOURCE_TABLE.map((s) => s.source);

/**
 * One interrupt the SMMU signalled (§3.18): a pulse on the source's wired output, or an MSI, a
 * 32-bit write of `data` to `address` (`aborted` when the write took an external abort).
 */
export type InterruptSignal =
  | { readonly source: InterruptSource; readonly how: 'wired' }
  | {
      readonly source: InterruptSource;
      readonly how: 'msi';
      readonly address: bigint;
      readonly data: number;
      readonly aborted: boolean;
    };

export interface Activity {
  readonly seq: number;
  readonly kind: ActivityKind;
  /** One line a user reads: `CMDQ[3] CMD_CFGI_STE StreamID=0x3 Leaf=1`; never its section (`section` holds it, shown after the text). */
  readonly text: string;
  /** Architecture section behind the behaviour. */
  readonly section?: string;
  /** Guest physical address involved (fetch, event slot, MSI target). */
  readonly address?: bigint;
  /** Raw words (command, event record, structure) for decoders and views. */
  readonly words?: readonly number[];
  readonly severity?: 'error' | 'warning' | 'info';
  /** Stable code for diagnostics (`cmdq.cerror-ill`, `event.overflow`, `stale.ste`, ...). */
  readonly code?: string;
  /** For `interrupt` activity: which source, and how it was signalled (expectations read this). */
  readonly interrupt?: InterruptSignal;
  /** Already reported as a finding of the MMIO access in progress (so not again by the script). */
  readonly reported?: boolean;
}
