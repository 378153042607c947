/**
 * Inspect a live SMMU through a reader of its registers and of guest physical memory (a gdbstub
 * in server/gdb/, or anything else that can read a stopped machine): the registers of page 0 and
 * page 1, the command and event queues between CONS and PROD, the Stream table, the CDs of valid
 * STEs and the translation tables behind them, decoded by core's own decoders and checked by its
 * own rules. It only reads. docs/inspect.md.
 */
import { decodeCommand, formatCommand } from '../commands/codec';
import { pending, entryOf } from '../engine/queue-index';
import { decodeEvent, formatEvent } from '../events/codec';
import { decode, extractField, featureHolds, type Decoded, type IdView } from '../registers/codec';
import { registerOffset } from '../registers/placement';
import { findField, getRegister, REGISTERS } from '../registers/table';
import type { IdRegisterName, QueueName, RegisterDef, RegisterName } from '../registers/types';
import { queueLayout, streamTableLayout, type StreamTableLayout } from '../structures/bases';
import * as caps from '../structures/capabilities';
import { decodeCd, oneTableWorld, steStreamWorld } from '../structures/cd';
import { decodeStructure, type DecodedStructure } from '../structures/decode-words';
import { checkL1std, decodeL1cd } from '../structures/l1';
import { decodeSte, describeSteConfig, type SteFields } from '../structures/ste';
import { counted } from '../text/plural';
import { idViewOfValues } from '../model/ids';
import { s1WalkParams, s2WalkParams } from '../translation/params';
import type { WalkFault, WalkMemory, WalkOk, WalkParams, WalkResult } from '../translation/types';
import { pageShift, walk } from '../translation/walk';

/** What inspection asks of a live machine. Reads only. */
export interface LiveReader {
  /** The SMMU register `width` bits wide at `offset` from page 0 (page 1 at 0x10000); a string says why not. */
  readRegister(offset: number, width: 32 | 64): Promise<bigint | string>;
  /** `length` bytes of guest physical memory at `address`; a string says why not. */
  readMemory(address: bigint, length: number): Promise<Uint8Array | string>;
}

export interface RamRange {
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
}

/** How much inspection reads at most: a guest's tables may be huge or loop. */
export interface InspectLimits {
  /** STEs read from a linear table, or L1STDs from a 2-level one. */
  readonly streams: number;
  /** Queue entries decoded per queue. */
  readonly queueEntries: number;
  /** CD entries read per STE (a linear CD table's first ones; across a 2-level one's leaf tables). */
  readonly cdsPerStream: number;
  /** Leaf CD tables (behind valid L1CDs) read per STE. */
  readonly cdTablesPerStream: number;
  /** Translation table pages read per table walk root (TTB0, TTB1, S2TTB). */
  readonly tablePages: number;
  /** Mappings (merged runs) listed per root. */
  readonly runs: number;
  /** Bytes of guest memory read in all. */
  readonly bytes: number;
}

export const DEFAULT_INSPECT_LIMITS: InspectLimits = {
  streams: 4096,
  queueEntries: 256,
  cdsPerStream: 4096,
  cdTablesPerStream: 64,
  tablePages: 256,
  runs: 256,
  bytes: 16 * 1024 * 1024,
};

export interface InspectOptions {
  /** Guest RAM: structures outside it are reported (and not read). Unknown: not checked. */
  readonly ram?: readonly RamRange[];
  readonly limits?: Partial<InspectLimits>;
}

export interface Finding {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  /** The architecture section the rule comes from. */
  readonly section?: string;
}

export interface RegisterReading {
  readonly def: RegisterDef;
  /** Where it was read, from the SMMU base: the table's offset, or for the VATOS page where SMMU_IDR2.BA_VATOS puts it (§6.3.3). */
  readonly offset: number;
  readonly value?: bigint;
  readonly error?: string;
  readonly decoded?: Decoded;
}

export interface QueueEntry {
  readonly index: number;
  readonly address: bigint;
  readonly text: string;
  readonly problems: readonly string[];
}

export interface QueueReading {
  readonly queue: QueueName;
  readonly base: bigint;
  readonly log2: number;
  readonly prod: number;
  readonly cons: number;
  /** Between CONS and PROD: pending commands, unread records. */
  readonly waiting: number;
  readonly entries: readonly QueueEntry[];
}

export interface StructureReading {
  readonly address: bigint;
  /** The structure's 32-bit words as read, little-endian. */
  readonly words: readonly number[];
  readonly decoded: DecodedStructure;
}

export interface SteReading extends StructureReading {
  readonly sid: number;
  readonly summary: string;
}

export interface CdReading extends StructureReading {
  readonly sid: number;
  readonly ssid: number;
  /** A nested STE's CD: the IPA its pointer gave, which stage 2 translated to `address` (§5.2 S1ContextPtr). */
  readonly ipa?: bigint;
}

export interface MappingRun {
  readonly ia: bigint;
  readonly oa: bigint;
  readonly size: bigint;
  readonly perms: string;
}

