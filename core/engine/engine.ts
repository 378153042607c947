/**
 * The SMMU engine: the register model plus what an SMMU does with guest memory. It consumes the
 * command queue when software rings CMDQ_PROD (§3.5), executes commands on its configuration
 * cache and TLB (§4), translates device transactions through the stream table, context
 * descriptors and page tables (§3), and reports faults as event records (§7.3) with the
 * interrupts IRQ_CTRL enables (§3.18).
 *
 * Deterministic and single-threaded: a doorbell is processed to completion inside the write that
 * rings it (or one command at a time when `autoConsume` is off, for the step debugger).
 */
import { POW2 } from '../base/pow2';
import { unreachable } from '../base/exhaustive';
import { presetRelativeOffset } from '../config/smmu-base';
import type { ResolvedConfig } from '../config/types';
import type { Finding } from '../model/access';
import { GuestMemory } from '../model/memory';
import { Smmu } from '../model/smmu';
import type { IdView } from '../registers/codec';
import { hex } from '../registers/codec';
import type { RegisterDef, RegisterName } from '../registers/types';
import type { Activity, InterruptSource } from './activity';
import { ConfigCache } from './config-cache';
import { consumeCommands } from './command-queue';
import { consumeEcmdq } from './ecmdq';
import { consumeSecureCommands, secureCmdqRunnable } from './secure-cmdq';
import type { SecurityState } from '../model/access';
import { ECMDQ_PROD, type ArrayRegisterDef } from '../registers/ecmdq';
import { currentStreamTable } from './stream-table';
import { queueLayout } from '../structures/bases';
import { dptLayout } from '../structures/dpt';
import { F, R, get, type FieldRef } from './registers';
import { registerIndex } from '../model/register-file';
import { Tlb } from './tlb';
import type { QueueGeometry } from './queue-index';
import { pageRequest, type PageRequest, type PageRequestOutcome } from './pri-queue';
import { withMpam } from './mpam';
import { translate, type TransactionResult } from './transaction';
import { dmaTransfer, type DmaRoute, type DmaTransferResult } from './dma';
import { Atc, type AtsMode } from './atc';
import {
  atsAccess,
  translatedTransaction,
  translationRequest,
  type TranslationCompletion,
  type TranslationRequest,
} from './ats';
import type { AtosRun, EngineContext, QueueKind, StreamMemo, Transaction } from './context';
import { runAtos, VATOS } from './atos';
import { interfaceOfState, msiOf } from './security';

export type { QueueKind } from './context';
import type { CommandDef } from '../commands/table';
import { bits } from '../layout/access';
import { sizeBits } from '../structures/fields';
import * as caps from '../structures/capabilities';
import { counted } from '../text/plural';

export interface EngineOptions {
  /** Consume commands as soon as PROD is written (default). Off: the debugger calls `step`. */
  readonly autoConsume?: boolean;
  /** Compare cached STEs/CDs/translations with memory on every use and report stale ones (default on). */
  readonly checkStale?: boolean;
  /**
   * Consume the Secure Command queue at its doorbell (default). The debugger steps the Non-secure
   * queue only and leaves this on; a trace replay without guest memory, which cannot know the
   * commands, turns it off as it turns `autoConsume` off.
   */
  readonly consumeSecureQueue?: boolean;
}

const GERROR_WORD = registerIndex(R.GERROR) * 2;
const GERRORN_WORD = registerIndex(R.GERRORN) * 2;
const S_GERROR_WORD = registerIndex(R.S_GERROR) * 2;
const S_GERRORN_WORD = registerIndex(R.S_GERRORN) * 2;
const CR0_DPT_WALK_EN = Number(F.CR0_DPT_WALK_EN.mask);

/**
 * The registers a write of which `afterWrite` only stores (its case of them is a bare `break`):
 * the engine reads them when it next acts. plainWrite lets the model's checked fast path take them.
 */
const STORED_ONLY: ReadonlySet<RegisterName> = new Set<RegisterName>([
  'CR1',
  'CR2',
  'GBPA',
  'AGBPA',
  'IRQ_CTRL',
  'GERROR_IRQ_CFG0',
  'GERROR_IRQ_CFG1',
  'GERROR_IRQ_CFG2',
  'EVENTQ_IRQ_CFG0',
  'EVENTQ_IRQ_CFG1',
  'EVENTQ_IRQ_CFG2',
  'PRIQ_IRQ_CFG0',
  'PRIQ_IRQ_CFG1',
  'PRIQ_IRQ_CFG2',
  'STRTAB_BASE',
  'STRTAB_BASE_CFG',
  'DPT_BASE',
  'DPT_BASE_CFG',
  'DPT_CFG_FAR',
  'CMDQ_BASE',
  'EVENTQ_BASE',
  'PRIQ_BASE',
]);
/** The GERROR bits of the MSI aborts (§6.3.19, §6.3.67: the same bits in S_GERROR). */
const MSI_ABORT_NAMES: Readonly<Record<number, string>> = {
  4: 'MSI_CMDQ_ABT_ERR',
  5: 'MSI_EVENTQ_ABT_ERR',
  6: 'MSI_PRIQ_ABT_ERR',
  7: 'MSI_GERROR_ABT_ERR',
};

