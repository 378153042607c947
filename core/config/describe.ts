/**
 * The reverse of loading: ID register values → readable features (hovers, summaries, the status
 * bar), and a short plain-text summary of a configuration.
 */
import { extractField, hex } from '../registers/codec';
import { findField, findRegister } from '../registers/table';
import type { IdRegisterValues, ResolvedConfig } from './types';
import {
  FEATURES,
  GRANULES,
  QUEUE_ENTRY_BYTES,
  VERSIONS,
  queueSizeText,
  versionName,
  type FeatureValue,
  type Version,
} from './features';
import { iidrFields, implementerText, linuxErrata, productText, type IidrFields } from './iidr';

export interface FeatureSummary {
  /** `"3.1"`, or undefined when AIDR holds an encoding this tool does not know. */
  readonly version?: Version;
  /** Every feature of the table by key, in the file's vocabulary. Reserved encodings read `"reserved (0bNN)"`. */
  readonly features: Readonly<Record<string, FeatureValue>>;
  readonly iidr: IidrFields;
}

function field(ids: IdRegisterValues, register: string, name: string): number | undefined {
  const reg = findRegister(register);
  const f = reg && findField(reg, name);
  const v = reg ? ids[reg.name] : undefined;
  return f && v !== undefined ? Number(extractField(BigInt(v), f)) : undefined;
}

const reserved = (x: number) => `reserved (0b${x.toString(2)})`;

/** Readable features of a set of ID register values (the inverse of the loader's deposit). */
export function featuresOf(ids: IdRegisterValues): FeatureSummary {
  const out: Record<string, FeatureValue> = {};
  for (const d of FEATURES) {
    const k = d.kind;
    if (k.type === 'granules') {
      out[d.key] = GRANULES.filter((g) => field(ids, d.register, k.fields[g]) === 1);
      continue;
    }
    const x = field(ids, d.register, d.field) ?? 0;
    switch (k.type) {
      case 'bool':
        out[d.key] = x !== 0;
        break;
      case 'int':
        out[d.key] = x;
        break;
      case 'enum':
        out[d.key] = k.choices.find((c) => c.encoding === x)?.name ?? reserved(x);
        break;
      case 'size':
        out[d.key] = k.choices.find((c) => c.encoding === x)?.bits ?? reserved(x);
        break;
    }
  }
  const major = field(ids, 'AIDR', 'ArchMajorRev') ?? 0;
  const minor = field(ids, 'AIDR', 'ArchMinorRev') ?? 0;
  return { version: major === 0 ? VERSIONS[minor] : undefined, features: out, iidr: iidrFields(ids.IIDR ?? 0) };
}

function stages(f: Readonly<Record<string, FeatureValue>>): string {
  const s1 = f.stage1 === true;
  const s2 = f.stage2 === true;
  if (s1 && s2) return `stage 1 and stage 2${f.hyp === true ? ', EL2 contexts' : ''}`;
  if (s1) return 'stage 1 only';
  if (s2) return 'stage 2 only';
  return 'no translation stage';
}

const TTF_TEXT: Readonly<Record<string, string>> = {
  aarch32: 'AArch32 LPAE',
  aarch64: 'AArch64',
  both: 'AArch32 LPAE and AArch64',
};
const ENDIAN_TEXT: Readonly<Record<string, string>> = {
  mixed: 'mixed-endian',
  le: 'little-endian only',
  be: 'big-endian only',
};

function queue(name: keyof typeof QUEUE_ENTRY_BYTES, log2: FeatureValue): string {
  return typeof log2 === 'number' ? queueSizeText(log2, QUEUE_ENTRY_BYTES[name]) : String(log2);
}

/** Boolean features that are on, by key, for the "Also:" line. */
const SHOWN_ELSEWHERE = new Set(['stage1', 'stage2', 'hyp', 'pri', 'cd2l']);

/** A short multi-line summary: stages, formats, queues in entries and bytes, SID/SSID, IIDR. */
export function describeConfig(config: ResolvedConfig): string {
  const { version, features: f, iidr } = featuresOf(config.ids);
  const lines: string[] = [];
  lines.push(
    `${config.name}: ${version ? `SMMUv${version}` : versionName(field(config.ids, 'AIDR', 'ArchMinorRev') ?? -1)} (AIDR ${hex(BigInt(config.ids.AIDR ?? 0))})`,
  );
  lines.push(
    `Translation: ${stages(f)}; tables ${TTF_TEXT[String(f.ttf)] ?? String(f.ttf)}, ${ENDIAN_TEXT[String(f.ttEndian)] ?? String(f.ttEndian)}; ` +
      `granules ${Array.isArray(f.granules) && f.granules.length ? f.granules.join(', ') : 'none'}; OAS ${String(f.oas)}-bit; VA ${String(f.vax)}-bit`,
  );
  const sid = typeof f.sidSize === 'number' ? f.sidSize : 0;
  const ssid = typeof f.ssidSize === 'number' ? f.ssidSize : 0;
  lines.push(
    `Streams: SIDSIZE ${sid} (${2 ** sid} StreamIDs), ${f.streamTable === '2-level' ? '2-level and linear' : String(f.streamTable)} stream table; ` +
      `SSIDSIZE ${ssid}${ssid ? ` (${2 ** ssid} SubstreamIDs)` : ' (no substreams)'}; CD tables ${f.cd2l === true ? '2-level and linear' : 'linear'}`,
  );
  lines.push(`Command queue: up to ${queue('CMDQS', f.cmdqSize)}`);
  lines.push(`Event queue: up to ${queue('EVENTQS', f.eventqSize)}`);
  lines.push(`PRI queue: ${f.pri === true ? `up to ${queue('PRIQS', f.priqSize)}` : 'none (no PRI)'}`);
  const on = FEATURES.filter((d) => d.kind.type === 'bool' && f[d.key] === true && !SHOWN_ELSEWHERE.has(d.key)).map(
    (d) => d.field,
  );
  const extra = [
    ...(f.httu !== 'none' ? [`HTTU=${String(f.httu)}`] : []),
    ...(typeof f.bbml === 'number' && f.bbml > 0 ? [`BBML${f.bbml}`] : []),
    `stall model ${String(f.stallModel)}`,
    `terminate model ${String(f.termModel)}`,
  ];
  lines.push(`Also: ${[...on, ...extra].join(', ')}`);
  const errata = linuxErrata(iidr);
  lines.push(
    `IIDR ${hex(BigInt(config.ids.IIDR ?? 0))}: implementer ${implementerText(iidr.implementer)}, ${productText(iidr)}, variant ${iidr.variant}, revision ${iidr.revision}` +
      (errata.length ? `; Linux ${errata.join('; ')}` : ''),
  );
  return lines.join('\n');
}
