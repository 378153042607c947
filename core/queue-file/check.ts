/**
 * `.smmuq` queue descriptors (docs/queue-descriptor.md): one queue's contents as a developer meets
 * them — pasted from a log, dumped from guest memory, or written for a test. A header names the
 * queue, its base, LOG2SIZE, PROD and CONS; each entry line is `INDEX: DWORD...` (64-bit values,
 * first doubleword first, as Linux and QEMU print them) or `INDEX: NAME FIELD=value...`.
 *
 * The check decodes every entry with the command/event/PRI tables, marks which entries lie
 * between CONS and PROD, and reports malformed entries, index errors, impossible wrap states, and
 * the entry at which the SMMU would stop with CERROR_ILL — each at its line. Never throws.
 */
import { cannotRead } from '../base/files';
import { decodeCommand, encodeCommand, formatCommand } from '../commands/codec';
import { findCommand } from '../commands/table';
import { loadConfig, notModelledErrors } from '../config/load';
import { DEFAULT_CONFIG } from '../config/presets';
import { applyDefaultConfig, type DefaultConfig } from '../config/default';
import type { ResolvedConfig } from '../config/types';
import { decodeEvent, decodePriRequest, encodeEvent, formatEvent, formatPriRequest } from '../events/codec';
import { findEvent } from '../events/table';
import type { LayoutDef } from '../layout/types';
import { idViewOf } from '../model/ids';
import type { IdView } from '../registers/codec';
import type { Token } from '../script/ast';
import { QUEUE_SIZE_CAP, queueLog2Max } from '../structures/capabilities';
import type { ScriptHost } from '../script/check';
import { diag, type Range, type ScriptDiagnostic } from '../base/diagnostics';
import { lexLine, splitLines } from '../script/lexer';
import { counted } from '../text/plural';
import { own } from '../base/own';

export type QueueKind = 'cmdq' | 'evtq' | 'priq';

export interface QueueFileEntry {
  readonly line: number;
  readonly index: number;
  /** Little-endian 32-bit words of the entry. */
  readonly words: readonly number[];
  /** One line: the decoded entry. */
  readonly text: string;
  /** Between CONS and PROD: not yet consumed (commands) or not yet read by software (events, PRI). */
  readonly pending: boolean;
  readonly range: Range;
}

export interface QueueFileCheck {
  readonly kind?: QueueKind;
  readonly log2size?: number;
  readonly prod?: number;
  readonly cons?: number;
  /** The queue's base address, from the `base` line. */
  readonly base?: bigint;
  readonly entries: readonly QueueFileEntry[];
  readonly diagnostics: ScriptDiagnostic[];
  readonly config: ResolvedConfig;
  readonly configPath?: string;
  /** Set when the configuration is the caller's default (no `config` line): where it came from. */
  readonly configOrigin?: string;
}

export interface QueueFileOptions {
  /** The configuration without a `config` line (editor setting `smmu.configuration`); the line wins. */
  readonly defaultConfig?: DefaultConfig;
}

/** Bytes per entry / doublewords per entry. */
const DWORDS: Record<QueueKind, number> = { cmdq: 2, evtq: 4, priq: 2 };
const ALIASES: Record<string, QueueKind> = { cmdq: 'cmdq', evtq: 'evtq', eventq: 'evtq', priq: 'priq' };
const HEADER = ['queue', 'config', 'base', 'log2size', 'prod', 'cons'];

const rangeOf = (a: Token, b: Token = a): Range => ({ start: a.range.start, end: b.range.end });
const hex = (v: number | bigint) => '0x' + v.toString(16).toUpperCase();

interface Header {
  kind?: QueueKind;
  base?: bigint;
  log2size?: number;
  prod?: number;
  cons?: number;
  ranges: Partial<Record<string, Range>>;
}

