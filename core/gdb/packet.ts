/**
 * The GDB remote serial protocol's framing, pure (no sockets: server/gdb/ owns the connection):
 * a packet is `$data#cc`, `cc` the sum of the data's bytes modulo 256 in two hex digits; `+` and
 * `-` acknowledge a packet or ask for it again; `%data#cc` is a notification; a run `X*n` repeats
 * X n - 29 more times (run-length encoding; GDB's manual, "Overview" of the remote protocol).
 *
 * Everything a peer sends is bounded here: a packet longer than `maxPacketBytes` (raw or after
 * run-length decoding), a packet that never ends, bytes that are not the protocol's and a broken
 * run are each a GdbProtocolError with what was wrong; nothing grows past the limit.
 */

/** The largest packet accepted by default: QEMU 7.2 sends at most 4096 bytes (its PacketSize). */
export const DEFAULT_MAX_PACKET_BYTES = 64 * 1024;
/** Stray bytes tolerated between packets (GDB ignores them) before the peer is judged not a gdbstub. */
export const MAX_STRAY_BYTES = 256;

export class GdbProtocolError extends Error {}

export type GdbEvent =
  | { readonly kind: 'ack' }
  | { readonly kind: 'nack' }
  /** A packet whose checksum is right: its data after run-length decoding (latin1). */
  | { readonly kind: 'packet'; readonly data: string; readonly notification: boolean }
  /** A packet whose checksum is wrong: the receiver asks for it again with `-`. */
  | { readonly kind: 'corrupt'; readonly why: string };

const DOLLAR = 0x24;
const PERCENT = 0x25;
const HASH = 0x23;
const STAR = 0x2a;
const PLUS = 0x2b;
const MINUS = 0x2d;

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function shown(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16).padStart(2, '0')}`;
}

/** `$data#cc` for `data` (latin1: one byte a character); callers send only printable requests. */
export function encodePacket(data: string): Uint8Array {
  const out = new Uint8Array(data.length + 4);
  let sum = 0;
  out[0] = DOLLAR;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i) & 0xff;
    out[i + 1] = c;
    sum = (sum + c) & 0xff;
  }
  const cs = sum.toString(16).padStart(2, '0');
  out[data.length + 1] = HASH;
  out[data.length + 2] = cs.charCodeAt(0);
  out[data.length + 3] = cs.charCodeAt(1);
  return out;
}

type State = 'idle' | 'data' | 'run' | 'sum1' | 'sum2';

/**
 * Feed it the bytes as they arrive (`push`); it returns the acknowledgements and packets they
 * complete. One reader per connection: a packet may span any number of chunks.
 */
export class PacketReader {
  private state: State = 'idle';
  /** Decoded data of the packet being read (at most maxPacketBytes). */
  private data: number[] = [];
  /** Raw bytes of the packet being read, for the bound on what a peer may send without a `#`. */
  private raw = 0;
  private sum = 0;
  private theirs = 0;
  private notification = false;
  private stray = 0;

  constructor(readonly maxPacketBytes: number = DEFAULT_MAX_PACKET_BYTES) {}

  /** Nothing half-read: the connection may end here without losing a packet. */
  get between(): boolean {
    return this.state === 'idle';
  }

  push(chunk: Uint8Array): GdbEvent[] {
    const events: GdbEvent[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      switch (this.state) {
        case 'idle':
          if (c === PLUS) events.push({ kind: 'ack' });
          else if (c === MINUS) events.push({ kind: 'nack' });
          else if (c === DOLLAR || c === PERCENT) {
            this.state = 'data';
            this.data = [];
            this.raw = 0;
            this.sum = 0;
            this.notification = c === PERCENT;
            this.stray = 0;
          } else if (++this.stray > MAX_STRAY_BYTES)
            throw new GdbProtocolError(
              `the peer sent ${MAX_STRAY_BYTES} bytes that are not packets (the last ${shown(c)}): it does not speak the GDB remote protocol`,
            );
          break;
        case 'data':
          if (c === HASH) this.state = 'sum1';
          else if (++this.raw > this.maxPacketBytes) throw this.tooLarge();
          else if (c === DOLLAR)
            throw new GdbProtocolError(`a packet started inside another one (a '$' before the '#' of the previous)`);
          else {
            this.sum = (this.sum + c) & 0xff;
            if (c === STAR) {
              if (!this.data.length) throw new GdbProtocolError(`a run ('*') at the start of a packet repeats nothing`);
              this.state = 'run';
            } else this.push1(c);
          }
          break;
        case 'run': {
          if (++this.raw > this.maxPacketBytes) throw this.tooLarge();
          this.sum = (this.sum + c) & 0xff;
          // GDB's remote.c: the count is the character minus 29; '#' and '$' are never counts.
          const repeat = c - 29;
          if (repeat < 3 || repeat > 97 || c === HASH || c === DOLLAR)
            throw new GdbProtocolError(`a run ('*') with the count character ${shown(c)}, which is not one`);
          const last = this.data[this.data.length - 1] as number;
          for (let k = 0; k < repeat; k++) this.push1(last);
          this.state = 'data';
          break;
        }
        case 'sum1':
        case 'sum2': {
          const d = hexDigit(c);
          if (d < 0) throw new GdbProtocolError(`a packet's checksum has ${shown(c)}, which is not a hex digit`);
          if (this.state === 'sum1') {
            this.theirs = d << 4;
            this.state = 'sum2';
            break;
          }
          this.theirs |= d;
          this.state = 'idle';
          if (this.theirs !== this.sum)
            events.push({
              kind: 'corrupt',
              why: `checksum ${this.theirs.toString(16).padStart(2, '0')} where the data sums to ${this.sum.toString(16).padStart(2, '0')}`,
            });
          else events.push({ kind: 'packet', data: latin1(this.data), notification: this.notification });
          this.data = [];
          break;
        }
      }
    }
    return events;
  }

  private push1(c: number): void {
    if (this.data.length >= this.maxPacketBytes) throw this.tooLarge();
    this.data.push(c);
  }

  private tooLarge(): GdbProtocolError {
    this.data = [];
    return new GdbProtocolError(
      `a packet is larger than ${this.maxPacketBytes} bytes (the limit of this client): the connection was cut`,
    );
  }
}

function latin1(bytes: readonly number[]): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.slice(i, i + 4096));
  return s;
}

/** Bytes from the hex text of an `m` reply (two digits a byte, first byte first); undefined if it is not that. */
export function hexBytes(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(text.charCodeAt(2 * i));
    const lo = hexDigit(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** A stop reply (`T`, `S`, `W`, `X`): the target stopped, or exited. */
export function isStopReply(data: string): boolean {
  return /^(T[0-9a-fA-F]{2}|S[0-9a-fA-F]{2}|W[0-9a-fA-F]{2}|X[0-9a-fA-F]{2})/.test(data);
}

/** An error reply `Enn`. */
export function isErrorReply(data: string): boolean {
  return /^E[0-9a-fA-F]{2}$/.test(data);
}
