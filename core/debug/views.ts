/**
 * The debugger's variables: the model's state as trees of named, formatted values (registers with
 * their fields, queue entries decoded, valid STEs and their CDs, cache contents with stale entries
 * marked). Editor-neutral: server/dap turns nodes into DAP variables; the register state in the
 * language server's shape (lsp-ext.ts RegisterState) is built here too.
 */
import { decodeCommand, formatCommand, type CommandQueueSecurity } from '../commands/codec';
import type { Engine } from '../engine/engine';
import { secureEventQueue } from '../engine/event-queue';
import { entryOf, pending, slotAddress, type QueueGeometry } from '../engine/queue-index';
import { secureCmdqGeometry, secureCmdqRunnable } from '../engine/secure-cmdq';
import { NON_SECURE, SECURE, type ProgrammingInterface } from '../engine/security';
import { currentStreamTable } from '../engine/stream-table';
import { cacheKeyText } from '../engine/config-cache';
import { F } from '../engine/registers';
import { decodeEvent, formatEvent } from '../events/codec';
import type { EventName } from '../events/table';
import { fieldValue } from '../layout/access';
import type { LayoutDef } from '../layout/types';
import { ecmdqOffset, type EcmdqLayout } from '../model/ecmdq';
import { decode, enumOf, extractField, featureHolds, hex, symbolic } from '../registers/codec';
import { bitsText } from '../registers/describe';
import { ECMDQ_REGISTERS, type ArrayRegisterDef } from '../registers/ecmdq';
import { registerOffset, vatosPageOffset } from '../registers/placement';
import { getRegister, REGISTERS } from '../registers/table';
import type { FieldDef, RegisterDef } from '../registers/types';
import type { TlbEntry } from '../engine/tlb';
import { tagsText } from '../engine/tlb-tags';
import type { WalkCacheEntry } from '../engine/walk-cache';
import * as caps from '../structures/capabilities';
import { CD, decodeCd, oneTableWorld, steStreamWorld } from '../structures/cd';
import { cloneState } from '../engine/snapshot';
import { decodeL1std, L1STD } from '../structures/l1';
import { decodeSte, describeSteConfig, STE } from '../structures/ste';
import { paSpaceName } from '../translation/secure-ns';
import { counted } from '../text/plural';
import { secureMemoryReference } from './memory-reference';

export interface VarNode {
  readonly name: string;
  readonly value: string;
  readonly type?: string;
  /** An expression the console understands for this node (watch, copy as expression). */
  readonly evaluateName?: string;
  /** A guest physical address the memory view can open. */
  readonly memoryReference?: string;
  readonly children?: () => readonly VarNode[];
  /** For long arrays: the number of children and a page of them. */
  readonly indexed?: { readonly count: number; readonly page: (start: number, count: number) => readonly VarNode[] };
  /** Registers and fields can be set (a guest write). */
  readonly settable?: { readonly reg: RegisterDef; readonly field?: FieldDef };
}

export interface ScopeView {
  readonly name: string;
  readonly node: VarNode;
  readonly expensive: boolean;
  readonly presentationHint?: 'registers' | 'locals';
}

const h = (v: bigint | number) => '0x' + v.toString(16).toUpperCase();
/** The memory reference of an address of the Non-secure PA space, or with `secure` of the Secure one (§3.10). */
const ref = (v: bigint | number, secure: boolean) => (secure ? secureMemoryReference(v) : h(v));
const fieldText = (v: bigint, name?: string) => `${v > 9n ? h(v) : v.toString()}${name ? ` (${name})` : ''}`;

function registerNode(e: Engine, reg: RegisterDef): VarNode {
  const v = e.smmu.peek(reg.name);
  return {
    name: reg.name,
    value: `${hex(v, reg.width)}  ${symbolic(reg, v)}`,
    type: `SMMU_${reg.name} @ ${h(registerOffset(reg, e.ids))} (§${reg.section})`,
    evaluateName: reg.name,
    settable: { reg },
    ...(reg.fields.length
      ? {
          children: () =>
            decode(reg, e.smmu.peek(reg.name), e.ids).fields.map((f) => ({
              name: f.field.name,
              value:
                fieldText(f.address ?? f.value, f.enumValue?.name) +
                (f.unadvertised ? ' [not advertised]' : f.reservedEncoding ? ' [reserved encoding]' : ''),
              type: `[${bitsText(f.field)}] ${f.field.description}`,
              evaluateName: `${reg.name}.${f.field.name}`,
              settable: { reg, field: f.field },
            })),
        }
      : {}),
  };
}

