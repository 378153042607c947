/**
 * Writing event records (§7.2–§7.4) and PRI page requests (§8) to their queues in guest memory.
 *
 * An event is delivered when (S_)CR0ACK.EVENTQEN is 1 and the queue is writable (no active
 * GERROR.EVENTQ_ABT_ERR). A full queue discards the record and toggles EVENTQ_PROD.OVFLG if no
 * overflow is pending (OVFLG == OVACKFLG). An external abort on the write activates
 * GERROR.EVENTQ_ABT_ERR. A write into an empty queue raises the MSI or wired interrupt when
 * IRQ_CTRL.EVENTQ_IRQEN is 1 (§3.18).
 */
import { atsRecords } from './atc';
import { decodeEvent, encodeEvent, formatEvent } from '../events/codec';
import { getEvent, type EventName } from '../events/table';
import { hex } from '../registers/codec';
import type { EngineContext } from './context';
import { indexMask, isFull, next, slotAddress, type QueueGeometry } from './queue-index';
import { interfaceOfState, SECURE, type SecurityState } from './security';
import { presetRelativeOffset } from '../config/smmu-base';
import { queueLayout } from '../structures/bases';
import { F } from './registers';

export type EventFields = Readonly<Record<string, number | bigint>>;

/** Encode `name` with `fields` (names as the event table spells them; unknown ones are ignored). */
export function buildEvent(name: EventName, fields: EventFields): number[] {
  const def = getEvent(name);
  const values = new Map<string, bigint>();
  for (const [k, v] of Object.entries(fields)) {
    const f = def.fields.find((x) => x.name.toLowerCase() === k.toLowerCase());
    if (f) values.set(f.name, typeof v === 'bigint' ? v : BigInt(v));
  }
  return encodeEvent(def, values);
}

/**
 * Write an event record to the Event queue of `state`'s programming interface: an event of a
 * Secure stream goes to the Secure Event queue, of a Non-secure stream to the Non-secure one
 * (§3.10.2.1). The two queues are independent (§3.10.2.1): each has its own EVENTQEN, overflow
 * flag, GERROR.EVENTQ_ABT_ERR and interrupt (SMMU_(S_)IRQ_CTRL.EVENTQ_IRQEN, SMMU_(S_)EVENTQ_IRQ_CFGn).
 */
export function recordEvent(
  engine: EngineContext,
  name: EventName,
  fields: EventFields,
  detail: string,
  state: SecurityState = 'non-secure',
): void {
  if (engine.suppressEvents) return;
  // An ATOS lookup records no event (§9): its first fault is what ATOS_PAR reports.
  if (engine.atosRun) {
    engine.atosRun.fault ??= { event: name, fields };
    return;
  }
  if (engine.ats !== undefined && !atsRecords(engine.ats, name, engine.field(F.REC_CFG_ATS) === 1n)) return;
  const q = interfaceOfState(state);
  const secure = state === 'secure';
  // How messages name this interface's queue and registers.
  const queue = secure ? 'S_EVENTQ' : 'EVENTQ';
  const reg = (n: string) => (secure ? `S_${n}` : n);
  const words = buildEvent(name, fields);
  const text = formatEvent(decodeEvent(words));
  if (engine.field(q.eventqen) === 0n) {
    engine.log({
      kind: 'event',
      text: `${text} discarded: ${reg('CR0')}.EVENTQEN is 0 (${detail})`,
      section: '7.4',
      words,
      severity: 'warning',
      code: 'event.discarded',
    });
    return;
  }
  if (engine.gerrorActive(2, state)) {
    engine.log({
      kind: 'event',
      text: `${text} discarded: the ${secure ? 'Secure ' : ''}event queue is not writable while ${reg('GERROR')}.EVENTQ_ABT_ERR is active (${detail})`,
      section: '7.2',
      words,
      severity: 'warning',
      code: 'event.discarded',
    });
    return;
  }
  const g = secure ? secureEventQueue(engine) : engine.geometry('EVENTQ');
  const prodReg = engine.smmu.value(q.eventqProd);
  const prod = Number(prodReg & 0xf_ffffn);
  const cons = engine.fieldNum(q.eventqRd);
  if (isFull(prod, cons, g.log2)) {
    const ov = engine.fieldNum(q.eventqOvflg);
    const ack = engine.fieldNum(q.eventqOvackflg);
    if (ov === ack) engine.smmu.setOwned(q.names.eventqProd, prodReg ^ (1n << 31n));
    engine.log({
      kind: 'event',
      text: `${text} lost: the ${secure ? 'Secure ' : ''}event queue is full${ov === ack ? `; ${reg('EVENTQ_PROD')}.OVFLG toggled` : ' (overflow already pending)'} (${detail})`,
      section: '7.4',
      words,
      severity: 'warning',
      code: 'event.overflow',
    });
    return;
  }
  const addr = slotAddress(g, prod);
  // §3.10.2: the Secure Event queue is always written in the Secure PA space.
  const mem = secure ? engine.memory.secureSpace() : engine.memory;
  if (mem.isAbort(addr, 32)) {
    engine.log({
      kind: 'event',
      text: `${text} lost: writing ${queue}[${prod % 2 ** g.log2}] at ${hex(BigInt(addr), 64)} took an external abort`,
      section: '7.2',
      address: BigInt(addr),
      words,
      severity: 'warning',
      code: 'event.abort',
    });
    engine.raiseGlobalError(
      2,
      'EVENTQ_ABT_ERR',
      `the event record write to ${hex(BigInt(addr), 64)} was aborted; the queue is not writable until acknowledged`,
      '7.5',
      state,
    );
    return;
  }
  mem.writeWords(addr, words);
  engine.smmu.setOwned(q.names.eventqProd, (prodReg & ~0xf_ffffn) | BigInt(next(prod, g.log2)));
  engine.log({
    kind: 'event',
    text: `${queue}[${prod % 2 ** g.log2}] ← ${text} (${detail})`,
    section: '7.3',
    address: BigInt(addr),
    words,
    severity: 'info',
    code: 'event.written',
  });
  // §3.18: the event queue interrupt fires when the queue goes from empty to non-empty.
  if (engine.field(q.eventqIrqen) === 1n && (prod & indexMask(g.log2)) === (cons & indexMask(g.log2))) {
    engine.signal(queue, q.eventqIrqCfg0, q.eventqIrqCfg1, 5, state);
  }
}

/**
 * The Secure Event queue from SMMU_S_EVENTQ_BASE (§6.3.77: the layout of SMMU_EVENTQ_BASE, LOG2SIZE
 * capped at SMMU_IDR1.EVENTQS), truncated to the OAS as the Non-secure queue is (§3.4.3).
 */
export function secureEventQueue(engine: EngineContext): QueueGeometry {
  const layout = queueLayout(engine.smmu.value(SECURE.eventqBase), 'S_EVENTQ', engine.ids);
  const { log2, entryBytes } = layout;
  // §6.3.2 REL: a preset queue base holds an offset from the SMMU's Page 0.
  const base = layout.base + presetRelativeOffset(engine.smmu.config, engine.ids, SECURE.eventqBase);
  return { base: base % 2 ** engine.oas, log2, entryBytes };
}
