/** QEMU's QMP socket as `smmu inspect --qmp` and the attach's "qmp" take it. */
import { parseGdbAddress } from '../gdb/address';
import type { QmpAddress } from './client';

/** HOST:PORT, [IPv6]:PORT, :PORT or PORT (loopback), or unix:PATH; or the message that says why not. */
export function parseQmpAddress(text: string): QmpAddress | string {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    return path ? { path } : `--qmp ${text}: give the socket's path after unix:`;
  }
  const a = parseGdbAddress(text);
  if (typeof a !== 'string') return a;
  return /the port must be/.test(a)
    ? a.replace(/^--gdb/, '--qmp')
    : `--qmp ${text}: give HOST:PORT (localhost:4444), [::1]:4444, a port of this machine or unix:PATH`;
}
