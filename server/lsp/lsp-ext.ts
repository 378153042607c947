/**
 * Custom requests between the client and the language server, declared once and imported by both
 * (as rust-analyzer's lsp_ext.ts does). Plain method names and payload types, so the client bundle
 * does not pull in the server library.
 */
// A type only: erased at build time, so the client bundle still holds none of the server library.
import type { Diagnostic } from 'vscode-languageserver/node';
import type { CodeCacheState } from '../code-cache';

/** Decode a value as a register, with the configuration the given document uses (or the default). */
export const DECODE_REQUEST = 'smmu/decode';
export interface DecodeParams {
  readonly register: string;
  /** A number in any script-literal form: `0x1F`, `31`, `0b11111`. */
  readonly value: string;
  /** Document whose configuration decides which fields are advertised; optional. */
  readonly uri?: string;
}
export interface DecodeResult {
  /** Plain text, one field a line. */
  readonly text: string;
  readonly markdown: string;
  /** Set when the register or value could not be understood. */
  readonly error?: string;
}

/**
 * The model's register state after the statements of a script up to and including `line` ran
 * (for the register tree view, issue #5). Registers in table order, with their fields decoded.
 */
export const STATE_AT_LINE_REQUEST = 'smmu/stateAtLine';
export interface StateAtLineParams {
  readonly uri: string;
  /** 0-based; statements on lines up to this one are executed. */
  readonly line: number;
}
export interface RegisterState {
  readonly name: string;
  /** One line from the register table, and its architecture section. */
  readonly summary: string;
  readonly section: string;
  readonly offset: number;
  readonly width: 32 | 64;
  readonly group: string;
  /** Hex, full width. */
  readonly value: string;
  readonly fields: readonly {
    readonly name: string;
    readonly bits: string;
    readonly value: string;
    readonly meaning?: string;
    readonly description: string;
  }[];
  /** The last line (0-based) at or before `line` that wrote this register, if any. */
  readonly lastWrittenAt?: number;
}
export interface StateAtLineResult {
  readonly registers: readonly RegisterState[];
  /** Set when the document is not a script, or the script cannot run (its first error's message). */
  readonly error?: string;
}

/** Which configuration a document is checked against (the status bar item). */
export const DOCUMENT_INFO_REQUEST = 'smmu/documentInfo';
export interface DocumentInfoParams {
  readonly uri: string;
}
export interface DocumentInfoResult {
  /** The configuration's name. */
  readonly config: string;
  /** Its file, or undefined for the built-in default (QEMU's). */
  readonly configPath?: string;
  /** False when the configuration file has errors (the default is used instead). */
  readonly configValid: boolean;
  /** Set when no `config` line chose it: where it came from (`setting smmu.configuration`). */
  readonly configOrigin?: string;
}

/** Decode a command, event record, PRI request, STE, CD or L1 descriptor from doublewords. */
export const DECODE_STRUCTURE_REQUEST = 'smmu/decodeStructure';
export interface DecodeStructureParams {
  /** cmd, event, pri, ste, cd, l1std or l1cd. */
  readonly kind: string;
  /** 64-bit doublewords as text (`0x…` or decimal), first one first, as logs print them. */
  readonly dwords: readonly string[];
  /** Document whose configuration decides legality (CERROR_ILL, ILLEGAL); optional. */
  readonly uri?: string;
}

/**
 * The server's own figures, for the benchmark and tests: memory, and what the last check reused.
 * Not needed by the client.
 */
