/**
 * The engine statements of a script (docs/script-language.md, "Driving the SMMU"): enqueue
 * commands and ring the doorbell, build STEs, CDs, L1 descriptors and page tables by field,
 * issue DMA transactions, poll registers, and expect events. Each statement works through the
 * same tables the decoders use, and reports problems at the argument that caused them.
 */
import { decodeCommand, encodeCommand, formatCommand, type DecodedCommand } from '../commands/codec';
import { COMMANDS, findCommand } from '../commands/table';
import type { Engine } from '../engine/engine';
import { isFull, next as nextIndex, slotAddress } from '../engine/queue-index';
import { decodeEvent, formatEvent } from '../events/codec';
import { findEvent, PRI_REQUEST } from '../events/table';
import { findLayoutField } from '../layout/access';
import type { LayoutDef, LayoutField } from '../layout/types';
import { hex, type IdView } from '../registers/codec';
import { getRegister } from '../registers/table';
import { checkCd, CD } from '../structures/cd';
import { encodeStructure } from '../structures/encode';
import { stt } from '../structures/capabilities';
import { L1CD, L1STD } from '../structures/l1';
import { checkSte, STE } from '../structures/ste';
import { startLevelS1, startLevelS2 } from '../translation/walk';
import type { Range, ScriptDiagnostic } from '../base/diagnostics';
import { closestNames, didYouMean } from './parser';
import { counted } from '../text/plural';
import type { ActionArg, ResolvedAction } from './resolve';

/** Script-level state the engine statements share (the driver's own bookkeeping). */
export interface ScriptState {
  /** The software's copy of CMDQ_PROD: where the next `cmd` goes. */
  cmdqProd?: number;
  /** Page-table pool for `map`: next free address and end (exclusive). */
  pool?: { next: number; end: number };
  /** Index into engine.activity up to which `expect event` has looked. */
  eventCursor: number;
}

export interface ActionOutcome {
  readonly diagnostics: ScriptDiagnostic[];
  /** One line for inlay hints and traces: what the statement did. */
  readonly summary?: string;
  readonly failedExpectation?: boolean;
  /** The statement's expectation was evaluated and held (a summary counts only these as met). */
  readonly metExpectation?: boolean;
}

/** Friendly argument names: Linux/QEMU spellings of command and structure fields. */
const ALIASES: Record<string, string> = {
  sid: 'StreamID',
  ssid: 'SubstreamID',
  addr: 'Address',
  va: 'Address',
  iova: 'Address',
  ipa: 'Address',
  asid: 'ASID',
  vmid: 'VMID',
};

function diag(severity: ScriptDiagnostic['severity'], code: string, message: string, range: Range, section?: string): ScriptDiagnostic {
  return { severity, code, message: section ? `${message} (§${section})` : message, range, ...(section ? { section } : {}) };
}

function fieldOrAlias(def: LayoutDef, name: string): LayoutField | undefined {
  const alias = ALIASES[name.toLowerCase()];
  return findLayoutField(def, name) ?? (alias ? findLayoutField(def, alias) : undefined);
}

/**
 * `NAME=value` arguments as field values of `def`. Bare names set 1-bit fields; enum names are
 * looked up in the field's values. Problems go to `out`.
 */
function fieldValues(def: LayoutDef, args: readonly ActionArg[], out: ScriptDiagnostic[], what: string): Map<string, bigint> {
  const values = new Map<string, bigint>();
  for (const a of args) {
    if (!a.name) {
      out.push(diag('error', 'arg.unnamed', `expected FIELD=value for ${what}`, a.range));
      continue;
    }
    const f = fieldOrAlias(def, a.name);
    if (!f) {
      out.push(diag('error', 'arg.unknown-field', `${what} has no field '${a.name}'${didYouMean(closestNames(a.name, def.fields.map((x) => x.name)))}`, a.nameRange ?? a.range));
      continue;
    }
    let v: bigint | undefined = a.value;
    if (a.valueName !== undefined) {
      const en = f.values?.find((e) => e.name.toLowerCase() === (a.valueName as string).toLowerCase());
      if (!en) {
        const names = f.values?.map((e) => e.name) ?? [];
        out.push(diag('error', 'arg.unknown-value', names.length ? `'${a.valueName}' is not a value of ${what}.${f.name} (${names.join(', ')})` : `'${a.valueName}' is not a constant, and ${what}.${f.name} takes a number`, a.valueRange ?? a.range));
        continue;
      }
      v = BigInt(en.value);
    } else if (v === undefined && a.valueRange === undefined) {
      // A bare name: a flag.
      if (f.msb !== f.lsb) {
        out.push(diag('error', 'arg.multi-bit', `${f.name} is a ${f.msb - f.lsb + 1}-bit field: give its value, ${f.name}=…`, a.range));
        continue;
      }
      v = 1n;
    }
    if (v === undefined) continue;
    const width = f.msb - f.lsb + 1 + (f.addrShift ?? 0);
    if (v >= 1n << BigInt(width)) {
      out.push(diag('error', 'arg.too-wide', `${hex(v)} does not fit ${what}.${f.name} (${f.addrShift !== undefined ? `address bits [${width - 1}:${f.addrShift}]` : `${width} bits`})`, a.valueRange ?? a.range));
      continue;
    }
    if (f.addrShift !== undefined && v % (1n << BigInt(f.addrShift)) !== 0n) {
      out.push(diag('warning', 'arg.unaligned', `${what}.${f.name} holds address bits [${width - 1}:${f.addrShift}]: the low ${f.addrShift} bits of ${hex(v)} are dropped`, a.valueRange ?? a.range));
    }
    values.set(f.name, v);
  }
  return values;
}

