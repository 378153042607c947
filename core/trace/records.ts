/**
 * Command and event records a trace says the emulation consumed or wrote, checked against the
 * command and event tables (§4, §7.3). With doublewords they are decoded and checked in full;
 * QEMU's log gives names only, which must at least be ones the architecture defines.
 */
import { CERROR, decodeCommand } from '../commands/codec';
import { findCommand } from '../commands/table';
import { decodeEvent } from '../events/codec';
import { findEvent, isImpdefEvent } from '../events/table';
import type { IdView } from '../registers/codec';
import type { CommandRecord, EventRecord } from './types';

export interface RecordProblem {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly section: string;
}

/** 64-bit doublewords to the little-endian 32-bit words the tables read. */
export function wordsOf(dwords: readonly bigint[]): number[] {
  return dwords.flatMap((d) => [Number(d & 0xffff_ffffn), Number((d >> 32n) & 0xffff_ffffn)]);
}

export function checkCommandRecord(rec: CommandRecord, ids: IdView): RecordProblem[] {
  if (rec.dwords) {
    const d = decodeCommand(wordsOf(rec.dwords), ids);
    const name = d.def?.name ?? `opcode 0x${d.opcode.toString(16).toUpperCase()}`;
    return d.problems.map((p) =>
      p.ill
        ? {
            severity: 'error' as const,
            message: `the emulation consumed ${name}, but ${p.message}: the SMMU must stop with CMDQ_CONS.ERR = CERROR_ILL and GERROR.CMDQ_ERR, leaving CMDQ_CONS.RD at this command (§7.1)`,
            section: p.section,
          }
        : { severity: 'warning' as const, message: `${name}: ${p.message}`, section: p.section },
    );
  }
  const n = (rec.name ?? '').replace(/^SMMU_/, '');
  const problems: RecordProblem[] = [];
  // QEMU names an opcode it has no name for UNKNOWN or INVALID (smmu_cmd_string): with CERROR_ILL that is right.
  const unnamed = rec.error === CERROR_ILL && (n === 'UNKNOWN' || n === 'INVALID');
  if (!findCommand(n) && !unnamed)
    problems.push({
      severity: 'warning',
      message: `command '${rec.name ?? ''}' is not a command the architecture defines for the Non-secure command queue`,
      section: '4.1.1',
    });
  if (rec.error !== undefined && !CERROR_NAMES[rec.error])
    problems.push({
      severity: 'error',
      message: `the emulation stopped the command queue with error code ${rec.error}, which is not a CMDQ_CONS.ERR code (${Object.entries(
        CERROR_NAMES,
      )
        .map(([c, name]) => `${c} ${name}`)
        .join(', ')})`,
      section: '7.1',
    });
  else if (rec.error === 0)
    problems.push({
      severity: 'warning',
      message: `the emulation reports an error on ${rec.name ?? 'a command'} with code 0, CERROR_NONE: no error`,
      section: '7.1',
    });
  return problems;
}

/** CMDQ_CONS.ERR codes by value (§7.1, commands/codec.ts); QEMU's SMMUCmdError enum has the same values. */
const CERROR_ILL = CERROR.ILL;
const CERROR_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(CERROR).map(([name, code]) => [code, `CERROR_${name}`]),
);

export function checkEventRecord(rec: EventRecord): RecordProblem[] {
  if (rec.dwords) {
    const d = decodeEvent(wordsOf(rec.dwords));
    if (!d.def) {
      if (isImpdefEvent(d.id)) return [];
      return [
        {
          severity: 'error',
          message: `event number 0x${d.id.toString(16).toUpperCase()} is Reserved: an SMMU never writes it`,
          section: '7.3',
        },
      ];
    }
    return d.reservedRuns.map(([m, l]) => ({
      severity: 'error' as const,
      message: `${d.def?.name ?? 'event'} has RES0 bit${m === l ? ` ${m}` : `s [${m}:${l}]`} set`,
      section: '7.3',
    }));
  }
  const n = (rec.name ?? '').replace(/^(SMMU_)?EVT_/, '');
  if (!findEvent(n))
    return [
      {
        severity: 'warning',
        message: `event '${rec.name ?? ''}' is not an event the architecture defines`,
        section: '7.3',
      },
    ];
  return [];
}