export const SERVER_STATS_REQUEST = 'smmu/serverStats';
export interface ServerStatsResult {
  /** The server's process id (the restart test stops it, as a crash would). */
  readonly pid: number;
  /** V8's heap limit, bytes (the client's --max-old-space-size, or V8's default). */
  readonly heapLimit: number;
  /** V8's worker threads as the process was started (`--v8-pool-size`, server/process-flags.ts); absent: Node's default, 4. */
  readonly v8PoolSize?: number;
  /** `--initial-old-space-size` (MiB) as the process was started (server/process-flags.ts); absent: V8's own. */
  readonly initialOldSpaceMib?: number;
  /** Full garbage collections (mark-compact) since the server started (server/gc-count.ts). */
  readonly fullGcs: number;
  readonly heapUsed: number;
  readonly rss: number;
  /** Lines the last script check parsed again (an edit re-parses only the lines it changed). */
  readonly lastReparsedLines: number;
  /** Statements whose name resolution the last script check reused from the previous version. */
  readonly lastResolveReused: number;
  /** Model runs stopped by cancellation: a newer edit, or a request the client cancelled. */
  readonly cancelledRuns: number;
  /** Full checks running now (their model runs yield between slices, so this request is answered meanwhile). */
  readonly runsInFlight: number;
  /** Open scripts that hold their syntax tree (at most KEEP_TREES). */
  readonly scriptsWithTree: readonly string[];
  /**
   * The last run of a script up to a line (the Registers and queue views, hovers, code actions):
   * the top-level statement it started from (0: line 1; otherwise a snapshot's) and how many it ran.
   */
  readonly lastModelRun?: { readonly restoredFrom: number; readonly ran: number };
  /** Snapshots those runs keep for the open scripts, and their estimated bytes (core/script/model-at-line.ts). */
  readonly modelSnapshots: number;
  readonly modelSnapshotBytes: number;
  /** What became of V8's code cache for the server's bundle at start (server/code-cache.ts). */
  readonly codeCache: CodeCacheState;
  /**
   * The cache of full checks' diagnostics (server/lsp/result-cache.ts): whether it is in use
   * (`smmu.languageServer.resultCache`, a cache folder), how many opens it served at once, and how
   * many entries this server wrote.
   */
  readonly resultCache: { readonly enabled: boolean; readonly servedOpens: number; readonly stored: number };
  /**
   * Diagnostics published during the first checks of scripts just opened: what each had found on
   * the lines it had checked, before its end (server.ts, PARTIAL_SPACING_MS).
   */
  readonly partialPublishes: number;
  /** The warm-up after start (server/lsp/warm-up.ts): off, running, done, or stopped by a check. */
  readonly warmUp: 'off' | 'running' | 'done' | 'stopped';
  /**
   * Once it ended: its wall time, the CPU time of the whole process meanwhile (all threads, ms),
   * and the slices of its script it checked (0 when a check came before its first).
   */
  readonly warmUpCost?: { readonly wallMs: number; readonly cpuMs: number; readonly slices: number };
  /** Requests that waited for a script's first check before parsing its tree (server/lsp/open-checks.ts). */
  readonly openCheckWaits: number;
  /**
   * `semanticTokens/range` requests answered, and how many of them came while the script's first
   * check ran (answered from the lines above the range, without waiting: semantic-tokens.ts).
   */
  readonly rangeTokens: { readonly answered: number; readonly duringFirstCheck: number };
  /**
   * Inlay hints answered during a script's first check, from the lines it had already run, instead
   * of after it (inlay.ts, inlayHintsSoFar).
   */
  readonly inlayHintsDuringFirstCheck: number;
}

/**
 * The queues and the stream table at a line of a script (the model's guest memory after the
 * statements up to `line` ran), or the entries of a `.smmuq` queue descriptor (`line` unused).
 * For the Command queue, Event queue and Stream table views (issue #5).
 */