export interface TableReading {
  /** Whose tables: `StreamID 8 SSID 0 stage 1 TTB0`, `StreamID 8 stage 2`. */
  readonly owner: string;
  readonly stage: 1 | 2;
  readonly ttb: bigint;
  readonly granule: number;
  readonly inputBits: number;
  readonly runs: readonly MappingRun[];
  /** Table pages read. */
  readonly pages: number;
  readonly truncated: boolean;
  /** Nested stage 1: TTB, table addresses and outputs are IPAs; table reads went through stage 2. */
  readonly nested?: boolean;
}

export interface Inspection {
  readonly registers: readonly RegisterReading[];
  readonly queues: readonly QueueReading[];
  readonly streamTable?: StreamTableLayout & { readonly address: bigint };
  readonly stes: readonly SteReading[];
  readonly cds: readonly CdReading[];
  readonly tables: readonly TableReading[];
  readonly findings: readonly Finding[];
  readonly bytesRead: number;
  /** Whether structures were checked against guest RAM. */
  readonly ramChecked: boolean;
}

/** decodeStructure's form of an ILLEGAL reason: the message and its section. */
const ILLEGAL = /^ILLEGAL: (.*) \(§([\d.]+)\)$/;

const ID_REGISTERS: readonly IdRegisterName[] = ['IDR0', 'IDR1', 'IDR2', 'IDR3', 'IDR4', 'IDR5', 'IIDR', 'AIDR'];
const h = (v: bigint | number) => '0x' + v.toString(16).toUpperCase();

/** Little-endian 32-bit words of `bytes`, as the structure tables read them. */
function wordsOf(bytes: Uint8Array, at = 0, n = (bytes.length - at) >> 2): number[] {
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = at + 4 * i;
    w.push(
      ((bytes[o] as number) |
        ((bytes[o + 1] as number) << 8) |
        ((bytes[o + 2] as number) << 16) |
        ((bytes[o + 3] as number) << 24)) >>>
        0,
    );
  }
  return w;
}

function dwordsOf(w: readonly number[]): bigint[] {
  const d: bigint[] = [];
  for (let i = 0; i + 1 < w.length; i += 2) d.push((BigInt(w[i + 1] as number) << 32n) | BigInt(w[i] as number));
  return d;
}

class Session {
  readonly findings: Finding[] = [];
  bytesRead = 0;
  readonly limits: InspectLimits;
  private budgetSaid = false;

  constructor(
    private readonly reader: LiveReader,
    readonly options: InspectOptions,
  ) {
    this.limits = { ...DEFAULT_INSPECT_LIMITS, ...options.limits };
  }

  find(severity: Finding['severity'], code: string, message: string, section?: string): void {
    this.findings.push({ severity, code, message, ...(section ? { section } : {}) });
  }

  /** Whether [address, address + length) lies in guest RAM; true when RAM is unknown. */
  inRam(address: bigint, length: number): boolean {
    const ram = this.options.ram;
    if (!ram) return true;
    const end = address + BigInt(length);
    return ram.some((r) => address >= r.start && end <= r.end);
  }

  /**
   * Read a structure of guest memory, or say why not: outside RAM (a finding naming `what`), over
   * the budget, or the reader's own error.
   */
  async memory(address: bigint, length: number, what: string, section?: string): Promise<Uint8Array | undefined> {
    if (!this.inRam(address, length)) {
      this.find(
        'error',
        'inspect.outside-ram',
        `${what} at ${h(address)}..${h(address + BigInt(length) - 1n)} is outside guest RAM (${ramText(this.options.ram ?? [])}): the SMMU's accesses there abort or read what is not RAM`,
        section,
      );
      return undefined;
    }
    if (this.bytesRead + length > this.limits.bytes) {
      if (!this.budgetSaid)
        this.find(
          'info',
          'inspect.limit',
          `stopped reading guest memory at ${this.limits.bytes} bytes (the limit): ${what} and later structures were not read`,
        );
      this.budgetSaid = true;
      return undefined;
    }
    const r = await this.reader.readMemory(address, length);
    if (typeof r === 'string') {
      this.find('error', 'inspect.unreadable', `${what} at ${h(address)}: ${r}`, section);
      return undefined;
    }
    this.bytesRead += length;
    return r;
  }
}

function ramText(ram: readonly RamRange[]): string {
  return ram.map((r) => `${h(r.start)}..${h(r.end - 1n)}`).join(', ') || 'none known';
}

/** Registers the live SMMU implements (a register whose feature its ID registers do not advertise is not read). */
function registersToRead(ids: IdView): RegisterDef[] {
  return REGISTERS.filter((r) => !r.requires || featureHolds(r.requires, ids));
}

