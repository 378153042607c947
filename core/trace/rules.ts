/**
 * Every rule trace replay reports, with its code, the severity it has and why. docs/trace-replay.md
 * lists the same codes (test/project/trace-docs.test.ts keeps the two in step).
 *
 * Severity follows the architecture: `error` is behaviour the architecture forbids (a violation);
 * `warning` is CONSTRAINED UNPREDICTABLE or IMPLEMENTATION DEFINED behaviour where the emulation
 * picked an allowed choice other than the model's (the message names the allowed choices); `info`
 * explains a difference that is allowed and needs no choice (an Update still in progress).
 */
import type { Severity } from '../model/access';

export interface TraceRule {
  readonly code: string;
  readonly severity: Severity | 'error or warning';
  readonly section: string;
  readonly summary: string;
}

export const TRACE_RULES: readonly TraceRule[] = [
  {
    code: 'trace.syntax',
    severity: 'error',
    section: '',
    summary: 'a line that is not a record of the trace format; it is skipped',
  },
  {
    code: 'trace.memory-limit',
    severity: 'error',
    section: '',
    summary:
      'the memory records wrote more distinct 4 KB pages of guest memory than the model may hold (256 MiB); the replay stops at that record',
  },
  {
    code: 'trace.window',
    severity: 'info',
    section: '',
    summary:
      "a line after the streamed replay's look ahead (the first 10,000 lines) that would have changed what was decided from it: a first read of an ID register the inferred configuration took as 0, the first memory record, a QEMU event in a line-format trace",
  },
  {
    code: 'trace.capped',
    severity: 'info',
    section: '',
    summary:
      'in the editor: how many more diagnostics of a code were not shown (the first 100 of each are) and the line of the last; `smmu replay` counts them all',
  },
  {
    code: 'trace.cancelled',
    severity: 'info',
    section: '',
    summary:
      'in the editor: the user cancelled the background check of a long trace; the diagnostics shown are those found before the line it names, the lines after it were not checked',
  },
  { code: 'trace.config-late', severity: 'error', section: '', summary: '`config` after the first record' },
  {
    code: 'trace.format',
    severity: 'info',
    section: '',
    summary:
      "a line of a QEMU bookkeeping event that matches none of the formats of QEMU's hw/arm/trace-events (qemu-events.ts); not replayed anyway",
  },
  {
    code: 'trace.unknown-event',
    severity: 'info',
    section: '',
    summary: 'an smmuv3_*/smmu_* event not in the table of QEMU events (said once per event); its lines are ignored',
  },
  {
    code: 'trace.config',
    severity: 'error or warning',
    section: '6.3.1',
    summary:
      'the configuration could not be loaded, or what the configuration rules say about the ID register values the trace read',
  },
  {
    code: 'replay.id',
    severity: 'error',
    section: '6.2',
    summary:
      'an ID register read differs from the configuration, or from its first read: ID registers hold constant values after reset',
  },
  {
    code: 'replay.res0-bits',
    severity: 'error',
    section: '6.2',
    summary: 'a read returned 1 in a reserved bit of a defined register: reserved bits are RES0 and read as zero',
  },
  {
    code: 'replay.ack-unadvertised',
    severity: 'error',
    section: '6.3.10',
    summary: 'CR0ACK or IRQ_CTRLACK acknowledges a field whose feature the ID registers do not advertise',
  },
  {
    code: 'replay.unadvertised-field',
    severity: 'error',
    section: '6.3',
    summary: 'a read returned non-zero in a field that is RES0 because its feature is not advertised',
  },
  {
    code: 'replay.ack-pending',
    severity: 'info',
    section: '6.3.9',
    summary:
      'an ACK (or GBPA.Update) still shows the state before the last write: the Update has not completed yet, which is allowed',
  },
  {
    code: 'replay.guarded',
    severity: 'error or warning',
    section: '6.2',
    summary:
      'the emulation took a write to a Guarded register while its guard was 1: IGNORED in SMMUv3.2 and later (error), CONSTRAINED UNPREDICTABLE in SMMUv3.0/3.1 (warning)',
  },
  {
    code: 'replay.owned',
    severity: 'error',
    section: '6.3.27',
    summary:
      'an SMMU-owned register (CMDQ_CONS, EVENTQ_PROD, PRIQ_PROD, GERROR, STATUSR) read a value no SMMU could produce: bits outside the index and wrap flag, a consumer past the producer, an index going backwards, a flag other than its architected reset value before its queue was ever enabled (PRIQ_PROD.OVFLG, §6.3.97)',
  },
  {
    code: 'replay.unknown-reset',
    severity: 'info',
    section: '6.3',
    summary:
      "a register whose reset value is UNKNOWN was read before it was written: any value is allowed; the model takes the emulation's",
  },
  {
    code: 'replay.value',
    severity: 'error',
    section: '6.3',
    summary: 'a read returned a value the model does not, field by field, with the line that last wrote the register',
  },
  {
    code: 'replay.abort',
    severity: 'error',
    section: '6.2',
    summary:
      'the emulation aborted an access the architecture requires to complete: a defined register, an undefined page-0 location (RES0), or a reserved page-0 offset of a page-1 register (alias or RAZ/WI)',
  },
  {
    code: 'replay.res0-location',
    severity: 'error',
    section: '6.2',
    summary:
      'a read of an undefined location returned non-zero (and, where an alias is allowed, not the aliased register either)',
  },
  {
    code: 'replay.alias',
    severity: 'warning',
    section: '6.2',
    summary: 'CONSTRAINED UNPREDICTABLE: the emulation aliases page 0 and page 1 where the model is RAZ/WI (allowed)',
  },
  {
    code: 'replay.unpredictable',
    severity: 'warning',
    section: '6.2',
    summary:
      "CONSTRAINED UNPREDICTABLE: an illegal access (unsupported size, unaligned, 64-bit over two 32-bit registers) answered by an allowed choice other than the model's",
  },
  {
    code: 'replay.beyond',
    severity: 'info',
    section: '6.1',
    summary:
      'an access beyond page 0 and page 1, in no page the configuration advertises (VATOS, Command queue control pages); not compared',
  },
  {
    code: 'replay.not-modelled',
    severity: 'info',
    section: '6.2.1',
    summary:
      'an access to a register the configuration advertises but the model does not implement (SMMU_GATOS_*, SMMU_DPT_*, …, core/registers/not-modelled.ts); not compared',
  },
  {
    code: 'replay.command',
    severity: 'error or warning',
    section: '4.1',
    summary:
      "a command record the emulation consumed that is CERROR_ILL, or (with guest memory) not the next command the model consumed, or QEMU's smmuv3_cmdq_consume_error with a code that is not a CMDQ_CONS.ERR code (error); a command name the table does not know, or an error reported with code 0, CERROR_NONE (warning)",
  },
  {
    code: 'replay.translation',
    severity: 'error',
    section: '',
    summary:
      "a translation the emulation reports (QEMU's smmuv3_translate_*) that the model's walk, on guest memory the trace showed, does differently: another PA, a fault, a bypass or an abort where the other did not, a pass-through with SMMUEN = 1",
  },
  {
    code: 'replay.translation-unchecked',
    severity: 'info',
    section: '',
    summary:
      'a translation the model cannot check: its walk reads guest memory the trace does not show (said once per StreamID; the summary counts them all)',
  },
  {
    code: 'replay.event',
    severity: 'error or warning',
    section: '7.3',
    summary:
      'an event record with a Reserved event number or RES0 bits set (error), or an event name the table does not know (warning)',
  },
  {
    code: 'mvcpu.reordered',
    severity: 'info',
    section: '6.2',
    summary:
      "a read that differs from the trace order is explained by another vCPU's access taking effect in a different order",
  },
  {
    code: 'mvcpu.torn',
    severity: 'warning',
    section: '6.2',
    summary:
      'a 64-bit read whose halves come from two different writes: it is IMPLEMENTATION DEFINED whether 64-bit accesses are single-copy atomic',
  },
  {
    code: 'mvcpu.mixed',
    severity: 'error',
    section: '6.2',
    summary: "a 32-bit word that mixes bits of two writers' values: aligned 32-bit accesses are single-copy atomic",
  },
  {
    code: 'mvcpu.window',
    severity: 'info',
    section: '6.2',
    summary:
      "the streamed replay judged a multi-vCPU read without all its window: 16,384 lines after the read, or with changes older than the 20,000 it keeps per register; or a second vCPU appeared after reads were judged as one vCPU's",
  },
  {
    code: 'mvcpu.unserializable',
    severity: 'error',
    section: '6.2',
    summary: 'a read in a multi-vCPU trace that no serial order of the writes can explain',
  },
];

export function findTraceRule(code: string): TraceRule | undefined {
  return TRACE_RULES.find((r) => r.code === code);
}
