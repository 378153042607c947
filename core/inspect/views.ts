/**
 * An Inspection of a live SMMU (live.ts) as the debugger's variables (core/debug/views.ts's
 * VarNode): what the debug adapter's attach session shows in its scopes. Read-only: nothing here
 * is settable, since an attach never writes to the guest (docs/inspect.md).
 */
import type { ScopeView, VarNode } from '../debug/views';
import { hex, symbolic } from '../registers/codec';
import { bitsText } from '../registers/describe';
import type { DecodedStructure } from '../structures/decode-words';
import { counted } from '../text/plural';
import type { Inspection, QueueReading, RegisterReading } from './live';

const h = (v: bigint | number) => '0x' + v.toString(16).toUpperCase();
const fieldText = (v: bigint, name?: string) => `${v > 9n ? h(v) : v.toString()}${name ? ` (${name})` : ''}`;

function registerNode(r: RegisterReading): VarNode {
  const def = r.def;
  const type = `SMMU_${def.name} @ ${h(r.offset)} (§${def.section})`;
  if (r.value === undefined) return { name: def.name, value: `unreadable: ${r.error ?? ''}`, type };
  const decoded = r.decoded;
  return {
    name: def.name,
    value: `${hex(r.value, def.width)}  ${symbolic(def, r.value)}`,
    type,
    evaluateName: def.name,
    ...(decoded && decoded.fields.length
      ? {
          children: () =>
            decoded.fields.map((f) => ({
              name: f.field.name,
              value:
                fieldText(f.address ?? f.value, f.enumValue?.name) +
                (f.unadvertised ? ' [not advertised]' : f.reservedEncoding ? ' [reserved encoding]' : ''),
              type: `[${bitsText(f.field)}] ${f.field.description}`,
              evaluateName: `${def.name}.${f.field.name}`,
            })),
        }
      : {}),
  };
}

function structureChildren(d: DecodedStructure): VarNode[] {
  return [
    ...d.fields.map((f) => ({
      name: f.name,
      value: fieldText(f.value, f.meaning),
      type: `[${f.msb === f.lsb ? f.msb : `${f.msb}:${f.lsb}`}] (§${d.section})`,
    })),
    ...d.problems.map((p, k) => ({ name: `problem ${k + 1}`, value: p })),
  ];
}

function queueNodes(i: Inspection, q: QueueReading | undefined, name: 'CMDQ' | 'EVENTQ'): VarNode[] {
  const regs = i.registers.filter((r) => [`${name}_BASE`, `${name}_PROD`, `${name}_CONS`].includes(r.def.name));
  if (!q)
    return [...regs.map(registerNode), { name: 'entries', value: 'not read (the queue registers are unreadable)' }];
  const what = name === 'CMDQ' ? 'pending command' : 'unread record';
  return [
    ...regs.map(registerNode),
    {
      name: name === 'CMDQ' ? 'pending' : 'unread',
      value: `${counted(q.waiting, what)} between CONS ${h(q.cons)} and PROD ${h(q.prod)} (${counted(2 ** q.log2, 'entry', 'entries')} at ${h(q.base)})`,
      memoryReference: h(q.base),
    },
    ...q.entries.map((e) => ({
      name: `[${e.index & (2 ** q.log2 - 1)}]`,
      value: e.text + (e.problems.length ? `  (${e.problems.join('; ')})` : ''),
      memoryReference: h(e.address),
    })),
  ];
}

function streamTableNodes(i: Inspection): VarNode[] {
  const t = i.streamTable;
  if (!t)
    return [{ name: 'Stream table', value: 'none set up (SMMU_STRTAB_BASE is 0 and SMMUEN is 0, or unreadable)' }];
  return [
    {
      name: 'layout',
      value: `${t.twoLevel ? `2-level (SPLIT ${t.split})` : 'linear'} at ${h(t.address)}, ${counted(2 ** t.log2, 'StreamID')}: ${counted(i.stes.length, 'valid STE')}`,
      memoryReference: h(t.address),
    },
    ...i.stes.map((s) => ({
      name: `STE ${s.sid}`,
      value: s.summary,
      memoryReference: h(s.address),
      children: () => [
        ...structureChildren(s.decoded),
        ...i.cds
          .filter((c) => c.sid === s.sid)
          .map((c) => ({
            name: `CD SSID ${c.ssid}`,
            value: `at ${h(c.address)}${c.ipa !== undefined ? ` (IPA ${h(c.ipa)}, through stage 2)` : ''}`,
            memoryReference: h(c.address),
            children: () => structureChildren(c.decoded),
          })),
        ...i.tables
          .filter((t) => t.owner.startsWith(`StreamID ${s.sid} `))
          .map((t) => ({
            name: t.owner.replace(`StreamID ${s.sid} `, ''),
            value: `table at ${t.nested ? 'IPA ' : ''}${h(t.ttb)}, ${t.granule} KB granule, ${t.inputBits}-bit input: ${counted(t.runs.length, 'mapping')}${t.nested ? ' to IPAs (nested)' : ''}${t.truncated ? ' (limit reached)' : ''}`,
            memoryReference: h(t.ttb),
            children: () =>
              t.runs.map((r) => ({
                name: `${h(r.ia)}..${h(r.ia + r.size - 1n)}`,
                value: `→ ${h(r.oa)} ${r.perms}`,
              })),
          })),
      ],
    })),
  ];
}

/** The scopes of an attach session: the live SMMU's registers, queues, Stream table and findings. */
export function inspectionScopes(i: Inspection): ScopeView[] {
  const page0 = i.registers.filter((r) => r.offset < 0x10000);
  const page1 = i.registers.filter((r) => r.offset >= 0x10000 && r.def.page !== 'vatos');
  // The VATOS page (§6.2.3), at 0x20000 + SMMU_IDR2.BA_VATOS × 64 KB, when the SMMU has one.
  const vatos = i.registers.filter((r) => r.def.page === 'vatos');
  const queue = (n: 'CMDQ' | 'EVENTQ') => i.queues.find((q) => q.queue === n);
  return [
    {
      name: 'Registers (page 0)',
      expensive: false,
      presentationHint: 'registers',
      node: { name: 'page 0', value: '', children: () => page0.map(registerNode) },
    },
    {
      name: 'Registers (page 1)',
      expensive: false,
      presentationHint: 'registers',
      node: { name: 'page 1', value: '', children: () => page1.map(registerNode) },
    },
    ...(vatos.length
      ? [
          {
            name: 'Registers (VATOS page)',
            expensive: false,
            presentationHint: 'registers' as const,
            node: { name: 'VATOS page', value: '', children: () => vatos.map(registerNode) },
          },
        ]
      : []),
    {
      name: 'Command queue',
      expensive: false,
      node: { name: 'CMDQ', value: '', children: () => queueNodes(i, queue('CMDQ'), 'CMDQ') },
    },
    {
      name: 'Event queue',
      expensive: false,
      node: { name: 'EVENTQ', value: '', children: () => queueNodes(i, queue('EVENTQ'), 'EVENTQ') },
    },
    { name: 'Stream table', expensive: false, node: { name: 'STEs', value: '', children: () => streamTableNodes(i) } },
    {
      name: 'Findings',
      expensive: false,
      node: {
        name: 'findings',
        value: '',
        children: () =>
          i.findings.length
            ? i.findings.map((f, k) => ({
                name: `${k + 1} ${f.severity === 'info' ? 'note' : f.severity}`,
                value: `${f.message} [${f.code}]${f.section ? ` (§${f.section})` : ''}`,
              }))
            : [{ name: 'none', value: 'no rule is broken' }],
      },
    },
  ];
}