/** Inspect the SMMU behind `reader`: every reading, and every rule a reading breaks. */
export async function inspectLive(reader: LiveReader, options: InspectOptions = {}): Promise<Inspection> {
  const s = new Session(reader, options);
  const values = new Map<RegisterName, bigint>();
  const readings: RegisterReading[] = [];
  // `offset`: the VATOS page's registers are where SMMU_IDR2.BA_VATOS puts them (§6.3.3).
  const readOne = async (def: RegisterDef, offset = def.offset) => {
    const v = await reader.readRegister(offset, def.width);
    if (typeof v === 'string') {
      readings.push({ def, offset, error: v });
      s.find('error', 'inspect.unreadable', `SMMU_${def.name} at offset ${h(offset)}: ${v}`, def.section);
      return;
    }
    values.set(def.name, v);
    readings.push({ def, offset, value: v });
  };
  // The ID registers first: they say which other registers exist.
  for (const name of ID_REGISTERS) await readOne(getRegister(name));
  const idValues: Partial<Record<IdRegisterName, number>> = {};
  for (const n of ID_REGISTERS) {
    const v = values.get(n);
    if (v !== undefined) idValues[n] = Number(v);
  }
  const ids = idViewOfValues(idValues);
  for (const def of registersToRead(ids))
    if (!ID_REGISTERS.includes(def.name as IdRegisterName)) await readOne(def, registerOffset(def, ids));
  readings.sort((a, b) => a.offset - b.offset);
  const registers = readings.map((r) => (r.value !== undefined ? { ...r, decoded: decode(r.def, r.value, ids) } : r));
  const reg = (n: RegisterName) => values.get(n);

  checkGerror(s, reg('GERROR'), reg('GERRORN'));
  const queues: QueueReading[] = [];
  for (const q of ['CMDQ', 'EVENTQ', ...(caps.pri(ids) ? (['PRIQ'] as const) : [])] as const) {
    const r = await readQueue(s, q, ids, values);
    if (r) queues.push(r);
  }

  const stes: SteReading[] = [];
  const cds: CdReading[] = [];
  const tables: TableReading[] = [];
  let streamTable: Inspection['streamTable'];
  const base = reg('STRTAB_BASE');
  const cfg = reg('STRTAB_BASE_CFG');
  const smmuen = findField(getRegister('CR0ACK'), 'SMMUEN');
  const enabled = smmuen !== undefined && extractField(reg('CR0ACK') ?? 0n, smmuen) === 1n;
  // An SMMU out of reset that nobody programmed: no table to read (the SMMU uses none until SMMUEN, §6.3.9).
  const unset = !enabled && base !== undefined && streamTableLayout(base, 0n, ids).written === 0;
  if (unset)
    s.find(
      'info',
      'inspect.no-stream-table',
      'SMMU_STRTAB_BASE is 0 and SMMU_CR0ACK.SMMUEN is 0: no Stream table is set up',
    );
  if (base !== undefined && cfg !== undefined && !unset) {
    const layout = streamTableLayout(base, cfg, ids);
    streamTable = { ...layout, address: BigInt(layout.base) };
    await readStreamTable(s, layout, ids, stes);
    const oas = caps.oasBits(ids);
    // The stage 2 base permissions of STE.S2PIE = 1 streams (§3.26.2); RES0 without IDR3.S2PI.
    const s2pii = reg('S2PII') ?? 0n;
    // SMMU_CR2.E2H selects EL2-E2H for an STE with STRW == 0b10 (§5.2 STRW, §6.3.12).
    const e2hField = findField(getRegister('CR2'), 'E2H');
    const e2h = e2hField === undefined ? 0 : Number(extractField(reg('CR2') ?? 0n, e2hField));
    for (const ste of stes) {
      const fields = decodeSte(ste.words);
      if (ste.decoded.problems.some((p) => ILLEGAL.test(p))) continue;
      if ((fields.config & 1) === 1) await readCds(s, ste.sid, fields, ids, oas, cds, tables, s2pii, e2h);
      if ((fields.config & 2) === 2) {
        const p = s2WalkParams(fields, ids, oas, s2pii);
        if (p) tables.push(await readTables(s, `StreamID ${ste.sid} stage 2`, p));
      }
    }
  }
  return {
    registers,
    queues,
    ...(streamTable ? { streamTable } : {}),
    stes,
    cds,
    tables,
    findings: s.findings,
    bytesRead: s.bytesRead,
    ramChecked: options.ram !== undefined,
  };
}

/** §6.3.19, §7.5: error x is active while GERROR[x] != GERRORN[x]. */
function checkGerror(s: Session, gerror: bigint | undefined, gerrorn: bigint | undefined): void {
  if (gerror === undefined || gerrorn === undefined) return;
  const def = getRegister('GERROR');
  const active = def.fields.filter(
    (f) => extractField(gerror, f) !== extractField(gerrorn, findField(getRegister('GERRORN'), f.name) ?? f),
  );
  for (const f of active)
    s.find(
      'error',
      'inspect.gerror',
      `global error ${f.name} is active (SMMU_GERROR.${f.name} = ${extractField(gerror, f)}, SMMU_GERRORN.${f.name} = ${1n - extractField(gerror, f)}): ${f.description}`,
      '7.5',
    );
}

