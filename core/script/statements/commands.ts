/**
 * The command queue as a driver fills it (§3.5, §4): `cmd NAME FIELD=value…` and `cmd raw LOW
 * HIGH` write a command at the script's producer index; `doorbell` writes CMDQ_PROD, and the SMMU
 * consumes the queue at once. With `ecmdq=N` both act on Enhanced Command queue N instead
 * (§3.5.6): its SMMU_ECMDQ_BASE, PROD and CONS; with `secure`, on the Secure Command queue
 * (§3.10.2): SMMU_S_CMDQ_BASE, PROD and CONS, written from the Secure state. `ns` names the
 * Non-secure queue, the default, as the same words name an access's Security state.
 */
import {
  decodeCommand,
  encodeCommand,
  formatCommand,
  type CommandProblem,
  type CommandQueueSecurity,
  type EncodedCommand,
} from '../../commands/codec';
import { fastChecksFor } from '../../engine/command-fast';
import { COMMANDS, findCommand } from '../../commands/table';
import type { CommandDef } from '../../commands/table';
import type { ScriptDiagnostic } from '../../base/diagnostics';
import { ecmdqGeometry } from '../../engine/ecmdq';
import { secureCmdqGeometry } from '../../engine/secure-cmdq';
import type { Engine } from '../../engine/engine';
import { isFull, next as nextIndex, slotAddress, type QueueGeometry } from '../../engine/queue-index';
import { ecmdqOffset } from '../../model/ecmdq';
import { ECMDQ_CONS, ECMDQ_PROD } from '../../registers/ecmdq';
import type { ActionArg } from '../resolved';
import { hex, type IdView } from '../../registers/codec';
import { getRegister } from '../../registers/table';
import { registerIndex } from '../../model/register-file';
import { counted } from '../../text/plural';
import { closestNames, didYouMean } from '../../text/suggest';
import * as caps from '../../structures/capabilities';
import { checkArgs, fieldValues } from './args';
import { resolveEngineStatement } from './resolve-args';
import { diag, type EngineDef, type NamedArg, type ScriptState } from './types';

/** `ecmdq=N`: the Enhanced Command queue a `cmd` fills and a `doorbell` rings (§3.5.6). */
const ECMDQ_ARG: NamedArg = {
  name: 'ecmdq',
  kind: 'value',
  placeholder: 'N',
  doc: 'Enhanced Command queue N (§3.5.6, with SMMU_IDR1.ECMDQ), counted over the control pages, instead of the queue at CMDQ_BASE: its SMMU_ECMDQ_BASE, PROD and CONS.',
};

/**
 * `secure` and `ns`: the Security state of the Command queue a `cmd` fills and a `doorbell` rings
 * (§3.10.2), the words an access's Security state is written with (`write32 REG V secure`).
 */
const SECURE_ARG: NamedArg = {
  name: 'secure',
  kind: 'flag',
  doc: 'The Secure Command queue (§3.10.2, with SMMU_S_IDR1.SECURE_IMPL): its SMMU_S_CMDQ_BASE, PROD and CONS, written from the Secure state. Commands there may set SSec (§4.1.6) and use the Secure-only commands (EL3, S-EL2, Secure stage 2); errors go to SMMU_S_CMDQ_CONS.ERR and SMMU_S_GERROR.CMDQ_ERR.',
};
const NS_ARG: NamedArg = {
  name: 'ns',
  kind: 'flag',
  doc: 'The Non-secure Command queue (SMMU_CMDQ_*), as without `secure`.',
};

/** The queue a `cmd` or `doorbell` acts on: the main one, ECMDQ `n` or the Secure one, with its registers. */
interface TargetQueue {
  readonly label: string;
  /** The Command queue's Security state, for the command checks (§4.1.6). */
  readonly security: CommandQueueSecurity;
  /** The PROD and CONS registers as messages name them. */
  readonly prodName: string;
  readonly consName: string;
  readonly geometry: QueueGeometry;
  /** The registers' PROD.WR and CONS.RD now, and the script's own copy of PROD. */
  readonly prod: number;
  readonly cons: number;
  readonly scriptProd: number | undefined;
  readonly prodOffset: number;
  readonly prodValue: bigint;
  setScriptProd(state: ScriptState, v: number): void;
}