function arg(s: ResolvedAction, name: string): ActionArg | undefined {
  const n = name.toLowerCase();
  return s.args.find((a) => a.name?.toLowerCase() === n && (a.value !== undefined || a.valueName !== undefined));
}

/**
 * `a`'s value fits `def`'s field `field` (the widths of a transaction's IDs are those of the
 * records that carry them), else an `arg.too-wide` error at the value. The engine encodes these
 * values into records, whose encoder treats a value too wide for its field as a bug and throws.
 */
function fitsField(def: LayoutDef, field: string, a: ActionArg | undefined, out: ScriptDiagnostic[], where: string): void {
  const f = findLayoutField(def, field);
  if (a?.value === undefined || !f) return;
  const width = f.msb - f.lsb + 1;
  if (a.value >> BigInt(width) !== 0n) out.push(diag('error', 'arg.too-wide', `${hex(a.value)} is wider than a ${f.name}: ${width} bits in ${where}`, a.valueRange ?? a.range, def.section));
}

function flag(s: ResolvedAction, name: string): boolean {
  return s.args.some((a) => a.name?.toLowerCase() === name && a.value === undefined && a.valueName === undefined && a.valueRange === undefined);
}

export function runAction(engine: Engine, state: ScriptState, s: ResolvedAction): ActionOutcome {
  switch (s.verb) {
    case 'cmd':
      return cmd(engine, state, s);
    case 'doorbell':
      return doorbell(engine, state, s);
    case 'dma':
      return dma(engine, s);
    case 'pri':
      return pri(engine, s);
    case 'poll':
      return poll(engine, s);
    case 'ste':
    case 'cd':
    case 'l1std':
    case 'l1cd':
      return structure(engine, s);
    case 'tables':
      return tables(state, s);
    case 'map':
      return map(engine, state, s);
    case 'expect':
      return expectEvent(engine, state, s);
    case 'abort':
      return abortRange(engine, s);
  }
}

// --- commands -------------------------------------------------------------------------------

/** A command's decoding (with every check against the configuration) and its one-line text. */
interface CommandDecoding {
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  readonly ids: IdView;
  readonly decoded: DecodedCommand;
  readonly text: string;
}

/**
 * The decodings of the commands `cmd` lines enqueued lately, by their four words: a driver's
 * command stream repeats a few commands (a CMD_SYNC after every batch), and decoding a command is
 * most of a `cmd` line's cost. decodeCommand is a function of the words and the configuration's
 * IdView, so an entry serves only the same IdView. Direct-mapped, 64 entries.
 */
const recentDecodings: (CommandDecoding | undefined)[] = new Array<CommandDecoding | undefined>(64);

export function decodeEnqueued(words: readonly number[], ids: IdView): CommandDecoding {
  const w0 = (words[0] as number) >>> 0;
  const w1 = (words[1] as number) >>> 0;
  const w2 = (words[2] as number) >>> 0;
  const w3 = (words[3] as number) >>> 0;
  const slot = Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2, 0x85ebca6b) ^ Math.imul(w3, 0xc2b2ae35), 0x27d4eb2d) >>> 26;
  const hit = recentDecodings[slot];
  if (hit && hit.ids === ids && hit.w0 === w0 && hit.w1 === w1 && hit.w2 === w2 && hit.w3 === w3) return hit;
  const decoded = decodeCommand(words, ids);
  const entry: CommandDecoding = { w0, w1, w2, w3, ids, decoded, text: formatCommand(decoded) };
  recentDecodings[slot] = entry;
  return entry;
}