const QUEUE_REGS: Record<QueueName, { base: RegisterName; prod: RegisterName; cons: RegisterName; en: string }> = {
  CMDQ: { base: 'CMDQ_BASE', prod: 'CMDQ_PROD', cons: 'CMDQ_CONS', en: 'CMDQEN' },
  EVENTQ: { base: 'EVENTQ_BASE', prod: 'EVENTQ_PROD', cons: 'EVENTQ_CONS', en: 'EVENTQEN' },
  PRIQ: { base: 'PRIQ_BASE', prod: 'PRIQ_PROD', cons: 'PRIQ_CONS', en: 'PRIQEN' },
};

async function readQueue(
  s: Session,
  queue: QueueName,
  ids: IdView,
  values: ReadonlyMap<RegisterName, bigint>,
): Promise<QueueReading | undefined> {
  const r = QUEUE_REGS[queue];
  const baseValue = values.get(r.base);
  const prodValue = values.get(r.prod);
  const consValue = values.get(r.cons);
  if (baseValue === undefined || prodValue === undefined || consValue === undefined) return undefined;
  const g = queueLayout(baseValue, queue, ids);
  const prodDef = getRegister(r.prod);
  const consDef = getRegister(r.cons);
  const wr = findField(prodDef, 'WR');
  const rd = findField(consDef, 'RD');
  if (!wr || !rd) return undefined;
  const prodRaw = Number(extractField(prodValue, wr));
  const consRaw = Number(extractField(consValue, rd));
  const keep = 2 ** (g.log2 + 1) - 1;
  // §6.3.27: bits above the wrap flag [QS] are not part of the index.
  for (const [def, f, raw] of [
    [prodDef, wr, prodRaw],
    [consDef, rd, consRaw],
  ] as const)
    if (raw > keep)
      s.find(
        'error',
        'inspect.queue-index',
        `SMMU_${def.name}.${f.name} = ${h(raw)} is beyond the queue: with LOG2SIZE ${g.log2} (${counted(2 ** g.log2, 'entry', 'entries')}) the index is bits [${Math.max(g.log2 - 1, 0)}:0] and the wrap flag bit [${g.log2}]`,
        def.section,
      );
  const prod = prodRaw & keep;
  const cons = consRaw & keep;
  const waiting = pending(prod, cons, g.log2);
  // §3.5: PROD may run ahead of CONS by at most the queue size.
  if (waiting > 2 ** g.log2)
    s.find(
      'error',
      'inspect.queue-index',
      `${queue}: PROD ${h(prod)} is ${waiting} entries ahead of CONS ${h(cons)}, more than the ${2 ** g.log2} entries of the queue`,
      '3.5',
    );
  const enabled = extractField(values.get('CR0ACK') ?? 0n, findField(getRegister('CR0ACK'), r.en) ?? wr) === 1n;
  if (queue === 'CMDQ') {
    const gerror = values.get('GERROR');
    const gerrorn = values.get('GERRORN');
    const errField = findField(getRegister('GERROR'), 'CMDQ_ERR');
    const errActive =
      gerror !== undefined && gerrorn !== undefined && errField
        ? extractField(gerror, errField) !== extractField(gerrorn, errField)
        : false;
    const errCode = findField(consDef, 'ERR');
    if (errActive && errCode) {
      const code = extractField(consValue, errCode);
      const name = errCode.values?.find((v) => BigInt(v.value) === code)?.name ?? h(code);
      s.find('error', 'inspect.cmdq-error', `the command queue stopped at CONS ${h(cons)} with ${name}`, '7.1');
    }
  }
  const entries: QueueEntry[] = [];
  const shown = Math.min(waiting > 2 ** g.log2 ? 0 : waiting, s.limits.queueEntries);
  if (shown < waiting && waiting <= 2 ** g.log2)
    s.find('info', 'inspect.limit', `${queue}: ${waiting} entries wait; the first ${shown} are shown`);
  const entryBytes = g.entryBytes;
  const base = BigInt(g.base);
  if (shown > 0 && !enabled && queue !== 'CMDQ')
    s.find('info', 'inspect.queue-disabled', `${queue}: CR0ACK.${r.en} is 0; the records are read as they are`);
  for (let k = 0; k < shown; k++) {
    const index = (cons + k) & keep;
    const address = base + BigInt(entryOf(index, g.log2) * entryBytes);
    const bytes = await s.memory(address, entryBytes, `${queue} entry ${entryOf(index, g.log2)}`, '3.5');
    if (!bytes) break;
    const w = wordsOf(bytes);
    if (queue === 'CMDQ') {
      const d = decodeCommand(w, ids);
      // What every SMMU must refuse, and what it may (§4.1.3 "optionally detected": Reserved fields).
      const required = decodeCommand(w, ids, { optionalChecks: 'ignore' }).problems.filter((p) => p.ill);
      const where = `the pending command at CMDQ entry ${entryOf(index, g.log2)} (${h(address)})`;
      for (const p of d.problems.filter((x) => x.ill)) {
        if (required.some((r) => r.code === p.code && r.message === p.message))
          s.find(
            'error',
            'inspect.cerror-ill',
            `${where} would stop the queue with CERROR_ILL: ${p.message}`,
            p.section,
          );
        else
          s.find(
            'warning',
            'inspect.cerror-ill',
            `${where} may stop the queue with CERROR_ILL (an SMMU may detect this, §4.1.3): ${p.message}`,
            p.section,
          );
      }
      entries.push({
        index,
        address,
        text: formatCommand(d),
        problems: d.problems.map((p) => `${p.message}${p.ill ? ' (CERROR_ILL)' : ''}`),
      });
    } else if (queue === 'EVENTQ') {
      const d = decodeEvent(w);
      entries.push({ index, address, text: formatEvent(d), problems: [] });
    } else {
      const d = decodeStructure('pri', dwordsOf(w), ids);
      entries.push({
        index,
        address,
        text: typeof d === 'string' ? d : d.title,
        problems: typeof d === 'string' ? [] : d.problems,
      });
    }
  }
  return { queue, base, log2: g.log2, prod, cons, waiting, entries };
}

