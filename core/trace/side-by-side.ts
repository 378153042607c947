/**
 * The emulation's value and the model's, decoded field by field side by side (hovers on trace
 * lines). Pure text from the register table; the language server wraps it in a hover. The
 * replay's findings on the line are not repeated here: they are the line's diagnostics, which
 * editors show in the same hover (VS Code above this text).
 */
import { decode, hex, bitRanges, type IdView } from '../registers/codec';
import { widthMask } from '../registers/table';
import type { LineReplay } from './replay';

const MASK32 = 0xffff_ffffn;

function cell(v: bigint, bits: number): string {
  return bits > 4 ? '0x' + v.toString(16).toUpperCase() : String(v);
}

/** Markdown for one access line: header, then a Field | Emulation | Model table, differing rows marked. */
export function sideBySideMarkdown(l: LineReplay, ids: IdView): string {
  const r = l.record;
  const width = r.size === 8 ? 64 : 32;
  const show = (v: LineReplay['emulation'] | LineReplay['model']) =>
    v === 'abort' ? 'abort' : v === 'any' ? 'any (CONSTRAINED UNPREDICTABLE)' : hex(v, width);
  const what = `${r.dir === 'R' ? 'Read' : 'Write'} of ${r.size * 8} bits at ${hex(BigInt(r.offset))}${r.vcpu !== undefined ? ` by vCPU ${r.vcpu}` : ''}`;
  const lines: string[] = [];
  const reg = l.register;
  lines.push(
    reg
      ? `**SMMU_${reg.name}**${l.byte ? ' (high half)' : ''} (§${reg.section}) — ${what}`
      : l.arrayRegister
        ? `**SMMU_${l.arrayRegister}**${l.byte ? ' (high half)' : ''} — ${what}`
        : `**${hex(BigInt(r.offset))}**: no register — ${what}`,
  );
  lines.push('');
  if (r.dir === 'W') {
    lines.push(
      `Written: \`${r.value === undefined ? '?' : hex(r.value, width)}\`${r.abort ? ' (the emulation aborted the write)' : ''}`,
    );
    if (reg && r.value !== undefined) {
      const shift = BigInt(l.byte * 8);
      const mask = r.size === 8 ? widthMask(reg) : (MASK32 << shift) & widthMask(reg);
      const d = decode(reg, (r.value << shift) & mask, ids);
      lines.push('', '| Field | Written |', '|---|---|');
      for (const f of d.fields) {
        const fm = ((1n << BigInt(f.field.msb - f.field.lsb + 1)) - 1n) << BigInt(f.field.lsb);
        if ((fm & mask) === 0n) continue;
        lines.push(
          `| ${f.field.name}[${f.field.msb === f.field.lsb ? f.field.lsb : `${f.field.msb}:${f.field.lsb}`}] | ${cell(f.value, f.field.msb - f.field.lsb + 1)}${f.enumValue ? ` ${f.enumValue.name}` : ''}${f.unadvertised && f.value !== 0n ? ' ⚠ not advertised' : ''} |`,
        );
      }
      if (d.reservedBits !== 0n) lines.push(`| RES0 ${bitRanges(d.reservedBits)} | set |`);
    }
  } else {
    lines.push(
      `| | Emulation | Model |`,
      `|---|---|---|`,
      `| value | \`${show(l.emulation)}\` | \`${show(l.model)}\` |`,
    );
    if (reg && typeof l.emulation === 'bigint') {
      const shift = BigInt(l.byte * 8);
      const mask = r.size === 8 ? widthMask(reg) : (MASK32 << shift) & widthMask(reg);
      const e = decode(reg, (l.emulation << shift) & mask, ids);
      const m = typeof l.model === 'bigint' ? decode(reg, (l.model << shift) & mask, ids) : undefined;
      for (const f of e.fields) {
        const fm = ((1n << BigInt(f.field.msb - f.field.lsb + 1)) - 1n) << BigInt(f.field.lsb);
        if ((fm & mask) === 0n) continue;
        const mf = m?.fields.find((x) => x.field === f.field);
        const bits = f.field.msb - f.field.lsb + 1;
        const ev = `${cell(f.value, bits)}${f.enumValue ? ` ${f.enumValue.name}` : ''}${f.unadvertised && f.value !== 0n ? ' ⚠ not advertised' : ''}`;
        const mv = mf ? `${cell(mf.value, bits)}${mf.enumValue ? ` ${mf.enumValue.name}` : ''}` : '—';
        const differs = mf && mf.value !== f.value;
        const name = `${f.field.name}[${f.field.msb === f.field.lsb ? f.field.lsb : `${f.field.msb}:${f.field.lsb}`}]`;
        lines.push(`| ${differs ? '**≠** ' : ''}${name} | ${ev} | ${mv} |`);
      }
      if (e.reservedBits !== 0n) lines.push(`| **≠** RES0 ${bitRanges(e.reservedBits)} | set | 0 |`);
    }
  }
  return lines.join('\n');
}
