/**
 * The shape of a statement definition: one object per `.smmu` statement (docs/script-language.md)
 * holding everything the tools know of it, so the parser, the resolver, the interpreter, the
 * grammar, completion, signature help, hovers and the reference page read one place
 * (core/script/statements/index.ts lists them).
 */
import type { ScriptDiagnostic } from '../../base/diagnostics';
import type { Engine } from '../../engine/engine';
import type { LayoutDef } from '../../layout/types';
import type { FeatureRef } from '../../registers/types';
import type {
  ActionStatement,
  ActionVerb,
  ConfigStatement,
  ConstStatement,
  IncludeStatement,
  MemStatement,
  RegisterStatement,
} from '../ast';
import type { MemoryAccess, RegisterAccess, ResolvedAction } from '../resolved';
import type { StepState } from '../run-state';
import type { Resolver } from '../resolver';

/** Script-level state the engine statements share (the driver's own bookkeeping). */
export interface ScriptState {
  /** The software's copy of CMDQ_PROD: where the next `cmd` goes. */
  cmdqProd?: number;
  /** The same for each ECMDQ a `cmd … ecmdq=N` filled (§3.5.6), by N: its PROD.WR to come. */
  ecmdqProd?: { [n: number]: number };
  /** The same for the Secure Command queue a `cmd … secure` filled (§3.10.2): its S_CMDQ_PROD.WR to come. */
  secureCmdqProd?: number;
  /** Page-table pool for `map`: next free address and end (exclusive). */
  pool?: { next: number; end: number };
  /** Index into engine.activity up to which `expect event` has looked. */
  eventCursor: number;
  /**
   * The interrupts `expect irq`/`expect msi` have not checked off yet (core/script/statements/
   * interrupts.ts): those in engine.activity from this index on, except the ones in `irqChecked`.
   */
  irqCursor?: number;
  /** Activity seq numbers of the interrupts at or after `irqCursor` already checked off. */
  irqChecked?: number[];
}

/** What running an engine statement did. */
export interface ActionOutcome {
  readonly diagnostics: ScriptDiagnostic[];
  /**
   * One line for inlay hints and traces: what the statement did; or a function that makes it
   * when it is first read (the interpreter keeps it so), where making it costs more than the rest
   * of the statement (a `cmd` line's decoding) and most are never shown.
   */
  readonly summary?: string | (() => string);
  readonly failedExpectation?: boolean;
  /** The statement's expectation was evaluated and held (a summary counts only these as met). */
  readonly metExpectation?: boolean;
}

/** One way of writing a statement, as the reference page's tables show it. */
export interface StatementForm {
  /**
   * The form as written, placeholders in capitals (`tables ADDR [size=N]`); several spellings of
   * one meaning are several strings. Left out, it is the usage the argument schema gives (usage()).
   */
  readonly usage?: string | readonly string[];
  /** What the form does: a paragraph of Markdown. */
  readonly doc: string;
}

/** A `NAME=value` or bare `NAME` argument of an engine statement. */
export interface NamedArg {
  /** The spelling the docs and messages use (`sid`). */
  readonly name: string;
  /** Other spellings accepted for it, looked up in this order after `name` (`StreamID`). */
  readonly aliases?: readonly string[];
  /** `value`: `NAME=value`; `flag`: a bare `NAME`. */
  readonly kind: 'value' | 'flag';
  /**
   * Only in the form whose first argument is this word (`addr=` in `expect msi`): the schema's own
   * usage leaves it out, completion offers it only there, signature help shows it with that form.
   */
  readonly after?: string;
  /** The statement cannot run without it (its absence is reported when the statement runs). */
  readonly required?: boolean;
  /** The value as the usage shows it: `N` in `sid=N`. */
  readonly placeholder?: string;
  /**
   * A value argument that is a bare word after these first words (the first positional argument):
   * `data` before `== V` in `dma read`, where `data=V` is a write's. Completion offers it so.
   */
  readonly bareAfter?: readonly string[];
  readonly doc: string;
}

/** An argument given by its position (`dma read`, `ste SID`, `cmd NAME`). */
export interface PositionalArg {
  /** How the usage shows it: `read|write|exec`, `SID`. */
  readonly usage: string;
  readonly doc: string;
  /** The words it may be (completion offers them). */
  readonly choices?: readonly string[];
  /** What each choice means (completion's documentation, hovers). */
  readonly choiceDocs?: Readonly<Record<string, string>>;
  /** Choices that exist only with a feature: completion offers them where the configuration advertises it. */
  readonly choiceRequires?: Readonly<Record<string, FeatureRef>>;
  /** The names it may be come from a table: completion offers the table's names. */
  readonly table?: 'commands' | 'events';
  /** Offered only after this word (`expect event NAME`). */
  readonly after?: string;
  /** What the same position is after other words (`expect irq SOURCE`), each with its `after`. */
  readonly or?: readonly PositionalArg[];
}

