/**
 * `smmu inspect --gdb HOST:PORT|--qmp HOST:PORT [--base ADDR] [--config F] [--timeout S] [--json]`:
 * read a running QEMU's SMMU through its gdbstub or its monitor (QMP) and print it decoded and
 * checked (docs/inspect.md).
 * Exit 0 when nothing breaks a rule, 1 on an error found, 2 when the SMMU could not be read
 * (usage, connection, a stub that is not QEMU's).
 */
import { VIRT_SMMU_BASE } from '../../core/guest/ops';
import { inspectLive, type Finding, type Inspection, type SteReading } from '../../core/inspect/live';
import { hex, symbolic } from '../../core/registers/codec';
import { formatStructure, type DecodedStructure } from '../../core/structures/decode-words';
import { counted, severityCounts } from '../../core/text/plural';
import { idDifferences } from '../../core/qemu/judge';
import { ID_REGISTERS } from '../../core/qemu/compile';
import { parseGdbAddress } from '../gdb/address';
import { GdbError } from '../gdb/client';
import { openLiveSmmu } from '../gdb/live-smmu';
import type { LiveTarget } from '../live-target';
import { parseQmpAddress } from '../qmp/address';
import { QmpError } from '../qmp/client';
import { openQmpSmmu } from '../qmp/live-qmp';
import { configOption } from './commands';
import type { Options } from './options';

const USAGE =
  'usage: smmu inspect --gdb HOST:PORT|--qmp HOST:PORT [--base ADDR] [--config FILE] [--timeout S] [--json]\n';
const DEFAULT_TIMEOUT_S = 10;

const h = (v: bigint | number) => '0x' + v.toString(16).toUpperCase().padStart(8, '0');

const STATE_TEXT: Record<LiveTarget['state'], string> = {
  'stopped-by-us': 'the guest was running: it was stopped to be read and continued afterwards',
  'was-stopped': 'the guest was stopped and was left stopped',
  running: 'the guest was running and was read while it ran (QMP does not stop it)',
};

/** ID registers that differ from --config's: the live SMMU is read by what it advertises. */
function idFindings(
  i: Inspection,
  configIds: Readonly<Partial<Record<(typeof ID_REGISTERS)[number], number>>>,
): Finding[] {
  return ID_REGISTERS.flatMap((name) => {
    const live = i.registers.find((r) => r.def.name === name)?.value;
    const want = configIds[name];
    if (live === undefined || want === undefined || BigInt(want) === live) return [];
    return [
      {
        severity: 'info' as const,
        code: 'inspect.ids',
        message: `the live ID registers differ from the configuration (${idDifferences(name, want, Number(live))}): the live values are used`,
      },
    ];
  });
}

function findingLine(f: Finding): string {
  const sev = f.severity === 'info' ? 'note' : f.severity;
  return `${sev}: ${f.message} [${f.code}]${f.section ? ` (§${f.section})` : ''}`;
}