/** `NAME FIELD=value FLAG ...` → field values of `def` (enum names allowed); problems to `out`. */
function symbolicFields(
  def: LayoutDef,
  tokens: readonly Token[],
  out: ScriptDiagnostic[],
): Map<string, bigint> | undefined {
  const values = new Map<string, bigint>();
  let i = 0;
  while (i < tokens.length) {
    const name = tokens[i] as Token;
    if (name.kind !== 'word') {
      out.push(diag('error', 'smmuq.syntax', `expected FIELD=value, found '${name.text}'`, name.range));
      return undefined;
    }
    const f = def.fields.find((x) => x.name.toLowerCase() === name.text.toLowerCase());
    if (!f) {
      out.push(diag('error', 'smmuq.unknown-field', `${def.name} has no field '${name.text}'`, name.range));
      return undefined;
    }
    if (tokens[i + 1]?.text !== '=') {
      if (f.msb !== f.lsb) {
        out.push(
          diag(
            'error',
            'smmuq.syntax',
            `${f.name} is a ${f.msb - f.lsb + 1}-bit field: give its value, ${f.name}=…`,
            name.range,
          ),
        );
        return undefined;
      }
      values.set(f.name, 1n);
      i++;
      continue;
    }
    const v = tokens[i + 2];
    if (!v) {
      out.push(diag('error', 'smmuq.syntax', `expected a value after '${f.name}='`, name.range));
      return undefined;
    }
    if (v.kind === 'number' && v.number !== undefined) values.set(f.name, v.number);
    else {
      const e = v.kind === 'word' ? f.values?.find((x) => x.name.toLowerCase() === v.text.toLowerCase()) : undefined;
      if (!e) {
        out.push(diag('error', 'smmuq.unknown-value', `'${v.text}' is not a value of ${def.name}.${f.name}`, v.range));
        return undefined;
      }
      values.set(f.name, BigInt(e.value));
    }
    i += 3;
  }
  return values;
}

function decodeEntry(
  kind: QueueKind,
  words: number[],
  ids: IdView,
): {
  text: string;
  problems: { severity: 'error' | 'warning'; code: string; message: string; section: string; ill: boolean }[];
} {
  if (kind === 'cmdq') {
    const d = decodeCommand(words, ids);
    return {
      text: formatCommand(d),
      problems: d.problems.map((p) => ({
        severity: p.ill ? 'error' : 'warning',
        code: `cmd.${p.code}`,
        message: p.message,
        section: p.section,
        ill: p.ill,
      })),
    };
  }
  if (kind === 'evtq') {
    const d = decodeEvent(words);
    const problems = d.def
      ? d.reservedRuns.map(([m, l]) => ({
          severity: 'warning' as const,
          code: 'event.res0',
          message: `RES0 bit${m === l ? ` ${m}` : `s [${m}:${l}]`} set`,
          section: '7.3',
          ill: false,
        }))
      : [
          {
            severity: 'error' as const,
            code: 'event.unknown',
            message: `event number ${hex(d.id)} is not an SMMUv3 event`,
            section: '7.3',
            ill: false,
          },
        ];
    return { text: formatEvent(d), problems };
  }
  const d = decodePriRequest(words);
  return {
    text: formatPriRequest(words),
    problems: d.reservedRuns.map(([m, l]) => ({
      severity: 'warning' as const,
      code: 'pri.res0',
      message: `RES0 bit${m === l ? ` ${m}` : `s [${m}:${l}]`} set`,
      section: '8',
      ill: false,
    })),
  };
}