export const QUEUES_AT_LINE_REQUEST = 'smmu/queuesAtLine';
export interface QueuesAtLineParams {
  readonly uri: string;
  /** 0-based; statements on lines up to this one are executed. */
  readonly line: number;
}
export interface DecodedFieldState {
  readonly name: string;
  /** `[7:0]` or `[3]`. */
  readonly bits: string;
  readonly value: string;
  readonly meaning?: string;
}
export interface QueueEntryState {
  /** Entry number in the queue (PROD/CONS index without the wrap flag). */
  readonly index: number;
  /**
   * `pending`: between CONS and PROD (commands the SMMU has yet to consume; records software has
   * yet to read); `consumed`: outside that range (§3.5: owned by the producer again); `error`:
   * the command at CONS that stopped the queue (CMDQ_CONS.ERR, GERROR.CMDQ_ERR active);
   * `unpublished`: written by a script's `cmd` after PROD, before the `doorbell` that publishes it.
   */
  readonly status: 'pending' | 'consumed' | 'error' | 'unpublished';
  /** The command or event name, or what the opcode/number was. */
  readonly title: string;
  readonly section: string;
  readonly fields: readonly DecodedFieldState[];
  /** CERROR_ILL reasons, RES0 bits set, unknown opcodes. */
  readonly problems: readonly string[];
  /** The entry's 64-bit doublewords, first one first, hex. */
  readonly dwords: readonly string[];
  /** In a `.smmuq` descriptor: the entry's line (0-based). */
  readonly line?: number;
}
export interface QueueState {
  readonly kind: 'cmdq' | 'evtq' | 'priq';
  /** The Secure programming interface's queue (SMMU_S_CMDQ_*, SMMU_S_EVENTQ_*, §3.10.2.1). */
  readonly secure?: true;
  /** Base address in use, hex; entries 2^log2size. */
  readonly base: string;
  readonly log2size: number;
  /** PROD and CONS index registers' index and wrap bits, hex. */
  readonly prod: string;
  readonly cons: string;
  readonly entries: readonly QueueEntryState[];
  /** Set when only the first slots were read (very large queues). */
  readonly truncated?: boolean;
}
export interface StreamTableEntryState {
  readonly sid: number;
  /** Address of the STE, hex. */
  readonly address: string;
  /** The STE's Config, e.g. `S1_TRANS`. */
  readonly config: string;
  readonly fields: readonly DecodedFieldState[];
  /** ILLEGAL reasons and RES0 bits set. */
  readonly problems: readonly string[];
  readonly dwords: readonly string[];
}
export interface StreamTableState {
  /** The Secure Stream table (SMMU_S_STRTAB_*, §3.10.2.1). */
  readonly secure?: true;
  readonly format: 'linear' | '2-level';
  readonly base: string;
  readonly log2size: number;
  /** STEs with V == 1, in StreamID order. */
  readonly entries: readonly StreamTableEntryState[];
  readonly truncated?: boolean;
}
export interface QueuesAtLineResult {
  readonly commandQueue?: QueueState;
  readonly eventQueue?: QueueState;
  readonly priQueue?: QueueState;
  readonly streamTable?: StreamTableState;
  /** With Secure state (SMMU_S_IDR1.SECURE_IMPL): the Secure programming interface's own (§3.10.2.1). */
  readonly secureCommandQueue?: QueueState;
  readonly secureEventQueue?: QueueState;
  readonly secureStreamTable?: StreamTableState;
  /** Where the state is from, one line (`after line 12`, `queue descriptor`). */
  readonly label: string;
  readonly error?: string;
}

/**
 * Run on QEMU (docs/vscode.md#run-on-qemu): run the script, as the server holds it (unsaved text
 * included), as a guest program on QEMU's SMMUv3 and judge what QEMU did against the model, as
 * `smmu qemu` does (docs/qemu.md). Cancelling the request ($/cancelRequest) stops QEMU. Refused in
 * an untrusted workspace: it starts a program a workspace setting may name.
 */
export const RUN_ON_QEMU_REQUEST = 'smmu/runOnQemu';
export interface RunOnQemuParams {
  /** A `.smmu` script, open in the editor (or a file on disk). */
  readonly uri: string;
}
/**
 * What came of the request. `judged`: QEMU ran the program and the diagnostics are the
 * judgement; `not-run`: the script cannot run on QEMU (errors of its own, addresses outside the
 * guest RAM, not a script); `not-installed`: the emulator could not be found or started (the
 * message says how to install it and names smmu.qemu.path); `failed`: QEMU refused its options or
 * crashed before the guest reported anything; `cancelled`: the client cancelled and QEMU was
 * stopped; `refused`: the workspace is not trusted.
 */
