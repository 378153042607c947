/**
 * Markdown descriptions of registers, fields and decoded values, derived from the table. Used by
 * hovers, the decode command, the CLI and the generated register reference (docs/registers.md).
 */
import { bitRanges, decode, describeFeature, hex, numberText, type Decoded, type IdView } from './codec';
import { definedMask, fieldMask } from './table';
import { pageOf, type Behaviour, type FieldDef, type RegisterDef } from './types';

export function bitsText(f: FieldDef): string {
  return f.msb === f.lsb ? `[${f.lsb}]` : `[${f.msb}:${f.lsb}]`;
}

export function offsetText(reg: RegisterDef): string {
  if (reg.page === 'vatos')
    return `VATOS page + 0x${(reg.offset - 0x20000).toString(16).toUpperCase().padStart(4, '0')} (page at 0x20000 + SMMU_IDR2.BA_VATOS × 64 KB)`;
  const off =
    '0x' +
    reg.offset
      .toString(16)
      .toUpperCase()
      .padStart(reg.offset >= 0x10000 ? 5 : 4, '0');
  return pageOf(reg.offset) === 1 ? `${off} (page 1)` : `${off} (page 0)`;
}

/**
 * The register's reset value. Where the register as a whole resets to an UNKNOWN or IMPLEMENTATION
 * DEFINED value, the fields with an architected reset say so: PRIQ_PROD resets UNKNOWN except
 * OVFLG, which resets to 0 (§6.3.97).
 */
export function resetText(reg: RegisterDef): string {
  if (typeof reg.reset === 'bigint') return hex(reg.reset, reg.width);
  const whole = reg.reset === 'UNKNOWN' ? 'UNKNOWN' : 'IMPLEMENTATION DEFINED';
  const fixed = reg.fields.filter((f) => f.reset !== undefined).map((f) => `${f.name} resets to ${f.reset}`);
  return fixed.length ? `${whole} (${fixed.join(', ')})` : whole;
}

export function behaviourText(b: Behaviour): string {
  switch (b.kind) {
    case 'store':
      return 'Read/write storage of the implemented fields.';
    case 'id':
      return 'Identification: value set by the configuration, constant after reset.';
    case 'status':
      return 'Owned by the SMMU; writes are ignored.';
    case 'acked':
      return `Each implemented field is acknowledged in SMMU_${b.ack} once its Update completes; unimplemented fields are RES0 and never acknowledged.`;
    case 'ack':
      return `Acknowledgement of SMMU_${b.of}; read-only.`;
    case 'errorAck':
      return `Acknowledges SMMU_${b.of}: an error is active while the two bits differ; software toggles its bit here to match.`;
    case 'updateHandshake':
      return `Written whole in one 32-bit write with Update = 1; Update reads 1 until the new values apply${b.ignoredWithout ? ', and a write with Update = 0 is IGNORED' : ''}.`;
    case 'queueBase':
      return `${b.queue} base: LOG2SIZE reads back as written but is capped at SMMU_${b.maxLog2.register}.${b.maxLog2.field} for use.`;
    case 'queueIndex':
      return `${b.queue} ${b.role} index: bits [QS-1:0] index, bit [QS] wrap flag (QS = LOG2SIZE); written by ${b.producer === 'software' ? 'software' : 'the SMMU'}.`;
    case 'streamTableConfig':
      return `Stream table format, SPLIT and LOG2SIZE (capped at SMMU_${b.sidSize.register}.${b.sidSize.field} for use).`;
    case 'clearOnly':
      return `Written by the SMMU; a write is ignored unless it clears ${b.field}, which clears the whole register.`;
  }
}

/** The layout a field belongs to (FieldDef.when), as the tables print it. */
function layoutText(f: FieldDef): string {
  return f.when ? ` *(when ${f.when.field} == ${f.when.equals})*` : '';
}

/** RES0 bits: for a register of several layouts (SMMU_GATOS_PAR), layout by layout. */
function res0Text(reg: RegisterDef): string {
  const all = (1n << BigInt(reg.width)) - 1n;
  const layouts = [
    ...new Map(reg.fields.flatMap((f) => (f.when ? [[`${f.when.field}=${f.when.equals}`, f.when]] : []))).values(),
  ];
  if (!layouts.length) {
    const res0 = ~definedMask(reg) & all;
    return res0 === 0n ? '' : `RES0: ${bitRanges(res0)}`;
  }
  return layouts
    .map((w) => {
      const used = reg.fields
        .filter((f) => !f.when || (f.when.field === w.field && f.when.equals === w.equals))
        .reduce((m, f) => m | fieldMask(f), 0n);
      return `RES0 when ${w.field} == ${w.equals}: ${bitRanges(~used & all)}`;
    })
    .join('; ');
}