export class Engine implements EngineContext {
  readonly smmu: Smmu;
  readonly memory: GuestMemory;
  // The configuration and what is derived from it are replaced, never changed in place, by a reset
  // to another configuration (reset): debugger snapshots share them (core/debug/snapshot.ts).
  ids: IdView;
  config: ResolvedConfig;
  readonly configCache = new ConfigCache();
  readonly tlb = new Tlb();
  /** Everything the SMMU did, in order (see activity.ts). */
  readonly activity: Activity[] = [];
  recording = true;
  autoConsume: boolean;
  /** See EngineOptions.consumeSecureQueue. */
  consumeSecureQueue: boolean;
  checkStale: boolean;
  /** Output address size in bits (IDR5.OAS, §3.4). */
  oas: number;
  /** Stage 1 / stage 2 implemented (IDR0.S1P, IDR0.S2P), looked up once. */
  s1p: boolean;
  s2p: boolean;
  /** StreamIDs whose ATC invalidations time out (to exercise CERROR_ATC_INV_SYNC, §3.9.1.4). */
  readonly atcTimeouts = new Set<number>();
  /** An ATC_INV since the last CMD_SYNC failed. */
  atcInvFailed = false;
  /** The same on the Secure Command queue (§4.5.1: ATC_INV there is for Non-secure streams). */
  secureAtcInvFailed = false;
  /** While set (prefetches, stale-entry probes): no event records, no stalls, no descriptor updates. */
  suppressEvents = false;
  /** Set while an ATOS lookup runs (atos.ts, §9). */
  atosRun: AtosRun | undefined = undefined;
  /** The endpoints' ATCs (ats.ts): the devices', not the SMMU's, so a `reset` of the SMMU keeps them. */
  readonly atc = new Atc();
  ats: AtsMode | undefined = undefined;
  /** Stalled transactions by StreamID and STAG (§3.12.2); a Secure stream's key starts with `S`. */
  readonly stalled = new Map<string, { readonly t: Transaction; readonly stag: number }>();
  private nextStag = 0;
  /** The last stream's resolved configuration (see transaction.ts); dropped on any register write. */
  memo?: StreamMemo;
  private seq = 0;
  /** Findings of the access in progress, so engine errors show at the script line that caused them. */
  private findings?: Finding[];

  constructor(config: ResolvedConfig, options: EngineOptions = {}, memory = new GuestMemory()) {
    this.config = config;
    this.smmu = new Smmu(config);
    this.smmu.effects = this;
    this.ids = this.smmu.ids;
    this.memory = memory;
    this.autoConsume = options.autoConsume ?? true;
    this.consumeSecureQueue = options.consumeSecureQueue ?? true;
    this.checkStale = options.checkStale ?? true;
    this.oas = caps.oasBits(this.ids);
    this.s1p = caps.s1p(this.ids);
    this.s2p = caps.s2p(this.ids);
    // Guest memory is addressed by numbers, exact up to 2^53: with OAS 56 (SMMUv3.4, §6.3.6) the
    // addresses from 2^53 up are not modelled and abort (docs/engine.md).
    this.memory.limit = 2 ** Math.min(this.oas, 53);
  }

  /**
   * The SMMU's reset (§3.11), as a script's `reset` asks for it: every register to its reset
   * value (queue indexes, CR0, IRQ_CTRL, GERROR/GERRORN included), the configuration cache and
   * TLB emptied (their state at reset is IMPLEMENTATION SPECIFIC, §3.11: this model starts them
   * empty), stalled transactions and a failed ATC invalidation forgotten. Guest memory is the
   * system's, not the SMMU's: it stays, and so do its `mem abort` ranges. With `config`, the SMMU
   * comes out of reset as that configuration (its ID registers, choices and GBPA reset value).
   */
  reset(config?: ResolvedConfig): void {
    if (config && config !== this.config) {
      this.config = config;
      this.smmu.reconfigure(config);
      this.ids = this.smmu.ids;
      this.oas = caps.oasBits(this.ids);
      this.s1p = caps.s1p(this.ids);
      this.s2p = caps.s2p(this.ids);
      this.memory.limit = 2 ** Math.min(this.oas, 53);
    }
    this.smmu.resetRegisters();
    // A new object, not cleared: snapshots share the old one (core/debug/snapshot.ts SHARED_KEYS).
    this.geometries = {};
    this.configCache.clear();
    this.tlb.clear();
    this.stalled.clear();
    this.nextStag = 0;
    this.atcInvFailed = false;
    this.secureAtcInvFailed = false;
    this.suppressEvents = false;
    this.ats = undefined;
    this.atosRun = undefined;
    this.memo = undefined;
    this.log({
      kind: 'note',
      text: `SMMU reset${config ? ` with the configuration ${config.name}` : ''}: registers at their reset values, caches empty, no stalled transaction`,
      section: '3.11',
    });
  }