function printText(where: string, base: bigint, live: LiveTarget, i: Inspection, findings: readonly Finding[]): void {
  const out: string[] = [];
  out.push(`${where}: ${STATE_TEXT[live.state]}`);
  out.push(
    `SMMU at ${h(base)}; guest RAM ${live.ram ? live.ram.map((r) => `${h(r.start)}..${h(r.end - 1n)}`).join(', ') : `unknown (${live.ramUnknown ?? 'not given'}): structures were not checked against it`}`,
  );
  out.push('registers:');
  for (const r of i.registers)
    out.push(
      `  ${r.def.name.padEnd(18)} ${r.value === undefined ? `unreadable: ${r.error ?? ''}` : `${hex(r.value, r.def.width).padEnd(20)} ${symbolic(r.def, r.value)}`}`,
    );
  for (const q of i.queues) {
    const what = q.queue === 'CMDQ' ? 'pending' : 'unread';
    out.push(
      `${q.queue}: ${counted(2 ** q.log2, 'entry', 'entries')} at ${h(q.base)}, PROD ${h(q.prod)}, CONS ${h(q.cons)}: ${q.waiting} ${what}`,
    );
    for (const e of q.entries) {
      out.push(`  [${e.index & (2 ** q.log2 - 1)}] ${h(e.address)}  ${e.text}`);
      for (const p of e.problems) out.push(`      ! ${p}`);
    }
  }
  if (i.streamTable) {
    const t = i.streamTable;
    out.push(
      `Stream table (fields that are 0 are not shown): ${t.twoLevel ? `2-level (SPLIT ${t.split})` : 'linear'} at ${h(t.address)}, ${counted(2 ** t.log2, 'StreamID')}: ${counted(i.stes.length, 'valid STE')}`,
    );
    for (const run of sameSteRuns(i.stes)) {
      const [s, last] = [run[0]!, run[run.length - 1]!];
      out.push(
        run.length === 1
          ? `  STE ${s.sid} at ${h(s.address)}: ${s.summary}`
          : `  STE ${s.sid}..${last.sid} at ${h(s.address)}..${h(last.address)}: ${s.summary}, ${run.length} identical STEs`,
      );
      out.push(...indent(formatStructure(nonZero(s.decoded)), 4));
    }
  }
  if (i.cds.length) {
    out.push('Context descriptors:');
    for (const c of i.cds) {
      out.push(
        `  StreamID ${c.sid} SSID ${c.ssid} at ${h(c.address)}${c.ipa !== undefined ? ` (IPA ${h(c.ipa)}, through stage 2)` : ''}`,
      );
      out.push(...indent(formatStructure(nonZero(c.decoded)), 4));
    }
  }
  if (i.tables.length) {
    out.push('Translation tables:');
    for (const t of i.tables) {
      out.push(
        `  ${t.owner}: table at ${t.nested ? 'IPA ' : ''}${h(t.ttb)}, ${t.granule} KB granule, ${t.inputBits}-bit input, ${counted(t.pages, 'page')} read: ${counted(t.runs.length, 'mapping')}${t.nested ? ' to IPAs (nested)' : ''}${t.truncated ? ' (limit reached)' : ''}`,
      );
      for (const r of t.runs)
        out.push(`    ${h(r.ia)}..${h(r.ia + r.size - 1n)} → ${h(r.oa)} ${r.perms} (${sizeText(r.size)})`);
    }
  }
  for (const f of findings) out.push(findingLine(f));
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  out.push(
    `${severityCounts(errors, warnings, findings.length - errors - warnings)}; ${i.bytesRead} bytes of guest memory read`,
  );
  process.stdout.write(out.join('\n') + '\n');
}

/**
 * Consecutive StreamIDs whose STEs are the same 64 bytes, as runs: a driver fills a level 2 array
 * with one STE (Linux: 255 abort STEs around the one of a device), which the text prints once.
 */
function sameSteRuns(stes: readonly SteReading[]): SteReading[][] {
  const runs: SteReading[][] = [];
  for (const s of stes) {
    const run = runs[runs.length - 1];
    const prev = run?.[run.length - 1];
    if (run && prev && prev.sid + 1 === s.sid && prev.words.every((w, k) => w === s.words[k])) run.push(s);
    else runs.push([s]);
  }
  return runs;
}

/** A structure's fields that are not 0 (the text output; --json has them all). */
function nonZero(d: DecodedStructure): DecodedStructure {
  return { ...d, fields: d.fields.filter((f) => f.value !== 0n) };
}

function sizeText(n: bigint): string {
  for (const [unit, k] of [
    ['GB', 30n],
    ['MB', 20n],
    ['KB', 10n],
  ] as const)
    if (n >= 1n << k && n % (1n << k) === 0n) return `${n >> k} ${unit}`;
  return `${n} bytes`;
}

function indent(text: string, n: number): string[] {
  return text.split('\n').map((l) => ' '.repeat(n) + l);
}

