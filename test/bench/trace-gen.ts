/**
 * The generated traces the trace benchmarks share (trace.bench.ts, trace-debug.bench.ts): a
 * QEMU-like ID probe, then conforming CR0/CR0ACK handshakes with CR1 and queue-base read-backs.
 */

/** ID register reads of the QEMU preset: the replay infers the configuration from them. */
export const PROBE = [
  'R 0x00 4 0x0D44101A',
  'R 0x04 4 0x02730010',
  'R 0x0C 4 0x00001404',
  'R 0x14 4 0x00000074',
  'R 0x18 4 0x0000043B',
  'R 0x1C 4 0x1',
];

export const x = (n: number) => '0x' + n.toString(16);

/** At least `n` line-format records: the probe, then handshakes of eight records each. */
export function handshakeLines(n: number): string[] {
  const lines = [...PROBE];
  for (let i = 0; lines.length < n; i++) {
    // Queue registers change only while the queues are disabled (they are Guarded, §6.2).
    const cr1 = x(0xd75 - (i & 0x10));
    const base = x(0x40000007 + (i & 0xff) * 0x1000);
    lines.push(
      'W 0x20 4 0x0',
      'R 0x24 4 0x0',
      `W 0x28 4 ${cr1}`,
      `R 0x28 4 ${cr1}`,
      `W 0xA0 8 ${base}`,
      `R 0xA0 8 ${base}`,
      'W 0x20 4 0xC',
      'R 0x24 4 0xC',
    );
  }
  return lines;
}