/**
 * ECMDQ `n`'s SMMU_ECMDQ_BASE, PROD or CONS (§6.3.107–§6.3.109), decoded with its table's fields.
 * These registers have no names in scripts or the console (they are written at their offsets), so
 * they are read-only here.
 */
function arrayRegisterNode(e: Engine, layout: EcmdqLayout, reg: ArrayRegisterDef, n: number): VarNode {
  const v = e.smmu.arrayValue(reg, n);
  return {
    name: `${reg.name}${n}`,
    value: hex(v, reg.width),
    type: `SMMU_${reg.name}${n} @ ${h(ecmdqOffset(layout, n, reg))} (§${reg.section})`,
    children: () =>
      [...reg.fields]
        .sort((a, b) => b.lsb - a.lsb)
        .map((f) => {
          const fv = extractField(v, f);
          return {
            name: f.name,
            value: fieldText(f.addrShift !== undefined ? fv << BigInt(f.addrShift) : fv, enumOf(f, fv)?.name),
            type: `[${bitsText(f)}] ${f.description}`,
          };
        }),
  };
}

/** The ECMDQs of the configuration (§3.5.6), each with its BASE, PROD and CONS, a page of them at a time. */
function ecmdqNodes(e: Engine, layout: EcmdqLayout, start: number, count: number): VarNode[] {
  const file = e.smmu.ecmdq;
  const out: VarNode[] = [];
  for (let n = start; n < Math.min(file.count, start + count); n++) {
    // §3.5.6.2: consumed while PROD.EN == CONS.ENACK == 1; §3.5.6.3: stopped while PROD.ERRACK != CONS.ERR.
    const state = `${file.enabled(n) ? 'enabled' : 'disabled'}${file.errorActive(n) ? ', error active (PROD.ERRACK != CONS.ERR)' : ''}`;
    out.push({
      name: `ECMDQ ${n}`,
      value: state,
      type: `control page ${Math.floor(n / layout.perPage)}, at ${h(ecmdqOffset(layout, n, ECMDQ_REGISTERS[0] as ArrayRegisterDef))}`,
      children: () => ECMDQ_REGISTERS.map((r) => arrayRegisterNode(e, layout, r, n)),
    });
  }
  return out;
}

function layoutChildren(def: LayoutDef, w: ArrayLike<number>): VarNode[] {
  return def.fields.map((f) => {
    const v = fieldValue(w, f);
    const en = f.values?.find((x) => BigInt(x.value) === v);
    return { name: f.name, value: fieldText(v, en?.name), type: `[${f.msb}:${f.lsb}] ${f.description}` };
  });
}

/** `n` words at `addr` of the Non-secure PA space, or with `secure` of the Secure one (zeros if never used, §3.10). */
function words(e: Engine, addr: number, n: number, secure = false): Uint32Array {
  const w = new Uint32Array(n);
  const m = secure ? e.memory.secureIfUsed : e.memory;
  m?.readWords(addr, w, n);
  return w;
}

function nonZero(w: ArrayLike<number>): boolean {
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) return true;
  return false;
}

/**
 * One Command queue as its scope shows it: the Non-secure one (SMMU_CMDQ_*) or, with Secure state,
 * the Secure one (SMMU_S_CMDQ_*, §3.10.2, §6.3.74–§6.3.76), whose commands are checked as the
 * Secure queue takes them (SSec and the Secure-only commands legal, §4.1.6).
 */
interface CommandQueueSource {
  readonly queue: CommandQueueSecurity;
  readonly geometry: QueueGeometry;
  readonly prod: number;
  readonly cons: number;
  readonly registers: readonly RegisterDef[];
  /** Why the SMMU does not consume it now; undefined while it does (§4.1.2). */
  readonly stopped: string | undefined;
}

