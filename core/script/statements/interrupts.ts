/**
 * Expectations on the interrupts the SMMU signals (§3.18): `expect irq SOURCE` (a pulse on the
 * source's wired output), `expect msi addr=A [data=D]` (an MSI write) and `expect no irq`, forms
 * of `expect` (checks.ts) that read the engine's `interrupt` activity.
 *
 * Interrupts are edge-triggered and have no pending state in the SMMU (§3.18.2), so the script
 * keeps its own: every interrupt the SMMU signals waits to be checked off. `expect irq` and
 * `expect msi` check off the earliest waiting one that matches (so two interrupts raised by one
 * statement are checked by two lines, in any order); `expect no irq` holds when none waits, and
 * clears them. A `reset` clears them too (reset.ts).
 */
import type { ScriptDiagnostic } from '../../base/diagnostics';
import {
  INTERRUPT_SOURCE_TABLE,
  INTERRUPT_SOURCES,
  type Activity,
  type InterruptSignal,
  type InterruptSource,
} from '../../engine/activity';
import type { Engine } from '../../engine/engine';
import { F, type FieldRef } from '../../engine/registers';
import { SECURE } from '../../engine/security';
import { featureHolds, hex } from '../../registers/codec';
import { msi as msiSupported, pri as priSupported } from '../../structures/capabilities';
import { closestNames, didYouMean } from '../../text/suggest';
import { counted } from '../../text/plural';
import type { ActionArg, ResolvedAction } from '../resolved';
import {
  diag,
  type ActionOutcome,
  type NamedArg,
  type PositionalArg,
  type ScriptState,
  type StatementForm,
} from './types';

/** What each source's interrupt means, for completion, hovers and the reference page. */
export const IRQ_SOURCE_DOCS: Readonly<Record<InterruptSource, string>> = {
  EVENTQ:
    'The event queue interrupt: the SMMU wrote a record into an empty event queue while IRQ_CTRL.EVENTQ_IRQEN is 1 (§3.18.2, §7.2).',
  PRIQ: 'The PRI queue interrupt: a page request went into an empty PRI queue (or, with PRIQ_IRQ_CFG2.LO, a Last request arrived) while IRQ_CTRL.PRIQ_IRQEN is 1 (§3.18.2, §8).',
  GERROR:
    'The global error interrupt: an error became active in GERROR while IRQ_CTRL.GERROR_IRQEN is 1 (§7.5); an aborted GERROR MSI does not raise it again.',
  CMD_SYNC:
    'The CMD_SYNC completion interrupt: a CMD_SYNC with CS=SIG_IRQ completed (§4.7.3); no IRQ_CTRL enable gates it.',
  S_EVENTQ:
    "The Secure Event queue interrupt: the SMMU wrote a Secure stream's record into an empty Secure Event queue while SMMU_S_IRQ_CTRL.EVENTQ_IRQEN is 1 (§3.10.2.1, §6.3.65); its MSI uses SMMU_S_EVENTQ_IRQ_CFGn.",
  S_GERROR:
    'The Secure global error interrupt: an error became active in SMMU_S_GERROR while SMMU_S_IRQ_CTRL.GERROR_IRQEN is 1 (§3.18.2, §6.3.65, §6.3.67).',
  S_CMD_SYNC:
    'The Secure Command queue CMD_SYNC completion interrupt: a CMD_SYNC with CS=SIG_IRQ on the Secure Command queue completed (§3.18.2, §4.7.3); no enable gates it.',
};

/** The forms of `expect` defined here, as the reference page, hovers and completion show them. */
export const INTERRUPT_FORMS: readonly StatementForm[] = [
  {
    usage: 'expect irq EVENTQ|PRIQ|GERROR|CMD_SYNC|S_EVENTQ|S_GERROR|S_CMD_SYNC',
    doc: 'The SMMU asserted the wired interrupt of that source (§3.18.2), and no earlier `expect irq` checked it off. The model has a wired output for every source, pulsed whenever the source fires, with or without an MSI.',
  },
  {
    usage: 'expect msi addr=A [data=D]',
    doc: 'The SMMU wrote an MSI of D (any data without `data=`) to A: with IDR0.MSI 1, an enabled source whose IRQ_CFG0.ADDR is not 0 writes IRQ_CFG1.DATA there, and a CMD_SYNC with CS=SIG_IRQ its MSIData to its MSIAddress (§3.18, §4.7.3). An aborted MSI does not count.',
  },
  {
    usage: 'expect no irq',
    doc: 'No interrupt (wired or MSI) is left unchecked: each interrupt the SMMU signals waits until an `expect irq` or `expect msi` checks it off, the earliest that matches first; `expect no irq` then clears them, as does `reset`.',
  },
];