/** The arguments of a `cmd` or `doorbell` line that choose its queue: the first `ecmdq=N` and the first bare `secure`. */
interface QueueChoice {
  readonly ecmdq: ActionArg | undefined;
  readonly secure: ActionArg | undefined;
  /** How many arguments from `from` on choose the queue (`ecmdq=`, `secure`, `ns`): they fill no command field. */
  readonly count: number;
}

const MAIN_QUEUE: QueueChoice = { ecmdq: undefined, secure: undefined, count: 0 };

/** What `args` from index `from` on say of the queue, in one pass with one lower-casing an argument at most. */
function queueChoice(args: readonly ActionArg[], from: number): QueueChoice {
  let ecmdq: ActionArg | undefined;
  let secure: ActionArg | undefined;
  let count = 0;
  for (let i = from; i < args.length; i++) {
    const x = args[i] as ActionArg;
    const kind = queueArgKind(x);
    if (kind === NOT_QUEUE) continue;
    count++;
    if (kind === ECMDQ_WORD) ecmdq ??= x;
    else if (kind === SECURE_WORD) secure ??= x;
  }
  return count === 0 ? MAIN_QUEUE : { ecmdq, secure, count };
}

/** Where `ecmdq=N` or `secure` points, or the main queue without them; undefined after a diagnostic. */
function targetQueue(
  engine: Engine,
  state: ScriptState,
  choice: QueueChoice,
  out: ScriptDiagnostic[],
): TargetQueue | undefined {
  const a = choice.ecmdq;
  const secure = choice.secure;
  if (secure && a) {
    out.push(
      diag(
        'error',
        'cmd.secure',
        '`secure` and `ecmdq=` together would name a Secure ECMDQ (SMMU_S_IDR0.ECMDQ), which the model does not have',
        a.range,
        '3.5.6',
      ),
    );
    return undefined;
  }
  if (secure) {
    if (!caps.secureImpl(engine.ids)) {
      out.push(
        diag(
          'error',
          'cmd.secure',
          '`secure` needs the Secure Command queue: this configuration does not advertise SMMU_S_IDR1.SECURE_IMPL',
          secure.range,
          '3.10.2',
        ),
      );
      return undefined;
    }
    const current = engine.smmu.peek('S_CMDQ_PROD');
    return {
      label: 'S_CMDQ',
      security: 'secure',
      prodName: 'SMMU_S_CMDQ_PROD',
      consName: 'SMMU_S_CMDQ_CONS',
      geometry: secureCmdqGeometry(engine),
      prod: Number(current & 0xf_ffffn),
      cons: Number(engine.smmu.peek('S_CMDQ_CONS') & 0xf_ffffn),
      scriptProd: state.secureCmdqProd,
      prodOffset: getRegister('S_CMDQ_PROD').offset,
      prodValue: current,
      setScriptProd: (st, v) => (st.secureCmdqProd = v),
    };
  }
  if (!a) {
    // Both are 32-bit registers: their words in the register file, read as numbers (a BigInt
    // mask is an allocation in baseline code).
    const words = engine.smmu.words;
    const current = words[CMDQ_PROD_WORD] as number;
    return {
      label: 'CMDQ',
      security: 'non-secure',
      prodName: 'CMDQ_PROD',
      consName: 'CMDQ_CONS',
      geometry: engine.geometry('CMDQ'),
      prod: current & 0xf_ffff,
      cons: (words[CMDQ_CONS_WORD] as number) & 0xf_ffff,
      scriptProd: state.cmdqProd,
      prodOffset: CMDQ_PROD.offset,
      prodValue: BigInt(current),
      setScriptProd: setCmdqProd,
    };
  }
  const layout = engine.smmu.ecmdqLayout;
  const count = engine.smmu.ecmdq.count;
  const n = a.value;
  if (n === undefined || n < 0n || n >= BigInt(count) || !layout) {
    out.push(
      diag(
        'error',
        'cmd.ecmdq',
        layout
          ? `ecmdq=${n ?? '?'}: this configuration has ${counted(count, 'ECMDQ')} (SMMU_IDR6), numbered 0 to ${count - 1}`
          : 'ecmdq= needs Enhanced Command queues: this configuration does not advertise SMMU_IDR1.ECMDQ',
        a.range,
        layout ? '6.3.45' : '3.5.6',
      ),
    );
    return undefined;
  }
  const q = Number(n);
  const current = engine.smmu.ecmdq.get(ECMDQ_PROD, q);
  return {
    label: `ECMDQ${q}`,
    security: 'non-secure',
    prodName: `SMMU_ECMDQ_PROD${q}`,
    consName: `SMMU_ECMDQ_CONS${q}`,
    geometry: ecmdqGeometry(engine, q),
    prod: Number(current & 0xf_ffffn),
    cons: Number(engine.smmu.ecmdq.get(ECMDQ_CONS, q) & 0xf_ffffn),
    scriptProd: state.ecmdqProd?.[q],
    prodOffset: ecmdqOffset(layout, q, ECMDQ_PROD),
    prodValue: current,
    setScriptProd: (st, v) => ((st.ecmdqProd ??= {})[q] = v),
  };
}

