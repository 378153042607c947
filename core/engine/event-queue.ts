/**
 * Writing event records (§7.2–§7.4) and PRI page requests (§8) to their queues in guest memory.
 *
 * An event is delivered when CR0ACK.EVENTQEN is 1 and the queue is writable (no active
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
import { indexMask, isFull, next, slotAddress } from './queue-index';
import { F, R } from './registers';

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

export function recordEvent(engine: EngineContext, name: EventName, fields: EventFields, detail: string): void {
  if (engine.suppressEvents) return;
  // An ATOS lookup records no event (§9): its first fault is what ATOS_PAR reports.
  if (engine.atosRun) {
    engine.atosRun.fault ??= { event: name, fields };
    return;
  }
  if (engine.ats !== undefined && !atsRecords(engine.ats, name, engine.field(F.REC_CFG_ATS) === 1n)) return;
  const words = buildEvent(name, fields);
  const text = formatEvent(decodeEvent(words));
  if (engine.field(F.EVENTQEN) === 0n) {
    engine.log({
      kind: 'event',
      text: `${text} discarded: CR0.EVENTQEN is 0 (${detail})`,
      section: '7.4',
      words,
      severity: 'warning',
      code: 'event.discarded',
    });
    return;
  }
  if (engine.gerrorActive(2)) {
    engine.log({
      kind: 'event',
      text: `${text} discarded: the event queue is not writable while GERROR.EVENTQ_ABT_ERR is active (${detail})`,
      section: '7.2',
      words,
      severity: 'warning',
      code: 'event.discarded',
    });
    return;
  }
  const g = engine.geometry('EVENTQ');
  const prodReg = engine.smmu.value(R.EVENTQ_PROD);
  const prod = Number(prodReg & 0xf_ffffn);
  const cons = engine.fieldNum(F.EVENTQ_RD);
  if (isFull(prod, cons, g.log2)) {
    const ov = engine.fieldNum(F.EVENTQ_OVFLG);
    const ack = engine.fieldNum(F.EVENTQ_OVACKFLG);
    if (ov === ack) engine.smmu.setOwned('EVENTQ_PROD', prodReg ^ (1n << 31n));
    engine.log({
      kind: 'event',
      text: `${text} lost: the event queue is full${ov === ack ? '; EVENTQ_PROD.OVFLG toggled' : ' (overflow already pending)'} (${detail})`,
      section: '7.4',
      words,
      severity: 'warning',
      code: 'event.overflow',
    });
    return;
  }
  const addr = slotAddress(g, prod);
  if (engine.memory.isAbort(addr, 32)) {
    engine.log({
      kind: 'event',
      text: `${text} lost: writing EVENTQ[${prod % 2 ** g.log2}] at ${hex(BigInt(addr), 64)} took an external abort`,
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
    );
    return;
  }
  engine.memory.writeWords(addr, words);
  engine.smmu.setOwned('EVENTQ_PROD', (prodReg & ~0xf_ffffn) | BigInt(next(prod, g.log2)));
  engine.log({
    kind: 'event',
    text: `EVENTQ[${prod % 2 ** g.log2}] ← ${text} (${detail})`,
    section: '7.3',
    address: BigInt(addr),
    words,
    severity: 'info',
    code: 'event.written',
  });
  // §3.18: the event queue interrupt fires when the queue goes from empty to non-empty.
  if (engine.field(F.EVENTQ_IRQEN) === 1n && (prod & indexMask(g.log2)) === (cons & indexMask(g.log2))) {
    engine.signal('EVENTQ', R.EVENTQ_IRQ_CFG0, R.EVENTQ_IRQ_CFG1, 5);
  }
}
