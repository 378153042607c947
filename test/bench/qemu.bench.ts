/**
 * `npm run bench`: `smmu qemu` end to end (a benchmark, not a test: nothing here asserts), as a
 * user runs it: the built CLI on a 100-line script (examples/qemu-conformant.smmu and register
 * accesses after it), from the command to its verdict: check, compile, build the ELF, boot QEMU,
 * run, replay. Median of 5 runs, and the steps of the median run as `--json` reports them.
 *
 * `--json` prints the figures as JSON.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const json = process.argv.includes('--json');
const cli = path.join(root, 'dist', 'cli.js');

const base = fs
  .readFileSync(path.join(root, 'examples', 'qemu-conformant.smmu'), 'utf8')
  .replace('config "../presets/', `config "${path.join(root, 'presets')}/`);
const lines = base.split('\n');
const extra: string[] = [];
for (let i = 0; lines.length + extra.length < 100; i++)
  extra.push(i % 2 ? 'read32 CR1 == 0xD75' : `write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=${8 + (i % 4)}`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-qemu-bench-'));
const script = path.join(dir, 'bench.smmu');
fs.writeFileSync(script, [...lines, ...extra].join('\n') + '\n');

interface Run {
  readonly ms: number;
  readonly timings: Record<string, number>;
  readonly qemuMs: number;
  readonly ops: number;
}
const runs: Run[] = [];
for (let i = 0; i < 5; i++) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'qemu', script, '--json'], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    process.stderr.write(`smmu qemu failed (exit ${r.status}): ${r.stderr}${r.stdout.slice(0, 2000)}\n`);
    process.exit(1);
  }
  const j = JSON.parse(r.stdout) as {
    timings: Record<string, number>;
    qemu: { ms: number };
    operations: { total: number };
  };
  runs.push({ ms, timings: j.timings, qemuMs: j.qemu.ms, ops: j.operations.total });
}
runs.sort((a, b) => a.ms - b.ms);
const median = runs[2] as Run;
const figures = {
  script: '100 lines (examples/qemu-conformant.smmu + register accesses)',
  operations: median.ops,
  medianMs: Math.round(median.ms),
  minMs: Math.round((runs[0] as Run).ms),
  maxMs: Math.round((runs[4] as Run).ms),
  steps: median.timings,
};
fs.rmSync(dir, { recursive: true, force: true });
if (json) process.stdout.write(JSON.stringify({ node: process.version, figures }, null, 2) + '\n');
else {
  process.stdout.write(
    `smmu qemu, 100-line script, end to end (node + check + build + QEMU + replay)   median ${figures.medianMs} ms (min ${figures.minMs}, max ${figures.maxMs}), ${figures.operations} operations\n`,
  );
  process.stdout.write(
    `  steps of the median run: ${Object.entries(figures.steps)
      .map(([k, v]) => `${k} ${v} ms`)
      .join(', ')}\n`,
  );
}
