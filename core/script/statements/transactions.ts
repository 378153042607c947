/**
 * What a device does through the SMMU: `dma` issues a transaction (§3.1), translated, bypassed or
 * faulted as the SMMU's configuration says, or with a payload a transfer of its bytes to or from
 * guest memory (core/engine/dma.ts; its arguments in dma-args.ts), and `pri` sends a PCIe Page
 * Request to the PRI queue (§8).
 */
import type { ScriptDiagnostic } from '../../base/diagnostics';
import * as caps from '../../structures/capabilities';
import { describeResult, outputText, type DmaTransferResult, type DmaTransaction } from '../../engine/dma';
import type { TransactionResult } from '../../engine/transaction';
import type { Engine } from '../../engine/engine';
import { findEvent, PRI_REQUEST } from '../../events/table';
import { hex } from '../../registers/codec';
import { counted } from '../../text/plural';
import type { ResolvedAction } from '../resolved';
import { checkArgs, fitsField, flag, valueArg } from './args';
import {
  bytesText,
  bytesValue,
  checkDmaPayload,
  DMA_ATS,
  DMA_DATA,
  DMA_DIRECTIONS,
  DMA_IOVA,
  DMA_NS,
  DMA_PRIV,
  DMA_SECURE,
  DMA_SID,
  DMA_SIZE,
  DMA_SSID,
  DMA_STEP,
  DMA_TRANSLATED,
  dmaDirection,
  dmaRequest,
  type DmaRequest,
} from './dma-args';
import { resolveEngineStatement } from './resolve-args';
import { diag, type ActionOutcome, type EngineDef, type NamedArg } from './types';
import { own } from '../../base/own';

/**
 * What `dma … ==` may compare with besides a PA or an event name; `secure_pa` and `nonsecure_pa`
 * are the output PA space of a transaction that completed (§13.5: a Non-secure stream's is always
 * Non-secure).
 */
const DMA_OUTCOMES = [
  'translated',
  'bypass',
  'abort',
  'stall',
  'raz',
  'fault',
  'ur',
  'ca',
  'denied',
  'secure_pa',
  'nonsecure_pa',
];
/** The output PA space each `secure_pa` / `nonsecure_pa` expects: Non-secure (true) or Secure. */
const PA_SPACES: Record<string, boolean> = { secure_pa: false, nonsecure_pa: true };
/** The answers to a Translation Request that stop a `dma … ats` (§3.9.1.2). */
const ATS_REFUSALS: Record<string, 'UR' | 'CA' | 'denied'> = { ur: 'UR', ca: 'CA', denied: 'denied' };