/** What an argument is to the choice of queue (queueArgKind). */
const NOT_QUEUE = 0;
const ECMDQ_WORD = 1;
const SECURE_WORD = 2;
const NS_WORD = 3;
/**
 * `ecmdq` with or without a value, a bare `secure` or `ns` (not fields: no command has a field of
 * these names), or none of them. Lower-cased only at their lengths: every argument of every `cmd`
 * line comes here, and a cold check pays for each string lower-casing makes (`Address`, `Leaf`).
 */
function queueArgKind(a: ActionArg): number {
  const name = a.name;
  if (name === undefined) return NOT_QUEUE;
  const length = name.length;
  if (length === 5) return name.toLowerCase() === 'ecmdq' ? ECMDQ_WORD : NOT_QUEUE;
  if ((length !== 6 && length !== 2) || a.value !== undefined || a.valueName !== undefined) return NOT_QUEUE;
  const n = name.toLowerCase();
  return n === 'secure' ? SECURE_WORD : n === 'ns' ? NS_WORD : NOT_QUEUE;
}
/** The main Command queue's index registers, and the script's own PROD of it (targetQueue runs at every `cmd` and `doorbell`). */
const CMDQ_PROD = getRegister('CMDQ_PROD');
/** Their low words in the register file (register-file.ts: two words a register). */
const CMDQ_PROD_WORD = registerIndex(CMDQ_PROD) * 2;
const CMDQ_CONS = getRegister('CMDQ_CONS');
const CMDQ_CONS_WORD = registerIndex(CMDQ_CONS) * 2;
const setCmdqProd = (st: ScriptState, v: number) => {
  st.cmdqProd = v;
};

/** What the checks against the configuration say of a command, and its one-line text. */
interface CommandDecoding {
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  readonly ids: IdView;
  readonly security: CommandQueueSecurity;
  readonly problems: readonly CommandProblem[];
  /** formatCommand of its decoding, made when first asked for. */
  text(): string;
}

const NO_PROBLEMS: readonly CommandProblem[] = [];

/** Each command's encoding without field values, made once (what fieldValues and encodeCommand give for no arguments). */
const bareEncodings = new Map<CommandDef, EncodedCommand>();
function bareEncoding(def: CommandDef): EncodedCommand {
  let e = bareEncodings.get(def);
  if (e === undefined) {
    e = encodeCommand(def, new Map());
    bareEncodings.set(def, e);
  }
  return e;
}