function fieldRow(f: FieldDef): string {
  const cond = (f.requires ? ` *(if ${describeFeature(f.requires)})*` : '') + layoutText(f);
  const guard = f.guardedBy ? ` *Guarded by ${f.guardedBy.map((g) => `${g.register}.${g.field}`).join(', ')}.*` : '';
  const enums = f.values?.length ? ' ' + f.values.map((e) => `\`${e.value}\` ${e.name}`).join(', ') : '';
  return `| ${bitsText(f)} | ${f.name} | ${f.description}${cond}${guard}${enums} |`;
}

/** Hover text for a register name. */
export function registerMarkdown(reg: RegisterDef): string {
  const lines = [
    `**SMMU_${reg.name}** — ${reg.summary}`,
    '',
    `Offset \`${offsetText(reg)}\` · ${reg.width}-bit · ${reg.access} · reset ${resetText(reg)} · §${reg.section}`,
  ];
  if (reg.aliases?.length) lines.push('', `Also known as: ${reg.aliases.join(', ')}`);
  if (reg.requires) lines.push('', `Implemented only if ${describeFeature(reg.requires)}.`);
  if (reg.guardedBy?.length)
    lines.push(
      '',
      `Guarded by ${reg.guardedBy.map((g) => `SMMU_${g.register}.${g.field}`).join(', ')}: writes are ignored while it is 1.`,
    );
  if (reg.fixedBy)
    lines.push(
      '',
      `Read-only when ${describeFeature(reg.fixedBy)}: it then holds IMPLEMENTATION DEFINED values, which a configuration gives in \`presetBases\`.`,
    );
  lines.push('', behaviourText(reg.behaviour));
  if (reg.fields.length) {
    lines.push('', '| Bits | Field | Meaning |', '|---|---|---|');
    // One layout after the other (FieldDef.when), then the fields all layouts share; high bits first.
    const layout = (f: FieldDef) => (f.when ? f.when.equals : Number.MAX_SAFE_INTEGER);
    for (const f of [...reg.fields].sort((a, b) => layout(a) - layout(b) || b.lsb - a.lsb)) lines.push(fieldRow(f));
    const res0 = res0Text(reg);
    if (res0) lines.push('', res0);
  }
  return lines.join('\n');
}

/** Hover text for a field. */
export function fieldMarkdown(reg: RegisterDef, f: FieldDef): string {
  const lines = [`**SMMU_${reg.name}.${f.name}** ${bitsText(f)} — ${f.description}`, '', `§${reg.section}`];
  if (f.requires) lines.push('', `Exists only if ${describeFeature(f.requires)}; otherwise RES0.`);
  if (f.when) lines.push('', `Part of the layout used when ${f.when.field} == ${f.when.equals}.`);
  if (f.values?.length) {
    lines.push('', '| Value | Name | Meaning |', '|---|---|---|');
    for (const e of f.values) lines.push(`| ${e.value} | ${e.name} | ${e.description ?? ''} |`);
  }
  return lines.join('\n');
}

/** Markdown decode of a value, field by field. */
export function decodedMarkdown(d: Decoded): string {
  const lines = [
    `**SMMU_${d.reg.name}** = \`${hex(d.value, d.reg.width)}\` (§${d.reg.section})`,
    '',
    '| Bits | Field | Value | |',
    '|---|---|---|---|',
  ];
  for (const x of d.fields) {
    const fieldValue =
      x.field.msb - x.field.lsb + 1 > 8 ? '0x' + x.value.toString(16).toUpperCase() : x.value.toString();
    // An address field shows the address it encodes; its own value is the note.
    const v = x.address !== undefined ? numberText(x.address) : fieldValue;
    let note =
      x.address !== undefined
        ? `address (field value ${fieldValue})`
        : x.enumValue
          ? x.enumValue.name
          : x.reservedEncoding
            ? '**reserved encoding**'
            : '';
    if (x.unadvertised && x.value !== 0n && x.field.requires)
      note += ` **RES0: ${describeFeature(x.field.requires)} not advertised**`;
    lines.push(`| ${bitsText(x.field)} | ${x.field.name} | ${v} | ${note.trim()} |`);
  }
  if (d.reservedBits !== 0n) lines.push('', `**RES0 bits set: ${bitRanges(d.reservedBits)}**`);
  return lines.join('\n');
}

export function decodeMarkdown(reg: RegisterDef, value: bigint, ids?: IdView): string {
  return decodedMarkdown(decode(reg, value, ids));
}