function commandQueueSource(e: Engine, queue: CommandQueueSecurity): CommandQueueSource {
  if (queue === 'secure')
    return {
      queue,
      geometry: secureCmdqGeometry(e),
      prod: e.fieldNum(F.S_CMDQ_WR),
      cons: e.fieldNum(F.S_CMDQ_RD),
      registers: [getRegister('S_CMDQ_BASE'), getRegister('S_CMDQ_PROD'), getRegister('S_CMDQ_CONS')],
      stopped: secureCmdqRunnable(e) ? undefined : 'S_CR0ACK.CMDQEN is 0 or S_GERROR.CMDQ_ERR is active',
    };
  return {
    queue,
    geometry: e.geometry('CMDQ'),
    prod: e.fieldNum(F.CMDQ_WR),
    cons: e.fieldNum(F.CMDQ_RD),
    registers: [getRegister('CMDQ_BASE'), getRegister('CMDQ_PROD'), getRegister('CMDQ_CONS')],
    stopped: e.cmdqRunnable() ? undefined : 'CR0ACK.CMDQEN is 0 or GERROR.CMDQ_ERR is active',
  };
}

function commandQueue(e: Engine, queue: CommandQueueSecurity): VarNode[] {
  const { geometry: g, prod, cons, registers, stopped } = commandQueueSource(e, queue);
  // §3.10.2: the Secure Command queue is in the Secure PA space.
  const secure = queue === 'secure';
  const count = 2 ** g.log2;
  const waiting = pending(prod, cons, g.log2);
  const consEntry = entryOf(cons, g.log2);
  const page = (start: number, n: number): VarNode[] => {
    const out: VarNode[] = [];
    for (let i = start; i < Math.min(count, start + n); i++) {
      const addr = slotAddress(g, i);
      const w = words(e, addr, 4, secure);
      const d = decodeCommand(w, e.ids, { queue });
      const isPending = (i - consEntry + count) % count < waiting;
      const state = isPending ? 'pending' : nonZero(w) ? 'consumed' : 'empty';
      out.push({
        name: `[${i}]`,
        value: `${nonZero(w) ? formatCommand(d) : '—'}  (${state}${d.problems.some((p) => p.ill) && nonZero(w) ? ', CERROR_ILL' : ''})`,
        memoryReference: ref(addr, secure),
        children: () => [
          ...(d.def ? layoutChildren(d.def, w) : []),
          ...d.problems.map((p, k) => ({ name: `problem ${k + 1}`, value: `${p.message} (§${p.section})` })),
        ],
      });
    }
    return out;
  };
  return [
    ...registers.map((r) => registerNode(e, r)),
    {
      name: 'pending',
      value: `${counted(waiting, 'command')} between CONS and PROD${stopped ? ` (the queue is not running: ${stopped})` : ''}`,
    },
    {
      name: 'entries',
      value: `${counted(count, 'entry', 'entries')} at ${h(g.base)}`,
      memoryReference: ref(g.base, secure),
      indexed: { count, page },
    },
  ];
}

/** The Event queue of a programming interface (§3.10.2.1: a Secure stream's records go to the Secure one). */
function eventQueue(e: Engine, iface: ProgrammingInterface): VarNode[] {
  const secure = iface.state === 'secure';
  const g = secure ? secureEventQueue(e) : e.geometry('EVENTQ');
  const prod = e.fieldNum(iface.eventqWr);
  const cons = e.fieldNum(iface.eventqRd);
  const count = 2 ** g.log2;
  const unread = pending(prod, cons, g.log2);
  const consEntry = entryOf(cons, g.log2);
  const page = (start: number, n: number): VarNode[] => {
    const out: VarNode[] = [];
    for (let i = start; i < Math.min(count, start + n); i++) {
      const addr = slotAddress(g, i);
      const w = words(e, addr, 8, secure);
      const d = decodeEvent(w);
      const isUnread = (i - consEntry + count) % count < unread;
      out.push({
        name: `[${i}]`,
        value: `${nonZero(w) ? formatEvent(d) : '—'}  (${isUnread ? 'unread' : nonZero(w) ? 'read' : 'empty'})`,
        memoryReference: ref(addr, secure),
        children: () => d.fields.map((f) => ({ name: f.field.name, value: fieldText(f.value, f.enumValue?.name) })),
      });
    }
    return out;
  };
  return [
    registerNode(e, iface.eventqBase),
    registerNode(e, iface.eventqProd),
    registerNode(e, iface.eventqRd.reg),
    { name: 'unread', value: `${counted(unread, 'record')} between CONS and PROD` },
    {
      name: 'entries',
      value: `${counted(count, 'entry', 'entries')} at ${h(g.base)}`,
      memoryReference: ref(g.base, secure),
      indexed: { count, page },
    },
  ];
}