/** Parse and check a queue descriptor. `host` resolves the optional `config "FILE"`. */
export function checkQueueFile(
  text: string,
  path: string,
  host: ScriptHost,
  options: QueueFileOptions = {},
): QueueFileCheck {
  const diagnostics: ScriptDiagnostic[] = [];
  const h: Header = { ranges: {} };
  let config: ResolvedConfig = DEFAULT_CONFIG;
  let configPath: string | undefined;
  const raw: {
    line: number;
    index: number;
    indexTok: Token;
    words?: number[];
    symbolic?: { name: Token; rest: Token[] };
    range: Range;
  }[] = [];
  const lines = splitLines(text);
  lines.forEach((lineText, line) => {
    const tokens = lexLine(lineText, line).filter((t) => t.kind !== 'comment');
    if (!tokens.length) return;
    const bad = tokens.find((t) => t.error);
    if (bad?.error) {
      diagnostics.push(diag('error', bad.error.code, bad.error.message, bad.range));
      return;
    }
    const first = tokens[0] as Token;
    const whole = rangeOf(first, tokens[tokens.length - 1]);
    // Entry: INDEX ':' ...
    if (first.kind === 'number' && tokens[1]?.text === ':') {
      const index = Number(first.number ?? 0n);
      const rest = tokens.slice(2);
      if (!rest.length) {
        diagnostics.push(diag('error', 'smmuq.empty-entry', `entry ${index} has no contents`, whole));
        return;
      }
      if (rest[0]?.kind === 'word')
        raw.push({ line, index, indexTok: first, symbolic: { name: rest[0], rest: rest.slice(1) }, range: whole });
      else {
        const nums = rest.filter((t) => t.kind === 'number');
        if (nums.length !== rest.length) {
          const t = rest.find((x) => x.kind !== 'number') as Token;
          diagnostics.push(diag('error', 'smmuq.syntax', `expected 64-bit doublewords, found '${t.text}'`, t.range));
          return;
        }
        const words: number[] = [];
        for (const n of nums) {
          const v = n.number ?? 0n;
          words.push(Number(v & 0xffff_ffffn), Number((v >> 32n) & 0xffff_ffffn));
        }
        raw.push({ line, index, indexTok: first, words, range: whole });
      }
      return;
    }
    if (first.kind !== 'word' || !HEADER.includes(first.text)) {
      diagnostics.push(
        diag(
          'error',
          'smmuq.syntax',
          `expected a header line (${HEADER.join(', ')}) or an entry 'INDEX: …', found '${first.text}'`,
          first.range,
        ),
      );
      return;
    }
    const arg = tokens[1];
    if (!arg || tokens.length > 2) {
      diagnostics.push(diag('error', 'smmuq.syntax', `'${first.text}' takes one value`, whole));
      return;
    }
    if (h.ranges[first.text]) {
      diagnostics.push(diag('error', 'smmuq.duplicate', `'${first.text}' is given twice`, whole));
      return;
    }
    h.ranges[first.text] = whole;
    switch (first.text) {
      case 'queue': {
        const k = own(ALIASES, arg.text.toLowerCase());
        if (!k)
          diagnostics.push(diag('error', 'smmuq.queue', `unknown queue '${arg.text}': cmdq, evtq or priq`, arg.range));
        else h.kind = k;
        break;
      }
      case 'config': {
        if (arg.kind !== 'string' || arg.string === undefined) {
          diagnostics.push(diag('error', 'smmuq.syntax', 'config takes a quoted file name', arg.range));
          break;
        }
        configPath = host.resolvePath(path, arg.string);
        const t = host.readFile(configPath, 'config');
        const loaded = typeof t !== 'string' ? undefined : loadConfig(t);
        if (!loaded?.config)
          diagnostics.push(
            diag(
              'error',
              'config.missing',
              typeof t !== 'string'
                ? cannotRead('configuration', configPath, t)
                : `cannot use configuration ${configPath}: it has errors`,
              arg.range,
            ),
          );
        else {
          config = loaded.config;
          for (const d of notModelledErrors(loaded.diagnostics))
            diagnostics.push(diag('error', d.code, `configuration ${configPath}: ${d.message}`, arg.range));
        }
        break;
      }
      default: {
        if (arg.kind !== 'number' || arg.number === undefined) {
          diagnostics.push(diag('error', 'smmuq.syntax', `'${first.text}' takes a number`, arg.range));
          break;
        }
        if (first.text === 'base') h.base = arg.number;
        else if (first.text === 'log2size') h.log2size = Number(arg.number);
        else if (first.text === 'prod') h.prod = Number(arg.number & 0xffff_ffffn);
        else h.cons = Number(arg.number & 0xffff_ffffn);
      }
    }
  });
  let configOrigin: string | undefined;
  if (!h.ranges.config && options.defaultConfig) {
    const d = applyDefaultConfig(options.defaultConfig, (p) => host.readFile(p, 'config'), diagnostics);
    config = d.config;
    configPath = d.configPath;
    configOrigin = options.defaultConfig.origin;
  }
  const ids = idViewOf(config);
  const docStart: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  if (!h.kind) {
    if (!h.ranges.queue)
      diagnostics.push(
        diag(
          'error',
          'smmuq.no-queue',
          "a queue descriptor starts with 'queue cmdq', 'queue evtq' or 'queue priq'",
          docStart,
        ),
      );
    return {
      entries: [],
      diagnostics,
      config,
      ...(configPath ? { configPath } : {}),
      ...(configOrigin ? { configOrigin } : {}),
    };
  }
  const kind = h.kind;
  const queue = kind === 'cmdq' ? 'CMDQ' : kind === 'evtq' ? 'EVENTQ' : 'PRIQ';
  const capName = QUEUE_SIZE_CAP[queue].field;
  const cap = queueLog2Max(ids, queue);
  let log2 = h.log2size;
  if (log2 === undefined)
    diagnostics.push(
      diag('error', 'smmuq.no-log2size', 'the queue size is missing: add log2size N', h.ranges.queue ?? docStart),
    );
  else if (log2 > 19) {
    diagnostics.push(
      diag(
        'error',
        'smmuq.log2size',
        `log2size ${log2} is beyond the architecture's maximum of 19`,
        h.ranges.log2size ?? docStart,
        '6.3.26',
      ),
    );
    log2 = undefined;
  } else if (log2 > cap) {
    diagnostics.push(
      diag(
        'warning',
        'smmuq.log2size',
        `log2size ${log2} exceeds SMMU_IDR1.${capName} = ${cap}: the SMMU uses ${cap}`,
        h.ranges.log2size ?? docStart,
        '6.3.26',
      ),
    );
    log2 = cap;
  }
  const entryBytes = DWORDS[kind] * 8;
  if (h.base !== undefined && log2 !== undefined) {
    const bytes = BigInt(Math.max(entryBytes * 2 ** log2, 32));
    if (h.base % bytes !== 0n)
      diagnostics.push(
        diag(
          'warning',
          'smmuq.base-alignment',
          `base ${hex(h.base)} is not aligned to the queue size (${bytes} bytes): the SMMU treats the low bits as zero`,
          h.ranges.base ?? docStart,
          '6.3.26',
        ),
      );
  }
  // PROD and CONS: index in [QS-1:0], wrap at [QS]; CMDQ_CONS.ERR [30:24]; OVFLG/OVACKFLG [31] (§6.3.27-28).
  const checkIndex = (name: 'prod' | 'cons', v: number | undefined): number | undefined => {
    if (v === undefined || log2 === undefined) {
      if (v === undefined)
        diagnostics.push(
          diag(
            'error',
            `smmuq.no-${name}`,
            `${name.toUpperCase()} is missing: add ${name} N (the register's value, wrap bit included)`,
            h.ranges.queue ?? docStart,
          ),
        );
      return undefined;
    }
    const keep = 2 ** (log2 + 1) - 1;
    const other = (kind === 'cmdq' && name === 'cons' ? 0x7f00_0000 : kind !== 'cmdq' ? 0x8000_0000 : 0) >>> 0;
    const stray = (v & ~keep & ~other) >>> 0;
    if (stray !== 0)
      diagnostics.push(
        diag(
          'error',
          'smmuq.index-range',
          `${name.toUpperCase()} ${hex(v)} has bits set beyond the index and wrap flag [${log2}:0] of a 2^${log2}-entry queue`,
          h.ranges[name] ?? docStart,
          '6.3.27',
        ),
      );
    return v & keep;
  };
  const prod = checkIndex('prod', h.prod);
  const cons = checkIndex('cons', h.cons);
  let pendingCount = 0;
  if (prod !== undefined && cons !== undefined && log2 !== undefined) {
    const span = 2 ** (log2 + 1);
    pendingCount = (prod - cons + span) % span;
    if (pendingCount > 2 ** log2) {
      diagnostics.push(
        diag(
          'error',
          'smmuq.impossible-state',
          `PROD ${hex(prod)} and CONS ${hex(cons)} are ${pendingCount} entries apart, more than the queue holds (${2 ** log2})`,
          h.ranges.prod ?? docStart,
          '3.5',
        ),
      );
      pendingCount = 0;
    }
  }
  const size = log2 === undefined ? Infinity : 2 ** log2;
  const isPending = (index: number) => {
    if (prod === undefined || cons === undefined || log2 === undefined || pendingCount === 0) return false;
    const from = cons % size;
    return (index - from + size) % size < pendingCount;
  };
  // Entries.
  const entries: QueueFileEntry[] = [];
  const seen = new Map<number, number>();
  for (const r of raw) {
    if (r.index >= size) {
      diagnostics.push(
        diag(
          'error',
          'smmuq.entry-index',
          `entry ${r.index} is beyond the queue (${counted(size, 'entry', 'entries')})`,
          r.indexTok.range,
        ),
      );
      continue;
    }
    if (seen.has(r.index)) {
      diagnostics.push(
        diag(
          'error',
          'smmuq.duplicate-entry',
          `entry ${r.index} is already given on line ${(seen.get(r.index) ?? 0) + 1}`,
          r.indexTok.range,
        ),
      );
      continue;
    }
    seen.set(r.index, r.line);
    let words = r.words;
    if (r.symbolic) {
      const local: ScriptDiagnostic[] = [];
      if (kind === 'cmdq') {
        const def = findCommand(r.symbolic.name.text);
        if (!def)
          local.push(
            diag('error', 'smmuq.unknown-command', `unknown command '${r.symbolic.name.text}'`, r.symbolic.name.range),
          );
        else {
          const values = symbolicFields(def, r.symbolic.rest, local);
          if (values) words = encodeCommand(def, values).words;
        }
      } else if (kind === 'evtq') {
        const def = findEvent(r.symbolic.name.text);
        if (!def)
          local.push(
            diag('error', 'smmuq.unknown-event', `unknown event '${r.symbolic.name.text}'`, r.symbolic.name.range),
          );
        else {
          const values = symbolicFields(def, r.symbolic.rest, local);
          if (values) {
            try {
              words = encodeEvent(def, values);
            } catch (e) {
              local.push(
                diag(
                  'error',
                  'smmuq.value',
                  String(e instanceof Error ? e.message : e).replace(/^internal: /, ''),
                  r.range,
                ),
              );
            }
          }
        }
      } else
        local.push(
          diag('error', 'smmuq.symbolic-pri', 'PRI queue entries are given as doublewords', r.symbolic.name.range),
        );
      diagnostics.push(...local);
      if (!words) continue;
    }
    if (!words) continue;
    const n = DWORDS[kind] * 2;
    if (words.length > n) {
      diagnostics.push(
        diag(
          'error',
          'smmuq.entry-size',
          `a ${kind} entry is ${DWORDS[kind]} doublewords; this one has ${words.length / 2}`,
          r.range,
        ),
      );
      continue;
    }
    const full = [...words, ...new Array<number>(n - words.length).fill(0)];
    const d = decodeEntry(kind, full, ids);
    const pending = isPending(r.index);
    for (const p of d.problems) {
      const what = p.ill
        ? pending
          ? 'the SMMU will stop here with CERROR_ILL'
          : 'an illegal command (CERROR_ILL if the SMMU consumes it)'
        : '';
      diagnostics.push(
        diag(
          p.ill && !pending ? 'warning' : p.severity,
          p.ill ? 'smmuq.cerror-ill' : p.code,
          `${p.message}${what ? `: ${what}` : ''}`,
          r.range,
          p.section,
        ),
      );
    }
    entries.push({ line: r.line, index: r.index, words: full, text: d.text, pending, range: r.range });
  }
  // For a command queue: what the SMMU would do with the pending entries, in order.
  if (kind === 'cmdq' && cons !== undefined && pendingCount > 0 && log2 !== undefined) {
    for (let k = 0; k < pendingCount; k++) {
      const index = (cons + k) % size;
      const e = entries.find((x) => x.index === index);
      if (!e) {
        diagnostics.push(
          diag(
            'info',
            'smmuq.missing-entry',
            `entry ${index} is pending (between CONS and PROD) but not listed: its contents are unknown`,
            h.ranges.prod ?? docStart,
          ),
        );
        break;
      }
      const stops = diagnostics.some((x) => x.code === 'smmuq.cerror-ill' && x.range.start.line === e.line);
      if (stops) {
        const left = pendingCount - k - 1;
        if (left > 0)
          diagnostics.push(
            diag(
              'info',
              'smmuq.not-consumed',
              `${left} pending entr${left === 1 ? 'y' : 'ies'} after this one will not be consumed until the error is fixed and acknowledged in GERRORN`,
              e.range,
              '7.1',
            ),
          );
        break;
      }
    }
  }
  diagnostics.sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
  return {
    kind,
    ...(log2 !== undefined ? { log2size: log2 } : {}),
    ...(prod !== undefined ? { prod } : {}),
    ...(cons !== undefined ? { cons } : {}),
    ...(h.base !== undefined ? { base: h.base } : {}),
    entries,
    diagnostics,
    config,
    ...(configPath ? { configPath } : {}),
    ...(configOrigin ? { configOrigin } : {}),
  };
}
