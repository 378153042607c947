/**
 * What a device does through the SMMU: `dma` issues a transaction (§3.1), translated, bypassed or
 * faulted as the SMMU's configuration says, and `pri` sends a PCIe Page Request to the PRI queue
 * (§8).
 */
import type { ScriptDiagnostic } from '../../base/diagnostics';
import { findEvent, PRI_REQUEST } from '../../events/table';
import { hex } from '../../registers/codec';
import { checkArgs, fitsField, flag, valueArg } from './args';
import { resolveEngineStatement } from './resolve-args';
import { diag, type EngineDef, type NamedArg } from './types';

const DMA_SID: NamedArg = { name: 'sid', aliases: ['StreamID'], kind: 'value', required: true, placeholder: 'N', doc: "The device's StreamID." };
const DMA_SSID: NamedArg = { name: 'ssid', aliases: ['SubstreamID'], kind: 'value', placeholder: 'N', doc: 'The SubstreamID (PASID), when the transaction has one.' };
const DMA_IOVA: NamedArg = { name: 'iova', aliases: ['addr', 'address', 'ipa', 'va'], kind: 'value', required: true, placeholder: 'A', doc: 'The input address.' };
const DMA_PRIV: NamedArg = { name: 'priv', kind: 'flag', doc: 'A privileged access (unprivileged without it).' };
const DMA_DIRECTIONS = ['read', 'write', 'exec'];

/** What `dma … ==` may compare with besides a PA or an event name. */
const DMA_OUTCOMES = ['translated', 'bypass', 'abort', 'stall', 'raz', 'fault'];