/**
 * The decodings of the commands `cmd` lines enqueued lately, by their four words: a driver's
 * command stream repeats a few commands (a CMD_SYNC after every batch), and decoding a command is
 * most of a `cmd` line's cost. decodeCommand is a function of the words and the configuration's
 * IdView, so an entry serves only the same IdView. Direct-mapped, 64 entries.
 */
const recentDecodings: (CommandDecoding | undefined)[] = new Array<CommandDecoding | undefined>(64);

export function decodeEnqueued(
  words: readonly number[],
  ids: IdView,
  security: CommandQueueSecurity = 'non-secure',
): CommandDecoding {
  const w0 = (words[0] as number) >>> 0;
  const w1 = (words[1] as number) >>> 0;
  const w2 = (words[2] as number) >>> 0;
  const w3 = (words[3] as number) >>> 0;
  const slot =
    Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2, 0x85ebca6b) ^ Math.imul(w3, 0xc2b2ae35), 0x27d4eb2d) >>>
    26;
  const hit = recentDecodings[slot];
  if (
    hit &&
    hit.ids === ids &&
    hit.security === security &&
    hit.w0 === w0 &&
    hit.w1 === w1 &&
    hit.w2 === w2 &&
    hit.w3 === w3
  )
    return hit;
  let entry: CommandDecoding;
  if (security === 'non-secure' && fastChecksFor(ids).isQuiet(words)) {
    // The codec would report nothing (a test compares them): no decoding until the text is read.
    let text: string | undefined;
    entry = {
      w0,
      w1,
      w2,
      w3,
      ids,
      security,
      problems: NO_PROBLEMS,
      text: () => (text ??= formatCommand(decodeCommand([w0, w1, w2, w3], ids, { queue: security }))),
    };
  } else {
    const decoded = decodeCommand(words, ids, { queue: security });
    const text = formatCommand(decoded);
    entry = { w0, w1, w2, w3, ids, security, problems: decoded.problems, text: () => text };
  }
  recentDecodings[slot] = entry;
  return entry;
}