  // --- register side effects (RegisterEffects) ------------------------------------------------

  /**
   * A write to SMMU_ECMDQ_PROD<n> moves WR, enables the ECMDQ or acknowledges its error
   * (§3.5.6.2, §3.5.6.3): the SMMU consumes what it can at once. BASE and CONS are written only
   * while the ECMDQ is disabled, so they start nothing. The debugger's command stepping
   * (`autoConsume` off, `step`) is for the main queue: an ECMDQ is consumed at once there too.
   */
  afterEcmdqWrite(reg: ArrayRegisterDef, n: number, _before: bigint, findings: Finding[]): void {
    if (reg !== ECMDQ_PROD) return;
    this.memo = undefined;
    this.findings = findings;
    try {
      consumeEcmdq(this, n);
    } finally {
      this.findings = undefined;
    }
  }

  afterWrite(reg: RegisterDef, before: bigint, findings: Finding[]): void {
    this.memo = undefined;
    this.findings = findings;
    try {
      // Every register of the table has a case: a register added to names.ts does not compile
      // until its writes get an effect here or join the list of registers without one.
      switch (reg.name) {
        case 'CMDQ_PROD':
          if (this.autoConsume) consumeCommands(this);
          break;
        case 'CR0': {
          // From SMMUEN's 0 → 1 on the SMMU uses the Stream table: say where a misaligned base
          // really points (§6.3.24), where the effective base first matters.
          // (cr0Acts says whether any of these happens: plainWrite, the model's checked fast path.)
          if (this.smmuenRose(Number(before))) this.noteStreamTableAlignment();
          // DPT_WALK_EN 0 → 1: from now on every DPT lookup uses DPT_BASE/_CFG (§6.3.9, §3.24.4).
          if (this.dptWalkRose(Number(before))) this.noteDptConfig();
          // Enabling the command queue with commands already queued starts consumption (§6.3.9).
          if (this.autoConsume && this.cmdqRunnable()) consumeCommands(this);
          break;
        }
        case 'GERRORN': {
          // Acknowledging CMDQ_ERR restarts consumption at CMDQ_CONS (§7.1): no PROD write needed.
          const wasActive = ((this.smmu.value(R.GERROR) ^ before) & 1n) === 1n;
          if (wasActive && this.autoConsume && this.cmdqRunnable()) consumeCommands(this);
          break;
        }
        // §9.1.1: RUN = 1 starts an Address Translation Operation, which completes within the write.
        case 'GATOS_CTRL':
          if ((before & 1n) === 0n && (this.smmu.value(reg) & 1n) === 1n) runAtos(this);
          break;
        // Read by the lookup GATOS_CTRL.RUN starts; GATOS_PAR is read-only (written by the SMMU).
        case 'GATOS_SID':
        case 'GATOS_ADDR':
        case 'GATOS_PAR':
          break;
        // §9.1.6: the VATOS interface, the same lookup limited to stage 1 and to VATOS_SEL.VMID.
        case 'VATOS_CTRL':
          if ((before & 1n) === 0n && (this.smmu.value(reg) & 1n) === 1n) runAtos(this, VATOS);
          break;
        case 'VATOS_SEL': {
          // §6.3.44: VMID[15:8] are RES0 when SMMU_IDR0.VMID16 == 0; RES0 bits are not stored.
          const v = this.smmu.value(reg);
          if (!caps.vmid16(this.ids) && (v & 0xff00n) !== 0n) {
            this.smmu.setOwned('VATOS_SEL', v & 0xffn);
            findings.push({
              severity: 'warning',
              code: 'write.res0',
              section: '6.3.44',
              register: 'VATOS_SEL',
              field: 'VMID',
              message: `SMMU_VATOS_SEL.VMID = ${v & 0xffffn}: bits [15:8] are RES0 without SMMU_IDR0.VMID16 (8-bit VMIDs) and are not stored; VMID reads ${v & 0xffn}`,
            });
          }
          break;
        }
        case 'VATOS_SID':
        case 'VATOS_ADDR':
        case 'VATOS_PAR':
          break;
        // Read-only (§6.2): the model ignores the write before any effect, so these never get here.
        case 'IDR0':
        case 'IDR1':
        case 'IDR2':
        case 'IDR3':
        case 'IDR4':
        case 'IDR5':
        case 'IDR6':
        case 'IIDR':
        case 'AIDR':
        case 'MPAMIDR':
        case 'PIDR0':
        case 'PIDR1':
        case 'PIDR2':
        case 'PIDR3':
        case 'PIDR4':
        case 'PIDR5':
        case 'PIDR6':
        case 'PIDR7':
        case 'CIDR0':
        case 'CIDR1':
        case 'CIDR2':
        case 'CIDR3':
        case 'CR0ACK':
        case 'IRQ_CTRLACK':
        case 'STATUSR':
        case 'GERROR':
          break;
        // Stored by the model (with the ACK of IRQ_CTRL, the completed GBPA update, §6.3.14), and read
        // by the engine when it next acts: a translation reads the stream table registers and GBPA,
        // an interrupt reads IRQ_CTRLACK and its source's IRQ_CFG registers, and a queue's geometry
        // is computed again from a changed BASE (geometry()). The same list is STORED_ONLY (plainWrite).
        case 'CR1':
        case 'CR2':
        case 'GBPA':
        case 'AGBPA':
        case 'IRQ_CTRL':
        case 'GERROR_IRQ_CFG0':
        case 'GERROR_IRQ_CFG1':
        case 'GERROR_IRQ_CFG2':
        case 'EVENTQ_IRQ_CFG0':
        case 'EVENTQ_IRQ_CFG1':
        case 'EVENTQ_IRQ_CFG2':
        case 'PRIQ_IRQ_CFG0':
        case 'PRIQ_IRQ_CFG1':
        case 'PRIQ_IRQ_CFG2':
        case 'STRTAB_BASE':
        case 'STRTAB_BASE_CFG':
        case 'DPT_BASE':
        case 'DPT_BASE_CFG':
        case 'DPT_CFG_FAR':
        case 'CMDQ_BASE':
        case 'EVENTQ_BASE':
        case 'PRIQ_BASE':
          break;
        // §6.3.62: INV_ALL = 1 invalidates every configuration and translation cache of every
        // Security state; the SMMU clears INV_ALL when done (here at once).
        case 'S_INIT':
          if ((this.smmu.value(R.S_INIT) & 1n) === 1n) this.invalidateAll(findings);
          break;
        // The Secure Command queue (§3.10.2, §6.3.75): a PROD write, S_CR0.CMDQEN's enable and the
        // acknowledgement of S_GERROR.CMDQ_ERR start consumption, as for the Non-secure queue. The
        // debugger's command stepping (`autoConsume` off) is for the Non-secure queue: the Secure
        // one is consumed at once there too, as an ECMDQ is (unless consumeSecureQueue is off).
        case 'S_CMDQ_PROD':
          if (this.consumeSecureQueue) consumeSecureCommands(this);
          break;
        case 'S_CR0':
          if (this.consumeSecureQueue && secureCmdqRunnable(this)) consumeSecureCommands(this);
          break;
        case 'S_GERRORN': {
          const wasActive = ((this.smmu.value(R.S_GERROR) ^ before) & 1n) === 1n;
          if (wasActive && this.consumeSecureQueue && secureCmdqRunnable(this)) consumeSecureCommands(this);
          break;
        }
        // The other Secure registers are stored by the model (with their ACKs and the S_GBPA
        // handshake) and read when the engine next acts: a Secure stream's transaction reads
        // S_CR0ACK, S_GBPA and S_STRTAB_*, its events S_EVENTQ_* and S_IRQ_CTRLACK (security.ts).
        case 'S_IDR0':
        case 'S_IDR1':
        case 'S_IDR2':
        case 'S_IDR3':
        case 'S_IDR4':
        case 'S_CR0ACK':
        case 'S_IRQ_CTRLACK':
        case 'S_GERROR':
        case 'S_CR1':
        case 'S_CR2':
        case 'S_GBPA':
        case 'S_AGBPA':
        case 'S_IRQ_CTRL':
        case 'S_GERROR_IRQ_CFG0':
        case 'S_GERROR_IRQ_CFG1':
        case 'S_GERROR_IRQ_CFG2':
        case 'S_EVENTQ_IRQ_CFG0':
        case 'S_EVENTQ_IRQ_CFG1':
        case 'S_EVENTQ_IRQ_CFG2':
        case 'S_STRTAB_BASE':
        case 'S_STRTAB_BASE_CFG':
        case 'S_CMDQ_BASE':
        case 'S_CMDQ_CONS':
        case 'S_EVENTQ_BASE':
        case 'S_EVENTQ_PROD':
        case 'S_EVENTQ_CONS':
          break;
        // Stored (GMPAM and GBPMPAM with their Update completed, §6.3.42): the model gives
        // transactions no MPAM attributes, so nothing reads those (not-modelled.ts, mpam); stage 2
        // walks of STE.S2PIE = 1 streams read S2PII when they need it (§3.26.2, transaction.ts).
        case 'S2PII':
        case 'GMPAM':
        case 'GBPMPAM':
          break;
        // The SMMU's own indexes, which software writes only while their queue is disabled (they are
        // Guarded by its enable, §6.2), and the output queues' consumer indexes: the engine writes an
        // event or PRI record at once or loses it as an overflow (§7.4), so a CONS write that frees
        // space has nothing waiting to resume.
        case 'CMDQ_CONS':
        case 'EVENTQ_PROD':
        case 'PRIQ_PROD':
        case 'EVENTQ_CONS':
        case 'PRIQ_CONS':
          break;
        default:
          unreachable(reg.name, 'register');
      }
    } finally {
      this.findings = undefined;
    }
  }

