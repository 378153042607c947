/**
 * `smmu replay TRACE|- [--config F] [--json] [--max-diagnostics N]`: replay an emulation's trace
 * (the `.smmutrace` line format or a QEMU `-trace 'smmuv3_*'` log, gzipped or not, a file or
 * standard input) against the reference model. The trace is streamed (core/trace/stream.ts), so
 * memory stays bounded whatever its size, and each divergence is printed as soon as it is final
 * (`file:line:col: severity: message [code]` like `smmu check`): a guest traced live shows them
 * while it runs. The first N of each rule are printed, then a summary: counts per rule with their
 * first and last lines, the first divergence. Exit 1 when a violation (an error) was found, 2 on
 * bad usage or input that cannot be read.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { StringDecoder } from 'string_decoder';
import * as zlib from 'zlib';
import { cannotRead } from '../../core/base/files';
import { kindOf } from '../../core/files/kind';
import { hex } from '../../core/registers/codec';
import { streamTrace } from '../../core/trace/check';
import { LineSplitter } from '../../core/trace/lines';
import { summaryText, type LineReplay } from '../../core/trace/replay';
import type { TraceStreamStart } from '../../core/trace/stream';
import type { TraceDiagnostic } from '../../core/trace/types';
import { DEFAULT_MAX_DIAGNOSTICS } from '../../core/trace/report';
import { thousands } from '../../core/text/plural';
import { configOption } from './commands';
import type { Options } from './options';
import { gcc, jsonDiagnostic, POSITION_BASE } from './output';
import { fileHost } from '../file-host';
import { openForStreaming } from '../read-file';

export { DEFAULT_MAX_DIAGNOSTICS };

/** With standard input quiet this long, the replay decides from what it read and reports live. */
const SETTLE_MS = 500;

/** A rule's diagnostics: how many, where the first and last were, how many were shown. */
interface RuleCount {
  count: number;
  first: number;
  last: number;
  shown: number;
}

const USAGE =
  'usage: smmu replay TRACE|- [--config FILE] [--json] [--max-diagnostics N] [--max-guest-memory SIZE]   (a .smmutrace file or a QEMU -trace smmuv3_* log, .gz or not; - reads standard input)\n';

/** The input as raw pieces: a file or standard input, with its size when known. */
function openInput(file: string): { raw: Readable; size?: number; live: boolean } | string {
  if (file === '-') {
    let live = true;
    try {
      live = !fs.fstatSync(0).isFile();
    } catch {
      // Standard input closed: read as an empty trace.
    }
    return { raw: process.stdin, live };
  }
  const f = openForStreaming(file);
  if ('unreadable' in f) return cannotRead('', file, f);
  return { raw: fs.createReadStream('', { fd: f.fd, highWaterMark: 1 << 16 }), size: f.size, live: false };
}

/** The pieces as text, gunzipped when they start with gzip's magic bytes (1F 8B). */
async function* textOf(raw: Readable, bytes: (n: number) => void): AsyncGenerator<string> {
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  if (first.done) return;
  const head = first.value;
  const rest = async function* () {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  };
  const counted = async function* () {
    for await (const b of rest()) {
      bytes(b.length);
      yield b;
    }
  };
  const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const source: AsyncIterable<Buffer> = gz ? Readable.from(counted()).pipe(zlib.createGunzip()) : counted();
  const decoder = new StringDecoder('utf8');
  for await (const b of source) yield decoder.write(b as Buffer);
  const tail = decoder.end();
  if (tail) yield tail;
}

/** `1234567` as `1,234,567`. */
const num = thousands;