function cmd(engine: Engine, state: ScriptState, s: ResolvedAction): ActionOutcome {
  const out: ScriptDiagnostic[] = [];
  const first = s.args[0];
  const rest = s.args.slice(1);
  if (!first?.name) return { diagnostics: [diag('error', 'cmd.name', `expected a command name (e.g. CFGI_STE) or 'raw' after 'cmd'`, first?.range ?? s.keyword)] };
  let words: number[];
  if (first.name.toLowerCase() === 'raw') {
    // Two 64-bit values, as logs print a command: bits [63:0] then [127:64].
    if (rest.length !== 2 || rest.some((a) => a.value === undefined || a.name)) return { diagnostics: [diag('error', 'cmd.raw', `'cmd raw' takes two 64-bit values: bits [63:0] and [127:64]`, s.range)] };
    const lo = rest[0]?.value as bigint;
    const hi = rest[1]?.value as bigint;
    words = [Number(lo & 0xffff_ffffn), Number((lo >> 32n) & 0xffff_ffffn), Number(hi & 0xffff_ffffn), Number((hi >> 32n) & 0xffff_ffffn)];
  } else {
    const def = findCommand(first.name);
    if (!def) {
      const names = COMMANDS.map((c) => c.name.replace(/^CMD_/, ''));
      return { diagnostics: [diag('error', 'cmd.unknown', `unknown command '${first.name}'${didYouMean(closestNames(first.name.replace(/^CMD_/i, ''), names))}`, first.range)] };
    }
    const values = fieldValues(def, rest, out, def.name);
    if (out.some((d) => d.severity === 'error')) return { diagnostics: out };
    const enc = encodeCommand(def, values);
    for (const p of enc.problems) out.push(diag('error', `cmd.${p.code}`, p.message, s.range, p.section));
    words = enc.words;
  }
  const { decoded, text } = decodeEnqueued(words, engine.ids);
  for (const p of decoded.problems) {
    out.push(diag(p.ill ? 'warning' : 'info', p.ill ? 'cmd.illegal' : `cmd.${p.code}`, `${p.message}${p.ill ? ': the SMMU will stop with CERROR_ILL at this command' : ''}`, s.range, p.section));
  }
  const g = engine.geometry('CMDQ');
  const prod = state.cmdqProd ?? Number(engine.smmu.peek('CMDQ_PROD') & 0xf_ffffn);
  const cons = Number(engine.smmu.peek('CMDQ_CONS') & 0xf_ffffn);
  if (isFull(prod, cons, g.log2)) {
    out.push(diag('error', 'cmd.queue-full', `the command queue is full (${counted(2 ** g.log2, 'entry', 'entries')} between CONS ${hex(BigInt(cons))} and the next PROD ${hex(BigInt(prod))}): ring the doorbell and poll CMDQ_CONS before adding more`, s.range, '3.5'));
    return { diagnostics: out };
  }
  const addr = slotAddress(g, prod);
  engine.memory.writeWords(addr, words);
  state.cmdqProd = nextIndex(prod, g.log2);
  return { diagnostics: out, summary: `CMDQ[${prod % 2 ** g.log2}] @ ${hex(BigInt(addr), 64)} ← ${text}` };
}

function doorbell(engine: Engine, state: ScriptState, s: ResolvedAction): ActionOutcome {
  const out: ScriptDiagnostic[] = [];
  const reg = getRegister('CMDQ_PROD');
  const current = engine.smmu.peek('CMDQ_PROD');
  const prod = state.cmdqProd ?? Number(current & 0xf_ffffn);
  if (BigInt(prod) === (current & 0xf_ffffn)) out.push(diag('info', 'doorbell.nothing', 'no command was added since the last doorbell', s.keyword));
  const consBefore = engine.smmu.peek('CMDQ_CONS') & 0xf_ffffn;
  const r = engine.smmu.write(reg.offset, 4, (current & ~0xf_ffffn) | BigInt(prod));
  for (const f of r.findings) if (f.severity !== 'info') out.push(diag(f.severity, f.code, f.message, s.keyword, f.section));
  const cons = engine.smmu.peek('CMDQ_CONS') & 0xf_ffffn;
  // Consumed = how far CONS moved, in entries (index and wrap bit, §3.5).
  const log2 = engine.geometry('CMDQ').log2;
  const span = 2n ** BigInt(log2 + 1);
  const consumed = Number((cons - consBefore + span) % span);
  return { diagnostics: out, summary: `CMDQ_PROD ← ${hex(BigInt(prod))}: ${counted(consumed, 'command')} consumed, CMDQ_CONS ${hex(cons)}` };
}

// --- DMA ------------------------------------------------------------------------------------

