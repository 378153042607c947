/**
 * The `smmu/queuesAtLine` request: the command, event and PRI queues and the valid STEs of the
 * stream table, read from the model's guest memory after a script's statements up to a line ran
 * (as smmu/stateAtLine does for registers), or the entries of a `.smmuq` queue descriptor; with
 * Secure state, the Secure Command and Event queues and the Secure Stream table too. Every
 * entry is decoded by the tables in core/ (decodeStructure); nothing here knows a field position.
 */
import { Engine, type QueueKind as EngineQueue } from '../../core/engine/engine';
import { modelAtLine } from '../../core/script/model-at-line';
import { stoppedMessage } from './state';
import { entryOf, isEmpty, pending, slotAddress } from '../../core/engine/queue-index';
import { F } from '../../core/engine/registers';
import { currentStreamTable } from '../../core/engine/stream-table';
import { secureEventQueue } from '../../core/engine/event-queue';
import { secureCmdqGeometry } from '../../core/engine/secure-cmdq';
import { NON_SECURE, SECURE, type ProgrammingInterface, type SecurityState } from '../../core/engine/security';
import { idViewOf } from '../../core/model/ids';
import type { IdView } from '../../core/registers/codec';
import { hex } from '../../core/registers/codec';
import { decodeL1std } from '../../core/structures/l1';
import { STE } from '../../core/structures/ste';
import * as caps from '../../core/structures/capabilities';
import { fieldValue, findLayoutField } from '../../core/layout/access';
import { decodeStructure, type DecodedStructure, type StructureKind } from '../../core/structures/decode-words';
import type { QueueFileCheck } from '../../core/queue-file/check';
import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type {
  DecodedFieldState,
  QueueEntryState,
  QueuesAtLineParams,
  QueuesAtLineResult,
  QueueState,
  StreamTableEntryState,
  StreamTableState,
} from './lsp-ext';
import { Workspace } from './workspace';

/** At most this many queue slots and StreamIDs are read: the views list, they do not page. */
export const MAX_SLOTS = 4096;

const hex64 = (v: bigint) => hex(v, 64);
const STE_V = findLayoutField(STE, 'V')!;

function fieldsOf(d: DecodedStructure): DecodedFieldState[] {
  return d.fields.map((f) => ({
    name: f.name,
    bits: f.msb === f.lsb ? `[${f.msb}]` : `[${f.msb}:${f.lsb}]`,
    value: f.value > 9n ? '0x' + f.value.toString(16).toUpperCase() : f.value.toString(),
    ...(f.meaning ? { meaning: f.meaning } : {}),
  }));
}

/** 32-bit little-endian words to 64-bit doublewords. */
function dwordsOf(words: ArrayLike<number>): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i + 1 < words.length; i += 2)
    out.push((BigInt(words[i + 1]! >>> 0) << 32n) | BigInt(words[i]! >>> 0));
  return out;
}

function decodeEntry(
  kind: StructureKind,
  dwords: bigint[],
  ids: IdView,
  queue?: SecurityState,
): Omit<QueueEntryState, 'index' | 'status'> {
  // A command of the Secure queue is checked as that queue takes it (§4.1.6).
  const d = decodeStructure(kind, dwords, ids, undefined, queue);
  const base = { dwords: dwords.map(hex64) };
  if (typeof d === 'string') return { ...base, title: '?', section: '', fields: [], problems: [d] };
  return { ...base, title: d.title, section: d.section, fields: fieldsOf(d), problems: [...d.problems] };
}

const STRUCTURE: Record<QueueState['kind'], StructureKind> = { cmdq: 'cmd', evtq: 'event', priq: 'pri' };
const ENGINE_QUEUE: Record<QueueState['kind'], EngineQueue> = { cmdq: 'CMDQ', evtq: 'EVENTQ', priq: 'PRIQ' };

/**
 * A queue in guest memory (§3.5): slots between CONS and PROD are pending; other slots that hold
 * something were consumed (commands) or read (records) and belong to the producer again. Empty
 * slots (all zero, never written) are left out.
 */
