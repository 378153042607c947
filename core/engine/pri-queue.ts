/**
 * PRI page requests from devices (§8): written to the PRI queue when CR0ACK.PRIQEN is 1 and the
 * queue is writable. A full queue enters the overflow condition (PRIQ_PROD.OVFLG toggled), and
 * while it is active every request is discarded (§8.1, unlike the event queue). Discarded
 * requests with Last == 1 get an automatic PRG response. An external abort on the write sets
 * GERROR.PRIQ_ABT_ERR.
 */
import { encodePriRequest, formatPriRequest } from '../events/codec';
import { hex } from '../registers/codec';
import { pri } from '../structures/capabilities';
import type { EngineContext } from './context';
import { indexMask, isFull, next, slotAddress } from './queue-index';
import { F, R } from './registers';

export interface PageRequest {
  readonly sid: number;
  readonly ssid?: number;
  readonly address: bigint;
  readonly read: boolean;
  readonly write: boolean;
  readonly exec: boolean;
  readonly priv: boolean;
  readonly last: boolean;
  readonly prgIndex: number;
}

export type PageRequestOutcome = 'queued' | 'discarded' | 'unsupported';

export function pageRequest(engine: EngineContext, req: PageRequest): PageRequestOutcome {
  if (!pri(engine.ids)) {
    engine.log({
      kind: 'pri',
      text: `StreamID ${req.sid}: this SMMU does not implement PRI (IDR0.PRI is 0)`,
      section: '8',
      severity: 'warning',
      code: 'pri.unsupported',
    });
    return 'unsupported';
  }
  const words = encodePriRequest(
    new Map<string, bigint>([
      ['StreamID', BigInt(req.sid)],
      ['SubstreamID', BigInt(req.ssid ?? 0)],
      ['SSV', req.ssid === undefined ? 0n : 1n],
      ['Priv', req.priv ? 1n : 0n],
      ['Exec', req.exec ? 1n : 0n],
      ['Read', req.read ? 1n : 0n],
      ['Write', req.write ? 1n : 0n],
      ['L', req.last ? 1n : 0n],
      ['PRGIndex', BigInt(req.prgIndex)],
      ['PageAddr', req.address & ~0xfffn],
    ]),
  );
  const text = formatPriRequest(words);
  const auto = req.last ? '; Last is 1, so the SMMU sends an automatic PRG response' : '';
  if (engine.field(F.PRIQEN) === 0n) {
    engine.log({
      kind: 'pri',
      text: `${text} discarded: CR0.PRIQEN is 0${auto}`,
      section: '8.2',
      words,
      severity: 'warning',
      code: 'pri.discarded',
    });
    return 'discarded';
  }
  const prodReg = engine.smmu.value(R.PRIQ_PROD);
  if (engine.fieldNum(F.PRIQ_OVFLG) !== engine.fieldNum(F.PRIQ_OVACKFLG)) {
    engine.log({
      kind: 'pri',
      text: `${text} discarded: a PRI queue overflow is not yet acknowledged${auto}`,
      section: '8.1',
      words,
      severity: 'warning',
      code: 'pri.overflow',
    });
    lastOnlyOverflowInterrupt(engine, req);
    return 'discarded';
  }
  if (engine.gerrorActive(3)) {
    engine.log({
      kind: 'pri',
      text: `${text} discarded: the PRI queue is not writable while GERROR.PRIQ_ABT_ERR is active`,
      section: '7.5',
      words,
      severity: 'warning',
      code: 'pri.discarded',
    });
    return 'discarded';
  }
  const g = engine.geometry('PRIQ');
  const prod = Number(prodReg & 0xf_ffffn);
  const cons = engine.fieldNum(F.PRIQ_RD);
  if (isFull(prod, cons, g.log2)) {
    engine.smmu.setOwned('PRIQ_PROD', prodReg ^ (1n << 31n));
    engine.log({
      kind: 'pri',
      text: `${text} lost: the PRI queue is full; PRIQ_PROD.OVFLG toggled${auto}`,
      section: '8.1',
      words,
      severity: 'warning',
      code: 'pri.overflow',
    });
    lastOnlyOverflowInterrupt(engine, req);
    return 'discarded';
  }
  const addr = slotAddress(g, prod);
  if (engine.memory.isAbort(addr, 16)) {
    engine.raiseGlobalError(3, 'PRIQ_ABT_ERR', `the PRI queue write to ${hex(BigInt(addr), 64)} was aborted`, '7.5');
    return 'discarded';
  }
  engine.memory.writeWords(addr, words);
  engine.smmu.setOwned('PRIQ_PROD', (prodReg & ~0xf_ffffn) | BigInt(next(prod, g.log2)));
  engine.log({
    kind: 'pri',
    text: `PRIQ[${prod & ((1 << g.log2) - 1)}] ← ${text}`,
    section: '8',
    address: BigInt(addr),
    words,
    severity: 'info',
    code: 'pri.written',
  });
  // §3.18 with PRIQ_IRQ_CFG2.LO: interrupt only for Last == 1 requests; otherwise on empty → non-empty.
  const lastOnly = lastOnlyInterrupts(engine);
  const wasEmpty = (prod & indexMask(g.log2)) === (cons & indexMask(g.log2));
  if (engine.field(F.PRIQ_IRQEN) === 1n && (lastOnly ? req.last : wasEmpty))
    engine.signal('PRIQ', R.PRIQ_IRQ_CFG0, R.PRIQ_IRQ_CFG1, 6);
  return 'queued';
}

/** PRIQ_IRQ_CFG2.LO (§6.3.36; RES0 without IDR0.MSI, so 0 there): interrupt only for Last == 1 requests. */
function lastOnlyInterrupts(engine: EngineContext): boolean {
  return ((engine.smmu.value(R.PRIQ_IRQ_CFG2) >> 31n) & 1n) === 1n;
}

/**
 * With LO == 1, a Last request discarded because of a PRI queue overflow still raises the PRI
 * queue interrupt (§6.3.36: "When the message is discarded because of a PRI queue overflow, the
 * interrupt is generated"); discarded for any other reason, it does not.
 */
function lastOnlyOverflowInterrupt(engine: EngineContext, req: PageRequest): void {
  if (req.last && engine.field(F.PRIQ_IRQEN) === 1n && lastOnlyInterrupts(engine))
    engine.signal('PRIQ', R.PRIQ_IRQ_CFG0, R.PRIQ_IRQ_CFG1, 6);
}