const OUTCOMES = ['abort', 'bypass', 'stall', 'stalled', 'raz', 'fault', 'translated'];

function dma(engine: Engine, s: ResolvedAction): ActionOutcome {
  const out: ScriptDiagnostic[] = [];
  const [first] = s.args;
  const dir = first?.name?.toLowerCase();
  if (!first || !dir || !['read', 'write', 'exec'].includes(dir) || first.valueRange) {
    return { diagnostics: [diag('error', 'dma.direction', `expected 'read', 'write' or 'exec' after 'dma'`, first?.range ?? s.keyword)] };
  }
  const sidArg = arg(s, 'sid') ?? arg(s, 'StreamID');
  const addrArg = arg(s, 'iova') ?? arg(s, 'addr') ?? arg(s, 'address') ?? arg(s, 'ipa') ?? arg(s, 'va');
  if (sidArg?.value === undefined) out.push(diag('error', 'dma.sid', `a DMA needs the device's StreamID: sid=N`, s.range));
  if (addrArg?.value === undefined) out.push(diag('error', 'dma.address', `a DMA needs an address: iova=ADDR`, s.range));
  for (const a of s.args.slice(1)) {
    const n = a.name?.toLowerCase();
    if (!n || !['sid', 'streamid', 'ssid', 'substreamid', 'iova', 'addr', 'address', 'ipa', 'va', 'priv'].includes(n)) out.push(diag('error', 'dma.arg', `unknown DMA argument${a.name ? ` '${a.name}'` : ''} (sid=, ssid=, iova=, priv)`, a.range));
  }
  const ssidArg = arg(s, 'ssid') ?? arg(s, 'SubstreamID');
  // Event records carry the StreamID in 32 bits and the SubstreamID in 20 (§7.3.3).
  const record = findEvent('C_BAD_STREAMID');
  if (record) for (const [field, a] of [['StreamID', sidArg], ['SubstreamID', ssidArg]] as const) fitsField(record, field, a, out, 'event records');
  if (out.length || sidArg?.value === undefined || addrArg?.value === undefined) return { diagnostics: out };
  const t = {
    sid: Number(sidArg.value),
    ...(ssidArg?.value !== undefined ? { ssid: Number(ssidArg.value) } : {}),
    address: addrArg.value,
    access: { read: dir !== 'write', write: dir === 'write', exec: dir === 'exec', priv: flag(s, 'priv') },
  };
  const r = engine.translate(t);
  const summary = r.outcome === 'translated' || r.outcome === 'bypass' ? `${r.outcome} → ${hex(r.pa, 64)} (${r.detail})` : `${r.outcome}: ${r.detail}`;
  if (s.expect) {
    let pass: boolean;
    let wanted: string;
    if (s.expect.name !== undefined) {
      const n = s.expect.name.toLowerCase();
      const ev = findEvent(s.expect.name);
      if (!ev && !OUTCOMES.includes(n)) {
        return { diagnostics: [diag('error', 'dma.expect', `'${s.expect.name}' is neither an outcome (${OUTCOMES.join(', ')}) nor an event name`, s.expect.range)] };
      }
      const event = 'event' in r ? r.event : undefined;
      pass = ev ? event !== undefined && findEvent(event) === ev : n === 'fault' ? event !== undefined : n === 'stall' ? r.outcome === 'stalled' : n === 'raz' ? r.outcome === 'raz-wi' : r.outcome === n;
      wanted = s.expect.name;
    } else {
      const v = s.expect.value as bigint;
      pass = 'pa' in r && r.pa === v;
      wanted = hex(v, 64);
    }
    if (s.expect.op === '!=') pass = !pass;
    if (!pass) {
      out.push(diag('error', 'expect.failed', `the DMA ${s.expect.op === '!=' ? 'was' : 'gave'} ${summary}${s.expect.op === '==' ? `, expected ${wanted}` : `, expected anything but ${wanted}`}`, s.expect.range));
      return { diagnostics: out, summary, failedExpectation: true };
    }
  } else if (r.outcome !== 'translated' && r.outcome !== 'bypass') {
    out.push(diag('warning', 'dma.fault', `the DMA did not complete: ${summary}; add '== ${'event' in r && r.event ? r.event : r.outcome}' if that is intended`, s.range));
  }
  return s.expect ? { diagnostics: out, summary, metExpectation: true } : { diagnostics: out, summary };
}

// --- PRI --------------------------------------------------------------------------------------

