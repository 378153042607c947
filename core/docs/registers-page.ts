/**
 * docs/registers.md: every register of the table with its offset, access, reset, behaviour and
 * fields, one `## NAME` section a register (the Registers view's "Reveal in Docs" opens it there).
 * Generated from the register table like the other reference pages.
 */
import { offsetText, registerMarkdown } from '../registers/describe';
import { ARRAY_REGISTERS, type ArrayRegisterDef } from '../registers/ecmdq';
import { UNMODELLED_FEATURES } from '../registers/not-modelled';
import { REGISTERS } from '../registers/table';

const NOTE = '<!-- Generated from the tables in core/ by scripts/gen-docs.mjs: do not edit by hand. -->';

export function registersMarkdown(): string {
  const index = REGISTERS.map((r) => `| \`${offsetText(r)}\` | [${r.name}](#${r.name.toLowerCase()}) | ${r.width} | ${r.access} | ${r.summary} (§${r.section}) |`);
  return [
    NOTE,
    '# Registers',
    '',
    'The Non-secure page 0, page 1 and VATOS page registers the model implements (§6), in offset order (the VATOS page last: SMMU_IDR2.BA_VATOS places it), as the register table in `core/registers/` declares them. Bits outside every field are RES0 (§6.2). `smmu decode REG VALUE` decodes a value field by field.',
    '',
    '| Offset | Register | Bits | Access | What it holds |',
    '|---|---|---|---|---|',
    ...index,
    '',
    ...REGISTERS.map((r) => `## ${r.name}\n\n${registerMarkdown(r)}\n`),
    ...arraysSection(),
    ...notModelledSection(),
  ].join('\n');
}

/**
 * The Enhanced Command queue registers (core/registers/ecmdq.ts, §3.5.6): arrays whose number
 * SMMU_IDR6 gives, so they are not rows of the table above.
 */
function arraysSection(): string[] {
  const where = (r: ArrayRegisterDef) =>
    r.block === 'page0' ? `${h4(r.offset)} + 32 × n` : `control page + ${h4(r.offset)} (+ 64 KB / 2^LOG2NUMQ × queue)`;
  const bits = (f: { msb: number; lsb: number }) => (f.msb === f.lsb ? `[${f.msb}]` : `[${f.msb}:${f.lsb}]`);
  return [
    '## Enhanced Command queue registers',
    '',
    'With SMMU_IDR1.ECMDQ, one SMMU_CMDQ_CONTROL_PAGE_BASE/CFG/STATUS triple per Command queue control page (2^SMMU_IDR6.CMDQ_CONTROL_PAGE_LOG2NUMP of them) and one SMMU_ECMDQ_BASE/PROD/CONS triple per ECMDQ (2^CMDQ_CONTROL_PAGE_LOG2NUMQ per page), at the offsets §6.2.5 and §6.3.49–§6.3.51 give; where the model puts the pages and what the SMMU does with the queues is in [engine.md](engine.md#enhanced-command-queues-356).',
    '',
    '| Offset | Register | Bits | Access | What it holds |',
    '|---|---|---|---|---|',
    ...ARRAY_REGISTERS.map(
      (r) => `| \`${where(r)}\` | \`${r.name}<n>\` | ${r.width} | ${r.access} | ${r.summary} (§${r.section}) |`,
    ),
    '',
    ...ARRAY_REGISTERS.flatMap((r) => [
      `**\`SMMU_${r.name}<n>\`** (§${r.section})`,
      '',
      '| Bits | Field | Meaning |',
      '|---|---|---|',
      ...r.fields.map((f) => `| ${bits(f)} | ${f.name} | ${f.description} |`),
      '',
    ]),
  ];
}

const h4 = (n: number) => '0x' + n.toString(16).toUpperCase().padStart(4, '0');

/**
 * The registers of the architecture's page 0 the model does not implement, with the feature that
 * brings them (core/registers/not-modelled.ts): their offsets read as zero and ignore writes, and
 * an access there is reported as `register.not-modelled` when the feature is advertised.
 */
function notModelledSection(): string[] {
  const rows = UNMODELLED_FEATURES.flatMap((f) => f.registers.map((r) => ({ f, r })))
    .sort((a, b) => a.r.offset - b.r.offset)
    .map(({ f, r }) => {
      const where = r.count ? `${h4(r.offset)} + ${r.stride} × n, n < ${r.count}` : h4(r.offset);
      return `| \`${where}\` | \`${r.name}\` | ${r.width} | §${r.section} | SMMU_${f.field.register}.${f.field.field} |`;
    });
  return [
    '## Not modelled',
    '',
    'Registers of Non-secure page 0 that exist when their feature is advertised, and that this model does not implement: an access there reads as zero, ignores writes and is reported (`register.not-modelled`; `register.unimplemented` when the configuration does not advertise the feature), and a configuration that advertises the feature gets a `config.not-modelled-…` error until it accepts it with a reason (docs/configuration.md). The Secure registers of features the model does not implement, the Realm registers, the CoreSight identification registers (0x0FD0–0x0FFC) and the IMPLEMENTATION DEFINED ranges are not modelled either: they read as zero as undefined locations do. What the model does instead, feature by feature, is in [engine.md](engine.md#not-modelled).',
    '',
    // Since SMMU_S_AGBPA (§6.3.64) is modelled, no feature the model knows brings such a register.
    ...(rows.length
      ? ['| Offset | Register | Bits | Section | Present when |', '|---|---|---|---|---|', ...rows]
      : ['None at present: every such register of a feature in that list is implemented.']),
    '',
  ];
}