/** A structure's bytes decoded and checked by decodeStructure (a CD as the STE that located it sees it). */
function structure(kind: 'ste' | 'cd', w: readonly number[], ids: IdView, ste?: SteFields, e2h = 0): DecodedStructure {
  const d = decodeStructure(kind, dwordsOf(w), ids, ste ? { ste, e2h } : undefined);
  return typeof d === 'string' ? { title: kind, section: '5', fields: [], problems: [d] } : d;
}

async function readStreamTable(s: Session, t: StreamTableLayout, ids: IdView, out: SteReading[]): Promise<void> {
  const base = BigInt(t.base);
  const add = (sid: number, address: bigint, bytes: Uint8Array, at: number) => {
    const words = wordsOf(bytes, at, 16);
    if (((words[0] as number) & 1) === 0) return; // V == 0: not a stream in use
    const decoded = structure('ste', words, ids);
    for (const p of decoded.problems) {
      const m = ILLEGAL.exec(p);
      if (m)
        s.find('error', 'inspect.ste-illegal', `STE ${sid} at ${h(address)} is ILLEGAL (C_BAD_STE): ${m[1]}`, m[2]);
    }
    out.push({ sid, address, words, decoded, summary: describeSteConfig(decodeSte(words)) });
  };
  if (!t.twoLevel) {
    const count = 2 ** t.log2;
    const n = Math.min(count, s.limits.streams);
    if (n < count)
      s.find('info', 'inspect.limit', `the linear Stream table has ${count} STEs; the first ${n} were read`);
    const bytes = await s.memory(base, n * 64, `the linear Stream table (${counted(count, 'STE')})`, '6.3.24');
    if (!bytes) return;
    for (let sid = 0; sid < n; sid++) add(sid, base + BigInt(sid * 64), bytes, sid * 64);
    return;
  }
  // 2-level (§5.1): L1STD n covers StreamIDs [n << SPLIT, (n + 1) << SPLIT).
  const count = 2 ** Math.max(t.log2 - t.split, 0);
  const n = Math.min(count, s.limits.streams);
  if (n < count)
    s.find('info', 'inspect.limit', `the level 1 Stream table has ${count} descriptors; the first ${n} were read`);
  const l1 = await s.memory(base, n * 8, `the level 1 Stream table (${counted(count, 'L1STD')})`, '6.3.24');
  if (!l1) return;
  for (let i = 0; i < n; i++) {
    const w = wordsOf(l1, i * 8, 2);
    const v = checkL1std(w, t.split);
    if (!v.ok) {
      if (v.reason !== 'span-0')
        s.find(
          'error',
          'inspect.l1std',
          `L1STD ${i} at ${h(base + BigInt(i * 8))}: ${v.message} (C_BAD_STREAMID for its StreamIDs)`,
          '5.1',
        );
      continue;
    }
    const l2 = BigInt(v.l2Ptr);
    const bytes = await s.memory(l2, v.entries * 64, `the level 2 STE array of L1STD ${i}`, '5.1');
    if (!bytes) continue;
    for (let k = 0; k < v.entries; k++) add(i * 2 ** t.split + k, l2 + BigInt(k * 64), bytes, k * 64);
  }
}

