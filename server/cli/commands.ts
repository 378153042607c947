/** The `smmu` commands: decode, check, run. Output formats are stable for CI and problem matchers. */
import * as path from 'path';
import { loadConfig } from '../../core/config/load';
import { DEFAULT_CONFIG } from '../../core/config/presets';
import type { ResolvedConfig } from '../../core/config/types';
import { formatDecoded, hex, type Decoded } from '../../core/registers/codec';
import { bitsText } from '../../core/registers/describe';
import { checkQueueFile } from '../../core/queue-file/check';
import { checkScript } from '../../core/script/check';
import { splitLines } from '../../core/script/lexer';
import { checkTrace } from '../../core/trace/check';
import { decodeValue } from '../../core/script/decode-value';
import type { Observation } from '../../core/script/interpreter';
import { decodeStructure, formatStructure, STRUCTURE_KINDS, type StructureKind } from '../../core/structures/decode-words';
import { idViewOf } from '../../core/model/ids';
import type { Options } from './main';
import { fileHost } from '../file-host';

const host = fileHost;

interface Reported {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  readonly range: { readonly start: { readonly line: number; readonly character: number } };
}

/** gcc-style: `file:line:col: severity: message [code]` (1-based line and column). */
function gcc(file: string, d: Reported): string {
  const sev = d.severity === 'info' ? 'note' : d.severity;
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${sev}: ${d.message} [${d.code}]`;
}

function readConfigOption(file: string | undefined): ResolvedConfig | string {
  if (!file) return DEFAULT_CONFIG;
  const text = host.readFile(file);
  if (text === undefined) return `cannot read configuration ${file}`;
  const loaded = loadConfig(text);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !loaded.config) return errors.map((d) => gcc(file, d)).join('\n') || `${file}: not a configuration`;
  return loaded.config;
}

function decodedJson(d: Decoded) {
  return {
    register: `SMMU_${d.reg.name}`,
    offset: d.reg.offset,
    value: hex(d.value, d.reg.width),
    fields: d.fields.map((f) => ({
      name: f.field.name,
      bits: bitsText(f.field),
      value: Number(f.value) <= Number.MAX_SAFE_INTEGER ? Number(f.value) : f.value.toString(),
      ...(f.enumValue ? { meaning: f.enumValue.name } : {}),
      ...(f.reservedEncoding ? { reservedEncoding: true } : {}),
      ...(f.unadvertised ? { unadvertised: true } : {}),
    })),
    reservedBits: hex(d.reservedBits, d.reg.width),
  };
}

/** `smmu decode cmd|event|pri|ste|cd|l1std|l1cd DWORD...`: 64-bit words, first doubleword first. */
function decodeStructureCommand(kind: StructureKind, values: readonly string[], config: ResolvedConfig, json: boolean): number {
  const dwords: bigint[] = [];
  for (const v of values) {
    // At least one digit: BigInt('0x') throws, and BigInt('') of `_` would be a silent 0.
    if (!/^(0x_*[0-9a-f][0-9a-f_]*|_*[0-9][0-9_]*)$/i.test(v)) {
      process.stderr.write(`smmu decode: '${v}' is not a number (give 64-bit doublewords, first one first)\n`);
      return 2;
    }
    dwords.push(BigInt(v.replace(/_/g, '')));
  }
  const d = decodeStructure(kind, dwords, idViewOf(config));
  if (typeof d === 'string') {
    process.stderr.write(`smmu decode: ${d}\n`);
    return 2;
  }
  process.stdout.write((json ? JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? hex(v) : v), 2) : formatStructure(d)) + '\n');
  return 0;
}

export function runDecode(o: Options): number {
  if (o.positional.length < 2) {
    process.stderr.write('usage: smmu decode REG VALUE [--config FILE] [--json]\n       smmu decode cmd|event|pri|ste|cd|l1std|l1cd DWORD... [--config FILE] [--json]\n');
    return 2;
  }
  const [register, ...rest] = o.positional;
  const config = readConfigOption(o.config);
  if (typeof config === 'string') {
    process.stderr.write(config + '\n');
    return 2;
  }
  if ((STRUCTURE_KINDS as readonly string[]).includes(register.toLowerCase())) return decodeStructureCommand(register.toLowerCase() as StructureKind, rest, config, o.json);
  const outcome = decodeValue(register, rest.join(' '), config);
  if (outcome.error !== undefined) {
    process.stderr.write(`smmu decode: ${outcome.error}\n`);
    return 2;
  }
  process.stdout.write((o.json ? JSON.stringify(decodedJson(outcome.decoded), null, 2) : formatDecoded(outcome.decoded)) + '\n');
  return 0;
}

export function runCheck(o: Options): number {
  if (!o.positional.length) {
    process.stderr.write('usage: smmu check FILE... [--json]   (.smmu scripts, .smmuq queue descriptors, *.smmu.json configurations)\n');
    return 2;
  }
  let errors = 0;
  let warnings = 0;
  const json: { file: string; diagnostics: Reported[] }[] = [];
  for (const file of o.positional) {
    let diagnostics: Reported[];
    const text = host.readFile(file);
    if (text === undefined) {
      diagnostics = [{ severity: 'error', code: 'file.unreadable', message: `cannot read ${file}`, range: { start: { line: 0, character: 0 } } }];
    } else if (file.endsWith('.json')) {
      diagnostics = [...loadConfig(text).diagnostics];
    } else if (file.endsWith('.smmutrace')) {
      diagnostics = [...checkTrace(text, path.resolve(file), host, { configPath: o.config && path.resolve(o.config) }).diagnostics];
    } else if (file.endsWith('.smmuq')) {
      diagnostics = checkQueueFile(text, path.resolve(file), host).diagnostics;
    } else {
      diagnostics = checkScript(text, path.resolve(file), host, 'full', { configPath: o.config }).diagnostics;
    }
    errors += diagnostics.filter((d) => d.severity === 'error').length;
    warnings += diagnostics.filter((d) => d.severity === 'warning').length;
    if (o.json) json.push({ file, diagnostics });
    else for (const d of diagnostics) process.stdout.write(gcc(file, d) + '\n');
  }
  if (o.json) process.stdout.write(JSON.stringify({ files: json, errors, warnings }, null, 2) + '\n');
  else process.stderr.write(`${o.positional.length} file${o.positional.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  return errors ? 1 : 0;
}

/**
 * `--trace`: each executed line with what it did, then what the SMMU did in response (commands
 * consumed, structures fetched, events, interrupts), indented under it.
 */
function printTrace(file: string, text: string, observations: readonly Observation[]): void {
  // The parser's lines (a lone \r ends one too), so each observation shows its own line.
  const lines = splitLines(text);
  for (const x of observations) {
    const src = (lines[x.line] ?? '').trim();
    let what = '';
    if (x.kind === 'read') what = ` → ${hex(x.value, x.value > 0xffff_ffffn ? 64 : 32)}${x.ok ? '' : ' (abort)'}`;
    else if (x.summary) what = ` → ${x.summary}`;
    process.stdout.write(`${file}:${x.line + 1}: ${src}${what}\n`);
    for (const a of x.activity ?? []) process.stdout.write(`    ${a.kind.padEnd(13)} ${a.text}${a.section ? ` (§${a.section})` : ''}\n`);
  }
}

export function runScriptCommand(o: Options): number {
  if (o.positional.length !== 1) {
    process.stderr.write('usage: smmu run SCRIPT [--config FILE] [--json] [--trace]\n');
    return 2;
  }
  const file = o.positional[0];
  const text = host.readFile(file);
  if (text === undefined) {
    process.stderr.write(`smmu run: cannot read ${file}\n`);
    return 2;
  }
  const result = checkScript(text, path.resolve(file), host, 'full', { configPath: o.config && path.resolve(o.config), trace: o.trace });
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
  const reads = result.run?.observations.filter((x) => x.kind === 'read').length ?? 0;
  const writes = result.run?.observations.filter((x) => x.kind === 'write').length ?? 0;
  const failed = result.run?.failedExpectations ?? 0;
  const expectations = result.resolved.statements.filter((s) => s.kind !== 'include' && s.expect).length;
  const configName = result.configPath ? `${result.config.name} (${path.relative(process.cwd(), result.configPath) || result.configPath})` : `${result.config.name} (built-in default)`;
  if (o.json) {
    process.stdout.write(
      JSON.stringify(
        {
          file,
          config: configName,
          diagnostics: result.diagnostics,
          observations: (result.run?.observations ?? []).map((x) => ({
            line: x.line + 1,
            kind: x.kind,
            ...(x.register ? { register: x.register } : {}),
            ...(x.kind !== 'action' ? { value: hex(x.value, x.value > 0xffff_ffffn ? 64 : 32) } : {}),
            ok: x.ok,
            ...(x.summary ? { summary: x.summary } : {}),
            ...(o.trace && x.activity ? { activity: x.activity.map((a) => ({ kind: a.kind, text: a.text, ...(a.section ? { section: a.section } : {}) })) } : {}),
          })),
          summary: { reads, writes, expectations, failedExpectations: failed, errors, warnings },
        },
        (_k, v: unknown) => (typeof v === 'bigint' ? hex(v, 64) : v),
        2,
      ) + '\n',
    );
  } else {
    process.stdout.write(`configuration: ${configName}\n`);
    if (o.trace) printTrace(file, text, result.run?.observations ?? []);
    for (const d of result.diagnostics) process.stdout.write(gcc(file, d) + '\n');
    process.stdout.write(`${reads} reads, ${writes} writes, ${expectations - failed}/${expectations} expectations met, ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  }
  return errors ? 1 : 0;
}