function queueFromEngine(
  engine: Engine,
  kind: QueueState['kind'],
  softwareProd?: number,
  state: SecurityState = 'non-secure',
): QueueState {
  const secure = state === 'secure';
  // The Secure Command and Event queues (§3.10.2.1): SMMU_S_CMDQ_*, SMMU_S_EVENTQ_*.
  const g = secure
    ? kind === 'cmdq'
      ? secureCmdqGeometry(engine)
      : secureEventQueue(engine)
    : engine.geometry(ENGINE_QUEUE[kind]);
  const [prodRef, consRef] = secure
    ? kind === 'cmdq'
      ? [F.S_CMDQ_WR, F.S_CMDQ_RD]
      : [SECURE.eventqWr, SECURE.eventqRd]
    : kind === 'cmdq'
      ? [F.CMDQ_WR, F.CMDQ_RD]
      : kind === 'evtq'
        ? [F.EVENTQ_WR, F.EVENTQ_RD]
        : [F.PRIQ_WR, F.PRIQ_RD];
  const prod = engine.fieldNum(prodRef);
  const cons = engine.fieldNum(consRef);
  const size = 2 ** g.log2;
  const n = Math.min(size, MAX_SLOTS);
  const waiting = isEmpty(prod, cons, g.log2) ? 0 : pending(prod, cons, g.log2);
  const consEntry = entryOf(cons, g.log2);
  // §7.1: with a command error the queue stops at the command at CONS (CMDQ_CONS.ERR, GERROR.CMDQ_ERR).
  const stopped = kind === 'cmdq' && engine.gerrorActive(0, state) && waiting > 0;
  // Commands a script wrote after PROD and has not published with a doorbell yet.
  const unpublished =
    softwareProd === undefined || isEmpty(softwareProd, prod, g.log2) ? 0 : pending(softwareProd, prod, g.log2);
  const prodEntry = entryOf(prod, g.log2);
  const ids = engine.ids;
  const entries: QueueEntryState[] = [];
  const words = new Uint32Array(g.entryBytes / 4);
  for (let index = 0; index < n; index++) {
    const isPending = waiting > 0 && (index - consEntry + size) % size < Math.min(waiting, size);
    const isUnpublished = unpublished > 0 && (index - prodEntry + size) % size < unpublished;
    // §3.10.2: the Secure queues are in the Secure PA space.
    engine.memory.space(!secure).readWords(slotAddress(g, index), words, words.length);
    if (!isPending && !isUnpublished && words.every((w) => w === 0)) continue;
    const status =
      stopped && index === consEntry ? 'error' : isPending ? 'pending' : isUnpublished ? 'unpublished' : 'consumed';
    entries.push({ index, status, ...decodeEntry(STRUCTURE[kind], dwordsOf(words), ids, state) });
  }
  return {
    kind,
    ...(secure ? { secure: true } : {}),
    base: hex64(BigInt(g.base)),
    log2size: g.log2,
    prod: '0x' + prod.toString(16).toUpperCase(),
    cons: '0x' + cons.toString(16).toUpperCase(),
    entries,
    ...(size > n ? { truncated: true } : {}),
  };
}

/**
 * The valid STEs (V == 1) of the stream table STRTAB_BASE/STRTAB_BASE_CFG describe, located as the
 * SMMU locates them (§3.3, §5.1; core/engine/stream-table.ts): the base aligned as §6.3.24 says,
 * LOG2SIZE capped at IDR1.SIDSIZE, a 2-level table only with IDR0.ST_LEVEL, SPLIT values other
 * than 6, 8 and 10 behaving as 6 (§6.3.25), L1 descriptors with Span 0 or above SPLIT + 1 skipped.
 * With `iface` SECURE, the Secure Stream table (SMMU_S_STRTAB_*, capped at S_SIDSIZE, §3.10.2.1).
 */