export const DMA: EngineDef<'dma'> = {
  syntax: 'engine',
  verb: 'dma',
  keywords: ['dma'],
  family: 'transactions',
  section: 'engine',
  label: 'DMA',
  expectation: 'optional',
  outline: 'event',
  summary: 'A transaction from a device through the SMMU',
  forms: [
    {
      doc: 'A transaction from device N through the SMMU. Without an expectation, a DMA that does not complete is a warning (`dma.fault`). OUTCOME is `translated`, `bypass`, `abort`, `stall`, `raz` or `fault`; EVENT an event name (`F_TRANSLATION`).',
    },
  ],
  args: {
    positional: [{ usage: DMA_DIRECTIONS.join('|'), doc: 'The access: a read, a write, or an instruction fetch.', choices: DMA_DIRECTIONS }],
    named: [DMA_SID, DMA_SSID, DMA_IOVA, DMA_PRIV],
    expect: { usage: '== PA | == OUTCOME | == EVENT', doc: 'The physical address it reaches, its outcome, or the event it raises.', choices: DMA_OUTCOMES, events: true },
  },
  snippet: '${1|read,write,exec|} sid=${2:0} iova=${3:0x0}',
  resolve: (r, s) => resolveEngineStatement(r, s),
  run(engine, _state, s) {
    const out: ScriptDiagnostic[] = [];
    const [first] = s.args;
    const dir = first?.name?.toLowerCase();
    if (!first || !dir || !DMA_DIRECTIONS.includes(dir) || first.valueRange) {
      return { diagnostics: [diag('error', 'dma.direction', `expected 'read', 'write' or 'exec' after 'dma'`, first?.range ?? s.keyword)] };
    }
    const sidArg = valueArg(s, DMA_SID);
    const addrArg = valueArg(s, DMA_IOVA);
    if (sidArg?.value === undefined) out.push(diag('error', 'dma.sid', `a DMA needs the device's StreamID: sid=N`, s.range));
    if (addrArg?.value === undefined) out.push(diag('error', 'dma.address', `a DMA needs an address: iova=ADDR`, s.range));
    checkArgs(DMA, s, out);
    const ssidArg = valueArg(s, DMA_SSID);
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
        // 'stalled', the engine's own word for the outcome, is taken for 'stall'.
        if (!ev && !DMA_OUTCOMES.includes(n) && n !== 'stalled') {
          return { diagnostics: [diag('error', 'dma.expect', `'${s.expect.name}' is neither an outcome (${DMA_OUTCOMES.join(', ')}) nor an event name`, s.expect.range)] };
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
  },
};

const PRI_SID: NamedArg = { name: 'sid', kind: 'value', required: true, placeholder: 'N', doc: "The device's StreamID." };
const PRI_SSID: NamedArg = { name: 'ssid', kind: 'value', placeholder: 'N', doc: 'The SubstreamID (PASID), when the request has one.' };
const PRI_ADDR: NamedArg = { name: 'addr', aliases: ['iova'], kind: 'value', required: true, placeholder: 'A', doc: 'The page address requested.' };
const PRI_PRGI: NamedArg = { name: 'prgi', kind: 'value', placeholder: 'N', doc: 'The Page Request Group Index (default 0).' };
const PRI_OUTCOMES = ['queued', 'discarded', 'unsupported'];

/** `pri sid=N [ssid=N] addr=A [read] [write] [exec] [priv] [last] [prgi=N]`: a device's Page Request (§8). */
export const PRI: EngineDef<'pri'> = {
  syntax: 'engine',
  verb: 'pri',
  keywords: ['pri'],
  family: 'transactions',
  section: 'engine',
  label: 'PRI',
  expectation: 'optional',
  summary: 'A PCIe Page Request from a device (§8)',
  forms: [
    {
      doc: 'A PCIe Page Request from device N (§8): written to the PRI queue when `PRIQEN` is 1 and the queue is writable; a full queue toggles `PRIQ_PROD.OVFLG`, and until software acknowledges it every request is discarded (§8.1). Discarded requests with `last` get an automatic PRG response.',
    },
  ],
  args: {
    named: [
      PRI_SID,
      PRI_SSID,
      PRI_ADDR,
      { name: 'read', kind: 'flag', doc: 'Read access requested.' },
      { name: 'write', kind: 'flag', doc: 'Write access requested.' },
      { name: 'exec', kind: 'flag', doc: 'Execute access requested.' },
      { name: 'priv', kind: 'flag', doc: 'Privileged access requested.' },
      { name: 'last', kind: 'flag', doc: 'The last request of its Page Request Group.' },
      PRI_PRGI,
    ],
    expect: { usage: '== queued|discarded|unsupported', doc: 'What became of the request.', choices: PRI_OUTCOMES },
  },
  snippet: 'sid=${1:0} addr=${2:0x0} ${3:read}',
  resolve: (r, s) => resolveEngineStatement(r, s),
  run(engine, _state, s) {
    const out: ScriptDiagnostic[] = [];
    checkArgs(PRI, s, out);
    const sid = valueArg(s, PRI_SID)?.value;
    const addr = valueArg(s, PRI_ADDR)?.value;
    if (sid === undefined || addr === undefined) out.push(diag('error', 'pri.args', 'a page request needs sid= and addr=', s.range));
    for (const [field, a] of [['StreamID', valueArg(s, PRI_SID)], ['SubstreamID', valueArg(s, PRI_SSID)], ['PRGIndex', valueArg(s, PRI_PRGI)]] as const) fitsField(PRI_REQUEST, field, a, out, 'a PRI queue entry');
    if (out.length || sid === undefined || addr === undefined) return { diagnostics: out };
    const ssid = valueArg(s, PRI_SSID)?.value;
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
      prgIndex: Number(valueArg(s, PRI_PRGI)?.value ?? 0n),
    });
    const what = engine.activity.slice(before).map((a) => a.text).join('; ');
    if (s.expect) {
      const want = s.expect.name?.toLowerCase();
      if (!want || !PRI_OUTCOMES.includes(want)) return { diagnostics: [diag('error', 'pri.expect', `expected ${PRI_OUTCOMES.slice(0, -1).join(', ')} or ${PRI_OUTCOMES[PRI_OUTCOMES.length - 1]}`, s.expect.range)] };
      if ((want === r) !== (s.expect.op === '==')) return { diagnostics: [diag('error', 'expect.failed', `the page request was ${r}, expected ${s.expect.op === '==' ? '' : 'not '}${want}`, s.expect.range)], summary: what, failedExpectation: true };
      return { diagnostics: [], summary: `${r}: ${what}`, metExpectation: true };
    }
    return { diagnostics: [], summary: `${r}: ${what}` };
  },
};
