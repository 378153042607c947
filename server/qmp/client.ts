/**
 * A client of QEMU's machine protocol (QMP, QEMU's docs/interop/qmp-spec): JSON objects one a
 * line over TCP or a unix socket. The server greets (`{"QMP": …}`), the client negotiates
 * (`qmp_capabilities`), then each command gets a `return` or an `error` carrying the command's
 * `id`, and events (`STOP`, `RESUME`, …) come whenever the machine changes.
 *
 * It reads the machine through the human monitor (`human-monitor-command`: `xp`, `info mtree -f`)
 * and never changes it: it sends no `stop`, `cont`, memory writes or device commands. Unlike the
 * gdbstub, QMP answers while the guest runs and while a debugger holds the gdbstub, so a session
 * can keep it open and follow the guest's stops (docs/inspect.md "Beside a kernel debugging
 * session"). Every failure is a QmpError whose message says what happened; what a peer sends is
 * bounded (one message at most MAX_MESSAGE_BYTES).
 */
import * as net from 'net';
import { printable } from '../../core/text/printable';
import { socketMessage } from '../gdb/client';

export class QmpError extends Error {}

export type QmpAddress = { readonly host: string; readonly port: number } | { readonly path: string };

export interface QmpConnectOptions {
  readonly address: QmpAddress;
  /** Time for the connection, the greeting and each reply, ms (default 10 s). */
  readonly timeoutMs?: number;
}

export interface QmpEvent {
  readonly event: string;
  readonly data?: unknown;
}