const completes = (r: TransactionResult): r is Extract<TransactionResult, { pa: bigint }> =>
  r.outcome === 'translated' || r.outcome === 'bypass';

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
      usage: 'dma read|write|exec sid=N [ssid=N] iova=A [priv] [secure [ns]] [size=S] [== PA | == OUTCOME | == EVENT]',
      doc: 'A transaction from device N through the SMMU; with `secure`, from a Secure stream (SEC_SID = 1: the Secure Stream table, SMMU_S_CR0.SMMUEN and SMMU_S_GBPA, the Secure Event queue, §3.10). Without an expectation, a DMA that does not complete is a warning (`dma.fault`). OUTCOME is `translated`, `bypass`, `abort`, `stall`, `raz`, `fault`, or for `ats` `ur`, `ca` or `denied`; `secure_pa` or `nonsecure_pa` the output PA space of a transaction that completed (for a Secure stream STE.NSCFG or SMMU_S_GBPA.NSCFG in bypass, CD.NSCFGx, NSTable and NS when translated, §13.5; always Non-secure for a Non-secure stream); EVENT an event name (`F_TRANSLATION`). With `size=`, a transfer of S bytes (at most 64 KiB): one transaction per 4 KB block (§16.7.1), and the expectation is on the first that does not complete, or else on the first.',
    },
    {
      usage:
        'dma read|write|exec sid=N [ssid=N] iova=A [priv] ats [size=S] [== PA | == ur | == ca | == denied | == EVENT]',
      doc: 'A device that uses PCIe ATS (§3.9.1, SMMU_IDR0.ATS): it looks the page up in its ATC; on a miss it sends a Translation Request (No-Write for a read, Exe for `exec`; Priv and Exe only with a PASID, `ssid=`) and caches what the completion grants; then it issues a Translated transaction. `ur` (Unsupported Request: ATS disabled for the stream) and `ca` (Completer Abort: a configuration error) are the refusals; `denied` a completion without the permission (a translation fault gives R = W = 0, with no event). Using an ATC entry whose translation changed without a CMD_ATC_INV is `stale.atc`.',
    },
    {
      usage: 'dma read|write sid=N iova=PA translated [size=S] [== PA | == OUTCOME | == EVENT]',
      doc: 'A transaction the device marks Translated, at the address it gives (a PA; an IPA with Split-stage ATS): with CR0.ATSCHK = 0 it bypasses; with ATSCHK = 1 it is checked against STE.Config and STE.EATS (`F_TRANSL_FORBIDDEN`), and EATS = 0b10 translates it at stage 2 (§3.9.1.3).',
    },
    {
      usage: 'dma write sid=N [ssid=N] iova=A [priv] data=V [step=D] [size=S] [== PA | == OUTCOME | == EVENT]',
      doc: 'A device writes S bytes (default 8) through the SMMU into guest memory: V little-endian, repeated word by word for a longer transfer, word k being V + k × D with `step=D`. A transaction that aborts or stalls stops the transfer; the bytes before it stay written.',
    },
    {
      usage: ['dma read|exec sid=N [ssid=N] iova=A [priv] [size=S] data == V [step=D]', 'dma read|exec … data != V'],
      doc: 'A device reads S bytes (default 8) through the SMMU, and the bytes must be (or must not be) the pattern of `data=V`. The read must complete: a transaction that aborts or stalls fails the expectation, naming it.',
    },
  ],
  args: {
    positional: [
      {
        usage: DMA_DIRECTIONS.join('|'),
        doc: 'The access: a read, a write, or an instruction fetch.',
        choices: DMA_DIRECTIONS,
      },
    ],
    named: [
      DMA_SID,
      DMA_SSID,
      DMA_IOVA,
      DMA_PRIV,
      DMA_ATS,
      DMA_TRANSLATED,
      DMA_SECURE,
      DMA_NS,
      DMA_DATA,
      DMA_STEP,
      DMA_SIZE,
    ],
    expect: {
      usage: '== PA | == OUTCOME | == EVENT',
      doc: 'The physical address it reaches, its outcome, or the event it raises; after `data`, the bytes it reads.',
      choices: DMA_OUTCOMES,
      events: true,
    },
  },
  snippet: '${1|read,write,exec|} sid=${2:0} iova=${3:0x0}',
  resolve: (r, s) => resolveEngineStatement(r, s, undefined, checkDmaPayload),
  run(engine, _state, s) {
    const out: ScriptDiagnostic[] = [];
    const first = s.args[0];
    const dir = dmaDirection(s);
    if (!dir) {
      return {
        diagnostics: [
          diag('error', 'dma.direction', `expected 'read', 'write' or 'exec' after 'dma'`, first?.range ?? s.keyword),
        ],
      };
    }
    const sidArg = valueArg(s, DMA_SID);
    const addrArg = valueArg(s, DMA_IOVA);
    if (sidArg?.value === undefined)
      out.push(diag('error', 'dma.sid', `a DMA needs the device's StreamID: sid=N`, s.range));
    if (addrArg?.value === undefined)
      out.push(diag('error', 'dma.address', `a DMA needs an address: iova=ADDR`, s.range));
    checkArgs(DMA, s, out);
    const ssidArg = valueArg(s, DMA_SSID);
    // Event records carry the StreamID in 32 bits and the SubstreamID in 20 (§7.3.3).
    const record = badStreamIdRecord();
    if (record) {
      fitsField(record, 'StreamID', sidArg, out, 'event records');
      fitsField(record, 'SubstreamID', ssidArg, out, 'event records');
    }
    const req = dmaRequest(s);
    if (out.length || !req) return { diagnostics: out };
    if (req.route === 'ats' && flag(s, 'translated'))
      return {
        diagnostics: [
          diag(
            'error',
            'dma.route',
            "'ats' already ends in a Translated transaction: give 'ats' (through the ATC) or 'translated' (an address the device marks Translated), not both",
            s.range,
          ),
        ],
      };
    if (req.route !== 'untranslated' && !caps.ats(engine.ids))
      return {
        diagnostics: [
          diag(
            'error',
            'dma.ats',
            `'${req.route}' needs an SMMU with ATS (SMMU_IDR0.ATS == 1, §3.9.1); this configuration has none`,
            s.range,
          ),
        ],
      };
    const secureProblem = secureStreamProblem(engine, req);
    if (secureProblem) return { diagnostics: [diag('error', 'dma.secure', secureProblem, s.range)] };
    // §3.9.1.3: without SMMU_IDR3.PASIDTT the SMMU takes a Translated transaction as having no
    // PASID (SSV == 0), Data and Unprivileged; the script says it carries one, so say what happens.
    if (req.route === 'translated' && req.ssid !== undefined && !caps.pasidtt(engine.ids))
      out.push(
        diag(
          'warning',
          'dma.pasid',
          `this SMMU does not take a PASID on ATS Translated transactions (SMMU_IDR3.PASIDTT == 0): the transaction is checked as one without a SubstreamID, Data and Unprivileged (§3.9.1.3)`,
          ssidArg?.range ?? s.range,
        ),
      );
    const access = { read: dir !== 'write', write: dir === 'write', exec: dir === 'exec', priv: req.priv };
    // The usual transaction (no SubstreamID, Non-secure) as one literal: a spread in a literal is
    // a runtime call in the baseline code a cold check runs.
    const t =
      req.ssid === undefined && !req.secure
        ? { sid: req.sid, address: req.iova, access }
        : {
            sid: req.sid,
            ...(req.ssid !== undefined ? { ssid: req.ssid } : {}),
            address: req.iova,
            access,
            ...(req.secure ? { secure: true, ns: req.ns } : {}),
          };
    if (req.size === undefined) {
      // No payload: one translation, as a DMA was before it carried data.
      // engine.translate for an ordinary transaction: the QEMU compiler hooks it (core/qemu/compile.ts).
      const r = req.route === 'untranslated' ? engine.translate(t) : engine.access(t, req.route);
      // The summary is made when read, or when a message needs it: most DMAs go where expected,
      // and their line's text is shown only when on screen.
      return judgeOutcome(s, out, r, () => describeResult(r));
    }
    const x = engine.transfer(t, req.size, req.payload, req.route);
    // The transaction the expectation is about: the first that did not complete, or else the first.
    const key = x.transactions.find((tr) => !completes(tr.result)) ?? (x.transactions[0] as DmaTransaction);
    const summary = transferSummary(req, x);
    if (req.compare && s.expect) return judgeData(s, out, req, x, key, summary);
    return judgeOutcome(s, out, key.result, summary, x.stopped ? summary : transactionText(x, key));
  },
};