/** The source after `expect irq` (completion, hovers). */
export const IRQ_SOURCE_ARG: PositionalArg = {
  usage: 'SOURCE',
  doc: 'The interrupt source (§3.18.2).',
  after: 'irq',
  choices: INTERRUPT_SOURCES,
  choiceDocs: IRQ_SOURCE_DOCS,
  choiceRequires: Object.fromEntries(
    INTERRUPT_SOURCE_TABLE.flatMap((s) => (s.requires ? [[s.source, s.requires]] : [])),
  ),
};

/** `addr=` and `data=` of `expect msi`. */
export const MSI_ARGS: readonly NamedArg[] = [
  {
    name: 'addr',
    kind: 'value',
    placeholder: 'A',
    after: 'msi',
    required: true,
    doc: 'The address the MSI writes (§3.18): IRQ_CFG0.ADDR, or CMD_SYNC.MSIAddress, truncated to the OAS.',
  },
  {
    name: 'data',
    kind: 'value',
    placeholder: 'D',
    after: 'msi',
    doc: 'The 32-bit data the MSI writes: IRQ_CFG1.DATA, or CMD_SYNC.MSIData. Left out, any data matches.',
  },
];

/** The enable each source needs in IRQ_CTRL (CMD_SYNC has none: CS selects it per command). */
const ENABLES: Readonly<Record<InterruptSource, FieldRef | undefined>> = {
  EVENTQ: F.EVENTQ_IRQEN,
  PRIQ: F.PRIQ_IRQEN,
  GERROR: F.GERROR_IRQEN,
  CMD_SYNC: undefined,
  S_EVENTQ: SECURE.eventqIrqen,
  S_GERROR: SECURE.gerrorIrqen,
  S_CMD_SYNC: undefined,
};

interface Waiting {
  readonly activity: Activity;
  readonly signal: InterruptSignal;
}

/** The interrupts signalled and not yet checked off, oldest first. */
function waiting(engine: Engine, state: ScriptState): Waiting[] {
  const checked = new Set(state.irqChecked ?? []);
  const out: Waiting[] = [];
  const log = engine.activity;
  for (let i = state.irqCursor ?? 0; i < log.length; i++) {
    const a = log[i] as Activity;
    if (a.interrupt && !checked.has(a.seq)) out.push({ activity: a, signal: a.interrupt });
  }
  return out;
}

/** Check `w` off; the cursor moves past every interrupt checked off so far at its front. */
function checkOff(engine: Engine, state: ScriptState, w: Waiting): void {
  const checked = new Set(state.irqChecked ?? []);
  checked.add(w.activity.seq);
  const log = engine.activity;
  let i = state.irqCursor ?? 0;
  while (i < log.length) {
    const a = log[i] as Activity;
    if (a.interrupt && !checked.has(a.seq)) break;
    checked.delete(a.seq);
    i++;
  }
  state.irqCursor = i;
  state.irqChecked = [...checked];
}

/** Nothing waits any more (`expect no irq`). */
function clearAll(engine: Engine, state: ScriptState): void {
  state.irqCursor = engine.activity.length;
  state.irqChecked = [];
}

/** "asserted instead: …", or that nothing was signalled at all. */
function instead(list: readonly Waiting[]): string {
  if (!list.length) return 'none was signalled that an expectation has not checked off';
  return `signalled instead: ${list.map((w) => w.activity.text).join('; ')}`;
}

/** Why a source cannot have fired, read from the SMMU's state now, when that explains a failure. */
function whyNot(engine: Engine, source: InterruptSource): string {
  if (source === 'PRIQ' && !priSupported(engine.ids)) return ' (this SMMU has no PRI queue: IDR0.PRI is 0)';
  const requires = IRQ_SOURCE_ARG.choiceRequires?.[source];
  if (requires && !featureHolds(requires, engine.ids))
    return ` (this configuration does not advertise it: ${requires.register}.${requires.field} is 0)`;
  const enable = ENABLES[source];
  if (enable && engine.field(enable) === 0n) return ` (${enable.reg.name}.${enable.field.name} is 0)`;
  return '';
}

const fail = (message: string, s: ResolvedAction): ActionOutcome => ({
  diagnostics: [diag('error', 'expect.failed', `${message} (§3.18)`, s.range)],
  failedExpectation: true,
});

/** `expect irq SOURCE`: a wired interrupt of that source waits. */
function expectIrq(engine: Engine, state: ScriptState, s: ResolvedAction): ActionOutcome {
  const [, sourceArg, ...rest] = s.args;
  const name = sourceArg?.name;
  if (!sourceArg || !name || sourceArg.value !== undefined || sourceArg.valueName !== undefined) {
    return {
      diagnostics: [
        diag(
          'error',
          'expect.syntax',
          `expected the interrupt source after 'expect irq': ${INTERRUPT_SOURCES.join(', ')}`,
          sourceArg?.range ?? s.range,
        ),
      ],
    };
  }
  const source = INTERRUPT_SOURCES.find((x) => x === name.toUpperCase());
  if (!source)
    return {
      diagnostics: [
        diag(
          'error',
          'expect.unknown-irq',
          `unknown interrupt source '${name}' (${INTERRUPT_SOURCES.join(', ')})${didYouMean(closestNames(name.toUpperCase(), INTERRUPT_SOURCES))}`,
          sourceArg.range,
        ),
      ],
    };
  const extra = rest[0];
  if (extra)
    return { diagnostics: [diag('error', 'expect.syntax', `'expect irq ${source}' takes nothing more`, extra.range)] };
  const list = waiting(engine, state);
  const hit = list.find((w) => w.signal.source === source && w.signal.how === 'wired');
  if (!hit) return fail(`no ${source} wired interrupt was asserted${whyNot(engine, source)}; ${instead(list)}`, s);
  checkOff(engine, state, hit);
  return { diagnostics: [], summary: hit.activity.text, metExpectation: true };
}