/** One message of the peer at most (a 4 KiB `xp` dump is about 16 KiB of text). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

interface Pending {
  readonly id: string;
  readonly what: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function qmpWhere(a: QmpAddress): string {
  return 'path' in a
    ? `QEMU's monitor (QMP) at ${a.path}`
    : `QEMU's monitor (QMP) at ${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

export class QmpClient {
  private buffer = '';
  private failure: QmpError | undefined;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private greeter: { resolve: (g: JsonObject) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private readonly eventListeners: ((e: QmpEvent) => void)[] = [];
  private readonly closeListeners: ((e: QmpError) => void)[] = [];
  private closing = false;

  private constructor(
    private readonly socket: net.Socket,
    readonly where: string,
    private readonly timeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => this.fail(new QmpError(`${where}: ${qmpSocketMessage(e)}`)));
    socket.on('close', () =>
      this.fail(new QmpError(`${where} closed the connection${this.pending ? ' before it answered' : ''}`)),
    );
  }

  /** Connect, read the greeting and leave capabilities negotiation mode (`qmp_capabilities`). */
  static async connect(o: QmpConnectOptions): Promise<QmpClient> {
    const where = qmpWhere(o.address);
    const timeoutMs = o.timeoutMs ?? 10_000;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = 'path' in o.address ? net.connect({ path: o.address.path }) : net.connect(o.address);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new QmpError(`${where} did not accept the connection within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new QmpError(`${where}: ${qmpSocketMessage(e)}`));
      });
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
    });
    const client = new QmpClient(socket, where, timeoutMs);
    try {
      const greeting = await client.greeting();
      if (!isObject(greeting.QMP)) throw new QmpError(`${where} is not QEMU's QMP: its greeting has no "QMP" object`);
      await client.execute('qmp_capabilities');
      return client;
    } catch (e) {
      client.close();
      throw e;
    }
  }

  /** Listen to the machine's events (STOP, RESUME, SHUTDOWN…). */
  onEvent(listener: (e: QmpEvent) => void): void {
    this.eventListeners.push(listener);
  }

  /** Called once when the connection fails or the peer closes it (not after `close`). */
  onClose(listener: (e: QmpError) => void): void {
    this.closeListeners.push(listener);
  }

  /** Run a command: its `return`, or a QmpError with QEMU's description of its `error`. */
  execute(command: string, args?: JsonObject): Promise<unknown> {
    const run = () => this.send(command, args);
    const r = this.queue.then(run, run);
    this.queue = r.catch(() => undefined);
    return r;
  }

  /** A human monitor command (`human-monitor-command`): its output. */
  async hmp(commandLine: string): Promise<string> {
    const out = await this.execute('human-monitor-command', { 'command-line': commandLine });
    if (typeof out !== 'string')
      throw new QmpError(`${this.where} answered '${commandLine}' with something that is not the monitor's output`);
    return out;
  }

  /** Whether the guest runs (`query-status`). */
  async running(): Promise<boolean> {
    const s = await this.execute('query-status');
    if (!isObject(s) || typeof s.running !== 'boolean')
      throw new QmpError(`${this.where} answered query-status without "running"`);
    return s.running;
  }

  /** Close the connection. Never throws; the machine is not touched. */
  close(): void {
    this.closing = true;
    this.fail(new QmpError(`${this.where}: the connection was closed`));
  }

  private greeting(): Promise<JsonObject> {
    return new Promise<JsonObject>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.fail(
            new QmpError(
              `${this.where} sent no greeting within ${this.timeoutMs / 1000} s (is it QEMU's -qmp socket? QEMU's QMP socket serves one client at a time: is another client connected to it?)`,
            ),
          ),
        this.timeoutMs,
      );
      this.greeter = { resolve, reject, timer };
    });
  }

  private send(command: string, args?: JsonObject): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = `smmu-${this.nextId++}`;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new QmpError(`${this.where} did not answer '${command}' within ${this.timeoutMs / 1000} s`)),
        this.timeoutMs,
      );
      this.pending = { id, what: command, resolve, reject, timer };
      this.socket.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\r\n');
    });
  }

  private onData(chunk: string): void {
    if (this.failure) return;
    this.buffer += chunk;
    for (;;) {
      const nl = this.buffer.indexOf('\n');
      if (nl < 0) break;
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onMessage(line);
      if (this.failure) return;
    }
    if (this.buffer.length > MAX_MESSAGE_BYTES)
      this.fail(new QmpError(`${this.where} sent a message longer than ${MAX_MESSAGE_BYTES} bytes`));
  }

  private onMessage(line: string): void {
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch {
      return this.fail(
        new QmpError(`${this.where} sent what is not QMP (not JSON): '${printable(line).slice(0, 60)}'`),
      );
    }
    if (!isObject(m))
      return this.fail(
        new QmpError(`${this.where} sent what is not QMP (not an object): '${printable(line).slice(0, 60)}'`),
      );
    if (this.greeter) {
      const g = this.greeter;
      if (!('QMP' in m))
        return this.fail(
          new QmpError(`${this.where} is not QEMU's QMP: it greeted with '${printable(line).slice(0, 60)}'`),
        );
      this.greeter = undefined;
      clearTimeout(g.timer);
      return g.resolve(m);
    }
    if (typeof m.event === 'string') {
      for (const l of this.eventListeners) l({ event: m.event, ...(m.data !== undefined ? { data: m.data } : {}) });
      return;
    }
    const p = this.pending;
    if (!('return' in m) && !('error' in m))
      return this.fail(
        new QmpError(
          `${this.where} sent a message that is neither a reply nor an event: '${printable(line).slice(0, 60)}'`,
        ),
      );
    // A reply to no request of ours (QMP answers in order, with the id it was given).
    if (!p || m.id !== p.id)
      return this.fail(
        new QmpError(`${this.where} sent a reply to no request of this client: '${printable(line).slice(0, 60)}'`),
      );
    clearTimeout(p.timer);
    this.pending = undefined;
    if ('error' in m) {
      const e = isObject(m.error) ? m.error : {};
      const desc = typeof e.desc === 'string' ? e.desc : JSON.stringify(m.error);
      return p.reject(new QmpError(`${this.where} refused '${p.what}': ${printable(desc)}`));
    }
    p.resolve(m.return);
  }

  private fail(e: QmpError): void {
    if (this.failure) return;
    this.failure = e;
    for (const p of [this.pending, this.greeter]) {
      if (!p) continue;
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending = undefined;
    this.greeter = undefined;
    this.socket.destroy();
    if (!this.closing) for (const l of this.closeListeners) l(e);
  }
}

function qmpSocketMessage(e: NodeJS.ErrnoException): string {
  return e.code === 'ENOENT'
    ? 'no such socket (is QEMU running with -qmp unix:PATH,server,wait=off?)'
    : socketMessage(e, 'is QEMU running with -qmp tcp:127.0.0.1:PORT,server,wait=off, on this port?');
}
