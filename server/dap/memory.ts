/**
 * DAP `readMemory` and `writeMemory` over a session's `PhysicalMemory` (core/debug/physical-memory.ts).
 * What the clients send (docs/svd.md): Peripheral Viewer, which Cortex-Debug uses for its
 * peripheral view, reads `{ memoryReference: '0x' + address in lower-case hex, count }` in chunks
 * of at most 4 KB and writes `{ memoryReference, data: base64 }` of a register's size; VS Code's
 * memory view adds `offset`. A launch and an attach session answer them the same way.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { splitMemoryReference } from '../../core/debug/memory-reference';
import type { PhysicalMemory } from '../../core/debug/physical-memory';

/** The most one read returns: clients read in chunks (Peripheral Viewer 4 KB, VS Code's hex view 128 KB). */
const MAX_READ = 1 << 20;

/** A memory reference: a physical address in hex (`0x40100000`) or decimal (`… secure` split off by startOf). */
export function parseAddress(ref: unknown): bigint {
  if (typeof ref !== 'string' || !/^(0x[0-9a-f]+|\d+)$/i.test(ref.trim()))
    throw new Error(`memory reference '${String(ref)}' is not an address (0x… or decimal)`);
  const a = BigInt(ref.trim());
  if (a >= 1n << 64n) throw new Error(`memory reference '${ref}' is beyond 64 bits`);
  return a;
}

/**
 * `memoryReference` plus the optional byte `offset` (which DAP allows to be negative), and whether
 * the reference names the Secure PA space (`0x… secure`, §3.10).
 */
function startOf(args: { memoryReference?: unknown; offset?: unknown }): { start: bigint; secure: boolean } {
  const ref = typeof args.memoryReference === 'string' ? splitMemoryReference(args.memoryReference) : undefined;
  const base = parseAddress(ref ? ref.address : args.memoryReference);
  const offset = args.offset === undefined ? 0 : Number(args.offset);
  if (!Number.isSafeInteger(offset)) throw new Error(`offset '${String(args.offset)}' is not a whole number of bytes`);
  const start = base + BigInt(offset);
  if (start < 0n || start >= 1n << 64n)
    throw new Error(`${String(args.memoryReference)} with offset ${offset} is outside the 64-bit address space`);
  return { start, secure: ref?.secure === true };
}

export async function readMemoryBody(
  memory: PhysicalMemory,
  args: DebugProtocol.ReadMemoryArguments,
): Promise<DebugProtocol.ReadMemoryResponse['body']> {
  const { start, secure } = startOf(args);
  // A count that is not a number reads nothing, as a count of 0 does.
  const count = Math.max(0, Math.min(Math.trunc(Number(args.count)) || 0, MAX_READ));
  const r = await memory.read(start, count, secure);
  return {
    address: '0x' + start.toString(16).toUpperCase(),
    data: Buffer.from(r.bytes).toString('base64'),
    ...(r.unreadable ? { unreadableBytes: r.unreadable } : {}),
  };
}

export async function writeMemoryBody(
  memory: PhysicalMemory,
  args: DebugProtocol.WriteMemoryArguments,
): Promise<{ body: DebugProtocol.WriteMemoryResponse['body']; said: readonly string[] }> {
  if (typeof args.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(args.data))
    throw new Error('writeMemory: "data" must be base64 text');
  const { start, secure } = startOf(args);
  const bytes = new Uint8Array(Buffer.from(args.data, 'base64'));
  const said = await memory.write(start, bytes, secure);
  return { body: { bytesWritten: bytes.length }, said };
}