/**
 * Why a `dma … secure` (or `ns`) cannot run on this SMMU, or undefined: a Secure stream needs the
 * Secure state (§3.10.1: without SMMU_S_IDR1.SECURE_IMPL every transaction has SEC_SID 0), `ns`
 * is a Secure stream's input attribute, and ATS from a Secure stream is not modelled (a Secure
 * STE's EATS is RES0 with effective value 0b00, §5.2 EATS).
 */
function secureStreamProblem(engine: Engine, req: DmaRequest): string | undefined {
  if (req.ns && !req.secure)
    return "'ns' is the input NS attribute of a Secure stream: add 'secure' (a Non-secure stream's transactions are always Non-secure, §3.10.2)";
  if (!req.secure) return undefined;
  if (!caps.secureImpl(engine.ids))
    return "'secure' needs an SMMU with the Secure state (SMMU_S_IDR1.SECURE_IMPL == 1); without it every transaction has SEC_SID 0 (§3.10.1)";
  if (req.route !== 'untranslated')
    return `'${req.route}' from a Secure stream is not modelled: a Secure STE's EATS is RES0 and behaves as 0b00, ATS disabled (§5.2 EATS)`;
  return undefined;
}

/** A transaction as messages name it: its outcome, and which of several it was. */
function transactionText(x: DmaTransferResult, tr: DmaTransaction): string {
  const k = x.transactions.indexOf(tr) + 1;
  const which =
    x.total > 1
      ? ` at transaction ${k} of ${x.total} (IOVA ${hex(tr.address, 64)}, bytes ${tr.offset}–${tr.offset + tr.length - 1})`
      : '';
  return completes(tr.result)
    ? `${tr.result.outcome}${which} → ${outputText(tr.result)} (${tr.result.detail})`
    : `${tr.result.outcome}${which}: ${tr.result.detail}`;
}

