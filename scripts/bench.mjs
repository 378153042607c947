// `npm run bench [-- --json]`: the engine benchmark, then the language server benchmark (through
// the bundled server over stdio), then trace replay, the debugger, the client, and `smmu qemu` on QEMU. Figures only; nothing asserts. See docs/performance.md.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const results = {};
const TITLES = { engine: 'Engine', languageServer: 'Language server', debugger: 'Debugger (time travel)', traceReplay: 'Trace replay', traceStream: 'Trace replay streamed (smmu replay, 1 M and 10 M records)', traceDebugger: 'Debugger on a trace (whole, and windowed at 10 M records)', client: 'VS Code client', qemu: 'QEMU runner (smmu qemu)' };
for (const [name, file] of [['engine', 'out/test/bench/engine.bench.js'], ['languageServer', 'out/test/bench/lsp.bench.js'], ['debugger', 'out/test/bench/debug.bench.js'], ['traceReplay', 'out/test/bench/trace.bench.js'], ['traceStream', 'out/test/bench/trace-stream.bench.js'], ['traceDebugger', 'out/test/bench/trace-debug.bench.js'], ['client', 'out/test/bench/client.bench.js'], ['qemu', 'out/test/bench/qemu.bench.js']]) {
  const r = spawnSync(process.execPath, [join(root, file), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`${name} benchmark failed\n`);
    process.exit(1);
  }
  if (json) results[name] = JSON.parse(r.stdout);
  else process.stdout.write(`${TITLES[name]}\n${r.stdout}\n`);
}
if (json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