/** StreamIDs scanned at most (a stream table can have 2^32 entries; memory is sparse). */
const MAX_SIDS = 1 << 16;

/**
 * Valid STEs: address and words, from a linear or 2-level stream table (§5.1, §5.2): the
 * Non-secure one, or the Secure one (SMMU_S_STRTAB_*, StreamIDs up to S_SIDSIZE, §3.10.2.1).
 */
export function validStes(
  e: Engine,
  iface: ProgrammingInterface = NON_SECURE,
): { sid: number; addr: number; w: Uint32Array }[] {
  // Where the SMMU looks: the aligned base, LOG2SIZE capped at (S_)SIDSIZE, SPLIT in effect (§6.3.24, §6.3.25).
  const { base, log2, twoLevel, split } = currentStreamTable(e, iface);
  const out: { sid: number; addr: number; w: Uint32Array }[] = [];
  // §3.10.2.1: the Secure Stream table is in the Secure PA space.
  const secure = iface.state === 'secure';
  const add = (sid: number, addr: number) => {
    const w = words(e, addr, 16, secure);
    if ((w[0] as number) & 1) out.push({ sid, addr, w });
  };
  if (!twoLevel) {
    for (let sid = 0; sid < Math.min(2 ** log2, MAX_SIDS); sid++) add(sid, base + sid * 64);
  } else {
    // 2-level: L1STD n covers StreamIDs [n << SPLIT, (n + 1) << SPLIT) (§5.1); the level 2 array is
    // aligned to its size (decodeL1std), and a Span above SPLIT + 1 makes the descriptor ILLEGAL.
    const l1Count = Math.min(2 ** Math.max(log2 - split, 0), MAX_SIDS);
    for (let n = 0; n < l1Count && out.length < 4096; n++) {
      const { span, l2Ptr } = decodeL1std(words(e, base + n * 8, 2, secure));
      if (span === 0 || span > split + 1) continue;
      for (let k = 0; k < 2 ** (span - 1); k++) add(n * 2 ** split + k, l2Ptr + k * 64);
    }
  }
  return out;
}

function streamTable(e: Engine, iface: ProgrammingInterface): VarNode[] {
  return validStes(e, iface).map(({ sid, addr, w }) => ({
    name: `STE ${sid}`,
    value: describeSteConfig(decodeSte(w)),
    memoryReference: ref(addr, iface.state === 'secure'),
    type: `at ${h(addr)}`,
    children: () => layoutChildren(STE, w),
  }));
}

/** The CDs of the valid STEs of the Non-secure Stream table, then (with Secure state) of the Secure one. */
function contextDescriptors(e: Engine): VarNode[] {
  const out: VarNode[] = [];
  for (const iface of caps.secureImpl(e.ids) ? [NON_SECURE, SECURE] : [NON_SECURE])
    out.push(...streamContextDescriptors(e, iface));
  return out;
}

function streamContextDescriptors(e: Engine, iface: ProgrammingInterface): VarNode[] {
  const out: VarNode[] = [];
  const stream = iface.state === 'secure' ? 'Secure StreamID' : 'StreamID';
  for (const { sid, w } of validStes(e, iface)) {
    const ste = decodeSte(w);
    // Config[0] set: stage 1 translates (§5.2 Config). With stage 2 too, S1ContextPtr is an IPA.
    if ((ste.config & 1) === 0) continue;
    if (ste.config & 2) {
      out.push({ name: `${stream} ${sid}`, value: `nested: S1ContextPtr ${h(ste.s1ContextPtr)} is an IPA, not shown` });
      continue;
    }
    const n = ste.s1Fmt === 0 ? Math.min(2 ** ste.s1CdMax, 16) : 1;
    // §5.4 ASID: IGNORED in the any-EL2 and EL3 StreamWorlds, whose translations carry no ASID.
    const world = steStreamWorld(ste, e.ids, Number(e.field(iface.e2h)), iface.state === 'secure');
    const asidText = (asid: number) => (oneTableWorld(world) ? `ASID IGNORED (${world})` : `ASID=${asid}`);
    for (let ssid = 0; ssid < n; ssid++) {
      const addr = ste.s1ContextPtr + ssid * 64;
      // §3.10.2: without Secure stage 2 (nested streams are not shown), a Secure stream's CDs are Secure PAs.
      const cw = words(e, addr, 16, iface.state === 'secure');
      if (ste.s1Fmt !== 0) {
        out.push({
          name: `${stream} ${sid}`,
          value: `2-level CD table at ${h(ste.s1ContextPtr)} (S1Fmt ${ste.s1Fmt}): see the Memory view`,
        });
        break;
      }
      const cd = decodeCd(cw);
      out.push({
        name: `${stream} ${sid} SSID ${ssid}`,
        value: cd.v ? `${asidText(cd.asid)} TTB0=${h(cd.ttb0)}` : 'V == 0 (invalid)',
        memoryReference: ref(addr, iface.state === 'secure'),
        children: () => layoutChildren(CD, cw),
      });
    }
  }
  return out;
}