/** `== value` after an engine statement. */
export interface ExpectationArg {
  /** How the usage shows it: `== queued|discarded|unsupported`. */
  readonly usage: string;
  readonly doc: string;
  /** Words it may compare with (completion offers them). */
  readonly choices?: readonly string[];
  /** Event names are accepted too. */
  readonly events?: boolean;
  /** The statement needs it (`poll`). */
  readonly required?: boolean;
}

/** `FIELD=value` arguments that are the fields of a command, structure or event. */
export interface FieldArgs {
  /** How the usage shows them: `FIELDS…`, `[FIELD=value | FLAG]…`. */
  readonly usage: string;
  /**
   * The layout the fields belong to, given the statement's argument names in order (undefined for
   * an argument without one): `cmd CFGI_STE …` → CMD_CFGI_STE, `ste …` → STE.
   */
  layout(names: readonly (string | undefined)[]): LayoutDef | undefined;
}

/** An engine statement's arguments, in the order the usage shows them. */
export interface ArgSchema {
  readonly positional?: readonly PositionalArg[];
  readonly named?: readonly NamedArg[];
  readonly fields?: FieldArgs;
  readonly expect?: ExpectationArg;
}

/** What every statement definition has. */
interface DefBase {
  /**
   * The words a line starts with to be this statement: `cmd`; every `readN`/`writeN`; a
   * two-word statement is one string, `mem abort`.
   */
  readonly keywords: readonly string[];
  /** The module that defines it (core/script/statements/<family>.ts). */
  readonly family: string;
  /** One line: completion's detail, signature help's title. */
  readonly summary: string;
  /** Its forms, each with its usage and a paragraph: the reference page's rows, hovers, completion documentation. */
  readonly forms: readonly StatementForm[];
  /** A completion snippet for what follows the keyword (LSP snippet syntax: `${1:SID} V`). */
  readonly snippet?: string;
  /** Keywords named in "a line starts with …" when not all of them (`read32`, not `read8`). */
  readonly hint?: readonly string[];
  /** Where the reference page lists it: the language's statements, or "Driving the SMMU". */
  readonly section: 'language' | 'engine';
}

/** `config "FILE"`. Nothing runs: the configuration is read before the model starts. */
export interface ConfigDef extends DefBase {
  readonly syntax: 'config';
  resolve(r: Resolver, s: ConfigStatement): void;
}

/** `include "FILE"`: run in place by the interpreter (core/script/interpreter.ts). */
export interface IncludeDef extends DefBase {
  readonly syntax: 'include';
  resolve(r: Resolver, s: IncludeStatement): void;
}

/** `const NAME = VALUE`: nothing runs. */
export interface ConstDef extends DefBase {
  readonly syntax: 'const';
  resolve(r: Resolver, s: ConstStatement): void;
}

/**
 * `readN`/`writeN`: MMIO accesses, resolved and executed by their definition (access.ts); the
 * interpreter's loop calls `execute` directly, with no statement object built per access (the
 * check's hot path).
 */
export interface AccessDef extends DefBase {
  readonly syntax: 'register';
  resolve(r: Resolver, s: RegisterStatement): void;
  /** Run on the model; `before`: the engine's activity length before the access (its observation's activity). */
  execute(st: StepState, s: RegisterAccess, before: number): void;
}

/** `mem readN`/`mem writeN`: guest memory accesses, resolved and executed by their definition (memory.ts). */
export interface MemoryDef extends DefBase {
  readonly syntax: 'memory';
  resolve(r: Resolver, s: MemStatement): void;
  execute(st: StepState, s: MemoryAccess): void;
}

/** An engine statement (docs/script-language.md, "Driving the SMMU"): parsed as `KEYWORD args [== value args]`. */
export interface EngineDef<V extends ActionVerb = ActionVerb> extends DefBase {
  readonly syntax: 'engine';
  readonly verb: V;
  /** `register`: a register operand comes first (`poll REG.FIELD == v`), as after `read32`. */
  readonly operand?: 'register';
  /**
   * Whether the parser takes `== value` after the arguments: `required` (`poll`), `optional`, or
   * `none` (then `==` is a syntax error). What the value means is `args.expect`.
   */
  readonly expectation: 'none' | 'optional' | 'required';
  /** What its arguments are called in messages: `DMA` in "unknown DMA argument". */
  readonly label: string;
  readonly args: ArgSchema;
  /** The outline (document symbols) lists it, as a function (`cmd`) or an event (`dma`). */
  readonly outline?: 'function' | 'event';
  /** Arguments evaluated, names kept for `run` (most statements: resolveEngineStatement). */
  resolve(r: Resolver, s: ActionStatement): void;
  /** Do it on the engine; problems are reported at the argument that caused them. */
  run(engine: Engine, state: ScriptState, s: ResolvedAction): ActionOutcome;
}

export type StatementDef = ConfigDef | IncludeDef | ConstDef | AccessDef | MemoryDef | EngineDef;

/** A problem an engine statement reports, with its section when the architecture says it. */
export { diag } from '../../base/diagnostics';
