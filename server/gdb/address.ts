/** The address of a gdbstub as `smmu inspect --gdb` and the debug adapter's attach take it. */

/** HOST:PORT, [IPv6]:PORT, :PORT or PORT (loopback); or the message that says why not. */
export function parseGdbAddress(text: string): { host: string; port: number } | string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!m) return `--gdb ${text}: give HOST:PORT (localhost:1234), [::1]:1234 or a port of this machine`;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `--gdb ${text}: the port must be 1 to 65535`;
  return { host: m[1] || m[2] || '127.0.0.1', port };
}
