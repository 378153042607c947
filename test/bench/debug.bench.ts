/**
 * `npm run bench`: the step debugger's time travel (issue #6). A script of 100,000 debugger steps
 * (statements and the commands its doorbells consume) runs to the end; then step back is timed
 * (target ≤ 10 ms per step back with 100,000 steps of history) and the memory the history keeps
 * is measured (snapshots every N steps, thinned to at most 1024, pages shared when unchanged).
 * A benchmark, not a test: nothing here asserts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { DebugRuntime } from '../../core/debug/runtime';

interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: number;
  readonly lowerIsBetter?: boolean;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const json = process.argv.includes('--json');
const STEPS = 100_000;

function script(): string {
  const lines = [
    'write64 STRTAB_BASE 0x40000000',
    'write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8',
    'write64 CMDQ_BASE 0x40100000 | LOG2SIZE=8',
    'write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=7',
    'write32 CR0 SMMUEN|EVENTQEN|CMDQEN',
  ];
  // Per block: 7 statements and 3 commands consumed = 10 debugger steps; guest memory over 64
  // pages; a DMA to an invalid STE, so every block writes (or, once the queue is full, discards)
  // a C_BAD_STE event record: the activity log grows all along.
  for (let i = 0; lines.length < (STEPS / 10) * 7 + 5; i++) {
    lines.push(
      `cmd CFGI_STE sid=${i % 256} Leaf`,
      `cmd TLBI_NH_ASID asid=${i % 16}`,
      'cmd SYNC',
      'doorbell',
      'read32 CMDQ_CONS',
      `mem write64 0x${(0x5000_0000 + (i % 64) * 4096 + (i % 512) * 8).toString(16)} ${i}`,
      'dma read sid=5 iova=0x1000',
    );
  }
  return lines.join('\n') + '\n';
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-debug-bench-'));
  const file = path.join(dir, 'history.smmu');
  fs.writeFileSync(file, script());
  const host = {
    readFile: (p: string) => fs.readFileSync(p, 'utf8'),
    resolvePath: (from: string, rel: string) => path.resolve(path.dirname(from), rel),
  };
  const rt = DebugRuntime.launch(file, host).runtime;
  if (!rt) throw new Error('bench script does not load');
  rt.setExceptionFilters([]);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  rt.continue();
  const runMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const steps = rt.position;
  const records = rt.machine.engine.activity.length;
  gc();
  const historyBytes = process.memoryUsage().heapUsed - heapBefore;
  // Step back 300 times from the end (each re-executes from the nearest snapshot), and jump to
  // 300 random positions (the same mechanism, any distance back).
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = process.hrtime.bigint();
    rt.stepBack();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  let seed = 1;
  const jumps: number[] = [];
  for (let i = 0; i < 300; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const target = seed % steps;
    const t = process.hrtime.bigint();
    rt.goTo(target);
    jumps.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const p95 = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length * 0.95)] as number;
  const figures: Figure[] = [
    { name: 'debugger steps executed (statements + commands)', value: steps, unit: 'steps' },
    { name: 'run to the end, recording history', value: (steps / runMs) * 1000, unit: 'steps/s' },
    { name: 'step back, mean of 300 from the end', value: avg(times), unit: 'ms', target: 10, lowerIsBetter: true },
    { name: 'step back, p95 of 300', value: p95(times), unit: 'ms', target: 10, lowerIsBetter: true },
    // The slowest includes the first call (not yet compiled) and major GC pauses of a heap that
    // holds the parsed 70,000-line script.
    { name: 'step back, slowest of 300 (first call, GC pauses)', value: Math.max(...times), unit: 'ms' },
    { name: 'jump to a random position, mean of 300', value: avg(jumps), unit: 'ms', target: 10, lowerIsBetter: true },
    {
      name: 'snapshots kept / steps between snapshots',
      value: rt.history.snapshotCount,
      unit: `snapshots, every ${rt.history.interval} steps`,
    },
    { name: 'heap kept by the history (snapshots + log)', value: historyBytes / 2 ** 20, unit: 'MiB' },
    { name: 'activity records (events) at the end', value: records, unit: 'records' },
  ];
  fs.rmSync(dir, { recursive: true, force: true });
  if (json) {
    process.stdout.write(JSON.stringify({ node: process.version, figures }, null, 2) + '\n');
    return;
  }
  for (const f of figures) {
    const v =
      f.unit === 'steps/s'
        ? `${(f.value / 1e3).toFixed(1)} k`
        : f.unit === 'steps' || f.unit === 'records' || f.unit.startsWith('snapshots')
          ? `${f.value}`
          : f.value.toFixed(2);
    const vs =
      f.target !== undefined
        ? `  (target ≤ ${f.target}: ${(f.lowerIsBetter ? f.value <= f.target : f.value >= f.target) ? 'met' : 'NOT met'})`
        : '';
    process.stdout.write(`${f.name.padEnd(52)} ${v} ${f.unit}${vs}\n`);
  }
}

main();