/** What a transfer did, in one line: where its transactions went, then the bytes. */
function transferSummary(req: DmaRequest, x: DmaTransferResult): string {
  const size = req.size as number;
  const write = req.access === 'write';
  const last = x.transactions[x.transactions.length - 1] as DmaTransaction;
  if (x.stopped) {
    const before = x.done
      ? `the ${counted(x.done, 'byte')} before it ${write ? 'were written' : 'were read'}`
      : `no byte ${write ? 'written' : 'read'}`;
    return `${transactionText(x, last)}; ${before}`;
  }
  const first = (x.transactions[0] as DmaTransaction).result;
  const same = x.transactions.every((tr) => tr.result.outcome === first.outcome && completes(tr.result));
  const each = (tr: DmaTransaction) =>
    completes(tr.result)
      ? `${same ? '' : `${tr.result.outcome} → `}${hex(tr.result.pa)}`
      : `${tr.result.outcome}${'event' in tr.result && tr.result.event ? ` (${tr.result.event})` : ''}`;
  const where =
    x.total === 1
      ? transactionText(x, last)
      : same
        ? `${first.outcome} in ${x.total} transactions → ${x.transactions.map(each).join(', ')}`
        : `${counted(x.total, 'transaction')}: ${x.transactions.map(each).join(', ')}`;
  const ignored = x.transactions.filter((tr) => !completes(tr.result)).reduce((n, tr) => n + tr.length, 0);
  if (!write)
    return `${where}; read ${bytesText(x.bytes ?? new Uint8Array())}${ignored ? ` (${counted(ignored, 'byte')} RAZ)` : ''}`;
  return `${where}; ${ignored ? `wrote ${size - ignored} of ${counted(size, 'byte')} (${ignored} ignored: RAZ/WI)` : `wrote ${bytesText(req.payload ?? new Uint8Array())}`}`;
}

/** `== PA | OUTCOME | EVENT` (or `!=`) against the outcome of transaction `r`; without one, `dma.fault` when it did not complete. */
function judgeOutcome(
  s: ResolvedAction,
  out: ScriptDiagnostic[],
  r: TransactionResult,
  summary: string | (() => string),
  what?: string,
): ActionOutcome {
  if (!s.expect) {
    if (!completes(r))
      out.push(
        diag(
          'warning',
          'dma.fault',
          `the DMA did not complete: ${what ?? (typeof summary === 'string' ? summary : summary())}; add '== ${'event' in r && r.event ? r.event : r.outcome}' if that is intended`,
          s.range,
        ),
      );
    return { diagnostics: out, summary };
  }
  let pass: boolean;
  let wanted: string | undefined;
  if (s.expect.name !== undefined) {
    const n = s.expect.name.toLowerCase();
    const ev = findEvent(s.expect.name);
    // 'stalled', the engine's own word for the outcome, is taken for 'stall'.
    if (!ev && !DMA_OUTCOMES.includes(n) && n !== 'stalled') {
      return {
        diagnostics: [
          diag(
            'error',
            'dma.expect',
            `'${s.expect.name}' is neither an outcome (${DMA_OUTCOMES.join(', ')}) nor an event name`,
            s.expect.range,
          ),
        ],
      };
    }
    const event = 'event' in r ? r.event : undefined;
    pass = ev
      ? event !== undefined && findEvent(event) === ev
      : n === 'fault'
        ? event !== undefined
        : n === 'stall'
          ? r.outcome === 'stalled'
          : n === 'raz'
            ? r.outcome === 'raz-wi'
            : own(ATS_REFUSALS, n) !== undefined
              ? r.outcome === 'abort' && r.ats === own(ATS_REFUSALS, n)
              : own(PA_SPACES, n) !== undefined
                ? completes(r) && (r.ns ?? true) === own(PA_SPACES, n)
                : r.outcome === n;
    wanted = s.expect.name;
  } else {
    const v = s.expect.value as bigint;
    pass = completes(r) && r.pa === v;
  }
  if (s.expect.op === '!=') pass = !pass;
  if (!pass) {
    wanted ??= hex(s.expect.value as bigint, 64);
    out.push(
      diag(
        'error',
        'expect.failed',
        `the DMA ${s.expect.op === '!=' ? 'was' : 'gave'} ${typeof summary === 'string' ? summary : summary()}${s.expect.op === '==' ? `, expected ${wanted}` : `, expected anything but ${wanted}`}`,
        s.expect.range,
      ),
    );
    return { diagnostics: out, summary, failedExpectation: true };
  }
  return { diagnostics: out, summary, metExpectation: true };
}

/** C_BAD_STREAMID's record, whose StreamID and SubstreamID widths bound a DMA's (looked up once). */
let badStreamId: ReturnType<typeof findEvent> | null = null;
function badStreamIdRecord(): ReturnType<typeof findEvent> {
  if (badStreamId === null) badStreamId = findEvent('C_BAD_STREAMID');
  return badStreamId;
}

/**
 * `data == V` / `data != V`: the read must complete (a read that stopped returned no data, so its
 * expectation ran and is not met), then its bytes are compared; a mismatch names the first word
 * that differs, where it is, and how many bytes differ.
 */