  /**
   * RegisterEffects.plainWrite (the model's checked fast path, core/model/checked-write.ts): the
   * registers `afterWrite` only stores (STORED_ONLY), and CR0 when neither SMMUEN nor DPT_WALK_EN
   * rises and no command is to be consumed; for them it drops the memo of the last stream
   * translated, as afterWrite does. Anything else is left to afterWrite (false, nothing done).
   */
  plainWrite(reg: RegisterDef, before: number): boolean {
    if (reg.name === 'CR0' ? this.cr0Acts(before) : !STORED_ONLY.has(reg.name)) return false;
    this.memo = undefined;
    return true;
  }

  /** Whether afterWrite's CR0 case does anything for a write after CR0 held `before`. */
  private cr0Acts(before: number): boolean {
    return this.smmuenRose(before) || this.dptWalkRose(before) || (this.autoConsume && this.cmdqRunnable());
  }

  /** SMMUEN 0 → 1 by a CR0 write (`before`: CR0's value before it); the ACK completes at once. */
  private smmuenRose(before: number): boolean {
    return (before & 1) === 0 && this.smmuEnabled();
  }

  private dptWalkRose(before: number): boolean {
    return (before & CR0_DPT_WALK_EN) === 0 && this.fieldNum(F.DPT_WALK_EN) === 1;
  }

