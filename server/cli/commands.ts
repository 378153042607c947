/** The `smmu` commands: decode, check, run. Output formats are stable for CI and problem matchers (docs/cli.md). */
import * as path from 'path';
import { blockingErrors, loadConfig } from '../../core/config/load';
import { DEFAULT_CONFIG } from '../../core/config/presets';
import type { ResolvedConfig } from '../../core/config/types';
import { kindOf } from '../../core/files/kind';
import { formatDecoded, hex, type Decoded, type IdView } from '../../core/registers/codec';
import { bitsText } from '../../core/registers/describe';
import { checkQueueFile } from '../../core/queue-file/check';
import { checkScript, configUnusable, tallyExpectations, type ScriptCheck } from '../../core/script/check';
import { lexLine, splitLines } from '../../core/script/lexer';
import { checkTrace } from '../../core/trace/check';
import { decodeValue } from '../../core/script/decode-value';
import type { Observation } from '../../core/script/interpreter';
import type { ResolvedStatement } from '../../core/script/resolve';
import {
  decodeStructure,
  formatStructure,
  STRUCTURE_KINDS,
  type StructureKind,
} from '../../core/structures/decode-words';
import { idViewOf } from '../../core/model/ids';
import { registerOffset } from '../../core/registers/placement';
import { counted, severityCounts } from '../../core/text/plural';
import type { Options } from './options';
import { gcc, jsonDiagnostic, POSITION_BASE, type Reported } from './output';
import { fileHost } from '../file-host';
import { cannotRead } from '../../core/base/files';
import { startLine } from '../../core/base/diagnostics';

const host = fileHost;

/**
 * The `--config` option, loaded before anything runs: a file that cannot be used is an error of
 * the command line, reported at its own lines (not at a script's `config` line, nor as the default
 * configuration's name), and nothing runs. Undefined after printing why (the caller exits 2).
 */
export function configOption(
  cmd: string,
  file: string | undefined,
): { config: ResolvedConfig; path?: string } | undefined {
  if (!file) return { config: DEFAULT_CONFIG };
  const text = host.readFile(file, 'config');
  if (typeof text !== 'string') {
    process.stderr.write(`smmu ${cmd}: --config ${file}: ${cannotRead('', file, text)}\n`);
    return undefined;
  }
  const loaded = loadConfig(text);
  const errors = blockingErrors(loaded.diagnostics);
  if (errors.length || !loaded.config) {
    process.stderr.write(
      `smmu ${cmd}: --config ${file}: the configuration has ${counted(errors.length, 'error')}; nothing was run\n`,
    );
    for (const d of errors) process.stderr.write(gcc(file, d) + '\n');
    return undefined;
  }
  return { config: loaded.config, path: path.resolve(file) };
}

/** What `file` is, by name or content, when it is not what `cmd` takes: the command that takes it. */
function wrongKind(cmd: ScriptCommand | 'replay', file: string, text: string): string | undefined {
  const kind = kindOf(file, text);
  if (cmd !== 'replay' && kind === 'trace') return `${file} is a trace: replay it with \`smmu replay ${file}\``;
  if (cmd === 'replay' && kind === 'script') return `${file} is a script: run it with \`smmu run ${file}\``;
  if (kind === 'queue')
    return `${file} is a queue descriptor: check it with \`smmu check ${file}\` (or step it in the debugger)`;
  if (kind === 'config')
    return `${file} is a configuration: check it with \`smmu check ${file}\`, or use it with --config`;
  return undefined;
}

/** The commands whose operand is a script. */
type ScriptCommand = 'run' | 'qemu' | 'export';

/** Read the one operand of `run`, `qemu`, `export` or `replay`; undefined after printing why (the caller exits 2). */
export function readOperand(cmd: ScriptCommand | 'replay', file: string): string | undefined {
  const text = host.readFile(file, cmd === 'replay' ? 'trace' : 'script');
  if (typeof text !== 'string') {
    process.stderr.write(`smmu ${cmd}: ${cannotRead('', file, text)}\n`);
    return undefined;
  }
  const wrong = wrongKind(cmd, file, text);
  if (wrong) {
    process.stderr.write(`smmu ${cmd}: ${wrong}\n`);
    return undefined;
  }
  return text;
}