function json(where: string, base: bigint, live: LiveTarget, i: Inspection, findings: readonly Finding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  return JSON.stringify(
    {
      [live.kind]: where,
      target: live.state,
      base,
      ram: live.ram ?? null,
      ...(live.ramUnknown ? { ramUnknown: live.ramUnknown } : {}),
      registers: i.registers.map((r) => ({
        name: r.def.name,
        offset: r.offset,
        width: r.def.width,
        ...(r.value !== undefined ? { value: hex(r.value, r.def.width) } : { error: r.error }),
        ...(r.decoded
          ? {
              fields: Object.fromEntries(
                r.decoded.fields.map((f) => [f.field.name, f.enumValue ? f.enumValue.name : f.value]),
              ),
            }
          : {}),
      })),
      queues: i.queues,
      streamTable: i.streamTable ?? null,
      stes: i.stes.map(({ words: _w, ...s }) => s),
      cds: i.cds.map(({ words: _w, ...c }) => c),
      tables: i.tables,
      findings,
      summary: { errors, warnings, notes: findings.length - errors - warnings, bytesRead: i.bytesRead },
    },
    (_k, v: unknown) => (typeof v === 'bigint' ? hex(v, 64) : v),
    2,
  );
}

export async function runInspect(o: Options): Promise<number> {
  if ((!o.gdb && !o.qmp) || (o.gdb && o.qmp) || o.positional.length) {
    const why = o.positional.length
      ? 'takes no operands'
      : o.gdb
        ? 'give --gdb or --qmp, not both'
        : '--gdb HOST:PORT or --qmp HOST:PORT is required';
    process.stderr.write(`smmu inspect: ${why}\n${USAGE}`);
    return 2;
  }
  const gdb = o.gdb !== undefined ? parseGdbAddress(o.gdb) : undefined;
  const qmp = o.qmp !== undefined ? parseQmpAddress(o.qmp) : undefined;
  const address = gdb ?? qmp;
  if (typeof address === 'string' || address === undefined) {
    process.stderr.write(`smmu inspect: ${address}\n${USAGE}`);
    return 2;
  }
  const loaded = o.config ? configOption('inspect', o.config) : undefined;
  if (o.config && !loaded) return 2;
  const base = o.base === undefined ? VIRT_SMMU_BASE : parseInspectBase(o.base);
  if (typeof base === 'string') {
    process.stderr.write(`smmu inspect: ${base}\n${USAGE}`);
    return 2;
  }
  const timeoutMs = (o.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000;
  let live: LiveTarget;
  try {
    live =
      gdb !== undefined && typeof gdb !== 'string'
        ? await openLiveSmmu({ ...gdb, base, timeoutMs })
        : await openQmpSmmu({ address, base, timeoutMs });
  } catch (e) {
    if (!(e instanceof GdbError) && !(e instanceof QmpError)) throw e;
    process.stderr.write(`smmu inspect: ${e.message}\n`);
    return 2;
  }
  const where = live.where;
  let inspection: Inspection;
  try {
    inspection = await inspectLive(live.reader, live.ram ? { ram: live.ram } : {});
  } catch (e) {
    await live.close();
    if (!(e instanceof GdbError) && !(e instanceof QmpError)) throw e;
    process.stderr.write(`smmu inspect: ${e.message}\n`);
    return 2;
  }
  await live.close();
  const findings = loaded
    ? [...idFindings(inspection, loaded.config.ids), ...inspection.findings]
    : inspection.findings;
  if (o.json) process.stdout.write(json(where, base, live, inspection, findings) + '\n');
  else printText(where, base, live, inspection, findings);
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

/** `--base`: the SMMU's page 0, word-aligned, with room for both 64 KiB pages below 2^64. */
function parseInspectBase(value: string): bigint | string {
  // At least one digit: BigInt('0x') throws.
  if (!/^(0x[0-9a-f][0-9a-f_]*|[0-9][0-9_]*)$/i.test(value))
    return `--base ${value}: give the SMMU's physical address (0x09050000)`;
  const base = BigInt(value.replace(/_/g, ''));
  if (base % 4n !== 0n || base + 0x2_0000n > 1n << 64n)
    return `--base ${value}: give a word-aligned physical address with room for the SMMU's two 64 KiB pages`;
  return base;
}