  /**
   * SMMU_S_INIT.INV_ALL (§6.3.62): every configuration and TLB entry of every regime and Security
   * state goes, and INV_ALL reads 0 once done. A write of 1 while an SMMUEN is 1 is CONSTRAINED
   * UNPREDICTABLE (IGNORED, or the invalidation happens): this model invalidates, and says so.
   */
  private invalidateAll(findings: Finding[]): void {
    const enabled = [
      ...(this.smmuEnabled() ? ['SMMU_CR0.SMMUEN'] : []),
      ...((this.smmu.value(R.S_CR0) & 1n) === 1n || (this.smmu.value(R.S_CR0ACK) & 1n) === 1n
        ? ['SMMU_S_CR0.SMMUEN']
        : []),
    ];
    if (enabled.length)
      findings.push({
        severity: 'warning',
        code: 's_init.enabled',
        section: '6.3.62',
        register: 'S_INIT',
        message: `SMMU_S_INIT.INV_ALL written with ${enabled.join(' and ')} = 1: CONSTRAINED UNPREDICTABLE (the write is IGNORED, or the invalidation happens); this model invalidates. Write INV_ALL before enabling the SMMU (§3.11)`,
      });
    const configs = this.configCache.clear();
    const tlbs = this.tlb.clear();
    this.memo = undefined;
    this.smmu.setOwned('S_INIT', 0n);
    this.log({
      kind: 'note',
      text: `SMMU_S_INIT.INV_ALL: ${counted(configs, 'cached structure')} and ${counted(tlbs, 'TLB entry', 'TLB entries')} invalidated, of every Security state; INV_ALL reads 0`,
      section: '6.3.62',
    });
  }

  /**
   * §6.3.24: the SMMU aligns the Stream table base to the table (linear) or to the first-level
   * table and 64 bytes (2-level), ignoring the low ADDR bits: a base software did not align
   * fetches STEs and L1STDs from below the address it wrote.
   */
  private noteStreamTableAlignment(): void {
    const st = currentStreamTable(this);
    if (st.base === st.written) return;
    const what = st.twoLevel
      ? `the 2-level Stream table's first level (2^${Math.max(st.log2Written - st.split, 0)} L1STDs, LOG2SIZE ${st.log2Written}, SPLIT ${st.split}) and 64 bytes`
      : `the linear Stream table (2^${st.log2Written} STEs, LOG2SIZE ${st.log2Written})`;
    this.log({
      kind: 'note',
      text: `SMMU_STRTAB_BASE.ADDR ${hex(BigInt(st.written), 64)} is not aligned to ${what}: the SMMU treats the address bits below ${st.alignment} bytes as zero and fetches ${st.twoLevel ? 'L1STDs' : 'STEs'} from ${hex(BigInt(st.base), 64)}`,
      section: '6.3.24',
      severity: 'warning',
      code: 'strtab.alignment',
    });
  }

