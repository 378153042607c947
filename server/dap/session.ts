/**
 * The `smmu` debug adapter: DAP requests mapped to the runtime in core/debug (Mock Debug's split:
 * no SMMU semantics here, only translation between the protocol and the runtime). Runs in-process
 * in VS Code (client/debug.ts) and over stdio as `smmu dap` (server/dap/stdio.ts).
 */
import * as path from 'path';
import {
  Breakpoint,
  BreakpointEvent,
  Handles,
  InitializedEvent,
  InvalidatedEvent,
  LoggingDebugSession,
  OutputEvent,
  ProgressEndEvent,
  ProgressStartEvent,
  ProgressUpdateEvent,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DebugRuntime, EXCEPTION_FILTERS, isLoading, type LaunchResult, type Stop } from '../../core/debug/runtime';
import { TraceMachine, type Loading } from '../../core/debug/trace-program';
import { scopes, type ScopeView, type VarNode } from '../../core/debug/views';
import {
  readingStates,
  REGISTERS_REQUEST,
  registerStates,
  SET_REGISTER_REQUEST,
  type SessionRegistersResult,
  type SetRegisterArguments,
  type SetRegisterResult,
} from './registers';
import { findField, findRegister } from '../../core/registers/table';
import { isPresetName, type DefaultConfig } from '../../core/config/default';
import { fileHost } from '../file-host';
import { TraceFileError } from '../../core/debug/trace-file';
import { counted } from '../../core/text/plural';
import { ModelMemory, parseSmmuBase, type PhysicalMemory } from '../../core/debug/physical-memory';
import { VIRT_SMMU_BASE } from '../../core/guest/ops';
import { readMemoryBody, writeMemoryBody } from './memory';
import { attachTarget, LiveAttach, type AttachArguments } from './attach';
import { inspectionScopes } from '../../core/inspect/views';
import { GdbError } from '../gdb/client';
import { QmpError } from '../qmp/client';

export interface LaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** The `.smmu` script, `.smmuq` command queue descriptor or trace (`.smmutrace`, QEMU log). */
  readonly program: string;
  /** A configuration file that replaces the script's `config` line. */
  readonly config?: string;
  readonly stopOnEntry?: boolean;
  /** Step `program` as a trace whatever its name (the client sets it for SMMU Trace documents). */
  readonly trace?: boolean;
  /**
   * The configuration of a script or queue descriptor that has no `config` line: a preset name
   * (`qemu`, `qemu-7.2`, `qemu-11.1`, `xen-vsmmu`, `smmuv3.2-full`, `smmuv3.4-lpa2`) or a file, relative to the program's folder (the
   * VS Code client passes the `smmu.configuration` setting, resolved).
   */
  readonly defaultConfig?: string;
  /**
   * Where the SMMU's page 0 is for `readMemory`/`writeMemory` (page 1 at +0x10000): the `--base`
   * of `smmu export svd`; 0x09050000 (QEMU virt) when not given.
   */
  readonly smmuBase?: string | number;
  /** The SVD file Peripheral Viewer and Cortex-Debug read from the launch configuration; unused here. */
  readonly svdFile?: string;
  /** A trace read back from its file in windows of this many records, whatever its size (core/debug/trace-window.ts). */
  readonly traceWindow?: number;
}

const THREAD = 1;
/** `smmu/refresh`: an attach session reads the live SMMU again (docs/inspect.md). */
export const REFRESH_REQUEST = 'smmu/refresh';
/** Operations between yields while running, so pause and other requests get through. */
const CHUNK = 2000;
/**
 * Lines of a windowed trace's launch read between yields (core/debug/trace-window.ts): about
 * 0.03 s of CPU at the replay's 0.5 M lines/s, so requests (`threads`, `pause`, `cancel`,
 * `disconnect`) are answered while it reads, and each slice is a progress update.
 */
export const LAUNCH_SLICE = 16_384;

/** A launch reading its trace (DebugRuntime.begin): what the requests that come meanwhile change. */
interface LaunchUnderWay {
  readonly load: Loading<LaunchResult | undefined>;
  readonly progressId: string;
  /** `cancel` of its progress (or of the launch request), or `disconnect`: stop at the next slice. */
  cancelled?: 'cancel' | 'disconnect';
  /** `pause` came: stop at the entry once read, whatever `stopOnEntry` says. */
  paused: boolean;
  /**
   * The trace is debugged already (its first records are judged, Loading.ready) and the replay
   * goes on in the background, a slice at a time, between the requests (replayRest).
   */
  background?: boolean;
  /** The progress message now ("12,345 records replayed (line …)"). */
  readonly progress: () => string;
  /** Send the progress's end (once). */
  readonly end: (message: string) => void;
}

let launches = 0;

const host = fileHost;

/** `part` of `whole` in percent, rounded down (100 only at the end). */
function percent(part: number, whole: number): number {
  return whole > 0 ? Math.min(100, Math.floor((part / whole) * 100)) : 100;
}

/** Bytes in MB, for a progress message. */
function mb(bytes: number): string {
  return `${(bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: bytes < 1e7 ? 1 : 0 })} MB`;
}