/** `ids`: the configuration's, which places the VATOS page's registers (SMMU_IDR2.BA_VATOS, §6.3.3). */
function decodedJson(d: Decoded, ids: IdView) {
  return {
    register: `SMMU_${d.reg.name}`,
    offset: registerOffset(d.reg, ids),
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
function decodeStructureCommand(
  kind: StructureKind,
  values: readonly string[],
  config: ResolvedConfig,
  json: boolean,
): number {
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
  process.stdout.write(
    (json ? JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? hex(v) : v), 2) : formatStructure(d)) + '\n',
  );
  return 0;
}

export function runDecode(o: Options): number {
  if (o.positional.length < 2) {
    process.stderr.write(
      'usage: smmu decode REG VALUE [--config FILE] [--json]\n       smmu decode cmd|event|pri|ste|cd|l1std|l1cd DWORD... [--config FILE] [--json]\n',
    );
    return 2;
  }
  const [register, ...rest] = o.positional;
  const loaded = configOption('decode', o.config);
  if (!loaded) return 2;
  const { config } = loaded;
  if ((STRUCTURE_KINDS as readonly string[]).includes(register.toLowerCase()))
    return decodeStructureCommand(register.toLowerCase() as StructureKind, rest, config, o.json);
  const outcome = decodeValue(register, rest.join(' '), config);
  if (outcome.error !== undefined) {
    process.stderr.write(`smmu decode: ${outcome.error}\n`);
    return 2;
  }
  process.stdout.write(
    (o.json
      ? JSON.stringify(decodedJson(outcome.decoded, idViewOf(config)), null, 2)
      : formatDecoded(outcome.decoded)) + '\n',
  );
  return 0;
}

export function runCheck(o: Options): number {
  if (!o.positional.length) {
    process.stderr.write(
      'usage: smmu check FILE... [--config FILE] [--json]   (.smmu scripts, .smmuq queue descriptors, traces, *.smmu.json configurations)\n',
    );
    return 2;
  }
  if (!configOption('check', o.config)) return 2;
  const configPath = o.config && path.resolve(o.config);
  let errors = 0;
  let warnings = 0;
  const json: { file: string; diagnostics: ReturnType<typeof jsonDiagnostic>[] }[] = [];
  for (const file of o.positional) {
    let diagnostics: Reported[];
    // The largest limit: the kind is known only once the text is read (a trace may be any .log).
    const text = host.readFile(file, file.endsWith('.json') ? 'config' : 'trace');
    // A file whose kind neither its name nor its first statement tells is taken as a script.
    const kind = typeof text !== 'string' ? undefined : (kindOf(file, text) ?? 'script');
    if (typeof text !== 'string') {
      diagnostics = [
        {
          severity: 'error',
          code: 'file.unreadable',
          message: cannotRead('', file, text),
          range: { start: { line: 0, character: 0 } },
        },
      ];
    } else if (kind === 'config') {
      diagnostics = [...loadConfig(text).diagnostics];
    } else if (kind === 'trace') {
      diagnostics = [...checkTrace(text, path.resolve(file), host, { configPath }).diagnostics];
    } else if (kind === 'queue') {
      diagnostics = checkQueueFile(text, path.resolve(file), host).diagnostics;
    } else {
      diagnostics = checkScript(text, path.resolve(file), host, 'full', { configPath }).diagnostics;
    }
    errors += diagnostics.filter((d) => d.severity === 'error').length;
    warnings += diagnostics.filter((d) => d.severity === 'warning').length;
    if (o.json) json.push({ file, diagnostics: diagnostics.map(jsonDiagnostic) });
    else for (const d of diagnostics) process.stdout.write(gcc(file, d) + '\n');
  }
  if (o.json)
    process.stdout.write(
      JSON.stringify({ positionBase: POSITION_BASE, files: json, errors, warnings }, null, 2) + '\n',
    );
  else process.stderr.write(`${counted(o.positional.length, 'file')} checked: ${severityCounts(errors, warnings)}\n`);
  return errors ? 1 : 0;
}

/** A statement's text without its trailing comment (`--trace` puts the result after it). */
function statementText(lineText: string, line: number): string {
  const comment = lexLine(lineText, line).find((t) => t.kind === 'comment');
  return (comment ? lineText.slice(0, comment.range.start.character) : lineText).trim();
}

/**
 * `--trace`: each executed line (without its comment) with what it did, then what the SMMU did in
 * response (commands consumed, structures fetched, events, interrupts), indented under it.
 */
