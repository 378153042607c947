/**
 * `npm run bench`: trace replay throughput (a benchmark, not a test: nothing here asserts).
 *
 *   - a conforming single-vCPU line-format trace (CR0/CR0ACK handshakes, CR1 and queue-base
 *     read-backs): parse + replay, records/s;
 *   - the same as a QEMU `-trace smmuv3_*` log;
 *   - a two-vCPU trace where a tenth of the reads show the other vCPU's write (multi-vCPU windows).
 *
 * `--json` prints the figures as JSON.
 */
import { parseLineTrace } from '../../core/trace/parse-line';
import { parseQemuTrace } from '../../core/trace/parse-qemu';
import { replayTrace } from '../../core/trace/replay';
import { handshakeLines, PROBE, x } from './trace-gen';

const json = process.argv.includes('--json');

function lineTrace(n: number): string {
  return handshakeLines(n).join('\n');
}

function qemuLog(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      const [d, off, size, val] = l.split(' ');
      return `${d === 'R' ? 'smmuv3_read_mmio' : 'smmuv3_write_mmio'} addr: ${x(Number(off))} val:${val} size: 0x${size}(0)`;
    })
    .join('\n');
}

function twoVcpus(n: number): string {
  const lines = PROBE.map((l) => `${l} 0`);
  for (let i = 0; lines.length < n; i++) {
    const a = 0x40000000 + (i & 0xfff) * 0x40;
    const b = a + 0x100000;
    // vCPU 1 writes between vCPU 0's write and read: one read in ten sees vCPU 1's value.
    lines.push(`W 0x80 4 ${x(a)} 0`, `W 0x80 4 ${x(b)} 1`, `R 0x80 4 ${x(i % 10 === 0 ? a : b)} 0`);
  }
  return lines.join('\n');
}

function rate(
  text: string,
  parse: (t: string) => ReturnType<typeof parseLineTrace>,
): { perSecond: number; records: number; diagnostics: number } {
  replayTrace(parse(text)); // warm-up
  const start = process.hrtime.bigint();
  const r = replayTrace(parse(text));
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  return { perSecond: r.summary.records / s, records: r.summary.records, diagnostics: r.diagnostics.length };
}

const N = Number(process.argv.find((a) => a.startsWith('--records='))?.slice(10) ?? '200000');
const single = lineTrace(N);
const figures = [
  { name: `.smmutrace, 1 vCPU, ${N / 1000}k records, parse + replay`, ...rate(single, parseLineTrace) },
  { name: `QEMU log, 1 vCPU, ${N / 1000}k records, parse + replay`, ...rate(qemuLog(single), parseQemuTrace) },
  { name: `.smmutrace, 2 vCPUs, ${N / 1000}k records, 1 read in 30 reordered`, ...rate(twoVcpus(N), parseLineTrace) },
];
if (json) process.stdout.write(JSON.stringify({ node: process.version, figures }, null, 2) + '\n');
else
  for (const f of figures)
    process.stdout.write(
      `${f.name.padEnd(62)} ${(f.perSecond / 1e3).toFixed(0)} k records/s  (${f.diagnostics} diagnostics)\n`,
    );