/** TLB entries probed for staleness at most (each is a table walk). */
const MAX_TLB_PROBES = 256;
/** Faults that mean the page tables no longer map the entry's address (a permission fault may only mean a different access). */
const UNMAPPED = new Set<EventName>(['F_TRANSLATION', 'F_ADDR_SIZE', 'F_ACCESS']);

/**
 * Which TLB entries disagree with the tables in memory now (§4.4: an entry stays until a TLBI
 * removes it): each entry's address is translated again on a copy of the model with empty caches,
 * no events and no descriptor updates, and compared with the entry's output address.
 */
export function staleTlbEntries(e: Engine, entries: readonly TlbEntry[]): Map<TlbEntry, string> {
  const out = new Map<TlbEntry, string>();
  if (!entries.length) return out;
  const probe = cloneState(e);
  probe.configCache.clear();
  probe.recording = false;
  probe.checkStale = false;
  probe.suppressEvents = true;
  for (const t of entries.slice(0, MAX_TLB_PROBES)) {
    probe.tlb.clear();
    const address = BigInt(t.page) * 2n ** BigInt(t.log2);
    const access = { read: t.r, write: !t.r && t.w, exec: !t.r && !t.w && t.x, priv: false };
    const r = probe.translate({ sid: t.sid, ...(t.ssid ? { ssid: t.ssid } : {}), address, access });
    if ((r.outcome === 'translated' || r.outcome === 'bypass') && r.pa !== BigInt(t.oa))
      out.set(t, `the tables now map it to ${h(r.pa)}`);
    else if (r.outcome === 'abort' && r.event && UNMAPPED.has(r.event)) out.set(t, `the tables now give ${r.event}`);
  }
  return out;
}

/**
 * One walk cache entry (§3.21.1): the table descriptor, the input range it covers and where it
 * was read from, marked stale when memory there no longer holds it (a Leaf = 0 TLBI is missing).
 */