export const CMD: EngineDef<'cmd'> = {
  syntax: 'engine',
  verb: 'cmd',
  keywords: ['cmd'],
  family: 'commands',
  section: 'engine',
  label: 'command',
  expectation: 'none',
  outline: 'function',
  summary: "Writes a command (§4) at the script's producer index in the command queue",
  forms: [
    {
      doc: "Encodes a command (§4) from the command table and writes it at the script's producer index in the command queue (CMDQ_BASE). The index starts at CMDQ_PROD and advances with each `cmd`; nothing runs until `doorbell`. Names as §4.1 spells them, `CMD_` optional; fields as the table spells them, plus `sid`, `ssid`, `asid`, `vmid`, `addr` for StreamID, SubstreamID, ASID, VMID, Address. Enum values by name (`CS=SIG_IRQ`). A command the SMMU would reject gets a warning (`cmd.illegal`) saying why; it is still written, so error paths can be tested. With `ecmdq=N` the command goes to Enhanced Command queue N (§3.5.6) at the script's producer index of that queue, which starts at its SMMU_ECMDQ_PROD.WR. With `secure` it goes to the Secure Command queue (SMMU_S_CMDQ_BASE, §3.10.2), checked as that queue checks it: SSec may be 1 and the Secure-only commands are legal there (§4.1.6, §4.4).",
    },
    { usage: 'cmd raw LOW HIGH', doc: 'A raw 128-bit entry: bits [63:0] then [127:64], as logs print them.' },
  ],
  args: {
    positional: [
      {
        usage: 'NAME',
        doc: "The command's name as §4.1 spells it (`CMD_` optional), or `raw` and two 64-bit values.",
        table: 'commands',
      },
    ],
    fields: { usage: '[FIELD=value | FLAG]…', layout: (names) => (names[0] ? findCommand(names[0]) : undefined) },
    named: [ECMDQ_ARG, SECURE_ARG, NS_ARG],
  },
  snippet: '${1:NAME}',
  resolve: (r, s) => resolveEngineStatement(r, s),
  run(engine, state, s) {
    const out: ScriptDiagnostic[] = [];
    const first = s.args[0];
    const choice = queueChoice(s.args, 1);
    // The arguments that fill the command: all but the name and those choosing the queue.
    const rest = choice.count === 0 ? s.args.slice(1) : s.args.filter((a, i) => i > 0 && queueArgKind(a) === NOT_QUEUE);
    const target = targetQueue(engine, state, choice, out);
    if (!target) return { diagnostics: out };
    if (!first?.name)
      return {
        diagnostics: [
          diag(
            'error',
            'cmd.name',
            `expected a command name (e.g. CFGI_STE) or 'raw' after 'cmd'`,
            first?.range ?? s.keyword,
          ),
        ],
      };
    let words: number[];
    if (first.name.length === 3 && first.name.toLowerCase() === 'raw') {
      // Two 64-bit values, as logs print a command: bits [63:0] then [127:64].
      if (rest.length !== 2 || rest.some((a) => a.value === undefined || a.name)) {
        // At the first argument that is not one of the two values (a third one, or a name), else the line.
        const wrong = rest.find((a, i) => i >= 2 || a.value === undefined || a.name !== undefined);
        return {
          diagnostics: [
            diag(
              'error',
              'cmd.raw',
              `'cmd raw' takes two 64-bit values: bits [63:0] and [127:64]${rest.length > 2 && wrong === rest[2] ? ', nothing more' : ''}`,
              wrong?.range ?? s.range,
            ),
          ],
        };
      }
      const lo = rest[0]?.value as bigint;
      const hi = rest[1]?.value as bigint;
      words = [
        Number(lo & 0xffff_ffffn),
        Number((lo >> 32n) & 0xffff_ffffn),
        Number(hi & 0xffff_ffffn),
        Number((hi >> 32n) & 0xffff_ffffn),
      ];
    } else {
      const def = findCommand(first.name);
      if (!def) {
        const names = COMMANDS.map((c) => c.name.replace(/^CMD_/, ''));
        return {
          diagnostics: [
            diag(
              'error',
              'cmd.unknown',
              `unknown command '${first.name}'${didYouMean(closestNames(first.name.replace(/^CMD_/i, ''), names))}`,
              first.range,
            ),
          ],
        };
      }
      let enc: EncodedCommand;
      if (rest.length === 0) {
        // No field given (`cmd SYNC`): the encoding depends on the command alone.
        enc = bareEncoding(def);
        words = enc.words.slice();
      } else {
        const values = fieldValues(def, rest, out, def.name);
        if (out.length > 0 && out.some((d) => d.severity === 'error')) return { diagnostics: out };
        enc = encodeCommand(def, values);
        words = enc.words;
      }
      // Indexed loops here and below: `for…of` allocates an iterator result per element, even
      // over an empty list, in a cold check's baseline code (every `cmd` line comes here).
      for (let i = 0; i < enc.problems.length; i++) {
        const p = enc.problems[i] as (typeof enc.problems)[number];
        out.push(diag('error', `cmd.${p.code}`, p.message, s.range, p.section));
      }
    }
    const decoding = decodeEnqueued(words, engine.ids, target.security);
    for (let i = 0; i < decoding.problems.length; i++) {
      const p = decoding.problems[i] as (typeof decoding.problems)[number];
      out.push(
        diag(
          p.ill ? 'warning' : 'info',
          p.ill ? 'cmd.illegal' : `cmd.${p.code}`,
          `${p.message}${p.ill ? ': the SMMU will stop with CERROR_ILL at this command' : ''}`,
          s.range,
          p.section,
        ),
      );
    }
    const g = target.geometry;
    const prod = target.scriptProd ?? target.prod;
    const cons = target.cons;
    if (isFull(prod, cons, g.log2)) {
      out.push(
        diag(
          'error',
          'cmd.queue-full',
          `the command queue is full (${counted(2 ** g.log2, 'entry', 'entries')} between CONS ${hex(BigInt(cons))} and the next PROD ${hex(BigInt(prod))}): ring the doorbell and poll ${target.consName} before adding more`,
          s.range,
          '3.5',
        ),
      );
      return { diagnostics: out };
    }
    const addr = slotAddress(g, prod);
    // §3.10.2: the SMMU reads the Secure Command queue from the Secure PA space.
    engine.memory.space(target.security !== 'secure').writeWords(addr, words);
    target.setScriptProd(state, nextIndex(prod, g.log2));
    const label = target.label;
    return {
      diagnostics: out,
      summary: () => `${label}[${prod % 2 ** g.log2}] @ ${hex(BigInt(addr), 64)} ← ${decoding.text()}`,
    };
  },
};