function streamTableFromEngine(engine: Engine, iface: ProgrammingInterface = NON_SECURE): StreamTableState {
  const { base, log2, twoLevel, split } = currentStreamTable(engine, iface);
  // §3.10.2.1: the Secure Stream table is in the Secure PA space.
  const mem = engine.memory.space(iface.state !== 'secure');
  const oasMod = 2 ** engine.oas;
  const entries: StreamTableEntryState[] = [];
  const steWords = new Uint32Array(16);
  let budget = MAX_SLOTS;
  const readSte = (sid: number, addr: number) => {
    budget--;
    const a = addr % oasMod;
    mem.readWords(a, steWords, 16);
    if (fieldValue(steWords, STE_V) === 0n) return; // §5.2: V == 0, the STE is invalid
    const d = decodeStructure('ste', dwordsOf(steWords), engine.ids);
    if (typeof d === 'string') return;
    entries.push({
      sid,
      address: hex64(BigInt(a)),
      config: d.fields.find((f) => f.name === 'Config')?.meaning ?? '?',
      fields: fieldsOf(d),
      problems: [...d.problems],
      dwords: dwordsOf(steWords).map(hex64),
    });
  };
  let truncated = false;
  if (!twoLevel) {
    const n = 2 ** log2;
    for (let sid = 0; sid < n; sid++) {
      if (budget <= 0) {
        truncated = true;
        break;
      }
      readSte(sid, base + 64 * sid);
    }
  } else {
    const l1Count = 2 ** Math.max(0, log2 - split);
    const l1 = new Uint32Array(2);
    for (let i = 0; i < l1Count && !truncated; i++) {
      mem.readWords((base + 8 * i) % oasMod, l1, 2);
      const d = decodeL1std(l1);
      if (d.span === 0 || d.span > split + 1) continue;
      const n = 2 ** (d.span - 1);
      for (let low = 0; low < n; low++) {
        if (budget <= 0) {
          truncated = true;
          break;
        }
        readSte(i * 2 ** split + low, d.l2Ptr + 64 * low);
      }
    }
  }
  return {
    ...(iface.state === 'secure' ? { secure: true } : {}),
    format: twoLevel ? '2-level' : 'linear',
    base: hex64(BigInt(base)),
    log2size: log2,
    entries,
    ...(truncated ? { truncated: true } : {}),
  };
}

function fromQueueFile(check: QueueFileCheck): QueuesAtLineResult {
  if (!check.kind)
    return {
      label: 'queue descriptor',
      error: 'the descriptor does not say which queue it holds (`queue cmdq|evtq|priq`)',
    };
  const ids = idViewOf(check.config);
  const log2 = check.log2size ?? 0;
  const prod = check.prod ?? 0;
  const cons = check.cons ?? 0;
  const kind = check.kind;
  const entries: QueueEntryState[] = check.entries.map((e) => ({
    index: e.index,
    status: e.pending ? 'pending' : 'consumed',
    line: e.line,
    ...decodeEntry(STRUCTURE[kind], dwordsOf(e.words), ids),
  }));
  const state: QueueState = {
    kind,
    base: '',
    log2size: log2,
    prod: '0x' + prod.toString(16).toUpperCase(),
    cons: '0x' + cons.toString(16).toUpperCase(),
    entries,
  };
  const label = 'queue descriptor';
  return kind === 'cmdq'
    ? { label, commandQueue: state }
    : kind === 'evtq'
      ? { label, eventQueue: state }
      : { label, priQueue: state };
}

export function queuesAtLine(
  workspace: Workspace,
  documents: TextDocuments<TextDocument>,
  params: QueuesAtLineParams,
  executeScripts: boolean,
): QueuesAtLineResult {
  const doc = typeof params?.uri === 'string' ? documents.get(params.uri) : undefined;
  if (!doc || Workspace.isConfig(doc.uri))
    return { label: '', error: 'smmu/queuesAtLine needs an open .smmu script or .smmuq queue descriptor' };
  if (Workspace.isQueueFile(doc.uri)) return fromQueueFile(workspace.queueFileCheck(doc));
  if (typeof params.line !== 'number' || !Number.isInteger(params.line) || params.line < 0)
    return { label: '', error: 'line must be a non-negative integer' };
  if (!executeScripts)
    return { label: '', error: 'restricted mode: scripts are not executed in an untrusted workspace' };
  // The script's state is kept: its copy of CMDQ_PROD tells written commands from published ones.
  const { engine, state, stoppedBy } = modelAtLine(workspace.scriptCheck(doc), params.line, workspace.runsFor(doc.uri));
  const hasPri = caps.pri(engine.ids);
  const hasSecure = caps.secureImpl(engine.ids);
  return {
    label: `after line ${params.line + 1}`,
    commandQueue: queueFromEngine(engine, 'cmdq', state.cmdqProd),
    eventQueue: queueFromEngine(engine, 'evtq'),
    ...(hasPri ? { priQueue: queueFromEngine(engine, 'priq') } : {}),
    streamTable: streamTableFromEngine(engine),
    ...(hasSecure
      ? {
          secureCommandQueue: queueFromEngine(engine, 'cmdq', state.secureCmdqProd, 'secure'),
          secureEventQueue: queueFromEngine(engine, 'evtq', undefined, 'secure'),
          secureStreamTable: streamTableFromEngine(engine, SECURE),
        }
      : {}),
    ...(stoppedBy ? { error: stoppedMessage(stoppedBy) } : {}),
  };
}