/** `pri sid=N [ssid=N] addr=A [read] [write] [exec] [priv] [last] [prgi=N]`: a device's Page Request (§8). */
function pri(engine: Engine, s: ResolvedAction): ActionOutcome {
  const out: ScriptDiagnostic[] = [];
  const known = ['sid', 'ssid', 'addr', 'iova', 'read', 'write', 'exec', 'priv', 'last', 'prgi'];
  for (const a of s.args) if (!a.name || !known.includes(a.name.toLowerCase())) out.push(diag('error', 'pri.arg', `unknown PRI argument${a.name ? ` '${a.name}'` : ''} (${known.join(', ')})`, a.range));
  const sid = arg(s, 'sid')?.value;
  const addr = (arg(s, 'addr') ?? arg(s, 'iova'))?.value;
  if (sid === undefined || addr === undefined) out.push(diag('error', 'pri.args', 'a page request needs sid= and addr=', s.range));
  for (const [field, a] of [['StreamID', arg(s, 'sid')], ['SubstreamID', arg(s, 'ssid')], ['PRGIndex', arg(s, 'prgi')]] as const) fitsField(PRI_REQUEST, field, a, out, 'a PRI queue entry');
  if (out.length || sid === undefined || addr === undefined) return { diagnostics: out };
  const ssid = arg(s, 'ssid')?.value;
  const before = engine.activity.length;
  const r = engine.pageRequest({
    sid: Number(sid),
    ...(ssid !== undefined ? { ssid: Number(ssid) } : {}),
    address: addr,
    read: flag(s, 'read'),
    write: flag(s, 'write'),
    exec: flag(s, 'exec'),
    priv: flag(s, 'priv'),
    last: flag(s, 'last'),
    prgIndex: Number(arg(s, 'prgi')?.value ?? 0n),
  });
  const what = engine.activity.slice(before).map((a) => a.text).join('; ');
  if (s.expect) {
    const want = s.expect.name?.toLowerCase();
    if (!want || !['queued', 'discarded', 'unsupported'].includes(want)) return { diagnostics: [diag('error', 'pri.expect', `expected queued, discarded or unsupported`, s.expect.range)] };
    if ((want === r) !== (s.expect.op === '==')) return { diagnostics: [diag('error', 'expect.failed', `the page request was ${r}, expected ${s.expect.op === '==' ? '' : 'not '}${want}`, s.expect.range)], summary: what, failedExpectation: true };
    return { diagnostics: [], summary: `${r}: ${what}`, metExpectation: true };
  }
  return { diagnostics: [], summary: `${r}: ${what}` };
}

// --- poll -----------------------------------------------------------------------------------

function poll(engine: Engine, s: ResolvedAction): ActionOutcome {
  const p = s.poll;
  const e = s.expect?.resolved;
  if (!p || !e) return { diagnostics: [] };
  const maxArg = arg(s, 'max');
  const max = maxArg?.value !== undefined ? Number(maxArg.value) : 1000;
  if (max < 1 || max > 1_000_000) return { diagnostics: [diag('error', 'poll.max', 'max= is between 1 and 1000000 reads', maxArg?.range ?? s.range)] };
  let value = 0n;
  const out: ScriptDiagnostic[] = [];
  for (let i = 1; i <= max; i++) {
    const r = engine.smmu.read(p.offset, p.size);
    for (const f of r.findings) if (f.severity !== 'info' && i === 1) out.push(diag(f.severity, f.code, f.message, p.targetRange, f.section));
    value = r.value;
    const got = (value & e.mask) >> BigInt(e.shift);
    const holds = e.op === '==' ? got === e.value : got !== e.value;
    if (holds) return { diagnostics: out, summary: `held after ${counted(i, 'read')}: ${hex(value)}`, metExpectation: true };
    // With the engine not consuming on its own (the debugger), give it a step per read.
    if (!engine.autoConsume) engine.step(1);
  }
  const what = `${p.register ? `SMMU_${p.register.name}` : hex(BigInt(p.offset))}${e.field ? `.${e.field.name}` : ''}`;
  out.push(diag('error', 'poll.timeout', `${what} is still ${(value & e.mask) >> BigInt(e.shift)} after ${counted(max, 'read')} (expected ${e.op} ${e.value})`, s.expect?.range ?? s.range));
  return { diagnostics: out, failedExpectation: true };
}

// --- structures -----------------------------------------------------------------------------