/** `expect msi addr=A [data=D]`: an MSI of D (any data without `data=`) to A waits. */
function expectMsi(engine: Engine, state: ScriptState, s: ResolvedAction): ActionOutcome {
  const out: ScriptDiagnostic[] = [];
  let addr: ActionArg | undefined;
  let data: ActionArg | undefined;
  for (const a of s.args.slice(1)) {
    const n = a.name?.toLowerCase();
    const numeric = a.value !== undefined;
    if (n === 'addr' && numeric) addr = a;
    else if (n === 'data' && numeric) data = a;
    else if ((n === 'addr' || n === 'data') && a.valueName !== undefined)
      out.push(
        diag(
          'error',
          'expect.syntax',
          `${n}= takes a number or a constant; '${a.valueName}' is neither`,
          a.valueRange ?? a.range,
        ),
      );
    else
      out.push(
        diag(
          'error',
          'expect.syntax',
          `'expect msi' takes addr=A and data=D${a.name ? `, not '${a.name}'` : ''}`,
          a.range,
        ),
      );
  }
  if (!addr && !out.length)
    out.push(diag('error', 'expect.syntax', `expected addr=A after 'expect msi': the address the MSI writes`, s.range));
  if (data?.value !== undefined && data.value > 0xffff_ffffn)
    out.push(
      diag(
        'error',
        'arg.too-wide',
        `${hex(data.value)} does not fit an MSI's 32 bits of data`,
        data.valueRange ?? data.range,
        '3.18',
      ),
    );
  const want = addr?.value;
  if (out.length || want === undefined) return { diagnostics: out };
  const wantData = data?.value;
  const list = waiting(engine, state);
  const msis = list.filter((w): w is Waiting & { signal: InterruptSignal & { how: 'msi' } } => w.signal.how === 'msi');
  const hit = msis.find(
    (w) =>
      !w.signal.aborted && w.signal.address === want && (wantData === undefined || BigInt(w.signal.data) === wantData),
  );
  const what = `MSI ${wantData === undefined ? '' : `of ${hex(wantData)} `}to ${hex(want, 64)}`;
  if (!hit) {
    const why = msiSupported(engine.ids) ? '' : ' (this SMMU sends no MSIs: IDR0.MSI is 0)';
    return fail(`no ${what} was written${why}; ${instead(list)}`, s);
  }
  checkOff(engine, state, hit);
  return { diagnostics: [], summary: hit.activity.text, metExpectation: true };
}

/** `expect no irq`: nothing waits; clears what does. */
function expectNoIrq(engine: Engine, state: ScriptState, s: ResolvedAction): ActionOutcome {
  const extra = s.args[2];
  if (extra)
    return { diagnostics: [diag('error', 'expect.syntax', `'expect no irq' takes nothing more`, extra.range)] };
  const list = waiting(engine, state);
  clearAll(engine, state);
  if (list.length)
    return fail(
      `${counted(list.length, 'interrupt was', 'interrupts were')} signalled: ${list.map((w) => w.activity.text).join('; ')}`,
      s,
    );
  return { diagnostics: [], summary: 'no interrupt', metExpectation: true };
}

export type InterruptForm = 'irq' | 'msi' | 'no irq';

/** The interrupt form an `expect` statement is, or undefined for the event forms. */
export function interruptForm(s: ResolvedAction): InterruptForm | undefined {
  if (s.verb !== 'expect') return undefined;
  const [first, second] = s.args;
  const w = first?.value === undefined && first?.valueName === undefined ? first?.name?.toLowerCase() : undefined;
  if (w === 'irq' || w === 'msi') return w;
  if (w === 'no' && second?.name?.toLowerCase() === 'irq' && second.value === undefined) return 'no irq';
  return undefined;
}

const FORMS: Readonly<Record<InterruptForm, (engine: Engine, state: ScriptState, s: ResolvedAction) => ActionOutcome>> =
  { irq: expectIrq, msi: expectMsi, 'no irq': expectNoIrq };

/** How an `expect` statement of an interrupt form runs, or undefined for the event forms. */
export function interruptExpectation(
  s: ResolvedAction,
): ((engine: Engine, state: ScriptState, s: ResolvedAction) => ActionOutcome) | undefined {
  const form = interruptForm(s);
  return form && FORMS[form];
}