function walkCacheNode(e: Engine, w: WalkCacheEntry, i: number): VarNode {
  const a = Number(w.address);
  const now = words(e, a, 2, w.secure === true);
  const memory = (BigInt(now[1] ?? 0) << 32n) | BigInt(now[0] ?? 0);
  const tag = w.stages === 2 ? `VMID=${w.vmid} stage 2` : tagsText(w.regime, w.vmid, w.asid);
  const bytes = 2 ** w.log2;
  const size = bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GB` : `${bytes / 2 ** 20} MB`;
  return {
    name: `[${i}]`,
    value: `${tag} level ${w.level} ${h(w.page * bytes)} (${size}) → table ${h(w.next)}, descriptor ${h(w.descriptor)} from ${h(w.address)} (StreamID ${w.sid})${memory !== w.descriptor ? `  [stale: memory now holds ${h(memory)}; a Leaf = 0 TLBI is missing]` : ''}`,
    memoryReference: ref(w.address, w.secure === true),
  };
}

function caches(e: Engine): VarNode[] {
  // `name` says what a key is: a prefix, or how config-cache.ts names a key of either Security state.
  const structures = (
    name: string | ((key: number) => string),
    entries: [number, { address: number; words: Uint32Array; secure?: boolean }][],
    def: LayoutDef | undefined,
  ) =>
    entries.map(([key, c]) => {
      const now = words(e, c.address, c.words.length, c.secure === true);
      const stale = now.some((x, i) => x !== c.words[i]);
      return {
        name: typeof name === 'string' ? `${name} ${key}` : name(key),
        value: `from ${h(c.address)}${stale ? '  [stale: memory changed since it was cached; invalidate it]' : ''}`,
        memoryReference: ref(c.address, c.secure === true),
        ...(def ? { children: () => layoutChildren(def, c.words) } : {}),
      } satisfies VarNode;
    });
  const cc = e.configCache;
  const tlb = e.tlb.entries();
  const walks = e.tlb.walks.entries();
  let stale: Map<TlbEntry, string> | undefined;
  return [
    {
      name: 'STE cache',
      value: counted(cc.ste.size, 'entry', 'entries'),
      children: () => structures((k) => cacheKeyText(k, 'ste'), cc.ste.entries(), STE),
    },
    {
      name: 'CD cache',
      value: counted(cc.cd.size, 'entry', 'entries'),
      children: () => structures((k) => cacheKeyText(k, 'cd'), cc.cd.entries(), CD),
    },
    {
      name: 'L1 caches',
      value: counted(cc.l1st.size + cc.l1cd.size, 'entry', 'entries'),
      children: () => [
        ...structures((k) => cacheKeyText(k, 'l1std'), cc.l1st.entries(), L1STD),
        ...structures('L1CD', cc.l1cd.entries(), undefined),
      ],
    },
    // VMS.PARTID_MAP by VMID (§5.6.2, core/engine/mpam.ts); shown once MPAM has cached one.
    ...(cc.vms.size
      ? [
          {
            name: 'PARTID_MAP cache',
            value: counted(cc.vms.size, 'entry', 'entries'),
            children: () => structures('VMID', cc.vms.entries(), undefined),
          },
        ]
      : []),
    {
      name: 'TLB',
      value: counted(tlb.length, 'entry', 'entries'),
      indexed: {
        count: tlb.length,
        page: (start, n) => {
          stale ??= staleTlbEntries(e, tlb);
          const marks = stale;
          return tlb.slice(start, start + n).map((t, i) => {
            const why = marks.get(t);
            return {
              name: `[${start + i}]`,
              value: `${tagsText(t.regime, t.vmid, t.asid)} ${h(t.page * 2 ** t.log2)} → ${h(t.oa)} (${2 ** (t.log2 - 10)} KB, ${t.r ? 'R' : '-'}${t.w ? 'W' : '-'}${t.x ? 'X' : '-'}, stage ${t.stages}, ${t.ns === undefined ? '' : `${paSpaceName(t.ns)}, `}StreamID ${t.sid})${why ? `  [stale: ${why}; a TLBI is missing]` : ''}`,
            };
          });
        },
      },
    },
    {
      name: 'Walk cache',
      value: counted(walks.length, 'entry', 'entries'),
      indexed: {
        count: walks.length,
        page: (start, n) => walks.slice(start, start + n).map((w, i) => walkCacheNode(e, w, start + i)),
      },
    },
    {
      // The endpoints' caches (§3.9.1): what each device would use without asking the SMMU again.
      name: 'ATCs',
      value: counted(e.atc.size, 'entry', 'entries'),
      indexed: {
        count: e.atc.size,
        page: (start, n) =>
          e.atc
            .all()
            .slice(start, start + n)
            .map((a, i) => ({
              name: `[${start + i}]`,
              value: `StreamID ${a.sid}${a.ssid !== undefined ? ` PASID ${a.ssid}` : ''}${a.priv ? ' Priv' : ''} ${h(a.page * 4096)} → ${a.split ? 'IPA ' : ''}${h(Number(a.translated))} (${a.r ? 'R' : '-'}${a.w ? 'W' : '-'}${a.x ? 'X' : '-'})`,
            })),
      },
    },
  ];
}

/**
 * Guest memory: the pages written so far, each openable in the memory view (§3.4: addresses below
 * OAS); then those of the Secure PA space (§3.10), once used, whose memory reference (`0x… secure`)
 * opens the memory view on that space and whose expression is `mem64(ADDR, secure)`.
 */
function memoryPages(e: Engine): VarNode[] {
  const page = (a: number, secure: boolean): VarNode => {
    const w = words(e, a, 1024, secure);
    let used = 0;
    for (let i = 0; i < 1024; i++) if (w[i] !== 0) used++;
    return secure
      ? {
          name: `Secure ${h(a)}`,
          value: `4 KB page of the Secure PA space, ${counted(used, 'non-zero word')}`,
          memoryReference: ref(a, true),
          evaluateName: `mem64(${h(a)}, secure)`,
        }
      : {
          name: h(a),
          value: `4 KB page, ${counted(used, 'non-zero word')}`,
          memoryReference: h(a),
          evaluateName: `mem64(${h(a)})`,
        };
  };
  const secure = e.memory.secureIfUsed?.pageAddresses() ?? [];
  return [...e.memory.pageAddresses().map((a) => page(a, false)), ...secure.map((a) => page(a, true))];
}

/** The scopes of the debugger's one stack frame level, in order. */
/**
 * The model's scopes. All are `expensive` (large: a hundred registers, queues of up to 2^19
 * entries): VS Code expands the first scope that is not at every stop, over the user's collapse,
 * and keeps the expansion the user chose for the others (by scope name), so none is forced open.
 */
export function scopes(e: Engine): ScopeView[] {
  // A register of an unadvertised feature (the Secure page without SMMU_S_IDR1.SECURE_IMPL among
  // them) is an undefined location: left out, as the Registers view leaves it out (register-states.ts).
  const implemented = REGISTERS.filter((r) => !r.requires || featureHolds(r.requires, e.ids));
  const page0 = implemented.filter((r) => r.offset < 0x10000);
  const page1 = implemented.filter((r) => r.offset >= 0x10000 && !r.page);
  // The VATOS page (§6.2.3), when SMMU_IDR0.VATOS advertises it.
  const vatos = vatosPageOffset(e.ids) === undefined ? [] : implemented.filter((r) => r.page === 'vatos');
  // The Command queue control pages' ECMDQs (§3.5.6, §6.2.5), when SMMU_IDR1.ECMDQ advertises them.
  const ecmdq = e.smmu.ecmdqLayout;
  // The Secure programming interface's queues and Stream table (§3.10.2.1), with SMMU_S_IDR1.SECURE_IMPL.
  const secure = caps.secureImpl(e.ids);
  return [
    {
      name: 'Registers (page 0)',
      expensive: true,
      presentationHint: 'registers',
      node: { name: 'page 0', value: '', children: () => page0.map((r) => registerNode(e, r)) },
    },
    {
      name: 'Registers (page 1)',
      expensive: true,
      presentationHint: 'registers',
      node: { name: 'page 1', value: '', children: () => page1.map((r) => registerNode(e, r)) },
    },
    ...(vatos.length
      ? [
          {
            name: 'Registers (VATOS page)',
            expensive: true,
            presentationHint: 'registers' as const,
            node: { name: 'VATOS page', value: '', children: () => vatos.map((r) => registerNode(e, r)) },
          },
        ]
      : []),
    ...(ecmdq && e.smmu.ecmdq.count
      ? [
          {
            name: 'Registers (ECMDQs)',
            expensive: true,
            presentationHint: 'registers' as const,
            node: {
              name: 'ECMDQs',
              value: '',
              indexed: {
                count: e.smmu.ecmdq.count,
                page: (start: number, n: number) => ecmdqNodes(e, ecmdq, start, n),
              },
            },
          },
        ]
      : []),
    {
      name: 'Command queue',
      expensive: true,
      node: { name: 'CMDQ', value: '', children: () => commandQueue(e, 'non-secure') },
    },
    ...(secure
      ? [
          {
            name: 'Secure Command queue',
            expensive: true,
            node: { name: 'S_CMDQ', value: '', children: () => commandQueue(e, 'secure') },
          },
        ]
      : []),
    {
      name: 'Event queue',
      expensive: true,
      node: { name: 'EVENTQ', value: '', children: () => eventQueue(e, NON_SECURE) },
    },
    ...(secure
      ? [
          {
            name: 'Secure Event queue',
            expensive: true,
            node: { name: 'S_EVENTQ', value: '', children: () => eventQueue(e, SECURE) },
          },
        ]
      : []),
    {
      name: 'Stream table',
      expensive: true,
      node: { name: 'STEs', value: '', children: () => streamTable(e, NON_SECURE) },
    },
    ...(secure
      ? [
          {
            name: 'Secure Stream table',
            expensive: true,
            node: { name: 'Secure STEs', value: '', children: () => streamTable(e, SECURE) },
          },
        ]
      : []),
    {
      name: 'Context descriptors',
      expensive: true,
      node: { name: 'CDs', value: '', children: () => contextDescriptors(e) },
    },
    { name: 'Caches', expensive: true, node: { name: 'caches', value: '', children: () => caches(e) } },
    { name: 'Memory', expensive: true, node: { name: 'memory', value: '', children: () => memoryPages(e) } },
  ];
}