function judgeData(
  s: ResolvedAction,
  out: ScriptDiagnostic[],
  req: DmaRequest,
  x: DmaTransferResult,
  key: DmaTransaction,
  summary: string,
): ActionOutcome {
  const cmp = req.compare as NonNullable<DmaRequest['compare']>;
  const range = (s.expect as NonNullable<ResolvedAction['expect']>).range;
  const fail = (message: string): ActionOutcome => {
    out.push(diag('error', 'expect.failed', message, range));
    return { diagnostics: out, summary, failedExpectation: true };
  };
  if (x.stopped) return fail(`the DMA did not complete: ${summary}; expected data ${cmp.op} ${bytesText(cmp.bytes)}`);
  const got = x.bytes ?? new Uint8Array();
  let firstDiff = -1;
  let differ = 0;
  for (let i = 0; i < got.length; i++) {
    if (got[i] === cmp.bytes[i]) continue;
    if (firstDiff < 0) firstDiff = i;
    differ++;
  }
  if (cmp.op === '!=')
    return differ
      ? { diagnostics: out, summary, metExpectation: true }
      : fail(`the device read ${bytesText(got)}, expected anything else`);
  if (!differ) return { diagnostics: out, summary, metExpectation: true };
  if (got.length <= 8)
    return fail(
      `the device read ${bytesText(got)}, expected ${bytesText(cmp.bytes)}${completes(key.result) ? '' : ` (${transactionText(x, key)})`}`,
    );
  const at = firstDiff - (firstDiff % 8);
  const n = Math.min(8, got.length - at);
  const tr = x.transactions.find((t) => at >= t.offset && at < t.offset + t.length) as DmaTransaction;
  const where = completes(tr.result)
    ? `PA ${hex(tr.result.pa + BigInt(at - tr.offset), 64)}`
    : `${tr.result.outcome}: ${'event' in tr.result && tr.result.event ? tr.result.event : 'no event'}`;
  const word = (b: Uint8Array) =>
    `0x${bytesValue(b, at, n)
      .toString(16)
      .toUpperCase()
      .padStart(2 * n, '0')}`;
  return fail(
    `the device read ${word(got)} at byte ${at} of ${got.length} (IOVA ${hex(req.iova + BigInt(at), 64)}, ${where}), expected ${word(cmp.bytes)}; ${counted(differ, 'byte')} ${differ === 1 ? 'differs' : 'differ'}`,
  );
}

const PRI_SID: NamedArg = {
  name: 'sid',
  kind: 'value',
  required: true,
  placeholder: 'N',
  doc: "The device's StreamID.",
};
const PRI_SSID: NamedArg = {
  name: 'ssid',
  kind: 'value',
  placeholder: 'N',
  doc: 'The SubstreamID (PASID), when the request has one.',
};
const PRI_ADDR: NamedArg = {
  name: 'addr',
  aliases: ['iova'],
  kind: 'value',
  required: true,
  placeholder: 'A',
  doc: 'The page address requested.',
};
const PRI_PRGI: NamedArg = {
  name: 'prgi',
  kind: 'value',
  placeholder: 'N',
  doc: 'The Page Request Group Index (default 0).',
};
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
    if (sid === undefined || addr === undefined)
      out.push(diag('error', 'pri.args', 'a page request needs sid= and addr=', s.range));
    for (const [field, a] of [
      ['StreamID', valueArg(s, PRI_SID)],
      ['SubstreamID', valueArg(s, PRI_SSID)],
      ['PRGIndex', valueArg(s, PRI_PRGI)],
    ] as const)
      fitsField(PRI_REQUEST, field, a, out, 'a PRI queue entry');
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
    const what = engine.activity
      .slice(before)
      .map((a) => a.text)
      .join('; ');
    if (s.expect) {
      const want = s.expect.name?.toLowerCase();
      if (!want || !PRI_OUTCOMES.includes(want))
        return {
          diagnostics: [
            diag(
              'error',
              'pri.expect',
              `expected ${PRI_OUTCOMES.slice(0, -1).join(', ')} or ${PRI_OUTCOMES[PRI_OUTCOMES.length - 1]}`,
              s.expect.range,
            ),
          ],
        };
      if ((want === r) !== (s.expect.op === '=='))
        return {
          diagnostics: [
            diag(
              'error',
              'expect.failed',
              `the page request was ${r}, expected ${s.expect.op === '==' ? '' : 'not '}${want}`,
              s.expect.range,
            ),
          ],
          summary: what,
          failedExpectation: true,
        };
      return { diagnostics: [], summary: `${r}: ${what}`, metExpectation: true };
    }
    return { diagnostics: [], summary: `${r}: ${what}` };
  },
};