  /**
   * §3.24.4: with DPT walks enabled, an invalid DPT_BASE_CFG makes every DPT lookup a
   * DPT_WALK_FAULT at level 0; §6.3.46: the SMMU aligns DPT_BASE to the greater of 4 KB and the
   * level 0 table. Said when DPT_WALK_EN is enabled, where the configuration starts to matter.
   */
  private noteDptConfig(): void {
    const d = dptLayout(this.smmu.value(R.DPT_BASE), this.smmu.value(R.DPT_BASE_CFG), this.ids);
    if (d.problems.length) {
      this.log({
        kind: 'note',
        text: `SMMU_CR0.DPT_WALK_EN enabled with an invalid SMMU_DPT_BASE_CFG: ${d.problems.join('; ')}; every DPT lookup is a DPT_WALK_FAULT at level 0, recorded in SMMU_DPT_CFG_FAR and SMMU_GERROR.DPT_ERR`,
        section: '3.24.4',
        severity: 'warning',
        code: 'dpt.config',
      });
    } else if (d.base !== d.written) {
      this.log({
        kind: 'note',
        text: `SMMU_DPT_BASE.BADDR ${hex(BigInt(d.written), 64)} is not aligned to the level 0 DPT (${d.alignment} bytes: 2^${(d.dptpsBits ?? 0) - (d.l0dptszBits ?? 0)} entries of 8 bytes, at least 4 KB): the SMMU treats the low bits as zero and reads level 0 from ${hex(BigInt(d.base), 64)}`,
        section: '6.3.46',
        severity: 'warning',
        code: 'dpt.alignment',
      });
    }
  }

  // --- transactions and stalls ---------------------------------------------------------------

  /** A device transaction (a DMA) through the SMMU. */
  translate(t: Transaction): TransactionResult {
    return withMpam(this, t, translate(this, t));
  }

  /**
   * A device's DMA transfer of `length` bytes: one transaction per 4 KB block (dma.ts), each
   * an ordinary transaction, an access through the device's ATC (`ats`) or a Translated one.
   */
  transfer(t: Transaction, length: number, payload?: Uint8Array, route: DmaRoute = 'untranslated'): DmaTransferResult {
    return dmaTransfer(this, t, length, payload, route);
  }

  /** A device access of `route` (an ordinary transaction, through ATS, or marked Translated). */
  access(t: Transaction, route: DmaRoute): TransactionResult {
    return route === 'ats'
      ? atsAccess(this, t).result
      : route === 'translated'
        ? translatedTransaction(this, t)
        : withMpam(this, t, translate(this, t));
  }

  /** An ATS Translation Request on its own (§3.9.1.2). */
  translationRequest(req: TranslationRequest): TranslationCompletion {
    return translationRequest(this, req);
  }

  /** A PRI Page Request from a device (§8). */
  pageRequest(req: PageRequest): PageRequestOutcome {
    return pageRequest(this, req);
  }

  /** Consume up to `limit` commands now (the step debugger; `autoConsume` off). */
  step(limit = 1): number {
    return consumeCommands(this, limit);
  }

  /** Park a faulting transaction; returns its STAG (§3.12.2). */
  stall(t: Transaction): number {
    const stag = this.nextStag;
    this.nextStag = (this.nextStag + 1) % 0x10000;
    // A Secure stream's StreamID is another namespace (§3.10.2): its stalls are kept apart, so a
    // Non-secure CMD_RESUME or CMD_STALL_TERM of the same StreamID does not reach them.
    this.stalled.set(`${t.secure ? 'S' : ''}${t.sid}:${stag}`, { t, stag });
    return stag;
  }

  /**
   * CMD_RESUME / CMD_STALL_TERM (§4.7.1, §4.7.2): retry or terminate stalled transactions. With
   * `secure` (SSec = 1, legal only on the Secure Command queue, §4.1.6) they name a Secure
   * StreamID, whose stalls are kept apart from the Non-secure ones of the same number (stall()).
   */
  resumeStalled(def: CommandDef, w: Uint32Array, secure = false): string {
    const field = (n: string) => {
      const f = def.fields.find((x) => x.name.toLowerCase() === n.toLowerCase());
      return f ? bits(w, f.msb, f.lsb) : 0;
    };
    const sid = field('StreamID');
    const stream = `${secure ? 'Secure ' : ''}StreamID ${sid}`;
    if (def.name.endsWith('STALL_TERM')) {
      let n = 0;
      for (const [k, s] of this.stalled) {
        if (s.t.sid !== sid || !!s.t.secure !== secure) continue;
        this.stalled.delete(k);
        n++;
      }
      return `${counted(n, 'stalled transaction')} of ${stream} terminated`;
    }
    const stag = field('STAG');
    const key = `${secure ? 'S' : ''}${sid}:${stag}`;
    const s = this.stalled.get(key);
    if (!s) return `no stalled transaction with ${stream} STAG ${stag}: the command has no effect (§4.7.1)`;
    this.stalled.delete(key);
    // Action (Ac): 1 = retry, 0 = terminate with an abort (§4.7.1).
    const retry = field('Ac') === 1;
    if (!retry) return `stalled transaction ${stream} STAG ${stag} terminated with an abort`;
    const r = this.translate(s.t);
    return `stalled transaction ${stream} STAG ${stag} retried: ${r.outcome}${'pa' in r ? ` → ${hex(r.pa, 64)}` : ''}`;
  }

