/**
 * `npm run bench`: `smmu replay` streaming traces of 1 M and 10 M records (a benchmark, not a
 * test: nothing here asserts), as a user runs it: the built CLI as a child process, from a file.
 * For each trace, side by side with the peer, node reading the same file line by line (readline,
 * the way a log tool does) in a child of its own: wall time, CPU time (user + system: the machine
 * is shared, so wall time depends on its load and CPU time is the steadier figure) and the
 * child's peak RSS, all from /usr/bin/time.
 *
 *   - ID register reads, the issue's example (the model's fast path throughout);
 *   - conforming CR0/CR0ACK handshakes with CR1 and EVENTQ_BASE read-backs (their writes take
 *     the model's checked fast path: CR0 is acknowledged, CR1 has Guarded fields, EVENTQ_BASE is
 *     a queue base);
 *   - a divergence on every record (CR0ACK reads 1 where the model has 0): the report's cap;
 *   - two vCPUs, one read in ten showing the other vCPU's write (the multi-vCPU window).
 *
 * `--records=N` replaces 1 M (10 M is then 10 × N); `--no-10m` skips the 10 M traces; `--json`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { handshakeLines, PROBE, x } from './trace-gen';

const root = path.join(__dirname, '..', '..', '..');
const json = process.argv.includes('--json');
const cli = path.join(root, 'dist', 'cli.js');
const base = Number(process.argv.find((a) => a.startsWith('--records='))?.slice(10) ?? '1000000');
const sizes = process.argv.includes('--no-10m') ? [base] : [base, base * 10];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-stream-bench-'));

/** Write `n` lines: `head`, then `body` over and over (cut at n). */
function writeTrace(file: string, n: number, head: readonly string[], body: readonly string[]): void {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, head.join('\n') + '\n');
  const block = body.join('\n') + '\n';
  let written = head.length;
  const repeat = Math.max(1, Math.floor(65536 / block.length));
  const chunk = block.repeat(repeat);
  while (written + body.length * repeat <= n) {
    fs.writeSync(fd, chunk);
    written += body.length * repeat;
  }
  while (written + body.length <= n) {
    fs.writeSync(fd, block);
    written += body.length;
  }
  if (written < n) fs.writeSync(fd, body.slice(0, n - written).join('\n') + '\n');
  fs.closeSync(fd);
}

const TRACES: { name: string; head: string[]; body: string[] }[] = [
  { name: 'ID register reads', head: [], body: PROBE },
  { name: 'CR0/CR0ACK handshakes', head: PROBE, body: handshakeLines(8 * 256 + PROBE.length).slice(PROBE.length) },
  { name: 'a divergence on every record', head: PROBE, body: ['R 0x24 4 0x1'] },
  {
    name: '2 vCPUs, 1 read in 10 reordered',
    head: PROBE.map((l) => `${l} 0`),
    body: Array.from({ length: 10 }, (_, i) => {
      const a = 0x40000000 + i * 0x40;
      const b = a + 0x100000;
      return [`W 0x80 4 ${x(a)} 0`, `W 0x80 4 ${x(b)} 1`, `R 0x80 4 ${x(i === 0 ? a : b)} 0`];
    }).flat(),
  },
];

interface Measure {
  readonly wallS: number;
  readonly cpuS: number;
  readonly maxRssMiB: number;
  readonly status: number | null;
  readonly tail: string;
}

/** A child under /usr/bin/time: its wall and CPU seconds and peak RSS. */
function measure(args: string[]): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '@@%e %U %S %M', process.execPath, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const m = /@@([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (!m) throw new Error(`bench: /usr/bin/time gave no figures: ${r.error?.message ?? r.stderr}`);
  const [, wall, user, sys, rss] = m as unknown as [string, string, string, string, string];
  return {
    wallS: Number(wall),
    cpuS: Number(user) + Number(sys),
    maxRssMiB: Number(rss) / 1024,
    status: r.status,
    tail: (r.stdout ?? '').trim().split('\n').slice(-6).join('\n'),
  };
}

const peerScript = path.join(dir, 'readline-peer.js');
fs.writeFileSync(
  peerScript,
  `const rl = require('readline').createInterface({ input: require('fs').createReadStream(process.argv[2]), crlfDelay: Infinity });
let n = 0; rl.on('line', () => n++); rl.on('close', () => console.log(n + ' lines'));\n`,
);

const figures: Record<string, unknown>[] = [];
for (const n of sizes) {
  for (const t of TRACES) {
    const file = path.join(dir, 'trace.smmutrace');
    writeTrace(file, n, t.head, t.body);
    const bytes = fs.statSync(file).size;
    const replay = measure([cli, 'replay', file]);
    const peer = measure([peerScript, file]);
    figures.push({
      trace: t.name,
      records: n,
      megabytes: Math.round(bytes / 1e5) / 10,
      replay: {
        ...replay,
        recordsPerSecondWall: Math.round(n / replay.wallS),
        recordsPerSecondCpu: Math.round(n / replay.cpuS),
      },
      peer,
      ratioWall: Math.round((replay.wallS / peer.wallS) * 10) / 10,
      ratioCpu: Math.round((replay.cpuS / peer.cpuS) * 10) / 10,
    });
    fs.rmSync(file);
  }
}
fs.rmSync(dir, { recursive: true, force: true });

const load = os.loadavg()[0]?.toFixed(1);
if (json) process.stdout.write(JSON.stringify({ node: process.version, loadAverage: load, figures }, null, 2) + '\n');
else {
  process.stdout.write(
    `smmu replay FILE (a child process) vs node readline over the same file; load average ${load} on ${os.cpus().length} cores\n`,
  );
  for (const f of figures as {
    trace: string;
    records: number;
    megabytes: number;
    replay: Measure & { recordsPerSecondWall: number; recordsPerSecondCpu: number };
    peer: Measure;
    ratioWall: number;
    ratioCpu: number;
  }[])
    process.stdout.write(
      `${`${(f.records / 1e6).toLocaleString('en-US')} M, ${f.trace} (${f.megabytes} MB)`.padEnd(50)} replay ${f.replay.wallS.toFixed(2)} s wall / ${f.replay.cpuS.toFixed(2)} s CPU, ${(f.replay.recordsPerSecondCpu / 1e6).toFixed(2)} M records/s of CPU (${(f.replay.recordsPerSecondWall / 1e6).toFixed(2)} M/s wall), peak RSS ${f.replay.maxRssMiB.toFixed(0)} MiB, exit ${f.replay.status}; readline ${f.peer.wallS.toFixed(2)} s / ${f.peer.cpuS.toFixed(2)} s CPU, ${f.peer.maxRssMiB.toFixed(0)} MiB; ratio ${f.ratioWall} wall, ${f.ratioCpu} CPU\n`,
    );
}