export const DOORBELL: EngineDef<'doorbell'> = {
  syntax: 'engine',
  verb: 'doorbell',
  keywords: ['doorbell'],
  family: 'commands',
  section: 'engine',
  label: 'doorbell',
  expectation: 'none',
  outline: 'function',
  summary: "Writes CMDQ_PROD with the script's producer index: the SMMU consumes the queue",
  forms: [
    {
      doc: "Writes CMDQ_PROD with the script's producer index (a real MMIO write, with all its checks). The SMMU consumes the queue at once; command errors appear on this line. With `ecmdq=N` it writes SMMU_ECMDQ_PROD of Enhanced Command queue N instead (WR only: EN and ERRACK are written back as they are; §3.5.6); with `secure`, SMMU_S_CMDQ_PROD from the Secure state (§3.10.2).",
    },
  ],
  args: { named: [ECMDQ_ARG, SECURE_ARG, NS_ARG] },
  resolve: (r, s) => resolveEngineStatement(r, s),
  run(engine, state, s) {
    const out: ScriptDiagnostic[] = [];
    // `doorbell 7` is not a doorbell to index 7: the index is the script's own (one error, no write).
    checkArgs(DOORBELL, s, out);
    if (out.length) return { diagnostics: out };
    const choice = queueChoice(s.args, 0);
    const target = targetQueue(engine, state, choice, out);
    if (!target) return { diagnostics: out };
    const prod = target.scriptProd ?? target.prod;
    if (prod === target.prod)
      out.push(diag('info', 'doorbell.nothing', 'no command was added since the last doorbell', s.keyword));
    const consBefore = BigInt(target.cons);
    // PROD.EN and ERRACK of an ECMDQ are written back as they are: the doorbell moves WR only.
    const r = engine.smmu.write(target.prodOffset, 4, (target.prodValue & ~0xf_ffffn) | BigInt(prod));
    for (let i = 0; i < r.findings.length; i++) {
      const f = r.findings[i] as (typeof r.findings)[number];
      if (f.severity !== 'info') out.push(diag(f.severity, f.code, f.message, s.keyword, f.section));
    }
    // CONS after the SMMU consumed: the main queue's register read at once, another queue's as targetQueue reads it.
    const cons =
      target.label === 'CMDQ'
        ? engine.smmu.value(CMDQ_CONS) & 0xf_ffffn
        : BigInt(targetQueue(engine, state, choice, out)?.cons ?? target.cons);
    // Consumed = how far CONS moved, in entries (index and wrap bit, §3.5).
    const span = 2n ** BigInt(target.geometry.log2 + 1);
    const consumed = Number((cons - consBefore + span) % span);
    // Made when read (inlay hints ask only for the lines on screen): two numbers in hex and a
    // count were most of a doorbell line's own cost in a cold check.
    const { prodName, consName } = target;
    return {
      diagnostics: out,
      summary: () =>
        `${prodName} ← ${hex(BigInt(prod))}: ${counted(consumed, 'command')} consumed, ${consName} ${hex(cons)}`,
    };
  },
};