async function readCds(
  s: Session,
  sid: number,
  ste: SteFields,
  ids: IdView,
  oas: number,
  out: CdReading[],
  tables: TableReading[],
  s2pii: bigint,
  e2h: number,
): Promise<void> {
  // §5.4.1: in the NS-EL2 StreamWorld (SMMU_CR2.E2H == 0) TTB1 is unreachable and EPD0/EPD1 are
  // IGNORED (§5.4 EPD0), so only TTB0's tables are read; the CD is judged in its StreamWorld.
  const oneTable = oneTableWorld(steStreamWorld(ste, ids, e2h));
  // Nested (§5.2 Config 0b111): S1ContextPtr, the L1CDs' L2Ptr and the CDs' TTBx are IPAs that
  // stage 2 translates (§5.2 S1ContextPtr, §3.4.3; its faults have CLASS=CD), with the STE's stage 2.
  let stage2: Stage2 | undefined;
  if ((ste.config & 2) === 2) {
    const p = s2WalkParams(ste, ids, oas, s2pii);
    if (!p) {
      s.find(
        'info',
        'inspect.nested',
        `StreamID ${sid} is nested: its CD pointer ${h(ste.s1ContextPtr)} is an IPA, and its stage 2 is not one the walker performs: not followed`,
      );
      return;
    }
    stage2 = new Stage2(s, `StreamID ${sid} stage 2`, p);
  }
  /** The PA of a CD-table address, or undefined (said) when stage 2 does not translate it. */
  const toPa = async (address: bigint, what: string): Promise<bigint | undefined> => {
    if (!stage2) return address;
    const r = await stage2.translate(address);
    if (typeof r !== 'string') return r;
    s.find(
      'error',
      'inspect.nested',
      `${what} at IPA ${h(address)}: stage 2 does not translate it: the SMMU records ${r} (CLASS=CD)`,
      '3.4.3',
    );
    return undefined;
  };
  /**
   * `length` bytes of a CD table at `ipa` (a PA unless nested), read as one range or, nested, page
   * by page of stage 2's output; with the PA of each byte's page, or undefined (said) when not read.
   */
  const readRange = async (
    ipa: bigint,
    length: number,
    what: string,
    section: string,
  ): Promise<{ bytes: Uint8Array; pa: (offset: number) => bigint } | undefined> => {
    if (!stage2) {
      const bytes = await s.memory(ipa, length, what, section);
      return bytes && { bytes, pa: (o) => ipa + BigInt(o) };
    }
    const bytes = new Uint8Array(length);
    const pages: bigint[] = [];
    for (let at = 0; at < length;) {
      const a = ipa + BigInt(at);
      const n = Math.min(length - at, Number(TABLE_PAGE - (a % TABLE_PAGE)));
      const pa = await toPa(a, what);
      if (pa === undefined) return undefined;
      const part = await s.memory(pa, n, what, section);
      if (!part) return undefined;
      bytes.set(part, at);
      pages.push(pa - (a % TABLE_PAGE));
      at += n;
    }
    const first = ipa % TABLE_PAGE;
    return {
      bytes,
      pa: (o) => {
        const k = Number((first + BigInt(o)) / TABLE_PAGE);
        return (pages[k] as bigint) + ((ipa + BigInt(o)) % TABLE_PAGE);
      },
    };
  };
  const count = ste.s1CdMax === 0 ? 1 : 2 ** ste.s1CdMax;
  let scanned = 0;
  /** One CD entry: listed and checked when valid (or SSID 0), its tables walked when legal. */
  const oneCd = async (ssid: number, ipa: bigint, address: bigint, words: number[]) => {
    const decoded = structure('cd', words, ids, ste, e2h);
    const cd = decodeCd(words);
    if (!cd.v && ssid > 0) return; // unused substreams
    out.push({ sid, ssid, address, words, decoded, ...(stage2 ? { ipa } : {}) });
    const where = stage2 ? `${h(address)} (IPA ${h(ipa)})` : h(address);
    let illegal = !cd.v;
    if (!cd.v)
      s.find(
        'error',
        'inspect.cd-illegal',
        `the CD of StreamID ${sid} SSID ${ssid} at ${where} is invalid (V is 0): the SMMU reports C_BAD_CD`,
        '5.4',
      );
    for (const p of decoded.problems) {
      const m = ILLEGAL.exec(p);
      if (!m) continue;
      illegal = true;
      s.find(
        'error',
        'inspect.cd-illegal',
        `the CD of StreamID ${sid} SSID ${ssid} at ${where} is ILLEGAL (C_BAD_CD): ${m[1]}`,
        m[2],
      );
    }
    if (illegal) return;
    const owner = `StreamID ${sid} SSID ${ssid} stage 1`;
    if (!cd.epd0 || oneTable) {
      const p = s1WalkParams(cd, 0, ids, oas, false, ste);
      if (p) tables.push(await readTables(s, `${owner} TTB0`, p, false, stage2));
    }
    if (!cd.epd1 && !oneTable) {
      const p = s1WalkParams(cd, 1, ids, oas, false, ste);
      if (p) tables.push(await readTables(s, `${owner} TTB1`, p, true, stage2));
    }
  };
  /** The CDs of a table of `n` entries at `ipa`, the first of them SSID `first`. */
  const cdTable = async (ipa: bigint, first: number, n: number, what: string): Promise<void> => {
    const r = await readRange(ipa, n * 64, what, '5.4');
    if (!r) return;
    for (let k = 0; k < n; k++)
      await oneCd(first + k, ipa + BigInt(k * 64), r.pa(k * 64), wordsOf(r.bytes, k * 64, 16));
  };
  const ptr = BigInt(ste.s1ContextPtr);
  if (ste.s1Fmt === 0 || ste.s1CdMax === 0) {
    // A linear CD table (§5.2 S1Fmt 0b00): 2^S1CDMax CDs from S1ContextPtr.
    const n = Math.min(count, s.limits.cdsPerStream);
    await cdTable(ptr, 0, n, n === 1 ? `the CD of StreamID ${sid} SSID 0` : `the CD table of StreamID ${sid}`);
    if (n < count)
      s.find('info', 'inspect.limit', `StreamID ${sid} has ${count} substreams; the first ${n} CDs were read`);
    return;
  }
  // A 2-level CD table (§5.2 S1Fmt, §5.3): L1CD k locates the leaf table of SSIDs
  // [k << SPLIT, (k + 1) << SPLIT), 4 KB (SPLIT 6) or 64 KB (SPLIT 10) leaf tables.
  const split = ste.s1Fmt === 1 ? 6 : 10;
  const l1Count = Math.ceil(count / 2 ** split);
  const l1 = await readRange(ptr, l1Count * 8, `the L1CD table of StreamID ${sid}`, '5.3');
  if (!l1) return;
  let leafTables = 0;
  for (let k = 0; k < l1Count; k++) {
    const d = decodeL1cd(wordsOf(l1.bytes, k * 8, 2));
    if (!d.valid) continue; // its SSIDs are C_BAD_SUBSTREAMID, unused
    const n = Math.min(2 ** split, count - k * 2 ** split);
    if (leafTables >= s.limits.cdTablesPerStream || scanned + n > s.limits.cdsPerStream) {
      s.find(
        'info',
        'inspect.limit',
        `StreamID ${sid}: the leaf CD tables of L1CD ${k} and after were not read (the limits: ${s.limits.cdTablesPerStream} leaf tables, ${s.limits.cdsPerStream} CDs per STE)`,
      );
      return;
    }
    leafTables++;
    scanned += n;
    await cdTable(BigInt(d.l2Ptr), k * 2 ** split, n, `the leaf CD table of L1CD ${k} of StreamID ${sid}`);
  }
}

