/**
 * A trace of what an emulated SMMU did, as records with their source positions. Produced by the
 * line-format parser (parse-line.ts) and the QEMU log parser (parse-qemu.ts); replayed against the
 * reference model by replay.ts.
 */
import type { Range, ScriptDiagnostic } from '../base/diagnostics';

/** An MMIO access the guest made and what the emulation answered. */
export interface AccessRecord {
  readonly kind: 'access';
  readonly dir: 'R' | 'W';
  /** Offset from the SMMU base (the trace's `base` already subtracted). */
  readonly offset: number;
  readonly size: 1 | 2 | 4 | 8;
  /** Value written, or value the emulation returned (undefined for an aborted read). */
  readonly value?: bigint;
  /** The emulation terminated the access with an abort. */
  readonly abort: boolean;
  /** The vCPU that made the access, when the trace says. */
  readonly vcpu?: number;
  /** 0-based line of the record. */
  readonly line: number;
  /** Where the value (or `abort`) is on the line: diagnostics about the value point there. */
  readonly valueRange: Range;
  /** The whole record. */
  readonly range: Range;
}

/** A guest memory write (queues and tables the SMMU reads), little-endian. */
export interface MemoryRecord {
  readonly kind: 'memory';
  readonly address: bigint;
  readonly size: 1 | 2 | 4 | 8;
  readonly value: bigint;
  readonly line: number;
  readonly range: Range;
  /** `secure` after the value: a write to the Secure PA space (§3.10); otherwise the Non-secure one. */
  readonly secure?: boolean;
}

/** A command the emulation says it consumed, as doublewords or (QEMU) by name only. */
export interface CommandRecord {
  readonly kind: 'command';
  readonly dwords?: readonly bigint[];
  readonly name?: string;
  /** QEMU's `smmuv3_cmdq_consume_error`: the CMDQ_CONS.ERR code it stopped the queue with (§7.1). */
  readonly error?: number;
  readonly line: number;
  readonly range: Range;
}

/** An event record the emulation says it wrote, as doublewords or (QEMU) by name and StreamID. */
export interface EventRecord {
  readonly kind: 'event';
  readonly dwords?: readonly bigint[];
  readonly name?: string;
  readonly sid?: number;
  readonly line: number;
  readonly range: Range;
}

/**
 * A translation the emulation reports (QEMU's `smmuv3_translate_*` events): a device's
 * transaction on a StreamID at an IOVA and what the SMMU did with it.
 */
export interface TranslationRecord {
  readonly kind: 'translation';
  /**
   * `translated` to `pa` (smmuv3_translate_success), `bypass` by the STE (Config = bypass),
   * `disabled`: passed through with SMMUEN = 0, `abort`: terminated without a translation fault
   * (an STE or GBPA abort; QEMU traces a faulting walk as smmuv3_record_event instead).
   */
  readonly outcome: 'translated' | 'bypass' | 'disabled' | 'abort';
  readonly sid: number;
  readonly iova: bigint;
  readonly pa?: bigint;
  /** QEMU's IOMMUAccessFlags of the page: bit 0 read, bit 1 write (translated only). */
  readonly perm?: number;
  /** The stage QEMU translated with (QEMU 9.1 on: 1, 2, or 3 for nested). */
  readonly stage?: number;
  /** The access was a write (QEMU prints is_write for bypass, disabled and abort). */
  readonly write?: boolean;
  /** The QEMU event the record comes from. */
  readonly event: string;
  readonly line: number;
  readonly range: Range;
}

export type TraceRecord = AccessRecord | MemoryRecord | CommandRecord | EventRecord | TranslationRecord;

export type TraceFormat = 'smmutrace' | 'qemu';

export interface ParsedTrace {
  readonly format: TraceFormat;
  readonly records: readonly TraceRecord[];
  /** Syntax problems, each at its line. Bad lines are skipped; the rest is still replayed. */
  readonly diagnostics: ScriptDiagnostic[];
  /** `config "FILE"` line, relative to the trace, with its range. */
  readonly config?: { readonly path: string; readonly range: Range };
  /** Lines that were neither records nor comments and were ignored (QEMU logs: other trace events). */
  readonly ignored: number;
}

/** A replay's finding, with the trace line it belongs to. */
export interface TraceDiagnostic extends ScriptDiagnostic {
  /** 0-based trace line. */
  readonly line: number;
}