  // --- state helpers -------------------------------------------------------------------------

  field(f: FieldRef): bigint {
    return get(this.smmu.value(f.reg), f);
  }

  /** A field as a number; fields within one 32-bit word are read straight from the register file. */
  fieldNum(f: FieldRef): number {
    if (f.word >= 0) {
      const v = (this.smmu.words[f.word] as number) >>> f.shift;
      return f.bits === 32 ? v : v & ((1 << f.bits) - 1);
    }
    return Number(get(this.smmu.value(f.reg), f));
  }

  /** SMMU_CR0ACK.SMMUEN (hot path). */
  smmuEnabled(): boolean {
    return this.fieldNum(F.SMMUEN) === 1;
  }

  /** True when GERROR.<name> != GERRORN.<name> (§6.3.19), or S_GERROR and S_GERRORN for `state` 'secure' (§6.3.67). */
  gerrorActive(bit: number, state: SecurityState = 'non-secure'): boolean {
    const w = this.smmu.words;
    const [g, n] = state === 'secure' ? [S_GERROR_WORD, S_GERRORN_WORD] : [GERROR_WORD, GERRORN_WORD];
    return ((((w[g] as number) ^ (w[n] as number)) >>> bit) & 1) === 1;
  }

  cmdqRunnable(): boolean {
    return this.fieldNum(F.CMDQEN) === 1 && !this.gerrorActive(0);
  }

  /** Base, size in use and entry size of a queue from its BASE register (§6.3.26, IDR1 caps). */
  geometry(q: QueueKind): QueueGeometry {
    const base = q === 'CMDQ' ? R.CMDQ_BASE : q === 'EVENTQ' ? R.EVENTQ_BASE : R.PRIQ_BASE;
    const v = this.smmu.value(base);
    // Every command statement and doorbell asks; the answer changes only with the BASE register.
    const cached = this.geometries[q];
    if (cached && cached.from === v) return cached.geometry;
    const geometry = this.computeGeometry(q, v);
    this.geometries[q] = { from: v, geometry };
    return geometry;
  }

  private geometries: { [K in QueueKind]?: { readonly from: bigint; readonly geometry: QueueGeometry } } = {};

  private computeGeometry(q: QueueKind, v: bigint): QueueGeometry {
    // §6.3.26: LOG2SIZE capped at IDR1, address bits below the queue size treated as zero
    // (structures/bases.ts); above OAS, truncated (§3.4.3).
    const { base, log2, entryBytes } = queueLayout(v, q, this.ids);
    // §6.3.2 REL: a preset queue base holds an offset from the SMMU's Page 0.
    const reg = q === 'CMDQ' ? R.CMDQ_BASE : q === 'EVENTQ' ? R.EVENTQ_BASE : R.PRIQ_BASE;
    const rel = presetRelativeOffset(this.config, this.ids, reg);
    return { base: (base + rel) % (POW2[this.oas] as number), log2, entryBytes };
  }

  // --- activity and errors -------------------------------------------------------------------

  /**
   * Record what the SMMU did. With `recording` off, only what scripts act on is kept: problems
   * (warnings, errors), event records, global errors and interrupts; fetches, consumed commands and notes
   * are dropped, and so is the cost of keeping them (checks of large scripts, benchmarks).
   */
  log(a: Omit<Activity, 'seq'>): void {
    this.seq++;
    const report = !!a.severity && a.severity !== 'info' && !!this.findings;
    const keep =
      this.recording ||
      (a.severity !== undefined && a.severity !== 'info') ||
      a.kind === 'event' ||
      a.kind === 'gerror' ||
      a.kind === 'command-error' ||
      a.kind === 'interrupt';
    if (keep) this.activity.push({ seq: this.seq, ...a, ...(report ? { reported: true } : {}) });
    if (report && (a.severity === 'error' || a.severity === 'warning')) {
      this.findings?.push({ severity: a.severity, code: a.code ?? a.kind, message: a.text, section: a.section ?? '3' });
    }
  }

