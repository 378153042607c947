/**
 * `npm run bench`: stepping through a trace in the debugger (core/debug/trace-program.ts), a
 * benchmark, not a test: nothing here asserts. A conforming single-vCPU `.smmutrace` (the trace
 * replay benchmark's CR0/CR0ACK handshakes and read-backs, plus one divergent read near the end):
 * launch (parse + whole replay + machine), continue to the divergence (records/s, history kept for
 * step back), then one step back and a reverse continue to the start.
 *
 * `--json` prints the figures as JSON.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugRuntime } from '../../core/debug/runtime';
import { fileHost } from '../../server/file-host';
import { handshakeLines } from './trace-gen';

const json = process.argv.includes('--json');
const N = Number(process.argv.find((a) => a.startsWith('--records='))?.slice(10) ?? '100000');

function lineTrace(n: number): string {
  const lines = handshakeLines(n);
  // The divergence: CR0ACK acknowledges PRIQEN, never written (and IDR0 advertises no PRI).
  lines.push('W 0x20 4 0x0', 'R 0x24 4 0x2');
  return lines.join('\n') + '\n';
}

const host = fileHost;

const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-bench-')), 'bench.smmutrace');
fs.writeFileSync(file, lineTrace(N));
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

let t = process.hrtime.bigint();
const rt = DebugRuntime.launch(file, host).runtime;
if (!rt) throw new Error('launch failed');
const launchMs = ms(t);
const records = rt.machine.statementCount;
t = process.hrtime.bigint();
const stop = rt.continue();
const continueMs = ms(t);
t = process.hrtime.bigint();
rt.stepBack();
const stepBackMs = ms(t);
t = process.hrtime.bigint();
rt.reverseContinue();
const reverseMs = ms(t);
const heapMB = process.memoryUsage().heapUsed / 2 ** 20;
const figures = {
  records,
  stoppedAt: stop?.description?.slice(0, 60),
  launchMs,
  continueRecordsPerSecond: records / (continueMs / 1000),
  stepBackMs,
  reverseContinueToStartMs: reverseMs,
  heapMB,
};
if (json) process.stdout.write(JSON.stringify({ node: process.version, figures }, null, 2) + '\n');
else
  process.stdout.write(
    [
      `.smmutrace, ${(records / 1000).toFixed(0)}k records: launch (parse + replay) ${launchMs.toFixed(0)} ms`,
      `continue to the divergence at the end            ${(figures.continueRecordsPerSecond / 1e3).toFixed(0)} k records/s (${continueMs.toFixed(0)} ms)`,
      `step back ${stepBackMs.toFixed(1)} ms; reverse continue to the start ${reverseMs.toFixed(0)} ms; heap ${heapMB.toFixed(0)} MB`,
      '',
    ].join('\n'),
  );
