/**
 * Decode any structure the SMMU reads or writes from the 64-bit words a log or dump prints
 * (first doubleword first, each as a number): commands, event records, PRI requests, STEs, CDs
 * and L1 descriptors. One entry point for the CLI's `smmu decode`, hovers and queue dumps.
 */
import { decodeCommand, type CommandQueueSecurity } from '../commands/codec';
import { decodeEvent } from '../events/codec';
import { PRI_REQUEST } from '../events/table';
import { fieldValue, reservedRuns, type Words } from '../layout/access';
import type { LayoutDef } from '../layout/types';
import type { IdView } from '../registers/codec';
import { CD, checkCd, type CdCheckOptions } from '../structures/cd';
import { L1CD, L1STD } from '../structures/l1';
import { checkSte, STE } from '../structures/ste';
import { counted } from '../text/plural';

export type StructureKind = 'cmd' | 'event' | 'pri' | 'ste' | 'cd' | 'l1std' | 'l1cd';

export const STRUCTURE_KINDS: readonly StructureKind[] = ['cmd', 'event', 'pri', 'ste', 'cd', 'l1std', 'l1cd'];

export interface DecodedStructureField {
  readonly name: string;
  readonly msb: number;
  readonly lsb: number;
  readonly value: bigint;
  readonly meaning?: string;
}

export interface DecodedStructure {
  readonly title: string;
  readonly section: string;
  readonly fields: readonly DecodedStructureField[];
  /** Reserved bits set, ILLEGAL reasons, CERROR_ILL reasons. */
  readonly problems: readonly string[];
}

const SIZES: Record<StructureKind, number> = { cmd: 2, event: 4, pri: 2, ste: 8, cd: 8, l1std: 1, l1cd: 1 };

/** 64-bit words to the 32-bit little-endian words the tables read. */
function toWords(dwords: readonly bigint[], n: number): number[] {
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = dwords[i] ?? 0n;
    w.push(Number(d & 0xffff_ffffn), Number((d >> 32n) & 0xffff_ffffn));
  }
  return w;
}

function layoutFields(def: LayoutDef, w: Words): DecodedStructureField[] {
  return def.fields.map((f) => {
    const value = fieldValue(w, f);
    const e = f.values?.find((x) => BigInt(x.value) === value);
    return { name: f.name, msb: f.msb, lsb: f.lsb, value, ...(e ? { meaning: e.name } : {}) };
  });
}

function res0(def: LayoutDef, w: Words): string[] {
  return reservedRuns(def, w).map(([m, l]) => `RES0 bit${m === l ? ` ${m}` : `s [${m}:${l}]`} set`);
}

export function decodeStructure(
  kind: StructureKind,
  dwords: readonly bigint[],
  ids?: IdView,
  /** A CD is judged as the STE that located it sees it (checkCd's `ste`). */
  cdOptions?: CdCheckOptions,
  /** A command is checked as the queue it is read from takes it (§4.1.6: SSec on the Secure one). */
  commandQueue?: CommandQueueSecurity,
): DecodedStructure | string {
  const n = SIZES[kind];
  if (dwords.length > n) return `a ${kind} is ${counted(n, 'doubleword')} (${n * 64} bits); got ${dwords.length}`;
  if (dwords.some((d) => d < 0n || d >= 1n << 64n)) return 'each value is a 64-bit doubleword';
  const w = toWords(dwords, n);
  switch (kind) {
    case 'cmd': {
      const d = decodeCommand(w, ids, commandQueue ? { queue: commandQueue } : {});
      if (!d.def)
        return {
          title: `opcode 0x${d.opcode.toString(16).toUpperCase()}`,
          section: '4.1.1',
          fields: [],
          problems: d.problems.map((p) => p.message),
        };
      return {
        title: d.def.name,
        section: d.def.section,
        fields: d.fields.map((f) => ({
          name: f.field.name,
          msb: f.field.msb,
          lsb: f.field.lsb,
          value: f.value,
          ...(f.enumValue ? { meaning: f.enumValue.name } : {}),
        })),
        problems: d.problems.map((p) => `${p.message}${p.ill ? ' (CERROR_ILL)' : ''}`),
      };
    }
    case 'event': {
      const d = decodeEvent(w);
      if (!d.def)
        return {
          title: `event 0x${d.id.toString(16).toUpperCase()}`,
          section: '7.3',
          fields: [],
          problems: [d.id >= 0xe0 && d.id <= 0xef ? 'IMPLEMENTATION DEFINED event' : 'unknown event number'],
        };
      return {
        title: d.def.name,
        section: d.def.section,
        fields: d.fields.map((f) => ({
          name: f.field.name,
          msb: f.field.msb,
          lsb: f.field.lsb,
          value: f.value,
          ...(f.enumValue ? { meaning: f.enumValue.name } : {}),
        })),
        problems: d.reservedRuns.map(([m, l]) => `RES0 bit${m === l ? ` ${m}` : `s [${m}:${l}]`} set`),
      };
    }
    case 'ste':
    case 'cd': {
      const def = kind === 'ste' ? STE : CD;
      const v = ids ? (kind === 'ste' ? checkSte(w, ids) : checkCd(w, ids, cdOptions)) : undefined;
      const problems = [
        ...res0(def, w),
        ...(v && !v.valid ? ['V is 0: invalid'] : []),
        ...(v?.illegal.map((p) => `ILLEGAL: ${p.message} (§${p.section})`) ?? []),
      ];
      return { title: def.name, section: def.section, fields: layoutFields(def, w), problems };
    }
    default: {
      const def = kind === 'pri' ? PRI_REQUEST : kind === 'l1std' ? L1STD : L1CD;
      return { title: def.name, section: def.section, fields: layoutFields(def, w), problems: res0(def, w) };
    }
  }
}

/** Text form: one field a line, like the register decoder's. */
export function formatStructure(d: DecodedStructure): string {
  const hex = (v: bigint) => '0x' + v.toString(16).toUpperCase();
  const lines = [`${d.title} (§${d.section})`];
  for (const f of d.fields)
    lines.push(
      `  ${f.name}[${f.msb === f.lsb ? f.msb : `${f.msb}:${f.lsb}`}] = ${f.msb === f.lsb ? f.value.toString() : hex(f.value)}${f.meaning ? ` (${f.meaning})` : ''}`,
    );
  for (const p of d.problems) lines.push(`  ! ${p}`);
  return lines.join('\n');
}