const READ_UNPRIV = { read: true, write: false, exec: false, priv: false } as const;
const READ_PRIV = { ...READ_UNPRIV, priv: true } as const;

/** The leaf a walk reached: its result, or the one its Permission fault names. */
function leafOf(r: WalkResult): { oa: bigint; size: bigint; perms: WalkOk['perms'] } | undefined {
  if (r.ok) return r;
  return r.kind === 'permission' ? r.leaf : undefined;
}

const permsText = (x: WalkOk['perms']) => `${x.r ? 'r' : '-'}${x.w ? 'w' : '-'}${x.x ? 'x' : '-'}`;
const TABLE_PAGE = 4096n;

/**
 * Translation table pages of guest memory for the walker, which reads synchronously: a read of a
 * page not yet here answers 'abort' and names the page (`missing`); the caller reads it with
 * `fetch` and walks again. Hardware updates (Access flag, dirty state) are never written.
 */
class TablePages {
  private readonly pages = new Map<bigint, Uint8Array | 'abort'>();
  missing: bigint | undefined;

  readonly memory: WalkMemory = {
    read64: (pa) => {
      const page = pa - (pa % TABLE_PAGE);
      const bytes = this.pages.get(page);
      if (bytes === undefined) {
        this.missing = page;
        return 'abort';
      }
      if (bytes === 'abort') return 'abort';
      const o = Number(pa - page);
      return (BigInt(wordsOf(bytes, o + 4, 1)[0] as number) << 32n) | BigInt(wordsOf(bytes, o, 1)[0] as number);
    },
    write64: () => 'ok',
  };

  get size(): number {
    return this.pages.size;
  }

  /** Read the missing page; false when the page limit forbids it. */
  async fetch(s: Session, owner: string): Promise<boolean> {
    const page = this.missing;
    if (page === undefined) return true;
    if (this.pages.size >= s.limits.tablePages) return false;
    this.missing = undefined;
    const bytes = await s.memory(page, Number(TABLE_PAGE), `a translation table page of ${owner}`, '3.4');
    this.pages.set(page, bytes ?? 'abort');
    return true;
  }
}

/** The event a stage 2 fault of a CD fetch records (§7.3: F_TRANSLATION … with CLASS=CD). */
const S2_FAULT_EVENT: Record<WalkFault['kind'], string> = {
  translation: 'F_TRANSLATION',
  addressSize: 'F_ADDR_SIZE',
  accessFlag: 'F_ACCESS',
  permission: 'F_PERMISSION',
  walkEabt: 'F_WALK_EABT',
};

/**
 * A nested STE's stage 2, translating the IPAs of its CD tables and stage 1 tables as the SMMU
 * does (a privileged read, as the model's CD fetch, core/engine/transaction.ts), with the model's
 * walker on table pages read on demand.
 */
class Stage2 {
  readonly pages = new TablePages();

  constructor(
    private readonly s: Session,
    readonly owner: string,
    readonly params: WalkParams,
  ) {}