  /**
   * Activate a global error by toggling its GERROR bit, if not already active (§7.5); with `state`
   * 'secure', in SMMU_S_GERROR, whose errors are the Secure interface's own (§3.10.2.1, §6.3.67).
   */
  raiseGlobalError(bit: number, name: string, why: string, section: string, state: SecurityState = 'non-secure'): void {
    if (this.gerrorActive(bit, state)) return;
    const q = interfaceOfState(state);
    this.smmu.setOwned(q.names.gerror, this.smmu.value(q.gerror) ^ (1n << BigInt(bit)));
    this.log({
      kind: 'gerror',
      text: `${q.names.gerror}.${name} activated: ${why}`,
      section,
      severity: bit === 0 ? 'error' : 'warning',
      code: `${q.names.gerror.toLowerCase()}.${name.toLowerCase()}`,
    });
    if (this.field(q.gerrorIrqen) === 1n) this.signal(q.names.gerror, q.gerrorIrqCfg0, q.gerrorIrqCfg1, 7, state);
  }

  /**
   * Raise a queue or GERROR interrupt (§3.18.2): a pulse on the source's wired output, and an MSI
   * of CFG1.DATA to CFG0.ADDR when MSIs are supported (IDR0.MSI) and ADDR is non-zero (§6.3.21).
   * Whether wired outputs exist beside MSIs is IMPLEMENTATION DEFINED (§3.18); this model has
   * them, so an enabled source always pulses its wired output, MSI or not (as CMD_SYNC's SIG_IRQ
   * does "regardless of the value of MSIAddress", §4.7.3). An aborted MSI write sets the matching
   * GERROR.MSI_*_ABT_ERR.
   */
  signal(
    source: InterruptSource,
    cfg0: RegisterDef,
    cfg1: RegisterDef,
    abortBit: number,
    state: SecurityState = 'non-secure',
  ): void {
    this.wiredInterrupt(source);
    const addr = Number(this.smmu.value(cfg0) & 0x00ff_ffff_ffff_fffcn);
    // The Secure sources' MSIs need SMMU_S_IDR0.MSI (§6.3.52).
    if (msiOf(state, this.ids) && addr !== 0)
      this.msiWrite(source, addr, Number(this.smmu.value(cfg1) & 0xffff_ffffn), abortBit, state);
  }

  /** A pulse on the wired interrupt output of `source` (§3.18.2: edge-triggered, no pending state). */
  wiredInterrupt(source: InterruptSource): void {
    this.log({
      kind: 'interrupt',
      text: `${source} wired interrupt asserted`,
      section: '3.18',
      interrupt: { source, how: 'wired' },
    });
  }

  /**
   * An MSI: a 32-bit write of `data` to `addr` (§3.18), truncated to the OAS (§3.4.3). An external
   * abort on it activates GERROR bit `abortBit` (MSI_CMDQ/EVENTQ/PRIQ/GERROR_ABT_ERR, §6.3.19).
   */
  msiWrite(
    source: InterruptSource,
    addr: number,
    data: number,
    abortBit: number,
    state: SecurityState = 'non-secure',
  ): void {
    const a = addr % (POW2[this.oas] as number);
    // §3.18: MSIs of Secure sources are Secure accesses to the Secure PA space.
    const what = `${source === 'CMD_SYNC' ? 'CMD_SYNC completion' : source === 'S_CMD_SYNC' ? 'Secure CMD_SYNC completion' : source} MSI${state === 'secure' ? ' (Secure PA space)' : ''}`;
    const mem = state === 'secure' ? this.memory.secureSpace() : this.memory;
    if (mem.isAbort(a, 4)) {
      this.log({
        kind: 'interrupt',
        text: `${what} write of ${hex(BigInt(data))} to ${hex(BigInt(a), 64)} aborted`,
        section: '3.18',
        address: BigInt(a),
        severity: 'warning',
        code: 'msi.abort',
        interrupt: { source, how: 'msi', address: BigInt(a), data, aborted: true },
      });
      // A GERROR MSI abort does not raise another GERROR interrupt (it would loop, §7.5).
      if (abortBit === 7) {
        const q = interfaceOfState(state);
        if (!this.gerrorActive(7, state)) this.smmu.setOwned(q.names.gerror, this.smmu.value(q.gerror) ^ (1n << 7n));
      } else
        this.raiseGlobalError(
          abortBit,
          MSI_ABORT_NAMES[abortBit] ?? 'MSI_ABT_ERR',
          `${what} to ${hex(BigInt(a), 64)} was aborted`,
          '7.5',
          state,
        );
      return;
    }
    mem.write32(a, data);
    this.log({
      kind: 'interrupt',
      text: `${what}: wrote ${hex(BigInt(data))} to ${hex(BigInt(a), 64)}`,
      section: '3.18',
      address: BigInt(a),
      interrupt: { source, how: 'msi', address: BigInt(a), data, aborted: false },
    });
  }
}

/** IDR5.OAS encoding to bits (§6.3.6). */
export function oasBits(code: number): number {
  return sizeBits(code) ?? 48;
}