export type RunOnQemuOutcome = 'judged' | 'not-run' | 'not-installed' | 'failed' | 'cancelled' | 'refused';
/** One operation of a script line as QEMU did it, beside the model (the hover's table). */
export interface QemuLineValue {
  /** 0-based line of the script. */
  readonly line: number;
  /** The access: `read32 SMMU_CR0ACK`, `write64 SMMU_EVENTQ_BASE`, `read64 memory 0x48000000`. */
  readonly access: string;
  /** What QEMU returned (or, for a write, took): hex at the access's width, or `abort`. */
  readonly qemu: string;
  /** The model's value, `abort`, `no abort` (a write QEMU aborted and the model did not), `any` (the architecture leaves it open), or '' when the model has none. */
  readonly model: string;
  /** Whether QEMU's value is not the model's (`any` never differs); the line's diagnostics say whether the architecture allows it. */
  readonly differs: boolean;
}
export interface RunOnQemuResult {
  /** Whether QEMU ran the program (outcome `judged`). */
  readonly ran: boolean;
  readonly outcome: RunOnQemuOutcome;
  /** What happened, one sentence or a few lines (QEMU's own last messages when it failed). */
  readonly message: string;
  /** One line for a status or a CodeLens: `QEMU ran 21 of 21 operations: 4 errors, 1 warning, 2 notes`. */
  readonly summary: string;
  /**
   * Diagnostics of the run at the script's lines (source `SMMU on QEMU`): the judgement, or what
   * keeps the script off QEMU that the checks do not report (`qemu.address`). A script's own
   * errors are not repeated here: the language server publishes them.
   */
  readonly diagnostics: readonly Diagnostic[];
  /** Per line: QEMU's values and the model's (judged runs). */
  readonly values: readonly QemuLineValue[];
  /** Operations of the guest program QEMU reported, out of how many it had (judged runs). */
  readonly operations?: { readonly reported: number; readonly total: number };
  /** The configuration QEMU was judged against (judged runs). */
  readonly configuration?: string;
  /** The document version the run was made for (absent for a file that is not open). */
  readonly version?: number;
  /** How long QEMU ran, ms (judged runs). */
  readonly qemuMs?: number;
}

/**
 * Codes of `*.smmu.json` diagnostics that VS Code's JSON support reports on its own whatever the
 * schema (a JSON syntax error, a duplicate key): its client drops ours, so each problem is said
 * once. Everything else about a configuration only this server reports (the schema VS Code gets
 * does not validate: core/config/schema.ts editorSchema).
 */
export const JSON_SERVICE_CODES: readonly string[] = ['config.syntax', 'config.duplicate-key'];

// --- Debug adapter custom requests (server/dap/session.ts answers them) ------------------------

/**
 * `smmu/registers`: the debug session's register state in the language server's
 * `smmu/stateAtLine` shape (RegisterState), so the Registers view can follow a session.
 */
export const REGISTERS_REQUEST = 'smmu/registers';

/** The result also says where the session is (0-based line of the top frame). */
export interface SessionRegistersResult extends StateAtLineResult {
  readonly line: number;
}

/** `smmu/setRegister`: write a register or one field through the model, as a guest write (validated). */
export const SET_REGISTER_REQUEST = 'smmu/setRegister';
export interface SetRegisterArguments {
  readonly register: string;
  readonly field?: string;
  /** A number, symbolic fields (`SMMUEN|CMDQEN`) or an enum name for a field. */
  readonly value: string;
}
export interface SetRegisterResult {
  /** The register's (or field's) value after the write, as the model holds it. */
  readonly value: string;
  /** What the model reported about the write (RES0 bits, guards, unadvertised fields...). */
  readonly findings: readonly string[];
}
