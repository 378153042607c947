/**
 * A GDB remote serial protocol client over TCP, for reading a stopped target's physical memory
 * (QEMU's gdbstub with `Qqemu.PhyMemMode:1`). It reads and never writes: it sends no `M`, `X`,
 * `G`, `P` or breakpoint packets, and it resumes the target only when `close({ resume: true })`
 * says so (docs/inspect.md, "The guest while inspect reads").
 *
 * Independent of the command line: the debug adapter's attach can hold one client for a session
 * (connect, `ensureStopped`, read, `close`). Every failure is a GdbError whose message says what
 * happened (refused, timed out, dropped, not a gdbstub, a packet too large); memory is bounded by
 * the packet reader's limit and by the reads' own sizes.
 */
import * as net from 'net';
import {
  DEFAULT_MAX_PACKET_BYTES,
  encodePacket,
  GdbProtocolError,
  hexBytes,
  isErrorReply,
  isStopReply,
  PacketReader,
  type GdbEvent,
} from '../../core/gdb/packet';
import { printable } from '../../core/text/printable';

export class GdbError extends Error {}

/** The peer said nothing in time; after it, the connection is not used again (but see ensureStopped). */
class GdbTimeout extends GdbError {}

export interface GdbConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Time for the connection and for each reply, ms (default 10 s). */
  readonly timeoutMs?: number;
  readonly maxPacketBytes?: number;
}

/** How the target was when the client found it, and what the client did. */
export type TargetState =
  /** Stopped before the client came (a debugger's stop, QEMU's `-S`). */
  | 'was-stopped'
  /** Running: the stub stopped it when the client connected (QEMU does) or the client sent Ctrl-C. */
  | 'stopped-by-us';

/** The bytes of one reply that may hold console output (`qRcmd`): bounded like everything else. */
const MAX_CONSOLE_BYTES = 1024 * 1024;
/** Time a running target gets to answer `?` before the client interrupts it (Ctrl-C, 0x03). */
const QUERY_WHILE_RUNNING_MS = 1500;
/** The largest `m` read asked for: QEMU 7.2 answers E22 above MAX_PACKET_LENGTH / 2 = 2048 bytes. */
const MAX_READ_CHUNK = 2048;
/** Bad checksums in a row before the link is judged broken. */
const MAX_RETRIES = 3;

interface Waiter {
  /** Takes the packets it is waiting for; the others go to `unsolicited`. */
  readonly accept: (data: string) => boolean;
  readonly resolve: (data: string) => void;
  readonly reject: (e: Error) => void;
}

export class GdbClient {
  private readonly reader: PacketReader;
  private waiter: Waiter | undefined;
  private failure: GdbError | undefined;
  private lastSent: Uint8Array | undefined;
  private retries = 0;
  /** Stop replies nobody asked for (QEMU sends one when it stops a running guest for a new client). */
  private unsolicitedStops = 0;
  private packetSize = MAX_READ_CHUNK * 2;
  private stoppedByUs = false;
  private physicalModeBefore: boolean | undefined;
  private closed = false;

  private constructor(
    private readonly socket: net.Socket,
    readonly where: string,
    private readonly timeoutMs: number,
    maxPacketBytes: number,
  ) {
    this.reader = new PacketReader(maxPacketBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => this.fail(new GdbError(`${where}: ${socketMessage(e)}`)));
    socket.on('close', () =>
      this.fail(new GdbError(`${where} closed the connection${this.waiter ? ' before it answered' : ''}`)),
    );
  }