function structure(engine: Engine, s: ResolvedAction): ActionOutcome {
  const out: ScriptDiagnostic[] = [];
  const where = s.args[0];
  const rest = s.args.slice(1);
  if (!where || where.value === undefined || where.name) {
    const what = s.verb === 'ste' ? 'a StreamID' : s.verb === 'l1std' ? 'an L1 index' : 'an address';
    return { diagnostics: [diag('error', `${s.verb}.where`, `expected ${what} after '${s.verb}'`, where?.range ?? s.keyword)] };
  }
  const def: LayoutDef = s.verb === 'ste' ? STE : s.verb === 'cd' ? CD : s.verb === 'l1std' ? L1STD : L1CD;
  const values = fieldValues(def, rest, out, def.name);
  if (out.some((d) => d.severity === 'error')) return { diagnostics: out };
  let addr: number;
  const n = Number(where.value);
  if (s.verb === 'ste') {
    const located = steAddress(engine, n);
    if (typeof located === 'string') return { diagnostics: [diag('error', 'ste.where', located, where.range)] };
    addr = located;
  } else if (s.verb === 'l1std') {
    const base = Number((engine.smmu.peek('STRTAB_BASE') >> 6n) & ((1n << 50n) - 1n)) * 64;
    addr = base + 8 * n;
  } else addr = n;
  const align = def.bits / 8;
  if (addr % align !== 0) out.push(diag('warning', `${s.verb}.unaligned`, `${def.name} at ${hex(BigInt(addr), 64)} is not ${align}-byte aligned`, where.range));
  const enc = encodeStructure(def, values);
  for (const p of enc.problems) out.push(diag('error', `${s.verb}.encode`, p, s.range));
  engine.memory.writeWords(addr - (addr % 4), enc.words);
  if (s.verb === 'ste' || s.verb === 'cd') {
    const v = s.verb === 'ste' ? checkSte(enc.words, engine.ids, { oas: engine.oas }) : checkCd(enc.words, engine.ids, { oas: engine.oas });
    for (const p of v.illegal) out.push(diag('warning', `${s.verb}.illegal`, `${def.name} is ILLEGAL: ${p.message}; a transaction using it gets ${s.verb === 'ste' ? 'C_BAD_STE' : 'C_BAD_CD'}`, s.range, p.section));
  }
  return { diagnostics: out, summary: `${def.name} written at ${hex(BigInt(addr), 64)}` };
}

/** Where STE `sid` lives given the current STRTAB_BASE/_CFG (through the L1STD when 2-level). */
function steAddress(engine: Engine, sid: number): number | string {
  const base = Number((engine.smmu.peek('STRTAB_BASE') >> 6n) & ((1n << 50n) - 1n)) * 64;
  const cfg = engine.smmu.peek('STRTAB_BASE_CFG');
  const fmt = Number((cfg >> 16n) & 3n);
  if (fmt !== 1) return base + 64 * sid;
  let split = Number((cfg >> 6n) & 0x1fn);
  if (split !== 6 && split !== 8 && split !== 10) split = 6;
  const l1 = base + 8 * Math.floor(sid / 2 ** split);
  const desc = engine.memory.read(BigInt(l1), 8);
  const span = Number(desc & 0x1fn);
  const l2 = Number((desc >> 6n) & ((1n << 50n) - 1n)) * 64;
  if (span === 0) return `the stream table is 2-level and L1STD ${Math.floor(sid / 2 ** split)} (at ${hex(BigInt(l1), 64)}) is invalid (Span 0): write it first with 'l1std'`;
  return l2 + 64 * (sid % 2 ** split);
}

// --- page tables ----------------------------------------------------------------------------

function tables(state: ScriptState, s: ResolvedAction): ActionOutcome {
  const [where] = s.args;
  const sizeArg = arg(s, 'size');
  if (!where || where.value === undefined || where.name) return { diagnostics: [diag('error', 'tables.where', `expected the address of a free memory area for page tables after 'tables'`, s.keyword)] };
  const start = Number(where.value);
  if (start % 4096 !== 0) return { diagnostics: [diag('error', 'tables.unaligned', `the table pool must be 4 KB aligned`, where.range)] };
  state.pool = { next: start, end: start + (sizeArg?.value !== undefined ? Number(sizeArg.value) : 0x100000) };
  return { diagnostics: [], summary: `page tables allocated from ${hex(BigInt(start), 64)}` };
}

/**
 * `map ttb=T iova=VA pa=PA [size=S] [granule=4|16|64] [stage=1|2] [tsz=N] [sl0=N] [ro] [xn] [user] [noaf] [global] [attr=N]`:
 * write the descriptors of a VMSAv8-64 table (creating missing tables from the pool) so VA maps
 * to PA with a leaf of `size` bytes (a page or a block).
 */