export async function runReplay(o: Options): Promise<number> {
  if (o.positional.length !== 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const file = o.positional[0] as string;
  if (!configOption('replay', o.config)) return 2;
  const input = openInput(file);
  if (typeof input === 'string') {
    process.stderr.write(`smmu replay: ${input}\n`);
    return 2;
  }
  const max = o.maxDiagnostics ?? DEFAULT_MAX_DIAGNOSTICS;
  const shownName = file === '-' ? '<stdin>' : file;
  const out = (s: string) => process.stdout.write(s);
  const rules = new Map<string, RuleCount>();
  let shown = 0;
  let total = 0;
  // --json: one document, written as it goes: its head once the configuration is known, each
  // diagnostic shown as it comes, the summary at the end.
  let jsonStarted = false;
  const differing: LineReplay[] = [];
  let differingCount = 0;
  const startOutput = (s: TraceStreamStart) => {
    if (o.json) {
      out(
        `{\n  "positionBase": ${JSON.stringify(POSITION_BASE)},\n  "file": ${JSON.stringify(file)},\n  "format": ${JSON.stringify(s.format)},\n  "config": ${JSON.stringify(s.configSource || s.config.name)},\n  "diagnostics": [`,
      );
      jsonStarted = true;
    } else out(`configuration: ${s.configSource || s.config.name}\n`);
  };
  const diagnostic = (d: TraceDiagnostic) => {
    total++;
    const line = d.range.start.line + 1;
    let r = rules.get(d.code);
    if (!r) rules.set(d.code, (r = { count: 0, first: line, last: line, shown: 0 }));
    r.count++;
    r.last = line;
    if (r.shown >= max) return;
    r.shown++;
    if (o.json) out(`${shown ? ',' : ''}\n    ${JSON.stringify(jsonDiagnostic(d))}`);
    else out(gcc(shownName, d) + '\n');
    shown++;
  };
  const stream = streamTrace(
    file === '-' ? path.resolve('stdin') : path.resolve(file),
    fileHost,
    {
      diagnostic,
      // A diagnostic past its code's cap: counted as `diagnostic` counts one it does not print.
      counted: (code: string, line: number) => {
        const r = rules.get(code);
        if (!r || r.shown < max) return false;
        total++;
        r.count++;
        r.last = line + 1;
        return true;
      },
      started: startOutput,
      ...(o.json
        ? {
            line: (l: LineReplay) => {
              if (l.record.dir !== 'R' || l.emulation === l.model || l.model === 'any') return;
              differingCount++;
              if (differing.length < Math.max(max, 1)) differing.push(l);
            },
          }
        : {}),
    },
    {
      ...(o.config ? { configPath: path.resolve(o.config) } : {}),
      ...(o.maxGuestMemory ? { maxGuestMemory: o.maxGuestMemory } : {}),
      // Only the first `max` of each code are printed; the first divergence's message is printed
      // in the summary even with --max-diagnostics 0 (it is the first of its code).
      maxMessages: Math.max(max, 1),
    },
  );

  // A progress line on a terminal (never when piped): records, records/s, where in the input.
  const progress = process.stderr.isTTY === true;
  let bytes = 0;
  let lastShown = Date.now();
  const began = lastShown;
  const showProgress = () => {
    const s = (Date.now() - began) / 1000;
    const where = input.size ? `, ${Math.min(100, Math.floor((bytes / input.size) * 100))} % of the file` : '';
    process.stderr.write(
      `\r\x1b[Ksmmu replay: line ${num(stream.lineCount)}, ${num(stream.recordCount)} records, ${num(Math.round(stream.recordCount / Math.max(s, 0.001)))} records/s${where}`,
    );
  };
  const split = new LineSplitter((l) => stream.push(l));
  let settleTimer: NodeJS.Timeout | undefined;
  let failure: string | undefined;
  let kindChecked = false;
  // A final line break ends the last line; it does not start one (the count of lines says so).
  let endsWithBreak = false;
  try {
    for await (const text of textOf(input.raw, (n) => (bytes += n))) {
      if (!kindChecked) {
        kindChecked = true;
        const kind = kindOf(file.replace(/\.gz$/i, ''), text);
        if (kind && kind !== 'trace') {
          input.raw.destroy();
          process.stderr.write(
            `smmu replay: ${file} is ${kind === 'script' ? `a script: run it with \`smmu run ${file}\`` : kind === 'queue' ? `a queue descriptor: check it with \`smmu check ${file}\`` : `a configuration: check it with \`smmu check ${file}\`, or use it with --config`}\n`,
          );
          return 2;
        }
      }
      split.push(text);
      if (text) endsWithBreak = /[\r\n]$/.test(text);
      if (input.live) {
        clearTimeout(settleTimer);
        settleTimer = setTimeout(() => stream.settle(), SETTLE_MS);
      }
      if (progress && Date.now() - lastShown > 200) {
        lastShown = Date.now();
        showProgress();
      }
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    failure = code?.startsWith('Z_')
      ? `${file}: the gzip data is damaged after ${num(bytes)} bytes of it (${(e as Error).message}); the lines before were replayed`
      : `${file}: reading stopped after ${num(bytes)} bytes: ${(e as Error).message}; the lines before were replayed`;
  }
  clearTimeout(settleTimer);
  split.end();
  const r = stream.end();
  if (progress) process.stderr.write('\r\x1b[K');
  const s = r.summary;
  const lineCount = r.lines - (endsWithBreak ? 1 : 0);
  const byCount = [...rules.entries()].sort((a, b) => b[1].count - a[1].count);
  if (o.json) {
    if (!jsonStarted) startOutput(r);
    const rulesJson = Object.fromEntries(
      byCount.map(([code, c]) => [code, { count: c.count, firstLine: c.first, lastLine: c.last, shown: c.shown }]),
    );
    out(
      `${shown ? '\n  ' : ''}],\n  "summary": ${JSON.stringify(
        {
          lines: lineCount,
          records: s.records,
          notReplayed: s.notReplayed,
          reads: s.reads,
          writes: s.writes,
          errors: s.errors,
          warnings: s.warnings,
          notes: s.infos,
          vcpus: s.vcpus,
          counts: s.counts,
          diagnostics: total,
          shown,
          maxDiagnostics: max,
          rules: rulesJson,
          ...(s.translations ? { translations: s.translations } : {}),
          ...(s.firstDivergence ? { firstDivergence: jsonDiagnostic(s.firstDivergence) } : {}),
          ...(failure ? { inputError: failure } : {}),
        },
        null,
        2,
      ).replace(/\n/g, '\n  ')},\n  "reads": ${JSON.stringify(
        differing.map((l) => ({
          line: l.record.line + 1,
          offset: hex(BigInt(l.record.offset)),
          ...(l.register || l.arrayRegister ? { register: `SMMU_${l.register?.name ?? l.arrayRegister}` } : {}),
          emulation: typeof l.emulation === 'bigint' ? hex(l.emulation, l.record.size === 8 ? 64 : 32) : l.emulation,
          model: typeof l.model === 'bigint' ? hex(l.model, l.record.size === 8 ? 64 : 32) : l.model,
        })),
      )},\n  "readsDiffering": ${differingCount}\n}\n`,
    );
  } else {
    out(summaryText(s) + '\n');
    const counts = Object.entries(s.counts).sort((a, b) => b[1] - a[1]);
    if (counts.length) out(`per rule: ${counts.map(([c, n]) => `${c} ${n}`).join(', ')}\n`);
    for (const [code, c] of byCount)
      out(
        `  ${code}: ${num(c.count)} at ${c.first === c.last ? `line ${num(c.first)}` : `lines ${num(c.first)}–${num(c.last)}`}${c.shown < c.count ? `, ${c.shown ? `the first ${num(c.shown)}` : 'none'} shown (--max-diagnostics ${max})` : ''}\n`,
      );
    out(
      `${num(total)} diagnostic${total === 1 ? '' : 's'}${shown < total ? `, ${num(shown)} shown` : ''} in ${num(lineCount)} line${lineCount === 1 ? '' : 's'}\n`,
    );
    if (s.firstDivergence) out(`first divergence: ${gcc(shownName, s.firstDivergence)}\n`);
  }
  if (failure) {
    process.stderr.write(`smmu replay: ${failure}\n`);
    return 2;
  }
  return s.errors ? 1 : 0;
}