  /** Connect to exactly `host:port` (no other address is tried). */
  static connect(o: GdbConnectOptions): Promise<GdbClient> {
    const where = `the gdbstub at ${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
    const timeoutMs = o.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: o.host, port: o.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new GdbError(`${where} did not accept the connection within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new GdbError(`${where}: ${socketMessage(e)}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new GdbClient(socket, where, timeoutMs, o.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES));
      });
    });
  }

  /**
   * Make sure the target is stopped (a gdbstub answers memory reads only then). Asks `?`; a
   * target that does not answer within QUERY_WHILE_RUNNING_MS is interrupted with Ctrl-C (0x03).
   * Then learns the stub's packet size (`qSupported`), after which every stop reply that came
   * unasked has arrived: one means the stub stopped a running target for this client.
   */
  async ensureStopped(): Promise<TargetState> {
    let stop: string;
    try {
      stop = await this.request('?', { accept: isStopReply, timeoutMs: QUERY_WHILE_RUNNING_MS });
    } catch (e) {
      if (!(e instanceof GdbTimeout) || this.failure !== e) throw e;
      // The timeout above was the running target's silence, not a broken link: ask it to stop.
      this.failure = undefined;
      this.socket.write(Uint8Array.of(0x03));
      try {
        stop = await this.waitFor(isStopReply, 'Ctrl-C (0x03)');
      } catch (e2) {
        // QEMU accepts a second connection but serves only the first client.
        if (e2 instanceof GdbTimeout)
          throw new GdbError(
            `${e2.message} (QEMU's gdbstub serves one client at a time: is a debugger attached to it?)`,
          );
        throw e2;
      }
      this.stoppedByUs = true;
    }
    if (/^[WX]/.test(stop)) throw new GdbError(`${this.where}: the target has exited (${stop})`);
    const supported = await this.request('qSupported');
    const size = /(?:^|;)PacketSize=([0-9a-fA-F]+)/.exec(supported)?.[1];
    if (size) this.packetSize = Math.max(64, Math.min(parseInt(size, 16), MAX_READ_CHUNK * 2 + 64));
    if (this.unsolicitedStops > 0) this.stoppedByUs = true;
    return this.stoppedByUs ? 'stopped-by-us' : 'was-stopped';
  }

  /**
   * QEMU's physical-memory mode (`qqemu.PhyMemMode`, `Qqemu.PhyMemMode:1`, QEMU's
   * docs/system/gdb.rst): memory packets then address guest physical memory, devices included.
   * The mode the stub had is put back by `close`. An error when the stub has no such mode.
   */
  async usePhysicalMemory(): Promise<void> {
    const mode = await this.request('qqemu.PhyMemMode');
    if (mode !== '0' && mode !== '1')
      throw new GdbError(
        `${this.where} has no physical-memory mode (qqemu.PhyMemMode answered '${printable(mode)}'): it is not QEMU's gdbstub, or too old`,
      );
    this.physicalModeBefore = mode === '1';
    if (mode === '1') return;
    const ok = await this.request('Qqemu.PhyMemMode:1');
    if (ok !== 'OK') throw new GdbError(`${this.where} refused physical-memory mode ('${printable(ok)}')`);
  }

  /**
   * `length` bytes at `address` (`m addr,len`, in chunks the stub accepts). An error reply is
   * returned as its text, so a caller can say which structure could not be read.
   */
  async readMemory(address: bigint, length: number): Promise<Uint8Array | string> {
    const out = new Uint8Array(length);
    const chunk = Math.min(MAX_READ_CHUNK, Math.floor((this.packetSize - 8) / 2));
    for (let at = 0; at < length; at += chunk) {
      const n = Math.min(chunk, length - at);
      const a = address + BigInt(at);
      const reply = await this.request(`m${a.toString(16)},${n.toString(16)}`);
      if (isErrorReply(reply) || reply === '')
        return `the stub could not read ${n} bytes at 0x${a.toString(16)} (${reply || 'empty reply'})`;
      const bytes = hexBytes(reply);
      if (!bytes || bytes.length !== n)
        throw new GdbError(
          `${this.where} answered a read of ${n} bytes at 0x${a.toString(16)} with '${printable(reply).slice(0, 40)}', not ${n} bytes in hex`,
        );
      out.set(bytes, at);
    }
    return out;
  }

  /** A monitor command (`qRcmd`): its console output. QEMU runs HMP commands. */
  async monitor(command: string): Promise<string> {
    let text = '';
    const hex = [...command].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
    const reply = await this.request(`qRcmd,${hex}`, {
      accept: (d) => {
        if (d.startsWith('O') && d !== 'OK') {
          const bytes = hexBytes(d.slice(1));
          if (bytes) {
            text += String.fromCharCode(...bytes);
            if (text.length > MAX_CONSOLE_BYTES)
              this.fail(new GdbError(`${this.where} sent more than ${MAX_CONSOLE_BYTES} bytes of console output`));
            return false;
          }
        }
        return !isStopReply(d);
      },
    });
    if (reply !== 'OK')
      throw new GdbError(`${this.where} refused the monitor command '${command}' ('${printable(reply)}')`);
    return text;
  }

  /**
   * Put back the physical-memory mode as it was, continue the target when asked (`c`; no reply
   * is awaited: it comes at the next stop) and close. Never throws.
   */
  async close(o: { resume?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.failure && this.physicalModeBefore === false) await this.request('Qqemu.PhyMemMode:0');
      if (!this.failure && o.resume) await this.send('c');
    } catch {
      // The connection is going away anyway.
    }
    this.closed = true;
    this.socket.end();
    this.socket.destroy();
  }

  /** Whether `close` should continue the target to leave it as it was found. */
  get wasRunning(): boolean {
    return this.stoppedByUs;
  }

  /**
   * Send `data` as a packet and wait for the reply that `accept` takes (default: anything but a
   * stop reply or console output, which may come unasked).
   */
  request(data: string, o: { accept?: (reply: string) => boolean; timeoutMs?: number } = {}): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new GdbError('internal: one request at a time'));
    const accept = o.accept ?? ((d: string) => !isStopReply(d) && !(d.startsWith('O') && d !== 'OK'));
    const p = this.waitFor(accept, `'${data.slice(0, 24)}'`, o.timeoutMs);
    this.lastSent = encodePacket(data);
    this.retries = 0;
    this.socket.write(this.lastSent);
    return p;
  }

  /** Send without waiting for a reply (only `c`, whose reply is the next stop). */
  private async send(data: string): Promise<void> {
    this.lastSent = encodePacket(data);
    await new Promise<void>((resolve) => this.socket.write(this.lastSent as Uint8Array, () => resolve()));
  }

  private waitFor(accept: (d: string) => boolean, what: string, timeoutMs = this.timeoutMs): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        // A reply that comes later would answer the wrong request: the connection is done.
        this.failure = new GdbTimeout(`${this.where} did not answer ${what} within ${timeoutMs / 1000} s`);
        reject(this.failure);
      }, timeoutMs);
      this.waiter = {
        accept,
        resolve: (d) => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(d);
        },
        reject: (e) => {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(e);
        },
      };
    });
  }

  private onData(chunk: Buffer): void {
    if (this.failure) return;
    let events: GdbEvent[];
    try {
      events = this.reader.push(chunk);
    } catch (e) {
      this.fail(new GdbError(`${this.where}: ${e instanceof GdbProtocolError ? e.message : String(e)}`));
      return;
    }
    for (const ev of events) {
      if (this.failure) return;
      if (ev.kind === 'nack') {
        if (this.lastSent && ++this.retries <= MAX_RETRIES) this.socket.write(this.lastSent);
        else this.fail(new GdbError(`${this.where} rejected a packet ${MAX_RETRIES + 1} times (bad checksums)`));
      } else if (ev.kind === 'corrupt') {
        if (++this.retries > MAX_RETRIES)
          this.fail(new GdbError(`${this.where} sent ${MAX_RETRIES + 1} packets with bad checksums (${ev.why})`));
        else this.socket.write('-');
      } else if (ev.kind === 'packet') {
        if (ev.notification) continue; // Notifications are not acknowledged and ask nothing of us.
        this.ack();
        const w = this.waiter;
        if (w && w.accept(ev.data)) w.resolve(ev.data);
        else if (isStopReply(ev.data)) this.unsolicitedStops++;
      }
    }
  }

  private ack(): void {
    this.retries = 0;
    this.socket.write('+');
  }

  private fail(e: GdbError): void {
    if (this.failure) return;
    this.failure = e;
    this.waiter?.reject(e);
    this.socket.destroy();
  }
}

/** What a socket error means, in words; `refused` says what to check when the connection is refused. */
export function socketMessage(
  e: NodeJS.ErrnoException,
  refused = 'is QEMU running with -gdb tcp::PORT or -s, on this port?',
): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused (${refused})`;
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'EPIPE':
      return 'the connection was closed while sending';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name could not be resolved (${e.code})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host cannot be reached';
    default:
      return e.message;
  }
}
