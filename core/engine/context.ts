/**
 * What the engine's modules (command queue and execution, transactions, the event and PRI queues)
 * see of the engine: a narrow context instead of every public field of `Engine`, so they import
 * no module that imports them (engine.ts builds on them; a test of the import graph keeps it so).
 * The types they share with the engine live here for the same reason.
 */
import type { CommandDef } from '../commands/table';
import type { EventName } from '../events/table';
import type { Atc, AtsMode } from './atc';
import type { SecurityState } from '../model/access';
import type { GuestMemory } from '../model/memory';
import type { Smmu } from '../model/smmu';
import type { IdView } from '../registers/codec';
import type { RegisterDef } from '../registers/types';
import type { Access } from '../translation/types';
import type { Activity, InterruptSource } from './activity';
import type { ConfigCache } from './config-cache';
import type { QueueGeometry } from './queue-index';
import type { FieldRef } from './registers';
import type { Regime, Tlb } from './tlb';

export type QueueKind = 'CMDQ' | 'EVENTQ' | 'PRIQ';

/** A transaction from a device: its stream, substream and address (§3.2). */
export interface Transaction {
  readonly sid: number;
  /** SubstreamID, or undefined for a transaction without one (SSV == 0). */
  readonly ssid?: number;
  readonly address: bigint;
  readonly access: Access;
  /**
   * SEC_SID = 1: a Secure stream, configured through the Secure programming interface and Stream
   * table (§3.10.1). Absent or false: a Non-secure stream (SEC_SID = 0).
   */
  readonly secure?: boolean;
  /**
   * The input NS attribute of a Secure stream's transaction (§3.10.2: "A client device with a
   * Secure StreamID provides an input attribute called NS"): true for a Non-secure access. A
   * Non-secure stream's transactions are always Non-secure (§3.10.2), so it is unused there.
   */
  readonly ns?: boolean;
}

/**
 * The resolved configuration of the last stage-1 stream translated (transaction.ts): StreamID,
 * SubstreamID and the TLB tags its STE and CD gave. Valid while no configuration cache changed
 * (generation) and no register was written; stale checks bypass it. It saves the STE and CD cache
 * lookups of a device streaming DMA.
 */
export interface StreamMemo {
  readonly sid: number;
  readonly secure: boolean;
  readonly ssid: number | undefined;
  readonly gen: number;
  readonly regime: Regime;
  readonly vmid: number;
  readonly asid: number;
}

/**
 * An Address Translation Operation in progress (atos.ts, §9): the lookup walks as a transaction
 * does, but records no event and never stalls, whatever the fault configuration says; the fault it
 * meets is kept here, with the fields its event record would carry (S2, CLASS, IPA), for ATOS_PAR.
 */
export interface AtosRun {
  /** ATOS_ADDR.HTTUI: no descriptor is updated; AF == 0 reads as 1 and writable-clean as writable (§9). */
  readonly inhibitHttu: boolean;
  fault?: { readonly event: EventName; readonly fields: Readonly<Record<string, number | bigint>> };
}

export interface EngineContext {
  readonly smmu: Smmu;
  readonly memory: GuestMemory;
  readonly ids: IdView;
  readonly configCache: ConfigCache;
  readonly tlb: Tlb;
  /** Everything the SMMU did, in order (activity.ts). */
  readonly activity: Activity[];
  recording: boolean;
  checkStale: boolean;
  /** Output address size in bits (IDR5.OAS, §3.4). */
  readonly oas: number;
  readonly s2p: boolean;
  /** StreamIDs whose ATC invalidations time out (CERROR_ATC_INV_SYNC, §3.9.1.4). */
  readonly atcTimeouts: Set<number>;
  atcInvFailed: boolean;
  /** The same for the Secure Command queue's own CMD_SYNC (§4.7.3: a CMD_SYNC completes its own queue's commands). */
  secureAtcInvFailed: boolean;
  /** While set (prefetches, stale-entry probes): no event records, no stalls, no descriptor updates. */
  suppressEvents: boolean;
  /** The endpoints' Address Translation Caches (ats.ts, §3.9.1). */
  readonly atc: Atc;
  /** Set during an ATS exchange: which events it records (ats.ts atsRecords). */
  ats: AtsMode | undefined;
  memo?: StreamMemo;
  /** Set while an ATOS lookup runs (atos.ts). */
  atosRun: AtosRun | undefined;
  stall(t: Transaction): number;
  resumeStalled(def: CommandDef, w: Uint32Array, secure?: boolean): string;
  field(f: FieldRef): bigint;
  fieldNum(f: FieldRef): number;
  smmuEnabled(): boolean;
  /** GERROR[bit] != GERRORN[bit], or S_GERROR's and S_GERRORN's for `secure` (§6.3.19, §6.3.67). */
  gerrorActive(bit: number, security?: SecurityState): boolean;
  cmdqRunnable(): boolean;
  geometry(q: QueueKind): QueueGeometry;
  log(a: Omit<Activity, 'seq'>): void;
  /** Activate a global error in GERROR, or in S_GERROR for `secure` (§7.5). */
  raiseGlobalError(bit: number, name: string, why: string, section: string, security?: SecurityState): void;
  signal(
    source: InterruptSource,
    cfg0: RegisterDef,
    cfg1: RegisterDef,
    abortBit: number,
    security?: SecurityState,
  ): void;
  wiredInterrupt(source: InterruptSource): void;
  /** An MSI of a source of `security`'s programming interface; an abort sets its (S_)GERROR bit. */
  msiWrite(source: InterruptSource, addr: number, data: number, abortBit: number, security?: SecurityState): void;
}