  /** The walk of `ipa` on the pages read so far (a missing page leaves `pages.missing` set). */
  walk(ipa: bigint): WalkResult {
    return walk(this.params, ipa, READ_PRIV, this.pages.memory);
  }

  /** The PA of `ipa`, or the fault in words. */
  async translate(ipa: bigint): Promise<bigint | string> {
    for (;;) {
      this.pages.missing = undefined;
      const r = this.walk(ipa);
      if (this.pages.missing === undefined) return r.ok ? r.oa : `${S2_FAULT_EVENT[r.kind]}, ${r.message}`;
      if (!(await this.pages.fetch(this.s, this.owner)))
        return `the limit of ${this.s.limits.tablePages} table pages was reached`;
    }
  }
}

/**
 * The mappings of one table root: the walker (core/translation/walk.ts) run over the input range,
 * leaf by leaf, on a copy of the table pages it needs, read as it asks for them. Hardware updates
 * (Access flag, dirty state) are never written: the guest's memory is only read. Under a nested
 * STE (`stage2`), the stage 1 table addresses are IPAs that stage 2 translates (the walker's
 * `tableAddress`), and the mappings' outputs are IPAs.
 */
async function readTables(
  s: Session,
  owner: string,
  p: WalkParams,
  ttb1 = false,
  stage2?: Stage2,
): Promise<TableReading> {
  const tablePages = new TablePages();
  const mem: WalkMemory = stage2
    ? {
        ...tablePages.memory,
        tableAddress: (ipa) => {
          const r = stage2.walk(ipa);
          return r.ok ? r.oa : r;
        },
      }
    : tablePages.memory;
  /** The page one of the two caches is missing, and its fetch. */
  const missingPage = () =>
    tablePages.missing !== undefined
      ? () => tablePages.fetch(s, owner)
      : stage2?.pages.missing !== undefined
        ? () => stage2.pages.fetch(s, stage2.owner)
        : undefined;
  const inputBits = 64 - p.tsz;
  const span = 1n << BigInt(inputBits);
  const lo = ttb1 ? (1n << 64n) - span : 0n;
  const hi = ttb1 ? 1n << 64n : span;
  const runs: MappingRun[] = [];
  const ps = pageShift(p.granule);
  const stride = ps - 3;
  let truncated = false;
  let faults = 0;
  let ia = lo;
  let steps = 0;
  while (ia < hi) {
    if (++steps > 1_000_000) {
      truncated = true;
      break;
    }
    tablePages.missing = undefined;
    if (stage2) stage2.pages.missing = undefined;
    // The leaf as each privilege sees it: a read, whose Permission fault still names the leaf.
    const unpriv = walk(p, ia, READ_UNPRIV, mem);
    const priv = p.stage === 1 && !missingPage() ? walk(p, ia, READ_PRIV, mem) : unpriv;
    const fetch = missingPage();
    if (fetch) {
      if (!(await fetch())) {
        truncated = true;
        break;
      }
      continue;
    }
    const leafU = leafOf(unpriv);
    const leafP = leafOf(priv);
    if (leafU && leafP) {
      const u = permsText(leafU.perms);
      const k = permsText(leafP.perms);
      const perms = u === k ? u : `${u} (privileged ${k})`;
      const base = leafU.oa - (ia & (leafU.size - 1n));
      const last = runs[runs.length - 1];
      if (last && last.ia + last.size === ia && last.oa + last.size === base && last.perms === perms)
        runs[runs.length - 1] = { ...last, size: last.size + leafU.size };
      else if (runs.length >= s.limits.runs) {
        truncated = true;
        break;
      } else runs.push({ ia, oa: base, size: leafU.size, perms });
      ia += leafU.size;
      continue;
    }
    const r = unpriv.ok ? priv : unpriv;
    if (r.ok) break; // unreachable: both privileges found the leaf above
    if (r.kind !== 'walkEabt' && !/descriptor/.test(r.message)) {
      // The root itself is unusable (input range, start level, TTB beyond the output size).
      s.find('error', 'inspect.walk', `${owner}: ${r.message}`, '3.4');
      break;
    }
    if (r.kind !== 'translation') {
      if (++faults <= 8)
        s.find(
          'warning',
          'inspect.walk',
          `${owner}: at ${h(ia)}: ${r.message}`,
          r.kind === 'accessFlag' ? '3.13' : '3.4',
        );
    }
    // Skip what the descriptor at the faulting level covers.
    const shift = BigInt(ps + stride * (3 - r.level));
    ia = ((ia >> shift) + 1n) << shift;
  }
  if (truncated)
    s.find(
      'info',
      'inspect.limit',
      `${owner}: the tables were read as far as the limits (${s.limits.tablePages} pages, ${s.limits.runs} mappings)`,
    );
  return {
    owner,
    stage: p.stage,
    ttb: p.ttb,
    granule: p.granule,
    inputBits,
    runs,
    pages: tablePages.size,
    truncated,
    ...(stage2 ? { nested: true } : {}),
  };
}