export class SmmuDebugSession extends LoggingDebugSession {
  private runtime?: DebugRuntime;
  /** An attach session's live SMMU (server/dap/attach.ts); no runtime then. */
  private attached?: LiveAttach;
  private attachName = '';
  private memory?: PhysicalMemory;
  private handles = new Handles<VarNode>();
  private configured!: Promise<void>;
  private markConfigured!: () => void;
  private running = false;
  /** The client shows progress (`supportsProgressReporting` at initialize). */
  private progressReporting = false;
  private launching?: LaunchUnderWay;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(false);
    this.setDebuggerColumnsStartAt1(false);
    this.configured = new Promise((resolve) => (this.markConfigured = resolve));
  }

  /**
   * DAP: `pathFormat` is optional and defaults to 'path', but the adapter library rejects an
   * `initialize` without it ("only supports native paths"): supply the default before it looks.
   */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    if (request.command === 'launch') this.launchSeq = request.seq;
    if (request.command === 'initialize') {
      const args = (request.arguments ?? {}) as DebugProtocol.InitializeRequestArguments;
      if (args.pathFormat === undefined) request.arguments = { ...args, pathFormat: 'path' };
    }
    super.dispatchRequest(request);
  }

  protected override initializeRequest(
    response: DebugProtocol.InitializeResponse,
    args: DebugProtocol.InitializeRequestArguments,
  ): void {
    this.progressReporting = args.supportsProgressReporting === true;
    response.body = {
      supportsCancelRequest: true,
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsStepBack: true,
      supportsSetVariable: true,
      supportsDataBreakpoints: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsExceptionInfoRequest: true,
      supportsTerminateRequest: false,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({
        filter: f.filter,
        label: f.label,
        description: f.description,
        default: f.default,
      })),
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.markConfigured();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArguments): Promise<void> {
    if (typeof args.program !== 'string' || !args.program)
      return this.fail(
        response,
        'launch: "program" must name a .smmu script, a .smmuq command queue descriptor or a .smmutrace trace',
      );
    const program = path.resolve(args.program);
    const smmuBase =
      args.smmuBase === undefined
        ? VIRT_SMMU_BASE
        : typeof args.smmuBase === 'number' || typeof args.smmuBase === 'string'
          ? parseSmmuBase(String(args.smmuBase))
          : undefined;
    if (smmuBase === undefined)
      return this.fail(
        response,
        `launch: "smmuBase" ${JSON.stringify(args.smmuBase)} is not an address: give the SMMU's page 0 address as "0x09050000", with both 64 KB pages below 2^64`,
      );
    const traceWindow = args.traceWindow;
    if (traceWindow !== undefined && !(Number.isInteger(traceWindow) && traceWindow >= 1 && traceWindow <= 1_000_000))
      return this.fail(
        response,
        `launch: "traceWindow" ${JSON.stringify(traceWindow)} is not a number of records from 1 to 1,000,000`,
      );
    // A relative `config` is relative to the program's folder, as a script's `config` line is.
    let loaded: LaunchResult | 'cancelled';
    try {
      const d =
        typeof args.defaultConfig === 'string' && args.defaultConfig.trim() ? args.defaultConfig.trim() : undefined;
      const defaultConfig: DefaultConfig | undefined =
        d === undefined
          ? undefined
          : {
              origin: 'launch defaultConfig',
              value: d,
              ...(isPresetName(d) ? {} : { path: path.resolve(path.dirname(program), d) }),
            };
      const begun = DebugRuntime.begin(program, host, {
        ...(args.config ? { config: path.resolve(path.dirname(program), args.config) } : {}),
        ...(args.trace === true ? { trace: true } : {}),
        ...(defaultConfig ? { defaultConfig } : {}),
        ...(traceWindow !== undefined ? { traceWindow } : {}),
      });
      loaded = isLoading(begun) ? await this.readTrace(begun, program) : begun;
    } catch (e) {
      this.launching = undefined;
      return this.fail(
        response,
        `internal error while loading ${program}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const paused = this.launching?.paused === true;
    const cancelled = this.launching?.cancelled;
    // A replay going on in the background keeps its progress (and `cancel`) until it ends.
    if (!this.launching?.background) this.launching = undefined;
    if (loaded === 'cancelled') return this.launchCancelled(response, cancelled);
    if (!loaded.runtime) return this.fail(response, loaded.error ?? `cannot debug ${program}`);
    const rt = loaded.runtime;
    this.runtime = rt;
    this.memory = new ModelMemory(rt, smmuBase);
    rt.onOutput = (text, line) => {
      const e: DebugProtocol.OutputEvent = new OutputEvent(text, 'console');
      if (line !== undefined) {
        e.body.source = this.source();
        e.body.line = this.convertDebuggerLineToClient(line);
      }
      this.sendEvent(e);
    };
    this.sendEvent(
      new OutputEvent(
        `SMMU model: ${rt.configName}; ${rt.kind === 'script' ? counted(rt.machine.statements.length, 'statement') : rt.machine instanceof TraceMachine ? rt.machine.summaryText() : 'command queue'}\n`,
        'console',
      ),
    );
    this.sendEvent(new InitializedEvent());
    await this.configured;
    // The replay, going on meanwhile, found the trace undebuggable further on (replayRest said why).
    if (this.runtime !== rt) return this.fail(response, this.replayError ?? `cannot debug ${program}`);
    this.sendResponse(response);
    if (paused) this.stopped({ reason: 'pause', description: 'paused while the trace was read: at its first record' });
    else if (args.stopOnEntry) this.stopped({ reason: 'entry' });
    else {
      const s = rt.entryBreakpoint();
      if (s) this.stopped(s);
      else void this.run(() => rt.continue(CHUNK));
    }
  }

  /**
   * A windowed trace's pass through its file (the streamed replay and the index,
   * core/debug/trace-window.ts), a slice of LAUNCH_SLICE lines at a time, yielding to the message
   * loop between slices; with progress events when the client shows them, and cancellable. It
   * returns as soon as the trace can be debugged (Loading.ready: the replay has judged its first
   * records): the rest of the pass goes on in the background (replayRest), so the first stop
   * comes as soon as the replay reaches it.
   */
  private async readTrace(
    load: Loading<LaunchResult | undefined>,
    program: string,
  ): Promise<LaunchResult | 'cancelled'> {
    const report = this.progressReporting;
    const t0 = Date.now();
    const progressId = `smmu-launch-${++launches}`;
    let ended = false;
    const under: LaunchUnderWay = {
      load,
      progressId,
      paused: false,
      progress: () => {
        const p = load.progress;
        const s = (Date.now() - t0) / 1000;
        const rate = s > 0 ? `, ${Math.round(p.records / s).toLocaleString('en-US')} records/s` : '';
        return `${p.records.toLocaleString('en-US')} records replayed (line ${p.lines.toLocaleString('en-US')}, ${percent(p.bytes, p.size)}% of ${mb(p.size)})${rate}`;
      },
      end: (message) => {
        if (ended) return;
        ended = true;
        this.progressEnded.add(progressId);
        if (report) this.sendEvent(new ProgressEndEvent(progressId, message));
      },
    };
    this.launching = under;
    if (report) {
      const e: DebugProtocol.ProgressStartEvent = new ProgressStartEvent(
        progressId,
        `Replaying ${path.basename(program)}`,
        `reading ${mb(load.progress.size)}: the first stop comes as soon as the replay reaches it, the rest is replayed while you debug`,
      );
      e.body.cancellable = true;
      e.body.percentage = 0;
      e.body.requestId = this.launchSeq;
      this.sendEvent(e);
    }
    let handedOver = false;
    try {
      for (;;) {
        const done = load.step(LAUNCH_SLICE);
        if (done) {
          under.end(`${under.progress()}; ${done.runtime ? 'ready' : 'cannot be debugged'}`);
          return done;
        }
        this.reportProgress(under);
        const early = load.ready();
        if (early) {
          under.background = true;
          handedOver = true;
          void this.replayRest(under);
          return early;
        }
        await new Promise((r) => setImmediate(r));
        if (under.cancelled) {
          load.cancel();
          under.end(`cancelled at ${under.progress()}`);
          return 'cancelled';
        }
      }
    } finally {
      if (!handedOver && !ended) {
        load.cancel();
        under.end('failed');
      }
    }
  }

  /** A progress update for the pass through the trace (when the client shows progress). */
  private reportProgress(under: LaunchUnderWay): void {
    if (!this.progressReporting) return;
    const e: DebugProtocol.ProgressUpdateEvent = new ProgressUpdateEvent(under.progressId, under.progress());
    // To a tenth: a slice is a fraction of a percent of a large trace.
    const p = under.load.progress;
    e.body.percentage = p.size > 0 ? Math.floor((p.bytes / p.size) * 1000) / 10 : 100;
    this.sendEvent(e);
  }

  /** The replay goes on in the background (replayRest): stepping past the records it has judged waits for it. */
  private get replaying(): boolean {
    return this.launching?.background === true;
  }

  /** Waiting for the replay's next slice (run, while the next record is not judged yet). */
  private waiters: (() => void)[] = [];

  /** Resolves after the replay's next slice (at once when the replay does not go on). */
  private more(): Promise<void> {
    if (!this.replaying) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  /** Breakpoints the replay has now reached (pending until then): verified, or refused, by a `breakpoint` event. */
  private resolveBreakpoints(rt: DebugRuntime): void {
    for (const r of rt.resolveBreakpoints()) {
      const b: DebugProtocol.Breakpoint = {
        id: r.id,
        verified: r.verified,
        line: this.convertDebuggerLineToClient(r.line),
        source: this.source(),
        ...(r.message ? { message: r.message } : {}),
      };
      this.sendEvent(new BreakpointEvent('changed', b as Breakpoint));
    }
  }

  /**
   * The rest of the replay, after the trace's first records were handed to the debugger: a slice
   * at a time, between requests and the run's chunks. Each slice gives the debugger the records
   * it judged for good, resolves breakpoints it reached, and wakes a run waiting for them. At the
   * end, the summary (pending until then) is said in the Debug Console and the variables are
   * shown again; a problem that makes the trace undebuggable further on ends the session.
   */
  private async replayRest(under: LaunchUnderWay): Promise<void> {
    const load = under.load;
    const finish = () => {
      this.launching = undefined;
      this.wake();
    };
    try {
      for (;;) {
        await new Promise((r) => setImmediate(r));
        const rt = this.runtime;
        if (under.cancelled === 'disconnect') {
          load.cancel();
          under.end(`cancelled at ${under.progress()}`);
          return finish();
        }
        if (under.cancelled) {
          load.stopHere();
          under.end(`cancelled at ${under.progress()}; the records replayed so far can be debugged`);
          this.sendEvent(
            new OutputEvent(
              `the replay was cancelled at ${under.progress()}: the records judged before it can be debugged, the rest of the trace was never replayed (the record count and the summary are not known); launch again to replay it all\n`,
              'console',
            ),
          );
          finish();
          if (rt) this.resolveBreakpoints(rt);
          this.sendEvent(new InvalidatedEvent(['variables']));
          return;
        }
        const done = load.step(LAUNCH_SLICE);
        if (!done) {
          this.reportProgress(under);
          if (rt) this.resolveBreakpoints(rt);
          this.wake();
          continue;
        }
        if (!done.runtime) {
          under.end(`${under.progress()}; cannot be debugged`);
          this.replayError = done.error;
          this.sendEvent(
            new OutputEvent(`${done.error ?? 'the trace cannot be debugged'}: the session ends\n`, 'stderr'),
          );
          finish();
          this.runtime = undefined;
          this.sendEvent(new TerminatedEvent());
          return;
        }
        under.end(`${under.progress()}; replayed to the end`);
        const m = done.runtime.machine;
        if (m instanceof TraceMachine)
          this.sendEvent(new OutputEvent(`the replay ended: ${m.summaryText()}\n`, 'console'));
        finish();
        this.resolveBreakpoints(done.runtime);
        this.sendEvent(new InvalidatedEvent(['variables']));
        return;
      }
    } catch (e) {
      // A trace changed on disk while it was replayed (trace-file.ts), or a bug: said, and the session ends.
      load.cancel();
      under.end('failed');
      const message =
        e instanceof TraceFileError
          ? e.message
          : `internal error while replaying the trace: ${e instanceof Error ? e.message : String(e)}`;
      this.sendEvent(new OutputEvent(`${message}: the session ends\n`, 'stderr'));
      this.replayError = message;
      finish();
      this.runtime = undefined;
      this.sendEvent(new TerminatedEvent());
    }
  }

  /** Why the replay going on in the background ended the session. */
  private replayError?: string;

  /** Progress ids whose progress has ended (a `cancel` of one is answered so). */
  private readonly progressEnded = new Set<string>();

  /** The launch's `seq`, for the progress's `requestId` (the launch request it belongs to). */
  private launchSeq?: number;

  /**
   * A launch cancelled while its trace was read: the DAP answer to a cancelled request (`success`
   * false, `message` "cancelled"), a line saying so, and the session's end.
   */
  private launchCancelled(response: DebugProtocol.LaunchResponse, why: LaunchUnderWay['cancelled']): void {
    response.success = false;
    response.message = 'cancelled';
    this.sendResponse(response);
    if (why === 'disconnect') return;
    this.sendEvent(
      new OutputEvent(
        `the launch was cancelled while the trace was read: nothing was debugged; launch again to debug it\n`,
        'console',
      ),
    );
    this.sendEvent(new TerminatedEvent());
  }

  /**
   * `cancel`: of the launch's progress (or of the launch request itself, while it reads) stops the
   * replay at its next slice: before the debugging began, the launch answers "cancelled"; after,
   * the records judged so far stay debuggable. Anything else (no such progress or request, one
   * that ended, a second cancel, arguments that are not DAP's) is an error response saying so.
   */
  protected override cancelRequest(response: DebugProtocol.CancelResponse, args: DebugProtocol.CancelArguments): void {
    // DAP's `arguments` are optional: none is a cancel of nothing (said below).
    const a: unknown = args ?? {};
    if (a === null || typeof a !== 'object' || Array.isArray(a))
      return this.fail(response, 'cancel: the arguments must be an object with "progressId" or "requestId"');
    const { progressId, requestId } = a as Record<string, unknown>;
    if (progressId !== undefined && typeof progressId !== 'string')
      return this.fail(
        response,
        `cancel: "progressId" must be a string (the id of a progressStart event), not ${JSON.stringify(progressId) ?? String(progressId)}`,
      );
    if (requestId !== undefined && !(typeof requestId === 'number' && Number.isInteger(requestId)))
      return this.fail(
        response,
        `cancel: "requestId" must be an integer (the seq of a request), not ${JSON.stringify(requestId) ?? String(requestId)}`,
      );
    if (progressId === undefined && requestId === undefined)
      return this.fail(response, 'cancel: give "progressId" or "requestId": nothing to cancel');
    const l = this.launching;
    const name = progressId !== undefined ? `progress ${JSON.stringify(progressId)}` : `request ${String(requestId)}`;
    const launchRequest = requestId !== undefined && requestId === this.launchSeq;
    if (l && (progressId === l.progressId || (launchRequest && !l.background))) {
      if (l.cancelled) return this.fail(response, `cancel: ${name} is being cancelled already`);
      l.cancelled = 'cancel';
      return this.sendResponse(response);
    }
    if (l && launchRequest)
      return this.fail(
        response,
        `cancel: the launch (request ${String(requestId)}) was answered; its replay goes on: cancel progress "${l.progressId}" to stop it`,
      );
    if (progressId !== undefined && this.progressEnded.has(progressId))
      return this.fail(response, `cancel: ${name} has ended: nothing to cancel`);
    this.fail(
      response,
      progressId !== undefined
        ? `cancel: no ${name} under way (the only progress this adapter reports is a trace launch's replay)`
        : `cancel: ${name} cannot be cancelled: only a launch still reading its trace can`,
    );
  }

  /**
   * Attach to a live SMMU behind QEMU's gdbstub: read it once, then serve what was read. Any
   * failure (refused, garbage, timeout, another client on the stub) is an error response.
   */
  protected override async attachRequest(response: DebugProtocol.AttachResponse, args: AttachArguments): Promise<void> {
    const target = attachTarget(args ?? {});
    if (typeof target === 'string') return this.fail(response, target);
    let attached: LiveAttach;
    try {
      attached = await LiveAttach.open(target);
    } catch (e) {
      return this.fail(
        response,
        e instanceof GdbError || e instanceof QmpError
          ? `attach: ${e.message}`
          : `internal error while reading the live SMMU: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    this.attached = attached;
    this.memory = attached.memory;
    this.attachName = `SMMU at 0x${target.base.toString(16).toUpperCase()} (${attached.live.where})`;
    this.sendEvent(new OutputEvent(attached.summary(), 'console'));
    this.sendEvent(new InitializedEvent());
    await this.configured;
    this.sendResponse(response);
    const stops = attached.live.stops;
    this.stopped({
      reason: 'entry',
      description: stops
        ? 'attached: the SMMU as read now, read again at each stop of the guest'
        : 'attached: the guest is stopped while the SMMU is shown',
    });
    if (stops) this.followStops(attached, stops);
  }

  /**
   * Through QMP the session follows the guest: at each of its stops (a debugger's breakpoint,
   * Ctrl-C, `stop` in the monitor) the SMMU is read again, the variables are invalidated and the
   * session stops, which is when the Registers view asks again (client/views/debug-source.ts).
   */
  private followStops(attached: LiveAttach, stops: NonNullable<LiveAttach['live']['stops']>): void {
    stops.onStop(() => {
      attached.refreshAtStop().then(
        () => {
          if (this.attached !== attached) return;
          this.sendEvent(new OutputEvent(`the guest stopped: read again; ${attached.counts()}\n`, 'console'));
          this.sendEvent(new InvalidatedEvent(['variables']));
          this.stopped({ reason: 'pause', description: 'the guest stopped: the SMMU was read again' });
        },
        (e: unknown) => {
          if (this.attached !== attached) return;
          this.sendEvent(
            new OutputEvent(
              `the guest stopped, but the SMMU could not be read again: ${e instanceof Error ? e.message : String(e)}\n`,
              'stderr',
            ),
          );
        },
      );
    });
    stops.onLost((message) => {
      if (this.attached !== attached) return;
      this.attached = undefined;
      this.sendEvent(new OutputEvent(`${message}: the attach session ends (did QEMU exit?)\n`, 'stderr'));
      this.sendEvent(new TerminatedEvent());
    });
  }

  /** Disconnect: an attach leaves the guest as it found it (continued if it was running). */
  protected override async disconnectRequest(
    response: DebugProtocol.DisconnectResponse,
    args: DebugProtocol.DisconnectArguments,
  ): Promise<void> {
    const attached = this.attached;
    this.attached = undefined;
    // A launch still reading its trace stops at its next slice (and closes the file): in VS Code
    // the adapter runs in the extension host, which goes on after the session.
    if (this.launching) this.launching.cancelled = 'disconnect';
    if (attached) await attached.close();
    super.disconnectRequest(response, args);
  }

  private fail(response: DebugProtocol.Response, message: string): void {
    this.sendErrorResponse(response, { id: 1001, format: message.replace(/[{}]/g, ''), showUser: true });
  }

  private source(): Source {
    const p = this.runtime?.path ?? '';
    return new Source(path.basename(p), this.convertDebuggerPathToClient(p));
  }

  private stopped(s: Stop): void {
    this.handles.reset();
    const e: DebugProtocol.StoppedEvent = new StoppedEvent(s.reason, THREAD, s.description);
    if (s.description) e.body.description = s.description;
    if (s.breakpointIds) e.body.hitBreakpointIds = [...s.breakpointIds];
    this.sendEvent(e);
  }

  /** Run in chunks, yielding between them so a pause request is seen. */
  private async run(step: () => Stop | undefined): Promise<void> {
    const rt = this.runtime;
    if (!rt) return;
    this.running = true;
    this.pauseAsked = false;
    let s: Stop | undefined;
    try {
      // The next record is not judged yet (the replay goes on in the background): wait for it.
      while (rt.starved && this.replaying && !this.pauseAsked) await this.more();
      s = this.pauseAsked ? { reason: 'pause' } : this.cutShort(rt);
      s ??= step();
      while (!s) {
        await (rt.starved && this.replaying ? this.more() : new Promise((r) => setImmediate(r)));
        s = this.cutShort(rt) ?? rt.resume(CHUNK);
      }
    } catch (e) {
      // A trace changed on disk is the user's to know (trace-file.ts); a model bug must not take
      // the session down either: say so and stop where the model is.
      const message =
        e instanceof TraceFileError
          ? e.message
          : `internal error in the SMMU model: ${e instanceof Error ? e.message : String(e)}`;
      this.sendEvent(new OutputEvent(message + '\n', 'stderr'));
      s = { reason: 'exception', description: message };
    }
    this.running = false;
    this.stopped(s);
  }

  /** A pause asked while a run waits for the replay's next slice. */
  private pauseAsked = false;

  /** The next record will never be judged: the replay ended (the session ends with it) before it. */
  private cutShort(rt: DebugRuntime): Stop | undefined {
    return rt.starved && !this.replaying
      ? { reason: 'pause', description: 'the replay stopped before the next record: nothing more can run' }
      : undefined;
  }

  /** Requests that may arrive while running (between chunks the runtime is idle, so they are safe). */
  private static readonly WHILE_RUNNING = new Set([
    'pause',
    'setBreakpoints',
    'setExceptionBreakpoints',
    'setDataBreakpoints',
    'dataBreakpointInfo',
  ]);

  private withRuntime<R extends DebugProtocol.Response>(response: R, f: (rt: DebugRuntime) => void): void {
    const rt = this.runtime;
    if (!rt)
      return this.fail(
        response,
        this.attached
          ? `${response.command} is not available when attached to a live SMMU: the session only reads it (${REFRESH_REQUEST} reads it again)`
          : this.launching
            ? `the trace is still being read (${percent(this.launching.load.progress.bytes, this.launching.load.progress.size)}%): ${response.command} can be asked once it has stopped`
            : 'no program is loaded: launch first',
      );
    if (this.running && !SmmuDebugSession.WHILE_RUNNING.has(response.command))
      return this.fail(response, 'the model is running: pause first');
    try {
      f(rt);
    } catch (e) {
      this.fail(response, e instanceof Error ? e.message : String(e));
    }
  }

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    if (this.attached) {
      response.body = {
        breakpoints: (args.breakpoints ?? []).map((b) => ({
          verified: false,
          line: b.line,
          message: 'an attach session only reads the live SMMU: breakpoints are for launched scripts',
        })),
      };
      return this.sendResponse(response);
    }
    this.withRuntime(response, (rt) => {
      const wanted = args.breakpoints ?? [];
      const same = args.source.path && path.resolve(this.convertClientPathToDebugger(args.source.path)) === rt.path;
      if (!same) {
        response.body = {
          breakpoints: wanted.map((b) => ({
            verified: false,
            line: b.line,
            message: 'breakpoints work in the launched file only (included files run as one statement)',
          })),
        };
        return this.sendResponse(response);
      }
      const results = rt.setBreakpoints(
        wanted.map((b) => ({
          line: this.convertClientLineToDebugger(b.line),
          ...(b.condition ? { condition: b.condition } : {}),
          ...(b.hitCondition ? { hitCondition: b.hitCondition } : {}),
          ...(b.logMessage ? { logMessage: b.logMessage } : {}),
        })),
      );
      response.body = {
        breakpoints: results.map((r) => ({
          id: r.id,
          verified: r.verified,
          line: this.convertDebuggerLineToClient(r.line),
          source: this.source(),
          ...(r.message ? { message: r.message } : {}),
        })),
      };
      this.sendResponse(response);
    });
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    if (this.attached) {
      response.body = {
        breakpoints: args.filters.map(() => ({
          verified: false,
          message: 'an attach session only reads the live SMMU',
        })),
      };
      return this.sendResponse(response);
    }
    this.withRuntime(response, (rt) => {
      const unknown = rt.setExceptionFilters(args.filters);
      response.body = {
        breakpoints: args.filters.map((f) => ({
          verified: !unknown.includes(f),
          ...(unknown.includes(f) ? { message: `unknown filter ${f}` } : {}),
        })),
      };
      this.sendResponse(response);
    });
  }

  protected override dataBreakpointInfoRequest(
    response: DebugProtocol.DataBreakpointInfoResponse,
    args: DebugProtocol.DataBreakpointInfoArguments,
  ): void {
    this.withRuntime(response, (rt) => {
      let name = args.name;
      if (args.variablesReference) {
        const parent = this.handles.get(args.variablesReference);
        const child = parent?.children?.().find((c) => c.name === args.name);
        if (child?.evaluateName) name = child.evaluateName;
      }
      const info = rt.dataBreakpointInfo(name);
      response.body = {
        dataId: info.dataId ?? null,
        description: info.description,
        ...(info.dataId ? { accessTypes: ['write' as const] } : {}),
      };
      this.sendResponse(response);
    });
  }

  protected override setDataBreakpointsRequest(
    response: DebugProtocol.SetDataBreakpointsResponse,
    args: DebugProtocol.SetDataBreakpointsArguments,
  ): void {
    this.withRuntime(response, (rt) => {
      const r = rt.setDataBreakpoints(
        args.breakpoints.map((b) => ({ dataId: b.dataId, ...(b.condition ? { condition: b.condition } : {}) })),
      );
      response.body = {
        breakpoints: r.map((x) => ({ verified: x.verified, ...(x.message ? { message: x.message } : {}) })),
      };
      this.sendResponse(response);
    });
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD, 'SMMU')] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse): void {
    if (this.attached) {
      response.body = { stackFrames: [new StackFrame(0, this.attachName)], totalFrames: 1 };
      return this.sendResponse(response);
    }
    this.withRuntime(response, (rt) => {
      const frames = rt
        .frames()
        .map((f, i) => new StackFrame(i, f.name, this.source(), this.convertDebuggerLineToClient(f.line)));
      response.body = { stackFrames: frames, totalFrames: frames.length };
      this.sendResponse(response);
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    if (this.attached) return this.sendScopes(response, inspectionScopes(this.attached.inspection));
    this.withRuntime(response, (rt) => this.sendScopes(response, [...rt.stepScopes(), ...scopes(rt.machine.engine)]));
  }

  private sendScopes(response: DebugProtocol.ScopesResponse, views: readonly ScopeView[]): void {
    response.body = {
      scopes: views.map((s) => {
        const scope: DebugProtocol.Scope = new Scope(s.name, this.handles.create(s.node), s.expensive);
        if (s.presentationHint) scope.presentationHint = s.presentationHint;
        return scope;
      }),
    };
    this.sendResponse(response);
  }

  private toVariable(n: VarNode): DebugProtocol.Variable {
    const expandable = n.children || n.indexed;
    const v: DebugProtocol.Variable = {
      name: n.name,
      value: n.value,
      variablesReference: expandable ? this.handles.create(n) : 0,
    };
    if (n.type) v.type = n.type;
    if (n.evaluateName) v.evaluateName = n.evaluateName;
    if (n.memoryReference) v.memoryReference = n.memoryReference;
    if (n.indexed) v.indexedVariables = n.indexed.count;
    if (!n.settable) v.presentationHint = { attributes: ['readOnly'] };
    return v;
  }

  protected override variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): void {
    const send = () => {
      const n = this.handles.get(args.variablesReference);
      let nodes: readonly VarNode[] = [];
      if (n?.indexed) nodes = n.indexed.page(args.start ?? 0, args.count ?? Math.min(n.indexed.count, 256));
      else if (n?.children) nodes = n.children();
      response.body = { variables: nodes.map((x) => this.toVariable(x)) };
      this.sendResponse(response);
    };
    if (this.attached) return send();
    this.withRuntime(response, send);
  }

  protected override setVariableRequest(
    response: DebugProtocol.SetVariableResponse,
    args: DebugProtocol.SetVariableArguments,
  ): void {
    this.withRuntime(response, (rt) => {
      const parent = this.handles.get(args.variablesReference);
      if (typeof args.value !== 'string') return this.fail(response, 'setVariable: "value" must be a string');
      const node = parent?.children?.().find((c) => c.name === args.name);
      if (!node?.settable)
        return this.fail(response, `${args.name} cannot be set: only registers and their fields can`);
      const r = rt.setRegister(node.settable.reg, node.settable.field, args.value);
      for (const f of r.findings) this.sendEvent(new OutputEvent(`SMMU_${node.settable.reg.name}: ${f}\n`, 'console'));
      response.body = { value: r.value };
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }

  protected override evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): void {
    this.withRuntime(response, (rt) => {
      if (typeof args.expression !== 'string') return this.fail(response, 'evaluate: "expression" must be a string');
      const before = rt.position;
      const result = rt.evaluate(args.expression, args.context === 'repl');
      response.body = { result, variablesReference: 0 };
      this.sendResponse(response);
      if (rt.position !== before) this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    this.withRuntime(response, (rt) => {
      const x = rt.lastException;
      response.body = {
        exceptionId: x?.id ?? 'none',
        description: x?.description ?? 'no exception',
        breakMode: 'always',
      };
      this.sendResponse(response);
    });
  }

  private step(response: DebugProtocol.Response, f: (rt: DebugRuntime) => Stop | undefined): void {
    this.withRuntime(response, (rt) => {
      this.sendResponse(response);
      void this.run(() => f(rt));
    });
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.step(response, (rt) => rt.continue(CHUNK));
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.step(response, (rt) => rt.next(CHUNK));
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.step(response, (rt) => rt.stepIn());
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.step(response, (rt) => rt.stepOut(CHUNK));
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    this.step(response, (rt) => rt.stepBack());
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.step(response, (rt) => rt.reverseContinue());
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    if (this.launching && !this.runtime) {
      // The trace must be read to its end before any stop (the replay is the judge): stop at its first record then.
      this.launching.paused = true;
      return this.sendResponse(response);
    }
    this.withRuntime(response, (rt) => {
      rt.pause();
      // A run waiting for the replay's next slice (run) sees it there.
      if (this.running) this.pauseAsked = true;
      this.sendResponse(response);
      // Not running: stop right away so the client gets its stopped event.
      if (!this.running) this.stopped({ reason: 'pause' });
    });
  }

  /**
   * Reads at the SVD's addresses (the SMMU's pages at `smmuBase`) return the registers without an
   * access; everywhere else guest memory (server/dap/memory.ts, core/debug/physical-memory.ts).
   */
  protected override readMemoryRequest(
    response: DebugProtocol.ReadMemoryResponse,
    args: DebugProtocol.ReadMemoryArguments,
  ): void {
    const read = () =>
      readMemoryBody(this.memory as PhysicalMemory, args).then(
        (body) => {
          response.body = body;
          this.sendResponse(response);
        },
        (e: unknown) => this.fail(response, e instanceof Error ? e.message : String(e)),
      );
    if (this.attached) return void read();
    this.withRuntime(response, () => void read());
  }

  /** Writes at the SMMU's pages are register writes of the written size, recorded in the history. */
  protected override writeMemoryRequest(
    response: DebugProtocol.WriteMemoryResponse,
    args: DebugProtocol.WriteMemoryArguments,
  ): void {
    if (this.attached)
      return this.fail(
        response,
        'writeMemory: an attach session never writes to the guest (it only reads the live SMMU); launch a script to change registers on the model',
      );
    this.withRuntime(response, () => {
      const memory = this.memory as PhysicalMemory;
      writeMemoryBody(memory, args).then(
        ({ body, said }) => {
          for (const line of said) this.sendEvent(new OutputEvent(line + '\n', 'console'));
          response.body = body;
          this.sendResponse(response);
          this.sendEvent(new InvalidatedEvent(['variables']));
        },
        (e: unknown) => this.fail(response, e instanceof Error ? e.message : String(e)),
      );
    });
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (this.attached) return this.attachedRequest(this.attached, command, response);
    if (command === REFRESH_REQUEST) return this.fail(response, `${REFRESH_REQUEST} reads a live SMMU: attach first`);
    if (command === SET_REGISTER_REQUEST) return this.setRegister(response, args);
    if (command !== REGISTERS_REQUEST) return this.fail(response, `unknown request ${command}`);
    this.withRuntime(response, (rt) => {
      const body: SessionRegistersResult = {
        registers: registerStates(rt.machine.engine),
        line: rt.frames().at(-1)?.line ?? 0,
      };
      response.body = body;
      this.sendResponse(response);
    });
  }

  /** The custom requests of an attach session: the registers as read, and a new reading. */
  private attachedRequest(attached: LiveAttach, command: string, response: DebugProtocol.Response): void {
    if (command === REGISTERS_REQUEST) {
      const body: SessionRegistersResult = { registers: readingStates(attached.inspection.registers), line: 0 };
      response.body = body;
      return this.sendResponse(response);
    }
    if (command === SET_REGISTER_REQUEST)
      return this.fail(
        response,
        'an attach session never writes to the guest: Set Value works in a launched session, on the model',
      );
    if (command !== REFRESH_REQUEST) return this.fail(response, `unknown request ${command}`);
    attached.refresh().then(
      (i) => {
        response.body = { registers: i.registers.length, findings: i.findings.length, bytesRead: i.bytesRead };
        this.sendResponse(response);
        this.handles.reset();
        this.sendEvent(new InvalidatedEvent(['variables']));
      },
      (e: unknown) => this.fail(response, `${REFRESH_REQUEST}: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  /** The Registers view's "Set Value": a guest-like write of a register or field, recorded in history. */
  private setRegister(response: DebugProtocol.Response, args: unknown): void {
    this.withRuntime(response, (rt) => {
      const a = (args ?? {}) as Partial<SetRegisterArguments>;
      const reg = typeof a.register === 'string' ? findRegister(a.register) : undefined;
      if (!reg) return this.fail(response, `${String(a.register)} is not a register`);
      const field = typeof a.field === 'string' ? findField(reg, a.field) : undefined;
      if (a.field !== undefined && !field)
        return this.fail(response, `${String(a.field)} is not a field of SMMU_${reg.name}`);
      if (typeof a.value !== 'string') return this.fail(response, '"value" must be a string');
      const r = rt.setRegister(reg, field, a.value);
      for (const f of r.findings) this.sendEvent(new OutputEvent(`SMMU_${reg.name}: ${f}\n`, 'console'));
      const body: SetRegisterResult = { value: r.value, findings: r.findings };
      response.body = body;
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }
}