function map(engine: Engine, state: ScriptState, s: ResolvedAction): ActionOutcome {
  const out: ScriptDiagnostic[] = [];
  const num = (n: string, d?: number): number | undefined => {
    const a = arg(s, n);
    return a?.value !== undefined ? Number(a.value) : d;
  };
  const known = ['ttb', 'iova', 'va', 'ipa', 'pa', 'size', 'granule', 'stage', 'tsz', 'sl0', 'ro', 'xn', 'priv', 'noaf', 'global', 'attr', 'dbm'];
  for (const a of s.args) if (!a.name || !known.includes(a.name.toLowerCase())) out.push(diag('error', 'map.arg', `unknown map argument${a.name ? ` '${a.name}'` : ''} (${known.join(', ')})`, a.range));
  const ttb = num('ttb');
  const va = num('iova') ?? num('va') ?? num('ipa');
  const pa = num('pa');
  if (ttb === undefined || va === undefined || pa === undefined) out.push(diag('error', 'map.args', `map needs ttb=, iova= and pa=`, s.range));
  const granuleKb = num('granule', 4) as number;
  if (![4, 16, 64].includes(granuleKb)) out.push(diag('error', 'map.granule', `granule is 4, 16 or 64 (KB)`, arg(s, 'granule')?.range ?? s.range));
  const stage = num('stage', 1) as number;
  if (stage !== 1 && stage !== 2) out.push(diag('error', 'map.stage', `stage is 1 or 2`, arg(s, 'stage')?.range ?? s.range));
  if (!state.pool) out.push(diag('error', 'map.pool', `no page-table pool: add 'tables ADDR' before the first map`, s.keyword));
  if (out.length || ttb === undefined || va === undefined || pa === undefined || !state.pool) return { diagnostics: out };
  const g = granuleKb as 4 | 16 | 64;
  const pageShift = g === 4 ? 12 : g === 16 ? 14 : 16;
  const perLevel = pageShift - 3;
  const size = num('size', 2 ** pageShift) as number;
  const tsz = num('tsz', 64 - 48) as number;
  let level: number | undefined;
  if (stage === 1) level = startLevelS1(g, tsz);
  else {
    const sl0 = num('sl0');
    // The same start-level rules as the SMMU's stage-2 walk (transaction.ts s2Params).
    level = sl0 === undefined ? startLevelS1(g, tsz) : startLevelS2(sl0, g, tsz, { stt: stt(engine.ids) });
  }
  if (level === undefined) return { diagnostics: [diag('error', 'map.level', `no valid starting level for a ${g} KB granule with tsz=${tsz}${stage === 2 ? ' and this sl0' : ''}`, s.range)] };
  const leafLevel = 3 - Math.round((Math.log2(size) - pageShift) / perLevel);
  if (!Number.isInteger(Math.log2(size)) || (Math.log2(size) - pageShift) % perLevel !== 0 || leafLevel < Math.max(level, g === 4 ? 1 : 2) || leafLevel > 3) {
    return { diagnostics: [diag('error', 'map.size', `size ${hex(BigInt(size))} is not a page or block size of the ${g} KB granule reachable from level ${level}`, arg(s, 'size')?.range ?? s.range)] };
  }
  if (va % size !== 0 || pa % size !== 0) return { diagnostics: [diag('error', 'map.unaligned', `iova and pa must be aligned to the size (${hex(BigInt(size))})`, s.range)] };
  let table = ttb;
  for (let l = level; l < leafLevel; l++) {
    const shift = pageShift + perLevel * (3 - l);
    const idx = Math.floor(va / 2 ** shift) % 2 ** (l === level ? 64 - tsz - shift : perLevel);
    const da = table + 8 * idx;
    const d = engine.memory.read(BigInt(da), 8);
    if ((d & 3n) === 3n) {
      table = Number(d & 0x0000_ffff_ffff_f000n) - (Number(d & 0x0000_ffff_ffff_f000n) % 2 ** pageShift);
      continue;
    }
    if ((d & 1n) === 1n) return { diagnostics: [diag('error', 'map.block', `a block descriptor at level ${l} (${hex(BigInt(da), 64)}) already covers this address`, s.range)] };
    const next = alignUp(state.pool.next, 2 ** pageShift);
    if (next + 2 ** pageShift > state.pool.end) return { diagnostics: [diag('error', 'map.pool-full', `the page-table pool is exhausted`, s.range)] };
    state.pool.next = next + 2 ** pageShift;
    engine.memory.write(BigInt(da), 8, BigInt(next) | 3n);
    table = next;
  }
  const shift = pageShift + perLevel * (3 - leafLevel);
  const idx = Math.floor(va / 2 ** shift) % 2 ** (leafLevel === level ? 64 - tsz - shift : perLevel);
  const da = table + 8 * idx;
  let d = BigInt(pa) | (leafLevel === 3 ? 3n : 1n);
  d |= flag(s, 'noaf') ? 0n : 1n << 10n; // AF
  d |= 3n << 8n; // SH: Inner Shareable
  if (stage === 1) {
    d |= BigInt(num('attr', 0) as number & 7) << 2n; // AttrIndx
    // AP[2:1]: bit 7 read-only, bit 6 EL0 access (Arm ARM D8.4). Device transactions are
    // usually unprivileged, so pages are EL0-accessible unless `priv` (as Linux io-pgtable maps).
    if (flag(s, 'ro')) d |= 1n << 7n;
    if (!flag(s, 'priv')) d |= 1n << 6n;
    if (!flag(s, 'global')) d |= 1n << 11n; // nG: tagged with the ASID
    if (flag(s, 'xn')) d |= 3n << 53n; // PXN, UXN
  } else {
    d |= BigInt(num('attr', 0xf) as number & 0xf) << 2n; // MemAttr: Normal WB by default
    d |= (flag(s, 'ro') ? 1n : 3n) << 6n; // S2AP: read / read-write
    if (flag(s, 'xn')) d |= 2n << 53n; // XN[1:0] = 0b10: not executable
  }
  if (flag(s, 'dbm')) d |= 1n << 51n;
  engine.memory.write(BigInt(da), 8, d);
  return { diagnostics: out, summary: `level ${leafLevel} ${leafLevel === 3 ? 'page' : 'block'} descriptor ${hex(d, 64)} at ${hex(BigInt(da), 64)}` };
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

// --- events ---------------------------------------------------------------------------------

function expectEvent(engine: Engine, state: ScriptState, s: ResolvedAction): ActionOutcome {
  const [first, second, ...rest] = s.args;
  const written = () => {
    const list = engine.activity.slice(state.eventCursor).filter((a) => a.kind === 'event' && a.code === 'event.written');
    return list;
  };
  if (first?.name?.toLowerCase() === 'no' && second?.name?.toLowerCase() === 'event' && rest.length === 0) {
    const list = written();
    state.eventCursor = engine.activity.length;
    if (list.length) return { diagnostics: [diag('error', 'expect.failed', `${list.length} event record${list.length === 1 ? ' was' : 's were'} written: ${list.map((a) => a.text).join('; ')}`, s.range)], failedExpectation: true };
    return { diagnostics: [], summary: 'no event', metExpectation: true };
  }
  if (first?.name?.toLowerCase() !== 'event' || !second?.name) {
    return { diagnostics: [diag('error', 'expect.syntax', `expected 'expect event NAME [FIELD=value…]' or 'expect no event'`, s.range)] };
  }
  const def = findEvent(second.name);
  if (!def) return { diagnostics: [diag('error', 'expect.unknown-event', `unknown event '${second.name}'`, second.range)] };
  const out: ScriptDiagnostic[] = [];
  const values = fieldValues(def, rest, out, def.name);
  if (out.length) return { diagnostics: out };
  // The next event written since the last expectation must be this one.
  const start = state.eventCursor;
  const rec = engine.activity.slice(start).find((a) => a.kind === 'event' && a.code === 'event.written');
  if (!rec || !rec.words) {
    state.eventCursor = engine.activity.length;
    return { diagnostics: [diag('error', 'expect.failed', `no event record was written; expected ${def.name}`, s.range)], failedExpectation: true };
  }
  state.eventCursor = engine.activity.indexOf(rec) + 1;
  const d = decodeEvent(rec.words);
  if (d.def !== def) return { diagnostics: [diag('error', 'expect.failed', `the next event record is ${formatEvent(d)}, expected ${def.name}`, second.range)], failedExpectation: true };
  const diffs: string[] = [];
  for (const [name, want] of values) {
    // Decoded values of address fields are addresses, as the expectation gives them.
    const got = d.fields.find((f) => f.field.name === name)?.value;
    if (got !== want) diffs.push(`${name} is ${got === undefined ? 'absent' : hex(got)}, expected ${hex(want)}`);
  }
  if (diffs.length) return { diagnostics: [diag('error', 'expect.failed', `${def.name}: ${diffs.join('; ')}`, s.range)], failedExpectation: true };
  return { diagnostics: [], summary: formatEvent(d), metExpectation: true };
}

function abortRange(engine: Engine, s: ResolvedAction): ActionOutcome {
  const [start, size] = s.args;
  if (start?.value === undefined || size?.value === undefined || start.name || size.name) return { diagnostics: [diag('error', 'mem.abort', `expected 'mem abort ADDRESS SIZE'`, s.range)] };
  engine.memory.addAbortRange(Number(start.value), Number(start.value + size.value));
  return { diagnostics: [], summary: `SMMU accesses to ${hex(start.value, 64)}..${hex(start.value + size.value - 1n, 64)} take an external abort` };
}