function printTrace(file: string, text: string, observations: readonly Observation[]): void {
  // The parser's lines (a lone \r ends one too), so each observation shows its own line.
  const lines = splitLines(text);
  for (const x of observations) {
    const src = statementText(lines[x.line] ?? '', x.line);
    let what = '';
    if (x.kind === 'read') what = x.ok ? ` → ${hex(x.value, x.value > 0xffff_ffffn ? 64 : 32)}` : ' → abort';
    else if (x.kind === 'write' && !x.ok) what = ' → abort';
    else if (x.summary) what = ` → ${x.summary}`;
    process.stdout.write(`${file}:${x.line + 1}: ${src}${what}\n`);
    for (const a of x.activity ?? [])
      process.stdout.write(`    ${a.kind.padEnd(13)} ${a.text}${a.section ? ` (§${a.section})` : ''}\n`);
  }
}

/** The `configuration:` line: what the script ran against, or that it ran against nothing. */
function configurationText(result: ScriptCheck): string {
  const where = (p: string) => path.relative(process.cwd(), p) || p;
  if (configUnusable(result.diagnostics))
    return `none: ${result.configPath ? where(result.configPath) : 'the configuration'} cannot be used (see its error); the model did not run`;
  const first = result.configPath
    ? `${result.config.name} (${where(result.configPath)})`
    : `${result.config.name} (built-in default)`;
  // The configurations `config` lines after `reset` changed to where the model ran them (in an
  // included file: from the include line).
  const ran = new Set((result.run?.observations ?? []).map((x) => x.line));
  const changes = (statements: readonly ResolvedStatement[]): { path: string; config: ResolvedConfig }[] =>
    statements.flatMap((s) =>
      s.kind === 'include' ? changes(s.statements) : s.kind === 'action' && s.config ? [s.config] : [],
    );
  const later = result.resolved.statements.flatMap((s) => {
    const c = ran.has(startLine(s.range)) ? changes([s]).pop() : undefined;
    return c ? [`from line ${startLine(s.range) + 1}, ${c.config.name} (${where(c.path)})`] : [];
  });
  return [first, ...later].join('; ');
}

export function runScriptCommand(o: Options): number {
  if (o.positional.length !== 1) {
    process.stderr.write('usage: smmu run SCRIPT [--config FILE] [--json] [--trace]\n');
    return 2;
  }
  const file = o.positional[0] as string;
  if (!configOption('run', o.config)) return 2;
  const text = readOperand('run', file);
  if (text === undefined) return 2;
  const result = checkScript(text, path.resolve(file), host, 'full', {
    configPath: o.config && path.resolve(o.config),
    trace: o.trace,
    ...(o.maxGuestMemory ? { maxGuestMemory: o.maxGuestMemory } : {}),
  });
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
  const reads = result.run?.counts.reads ?? 0;
  const writes = result.run?.counts.writes ?? 0;
  const e = tallyExpectations(result);
  const configName = configurationText(result);
  if (o.json) {
    process.stdout.write(
      JSON.stringify(
        {
          positionBase: POSITION_BASE,
          file,
          config: configName,
          diagnostics: result.diagnostics.map(jsonDiagnostic),
          observations: (result.run?.observations ?? []).map((x) => ({
            line: x.line + 1,
            kind: x.kind,
            ...(x.register ? { register: x.register } : {}),
            ...(x.kind !== 'action' ? { value: hex(x.value, x.value > 0xffff_ffffn ? 64 : 32) } : {}),
            ok: x.ok,
            ...(x.summary ? { summary: x.summary } : {}),
            ...(o.trace && x.activity
              ? {
                  activity: x.activity.map((a) => ({
                    kind: a.kind,
                    text: a.text,
                    ...(a.section ? { section: a.section } : {}),
                  })),
                }
              : {}),
          })),
          summary: {
            reads,
            writes,
            expectations: e.total,
            expectationsMet: e.met,
            failedExpectations: e.failed,
            notRun: e.notRun,
            errors,
            warnings,
          },
        },
        (_k, v: unknown) => (typeof v === 'bigint' ? hex(v, 64) : v),
        2,
      ) + '\n',
    );
  } else {
    process.stdout.write(`configuration: ${configName}\n`);
    if (o.trace) printTrace(file, text, result.run?.observations ?? []);
    for (const d of result.diagnostics) process.stdout.write(gcc(file, d) + '\n');
    const notRun = e.notRun ? `, ${e.notRun} not run` : '';
    process.stdout.write(
      `${counted(reads, 'read')}, ${counted(writes, 'write')}, ${e.met}/${counted(e.total, 'expectation')} met${notRun}, ${severityCounts(errors, warnings)}\n`,
    );
  }
  return errors ? 1 : 0;
}
